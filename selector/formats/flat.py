"""Flat formats: one record, one sample, text in top-level string fields.

Alpaca (``instruction``, ``input``, ``output``, optional ``system``), Dolly (``instruction``, ``context``,
``response``, ``category``), prompt/completion, prompt/response, question/answer, and :class:`MappedFormat`
for anything else (``--map prompt=premise+hypothesis --map response=label``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from selector.errors import SelectorError
from selector.formats.base import Format, FormatError, Turn, as_text
from selector.sample import Message


class FieldsFormat(Format):
    """A flat format described by which keys feed the system, user and assistant turns."""

    def __init__(
        self,
        name: str,
        *,
        user: Sequence[str],
        assistant: Sequence[str],
        system: Sequence[str] = (),
        required: Sequence[str],
        extra: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.system_keys = tuple(system)
        self.user_keys = tuple(user)
        self.assistant_keys = tuple(assistant)
        self.required = frozenset(required)
        self.optional = frozenset((*system, *user, *assistant, *extra)) - self.required
        self.response_keys = frozenset(assistant) & self.required
        self._roles = (("system", self.system_keys), ("user", self.user_keys), ("assistant", self.assistant_keys))

    def to_messages(self, record: Any, instance: int | None = None) -> list[Message]:
        """As :meth:`Format.to_messages`, without building paths: the per-record hot path of reading."""
        if not isinstance(record, Mapping) or not self.required <= record.keys():
            self.check(record)
        messages: list[Message] = []
        for role, keys in self._roles:
            parts = []
            for k in keys:
                if k in record:
                    v = record[k]
                    if type(v) is not str:
                        v = as_text(v, k)
                    if v:
                        parts.append(v)
            text = parts[0] if len(parts) == 1 else "\n\n".join(parts)
            if text or role != "system":
                messages.append(Message(role, text))  # type: ignore[arg-type]
        return messages

    def turns(self, record: Any, instance: int | None = None) -> list[Turn]:
        out: list[Turn] = []
        for role, keys in (("system", self.system_keys), ("user", self.user_keys), ("assistant", self.assistant_keys)):
            paths = [(k,) for k in keys if k in record]
            if paths or role != "system":
                out.append((role, paths))
        return out


ALPACA = FieldsFormat(
    "alpaca",
    system=("system",),
    user=("instruction", "input"),
    assistant=("output",),
    required=("instruction", "output"),
)
DOLLY = FieldsFormat(
    "dolly",
    user=("instruction", "context"),
    assistant=("response",),
    required=("instruction", "response"),
    extra=("category",),
)
PROMPT_COMPLETION = FieldsFormat(
    "prompt_completion",
    system=("system",),
    user=("prompt",),
    assistant=("completion",),
    required=("prompt", "completion"),
)
PROMPT_RESPONSE = FieldsFormat(
    "prompt_response", system=("system",), user=("prompt",), assistant=("response",), required=("prompt", "response")
)
QUESTION_ANSWER = FieldsFormat(
    "question_answer", system=("system",), user=("question",), assistant=("answer",), required=("question", "answer")
)

MAP_TARGETS = ("prompt", "input", "response", "system", "id")


class MappedFormat(FieldsFormat):
    """A user-given mapping from canonical fields to record keys; ``+`` joins several keys with a blank line.

    ``prompt`` and ``response`` keys are required in every record; ``input`` and ``system`` keys are used when
    present. Values that are not strings (booleans, numbers) are read as their ``str``.
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        parts = {t: [k.strip() for k in mapping[t].split("+") if k.strip()] for t in MAP_TARGETS[:4] if t in mapping}
        super().__init__(
            mapping_name(mapping),
            system=parts.get("system", ()),
            user=(*parts["prompt"], *parts.get("input", ())),
            assistant=parts["response"],
            required=(*parts["prompt"], *parts["response"]),
        )
        self.mapping = {t: mapping[t] for t in MAP_TARGETS if t in mapping}

    def check(self, record: Any) -> None:
        try:
            super().check(record)
        except FormatError as exc:
            raise FormatError(f"{exc}; check mapping=") from None


def check_mapping(mapping: Mapping[str, str]) -> None:
    """Raise :class:`SelectorError` for unknown targets, or text targets without both prompt and response."""
    unknown = sorted(set(mapping) - set(MAP_TARGETS))
    if unknown:
        raise SelectorError(f"mapping=: unknown field {', '.join(unknown)}; the fields are {', '.join(MAP_TARGETS)}")
    text = set(mapping) - {"id"}
    if text and not {"prompt", "response"} <= text:
        raise SelectorError(
            "mapping= needs both prompt=KEY and response=KEY to describe a format (got "
            + ", ".join(f"{k}={v}" for k, v in mapping.items())
            + ")"
        )


def mapping_name(mapping: Mapping[str, str]) -> str:
    """The format name of a mapping, e.g. ``mapped(prompt=premise+hypothesis,response=label)``."""
    return "mapped(" + ",".join(f"{t}={mapping[t]}" for t in MAP_TARGETS[:4] if t in mapping) + ")"


def parse_mapping_name(name: str) -> dict[str, str] | None:
    """Inverse of :func:`mapping_name` (``None`` when ``name`` is not a mapped format)."""
    if not (name.startswith("mapped(") and name.endswith(")")):
        return None
    pairs = (item.partition("=") for item in name[len("mapped(") : -1].split(","))
    return {k: v for k, _, v in pairs}
