"""The ``remote`` back end: any SPARQL 1.1 query/update endpoint, by URL.

Queries are sent as-is (with rekg's prefixes declared in front) and evaluated by the server;
results come back as pyoxigraph objects, so every caller works unchanged:

* SELECT and ASK: the SPARQL JSON (or XML) result, parsed by ``pyoxigraph.parse_query_results``;
* CONSTRUCT and DESCRIBE: N-Triples or Turtle, parsed by ``pyoxigraph.parse`` and handed back
  as a ``QueryTriples``.

What rekg relies on from the server
-----------------------------------
* **Default graph = union of the named graphs.** rekg's dataset is every named graph on the
  server except ``exclude_graphs`` (Virtuoso's own system graphs by default) and its own
  bookkeeping graphs (``urn:rekg:...``). With ``dataset="explicit"`` rekg lists those graphs
  in ``default-graph-uri`` and ``named-graph-uri`` on every query, which works on any SPARQL
  1.1 server and hides everything else on it. With ``dataset="server"`` it sends no dataset
  and relies on the server's default graph being the union of all named graphs: true of
  Virtuoso (the default dataset without ``FROM`` is the union of every graph), GraphDB,
  Blazegraph in quads mode, QLever and Oxigraph server with ``--union-default-graph``;
  Fuseki needs ``tdb2:unionDefaultGraph true``. Other graphs on the server then take part
  in queries (on Virtuoso: ``virtrdf#``, the OWL and LDP vocabularies, the DAV and service
  description graphs). ``dataset="auto"`` (the default) is explicit while rekg has at most
  ``explicit_limit`` graphs and server beyond, where listing them on every request costs more
  than it is worth; on Virtuoso it is always ``server``, because Virtuoso 7.2 answers some
  queries wrongly when the dataset is given (a property path followed by ``GRAPH ?g`` returns
  one row instead of 1,546 on the seed graph) and its ``input:default-graph-exclude`` pragma
  makes every ``GRAPH <g>`` pattern match nothing. ``graphs()`` and ``dump()`` never list the
  excluded graphs.
* **Virtuoso** is recognised by its ``Server`` header; updates are then compiled with
  ``sql:big-data-const 1`` (without it, an ``INSERT DATA`` of a few thousand triples exhausts
  the SPARQL compiler), falling back to its slow mode for the few literals that need it.
* **Writes** (``replace_graph``, ``load_file``) use SPARQL Update: the new content is
  uploaded in chunks of ``chunk_size`` triples into a staging graph under ``urn:rekg:staging:``
  and then swapped in with one ``MOVE`` operation, so readers of the graph see the old
  content or the new, never half of it, and a failed upload leaves the old graph intact.
  In ``server`` mode the staging graph is visible in the union default graph while the
  upload runs (explicit mode hides it). Whether the
  final ``MOVE`` is itself atomic is up to the server (Virtuoso does not roll back earlier
  operations of a failed multi-operation request, which is why rekg stages instead).
* **Blank nodes** cannot appear in ``INSERT DATA`` on Virtuoso 7, so triples with blank nodes
  are sent with ``INSERT { ... } WHERE {}``, each connected group of blank nodes in one request
  so that it stays one node on the server.
* **Durations on Virtuoso 7**: it stores ``xsd:duration`` values as numbers (months for
  ``P1Y``, seconds for ``PT2H``) and cannot compile day-time duration constants at all, so
  rekg writes durations with ``STRDT`` at run time and turns the numbers back into duration
  syntax when reading (:func:`duration_lexical`; ``P12M`` comes back as ``P1Y``). Day-time
  durations on a blank node cannot be written to Virtuoso.
* **Booleans on Virtuoso 7** come back from SELECT as ``"1"^^xsd:boolean``; rekg reads them as
  ``true`` and ``false`` again.
* **Bookkeeping** (which seeds the store holds) lives in the graph ``urn:rekg:meta``.
* **Substitutions** (bound variables) are sent as a ``VALUES`` block at the start of the
  outermost ``WHERE`` group: the bound terms are validated pyoxigraph terms serialised in
  N-Triples syntax, never user text. This matches Oxigraph's substitution for variables used
  at the top level of the query; a variable referenced only inside a nested sub-group's
  ``FILTER`` sees the binding through the join, not before it.

* **Authentication**: a :class:`RemoteAuth` (a bearer token, or a user name and password for
  HTTP basic authentication) is sent in the ``Authorization`` header of every request to the
  query and update endpoints, and to no other address (redirects are not followed). Its
  secrets never appear in ``repr``, in log records or in error messages: an answer of the
  server that quotes them has them replaced by ``***``, and so has a password written into an
  endpoint URL (``http://user:password@host/``), which is accepted but not recommended.
  Credentials sent over plain ``http`` to an address other than loopback are logged as a
  warning (without the credentials).
* **Tested servers**: Virtuoso 7.2 and the Oxigraph server (``oxigraph serve
  --union-default-graph``, 0.5), each started by the tests on loopback.

Network errors and HTTP 5xx answers raise :class:`~graph.errors.StoreUnavailable`; so do
401 and 403 answers (missing, wrong or insufficient credentials), named as such; an answer
not within ``timeout`` seconds raises :class:`~graph.errors.QueryTimeout`; a query the server
rejects as malformed (HTTP 400) raises :class:`~graph.errors.InvalidQuery`.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
from rekg.graph.errors import InvalidParameter, InvalidQuery, QueryTimeout, StoreUnavailable
from rekg.graph.formats import RESULT_FORMATS, accept_header, for_media_type, format_for, pick
from rekg.graph.lexer import READ_FORMS, Token, tokenize
from rekg.graph.store.base import LoadReport, ProgressCallback, QueryResult, Store, Term, read_rdf_file

__all__ = [
    "VIRTUOSO_SYSTEM_GRAPHS",
    "RemoteAuth",
    "RemoteStore",
    "duration_lexical",
    "inject_values",
    "query_form",
    "redact_url",
]

log = logging.getLogger("rekg.store")

#: Graph IRI prefixes Virtuoso fills on its own; never part of rekg's dataset.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "http://localhost:8890/",
)
INTERNAL_PREFIX = "urn:rekg:"
META_GRAPH = "urn:rekg:meta"
STAGING_PREFIX = "urn:rekg:staging:"
_META_KEY = "urn:rekg:meta#"
_META_VALUE = "urn:rekg:value"

#: What rekg asks the server for, most wanted first; an answer in any of them is read.
_RESULT_READS = tuple(pick("results", "json", "xml").values())
_GRAPH_READS = tuple(pick("graph", "nt", "ttl", "rdfxml", "jsonld").values())
_ACCEPT_RESULTS = accept_header(_RESULT_READS)
_ACCEPT_GRAPH = accept_header(_GRAPH_READS)
#: Bookkeeping queries and updates are read as SPARQL JSON only.
_ACCEPT_JSON = RESULT_FORMATS["json"].media_type
_BNODE_JSON = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")([^"]*)(")')
_BNODE_JSON_REV = re.compile(rb'("value"\s*:\s*")([^"]*)("\s*,\s*"type"\s*:\s*"bnode")')
_BNODE_XML = re.compile(rb"(<bnode>)([^<]*)(</bnode>)")
_BAD_BNODE_CHARS = re.compile(rb"[^A-Za-z0-9_\-]")


def _clean_bnodes(body: bytes, xml: bool = False) -> bytes:
    """Make server blank-node labels (Virtuoso: ``nodeID://b10003``) valid for pyoxigraph."""

    def fix(m: re.Match[bytes]) -> bytes:
        label = _BAD_BNODE_CHARS.sub(b"_", m.group(2))
        return m.group(1) + (b"b" + label if not label[:1].isalnum() else label) + m.group(3)

    if xml:
        return _BNODE_XML.sub(fix, body)
    return _BNODE_JSON_REV.sub(fix, _BNODE_JSON.sub(fix, body))


_XSD = "http://www.w3.org/2001/XMLSchema#"
DURATION_TYPES = frozenset(_XSD + t for t in ("duration", "yearMonthDuration", "dayTimeDuration"))
_DUR = rb"http://www\.w3\.org/2001/XMLSchema#(?:duration|yearMonthDuration|dayTimeDuration)"
_DUR_JSON = re.compile(rb'("datatype"\s*:\s*"' + _DUR + rb'"\s*,\s*"value"\s*:\s*")([^"]*)(")')
_DUR_XML = re.compile(rb'(<literal datatype="' + _DUR + rb'">)([^<]*)(</literal>)')
_DUR_NT = re.compile(rb'(")([^"]*)("\^\^<' + _DUR + rb">)")


def duration_lexical(stored: str) -> str:
    """Turn Virtuoso's stored form of a duration back into ``xsd:duration`` syntax.

    Virtuoso 7 keeps year-month durations as a number of months (``P1Y`` -> ``12``) and
    day-time durations as seconds (``PT2H`` -> ``7200.0``); other text is returned unchanged.

    Examples
    --------
    >>> [duration_lexical(v) for v in ("12", "18", "6", "7.776e+06", "7200.0", "P1Y")]
    ['P1Y', 'P1Y6M', 'P6M', 'P90D', 'PT2H', 'P1Y']
    """
    if re.fullmatch(r"-?\d+", stored):
        months = int(stored)
        sign, months = ("-" if months < 0 else ""), abs(months)
        years, months = divmod(months, 12)
        text = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{text}"
    try:
        seconds = float(stored)
    except ValueError:
        return stored
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time_part = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if secs:
        time_part += f"{secs:g}S"
    text = (f"{int(days)}D" if days else "") + (f"T{time_part}" if time_part else "")
    return f"{sign}P{text or 'T0S'}"


_BOOL_JSON = re.compile(
    rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*")([01])(")'
)
_BOOL_XML = re.compile(rb'(<literal datatype="http://www\.w3\.org/2001/XMLSchema#boolean">)([01])(</literal>)')


