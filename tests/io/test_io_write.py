"""Writing: round trips in every container, raw bytes kept, nested records cut down, atomicity, no overwrites."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from selector.errors import SelectorError
from selector.formats.transform import map_sample_text
from selector.io import atomic_path, read_corpus, write_jsonl, write_records
from selector.io.atomic import remove_path
from tests.io_fixtures import CONTAINERS, FLAT_STRING_FORMATS, RECORDS, write_container

FLAT = [(f, c) for f in RECORDS if f not in ("self_instruct", "natural_instructions") for c in CONTAINERS
        if c != "csv" or f in FLAT_STRING_FORMATS]  # fmt: skip


@pytest.mark.parametrize(("fmt", "container"), FLAT)
def test_round_trip_subset_gives_equal_records(tmp_path: Path, fmt: str, container: str) -> None:
    src = write_container(tmp_path, "in", container, RECORDS[fmt])
    corpus = read_corpus([src])
    subset = corpus.samples[::-1][:1] + corpus.samples[:1]  # reordered, with a repeat
    out = write_records(corpus, subset, tmp_path / "out", "sel")
    assert out == [tmp_path / "out" / ("sel." + container if container != "dataset" else "sel")]
    again = read_corpus(out)
    assert [s.record for s in again.samples] == [s.record for s in subset]


@pytest.mark.parametrize("container", ["json", "jsonl", "jsonl.gz", "csv"])
def test_whole_selection_is_byte_identical(tmp_path: Path, container: str) -> None:
    src = write_container(tmp_path, "in", container, RECORDS["alpaca"])
    corpus = read_corpus([src])
    (out,) = write_records(corpus, corpus.samples, tmp_path / "out", "sel")
    if container.endswith(".gz"):  # the gzip header may differ (OS byte); the data must not
        assert gzip.decompress(out.read_bytes()) == gzip.decompress(src.read_bytes())
    else:
        assert out.read_bytes() == src.read_bytes()


def test_raw_bytes_kept_for_unusual_spacing_escapes_and_key_order(tmp_path: Path) -> None:
    src = tmp_path / "odd.jsonl"
    lines = [
        '{"output":"caf\\u00e9",  "instruction" : "Say it.", "input":""}',
        '{"instruction": "Été?", "output": "Oui"}',
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read_corpus([src])
    (out,) = write_records(corpus, corpus.samples[::-1], tmp_path, "sel")
    assert out.read_text(encoding="utf-8") == lines[1] + "\n" + lines[0] + "\n"


def test_json_array_subset_keeps_the_file_layout(tmp_path: Path) -> None:
    src = write_container(tmp_path, "in", "json", RECORDS["alpaca"] + RECORDS["alpaca"][:1])
    corpus = read_corpus([src])
    (out,) = write_records(corpus, [corpus.samples[1]], tmp_path / "o", "sel")
    assert out.read_text(encoding="utf-8") == json.dumps([RECORDS["alpaca"][1]], indent=2, ensure_ascii=False) + "\n"


def test_modified_record_is_reserialized_in_the_file_style(tmp_path: Path) -> None:
    src = write_container(tmp_path, "in", "json", RECORDS["alpaca"])
    corpus = read_corpus([src])
    cleaned = map_sample_text(corpus.samples[0], lambda t: t + "!")
    (out,) = write_records(corpus, [cleaned, corpus.samples[1]], tmp_path / "o", "sel")
    expected = [dict(RECORDS["alpaca"][0], output="5!"), RECORDS["alpaca"][1]]
    assert out.read_text(encoding="utf-8") == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    assert corpus.samples[0].record == RECORDS["alpaca"][0]


def test_nested_records_are_cut_down_to_the_selected_instances(tmp_path: Path) -> None:
    src = write_container(tmp_path, "seed", "jsonl", RECORDS["self_instruct"])
    corpus = read_corpus([src])
    t1_1, t2_0 = corpus.samples[1], corpus.samples[2]
    (out,) = write_records(corpus, [t2_0, t1_1], tmp_path / "o", "sel")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == [
        RECORDS["self_instruct"][1],
        dict(RECORDS["self_instruct"][0], instances=[{"input": "up", "output": "down"}]),
    ]


def test_natural_instructions_task_file_keeps_header_and_selected_instances(tmp_path: Path) -> None:
    src = write_container(tmp_path, "task1_yes_no", "json", RECORDS["natural_instructions"])
    corpus = read_corpus([src])
    (out,) = write_records(corpus, [corpus.samples[2], corpus.samples[0]], tmp_path / "o", "sel")
    task = RECORDS["natural_instructions"][0]
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == dict(task, Instances=[task["Instances"][2], task["Instances"][0]])
    assert list(written) == list(task)


def test_mixed_containers_go_to_a_folder_one_file_per_input(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    a = write_container(tmp_path / "in", "a", "json", RECORDS["alpaca"])
    b = write_container(tmp_path / "in", "b", "jsonl", RECORDS["prompt_completion"])
    corpus = read_corpus([a, b])
    out = write_records(corpus, [corpus.samples[3], corpus.samples[0]], tmp_path / "o", "sel")
    assert out == [tmp_path / "o" / "sel" / "b.jsonl", tmp_path / "o" / "sel" / "a.json"]
    assert [s.record for s in read_corpus(out).samples] == [RECORDS["prompt_completion"][1], RECORDS["alpaca"][0]]


def test_several_task_files_go_to_a_folder(tmp_path: Path) -> None:
    a = write_container(tmp_path, "task1_a", "json", RECORDS["natural_instructions"])
    b = write_container(tmp_path, "task2_b", "json", RECORDS["natural_instructions"])
    corpus = read_corpus([a, b])
    out = write_records(corpus, corpus.samples[::2], tmp_path / "o", "sel")
    assert [p.name for p in out] == ["task1_a.json", "task2_b.json"]


def test_same_container_and_format_share_one_output(tmp_path: Path) -> None:
    a = write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])
    b = write_container(tmp_path, "b", "jsonl", RECORDS["alpaca"][::-1])
    corpus = read_corpus([a, b])
    (out,) = write_records(corpus, corpus.samples[::-1], tmp_path / "o", "sel")
    assert [s.record for s in read_corpus([out]).samples] == [s.record for s in corpus.samples[::-1]]


def test_same_container_different_formats_go_to_a_folder(tmp_path: Path) -> None:
    """One JSONL file mixing Alpaca and ShareGPT records would not read back as one format."""
    a = write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])
    b = write_container(tmp_path, "b", "jsonl", RECORDS["sharegpt"])
    corpus = read_corpus([a, b])
    out = write_records(corpus, corpus.samples[::-1], tmp_path / "o", "sel")
    assert [p.name for p in out] == ["b.jsonl", "a.jsonl"]


def test_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    src = write_container(tmp_path, "sel", "jsonl", RECORDS["alpaca"])
    corpus = read_corpus([src])
    with pytest.raises(SelectorError, match="refusing to overwrite the input"):
        write_records(corpus, corpus.samples, tmp_path, "sel")
    assert src.read_text(encoding="utf-8").count("\n") == 2


def test_same_input_same_bytes(tmp_path: Path) -> None:
    src = write_container(tmp_path, "in", "jsonl.gz", RECORDS["openai"])
    corpus = read_corpus([src])
    (a,) = write_records(corpus, corpus.samples[::-1], tmp_path / "a", "sel")
    (b,) = write_records(corpus, corpus.samples[::-1], tmp_path / "b", "sel")
    assert a.read_bytes() == b.read_bytes()


def test_atomic_path_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "emb.npy"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        assert tmp.suffix == ".npy" and tmp.parent == tmp_path
        tmp.write_bytes(b"partial")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_a_folder_whole(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_jsonl_keeps_non_ascii(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "index.jsonl", [{"id": "a", "text": "été"}, {"id": "b"}])
    assert path.read_text(encoding="utf-8") == '{"id": "a", "text": "été"}\n{"id": "b"}\n'


TOOL_LINES = [
    '{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, '
    '"tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", '
    '"arguments": "{\\"city\\": \\"Paris\\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}, '
    '{"role": "assistant", "content": "It is 18 C."}], '
    '"tools": [{"type": "function", "function": {"name": "get_weather"}}]}',
    '{"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"2+3?"},'
    '{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"add","arguments":"{\\"a\\":2,\\"b\\":3}"}}]},'
    '{"role":"tool","content":"5"},{"role":"assistant","content":"5"}]}',
]


@pytest.mark.parametrize("container", ["jsonl", "json"])
def test_openai_tool_call_records_are_read_and_written_back_byte_for_byte(tmp_path: Path, container: str) -> None:
    src = tmp_path / f"tools.{container}"
    text = "\n".join(TOOL_LINES) + "\n" if container == "jsonl" else "[\n" + ",\n".join(TOOL_LINES) + "\n]\n"
    src.write_text(text, encoding="utf-8")
    corpus = read_corpus([src])
    assert [s.format for s in corpus.samples] == ["openai", "openai"]
    assert corpus.samples[0].prompt == "Weather in Paris?\n\n18 C"
    assert corpus.samples[0].response == 'get_weather({"city": "Paris"})\n\nIt is 18 C.'
    turns = [m.content for m in corpus.samples[0].messages]  # all embedded, call and tool answer too
    assert turns == ["Weather in Paris?", 'get_weather({"city": "Paris"})', "18 C", "It is 18 C."]
    (out,) = write_records(corpus, corpus.samples, tmp_path / "out", "sel")
    assert out.read_bytes() == src.read_bytes()
    (one,) = write_records(corpus, corpus.samples[1:], tmp_path / "one", "sel")
    assert TOOL_LINES[1].encode() in one.read_bytes()


@pytest.mark.parametrize("container", ["parquet", "dataset"])
def test_a_parquet_or_dataset_input_replaced_before_writing_is_refused(tmp_path: Path, container: str) -> None:
    path = write_container(tmp_path, "in", container, RECORDS["alpaca"])
    corpus = read_corpus([path])
    other = [{**r, "output": f"replaced {i}"} for i, r in enumerate(RECORDS["alpaca"])]
    (tmp_path / "new").mkdir()
    replacement = write_container(tmp_path / "new", "in", container, other)
    remove_path(path)
    replacement.rename(path)  # same name, same row count, other rows: what a re-export during a run does
    with pytest.raises(SelectorError, match="changed since it was read"):
        write_records(corpus, corpus.samples[:2], tmp_path / "out", "selected")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
