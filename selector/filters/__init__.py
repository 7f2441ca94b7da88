"""LIMA-style quality filters and cleaning (``docs/algorithms.md`` section 1).

:func:`apply_filters` runs the rules switched on in a :class:`FilterConfig`, in the fixed order of the
registry (:func:`~selector.filters.base.rule`, one module per rule; :data:`REASONS` is derived from it), and
gives each dropped sample exactly one reason code; :func:`clean_samples` is the cleaning transform (links,
images and HTML removed, code and lists kept), reported separately from drops.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Collection, Iterable

from selector.filters.base import (
    REASONS,
    REGISTRY,
    RULES,
    CorpusRule,
    Filter,
    FilterPipeline,
    FilterResult,
    FilterRun,
    rule,
)
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

for _module in pkgutil.iter_modules(__path__):  # every rule module registers its rule when imported
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "REASONS",
    "REGISTRY",
    "RULES",
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
    "FilterRun",
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
    "filter_pipeline",
    "rule",
]


def build_filters(config: FilterConfig, only: Collection[str] | None = None) -> list[Filter]:
    """The per-sample rules switched on in ``config`` (of those named in ``only``, when given), in the order of
    the registry (each rule's ``order``).

    Each rule lives in its own module and registers itself with :func:`~selector.filters.base.rule`; every
    module of this package is imported above, so a new rule needs only its file (and its keys in
    :class:`FilterConfig` when it has thresholds)."""
    built = (cls.from_config(config) for cls in REGISTRY if only is None or cls.name in only)
    return [f for f in built if f is not None]


def build_corpus_rules(config: FilterConfig, dedup: DedupConfig | None, seed: int = 0) -> list[CorpusRule]:
    """The whole-pool rules of the registry switched on in ``dedup`` (near duplicates), in order; they run after
    :func:`build_filters`'."""
    classes = [r.obj for r in RULES if isinstance(r.obj, type) and issubclass(r.obj, CorpusRule)]
    built = (cls.from_config(config, dedup, seed) for cls in classes)
    return [r for r in built if r is not None]


def apply_filters(
    samples: Iterable[Sample],
    config: FilterConfig,
    *,
    dedup: DedupConfig | None = None,
    seed: int = 0,
    progress: bool = True,
    observe: Callable[[int, Sample], None] | None = None,
) -> FilterResult:
    """Filter ``samples`` by the rules of ``config`` (and the near-duplicate rule of ``dedup``, when on): kept
    samples, ``(sample, reason)`` drops, their details, and counts.

    Each dropped sample gets the reason of the first rule that fires; ``stats`` counts them per rule and per
    source, with ``input == kept + rejected`` (see :class:`FilterResult`). ``seed`` seeds the MinHash permutations.
    ``observe(i, sample)`` sees every sample while its text is parsed (:meth:`FilterPipeline.run`).
    """
    return filter_pipeline(config, dedup, seed).run(samples, progress=progress, observe=observe)


def filter_pipeline(config: FilterConfig, dedup: DedupConfig | None = None, seed: int = 0) -> FilterPipeline:
    """The :class:`FilterPipeline` of :func:`apply_filters`: the rules of ``config``, then the near-duplicate rule
    of ``dedup`` when on (``seed`` seeds its MinHash permutations)."""
    return FilterPipeline(build_filters(config), build_corpus_rules(config, dedup, seed))
