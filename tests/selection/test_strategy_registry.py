"""The strategy registry: the config's choices are the registry's, every strategy returns a CoresetResult under
one calling convention (candidates included), ``auto`` resolves in one place, and reading the names stays cheap."""

from __future__ import annotations

import subprocess
import sys
import typing

import numpy as np
import pytest

from selector.config import CoresetConfig, load_run_config
from selector.errors import ConfigError
from selector.selection.config import StrategyName
from selector.selection.coreset import CoresetResult
from selector.selection.strategies import (
    PIPELINE_STRATEGIES,
    REGISTRY,
    SELECT_STRATEGIES,
    STRATEGIES,
    TYPICAL_MAX_CANDIDATES,
    resolve_strategy,
    strategy,
)


def _unit(n: int = 120, d: int = 8, seed: int = 0) -> np.ndarray:
    X = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_config_choices_are_the_registry():
    assert typing.get_args(StrategyName) == SELECT_STRATEGIES
    assert set(SELECT_STRATEGIES) == {"auto"} | {n for n, s in REGISTRY.items() if s.select}
    assert set(PIPELINE_STRATEGIES) == set(SELECT_STRATEGIES) - {"auto", "kcenter", "random"}
    assert {"longest", "deita"} <= set(STRATEGIES) - set(SELECT_STRATEGIES)
    assert CoresetConfig().strategy == "auto"
    with pytest.raises(ConfigError, match=r"must be one of 'auto', .*'typical_kcenter', got 'nope'"):
        load_run_config(None, {"coreset": {"strategy": "nope"}})


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already taken"):
        strategy("kcenter")(lambda X, budget, **_: None)
    with pytest.raises(ValueError, match="already taken"):
        strategy("auto")(lambda X, budget, **_: None)
    assert "kcenter" in REGISTRY and "auto" not in REGISTRY


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_returns_a_coreset_result_over_the_candidates(name):
    X = _unit()
    eligible = np.zeros(len(X), dtype=bool)
    eligible[::2] = True
    extra = {"lengths": np.arange(len(X)), "scores": np.linspace(0, 1, len(X))}
    res = STRATEGIES[name](X, 10, seeds=[4, 6], eligible=eligible, seed=0, **extra)
    assert isinstance(res, CoresetResult)
    picks = res.indices.tolist()
    assert len(picks) == 10 and len(set(picks)) == 10 and eligible[picks].all()
    assert picks[:2] == [4, 6] and res.n_seeds >= 2
    assert res.radii.shape == (10,) and np.all(np.diff(res.radii) <= 1e-6)
    assert np.isfinite(res.min_dist[eligible]).all()


def test_auto_resolution_lives_in_one_function():
    pool = {"plan_mode": "pool", "mode": "global", "tokens": False}
    assert resolve_strategy("auto", **pool, candidates=10) == "stratified"
    assert resolve_strategy("auto", **pool, candidates=TYPICAL_MAX_CANDIDATES + 1) == "stratified"
    assert resolve_strategy("auto", **{**pool, "mode": "sharded"}, candidates=10) == "kcenter"
    assert resolve_strategy("auto", **{**pool, "tokens": True}, candidates=10) == "kcenter"
    assert resolve_strategy("auto", **{**pool, "plan_mode": "tasks"}, candidates=10) == "medoids"
    assert resolve_strategy("auto", **{**pool, "plan_mode": "tasks"}, candidates=10**6) == "kcenter"
    assert resolve_strategy("medoids", **{**pool, "mode": "sharded"}, candidates=10**8) == "medoids"


def test_reading_the_strategy_names_imports_neither_torch_nor_faiss():
    code = (
        "import sys, selector.config, selector.selection.strategies; "
        "print(sorted(m for m in ('torch', 'faiss') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
