"""The Python API: the same run as `selector select`, plus the stages one by one.

python examples/api.py
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

import selector
from selector.config import load_run_config
from selector.embedding.templates import render
from selector.filters import apply_filters
from selector.io import read_corpus
from selector.selection.allocation import temperature_quotas
from selector.selection.clustering import kmeans
from selector.selection.coreset import kcenter_greedy

DEMO = Path(__file__).resolve().parent / "data" / "demo.jsonl"

# 1. One call: read, filter, embed, cluster, pick. `result.records` are the records as the input holds them.
result = selector.select([DEMO], budget=20, source_field="source", progress=False)
print("picked", len(result.records), "records; per source:", dict(Counter(s.source for s in result.samples)))
print("coverage radius", result.manifest["coverage"]["selection"]["radius"],
      "vs random", result.manifest["coverage"]["random"]["radius"])  # fmt: skip

# 2. Stage by stage, with the same building blocks.
corpus = read_corpus([DEMO], source_field="source")
config = load_run_config(None)  # the defaults of the default config
kept = apply_filters(corpus.samples, config.filters, progress=False).kept
X = selector.encode([render(s) for s in kept], progress=False)  # (n, 384) float32, unit rows
km = kmeans(X, seed=0)
sizes = Counter(s.source for s in kept)
quotas = temperature_quotas(dict(sorted(sizes.items())), 20, tau=3.0)
names = sorted(quotas)
groups = np.array([names.index(s.source) for s in kept])
picked = kcenter_greedy(X, 20, groups=groups, quotas=[quotas[n] for n in names], clusters=km.labels, progress=False)
print("stage by stage:", [kept[i].id for i in picked.indices[:5]], "...; radius", round(float(picked.radii[-1]), 4))
