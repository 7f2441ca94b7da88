"""Bad input: one clear error naming file and line, or skipped and counted with skip_invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selector.cli.console import as_flags
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
    assert "skip_invalid=True" in str(info.value)  # the keyword; the CLI prints it as its flag
    assert "--skip-invalid" in as_flags(str(info.value))


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


SURROGATE_LINE = '{"instruction": "Say \\ud800 hi.", "input": "", "output": "Hi."}'


@pytest.mark.parametrize("container", ["jsonl", "json"])
def test_lone_surrogate_is_invalid_text_or_skipped(tmp_path: Path, container: str) -> None:
    lines = [GOOD, SURROGATE_LINE, GOOD]
    content = "\n".join(lines) + "\n" if container == "jsonl" else "[\n" + ",\n".join(lines) + "\n]\n"
    path = _file(tmp_path, f"s.{container}", content)
    with pytest.raises(InputError, match=r"lone surrogate \\ud800 in 'instruction'") as info:
        read_corpus([path])
    assert info.value.line == (2 if container == "jsonl" else 3)
    assert str(info.value).startswith(f"{path}:{info.value.line}: invalid text")
    corpus = read_corpus([path], skip_invalid=True)
    assert len(corpus.samples) == 2 and corpus.files[0].skipped == 1
    assert [s.line for s in corpus.skipped] == [info.value.line]
    for sample in corpus.samples:  # what is left can be tokenized and written
        for message in sample.messages:
            message.content.encode("utf-8")


def test_surrogate_pair_escapes_and_escaped_backslashes_are_fine(tmp_path: Path) -> None:
    emoji = '{"instruction": "Smile \\ud83d\\ude00", "output": "ok \\\\ud800 is text"}'
    corpus = read_corpus([_file(tmp_path, "e.jsonl", emoji + "\n")])
    assert corpus.samples[0].prompt == "Smile \U0001f600"
    assert corpus.samples[0].response == "ok \\ud800 is text"


def test_lone_surrogate_in_a_nested_field_or_key_is_named(tmp_path: Path) -> None:
    record = '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y\\udfff"}]}'
    with pytest.raises(InputError, match=r"lone surrogate \\udfff in 'messages'\[1\]\.content"):
        read_corpus([_file(tmp_path, "c.jsonl", record + "\n")])
    with pytest.raises(InputError, match=r"in a key of the record"):
        read_corpus([_file(tmp_path, "k.jsonl", '{"\\ud800": 1, "instruction": "x", "output": "y"}\n')])


def test_lone_surrogate_in_a_single_object_task_file(tmp_path: Path) -> None:
    task = '{\n  "Definition": ["Say \\udc00"],\n  "Instances": [{"input": "a", "output": ["b"]}]\n}\n'
    with pytest.raises(InputError, match=r"t\.json:1: invalid text: lone surrogate"):
        read_corpus([_file(tmp_path, "t.json", task)])


DEEP = 100_000


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("deep.jsonl", GOOD + "\n" + '{"a": ' + "[" * DEEP + "]" * DEEP + "}\n", 2),
        ("deep.json", "[\n" + GOOD + ",\n" + "[" * DEEP + "]" * DEEP + "\n]\n", 3),
        ("deep_object.json", '{"a":' * DEEP + "1" + "}" * DEEP, 1),
    ],
)
def test_json_nested_100000_levels_is_an_input_error(tmp_path: Path, name: str, content: str, line: int) -> None:
    path = _file(tmp_path, name, content)
    with pytest.raises(InputError, match="nested too deeply") as info:
        read_corpus([path])
    assert info.value.line == line and str(info.value).startswith(f"{path}:{line}: ")
    corpus = read_corpus([path], skip_invalid=True)  # a skipped line (JSONL) or a skipped file (JSON)
    assert [s.line for s in corpus.skipped] == [line]


@pytest.mark.parametrize(
    ("encoding", "named"), [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")]
)
def test_utf16_file_says_utf16_and_how_to_convert(tmp_path: Path, encoding: str, named: str) -> None:
    path = _file(tmp_path, "wide.jsonl", (GOOD + "\n" + GOOD + "\n").encode(encoding))
    with pytest.raises(InputError, match=f"looks like {named} text, not UTF-8") as info:
        read_corpus([path])
    assert f"iconv -f {named} -t UTF-8 {path} > {tmp_path / 'wide-utf8.jsonl'}" in str(info.value)
    assert "binary" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (json.dumps([json.loads(GOOD)] * 2, indent=2), "a JSON array (pretty-printed over several lines)"),
        (json.dumps([json.loads(GOOD)] * 2), "a JSON array, not JSON Lines"),
        (json.dumps(json.loads(GOOD), indent=2) + "\n" + json.dumps(json.loads(GOOD), indent=2), "pretty-printed JSON"),
    ],
)
def test_pretty_json_saved_as_jsonl_says_rename_to_json(tmp_path: Path, content: str, what: str) -> None:
    path = _file(tmp_path, "pretty.jsonl", content + "\n")
    with pytest.raises(InputError, match=r"rename it to \.json") as info:
        read_corpus([path])
    assert str(info.value).startswith(f"{path}:1: holds {what}")
    assert "column" not in str(info.value)
    corpus = read_corpus([path], skip_invalid=True)  # the file is skipped whole, not line by line
    assert [(s.file, s.row) for s in corpus.skipped] == [(str(path), None)]


def test_fallback_ids_use_hash_and_0_based_rows_unlike_1_based_error_lines(tmp_path: Path) -> None:
    path = _file(tmp_path, "d.jsonl", GOOD + "\n" + GOOD + "\n")
    assert [s.id for s in read_corpus([path]).samples] == ["d.jsonl#0", "d.jsonl#1"]
    (tmp_path / "sub").mkdir()
    same_name = _file(tmp_path / "sub", "d.jsonl", GOOD + "\n")
    ids = [s.id for s in read_corpus([path, same_name]).samples]
    assert ids == ["d.jsonl#0", "d.jsonl#1", f"{same_name}#0"]
