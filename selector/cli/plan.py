"""``selector plan``: what training on a selection costs, and the token budget a compute budget buys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from selector.cli.common import Overwrite, Tokenizer, Verbose, out_option
from selector.cli.console import handles_errors, setup_logging
from selector.errors import ConfigError
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
    from selector.pipeline.tokens import parse_count
    from selector.planning import corpus_tokens, plan_training, tokens_for_hours
    from selector.planning.optimal import compute_optimal_plan, render_chinchilla_table, render_optimal
    from selector.planning.plan import render_plan

    setup_logging(verbose)
    if table:
        typer.echo(render_chinchilla_table())
        return
    if not params:
        raise ConfigError("--params is required: the model's parameter count, e.g. --params 7B (or --table)")
    n_params = parse_count(params, "--params")
    given = [x for x in (source, tokens, gpu_hours) if x is not None]
    if len(given) > 1:
        raise ConfigError(
            "give exactly one of SOURCE (a selection or corpus), --tokens N or --gpu-hours H, or none of them for "
            "the compute-optimal plan of --params"
        )
    guard = output_guard(out, "plan", [source] if source else [], overwrite=overwrite, kind="json") if out else None
    kwargs = {"gpu": gpu, "mfu": mfu, "epochs": epochs, "peak_tflops": peak_tflops}
    if not given:
        plan_obj = compute_optimal_plan(n_params, gpu=gpu, mfu=mfu, peak_tflops=peak_tflops)
        result = {"compute_optimal": True, "plan": plan_obj.to_dict()}
        typer.echo(render_optimal(plan_obj))
    elif gpu_hours is not None:
        budget = tokens_for_hours(gpu_hours, n_params, **kwargs)  # type: ignore[arg-type]
        result: dict = {"gpu_hours": gpu_hours, "params": n_params, "tokens_per_epoch": budget, **kwargs}
        typer.echo(
            f"{gpu_hours:g} GPU-hours on {gpu} at MFU {mfu:g} train a {params} model on {budget:,} tokens per epoch "
            f"over {epochs:g} epoch(s) (6·N·D)"
        )
        typer.echo(f"select with: selector select DATA --tokens {budget} --out picked/")
        plan_obj = plan_training(budget, n_params, **kwargs)  # type: ignore[arg-type]
        result["plan"] = plan_obj.to_dict()
        typer.echo("")
        typer.echo(render_plan(plan_obj, f"{gpu_hours:g} GPU-hours"))
    else:
        if tokens is not None:
            n_tokens, what = parse_count(tokens, "--tokens"), "--tokens"
        else:
            n_tokens, samples, files = corpus_tokens(str(source), tokenizer)
            counter = f"--tokenizer {tokenizer}" if tokenizer else "the default encoder's tokenizer"
            what = f"{samples:,} samples in {files}, counted with {counter}"
        plan_obj = plan_training(n_tokens, n_params, **kwargs)  # type: ignore[arg-type]
        result = {"source": source, "counted": what, "plan": plan_obj.to_dict()}
        typer.echo(render_plan(plan_obj, what))
    if guard is not None:
        with guard.locked():
            write_manifest(guard.path, {MARKER_KEY: _version(), "command": "plan", **result})
        typer.echo(f"wrote {out}")


def _version() -> str:
    from selector import __version__

    return __version__
