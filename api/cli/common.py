"""Helpers shared by the CLI commands: settings, loading the graph, printing errors.

Cheap to import (see :mod:`._app`): the core and the settings are imported when a command runs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rekg.graph import KnowledgeGraph

    from ..settings import Settings

console = Console()
err_console = Console(stderr=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn core errors into a readable message on stderr and exit code 1."""
    from rekg.graph.errors import RekgError

    try:
        yield
    except RekgError as exc:
        err_console.print(f"[bold red]error[/] ({exc.code}): {exc.detail}", markup=True, highlight=False)
        raise typer.Exit(1) from None


def load_kg(settings: Settings | None = None) -> KnowledgeGraph:
    from ..settings import Settings

    with reported_errors():
        return (settings or Settings()).open_graph()


def write_bytes(data: bytes, output: str | None) -> None:
    if output and output != "-":
        with open(output, "wb") as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
