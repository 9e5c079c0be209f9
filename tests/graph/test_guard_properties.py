"""The SPARQL guard, differentially against two independent readers: rdflib's parser and Oxigraph itself.

Hypothesis generates queries full of the spots where readers disagree: keywords glued to the next
word (``SERVICESILENT<...>``, ``SERVICEx:y``, ``FROMx:g``, ``FILTER:f(``), ``<`` as an IRI or as
less-than, comments (``#``) that one reading sees and another does not, strings in all four quote
styles with escapes, relative IRIs, prefixed names with escapes and dots. Each query is read by

* rdflib (``parseQuery`` / ``parseUpdate``): does it see a ``SERVICE``, an update, or a ``FROM`` /
  ``FROM NAMED`` of a graph that is not in the store?
* Oxigraph, evaluated next to a canary TCP listener that every ``SERVICE`` points at: does it
  connect?

and by the guard (:func:`rekg.graph.sparql.executor.prepare_query`). Whatever either reader takes
for outbound reach, the guard must refuse. Of what it accepts, the text that really runs (the
guard's canonical rewrite) is read by both without any ``SERVICE``, and where Oxigraph reads both
texts, they give the same answer: the rewrite means what the client wrote.

The number of examples is bounded so the suite stays fast; ``find`` tests prove the generator
really reaches each kind of query the property is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, find, given, settings
from hypothesis import strategies as st
from pyparsing import ParseBaseException, ParseResults
from rdflib import URIRef
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rekg.graph import KnowledgeGraph
from rekg.graph.errors import ForbiddenQuery, InvalidQuery
from rekg.graph.sparql.executor import PreparedQuery, prepare_query
from rekg.graph.store import OxigraphStore

from tests.serverutil import Canary, canary_listener

#: Every IRI the generator writes, but the canary's, is on port 9 of the loopback address: Oxigraph never
#: calls that port (it refuses the discard port for HTTP), so a SERVICE aimed there sends nothing anywhere.
NOWHERE = "http://127.0.0.1:9/"
BASE = NOWHERE + "sparql"
GRAPH = NOWHERE + "g"
#: Stands for the canary's URL in generated queries (the listener's port is only known at run time).
CANARY = "http://canary.invalid/"
EXAMPLES = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
# rdflib's parser raises these on text it does not read (and ValueError & co. from its parse actions).
RDFLIB_ERRORS = (ParseBaseException, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)

# -- generated queries --------------------------------------------------------------------------------

KEYWORDS = [
    "SERVICE", "service", "SILENT", "SERVICESILENT", "FROM", "NAMED", "FROMNAMED", "FILTER", "BIND", "AS",
    "OPTIONAL", "GRAPH", "UNION", "MINUS", "EXISTS", "NOT", "IN", "STR", "REGEX", "SELECT", "WHERE", "LIMIT",
    "ORDER", "BY", "VALUES", "UNDEF", "LOAD", "INSERT", "DATA", "a", "true", "false", "trueSERVICE", "LIMIT1",
]  # fmt: skip
IRIS = [
    f"<{CANARY}>", f"<{GRAPH}>", f"<{NOWHERE}other>", "<g>", "<x#y>", f"<{NOWHERE}it's>", "<?b)#>",
    f"<{NOWHERE}a b>", "<file:///etc/passwd>", f"<{NOWHERE}\\u0041>", "<urn:x>",
]  # fmt: skip
PNAMES = [":x", "x:glued", "e:p", "e:q", "SERVICEx:g", "FROMx:g", "FILTER:boolean", "e:a.b.c", "e:a\\#b", ":"]
TERMS = ["?a", "?b", "$c", "?SERVICE", "1", "-1", "1.5", "1e3", "[]", "()"]
PUNCT = ["{", "}", "(", ")", "[", "]", ".", ",", ";", "<", ">", "<=", "=", "&&", "||", "*", "+", "/", "|", "^^", "!"]
JUNK = ['"""', "'''", '"', "'", "#", ">", "<", "{", "}", "SERVICE", "\\"]
SERVICES = [
    f"SERVICE <{CANARY}> {{ ?x ?y ?z }}",
    f"SERVICE<{CANARY}>{{}}",
    f"service silent <{CANARY}>{{}}",
    f"SERVICE SILENT <{CANARY}> {{ }}",
    f"SERVICESILENT<{CANARY}>{{?x ?y ?z}}",
    "SERVICEx:glued { ?x ?y ?z }",
    "SERVICE:x{}",
    "SERVICE ?a { }",
]
STRING_PARTS = ["x", " ", "SERVICE", "<", ">", "#", "{", "}", "'", '"', '\\"', "\\'", "\\n", "\\u0022", "\\\\", "é"]

