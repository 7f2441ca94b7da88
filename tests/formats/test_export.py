"""Export to trainer shapes: every input format to every shape and back, the layouts TRL and LLaMA-Factory read,
records that a shape cannot hold, and ``--export`` on ``filter``."""

from __future__ import annotations

import json

import datasets
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import as_flags
from selector.errors import SelectorError
from selector.formats.export import SHAPES, ExportError, dataset_info, export_rows
from selector.io import read_corpus
from selector.pipeline.outputs import write_export
from tests.io_fixtures import RECORDS, write_container

runner = CliRunner()

# LLaMA-Factory's data/README.md: the keys of a dataset_info.json entry, of its columns and of its tags.
LF_ENTRY_KEYS = {"hf_hub_url", "ms_hub_url", "script_url", "file_name", "file_sha1", "subset", "folder", "ranking",
                 "formatting", "split", "num_samples", "columns", "tags"}  # fmt: skip
LF_COLUMNS = {"prompt", "query", "response", "history", "messages", "system", "tools", "images", "videos", "audios",
              "chosen", "rejected", "kto_tag"}  # fmt: skip
LF_TAGS = {"role_tag", "content_tag", "user_tag", "assistant_tag", "observation_tag", "function_tag", "system_tag"}

MULTI_TURN = {
    "id": "chat-7",
    "system": "You are terse.",
    "conversations": [
        {"from": "human", "value": "Hi"},
        {"from": "gpt", "value": "Hello."},
        {"from": "human", "value": "Bye"},
        {"from": "gpt", "value": "Bye."},
    ],
}


def _turns(samples):
    return [[(m.role, m.content) for m in s.messages] for s in samples]


def _export_folder(tmp_path, samples, shape):
    folder = tmp_path / shape
    folder.mkdir()
    write_export(folder, samples, shape, "picked")
    return folder


def _check_llama_factory(folder, ds):
    info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    ((name, entry),) = info.items()
    assert name == "picked"
    assert set(entry) <= LF_ENTRY_KEYS
    assert entry["file_name"] == "train.jsonl" and (folder / entry["file_name"]).is_file()
    assert entry["formatting"] in ("alpaca", "sharegpt")
    assert set(entry["columns"]) <= LF_COLUMNS
    assert set(entry["columns"].values()) <= set(ds.column_names)  # every named column exists
    if entry["formatting"] == "sharegpt":
        tags = entry["tags"]
        assert set(tags) <= LF_TAGS
        turns = ds[0][entry["columns"]["messages"]]
        assert {tags["role_tag"], tags["content_tag"]} == set(turns[0])
        roles = {t[tags["role_tag"]] for row in ds[entry["columns"]["messages"]] for t in row}
        assert roles <= {tags["user_tag"], tags["assistant_tag"], tags["system_tag"]}
    else:
        assert "tags" not in entry


def _check_trl(shape, ds):
    """The layouts of TRL's dataset formats guide: conversational ``messages``, standard prompt-completion."""
    if shape == "messages":
        turn = ds.features["messages"].feature  # a list of {role, content} strings
        assert turn["role"].dtype == turn["content"].dtype == "string"
        assert ds[0]["messages"][-1]["role"] == "assistant"
    if shape == "prompt-completion":
        assert ds.features["prompt"].dtype == ds.features["completion"].dtype == "string"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fmt", sorted(RECORDS))
def test_every_input_format_round_trips_through_every_shape(tmp_path, fmt, shape):
    samples = read_corpus([write_container(tmp_path, fmt, "json", RECORDS[fmt])]).samples
    folder = _export_folder(tmp_path, samples, shape)
    ds = datasets.load_dataset("json", data_files=str(folder / "train.jsonl"), split="train")
    assert ds.num_rows == len(samples)
    _check_trl(shape, ds)
    _check_llama_factory(folder, ds)
    back = read_corpus([folder / "train.jsonl"]).samples  # selector reads its own export: same turns and text
    assert _turns(back) == _turns(samples)


@pytest.mark.parametrize("shape", ["messages", "sharegpt"])
def test_multi_turn_with_a_system_prompt_is_kept_whole(tmp_path, shape):
    src = write_container(tmp_path, "chat", "jsonl", [MULTI_TURN, *RECORDS["sharegpt"]])
    samples = read_corpus([src]).samples
    folder = _export_folder(tmp_path, samples, shape)
    ds = datasets.load_dataset("json", data_files=str(folder / "train.jsonl"), split="train")
    _check_llama_factory(folder, ds)
    assert _turns(read_corpus([folder / "train.jsonl"]).samples) == _turns(samples)
    if shape == "sharegpt":
        assert ds[0]["system"] == "You are terse." and ds[1]["system"] == ""  # one set of keys on every row


@pytest.mark.parametrize("shape", ["alpaca", "prompt-completion"])
def test_a_record_the_shape_cannot_hold_is_an_error_naming_it(tmp_path, shape):
    samples = read_corpus([write_container(tmp_path, "chat", "jsonl", [*RECORDS["sharegpt"], MULTI_TURN])]).samples
    with pytest.raises(ExportError, match=r"record chat-7 .*2 exchanges .*export it as messages or sharegpt"):
        export_rows(samples, shape)


def test_alpaca_keeps_its_own_instruction_and_input(tmp_path):
    samples = read_corpus([write_container(tmp_path, "a", "jsonl", RECORDS["alpaca"])]).samples
    rows, has_system = export_rows(samples, "alpaca")
    assert rows[0] == {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"}
    assert not has_system
    assert dataset_info("alpaca", "x", has_system)["x"]["columns"] == {
        "prompt": "instruction",
        "query": "input",
        "response": "output",
    }


def test_filter_export_writes_train_and_dataset_info_listed_in_the_manifest(tmp_path):
    src = write_container(tmp_path, "mixed", "jsonl", [MULTI_TURN, *RECORDS["sharegpt"]])
    out = tmp_path / "out"
    res = runner.invoke(app, ["filter", str(src), "--out", str(out), "--export", "messages"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"train.jsonl", "dataset_info.json", "kept.jsonl"} <= set(manifest["outputs"])
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["messages"][0] == {"role": "system", "content": "You are terse."}
    assert json.loads((out / "dataset_info.json").read_text())["out"]["formatting"] == "sharegpt"


def test_filter_export_refuses_an_unknown_shape_and_a_multi_turn_alpaca_before_writing(tmp_path):
    src = write_container(tmp_path, "mixed", "jsonl", [MULTI_TURN])
    res = runner.invoke(app, ["filter", str(src), "--out", str(tmp_path / "a"), "--export", "chatml"])
    assert res.exit_code == 2 and "'alpaca', 'sharegpt', 'messages', 'prompt-completion'" in res.output
    res = runner.invoke(app, ["filter", str(src), "--out", str(tmp_path / "b"), "--export", "alpaca"])
    assert res.exit_code == 2 and "record chat-7" in res.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_unknown_shape_is_a_selector_error():
    with pytest.raises(SelectorError, match="export='chatml'") as info:
        export_rows([], "chatml")
    assert "--export 'chatml'" in as_flags(str(info.value))
