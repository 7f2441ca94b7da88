"""The whole selection, end to end: read, clean, filter, embed, cluster, find task centres, pick, write.

:func:`select` is the Python API behind ``selector select``; it returns a :class:`SelectResult` with the chosen
samples in ranking order and the run manifest, and (given ``out``) leaves behind the files described in
ALGORITHMS.md section 6: ``selected.<ext>``, ``selection.jsonl``, ``rejected.jsonl``, ``manifest.json``,
``report.md`` and its plots.

Budget: ``budget`` (a count) or ``fraction`` (of the pool after filters, rounded half up, at least 1; the paper's
0.5% is ``fraction=0.005``), from the arguments or else the config. How candidates, seeds and group quotas are
chosen (a labelled task, an external target, several tasks, or none) is in :mod:`selector.targeting`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selector import __version__
from selector.allocation import presample_indices
from selector.clustering import kmeans
from selector.config import from_mapping
from selector.coreset import STRATEGIES, random_selection
from selector.errors import ConfigError, SelectorError
from selector.filters import apply_filters
from selector.filters.clean import clean_samples
from selector.io import Corpus, read_corpus, write_jsonl, write_records
from selector.manifest import StageTimer, finite_json, versions
from selector.outputs import MARKER_KEY, check_out_dir, staged_out_dir
from selector.report import ReportData, render_markdown, write_plots
from selector.sample import Sample
from selector.settings import RunConfig, load_run_config, run_config_to_dict
from selector.targeting import Plan, plan_selection
from selector.vectors import distances_at_pick, embed_samples, load_embeddings, load_encoder

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


def resolve_budget(budget: int | None, fraction: float | None, pool_size: int) -> int:
    """The number of samples to select from a pool of ``pool_size``: exactly one of ``budget`` and ``fraction``."""
    if budget is not None and fraction is not None:
        raise ConfigError("give either a budget (--budget N) or a fraction (--fraction F), not both")
    if budget is None and fraction is None:
        raise ConfigError("no budget: pass --budget N (a count) or --fraction F (e.g. 0.005 for the paper's 0.5%)")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
            raise ConfigError(f"--budget must be a positive integer, got {budget!r}")
        return int(budget)
    if not 0 < float(fraction) <= 1:  # type: ignore[arg-type]
        raise ConfigError(f"--fraction must be in (0, 1], got {fraction!r}")
    return max(1, int(float(fraction) * pool_size + 0.5))  # type: ignore[arg-type]


def _config(config: RunConfig | str | Path | None, overrides: Mapping[str, Any]) -> RunConfig:
    """The run config from a path, ``None`` (defaults) or an object, with the call's arguments merged over it."""
    if isinstance(config, RunConfig):
        data = run_config_to_dict(config)
        for key, value in overrides.items():
            data[key] = {**data[key], **value} if isinstance(value, dict) else value
        return from_mapping(RunConfig, data)
    return load_run_config(config, overrides=dict(overrides))


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
    skip_invalid: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> SelectResult:
    """Select the samples worth training on from ``inputs`` (files, folders or Hub names).

    Arguments left as ``None`` take their value from ``config`` (a :class:`~selector.settings.RunConfig`, a YAML
    path, or ``None`` for the defaults of ``configs/default.yaml``). With ``out``, the outputs are written into
    that folder as a whole (it must be new or empty, or an earlier run with ``overwrite=True``).
    """
    overrides: dict[str, Any] = {}
    for key, value in (("budget", budget), ("fraction", fraction), ("seed", seed)):
        if value is not None:
            overrides[key] = value
    if budget is not None or fraction is not None:
        overrides.setdefault("budget", budget)
        overrides.setdefault("fraction", fraction)
    enc = {k: v for k, v in (("model", model), ("device", device), ("cache_dir", cache_dir)) if v is not None}
    if enc:
        overrides["encoder"] = {k: str(v) for k, v in enc.items()}
    cfg = _config(config, overrides)
    resolve_budget(cfg.budget, cfg.fraction, 1)  # a missing or doubled budget fails before any work
    inputs = [str(p) for p in inputs]
    protected = inputs + ([str(target)] if target else [])
    if out is not None:
        check_out_dir(Path(out), protected, overwrite)  # fail before the expensive stages
    timer = StageTimer()

    with timer("read"):
        corpus = read_corpus(
            inputs, source_field=source_field, task_field=task_field, mapping=mapping, skip_invalid=skip_invalid
        )
    if not corpus.samples:
        raise SelectorError(f"no samples were read from {', '.join(inputs)}")
    position = {s.id: i for i, s in enumerate(corpus.samples)}

    samples = corpus.samples
    clean_stats: dict[str, Any] = {}
    if cfg.cleaning.enabled:
        with timer("clean"):
            samples, clean_stats = clean_samples(samples, cfg.cleaning)
    with timer("filter"):
        filtered = apply_filters(samples, cfg.filters, progress=progress)
    kept = filtered.kept
    if not kept:
        raise SelectorError(
            f"every one of the {len(samples):,} samples was filtered out ({_top_reasons(filtered.stats)}); "
            "loosen the filters in the config"
        )
    n_budget = resolve_budget(cfg.budget, cfg.fraction, len(kept))

    pool = kept
    if cfg.allocation.max_pool is not None and len(kept) > cfg.allocation.max_pool:
        with timer("presample"):
            keys = [_group_key(s, cfg.allocation.group_by) for s in kept]
            chosen = presample_indices(keys, cfg.allocation.max_pool, cfg.allocation.tau, seed=cfg.seed)
            pool = [kept[i] for i in sorted(chosen)]

    encoder = None
    with timer("embed"):
        if embeddings is not None:
            X = load_embeddings(embeddings, [position[s.id] for s in pool], len(corpus.samples))
            encoder_info: dict[str, Any] = {"model": f"precomputed: {embeddings}", "dim": int(X.shape[1])}
        else:
            encoder = load_encoder(cfg.encoder)
            X, encoder_info = embed_samples(pool, encoder, cfg.encoder.template, progress=progress)

    with timer("cluster"):
        km = kmeans(
            X,
            cfg.clustering.k,
            seed=cfg.seed,
            niter=cfg.clustering.niter,
            max_points_per_centroid=cfg.clustering.max_points_per_centroid,
        )

    target_info: dict[str, Any] | None = None
    target_X = None
    if target is not None:
        with timer("target"):
            target_corpus = read_corpus([target], mapping=mapping, skip_invalid=skip_invalid)
            if not target_corpus.samples:
                raise SelectorError(f"--target {target}: no samples were read")
            if encoder is None:
                raise ConfigError(
                    "--target needs the encoder that embedded the pool; it cannot be combined with --embeddings"
                )
            target_X, _ = embed_samples(target_corpus.samples, encoder, cfg.encoder.template, progress=progress)
            target_info = {"path": str(target), "samples": len(target_corpus.samples)}
            target_info["sha256"] = target_corpus.files[0].sha256 if target_corpus.files else None

    with timer("centres"):
        plan = plan_selection(pool, X, km, n_budget, cfg, task=task, target=target_X)

    strategy = STRATEGIES[cfg.coreset.strategy]
    with timer("coreset"):
        kwargs: dict[str, Any] = {}
        if cfg.coreset.strategy == "kcenter":
            kwargs = {"clusters": km.labels, "progress": progress}
        else:
            kwargs = {"seed": cfg.seed}
        res = strategy(
            X, n_budget, seeds=plan.seeds, eligible=plan.eligible, groups=plan.groups, quotas=plan.quotas, **kwargs
        )
    with timer("coverage"):
        rnd = random_selection(
            X,
            len(res.indices),
            eligible=plan.eligible,
            groups=plan.groups,
            quotas=plan.quotas,
            seed=cfg.seed,
            progress=progress,
        )
        at_pick = distances_at_pick(X, res.indices)

    picks = np.asarray(res.indices, dtype=np.int64)
    chosen_samples = [pool[i] for i in picks]
    rows = [
        {
            "rank": r,
            "id": s.id,
            "source": s.source,
            "task": s.task,
            "cluster": int(km.labels[i]),
            "distance": None if not np.isfinite(at_pick[r]) else round(float(at_pick[r]), 6),
            "seed": r < res.n_seeds,
        }
        for r, (i, s) in enumerate(zip(picks, chosen_samples, strict=True))
    ]
    manifest = _manifest(
        cfg, corpus, samples, filtered, clean_stats, pool, plan, km, res, rnd, encoder_info, target_info, picks
    )
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
    manifest["seconds"] = timer.as_dict()
    result = SelectResult(
        samples=chosen_samples,
        indices=np.asarray([position[s.id] for s in chosen_samples], dtype=np.int64),
        manifest=manifest,
        corpus=corpus,
        rows=rows,
    )
    if out is not None:
        with timer("write"):
            report = ReportData(
                sources=[s.source for s in pool],
                lengths=np.asarray([len(s.response) for s in pool]),
                labels=km.labels,
                picks=picks,
                radii=np.asarray(res.radii),
                random_radii=np.asarray(rnd.radii),
                embeddings=X,
                seed=cfg.seed,
            )
            # Rejected records are written as read, before cleaning (as `selector filter` does).
            rejected = [(corpus.samples[position[s.id]], reason) for s, reason in filtered.rejected]
            result.out_dir = write_outputs(result, rejected, report, out, protected, overwrite)
        manifest["seconds"] = timer.as_dict()
    return result


