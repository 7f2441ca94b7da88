"""The ``filters:`` section of a run config.

Every threshold is ``X | None`` and ``None`` (YAML ``null``) switches that check off; booleans switch whole
rules. The defaults are the gentle ones of ``the default config`` (empty and duplicate on, a loose upper bound
on length); ``the lima config`` holds LIMA's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selector.filters.length import check_bounds
from selector.filters.wordlists import FIRST_PERSON, FIRST_PERSON_EXCLUDE, REFERENCES, copy_lists, flatten_terms

__all__ = ["FilterConfig"]


@dataclass
class FilterConfig:
    """Which rules run and with what thresholds; rules run in the order of :data:`~selector.filters.REASONS`.

    Attributes:
        empty: drop samples with a blank prompt or blank answer (``empty``).
        min_chars, max_chars: inclusive bounds on the answer's length in characters (``too_short``,
            ``too_long``); LIMA: 1200 and 4096.
        min_tokens, max_tokens: the same in tokens of ``tokenizer`` (checked after the character bounds).
        tokenizer: local folder or Hub id of the tokenizer for token bounds; ``None`` is the default encoder's.
        score_field: key (or dotted path) of a numeric score in each record; ``None`` switches ``low_score`` off.
        min_score: drop records scoring below this (``low_score``); LIMA: 10. Needs ``score_field``.
        first_person: drop answers in the first person singular (``first_person``).
        first_person_words: the words, per language (``en``, ``zh``, or any other key).
        first_person_exclude: phrases masked before matching (``World War I``, ``我们``), per language.
        refers_to_other_answers: drop answers referring to other answers (``refers_to_other_answers``).
        reference_phrases: the phrases, per language.
        ignore_quoted: the style rules skip quoted text and single-quoted strings.
        duplicate: drop exact duplicates after normalising case and white space, first one kept (``duplicate``).
    """

    empty: bool = True
    min_chars: int | None = None
    max_chars: int | None = 65536
    min_tokens: int | None = None
    max_tokens: int | None = None
    tokenizer: str | None = None
    score_field: str | None = None
    min_score: float | None = None
    first_person: bool = False
    first_person_words: dict[str, list[str]] = field(default_factory=lambda: copy_lists(FIRST_PERSON))
    first_person_exclude: dict[str, list[str]] = field(default_factory=lambda: copy_lists(FIRST_PERSON_EXCLUDE))
    refers_to_other_answers: bool = False
    reference_phrases: dict[str, list[str]] = field(default_factory=lambda: copy_lists(REFERENCES))
    ignore_quoted: bool = True
    duplicate: bool = True

    def __post_init__(self) -> None:
        for key in ("first_person_words", "first_person_exclude", "reference_phrases"):
            flatten_terms(getattr(self, key), f"filters.{key}")
        check_bounds(self.min_chars, self.max_chars, "chars")
        check_bounds(self.min_tokens, self.max_tokens, "tokens")
