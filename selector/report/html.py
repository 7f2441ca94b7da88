"""``report.html``: one self-contained page (Plotly's basic bundle and the page's data gzip-packed, our script
inlined; no CDN, no server) to look through a run: the funnel, the map of the pool with the picks, the picks table,
rejections with examples, duplicates beside the record kept, the evidence against random selections, coverage,
lengths and time per stage.

Every text from the data is escaped (:func:`html.escape` in the page; data for the scripts is JSON with ``<``,
``>`` and ``&`` written as ``\\u`` escapes, then packed by :mod:`selector.report.bundle`), so a record holding
``<script>`` shows as text. The page is deterministic: fixed element ids, no timestamps; only the
``report-seconds`` block (time per stage) differs between two identical runs, as ``manifest.json``'s ``seconds``
does. Limits: ``docs/report.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from selector.measures.evidence import z_text
from selector.report.bundle import script_blocks
from selector.report.data import ReportModel
from selector.report.figures import curve_points, figures, seconds

REPORT_FILE = "report.html"
PICK_COLUMNS = (  # (key, header, numeric)
    ("rank", "rank", True),
    ("id", "id", False),
    ("source", "source", False),
    ("task", "task", False),
    ("cluster", "cluster", True),
    ("distance", "distance at pick", True),
    ("prompt", "prompt (first 200 characters)", False),
)


def write_html_report(folder: Path, model: ReportModel) -> str:
    """Write ``report.html`` of ``model`` into ``folder`` (a command's staging folder) and return its file name."""
    (folder / REPORT_FILE).write_text(render_html(model), encoding="utf-8")
    return REPORT_FILE


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside ``<script>``: no ``<``, ``>`` or ``&`` characters (so no ``</script>``
    or ``<!--``), non-finite floats as ``null``, keys in the order given."""
    text = json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _finite(value.item())
    return value


def _asset(name: str) -> str:
    return resources.files("selector.report").joinpath("assets", name).read_text(encoding="utf-8")


def render_html(data: ReportModel) -> str:
    """The whole page as one string."""
    sections = [
        _section("funnel", "What each stage kept", _div("fig-funnel")),
        _map_section(data),
        _picks_section(data),
        _evidence_section(data),
        _mix_section(data),
        _rejections_section(data),
        _duplicates_section(data),
        _curves_section(data),
        _section("time", "Time per stage", _div("fig-seconds"), "Wall-clock seconds; they differ between runs.")
        if data.seconds
        else "",
    ]
    body = "\n".join(s for s in sections if s)
    nav = " ".join(f'<a href="#{i}">{escape(t)}</a>' for i, t in _NAV if f'id="{i}"' in body)
    payload = {
        "figures": figures(data),
        "points": data.points,
        "pool_points": data.pool_points,
        "pick_points": data.pick_points,
    }
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>selector {escape(data.command)} report</title>",
            f"<style>{_asset('report.css')}</style>",
            "</head><body>",
            f"<header><h1>selector {escape(data.command)} report</h1><p>{escape(data.summary)}</p>",
            f"<nav>{nav}</nav></header>",
            f"<main>\n{body}\n</main>",
            f'<script type="application/json" id="report-seconds">{script_json({"figure": seconds(data)})}</script>',
            *script_blocks(script_json(payload), _asset("report.js")),
            "</body></html>",
            "",
        ]
    )


_NAV = (
    ("funnel", "funnel"),
    ("map-section", "map"),
    ("picks", "picks"),
    ("evidence", "versus random"),
    ("mix", "mix"),
    ("rejections", "rejections"),
    ("duplicates", "duplicates"),
    ("curves", "coverage and lengths"),
    ("time", "time"),
)


def _div(fig_id: str) -> str:
    return f'<div id="{fig_id}" class="fig"></div>'


def _section(section_id: str, title: str, content: str, note: str = "") -> str:
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return f'<section id="{section_id}"><h2>{escape(title)}</h2>{note_html}\n{content}\n</section>'


def _map_section(data: ReportModel) -> str:
    if not data.points:
        return ""
    note = (
        f"2-D PCA of the embeddings: {len(data.pool_points):,} of {data.n_pool:,} pool samples "
        f"(a seeded sample when the pool is larger), {len(data.pick_points):,} of {data.n_picks:,} picks on top. "
        "Hover a point for its id, source, cluster, rank and first 200 characters; click it for the whole record."
    )
    toolbar = (
        '<div class="toolbar">colour the pool by <button data-colour-by="cluster" class="on">cluster</button>'
        '<button data-colour-by="source">source</button><span id="map-legend"></span></div>'
    )
    detail = (
        '<div id="detail"><h3 data-field="id">Click a point on the map or a row of the picks table</h3>'
        '<p class="note" data-field="meta">Its whole prompt and response show here.</p>'
        '<h4>prompt</h4><pre data-field="prompt"></pre><h4>response</h4><pre data-field="response"></pre>'
        '<p class="note" data-field="note"></p></div>'
    )
    content = f'{toolbar}<div class="map-wrap"><div id="map"></div>{detail}</div>'
    return _section("map-section", "Map of the pool", content, note)


def _cell(value: Any, numeric: bool) -> str:
    text = "" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))
    return f'<td class="num">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"


def _picks_section(data: ReportModel) -> str:
    if not data.picks:
        return ""
    head = "".join(f'<th data-type="{"num" if num else "text"}">{escape(title)}</th>' for _, title, num in PICK_COLUMNS)
    rows = "\n".join(
        f'<tr data-point="{int(p["point"])}">' + "".join(_cell(p.get(k), num) for k, _, num in PICK_COLUMNS) + "</tr>"
        for p in data.picks
    )
    shown = "all picks" if len(data.picks) == data.n_picks else f"the first {len(data.picks):,} of {data.n_picks:,}"
    note = (
        f"Ranking order ({shown}); any prefix is a smaller selection. Click a header to sort, a row for the whole "
        "record; distance at pick is the distance to the nearest earlier pick."
    )
    toolbar = (
        '<div class="toolbar"><input id="picks-search" type="search" placeholder="filter rows: id, source, text...">'
        '<span id="picks-count" class="note"></span></div>'
    )
    table = f'<div class="table-wrap"><table id="picks-table" class="sortable"><thead><tr>{head}</tr></thead>'
    return _section("picks", "Picks", f"{toolbar}{table}<tbody>\n{rows}\n</tbody></table></div>", note)


def _evidence_section(data: ReportModel) -> str:
    section = data.versus_random
    if not section:
        return ""
    if "skipped" in section:  # the evidence could not be measured; the run says why
        return _section("evidence", "Versus random", "", f"Not measured: {section['skipped']}.")
    head = (
        "<tr><th>proxy</th><th>what</th><th>selection</th><th>random median</th><th>p10-p90</th>"
        "<th>z [90% interval]</th><th>verdict</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(p['what'])}</td>"
        + "".join(f'<td class="num">{p[k]:.4g}</td>' for k in ("value", "random_median"))
        + f'<td class="num">{p["random_p10"]:.4g}-{p["random_p90"]:.4g}</td><td class="num">{escape(z_text(p))}</td>'
        f"<td>{escape(str(p.get('verdict', '-')))}</td></tr>"
        for name, p in section["proxies"].items()
    )
    matched = section.get("baseline") == "count-matched"
    rule = "count-matched: each holds the selection's own picks per group" if matched else "under the same rules"
    note = (
        f"Label-free proxies in an independent space ({section['space']}) for this selection and for "
        f"{section['random_draws']} seeded random selections of the same size ({rule}); z is how many random "
        "standard deviations the selection sits above them (higher is better), with a bootstrap 90% interval; the "
        "verdict is beats / ties / loses as the interval lies above, across or below 0. Not proof that it teaches "
        "more: `selector evaluate` answers that."
    )
    table = f'<table class="sortable"><thead>{head}</thead><tbody>{rows}</tbody></table>'
    return _section("evidence", "Versus random", _div("fig-evidence") + table, note)


def _mix_section(data: ReportModel) -> str:
    parts = []
    for kind in ("source", "task"):
        rows = data.mix.get(kind)
        if not rows:
            continue
        cols = [c for c in rows[0] if c != "name"]
        head = f"<tr><th>{kind}</th>" + "".join(f'<th data-type="num">{escape(c)}</th>' for c in cols) + "</tr>"
        body = "".join(
            f"<tr><td>{escape(r['name'])}</td>" + "".join(_cell(r[c], True) for c in cols) + "</tr>" for r in rows
        )
        table = f'<table class="sortable"><thead>{head}</thead><tbody>{body}</tbody></table>'
        parts.append(f"<div>{_div(f'fig-{kind}s')}{table}</div>")
    return _section("mix", "Source and task mix", f'<div class="grid">{"".join(parts)}</div>') if parts else ""


def _example(ex: Any) -> str:
    note = f" · {escape(ex.note)}" if ex.note else ""
    summary = f"<code>{escape(ex.id)}</code> · {escape(ex.source)}{note}"
    return (
        f'<details><summary>{summary}</summary><div class="pair"><div><h4>prompt</h4><pre>{escape(ex.prompt)}</pre>'
        f"</div><div><h4>response</h4><pre>{escape(ex.response)}</pre></div></div></details>"
    )


def _rejections_section(data: ReportModel) -> str:
    if not data.reasons:
        return ""
    parts = [
        f'<h3><code>{escape(g.reason)}</code>: {g.dropped:,} dropped</h3><p class="note">{escape(g.explanation)}</p>'
        + "".join(_example(ex) for ex in g.examples)
        for g in data.reasons
    ]
    note = "Each rule with the first records it dropped (as read); rejected.jsonl holds all of them."
    return _section("rejections", "Rejections by rule", "\n".join(parts), note)


def _duplicates_section(data: ReportModel) -> str:
    rows = []
    for reason, v in data.duplicates.items():
        for ex in v.get("examples", []):
            sim = "" if ex.get("similarity") is None else f"{ex['similarity']}"
            rows.append(
                f'<tr><td><code>{escape(reason)}</code></td><td class="num">{escape(sim)}</td>'
                f"<td><code>{escape(ex['id'])}</code><pre>{escape(ex['text'])}</pre></td>"
                f"<td><code>{escape(ex['duplicate_of'])}</code><pre>{escape(ex['kept_text'])}</pre></td></tr>"
            )
    if not rows:
        return ""
    head = "<tr><th>rule</th><th>similarity</th><th>dropped</th><th>kept</th></tr>"
    table = f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
    return _section("duplicates", "Duplicates beside the record kept", table)


def _curves_section(data: ReportModel) -> str:
    ids = [i for i in ("fig-coverage", "fig-lengths", "fig-clusters") if i[4:] in _present(data)]
    if not ids:
        return ""
    note = "Coverage radius: the largest distance from a candidate to its nearest pick (lower is better)."
    grid = f'<div class="grid">{"".join(map(_div, ids))}</div>'
    return _section("curves", "Coverage, lengths and clusters", grid, note)


def _present(data: ReportModel) -> set[str]:
    shown = {"lengths": bool(data.lengths), "clusters": bool(data.clusters)}
    shown["coverage"] = bool(curve_points(data.coverage.get("ours", []), data.coverage.get("random", [])))
    return {k for k, v in shown.items() if v}
