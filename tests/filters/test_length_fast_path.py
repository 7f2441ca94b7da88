"""The one-pass checks of the per-record hot path say what their definitions say: ``response_chars`` is
``len(sample.response)`` and ``empty`` fires exactly when the prompt, or every answer, is blank under ``strip()``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selector.filters.length import EmptyFilter, LengthFilter, response_chars
from selector.sample import Message, Sample

TEXTS = st.text(alphabet=st.sampled_from([" ", "\n", "\x1f", "\xa0", "\u3000", "a", "字"]), max_size=4)
TURNS = st.lists(st.tuples(st.sampled_from(["system", "user", "assistant"]), TEXTS), max_size=5)


def _sample(turns: list[tuple[str, str]]) -> Sample:
    return Sample("f#0", "s", None, [Message(r, t) for r, t in turns], {}, "chat", "f.jsonl", 0)


@given(TURNS)
def test_the_fast_checks_agree_with_their_definitions(turns):
    sample = _sample(turns)
    answers = [m.content for m in sample.messages if m.role == "assistant"]
    assert response_chars(sample) == (len(sample.response) if answers else None)
    prompt_blank = not any(m.content.strip() for m in sample.messages if m.role == "user")
    expected = "empty" if prompt_blank or (answers and not any(a.strip() for a in answers)) else None
    assert EmptyFilter().check(sample) == expected
    n = len(sample.response)
    assert LengthFilter(2, 3).check(sample) == (
        None if not answers else "too_short" if n < 2 else "too_long" if n > 3 else None
    )
