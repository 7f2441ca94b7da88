"""The canonical sample that every stage works on.

Each input record becomes one :class:`Sample` (a record holding several instances, such as a self-instruct task
or a Super-NaturalInstructions task file, becomes one sample per instance). The original record is reachable as
:attr:`Sample.record` so that the output can be written back in the user's own format.

Samples of plain JSON and JSON Lines files hold neither their record nor their messages: both are parsed again
from the file's bytes when asked for (``origin``, :mod:`selector.io.records`), so a sample costs about 0.3 KB
instead of 1.5 KB (``docs/scale.md``). The origin keeps the record it parsed last, so a sample's record and
messages asked for one after the other (and the instances of one nested record) cost one parse. A loop that reads
a sample's text several times wraps its samples in :func:`held` so that each is parsed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]
ROLES: tuple[str, ...] = ("system", "user", "assistant")


@dataclass(frozen=True, slots=True)
class Message:
    """One turn of a conversation."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


class RecordOrigin(Protocol):
    """Where a record not held in memory is read back from (:class:`selector.io.records.RecordSource`)."""

    def record(self, row: int) -> Any: ...

    def messages(self, row: int, instance: int | None) -> list[Message]: ...


@dataclass(slots=True)
class Sample:
    """One instruction-tuning example, in canonical form, with a handle on its original record.

    Attributes:
        id: the record's own ``id`` when it has one, else ``<file name>#<row>`` (row from 0; error positions
            are ``file:line``, from 1); unique within a run.
        source: the ``--source-field`` value, else the input file's stem.
        task: the ``--task-field`` value (the file stem for Super-NaturalInstructions task files), or ``None``.
        turns: the conversation (roles ``system | user | assistant``) when held in memory; ``None`` when it is
            rebuilt from ``origin`` on demand. Use :attr:`messages`.
        parsed: the record object when it is held in memory (as read, or a cleaned copy); ``None`` when it is read
            back from ``origin`` on demand. Use :attr:`record`.
        format: name of the record format (``alpaca``, ``sharegpt``, ...), see ``selector.formats``.
        file: the input path as given by the user.
        row: 0-based index of the record within its file.
        line: 1-based line where the record starts, when the container has lines (JSON, JSONL, CSV).
        instance: for nested formats, the 0-based index of the instance within the record; else ``None``.
        meta: free-form per-stage annotations (filled by later stages, never written into the records); ``None``
            until a stage adds one.
        origin: the input file's record source when ``parsed`` is ``None``.
    """

    id: str
    source: str
    task: str | None
    turns: list[Message] | None
    parsed: Any
    format: str
    file: str
    row: int
    line: int | None = None
    instance: int | None = None
    meta: dict[str, Any] | None = None
    origin: RecordOrigin | None = None

    @property
    def record(self) -> Any:
        """The original record (for nested formats, the whole parent record), or its cleaned copy.

        A record not held in memory is parsed from its input file when asked for; its origin keeps the last one
        parsed, so asking again at once costs nothing. Treat it as read-only (it may be shared). :attr:`as_read`
        says whether it is the record exactly as read.
        """
        if self.parsed is not None or self.origin is None:
            return self.parsed
        return self.origin.record(self.row)

    @property
    def messages(self) -> list[Message]:
        """The conversation, roles ``system | user | assistant`` (rebuilt from the input file when not held)."""
        if self.turns is not None or self.origin is None:
            return self.turns  # type: ignore[return-value]
        return self.origin.messages(self.row, self.instance)

    @property
    def as_read(self) -> bool:
        """True when the record is read back from the input file, so unchanged since it was read."""
        return self.parsed is None and self.origin is not None

    @property
    def prompt(self) -> str:
        """System and user turns joined by blank lines."""
        return "\n\n".join(m.content for m in self.messages if m.role != "assistant")

    @property
    def response(self) -> str:
        """Assistant turns joined by blank lines (what LIMA's length and style rules look at)."""
        return "\n\n".join(m.content for m in self.messages if m.role == "assistant")


def held(samples: Iterable[Sample]) -> Iterator[Sample]:
    """Each sample, its messages held in memory while the caller's loop body runs, then let go again.

    For loops that read a sample's text several times (the filters): a sample that rebuilds its messages from its
    input file then parses them once per loop, not once per read.
    """
    for sample in samples:
        if sample.turns is not None or sample.origin is None:
            yield sample
            continue
        sample.turns = sample.origin.messages(sample.row, sample.instance)
        try:
            yield sample
        finally:
            sample.turns = None
