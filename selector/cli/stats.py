"""``selector stats``: what is in a corpus, per file and per source, before selecting anything."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from selector.cli.common import (
    Inputs,
    Maps,
    Quiet,
    SkipInvalid,
    SourceField,
    TaskField,
    Tokenizer,
    Verbose,
    parse_mapping,
)
from selector.cli.console import handles_errors, setup_logging
from selector.embedding.models import load_local_tokenizer
from selector.io import read_corpus
from selector.io.corpus import quantiles
from selector.sample import Sample

MAX_SKIPPED_SHOWN = 20


@handles_errors
def stats(
    inputs: Inputs = None,
    *,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (top-level 'records' = samples read).")
    ] = False,
    source_field: SourceField = None,
    task_field: TaskField = None,
    maps: Maps = None,
    skip_invalid: SkipInvalid = False,
    tokens: Annotated[
        bool, typer.Option("--tokens/--no-tokens", help="Also count tokens (of --tokenizer) for the percentiles.")
    ] = True,
    tokenizer: Tokenizer = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Per file: container, format and record count; per source: sample count; prompt and response lengths
    (characters and tokens: min, quantiles, max, mean); empty prompts and responses; what --skip-invalid left
    out."""
    setup_logging(verbose, quiet)
    corpus = read_corpus(
        inputs,
        source_field=source_field,
        task_field=task_field,
        mapping=parse_mapping(maps),
        skip_invalid=skip_invalid,
    )
    summary = corpus.stats()
    if tokens and corpus.samples:
        summary.update(token_quantiles(corpus.samples, tokenizer))
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        typer.echo(render(summary))


def token_quantiles(samples: Sequence[Sample], tokenizer: str | Path | None = None) -> dict[str, Any]:
    """``prompt_tokens`` and ``response_tokens``: the quantiles of :meth:`Corpus.stats`, counted in tokens (no
    special tokens) of ``tokenizer`` (a local folder; ``None``: the default encoder's, as the token rules use)."""
    tok = load_local_tokenizer(tokenizer, key="--tokenizer")
    out: dict[str, Any] = {}
    for name in ("prompt", "response"):
        texts = [getattr(s, name) for s in samples]
        ids = tok(texts, add_special_tokens=False, verbose=False)["input_ids"]
        out[f"{name}_tokens"] = quantiles(np.asarray([len(i) for i in ids]))
    return out


def _table(header: list[str], rows: list[list[Any]], right: set[int]) -> list[str]:
    cells = [header] + [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in cells
    ]


def render(summary: dict[str, Any]) -> str:
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
