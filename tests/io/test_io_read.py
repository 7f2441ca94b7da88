"""Reading: every container x format, ids, sources and tasks, folders, mappings."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from selector.cli.console import as_flags
from selector.errors import SelectorError
from selector.formats import FORMATS
from selector.io import read_corpus
from tests.io_fixtures import CONTAINERS, FLAT_STRING_FORMATS, RECORDS, write_container

CASES = [
    (fmt, container)
    for fmt in RECORDS
    for container in CONTAINERS
    if container != "csv" or fmt in FLAT_STRING_FORMATS
    if not (fmt == "natural_instructions" and container not in ("json",))
]


@pytest.mark.parametrize(("fmt", "container"), CASES)
def test_every_container_and_format_reads(tmp_path: Path, fmt: str, container: str) -> None:
    records = RECORDS[fmt]
    path = write_container(tmp_path, "data", container, records)
    corpus = read_corpus([path])
    expected = [
        FORMATS[fmt].to_messages(r, i)
        for r in records
        for i in ([None] if not FORMATS[fmt].nested else range(len(r[FORMATS[fmt].instances_key])))
    ]
    assert [s.messages for s in corpus.samples] == expected
    assert {s.format for s in corpus.samples} == {fmt}
    assert corpus.files[0].container == container
    assert corpus.files[0].samples == len(expected)
    assert all(s.source == "data" for s in corpus.samples)


def test_extra_keys_are_kept_in_the_record(tmp_path: Path) -> None:
    record = {"instruction": "x", "input": "", "output": "y", "response": "y", "meta": {"lang": "en"}}
    path = write_container(tmp_path, "extra", "jsonl", [record])
    assert read_corpus([path]).samples[0].record == record


def test_ids_own_then_file_row_and_unique(tmp_path: Path) -> None:
    a = write_container(
        tmp_path, "a", "jsonl", [{"id": "x", "prompt": "p", "completion": "c"}, {"prompt": "q", "completion": "d"}]
    )
    b = write_container(tmp_path, "b", "jsonl", [{"id": "x", "prompt": "r", "completion": "e"}])
    ids = [s.id for s in read_corpus([a, b]).samples]
    assert ids == ["x", "a.jsonl#1", "b.jsonl#0"]


def test_nested_ids_and_tasks(tmp_path: Path) -> None:
    si = write_container(tmp_path, "seed", "jsonl", RECORDS["self_instruct"])
    ni = write_container(tmp_path, "task42_yes_no", "json", RECORDS["natural_instructions"])
    samples = read_corpus([si, ni]).samples
    assert [s.id for s in samples] == ["t1/0", "t1/1", "t2/0", "task42_yes_no/0", "task42_yes_no/1", "task42_yes_no/2"]
    assert [s.instance for s in samples] == [0, 1, 0, 0, 1, 2]
    assert [s.task for s in samples] == [None] * 3 + ["task42_yes_no"] * 3


def test_source_and_task_fields(tmp_path: Path) -> None:
    records = [
        {"prompt": "p", "completion": "c", "src": "web", "kind": 3},
        {"prompt": "q", "completion": "d", "src": "books", "kind": 4},
    ]
    path = write_container(tmp_path, "d", "jsonl", records)
    samples = read_corpus([path], source_field="src", task_field="kind").samples
    assert [(s.source, s.task) for s in samples] == [("web", "3"), ("books", "4")]
    assert [s.task for s in read_corpus([path], task_field="@file").samples] == ["d", "d"]


def test_missing_source_field_names_the_line(tmp_path: Path) -> None:
    path = write_container(tmp_path, "d", "jsonl", [{"prompt": "p", "completion": "c"}])
    with pytest.raises(SelectorError, match=r"d\.jsonl:1: record has no field 'src'"):
        read_corpus([path], source_field="src")


def test_folder_is_read_recursively_in_sorted_order_skipping_non_data_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_container(tmp_path / "sub", "b", "jsonl", RECORDS["prompt_completion"])
    write_container(tmp_path, "a", "json", RECORDS["alpaca"])
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "LICENSE").write_text("text\n")
    corpus = read_corpus([tmp_path])
    assert [Path(f.path).name for f in corpus.files] == ["a.json", "b.jsonl"]
    assert len(corpus.samples) == 4


def test_folder_skips_a_non_record_json_file_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])
    manifest = tmp_path / "MANIFEST.json"
    manifest.write_text(json.dumps({"a.jsonl": {"sha256": "0"}}))
    with caplog.at_level(logging.WARNING, logger="selector.io.reader"):
        corpus = read_corpus([tmp_path])
    assert len(corpus.samples) == 2
    assert [(s.file, s.row) for s in corpus.skipped] == [(str(manifest), None)]
    assert "holds a JSON object that is neither" in corpus.skipped[0].reason
    assert f"no records of a known format: {manifest}" in caplog.text
    assert "--skip-invalid" not in caplog.text
    with pytest.raises(SelectorError, match=r"MANIFEST\.json: holds a JSON object that is neither"):
        read_corpus([manifest])  # named explicitly: still an error


def test_natural_instructions_folder_reads_past_its_manifest(shared_data: Path) -> None:
    folder = shared_data / "natural_instructions"
    corpus = read_corpus([folder])
    assert [Path(s.file).name for s in corpus.skipped] == ["MANIFEST.json"]
    assert {f.format for f in corpus.files} == {"natural_instructions"} and len(corpus.files) >= 1


def test_folder_still_fails_on_a_broken_data_file(tmp_path: Path) -> None:
    write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])
    (tmp_path / "b.json").write_text('[{"instruction": "x", "output": ')
    with pytest.raises(SelectorError, match=r"b\.json:1: malformed JSON array"):
        read_corpus([tmp_path])


def test_mapping_applies_to_files_holding_its_keys(tmp_path: Path) -> None:
    cb = write_container(
        tmp_path, "cb", "jsonl", [{"premise": "P.", "hypothesis": "H.", "label": "entailment", "idx": 1}]
    )
    other = write_container(tmp_path, "o", "jsonl", RECORDS["alpaca"])
    corpus = read_corpus([cb, other], mapping={"prompt": "premise+hypothesis", "response": "label"})
    assert corpus.samples[0].prompt == "P.\n\nH." and corpus.samples[0].response == "entailment"
    assert corpus.samples[0].record == {"premise": "P.", "hypothesis": "H.", "label": "entailment", "idx": 1}
    assert corpus.samples[1].format == "alpaca"


def test_a_mapping_that_fits_no_input_is_an_error_naming_the_missing_key(tmp_path: Path) -> None:
    alpaca = write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])
    with pytest.raises(
        SelectorError, match=r"a\.jsonl: mapping=prompt=nosuchkey .*no input has the key\(s\) nosuchkey"
    ) as e:
        read_corpus([alpaca], mapping={"prompt": "nosuchkey", "response": "output"})
    assert "a.jsonl: --map prompt=nosuchkey --map response=output was given" in as_flags(str(e.value))  # the CLI's


def test_id_mapping(tmp_path: Path) -> None:
    path = write_container(tmp_path, "q", "jsonl", [{"question_id": 7, "question": "q", "answer": "a"}])
    assert read_corpus([path], mapping={"id": "question_id"}).samples[0].id == "7"


def test_json_extension_holding_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS["alpaca"]))
    corpus = read_corpus([path])
    assert len(corpus.samples) == 2 and corpus.files[0].container == "jsonl"


def test_stats_counts(tmp_path: Path) -> None:
    records = [{"prompt": "abc", "completion": ""}, {"prompt": "", "completion": "xy"}]
    stats = read_corpus([write_container(tmp_path, "s", "jsonl", records)]).stats()
    assert stats["records"] == 2
    assert stats["empty_prompts"] == 1 and stats["empty_responses"] == 1
    assert stats["sources"] == {"s": 2}
    assert stats["response_chars"]["p100"] == 2


def test_a_dataset_dict_folder_is_its_train_split_only_and_says_so(tmp_path: Path, caplog) -> None:
    datasets = pytest.importorskip("datasets")
    train = [{**r, "output": f"train {i}"} for i, r in enumerate(RECORDS["alpaca"])]
    test = [{**r, "output": f"test {i}"} for i, r in enumerate(RECORDS["alpaca"])]
    splits = {"train": datasets.Dataset.from_list(train), "test": datasets.Dataset.from_list(test)}
    datasets.DatasetDict(splits).save_to_disk(str(tmp_path / "dd"))
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus([tmp_path / "dd"])
    assert [s.response for s in corpus.samples] == [r["output"] for r in train]
    assert "DatasetDict: reading its train split only, not test" in caplog.text
    corpus = read_corpus([tmp_path])  # found by walking a folder: the same rule
    assert [s.response for s in corpus.samples] == [r["output"] for r in train]
    datasets.DatasetDict({"test": splits["test"]}).save_to_disk(str(tmp_path / "only_test"))
    with pytest.raises(SelectorError, match=r"DatasetDict without a train split.*only_test/test"):
        read_corpus([tmp_path / "only_test"])
