"""Precomputed vectors (``--embeddings FILE.npy``): load them, and prove that row ``i`` belongs to sample ``i``.

``selector embed`` writes one row per sample *as read* (before any filter, so one file serves every filter
setting) and a sidecar ``FILE.json`` beside it. Among the sidecar's keys, :func:`sidecar_rows` adds
``text_hashes``: for every row, the embedding cache's hash (blake2b-128, hex) of the text that was embedded, the
sample rendered with the sidecar's ``template``. :func:`load_embeddings` renders the samples being selected from
with that template, hashes them the same way and refuses any difference, saying what differs: the number of
rows, the order (same samples, another order), or the samples themselves (first differing row, by id), and the
template or model when the run asks for another one than the vectors were made with. A ``.npy`` without a
sidecar is accepted only when its row count matches, with a warning that its alignment cannot be checked.

Vectors are returned L2-normalised in float32 (the selection works on unit vectors); a row of zeros or a
non-finite value is an error. The file is memory-mapped and converted in blocks, so it may be stored as float16
(half the disk and page cache; ``selector embed --dtype float16``) while the math stays float32, and no copy of the
array is made beside the result. Nothing here unpickles: a file that is not a ``.npy`` array is named as such.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selector.embedding.cache import HASH_DTYPE, text_hash
from selector.embedding.npy_file import check_count, check_model, open_npy, read_sidecar
from selector.errors import SelectorError
from selector.sample import Sample

STORAGE = ("float32", "float16")
"""How an embeddings file may store its vectors (``selector embed --storage``); every computation is float32."""

log = logging.getLogger(__name__)

ROW_HASH = "blake2b-128 (hex) of each row's text, the sample rendered with `template`, UTF-8"
_RERUN = "embed these inputs again (selector embed INPUTS --out FILE.npy) or select from the inputs it was made of"


def row_hashes(samples: Sequence[Sample], template: str) -> list[str]:
    """The hex text hash of every sample rendered with ``template``, in order (what the sidecar stores).

    Each text is rendered, hashed and dropped in turn, so a million samples never hold a million texts at once.
    """
    from selector.embedding.templates import render

    return [text_hash(render(s, template)).hex() for s in samples]


def sidecar_rows(samples: Sequence[Sample], template: str) -> dict[str, Any]:
    """The sidecar keys that let :func:`load_embeddings` check alignment: row ids and per-row text hashes."""
    return {"ids": [s.id for s in samples], "row_hash": ROW_HASH, "text_hashes": row_hashes(samples, template)}


def load_embeddings(
    path: str | Path,
    rows: Sequence[int],
    samples: Sequence[Sample],
    *,
    template: str | None = None,
    model: str | Path | None = None,
    keep_float16: bool = False,
    digests: np.ndarray | None = None,
) -> np.ndarray:
    """Rows ``rows`` of the ``(len(samples), d)`` array in ``path``, as ``(len(rows), d)`` unit float32 rows.

    With ``keep_float16`` and a file that stores float16, the unit rows (normalised in float32) are kept as float16:
    half the memory, for the stages that widen the rows they use block by block (the sharded coreset path).

    ``samples`` are every sample as read, in order (the rows of the file); ``template`` and ``model`` are what the
    run was configured with (``None``: not set, nothing to compare). Raises :class:`SelectorError` naming the file
    and what differs when the file's sidecar shows the vectors belong to other samples, another order, another
    template or another model. ``digests``: the samples' text hashes under ``template`` (``(len(samples),)``
    ``S16``, :func:`~selector.embedding.cache.text_hash` of each rendered text) when the caller took them already
    in a pass of its own (``select``'s filter pass); they stand in for rendering and hashing every sample again.
    """
    path = Path(path)
    arr = checked_array(path, samples, template=template, model=model, digests=digests)
    keep = keep_float16 and arr.dtype == np.float16
    return unit_rows(path, arr, np.asarray(rows, dtype=np.int64), dtype=np.float16 if keep else np.float32)


def checked_array(
    path: Path,
    samples: Sequence[Sample],
    *,
    template: str | None = None,
    model: str | Path | None = None,
    digests: np.ndarray | None = None,
) -> np.ndarray:
    """The memory-mapped ``(len(samples), d)`` array in ``path`` once its sidecar shows its rows are ``samples``
    (what :func:`load_embeddings` checks before it reads a row; the partitioned executor reads the rows on its
    workers instead). Raises :class:`SelectorError` as :func:`load_embeddings` describes."""
    arr = open_npy(path)
    if arr.ndim != 2:
        raise SelectorError(f"embeddings={path}: expected a 2-D array (samples x dims), got shape {arr.shape}")
    meta = read_sidecar(path)
    if meta is None:
        check_count(path, arr.shape[0], len(samples))
        log.warning(
            "--embeddings %s has no `selector embed` sidecar (%s): its rows cannot be checked against the samples; "
            "they are assumed to be in the order the inputs are read",
            path,
            path.with_suffix(".json").name,
        )
    else:
        check_alignment(path, arr.shape[0], meta, samples, template=template, model=model, digests=digests)
    del meta  # the sidecar's ids and hashes (about 150 MB a million rows) go before X is allocated
    return arr


BLOCK_ROWS = 65_536
"""Rows converted at a time by :func:`unit_rows` (96 MB of float32 at 384-d)."""


SAFE_NORMS = (1e-15, 1e15)
"""Row norms between these are computed exactly in float32; rows outside are scaled by their largest value first."""


def unit_rows(
    path: Path, arr: np.ndarray, rows: np.ndarray, block: int = BLOCK_ROWS, dtype: Any = np.float32
) -> np.ndarray:
    """Rows ``rows`` of the memory-mapped ``arr`` (float32 or float16 storage) as one ``(len(rows), d)`` float32
    array of unit rows, filled block by block: the only full-size array is the result.

    The math is float32 whatever the storage (a float16 file is widened block by block), and each row is divided by
    its own float32 norm, so the values are those of normalising the whole array at once. Raises
    :class:`SelectorError` on a non-finite value or a zero row, naming the row. ``dtype=np.float16`` stores the
    float32 unit rows rounded to float16.
    """
    if arr.dtype.kind not in "fiu":
        raise SelectorError(f"embeddings={path}: expected float32 or float16 vectors, got {arr.dtype}")
    out = np.empty((len(rows), arr.shape[1]), dtype=dtype)
    for s in range(0, len(rows), block):
        part = rows[s : s + block]
        B = out[s : s + len(part)] if out.dtype == np.float32 else np.empty((len(part), arr.shape[1]), np.float32)
        B[...] = _read_rows(arr, part)
        if not np.isfinite(B).all():
            raise SelectorError(f"embeddings={path}: contains NaN or infinite values")
        with np.errstate(over="ignore", under="ignore"):  # such rows are found and scaled just below
            norms = np.linalg.norm(B, axis=1, keepdims=True)
        extreme = np.flatnonzero(~((norms[:, 0] > SAFE_NORMS[0]) & (norms[:, 0] < SAFE_NORMS[1])))
        if extreme.size:  # squares that overflow (1e20) or underflow (1e-30) in float32: scale by the largest first
            peak = np.abs(B[extreme]).max(axis=1, keepdims=True)
            zero = np.flatnonzero(peak[:, 0] == 0)
            if zero.size:
                row = int(part[extreme[zero[0]]])
                raise SelectorError(f"embeddings={path}: row {row} is all zeros; it cannot be normalised")
            B[extreme] /= peak
            norms[extreme] = np.linalg.norm(B[extreme], axis=1, keepdims=True)
        B /= norms
        if out.dtype != np.float32:
            out[s : s + len(part)] = B
    return out


def _read_rows(arr: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Rows ``part`` (ascending or not) of ``arr``; from a memory map, by one plain read of the rows' span.

    Reading through the map would leave the file's pages mapped, and counted in the process's resident memory,
    until the map is closed; a read keeps only this block in memory.
    """
    if not len(part):
        return arr[part]
    lo, hi = int(part.min()), int(part.max()) + 1
    if isinstance(arr, np.memmap) and arr.flags.c_contiguous and arr.filename and hi - lo <= 4 * len(part):
        row_bytes = arr.shape[1] * arr.dtype.itemsize
        with open(arr.filename, "rb") as f:
            f.seek(arr.offset + lo * row_bytes)
            span = np.fromfile(f, dtype=arr.dtype, count=(hi - lo) * arr.shape[1]).reshape(hi - lo, arr.shape[1])
        return span[part - lo]
    return arr[part]


def check_alignment(
    path: Path,
    n_rows: int,
    meta: dict[str, Any],
    samples: Sequence[Sample],
    *,
    template: str | None = None,
    model: str | Path | None = None,
    digests: np.ndarray | None = None,
) -> None:
    """Raise unless the sidecar ``meta`` of ``path`` (an ``n_rows``-row array) shows the rows are ``samples``.

    ``digests``: the samples' text hashes under ``template``, already taken (used only when ``template`` is the
    sidecar's and there is one per sample; otherwise every sample is rendered and hashed here)."""
    sidecar = path.with_suffix(".json")
    listed = meta.get("rows")
    if listed != n_rows:
        raise SelectorError(
            f"embeddings={path} has {n_rows:,} rows but its sidecar {sidecar.name} lists {listed}: the two files "
            f"are not from the same `selector embed` run; {_RERUN}"
        )
    made_with = meta.get("template", "default")
    if template is not None and template != made_with:
        raise SelectorError(
            f"embeddings={path} was embedded with template {made_with!r} but this run's encoder.template is "
            f"{template!r}; set encoder.template: {made_with} in the config or embed again with template={template}"
        )
    if model is not None:
        check_model(path, meta, model)
    check_count(path, n_rows, len(samples), meta)
    ids = list(meta.get("ids") or [])
    stored = meta.get("text_hashes")
    if stored is None:  # a sidecar from before per-row hashes: the ids are all there is to compare
        now_ids = [s.id for s in samples]
        if ids != now_ids:
            k = _first_difference(ids, now_ids)
            raise SelectorError(
                f"embeddings={path}: row {k} is {_id(ids, k)} but the inputs' sample {k} is {_id(now_ids, k)}; {_RERUN}"
            )
        log.warning(
            "--embeddings %s: its sidecar has no per-row text hashes (an older selector); only the ids were checked",
            path,
        )
        return
    if not isinstance(stored, list) or len(stored) != n_rows:
        raise SelectorError(
            f"embeddings={path}: its sidecar {sidecar.name} is damaged (text_hashes does not hold one hash per "
            f"row); {_RERUN}"
        )
    usable = digests is not None and template == made_with and len(digests) == len(samples)
    now_digests = digests if usable else _digests_of(samples, made_with)
    if np.array_equal(_digests(stored), now_digests):  # 16 bytes a row, not a hex string
        return
    now = row_hashes(samples, made_with)
    raise SelectorError(
        f"embeddings={path} does not match the inputs: {_describe(path, stored, now, ids, samples, meta)}; {_RERUN}"
    )


def _digests(hexes: Sequence[str]) -> np.ndarray:
    """Hex text hashes as an ``S16`` array (a malformed entry becomes an empty digest, which matches nothing).

    Well-formed hashes (32 hex digits each) are decoded in one ``bytes.fromhex`` of their concatenation; any other
    entry sends the whole list through the entry-by-entry decoding (white space, which ``fromhex`` skips, would
    shorten the result, so a result of exactly 16 bytes a row proves every entry was 32 digits and nothing else).
    """
    if all(type(h) is str and len(h) == 32 for h in hexes):
        try:
            raw = bytes.fromhex("".join(hexes))
        except ValueError:
            raw = b""
        if len(raw) == 16 * len(hexes):
            return np.frombuffer(raw, dtype=HASH_DTYPE)

    def one(h: Any) -> bytes:
        try:
            return bytes.fromhex(h)
        except (TypeError, ValueError):
            return b""

    return np.fromiter((one(h) for h in hexes), dtype=HASH_DTYPE, count=len(hexes))


def _digests_of(samples: Sequence[Sample], template: str) -> np.ndarray:
    """:func:`row_hashes` as an ``S16`` array, each text rendered, hashed and dropped in turn."""
    from selector.embedding.templates import render

    return np.fromiter((text_hash(render(s, template)) for s in samples), dtype=HASH_DTYPE, count=len(samples))


def _describe(
    path: Path,
    stored: Sequence[str],
    now: Sequence[str],
    ids: Sequence[str],
    samples: Sequence[Sample],
    meta: dict[str, Any],
) -> str:
    """What differs between the rows as embedded (``stored``) and the samples now (``now``), in words."""
    k = _first_difference(stored, now)
    where = f"row {k} is {_id(ids, k)} in {path.name} but {samples[k].id!r} in the inputs"
    if sorted(stored) == sorted(now):
        return f"the same samples in another order (the first difference: {where})"
    n_diff = sum(a != b for a, b in zip(stored, now, strict=True))
    names = [str(i.get("path")) for i in meta.get("inputs", []) if isinstance(i, dict)]
    made_from = f"; it was embedded from {', '.join(names)}" if names else ""
    return f"{n_diff:,} of {len(now):,} rows hold other texts (the first: {where}){made_from}"


def _first_difference(a: Sequence[Any], b: Sequence[Any]) -> int:
    """The first index where ``a`` and ``b`` differ (the shorter length when one is a prefix of the other)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _id(ids: Sequence[str], k: int) -> str:
    return repr(ids[k]) if k < len(ids) else "(no id)"
