"""What reading returns: the samples, one :class:`FileInfo` per file, what was skipped, and summary stats."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from selector.io.records import RecordSource
from selector.sample import Sample, held

QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)


@dataclass
class FileInfo:
    """One input file (or dataset folder, or Hub dataset) as read.

    ``records`` counts the records parsed (a Super-NaturalInstructions task file is one record), ``samples`` the
    samples they gave (one per instance for nested formats), ``skipped`` the records left out by ``--skip-invalid``.
    ``sha256`` is over the file's bytes as stored (compressed bytes for ``.gz``).
    """

    path: str
    container: str
    format: str
    records: int
    samples: int
    skipped: int
    sha256: str


@dataclass
class Skipped:
    """A record (``line``/``row`` set) or a whole file (both ``None``) left out by ``--skip-invalid``."""

    file: str
    line: int | None
    row: int | None
    reason: str


@dataclass
class Layout:
    """How one input file is laid out, so that the writer can put selected records back in the same shape.

    ``records[row]`` is the record object as read (``None`` for a row that failed); ``starts``/``ends`` are the
    character spans of each row's raw text in the decoded file (JSON, JSONL, CSV), so unmodified records are written
    back byte for byte. ``style`` holds container details: for a JSON array the text before the first element
    (``lead``), between elements (``sep``) and after the last (``trail``, ``tail``), the indent, and whether
    non-ASCII was escaped; for CSV the header text. ``source`` reads the records of a plain JSON/JSONL file back
    from its bytes once the reader has let them go (``records`` then holds ``None`` and ``starts``/``ends`` are
    dropped; see :mod:`selector.io.records`).
    """

    path: str
    container: str
    records: list[Any]
    lines: array | None = None
    starts: array | None = None
    ends: array | None = None
    style: dict[str, Any] = field(default_factory=dict)
    single_object: bool = False
    sha256: str = ""
    format: str = ""
    bad: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    source: RecordSource | None = None


@dataclass
class Corpus:
    """Samples in file order, then record order, then instance order."""

    samples: list[Sample]
    files: list[FileInfo]
    skipped: list[Skipped]
    layouts: dict[str, Layout] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.samples)

    def stats(self) -> dict[str, Any]:
        """JSON-friendly summary: totals, per-file and per-source counts, length quantiles (chars), empties."""
        lengths = np.array([(len(s.prompt), len(s.response)) for s in held(self.samples)], dtype=np.int64)
        prompt_len, resp_len = lengths.reshape(-1, 2).T
        sources = Counter(s.source for s in self.samples)
        tasks = Counter(s.task for s in self.samples if s.task is not None)
        return {
            "records": len(self.samples),
            "files": [asdict(f) for f in self.files],
            "sources": dict(sorted(sources.items())),
            "tasks": dict(sorted(tasks.items())),
            "formats": dict(sorted(Counter(s.format for s in self.samples).items())),
            "prompt_chars": quantiles(prompt_len),
            "response_chars": quantiles(resp_len),
            "empty_prompts": int((prompt_len == 0).sum()),
            "empty_responses": int((resp_len == 0).sum()),
            "skipped": len(self.skipped),
            "skipped_items": [asdict(s) for s in self.skipped],
        }


def quantiles(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    qs = np.quantile(values, QUANTILES, method="lower")
    out = {f"p{round(q * 100)}": int(v) for q, v in zip(QUANTILES, qs, strict=True)}
    out["mean"] = round(float(values.mean()), 1)
    return out
