"""Tokens: under a token budget, count every pool sample's training tokens (all turns, no special tokens) with
the request's tokenizer (:mod:`selector.embedding.tokens`)."""

from __future__ import annotations

from selector.embedding.tokens import count_tokens
from selector.pipeline.context import RunContext
from selector.pipeline.request import Tokens
from selector.pipeline.stages.base import BaseStage


class TokensStage(BaseStage):
    """Fills ``ctx.token_counts``: ``(len(pool),)`` int tokens per sample."""

    name = "tokens"

    def applies(self, ctx: RunContext) -> bool:
        return isinstance(ctx.request.budget, Tokens)

    def run(self, ctx: RunContext) -> None:
        budget = ctx.request.budget
        assert isinstance(budget, Tokens) and ctx.pool is not None
        ctx.token_counts = count_tokens(ctx.pool, budget.counter)
