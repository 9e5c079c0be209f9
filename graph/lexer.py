"""rekg's SPARQL lexer: a query as tokens, read the way Oxigraph reads it, in linear time.

The query guard (:mod:`rekg.graph.sparql.guard`) decides from these tokens whether a query
may run and rewrites it into the canonical text that does run; the remote store
(:mod:`rekg.graph.store.remote`) finds the query form and the WHERE clause in them. Regexes over
the raw text cannot tell a keyword from the same word inside a string, an IRI or a comment, and
rdflib's parser is far too slow for every request, so the lexer follows the terminals of
Oxigraph's grammar (``spargebra``, a scannerless PEG parser), one longest match at a time:

* strings (all four quote styles; only the escapes ``\\t \\b \\n \\r \\f \\" \\' \\\\``,
  ``\\uXXXX`` and ``\\UXXXXXXXX``, as Oxigraph accepts them), IRIs, comments, prefixed names
  (with their ``\\#``-style escapes), variables, blank nodes, language tags and numbers are
  single tokens, so nothing inside them is mistaken for a keyword;
* ``<`` is an IRI or the less-than operator depending on where it stands. Inside an expression,
  directly after an operand, Oxigraph only accepts an operator, so ``<`` (or ``<=``) is one
  (``FILTER(?a<?b)#>`` is a comparison followed by a comment). Everywhere else it starts
  ``<<(``, ``<<`` or an IRI, and an IRI runs to the next ``>`` whatever lies between, as in
  Oxigraph (which then refuses it if it is not a valid IRI);
* Oxigraph matches a keyword by its letters alone, so a keyword glued to what follows is still
  that keyword: ``SERVICESILENT`` is ``SERVICE SILENT``, ``LIMIT10`` is ``LIMIT 10``,
  ``FILTER:f(`` is ``FILTER :f(`` and ``SERVICEx:y`` is ``SERVICE x:y`` when no prefix
  ``SERVICEx`` is declared. Such words are split the same way (:data:`KEYWORDS`); a word that
  is neither a keyword nor a chain of them is left whole, for the guard to refuse;
* the local part of a prefixed name ends the way Oxigraph ends it: after at most one run of
  dots (``ex:a.b.c`` is ``ex:a.b`` ``.`` ``c``).

Every token is found by one regex match or a scan that consumes what it reads, so the time is
linear in the length of the query; :data:`MAX_TOKENS`, :data:`MAX_DEPTH`, :data:`MAX_CHAIN` and an
optional deadline bound the rest. A shared rule at the bottom of ``rekg.graph``: it imports
nothing but the errors.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal, get_args

from rekg.graph.errors import InvalidQuery

__all__ = [
    "CASED_WORDS",
    "KEYWORDS",
    "MAX_CHAIN",
    "MAX_DEPTH",
    "MAX_TOKENS",
    "READ_FORMS",
    "QueryForm",
    "Token",
    "iri_value",
    "is_keyword",
    "split_pname",
    "string_value",
    "tokenize",
    "where",
]

QueryForm = Literal["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"]
#: The query forms, the first keyword of a query after its prologue.
READ_FORMS: frozenset[str] = frozenset(get_args(QueryForm))

#: Every keyword of Oxigraph's SPARQL grammar (queries and updates, SPARQL 1.2 included), upper
#: case. Oxigraph compares them case-insensitively.
_KEYWORD_NAMES = """
ABS ADD ADJUST ALL AS ASC ASK AVG BASE BIND BNODE BOUND BY CEIL CLEAR COALESCE CONCAT CONSTRUCT CONTAINS
COPY COUNT CREATE DATA DATATYPE DAY DEFAULT DELETE DESC DESCRIBE DISTINCT DROP ENCODE_FOR_URI EXISTS
FILTER FLOOR FROM GRAPH GROUP GROUP_CONCAT HASLANG HASLANGDIR HAVING HOURS IF IN INSERT INTO IRI ISBLANK
ISIRI ISLITERAL ISNUMERIC ISTRIPLE ISURI LANG LANGDIR LANGMATCHES LATERAL LCASE LIMIT LOAD MAX MD5 MIN
MINUS MINUTES MONTH MOVE NAMED NOT NOW OBJECT OFFSET OPTIONAL ORDER PREDICATE PREFIX RAND REDUCED REGEX
REPLACE ROUND SAMETERM SAMPLE SECONDS SELECT SEPARATOR SERVICE SHA1 SHA256 SHA384 SHA512 SILENT STR
STRAFTER STRBEFORE STRDT STRENDS STRLANG STRLANGDIR STRLEN STRSTARTS STRUUID SUBJECT SUBSTR SUM TIMEZONE
TO TRIPLE TZ UCASE UNDEF UNION URI USING UUID VALUES VERSION WHERE WITH YEAR
"""
KEYWORDS: frozenset[str] = frozenset(_KEYWORD_NAMES.split())
#: Words Oxigraph matches case-sensitively: the ``rdf:type`` verb and the two booleans.
CASED_WORDS: frozenset[str] = frozenset({"a", "true", "false"})
_KEYWORD_LENGTHS = sorted({len(k) for k in KEYWORDS | CASED_WORDS}, reverse=True)
# Longer words are never split into keywords (real queries do not glue a handful of keywords).
_MAX_SPLIT = 32

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE_CHARS + "_"
_CHARS = _CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_BASE_START = re.compile(f"[{_BASE_CHARS}]")
# PN_PREFIX is PN_CHARS_BASE (PN_CHARS | ".")* not ending in "."; the run is matched once and
# the colon checked after it, so a word that is not a prefixed name is never scanned twice.
_PREFIX_RUN = re.compile(f"[{_CHARS}.]*")
# Oxigraph's PN_LOCAL: one first character, a run without dots, then at most one dotted part.
_PN_LOCAL = re.compile(f"(?:[{_CHARS_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*+(?:\\.++(?:[{_CHARS}:]|{_PLX})++)?+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VAR = re.compile(f"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
_BNODE = re.compile(f"_:[{_CHARS_U}0-9][{_CHARS}]*+(?:\\.++[{_CHARS}]++)*+")
_LANGTAG = re.compile(r"@[A-Za-z]++(?:-[A-Za-z0-9]++)*+(?:--[A-Za-z]++)?+")
_NUMBER = re.compile(r"[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]+(?:[eE][+-]?[0-9]+)?")
_ESC = r"\\[tbnrf\"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
# The four string terminals as Oxigraph's PEG rules read them; possessive, like PEG repetition.
_STRINGS = {
    "'": re.compile(f"'(?:[^'\\\\\\n\\r]++|{_ESC})*+'"),
    '"': re.compile(f'"(?:[^"\\\\\\n\\r]++|{_ESC})*+"'),
    "'''": re.compile(f"'''(?:[^'\\\\]++|(?:''|')?+(?:[^'\\\\]|{_ESC}))*+'''"),
    '"""': re.compile(f'"""(?:[^"\\\\]++|(?:""|")?+(?:[^"\\\\]|{_ESC}))*+"""'),
}
_STRING_BODY = {
    "'": re.compile(f"(?:[^'\\\\\\n\\r]++|{_ESC})*+"),
    '"': re.compile(f'(?:[^"\\\\\\n\\r]++|{_ESC})*+'),
    "'''": re.compile(f"(?:[^'\\\\]++|'(?!'')|''(?!')|{_ESC})*+"),
    '"""': re.compile(f'(?:[^"\\\\]++|"(?!"")|""(?!")|{_ESC})*+'),
}
_UNESCAPE = re.compile(r"\\(?:([tbnrf\"'\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_IRI_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.|$))", re.S)
_WS = re.compile(r"[ \t\r\n]+")
_COMMENT = re.compile(r"#[^\r\n]*")
_PUNCT2 = frozenset({"^^", ">=", "!=", "&&", "||", ">>", "{|", "|}"})
_LOCAL_ESC = re.compile(r"\\(.)")

