"""Paths, centrality, chokepoints, concentration and disruption on the seed graph, and their result types."""

from __future__ import annotations

import json
from datetime import date

import networkx as nx
import pytest
from rekg.graph import KnowledgeGraph, network, open_graph
from rekg.graph.errors import InvalidParameter, NodeNotFound, NotConverged
from rekg.graph.network.centrality import METRICS, centrality
from rekg.graph.network.chokepoints import chokepoints
from rekg.graph.network.concentration import concentration
from rekg.graph.network.disruption import disruption
from rekg.graph.network.paths import supply_paths
from rekg.graph.network.projection import RELATIONS, projection
from rekg.graph.network.view import controlled_by, for_consumer, supply_view
from rekg.graph.results import Result

#: A day after China's November 2025 suspensions took effect.
AFTER_TRUCE = date(2025, 11, 15)


# Paths -----------------------------------------------------------------------------------


def test_the_us_gets_dysprosium_without_china_through_lynas_and_malaysia(kg: KnowledgeGraph) -> None:
    paths = supply_paths(kg, "US", "dysprosium", avoid=["China"]).paths
    assert paths, "no path from the US to dysprosium avoiding China"
    first = paths[0]
    assert "Malaysia" in [c.label for c in first.countries]
    assert any(c.id == kg.iri("lynas") for c in first.companies)
    assert first.nodes[0].id == kg.iri("united-states") and first.nodes[-1].id == kg.iri("dysprosium")


def test_avoiding_a_country_avoids_what_it_hosts_and_controls(kg: KnowledgeGraph) -> None:
    G = projection(kg)
    china = controlled_by(G, [kg.iri("china")])
    paths = supply_paths(kg, "US", "dysprosium", avoid=["China"], max_len=8, limit=50).paths
    assert paths
    for p in paths:
        assert not {n.id for n in p.nodes} & china
    with_china = supply_paths(kg, "US", "dysprosium", limit=50).paths
    assert any({n.id for n in p.nodes} & china for p in with_china)


def test_every_step_is_explained_with_its_relation_and_sources(kg: KnowledgeGraph) -> None:
    for p in supply_paths(kg, "US", "dysprosium", max_len=6, limit=20).paths:
        assert p.length == len(p.steps) == len(p.nodes) - 1
        for step, (a, b) in zip(p.steps, zip(p.nodes, p.nodes[1:], strict=False), strict=True):
            assert (step.source, step.target) == (a, b)
            assert step.relation in RELATIONS
            assert step.sources and all(s.title for s in step.sources)
            assert a.label in step.text and b.label in step.text


def test_paths_come_shortest_first_and_respect_max_len_and_limit(kg: KnowledgeGraph) -> None:
    paths = supply_paths(kg, "US", "dysprosium", max_len=5, limit=7).paths
    assert 0 < len(paths) <= 7
    lengths = [p.length for p in paths]
    assert lengths == sorted(lengths) and max(lengths) <= 5
    assert len({tuple(n.id for n in p.nodes) for p in paths}) == len(paths)


def test_the_answer_echoes_the_question_as_resolved(kg: KnowledgeGraph) -> None:
    found = supply_paths(kg, "US", "Dy", avoid="China, Australia", max_len=5, limit=3, as_of="2025-12-01")
    assert (found.source.id, found.target.id) == (kg.iri("united-states"), kg.iri("dysprosium"))
    assert [a.label for a in found.avoid] == ["China", "Australia"]
    assert (found.max_len, found.limit, found.as_of) == (5, 3, date(2025, 12, 1))
    assert found.to_dict()["as_of"] == "2025-12-01"


def test_no_path_is_an_empty_list(kg: KnowledgeGraph) -> None:
    assert supply_paths(kg, "dysprosium", "United States").paths == []
    assert supply_paths(kg, "US", "dysprosium", max_len=1).paths == []


def test_unknown_names_list_close_matches(kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound) as err:
        supply_paths(kg, "US", "dysprosum")
    assert kg.iri("dysprosium") in [s["id"] for s in err.value.suggestions]
    with pytest.raises(NodeNotFound):
        supply_paths(kg, "US", "dysprosium", avoid=["Atlantis"])


