"""The query guard: decides, before evaluation, whether a query may run, and writes what runs.

The public endpoint must never reach outside the store: Oxigraph performs real HTTP requests
for ``SERVICE``, and ``FROM <file:...>`` or ``FROM <http://...>`` must not name anything but the
store's own graphs. The guard reads the query as tokens of rekg's SPARQL lexer,
:mod:`rekg.graph.lexer`, which follows the terminals of Oxigraph's grammar (so a keyword hidden
in a string, an IRI or a comment is not a keyword, and a keyword glued to the next word still
is one), and refuses ``SERVICE`` and SPARQL Update.

**What runs is what was checked.** A lexer that reads like a parser can still disagree with it
somewhere; so the guard does not hand the query text on. It writes the query again from its
tokens (:attr:`QueryShape.text`): one space between tokens, comments dropped, every keyword one
that Oxigraph knows (anything else is refused), every IRI and prefixed name written out as an
absolute ``<IRI>`` (resolved against ``BASE`` or the endpoint URL, and checked as Oxigraph checks
it), every string re-escaped as ``"..."``. That text has exactly one reading, for Oxigraph, for
rdflib and for a remote server alike, and it is the reading the guard checked. A
:class:`SourceMap` turns the positions in Oxigraph's syntax errors back into positions in the
query as the client sent it.

:func:`inspect_query` returns the query form, the graphs of its ``FROM`` and ``FROM NAMED``
clauses and the canonical text, in time linear in the query's length and within a time budget.
"""

from __future__ import annotations

import re
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

import pyoxigraph as ox
from rekg.graph.errors import ForbiddenQuery, InvalidQuery
from rekg.graph.lexer import (
    READ_FORMS,
    QueryForm,
    Token,
    iri_value,
    is_keyword,
    split_pname,
    string_value,
    tokenize,
    where,
)

__all__ = ["GUARD_BUDGET_S", "QueryShape", "SourceMap", "inspect_query", "resolve_iri"]

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
#: Seconds the guard may spend on one query before it gives up: a safety net, since it reads
#: 0.3 to 2 MB a second and stops at :data:`~rekg.graph.lexer.MAX_TOKENS` (bench/guard.py).
GUARD_BUDGET_S = 2.0

_PUNCTUATION_MARKS = "{ } ( ) [ ] . , ; * / + - ! = != < > <= >= && || ^ ^^ | ? ~ {| |} << >> <<( )>>"
_PUNCTUATION = frozenset(_PUNCTUATION_MARKS.split())
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


@dataclass(frozen=True)
class SourceMap:
    """Where each token of the canonical text came from in the query as sent.

    ``canonical[i]`` / ``canonical_end[i]`` delimit the i-th piece of the canonical text,
    ``original[i]`` / ``original_end[i]`` the token it was written from.
    """

    source: str
    canonical: array
    canonical_end: array
    original: array
    original_end: array

    def original_offset(self, offset: int) -> int:
        """The offset in the source of what is at ``offset`` in the canonical text.

        Examples
        --------
        >>> shape = inspect_query("ASK   {  ?s\\n ?p }")
        >>> shape.text
        'ASK { ?s ?p }'
        >>> shape.source_map.original_offset(shape.text.index("?p"))
        13
        """
        i = bisect_right(self.canonical, offset) - 1
        if i < 0:
            return 0
        if offset < self.canonical_end[i]:
            return min(self.original[i] + offset - self.canonical[i], max(self.original_end[i] - 1, self.original[i]))
        return self.original[i + 1] if i + 1 < len(self.original) else len(self.source)

    def relocate(self, message: str) -> str:
        """Rewrite Oxigraph's ``error at LINE:COLUMN`` in ``message`` into the source's line and column.

        Examples
        --------
        >>> shape = inspect_query("SELECT * WHERE {\\n  ?s ?p ?o ?x }")
        >>> shape.text
        'SELECT * WHERE { ?s ?p ?o ?x }'
        >>> shape.source_map.relocate("error at 1:27: expected one of BIND, [_]")  # at ?x
        'error at 2:12: expected one of BIND, [_]'
        """

        def repl(m: re.Match[str]) -> str:
            if m.group(1) != "1":
                return m.group(0)
            pos = self.original_offset(int(m.group(2)) - 1)
            line = self.source.count("\n", 0, pos) + 1
            return f"error at {line}:{pos - (self.source.rfind(chr(10), 0, pos) + 1) + 1}"

        return _ERROR_AT.sub(repl, message, count=1)


