"""The encoder on a tiny random-weight BERT: pooling, order, batching invariance, cache, resume, errors."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from selector.embedding import models
from selector.embedding.encoder import Encoder
from selector.embedding.pooling import mean_pool, normalize, pool
from selector.errors import SelectorError
from tests.tiny_model import build_tiny_bert, tiny_texts

TESTS = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert-2"), seed=1)


# pooling -------------------------------------------------------------------------------------------------


def test_mean_pool_ignores_padding_and_clamps_empty_rows() -> None:
    g = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 5, 8, generator=g)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]])
    out = mean_pool(hidden, mask)
    torch.testing.assert_close(out[0], hidden[0, :3].mean(0))
    torch.testing.assert_close(out[1], hidden[1].mean(0))
    assert torch.equal(out[2], torch.zeros(8))  # no NaN from 0/0


def test_pool_gives_unit_float32_rows_even_from_bf16() -> None:
    hidden = torch.randn(4, 6, 16, generator=torch.Generator().manual_seed(1)).to(torch.bfloat16)
    mask = torch.ones(4, 6, dtype=torch.long)
    out = pool(hidden, mask)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.norm(dim=1), torch.ones(4))
    assert torch.equal(normalize(torch.zeros(2, 3)), torch.zeros(2, 3))
    torch.testing.assert_close(pool(hidden, mask, "cls"), normalize(hidden[:, 0].float()))


# tiny model through the real loading path --------------------------------------------------------------


def test_tiny_bert_loads_and_encodes_unit_rows_in_input_order(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False, device="cpu")
    assert (enc.dim, enc.max_length, enc.dtype, enc.device) == (32, 128, "float32", "cpu")
    assert enc.sha256 == models.file_sha256(tiny / "model.safetensors")
    texts = tiny_texts(50)
    X = enc.encode(texts, progress=False)
    assert X.shape == (50, 32) and X.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-6)
    # input order: each row equals the text encoded alone
    for i in (0, 17, 49):
        np.testing.assert_allclose(enc.encode([texts[i]], progress=False)[0], X[i], atol=1e-6)


def test_matches_plain_transformers_forward(tiny: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    texts = tiny_texts(12, seed=3)
    tok = AutoTokenizer.from_pretrained(tiny)
    net = AutoModel.from_pretrained(tiny).eval()
    batch = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.no_grad():
        h = net(**batch).last_hidden_state
    m = batch["attention_mask"].unsqueeze(-1).float()
    ref = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1).numpy()
    X = Encoder(tiny, cache=False).encode(texts, progress=False)
    assert np.abs(X - ref).max() < 1e-5


def test_vectors_do_not_depend_on_input_order_and_barely_on_batching(tiny: Path) -> None:
    texts = tiny_texts(80, seed=5)
    a = Encoder(tiny, cache=False, batch_tokens=64).encode(texts, progress=False)
    b = Encoder(tiny, cache=False, batch_tokens=64).encode(texts[::-1], progress=False)[::-1]
    np.testing.assert_array_equal(a, b)  # batches follow (length, text hash), not input order
    c = Encoder(tiny, cache=False, batch_tokens=100_000).encode(texts, progress=False)
    d = Encoder(tiny, cache=False).encode(texts[30:40], progress=False)
    np.testing.assert_allclose(c, a, atol=1e-6)  # other batch mates: float rounding only
    np.testing.assert_allclose(d, a[30:40], atol=1e-6)


def test_truncation_is_counted_and_duplicates_encoded_once(tiny: Path) -> None:
    enc = Encoder(tiny, cache=False, max_length=8)
    long_text = "write the code and explain the answer to the question"  # 10 words + 2 special tokens
    X = enc.encode([long_text, "a b", long_text, "a b"], progress=False)
    s = enc.stats_
    assert (s.n, s.n_unique, s.n_encoded, s.n_truncated) == (4, 2, 2, 1)
    np.testing.assert_array_equal(X[0], X[2])
    # truncation really cut: the long text equals its first 6 tokens
    np.testing.assert_array_equal(X[0], enc.encode(["write the code and explain the"], progress=False)[0])


def test_empty_input_gives_empty_array(tiny: Path) -> None:
    X = Encoder(tiny, cache=False).encode([], progress=False)
    assert X.shape == (0, 32) and X.dtype == np.float32


# cache ---------------------------------------------------------------------------------------------------


def test_cache_hits_and_invalidation(tiny: Path, tiny_other: Path, tmp_path: Path) -> None:
    texts = tiny_texts(40, seed=7)
    first = Encoder(tiny, cache_dir=tmp_path)
    X = first.encode(texts, progress=False)
    assert (first.stats_.n_cached, first.stats_.n_encoded) == (0, 40)

    again = Encoder(tiny, cache_dir=tmp_path)
    Y = again.encode([*texts[::2], "new text"], progress=False)
    assert (again.stats_.n_cached, again.stats_.n_encoded) == (20, 1)
    np.testing.assert_array_equal(Y[:20], X[::2])

    for label, enc, template in [
        ("max length", Encoder(tiny, cache_dir=tmp_path, max_length=16), None),
        ("model", Encoder(tiny_other, cache_dir=tmp_path), None),
        ("template", Encoder(tiny, cache_dir=tmp_path), "roles"),
    ]:
        enc.encode(texts, template=template, progress=False)
        assert enc.stats_.n_cached == 0, label


def test_killed_run_resumes_with_identical_array(tiny: Path, tmp_path: Path) -> None:
    n = 1500
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from tiny_model import tiny_texts; from selector.embedding.encoder import Encoder;"
        "enc = Encoder(sys.argv[2], cache_dir=sys.argv[3], chunk_size=32, batch_tokens=48);"
        f"enc.encode(tiny_texts({n}), progress=False)"
    )
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", script, str(TESTS), str(tiny), str(cache_dir)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not list(cache_dir.glob("embeddings/*/*.done")):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the encoding subprocess ended (rc={proc.returncode}) before writing a chunk")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    texts = tiny_texts(n)
    resumed = Encoder(tiny, cache_dir=cache_dir, chunk_size=32, batch_tokens=48)
    X = resumed.encode(texts, progress=False)
    assert 0 < resumed.stats_.n_cached < n
    assert resumed.stats_.n_encoded == n - resumed.stats_.n_cached
    whole = Encoder(tiny, cache=False, batch_tokens=48).encode(texts, progress=False)
    np.testing.assert_array_equal(X, whole)


class _Stop(Exception):
    """Raised from an ``on_batch`` callback to stop a run part-way."""


@pytest.mark.parametrize("error", [KeyboardInterrupt, _Stop])
def test_interrupted_run_saves_its_rows_and_the_rerun_encodes_only_the_rest(
    tiny: Path, tmp_path: Path, error: type[BaseException]
) -> None:
    """Issue 10 item 11: a corpus smaller than one chunk (2,048 rows) used to lose every row on Ctrl-C."""
    texts = tiny_texts(300, seed=11)
    seen: list[int] = []

    def stop_half_way(done: int, total: int) -> None:
        seen.append(done)
        if done >= total // 2:
            raise error("stop")

    first = Encoder(tiny, cache_dir=tmp_path, batch_tokens=48)  # default chunk_size: 2048 rows
    with pytest.raises(error):
        first.encode(texts, progress=False, on_batch=stop_half_way)
    saved = seen[-1]
    assert 0 < saved < len(texts)

    resumed = Encoder(tiny, cache_dir=tmp_path, batch_tokens=48)
    X = resumed.encode(texts, progress=False)
    assert (resumed.stats_.n_cached, resumed.stats_.n_encoded) == (saved, len(texts) - saved)
    whole = Encoder(tiny, cache=False, batch_tokens=48).encode(texts, progress=False)
    np.testing.assert_array_equal(X, whole)


def test_sigterm_saves_rows_and_the_rerun_resumes(tiny: Path, tmp_path: Path) -> None:
    """SIGTERM (what ``kill`` and job schedulers send) ends a run after saving what it embedded."""
    n = 400
    done_file = tmp_path / "done.txt"
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path; from tiny_model import tiny_texts;"
        "from selector.embedding.cache import Terminated; from selector.embedding.encoder import Encoder;"
        "out = Path(sys.argv[4]);"
        "enc = Encoder(sys.argv[2], cache_dir=sys.argv[3], batch_tokens=48);"
        "tick = lambda done, total: (out.write_text(str(done)), time.sleep(0.02));"
        f"\ntry:\n enc.encode(tiny_texts({n}, seed=12), progress=False, on_batch=tick)"
        "\nexcept Terminated:\n sys.exit(3)"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-c", script, str(TESTS), str(tiny), str(tmp_path / "cache"), str(done_file)]
    proc = subprocess.Popen(args, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (done_file.is_file() and int(done_file.read_text() or 0) >= 50):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the encoding subprocess ended (rc={proc.returncode}) before encoding 50 rows")
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == 3  # Terminated was raised, after the rows were saved

    texts = tiny_texts(n, seed=12)
    resumed = Encoder(tiny, cache_dir=tmp_path / "cache", batch_tokens=48)
    X = resumed.encode(texts, progress=False)
    assert 50 <= resumed.stats_.n_cached < n
    assert resumed.stats_.n_encoded == n - resumed.stats_.n_cached
    np.testing.assert_array_equal(X, Encoder(tiny, cache=False, batch_tokens=48).encode(texts, progress=False))


# remote code ---------------------------------------------------------------------------------------------


def test_trust_remote_code_warns_naming_the_code_files(
    tiny: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 10 item 9: ``trust_remote_code`` used to run a model's own code with no notice."""
    folder = tmp_path / "with-code"
    shutil.copytree(tiny, folder)
    (folder / "modeling_custom.py").write_text("# a model's own code\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "helpers.py").write_text("# more\n")
    with caplog.at_level(logging.WARNING, logger="selector"):
        Encoder(folder, cache=False)
    assert not [r for r in caplog.records if "trust_remote_code" in r.getMessage()]
    with caplog.at_level(logging.WARNING, logger="selector"):
        Encoder(folder, cache=False, trust_remote_code=True)
    warnings = [r for r in caplog.records if "trust_remote_code is on" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "modeling_custom.py, sub/helpers.py" in warnings[0].getMessage()


# errors --------------------------------------------------------------------------------------------------


def test_missing_folder_and_uncached_hub_id_are_clear_errors() -> None:
    with pytest.raises(SelectorError, match="does not exist"):
        Encoder("./no/such/model-folder", cache=False)
    t = time.monotonic()
    with pytest.raises(SelectorError, match="selector-tests/not-a-cached-model"):
        Encoder("selector-tests/not-a-cached-model", cache=False)
    assert time.monotonic() - t < 30  # offline: no network wait


def test_folder_without_weights_or_config_is_named(tmp_path: Path, tiny: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SelectorError, match="no weights"):
        Encoder(tmp_path / "empty", cache=False)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes((tiny / "model.safetensors").read_bytes())
    (broken / "config.json").write_text('{"model_type": "no-such-architecture"}')
    with pytest.raises(SelectorError, match=r"broken.*--trust-remote-code or set encoder.trust_remote_code: true"):
        Encoder(broken, cache=False)


def test_default_model_checksum_mismatch_names_the_file(tmp_path: Path) -> None:
    ref = models.ModelRef(models.DEFAULT_MODEL_NAME, tmp_path)
    with pytest.raises(SelectorError, match=r"model\.safetensors.*expected 53aa5117"):
        models.verify_default(ref, "0" * 64)


def test_bad_settings_list_the_choices(tiny: Path) -> None:
    with pytest.raises(SelectorError, match="cpu"):
        Encoder(tiny, device="tpu", cache=False)
    with pytest.raises(SelectorError, match="mean"):
        Encoder(tiny, pooling="max", cache=False)
