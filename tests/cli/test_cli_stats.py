"""``selector stats`` through Typer's CliRunner: output, exit codes, --json, --map, --skip-invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.errors import InputError

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "data" / "demo.jsonl"
GOOD = json.dumps({"instruction": "Say hi.", "input": "", "output": "Hi."})


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env or {"SELECTOR_DEBUG": ""})


def test_help_lists_the_options() -> None:
    result = run("stats", "--help")
    assert result.exit_code == 0
    for option in ("--json", "--source-field", "--task-field", "--skip-invalid", "--map"):
        assert option in result.output


def test_table_on_the_demo_corpus() -> None:
    result = run("stats", str(DEMO), "--source-field", "source")
    assert result.exit_code == 0, result.output
    assert "demo.jsonl" in result.output and "alpaca" in result.output
    assert "arithmetic" in result.output and "total: 400 samples" in result.output


def test_json_top_level_records_is_the_sample_count() -> None:
    result = run("stats", str(DEMO), "--json", "--source-field", "source")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["records"] == 400
    assert sum(data["sources"].values()) == 400 and len(data["sources"]) == 5


def test_bad_line_exits_2_with_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(GOOD + "\n{not json\n")
    result = run("stats", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:2: malformed JSON")
    assert "Traceback" not in result.output


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(GOOD + "\n{not json\n")
    result = run("stats", str(path), env={"SELECTOR_DEBUG": "1"})
    assert isinstance(result.exception, InputError)


def test_skip_invalid_says_what_was_skipped(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(GOOD + "\n{not json\n" + GOOD + "\n")
    (tmp_path / "vicuna.jsonl").write_text(json.dumps({"question_id": 1, "text": "Why?", "category": "x"}) + "\n")
    result = run("stats", str(tmp_path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "total: 2 samples from 1 file(s); 1 file(s) not read; 1 record(s) skipped" in result.stdout
    assert "bad.jsonl:2: malformed JSON" in result.stdout
    assert "vicuna.jsonl: unknown record format" in result.stdout


def test_map_reads_records_of_another_shape(tmp_path: Path) -> None:
    path = tmp_path / "cb.jsonl"
    path.write_text(json.dumps({"premise": "P.", "hypothesis": "H.", "label": "neutral", "idx": 0}) + "\n")
    assert run("stats", str(path)).exit_code == 2
    result = run("stats", str(path), "--map", "prompt=premise+hypothesis", "--map", "response=label", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] == 1


def test_bad_map_option_exits_2() -> None:
    result = run("stats", str(DEMO), "--map", "prompt")
    assert result.exit_code == 2 and "--map expects FIELD=KEY" in result.stderr


@pytest.mark.usefixtures("shared_data")
def test_shared_corpora_counts_match_their_readme(shared_data: Path) -> None:
    result = run("stats", str(shared_data), "--skip-invalid", "--json", "--no-tokens")  # counts only: 9 s, not 70
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    files = {Path(f["path"]).relative_to(shared_data).as_posix(): f for f in data["files"]}
    assert files["alpaca_chinese_zh-data-part-00.json"]["records"] == 10_021
    assert files["alpaca_chinese_zh-data-part-01.json"]["records"] == 10_444
    assert files["code_alpaca_2k.json"]["records"] == 2_017
    assert files["new_codealpaca.json"]["format"] == "alpaca" and files["new_codealpaca.json"]["records"] == 4_535
    assert files["self_instruct_seed_tasks.jsonl"]["records"] == 175
    assert files["self_instruct_user_oriented_instructions.jsonl"]["records"] == 252
    p3 = [f for name, f in files.items() if name.startswith("p3_t0_train_50k/")]
    assert len(p3) == 10 and all(f["records"] == 200 and f["format"] == "prompt_completion" for f in p3)
    ni = [f for name, f in files.items() if name.startswith("natural_instructions/")]
    assert len(ni) == 7 and all(25 <= f["samples"] <= 144 for f in ni)
    not_read = {Path(s["file"]).name for s in data["skipped_items"]}
    assert {"vicuna_question_80.jsonl", "CB_train.jsonl", "WiC_unlabeled.jsonl", "MANIFEST.json"} <= not_read


@pytest.mark.usefixtures("shared_data")
def test_shared_cb_file_reads_with_a_mapping(shared_data: Path) -> None:
    path = shared_data / "fewglue" / "CB_train.jsonl"
    result = run("stats", str(path), "--map", "prompt=premise+hypothesis", "--map", "response=label", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] == 32


def test_library_stats_is_what_the_command_prints() -> None:
    from selector.pipeline.stats import render_stats, stats

    summary = stats([DEMO], source_field="source", tokens=False)
    assert summary["records"] == 400 and summary["sources"]["arithmetic"] > 0
    result = run("stats", str(DEMO), "--source-field", "source", "--no-tokens")
    assert result.exit_code == 0 and result.output == render_stats(summary) + "\n"
