"""`selector select --embeddings` at scale: seconds per stage and peak RSS, one fresh process per size.

Writes what it needs under ``--data`` (kept between runs, made once per size):

- ``N/corpus/*.jsonl``: an Alpaca-style corpus of N records in 5 files (5 sources), real texts from the shared
  Alpaca and code sets recombined deterministically (record ``i`` takes the instruction and input of one shared
  record and the output of another, so records stay distinct);
- ``N/emb.npy`` (float32) and ``N/emb16.npy`` (float16): one unit 384-d vector per record, clustered like sentence
  embeddings (a topic centre per instruction plus one per output plus noise), with the sidecar ``emb.json`` that
  ``selector embed`` writes (the model fields aside, built by the same helpers: ``run_header`` and
  ``sidecar_rows``, whose per-row ``text_hashes`` match the corpus).

Then, per size, it runs ``selector select --embeddings ... --budget B`` in a child process, once with the
baseline's source tree (``--baseline REF``, default ``main``: its ``selector/`` exported with ``git archive``) and
once with this checkout's, and prints the seconds per stage (the line the run logs last, ``write`` included; the
manifest's ``seconds`` for a tree that does not log it, whose write then reads 0), the seconds outside the stages
(wall minus total: imports, process start and exit), the wall time, the child's peak RSS
(``os.wait4``), its CPU seconds (user + system: on a machine shared with other work they move less than the
wall time) and whether this checkout chose the baseline's ids (same order, same set, or how many differ).
Results: ``benchmarks/results/bench_scale.{md,json}`` (``--suite`` names other files, e.g. for a sharded run).

    python benchmarks/bench_scale.py --sizes 1000000
    python benchmarks/bench_scale.py --sizes 1000000 --set coreset.mode=sharded --suite bench_scale_sharded
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
import numpy as np

ROOT = harness.ROOT
DATA = harness.data_path()
"""The shared corpora (:func:`harness.data_path`: ``SELECTOR_SHARED_DATA``, else ``../shared/data``)."""
TEXTS = ["alpaca_chinese_zh-data-part-00.json", "alpaca_chinese_zh-data-part-01.json", "new_codealpaca.json"]
SOURCES = ["alpaca_zh_a", "alpaca_zh_b", "code_new", "code_mix", "general"]
DIM = 384
TOPICS = 600
SUBSPACE = 16  # dimensions of the variation around a topic
NOISE = 0.3  # norm of the isotropic noise

log = logging.getLogger("bench_scale")


def base_records() -> list[dict[str, str]]:
    """The shared Alpaca-style records the synthetic corpus recombines (about 27k real instructions)."""
    out: list[dict[str, str]] = []
    for name in TEXTS:
        for r in json.loads((DATA / name).read_text(encoding="utf-8")):
            if r.get("instruction") and r.get("output"):
                out.append({"instruction": r["instruction"], "input": r.get("input") or "", "output": r["output"]})
    return out


def pairing(i: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Record ``i``'s (prompt row, output row) in the ``m`` base records: distinct pairs for ``i < m * (m - 1)``."""
    q, r = np.divmod(i, m)
    return r, (r + 1 + q * 7919) % m


def write_corpus(folder: Path, n: int, records: list[dict[str, str]]) -> None:
    """``n`` recombined records over 5 JSONL files, one per source, record ``i`` into file ``i % 5``."""
    folder.mkdir(parents=True, exist_ok=True)
    a, b = pairing(np.arange(n), len(records))
    files = [open(folder / f"{s}.jsonl", "w", encoding="utf-8") for s in SOURCES]  # noqa: SIM115
    try:
        for i in range(n):
            p, o = records[a[i]], records[b[i]]
            rec = {"instruction": p["instruction"], "input": p["input"], "output": o["output"]}
            files[i % 5].write(json.dumps(rec, ensure_ascii=False) + "\n")
    finally:
        for f in files:
            f.close()


