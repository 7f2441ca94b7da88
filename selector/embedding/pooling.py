"""Pool token states into one unit vector per text.

``mean`` (the default, as in the 0.5% paper and sentence-transformers): the average of ``last_hidden_state`` over
real tokens (attention mask 1), the count clamped at 1e-9 so an all-padding row gives zeros instead of NaN.
``cls``: the first token's state. Both are L2-normalised in float32 afterwards (:func:`normalize`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from selector.errors import ConfigError


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Masked mean of ``hidden`` (b, L, d) over ``mask`` (b, L) of 0/1, computed in float32: (b, d)."""
    m = mask.unsqueeze(-1).to(torch.float32)
    summed = (hidden.to(torch.float32) * m).sum(dim=1)
    return summed / m.sum(dim=1).clamp(min=1e-9)


def cls_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The first token's state (b, d) in float32; ``mask`` is accepted for a uniform signature."""
    return hidden[:, 0].to(torch.float32)


POOLINGS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {"mean": mean_pool, "cls": cls_pool}


def check_pooling(name: str) -> str:
    """Return ``name`` if it names a pooling, else raise a :class:`ConfigError` listing them."""
    if name not in POOLINGS:
        raise ConfigError(f"unknown pooling {name!r}; choose one of: {', '.join(sorted(POOLINGS))}")
    return name


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Rows of ``x`` scaled to unit L2 norm in float32 (zero rows stay zero)."""
    return F.normalize(x.to(torch.float32), p=2.0, dim=-1)


def pool(hidden: torch.Tensor, mask: torch.Tensor, pooling: str = "mean") -> torch.Tensor:
    """Pool with the named method and normalise: (b, L, d) states and (b, L) mask -> (b, d) float32 unit rows."""
    return normalize(POOLINGS[check_pooling(pooling)](hidden, mask))
