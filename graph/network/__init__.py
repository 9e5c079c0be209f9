"""Supply-dependency analysis on NetworkX: the projection of the graph, then one module per family."""
