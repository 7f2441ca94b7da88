"""The filter pass takes what later stages need of each text (response lengths, the ``--embeddings`` text
hashes) in the one parse it makes, so the embed and write stages parse no sample again; the figures must be those
the later stages computed themselves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from selector.embedding.precomputed import row_hashes
from selector.filters import FilterConfig, apply_filters
from selector.io import read_corpus
from selector.pipeline.stages.filter import TextFacts


def _corpus(tmp_path: Path) -> list:
    records = [
        {"instruction": "Name a colour.", "input": "", "output": "Blue."},
        {"instruction": "name  a COLOUR.", "input": "", "output": "blue."},  # a duplicate of row 0
        {"instruction": "Add 2 and 3.", "input": "2 + 3", "output": "5, since two plus three is five."},
        {"instruction": "   ", "input": "", "output": "nothing was asked"},  # empty prompt
        {"instruction": "Greet in Chinese.", "input": "", "output": "你好，世界。\u3000再见"},
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return read_corpus([path]).samples


def test_facts_cover_every_sample_dropped_or_kept_by_position(tmp_path: Path) -> None:
    samples = _corpus(tmp_path)
    facts = TextFacts(len(samples), "default")
    seen: list[int] = []

    def observe(i: int, sample) -> None:
        seen.append(i)
        facts(i, sample)

    result = apply_filters(samples, FilterConfig(), progress=False, observe=observe)
    assert result.stats["by_reason"]["duplicate"] == 1 and result.stats["by_reason"]["empty"] == 1
    assert seen == list(range(len(samples)))  # the dropped ones too: the sidecar check covers every row
    assert facts.lengths.tolist() == [len(s.response) for s in samples]
    assert facts.hashes is not None
    assert [h.hex() for h in facts.hashes.tolist()] == row_hashes(samples, "default")


def test_hashes_follow_the_template_and_are_skipped_without_one(tmp_path: Path) -> None:
    samples = _corpus(tmp_path)
    by_prompt, none = TextFacts(len(samples), "prompt"), TextFacts(len(samples), None)
    for i, s in enumerate(samples):
        by_prompt(i, s)
        none(i, s)
    assert [h.hex() for h in by_prompt.hashes.tolist()] == row_hashes(samples, "prompt")
    assert none.hashes is None and np.array_equal(none.lengths, by_prompt.lengths)
