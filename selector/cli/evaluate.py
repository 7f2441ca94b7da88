"""``selector evaluate``: every strategy against seeded random selections of the same size, on held-out tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from selector.cli.common import (
    CacheDir,
    ConfigOption,
    Device,
    Inputs,
    Model,
    Overwrite,
    Quiet,
    TaskField,
    Verbose,
    out_option,
    with_encoder,
)
from selector.cli.console import echo, handles_errors, setup_logging
from selector.errors import ConfigError


def _floats(text: str, option: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{option} expects comma-separated numbers (e.g. 0.005,0.01,100), got {text!r}") from None


Budgets = Annotated[
    str,
    typer.Option("--budgets", metavar="B,B,...", help="Comma-separated: below 1 a share of the pool, else a count."),
]
Strategies = Annotated[
    str,
    typer.Option(
        "--strategies",
        metavar="NAME,NAME,...",
        help="Comma-separated: default or registry names, each with an optional +sources or +tasks mode.",
    ),
]
Seeds = Annotated[int, typer.Option("--seeds", metavar="N", help="Selection seeds per strategy (>= 5).")]
Draws = Annotated[int, typer.Option("--draws", metavar="N", help="Random draws per baseline (>= 200).")]
GroupField = Annotated[
    str | None,
    typer.Option(
        "--group-field",
        metavar="KEY",
        help="Record key naming the example (one group goes whole to pool or test); @row: the row index within "
        "the source dataset (P3-style template files; detected when left out).",
    ),
]
TestFraction = Annotated[float, typer.Option("--test-fraction", metavar="SHARE", help="Share of every task held out.")]
Seed = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the split and the random selections.")]
ScoreField = Annotated[
    str | None, typer.Option("--score-field", metavar="KEY", help="Numeric record field for the deita strategy.")
]
CoverageSample = Annotated[
    int | None, typer.Option("--coverage-sample", metavar="N", help="Measure coverage on this many seeded pool rows.")
]
HoldoutDatasets = Annotated[
    int,
    typer.Option(
        "--holdout-datasets", metavar="N", help="Leave this many whole datasets out of the pool; test on them."
    ),
]
Proxies = Annotated[
    str | None,
    typer.Option(
        "--proxies",
        metavar="NAME,NAME,...",
        help="Comma-separated proxies (default: all but finetune): transfer, coverage, mix, vendi, novelsum, probe, "
        "finetune (a pretrained encoder fine-tuned per classification task: opt-in, minutes on a CPU; its full "
        "form with --device cuda).",
    ),
]
Datasets = Annotated[
    str | None,
    typer.Option(
        "--datasets",
        metavar="NAME,NAME,...",
        help="Comma-separated dataset names that prefix the task names (default: tasks).",
    ),
]


@handles_errors
def evaluate(
    inputs: Inputs = None,
    *,
    out: Annotated[Path, out_option("Output folder (new or empty).")],
    task_field: TaskField = None,
    budgets: Budgets = "0.005,0.01,0.02,0.05",
    strategies: Strategies = "default,default+sources,default+tasks,medoids,stratified,kcenter",
    seeds: Seeds = 5,
    draws: Draws = 200,
    group_field: GroupField = None,
    test_fraction: TestFraction = 0.2,
    seed: Seed = 0,
    config: ConfigOption = None,
    model: Model = None,
    device: Device = None,
    cache_dir: CacheDir = None,
    score_field: ScoreField = None,
    coverage_sample: CoverageSample = None,
    holdout_datasets: HoldoutDatasets = 0,
    datasets: Datasets = None,
    proxies: Proxies = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Hold out part of every task, select from the rest with each strategy and at random, and compare.

    Splits by example, runs every strategy with several seeds, and writes OUT/evaluation.json (one row per
    strategy, budget and proxy: z against random with its 90% interval, percentile and verdict), OUT/evaluation.md
    and OUT/evaluation.png (docs/quality.md).
    """
    from selector.evaluation import evaluate as run_evaluate

    setup_logging(verbose, quiet)
    if not task_field:
        raise ConfigError("evaluate needs --task-field F (e.g. @file): every task is split into pool and test")
    result = run_evaluate(
        inputs,
        task_field=task_field,
        budgets=_floats(budgets, "--budgets"),
        strategies=[s.strip() for s in strategies.split(",") if s.strip()],
        seeds=seeds,
        draws=draws,
        group_field=group_field,
        test_fraction=test_fraction,
        seed=seed,
        out=out,
        overwrite=overwrite,
        config=with_encoder(config, {"device": device}),
        model=model,
        cache_dir=cache_dir,
        score_field=score_field,
        coverage_sample=coverage_sample,
        progress=not quiet,
        holdout_datasets=holdout_datasets,
        datasets=[d.strip() for d in datasets.split(",") if d.strip()] if datasets else None,
        **({"proxies": [p.strip() for p in proxies.split(",") if p.strip()]} if proxies else {}),
    )
    _echo_cells(result.results)
    echo(f"wrote {out}/ (evaluation.json, evaluation.md, evaluation.png)")


def _echo_cells(results: list[dict]) -> None:
    """One line per (strategy, budget) and headline proxy: value, z with its 90% interval, verdict."""
    for r in [r for r in results if r["proxy"] in ("transfer", "coverage_mean", "probe", "finetune")]:
        z = "not measured" if r["z"] is None else f"z {r['z']:+.2f} [{r['z_lo']:+.2f}, {r['z_hi']:+.2f}]"
        echo(f"{r['strategy']:>22} {r['budget']:>7g} {r['proxy']:<14} {r['value']:.4f} {z} {r['verdict']}")
