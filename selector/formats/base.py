"""The contract every record format follows, and the helpers they share.

A :class:`Format` turns one record (a ``dict`` as read from the file) into the canonical conversation
(``list[Message]``) and knows where each turn's text lives inside the record (:meth:`Format.text_paths`), so that a
cleaning transform can write edited text back without touching anything else. Nested formats (self-instruct,
Super-NaturalInstructions) hold several instances per record; they report how many with :meth:`Format.count` and
take the 0-based ``instance`` index everywhere else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from typing import Any

from selector.errors import SelectorError
from selector.sample import Message

Path = tuple[Any, ...]
Turn = tuple[str, list[Path]]


class FormatError(SelectorError):
    """A record does not fit its format; the reader adds the file and line and turns it into an InputError."""


def as_text(value: Any, key: str) -> str:
    """Return a field value as text: strings as they are, ``None`` as ``""``, bools and numbers via ``str``."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    raise FormatError(f"field {key!r} holds a {type(value).__name__}, expected text")


def get_path(record: Any, path: Path) -> Any:
    for step in path:
        record = record[step]
    return record


def set_path(record: Any, path: Path, value: Any) -> Any:
    """Return a copy of ``record`` with ``value`` at ``path``; only the containers along the path are copied."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(record) if isinstance(record, Mapping) else list(record)
    copy[head] = set_path(record[head], rest, value)
    return copy


class Format(ABC):
    """A record format: detection keys, conversion to messages, and the location of each turn's text.

    Attributes:
        name: registry name, stored on each sample (``Sample.format``).
        required: keys that must be present in every record.
        optional: keys the format reads when present (they count for detection).
        response_keys: the subset of ``required`` that holds the answer (named in "missing response" errors).
        nested: whether one record holds several instances (one sample each).
        instances_key: for nested formats, the key of the instance list.
    """

    name: str = ""
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    response_keys: frozenset[str] = frozenset()
    nested: bool = False
    instances_key: str | None = None

    @property
    def keys(self) -> frozenset[str]:
        return self.required | self.optional

    def check(self, record: Any) -> None:
        """Raise :class:`FormatError` when ``record`` lacks a required key."""
        if not isinstance(record, Mapping):
            raise FormatError(f"expected a JSON object (a record), got {type(record).__name__}")
        missing = [k for k in sorted(self.required) if k not in record]
        if missing:
            what = "its response " if set(missing) <= self.response_keys else ""
            raise FormatError(
                f"record is missing {what}field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                f"({self.name} format, detected from the first record)"
            )

    def count(self, record: Any) -> int | None:
        """Number of instances in a nested record, ``None`` for a flat format."""
        return None

    @abstractmethod
    def turns(self, record: Any, instance: int | None = None) -> list[Turn]:
        """``(role, paths)`` for every turn in order; a turn's text is its fields joined by a blank line."""

    def to_messages(self, record: Any, instance: int | None = None) -> list[Message]:
        """The conversation of one record (or instance). Raises :class:`FormatError` when it does not fit.

        Empty fields add nothing to a turn (an Alpaca ``input`` of ``""``); an empty system turn is left out, an
        empty user or assistant turn is kept as ``""`` so that the empty-text filter can see it.
        """
        self.check(record)
        messages: list[Message] = []
        for role, paths in self.turns(record, instance):
            parts = [as_text(get_path(record, p), str(p[-1])) for p in paths]
            text = "\n\n".join(p for p in parts if p)
            if text or role != "system":
                messages.append(Message(role, text))  # type: ignore[arg-type]
        return messages

    def map_text(
        self, record: Any, fn: Callable[[str], str], roles: Collection[str], instance: int | None = None
    ) -> Any:
        """A copy of ``record`` with ``fn`` applied to each text field of the given roles (nothing else changes).

        Only the containers along each edited path are copied; a field whose text ``fn`` leaves unchanged keeps its
        original value (a boolean label stays a boolean).
        """
        out = record
        for role, paths in self.turns(record, instance):
            if role not in roles:
                continue
            for path in paths:
                text = as_text(get_path(record, path), str(path[-1]))
                new = fn(text)
                if new != text:
                    out = set_path(out, path, new)
        return out

    def describe(self) -> str:
        """``name (required keys, [optional keys])`` for error messages."""
        keys = ", ".join(sorted(self.required)) + "".join(f", [{k}]" for k in sorted(self.optional))
        return f"{self.name} ({keys})"