_OPERAND_END = frozenset({"VAR", "STRING", "LANGTAG", "NUMBER", "IRI", "PNAME"})
_OPERAND_PUNCT = frozenset({")", "]", ">>", ")>>"})
# Operators Oxigraph chains by recursion: arithmetic, and "/" of property paths (a 256-step path takes
# 0.7 s to plan, 600 steps 20 s). "&&", "||" and "|" are read in a loop and stay cheap.
_CHAIN_OPS = frozenset({"+", "-", "*", "/"})

#: Most tokens in one query, deepest bracket nesting, and longest chain of arithmetic operators or
#: path steps (``1+1+…``, ``p/q/…``) in one bracket. Oxigraph recurses per level and per chained
#: operator: 8,000 chained ``+`` or 1,000 path steps overflow an 8 MB stack, 4,000 ``+`` take 0.5 s
#: to parse and a path of 600 steps 20 s to plan. These bounds keep every query far from that.
MAX_TOKENS = 100_000
MAX_DEPTH = 500
MAX_CHAIN = 256
# How often (in tokens) the deadline is looked at.
_CHECK_EVERY = 2048


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


def is_keyword(word: str) -> bool:
    """Whether Oxigraph reads ``word`` as one keyword (``a``, ``true`` and ``false`` only in lower case).

    Examples
    --------
    >>> is_keyword("Select"), is_keyword("a"), is_keyword("A"), is_keyword("SERVICESILENT")
    (True, True, False, False)
    """
    # ASCII only: Oxigraph compares ASCII case-insensitively, and "ſ".upper() is "S" in Python.
    return word in CASED_WORDS or (word.isascii() and word.upper() in KEYWORDS)


