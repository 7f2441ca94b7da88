"""The run configuration: one dataclass per section of the YAML file, composed into :class:`RunConfig`.

Top-level keys are strict (an unknown key is an error naming it and listing the valid ones). The dataclass
defaults *are* ``configs/default.yaml`` (a test checks that the file and the defaults agree). The presets live in
the top-level ``configs/`` and ship inside the wheel, so ``--config lima`` works wherever selector is installed;
only a bare name finds a shipped config, never a path that does not exist.

Each package owns its section (``EncoderConfig`` in :mod:`selector.embedding.config`, ``ClusteringConfig`` and
``CoresetConfig`` in :mod:`selector.selection.config`, the filter sections in :mod:`selector.filters`); this
module composes them. To add a section, give its package a dataclass with defaults and add one field here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.config.loader import from_mapping, load_yaml, to_dict
from selector.embedding.config import EncoderConfig
from selector.errors import ConfigError
from selector.filters.clean import CleanConfig
from selector.filters.config import DedupConfig, FilterConfig
from selector.selection.allocation import AllocationConfig
from selector.selection.config import ClusteringConfig, CoresetConfig

__all__ = [
    "ClusteringConfig",
    "CoresetConfig",
    "EncoderConfig",
    "RunConfig",
    "load_run_config",
    "run_config_to_dict",
]


@dataclass
class RunConfig:
    """The whole YAML config of a run.

    Attributes:
        filters: LIMA-style filter rules (:class:`~selector.filters.FilterConfig`).
        dedup: near-duplicate and semantic-duplicate rules (:class:`~selector.filters.DedupConfig`).
        cleaning: the cleaning transform (:class:`~selector.filters.CleanConfig`).
        allocation: temperature balancing across groups (:class:`~selector.selection.allocation.AllocationConfig`).
        encoder, clustering, coreset: the embedding, K-Means and selection stages.
        budget: how many samples to select (``--budget``), or
        fraction: the share of the filtered pool to select (``--fraction``; the paper's 0.5% is 0.005).
        seed: seeds K-Means, the random baseline and any pre-sampling.
    """

    filters: FilterConfig = field(default_factory=FilterConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    cleaning: CleanConfig = field(default_factory=CleanConfig)
    allocation: AllocationConfig = field(default_factory=AllocationConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    clustering: ClusteringConfig = field(default_factory=ClusteringConfig)
    coreset: CoresetConfig = field(default_factory=CoresetConfig)
    budget: int | None = None
    fraction: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        # faiss K-Means and numpy's generators both take the seed; faiss's is a C int, so the range is its range.
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= SEED_MAX:
            raise ConfigError(
                f"config key 'seed' must be an integer from 0 to {SEED_MAX:,}, got {self.seed!r}; pick a seed in "
                "that range"
            )


SEED_MAX = 2**31 - 1
"""The largest seed a run takes (faiss seeds its K-Means with a C ``int``); seeds are checked before any work."""


def load_run_config(
    config: RunConfig | str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> RunConfig:
    """The run config from a YAML path or shipped name (``lima``), a :class:`RunConfig`, or ``None`` (the defaults).

    ``overrides`` is a nested mapping merged over it section by section before validation (the CLI options and
    ``select()`` arguments that set config keys). This is the only place configs are merged. Unknown keys and
    wrongly typed values raise :class:`~selector.errors.ConfigError` naming the dotted key.
    """
    if isinstance(config, RunConfig):
        data: dict[str, Any] = run_config_to_dict(config)
    else:
        data = load_yaml(config_path(config)) if config is not None else {}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return from_mapping(RunConfig, data)


PRESETS_FOLDER = "configs"
"""Where the shipped configs (``default``, ``lima``, ``task``) live: the top-level ``configs/`` of a checkout; a
built wheel carries a copy inside the package (``setup.py`` copies it), so ``--config lima`` works wherever
selector is installed."""


def presets_dir() -> Path:
    """The folder of the shipped configs: ``configs/`` beside the package in a checkout or an editable install,
    else the copy installed inside the package."""
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent / PRESETS_FOLDER
    if (checkout / "default.yaml").is_file() and (package.parent / "pyproject.toml").is_file():
        return checkout
    return package / PRESETS_FOLDER


def presets() -> dict[str, Path]:
    """The shipped configs by name."""
    return {p.stem: p for p in sorted(presets_dir().glob("*.yaml"))}


def config_path(config: str | Path) -> Path:
    """The YAML file ``config`` names: an existing file, else a shipped config's bare name (``lima``,
    ``lima.yaml``). A path (anything with a folder in it) that does not exist is an error naming it: it never
    falls back to the shipped config of the same name."""
    path = Path(config)
    if path.is_file():
        return path
    if path.parent != Path("."):
        raise ConfigError(f"config {str(config)!r}: no such file; give the path of a YAML file, or a shipped name")
    known = presets()
    name = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else path.name
    if name in known:
        return known[name]
    raise ConfigError(
        f"config {str(config)!r}: no such file, and not a shipped config ({', '.join(known)}); "
        "give a YAML path or one of those names (`selector configs` lists them)"
    )


def run_config_to_dict(config: RunConfig) -> dict[str, Any]:
    """The fully resolved config as plain data (for manifests); ``inf`` stays a float."""
    return to_dict(config)
