"""Paths, centrality, chokepoints, concentration and disruption on the seed graph, and their result types."""

from __future__ import annotations

import json
from datetime import date

import networkx as nx
import pytest
from rekg.graph import KnowledgeGraph, network, open_graph
from rekg.graph.answers.measures import measures_in_force
from rekg.graph.errors import InvalidParameter, NodeNotFound, NotConverged
from rekg.graph.network.centrality import METRICS, centrality
from rekg.graph.network.chokepoints import chokepoints
from rekg.graph.network.concentration import concentration
from rekg.graph.network.disruption import disruption
from rekg.graph.network.paths import supply_paths
from rekg.graph.network.projection import RELATIONS, projection
from rekg.graph.network.restrictions import BLOCKING_TYPES, in_force_on, restrictions
from rekg.graph.network.view import controlled_by, for_consumer, supply_view
from rekg.graph.results import Result

#: A day after China's November 2025 suspensions took effect.
AFTER_TRUCE = date(2025, 11, 15)
#: While the truce holds: China's October controls and the gallium ban on the US are suspended.
TRUCE = date(2026, 1, 15)
#: After the suspensions ran out (10 and 27 November 2026): those controls are in force again.
LAPSED = date(2026, 12, 1)


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
    # Open paths first, then restricted ones; shortest first within each.
    for restricted in (False, True):
        lengths = [p.length for p in paths if bool(p.restricted_by) == restricted]
        assert lengths == sorted(lengths)
    assert max(p.length for p in paths) <= 5
    assert len({tuple(n.id for n in p.nodes) for p in paths}) == len(paths)


def test_the_answer_echoes_the_question_as_resolved(kg: KnowledgeGraph) -> None:
    found = supply_paths(kg, "US", "Dy", avoid="China, Australia", max_len=5, limit=3, as_of="2025-12-01")
    assert (found.source.id, found.target.id) == (kg.iri("united-states"), kg.iri("dysprosium"))
    assert [a.label for a in found.avoid] == ["China", "Australia"]
    assert (found.max_len, found.limit, found.as_of) == (5, 3, date(2025, 12, 1))
    assert found.to_dict()["as_of"] == "2025-12-01"
    assert found.restricted == "include" and found.evidence.as_of == date(2025, 12, 1)


def test_as_of_defaults_to_today(kg: KnowledgeGraph) -> None:
    today = date.today()
    assert supply_paths(kg, "Malaysia", "dysprosium").as_of == today
    assert chokepoints(kg, "Malaysia", "dysprosium").as_of == today
    assert centrality(kg, "degree", top=1).as_of == today
    assert concentration(kg, "rare earths").as_of == today
    assert disruption(kg, remove=["Malaysia"], max_paths=0).as_of == today


def test_no_path_is_an_empty_list(kg: KnowledgeGraph) -> None:
    assert supply_paths(kg, "dysprosium", "United States").paths == []
    assert supply_paths(kg, "US", "dysprosium", max_len=1).paths == []


def test_unknown_names_list_close_matches(kg: KnowledgeGraph) -> None:
    # A misspelling resolves to its one close match (echoed), or fails listing it.
    for typo, meant in (("dysprosum", "dysprosium"), ("Untied Stat", "united-states")):
        try:
            found = supply_paths(kg, "Malaysia", typo) if meant == "dysprosium" else supply_paths(kg, typo, "Dy")
        except NodeNotFound as err:
            assert kg.iri(meant) in [s["id"] for s in err.suggestions], typo
        else:
            assert kg.iri(meant) in (found.source.id, found.target.id), typo
    with pytest.raises(NodeNotFound):
        supply_paths(kg, "US", "dysprosium", avoid=["Atlantis"])
    # Publishers are no supply actors: not a source of supply paths.
    with pytest.raises(NodeNotFound):
        supply_paths(kg, "Caixin", "dysprosium")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_len": 0},
        {"max_len": 13},
        {"limit": 0},
        {"max_len": "6"},
        {"avoid": ["US"]},
        {"as_of": "11/15/2025"},
        {"restricted": "never"},
    ],
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


