"""Token budgets, by job: the count (:mod:`selector.embedding.tokens`), ``2M`` parsed
(:mod:`selector.pipeline.counts`), the cut of a ranking at a budget (:mod:`selector.pipeline.token_budget`) and what
the manifest says of it (:mod:`selector.pipeline.token_manifest`). This module names them in one place.
"""

from __future__ import annotations

from selector.embedding.models import load_local_tokenizer
from selector.embedding.tokens import count_tokens
from selector.pipeline.counts import parse_count
from selector.pipeline.token_budget import (
    TokenCut,
    TokenSelection,
    cut_ranking,
    records_needed,
    select_tokens,
    token_quotas,
)
from selector.pipeline.token_manifest import check_token_cut, picked_per_group, quota_names, token_manifest

__all__ = [
    "TokenCut",
    "TokenSelection",
    "check_token_cut",
    "count_tokens",
    "cut_ranking",
    "load_local_tokenizer",
    "parse_count",
    "picked_per_group",
    "quota_names",
    "records_needed",
    "select_tokens",
    "token_manifest",
    "token_quotas",
]
