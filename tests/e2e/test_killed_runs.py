"""A `selector select` killed while it writes leaves no partial output, and the next run cleans up after it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "data" / "demo.jsonl"


def _select(out: Path, vectors: Path) -> list[str]:
    return [sys.executable, "-m", "selector", "select", str(DEMO), "--embeddings", str(vectors), "--budget", "20",
            "--out", str(out)]  # fmt: skip


def test_a_run_killed_while_writing_leaves_nothing_under_its_name(tmp_path, demo_vectors):
    out = tmp_path / "picked"
    proc = subprocess.Popen(_select(out, demo_vectors), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    staged: list[Path] = []
    while proc.poll() is None and not staged:
        staged = list(tmp_path.glob(".picked.tmp-*"))  # the write stage has begun
        time.sleep(0.002)
    assert staged, f"the run ended before its write stage could be caught: {proc.stderr.read().decode()[-500:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()  # nothing under the output's own name, not even a partial folder
    assert (tmp_path / ".picked.lock").exists() and staged[0].exists()

    again = subprocess.run(_select(out, demo_vectors), cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "left by an earlier run" in again.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.iterdir()) == sorted({*manifest["outputs"], "manifest.json"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picked"]  # the lock and the half-written folder are gone
