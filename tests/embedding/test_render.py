"""Rendering samples as the text that gets embedded."""

from __future__ import annotations

import pytest

from selector.embedding.templates import TEMPLATES, render, render_all
from selector.errors import ConfigError
from selector.sample import Message, Sample


def _sample(*turns: tuple[str, str]) -> Sample:
    return Sample(
        id="x",
        source="s",
        task=None,
        turns=[Message(role, text) for role, text in turns],  # type: ignore[arg-type]
        parsed={},
        format="alpaca",
        file="f.json",
        row=0,
    )


ALPACA = _sample(("user", "Translate to French.\n\nGood morning"), ("assistant", "Bonjour"))
CHAT = _sample(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello!"), ("user", "Bye"), ("assistant", "Ciao"))


def test_default_is_training_input_instruction_then_answer() -> None:
    assert render(ALPACA) == "Translate to French.\n\nGood morning\n\nBonjour"
    assert render(CHAT) == "Be brief.\n\nHi\n\nHello!\n\nBye\n\nCiao"


def test_roles_template_names_each_speaker() -> None:
    assert render(ALPACA, "roles") == "User: Translate to French.\n\nGood morning\n\nAssistant: Bonjour"
    assert render(CHAT, "roles").startswith("System: Be brief.\n\nUser: Hi\n\nAssistant: Hello!")


def test_prompt_and_response_templates_keep_one_side() -> None:
    assert render(CHAT, "prompt") == "Be brief.\n\nHi\n\nBye"
    assert render(CHAT, "response") == "Hello!\n\nCiao"


def test_empty_turns_leave_no_blank_paragraphs() -> None:
    s = _sample(("system", ""), ("user", "Q"), ("assistant", "A"))
    assert render(s) == "Q\n\nA"


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="roles"):
        render(ALPACA, "fancy")


def test_render_all_keeps_order() -> None:
    assert render_all([CHAT, ALPACA], "response") == ["Hello!\n\nCiao", "Bonjour"]
    assert set(TEMPLATES) >= {"default", "roles", "prompt"}
