"""Read: the guard on ``--out`` first (inputs, foreign folders and concurrent runs are refused before any work),
then the inputs as a :class:`~selector.io.Corpus`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from selector.embedding.cache import default_cache_dir
from selector.errors import SelectorError
from selector.io import output_guard
from selector.pipeline.context import RunContext
from selector.pipeline.manifest import run_header
from selector.pipeline.pool import Pool
from selector.pipeline.stages.base import BaseStage
from selector.pipeline.stages.filter import filter_while_reading

FILTERED_AS_READ = ("select",)
"""Commands whose read stage feeds each sample to the filter rules as it builds it (:func:`~selector.pipeline.
stages.filter.filter_while_reading`; the filter stage follows and finishes the pass): one parse of each record."""


class ReadStage(BaseStage):
    """Fills ``ctx.guard`` (when the request has an ``out``), ``ctx.corpus`` and ``ctx.pool`` (every sample read,
    until a later stage narrows it); for ``select``, ``ctx.filter_pass`` too (the rules run as samples are read)."""

    name = "read"
    fills = ("corpus", "pool")

    def __init__(self, command: str = "select") -> None:
        self.command = command

    def run(self, ctx: RunContext) -> None:
        req = ctx.request
        if req.out is not None:
            cache = ctx.config.encoder.cache_dir
            if cache is None and self.command != "filter" and req.embeddings is None:
                cache = default_cache_dir()  # the cache the run will use, checked against --out before any work
            ctx.guard = output_guard(req.out, self.command, req.protected, overwrite=req.overwrite, cache_dir=cache)
        early = filter_while_reading(ctx) if self.command in FILTERED_AS_READ else None
        ctx.filter_pass = early
        ctx.corpus = req.read.read(req.inputs, visit=early)
        if not ctx.corpus.samples:
            raise SelectorError(f"no samples were read from {', '.join(req.inputs)}")
        ctx.pool = Pool.of(ctx.corpus.samples)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        corpus = ctx.corpus
        return {
            **run_header(self.command, ctx.config, corpus),
            "counts": {"read": len(corpus.samples)},
            "sources": {"read": counts_of(s.source for s in corpus.samples)},
            "options": ctx.request.options(),
        }


def counts_of(values: Any) -> dict[str, int]:
    """How often each value occurs, keys sorted (the manifest's per-source and per-task counts)."""
    return dict(sorted(Counter(values).items()))
