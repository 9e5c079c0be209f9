// Parse a GEXF file with graphology-gexf (the parser Gephi Lite uses) and print what it read
// as JSON, for tests/graph/test_export_graph.py. Usage: node read_gexf.js FILE
"use strict";
const fs = require("fs");
const Graph = require("graphology");
const gexf = require("graphology-gexf");

const graph = gexf.parse(Graph, fs.readFileSync(process.argv[2], "utf-8"));
const nodes = {};
graph.forEachNode((key, attrs) => {
  nodes[key] = { label: attrs.label, kind: attrs.kind, color: attrs.color, sources: attrs.sources };
});
const relations = {};
graph.forEachEdge((key, attrs) => {
  relations[attrs.relation] = (relations[attrs.relation] || 0) + 1;
});
process.stdout.write(
  JSON.stringify({ type: graph.type, multi: graph.multi, order: graph.order, size: graph.size, nodes, relations }),
);
