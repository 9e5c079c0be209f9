"""rekg suppliers, measures, agreements, timeline, search, entity: the analyst questions as Rich tables."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from ._app import app
from .common import console, load_kg, reported_errors

if TYPE_CHECKING:
    from rekg.graph.results import Result


class Output(StrEnum):
    table = "table"
    json = "json"


_FORMAT = typer.Option("--format", "-f", help="table (readable) or json (the API's shape).")


def _json(answer: Result) -> None:
    """The answer exactly as the HTTP API sends it."""
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))


def _evidence(answer: Result) -> None:
    """The answer's evidence note, under its table: what it rests on and how fresh that is."""
    for how in getattr(answer, "resolved_from", []):
        console.print(f"read {how.what} {how.typed!r} as {how.label} ({how.how})", style="dim", highlight=False)
    evidence = getattr(answer, "evidence", None)
    if evidence is not None:
        style = "yellow" if evidence.projected or evidence.data_until is None else "dim"
        console.print(evidence.note, style=style, highlight=False)


def _sources(sources: list) -> str:
    from rekg.graph.dates import dated_text

    return "\n".join(
        f"{s.publisher or s.title or s.id}{f' ({dated_text(s.date, s.date_precision)})' if s.date else ''}"
        for s in sources
    )


def _labels(refs: list) -> str:
    return ", ".join(r.label for r in refs)


_STYLE = {
    "operating": "green",
    "in force": "green",
    "planned": "cyan",
    "announced": "cyan",
    "suspended": "magenta",
    "lifted": "dim",
    "lapsed": "dim",
}


def _status(status: str) -> str:
    style = _STYLE.get(status)
    return f"[{style}]{status}[/]" if style else status


@app.command()
def suppliers(
    material: Annotated[str, typer.Argument(help="Material, form, product or group: name, symbol or IRI (Dy).")],
    outside: Annotated[
        Optional[str], typer.Option("--outside", "-o", help="Exclude this country (by base, location, control).")
    ] = None,
    stage: Annotated[Optional[str], typer.Option("--stage", help="separation, magnet making, mining...")] = None,
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="Only what operated on this day (YYYY-MM-DD).")
    ] = None,
    importer: Annotated[
        Optional[str], typer.Option("--importer", help="Where this country's imports come from (default: all).")
    ] = None,
    show_query: Annotated[bool, typer.Option("--show-query", help="Also print the SPARQL used.")] = False,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Who supplies a material, e.g. `rekg suppliers dysprosium --outside China`.

    Import shares: `rekg suppliers "rare-earth compounds" --importer US` (China 70 %, USGS).
    """
    from rekg.graph import answers as analyst

    kg = load_kg()
    with reported_errors():
        answer = analyst.suppliers_of(kg, material, outside=outside, stage=stage, as_of=as_of, importer=importer)
    if format is Output.json:
        _json(answer)
        return
    title = f"Suppliers of {answer.material.label}"
    if answer.outside:
        title += f" outside {answer.outside.label}"
    if answer.as_of:
        title += f" operating on {answer.as_of}"
    table = Table("supplier", "based in", "facility", "location", "stage", "status", "makes", "sources", title=title)
    for s in answer.suppliers:
        for i, f in enumerate(s.facilities):
            status = _status(f.status) + (f" {f.start_year}" if f.start_year else "")
            if f.disputed:
                status += " [yellow](sources differ)[/]"
            elif f.updated:
                status += " [dim](updated by a later report)[/]"
            table.add_row(
                s.label if i == 0 else "",
                (s.country.label if s.country else "") if i == 0 else "",
                f.label,
                f.location.label if f.location else "",
                f.stage or "",
                status,
                ", ".join(m.label for m in f.materials),
                _sources(f.sources),
            )
    console.print(table)
    console.print(f"{len(answer.suppliers)} supplier(s)")
    if answer.countries:
        by_country = Table("country", "figure", "period", "share of world", "sources", title="Country-level supply")
        for c in answer.countries:
            share = f"{c.share_of_world:g} %" if c.share_of_world is not None else ""
            figure = f"{c.indicator}: {c.value:g} {c.unit or ''}".strip()
            by_country.add_row(c.country.label, figure, c.period or "", share, _sources(c.sources))
        console.print(by_country)
    for imports in answer.import_shares:
        title = f"Imports of {imports.material.label} into {imports.importer.label}, by exporting country"
        by_exporter = Table("exporter", "share", "period", "sources", title=title)
        for sh in imports.shares:
            period = sh.period or sh.statistic.label.rsplit(", ", 1)[-1]
            by_exporter.add_row(sh.exporter.label, f"{sh.share:.0%}", period, _sources(sh.sources))
        if imports.not_broken_down:
            by_exporter.add_row("other (not broken down)", f"{imports.not_broken_down:.0%}", "", "")
        console.print(by_exporter)
        console.print(imports.note, highlight=False)
    console.print(answer.coverage.note, style="yellow" if not answer.suppliers else None, highlight=False)
    _evidence(answer)
    if show_query:
        console.print(answer.query, markup=False, highlight=False)


@app.command()
def measures(
    in_force_on: Annotated[
        Optional[str], typer.Option("--in-force-on", "--on", help="The day (YYYY-MM-DD); today by default.")
    ] = None,
    imposed_by: Annotated[Optional[str], typer.Option("--imposed-by", help="Country or body imposing it.")] = None,
    targets: Annotated[Optional[str], typer.Option("--targets", help="Country or firm aimed at.")] = None,
    material: Annotated[Optional[str], typer.Option("--material", help="Material restricted.")] = None,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Each trade measure's status on a day, e.g. `rekg measures --in-force-on 2026-01-01`."""
    from rekg.graph import answers as analyst

    from ..settings import Settings

    settings = Settings()
    kg = load_kg(settings)
    with reported_errors():
        day = analyst.parse_date(in_force_on, name="in_force_on")
        found = analyst.measures_in_force(
            kg,
            on=day,
            imposed_by=imposed_by,
            targets=targets,
            material=material,
            stale_after_days=settings.stale_after_days,
        )
    if format is Output.json:
        _json(found)
        return
    table = Table("measure", "kind", "imposed by", "status", "why", "sources", title=f"Measures on {found.on}")
    for m in found.measures:
        status = _status(m.status) + (" [yellow](contested)[/]" if m.contested else "")
        status += " [yellow](projected)[/]" if m.projected else ""
        status += " [yellow](stale report)[/]" if m.stale else ""
        table.add_row(m.label, m.kind, _labels(m.imposed_by), status, m.reason, _sources(m.sources))
    console.print(table)
    console.print(", ".join(f"{n} {s}" for s, n in found.counts.items()) or "no measures")
    _evidence(found)