def _fix_booleans(body: bytes, pattern: re.Pattern[bytes]) -> bytes:
    """Virtuoso 7 returns stored ``xsd:boolean`` values as ``1`` and ``0`` in SELECT results."""
    if b"#boolean" not in body:
        return body
    return pattern.sub(lambda m: m.group(1) + (b"true" if m.group(2) == b"1" else b"false") + m.group(3), body)


def _fix_durations(body: bytes, pattern: re.Pattern[bytes]) -> bytes:
    if b"Duration" not in body and b"#duration" not in body:
        return body
    return pattern.sub(lambda m: m.group(1) + duration_lexical(m.group(2).decode()).encode() + m.group(3), body)


# --- finding the WHERE clause of a query, for VALUES injection -----------------------------
# Read with rekg's SPARQL lexer (the query guard's), so strings, IRIs, comments and prefixed
# names hide a brace or a keyword here exactly as they do from the guard.


def _form(tokens: list[Token]) -> str:
    for t in tokens:
        if t.kind == "NAME" and t.text.upper() in READ_FORMS:
            return t.text.upper()
    raise InvalidQuery("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK")


def query_form(sparql: str) -> str:
    """The form of a query: ``SELECT``, ``CONSTRUCT``, ``DESCRIBE`` or ``ASK``.

    Raises
    ------
    InvalidQuery
        If no query form keyword is found outside strings, IRIs and comments.

    Examples
    --------
    >>> query_form("PREFIX select: <urn:x#> construct { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'CONSTRUCT'
    """
    return _form(tokenize(sparql))


