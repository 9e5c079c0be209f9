"""The SPARQL lexer guard: tokens, the query shape, and a differential test against Oxigraph.

The differential test is the one that matters: it generates thousands of queries full of
tricky spots (``<`` as operator or IRI, comments, long strings, keywords glued to prefixed
names, ``SERVICE`` hidden after a comment that only one reading sees) and runs each against a
real Oxigraph store next to a canary TCP listener on 127.0.0.1. Whenever Oxigraph connects to
the canary, the guard must have refused the query.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rekg.graph.errors import ForbiddenQuery, InvalidQuery
from rekg.graph.lexer import tokenize
from rekg.graph.sparql.guard import inspect_query, resolve_iri

from tests.serverutil import Canary, canary_listener

PREFIXES = {"src": "https://w3id.org/rekg/source/", "rekg": "https://w3id.org/rekg/ontology#"}


def texts(query: str) -> list[str]:
    return [t.text for t in tokenize(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('SELECT * { ?s ?p "SERVICE" }', ["SELECT", "*", "{", "?s", "?p", '"SERVICE"', "}"]),
        ("ASK { ?s ?p '''a ' '' b''' }", ["ASK", "{", "?s", "?p", "'''a ' '' b'''", "}"]),
        ('ASK { ?s ?p """x "" y""" }', ["ASK", "{", "?s", "?p", '"""x "" y"""', "}"]),
        ('ASK { ?s ?p "a\\"b" }', ["ASK", "{", "?s", "?p", '"a\\"b"', "}"]),
        ("ASK { ?s <http://x/a#b> ?o } # SERVICE <x>", ["ASK", "{", "?s", "<http://x/a#b>", "?o", "}"]),
        ("ASK{?s<http://x#p>?o}", ["ASK", "{", "?s", "<http://x#p>", "?o", "}"]),
        ("ASK { FILTER(?a<?b)#>\n}", ["ASK", "{", "FILTER", "(", "?a", "<", "?b", ")", "}"]),
        ("ASK { FILTER(1<=2) }", ["ASK", "{", "FILTER", "(", "1", "<=", "2", ")", "}"]),
        ("ASK { FILTER(?x = <http://a#b>) }", ["ASK", "{", "FILTER", "(", "?x", "=", "<http://a#b>", ")", "}"]),
        ("ASK { ?s e:a\\#b ?o }", ["ASK", "{", "?s", "e:a\\#b", "?o", "}"]),
        ("SELECT*FROM:g{}", ["SELECT", "*", "FROM", ":g", "{", "}"]),
        ("ASK { SERVICE:x {} }", ["ASK", "{", "SERVICE", ":x", "{", "}", "}"]),
        ("PREFIX from: <http://x/> ASK {}", ["PREFIX", "from:", "<http://x/>", "ASK", "{", "}"]),
        (
            'ASK { ?s ?p "x"@en-GB, "1"^^xsd:int }',
            ["ASK", "{", "?s", "?p", '"x"', "@en-GB", ",", '"1"', "^^", "xsd:int", "}"],
        ),
        (
            "ASK { ?s ?p ?o } ORDER BY ?s <http://f#x>(?o)",
            ["ASK", "{", "?s", "?p", "?o", "}", "ORDER", "BY", "?s", "<http://f#x>", "(", "?o", ")"],
        ),
        (
            "ASK { BIND(<<( ?s <http://p#x> ?o )>> AS ?t) }",
            ["ASK", "{", "BIND", "(", "<<", "(", "?s", "<http://p#x>", "?o", ")", ">>", "AS", "?t", ")", "}"],
        ),
        (
            "ASK { ?s (<http://a#p>|^<http://b#q>)+ ?o }",
            ["ASK", "{", "?s", "(", "<http://a#p>", "|", "^", "<http://b#q>", ")", "+", "?o", "}"],
        ),
    ],
)
def test_tokens_follow_oxigraphs_reading(query: str, expected: list[str]) -> None:
    assert texts(query) == expected


def test_operator_after_operand_is_not_an_iri_and_comment_hides_nothing_it_should_not() -> None:
    # Oxigraph reads `?c<?b)` as a comparison, then `#...` as a comment to the end of the line:
    # the SERVICE on the next line is real and must be seen.
    q = 'SELECT * WHERE { ?a ?b ?c FILTER(?c<?b)#>"""\nSERVICE <http://127.0.0.1:9/> { ?x ?y ?z } } #"""'
    with pytest.raises(ForbiddenQuery, match="SERVICE"):
        inspect_query(q)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://example.org/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE ?x { ?a ?b ?c } } }",
        "PREFIX : <http://127.0.0.1:1/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s <http://www.w3.org/2001/XMLSchema#string>("
        "EXISTS { SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } })",
    ],
)
def test_service_is_refused_wherever_it_hides(query: str) -> None:
    with pytest.raises(ForbiddenQuery, match="SERVICE"):
        inspect_query(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }',
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> {}",
        "SELECT ?service WHERE { ?service a <http://www.w3.org/ns/sparql-service-description#Service> }",
        "PREFIX svc: <http://x/> SELECT * WHERE { ?s svc:SERVICE ?o }",
    ],
)
def test_the_word_service_elsewhere_is_fine(query: str) -> None:
    assert inspect_query(query).form == "SELECT"


