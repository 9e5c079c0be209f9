"""describe_entity, entity_rdf, search and the example-query loader over the seed graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rekg.graph import KnowledgeGraph
from rekg.graph.answers.entities import describe_entity, entity_iri, entity_rdf
from rekg.graph.answers.search import search
from rekg.graph.errors import InvalidParameter, NodeNotFound, UnsupportedFormat
from rekg.graph.sparql.examples import example_queries


def _group(desc, prop_suffix: str, direction: str = "out"):
    groups = desc.facts if direction == "out" else desc.incoming
    return next(g for g in groups if g.property.endswith(prop_suffix))


def test_facility_facts_with_sources(kg: KnowledgeGraph) -> None:
    d = describe_entity(kg, "lynas-malaysia")
    assert d.id == kg.iri("lynas-malaysia") and d.type == "facility"
    operator = _group(d, "#operator")
    assert [s.value.id for s in operator.statements] == [kg.iri("lynas")]
    cited = {s.id for s in operator.statements[0].sources}
    assert {str(kg.ns.source["caixin-2025-11"]), str(kg.ns.source["lynas-2025-05"])} <= cited
    outputs = _group(d, "#output").statements
    assert all(s.value.kind == "node" and s.value.parts for s in outputs)
    assert {n.id for n in d.neighbours} >= {kg.iri("lynas"), kg.iri("malaysia"), kg.iri("dysprosium-oxide")}
    assert any(label.lang == "zh" for label in d.labels)


def test_output_status_update_is_superseded_not_a_conflict(kg: KnowledgeGraph) -> None:
    # Lynas's own May 2025 note: terbium oxide planned (expected from June); Caixin, November 2025:
    # operating. A later month's status updates the earlier one; it is not a conflict.
    d = describe_entity(kg, "lynas-malaysia")
    assert not [c for c in d.conflicts if "terbium oxide" in c.label]
    older = [s for g in d.facts for s in g.statements if s.superseded]
    assert older and all("planned" in s.value.label and "terbium oxide" in s.value.label for s in older)
    assert not any(s.conflict for g in d.facts for s in g.statements)


def test_claims_are_conflicts(kg: KnowledgeGraph) -> None:
    d = describe_entity(kg, "mofcom-2025-18")
    claims = [c for c in d.conflicts if c.kind == "claim"]
    assert claims and any("White House" in c.detail and "lifted" in c.detail for c in claims)
    assert d.status_today is not None and d.status_today.status == "in force"
    value_claim = next(c for c in describe_entity(kg, "mofcom-2025-70").claims if c.claimed_values)
    assert value_claim.claimed_values[0].value == "2025-11-10"


def test_functional_property_with_two_values_is_a_conflict(kg: KnowledgeGraph) -> None:
    # Benzinga reports the extra 100 % tariff as suspended, the White House as not imposed (withdrawn).
    d = describe_entity(kg, "us-additional-100-percent-tariff")
    group = _group(d, "#reportedStatus")
    assert group.functional and {s.value.label for s in group.statements} == {"suspended", "withdrawn"}
    assert all(s.conflict for s in group.statements)
    conflict = next(c for c in d.conflicts if c.property == group.property)
    assert "Benzinga" in conflict.detail and "White House" in conflict.detail


def test_incoming_relations_read_from_the_entity(kg: KnowledgeGraph) -> None:
    d = describe_entity(kg, "lynas")
    operates = _group(d, "#operator", "in")
    assert operates.label == "operator of"
    assert {s.value.id for s in operates.statements} == {kg.iri("lynas-malaysia"), kg.iri("lynas-new-separation-plant")}


def test_sources_are_entities_too(kg: KnowledgeGraph) -> None:
    d = describe_entity(kg, "source/caixin-2025-11")
    assert d.type == "source" and d.label.startswith("Caixin")


def test_ids_curies_iris_and_names(kg: KnowledgeGraph) -> None:
    iri = kg.iri("mp-materials")
    for name in ("mp-materials", "id:mp-materials", iri, "MP Materials Corp."):
        assert entity_iri(kg, name) == iri
    with pytest.raises(NodeNotFound):
        entity_iri(kg, "https://example.org/elsewhere")
    with pytest.raises(NodeNotFound):
        describe_entity(kg, "no-such-thing-anywhere")
    with pytest.raises(InvalidParameter):
        describe_entity(kg, " ")


@pytest.mark.parametrize(("fmt", "parse_as"), [("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)])
def test_rdf_of_an_entity_parses_and_keeps_its_statements(kg: KnowledgeGraph, fmt: str, parse_as) -> None:
    body, media = entity_rdf(kg, "lynas-malaysia", fmt)
    assert media in ("text/turtle", "application/ld+json")
    parsed = list(ox.parse(body, format=parse_as))
    subject = ox.NamedNode(kg.iri("lynas-malaysia"))
    operator = ox.NamedNode("https://w3id.org/rekg/ontology#operator")
    triples = [getattr(q, "triple", q) for q in parsed]
    assert any(t.subject == subject and t.predicate == operator for t in triples)
    if fmt == "jsonld":  # quads: each statement in its source's graph
        assert {q.graph_name.value for q in parsed} >= {str(kg.ns.source["caixin-2025-11"])}
    with pytest.raises(UnsupportedFormat):
        entity_rdf(kg, "lynas", "docx")


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "local", "match"),
    [
        ("Lynas", "lynas", "exact"),
        ("lyn", "lynas", "prefix"),
        ("镝", "dysprosium", "exact"),
        ("莱纳斯", "lynas", "prefix"),
        ("dysprosim", "dysprosium", "fuzzy"),
        ("MP Materials Corp", "mp-materials", "exact"),
        ("No. 61", "mofcom-2025-61", "exact"),
        ("CN", "china", "exact"),
        # traditional Chinese, read as simplified
        ("鏑", "dysprosium", "exact"),
        ("中國", "china", "exact"),
        ("萊納斯", "lynas", "prefix"),
        # plural and singular, hyphens and spacing
        ("rare earth magnet", "permanent-magnets", "exact"),
        ("lithium ion battery", "lithium-ion-batteries", "exact"),
        ("rareearths", "rare-earths", "exact"),
        ("rare earth compounds", "rare-earth-compounds", "exact"),
        # a company by its common name: corporate suffixes are noise
        ("Lynas Corp", "lynas", "exact"),
        ("Lynas Corporation", "lynas", "exact"),
        ("Lynas Rare Earths Limited", "lynas", "exact"),
        ("MP Materials Corp.", "mp-materials", "exact"),
        ("MP Materials Inc", "mp-materials", "exact"),
        # typos, scored by rapidfuzz
        ("dysprosim oxid", "dysprosium-oxide", "fuzzy"),
        ("Malaysai", "malaysia", "fuzzy"),
    ],
)
def test_search_ranks_the_right_entity_first(kg: KnowledgeGraph, q: str, local: str, match: str) -> None:
    hits = search(kg, q).hits
    assert hits[0].id == kg.iri(local), [h.label for h in hits]
    assert hits[0].match == match
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("q", ["Lynas Corp", "lynas corp.", "Lynas Ltd", "LYNAS CORPORATION"])
def test_search_for_a_company_by_its_common_name_ranks_it_first(kg: KnowledgeGraph, q: str) -> None:
    hits = search(kg, q).hits
    assert hits[0].id == kg.iri("lynas") and hits[0].label == "Lynas Rare Earths"
    # Above the company's plant and the sources named after it, which only share a word.
    assert all(h.score < hits[0].score for h in hits[1:])


def test_search_exact_beats_suffix_and_plural_readings(kg: KnowledgeGraph) -> None:
    exact = search(kg, "Lynas").hits[0]
    suffix = search(kg, "Lynas Corp").hits[0]
    plural = search(kg, "rare earth magnet").hits[0]
    assert exact.score > plural.score > suffix.score >= 90


def test_search_chinese_substring_and_limit(kg: KnowledgeGraph) -> None:
    hits = search(kg, "稀土", limit=50).hits
    assert len(hits) > 3 and all((h.label_zh and "稀土" in h.label_zh) or "稀土" in h.matched for h in hits)
    assert len(search(kg, "a", limit=3).hits) == 3


def test_search_bad_input(kg: KnowledgeGraph) -> None:
    with pytest.raises(InvalidParameter):
        search(kg, "   ")
    with pytest.raises(InvalidParameter):
        search(kg, "x", limit=0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(min_size=1, max_size=60).filter(str.strip), limit=st.integers(1, 100))
def test_search_never_fails_on_any_text(kg: KnowledgeGraph, q: str, limit: int) -> None:
    hits = search(kg, q, limit=limit).hits
    assert len(hits) <= limit
    assert len({h.id for h in hits}) == len(hits)


# ---------------------------------------------------------------------------------------------
# Example queries
# ---------------------------------------------------------------------------------------------


def test_example_queries_load_with_titles(tmp_path: Path) -> None:
    (tmp_path / "b-second.rq").write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    (tmp_path / "a-first.rq").write_text(
        "# title: First\n# description: Line one\n# description: line two.\nSELECT ?s WHERE { ?s a rekg:Country }\n"
    )
    (tmp_path / "notes.txt").write_text("not a query")
    found = example_queries(tmp_path)
    assert [q.name for q in found] == ["a-first", "b-second"]
    assert found[0].title == "First" and found[0].description == "Line one line two."
    assert found[1].title == "b second" and found[1].query.startswith("SELECT")
    assert example_queries(tmp_path / "missing") == []


def test_shipped_examples_run(kg: KnowledgeGraph) -> None:
    shipped = example_queries()
    assert shipped, "graph/sparql/queries/*.rq holds the example queries"
    for q in shipped:
        assert q.title and q.query.strip()
        kg.store.query(q.query, prefixes=kg.prefixes)  # parses and runs
