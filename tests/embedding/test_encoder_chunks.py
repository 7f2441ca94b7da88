"""Tokenisation ahead of the model: flat ids, chunks fixed by the set of texts, and what a chunked run returns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from selector.embedding import tokenizing
from selector.embedding.encoder import Encoder
from selector.embedding.tokenizing import chunk_plan, pad, round_width, tokenize_flat
from tests.tiny_model import tiny_texts

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_flat_ids_are_the_tokenizers_ids_and_truncation_flags(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False, max_length=16, device="cpu")
    texts = [*tiny_texts(30), "", "write " * 40]
    tokens = tokenize_flat(enc._tok, texts, block=7)
    for i, text in enumerate(texts):
        e = enc._tok.encode(text, add_special_tokens=True)
        assert tokens.row(i).tolist() == e.ids
        assert tokens.truncated[i] == bool(e.overflowing)
    assert tokens.flat.dtype == np.int32 and tokens.truncated[-1] and tokens.lengths.max() == 16


def test_padding_scatters_each_row_and_pads_the_rest(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False, device="cpu")
    tokens = tokenize_flat(enc._tok, tiny_texts(12))
    rows = np.array([5, 0, 9])
    width = int(tokens.lengths[rows].max()) + 3
    grid = pad(tokens, rows, width, 0, np.full(100 + 3 * width, 77, dtype=np.int64))
    assert grid.shape == (3, width)
    for r, i in enumerate(rows):
        n = int(tokens.lengths[i])
        assert grid[r, :n].tolist() == tokens.row(i).tolist() and not grid[r, n:].any()


def test_chunks_depend_on_the_set_of_texts_so_a_resumed_run_meets_the_same_boundaries() -> None:
    n = 1000
    full = chunk_plan(n, np.arange(n), size=300)
    assert [len(c) for c in full] == [250, 250, 250, 250]  # 4 even chunks, not 300+300+300+100
    todo = np.sort(np.random.default_rng(0).choice(n, 400, replace=False))  # what a resumed run still lacks
    resumed = chunk_plan(n, todo, size=300)
    assert np.array_equal(np.concatenate(resumed), np.arange(400))
    for chunk in resumed:
        assert len({int(todo[k]) // 250 for k in chunk}) == 1  # never straddles a boundary of the full run
    assert chunk_plan(5, np.arange(5), size=300)[0].tolist() == [0, 1, 2, 3, 4]


def test_width_rounding_stays_within_max_length() -> None:
    assert round_width(33, 32, 256) == 64 and round_width(64, 32, 256) == 64
    assert round_width(250, 32, 256) == 256 and round_width(250, 32, 250) == 250
    assert round_width(17, 1, 256) == 17


def test_many_chunks_give_the_vectors_of_one(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = tiny_texts(300)
    one = Encoder(tiny, cache=False, batch_tokens=512, device="cpu").encode(texts, progress=False)
    monkeypatch.setattr(tokenizing, "CHUNK_TEXTS", 64)
    enc = Encoder(tiny, cache=False, batch_tokens=512, device="cpu")
    many = enc.encode(texts, progress=False)
    np.testing.assert_allclose(many, one, atol=1e-6)
    assert enc.stats_.n_encoded == 300 and enc.stats_.padding < 0.5


def test_a_run_interrupted_between_chunks_resumes_to_the_same_array(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokenizing, "CHUNK_TEXTS", 50)
    texts = tiny_texts(200)
    whole = Encoder(tiny, cache=False, batch_tokens=256, device="cpu").encode(texts, progress=False)

    def stop(done: int, total: int) -> None:
        if done >= 90:
            raise KeyboardInterrupt

    enc = Encoder(tiny, cache_dir=tmp_path, chunk_size=16, batch_tokens=256, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        enc.encode(texts, progress=False, on_batch=stop)
    again = Encoder(tiny, cache_dir=tmp_path, chunk_size=16, batch_tokens=256, device="cpu")
    X = again.encode(texts, progress=False)
    assert 0 < again.stats_.n_cached < 200
    np.testing.assert_array_equal(X, whole)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_widths_are_rounded_and_vectors_match_the_cpu(tiny: Path) -> None:
    texts = tiny_texts(500)
    cpu = Encoder(tiny, cache=False, device="cpu").encode(texts, progress=False)
    enc = Encoder(tiny, cache=False, device="cuda", dtype="float32", batch_tokens=2048)
    widths: list[int] = []
    forward = enc.model.forward

    def spy(input_ids, attention_mask, **kw):
        widths.append(input_ids.shape[1])
        return forward(input_ids=input_ids, attention_mask=attention_mask, **kw)

    enc.model.forward = spy
    X = enc.encode(texts, progress=False)
    assert all(w % 32 == 0 or w == enc.max_length for w in widths)
    assert (X * cpu).sum(axis=1).min() > 0.9999


def test_long_texts_tokenised_from_a_prefix_give_the_whole_texts_ids(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False, max_length=32, device="cpu")
    assert enc._cut == 8 * 32  # the tiny BERT splits words at whitespace: the prefix path is on
    rng = np.random.default_rng(1)
    words = ["the", "code", "python", "answer", "a1b2", "x", "write,", "list.", "(what)"]
    texts = [" ".join(rng.choice(words, size=int(k))) for k in rng.integers(1, 200, 300)]
    texts += ["a" * 600, "b " * 300, "word\n" * 100, "x" * 150 + " " + "y" * 400]  # no or late whitespace
    cut = tokenize_flat(enc._tok, texts, block=64, cut=enc._cut)
    whole = tokenize_flat(enc._tok, texts, block=64)
    assert np.array_equal(cut.flat, whole.flat) and np.array_equal(cut.lengths, whole.lengths)
    assert np.array_equal(cut.truncated, whole.truncated) and cut.truncated.any() and not cut.truncated.all()


def test_the_prefix_path_is_only_taken_for_whitespace_word_splitters() -> None:
    from selector.embedding.tokenizing import prefix_cut_safe

    assert prefix_cut_safe({"pre_tokenizer": {"type": "BertPreTokenizer"}}, "right")
    assert not prefix_cut_safe({"pre_tokenizer": {"type": "BertPreTokenizer"}}, "left")
    assert not prefix_cut_safe({"pre_tokenizer": {"type": "ByteLevel"}}, "right")
    assert not prefix_cut_safe({"pre_tokenizer": None}, "right")
    seq = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Whitespace"}]}
    assert prefix_cut_safe({"pre_tokenizer": seq}, "right")


def test_a_gathered_chunk_with_one_bad_row_still_caches_the_rest(tiny: Path, tmp_path: Path) -> None:
    """On CUDA the vectors of a chunk arrive together; a NaN row in it must not cost the finite ones."""
    from selector.errors import SelectorError

    texts = tiny_texts(30)
    enc = Encoder(tiny, cache_dir=tmp_path, chunk_size=4, batch_tokens=64, device="cpu")
    stream = enc._stream

    def gathered(*args):
        parts = list(stream(*args))
        rows = np.concatenate([r for r, _ in parts])
        out = np.concatenate([o for _, o in parts])
        out[np.flatnonzero(rows == 7)] = np.nan
        yield rows, out

    enc._stream = gathered
    with pytest.raises(SelectorError, match="NaN or inf for 1 text"):
        enc.encode(texts, progress=False)
    again = Encoder(tiny, cache_dir=tmp_path, device="cpu")
    again.encode(texts, progress=False)
    assert again.stats_.n_cached == 29 and again.stats_.n_encoded == 1


def test_tokenizing_in_a_spawned_process_gives_the_same_vectors(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CUDA path tokenises in a child process; forced on here, it must change nothing but where ids are made."""
    monkeypatch.setattr(tokenizing, "CHUNK_TEXTS", 64)
    texts = tiny_texts(200)
    threaded = Encoder(tiny, cache=False, batch_tokens=512, device="cpu")
    assert not threaded.tokenize_in_process
    expected = threaded.encode(texts, progress=False)
    enc = Encoder(tiny, cache=False, batch_tokens=512, device="cpu")
    enc.tokenize_in_process = True
    X = enc.encode(texts, progress=False)
    assert enc._tokproc is not None  # the child really ran
    np.testing.assert_array_equal(X, expected)
    enc.release()
    assert enc._tokproc is None
