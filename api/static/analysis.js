// rekg home page: the analyses (paths, chokepoints, concentration, disruption) and the charts of every answer.
// Charts are Vega-Lite specs drawn by the vendored Vega (api/static/vendor/) as SVG, with Vega's expression
// interpreter instead of `new Function`, so they run under the page's Content Security Policy.
"use strict";

(function () {
  const R = window.rekg;
  const { el, entityHref, entityLink, evidenceBanner, resolvedNote, sourceChips, wireAsk } = R;

  const STATUS_COLOURS = {
    "announced": "#4f9fbf",
    "in force": "#23734a",
    "suspended": "#6b4fa0",
    "lapsed": "#b8bfc9",
    "lifted": "#8a94a3",
    "projected": "#e0a526",
  };
  const DAY = 86400000;

  function iso(d) { return new Date(d).toISOString().slice(0, 10); }
  function addDays(day, n) { return iso(Date.parse(day) + n * DAY); }

  // ------------------------------------------------------------------ drawing and downloading
  let chartSeq = 0;

  // Draws a Vega-Lite spec into a new figure; `marks` is the number of items of the chart's main mark (the tests
  // read it), `onClick(datum)` runs on a click on an item with data. Returns the figure at once; drawing follows.
  function chart(name, title, spec, { marks, caption, onClick } = {}) {
    const id = "chart-" + name + "-" + ++chartSeq;
    const view = el("div", { class: "chart-view", id });
    const svgButton = el("button", { type: "button", class: "small", text: "SVG" });
    const pngButton = el("button", { type: "button", class: "small", text: "PNG" });
    const figure = el("figure", { class: "chart", "data-chart": name, "data-marks": String(marks), "data-ready": "false" },
      el("figcaption", {}, el("span", { class: "chart-title", text: title }),
        el("span", { class: "chart-actions" }, "Download ", svgButton, " ", pngButton)),
      view,
      caption ? el("p", { class: "hint", text: caption }) : null);
    const full = Object.assign({
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: "container",
      background: "#ffffff",
      config: { font: "system-ui, sans-serif", axis: { labelFontSize: 11, titleFontSize: 11 }, legend: { labelFontSize: 11 } },
    }, spec);
    // Drawn once the figure is in the page (a container width needs a laid-out container).
    requestAnimationFrame(() => {
      window.vegaEmbed(view, full, {
        renderer: "svg", actions: false, defaultStyle: false, tooltip: false,
        ast: true, expr: window.vegaInterpreter.expressionInterpreter,
      }).then((result) => {
        const v = result.view;
        v.addEventListener("click", (ev, item) => {
          if (item && item.datum && onClick) onClick(item.datum);
        });
        svgButton.addEventListener("click", async () => {
          const svg = await v.toSVG();
          download(URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" })), name + ".svg");
        });
        pngButton.addEventListener("click", async () => download(await v.toImageURL("png", 2), name + ".png"));
        figure.dataset.ready = "true";
      }).catch((err) => {
        view.replaceChildren(el("div", { class: "error-box", text: "The chart could not be drawn: " + err.message }));
        figure.dataset.ready = "error";
      });
    });
    return figure;
  }

  function download(url, filename) {
    const a = el("a", { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    if (url.startsWith("blob:")) setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function goTo(datum) {
    const href = datum && (datum.href || entityHref(datum.id));
    if (href) window.location.assign(href);
  }

  // ------------------------------------------------------------------ measures over time
  // One bar per period of a measure's life, from the dates its sources give: announced, in force, suspended,
  // lifted; after the newest source, a projected status is drawn as "projected".
  function measureSegments(m, horizon, newest) {
    const d = m.dates || {};
    const points = [];
    const effective = d.effective_from || (!d.suspended_from && m.status === "in force" ? d.announced_on : null);
    if (d.announced_on && d.announced_on !== effective) points.push([d.announced_on, "announced"]);
    if (effective) points.push([effective, "in force"]);
    if (d.suspended_from) points.push([d.suspended_from, "suspended"]);
    if (d.suspended_until) points.push([d.suspended_until, m.status === "lapsed" ? "lapsed" : "in force"]);
    const end = d.ended_on || d.removed_on || d.lifted_on;
    if (end) points.push([end, m.status === "lapsed" ? "lapsed" : "lifted"]);
    points.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out = [];
    points.forEach(([start, status], i) => {
      const stop = i + 1 < points.length ? points[i + 1][0] : horizon;
      if (stop <= start) return;
      const base = { measure: m.label, id: m.id, href: entityHref(m.id), kind: m.kind, now: m.status };
      if (m.projected && newest && stop > newest && start < newest) {
        out.push({ ...base, start, end: newest, status });
        out.push({ ...base, start: newest, end: stop, status: "projected", was: status });
      } else if (m.projected && newest && start >= newest) {
        out.push({ ...base, start, end: stop, status: "projected", was: status });
      } else out.push({ ...base, start, end: stop, status });
    });
    return out;
  }

  function measuresChart(data) {
    const today = iso(Date.now());
    const e = data.evidence || {};
    const newest = e.data_until || e.graph_data_until;
    const horizon = addDays([today, data.on, newest].filter(Boolean).sort().pop(), window.innerWidth < 700 ? 240 : 90);
    const segments = data.measures.flatMap((m) => measureSegments(m, horizon, newest));
    const undated = data.measures.filter((m) => !segments.some((s) => s.id === m.id)).length;
    if (!segments.length) return [];
    const rules = [{ day: today, what: "today" }];
    if (newest) rules.push({ day: newest, what: "newest source" });
    if (data.on && data.on !== today) rules.push({ day: data.on, what: "asked about" });
    const domain = Object.keys(STATUS_COLOURS);
    const order = [...new Set(segments.map((s) => s.measure))];
    const spec = {
      height: { step: 20 },
      layer: [
        {
          data: { values: segments },
          mark: { type: "bar", name: "segments", cursor: "pointer", cornerRadius: 2 },
          encoding: {
            y: { field: "measure", type: "nominal", sort: order, title: null, axis: { labelLimit: window.innerWidth < 700 ? 110 : 260 } },
            x: { field: "start", type: "temporal", title: null, axis: { format: "%b %Y", grid: true } },
            x2: { field: "end" },
            color: { field: "status", type: "nominal", title: "status",
              scale: { domain, range: domain.map((k) => STATUS_COLOURS[k]) }, legend: null },
          },
        },
        {
          data: { values: rules },
          mark: { type: "rule", name: "markers", strokeWidth: 2, strokeDash: [4, 3] },
          encoding: {
            x: { field: "day", type: "temporal" },
            color: { value: "#c0392b" },
          },
        },
        // Labels beside their lines: the newest source to the left of its line, today (and the day asked) to the right.
        {
          data: { values: rules.filter((r) => r.what === "newest source") },
          mark: { type: "text", name: "marker-labels", align: "right", dx: -3, dy: -4, fontSize: 10, baseline: "bottom" },
          encoding: { x: { field: "day", type: "temporal" }, y: { value: 0 }, text: { field: "what" }, color: { value: "#c0392b" } },
        },
        {
          data: { values: rules.filter((r) => r.what !== "newest source") },
          mark: { type: "text", name: "marker-labels", align: "left", dx: 3, dy: -4, fontSize: 10, baseline: "bottom" },
          encoding: { x: { field: "day", type: "temporal" }, y: { value: 0 }, text: { field: "what" }, color: { value: "#c0392b" } },
        },
      ],
    };
    const caption = "Bars from the dates the sources give; dashed lines: today" + (newest ? " and the newest source (" + newest + ")" : "") +
      ". A click opens the measure." + (undated ? " " + undated + " measure" + (undated === 1 ? " has" : "s have") + " no dates and " + (undated === 1 ? "is" : "are") + " not drawn." : "");
    // The legend in HTML: it wraps on a phone, and a screen reader reads it.
    const present = new Set(segments.map((x) => x.status));
    const legend = el("p", { class: "legend chart-legend", "data-testid": "status-legend" }, domain.map((k) => {
      const dot = el("i", {});
      dot.style.background = STATUS_COLOURS[k];
      return el("span", { class: present.has(k) ? "" : "muted" }, dot, k);
    }));
    const figure = chart("measures", "Measures over time", spec, { marks: segments.length, caption, onClick: goTo });
    figure.querySelector("figcaption").after(legend);
    return [figure];
  }

  // ------------------------------------------------------------------ concentration
  // Mine output in tonnes (USGS), then the shares sources state for mining, processing and magnet making.
  const STAGES = [["production", "mine output"], ["mining", "mining"], ["processing", "processing"], ["magnet_making", "magnet making"]];

  async function concentrationAnswer(form) {
    const material = (form.elements.material.value || "rare earths").trim();
    const asOf = form.elements.as_of.value;
    const ask = (indicator) => {
      const q = new URLSearchParams({ material, indicator });
      if (asOf) q.set("as_of", asOf);
      return R.fetchJSON("/concentration?" + q.toString()).then((d) => ({ d, url: "/concentration?" + q.toString() }));
    };
    return Promise.all(STAGES.map(([k]) => ask(k)));
  }

  function concentrationRender(answers) {
    const rows = [];
    const table = [];
    const have = answers.filter(({ d }) => d.shares && d.shares.length);
    for (const { d } of have) {
      const stage = STAGES.find(([k]) => k === d.indicator)[1];
      const label = stage + " " + (d.period || "") + " · HHI " + Math.round(d.hhi) + (d.hhi_upper && d.hhi_upper !== d.hhi ? "–" + Math.round(d.hhi_upper) : "");
      let total = 0;
      for (const s of d.shares) {
        const pct = Math.round(s.share * 1000) / 10;
        total += s.share * 100;
        rows.push({ stage: label, who: s.subject.label, id: s.subject.id, href: entityHref(s.subject.id), share: s.share * 100, sources: s.sources.map((x) => x.title).join("; ") });
        table.push(el("tr", {}, el("td", { text: stage }), el("td", {}, entityLink(s.subject)), el("td", { text: pct + " %" + (s.unit && s.unit !== "percent" ? " (" + s.value.toLocaleString() + " " + s.unit + ")" : "") + (s.estimated ? " (estimate)" : "") }), el("td", {}, sourceChips(s.sources))));
      }
      if (total < 99.5) rows.push({ stage: label, who: "not broken down", share: Math.round((100 - total) * 10) / 10, sources: d.note || "" });
    }
    const first = answers[0].d;
    const head = [evidenceBanner(first), el("h3", { text: "How concentrated is " + first.material.label + "?" }), resolvedNote(first)];
    const notes = answers.map(({ d }) => el("li", { text: (STAGES.find(([k]) => k === d.indicator)[1]) + ": " + (d.level ? d.level + "; " : "") + d.note }));
    const links = el("p", { class: "api-call hint" }, "API calls: ", answers.map(({ url }, i) => [i ? ", " : "", el("a", { href: url, class: "mono", text: url })]));
    if (!rows.length) {
      const elsewhere = (first.available || []).map((a) => a.material.label + " (" + a.indicator + ")");
      return [...head, el("p", { class: "empty", text: "No share figures for " + first.material.label + "." + (elsewhere.length ? " The graph has shares for: " + [...new Set(elsewhere)].join(", ") + "." : "") }), el("ul", { class: "notes" }, notes), links];
    }
    // Countries in the palette's colours, the part no source breaks down in grey, drawn last.
    const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
      "#2f4b7c", "#a05195", "#665191", "#d45087", "#008080"];
    const whoDomain = [...new Set(rows.filter((r) => r.id).map((r) => r.who))];
    const whoRange = whoDomain.map((_, i) => PALETTE[i % PALETTE.length]);
    if (rows.some((r) => !r.id)) { whoDomain.push("not broken down"); whoRange.push("#d5d9df"); }
    rows.forEach((r) => { r.rank = r.id ? -r.share : 1000; });
    const spec = {
      height: { step: 34 },
      data: { values: rows },
      mark: { type: "bar", name: "shares", cursor: "pointer" },
      encoding: {
        y: { field: "stage", type: "nominal", title: null, axis: { labelLimit: 280 } },
        x: { field: "share", type: "quantitative", stack: "zero", title: "share of world (%)", scale: { domain: [0, 100], clamp: true } },
        color: { field: "who", type: "nominal", title: null, legend: { orient: "top", columns: window.innerWidth < 700 ? 3 : 7 }, scale: { domain: whoDomain, range: whoRange } },
        order: { field: "rank", sort: "ascending" },
      },
    };
    return [...head,
      chart("concentration", "Shares by stage, with the Herfindahl–Hirschman index", spec,
        { marks: rows.length, caption: "HHI 10 000 is one supplier; above 2 500 is highly concentrated. A click opens the country.", onClick: goTo }),
      el("ul", { class: "notes" }, notes),
      el("div", { class: "table-scroll" }, el("table", { class: "results" },
        el("thead", {}, el("tr", {}, ["Stage", "Who", "Share", "Sources"].map((h) => el("th", { text: h })))),
        el("tbody", {}, table))),
      links];
  }

  // ------------------------------------------------------------------ paths
  function pathsRender(data, { form }) {
    const nodes = [];
    const links = [];
    data.paths.forEach((p, row) => {
      p.nodes.forEach((n, i) => nodes.push({ row, step: i, label: n.label, id: n.id, href: entityHref(n.id), kind: n.kind }));
      p.steps.forEach((s, i) => links.push({
        row, step: i, step2: i + 1, restricted: s.restricted_by.length ? "restricted" : "open",
        text: s.text + (s.restricted_by.length ? " (restricted by " + s.restricted_by.map((m) => m.label).join(", ") + ")" : ""),
      }));
    });
    const title = "Supply paths from " + data.source.label + " to " + data.target.label +
      (data.avoid.length ? " avoiding " + data.avoid.map((a) => a.label).join(", ") : "");
    const head = [evidenceBanner(data), el("h3", { text: title }), resolvedNote(data)];
    if (!data.paths.length) return [...head, el("p", { class: "empty", text: "No path within " + data.max_len + " steps." })];
    const restricted = links.filter((l) => l.restricted === "restricted").length;
    const longest = Math.max(...data.paths.map((p) => p.length));
    const spec = {
      // On a phone the diagram keeps ~110 px a column and scrolls inside its card.
      width: window.innerWidth < 700 ? (longest + 1) * 110 : "container",
      height: Math.max(80, data.paths.length * 34),
      layer: [
        {
          data: { values: links },
          mark: { type: "rule", name: "links", strokeWidth: 2 },
          encoding: {
            x: { field: "step", type: "quantitative", axis: null, scale: { domain: [-0.3, longest + 0.3] } },
            x2: { field: "step2" },
            y: { field: "row", type: "ordinal", axis: null },
            color: { field: "restricted", type: "nominal", title: "link", scale: { domain: ["open", "restricted"], range: ["#9aa5b5", "#c0392b"] }, legend: { orient: "top" } },
            strokeDash: { field: "restricted", type: "nominal", scale: { domain: ["open", "restricted"], range: [[1, 0], [5, 3]] }, legend: null },
          },
        },
        {
          data: { values: nodes },
          mark: { type: "circle", name: "nodes", size: 140, opacity: 1, cursor: "pointer", stroke: "#fff", strokeWidth: 1.5 },
          encoding: {
            x: { field: "step", type: "quantitative" },
            y: { field: "row", type: "ordinal" },
            fill: { field: "kind", type: "nominal", title: "kind", legend: { orient: "top" } },
          },
        },
        {
          data: { values: nodes },
          mark: { type: "text", name: "node-labels", dy: -11, fontSize: 10, limit: 120, cursor: "pointer" },
          encoding: { x: { field: "step", type: "quantitative" }, y: { field: "row", type: "ordinal" }, text: { field: "label" } },
        },
      ],
    };
    // Countries on the paths can be avoided with one click (the form asks again without them).
    const avoided = new Set(data.avoid.map((a) => a.label));
    const countries = new Map();
    data.paths.forEach((p) => p.countries.forEach((c) => { if (c.id !== data.source.id) countries.set(c.label, c); }));
    const toggles = el("p", { class: "toggles" }, "Avoid: ",
      [...new Set([...countries.keys(), ...avoided])].map((label) => el("button", {
        type: "button", class: "small toggle" + (avoided.has(label) ? " on" : ""), "aria-pressed": avoided.has(label) ? "true" : "false",
        text: label,
        onclick: () => {
          const next = data.avoid.map((x) => x.label).filter((x) => x !== label);
          if (!avoided.has(label)) next.push(label);
          form.elements.avoid.value = next.join(", ");
          form.requestSubmit();
        },
      })));
    return [...head,
      chart("paths", "Paths, left to right", spec, {
        marks: nodes.length,
        caption: data.paths.length + " paths, " + links.length + " links, " + restricted + " restricted by a measure in force on " + data.as_of + " (red, dashed). A click on a node opens it.",
        onClick: (d) => d.href && goTo(d),
      }),
      toggles,
      el("ol", { class: "paths-list" }, data.paths.map((p) => el("li", {},
        p.steps.map((s, i) => [i ? " → " : "", el("span", { class: s.restricted_by.length ? "restricted" : "", title: s.text }, entityLink(s.target))]),
        p.restricted_by.length ? el("span", { class: "badge contested", text: "restricted" }) : null)))];
  }

  // ------------------------------------------------------------------ chokepoints
  function chokepointsRender(data) {
    const head = [evidenceBanner(data), el("h3", { text: "Chokepoints between " + data.consumer.label + " and " + data.material.label }), resolvedNote(data)];
    const list = (title, items) => el("div", {}, el("h4", { text: title }),
      items.length ? el("ul", {}, items.map((x) => el("li", {}, entityLink(x), x.kind ? el("span", { class: "muted", text: " " + x.kind }) : null)))
        : el("p", { class: "muted", text: "none" }));
    return [...head,
      el("p", { text: data.connected ? (data.direct ? "Directly connected." : "Connected through the graph.") : "No supply path in the graph." }),
      el("div", { class: "columns" },
        list("On every path (articulation points)", data.articulation_points),
        list("Smallest set whose loss cuts every path", data.minimum_node_cut),
        list("Last suppliers", data.suppliers)),
      data.restricted_flows.length ? el("div", { class: "table-scroll" }, el("table", { class: "results" },
        el("caption", { text: "Flows a measure in force on " + data.as_of + " restricts" }),
        el("thead", {}, el("tr", {}, ["Supplier", "Material", "Restricted by"].map((h) => el("th", { text: h })))),
        el("tbody", {}, data.restricted_flows.map((f) => el("tr", {}, el("td", {}, entityLink(f.supplier)), el("td", {}, entityLink(f.material)),
          el("td", {}, f.restricted_by.map((m, i) => [i ? ", " : "", entityLink(m)]))))))) : null];
  }

  // ------------------------------------------------------------------ disruption
  function disruptionRender(data) {
    const removed = data.removed.map((r) => r.label).join(", ");
    const before = data.baseline.consumers_restricted.length;
    const after = "after removing " + removed;
    const rows = [
      { what: "materials unsupplied", phase: "before", n: 0 },
      { what: "materials unsupplied", phase: after, n: data.materials_without_supplier.length },
      { what: "sectors hit", phase: "before", n: 0 },
      { what: "sectors hit", phase: after, n: data.sectors_affected.length },
      { what: "consumers cut off", phase: "before", n: before },
      { what: "consumers cut off", phase: after, n: before + data.consumers_affected.length },
    ];
    const spec = {
      height: 200,
      data: { values: rows },
      mark: { type: "bar", name: "counts" },
      encoding: {
        x: { field: "what", type: "nominal", title: null, sort: null, axis: { labelAngle: 0, labelLimit: 160 } },
        xOffset: { field: "phase", type: "nominal", sort: ["before", after] },
        y: { field: "n", type: "quantitative", title: "count", axis: { format: "d", tickMinStep: 1 } },
        color: { field: "phase", type: "nominal", title: null, scale: { domain: ["before", after], range: ["#9aa5b5", "#c0392b"] }, legend: { orient: "top" } },
      },
    };
    const sectors = data.sectors_affected.map((s) => ({ sector: s.sector.label, id: s.sector.id, href: entityHref(s.sector.id), materials: s.materials.length }));
    const sectorSpec = {
      height: { step: 20 },
      data: { values: sectors },
      mark: { type: "bar", name: "sectors", cursor: "pointer", color: "#c0392b" },
      encoding: {
        y: { field: "sector", type: "nominal", sort: "-x", title: null },
        x: { field: "materials", type: "quantitative", title: "materials left without a supplier", axis: { format: "d", tickMinStep: 1 } },
      },
    };
    return [evidenceBanner(data), el("h3", { text: "If " + removed + " stopped supplying (" + data.as_of + ")" }), resolvedNote(data),
      el("p", { text: data.note }),
      chart("disruption", "Before and after", spec, { marks: rows.length, caption: "Before: the day's measures alone. After: with " + removed + (data.removed_with.length ? " (and " + data.removed_with.map((r) => r.label).join(", ") + ")" : "") + " gone." }),
      sectors.length ? chart("sectors", "Sectors hit", sectorSpec, { marks: sectors.length, caption: "A click opens the sector.", onClick: goTo }) : null,
      data.materials_without_supplier.length ? el("p", {}, "Left without a supplier: ",
        data.materials_without_supplier.map((m, i) => [i ? ", " : "", entityLink(m.material)])) : null];
  }

  // ------------------------------------------------------------------ wiring
  R.charts = { measures: measuresChart };
  wireAsk("paths-form", "/paths", pathsRender);
  wireAsk("chokepoints-form", "/chokepoints", chokepointsRender);
  wireAsk("scenario-form", "/scenarios/disruption", disruptionRender);

  // Concentration asks once per stage, so it has a submit handler of its own (same address-bar state).
  const cForm = document.getElementById("concentration-form");
  const askResult = document.getElementById("ask-result");
  if (cForm && askResult) {
    cForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const share = new URLSearchParams([["ask", "concentration"]]);
      for (const [k, v] of new FormData(cForm)) if (String(v).trim()) share.set(k, String(v).trim());
      window.history.replaceState(null, "", "?" + share.toString() + "#ask");
      askResult.replaceChildren(el("p", { class: "status", text: "Asking…" }));
      try {
        askResult.replaceChildren(...concentrationRender(await concentrationAnswer(cForm)).filter(Boolean));
      } catch (err) {
        R.showError(askResult, err);
      }
    });
  }
  R.restoreAsk(cForm ? { concentration: cForm } : {});
})();
