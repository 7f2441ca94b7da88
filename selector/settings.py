"""The run configuration: one dataclass per section of the YAML file, composed into :class:`RunConfig`.

Top-level keys are strict (an unknown key is an error naming it and listing the valid ones). The dataclass
defaults *are* ``configs/default.yaml`` (a test checks that the file and the defaults agree), so an installed
package without the ``configs/`` folder behaves exactly like ``--config configs/default.yaml``.

To add a section, give it a dataclass with defaults and add one field here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.allocation import AllocationConfig
from selector.config import from_mapping, load_yaml, to_dict
from selector.filters.clean import CleanConfig
from selector.filters.config import FilterConfig

__all__ = ["RunConfig", "load_run_config", "run_config_to_dict"]


@dataclass
class RunConfig:
    """The whole YAML config of a run.

    Attributes:
        filters: LIMA-style filter rules (:class:`~selector.filters.FilterConfig`).
        cleaning: the cleaning transform (:class:`~selector.filters.CleanConfig`).
        allocation: temperature balancing across groups (:class:`~selector.allocation.AllocationConfig`).
    """

    filters: FilterConfig = field(default_factory=FilterConfig)
    cleaning: CleanConfig = field(default_factory=CleanConfig)
    allocation: AllocationConfig = field(default_factory=AllocationConfig)


def load_run_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Load a run config from YAML; ``None`` gives the defaults (identical to ``configs/default.yaml``).

    ``overrides`` is a nested mapping merged over the file (section by section) before validation, for CLI
    options that set config keys. Unknown keys and wrongly typed values raise
    :class:`~selector.errors.ConfigError` naming the dotted key.
    """
    data: dict[str, Any] = load_yaml(path) if path is not None else {}
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return from_mapping(RunConfig, data)


def run_config_to_dict(config: RunConfig) -> dict[str, Any]:
    """The fully resolved config as plain data (for manifests); ``inf`` stays a float."""
    return to_dict(config)
