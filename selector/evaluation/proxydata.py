"""What the proxies of an evaluation measure with, built once per split: the TF-IDF data of every label-free proxy
and the probe (:class:`~selector.measures.ProxyData`), the fine-tuned proxy when asked for
(:mod:`selector.measures.finetune`), and what ``longest``/``deita`` rank by."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from selector.config import RunConfig
from selector.errors import ConfigError
from selector.evaluation.groups import dataset_prefixes
from selector.measures.finetune import FinetuneProxy, FinetuneSettings, classification_tasks, settings_for
from selector.measures.proxies import PROXIES, ProxyData

log = logging.getLogger(__name__)


def check_proxies(proxies: Sequence[str]) -> tuple[str, ...]:
    """``proxies`` without repeats, each a name of :data:`~selector.measures.proxies.PROXIES`."""
    if not proxies:
        raise ConfigError(f"proxies= is empty; choose from: {', '.join(PROXIES)}")
    for p in proxies:
        if p not in PROXIES:
            raise ConfigError(f"unknown proxy {p!r} (proxies=); choose from: {', '.join(PROXIES)}")
    return tuple(dict.fromkeys(proxies))


def build_proxies(
    pool: Sequence[Any],
    test: Sequence[Any],
    cfg: RunConfig,
    *,
    proxies: Sequence[str],
    score_field: str | None,
    coverage_sample: int | None,
    seed: int,
    finetune: FinetuneSettings | None = None,
) -> tuple[ProxyData, dict[str, Any]]:
    """The proxies' data and the strategies' extra inputs (answer lengths and, with ``score_field``, a numeric
    score per pool sample). With ``"finetune"`` in ``proxies``: the encoder of ``cfg`` (``encoder.model``) on the
    device of ``cfg`` (``encoder.device``) in the form ``finetune`` (``None``: :func:`settings_for` the device),
    over the tasks of :func:`finetune_tasks`."""
    data = ProxyData.build(
        [s.prompt for s in pool], [s.response for s in pool], [str(s.task) for s in pool],
        [s.prompt for s in test], [s.response for s in test], [str(s.task) for s in test],
        coverage_sample=coverage_sample, seed=seed, proxies=proxies,
    )  # fmt: skip
    if "finetune" in data.proxies:
        data.finetune = _finetune(pool, test, data, cfg, finetune, seed)
    extra: dict[str, Any] = {"lengths": np.asarray([len(s.response) for s in pool], dtype=np.int64)}
    if score_field is not None:
        extra["scores"] = np.asarray([float(s.record[score_field]) for s in pool], dtype=np.float64)
    return data, extra


def finetune_draws(data: ProxyData, draws: int) -> int:
    """How many of the ``draws`` random draws of every baseline the fine-tuned proxy is measured on: its form's
    ``draws`` (at most ``draws``), 0 without it."""
    return min(draws, data.finetune.settings.draws) if data.finetune is not None else 0


def finetune_tasks(task_names: Sequence[str], candidates: Sequence[int], max_tasks: int | None) -> list[int]:
    """Which classification tasks the fine-tuned proxy scores: with ``max_tasks``, one per dataset first (the
    dataset prefix of :func:`~selector.evaluation.groups.dataset_prefixes`; sibling templates of one dataset
    teach the same labels), each dataset's first task by name, then the rest by name; every candidate otherwise.
    ``task_names[i]`` names task id ``i``."""
    ordered = sorted(candidates, key=lambda t: task_names[t])
    if max_tasks is None:
        return ordered
    prefix = dataset_prefixes([task_names[t] for t in ordered])
    firsts, seen = [], set()
    for t in ordered:
        if prefix[task_names[t]] not in seen:
            seen.add(prefix[task_names[t]])
            firsts.append(t)
    return (firsts + [t for t in ordered if t not in firsts])[:max_tasks]


def _finetune(pool: Sequence[Any], test: Sequence[Any], data: ProxyData, cfg: RunConfig,
              settings: FinetuneSettings | None, seed: int) -> FinetuneProxy:  # fmt: skip
    from selector.device import resolve_device
    from selector.embedding.models import resolve_model

    device = resolve_device(cfg.encoder.device or "auto", mps=False)
    settings = settings or settings_for(device)
    names = sorted({*(str(s.task) for s in pool), *(str(s.task) for s in test)})  # ProxyData's task ids
    candidates = classification_tasks(data.pool_answers, data.pool_tasks, data.test_tasks)
    tasks = finetune_tasks(names, candidates, settings.max_tasks)
    started = time.perf_counter()
    proxy = FinetuneProxy.build(
        resolve_model(cfg.encoder.model).path, [s.prompt for s in pool], data.pool_answers, data.pool_tasks,
        [s.prompt for s in test], data.test_answers, data.test_tasks, tasks=tasks, settings=settings, device=device,
        seed=seed,
    )  # fmt: skip
    log.info("finetune proxy: %d tasks (%s), cached in %.1f s", len(tasks), ", ".join(names[t] for t in tasks),
             time.perf_counter() - started)  # fmt: skip
    return proxy
