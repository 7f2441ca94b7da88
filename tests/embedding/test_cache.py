"""The on-disk embedding cache: chunks, completion markers, keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from selector.embedding.cache import EmbeddingCache, cache_key, default_cache_dir, text_hash, text_hashes

FIELDS = {"model_sha256": "abc", "max_length": 16, "template": "default", "pooling": "mean", "dtype": "float32"}


def _rows(n: int, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


def test_rows_come_back_for_their_hashes(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, FIELDS, 4, chunk_size=3)
    h = text_hashes([f"t{i}" for i in range(7)])
    v = _rows(7)
    cache.add(h[:5], v[:5])  # one chunk written (3 rows pending threshold reached), 0 pending
    cache.add(h[5:], v[5:])
    cache.flush()
    again = EmbeddingCache(tmp_path, FIELDS, 4)
    query = np.concatenate([h[::-1], text_hashes(["new"])])
    found, out = again.get(query)
    assert found.tolist() == [True] * 7 + [False]
    np.testing.assert_array_equal(out[:7], v[::-1])
    assert not out[7].any()
    assert len(again) == 7


def test_chunk_without_completion_marker_is_ignored(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, FIELDS, 4, chunk_size=2)
    cache.add(text_hashes(["a", "b"]), _rows(2))
    markers = list(cache.dir.glob("*.done"))
    assert len(markers) == 1 and markers[0].with_suffix(".npz").is_file()
    markers[0].unlink()  # as if killed between the data rename and the marker
    found, _ = EmbeddingCache(tmp_path, FIELDS, 4).get(text_hashes(["a", "b"]))
    assert not found.any()


def test_key_changes_with_any_field(tmp_path: Path) -> None:
    base = cache_key(FIELDS)
    assert cache_key(dict(reversed(list(FIELDS.items())))) == base
    for name, value in [("model_sha256", "abd"), ("max_length", 17), ("template", "roles"), ("pooling", "cls")]:
        assert cache_key({**FIELDS, name: value}) != base
    a = EmbeddingCache(tmp_path, FIELDS, 4, chunk_size=1)
    a.add(text_hashes(["x"]), _rows(1))
    found, _ = EmbeddingCache(tmp_path, {**FIELDS, "max_length": 32}, 4).get(text_hashes(["x"]))
    assert not found.any()


def test_text_hash_is_content_only() -> None:
    assert text_hash("héllo") == text_hash("héllo")
    assert text_hash("hello") != text_hash("hello ")
    assert len(text_hash("")) == 16


def test_default_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SELECTOR_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("SELECTOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "selector"


def _one_chunk(tmp_path: Path, n: int = 4) -> tuple[np.ndarray, Path]:
    cache = EmbeddingCache(tmp_path, FIELDS, 4, chunk_size=n)
    h = text_hashes([f"t{i}" for i in range(n)])
    cache.add(h, _rows(n))
    (chunk,) = cache.dir.glob("*.npz")
    return h, chunk


@pytest.mark.parametrize("damage", ["empty", "half", "short rows", "other dtype"])
def test_a_damaged_chunk_is_named_and_its_rows_embedded_again(tmp_path: Path, caplog, damage: str) -> None:
    h, chunk = _one_chunk(tmp_path)
    data = chunk.read_bytes()
    if damage == "empty":
        chunk.write_bytes(b"")
    elif damage == "half":
        chunk.write_bytes(data[: len(data) // 2])
    else:
        vectors = _rows(3) if damage == "short rows" else _rows(4).astype(np.float16)
        np.savez(chunk, hashes=h[: len(vectors)], vectors=vectors)
    again = EmbeddingCache(tmp_path, FIELDS, 4)
    found, _ = again.get(h)
    assert not found.any() and f"cache chunk {chunk} is damaged" in caplog.text
    assert not chunk.with_suffix(".done").exists()  # later runs do not trip over it again
    again.add(h, _rows(4))  # re-embedded: the chunk is written whole again
    again.flush()
    found, out = EmbeddingCache(tmp_path, FIELDS, 4).get(h)
    assert found.all()
    np.testing.assert_array_equal(out, _rows(4))


def test_a_full_cache_disk_lets_the_run_go_on_without_caching(tmp_path: Path, monkeypatch, caplog) -> None:
    import errno
    import os

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # the OS boundary: a chunk cannot be made durable
    cache = EmbeddingCache(tmp_path, FIELDS, 4, chunk_size=2)
    cache.add(text_hashes(["a", "b"]), _rows(2))
    cache.add(text_hashes(["c", "d"]), _rows(2))
    assert cache.unwritable == "No space left on device" and "goes on without caching" in caplog.text
    assert caplog.text.count("cannot be written") == 1 and not list(cache.dir.glob("*.npz"))
