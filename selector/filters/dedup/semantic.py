"""Semantic duplicates (``semantic_duplicate``): SemDeDup inside each K-Means cluster.

``docs/algorithms.md`` section 8; Abbas et al., *SemDeDup* (arXiv 2303.09540). The paper observes that
semantically duplicated pairs (the same content reworded or re-templated) land in the same K-Means cluster, so
comparing all pairs inside each cluster finds them at a cost of ``sum(m_c^2)`` rather than ``n^2``. Pairs with
cosine above ``1 - eps`` are joined into connected groups and one sample per group is kept: the highest score
when scores are given, else (and on ties) the first in the pool's order. Every other member names it
(``duplicate_of``) with their cosine (with chains, this can fall below ``1 - eps``).

The search is exact within clusters. A cluster of ``m`` rows is compared in blocks of ``block`` rows against the
rows after them (``block x m`` float32 scores at a time), and each block's pairs are merged into the cluster's
group labels at once, so memory is bounded by the largest cluster times ``block``, never by the number of pairs.
Typical ``eps``: 0.01-0.1 for sentence embeddings (the paper used 0.05-0.35 on CLIP image embeddings).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from selector.filters.base import rule
from selector.filters.config import check_eps
from selector.filters.dedup.near import DuplicateGroups, group_duplicates
from selector.sample import Sample

__all__ = ["PoolDedup", "cluster_groups", "drop_semantic_duplicates", "semantic_duplicates"]

logger = logging.getLogger(__name__)


def cluster_groups(Xc: np.ndarray, threshold: float, block: int = 1024) -> np.ndarray:
    """``(m,)`` group labels of the rows of ``Xc`` (``(m, d)`` float32, unit rows) joined by cosine > ``threshold``.

    Rows ``a`` and ``b`` share a label exactly when a chain of pairs above ``threshold`` links them.
    """
    m = Xc.shape[0]
    comp = np.arange(m)
    for start in range(0, m, block):
        stop = min(start + block, m)
        sims = Xc[start:stop] @ Xc[start:].T  # (rows of the block) x (rows from the block on)
        r, c = np.nonzero(sims > threshold)
        a, b = r + start, c + start
        keep = a < b
        if not keep.any():
            continue
        # Merge this block's pairs into the current labels: a graph whose nodes are the labels (all < m).
        a, b = comp[a[keep]], comp[b[keep]]
        graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(m, m))
        _, lab = connected_components(graph, directed=False)
        comp = lab[comp]
    return comp


def semantic_duplicates(
    X: np.ndarray,
    labels: np.ndarray,
    eps: float,
    scores: np.ndarray | None = None,
    block: int = 1024,
) -> DuplicateGroups:
    """SemDeDup: within each cluster of ``labels``, group rows of ``X`` whose cosine exceeds ``1 - eps``.

    ``X``: ``(n, d)`` float32 unit rows (the pipeline's embeddings); ``labels``: ``(n,)`` cluster ids (K-Means);
    ``eps`` in (0, 1); ``scores``: optional ``(n,)`` (higher is kept; NaN lowest). Returns the kept/dropped
    decision for every row with the cosine of each dropped row to its kept one.
    """
    eps = check_eps(eps)
    X = np.ascontiguousarray(X, dtype=np.float32)
    labels = np.asarray(labels)
    n = X.shape[0]
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
    threshold = 1.0 - eps
    group = np.arange(n)  # global group id: the first member's index
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1], True])
    largest = 0
    for lo, hi in itertools.pairwise(bounds):
        idx = order[lo:hi]  # ascending: the pool's order within the cluster
        largest = max(largest, len(idx))
        if len(idx) < 2:
            continue
        comp = cluster_groups(X[idx], threshold, block)
        first = np.full(len(idx), len(idx))
        np.minimum.at(first, comp, np.arange(len(idx)))
        group[idx] = idx[first[comp]]
    members = np.flatnonzero(group != np.arange(n))
    duplicate_of, n_groups = group_duplicates(n, group[members], members, scores)
    cosine = np.full(n, np.nan, dtype=np.float32)
    dropped = np.flatnonzero(duplicate_of >= 0)
    cosine[dropped] = np.einsum("ij,ij->i", X[dropped], X[duplicate_of[dropped]])
    stats: dict[str, Any] = {
        "eps": eps,
        "clusters": len(bounds) - 1,
        "largest_cluster": largest,
        "groups": n_groups,
        "dropped": len(dropped),
    }
    logger.info("semantic duplicates (eps %s): %d groups, %d dropped", eps, n_groups, len(dropped))
    return DuplicateGroups(duplicate_of, cosine, stats)


@dataclass
class PoolDedup:
    """What :func:`drop_semantic_duplicates` leaves of a pool.

    Attributes:
        keep: ``(m,)`` int64 positions of the kept samples in the pool, ascending.
        rejected: ``(sample, "semantic_duplicate")`` for each dropped sample, in pool order.
        details: ``{id: {"duplicate_of": kept id, "similarity": cosine}}`` for each dropped sample.
        stats: the counts of :func:`semantic_duplicates`.
    """

    keep: np.ndarray
    rejected: list[tuple[Sample, str]]
    details: dict[str, dict[str, Any]]
    stats: dict[str, Any]


@rule(
    "semantic_duplicate",
    order=110,
    text="Semantic duplicate (SemDeDup): cosine similarity of the embeddings within one K-Means cluster above "
    "1 - dedup.semantic_eps.",
)
def drop_semantic_duplicates(
    pool: Sequence[Sample], X: np.ndarray, labels: np.ndarray, eps: float, scores: np.ndarray | None = None
) -> PoolDedup:
    """:func:`semantic_duplicates` on a pool's embeddings ``X`` and K-Means ``labels``, as kept positions and
    rejected samples with their ``duplicate_of`` ids."""
    groups = semantic_duplicates(X, labels, eps, scores)
    dropped = groups.dropped
    rejected = [(pool[i], "semantic_duplicate") for i in dropped]
    details = {
        pool[i].id: {
            "duplicate_of": pool[int(groups.duplicate_of[i])].id,
            "similarity": round(float(groups.similarity[i]), 4),
        }
        for i in dropped
    }
    keep = np.flatnonzero(groups.duplicate_of < 0)
    return PoolDedup(keep, rejected, details, groups.stats)
