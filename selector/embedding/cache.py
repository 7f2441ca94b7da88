"""A content-addressed, resumable on-disk cache of embeddings.

Layout: ``<cache dir>/embeddings/<key>/`` where ``key`` hashes everything that changes a vector (model weights
checksum, max length, template, pooling, compute dtype; see :func:`cache_key`). Inside, embeddings live in chunk
files ``<name>.npz`` holding ``hashes`` (n,) ``S16`` (blake2b-128 of each UTF-8 text) and ``vectors`` (n, d)
float32. A chunk is written to a temporary name, renamed, and only then marked complete by ``<name>.done``; readers
ignore chunks without their marker, so a run killed at any moment leaves a readable cache and the next run
resumes from the completed chunks. An interrupted run (Ctrl-C, or SIGTERM while :func:`saved_on_interrupt` is
active) first writes the rows it holds as one more chunk, so even a corpus smaller than one chunk resumes.
Chunk names are the hash of their text hashes, so two runs writing the same texts agree on names, and concurrent
writers never clobber each other's partial files.

The cache dir defaults to ``$SELECTOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/selector``, else ``~/.cache/selector``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from selector.signals import Terminated, sigterm_raises

log = logging.getLogger(__name__)

__all__ = ["EmbeddingCache", "Terminated", "cache_key", "default_cache_dir", "saved_on_interrupt", "text_hashes"]

HASH_DTYPE = np.dtype("S16")
FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    """``$SELECTOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/selector``, else ``~/.cache/selector``."""
    env = os.environ.get("SELECTOR_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "selector"


def text_hash(text: str) -> bytes:
    """16-byte blake2b digest of the UTF-8 text (the per-sample cache key)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def text_hashes(texts: Iterable[str]) -> np.ndarray:
    """:func:`text_hash` of each text, as an (n,) ``S16`` array."""
    return np.array([text_hash(t) for t in texts], dtype=HASH_DTYPE)


