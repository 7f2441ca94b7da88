"""Label-free measures of a selection in a space the selector does not select in (word TF-IDF of the prompts):
coverage, diversity (Vendi, NovelSum), transfer to held-out answers and the group mix. Both the per-run evidence
(:mod:`selector.measures.evidence`) and ``selector evaluate`` (:mod:`selector.evaluation`) use them, so they sit
below both."""

from __future__ import annotations

from selector.measures.novelsum import novelsum
from selector.measures.proxies import (
    DEFAULT_PROXIES,
    HIGHER_IS_BETTER,
    PROXIES,
    ProxyData,
    coverage,
    percentile,
    task_mix,
    tfidf_space,
    vendi,
)  # fmt: skip

__all__ = [
    "DEFAULT_PROXIES", "HIGHER_IS_BETTER", "PROXIES", "ProxyData", "coverage", "novelsum", "percentile", "task_mix",
    "tfidf_space", "vendi",
]  # fmt: skip
