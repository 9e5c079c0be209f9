"""rekg core: loading, stores, queries, analyses and exports of the knowledge graph.

:func:`open_graph` is the one way to get a :class:`KnowledgeGraph`.
"""

from rekg.graph.errors import RekgError
from rekg.graph.io.load import open_graph
from rekg.graph.kg import KnowledgeGraph

__all__ = ["KnowledgeGraph", "RekgError", "open_graph"]
