"""selector.evaluation: strategies' invariants, facility location against a naive reference, the split's leak
guarantee, each proxy on a hand-made example, and a small end-to-end evaluate with the tiny random BERT."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from selector.evaluation import STRATEGIES, evaluate, normalise, percentile, split_by_task
from selector.measures.proxies import coverage, normalise_answer, task_mix, transfer, vendi
from selector.selection._facility import facility_location
from selector.selection.typical import TYPICAL_CAP, TYPICAL_SHARE


def _clustered(n: int = 240, d: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, d))
    X = centres[rng.integers(0, 6, n)] + 0.3 * rng.normal(size=(n, d))
    X[:5] *= 4.0  # a few far-out rows
    X = X + rng.normal(size=(n, d)) * np.r_[np.full(5, 3.0), np.zeros(n - 5)][:, None]
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def _extra(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {"lengths": rng.integers(1, 50, n), "scores": rng.random(n)}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_strategy_invariants(name):
    X = _clustered()
    fn = STRATEGIES[name]
    for seeds in (None, [7, 3]):
        picks = fn(X, 20, seeds=seeds, seed=0, **_extra(len(X))).indices
        assert picks.dtype == np.int64
        assert len(picks) == 20
        assert len(set(picks.tolist())) == 20
        assert picks.min() >= 0 and picks.max() < len(X)
        if seeds:
            assert picks[:2].tolist() == seeds
        again = fn(X, 20, seeds=seeds, seed=0, **_extra(len(X))).indices
        assert again.tolist() == picks.tolist()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_strategy_respects_group_quotas(name):
    X = _clustered()
    groups = np.arange(len(X)) % 3
    quotas = np.array([10, 4, 2])
    picks = STRATEGIES[name](X, 16, seeds=[1], seed=0, groups=groups, quotas=quotas, **_extra(len(X))).indices
    assert len(picks) == 16 and picks[0] == 1
    assert np.bincount(groups[picks], minlength=3).tolist() == [10, 4, 2]


def _naive_facility(X: np.ndarray, budget: int, k: int) -> list[int]:
    """Dense reference: the k-NN similarity matrix spelled out, plain greedy, exact sums (math.fsum)."""
    n = len(X)
    S = (X @ X.T).astype(np.float64)
    W = np.zeros((n, n))
    for i in range(n):
        nbrs = np.argsort(-S[i], kind="stable")[:k]
        W[i, nbrs] = np.maximum(S[i, nbrs], 0.0)
    cur = np.zeros(n)
    picks: list[int] = []
    for _ in range(budget):
        gains = [-1.0 if j in picks else math.fsum(np.maximum(W[:, j] - cur, 0.0)) for j in range(n)]
        j = int(np.argmax(gains))  # first maximum: the lowest index
        picks.append(j)
        cur = np.maximum(cur, W[:, j])
    return picks


@pytest.mark.parametrize("k", [5, 60])
def test_facility_location_equals_naive_dense_greedy(k):
    X = _clustered(n=60, d=8, seed=3)
    assert facility_location(X, 15, k=k).tolist() == _naive_facility(X, 15, k)


def test_split_holds_out_every_task_and_drops_leaked_prompts():
    tasks = ["a"] * 10 + ["b"] * 10 + ["c"]
    prompts = [f"question {i}" for i in range(21)]
    prompts[3] = prompts[4] = "Same  prompt!"  # exact duplicates
    prompts[12], prompts[13] = "Near prompt", "near   PROMPT."  # equal after normalisation
    first = split_by_task(tasks, prompts, test_fraction=0.3, seed=5)
    again = split_by_task(tasks, prompts, test_fraction=0.3, seed=5)
    assert first.pool.tolist() == again.pool.tolist() and first.test.tolist() == again.test.tolist()
    assert not set(first.pool.tolist()) & set(first.test.tolist())
    pool_norm = {normalise(prompts[i]) for i in first.pool}
    assert all(normalise(prompts[i]) not in pool_norm for i in first.test)
    s = first.stats
    assert s["held_out"] == 6  # 3 of a, 3 of b, none of the single-record task c
    assert s["test"] + s["dropped_exact"] + s["dropped_normalised"] == s["held_out"]
    assert 20 in first.pool  # task c keeps its only record
    assert normalise("Near prompt") == normalise("near   PROMPT.") == "near prompt"


def _rows(*vectors) -> sparse.csr_matrix:
    A = np.asarray(vectors, dtype=np.float32)
    return sparse.csr_matrix(A / np.linalg.norm(A, axis=1, keepdims=True))


def test_transfer_takes_the_nearest_selected_answer_and_averages_over_tasks():
    selected = _rows([1, 0, 0], [0, 1, 0])
    sel_answers = np.array([10, 20])
    test = _rows([1, 0.1, 0], [0.1, 1, 0], [0, 0.2, 1], [1, 0, 0.1])
    test_answers = np.array([10, 20, 99, 20])  # hit, hit, miss, miss
    test_tasks = np.array([0, 0, 1, 1])
    assert transfer(test, test_answers, test_tasks, selected, sel_answers) == pytest.approx((1.0 + 0.0) / 2)
    assert normalise_answer(" Positive.<|endoftext|>") == normalise_answer("positive") == "positive"


def test_coverage_task_mix_vendi_and_percentile_on_hand_made_cases():
    pool = _rows([1, 0], [0, 1], [1, 1])
    mean, p95 = coverage(pool, _rows([1, 0]))
    d = [0.0, 1.0, 1 - 1 / math.sqrt(2)]
    assert mean == pytest.approx(np.mean(d), abs=1e-6) and p95 == pytest.approx(np.percentile(d, 95), abs=1e-6)
    hit, kl = task_mix(np.array([0, 0, 1, 1]), np.array([0]))
    assert hit == 1 and kl == pytest.approx(math.log(2))
    assert task_mix(np.array([0, 1]), np.array([0, 1]))[1] == pytest.approx(0.0)
    assert vendi(_rows([1, 0], [1, 0], [1, 0])) == pytest.approx(1.0)
    assert vendi(_rows([1, 0, 0], [0, 1, 0], [0, 0, 1])) == pytest.approx(3.0)
    assert percentile(5, [1, 5, 9, 9], True) == pytest.approx(100 * 1.5 / 4)
    assert percentile(5, [1, 5, 9, 9], False) == pytest.approx(100 * 2.5 / 4)  # lower is better: 9, 9 are worse


WORDS = ["alpha", "beta", "gamma", "delta", "omega", "river", "stone", "cloud", "paper", "green"]


def _write_tasks(folder: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for t, (verb, answers) in enumerate([("classify", ["yes", "no"]), ("rate", ["1", "2", "3"]),
                                         ("name", ["cat", "dog"]), ("count", ["4", "5"])]):  # fmt: skip
        path = folder / f"task{t}.jsonl"
        rows = []
        for i in range(20):
            words = " ".join(rng.choice(WORDS, 6))
            rows.append({"prompt": f"{verb} this {words} {i}", "completion": str(rng.choice(answers))})
        rows.append({"prompt": f"{verb} this alpha alpha 0", "completion": "dup"})  # may leak, or be filtered
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        paths.append(path)
    return paths


def test_evaluate_end_to_end_never_selects_a_test_record(tmp_path, tiny, caplog):
    paths = _write_tasks(tmp_path)
    kwargs = {
        "task_field": "@file",
        "budgets": [0.1, 12],
        "strategies": ["default", "default+tasks", "kcenter+tasks", "medoids+tasks", "facility_location", "random"],
        "seeds": 3,
        "draws": 5,
        "model": str(tiny),
        "cache_dir": tmp_path / "cache",
    }
    with caplog.at_level("WARNING"):
        res = evaluate(paths, out=tmp_path / "a", **kwargs)
    assert "sidecar" not in caplog.text  # select checks the pool's vectors against the sidecar evaluate writes
    assert res.sizes == {0.1: 7, 12.0: 12}
    pool, test = set(res.pool_ids), set(res.test_ids)
    assert test and not pool & test
    for picks in res.selections.values():
        assert {res.pool_ids[i] for i in picks} <= pool
    for b in res.sizes:  # the registry's medoids under the task plan is what `selector select --task-field` picks
        assert res.selections[("medoids+tasks", b)].tolist() == res.selections[("default+tasks", b)].tolist()
    data = json.loads((tmp_path / "a" / "evaluation.json").read_text())
    keys = {"strategy", "mode", "base", "budget", "size", "proxy", "value", "values", "baseline", "random_median",
            "random_p10", "random_p90", "z", "z_lo", "z_hi", "percentile", "verdict", "draws", "baselines"}  # fmt: skip
    assert data["results"] and all(set(r) == keys for r in data["results"])
    assert all(len(r["values"]) == 3 for r in data["results"])  # one value per selection seed
    assert {r["baseline"] for r in data["results"] if r["strategy"].endswith("+tasks")} == {"matched"}
    assert {r["baseline"] for r in data["results"] if not r["strategy"].endswith("+tasks")} == {"uniform"}
    assert len(data["results"]) == 6 * 2 * 8  # strategies x budgets x proxies (probe and novelsum included)
    by = {(r["strategy"], r["budget"], r["proxy"]): r["values"] for r in data["results"]}
    for (name, b, proxy), values in by.items():  # at every seed, not only the first: each seed plans its own run
        if name == "medoids+tasks":
            assert values == by[("default+tasks", b, proxy)], (b, proxy)
    assert (tmp_path / "a" / "evaluation.png").stat().st_size > 0
    assert "| strategy |" in (tmp_path / "a" / "evaluation.md").read_text()
    evaluate(paths, out=tmp_path / "b", **kwargs)
    for name in ("evaluation.json", "evaluation.md", "evaluation.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_cli_evaluate_needs_a_task_field(tmp_path):
    from typer.testing import CliRunner

    from selector.cli import app

    result = CliRunner().invoke(app, ["evaluate", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--task-field" in result.output


def test_split_of_real_p3_files_leaks_nothing(shared_data):
    import selector

    corpus = selector.read_corpus(sorted((shared_data / "p3_t0_train_50k").glob("*.jsonl")), task_field="@file")
    samples = corpus.samples
    split = split_by_task([s.task for s in samples], [s.prompt for s in samples], test_fraction=0.2, seed=0)
    pool_norm = {normalise(samples[i].prompt) for i in split.pool}
    assert split.stats["test"] > 0 and all(normalise(samples[i].prompt) not in pool_norm for i in split.test)


def test_select_runs_the_evaluated_strategies(tmp_path, demo_vectors):
    from conftest import DEMO

    from selector.pipeline import select

    for name in ("facility_location", "kcenter_medoid", "medoids", "typical_kcenter"):
        cfg = tmp_path / f"{name}.yaml"
        cfg.write_text(f"coreset:\n  strategy: {name}\n")
        res = select([DEMO], budget=15, source_field="source", embeddings=demo_vectors, config=cfg, progress=False)
        quotas = res.manifest["allocation"]["quotas"]
        assert len(res.samples) == 15 and len({s.id for s in res.samples}) == 15
        assert all(Counter(s.source for s in res.samples)[k] <= v for k, v in quotas.items())
        radii = res.manifest["coverage"]["selection"]
        assert radii["size"] == 15 and radii["radius"] is not None
        # the manifest names the strategy and its first picks: the pool centre, plus the typical seeds
        seeds = 1 + (min(TYPICAL_CAP, round(TYPICAL_SHARE * 14)) if name == "typical_kcenter" else 0)
        assert res.manifest["strategy"] == {"name": name, "configured": name, "seeds": seeds}
        again = select([DEMO], budget=15, source_field="source", embeddings=demo_vectors, config=cfg, progress=False)
        assert [s.id for s in again.samples] == [s.id for s in res.samples]


def test_evaluate_embeds_with_the_configured_backend(tmp_path, tiny):
    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime (pip install 'selector[onnx]')")
    from selector.config import load_run_config

    cfg = load_run_config(None, {"encoder": {"backend": "onnx", "model": str(tiny), "cache_dir": str(tmp_path / "c")}})
    evaluate(
        _write_tasks(tmp_path), out=tmp_path / "a", task_field="@file", budgets=[8], strategies=["random"], seeds=2,
        draws=3, config=cfg,
    )  # fmt: skip
    assert [p.name.split("-")[0] for p in (tmp_path / "c" / "models").iterdir()] == ["onnx"]  # exported, then used


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--budgets", "nan", "--budgets: nan is neither"),
        ("--budgets", "", "--budgets is empty"),
        ("--budgets", "0", "--budgets: 0.0 is neither"),
        ("--budgets", "-1", "--budgets: -1.0 is neither"),
        ("--budgets", "2.5", "--budgets: 2.5 is neither"),
        ("--strategies", "", "--strategies is empty"),
        ("--coverage-sample", "0", "--coverage-sample must be at least 1"),
    ],
)
def test_cli_evaluate_options_fail_before_reading(tmp_path, option, value, message):
    from typer.testing import CliRunner

    from selector.cli import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")  # reading it would fail: the option must be refused first
    args = ["evaluate", str(bad), "--task-field", "task", "--out", str(tmp_path / "o"), option, value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_leave_datasets_out_tests_only_unseen_datasets():
    from selector.evaluation.split import dataset_of, leave_datasets_out

    datasets = ["ag_news", "ag", "wiki_qa", "xsum"]
    assert dataset_of("ag_news_classify", datasets) == "ag_news"  # the longest prefix wins
    assert dataset_of("ag_other", datasets) == "ag"
    assert dataset_of("unknown_task", datasets) == "unknown_task"
    tasks = [t for t in ("ag_news_a", "ag_news_b", "wiki_qa_a", "xsum_a", "xsum_b") for _ in range(10)]
    prompts = [f"prompt {i}" for i in range(len(tasks))]
    base = split_by_task(tasks, prompts, test_fraction=0.2, seed=3)
    held = leave_datasets_out(base, tasks, 1, datasets=datasets, seed=3)
    (name,) = held.stats["held_out_datasets"]
    assert {dataset_of(tasks[i], datasets) for i in held.test} == {name}
    assert name not in {dataset_of(tasks[i], datasets) for i in held.pool}
    assert set(held.pool) <= set(base.pool) and set(held.test) <= set(base.test)
    assert (
        held.stats["held_out_datasets"]
        == leave_datasets_out(base, tasks, 1, datasets=datasets, seed=3).stats["held_out_datasets"]
    )
    with pytest.raises(Exception, match="between 1 and 2"):
        leave_datasets_out(base, tasks, 3, datasets=datasets)
