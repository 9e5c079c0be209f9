"""Content negotiation: an Accept parser and the choice of a format from the registry.

The formats themselves (media types, ``format=`` names, their order of preference) are the
format registry, :mod:`rekg.graph.formats`; this module only chooses among them. Everything
here is a pure function of its arguments, so the parser is tested on its own
(``tests/api/test_negotiation.py``).

Rules:

* ``format=`` (``json``, ``xml``, ``csv``, ``tsv``, ``ttl``, ``nt``, ``nq``, ``trig``, ``jsonld``,
  ``rdfxml``, ``n3``, their usual aliases, or a media type) overrides ``Accept``. Clients
  such as SPARQLWrapper send it several times (``format=tsv&format=text/tab-separated-values``);
  the first recognised value wins and empty values are ignored.
* Otherwise the ``Accept`` header decides, with q-values (RFC 9110, 12.5.1): the most
  specific range that matches a media type gives its q; the offer with the highest q wins;
  ties go to the more specific match, then to the range the client listed first, then to
  the server's order (JSON for results and entities, Turtle for graphs). A missing or
  empty ``Accept`` means ``*/*``. ``q=0`` refuses a media type, and an offer whose own media
  type is refused is never chosen through another name.
* Nothing acceptable: ``406`` with the list of what is available.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rekg.graph.answers.entities import ENTITY_RDF_FORMATS
from rekg.graph.formats import GRAPH_FORMATS, PAGE_FORMATS, RESULT_FORMATS, Format

from .errors import ApiError

__all__ = [
    "ENTITY_OFFERS",
    "Kind",
    "MediaRange",
    "choose_format",
    "negotiate",
    "offers_for",
    "parse_accept",
]

#: What is being sent: SELECT/ASK results, an RDF graph, or one entity.
Kind = Literal["results", "graph", "entity"]
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


#: An entity: its JSON description first (what scripts get from ``*/*``), its page, its RDF.
ENTITY_OFFERS: tuple[Format, ...] = (PAGE_FORMATS["json"], PAGE_FORMATS["html"], *ENTITY_RDF_FORMATS.values())

_OFFERS: dict[str, tuple[Format, ...]] = {
    "results": tuple(RESULT_FORMATS.values()),
    "graph": tuple(GRAPH_FORMATS.values()),
    "entity": ENTITY_OFFERS,
}
_WHAT = {
    "results": "SELECT and ASK results",
    "graph": "an RDF graph (CONSTRUCT, DESCRIBE, service description)",
    "entity": "an entity",
}


def offers_for(kind: Kind) -> tuple[Format, ...]:
    """The formats offered for ``results`` (SELECT, ASK), a ``graph`` (CONSTRUCT, DESCRIBE) or an ``entity``.

    Examples
    --------
    >>> [o.key for o in offers_for("results")]
    ['json', 'xml', 'csv', 'tsv']
    >>> [o.key for o in offers_for("entity")]
    ['json', 'html', 'ttl', 'jsonld', 'trig', 'nt', 'nq']
    """
    try:
        return _OFFERS[kind]
    except KeyError:
        raise ValueError(f"unknown result kind {kind!r}") from None


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


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The best of ``offers`` (in the server's order of preference) for an ``Accept`` header.

    Returns ``None`` if none is acceptable.

    Examples
    --------
    >>> negotiate("text/csv;q=0.9, application/sparql-results+xml", offers_for("results")).key
    'xml'
    >>> negotiate("*/*", offers_for("graph")).key
    'ttl'
    >>> negotiate("application/json;q=0, */*", offers_for("entity")).key
    'html'
    >>> negotiate("text/html", offers_for("results")) is None
    True
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, int, int, int] | None = None
    chosen: Format | None = None
    for order, offer in enumerate(offers):
        score = _score(offer, ranges)
        if score is None:
            continue
        q, specificity, own, index = score
        key = (q, specificity, own, -index, -order)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def _score(offer: Format, ranges: Iterable[MediaRange]) -> tuple[float, int, int, int] | None:
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


def choose_format(kind: Kind, accept: str | None, format_values: Sequence[str] = ()) -> Format:
    """Pick the serialisation of a response from ``format=`` values and ``Accept``.

    Parameters
    ----------
    kind : {"results", "graph", "entity"}
        ``results`` for SELECT and ASK, ``graph`` for CONSTRUCT, DESCRIBE and the service
        description, ``entity`` for ``/entities/{id}``.
    accept : str or None
        The ``Accept`` header.
    format_values : sequence of str
        The ``format`` parameter(s); the first recognised one wins over ``Accept``.

    Returns
    -------
    Format
        Send the body with its ``content_type``.

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
    >>> choose_format("entity", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8").key
    'html'
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
            f"format={format_values[0]!r} is not available for {_WHAT[kind]}; use one of "
            + ", ".join(o.names[0] for o in offers),
            available=[o.names[0] for o in offers],
        )
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise ApiError(
            406,
            "unsupported_format",
            f"Nothing in Accept: {accept!r} is available for {_WHAT[kind]}. Available: "
            + ", ".join(o.accepts[0] for o in offers)
            + " (or pass format="
            + "|".join(o.names[0] for o in offers)
            + ").",
            available=[o.accepts[0] for o in offers],
        )
    return chosen
