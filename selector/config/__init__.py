"""The run configuration: typed dataclasses per section and one strict YAML loader.

:func:`load_run_config` is the one place a config file, the call's overrides and config objects are merged
(``select()``, ``selector filter`` and ``selector embed`` all go through it); unknown keys and wrongly typed
values are errors naming the dotted key. ``the default config`` equals the dataclass defaults.
"""

from selector.config.loader import from_mapping, load_yaml, to_dict
from selector.config.run import (
    ClusteringConfig,
    CoresetConfig,
    EncoderConfig,
    RunConfig,
    load_run_config,
    run_config_to_dict,
)

__all__ = [
    "ClusteringConfig",
    "CoresetConfig",
    "EncoderConfig",
    "RunConfig",
    "from_mapping",
    "load_run_config",
    "load_yaml",
    "run_config_to_dict",
    "to_dict",
]
