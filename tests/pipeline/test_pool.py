"""The pool keeps samples, vectors, labels and token counts aligned through every stage that drops samples, and
knows where each sample stands in the corpus (:mod:`selector.pipeline.pool`)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from selector.config import load_run_config
from selector.embedding.models import load_local_tokenizer
from selector.io import ReadOptions, read_corpus
from selector.pipeline import select
from selector.pipeline.context import RunContext
from selector.pipeline.pool import Pool
from selector.pipeline.request import Count, SelectRequest
from selector.pipeline.stages import ClusterStage, PickStage, run_stages
from selector.pipeline.stages.base import SECONDS_LOG
from selector.pipeline.tokens import count_tokens
from tests.conftest import DEMO


def _pool(n: int = 6) -> Pool:
    samples = read_corpus([DEMO]).samples[:n]
    X = np.eye(n, 4, dtype=np.float32)
    return Pool.of(samples).with_(X=X, labels=np.arange(n) % 2, token_counts=np.arange(n) * 10)


def test_narrow_cuts_every_array_alike_and_remembers_corpus_positions():
    pool = _pool().narrow([4, 1, 3])
    assert [s.id for s in pool.samples] == [s.id for s in np.asarray(_pool().samples, dtype=object)[[4, 1, 3]]]
    assert pool.at.tolist() == [4, 1, 3] and pool.labels.tolist() == [0, 1, 1]
    assert pool.token_counts.tolist() == [40, 10, 30] and pool.X[0, 3] == 0 and pool.X[2, 3] == 1
    assert pool.narrow([2]).at.tolist() == [3]  # positions stay those of the corpus, narrowing twice


def test_facts_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="labels has 2 rows for 6 samples"):
        _pool().with_(labels=np.zeros(2))


def test_stages_out_of_order_fail_naming_the_stage_and_the_slot():
    request = SelectRequest(
        inputs=(), config=load_run_config(None), budget=Count(2), read=ReadOptions(), progress=False
    )
    ctx = RunContext(request, request.config, pool=_pool())
    with pytest.raises(RuntimeError, match="stage 'pick' needs plan"):
        run_stages([ClusterStage(), PickStage()], ctx)


def _with_duplicates(tmp_path, demo_vectors):
    X = np.load(demo_vectors)
    X[1:8] = X[0]  # seven exact semantic duplicates of the first sample
    path = tmp_path / "dup.npy"
    np.save(path, X)
    return path


def test_semantic_dedup_keeps_token_counts_aligned_with_the_pool(tmp_path, demo_vectors):
    cfg = load_run_config(None, {"dedup": {"semantic_duplicate": True, "semantic_eps": 0.01}})
    res = select(
        [DEMO], tokens="12k", source_field="source", embeddings=_with_duplicates(tmp_path, demo_vectors),
        config=cfg, progress=False,
    )  # fmt: skip
    assert res.manifest["counts"]["after_semantic_dedup"] < res.manifest["counts"]["after_filters"]
    spent = int(count_tokens(res.samples, load_local_tokenizer()).sum())
    assert res.manifest["tokens"]["selected"] == spent <= 12_000


def test_indices_point_at_the_corpus_under_filters_and_semantic_dedup(tmp_path, demo_vectors):
    cfg = load_run_config(None, {"dedup": {"semantic_duplicate": True, "semantic_eps": 0.01}})
    res = select(
        [DEMO], budget=20, source_field="source", embeddings=_with_duplicates(tmp_path, demo_vectors), config=cfg,
        out=tmp_path / "o", progress=False,
    )  # fmt: skip
    assert [res.corpus.samples[i].id for i in res.indices] == [s.id for s in res.samples]
    rejected = (tmp_path / "o" / "rejected.jsonl").read_text(encoding="utf-8")
    assert rejected.count('"semantic_duplicate"') == res.manifest["semantic_dedup"]["dropped"] > 0


def test_the_stage_seconds_are_logged_last_with_every_stage_that_ran(caplog):
    """The manifest is written inside ``write``, so it cannot hold that stage's seconds: the closing log line does
    (what ``benchmarks/bench_scale.py`` reads)."""
    request = SelectRequest(
        inputs=(), config=load_run_config(None), budget=Count(2), read=ReadOptions(), progress=False
    )
    ctx = RunContext(request, request.config, pool=_pool())
    with caplog.at_level(logging.INFO, logger="selector.pipeline.stages.base"):
        run_stages([ClusterStage()], ctx)
    line = [r.getMessage() for r in caplog.records if r.getMessage().startswith(SECONDS_LOG)][-1]
    seconds = json.loads(line[len(SECONDS_LOG) :])
    assert list(seconds) == ["cluster", "total"] and seconds["total"] == ctx.timer.as_dict()["total"]
