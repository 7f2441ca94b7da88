"""Conversation formats: ShareGPT (``conversations`` of ``{from, value}``) and OpenAI (``messages`` of
``{role, content}``), each turn its own message. Role names are normalised to ``system | user | assistant``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from selector.formats.base import Format, FormatError, Turn

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
}
OPENAI_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


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
        items = record[self.list_key]
        if not isinstance(items, list):
            raise FormatError(f"field {self.list_key!r} holds a {type(items).__name__}, expected a list of turns")
        out: list[Turn] = []
        if "system" in self.optional and "system" in record:
            out.append(("system", [("system",)]))
        for i, turn in enumerate(items):
            if not isinstance(turn, Mapping) or self.role_key not in turn or self.text_key not in turn:
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
            content = turn[self.text_key]
            if isinstance(content, list):  # OpenAI content parts: the text parts, in order
                parts = [
                    (self.list_key, i, self.text_key, j, "text")
                    for j, part in enumerate(content)
                    if isinstance(part, Mapping) and part.get("type") == "text" and "text" in part
                ]
                out.append((role, parts))
            else:
                out.append((role, [(self.list_key, i, self.text_key)]))
        if not any(role == "assistant" for role, _ in out):
            raise FormatError(f"{self.list_key!r} has no assistant turn (a conversation needs a response)")
        return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


SHAREGPT = ConversationFormat("sharegpt", "conversations", "from", "value", SHAREGPT_ROLES)
OPENAI = ConversationFormat("openai", "messages", "role", "content", OPENAI_ROLES)