@pytest.mark.parametrize(
    ("node", "mode"), [("lynas-malaysia", "include"), ("lynas-malaysia", "exclude"), ("china", "only")]
)
def test_betweenness_counts_consumer_to_material_paths(kg: KnowledgeGraph, node: str, mode: str) -> None:
    # Cross-check one score against a direct count over the same paths: all of them, the open
    # ones (the handovers restricted for each consumer removed) or the restricted ones.
    V = supply_view(kg, LAPSED)
    r = restrictions(kg, V, LAPSED)
    target = kg.iri(node)
    consumers = [n for n, d in V.nodes(data=True) if d["kind"] == "country" or V.graph["obtains"].get(n)]
    materials = [n for n, d in V.nodes(data=True) if d["kind"] == "material"]
    total = 0.0
    for c in consumers:
        blocked = r.arcs_for(c)
        H = r.view(for_consumer(V, c), blocked, mode)
        for m in materials:
            if c == m or not nx.has_path(H, c, m):
                continue
            paths = list(nx.all_shortest_paths(H, c, m))
            total += sum(target in p[1:-1] for p in paths) / len(paths)
    expected = total / (len(consumers) * len(materials))
    found = centrality(kg, "betweenness", top=1000, as_of=LAPSED, restricted=mode)
    got = next(x for x in found.ranked if x.id == target).score
    assert got == pytest.approx(expected, abs=1e-5)
    assert expected > 0


def test_restricted_betweenness_is_refused_for_metrics_without_paths(kg: KnowledgeGraph) -> None:
    for metric in ("pagerank", "degree", "eigenvector"):
        with pytest.raises(InvalidParameter) as err:
            centrality(kg, metric, restricted="exclude")
        assert err.value.extra["parameter"] == "restricted"
        assert centrality(kg, metric, top=1, as_of=LAPSED).measures == []
    with pytest.raises(InvalidParameter):
        centrality(kg, "betweenness", restricted="sometimes")


def test_ties_are_marked_and_ordered_by_label_then_iri(kg: KnowledgeGraph) -> None:
    ranked = centrality(kg, "degree", top=1000, as_of=LAPSED).ranked
    assert len({r.score for r in ranked}) < len(ranked), "the seed graph has no tied degrees to check"
    for i, r in enumerate(ranked):
        same = [x for x in ranked if x.score == r.score]
        assert r.tied == (len(same) > 1), r.label
        assert r.tie_group == (same[0].rank if r.tied else None), r.label
        if i and ranked[i - 1].score == r.score:
            assert (ranked[i - 1].label.casefold(), ranked[i - 1].id) < (r.label.casefold(), r.id)
    # A cut through a tie says so.
    groups = [r for r in ranked if r.tied]
    first = groups[0]
    cut = centrality(kg, "degree", top=first.rank, as_of=LAPSED)
    assert cut.ranked[-1].id == first.id and cut.ties_cut
    whole = max(r.rank for r in ranked if r.score == first.score)
    assert not centrality(kg, "degree", top=whole, as_of=LAPSED).ties_cut


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
    cp = chokepoints(kg, "Malaysia", "dysprosium", as_of=TRUCE)
    assert cp.connected
    assert kg.iri("lynas-malaysia") in [n.id for n in cp.articulation_points]
    H = for_consumer(supply_view(kg, TRUCE), kg.iri("malaysia"))
    c, m = kg.iri("malaysia"), kg.iri("dysprosium")
    for n in cp.articulation_points:
        assert not nx.has_path(nx.restricted_view(H, [n.id], []), c, m), n.label
    others = (nx.descendants(H, c) & nx.ancestors(H, m)) - {n.id for n in cp.articulation_points}
    for n in others:
        assert nx.has_path(nx.restricted_view(H, [n], []), c, m), n


def test_minimum_node_cut_cuts_the_us_off_dysprosium(kg: KnowledgeGraph) -> None:
    cp = chokepoints(kg, "US", "dysprosium", as_of=TRUCE)
    assert cp.connected and cp.minimum_node_cut
    assert {"China", "Lynas Malaysia plant"} <= {s.label for s in cp.suppliers}
    H = for_consumer(supply_view(kg, TRUCE), kg.iri("united-states"))
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
        # Lost to the removal, or already restricted in the baseline (and named).
        assert {n.id for n in p.nodes} & removed or p.restricted_by


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


# One rule for time ------------------------------------------------------------------------


