"""Filter: LIMA's rules and the curation rules (:mod:`selector.filters`), each drop with one stable reason; then
the checks that need the kept samples (``--task`` among them, every sample exportable) before any embedding."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from selector.embedding.cache import HASH_DTYPE, text_hash
from selector.embedding.templates import TEMPLATES, check_template
from selector.errors import SelectorError
from selector.filters import FilterRun, apply_filters, filter_pipeline
from selector.filters.length import response_chars
from selector.filters.split import RuleWorker, Verdicts, partition_gap, take
from selector.formats.export import check_exportable
from selector.io.partition import PartitionVisit, PartitionWorker
from selector.pipeline.arguments import check_task, top_reasons
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.sample import Sample


class TextFacts:
    """What later stages need of every sample's text, taken while the filter pass holds it parsed, so that no
    later stage parses the corpus again (a parse is about 12 us a record: 12 s a million). Called as
    ``facts(i, sample)`` for the samples in input order (``i`` = 0, 1, ...).

    ``lengths``: ``(n,)`` int64 characters of each sample's response (the report's length histogram).
    ``hashes``: with ``template`` (an ``--embeddings`` run filtering the samples as read), ``(n,)`` ``S16`` text
    hashes of each sample rendered with it, what the sidecar check compares (:func:`~selector.embedding.
    precomputed.check_alignment`); ``None`` otherwise.
    """

    def __init__(self, template: str | None) -> None:
        self.template = template
        self._lengths = array("q")
        self._hashes = bytearray()
        self._render = TEMPLATES[check_template(template)] if template is not None else None

    def __call__(self, i: int, sample: Sample) -> None:
        self._lengths.append(response_chars(sample) or 0)  # len(sample.response), without joining the turns
        if self._render is not None:
            self._hashes += text_hash(self._render(sample))

    def extend(self, other: TextFacts) -> None:
        """Append the facts ``other`` took of the samples that follow (one partition's, read in a worker)."""
        self._lengths.extend(other._lengths)
        self._hashes += other._hashes

    @property
    def lengths(self) -> np.ndarray:
        return np.frombuffer(self._lengths, dtype=np.int64).copy() if self._lengths else np.zeros(0, np.int64)

    @property
    def hashes(self) -> np.ndarray | None:
        if self._render is None:
            return None
        return np.frombuffer(bytes(self._hashes), dtype=HASH_DTYPE) if self._hashes else np.zeros(0, HASH_DTYPE)


@dataclass
class FilterPass(PartitionVisit):
    """A filter run fed by the reader (:func:`filter_while_reading`): the rules see each sample as it is built,
    while its record is parsed, so reading and filtering cost one parse of each record. The filter stage finishes
    it (the corpus rules, the counts).

    Read by partition (:mod:`selector.io.partition`), each worker runs the per-record rules and takes the text
    facts of its partition; the driver decides exact duplicates in input order (:func:`selector.filters.split.
    take`)."""

    run: FilterRun
    facts: TextFacts

    def __call__(self, sample: Sample) -> None:
        self.run.feed(sample)

    def partitionable(self) -> str | None:
        return partition_gap(self.run)

    def worker(self) -> PartitionWorker:
        return _PassWorker(RuleWorker(self.run), TextFacts(self.facts.template))

    def merge(self, columns: Any, samples: list[Sample]) -> None:
        verdicts, facts = columns
        self.facts.extend(facts)
        take(self.run, verdicts, samples)


class _PassWorker(PartitionWorker):
    """A :class:`FilterPass` over one partition in a worker: the text facts of each sample, then the rules."""

    def __init__(self, rules: RuleWorker, facts: TextFacts) -> None:
        self.rules, self.facts, self.n = rules, facts, 0

    def __call__(self, sample: Sample) -> None:
        self.facts(self.n, sample)
        self.n += 1
        self.rules(sample)

    def columns(self) -> tuple[Verdicts, TextFacts]:
        facts = self.facts
        facts._render = None  # a function of the template, not sent back
        return self.rules.verdicts(), facts


def filter_while_reading(ctx: RunContext) -> FilterPass | None:
    """The filter pass the read stage feeds, or ``None`` when the samples are not filtered as read (cleaning is
    on: the rules see the cleaned copies, made after reading)."""
    cfg = ctx.config
    if cfg.cleaning.enabled:
        return None
    facts = TextFacts(cfg.encoder.template if ctx.request.embeddings is not None else None)
    return FilterPass(filter_pipeline(cfg.filters, cfg.dedup, cfg.seed).start(observe=facts), facts)


class FilterStage(BaseStage):
    """Fills ``ctx.filtered`` and narrows ``ctx.pool`` to the kept samples. With ``require_kept`` (a selection),
    a run whose filters keep nothing is an error naming the rules that dropped most. When the read stage fed the
    rules as it read (``ctx.filter_pass``), this stage finishes that pass; its seconds are then in ``read``."""

    name = "filter"
    needs = ("pool",)
    fills = ("filtered",)

    def __init__(self, require_kept: bool = True) -> None:
        self.require_kept = require_kept

    def run(self, ctx: RunContext) -> None:
        cfg, samples, early = ctx.config, ctx.pool.samples, ctx.filter_pass
        ctx.filter_pass = None
        if early is not None and early.run.done == len(samples):
            facts, ctx.filtered = early.facts, early.run.finish()
        else:
            facts = TextFacts(cfg.encoder.template if _as_read(ctx) else None)
            ctx.filtered = apply_filters(
                samples, cfg.filters, dedup=cfg.dedup, seed=cfg.seed, progress=ctx.request.progress, observe=facts
            )
        ctx.text_hashes = facts.hashes
        if self.require_kept and not ctx.filtered.kept:
            raise SelectorError(
                f"every one of the {len(samples):,} samples was filtered out ({top_reasons(ctx.filtered.stats)}); "
                "loosen the filters in the config"
            )
        if ctx.request.task is not None:
            check_task(ctx.request.task, ctx.filtered.kept)
        ctx.dropped_at.append(ctx.pool.at[ctx.filtered.rejected_at])
        ctx.pool = ctx.pool.with_(lengths=facts.lengths).narrow(ctx.filtered.kept_at)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"counts": {"after_filters": len(ctx.filtered.kept)}, "filters": dict(ctx.filtered.stats)}


def _as_read(ctx: RunContext) -> bool:
    """Whether this run selects from an ``--embeddings`` file and the pool is every corpus sample as read, row for
    row (no cleaning copied them): then the filter pass hashes the texts the sidecar check needs."""
    corpus, pool = ctx.corpus, ctx.pool.samples
    if ctx.request.embeddings is None or corpus is None or len(corpus.samples) != len(pool):
        return False
    return all(a is b for a, b in zip(pool, corpus.samples, strict=True))


class ExportCheckStage(BaseStage):
    """A sample the ``--export`` shape cannot hold fails here, before embedding."""

    name = "export_check"
    needs = ("pool",)

    def applies(self, ctx: RunContext) -> bool:
        return ctx.request.export is not None

    def run(self, ctx: RunContext) -> None:
        check_exportable(ctx.pool.samples, ctx.request.export)
