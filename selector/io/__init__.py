"""Reading and writing: every container and format in, the same container and shape out.

- :func:`read_corpus` reads files, folders and Hub names into a :class:`Corpus` of samples.
- :func:`write_records` writes a subset of the records back, unchanged, in the input's own container and shape.
- :func:`write_jsonl` and :func:`atomic_path` are what the other stages use to write their own outputs.
- :func:`output_guard` is the one check that a command may write its output where it was asked to.
"""

from __future__ import annotations

from selector.io.atomic import atomic_path, write_jsonl
from selector.io.corpus import Corpus, FileInfo, Layout, Skipped
from selector.io.guard import OutputGuard, output_guard
from selector.io.options import ReadOptions
from selector.io.reader import read_corpus
from selector.io.writer import write_records

__all__ = [
    "Corpus",
    "FileInfo",
    "Layout",
    "OutputGuard",
    "ReadOptions",
    "Skipped",
    "atomic_path",
    "output_guard",
    "read_corpus",
    "write_jsonl",
    "write_records",
]