def _blocking_in_force(kg: KnowledgeGraph, day: date, **filters: str) -> set[str]:
    """What /measures calls in force that day, of the kinds that stop flows."""
    answer = measures_in_force(kg, on=day, **filters)
    return {m.id for m in answer.measures if m.status.startswith("in force") and m.kind in BLOCKING_TYPES}


@pytest.mark.parametrize("day", [TRUCE, LAPSED])
def test_every_analysis_applies_what_the_measures_answer_calls_in_force(kg: KnowledgeGraph, day: date) -> None:
    everywhere = _blocking_in_force(kg, day)
    assert {m.id for m in in_force_on(kg, day) if m.kind in BLOCKING_TYPES} == everywhere
    assert {a.measure.id for a in centrality(kg, "betweenness", as_of=day).measures} == everywhere
    assert {a.measure.id for a in disruption(kg, remove=["Malaysia"], as_of=day, max_paths=0).baseline.measures} == (
        everywhere
    )
    for material in ("gallium", "dysprosium"):
        expected = _blocking_in_force(kg, day, targets="US", material=material)
        found = supply_paths(kg, "US", material, as_of=day, limit=200)
        cp = chokepoints(kg, "US", material, as_of=day)
        assert {a.measure.id for a in found.measures} == expected, material
        assert {m.id for p in found.paths for m in p.restricted_by} == expected, material
        assert {a.measure.id for a in cp.measures} == expected, material
        assert {m.id for f in cp.restricted_flows for m in f.restricted_by} == expected, material
        via_china = [p for p in found.paths if kg.iri("china") in {n.id for n in p.nodes}]
        assert via_china and all(bool(p.restricted_by) == bool(expected) for p in via_china), material


def test_the_gallium_ban_on_the_us_restricts_paths_only_while_in_force(kg: KnowledgeGraph) -> None:
    ban = kg.iri("mofcom-2024-46-clause-2")
    statuses = {d: {m.id: m.status for m in measures_in_force(kg, on=d).measures}[ban] for d in (TRUCE, LAPSED)}
    assert statuses == {TRUCE: "suspended", LAPSED: "in force"}
    during = supply_paths(kg, "US", "gallium", as_of=TRUCE)
    after = supply_paths(kg, "US", "gallium", as_of=LAPSED)
    assert during.paths and not any(p.restricted_by for p in during.paths) and during.measures == []
    assert after.paths and all(ban in {m.id for m in p.restricted_by} for p in after.paths)
    assert [a.projected for a in after.measures] == [True] and after.evidence.projected
    assert not during.evidence.projected


# Restricted paths ------------------------------------------------------------------------


def _routes(found) -> set[tuple[str, ...]]:
    return {tuple(n.id for n in p.nodes) for p in found.paths}


def test_restricted_paths_are_named_listed_after_open_ones_and_counted_by_choice(kg: KnowledgeGraph) -> None:
    include = supply_paths(kg, "US", "dysprosium", as_of=LAPSED, limit=200)
    exclude = supply_paths(kg, "US", "dysprosium", as_of=LAPSED, limit=200, restricted="exclude")
    only = supply_paths(kg, "US", "dysprosium", as_of=LAPSED, limit=200, restricted="only")
    assert (include.restricted, exclude.restricted, only.restricted) == ("include", "exclude", "only")
    # The example: the first route no longer goes through China.
    first = include.paths[0]
    assert not first.restricted_by and kg.iri("china") not in {n.id for n in first.nodes}
    assert "Malaysia" in [c.label for c in first.countries]
    flags = [bool(p.restricted_by) for p in include.paths]
    assert flags == sorted(flags), "open paths come first"
    for group in (False, True):
        lengths = [p.length for p in include.paths if bool(p.restricted_by) == group]
        assert lengths == sorted(lengths)
    assert not any(p.restricted_by for p in exclude.paths) and all(p.restricted_by for p in only.paths)
    assert _routes(include) == _routes(exclude) | _routes(only) and not _routes(exclude) & _routes(only)
    china = controlled_by(projection(kg), [kg.iri("china")])
    for p in only.paths:
        restricted = [s for s in p.steps if s.restricted_by]
        assert len(restricted) == 1 and restricted[0].source.id in china
        assert kg.iri("mofcom-2025-18") in {m.id for m in restricted[0].restricted_by}
        assert {m.id for m in p.restricted_by} == {m.id for m in restricted[0].restricted_by}
    # Every variant names the same measures: excluding a path does not hide why.
    assert [a.measure.id for a in include.measures] == [a.measure.id for a in exclude.measures]


