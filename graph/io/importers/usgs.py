"""The USGS Mineral Commodity Summaries world data release, mapped by ``usgs-mcs.toml``.

Each row (a commodity in a country) gives statistics: production per year (estimated for the
``PROD_EST_`` columns) and reserves, with the unit from ``UNIT_MEAS`` (refined by ``TYPE``) and the
notes of the row. Statistic IRIs are built from the edition, indicator, year, material and country,
so importing the same release twice builds the same graph.

Examples
--------
>>> from rekg.graph import open_graph
>>> kg = open_graph(validate_shapes=False)
>>> head = "COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,RESERVES_2024\\n"
>>> row = 'Rare earths,Canada,Mine production: rare-earth-oxide equivalent,metric tons,—,"1,000",830000\\n'
>>> from rekg.graph.io.importers.engine import read_csv
>>> done = import_usgs(kg, read_csv((head + row).encode()))
>>> str(done.graph.identifier), len(list(done.graph.subjects(RDF.type, REKG.Statistic)))
('https://w3id.org/rekg/source/usgs-mcs-2025-world', 1)
"""

from __future__ import annotations

import re
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD
from rekg.graph.answers.names import resolve_name
from rekg.graph.errors import AmbiguousName, InvalidParameter, NodeNotFound, SheetError
from rekg.graph.kg import KnowledgeGraph
from rekg.ontology import REKG

from .engine import (
    Imported,
    RowProblem,
    Sheet,
    Triples,
    mapping,
    number_literal,
    out_of_range,
    parse_number,
    slug,
    vocabulary,
)

__all__ = ["import_usgs", "is_usgs"]

#: Readings of a name that are the same name, not a guess (fuzzy matches and dropped suffixes are guesses).
_SAME_NAME = {None, "diacritics", "punctuation", "spacing", "plural", "script"}
MAX_PROBLEMS = 200


def is_usgs(header: list[str]) -> bool:
    """Whether a CSV header is the data release's (it names the commodity and country columns).

    Examples
    --------
    >>> is_usgs(["COMMODITY", "COUNTRY", "PROD_2023"]), is_usgs(["subject", "relation"])
    (True, False)
    """
    cols = mapping("usgs-mcs")["columns"]
    return cols["commodity"] in header and cols["country"] in header


def _map(
    kg: KnowledgeGraph, name: str, table: dict[str, str], types: set[str], what: str
) -> tuple[str | None, RowProblem | None]:
    """``(iri, None)``, ``("skip", None)``, or ``(None, problem)`` for a commodity or country cell."""
    target = table.get(name, name)
    if target == "skip":
        return "skip", None
    try:
        iri, how = resolve_name(kg, target, types=types, what=what)
    except NodeNotFound as exc:
        return None, RowProblem(None, None, exc.detail, name, exc.suggestions)
    except AmbiguousName as exc:
        return None, RowProblem(None, None, exc.detail, name, list(exc.extra.get("suggestions", [])))
    except InvalidParameter as exc:
        return None, RowProblem(None, None, exc.detail, name)
    if how is not None and how.how not in _SAME_NAME:
        suggestion = [{"id": iri, "label": how.label}]
        return None, RowProblem(
            None,
            None,
            f"no {what} named {name!r} (closest: {how.label!r}; add the spelling to usgs-mcs.toml)",
            name,
            suggestion,
        )
    return iri, None


