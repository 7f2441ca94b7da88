"""Every selection's own evidence: label-free proxies for the selection and for seeded random selections.

``select()`` cannot know the downstream task, so it measures what needs no labels, in a representation it did not
select in (the word TF-IDF space of :mod:`selector.measures.proxies`, fitted on the pool's prompts):

- coverage of the pool: mean and 95th percentile of the distance ``1 - cos`` from each pool record to its nearest
  selected record (lower is better);
- diversity of the selection: the Vendi score (higher is more diverse; not always better for training);
- the mix: groups (sources or tasks) hit and ``KL(selection || pool)`` of the group shares (reported, not a goal:
  temperature quotas move the mix on purpose).

The yardstick is ``RANDOM_DRAWS`` random selections of the same size under the same eligibility and quotas, each
with its own seed; the report gives their median, 10th-90th percentile band and the selection's percentile among
them (higher is better for every proxy). Large pools are measured (and the TF-IDF space fitted) on a seeded sample
of ``MAX_POOL_ROWS`` pool records, and a selection above ``MAX_VENDI_ROWS`` has its Vendi score computed on a
seeded subset of that many (both said in the manifest). Whether a selection teaches more than random is ``selector
evaluate``'s question (held-out tasks); this section only shows what can be measured on an unlabelled pool.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.measures.effect import effect
from selector.measures.proxies import coverage, percentile, task_mix, tfidf_space, vendi
from selector.sample import Sample

log = logging.getLogger(__name__)

RANDOM_DRAWS = 20
MAX_POOL_ROWS = 20_000
MAX_VENDI_ROWS = 1_000
SPACE = "word 1-2 gram TF-IDF of the prompts, fitted on the pool"

PROXIES = {  # name -> (higher is better, what it is)
    "coverage_mean": (False, "mean distance (1 - cos) from a pool record to its nearest pick"),
    "coverage_p95": (False, "95th percentile of that distance"),
    "vendi": (True, "Vendi score of the selection (effective number of distinct records)"),
    "groups_hit": (True, "groups (sources or tasks) with at least one pick"),
    "group_kl": (False, "KL divergence of the selection's group shares from the pool's (reported, not a goal)"),
}


def versus_random_proxies(
    pool: Sequence[Sample],
    picks: np.ndarray,
    random_picks: Sequence[np.ndarray],
    groups: Sequence[str],
    *,
    seed: int,
    baseline: str = "uniform",
) -> dict[str, Any]:
    """The manifest's ``versus_random`` section: each proxy for ``picks`` and for every selection of
    ``random_picks`` (positions in ``pool``), with the random median, p10, p90, the selection's percentile and the
    effect size ``z`` with its 90% interval and verdict. ``baseline`` names how the draws were made (``uniform``
    under the run's eligibility, or ``count-matched``: the selection's own picks per group, where quotas fix them)."""
    rng = np.random.default_rng(seed)
    n = len(pool)
    rows = np.arange(n) if n <= MAX_POOL_ROWS else np.sort(rng.choice(n, MAX_POOL_ROWS, replace=False))
    # Every row any selection needs, its prompt read once (a prompt of a record not held is parsed from its file).
    needed = np.unique(np.concatenate([rows, np.asarray(picks, dtype=np.int64), *random_picks]).astype(np.int64))
    prompts = [pool[i].prompt for i in needed.tolist()]
    at_rows = np.searchsorted(needed, rows)
    try:
        vec = tfidf_space([prompts[j] for j in at_rows.tolist()])  # fitted on the measured rows: bounded cost
    except ValueError as exc:  # scikit-learn's "empty vocabulary" / "After pruning, no terms remain"
        reason = (
            f"the TF-IDF space is empty: no word of two or more letters occurs in two of the {len(rows):,} "
            f"measured prompts ({exc})"
        )
        log.warning("versus random: skipped; %s", reason)
        return {"space": SPACE, "skipped": reason}
    needed_X = vec.transform(prompts)  # transformed once; each selection then indexes the sparse matrix
    del prompts
    pool_X = needed_X[at_rows]
    group_arr = np.asarray(groups, dtype=object).astype(str)

    def measure(sel: np.ndarray) -> dict[str, float]:
        sel = np.asarray(sel, dtype=np.int64)
        sub = _vendi_subset(sel, seed)
        mean, p95 = coverage(pool_X, needed_X[np.searchsorted(needed, sel)])
        hit, kl = task_mix(group_arr, group_arr[sel])
        return {
            "coverage_mean": mean,
            "coverage_p95": p95,
            "vendi": vendi(needed_X[np.searchsorted(needed, sub)]),
            "groups_hit": float(hit),
            "group_kl": kl,
        }

    ours = measure(picks)
    results = _proxy_rows(ours, [measure(r) for r in random_picks], seed)
    return {
        "space": SPACE,
        "baseline": baseline,
        "random_draws": len(random_picks),
        "pool_rows_measured": len(rows),
        "vendi_rows": int(min(len(picks), MAX_VENDI_ROWS)),
        "proxies": results,
    }


def _proxy_rows(ours: dict[str, float], randoms: list[dict[str, float]], seed: int) -> dict[str, dict[str, Any]]:
    """Per proxy: the selection's value, the random median and p10-p90 band, the percentile, and the effect size
    ``z`` with its bootstrap 90% interval and verdict (:func:`selector.measures.effect.effect`, over the draws)."""
    results = {}
    for name, (higher, what) in PROXIES.items():
        values = [r[name] for r in randoms]
        z = effect([ours[name]], values, higher, seed=seed)
        results[name] = {
            "value": round(ours[name], 6),
            "random_median": round(float(np.median(values)), 6),
            "random_p10": round(float(np.percentile(values, 10)), 6),
            "random_p90": round(float(np.percentile(values, 90)), 6),
            "percentile": round(percentile(ours[name], values, higher), 1),
            **{key: z[key] for key in ("z", "z_lo", "z_hi", "verdict")},
            "higher_is_better": higher,
            "what": what,
        }
    return results


def _vendi_subset(sel: np.ndarray, seed: int) -> np.ndarray:
    """The rows of ``sel`` whose Vendi score is computed: all of them, or a seeded ``MAX_VENDI_ROWS`` of them."""
    if len(sel) <= MAX_VENDI_ROWS:
        return sel
    return np.sort(np.random.default_rng(seed).choice(sel, MAX_VENDI_ROWS, replace=False))


def random_draws(
    eligible: np.ndarray,
    groups: np.ndarray | None,
    quotas: Sequence[int] | None,
    size: int,
    seed: int,
    count: int = RANDOM_DRAWS,
) -> list[np.ndarray]:
    """``count`` uniform random selections of ``size`` eligible rows, each group holding at most its quota
    (as many picks per group as the quotas allow, like the selection itself; quotas equal to the selection's own
    per-group counts give the count-matched baseline); seeds ``seed + 1``, ``seed + 2``, ... in that fixed order."""
    candidates = np.flatnonzero(eligible)
    draws = []
    for i in range(count):
        rng = np.random.default_rng(seed + 1 + i)
        order = candidates[rng.permutation(len(candidates))]
        if groups is None or quotas is None:
            draws.append(np.sort(order[:size]))
            continue
        draws.append(_quota_prefix(order, np.asarray(groups), np.asarray(quotas, dtype=np.int64), size))
    return draws


def _quota_prefix(order: np.ndarray, groups: np.ndarray, quotas: np.ndarray, size: int) -> np.ndarray:
    """The first ``size`` rows of ``order`` (a draw order) that fit their group's quota (at most ``quotas[g]``
    rows of group ``g``, the first in draw order), sorted. A row's rank in its group depends only on the rows
    before it, so a prefix of the order holding ``size`` such rows decides the draw: the prefix grows (doubling,
    from ``4 * size``) until it does or is the whole order, and the rest of the order is never sorted."""
    length = min(len(order), max(4 * size, 1))
    while True:
        head = order[:length]
        g = groups[head]
        by_group = np.argsort(g, kind="stable")  # each group's members in draw order
        sorted_g = g[by_group]
        rank = np.empty(len(g), dtype=np.int64)
        rank[by_group] = np.arange(len(g)) - np.searchsorted(sorted_g, sorted_g, side="left")
        keep = rank < quotas[g]  # the first `quota` of each group, in draw order
        if length == len(order) or int(keep.sum()) >= size:
            keep &= np.cumsum(keep) <= size
            return np.sort(head[keep])
        length = min(len(order), 2 * length)


def render_evidence(section: dict[str, Any] | None) -> list[str]:
    """The report's "Versus random" section (markdown lines)."""
    if not section:
        return []
    out = ["", "## Versus random", ""]
    if "skipped" in section:
        return [*out, f"Not measured: {section['skipped']}."]
    out.append(
        f"Label-free proxies in an independent space ({section['space']}), for this selection and for "
        f"{section['random_draws']} seeded random selections of the same size ({_baseline_words(section)}). "
        "z is how many random standard deviations the selection sits above the draws (oriented so that higher is "
        "better for every proxy), with a bootstrap 90% interval over the draws; the verdict is beats / ties / loses "
        "as the interval lies above, across or below 0. This is not proof that the selection teaches more than "
        "random: `selector evaluate` answers that on held-out examples."
    )
    if section["pool_rows_measured"] < MAX_POOL_ROWS or section["vendi_rows"] >= MAX_VENDI_ROWS:
        out.append("")
        out.append(
            f"Measured on {section['pool_rows_measured']:,} pool records; Vendi on {section['vendi_rows']:,} "
            "selected records."
        )
    out += [
        "",
        "| proxy | selection | random median | random p10-p90 | z [90% interval] | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in section["proxies"].items():
        arrow = "higher is better" if r["higher_is_better"] else "lower is better"
        out.append(
            f"| {name} ({arrow}) | {r['value']:.4g} | {r['random_median']:.4g} | "
            f"{r['random_p10']:.4g}-{r['random_p90']:.4g} | {z_text(r)} | {r.get('verdict', '-')} |"
        )
    return out


def z_text(row: dict[str, Any]) -> str:
    """``+1.23 [+0.40, +2.10]``, or ``-`` where ``z`` was not measured (sections written before it was)."""
    if row.get("z") is None:
        return "-"
    return f"{row['z']:+.2f} [{row['z_lo']:+.2f}, {row['z_hi']:+.2f}]"


def _baseline_words(section: dict[str, Any]) -> str:
    if section.get("baseline") == "count-matched":
        return "count-matched: each draw holds the selection's own picks per group, so the quotas are not credited"
    return "uniform under the same rules"
