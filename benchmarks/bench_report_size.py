"""report.html's size against main's: the demo select and a synthetic pool, each tree in its own child process.

Rows: ``baseline (REF)`` is git ``REF``'s ``selector/`` (default ``main``, exported with ``git archive``) and
``this checkout`` is the working tree. ``demo`` is ``selector.select(examples/data/demo.jsonl, source_field=
"source", budget=40)``; ``synthetic N`` is :func:`render_html` over a seeded pool of N records (384-d unit
vectors, prompts of about 300 and answers of about 1,500 characters, 1% picked), as ``select`` would write it.
Columns: the page's bytes, the share of them that is the packed or plain Plotly bundle, and the seconds to build.

Usage: ``python benchmarks/bench_report_size.py [--sizes 1000000] [--baseline main]`` (about 2 minutes and 3 GB
per tree at 1M on two shared cores). Goals (issue 29): at most 5 MB at 1M records, at most 1 MB for the demo.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

ROOT = harness.ROOT
CHILD = r"""
import json, re, sys, tempfile, time
from pathlib import Path
import numpy as np
mode, n = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
if mode == "demo":
    import selector
    with tempfile.TemporaryDirectory() as tmp:
        selector.select([sys.argv[3]], out=Path(tmp) / "out", source_field="source", budget=40, progress=False)
        page = (Path(tmp) / "out" / "report.html").read_text(encoding="utf-8")
else:
    from selector.report import render_html
    try:
        from selector.report import report_model
    except ImportError:  # a baseline tree from before the one report model
        from selector.report import html_report_data
        report_model = lambda manifest, pool, rows: html_report_data(manifest, report=pool, rows=rows)
    from selector.report.data import ReportData
    from selector.sample import Message, Sample
    rng = np.random.default_rng(0)
    words = np.array(["the", "of", "a", "to", "data", "model", "answer", "question", "code", "list", "value"])
    prompt, answer = " ".join(rng.choice(words, 55)), " ".join(rng.choice(words, 280))
    samples = [Sample(f"pool.jsonl#{i}", f"source{i % 12}", None,
                      [Message("user", f"{i} {prompt}"), Message("assistant", answer)], None, "alpaca",
                      "pool.jsonl", i) for i in range(n)]
    X = rng.standard_normal((n, 384), dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    m = max(1, n // 100)
    picks = rng.choice(n, m, replace=False)
    labels = rng.integers(0, int(np.sqrt(n / 2)), n)
    pool = ReportData([s.source for s in samples], np.full(n, len(answer)), labels, picks,
                      np.linspace(1.4, 1.0, m), np.linspace(1.4, 1.1, m), X, 0, samples)
    rows = [{"rank": r, "id": samples[i].id, "source": samples[i].source, "task": None,
             "cluster": int(labels[i]), "distance": 1.0, "seed": False} for r, i in enumerate(picks)]
    manifest = {"command": "select", "counts": {"read": n, "selected": m}}
    page = render_html(report_model(manifest, pool=pool, rows=rows))
seconds = time.perf_counter() - start
blocks = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
bundle = max(len(b.encode()) for tag, b in blocks if "report-" not in tag)  # Plotly's block, packed or plain
print(json.dumps({"bytes": len(page.encode()), "bundle": bundle, "seconds": seconds}))
"""


def export_tree(ref: str) -> Path:
    """``selector/`` of git ``ref`` exported to a temporary folder (the baseline's source tree)."""
    dest = Path(tempfile.mkdtemp(prefix="bench_report_size_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "selector"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000], help="synthetic pool sizes")
    ap.add_argument("--baseline", default="main", help="git ref whose selector/ is the baseline row")
    args = ap.parse_args()
    trees = [(f"baseline ({args.baseline})", export_tree(args.baseline)), ("this checkout", ROOT)]
    table = harness.Table(["pool", "tree", "report.html MB", "plotly block MB", "seconds", "goal MB", "met"])
    cases = [("demo", 0, 1.0)] + [("synthetic", n, 5.0) for n in args.sizes]
    for mode, n, goal in cases:
        for name, tree in trees:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            demo = str(ROOT / "examples" / "data" / "demo.jsonl")
            res = harness.child_json([sys.executable, "-c", CHILD, mode, str(n), demo], env=env, cwd=tree)
            mb = res["bytes"] / 1e6
            label = "demo (40 picks)" if mode == "demo" else f"synthetic {n:,}"
            table.add(label, name, mb, res["bundle"] / 1e6, res["seconds"], goal, mb <= goal)
    harness.write_results("report_size", {"report.html size": table})


if __name__ == "__main__":
    main()
