"""ingest and sources: add a source document to a persistent store, list sources."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from ._app import app
from .common import console, err_console, load_kg, reported_errors

if TYPE_CHECKING:
    from ..settings import Settings

_BY_SUFFIX = {
    ".trig": "application/trig",
    ".ttl": "text/turtle",
    ".nq": "application/n-quads",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    # Claims sheets and the USGS MCS data release, told apart by their header.
    ".csv": "text/csv",
    # The same as an Excel workbook (its first worksheet).
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _store_settings(store_path: Path | None) -> Settings:
    from ..settings import Settings

    # One-off commands: copying the store into memory for queries would only cost time.
    return Settings(
        **({"store": "oxigraph", "store_path": store_path} if store_path else {}), memory_mirror_max_quads=0
    )


def _persistent(store_path: Path | None, doing: str) -> Settings:
    settings = _store_settings(store_path)
    if settings.store == "memory":
        console.print(
            f"[red]error[/]: {doing} the in-memory store would be lost at exit; "
            "pass --store-path DIR (or set REKG_STORE=oxigraph and REKG_STORE_PATH)"
        )
        raise typer.Exit(2)
    return settings


def _problem_table(problems: list[dict]) -> Table:
    """The row-level report of a refused sheet."""
    table = Table(title="problems (nothing was written)", title_justify="left")
    for column in ("row", "column", "reason", "suggestions"):
        table.add_column(column, overflow="fold", no_wrap=column == "row")
    for p in problems:
        suggestions = ", ".join(s.get("label", s.get("id", "")) for s in p.get("suggestions") or [])
        reason = p.get("reason") or p.get("message") or ""
        table.add_row(str(p.get("row") or ""), p.get("column") or p.get("path") or "", reason, suggestions)
    return table


@app.command()
def ingest(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help=(
                "Source document (.trig .ttl .nq .nt .jsonld .rdf), claims sheet or USGS MCS data release "
                "(.csv or .xlsx)."
            ),
        ),
    ],
    store_path: Annotated[Optional[Path], typer.Option(help="Directory of the persistent store.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and print what would be written; write nothing.")
    ] = False,
) -> None:
    """Validate a new source and add it to the persistent store as its own graph (all or nothing)."""
    from rekg.graph.errors import SheetError
    from rekg.graph.io.sources import add_source

    media = _BY_SUFFIX.get(file.suffix.lower())
    if media is None:
        console.print(f"[red]error[/]: unknown extension {file.suffix!r}; use one of {', '.join(_BY_SUFFIX)}")
        raise typer.Exit(2)
    kg = load_kg(_store_settings(store_path) if dry_run else _persistent(store_path, "adding a source to"))
    try:
        with reported_errors():
            try:
                written = add_source(kg, file.read_bytes(), media, name=file.name, dry_run=dry_run)
            except SheetError as exc:
                err_console.print(_problem_table(exc.problems))
                raise
    finally:
        kg.store.close()
    for s in written.skipped:
        console.print(f"skipped row {s['row']}: {s['reason']}", highlight=False)
    if written.merged:
        console.print(f"{written.merged} figure(s) already stated by the same release's seed: not repeated")
    what = f"{written.kind}, {written.rows} rows, " if written.rows is not None else ""
    if written.dry_run:
        sys.stdout.write(written.statements or "")
        console.print(f"dry run: source {written.id} ({what}{written.triples} triples) would be added; nothing written")
    elif written.unchanged:
        console.print(f"source {written.id} is already in the store with these {written.triples} triples: unchanged")
    else:
        console.print(f"added source {written.id} ({what}{written.triples} triples) as <{written.iri}>")


@app.command()
def template(
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print an empty claims sheet (CSV): the source lines, the header and one commented example row."""
    from rekg.graph.io.importers import template as sheet

    text = sheet()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def sources(
    store_path: Annotated[Optional[Path], typer.Option(help="Directory of the persistent store.")] = None,
) -> None:
    """List the sources in the store with their triple counts."""
    from rekg.graph.dates import dated_text
    from rekg.graph.io.sources import list_sources

    kg = load_kg(_store_settings(store_path))
    found = list_sources(kg)
    table = Table()
    # Ids are what users copy into `rekg retract`: never wrap or cut them; let the title give way.
    table.add_column("id", no_wrap=True, min_width=max((len(s.id) for s in found), default=2))
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("triples", no_wrap=True, justify="right", min_width=7)
    table.add_column("curated", no_wrap=True, min_width=7)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=24)
    for s in found:
        table.add_row(
            s.id, dated_text(s.date, s.date_precision), str(s.triples), "yes" if s.curated else "", s.title or ""
        )
    console.print(table)


@app.command()
def retract(
    source_id: Annotated[str, typer.Argument(help="Id of an uploaded source, as listed by `rekg sources`.")],
    store_path: Annotated[Optional[Path], typer.Option(help="Directory of the persistent store.")] = None,
) -> None:
    """Remove an uploaded source and its graph from the persistent store."""
    from rekg.graph.io.sources import remove_source

    kg = load_kg(_persistent(store_path, "removing a source from"))
    with reported_errors():
        removed = remove_source(kg, source_id)
    kg.store.close()
    console.print(f"removed source {removed.id} ({removed.triples} triples)")
