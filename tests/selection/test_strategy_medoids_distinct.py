"""``medoids_distinct``: per-task medoids that skip near-duplicates of another task's picks (issue 27). The pool
is built as P3 is: the same examples rendered by several tasks (templates), each rendering a little off the
example's vector, so plain ``medoids`` repeats examples across tasks."""

from __future__ import annotations

import numpy as np

from selector.selection.strategies import STRATEGIES


def _templates(tasks: int = 3, examples: int = 60, d: int = 32, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Unit rows: every example rendered once per task (cosine ~0.97 between renderings); returns ``(X, task,
    example)`` per row. Examples are grouped in 6 tight families, so every task's clusters have many members."""
    rng = np.random.default_rng(seed)
    families = rng.normal(size=(6, d))
    base = families[np.arange(examples) % 6] + 0.35 * rng.normal(size=(examples, d))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    rows, task, example = [], [], []
    for t in range(tasks):
        noise = rng.normal(size=(examples, d))
        rows.append(base + 0.04 * noise / np.linalg.norm(noise, axis=1, keepdims=True))
        task += [t] * examples
        example += list(range(examples))
    X = np.concatenate(rows).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.asarray(task), np.asarray(example)


def _distinct(picks: np.ndarray, example: np.ndarray) -> float:
    return len(np.unique(example[picks])) / len(picks)


def test_skipping_near_duplicates_makes_the_picks_distinct_examples():
    X, task, example = _templates()
    rules = {"groups": task, "quotas": np.array([6, 6, 6])}
    plain = STRATEGIES["medoids"](X, 18, seed=0, **rules).indices
    picks = STRATEGIES["medoids_distinct"](X, 18, seed=0, **rules).indices
    assert _distinct(plain, example) < 0.7  # the failure: sibling tasks' medoids are one example
    assert _distinct(picks, example) == 1.0
    assert np.bincount(task[picks], minlength=3).tolist() == [6, 6, 6]  # quotas still met
    again = STRATEGIES["medoids_distinct"](X, 18, seed=0, **rules).indices
    assert again.tolist() == picks.tolist()


def test_the_example_key_alone_rules_out_repeats():
    X, task, example = _templates()
    rules = {"groups": task, "quotas": np.array([6, 6, 6]), "seeds": [0]}
    picks = STRATEGIES["medoids_distinct"](X, 18, seed=0, examples=example, duplicate_cosine=1.01, **rules)
    assert picks.indices[0] == 0 and _distinct(picks.indices, example) == 1.0


def test_with_the_rule_off_it_is_medoids():
    X, task, _ = _templates()
    for rules in ({"groups": task, "quotas": np.array([5, 7, 6])}, {}):
        plain = STRATEGIES["medoids"](X, 18, seed=1, **rules).indices
        off = STRATEGIES["medoids_distinct"](X, 18, seed=1, duplicate_cosine=1.01, **rules).indices
        assert sorted(off.tolist()) == sorted(plain.tolist())


def test_eligible_rows_and_their_example_keys_line_up():
    X, task, example = _templates()
    eligible = np.ones(len(X), dtype=bool)
    eligible[::4] = False
    rules = {"groups": task, "quotas": np.array([6, 6, 6]), "eligible": eligible}
    picks = STRATEGIES["medoids_distinct"](X, 18, seed=0, examples=example, duplicate_cosine=1.01, **rules).indices
    assert eligible[picks].all() and _distinct(picks, example) == 1.0
