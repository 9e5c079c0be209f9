"""POST/GET/DELETE /sources through the real app: auth, validation, atomicity, hostile input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import open_graph

from tests.sourcedata import PREFIXES, trig

TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


NEW_PLANT = """id:test-plant a rekg:Facility ; rdfs:label "Test separation plant"@en ;
      rekg:operator id:lynas ; rekg:locatedIn id:malaysia ; rekg:stage rekg:Separation ;
      rekg:produces id:dysprosium-oxide ."""


@pytest.fixture
def writable() -> TestClient:
    """A private app with writes enabled over a fresh seed graph (writes must not leak into other tests)."""
    kg = open_graph()
    with TestClient(create_app(Settings(write_token=TOKEN), kg)) as c:
        yield c


def _count(c: TestClient) -> int:
    return c.get("/healthz").json()["triples"]


def _has_plant(c: TestClient) -> bool:
    q = "ASK { id:test-plant a rekg:Facility }"
    return c.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"}).json()[
        "boolean"
    ]


def test_writes_are_disabled_without_a_token(client: TestClient) -> None:
    r = client.post("/sources", content=trig("note-2026-01"), headers={"Content-Type": "application/trig", **AUTH})
    assert r.status_code == 403
    assert r.json()["error"] == "writes_disabled" and "REKG_WRITE_TOKEN" in r.json()["detail"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}])
def test_missing_or_wrong_token_is_401(writable: TestClient, headers: dict) -> None:
    before = _count(writable)
    r = writable.post(
        "/sources", content=trig("note-2026-01", NEW_PLANT), headers={"Content-Type": "application/trig", **headers}
    )
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert _count(writable) == before


def test_add_list_query_delete(writable: TestClient) -> None:
    before = _count(writable)
    r = writable.post(
        "/sources", content=trig("note-2026-01", NEW_PLANT), headers={"Content-Type": "application/trig", **AUTH}
    )
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "note-2026-01" and r.json()["triples"] > 10
    assert _count(writable) == before + r.json()["triples"]
    listed = {s["id"]: s for s in writable.get("/sources").json()}
    assert listed["note-2026-01"]["curated"] is False and listed["note-2026-01"]["title"] == "A test note"
    assert listed["caixin-2025-11"]["curated"] is True and listed["caixin-2025-11"]["publisher"] == "Caixin"
    assert listed["note-2026-01"]["publisher"] == "Lynas Rare Earths"
    assert _has_plant(writable)

    r = writable.delete("/sources/note-2026-01", headers=AUTH)
    assert r.status_code == 200 and r.json()["triples"] > 10 and r.json()["kind"] is None  # nothing was read
    assert _count(writable) == before and not _has_plant(writable)
    assert writable.delete("/sources/note-2026-01", headers=AUTH).status_code == 404


def test_turtle_without_named_graph_is_accepted(writable: TestClient) -> None:
    ttl = (
        PREFIXES
        + """src:note-ttl a rekg:Source ; rdfs:label "t"@en ; dcterms:title "Turtle note" ;
      dcterms:publisher id:lynas ; dcterms:date "2026-01-05"^^xsd:date ; rekg:sourceKind rekg:NewsArticle .
"""
        + NEW_PLANT
    )
    r = writable.post("/sources", content=ttl.encode(), headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 201, r.text
    assert r.json()["iri"].endswith("/source/note-ttl") and _has_plant(writable)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://w3id.org/rekg/source/lol"><rdfs:label>&lol9;</rdfs:label></rdf:Description>
</rdf:RDF>"""


@pytest.mark.parametrize(
    ("content", "media", "status", "error"),
    [
        (b"@prefix broken <", "application/trig", 422, "invalid_data"),
        (
            trig(
                "note-bad-date",
                'id:m a rekg:Tariff ; rdfs:label "m"@en ; rekg:imposedBy id:china ; '
                'rekg:restricts id:dysprosium ; rekg:effectiveFrom "soon" .',
            ),
            "application/trig",
            422,
            "invalid_data",
        ),
        (
            trig(
                "note-no-operator",
                'id:p a rekg:Facility ; rdfs:label "p"@en ; rekg:locatedIn id:malaysia ; rekg:stage rekg:Mining .',
            ),
            "application/trig",
            422,
            "invalid_data",
        ),
        (BILLION_LAUGHS, "application/rdf+xml", 422, "invalid_data"),
        (trig("caixin-2025-11"), "application/trig", 409, "conflict"),
        (trig("note-vocab", 'rekg:Facility rdfs:label "hijacked"@en .'), "application/trig", 422, "invalid_data"),
        (
            PREFIXES.encode() + b'<graph/entities> { id:china rdfs:label "x"@en . }',
            "application/trig",
            422,
            "invalid_data",
        ),
        (trig("note-2026-02"), "application/x-unknown", 415, "unsupported_media_type"),
        (b"", "application/trig", 422, "invalid_data"),
        (
            b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "source/note-ctx", "@type": "Source"}',
            "application/ld+json",
            422,
            "invalid_data",
        ),
        (
            trig("note-control", 'id:test-x a rekg:Company ; rdfs:label "Dy\\u0001\\u0008"@en .'),
            "application/trig",
            422,
            "invalid_data",
        ),
        (
            trig("note-alias", 'id:china <http://www.w3.org/2004/02/skos/core#altLabel> "Dy" .'),
            "application/trig",
            409,
            "curated_entity",
        ),
    ],
    ids=[
        "syntax",
        "bad-date",
        "shacl-operator",
        "billion-laughs",
        "existing-id",
        "vocabulary",
        "entities-graph",
        "media-type",
        "empty",
        "jsonld-remote-context",
        "control-characters",
        "curated-alias",
    ],
)
def test_hostile_or_broken_uploads_write_nothing(
    writable: TestClient, content: bytes, media: str, status: int, error: str
) -> None:
    before = _count(writable)
    r = writable.post("/sources", content=content, headers={"Content-Type": media, **AUTH})
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["detail"]
    assert _count(writable) == before
    assert writable.get("/healthz").status_code == 200


