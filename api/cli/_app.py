"""The one Typer app every command module adds to, and what the commands share about help.

Importing this module must stay cheap: ``rekg --help`` imports it and every command module,
and none of them may import the core (:mod:`rekg.graph`), the settings or the web app at
import time. Commands import what they need when they run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

app = typer.Typer(
    name="rekg",
    help="rekg: the critical-minerals knowledge graph. Serve it, query it, validate and export it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from rekg import __version__

        typer.echo(f"rekg {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    pass


def help_filled_by(fill: Callable[[TyperCommand], None]) -> type[TyperCommand]:
    """A command class whose help text is completed by ``fill(command)`` only when it is shown.

    For help that names what the core defines (the settings, the export formats): building it
    at import time would make every ``rekg`` call pay for importing the core.
    """

    class Command(TyperCommand):
        def format_help(self, ctx: Any, formatter: Any) -> None:
            fill(self)
            super().format_help(ctx, formatter)

    return Command