def write_embeddings(folder: Path, order: np.ndarray, n_base: int, block: int = 65536) -> None:
    """Unit vectors in corpus read order, clustered the way sentence embeddings are; float32 and float16.

    Row ``i`` is its prompt's topic centre, half its output's topic, a point of a 16-d subspace proper to the
    prompt's topic (sentence embeddings have a low intrinsic dimension) and a little isotropic noise.
    ``order[j]`` is the synthetic index ``i`` of the record read as row ``j`` (files are read one after another).
    """
    rng = np.random.default_rng(13)
    centres = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    bases = rng.standard_normal((TOPICS, SUBSPACE, DIM)).astype(np.float32) / np.float32(np.sqrt(DIM * SUBSPACE))
    n = len(order)
    X = np.lib.format.open_memmap(folder / "emb.npy", mode="w+", dtype=np.float32, shape=(n, DIM))
    H = np.lib.format.open_memmap(folder / "emb16.npy", mode="w+", dtype=np.float16, shape=(n, DIM))
    for s in range(0, n, block):
        i = order[s : s + block]
        a, b = pairing(i, n_base)
        local = np.random.default_rng([13, s])
        z = local.standard_normal((len(i), SUBSPACE), dtype=np.float32)
        v = centres[a % TOPICS] + 0.5 * centres[b % TOPICS] + np.einsum("nk,nkd->nd", z, bases[a % TOPICS])
        v += np.float32(NOISE / np.sqrt(DIM)) * local.standard_normal((len(i), DIM), dtype=np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        X[s : s + len(i)] = v
        H[s : s + len(i)] = v
    X.flush()
    H.flush()
    del X, H


def prepare(root: Path, n: int) -> Path:
    """Make (once) the corpus, the embeddings and their sidecars for ``n`` records under ``root / str(n)``."""
    from selector.embedding.precomputed import sidecar_rows
    from selector.io import ReadOptions
    from selector.pipeline.manifest import run_header

    folder = root / str(n)
    if (folder / "emb16.json").is_file() and (folder / "emb16.npy").is_file():
        return folder
    records = base_records()
    if not (folder / "emb16.json").is_file():
        log.info("writing %s records to %s", f"{n:,}", folder)
        write_corpus(folder / "corpus", n, records)
    corpus = ReadOptions().read([str(folder / "corpus")])
    by_source = {s: k for k, s in enumerate(SOURCES)}
    # Files are read in name order; record i sits in file i % 5 at line i // 5.
    order = np.asarray([s.row * 5 + by_source[s.source] for s in corpus.samples], dtype=np.int64)
    write_embeddings(folder, order, len(records))
    if (folder / "emb16.json").is_file():
        return folder
    meta = run_header("embed", None, corpus)
    meta.update({"model": "synthetic (bench_scale.py)", "dim": DIM, "template": "default", "rows": n})
    meta.update(sidecar_rows(corpus.samples, "default"))
    for name in ("emb", "emb16"):
        meta["outputs"] = [f"{name}.npy"]
        (folder / f"{name}.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def run_select(checkout: Path, folder: Path, emb: str, budget: int, sets: list[str]) -> dict:
    """One ``selector select`` in a fresh process; the manifest's seconds, wall time, peak RSS and the picks."""
    out = Path(tempfile.mkdtemp(prefix="bench_scale_")) / "out"
    config = None
    if sets:
        config = out.parent / "config.yaml"
        config.write_text(_yaml(sets), encoding="utf-8")
    code = f"import sys; sys.path.insert(0, {str(checkout)!r}); from selector.cli import main; sys.exit(main())"
    args = [sys.executable, "-c", code, "select", str(folder / "corpus"), "--embeddings", str(folder / emb)]
    args += ["--budget", str(budget), "--out", str(out)]
    if config is not None:
        args += ["--config", str(config)]
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"selector select failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    seconds = logged_seconds(err.decode(errors="replace")) or manifest["seconds"]
    picks = [json.loads(line)["id"] for line in (out / "selection.jsonl").read_text(encoding="utf-8").splitlines()]
    return {
        "seconds": seconds,
        "wall": round(wall, 1),
        "cpu": round(usage.ru_utime + usage.ru_stime, 1),  # the child's CPU seconds: steadier than wall on a busy box
        "peak_rss_gb": round(usage.ru_maxrss / 2**20, 2),  # ru_maxrss is in KiB on Linux
        "radius": manifest.get("coverage", {}).get("selection", {}).get("radius"),
        "coverage": manifest.get("coverage", {}),
        "coreset": manifest.get("coreset", {}),
        "picks": picks,
    }


SECONDS_LOG = "seconds per stage: "
"""The prefix of the line ``run_stages`` logs last (:data:`selector.pipeline.stages.base.SECONDS_LOG`)."""


def logged_seconds(stderr: str) -> dict | None:
    """The stage seconds the run logged last, ``write`` included (the manifest, written during ``write``, cannot
    hold its own writing time); ``None`` for a tree that does not log them (the write column then reads 0)."""
    for line in reversed(stderr.splitlines()):
        at = line.find(SECONDS_LOG)
        if at >= 0:
            return json.loads(line[at + len(SECONDS_LOG) :])
    return None


def _yaml(sets: list[str]) -> str:
    """``section.key=value`` overrides as a YAML config file."""
    tree: dict[str, dict[str, str]] = {}
    for item in sets:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        tree.setdefault(section, {})[name] = value
    return "".join(f"{s}:\n" + "".join(f"  {k}: {v}\n" for k, v in kv.items()) for s, kv in tree.items())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SELECTOR_CACHE_DIR", tempfile.mkdtemp(prefix="bench_scale_cache_"))
    return env


def exact_radius(folder: Path, emb: str, picks: list[str]) -> float:
    """The coverage radius of ``picks`` (ids) over every record, exact (blocked), to compare selections."""
    from selector.selection.coverage import coverage_curve

    ids = json.loads((folder / emb.replace(".npy", ".json")).read_text(encoding="utf-8"))["ids"]
    where = {s: k for k, s in enumerate(ids)}
    X = np.load(folder / emb, mmap_mode="r")
    idx = np.asarray([where[p] for p in picks], dtype=np.int64)
    worst = 0.0
    for s in range(0, X.shape[0], 100_000):
        rows = np.arange(s, min(X.shape[0], s + 100_000))
        sub = np.ascontiguousarray(X[rows], dtype=np.float32)
        both = np.concatenate([sub, np.asarray(X[idx], dtype=np.float32)])
        _, dist = coverage_curve(both, np.arange(len(sub), len(both)), np.arange(len(sub)), block=1024)
        worst = max(worst, float(dist.max()))
    return worst


def export_tree(ref: str) -> Path:
    """``selector/`` of git ``ref`` (e.g. ``main``) exported to a temporary folder: the baseline's source tree."""
    dest = Path(tempfile.mkdtemp(prefix="bench_scale_base_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "selector"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def same_picks(res: dict, other: dict) -> str:
    """Whether two runs chose the same ids: in order, as a set, or how many differ."""
    if res["picks"] == other["picks"]:
        return "same, same order"
    if set(res["picks"]) == set(other["picks"]):
        return "same set"
    return f"{len(set(res['picks']) ^ set(other['picks']))} differ"


STAGES = ["read", "filter", "embed", "cluster", "pick", "coverage", "versus_random", "write"]


def row_of(n: int, tree: str, res: dict, same: str) -> list:
    """One table row: the tree, seconds per stage, total, wall, peak RSS, the strategy and the picks check."""
    sec = res["seconds"]
    strategy = res["coreset"].get("strategy", "?")
    cells = [round(float(sec.get(s, 0.0)), 1) for s in STAGES]
    wall, cpu, total = res["wall"], res.get("cpu"), float(sec["total"])
    outside = round(wall - total, 1)  # imports, config and request building, process start and exit
    return [n, tree, *cells, round(total, 1), outside, wall, cpu, res["peak_rss_gb"], strategy, same]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "selector_bench_scale")
    ap.add_argument("--baseline", default="main", help="git ref whose selector/ is the baseline row ('' for none)")
    ap.add_argument("--float16", action="store_true", help="select from the float16 embeddings")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="config key=value, repeatable")
    ap.add_argument("--exact-radius", action="store_true", help="also compute the exact radius of both selections")
    ap.add_argument("--suite", default="bench_scale", help="name of the results files")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    harness.require_data(TEXTS[0])
    args.data.mkdir(parents=True, exist_ok=True)
    emb = "emb16.npy" if args.float16 else "emb.npy"
    trees = [("this checkout", ROOT)]
    if args.baseline:
        trees.insert(0, (f"baseline ({args.baseline})", export_tree(args.baseline)))
    cols = ["records", "tree", *STAGES, "total s", "outside s", "wall s", "CPU s", "peak RSS GB", "strategy"]
    cols.append("picks vs baseline")
    table = harness.Table(cols)
    notes = [f"selector select --embeddings {emb} --budget {args.budget} {' '.join(args.sets)}".rstrip()]
    for n in args.sizes:
        folder = prepare(args.data, n)
        runs = []
        for name, tree in trees:
            res = run_select(tree, folder, emb, args.budget, args.sets)
            same = same_picks(res, runs[0]) if runs else "-"
            if runs and args.exact_radius:
                mine, base = exact_radius(folder, emb, res["picks"]), exact_radius(folder, emb, runs[0]["picks"])
                same += f"; exact radius {mine:.6f} vs {base:.6f}"
            runs.append(res)
            table.add(*row_of(n, name, res, same))
            notes.append(f"{n:,} {name}: sampled radius {res['radius']}; coreset {json.dumps(res['coreset'])}")
    harness.write_results(args.suite, {"selector select at scale, seconds per stage": table}, notes=notes)


if __name__ == "__main__":
    main()
