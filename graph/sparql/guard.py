"""The query guard: decides, before evaluation, whether a query may run.

The public endpoint must never reach outside the store: Oxigraph performs real HTTP
requests for ``SERVICE``, and ``FROM <file:...>`` or ``FROM <http://...>`` must not name
anything but the store's own graphs. The guard reads the query as tokens of rekg's SPARQL
lexer, :mod:`rekg.graph.lexer`, which reads it the way Oxigraph does, so a keyword hidden in a
string, an IRI or a comment is not a keyword.

:func:`inspect_query` returns the query form, the ``BASE``-resolved graphs of its ``FROM``
and ``FROM NAMED`` clauses, and raises for ``SERVICE`` and for SPARQL Update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rekg.graph.errors import ForbiddenQuery, InvalidQuery
from rekg.graph.lexer import READ_FORMS, QueryForm, Token, iri_value, split_pname, tokenize, where

__all__ = ["QueryShape", "inspect_query", "resolve_iri"]

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})


@dataclass(frozen=True)
class QueryShape:
    """What the endpoint needs to know about a query before running it.

    ``default_graphs`` / ``named_graphs`` are the IRIs of the query's ``FROM`` /
    ``FROM NAMED`` clauses, resolved against ``BASE`` and the prefixes; both are ``None``
    when the query has no dataset clause (the default graph is then the union of all
    graphs), and an empty tuple when only the other kind of clause is present.
    """

    form: QueryForm
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1 or (out and out[0] != ""):
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _split(iri: str) -> tuple[str | None, str | None, str, str | None, str | None]:
    m = re.fullmatch(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", iri, re.S)
    assert m is not None  # the pattern matches every string
    return m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)


def resolve_iri(reference: str, base: str | None) -> str:
    """Resolve an IRI reference against a base IRI (RFC 3986, section 5.2).

    Parameters
    ----------
    reference : str
        An absolute or relative IRI.
    base : str or None
        The base IRI; ``None`` when the query declares no ``BASE``.

    Returns
    -------
    str
        The absolute IRI.

    Raises
    ------
    InvalidQuery
        If ``reference`` is relative and there is no base.

    Examples
    --------
    >>> resolve_iri("g", "https://w3id.org/rekg/source/")
    'https://w3id.org/rekg/source/g'
    >>> resolve_iri("../x", "http://a/b/c")
    'http://a/x'
    >>> resolve_iri("urn:x", None)
    'urn:x'
    """
    if _SCHEME.match(reference):
        scheme, auth, path, query, frag = _split(reference)
        return _join(scheme, auth, _remove_dot_segments(path), query, frag)
    if base is None:
        raise InvalidQuery(f"the relative IRI <{reference}> needs a BASE declaration")
    bs, ba, bp, bq, _ = _split(base)
    _, ra, rp, rq, rf = _split(reference)
    if reference.startswith("//"):
        return _join(bs, ra, _remove_dot_segments(rp), rq, rf)
    if rp == "":
        return _join(bs, ba, bp, rq if rq is not None else bq, rf)
    if rp.startswith("/"):
        return _join(bs, ba, _remove_dot_segments(rp), rq, rf)
    merged = "/" + rp if ba is not None and bp == "" else bp[: bp.rfind("/") + 1] + rp
    return _join(bs, ba, _remove_dot_segments(merged), rq, rf)


def _join(scheme: str | None, auth: str | None, path: str, query: str | None, frag: str | None) -> str:
    out = f"{scheme}:" if scheme else ""
    if auth is not None:
        out += "//" + auth
    out += path
    if query is not None:
        out += "?" + query
    if frag is not None:
        out += "#" + frag
    return out


def _term_iri(text: str, token: Token, base: str | None, prefixes: dict[str, str]) -> str:
    if token.kind == "IRI":
        return resolve_iri(iri_value(token), base)
    prefix, local = split_pname(token)
    if prefix not in prefixes:
        raise InvalidQuery(f"unknown prefix {prefix}: at {where(text, token.pos)}", position=token.pos)
    return prefixes[prefix] + local


def inspect_query(text: str, prefixes: dict[str, str] | None = None) -> QueryShape:
    """Check that a query is a read-only query with no outbound reach, and describe it.

    Parameters
    ----------
    text : str
        The SPARQL query as received.
    prefixes : dict, optional
        Predeclared prefixes (name -> namespace), used for prefixed names in ``FROM``.

    Returns
    -------
    QueryShape
        The query form and the graphs named by its dataset clauses.

    Raises
    ------
    ForbiddenQuery
        For ``SERVICE`` anywhere in the query, and for SPARQL Update operations.
    InvalidQuery
        For lexical errors, an empty query, an unknown prefix or a malformed ``FROM``.

    Examples
    --------
    >>> inspect_query("SELECT * WHERE { ?s ?p ?o }")
    QueryShape(form='SELECT', default_graphs=None, named_graphs=None)
    >>> inspect_query("PREFIX src: <https://w3id.org/rekg/source/> ASK FROM src:lynas { ?s ?p ?o }")
    QueryShape(form='ASK', default_graphs=('https://w3id.org/rekg/source/lynas',), named_graphs=())
    >>> inspect_query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.ForbiddenQuery: SERVICE (line 1, column 12) is not allowed: this endpoint never sends requests...
    """
    if not isinstance(text, str):
        raise TypeError("the query must be a str")
    tokens = tokenize(text)
    if not tokens:
        raise InvalidQuery("the query is empty")
    declared = dict(prefixes or {})
    base: str | None = None
    i = 0
    # Prologue: BASE and PREFIX declarations, in order (a PREFIX IRI resolves against BASE).
    while i < len(tokens) and tokens[i].kind == "NAME" and tokens[i].text.upper() in ("BASE", "PREFIX"):
        kw = tokens[i].text.upper()
        if kw == "BASE":
            if i + 1 >= len(tokens) or tokens[i + 1].kind != "IRI":
                raise InvalidQuery(f"BASE must be followed by an IRI at {where(text, tokens[i].pos)}")
            base = resolve_iri(iri_value(tokens[i + 1]), base)
            i += 2
        else:
            if (
                i + 2 >= len(tokens)
                or tokens[i + 1].kind != "PNAME"
                or not tokens[i + 1].text.endswith(":")
                or tokens[i + 2].kind != "IRI"
            ):
                raise InvalidQuery(f"PREFIX must be followed by name: <iri> at {where(text, tokens[i].pos)}")
            declared[tokens[i + 1].text[:-1]] = resolve_iri(iri_value(tokens[i + 2]), base)
            i += 3
    if i >= len(tokens):
        raise InvalidQuery("the query has a prologue but no SELECT, CONSTRUCT, DESCRIBE or ASK")
    head = tokens[i]
    word = head.text.upper() if head.kind == "NAME" else ""
    if word in UPDATE_KEYWORDS:
        raise ForbiddenQuery(
            f"{word} is SPARQL Update: this endpoint is read-only and accepts only SELECT, CONSTRUCT, "
            "DESCRIBE and ASK queries"
        )
    if word not in READ_FORMS:
        raise InvalidQuery(
            f"expected SELECT, CONSTRUCT, DESCRIBE or ASK at {where(text, head.pos)}, found {head.text!r}",
            position=head.pos,
        )
    default: list[str] | None = None
    named: list[str] | None = None
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok.kind != "NAME":
            continue
        upper = tok.text.upper()
        if upper == "SERVICE":
            raise ForbiddenQuery(
                f"SERVICE ({where(text, tok.pos)}) is not allowed: this endpoint never sends requests to other "
                "servers; query rekg's own graphs instead"
            )
        if upper == "FROM":
            k = j + 1
            is_named = k < len(tokens) and tokens[k].kind == "NAME" and tokens[k].text.upper() == "NAMED"
            k += is_named
            if k >= len(tokens) or tokens[k].kind not in ("IRI", "PNAME"):
                raise InvalidQuery(f"FROM must be followed by a graph IRI at {where(text, tok.pos)}")
            iri = _term_iri(text, tokens[k], base, declared)
            if is_named:
                named = (named or []) + [iri]
            else:
                default = (default or []) + [iri]
    if default is None and named is not None:
        default = []
    if named is None and default is not None:
        named = []
    return QueryShape(
        form=word,  # type: ignore[arg-type]
        default_graphs=None if default is None else tuple(default),
        named_graphs=None if named is None else tuple(named),
    )