comments = st.builds(
    lambda junk, end: "#" + "".join(junk) + end,
    st.lists(st.sampled_from(JUNK), max_size=3),
    st.sampled_from(["\n", "\r"]),
)
# Mostly nothing or white space, a comment one time in six.
separators = st.sampled_from(["", "", " ", " ", "\n", "\t", "#"]).flatmap(
    lambda s: comments if s == "#" else st.just(s)
)


@st.composite
def strings(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    parts = draw(st.lists(st.sampled_from(STRING_PARTS), max_size=5))
    # A raw quote of the string's own kind is escaped (else it ends the string: junk pieces do that).
    body = "".join("\\" + p if p == quote[0] else p for p in parts)
    return quote + body + quote


pieces = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(IRIS),
    st.sampled_from(PNAMES),
    st.sampled_from(TERMS),
    st.sampled_from(PUNCT),
    st.sampled_from(SERVICES),
    strings(),
    st.sampled_from(JUNK),
)


@st.composite
def phrases(draw: st.DrawFn, max_size: int = 8) -> str:
    """A few pieces joined by separators (often none: glued)."""
    out = ""
    for piece in draw(st.lists(pieces, max_size=max_size)):
        out += draw(separators) + piece
    return out


def rarely(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``strategy`` one time in four, else nothing."""
    return st.sampled_from([False, False, False, True]).flatmap(lambda yes: strategy if yes else st.just(""))


@st.composite
def patterns(draw: st.DrawFn) -> str:
    """A group graph pattern body: triples, FILTERs, SERVICEs, nested groups, or pieces at random."""
    kind = draw(st.sampled_from(["triple"] * 3 + ["filter"] * 2 + ["service", "group", "phrase", "bind"]))
    s = draw(separators)
    if kind == "triple":
        term = st.sampled_from(["?a", "?b", "?c", *IRIS[:4], "e:p", ":x", "1", "true", "[]", "(1 ?a)"]) | strings()
        verb = st.sampled_from(["?p", "e:p", "a", f"<{NOWHERE}p>", "e:p/e:q", "e:p*", "^e:p"])
        return f"{draw(term)}{s}{draw(verb)}{draw(separators) or ' '}{draw(term)}{draw(st.sampled_from(['', ' .']))}"
    if kind == "filter":
        op = draw(st.sampled_from(["<", "<=", "=", "&&", "||", "+", " IN "]))
        fn = draw(st.sampled_from(["", "STR", ":boolean", "e:f", "<http://www.w3.org/2001/XMLSchema#boolean>"]))
        rhs = draw(st.sampled_from(["?b", "1", "<x>", "(1, <x>)", "?b)#>", '"<"', "<<( ?a e:p ?b )>>"]))
        return f"FILTER{s}{fn}(?a{draw(separators)}{op}{rhs}){draw(rarely(phrases(max_size=3)))}"
    if kind == "service":
        return draw(st.sampled_from(SERVICES))
    if kind == "group":
        keyword = draw(
            st.sampled_from(["", "", "OPTIONAL", "MINUS", "GRAPH ?g", f"GRAPH <{GRAPH}>", "FILTER NOT EXISTS"])
        )
        return keyword + "{" + s + draw(patterns()) + draw(separators) + "}"
    if kind == "bind":
        return f"BIND({draw(st.sampled_from(['1', '?a+1', 'STR(?a)', '<x>', '(?a<?b)', 'CONCAT(?a)']))} AS ?v)"
    return draw(phrases())


PROLOGUES = [
    "",
    f"PREFIX : <{CANARY}> PREFIX x: <{CANARY}> PREFIX e: <{NOWHERE}e/> ",
    f"PREFIX:<{CANARY}>PREFIXx:<{CANARY}>PREFIX e:<{NOWHERE}e/>",
    f"BASE <{NOWHERE}> PREFIX e: <{NOWHERE}e/> ",
    f"PREFIX x: <{CANARY}> PREFIX SERVICEx: <{NOWHERE}e/> PREFIX e: <{NOWHERE}e/> ",
]
FORMS = ["SELECT *", "SELECT*", "ASK", "CONSTRUCT", "SELECT ?a", "SELECT DISTINCT ?a", "DESCRIBE ?a"]
DATASETS = ["", "", f"FROM <{GRAPH}>", f"FROM <{NOWHERE}other>", f"FROM NAMED <{GRAPH}>", "FROMx:g"]
DATASETS += ["FROM x:g", "FROM <g>", f"FROMNAMED<{NOWHERE}other>", "FROM e:p", "FROM <file:///etc/passwd>"]
UPDATES = [
    f"LOAD <{CANARY}>",
    f"LOADSILENT<{CANARY}>",
    "INSERT DATA { <a:b> <a:c> <a:d> }",
    "CLEAR ALL",
    "DROP GRAPH <a:g>",
]
# Ways to make one reader see code where another sees a string, a comment or an IRI (issue 15's finding 1).
HIDERS = [
    'FILTER:boolean(?a<?b)#>"""',
    "FILTER(?a<?b)#>'''",
    '?a ?b ?c FILTER(?c<?b)#>"""',
    "FILTER e:f(?a<?b)#>'",
    "?s ?p e:a.b.",
    "?s ?p true",
    "?s ?p 1.",
    "BIND(?a<?b AS ?v)#>'''",
    f'?s <{NOWHERE}p#x> """a',
    "",
]
# ":" is XSD's namespace here so that FILTER:boolean(...) calls a function Oxigraph has (an unknown one would stop
# the query before the SERVICE); no SERVICE below is aimed at ":".
ATTACK_PROLOGUES = [
    f"PREFIX:<http://www.w3.org/2001/XMLSchema#>PREFIX x:<{CANARY}>PREFIX e:<{NOWHERE}e/>",
    *PROLOGUES[1:3],
]
ATTACK_SERVICES = [
    f"SERVICE<{CANARY}>{{}}",
    f"SERVICESILENT<{CANARY}>{{}}",
    f"SERVICE <{CANARY}> {{ ?x ?y ?z }}",
    "SERVICEx:glued{}",
    "SERVICE x:glued { }",
]
CLOSERS = ['#"""', "#'''", "#'", "#>", "", ' """', "#}"]
TAILS = ["", "", "LIMIT 1", "ORDER BY ?a", "ORDERBY(?a<?b)", "LIMIT1", "ORDER BY DESC(?a) LIMIT 1 OFFSET 1"]


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A query-shaped text (sometimes an update, sometimes not SPARQL at all) over the awkward spots above."""
    shape = draw(st.sampled_from(["query"] * 12 + ["attack"] * 6 + ["phrase", "update"]))
    if shape == "phrase":
        return draw(phrases(max_size=12))
    if shape == "update":
        return draw(st.sampled_from(PROLOGUES)) + draw(st.sampled_from(UPDATES))
    if shape == "attack":
        # A SERVICE right after something that may hide it: Oxigraph calls it first, if it reads it.
        return (
            draw(st.sampled_from(ATTACK_PROLOGUES))
            + "ASK{"
            + draw(st.sampled_from(HIDERS))
            + draw(st.sampled_from(["\n", "\r", "", " "]))
            + draw(st.sampled_from(ATTACK_SERVICES))
            + draw(st.sampled_from(CLOSERS))
            + draw(st.sampled_from(["\n}", "}", " }"]))
        )
    s = separators
    body = draw(s).join(draw(st.lists(patterns(), max_size=4)))
    form = draw(st.sampled_from(FORMS))
    where = draw(st.sampled_from(["WHERE", "", "WHERE"] if form != "CONSTRUCT" else ["WHERE"]))
    return (
        draw(st.sampled_from(PROLOGUES))
        + form
        + draw(s)
        + draw(st.sampled_from(DATASETS))
        + draw(s)
        + where
        + draw(s)
        + "{"
        + draw(s)
        + body
        + draw(s)
        + "}"
        + draw(s)
        + draw(st.sampled_from(TAILS))
        + draw(rarely(phrases(max_size=3)))
    )


# -- the three readers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What rdflib reads a text as (only for texts it parses)."""

    service: bool
    update: bool
    foreign: tuple[str, ...]  # FROM / FROM NAMED graphs that are not in the store


