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
from .engine import Imported, RowProblem, read_csv
from .usgs import import_usgs, is_usgs

__all__ = [
    "TEMPLATE_EXAMPLE",
    "Imported",
    "RowProblem",
    "import_claims",
    "import_sheet",
    "import_usgs",
    "relations",
    "sheet_kind",
    "template",
]


def sheet_kind(data: bytes, name: str = "<upload>") -> str:
    """``claims`` or ``usgs-mcs``, from the header of a CSV.

    Raises
    ------
    SheetError
        If the header is neither a claims sheet's nor the data release's.
    """
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


def import_sheet(kg: KnowledgeGraph, data: bytes, *, name: str = "<upload>") -> Imported:
    """Map a CSV (claims sheet or data release, told apart by its header) to its source's graph.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> done = import_sheet(open_graph(validate_shapes=False), TEMPLATE_EXAMPLE.encode())
    >>> done.kind, len(done.graph) > 10
    ('claims', True)
    """
    kind = sheet_kind(data, name)
    sheet = read_csv(data, name)
    return import_usgs(kg, sheet, name=name) if kind == "usgs-mcs" else import_claims(kg, sheet, name=name)
