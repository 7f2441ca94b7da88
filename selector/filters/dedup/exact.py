"""Exact duplicates (``duplicate``): the same conversation after normalising case and white space.

The key of a sample is a BLAKE2b digest (16 bytes) of its turns, each as ``role`` and content case-folded with
every run of white space collapsed to one space and the ends stripped; so two samples are duplicates when they
have the same normalised prompt and the same normalised response. The first one kept wins: the rule remembers
only samples that passed every rule, so a copy of a record dropped for another reason can still be kept.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from selector.filters.base import Filter, rule
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.config import FilterConfig

__all__ = ["DuplicateFilter", "dedup_key", "normalise"]


def normalise(text: str) -> str:
    """Case-folded ``text`` with runs of white space collapsed to one space, ends stripped.

    White space is what ``str.isspace`` calls so (the same characters as the ``\\s`` of a ``re`` str pattern), so
    splitting and joining gives what ``re.sub(r"\\s+", " ", ...).strip()`` gives, at about half the cost."""
    return " ".join(text.casefold().split())


def dedup_key(sample: Sample) -> bytes:
    """16-byte digest of the sample's normalised turns (roles included): per turn, the role, ``\\x1f``, the
    normalised content and ``\\x1e``, UTF-8 (surrogates passed through), hashed in one update."""
    text = "".join(f"{m.role}\x1f{normalise(m.content)}\x1e" for m in sample.messages)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@rule(
    "duplicate",
    order=90,
    text="The same text as an earlier record after folding case and white space; the first one read is kept.",
)
class DuplicateFilter(Filter):
    """Drops a sample whose :func:`dedup_key` equals one already kept; its rejected row names that sample
    (``duplicate_of``, with ``similarity`` 1.0, as the near and semantic rules do)."""

    per_sample = False  # remembers what it kept: by partition, the driver decides (:meth:`first_kept`)

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        return cls() if config.duplicate else None

    def __init__(self) -> None:
        self._seen: dict[bytes, str] = {}  # key -> id of the kept sample
        self._last: tuple[Sample | None, bytes] = (None, b"")

    def check(self, sample: Sample) -> str | None:
        key = dedup_key(sample)
        self._last = (sample, key)
        return "duplicate" if key in self._seen else None

    def details(self, sample: Sample) -> dict[str, Any] | None:
        last, key = self._last
        kept = self._seen.get(key if last is sample else dedup_key(sample))
        return {"duplicate_of": kept, "similarity": 1.0} if kept is not None else None

    def kept(self, sample: Sample) -> None:
        last, key = self._last
        self._seen.setdefault(key if last is sample else dedup_key(sample), sample.id)
        self._last = (None, b"")

    def first_kept(self, key: bytes, sample_id: str) -> str | None:
        """The id of the sample kept earlier with :func:`dedup_key` ``key``, or ``None``, ``sample_id`` then
        remembered as that key's: :meth:`check` and :meth:`kept` in one, for a sample every other rule kept."""
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = sample_id
        return first

    def reset(self) -> None:
        self._seen.clear()
        self._last = (None, b"")
