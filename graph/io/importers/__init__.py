"""Importers: claims sheets and the USGS MCS data release as sources, through the one upload path.

Each importer reads a CSV as text, maps it by a declarative mapping file beside this module
(``claims.toml``, ``usgs-mcs.toml``) and returns the source's graph; :func:`rekg.graph.io.sources.add_source`
then checks, validates and writes it like any uploaded RDF source.

Examples
--------
>>> sheet_kind(b"COMMODITY,COUNTRY,TYPE\\n"), sheet_kind(b"# title: x\\nsubject,relation,object\\n")
('usgs-mcs', 'claims')
"""

from __future__ import annotations

from rekg.graph.errors import SheetError
from rekg.graph.kg import KnowledgeGraph

from .claims import TEMPLATE_EXAMPLE, import_claims, relations, template
from .engine import XLSX_MEDIA_TYPE, Imported, RowProblem, Sheet, is_xlsx, read_csv, read_xlsx
from .usgs import import_usgs, is_usgs

__all__ = [
    "TEMPLATE_EXAMPLE",
    "Imported",
    "RowProblem",
    "import_claims",
    "import_sheet",
    "import_usgs",
    "read_sheet",
    "relations",
    "sheet_kind",
    "template",
]


def sheet_kind(data: bytes | Sheet, name: str = "<upload>") -> str:
    """``claims`` or ``usgs-mcs``, from the header of a CSV (or of a sheet already read).

    Raises
    ------
    SheetError
        If the header is neither a claims sheet's nor the data release's.
    """
    if isinstance(data, Sheet):
        header = data.header
    else:
        header = read_csv(data[:65536].rsplit(b"\n", 1)[0] + b"\n" if len(data) > 65536 else data, name).header
    if is_usgs(header):
        return "usgs-mcs"
    if "subject" in header and "relation" in header:
        return "claims"
    raise SheetError(
        f"{name}: a CSV source must be a claims sheet (header subject,relation,...; see `rekg template`) "
        "or the USGS MCS data release (header COMMODITY,COUNTRY,...)",
        file=name,
        problems=[RowProblem(None, None, f"unrecognised header: {', '.join(header[:10])}").to_dict()],
    )


def read_sheet(data: bytes, *, name: str = "<upload>", media_type: str | None = None) -> Sheet:
    """A CSV or an .xlsx workbook (by media type, else by its first bytes) read as text.

    Examples
    --------
    >>> read_sheet(b"subject,relation\\nLynas,operates\\n").rows
    [(2, {'subject': 'Lynas', 'relation': 'operates'})]
    """
    media = (media_type or "").split(";", 1)[0].strip().lower()
    if media == XLSX_MEDIA_TYPE or (not media.endswith("csv") and is_xlsx(data)):
        return read_xlsx(data, name)
    return read_csv(data, name)


def import_sheet(kg: KnowledgeGraph, data: bytes, *, name: str = "<upload>", media_type: str | None = None) -> Imported:
    """Map a claims sheet or data release (CSV or .xlsx, told apart by the header) to its source's statements.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> done = import_sheet(open_graph(validate_shapes=False), TEMPLATE_EXAMPLE.encode())
    >>> done.kind, len(done.graph) > 10
    ('claims', True)
    """
    sheet = read_sheet(data, name=name, media_type=media_type)
    kind = sheet_kind(sheet, name)
    return import_usgs(kg, sheet, name=name) if kind == "usgs-mcs" else import_claims(kg, sheet, name=name)
