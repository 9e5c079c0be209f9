"""rekg's SPARQL lexer: Oxigraph's terminals, glued keywords, strings and IRIs as Oxigraph decodes them, linear time."""

from __future__ import annotations

import contextlib
import time

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rekg.graph.errors import InvalidQuery
from rekg.graph.lexer import (
    KEYWORDS,
    MAX_CHAIN,
    MAX_DEPTH,
    MAX_TOKENS,
    Token,
    iri_value,
    is_keyword,
    split_pname,
    string_value,
    tokenize,
)
from rekg.graph.sparql.guard import inspect_query


def texts(query: str, prefixes: tuple[str, ...] | None = ()) -> list[str]:
    return [t.text for t in tokenize(query, prefixes)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('SELECT * { ?s ?p "SERVICE" }', ["SELECT", "*", "{", "?s", "?p", '"SERVICE"', "}"]),
        ("ASK { ?s ?p '''a ' '' b''' }", ["ASK", "{", "?s", "?p", "'''a ' '' b'''", "}"]),
        ('ASK { ?s ?p """x "" y""" }', ["ASK", "{", "?s", "?p", '"""x "" y"""', "}"]),
        ('ASK { ?s ?p """a""""" }', ["ASK", "{", "?s", "?p", '"""a"""', '""', "}"]),
        ('ASK { ?s ?p "a\\"b" }', ["ASK", "{", "?s", "?p", '"a\\"b"', "}"]),
        ("ASK { ?s <http://x/a#b> ?o } # SERVICE <x>", ["ASK", "{", "?s", "<http://x/a#b>", "?o", "}"]),
        ("ASK{?s<http://x#p>?o}", ["ASK", "{", "?s", "<http://x#p>", "?o", "}"]),
        ("ASK { FILTER(?a<?b)#>\n}", ["ASK", "{", "FILTER", "(", "?a", "<", "?b", ")", "}"]),
        ("ASK { FILTER(1<=2) }", ["ASK", "{", "FILTER", "(", "1", "<=", "2", ")", "}"]),
        ("ASK { FILTER(?x = <http://a#b>) }", ["ASK", "{", "FILTER", "(", "?x", "=", "<http://a#b>", ")", "}"]),
        ("ASK { FILTER(1 IN (1, <x>)) }", ["ASK", "{", "FILTER", "(", "1", "IN", "(", "1", ",", "<x>", ")", ")", "}"]),
        ("ASK { FILTER(EXISTS{}<1) }", ["ASK", "{", "FILTER", "(", "EXISTS", "{", "}", "<", "1", ")", "}"]),
        ("ASK { ?s e:a\\#b ?o }", ["ASK", "{", "?s", "e:a\\#b", "?o", "}"]),
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
            ["ASK", "{", "BIND", "(", "<<(", "?s", "<http://p#x>", "?o", ")>>", "AS", "?t", ")", "}"],
        ),
        ("ASK { << ?s ?p ?o >> ?q ?r }", ["ASK", "{", "<<", "?s", "?p", "?o", ">>", "?q", "?r", "}"]),
        ("ASK { ?s ?p ?o ~ ?r {| ?a ?b |} }", ["ASK", "{", "?s", "?p", "?o", "~", "?r", "{|", "?a", "?b", "|}", "}"]),
        (
            "ASK { ?s (<http://a#p>|^<http://b#q>)+ ?o }",
            ["ASK", "{", "?s", "(", "<http://a#p>", "|", "^", "<http://b#q>", ")", "+", "?o", "}"],
        ),
        # An IRI runs to the next ">" whatever lies between, as in Oxigraph (which then checks it).
        ("ASK { ?s <a b> ?o }", ["ASK", "{", "?s", "<a b>", "?o", "}"]),
    ],
)
def test_tokens_follow_oxigraphs_reading(query: str, expected: list[str]) -> None:
    assert texts(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Oxigraph matches keywords by their letters alone: what follows may be glued on.
        ("SELECT*WHERE{?s?p?o}ORDERBY?s", ["SELECT", "*", "WHERE", "{", "?s", "?p", "?o", "}", "ORDER", "BY", "?s"]),
        ("ASK { SERVICESILENT<http://x/>{} }", ["ASK", "{", "SERVICE", "SILENT", "<http://x/>", "{", "}", "}"]),
        ("ASK {} LIMIT10", ["ASK", "{", "}", "LIMIT", "10"]),
        ("ASK { FILTER(1 NOTIN(2)) }", ["ASK", "{", "FILTER", "(", "1", "NOT", "IN", "(", "2", ")", ")", "}"]),
        ("ASK { ?s ?p trueSERVICE <x> {} }", ["ASK", "{", "?s", "?p", "true", "SERVICE", "<x>", "{", "}", "}"]),
        ("PREFIX : <x:> ASK { SERVICE:x {} }", ["PREFIX", ":", "<x:>", "ASK", "{", "SERVICE", ":x", "{", "}", "}"]),
        (
            "PREFIX : <x:> ASK{FILTER:f(?a<?b)}",
            ["PREFIX", ":", "<x:>", "ASK", "{", "FILTER", ":f", "(", "?a", "<", "?b", ")", "}"],
        ),
        # ":" is not declared: Oxigraph cannot read FILTER :f either, and "SERVICE:x" stays one name.
        ("ASK { SERVICE:x {} }", ["ASK", "{", "SERVICE:x", "{", "}", "}"]),
        ("PREFIXx:<http://x/> ASK {}", ["PREFIX", "x:", "<http://x/>", "ASK", "{", "}"]),
        # A word that is no keyword chain stays whole, for the guard to refuse.
        ("ASK { SERVICEX <x> {} }", ["ASK", "{", "SERVICEX", "<x>", "{", "}", "}"]),
    ],
)
def test_glued_keywords_are_split_as_oxigraph_splits_them(query: str, expected: list[str]) -> None:
    assert texts(query) == expected


