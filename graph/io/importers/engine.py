"""The small engine under the importers: CSV reading, mapping files, cells, vocabulary and row problems.

The mappings themselves are data (``claims.toml``, ``usgs-mcs.toml`` beside this module); this module
reads them and offers what both importers need: the sheet as rows numbered as a spreadsheet shows them,
numbers and dates read strictly, terms of the ontology looked up by label or local name, and one
:class:`RowProblem` type for the report.

Examples
--------
>>> sheet = read_csv(b"# title: A note\\nsubject,relation\\nLynas,operates\\n")
>>> sheet.meta, sheet.header, sheet.rows
({'title': 'A note'}, ['subject', 'relation'], [(3, {'subject': 'Lynas', 'relation': 'operates'})])
>>> parse_number("1,900,000"), parse_number(">90,000,000")
(Decimal('1900000'), Decimal('90000000'))
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD, Namespace
from rekg.graph.errors import SeedError
from rekg.graph.results import Result
from rekg.ontology import REKG, ontology_graph

__all__ = [
    "XLSX_MEDIA_TYPE",
    "Imported",
    "RowProblem",
    "Sheet",
    "Triples",
    "Vocabulary",
    "is_xlsx",
    "key",
    "mapping",
    "nt",
    "number_literal",
    "out_of_range",
    "parse_date",
    "parse_number",
    "read_csv",
    "read_xlsx",
    "slug",
    "vocabulary",
]

#: QUDT's schema namespace (``qudt:Unit``, ``qudt:symbol``): units are individuals of the ontology.
QUDT = Namespace("http://qudt.org/schema/qudt/")

#: Rows a sheet may have: a bound on memory before any work (the body cap bounds uploads; files too).
MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class RowProblem(Result):
    """One thing wrong with (or skipped in) one row of a sheet."""

    row: int | None
    """Line number in the file as a spreadsheet shows it (the header block and header count); None for the file."""
    column: str | None
    """The column the problem is in, as the header names it."""
    reason: str
    """What is wrong, in words."""
    value: str | None = None
    """The cell as written."""
    suggestions: list[dict] = field(default_factory=list)
    """Close matches for an unknown or ambiguous name (``id``, ``label``)."""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        col = f", column {self.column}" if self.column else ""
        return f"{where}{col}: {self.reason}"


@dataclass
class Sheet:
    """A CSV read as text: the ``# key: value`` lines above the header, the header and the numbered rows."""

    meta: dict[str, str]
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    header_row: int = 1


_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt(term: URIRef | Literal) -> str:
    """An rdflib IRI or literal in N-Triples syntax (the store parses and checks it).

    Examples
    --------
    >>> nt(URIRef("https://example.org/x")), nt(Literal('say "hi"', lang="en")), nt(Literal(5))
    ('<https://example.org/x>', '"say \\\\"hi\\\\""@en', '"5"^^<http://www.w3.org/2001/XMLSchema#integer>')
    """
    if isinstance(term, Literal):
        text = str(term).translate(_ESCAPE)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None and term.datatype != XSD.string:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return f"<{term}>"


class Triples:
    """An import's statements as N-Triples lines, in order and without repeats.

    Adding to an rdflib ``Graph`` costs tens of microseconds a triple; a 100k-row sheet makes
    half a million. The lines go to the store's own parser once, which checks every term.

    Examples
    --------
    >>> g = Triples(URIRef("https://example.org/g"))
    >>> g.add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("x")))
    >>> g.add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("x")))
    >>> len(g), g.text()
    (1, b'<https://example.org/a> <https://example.org/p> "x" .\\n')
    """

    def __init__(self, identifier: URIRef) -> None:
        self.identifier = identifier
        self.lines: dict[str, None] = {}

    def add(self, triple: tuple[URIRef, URIRef, URIRef | Literal]) -> None:
        s, p, o = triple
        self.lines[f"{nt(s)} {nt(p)} {nt(o)} .\n"] = None

    def __len__(self) -> int:
        return len(self.lines)

    def text(self) -> bytes:
        """The statements as an N-Triples document."""
        return "".join(self.lines).encode()


