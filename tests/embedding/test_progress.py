"""Progress: a bar on a terminal, a log line every few seconds elsewhere, time left estimated from tokens.

Issue 10 item 17: the tqdm bar wrote a line per update into a log when stderr was not a terminal, and its time
left, counted in rows while texts run short to long, was optimistic. A fake clock drives the cadence; nothing here
depends on how fast the machine is.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import numpy as np
import pytest

from selector.embedding.encoder import Encoder
from selector.progress import Progress, format_seconds
from tests.tiny_model import build_tiny_bert, tiny_texts


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "selector.progress"]


def test_off_a_terminal_one_line_every_interval_not_one_per_update(caplog: pytest.LogCaptureFixture) -> None:
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(3000, desc="embedding", unit="samples", interval=10, stream=stream, clock=clock)
    with caplog.at_level(logging.INFO, logger="selector"), progress as p:
        for _ in range(3000):  # 3,000 updates over 60 simulated seconds
            clock.now += 0.02
            p.update(1)
    lines = _messages(caplog)
    assert stream.getvalue() == ""  # no bar frames in a log file
    assert 5 <= len(lines) <= 7  # one line per 10 s, and the closing line
    assert re.fullmatch(r"embedding: 50\d/3,000 samples \(17%\), 50\.0 samples/s, 50s left", lines[0]), lines[0]
    assert lines[-1] == "embedding: 3,000/3,000 samples in 1m00s"


def test_short_runs_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    with caplog.at_level(logging.INFO, logger="selector"):
        with Progress(10, desc="x", stream=io.StringIO(), clock=clock) as p:
            clock.now += 1
            p.update(10)
        with Progress(10, desc="y", enabled=False, stream=FakeTTY(), clock=clock) as q:
            q.update(10)
    assert _messages(caplog) == []


def test_time_left_follows_tokens_when_texts_run_short_to_long() -> None:
    # half the rows done, but they were the short ones: 100 of 1,000 tokens in 10 s
    clock = FakeClock()
    p = Progress(100, desc="embedding", weight_total=1000, stream=io.StringIO(), clock=clock)
    clock.now += 10
    p.update(50, weight=100)
    assert p.eta() == pytest.approx(90.0)  # by rows it would say 10 s
    assert "10 tokens/s" in p.line() and "1m30s left" in p.line()
    rows_only = Progress(100, desc="embedding", stream=io.StringIO(), clock=clock)
    clock.now += 10
    rows_only.update(50)
    assert rows_only.eta() == pytest.approx(10.0)


def test_on_a_terminal_a_bar_counts_tokens() -> None:
    stream = FakeTTY()
    with Progress(4, desc="embedding", unit="samples", weight_total=400, stream=stream) as p:
        p.update(2, weight=100)
        assert p._bar is not None and p._bar.n == 100 and p._bar.total == 400
    assert "embedding" in stream.getvalue() and "tokens/s" in stream.getvalue()


def test_format_seconds() -> None:
    assert [format_seconds(s) for s in (8.2, 75, 3700, -1)] == ["8s", "1m15s", "1h01m", "0s"]


def test_encoder_writes_no_bar_frames_off_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    enc = Encoder(build_tiny_bert(tmp_path / "tiny"), cache=False, batch_tokens=48)
    capsys.readouterr()  # building the model draws its own bar
    with caplog.at_level(logging.INFO, logger="selector"):
        X = enc.encode(tiny_texts(200, seed=2), progress=True)  # stderr is captured: not a terminal
    assert enc.stats_.batches > 50 and X.shape == (200, 32)
    err = capsys.readouterr().err
    assert "\r" not in err and "it/s]" not in err and "samples/s]" not in err  # no tqdm frames
    assert all(line.startswith("INFO: embedding: ") for line in err.splitlines())  # a CLI's log handler, if any
    assert len(_messages(caplog)) <= 2 + int(enc.stats_.seconds // 10)
    assert np.isfinite(X).all()
