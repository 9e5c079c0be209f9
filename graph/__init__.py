"""rekg core: loading, stores, queries, analyses and exports of the knowledge graph."""

from rekg.graph.errors import RekgError
from rekg.graph.kg import KnowledgeGraph

__all__ = ["KnowledgeGraph", "RekgError"]