@dataclass
class Imported:
    """What an importer made of a sheet: the source's statements and where each node came from."""

    triples: Triples
    """The source's named graph as N-Triples lines (its identifier is the source IRI)."""
    kind: str
    """``claims`` or ``usgs-mcs``."""
    rows: int
    """Data rows read."""
    node_rows: dict[str, int] = field(default_factory=dict)
    """Row of each node the importer minted or described, for SHACL problems."""
    skipped: list[RowProblem] = field(default_factory=list)
    """Rows left out on purpose (unknown commodity, "Other countries"), each with its reason."""
    merged: int = 0
    """Figures left out because another graph of the same release states them already."""

    @property
    def graph(self) -> Graph:
        """The statements as an rdflib graph named by the source IRI (built on each call: slow for big sheets)."""
        g = Graph(identifier=self.triples.identifier)
        g.parse(data=self.triples.text(), format="nt")
        return g


def read_csv(data: bytes, name: str = "<upload>") -> Sheet:
    """Read a CSV as text: never evaluated, so a formula cell (``=SUM(A1)``) stays the text it is.

    Lines starting with ``#`` before the header are ``key: value`` metadata; later lines starting with
    ``#`` are comments. Blank rows are skipped. Row numbers count every line, as a spreadsheet does.

    Raises
    ------
    SeedError
        If the file is not UTF-8, has no header, or has more than :data:`MAX_ROWS` rows.

    Examples
    --------
    >>> read_csv("\\ufeffA,B\\n=1+1,\\"2,5\\"\\n".encode()).rows
    [(2, {'A': '=1+1', 'B': '2,5'})]
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedError(f"{name}: a CSV sheet must be UTF-8 (byte {exc.start} is not)", file=name) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    return _sheet(((reader.line_num, cells) for cells in reader), name)


#: The media type of an .xlsx workbook.
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_xlsx(data: bytes) -> bool:
    """Whether ``data`` looks like an .xlsx workbook (a ZIP archive), not a CSV.

    Examples
    --------
    >>> is_xlsx(b"PK\\x03\\x04..."), is_xlsx(b"subject,relation\\n")
    (True, False)
    """
    return data[:4] == b"PK\x03\x04"


def _cell_text(value: object) -> str:
    """An .xlsx cell as the text a CSV would hold: formulas as written, days as YYYY-MM-DD, whole numbers plain."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, name: str = "<upload>") -> Sheet:
    """Read the first worksheet of an .xlsx workbook as text, like :func:`read_csv`.

    The workbook is opened read-only (streamed) and with ``data_only=False``: a formula cell is
    read as the formula's text (``=SUM(A1:A3)``), never evaluated, and cached results are ignored.
    Row numbers are the worksheet's.

    Raises
    ------
    SeedError
        If the file is not a readable workbook, has no header, or has more than :data:`MAX_ROWS` rows.
    """
    import zipfile

    import openpyxl  # only needed for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SeedError(f"{name}: not a readable .xlsx workbook ({exc})", file=name) from None
    try:
        if not book.worksheets:
            raise SeedError(f"{name}: the workbook has no worksheet", file=name)
        rows = book.worksheets[0].iter_rows(min_row=1, values_only=True)
        return _sheet(((n, _trimmed([_cell_text(v) for v in values])) for n, values in enumerate(rows, start=1)), name)
    finally:
        book.close()


def _trimmed(cells: list[str]) -> list[str]:
    """A worksheet row without its trailing empty cells (a CSV line has none)."""
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _sheet(lines: Iterable[tuple[int, list[str]]], name: str) -> Sheet:
    """Metadata lines, header and numbered rows from ``(line number, cells)`` pairs."""
    meta: dict[str, str] = {}
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        first = cells[0].lstrip()
        if first.startswith("#"):
            if header is None:
                k, sep, v = ",".join(cells).lstrip()[1:].partition(":")
                if sep and k.strip():
                    meta[k.strip().lower()] = v.strip()
            continue
        if header is None:
            header = [c.strip() for c in cells]
            header_row = line
            named = [(i, h) for i, h in enumerate(header) if h]
            continue
        if len(rows) >= MAX_ROWS:
            raise SeedError(f"{name}: more than {MAX_ROWS} rows; split the sheet", file=name)
        if len(cells) >= len(header):
            rows.append((line, {h: cells[i].strip() for i, h in named}))
        else:
            rows.append((line, {h: (cells[i].strip() if i < len(cells) else "") for i, h in named}))
    if header is None:
        raise SeedError(f"{name}: the sheet has no header row", file=name)
    return Sheet(meta, header, rows, header_row)