@pytest.mark.parametrize(
    "kwargs",
    [{"max_len": 0}, {"max_len": 13}, {"limit": 0}, {"max_len": "6"}, {"avoid": ["US"]}, {"as_of": "11/15/2025"}],
)
def test_bad_parameters_are_refused_before_any_work(kg: KnowledgeGraph, kwargs: dict) -> None:
    with pytest.raises(InvalidParameter):
        supply_paths(kg, "US", "dysprosium", **kwargs)


def test_a_day_before_the_plant_started_leaves_no_lynas_path(kg: KnowledgeGraph) -> None:
    # Lynas's dysprosium oxide started in 2025; a view of 2024 must not use it.
    before = supply_paths(kg, "Malaysia", "dysprosium", as_of="2024-06-01").paths
    assert all(kg.iri("lynas-malaysia") not in {n.id for n in p.nodes} for p in before)
    assert supply_paths(kg, "Malaysia", "dysprosium", as_of="2025-12-01").paths


# Centrality ------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_centrality_ranks_nodes_by_score(kg: KnowledgeGraph, metric: str) -> None:
    found = centrality(kg, metric, top=15)
    assert (found.metric, found.kind, found.top) == (metric, None, 15)
    ranked = found.ranked
    assert 0 < len(ranked) <= 15
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(0 <= s <= 1 for s in scores)


def test_centrality_filters_by_kind(kg: KnowledgeGraph) -> None:
    ranked = centrality(kg, "betweenness", kind="facility", top=50).ranked
    assert ranked and all(r.kind == "facility" for r in ranked)
    # Malaysia obtains dysprosium only through the Lynas plant, so it lies on supply paths.
    assert next(r for r in ranked if r.id == kg.iri("lynas-malaysia")).score > 0
    assert centrality(kg, "degree", kind="measure").ranked == []


def test_betweenness_counts_consumer_to_material_paths(kg: KnowledgeGraph) -> None:
    # Cross-check one score against a direct count over the same paths.
    V = supply_view(kg)
    plant = kg.iri("lynas-malaysia")
    consumers = [n for n, d in V.nodes(data=True) if d["kind"] == "country" or V.graph["obtains"].get(n)]
    materials = [n for n, d in V.nodes(data=True) if d["kind"] == "material"]
    total = 0.0
    for c in consumers:
        H = for_consumer(V, c)
        for m in materials:
            if c == m or not nx.has_path(H, c, m):
                continue
            paths = list(nx.all_shortest_paths(H, c, m))
            total += sum(plant in p[1:-1] for p in paths) / len(paths)
    expected = total / (len(consumers) * len(materials))
    got = next(r for r in centrality(kg, "betweenness", top=1000).ranked if r.id == plant).score
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(("args", "param"), [(("closeness",), "metric"), (("degree", "planet"), "kind")])
def test_bad_metric_or_kind_is_invalid(kg: KnowledgeGraph, args: tuple, param: str) -> None:
    with pytest.raises(InvalidParameter) as err:
        centrality(kg, *args)
    assert err.value.extra["parameter"] == param


def test_eigenvector_non_convergence_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection: NetworkX gives up; the caller must get NotConverged, not a crash.
    from scipy.sparse.linalg import ArpackNoConvergence

    def give_up(*_args: object, **_kwargs: object) -> None:
        raise ArpackNoConvergence("no convergence", None, None)

    monkeypatch.setattr(nx, "eigenvector_centrality_numpy", give_up)
    fresh = open_graph(validate_shapes=False)
    with pytest.raises(NotConverged):
        centrality(fresh, "eigenvector")


# Chokepoints -----------------------------------------------------------------------------


def test_chokepoints_are_the_nodes_on_every_path(kg: KnowledgeGraph) -> None:
    cp = chokepoints(kg, "Malaysia", "dysprosium")
    assert cp.connected
    assert kg.iri("lynas-malaysia") in [n.id for n in cp.articulation_points]
    H = for_consumer(supply_view(kg), kg.iri("malaysia"))
    c, m = kg.iri("malaysia"), kg.iri("dysprosium")
    for n in cp.articulation_points:
        assert not nx.has_path(nx.restricted_view(H, [n.id], []), c, m), n.label
    others = (nx.descendants(H, c) & nx.ancestors(H, m)) - {n.id for n in cp.articulation_points}
    for n in others:
        assert nx.has_path(nx.restricted_view(H, [n], []), c, m), n


