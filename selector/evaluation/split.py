"""Seeded per-task split of a labelled corpus into a selection pool and a held-out test set, with a leak check.

Every task is shuffled with its own generator (seeded by the run seed and the task name, so adding a task does not
reshuffle the others) and ``round(test_fraction * size)`` of its records are held out (at least one, and never all,
when the task has two or more records). A held-out record whose prompt also occurs in the pool, exactly or after
normalisation (:func:`normalise`), would let a selection "answer" it by copying: it is dropped from the test set
and counted (``stats["dropped_exact"]``, ``stats["dropped_normalised"]``). The pool is never touched, so the test
set never shares a record, nor a normalised prompt, with what the strategies select from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selector.errors import ConfigError

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Text for near-exact comparison: NFKC, case-folded, every run of punctuation and white space as one space."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@dataclass(frozen=True)
class Split:
    """Row indices (into the records that were split) of the ``pool`` and the ``test`` set, both sorted, and
    ``stats``: records per side, tasks, and the held-out records dropped because their prompt leaked."""

    pool: np.ndarray
    test: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


def _task_seed(seed: int, task: str) -> list[int]:
    digest = hashlib.blake2b(task.encode("utf-8"), digest_size=8).digest()
    return [int(seed), int.from_bytes(digest, "little")]


def split_by_task(tasks: Sequence[str], prompts: Sequence[str], *, test_fraction: float, seed: int = 0) -> Split:
    """Split rows by task: ``tasks[i]`` and ``prompts[i]`` describe row ``i``; see the module docstring."""
    if len(tasks) != len(prompts):
        raise ConfigError(f"split_by_task got {len(tasks)} tasks for {len(prompts)} prompts")
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction= must be in (0, 1), got {test_fraction!r}")
    by_task: dict[str, list[int]] = {}
    for i, t in enumerate(tasks):
        by_task.setdefault(str(t), []).append(i)
    pool: list[int] = []
    test: list[int] = []
    for task in sorted(by_task):
        rows = np.asarray(by_task[task], dtype=np.int64)
        n = len(rows)
        n_test = 0 if n < 2 else min(n - 1, max(1, round(test_fraction * n)))
        perm = rows[np.random.default_rng(_task_seed(seed, task)).permutation(n)]
        test.extend(perm[:n_test].tolist())
        pool.extend(perm[n_test:].tolist())
    split = _leak_checked(pool, test, prompts)
    split.stats.update(tasks=len(by_task), test_fraction=test_fraction, seed=seed)
    return split


def _leak_checked(pool: list[int], test: list[int], prompts: Sequence[str]) -> Split:
    """Drop the held-out rows whose prompt is in the pool, exactly or after :func:`normalise`; count them."""
    pool_exact = {prompts[i] for i in pool}
    pool_norm = {normalise(prompts[i]) for i in pool}
    kept, exact, near = [], 0, 0
    for i in test:
        if prompts[i] in pool_exact:
            exact += 1
        elif normalise(prompts[i]) in pool_norm:
            near += 1
        else:
            kept.append(i)
    stats = {"pool": len(pool), "test": len(kept), "held_out": len(test), "dropped_exact": exact,
             "dropped_normalised": near}  # fmt: skip
    return Split(np.sort(np.asarray(pool, dtype=np.int64)), np.sort(np.asarray(kept, dtype=np.int64)), stats)


def split_by_group(
    tasks: Sequence[str], groups: Sequence[str], prompts: Sequence[str], *, test_fraction: float, seed: int = 0
) -> Split:
    """Split rows by example: every group (:mod:`selector.evaluation.groups`) goes whole to the pool or to the
    test set, so no held-out example is in the pool under another template. Groups are visited in sorted order and
    a ``test_fraction`` share of them, drawn by a generator seeded ``[seed, 3]``, is held out (about that share of
    every task when groups span the tasks). The prompt leak check of :func:`split_by_task` then applies."""
    if not len(tasks) == len(groups) == len(prompts):
        raise ConfigError(f"split_by_group got {len(tasks)} tasks, {len(groups)} groups, {len(prompts)} prompts")
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction= must be in (0, 1), got {test_fraction!r}")
    names, inv = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    held = np.zeros(len(names), dtype=bool)
    n_test = min(len(names) - 1, max(1, round(test_fraction * len(names)))) if len(names) > 1 else 0
    held[np.random.default_rng([int(seed), 3]).permutation(len(names))[:n_test]] = True
    rows = np.arange(len(tasks))
    split = _leak_checked(rows[~held[inv]].tolist(), rows[held[inv]].tolist(), prompts)
    split.stats.update(tasks=len(set(tasks)), groups=len(names), test_fraction=test_fraction, seed=seed)
    return split


def dataset_of(task: str, datasets: Sequence[str] | None) -> str:
    """The dataset a task belongs to: the longest name of ``datasets`` that prefixes it, else the task itself
    (P3 template files are named ``<dataset>_<template>``, e.g. ``ag_news_classify`` -> ``ag_news``)."""
    best = ""
    for name in datasets or ():
        if task.startswith(name) and len(name) > len(best):
            best = name
    return best or task


def leave_datasets_out(
    split: Split, tasks: Sequence[str], n_datasets: int, *, datasets: Sequence[str] | None = None, seed: int = 0
) -> Split:
    """Hold out whole datasets: the pool keeps the pool rows of the other datasets, the test set keeps the held-out
    rows of the ``n_datasets`` held-out ones (drawn by a generator seeded ``[seed, 1]`` from the sorted dataset
    names). So the selection never sees a record of a held-out dataset's templates, and the proxies ask whether it
    transfers to task families it has not seen. ``tasks[i]`` is the task of row ``i`` (the rows ``split`` indexes).
    """
    names = sorted({dataset_of(str(t), datasets) for t in tasks})
    if not 0 < n_datasets < len(names):
        raise ConfigError(
            f"holdout_datasets= must be between 1 and {len(names) - 1} (of {len(names)}), got {n_datasets}"
        )
    held = {names[i] for i in np.random.default_rng([int(seed), 1]).permutation(len(names))[:n_datasets]}
    held_row = np.asarray([dataset_of(str(t), datasets) in held for t in tasks], dtype=bool)
    pool = split.pool[~held_row[split.pool]]
    test = split.test[held_row[split.test]]
    stats = {**split.stats, "pool": len(pool), "test": len(test), "datasets": len(names)}
    stats["held_out_datasets"] = sorted(held)
    stats["test_tasks"] = len({str(tasks[i]) for i in test.tolist()})
    return Split(pool, test, stats)