def test_shacl_problems_are_listed(writable: TestClient) -> None:
    bad = 'id:p a rekg:Facility ; rdfs:label "p"@en ; rekg:locatedIn id:malaysia ; rekg:stage rekg:Mining .'
    r = writable.post("/sources", content=trig("note-x", bad), headers={"Content-Type": "application/trig", **AUTH})
    problems = r.json()["problems"]
    assert any(p["node"].endswith("/id/p") and "operator" in p["message"] for p in problems)


def test_curated_sources_cannot_be_deleted(writable: TestClient) -> None:
    r = writable.delete("/sources/caixin-2025-11", headers=AUTH)
    assert r.status_code == 409 and "seeds/" in r.json()["detail"]


def test_huge_body_is_413(writable: TestClient) -> None:
    big = b"#" * (2_000_001)
    r = writable.post("/sources", content=big, headers={"Content-Type": "application/trig", **AUTH})
    assert r.status_code == 413 and r.json()["error"]


def test_validation_runs_in_a_worker_that_is_stopped_at_its_time_limit() -> None:
    kg = open_graph()
    with TestClient(create_app(Settings(write_token=TOKEN, upload_timeout_s=1e-6), kg)) as c:
        before = _count(c)
        r = c.post(
            "/sources", content=trig("slow-note", NEW_PLANT), headers={"Content-Type": "application/trig", **AUTH}
        )
        assert r.status_code == 422 and "REKG_UPLOAD_TIMEOUT_S" in r.json()["detail"], r.text
        assert _count(c) == before and not _has_plant(c)
        assert c.get("/healthz").status_code == 200


def test_validation_worker_is_not_the_server(writable: TestClient) -> None:
    import os

    r = writable.post(
        "/sources", content=trig("note-w", NEW_PLANT), headers={"Content-Type": "application/trig", **AUTH}
    )
    assert r.status_code == 201, r.text
    pids = writable.app.state.upload_validation.worker_pids
    assert pids and os.getpid() not in pids


def test_jsonld_with_an_inline_context_is_accepted(writable: TestClient) -> None:
    import json

    doc = {
        "@context": {
            "rekg": "https://w3id.org/rekg/ontology#",
            "dcterms": "http://purl.org/dc/terms/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "date": {"@id": "dcterms:date", "@type": "xsd:date"},
        },
        "@id": "source/note-jsonld",
        "@graph": [
            {
                "@id": "source/note-jsonld",
                "@type": "rekg:Source",
                "rdfs:label": {"@value": "t", "@language": "en"},
                "dcterms:title": "JSON-LD note",
                "dcterms:publisher": {"@id": "id/lynas"},
                "date": "2026-01-05",
                "rekg:sourceKind": {"@id": "rekg:NewsArticle"},
            }
        ],
    }
    r = writable.post("/sources", content=json.dumps(doc), headers={"Content-Type": "application/ld+json", **AUTH})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "note-jsonld"


def test_claims_about_curated_entities_are_accepted(writable: TestClient) -> None:
    claim = "id:lynas rekg:supplies id:dysprosium-oxide ."
    r = writable.post(
        "/sources", content=trig("note-claim", claim), headers={"Content-Type": "application/trig", **AUTH}
    )
    assert r.status_code == 201, r.text
    q = "ASK { GRAPH src:note-claim { id:lynas rekg:supplies id:dysprosium-oxide } }"
    ask = writable.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert ask.json()["boolean"] is True


def test_a_curated_entity_cannot_get_names_codes_types_or_sameas(writable: TestClient) -> None:
    before = _count(writable)
    body = """id:china <http://www.w3.org/2004/02/skos/core#altLabel> "Dy" ; rekg:isoCode "DY" ; a rekg:Company .
  id:dysprosium rekg:symbol "Cn" ; rdfs:label "China"@en .
  id:impostor a rekg:Country ; rdfs:label "Impostor"@en ; <http://www.w3.org/2002/07/owl#sameAs> id:china ."""
    r = writable.post(
        "/sources", content=trig("note-rename", body), headers={"Content-Type": "application/trig", **AUTH}
    )
    assert r.status_code == 409, r.text
    err = r.json()
    assert err["error"] == "curated_entity" and "id/china" in err["detail"]
    offending = {(t["subject"].rsplit("/", 1)[-1], t["predicate"].rsplit("#", 1)[-1]) for t in err["triples"]}
    assert offending == {
        ("china>", "altLabel>"),
        ("china>", "isoCode>"),
        ("china>", "type>"),
        ("dysprosium>", "symbol>"),
        ("dysprosium>", "label>"),
        ("impostor>", "sameAs>"),
    }
    assert _count(writable) == before
