"""The rendered ``--help`` of every command, as a user reads it, and the options the commands share.

Typer 0.29 with rich markup ate the ``[onnx]`` of ``pip install 'selector[onnx]'`` and printed its type labels
(``<bool>``, ``<list[str]>``, ``{inputs}...``); the app renders plain help with explicit metavars instead.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from selector.cli import app

runner = CliRunner()
COMMANDS: dict[str, Any] = dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
LONG = ("select", "filter", "dedup", "embed", "evaluate", "stats")
"""The commands that read a corpus and may run for minutes: each takes -q/--quiet."""

EXTRA = re.compile(r"selector\[(\w+)\]")
TYPE_LABEL = re.compile(r"<bool>|<list\[|\{\w*\}|\{INPUT")

SAME_NAME_OTHER_MEANING = {
    "--out": "a folder or a file, by command (same flags and metavar style)",
    "--seed": "evaluate: the seed of the split, default 0",
    "--tokens": "stats: --tokens/--no-tokens switches token counts on; select and plan: a token count",
}


def render(command: str) -> str:
    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


def options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def declared_help(command: Any) -> str:
    return "\n".join([command.help or "", *(p.help or "" for p in options(command))])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_shows_every_extra_the_code_names(command: str) -> None:
    shown = render(command)
    for extra in set(EXTRA.findall(declared_help(COMMANDS[command]))):
        assert f"'selector[{extra}]'" in shown, f"{command} --help lost 'selector[{extra}]'"


def test_the_encoder_commands_name_all_three_extras() -> None:
    for command in ("select", "embed"):
        assert {"onnx", "static", "ray"} <= set(EXTRA.findall(render(command)))


@pytest.mark.parametrize("command", ["", *sorted(COMMANDS)])
def test_help_has_no_type_labels(command: str) -> None:
    shown = render(command) if command else runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert not TYPE_LABEL.search(shown), TYPE_LABEL.search(shown)


@pytest.mark.parametrize("command", LONG)
def test_long_commands_take_quiet_and_explain_input(command: str) -> None:
    shown = render(command)
    assert "-q, --quiet" in shown
    assert f"{command} [OPTIONS] [INPUT]..." in shown and "INPUT: one or more files, folders" in shown


def test_options_of_the_same_name_are_declared_alike() -> None:
    seen: dict[str, tuple[str, tuple]] = {}
    for name, command in COMMANDS.items():
        for p in options(command):
            key = next(o for o in p.opts if o.startswith("--"))
            if key in SAME_NAME_OTHER_MEANING or key == "--help":
                continue
            spec = (sorted(p.opts), p.secondary_opts, p.metavar, p.default, p.help)
            if key in seen:
                assert spec == seen[key][1], f"{key}: {name} differs from {seen[key][0]}"
            else:
                seen[key] = (name, spec)
    assert seen["--device"][1][3] is None and sorted(seen["--model"][1][0]) == ["--model", "-m"]
    for command in ("select", "embed", "dedup", "evaluate"):
        assert {"--device", "--model", "--out"} <= {o for p in COMMANDS[command].params for o in p.opts}


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (["embed", "x.jsonl", "-o", "x.npy", "--backend", "cuda"], "'torch', 'onnx', 'static'"),
        (["embed", "x.jsonl", "-o", "x.npy", "--storage", "int8"], "'float32', 'float16'"),
        (["select", "x.jsonl", "-o", "out", "--dtype", "half"], "'auto', 'float32', 'bfloat16', 'float16'"),
        (["dedup", "x.jsonl", "-o", "out", "--export", "chatml"], "'alpaca', 'sharegpt', 'messages'"),
    ],
)
def test_a_wrong_choice_is_refused_with_the_list(tmp_path, args: list[str], listed: str) -> None:
    res = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 2 and listed in res.output, res.output
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize("command", LONG)
def test_no_input_is_a_usage_error(tmp_path, command: str) -> None:
    args = [command] if command == "stats" else [command, "-o", str(tmp_path / "out")]
    res = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 2 and "give at least one input" in res.output, res.output
    assert not (tmp_path / "out").exists()


def test_quiet_keeps_the_summary_and_drops_info_lines(tmp_path) -> None:
    src = tmp_path / "d.jsonl"
    answer = "An answer long enough to pass the filters, with several words in it. " * 3
    src.write_text("".join(f'{{"instruction": "Question {i}?", "output": "{answer}"}}\n' for i in range(12)))
    loud = runner.invoke(app, ["filter", str(src), "-o", str(tmp_path / "a")])
    quiet = runner.invoke(app, ["filter", str(src), "-o", str(tmp_path / "b"), "-q"])
    assert loud.exit_code == quiet.exit_code == 0, loud.output + quiet.output
    assert "INFO: filters kept 12 of 12" in loud.stderr and quiet.stderr == ""
    assert "kept 12 of 12 samples" in quiet.stdout
