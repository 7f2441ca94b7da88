"""The default encoder against sentence-transformers on real texts (same model folder, same max length)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from selector.embedding import models
from selector.embedding.encoder import Encoder
from selector.embedding.templates import render_all
from selector.io import read_corpus


@pytest.fixture(scope="module")
def real_texts(shared_data: Path) -> list[str]:
    code = read_corpus([shared_data / "code_alpaca_2k.json"]).samples[:40]
    p3 = sorted((shared_data / "p3_t0_train_50k").glob("*.jsonl"))[0]
    zh = read_corpus([shared_data / "alpaca_chinese_zh-data-part-01.json"]).samples[:12]
    texts = render_all([*code, *read_corpus([p3]).samples[:12], *zh])
    return [*texts, texts[0] * 30]  # one far past 256 tokens


def test_default_model_is_verified_with_its_own_limit() -> None:
    enc = Encoder(cache=False)
    assert enc.sha256 == models.DEFAULT_MODEL_SHA256
    assert (enc.dim, enc.max_length, enc.pooling) == (384, 256, "mean")
    assert enc.path == models.default_model_path()


def test_same_vectors_as_sentence_transformers(real_texts: list[str]) -> None:
    st_module = pytest.importorskip("sentence_transformers", reason="sentence-transformers is a test-only dependency")
    st = st_module.SentenceTransformer(str(models.default_model_path()), device="cpu")
    assert st.max_seq_length == 256
    ref = st.encode(real_texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    enc = Encoder(cache=False, device="cpu")
    X = enc.encode(real_texts, progress=False)
    assert X.shape == ref.shape == (len(real_texts), 384)
    assert np.abs(X - ref).max() < 1e-4
    assert enc.stats_.n_truncated >= 1
