"""Read the ontology and the seed files into an rdflib ``Dataset``, and validate it.

Layout of ``seeds/``:

* ``entities.ttl`` — shared entities, loaded into the graph ``{base}graph/entities``;
* every other ``*.trig`` — one source each: exactly one named graph whose name is the
  source's IRI, holding the source's description and every fact it states.

IRIs in seed files are relative to the deployment's base IRI, so the same files serve any
``REKG_BASE_IRI``. The ontology goes into ``{base}graph/ontology``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rekg.graph.errors import SeedError
from rekg.graph.formats import DATA_FORMATS, NOT_XML_CHARS
from rekg.ontology import DEFAULT_BASE_IRI, ONTOLOGY_FILE, REKG, SHAPES_FILE, namespaces

__all__ = [
    "SEEDS_DIR",
    "Problem",
    "SeedFile",
    "check_characters",
    "context_references",
    "load_seeds",
    "parse_source",
    "seed_files",
    "validate",
]

SEEDS_DIR = Path(str(resources.files("rekg.seeds")))
ENTITIES_FILE = "entities.ttl"


@dataclass(frozen=True)
class SeedFile:
    """One parsed seed file and the graph it fills."""

    path: Path
    graph: str


@dataclass
class Problem:
    """One SHACL violation, placed in the file(s) that state the offending node."""

    node: str
    message: str
    path: str | None = None
    value: str | None = None
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"node": self.node, "path": self.path, "value": self.value, "message": self.message, "files": self.files}

    def __str__(self) -> str:
        where = ", ".join(self.files) or "?"
        at = f" {self.path}" if self.path else ""
        val = f" = {self.value}" if self.value else ""
        return f"{where}: <{self.node}>{at}{val}: {self.message}"


def seed_files(seeds_dir: Path = SEEDS_DIR) -> list[Path]:
    """The seed files in load order: the entities file first, then the sources by name."""
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        raise SeedError(f"seed directory {seeds_dir} does not exist", file=str(seeds_dir))
    entities = seeds_dir / ENTITIES_FILE
    sources = sorted(p for p in seeds_dir.glob("*.trig"))
    # __init__.py makes the folder the package rekg.seeds, so the wheel ships it as package data.
    stray = sorted(
        p.name
        for p in seeds_dir.iterdir()
        if p.is_file() and p.suffix not in {".trig", ".ttl", ".md"} and p.name != "__init__.py"
    )
    if stray:
        raise SeedError(
            f"unexpected files in {seeds_dir}: {', '.join(stray)} (seeds are .trig sources and {ENTITIES_FILE})"
        )
    return ([entities] if entities.exists() else []) + sources


def _parse_into(graph: Graph, data: str | bytes, fmt: str, base: str, name: str) -> None:
    try:
        graph.parse(data=data, format=fmt, publicID=base)
    except Exception as exc:  # rdflib raises many unrelated types for syntax errors
        raise SeedError(f"{name}: does not parse as {fmt}: {exc}", file=name) from exc


#: Formats a source document may come in (the data-file formats of :mod:`rekg.graph.formats`):
#: rdflib parser name by media type.
SOURCE_FORMATS: dict[str, str] = {f.media_type: f.rdflib for f in DATA_FORMATS.values() if f.rdflib}


def _reject_xml_entities(data: str | bytes, name: str) -> None:
    """Refuse XML with a DTD: entity expansion ("billion laughs") and external entities."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise SeedError(
            f"{name}: XML with a DTD or entities is not accepted ({type(exc).__name__})", file=name
        ) from exc
    except Exception as exc:  # ParseError and friends: report as a syntax error
        raise SeedError(f"{name}: does not parse as RDF/XML: {exc}", file=name) from exc


_SHOWN_CHARS = 120


def _escaped(text: str) -> str:
    """``text`` cut to a readable length, with every character XML cannot carry written as ``\\uXXXX``."""
    cut = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
    return NOT_XML_CHARS.sub(lambda m: f"\\u{ord(m.group()):04X}", cut)


def _shown(term: object) -> str:
    """A term in N-Triples-like syntax for an error message (never raw control characters)."""
    if isinstance(term, URIRef):
        return f"<{_escaped(str(term))}>"
    if isinstance(term, BNode):
        return f"_:{_escaped(str(term))}"
    if isinstance(term, Literal):
        suffix = (
            f"@{term.language}" if term.language else f"^^<{_escaped(str(term.datatype))}>" if term.datatype else ""
        )
        return f'"{_escaped(str(term))}"{suffix}'
    return _escaped(str(term))