def _outer_where(tokens: list[Token]) -> tuple[Token, Token, Token | None]:
    """The outermost WHERE group's ``{`` and ``}``, and the ``WHERE`` of a ``CONSTRUCT WHERE``."""
    form = None
    depth = paren = groups = 0
    start: Token | None = None
    short_construct: Token | None = None
    last_word = ""
    for t in tokens:
        if t.kind == "NAME" and depth == 0 and paren == 0:
            word = t.text.upper()
            if form is None and word in READ_FORMS:
                form = word
            elif form == "CONSTRUCT" and last_word == "CONSTRUCT" and word == "WHERE":
                short_construct = t
            last_word = word
        elif t.kind != "PUNCT":
            continue
        elif t.text == "(":
            paren += 1
        elif t.text == ")":
            paren -= 1
        elif t.text == "{":
            if depth == 0 and paren == 0:
                start = t
                last_word = ""
            depth += 1
        elif t.text == "}":
            depth -= 1
            if depth == 0 and paren == 0 and start is not None:
                groups += 1
                if groups == (2 if form == "CONSTRUCT" and short_construct is None else 1):
                    return start, t, short_construct
    raise InvalidQuery("cannot find the WHERE clause of the query to bind its variables")


def _values_term(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        raise InvalidParameter("a blank node cannot be bound to a query variable on the remote store")
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise InvalidParameter(f"cannot bind {type(term).__name__} to a query variable")
    return str(term)


def inject_values(sparql: str, substitutions: Mapping[str, Term]) -> str:
    """Bind variables by adding a ``VALUES`` block at the start of the outermost WHERE group.

    Parameters
    ----------
    sparql : str
        A SELECT, ASK, CONSTRUCT or DESCRIBE query.
    substitutions : mapping of str to pyoxigraph term
        Variable name (without ``?``) to an IRI or literal.

    Returns
    -------
    str
        The query with the bindings in a ``VALUES`` block.

    Raises
    ------
    InvalidParameter
        If a name is not a SPARQL variable name or a value is a blank node.
    InvalidQuery
        If the query has no WHERE group.

    Examples
    --------
    >>> inject_values('SELECT * WHERE { ?f <urn:p> ?m FILTER(?x != "}") }', {"m": ox.NamedNode("urn:dy")})
    'SELECT * WHERE { VALUES (?m) { (<urn:dy>) } ?f <urn:p> ?m FILTER(?x != "}") }'
    """
    return _inject(sparql, tokenize(sparql), substitutions) if substitutions else sparql


def _inject(sparql: str, tokens: list[Token], substitutions: Mapping[str, Term]) -> str:
    """:func:`inject_values` on a query already tokenised."""
    names = list(substitutions)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InvalidParameter(f"{name!r} is not a SPARQL variable name")
    row = " ".join(_values_term(substitutions[n]) for n in names)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"
    open_brace, close_brace, short_construct = _outer_where(tokens)
    start, end = open_brace.pos, close_brace.pos
    body = sparql[start + 1 : end]
    if short_construct is not None:
        # CONSTRUCT WHERE { P } is CONSTRUCT { P } WHERE { P }; VALUES only fits the WHERE part.
        where_kw = short_construct.pos
        return f"{sparql[:where_kw]}{{{body}}} WHERE {{ {block}{body}}}{sparql[end + 1 :]}"
    return f"{sparql[: start + 1]} {block}{body}{sparql[end:]}"


_LINE_REF = re.compile(r"(\berror at |\bline )(\d+)(?=[:,\s])")


def _shift_lines(message: str, lines: int) -> str:
    """A server's syntax error message with its line numbers moved up by ``lines``.

    Understands Oxigraph's ``error at LINE:COLUMN`` and Virtuoso's ``line LINE:``; a line
    number within the prologue is left alone.

    Examples
    --------
    >>> _shift_lines("the SPARQL server rejected the query: error at 17:3: expected one of", 14)
    'the SPARQL server rejected the query: error at 3:3: expected one of'
    >>> _shift_lines("SP030: SPARQL compiler, line 16: syntax error", 14)
    'SP030: SPARQL compiler, line 2: syntax error'
    """
    if not lines:
        return message

    def shift(m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)}{n - lines if n > lines else n}"

    return _LINE_REF.sub(shift, message)