@dataclass(frozen=True)
class QueryShape:
    """What the endpoint needs to know about a query before running it.

    ``default_graphs`` / ``named_graphs`` are the IRIs of the query's ``FROM`` /
    ``FROM NAMED`` clauses, resolved against ``BASE`` and the prefixes; both are ``None``
    when the query has no dataset clause (the default graph is then the union of all
    graphs), and an empty tuple when only the other kind of clause is present. ``text`` is the
    canonical query, the one to run; ``source_map`` relates its positions to the query as sent.
    """

    form: QueryForm
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    text: str = field(default="", repr=False)
    source_map: SourceMap | None = field(default=None, repr=False, compare=False)


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
    """Resolve an IRI reference against a base IRI (RFC 3986, section 5.2), as Oxigraph does.

    An absolute IRI is kept as written (Oxigraph does not normalise it either); a relative one
    is merged with the base and its dot segments removed.

    Parameters
    ----------
    reference : str
        An absolute or relative IRI.
    base : str or None
        The base IRI; ``None`` when there is none (no ``BASE`` and no endpoint URL).

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
        return reference
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


def _checked(iri: str, text: str, token: Token) -> str:
    """``iri`` if Oxigraph accepts it as an IRI; an :class:`InvalidQuery` naming the token if not."""
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InvalidQuery(
            f"{token.text[:200]} at {where(text, token.pos)} is not a valid IRI ({exc})", position=token.pos
        ) from None
    return iri


def _absolute(token: Token, text: str, base: str | None) -> str:
    reference = iri_value(token)
    if not _SCHEME.match(reference) and base is None:
        raise InvalidQuery(
            f"the relative IRI {token.text[:200]} at {where(text, token.pos)} needs a BASE declaration",
            position=token.pos,
        )
    return _checked(resolve_iri(reference, base), text, token)


def _iri(iri: str) -> str:
    # A quote in an IRI is written as an escape, so that no reading of the text can start a string there.
    return "<" + iri.replace("'", "\\u0027") + ">"


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _glued(prev: Token, tok: Token) -> bool:
    """Whether ``tok`` is written right after ``prev`` in the canonical text (no space between).

    Only where the two touch in the source and a space could change the reading for some
    parser: ``BNODE()``, ``CONCAT(...)`` (Oxigraph allows no space there), a string and its
    language tag or datatype, a sign and its number.
    """
    if prev.pos + len(prev.text) != tok.pos:
        return False
    if tok.text == "(" and prev.kind == "NAME":
        return True
    if tok.kind == "LANGTAG" or tok.text == "^^" or prev.text == "^^":
        return True
    return tok.kind == "NUMBER" and prev.text in ("+", "-")


class _Writer:
    """Builds the canonical text and its :class:`SourceMap`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.size = 0
        self.canonical = array("q")
        self.canonical_end = array("q")
        self.original = array("q")
        self.original_end = array("q")
        self.prev: Token | None = None

    def emit(self, piece: str, tok: Token | None) -> None:
        if self.parts and not (tok is not None and self.prev is not None and _glued(self.prev, tok)):
            self.parts.append(" ")
            self.size += 1
        self.canonical.append(self.size)
        self.parts.append(piece)
        self.size += len(piece)
        self.canonical_end.append(self.size)
        start = tok.pos if tok is not None else 0
        self.original.append(start)
        self.original_end.append(start + len(tok.text) if tok is not None else 0)
        self.prev = tok

    def text(self) -> str:
        return "".join(self.parts)

    def source_map(self) -> SourceMap:
        return SourceMap(self.source, self.canonical, self.canonical_end, self.original, self.original_end)


