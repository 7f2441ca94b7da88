"""The duplicate pairs a run shows: per dedup rule, how many were dropped and the first few pairs (dropped and
kept record, similarity, text snippets), for the manifest and both reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from selector.sample import Sample

DEDUP_REASONS = ("duplicate", "near_duplicate", "semantic_duplicate")


#: Example pairs shown per dedup rule, and characters of each text.
DEDUP_EXAMPLES, SNIPPET = 3, 160


def _snippet(sample: Sample) -> str:
    text = " ".join(m.content for m in sample.messages).split()
    joined = " ".join(text)
    return joined if len(joined) <= SNIPPET else joined[: SNIPPET - 3] + "..."


def dedup_examples(
    rejected: Sequence[tuple[Sample, str]], details: Mapping[str, Mapping[str, Any]], samples: Sequence[Sample]
) -> dict[str, Any]:
    """Per dedup rule: how many were dropped, and the first :data:`DEDUP_EXAMPLES` pairs (dropped and kept id,
    similarity, text snippets) for the report's panel and the manifest."""
    by_id = {s.id: s for s in samples}
    out: dict[str, Any] = {}
    for reason in DEDUP_REASONS:
        rows = [(s, details.get(s.id, {})) for s, r in rejected if r == reason]
        if not rows:
            continue
        examples = []
        for s, d in rows:
            kept = by_id.get(d.get("duplicate_of", ""))
            if kept is None:
                continue
            examples.append(
                {
                    "id": s.id,
                    "duplicate_of": kept.id,
                    "similarity": d.get("similarity"),
                    "text": _snippet(s),
                    "kept_text": _snippet(kept),
                }
            )
            if len(examples) == DEDUP_EXAMPLES:
                break
        out[reason] = {"dropped": len(rows), "examples": examples}
    return out
