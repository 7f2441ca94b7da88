"""Near duplicates (``near_duplicate``): MinHash signatures, LSH banding, verified pairs, connected groups.

``docs/algorithms.md`` section 8. Each sample's text (prompt and answer, normalised as the exact duplicate rule
does) is cut into shingles: runs of ``shingle_size`` words, or of characters. A MinHash signature of ``num_perm``
32-bit values estimates the Jaccard similarity of two shingle sets as the share of equal positions. LSH cuts the
signature into ``b`` bands of ``r`` rows; two samples become a candidate pair when one band is equal, which for
Jaccard ``s`` happens with probability ``1 - (1 - s^r)^b``; :func:`lsh_params` picks ``r`` so that a pair at the
threshold collides with probability at least 0.99. Candidate pairs are verified by their estimated Jaccard, in
batches of int64 arrays (no per-pair Python objects, no n x n matrix), and the verified pairs join samples into
connected groups. One sample per group is kept: the highest score when a score field is set, else (and on ties)
the first read. Every other member names it (``duplicate_of``) with their Jaccard (with chains of near copies,
this can fall below the threshold: the group was joined through other members). The rule verifies candidates by
their exact Jaccard (shingles recomputed for the candidate pairs only), after a cheap cut on the estimate.

Signatures come from ``rensa`` (Rust MinHash; seeded, so the same text gives the same signature in every
process). We measured it about 16 times faster than ``datasketch`` per record (``benchmarks/bench_dedup.py``).
Memory: ``4 * num_perm`` bytes a sample for the signatures (512 MB for 1M samples at 128 permutations), plus one
band's keys and the candidate pairs of one band at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from selector.filters.base import CorpusRule, rule
from selector.filters.dedup.minhash import band_keys, band_pairs, load_rensa, lsh_params, minhash_signatures, shingles
from selector.filters.score import read_score
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.config import DedupConfig, FilterConfig

__all__ = [
    "DuplicateGroups",
    "NearDuplicateRule",
    "group_duplicates",
    "lsh_params",
    "minhash_signatures",
    "near_duplicates",
    "sample_scores",
    "shingles",
]

logger = logging.getLogger(__name__)

#: Candidate pairs verified per batch.
VERIFY_BATCH = 1 << 20
#: With exact verification, candidates estimated this far below the threshold are still checked exactly (~3 sigma).
EXACT_MARGIN = 0.1


@dataclass
class DuplicateGroups:
    """Samples joined into groups by similar pairs, one kept per group.

    Attributes:
        duplicate_of: ``(n,)`` int64, the kept sample's index for each dropped sample, ``-1`` for kept ones.
        similarity: ``(n,)`` float32, the dropped sample's similarity to the kept one (NaN for kept ones).
        stats: counts for the manifest (``pairs``, ``groups``, ``dropped`` and the rule's parameters).
    """

    duplicate_of: np.ndarray
    similarity: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def dropped(self) -> np.ndarray:
        """Indices of the dropped samples, ascending."""
        return np.flatnonzero(self.duplicate_of >= 0)


def group_duplicates(
    n: int, left: np.ndarray, right: np.ndarray, scores: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """``(duplicate_of, groups)`` from similar pairs ``(left[k], right[k])`` over ``n`` samples.

    Connected components of the pairs; in each, the sample with the highest ``scores`` (NaN counts as lowest),
    ties and ``scores=None`` going to the lowest index, is kept; ``duplicate_of`` is its index for the other
    members and ``-1`` for kept samples.
    """
    duplicate_of = np.full(n, -1, dtype=np.int64)
    if not len(left):
        return duplicate_of, 0
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    size = np.bincount(comp)
    score = np.zeros(n) if scores is None else np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-np.inf)
    order = np.lexsort((np.arange(n), -score, comp))  # by component, best score first, then reading order
    first = np.r_[True, comp[order][1:] != comp[order][:-1]]
    keeper = np.empty(size.shape[0], dtype=np.int64)
    keeper[comp[order][first]] = order[first]
    grouped = size[comp] > 1
    duplicate_of[grouped] = keeper[comp[grouped]]
    duplicate_of[duplicate_of == np.arange(n)] = -1
    return duplicate_of, int((size > 1).sum())


def near_duplicates(
    sig: np.ndarray,
    threshold: float = 0.8,
    scores: np.ndarray | None = None,
    bands: tuple[int, int] | None = None,
    exact: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> DuplicateGroups:
    """Group the rows of ``sig`` (``(n, num_perm)`` MinHash signatures) whose Jaccard is >= ``threshold``.

    ``bands`` is ``(b, r)`` (default :func:`lsh_params`). Candidate pairs are found band by band, made unique,
    and verified in batches of :data:`VERIFY_BATCH` by their estimated Jaccard. With ``exact`` (a function of two
    index arrays returning the true Jaccard of each pair), pairs estimated within :data:`EXACT_MARGIN` below the
    threshold or above are verified exactly instead, so a pair just above the threshold is not lost to the
    estimate's noise (about 0.035 at 128 permutations), and the similarities reported are exact.
    """
    n, num_perm = sig.shape
    b, r = bands or lsh_params(threshold, num_perm)
    keep_left: list[np.ndarray] = []
    keep_right: list[np.ndarray] = []
    seen = np.empty(0, dtype=np.int64)
    n_candidates = 0
    for band in range(b):
        i, j = band_pairs(band_keys(sig[:, band * r : (band + 1) * r]))
        code = np.unique(i * n + j)
        code = code[~np.isin(code, seen, assume_unique=True)]
        n_candidates += len(code)
        for start in range(0, len(code), VERIFY_BATCH):
            ci, cj = _verified(sig, code[start : start + VERIFY_BATCH], threshold, exact)
            keep_left.append(ci)
            keep_right.append(cj)
        # Candidates already verified are skipped by later bands; verified pairs are few.
        seen = np.union1d(seen, code)
    left = np.concatenate(keep_left) if keep_left else np.empty(0, np.int64)
    right = np.concatenate(keep_right) if keep_right else np.empty(0, np.int64)
    duplicate_of, groups = group_duplicates(n, left, right, scores)
    similarity = np.full(n, np.nan, dtype=np.float32)
    dropped = np.flatnonzero(duplicate_of >= 0)
    if exact is None:
        similarity[dropped] = (sig[dropped] == sig[duplicate_of[dropped]]).mean(axis=1)
    else:
        similarity[dropped] = exact(dropped, duplicate_of[dropped])
    stats = {
        "bands": b,
        "rows": r,
        "candidate_pairs": int(n_candidates),
        "similar_pairs": len(left),
        "groups": groups,
        "dropped": len(dropped),
    }
    logger.info(
        "near duplicates: %d candidate pairs, %d at Jaccard >= %s, %d groups, %d dropped",
        *(n_candidates, len(left), threshold, groups, len(dropped)),
    )
    return DuplicateGroups(duplicate_of, similarity, stats)


def _verified(
    sig: np.ndarray, code: np.ndarray, threshold: float, exact: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (``code`` = ``i * n + j``) whose Jaccard reaches ``threshold``: estimated from the
    signatures, or with ``exact`` checked exactly from :data:`EXACT_MARGIN` below the threshold up."""
    n = sig.shape[0]
    ci, cj = code // n, code % n
    est = (sig[ci] == sig[cj]).mean(axis=1)
    if exact is None:
        ok = est >= threshold
    else:
        near = np.flatnonzero(est >= threshold - EXACT_MARGIN)
        ok = near[exact(ci[near], cj[near]) >= threshold]
    return ci[ok], cj[ok]


@rule(
    "near_duplicate",
    order=100,
    text="Near duplicate of a kept record: MinHash + LSH estimate a word-shingle Jaccard similarity at or above "
    "dedup.jaccard.",
)
class NearDuplicateRule(CorpusRule):
    """Drops near copies among the samples the other filters kept (``near_duplicate``), one kept per group.

    The text compared is the sample's turns (prompt, then answer). ``score_field`` (dotted path) decides which
    member of a group is kept; samples without it rank below every scored one.
    """

    @classmethod
    def from_config(cls, config: FilterConfig, dedup: DedupConfig, seed: int = 0) -> CorpusRule | None:
        if dedup is None or not dedup.near_duplicate:
            return None
        return cls(
            dedup.jaccard, dedup.shingle, dedup.shingle_size, dedup.num_perm, score_field=config.score_field, seed=seed
        )

    def __init__(
        self,
        jaccard: float = 0.8,
        shingle: str = "word",
        shingle_size: int = 5,
        num_perm: int = 128,
        score_field: str | None = None,
        seed: int = 0,
    ) -> None:
        load_rensa()  # a missing package is an error before any work
        self.jaccard = jaccard
        self.shingle = shingle
        self.shingle_size = shingle_size
        self.num_perm = num_perm
        self.score_field = score_field
        self.seed = seed
        self.stats: dict[str, Any] = {}

    def find(self, samples: Sequence[Sample]) -> list[tuple[int, str, dict[str, Any]]]:
        texts = ["\n".join(m.content for m in s.messages) for s in samples]
        sig = minhash_signatures(
            texts, kind=self.shingle, size=self.shingle_size, num_perm=self.num_perm, seed=self.seed
        )
        scores = sample_scores(samples, self.score_field)

        def exact(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            out = np.empty(len(i), dtype=np.float32)
            for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
                sa = set(shingles(texts[a], self.shingle, self.shingle_size))
                sb = set(shingles(texts[b], self.shingle, self.shingle_size))
                out[k] = len(sa & sb) / len(sa | sb)
            return out

        groups = near_duplicates(sig, self.jaccard, scores, exact=exact)
        self.stats = groups.stats
        return [
            (
                int(i),
                "near_duplicate",
                {
                    "duplicate_of": samples[int(groups.duplicate_of[i])].id,
                    "similarity": round(float(groups.similarity[i]), 4),
                },
            )
            for i in groups.dropped
        ]

    def describe(self) -> dict[str, Any]:
        return {
            "jaccard": self.jaccard,
            "shingle": self.shingle,
            "shingle_size": self.shingle_size,
            "num_perm": self.num_perm,
            "score_field": self.score_field,
            **self.stats,
        }


def sample_scores(samples: Sequence[Sample], score_field: str | None) -> np.ndarray | None:
    """``(n,)`` float64 scores under ``score_field`` (NaN where absent or not a number), or ``None`` without one."""
    if score_field is None:
        return None
    out = np.full(len(samples), np.nan)
    for i, s in enumerate(samples):
        try:
            value = read_score(s.record, score_field)
        except ValueError:
            value = None
        if value is not None:
            out[i] = value
    return out
