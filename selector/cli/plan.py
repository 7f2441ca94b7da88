"""``selector plan``: what training on a selection costs, and the token budget a compute budget buys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from selector.cli.common import Overwrite, Tokenizer, Verbose, out_option
from selector.cli.console import handles_errors, setup_logging
from selector.io.guard import holds_output_lock


@handles_errors
@holds_output_lock("plan")  # the lock on --out is held from before reading SOURCE
def plan(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="SOURCE",
            help="A selection folder (`selector select --out`), or any corpus: its tokens are one epoch.",
        ),
    ] = None,
    params: Annotated[str, typer.Option("--params", metavar="N", help="Model parameters: 7B, 1.5B, 350M.")] = "",
    gpu: Annotated[
        str, typer.Option("--gpu", metavar="GPU", help="Accelerator: h100, h100-pcie, h200, a100, l40s, ...")
    ] = "h100",
    mfu: Annotated[
        float, typer.Option("--mfu", metavar="SHARE", help="Model FLOPs utilisation, the share of peak achieved.")
    ] = 0.4,
    epochs: Annotated[
        float, typer.Option("--epochs", metavar="N", help="Epochs the totals (or --gpu-hours) are for.")
    ] = 1.0,
    tokens: Annotated[
        str | None,
        typer.Option("--tokens", metavar="TOKENS", help="Plan for this many tokens per epoch instead of a SOURCE."),
    ] = None,
    gpu_hours: Annotated[
        float | None,
        typer.Option(
            "--gpu-hours",
            metavar="HOURS",
            help="Reverse: the tokens per epoch these GPU-hours buy (for select --tokens).",
        ),
    ] = None,
    peak_tflops: Annotated[
        float | None,
        typer.Option("--peak-tflops", metavar="TFLOPS", help="Dense bf16 peak of an accelerator not in the table."),
    ] = None,
    tokenizer: Tokenizer = None,
    table: Annotated[
        bool, typer.Option("--table", help="Print Chinchilla's compute-optimal table (400M to 10T) from the rule.")
    ] = False,
    out: Annotated[Path | None, out_option("Also write the plan to this JSON file.", "FILE.json")] = None,
    overwrite: Overwrite = False,
    verbose: Verbose = False,
) -> None:
    """Print the training plan of a selection for a model size: tokens, FLOPs, GPU-hours, Chinchilla, epochs.

    With --gpu-hours H (and no SOURCE), print the token budget those hours buy, to pass to `select --tokens`.
    With --params alone, print the compute-optimal tokens for that size and their FLOPs and GPU-hours; with
    --table, Chinchilla's whole table (parameters, FLOPs, FLOPs in Gopher units, tokens).
    """
    from selector.io import output_guard
    from selector.io.guard import MARKER_KEY
    from selector.pipeline.outputs import write_manifest
    from selector.planning import check_plan
    from selector.planning import plan as make_plan
    from selector.planning.optimal import render_chinchilla_table

    setup_logging(verbose)
    if table:
        typer.echo(render_chinchilla_table())
        return
    check_plan(params, source, tokens, gpu_hours)  # a wrong call is an error before the output is claimed
    guard = output_guard(out, "plan", [source] if source else [], overwrite=overwrite, kind="json") if out else None
    report = make_plan(
        params,
        source=source,
        tokens=tokens,
        gpu_hours=gpu_hours,
        gpu=gpu,
        mfu=mfu,
        epochs=epochs,
        peak_tflops=peak_tflops,
        tokenizer=tokenizer,
    )
    typer.echo(report.text)
    if guard is not None:
        with guard.locked():
            write_manifest(guard.path, {MARKER_KEY: _version(), "command": "plan", **report.result})
        typer.echo(f"wrote {out}")


def _version() -> str:
    from selector import __version__

    return __version__