def cache_key(fields: Mapping[str, Any]) -> str:
    """A stable 32-hex-digit name for a cache keyed by ``fields`` (JSON-serialisable, order-free)."""
    blob = json.dumps({"format": FORMAT_VERSION, **fields}, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


class EmbeddingCache:
    """Embeddings of one (model, max length, template, pooling, dtype) setting, stored in completed chunks.

    ``get`` returns the cached rows for given text hashes; ``add`` buffers new rows and writes a chunk every
    ``chunk_size`` rows (and on ``flush``). Typical chunk sizes: 256 to 4096 rows (a 384-d chunk of 2048 rows is
    3 MiB); smaller chunks lose less work when a run is killed.
    """

    def __init__(self, root: str | Path, fields: Mapping[str, Any], dim: int, *, chunk_size: int = 2048) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        self.fields = dict(fields)
        self.dim = int(dim)
        self.chunk_size = int(chunk_size)
        self.dir = Path(root).expanduser() / "embeddings" / cache_key(self.fields)
        self._index: dict[bytes, tuple[str, int]] | None = None
        self._pending_h: list[np.ndarray] = []
        self._pending_v: list[np.ndarray] = []
        self._n_pending = 0
        self.chunks_written = 0
        self.unwritable: str | None = None
        """Why chunks are no longer written (a full or read-only disk), else ``None``."""

    # reading -------------------------------------------------------------------------------------------
    def _load_index(self) -> dict[bytes, tuple[str, int]]:
        if self._index is None:
            index: dict[bytes, tuple[str, int]] = {}
            if self.dir.is_dir():
                for marker in sorted(self.dir.glob("*.done")):
                    name = marker.stem
                    try:
                        hashes = self._checked_hashes(name)
                    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                        self._drop(name, str(exc))
                        continue
                    for row, h in enumerate(hashes.tolist()):
                        index.setdefault(h, (name, row))
            self._index = index
        return self._index

    def _checked_hashes(self, name: str) -> np.ndarray:
        """The hashes of chunk ``name`` once its file agrees with its ``.done`` marker: ``rows`` hashes (S16) and
        ``(rows, dim)`` float32 vectors (read from the array headers; the vectors themselves are read on use)."""
        rows = json.loads((self.dir / f"{name}.done").read_text(encoding="utf-8"))["rows"]
        with zipfile.ZipFile(self.dir / f"{name}.npz") as zf:
            shapes = {}
            for key in ("hashes", "vectors"):
                with zf.open(f"{key}.npy") as f:
                    major, _ = np.lib.format.read_magic(f)
                    read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
                    shape, _, dtype = read(f)
                    shapes[key] = (shape, dtype)
        expected = {"hashes": ((rows,), HASH_DTYPE), "vectors": ((rows, self.dim), np.dtype(np.float32))}
        for key, (shape, dtype) in expected.items():
            if shapes[key] != (shape, dtype):
                raise ValueError(f"{key} are {shapes[key][1]} {shapes[key][0]}, its marker says {dtype} {shape}")
        with np.load(self.dir / f"{name}.npz") as z:
            return z["hashes"]

    def _drop(self, name: str, why: str) -> None:
        """Forget a damaged chunk (its marker goes, so its rows are embedded again and the chunk rewritten)."""
        log.warning("cache chunk %s is damaged (%s); its rows will be embedded again", self.dir / f"{name}.npz", why)
        with contextlib.suppress(OSError):
            (self.dir / f"{name}.done").unlink()
        if self._index is not None:
            for h in [h for h, (chunk, _) in self._index.items() if chunk == name]:
                del self._index[h]

    def __len__(self) -> int:
        return len(self._load_index())

    def get(self, hashes: Sequence[bytes] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Look up ``hashes`` (n,): returns (found (n,) bool, vectors (n, d) float32 with zeros where missing)."""
        index = self._load_index()
        n = len(hashes)
        found = np.zeros(n, dtype=bool)
        out = np.zeros((n, self.dim), dtype=np.float32)
        by_chunk: dict[str, list[tuple[int, int]]] = {}
        for i, h in enumerate(hashes):
            hit = index.get(bytes(h))
            if hit is not None:
                by_chunk.setdefault(hit[0], []).append((i, hit[1]))
        for name, pairs in by_chunk.items():
            try:
                with np.load(self.dir / f"{name}.npz") as z:
                    vectors = z["vectors"]
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:  # damaged after the index was read
                self._drop(name, str(exc))
                continue
            if vectors.ndim != 2 or vectors.shape[1] != self.dim:
                self._drop(name, f"vectors of shape {vectors.shape}, expected width {self.dim}")
                continue
            dst = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
            src = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
            out[dst] = vectors[src]
            found[dst] = True
        return found, out

    # writing -------------------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Rows added but not yet written (at most ``chunk_size - 1`` between calls)."""
        return self._n_pending

    def add(self, hashes: np.ndarray, vectors: np.ndarray) -> None:
        """Buffer rows (hashes (b,) S16, vectors (b, d) float32); writes a chunk once ``chunk_size`` are pending."""
        self._pending_h.append(np.asarray(hashes, dtype=HASH_DTYPE))
        self._pending_v.append(np.asarray(vectors, dtype=np.float32))
        self._n_pending += len(hashes)
        if self._n_pending >= self.chunk_size:
            self.flush()

    def flush(self) -> None:
        """Write every pending row as one completed chunk (no-op when nothing is pending)."""
        if not self._n_pending:
            return
        hashes = np.concatenate(self._pending_h)
        vectors = np.ascontiguousarray(np.concatenate(self._pending_v), dtype=np.float32)
        self._pending_h, self._pending_v, self._n_pending = [], [], 0
        if self.unwritable is not None:
            return
        try:
            self._write_chunk(hashes, vectors)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
                raise
            self.unwritable = exc.strerror or str(exc)
            log.warning(
                "the embedding cache %s cannot be written (%s): the run goes on without caching; free space there "
                "or give another --cache-dir so that a rerun resumes",
                self.dir,
                self.unwritable,
            )

    def _write_chunk(self, hashes: np.ndarray, vectors: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        key_file = self.dir / "key.json"
        if not key_file.exists():
            _atomic_write_bytes(key_file, json.dumps(self.fields, indent=2, sort_keys=True).encode())
        name = hashlib.blake2b(hashes.tobytes(), digest_size=16).hexdigest()
        data = self.dir / f"{name}.npz"
        buf = io.BytesIO()
        np.savez(buf, hashes=hashes, vectors=vectors)
        _atomic_write_bytes(data, buf.getvalue())
        _atomic_write_bytes(self.dir / f"{name}.done", json.dumps({"rows": len(hashes)}).encode())
        self.chunks_written += 1
        if self._index is not None:
            for row, h in enumerate(hashes.tolist()):
                self._index.setdefault(h, (name, row))
        log.debug("cache: wrote chunk %s (%d rows)", data, len(hashes))


@contextmanager
def saved_on_interrupt(cache: EmbeddingCache | None) -> Iterator[None]:
    """Write ``cache``'s pending rows if the block ends by an exception (Ctrl-C included), then re-raise.

    In the main thread, while the block runs, SIGTERM (left at its default, which kills without cleanup) raises
    :class:`Terminated`, a :class:`KeyboardInterrupt`, so ``kill`` and job schedulers also leave a resumable
    cache. SIGKILL cannot be caught: a run killed that way loses the rows of its unfinished chunk.
    """
    try:
        with sigterm_raises():
            yield
    except BaseException:
        if cache is not None and cache.pending:
            rows = cache.pending
            try:
                cache.flush()
            except Exception as exc:  # the original error matters more than a failed save
                log.warning("could not save %d embedded rows to the cache: %s", rows, exc)
            else:
                log.info("saved %d embedded rows to the cache %s; a rerun resumes from there", rows, cache.dir)
        raise


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
