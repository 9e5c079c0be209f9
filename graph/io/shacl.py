"""The SHACL shapes of ``ontology/shapes.ttl``, compiled to Python checks over pyoxigraph triples.

pySHACL walks an rdflib graph term by term, which costs about a millisecond per node of a big upload
(a 100k-row claims sheet took minutes). The shapes use a small part of SHACL Core, so they are
compiled here, once, into closures that check an indexed graph: the rules stay in ``shapes.ttl``
(their one home) and this module only knows what each SHACL construct means. A shapes graph that
uses anything this compiler does not know is refused with :class:`UnsupportedShapes`, and the
callers then run pySHACL instead, so a new construct in the shapes is never skipped silently.
``tests/graph/test_shacl.py`` checks that both validators report the same problems.

Supported: node shapes with ``sh:targetClass``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``,
``sh:targetNode``; ``sh:property`` with an IRI ``sh:path``; ``sh:minCount``, ``sh:maxCount``,
``sh:datatype`` (ill-typed literals fail), ``sh:class`` (over ``rdfs:subClassOf*``), ``sh:nodeKind``,
``sh:in``, ``sh:languageIn``, ``sh:pattern`` (with ``sh:flags``), ``sh:minInclusive``,
``sh:maxInclusive``, ``sh:or``, ``sh:message``, ``sh:severity``, ``sh:deactivated``, and SPARQL
constraints (``sh:sparql`` with ``sh:select`` and ``sh:prefixes``) whose query binds ``$this`` in
its patterns, run by Oxigraph over the data graph.

Examples
--------
>>> import pyoxigraph as ox
>>> rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
>>> x = ox.NamedNode("https://w3id.org/rekg/id/x")
>>> quantity = ox.NamedNode("https://w3id.org/rekg/ontology#Quantity")
>>> sorted({(p.node, p.path.rsplit("#")[-1]) for p in compiled_shapes().validate([ox.Triple(x, rdf_type, quantity)])})
[('https://w3id.org/rekg/id/x', 'unit'), ('https://w3id.org/rekg/id/x', 'value')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rekg.graph.io.seeds import Problem
from rekg.ontology import SHAPES_FILE

__all__ = ["CompiledShapes", "UnsupportedShapes", "compile_shapes", "compiled_shapes"]

_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_XSD = str(XSD)
_LANG_STRING = str(RDF.langString)


class UnsupportedShapes(ValueError):
    """The shapes use a SHACL construct this compiler does not implement (run pySHACL instead)."""


#: SHACL predicates a shape may carry, besides the constraints compiled below (they change nothing here).
_IGNORED = {SH.name, SH.description, SH.order, SH.group, RDFS.label, RDFS.comment, SH.defaultValue}
_NODE_KEYS = {
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.targetNode,
    SH.property,
    SH.sparql,
    SH.message,
    SH.severity,
    SH.deactivated,
}
_VALUE_KEYS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.languageIn,
    SH.pattern,
    SH.flags,
    SH.minInclusive,
    SH.maxInclusive,
    SH["or"],
}
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH.message, SH.severity, SH.deactivated, SH.equals, SH.disjoint}

#: Lexical forms of the XML Schema datatypes a literal of that type must match (else it is ill-typed).
_LEXICAL: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"[+-]?\d+"),
    "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    "double": re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN"),
    "float": re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN"),
    "boolean": re.compile(r"true|false|1|0"),
    "gYear": re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?"),
    "gYearMonth": re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?"),
    "date": re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?"),
    "dateTime": re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"),
    "yearMonthDuration": re.compile(r"-?P(?=\d)(\d+Y)?(\d+M)?"),
    "duration": re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"),
}


def _well_formed(lexical: str, datatype: str) -> bool:
    """Whether ``lexical`` is a valid form of ``datatype`` (datatypes not listed here count as valid)."""
    local = datatype[len(_XSD) :] if datatype.startswith(_XSD) else None
    pattern = _LEXICAL.get(local or "")
    if pattern is None:
        return True
    if not pattern.fullmatch(lexical):
        return False
    if local == "date":
        try:
            date.fromisoformat(lexical.lstrip("-")[:10])
        except ValueError:
            return False
    return True


def _number(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> Decimal | None:
    if not isinstance(term, ox.Literal) or not term.datatype.value.startswith(_XSD):
        return None
    try:
        return Decimal(term.value)
    except InvalidOperation:
        return None


class _Data:
    """The data graph, indexed: objects by subject and predicate, subjects by predicate, classes."""

    def __init__(self, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        spo: dict[object, dict[ox.NamedNode, list]] = {}
        for t in triples:
            s, p, o = t.subject, t.predicate, t.object
            by_p = spo.get(s)
            if by_p is None:
                by_p = spo[s] = {}
            values = by_p.get(p)
            if values is None:
                by_p[p] = [o]
            elif o not in values:  # a graph is a set: a repeated triple counts once
                values.append(o)
        self.spo = spo
        self._subjects_of: dict[ox.NamedNode, list] = {}
        self._objects_of: dict[ox.NamedNode, list] = {}
        self._instances: dict[ox.NamedNode, set] = {}
        self._supers: dict[object, frozenset] = {}
        self._is_a: dict[tuple[object, ox.NamedNode], bool] = {}
        self.triples = triples

    def objects(self, s: object, p: ox.NamedNode) -> list:
        by_p = self.spo.get(s)
        return by_p.get(p, []) if by_p else []

    def subjects_of(self, p: ox.NamedNode) -> list:
        found = self._subjects_of.get(p)
        if found is None:
            found = self._subjects_of[p] = [s for s, by_p in self.spo.items() if p in by_p]
        return found

    def objects_of(self, p: ox.NamedNode) -> list:
        found = self._objects_of.get(p)
        if found is None:
            found = self._objects_of[p] = list(dict.fromkeys(o for by_p in self.spo.values() for o in by_p.get(p, ())))
        return found

    def superclasses(self, cls: object) -> frozenset:
        """``cls`` and every class it is an ``rdfs:subClassOf*``."""
        found = self._supers.get(cls)
        if found is None:
            seen = {cls}
            todo = [cls]
            while todo:
                for sup in self.objects(todo.pop(), _SUBCLASS):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            found = self._supers[cls] = frozenset(seen)
        return found

    def is_a(self, node: object, cls: ox.NamedNode) -> bool:
        memo = (node, cls)
        found = self._is_a.get(memo)
        if found is None:
            found = any(cls in self.superclasses(t) for t in self.objects(node, _TYPE))
            self._is_a[memo] = found
        return found

    def instances(self, cls: ox.NamedNode) -> set:
        """The nodes of type ``cls`` or of a subclass of it (an index over every class, built once)."""
        index = getattr(self, "_by_class", None)
        if index is None:
            index = {}
            for node, by_p in self.spo.items():
                types = by_p.get(_TYPE)
                if not types:
                    continue
                for t in types:
                    for c in self.superclasses(t):
                        index.setdefault(c, set()).add(node)
            self._by_class = index
        return index.get(cls, set())


#: A check of one value node: True when it conforms.
_ValueCheck = Callable[[_Data, object], bool]


def _term(node: URIRef | Literal | BNode) -> ox.NamedNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
    raise UnsupportedShapes(f"a blank node where a term is expected: {node}")


def _list(shapes: Graph, head: object) -> list:
    return list(Collection(shapes, head))


def _value_checks(shapes: Graph, shape: object) -> list[tuple[str, _ValueCheck, object]]:
    """The value-type constraints of ``shape``: (component, check, parameter) each."""
    checks: list[tuple[str, _ValueCheck, object]] = []
    for cls in shapes.objects(shape, SH["class"]):
        c = _term(cls)
        # pySHACL's wording where the shape has no sh:message.
        shown = shapes.namespace_manager.normalizeUri(cls)
        checks.append(
            (
                f"Value does not have class {shown}",
                lambda d, v, c=c: not isinstance(v, ox.Literal) and d.is_a(v, c),
                cls,
            )
        )
    for dt in shapes.objects(shape, SH.datatype):
        want = str(dt)

        def datatype(d: _Data, v: object, want: str = want) -> bool:
            if not isinstance(v, ox.Literal):
                return False
            have = v.datatype.value
            return have == want and (have == _LANG_STRING or _well_formed(v.value, have))

        checks.append(("datatype", datatype, dt))
    for kind in shapes.objects(shape, SH.nodeKind):
        allowed = {
            SH.IRI: (ox.NamedNode,),
            SH.BlankNode: (ox.BlankNode,),
            SH.Literal: (ox.Literal,),
            SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode),
            SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
            SH.IRIOrLiteral: (ox.NamedNode, ox.Literal),
        }.get(kind)
        if allowed is None:
            raise UnsupportedShapes(f"sh:nodeKind {kind}")
        checks.append(("nodeKind", lambda d, v, a=allowed: isinstance(v, a), kind))
    for members in shapes.objects(shape, SH["in"]):
        terms = {_term(m) for m in _list(shapes, members)}
        checks.append(("in", lambda d, v, t=terms: v in t, members))
    for langs in shapes.objects(shape, SH.languageIn):
        tags = [str(t).lower() for t in _list(shapes, langs)]

        def language(d: _Data, v: object, tags: list[str] = tags) -> bool:
            lang = v.language.lower() if isinstance(v, ox.Literal) and v.language else ""
            return bool(lang) and any(lang == t or lang.startswith(t + "-") or t == "*" for t in tags)

        checks.append(("languageIn", language, langs))
    for pattern in shapes.objects(shape, SH.pattern):
        flags = 0
        for f in str(shapes.value(shape, SH.flags) or ""):
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}.get(f, 0)
        rx = re.compile(str(pattern), flags)
        checks.append(
            ("pattern", lambda d, v, rx=rx: not isinstance(v, ox.BlankNode) and bool(rx.search(v.value)), pattern)
        )
    for bound, op in ((SH.minInclusive, Decimal.__ge__), (SH.maxInclusive, Decimal.__le__)):
        for limit in shapes.objects(shape, bound):
            n = Decimal(str(limit))

            def inclusive(d: _Data, v: object, n: Decimal = n, op: Callable = op) -> bool:
                x = _number(v)
                return x is not None and op(x, n)

            checks.append(("minInclusive" if bound == SH.minInclusive else "maxInclusive", inclusive, limit))
    for alternatives in shapes.objects(shape, SH["or"]):
        branches = []
        for member in _list(shapes, alternatives):
            keys = set(shapes.predicates(member)) - _IGNORED
            if not keys <= _VALUE_KEYS | {RDF.type}:
                raise UnsupportedShapes(f"sh:or member with {sorted(keys - _VALUE_KEYS)}")
            branches.append([c for _, c, _ in _value_checks(shapes, member)])
        checks.append(("or", lambda d, v, b=branches: any(all(c(d, v) for c in cs) for cs in b), alternatives))
    return checks


@dataclass
class _PropertyShape:
    path: ox.NamedNode
    min_count: int | None
    max_count: int | None
    checks: list[tuple[str, _ValueCheck, object]]
    message: str | None
    equals: list[ox.NamedNode]
    disjoint: list[ox.NamedNode]


@dataclass
class _SparqlConstraint:
    query: str
    message: str | None


@dataclass
class _NodeShape:
    iri: str
    classes: list[ox.NamedNode]
    subjects_of: list[ox.NamedNode]
    objects_of: list[ox.NamedNode]
    nodes: list[ox.NamedNode | ox.Literal]
    checks: list[tuple[str, _ValueCheck, object]]
    properties: list[_PropertyShape]
    sparql: list[_SparqlConstraint]
    message: str | None


def _message(shapes: Graph, shape: object) -> str | None:
    messages = list(shapes.objects(shape, SH.message))
    return str(messages[0]) if messages else None


def _violation(shapes: Graph, shape: object) -> bool:
    """Whether a shape reports violations (not warnings or infos) and is active."""
    if str(shapes.value(shape, SH.deactivated) or "false").lower() == "true":
        return False
    severity = shapes.value(shape, SH.severity)
    return severity is None or severity == SH.Violation


def _property_shape(shapes: Graph, shape: object) -> _PropertyShape | None:
    keys = set(shapes.predicates(shape)) - _IGNORED - {RDF.type}
    unknown = keys - _PROPERTY_KEYS - _VALUE_KEYS
    if unknown:
        raise UnsupportedShapes(f"property shape {shape} uses {sorted(str(k) for k in unknown)}")
    path = shapes.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise UnsupportedShapes(f"property shape {shape} has a path that is not one IRI")
    if not _violation(shapes, shape):
        return None
    lo, hi = shapes.value(shape, SH.minCount), shapes.value(shape, SH.maxCount)
    return _PropertyShape(
        path=ox.NamedNode(str(path)),
        min_count=int(lo) if lo is not None else None,
        max_count=int(hi) if hi is not None else None,
        checks=_value_checks(shapes, shape),
        message=_message(shapes, shape),
        equals=[ox.NamedNode(str(p)) for p in shapes.objects(shape, SH.equals)],
        disjoint=[ox.NamedNode(str(p)) for p in shapes.objects(shape, SH.disjoint)],
    )


_UNSUPPORTED_SPARQL = re.compile(r"\b(MINUS|SERVICE|VALUES|BIND|GRAPH|UNION)\b|\$(?!this\b)\w+", re.I)
#: The WHERE clause starts with a triple pattern whose subject is $this (so joining binds it as pre-binding would).
_THIS_FIRST = re.compile(r"WHERE\s*\{\s*\$this\s", re.I)


def _sparql(shapes: Graph, constraint: object) -> _SparqlConstraint:
    select = shapes.value(constraint, SH.select)
    keys = set(shapes.predicates(constraint)) - _IGNORED - {RDF.type}
    if select is None or keys - {SH.select, SH.prefixes, SH.message, SH.deactivated}:
        raise UnsupportedShapes(f"SPARQL constraint {constraint} is not one sh:select")
    text = str(select)
    if (
        _UNSUPPORTED_SPARQL.search(text)
        or not _THIS_FIRST.search(text)
        or len(re.findall(r"\bSELECT\b", text, re.I)) != 1
    ):
        # $this is bound by joining; that equals pre-binding only for a plain pattern query.
        raise UnsupportedShapes(f"SPARQL constraint {constraint} is not a plain pattern query")
    prefixes = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(owner, SH.declare):
            prefixes.append(f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>")
    return _SparqlConstraint(
        query="\n".join([*prefixes, text.replace("$this", "?this")]), message=_message(shapes, constraint)
    )


@dataclass
class CompiledShapes:
    """The shapes graph compiled to checks; :meth:`validate` reports the violations like pySHACL."""

    shapes: list[_NodeShape]

    def validate(self, triples: Iterable[ox.Triple | ox.Quad], *, focus: set[str] | None = None) -> list[Problem]:
        """SHACL violations in the data graph made of ``triples``.

        Parameters
        ----------
        triples : iterable of pyoxigraph.Triple or Quad
            The data graph (graph names are ignored: the shapes run over the union).
        focus : set of str, optional
            Only report problems about these nodes (IRIs or literal values); all when None.

        Returns
        -------
        list of Problem
            One per violation (``files`` left empty), sorted by node, path and value.
        """
        triples = list(triples)
        data = _Data(triples)
        problems: list[Problem] = []
        for shape in self.shapes:
            targets: dict[object, None] = {}
            for cls in shape.classes:
                targets.update(dict.fromkeys(data.instances(cls)))
            for p in shape.subjects_of:
                targets.update(dict.fromkeys(data.subjects_of(p)))
            for p in shape.objects_of:
                targets.update(dict.fromkeys(data.objects_of(p)))
            targets.update(dict.fromkeys(shape.nodes))
            if focus is not None:
                targets = {t: None for t in targets if not isinstance(t, ox.BlankNode) and t.value in focus}
            if not targets:
                continue
            for node in targets:
                for component, check, param in shape.checks:
                    if not check(data, node):
                        problems.append(_problem(node, None, node, shape.message, component, param))
                for ps in shape.properties:
                    values = data.objects(node, ps.path)
                    if ps.min_count is not None and len(values) < ps.min_count:
                        problems.append(_problem(node, ps.path, None, ps.message, "minCount", ps.min_count))
                    if ps.max_count is not None and len(values) > ps.max_count:
                        problems.append(_problem(node, ps.path, None, ps.message, "maxCount", ps.max_count))
                    for v in values:
                        for component, check, param in ps.checks:
                            if not check(data, v):
                                problems.append(_problem(node, ps.path, v, ps.message, component, param))
                    for other in ps.equals:
                        theirs = data.objects(node, other)
                        for v in [v for v in values if v not in theirs] + [v for v in theirs if v not in values]:
                            problems.append(_problem(node, ps.path, v, ps.message, "equals", other))
                    for other in ps.disjoint:
                        theirs = data.objects(node, other)
                        for v in (v for v in values if v in theirs):
                            problems.append(_problem(node, ps.path, v, ps.message, "disjoint", other))
            for constraint in shape.sparql:
                problems += _run_sparql(data, constraint, targets)
        problems.sort(key=lambda p: (p.node, p.path or "", p.value or "", p.message))
        return problems


def _problem(
    node: object, path: ox.NamedNode | None, value: object, message: str | None, component: str, param: object
) -> Problem:
    return Problem(
        node=node.value,
        message=message
        or (component if component.startswith("Value ") else f"{component} constraint violated ({param})"),
        path=path.value if path is not None else None,
        value=value.value
        if value is not None and not isinstance(value, ox.BlankNode)
        else (str(value) if value is not None else None),
    )


def _run_sparql(data: _Data, constraint: _SparqlConstraint, targets: dict) -> list[Problem]:
    store = getattr(data, "_store", None)
    if store is None:
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in data.triples)
        data._store = store  # type: ignore[attr-defined]
    found = []
    results = store.query(constraint.query)
    names = [v.value for v in results.variables]
    for row in results:
        this = row["this"]
        if this not in targets:
            continue
        bound = {n: row[n] for n in names if row[n] is not None}
        message = constraint.message
        if message:
            # SHACL message templates: {?var} and {$this} are replaced by the solution's values.
            message = re.sub(r"\{[?$](\w+)\}", lambda m, b=bound: b[m[1]].value if m[1] in b else m[0], message)
        found.append(_problem(this, bound.get("path"), bound.get("value"), message, "sparql", "SELECT"))
    return found


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Compile a SHACL shapes graph.

    Raises
    ------
    UnsupportedShapes
        If a shape uses a construct outside the supported subset (see the module's docstring).
    """
    compiled = []
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    for key in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
        node_shapes |= set(shapes.subjects(key, None))
    for s in sorted(node_shapes, key=str):
        if (s, RDF.type, RDFS.Class) in shapes or (
            s,
            RDF.type,
            URIRef("http://www.w3.org/2002/07/owl#Class"),
        ) in shapes:
            raise UnsupportedShapes(f"implicit class target of {s}")
        keys = set(shapes.predicates(s)) - _IGNORED - {RDF.type}
        unknown = keys - _NODE_KEYS - _VALUE_KEYS
        if unknown:
            raise UnsupportedShapes(f"node shape {s} uses {sorted(str(k) for k in unknown)}")
        if not _violation(shapes, s):
            continue
        properties = [
            p for p in (_property_shape(shapes, ps) for ps in shapes.objects(s, SH.property)) if p is not None
        ]
        compiled.append(
            _NodeShape(
                iri=str(s),
                classes=[ox.NamedNode(str(c)) for c in shapes.objects(s, SH.targetClass)],
                subjects_of=[ox.NamedNode(str(p)) for p in shapes.objects(s, SH.targetSubjectsOf)],
                objects_of=[ox.NamedNode(str(p)) for p in shapes.objects(s, SH.targetObjectsOf)],
                nodes=[_term(n) for n in shapes.objects(s, SH.targetNode)],
                checks=_value_checks(shapes, s),
                properties=properties,
                sparql=[_sparql(shapes, c) for c in shapes.objects(s, SH.sparql)],
                message=_message(shapes, s),
            )
        )
    return CompiledShapes(compiled)


@lru_cache(maxsize=1)
def compiled_shapes() -> CompiledShapes:
    """``ontology/shapes.ttl``, compiled once per process.

    Raises
    ------
    UnsupportedShapes
        If the shapes use a construct this module does not implement.
    """
    return compile_shapes(Graph().parse(SHAPES_FILE))
