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
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from selector.errors import ConfigError
from selector.filters.base import CorpusRule, rule
from selector.filters.dedup.exact import normalise
from selector.filters.score import read_score
from selector.sample import Sample

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

#: Runs of equal band keys up to this size yield every pair; longer runs (mass copies) yield a star and a chain.
ALL_PAIRS_RUN = 64
#: Candidate pairs verified per batch.
VERIFY_BATCH = 1 << 20
#: With exact verification, candidates estimated this far below the threshold are still checked exactly (~3 sigma).
EXACT_MARGIN = 0.1


def shingles(text: str, kind: str = "word", size: int = 5) -> list[str]:
    """The distinct shingles of ``normalise(text)``: runs of ``size`` words (``kind="word"``) or characters.

    A text shorter than one shingle is a single shingle (itself), so short texts still compare.
    """
    text = normalise(text)
    if kind == "word":
        words = text.split(" ")
        if len(words) <= size:
            return [text]
        return list({" ".join(words[i : i + size]) for i in range(len(words) - size + 1)})
    if len(text) <= size:
        return [text]
    return list({text[i : i + size] for i in range(len(text) - size + 1)})


def _rensa() -> Any:
    try:
        import rensa
    except ImportError:
        raise ConfigError(
            "config key 'dedup.near_duplicate' needs the package rensa (a dependency of selector: pip install "
            "rensa); or set dedup.near_duplicate: false to switch the rule off"
        ) from None
    return rensa


def minhash_signatures(
    texts: Sequence[str], *, kind: str = "word", size: int = 5, num_perm: int = 128, seed: int = 0
) -> np.ndarray:
    """``(n, num_perm)`` uint32 MinHash signatures of ``texts`` (seeded permutations; see :func:`shingles`)."""
    rensa = _rensa()
    sig = np.empty((len(texts), num_perm), dtype=np.uint32)
    for i, text in enumerate(texts):
        m = rensa.RMinHash(num_perm=num_perm, seed=seed)
        m.update(shingles(text, kind, size))
        sig[i] = m.digest()
    return sig


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)``: the most rows per band (fewest false candidates) with ``bands * rows <= num_perm`` that
    still make a pair at ``threshold`` collide with probability >= 0.99."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= 0.99:
            best = (bands, rows)
    return best


def _band_keys(band: np.ndarray) -> np.ndarray:
    """One uint64 key per row of a ``(n, r)`` uint32 band (a multiply-xorshift mix of its values)."""
    key = np.zeros(band.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in band.T:
            key = (key ^ col.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
            key ^= key >> np.uint64(29)
    return key


def _band_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)``, ``i < j``, among rows with equal ``keys``."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    multi = sizes > 1
    starts, sizes = starts[multi], sizes[multi]
    if not len(starts):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    # Every member with the run's first (star) and with its predecessor (chain): covers any run size.
    member = np.concatenate([np.arange(s + 1, s + z) for s, z in zip(starts, sizes, strict=True)])
    run_start = np.repeat(starts, sizes - 1)
    left += [order[run_start], order[member - 1]]
    right += [order[member], order[member]]
    # Small runs: every pair, so a false collision with the first member hides nothing.
    small = (sizes > 2) & (sizes <= ALL_PAIRS_RUN)
    for s, z in zip(starts[small], sizes[small], strict=True):
        a, b = np.triu_indices(int(z), 2)
        left.append(order[s + a])
        right.append(order[s + b])
    i, j = np.concatenate(left), np.concatenate(right)
    return np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)


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
        i, j = _band_pairs(_band_keys(sig[:, band * r : (band + 1) * r]))
        code = np.unique(i * n + j)
        code = code[~np.isin(code, seen, assume_unique=True)]
        n_candidates += len(code)
        for start in range(0, len(code), VERIFY_BATCH):
            c = code[start : start + VERIFY_BATCH]
            ci, cj = c // n, c % n
            est = (sig[ci] == sig[cj]).mean(axis=1)
            if exact is None:
                ok = est >= threshold
            else:
                near = np.flatnonzero(est >= threshold - EXACT_MARGIN)
                ok = near[exact(ci[near], cj[near]) >= threshold]
            keep_left.append(ci[ok])
            keep_right.append(cj[ok])
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
        n_candidates,
        len(left),
        threshold,
        groups,
        len(dropped),
    )
    return DuplicateGroups(duplicate_of, similarity, stats)


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
    def from_config(cls, config: Any, dedup: Any, seed: int = 0) -> CorpusRule | None:
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
        _rensa()  # a missing package is an error before any work
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
