"""The fine-tuned proxy with the tiny random BERT: the cached bottom gives the model's own output, the decided edge
cases (no pick: chance; one answer: majority), training learns a task a word decides, and the same picks and seed
give the same score whatever their order, in a fresh proxy too."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from selector.measures._finetune_model import SplitEncoder
from selector.measures.finetune import REDUCED, FinetuneProxy, classification_tasks

TEXTS = ["the story is a question", "write code", "how to give a python function the data " * 3]


@pytest.mark.parametrize("train_layers", [1, None])
def test_cached_bottom_then_top_is_the_models_own_output(tiny, one_torch_thread, train_layers):
    enc = SplitEncoder(tiny, train_layers=train_layers, max_length=32)
    hidden, mask = enc.cache(TEXTS).take(np.arange(3))
    ours = enc.run(enc.top, hidden, mask)
    tok = enc.tokenizer(TEXTS, truncation=True, max_length=32, padding=True, return_tensors="pt")
    with torch.no_grad():
        ref = enc.model(**tok).last_hidden_state[:, : ours.shape[1]]
    real = mask.bool()
    assert torch.allclose(ours[real], ref[real], atol=1e-5)
    assert len(enc.top) == (2 if train_layers is None else 1)


def _task_data():
    """Task 0: the answer is the first word ("yes" after "python", "no" after "story"); task 1: free text."""
    rng = np.random.default_rng(0)
    words = ["the", "a", "of", "and", "to", "in", "is", "text", "data", "model"]
    prompts, answers, tasks = [], [], []
    for i in range(40):
        label = i % 2
        prompts.append(("python " if label else "story ") + " ".join(rng.choice(words, 5)) + f" {i}")
        answers.append(label)  # answer ids: 0 = "no", 1 = "yes"
        tasks.append(0)
    for i in range(14):
        prompts.append(f"list {i} " + " ".join(rng.choice(words, 4)))
        answers.append(2 + i)
        tasks.append(1)
    return prompts, np.asarray(answers), np.asarray(tasks)


def _proxy(tiny, **settings) -> tuple[FinetuneProxy, int]:
    prompts, answers, tasks = _task_data()
    pool, test = np.r_[0:30, 40:52], np.r_[30:40, 52:54]
    picked = classification_tasks(answers[pool], tasks[pool], tasks[test])
    assert picked == [0]  # the free-text task has 12 distinct answers in the pool: not a classification
    proxy = FinetuneProxy.build(
        tiny, [prompts[i] for i in pool], answers[pool], tasks[pool], [prompts[i] for i in test], answers[test],
        tasks[test], tasks=picked, settings=replace(REDUCED, **settings), seed=3,
    )  # fmt: skip
    return proxy, len(pool)


def test_classification_tasks_are_those_with_two_to_ten_answers():
    answers = np.array([0, 1, 0, 5, 5, *range(10, 21)])
    tasks = np.array([0, 0, 0, 1, 1, *[2] * 11])
    assert classification_tasks(answers, tasks, np.array([0, 1, 2])) == [0]  # 2 answers; 1 answer; 11 answers
    assert classification_tasks(answers, tasks, np.array([1, 2])) == []  # task 0 has no held-out record


def test_edge_cases_chance_and_majority(tiny, one_torch_thread):
    proxy, _ = _proxy(tiny)
    assert proxy.score(np.array([30, 31])) == 0.5  # no pick of the task: chance 1/2
    assert proxy.score(np.array([1, 3, 5])) == 0.5  # only "yes" picks: "yes" for all 10 held out, 5 right
    assert proxy.memo == {}  # neither needed a fit


def test_training_learns_a_task_one_word_decides(tiny, one_torch_thread):
    proxy, _ = _proxy(tiny, steps=40, head_lr=0.05, lr=1e-3, batch_size=16)
    assert proxy.score(np.arange(30)) == 1.0


def test_same_picks_and_seed_give_the_same_score_in_any_order(tiny, one_torch_thread):
    proxy, _ = _proxy(tiny, steps=6)
    picks = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    first = proxy.score(picks)
    proxy.score(np.array([8, 9, 10, 11]))  # another fit in between: the top is restored before every fit
    proxy.memo.clear()
    assert proxy.score(picks[::-1]) == first
    fresh, _ = _proxy(tiny, steps=6)
    assert fresh.score(np.r_[picks, 40, 41]) == first  # picks of the other task do not enter this task's fit
