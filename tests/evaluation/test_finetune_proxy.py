"""``evaluate`` with the opt-in fine-tuned proxy on the tiny random BERT: its rows compare the seeds with the first
``finetune.draws`` random draws only, the settings record its form, the figures repeat byte for byte, and a
``proxies=`` list leaves out what it does not name."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from selector.errors import ConfigError
from selector.evaluation import evaluate
from selector.measures.finetune import REDUCED
from tests.evaluation.test_evaluate import _write_tasks


def test_finetune_rows_use_their_own_draws_and_repeat(tmp_path, tiny, one_torch_thread):
    paths = _write_tasks(tmp_path)
    kwargs = {
        "task_field": "@file", "budgets": [0.25], "strategies": ["random", "default+tasks"], "seeds": 2, "draws": 5,
        "model": str(tiny), "cache_dir": tmp_path / "cache", "proxies": ["transfer", "finetune"],
        "finetune": replace(REDUCED, steps=3, draws=3),
    }  # fmt: skip
    res = evaluate(paths, out=tmp_path / "a", **kwargs)
    rows = {(r["strategy"], r["proxy"]): r for r in res.results}
    assert {p for _, p in rows} == {"transfer", "finetune"}
    assert rows[("random", "finetune")]["draws"] == 3 and rows[("random", "transfer")]["draws"] == 5
    assert rows[("default+tasks", "finetune")]["baseline"] == "matched"
    assert all(r["z"] is not None and 0 <= r["value"] <= 1 for r in res.results)
    ft = res.settings["finetune"]
    assert (ft["steps"], ft["draws"], ft["device"], ft["tasks"]) == (3, 3, "cpu", 4)  # all four tasks classify
    evaluate(paths, out=tmp_path / "b", **kwargs)
    a, b = (json.loads((tmp_path / d / "evaluation.json").read_text()) for d in "ab")
    assert a == b


def test_an_unknown_proxy_is_refused_with_the_choices(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown proxy 'fine' \(proxies=\); choose from: transfer, coverage"):
        evaluate([tmp_path], task_field="@file", proxies=["transfer", "fine"])
