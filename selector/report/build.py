"""Gather the :class:`~selector.report.data.ReportModel` of a run: :func:`report_model`. The parts read from the
manifest and the rejected pairs are here; the pool's (map, picks table, curves) are in :mod:`selector.report.pool`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from selector.report.data import EXAMPLES_PER_REASON, Example, ReasonGroup, ReportData, ReportModel, cap
from selector.report.pool import add_pool
from selector.report.reasons import explain, reason_order
from selector.sample import Sample


def report_model(
    manifest: Mapping[str, Any],
    *,
    pool: ReportData | None = None,
    rows: Sequence[Mapping[str, Any]] = (),
    rejected: Sequence[tuple[Sample, str]] = (),
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> ReportModel:
    """Gather the report of a ``select`` (its ``pool`` and the ``selection.jsonl`` ``rows`` given), ``filter`` or
    ``dedup`` run (manifest and the ``(sample, reason)`` pairs of ``rejected.jsonl`` only)."""
    command = str(manifest.get("command", "select"))
    counts = manifest.get("counts", {})
    model = ReportModel(
        command=command,
        summary=_summary(command, counts),
        funnel=_funnel(command, manifest, rejected),
        reasons=_reasons(rejected, details or {}),
        duplicates={k: v for k, v in (manifest.get("dedup") or {}).items() if v.get("dropped")},
        mix=_mix(command, manifest),
        versus_random=manifest.get("versus_random"),
        strategy=str((manifest.get("strategy") or {}).get("name", "")),
        seconds={k: float(v) for k, v in (manifest.get("seconds") or {}).items()},
    )
    if pool is not None:
        add_pool(model, pool, rows)
    return model


def _summary(command: str, counts: Mapping[str, Any]) -> str:
    if command == "select":
        return (
            f"Selected {counts.get('selected', 0):,} of {counts.get('read', 0):,} samples read "
            f"({counts.get('after_filters', 0):,} after filters, {counts.get('candidates', 0):,} candidates)."
        )
    kept, total, dropped = counts.get("kept", 0), counts.get("input", 0), counts.get("rejected", 0)
    return f"Kept {kept:,} of {total:,} samples; dropped {dropped:,}."


def _funnel(command: str, manifest: Mapping[str, Any], rejected: Sequence[tuple[Sample, str]]) -> list[tuple[str, int]]:
    counts = manifest.get("counts", {})
    start = "read" if command == "select" else "input"
    left = int(counts.get(start, 0))
    stages = [(start, left)]
    dropped = Counter(reason for _, reason in rejected)
    for reason, n in sorted(dropped.items(), key=lambda kv: reason_order(kv[0])):  # the order the rules run in
        left -= n
        stages.append((f"after {reason}", left))
    if command != "select":
        return [*stages, ("kept", int(counts.get("kept", left)))]
    for key in ("pool", "candidates", "selected"):
        if key in counts:
            stages.append((key, int(counts[key])))
    return stages


def _reasons(rejected: Sequence[tuple[Sample, str]], details: Mapping[str, Mapping[str, Any]]) -> list[ReasonGroup]:
    groups: dict[str, ReasonGroup] = {}
    for sample, reason in sorted(rejected, key=lambda pair: reason_order(pair[1])):  # stable: reading order within
        group = groups.setdefault(reason, ReasonGroup(reason, 0, explain(reason), []))
        group.dropped += 1
        if len(group.examples) < EXAMPLES_PER_REASON:
            extra = details.get(sample.id) or {}
            note = ", ".join(f"{k} {v}" for k, v in extra.items())
            group.examples.append(Example(sample.id, sample.source, cap(sample.prompt), cap(sample.response), note))
    return list(groups.values())


def _mix(command: str, manifest: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    if command == "select":
        out = {}
        for kind, section in (("source", manifest.get("sources")), ("task", manifest.get("tasks"))):
            if section and section.get("pool"):
                names = sorted(set().union(*(section.get(k, {}) for k in ("read", "pool", "selected"))))
                cols = [k for k in ("read", "pool", "quota", "selected") if k in section]
                out[kind] = [{"name": s, **{c: section[c].get(s, 0) for c in cols}} for s in names]
        return out
    by_source = (manifest.get("filters") or {}).get("by_source") or {}
    return {"source": [{"name": s, "input": v["input"], "kept": v["kept"]} for s, v in sorted(by_source.items())]}