def _walk(node: object, found: set[str]) -> set[str]:
    if isinstance(node, CompValue):
        found.add(node.name)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple | ParseResults):
        for value in node:
            _walk(value, found)
    return found


def _iri(value: object, prefixes: dict[str, str], base: str) -> str | None:
    if isinstance(value, URIRef):
        return urljoin(base, str(value))
    if isinstance(value, CompValue) and value.name == "pname":
        prefix = _field(value, "prefix") or ""
        if prefix in prefixes:
            return prefixes[prefix] + str(_field(value, "localname") or "")
    return None


def _field(node: CompValue, name: str) -> object:
    # CompValue.get answers a missing key with the key's own name: look before reading.
    return node[name] if name in node else None  # noqa: SIM401


def rdflib_reading(text: str, predeclared: dict[str, str]) -> Reading | None:
    """rdflib's reading of ``text`` as a query or as an update, or ``None`` when it reads neither."""
    try:
        request = parseUpdate(text)
        if _field(request, "request"):
            return Reading(service=False, update=True, foreign=())
    except RDFLIB_ERRORS:
        pass
    try:
        parsed = parseQuery(text)
    except RDFLIB_ERRORS:
        return None
    names = _walk(parsed, set())
    prefixes, base = dict(predeclared), BASE
    for decl in parsed[0]:
        if decl.name == "Base":
            base = urljoin(base, str(decl["iri"]))
        elif decl.name == "PrefixDecl":
            prefixes[str(_field(decl, "prefix") or "")] = urljoin(base, str(decl["iri"]))
    foreign = []
    clauses = _field(parsed[1], "datasetClause") or []
    for clause in [clauses] if isinstance(clauses, CompValue) else clauses:
        iri = _iri(_field(clause, "default") or _field(clause, "named"), prefixes, base)
        if iri is None:  # an unknown prefix: rdflib would not run it
            return None
        if iri != GRAPH:
            foreign.append(iri)
    return Reading(service="ServiceGraphPattern" in names, update=False, foreign=tuple(foreign))


