"""Duplicates, in one place: exact (``duplicate``), near (``near_duplicate``, MinHash + LSH) and semantic
(``semantic_duplicate``, SemDeDup inside K-Means clusters). ``docs/algorithms.md`` section 8 says what each
computes; the filter chain uses the first two as rules, the pipeline runs the third after embedding."""

from __future__ import annotations

from selector.filters.dedup.exact import DuplicateFilter, dedup_key, normalise
from selector.filters.dedup.near import DuplicateGroups, NearDuplicateRule, group_duplicates, sample_scores
from selector.filters.dedup.semantic import PoolDedup, drop_semantic_duplicates

__all__ = [
    "DuplicateFilter",
    "DuplicateGroups",
    "NearDuplicateRule",
    "PoolDedup",
    "dedup_key",
    "drop_semantic_duplicates",
    "group_duplicates",
    "normalise",
    "sample_scores",
]