def check_characters(graph: Graph, name: str = "<upload>") -> None:
    """Refuse a graph whose IRIs or literals hold characters XML 1.0 cannot carry (:data:`NOT_XML_CHARS`).

    Parameters
    ----------
    graph : rdflib.Graph
        The statements of one source.
    name : str
        A file name or label used in error messages.

    Raises
    ------
    SeedError
        Naming every offending triple (the first 20 in the message, all in ``problems``) and the
        code points it holds; the whole document is refused.

    Examples
    --------
    >>> g = Graph()
    >>> _ = g.add((URIRef("https://example.org/x"), URIRef("https://example.org/label"), Literal("Dy\\x01")))
    >>> check_characters(g, "note.ttl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.SeedError: note.ttl: 1 triple(s) hold characters XML 1.0 cannot carry ...
      - <https://example.org/x> <https://example.org/label> "Dy\\u0001": U+0001
    """
    found: list[tuple[str, str, str, str]] = []
    for s, p, o in graph:
        texts = [str(t) for t in (s, p, o) if isinstance(t, (URIRef, Literal))]
        if isinstance(o, Literal) and o.datatype is not None:
            texts.append(str(o.datatype))
        chars = sorted({c for text in texts for c in NOT_XML_CHARS.findall(text)})
        if chars:
            found.append((_shown(s), _shown(p), _shown(o), ", ".join(f"U+{ord(c):04X}" for c in chars)))
    if found:
        found.sort()
        lines = [f"  - {s} {p} {o}: {chars}" for s, p, o, chars in found[:20]]
        more = f"\n  ... and {len(found) - 20} more" if len(found) > 20 else ""
        problems = [
            Problem(
                node=s[1:-1] if s.startswith("<") else s,
                path=p[1:-1],
                value=o,
                message=f"holds {chars}, which XML 1.0 cannot carry",
                files=[name],
            )
            for s, p, o, chars in found
        ]
        raise SeedError(
            f"{name}: {len(problems)} triple(s) hold characters XML 1.0 cannot carry (control characters other "
            "than tab, LF and CR, U+FFFE, U+FFFF, lone surrogates); remove them:\n" + "\n".join(lines) + more,
            file=name,
            problems=[q.as_dict() for q in problems],
        )


def context_references(doc: object) -> list[str]:
    """Every JSON-LD context in ``doc`` that names another document instead of being inline.

    A context is remote when ``@context`` holds a string (alone or in a list), at the top, in a
    node or in a term definition (a scoped context), or when a context uses ``@import``. The
    walk is iterative, so a deeply nested document cannot exhaust the stack here.

    Examples
    --------
    >>> context_references({"@context": ["https://schema.org/", {"ex": "https://example.org/"}],
    ...                     "@graph": [{"@context": "file:///etc/passwd"}]})
    ['https://schema.org/', 'file:///etc/passwd']
    >>> context_references({"@context": {"ex": {"@id": "https://example.org/", "@context": {"@import": "x"}}}})
    ['x']
    >>> context_references({"@context": {"ex": "https://example.org/"}, "ex:p": "not a context"})
    []
    """
    found: list[str] = []
    stack: list[object] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                if key == "@context":
                    found.extend(c for c in (value if isinstance(value, list) else [value]) if isinstance(c, str))
                elif key == "@import":
                    found.append(value if isinstance(value, str) else json.dumps(value))
                stack.append(value)
    # The stack reverses what it pushes, so the references come out in document order.
    return found


