"""The filter rule registry: ``REASONS`` and the report's texts are derived in the order the rules really run,
and every rule (near-duplicate and contamination included) is built through the registry."""

from __future__ import annotations

import pytest

from selector.filters import REASONS, REGISTRY, RULES, DedupConfig, FilterConfig, build_corpus_rules, build_filters
from selector.filters.base import rule
from selector.report.reasons import REASON_TEXT, reason_order


def test_reasons_are_the_run_order_of_the_registered_rules():
    run_order = [code for entry in RULES for code, _ in entry.reasons]
    assert list(dict.fromkeys(run_order)) == REASONS
    assert [e.order for e in RULES] == sorted(e.order for e in RULES)
    # the token-length rule (prompt bounds) runs before the score rule, and REASONS now says so
    assert REASONS.index("prompt_too_long") < REASONS.index("low_score")
    assert reason_order("prompt_too_short") < reason_order("low_score")
    assert list(REASON_TEXT) == REASONS and all(REASON_TEXT.values())


def test_chain_and_corpus_rules_are_built_from_the_registry():
    cfg = FilterConfig(min_chars=5, score_field="score", min_score=1, max_prompt_tokens=50)
    names = [f.name for f in build_filters(cfg)]
    assert names == [c.name for c in REGISTRY if c.name in names]
    assert names == ["empty", "length", "token_length", "low_score", "duplicate"]
    assert build_filters(cfg, only=("duplicate",))[0].name == "duplicate"
    assert build_corpus_rules(cfg, DedupConfig()) == []
    assert [r.name for r in build_corpus_rules(cfg, DedupConfig(near_duplicate=True))] == ["near_duplicate"]


def test_a_rule_may_not_take_a_name_or_an_order_twice_nor_lack_its_text():
    with pytest.raises(ValueError, match="collides"):
        rule("empty", order=999, text="x")(object)
    with pytest.raises(ValueError, match="collides"):
        rule("another", order=10, text="x")(object)
    with pytest.raises(ValueError, match="explained differently"):
        rule("another", order=999, reasons={"too_short": "other words"})(object)
    with pytest.raises(ValueError, match="needs its one-line text"):
        rule("another", order=999)
    assert "another" not in [e.name for e in RULES]
