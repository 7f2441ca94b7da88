from __future__ import annotations

import pytest

from selector.errors import ConfigError, InputError
from selector.filters import REASONS, FilterConfig, apply_filters
from selector.filters.style import TermMatcher
from selector.filters.wordlists import FIRST_PERSON, FIRST_PERSON_EXCLUDE, REFERENCES
from selector.sample import Message, Sample


def make(answer: str | None, prompt: str = "Explain it.", source: str = "s", record=None, i: int = 0) -> Sample:
    messages = [Message("user", prompt)]
    if answer is not None:
        messages.append(Message("assistant", answer))
    rec = record if record is not None else {"instruction": prompt, "output": answer}
    return Sample(f"f:{i}", source, None, messages, rec, "alpaca", "f.json", i, line=i + 2)


def reasons(answers, **cfg) -> list[str | None]:
    samples = [make(a, i=i) for i, a in enumerate(answers)]
    result = apply_filters(samples, FilterConfig(**cfg), progress=False)
    dropped = {s.id: r for s, r in result.rejected}
    return [dropped.get(s.id) for s in samples]


OFF = {"empty": False, "max_chars": None, "duplicate": False}


def test_empty():
    assert reasons(["", "  \n", "ok"]) == ["empty", "empty", None]
    result = apply_filters([make("answer", prompt="  ")], FilterConfig(), progress=False)
    assert result.rejected[0][1] == "empty"
    # a prompts-only sample (no assistant turn) is not empty, and is not length-checked
    assert reasons([None], min_chars=1200) == [None]


def test_length_bounds_are_inclusive_and_switchable():
    answers = ["x" * 1199, "x" * 1200, "x" * 4096, "x" * 4097]
    assert reasons(answers, min_chars=1200, max_chars=4096) == ["too_short", None, None, "too_long"]
    assert reasons(answers, min_chars=None, max_chars=None) == [None] * 4
    with pytest.raises(ConfigError, match="min_chars"):
        FilterConfig(min_chars=10, max_chars=5)


def test_token_length_uses_the_default_tokenizer():
    # all-MiniLM-L6-v2's WordPiece: "hello world" is 2 tokens
    assert reasons(["hello world", "hello " * 50], **OFF, min_tokens=3, max_tokens=40) == ["too_short", "too_long"]


FIRST_PERSON_DROPS = [
    "I think the answer is 42.",
    "In my experience, this works.",
    "Let me explain.",
    "That book is mine.",
    "I'm sure it compiles.",
    "I’ve seen this before.",
    "MY ADVICE: restart.",
    "Code:\n```\nx = 1\n```\nI hope this helps.",
    "作为一个AI语言模型，我无法回答。",
    "这是我的看法。",
    "本人认为如此。",
]
FIRST_PERSON_STAYS = [
    "Use `my_list.append(x)` to add.",
    "```python\nI = 5\nmy_list = [I]\n```",
    "Set it:\n\n    I = 5\n    print(me)\n\nDone.",
    "my_list = [1, 2]",
    "I = 5",
    "Call I(x) or read I[0] or self.my.value.",
    "IMO this is fine.",
    "IMHO the second option.",
    "Myanmar is in Asia; Meiji era; mineral water.",
    "The iPhone and iOS.",
    "World War I ended in 1918.",
    "Type I errors are false positives.",
    "Disk I/O is slow.",
    "Install my-package from me@example.com.",
    'He said "I am here" and left.',
    "print('I am a GPT model')",
    "for i in range(3): pass",
    "<pre><code>I = 5</code></pre>",
    "我们可以使用循环。",
    "自我介绍很重要。",
    "我国的经济发展很快。",
    "We can use a loop; our result is correct.",
]


@pytest.mark.parametrize("text", FIRST_PERSON_DROPS)
def test_first_person_drops(text):
    assert reasons([text], **OFF, first_person=True) == ["first_person"]


@pytest.mark.parametrize("text", FIRST_PERSON_STAYS)
def test_first_person_near_misses_stay(text):
    assert reasons([text], **OFF, first_person=True) == [None]


def test_first_person_word_lists_are_configurable():
    words = {"en": ["I", "IMO"], "zh": []}
    assert reasons(["IMO this is fine.", "我认为"], **OFF, first_person=True, first_person_words=words) == [
        "first_person",
        None,
    ]
    assert reasons(['He said "I am".'], **OFF, first_person=True, ignore_quoted=False) == ["first_person"]
    with pytest.raises(ConfigError, match=r"first_person_words\.en"):
        FilterConfig(first_person_words={"en": "I"})


def test_roman_numeral_is_excluded_only_as_listed():
    m = TermMatcher(FIRST_PERSON, FIRST_PERSON_EXCLUDE)
    assert m.search("World War I was long.") is None
    assert m.search("World War I was long, I think.") == "I"


@pytest.mark.parametrize(
    "text",
    [
        "As mentioned above, use a loop.",
        "This was asked on Stack Exchange before.",
        "Other answers miss the point.",
        "See the accepted answer.",
        "As the OP says, it fails.",
        "如上所述，这是正确的。",
        "其他回答都不对。",
    ],
)
def test_refers_to_other_answers_drops(text):
    assert reasons([text], **OFF, refers_to_other_answers=True) == ["refers_to_other_answers"]


