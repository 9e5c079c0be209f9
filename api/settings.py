"""Every setting in one typed table, read from ``REKG_*`` variables and overridden by CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from rekg.graph.io.load import FileProgress, open_graph
from rekg.graph.io.seeds import SEEDS_DIR
from rekg.graph.kg import KnowledgeGraph
from rekg.ontology import DEFAULT_BASE_IRI

if TYPE_CHECKING:
    from rekg.graph.store.remote import RemoteAuth

__all__ = ["Settings", "settings_table"]


class Settings(BaseSettings):
    """rekg settings. Each field is also the environment variable ``REKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="REKG_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address `rekg serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `rekg serve` listens on.")
    base_iri: str = Field(DEFAULT_BASE_IRI, description="Base IRI of entity, source and graph IRIs.")
    seeds_dir: Path = Field(SEEDS_DIR, description="Folder of seed files (entities.ttl and one .trig per source).")
    store: Literal["memory", "oxigraph", "remote"] = Field(
        "memory", description="Store back end: memory (embedded), oxigraph (persistent, needs store_path) or remote."
    )
    store_path: Path | None = Field(None, description="Directory of the persistent oxigraph store.")
    data: list[Path] = Field(default_factory=list, description="Extra RDF files loaded on top of the seeds.")
    validate_seeds: bool = Field(True, description="Run the SHACL shapes over the seeds at start-up.")
    stale_after_days: int = Field(
        180,
        ge=0,
        description="A measure status a source only reported (no dates) is marked stale once the report is this "
        "many days older than the day asked about.",
    )
    memory_mirror_max_quads: int = Field(
        1_000_000,
        ge=0,
        description="A persistent oxigraph store with at most this many quads is also copied into memory at start "
        "and queried there (4-12x faster scans; about 0.6 GB and 13 s per million quads). 0: always query the disk.",
    )
    query_timeout_s: float = Field(10.0, gt=0, description="Time limit of one SPARQL query, in seconds.")
    max_rows: int = Field(10_000, ge=1, description="Most rows (or triples) one SPARQL result may have.")
    max_body_bytes: int = Field(1_000_000, ge=1, description="Largest request body accepted, in bytes.")
    # The HTTP parser (httptools) cannot read a URL over 65,535 bytes, and the server cuts off at twice the
    # setting, so it stays below that; longer SPARQL queries belong in a POST body anyway.
    max_url_bytes: int = Field(
        32_768,
        ge=1024,
        le=32_768,
        description="Longest request URL (path and query string), in bytes: a JSON 414 above it (POST long "
        "queries). At most 32768.",
    )
    max_header_bytes: int = Field(
        32_768,
        ge=1024,
        description="Largest total size of the request headers, in bytes: a JSON 431 above it. The server cuts a "
        "request off at twice this, before the app reads it.",
    )
    max_headers: int = Field(
        100,
        ge=10,
        description="Most request header lines: a JSON 431 above it. The server cuts a request off at twice this.",
    )
    query_workers: int = Field(2, ge=1, le=32, description="Worker processes evaluating SPARQL queries.")
    query_memory_mb: int = Field(
        0,
        ge=0,
        description="Memory one SPARQL query worker may allocate for a query, in MB: a query that needs more is "
        "stopped (HTTP 503) and its worker replaced; a worker left more than a quarter of this bigger after a query "
        "is replaced too. 0: automatic, half the machine's memory shared among the workers, at most 1024 MB.",
    )
    query_netns: bool = Field(
        True,
        description="Run each SPARQL query worker in an empty network namespace where the kernel allows it; a "
        "seccomp filter that refuses sockets applies either way. false: the filter alone, as on kernels without "
        "unprivileged user namespaces (for tests). /healthz reports the result as sandbox.",
    )
    upload_timeout_s: float = Field(
        30.0, gt=0, description="Time limit of SHACL-validating one uploaded source (in its own worker process)."
    )
    write_token: str | None = Field(
        None, description="Bearer token that enables writes (POST/DELETE /sources). Unset: writes are disabled."
    )
    remote_query_url: str | None = Field(None, description="SPARQL query endpoint of the remote store.")
    remote_update_url: str | None = Field(None, description="SPARQL update endpoint of the remote store.")
    remote_dataset: Literal["auto", "explicit", "server"] = Field(
        "auto",
        description="Which graphs the remote store's queries read: `explicit` lists rekg's graphs (FROM/FROM NAMED) "
        "in every query, `server` leaves it to the server (its default graph must be the union of the named graphs "
        "and hold nothing else, e.g. `oxigraph serve --union-default-graph`), `auto` is explicit up to 100 graphs "
        "(server on Virtuoso).",
    )
    remote_bearer_token: SecretStr | None = Field(
        None,
        description="Bearer token sent to the remote store's endpoints (`Authorization: Bearer`). Never logged or "
        "shown.",
    )
    remote_user: str | None = Field(
        None, description="User name for HTTP basic authentication at the remote store's endpoints."
    )
    remote_password: SecretStr | None = Field(
        None, description="Password for HTTP basic authentication (with REKG_REMOTE_USER). Never logged or shown."
    )

    def remote_auth(self) -> RemoteAuth | None:
        """The credentials for the remote store, or ``None`` when none are set.

        Raises
        ------
        InvalidParameter
            If both a token and a user are set, a password comes without a user, or a value
            cannot be sent in a header (the message never holds the values).

        Examples
        --------
        >>> Settings(remote_bearer_token="s3cret").remote_auth()
        RemoteAuth(bearer token ***)
        >>> Settings(remote_user="rekg").remote_auth()
        RemoteAuth(user 'rekg', password ***)
        """
        from rekg.graph.errors import InvalidParameter
        from rekg.graph.store.remote import RemoteAuth

        token, user, password = self.remote_bearer_token, self.remote_user, self.remote_password
        if token is not None and (user is not None or password is not None):
            raise InvalidParameter(
                "set REKG_REMOTE_BEARER_TOKEN or REKG_REMOTE_USER (and REKG_REMOTE_PASSWORD), not both"
            )
        if password is not None and user is None:
            raise InvalidParameter("REKG_REMOTE_PASSWORD needs REKG_REMOTE_USER")
        try:
            if token is not None:
                return RemoteAuth(bearer_token=token.get_secret_value())
            if user is not None:
                return RemoteAuth(username=user, password=password.get_secret_value() if password is not None else None)
        except ValueError as exc:
            raise InvalidParameter(f"the remote store's credentials: {exc}") from None
        return None

    def open_graph(self, *, on_progress: FileProgress | None = None, reset: bool = False) -> KnowledgeGraph:
        """The knowledge graph these settings describe (:func:`rekg.graph.io.load.open_graph`).

        Raises
        ------
        SeedError
            If a seed or data file does not parse or validate; the server must not start then.
        StoreUnavailable
            If the store cannot be opened or reached, or refuses rekg's credentials.
        InvalidParameter
            If the remote store's credentials are set inconsistently.
        """
        return open_graph(
            self.store,
            self.store_path,
            query_url=self.remote_query_url,
            update_url=self.remote_update_url,
            timeout=self.query_timeout_s,
            auth=self.remote_auth() if self.store == "remote" else None,
            dataset=self.remote_dataset,
            mirror_max_quads=self.memory_mirror_max_quads,
            seeds_dir=self.seeds_dir,
            base=self.base_iri,
            validate_shapes=self.validate_seeds,
            data=self.data,
            reset=reset,
            on_progress=on_progress,
        )


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for `--help` and the README."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        rows.append((f"REKG_{name.upper()}", "" if default is None else str(default), field.description or ""))
    return rows


def settings_markdown() -> str:
    """The settings as the Markdown table the README carries (a test keeps the two equal)."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for env, default, text in settings_table():
        if env == "REKG_SEEDS_DIR":
            default = "seeds/ of the checkout"
        lines.append(f"| `{env}` | {f'`{default}`' if default else 'unset'} | {text} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_markdown())
