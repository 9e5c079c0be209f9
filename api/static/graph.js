// Graph view of one entity's neighbourhood: the entity in the middle, its neighbours on rings
// around it, one colour per kind of thing. Plain SVG, no libraries.
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
  const neighbours = data.neighbours || [];
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
    const g = node("g", { class: "node-g" + (centre ? " centre" : ""), tabindex: centre ? "-1" : "0", role: "link" });
    const { colour } = group(n.type);
    g.append(node("circle", { cx: n.x, cy: n.y, r: centre ? 18 : 10, fill: colour }));
    // Labels centred under (or, in the top half, over) their node, so none runs off the sides.
    const above = !centre && Math.sin(n.angle) < -0.3;
    const dy = centre ? 40 : (above ? -17 : 30);
    g.append(node("text", { x: n.x, y: n.y + dy, "text-anchor": "middle" }, clip(n.label, centre ? 40 : 22)));
    g.append(node("title", {}, n.label + (n.type ? " (" + n.type + ")" : "") + (n.relation ? ": " + n.relation : "")));
    const href = entityHref(n.id);
    if (href && !centre) {
      g.addEventListener("click", () => window.location.assign(href));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") window.location.assign(href); });
    }
    nodes.append(g);
  }

  placed.forEach((n) => drawNode(n, false));
  drawNode({ id: data.id, label: data.label, type: data.type, x: cx, y: cy, angle: 0 }, true);
  svg.append(edges, nodes);
  box.replaceChildren(svg);

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