# --- credentials -----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RemoteAuth:
    """Credentials sent to a remote SPARQL server: a bearer token, or basic authentication.

    Parameters
    ----------
    bearer_token : str, optional
        Sent as ``Authorization: Bearer <token>`` (GraphDB, Stardog, gateways in front of
        Neptune or QLever).
    username, password : str, optional
        Sent as ``Authorization: Basic ...`` (Fuseki's shiro, GraphDB, Virtuoso's
        ``/sparql-auth``). A password needs a user name; an empty password is allowed.

    Raises
    ------
    ValueError
        If both a token and a user name are given, a password comes without a user name, or
        a value holds a line break (it would split the header).

    Examples
    --------
    >>> RemoteAuth(bearer_token="s3cret")
    RemoteAuth(bearer token ***)
    >>> RemoteAuth(username="rekg", password="s3cret").header
    'Basic cmVrZzpzM2NyZXQ='
    """

    bearer_token: str | None = None
    username: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        if self.bearer_token is not None and (self.username is not None or self.password is not None):
            raise ValueError("give either a bearer token or a user name and password, not both")
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a user name")
        if self.bearer_token is None and self.username is None:
            raise ValueError("give a bearer token or a user name")
        if self.bearer_token is not None and not self.bearer_token.strip():
            raise ValueError("the bearer token is empty")
        for value in (self.bearer_token, self.username, self.password):
            if value is not None and any(c in value for c in "\r\n\0"):
                raise ValueError("credentials cannot contain line breaks or NUL")
        if self.username is not None and ":" in self.username:
            raise ValueError("a user name for basic authentication cannot contain ':'")

    @property
    def scheme(self) -> str:
        """``Bearer`` or ``Basic``."""
        return "Bearer" if self.bearer_token is not None else "Basic"

    @property
    def header(self) -> str:
        """The value of the ``Authorization`` header."""
        if self.bearer_token is not None:
            return f"Bearer {self.bearer_token}"
        pair = f"{self.username}:{self.password or ''}".encode()
        return f"Basic {base64.b64encode(pair).decode('ascii')}"

    def secrets(self) -> tuple[str, ...]:
        """Every string that must not be shown: the token or password, and the header's credentials."""
        found = [self.bearer_token, self.password, self.header.split(" ", 1)[1]]
        return tuple(s for s in found if s)

    def __repr__(self) -> str:
        if self.bearer_token is not None:
            return "RemoteAuth(bearer token ***)"
        return f"RemoteAuth(user {self.username!r}, password ***)"

    __str__ = __repr__


def redact_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***`` (for messages and logs).

    Examples
    --------
    >>> redact_url("https://rekg:s3cret@db.example.org:7200/repositories/kg")
    'https://rekg:***@db.example.org:7200/repositories/kg'
    >>> redact_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _url_secrets(url: str) -> tuple[str, ...]:
    """The password written into a URL, as written and as decoded."""
    parts = urlsplit(url)
    if not parts.password:
        return ()
    return tuple({parts.password, unquote(parts.password)})


def _plain_http_beyond_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme.lower() != "http":
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


# --- the store ------------------------------------------------------------------------------


