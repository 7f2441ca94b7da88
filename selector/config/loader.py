"""Typed configuration loaded from YAML, strict about unknown keys.

Configs are nested dataclasses. :func:`from_mapping` builds one from a plain mapping (a parsed YAML file), and
names the offending key with its dotted path when a key is unknown or a value has the wrong type.
"""

from __future__ import annotations

import dataclasses
import reprlib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from selector.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from ``path`` (an empty file is an empty mapping)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    try:
        data = _parse(text, path)
    except RecursionError:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply; write a flatter config") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = " ".join(f"{exc.context or ''} {exc.problem or ''}".split())
        if "could not determine a constructor" in problem:
            problem += " (tags that build Python objects are refused; write plain values)"
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping of keys to values, got {type(data).__name__}")
    return data


MAX_ALIAS_VALUES = 10_000
"""How many values a YAML file's aliases (``*name``) may add when expanded. A config needs a few (merge keys
``<<: *defaults``); nested aliases of nested aliases (a 330-byte "billion laughs" file) would stand for millions,
and any message or manifest that shows the value would be that long."""


_ENDLESS = 2**62


def _parse(text: str, path: Path) -> Any:
    """The YAML document in ``text`` (a SafeLoader that refuses repeated keys), refused before it is built when its
    aliases expand past :data:`MAX_ALIAS_VALUES` values (an alias inside the value it names is endless)."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        added = _expanded(node, {}, set()) - len(_distinct(node, set()))
        if added > MAX_ALIAS_VALUES:
            raise ConfigError(
                f"{path}: its aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values; refusing to build it. "
                "Write the values out, or use fewer nested aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded(node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    """How many values ``node`` stands for with every alias written out (memoised by node, so it is cheap)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        return _ENDLESS  # an alias inside the value it names: endless when written out
    open_.add(key)
    total = 1
    for child in _children(node):
        total += _expanded(child, sizes, open_)
        if total > _ENDLESS:
            break  # already far past any bound: stop counting
    open_.discard(key)
    sizes[key] = total
    return total


def _distinct(node: yaml.Node, seen: set[int]) -> set[int]:
    """The nodes written in the file (an alias's node counted once)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) not in seen:
            seen.add(id(current))
            stack.extend(_children(current))
    return seen


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merge keys (<<) may repeat what they merge; other keys fail on their own
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice in one mapping; keep one", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def from_mapping(cls: type[T], data: Mapping[str, Any] | None, where: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys and wrongly typed values raise :class:`ConfigError`.

    Nested dataclass fields take nested mappings. ``where`` is the dotted prefix used in messages
    (e.g. ``"filters."``).
    """
    data = dict(data or {})
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown config key '{where}{unknown[0]}'; valid keys here: {', '.join(sorted(fields))}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, f"{where}{name}")
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, Mapping):
            raise ConfigError(f"config key '{key}' must be a mapping, got {_shown(value)}")
        return from_mapping(tp, value, key + ".")
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, key)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"config key '{key}' has a bad value {_shown(value)}")
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            raise ConfigError(f"config key '{key}' must be one of {', '.join(map(repr, choices))}, got {_shown(value)}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config key '{key}' must be a list, got {_shown(value)}")
        (arg, *_) = typing.get_args(tp) or (Any,)
        items = [_coerce(arg, v, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"config key '{key}' must be a mapping, got {_shown(value)}")
        return dict(value)
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key '{key}' must be a number, got {_shown(value)}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{key}' must be an integer, got {_shown(value)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{key}' must be true or false, got {_shown(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key '{key}' must be a string, got {_shown(value)}")
        return value
    return value


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def _shown(value: Any) -> str:
    """``value`` as a message shows it: its repr, cut to a few items and 80 characters a string."""
    return _REPR.repr(value)


def to_dict(config: DataclassInstance) -> dict[str, Any]:
    """The config (any config dataclass: a RunConfig or one of its sections) as plain data for manifests."""
    return dataclasses.asdict(config)
