"""select() checks its options before any work, follows the configured grouping, and finds shipped configs."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import as_flags
from selector.config import load_run_config
from selector.errors import ConfigError
from selector.filters import FilterConfig, apply_filters
from selector.io import read_corpus
from selector.pipeline import select
from selector.selection.allocation import NO_TASK

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "data" / "demo.jsonl"
runner = CliRunner()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "missing.jsonl"}, "--target missing.jsonl: file not found"),
        ({"task": "t1"}, "needs --task-field"),
        ({"task": "t1", "task_field": "source", "target": DEMO}, "not both"),
        ({"config": {"clustering": {"k": 0}}}, "'clustering.k' must be a positive integer"),
        ({"embeddings": "nowhere.npy"}, "--embeddings nowhere.npy: file not found"),
    ],
)
def test_option_errors_come_before_reading(tmp_path, kwargs, message):
    if isinstance(kwargs.get("config"), dict):
        path = tmp_path / "c.yaml"
        path.write_text(json.dumps(kwargs["config"]))
        kwargs = {**kwargs, "config": path}
    # An input that would fail to read: an option error must win, since it is checked first.
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    with pytest.raises(ConfigError) as info:
        select([broken], budget=3, progress=False, **kwargs)
    assert re.search(message, as_flags(str(info.value)))  # the library names keywords; the CLI spells them as flags
    assert not re.search(r"(?<![\w-])--[a-z]", str(info.value))


def test_unknown_task_fails_before_embedding(tmp_path):
    # No embeddings, no encoder loaded yet: the error must come from the task check right after filtering.
    with pytest.raises(ConfigError, match="'nope' is not among the 5 tasks"):
        select([DEMO], budget=3, task_field="source", task="nope", progress=False, model=str(tmp_path / "absent"))


def test_grouping_follows_the_config_and_names_samples_without_a_task(tmp_path, demo_vectors):
    # Half the demo corpus carries a task, half does not (as when natural-instructions and self-instruct mix).
    records = [json.loads(line) for line in DEMO.read_text().splitlines()]
    for i, r in enumerate(records):
        r["task"] = r["source"] if i % 2 else None
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r) + "\n" for r in records))
    res = select([mixed], budget=20, task_field="task", source_field="source", embeddings=demo_vectors, progress=False)
    m = res.manifest
    assert m["config"]["allocation"]["group_by"] == "auto" and m["allocation"]["group_by"] == "task"
    assert NO_TASK in m["allocation"]["quotas"] and "None" not in m["allocation"]["quotas"]
    cfg = tmp_path / "by_source.yaml"
    cfg.write_text("allocation:\n  group_by: source\n")
    res = select(
        [mixed],
        budget=20,
        task_field="task",
        source_field="source",
        embeddings=demo_vectors,
        config=cfg,
        progress=False,
    )
    assert res.manifest["allocation"]["group_by"] == "source"
    assert dict(Counter(s.source for s in res.samples)) == res.manifest["allocation"]["quotas"]


def test_shipped_configs_by_name():
    lima = load_run_config("lima")
    assert lima.filters.min_chars == 1200 and load_run_config("configs/lima.yaml") == lima
    with pytest.raises(ConfigError, match="not a shipped config"):
        load_run_config("limaa")
    res = runner.invoke(app, ["configs"])
    assert res.exit_code == 0 and "lima" in res.output and "task" in res.output
    res = runner.invoke(app, ["configs", "lima"])
    assert res.exit_code == 0 and "min_chars: 1200" in res.output


def test_a_tokenizer_that_is_not_on_this_machine_fails_at_once():
    samples = read_corpus([DEMO]).samples[:3]
    start = time.monotonic()
    with pytest.raises(ConfigError, match="never downloads"):
        apply_filters(samples, FilterConfig(max_tokens=100, tokenizer="bert-base-uncased"))
    assert time.monotonic() - start < 30  # offline retries took 51 s; a generous bound, not a benchmark


def test_outputs_list_files_under_selected_when_formats_differ(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text("".join(json.dumps({"instruction": f"Do {i}", "output": f"Done {i} well."}) + "\n" for i in range(8)))
    b = tmp_path / "b.jsonl"
    b.write_text("".join(json.dumps({"prompt": f"Q {i}?", "completion": f"A {i}."}) + "\n" for i in range(8)))
    n = 16
    vec = tmp_path / "v.npy"
    np.save(vec, np.random.default_rng(1).standard_normal((n, 8)).astype(np.float32))
    out = tmp_path / "o"
    res = runner.invoke(app, ["select", str(a), str(b), "--budget", "4", "--embeddings", str(vec), "--out", str(out)])
    assert res.exit_code == 0, res.output
    listed = json.loads((out / "manifest.json").read_text())["outputs"]
    selected = [name for name in listed if name.startswith("selected/")]
    assert selected and all((out / name).is_file() for name in listed)
    assert "selected/" in res.output


def test_a_target_without_samples_or_an_out_name_too_long_fail_before_reading(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")  # reading it would fail: the option must be refused first
    empty = tmp_path / "target.json"
    empty.write_text("[]")
    res = runner.invoke(app, ["select", str(bad), "-n", "2", "--target", str(empty), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "target.json: holds no records" in res.output, res.output
    res = runner.invoke(app, ["select", str(bad), "-n", "2", "--out", str(tmp_path / ("x" * 300))])
    assert res.exit_code == 2 and "Choose a shorter --out" in res.output, res.output
    res = runner.invoke(app, ["select", str(bad), "-n", "2", "--out", str(tmp_path / ("x" * 230))])
    assert res.exit_code == 2 and "Choose a shorter --out" in res.output, res.output  # no room for temporary names
