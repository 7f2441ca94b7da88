"""LIMA-style quality filters and cleaning (``docs/algorithms.md`` section 1).

:func:`apply_filters` runs the rules switched on in a :class:`FilterConfig`, in the fixed order of
:data:`REASONS`, and gives each dropped sample exactly one reason code; :func:`clean_samples` is the cleaning
transform (links, images and HTML removed, code and lists kept), reported separately from drops.
"""

from __future__ import annotations

from collections.abc import Iterable

from selector.filters.base import REASONS, CorpusRule, Filter, FilterPipeline, FilterResult
from selector.filters.clean import CleanConfig, clean_samples, clean_text
from selector.filters.config import DedupConfig, FilterConfig
from selector.filters.contamination import ContaminationFilter
from selector.filters.dedup.exact import DuplicateFilter
from selector.filters.dedup.near import NearDuplicateRule
from selector.filters.language import LanguageFilter
from selector.filters.length import EmptyFilter, LengthFilter, TokenLengthFilter
from selector.filters.score import LowScoreFilter
from selector.filters.style import FirstPersonFilter, ReferenceFilter
from selector.sample import Sample

__all__ = [
    "REASONS",
    "CleanConfig",
    "ContaminationFilter",
    "CorpusRule",
    "DedupConfig",
    "DuplicateFilter",
    "EmptyFilter",
    "Filter",
    "FilterConfig",
    "FilterPipeline",
    "FilterResult",
    "FirstPersonFilter",
    "LanguageFilter",
    "LengthFilter",
    "LowScoreFilter",
    "NearDuplicateRule",
    "ReferenceFilter",
    "TokenLengthFilter",
    "apply_filters",
    "build_corpus_rules",
    "build_filters",
    "clean_samples",
    "clean_text",
]


def build_filters(config: FilterConfig) -> list[Filter]:
    """The rules switched on in ``config``, in the order of :data:`REASONS`."""
    filters: list[Filter] = []
    if config.empty:
        filters.append(EmptyFilter())
    if config.min_chars is not None or config.max_chars is not None:
        filters.append(LengthFilter(config.min_chars, config.max_chars))
    token_bounds = (config.min_tokens, config.max_tokens, config.min_prompt_tokens, config.max_prompt_tokens)
    if any(b is not None for b in token_bounds):
        filters.append(
            TokenLengthFilter(
                config.min_tokens,
                config.max_tokens,
                config.tokenizer,
                min_prompt_tokens=config.min_prompt_tokens,
                max_prompt_tokens=config.max_prompt_tokens,
            )
        )
    if config.score_field is not None and config.min_score is not None:
        filters.append(LowScoreFilter(config.score_field, config.min_score))
    if config.first_person:
        filters.append(
            FirstPersonFilter(
                config.first_person_words, config.first_person_exclude, ignore_quoted=config.ignore_quoted
            )
        )
    if config.refers_to_other_answers:
        filters.append(ReferenceFilter(config.reference_phrases, ignore_quoted=config.ignore_quoted))
    if config.languages is not None:
        filters.append(LanguageFilter(config.languages, config.language_confidence, config.language_min_chars))
    if config.decontaminate is not None:
        filters.append(ContaminationFilter(config.decontaminate, config.contamination_ngram))
    if config.duplicate:
        filters.append(DuplicateFilter())
    return filters


def build_corpus_rules(config: FilterConfig, dedup: DedupConfig | None, seed: int = 0) -> list[CorpusRule]:
    """The whole-pool rules switched on in ``dedup`` (near duplicates); they run after :func:`build_filters`'."""
    if dedup is None or not dedup.near_duplicate:
        return []
    return [
        NearDuplicateRule(
            dedup.jaccard, dedup.shingle, dedup.shingle_size, dedup.num_perm, score_field=config.score_field, seed=seed
        )
    ]


def apply_filters(
    samples: Iterable[Sample],
    config: FilterConfig,
    *,
    dedup: DedupConfig | None = None,
    seed: int = 0,
    progress: bool = True,
) -> FilterResult:
    """Filter ``samples`` by the rules of ``config`` (and the near-duplicate rule of ``dedup``, when on): kept
    samples, ``(sample, reason)`` drops, their details, and counts.

    Each dropped sample gets the reason of the first rule that fires; ``stats`` counts them per rule and per
    source, with ``input == kept + rejected`` (see :class:`FilterResult`). ``seed`` seeds the MinHash permutations.
    """
    rules = build_corpus_rules(config, dedup, seed)
    return FilterPipeline(build_filters(config), rules).run(samples, progress=progress)
