"""Loading the encoder early (``step.load_encoder_soon``): a run can read while the model loads, same vectors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from selector.config.run import EncoderConfig
from selector.embedding.step import load_encoder, load_encoder_soon, pool_embeddings
from selector.errors import SelectorError
from selector.sample import Message, Sample
from tests.tiny_model import tiny_texts


def _sample(i: int, text: str) -> Sample:
    turns = [Message("user", text), Message("assistant", "ok")]  # type: ignore[arg-type]
    return Sample(id=str(i), source="s", task=None, turns=turns, parsed={}, format="alpaca", file="f.json", row=i)


def test_an_encoder_loaded_early_gives_the_vectors_of_one_loaded_late(tiny: Path, tmp_path: Path) -> None:
    config = EncoderConfig(model=str(tiny), device="cpu", cache_dir=str(tmp_path))
    soon = load_encoder_soon(config)
    texts = tiny_texts(40)
    samples = [_sample(i, t) for i, t in enumerate(texts)]
    X, info, enc = pool_embeddings(samples, None, config, progress=False, encoder=soon)
    late = load_encoder(replace(config, cache_dir=str(tmp_path / "other")))
    Y, _, _ = pool_embeddings(samples, None, replace(config, cache_dir=str(tmp_path / "other")), progress=False)
    np.testing.assert_array_equal(X, Y)
    assert enc is soon.result() and info["n_encoded"] == 40 and late.dim == enc.dim


def test_a_model_that_cannot_load_fails_where_its_vectors_are_asked_for(tmp_path: Path) -> None:
    soon = load_encoder_soon(EncoderConfig(model=str(tmp_path / "missing"), device="cpu"))
    with pytest.raises(SelectorError):
        pool_embeddings([_sample(0, "a")], None, EncoderConfig(), encoder=soon)
