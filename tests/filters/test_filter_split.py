"""``select`` reading and filtering by partition (forked workers run the per-record rules, the driver decides
exact duplicates in input order) writes what the one-process read writes: ``selected.jsonl``, ``rejected.jsonl``
and ``manifest.json`` (but its seconds) byte for byte, with float32 and float16 vectors checked against their
sidecar, on a pool where every rule drops something and duplicates cross the files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import selector
from selector.embedding.precomputed import sidecar_rows
from selector.filters import FilterPipeline, LowScoreFilter
from selector.filters.base import Filter
from selector.filters.split import partition_gap
from selector.io import read_corpus
from selector.io import reader as reader_module
from selector.io.partition import merge_columns
from selector.pipeline.manifest import run_header
from selector.sample import Sample

CONFIG = """\
filters:
  min_chars: 3
  max_chars: 60
  score_field: score
  min_score: 2
  first_person: true
  languages: [en]
dedup:
  near_duplicate: true
"""


def _record(i: int, file: int) -> dict:
    """Record ``i`` of file ``file``: most kept, some dropped by each rule, some scored, some with own ids."""
    answer = f"The answer number {i} of file {file} is here."
    rec: dict = {"instruction": f"Question {i} from file {file}, please answer it well.", "input": "", "output": answer}
    kind = i % 9
    if kind == 1:
        rec["output"] = ""  # empty
    elif kind == 2:
        rec["output"] = "ok"  # too_short
    elif kind == 3:
        rec["output"] = "long " * 20  # too_long
    elif kind == 4:
        rec["score"] = 1  # low_score
    elif kind == 5:
        rec["output"] = "I think my answer is that this works."  # first_person
    elif kind == 6:
        rec["output"] = "Der Hund läuft schnell über die grüne Wiese."  # language (German)
    elif kind == 7:
        rec = {"instruction": "Question 0 from file 0, please answer it well.", "input": "",
               "output": "The answer number 0 of file 0 is here."}  # fmt: skip  # duplicate of file 0's first
    elif kind == 8:
        rec["output"] = answer.replace("here", "there")  # a near duplicate of record i-1's neighbour text
    if i % 4 == 0:
        rec["score"] = 5
    if i % 5 == 0:
        rec["id"] = f"own-{i}"  # ids taken twice across files: later ones become file#row
    return rec


def _pool(folder: Path, dtype: str) -> tuple[list[str], Path]:
    paths = []
    for f in range(3):
        path = folder / f"part{f}.jsonl"
        path.write_text("".join(json.dumps(_record(i, f)) + "\n" for i in range(40)), encoding="utf-8")
        paths.append(str(path))
    corpus = read_corpus(paths, workers=1)
    vectors = folder / f"emb_{dtype}.npy"
    np.save(vectors, np.random.default_rng(0).standard_normal((len(corpus.samples), 16)).astype(dtype))
    meta = run_header("embed", None, corpus) | {"template": "default", "rows": len(corpus.samples)}
    meta |= sidecar_rows(corpus.samples, "default") | {"outputs": [vectors.name]}
    vectors.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return paths, vectors


def _manifest(folder: Path) -> str:
    def strip(v: object) -> object:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k != "seconds" and not k.endswith("_seconds")}
        return [strip(x) for x in v] if isinstance(v, list) else v

    return json.dumps(strip(json.loads((folder / "manifest.json").read_text())), sort_keys=True)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_select_by_partition_writes_what_one_process_writes(tmp_path: Path, dtype: str, monkeypatch) -> None:
    merged = []
    monkeypatch.setattr(reader_module, "merge_columns", lambda c, *a: merged.append(c) or merge_columns(c, *a))
    paths, vectors = _pool(tmp_path, dtype)
    (tmp_path / "run.yaml").write_text(CONFIG)
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        selector.select(paths, budget=8, out=out, config=tmp_path / "run.yaml", embeddings=vectors,
                        read_workers=workers, progress=False)  # fmt: skip
        outs.append(out)
    assert len(merged) == 3  # the second run read its three files as columns
    for name in ("selected.jsonl", "rejected.jsonl"):
        assert (outs[1] / name).read_bytes() == (outs[0] / name).read_bytes()
    assert _manifest(outs[1]) == _manifest(outs[0])
    stats = json.loads((outs[0] / "manifest.json").read_text())["filters"]
    by_reason = stats["by_reason"]
    for reason in ("empty", "too_short", "too_long", "low_score", "first_person", "language", "duplicate"):
        assert by_reason[reason] > 0, reason
    rejected = [json.loads(line) for line in (outs[0] / "rejected.jsonl").read_text().splitlines()]
    firsts = {r.get("duplicate_of") for r in rejected if r.get("reason") == "duplicate"}
    assert firsts == {"own-0"}  # every copy, in every file, names the first kept record of file 0
    notes = {k: v for rule in stats["rules"] for k, v in rule.get("notes", {}).items()}
    assert notes["no 'score' field (kept)"] > 0  # the workers' counters came back and were added up


class _Remembers(Filter):
    name, reasons, order = "remembers", ("remembers",), 15

    def check(self, sample: Sample) -> str | None:
        return None

    def kept(self, sample: Sample) -> None:
        pass


def test_a_rule_that_remembers_samples_keeps_the_read_in_one_process() -> None:
    assert partition_gap(FilterPipeline([LowScoreFilter("s", 1)]).start()) is None
    assert "remembers" in partition_gap(FilterPipeline([_Remembers()]).start())
