"""Plotly's JavaScript for ``report.html``, gzip-compressed and base64-encoded (1.96 MB instead of 4.8 MB).

The page carries the bundle as text in a ``<script type="application/octet-stream">`` block; :data:`LOADER` turns
it back into JavaScript in the browser with ``DecompressionStream("gzip")`` (Chromium 80+, Firefox 113+, Safari
16.4+), runs it, then runs the page's own script, so the file stays self-contained and works offline. The bytes
are deterministic: gzip's header time is fixed at 0 and the level at 9, so the same installed plotly gives the
same page.
"""

from __future__ import annotations

import base64
import gzip
from functools import cache

from plotly.offline import get_plotlyjs

BUNDLE_ID = "plotly-gzip"
SCRIPT_ID = "report-js"

# Decodes the bundle, runs it as a global script, then runs report.js (kept as text until Plotly is defined);
# sets data-report="ready" on <html> once the charts are drawn, "failed" with the error in the console otherwise.
LOADER = f"""(async function () {{
  const root = document.documentElement;
  try {{
    const text = document.getElementById("{BUNDLE_ID}").textContent.trim();
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    const js = await new Response(stream).text();
    for (const source of [js, document.getElementById("{SCRIPT_ID}").textContent]) {{
      const script = document.createElement("script");
      script.textContent = source;
      document.head.appendChild(script);
    }}
    root.dataset.report = "ready";
  }} catch (error) {{
    root.dataset.report = "failed";
    console.error("report.html could not unpack its Plotly bundle:", error);
  }}
}})();"""


@cache
def plotly_gzip_base64() -> str:
    """The installed plotly's JavaScript bundle, gzip level 9 with header time 0, as base64 text."""
    packed = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def plotly_blocks(report_js: str) -> list[str]:
    """The page's closing script blocks: the packed bundle, report.js as inert text, and the loader that runs both.

    ``report_js`` must not contain ``</script>`` (the shipped asset does not)."""
    return [
        f'<script type="application/octet-stream" id="{BUNDLE_ID}">{plotly_gzip_base64()}</script>',
        f'<script type="text/plain" id="{SCRIPT_ID}">{report_js}</script>',
        f"<script>{LOADER}</script>",
    ]
