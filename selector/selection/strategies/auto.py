"""``auto``, the default ``coreset.strategy``: which registered strategy a run uses, by the evidence of
``docs/quality.md`` (``benchmarks/results/bench_quality.md``). This is the one place the rule lives; the pipeline,
the config's docstring and ``selector evaluate``'s ``default`` rows follow it."""

from __future__ import annotations

TYPICAL_MAX_CANDIDATES = 200_000
"""Above this many candidates ``typical_kcenter`` costs more than the whole exact greedy (its own K-Means and
per-cluster exact neighbour search: at 1M rows, budget 5,000, 333.8 s and 7.63 GB peak against 147.5 s and 2.45 GB;
``benchmarks/bench_scale.py``). ``auto`` no longer runs it; the cap stays for :data:`MEDOIDS_MAX_CANDIDATES`."""

MEDOIDS_MAX_CANDIDATES = TYPICAL_MAX_CANDIDATES
"""Most candidates for which ``auto`` runs ``medoids`` with task labels: one K-Means per task with ``k`` = its quota,
which the pipeline's K-Means cannot replace (its ``k`` is not the quota). Its evidence comes from a pool of 16,426;
beyond this cap ``auto`` keeps KCenterGreedy from the task centres."""


def resolve_strategy(name: str, *, plan_mode: str, mode: str, tokens: bool, candidates: int) -> str:
    """The strategy a run uses: ``name`` itself unless it is ``auto``.

    ``auto``, for a run in ``global`` ``mode`` with a record-count budget (``tokens`` false), is:

    - ``stratified`` (random within the pipeline's K-Means clusters, in proportion to size) for a label-free pool
      (``plan_mode`` ``pool``): of the strategies measured it is the only one with almost no cell below random
      (1 losing cell of 12 on one merged file, 2 of 12 with one file per template) and it beats random on
      transfer at 0.5-1%. It reuses the pipeline's K-Means labels, so it needs no size cut-off;
    - ``medoids`` after the task centres for a pool with a task field (``plan_mode`` ``tasks``) of at most
      :data:`MEDOIDS_MAX_CANDIDATES` candidates: with each selection seed planned on its own it beats random in
      4 of 12 cells (transfer at 1-5%, the probe at 5%) and loses 3 (coverage at 1-5%), where KCenterGreedy from
      the task centres won 2 and lost 4 (that row is from the run before the per-seed plans, not rerun).

    Everywhere else it is ``kcenter`` (KCenterGreedy): token budgets and ``sharded`` mode need its
    prefix-consistent ranking, and ``--task``/``--target`` runs were not measured.
    """
    if name != "auto":
        return name
    if mode != "global" or tokens:
        return "kcenter"
    if plan_mode == "pool":
        return "stratified"
    if plan_mode == "tasks" and candidates <= MEDOIDS_MAX_CANDIDATES:
        return "medoids"
    return "kcenter"
