"""Every selection's "versus random" section: right on a hand-made pool, deterministic, in the report."""

from __future__ import annotations

import json

import numpy as np

from selector.measures.evidence import RANDOM_DRAWS, random_draws, render_evidence, versus_random_proxies
from selector.pipeline import select
from selector.sample import Message, Sample


def _sample(i: int, prompt: str, source: str) -> Sample:
    messages = [Message("user", prompt), Message("assistant", "ok")]
    return Sample(f"f#{i}", source, None, messages, {"p": prompt}, "alpaca", "f.json", i)


def test_draws_respect_eligibility_quotas_and_seeds():
    eligible = np.arange(60) % 5 != 0
    groups = np.arange(60) % 3
    draws = random_draws(eligible, groups, [4, 2, 3], 9, seed=1)
    assert len(draws) == RANDOM_DRAWS
    for d in draws:
        assert len(d) == 9 and eligible[d].all() and list(np.bincount(groups[d], minlength=3)) == [4, 2, 3]
    again = random_draws(eligible, groups, [4, 2, 3], 9, 1)
    assert all(np.array_equal(a, b) for a, b in zip(draws, again, strict=True))
    assert not np.array_equal(draws[0], draws[1])


def _draw_over_the_whole_order(eligible, groups, quotas, size, seed):
    """The draw as defined: every eligible row ranked in its group over the whole permuted order."""
    candidates = np.flatnonzero(eligible)
    order = candidates[np.random.default_rng(seed + 1).permutation(len(candidates))]
    g = groups[order]
    rank = np.array([np.sum(g[:i] == g[i]) for i in range(len(g))])
    keep = rank < np.asarray(quotas)[g]
    keep &= np.cumsum(keep) <= size
    return np.sort(order[keep])


def test_draws_equal_the_whole_order_definition_when_quotas_push_the_picks_far_down_the_order():
    rng = np.random.default_rng(7)
    groups = rng.integers(0, 6, 3000)
    eligible = rng.random(3000) < 0.9
    # group 5 is rare in draw order terms only when its quota is large: the prefix must grow several times
    for quotas, size in (([1, 1, 1, 1, 1, 400], 405), ([50, 0, 50, 0, 50, 50], 200), ([9, 9, 9, 9, 9, 9], 60)):
        got = random_draws(eligible, groups, quotas, size, seed=3, count=1)[0]
        assert np.array_equal(got, _draw_over_the_whole_order(eligible, groups, quotas, size, 3))


def test_a_selection_that_spans_the_topics_covers_better_than_random():
    topics = ["apple pie recipe", "python list sort", "french verb tense", "planet orbit gravity"]
    pool = [_sample(i, f"{topics[i % 4]} question number {i}", f"s{i % 2}") for i in range(80)]
    spread = np.array([0, 1, 2, 3])  # one per topic
    clumped = [np.array([0, 4, 8, 12]) + k for k in range(0, 40, 2)]  # draws stuck in one topic
    section = versus_random_proxies(pool, spread, clumped, [s.source for s in pool], seed=0)
    cov = section["proxies"]["coverage_mean"]
    assert cov["value"] < cov["random_median"] and cov["percentile"] == 100.0
    assert section["proxies"]["vendi"]["percentile"] == 100.0
    assert cov["verdict"] == "beats" and 0 < cov["z_lo"] <= cov["z"] <= cov["z_hi"]  # lower is better: z oriented
    assert section["baseline"] == "uniform"
    again = versus_random_proxies(pool, spread, clumped, [s.source for s in pool], seed=0)
    assert again == section


def test_every_select_run_reports_versus_random(tmp_path, demo_vectors):
    from conftest import DEMO

    res = select([DEMO], budget=12, source_field="source", embeddings=demo_vectors, out=tmp_path / "o", progress=False)
    section = res.manifest["versus_random"]
    assert section["random_draws"] == RANDOM_DRAWS and set(section["proxies"]) >= {"coverage_mean", "vendi"}
    report = (tmp_path / "o" / "report.md").read_text()
    assert "## Versus random" in report and "| z [90% interval] | verdict |" in report
    assert section["baseline"] == "count-matched"  # source quotas fix the counts: the draws hold the same per source
    cov = section["proxies"]["coverage_mean"]
    assert f"{cov['z']:+.2f} [{cov['z_lo']:+.2f}, {cov['z_hi']:+.2f}]" in report
    again = select([DEMO], budget=12, source_field="source", embeddings=demo_vectors, progress=False)
    assert json.dumps(again.manifest["versus_random"]) == json.dumps(section)


def test_evidence_that_cannot_be_measured_is_skipped_with_a_reason():
    pool = [_sample(i, f"{'abcdefghij'[i % 10]} ?", "s") for i in range(30)]  # one-letter words: empty vocabulary
    section = versus_random_proxies(
        pool, np.array([0, 1]), random_draws(np.ones(30, bool), None, None, 2, 0), ["s"] * 30, seed=0
    )
    assert "no word of two or more letters" in section["skipped"] and "proxies" not in section
    assert "Not measured: the TF-IDF space is empty" in "\n".join(render_evidence(section))


def test_a_chinese_slice_without_shared_words_completes_with_the_section_skipped(tmp_path, shared_data):
    records = json.loads((shared_data / "alpaca_chinese_zh-data-part-00.json").read_text(encoding="utf-8"))[:40]
    data = tmp_path / "zh.json"
    data.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    vectors = tmp_path / "zh.npy"
    np.save(vectors, np.random.default_rng(0).standard_normal((40, 16)).astype(np.float32))
    res = select([data], budget=5, embeddings=vectors, out=tmp_path / "o", progress=False)
    assert len(res.samples) == 5 and "After pruning, no terms remain" in res.manifest["versus_random"]["skipped"]
    assert "Not measured" in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
