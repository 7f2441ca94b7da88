"""A tiny random-weight BERT, built offline, for tests that need a real model folder fast.

``build_tiny_bert(path)`` writes a complete ``transformers`` model folder (config, safetensors weights, fast
tokenizer) to ``path`` and returns it; load it back with ``selector.Encoder(model=path)`` to exercise the real
loading path. The weights are random but seeded, so the same call always writes the same model.
"""

from __future__ import annotations

import string
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    "the", "a", "an", "is", "of", "and", "to", "in", "write", "explain", "give", "list", "what", "how", "why",
    "code", "python", "function", "answer", "question", "data", "model", "sample", "text", "number", "story",
]  # fmt: skip


def tiny_vocab() -> list[str]:
    """Special tokens, single characters (and their ``##`` continuations), and a few whole words."""
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    return SPECIAL + chars + [f"##{c}" for c in chars] + WORDS


def build_tiny_bert(path: str | Path, *, seed: int = 0, max_position_embeddings: int = 128) -> Path:
    """Write a 2-layer, 32-wide random BERT with its fast tokenizer to ``path``; return the folder."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    vocab = tiny_vocab()
    # transformers 5 builds the fast tokenizer from a ``vocab`` mapping (a ``vocab_file`` alone leaves it with only
    # the special tokens, so every word would be [UNK]).
    tokenizer = BertTokenizerFast(vocab={tok: i for i, tok in enumerate(vocab)}, do_lower_case=True)
    tokenizer.model_max_length = max_position_embeddings
    tokenizer.save_pretrained(path)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
    )
    torch.manual_seed(seed)
    BertModel(config).eval().save_pretrained(path, safe_serialization=True)
    return path


def tiny_texts(n: int, *, seed: int = 0, max_words: int = 40) -> list[str]:
    """``n`` distinct texts of 1 to ``max_words`` words from the tiny vocabulary (varied lengths), seeded."""
    import numpy as np

    rng = np.random.default_rng(seed)
    words = WORDS + list(string.ascii_lowercase)
    out = []
    for i in range(n):
        k = int(rng.integers(1, max_words + 1))
        out.append(f"{i} " + " ".join(words[j] for j in rng.integers(0, len(words), size=k)))
    return out


if __name__ == "__main__":  # pragma: no cover - handy for manual checks
    import sys

    print(build_tiny_bert(sys.argv[1] if len(sys.argv) > 1 else "tiny-bert"))
