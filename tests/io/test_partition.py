"""Reading by partition (forked workers, one file each) gives the corpus one process reads: the same samples,
ids (claimed across files in input order), files, skips, layouts and errors; files it cannot send as columns
(``.gz``, nested formats) are read on the driver at their place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selector.errors import ConfigError, InputError
from selector.io import read_corpus, reader
from selector.io.discover import discover
from selector.io.partition import merge_columns as merge
from selector.io.partition import read_workers
from tests.io_fixtures import RECORDS, write_container


def _lines(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _mixed(folder: Path) -> list[str]:
    """Four plain JSONL files (own ids shared across files, rows without ids, a bad line), a ``.gz`` and a nested
    file between them."""
    a = _lines(
        folder / "a.jsonl", [{"id": "x", "instruction": "One", "output": "1"}, {"instruction": "Two", "output": "2"}]
    )
    gz = write_container(folder, "g", "jsonl.gz", RECORDS["alpaca"])
    b = _lines(
        folder / "b.jsonl",
        [{"id": "x", "instruction": "Three", "output": "3"}, "{not json", {"instruction": "Four", "output": "4"}],
    )
    nested = write_container(folder, "seed", "jsonl", RECORDS["self_instruct"])
    c = _lines(folder / "c.jsonl", [{"instruction": "Five", "output": "5", "source": "web"}] * 3)
    d = _lines(folder / "a2.jsonl", [{"instruction": "Six", "output": "6"}])
    return [str(p) for p in (a, gz, b, nested, c, d)]


def _view(corpus) -> object:
    samples = [(s.id, s.source, s.task, s.format, s.file, s.row, s.line, s.instance, s.record, s.messages)
               for s in corpus.samples]  # fmt: skip
    layouts = {p: (lay.container, len(lay.records), lay.style, sorted(lay.bad)) for p, lay in corpus.layouts.items()}
    return samples, corpus.files, corpus.skipped, layouts


@pytest.mark.parametrize("source_field", [None, "source"])
def test_the_partitioned_read_is_the_one_process_read(tmp_path: Path, source_field: str | None, monkeypatch) -> None:
    merged = []
    monkeypatch.setattr(reader, "merge_columns", lambda cols, *a: merged.append(cols.layout.path) or merge(cols, *a))
    paths = _mixed(tmp_path)
    if source_field:  # every record needs the field: a file that lacks it falls back and fails as one process does
        paths = [paths[4]]
        paths.append(str(_lines(tmp_path / "e.jsonl", [{"instruction": "Seven", "output": "7", "source": "s"}])))
    one = read_corpus(paths, skip_invalid=True, source_field=source_field, workers=1)
    two = read_corpus(paths, skip_invalid=True, source_field=source_field, workers=2)
    assert _view(two) == _view(one)
    assert merged == ([paths[0], paths[2], paths[4], paths[5]] if not source_field else paths)  # as columns
    if not source_field:
        ids = [s.id for s in two.samples]
        assert ids[0] == "x" and "b.jsonl#0" in ids  # b's own id "x" was taken by a.jsonl: renamed in order
        assert len(set(ids)) == len(ids) and two.skipped[0].line == 2


def test_a_bad_line_fails_with_the_same_error_as_one_process(tmp_path: Path) -> None:
    paths = _mixed(tmp_path)
    errors = []
    for workers in (1, 2):
        with pytest.raises(InputError) as caught:
            read_corpus(paths, workers=workers)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and "b.jsonl:2" in errors[0]


def test_read_workers_counts_only_what_is_there(tmp_path: Path) -> None:
    inputs = discover(_mixed(tmp_path))
    assert read_workers(None, inputs) == 1  # a few bytes: one process
    assert read_workers(4, inputs[:3]) == 3 and read_workers(1, inputs) == 1
    with pytest.raises(ConfigError, match="read_workers=0"):
        read_workers(0, inputs)
