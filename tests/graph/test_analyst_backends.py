"""The analyst answers are the same on every store back end (memory, oxigraph on disk, Virtuoso, Oxigraph server)."""

from __future__ import annotations

from rekg.graph import KnowledgeGraph
from rekg.graph import answers as analyst


def _answers(kg: KnowledgeGraph) -> dict:
    return {
        "suppliers": [
            (
                m,
                [
                    (s.label, [(f.label, f.status, f.start_year) for f in s.facilities])
                    for s in analyst.suppliers_of(kg, m, outside="CN").suppliers
                ],
            )
            for m in ("Dy", "terbium", "yttrium", "samarium", "permanent magnets")
        ],
        "measures": sorted(
            (kg.local_id(m.id), m.status, m.reason, m.contested)
            for m in analyst.measures_in_force(kg, on="2025-11-08").measures
        ),
        "entity": [
            (g.label, sorted(s.value.label for s in g.statements))
            for g in analyst.describe_entity(kg, "lynas-malaysia").facts
        ],
        "conflicts": sorted(c.detail for c in analyst.describe_entity(kg, "mofcom-2025-18").conflicts),
        "search": [(h.id, h.match) for q in ("lyn", "镝", "dysprosim") for h in analyst.search(kg, q).hits],
        "timeline": [(e.date, e.summary) for e in analyst.timeline(kg, "2025-10", "2025-11").events],
        "agreements": [(a.label, a.date) for a in analyst.agreements(kg, party="US").agreements],
    }


def test_same_answers_on_every_backend(backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    got, expected = _answers(backend_kg), _answers(kg)
    for key in expected:
        assert got[key] == expected[key], key
    assert expected["suppliers"][0][1][0][0] == "Lynas Rare Earths"
