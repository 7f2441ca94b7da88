"""The score rule (``low_score``): LIMA keeps Stack Exchange answers with a score of at least 10.

The score is read from the original record (for nested formats, the parent record) under ``score_field``, a key
or a dotted path into nested objects (``meta.score``). Numbers and numeric strings (CSV) are accepted. A record
without the field is kept (a mixed corpus, say Stack Exchange answers beside hand-written ones, has scores on only
some records) and counted: the filter summary says how many had none. A value that is not a number is an error
naming the file and record, because it is a broken record rather than an unscored one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from selector.errors import InputError
from selector.filters.base import Filter, rule
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.config import FilterConfig

__all__ = ["LowScoreFilter", "read_score"]


def read_score(record: Any, field: str) -> float | None:
    """The number under the dotted path ``field`` of ``record``; ``None`` when the path is absent."""
    value = record
    for part in field.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool):
        raise ValueError(f"a boolean ({value})")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"the string {value!r}") from None
    raise ValueError(f"{type(value).__name__} {value!r}")


@rule(
    "low_score",
    order=40,
    text="The record's score field is below filters.min_score (LIMA kept Stack Exchange answers scored 10+).",
)
class LowScoreFilter(Filter):
    """Drops samples whose record's ``score_field`` is below ``min_score`` (``low_score``)."""

    counters = ("unscored",)

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        if config.score_field is None or config.min_score is None:
            return None
        return cls(config.score_field, config.min_score)

    def __init__(self, score_field: str, min_score: float) -> None:
        self.score_field = score_field
        self.min_score = min_score
        self.reset()

    def reset(self) -> None:
        self.unscored = 0

    def check(self, sample: Sample) -> str | None:
        try:
            score = read_score(sample.record, self.score_field)
        except ValueError as exc:
            raise InputError(
                sample.file,
                f"field '{self.score_field}' is not a number: {exc}",
                line=sample.line,
                row=sample.row,
                hint="fix the record, or set filters.score_field to the right field (null switches the rule off)",
            ) from None
        if score is None:
            self.unscored += 1
            return None
        if math.isnan(score) or score < self.min_score:
            return "low_score"
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "score_field": self.score_field,
            "min_score": self.min_score,
            "notes": {f"no '{self.score_field}' field (kept)": self.unscored},
        }
