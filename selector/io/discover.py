"""From the paths a user typed to a list of inputs: files, dataset folders, Hub names.

Folders are walked recursively in sorted order (hidden entries skipped); files with data extensions are read,
other files (README.md, LICENSE, ...) are skipped silently, and a folder written by ``save_to_disk`` is one input.
A ``DatasetDict`` folder is its ``train`` split only, with a warning naming the splits left out (a ``test`` split
pooled into a selection would leak into training); one without a ``train`` split is an error asking for a split.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from selector.errors import InputError, SelectorError
from selector.io.tables import is_dataset_folder, looks_like_hub_name, written_by_datasets

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".jsonl.gz", ".json.gz", ".ndjson.gz", ".jsonl", ".ndjson", ".json", ".parquet", ".csv")


@dataclass(frozen=True)
class Input:
    """One thing to read: ``kind`` is ``file``, ``dataset`` (a save_to_disk folder) or ``hub``.

    ``in_folder`` is true for a file found by walking a folder (not named by the user): such a file is skipped,
    with a warning, when it holds no records of a known format (a folder's ``MANIFEST.json``).
    """

    path: str
    kind: str
    in_folder: bool = False


def data_suffix(name: str) -> str | None:
    """The data extension of a file name (``.jsonl.gz``, ``.json``, ...), or ``None``."""
    lower = name.lower()
    return next((s for s in DATA_SUFFIXES if lower.endswith(s)), None)


def stem(path: str) -> str:
    """A file's name without its data extension(s): ``a/b/tasks.jsonl.gz`` -> ``tasks``; Hub ``o/name`` -> ``name``."""
    name = text_name(Path(path.rstrip("/\\")).name)
    suffix = data_suffix(name)
    return name[: -len(suffix)] if suffix else (Path(name).stem if Path(name).suffix in (".gz",) else name)


def text_name(name: str) -> str:
    """A file name as text: bytes that were not UTF-8 (kept by ``os.fsdecode`` as lone surrogates, which no
    plot, report or terminal can show) become ``\\xNN``; ``caf\\xe9.jsonl`` is the source ``caf\\xe9``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def discover(paths: Sequence[str | os.PathLike[str]]) -> list[Input]:
    """Expand files, folders and Hub names into the ordered list of inputs (duplicates read once)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if not paths:
        raise SelectorError("no input given; pass one or more files, folders or Hub dataset names")
    out: list[Input] = []
    seen: set[str] = set()
    for given in paths:
        text = os.fspath(given)
        p = Path(text)
        found: list[Input]
        if p.is_dir():
            found = [Input(text, "dataset")] if is_dataset_folder(p) else _dataset_dict(p) or _walk(p)
            if not found:
                raise InputError(
                    text,
                    "folder holds no data files",
                    hint="expected " + ", ".join(DATA_SUFFIXES) + " files or save_to_disk folders",
                )
        elif p.is_file():
            found = [Input(text, "file")]
        elif p.exists():
            raise InputError(text, "is not a regular file or folder")
        elif looks_like_hub_name(text):
            found = [Input(text, "hub")]
        else:
            raise InputError(text, "no such file or folder", hint="check the path (a Hub dataset is named OWNER/NAME)")
        for item in found:
            key = os.path.realpath(item.path) if item.kind != "hub" else item.path
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def _walk(folder: Path) -> list[Input]:
    found: list[Input] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            found.extend(
                [Input(str(entry), "dataset")] if is_dataset_folder(entry) else _dataset_dict(entry) or _walk(entry)
            )
        elif entry.is_file() and data_suffix(entry.name):
            found.append(Input(str(entry), "file", in_folder=True))  # a stray state.json is read, or skipped as such
        else:
            log.debug("skipping %s (not a data file)", entry)
    return found


def _dataset_dict(folder: Path) -> list[Input]:
    """A ``DatasetDict.save_to_disk`` folder is its ``train`` split only (pooling ``test`` into the training
    selection would leak it), said in a warning; without a ``train`` split, the user must name one. Any other
    folder gives ``[]``."""
    if not written_by_datasets(folder / "dataset_dict.json", "splits"):
        return []
    splits = sorted(e.name for e in folder.iterdir() if e.is_dir() and is_dataset_folder(e))
    if "train" not in splits:
        raise InputError(
            str(folder), f"is a DatasetDict without a train split (splits: {', '.join(splits) or 'none'})",
            hint=f"pass the split to read: {folder / (splits[0] if splits else 'SPLIT')}",
        )  # fmt: skip
    others = [s for s in splits if s != "train"]
    if others:
        log.warning(
            "%s is a DatasetDict: reading its train split only, not %s (pass %s to read another split)",
            folder, ", ".join(others), folder / others[0],
        )  # fmt: skip
    return [Input(str(folder / "train"), "dataset")]
