"""A small SPARQL lexer that decides, before evaluation, whether a query may run.

The public endpoint must never reach outside the store: Oxigraph performs real HTTP
requests for ``SERVICE``, and ``FROM <file:...>`` or ``FROM <http://...>`` must not name
anything but the store's own graphs. Regexes over the raw text cannot tell a keyword from
the same word inside a string, an IRI or a comment, and rdflib's parser is far too slow for
every request, so this module tokenises the query the way Oxigraph reads it:

* strings (all four quote styles, with escapes), IRIs, comments, prefixed names (with their
  ``\\#``-style escapes), variables, blank nodes, language tags and numbers are single
  tokens, so nothing inside them is mistaken for a keyword;
* ``<`` is an IRI or the less-than operator depending on where it stands: inside an
  expression, directly after an operand, it is an operator (``FILTER(?a<?b)#>`` is a
  comparison followed by a comment), everywhere else it starts an IRI. This follows
  Oxigraph's grammar; getting it wrong would let a comment or a string hide a ``SERVICE``;
* Oxigraph reads a keyword glued to a prefixed name (``SERVICE:x``, ``FROM:g``) as the
  keyword followed by ``:x``, so those are split the same way;
* ``\\u`` escapes are only allowed inside strings and IRIs, and never for a delimiter
  (a quote, ``<``, ``>``, braces, ``#``, a backslash or white space), so a back end that
  expands escapes before parsing (as the SPARQL spec says, and as remote servers may do)
  sees the same token boundaries as this lexer.

:func:`inspect_query` returns the query form, the ``BASE``-resolved graphs of its ``FROM``
and ``FROM NAMED`` clauses, and raises for ``SERVICE`` and for SPARQL Update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rekg.graph.errors import ForbiddenQuery, InvalidQuery

__all__ = ["MAX_DEPTH", "MAX_TOKENS", "QueryShape", "Token", "inspect_query", "resolve_iri", "tokenize"]

QueryForm = Literal["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"]
READ_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
# Keywords that Oxigraph reads as keywords even when glued to ``:local``.
_GLUED_KEYWORDS = frozenset({"SERVICE", "FROM", "NAMED"})

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE_CHARS + "_"
_CHARS = _CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_BASE_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?"
_PN_LOCAL = f"(?:[{_CHARS_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_PNAME = re.compile(f"({_PN_PREFIX})?:({_PN_LOCAL})?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VAR = re.compile(f"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
_BNODE = re.compile(f"_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?")
_NUMBER = re.compile(r"[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]+(?:[eE][+-]?[0-9]+)?")
_IRIREF = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_WS = re.compile(r"[ \t\r\n]+")
_COMMENT = re.compile(r"#[^\r\n]*")
_PUNCT2 = ("^^", "<=", ">=", "!=", "&&", "||", "<<", ">>", "{|", "|}")
_LOCAL_ESC = re.compile(r"\\(.)")
# A codepoint escape must not produce a character that changes where tokens end.
_DELIMITERS = frozenset("\"'<>{}#\\`|^") | {chr(c) for c in range(0x21)} | {"\x7f"}

_OPERAND_END = frozenset({"VAR", "STRING", "LANGTAG", "NUMBER", "IRI", "PNAME"})

#: Most tokens in one query, and deepest bracket nesting. Oxigraph recurses per level and per
#: chained operator; these bounds keep it far from exhausting the evaluation stack.
MAX_TOKENS = 100_000
MAX_DEPTH = 500


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, its exact source text and where it starts."""

    kind: str
    text: str
    pos: int


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


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _check_escapes(text: str, start: int, end: int) -> None:
    for m in _UCHAR.finditer(text, start, end):
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or chr(code) in _DELIMITERS:
            raise InvalidQuery(
                f"the escape {m.group(0)} at {_where(text, m.start())} stands for a delimiter or a control "
                'character; write it with its own escape (\\", \\n, \\t...) instead',
                position=m.start(),
            )


def _scan_string(text: str, pos: int) -> int:
    """End offset of the string literal starting at ``pos``."""
    q = text[pos]
    n = len(text)
    if text.startswith(q * 3, pos):
        i = pos + 3
        while True:
            j = min((k for k in (text.find(q, i), text.find("\\", i)) if k >= 0), default=-1)
            if j < 0:
                break
            if text[j] == "\\":
                i = j + 2
                continue
            if text.startswith(q * 3, j):
                return j + 3
            i = j + 1
    else:
        i = pos + 1
        while i < n:
            c = text[i]
            if c == q:
                return i + 1
            if c in "\r\n":
                break
            i += 2 if c == "\\" else 1
    raise InvalidQuery(f"unterminated string starting at {_where(text, pos)}", position=pos)