def _split_keywords(word: str, tail_ok: Callable[[str, str], bool]) -> tuple[list[str], str] | None:
    """``word`` as one or more keywords and an acceptable tail, the longest keyword first, or ``None``.

    ``tail_ok(tail, last)`` says whether what is left after the keywords (``last`` being the
    last of them, upper case) can stand there: empty, digits after ``LIMIT``, a declared prefix...
    """
    if len(word) > _MAX_SPLIT:
        return None
    memo: dict[tuple[int, bool], tuple[list[str], str] | None] = {}

    def at(i: int, last: str) -> tuple[list[str], str] | None:
        key = (i, last == "PREFIX")
        if key in memo:
            return memo[key]
        found: tuple[list[str], str] | None = None
        if i and tail_ok(word[i:], last):
            found = ([], word[i:])
        else:
            for size in _KEYWORD_LENGTHS:
                piece = word[i : i + size]
                if len(piece) == size and is_keyword(piece):
                    rest = at(i + size, piece.upper())
                    if rest is not None:
                        found = ([piece, *rest[0]], rest[1])
                        break
        memo[key] = found
        return found

    return at(0, "")


def _string_error(text: str, pos: int, quote: str) -> InvalidQuery:
    body = _STRING_BODY[quote].match(text, pos + len(quote))
    end = body.end() if body else pos + len(quote)
    if end < len(text) and text[end] == "\\":
        return InvalidQuery(
            f"invalid escape {text[end : end + 2]!r} in the string at {where(text, pos)}: strings allow "
            "\\t \\b \\n \\r \\f \\\" \\' \\\\ \\uXXXX and \\UXXXXXXXX",
            position=end,
        )
    return InvalidQuery(f"unterminated string starting at {where(text, pos)}", position=pos)


