"""``selector filter``: LIMA-style cleaning and filters, with every dropped record written out with its reason.

Writes into ``--out DIR``:

* ``kept.<ext>``: the records that passed, as cleaned, in the input's own container and shape;
* ``rejected.jsonl``: one line per dropped sample, ``{"reason": CODE, "record": ORIGINAL_RECORD}`` (plus
  ``"instance": i`` for formats holding several instances per record), the record as read, before cleaning;
* ``manifest.json``: the resolved config, the input files, and the counts (per rule, per source, cleaned), with
  ``input == kept + sum(rejected)``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from selector import __version__
from selector.cli.common import (
    Inputs,
    Maps,
    SkipInvalid,
    SourceField,
    Verbose,
    handles_errors,
    parse_mapping,
    setup_logging,
)
from selector.errors import SelectorError
from selector.filters import apply_filters, clean_samples
from selector.io import atomic_path, read_corpus, write_jsonl, write_records
from selector.manifest import finite_json
from selector.settings import load_run_config, run_config_to_dict

OUTPUT_NAMES = ("kept", "rejected.jsonl", "manifest.json")


@handles_errors
def filter_command(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; must not hold an input).")],
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="YAML run config (e.g. configs/lima.yaml); default: gentle defaults."),
    ] = None,
    source_field: SourceField = None,
    maps: Maps = None,
    skip_invalid: SkipInvalid = False,
    verbose: Verbose = False,
) -> None:
    """Clean and filter records by LIMA-style rules; write kept.<ext>, rejected.jsonl and manifest.json."""
    setup_logging(verbose)
    run_config = load_run_config(config)
    corpus = read_corpus(inputs, source_field=source_field, mapping=parse_mapping(maps), skip_invalid=skip_invalid)
    input_paths = [p for p, lay in corpus.layouts.items() if lay.container != "hub"] or [f.path for f in corpus.files]
    refuse_overwriting_inputs(out, input_paths)

    originals = {s.id: s for s in corpus.samples}
    cleaned, clean_stats = clean_samples(corpus.samples, run_config.cleaning)
    result = apply_filters(cleaned, run_config.filters)

    kept_paths = write_records(corpus, result.kept, out, "kept")
    rows = []
    for sample, reason in result.rejected:
        original = originals[sample.id]
        row: dict[str, Any] = {"reason": reason, "record": original.record}
        if original.instance is not None:
            row["instance"] = original.instance
        rows.append(row)
    rejected_path = write_jsonl(out / "rejected.jsonl", rows)

    stats = result.stats
    manifest = {
        "command": "filter",
        "selector_version": __version__,
        "inputs": [str(p) for p in inputs],
        "files": [
            {"path": f.path, "sha256": f.sha256, "format": f.format, "records": f.records, "samples": f.samples}
            for f in corpus.files
        ],
        "config_file": str(config) if config is not None else None,
        "config": run_config_to_dict(run_config),
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
        "outputs": {"kept": [str(p) for p in kept_paths], "rejected": str(rejected_path)},
    }
    with atomic_path(out / "manifest.json") as tmp:
        tmp.write_text(json.dumps(finite_json(manifest), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(render_summary(manifest))


def refuse_overwriting_inputs(out: Path, inputs: list[str]) -> None:
    """Raise :class:`SelectorError` when an output under ``out`` would replace (or sit over) an input."""
    real_out = os.path.realpath(out)
    if os.path.isfile(real_out):
        raise SelectorError(f"--out {out} is a file; give a folder for kept/rejected/manifest")
    for path in inputs:
        real = os.path.realpath(path)
        for name in OUTPUT_NAMES:
            target = os.path.join(real_out, name)
            if real == target or real.startswith(target + ".") or real.startswith(target + os.sep):
                raise SelectorError(
                    f"refusing to overwrite the input {path} with output {target}; choose another --out"
                )


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [header] + [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]


def render_summary(manifest: dict[str, Any]) -> str:
    """Readable summary: drops per rule, then kept and drops per source."""
    counts = manifest["counts"]
    n = counts["input"]
    pct = (lambda k: f"{100 * k / n:.1f}%") if n else (lambda k: "-")
    lines = _table(
        ["rule", "dropped", "share"],
        [[r, k, pct(k)] for r, k in counts["by_reason"].items()] + [["kept", counts["kept"], pct(counts["kept"])]],
    )
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
    outputs = manifest["outputs"]
    lines.append(f"wrote {', '.join(outputs['kept'])}, {outputs['rejected']} and the manifest")
    return "\n".join(lines)
