"""Whole-or-nothing outputs: write to a temporary name in the same folder, rename when complete."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``, on failure remove it.

    The temporary name keeps ``path``'s suffixes (``.npy``, ``.png``, ``.jsonl.gz``) so that writers which infer the
    type from the name behave. Works for folders too: the caller creates the folder at the yielded path, and an
    existing folder at ``path`` is replaced as a whole. Nothing is created when the body raises.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    base, suffixes = _split_name(target.name)
    tmp = target.with_name(f".{base}.tmp-{os.getpid()}-{secrets.token_hex(4)}{suffixes}")
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to the temporary path {tmp}")
        _replace(tmp, target)
    except BaseException:
        remove_path(tmp)
        raise


COMMIT = ".commit"
"""Written into a staging folder of :func:`atomic_files` once every file in it is complete."""


@contextlib.contextmanager
def atomic_files(paths: Sequence[str | os.PathLike[str]]) -> Iterator[list[Path]]:
    """Yield temporary paths for several files that must appear together (a ``.npy`` and its sidecar) or not at all.

    They are written into a hidden staging folder beside the first path; on success a :data:`COMMIT` note is
    written there and each file is renamed into place. If the process dies between those renames, the staging
    folder (with its note) is what it leaves, and the next run on the same output finishes the renames
    (:func:`finish_staged`) before it starts; a failure before the note leaves nothing under the outputs' names.
    """
    targets = [Path(p) for p in paths]
    folder = targets[0].parent
    folder.mkdir(parents=True, exist_ok=True)
    base, _ = _split_name(targets[0].name)
    stage = folder / f".{base}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    stage.mkdir()
    try:
        yield [stage / t.name for t in targets]
        missing = [t.name for t in targets if not (stage / t.name).exists()]
        if missing:
            raise FileNotFoundError(f"nothing was written to {', '.join(missing)} in {stage}")
        (stage / COMMIT).touch()
    except BaseException:
        remove_path(stage)
        raise
    try:
        finish_staged(stage, folder)
    except BaseException:
        finish_staged(stage, folder)  # an interrupt between two renames: finish them rather than leave half a pair
        raise


def finish_staged(stage: Path, folder: Path) -> bool:
    """Move the files of a committed staging folder into ``folder`` and remove it; ``False`` (nothing done) when
    the folder was never committed (its files may be incomplete)."""
    if not (stage / COMMIT).exists():
        return False
    for item in sorted(stage.iterdir()):
        if item.name != COMMIT:
            os.replace(item, folder / item.name)
    remove_path(stage)
    return True


def leftovers(path: str | os.PathLike[str], pid: int) -> list[Path]:
    """The temporary (and replaced-folder) names beside ``path`` that process ``pid`` made with :func:`atomic_path`
    and would have removed had it not been killed."""
    target = Path(path)
    base, _ = _split_name(target.name)
    found = [*target.parent.glob(f".{base}.tmp-{pid}-*"), *target.parent.glob(f".{target.name}.old-{pid}-*")]
    return sorted(found)


def _split_name(name: str) -> tuple[str, str]:
    """``name`` as (base, suffixes): ``selected.jsonl.gz`` -> (``selected``, ``.jsonl.gz``); a leading dot is kept."""
    dot = name.find(".", 1)
    return (name, "") if dot < 0 else (name[:dot], name[dot:])


def _replace(tmp: Path, target: Path) -> None:
    if tmp.is_dir() and target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            os.replace(old, target)
            raise
        remove_path(old)
    else:
        os.replace(tmp, target)


def remove_path(path: Path) -> None:
    """Remove a file or a folder (and what it holds); nothing happens when it is already gone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def gzip_writer(path: Path) -> Iterator[gzip.GzipFile]:
    """A deterministic gzip writer (no file name or time stamp in the header, so equal data -> equal bytes)."""
    with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        yield gz


_SURROGATES = re.compile("[\ud800-\udfff]")


def json_safe(text: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with any lone surrogate (a file name's byte that was
    not UTF-8, as ``os.fsdecode`` gives it) written as its ``\\udcXX`` escape: valid UTF-8 JSON that reads back
    as the same string."""
    if not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write one JSON object per line (UTF-8, non-ASCII kept as is), atomically; ``.gz`` paths are gzipped."""
    target = Path(path)
    with atomic_path(target) as tmp:
        if target.name.endswith(".gz"):
            with gzip_writer(tmp) as gz:
                for row in rows:
                    gz.write(json_safe(json.dumps(row, ensure_ascii=False)).encode("utf-8") + b"\n")
        else:
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                for row in rows:
                    f.write(json_safe(json.dumps(row, ensure_ascii=False)))
                    f.write("\n")
    return target