def _term(term: object) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def oxigraph_outcome(store: ox.Store, text: str, prefixes: dict[str, str]) -> tuple:
    """What Oxigraph makes of ``text``: ``("syntax",)``, ``("error",)`` or the answer, blank nodes masked."""
    try:
        result = store.query(text, base_iri=BASE, prefixes=prefixes, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return ("ask", bool(result))
        if isinstance(result, ox.QuerySolutions):
            return ("select", sorted(tuple(_term(v) for v in row) for row in result))
        return ("graph", sorted(tuple(_term(t) for t in (q.subject, q.predicate, q.object)) for q in result))
    except SyntaxError:
        return ("syntax",)
    except (OSError, RuntimeError):
        return ("error",)


@dataclass
class Verdicts:
    """The three readings of one generated query."""

    text: str
    rdflib: Reading | None
    reached: bool  # Oxigraph connected to the canary
    oxigraph: tuple
    prepared: PreparedQuery | None  # None: the guard refused


@dataclass
class Setup:
    canary: Canary
    store: ox.Store
    kg: KnowledgeGraph

    def read(self, generated: str) -> Verdicts:
        text = generated.replace(CANARY, self.canary.url)
        before = len(self.canary.hits)
        outcome = oxigraph_outcome(self.store, text, self.kg.prefixes)
        reached = len(self.canary.hits) > before
        try:
            prepared: PreparedQuery | None = prepare_query(self.kg, text, base=BASE)
        except (ForbiddenQuery, InvalidQuery):
            prepared = None
        return Verdicts(text, rdflib_reading(text, self.kg.prefixes), reached, outcome, prepared)


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    quad = ox.Quad(ox.NamedNode(NOWHERE + "s"), ox.NamedNode(NOWHERE + "p"), ox.Literal("1"), ox.NamedNode(GRAPH))
    store = ox.Store()
    store.add(quad)
    guarded = OxigraphStore()
    guarded.replace_graph(GRAPH, [quad])
    with canary_listener() as canary:
        yield Setup(canary, store, KnowledgeGraph(guarded))


# -- the properties ------------------------------------------------------------------------------------


# What the hostile test of issue 15 got past the previous guard, and relatives: always tried first.
HOSTILE = [
    f"SELECT * WHERE {{ SERVICESILENT<{CANARY}x>{{ ?s ?p ?o }} }}",
    f"PREFIX x: <{CANARY}> SELECT * WHERE {{ SERVICEx:glued {{ ?s ?p ?o }} }}",
    "PREFIX : <http://www.w3.org/2001/XMLSchema#> "
    f'ASK {{ ?a ?b ?c FILTER:boolean(?a<?b)#>"""\nSERVICE <{CANARY}> {{}} }} #"""',
    f"PREFIX x: <{NOWHERE}other/> SELECT * FROMx:g WHERE {{ ?s ?p ?o }}",
    f"PREFIX x: <{NOWHERE}other/> SELECT * FROM NAMEDx:g WHERE {{ ?s ?p ?o }}",
    f"ASK{{?s ?p trueSERVICE<{CANARY}>{{}}}}",
    f"PREFIX e: <{NOWHERE}e/> ASK{{?s ?p e:a.b.SERVICE<{CANARY}>{{}}}}",
    f"LOAD <{CANARY}>",
]


@EXAMPLES
@given(queries())
@example(HOSTILE[0])
@example(HOSTILE[1])
@example(HOSTILE[2])
@example(HOSTILE[3])
@example(HOSTILE[4])
@example(HOSTILE[5])
@example(HOSTILE[6])
@example(HOSTILE[7])
def test_nothing_either_reader_takes_for_outbound_reach_gets_past_the_guard(setup: Setup, generated: str) -> None:
    v = setup.read(generated)
    if v.prepared is None:
        return
    assert not v.reached, f"Oxigraph reached the canary with a query the guard let through: {v.text!r}"
    if v.rdflib is not None:
        assert not v.rdflib.service, f"rdflib reads SERVICE in a query the guard let through: {v.text!r}"
        assert not v.rdflib.update, f"rdflib reads an update the guard let through: {v.text!r}"
        assert not v.rdflib.foreign, f"rdflib reads FROM {v.rdflib.foreign} in a query the guard let through"
    # What runs is the canonical text: neither reader finds outbound reach in it either.
    canonical = rdflib_reading(v.prepared.text, {})
    assert canonical is None or not (canonical.service or canonical.update or canonical.foreign), v.prepared.text
    before = len(setup.canary.hits)
    rewritten = oxigraph_outcome(setup.store, v.prepared.text, {})
    assert len(setup.canary.hits) == before, v.prepared.text
    # ... and it means what the client wrote.
    if v.oxigraph[0] not in ("syntax", "error") and rewritten[0] not in ("syntax", "error"):
        assert rewritten == v.oxigraph, f"{v.text!r} was rewritten as {v.prepared.text!r}"


@EXAMPLES
@given(queries())
def test_the_canonical_text_is_a_fixed_point(setup: Setup, generated: str) -> None:
    v = setup.read(generated)
    if v.prepared is not None:
        again = prepare_query(setup.kg, v.prepared.text)
        assert again.text == v.prepared.text
        assert (again.default_graph, again.named_graphs) == (v.prepared.default_graph, v.prepared.named_graphs)


# -- the generator reaches every kind of query the properties are about ------------------------------

FIND = settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(
    ("what", "condition"),
    [
        ("Oxigraph connects to the canary", lambda v: v.reached),
        ("Oxigraph connects, rdflib cannot parse it (glued)", lambda v: v.reached and v.rdflib is None),
        ("rdflib reads SERVICE", lambda v: v.rdflib is not None and v.rdflib.service),
        ("rdflib reads a foreign FROM", lambda v: v.rdflib is not None and bool(v.rdflib.foreign)),
        ("rdflib reads an update", lambda v: v.rdflib is not None and v.rdflib.update),
        ("the guard accepts, both read it", lambda v: v.prepared is not None and v.rdflib is not None),
        ("the guard accepts a query with a comment", lambda v: v.prepared is not None and "#" in v.text),
        ("the guard accepts a string with an escape", lambda v: v.prepared is not None and "\\u0022" in v.text),
    ],
)
def test_the_generator_reaches(setup: Setup, what: str, condition: object) -> None:
    found = find(queries(), lambda q: condition(setup.read(q)), settings=FIND)  # type: ignore[operator]
    assert found, what
