"""The options of ``select``, declared once: :class:`SelectOptions` and its parts.

``selector select`` builds a :class:`SelectOptions` from its flags, :func:`selector.select` from its keywords
(:meth:`SelectOptions.from_keywords`; a test checks that its signature is :meth:`SelectOptions.keywords`), and
:func:`~selector.pipeline.request.build_request` turns it into a request. An option left ``None`` takes the
config's value: defaults live in the config dataclasses only.

The parts are :class:`~selector.io.ReadOptions` (how the inputs are read), :class:`OutputOptions` (where and how
the run writes), :class:`BudgetOptions` (how much to select) and :class:`EncoderOptions` (the ``encoder:`` keys an
argument sets). A new ``encoder:`` key needs nothing here unless it also becomes an argument; then it is one field
of :class:`EncoderOptions`, named as the key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.config import RunConfig
from selector.errors import ConfigError
from selector.io import ReadOptions


@dataclass(frozen=True)
class OutputOptions:
    """Where and how a run writes.

    Attributes:
        out: the output folder (new or empty, or an earlier run of the same command with ``overwrite``); ``None``
            writes nothing.
        overwrite: replace an earlier run of the same command at ``out``.
        progress: show progress bars and info lines.
        export: also write ``train.jsonl`` in this trainer's shape (:data:`selector.formats.export.SHAPES`).
    """

    out: str | Path | None = None
    overwrite: bool = False
    progress: bool = True
    export: str | None = None


@dataclass(frozen=True)
class BudgetOptions:
    """How much to select: one of ``budget`` (records), ``fraction`` (of the pool after filters) and ``tokens``
    (training tokens, ``"2M"``, counted with ``tokenizer``: a local folder, ``None`` the encoder's). ``budget`` and
    ``fraction`` left ``None`` take the config's."""

    budget: int | None = None
    fraction: float | None = None
    tokens: int | str | None = None
    tokenizer: str | Path | None = None


@dataclass(frozen=True)
class EncoderOptions:
    """The ``encoder:`` config keys set by an argument (``None``: the config's value); each field is named as its
    key in :class:`~selector.embedding.config.EncoderConfig`, which documents it. ``trust_remote_code=True`` runs
    a model folder's own code (only for models you trust)."""

    model: str | Path | None = None
    device: str | None = None
    cache_dir: str | Path | None = None
    trust_remote_code: bool | None = None
    backend: str | None = None
    quantize: str | None = None
    dtype: str | None = None
    ray: bool | None = None
    ray_address: str | None = None
    ray_workers: int | None = None

    def overrides(self) -> dict[str, Any]:
        """The keys set, as the ``encoder:`` section of a config overrides mapping (paths as strings)."""
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {k: str(v) if isinstance(v, Path) else v for k, v in given.items() if v is not None}


@dataclass(frozen=True)
class SelectOptions:
    """Everything ``select`` takes besides its inputs.

    Attributes:
        size, output, read, encoder: the parts (:class:`BudgetOptions`, :class:`OutputOptions`,
            :class:`~selector.io.ReadOptions`, :class:`EncoderOptions`).
        config: a :class:`~selector.config.RunConfig`, a YAML path or a shipped name (``lima``); ``None`` is the
            defaults.
        seed: the config's ``seed`` (``None``: the config's).
        task: select for this task only (needs ``read.task_field``).
        target: a file of a few examples of the downstream task to select for.
        embeddings: precomputed vectors (``.npy``), one row per sample as read (``selector embed``).
        decontaminate: evaluation files whose n-grams must not leak into the output (``filters.decontaminate``).
    """

    size: BudgetOptions = field(default_factory=BudgetOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    read: ReadOptions = field(default_factory=ReadOptions)
    encoder: EncoderOptions = field(default_factory=EncoderOptions)
    config: RunConfig | str | Path | None = None
    seed: int | None = None
    task: str | None = None
    target: str | Path | None = None
    embeddings: str | Path | None = None
    decontaminate: Sequence[str | Path] | None = None

    @classmethod
    def keywords(cls) -> dict[str, dataclasses.Field[Any]]:
        """The flat keyword list (what :func:`selector.select` takes): the fields of every part, then the rest."""
        flat: dict[str, dataclasses.Field[Any]] = {}
        for part in _PARTS.values():
            flat.update({f.name: f for f in dataclasses.fields(part)})
        flat.update({f.name: f for f in dataclasses.fields(cls) if f.name not in _PARTS})
        return flat

    @classmethod
    def from_keywords(cls, **keywords: Any) -> SelectOptions:
        """The options of flat keywords (``budget=10, model="m"``), each routed to the part that declares it."""
        unknown = sorted(set(keywords) - set(cls.keywords()))
        if unknown:
            raise TypeError(f"select() got an unexpected keyword {unknown[0]!r}")
        parts = {
            name: part(**{f.name: keywords[f.name] for f in dataclasses.fields(part) if f.name in keywords})
            for name, part in _PARTS.items()
        }
        rest = {k: v for k, v in keywords.items() if k not in _PART_FIELDS}
        return cls(**parts, **rest)

    def config_overrides(self) -> dict[str, Any]:
        """The config keys these options set (``None`` leaves the config's value); a token budget clears the
        config's ``budget`` and ``fraction``."""
        size = self.size
        overrides: dict[str, Any] = {}
        if self.seed is not None:
            overrides["seed"] = self.seed
        if size.tokens is not None:
            overrides.update(budget=None, fraction=None)
        elif size.budget is not None or size.fraction is not None:  # one replaces the other
            overrides.update(budget=size.budget, fraction=size.fraction)
        encoder = self.encoder.overrides()
        if encoder:
            overrides["encoder"] = encoder
        if self.decontaminate:
            overrides["filters"] = {"decontaminate": [str(p) for p in self.decontaminate]}
        return overrides


_PARTS: dict[str, type] = {
    "size": BudgetOptions,
    "output": OutputOptions,
    "read": ReadOptions,
    "encoder": EncoderOptions,
}
"""The parts, in the order :func:`selector.select` lists their keywords."""
_PART_FIELDS = {f.name for part in _PARTS.values() for f in dataclasses.fields(part)}


def merged(options: SelectOptions | None, keywords: Mapping[str, Any]) -> SelectOptions:
    """``options`` or the options of ``keywords`` (those that differ from their defaults), not both."""
    flat = SelectOptions.keywords()
    given = {k: v for k, v in keywords.items() if v != _default(flat[k])}
    if options is None:
        return SelectOptions.from_keywords(**given)
    if given:
        raise ConfigError(f"give select() either options= or keywords, not both (got options= and {sorted(given)[0]}=)")
    return options


def _default(f: dataclasses.Field[Any]) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
