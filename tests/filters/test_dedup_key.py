"""The duplicate rule's key: the same bytes as the straightforward regex normalisation, for every kind of white
space Python knows (the key decides which records ``duplicate`` drops, so a faster key must not move one)."""

from __future__ import annotations

import hashlib
import re
import sys

from selector.filters.dedup.exact import dedup_key, normalise
from selector.sample import Message, Sample

SPACE = re.compile(r"\s+")
WHITE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def reference_key(sample: Sample) -> bytes:
    """The key as first written: regex-collapsed white space, one update per piece."""
    h = hashlib.blake2b(digest_size=16)
    for m in sample.messages:
        h.update(m.role.encode())
        h.update(b"\x1f")
        h.update(SPACE.sub(" ", m.content.casefold()).strip().encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.digest()


def sample_of(prompt: str, answer: str) -> Sample:
    turns = [Message("user", prompt), Message("assistant", answer)]
    return Sample("s", "src", None, turns, {}, "alpaca", "f.jsonl", 0)


def test_every_white_space_character_folds_as_the_regex_does():
    assert len(WHITE) > 20  # the Unicode spaces, the ASCII separators \x1c-\x1f, NEL, ideographic space...
    for ch in WHITE:
        text = f"{ch}A{ch}{ch}b  c{ch}"
        assert normalise(text) == SPACE.sub(" ", text.casefold()).strip() == "a b c", repr(ch)


def test_keys_equal_the_reference_and_tell_texts_apart():
    cases = [
        ("Hello  World", "Fine\n\nthanks"),
        ("\u3000hello\u00a0world\x85", " fine thanks "),
        ("Straße", "ΣΑΣ"),
        ("", ""),
        ("bad \udcff byte", "x\x1fy\x1ez"),
    ]
    for prompt, answer in cases:
        assert dedup_key(sample_of(prompt, answer)) == reference_key(sample_of(prompt, answer))
    assert dedup_key(sample_of("Hello  World", "ok")) == dedup_key(sample_of("hello world", "OK "))
    assert dedup_key(sample_of("hello", "world")) != dedup_key(sample_of("hello world", ""))
