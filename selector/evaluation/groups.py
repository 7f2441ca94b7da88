"""Which records are one example: the group key of the example-level split (``docs/quality.md``).

Sibling templates of one dataset render the same examples row by row (P3, FLAN, Natural Instructions variants): a
split made per record or per template puts an example in the pool under one template and in the test set under
another, and a nearest-neighbour proxy then "answers" it by copying. The split therefore holds out whole *groups*:

- ``group_field="KEY"``: the record's ``KEY`` value (records with equal values are one example);
- ``group_field="@row"``: the row index within the source dataset: ``<dataset>:<line>``, where the dataset is the
  file stem's dataset prefix (:func:`dataset_prefixes`) and the line the record's line in its file. For P3 template
  files (``<dataset>_<template>.jsonl``, rows aligned across sibling templates: 95% of adjacent siblings' rows of
  the same index share a six-word run on the shared P3 pool) this is the example;
- ``None``: detected. ``@row`` when two or more input files share a dataset prefix (P3-style template files),
  else every record is its own group.

The dataset prefix of a stem is its shortest prefix of ``_``-separated words that another stem also starts with
(``ag_news_classify`` beside ``ag_news_recommend``: ``ag``), or the stem itself. A prefix shared by two datasets
(``wiki`` for ``wiki_bio`` and ``wiki_qa``) only merges their row groups: coarser groups hold out more together,
which can never leak. ``datasets`` (known names, longest match first) replaces the detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from selector.errors import SelectorError
from selector.measures.proxies import normalise_answer

ROW = "@row"


def dataset_prefixes(stems: Sequence[str], datasets: Sequence[str] | None = None) -> dict[str, str]:
    """Stem -> its dataset: the longest name of ``datasets`` it starts with, else the shortest word prefix that
    another stem starts with (see the module docstring), else the stem."""
    names = sorted(set(stems))
    out = {}
    for stem in names:
        known = [d for d in datasets or () if stem == d or stem.startswith(d + "_")]
        if known:
            out[stem] = max(known, key=len)
            continue
        words = stem.split("_")
        out[stem] = stem
        for k in range(1, len(words)):
            p = "_".join(words[:k])
            if any(o != stem and (o == p or o.startswith(p + "_")) for o in names):
                out[stem] = p
                break
    return out


def detect_group_field(samples: Sequence[Any]) -> str | None:
    """``@row`` when two or more sources (file stems) share a dataset prefix, else ``None`` (one group per record)."""
    stems = sorted({str(s.source) for s in samples})
    prefixes = dataset_prefixes(stems)
    return ROW if len(set(prefixes.values())) < len(stems) else None


def group_keys(samples: Sequence[Any], group_field: str | None, datasets: Sequence[str] | None = None) -> list[str]:
    """One key per sample: equal keys are one example (see the module docstring); ``None``: the sample id."""
    if group_field is None:
        return [str(s.id) for s in samples]
    if group_field == ROW:
        prefix = dataset_prefixes([str(s.source) for s in samples], datasets)
        if any(s.line is None for s in samples):
            raise SelectorError('group_field="@row" needs line-based inputs (JSONL, JSON arrays or CSV)')
        return [f"{prefix[str(s.source)]}:{s.line}" for s in samples]
    keys = []
    for s in samples:
        record = s.record
        if not isinstance(record, dict) or group_field not in record:
            raise SelectorError(
                f"{s.id}: no {group_field!r} field (group_field=); give a key every record has, or @row"
            )
        keys.append(str(record[group_field]))
    return keys


def empty_answer_tasks(tasks: Sequence[str], answers: Sequence[str]) -> list[str]:
    """Tasks whose every answer is empty after :func:`~selector.measures.proxies.normalise_answer` (sorted): they
    measure only which dataset a neighbour comes from, so the evaluation leaves them out and says which."""
    filled: dict[str, bool] = {}
    for t, a in zip(tasks, answers, strict=True):
        filled[t] = filled.get(t, False) or bool(normalise_answer(a))
    return sorted(t for t, ok in filled.items() if not ok)
