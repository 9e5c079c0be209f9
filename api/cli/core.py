"""serve, query, validate, export."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table
from typer.core import TyperCommand, TyperOption

from ._app import app, help_filled_by
from .common import console, err_console, load_kg, reported_errors, write_bytes

if TYPE_CHECKING:
    from ..settings import Settings


def _settings_epilog(command: TyperCommand) -> None:
    from ..settings import settings_table

    lines = ["Settings (environment variables; flags override them):", ""]
    lines += [f"{env} (default {default or 'unset'}): {text}" for env, default, text in settings_table()]
    command.epilog = "\n\n".join(lines)


def _export_formats_help(command: TyperCommand) -> None:
    from rekg.graph.io.export import FORMATS

    for param in command.params:
        if isinstance(param, TyperOption) and param.name == "format":
            param.help = f"One of: {', '.join(FORMATS)}."


class StoreKind(StrEnum):
    memory = "memory"
    oxigraph = "oxigraph"
    remote = "remote"


@app.command(cls=help_filled_by(_settings_epilog))
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on.")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port to listen on.")] = None,
    store: Annotated[Optional[StoreKind], typer.Option(help="Store back end.")] = None,
    store_path: Annotated[Optional[Path], typer.Option(help="Directory of the persistent store.")] = None,
    data: Annotated[
        Optional[list[Path]],
        typer.Option(help="Extra RDF file (.ttl .nt .nq .trig .jsonld .rdf) on top of the seeds; repeat for more."),
    ] = None,
    remote_url: Annotated[Optional[str], typer.Option(help="SPARQL endpoint of the remote store.")] = None,
) -> None:
    """Run the HTTP API (SPARQL endpoint, convenience endpoints, web page)."""
    import uvicorn

    from ..app import create_app
    from ..server import prepare
    from ..settings import Settings

    overrides = {
        k: v
        for k, v in {
            "host": host,
            "port": port,
            "store": store.value if store else None,
            "store_path": store_path,
            "data": data,
            "remote_query_url": remote_url,
        }.items()
        if v is not None
    }
    settings = Settings(**overrides)
    # A taken port is said in one line, before the graph loads and before anything says "serving".
    problem = _port_problem(settings.host, settings.port)
    if problem:
        err_console.print(f"rekg: {problem}", soft_wrap=True, highlight=False)
        raise typer.Exit(1)
    with reported_errors(), _file_progress() as progress:
        kg = settings.open_graph(on_progress=progress)
    app_ = create_app(settings, kg)
    prepare(kg)  # before any worker is forked: a fork while another thread imports a module can deadlock the child
    err_console.print(
        f"rekg: serving {len(kg.store.graph_names())} graphs ({kg.store.kind} store) "
        f"on http://{settings.host}:{settings.port}/"
    )
    uvicorn.run(app_, host=settings.host, port=settings.port, log_level="info", **_http_options(settings))


def _port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (taken, not allowed, unknown address), or ``None``."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return f"cannot listen on {host}:{port}: {exc}. Set another address with --host or REKG_HOST."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # As uvicorn binds: a port in TIME_WAIT from a previous run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            why = "is already in use" if exc.errno in (48, 98, 10048) else f"cannot be used ({exc.strerror})"
            return f"port {port} on {host} {why}. Choose another with --port, REKG_PORT or make serve PORT=…"
    return None


def _http_options(settings: Settings) -> dict[str, object]:
    """uvicorn's HTTP protocol: httptools with bounded request heads (h11 with its size cap without httptools)."""
    from ..server import ServerLimits, limited_http_protocol

    limits = ServerLimits(
        max_url_bytes=settings.max_url_bytes,
        max_header_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
    )
    protocol = limited_http_protocol(limits)
    # h11 bounds a request head by size only (and answers a plain 400 past it); used only without httptools.
    return {"http": protocol or "h11", "h11_max_incomplete_event_size": limits.head_bytes}


