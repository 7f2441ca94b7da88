"""Record formats: a registry, detection from a record's keys, and explicit mappings.

>>> detect_format(["instruction", "input", "output"]).name
'alpaca'

Detection prefers the format that uses the most of the record's keys, so an Alpaca record with an extra
``response`` copy (``new_codealpaca.json``) is Alpaca, not Dolly; keys a format does not use stay in the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from selector.formats.base import Format, FormatError, as_text, get_path, set_path
from selector.formats.chat import OPENAI, SHAREGPT
from selector.formats.flat import (
    ALPACA,
    DOLLY,
    MAP_TARGETS,
    PROMPT_COMPLETION,
    PROMPT_RESPONSE,
    QUESTION_ANSWER,
    MappedFormat,
    check_mapping,
    mapping_name,
    parse_mapping_name,
)
from selector.formats.nested import NATURAL_INSTRUCTIONS, SELF_INSTRUCT

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        ALPACA,
        SHAREGPT,
        OPENAI,
        DOLLY,
        PROMPT_COMPLETION,
        PROMPT_RESPONSE,
        QUESTION_ANSWER,
        SELF_INSTRUCT,
        NATURAL_INSTRUCTIONS,
    )
}

__all__ = [
    "FORMATS",
    "MAP_TARGETS",
    "Format",
    "FormatError",
    "MappedFormat",
    "as_text",
    "check_mapping",
    "detect_format",
    "get_format",
    "get_path",
    "mapped_format",
    "set_path",
]

_MAPPED: dict[str, MappedFormat] = {}


def known_formats() -> str:
    """The registered formats with their required keys, e.g. ``alpaca (instruction+output)``."""
    return ", ".join(f"{f.name} ({'+'.join(sorted(f.required))})" for f in FORMATS.values())


def _keys_text(found: set[str], limit: int = 12) -> str:
    keys = sorted(found)
    shown = ", ".join(keys[:limit])
    return f"[{shown}, ... {len(keys) - limit} more]" if len(keys) > limit else f"[{shown}]"


def detect_format(keys: Iterable[str]) -> Format:
    """The registered format whose required keys are all in ``keys`` and which uses the most of them.

    Raises :class:`FormatError` listing the keys found and the formats known when none fits or two fit equally;
    when the keys fit a format except for its response key, the message says the response is missing.
    """
    found = set(keys)
    fits = [f for f in FORMATS.values() if f.required <= found]
    if fits:
        best = max(len(f.keys & found) for f in fits)
        top = [f for f in fits if len(f.keys & found) == best]
        if len(top) == 1:
            return top[0]
        raise FormatError(
            f"ambiguous record format: keys {_keys_text(found)} fit {', '.join(f.name for f in top)} equally; "
            'describe it with mapping={"prompt": KEY, "response": KEY}'
        )
    near = [f for f in FORMATS.values() if f.required - f.response_keys and (f.required - f.response_keys) <= found]
    if near:
        wanted = " or ".join(f"{'/'.join(sorted(f.response_keys))!r} ({f.name})" for f in near)
        return_hint = f"record is missing its response: keys found {_keys_text(found)}, expected {wanted}"
        fix = 'mapping={"response": KEY}'
        raise FormatError(f"unknown record format, {return_hint}; add the answers or map a key with {fix}")
    raise FormatError(
        f"unknown record format: keys found {_keys_text(found)}; formats known: {known_formats()}; "
        'describe it with mapping={"prompt": KEY, "response": KEY}'
    )


def mapped_format(mapping: Mapping[str, str]) -> MappedFormat:
    """The format for an explicit ``--map`` mapping (must name prompt and response)."""
    check_mapping(mapping)
    name = mapping_name(mapping)
    if name not in _MAPPED:
        _MAPPED[name] = MappedFormat(mapping)
    return _MAPPED[name]


def get_format(name: str) -> Format:
    """The format stored on a sample (``Sample.format``): a registry name or a ``mapped(...)`` name."""
    if name in FORMATS:
        return FORMATS[name]
    mapping = parse_mapping_name(name)
    if mapping is not None:
        return mapped_format(mapping)
    raise FormatError(f"unknown format {name!r}; formats known: {', '.join(FORMATS)}")
