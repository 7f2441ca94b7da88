"""The packed script blocks of ``report.html``: Plotly's basic bundle and the page's data, each gzip + base64.

The page draws only the trace types of plotly.js's official *basic* distribution (scatter, bar, pie), so it
carries that bundle, vendored unchanged with its licence header from the npm package ``plotly.js-basic-dist-min``
4.1.1 (the plotly.js version plotly 7.1 writes figures for) as ``assets/plotly-basic.min.js``, its licence beside
it in ``assets/plotly-basic.LICENSE``: 1.19 MB of JavaScript, 0.53 MB packed, against 4.8 MB (1.96 MB packed) for
the whole bundle. The data for the page's script (figures and the map's point store) is packed the same way.

Each packed block is text in a ``<script type="application/octet-stream">``; :data:`LOADER` inflates them in the
browser with ``DecompressionStream("gzip")`` (Chromium 80+, Firefox 113+, Safari 16.4+), sets the data as
``window.SELECTOR_REPORT``, runs Plotly, then the page's own script, so the file stays self-contained and works
offline. The bytes are deterministic: gzip's header time is fixed at 0 and the level at 9.
"""

from __future__ import annotations

import base64
import gzip
import re
from functools import cache
from importlib import resources

PLOTLY_ASSET = "plotly-basic.min.js"
BUNDLE_ID = "plotly-gzip"
DATA_ID = "report-data"
SCRIPT_ID = "report-js"

# Inflates the bundle and the data, runs the bundle as a global script, then report.js (kept as text until Plotly
# is defined); sets data-report="ready" on <html> once the charts are drawn, "failed" with the error otherwise.
LOADER = f"""(async function () {{
  const root = document.documentElement;
  async function unpack(id) {{
    const text = document.getElementById(id).textContent.trim();
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }}
  try {{
    const [js, data] = await Promise.all([unpack("{BUNDLE_ID}"), unpack("{DATA_ID}")]);
    window.SELECTOR_REPORT = JSON.parse(data);
    for (const source of [js, document.getElementById("{SCRIPT_ID}").textContent]) {{
      const script = document.createElement("script");
      script.textContent = source;
      document.head.appendChild(script);
    }}
    root.dataset.report = "ready";
  }} catch (error) {{
    root.dataset.report = "failed";
    console.error("report.html could not unpack its Plotly bundle or its data:", error);
  }}
}})();"""


def pack(text: str) -> str:
    """``text`` as UTF-8, gzip level 9 with header time 0, then base64: the same text gives the same block."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def unpack(block: str) -> str:
    """The text :func:`pack` packed (what the page's loader does in the browser)."""
    return gzip.decompress(base64.b64decode(block)).decode("utf-8")


def packed_block(page: str, block_id: str) -> str:
    """The unpacked text of the packed block ``block_id`` of a rendered page (``report-data``, ``plotly-gzip``).

    Raises:
        KeyError: the page has no packed block of that id."""
    found = re.search(rf'<script type="application/octet-stream" id="{re.escape(block_id)}">(.*?)</script>', page)
    if found is None:
        raise KeyError(f"report.html has no packed block id={block_id!r}")
    return unpack(found.group(1))


def plotly_js() -> str:
    """The vendored plotly.js basic bundle, licence header first."""
    return resources.files("selector.report").joinpath("assets", PLOTLY_ASSET).read_text(encoding="utf-8")


@cache
def plotly_gzip_base64() -> str:
    """:func:`plotly_js` packed (computed once per process)."""
    return pack(plotly_js())


def script_blocks(data_json: str, report_js: str) -> list[str]:
    """The page's closing script blocks: the packed bundle, the packed data, report.js as inert text, and the
    loader that runs them.

    ``report_js`` must not contain ``</script>`` (the shipped asset does not)."""
    return [
        f'<script type="application/octet-stream" id="{BUNDLE_ID}">{plotly_gzip_base64()}</script>',
        f'<script type="application/octet-stream" id="{DATA_ID}">{pack(data_json)}</script>',
        f'<script type="text/plain" id="{SCRIPT_ID}">{report_js}</script>',
        f"<script>{LOADER}</script>",
    ]
