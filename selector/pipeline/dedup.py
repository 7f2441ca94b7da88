"""Dedup on its own (``selector dedup``): near duplicates, semantic duplicates and, when asked, contamination.

:func:`dedup` reads the inputs, runs the near-duplicate rule (MinHash + LSH) and then SemDeDup on the embeddings
of what is left (the encoder's, or a precomputed ``.npy`` of one row per sample as read), clustered by the same
seeded faiss K-Means ``select`` uses, and writes ``kept.<ext>``, ``rejected.jsonl`` (each row with
``duplicate_of`` and ``similarity``) and ``manifest.json`` through the same guard as ``selector filter``. No
cleaning and no other filter runs: the output differs from the input only by the duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.config import RunConfig, load_run_config
from selector.dedup.near import sample_scores
from selector.dedup.semantic import drop_semantic_duplicates
from selector.embedding.step import pool_embeddings
from selector.errors import ConfigError, SelectorError
from selector.filters import ContaminationFilter, FilterPipeline, build_corpus_rules
from selector.formats.export import check_exportable, check_shape
from selector.io import Corpus, ReadOptions, output_guard, write_records
from selector.io.guard import holds_output_lock
from selector.pipeline.manifest import StageTimer, run_header
from selector.pipeline.outputs import staged_output, write_export, write_manifest, write_rejected
from selector.pipeline.report import dedup_examples
from selector.sample import Sample
from selector.selection.clustering import kmeans_for_run

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


@holds_output_lock("dedup")
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
        raise ConfigError("nothing to do: both dedup rules are off (--near / --semantic) and no --decontaminate")
    if embeddings is not None and not Path(embeddings).is_file():
        raise ConfigError(f"--embeddings {embeddings}: file not found (write one with `selector embed`)")
    if export is not None:
        check_shape(export)
    inputs = [str(p) for p in inputs]
    protected = [*inputs, *(cfg.filters.decontaminate or [])]
    guard = output_guard(out, "dedup", protected, overwrite=overwrite) if out is not None else None
    timer = StageTimer()

    with timer("read"):
        corpus = ReadOptions(source_field, None, mapping, skip_invalid).read(inputs)
    if not corpus.samples:
        raise SelectorError(f"no samples were read from {', '.join(inputs)}")
    filters = (
        [ContaminationFilter(cfg.filters.decontaminate, cfg.filters.contamination_ngram)]
        if cfg.filters.decontaminate
        else []
    )
    if export is not None:
        check_exportable(corpus.samples, export)  # a sample the shape cannot hold fails before any work
    pipeline = FilterPipeline(filters, build_corpus_rules(cfg.filters, cfg.dedup, cfg.seed))
    with timer("near_dedup"):
        result = pipeline.run(corpus.samples, progress=progress)
    kept, rejected, details = result.kept, list(result.rejected), dict(result.details)
    semantic_stats: dict[str, Any] | None = None
    if cfg.dedup.semantic_duplicate and len(kept) > 1:
        with timer("embed"):
            X, _, _ = pool_embeddings(kept, corpus, cfg.encoder, embeddings, progress=progress)
        with timer("cluster"):
            km = kmeans_for_run(X, cfg)
        with timer("semantic_dedup"):
            sem = drop_semantic_duplicates(
                kept, X, km.labels, cfg.dedup.semantic_eps, sample_scores(kept, cfg.filters.score_field)
            )
        kept = [kept[i] for i in sem.keep]
        rejected += sem.rejected
        details.update(sem.details)
        semantic_stats = sem.stats

    manifest = run_header("dedup", cfg, corpus)
    by_reason: dict[str, int] = {}
    for _, reason in rejected:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    manifest.update(
        {
            "config_file": str(config) if isinstance(config, (str, Path)) else None,
            "counts": {"input": len(corpus.samples), "kept": len(kept), "rejected": len(rejected), **by_reason},
            "rules": result.stats["rules"],
            "semantic_dedup": semantic_stats,
            "dedup": dedup_examples(rejected, details, corpus.samples),
            "options": {"embeddings": str(embeddings) if embeddings else None, "skip_invalid": skip_invalid},
            "seconds": timer.as_dict(),
        }
    )
    out_result = DedupResult(kept, rejected, details, manifest, corpus)
    if guard is not None:
        with staged_output(guard, protected, overwrite) as tmp:
            files = [p.relative_to(tmp).as_posix() for p in write_records(corpus, kept, tmp, "kept")]
            if export is not None:
                manifest["export"] = export
                files += write_export(tmp, kept, export, guard.path.name)
            write_rejected(tmp / "rejected.jsonl", rejected, details)
            manifest["outputs"] = sorted([*files, "rejected.jsonl"])
            write_manifest(tmp / "manifest.json", manifest)
        out_result.out_dir = guard.path
    return out_result
