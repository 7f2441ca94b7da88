"""Emptiness and length rules on the assistant text (``empty``, ``too_short``, ``too_long``).

LIMA keeps Stack Exchange answers of 1,200 to 4,096 characters. Length is measured on the assistant turns
(:attr:`Sample.response`, turns joined by blank lines) in characters, or in tokens of the default encoder's
tokenizer as :mod:`selector.embedding.tokens` counts them (turn by turn). A sample with no assistant turn at all
(a prompts-only corpus such as Vicuna's 80 questions) is not length-checked: there is no answer to measure.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from selector.embedding.models import load_local_tokenizer
from selector.embedding.tokens import PROMPT_ROLES, RESPONSE_ROLES, sample_tokens
from selector.errors import ConfigError
from selector.filters.base import Filter, rule
from selector.sample import Sample

if TYPE_CHECKING:
    from selector.filters.config import FilterConfig

__all__ = ["EmptyFilter", "LengthFilter", "TokenLengthFilter", "check_bounds"]

logger = logging.getLogger(__name__)

TOO_SHORT = "The response is shorter than filters.min_chars (or min_tokens): LIMA kept answers of 1,200+ characters."
TOO_LONG = "The response is longer than filters.max_chars (or max_tokens)."


def _has_answer(sample: Sample) -> bool:
    return any(m.role == "assistant" for m in sample.messages)


def response_chars(sample: Sample) -> int | None:
    """``len(sample.response)`` without building the response (its assistant turns joined by blank lines), or
    ``None`` when the sample has no assistant turn: one pass over the turns, for the per-record hot path."""
    total = turns = 0
    for m in sample.messages:
        if m.role == "assistant":
            total += len(m.content)
            turns += 1
    return total + 2 * (turns - 1) if turns else None


@rule("empty", order=10, text="The prompt or the answer is blank.")
class EmptyFilter(Filter):
    """Drops samples with a blank prompt, or with assistant turns that are all blank (``empty``)."""

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        return cls() if config.empty else None

    def check(self, sample: Sample) -> str | None:
        # One pass over the turns; a text is blank when it is empty or all white space (what strip() would empty).
        prompt = answers = answered = False
        for m in sample.messages:
            role, text = m.role, m.content
            if role == "user":
                prompt = prompt or (bool(text) and not text.isspace())
            elif role == "assistant":
                answers = True
                answered = answered or (bool(text) and not text.isspace())
        return "empty" if not prompt or (answers and not answered) else None


def check_bounds(lo: int | None, hi: int | None, what: str) -> None:
    """Bounds ``min_<what>``/``max_<what>`` must be >= 0 (or null) and min <= max; else a ConfigError naming them."""
    for key, value in ((f"min_{what}", lo), (f"max_{what}", hi)):
        if value is not None and value < 0:
            raise ConfigError(f"config key 'filters.{key}' must be >= 0 or null, got {value}")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"config keys 'filters.min_{what}' ({lo}) and 'filters.max_{what}' ({hi}): min exceeds max")


@rule("length", order=20, reasons={"too_short": TOO_SHORT, "too_long": TOO_LONG})
class LengthFilter(Filter):
    """Drops answers shorter than ``min_chars`` (``too_short``) or longer than ``max_chars`` (``too_long``).

    Bounds are inclusive (LIMA: 1,200 and 4,096); ``None`` switches a bound off.
    """

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        if config.min_chars is None and config.max_chars is None:
            return None
        return cls(config.min_chars, config.max_chars)

    def __init__(self, min_chars: int | None = None, max_chars: int | None = None) -> None:
        check_bounds(min_chars, max_chars, "chars")
        self.min_chars = min_chars
        self.max_chars = max_chars

    def check(self, sample: Sample) -> str | None:
        n = response_chars(sample)
        if n is None:
            return None
        if self.min_chars is not None and n < self.min_chars:
            return "too_short"
        if self.max_chars is not None and n > self.max_chars:
            return "too_long"
        return None

    def describe(self) -> dict[str, Any]:
        return {"min_chars": self.min_chars, "max_chars": self.max_chars}


@rule(
    "token_length",
    order=30,
    reasons={
        "too_short": TOO_SHORT,
        "too_long": TOO_LONG,
        "prompt_too_short": "The prompt has fewer tokens than filters.min_prompt_tokens.",
        "prompt_too_long": "The prompt has more tokens than filters.max_prompt_tokens.",
    },
)
class TokenLengthFilter(Filter):
    """Like :class:`LengthFilter`, counting tokens (no special tokens) of a Hugging Face tokenizer; the prompt
    (system and user turns) has bounds of its own (``prompt_too_short``, ``prompt_too_long``).

    ``tokenizer`` is a local folder, or a Hub id already in the local Hugging Face cache (nothing is downloaded:
    an id that is not cached is an error at once); ``None`` is the default encoder's tokenizer. It is loaded on
    the first check, so configs without token bounds never import ``transformers``.
    """

    @classmethod
    def from_config(cls, config: FilterConfig) -> Filter | None:
        bounds = (config.min_tokens, config.max_tokens, config.min_prompt_tokens, config.max_prompt_tokens)
        if all(b is None for b in bounds):
            return None
        return cls(
            config.min_tokens,
            config.max_tokens,
            config.tokenizer,
            min_prompt_tokens=config.min_prompt_tokens,
            max_prompt_tokens=config.max_prompt_tokens,
        )

    def __init__(
        self,
        min_tokens: int | None = None,
        max_tokens: int | None = None,
        tokenizer: str | None = None,
        *,
        min_prompt_tokens: int | None = None,
        max_prompt_tokens: int | None = None,
    ) -> None:
        check_bounds(min_tokens, max_tokens, "tokens")
        check_bounds(min_prompt_tokens, max_prompt_tokens, "prompt_tokens")
        self.min_tokens = min_tokens
        self.max_tokens = max_tokens
        self.min_prompt_tokens = min_prompt_tokens
        self.max_prompt_tokens = max_prompt_tokens
        self.tokenizer_name = tokenizer
        self._tokenizer: Any = None

    def count(self, sample: Sample, roles: Collection[str]) -> int:
        """The sample's tokens in ``roles`` (:mod:`selector.embedding.tokens`)."""
        if self._tokenizer is None:
            self._tokenizer = load_local_tokenizer(self.tokenizer_name)
        return sample_tokens(sample, self._tokenizer, roles)

    def check(self, sample: Sample) -> str | None:
        if _has_answer(sample) and (self.min_tokens is not None or self.max_tokens is not None):
            n = self.count(sample, RESPONSE_ROLES)
            if self.min_tokens is not None and n < self.min_tokens:
                return "too_short"
            if self.max_tokens is not None and n > self.max_tokens:
                return "too_long"
        if self.min_prompt_tokens is not None or self.max_prompt_tokens is not None:
            n = self.count(sample, PROMPT_ROLES)
            if self.min_prompt_tokens is not None and n < self.min_prompt_tokens:
                return "prompt_too_short"
            if self.max_prompt_tokens is not None and n > self.max_prompt_tokens:
                return "prompt_too_long"
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "min_tokens": self.min_tokens,
            "max_tokens": self.max_tokens,
            "min_prompt_tokens": self.min_prompt_tokens,
            "max_prompt_tokens": self.max_prompt_tokens,
            "tokenizer": self.tokenizer_name,
        }
