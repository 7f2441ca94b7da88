"""The linear-probe proxy: train a classifier on the selection, score it on held-out records (``docs/quality.md``).

Where :func:`selector.measures.proxies.transfer` copies the answer of the nearest selected prompt (a 1-NN
learner), the probe *fits a model* on the selection: for every held-out task with a small answer set, a
multinomial logistic regression (scikit-learn, ``newton-cg``: about ten times faster here than ``lbfgs``
under scipy 1.17, same optimum; L2 with ``C = 1``) on the word TF-IDF of the prompts
(the proxies' space, fitted on the pool: never the encoder's space), trained on the selected records of that task
with their normalised answers as labels, and scored by accuracy on that task's held-out records. The proxy is the
unweighted mean over the probed tasks.

Which tasks: those whose pool records carry between 2 and :data:`MAX_CLASSES` distinct normalised answers
(labels, options, yes/no): the tasks where "a model trained on these picks" is a classifier. Free-text tasks
(summaries, questions) are left to the other proxies.

Decided edge cases (so that every selection gets a score on every probed task):

- no pick of the task: the chance level ``1 / C`` (``C`` = the task's distinct pool answers), the expected
  accuracy of a uniform guess among its labels: a selection that misses a task learns nothing about it;
- picks of one answer only: that answer predicted for every held-out record (the majority-class model, scored
  for real on the held-out answers);
- a held-out answer that no pool record of the task carries: always a miss.

Only the TF-IDF columns present in the training rows are kept for each fit: with L2 regularisation an absent
column's weight is 0 at the optimum, so the fit is the same and costs a fraction of the full width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

MAX_CLASSES = 10
"""Most distinct answers a task's pool records may carry for the task to be probed."""


@dataclass
class Probe:
    """The probed tasks of one split: ``tasks`` (task ids), and per task its pool rows, its held-out rows and its
    number of classes. Build with :meth:`build`, score a selection with :meth:`score`."""

    pool_X: sparse.csr_matrix
    test_X: sparse.csr_matrix
    pool_answers: np.ndarray
    test_answers: np.ndarray
    pool_tasks: np.ndarray
    tasks: np.ndarray
    test_rows: list[np.ndarray]
    classes: np.ndarray

    @classmethod
    def build(
        cls,
        pool_X: sparse.csr_matrix,
        test_X: sparse.csr_matrix,
        pool_answers: np.ndarray,
        test_answers: np.ndarray,
        pool_tasks: np.ndarray,
        test_tasks: np.ndarray,
        max_classes: int = MAX_CLASSES,
    ) -> Probe:
        """Find the tasks with held-out records and 2 to ``max_classes`` distinct answers among their pool rows.

        Answers and tasks are integer ids shared by pool and test (as :class:`~selector.measures.ProxyData` holds
        them); ``pool_X``/``test_X`` are the TF-IDF rows of the prompts.
        """
        tasks, test_rows, classes = [], [], []
        for t in np.unique(test_tasks).tolist():
            c = len(np.unique(pool_answers[pool_tasks == t]))
            if 2 <= c <= max_classes:
                tasks.append(t)
                test_rows.append(np.flatnonzero(test_tasks == t))
                classes.append(c)
        return cls(
            pool_X, test_X, pool_answers, test_answers, pool_tasks,
            np.asarray(tasks, dtype=np.int64), test_rows, np.asarray(classes, dtype=np.int64),
        )  # fmt: skip

    def score(self, picks: np.ndarray) -> float:
        """Mean held-out accuracy over the probed tasks of a model trained on ``picks`` (pool rows); NaN when no
        task qualifies."""
        if len(self.tasks) == 0:
            return float("nan")
        picks = np.asarray(picks, dtype=np.int64)
        picked_tasks = self.pool_tasks[picks]
        accs = [
            self._task_accuracy(picks[picked_tasks == t], rows, c)
            for t, rows, c in zip(self.tasks.tolist(), self.test_rows, self.classes.tolist(), strict=True)
        ]
        return float(np.mean(accs))

    def _task_accuracy(self, train: np.ndarray, test: np.ndarray, n_classes: int) -> float:
        y = self.pool_answers[train]
        truth = self.test_answers[test]
        labels = np.unique(y)
        if len(labels) == 0:
            return 1.0 / n_classes
        if len(labels) == 1:
            return float(np.mean(truth == labels[0]))
        Xtr = self.pool_X[train]
        cols = np.unique(Xtr.indices)
        model = LogisticRegression(C=1.0, solver="newton-cg", max_iter=1000)
        model.fit(Xtr[:, cols], y)
        pred = model.predict(self.test_X[test][:, cols])
        return float(np.mean(pred == truth))
