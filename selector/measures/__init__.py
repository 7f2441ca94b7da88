"""Label-free measures of a selection in a space the selector does not select in (word TF-IDF of the prompts):
coverage, diversity (Vendi), transfer to held-out answers and the group mix. Both the per-run evidence
(:mod:`selector.measures.evidence`) and ``selector evaluate`` (:mod:`selector.evaluation`) use them, so they sit
below both."""

from __future__ import annotations

from selector.measures.proxies import HIGHER_IS_BETTER, ProxyData, coverage, percentile, task_mix, tfidf_space, vendi

__all__ = ["HIGHER_IS_BETTER", "ProxyData", "coverage", "percentile", "task_mix", "tfidf_space", "vendi"]
