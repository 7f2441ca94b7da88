"""The ``filters:`` section of a run config.

Every threshold is ``X | None`` and ``None`` (YAML ``null``) switches that check off; booleans switch whole
rules. The defaults are the gentle ones of ``the default config`` (empty and duplicate on, a loose upper bound
on length); ``the lima config`` holds LIMA's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from selector.errors import ConfigError
from selector.filters.contamination import check_eval_files
from selector.filters.language import check_languages
from selector.filters.length import check_bounds
from selector.filters.wordlists import FIRST_PERSON, FIRST_PERSON_EXCLUDE, REFERENCES, copy_lists, flatten_terms

__all__ = ["DedupConfig", "FilterConfig", "check_eps"]


def check_eps(eps: float, key: str = "dedup.semantic_eps") -> float:
    """``eps`` as a float if it lies in the open interval (0, 1), else a ConfigError naming ``key``."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise ConfigError(
            f"config key '{key}' must be in (0, 1) (pairs with cosine above 1 - eps are duplicates; "
            f"0.01-0.1 is typical), got {eps!r}"
        )
    return float(eps)


@dataclass
class FilterConfig:
    """Which rules run and with what thresholds; rules run in the registry's order (:data:`~selector.filters.REASONS`).

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
        min_prompt_tokens, max_prompt_tokens: bounds on the prompt's length in tokens of ``tokenizer``
            (``prompt_too_short``, ``prompt_too_long``).
        languages: keep only samples in these languages, ISO 639-1 codes (``en``, ``zh``, ...; ``language``);
            ``None`` switches the rule off. Needs ``langdetect`` (``pip install 'selector[lang]'``).
        language_confidence: a sample is dropped only when its detected language, outside ``languages``, has at
            least this probability (0-1; 0.9 is a sound start).
        language_min_chars: texts shorter than this (after stripping) are too short to tell: kept and counted.
        decontaminate: evaluation files (any readable format); pool samples sharing a word n-gram with any of
            their records are dropped (``contaminated``). ``None`` switches the rule off.
        contamination_ngram: the n-gram length in words, after normalisation (13: GPT-3's and NeMo-Curator's).
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
    min_prompt_tokens: int | None = None
    max_prompt_tokens: int | None = None
    languages: list[str] | None = None
    language_confidence: float = 0.9
    language_min_chars: int = 20
    decontaminate: list[str] | None = None
    contamination_ngram: int = 13

    def __post_init__(self) -> None:
        for key in ("first_person_words", "first_person_exclude", "reference_phrases"):
            flatten_terms(getattr(self, key), f"filters.{key}")
        check_bounds(self.min_chars, self.max_chars, "chars")
        check_bounds(self.min_tokens, self.max_tokens, "tokens")
        check_bounds(self.min_prompt_tokens, self.max_prompt_tokens, "prompt_tokens")
        if not 0 <= self.language_confidence <= 1:
            raise ConfigError(
                f"config key 'filters.language_confidence' must be in [0, 1], got {self.language_confidence}"
            )
        if self.languages is not None:
            self.languages = check_languages(self.languages)
        if self.contamination_ngram < 1:
            raise ConfigError(
                f"config key 'filters.contamination_ngram' must be a positive number of words, "
                f"got {self.contamination_ngram}"
            )
        if self.decontaminate is not None:
            check_eval_files(self.decontaminate)


@dataclass
class DedupConfig:
    """Dedup beyond exact matches (the ``dedup:`` section; ``docs/algorithms.md`` section 8).

    The kept sample of a group is the first read, or the highest-scoring one when ``filters.score_field`` is set.

    Attributes:
        near_duplicate: drop near copies by MinHash + LSH (``near_duplicate``), after the other filters.
        jaccard: the Jaccard similarity of shingle sets from which two samples are near copies (0.7-0.9 typical).
        shingle: ``word`` (runs of ``shingle_size`` words) or ``char`` (runs of characters: any script).
        shingle_size: words (5 is usual) or characters (a dozen or so) per shingle.
        num_perm: MinHash permutations (signature length; 128 estimates Jaccard within about 0.04).
        semantic_duplicate: drop samples whose embedding is within ``1 - semantic_eps`` cosine of another in the
            same K-Means cluster (SemDeDup; ``semantic_duplicate``), after embedding, before the coreset.
        semantic_eps: in (0, 1); 0.01-0.1 for sentence embeddings.
    """

    near_duplicate: bool = False
    jaccard: float = 0.8
    shingle: Literal["word", "char"] = "word"
    shingle_size: int = 5
    num_perm: int = 128
    semantic_duplicate: bool = False
    semantic_eps: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.jaccard <= 1:
            raise ConfigError(f"config key 'dedup.jaccard' must be in (0, 1], got {self.jaccard}")
        for key in ("shingle_size", "num_perm"):
            if getattr(self, key) < 1:
                raise ConfigError(f"config key 'dedup.{key}' must be a positive integer, got {getattr(self, key)}")
        check_eps(self.semantic_eps)
