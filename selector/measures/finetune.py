"""The fine-tuned proxy: train the pretrained encoder with a classification head on the picks of each
classification task, score it on that task's held-out examples (``docs/quality.md``; issue 27 item 2).

Where the probe (:mod:`selector.measures.probe`) fits a logistic regression on TF-IDF features, this proxy trains a
*pretrained transformer* on the selection, which is what data-selection papers evaluate (LESS, TypiClust,
arXiv 2410.09335): for every task with 2 to :data:`~selector.measures.probe.MAX_CLASSES` distinct normalised
answers among its pool records (the same tasks the probe takes), the encoder (by default all-MiniLM-L6-v2) gets a
linear head over its mean-pooled output, is fine-tuned from its pretrained weights on the selected records of the
task (labels: their normalised answers) for a fixed number of AdamW steps, and predicts the task's held-out
records; the proxy is the unweighted mean accuracy over the tasks. Every (selection, task) fit starts again from
the pretrained weights.

Two forms (:data:`REDUCED`, :data:`FULL`; :func:`settings_for` picks by device):

- ``REDUCED`` (CPU, two cores inside a benchmark): at most 6 tasks (one per dataset; the caller chooses them),
  texts cut to their last 48 tokens, 10 steps of at most 8 records, the top layer of 6 trained (the five below
  frozen and run once per text), 20 random draws per baseline: about 0.8 s per (selection, task) fit on one
  loaded core, 30-45 s to cache 1,200 texts;
- ``FULL`` (``device="cuda"``): every qualifying task, the last 128 tokens, 30 steps of at most 16 records, all 6
  layers trained (embeddings frozen), 30 random draws per baseline.

Decided edge cases, as the probe's: no pick of a task scores the chance level ``1 / C``; picks of one answer only
predict that answer (scored for real); a held-out answer no pool record of the task carries is always a miss.

Deterministic: the picks of a task are sorted before the fit, each fit is seeded by ``[seed, task]`` (the
shuffle and the head's initial weights), torch runs on one thread on the CPU, so the same picks and seed give
the same score in any order of calls. Equal (task, picks) fits are memoised: their result is the same by the
above. On CUDA the kernels are cuBLAS's and the figures are reproducible on one machine and driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from selector.measures._finetune_model import Cached, SplitEncoder
from selector.measures.probe import MAX_CLASSES


@dataclass(frozen=True)
class FinetuneSettings:
    """One form of the proxy: ``steps`` AdamW steps of ``batch_size`` records, texts cut to their last
    ``max_length`` tokens, the top ``train_layers`` layers trained (``None``: all), learning rates ``lr`` (the
    encoder's layers) and ``head_lr`` (the new head), at most ``max_tasks`` tasks (``None``: all), ``draws``
    random draws per baseline (the first ones of the baselines' fixed order)."""

    steps: int = 10
    batch_size: int = 8
    max_length: int = 48
    train_layers: int | None = 1
    lr: float = 1e-4
    head_lr: float = 5e-3
    max_tasks: int | None = 6
    draws: int = 20

    def to_dict(self) -> dict:
        """The settings as plain JSON values (recorded in ``evaluation.json``)."""
        return dict(self.__dict__)


REDUCED = FinetuneSettings()
FULL = FinetuneSettings(steps=30, batch_size=16, max_length=128, train_layers=None, lr=5e-5, max_tasks=None, draws=30)


def settings_for(device: str) -> FinetuneSettings:
    """:data:`FULL` on a CUDA device, else :data:`REDUCED`."""
    return FULL if str(device).startswith("cuda") else REDUCED


def classification_tasks(pool_answers: np.ndarray, pool_tasks: np.ndarray, test_tasks: np.ndarray) -> list[int]:
    """Task ids with held-out records and 2 to ``MAX_CLASSES`` distinct answers among their pool records
    (sorted): the tasks this proxy (and the probe) can score."""
    out = []
    for t in np.unique(test_tasks).tolist():
        if 2 <= len(np.unique(pool_answers[pool_tasks == t])) <= MAX_CLASSES:
            out.append(int(t))
    return out


@dataclass
class _Task:
    """One scored task: its pool rows (sorted), their class indices, the held-out classes (-1: an answer no pool
    record carries), the class count, and the frozen bottom's output for both sides."""

    pool_rows: np.ndarray
    pool_y: np.ndarray
    test_y: np.ndarray
    classes: int
    train: Cached
    test: Cached


@dataclass
class FinetuneProxy:
    """The fine-tuned proxy over a fixed set of tasks; build with :meth:`build`, score with :meth:`score`."""

    encoder: SplitEncoder
    tasks: dict[int, _Task]
    settings: FinetuneSettings
    seed: int = 0
    memo: dict[tuple[int, bytes], float] = field(default_factory=dict)

    @classmethod
    def build(cls, model_path: str | Path, pool_prompts: Sequence[str], pool_answers: np.ndarray,
              pool_tasks: np.ndarray, test_prompts: Sequence[str], test_answers: np.ndarray, test_tasks: np.ndarray,
              *, tasks: Sequence[int], settings: FinetuneSettings = REDUCED, device: str = "cpu",
              seed: int = 0) -> FinetuneProxy:  # fmt: skip
        """Load the encoder from ``model_path`` and cache the frozen bottom's output for the pool and held-out
        records of ``tasks`` (task ids; at most ``settings.max_tasks`` of them are kept, in the given order).
        Answers and tasks are integer ids shared by pool and test, as :class:`~selector.measures.ProxyData` holds
        them."""
        encoder = SplitEncoder(model_path, train_layers=settings.train_layers, max_length=settings.max_length,
                               device=device)  # fmt: skip
        keep = list(tasks)[: settings.max_tasks] if settings.max_tasks is not None else list(tasks)
        built = {}
        with _one_thread(device):
            for t in keep:
                rows = np.flatnonzero(pool_tasks == t)
                test = np.flatnonzero(test_tasks == t)
                labels = np.unique(pool_answers[rows])
                pos = np.searchsorted(labels, test_answers[test]).clip(0, len(labels) - 1)
                test_y = np.where(labels[pos] == test_answers[test], pos, -1)
                built[int(t)] = _Task(
                    rows, np.searchsorted(labels, pool_answers[rows]), test_y, len(labels),
                    encoder.cache([pool_prompts[i] for i in rows]), encoder.cache([test_prompts[i] for i in test]),
                )  # fmt: skip
        return cls(encoder, built, settings, seed)

    def score(self, picks: np.ndarray) -> float:
        """Mean held-out accuracy over the tasks of the encoder fine-tuned on each task's picks (pool rows);
        NaN when no task qualifies."""
        if not self.tasks:
            return float("nan")
        picks = np.unique(np.asarray(picks, dtype=np.int64))
        with _one_thread(self.encoder.device):
            return float(np.mean([self._task_accuracy(t, task, picks) for t, task in self.tasks.items()]))

    def _task_accuracy(self, t: int, task: _Task, picks: np.ndarray) -> float:
        local = np.flatnonzero(np.isin(task.pool_rows, picks))  # positions in the task's sorted pool rows
        y = task.pool_y[local]
        if len(y) == 0:
            return 1.0 / task.classes
        if len(np.unique(y)) == 1:
            return float(np.mean(task.test_y == y[0]))
        key = (t, local.tobytes())
        if key not in self.memo:
            s = self.settings
            pred = self.encoder.fit_predict(
                _subset(task.train, local), y, task.test, task.classes, steps=s.steps, batch_size=s.batch_size,
                lr=s.lr, head_lr=s.head_lr, seed=[int(self.seed), int(t)],
            )  # fmt: skip
            self.memo[key] = float(np.mean(pred == task.test_y))
        return self.memo[key]

    def describe(self) -> dict:
        """What ``evaluation.json`` records about the proxy: the form, the device and the tasks scored."""
        return {**self.settings.to_dict(), "device": self.encoder.device, "tasks": len(self.tasks)}


def _subset(cached: Cached, rows: np.ndarray) -> Cached:
    hidden, mask = cached.take(rows)
    return Cached(hidden, mask)


class _one_thread:
    """On the CPU, torch on one thread for the block (one summation order: the same figures on any machine
    load); restored afterwards. No-op on other devices."""

    def __init__(self, device: str) -> None:
        self.cpu = not str(device).startswith(("cuda", "mps"))

    def __enter__(self) -> None:
        import torch

        self.before = torch.get_num_threads()
        if self.cpu:
            torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        import torch

        torch.set_num_threads(self.before)


__all__ = ["FULL", "REDUCED", "FinetuneProxy", "FinetuneSettings", "classification_tasks", "settings_for"]
