"""``prepare``: what `rekg serve` computes before its first request, and the collector's freeze."""

from __future__ import annotations

import gc

from rekg.api.server import prepare
from rekg.graph import open_graph
from rekg.graph.answers.names import name_index
from rekg.graph.network import projection


def test_prepare_computes_the_shared_indexes_and_freezes_them() -> None:
    kg = open_graph(validate_shapes=False)
    try:
        prepare(kg)
        assert gc.get_freeze_count() > 0
        # Already computed for this version: the same objects come back, nothing is rebuilt.
        assert kg.latest("name_index") is name_index(kg)
        assert kg.latest(("projection",)) is projection(kg)
    finally:
        gc.unfreeze()
