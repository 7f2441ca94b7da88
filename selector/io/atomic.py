"""Whole-or-nothing outputs: write to a temporary name in the same folder, rename when complete."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Mapping
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


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write one JSON object per line (UTF-8, non-ASCII kept as is), atomically; ``.gz`` paths are gzipped."""
    target = Path(path)
    with atomic_path(target) as tmp:
        if target.name.endswith(".gz"):
            with gzip_writer(tmp) as gz:
                for row in rows:
                    gz.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        else:
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False))
                    f.write("\n")
    return target