@pytest.mark.parametrize(
    "text",
    [
        "Use `stack_exchange.api()`.",
        "```\n# as mentioned in the spec\n```",
        "The op code 0x90 is NOP.",
        "An answer is a response.",
        "Use a stack. Exchange the two values.",
    ],
)
def test_refers_to_other_answers_stays(text):
    assert reasons([text], **OFF, refers_to_other_answers=True) == [None]


def test_low_score_reads_the_record_and_keeps_unscored_records():
    samples = [make(f"a{i}", record={"score": s}, i=i) for i, s in enumerate([3, 10, "12", 9.5])]
    result = apply_filters(samples, FilterConfig(score_field="score", min_score=10), progress=False)
    assert [(s.id, r) for s, r in result.rejected] == [("f:0", "low_score"), ("f:3", "low_score")]
    nested = [make("a", record={"meta": {"votes": 20}})]
    assert apply_filters(nested, FilterConfig(score_field="meta.votes", min_score=10), progress=False).kept
    # the score rule needs both keys: min_score alone (as in the lima config) is off
    assert apply_filters(samples, FilterConfig(min_score=10), progress=False).rejected == []
    # issue 12: a record without the field is kept, and the summary counts it
    unscored = apply_filters([make("a", record={})], FilterConfig(score_field="score", min_score=10), progress=False)
    assert len(unscored.kept) == 1
    rule = next(r for r in unscored.stats["rules"] if r["name"] == "low_score")
    assert rule["notes"] == {"no 'score' field (kept)": 1}
    with pytest.raises(InputError, match="not a number"):
        apply_filters([make("a", record={"score": "high"})], FilterConfig(score_field="score", min_score=1))


def test_duplicates_normalise_case_and_space_and_keep_the_first():
    answers = ["Hello  World", "hello world", "hello world!", "HELLO\nWORLD"]
    assert reasons(answers) == [None, "duplicate", None, "duplicate"]
    # same answer to another prompt is not a duplicate
    pair = [make("same", prompt="a"), make("same", prompt="b", i=1)]
    assert len(apply_filters(pair, FilterConfig(), progress=False).kept) == 2


def test_an_exact_duplicate_names_the_sample_it_duplicates():
    samples = [make("Hello world", i=0), make("other answer", i=1), make("hello  WORLD", i=2)]
    result = apply_filters(samples, FilterConfig(), progress=False)
    assert [(s.id, r) for s, r in result.rejected] == [("f:2", "duplicate")]
    assert result.details["f:2"] == {"duplicate_of": "f:0", "similarity": 1.0}


def test_a_duplicate_of_a_dropped_sample_can_be_kept():
    samples = [make("same", record={"score": 1}), make("same", record={"score": 50}, i=1)]
    result = apply_filters(samples, FilterConfig(score_field="score", min_score=10), progress=False)
    assert [s.id for s in result.kept] == ["f:1"]
    assert [r for _, r in result.rejected] == ["low_score"]


def test_one_reason_per_sample_first_rule_wins_and_counts_add_up():
    samples = [
        make("", source="a"),
        make("I " + "x" * 10, source="a", i=1),  # too_short wins over first_person
        make("I wrote " + "x" * 30, source="b", i=2),
        make("As mentioned, " + "y" * 30, source="b", i=3),
        make("As mentioned, " + "y" * 30, source="b", i=4),  # dropped, not a duplicate of a kept one
        make("fine " + "z" * 30, source="b", i=5),
        make("FINE " + "z" * 30, source="a", i=6),
    ]
    cfg = FilterConfig(min_chars=20, first_person=True, refers_to_other_answers=True)
    result = apply_filters(samples, cfg, progress=False)
    assert [r for _, r in result.rejected] == [
        "empty",
        "too_short",
        "first_person",
        "refers_to_other_answers",
        "refers_to_other_answers",
        "duplicate",
    ]
    st = result.stats
    assert st["input"] == 7 and st["kept"] == 1 and st["rejected"] == 6
    off = ("low_score", "prompt_too_short", "prompt_too_long", "language", "contaminated")
    assert list(st["by_reason"]) == [r for r in REASONS if r not in off and not r.endswith("_duplicate")]
    assert sum(st["by_reason"].values()) == st["rejected"]
    assert st["by_source"]["a"] == {
        "input": 3,
        "kept": 0,
        "rejected": 3,
        "by_reason": {**dict.fromkeys(st["by_reason"], 0), "empty": 1, "too_short": 1, "duplicate": 1},
    }
    for src in st["by_source"].values():
        assert src["input"] == src["kept"] + sum(src["by_reason"].values())


def test_default_config_is_gentle():
    cfg = FilterConfig()
    assert (cfg.empty, cfg.duplicate, cfg.first_person, cfg.refers_to_other_answers) == (True, True, False, False)
    assert reasons(["I think so.", "x" * 5000]) == [None, None]


def test_default_lists_cover_english_and_chinese():
    assert set(FIRST_PERSON) == set(REFERENCES) == {"en", "zh"}
