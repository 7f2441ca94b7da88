"""Dedup on its own (``selector dedup``): near duplicates, semantic duplicates and, when asked, contamination.

:func:`dedup` reads the inputs, runs the near-duplicate rule (MinHash + LSH) and then SemDeDup on the embeddings
of what is left (the encoder's, or a precomputed ``.npy`` of one row per sample as read), clustered by the same
seeded faiss K-Means ``select`` uses, and writes ``kept.<ext>``, ``rejected.jsonl`` (each row with
``duplicate_of`` and ``similarity``), ``report.html`` and ``manifest.json`` through the same guard as
``selector filter``. No cleaning and no other filter runs: the output differs from the input only by the duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.config import RunConfig, load_run_config
from selector.errors import ConfigError
from selector.io import Corpus, ReadOptions
from selector.io.guard import holds_output_lock
from selector.pipeline.context import RunContext
from selector.pipeline.kept import kept_section
from selector.pipeline.outputs import write_kept
from selector.pipeline.request import keeping_request
from selector.pipeline.stages import (
    ClusterStage,
    EmbedStage,
    ExportCheckStage,
    NearDedupStage,
    ReadStage,
    SemanticDedupStage,
    When,
    run_stages,
)
from selector.report.duplicates import dedup_examples
from selector.sample import Sample

__all__ = ["DedupResult", "dedup"]

log = logging.getLogger(__name__)


@dataclass
class DedupResult:
    """The outcome of :func:`dedup`.

    Attributes:
        kept: the samples left, in reading order.
        rejected: ``(sample, reason)`` for each dropped sample (reasons ``near_duplicate``,
            ``semantic_duplicate``, ``contaminated``).
        details: ``duplicate_of`` and ``similarity`` (or the matched test item) by dropped sample id.
        manifest: what ``manifest.json`` holds.
        corpus: everything that was read.
    """

    kept: list[Sample]
    rejected: list[tuple[Sample, str]]
    details: dict[str, dict[str, Any]]
    manifest: dict[str, Any]
    corpus: Corpus
    out_dir: Path | None = field(default=None)


@holds_output_lock("dedup")  # held from before reading
def dedup(
    inputs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    config: RunConfig | str | Path | None = None,
    near: bool | None = None,
    semantic: bool | None = None,
    jaccard: float | None = None,
    eps: float | None = None,
    embeddings: str | Path | None = None,
    decontaminate: Sequence[str | Path] | None = None,
    source_field: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    export: str | None = None,
) -> DedupResult:
    """Drop near and semantic duplicates (and contaminated samples) from ``inputs``; write them out with ``out``.

    ``near``/``semantic``/``jaccard``/``eps`` override the config's ``dedup:`` keys (``None`` keeps them); when
    the config switches neither rule on (the default config), ``None`` means on. ``embeddings`` is a ``.npy``
    of one row per sample as read. ``export`` (a shape of :mod:`selector.formats.export`) also writes the kept
    samples as ``train.jsonl`` with a LLaMA-Factory ``dataset_info.json``, as ``selector filter --export`` does.
    """
    cfg = dedup_config(config, near, semantic, jaccard, eps, decontaminate)
    if embeddings is not None and not Path(embeddings).is_file():
        raise ConfigError(f"embeddings={embeddings}: file not found (write one with `selector embed`)")
    read = ReadOptions(source_field, None, mapping, skip_invalid)
    request = keeping_request(
        inputs, cfg, read, out=out, export=export, overwrite=overwrite, progress=progress, embeddings=embeddings
    )
    ctx = run_stages(DEDUP_STAGES, RunContext(request, cfg))
    assert ctx.corpus is not None and ctx.pool is not None and ctx.filtered is not None  # the stages fill them
    rejected, details = ctx.rejected, ctx.details
    ctx.manifest.add({**kept_section(ctx, config), "dedup": dedup_examples(rejected, details, ctx.corpus.samples)})
    manifest = ctx.manifest.build()
    result = DedupResult(list(ctx.pool.samples), rejected, details, manifest, ctx.corpus)
    if ctx.guard is not None:
        result.out_dir = write_kept(
            ctx.guard, request.protected, overwrite, ctx.corpus, result.kept, rejected, manifest, export, details
        )
    return result


def dedup_config(
    config: RunConfig | str | Path | None,
    near: bool | None,
    semantic: bool | None,
    jaccard: float | None,
    eps: float | None,
    decontaminate: Sequence[str | Path] | None,
) -> RunConfig:
    """The run config of a dedup run: the config's ``dedup:`` keys with the arguments that are not ``None``; a
    config that switches neither rule on (the default config) gets both, unless an argument says otherwise."""
    base = load_run_config(config)
    if not (base.dedup.near_duplicate or base.dedup.semantic_duplicate):  # a config without dedup: both on
        near = True if near is None else near
        semantic = True if semantic is None else semantic
    overrides: dict[str, Any] = {"dedup": {}}
    for key, value in (("near_duplicate", near), ("semantic_duplicate", semantic), ("jaccard", jaccard)):
        if value is not None:
            overrides["dedup"][key] = value
    if eps is not None:
        overrides["dedup"]["semantic_eps"] = eps
    if decontaminate:
        overrides["filters"] = {"decontaminate": [str(p) for p in decontaminate]}
    cfg = load_run_config(base, overrides)
    if not (cfg.dedup.near_duplicate or cfg.dedup.semantic_duplicate or cfg.filters.decontaminate):
        raise ConfigError("nothing to do: both dedup rules are off (near= / semantic=) and no decontaminate=")
    return cfg


def _semantic_left(ctx: RunContext) -> bool:
    return bool(ctx.config.dedup.semantic_duplicate) and ctx.pool is not None and len(ctx.pool) > 1


DEDUP_STAGES = (
    ReadStage("dedup"),
    ExportCheckStage(),  # a sample the shape cannot hold fails before any work
    NearDedupStage(),
    When(EmbedStage(), _semantic_left),
    When(ClusterStage(), _semantic_left),
    When(SemanticDedupStage(), _semantic_left),
)
"""``selector dedup``, stage by stage."""
