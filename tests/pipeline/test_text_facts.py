"""The filter pass takes what later stages need of each text (response lengths, the ``--embeddings`` text
hashes) in the one parse it makes, so the embed and write stages parse no sample again; the figures must be those
the later stages computed themselves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from selector.embedding.precomputed import row_hashes
from selector.filters import FilterConfig, apply_filters, filter_pipeline
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
    facts = TextFacts("default")
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
    by_prompt, none = TextFacts("prompt"), TextFacts(None)
    for i, s in enumerate(samples):
        by_prompt(i, s)
        none(i, s)
    assert [h.hex() for h in by_prompt.hashes.tolist()] == row_hashes(samples, "prompt")
    assert none.hashes is None and np.array_equal(none.lengths, by_prompt.lengths)


def test_filtering_as_the_reader_builds_the_samples_gives_the_same_result(tmp_path: Path) -> None:
    """``select`` feeds the rules from the reader (one parse of each record for both); the outcome must be the
    filter pass over the samples read first: the same kept and dropped samples, reasons, details and counts."""
    samples = _corpus(tmp_path)
    config = FilterConfig(max_chars=20)  # drops the long answers too
    after = apply_filters(samples, config, progress=False)
    facts = TextFacts("default")
    run = filter_pipeline(config).start(observe=facts)
    corpus = read_corpus([tmp_path / "c.jsonl"], visit=run.feed)
    during = run.finish()
    assert run.done == len(corpus.samples) == len(samples)
    assert [s.id for s in during.kept] == [s.id for s in after.kept]
    assert [(s.id, r) for s, r in during.rejected] == [(s.id, r) for s, r in after.rejected]
    assert set(after.stats["by_reason"]) >= {"duplicate", "empty", "too_long"}
    assert during.stats == after.stats and during.details == after.details
    assert during.kept_at.tolist() == after.kept_at.tolist()
    assert facts.lengths.tolist() == [len(s.response) for s in samples]
    assert [h.hex() for h in facts.hashes.tolist()] == row_hashes(samples, "default")
