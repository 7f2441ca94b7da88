"""The output folder of a run: staged beside its final place, then renamed into it whole.

A run writes every file into a hidden temporary folder next to ``--out`` and renames it onto ``--out`` only
when all of them are complete, so a killed run leaves no half-written output. An existing ``--out`` is replaced
only when it is empty, or when ``overwrite`` is set and it holds an earlier selector run (a ``manifest.json``
written by selector); a folder that holds anything the user gave us (an input) is never replaced.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from selector.errors import SelectorError
from selector.io import atomic_path

MARKER_KEY = "selector_version"


def check_out_dir(out: Path, inputs: Collection[str], overwrite: bool) -> None:
    """Raise :class:`SelectorError` unless ``out`` may be (re)placed by this run's outputs."""
    out_r = out.resolve()
    for item in inputs:
        p = Path(item)
        if not p.exists():
            continue
        p = p.resolve()
        if p == out_r or out_r in p.parents:
            raise SelectorError(
                f"--out {out} contains the input {item}; replacing it would lose your data. Choose another --out"
            )
    if out.exists() and not out.is_dir():
        raise SelectorError(f"--out {out} exists and is a file; choose a folder path")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise SelectorError(
                f"--out {out} exists and is not empty; choose a new folder, or pass --overwrite to replace an "
                "earlier selector run there"
            )
        if not _is_selector_output(out):
            raise SelectorError(
                f"--out {out} is not an earlier selector run (no selector manifest.json); refusing to replace it "
                "even with --overwrite. Choose a new folder"
            )


def _is_selector_output(folder: Path) -> bool:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and MARKER_KEY in data


@contextmanager
def staged_out_dir(out: str | Path, inputs: Collection[str], overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder to write a run's outputs into; on success it becomes ``out`` as a whole."""
    out = Path(out)
    check_out_dir(out, inputs, overwrite)
    with atomic_path(out) as tmp:
        tmp.mkdir(parents=True)
        yield tmp
