"""Embed: one unit vector per pool sample (the encoder, cached by content, or the ``--embeddings`` file checked
against its sidecar), and the ``--target`` examples with the same encoder; the encoder's memory goes back before
clustering and the coreset need it (:mod:`selector.embedding.step`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.device import resolve_device
from selector.distributed import fill_cache_ray
from selector.embedding.step import embed_target, load_encoder_soon, pool_embeddings
from selector.pipeline.context import RunContext
from selector.pipeline.stages.base import BaseStage
from selector.selection.strategies import resolve_strategy


def keeps_float16(ctx: RunContext) -> bool:
    """A float16 ``--embeddings`` file stays float16 in memory where every later stage widens only the rows it
    uses (K-Means in blocks, the sharded coreset shard by shard): half of X's memory at 10M rows."""
    c = ctx.config.coreset
    if c.mode != "sharded" or ctx.config.dedup.semantic_duplicate:
        return False
    # in sharded mode the resolution depends on nothing but the mode (auto is kcenter there)
    return resolve_strategy(c.strategy, plan_mode="pool", mode=c.mode, tokens=False, candidates=0) == "kcenter"


class LoadEncoderStage(BaseStage):
    """On CUDA, starts loading the encoder in a background thread as the run begins (its imports, weights and CUDA
    context took about 9 of the embed stage's 12 s on an H200), so reading and filtering overlap it; fills
    ``ctx.encoder`` with the future, which the embed stage waits on. On a CPU the model loads at the embed stage,
    where it does not compete with reading for the cores."""

    name = "load_encoder"

    def applies(self, ctx: RunContext) -> bool:
        device = resolve_device(ctx.config.encoder.device, mps=False)
        return ctx.request.embeddings is None and device.startswith("cuda")

    def run(self, ctx: RunContext) -> None:
        ctx.encoder = load_encoder_soon(ctx.config.encoder)


class EmbedStage(BaseStage):
    """Gives ``ctx.pool`` its vectors ``X`` (``(len(pool), d)``, unit rows); fills ``ctx.encoder_info`` and,
    with a target, ``ctx.target_X`` and ``ctx.target_info``."""

    name = "embed"
    needs = ("corpus", "pool")

    def run(self, ctx: RunContext) -> None:
        req, enc = ctx.request, ctx.config.encoder
        X, ctx.encoder_info, encoder = pool_embeddings(
            ctx.pool.samples,
            ctx.corpus,
            enc,
            req.embeddings,
            progress=req.progress,
            keep_float16=keeps_float16(ctx),
            fill_cache=fill_cache_ray,
            encoder=ctx.encoder,  # a model loading since the run began (on CUDA), or None
            rows=ctx.pool.at,
            digests=ctx.text_hashes,  # taken by the filter pass: the sidecar check parses no sample again
        )
        ctx.pool = ctx.pool.with_(X=X)
        ctx.encoder_info["dtype_in_memory"] = str(X.dtype)
        if req.target is not None:
            ctx.target_X, ctx.target_info = embed_target(
                req.target, encoder, enc.template, read_options=req.read, progress=req.progress
            )
        if encoder is not None:
            encoder.release()  # the model's (GPU) memory goes back before clustering and the coreset need it

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"target": dict(ctx.target_info) if ctx.target_info else None, "encoder": dict(ctx.encoder_info)}
