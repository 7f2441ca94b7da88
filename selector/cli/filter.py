"""``selector filter``: LIMA-style cleaning and filters, with every dropped record written out with its reason.

Writes into ``--out DIR``:

* ``kept.<ext>``: the records that passed, as cleaned, in the input's own container and shape;
* ``rejected.jsonl``: one line per dropped sample, ``{"reason": CODE, "id": ID, "record": ORIGINAL_RECORD}``
  (plus ``"instance": i`` for formats holding several instances per record), the record as read, before
  cleaning: the same shape ``selector select`` writes;
* ``report.html``: the drops per rule with examples of each, and the source mix (:mod:`selector.report`);
* ``manifest.json``: the resolved config, the input files, and the counts (per rule, per source, cleaned), with
  ``input == kept + sum(rejected)``.

The folder is written whole or not at all, under the same guard as every command (``selector.io.guard``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from selector.cli.common import (
    ConfigOption,
    Decontaminate,
    Export,
    Inputs,
    Maps,
    Overwrite,
    Quiet,
    SkipInvalid,
    SourceField,
    Verbose,
    out_option,
    parse_mapping,
)
from selector.cli.console import echo, handles_errors, setup_logging


@handles_errors
def filter_command(
    inputs: Inputs = None,
    *,
    out: Annotated[Path, out_option("Output folder (new, or an earlier filter run).")],
    config: ConfigOption = None,
    source_field: SourceField = None,
    maps: Maps = None,
    decontaminate: Decontaminate = None,
    skip_invalid: SkipInvalid = False,
    overwrite: Overwrite = False,
    export: Export = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Clean and filter records by LIMA-style rules; write kept.<ext>, rejected.jsonl and manifest.json (with
    --export, also train.jsonl in that trainer shape and dataset_info.json)."""
    # torch and faiss load with the pipeline: imported when the command runs, so that `--help` stays fast
    from selector.pipeline.filter import filter_corpus

    setup_logging(verbose, quiet)
    run = filter_corpus(
        inputs, out=out, config=config, source_field=source_field, mapping=parse_mapping(maps),
        decontaminate=decontaminate, skip_invalid=skip_invalid, overwrite=overwrite, export=export,
        progress=not quiet,
    )  # fmt: skip
    manifest = run.manifest
    echo(render_summary(manifest, out))


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
        for rule in manifest["filters"]["rules"]
        for label, k in rule.get("notes", {}).items()
    ]
    if notes:
        lines.append("")
        lines += _table(["note", "samples"], [list(n) for n in notes])
    reasons = [r for r, k in counts["by_reason"].items() if k]
    by_source = manifest["filters"]["by_source"]
    lines.append("")
    lines += _table(
        ["source", "input", "kept", *reasons],
        [[s, v["input"], v["kept"], *(v["by_reason"][r] for r in reasons)] for s, v in by_source.items()],
    )
    lines.append("")
    lines.append(
        f"kept {counts['kept']:,} of {n:,} samples; rejected {counts['rejected']:,};"
        f" cleaned {counts['records_cleaned']:,}"
        + (f"; skipped {counts['skipped_invalid']:,} invalid" if counts["skipped_invalid"] else "")
    )
    lines.append(f"wrote {out}/ ({', '.join([*manifest['outputs'], 'manifest.json'])})")
    return "\n".join(lines)
