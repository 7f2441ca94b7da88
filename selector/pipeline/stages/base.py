"""The contract every stage keeps, and the loop that runs a list of them.

A stage is a small object with a ``name`` (its key under the manifest's ``seconds``), ``needs`` and ``fills``
(the slots of the :class:`~selector.pipeline.context.RunContext` it reads and the ones it sets), ``applies(ctx)``
(whether this run needs it: presample only when the pool is too big, semantic dedup only when switched on, ...),
``run(ctx)`` and ``section(ctx)`` (what it adds to the manifest). :func:`run_stages` checks ``needs`` before a
stage runs and ``fills`` after, so a list of stages in the wrong order fails naming the stage and the slot, not
with an attribute error deep inside. ``select``, ``dedup`` and ``evaluate`` are lists of stages.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from selector.pipeline.context import RunContext

log = logging.getLogger(__name__)

SECONDS_LOG = "seconds per stage: "
"""Prefix of the INFO line :func:`run_stages` logs at the end: the stage seconds as JSON, the stages that ran
after the manifest was written (``write``) included, which the manifest's own ``seconds`` cannot hold."""


class Stage(Protocol):
    name: str
    needs: tuple[str, ...]
    fills: tuple[str, ...]

    def applies(self, ctx: RunContext) -> bool: ...

    def run(self, ctx: RunContext) -> None: ...

    def section(self, ctx: RunContext) -> Mapping[str, Any]: ...


class BaseStage(ABC):
    """Defaults for a stage that always applies and adds nothing to the manifest; a subclass writes ``run``."""

    name = "stage"
    needs: tuple[str, ...] = ()
    fills: tuple[str, ...] = ()

    def applies(self, ctx: RunContext) -> bool:
        return True

    @abstractmethod
    def run(self, ctx: RunContext) -> None:
        """Read the slots filled by earlier stages and fill this stage's own."""

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return {}


def run_stages(stages: Sequence[Stage], ctx: RunContext, *, sections: bool = True) -> RunContext:
    """Run each stage that applies, timed under its name, and add its manifest section (``sections=False``: a
    command that writes a manifest of its own shape, such as ``filter``, builds it from the context instead)."""
    for stage in stages:
        if not stage.applies(ctx):
            continue
        _check_slots(ctx, stage, stage.needs, "needs")
        with ctx.timer(stage.name):
            stage.run(ctx)
        _check_slots(ctx, stage, stage.fills, "did not fill")
        if sections:
            ctx.manifest.add(stage.section(ctx))
    ctx.manifest.add({"seconds": ctx.timer.as_dict()})
    log.info("%s%s", SECONDS_LOG, json.dumps(ctx.timer.as_dict()))
    return ctx


def _check_slots(ctx: RunContext, stage: Stage, slots: Sequence[str], what: str) -> None:
    missing = [slot for slot in slots if getattr(ctx, slot) is None]
    if missing:
        raise RuntimeError(f"stage {stage.name!r} {what} {', '.join(missing)}: check the order of the stage list")


class When(BaseStage):
    """``stage`` in a run only when ``condition(ctx)`` holds too (``dedup`` embeds only when semantic dedup is on
    and more than one sample is left)."""

    def __init__(self, stage: Stage, condition: Callable[[RunContext], bool]) -> None:
        self.stage, self.condition, self.name = stage, condition, stage.name
        self.needs, self.fills = stage.needs, stage.fills

    def applies(self, ctx: RunContext) -> bool:
        return self.condition(ctx) and self.stage.applies(ctx)

    def run(self, ctx: RunContext) -> None:
        self.stage.run(ctx)

    def section(self, ctx: RunContext) -> Mapping[str, Any]:
        return self.stage.section(ctx)
