"""/entities/{id}: content negotiation, dereferencing entity IRIs, the HTML page; and the web page's files."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

ID = "https://w3id.org/rekg/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_json_by_default(client: TestClient) -> None:
    r = client.get("/entities/lynas-malaysia")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert "accept" in r.headers.get("vary", "").lower()
    body = r.json()
    assert body["id"] == ID + "lynas-malaysia" and body["type"] == "facility"
    operator = next(g for g in body["facts"] if g["property"].endswith("#operator"))
    assert operator["statements"][0]["value"]["id"] == ID + "lynas"
    assert operator["statements"][0]["sources"]
    # Lynas's May "planned" for terbium oxide is superseded by Caixin's November "operating".
    outputs = next(g for g in body["facts"] if g["property"].endswith("#output"))
    assert any(st["superseded"] and "terbium oxide" in st["value"]["label"] for st in outputs["statements"])
    assert not any("terbium oxide" in c["label"] for c in body["conflicts"])
    assert body["formats"]["ttl"] == "/entities/lynas-malaysia?format=ttl"


def test_html_for_browsers(client: TestClient) -> None:
    r = client.get("/entities/mofcom-2025-18", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "MOFCOM Announcement 2025 No. 18" in html
    assert 'id="graph-view"' in html and "/static/graph.js" in html
    assert "Sources disagree" in html and "White House" in html  # the White House says it was lifted
    assert 'href="/entities/source/mofcom-2025-04-04"' in html  # sources link to their own pages
    data = html.split('<script type="application/json" id="entity-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["neighbours"]


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_rdf_by_accept(client: TestClient, accept: str, media: str, fmt: ox.RdfFormat) -> None:
    r = client.get("/entities/lynas", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    parsed = list(ox.parse(r.content, format=fmt))
    assert any(getattr(q, "subject", None) == ox.NamedNode(ID + "lynas") for q in parsed)


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    r = client.get("/entities/lynas", params={"format": "trig"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/trig")
    assert client.get("/entities/lynas", params={"format": "docx"}).status_code == 422


def test_unacceptable_is_406_json(client: TestClient) -> None:
    r = client.get("/entities/lynas", headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"] == "unsupported_format"


def test_unknown_entity_is_404_with_close_matches(client: TestClient) -> None:
    r = client.get("/entities/Lynnass")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert r.json()["suggestions"][0]["id"] == ID + "lynas"


def test_names_and_source_ids_work_as_ids(client: TestClient) -> None:
    assert client.get("/entities/MP Materials Corp.").json()["id"] == ID + "mp-materials"
    body = client.get("/entities/source/caixin-2025-11").json()
    assert body["type"] == "source" and body["id"].endswith("/source/caixin-2025-11")


def test_entity_iris_dereference_with_303(client: TestClient) -> None:
    r = client.get("/id/lynas", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/entities/lynas"
    followed = client.get("/id/lynas", headers={"Accept": "text/turtle"})
    assert followed.status_code == 200 and followed.headers["content-type"].startswith("text/turtle")
    r = client.get("/source/caixin-2025-11", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/entities/source/caixin-2025-11"


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        (BROWSER, "text/html"),
        ("application/json;q=0.5, text/turtle", "text/turtle"),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
        ("text/*", "text/html"),
        ("application/n-quads, */*;q=0.1", "application/n-quads"),
        ("text/turtle;q=0, application/json", "application/json"),
        # q=0 means "not acceptable" (RFC 9110): never JSON, even though */* follows.
        ("application/json;q=0, */*", "text/html"),
        ("application/json;q=0, text/html;q=0, */*", "text/turtle"),
    ],
)
def test_negotiation_through_the_one_accept_parser(client: TestClient, accept: str | None, media: str) -> None:
    r = client.get("/entities/lynas", headers={"Accept": accept} if accept is not None else {})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize("accept", ["image/png, text/turtle;q=0", "application/json;q=0", "*/*;q=0"])
def test_nothing_acceptable_is_406_listing_the_formats(client: TestClient, accept: str) -> None:
    r = client.get("/entities/lynas", headers={"Accept": accept})
    assert r.status_code == 406 and r.json()["error"] == "unsupported_format"
    assert r.json()["available"][:2] == ["application/json", "text/html"]


def test_web_page_and_its_files(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert 'id="search-input"' in page and 'id="sparql-editor"' in page and 'id="example-select"' in page
    # The example queries of graph/queries/*.rq are in the dropdown.
    assert "Conflicts between sources" in page
    # Nothing comes from another host: every script and stylesheet is served here.
    assert "http://" not in page.split("<body", 1)[0] and "https://" not in page.split("<body", 1)[0]
    for name, media in (("app.js", "javascript"), ("graph.js", "javascript"), ("style.css", "text/css")):
        f = client.get(f"/static/{name}")
        assert f.status_code == 200 and media in f.headers["content-type"]
        assert "cdn" not in f.text.lower() and "https://" not in f.text.replace("https://w3id.org/", "")
    for bad in ("../app.py", "..%2Fapp.py", ".hidden", "nope.js"):
        assert client.get(f"/static/{bad}").status_code == 404


def test_documented_example_is_a_valid_entity_description() -> None:
    from pydantic import TypeAdapter
    from rekg.api.routers.entities import EXAMPLE
    from rekg.graph.answers.entities import EntityDescription

    assert TypeAdapter(EntityDescription).validate_python(EXAMPLE).to_dict() == EXAMPLE


def test_entity_json_is_the_python_answer(client: TestClient, kg) -> None:
    from rekg.graph.answers.entities import describe_entity

    body = client.get("/entities/lynas", headers={"Accept": "application/json"}).json()
    expected = describe_entity(kg, "lynas").to_dict()
    assert {k: v for k, v in body.items() if k != "formats"} == {k: v for k, v in expected.items() if k != "formats"}
    assert body["formats"]["ttl"] == "/entities/lynas?format=ttl"


def test_the_search_box_works_without_javascript(client: TestClient) -> None:
    # The form sends /entities/?q=NAME; the name becomes the path, which resolves names.
    html = {"Accept": "text/html"}
    r = client.get("/entities/", params={"q": "Lynas Corp"}, headers=html, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/entities/Lynas%20Corp"
    page = client.get("/entities/", params={"q": "Lynas Corp"}, headers=html)
    assert page.status_code == 200 and "<h1>Lynas Rare Earths</h1>" in page.text


def test_a_person_asking_for_an_unknown_name_gets_a_page_with_the_names_it_might_be(client: TestClient) -> None:
    page = client.get("/entities/dysprosim x", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Nothing in the graph is called" in page.text and 'href="/entities/dysprosium"' in page.text
    # A program still gets the one JSON error shape.
    data = client.get("/entities/dysprosim x", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.json()["error"] == "not_found"


def test_the_not_found_page_escapes_what_was_typed(client: TestClient) -> None:
    page = client.get("/entities/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    away = client.get("/entities/", params={"q": "//evil.example"}, follow_redirects=False)
    assert away.headers["location"] == "/entities/%2F%2Fevil.example"  # never off this server


def test_source_chips_show_a_date_as_precisely_as_the_source_gives_it(client: TestClient) -> None:
    # MOFCOM's clause-2 order is dated "2025" only and the December 2024 announcement "2024-12".
    page = client.get("/entities/mofcom-2024-46-clause-2", headers={"Accept": "text/html"}).text
    assert "· 2025<" in page and "· 2024-12<" in page and "2025-01-01" not in page
