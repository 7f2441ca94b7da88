"""The filter contract and the pipeline that applies filters in order and counts what each one dropped.

A filter is a small object with ``check(sample) -> reason | None``: ``None`` keeps the sample, a reason code
drops it. The pipeline asks the filters in a fixed order and stops at the first reason, so every dropped sample
carries exactly one reason code, counted per rule and per source. Reason codes are stable strings that tests and
downstream tools rely on: :data:`REASONS`. Each rule registers itself with :func:`rule` in its own module, with
its place in the order and the text of its reasons; :data:`REASONS` and the report's ``REASON_TEXT`` are derived.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from selector.filters.tally import Tally
from selector.progress import Progress
from selector.report.reasons import REASON_TEXT
from selector.sample import Sample, held

if TYPE_CHECKING:
    from selector.filters.config import DedupConfig, FilterConfig

__all__ = [
    "REASONS",
    "REGISTRY",
    "RULES",
    "CorpusRule",
    "Filter",
    "FilterPipeline",
    "FilterResult",
    "FilterRun",
    "RuleEntry",
    "rule",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RuleEntry:
    """One registered rule: what :func:`rule` was given. ``obj`` is a :class:`Filter` or :class:`CorpusRule`
    subclass (built from a config by :func:`selector.filters.build_filters` and ``build_corpus_rules``) or any
    other object whose drops carry these reasons (the semantic-duplicate step, run by the pipeline)."""

    name: str
    order: int
    reasons: tuple[tuple[str, str], ...]
    obj: Any


#: Every registered rule, in the order the rules run (lower ``order`` first); :func:`rule` fills it.
RULES: list[RuleEntry] = []

#: The per-sample rule classes of :data:`RULES`, in the order they run.
REGISTRY: list[type[Filter]] = []

#: Every reason code, in the order the rules run (a documented contract: codes never change); derived from
#: :data:`RULES` as each rule registers (the same list object, so an import of it stays current).
REASONS: list[str] = []


def rule(
    name: str, *, order: int, text: str | None = None, reasons: Mapping[str, str] | None = None
) -> Callable[[T], T]:
    """Register a rule under ``name``, run at ``order`` (lower first), with its reason codes and their one-line
    explanations (what ``report.html`` shows beside the examples): ``text`` for a rule whose one code is its
    ``name``, or ``reasons`` (code -> text) for several. On a class, also sets ``name``, ``order`` and
    ``reasons``. A code two rules share must have the same text; an order or name taken twice is an error."""
    codes = dict(reasons) if reasons is not None else {name: text or ""}
    if not codes or not all(codes.values()):
        raise ValueError(f"rule {name!r}: every reason code needs its one-line text")

    def register(obj: T) -> T:
        for other in RULES:
            if other.name == name or other.order == order:
                raise ValueError(f"rule {name!r} (order {order}) collides with {other.name!r} (order {other.order})")
            for code, line in other.reasons:
                if code in codes and codes[code] != line:
                    raise ValueError(f"reason {code!r} of rule {name!r} is explained differently by {other.name!r}")
        if isinstance(obj, type):
            obj.name, obj.order, obj.reasons = name, order, tuple(codes)  # type: ignore[attr-defined]
        RULES.append(RuleEntry(name, order, tuple(codes.items()), obj))
        RULES.sort(key=lambda r: r.order)
        REGISTRY[:] = [r.obj for r in RULES if isinstance(r.obj, type) and issubclass(r.obj, Filter)]
        text_of = {code: line for r in RULES for code, line in r.reasons}
        REASONS[:] = list(text_of)
        REASON_TEXT.clear()
        REASON_TEXT.update(text_of)
        return obj

    return register


class Filter(ABC):
    """One rule: ``check`` returns one of :attr:`reasons` to drop a sample, ``None`` to keep it.

    Filters may keep state across calls (the duplicate rule remembers what it kept); :meth:`reset` clears it.
    :meth:`kept` is called for every sample that passed the whole pipeline, so a stateful rule learns only from
    samples that are actually kept.
    """

    #: Short name of the rule (used in logs and manifests).
    name: ClassVar[str]
    #: The reason codes :meth:`check` can return.
    reasons: ClassVar[tuple[str, ...]]
    #: Where the rule runs in the chain (lower first); set by :func:`rule`.
    order: ClassVar[int]
    #: Whether :meth:`check` depends on the sample alone (and the config), so that the rule can run on each
    #: partition of the input apart (:mod:`selector.filters.split`); ``False`` for a rule that remembers samples.
    per_sample: ClassVar[bool] = True
    #: The attributes :meth:`check` counts into (ints, or dicts of ints) that :meth:`describe` reports: a rule run
    #: by partition sends them to the driver, which adds them up.
    counters: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        """The rule as the ``filters:`` section of a config (a FilterConfig) sets it up, or ``None`` when that
        config switches it off."""
        return None

    @abstractmethod
    def check(self, sample: Sample) -> str | None:
        """A reason code when ``sample`` must be dropped, else ``None``."""

    def kept(self, sample: Sample) -> None:  # noqa: B027 - deliberately empty default hook
        """Called once for each sample the pipeline keeps."""

    def reset(self) -> None:  # noqa: B027 - deliberately empty default hook
        """Forget state from earlier runs."""

    def details(self, sample: Sample) -> dict[str, Any] | None:
        """What the rejected row of ``sample`` should add to its reason; called right after :meth:`check` dropped it."""
        return None

    def describe(self) -> dict[str, Any]:
        """Parameters of the rule, for manifests; a ``notes`` dict (label -> count) is shown in the summary."""
        return {}


class CorpusRule(ABC):
    """A rule that needs the whole pool at once (near duplicates): it runs after the per-sample filters, on the
    samples they kept, and names the ones to drop with their reason and details."""

    name: ClassVar[str]
    reasons: ClassVar[tuple[str, ...]]

    @abstractmethod
    def find(self, samples: Sequence[Sample]) -> list[tuple[int, str, dict[str, Any]]]:
        """``(index into samples, reason, details)`` for every sample to drop, indices ascending."""

    @classmethod
    def from_config(cls, config: FilterConfig, dedup: DedupConfig, seed: int = 0) -> CorpusRule | None:
        """The rule as the ``filters:`` and ``dedup:`` sections set it up (a FilterConfig and a DedupConfig), or
        ``None`` when they switch it off. ``seed`` seeds any randomness (MinHash permutations)."""
        return None

    def describe(self) -> dict[str, Any]:
        """Parameters and counts of the last run, for manifests."""
        return {}


@dataclass
class FilterResult:
    """What :func:`~selector.filters.apply_filters` returns.

    Attributes:
        kept: the samples that passed every rule, in input order.
        rejected: ``(sample, reason)`` for every dropped sample, in input order; one reason each.
        stats: ``{"input", "kept", "rejected", "by_reason": {code: n}, "by_source": {source: {"input", "kept",
            "rejected", "by_reason"}}, "rules": [...]}``; ``input == kept + rejected`` and ``rejected`` is the sum
            of ``by_reason``, overall and for every source.
        details: what a rule adds to a rejected row, by sample id (``duplicate_of`` and ``similarity`` for
            duplicates, the matched test file and record for ``contaminated``, the language detected).
        kept_at: ``(len(kept),)`` int64 positions of the kept samples in the input.
        rejected_at: ``(len(rejected),)`` int64 positions of the rejected samples in the input.
    """

    kept: list[Sample]
    rejected: list[tuple[Sample, str]]
    stats: dict[str, Any] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    kept_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rejected_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class FilterPipeline:
    """Applies ``filters`` in order; the first reason wins."""

    def __init__(self, filters: Sequence[Filter], corpus_rules: Sequence[CorpusRule] = ()) -> None:
        self.filters = list(filters)
        self.corpus_rules = list(corpus_rules)
        self._fired: Filter | None = None

    @property
    def reasons(self) -> list[str]:
        """The reason codes this pipeline can produce, in order."""
        return list(dict.fromkeys(r for f in [*self.filters, *self.corpus_rules] for r in f.reasons))

    def check(self, sample: Sample) -> str | None:
        """The first reason any filter gives for ``sample``; notifies the filters when it is kept."""
        for f in self.filters:
            reason = f.check(sample)
            if reason is not None:
                self._fired = f
                return reason
        for f in self.filters:
            f.kept(sample)
        return None

    def start(self, observe: Callable[[int, Sample], None] | None = None) -> FilterRun:
        """A pass of this pipeline fed one sample at a time (:class:`FilterRun`): what :meth:`run` does, for a
        caller that holds each sample parsed at its own moment (the reader, as it builds the samples)."""
        return FilterRun(self, observe)

    def run(
        self,
        samples: Iterable[Sample],
        *,
        progress: bool = True,
        observe: Callable[[int, Sample], None] | None = None,
    ) -> FilterResult:
        """Filter ``samples`` (consumed once) and count drops per rule and per source.

        ``observe(i, sample)`` is called for every sample (``i`` its position in ``samples``) while its text is
        held parsed, before the rules see it: what a later stage needs of every sample's text is taken in the same
        parse (:class:`selector.pipeline.stages.filter.TextFacts`)."""
        run = self.start(observe)
        total = len(samples) if isinstance(samples, Sequence) else None
        bar = Progress(total or 0, desc="filter", unit="records", enabled=progress and total is not None)
        for done, sample in enumerate(held(samples)):  # each sample's text parsed once for every rule
            if done % 4096 == 4095:
                bar.update(4096)
            run.feed(sample)
        bar.close()
        return run.finish()


class FilterRun:
    """One pass of a :class:`FilterPipeline`: :meth:`feed` each sample in input order while its text is in memory
    (the rules' state and the tally of kept and dropped samples build up), then :meth:`finish` for the corpus rules
    and the :class:`FilterResult`. ``observe(i, sample)`` sees every sample first, ``i`` its input position."""

    def __init__(self, pipeline: FilterPipeline, observe: Callable[[int, Sample], None] | None = None) -> None:
        for f in pipeline.filters:
            f.reset()
        self.pipeline = pipeline
        self.observe = observe
        self.tally = Tally(pipeline.reasons)
        self.done = 0

    def feed(self, sample: Sample) -> None:
        """Ask the rules about ``sample``, the next one in input order, and count it kept or dropped."""
        at, pipeline = self.done, self.pipeline
        self.done += 1
        if self.observe is not None:
            self.observe(at, sample)
        reason = pipeline.check(sample)
        if reason is None:
            self.tally.keep(at, sample)
        else:
            fired = pipeline._fired
            self.tally.drop(at, sample, reason, fired.details(sample) if fired is not None else None)

    def finish(self) -> FilterResult:
        """The corpus rules over the kept samples, then the result with its counts."""
        pipeline, tally = self.pipeline, self.tally
        for rule in pipeline.corpus_rules:
            tally.drop_kept(rule.find(tally.kept))
        result = tally.result([{"name": f.name, **f.describe()} for f in [*pipeline.filters, *pipeline.corpus_rules]])
        logger.info(
            "filters kept %d of %d samples (%s)",
            len(result.kept),
            result.stats["input"],
            ", ".join(f"{r}: {n}" for r, n in result.stats["by_reason"].items() if n) or "nothing dropped",
        )
        return result
