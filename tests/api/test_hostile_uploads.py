"""Hostile uploads and what they could do to the exports, through a real `rekg serve` on 127.0.0.1 (issue 15).

Each finding of the hostile test is replayed against a server started as a subprocess on a free
loopback port (stopped by its PID):

* finding 5: JSON-LD whose ``@context`` names another document (web, ``file:``, relative, in a
  list, in a node, scoped in a term, ``@import``) is refused with a 422 that says so; a canary TCP
  listener and a canary file (a FIFO, which tells when anyone opens it) see nothing, and the answer
  for an existing file is the answer for a missing one;
* finding 6: control characters in a literal are refused with a 422 naming the triple; labels that
  hold them anyway (a ``--data`` file) leave every XML export and SPARQL XML result well-formed;
* finding 7: labels that a spreadsheet would run as formulas reach the CSV export neutralised;
* finding 8: an upload cannot give a curated entity an alias, a code, a type or a sameAs
  (``id:china skos:altLabel "Dy"``), while claims about it are accepted;
* finding 9: ``DELETE /sources/wco-2022`` (a seed) is refused on the served app, in memory and
  on a persistent store that is reopened.
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import igraph
import networkx as nx
import pytest
from lxml import etree

from tests.graph.test_export_graph import CONTROL_LABEL, FORMULAS, PLAIN_NUMBER_LABEL, _schema, write_hostile_data
from tests.serverutil import Canary, Server, canary_listener, running_server, start_server
from tests.serverutil import file_canary as serverutil_file_canary
from tests.sourcedata import trig as _trig

TOKEN = "hostile-test-token-5c1e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ID = "https://w3id.org/rekg/id/"
REKG = "https://w3id.org/rekg/ontology#"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
#: Environment of every server here: writes on, seeds trusted (the suites validate them), one query worker.
ENV = {"REKG_WRITE_TOKEN": TOKEN, "REKG_VALIDATE_SEEDS": "false", "REKG_QUERY_WORKERS": "1"}


def trig(source_id: str, body: str = "") -> bytes:
    return _trig(source_id, body, title="A hostile note")


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hostile_data(tmp_path_factory.mktemp("hostile-data") / "hostile.ttl")


@pytest.fixture(scope="module")
def server(hostile_data: Path) -> Iterator[Server]:
    """`rekg serve --data hostile.ttl` with writes enabled: the in-memory store, built as users build it."""
    with running_server(["--data", str(hostile_data)], ENV, timeout=120) as s:
        yield s


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def json_error(r: httpx.Response, status: int, error: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"] == error and body["detail"], body
    return body


def source_ids(http: httpx.Client) -> dict[str, dict]:
    r = http.get("/sources")
    assert r.status_code == 200
    return {s["id"]: s for s in r.json()}


def triples(http: httpx.Client) -> int:
    return http.get("/healthz").json()["triples"]


# -- finding 5: JSON-LD contexts are inline or refused; nothing is fetched ----------------------------


@pytest.fixture()
def canary() -> Iterator[Canary]:
    with canary_listener() as c:
        yield c


@pytest.fixture()
def file_canary(tmp_path: Path) -> Iterator[tuple[Path, Path, list[int]]]:
    with serverutil_file_canary(
        tmp_path / "canary-context.jsonld",
        tmp_path / "secret-context.jsonld",
        json.dumps({"@context": {"SECRET-CANARY-5c1e": "https://example.org/secret#"}}),
    ) as c:
        yield c


def _jsonld_documents(ref: str) -> dict[str, dict]:
    """Every place a JSON-LD 1.1 document can name another context document, each naming ``ref``."""
    source = {"@id": "source/hostile-ctx", "@type": REKG + "Source"}
    inline = {"rekg": REKG}
    return {
        "top": {"@context": ref, **source},
        "list": {"@context": [inline, ref], **source},
        "node": {"@context": inline, "@graph": [{"@context": ref, **source}]},
        "scoped-term": {
            "@context": {"rekg": REKG, "p": {"@id": REKG + "p", "@context": ref}},
            "p": {"@id": "id/y"},
            **source,
        },
        "type-scoped": {"@context": {"T": {"@id": REKG + "Source", "@context": ref}}, "@id": "source/x", "@type": "T"},
        "import": {"@context": {"@version": 1.1, "@import": ref}, **source},
    }


def test_jsonld_contexts_that_name_another_document_are_refused_and_never_fetched(
    http: httpx.Client, canary: Canary, file_canary: tuple[Path, Path, list[int]]
) -> None:
    fifo, secret, opened = file_canary
    before = triples(http)
    missing = secret.with_name("no-such-context.jsonld")
    refs = [canary.url + "context.jsonld", fifo.as_uri(), secret.as_uri(), missing.as_uri(), "context.jsonld"]
    answers: dict[str, dict[str, str]] = {}
    for ref in refs:
        for where, doc in _jsonld_documents(ref).items():
            r = http.post("/sources", content=json.dumps(doc), headers={"Content-Type": "application/ld+json", **AUTH})
            body = json_error(r, 422, "invalid_data")
            assert "never fetches contexts" in body["detail"], (where, body)
            assert "SECRET-CANARY" not in r.text
            answers.setdefault(where, {})[ref] = body["detail"].replace(ref, "<ref>")
    # The same answer whether the file exists, is a FIFO, is missing or is a listening port: nothing to learn.
    for where, by_ref in answers.items():
        assert len(set(by_ref.values())) == 1, (where, by_ref)
    time.sleep(0.3)
    assert canary.hits == [] and opened == []
    assert triples(http) == before and "hostile-ctx" not in source_ids(http)


@pytest.mark.parametrize("where", sorted(_jsonld_documents("x")))
def test_the_refusing_document_loader_alone_stops_rdflib(
    monkeypatch: pytest.MonkeyPatch, canary: Canary, where: str
) -> None:
    """Defence in depth: with the walk over the document switched off, rdflib still fetches nothing."""
    from rekg.graph.errors import SeedError
    from rekg.graph.io import seeds

    monkeypatch.setattr(seeds, "context_references", lambda doc: [])
    doc = _jsonld_documents(canary.url + "context.jsonld")[where]
    with pytest.raises(SeedError, match="never fetches contexts"):
        seeds.parse_source(json.dumps(doc), fmt="json-ld", allow_default_graph=True)
    time.sleep(0.2)
    assert canary.hits == []


def test_jsonld_with_an_inline_context_is_still_accepted(http: httpx.Client) -> None:
    doc = {
        "@context": {"rekg": REKG, "dcterms": "http://purl.org/dc/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#"},
        "@id": "source/hostile-inline",
        "@graph": [
            {
                "@id": "source/hostile-inline",
                "@type": "rekg:Source",
                "http://www.w3.org/2000/01/rdf-schema#label": {"@value": "inline", "@language": "en"},
                "dcterms:title": "Inline context",
                "dcterms:publisher": {"@id": "id/lynas"},
                "dcterms:date": {"@value": "2026-01-05", "@type": "xsd:date"},
                "rekg:sourceKind": {"@id": "rekg:NewsArticle"},
            }
        ],
    }
    r = http.post("/sources", content=json.dumps(doc), headers={"Content-Type": "application/ld+json", **AUTH})
    assert r.status_code == 201, r.text
    assert http.delete("/sources/hostile-inline", headers=AUTH).status_code == 200


# -- finding 6: control characters are refused in uploads, and never break an export ------------------


CONTROL_UPLOADS = {
    "trig": (
        "application/trig",
        trig("hostile-ctl", 'id:hostile-x a rekg:Company ; rdfs:label "Dy\\u0001\\u0008 oxide"@en .'),
    ),
    "n-triples": (
        "application/n-triples",
        (
            "<https://w3id.org/rekg/source/hostile-ctl> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            f"<{REKG}Source> .\n"
            "<https://w3id.org/rekg/source/hostile-ctl> <http://www.w3.org/2000/01/rdf-schema#label> "
            '"Dy\\u0001\\u0008 oxide"@en .\n'
        ).encode(),
    ),
    "json-ld": (
        "application/ld+json",
        json.dumps(
            {
                "@id": "source/hostile-ctl",
                "@type": REKG + "Source",
                "http://www.w3.org/2000/01/rdf-schema#label": {"@value": "Dy\u0001\u0008 oxide", "@language": "en"},
            }
        ).encode(),
    ),
}


@pytest.mark.parametrize("fmt", sorted(CONTROL_UPLOADS))
def test_control_characters_in_an_upload_are_refused_naming_the_triple(http: httpx.Client, fmt: str) -> None:
    media, content = CONTROL_UPLOADS[fmt]
    before = triples(http)
    r = http.post("/sources", content=content, headers={"Content-Type": media, **AUTH})
    body = json_error(r, 422, "invalid_data")
    assert "XML 1.0 cannot carry" in body["detail"] and "U+0001, U+0008" in body["detail"]
    assert '"Dy\\u0001\\u0008 oxide"@en' in body["detail"]  # the triple, its characters written out
    [problem] = body["problems"]
    assert problem["path"] == "http://www.w3.org/2000/01/rdf-schema#label" and "U+0001" in problem["message"]
    assert triples(http) == before and "hostile-ctl" not in source_ids(http)


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "rdfxml"])
def test_xml_exports_stay_well_formed_with_control_characters_from_a_data_file(http: httpx.Client, fmt: str) -> None:
    r = http.get(f"/export/{fmt}")
    assert r.status_code == 200, r.text[:500]
    doc = etree.fromstring(r.content)  # raises unless well-formed
    if fmt == "gexf":
        schema = _schema("1.3")
        assert schema.validate(doc), schema.error_log
        G = nx.read_gexf(io.BytesIO(r.content))
        assert G.nodes[ID + "ctrl-co"]["label"] == "Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd"
    elif fmt == "graphml":
        G = nx.read_graphml(io.BytesIO(r.content))
        assert G.nodes[ID + "ctrl-co"]["label"] == "Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd"
    else:
        assert "Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd" in r.text


def test_graphml_with_control_characters_reads_in_igraph(http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "rekg.graphml"
    path.write_bytes(http.get("/export/graphml").content)
    g = igraph.Graph.Read_GraphML(str(path))
    assert {v["id"]: v["label"] for v in g.vs}[ID + "ctrl-plant"] == "Plant\ufffd"


@pytest.mark.parametrize("accept", ["application/sparql-results+xml", "application/rdf+xml"])
def test_sparql_xml_results_stay_well_formed(http: httpx.Client, accept: str) -> None:
    where = f"<{ID}ctrl-co> <http://www.w3.org/2000/01/rdf-schema#label> ?l"
    query = f"SELECT ?l WHERE {{ {where} }}" if "sparql" in accept else f"CONSTRUCT {{ {where} }} WHERE {{ {where} }}"
    r = http.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    etree.fromstring(r.content)  # raises unless well-formed
    assert "Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd" in r.text


def test_json_results_keep_the_characters_exactly(http: httpx.Client) -> None:
    q = f"SELECT ?l WHERE {{ <{ID}ctrl-co> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    r = http.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert [b["l"]["value"] for b in r.json()["results"]["bindings"]] == [CONTROL_LABEL]


# -- finding 7: no formula reaches a spreadsheet through the CSV export --------------------------------


def test_csv_export_neutralises_formulas(http: httpx.Client) -> None:
    z = zipfile.ZipFile(io.BytesIO(http.get("/export/csv").content))
    nodes = list(csv.DictReader(io.StringIO(z.read("nodes.csv").decode("utf-8-sig"), newline="")))
    edges = list(csv.DictReader(io.StringIO(z.read("edges.csv").decode("utf-8-sig"), newline="")))
    labels = {r["id"]: r["label"] for r in nodes}
    for local, text in FORMULAS.items():
        assert labels[ID + local] == "'" + text, local
    assert labels[ID + "number-co"] == PLAIN_NUMBER_LABEL
    for row in nodes + edges:
        for cell in row.values():
            if cell and cell[0] in "=+-@\t\r":
                float(cell)  # raises unless the cell is a plain number, the one thing that may start so
    assert "formula" in z.read("README.txt").decode()


# -- finding 8: curated entities keep their names, codes and types ---------------------------------------


def test_an_upload_cannot_give_china_the_alias_dy(http: httpx.Client) -> None:
    before = triples(http)
    r = http.post(
        "/sources",
        content=trig("hostile-alias", f'id:china <{SKOS_ALT}> "Dy" .'),
        headers={"Content-Type": "application/trig", **AUTH},
    )
    body = json_error(r, 409, "curated_entity")
    assert body["triples"] == [{"subject": f"<{ID}china>", "predicate": f"<{SKOS_ALT}>", "object": '"Dy"'}]
    assert f'<{ID}china> <{SKOS_ALT}> "Dy" .' in body["detail"]
    assert triples(http) == before and "hostile-alias" not in source_ids(http)
    # What the alias did in the hostile test: resolve "Dy" to China and rank China first for it.
    assert http.get("/measures", params={"imposed_by": "Dy"}).status_code == 404
    hits = http.get("/search", params={"q": "Dy"}).json()["hits"]
    assert hits[0]["id"] == ID + "dysprosium" and all(h["id"] != ID + "china" for h in hits)


@pytest.mark.parametrize(
    "statement",
    [
        'id:china rekg:isoCode "DY"',
        'id:dysprosium rekg:symbol "Cn"',
        'id:china rdfs:label "Dysprosium"@en',
        "id:china a rekg:Company",
        "id:hostile-twin <http://www.w3.org/2002/07/owl#sameAs> id:china",
    ],
    ids=["code", "symbol", "label", "type", "sameAs"],
)
def test_an_upload_cannot_rename_retype_or_recode_a_curated_entity(http: httpx.Client, statement: str) -> None:
    before = triples(http)
    r = http.post(
        "/sources",
        content=trig("hostile-rename", statement + " ."),
        headers={"Content-Type": "application/trig", **AUTH},
    )
    body = json_error(r, 409, "curated_entity")
    assert len(body["triples"]) == 1
    assert triples(http) == before


def test_claims_about_curated_entities_are_still_accepted(http: httpx.Client) -> None:
    claim = "id:china-october-2025-controls rekg:restricts id:dysprosium-oxide . id:lynas rekg:supplies id:dysprosium ."
    r = http.post(
        "/sources", content=trig("hostile-claim", claim), headers={"Content-Type": "application/trig", **AUTH}
    )
    assert r.status_code == 201, r.text
    assert source_ids(http)["hostile-claim"]["curated"] is False
    assert http.delete("/sources/hostile-claim", headers=AUTH).status_code == 200


# -- finding 9: seed sources are curated on the served app --------------------------------------------------


def assert_seed_is_protected(http: httpx.Client) -> None:
    before = triples(http)
    r = http.delete("/sources/wco-2022", headers=AUTH)
    assert r.status_code in (403, 409), r.text
    body = r.json()
    assert body["error"] and "seeds/" in body["detail"]
    listed = source_ids(http)
    assert listed["wco-2022"]["curated"] is True and listed["wco-2022"]["triples"] > 0
    assert triples(http) == before


def test_deleting_a_seed_source_is_refused_on_the_served_app(http: httpx.Client) -> None:
    assert_seed_is_protected(http)


def test_seed_sources_stay_curated_in_a_reopened_persistent_store(tmp_path: Path) -> None:
    args = ["--store", "oxigraph", "--store-path", str(tmp_path / "store")]
    for _ in range(2):  # the first start loads the seeds; the second finds them in the store
        s = start_server(args, ENV, timeout=120)
        try:
            with httpx.Client(base_url=s.url, timeout=60) as http:
                assert_seed_is_protected(http)
        finally:
            s.stop()
