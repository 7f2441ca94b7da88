"""What ``selector stats`` reports on a corpus before selecting anything, as library calls.

:func:`stats` reads the inputs and returns the summary (the ``--json`` object); :func:`render_stats` turns it into
the command's compact tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from selector.embedding.models import load_local_tokenizer
from selector.embedding.tokens import PROMPT_ROLES, RESPONSE_ROLES, count_tokens
from selector.io import read_corpus
from selector.io.corpus import quantiles
from selector.sample import Sample

MAX_SKIPPED_SHOWN = 20


def stats(
    inputs: Sequence[str | Path],
    *,
    source_field: str | None = None,
    task_field: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    tokens: bool = True,
    tokenizer: str | Path | None = None,
) -> dict[str, Any]:
    """Per file: container, format and record count; per source (and task): sample count; prompt and response
    lengths in characters and, with ``tokens``, in tokens of ``tokenizer`` (min, quantiles, max, mean); empty
    prompts and responses; what ``skip_invalid`` left out (:meth:`selector.io.Corpus.stats`)."""
    corpus = read_corpus(
        inputs, source_field=source_field, task_field=task_field, mapping=mapping, skip_invalid=skip_invalid
    )
    summary = corpus.stats()
    if tokens and corpus.samples:
        summary.update(token_quantiles(corpus.samples, tokenizer))
    return summary


def token_quantiles(samples: Sequence[Sample], tokenizer: str | Path | None = None) -> dict[str, Any]:
    """``prompt_tokens`` and ``response_tokens``: the quantiles of :meth:`Corpus.stats`, in tokens of
    ``tokenizer`` (a local folder; ``None``: the default encoder's) as :mod:`selector.embedding.tokens` counts
    them, so the two add up to what a ``--tokens`` budget spends on a sample."""
    tok = load_local_tokenizer(tokenizer, key="--tokenizer")
    return {
        f"{name}_tokens": quantiles(count_tokens(samples, tok, roles))
        for name, roles in (("prompt", PROMPT_ROLES), ("response", RESPONSE_ROLES))
    }


def _table(header: list[str], rows: list[list[Any]], right: set[int]) -> list[str]:
    cells = [header] + [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in cells
    ]


def render_stats(summary: dict[str, Any]) -> str:
    """The human-readable report of :meth:`Corpus.stats` (compact tables)."""
    lines: list[str] = []
    files = summary["files"]
    rows = [[f["path"], f["container"], f["format"], f["records"], f["samples"], f["skipped"]] for f in files]
    lines += _table(["file", "container", "format", "records", "samples", "skipped"], rows, {3, 4, 5})
    skipped_files = [s for s in summary["skipped_items"] if s["row"] is None]
    skipped_records = summary["skipped"] - len(skipped_files)
    lines.append(
        f"total: {summary['records']:,} samples from {len(files)} file(s)"
        + (f"; {len(skipped_files)} file(s) not read" if skipped_files else "")
        + (f"; {skipped_records:,} record(s) skipped" if skipped_records else "")
    )
    lines.append("")
    lines += _table(["source", "samples"], [[k, v] for k, v in summary["sources"].items()], {1})
    if summary["tasks"]:
        lines.append("")
        lines += _table(["task", "samples"], [[k, v] for k, v in summary["tasks"].items()], {1})
    if summary["records"]:
        lines.append("")
        keys = list(summary["prompt_chars"])
        header = ["min" if k == "p0" else "max" if k == "p100" else k for k in keys]
        for unit in ("chars", "tokens"):
            if f"prompt_{unit}" not in summary:
                continue
            rows = [[name] + [summary[f"{name}_{unit}"][k] for k in keys] for name in ("prompt", "response")]
            lines += _table([unit, *header], rows, set(range(1, len(keys) + 1)))
    lines.append(f"empty prompts: {summary['empty_prompts']:,}   empty responses: {summary['empty_responses']:,}")
    items = summary["skipped_items"]
    if items:
        lines.append("")
        lines.append("skipped (invalid records with --skip-invalid; files that hold no records):")
        known = ""
        for s in skipped_files:
            reason, sep, rest = s["reason"].partition("; formats known: ")
            if sep:
                known, _, tail = rest.partition("; ")
                reason = f"{reason}; {tail}"
            lines.append(f"  {s['file']}: {reason}")
        if known:
            lines.append(f"  (formats known: {known})")
        records = [s for s in items if s["row"] is not None]
        for s in records[:MAX_SKIPPED_SHOWN]:
            where = f"{s['file']}:{s['line']}" if s["line"] is not None else f"{s['file']} (record {s['row']})"
            lines.append(f"  {where}: {s['reason']}")
        if len(records) > MAX_SKIPPED_SHOWN:
            lines.append(f"  ... and {len(records) - MAX_SKIPPED_SHOWN:,} more skipped records (see --json)")
    return "\n".join(lines)
