"""``selector select``: the whole pipeline, from corpora to the chosen records, manifest and report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from selector.cli.common import (
    Backend,
    CacheDir,
    ConfigOption,
    Decontaminate,
    Device,
    Dtype,
    Embeddings,
    Export,
    Inputs,
    Maps,
    Model,
    Overwrite,
    Quantize,
    Quiet,
    Ray,
    RayAddress,
    RayWorkers,
    Seed,
    SkipInvalid,
    SourceField,
    TaskField,
    Tokenizer,
    TrustRemoteCode,
    Verbose,
    out_option,
    parse_mapping,
    ray_overrides,
)
from selector.cli.console import handles_errors, setup_logging

SOURCES_SHOWN = 12
"""Sources listed in the summary line; all of them are in the manifest."""


@handles_errors
def select(
    inputs: Inputs = None,
    *,
    out: Annotated[Path, out_option("Output folder (new or empty).")],
    budget: Annotated[
        int | None, typer.Option("--budget", "-n", metavar="N", help="How many samples to select.")
    ] = None,
    fraction: Annotated[
        float | None,
        typer.Option(
            "--fraction", metavar="SHARE", help="Share of the filtered pool to select (0.005 = the paper's 0.5%)."
        ),
    ] = None,
    tokens: Annotated[
        str | None,
        typer.Option("--tokens", metavar="TOKENS", help="Token budget: training tokens to select (2M, 500k, 120000)."),
    ] = None,
    tokenizer: Tokenizer = None,
    export: Export = None,
    config: ConfigOption = None,
    seed: Seed = None,
    source_field: SourceField = None,
    task_field: TaskField = None,
    task: Annotated[
        str | None, typer.Option("--task", metavar="TASK", help="Select for this task only (needs --task-field).")
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option("--target", metavar="FILE", help="A file of a few examples of the downstream task to select for."),
    ] = None,
    model: Model = None,
    embeddings: Embeddings = None,
    device: Device = None,
    cache_dir: CacheDir = None,
    maps: Maps = None,
    decontaminate: Decontaminate = None,
    skip_invalid: SkipInvalid = False,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    trust_remote_code: TrustRemoteCode = False,
    backend: Backend = None,
    quantize: Quantize = None,
    dtype: Dtype = None,
    ray: Ray = False,
    ray_address: RayAddress = None,
    ray_workers: RayWorkers = None,
    verbose: Verbose = False,
) -> None:
    """Select the samples worth training on: filter, embed, cluster, pick a KCenterGreedy coreset, write.

    Writes OUT/selected.<ext> (the records in your format, best first), OUT/selection.jsonl (rank, id, source,
    task, cluster, distance at pick), OUT/rejected.jsonl, OUT/manifest.json and OUT/report.md with plots; with
    --export, OUT/train.jsonl and OUT/dataset_info.json. Give one budget: --budget, --fraction or --tokens.
    With --ray, Ray workers embed what the cache lacks (the picks are those of a run without --ray).
    """
    setup_logging(verbose, quiet)
    # torch and faiss load with the pipeline: imported when the command runs, so that `--help` stays fast
    from selector.io import ReadOptions
    from selector.pipeline.options import BudgetOptions, EncoderOptions, OutputOptions, SelectOptions
    from selector.pipeline.request import build_request
    from selector.pipeline.run import run_request

    options = SelectOptions(
        size=BudgetOptions(budget, fraction, tokens, tokenizer),
        output=OutputOptions(out, overwrite, progress=not quiet, export=export),
        read=ReadOptions(source_field, task_field, parse_mapping(maps), skip_invalid),
        encoder=EncoderOptions(
            model, device, cache_dir,
            trust_remote_code=True if trust_remote_code else None,  # unset: the config's encoder.trust_remote_code
            backend=backend, quantize=quantize, dtype=dtype, **ray_overrides(ray, ray_address, ray_workers),
        ),
        config=config, seed=seed, task=task, target=target, embeddings=embeddings, decontaminate=decontaminate,
    )  # fmt: skip
    request = build_request(inputs, options)
    result = run_request(request)
    typer.echo(summary(result.manifest, out))


def summary(m: dict[str, Any], out: Path) -> str:
    """The lines ``selector select`` prints after a run, from its manifest."""
    counts = m["counts"]
    cov = m["coverage"]
    lines = [
        f"selected {counts['selected']:,} of {counts['read']:,} samples "
        f"({counts['after_filters']:,} after filters, {counts['candidates']:,} candidates)",
        f"coverage radius {cov['selection']['radius']:.4f} (random: {cov['random']['radius']:.4f}); "
        f"mean distance {cov['selection']['mean_distance']:.4f} (random: {cov['random']['mean_distance']:.4f})",
    ]
    if "tokens" in m:
        lines.append(f"{m['tokens']['selected']:,} training tokens of a {m['tokens']['budget']:,} token budget")
    sel = m["sources"]["selected"]
    if sel:
        shown = ", ".join(f"{k} {v:,}" for k, v in list(sel.items())[:SOURCES_SHOWN])
        more = (
            f" and {len(sel) - SOURCES_SHOWN:,} more (manifest.json: sources.selected)"
            if len(sel) > SOURCES_SHOWN
            else ""
        )
        lines.append(f"per source: {shown}{more}")
    lines.append(f"wrote {out}/ ({', '.join(m['outputs'])}) in {m['seconds']['total']:.1f} s")
    return "\n".join(lines)
