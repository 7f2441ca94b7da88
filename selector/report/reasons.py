"""One line per drop reason, in the order the rules run, as ``report.html`` explains each rule next to its examples.

The codes are :data:`selector.filters.REASONS`; the rules behind them are described in ``docs/algorithms.md``
(sections 1 and 8). A code without a line here is shown with its code alone.
"""

from __future__ import annotations

REASON_TEXT: dict[str, str] = {
    "empty": "The prompt or the answer is blank.",
    "too_short": "The response is shorter than filters.min_chars (or min_tokens): LIMA kept answers of 1,200+ "
    "characters.",
    "too_long": "The response is longer than filters.max_chars (or max_tokens).",
    "low_score": "The record's score field is below filters.min_score (LIMA kept Stack Exchange answers scored 10+).",
    "first_person": "The answer's prose speaks in the first person (I, my, me), which LIMA removed.",
    "refers_to_other_answers": "The answer refers to other answers ('as mentioned above', 'the other answer').",
    "prompt_too_short": "The prompt has fewer tokens than filters.min_prompt_tokens.",
    "prompt_too_long": "The prompt has more tokens than filters.max_prompt_tokens.",
    "language": "The text is detected (langdetect, seeded) in a language outside filters.languages.",
    "contaminated": "The record shares a word n-gram (13 by default) with an evaluation record of --decontaminate.",
    "duplicate": "The same text as an earlier record after folding case and white space; the first one read is kept.",
    "near_duplicate": "Near duplicate of a kept record: MinHash + LSH estimate a word-shingle Jaccard similarity at "
    "or above dedup.jaccard.",
    "semantic_duplicate": "Semantic duplicate (SemDeDup): cosine similarity of the embeddings within one K-Means "
    "cluster above 1 - dedup.semantic_eps.",
}


def explain(reason: str) -> str:
    """The one-line explanation of drop ``reason`` (empty when the code is not known)."""
    return REASON_TEXT.get(reason, "")


def reason_order(reason: str) -> int:
    """Where ``reason``'s rule runs among the built-in rules (:data:`REASON_TEXT` follows their order)."""
    order = list(REASON_TEXT)
    return order.index(reason) if reason in order else len(order)
