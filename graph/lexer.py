"""rekg's SPARQL lexer: a query as tokens, read the way Oxigraph reads it.

The query guard (:mod:`rekg.graph.sparql.guard`) decides from these tokens whether a query
may run, and the remote store (:mod:`rekg.graph.store.remote`) finds the query form and the
WHERE clause it binds variables in; both see the same token boundaries. Regexes over the raw
text cannot tell a keyword from the same word inside a string, an IRI or a comment, and
rdflib's parser is far too slow for every request, so:

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

A shared rule at the bottom of ``rekg.graph``: it imports nothing but the errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from rekg.graph.errors import InvalidQuery

__all__ = [
    "MAX_DEPTH",
    "MAX_TOKENS",
    "READ_FORMS",
    "QueryForm",
    "Token",
    "iri_value",
    "split_pname",
    "tokenize",
    "where",
]

QueryForm = Literal["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"]
#: The query forms, the first keyword of a query after its prologue.
READ_FORMS: frozenset[str] = frozenset(get_args(QueryForm))
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


def where(text: str, pos: int) -> str:
    """Where offset ``pos`` of ``text`` is, for error messages.

    Examples
    --------
    >>> where("ASK {\\n  ?s }", 8)
    'line 2, column 3'
    """
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _check_escapes(text: str, start: int, end: int) -> None:
    for m in _UCHAR.finditer(text, start, end):
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or chr(code) in _DELIMITERS:
            raise InvalidQuery(
                f"the escape {m.group(0)} at {where(text, m.start())} stands for a delimiter or a control "
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
    raise InvalidQuery(f"unterminated string starting at {where(text, pos)}", position=pos)


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
            raise InvalidQuery(f"brackets are nested more than {MAX_DEPTH} deep at {where(text, pos)}", position=pos)
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
                f"unexpected backslash at {where(text, pos)}: escapes are only allowed inside strings, "
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


def iri_value(token: Token) -> str:
    """The IRI an ``IRI`` token spells, its ``\\u`` escapes expanded (still relative if it was).

    Examples
    --------
    >>> iri_value(tokenize(r"<urn:caf\\u00e9>")[0])
    'urn:café'
    """
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


def split_pname(token: Token) -> tuple[str, str]:
    """The prefix and the local part of a ``PNAME`` token, the local part's ``\\``-escapes removed.

    Examples
    --------
    >>> split_pname(tokenize(r"src:caixin\\-2025")[0])
    ('src', 'caixin-2025')
    """
    prefix, _, local = token.text.partition(":")
    return prefix, _LOCAL_ESC.sub(r"\1", local)