@contextmanager
def _file_progress() -> Iterator[Callable[[Path, int, int], None]]:
    """A rich progress bar per data file, shown for files over 8 MB."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
    )
    tasks: dict[Path, int] = {}

    def update(path: Path, done: int, total: int) -> None:
        if total < 8_000_000:
            return
        if path not in tasks:
            tasks[path] = bars.add_task(f"loading {path.name}", total=total)
        bars.update(tasks[path], completed=done)

    with bars:
        yield update


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="RDF files (.ttl .nt .nq .trig .jsonld .rdf).")],
    store: Annotated[StoreKind, typer.Option(help="Persistent back end to load into.")] = StoreKind.oxigraph,
    store_path: Annotated[Optional[Path], typer.Option(help="Directory of the persistent oxigraph store.")] = None,
    remote_url: Annotated[Optional[str], typer.Option(help="SPARQL endpoint of the remote store.")] = None,
    reset: Annotated[bool, typer.Option(help="Empty the store first and reload the seeds.")] = False,
) -> None:
    """Load RDF files (and the seeds, once) into a persistent store that `rekg serve` then opens."""
    from ..settings import Settings

    if store is StoreKind.memory:
        err_console.print("error: `rekg load` needs a persistent store (--store oxigraph or remote)")
        raise typer.Exit(2)
    overrides = {"store": store.value, "store_path": store_path, "remote_query_url": remote_url, "data": files}
    # A one-off writer: copying the store into memory for queries would only cost time.
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None}, memory_mirror_max_quads=0)
    with reported_errors(), _file_progress() as progress:
        kg = settings.open_graph(on_progress=progress, reset=reset)
    graphs = kg.store.graphs()
    if store is StoreKind.oxigraph:
        where = settings.store_path
    else:
        from rekg.graph.store.remote import redact_url

        where = redact_url(settings.remote_query_url or "")
    err_console.print(f"rekg: {where} holds {sum(graphs.values())} triples in {len(graphs)} graphs")
    kg.store.close()


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def query(
    sparql: Annotated[
        str,
        typer.Argument(
            help="A SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE); rekg's prefixes are predeclared. "
            "Checked as the endpoint checks it: FROM names graphs of the store; no SERVICE, no updates."
        ),
    ],
    format: Annotated[
        TableFormat,
        typer.Option("--format", "-f", help="Output format of SELECT rows (CONSTRUCT and DESCRIBE print Turtle)."),
    ] = TableFormat.table,
) -> None:
    """Run a SPARQL query over the seed graph and print the result, as /sparql would answer it."""
    import pyoxigraph as ox
    from rekg.api.python import Graph, QueryRows

    kg = load_kg()
    with reported_errors():
        res = Graph(kg).query(sparql)

    if isinstance(res, bool):
        console.print("true" if res else "false")
        return
    if not isinstance(res, QueryRows):
        if format is not TableFormat.table:
            err_console.print(f"rekg: a CONSTRUCT or DESCRIBE result is RDF, printed as Turtle, not {format.value}")
            raise typer.Exit(2)
        write_bytes(ox.serialize(res, format=ox.RdfFormat.TURTLE, prefixes=kg.prefixes), None)
        return
    variables, rows = res.variables, res.rows
    if format is TableFormat.json:
        print(json.dumps([{v: r.get(v) for v in variables} for r in rows], default=str, ensure_ascii=False, indent=2))
    elif format is TableFormat.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=variables)
        w.writeheader()
        w.writerows({v: r.get(v, "") for v in variables} for r in rows)
        print(buf.getvalue(), end="")
    else:
        table = Table(*variables)
        for r in rows:
            table.add_row(*("" if r.get(v) is None else str(r[v]) for v in variables))
        console.print(table)
        console.print(f"{len(rows)} row(s)")


@app.command()
def validate(
    seeds_dir: Annotated[Optional[Path], typer.Option(help="Seed folder to check.")] = None,
) -> None:
    """Parse every seed file and run the SHACL shapes; exit 1 with a report on failure."""
    from rekg.graph.io.seeds import load_seeds

    from ..settings import Settings

    settings = Settings()
    with reported_errors():
        ds = load_seeds(seeds_dir or settings.seeds_dir, base=settings.base_iri)
    graphs = [g for g in ds.graphs() if len(g)]
    console.print(f"ok: {len(graphs)} graphs, {sum(len(g) for g in graphs)} triples conform to the shapes")


@app.command(cls=help_filled_by(_export_formats_help))
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="The format (listed by --help).")] = "ttl",
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,
) -> None:
    """Write the whole graph: GEXF (Gephi), GraphML (yEd, Cytoscape), node-link JSON, CSV zip, or RDF."""
    from rekg.graph.io.export import export as export_graph

    kg = load_kg()
    with reported_errors():
        out = export_graph(kg, format)
    if out.media_type == "application/zip" and not output and sys.stdout.isatty():
        err_console.print(f"error: {format} is a zip archive; write it to a file with -o {out.filename}")
        raise typer.Exit(2)
    write_bytes(out.body, output)
    if output:
        err_console.print(f"wrote {len(out.body)} bytes to {output}")
