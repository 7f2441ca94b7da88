"""``report.md``: the run in tables (counts, filters, sources and tasks, clusters, coverage, the evidence against
random selections, duplicates, time per stage) beside the PNGs of :mod:`selector.report.plots`."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from selector.measures.evidence import render_evidence
from selector.report.plots import PLOTS


def md_escape(value: Any, code: bool = False) -> str:
    """``value`` as literal text in ``report.md`` (a table cell or a list item), whatever a source name, id or
    record holds: line breaks become spaces, raw HTML is escaped (``&lt;script&gt;``), and the backslash, pipe and
    backtick are backslash-escaped so that they neither split a table row nor open a code span; brackets and
    ``://`` are escaped so that data never renders as a link or a remote image. With ``code``, the
    value as a code span instead (shown verbatim, so only its backticks, which would end it, become ``'``)."""
    text = " ".join(str(value).splitlines())
    if code:
        return "`" + text.replace("`", "'") + "`"
    text = html.escape(text, quote=False)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    # brackets escaped: a value never becomes a link or an image (``![x](http://...)`` would load a remote image
    # when the report is viewed); ``://`` broken with an escaped slash so no bare URL is autolinked
    return text.replace("[", "\\[").replace("]", "\\]").replace("://", ":\\/\\/")


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _dedup_panel(dedup: Mapping[str, Any]) -> list[str]:
    out = ["", "## Duplicates", ""]
    out.append(_table([(r, f"{v['dropped']:,}") for r, v in dedup.items()], ["rule", "dropped"]))
    for reason, v in dedup.items():
        for ex in v["examples"]:
            sim = "" if ex["similarity"] is None else f" (similarity {ex['similarity']})"
            ids = md_escape(ex["id"], code=True), md_escape(ex["duplicate_of"], code=True)
            out += ["", f"- `{reason}`: {ids[0]} duplicates {ids[1]}{sim}"]
            out += [f"  - dropped: {md_escape(ex['text'])}", f"  - kept: {md_escape(ex['kept_text'])}"]
    return out


def render_markdown(manifest: Mapping[str, Any], plots: Sequence[str]) -> str:
    """The readable report: what was asked, what each stage kept, how well the selection covers the pool."""
    counts, cov = manifest["counts"], manifest["coverage"]
    out = ["# selector report", ""]
    out.append(
        f"Selected **{counts['selected']:,}** of {counts['read']:,} samples read "
        f"({counts['after_filters']:,} after filters, {counts['candidates']:,} candidates), "
        f"seed {manifest['seed']}, encoder `{manifest['encoder'].get('model', '?')}`."
    )
    out += ["", "## Stages", ""]
    stage_rows = [(name, f"{n:,}") for name, n in counts.items()]
    out.append(_table(stage_rows, ["stage", "samples"]))
    rejected = {k: v for k, v in manifest.get("filters", {}).get("by_reason", {}).items() if v}
    if rejected:
        out += ["", "Dropped by rule:", ""]
        out.append(_table(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])), ["reason", "samples"]))
    if manifest.get("dedup"):
        out += _dedup_panel(manifest["dedup"])
    out += _sources_panel(manifest["sources"])
    out += ["", "![source mix](sources.png)", "", "![response lengths](lengths.png)"]
    out += render_evidence(manifest.get("versus_random"))
    out += _coverage_panel(cov, manifest.get("strategy", {}).get("name", "selection"))
    out += ["", "![coverage curve](coverage.png)", ""]
    clusters = manifest["clusters"]
    out += ["## Clusters", ""]
    out.append(
        f"faiss K-Means, k = {clusters['k']}, trained on {clusters.get('train_points', '?'):,} points; "
        f"{clusters['clusters_picked']} clusters contain at least one pick."
    )
    out += ["", "![clusters](clusters.png)", "", "![projection](projection.png)", ""]
    out += ["## Time per stage", ""]
    out.append(_table([(k, f"{v:.2f} s") for k, v in manifest["seconds"].items()], ["stage", "time"]))
    missing = sorted(set(PLOTS) - set(plots))
    if missing:
        out += ["", f"Plots not drawn: {', '.join(missing)}"]
    return "\n".join(out) + "\n"


def _sources_panel(src: Mapping[str, Any]) -> list[str]:
    """Per source: read, after filters, quota and selected."""
    rows = [
        (
            s,
            f"{src['read'].get(s, 0):,}",
            f"{src['pool'].get(s, 0):,}",
            src["quota"].get(s, "-"),
            src["selected"].get(s, 0),
        )
        for s in sorted(src["read"])
    ]
    return ["", "## Sources", "", _table(rows, ["source", "read", "after filters", "quota", "selected"])]


def _coverage_panel(cov: Mapping[str, Any], strategy: str) -> list[str]:
    """Coverage radius and mean distance of the selection (by its strategy's name) and of the seeded random one."""
    rows = [
        (strategy, f"{cov['selection']['radius']:.4f}", f"{cov['selection']['mean_distance']:.4f}"),
        ("random (seeded)", f"{cov['random']['radius']:.4f}", f"{cov['random']['mean_distance']:.4f}"),
    ]
    return [
        "",
        "## Coverage",
        "",
        "Coverage radius: the largest distance from a candidate to its nearest pick (Euclidean on unit vectors, "
        "`sqrt(2 - 2 cos)`); mean distance: the average over candidates. Lower is better.",
        "",
        _table(rows, ["selection", "coverage radius", "mean distance to nearest pick"]),
    ]
