"""``selector stats``: what is in a corpus, per file and per source, before selecting anything."""

from __future__ import annotations

import json
from typing import Annotated

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
from selector.pipeline.stats import render_stats
from selector.pipeline.stats import stats as corpus_stats


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
    summary = corpus_stats(
        inputs or [],
        source_field=source_field,
        task_field=task_field,
        mapping=parse_mapping(maps),
        skip_invalid=skip_invalid,
        tokens=tokens,
        tokenizer=tokenizer,
    )
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        typer.echo(render_stats(summary))