def import_usgs(kg: KnowledgeGraph, sheet: Sheet, *, name: str = "<upload>") -> Imported:
    """Map a USGS MCS world data release CSV to statistics in the release's source graph.

    Parameters
    ----------
    kg : KnowledgeGraph
        Commodities and countries are resolved against it; with ``merge_with_same_identifier``, the
        figures it already holds from the same release (the hand-made seed) are not written again.
    sheet : Sheet
    name : str

    Returns
    -------
    Imported
        ``skipped`` lists the rows left out on purpose (unknown commodities, "Other countries").

    Raises
    ------
    SheetError
        If a country cannot be mapped, a figure cell is not a number, or no year columns are found.
    """
    m = mapping("usgs-mcs")
    cols = m["columns"]
    problems: list[RowProblem] = []
    skipped: list[RowProblem] = []
    figure_cols: list[tuple[str, str, int, bool, str | None]] = []  # column, kind, year, estimated, notes
    for column in sheet.header:
        compact = re.sub(r"\s+", "", column)
        for spec in m["figures"]:
            hit = re.match(spec["pattern"], compact)
            if hit:
                est = bool(hit.groupdict().get("est"))
                figure_cols.append((column, spec["kind"], int(hit["year"]), est, spec.get("notes")))
    if not figure_cols:
        problems.append(RowProblem(sheet.header_row, None, "no figure columns (PROD_<year>, RESERVES_<year>) found"))
        raise _rejected(problems, name)
    edition = max(y for _, _, y, _, _ in figure_cols) + 1
    release = m["release"]
    local = release["id"].format(edition=edition)
    src = URIRef(str(kg.ns.source[local]))
    g = Triples(src)
    g.add((src, RDF.type, REKG.Source))
    title = release["title"].format(edition=edition)
    g.add((src, RDFS.label, Literal(f"USGS {title}", lang="en")))
    g.add((src, DCTERMS.title, Literal(title, lang="en")))
    g.add((src, DCTERMS.publisher, URIRef(kg.iri(release["publisher"]))))
    g.add((src, PROV.wasAttributedTo, URIRef(kg.iri(release["publisher"]))))
    if release.get("document"):
        g.add((src, PROV.wasDerivedFrom, URIRef(release["document"])))
    g.add((src, DCTERMS.date, Literal(release["date"].format(edition=edition), datatype=XSD.gYear)))
    g.add((src, REKG.sourceKind, URIRef(release["kind"])))
    g.add((src, DCTERMS.identifier, Literal(release["identifier"])))

    already = (
        _already_stated(kg, release["identifier"], str(src)) if release.get("merge_with_same_identifier") else set()
    )
    empty = set(m["cells"]["empty"])
    bounds: dict[str, str] = m["cells"]["bounds"]
    materials: dict[str, tuple[str | None, RowProblem | None]] = {}
    countries: dict[str, tuple[str | None, RowProblem | None]] = {}
    done = Imported(triples=g, kind="usgs-mcs", rows=len(sheet.rows), skipped=skipped)
    for row, cells in sheet.rows:
        commodity, country = cells.get(cols["commodity"], ""), cells.get(cols["country"], "")
        if commodity not in materials:
            materials[commodity] = _map(kg, commodity, m["commodities"], {str(REKG.Material)}, "material")
        material, trouble = materials[commodity]
        if material is None:
            if m["options"]["unknown_commodity"] == "skip":
                skipped.append(
                    RowProblem(row, cols["commodity"], f"unknown commodity {commodity!r}: row skipped", commodity)
                )
                continue
            problems.append(_at(trouble, row, cols["commodity"]))
            continue
        if country not in countries:
            countries[country] = _map(kg, country, m["countries"], {str(REKG.Actor)}, "country")
        actor, trouble = countries[country]
        if actor == "skip":
            skipped.append(RowProblem(row, cols["country"], f"{country!r} is not one country: row skipped", country))
            continue
        if actor is None:
            if m["options"]["unknown_country"] == "skip":
                skipped.append(RowProblem(row, cols["country"], f"unknown country {country!r}: row skipped", country))
            else:
                problems.append(_at(trouble, row, cols["country"]))
            continue
        kind_cell = cells.get(cols["type"], "")
        production_name, _, qualifier = kind_cell.partition(":")
        symbol = m["units"].get(cells.get(cols["unit"], "").strip().lower())
        if qualifier.strip() in m["units"]["qualifiers"]:
            symbol = m["units"]["qualifiers"][qualifier.strip()]
        unit = vocabulary().unit(symbol) if isinstance(symbol, str) else None  # a qudt:Unit of the ontology
        for column, kind, year, estimated, notes_col in figure_cols:
            cell = cells.get(column, "").strip()
            if cell in empty:
                continue
            value = parse_number(cell)
            if value is None:
                problems.append(
                    RowProblem(row, column, f"{cell!r} is not a figure (nor {', '.join(sorted(empty - {''}))})", cell)
                )
                continue
            if unit is None:
                problems.append(
                    RowProblem(
                        row,
                        cols["unit"],
                        f"unknown unit {cells.get(cols['unit'], '')!r} (not a unit the ontology declares)",
                        cells.get(cols["unit"]),
                    )
                )
                break
            indicator = m["indicators"].get(kind if kind == "reserves" else production_name.strip().lower())
            if indicator is None:
                skipped.append(
                    RowProblem(row, cols["type"], f"no indicator for {production_name!r}: figure skipped", kind_cell)
                )
                break
            if (why := out_of_range(indicator, value)) is not None:
                problems.append(RowProblem(row, column, why, cell))
                continue
            bound = bounds.get(cell[:1])
            key = (actor, indicator, material, str(year), Decimal(value))
            if key in already:
                done.merged += 1
                continue  # the same figure of the same release is in the graph already: merge, do not repeat
            ind_local = indicator.rsplit("#", 1)[1]
            stat = URIRef(
                kg.iri(f"stat-usgs-mcs{edition}-{slug(ind_local)}-{year}-{kg.local_id(material)}-{kg.local_id(actor)}")
            )
            done.node_rows[str(stat)] = row
            g.add((stat, RDF.type, REKG.Statistic))
            g.add((stat, REKG.subject, URIRef(actor)))
            g.add((stat, REKG.indicator, URIRef(indicator)))
            g.add((stat, REKG.material, URIRef(material)))
            g.add((stat, REKG.value, number_literal(value)))
            g.add((stat, REKG.unit, unit))
            g.add((stat, REKG.period, Literal(str(year), datatype=XSD.gYear)))
            g.add((stat, REKG.estimated, Literal(estimated or bound is not None)))
            note = " ".join(x for x in (f"USGS gives a {bound}." if bound else "", cells.get(notes_col or "", "")) if x)
            if note:
                g.add((stat, RDFS.comment, Literal(note, lang="en")))
    if problems:
        raise _rejected(problems, name)
    return done