def _refuse_service(text: str, tok: Token) -> ForbiddenQuery:
    # The same words whatever the target, so a refusal tells nothing about any host or port.
    return ForbiddenQuery(
        f"SERVICE ({where(text, tok.pos)}) is not allowed: this endpoint never sends requests to other "
        "servers; query rekg's own graphs instead"
    )


def inspect_query(
    text: str,
    prefixes: dict[str, str] | None = None,
    *,
    base: str | None = None,
    budget_s: float | None = GUARD_BUDGET_S,
) -> QueryShape:
    """Check that a query is a read-only query with no outbound reach, describe it and write it canonically.

    Parameters
    ----------
    text : str
        The SPARQL query as received.
    prefixes : dict, optional
        Predeclared prefixes (name -> namespace).
    base : str, optional
        The base IRI relative IRIs resolve against when the query declares no ``BASE`` (the
        endpoint's URL, as the SPARQL protocol allows); without one, a relative IRI is an error.
    budget_s : float, optional
        Seconds the check may take (:data:`GUARD_BUDGET_S`); ``None`` for no limit.

    Returns
    -------
    QueryShape
        The query form, the graphs named by its dataset clauses, and the canonical text.

    Raises
    ------
    ForbiddenQuery
        For ``SERVICE`` anywhere in the query (also glued to the next word, and a prefix
        starting with ``SERVICE``, which Oxigraph may read as the keyword), and for SPARQL Update.
    InvalidQuery
        For lexical errors, an empty query, a word that is not a keyword, an unknown prefix, an
        invalid IRI, a malformed ``FROM``, or a query too big to check within the budget.

    Examples
    --------
    >>> inspect_query("SELECT * WHERE { ?s ?p ?o }")
    QueryShape(form='SELECT', default_graphs=None, named_graphs=None)
    >>> inspect_query("PREFIX src: <https://w3id.org/rekg/source/> ASK FROM src:lynas { ?s ?p ?o }")
    QueryShape(form='ASK', default_graphs=('https://w3id.org/rekg/source/lynas',), named_graphs=())
    >>> inspect_query("CONSTRUCT { <s> <p> 'x' } WHERE {} # note", base="http://localhost/sparql").text
    'BASE <http://localhost/sparql> CONSTRUCT { <http://localhost/s> <http://localhost/p> "x" } WHERE { }'
    >>> inspect_query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.ForbiddenQuery: SERVICE (line 1, column 12) is not allowed: this endpoint never sends requests...
    """
    if not isinstance(text, str):
        raise TypeError("the query must be a str")
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    declared = dict(prefixes or {})
    tokens = tokenize(text, declared.keys(), deadline=deadline, strict=True)
    if not tokens:
        raise InvalidQuery("the query is empty")
    out = _Writer(text)
    versions: list[Token] = []
    i = 0
    # Prologue: BASE and PREFIX declarations, in order (a PREFIX IRI resolves against BASE).
    while i < len(tokens) and tokens[i].kind == "NAME" and tokens[i].text.upper() in ("BASE", "PREFIX", "VERSION"):
        tok, kw = tokens[i], tokens[i].text.upper()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if kw == "BASE":
            if nxt is None or nxt.kind != "IRI":
                raise InvalidQuery(f"BASE must be followed by an IRI at {where(text, tok.pos)}", position=tok.pos)
            base = _absolute(nxt, text, base)
            i += 2
        elif kw == "VERSION":
            if nxt is None or nxt.kind != "STRING":
                raise InvalidQuery(f"VERSION must be followed by a string at {where(text, tok.pos)}", position=tok.pos)
            versions += [tok, nxt]
            i += 2
        else:
            iri = tokens[i + 2] if i + 2 < len(tokens) else None
            if nxt is None or nxt.kind != "PNAME" or not nxt.text.endswith(":") or iri is None or iri.kind != "IRI":
                raise InvalidQuery(
                    f"PREFIX must be followed by name: <iri> at {where(text, tok.pos)}", position=tok.pos
                )
            declared[nxt.text[:-1]] = _absolute(iri, text, base)
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
            f"expected SELECT, CONSTRUCT, DESCRIBE or ASK at {where(text, head.pos)}, found {head.text[:50]!r}",
            position=head.pos,
        )
    if base is not None:
        # Written out so IRI("relative") resolves as in the query; every other IRI is already absolute.
        out.emit(f"BASE {_iri(base)}", None)
    for tok in versions:
        out.emit(_string(string_value(tok)) if tok.kind == "STRING" else tok.text, tok)
    default: list[str] | None = None
    named: list[str] | None = None
    n = len(tokens)
    j = i
    while j < n:
        tok = tokens[j]
        kind = tok.kind
        if kind == "NAME":
            upper = tok.text.upper()
            if not is_keyword(tok.text):
                raise InvalidQuery(
                    f"unexpected word {tok.text[:50]!r} at {where(text, tok.pos)}: not a SPARQL keyword or function "
                    "(prefixed names need a colon, variables a ?)",
                    position=tok.pos,
                )
            if upper == "SERVICE":
                raise _refuse_service(text, tok)
            if upper in ("BASE", "PREFIX", "VERSION"):
                raise InvalidQuery(
                    f"{upper} at {where(text, tok.pos)}: declarations go before the query form", position=tok.pos
                )
            out.emit(tok.text, tok)
            if upper == "FROM":
                k = j + 1
                is_named = k < n and tokens[k].kind == "NAME" and tokens[k].text.upper() == "NAMED"
                if is_named:
                    out.emit(tokens[k].text, tokens[k])
                    k += 1
                if k >= n or tokens[k].kind not in ("IRI", "PNAME"):
                    raise InvalidQuery(f"FROM must be followed by a graph IRI at {where(text, tok.pos)}")
                iri = _term(tokens[k], text, base, declared)
                out.emit(_iri(iri), tokens[k])
                if is_named:
                    named = (named or []) + [iri]
                else:
                    default = (default or []) + [iri]
                j = k
        elif kind == "IRI" or kind == "PNAME":
            out.emit(_iri(_term(tok, text, base, declared)), tok)
        elif kind == "STRING":
            out.emit(_string(string_value(tok)), tok)
        elif kind == "PUNCT" and tok.text not in _PUNCTUATION:
            raise InvalidQuery(f"unexpected {tok.text!r} at {where(text, tok.pos)}", position=tok.pos)
        else:
            out.emit(tok.text, tok)
        j += 1
    if default is None and named is not None:
        default = []
    if named is None and default is not None:
        named = []
    return QueryShape(
        form=word,  # type: ignore[arg-type]
        default_graphs=None if default is None else tuple(default),
        named_graphs=None if named is None else tuple(named),
        text=out.text(),
        source_map=out.source_map(),
    )


def _term(tok: Token, text: str, base: str | None, prefixes: dict[str, str]) -> str:
    """The absolute IRI an ``IRI`` or ``PNAME`` token stands for, checked as Oxigraph checks it."""
    if tok.kind == "IRI":
        return _absolute(tok, text, base)
    prefix, local = split_pname(tok)
    if prefix.upper().startswith("SERVICE"):
        # Oxigraph reads "SERVICEx:y" as SERVICE x:y wherever a triple cannot stand, even when a
        # prefix SERVICEx is declared; no such prefix is allowed, so no reading hides a SERVICE.
        raise ForbiddenQuery(
            f"the prefix {prefix}: at {where(text, tok.pos)} starts with SERVICE, which Oxigraph may read as the "
            "SERVICE keyword; rename the prefix"
        )
    if prefix not in prefixes:
        raise InvalidQuery(f"unknown prefix {prefix}: at {where(text, tok.pos)}", position=tok.pos)
    return _checked(prefixes[prefix] + local, text, tok)
