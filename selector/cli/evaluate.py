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


@handles_errors
def evaluate(
    inputs: Inputs = None,
    *,
    out: Annotated[Path, out_option("Output folder (new or empty).")],
    task_field: TaskField = None,
    budgets: Annotated[
        str,
        typer.Option(
            "--budgets", metavar="B,B,...", help="Comma-separated: below 1 a share of the pool, else a count."
        ),
    ] = "0.005,0.01,0.02,0.05",
    strategies: Annotated[
        str,
        typer.Option(
            "--strategies",
            metavar="NAME,NAME,...",
            help="Comma-separated: default, default+tasks, or registry names (+tasks).",
        ),
    ] = "default,default+tasks,kcenter,medoids,random",
    seeds: Annotated[
        int, typer.Option("--seeds", metavar="N", help="Random selections per budget (the yardstick).")
    ] = 20,
    test_fraction: Annotated[
        float, typer.Option("--test-fraction", metavar="SHARE", help="Share of every task held out.")
    ] = 0.2,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the split and the random selections.")] = 0,
    config: ConfigOption = None,
    model: Model = None,
    device: Device = None,
    cache_dir: CacheDir = None,
    score_field: Annotated[
        str | None,
        typer.Option("--score-field", metavar="KEY", help="Numeric record field for the deita strategy."),
    ] = None,
    coverage_sample: Annotated[
        int | None,
        typer.Option("--coverage-sample", metavar="N", help="Measure coverage on this many seeded pool rows."),
    ] = None,
    holdout_datasets: Annotated[
        int,
        typer.Option(
            "--holdout-datasets", metavar="N", help="Leave this many whole datasets out of the pool; test on them."
        ),
    ] = 0,
    datasets: Annotated[
        str | None,
        typer.Option(
            "--datasets",
            metavar="NAME,NAME,...",
            help="Comma-separated dataset names that prefix the task names (default: tasks).",
        ),
    ] = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Hold out part of every task, select from the rest with each strategy and at random, and compare.

    Writes OUT/evaluation.json (one row per strategy, budget and proxy, with the random median, p10, p90 and the
    strategy's percentile), OUT/evaluation.md and OUT/evaluation.png.
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
    )
    goal = [r for r in result.results if r["proxy"] in ("transfer", "coverage_mean", "probe")]
    for r in goal:
        echo(
            f"{r['strategy']:>22} {r['budget']:>7g} {r['proxy']:<14} {r['value']:.4f} "
            f"(random {r['random_median']:.4f}, p10-p90 {r['random_p10']:.4f}-{r['random_p90']:.4f}) "
            f"percentile {r['percentile']:.0f}"
        )
    echo(f"wrote {out}/ (evaluation.json, evaluation.md, evaluation.png)")