@lru_cache(maxsize=4)
def mapping(name: str) -> dict[str, Any]:
    """A mapping file of this package, parsed (``claims`` or ``usgs-mcs``).

    Examples
    --------
    >>> mapping("usgs-mcs")["columns"]["country"]
    'COUNTRY'
    """
    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


_NUMBER = re.compile(r"^[<>]?\s*[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_number(cell: str) -> Decimal | None:
    """A figure as written in a sheet (thousands separators, a leading ``>`` or ``<``); None if it is not one.

    Examples
    --------
    >>> parse_number("45,000"), parse_number("0.5"), parse_number("=1+1"), parse_number("1,00")
    (Decimal('45000'), Decimal('0.5'), None, None)
    """
    cell = cell.strip()
    if not _NUMBER.match(cell):
        return None
    try:
        return Decimal(cell.lstrip("<>").strip().replace(",", ""))
    except InvalidOperation:
        return None


def out_of_range(indicator: URIRef | str, value: Decimal) -> str | None:
    """Why ``value`` cannot be a figure of ``indicator`` (``rekg:minValue``, ``rekg:maxValue``); None if it can.

    Examples
    --------
    >>> out_of_range(REKG.MineProduction, Decimal("-500"))
    'a mine production figure is at least 0; got -500'
    >>> out_of_range(REKG.ShareOfMining, Decimal("250")), out_of_range(REKG.ExportChange, Decimal("-24.6"))
    ('a share of world mining figure is at most 100; got 250', None)
    """
    low, high, label = _bounds(str(indicator))
    if low is not None and value < low:
        return f"a {label} figure is at least {low:f}; got {value:f}"
    if high is not None and value > high:
        return f"a {label} figure is at most {high:f}; got {value:f}"
    return None


@lru_cache(maxsize=64)
def _bounds(indicator: str) -> tuple[Decimal | None, Decimal | None, str]:
    g, node = ontology_graph(), URIRef(indicator)
    low, high = g.value(node, REKG.minValue), g.value(node, REKG.maxValue)
    label = str(g.value(node, RDFS.label) or indicator)
    return (
        None if low is None else Decimal(str(low)).normalize(),
        None if high is None else Decimal(str(high)).normalize(),
        label,
    )


def number_literal(value: Decimal) -> Literal:
    """A figure as the seeds write it: ``xsd:integer`` when whole, else ``xsd:decimal``.

    Examples
    --------
    >>> number_literal(Decimal("31000")).n3(), number_literal(Decimal("0.5")).n3()
    ('"31000"^^<http://www.w3.org/2001/XMLSchema#integer>', '"0.5"^^<http://www.w3.org/2001/XMLSchema#decimal>')
    """
    if value == value.to_integral_value():
        return Literal(int(value), datatype=XSD.integer)
    return Literal(value, datatype=XSD.decimal)


def parse_date(cell: str) -> Literal | None:
    """A date, month or year cell as a typed literal (``xsd:date``, ``xsd:gYearMonth``, ``xsd:gYear``).

    Examples
    --------
    >>> [str(parse_date(c).datatype).split("#")[1] for c in ("2025-11-10", "2025-11", "2025")]
    ['date', 'gYearMonth', 'gYear']
    >>> parse_date("10/11/2025") is None, parse_date("2025-02-30") is None
    (True, True)
    """
    cell = cell.strip()
    if re.fullmatch(r"\d{4}", cell):
        return Literal(cell, datatype=XSD.gYear)
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", cell):
        return Literal(cell, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        try:
            return Literal(date.fromisoformat(cell))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """How relation, class and unit names are compared: case, spaces, hyphens and underscores ignored.

    Examples
    --------
    >>> key("locatedIn") == key("Located in") == key("located_in")
    True
    """
    return re.sub(r"[\s_\-]+", "", text).lower()


def slug(text: str) -> str:
    """A lower-case hyphenated id for an IRI (the modelling guide's slugs).

    Examples
    --------
    >>> slug("Lanthanide Weekly: Kuantan plant, 2025!")
    'lanthanide-weekly-kuantan-plant-2025'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or "x"


@dataclass(frozen=True)
class Vocabulary:
    """The ontology's terms by :func:`key` of their labels and local names."""

    properties: dict[str, URIRef]
    object_properties: frozenset[URIRef]
    ranges: dict[URIRef, URIRef]
    domains: dict[URIRef, URIRef]
    classes: dict[str, URIRef]
    individuals: dict[URIRef, dict[str, URIRef]]
    """Named individuals of each vocabulary class (indicators, statuses, source kinds) by key."""
    superclasses: dict[URIRef, frozenset[URIRef]]
    functional: frozenset[URIRef] = frozenset()
    """Properties with one value per subject (``owl:FunctionalProperty``)."""
    units: dict[str, URIRef] = field(default_factory=dict)
    """The ``qudt:Unit`` individuals the ontology declares, by :func:`key` of their symbol, label and local name."""

    def unit(self, name: str) -> URIRef | None:
        """The unit IRI a symbol or name stands for (``t REO``, ``%``, ``percent``), or None.

        Examples
        --------
        >>> vocabulary().unit("%") == vocabulary().unit("percent") is not None
        True
        """
        return self.units.get(key(name))

    def individual(self, cls: URIRef, name: str) -> URIRef | None:
        return self.individuals.get(cls, {}).get(key(name))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The ontology's properties, classes and vocabulary individuals, read once.

    Examples
    --------
    >>> v = vocabulary()
    >>> v.properties[key("located in")] == REKG.locatedIn, v.classes[key("export control")] == REKG.ExportControl
    (True, True)
    >>> v.individual(REKG.Indicator, "Mine production") == REKG.MineProduction
    True
    """
    onto = ontology_graph()

    def names(term: URIRef) -> set[str]:
        found = {key(str(term).rsplit("#", 1)[-1])}
        found |= {key(str(label)) for label in onto.objects(term, RDFS.label)}
        return found

    properties: dict[str, URIRef] = {}
    objects: set[URIRef] = set()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in onto.subjects(RDF.type, kind):
            if isinstance(p, URIRef) and str(p).startswith(str(REKG)):
                properties.update(dict.fromkeys(names(p), p))
                if kind == OWL.ObjectProperty:
                    objects.add(p)
    classes = {k: c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) for k in sorted(names(c))}
    supers: dict[URIRef, frozenset[URIRef]] = {}
    for c in set(classes.values()):
        found = {c}
        todo = [c]
        while todo:
            for s in onto.objects(todo.pop(), RDFS.subClassOf):
                if isinstance(s, URIRef) and s not in found:
                    found.add(s)
                    todo.append(s)
        supers[c] = frozenset(found)
    units: dict[str, URIRef] = {}
    for u in onto.subjects(RDF.type, QUDT.Unit):
        if isinstance(u, URIRef):
            for k in names(u) | {key(str(s)) for s in onto.objects(u, QUDT.symbol)} | {key(str(u).rsplit("/", 1)[-1])}:
                units.setdefault(k, u)
    individuals: dict[URIRef, dict[str, URIRef]] = {}
    for cls in (REKG.Indicator, REKG.MeasureStatus, REKG.FacilityStatus, REKG.SourceKind, REKG.Stage):
        individuals[cls] = {k: i for i in onto.subjects(RDF.type, cls) if isinstance(i, URIRef) for k in names(i)}
    return Vocabulary(
        properties=properties,
        object_properties=frozenset(objects),
        ranges={p: r for p, r in onto.subject_objects(RDFS.range) if isinstance(p, URIRef) and isinstance(r, URIRef)},
        domains={p: d for p, d in onto.subject_objects(RDFS.domain) if isinstance(p, URIRef) and isinstance(d, URIRef)},
        classes=classes,
        individuals=individuals,
        superclasses=supers,
        functional=frozenset(p for p in onto.subjects(RDF.type, OWL.FunctionalProperty) if isinstance(p, URIRef)),
        units=units,
    )
