"""Style rules on the assistant text: first person (``first_person``) and references to other answers
(``refers_to_other_answers``).

LIMA drops Stack Exchange answers written in the first person ("I", "my") and answers that refer to other
answers ("as mentioned", "Stack Exchange", ...). Both rules read only the prose of the answer: fenced, indented
and inline code and HTML ``<pre>``/``<code>`` are ignored (:mod:`selector.filters.markup`), and so, by default,
is quoted text (double quotes, single-quoted strings, curly and corner quotes), which is someone else's voice or
a string literal in unfenced code. The matching rules of the word lists are in :mod:`selector.filters.wordlists`.

Each rule compiles all its terms into one regular expression (one alternation per rule, not one search per
word); ``benchmarks/bench_filters.py`` compares it with the per-word loop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from selector.filters.base import Filter, rule
from selector.filters.markup import prose
from selector.filters.wordlists import flatten_terms
from selector.sample import Sample

__all__ = ["FirstPersonFilter", "ReferenceFilter", "TermMatcher", "compile_terms"]

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A latin term never counts when glued to code-like context: ``$my``, ``self.my``, ``/me/``, ``my-app``,
# ``I/O``, ``me@host``, ``my.attr``, ``I(x)``, ``I = 5``, ``I += 1``, ``I[0]``.
_BEFORE = r"(?<![\w.$@#/\\])(?<!\w-)"
_AFTER = r"(?![\w/@(])(?!-\w)(?!\.\w)(?!\s*(?:[-+*/%<>!]?=|\[))"
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|「[^」\n]*」|『[^』\n]*』|(?<![\w'])'[^'\n]*'(?![\w'])")


def _term_regex(term: str) -> str:
    """The regex of one term on its own (the naive per-word baseline of ``benchmarks/bench_filters.py``)."""
    if _CJK.search(term):
        return re.escape(term)
    return _BEFORE + _latin_body(term) + _AFTER


def _latin_body(term: str) -> str:
    body = r"\s+".join(re.escape(w) for w in term.split())
    return f"(?i:{body})" if term == term.lower() else body


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of ``terms`` under the rules of :mod:`selector.filters.wordlists`.

    Longer terms come first so that the longest match wins; ``None`` when there are no terms. The code-context
    guards are factored out of the alternation and a look-ahead on the possible first letters lets the regex
    engine skip most positions at once (about 20x faster than guarding each alternative).
    """
    unique = sorted({t.strip() for t in terms if t.strip()}, key=lambda t: (-len(t), t))
    if not unique:
        return None
    cjk = [t for t in unique if _CJK.search(t)]
    latin = [t for t in unique if not _CJK.search(t)]
    parts = []
    if latin:
        first = {c for t in latin for c in ({t[0], t[0].upper()} if t == t.lower() else {t[0]})}
        head = "".join(re.escape(c) for c in sorted(first))
        parts.append(f"(?=[{head}])" + _BEFORE + "(?:" + "|".join(_latin_body(t) for t in latin) + ")" + _AFTER)
    if cjk:
        parts.append("|".join(re.escape(t) for t in cjk))
    return re.compile("|".join(parts))


class TermMatcher:
    """Finds the first listed term in the prose of a text, after masking exclusions (and quotes)."""

    def __init__(
        self,
        terms: Mapping[str, Iterable[str]],
        exclude: Mapping[str, Iterable[str]] | None = None,
        *,
        ignore_quoted: bool = True,
        key: str = "terms",
    ) -> None:
        self.pattern = compile_terms(flatten_terms(terms, key))
        self.exclude = compile_terms(flatten_terms(exclude or {}, key + "_exclude"))
        self.ignore_quoted = ignore_quoted

    def visible(self, text: str) -> str:
        """The part of ``text`` the rule reads: prose, with quotes and exclusions blanked."""
        text = prose(text)
        if self.ignore_quoted and ("'" in text or '"' in text or "“" in text or "「" in text or "『" in text):
            text = _QUOTED.sub(" ", text)
        if self.exclude is not None:
            text = self.exclude.sub(" ", text)
        return text

    def search(self, text: str) -> str | None:
        """The first matching term as it appears in ``text``, or ``None``."""
        if self.pattern is None or not text:
            return None
        m = self.pattern.search(self.visible(text))
        return m.group(0) if m else None


class _TermFilter(Filter):
    def __init__(self, matcher: TermMatcher) -> None:
        self.matcher = matcher

    def check(self, sample: Sample) -> str | None:
        hit = self.matcher.search(sample.response)
        if hit is None:
            return None
        if sample.meta is None:
            sample.meta = {}
        sample.meta.setdefault("filter_match", hit)
        return self.reasons[0]


@rule("first_person", order=50, text="The answer's prose speaks in the first person (I, my, me), which LIMA removed.")
class FirstPersonFilter(_TermFilter):
    """Drops answers written in the first person singular (``first_person``)."""

    @classmethod
    def from_config(cls, config: Any) -> Filter | None:
        if not config.first_person:
            return None
        return cls(config.first_person_words, config.first_person_exclude, ignore_quoted=config.ignore_quoted)

    def __init__(
        self,
        words: Mapping[str, Iterable[str]],
        exclude: Mapping[str, Iterable[str]] | None = None,
        *,
        ignore_quoted: bool = True,
    ) -> None:
        super().__init__(TermMatcher(words, exclude, ignore_quoted=ignore_quoted, key="filters.first_person_words"))


@rule(
    "refers_to_other_answers",
    order=60,
    text="The answer refers to other answers ('as mentioned above', 'the other answer').",
)
class ReferenceFilter(_TermFilter):
    """Drops answers that refer to other answers or to the forum they came from (``refers_to_other_answers``)."""

    @classmethod
    def from_config(cls, config: Any) -> Filter | None:
        if not config.refers_to_other_answers:
            return None
        return cls(config.reference_phrases, ignore_quoted=config.ignore_quoted)

    def __init__(self, phrases: Mapping[str, Iterable[str]], *, ignore_quoted: bool = True) -> None:
        super().__init__(TermMatcher(phrases, None, ignore_quoted=ignore_quoted, key="filters.reference_phrases"))
