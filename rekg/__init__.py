"""rekg: a knowledge graph of the critical-minerals supply chain and the trade measures around it.

The folders of the repository are installed under this package: ``graph/`` as :mod:`rekg.graph`
(the core), ``api/`` as :mod:`rekg.api` (HTTP, CLI and Python interfaces), ``ontology/`` as
:mod:`rekg.ontology` and ``seeds/`` as :mod:`rekg.seeds`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rekg")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