def test_chokepoints_of_the_open_supply_and_of_the_restricted_one(kg: KnowledgeGraph) -> None:
    both = chokepoints(kg, "US", "dysprosium", as_of=LAPSED)
    open_ = chokepoints(kg, "US", "dysprosium", as_of=LAPSED, restricted="exclude")
    shut = chokepoints(kg, "US", "dysprosium", as_of=LAPSED, restricted="only")
    assert kg.iri("china") in {n.id for n in both.minimum_node_cut}
    assert kg.iri("lynas-malaysia") in {n.id for n in open_.articulation_points}
    assert {s.id for s in open_.suppliers} == {kg.iri("lynas-malaysia")}
    assert {s.id for s in shut.suppliers} == {kg.iri("china")}
    assert both.restricted_flows == open_.restricted_flows == shut.restricted_flows
    assert {f.supplier.id for f in both.restricted_flows} == {kg.iri("china")}


def test_a_country_obtains_through_the_deals_its_government_bodies_sign(kg: KnowledgeGraph) -> None:
    us, dod = kg.iri("united-states"), kg.iri("us-department-of-defense")
    H = for_consumer(supply_view(kg, LAPSED), us)
    deals = [b for b in H.successors(us) if any(e.get("via") == dod for e in H.edges[us, b]["evidence"])]
    assert deals, "the Department of Defense's deal is not a US deal"
    found = supply_paths(kg, "US", deals[0], as_of=LAPSED)
    step = found.paths[0].steps[0]
    assert step.via is not None and step.via.id == dod
    assert "Department of Defense" in step.text and "United States" in step.text


# Disruption against a stated baseline ----------------------------------------------------


def test_a_scenario_states_its_baseline_and_compares_with_no_measures(kg: KnowledgeGraph) -> None:
    us = kg.iri("united-states")
    d = disruption(kg, remove=["China"], as_of=LAPSED)
    assert {a.measure.id for a in d.baseline.measures} == _blocking_in_force(kg, LAPSED)
    assert all(a.status == "in force" for a in d.baseline.measures)
    restricted = {c.consumer.id: {m.id for m in c.materials_lost} for c in d.baseline.consumers_restricted}
    assert kg.iri("gallium") in restricted[us], "the baseline's measures already cut the US off China's gallium"
    # Against that baseline removing China costs the US nothing more; against no measures, gallium.
    against_base = {c.consumer.id: {m.id for m in c.materials_lost} for c in d.consumers_affected}
    against_none = {c.consumer.id: {m.id for m in c.materials_lost} for c in d.without_measures.consumers_affected}
    assert kg.iri("gallium") not in against_base.get(us, set())
    assert kg.iri("gallium") in against_none[us]
    for c, lost in against_base.items():
        assert lost <= against_none[c]
    assert "baseline" in d.note and "no measures" in d.note
    assert {p.nodes[-1].id for p in d.paths_lost if p.nodes[0].id == us} <= against_none[us]
    # The same scenario during the truce loses gallium against the baseline too.
    during = disruption(kg, remove=["China"], as_of=TRUCE)
    assert kg.iri("gallium") in {
        m.id for c in during.consumers_affected if c.consumer.id == us for m in c.materials_lost
    }


def test_a_scenario_removes_supply_actors_not_publishers(kg: KnowledgeGraph) -> None:
    d = disruption(kg, remove=["China"], as_of=LAPSED, max_paths=0)
    removed = {r.id for r in d.removed_with}
    assert kg.iri("caixin") not in removed
    assert kg.iri("mofcom") in removed, "a government body goes with its country"


# Evidence ----------------------------------------------------------------------------------


