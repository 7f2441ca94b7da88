"""A small Alpaca JSONL pool of tiny-model texts with three sources, for tests that run ``select`` end to end."""

from __future__ import annotations

import json
from pathlib import Path


def alpaca_jsonl(path: Path, n: int, seed: int) -> Path:
    """Write ``n`` Alpaca records (seeded texts, sources ``s0``-``s2`` in turn) to ``path``; returns ``path``."""
    from tests.tiny_model import tiny_texts

    prompts, answers = tiny_texts(n, seed=seed, max_words=8), tiny_texts(n, seed=seed + 1, max_words=20)
    rows = [
        {"instruction": p, "input": "", "output": a, "source": f"s{i % 3}"}
        for i, (p, a) in enumerate(zip(prompts, answers, strict=True))
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
