"""The ``rekg`` command line. Each module adds its commands to the one Typer app."""

from . import analysis, analyst, core, sources  # noqa: F401  (registers commands)
from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
