"""Benchmark decontamination (``contaminated``): drop pool samples that share a long word n-gram with a test item.

GPT-3 (Brown et al. 2020) and NeMo-Curator's task decontamination flag a training document that shares a 13-word
n-gram with an evaluation item. Here every record of the user's evaluation files (``--decontaminate FILE...``,
any format selector reads) is normalised (case folded, words as runs of letters and digits) and its word
n-grams are hashed (8-byte BLAKE2b) into one table that remembers the first test file and record id holding each.
A pool sample (prompt and answer) is dropped at its first n-gram found in the table, and its rejected row names
the test file, the test record and the n-gram. A test record shorter than ``n`` words (but of at least
:data:`MIN_WORDS`) contributes its whole text as one n-gram of its own length, so a short test question found
verbatim inside a pool sample is still caught; shorter test records are ignored and counted.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selector.errors import ConfigError
from selector.filters.base import Filter, rule
from selector.io import read_corpus
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.config import FilterConfig

__all__ = ["ContaminationFilter", "check_eval_files", "ngram_hashes", "words"]

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
#: Test records with fewer words than this are ignored (too short to be evidence of contamination).
MIN_WORDS = 8


def check_eval_files(files: Sequence[str]) -> list[str]:
    """The evaluation files, each of which must exist; else a ConfigError naming the missing one."""
    for f in files:
        if not Path(f).exists():
            raise ConfigError(
                f"decontaminate= / config key 'filters.decontaminate': evaluation file {f!r} not found; "
                "give the test files (any format selector reads) whose items must not appear in the selection"
            )
    return [str(f) for f in files]


def words(text: str) -> list[str]:
    """The normalised words of ``text``: case-folded runs of letters and digits."""
    return _WORD.findall(text.casefold())


def _digest(gram: Sequence[str]) -> bytes:
    return hashlib.blake2b(" ".join(gram).encode("utf-8", "surrogatepass"), digest_size=8).digest()


def ngram_hashes(tokens: Sequence[str], n: int) -> list[bytes]:
    """8-byte digests of the word n-grams of ``tokens`` (one for the whole list when it is shorter than ``n``)."""
    if len(tokens) <= n:
        return [_digest(tokens)] if tokens else []
    return [_digest(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


@rule(
    "contaminated",
    order=80,
    text="The record shares a word n-gram (13 by default) with an evaluation record of --decontaminate.",
)
class ContaminationFilter(Filter):
    """Drops samples sharing a word n-gram with a record of ``files`` (``contaminated``)."""

    counters = ("matched",)

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        if config.decontaminate is None:
            return None
        return cls(config.decontaminate, config.contamination_ngram)

    def __init__(self, files: Sequence[str], n: int = 13) -> None:
        self.files = check_eval_files(files)
        self.n = n
        self._table: dict[bytes, tuple[str, str]] = {}
        self._short_lengths: set[int] = set()
        self.test_records = 0
        self.ignored_short = 0
        for f in self.files:
            for s in read_corpus([f]).samples:
                self.test_records += 1
                tokens = words(f"{s.prompt}\n{s.response}")
                if len(tokens) < MIN_WORDS:
                    self.ignored_short += 1
                    continue
                if len(tokens) < n:
                    self._short_lengths.add(len(tokens))
                for h in ngram_hashes(tokens, n):
                    self._table.setdefault(h, (f, s.id))
        logger.info(
            "decontamination: %d n-grams from %d test records in %d file(s)",
            len(self._table),
            self.test_records,
            len(self.files),
        )
        self._last: dict[str, Any] | None = None
        self.reset()

    def reset(self) -> None:
        self.matched: dict[str, int] = {}

    def check(self, sample: Sample) -> str | None:
        tokens = words(f"{sample.prompt}\n{sample.response}")
        for n in (self.n, *sorted(self._short_lengths)):
            for i in range(max(len(tokens) - n + 1, 0)):
                hit = self._table.get(_digest(tokens[i : i + n]))
                if hit is not None:
                    self._last = {"test_file": hit[0], "test_id": hit[1], "ngram": " ".join(tokens[i : i + n])}
                    self.matched[hit[0]] = self.matched.get(hit[0], 0) + 1
                    return "contaminated"
        return None

    def details(self, sample: Sample) -> dict[str, Any] | None:
        return self._last

    def describe(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "ngram": self.n,
            "test_records": self.test_records,
            "notes": {f"matched {f}": k for f, k in self.matched.items()}
            | {f"test records under {MIN_WORDS} words (ignored)": self.ignored_short},
        }
