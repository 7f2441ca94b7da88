"""The published numbers a training plan rests on: compute per token, compute-optimal data, repeated data, peaks.

- Training compute: about ``6 * N * D`` FLOPs for ``N`` parameters and ``D`` tokens (forward 2ND, backward 4ND;
  Kaplan et al. 2020, arXiv 2001.08361, section 2.1; used throughout Hoffmann et al. 2022).
- Compute-optimal tokens (Chinchilla; Hoffmann et al. 2022, arXiv 2203.15556, Table 3, approach 1): about 20
  tokens per parameter. :func:`chinchilla_tokens` interpolates that table log-linearly between its rows, so a size
  in the table gets the published value exactly (1B -> 20.2B tokens, 10B -> 205.1B), and extends it past either
  end at the nearest row's tokens-per-parameter ratio.
- Repeated data (Muennighoff et al. 2023, *Scaling Data-Constrained Language Models*, arXiv 2305.16264): up to
  about 4 epochs, repeated tokens are worth almost as much as unique ones; past that their value decays, with
  an e-folding constant of ``R_D* = 15.4`` repetitions in the paper's fit, so that the unique-equivalent data of
  ``U`` tokens seen ``1 + R`` times is ``U + U * R_D* * (1 - exp(-R / R_D*))`` (:func:`effective_tokens`). Their
  runs are pre-training runs; for fine-tuning the rule is a guide, not a law (LIMA trained 15 epochs on 1,000
  examples, arXiv 2305.11206).
- Accelerator peaks (:data:`ACCELERATORS`): dense (no sparsity) bf16 tensor throughput from the vendors'
  datasheets; the datasheets' headline figures for NVIDIA Hopper, Ampere and Ada parts are with 2:4 sparsity,
  twice these.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

__all__ = [
    "ACCELERATORS",
    "CHINCHILLA_TABLE",
    "FLOPS_PER_PARAM_TOKEN",
    "REPEAT_DECAY",
    "WORTHWHILE_EPOCHS",
    "Accelerator",
    "chinchilla_tokens",
    "effective_tokens",
]

FLOPS_PER_PARAM_TOKEN = 6
"""Training FLOPs per parameter per token (6·N·D)."""

CHINCHILLA_TABLE: tuple[tuple[float, float], ...] = (
    (400e6, 8.0e9),
    (1e9, 20.2e9),
    (10e9, 205.1e9),
    (67e9, 1.5e12),
    (175e9, 3.7e12),
    (280e9, 5.9e12),
    (520e9, 11.0e12),
    (1e12, 21.2e12),
    (10e12, 216.2e12),
)
"""(parameters, compute-optimal training tokens): Hoffmann et al. 2022 (arXiv 2203.15556), Table 3."""

CHINCHILLA_SOURCE = "Hoffmann et al. 2022, Training Compute-Optimal LLMs (arXiv 2203.15556), Table 3"
EPOCHS_SOURCE = "Muennighoff et al. 2023, Scaling Data-Constrained Language Models (arXiv 2305.16264)"

WORTHWHILE_EPOCHS = 4
"""Epochs over the same data that are nearly as good as unique data (arXiv 2305.16264)."""

REPEAT_DECAY = 15.4
"""``R_D*``: the e-folding constant, in repetitions, of the value of repeated tokens (arXiv 2305.16264, fit)."""


@dataclass(frozen=True)
class Accelerator:
    """One accelerator's dense bf16 peak, in TFLOP/s, and where the number comes from."""

    name: str
    tflops: float
    source: str


ACCELERATORS: dict[str, Accelerator] = {
    a.name: a
    for a in (
        Accelerator("h100", 989.0, "NVIDIA H100 SXM datasheet: BF16 1,979 TFLOPS with sparsity, 989 dense"),
        Accelerator("h100-pcie", 756.0, "NVIDIA H100 PCIe datasheet: BF16 1,513 TFLOPS with sparsity, 756 dense"),
        Accelerator("h200", 989.0, "NVIDIA H200 SXM datasheet: BF16 1,979 TFLOPS with sparsity, 989 dense"),
        Accelerator("a100", 312.0, "NVIDIA A100 datasheet: BF16 312 TFLOPS dense (624 with sparsity)"),
        Accelerator("l40s", 362.0, "NVIDIA L40S datasheet: BF16 362 TFLOPS dense (733 with sparsity)"),
        Accelerator("a10", 125.0, "NVIDIA A10 datasheet: BF16 125 TFLOPS dense (250 with sparsity)"),
        Accelerator("mi300x", 1307.4, "AMD Instinct MI300X datasheet: BF16 1,307.4 TFLOPS dense"),
        Accelerator("tpu-v5e", 197.0, "Google Cloud TPU v5e documentation: 197 bf16 TFLOPS per chip"),
        Accelerator("tpu-v4", 275.0, "Google Cloud TPU v4 documentation: 275 bf16 TFLOPS per chip"),
    )
}


def chinchilla_tokens(params: float) -> float:
    """Compute-optimal training tokens for a model of ``params`` parameters (see the module docstring)."""
    table = CHINCHILLA_TABLE
    if params <= table[0][0]:
        return params * table[0][1] / table[0][0]
    if params >= table[-1][0]:
        return params * table[-1][1] / table[-1][0]
    for (n0, d0), (n1, d1) in itertools.pairwise(table):
        if n0 <= params <= n1:
            t = (math.log(params) - math.log(n0)) / (math.log(n1) - math.log(n0))
            return math.exp(math.log(d0) + t * (math.log(d1) - math.log(d0)))
    raise AssertionError("unreachable: the table is sorted")


def effective_tokens(unique: float, epochs: float) -> float:
    """Unique-equivalent tokens of ``epochs`` passes over ``unique`` tokens (arXiv 2305.16264's decay fit)."""
    repeats = max(0.0, epochs - 1.0)
    return unique + unique * REPEAT_DECAY * (1.0 - math.exp(-repeats / REPEAT_DECAY))
