"""The GPU path's failure handling, simulated on the CPU: out-of-memory splits, non-finite rows, dtype choice.

A wrapped model raises the error a GPU would raise (CUDA's ``OutOfMemoryError``, MPS's plain ``RuntimeError``)
for batches above a token count, or returns NaN for one text; the encoder itself runs unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from selector.cli.console import as_flags
from selector.device import resolve_device
from selector.embedding.encoder import Encoder
from selector.embedding.gpu import cuda_dtype, is_out_of_memory
from selector.errors import ConfigError, SelectorError
from tests.tiny_model import tiny_texts


class FailsAbove(torch.nn.Module):
    """Runs ``inner`` but raises ``error()`` for batches of more than ``limit`` tokens (rows x padded length)."""

    def __init__(self, inner: torch.nn.Module, limit: int, error: type[BaseException] | None = None) -> None:
        super().__init__()
        self.inner, self.limit = inner, limit
        self.error = error or (lambda: torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"))
        self.shapes: list[tuple[int, int]] = []

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        self.shapes.append(tuple(input_ids.shape))
        if input_ids.numel() > self.limit:
            raise self.error()
        return self.inner(input_ids=input_ids, attention_mask=attention_mask)


class NanAbove(torch.nn.Module):
    """Runs ``inner`` and sets NaN in the states of rows of more than ``tokens`` real tokens (an fp16 overflow)."""

    def __init__(self, inner: torch.nn.Module, tokens: int) -> None:
        super().__init__()
        self.inner, self.tokens = inner, tokens

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        out = self.inner(input_ids=input_ids, attention_mask=attention_mask)
        bad = attention_mask.sum(dim=1) > self.tokens
        out.last_hidden_state[bad] = float("nan")
        return out


def test_oom_splits_each_half_at_its_own_length_and_keeps_the_vectors(tiny: Path) -> None:
    texts = tiny_texts(120)
    expected = Encoder(tiny, cache=False, batch_tokens=1024).encode(texts, progress=False)
    enc = Encoder(tiny, cache=False, batch_tokens=1024)
    enc.model = FailsAbove(enc.model, limit=700)
    X = enc.encode(texts, progress=False)
    np.testing.assert_allclose(X, expected, atol=1e-5)
    first = enc.stats_
    assert first.oom_splits == 1  # the budget halved once, to 512: no later batch failed
    assert enc.batch_tokens == 1024 and enc.info()["batch_tokens"] == 1024  # nothing leaks into the manifest
    widths = [w for _, w in enc.model.shapes]
    assert all(b * w <= 1024 for b, w in enc.model.shapes)
    assert len(set(widths)) > 1  # halves padded to their own longest rows, not the parent's
    enc.model.shapes.clear()
    enc.encode(texts[::-1], progress=False)  # the next call starts from the configured budget again
    assert enc.stats_.oom_splits == 1 and enc.stats_.batches == first.batches


def test_a_deep_split_halves_the_budget_only_once_per_batch(tiny: Path) -> None:
    texts = tiny_texts(80)
    enc = Encoder(tiny, cache=False, batch_tokens=4096)
    enc.model = FailsAbove(enc.model, limit=300)  # the first batch splits several levels deep
    X = enc.encode(texts, progress=False)
    assert np.isfinite(X).all()
    # budget 4096 -> 2048 -> 1024 -> 512 -> 256: a few batches each halve it once, and the rest fit
    assert enc.stats_.oom_splits < 40
    assert enc.batch_tokens == 4096


def test_mps_out_of_memory_is_a_plain_runtime_error_and_is_handled(tiny: Path) -> None:
    mps = RuntimeError("MPS backend out of memory (MPS allocated: 17.00 GB, other allocations: 1.2 GB)")
    assert is_out_of_memory(mps) and not is_out_of_memory(RuntimeError("shape mismatch"))
    enc = Encoder(tiny, cache=False, batch_tokens=1024)
    enc.model = FailsAbove(enc.model, limit=700, error=lambda: RuntimeError(str(mps)))
    assert np.isfinite(enc.encode(tiny_texts(50), progress=False)).all()
    assert enc.stats_.oom_splits >= 1


def test_other_runtime_errors_are_not_taken_for_oom(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False)
    enc.model = FailsAbove(enc.model, limit=0, error=lambda: RuntimeError("expected scalar type Long"))
    with pytest.raises(RuntimeError, match="expected scalar type Long"):
        enc.encode(["a b c"], progress=False)


def test_one_row_that_does_not_fit_says_what_to_lower(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False)
    enc.model = FailsAbove(enc.model, limit=0)
    with pytest.raises(SelectorError, match=r"single text of \d+ tokens.*max_length=.*batch_tokens=") as info:
        enc.encode(["write a python function"], progress=False)
    assert re.search(
        r"single text of \d+ tokens.*--max-length.*--batch-tokens.*--device cpu", as_flags(str(info.value))
    )


def test_non_finite_rows_are_refused_named_and_never_cached(tiny: Path, tmp_path: Path) -> None:
    long = "story of a number " * 30
    texts = [*tiny_texts(20, max_words=10), long]
    enc = Encoder(tiny, cache_dir=tmp_path, chunk_size=4, batch_tokens=64)
    enc.model = NanAbove(enc.model, tokens=60)
    with pytest.raises(SelectorError, match=r"NaN or inf for 1 text\(s\), e.g. text 20: 'story of a number"):
        enc.encode(texts, progress=False)
    clean = Encoder(tiny, cache_dir=tmp_path, batch_tokens=64)
    X = clean.encode(texts, progress=False)
    assert np.isfinite(X).all()
    assert clean.stats_.n_cached == 20 and clean.stats_.n_encoded == 1  # the good rows were kept, the bad one not


def test_auto_dtype_reads_the_compute_capability() -> None:
    assert cuda_dtype((7, 5)) == "float16"  # T4: bf16 only emulated
    assert cuda_dtype((7, 0)) == "float16"  # V100
    assert cuda_dtype((8, 0)) == "bfloat16"  # A100
    assert cuda_dtype((9, 0)) == "bfloat16"  # H100


def test_released_encoder_says_so(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False)
    enc.release()
    assert enc.info()["dim"] == 32
    with pytest.raises(SelectorError, match="released"):
        enc.encode(["a b"], progress=False)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="MPS is available here")
def test_mps_without_mps_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="MPS is not available"):
        resolve_device("mps")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_the_vectors_match_the_cpu(tiny: Path) -> None:
    texts = tiny_texts(40)
    cpu = Encoder(tiny, cache=False, device="cpu").encode(texts, progress=False)
    gpu = Encoder(tiny, cache=False, device="cuda").encode(texts, progress=False)
    assert (cpu * gpu).sum(axis=1).min() > 0.99
    with pytest.raises(ConfigError, match="CUDA device"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")
