"""Library errors name API keywords and config keys (``budget=N``, ``encoder.model``), never a ``--flag``; the CLI
spells the keywords as its flags (:func:`selector.cli.console.as_flags`)."""

from __future__ import annotations

import ast
import re

from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import as_flags
from tests.conftest import DEMO, REPO

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")

NOT_YET: set[str] = set()
"""Modules still wording a raise as a ``--flag``: none, every module below ``cli/`` names keywords."""


def flags_in_raises() -> dict[str, list[str]]:
    """``--flag`` strings inside ``raise`` statements below ``selector/cli/``, by module."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "selector").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith("selector/cli/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for sub in ast.walk(node.exc):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and FLAG.search(sub.value):
                        found.setdefault(rel, []).append(f"line {node.lineno}: {FLAG.findall(sub.value)}")
    return found


def test_no_raise_below_the_cli_names_a_flag():
    offending = {k: v for k, v in flags_in_raises().items() if k not in NOT_YET}
    assert not offending, offending


def test_the_cli_spells_keywords_as_flags():
    assert as_flags("no budget: pass budget=N or fraction=F") == "no budget: pass --budget N or --fraction F"
    assert as_flags("task='x' needs task_field=F") == "--task 'x' needs --task-field F"
    assert as_flags("ray=True needs ray_workers=N") == "--ray needs --ray-workers N"
    assert as_flags('describe it with mapping={"prompt": KEY, "response": KEY}') == (
        "describe it with --map prompt=KEY --map response=KEY"
    )
    assert as_flags("mapping=: unknown field x") == "--map: unknown field x"
    assert as_flags('use device="cpu", or backend="torch"') == "use --device cpu, or --backend torch"
    assert as_flags("with embeddings=, or cache=False") == "with --embeddings, or --no-cache"
    assert as_flags("out=.: the output must be a .npy file") == "--out .: the output must be a .npy file"
    assert as_flags("or pass skip_invalid=True to skip it") == "or pass --skip-invalid to skip it"
    assert (
        as_flags("out=. is the current folder; e.g. out=picked") == "--out . is the current folder; e.g. --out picked"
    )
    assert as_flags("Fix the mapping= keys (mapping=prompt=a)") == "Fix the --map keys (--map prompt=a)"
    assert as_flags("config key 'encoder.model'; prompt=premise") == "config key 'encoder.model'; prompt=premise"


def test_a_library_error_reaches_the_command_line_in_flags(tmp_path):
    res = CliRunner().invoke(app, ["select", str(DEMO), "-n", "3", "--out", str(tmp_path / "o"), "--task", "t1"])
    assert res.exit_code == 2 and "--task 't1' needs --task-field F" in res.output
