"""The real corpora in ../shared/data: every readable file writes back byte for byte, subsets read back equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from selector.io import read_corpus, write_records

FILES = [
    "new_codealpaca.json",
    "alpaca_chinese_zh-data-part-00.json",
    "self_instruct_user_oriented_instructions.jsonl",
    "p3_t0_train_50k/quarel_logic_test.jsonl",
    "natural_instructions/task1390_wscfixed_coreference.json",
]


@pytest.mark.parametrize("name", FILES)
def test_real_file_round_trips(shared_data: Path, tmp_path: Path, name: str) -> None:
    src = shared_data / name
    corpus = read_corpus([src])
    (whole,) = write_records(corpus, corpus.samples, tmp_path / "all", "out")
    assert whole.read_bytes() == src.read_bytes()
    subset = corpus.samples[::5]
    (part,) = write_records(corpus, subset, tmp_path / "part", "out")
    again = read_corpus([part])
    assert [s.messages for s in again.samples] == [s.messages for s in subset]
