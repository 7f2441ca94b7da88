"""The human side of an evaluation: the markdown table and the plot of each strategy against the random band."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selector.measures.proxies import HIGHER_IS_BETTER

if TYPE_CHECKING:
    from selector.evaluation.run import EvaluationResult

PLOTTED = ("transfer", "coverage_mean", "vendi", "finetune")


def format_table(results: list[dict[str, Any]]) -> str:
    """One markdown row per strategy, budget and proxy: mean over seeds, the baseline (count-matched or uniform),
    its median and p10-p90 band, z with its 90% interval, percentile and verdict."""
    lines = [
        "| strategy | budget | size | proxy | mean | baseline | random median | random p10-p90 | z [90% interval] "
        "| percentile | verdict |",
        "|---|---:|---:|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        z = "-" if r["z"] is None else f"{r['z']:+.2f} [{r['z_lo']:+.2f}, {r['z_hi']:+.2f}]"
        pct = "-" if r["percentile"] is None else f"{r['percentile']:.0f}"
        lines.append(
            f"| {r['strategy']} | {r['budget']:g} | {r['size']} | {r['proxy']} | {r['value']:.4f} | {r['baseline']} | "
            f"{r['random_median']:.4f} | {r['random_p10']:.4f}-{r['random_p90']:.4f} | {z} | {pct} | {r['verdict']} |"
        )
    return "\n".join(lines) + "\n"


def render_table(result: EvaluationResult) -> str:
    """``evaluation.md``: the settings, the split, how to read the numbers, and the full table."""
    s, sp = result.settings, result.split
    present = {r["proxy"] for r in result.results}
    direction = ", ".join(
        f"{p} ({'higher' if h else 'lower'} is better)" for p, h in HIGHER_IS_BETTER.items() if p in present
    )
    empty = ", ".join(sp.get("empty_answer_tasks", [])) or "none"
    return (
        "# Selection versus random\n\n"
        f"Inputs: {', '.join(s['inputs'])} (task field `{s['task_field']}`). Split by example (group key "
        f"`{sp['group_field']}`: {sp['groups']:,} groups): {sp['pool']:,} pool and {sp['test']:,} test records in "
        f"{sp['tasks']} tasks (test fraction {sp['test_fraction']}, seed {sp['seed']}); {sp['dropped_exact']} "
        f"held-out records dropped because their prompt is in the pool, {sp['dropped_normalised']} more after "
        f"normalisation. Tasks left out because every answer is empty: {empty}.\n\n"
        f"Every strategy ran with {s['seeds']} selection seeds; the baselines are {s['draws']} random draws of the "
        "same size: uniform, or with the selection's own per-group counts (`matched`, for `+sources`/`+tasks` rows). "
        f"Proxies in {s['proxy_space']}: {direction}. `z` = (mean over seeds - random mean) / random sd, oriented "
        "so that higher is better, with a bootstrap 90% interval over seeds and draws; the verdict is `beats`, "
        "`ties` or `loses` as that interval lies above, across or below 0 (task_kl is reported, not a goal).\n\n"
        + format_table(result.results)
    )


def plot_evaluation(result: EvaluationResult, path: Path) -> None:
    """One panel per proxy in :data:`PLOTTED`: the random p10-p90 band and median per budget, each strategy on top."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    budgets = list(result.sizes)
    strategies = result.settings["strategies"]
    plotted = [p for p in PLOTTED if any(r["proxy"] == p for r in result.results)] or ["transfer"]
    fig, axes = plt.subplots(1, len(plotted), figsize=(5 * len(plotted), 4), squeeze=False)
    x = np.arange(len(budgets))
    for ax, proxy in zip(axes[0], plotted, strict=True):
        rows = {(r["strategy"], r["budget"]): r for r in result.results if r["proxy"] == proxy}
        first = [rows[(strategies[0], b)] for b in budgets]
        ax.fill_between(x, [r["random_p10"] for r in first], [r["random_p90"] for r in first], color="0.85",
                        label="random p10-p90")  # fmt: skip
        ax.plot(x, [r["random_median"] for r in first], color="0.4", ls="--", label="random median")
        for name in strategies:
            ax.plot(x, [rows[(name, b)]["value"] for b in budgets], marker="o", label=name)
        ax.set_xticks(x, [f"{b:g}\n({result.sizes[b]})" for b in budgets])
        ax.set_xlabel("budget (size)")
        ax.set_title(f"{proxy} ({'higher' if HIGHER_IS_BETTER[proxy] else 'lower'} is better)")
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