def test_minimum_node_cut_cuts_the_us_off_dysprosium(kg: KnowledgeGraph) -> None:
    cp = chokepoints(kg, "US", "dysprosium")
    assert cp.connected and cp.minimum_node_cut
    assert {"China", "Lynas Malaysia plant"} <= {s.label for s in cp.suppliers}
    H = for_consumer(supply_view(kg), kg.iri("united-states"))
    cut = [n.id for n in cp.minimum_node_cut]
    assert not nx.has_path(nx.restricted_view(H, cut, []), kg.iri("united-states"), kg.iri("dysprosium"))


def test_chokepoints_need_a_consumer_and_a_material(kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound):
        chokepoints(kg, "dysprosium", "US")
    assert not chokepoints(kg, "Malaysia", "gallium").connected


# Concentration ---------------------------------------------------------------------------


def test_hhi_of_mine_production_from_the_usgs_table(kg: KnowledgeGraph) -> None:
    rows = kg.select(
        """SELECT ?subject ?value ?kind WHERE {
               ?s a rekg:Statistic ; rekg:indicator rekg:MineProduction ; rekg:material id:rare-earths ;
                  rekg:period ?p ; rekg:subject ?subject ; rekg:value ?value .
               ?subject a ?kind . FILTER(str(?p) = "2024" && ?kind IN (rekg:Country, rekg:Region)) }"""
    )
    world = [float(r["value"]) for r in rows if r["kind"].endswith("Region")]
    countries = {r["subject"]: float(r["value"]) for r in rows if r["kind"].endswith("Country")}
    assert world and len(countries) >= 10, "the USGS 2024 table is missing"
    expected = sum((100 * v / world[0]) ** 2 for v in countries.values())
    c = concentration(kg, "rare earths", "production", "2024")
    assert c.hhi == pytest.approx(expected, abs=0.1)
    assert c.level == "highly concentrated"
    assert c.shares[0].subject.label == "China"
    assert c.total == world[0]


def test_hhi_of_a_single_stated_share_is_a_range(kg: KnowledgeGraph) -> None:
    c = concentration(kg, "rare earths", "processing")
    share = c.shares[0].share
    assert c.shares[0].subject.label == "China" and share >= 0.9
    assert c.hhi == pytest.approx((100 * share) ** 2)
    assert c.hhi_upper == pytest.approx(c.hhi + (100 * (1 - share)) ** 2)


def test_concentration_without_figures_says_what_there_is(kg: KnowledgeGraph) -> None:
    c = concentration(kg, "gallium", "mining")
    assert c.hhi is None and c.shares == [] and c.available
    with pytest.raises(InvalidParameter):
        concentration(kg, "rare earths", "recycling")
    with pytest.raises(NodeNotFound):
        concentration(kg, "unobtainium")


# Disruption ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def without_china(kg: KnowledgeGraph):
    return disruption(kg, remove=["China"], as_of=AFTER_TRUCE)


def test_removing_china_leaves_gallium_germanium_and_antimony_without_supplier(kg, without_china) -> None:
    lost = {i.material.id for i in without_china.materials_without_supplier}
    assert {kg.iri("gallium"), kg.iri("germanium"), kg.iri("antimony")} <= lost
    assert kg.iri("dysprosium") not in lost, "Lynas still supplies dysprosium"
    for impact in without_china.materials_without_supplier:
        assert impact.suppliers_before and all(
            s.id in controlled_by(projection(kg), [kg.iri("china")]) for s in impact.suppliers_before
        )


def test_removing_china_names_the_sectors_that_use_what_is_lost(kg: KnowledgeGraph, without_china) -> None:
    used = kg.select("SELECT ?sector WHERE { id:gallium rekg:usedIn ?sector }")
    assert used, "the seeds say nothing about what gallium is used in"
    affected = {s.sector.id: s for s in without_china.sectors_affected}
    for r in used:
        assert kg.iri("gallium") in [m.id for m in affected[r["sector"]].materials]


