"""The filter rules split for a read by partition: per-record rules in the workers, exact dedup on the driver.

Every per-sample rule before ``duplicate`` (order 90) looks at one sample alone, so a worker can run them over its
partition (:class:`RuleWorker`) and send back, per sample, the reason code of the first rule that drops it (with
that rule's details) and, for a sample they all keep, its 16-byte :func:`~selector.filters.dedup.exact.dedup_key`.
The driver then takes the partitions in input order (:func:`take`): a kept sample whose key an earlier kept sample
had is a ``duplicate`` of that one (the first kept occurrence wins, as in one pass), every other verdict is counted
as it came. The rules' own counters (``describe()``'s notes) come back and are added up. The corpus rules (near
duplicates) still run after, on the driver, over the kept samples (:meth:`~selector.filters.base.FilterRun.finish`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from selector.filters.base import Filter, FilterRun
from selector.filters.dedup.exact import DuplicateFilter, dedup_key
from selector.sample import Sample

__all__ = ["RuleWorker", "Verdicts", "partition_gap", "take"]

KEY_BYTES = 16


@dataclass
class Verdicts:
    """One partition's verdicts: ``reasons[i]`` the first per-record rule's reason for its sample ``i`` (``None``:
    kept by them all), ``details`` that rule's details by ``i``, ``keys`` the dedup keys of the kept samples in
    order (16 bytes each; empty when the ``duplicate`` rule is off), ``counts`` each rule's counters."""

    reasons: list[str | None] = field(default_factory=list)
    details: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: bytes = b""
    counts: list[dict[str, Any]] = field(default_factory=list)


def partition_gap(run: FilterRun) -> str | None:
    """Why the rules of ``run`` cannot run by partition, or ``None`` when they can."""
    rules = run.pipeline.filters
    dup = next((i for i, f in enumerate(rules) if isinstance(f, DuplicateFilter)), len(rules))
    for i, f in enumerate(rules):
        if i > dup:
            return f"rule {f.name!r} runs after the duplicate rule"
        if i < dup and (not f.per_sample or type(f).kept is not Filter.kept):
            return f"rule {f.name!r} remembers samples"
    return None


class RuleWorker:
    """The per-record rules of ``run`` over one partition, in a worker process: call it with each sample in
    order, then :meth:`verdicts`."""

    def __init__(self, run: FilterRun) -> None:
        rules = run.pipeline.filters
        self.rules = [f for f in rules if not isinstance(f, DuplicateFilter)]
        self.dedup = len(self.rules) < len(rules)
        self.out = Verdicts()
        self._keys: list[bytes] = []

    def __call__(self, sample: Sample) -> None:
        out = self.out
        for f in self.rules:
            reason = f.check(sample)
            if reason is not None:
                extra = f.details(sample)
                if extra:
                    out.details[len(out.reasons)] = extra
                out.reasons.append(reason)
                return
        out.reasons.append(None)
        if self.dedup:
            self._keys.append(dedup_key(sample))

    def verdicts(self) -> Verdicts:
        """The partition's verdicts; the rules' counters are taken (reset to zero for the next partition)."""
        out = self.out
        out.keys = b"".join(self._keys)
        out.counts = [_take_counters(f) for f in self.rules]
        return out


def take(run: FilterRun, verdicts: Verdicts, samples: list[Sample]) -> None:
    """Count one partition's ``samples`` (the next ones in input order) into ``run`` by their ``verdicts``,
    deciding exact duplicates against every sample kept before them."""
    tally, at = run.tally, run.done
    dup = next((f for f in run.pipeline.filters if isinstance(f, DuplicateFilter)), None)
    raw = verdicts.keys
    keys = iter([raw[k : k + KEY_BYTES] for k in range(0, len(raw), KEY_BYTES)])
    details = verdicts.details
    kept: list[Sample] = []
    kept_at: list[int] = []
    for i, (sample, reason) in enumerate(zip(samples, verdicts.reasons, strict=True)):
        if reason is None:
            first = dup.first_kept(next(keys), sample.id) if dup is not None else None
            if first is None:
                kept.append(sample)
                kept_at.append(at + i)
                continue
            reason, extra = "duplicate", {"duplicate_of": first, "similarity": 1.0}
        else:
            extra = details.get(i)
        tally.drop(at + i, sample, reason, extra)
    tally.keep_many(kept_at, kept)
    run.done += len(samples)
    rules = [f for f in run.pipeline.filters if not isinstance(f, DuplicateFilter)]
    for f, counts in zip(rules, verdicts.counts, strict=True):
        _add_counters(f, counts)


def _take_counters(rule: Filter) -> dict[str, Any]:
    counts = {}
    for name in rule.counters:
        value = getattr(rule, name)
        counts[name] = value
        setattr(rule, name, {} if isinstance(value, dict) else 0)
    return counts


def _add_counters(rule: Filter, counts: dict[str, Any]) -> None:
    for name, value in counts.items():
        mine = getattr(rule, name)
        if isinstance(mine, dict):
            for key, n in value.items():
                mine[key] = mine.get(key, 0) + n
        else:
            setattr(rule, name, mine + value)
