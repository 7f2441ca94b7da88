"""Token budgets: parsing, counting with the default encoder's tokenizer, the per-group cut, and ``--tokens`` runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selector.cli import app
from selector.cli.console import as_flags
from selector.embedding.models import load_local_tokenizer as load_tokenizer
from selector.errors import ConfigError, SelectorError
from selector.io import read_corpus
from selector.pipeline import select
from selector.pipeline.tokens import count_tokens, cut_ranking, parse_count, token_quotas

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "data" / "demo.jsonl"
runner = CliRunner()


def test_parse_count_accepts_suffixes_and_plain_integers():
    assert parse_count("2M") == 2_000_000
    assert parse_count("500k") == 500_000
    assert parse_count("1.5B") == 1_500_000_000
    assert parse_count("120000") == parse_count(120_000) == parse_count("120_000") == 120_000
    for bad in ("0", 0, "-1", "two", "2X", "", True):
        with pytest.raises(ConfigError, match="tokens=") as info:
            parse_count(bad)
        assert "--tokens" in as_flags(str(info.value))


def test_tokens_are_counted_over_every_turn_without_special_tokens():
    samples = read_corpus([DEMO]).samples[:5]
    tok = load_tokenizer()
    counts = count_tokens(samples, tok)
    expected = [sum(len(tok(m.content, add_special_tokens=False)["input_ids"]) for m in s.messages) for s in samples]
    assert counts.tolist() == expected


def test_cut_keeps_each_groups_longest_prefix_within_its_quota():
    tokens = np.array([5, 7, 3, 4, 9, 2])
    groups = np.array([0, 1, 0, 1, 0, 1])
    cut = cut_ranking([0, 1, 2, 3, 4, 5], tokens, 30, groups, [9, 14])
    assert cut.picks == [0, 1, 2, 3, 5]  # group 0: 5 + 3 = 8, its next (9) would pass 9; group 1: 7 + 4 + 2 = 13
    assert cut.by_group == {0: 8, 1: 13} and cut.full == {0}
    assert cut_ranking([0, 1, 2, 3, 4, 5], tokens, 30, groups, [9, 12]).full == {0, 1}
    whole = cut_ranking([4, 0, 1], tokens, 15)
    assert whole.picks == [0, 1] and whole.tokens == 14 and whole.full == {0}


def test_token_quotas_follow_temperature_and_never_exceed_a_group():
    quotas = token_quotas([1_000, 8_000, 100], 3_000, tau=3.0)
    assert quotas[2] == 100 and sum(quotas) <= 3_000 and sum(quotas) >= 2_998
    assert quotas[1] < 3_000 * 8_000 / 9_100  # flatter than proportional


def test_token_budget_run_keeps_each_source_within_one_record_of_its_quota(tmp_path, demo_vectors):
    res = select(
        [DEMO], tokens="12k", source_field="source", embeddings=demo_vectors, out=tmp_path / "o", progress=False
    )
    m = res.manifest
    assert m["allocation"]["unit"] == "tokens" and m["options"]["tokens"] == 12_000
    counts = count_tokens(res.samples, load_tokenizer())
    assert m["tokens"]["selected"] == int(counts.sum()) <= 12_000
    assert sum(m["tokens"]["by_source"].values()) == m["tokens"]["selected"]
    pool = read_corpus([DEMO], source_field="source").samples
    longest = {}
    for s, n in zip(pool, count_tokens(pool, load_tokenizer()), strict=True):
        longest[s.source] = max(longest.get(s.source, 0), int(n))
    for source, quota in m["allocation"]["quotas"].items():
        used = m["tokens"]["by_source"].get(source, 0)
        assert 0 <= quota - used < longest[source]  # within one record's length of the quota
    assert [r["id"] for r in res.rows] == [s.id for s in res.samples]
    assert len(res.samples) == m["counts"]["selected"] == m["coverage"]["random"]["size"]


def test_token_budget_with_export_writes_train_jsonl_in_ranking_order(tmp_path, demo_vectors):
    res = select(
        [DEMO], tokens=5000, source_field="source", embeddings=demo_vectors, export="prompt-completion",
        out=tmp_path / "o", progress=False,
    )  # fmt: skip
    rows = [json.loads(x) for x in (tmp_path / "o" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["completion"] for r in rows] == [s.response for s in res.samples]
    assert {"train.jsonl", "dataset_info.json"} <= set(res.manifest["outputs"])


def test_exactly_one_budget_form(tmp_path, demo_vectors):
    with pytest.raises(ConfigError, match="exactly one budget"):
        select([DEMO], tokens="2M", budget=10, embeddings=demo_vectors, progress=False)
    with pytest.raises(ConfigError, match="tokens= must be at least 1") as info:
        select([DEMO], tokens=0, embeddings=demo_vectors, progress=False)
    assert "--tokens must be at least 1" in as_flags(str(info.value))
    with pytest.raises(SelectorError, match="holds no sample"):
        select([DEMO], tokens=3, embeddings=demo_vectors, progress=False)


def test_cli_tokens_zero_and_a_missing_tokenizer_fail_before_work(tmp_path):
    res = runner.invoke(app, ["select", str(DEMO), "--tokens", "0", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--tokens must be at least 1" in res.output
    nope = str(tmp_path / "nope")
    res = runner.invoke(app, ["select", str(DEMO), "--tokens", "2M", "--tokenizer", nope, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "never downloads" in res.output
    assert not (tmp_path / "o").exists()
