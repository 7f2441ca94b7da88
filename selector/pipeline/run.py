"""The whole selection, end to end: read, clean, filter, embed, cluster, find task centres, pick, write.

:func:`select` is the Python API behind ``selector select``; it returns a :class:`SelectResult` with the chosen
samples in ranking order and the run manifest, and (given ``out``) leaves behind the files described in
``docs/algorithms.md`` section 6: ``selected.<ext>``, ``selection.jsonl``, ``rejected.jsonl``, ``manifest.json``,
``report.md`` and its plots.

Budget: ``budget`` (a count), ``fraction`` (of the pool after filters, rounded half up, at least 1; the paper's
0.5% is ``fraction=0.005``), from the arguments or else the config, or ``tokens`` (training tokens, ``"2M"``; the
ranking is cut per group at its token quota, see :mod:`selector.pipeline.tokens`). ``export`` also writes
``train.jsonl`` in a trainer's shape and a LLaMA-Factory ``dataset_info.json`` (:mod:`selector.formats.export`).
How candidates, seeds and group quotas are chosen (a labelled task, an external target, several tasks, or none)
is in :mod:`selector.selection.targeting`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from selector.config import RunConfig, load_run_config
from selector.dedup.near import sample_scores
from selector.dedup.semantic import PoolDedup, drop_semantic_duplicates
from selector.device import resolve_device
from selector.embedding.step import pool_embeddings
from selector.errors import ConfigError, SelectorError
from selector.filters import apply_filters
from selector.filters.clean import clean_samples
from selector.formats.export import check_exportable, check_shape
from selector.io import Corpus, ReadOptions, output_guard
from selector.io.guard import holds_output_lock
from selector.pipeline.arguments import (
    check_cache_dir,
    check_options,
    check_target,
    check_task,
    config_overrides,
    resolve_budget,
    top_reasons,
)
from selector.pipeline.evidence import random_draws, versus_random_proxies
from selector.pipeline.manifest import StageResults, StageTimer, select_manifest
from selector.pipeline.outputs import write_selection
from selector.pipeline.report import ReportData, dedup_examples
from selector.pipeline.tokens import (
    check_token_cut,
    count_tokens,
    load_local_tokenizer,
    picked_per_group,
    quota_names,
    records_needed,
    select_tokens,
    token_budget_of,
    token_manifest,
)
from selector.sample import Sample
from selector.selection.allocation import group_name, presample_indices, resolve_group_by
from selector.selection.clustering import kmeans_for_run
from selector.selection.coreset import STRATEGIES
from selector.selection.coverage import distances_at_pick, versus_random
from selector.selection.strategies import PIPELINE_STRATEGIES, run_ranked
from selector.selection.targeting import plan_selection

log = logging.getLogger(__name__)


@dataclass
class SelectResult:
    """The outcome of :func:`select`.

    Attributes:
        samples: the selected samples in ranking order (any prefix is a valid smaller selection).
        indices: ``(m,)`` positions of the selected samples in ``corpus.samples``.
        manifest: the run manifest (what ``manifest.json`` holds).
        corpus: everything that was read.
        out_dir: the output folder, when one was written.
    """

    samples: list[Sample]
    indices: np.ndarray
    manifest: dict[str, Any]
    corpus: Corpus
    out_dir: Path | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> list[Any]:
        """The selected records as the input holds them (cleaned when cleaning is on)."""
        return [s.record for s in self.samples]


@holds_output_lock("select")
def select(
    inputs: Sequence[str | Path],
    *,
    budget: int | None = None,
    fraction: float | None = None,
    out: str | Path | None = None,
    config: RunConfig | str | Path | None = None,
    seed: int | None = None,
    source_field: str | None = None,
    task_field: str | None = None,
    task: str | None = None,
    target: str | Path | None = None,
    model: str | Path | None = None,
    embeddings: str | Path | None = None,
    device: str | None = None,
    cache_dir: str | Path | None = None,
    mapping: Mapping[str, str] | None = None,
    decontaminate: Sequence[str | Path] | None = None,
    skip_invalid: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    trust_remote_code: bool | None = None,
    tokens: int | str | None = None,
    tokenizer: str | Path | None = None,
    export: str | None = None,
    backend: str | None = None,
    quantize: str | None = None,
    dtype: str | None = None,
) -> SelectResult:
    """Select the samples worth training on from ``inputs`` (files, folders or Hub names).

    Arguments left as ``None`` take their value from ``config`` (a :class:`~selector.config.RunConfig`, a YAML
    path, or ``None`` for the defaults of ``the default config``). With ``out``, the outputs are written into
    that folder as a whole (it must be new or empty, or an earlier ``select`` run with ``overwrite=True``).
    ``trust_remote_code=True`` lets the encoder run its model folder's own Python code (config key
    ``encoder.trust_remote_code``; a warning names the code files); only for models you trust.
    ``tokens`` replaces a config's budget or fraction; it cannot be combined with either argument.
    ``decontaminate`` names evaluation files (``filters.decontaminate``) whose items must not be selected.
    ``backend``, ``quantize`` and ``dtype`` set the ``encoder:`` keys of the same names
    (``backend="onnx", quantize="int8"`` is the fastest transformer path on a CPU).
    """
    token_budget = token_budget_of(tokens, budget, fraction, tokenizer)
    encoder_keys = {"backend": backend, "quantize": quantize, "dtype": dtype}
    overrides = config_overrides(budget, fraction, seed, model, device, cache_dir, trust_remote_code, encoder_keys)
    if decontaminate:
        overrides["filters"] = {"decontaminate": [str(p) for p in decontaminate]}
    if token_budget is not None:
        overrides.update(budget=None, fraction=None)
    cfg = load_run_config(config, overrides)
    if token_budget is None:
        resolve_budget(cfg.budget, cfg.fraction, 1)  # a missing or doubled budget fails before any work
    elif cfg.coreset.strategy in PIPELINE_STRATEGIES:
        raise ConfigError(f"--tokens works with coreset.strategy kcenter or random, not {cfg.coreset.strategy!r}")
    if export is not None:
        check_shape(export)
    tok = load_local_tokenizer(tokenizer, key="--tokenizer") if token_budget is not None else None
    inputs = [str(p) for p in inputs]
    options = ReadOptions(source_field, task_field, mapping, skip_invalid)
    check_options(task, task_field, target, embeddings)
    check_cache_dir(cfg.encoder.cache_dir, embeddings)
    check_target(target, options)
    protected = inputs + ([str(target)] if target else []) + list(cfg.filters.decontaminate or [])
    cache = cfg.encoder.cache_dir
    guard = output_guard(out, "select", protected, overwrite=overwrite, cache_dir=cache) if out is not None else None
    timer = StageTimer()

    with timer("read"):
        corpus = options.read(inputs)
    if not corpus.samples:
        raise SelectorError(f"no samples were read from {', '.join(inputs)}")

    samples = corpus.samples
    clean_stats: dict[str, Any] = {}
    if cfg.cleaning.enabled:
        with timer("clean"):
            samples, clean_stats = clean_samples(samples, cfg.cleaning)
    with timer("filter"):
        filtered = apply_filters(samples, cfg.filters, dedup=cfg.dedup, seed=cfg.seed, progress=progress)
    if not filtered.kept:
        raise SelectorError(
            f"every one of the {len(samples):,} samples was filtered out ({top_reasons(filtered.stats)}); "
            "loosen the filters in the config"
        )
    n_budget = resolve_budget(cfg.budget, cfg.fraction, len(filtered.kept)) if token_budget is None else 0
    if task is not None:
        check_task(task, filtered.kept)
    several_tasks = task is None and target is None and any(s.task is not None for s in filtered.kept)
    pool = _presample(filtered.kept, cfg, several_tasks, timer)
    if export is not None:
        check_exportable(pool, export)  # a sample the shape cannot hold fails before embedding
    counts = None
    if tok is not None and token_budget is not None:
        with timer("tokens"):
            counts = count_tokens(pool, tok)
        n_budget = records_needed(counts, np.ones(len(pool), dtype=bool), token_budget)

    # A float16 --embeddings file stays float16 in memory where every later stage widens only the rows it uses
    # (K-Means in blocks, the sharded coreset shard by shard): half of X's memory at 10M rows.
    keep16 = cfg.coreset.mode == "sharded" and cfg.coreset.strategy == "kcenter" and not cfg.dedup.semantic_duplicate
    with timer("embed"):
        X, encoder_info, encoder = pool_embeddings(
            pool, corpus, cfg.encoder, embeddings, progress=progress, keep_float16=keep16
        )
    encoder_info["dtype_in_memory"] = str(X.dtype)
    target_info: dict[str, Any] | None = None
    target_X = None
    if target is not None:
        with timer("target"):
            from selector.embedding.step import embed_target

            target_X, target_info = embed_target(
                target, encoder, cfg.encoder.template, read_options=options, progress=progress
            )
    if encoder is not None:
        encoder.release()  # the model's (GPU) memory goes back before clustering and the coreset need it

    with timer("cluster"):
        km = kmeans_for_run(X, cfg)

    semantic: PoolDedup | None = None
    if cfg.dedup.semantic_duplicate:  # SemDeDup on the pool's embeddings, before the coreset sees them
        with timer("semantic_dedup"):
            scores = sample_scores(pool, cfg.filters.score_field)
            semantic = drop_semantic_duplicates(pool, X, km.labels, cfg.dedup.semantic_eps, scores)
        pool, X = [pool[i] for i in semantic.keep], X[semantic.keep]
        km = replace(km, labels=km.labels[semantic.keep])

    with timer("centres"):
        plan = plan_selection(pool, X, km, n_budget, cfg, task=task, target=target_X)

    device_name = resolve_device(cfg.encoder.device, mps=False)
    rules = {"seeds": plan.seeds, "eligible": plan.eligible, "groups": plan.groups, "quotas": plan.quotas}
    with timer("coreset"):
        strategy, kwargs = _strategy(cfg, km.labels, progress, device_name)
        if counts is None or token_budget is None:
            res = strategy(X, n_budget, **rules, **kwargs)
        else:
            by_tokens = select_tokens(X, plan, counts, token_budget, cfg.allocation.tau, strategy, kwargs)
            res = by_tokens.result
            check_token_cut(res, counts, plan, token_budget)
            rules["quotas"] = picked_per_group(res.indices, plan.groups)  # the random baseline, record for record
            plan.quota_by_name = quota_names(plan, pool, by_tokens.quotas)
    with timer("coverage"):
        cov = versus_random(
            X,
            res,
            eligible=plan.eligible,
            groups=plan.groups,
            quotas=rules["quotas"],
            seed=cfg.seed,
            device=device_name,
            progress=progress,
        )
        at_pick = distances_at_pick(X, res.indices)

    picks = np.asarray(res.indices, dtype=np.int64)
    with timer("versus_random"):
        draws = random_draws(plan.eligible, plan.groups, rules["quotas"], len(picks), cfg.seed)
        group_of = [str(g) for g in plan.groups] if plan.groups is not None else [s.source for s in pool]
        evidence = versus_random_proxies(pool, picks, draws, group_of, seed=cfg.seed) if len(picks) else None
    chosen = [pool[i] for i in picks]
    rows = _selection_rows(chosen, picks, km.labels, at_pick, res.n_seeds)
    stages = StageResults(
        config=cfg,
        corpus=corpus,
        cleaned=samples,
        clean_stats=clean_stats,
        filtered=filtered,
        pool=pool,
        encoder_info=encoder_info,
        kmeans=km,
        plan=plan,
        coreset=res,
        coverage=cov,
        picks=picks,
        target_info=target_info,
    )
    manifest = select_manifest(stages)
    manifest["versus_random"] = evidence
    sem_rejected = semantic.rejected if semantic is not None else []
    details = {**filtered.details, **(semantic.details if semantic is not None else {})}
    if semantic is not None:
        manifest["counts"]["after_semantic_dedup"] = len(pool)
        manifest["semantic_dedup"] = semantic.stats
    manifest["dedup"] = dedup_examples([*filtered.rejected, *sem_rejected], details, samples)
    manifest["options"] = {
        "inputs": inputs,
        "source_field": source_field,
        "task_field": task_field,
        "task": task,
        "target": str(target) if target else None,
        "embeddings": str(embeddings) if embeddings else None,
        "mapping": dict(mapping) if mapping else None,
        "skip_invalid": skip_invalid,
    }
    if export is not None:
        manifest["options"]["export"] = export
    if counts is not None and token_budget is not None:
        manifest["options"]["tokens"] = token_budget
        manifest["options"]["tokenizer"] = str(tokenizer) if tokenizer is not None else None
        manifest["allocation"]["unit"] = "tokens"
        manifest["tokens"] = token_manifest(pool, counts, picks, token_budget, tokenizer, by_tokens.ranked)
    manifest["seconds"] = timer.as_dict()
    rejected_pairs = [*filtered.rejected, *sem_rejected]
    position = _positions(corpus, [*chosen, *(s for s, _ in rejected_pairs)])
    result = SelectResult(
        samples=chosen,
        indices=np.asarray([position[s.id] for s in chosen], dtype=np.int64),
        manifest=manifest,
        corpus=corpus,
        rows=rows,
    )
    if guard is not None:
        with timer("write"):
            report = ReportData(
                sources=[s.source for s in pool],
                lengths=np.asarray([len(s.response) for s in pool]),
                labels=km.labels,
                picks=picks,
                radii=cov.radii,
                random_radii=cov.random_radii,
                embeddings=X,
                seed=cfg.seed,
            )
            # Rejected records are written as read, before cleaning (as `selector filter` does).
            rejected = [(corpus.samples[position[s.id]], reason) for s, reason in rejected_pairs]
            write_selection(
                guard,
                protected,
                overwrite,
                corpus,
                chosen,
                rows,
                rejected,
                manifest,
                report,
                export=export,
                details=details,
            )
            result.out_dir = guard.path
        manifest["seconds"] = timer.as_dict()
    return result


def _positions(corpus: Corpus, samples: Sequence[Sample]) -> dict[str, int]:
    """Where the given samples (or their cleaned copies, by id) stand in ``corpus.samples``.

    Built at the end for just these samples: a map of every id would cost about 100 MB per million samples for
    the whole run.
    """
    wanted = {s.id for s in samples}
    return {s.id: i for i, s in enumerate(corpus.samples) if s.id in wanted}


def _strategy(cfg: RunConfig, labels: np.ndarray, progress: bool, device: str) -> tuple[Any, dict[str, Any]]:
    """The coreset function the config names and its keyword arguments (``coreset.mode: sharded`` included)."""
    if cfg.coreset.strategy in PIPELINE_STRATEGIES:
        return functools.partial(run_ranked, cfg.coreset.strategy), {"seed": cfg.seed}
    if cfg.coreset.strategy != "kcenter":
        return STRATEGIES[cfg.coreset.strategy], {"seed": cfg.seed, "device": device}
    if cfg.coreset.mode == "global":
        return STRATEGIES["kcenter"], {"clusters": labels, "progress": progress, "device": device}
    from selector.selection.sharded import sharded_kcenter

    c = cfg.coreset
    kwargs: dict[str, Any] = {"clusters": labels, "shards": c.shards, "tau": c.shard_tau, "workers": c.workers}
    if c.backend == "ray":
        from selector.distributed import run_ray

        kwargs["runner"] = run_ray
    return sharded_kcenter, kwargs


def _presample(kept: list[Sample], cfg: RunConfig, several_tasks: bool, timer: StageTimer) -> list[Sample]:
    """At most ``allocation.max_pool`` samples, drawn by temperature across groups (all of them when unset)."""
    if cfg.allocation.max_pool is None or len(kept) <= cfg.allocation.max_pool:
        return kept
    with timer("presample"):
        # Clusters are not known before embedding: pre-sampling by cluster balances sources instead.
        group_by = resolve_group_by(cfg.allocation.group_by, several_tasks)
        keys = [group_name(s, "source" if group_by == "cluster" else group_by) for s in kept]
        chosen = presample_indices(keys, cfg.allocation.max_pool, cfg.allocation.tau, seed=cfg.seed)
        return [kept[i] for i in sorted(chosen)]


def _selection_rows(
    chosen: Sequence[Sample], picks: np.ndarray, labels: np.ndarray, at_pick: np.ndarray, n_seeds: int
) -> list[dict[str, Any]]:
    """The rows of ``selection.jsonl``: one per pick, in ranking order."""
    return [
        {
            "rank": r,
            "id": s.id,
            "source": s.source,
            "task": s.task,
            "cluster": int(labels[i]),
            "distance": None if not np.isfinite(at_pick[r]) else round(float(at_pick[r]), 6),
            "seed": r < n_seeds,
        }
        for r, (i, s) in enumerate(zip(picks, chosen, strict=True))
    ]
