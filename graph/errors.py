"""The exceptions of the core. ``api`` maps each to one HTTP status and one JSON shape."""

from __future__ import annotations

__all__ = [
    "AmbiguousName",
    "CuratedEntityConflict",
    "ForbiddenQuery",
    "InvalidParameter",
    "InvalidQuery",
    "NodeNotFound",
    "NotConverged",
    "QueryMemoryExceeded",
    "QueryTimeout",
    "QueryWorkersBusy",
    "RekgError",
    "ResultTooLarge",
    "SeedError",
    "SheetError",
    "SourceConflict",
    "StoreUnavailable",
    "UnsupportedFeature",
    "UnsupportedFormat",
    "UnsupportedMediaType",
]


class RekgError(Exception):
    """Base class: every error the core raises on purpose.

    ``code`` is the machine-readable name that ends up in the JSON body's ``error`` field;
    ``extra`` holds more fields for that body (close matches, the offending node...).
    """

    code = "rekg_error"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class SeedError(RekgError):
    """A seed or uploaded file does not parse or does not validate."""

    code = "invalid_data"

    def __init__(self, detail: str, *, file: str | None = None, problems: list[dict] | None = None) -> None:
        super().__init__(detail, file=file, problems=problems or [])
        self.file = file
        self.problems = problems or []


class SheetError(SeedError):
    """A claims sheet or data-release CSV cannot be imported; ``problems`` lists each by row and column.

    Each problem is ``{"row", "column", "reason", "value", "suggestions"}``; nothing is written.
    """

    code = "invalid_sheet"


class NodeNotFound(RekgError):
    """A name the user passed resolves to nothing in the graph."""

    code = "not_found"

    def __init__(self, name: str, suggestions: list[dict] | None = None, *, what: str = "entity") -> None:
        hint = ""
        if suggestions:
            hint = " Did you mean: " + ", ".join(s["label"] for s in suggestions) + "?"
        super().__init__(f"No {what} named {name!r}.{hint}", name=name, suggestions=suggestions or [])
        self.name = name
        self.suggestions = suggestions or []


class AmbiguousName(RekgError):
    """A name matches several entities equally well."""

    code = "ambiguous_name"


class InvalidParameter(RekgError):
    """A parameter is well-formed but not acceptable (bad metric, bad date...)."""

    code = "invalid_parameter"


class NotConverged(InvalidParameter):
    """An iterative measure (eigenvector centrality) did not converge on this graph."""

    code = "not_converged"


class InvalidQuery(RekgError):
    """A SPARQL query does not parse."""

    code = "malformed_query"


class ForbiddenQuery(RekgError):
    """A SPARQL request asks for something the endpoint does not allow (updates, SERVICE...)."""

    code = "forbidden_query"


class QueryTimeout(RekgError):
    """A query ran past its time limit and was stopped."""

    code = "query_timeout"


class QueryWorkersBusy(QueryTimeout):
    """Every query worker stayed busy until the time limit; the query never ran.

    ``retry_after_s`` is how long to wait before trying again (the HTTP layer sends it as
    ``Retry-After``).
    """

    code = "workers_busy"

    def __init__(self, detail: str, *, retry_after_s: int, **extra: object) -> None:
        super().__init__(detail, retry_after_s=retry_after_s, **extra)
        self.retry_after_s = retry_after_s


class QueryMemoryExceeded(RekgError):
    """A query needed more memory than a query worker may use; it was stopped."""

    code = "query_memory_exceeded"


class ResultTooLarge(RekgError):
    """A result has more rows than the configured cap."""

    code = "result_too_large"


class UnsupportedFeature(RekgError):
    """A well-formed query uses something this endpoint does not implement (an unknown extension function)."""

    code = "unsupported_feature"


class UnsupportedFormat(RekgError):
    """No serialisation is available for the requested format."""

    code = "unsupported_format"


class UnsupportedMediaType(RekgError):
    """A request body comes in a media type the endpoint cannot read."""

    code = "unsupported_media_type"


class SourceConflict(RekgError):
    """A write would overwrite data that already exists."""

    code = "conflict"


class CuratedEntityConflict(SourceConflict):
    """An upload would rename, retype or re-code an entity the curated graphs define.

    ``triples`` lists the offending statements (``subject``, ``predicate``, ``object`` in
    N-Triples syntax) so the caller can drop them; claims about the entity stay allowed.
    """

    code = "curated_entity"

    def __init__(self, detail: str, *, triples: list[dict[str, str]], file: str | None = None) -> None:
        super().__init__(detail, triples=triples, file=file)
        self.triples = triples


class StoreUnavailable(RekgError):
    """The back-end store (e.g. a remote SPARQL server) cannot be reached."""

    code = "store_unavailable"