class _NoContextFetch(dict):
    """Stands in for rdflib's cache of fetched JSON-LD contexts: every IRI is "cached" as a refusal.

    rdflib looks a remote context up in this cache before fetching it and shares the cache with
    every sub-context, so this is the document loader that refuses whatever
    :func:`context_references` might ever miss: nothing is fetched, from the web or from a file.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: object) -> dict:
        raise _remote_context_error(self.name, str(key))


def _remote_context_error(name: str, iri: str) -> SeedError:
    # The same answer for every IRI, fetched or not: nothing tells whether a file or a port exists.
    return SeedError(
        f"{name}: the JSON-LD context {_escaped(iri)!r} refers to another document; rekg never fetches contexts "
        '(from the web or from files): put the context inline, as an object under "@context"',
        file=name,
    )


def _parse_jsonld(ds: Dataset, data: str | bytes, base: str, name: str) -> None:
    """Parse JSON-LD into ``ds`` with inline contexts only (see :func:`context_references`)."""
    from rdflib.plugins.parsers.jsonld import Parser as JsonLdParser
    from rdflib.plugins.shared.jsonld.context import Context

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, nesting too deep
        raise SeedError(f"{name}: does not parse as JSON-LD: {exc}", file=name) from exc
    remote = context_references(doc)
    if remote:
        raise _remote_context_error(name, remote[0])
    context = Context(base=base, version=1.1)
    context._context_cache = _NoContextFetch(name)  # the refusing loader, shared with every sub-context
    try:
        JsonLdParser().parse(doc, context, ds)
    except SeedError:
        raise
    except Exception as exc:  # rdflib's JSON-LD code raises many unrelated types on a bad document
        raise SeedError(f"{name}: does not parse as JSON-LD: {exc}", file=name) from exc


def parse_source(
    data: str | bytes,
    *,
    fmt: str = "trig",
    base: str = DEFAULT_BASE_IRI,
    name: str = "<upload>",
    allow_default_graph: bool = False,
) -> Dataset:
    """Parse one source document into a dataset holding exactly one source graph.

    Parameters
    ----------
    data : str or bytes
        The document.
    fmt : str
        An rdflib parser name: ``trig``, ``nquads``, ``turtle``, ``nt``, ``json-ld`` or ``xml``.
    base : str
        The base IRI that relative IRIs resolve against.
    name : str
        A file name or label used in error messages.
    allow_default_graph : bool
        Accept a document without named graphs (Turtle, RDF/XML...): its triples go into the
        graph named by the one ``rekg:Source`` it describes under the base's source namespace.

    Raises
    ------
    SeedError
        If the document does not parse, mixes loose triples with a named graph, has more or
        fewer than one source graph, does not describe its graph as a ``rekg:Source``, holds
        characters XML cannot carry (:func:`check_characters`), or is JSON-LD whose context
        refers to another document (:func:`context_references`: contexts must be inline, and
        nothing is fetched from the web or from files).

    Examples
    --------
    >>> doc = ("@prefix src: <source/> . @prefix rekg: <https://w3id.org/rekg/ontology#> . "
    ...        "src:note-2026-01 { src:note-2026-01 a rekg:Source . }")
    >>> [str(g.identifier) for g in parse_source(doc).graphs() if len(g)]
    ['https://w3id.org/rekg/source/note-2026-01']
    """
    if fmt == "xml":
        _reject_xml_entities(data, name)
    ds = Dataset()
    if fmt == "json-ld":
        _parse_jsonld(ds, data, base, name)
    else:
        _parse_into(ds, data, fmt, base, name)
    default = ds.default_graph
    named = [g for g in ds.graphs() if g.identifier != default.identifier and len(g)]
    if len(default) and (named or not allow_default_graph):
        raise SeedError(
            f"{name}: {len(default)} triple(s) outside a named graph; put every fact inside the source's graph",
            file=name,
        )
    if not named and len(default):
        source_ns = str(namespaces(base).source)
        sources = {s for s in default.subjects(RDF.type, REKG.Source) if str(s).startswith(source_ns)}
        if len(sources) != 1:
            raise SeedError(
                f"{name}: a document without named graphs must describe exactly one rekg:Source "
                f"with an IRI under {source_ns}; found {len(sources)}",
                file=name,
            )
        target = ds.graph(URIRef(str(sources.pop())))
        for t in list(default):
            target.add(t)
        default.remove((None, None, None))
        named = [target]
    if len(named) != 1:
        raise SeedError(f"{name}: expected exactly one named graph (the source), found {len(named)}", file=name)
    g = named[0]
    if (g.identifier, RDF.type, REKG.Source) not in g:
        raise SeedError(
            f"{name}: the graph <{g.identifier}> is not described in itself as a rekg:Source "
            "(add `<graph> a rekg:Source ; dcterms:title ... ; dcterms:publisher ... ; dcterms:date ...`)",
            file=name,
        )
    check_characters(g, name)
    return ds


def load_seeds(
    seeds_dir: Path = SEEDS_DIR,
    *,
    base: str = DEFAULT_BASE_IRI,
    validate_shapes: bool = True,
) -> Dataset:
    """Read the ontology and every seed file into one dataset, one named graph per file.

    Parameters
    ----------
    seeds_dir : Path
        The folder holding ``entities.ttl`` and the ``*.trig`` source files.
    base : str
        The base IRI for entity, source and graph IRIs.
    validate_shapes : bool
        Run the SHACL shapes over the result (default ``True``).

    Returns
    -------
    rdflib.Dataset

    Raises
    ------
    SeedError
        If a file does not parse, two files claim the same source graph, or SHACL finds
        violations. The message names the file and the offending node.

    Examples
    --------
    >>> ds = load_seeds()
    >>> any(str(g.identifier).endswith("graph/entities") for g in ds.graphs())
    True
    """
    ns = namespaces(base)
    ds = Dataset()
    onto = ds.graph(URIRef(ns.ontology_graph))
    _parse_into(onto, ONTOLOGY_FILE.read_bytes(), "turtle", base, ONTOLOGY_FILE.name)
    seen: dict[str, str] = {}
    for path in seed_files(seeds_dir):
        data = path.read_bytes()
        if path.name == ENTITIES_FILE:
            _parse_into(ds.graph(URIRef(ns.entities_graph)), data, "turtle", base, path.name)
            continue
        src = parse_source(data, fmt="trig", base=base, name=path.name)
        for g in src.graphs():
            if not len(g):
                continue
            gid = str(g.identifier)
            if gid in seen:
                raise SeedError(f"{path.name}: graph <{gid}> is already defined by {seen[gid]}", file=path.name)
            seen[gid] = path.name
            target = ds.graph(URIRef(gid))
            for t in g:
                target.add(t)
    stamp = validation_stamp(seeds_dir, base) if validate_shapes else None
    if stamp is not None and not stamp.exists():
        problems = validate(ds, base=base)
        if problems:
            files = sorted({f for p in problems for f in p.files})
            raise SeedError(
                f"SHACL validation failed with {len(problems)} problem(s) in {', '.join(files) or 'the seed graph'}:\n"
                + "\n".join(f"  - {p}" for p in problems),
                file=files[0] if len(files) == 1 else None,
                problems=[p.as_dict() for p in problems],
            )
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            pass  # an unwritable cache only costs the next start-up a re-validation
    return ds


def cache_dir() -> Path:
    """Where rekg keeps what it can recompute (``REKG_CACHE_DIR``, else ``~/.cache/rekg``)."""
    import os

    return Path(os.environ.get("REKG_CACHE_DIR") or Path.home() / ".cache" / "rekg")


def validation_stamp(seeds_dir: Path, base: str) -> Path:
    """A cache file whose existence records that exactly this content passed SHACL.

    The key covers the ontology, the shapes, every seed file's name and bytes, the base IRI and
    the pyshacl version, so any change triggers a full validation again.
    """
    import hashlib
    from importlib.metadata import version

    h = hashlib.sha256()
    for part in (base, version("pyshacl"), version("rdflib")):
        h.update(part.encode() + b"\0")
    for path in [ONTOLOGY_FILE, SHAPES_FILE, *seed_files(seeds_dir)]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return cache_dir() / f"shacl-ok-{h.hexdigest()[:32]}"


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(SHAPES_FILE)


def _graph_files(ds: Dataset, base: str) -> dict[str, str]:
    """Map each graph IRI to a human name: its seed file where known."""
    ns = namespaces(base)
    names = {ns.ontology_graph: f"ontology/{ONTOLOGY_FILE.name}", ns.entities_graph: f"seeds/{ENTITIES_FILE}"}
    for g in ds.graphs():
        gid = str(g.identifier)
        if gid.startswith(str(ns.source)):
            names.setdefault(gid, f"seeds/{gid[len(str(ns.source)) :]}.trig")
    return names


def validate(ds: Dataset, *, base: str = DEFAULT_BASE_IRI, extra_graphs: Iterable[Graph] = ()) -> list[Problem]:
    """Run the SHACL shapes over the union of every graph in ``ds``.

    Returns the problems found, each placed in the files that state its focus node; an
    empty list means the data conforms.
    """
    from pyshacl import validate as shacl_validate  # slow import; only needed here

    union = Graph()
    for g in list(ds.graphs()) + list(extra_graphs):
        for t in g:
            union.add(t)
    # The union is ours to throw away: validating in place spares pyshacl a full copy of it.
    conforms, report, _ = shacl_validate(union, shacl_graph=_shapes(), advanced=True, allow_warnings=True, inplace=True)
    if conforms:
        return []
    SH = URIRef("http://www.w3.org/ns/shacl#")
    sh = lambda local: URIRef(str(SH) + local)  # noqa: E731
    files = _graph_files(ds, base)
    located: dict[str, set[str]] = {}
    for s, _p, _o, c in ds.quads((None, None, None, None)):
        located.setdefault(str(s), set()).add(files.get(str(c), str(c)))
    problems = []
    for result in report.subjects(RDF.type, sh("ValidationResult")):
        if report.value(result, sh("resultSeverity")) != sh("Violation"):
            continue
        node = report.value(result, sh("focusNode"))
        path = report.value(result, sh("resultPath"))
        value = report.value(result, sh("value"))
        message = report.value(result, sh("resultMessage")) or Literal("constraint violated")
        problems.append(
            Problem(
                node=str(node),
                message=str(message),
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                files=sorted(located.get(str(node), set())),
            )
        )
    problems.sort(key=lambda p: (p.files, p.node, p.path or ""))
    return problems