def tokenize(text: str) -> list[Token]:
    """Split a SPARQL query into tokens, skipping white space and comments.

    Parameters
    ----------
    text : str
        The query text.

    Returns
    -------
    list of Token
        Kinds: ``IRI``, ``PNAME``, ``VAR``, ``BNODE``, ``STRING``, ``LANGTAG``, ``NUMBER``,
        ``NAME`` (keywords and function names), ``PUNCT``.

    Raises
    ------
    InvalidQuery
        For an unterminated string, a backslash outside strings, IRIs and prefixed names,
        more than :data:`MAX_TOKENS` tokens or brackets nested deeper than :data:`MAX_DEPTH`.

    Examples
    --------
    >>> [t.text for t in tokenize('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE')]
    ['SELECT', '*', 'WHERE', '{', '?s', '?p', '"SERVICE"', '}']
    >>> [(t.kind, t.text) for t in tokenize("ASK { FILTER(?a<?b)#>\\n ?s <http://x#p> ?o }")][4:9]
    [('VAR', '?a'), ('PUNCT', '<'), ('VAR', '?b'), ('PUNCT', ')'), ('VAR', '?s')]
    """
    if not isinstance(text, str):
        raise TypeError("the query must be a str")
    tokens: list[Token] = []
    # Each frame is the bracket that opened it and its mode: "pattern" (triples, where
    # "<" always starts an IRI), "list" (collections, paths, VALUES rows), "select" and
    # "modifiers" (projection / GROUP BY, ORDER BY, HAVING: a "(" opens an expression) or
    # "expr" (inside an expression, where "<" after an operand is less-than).
    stack: list[list[str]] = [["", "pattern"]]
    n = len(text)
    pos = 0
    append = tokens.append
    while pos < n:
        if len(tokens) > MAX_TOKENS:
            raise InvalidQuery(f"the query has more than {MAX_TOKENS} tokens; split it into smaller queries")
        if len(stack) > MAX_DEPTH:
            raise InvalidQuery(f"brackets are nested more than {MAX_DEPTH} deep at {_where(text, pos)}", position=pos)
        c = text[pos]
        if c in " \t\r\n":
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            continue
        if c == "#":
            pos = _COMMENT.match(text, pos).end()  # type: ignore[union-attr]
            continue
        start = pos
        frame = stack[-1]
        prev = tokens[-1] if tokens else None
        if c == "<":
            operand_before = prev is not None and (
                prev.kind in _OPERAND_END or prev.text in (")", "]", ">>") or prev.text.lower() in ("true", "false")
            )
            if not (frame[1] == "expr" and operand_before):
                m = _IRIREF.match(text, pos)
                if m:
                    _check_escapes(text, pos, m.end())
                    append(Token("IRI", m.group(0), start))
                    pos = m.end()
                    continue
            if text.startswith("<<", pos) and not (frame[1] == "expr" and operand_before):
                stack.append(["<<", "list"])
                append(Token("PUNCT", "<<", start))
                pos += 2
                continue
            op = "<=" if text.startswith("<=", pos) else "<"
            append(Token("PUNCT", op, start))
            pos += len(op)
            continue
        if c in "\"'":
            end = _scan_string(text, pos)
            _check_escapes(text, pos, end)
            append(Token("STRING", text[pos:end], start))
            pos = end
            continue
        if c in "?$":
            m = _VAR.match(text, pos)
            if m:
                append(Token("VAR", m.group(0), start))
                pos = m.end()
                continue
        if c == "_" and text.startswith("_:", pos):
            m = _BNODE.match(text, pos)
            if m:
                append(Token("BNODE", m.group(0), start))
                pos = m.end()
                continue
        if c == "@":
            m = _LANGTAG.match(text, pos)
            if m:
                append(Token("LANGTAG", m.group(0), start))
                pos = m.end()
                continue
        if c.isdigit() or (c == "." and pos + 1 < n and text[pos + 1].isdigit()):
            m = _NUMBER.match(text, pos)
            if m:
                append(Token("NUMBER", m.group(0), start))
                pos = m.end()
                continue
        if c == ":" or c.isalpha() or c == "_" or ord(c) > 0x7F:
            m = _PNAME.match(text, pos)
            if m:
                prefix = m.group(1) or ""
                declaring = prev is not None and prev.kind == "NAME" and prev.text.upper() == "PREFIX"
                if prefix.upper() in _GLUED_KEYWORDS and not declaring:
                    append(Token("NAME", prefix, start))
                    append(Token("PNAME", m.group(0)[len(prefix) :], start + len(prefix)))
                else:
                    append(Token("PNAME", m.group(0), start))
                pos = m.end()
                continue
            m = _NAME.match(text, pos)
            if m:
                word = m.group(0)
                upper = word.upper()
                if upper == "SELECT" and frame[1] == "pattern":
                    frame[1] = "select"
                elif upper == "VALUES" and frame[1] in ("select", "modifiers"):
                    frame[1] = "pattern"
                append(Token("NAME", word, start))
                pos = m.end()
                continue
        if c == "\\":
            raise InvalidQuery(
                f"unexpected backslash at {_where(text, pos)}: escapes are only allowed inside strings, "
                "IRIs and prefixed names",
                position=pos,
            )
        two = text[pos : pos + 2]
        if two in _PUNCT2:
            if two == ">>" and frame[0] == "<<":
                stack.pop()
            append(Token("PUNCT", two, start))
            pos += 2
            continue
        if c == "{":
            stack.append(["{", "pattern"])
        elif c == "(":
            if frame[1] in ("expr", "select", "modifiers"):
                mode = "expr"
            elif prev is not None and prev.text == "<<":
                mode = "list"
            else:
                # FILTER(...), BIND(...) and FILTER regex(...) / FILTER <fn>(...) open
                # expressions; any other "(" among triples is a collection or a path group.
                after_filter = prev is not None and prev.kind == "NAME" and prev.text.upper() in ("FILTER", "BIND")
                call_in_filter = (
                    prev is not None
                    and prev.kind in ("NAME", "IRI", "PNAME")
                    and len(tokens) >= 2
                    and tokens[-2].kind == "NAME"
                    and tokens[-2].text.upper() == "FILTER"
                )
                mode = "expr" if after_filter or call_in_filter else "list"
            stack.append(["(", mode])
        elif c == "[":
            stack.append(["[", "list"])
        elif c in ")]}" and len(stack) > 1:
            stack.pop()
            if c == "}" and (len(stack) == 1 or stack[-1][1] == "select"):
                # The WHERE clause of a (sub)query ended: solution modifiers follow.
                stack[-1][1] = "modifiers"
        append(Token("PUNCT", c, start))
        pos += 1
    return tokens


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


