"""rekg core: loading, stores, queries, analyses and exports of the knowledge graph."""

from .errors import RekgError
from .kg import KnowledgeGraph
from .load import SEEDS_DIR, load_seeds, validate

__all__ = ["SEEDS_DIR", "KnowledgeGraph", "RekgError", "load_seeds", "validate"]