@pytest.mark.parametrize(
    ("query", "keyword"),
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT"),
        ("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("LOAD <file:///etc/passwd>", "LOAD"),
        ("clear all", "CLEAR"),
        ("DROP GRAPH <http://g>", "DROP"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ],
)
def test_updates_are_refused(query: str, keyword: str) -> None:
    with pytest.raises(ForbiddenQuery, match=f"{keyword} is SPARQL Update"):
        inspect_query(query)


@pytest.mark.parametrize(
    ("query", "default", "named"),
    [
        ("SELECT * { ?s ?p ?o }", None, None),
        ("SELECT * FROM src:lynas { ?s ?p ?o }", ("https://w3id.org/rekg/source/lynas",), ()),
        ("SELECT * FROM NAMED <https://w3id.org/rekg/source/a> { }", (), ("https://w3id.org/rekg/source/a",)),
        (
            "BASE <https://w3id.org/rekg/source/> SELECT * FROM <a> FROM NAMED <b> { }",
            ("https://w3id.org/rekg/source/a",),
            ("https://w3id.org/rekg/source/b",),
        ),
        ("BASE <http://h/x/y> PREFIX p: <../> ASK FROM p:g {}", ("http://h/g",), ()),
        ("ASK FROM <https://w3id.org/rekg/source/\\u0061> {}", ("https://w3id.org/rekg/source/a",), ()),
        ("PREFIX q: <http://q/> ASK FROM q:a\\.b {}", ("http://q/a.b",), ()),
        ("SELECT * FROM <file:///etc/passwd> { }", ("file:///etc/passwd",), ()),
    ],
)
def test_dataset_clauses_resolve_like_the_parser(
    query: str, default: tuple[str, ...] | None, named: tuple[str, ...] | None
) -> None:
    shape = inspect_query(query, PREFIXES)
    assert (shape.default_graphs, shape.named_graphs) == (default, named)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty"),
        ("PREFIX a: <http://a/>", "no SELECT"),
        ("SELECT * FROM <relative> {}", "needs a BASE"),
        ("SELECT * FROM nope:g {}", "unknown prefix"),
        ('SELECT * { ?s ?p "never closed }', "unterminated string"),
        ("SELECT * { ?s ?p ?o } \\u0053ERVICE", "backslash"),
        ('SELECT * { ?s ?p "\\u0022" }', "delimiter"),
        ("SELECT * { ?s <http://x/\\u003e> ?o }", "delimiter"),
        ("FOO BAR", "expected SELECT"),
    ],
)
def test_malformed_input_is_an_invalid_query(query: str, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        inspect_query(query, PREFIXES)


@pytest.mark.parametrize(
    ("ref", "base", "expected"),
    [
        ("g", "http://a/b/c", "http://a/b/g"),
        ("../g", "http://a/b/c", "http://a/g"),
        ("/g", "http://a/b/c", "http://a/g"),
        ("//h/g", "http://a/b/c", "http://h/g"),
        ("#f", "http://a/b/c", "http://a/b/c#f"),
        ("?q", "http://a/b/c?x", "http://a/b/c?q"),
        ("urn:isbn:1", None, "urn:isbn:1"),
        ("http://a/./b/../c", None, "http://a/c"),
    ],
)
def test_iri_resolution_follows_rfc3986(ref: str, base: str | None, expected: str) -> None:
    assert resolve_iri(ref, base) == expected


# -- differential test against Oxigraph, with a canary listener -------------------------------


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    with canary_listener() as c:
        yield c


class _Generator:
    """Mostly valid SPARQL with the awkward spots a lexer can get wrong."""

    JUNK = ('"""', "'''", '"', "'", ">", "<", "#", "{", "}", " SERVICE ", "x", ")", "(")

    def __init__(self, seed: int, canary: str) -> None:
        self.rnd = random.Random(seed)
        self.canary = canary

    def sep(self) -> str:
        r = self.rnd.random()
        if r < 0.35:
            return " "
        if r < 0.6:
            return ""
        if r < 0.75:
            return "\n"
        junk = "".join(self.rnd.choice(self.JUNK) for _ in range(self.rnd.randint(0, 4)))
        return "#" + junk + self.rnd.choice(["\n", "\r", ""])

    def service(self) -> str:
        s, c = self.sep, self.canary
        return self.rnd.choice(
            [
                f"SERVICE{s()}<{c}>{s()}{{{s()}?x ?y ?z{s()}}}",
                f"SERVICE:x{s()}{{?x ?y ?z}}",
                f"SERVICE SILENT{s()}<{c}>{{?x ?y ?z}}",
            ]
        )

    def term(self) -> str:
        return self.rnd.choice(["?a", "?b", "?c", "1", '"s"', "'t'", "<http://x#p>", "<http://x/it's>", "e:p", "true"])

    def expr(self, d: int = 0) -> str:
        s, r = self.sep, self.rnd.random()
        if d > 2 or r < 0.3:
            return self.term()
        if r < 0.5:
            op = self.rnd.choice(["<", ">", "=", "<=", "&&", "||", "+"])
            return self.expr(d + 1) + s() + op + s() + self.expr(d + 1)
        if r < 0.6:
            return "(" + s() + self.expr(d + 1) + s() + ")"
        if r < 0.7:
            return "<http://www.w3.org/2001/XMLSchema#string>(" + s() + self.expr(d + 1) + s() + ")"
        if r < 0.8:
            return "STR(" + self.expr(d + 1) + ")"
        if r < 0.9:
            return "EXISTS" + s() + "{" + s() + self.patterns(d + 1) + s() + "}"
        return "<<(" + s() + "?a" + s() + "<http://x#p>" + s() + "?c" + s() + ")>>"

    def pattern(self, d: int = 0) -> str:
        s, r = self.sep, self.rnd.random()
        if r < 0.3:
            verb = self.rnd.choice(["?b", "<http://x#p>", "e:p", "a"])
            return self.term() + s() + verb + s() + self.term() + s() + self.rnd.choice([".", ""])
        if r < 0.5:
            return "FILTER" + s() + "(" + s() + self.expr(d) + s() + ")"
        if r < 0.6:
            fn = self.rnd.choice(["STR", "<http://www.w3.org/2001/XMLSchema#boolean>", "e:f"])
            return "FILTER" + s() + fn + s() + "(" + s() + self.expr(d) + s() + ")"
        if r < 0.7:
            return (
                "BIND" + s() + "(" + s() + self.expr(d) + s() + "AS" + s() + f"?v{self.rnd.randint(0, 99)}" + s() + ")"
            )
        if r < 0.8:
            return self.service()
        if r < 0.85 and d < 2:
            return "OPTIONAL" + s() + "{" + s() + self.patterns(d + 1) + s() + "}"
        if r < 0.9 and d < 2:
            order = self.rnd.choice(["", self.expr(d + 1)])
            return "{" + s() + "SELECT * {" + self.patterns(d + 1) + "}" + s() + "ORDER BY ?a " + order + s() + "}"
        return "?a" + s() + "(" + s() + "<http://x#p>" + s() + "|" + s() + "e:q" + s() + ")*" + s() + "?c"

    def patterns(self, d: int = 0) -> str:
        return self.sep().join(self.pattern(d) for _ in range(self.rnd.randint(1, 3)))

    def query(self) -> str:
        s = self.sep
        head = self.rnd.choice(["SELECT * WHERE", "SELECT*", "ASK", "SELECT (?a<?b AS ?z) WHERE", "CONSTRUCT WHERE"])
        q = f"PREFIX : <{self.canary}> PREFIX e: <http://e/>{s()}{head}{s()}{{{s()}{self.patterns()}{s()}}}"
        if self.rnd.random() < 0.4:
            q += s() + "ORDER BY" + s() + self.rnd.choice(["?a", "(?a<?b)", "DESC(?a)"]) + s() + self.expr(1)
        return q


def test_no_query_oxigraph_would_send_to_the_canary_gets_past_the_guard(canary: Canary) -> None:
    url, hits = canary.url, canary.hits
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("1"), ox.NamedNode("http://g")))
    gen = _Generator(20251030, url)
    parsed = reached = refused_reaching = 0
    for _ in range(2500):
        q = gen.query()
        try:
            inspect_query(q)
            allowed = True
        except (ForbiddenQuery, InvalidQuery):
            allowed = False
        before = len(hits)
        try:
            res = store.query(q, use_default_graph_as_union=True)
            if not isinstance(res, ox.QueryBoolean):
                for _ in res:
                    pass
            parsed += 1
        except SyntaxError:
            pass
        except (OSError, RuntimeError):
            parsed += 1
        if len(hits) == before:
            continue
        deadline = time.monotonic() + 1
        while len(hits) == before and time.monotonic() < deadline:
            time.sleep(0.001)
        reached += 1
        assert not allowed, f"the guard let through a query that reached the canary: {q!r}"
        refused_reaching += 1
    # The generator must really exercise both sides, or the test proves nothing.
    assert parsed > 250 and reached > 30 and refused_reaching == reached