def test_removing_china_hits_the_us_and_lists_the_paths_it_loses(kg: KnowledgeGraph, without_china) -> None:
    consumers = {c.consumer.id: c for c in without_china.consumers_affected}
    us = consumers[kg.iri("united-states")]
    assert kg.iri("gallium") in [m.id for m in us.materials_lost]
    assert kg.iri("dysprosium") not in [m.id for m in us.materials_lost]
    removed = {r.id for r in without_china.removed} | {r.id for r in without_china.removed_with}
    assert without_china.paths_lost
    for p in without_china.paths_lost:
        assert {n.id for n in p.nodes} & removed


def test_reimposing_a_suspended_control_cuts_the_country_it_targets(kg: KnowledgeGraph) -> None:
    rows = kg.select(
        """SELECT ?m WHERE { ?m a rekg:ExportControl ; rekg:restricts id:gallium ; rekg:targets id:united-states ;
                               rekg:suspendedUntil ?until }"""
    )
    assert rows, "the seeds lack the suspended gallium ban aimed at the US"
    measure = rows[0]["m"]
    d = disruption(kg, reimpose=[measure], as_of=AFTER_TRUCE)
    assert [m.status for m in d.measures if m.measure.id == measure] == ["re-imposed"]
    consumers = {c.consumer.id: c for c in d.consumers_affected}
    assert kg.iri("gallium") in [m.id for m in consumers[kg.iri("united-states")].materials_lost]
    assert d.materials_without_supplier == [], "a measure stops trade, not production"


def test_measures_suspended_until_10_november_2026_are_back_in_force_that_day(kg: KnowledgeGraph) -> None:
    rows = kg.select(
        """SELECT DISTINCT ?m WHERE { ?m a rekg:ExportControl ; rekg:suspendedUntil "2026-11-10"^^xsd:date
                                      FILTER NOT EXISTS { ?m rekg:endedOn ?e } }"""
    )
    assert rows
    during = {m.measure.id for m in disruption(kg, remove=["Malaysia"], as_of="2026-11-09").measures}
    after = {m.measure.id for m in disruption(kg, remove=["Malaysia"], as_of="2026-11-10").measures}
    for r in rows:
        assert r["m"] not in during and r["m"] in after


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"remove": ["China"], "max_paths": -1}, {"remove": ["China"], "as_of": "2025-13-01"}],
)
def test_disruption_validates_its_input(kg: KnowledgeGraph, kwargs: dict) -> None:
    with pytest.raises(InvalidParameter):
        disruption(kg, **kwargs)


def test_only_measures_that_stop_supply_can_be_reimposed(kg: KnowledgeGraph) -> None:
    tariff = kg.select("SELECT ?m WHERE { ?m a rekg:Tariff }")[0]["m"]
    with pytest.raises(InvalidParameter):
        disruption(kg, reimpose=[tariff])
    with pytest.raises(NodeNotFound):
        disruption(kg, reimpose=["China"])


# Result types ----------------------------------------------------------------------------


def test_every_analysis_returns_one_result_whose_dict_is_plain_json(kg: KnowledgeGraph) -> None:
    results = [
        supply_paths(kg, "Malaysia", "dysprosium", max_len=4),
        centrality(kg, "degree", top=3),
        chokepoints(kg, "Malaysia", "dysprosium"),
        concentration(kg, "rare earths", "processing"),
        disruption(kg, remove=["Malaysia"], as_of=AFTER_TRUCE, max_paths=2),
    ]
    for result in results:
        assert isinstance(result, Result), type(result)
        data = result.to_dict()
        assert json.loads(json.dumps(data)) == data, type(result).__name__
        if result.rows_field:
            assert isinstance(data[result.rows_field], list)


def test_the_package_re_exports_the_functions_and_result_types(kg: KnowledgeGraph) -> None:
    found = network.supply_paths(kg, "Malaysia", "dysprosium", max_len=4)
    assert isinstance(found, network.SupplyPaths) and isinstance(found.paths[0], network.SupplyPath)
    assert isinstance(network.centrality(kg, "degree", top=1), network.Centrality)
    for name in network.__all__:
        assert getattr(network, name) is not None, name
