"""The seed graph as a whole: it validates, every fact sits in a described source graph, and
the shared entities file holds identity only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF
from rekg.graph import KnowledgeGraph
from rekg.graph.io.seeds import SEEDS_DIR, load_seeds, validate
from rekg.ontology import REKG, namespaces

NS = namespaces("https://w3id.org/rekg/")

# The Wikidata identifiers verified in the project's reference facts; no others may appear.
VERIFIED_WIKIDATA = {
    "china": "Q148",
    "united-states": "Q30",
    "australia": "Q408",
    "japan": "Q17",
    "malaysia": "Q833",
    "thailand": "Q869",
    "kazakhstan": "Q232",
    "greenland": "Q223",
    "ukraine": "Q212",
    "south-korea": "Q884",
    "dysprosium": "Q1843",
    "terbium": "Q1838",
    "yttrium": "Q941",
    "samarium": "Q1819",
    "gadolinium": "Q1832",
    "neodymium": "Q1388",
    "praseodymium": "Q1386",
    "gallium": "Q861",
    "germanium": "Q867",
    "antimony": "Q1099",
    "lithium": "Q568",
}

CHINESE_NAMES = {
    "dysprosium": "镝",
    "terbium": "铽",
    "yttrium": "钇",
    "samarium": "钐",
    "gadolinium": "钆",
    "neodymium": "钕",
    "praseodymium": "镨",
    "gallium": "镓",
    "germanium": "锗",
    "antimony": "锑",
    "lithium": "锂",
    "graphite": "石墨",
    "rare-earths": "稀土",
    "china": "中国",
    "united-states": "美国",
}

# What entities.ttl may say: names, codes, links, the scheme, and where a body belongs.
IDENTITY_PREDICATES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#inScheme",
    "http://www.w3.org/2004/02/skos/core#broader",
    "http://www.w3.org/2004/02/skos/core#topConceptOf",
    "http://www.w3.org/2004/02/skos/core#hasTopConcept",
    str(REKG.isoCode),
    str(REKG.symbol),
    str(REKG.country),
    str(REKG.parentBody),
    str(REKG.formOf),
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_seeds(validate_shapes=False)


def test_shacl_passes_on_the_whole_seed_graph(dataset: Dataset) -> None:
    assert validate(dataset) == []
    # load_seeds raises SeedError on any violation; loading with validation must succeed.
    assert len(load_seeds()) > 2000


def test_every_triple_is_in_the_ontology_entities_or_a_source_graph(dataset: Dataset) -> None:
    allowed = {NS.ontology_graph, NS.entities_graph}
    for g in dataset.graphs():
        if not len(g):
            continue
        gid = str(g.identifier)
        if gid in allowed:
            continue
        assert gid.startswith(str(NS.source)), f"triples outside a source graph: {gid}"
        # A source graph describes itself, inside itself.
        assert (g.identifier, RDF.type, REKG.Source) in g, gid


def test_each_seed_file_is_one_source_graph_named_after_the_file(dataset: Dataset) -> None:
    stems = sorted(p.stem for p in SEEDS_DIR.glob("*.trig"))
    graphs = sorted(
        str(g.identifier)[len(str(NS.source)) :]
        for g in dataset.graphs()
        if str(g.identifier).startswith(str(NS.source)) and len(g)
    )
    assert graphs == stems
    assert len(stems) >= 5 + 5  # five articles plus the reference sources


@pytest.mark.parametrize("stem", sorted(p.stem for p in SEEDS_DIR.glob("*.trig")))
def test_every_source_graph_is_described(kg: KnowledgeGraph, stem: str) -> None:
    rows = kg.select(
        """SELECT * WHERE {
             GRAPH ?g { ?g a rekg:Source ; dcterms:title ?title ; dcterms:publisher ?publisher ;
                          dcterms:date ?date ; rekg:sourceKind ?kind } }""",
        g=_src(kg, stem),
    )
    assert len(rows) == 1, f"{stem}: needs exactly one title, publisher, date and kind"
    row = rows[0]
    assert row["title"].strip()
    # The publisher is a shared entity with a label from entities.ttl.
    assert kg.ask("ASK { GRAPH ?e { ?p a ?t ; rdfs:label ?l } }", e=_iri(NS.entities_graph), p=_iri(row["publisher"]))
    # The file name ends with a date that agrees with the source's, at the coarser of the two
    # precisions (a rule effective on 2025-09-29 whose publication is known only to the year).
    m = re.search(r"(\d{4})(-\d{2})?(-\d{2})?$", stem)
    assert m, f"{stem}: file name must end with the source's date"
    dated = row["date"].isoformat() if isinstance(row["date"], date) else str(row["date"])
    assert dated.startswith(m.group(0)) or m.group(0).startswith(dated), (dated, m.group(0))


def test_the_five_articles_are_there_with_their_authors_and_citations(kg: KnowledgeGraph) -> None:
    rows = kg.select("SELECT ?g ?kind WHERE { ?g a rekg:Source ; rekg:sourceKind ?kind }")
    kinds = {kg.local_id(r["g"]).rsplit("/", 1)[-1]: r["kind"].rsplit("#", 1)[-1] for r in rows}
    assert kinds["caixin-2025-11"] == "NewsArticle"
    assert kinds["benzinga-2025-11-03"] == "NewsArticle"
    assert kinds["digest-2025-11"] == "NewsDigest"
    assert kinds["industry-news-2025-06-27"] == "NewsArticle"
    assert kinds["market-outlook-2025-11"] == "MarketNote"
    author = kg.select("SELECT * WHERE { ?g dcterms:creator ?a }", g=_src(kg, "industry-news-2025-06-27"))
    assert [kg.local_id(r["a"]) for r in author] == ["amy-liu"]
    cited = kg.select("SELECT * WHERE { ?g rekg:cites ?c }", g=_src(kg, "digest-2025-11"))
    assert {kg.local_id(r["c"]) for r in cited} >= {"new-york-times", "new-york-post", "politico", "associated-press"}


def test_entities_file_holds_identity_only(dataset: Dataset) -> None:
    entities = dataset.graph(URIRef(NS.entities_graph))
    used = {str(p) for p in entities.predicates()}
    assert used - IDENTITY_PREDICATES == set()


def test_wikidata_links_are_only_the_verified_ones(kg: KnowledgeGraph) -> None:
    rows = kg.select("SELECT ?s ?wd WHERE { ?s skos:exactMatch ?wd }")
    found = {kg.local_id(r["s"]): r["wd"].rsplit("/", 1)[-1] for r in rows}
    assert found == VERIFIED_WIKIDATA


@pytest.mark.parametrize(("local", "zh"), sorted(CHINESE_NAMES.items()))
def test_chinese_labels(kg: KnowledgeGraph, local: str, zh: str) -> None:
    rows = kg.select("SELECT * WHERE { ?s rdfs:label ?l FILTER(LANG(?l) = 'zh') }", s=_iri(kg.iri(local)))
    assert zh in {r["l"] for r in rows}


def test_aliases_symbols_and_iso_codes(kg: KnowledgeGraph) -> None:
    assert kg.ask('ASK { id:mp-materials skos:altLabel "MP Materials Corp."@en }')
    assert kg.ask(
        'ASK { id:ndpr-oxide rdfs:label|skos:altLabel "NdPr oxide"@en ; rekg:formOf id:neodymium, id:praseodymium }'
    )
    assert kg.ask(
        'ASK { id:dysprosium rekg:symbol "Dy" . id:china rekg:isoCode "CN" . id:united-states rekg:isoCode "US" }'
    )
    # Every country has one ISO code, every element one symbol.
    # A country may lack an ISO code only when the reference facts give it no identifier at all
    # (Estonia, a USGS import source): no identifier is added that the reference facts do not give.
    assert not kg.ask("ASK { ?c a rekg:Country FILTER NOT EXISTS { ?c rekg:isoCode ?code } ?c skos:exactMatch ?wd }")
    assert not kg.ask("ASK { ?e a rekg:Element FILTER NOT EXISTS { ?e rekg:symbol ?s } }")


def test_one_display_label_per_language(dataset: Dataset) -> None:
    """The same entity must not carry two different English (or Chinese) labels from two files."""
    labels: dict[tuple[str, str], set[str]] = {}
    for s, _p, o, _g in dataset.quads((None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None, None)):
        lang = getattr(o, "language", None)
        if lang:
            labels.setdefault((str(s), lang), set()).add(str(o))
    assert {k: v for k, v in labels.items() if len(v) > 1} == {}


def test_material_scheme_groups_the_materials(kg: KnowledgeGraph) -> None:
    groups = {
        kg.local_id(r["g"])
        for r in kg.select("SELECT ?g WHERE { ?g a rekg:MaterialGroup ; skos:inScheme id:material-scheme }")
    }
    assert groups >= {"light-rare-earths", "heavy-rare-earths", "critical-minerals", "battery-materials"}
    members = lambda group: {  # noqa: E731
        kg.local_id(r["m"]) for r in kg.select("SELECT * WHERE { ?m skos:broader+ ?grp }", grp=_iri(kg.iri(group)))
    }
    assert {"dysprosium", "terbium", "yttrium", "gadolinium"} <= members("heavy-rare-earths")
    assert {"neodymium", "praseodymium", "cerium"} <= members("light-rare-earths")
    assert {"gallium", "germanium", "antimony", "dysprosium", "graphite"} <= members("critical-minerals")
    assert {"lithium", "graphite", "cathode-materials"} <= members("battery-materials")
    assert "dysprosium" not in members("light-rare-earths")
    # Every element sits in a group.
    assert not kg.ask("ASK { ?e a rekg:Element FILTER NOT EXISTS { ?e skos:broader ?g } }")


def test_material_forms_are_distinct(kg: KnowledgeGraph) -> None:
    assert kg.ask("ASK { id:dysprosium-metal a rekg:Metal ; rekg:formOf id:dysprosium }")
    assert kg.ask("ASK { id:dysprosium-oxide a rekg:Oxide ; rekg:formOf id:dysprosium }")
    assert kg.ask("ASK { id:ndpr-oxide a rekg:Oxide }")
    assert kg.ask("ASK { id:permanent-magnets a rekg:Product ; rekg:madeFrom id:ndpr-oxide }")


def test_no_supplier_of_gallium_germanium_antimony_outside_china(kg: KnowledgeGraph) -> None:
    """The seeds name no producer of these outside China, so a China-less world has none."""
    for element in ("gallium", "germanium", "antimony"):
        m = _iri(kg.iri(element))
        assert kg.ask("ASK { id:china rekg:supplies ?m }", m=m), element
        assert not kg.ask("ASK { ?f rekg:produces/(rekg:formOf|skos:broader)* ?m }", m=m), element
        assert not kg.ask("ASK { ?a rekg:supplies ?m FILTER(?a != id:china) }", m=m), element


def test_facilities_state_outputs_status_and_years(kg: KnowledgeGraph) -> None:
    # Every facility output has a status, and every planned facility or output a start year.
    assert not kg.ask("ASK { ?f rekg:output ?o FILTER NOT EXISTS { ?o rekg:status ?s } }")
    assert not kg.ask("ASK { ?x rekg:status rekg:Planned FILTER NOT EXISTS { ?x rekg:startYear ?y } }")
    assert not kg.ask("ASK { ?f a rekg:Facility FILTER NOT EXISTS { ?f rekg:produces ?m } }")


def _src(kg: KnowledgeGraph, stem: str):
    return _iri(str(kg.ns.source[stem]))


def _iri(value: str):
    import pyoxigraph as ox

    return ox.NamedNode(value)


# Issue 13: statements a review found in source graphs that the sources do not make. Each row is
# (source graph, subject, property, object); none may be in that graph.
NOT_STATED = [
    ("industry-news-2025-06-27", "us-china-june-2025-understanding", "skos:altLabel", '"London framework"@en'),
    (
        "industry-news-2025-06-27",
        "us-china-june-2025-understanding",
        "rekg:lifts",
        "id:us-export-restrictions-china-2025",
    ),
    ("industry-news-2025-06-27", "geneva-agreement-2025", "rekg:lifts", "id:mofcom-2025-18"),
    ("industry-news-2025-06-27", "mofcom-2025-18", "rekg:targets", "id:united-states"),
    ("industry-news-2025-06-27", "mofcom-2025-18", "rekg:instrument", "?any"),
    ("caixin-2025-11", "lynas-new-separation-plant", "rekg:locatedIn", "?any"),
    ("caixin-2025-11", "bis-affiliates-rule", "rekg:targets", "id:china"),
    ("caixin-2025-11", "mofcom-2025-18", "rdfs:label", "?any"),
    ("caixin-2025-11", "mp-10x-magnet-plant", "rdfs:label", "?any"),
    ("caixin-2025-11", "mp-10x-magnet-plant", "skos:altLabel", "?any"),
    ("caixin-2025-11", "china-october-2025-controls", "rekg:restricts", "id:rare-earth-production-equipment"),
    ("caixin-2025-11", "china-october-2025-controls", "rekg:restricts", "id:battery-production-equipment"),
    ("caixin-2025-11", "stat-china-re-exports-to-us-2025-09", "rekg:period", '"2025-09"^^xsd:gYearMonth'),
    ("benzinga-2025-11-03", "stat-china-re-mining-share", "rekg:period", "?any"),
    ("digest-2025-11", "stat-china-re-processing-share", "rekg:period", "?any"),
    ("bis-2025-09-29", "bis-affiliates-rule", "rekg:suspendedFrom", "?any"),
    ("whitehouse-2025-11-01", "busan-truce-2025", "rekg:validUntil", "?any"),
    ("bis-2025-09-29", "bis-2025-09-29", "dcterms:date", '"2025-09-29"^^xsd:date'),
]


@pytest.mark.parametrize("source, subject, prop, obj", NOT_STATED, ids=[" ".join(x[:3]) for x in NOT_STATED])
def test_a_source_graph_states_only_what_its_source_says(
    kg: KnowledgeGraph, source: str, subject: str, prop: str, obj: str
) -> None:
    subj = f"<{kg.ns.source[subject]}>" if subject == source else f"id:{subject}"
    assert kg.ask(f"ASK {{ GRAPH <{kg.ns.source[source]}> {{ ?s ?p ?o }} }}"), f"no graph {source}"
    assert not kg.ask(f"ASK {{ GRAPH <{kg.ns.source[source]}> {{ {subj} {prop} {obj} }} }}")


@pytest.mark.parametrize("stem", sorted(p.stem for p in SEEDS_DIR.glob("*.trig")))
def test_every_source_graph_and_claim_carries_prov(kg: KnowledgeGraph, stem: str) -> None:
    g = f"<{kg.ns.source[stem]}>"
    assert kg.ask(
        f"ASK {{ GRAPH {g} {{ {g} prov:wasDerivedFrom ?doc ; prov:wasAttributedTo ?who ; dcterms:publisher ?who }} }}"
    )
    assert not kg.ask(
        f"ASK {{ GRAPH {g} {{ ?c a rekg:Claim ; rekg:claimant ?who "
        f"FILTER NOT EXISTS {{ ?c prov:wasAttributedTo ?who }} }} }}"
    )


def test_month_precision_sources_invent_no_day(kg: KnowledgeGraph) -> None:
    rows = kg.select("SELECT ?g ?d WHERE { GRAPH ?g { ?g a rekg:Source ; dcterms:date ?d } }")
    dated = {kg.local_id(r["g"]).rsplit("/", 1)[-1]: r["d"] for r in rows}
    assert dated["caixin-2025-11"] == "2025-11" and dated["digest-2025-11"] == "2025-11"
    assert not kg.ask("ASK { ?g rekg:datePrecision ?p }")
