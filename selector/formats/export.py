"""Trainer shapes: a :class:`~selector.sample.Sample` as one row of the file a fine-tuning framework reads.

``--export SHAPE`` writes ``train.jsonl`` in one of four shapes, whatever the input formats were:

==================  ===================================================  ==========================================
shape               one row                                              read by
==================  ===================================================  ==========================================
``messages``        ``{"messages": [{"role", "content"}, ...]}``         TRL ``SFTTrainer`` (conversational),
                                                                         axolotl ``chat_template``, LLaMA-Factory
``sharegpt``        ``{"conversations": [{"from", "value"}, ...]}``      LLaMA-Factory, axolotl
                    (+ ``"system"``)
``alpaca``          ``{"instruction", "input", "output"}``               LLaMA-Factory, axolotl, Stanford Alpaca
                    (+ ``"system"``)
``prompt-completion``  ``{"prompt", "completion"}`` (+ ``"system"``)     TRL ``SFTTrainer`` (prompt-completion),
                                                                         LLaMA-Factory
==================  ===================================================  ==========================================

Conversations are kept whole: every turn, in order, system prompt included. ``alpaca`` and ``prompt-completion``
hold one exchange only (an optional system prompt, one user turn, one assistant turn); a multi-turn sample is an
:class:`ExportError` naming the record and the shapes that can hold it. ``sharegpt`` and ``messages`` need what
LLaMA-Factory's converter needs (it drops anything else with a warning): an optional leading system turn, then
user and assistant turns alternating, starting with the user and ending with the assistant. Tool results and
calls arrive as the user and assistant turns :mod:`selector.formats.chat` made of them.

The ``"system"`` key is written on every row (``""`` where a sample has none) when any exported sample has a
system prompt, and on none otherwise, so every row has the same keys and the dataset_info entry names only
columns that exist. :func:`dataset_info` is the LLaMA-Factory ``dataset_info.json`` entry for the file; its keys
are those of LLaMA-Factory's ``data/README.md`` (``file_name``, ``formatting``, ``columns``, ``tags``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from selector.errors import SelectorError
from selector.sample import Message, Sample

__all__ = ["SHAPES", "ExportError", "check_shape", "dataset_info", "export_rows", "to_row"]

SHAPES: tuple[str, ...] = ("alpaca", "sharegpt", "messages", "prompt-completion")
"""The export shapes, as ``--export`` spells them."""

SINGLE_TURN = ("alpaca", "prompt-completion")
SHAREGPT_FROM = {"system": "system", "user": "human", "assistant": "gpt"}


class ExportError(SelectorError):
    """A sample that the requested shape cannot hold; the message names the record and the shapes that can."""


def check_shape(shape: str) -> str:
    """Return ``shape`` when it is one of :data:`SHAPES`, else raise listing them (checked before any reading)."""
    if shape not in SHAPES:
        raise SelectorError(f"export={shape!r} is not a known shape; choose one of {', '.join(SHAPES)}")
    return shape


def _split(sample: Sample, shape: str) -> tuple[str | None, list[Message]]:
    """The sample's system prompt (or ``None``) and the user/assistant turns that follow it, checked for ``shape``.

    Raises :class:`ExportError` naming the record when the turns do not fit the shape.
    """
    messages = list(sample.messages)
    system = None
    if messages and messages[0].role == "system":
        system, messages = messages[0].content, messages[1:]
    where = f"record {sample.id} ({sample.file})"
    if any(m.role == "system" for m in messages):
        raise ExportError(f"{where}: a system turn after the first turn cannot be exported as {shape}")
    roles = [m.role for m in messages]
    alternating = all(role == ("user" if i % 2 == 0 else "assistant") for i, role in enumerate(roles))
    if not roles or not alternating or roles[-1] != "assistant":
        raise ExportError(
            f"{where}: turns {'/'.join(roles) or 'none'} do not alternate user/assistant from the user to a final "
            f"assistant answer, which {shape} needs (LLaMA-Factory drops such conversations); fix or filter the record"
        )
    if shape in SINGLE_TURN and len(messages) > 2:
        raise ExportError(
            f"{where}: {len(messages) // 2} exchanges cannot be held by {shape} (one prompt, one answer); "
            "export it as messages or sharegpt, which keep conversations whole"
        )
    return system, messages


def to_row(sample: Sample, shape: str, *, system_key: bool = False) -> dict[str, Any]:
    """One ``train.jsonl`` row of ``sample`` in ``shape`` (see the module docstring).

    ``system_key`` writes the ``"system"`` key of the flat and sharegpt shapes even when the sample has no system
    prompt (as ``""``), so that all rows of a file share their keys. An Alpaca record keeps its own
    ``instruction``/``input`` split (as cleaned); any other user turn becomes the ``instruction`` with an empty
    ``input``.
    """
    check_shape(shape)
    system, turns = _split(sample, shape)
    if shape == "messages":
        return {"messages": [m.to_dict() for m in sample.messages]}
    if shape == "sharegpt":
        row: dict[str, Any] = {"conversations": [{"from": SHAREGPT_FROM[m.role], "value": m.content} for m in turns]}
    elif shape == "alpaca":
        instruction, query = turns[0].content, ""
        record = sample.record
        if sample.format == "alpaca" and isinstance(record.get("instruction"), str):
            own = record.get("input")
            if isinstance(own, str) and own and turns[0].content == f"{record['instruction']}\n\n{own}":
                instruction, query = record["instruction"], own
        row = {"instruction": instruction, "input": query, "output": turns[1].content}
    else:
        row = {"prompt": turns[0].content, "completion": turns[1].content}
    if system is not None or system_key:
        row["system"] = system or ""
    return row


def export_rows(samples: Iterable[Sample], shape: str) -> tuple[list[dict[str, Any]], bool]:
    """All rows of ``samples`` in ``shape``, and whether they carry a ``"system"`` column.

    Every sample is checked first, so an :class:`ExportError` (naming the first record that does not fit) comes
    before any row is built.
    """
    check_shape(shape)
    samples = list(samples)
    has_system = shape != "messages" and any(_split(s, shape)[0] is not None for s in samples)
    return [to_row(s, shape, system_key=has_system) for s in samples], has_system


def dataset_info(shape: str, name: str, has_system: bool, file_name: str = "train.jsonl") -> dict[str, Any]:
    """The LLaMA-Factory ``dataset_info.json`` content naming ``file_name`` as dataset ``name``.

    ``alpaca`` and ``prompt-completion`` use LLaMA-Factory's ``alpaca`` formatting (columns ``prompt``, ``query``,
    ``response``, ``system``); ``sharegpt`` and ``messages`` its ``sharegpt`` formatting with the role and content
    keys given as ``tags``, the system prompt in its own column (sharegpt) or as a leading ``system`` turn
    (messages, which LLaMA-Factory reads through ``system_tag``).
    """
    check_shape(shape)
    entry: dict[str, Any] = {"file_name": file_name}
    if shape == "alpaca":
        entry["formatting"] = "alpaca"
        entry["columns"] = {"prompt": "instruction", "query": "input", "response": "output"}
    elif shape == "prompt-completion":
        entry["formatting"] = "alpaca"
        entry["columns"] = {"prompt": "prompt", "response": "completion"}
    elif shape == "sharegpt":
        entry["formatting"] = "sharegpt"
        entry["columns"] = {"messages": "conversations"}
        entry["tags"] = {
            "role_tag": "from",
            "content_tag": "value",
            "user_tag": "human",
            "assistant_tag": "gpt",
            "system_tag": "system",
        }
    else:
        entry["formatting"] = "sharegpt"
        entry["columns"] = {"messages": "messages"}
        entry["tags"] = {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
            "system_tag": "system",
        }
    if has_system and shape != "messages":
        entry["columns"]["system"] = "system"
    return {name: entry}


def check_exportable(samples: Sequence[Sample], shape: str) -> None:
    """Raise :class:`ExportError` for the first sample that ``shape`` cannot hold (before any expensive stage)."""
    for sample in samples:
        _split(sample, shape)
