"""`selector select --embeddings` with the sharded coreset: the in-memory executor against the partitioned one on Ray.

Per size, on the corpus and float32 embeddings of ``bench_scale.py`` (made once under ``--data``), two runs of
``selector select --embeddings emb.npy --budget B`` in fresh child processes, same config but the coreset backend:

- ``local``: ``coreset.mode: sharded``, ``coreset.backend: local`` (the in-memory executor: the driver loads every
  vector and runs K-Means itself; the shards run in forked workers);
- ``partitioned``: the same with ``coreset.backend: ray`` (``selector.pipeline.partitioned``: the vectors stay in the
  file, Ray Data workers assign the K-Means labels and find the centre, the coreset's Ray tasks read their shards'
  rows). The tool starts a local Ray of all the machine's CPUs and stops it.

Printed side by side: the manifest's seconds per stage, the wall time, the driver's peak RSS (``VmHWM`` of the
child's own process, read from ``/proc`` until it exits: the Ray processes it starts are not in it), the peak of
the RSS summed over the child and every process under it (Ray's workers included; pages they share are counted
once per process, so an upper bound), and whether the partitioned run chose the local run's ids.

    python benchmarks/bench_ray_partitioned.py --sizes 200000 1000000
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
from bench_scale import TEXTS, _env, _yaml, prepare, same_picks

ROOT = harness.ROOT
STAGES = ["read", "filter", "embed", "cluster", "plan", "pick", "coverage", "versus_random", "write"]
log = logging.getLogger("bench_ray_partitioned")


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc/*/stat``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(folder: Path, budget: int, sets: list[str]) -> dict:
    """One ``selector select`` in a child process: manifest seconds, wall, driver and process-tree peak RSS, picks."""
    out = Path(tempfile.mkdtemp(prefix="bench_ray_partitioned_")) / "out"
    config = out.parent / "config.yaml"
    config.write_text(_yaml(sets), encoding="utf-8")
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from selector.cli import main; sys.exit(main())"
    args = [sys.executable, "-c", code, "select", str(folder / "corpus"), "--embeddings", str(folder / "emb.npy")]
    args += ["--budget", str(budget), "--out", str(out), "--config", str(config), "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    driver = tree = 0
    while proc.poll() is None:
        driver = max(driver, _status_kb(proc.pid, "VmHWM"))
        tree = max(tree, sum(_status_kb(p, "VmRSS") for p in _tree(proc.pid)))
        time.sleep(0.2)
    err = proc.stderr.read() if proc.stderr else b""
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"selector select failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    picks = [json.loads(line)["id"] for line in (out / "selection.jsonl").read_text(encoding="utf-8").splitlines()]
    return {
        "seconds": manifest["seconds"],
        "wall": round(wall, 1),
        "driver_gb": round(driver / 2**20, 2),
        "tree_gb": round(tree / 2**20, 2),
        "selected": (out / "selected.jsonl").read_bytes(),
        "picks": picks,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--shards", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2, help="coreset.workers (forked workers, or Ray task groups)")
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "selector_bench_scale")
    ap.add_argument("--suite", default="bench_ray_partitioned", help="name of the results files")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    harness.require_data(TEXTS[0])
    args.data.mkdir(parents=True, exist_ok=True)
    base = ["coreset.mode=sharded", f"coreset.shards={args.shards}", f"coreset.workers={args.workers}"]
    cols = ["records", "executor", *STAGES, "total (s)", "wall (s)", "driver peak RSS (GB)", "tree peak RSS (GB)"]
    table = harness.Table([*cols, "selected.jsonl vs local"])
    for n in args.sizes:
        folder = prepare(args.data, n)
        results = {}
        for name, backend in (("local", "local"), ("partitioned", "ray")):
            log.info("%s records, %s", f"{n:,}", name)
            res = results[name] = run(folder, args.budget, [*base, f"coreset.backend={backend}"])
            sec = res["seconds"]
            same = "(baseline)" if name == "local" else _same(res, results["local"])
            cells = [round(float(sec.get(s, 0.0)), 1) for s in STAGES]
            table.add(
                n, name, *cells, round(float(sec["total"]), 1), res["wall"], res["driver_gb"], res["tree_gb"], same
            )
    notes = [
        f"budget {args.budget}, coreset.mode sharded, {args.shards} shards, coreset.workers {args.workers}; float32 "
        "384-d vectors of bench_scale.py; the partitioned run starts a local Ray of every CPU and stops it",
        "driver peak RSS: VmHWM of the selector process itself; tree: the peak of the RSS summed over it and every "
        "process below it (Ray's GCS, raylet and workers included), an upper bound (shared pages counted per process)",
    ]
    harness.write_results(args.suite, {"select --embeddings, sharded: local vs partitioned": table}, notes=notes)


def _same(res: dict, local: dict) -> str:
    if res["selected"] == local["selected"]:
        return "byte-identical"
    return same_picks(res, local)


if __name__ == "__main__":
    main()
