"""Conversation formats: ShareGPT (``conversations`` of ``{from, value}``) and OpenAI (``messages`` of
``{role, content}``), each turn its own message. Role names are normalised to ``system | user | assistant``.

Function calling is part of the conversation. A tool's result (OpenAI ``role: tool``, the older ``function``;
ShareGPT ``observation``) is context the model reads, so it becomes a ``user`` turn. An assistant turn's calls
(``tool_calls``, the older ``function_call``; ShareGPT ``function_call`` turns) are what the model writes, so each
call is added to the assistant's text as ``name(arguments)`` after its content, which may then be ``null`` or absent.
The calls are rendered for the text only: cleaning edits ``content``, never a call's arguments, and the record
itself is never changed, so it is written back byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from selector.formats.base import Format, FormatError, Turn, as_text, get_path
from selector.sample import Message

SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "model": "assistant",
    "function_call": "assistant",
    "observation": "user",
    "tool": "user",
}
OPENAI_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "user",
    "function": "user",
}
CALL_KEYS = ("tool_calls", "function_call")  # keys of an OpenAI assistant turn that hold the calls it makes


class ConversationFormat(Format):
    """A list of turns under ``list_key``, each a mapping with a role key and a text key."""

    def __init__(self, name: str, list_key: str, role_key: str, text_key: str, roles: Mapping[str, str]) -> None:
        self.name = name
        self.list_key, self.role_key, self.text_key = list_key, role_key, text_key
        self.roles = dict(roles)
        self.required = frozenset({list_key})
        self.optional = frozenset({"system"}) if name == "sharegpt" else frozenset()
        self.response_keys = frozenset({list_key})

    def turns(self, record: Any, instance: int | None = None) -> list[Turn]:
        return [(role, paths) for role, paths, _ in self._turns(record)]

    def to_messages(self, record: Any, instance: int | None = None) -> list[Message]:
        """As :meth:`Format.to_messages`, with each assistant turn's tool calls appended to its text."""
        self.check(record)
        messages: list[Message] = []
        for role, paths, calls in self._turns(record):
            parts = [as_text(get_path(record, p), str(p[-1])) for p in paths] + calls
            text = "\n\n".join(p for p in parts if p)
            if text or role != "system":
                messages.append(Message(role, text))  # type: ignore[arg-type]
        return messages

    def _turns(self, record: Any) -> list[tuple[str, list[Any], list[str]]]:
        """``(role, text paths, rendered tool calls)`` for every turn, in order."""
        items = record[self.list_key]
        if not isinstance(items, list):
            raise FormatError(f"field {self.list_key!r} holds a {type(items).__name__}, expected a list of turns")
        out: list[tuple[str, list[Any], list[str]]] = []
        if "system" in self.optional and "system" in record:
            out.append(("system", [("system",)], []))
        for i, turn in enumerate(items):
            has_calls = self.name == "openai" and isinstance(turn, Mapping) and any(k in turn for k in CALL_KEYS)
            if (
                not isinstance(turn, Mapping)
                or self.role_key not in turn
                or (self.text_key not in turn and not has_calls)
            ):
                raise FormatError(
                    f"{self.list_key}[{i}] must be an object with {self.role_key!r} and {self.text_key!r}, got "
                    f"{_short(turn)}"
                )
            role = self.roles.get(str(turn[self.role_key]).lower())
            if role is None:
                raise FormatError(
                    f"{self.list_key}[{i}] has unknown {self.role_key} {turn[self.role_key]!r}; known: "
                    + ", ".join(sorted(self.roles))
                )
            calls = _calls(turn, f"{self.list_key}[{i}]") if has_calls else []
            if calls and role != "assistant":
                raise FormatError(f"{self.list_key}[{i}] has tool calls but its role is {turn[self.role_key]!r}")
            content = turn.get(self.text_key)
            if self.text_key not in turn:
                paths: list[Any] = []
            elif isinstance(content, list):  # OpenAI content parts: the text parts, in order
                paths = [
                    (self.list_key, i, self.text_key, j, "text")
                    for j, part in enumerate(content)
                    if isinstance(part, Mapping) and part.get("type") == "text" and "text" in part
                ]
            else:
                paths = [(self.list_key, i, self.text_key)]
            out.append((role, paths, calls))
        if not any(role == "assistant" for role, _, _ in out):
            raise FormatError(f"{self.list_key!r} has no assistant turn (a conversation needs a response)")
        return out


def _calls(turn: Mapping[str, Any], where: str) -> list[str]:
    """The calls of an OpenAI assistant turn as ``name(arguments)`` texts (``tool_calls`` first, then the older
    single ``function_call``); ``null`` means no calls."""
    found: list[tuple[str, Any]] = []
    tool_calls = turn.get("tool_calls")
    if tool_calls is not None:
        if not isinstance(tool_calls, list):
            raise FormatError(f"{where}.tool_calls holds a {type(tool_calls).__name__}, expected a list of calls")
        found += [(f"{where}.tool_calls[{j}]", call.get("function") if isinstance(call, Mapping) else None)
                  for j, call in enumerate(tool_calls)]  # fmt: skip
    if turn.get("function_call") is not None:
        found.append((f"{where}.function_call", turn["function_call"]))
    texts = []
    for at, function in found:
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise FormatError(f"{at} must name the function it calls (function.name), got {_short(function)}")
        args = function.get("arguments")
        if args is None:
            args = ""
        elif not isinstance(args, str):  # the API sends a JSON string; some datasets store the object itself
            args = json.dumps(args, ensure_ascii=False)
        texts.append(f"{function['name']}({args})")
    return texts


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


SHAREGPT = ConversationFormat("sharegpt", "conversations", "from", "value", SHAREGPT_ROLES)
OPENAI = ConversationFormat("openai", "messages", "role", "content", OPENAI_ROLES)
