"""The whole selection, end to end, as a list of stages (:mod:`selector.pipeline.stages`).

:func:`select` is the Python API behind ``selector select``: it builds a :class:`SelectRequest` from its
arguments, runs :data:`SELECT_STAGES` over one :class:`RunContext` and returns a :class:`SelectResult` with the
chosen samples in ranking order and the run manifest; given ``out`` it leaves behind the files described in
``docs/algorithms.md`` section 6: ``selected.<ext>``, ``selection.jsonl``, ``rejected.jsonl``, ``manifest.json``,
``report.md`` and its plots. :func:`select_pool` runs the same stages from clustering on, over samples and vectors
already in memory (what ``selector evaluate`` compares against random).

Budget: ``budget`` (a count), ``fraction`` (of the pool after filters, rounded half up, at least 1; the paper's
0.5% is ``fraction=0.005``), from the arguments or else the config, or ``tokens`` (training tokens, ``"2M"``; the
ranking is cut per group at its token quota, see :mod:`selector.pipeline.tokens`). ``export`` also writes
``train.jsonl`` in a trainer's shape and a LLaMA-Factory ``dataset_info.json`` (:mod:`selector.formats.export`).
How candidates, seeds and group quotas are chosen (a labelled task, an external target, several tasks, or none)
is in :mod:`selector.selection.coreset_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig
from selector.io import Corpus, ReadOptions
from selector.io.guard import output_lock
from selector.pipeline.context import RunContext
from selector.pipeline.options import SelectOptions, merged
from selector.pipeline.partitioned import select_stages
from selector.pipeline.partitioned import session as executor_session
from selector.pipeline.pool import Pool
from selector.pipeline.request import Count, SelectRequest, build_request
from selector.pipeline.stages import (
    CleanStage,
    ClusterStage,
    CoverageStage,
    EmbedStage,
    EvidenceStage,
    ExportCheckStage,
    FilterStage,
    LoadEncoderStage,
    PickStage,
    PlanStage,
    PresampleStage,
    ReadStage,
    SemanticDedupStage,
    Stage,
    TokensStage,
    WriteStage,
    run_stages,
)
from selector.sample import Sample
from selector.selection.coreset_plan import CoresetPlan

POOL_STAGES: tuple[Stage, ...] = (ClusterStage(), SemanticDedupStage(), PlanStage(), PickStage())
"""From a pool in memory to the picks: what :func:`select_pool` runs."""

SELECT_STAGES: tuple[Stage, ...] = (
    LoadEncoderStage(),
    ReadStage("select"),
    CleanStage(),
    FilterStage(),
    PresampleStage(),
    ExportCheckStage(),
    TokensStage(),
    EmbedStage(),
    *POOL_STAGES,
    CoverageStage(),
    EvidenceStage(),
    WriteStage(),
)
"""``selector select``, stage by stage."""


@dataclass
class SelectResult:
    """The outcome of :func:`select`.

    Attributes:
        samples: the selected samples in ranking order (any prefix is a valid smaller selection).
        indices: ``(m,)`` positions of the selected samples in ``corpus.samples``.
        manifest: the run manifest (what ``manifest.json`` holds).
        corpus: everything that was read.
        out_dir: the output folder, when one was written.
    """

    samples: list[Sample]
    indices: np.ndarray
    manifest: dict[str, Any]
    corpus: Corpus
    out_dir: Path | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> list[Any]:
        """The selected records as the input holds them (cleaned when cleaning is on)."""
        return [s.record for s in self.samples]


def select(
    inputs: Sequence[str | Path],
    options: SelectOptions | None = None,
    *,
    budget: int | None = None,
    fraction: float | None = None,
    tokens: int | str | None = None,
    tokenizer: str | Path | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
    export: str | None = None,
    source_field: str | None = None,
    task_field: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    max_gzip_ratio: float | None = None,
    read_workers: int | None = None,
    model: str | Path | None = None,
    device: str | None = None,
    cache_dir: str | Path | None = None,
    trust_remote_code: bool | None = None,
    backend: str | None = None,
    quantize: str | None = None,
    dtype: str | None = None,
    ray: bool | None = None,
    ray_address: str | None = None,
    ray_workers: int | None = None,
    config: RunConfig | str | Path | None = None,
    seed: int | None = None,
    task: str | None = None,
    target: str | Path | None = None,
    embeddings: str | Path | None = None,
    decontaminate: Sequence[str | Path] | None = None,
) -> SelectResult:
    """Select the samples worth training on from ``inputs`` (files, folders or Hub names).

    Give either ``options`` (a :class:`~selector.pipeline.options.SelectOptions`) or these keywords, which are its
    fields, flattened and described there; those left ``None`` take their value from ``config`` (a RunConfig, a
    YAML path or preset name, or ``None`` for the defaults). With ``out``, the outputs are written into that
    folder as a whole (new or empty, or an earlier ``select`` run with ``overwrite=True``). Give one budget:
    ``budget``, ``fraction`` or ``tokens``.
    """
    keywords = {k: v for k, v in locals().items() if k not in ("inputs", "options")}  # SelectOptions.keywords()
    return run_request(build_request(inputs, merged(options, keywords)))


def run_request(request: SelectRequest) -> SelectResult:
    """Run :data:`SELECT_STAGES` for ``request`` (what :func:`select` and ``selector select`` do), under the
    in-memory executor or, when Ray is asked for, the partitioned one (:mod:`selector.pipeline.partitioned`)."""
    stages = select_stages(SELECT_STAGES, request)  # the in-memory or the partitioned executor
    with output_lock(request.out, "select"), executor_session(request, stages):  # the lock: to the last file written
        ctx = run_stages(stages, RunContext(request, request.config))
    assert ctx.corpus is not None and ctx.pool is not None  # the read stage fills both
    return SelectResult(
        samples=[ctx.pool[i] for i in ctx.picks.tolist()],
        indices=ctx.pool.at[ctx.picks],
        manifest=ctx.manifest.build(),
        corpus=ctx.corpus,
        out_dir=ctx.guard.path if ctx.guard is not None else None,
        rows=ctx.rows,
    )


def select_pool(
    pool: Sequence[Sample], X: np.ndarray, config: RunConfig, budget: int, *, tasks: bool = False, sources: bool = False
) -> np.ndarray:
    """What :func:`select` picks from ``pool`` (samples already read and filtered, ``X`` their unit vectors, one
    row each) for a budget of ``budget`` records: :data:`POOL_STAGES` in memory, no files. With ``tasks`` the
    samples' tasks plan the run (task centres as seeds, quotas per task); without, the pool is one merged source
    with no task labels, as a user without labels runs it (``sources``: the samples keep their sources, as one file
    per template does). Returns ``(m,)`` positions in ``pool``, ranked."""
    ctx = run_stages(POOL_STAGES, _pool_context(pool, X, config, budget, tasks, sources))
    assert ctx.pool is not None  # given
    return ctx.pool.at[ctx.picks]


def pool_plan(
    pool: Sequence[Sample], X: np.ndarray, config: RunConfig, budget: int, *, sources: bool = False
) -> CoresetPlan:
    """The plan :func:`select_pool` with ``tasks`` would follow (task centres as seeds, temperature quotas per
    task; ``sources``: the plan of the samples' own sources and no tasks), for strategies that take the same rules
    (``selector evaluate``'s ``+tasks`` and ``+sources`` rows)."""
    ctx = run_stages((ClusterStage(), PlanStage()), _pool_context(pool, X, config, budget, not sources, sources))
    assert ctx.plan is not None  # the plan stage fills it
    return ctx.plan


def _pool_context(
    pool: Sequence[Sample], X: np.ndarray, config: RunConfig, budget: int, tasks: bool, sources: bool = False
) -> RunContext:
    samples = [_as_one_source(s, keep_task=tasks, keep_source=sources) for s in pool]
    request = SelectRequest(inputs=(), config=config, budget=Count(budget), read=ReadOptions(), progress=False)
    vectors = np.ascontiguousarray(X, dtype=np.float32)
    return RunContext(request, config, pool=Pool.of(samples).with_(X=vectors))


def _as_one_source(sample: Sample, keep_task: bool, keep_source: bool = False) -> Sample:
    """A copy of ``sample`` in one source for the whole pool (``"pool"``; ``keep_source``: its own), with its task
    or none."""
    copy = Sample.__new__(Sample)
    for name in Sample.__slots__:
        setattr(copy, name, getattr(sample, name))
    if not keep_source:
        copy.source = "pool"
    if not keep_task:
        copy.task = None
    return copy