class _Lexer:
    """The state of one :func:`tokenize` call."""

    def __init__(self, text: str, prefixes: Collection[str] | None, deadline: float | None, strict: bool) -> None:
        self.text = text
        self.declared: set[str] | None = None if prefixes is None else set(prefixes)
        self.deadline = deadline
        self.strict = strict
        self.tokens: list[Token] = []
        # Each frame is [the bracket that opened it, its mode, binary operators chained in it]. Modes:
        # "pattern" (triples, where "<" always starts an IRI), "list" (collections, paths, VALUES
        # rows, triple terms), "select" and "modifiers" (projection / GROUP BY, ORDER BY, HAVING: a
        # "(" opens an expression) or "expr" (inside an expression: "<" after an operand is less-than).
        self.stack: list[list] = [["", "pattern", 0]]

    def name(self, word: str, pos: int) -> None:
        frame = self.stack[-1]
        upper = word.upper()
        if upper == "SELECT" and frame[1] == "pattern":
            frame[1] = "select"
        elif upper == "VALUES" and frame[1] in ("select", "modifiers"):
            frame[1] = "pattern"
        if frame[1] == "pattern" and word not in CASED_WORDS:
            frame[2] = 0  # a new graph pattern starts
        self.tokens.append(Token("NAME", word, pos))

    def word(self, pos: int, no_colon_until: int) -> tuple[int, int]:
        """Read a prefixed name or a word at ``pos``; the new position and the new ``no_colon_until``."""
        text = self.text
        end = -1
        if text[pos] == ":":
            end = pos
        elif pos >= no_colon_until and _BASE_START.match(text, pos):
            run = _PREFIX_RUN.match(text, pos).end()  # type: ignore[union-attr]
            if run < len(text) and text[run] == ":" and text[run - 1] != ".":
                end = run
            else:
                no_colon_until = run
        if end >= 0:
            local = _PN_LOCAL.match(text, end + 1)
            stop = local.end() if local else end + 1
            self.pname(pos, end, stop)
            return stop, no_colon_until
        m = _NAME.match(text, pos)
        if m is None:
            self.tokens.append(Token("PUNCT", text[pos], pos))
            return pos + 1, no_colon_until
        word = m.group(0)
        if not is_keyword(word):
            split = _split_keywords(word, lambda tail, last: not tail or (tail.isascii() and tail.isdigit()))
            if split is not None:
                at = pos
                for piece in split[0]:
                    self.name(piece, at)
                    at += len(piece)
                if split[1]:
                    self.tokens.append(Token("NUMBER", split[1], at))
                return m.end(), no_colon_until
            if self.strict:
                raise InvalidQuery(
                    f"unexpected word {word[:50]!r} at {where(text, pos)}: not a SPARQL keyword or function "
                    "(prefixed names need a colon, variables a ?)",
                    position=pos,
                )
        self.name(word, pos)
        return m.end(), no_colon_until

    def pname(self, pos: int, colon: int, stop: int) -> None:
        """A prefixed name ``text[pos:stop]`` (prefix up to ``colon``), split off glued keywords."""
        text, tokens, declared = self.text, self.tokens, self.declared
        prefix = text[pos:colon]
        prev = tokens[-1] if tokens else None
        declaring = prev is not None and prev.kind == "NAME" and prev.text.upper() == "PREFIX"
        if prefix and not declaring and (declared is None or prefix not in declared):

            def tail_ok(tail: str, last: str) -> bool:
                if not tail:  # the keywords and ":local", which only reads as such if ":" is declared
                    return last == "PREFIX" or declared is None or "" in declared
                if not _BASE_START.match(tail) or tail.endswith("."):
                    return False
                return last == "PREFIX" or (declared is not None and tail in declared)

            split = _split_keywords(prefix, tail_ok)
            if split is not None:
                at = pos
                for piece in split[0]:
                    self.name(piece, at)
                    at += len(piece)
                prev = tokens[-1]
                declaring = prev.text.upper() == "PREFIX"
                pos = at
        if declaring and declared is not None and stop == colon + 1:
            declared.add(text[pos:colon])
        tokens.append(Token("PNAME", text[pos:stop], pos))

    def run(self) -> list[Token]:
        text, tokens, stack = self.text, self.tokens, self.stack
        append = tokens.append
        n = len(text)
        pos = 0
        no_colon_until = 0
        check_at = _CHECK_EVERY
        while pos < n:
            c = text[pos]
            if c in " \t\r\n":
                pos += 1
                if pos < n and text[pos] in " \t\r\n":
                    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                continue
            if c == "#":
                pos = _COMMENT.match(text, pos).end()  # type: ignore[union-attr]
                continue
            if len(tokens) >= check_at:
                check_at += _CHECK_EVERY
                if len(tokens) > MAX_TOKENS:
                    raise InvalidQuery(f"the query has more than {MAX_TOKENS} tokens; split it into smaller queries")
                if self.deadline is not None and time.perf_counter() > self.deadline:
                    raise InvalidQuery("the query is too long or too complex to check in time; split it")
            if len(stack) > MAX_DEPTH:
                raise InvalidQuery(
                    f"brackets are nested more than {MAX_DEPTH} deep at {where(text, pos)}", position=pos
                )
            start = pos
            frame = stack[-1]
            if c == "<":
                prev = tokens[-1] if tokens else None
                operand_before = prev is not None and (
                    prev.kind in _OPERAND_END
                    or prev.text in _OPERAND_PUNCT
                    or (prev.kind == "NAME" and prev.text in ("true", "false"))
                    or prev.text == "}"  # EXISTS { ... } is an operand
                )
                if frame[1] == "expr" and operand_before:
                    op = "<=" if text.startswith("<=", pos) else "<"
                    append(Token("PUNCT", op, start))
                    pos += len(op)
                elif text.startswith("<<(", pos):
                    stack.append(["<<(", "list", 0])
                    append(Token("PUNCT", "<<(", start))
                    pos += 3
                elif text.startswith("<<", pos):
                    stack.append(["<<", "list", 0])
                    append(Token("PUNCT", "<<", start))
                    pos += 2
                else:
                    end = text.find(">", pos + 1)
                    if end < 0:
                        raise InvalidQuery(f"the IRI starting at {where(text, pos)} has no closing '>'", position=pos)
                    append(Token("IRI", text[pos : end + 1], start))
                    pos = end + 1
                continue
            if c in "\"'":
                quote = text[pos : pos + 3] if text.startswith(c * 3, pos) else c
                m = _STRINGS[quote].match(text, pos)
                if m is None:
                    raise _string_error(text, pos, quote)
                append(Token("STRING", m.group(0), start))
                pos = m.end()
                continue
            if c in "?$":
                m = _VAR.match(text, pos)
                if m:
                    append(Token("VAR", m.group(0), start))
                    pos = m.end()
                    continue
            elif c == "_" and text.startswith("_:", pos):
                m = _BNODE.match(text, pos)
                if m:
                    append(Token("BNODE", m.group(0), start))
                    pos = m.end()
                    continue
            elif c == "@":
                m = _LANGTAG.match(text, pos)
                if m:
                    append(Token("LANGTAG", m.group(0), start))
                    pos = m.end()
                    continue
            elif c.isdigit() or (c == "." and pos + 1 < n and text[pos + 1].isdigit()):
                m = _NUMBER.match(text, pos)
                if m:
                    append(Token("NUMBER", m.group(0), start))
                    pos = m.end()
                    continue
            if c == ":" or c.isalpha() or c == "_" or ord(c) > 0x7F:
                pos, no_colon_until = self.word(pos, no_colon_until)
                continue
            if c == "\\":
                raise InvalidQuery(
                    f"unexpected backslash at {where(text, pos)}: escapes are only allowed inside strings, "
                    "IRIs and prefixed names",
                    position=pos,
                )
            two = text[pos : pos + 2]
            if two in _PUNCT2:
                if (two == ">>" and frame[0] == "<<") or (two == "|}" and frame[0] == "{|"):
                    stack.pop()
                elif two == "{|":
                    stack.append(["{|", "pattern", 0])
                append(Token("PUNCT", two, start))
                pos += 2
                continue
            if c == ")" and frame[0] == "<<(" and text.startswith(")>>", pos):
                stack.pop()
                append(Token("PUNCT", ")>>", start))
                pos += 3
                continue
            if c == "{":
                stack.append(["{", "pattern", 0])
            elif c == "(":
                stack.append(["(", self.paren_mode(frame), 0])
            elif c == "[":
                stack.append(["[", "list", 0])
            elif c in ")]}" and len(stack) > 1:
                stack.pop()
                if c == "}" and (len(stack) == 1 or stack[-1][1] == "select"):
                    # The WHERE clause of a (sub)query ended: solution modifiers follow.
                    stack[-1][1] = "modifiers"
            elif c in ".,;":
                frame[2] = 0
            elif c in _CHAIN_OPS:
                self.chain(frame, pos)
            append(Token("PUNCT", c, start))
            pos += 1
        if len(tokens) > MAX_TOKENS:
            raise InvalidQuery(f"the query has more than {MAX_TOKENS} tokens; split it into smaller queries")
        return tokens

    def chain(self, frame: list, pos: int) -> None:
        frame[2] += 1
        if frame[2] > MAX_CHAIN:
            raise InvalidQuery(
                f"more than {MAX_CHAIN} operators are chained at {where(self.text, pos)}; use brackets, "
                "VALUES or IN (...), or split the expression or the path",
                position=pos,
            )

    def paren_mode(self, frame: list) -> str:
        """The mode of a ``(`` opened in ``frame``."""
        tokens = self.tokens
        prev = tokens[-1] if tokens else None
        if frame[1] in ("expr", "select", "modifiers"):
            return "expr"
        if prev is not None and prev.text == "<<":
            return "list"
        # FILTER(...), BIND(...) and FILTER regex(...) / FILTER <fn>(...) open expressions; any
        # other "(" among triples is a collection or a path group.
        if prev is not None and prev.kind == "NAME" and prev.text.upper() in ("FILTER", "BIND"):
            return "expr"
        call_in_filter = (
            prev is not None
            and prev.kind in ("NAME", "IRI", "PNAME")
            and len(tokens) >= 2
            and tokens[-2].kind == "NAME"
            and tokens[-2].text.upper() == "FILTER"
        )
        return "expr" if call_in_filter else "list"