def test_a_glued_prefix_is_split_only_when_the_whole_prefix_is_not_declared() -> None:
    q = "PREFIX x: <http://x/> SELECT * FROMx:g WHERE { SERVICEx:glued {} }"
    expected = ["PREFIX", "x:", "<http://x/>", "SELECT", "*", "FROM", "x:g", "WHERE", "{", "SERVICE", "x:glued"]
    assert texts(q) == [*expected, "{", "}", "}"]
    declared = "PREFIX x: <http://x/> PREFIX SERVICEx: <http://y/> ASK { SERVICEx:glued ?p ?o }"
    assert "SERVICEx:glued" in texts(declared)
    # Unknown prefixes (no ``prefixes`` given): only a prefix made of keywords alone is split.
    assert texts("ASK { SERVICEx:glued {} }", None)[2] == "SERVICEx:glued"
    assert texts("ASK { FILTER:f(1) }", None)[2:4] == ["FILTER", ":f"]


def test_local_names_end_where_oxigraph_ends_them() -> None:
    # Oxigraph's PN_LOCAL takes at most one run of dots: the rest is a new token.
    assert texts("ASK { ?s ?p e:a.b.c }") == ["ASK", "{", "?s", "?p", "e:a.b", ".", "c", "}"]
    assert texts("ASK { ?s ?p e:a.b.SERVICE<x>{} }")[4:7] == ["e:a.b", ".", "SERVICE"]
    assert texts("ASK { ?s ?p e:a. }") == ["ASK", "{", "?s", "?p", "e:a", ".", "}"]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"plain"', "plain"),
        ("'it\\'s'", "it's"),
        ('"tab\\there\\nline \\"q\\" \\\\"', 'tab\there\nline "q" \\'),
        ('"\\u0022 \\U0001F600"', '" \U0001f600'),
        ('"""a "b" ""c"" d"""', 'a "b" ""c"" d'),
        ("'''x\ny'''", "x\ny"),
        ('""', ""),
    ],
)
def test_strings_decode_as_oxigraph_decodes_them(literal: str, value: str) -> None:
    (token,) = tokenize(literal)
    assert string_value(token) == value
    (row,) = ox.Store().query(f"SELECT ({literal} AS ?v) {{}}")
    assert row["v"].value == value


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*"ab'\"\\\n é{}#<>", "\\n", "\\u00e9", '\\"', "\\'"]), max_size=12).map("".join))
def test_any_string_reads_like_oxigraph(body: str) -> None:
    """Whatever the body, the lexer and Oxigraph agree on where strings end and what they hold."""
    for quote in ('"', "'", '"""', "'''"):
        query = f"SELECT ({quote}{body}{quote} AS ?v) {{}}"
        try:
            (row,) = ox.Store().query(query)
        except SyntaxError:
            continue
        tokens = tokenize(query)
        if [t.kind for t in tokens[:6]] == ["NAME", "PUNCT", "STRING", "NAME", "VAR", "PUNCT"]:
            assert string_value(tokens[2]) == row["v"].value, query
        # However the lexer splits it, the text the guard writes from its tokens means the same to Oxigraph.
        (again,) = ox.Store().query(inspect_query(query).text)
        assert again["v"] == row["v"], query


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('SELECT * { ?s ?p "never closed }', "unterminated string"),
        ("SELECT * { ?s ?p 'a\nb' }", "unterminated string"),
        ('SELECT * { ?s ?p "\\q" }', "invalid escape"),
        ("SELECT * { ?s ?p ?o } \\u0053ERVICE", "backslash"),
        ("SELECT * { ?s <http://x ?o }", "no closing '>'"),
    ],
)
def test_lexical_errors(query: str, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        tokenize(query)


def test_escapes_of_no_character_are_refused() -> None:
    with pytest.raises(InvalidQuery, match="not a character"):
        string_value(tokenize('"\\uD800"')[0])
    with pytest.raises(InvalidQuery, match="only \\\\uXXXX"):
        iri_value(tokenize("<http://x/\\n>")[0])
    assert iri_value(Token("IRI", "<urn:caf\\u00e9>", 0)) == "urn:café"


def test_prefixed_names_and_keywords() -> None:
    assert split_pname(tokenize("src:caixin\\-2025")[0]) == ("src", "caixin-2025")
    assert is_keyword("select") and is_keyword("a") and not is_keyword("A") and not is_keyword("TRUE")
    assert {"SERVICE", "FROM", "NAMED", "LOAD", "FILTER", "ENCODE_FOR_URI", "SHA512"} <= KEYWORDS


def test_nesting_tokens_and_chains_are_bounded() -> None:
    assert tokenize("ASK { FILTER(" + "(" * 400 + "1" + ")" * 400 + ") }")
    with pytest.raises(InvalidQuery, match=f"nested more than {MAX_DEPTH} deep"):
        tokenize("ASK " + "{" * 600 + "}" * 600)
    # Oxigraph overflows its stack on ~8,000 chained "+", and plans a 600-step path for 20 s.
    assert tokenize("ASK { FILTER(" + "+".join(["1"] * MAX_CHAIN) + ") }")
    for chain in ("+".join(["1"] * 10_000), "*".join(["2"] * 300), "/".join(["<p:x>"] * 300)):
        with pytest.raises(InvalidQuery, match=f"more than {MAX_CHAIN} operators are chained"):
            tokenize("ASK { FILTER(" + chain + ") }" if "<p" not in chain else "ASK { ?s " + chain + " ?o }")
    # "&&", "||" and path alternatives are read in a loop; separate triples and arguments do not add up.
    assert tokenize("ASK { FILTER(" + "||".join(["?a = 1"] * 2000) + ") ?s (" + "|".join(["<p:x>"] * 2000) + ") ?o }")
    assert tokenize("ASK { " + " ".join(f"?s <p:a>/<p:b> ?o{i} ." for i in range(400)) + " }")
    with pytest.raises(InvalidQuery, match=f"more than {MAX_TOKENS} tokens"):
        tokenize("SELECT * { " + "?s " * (MAX_TOKENS + 10) + "}")


def test_a_deadline_stops_the_lexer() -> None:
    with pytest.raises(InvalidQuery, match="too long or too complex to check in time"):
        tokenize("ASK { " + "?s ?p ?o . " * 20_000 + "}", deadline=time.perf_counter())


@pytest.mark.parametrize(
    "shape",
    [
        lambda n: "ASK{" + "a-" * (n // 2) + "a}",  # issue 15: 62 kB of this took 18 s
        lambda n: "ASK{" + "a:" * (n // 2) + "}",
        lambda n: "ASK{" + "ab.cd" * (n // 5) + "}",
        lambda n: "ASK { ?s ?p '" + "\\'" * (n // 2) + "' }",
        lambda n: "ASK { " + "#" * n + "\n}",
        lambda n: "ASK { " + "?s ?p ?o . " * (n // 11) + "}",
    ],
)
def test_lexing_is_linear(shape: object) -> None:
    def timed(n: int) -> float:
        text = shape(n)  # type: ignore[operator]
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            with contextlib.suppress(InvalidQuery):
                tokenize(text)
            best = min(best, time.perf_counter() - started)
        return best

    small, big = timed(20_000), timed(200_000)
    # Ten times the text, well under a hundred times the time (quadratic would be ~100x; the bound leaves
    # room for a loaded machine); and fast: the previous lexer took 7.6 s on 40 kB of the first shape.
    assert big < max(small * 50, 0.05), (small, big)
    assert big < 2.0
