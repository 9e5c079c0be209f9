from __future__ import annotations

import typer

app = typer.Typer(
    name="rekg",
    help="rekg: the critical-minerals knowledge graph. Serve it, query it, validate and export it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
