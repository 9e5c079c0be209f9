"""rekg: a knowledge graph of the critical-minerals supply chain and the trade measures around it.

The folders of the repository are installed under this package: ``graph/`` as :mod:`rekg.graph`
(the core), ``api/`` as :mod:`rekg.api` (HTTP, CLI and Python interfaces), ``ontology/`` as
:mod:`rekg.ontology` and ``seeds/`` as :mod:`rekg.seeds`.

``rekg.__version__`` is the installed distribution's version, the one place it is set being
``pyproject.toml``. It is read on first use: every ``rekg`` command imports this package, and
reading package metadata costs more than the rest of it.
"""

from __future__ import annotations

__all__ = ["Graph", "__version__", "open"]

# The Python API (rekg.api.python) is imported on first use, like the version: `rekg --help`
# imports this package and must not pay for the graph's imports.
_PYTHON_API = {"open", "Graph", "QueryRows"}


def __getattr__(name: str) -> object:
    if name in _PYTHON_API:
        from rekg.api import python

        return getattr(python, name)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("rekg")
        except PackageNotFoundError:  # running from a checkout that was never installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
