"""Records read back from plain JSON/JSONL inputs on demand (selector/io/records.py)."""

from __future__ import annotations

import gzip
import json
import os
import pickle
from pathlib import Path

import pytest

from selector.errors import SelectorError
from selector.filters.clean import CleanConfig, clean_samples
from selector.io import read_corpus, write_records

ROWS = [
    {"instruction": "Translate «bonjour».", "input": "", "output": "Hello — in English. 你好"},
    {"instruction": "Add 2 and 3.", "input": "", "output": "5", "score": 3},
    {"instruction": "Say hi 👋", "input": "to me", "output": "Hi! <a href='x'>link</a>"},
]


def _jsonl(path: Path, rows: list[dict], bom: bool = False, crlf: bool = False) -> Path:
    end = "\r\n" if crlf else "\n"
    text = "".join(json.dumps(r, ensure_ascii=False) + end for r in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_plain_jsonl_records_are_read_back_equal_and_written_byte_for_byte(tmp_path, bom, crlf):
    src = _jsonl(tmp_path / "d.jsonl", ROWS, bom=bom, crlf=crlf)
    corpus = read_corpus([src])
    assert all(s.as_read and s.parsed is None for s in corpus.samples)
    assert [s.record for s in corpus.samples] == ROWS
    assert all(r is None for r in corpus.layouts[str(src)].records)  # no record object held
    written = write_records(corpus, corpus.samples, tmp_path / "out", "sel")
    body = src.read_bytes()  # a BOM is kept (issue 28 item 23)
    assert written[0].read_bytes() == body


def test_a_json_array_with_non_ascii_writes_the_chosen_records_raw(tmp_path):
    src = tmp_path / "a.json"
    src.write_text(json.dumps(ROWS, ensure_ascii=False, indent=2), encoding="utf-8")
    corpus = read_corpus([src])
    assert all(s.as_read for s in corpus.samples)
    picked = [corpus.samples[2], corpus.samples[0]]
    out = write_records(corpus, picked, tmp_path / "out", "sel")[0]
    assert json.loads(out.read_text(encoding="utf-8")) == [ROWS[2], ROWS[0]]
    assert json.dumps(ROWS[2], ensure_ascii=False, indent=2).replace("\n", "\n  ") in out.read_text(encoding="utf-8")


def test_gzip_and_nested_inputs_keep_their_records_in_memory(tmp_path):
    gz = tmp_path / "z.jsonl.gz"
    gz.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in ROWS).encode()))
    task = tmp_path / "task1_demo.json"
    task.write_text(
        json.dumps(
            {
                "Definition": ["Answer."],
                "Instances": [
                    {"id": "a", "input": "1+1", "output": ["2"]},
                    {"id": "b", "input": "2+2", "output": ["4"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    corpus = read_corpus([gz, task])
    assert corpus.samples and not any(s.as_read for s in corpus.samples)
    assert corpus.samples[0].record == ROWS[0]


def test_a_file_changed_after_reading_is_refused_not_misread(tmp_path):
    src = _jsonl(tmp_path / "d.jsonl", ROWS)
    corpus = read_corpus([src])
    assert corpus.samples[1].record["score"] == 3
    _jsonl(src, [{**r, "output": r["output"] + "!"} for r in ROWS])
    os.utime(src, ns=(1, 1))
    fresh = read_corpus([_jsonl(tmp_path / "other.jsonl", ROWS)])  # a new reader opens files anew
    assert fresh.samples[0].record == ROWS[0]
    source = corpus.layouts[str(src)].source
    source.close()  # the next access opens the file again and sees it changed
    with pytest.raises(SelectorError, match=r"changed.*since it was read"):
        _ = corpus.samples[0].record
    with pytest.raises(SelectorError, match=r"changed.*since it was read"):
        write_records(corpus, corpus.samples[:1], tmp_path / "out", "sel")


def test_cleaning_holds_only_the_records_it_changed(tmp_path):
    src = _jsonl(tmp_path / "d.jsonl", ROWS)
    corpus = read_corpus([src])
    cleaned, _ = clean_samples(corpus.samples, CleanConfig(enabled=True))
    changed = [s for s in cleaned if not s.as_read]
    assert [s.id for s in changed] == [corpus.samples[2].id]  # the link became its text
    assert changed[0].record["output"] == "Hi! link"
    out = write_records(corpus, cleaned, tmp_path / "out", "sel")[0]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == src.read_text(encoding="utf-8").splitlines()[:2]  # unchanged rows: raw text
    assert json.loads(lines[2])["output"] == "Hi! link"


def test_a_sample_sent_to_another_process_reads_its_record_there(tmp_path):
    src = _jsonl(tmp_path / "d.jsonl", ROWS)
    sample = read_corpus([src]).samples[1]
    copy = pickle.loads(pickle.dumps(sample))
    assert copy.record == ROWS[1] and copy.as_read


def test_messages_are_rebuilt_from_the_file_and_held_only_inside_a_loop(tmp_path):
    from selector.formats import get_format
    from selector.sample import held

    src = _jsonl(tmp_path / "d.jsonl", ROWS)
    corpus = read_corpus([src])
    fmt = get_format("alpaca")
    assert all(s.turns is None for s in corpus.samples)  # no text held after reading
    assert [s.messages for s in corpus.samples] == [fmt.to_messages(r, None) for r in ROWS]
    assert corpus.samples[0].response == ROWS[0]["output"]
    for s in held(corpus.samples):
        assert s.turns == fmt.to_messages(ROWS[corpus.samples.index(s)], None)
    assert all(s.turns is None for s in corpus.samples)


def test_mapped_fields_are_rebuilt_with_the_mapping(tmp_path):
    rows = [{"q": "What is 2+2?", "a": "4"}, {"q": "Capital of France?", "a": "Paris"}]
    src = tmp_path / "m.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus = read_corpus([src], mapping={"prompt": "q", "response": "a"})
    assert corpus.samples[1].turns is None
    assert (corpus.samples[1].prompt, corpus.samples[1].response) == ("Capital of France?", "Paris")


def test_a_file_removed_after_reading_is_a_clear_error(tmp_path):
    src = _jsonl(tmp_path / "d.jsonl", ROWS)
    corpus = read_corpus([src])
    corpus.layouts[str(src)].source.close()
    src.unlink()
    with pytest.raises(SelectorError, match=r"changed.*since it was read"):
        _ = corpus.samples[0].messages


def test_a_record_asked_for_again_is_parsed_once(tmp_path, monkeypatch):
    src = _jsonl(tmp_path / "d.jsonl", ROWS)
    sample = read_corpus([src]).samples[1]
    parses = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda text, **kw: parses.append(text) or real(text, **kw))
    first = sample.record
    assert sample.record is first and sample.messages[-1].content == "5"
    assert len(parses) == 1  # the record, then again, then its messages: one parse
    other = read_corpus([src]).samples[2].record
    assert other == ROWS[2] and sample.record == ROWS[1]