def tokenize(
    text: str, prefixes: Collection[str] | None = None, *, deadline: float | None = None, strict: bool = False
) -> list[Token]:
    """Split a SPARQL query into tokens, skipping white space and comments.

    Parameters
    ----------
    text : str
        The query text.
    prefixes : collection of str, optional
        The names of the predeclared prefixes; the query's own ``PREFIX`` declarations are added
        as they come. A prefixed name whose prefix is not declared but starts with keywords is
        read as those keywords and a prefixed name (``FROMx:g`` is ``FROM x:g``). ``None``: the
        declared prefixes are unknown, so only a prefix made of keywords alone is split
        (``FILTER:f`` is ``FILTER :f``).
    deadline : float, optional
        A :func:`time.perf_counter` value past which the lexer gives up.
    strict : bool
        Refuse a word that is neither a keyword nor a chain of them at once (the guard's choice),
        instead of returning it as a ``NAME`` token.

    Returns
    -------
    list of Token
        Kinds: ``IRI``, ``PNAME``, ``VAR``, ``BNODE``, ``STRING``, ``LANGTAG``, ``NUMBER``,
        ``NAME`` (keywords, and words that are not, for the caller to refuse), ``PUNCT``
        (including ``<<(`` and ``)>>``).

    Raises
    ------
    InvalidQuery
        For an unterminated string or IRI, an invalid escape, a backslash outside strings, IRIs
        and prefixed names, more than :data:`MAX_TOKENS` tokens, brackets nested deeper than
        :data:`MAX_DEPTH`, more than :data:`MAX_CHAIN` chained operators, a passed deadline, or
        (``strict``) a word that is not a keyword.

    Examples
    --------
    >>> [t.text for t in tokenize('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE')]
    ['SELECT', '*', 'WHERE', '{', '?s', '?p', '"SERVICE"', '}']
    >>> [(t.kind, t.text) for t in tokenize("ASK { FILTER(?a<?b)#>\\n ?s <http://x#p> ?o }")][4:9]
    [('VAR', '?a'), ('PUNCT', '<'), ('VAR', '?b'), ('PUNCT', ')'), ('VAR', '?s')]
    >>> [t.text for t in tokenize("ASK { SERVICESILENT<http://x/>{} } LIMIT10")]
    ['ASK', '{', 'SERVICE', 'SILENT', '<http://x/>', '{', '}', '}', 'LIMIT', '10']
    >>> [t.text for t in tokenize("PREFIX x: <http://x/> ASK { SERVICEx:y {} }", prefixes=())][4:7]
    ['{', 'SERVICE', 'x:y']
    """
    if not isinstance(text, str):
        raise TypeError("the query must be a str")
    return _Lexer(text, prefixes, deadline, strict).run()


