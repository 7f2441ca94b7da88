"""The contract every stage keeps, and the loop that runs a list of them.

A stage is a small object with a ``name`` (its key under the manifest's ``seconds``), ``applies(ctx)`` (whether
this run needs it: presample only when the pool is too big, semantic dedup only when switched on, ...),
``run(ctx)`` (reads earlier slots of the :class:`~selector.pipeline.context.RunContext`, fills its own) and
``section(ctx)`` (what it adds to the manifest). ``select``, ``dedup`` and ``evaluate`` are lists of stages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from selector.pipeline.context import RunContext


class Stage(Protocol):
    name: str

    def applies(self, ctx: RunContext) -> bool: ...

    def run(self, ctx: RunContext) -> None: ...

    def section(self, ctx: RunContext) -> Mapping[str, Any]: ...


class BaseStage:
    """Defaults for a stage that always applies and adds nothing to the manifest."""

    name = "stage"

    def applies(self, ctx: RunContext) -> bool:
        return True

    def run(self, ctx: RunContext) -> None:
        raise NotImplementedError

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {}


def run_stages(stages: Sequence[Stage], ctx: RunContext) -> RunContext:
    """Run each stage that applies, timed under its name, and add its manifest section."""
    for stage in stages:
        if not stage.applies(ctx):
            continue
        with ctx.timer(stage.name):
            stage.run(ctx)
        ctx.manifest.add(stage.section(ctx))
    ctx.manifest.add({"seconds": ctx.timer.as_dict()})
    return ctx
