"""The linear-probe proxy on hand-made tasks: which tasks are probed, the decided edge cases (no picks: chance;
one class: majority), and that fitting on the training rows' columns predicts as a fit on every column does."""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from selector.measures.probe import Probe
from selector.measures.proxies import ProxyData


def _data() -> ProxyData:
    # task "sent": sentiment with two labels, learnable from one word; task "sum": free text (never probed)
    pos = [f"review {i}: the film was great fun" for i in range(6)]
    neg = [f"review {i}: the film was awful and dull" for i in range(6, 12)]
    free = [f"summarise article {i} about topic {i}" for i in range(6)]
    pool_prompts = pos[:4] + neg[:4] + free[:4]
    pool_answers = ["positive"] * 4 + ["negative"] * 4 + [f"summary {i}" for i in range(4)]
    pool_tasks = ["sent"] * 8 + ["sum"] * 4
    test_prompts = pos[4:] + neg[4:] + free[4:]
    test_answers = ["Positive."] * 2 + ["negative"] * 2 + ["summary 4", "summary 5"]
    test_tasks = ["sent"] * 4 + ["sum"] * 2
    return ProxyData.build(pool_prompts, pool_answers, pool_tasks, test_prompts, test_answers, test_tasks)


def test_only_tasks_with_a_small_answer_set_are_probed():
    data = _data()
    assert data.probe is not None
    assert data.probe.classes.tolist() == [2, 4]  # "sum": 4 distinct answers, within the default 10
    assert _probe(data).classes.tolist() == [2]


def _probe(data: ProxyData) -> Probe:
    """The sentiment task alone (at most 3 answers: the free-text task drops out)."""
    return Probe.build(
        data.pool_X, data.test_X, data.pool_answers, data.test_answers, data.pool_tasks, data.test_tasks, max_classes=3
    )


def test_probe_edge_cases_chance_majority_and_a_real_fit():
    data = _data()
    probe = _probe(data)
    assert probe.score(np.array([8, 9], dtype=np.int64)) == 0.5  # no pick of "sent": chance 1/2
    assert probe.score(np.array([0, 1], dtype=np.int64)) == 0.5  # only "positive": majority model, 2 of 4 right
    assert probe.score(np.array([0, 4], dtype=np.int64)) == 1.0  # one of each: the word decides
    # with the free-text task too: no pick of it scores 1/4, so the mean is (1 + 1/4) / 2
    assert data.measure(np.array([0, 4], dtype=np.int64))["probe"] == 0.625


def test_fit_on_the_training_columns_predicts_like_a_fit_on_all_columns():
    rng = np.random.default_rng(0)
    X = sparse.random(60, 400, density=0.05, random_state=1, format="csr", dtype=np.float32)
    y = rng.integers(0, 3, 60)
    train, test = np.arange(40), np.arange(40, 60)
    probe = Probe(X, X, y, y, np.zeros(60, np.int64), np.array([0]), [test], np.array([3]))
    full = LogisticRegression(C=1.0, solver="newton-cg", max_iter=1000).fit(X[train], y[train])
    expected = float(np.mean(full.predict(X[test]) == y[test]))
    assert math.isclose(probe._task_accuracy(train, test, 3), expected)
