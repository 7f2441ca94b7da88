"""Token budgets: cut a coreset ranking at a budget in tokens (the counts: :mod:`selector.embedding.tokens`).

``select --tokens 2M`` is the third form of budget beside ``--budget`` (records) and ``--fraction``. A sample's
training tokens are the tokens of all its turns, as :mod:`selector.embedding.tokens` defines and counts them
(``--tokenizer DIR`` names the tokenizer of the model you will train, which gives that model's counts).

How the cut works (:func:`cut_ranking`). The coreset ranks the candidates farthest-first without quotas; the
selection is then, for each group (source or task, as ``allocation.group_by`` says), the longest prefix of that
group's picks, in ranking order, whose tokens fit the group's token quota. The quotas are the temperature shares
(:func:`selector.selection.allocation.temperature_shares`) of the token budget with each group's size measured
in tokens, so no quota exceeds what the group holds; a group stops short of its quota by less than the length of
its next pick. Without groups (``coreset.balance: false``) the whole ranking is cut at its longest prefix that fits.
Because the greedy ranking is prefix-consistent, a ranking long enough to fill every quota is found by doubling
the record budget of the coreset (:func:`records_needed` gives the first guess).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.selection.allocation import temperature_shares
from selector.selection.coreset import CoresetResult, kcenter_greedy

__all__ = ["TokenCut", "TokenSelection", "cut_ranking", "records_needed", "select_tokens", "token_quotas"]

log = logging.getLogger(__name__)


def token_quotas(group_tokens: Sequence[int], budget: int, tau: float) -> list[int]:
    """Token quota per group: the temperature share of ``budget`` with group sizes in tokens, floored.

    A share never exceeds the group's tokens (the excess of a capped group goes to the others), so the quotas sum
    to at most ``min(budget, sum(group_tokens))``.
    """
    return [math.floor(x) for x in temperature_shares([int(t) for t in group_tokens], budget, tau)]


def records_needed(tokens: np.ndarray, eligible: np.ndarray, budget: int) -> int:
    """A first record budget for the coreset: the candidates the token budget holds at their median length,
    plus a quarter (at least 1, at most the number of candidates)."""
    n = int(eligible.sum())
    median = float(np.median(tokens[eligible])) if n else 1.0
    return max(1, min(n, math.ceil(1.25 * budget / max(median, 1.0))))


@dataclass
class TokenCut:
    """The outcome of :func:`cut_ranking`.

    Attributes:
        picks: positions in the ranking that are kept, in ranking order.
        tokens: tokens of the kept picks, in all.
        by_group: group id -> tokens kept.
        full: group ids whose quota stopped the cut (the next pick would not fit); the others ran out of ranking.
    """

    picks: list[int]
    tokens: int
    by_group: dict[int, int] = field(default_factory=dict)
    full: set[int] = field(default_factory=set)


def cut_ranking(
    ranking: Sequence[int],
    tokens: np.ndarray,
    budget: int,
    groups: np.ndarray | None = None,
    quotas: Sequence[int] | None = None,
) -> TokenCut:
    """Cut ``ranking`` (sample indices, best first) at a budget in tokens (see the module docstring).

    ``tokens`` is ``(n,)`` per sample; with ``groups`` (``(n,)`` group id per sample) and ``quotas`` (tokens per
    group id) each group keeps the longest prefix of its own picks that fits its quota, else the whole ranking
    keeps its longest prefix that fits ``budget``.
    """
    if groups is None or quotas is None:
        used, kept = 0, []
        for r, i in enumerate(ranking):
            if used + int(tokens[i]) > budget:
                return TokenCut(kept, used, {0: used}, {0})
            used += int(tokens[i])
            kept.append(r)
        return TokenCut(kept, used, {0: used}, set())
    used_by: dict[int, int] = {}
    full: set[int] = set()
    kept = []
    for r, i in enumerate(ranking):
        g = int(groups[i])
        if g in full:
            continue
        if used_by.get(g, 0) + int(tokens[i]) > quotas[g]:
            full.add(g)
            continue
        used_by[g] = used_by.get(g, 0) + int(tokens[i])
        kept.append(r)
    return TokenCut(kept, sum(used_by.values()), used_by, full)


@dataclass
class TokenSelection:
    """What :func:`select_tokens` returns: the selection as a coreset result, its cut, and the quotas.

    ``result.indices`` are the kept pool indices in ranking order, with the coverage radius after each;
    ``ranked`` is how long the coreset ranking that was cut grew; ``quotas`` maps group id -> token quota.
    """

    result: Any
    cut: TokenCut
    ranked: int
    n_seeds: int
    quotas: dict[int, int]


def select_tokens(
    X: np.ndarray,
    plan: Any,
    tokens: np.ndarray,
    budget: int,
    tau: float,
    strategy: Any,
    kwargs: dict[str, Any],
) -> TokenSelection:
    """Rank the candidates with ``strategy`` (no record quotas) and cut the ranking at ``budget`` tokens.

    ``plan`` is the :class:`~selector.selection.coreset_plan.CoresetPlan` (candidates, seeds, groups); the group
    quotas in
    tokens come from :func:`token_quotas` over the candidates' tokens per group. The record budget of the ranking
    starts at :func:`records_needed` and doubles until every group's quota stopped the cut or the ranking holds
    every candidate (the greedy ranking is prefix-consistent, so only the length changes).
    """
    eligible = plan.eligible
    n_eligible = int(eligible.sum())
    groups = plan.groups
    quotas: dict[int, int] = {}
    if groups is not None:
        ids = np.unique(groups[eligible])
        totals = [int(tokens[eligible & (groups == g)].sum()) for g in ids]
        quotas = dict(zip((int(g) for g in ids), token_quotas(totals, budget, tau), strict=True))
    quota_list = [quotas.get(g, 0) for g in range(int(groups.max()) + 1)] if groups is not None else None
    n_records = records_needed(tokens, eligible, budget)
    while True:
        ranked = strategy(X, n_records, seeds=plan.seeds, eligible=eligible, **kwargs)
        cut = cut_ranking(ranked.indices, tokens, budget, groups, quota_list)
        open_groups = {0} - cut.full if groups is None else {g for g, q in quotas.items() if q > 0} - cut.full
        if not open_groups or len(ranked.indices) >= n_eligible or n_records >= n_eligible:
            break
        n_records = min(n_eligible, 2 * n_records)
        log.info("token budget: ranking %d candidates to fill the token quotas", n_records)
    picks = np.asarray(ranked.indices, dtype=np.int64)[cut.picks]
    n_seeds = sum(1 for r in cut.picks if r < ranked.n_seeds)
    device = kwargs.get("device", "auto")
    # The kept picks are not a prefix of the ranking: their coverage is measured by replaying them as seeds.
    replay = kcenter_greedy(X, len(picks), seeds=picks, eligible=eligible, device=device, progress=False)
    stats = {k: v for k, v in ranked.stats.items() if k != "seconds"}
    stats.update({"budget": len(picks), "selected": len(picks), "ranked": len(ranked.indices)})
    result = CoresetResult(picks, replay.radii, replay.min_dist, n_seeds, stats)
    return TokenSelection(result, cut, len(ranked.indices), n_seeds, quotas)
