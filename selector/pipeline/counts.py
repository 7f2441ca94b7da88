"""Counts written with a decimal suffix (``2M`` tokens, ``7B`` parameters): :func:`parse_count`."""

from __future__ import annotations

import math
import re

import numpy as np

from selector.errors import ConfigError

__all__ = ["parse_count"]

_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9, "t": 10**12}
_COUNT = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([kmbgt]?)\s*$", re.IGNORECASE)


def parse_count(value: str | int | float, option: str = "tokens=") -> int:
    """A positive count from ``2M``, ``500k``, ``1.5B``, ``7b``, ``2_000_000`` or a plain integer.

    Suffixes are decimal (k = 1e3, M = 1e6, B or G = 1e9, T = 1e12), case-insensitive. Raises
    :class:`ConfigError` naming ``option`` for anything else, and for zero or negative values.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{option} must be a positive count such as 2M, 500k or 120000, got {value!r}")
    if isinstance(value, (int, np.integer)):
        number = float(value)
    elif isinstance(value, float):
        number = value
    else:
        match = _COUNT.match(str(value))
        if match is None:
            raise ConfigError(
                f"{option} must be a positive count such as 2M, 500k, 1.5B or 120000 (k, M, B, T suffixes), "
                f"got {value!r}"
            )
        number = float(match.group(1).replace("_", "").replace(",", "")) * _SUFFIX[match.group(2).lower()]
    if not math.isfinite(number) or number < 1:
        raise ConfigError(f"{option} must be at least 1, got {value!r}")
    return round(number)
