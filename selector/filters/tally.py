"""The bookkeeping of one filter run (:class:`Tally`): kept and dropped samples with their input positions, and
the counts per reason and per source that the manifest and report show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.base import FilterResult

__all__ = ["Tally"]


class Tally:
    """The kept and dropped samples of one filter run, with their input positions and counts per reason and
    source."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.kept: list[Sample] = []
        self.kept_at: list[int] = []
        self.rejected: list[tuple[int, Sample, str]] = []
        self.details: dict[str, dict[str, Any]] = {}
        self.by_reason = dict.fromkeys(reasons, 0)
        self.by_source: dict[str, dict[str, Any]] = {}

    def _source(self, sample: Sample) -> dict[str, Any]:
        return self._source_named(sample.source)

    def _source_named(self, source: str) -> dict[str, Any]:
        src = self.by_source.get(source)
        if src is None:
            src = self.by_source[source] = {"input": 0, "kept": 0, "rejected": 0, "by_reason": {}}
        return src

    def keep(self, at: int, sample: Sample) -> None:
        src = self._source(sample)
        src["input"] += 1
        src["kept"] += 1
        self.kept.append(sample)
        self.kept_at.append(at)

    def keep_many(self, at: list[int], samples: list[Sample]) -> None:
        """:meth:`keep` for each of ``samples`` (input positions ``at``, ascending, after every position kept or
        dropped so far except this batch's drops), counted by source at once."""
        self.kept.extend(samples)
        self.kept_at.extend(at)
        for source, n in Counter(s.source for s in samples).items():
            src = self._source_named(source)
            src["input"] += n
            src["kept"] += n

    def drop(
        self, at: int, sample: Sample, reason: str, extra: Mapping[str, Any] | None, counted: bool = False
    ) -> None:
        """Record ``sample`` (input position ``at``) as dropped for ``reason``; ``counted``: it was kept before."""
        src = self._source(sample)
        if counted:
            src["kept"] -= 1
        else:
            src["input"] += 1
        self.rejected.append((at, sample, reason))
        if extra or counted:  # a corpus rule's drop always has its row of details
            self.details[sample.id] = extra  # type: ignore[assignment]
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        src["rejected"] += 1
        src["by_reason"][reason] = src["by_reason"].get(reason, 0) + 1

    def drop_kept(self, drops: Iterable[tuple[int, str, Mapping[str, Any]]]) -> None:
        """A corpus rule's drops, given as positions in :attr:`kept`."""
        gone = set()
        for i, reason, extra in drops:
            gone.add(i)
            self.drop(self.kept_at[i], self.kept[i], reason, extra, counted=True)
        if gone:
            self.kept = [s for i, s in enumerate(self.kept) if i not in gone]
            self.kept_at = [a for i, a in enumerate(self.kept_at) if i not in gone]

    def result(self, rules: list[dict[str, Any]]) -> FilterResult:
        self.rejected.sort(key=lambda row: row[0])  # input order, corpus rules' drops included
        for src in self.by_source.values():
            src["by_reason"] = {r: src["by_reason"].get(r, 0) for r in self.by_reason}
        stats = {
            "input": len(self.kept) + len(self.rejected),
            "kept": len(self.kept),
            "rejected": len(self.rejected),
            "by_reason": self.by_reason,
            "by_source": dict(sorted(self.by_source.items())),
            "rules": rules,
        }
        from selector.filters.base import FilterResult

        return FilterResult(
            self.kept,
            [(s, reason) for _, s, reason in self.rejected],
            stats,
            self.details,
            kept_at=np.asarray(self.kept_at, dtype=np.int64),
            rejected_at=np.asarray([at for at, _, _ in self.rejected], dtype=np.int64),
        )
