"""Content negotiation for the SPARQL endpoint: the media-type table and an Accept parser.

Everything here is a pure function of its arguments, so the table and the parser are tested
on their own (``tests/api/test_negotiation.py``).

Rules:

* ``format=`` (``json``, ``xml``, ``csv``, ``tsv``, ``ttl``, ``nt``, ``nq``, ``trig``, ``jsonld``,
  ``rdfxml``, ``n3``, their usual aliases, or a media type) overrides ``Accept``. Clients
  such as SPARQLWrapper send it several times (``format=tsv&format=text/tab-separated-values``);
  the first recognised value wins and empty values are ignored.
* Otherwise the ``Accept`` header decides, with q-values (RFC 9110, 12.5.1): the most
  specific range that matches a media type gives its q; the offer with the highest q wins;
  ties go to the more specific match, then to the range the client listed first, then to
  the server's order (JSON for results, Turtle for graphs). A missing or empty ``Accept``
  means ``*/*``.
* Nothing acceptable: ``406`` with the list of what is available.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import ApiError

__all__ = [
    "GRAPH_OFFERS",
    "RESULT_OFFERS",
    "MediaRange",
    "Offer",
    "choose_format",
    "negotiate",
    "offers_for",
    "parse_accept",
]

Kind = Literal["results", "graph"]
_MAX_RANGES = 64
# RFC 9110 token characters: a type or subtype is one token ("*" included).
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    q: float
    index: int

    def specificity(self, media_type: str) -> int:
        """3 for an exact match, 2 for ``type/*``, 1 for ``*/*``, 0 when it does not match."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != t:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == s else 0


@dataclass(frozen=True)
class Offer:
    """A serialisation the endpoint can produce.

    ``key`` names it for :mod:`rekg.graph.sparql`, ``media_type`` is the ``Content-Type`` sent,
    ``accepts`` are the media types in ``Accept`` that select it (the first is its own),
    ``names`` are the values of ``format=`` that select it.
    """

    key: str
    media_type: str
    accepts: tuple[str, ...]
    names: tuple[str, ...]


#: SELECT and ASK results, in the server's order of preference.
RESULT_OFFERS: tuple[Offer, ...] = (
    Offer(
        "json",
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
        ("json", "srj"),
    ),
    Offer(
        "xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ("xml", "srx"),
    ),
    Offer("csv", "text/csv; charset=utf-8", ("text/csv",), ("csv",)),
    Offer("tsv", "text/tab-separated-values; charset=utf-8", ("text/tab-separated-values",), ("tsv",)),
)

#: CONSTRUCT and DESCRIBE results (and the service description), in the server's order.
GRAPH_OFFERS: tuple[Offer, ...] = (
    Offer(
        "ttl",
        "text/turtle; charset=utf-8",
        ("text/turtle", "application/x-turtle", "application/turtle"),
        ("ttl", "turtle"),
    ),
    Offer("nt", "application/n-triples", ("application/n-triples",), ("nt", "ntriples", "n-triples")),
    Offer("nq", "application/n-quads", ("application/n-quads", "text/x-nquads"), ("nq", "nquads", "n-quads")),
    Offer("trig", "application/trig", ("application/trig", "application/x-trig"), ("trig",)),
    Offer("jsonld", "application/ld+json", ("application/ld+json", "application/json"), ("jsonld", "json-ld", "json")),
    Offer(
        "rdfxml",
        "application/rdf+xml",
        ("application/rdf+xml", "application/xml", "text/xml"),
        ("rdfxml", "rdf+xml", "rdf", "xml", "owl"),
    ),
    Offer("n3", "text/n3; charset=utf-8", ("text/n3", "text/rdf+n3", "application/n3"), ("n3",)),
)


