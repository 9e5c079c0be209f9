"""Store back ends behind one small interface.

Every back end evaluates SPARQL natively (Oxigraph in process, or a remote server); rdflib
is used only to parse and validate seed files. Results come back as pyoxigraph objects
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``) whatever the back end, so the rest
of ``rekg.graph`` is written once.

Back ends (:func:`open_store`):

* ``memory``: Oxigraph in memory, the embedded default;
* ``oxigraph``: Oxigraph persistent on disk (RocksDB) in a directory;
* ``remote``: any SPARQL 1.1 query/update endpoint (:class:`rekg.graph.store.remote.RemoteStore`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rekg.graph.errors import InvalidParameter
from rekg.graph.formats import format_for
from rekg.graph.store.base import LoadReport, ProgressCallback, Store, read_rdf_file
from rekg.graph.store.oxigraph import OxigraphStore

__all__ = [
    "LoadReport",
    "OxigraphStore",
    "ProgressCallback",
    "Store",
    "format_for",
    "open_store",
    "read_rdf_file",
]


def open_store(kind: str = "memory", path: str | Path | None = None, **options: Any) -> Store:
    """Open a back end by name.

    Parameters
    ----------
    kind : {"memory", "oxigraph", "remote"}
        ``memory`` (embedded), ``oxigraph`` (persistent on disk, needs ``path``) or
        ``remote`` (a SPARQL 1.1 server, needs ``query_url``).
    path : str or Path, optional
        The directory of the persistent oxigraph store.
    **options
        For ``oxigraph``: ``mirror_max_quads`` (see :class:`OxigraphStore`). For ``remote``:
        ``query_url``, ``update_url``, ``timeout``, ``auth`` (a
        :class:`~rekg.graph.store.remote.RemoteAuth`) and the other arguments of
        :class:`graph.remote.RemoteStore`.

    Returns
    -------
    Store

    Raises
    ------
    InvalidParameter
        If ``kind`` is unknown or a required option is missing.
    StoreUnavailable
        If the store cannot be opened (directory locked, server unreachable).

    Examples
    --------
    >>> open_store("memory").kind
    'memory'
    """
    if kind == "memory":
        return OxigraphStore()
    if kind == "oxigraph":
        if not path:
            raise InvalidParameter("the oxigraph store needs a directory (--store-path / REKG_STORE_PATH)")
        return OxigraphStore(path, mirror_max_quads=options.get("mirror_max_quads", 0))
    if kind == "remote":
        from rekg.graph.store.remote import RemoteStore

        options.pop("mirror_max_quads", None)
        query_url = options.pop("query_url", None)
        if not query_url:
            raise InvalidParameter("the remote store needs a SPARQL query URL (REKG_REMOTE_QUERY_URL)")
        return RemoteStore(query_url, **options)
    raise InvalidParameter(f"unknown store {kind!r}; choose memory, oxigraph or remote")
