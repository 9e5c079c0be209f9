// Graph view of one entity's neighbourhood: the entity in the middle, its neighbours on rings
// around it, one colour per kind of thing. Plain SVG, no libraries. Neighbours are grouped by relation;
// a large group shows its first few (countries, firms and facilities before materials and figures) and
// collapses the rest into one "+37 supplies" node that opens the group. A list below groups them too.
"use strict";

(function () {
  const box = document.getElementById("graph-view");
  const dataEl = document.getElementById("entity-data");
  if (!box || !dataEl) return;
  const data = JSON.parse(dataEl.textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const { entityHref } = window.rekg;

  const GROUPS = [
    ["actor", "#0f6e7a", ["country", "company", "government body", "person", "organization", "region", "actor", "place"]],
    ["material", "#c07a12", ["element", "oxide", "metal", "compound", "product", "technology", "material group", "material form", "material", "sector"]],
    ["facility", "#3b7d3a", ["facility"]],
    ["measure", "#9b2f4d", ["export control", "tariff", "ownership rule", "licensing scheme", "measure", "suspension"]],
    ["event", "#6b4fa0", ["agreement", "supply deal", "meeting", "initiative", "event"]],
    ["other", "#6b7687", []],
  ];

  function group(type) {
    for (const [name, colour, types] of GROUPS) if (types.includes(type)) return { name, colour };
    return { name: "other", colour: "#6b7687" };
  }

  function node(tag, attrs, text) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function clip(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  // Wider than tall: labels sit left and right of the nodes.
  const width = 760;
  const height = 560;
  const cx = width / 2;
  const cy = height / 2;
  const all = data.neighbours || [];
  const RANK = ["country", "company", "facility", "government body", "agreement", "supply deal", "export control",
    "ownership rule", "tariff", "licensing scheme", "person", "element", "metal", "oxide", "material group", "product", "material"];
  const rank = (n) => { const i = RANK.indexOf(n.type); return i < 0 ? RANK.length : i; };

  // Groups by relation and direction, biggest last so small groups stay whole; members most relevant first.
  const groups = [];
  for (const n of all) {
    const key = n.relation + "|" + n.direction;
    let g = groups.find((x) => x.key === key);
    if (!g) groups.push((g = { key, relation: n.relation, direction: n.direction, members: [] }));
    g.members.push(n);
  }
  groups.forEach((g) => g.members.sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label)));
  const MAX_SHOWN = 16;
  const open = new Set();

  function visible() {
    const out = [];
    const budget = Math.max(2, Math.floor(MAX_SHOWN / Math.max(groups.length, 1)));
    for (const g of groups) {
      const keep = open.has(g.key) || g.members.length <= budget + 1 ? g.members.length : budget;
      out.push(...g.members.slice(0, keep));
      if (keep < g.members.length) {
        const rest = g.members.slice(keep);
        out.push({ more: g.key, label: "+" + rest.length + " " + g.relation, relation: g.relation, direction: g.direction,
          type: rest[0].type, count: rest.length });
      }
    }
    return out;
  }

  function draw() {
    const neighbours = visible();
    const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, xmlns: SVG });
    // Up to 12 neighbours on one ring; more go on two rings, alternating, so labels do not collide.
    const r = height / 2 - 40;
    const rings = neighbours.length > 12 ? [r * 0.62, r] : [r * 0.85];
    const placed = neighbours.map((n, i) => {
      const ring = rings[i % rings.length];
      const angle = (2 * Math.PI * i) / Math.max(neighbours.length, 1) - Math.PI / 2;
      return { ...n, x: cx + ring * 1.15 * Math.cos(angle), y: cy + ring * Math.sin(angle), angle };
    });
    const edges = node("g", {});
    const nodes = node("g", {});
    for (const n of placed) {
      const line = node("line", { x1: cx, y1: cy, x2: n.x, y2: n.y, class: "edge " + (n.direction === "in" ? "in" : "out") });
      line.append(node("title", {}, (n.direction === "in" ? n.label + " → " + data.label : data.label + " → " + n.label) + " (" + n.relation + ")"));
      edges.append(line);
      const mx = cx + 0.62 * (n.x - cx);
      const my = cy + 0.62 * (n.y - cy);
      if (neighbours.length <= 12) edges.append(node("text", { x: mx, y: my - 3, "text-anchor": "middle", class: "edge-label" }, clip(n.relation, 22)));
    }

    function drawNode(n, centre) {
      const g = node("g", { class: "node-g" + (centre ? " centre" : "") + (n.more ? " more" : ""), tabindex: centre ? "-1" : "0", role: n.more ? "button" : "link" });
      const { colour } = group(n.type);
      g.append(node("circle", { cx: n.x, cy: n.y, r: centre ? 18 : (n.more ? 13 : 10), fill: n.more ? "#ffffff" : colour, stroke: colour }));
      // Labels centred under (or, in the top half, over) their node, so none runs off the sides.
      const above = !centre && Math.sin(n.angle) < -0.3;
      const dy = centre ? 40 : (above ? -17 : 30);
      g.append(node("text", { x: n.x, y: n.y + dy, "text-anchor": "middle" }, clip(n.label, centre ? 40 : 22)));
      g.append(node("title", {}, n.more ? "Show all " + n.count + " more (" + n.relation + ")" : n.label + (n.type ? " (" + n.type + ")" : "") + (n.relation ? ": " + n.relation : "")));
      const act = n.more ? () => { open.add(n.more); draw(); } : (() => { const href = entityHref(n.id); return href && !centre ? () => window.location.assign(href) : null; })();
      if (act) {
        g.addEventListener("click", act);
        g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || (n.more && ev.key === " ")) { ev.preventDefault(); act(); } });
      }
      nodes.append(g);
    }

    placed.forEach((n) => drawNode(n, false));
    drawNode({ id: data.id, label: data.label, type: data.type, x: cx, y: cy, angle: 0 }, true);
    svg.append(edges, nodes);
    box.replaceChildren(svg);
    return placed;
  }
  const placed = draw();

  // The same neighbours as a list, one collapsible group per relation ("supplies · 22: element 15, product 4").
  if (groups.length) {
    const { el } = window.rekg;
    const list = el("div", { class: "neighbour-groups" }, groups.map((g) => {
      const kinds = {};
      g.members.forEach((m) => { kinds[m.type || "other"] = (kinds[m.type || "other"] || 0) + 1; });
      const summary = (g.direction === "in" ? "← " : "") + g.relation + " · " + g.members.length +
        (Object.keys(kinds).length > 1 ? " (" + Object.entries(kinds).map(([k, v]) => v + " " + k).join(", ") + ")" : "");
      return el("details", { class: "neighbour-group", open: g.members.length <= 6 },
        el("summary", {}, summary),
        el("ul", {}, g.members.map((m) => {
          const href = entityHref(m.id);
          return el("li", {}, href ? el("a", { href, text: m.label }) : el("span", { text: m.label }), m.type ? el("span", { class: "type-tag", text: " " + m.type }) : null);
        })));
    }));
    box.after(list);
  }

  const used = new Set([group(data.type).name, ...placed.map((n) => group(n.type).name)]);
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const [name, colour] of GROUPS) {
    if (!used.has(name)) continue;
    const item = document.createElement("span");
    const dot = document.createElement("i");
    dot.style.background = colour;
    item.append(dot, document.createTextNode(name));
    legend.append(item);
  }
  if (!placed.length) {
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent = "No neighbours in the graph.";
    box.after(p);
  }
  box.after(legend);
})();