def test_queries_without_service_that_oxigraph_runs_are_not_refused(canary: Canary) -> None:
    url = canary.url
    store = ox.Store()
    gen = _Generator(7, url)
    checked = 0
    for _ in range(2500):
        q = gen.query()
        if "SERVICE" in q.upper():
            continue
        try:
            store.query(q, use_default_graph_as_union=True)
        except SyntaxError:
            continue
        except (OSError, RuntimeError):
            pass
        inspect_query(q)  # must not raise
        checked += 1
    assert checked > 100


def test_nesting_and_size_are_bounded() -> None:
    assert inspect_query("ASK { FILTER(" + "(" * 400 + "1" + ")" * 400 + ") }").form == "ASK"
    with pytest.raises(InvalidQuery, match="nested more than 500 deep"):
        inspect_query("ASK " + "{" * 600 + "}" * 600)
    with pytest.raises(InvalidQuery, match="more than 100000 tokens"):
        inspect_query("ASK { FILTER(" + "+".join(["1"] * 60_000) + ") }")


def test_lexing_a_long_query_is_fast() -> None:
    q = "SELECT * WHERE { " + " ".join(f'?s{i} <http://x/p#{i}> "v{i}" .' for i in range(5000)) + " }"
    started = time.perf_counter()
    shape = inspect_query(q)
    assert shape.form == "SELECT"
    assert time.perf_counter() - started < 2.0
