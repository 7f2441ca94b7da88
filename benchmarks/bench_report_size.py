"""report.html's size and build time against the pool size, beside the baseline of drawing every point.

Synthetic pools (seeded unit vectors, 384 dimensions; each record a prompt of about 300 and an answer of about
1,500 characters, as instruction data runs) with 1% picked. For each pool size it prints the size and seconds of
``report.html`` as written (the map a seeded sample of at most 20,000 points, at most 1,000 picks in the table,
whole texts within a 1M-character budget; see docs/report.md), and, as the baseline, the bytes a report would
need to carry every pool point's 200-character hover text and coordinates (no sampling), estimated from the
written page's bytes per point.

Usage: ``python benchmarks/bench_report_size.py`` (pools of 10k, 100k and 1M; about a minute and 3 GB at 1M).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from selector.report import html_report_data, render_html
from selector.report.data import ReportData
from selector.sample import Message, Sample


def synthetic(n: int, seed: int = 0) -> tuple[ReportData, list[dict]]:
    rng = np.random.default_rng(seed)
    words = np.array(["the", "of", "a", "to", "data", "model", "answer", "question", "code", "list", "value"])
    prompt = " ".join(rng.choice(words, 55))
    answer = " ".join(rng.choice(words, 280))
    samples = [
        Sample(f"pool.jsonl#{i}", f"source{i % 12}", None,
               [Message("user", f"{i} {prompt}"), Message("assistant", answer)], None, "alpaca", "pool.jsonl", i)
        for i in range(n)
    ]  # fmt: skip
    X = rng.standard_normal((n, 384), dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    m = max(1, n // 100)
    picks = rng.choice(n, m, replace=False)
    labels = rng.integers(0, int(np.sqrt(n / 2)), n)
    pool = ReportData(
        [s.source for s in samples], np.full(n, len(answer)), labels, picks, np.linspace(1.4, 1.0, m),
        np.linspace(1.4, 1.1, m), X, 0, samples,
    )  # fmt: skip
    rows = [
        {"rank": r, "id": samples[i].id, "source": samples[i].source, "task": None, "cluster": int(labels[i]),
         "distance": 1.0, "seed": False}
        for r, i in enumerate(picks)
    ]  # fmt: skip
    return pool, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{'pool':>10}  {'picks':>7}  {'map points':>10}  {'report.html':>12}  {'seconds':>7}  {'every point':>12}")
    for n in args.sizes:
        pool, rows = synthetic(n)
        manifest = {"command": "select", "counts": {"read": n, "selected": len(rows)}}
        start = time.perf_counter()
        data = html_report_data(manifest, report=pool, rows=rows)
        size = len(render_html(data).encode())
        seconds = time.perf_counter() - start
        points = len(data.points["id"])
        empty = len(render_html(html_report_data(manifest)).encode())
        every = empty + (size - empty) / points * n  # the baseline: the same bytes per point for all n points
        print(
            f"{n:>10,}  {len(rows):>7,}  {points:>10,}  {size / 1e6:>9.2f} MB  {seconds:>7.1f}  {every / 1e6:>9.1f} MB"
        )


if __name__ == "__main__":
    main()