def write_outputs(
    result: SelectResult,
    rejected: Sequence[tuple[Sample, str]],
    report: ReportData,
    out: str | Path,
    inputs: Sequence[str],
    overwrite: bool,
) -> Path:
    """Write a run's files into ``out`` (as a whole: staged, then renamed)."""
    out = Path(out)
    with staged_out_dir(out, inputs, overwrite) as tmp:
        files = [p.name for p in write_records(result.corpus, result.samples, tmp, "selected")]
        write_jsonl(tmp / "selection.jsonl", result.rows)
        write_jsonl(tmp / "rejected.jsonl", (_rejected_row(s, reason) for s, reason in rejected))
        plots = write_plots(report, tmp)
        result.manifest["outputs"] = sorted([*files, "selection.jsonl", "rejected.jsonl", "report.md", *plots])
        (tmp / "report.md").write_text(render_markdown(result.manifest, plots), encoding="utf-8")
        text = json.dumps(finite_json(result.manifest), ensure_ascii=False, indent=2, default=_json_default)
        (tmp / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return out


def _rejected_row(sample: Sample, reason: str) -> dict[str, Any]:
    row: dict[str, Any] = {"reason": reason, "id": sample.id, "record": sample.record}
    if sample.instance is not None:
        row["instance"] = sample.instance
    return row


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _group_key(sample: Sample, group_by: str) -> str:
    # Clusters are not known before embedding: pre-sampling by cluster balances sources instead.
    return str(sample.task) if group_by == "task" else sample.source


def _top_reasons(stats: Mapping[str, Any]) -> str:
    by_reason = stats.get("by_reason", {})
    top = sorted(((k, v) for k, v in by_reason.items() if v), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{k}: {v:,}" for k, v in top) or "no reason"


def _coverage(result: Any, eligible: np.ndarray) -> dict[str, float]:
    return {
        "radius": round(float(result.radii[-1]), 6) if len(result.radii) else None,
        "mean_distance": round(float(np.mean(result.min_dist[eligible], dtype=np.float64)), 6),
        "size": len(result.indices),
    }


def _manifest(
    cfg: RunConfig,
    corpus: Corpus,
    samples: Sequence[Sample],
    filtered: Any,
    clean_stats: Mapping[str, Any],
    pool: Sequence[Sample],
    plan: Plan,
    km: Any,
    res: Any,
    rnd: Any,
    encoder_info: Mapping[str, Any],
    target_info: Mapping[str, Any] | None,
    picks: np.ndarray,
) -> dict[str, Any]:
    picked_clusters = np.bincount(km.labels[picks], minlength=len(km.centroids)) if len(picks) else []
    selected = [pool[i] for i in picks]
    manifest: dict[str, Any] = {
        MARKER_KEY: __version__,
        "seed": cfg.seed,
        "config": run_config_to_dict(cfg),
        "versions": versions(),
        "inputs": [
            {
                "path": f.path,
                "sha256": f.sha256,
                "container": f.container,
                "format": f.format,
                "records": f.records,
                "samples": f.samples,
                "skipped": f.skipped,
            }
            for f in corpus.files
        ],
        "target": dict(target_info) if target_info else None,
        "counts": {
            "read": len(corpus.samples),
            "after_filters": len(filtered.kept),
            "pool": len(pool),
            "candidates": int(plan.eligible.sum()),
            "budget": int(res.stats.get("budget", len(picks))),
            "selected": len(picks),
        },
        "cleaning": dict(clean_stats),
        "filters": dict(filtered.stats),
        "sources": {
            "read": dict(sorted(Counter(s.source for s in corpus.samples).items())),
            "pool": dict(sorted(Counter(s.source for s in pool).items())),
            "quota": dict(plan.quota_by_name) if plan.group_by == "source" else {},
            "selected": dict(sorted(Counter(s.source for s in selected).items())),
        },
        "tasks": {
            "pool": dict(sorted(Counter(str(s.task) for s in pool if s.task is not None).items())),
            "quota": dict(plan.quota_by_name) if plan.group_by == "task" else {},
            "selected": dict(sorted(Counter(str(s.task) for s in selected if s.task is not None).items())),
        },
        "allocation": {"group_by": plan.group_by, "quotas": dict(plan.quota_by_name)},
        "encoder": dict(encoder_info),
        "clusters": {
            "k": len(km.centroids),
            "train_points": km.stats.get("train_size"),
            "objective": km.stats.get("objective"),
            "sizes": [int(x) for x in np.bincount(km.labels, minlength=len(km.centroids))],
            "picks": [int(x) for x in picked_clusters],
            "clusters_picked": int(np.count_nonzero(picked_clusters)),
        },
        "centres": plan.stats,
        "coreset": {k: v for k, v in res.stats.items() if k != "seconds"},
        "coverage": {
            "selection": _coverage(res, plan.eligible),
            "random": _coverage(rnd, plan.eligible),
        },
    }
    return manifest