def _at(problem: RowProblem | None, row: int, column: str) -> RowProblem:
    assert problem is not None
    return RowProblem(row, column, problem.reason, problem.value, problem.suggestions)


_ALREADY = """
SELECT ?s ?i ?m ?p ?v WHERE {
  GRAPH ?g { ?g dcterms:identifier ?id .
    ?stat a rekg:Statistic ; rekg:subject ?s ; rekg:indicator ?i ; rekg:material ?m ; rekg:period ?p ; rekg:value ?v . }
  FILTER(STR(?id) = ?want && STR(?g) != ?own)
}
"""


def _already_stated(kg: KnowledgeGraph, identifier: str, own: str) -> set[tuple[str, str, str, str, Decimal]]:
    """Figures other graphs of the same release state: (subject, indicator, material, year, value)."""
    found = set()
    query = _ALREADY.replace("?want", Literal(identifier).n3()).replace("?own", Literal(own).n3())
    for r in kg.select(query):
        found.add((r["s"], r["i"], r["m"], str(r["p"])[:4], Decimal(str(r["v"]))))
    return found


def _rejected(problems: list[RowProblem], name: str) -> SheetError:
    shown = "\n".join(f"  - {p}" for p in problems[:20])
    return SheetError(
        f"{name}: the data release was not imported; {len(problems)} problem(s):\n{shown}",
        file=name,
        problems=[p.to_dict() for p in problems[:MAX_PROBLEMS]],
    )
