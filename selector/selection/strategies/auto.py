"""``auto``, the default ``coreset.strategy``: which registered strategy a run uses, by the evidence of
``docs/quality.md``. This is the one place the rule lives; the pipeline, the config's docstring and
``selector evaluate``'s ``default`` rows follow it."""

from __future__ import annotations

TYPICAL_MAX_CANDIDATES = 200_000
"""Above this many candidates ``auto`` runs KCenterGreedy: ``typical_kcenter``'s own K-Means and per-cluster exact
neighbour search cost more than the whole exact greedy (at 1M rows, budget 5,000: 333.8 s and 7.63 GB peak against
147.5 s and 2.45 GB; ``benchmarks/bench_scale.py``), and its evidence comes from pools of about 35,000."""


def resolve_strategy(name: str, *, plan_mode: str, mode: str, tokens: bool, candidates: int) -> str:
    """The strategy a run uses: ``name`` itself unless it is ``auto``.

    ``auto`` is ``typical_kcenter`` (typical cluster members as seeds, then KCenterGreedy) for a label-free pool
    (``plan_mode`` ``pool``: no task, target or task field) selected by a record count (``tokens`` false) in
    ``global`` ``mode``, with at most :data:`TYPICAL_MAX_CANDIDATES` ``candidates``: there it beat KCenterGreedy
    against random selections on most (budget, proxy) cells. Everywhere else it is ``kcenter``: task centres as
    seeds when tasks or a target are known, where neither won; token budgets and ``sharded`` mode need
    KCenterGreedy's prefix-consistent ranking; and above the candidate cap the typical seeds cost more than the
    greedy.
    """
    if name != "auto":
        return name
    label_free = plan_mode == "pool" and mode == "global" and not tokens
    return "typical_kcenter" if label_free and candidates <= TYPICAL_MAX_CANDIDATES else "kcenter"
