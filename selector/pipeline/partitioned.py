"""The partitioned executor: the stages of ``select`` with every pass over the vectors run on Ray workers.

``select`` has one list of stages (:data:`selector.pipeline.run.SELECT_STAGES`) and two executors. The in-memory
one runs them as they are: the embed stage loads every vector into one ``(n, d)`` array. The partitioned one
(:func:`select_stages`) swaps four of them, so that the vectors stay in the ``--embeddings`` file and the driver
holds only per-row integers and scores:

- embed -> :class:`VectorsStage`: the file is checked against its sidecar (as in memory), and the pool's ``X``
  becomes a :class:`~selector.distributed.vectors.VectorFile` (the file and one file row per pool row);
- cluster -> :class:`PartitionedClusterStage`: K-Means trained here on its seeded sample, every row assigned on
  Ray Data workers, one partition of the file each (:mod:`selector.distributed.ray_kmeans`);
- plan: the pool's (or each task's) centre found by the workers (:mod:`selector.distributed.ray_centres`);
- pick: the sharded coreset's Ray tasks read their shards' rows from the file (:func:`selector.distributed.run_ray`);
  only picks, radii and distances come back;
- coverage: measured on its 20,000-row sample as in memory, or, for a pool of at most
  ``FULL_COVERAGE_MAX`` (100,000) rows, on every row read here (a bounded array); the report's map reads its sample.

Picks, labels and centres are those of the in-memory run with ``coreset.backend: local`` (``selected.jsonl`` byte
for byte; ``tests/distributed/test_partitioned.py``). It runs when Ray is asked for (``encoder.ray`` or
``coreset.backend: ray``) on a run that has an ``embeddings=`` file and ``coreset.mode: sharded`` with the
KCenterGreedy; a run it does not cover yet (a token budget, ``task=``, ``target=``, semantic dedup,
``coreset.seeding: medoids``) keeps the in-memory executor, and the log says why (``docs/scale.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from selector.distributed import run_ray
from selector.distributed.ray_centres import centres_ray
from selector.distributed.ray_kmeans import kmeans_partitioned
from selector.distributed.session import ray_session, ray_target
from selector.distributed.vectors import VectorFile, open_vectors
from selector.pipeline.context import RunContext
from selector.pipeline.request import SelectRequest, Tokens
from selector.pipeline.stages import ClusterStage, CoverageStage, EmbedStage, PickStage, PlanStage, Stage
from selector.pipeline.stages.embed import keeps_float16
from selector.selection.centres import TaskCentre
from selector.selection.coverage import FULL_COVERAGE_MAX
from selector.selection.strategies import resolve_strategy

log = logging.getLogger(__name__)

__all__ = ["partitioned_gap", "ray_wanted", "select_stages", "session"]

FEATURE = "coreset.backend: ray"


def ray_wanted(request: SelectRequest) -> bool:
    """Whether the run asks for Ray: ``encoder.ray`` (``--ray``) or ``coreset.backend: ray``."""
    return bool(request.config.encoder.ray) or request.config.coreset.backend == "ray"


def partitioned_gap(request: SelectRequest) -> str | None:
    """Why the partitioned executor cannot run ``request`` (``None``: it can)."""
    cfg = request.config
    c = cfg.coreset
    if request.embeddings is None:
        return "the vectors are encoded in this run (the executor reads an embeddings= file)"
    if c.mode != "sharded":
        return "coreset.mode is global (the executor runs the sharded coreset)"
    if resolve_strategy(c.strategy, plan_mode="pool", mode=c.mode, tokens=False, candidates=0) != "kcenter":
        return f"coreset.strategy is {c.strategy} (the executor runs kcenter)"
    gaps = {
        "a token budget": isinstance(request.budget, Tokens),
        "task=": request.task is not None,
        "target=": request.target is not None,
        "dedup.semantic_duplicate": bool(cfg.dedup.semantic_duplicate),
        "coreset.seeding: medoids": c.seeding == "medoids",
    }
    found = [name for name, on in gaps.items() if on]
    return f"{found[0]} is not partitioned yet" if found else None


def select_stages(stages: Sequence[Stage], request: SelectRequest) -> tuple[Stage, ...]:
    """``stages`` for the executor ``request`` runs under: as they are, or with the partitioned stages in place of
    embed, cluster, plan, pick and coverage when Ray is asked for and :func:`partitioned_gap` finds nothing."""
    if not ray_wanted(request):
        return tuple(stages)
    gap = partitioned_gap(request)
    if gap is not None:
        log.info("Ray: the in-memory executor runs this selection, because %s", gap)
        return tuple(stages)
    address = request.config.encoder.ray_address
    swap: dict[type, Stage] = {
        EmbedStage: VectorsStage(),
        ClusterStage: PartitionedClusterStage(address),
        PlanStage: PartitionedPlanStage(address),
        PickStage: PickStage(runner=run_ray),
        CoverageStage: PartitionedCoverageStage(),
    }
    return tuple(swap.get(type(stage), stage) for stage in stages)


def session(request: SelectRequest, stages: Sequence[Stage]) -> AbstractContextManager[Any]:
    """One Ray for the whole run when ``stages`` are partitioned (else nothing): each stage would otherwise start
    and stop its own local Ray."""
    if not any(isinstance(s, VectorsStage) for s in stages):
        return nullcontext()
    return ray_session(request.config.encoder.ray_address, feature=FEATURE)


def _vectors(ctx: RunContext) -> VectorFile:
    X = ctx.pool.X
    if not isinstance(X, VectorFile):
        raise RuntimeError("the partitioned stages need the pool's VectorFile: run VectorsStage first")
    return X


class VectorsStage(EmbedStage):
    """The embed stage of the partitioned executor: checks the ``embeddings=`` file against its sidecar and gives
    ``ctx.pool`` a :class:`~selector.distributed.vectors.VectorFile` as ``X`` (no vector is read here)."""

    def run(self, ctx: RunContext) -> None:
        req, enc = ctx.request, ctx.config.encoder
        if req.embeddings is None or ctx.corpus is None:
            raise RuntimeError("the partitioned executor needs an embeddings= file and the corpus read")
        vf = open_vectors(
            req.embeddings,
            ctx.pool.at,
            ctx.corpus.samples,
            template=enc.template,
            model=enc.model,
            keep_float16=keeps_float16(ctx),
        )
        ctx.pool = ctx.pool.with_(X=vf)
        ctx.encoder_info = {"model": f"precomputed: {req.embeddings}", "dim": vf.d, "dtype_in_memory": str(vf.dtype)}

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        executor = {"name": "partitioned", "ray": ray_target(ctx.config.encoder.ray_address)}
        return {**super().section(ctx), "executor": executor}


class PartitionedClusterStage(ClusterStage):
    """K-Means trained on the driver's seeded sample, assigned on Ray Data workers (Ray at ``address``, as
    :func:`~selector.distributed.session.ray_session` takes it); fills what the cluster stage fills, with the same
    values."""

    def __init__(self, address: str | None = None) -> None:
        self.address = address

    def run(self, ctx: RunContext) -> None:
        cfg = ctx.config
        with ray_session(self.address, feature=FEATURE) as ray:
            ctx.kmeans = kmeans_partitioned(
                ray, _vectors(ctx), cfg.clustering, seed=cfg.seed, device=cfg.encoder.device
            )
        ctx.pool = ctx.pool.with_(labels=ctx.kmeans.labels)


class PartitionedPlanStage(PlanStage):
    """The plan stage, with the task centres' pass over the vectors on Ray Data workers (Ray at ``address``)."""

    def __init__(self, address: str | None = None) -> None:
        self.address = address

    def centres_of(self, X: Any, labels: np.ndarray, centroids: np.ndarray, tasks: Sequence[Any]) -> list[TaskCentre]:
        with ray_session(self.address, feature=FEATURE) as ray:
            return centres_ray(ray, X, labels, centroids, tasks)


class PartitionedCoverageStage(CoverageStage):
    """The coverage stage reading only the rows it measures: its seeded sample and the picks, or every row of a
    pool small enough to be measured exactly (at most ``FULL_COVERAGE_MAX`` rows, read here for the stage)."""

    def run(self, ctx: RunContext) -> None:
        vf = _vectors(ctx)
        if len(vf) > FULL_COVERAGE_MAX:
            super().run(ctx)
            return
        ctx.pool = ctx.pool.with_(X=vf[:])
        try:
            super().run(ctx)
        finally:
            ctx.pool = ctx.pool.with_(X=vf)
