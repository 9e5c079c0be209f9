"""The projection maps the RDF graph to a typed MultiDiGraph, edge by edge, with sources."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import networkx as nx
import pyoxigraph as ox
import pytest
from rekg.graph import KnowledgeGraph, open_graph
from rekg.graph.io.seeds import SEEDS_DIR, load_seeds, validate
from rekg.graph.network.projection import DELIVERING, RELATIONS, projection
from rekg.graph.network.view import active_on, controlled_by, for_consumer, supply_view
from rekg.graph.rules import KINDS


@pytest.fixture(scope="module")
def G(kg: KnowledgeGraph) -> nx.MultiDiGraph:
    return projection(kg)


def test_every_node_is_typed_labelled_and_sourced(G: nx.MultiDiGraph) -> None:
    assert G.number_of_nodes() > 50
    for n, d in G.nodes(data=True):
        assert d["kind"] in KINDS, n
        assert d["label"] and isinstance(d["label"], str), n
        assert d["sources"] and all(isinstance(s, str) for s in d["sources"]), n
        assert d["spells"] is None or isinstance(d["spells"], list), n


def test_every_edge_has_its_relation_as_key_and_the_graphs_stating_it(G: nx.MultiDiGraph) -> None:
    for u, v, k, d in G.edges(keys=True, data=True):
        assert k == d["relation"] and k in RELATIONS, (u, v, k)
        assert d["sources"], (u, v, k)


def test_kinds_follow_the_classes(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    kinds = {
        "dysprosium": ("material", "element"),
        "dysprosium-oxide": ("material", "oxide"),
        "china": ("country", "country"),
        "lynas": ("company", "company"),
        "lynas-malaysia": ("facility", "facility"),
    }
    for local, (kind, type_) in kinds.items():
        d = G.nodes[kg.iri(local)]
        assert (d["kind"], d["type"]) == (kind, type_), local
    measures = kg.select("SELECT DISTINCT ?m WHERE { ?m a rekg:ExportControl }")
    assert measures and all(G.nodes[r["m"]]["kind"] == "measure" for r in measures)


@pytest.mark.parametrize(
    ("prop", "relation", "reverse"),
    [
        ("rekg:operator", "operates", True),
        ("rekg:locatedIn", "located_in", False),
        ("rekg:produces", "produces", False),
        ("rekg:formOf", "form_of", False),
        ("rekg:restricts", "restricts", False),
        ("rekg:imposedBy", "imposes", True),
        ("rekg:party", "party_to", True),
        ("rekg:usedIn", "used_in", False),
    ],
)
def test_each_statement_becomes_an_edge_in_the_direction_of_supply(
    kg: KnowledgeGraph, G: nx.MultiDiGraph, prop: str, relation: str, reverse: bool
) -> None:
    rows = kg.select(f"SELECT ?s ?o ?g WHERE {{ GRAPH ?g {{ ?s {prop} ?o }} FILTER(isIRI(?o)) }}")
    assert rows, f"the seeds state no {prop}"
    for r in rows:
        if r["s"] not in G or r["o"] not in G:
            continue
        u, v = (r["o"], r["s"]) if reverse else (r["s"], r["o"])
        assert G.has_edge(u, v, key=relation), (u, relation, v)
        assert r["g"] in G.edges[u, v, relation]["sources"]


def test_a_qualified_output_puts_the_newest_status_and_year_on_the_produces_edge(kg: KnowledgeGraph, G) -> None:
    rows = kg.select(
        """SELECT ?f ?m ?status ?y ?date WHERE {
               GRAPH ?g { ?f rekg:output ?o . ?o rekg:material ?m ; rekg:status ?status ; rekg:startYear ?y }
               ?g dcterms:date ?date }"""
    )
    assert any(r["status"].endswith("Planned") for r in rows), "the seeds have no planned output"
    newest: dict[tuple[str, str], dict] = {}
    for r in sorted(rows, key=lambda r: r["date"]):
        newest[(r["f"], r["m"])] = r
    for (f, m), r in newest.items():
        edge = G.edges[f, m, "produces"]
        assert edge["status"] == r["status"].rsplit("#", 1)[1].lower(), (f, m)
        assert edge["start_year"] == int(str(r["y"])[:4])


def test_export_controls_make_the_imposing_country_a_supplier(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    rows = kg.select("SELECT ?c ?mat WHERE { ?m a rekg:ExportControl ; rekg:imposedBy ?c ; rekg:restricts ?mat }")
    assert rows
    for r in rows:
        assert "export control" in G.edges[r["c"], r["mat"], "supplies"]["basis"]


def test_measure_spells_follow_suspensions(G: nx.MultiDiGraph) -> None:
    checked = 0
    for n, d in G.nodes(data=True):
        if d["kind"] != "measure" or not d.get("suspended_from") or not d.get("suspended_until"):
            continue
        if d["type"] == "suspension order" or d.get("ended_on") or not d.get("spells"):
            continue
        pause = date.fromisoformat(d["suspended_from"])
        resume = date.fromisoformat(d["suspended_until"])
        assert not active_on(d, pause), n
        assert not active_on(d, resume - timedelta(days=1)), n
        assert active_on(d, resume), n
        checked += 1
    assert checked >= 3


def test_the_projection_is_cached_per_graph_version() -> None:
    kg = open_graph(validate_shapes=False)
    first = projection(kg)
    assert projection(kg) is first
    extra = kg.ns.source["test-extra"]
    kg.store.replace_graph(
        str(extra),
        [
            ox.Quad(
                ox.NamedNode(kg.iri("test-plant")),
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("https://w3id.org/rekg/ontology#Facility"),
                ox.NamedNode(str(extra)),
            )
        ],
    )
    second = projection(kg)
    assert second is not first
    assert kg.iri("test-plant") in second and kg.iri("test-plant") not in first


def test_materials_only_offer_materials_and_obtains_arcs_start_at_the_consumer(kg: KnowledgeGraph) -> None:
    V = supply_view(kg)
    for u, v in V.edges():
        if V.nodes[u]["kind"] == "material":
            assert V.nodes[v]["kind"] == "material", (u, v)
    us = kg.iri("united-states")
    H = for_consumer(V, us)
    added = set(H.edges()) - set(V.edges())
    assert added and all(u == us for u, _ in added)
    assert all(e["relation"] in {"party_to", "supplies_to"} for u, v in added for e in H.edges[u, v]["evidence"])


def test_no_re_export_a_country_reaches_only_its_own_partners(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    V = supply_view(kg)
    for c, d in V.nodes(data=True):
        if d["kind"] != "country":
            continue
        partners = {c}
        for _, agreement, k in G.out_edges(c, keys=True):
            if k == "party_to" and G.nodes[agreement]["kind"] == "agreement":
                partners |= {p for p, _, k2 in G.in_edges(agreement, keys=True) if k2 == "party_to"}
        partners |= {s for s, _, k in G.in_edges(c, keys=True) if k == "supplies_to"}
        reached = {n for n in nx.descendants(for_consumer(V, c), c) if G.nodes[n]["kind"] == "country"}
        assert reached <= partners, (c, reached - partners)


def test_delivering_arcs_end_at_materials(kg: KnowledgeGraph) -> None:
    V = supply_view(kg)
    for _, v, d in V.edges(data=True):
        if any(e["relation"] in DELIVERING for e in d["evidence"]):
            assert V.nodes[v]["kind"] == "material"


def test_controlled_by_takes_facilities_firms_and_bodies_of_a_country(kg: KnowledgeGraph, G) -> None:
    china = kg.iri("china")
    inside = controlled_by(G, [china])
    located = {u for u, _, k in G.in_edges(china, keys=True) if k in ("located_in", "based_in")}
    assert located and located <= inside
    assert kg.iri("lynas-malaysia") not in inside
    assert kg.iri("lynas-malaysia") in controlled_by(G, [kg.iri("lynas")])


def test_publishers_and_outlets_are_not_supply_actors(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    publishers = {r["p"] for r in kg.select("SELECT DISTINCT ?p WHERE { ?s dcterms:publisher ?p FILTER(isIRI(?p)) }")}
    assert kg.iri("caixin") in publishers
    assert kg.iri("caixin") not in G and kg.iri("caixin") not in supply_view(kg)
    # A publisher stays only if it takes part in supply (Lynas publishes its own news and operates plants).
    for p in publishers & set(G):
        assert any(k not in ("based_in", "located_in") for _, _, k in G.edges(p, keys=True)) or G.in_degree(p), p
    # Every actor left has a relation besides where it is based.
    for n, d in G.nodes(data=True):
        if d["kind"] in ("company", "body", "organization"):
            relations = {k for _, _, k in G.out_edges(n, keys=True)} | {k for _, _, k in G.in_edges(n, keys=True)}
            assert relations - {"based_in", "located_in"}, d["label"]
    # Government bodies with a part in measures or deals stay, and belong to their country.
    for body in ("mofcom", "us-department-of-defense"):
        assert G.nodes[kg.iri(body)]["kind"] == "body"
    assert kg.iri("mofcom") in controlled_by(G, [kg.iri("china")])
    assert kg.iri("caixin") not in controlled_by(G, [kg.iri("china")])


def test_measure_spells_agree_with_the_measures_answer(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    # The timeline of the exports and the analyses follow one rule: in force when /measures says so.
    from rekg.graph.answers.measures import measures_in_force

    days = {
        date.fromisoformat(x) + timedelta(days=shift)
        for _, d in G.nodes(data=True)
        if d["kind"] == "measure"
        for spell in d.get("spells") or ()
        for x in spell
        if x
        for shift in (-1, 0, 1)
    }
    assert len(days) > 10
    for day in sorted(days):
        for m in measures_in_force(kg, on=day).measures:
            if G.nodes[m.id]["type"] == "suspension order" or not m.dates:
                continue  # orders are active while they suspend; undated statuses are reported, not dated
            assert active_on(G.nodes[m.id], day) == m.status.startswith("in force"), (m.label, day, m.status)


# ---------------------------------------------------------------------------------------------
# Import shares (USGS, US imports of rare-earth compounds and metals, 2020-23) as weighted edges
# ---------------------------------------------------------------------------------------------

USGS = "https://w3id.org/rekg/source/usgs-mcs-2025"


@pytest.mark.parametrize(
    ("exporter", "weight"), [("china", 0.7), ("malaysia", 0.13), ("japan", 0.06), ("estonia", 0.05)]
)
def test_import_shares_are_weighted_edges_from_exporter_to_importer(
    kg: KnowledgeGraph, G: nx.MultiDiGraph, exporter: str, weight: float
) -> None:
    edge = G.edges[kg.iri(exporter), kg.iri("united-states"), "supplies_to"]
    assert edge["weight"] == edge["share"] == weight
    assert USGS in edge["sources"]
    (figure,) = edge["shares"]
    assert figure["material"] == kg.iri("rare-earth-compounds-and-metals")
    assert (figure["share"], figure["value"], figure["unit"]) == (weight, weight * 100, "%")
    assert figure["period"] == "2020/2023"  # the figures cover 2020-23 together (ISO 8601 interval)
    assert figure["sources"] == [USGS] and figure["statistic"] == kg.iri(f"stat-usgs-us-import-share-{exporter}")
    # The exporter supplies the material, so paths from the US reach it through the exporter.
    supplies = G.edges[kg.iri(exporter), kg.iri("rare-earth-compounds-and-metals"), "supplies"]
    assert "statistic" in supplies["basis"] and USGS in supplies["sources"]


def test_the_unattributed_part_of_imports_is_no_edge(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    into_us = [d["share"] for _, _, k, d in G.in_edges(kg.iri("united-states"), keys=True, data=True) if "shares" in d]
    assert sorted(into_us) == [0.05, 0.06, 0.13, 0.7] and round(1 - sum(into_us), 2) == 0.06


def test_the_us_obtains_from_china_with_the_share_as_evidence(kg: KnowledgeGraph) -> None:
    us, cn = kg.iri("united-states"), kg.iri("china")
    V = for_consumer(supply_view(kg), us)
    evidence = [e for e in V.edges[us, cn]["evidence"] if e["relation"] == "supplies_to"]
    assert evidence and evidence[0]["inverse"] and evidence[0]["share"] == 0.7 and USGS in evidence[0]["sources"]


def test_an_import_share_in_a_unit_that_is_not_a_share_gives_no_edge() -> None:
    kg = open_graph(validate_shapes=False)
    extra, stat = str(kg.ns.source["test-tonnes"]), kg.iri("test-import-tonnes")
    rekg, g = "https://w3id.org/rekg/ontology#", ox.NamedNode(str(kg.ns.source["test-tonnes"]))
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    triples = [
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(rekg + "Statistic")),
        (rekg + "subject", ox.NamedNode(kg.iri("japan"))),
        (rekg + "counterpart", ox.NamedNode(kg.iri("australia"))),
        (rekg + "indicator", ox.NamedNode(rekg + "ImportShare")),
        (rekg + "material", ox.NamedNode(kg.iri("rare-earth-compounds-and-metals"))),
        (rekg + "value", ox.Literal("70", datatype=decimal)),
        (rekg + "unit", ox.NamedNode(rekg + "TONNE-REO")),
    ]
    kg.store.replace_graph(extra, [ox.Quad(ox.NamedNode(stat), ox.NamedNode(p), o, g) for p, o in triples])
    H = projection(kg)
    assert not H.has_edge(kg.iri("australia"), kg.iri("japan"), key="supplies_to")
    assert H.edges[kg.iri("china"), kg.iri("united-states"), "supplies_to"]["weight"] == 0.7


def test_shacl_refuses_an_import_share_in_another_unit(tmp_path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    usgs = seeds / "usgs-mcs-2025.trig"
    text = usgs.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}")
    usgs.write_text(
        text[:-1]
        + """
    id:stat-test-import-share-in-tonnes a rekg:Statistic ;
        rdfs:label "A US import share wrongly given in tonnes"@en ;
        rekg:subject id:united-states ;
        rekg:counterpart id:china ;
        rekg:indicator rekg:ImportShare ;
        rekg:material id:rare-earth-compounds-and-metals ;
        rekg:value 70 ;
        rekg:unit rekg:TONNE-REO .
}
""",
        encoding="utf-8",
    )
    problems = validate(load_seeds(seeds, validate_shapes=False))
    unit_problems = [p for p in problems if "compared and summed" in p.message and p.value.endswith("TONNE-REO")]
    assert unit_problems and any("stat-test-import-share-in-tonnes" in p.node for p in unit_problems)
    assert all("usgs-mcs-2025.trig" in f for p in unit_problems for f in p.files)
