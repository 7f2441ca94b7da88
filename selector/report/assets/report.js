// report.html's behaviour: draws the Plotly charts, the map of the pool, and makes tables sort and filter.
// Every record text is put on the page with textContent (or, for Plotly's hover labels, entity-escaped), never as
// HTML. Shipped with selector (selector/report/assets/) and inlined into each report.
(function () {
  "use strict";
  const data = window.SELECTOR_REPORT; // the packed report-data block, inflated by the page's loader
  const seconds = JSON.parse(document.getElementById("report-seconds").textContent);
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
    "#636363", "#6baed6", "#fd8d3c"];
  const CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
  const LAYOUT = {
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#222" },
    paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    xaxis: { gridcolor: "#eee", zeroline: false }, yaxis: { gridcolor: "#eee", zeroline: false },
    title: { font: { size: 14 }, x: 0.01 }, hoverlabel: { align: "left" },
  };

  // A fresh copy per chart: Plotly writes into the layout objects it is given (axis ranges, types).
  function withLayout(layout) {
    const out = Object.assign(JSON.parse(JSON.stringify(LAYOUT)), layout);
    for (const key of Object.keys(layout)) {
      if (/^[xy]axis\d*$/.test(key)) out[key] = Object.assign({ gridcolor: "#eee", zeroline: false }, layout[key]);
    }
    return out;
  }

  function draw(id, spec) {
    const el = document.getElementById(id);
    if (el && spec) Plotly.newPlot(el, spec.data, withLayout(spec.layout), CONFIG);
  }

  // Plotly reads hover text as light HTML: escape it, then wrap it for the label.
  function escapeLabel(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function wrap(text, width) {
    const lines = [];
    let line = "";
    for (const word of String(text).split(" ")) {
      if (line && line.length + word.length + 1 > width) { lines.push(line); line = ""; }
      line = line ? line + " " + word : word;
    }
    if (line) lines.push(line);
    return lines.map(escapeLabel).join("<br>");
  }

  function colours(by) {
    const P = data.points;
    if (by === "cluster") return data.pool_points.map((i) => PALETTE[P.cluster[i] % PALETTE.length]);
    const names = Array.from(new Set(P.source)).sort();
    const index = new Map(names.map((name, k) => [name, k]));
    return data.pool_points.map((i) => PALETTE[index.get(P.source[i]) % PALETTE.length]);
  }

  function legend(by) {
    const box = document.getElementById("map-legend");
    box.replaceChildren();
    if (by !== "source") return;
    const names = Array.from(new Set(data.points.source)).sort();
    names.slice(0, PALETTE.length).forEach((name, k) => {
      const item = document.createElement("span");
      const chip = document.createElement("i");
      chip.style.background = PALETTE[k];
      item.append(chip, document.createTextNode(name));
      box.append(item);
    });
  }

  function drawMap() {
    const P = data.points;
    const el = document.getElementById("map");
    if (!el || !P.x) return;
    const hover = (i) => {
      const rank = P.rank[i] >= 0 ? "rank " + P.rank[i] : "not picked";
      return "<b>" + escapeLabel(P.id[i]) + "</b><br>source " + escapeLabel(P.source[i]) + " · cluster " +
        P.cluster[i] + " · " + rank + "<br>" + wrap(P.snippet[i], 70);
    };
        const trace = (points, name, marker) => ({
      type: "scatter", mode: "markers", name: name, marker: marker, customdata: points,
      x: points.map((i) => P.x[i]), y: points.map((i) => P.y[i]),
      hovertext: points.map(hover), hoverinfo: "text",
    });
    const traces = [
      trace(data.pool_points, "pool", { size: 6, opacity: 0.55, color: colours("cluster") }),
      trace(data.pick_points, "selected", { size: 10, color: "#d62728", line: { color: "#fff", width: 1.5 } }),
    ];
    const layout = withLayout({
      height: 560, margin: { l: 40, r: 10, t: 10, b: 40 }, hovermode: "closest", dragmode: "pan",
      xaxis: { title: "PC 1" }, yaxis: { title: "PC 2" }, legend: { orientation: "h", y: 1.04 },
    });
    Plotly.newPlot(el, traces, layout, Object.assign({}, CONFIG, { scrollZoom: true, displayModeBar: "hover" }));
    el.on("plotly_click", (event) => { if (event.points.length) showRecord(event.points[0].customdata); });
    for (const button of document.querySelectorAll("[data-colour-by]")) {
      button.addEventListener("click", () => {
        const by = button.getAttribute("data-colour-by");
        Plotly.restyle(el, { "marker.color": [colours(by)] }, [0]);
        document.querySelectorAll("[data-colour-by]").forEach((b) => b.classList.toggle("on", b === button));
        legend(by);
      });
    }
  }

  function showRecord(i, scroll) {
    const P = data.points;
    const panel = document.getElementById("detail");
    if (!panel || i === undefined || i < 0) return;
    const field = (name) => panel.querySelector("[data-field=" + name + "]");
    const rank = P.rank[i] >= 0 ? "rank " + P.rank[i] : "not picked";
    field("id").textContent = P.id[i];
    field("meta").textContent = "source " + P.source[i] + (P.task[i] ? " · task " + P.task[i] : "") +
      " · cluster " + P.cluster[i] + " · " + rank;
    const whole = P.prompt[i] !== null;
    field("prompt").textContent = whole ? P.prompt[i] : P.snippet[i];
    field("response").textContent = whole ? P.response[i] : "";
    field("note").textContent = whole ? "" : "Only the first 200 characters are kept for this point (size limit); " +
      "the whole record is in the input.";
    if (scroll) panel.scrollIntoView({ block: "nearest" });
  }

  function sortable(table) {
    const body = table.tBodies[0];
    table.querySelectorAll("th").forEach((th, col) => {
      th.addEventListener("click", () => {
        const numeric = th.getAttribute("data-type") === "num";
        const down = th.getAttribute("aria-sort") === "ascending";
        table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", down ? "descending" : "ascending");
        const key = (row) => {
          const text = row.cells[col].textContent;
          return numeric ? (text === "" ? Infinity : Number(text)) : text.toLowerCase();
        };
        const rows = Array.from(body.rows);
        rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (down ? -1 : 1));
        body.append(...rows);
      });
    });
  }

  function searchable(input, table, counter) {
    const rows = Array.from(table.tBodies[0].rows);
    const update = () => {
      const query = input.value.trim().toLowerCase();
      let shown = 0;
      for (const row of rows) {
        const hit = !query || row.textContent.toLowerCase().includes(query);
        row.hidden = !hit;
        if (hit) shown += 1;
      }
      counter.textContent = shown + " of " + rows.length + " rows";
    };
    input.addEventListener("input", update);
    update();
  }

  for (const [id, spec] of Object.entries(data.figures)) draw(id, spec);
  draw("fig-seconds", seconds.figure);
  drawMap();
  document.querySelectorAll("table.sortable").forEach(sortable);
  const table = document.getElementById("picks-table");
  if (table) {
    searchable(document.getElementById("picks-search"), table, document.getElementById("picks-count"));
    table.tBodies[0].addEventListener("click", (event) => {
      const row = event.target.closest("tr");
      if (row) showRecord(Number(row.getAttribute("data-point")), true);
    });
  }
})();