def offers_for(kind: Kind) -> tuple[Offer, ...]:
    """The offers for ``results`` (SELECT, ASK) or ``graph`` (CONSTRUCT, DESCRIBE).

    Examples
    --------
    >>> [o.key for o in offers_for("results")]
    ['json', 'xml', 'csv', 'tsv']
    """
    if kind == "results":
        return RESULT_OFFERS
    if kind == "graph":
        return GRAPH_OFFERS
    raise ValueError(f"unknown result kind {kind!r}")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an ``Accept`` header into media ranges; malformed elements are skipped.

    Parameters
    ----------
    header : str or None
        The header value; ``None`` or blank means ``*/*``.

    Returns
    -------
    list of MediaRange
        In the order given. A bare ``*`` counts as ``*/*``; a q-value that is not a number
        between 0 and 1 drops its element.

    Examples
    --------
    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/csv;q=0.5, application/JSON")]
    [('text', 'csv', 0.5), ('application', 'json', 1.0)]
    >>> [(r.type, r.subtype) for r in parse_accept(None)]
    [('*', '*')]
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges: list[MediaRange] = []
    for index, element in enumerate(header.split(",")[:_MAX_RANGES]):
        media, *params = (p.strip() for p in element.split(";"))
        media = media.lower()
        if media == "*":
            media = "*/*"
        t, slash, s = media.partition("/")
        if not slash or not _TOKEN.match(t) or not _TOKEN.match(s) or (t == "*" and s != "*"):
            continue
        q = 1.0
        valid = True
        for param in params:
            name, eq, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    valid = False
                if not eq or not (0.0 <= q <= 1.0) or q != q:
                    valid = False
        if valid:
            ranges.append(MediaRange(t, s, q, index))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Offer]) -> Offer | None:
    """The best offer for an ``Accept`` header, or ``None`` if none is acceptable.

    Examples
    --------
    >>> negotiate("text/csv;q=0.9, application/sparql-results+xml", RESULT_OFFERS).key
    'xml'
    >>> negotiate("*/*", GRAPH_OFFERS).key
    'ttl'
    >>> negotiate("text/html", RESULT_OFFERS) is None
    True
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, int, int, int] | None = None
    chosen: Offer | None = None
    for order, offer in enumerate(offers):
        score = _score(offer, ranges)
        if score is None:
            continue
        q, specificity, own, index = score
        key = (q, specificity, own, -index, -order)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def _score(offer: Offer, ranges: Iterable[MediaRange]) -> tuple[float, int, int, int] | None:
    """(q, specificity, 1 if via its own media type, client index) of the best way ``offer``
    is accepted, or None."""
    ranges = list(ranges)
    best: tuple[float, int, int, int] | None = None
    for i, media in enumerate(offer.accepts):
        matching = [(r.specificity(media), r) for r in ranges if r.specificity(media)]
        if not matching:
            continue
        top = max(spec for spec, _ in matching)
        # The most specific ranges decide (RFC 9110); among equally specific, the highest q.
        decisive = max((r for spec, r in matching if spec == top), key=lambda r: (r.q, -r.index))
        if i == 0 and top == 3 and decisive.q == 0:
            return None  # the client refused this very media type
        if decisive.q <= 0:
            continue
        candidate = (decisive.q, top, int(i == 0), decisive.index)
        if best is None or (*candidate[:3], -candidate[3]) > (*best[:3], -best[3]):
            best = candidate
    return best


def choose_format(kind: Kind, accept: str | None, format_values: Sequence[str] = ()) -> Offer:
    """Pick the serialisation of a response from ``format=`` values and ``Accept``.

    Parameters
    ----------
    kind : {"results", "graph"}
        ``results`` for SELECT and ASK, ``graph`` for CONSTRUCT, DESCRIBE and the service
        description.
    accept : str or None
        The ``Accept`` header.
    format_values : sequence of str
        The ``format`` parameter(s); the first recognised one wins over ``Accept``.

    Returns
    -------
    Offer

    Raises
    ------
    ApiError
        406 ``unsupported_format`` when ``format=`` names nothing usable for this kind of
        result, or nothing in ``Accept`` is available; the body lists what is.

    Examples
    --------
    >>> choose_format("results", "text/tab-separated-values").key
    'tsv'
    >>> choose_format("graph", "text/turtle", ["xml"]).media_type
    'application/rdf+xml'
    """
    offers = offers_for(kind)
    values = [v.strip().lower() for v in format_values if v and v.strip()]
    if values:
        for value in values:
            media = value.split(";")[0].strip()
            for offer in offers:
                if value in offer.names or media in offer.accepts:
                    return offer
        raise ApiError(
            406,
            "unsupported_format",
            f"format={format_values[0]!r} is not available for {_what(kind)}; use one of "
            + ", ".join(o.names[0] for o in offers),
            available=[o.names[0] for o in offers],
        )
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise ApiError(
            406,
            "unsupported_format",
            f"Nothing in Accept: {accept!r} is available for {_what(kind)}. Available: "
            + ", ".join(o.accepts[0] for o in offers)
            + " (or pass format="
            + "|".join(o.names[0] for o in offers)
            + ").",
            available=[o.accepts[0] for o in offers],
        )
    return chosen


def _what(kind: Kind) -> str:
    return "SELECT and ASK results" if kind == "results" else "an RDF graph (CONSTRUCT, DESCRIBE, service description)"
