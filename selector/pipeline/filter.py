"""``selector filter`` as a Python API: LIMA-style cleaning and filters, every dropped record kept with its reason.

:func:`filter_corpus` runs the first stages of a selection (read, clean, filter) and, given ``out``, writes
``kept.<ext>`` (the records that passed, as cleaned, in the input's own container), ``rejected.jsonl`` (records as
read, before cleaning, each with its reason; the shape ``select`` writes) and ``manifest.json`` (the stages'
sections as in ``select``: resolved config, input files, ``filters`` with the rules and the counts per source,
``cleaning``; then :func:`~selector.pipeline.kept.kept_section`'s counts, ``input == kept + rejected``), whole or
not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selector.config import RunConfig, load_run_config
from selector.io import Corpus, ReadOptions
from selector.io.guard import holds_output_lock
from selector.pipeline.context import RunContext
from selector.pipeline.kept import kept_section
from selector.pipeline.outputs import write_kept
from selector.pipeline.request import keeping_request
from selector.pipeline.stages import CleanStage, ExportCheckStage, FilterStage, ReadStage, run_stages
from selector.sample import Sample

FILTER_STAGES = (ReadStage("filter"), CleanStage(), FilterStage(require_kept=False), ExportCheckStage())
"""``selector filter``, stage by stage."""


@dataclass
class FilterRun:
    """The outcome of :func:`filter_corpus`: the kept samples (cleaned, in reading order), ``(sample, reason)``
    for each dropped one (the sample as read), the manifest, the corpus, and the folder when one was written."""

    kept: list[Sample]
    rejected: list[tuple[Sample, str]]
    manifest: dict[str, Any]
    corpus: Corpus
    out_dir: Path | None = None


@holds_output_lock("filter")  # held from before reading
def filter_corpus(
    inputs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    config: RunConfig | str | Path | None = None,
    source_field: str | None = None,
    mapping: Mapping[str, str] | None = None,
    decontaminate: Sequence[str | Path] | None = None,
    skip_invalid: bool = False,
    overwrite: bool = False,
    export: str | None = None,
    progress: bool = True,
) -> FilterRun:
    """Clean and filter ``inputs`` by the config's rules (``config``: a RunConfig, a YAML path or a preset name);
    with ``out``, write the folder described in the module docstring (``export``: also ``train.jsonl`` in that
    trainer shape and ``dataset_info.json``)."""
    overrides = {"filters": {"decontaminate": [str(p) for p in decontaminate]}} if decontaminate else None
    cfg = load_run_config(config, overrides)
    read = ReadOptions(source_field, None, mapping, skip_invalid)
    request = keeping_request(inputs, cfg, read, out=out, export=export, overwrite=overwrite, progress=progress)
    ctx = run_stages(FILTER_STAGES, RunContext(request, cfg))
    assert ctx.corpus is not None and ctx.filtered is not None  # the stages fill them
    rejected = ctx.rejected_as_read()
    ctx.manifest.add(kept_section(ctx, config))
    manifest = ctx.manifest.build()
    run = FilterRun(list(ctx.filtered.kept), rejected, manifest, ctx.corpus)
    if ctx.guard is not None:
        run.out_dir = write_kept(
            ctx.guard, request.protected, overwrite, ctx.corpus, run.kept, rejected, manifest, export,
            ctx.filtered.details,
        )  # fmt: skip
    return run