def test_every_analysis_carries_evidence_for_its_day(kg: KnowledgeGraph) -> None:
    results = [
        supply_paths(kg, "US", "dysprosium", as_of=LAPSED),
        centrality(kg, "betweenness", as_of=LAPSED),
        chokepoints(kg, "US", "dysprosium", as_of=LAPSED),
        concentration(kg, "rare earths", "processing", as_of=LAPSED),
        disruption(kg, remove=["China"], as_of=LAPSED, max_paths=2),
    ]
    for result in results:
        ev = result.evidence
        assert ev.as_of == LAPSED and ev.note, type(result).__name__
        assert ev.data_until is not None and ev.data_until <= ev.graph_data_until, type(result).__name__
        # China's controls in force that day are projected from 2025 sources; production shares are not.
        assert ev.projected == (not isinstance(result, network.Concentration)), type(result).__name__
    assert not supply_paths(kg, "Malaysia", "dysprosium", as_of=TRUCE).evidence.projected


def test_concentration_uses_figures_of_periods_begun_by_the_day(kg: KnowledgeGraph) -> None:
    now = concentration(kg, "rare earths", "production", as_of=LAPSED)
    before = concentration(kg, "rare earths", "production", as_of="2024-06-01")
    assert before.period <= "2024" <= now.period
    # The 2024 production figures exist but their period had not begun on 2023-06-01.
    early = concentration(kg, "rare earths", "production", "2024", as_of="2023-06-01")
    assert early.hhi is None and "after" in early.note


# Result types ----------------------------------------------------------------------------


def test_every_analysis_returns_one_result_whose_dict_is_plain_json(kg: KnowledgeGraph) -> None:
    results = [
        supply_paths(kg, "Malaysia", "dysprosium", max_len=4),
        supply_paths(kg, "US", "gallium", as_of=LAPSED),
        centrality(kg, "degree", top=3),
        chokepoints(kg, "Malaysia", "dysprosium"),
        chokepoints(kg, "US", "gallium", as_of=LAPSED),
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


# ---------------------------------------------------------------------------------------------
# Concentration of imports (USGS import sources of US rare-earth compounds and metals, 2020-23)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("material", "importer"),
    [
        ("rare-earth compounds and metals", None),
        ("rare-earth compounds", "US"),
        ("rare earths", "United States"),
    ],
)
def test_concentration_of_us_imports_by_exporter(kg: KnowledgeGraph, material: str, importer: str | None) -> None:
    c = concentration(kg, material, "imports", importer=importer)
    assert c.importer.id == kg.iri("united-states") and c.period == "2020/2023"
    assert [(s.subject.label, s.share) for s in c.shares] == [
        ("China", 0.7),
        ("Malaysia", 0.13),
        ("Japan", 0.06),
        ("Estonia", 0.05),
    ]
    assert all(s.unit == "%" and [x.id for x in s.sources] == [str(kg.ns.source["usgs-mcs-2025"])] for s in c.shares)
    assert c.coverage == 0.94 and "6% of the total is not broken down" in c.note
    assert c.hhi == 70**2 + 13**2 + 6**2 + 5**2 and c.hhi_upper == c.hhi + 6**2
    assert c.level == "highly concentrated"
    if material != "rare-earth compounds and metals":
        assert c.figures_for.id == kg.iri("rare-earth-compounds-and-metals")


def test_import_concentration_needs_a_known_importer_and_only_for_imports(kg: KnowledgeGraph) -> None:
    none = concentration(kg, "rare-earth compounds", "imports", importer="China")
    assert none.hhi is None and "into China" in none.note
    assert concentration(kg, "gallium", "imports").hhi is None
    with pytest.raises(InvalidParameter):
        concentration(kg, "rare earths", "mining", importer="US")
    with pytest.raises(NodeNotFound):
        concentration(kg, "rare earths", "imports", importer="Atlantis")


def test_one_producers_output_without_a_world_total_is_no_index(kg: KnowledgeGraph) -> None:
    # USGS gives US concentrate output for 2020-2022 but no other country's: no concentration then.
    c = concentration(kg, "rare earths", "production", "2021")
    assert c.hhi is None and "no world total" in c.note
    assert concentration(kg, "rare earths", "production", as_of="2022-06-01").hhi is None


def test_a_remainder_under_half_a_percent_is_not_written_as_0(kg: KnowledgeGraph) -> None:
    # Coverage 0.9964 once came with "0% of the total is not broken down".
    from rekg.graph.network.concentration import concentration

    found = concentration(kg, "rare earths", "production", as_of="2023-12-31")
    assert 0.99 < found.coverage < 1
    assert "0% of the total" not in found.note and "under 1% of the total is not broken down" in found.note
