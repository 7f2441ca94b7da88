"""What ``selector plan`` computes, as one library call: :func:`plan` returns the plan and the text to print."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from selector.errors import ConfigError
from selector.pipeline.counts import parse_count
from selector.planning.optimal import compute_optimal_plan, render_optimal
from selector.planning.plan import corpus_tokens, plan_training, render_plan, tokens_for_hours


@dataclass(frozen=True)
class PlanReport:
    """The outcome of :func:`plan`: ``result`` is what the JSON file holds, ``text`` what the command prints."""

    result: dict[str, Any]
    text: str


def check_plan(params: str, source: str | None, tokens: str | None, gpu_hours: float | None) -> int:
    """``params`` as a count, once the arguments of :func:`plan` are known to make one plan (before any work)."""
    if not params:
        raise ConfigError("--params is required: the model's parameter count, e.g. --params 7B (or --table)")
    n_params = parse_count(params, "--params")
    if sum(x is not None for x in (source, tokens, gpu_hours)) > 1:
        raise ConfigError(
            "give exactly one of SOURCE (a selection or corpus), --tokens N or --gpu-hours H, or none of them for "
            "the compute-optimal plan of --params"
        )
    return n_params


def plan(
    params: str,
    *,
    source: str | None = None,
    tokens: str | None = None,
    gpu_hours: float | None = None,
    gpu: str = "h100",
    mfu: float = 0.4,
    epochs: float = 1.0,
    peak_tflops: float | None = None,
    tokenizer: str | None = None,
) -> PlanReport:
    """The training plan of ``params`` (``"7B"``) for one of: a ``source`` (a selection folder or any corpus,
    its tokens one epoch), ``tokens`` per epoch (``"2M"``), or ``gpu_hours`` (then the tokens those hours buy);
    none of them gives the compute-optimal plan of that size. The rules and their sources are in
    :mod:`selector.planning.scaling`."""
    n_params = check_plan(params, source, tokens, gpu_hours)
    given = [x for x in (source, tokens, gpu_hours) if x is not None]
    kwargs: dict[str, Any] = {"gpu": gpu, "mfu": mfu, "epochs": epochs, "peak_tflops": peak_tflops}
    if not given:
        optimal = compute_optimal_plan(n_params, gpu=gpu, mfu=mfu, peak_tflops=peak_tflops)
        return PlanReport({"compute_optimal": True, "plan": optimal.to_dict()}, render_optimal(optimal))
    if gpu_hours is not None:
        budget = tokens_for_hours(gpu_hours, n_params, **kwargs)
        trained = plan_training(budget, n_params, **kwargs)
        result = {"gpu_hours": gpu_hours, "params": n_params, "tokens_per_epoch": budget, **kwargs}
        result["plan"] = trained.to_dict()
        lines = [
            f"{gpu_hours:g} GPU-hours on {gpu} at MFU {mfu:g} train a {params} model on {budget:,} tokens per epoch "
            f"over {epochs:g} epoch(s) (6·N·D)",
            f"select with: selector select DATA --tokens {budget} --out picked/",
            "",
            render_plan(trained, f"{gpu_hours:g} GPU-hours"),
        ]
        return PlanReport(result, "\n".join(lines))
    if tokens is not None:
        n_tokens, what = parse_count(tokens, "--tokens"), "--tokens"
    else:
        n_tokens, samples, files = corpus_tokens(str(source), tokenizer)
        counter = f"--tokenizer {tokenizer}" if tokenizer else "the default encoder's tokenizer"
        what = f"{samples:,} samples in {files}, counted with {counter}"
    trained = plan_training(n_tokens, n_params, **kwargs)
    return PlanReport({"source": source, "counted": what, "plan": trained.to_dict()}, render_plan(trained, what))
