"""The model side of the fine-tuned proxy (:mod:`selector.measures.finetune`): a BERT-family encoder split into a
frozen bottom (embeddings and the lower layers, run once per text and cached) and a trainable top (the upper
``train_layers`` layers and a linear classification head), fitted afresh from the pretrained weights for every
(selection, task).

Why the cache: with the bottom frozen, its output for a text never changes, so each text goes through it once;
every fit then runs only the top layers. That is what makes hundreds of fits affordable on two CPU cores.

The top layers are called as the encoder calls them, ``layer(hidden, mask)``, with the additive attention mask
``(b, 1, 1, t)`` (0 on real tokens, the dtype's minimum on padding) under ``eager`` attention;
``tests/measures/test_finetune.py`` checks that the cached path gives the model's own ``last_hidden_state``.
Dropout is off (the model stays in ``eval`` mode while its top trains): with a dozen steps it only adds noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from selector.errors import SelectorError


@dataclass
class Cached:
    """The frozen bottom's output for some texts: ``hidden`` ``(n, t, h)`` float32 (padded to the longest text)
    and ``mask`` ``(n, t)`` int64 of 0/1, on the model's device."""

    hidden: torch.Tensor
    mask: torch.Tensor

    def take(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows ``rows`` of the cache, trimmed to their longest text."""
        idx = torch.as_tensor(rows, dtype=torch.long, device=self.hidden.device)
        mask = self.mask[idx]
        width = max(1, int(mask.sum(dim=1).max()))
        return self.hidden[idx, :width], mask[:, :width]


class SplitEncoder:
    """A pretrained encoder with its bottom frozen and cached and its top trainable; see the module docstring.

    ``path``: a local ``transformers`` folder of a BERT-family model (``embeddings`` and ``encoder.layer``).
    ``train_layers``: how many of the upper layers train (``None``: all). ``max_length``: tokens kept per text,
    from the end (``truncation_side="left"``: prompt templates put the question and the options last).
    """

    def __init__(self, path: str | Path, *, train_layers: int | None, max_length: int, device: str = "cpu") -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.tokenizer.truncation_side = "left"
        model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")
        if not hasattr(model, "embeddings") or not hasattr(getattr(model, "encoder", None), "layer"):
            raise SelectorError(
                f"model {path}: the fine-tuned proxy needs a BERT-family encoder (embeddings and encoder.layer); "
                "use the default encoder (encoder.model unset) or leave the finetune proxy out (proxies=)"
            )
        self.model = model.to(device).eval()
        self.device = device
        self.max_length = max_length
        layers = self.model.encoder.layer
        k = len(layers) if train_layers is None else max(1, min(int(train_layers), len(layers)))
        self.bottom = list(layers[: len(layers) - k])
        self.top = nn.ModuleList(layers[len(layers) - k :])
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.initial = {name: t.detach().clone() for name, t in self.top.state_dict().items()}
        self.hidden_size = int(self.model.config.hidden_size)

    def _mask4(self, mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def run(self, layers: Sequence[nn.Module], hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``hidden`` through ``layers`` under ``mask``."""
        m4 = self._mask4(mask, hidden.dtype)
        for layer in layers:
            out = layer(hidden, m4)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    def cache(self, texts: Sequence[str], batch_size: int = 64) -> Cached:
        """Every text through the embeddings and the frozen layers, once (``inference_mode``)."""
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length, padding=True,
                             return_tensors="pt")  # fmt: skip
        ids, mask = enc["input_ids"].to(self.device), enc["attention_mask"].to(self.device)
        if ids.shape[0] == 0:
            return Cached(torch.zeros((0, 1, self.hidden_size), device=self.device), mask.reshape(0, 1))
        parts = []
        with torch.inference_mode():
            for s in range(0, ids.shape[0], batch_size):
                types = torch.zeros_like(ids[s : s + batch_size])
                h = self.model.embeddings(input_ids=ids[s : s + batch_size], token_type_ids=types)
                parts.append(self.run(self.bottom, h, mask[s : s + batch_size]).float())
        return Cached(torch.cat(parts).clone(), mask.clone())

    def fit_predict(self, train: Cached, y: np.ndarray, test: Cached, n_classes: int, *, steps: int,
                    batch_size: int, lr: float, head_lr: float, seed: Any) -> np.ndarray:  # fmt: skip
        """Fit the top (restored to the pretrained weights) and a fresh head on ``train`` with labels ``y``
        (``(n,)`` ints in ``[0, n_classes)``) for ``steps`` AdamW steps of ``batch_size`` rows (an epoch-wise
        seeded shuffle), then predict ``test``: ``(m,)`` int64 class indices."""
        self.top.load_state_dict(self.initial)
        gen = torch.Generator().manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))
        head = nn.Linear(self.hidden_size, n_classes)
        with torch.no_grad():
            head.weight.copy_(torch.randn(head.weight.shape, generator=gen) * 0.02)
            head.bias.zero_()
        head = head.to(self.device)
        params = list(self.top.parameters())
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.AdamW([{"params": params, "lr": lr}, {"params": head.parameters(), "lr": head_lr}],
                                weight_decay=0.0)  # fmt: skip
        labels = torch.as_tensor(y, dtype=torch.long, device=self.device)
        for batch in _batches(len(y), steps, batch_size, gen):
            hidden, mask = train.take(batch)
            logits = head(_mean_pool(self.run(self.top, hidden, mask), mask))
            loss = nn.functional.cross_entropy(logits, labels[torch.as_tensor(batch, device=self.device)])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        for p in params:
            p.requires_grad_(False)
        return self._predict(head, test)

    def _predict(self, head: nn.Module, test: Cached, batch_size: int = 64) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for s in range(0, test.hidden.shape[0], batch_size):
                hidden, mask = test.take(np.arange(s, min(s + batch_size, test.hidden.shape[0])))
                out.append(head(_mean_pool(self.run(self.top, hidden, mask), mask)).argmax(dim=1).cpu())
        return torch.cat(out).numpy().astype(np.int64) if out else np.zeros(0, dtype=np.int64)


def _mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Masked mean over real tokens, the count clamped at 1e-9 (as the encoder pools)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)


def _batches(n: int, steps: int, batch_size: int, gen: torch.Generator) -> list[np.ndarray]:
    """``steps`` batches of ``min(batch_size, n)`` row indices: a seeded permutation per epoch, cut in order."""
    size = min(batch_size, n)
    order: list[int] = []
    out = []
    for _ in range(steps):
        while len(order) < size:
            order.extend(torch.randperm(n, generator=gen).tolist())
        out.append(np.asarray(order[:size], dtype=np.int64))
        order = order[size:]
    return out
