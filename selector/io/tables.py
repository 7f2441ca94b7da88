"""Columnar containers: Parquet files, ``datasets`` folders written by ``save_to_disk``, and Hub datasets.

Rows come back as plain dicts (``pyarrow``'s ``to_pylist``); the writer takes the selected rows from the original
table so that the schema (types, column order) is kept exactly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import threading
from pathlib import Path
from typing import Any

from selector.errors import InputError, SelectorError
from selector.io.corpus import Layout

log = logging.getLogger(__name__)

HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
HUB_HOST = "huggingface.co"


def parse_parquet(path: str, data: bytes) -> Layout:
    """All rows of a Parquet file as records (``row`` = 0-based row index, no lines)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            path, f"cannot read Parquet ({exc})", hint="check that the file is a complete Parquet file"
        ) from None
    return Layout(path, "parquet", table.to_pylist(), style={"schema": table.schema})


def is_dataset_folder(path: Path) -> bool:
    """A folder written by ``Dataset.save_to_disk``: it holds ``dataset_info.json`` and a ``state.json`` that is
    the ``datasets`` state object (naming its ``_data_files``), not a data file that happens to have that name."""
    return (path / "dataset_info.json").is_file() and written_by_datasets(path / "state.json", "_data_files")


def written_by_datasets(path: Path, key: str) -> bool:
    """Whether ``path`` is a small JSON object holding ``key``, as ``datasets`` writes its ``state.json``
    (``_data_files``) and ``dataset_dict.json`` (``splits``); a JSON array of records by that name is data."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and f'"{key}"'.encode() in head


def folder_sha256(path: Path) -> str:
    """sha256 over the names and bytes of every file in a dataset folder (sorted, so it is deterministic)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode() + b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def parse_dataset_folder(path: str) -> Layout:
    """All rows of a ``save_to_disk`` dataset folder as records."""
    import datasets

    try:
        ds = datasets.load_from_disk(path)
    except Exception as exc:  # datasets raises many kinds here; all mean "not a readable dataset folder"
        raise InputError(path, f"cannot load the dataset folder ({type(exc).__name__}: {exc})") from None
    if isinstance(ds, datasets.DatasetDict):
        raise InputError(path, f"is a DatasetDict with splits {sorted(ds)}", hint=f"pass one split: {path}/SPLIT")
    return Layout(path, "dataset", ds.data.table.to_pylist(), sha256=folder_sha256(Path(path)))


def looks_like_hub_name(name: str) -> bool:
    """``owner/name`` with no file extension and no leading ``.``/``/``: a Hub dataset id."""
    return bool(HUB_NAME.match(name)) and not name.startswith(".") and Path(name).suffix == ""


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the Hub opens within ``timeout`` seconds (DNS included, never hangs)."""
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((HUB_HOST, 443), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def parse_hub(name: str) -> Layout:
    """The ``train`` split (else the first split) of a Hub dataset; offline, a clear error within seconds."""
    offline = any(os.environ.get(v, "") not in ("", "0") for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))
    if not offline and not _hub_reachable():
        raise SelectorError(
            f"{name}: not a file or folder, and the Hugging Face Hub ({HUB_HOST}) cannot be reached to download it "
            "as a dataset; download the data files and pass their paths instead"
        )
    import datasets

    try:
        loaded = datasets.load_dataset(name)
    except Exception as exc:  # network, auth and missing-dataset errors all mean "cannot read this name"
        raise SelectorError(f"{name}: cannot load Hub dataset ({type(exc).__name__}: {exc})") from None
    split = "train" if "train" in loaded else sorted(loaded)[0]
    ds = loaded[split]
    log.info("%s: read split %r (%d rows) from the Hub", name, split, len(ds))
    records: list[Any] = ds.data.table.to_pylist()
    sha = hashlib.sha256(f"{name}:{split}:{ds._fingerprint}".encode()).hexdigest()
    return Layout(name, "hub", records, sha256=sha, style={"split": split})