@app.command()
def agreements(
    party: Annotated[Optional[str], typer.Option("--party", help="A party or participant.")] = None,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Agreements, supply deals, meetings and initiatives, oldest first."""
    from rekg.graph import answers as analyst

    kg = load_kg()
    with reported_errors():
        found = analyst.agreements(kg, party=party)
    if format is Output.json:
        _json(found)
        return
    from rekg.graph.dates import dated_text

    table = Table("date", "agreement", "kind", "parties", "suspends", "sources", title="Agreements and meetings")
    for a in found.agreements:
        when = dated_text(a.date, a.date_precision)
        table.add_row(when, a.label, a.kind, _labels(a.parties), _labels(a.suspends), _sources(a.sources))
    console.print(table)
    _evidence(found)


@app.command()
def timeline(
    start: Annotated[Optional[str], typer.Option("--from", help="From: YYYY-MM-DD, YYYY-MM or YYYY.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="To: YYYY-MM-DD, YYYY-MM or YYYY.")] = None,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Dated events in order."""
    from rekg.graph import answers as analyst

    kg = load_kg()
    with reported_errors():
        found = analyst.timeline(kg, start, end)
    if format is Output.json:
        _json(found)
        return
    table = Table("date", "event", "what", "sources", title="Timeline")
    for e in found.events:
        when = {"day": str(e.date), "month": str(e.date)[:7], "year": str(e.date)[:4]}[e.precision]
        what = e.entity_type + (" [yellow](contested)[/]" if e.contested else "")
        table.add_row(when, e.summary, what, _sources(e.sources))
    console.print(table)
    _evidence(found)


@app.command()
def search(
    q: Annotated[str, typer.Argument(help="What to look for: English or Chinese, a prefix or a misspelling.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many hits.", min=1, max=100)] = 10,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Entities whose labels or aliases match, e.g. `rekg search Lynas`."""
    from rekg.graph import answers as analyst

    kg = load_kg()
    with reported_errors():
        found = analyst.search(kg, q, limit=limit)
    if format is Output.json:
        _json(found)
        return
    table = Table("label", "中文", "type", "matched", "id", title=f"Search: {q}")
    sources_ns = str(kg.ns.source)
    for h in found.hits:
        short = "source/" + h.id[len(sources_ns) :] if h.id.startswith(sources_ns) else kg.local_id(h.id)
        table.add_row(h.label, h.label_zh or "", h.type or "", f"{h.matched} ({h.match})", short)
    console.print(table)
    if not found.hits:
        console.print("no match")


@app.command()
def entity(
    name: Annotated[str, typer.Argument(help="An entity id, IRI or name.")],
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Everything the graph says about one entity, with sources and conflicts."""
    from rekg.graph import answers as analyst

    kg = load_kg()
    with reported_errors():
        d = analyst.describe_entity(kg, name)
    if format is Output.json:
        _json(d)
        return
    table = Table("relation", "value", "sources", title=f"{d.label} ({d.type or 'entity'})")
    for grp in d.facts + d.incoming:
        for st in grp.statements:
            mark = " [yellow]≠[/]" if st.conflict else ""
            table.add_row(grp.label, st.value.label + mark, _sources(st.sources) or "entities file")
    console.print(table)
    _evidence(d)
    for c in d.conflicts:
        console.print(f"[yellow]conflict[/] {c.label}: {c.detail}", highlight=False)
