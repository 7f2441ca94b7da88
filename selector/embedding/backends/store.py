"""Build a derived model once, keep it in the cache, and check it on every load.

A derived model (an ONNX export, a quantised graph, a distilled static model) lives in
``<cache dir>/models/<kind>-<key>/`` where ``key`` hashes the source weights' sha256 and the build settings.
Beside the files, ``artifact.json`` records each file's sha256; a folder whose files no longer match (a partial
copy, a disk error, an edit) is logged, deleted and rebuilt. A build writes into a temporary sibling folder that
is renamed into place only when complete, so a killed build leaves nothing that looks finished, and two
processes building at once both end with a valid folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from selector.embedding.models import file_sha256

log = logging.getLogger(__name__)

MANIFEST = "artifact.json"


def artifact_dir(cache_dir: Path, kind: str, fields: Mapping[str, Any]) -> Path:
    """Where the ``kind`` artifact built from ``fields`` (source sha256, settings) lives."""
    blob = json.dumps({"kind": kind, **fields}, sort_keys=True, separators=(",", ":"))
    key = hashlib.blake2b(blob.encode(), digest_size=12).hexdigest()
    return Path(cache_dir).expanduser() / "models" / f"{kind}-{key}"


def verify(folder: Path) -> bool:
    """Whether ``folder`` holds a complete artifact whose files match the sha256s in its manifest."""
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = record["files"]
        return bool(files) and all(file_sha256(folder / name) == sha for name, sha in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def get_or_build(
    cache_dir: Path, kind: str, fields: Mapping[str, Any], build: Callable[[Path], None]
) -> tuple[Path, bool]:
    """The folder of the ``kind`` artifact for ``fields``, building it with ``build(tmp_folder)`` when missing or
    corrupt; returns ``(folder, built)``. ``build`` writes its files into the folder it is given."""
    folder = artifact_dir(cache_dir, kind, fields)
    if folder.is_dir():
        if verify(folder):
            return folder, False
        log.warning("cached %s model %s is incomplete or corrupt (checksum mismatch); rebuilding it", kind, folder)
        shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        build(tmp)
        files = {p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        record = {"kind": kind, **fields, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        try:
            tmp.rename(folder)
        except OSError:  # another process finished first
            if not verify(folder):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("built %s model in %s", kind, folder)
    return folder, True
