"""The cells of an evaluation: one strategy over its selection seeds against the two random baselines.

A strategy name is a base (``default``, or a registry strategy of :data:`~selector.selection.strategies.STRATEGIES`)
and a mode suffix (:data:`MODES`): none (the pool as one merged source, no labels), ``+sources`` (the samples keep
their sources: one file per template, the pipeline's source quotas) or ``+tasks`` (the task field plans the run:
task centres as seeds, temperature quotas per task). Baselines, measured once per size and reused by every row:

- ``uniform``: ``draws`` uniformly random selections of the same size from the whole pool;
- ``matched`` (``+sources``/``+tasks`` rows, where quotas fix the per-group counts): ``draws`` random selections
  with exactly the selection's own picks per group (the counts of its first seed), so a win is the strategy's and
  not the quota's.

The row's ``z``/interval/``percentile``/``verdict`` (:mod:`selector.measures.effect`) are against the matched
baseline where there is one, else the uniform one; both are kept under ``baselines``. Draw ``r`` is seeded
``seed + 1 + r`` (:func:`selector.measures.evidence.random_draws`): integers only, so the draws and every figure
are the same under any ``PYTHONHASHSEED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.measures.effect import effect, summary
from selector.measures.evidence import random_draws
from selector.measures.proxies import HIGHER_IS_BETTER, ProxyData

MODES = {"": "merged", "+sources": "sources", "+tasks": "tasks"}
"""Strategy-name suffix -> mode."""


def split_name(name: str) -> tuple[str, str]:
    """``"kcenter+tasks"`` -> ``("kcenter", "+tasks")``; a name with no suffix -> ``(name, "")``."""
    for suffix in ("+tasks", "+sources"):
        if name.endswith(suffix):
            return name.removesuffix(suffix), suffix
    return name, ""


@dataclass
class Baselines:
    """The random draws of one evaluation, measured once per (size, per-group counts) and cached."""

    data: ProxyData
    draws: int
    seed: int
    finetune_draws: int = 0
    """How many of the first draws the fine-tuned proxy is measured on (it costs seconds a draw)."""
    cache: dict[Any, list[dict[str, float]]] = field(default_factory=dict)

    def _measure(self, draws: Sequence[np.ndarray]) -> list[dict[str, float]]:
        return [self.data.measure(p, finetune=r < self.finetune_draws) for r, p in enumerate(draws)]

    def uniform(self, size: int) -> list[dict[str, float]]:
        """Every proxy of ``draws`` uniformly random selections of ``size`` pool rows."""
        key = ("uniform", size)
        if key not in self.cache:
            n = len(self.data.pool_tasks)
            picks = random_draws(np.ones(n, dtype=bool), None, None, size, self.seed, self.draws)
            self.cache[key] = self._measure(picks)
        return self.cache[key]

    def matched(self, groups: np.ndarray, picks: np.ndarray) -> list[dict[str, float]]:
        """Every proxy of ``draws`` random selections with the per-group counts of ``picks`` (``groups``: ``(n,)``
        int ids, from 0)."""
        counts = np.bincount(groups[np.asarray(picks, dtype=np.int64)], minlength=int(groups.max()) + 1)
        key = ("matched", groups.tobytes(), counts.tobytes())
        if key not in self.cache:
            every = np.ones(len(groups), dtype=bool)
            draws = random_draws(every, groups, counts.tolist(), int(counts.sum()), self.seed, self.draws)
            self.cache[key] = self._measure(draws)
        return self.cache[key]


def cell_rows(
    name: str,
    budget: float,
    size: int,
    per_seed: Sequence[dict[str, float]],
    uniform: Sequence[dict[str, float]],
    matched: Sequence[dict[str, float]] | None,
    seed: int,
) -> list[dict[str, Any]]:
    """One row per proxy the seeds were measured on: the mean over seeds, the per-seed values, both baselines and
    the effect against the matched one where given, else the uniform one (see the module docstring). A proxy
    measured on fewer draws (``finetune``) is compared with the draws that have it."""
    base, suffix = split_name(name)
    rows = []
    for proxy in [p for p in HIGHER_IS_BETTER if p in per_seed[0]]:
        higher = HIGHER_IS_BETTER[proxy]
        values = [float(v[proxy]) for v in per_seed]
        sides: dict[str, Any] = {}
        for label, draws in (("uniform", uniform), ("matched", matched)):
            if draws is None:
                continue
            randoms = [float(d[proxy]) for d in draws if proxy in d]
            sides[label] = {**summary(randoms), **effect(values, randoms, higher, seed=seed)}
        main = sides.get("matched", sides["uniform"])
        rows.append(
            {
                "strategy": name,
                "mode": MODES[suffix],
                "base": base,
                "budget": budget,
                "size": size,
                "proxy": proxy,
                "value": round(float(np.mean(values)), 6),
                "values": [round(v, 6) for v in values],
                "baseline": "matched" if "matched" in sides else "uniform",
                **{k: main[k] for k in ("random_median", "random_p10", "random_p90", "z", "z_lo", "z_hi")},
                "percentile": main["percentile"],
                "verdict": main["verdict"],
                "draws": len(randoms),
                "baselines": sides,
            }
        )
    return rows