class RemoteStore(Store):
    """A SPARQL 1.1 server as a rekg back end.

    Parameters
    ----------
    query_url : str
        The query endpoint, e.g. ``http://127.0.0.1:8890/sparql``.
    update_url : str, optional
        The update endpoint (default: ``query_url``). Writes fail without update rights.
    timeout : float
        Seconds to wait for an answer to a query.
    dataset : {"auto", "explicit", "server"}
        How the union default graph is obtained (see the module documentation).
    explicit_limit : int
        Most graphs ``auto`` lists explicitly.
    chunk_size : int
        Triples per update request when writing.
    exclude_graphs : tuple of str
        IRI prefixes of graphs that are not rekg's; on Virtuoso the system graphs.
    max_concurrent : int
        Most requests in flight to the server at once; more wait their turn (within
        ``timeout``), so a burst of API requests does not become a burst on the server
        (Virtuoso serves 10 HTTP requests at a time by default).
    client : httpx.Client, optional
        A client to reuse (tests, connection pooling).
    auth : RemoteAuth, optional
        Credentials sent with every request to ``query_url`` and ``update_url``.

    Raises
    ------
    StoreUnavailable
        If the server does not answer ``ASK {}``, or refuses it (401, 403: missing or wrong
        credentials).
    """

    kind = "remote"

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        *,
        timeout: float = 10.0,
        dataset: Literal["auto", "explicit", "server"] = "auto",
        explicit_limit: int = 100,
        chunk_size: int = 2000,
        exclude_graphs: tuple[str, ...] = VIRTUOSO_SYSTEM_GRAPHS,
        max_concurrent: int = 8,
        client: httpx.Client | None = None,
        auth: RemoteAuth | None = None,
    ) -> None:
        super().__init__()
        if auth is not None and not isinstance(auth, RemoteAuth):
            raise TypeError("auth must be a RemoteAuth")
        if dataset not in ("auto", "explicit", "server"):
            raise ValueError("dataset must be 'auto', 'explicit' or 'server'")
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.timeout = timeout
        self.dataset = dataset
        self.explicit_limit = explicit_limit
        self.chunk_size = chunk_size
        self.exclude_graphs = (*exclude_graphs, INTERNAL_PREFIX)
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)))
        self._slots = threading.BoundedSemaphore(max(1, max_concurrent))
        self._staging: set[str] = set()
        self._state_lock = threading.Lock()
        self._dataset_cache: tuple[float, int, list[str]] | None = None
        self._auth = auth
        self._headers = {"Authorization": auth.header} if auth else {}
        self._secrets = tuple(
            sorted(
                {*(auth.secrets() if auth else ()), *_url_secrets(self.query_url), *_url_secrets(self.update_url)},
                key=len,
                reverse=True,
            )
        )
        if self._secrets:
            for url in {self.query_url, self.update_url}:
                if _plain_http_beyond_loopback(url):
                    log.warning(
                        "credentials for the remote store are sent over plain http to %s; use https",
                        redact_url(url),
                    )
        probe = self._request(self.query_url, {"query": "ASK {}"}, accept=_ACCEPT_JSON)
        self.virtuoso = "virtuoso" in probe.headers.get("server", "").lower()
        self.reads_graph_by_graph = not self.virtuoso
        self._meta = self._read_meta()

    # -- HTTP --------------------------------------------------------------------------------

    def _request(
        self, url: str, data: Mapping[str, Any], *, accept: str, timeout: float | None = None, update: bool = False
    ) -> httpx.Response:
        limit = timeout or self.timeout
        shown = redact_url(url)
        if not self._slots.acquire(timeout=limit):
            raise QueryTimeout(f"{limit:g} s passed waiting for a free connection to the SPARQL server at {shown}")
        try:
            r = self._client.post(url, data=data, headers={**self._headers, "Accept": accept}, timeout=limit)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise StoreUnavailable(
                    f"the SPARQL server at {shown} does not accept connections: {self._redact(str(exc))}"
                ) from exc
            raise QueryTimeout(
                f"the SPARQL server at {shown} did not answer within {timeout or self.timeout:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"cannot reach the SPARQL server at {shown}: {self._redact(str(exc))}") from exc
        finally:
            self._slots.release()
        if r.status_code < 300:
            return r
        message = self._redact(r.text.strip().splitlines()[0][:500] if r.text.strip() else r.reason_phrase)
        if r.status_code == 400 and not update:
            raise InvalidQuery(f"the SPARQL server rejected the query: {message}")
        if r.status_code in (401, 403):
            if self._auth is None:
                why = "it needs credentials and rekg sent none (REKG_REMOTE_BEARER_TOKEN, or REKG_REMOTE_USER and "
                why += "REKG_REMOTE_PASSWORD)"
            elif r.status_code == 401:
                why = f"it did not accept rekg's credentials ({self._auth.scheme} authentication)"
            else:
                why = f"rekg's credentials ({self._auth.scheme} authentication) do not allow this request"
            raise StoreUnavailable(
                f"the SPARQL server at {shown} refused the request ({r.status_code}): {why}: {message}"
            )
        raise StoreUnavailable(f"the SPARQL server at {shown} failed ({r.status_code}): {message}")

    def _redact(self, text: str) -> str:
        """``text`` with every credential replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        auth = f", auth={self._auth!r}" if self._auth else ""
        return f"RemoteStore({redact_url(self.query_url)!r}{auth})"

    def _update(self, text: str, *, big_data: bool = True) -> None:
        prefix = "define sql:big-data-const 1\n" if self.virtuoso and big_data else ""
        self._request(
            self.update_url,
            {"update": prefix + text},
            accept=f"{_ACCEPT_JSON}, */*;q=0.1",
            timeout=max(self.timeout, 120.0),
            update=True,
        )

    def _select_raw(self, sparql: str) -> ox.QuerySolutions:
        """A SELECT over every graph on the server (no dataset), for bookkeeping."""
        r = self._request(self.query_url, {"query": sparql}, accept=_ACCEPT_JSON)
        body = _fix_booleans(_fix_durations(r.content, _DUR_JSON), _BOOL_JSON) if self.virtuoso else r.content
        return ox.parse_query_results(_clean_bnodes(body), format=ox.QueryResultsFormat.JSON)

    # -- reading -----------------------------------------------------------------------------

    def _excluded(self, graph: str) -> bool:
        return graph.startswith(self.exclude_graphs)

    def _all_graphs(self) -> list[str]:
        res = self._select_raw("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [row["g"].value for row in res if isinstance(row["g"], ox.NamedNode)]

    def _dataset_graphs(self) -> list[str]:
        # Cached per local version, and for a few seconds against writes by others; one
        # thread refreshes it while the others wait (listing graphs scans the whole store).
        with self._state_lock:
            now = time.monotonic()
            hit = self._dataset_cache
            if hit and hit[1] == self.version and now - hit[0] < 10.0:
                return hit[2]
            graphs = [g for g in self._all_graphs() if not self._excluded(g)]
            self._dataset_cache = (now, self.version, graphs)
            return graphs

    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        if not isinstance(sparql, str) or not sparql.strip():
            raise InvalidQuery("empty query")
        tokens = tokenize(sparql)
        accept = _ACCEPT_GRAPH if _form(tokens) in ("CONSTRUCT", "DESCRIBE") else _ACCEPT_RESULTS
        if substitutions:
            sparql = _inject(sparql, tokens, substitutions)
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        if (
            prologue
            and len(tokens) > 1
            and tokens[0].kind == "NAME"
            and tokens[0].text.upper() == "BASE"
            and tokens[1].kind == "IRI"
        ):
            # A BASE the query opens with goes before rekg's PREFIX lines: Virtuoso 7 reads the
            # SPARQL 1.0 prologue, where BASE may only come first.
            # Blanked where it stood, so the server's error columns still match the query's.
            cut = tokens[1].pos + len(tokens[1].text)
            prologue, sparql = sparql[:cut] + "\n" + prologue, " " * cut + sparql[cut:]
        data: dict[str, Any] = {"query": prologue + sparql}
        explicit = self.dataset == "explicit" or (self.dataset == "auto" and not self.virtuoso)
        if default_graph is None and named_graphs is None and explicit:
            graphs = self._dataset_graphs()
            if self.dataset == "explicit" or len(graphs) <= self.explicit_limit:
                # An empty list would mean "the server's default" to the protocol; a graph
                # that cannot exist keeps an empty dataset empty.
                default_graph = named_graphs = graphs or [META_GRAPH + "#none"]
        if default_graph is not None:
            data["default-graph-uri"] = list(default_graph)
        if named_graphs is not None:
            data["named-graph-uri"] = list(named_graphs)
        try:
            response = self._request(self.query_url, data, accept=accept)
        except InvalidQuery as exc:
            # The server counted the PREFIX lines rekg put in front: give the caller's line back.
            raise InvalidQuery(_shift_lines(exc.detail, prologue.count("\n"))) from exc
        return self._parse_result(response)

    def _parse_result(self, r: httpx.Response) -> QueryResult:
        ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
        body = r.content
        # Results first: "application/json" and "application/xml" are read as results.
        fmt = for_media_type(ctype, (*_RESULT_READS, *_GRAPH_READS))
        if fmt is None:
            raise StoreUnavailable(f"the SPARQL server answered with an unexpected media type {ctype!r}")
        try:
            if fmt.results is not None:
                xml = fmt.key == "xml"
                if self.virtuoso:
                    durations, booleans = (_DUR_XML, _BOOL_XML) if xml else (_DUR_JSON, _BOOL_JSON)
                    body = _fix_booleans(_fix_durations(body, durations), booleans)
                return ox.parse_query_results(_clean_bnodes(body, xml=xml), format=fmt.results)
            assert fmt.rdf is not None
            if self.virtuoso and fmt.key == "nt":
                body = _fix_durations(body, _DUR_NT)
            # A throwaway store turns the parsed triples into a genuine QueryTriples.
            tmp = ox.Store()
            tmp.extend(
                ox.Quad(q.subject, q.predicate, q.object)
                for q in ox.parse(body, format=fmt.rdf, rename_blank_nodes=False)
            )
            return tmp.query("CONSTRUCT WHERE { ?s ?p ?o }")
        except SyntaxError as exc:
            raise StoreUnavailable(f"cannot parse the SPARQL server's answer ({ctype}): {exc}") from exc

    def graphs(self) -> dict[str, int]:
        res = self._select_raw("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {
            row["g"].value: int(row["n"].value)
            for row in res
            if isinstance(row["g"], ox.NamedNode) and not self._excluded(row["g"].value)
        }

    def graph_names(self) -> set[str]:
        return {g for g in self._all_graphs() if not self._excluded(g)}

    def dump(self, fmt: ox.RdfFormat, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialise the dataset; bounded by the server's result cap (Virtuoso ``ResultSetMaxRows``)."""
        if graph is not None:
            g = ox.NamedNode(graph)
            res = self._select_raw(f"SELECT ?s ?p ?o WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
            # Like Oxigraph's dump(from_graph=...): the graph's triples, in the default graph.
            quads = [ox.Quad(r["s"], r["p"], r["o"]) for r in res]
        else:
            res = self._select_raw("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            quads = [
                ox.Quad(r["s"], r["p"], r["o"], r["g"])
                for r in res
                if isinstance(r["g"], ox.NamedNode) and not self._excluded(r["g"].value)
            ]
        kwargs: dict[str, Any] = {"prefixes": dict(prefixes)} if prefixes else {}
        if fmt.supports_datasets:
            return ox.serialize(quads, format=fmt, **kwargs)
        triples = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        return ox.serialize(list(triples), format=fmt, **kwargs)

    # -- writing -----------------------------------------------------------------------------

    def _insert(self, graph: ox.NamedNode, lines: list[str], *, bnodes: bool) -> None:
        head = f"INSERT {{ GRAPH {graph} {{\n" if bnodes else f"INSERT DATA {{ GRAPH {graph} {{\n"
        tail = "\n} } WHERE {}" if bnodes else "\n} }"
        try:
            self._update(head + "\n".join(lines) + tail)
        except StoreUnavailable as exc:
            # Virtuoso cannot compile some literals (e.g. xsd:duration) in big-data mode; its
            # own advice is the slow mode, whose generated SQL caps a request at ~1000 triples.
            if not (self.virtuoso and "big-data-const 0" in exc.detail):
                raise
            if bnodes and len(lines) > 500:
                raise StoreUnavailable(
                    f"a group of {len(lines)} triples joined by blank nodes holds literals Virtuoso cannot "
                    "store in one request"
                ) from exc
            for i in range(0, len(lines), 500):
                self._update(head + "\n".join(lines[i : i + 500]) + tail, big_data=False)

    def _insert_chunks(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> int:
        """Insert triples into ``graph`` in chunks; blank-node groups each in one request."""
        g = ox.NamedNode(graph)
        plain: list[str] = []
        with_bnodes: list[ox.Triple | ox.Quad] = []
        n = 0
        durations: list[ox.Triple | ox.Quad] = []
        for t in triples:
            n += 1
            if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                with_bnodes.append(t)
                continue
            if self.virtuoso and isinstance(t.object, ox.Literal) and t.object.datatype.value in DURATION_TYPES:
                durations.append(t)
                continue
            plain.append(f"{t.subject} {t.predicate} {t.object} .")
            if len(plain) >= self.chunk_size:
                self._insert(g, plain, bnodes=False)
                plain = []
        if plain:
            self._insert(g, plain, bnodes=False)
        for chunk in _bnode_chunks(with_bnodes, self.chunk_size):
            self._insert(g, [f"{t.subject} {t.predicate} {t.object} ." for t in chunk], bnodes=True)
        for i in range(0, len(durations), self.chunk_size):
            # Virtuoso 7 cannot compile day-time duration constants (its SQL takes "P90D" for a
            # column name) but converts them at run time; see duration_lexical for the way back.
            rows = " ".join(
                f"({t.subject} {t.predicate} {ox.Literal(t.object.value)} {t.object.datatype})"
                for t in durations[i : i + self.chunk_size]
            )
            self._update(
                f"INSERT {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ VALUES (?s ?p ?lex ?dt) {{ {rows} }} "
                "BIND(STRDT(?lex, ?dt) AS ?o) }"
            )
        return n

    def _stage(self) -> str:
        stage = f"{STAGING_PREFIX}{uuid.uuid4()}"
        with self._state_lock:
            self._staging.add(stage)
        return stage

    def _unstage(self, stage: str) -> None:
        try:
            self._update(f"DROP SILENT GRAPH <{stage}>")
        finally:
            with self._state_lock:
                self._staging.discard(stage)

    def replace_graph(self, name: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Upload the new content into a staging graph, then swap it in with one ``MOVE``."""
        target = ox.NamedNode(name)
        stage = self._stage()
        try:
            n = self._insert_chunks(stage, quads)
            if n:
                self._update(f"MOVE SILENT <{stage}> TO {target}")
            else:
                self._update(f"DROP SILENT GRAPH {target}")
        finally:
            self._unstage(stage)
            self._bump(name)
        return n

    def remove_graph(self, name: str) -> bool:
        g = ox.NamedNode(name)
        existed = bool(
            ox.parse_query_results(
                self._request(
                    self.query_url,
                    {"query": f"ASK {{ GRAPH {g} {{ ?s ?p ?o }} }}"},
                    accept=_ACCEPT_JSON,
                ).content,
                format=ox.QueryResultsFormat.JSON,
            )
        )
        if existed:
            self._update(f"DROP SILENT GRAPH {g}")
            self._bump(name)
        return existed

    def clear(self) -> None:
        for name in list(self.graphs()):
            self._update(f"DROP SILENT GRAPH <{name}>")
        self._update(f"DROP SILENT GRAPH <{META_GRAPH}>")
        self._meta.clear()
        self._bump()

    def load_file(
        self,
        path: str | Path,
        *,
        graph: str,
        base_iri: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> LoadReport:
        """Parse the file locally and upload it graph by graph through staging graphs."""
        path = Path(path)
        fmt = format_for(path)
        t0 = time.perf_counter()
        stages: dict[str, str] = {}
        buffers: dict[str, list[ox.Triple]] = {}
        bnodes: dict[str, list[ox.Triple]] = {}
        counts: dict[str, int] = {}
        try:
            with read_rdf_file(path, fmt, on_progress) as reader:
                for q in ox.parse(reader, format=fmt, base_iri=base_iri or path.resolve().as_uri()):
                    g = graph if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
                    t = ox.Triple(q.subject, q.predicate, q.object)
                    counts[g] = counts.get(g, 0) + 1
                    if g not in stages:
                        stages[g] = self._stage()
                    if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                        bnodes.setdefault(g, []).append(t)
                        continue
                    buf = buffers.setdefault(g, [])
                    buf.append(t)
                    if len(buf) >= self.chunk_size:
                        self._insert_chunks(stages[g], buf)
                        buf.clear()
            for g, stage in stages.items():
                self._insert_chunks(stage, buffers.get(g, []) + bnodes.get(g, []))
            # The file's own graph is replaced; named graphs of a dataset file are added to.
            for g, stage in stages.items():
                op = "MOVE" if g == graph else "ADD"
                self._update(f"{op} SILENT <{stage}> TO {ox.NamedNode(g)}")
            if graph not in stages:
                self._update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
        finally:
            for stage in stages.values():
                self._unstage(stage)
            self._bump()
        return LoadReport(str(path), sorted(counts), sum(counts.values()), time.perf_counter() - t0)

    # -- bookkeeping ------------------------------------------------------------------------

    def _read_meta(self) -> dict[str, str]:
        res = self._select_raw(f"SELECT ?k ?v WHERE {{ GRAPH <{META_GRAPH}> {{ ?k <{_META_VALUE}> ?v }} }}")
        return {
            row["k"].value[len(_META_KEY) :]: row["v"].value
            for row in res
            if isinstance(row["k"], ox.NamedNode) and row["k"].value.startswith(_META_KEY)
        }

    def set_meta(self, key: str, value: str | None) -> None:
        super().set_meta(key, value)
        k = ox.NamedNode(_META_KEY + key)
        self._update(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {k} <{_META_VALUE}> ?v }} }}")
        if value is not None:
            self._update(f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ {k} <{_META_VALUE}> {ox.Literal(value)} }} }}")

    def close(self) -> None:
        self._client.close()


def _bnode_chunks(triples: list[ox.Triple | ox.Quad], size: int) -> Iterator[list[ox.Triple | ox.Quad]]:
    """Split triples into chunks of about ``size`` that never separate two triples sharing a blank node."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def bnodes(t: ox.Triple | ox.Quad) -> list[str]:
        return [term.value for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)]

    for t in triples:
        ids = bnodes(t)
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
    groups: dict[str, list[ox.Triple | ox.Quad]] = {}
    for t in triples:
        groups.setdefault(find(bnodes(t)[0]), []).append(t)
    chunk: list[ox.Triple | ox.Quad] = []
    for group in groups.values():
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk.extend(group)
    if chunk:
        yield chunk
