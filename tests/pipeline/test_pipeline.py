"""The whole pipeline: `selector.select` and `selector select`, on the demo corpus and on real data.

Fast tests bring their own vectors (``embeddings=``) or the tiny random BERT; the tests that need the real
default encoder run on small slices of ../shared/data and share one embedding cache.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import as_flags
from selector.errors import SelectorError
from selector.pipeline import resolve_budget, select

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "data" / "demo.jsonl"


def test_budget_and_fraction_resolution():
    assert resolve_budget(10, None, 500) == 10
    assert resolve_budget(None, 0.005, 30_000) == 150
    assert resolve_budget(None, 0.001, 100) == 1  # never zero
    with pytest.raises(SelectorError, match="not both"):
        resolve_budget(10, 0.1, 100)
    with pytest.raises(SelectorError, match="budget=N") as info:  # the library names its keyword
        resolve_budget(None, None, 100)
    assert "--budget N" in as_flags(str(info.value))  # and the CLI spells it as the flag
    with pytest.raises(SelectorError, match=r"\(0, 1\]"):
        resolve_budget(None, 1.5, 100)


def test_budget_is_honoured_and_sources_follow_temperature_quotas(tmp_path, demo_vectors):
    res = select([DEMO], budget=37, source_field="source", embeddings=demo_vectors, out=tmp_path / "o", progress=False)
    m = res.manifest
    assert len(res.samples) == 37 == m["counts"]["selected"]
    assert len({s.id for s in res.samples}) == 37
    # Every source has more candidates than its quota here, so each gets exactly its quota.
    assert m["sources"]["selected"] == m["sources"]["quota"]
    assert sum(m["sources"]["quota"].values()) == 37
    # tau = 3 flattens the split: the biggest source gets less than its proportional share.
    pool = m["sources"]["pool"]
    biggest = max(pool, key=pool.get)
    assert m["sources"]["quota"][biggest] < 37 * pool[biggest] / sum(pool.values())
    rows = [json.loads(line) for line in (tmp_path / "o" / "selection.jsonl").read_text().splitlines()]
    assert [r["rank"] for r in rows] == list(range(37))
    assert [r["id"] for r in rows] == [s.id for s in res.samples]
    assert rows[0]["seed"] is True and rows[0]["distance"] is None
    assert all(r["distance"] > 0 for r in rows[1:])


def test_default_run_writes_input_records_byte_for_byte(tmp_path, demo_vectors):
    res = select([DEMO], budget=25, source_field="source", embeddings=demo_vectors, out=tmp_path / "o", progress=False)
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    written = (tmp_path / "o" / "selected.jsonl").read_text(encoding="utf-8").splitlines()
    assert written == [lines[s.row] for s in res.samples]
    outputs = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert outputs == sorted([*res.manifest["outputs"], "manifest.json"])
    rejected = [json.loads(line) for line in (tmp_path / "o" / "rejected.jsonl").read_text().splitlines()]
    assert len(rejected) == res.manifest["counts"]["read"] - res.manifest["counts"]["after_filters"]
    assert {r["reason"] for r in rejected} <= {"empty", "duplicate"}


def test_same_inputs_config_and_seed_give_identical_bytes(tmp_path, tiny):
    outs = []
    for name in ("a", "b"):
        select(
            [DEMO],
            budget=30,
            source_field="source",
            model=str(tiny),
            cache_dir=tmp_path / f"cache-{name}",
            out=tmp_path / name,
            progress=False,
        )
        outs.append(tmp_path / name)
    for fname in ("selected.jsonl", "selection.jsonl", "rejected.jsonl"):
        assert (outs[0] / fname).read_bytes() == (outs[1] / fname).read_bytes(), fname
    for png in ("coverage.png", "sources.png"):
        assert (outs[0] / png).read_bytes() == (outs[1] / png).read_bytes(), png


def test_coreset_covers_better_than_random(tmp_path, demo_vectors):
    res = select([DEMO], budget=40, embeddings=demo_vectors, progress=False)
    cov = res.manifest["coverage"]
    assert cov["selection"]["radius"] < cov["random"]["radius"]
    assert cov["selection"]["size"] == cov["random"]["size"] == 40


def test_task_field_and_task_select_only_that_task(tmp_path, demo_vectors):
    res = select([DEMO], budget=12, task_field="source", task="rewriting", embeddings=demo_vectors, progress=False)
    assert {s.task for s in res.samples} == {"rewriting"}
    assert res.manifest["centres"]["mode"] == "task"
    with pytest.raises(SelectorError, match="not among the 5 tasks"):
        select([DEMO], budget=5, task_field="source", task="nope", embeddings=demo_vectors, progress=False)


def test_several_tasks_split_the_budget_by_task(demo_vectors):
    res = select([DEMO], budget=20, task_field="source", embeddings=demo_vectors, progress=False)
    m = res.manifest
    assert m["allocation"]["group_by"] == "task"
    assert dict(Counter(s.task for s in res.samples)) == m["allocation"]["quotas"]
    assert m["centres"]["seeds"] == 5  # one task centre per task


def test_embeddings_shape_mismatch_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.ones((3, 8), dtype=np.float32))
    with pytest.raises(SelectorError, match=r"bad\.npy has 3 rows but the inputs hold 400 samples"):
        select([DEMO], budget=5, embeddings=bad, progress=False)


def test_out_folder_rules(tmp_path, demo_vectors):
    out = tmp_path / "o"
    select([DEMO], budget=5, embeddings=demo_vectors, out=out, progress=False)
    with pytest.raises(SelectorError, match="already exists"):
        select([DEMO], budget=5, embeddings=demo_vectors, out=out, progress=False)
    select([DEMO], budget=6, embeddings=demo_vectors, out=out, overwrite=True, progress=False)
    assert len((out / "selection.jsonl").read_text().splitlines()) == 6
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(SelectorError, match="not an earlier selector run"):
        select([DEMO], budget=5, embeddings=demo_vectors, out=mine, overwrite=True, progress=False)
    assert (mine / "notes.txt").read_text() == "keep me"
    # An output folder that holds an input is never replaced.
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo.jsonl").write_bytes(DEMO.read_bytes())
    with pytest.raises(SelectorError, match="would replace the input"):
        select([data / "demo.jsonl"], budget=5, out=data, overwrite=True, progress=False)


def test_cli_select_writes_outputs_and_reports(tmp_path, demo_vectors):
    runner = CliRunner()
    out = tmp_path / "o"
    args = ["select", str(DEMO), "--budget", "15", "--source-field", "source", "--out", str(out)]
    result = runner.invoke(app, [*args, "--embeddings", str(demo_vectors), "-q"])
    assert result.exit_code == 0, result.output
    assert "selected 15 of 400 samples" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["selected"] == 15 and manifest["config"]["coreset"]["strategy"] == "auto"
    assert manifest["strategy"]["name"] == "stratified"  # auto, label-free: random within the K-Means clusters
    assert len(manifest["inputs"][0]["sha256"]) == 64
    report = (out / "report.md").read_text()
    for png in ("sources.png", "lengths.png", "clusters.png", "coverage.png", "projection.png"):
        assert f"({png})" in report and (out / png).stat().st_size > 1000
    again = runner.invoke(app, [*args, "--embeddings", str(demo_vectors), "-q"])
    assert again.exit_code == 2 and "already exists" in again.output
    neither = runner.invoke(app, ["select", str(DEMO), "--out", str(tmp_path / "p"), "-q"])
    assert neither.exit_code == 2 and "--budget N" in neither.output


def test_lima_config_cleans_and_filters(tmp_path, demo_vectors):
    res = select(
        [DEMO],
        config="lima",
        budget=3,
        source_field="source",
        embeddings=demo_vectors,
        progress=False,
    )
    reasons = res.manifest["filters"]["by_reason"]
    assert reasons["too_short"] > 0 and reasons["first_person"] > 0
    assert all(1200 <= len(s.response) <= 4096 for s in res.samples)


# --- real data, real default encoder ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def encoder_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embcache")


@pytest.fixture(scope="module")
def p3(shared_data) -> Path:
    """The 10 P3 task files, 200 records each (the file stem is the task)."""
    return shared_data / "p3_t0_train_50k"


def test_target_run_on_p3_picks_mostly_from_the_target_task(tmp_path, p3, encoder_cache):
    task = "ag_news_classify_with_choices"
    # A few examples of the downstream task (records 100-104 of its file) as the target.
    lines = (p3 / f"{task}.jsonl").read_text(encoding="utf-8").splitlines()[100:105]
    target = tmp_path / "target.jsonl"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = select(
        [p3],
        budget=20,
        target=target,
        config="task",
        cache_dir=encoder_cache,
        out=tmp_path / "o",
        progress=False,
    )
    sources = Counter(s.source for s in res.samples)
    assert len(res.samples) == 20
    assert sources[task] >= 14, sources
    assert res.manifest["centres"]["mode"] == "target"


def test_real_encoder_run_is_byte_identical(tmp_path, p3, encoder_cache):
    kwargs = {"budget": 25, "task_field": "@file", "cache_dir": encoder_cache, "progress": False}
    a = select([p3], out=tmp_path / "a", **kwargs)
    b = select([p3], out=tmp_path / "b", **kwargs)
    assert a.manifest["encoder"]["sha256"] == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert b.manifest["encoder"]["n_encoded"] == 0  # the second run is served from the cache
    for fname in ("selected.jsonl", "selection.jsonl"):
        assert (tmp_path / "a" / fname).read_bytes() == (tmp_path / "b" / fname).read_bytes()
    # Ten tasks, tau = 3: each task gets its temperature quota.
    assert dict(Counter(s.task for s in b.samples)) == b.manifest["allocation"]["quotas"]


def test_config_object_and_arguments_combine(demo_vectors):
    from selector.config import load_run_config

    cfg = load_run_config(REPO / "configs" / "lima.yaml")  # budget 1000, LIMA filters
    res = select([DEMO], config=cfg, budget=2, seed=3, embeddings=demo_vectors, progress=False)
    assert len(res.samples) == 2
    assert res.manifest["config"]["budget"] == 2 and res.manifest["seed"] == 3
    assert res.manifest["config"]["filters"]["min_chars"] == 1200
    assert cfg.budget == 1000  # the caller's object is untouched


def test_manifest_is_strict_json_with_uniform_temperature(tmp_path, demo_vectors):
    cfg = tmp_path / "uniform.yaml"
    cfg.write_text("allocation:\n  tau: .inf\n")
    kwargs = {"source_field": "source", "embeddings": demo_vectors, "progress": False}
    res = select([DEMO], config=cfg, budget=10, out=tmp_path / "o", **kwargs)
    assert set(res.manifest["sources"]["quota"].values()) == {2}  # tau = inf: uniform over the 5 sources

    def refuse(name):
        raise AssertionError(f"manifest.json holds {name}, which is not JSON")

    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(), parse_constant=refuse)
    assert manifest["config"]["allocation"]["tau"] == "inf"


def test_auto_strategy_follows_the_evidence():
    """``coreset.strategy: auto`` (docs/quality.md): stratified for a label-free record budget in global mode at any
    size; medoids after the task centres with a task field, up to MEDOIDS_MAX_CANDIDATES candidates; KCenterGreedy
    with a single task, a target, a token budget, shards, or beyond the cap."""
    from selector.config import load_run_config
    from selector.pipeline.stages.pick import strategy_name
    from selector.selection.strategies.auto import MEDOIDS_MAX_CANDIDATES

    cfg = load_run_config(None)
    assert cfg.coreset.strategy == "auto"
    assert strategy_name(cfg, "pool", False, 1_000) == "stratified"
    assert strategy_name(cfg, "pool", False, 10**7) == "stratified"  # it reuses the pipeline's K-Means: no cap
    assert strategy_name(cfg, "tasks", False, 1_000) == "medoids"
    assert strategy_name(cfg, "tasks", False, MEDOIDS_MAX_CANDIDATES + 1) == "kcenter"
    for mode in ("task", "target"):
        assert strategy_name(cfg, mode, False, 1_000) == "kcenter"
    assert strategy_name(cfg, "pool", True, 1_000) == "kcenter"  # --tokens needs a prefix-consistent ranking
    sharded = load_run_config(None, {"coreset": {"mode": "sharded"}})
    assert strategy_name(sharded, "pool", False, 1_000) == "kcenter"
    fixed = load_run_config(None, {"coreset": {"strategy": "facility_location"}})
    assert strategy_name(fixed, "tasks", True, 10**7) == "facility_location"  # a named strategy is kept
