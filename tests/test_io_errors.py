"""Bad input: one clear error naming file and line, or skipped and counted with skip_invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selector.errors import InputError, SelectorError
from selector.io import read_corpus

GOOD = json.dumps({"instruction": "Say hi.", "input": "", "output": "Hi."})


def _file(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


BAD_LINE_CASES = {
    "malformed_json": (GOOD + "\n" + '{"instruction": "x", "output": \n' + GOOD + "\n", 2, "malformed JSON"),
    "invalid_utf8": ((GOOD + "\n").encode() + b'{"instruction": "\xff", "output": "y"}\n' + (GOOD + "\n").encode(), 2,
                     "invalid UTF-8"),
    "missing_response": (GOOD + "\n" + GOOD + "\n" + json.dumps({"instruction": "x", "input": ""}) + "\n", 3,
                         "missing its response field 'output'"),
    "not_an_object": (GOOD + "\n" + "[1, 2]\n", 2, "expected an object"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_LINE_CASES))
def test_bad_line_names_file_and_line(tmp_path: Path, case: str) -> None:
    content, line, reason = BAD_LINE_CASES[case]
    path = _file(tmp_path, "data.jsonl", content)
    with pytest.raises(InputError) as info:
        read_corpus([path])
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert reason in str(info.value)
    assert "--skip-invalid" in str(info.value)


@pytest.mark.parametrize("case", sorted(BAD_LINE_CASES))
def test_skip_invalid_skips_and_counts(tmp_path: Path, case: str) -> None:
    content, line, reason = BAD_LINE_CASES[case]
    path = _file(tmp_path, "data.jsonl", content)
    corpus = read_corpus([path], skip_invalid=True)
    assert len(corpus.samples) == content.count(b"\n" if isinstance(content, bytes) else "\n") - 1
    assert [(s.line, reason in s.reason) for s in corpus.skipped] == [(line, True)]
    assert corpus.files[0].skipped == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", b"", "file is empty"),
        ("blank.json", b"\n  \n", "file is empty"),
        ("binary.jsonl", bytes(range(256)) * 4, "binary file"),
        ("unknown.jsonl", json.dumps({"question_id": 1, "text": "Why?"}) + "\n", "unknown record format"),
        ("noresp.json", json.dumps([{"instruction": "x", "input": ""}]), "missing its response"),
        ("broken.json", '[\n  {"instruction": "x", "output": "y"},\n  {"instruction": \n]', "malformed JSON"),
        ("scalar.json", "42", "expected an array of records"),
        ("notes.txt", "just some words\n", "unknown file type"),
    ],
)
def test_bad_file_is_a_clear_error_or_skipped(tmp_path: Path, name: str, content: bytes | str, message: str) -> None:
    path = _file(tmp_path, name, content)
    with pytest.raises(InputError, match=message) as info:
        read_corpus([path])
    assert str(info.value).startswith(str(path))
    corpus = read_corpus([path], skip_invalid=True)
    assert corpus.samples == [] and [s.file for s in corpus.skipped] == [str(path)]


def test_later_record_that_does_not_fit_names_its_line(tmp_path: Path) -> None:
    other = json.dumps({"prompt": "p", "completion": "c"})
    path = _file(tmp_path, "mixed.json", f"[\n{GOOD},\n{GOOD},\n{other}\n]\n")
    with pytest.raises(InputError, match=r"mixed\.json:4: record is missing fields 'instruction', 'output'"):
        read_corpus([path])


def test_csv_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = _file(tmp_path, "d.csv", "prompt,completion\na,b\nc,d,e\n")
    with pytest.raises(InputError, match=r"d\.csv:3: row has 3 fields, the header has 2"):
        read_corpus([path])
    assert len(read_corpus([path], skip_invalid=True).samples) == 1


def test_missing_path_and_hub_name_fail_fast(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_corpus([tmp_path / "nope.jsonl"])
    with pytest.raises(SelectorError, match="selector-test-owner/no-such-dataset"):
        read_corpus(["selector-test-owner/no-such-dataset"])


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("x")
    with pytest.raises(InputError, match="folder holds no data files"):
        read_corpus([tmp_path])
