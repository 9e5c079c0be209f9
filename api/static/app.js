// rekg web page: search with autocomplete, quick questions, SPARQL editor. Plain JS, no libraries.
"use strict";

(function () {
  const body = document.body;
  const ID_NS = body.dataset.idNs || "";
  const SOURCE_NS = body.dataset.sourceNs || "";

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // The page of an entity of this graph, or null for IRIs outside it.
  function entityHref(iri) {
    if (typeof iri !== "string") return null;
    if (ID_NS && iri.startsWith(ID_NS)) return "/entities/" + iri.slice(ID_NS.length);
    if (SOURCE_NS && iri.startsWith(SOURCE_NS)) return "/entities/source/" + iri.slice(SOURCE_NS.length);
    return null;
  }

  const PREFIXES = [
    ["id:", ID_NS],
    ["src:", SOURCE_NS],
    ["rekg:", "https://w3id.org/rekg/ontology#"],
    ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
    ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["skos:", "http://www.w3.org/2004/02/skos/core#"],
    ["dcterms:", "http://purl.org/dc/terms/"],
    ["xsd:", "http://www.w3.org/2001/XMLSchema#"],
    ["owl:", "http://www.w3.org/2002/07/owl#"],
    ["wd:", "http://www.wikidata.org/entity/"],
  ];

  function shorten(iri) {
    for (const [p, ns] of PREFIXES) if (ns && iri.startsWith(ns)) return p + iri.slice(ns.length);
    return iri;
  }

  function entityLink(ref) {
    if (!ref) return el("span", { class: "muted", text: "—" });
    const href = entityHref(ref.id);
    return href ? el("a", { href, text: ref.label }) : el("span", { text: ref.label });
  }

  function badge(status) {
    const cls = String(status || "unknown").replace(/\s+/g, "-");
    return el("span", { class: "badge " + cls, text: status || "unknown" });
  }

  function sourceChips(sources) {
    return (sources || []).map((s) =>
      el("a", { class: "chip source", href: entityHref(s.id) || "#", title: s.title || s.id },
        (s.publisher || s.title || s.id) + (s.date ? " · " + s.date : "")));
  }

  async function fetchJSON(url, options) {
    const res = await fetch(url, options);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const detail = data && data.detail ? data.detail : res.status + " " + res.statusText;
      const err = new Error(detail);
      err.data = data;
      throw err;
    }
    return data;
  }

  // A suggestion is an entity reference ({id, label}) or, from some answers, a bare IRI or name.
  function suggestionLink(s) {
    if (s && typeof s === "object") return entityLink({ id: s.id, label: s.label || shorten(String(s.id || "")) });
    const text = String(s);
    const href = entityHref(text);
    return href ? el("a", { href, text: decodeURIComponent(text.split("/").pop()).replace(/-/g, " ") }) : el("span", { text });
  }

  function showError(target, err) {
    target.replaceChildren(el("div", { class: "error-box", text: err.message }));
    const sugg = ((err.data && err.data.suggestions) || []).filter((s) => s !== null && s !== undefined && s !== "");
    if (sugg.length) {
      target.append(el("p", { class: "hint did-you-mean" }, "Did you mean ",
        sugg.map((s, i) => [i ? (i === sugg.length - 1 ? " or " : ", ") : "", suggestionLink(s)]), "?"));
    }
  }

  // ---------------------------------------------------------------- search box
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-suggestions");
  const form = document.getElementById("search-form");
  let hits = [];
  let active = -1;
  let timer = null;
  let seq = 0;

  function closeList() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function highlight(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
    if (i >= 0 && list.children[i]) list.children[i].scrollIntoView({ block: "nearest" });
  }

  function go(hit) {
    const href = hit && entityHref(hit.id);
    if (href) window.location.assign(href);
  }

  function renderHits(q) {
    list.replaceChildren();
    if (!hits.length) {
      list.append(el("li", { class: "s-empty", text: "No match for “" + q + "”" }));
    }
    hits.forEach((h, i) => {
      const matchedOther = h.matched && h.matched !== h.label && h.matched !== h.label_zh;
      list.append(el("li", {
        role: "option", id: "suggestion-" + i, "aria-selected": "false",
        onmousedown: (ev) => { ev.preventDefault(); go(h); },
        onmousemove: () => highlight(i),
      },
      el("span", { class: "s-label", text: h.label }),
      h.label_zh ? el("span", { class: "s-zh", lang: "zh", text: h.label_zh }) : null,
      matchedOther ? el("span", { class: "s-match", text: h.matched }) : null,
      el("span", { class: "s-type", text: h.type || "" })));
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  async function suggest() {
    const q = input.value.trim();
    if (!q) { closeList(); return; }
    const mine = ++seq;
    try {
      const data = await fetchJSON("/search?limit=8&q=" + encodeURIComponent(q));
      if (mine !== seq) return; // a newer keystroke already asked
      hits = data.hits;
      renderHits(q);
    } catch (err) {
      if (mine === seq) closeList();
    }
  }

  if (input && list && form) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, 120);
    });
    input.addEventListener("keydown", (ev) => {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(active + 1, hits.length - 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (ev.key === "Escape") { closeList(); }
    });
    input.addEventListener("blur", () => setTimeout(closeList, 150));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (active >= 0 && hits[active]) { go(hits[active]); return; }
      clearTimeout(timer);
      await suggest();
      if (hits.length) go(hits[0]);
      // No match: the entity page says so and lists the names it might be, as it does without JavaScript.
      else if (input.value.trim()) window.location.assign("/entities/" + encodeURIComponent(input.value.trim()));
    });
  }

  // ---------------------------------------------------------------- quick questions
  const askResult = document.getElementById("ask-result");

  // The form's fields as query parameters. A field marked data-multi ("China, Russia") is sent as typed:
  // the server reads a name whole first and splits at commas only what is no name, so a name with a
  // comma in it ("MOFCOM Announcement 2024 No. 46, clause 2") survives.
  function params(formEl) {
    const out = new URLSearchParams();
    for (const [k, v] of new FormData(formEl)) {
      const value = String(v).trim();
      if (value) out.set(k, value);
    }
    return out;
  }

  // What an answer rests on, above it: how fresh its sources are and whether statuses are projected.
  function evidenceBanner(data) {
    const e = data.evidence;
    if (!e) return null;
    const warn = e.projected || e.data_until === null || (e.data_until && e.as_of > e.data_until);
    return el("p", { class: "evidence" + (warn ? " warn" : ""), role: "note", "data-testid": "evidence", text: e.note });
  }

  function resolvedNote(data) {
    const read = (data.resolved_from || []).map((r) => "“" + r.typed + "” read as " + r.label + " (" + r.how + ")");
    return read.length ? el("p", { class: "muted", text: read.join("; ") }) : null;
  }

  function countriesTable(data) {
    if (!data.countries || !data.countries.length) return null;
    return el("table", { class: "results" },
      el("caption", { text: "Country-level supply (production statistics)" }),
      el("thead", {}, el("tr", {}, ["Country", "Figure", "Period", "Share of world", "Sources"].map((h) => el("th", { text: h })))),
      el("tbody", {}, data.countries.map((c) => el("tr", {},
        el("td", {}, entityLink(c.country)),
        el("td", { text: c.indicator + ": " + c.value.toLocaleString() + (c.unit ? " " + c.unit : "") }),
        el("td", { text: c.period || "" }),
        el("td", { text: c.share_of_world === null ? "" : c.share_of_world + " %" }),
        el("td", {}, sourceChips(c.sources))))));
  }

  function suppliersTable(data) {
    const title = "Suppliers of " + data.material.label + (data.outside ? " outside " + data.outside.label : "") +
      (data.as_of ? " operating on " + data.as_of : "");
    const head = [evidenceBanner(data), el("h3", { text: title }), resolvedNote(data)];
    const coverage = el("p", { class: data.suppliers.length ? "muted" : "empty", "data-testid": "coverage", text: data.coverage.note });
    if (!data.suppliers.length) return [...head, coverage, countriesTable(data)].filter(Boolean);
    const rows = [];
    for (const s of data.suppliers) {
      s.facilities.forEach((f, i) => {
        rows.push(el("tr", {},
          i === 0 ? el("td", { rowspan: String(s.facilities.length) }, entityLink(s),
            s.country ? el("div", { class: "muted" }, "based in ", entityLink(s.country)) : null) : null,
          el("td", {}, entityLink(f)),
          el("td", {}, entityLink(f.location)),
          el("td", { text: f.stage || "" }),
          el("td", {}, badge(f.status), f.start_year ? " " + f.start_year : "",
            f.disputed.length ? el("div", { class: "badge contested", title: f.disputed.join("; "), text: "sources differ" })
              : f.updated.length ? el("div", { class: "muted", title: f.updated.join("; "), text: "updated by a later report" }) : null),
          el("td", { text: f.materials.map((m) => m.label).join(", ") }),
          el("td", { text: f.capacity ? f.capacity.value.toLocaleString() + " " + f.capacity.unit : "" }),
          el("td", {}, sourceChips(f.sources))));
      });
    }
    const table = el("table", { class: "results" },
      el("thead", {}, el("tr", {}, ["Supplier", "Facility", "Location", "Stage", "Status", "Makes", "Capacity", "Sources"]
        .map((h) => el("th", { text: h })))),
      el("tbody", {}, rows));
    const details = el("details", {}, el("summary", { text: "SPARQL used" }), el("pre", { class: "mono", text: data.query }));
    return [...head, table, coverage, countriesTable(data), details].filter(Boolean);
  }

  function measuresTable(data) {
    const counts = Object.entries(data.counts).map(([k, v]) => v + " " + k).join(", ");
    const rows = data.measures.map((m) => el("tr", {},
      el("td", {}, entityLink(m), el("div", { class: "muted", text: m.kind })),
      el("td", {}, badge(m.status),
        m.projected ? el("div", { class: "badge contested", title: "derived from dates older sources gave; no source reports it", text: "projected" }) : null,
        m.stale ? el("div", { class: "badge contested", title: "reported on " + m.reported_on, text: "stale report" }) : null,
        m.contested ? el("div", { class: "badge contested", title: "possible: " + m.possible_statuses.join(", "), text: "contested" }) : null),
      el("td", { text: m.reason }),
      el("td", { text: m.imposed_by.map((x) => x.label).join(", ") }),
      el("td", { text: m.restricts.map((x) => x.label).join(", ") }),
      el("td", {}, sourceChips(m.sources))));
    return [
      evidenceBanner(data),
      el("h3", { text: "Measures on " + data.on + (counts ? " (" + counts + ")" : "") }),
      resolvedNote(data),
      el("table", { class: "results" },
        el("thead", {}, el("tr", {}, ["Measure", "Status", "Why", "Imposed by", "Restricts", "Sources"].map((h) => el("th", { text: h })))),
        el("tbody", {}, rows)),
    ];
  }

  // The API call behind an answer, as a link anyone can open or copy.
  function apiLink(url) {
    return el("p", { class: "api-call hint" }, "API call: ", el("a", { href: url, class: "mono", text: url }));
  }

  // One form, one endpoint: the answer replaces the result area; the form's state goes into the address bar
  // (?ask=<form>&field=value…) so the answer can be shared. A renderer returns the nodes of the answer.
  const forms = {};
  function wireAsk(id, path, render) {
    const f = document.getElementById(id);
    if (!f || !askResult) return;
    const name = id.replace(/-form$/, "");
    forms[name] = f;
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const query = params(f);
      const share = new URLSearchParams([["ask", name], ...query]);
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", "?" + share.toString() + "#ask");
      const url = path + "?" + query.toString();
      askResult.replaceChildren(el("p", { class: "status", text: "Asking…" }));
      try {
        const data = await fetchJSON(url);
        const nodes = render(data, { form: f, url });
        askResult.replaceChildren(...nodes.filter(Boolean), apiLink(url));
        askResult.dispatchEvent(new CustomEvent("rekg:answer", { detail: { form: name, data } }));
      } catch (err) {
        showError(askResult, err);
      }
    });
  }
  wireAsk("suppliers-form", "/suppliers", suppliersTable);
  wireAsk("measures-form", "/measures", (data, ctx) => {
    const chart = window.rekg.charts && window.rekg.charts.measures ? window.rekg.charts.measures(data, ctx) : [];
    return [...chart, ...measuresTable(data)];
  });

  // A shared address (?ask=paths&source=US…) fills its form and asks again.
  function restoreAsk(extra) {
    const q = new URLSearchParams(window.location.search);
    const f = forms[q.get("ask")] || (extra || {})[q.get("ask")];
    if (!f) return;
    const multi = {};
    const refused = [];
    for (const [k, v] of q) {
      const field = f.elements[k];
      if (!field || k === "ask") continue;
      if (field.dataset && field.dataset.multi !== undefined) (multi[k] = multi[k] || []).push(v);
      else {
        field.value = v;
        // A date field drops what is no date (2026-02-30): say so rather than ask something else.
        if (field.value !== v) refused.push(k + "=" + v);
      }
    }
    for (const [k, vs] of Object.entries(multi)) f.elements[k].value = vs.join(", ");
    if (refused.length) {
      askResult.replaceChildren(el("div", { class: "error-box", role: "alert",
        text: "This link asks with " + refused.join(", ") + ", which is not a valid value; correct it in the form and ask again." }));
    } else f.requestSubmit();
    const section = document.getElementById("ask");
    if (section) section.scrollIntoView();
  }

  // ---------------------------------------------------------------- SPARQL editor
  const editor = document.getElementById("sparql-editor");
  const select = document.getElementById("example-select");
  const description = document.getElementById("example-description");
  const runButton = document.getElementById("run-query");
  const status = document.getElementById("query-status");
  const result = document.getElementById("query-result");
  const examplesEl = document.getElementById("example-queries");
  const examples = examplesEl ? JSON.parse(examplesEl.textContent || "[]") : [];

  function loadExample() {
    const i = select.value;
    if (i === "custom") { description.textContent = "Write any read-only SPARQL query."; return; }
    const q = examples[Number(i)];
    if (!q) return;
    editor.value = q.query;
    description.textContent = q.description || "";
  }

  function cell(term) {
    if (!term) return el("td", { class: "muted" });
    if (term.type === "uri") {
      const href = entityHref(term.value);
      return el("td", {}, href ? el("a", { href, title: term.value, text: shorten(term.value) })
        : el("span", { title: term.value, text: shorten(term.value) }));
    }
    if (term.type === "bnode") return el("td", { class: "muted", text: "_:" + term.value });
    const lang = term["xml:lang"];
    return el("td", lang ? { lang } : {}, term.value);
  }

  async function runQuery() {
    const query = editor.value;
    if (!query.trim()) return;
    status.className = "status";
    status.textContent = "Running…";
    runButton.disabled = true;
    const started = performance.now();
    try {
      const res = await fetch("/sparql?query=" + encodeURIComponent(query), {
        headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9, application/json;q=0.5" },
      });
      const type = res.headers.get("content-type") || "";
      const ms = Math.round(performance.now() - started);
      if (!res.ok) {
        let detail = res.status + " " + res.statusText;
        try { const d = await res.json(); detail = d.detail || detail; } catch (e) { /* not JSON */ }
        throw new Error(detail);
      }
      if (type.includes("sparql-results+json") || type.includes("application/json")) {
        const data = await res.json();
        if (typeof data.boolean === "boolean") {
          result.replaceChildren(el("p", { class: "answer", text: data.boolean ? "true" : "false" }));
          status.textContent = "ASK answered in " + ms + " ms";
        } else {
          const vars = data.head.vars || [];
          const rows = data.results.bindings;
          result.replaceChildren(el("table", { class: "results" },
            el("thead", {}, el("tr", {}, vars.map((v) => el("th", { text: v })))),
            el("tbody", {}, rows.map((b) => el("tr", {}, vars.map((v) => cell(b[v])))))));
          status.textContent = rows.length + " row" + (rows.length === 1 ? "" : "s") + " in " + ms + " ms";
        }
      } else {
        const text = await res.text();
        result.replaceChildren(el("pre", { class: "mono", text }));
        status.textContent = "Graph result in " + ms + " ms";
      }
    } catch (err) {
      status.className = "status error";
      status.textContent = "Query failed";
      result.replaceChildren(el("div", { class: "error-box", text: err.message }));
    } finally {
      runButton.disabled = false;
    }
  }

  if (editor && runButton) {
    if (select) {
      select.addEventListener("change", loadExample);
      if (examples.length) loadExample();
      editor.addEventListener("input", () => { if (select.value !== "custom") select.value = "custom"; });
    }
    runButton.addEventListener("click", runQuery);
    editor.addEventListener("keydown", (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") { ev.preventDefault(); runQuery(); }
      else if (ev.key === "Tab" && !ev.shiftKey) {
        ev.preventDefault();
        const { selectionStart: a, selectionEnd: b, value } = editor;
        editor.value = value.slice(0, a) + "  " + value.slice(b);
        editor.selectionStart = editor.selectionEnd = a + 2;
      }
    });
  }

  window.rekg = Object.assign(window.rekg || {}, {
    entityHref, el, entityLink, badge, sourceChips, fetchJSON, showError, evidenceBanner, resolvedNote, wireAsk, restoreAsk,
  });
  // Pages without extra forms restore here; the home page restores after analysis.js has wired its forms.
  if (!document.getElementById("analysis-script")) restoreAsk();
})();
