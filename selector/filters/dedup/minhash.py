"""MinHash and LSH, the parts of near-duplicate detection that know nothing of samples: word or character
shingles, MinHash signatures (through ``rensa``), the LSH band layout for a Jaccard threshold, and candidate pairs
from equal band keys. :mod:`selector.filters.dedup.near` verifies the candidates and groups the duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.errors import ConfigError
from selector.filters.dedup.exact import normalise

__all__ = ["lsh_params", "minhash_signatures", "shingles"]

#: Runs of equal band keys up to this size yield every pair; longer runs (mass copies) yield a star and a chain.
ALL_PAIRS_RUN = 64


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


def load_rensa() -> Any:
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
    rensa = load_rensa()
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


def band_keys(band: np.ndarray) -> np.ndarray:
    """One uint64 key per row of a ``(n, r)`` uint32 band (a multiply-xorshift mix of its values)."""
    key = np.zeros(band.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in band.T:
            key = (key ^ col.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
            key ^= key >> np.uint64(29)
    return key


def band_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
