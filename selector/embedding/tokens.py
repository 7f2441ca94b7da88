"""The one token count of the project: the filters, ``selector stats``, ``select --tokens`` and ``plan`` use it.

Definition. A sample's tokens in a set of roles are the sum, over its turns of those roles, of the tokens of each
turn's text, counted without special tokens by a local tokenizer (the default encoder's, all-MiniLM-L6-v2's
WordPiece, unless a tokenizer folder is given: pass the tokenizer of the model you will train to get its counts).

- training tokens (:data:`ALL_ROLES`: system, user and assistant turns) are what a trainer runs the forward and
  backward pass over, whether or not it masks the prompt from the loss: the ``--tokens`` budget and ``plan``;
- response tokens (:data:`RESPONSE_ROLES`) are what the ``min_tokens``/``max_tokens`` rules measure;
- prompt tokens (:data:`PROMPT_ROLES`) are what ``min_prompt_tokens``/``max_prompt_tokens`` measure.

So a sample's prompt and response tokens add up to its training tokens, and ``stats`` reports the figures a token
budget spends. Turns are counted one by one: the blank lines that :attr:`Sample.prompt` and :attr:`Sample.response`
put between turns, and chat-template tokens (a few per turn, which depend on the trainer's template), are not
counted.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from selector.sample import Sample

__all__ = ["ALL_ROLES", "PROMPT_ROLES", "RESPONSE_ROLES", "count_tokens", "sample_tokens"]

ALL_ROLES: tuple[str, ...] = ("system", "user", "assistant")
PROMPT_ROLES: tuple[str, ...] = ("system", "user")
RESPONSE_ROLES: tuple[str, ...] = ("assistant",)


def count_tokens(
    samples: Sequence[Sample], tokenizer: Any, roles: Collection[str] = ALL_ROLES, batch: int = 1024
) -> np.ndarray:
    """``(n,)`` int64: each sample's tokens in ``roles`` (the module's definition), tokenised ``batch`` turns at
    a time. ``tokenizer`` is a Hugging Face tokenizer (:func:`selector.embedding.models.load_local_tokenizer`)."""
    texts: list[str] = []
    owners: list[int] = []
    for i, s in enumerate(samples):
        turns = [m.content for m in s.messages if m.role in roles]  # read once: messages may be rebuilt
        texts += turns
        owners += [i] * len(turns)
    owner = np.asarray(owners, dtype=np.int64)
    lengths = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        ids = tokenizer(chunk, add_special_tokens=False, verbose=False)["input_ids"]
        lengths[start : start + len(chunk)] = [len(x) for x in ids]
    return np.bincount(owner, weights=lengths, minlength=len(samples)).astype(np.int64)


def sample_tokens(sample: Sample, tokenizer: Any, roles: Collection[str] = ALL_ROLES) -> int:
    """One sample's tokens in ``roles``: :func:`count_tokens` of that sample alone."""
    return int(count_tokens([sample], tokenizer, roles)[0])
