"""A training plan for a selection: tokens, FLOPs, GPU-hours, and how they compare with the published rules.

:func:`plan_training` takes the tokens of one epoch (:func:`corpus_tokens` counts them for a selection folder or
any corpus), a model size and an accelerator, and returns a :class:`TrainingPlan`; :func:`tokens_for_hours` is
the reverse: the token budget (for ``selector select --tokens``) that a number of GPU-hours buys. The rules and
their sources are in :mod:`selector.planning.scaling`; every number in a plan says which rule made it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from selector.embedding.models import load_local_tokenizer
from selector.embedding.tokens import count_tokens
from selector.errors import ConfigError
from selector.io import ReadOptions
from selector.io.guard import MANIFEST, read_marker
from selector.planning.scaling import (
    ACCELERATORS,
    CHINCHILLA_SOURCE,
    EPOCHS_SOURCE,
    FLOPS_PER_PARAM_TOKEN,
    REPEAT_DECAY,
    WORTHWHILE_EPOCHS,
    Accelerator,
    chinchilla_tokens,
    effective_tokens,
)

__all__ = ["TrainingPlan", "accelerator", "corpus_tokens", "plan_training", "tokens_for_hours"]

EPOCH_ROWS = (1, 2, 4, 8, 16)


def accelerator(name: str, peak_tflops: float | None = None) -> Accelerator:
    """The accelerator ``name`` (see :data:`~selector.planning.scaling.ACCELERATORS`), or a custom peak."""
    if peak_tflops is not None:
        if not _finite_positive(peak_tflops):
            raise ConfigError(f"--peak-tflops must be a positive number of TFLOP/s, got {peak_tflops!r}")
        return Accelerator(name, float(peak_tflops), "given with --peak-tflops")
    key = name.strip().lower()
    if key not in ACCELERATORS:
        raise ConfigError(
            f"--gpu {name!r} is not a known accelerator; choose one of {', '.join(ACCELERATORS)}, or give its "
            "dense bf16 peak with --peak-tflops"
        )
    return ACCELERATORS[key]


def _finite_positive(x: float) -> bool:
    """``inf`` and ``nan`` are refused with the other bad values (they would print as plans of inf hours)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _check(params: int, mfu: float, epochs: float) -> None:
    if isinstance(params, bool) or params < 1:
        raise ConfigError(f"--params must be a positive number of parameters (7B, 1.5B, 350M), got {params!r}")
    if not 0 < mfu <= 1:
        raise ConfigError(f"--mfu must be in (0, 1] (0.3-0.5 is typical for dense training), got {mfu!r}")
    if not _finite_positive(epochs):
        raise ConfigError(f"--epochs must be a positive finite number, got {epochs!r}")


@dataclass
class TrainingPlan:
    """What training ``params`` parameters on ``tokens_per_epoch`` tokens costs, and what the rules advise.

    Attributes:
        tokens_per_epoch: training tokens in one pass over the selection (prompt + answer).
        params: model parameters.
        accelerator, peak_tflops, mfu: the device, its dense bf16 peak, and the share of it training achieves.
        epochs: the epochs the totals are for.
        flops_per_epoch: ``6 * params * tokens_per_epoch``.
        gpu_hours_per_epoch: ``flops_per_epoch / (peak * mfu) / 3600``.
        chinchilla_tokens: compute-optimal training tokens for ``params`` (Chinchilla's table).
        worthwhile_epochs: epochs over the same data that pay nearly like unique data (4).
        epoch_table: per number of epochs, tokens seen, unique-equivalent tokens and their share.
        sources: where each rule comes from.
    """

    tokens_per_epoch: int
    params: int
    accelerator: str
    peak_tflops: float
    mfu: float
    epochs: float
    flops_per_epoch: float
    gpu_hours_per_epoch: float
    chinchilla_tokens: float
    worthwhile_epochs: int
    epoch_table: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def total_gpu_hours(self) -> float:
        """GPU-hours of ``epochs`` epochs."""
        return self.gpu_hours_per_epoch * self.epochs

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--out FILE.json``."""
        return {**asdict(self), "total_gpu_hours": self.total_gpu_hours}


def plan_training(
    tokens_per_epoch: int,
    params: int,
    *,
    gpu: str = "h100",
    mfu: float = 0.4,
    epochs: float = 1,
    peak_tflops: float | None = None,
) -> TrainingPlan:
    """The plan for ``epochs`` passes over ``tokens_per_epoch`` tokens with a ``params``-parameter model."""
    _check(params, mfu, epochs)
    if isinstance(tokens_per_epoch, bool) or tokens_per_epoch < 1:
        raise ConfigError(f"the selection holds {tokens_per_epoch!r} training tokens; a plan needs at least 1")
    acc = accelerator(gpu, peak_tflops)
    flops = float(FLOPS_PER_PARAM_TOKEN) * params * tokens_per_epoch
    hours = flops / (acc.tflops * 1e12 * mfu) / 3600.0
    table = [
        {
            "epochs": e,
            "tokens_seen": tokens_per_epoch * e,
            "unique_equivalent": round(effective_tokens(tokens_per_epoch, e)),
            "worth": round(effective_tokens(tokens_per_epoch, e) / (tokens_per_epoch * e), 4),
        }
        for e in EPOCH_ROWS
    ]
    return TrainingPlan(
        tokens_per_epoch=int(tokens_per_epoch),
        params=int(params),
        accelerator=acc.name,
        peak_tflops=acc.tflops,
        mfu=float(mfu),
        epochs=float(epochs),
        flops_per_epoch=flops,
        gpu_hours_per_epoch=hours,
        chinchilla_tokens=chinchilla_tokens(params),
        worthwhile_epochs=WORTHWHILE_EPOCHS,
        epoch_table=table,
        sources={
            "flops": "6·N·D training FLOPs (Kaplan et al. 2020, arXiv 2001.08361; Hoffmann et al. 2022)",
            "peak": acc.source,
            "chinchilla": CHINCHILLA_SOURCE + ", about 20 tokens per parameter",
            "epochs": f"{EPOCHS_SOURCE}: up to ~{WORTHWHILE_EPOCHS} epochs nearly as good as unique data; returns "
            f"fade past that (decay constant R_D* = {REPEAT_DECAY} repetitions); measured in pre-training",
        },
    )


def tokens_for_hours(
    gpu_hours: float,
    params: int,
    *,
    gpu: str = "h100",
    mfu: float = 0.4,
    epochs: float = 1,
    peak_tflops: float | None = None,
) -> int:
    """Tokens per epoch that ``gpu_hours`` buy for ``epochs`` epochs: ``hours * 3600 * peak * mfu / (6 N epochs)``."""
    _check(params, mfu, epochs)
    if not _finite_positive(gpu_hours):
        raise ConfigError(f"--gpu-hours must be a positive finite number, got {gpu_hours!r}")
    acc = accelerator(gpu, peak_tflops)
    return int(gpu_hours * 3600.0 * acc.tflops * 1e12 * mfu / (FLOPS_PER_PARAM_TOKEN * params * epochs))


CHOSEN = ("selected", "kept")
"""The names of a selection folder's chosen records: ``selected.jsonl``, or a ``selected/`` folder of files."""


