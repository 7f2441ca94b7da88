"""Training plans: what a selection costs to train on, and how much data a compute budget buys.

``selector plan`` is the command and :func:`plan` its library call; :func:`plan_training`,
:func:`tokens_for_hours` and :func:`corpus_tokens` its parts. The published rules (6·N·D, Chinchilla's table,
the value of repeated epochs, accelerator peaks) live in :mod:`selector.planning.scaling` with their sources.
"""

from selector.planning.command import PlanReport, check_plan, plan
from selector.planning.plan import TrainingPlan, accelerator, corpus_tokens, plan_training, tokens_for_hours
from selector.planning.scaling import ACCELERATORS, chinchilla_tokens, effective_tokens

__all__ = [
    "ACCELERATORS",
    "PlanReport",
    "TrainingPlan",
    "accelerator",
    "check_plan",
    "chinchilla_tokens",
    "corpus_tokens",
    "effective_tokens",
    "plan",
    "plan_training",
    "tokens_for_hours",
]
