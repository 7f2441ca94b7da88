"""``selector filter``: LIMA-style cleaning and filters, with every dropped record written out with its reason.

Writes into ``--out DIR``:

* ``kept.<ext>``: the records that passed, as cleaned, in the input's own container and shape;
* ``rejected.jsonl``: one line per dropped sample, ``{"reason": CODE, "id": ID, "record": ORIGINAL_RECORD}``
  (plus ``"instance": i`` for formats holding several instances per record), the record as read, before
  cleaning: the same shape ``selector select`` writes;
* ``manifest.json``: the resolved config, the input files, and the counts (per rule, per source, cleaned), with
  ``input == kept + sum(rejected)``.

The folder is written whole or not at all, under the same guard as every command (``selector.io.guard``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from selector.cli.common import (
    ConfigOption,
    Decontaminate,
    Export,
    Inputs,
    Maps,
    Overwrite,
    SkipInvalid,
    SourceField,
    Verbose,
    handles_errors,
    parse_mapping,
    setup_logging,
)
from selector.config import load_run_config
from selector.filters import apply_filters, clean_samples
from selector.formats.export import check_exportable, check_shape
from selector.io import ReadOptions, output_guard, write_records
from selector.io.guard import holds_output_lock
from selector.pipeline.manifest import run_header
from selector.pipeline.outputs import staged_output, write_export, write_manifest, write_rejected


@handles_errors
@holds_output_lock("filter")  # held from before reading (issue 22 item 7)
def filter_command(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (new, or an earlier filter run).")],
    config: ConfigOption = None,
    source_field: SourceField = None,
    maps: Maps = None,
    decontaminate: Decontaminate = None,
    skip_invalid: SkipInvalid = False,
    overwrite: Overwrite = False,
    export: Export = None,
    verbose: Verbose = False,
) -> None:
    """Clean and filter records by LIMA-style rules; write kept.<ext>, rejected.jsonl and manifest.json (with
    --export, also train.jsonl in that trainer shape and dataset_info.json)."""
    setup_logging(verbose)
    overrides = {"filters": {"decontaminate": [str(p) for p in decontaminate]}} if decontaminate else None
    run_config = load_run_config(config, overrides)
    if export is not None:
        check_shape(export)
    protected = [*inputs, *(run_config.filters.decontaminate or [])]
    guard = output_guard(out, "filter", protected, overwrite=overwrite)
    corpus = ReadOptions(source_field, None, parse_mapping(maps), skip_invalid).read(inputs)
    originals = {s.id: s for s in corpus.samples}
    cleaned, clean_stats = clean_samples(corpus.samples, run_config.cleaning)
    result = apply_filters(cleaned, run_config.filters, dedup=run_config.dedup, seed=run_config.seed)
    if export is not None:
        check_exportable(result.kept, export)

    stats = result.stats
    manifest = run_header("filter", run_config, corpus)
    manifest.update(
        {
            "config_file": str(config) if config is not None else None,
            "counts": {
                "input": stats["input"],
                "kept": stats["kept"],
                "rejected": stats["rejected"],
                "by_reason": stats["by_reason"],
                "records_cleaned": clean_stats["records_cleaned"],
                "skipped_invalid": len(corpus.skipped),
            },
            "by_source": stats["by_source"],
            "cleaning": clean_stats,
            "rules": stats["rules"],
        }
    )
    with staged_output(guard, protected, overwrite) as tmp:
        kept = [p.relative_to(tmp).as_posix() for p in write_records(corpus, result.kept, tmp, "kept")]
        if export is not None:
            manifest["export"] = export
            kept += write_export(tmp, result.kept, export, out.name)
        rejected = ((originals[s.id], reason) for s, reason in result.rejected)
        write_rejected(tmp / "rejected.jsonl", rejected, result.details)
        manifest["outputs"] = sorted([*kept, "rejected.jsonl"])
        write_manifest(tmp / "manifest.json", manifest)
    typer.echo(render_summary(manifest, out))


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [header] + [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]


def render_summary(manifest: dict[str, Any], out: Path) -> str:
    """Readable summary: drops per rule, then kept and drops per source."""
    counts = manifest["counts"]
    n = counts["input"]
    pct = (lambda k: f"{100 * k / n:.1f}%") if n else (lambda k: "-")
    lines = _table(
        ["rule", "dropped", "share"],
        [[r, k, pct(k)] for r, k in counts["by_reason"].items()] + [["kept", counts["kept"], pct(counts["kept"])]],
    )
    notes = [
        (f"{rule['name']}: {label}", k)
        for rule in manifest.get("rules", [])
        for label, k in rule.get("notes", {}).items()
    ]
    if notes:
        lines.append("")
        lines += _table(["note", "samples"], [list(n) for n in notes])
    reasons = [r for r, k in counts["by_reason"].items() if k]
    lines.append("")
    lines += _table(
        ["source", "input", "kept", *reasons],
        [[s, v["input"], v["kept"], *(v["by_reason"][r] for r in reasons)] for s, v in manifest["by_source"].items()],
    )
    lines.append("")
    lines.append(
        f"kept {counts['kept']:,} of {n:,} samples; rejected {counts['rejected']:,};"
        f" cleaned {counts['records_cleaned']:,}"
        + (f"; skipped {counts['skipped_invalid']:,} invalid" if counts["skipped_invalid"] else "")
    )
    lines.append(f"wrote {out}/ ({', '.join([*manifest['outputs'], 'manifest.json'])})")
    return "\n".join(lines)