def _iri_value(token: Token) -> str:
    body = token.text[1:-1]
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), body)


def _term_iri(text: str, token: Token, base: str | None, prefixes: dict[str, str]) -> str:
    if token.kind == "IRI":
        return resolve_iri(_iri_value(token), base)
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        raise InvalidQuery(f"unknown prefix {prefix}: at {_where(text, token.pos)}", position=token.pos)
    return prefixes[prefix] + _LOCAL_ESC.sub(r"\1", local)


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
                raise InvalidQuery(f"BASE must be followed by an IRI at {_where(text, tokens[i].pos)}")
            base = resolve_iri(_iri_value(tokens[i + 1]), base)
            i += 2
        else:
            if (
                i + 2 >= len(tokens)
                or tokens[i + 1].kind != "PNAME"
                or not tokens[i + 1].text.endswith(":")
                or tokens[i + 2].kind != "IRI"
            ):
                raise InvalidQuery(f"PREFIX must be followed by name: <iri> at {_where(text, tokens[i].pos)}")
            declared[tokens[i + 1].text[:-1]] = resolve_iri(_iri_value(tokens[i + 2]), base)
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
            f"expected SELECT, CONSTRUCT, DESCRIBE or ASK at {_where(text, head.pos)}, found {head.text!r}",
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
                f"SERVICE ({_where(text, tok.pos)}) is not allowed: this endpoint never sends requests to other "
                "servers; query rekg's own graphs instead"
            )
        if upper == "FROM":
            k = j + 1
            is_named = k < len(tokens) and tokens[k].kind == "NAME" and tokens[k].text.upper() == "NAMED"
            k += is_named
            if k >= len(tokens) or tokens[k].kind not in ("IRI", "PNAME"):
                raise InvalidQuery(f"FROM must be followed by a graph IRI at {_where(text, tok.pos)}")
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
