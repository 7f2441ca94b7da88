"""Compute-optimal training for a model size: ``selector plan --params 7B`` alone, and ``selector plan --table``.

:func:`compute_optimal_plan` is the plan at Chinchilla's compute-optimal token count for ``params`` (tokens from
:func:`~selector.planning.scaling.chinchilla_tokens`, FLOPs ``6 * N * D``, GPU-hours at a peak and MFU);
:func:`chinchilla_rows` recomputes Hoffmann et al. 2022 (arXiv 2203.15556), Table 3 from that rule: parameters,
FLOPs, FLOPs in Gopher units (Gopher's training compute, :data:`GOPHER_FLOPS`) and tokens, from 400M to 10T.
"""

from __future__ import annotations

from typing import Any

from selector.planning.plan import TrainingPlan, _si, plan_training
from selector.planning.scaling import CHINCHILLA_SOURCE, CHINCHILLA_TABLE, FLOPS_PER_PARAM_TOKEN, chinchilla_tokens

__all__ = ["GOPHER_FLOPS", "chinchilla_rows", "compute_optimal_plan", "render_chinchilla_table", "render_optimal"]

GOPHER_FLOPS = 5.76e23
"""Gopher's training compute (280B parameters, 300B tokens), the unit of Table 3's third column."""


def compute_optimal_plan(
    params: int, *, gpu: str = "h100", mfu: float = 0.4, peak_tflops: float | None = None
) -> TrainingPlan:
    """The one-epoch plan for ``params`` parameters at their compute-optimal token count (Chinchilla)."""
    tokens = max(1, round(chinchilla_tokens(params)))  # a bad ``params`` fails in plan_training's checks
    return plan_training(tokens, params, gpu=gpu, mfu=mfu, epochs=1, peak_tflops=peak_tflops)


def chinchilla_rows() -> list[dict[str, Any]]:
    """Table 3's rows recomputed from the rule: ``params``, ``flops`` (6·N·D), ``gopher_units`` and ``tokens``."""
    rows = []
    for params, _ in CHINCHILLA_TABLE:
        tokens = chinchilla_tokens(params)
        flops = FLOPS_PER_PARAM_TOKEN * params * tokens
        rows.append({"params": params, "flops": flops, "gopher_units": flops / GOPHER_FLOPS, "tokens": tokens})
    return rows


def _gopher(units: float) -> str:
    return f"1/{1 / units:,.0f}" if units < 1 else f"{units:,.1f}"


def render_chinchilla_table() -> str:
    """The lines ``selector plan --table`` prints."""
    lines = [f"{'parameters':>10}  {'FLOPs':>9}  {'FLOPs (Gopher units)':>20}  {'tokens':>8}"]
    for r in chinchilla_rows():
        lines.append(
            f"{_si(r['params']):>10}  {r['flops']:>9.2e}  {_gopher(r['gopher_units']):>20}  {_tokens(r['tokens']):>8}"
        )
    lines += [
        "",
        f"tokens: compute-optimal, {CHINCHILLA_SOURCE} (approach 1), interpolated log-linearly between its rows; "
        f"FLOPs: 6·N·D; Gopher unit: {GOPHER_FLOPS:.3g} FLOPs",
    ]
    return "\n".join(lines)


def _tokens(x: float) -> str:
    return f"{x / 1e12:.1f}T" if x >= 1e12 else f"{x / 1e9:.1f}B"


def render_optimal(plan: TrainingPlan) -> str:
    """The lines ``selector plan --params N`` prints without a SOURCE, --tokens or --gpu-hours."""
    return "\n".join(
        [
            f"model                     {_si(plan.params)} parameters",
            f"compute-optimal tokens    {_tokens(plan.tokens_per_epoch)} ({plan.tokens_per_epoch:,}; "
            f"{plan.tokens_per_epoch / plan.params:.1f} per parameter)",
            f"FLOPs                     {plan.flops_per_epoch:.3g}  (6·N·D; {plan.flops_per_epoch / GOPHER_FLOPS:.3g} "
            "Gopher units)",
            f"GPU-hours                 {plan.gpu_hours_per_epoch:,.0f} on {plan.accelerator} "
            f"({plan.peak_tflops:g} TFLOP/s dense bf16 x MFU {plan.mfu:g})",
            "",
            f"source: {CHINCHILLA_SOURCE}, interpolated log-linearly between its rows (selector plan --table prints "
            "them); compute-optimal is for pre-training from scratch: fine-tuning needs far fewer tokens.",
        ]
    )
