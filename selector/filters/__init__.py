"""LIMA-style quality filters and cleaning (``docs/algorithms.md`` section 1).

:func:`apply_filters` runs the rules switched on in a :class:`FilterConfig`, in the fixed order of
:data:`REASONS`, and gives each dropped sample exactly one reason code; :func:`clean_samples` is the cleaning
transform (links, images and HTML removed, code and lists kept), reported separately from drops.
"""

from __future__ import annotations

from collections.abc import Iterable

from selector.filters.base import REASONS, Filter, FilterPipeline, FilterResult
from selector.filters.clean import CleanConfig, clean_samples, clean_text
from selector.filters.config import FilterConfig
from selector.filters.dedup import DuplicateFilter
from selector.filters.length import EmptyFilter, LengthFilter, TokenLengthFilter
from selector.filters.score import LowScoreFilter
from selector.filters.style import FirstPersonFilter, ReferenceFilter
from selector.sample import Sample

__all__ = [
    "REASONS",
    "CleanConfig",
    "DuplicateFilter",
    "EmptyFilter",
    "Filter",
    "FilterConfig",
    "FilterPipeline",
    "FilterResult",
    "FirstPersonFilter",
    "LengthFilter",
    "LowScoreFilter",
    "ReferenceFilter",
    "TokenLengthFilter",
    "apply_filters",
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
    if config.min_tokens is not None or config.max_tokens is not None:
        filters.append(TokenLengthFilter(config.min_tokens, config.max_tokens, config.tokenizer))
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
    if config.duplicate:
        filters.append(DuplicateFilter())
    return filters


def apply_filters(samples: Iterable[Sample], config: FilterConfig, *, progress: bool = True) -> FilterResult:
    """Filter ``samples`` by the rules of ``config``: kept samples, ``(sample, reason)`` drops, and counts.

    Each dropped sample gets the reason of the first rule that fires; ``stats`` counts them per rule and per
    source, with ``input == kept + rejected`` (see :class:`FilterResult`).
    """
    return FilterPipeline(build_filters(config)).run(samples, progress=progress)
