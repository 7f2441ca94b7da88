"""``select``'s options are declared once: :class:`SelectOptions`; ``selector.select``'s keywords are its fields."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import selector
from selector.config import load_run_config
from selector.errors import ConfigError
from selector.pipeline.options import BudgetOptions, EncoderOptions, SelectOptions
from selector.pipeline.request import build_request
from tests.conftest import DEMO


def _default(f: dataclasses.Field) -> object:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def test_select_keywords_are_the_options_fields_in_order_with_their_defaults_and_types():
    params = [p for p in inspect.signature(selector.select).parameters.values() if p.kind is p.KEYWORD_ONLY]
    fields = SelectOptions.keywords()
    assert [p.name for p in params] == list(fields)
    for p in params:
        f = fields[p.name]
        assert p.default == _default(f), p.name
        assert p.annotation == f.type, p.name


def test_every_encoder_option_is_an_encoder_config_key():
    keys = {f.name for f in dataclasses.fields(load_run_config(None).encoder)}
    assert {f.name for f in dataclasses.fields(EncoderOptions)} <= keys


def test_keywords_route_to_their_parts_and_set_config_keys(tmp_path):
    options = SelectOptions.from_keywords(budget=3, model=tmp_path, skip_invalid=True, out=tmp_path, seed=5)
    assert options.size == BudgetOptions(budget=3)
    assert options.read.skip_invalid and options.output.out == tmp_path
    assert options.config_overrides() == {
        "seed": 5,
        "budget": 3,
        "fraction": None,
        "encoder": {"model": str(tmp_path)},
    }
    with pytest.raises(TypeError, match="'budgett'"):
        SelectOptions.from_keywords(budgett=3)


def test_the_request_of_options_equals_the_request_of_keywords():
    options = SelectOptions(size=BudgetOptions(fraction=0.5), seed=3, config="lima")
    request = build_request([DEMO], options)
    assert request.config.seed == 3 and request.config.fraction == 0.5 and request.config.budget is None
    assert request.config.filters.min_chars == 1200  # lima's, with the options over it


def test_select_takes_options_or_keywords_not_both(tmp_path):
    with pytest.raises(ConfigError, match="either options= or keywords"):
        selector.select([DEMO], SelectOptions(), budget=3)


def test_help_reads_the_defaults_from_the_config():
    from selector.cli.common import config_default

    cfg = load_run_config(None)
    assert config_default("dedup.jaccard") == f"{cfg.dedup.jaccard:g}"
    assert config_default("encoder.device") == cfg.encoder.device
    assert config_default("encoder.ray") == "off" and config_default("budget") == "null"
    assert config_default("filters.contamination_ngram") == str(cfg.filters.contamination_ngram)
