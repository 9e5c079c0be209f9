"""The format registry: every serialisation rekg reads or writes, in one table.

Each :class:`Format` says once what the rest of the code needs about a serialisation: its
short name and the other names ``format=`` takes, its media type and the other media types
that select it in ``Accept``, its file extensions, the pyoxigraph format that reads and
writes it, whether it keeps named graphs, the W3C IRI the service description lists, and
the rdflib parser for uploaded sources. Every other table (negotiation offers, file
extensions, export and upload formats, the remote store's ``Accept`` headers) is a view of
:data:`FORMATS` computed here or by its caller.

There are three kinds:

* ``results``: SELECT and ASK results (SPARQL JSON, XML, CSV, TSV);
* ``graph``: RDF (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, N3);
* ``page``: what the API renders itself for people and scripts (HTML, JSON);
* ``sheet``: CSV sources the importers map to RDF (a claims sheet, the USGS MCS data release), told
  apart by their header, since both come as ``text/csv``.

The order of the table is the server's order of preference within a kind: the first format
of a kind is the default answer to ``Accept: */*`` and wins ties.

Examples
--------
>>> RESULT_FORMATS["csv"].content_type
'text/csv; charset=utf-8'
>>> format_for("dump.nq").name
'N-Quads'
>>> [f.key for f in DATA_FORMATS.values() if f.quads]
['nq', 'trig', 'jsonld']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
from rekg.graph.errors import UnsupportedFormat

__all__ = [
    "DATA_FORMATS",
    "FILE_FORMATS",
    "FORMATS",
    "GRAPH_FORMATS",
    "NOT_XML_CHARS",
    "PAGE_FORMATS",
    "REPLACEMENT",
    "RESULT_FORMATS",
    "SHEET_FORMATS",
    "Format",
    "Kind",
    "accept_header",
    "for_media_type",
    "format_for",
    "formats_of",
    "pick",
    "rdf_format",
    "results_format",
    "xml_safe",
    "xml_safe_bytes",
]

Kind = Literal["results", "graph", "page", "sheet"]

_W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation.

    Attributes
    ----------
    key : str
        Its short name, unique within its kind (``ttl``); the first value of ``format=`` that selects it.
    kind : {"results", "graph", "page"}
        SELECT/ASK results, RDF, or a page the API renders.
    media_type : str
        The media type it is sent as, without parameters.
    aliases : tuple of str
        More values of ``format=`` that select it.
    also_accepts : tuple of str
        More media types that select it in ``Accept`` (and that a server may answer with).
    legacy_media_types : tuple of str
        Older media types still met in answers (N-Triples as ``text/plain``): read, never offered.
    extensions : tuple of str
        File extensions, with the dot; the first is the one written. Only formats with an
        extension are data-file formats (loaded, uploaded, exported).
    rdf, results : pyoxigraph format, optional
        The pyoxigraph format that reads and writes it (``rdf`` for graphs, ``results`` for results).
    iri : str, optional
        Its W3C format IRI (http://www.w3.org/ns/formats/), for ``sd:resultFormat``.
    rdflib : str, optional
        The rdflib parser name, for uploaded sources (which rdflib validates).
    """

    key: str
    kind: Kind
    media_type: str
    aliases: tuple[str, ...] = ()
    also_accepts: tuple[str, ...] = ()
    legacy_media_types: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    iri: str | None = None
    rdflib: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The values of ``format=`` that select it, its key first."""
        return (self.key, *self.aliases)

    @property
    def accepts(self) -> tuple[str, ...]:
        """The media types that select it in ``Accept``, its own first."""
        return (self.media_type, *self.also_accepts)

    @property
    def text(self) -> bool:
        """Whether it is a ``text/*`` type, which HTTP sends with ``charset=utf-8``."""
        return self.media_type.startswith("text/")

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header it is sent with.

        Examples
        --------
        >>> GRAPH_FORMATS["ttl"].content_type, GRAPH_FORMATS["nt"].content_type
        ('text/turtle; charset=utf-8', 'application/n-triples')
        """
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def quads(self) -> bool:
        """Whether it keeps named graphs (N-Quads, TriG, JSON-LD), so the source of each statement."""
        return self.rdf is not None and self.rdf.supports_datasets

    @property
    def extension(self) -> str:
        """The extension files in this format are written with (``.ttl``); empty if none."""
        return self.extensions[0] if self.extensions else ""


#: The table. Within a kind, the order is the server's preference (see the module documentation).
FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "results",
        "application/sparql-results+json",
        aliases=("srj",),
        also_accepts=("application/json",),
        results=ox.QueryResultsFormat.JSON,
        iri=_W3C + "SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "results",
        "application/sparql-results+xml",
        aliases=("srx",),
        also_accepts=("application/xml", "text/xml"),
        results=ox.QueryResultsFormat.XML,
        iri=_W3C + "SPARQL_Results_XML",
    ),
    Format("csv", "results", "text/csv", results=ox.QueryResultsFormat.CSV, iri=_W3C + "SPARQL_Results_CSV"),
    Format(
        "tsv",
        "results",
        "text/tab-separated-values",
        results=ox.QueryResultsFormat.TSV,
        iri=_W3C + "SPARQL_Results_TSV",
    ),
    Format(
        "ttl",
        "graph",
        "text/turtle",
        aliases=("turtle",),
        also_accepts=("application/x-turtle", "application/turtle"),
        extensions=(".ttl",),
        rdf=ox.RdfFormat.TURTLE,
        iri=_W3C + "Turtle",
        rdflib="turtle",
    ),
    Format(
        "nt",
        "graph",
        "application/n-triples",
        aliases=("ntriples", "n-triples"),
        legacy_media_types=("text/plain",),
        extensions=(".nt",),
        rdf=ox.RdfFormat.N_TRIPLES,
        iri=_W3C + "N-Triples",
        rdflib="nt",
    ),
    Format(
        "nq",
        "graph",
        "application/n-quads",
        aliases=("nquads", "n-quads"),
        also_accepts=("text/x-nquads",),
        extensions=(".nq",),
        rdf=ox.RdfFormat.N_QUADS,
        iri=_W3C + "N-Quads",
        rdflib="nquads",
    ),
    Format(
        "trig",
        "graph",
        "application/trig",
        also_accepts=("application/x-trig",),
        extensions=(".trig",),
        rdf=ox.RdfFormat.TRIG,
        iri=_W3C + "TriG",
        rdflib="trig",
    ),
    Format(
        "jsonld",
        "graph",
        "application/ld+json",
        aliases=("json-ld", "json"),
        also_accepts=("application/json",),
        extensions=(".jsonld",),
        rdf=ox.RdfFormat.JSON_LD,
        iri=_W3C + "JSON-LD",
        rdflib="json-ld",
    ),
    Format(
        "rdfxml",
        "graph",
        "application/rdf+xml",
        aliases=("rdf+xml", "rdf", "xml", "owl"),
        also_accepts=("application/xml", "text/xml"),
        extensions=(".rdf", ".owl"),
        rdf=ox.RdfFormat.RDF_XML,
        iri=_W3C + "RDF_XML",
        rdflib="xml",
    ),
    # No file extension: N3 is written as a query result only; its formulas are not RDF data.
    Format(
        "n3",
        "graph",
        "text/n3",
        also_accepts=("text/rdf+n3", "application/n3"),
        rdf=ox.RdfFormat.N3,
        iri=_W3C + "N3",
    ),
    # JSON before HTML: a client that accepts anything is a script more often than a browser.
    Format("json", "page", "application/json"),
    Format("html", "page", "text/html", also_accepts=("application/xhtml+xml",)),
    # CSV sources (rekg.graph.io.importers): the same media type and extension, told apart by the header.
    Format("claims", "sheet", "text/csv", also_accepts=("application/csv",), extensions=(".csv",)),
    Format("usgs-mcs", "sheet", "text/csv", also_accepts=("application/csv",), extensions=(".csv",)),
    # A claims sheet (or data release) as an Excel workbook: its first worksheet, read as text.
    Format("xlsx", "sheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", extensions=(".xlsx",)),
)


def formats_of(kind: Kind) -> tuple[Format, ...]:
    """The formats of one kind, in the server's order of preference.

    Examples
    --------
    >>> [f.key for f in formats_of("results")]
    ['json', 'xml', 'csv', 'tsv']
    """
    found = tuple(f for f in FORMATS if f.kind == kind)
    if not found:
        raise ValueError(f"unknown kind of format {kind!r}")
    return found


def pick(kind: Kind, *keys: str) -> dict[str, Format]:
    """Some formats of one kind by key, in the order given (a feature that offers only these).

    Raises
    ------
    KeyError
        If a key is not a format of that kind (a programming error).

    Examples
    --------
    >>> list(pick("graph", "ttl", "nq"))
    ['ttl', 'nq']
    """
    of_kind = {f.key: f for f in formats_of(kind)}
    return {key: of_kind[key] for key in keys}


#: SELECT and ASK results by key.
RESULT_FORMATS: dict[str, Format] = {f.key: f for f in formats_of("results")}
#: RDF formats by key (CONSTRUCT and DESCRIBE results, the service description, exports).
GRAPH_FORMATS: dict[str, Format] = {f.key: f for f in formats_of("graph")}
#: The API's own renderings by key.
PAGE_FORMATS: dict[str, Format] = {f.key: f for f in formats_of("page")}
#: CSV sources by key (uploads and ``rekg ingest``; read by :mod:`rekg.graph.io.importers`).
SHEET_FORMATS: dict[str, Format] = {f.key: f for f in formats_of("sheet")}
#: The RDF formats of data files (``--data``, ``rekg load``, uploads, exports): those with an extension.
DATA_FORMATS: dict[str, Format] = {f.key: f for f in GRAPH_FORMATS.values() if f.extensions}
#: The same by file extension.
FILE_FORMATS: dict[str, Format] = {ext: f for f in DATA_FORMATS.values() for ext in f.extensions}


def format_for(path: str | Path) -> ox.RdfFormat:
    """The RDF format of a data file, from its extension.

    Parameters
    ----------
    path : str or Path
        A file name ending in one of the extensions of :data:`FILE_FORMATS`
        (.ttl, .nt, .nq, .trig, .jsonld, .rdf or .owl).

    Returns
    -------
    pyoxigraph.RdfFormat

    Raises
    ------
    UnsupportedFormat
        If the extension is not one of :data:`FILE_FORMATS`.

    Examples
    --------
    >>> format_for("extra/mines.ttl").name
    'Turtle'
    >>> format_for("notes.txt")
    Traceback (most recent call last):
    ...
    rekg.graph.errors.UnsupportedFormat: notes.txt: unknown RDF file extension '.txt'; use one of .ttl, .nt, .nq, ...
    """
    suffix = Path(path).suffix.lower()
    found = FILE_FORMATS.get(suffix)
    if found is None or found.rdf is None:
        raise UnsupportedFormat(
            f"{Path(path).name}: unknown RDF file extension {suffix or '(none)'!r}; "
            f"use one of {', '.join(FILE_FORMATS)}"
        )
    return found.rdf


def for_media_type(media_type: str, candidates: Iterable[Format]) -> Format | None:
    """The first of ``candidates`` that a ``Content-Type`` names (parameters and case ignored).

    Any media type that selects a format counts, legacy names included.

    Examples
    --------
    >>> for_media_type("text/plain; charset=utf-8", GRAPH_FORMATS.values()).key
    'nt'
    >>> for_media_type("application/json", [*RESULT_FORMATS.values(), *GRAPH_FORMATS.values()]).kind
    'results'
    >>> for_media_type("image/png", GRAPH_FORMATS.values()) is None
    True
    """
    media = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in candidates if media in f.accepts or media in f.legacy_media_types), None)


def accept_header(preferred: Sequence[Format]) -> str:
    """An ``Accept`` header asking for ``preferred``, most wanted first (q falls by 0.1 a step).

    Examples
    --------
    >>> accept_header([GRAPH_FORMATS["nt"], GRAPH_FORMATS["ttl"], GRAPH_FORMATS["rdfxml"]])
    'application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8'
    """
    if not 0 < len(preferred) <= 10:
        raise ValueError("an Accept header here names between 1 and 10 formats")
    return ", ".join(f.media_type if i == 0 else f"{f.media_type};q={(10 - i) / 10:g}" for i, f in enumerate(preferred))


def _one_of(keys: Sequence[str]) -> str:
    return f"{', '.join(keys[:-1])} or {keys[-1]}"


def results_format(key: str, what: str) -> ox.QueryResultsFormat:
    """The pyoxigraph writer of the results format ``key``, for ``what`` (named in the error).

    Raises
    ------
    UnsupportedFormat
        If ``key`` is not a results format.

    Examples
    --------
    >>> results_format("csv", "a SELECT").name
    'SPARQL Results in CSV'
    """
    found = RESULT_FORMATS.get(key)
    if found is None or found.results is None:
        raise UnsupportedFormat(f"{what} result cannot be written as {key}; use {_one_of(list(RESULT_FORMATS))}")
    return found.results


def rdf_format(key: str, what: str) -> ox.RdfFormat:
    """The pyoxigraph writer of the RDF format ``key``, for ``what`` (named in the error).

    Raises
    ------
    UnsupportedFormat
        If ``key`` is not an RDF format.

    Examples
    --------
    >>> rdf_format("ttl", "a CONSTRUCT result").name
    'Turtle'
    """
    found = GRAPH_FORMATS.get(key)
    if found is None or found.rdf is None:
        raise UnsupportedFormat(f"{what} cannot be written as {key}; use {_one_of(list(GRAPH_FORMATS))}")
    return found.rdf


#: Characters XML 1.0 cannot carry, not even as character references: C0 controls other than
#: tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. One of them in a label makes every XML
#: writer (GEXF, GraphML, RDF/XML, SPARQL XML results) produce a document no parser reads, so
#: uploads may not hold them and every XML writer replaces them.
NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: U+FFFD, the replacement character: what the XML writers put for a character XML cannot carry.
REPLACEMENT = "\ufffd"
# The same characters in UTF-8 output: C0 bytes never occur inside a multi-byte sequence, U+FFFE and
# U+FFFF are EF BF BE / EF BF BF, and a UTF-8 writer cannot produce lone surrogates.
_NOT_XML_UTF8 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def xml_safe(text: str) -> str:
    r"""``text`` with every character XML 1.0 cannot carry (even escaped) replaced by U+FFFD.

    Examples
    --------
    >>> xml_safe("Dy\x01\x08 oxide\ufffe") == "Dy\ufffd\ufffd oxide\ufffd"
    True
    >>> xml_safe("tab\tand\nnewline") == "tab\tand\nnewline"
    True
    """
    return NOT_XML_CHARS.sub(REPLACEMENT, text)


def xml_safe_bytes(body: bytes) -> bytes:
    r""":func:`xml_safe` for a UTF-8 XML document another writer produced (pyoxigraph's RDF/XML, SPARQL XML).

    Examples
    --------
    >>> xml_safe_bytes("<a>Dy\x01\ufffe</a>".encode()) == "<a>Dy\ufffd\ufffd</a>".encode()
    True
    """
    return _NOT_XML_UTF8.sub(REPLACEMENT.encode(), body)