def corpus_tokens(source: str | Path, tokenizer: str | Path | None = None) -> tuple[int, int, str]:
    """Training tokens, samples and what was read, for a selection folder or any corpus.

    A folder written by ``selector select`` or ``filter`` is read through its chosen records: its ``train.jsonl``
    when it was exported, else its ``selected.*`` (``kept.*``) file, with the run's ``--map`` options. Anything
    else is read as a corpus. Tokens are counted as ``select --tokens`` counts them
    (:mod:`selector.embedding.tokens`).
    """
    tok = load_local_tokenizer(tokenizer, key="--tokenizer")
    path = Path(source)
    files: Sequence[str] = [str(source)]
    mapping = None
    marker = read_marker(path / MANIFEST) if path.is_dir() else None
    if marker is not None:
        outputs = [str(x) for x in marker.get("outputs", [])]
        records = [x for x in outputs if x.startswith(("selected.", "kept.")) or x.split("/")[0] in CHOSEN]
        chosen = [x for x in outputs if x == "train.jsonl"] or records
        if not chosen:
            raise ConfigError(f"{source} is a `selector {marker.get('command')}` folder without chosen records")
        # one selected.* file, or a selected/ folder holding one file per input
        files = [str(path / x) for x in chosen] if chosen[0] != "train.jsonl" else [str(path / chosen[0])]
        if chosen[0] != "train.jsonl":
            mapping = (marker.get("options") or {}).get("mapping")
    corpus = ReadOptions(None, None, mapping, False).read(list(files))
    counts = count_tokens(corpus.samples, tok)
    return int(counts.sum()), len(corpus.samples), ", ".join(files)


def _si(x: float) -> str:
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def render_plan(plan: TrainingPlan, what: str = "") -> str:
    """The plan as the lines ``selector plan`` prints, each rule with its source."""
    lines = [
        f"tokens per epoch      {plan.tokens_per_epoch:,}" + (f"  ({what})" if what else ""),
        f"model                 {_si(plan.params)} parameters",
        f"FLOPs per epoch       {plan.flops_per_epoch:.3g}  (6·N·D)",
        f"GPU-hours per epoch   {plan.gpu_hours_per_epoch:.3g} on {plan.accelerator} "
        f"({plan.peak_tflops:g} TFLOP/s dense bf16 x MFU {plan.mfu:g})",
    ]
    if plan.epochs != 1:
        lines.append(f"GPU-hours, {plan.epochs:g} epochs  {plan.total_gpu_hours:.3g}")
    ratio = plan.tokens_per_epoch / plan.chinchilla_tokens
    lines += [
        f"Chinchilla-optimal    {_si(plan.chinchilla_tokens)} tokens for {_si(plan.params)} parameters "
        f"(the selection is {ratio:.2g}x that; Chinchilla is about training from scratch, fine-tuning needs far "
        "fewer)",
        f"epochs worth it       up to ~{plan.worthwhile_epochs}: repeated tokens then pay nearly like new ones; "
        "past that returns fade",
        "",
        "epochs  tokens seen  unique-equivalent  worth",
    ]
    for row in plan.epoch_table:
        lines.append(
            f"{row['epochs']:>6}  {_si(row['tokens_seen']):>11}  {_si(row['unique_equivalent']):>17}  "
            f"{100 * row['worth']:>4.0f}%"
        )
    lines.append("")
    lines += [f"source ({key}): {text}" for key, text in plan.sources.items()]
    return "\n".join(lines)
