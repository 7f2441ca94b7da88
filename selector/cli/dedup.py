"""``selector dedup``: drop near and semantic duplicates alone, writing kept and rejected like ``selector filter``.

Writes into ``--out DIR``: ``kept.<ext>`` (the records left, as read), ``rejected.jsonl`` (``{"reason",
"id", "duplicate_of", "similarity", "record"}`` per dropped sample) and ``manifest.json``. The library side is
:func:`selector.pipeline.dedup.dedup`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from selector.cli.common import (
    ConfigOption,
    Decontaminate,
    Device,
    Embeddings,
    Export,
    Inputs,
    Maps,
    Model,
    Overwrite,
    Quiet,
    SkipInvalid,
    SourceField,
    Verbose,
    config_default,
    out_option,
    parse_mapping,
    with_encoder,
)
from selector.cli.console import handles_errors, setup_logging


@handles_errors
def dedup(
    inputs: Inputs = None,
    *,
    out: Annotated[Path, out_option("Output folder (new, or an earlier dedup run).")],
    config: ConfigOption = None,
    near: Annotated[
        bool | None, typer.Option("--near/--no-near", help="MinHash + LSH near copies (default: on).")
    ] = None,
    semantic: Annotated[
        bool | None,
        typer.Option("--semantic/--no-semantic", help="SemDeDup on embeddings within K-Means clusters (default: on)."),
    ] = None,
    jaccard: Annotated[
        float | None,
        typer.Option(
            "--jaccard",
            metavar="J",
            help=f"Near-duplicate Jaccard threshold (default {config_default('dedup.jaccard')}).",
        ),
    ] = None,
    eps: Annotated[
        float | None,
        typer.Option(
            "--eps",
            metavar="EPS",
            help=f"Semantic duplicates: cosine above 1 - eps (default {config_default('dedup.semantic_eps')}).",
        ),
    ] = None,
    embeddings: Embeddings = None,
    model: Model = None,
    device: Device = None,
    decontaminate: Decontaminate = None,
    source_field: SourceField = None,
    maps: Maps = None,
    skip_invalid: SkipInvalid = False,
    overwrite: Overwrite = False,
    export: Export = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Drop near duplicates and semantic duplicates; write kept.<ext>, rejected.jsonl (with duplicate_of) and
    manifest.json."""
    from selector.pipeline.dedup import dedup as run_dedup

    setup_logging(verbose, quiet)
    result = run_dedup(
        inputs,
        out=out,
        config=with_encoder(config, {"model": model, "device": device}),
        near=near,
        semantic=semantic,
        jaccard=jaccard,
        eps=eps,
        embeddings=embeddings,
        decontaminate=decontaminate,
        source_field=source_field,
        mapping=parse_mapping(maps),
        skip_invalid=skip_invalid,
        overwrite=overwrite,
        progress=not quiet,
        export=export,
    )
    counts = result.manifest["counts"]
    typer.echo(f"kept {counts['kept']:,} of {counts['input']:,} samples")
    for reason, info in result.manifest["dedup"].items():
        typer.echo(f"{reason}: {info['dropped']:,} dropped")
        for ex in info["examples"]:
            typer.echo(f"  {ex['id']} duplicates {ex['duplicate_of']} (similarity {ex['similarity']})")
    if counts.get("contaminated"):
        typer.echo(f"contaminated: {counts['contaminated']:,} dropped")
    typer.echo(f"wrote {out}/ ({', '.join([*result.manifest['outputs'], 'manifest.json'])})")
