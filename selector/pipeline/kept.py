"""The closing manifest section of a command that keeps part of its input (``filter``, ``dedup``).

Both commands run their stages with the sections on, as ``select`` does, so ``manifest.json`` has the same keys
for the same facts in every command (``filters`` with the rules and the counts per source, ``cleaning``,
``sources``, ``options``, ``seconds``); :func:`kept_section` adds what only a keeping command has: how many
samples went in and came out, and which config file was named.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from selector.config import RunConfig
from selector.pipeline.context import RunContext


def kept_section(ctx: RunContext, config: RunConfig | str | Path | None) -> dict[str, Any]:
    """``counts`` (``input == kept + rejected``, ``by_reason`` in the order the rules ran, samples the cleaning
    changed, records skipped as invalid) and ``config_file`` (the YAML path or preset given, else ``None``)."""
    assert ctx.corpus is not None and ctx.pool is not None  # the read stage fills them
    rejected = ctx.rejected
    by_reason = dict(Counter(reason for _, reason in rejected))
    if ctx.filtered is not None:  # every rule of the filter stage, those that dropped nothing too
        by_reason = {**ctx.filtered.stats["by_reason"], **by_reason}
    counts = {
        "input": len(ctx.corpus.samples),
        "kept": len(ctx.pool),
        "rejected": len(rejected),
        "by_reason": by_reason,
        "records_cleaned": ctx.clean_stats.get("records_cleaned", 0),
        "skipped_invalid": len(ctx.corpus.skipped),
    }
    return {"counts": counts, "config_file": str(config) if isinstance(config, (str, Path)) else None}
