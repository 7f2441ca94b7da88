"""Default word lists of the style rules, per language (English from LIMA, and Chinese).

Matching rules (see :mod:`selector.filters.style`):

* a term written with Chinese, Japanese or Korean characters matches as a substring (these scripts have no
  spaces between words);
* any other term matches as a whole word, and only outside code-like context (``my_list``, ``my.attr``,
  ``I = 5``, ``I/O``, ``my-app``, ``me@host`` never count); spaces inside a term match any run of white space;
* a term with an upper-case letter matches case-sensitively (``I`` never matches the loop variable ``i``, ``OP``
  never matches ``op``); an all-lower-case term matches in any case (``my`` matches ``My`` and ``MY``);
* exclusions are masked out before matching: the roman numeral in ``World War I`` or ``Type I error`` is not a
  pronoun, and ``我们`` (we), ``我国`` (our country), ``我方`` (our side) and ``自我`` (self-, as in 自我介绍) are
  not the first person singular.

Decisions: the first-person rule is LIMA's first person *singular* ("I", "my"); "we"/"our"/``我们`` are left
alone because explanatory answers use them all the time ("we can use a loop"). ``IMO``/``IMHO`` are not in the
list (they are separate words, and whole-word matching keeps them from matching ``I``); add them to
``first_person_words.en`` to drop them too. Monarchs' numerals ("Elizabeth I") are not excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from selector.errors import ConfigError

FIRST_PERSON: dict[str, list[str]] = {
    "en": ["I", "me", "my", "mine", "myself"],
    "zh": ["我", "本人"],
}

FIRST_PERSON_EXCLUDE: dict[str, list[str]] = {
    "en": [
        "World War I",
        "Type I",
        "Phase I",
        "Part I",
        "Chapter I",
        "Act I",
        "Book I",
        "Volume I",
        "Class I",
        "Stage I",
        "Level I",
        "Section I",
        "Article I",
        "Title I",
        "Schedule I",
        "Appendix I",
    ],
    "zh": ["我们", "我國", "我国", "我方", "自我"],
}

REFERENCES: dict[str, list[str]] = {
    "en": [
        "as mentioned",
        "as others have",
        "as other answers",
        "other answer",
        "other answers",
        "another answer",
        "previous answer",
        "previous answers",
        "above answer",
        "answer above",
        "answers above",
        "accepted answer",
        "top answer",
        "stack exchange",
        "stackexchange",
        "stack overflow",
        "stackoverflow",
        "this thread",
        "the OP",
        "The OP",
        "OP's",
        "upvote",
        "upvoted",
        "downvote",
        "downvoted",
    ],
    "zh": [
        "如前所述",
        "如上所述",
        "正如前面提到",
        "其他回答",
        "其他答案",
        "别的回答",
        "另一个回答",
        "上面的回答",
        "楼上",
        "楼主",
    ],
}


def copy_lists(lists: dict[str, list[str]]) -> dict[str, list[str]]:
    """A deep copy, so that a config never shares (and mutates) the defaults."""
    return {lang: list(terms) for lang, terms in lists.items()}


def flatten_terms(lists: Mapping[str, Iterable[str]], key: str) -> list[str]:
    """All terms of per-language ``lists``, checked: each language's value must be a list of strings.

    ``key`` is the config key the lists came from (``filters.first_person_words``), named in the error.
    """
    out: list[str] = []
    for lang, terms in lists.items():
        if isinstance(terms, str) or not isinstance(terms, (list, tuple)) or not all(isinstance(t, str) for t in terms):
            raise ConfigError(f"config key '{key}.{lang}' must be a list of strings, got {terms!r}")
        out.extend(terms)
    return out
