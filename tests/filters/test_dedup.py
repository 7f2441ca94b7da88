"""Issue 12: near and semantic duplicates, language, prompt tokens, contamination, and `selector dedup`."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from typer.testing import CliRunner

from selector.cli import app
from selector.config import load_run_config
from selector.errors import ConfigError
from selector.filters import DedupConfig, FilterConfig, apply_filters
from selector.filters.dedup.near import group_duplicates, lsh_params, minhash_signatures, near_duplicates
from selector.filters.dedup.semantic import cluster_groups, semantic_duplicates
from selector.sample import Message, Sample

runner = CliRunner()
rng = random.Random(7)
VOCAB = [f"w{i}" for i in range(2000)]


def text(n: int = 80) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def make(answer: str, i: int, prompt: str = "Explain it.", record=None) -> Sample:
    rec = record if record is not None else {"instruction": prompt, "output": answer}
    messages = [Message("user", prompt), Message("assistant", answer)]
    return Sample(f"f:{i}", "s", None, messages, rec, "alpaca", "f.json", i, line=i + 2)


def near(samples, **kw):
    return apply_filters(samples, FilterConfig(), dedup=DedupConfig(near_duplicate=True, **kw), progress=False)


def test_near_copy_caught_paraphrase_kept_and_duplicate_of_named():
    base = text()
    words = base.split()
    one_word = " ".join([*words[:40], "changed", *words[41:]])  # Jaccard of 5-word shingles ~0.88
    rewrite = " ".join(words[:40] + [w + "x" for w in words[40:]])  # half rewritten: Jaccard ~0.45
    samples = [make(text(), 0), make(base, 1), make(one_word, 2), make(rewrite, 3), make(text(), 4)]
    result = near(samples)
    assert [(s.id, r) for s, r in result.rejected] == [("f:2", "near_duplicate")]
    assert result.details["f:2"]["duplicate_of"] == "f:1"
    assert 0.8 <= result.details["f:2"]["similarity"] <= 1
    assert result.stats["by_reason"]["near_duplicate"] == 1
    assert result.stats["input"] == result.stats["kept"] + result.stats["rejected"]
    # deterministic: the same samples give the same drops, similarities and stats
    again = near(samples)
    assert again.details == result.details and again.stats == result.stats


def test_near_duplicates_keep_the_highest_score_when_a_score_field_is_set():
    base = text()
    samples = [make(base, 0, record={"score": 1}), make(base + " extra", 1, record={"score": 9}), make(base, 2)]
    cfg = FilterConfig(duplicate=False, score_field="score")
    result = apply_filters(samples, cfg, dedup=DedupConfig(near_duplicate=True), progress=False)
    assert [s.id for s in result.kept] == ["f:1"]
    assert {d["duplicate_of"] for d in result.details.values()} == {"f:1"}


def test_character_shingles_and_lsh_parameters():
    assert lsh_params(0.8, 128) == (21, 6)  # a pair at 0.8 collides with probability >= 0.99
    a = "The quick brown fox jumps over the lazy dog near the river bank today"
    sig = minhash_signatures([a, a.replace("today", "todai"), "something else entirely, not alike"], kind="char")
    groups = near_duplicates(sig, 0.7)
    assert groups.duplicate_of.tolist() == [-1, 0, -1]


def test_group_duplicates_joins_chains_and_keeps_the_first():
    dup, groups = group_duplicates(6, np.array([1, 2, 4]), np.array([2, 3, 5]))
    assert dup.tolist() == [-1, -1, 1, 1, -1, 4] and groups == 2


def brute_force_groups(X, labels, threshold):
    """Connected components of the full within-cluster cosine matrix."""
    same = labels[:, None] == labels[None, :]
    sims = X @ X.T
    adj = (sims > threshold) & same
    return connected_components(adj, directed=False)[1]


@pytest.mark.parametrize("block", [3, 1024])
def test_semdedup_equals_brute_force(block):
    gen = np.random.default_rng(0)
    base = gen.normal(size=(30, 16)).astype(np.float32)
    X = np.concatenate([base, base[:12] + 0.05 * gen.normal(size=(12, 16)).astype(np.float32)])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = gen.integers(0, 3, size=len(X))
    labels[30:] = labels[:12]  # the perturbed copies share their original's cluster
    eps = 0.02
    groups = semantic_duplicates(X, labels, eps, block=block)
    comp = brute_force_groups(X, labels, 1 - eps)
    # same partition: two rows are grouped exactly when brute force groups them
    kept_of = np.where(groups.duplicate_of >= 0, groups.duplicate_of, np.arange(len(X)))
    assert ((kept_of[:, None] == kept_of[None, :]) == (comp[:, None] == comp[None, :])).all()
    assert groups.stats["dropped"] == len(X) - comp.max() - 1 > 0
    dropped = groups.dropped
    assert (groups.duplicate_of[dropped] < dropped).all()  # the first in pool order is kept
    cos = np.einsum("ij,ij->i", X[dropped], X[groups.duplicate_of[dropped]])
    np.testing.assert_allclose(groups.similarity[dropped], cos, rtol=1e-6)


def test_semdedup_block_merge_and_scores():
    X = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0]], dtype=np.float32)
    assert len(set(cluster_groups(X, 0.99, block=1).tolist())) == 2
    groups = semantic_duplicates(X, np.zeros(5, int), 0.05, scores=np.array([1, 2, 5, np.nan, 5]))
    assert groups.duplicate_of.tolist() == [2, -1, -1, 1, 2]


@pytest.mark.parametrize("eps", [0, 1, -0.1, 1.5])
def test_bad_eps_is_a_clear_error(eps):
    with pytest.raises(ConfigError, match=r"dedup\.semantic_eps' must be in \(0, 1\)"):
        load_run_config(None, {"dedup": {"semantic_eps": eps}})


def test_language_rule_keeps_listed_and_short_samples():
    pytest.importorskip("langdetect")
    en = "The committee will publish its findings about the new railway line next spring."
    fr = "Le comité publiera ses conclusions sur la nouvelle ligne de chemin de fer au printemps prochain."
    samples = [make(en, 0, prompt="Summarise."), make(fr, 1, prompt="Résume."), make("ok", 2, prompt="Hi")]
    result = apply_filters(samples, FilterConfig(languages=["en"], language_confidence=0.5), progress=False)
    assert [(s.id, r) for s, r in result.rejected] == [("f:1", "language")]
    assert result.details["f:1"]["language"] == "fr"
    rule = next(r for r in result.stats["rules"] if r["name"] == "language")
    assert rule["notes"]["too short to tell (kept)"] == 1


def test_unknown_language_code_is_a_clear_error():
    pytest.importorskip("langdetect")
    with pytest.raises(ConfigError, match=r"unknown language code\(s\) 'english'.*\ben\b"):
        FilterConfig(languages=["english"])


def test_prompt_token_bounds(tmp_path):
    from selector.embedding.models import default_model_path

    try:
        default_model_path()
    except Exception as exc:  # the default encoder's package is missing
        pytest.skip(f"default tokenizer not installed: {exc}")
    samples = [make("an answer", 0, prompt="Hi"), make("an answer", 1, prompt="word " * 50)]
    cfg = FilterConfig(min_prompt_tokens=2, max_prompt_tokens=20, duplicate=False)
    result = apply_filters(samples, cfg, progress=False)
    assert [r for _, r in result.rejected] == ["prompt_too_short", "prompt_too_long"]


def test_contamination_names_the_test_file_and_record(tmp_path):
    leaked = " ".join(f"t{i}" for i in range(20))
    evals = tmp_path / "eval.jsonl"
    evals.write_text(json.dumps({"id": "q7", "instruction": "Question", "output": leaked}) + "\n")
    samples = [make(text(), 0), make(f"Sure. {leaked.upper()} and more", 1), make(" ".join(leaked.split()[:12]), 2)]
    result = apply_filters(samples, FilterConfig(decontaminate=[str(evals)]), progress=False)
    assert [(s.id, r) for s, r in result.rejected] == [("f:1", "contaminated")]
    d = result.details["f:1"]
    assert d["test_file"] == str(evals) and d["test_id"] == "q7" and len(d["ngram"].split()) == 13


def test_missing_decontamination_file_fails_before_reading(tmp_path):
    src = tmp_path / "data.jsonl"
    src.write_text(json.dumps({"instruction": "a", "output": "b"}) + "\n")
    for command in (["filter"], ["dedup", "--no-semantic"]):
        res = runner.invoke(
            app, [*command, str(src), "--out", str(tmp_path / "o"), "--decontaminate", str(tmp_path / "no.json")]
        )
        assert res.exit_code == 2 and "evaluation file" in res.output and "not found" in res.output
        assert not (tmp_path / "o").exists()


def test_cli_dedup_writes_kept_rejected_and_manifest(tmp_path):
    rows = [{"id": f"r{i}", "instruction": f"Question {i}", "output": text()} for i in range(30)]
    rows.append({**rows[4], "id": "copy", "output": rows[4]["output"] + " indeed"})
    src = tmp_path / "data.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    X = np.random.default_rng(1).normal(size=(31, 8)).astype(np.float32)
    X[9] = X[3] * 2  # the same direction: a semantic duplicate
    np.save(tmp_path / "e.npy", X)
    out = tmp_path / "out"
    res = runner.invoke(app, ["dedup", str(src), "--out", str(out), "--embeddings", str(tmp_path / "e.npy"), "-q"])
    assert res.exit_code == 0, res.output
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["reason"], r["id"], r["duplicate_of"]) for r in rejected] == [
        ("near_duplicate", "copy", "r4"),
        ("semantic_duplicate", "r9", "r3"),
    ]
    kept = [json.loads(line)["id"] for line in (out / "kept.jsonl").read_text().splitlines()]
    assert len(kept) == 29 and "copy" not in kept and "r9" not in kept
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "dedup" and manifest["dedup"]["near_duplicate"]["dropped"] == 1
    res = runner.invoke(app, ["dedup", str(src), "--out", str(tmp_path / "o2"), "--eps", "1.5", "--no-near"])
    assert res.exit_code == 2 and "semantic_eps" in res.output


def test_cli_dedup_exports_the_kept_records_for_a_trainer(tmp_path):
    rows = [{"id": f"r{i}", "instruction": f"Question {i}", "output": text()} for i in range(12)]
    rows.append({**rows[2], "id": "copy"})
    src = tmp_path / "data.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    res = runner.invoke(app, ["dedup", str(src), "--out", str(out), "--no-semantic", "--export", "messages", "-q"])
    assert res.exit_code == 0, res.output
    train = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    assert len(train) == 12  # the copy is not exported
    assert train[2]["messages"] == [
        {"role": "user", "content": "Question 2"},
        {"role": "assistant", "content": rows[2]["output"]},
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"train.jsonl", "dataset_info.json"} <= set(manifest["outputs"]) and manifest["export"] == "messages"
    res = runner.invoke(app, ["dedup", str(src), "--out", str(tmp_path / "o3"), "--export", "csv"])
    assert res.exit_code == 2 and "csv" in res.output


def test_select_drops_semantic_duplicates_before_the_coreset(tmp_path):
    from selector.config import RunConfig
    from selector.filters import DedupConfig as Dedup
    from selector.pipeline import select

    rows = [{"id": f"r{i}", "instruction": f"Question {i}", "output": text()} for i in range(40)]
    src = tmp_path / "data.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    X = np.random.default_rng(2).normal(size=(40, 8)).astype(np.float32)
    X[11] = X[5]
    np.save(tmp_path / "e.npy", X)
    cfg = RunConfig(dedup=Dedup(semantic_duplicate=True), budget=10)
    out = tmp_path / "out"
    result = select([src], config=cfg, embeddings=tmp_path / "e.npy", out=out, progress=False)
    assert "r11" not in [s.id for s in result.samples]
    assert result.manifest["counts"]["after_semantic_dedup"] == 39
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["reason"], r["id"], r["duplicate_of"]) for r in rejected] == [("semantic_duplicate", "r11", "r5")]
    report = (out / "report.md").read_text()
    assert "## Duplicates" in report and "`r11` duplicates `r5`" in report
