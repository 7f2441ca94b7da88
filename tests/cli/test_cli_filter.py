from __future__ import annotations

import json

from typer.testing import CliRunner

from selector.cli import app
from tests.conftest import REPO

runner = CliRunner()


def _write(path, records):
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


RECORDS = [
    {"instruction": "Q1", "input": "", "output": "A fine answer about [loops](https://x.org).", "site": "a"},
    {"instruction": "Q2", "input": "", "output": "I think this is right.", "site": "a"},
    {"instruction": "Q3", "input": "", "output": "", "site": "b"},
    {"instruction": "Q1", "input": "", "output": "a fine  answer about loops.", "site": "b"},
    {"instruction": "Q5", "input": "", "output": "As mentioned, use `my_list`.", "site": "b"},
    {"instruction": "Q6", "input": "", "output": "Use `my_list` and `I = 5`.", "site": "b"},
]


def test_filter_writes_kept_rejected_and_a_manifest_that_adds_up(tmp_path):
    src = _write(tmp_path / "data.json", RECORDS)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "filters: {first_person: true, refers_to_other_answers: true}\ncleaning: {enabled: true}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    res = runner.invoke(app, ["filter", str(src), "--out", str(out), "--config", str(cfg), "--source-field", "site"])
    assert res.exit_code == 0, res.output
    kept = json.loads((out / "kept.json").read_text(encoding="utf-8"))
    assert [r["instruction"] for r in kept] == ["Q1", "Q6"]
    assert kept[0]["output"] == "A fine answer about loops."  # cleaned: link text kept
    assert kept[0]["site"] == "a"  # other keys untouched
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["reason"], r["record"]["instruction"]) for r in rejected] == [
        ("first_person", "Q2"),
        ("empty", "Q3"),
        ("duplicate", "Q1"),  # a duplicate of the cleaned first answer
        ("refers_to_other_answers", "Q5"),
    ]
    assert rejected[2]["record"] == RECORDS[3]  # the original record, as read
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert counts["input"] == 6 == counts["kept"] + sum(counts["by_reason"].values())
    assert counts["records_cleaned"] == 1
    by_source = manifest["filters"]["by_source"]
    assert by_source["a"]["kept"] == 1 and by_source["b"]["by_reason"]["empty"] == 1
    assert manifest["config"]["filters"]["first_person"] is True and manifest["config"]["allocation"]["tau"] == 3.0
    assert "first_person" in res.output and "kept 2 of 6 samples" in res.output


def test_filter_is_deterministic(tmp_path):
    src = _write(tmp_path / "data.json", RECORDS)
    outs = []
    for name in ("o1", "o2"):
        res = runner.invoke(app, ["filter", str(src), "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        outs.append([(tmp_path / name / f).read_bytes() for f in ("kept.json", "rejected.jsonl")])
    assert outs[0] == outs[1]


def test_nested_records_report_the_instance(tmp_path):
    src = tmp_path / "tasks.jsonl"
    rows = [
        {"id": "t1", "name": "n", "instruction": "Say hi.", "instances": [{"input": "", "output": "hi"}] * 2},
        {"id": "t2", "name": "m", "instruction": "Say yo.", "instances": [{"input": "", "output": ""}]},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    res = runner.invoke(app, ["filter", str(src), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["reason"], r["record"]["id"], r["instance"]) for r in rejected] == [
        ("duplicate", "t1", 1),
        ("empty", "t2", 0),
    ]


def test_refuses_to_overwrite_an_input_and_names_bad_config_keys(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    src = _write(out / "rejected.jsonl", RECORDS)
    src.rename(out / "kept.json")
    res = runner.invoke(app, ["filter", str(out / "kept.json"), "--out", str(out)])
    assert res.exit_code == 2 and "would replace the input" in res.output
    assert json.loads((out / "kept.json").read_text()) == RECORDS
    cfg = tmp_path / "c.yaml"
    cfg.write_text("filters: {min_char: 3}\n")
    res = runner.invoke(app, ["filter", str(out / "kept.json"), "--out", str(tmp_path / "o"), "--config", str(cfg)])
    assert res.exit_code == 2 and "filters.min_char" in res.output


def test_lima_config_on_real_code_alpaca(shared_data, tmp_path):
    res = runner.invoke(
        app,
        [
            "filter",
            str(shared_data / "new_codealpaca.json"),
            "--config",
            str(REPO / "configs" / "lima.yaml"),
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["input"] == 4535 == counts["kept"] + sum(counts["by_reason"].values())
    assert len(json.loads((tmp_path / "kept.json").read_text())) == counts["kept"]
    assert sum(1 for _ in (tmp_path / "rejected.jsonl").open()) == counts["rejected"]