def iri_value(token: Token) -> str:
    """The IRI an ``IRI`` token spells, its ``\\u`` escapes expanded (still relative if it was).

    Raises
    ------
    InvalidQuery
        For a backslash that is not a ``\\uXXXX`` or ``\\UXXXXXXXX`` escape, or an escape of no character.

    Examples
    --------
    >>> iri_value(tokenize(r"<urn:caf\\u00e9>")[0])
    'urn:café'
    """

    def char(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            raise InvalidQuery(
                f"invalid escape in the IRI {token.text}: IRIs allow only \\uXXXX and \\UXXXXXXXX", position=token.pos
            )
        return _char(int(m.group(1) or m.group(2), 16), token)

    return _IRI_ESCAPE.sub(char, token.text[1:-1])


def _char(code: int, token: Token) -> str:
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise InvalidQuery(f"the escape \\u{code:X} in {token.text[:40]} is not a character", position=token.pos)
    return chr(code)


def string_value(token: Token) -> str:
    """The string a ``STRING`` token spells, its escapes expanded.

    Raises
    ------
    InvalidQuery
        For a ``\\u`` escape of no character (a surrogate, or past U+10FFFF).

    Examples
    --------
    >>> string_value(tokenize(r"'it\\'s \\u00e9'")[0])
    "it's é"
    >>> string_value(tokenize('\"\"\"a "quote"\\nb\"\"\"')[0])
    'a "quote"\\nb'
    """
    text = token.text
    quote = 3 if text.startswith(text[0] * 3) and len(text) >= 6 else 1
    body = text[quote:-quote]
    if "\\" not in body:
        return body

    def char(m: re.Match[str]) -> str:
        if m.group(1):
            return _ECHARS[m.group(1)]
        return _char(int(m.group(2) or m.group(3), 16), token)

    return _UNESCAPE.sub(char, body)


def split_pname(token: Token) -> tuple[str, str]:
    """The prefix and the local part of a ``PNAME`` token, the local part's ``\\``-escapes removed.

    Examples
    --------
    >>> split_pname(tokenize(r"src:caixin\\-2025")[0])
    ('src', 'caixin-2025')
    """
    prefix, _, local = token.text.partition(":")
    return prefix, _LOCAL_ESC.sub(r"\1", local)
