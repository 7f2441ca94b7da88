"""What a user asked for, built once: :class:`SelectRequest` and its :data:`Budget`.

``select()`` and ``selector select`` both build a request from one
:class:`~selector.pipeline.options.SelectOptions` (:func:`build_request`): the config is loaded and merged with
the options here and nowhere else, the budget becomes one of three objects (:class:`Count`, :class:`Fraction`,
:class:`Tokens`), and every check that needs no data runs before anything is read. A request is frozen: later
stages read it and never change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig, load_run_config
from selector.embedding.models import load_local_tokenizer
from selector.errors import ConfigError
from selector.formats.export import check_shape
from selector.io import ReadOptions
from selector.pipeline.arguments import check_cache_dir, check_options, check_target, resolve_budget
from selector.pipeline.options import SelectOptions
from selector.pipeline.tokens import parse_count, records_needed
from selector.selection.strategies import PIPELINE_STRATEGIES


@dataclass(frozen=True)
class Count:
    """A budget of ``n`` records."""

    n: int

    def records(self, filtered: int, tokens: np.ndarray | None = None) -> int:
        return resolve_budget(self.n, None, filtered)


@dataclass(frozen=True)
class Fraction:
    """A budget of a share of the pool after filters (rounded half up, at least one record)."""

    share: float

    def records(self, filtered: int, tokens: np.ndarray | None = None) -> int:
        return resolve_budget(None, self.share, filtered)


@dataclass(frozen=True)
class Tokens:
    """A budget of ``n`` training tokens, counted with ``tokenizer`` (a local folder; ``None``: the default
    encoder's). Its record count is the fewest shortest-first records that reach ``n`` tokens."""

    n: int
    tokenizer: str | None = None
    counter: Any = field(default=None, compare=False, repr=False)
    """The loaded tokenizer (loaded when the request is built, so a bad ``--tokenizer`` fails before any work)."""

    def records(self, filtered: int, tokens: np.ndarray | None = None) -> int:
        if tokens is None:
            raise ConfigError("a token budget needs the pool's token counts (the tokens stage)")
        return records_needed(tokens, np.ones(len(tokens), dtype=bool), self.n)


Budget = Count | Fraction | Tokens


@dataclass(frozen=True)
class SelectRequest:
    """One run, as asked for: inputs, the merged config, the budget and where the outputs go.

    ``budget`` is ``None`` for the commands that select nothing (``filter``, ``dedup``). ``task``, ``target`` and
    ``embeddings`` are paths or names as given; ``export`` a trainer shape or ``None``;
    ``read`` how the inputs are read. ``protected`` lists every file the run reads, which no output may replace.
    """

    inputs: tuple[str, ...]
    config: RunConfig
    budget: Budget | None
    read: ReadOptions
    out: Path | None = None
    task: str | None = None
    target: str | None = None
    embeddings: str | None = None
    export: str | None = None
    overwrite: bool = False
    progress: bool = True

    @property
    def protected(self) -> list[str]:
        return [*self.inputs, *([self.target] if self.target else []), *(self.config.filters.decontaminate or [])]

    def options(self) -> dict[str, Any]:
        """The manifest's ``options`` section: the arguments that are not config keys."""
        r = self.read
        out: dict[str, Any] = {
            "inputs": list(self.inputs),
            "source_field": r.source_field,
            "task_field": r.task_field,
            "task": self.task,
            "target": self.target,
            "embeddings": self.embeddings,
            "mapping": dict(r.mapping) if r.mapping else None,
            "skip_invalid": r.skip_invalid,
        }
        if self.export is not None:
            out["export"] = self.export
        if isinstance(self.budget, Tokens):
            out["tokens"] = self.budget.n
            out["tokenizer"] = self.budget.tokenizer
        return out


def keeping_request(
    inputs: Sequence[str | Path],
    config: RunConfig,
    read: ReadOptions,
    *,
    out: str | Path | None,
    export: str | None,
    overwrite: bool,
    progress: bool,
    embeddings: str | Path | None = None,
) -> SelectRequest:
    """The request of a command that keeps part of its input and selects nothing (``filter``, ``dedup``): no
    budget; ``export`` (a trainer shape) is checked here, before any work."""
    if export is not None:
        check_shape(export)
    return SelectRequest(
        inputs=tuple(str(p) for p in inputs),
        config=config,
        budget=None,
        read=read,
        out=Path(out) if out is not None else None,
        embeddings=str(embeddings) if embeddings is not None else None,
        export=export,
        overwrite=overwrite,
        progress=progress,
    )


def budget_of(budget: int | None, fraction: float | None, tokens: int | str | None) -> Budget:
    """The one budget among a record count, a fraction and a token count (``"2M"``); exactly one must be set."""
    if tokens is not None:
        if budget is not None or fraction is not None:
            raise ConfigError(
                "give exactly one budget: budget=N (records), fraction=F (of the filtered pool) or tokens=N "
                "(training tokens, e.g. 2M)"
            )
        return Tokens(parse_count(tokens, "tokens="))
    resolve_budget(budget, fraction, 1)  # a missing, doubled or invalid budget fails before any work
    return Count(int(budget)) if budget is not None else Fraction(float(fraction))  # type: ignore[arg-type]


def _config_and_budget(options: SelectOptions) -> tuple[RunConfig, Budget]:
    """The run config (loaded and merged with the options, once) and the one budget it asks for."""
    size = options.size
    if size.tokens is None and size.tokenizer is not None:
        raise ConfigError("tokenizer= counts the tokens of tokens=N; give a token budget or leave it out")
    if size.tokens is not None:
        budget_of(size.budget, size.fraction, size.tokens)  # with a budget or fraction: fails before the merge
    cfg = load_run_config(options.config, options.config_overrides())
    the_budget = budget_of(cfg.budget, cfg.fraction, size.tokens)
    if isinstance(the_budget, Tokens):
        if cfg.coreset.strategy in PIPELINE_STRATEGIES:
            raise ConfigError(f"tokens= works with coreset.strategy kcenter or random, not {cfg.coreset.strategy!r}")
        tok = load_local_tokenizer(size.tokenizer, key="tokenizer=")
        the_budget = Tokens(the_budget.n, str(size.tokenizer) if size.tokenizer is not None else None, tok)
    return cfg, the_budget


def build_request(inputs: Sequence[str | Path], options: SelectOptions | None = None) -> SelectRequest:
    """The request of ``select()``'s options: the config merged once, one budget, the checks that need no data.

    Options left ``None`` take the config's value (:mod:`selector.pipeline.options` describes each).
    """
    options = options if options is not None else SelectOptions()
    cfg, the_budget = _config_and_budget(options)
    output = options.output
    if output.export is not None:
        check_shape(output.export)
    check_options(options.task, options.read.task_field, options.target, options.embeddings)
    check_cache_dir(cfg.encoder.cache_dir, options.embeddings)
    check_target(options.target, options.read)
    return SelectRequest(
        inputs=tuple(str(p) for p in inputs),
        config=cfg,
        budget=the_budget,
        read=options.read,
        out=Path(output.out) if output.out is not None else None,
        task=options.task,
        target=str(options.target) if options.target is not None else None,
        embeddings=str(options.embeddings) if options.embeddings is not None else None,
        export=output.export,
        overwrite=output.overwrite,
        progress=output.progress,
    )
