"""Claims sheets: one claim per row, mapped by ``claims.toml``, names resolved as the API resolves them.

A claims sheet is a CSV: ``# key: value`` lines describing the source (``title``, ``publisher``,
``date``, ``url``, ``kind``, optionally ``id``), then the header ``subject, relation, object, value,
unit, date, valid_from, valid_until, status, note`` and one claim per row. Relations are the
ontology's properties and indicators, by local name or label (:func:`relations`); a relation in the
mapping's ``create`` list (``a``) makes a new entity of the class named in ``object``.

Examples
--------
>>> from rekg.graph import open_graph
>>> kg = open_graph(validate_shapes=False)
>>> from rekg.graph.io.importers.engine import read_csv
>>> sheet = read_csv(TEMPLATE_EXAMPLE.encode())
>>> done = import_claims(kg, sheet)
>>> str(done.graph.identifier), done.rows
('https://w3id.org/rekg/source/lanthanide-weekly-2025-11-20', 9)
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD
from rekg.graph.answers.names import name_index, resolve_name
from rekg.graph.errors import AmbiguousName, InvalidParameter, NodeNotFound, SheetError
from rekg.graph.kg import KnowledgeGraph
from rekg.ontology import REKG, ontology_graph

from .engine import (
    QUDT,
    Imported,
    RowProblem,
    Sheet,
    Triples,
    key,
    mapping,
    nt,
    number_literal,
    out_of_range,
    parse_date,
    parse_number,
    slug,
    vocabulary,
)

__all__ = ["TEMPLATE_EXAMPLE", "import_claims", "relations", "template"]

#: Problems listed in one report at most (the count says how many more there were).
MAX_PROBLEMS = 200

#: A filled sheet for a made-up article (the README shows it; the tests import it).
TEMPLATE_EXAMPLE = """\
# id: lanthanide-weekly-2025-11-20
# title: Kuantan line to separate heavy rare earths; Malaysia mined more than reported
# publisher: Lanthanide Weekly
# date: 2025-11-20
# url: https://example.org/lanthanide-weekly/2025-11-20
# kind: news article
subject,relation,object,value,unit,date,valid_from,valid_until,status,note
Lanthanide Weekly,a,company,,,,,,,made-up trade newsletter
Kuantan heavy rare earths line,a,facility,,,,,,planned,made-up plant
Kuantan heavy rare earths line,operator,Lynas,,,,,,,
Kuantan heavy rare earths line,located in,Malaysia,,,,,,,
Kuantan heavy rare earths line,stage,separation,,,,,,,
Kuantan heavy rare earths line,produces,dysprosium oxide,,,,,,,
Kuantan heavy rare earths line,start year,,2026,,,,,,
Malaysia,mine production,rare earths,"1,200",t REO,2024,,,,the newsletter's own estimate
MOFCOM Announcement 2025 No. 61,suspended until,,,,2026-12-10,,,,the newsletter reports a later date
"""


def relations() -> list[dict[str, str]]:
    """The relations a claims sheet may use, generated from the ontology and the mapping's aliases.

    Examples
    --------
    >>> rel = {r["relation"]: r for r in relations()}
    >>> rel["locatedIn"]["kind"], rel["mine production"]["kind"], rel["imposes"]["means"]
    ('property', 'indicator', 'imposedBy (read backwards)')
    """
    m = mapping("claims")["relations"]
    v = vocabulary()
    excluded = {key(x) for x in m["exclude"]}
    out = [{"relation": r, "kind": "create", "means": "a new entity; object names its class"} for r in m["create"]]
    seen: set[URIRef] = set()
    for p in sorted(set(v.properties.values())):
        local = str(p).rsplit("#", 1)[1]
        if key(local) in excluded or p in seen:
            continue
        seen.add(p)
        kind = "quantity" if local in m["quantities"] else "property"
        out.append({"relation": local, "kind": kind, "means": str(p)})
    for i in sorted(set(v.individuals[REKG.Indicator].values())):
        out.append({"relation": _indicator_label(i), "kind": "indicator", "means": str(i)})
    for alias, target in m["aliases"].items():
        name = target.lstrip("~")
        means = name + (" (read backwards)" if target.startswith("~") else "")
        out.append({"relation": alias, "kind": "alias", "means": means})
    return out


@lru_cache(maxsize=256)
def _indicator_label(i: URIRef) -> str:
    return str(ontology_graph().value(i, RDFS.label) or str(i).rsplit("#", 1)[1])


def template() -> str:
    """An empty claims sheet: the source block, the header and one commented example row.

    Examples
    --------
    >>> print(template().splitlines()[-2])
    subject,relation,object,value,unit,date,valid_from,valid_until,status,note
    """
    m = mapping("claims")["sheet"]
    out = io.StringIO()
    for k in m["source_keys"]:
        out.write(f"# {k}: \n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(m["columns"])
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow(m["example"])
    out.write("# " + row.getvalue())
    return out.getvalue()


class _Rows:
    """The state of one import: the graph being built, problems, and caches of resolved names."""

    def __init__(self, kg: KnowledgeGraph, name: str) -> None:
        self.kg = kg
        self.name = name
        self.problems: list[RowProblem] = []
        self.extra = 0
        self.created: dict[str, tuple[URIRef, URIRef]] = {}  # key(label) -> (iri, class)
        self.names: dict[tuple[str, frozenset[str]], URIRef | RowProblem] = {}
        self.publisher: URIRef | None = None

    def problem(self, row: int | None, column: str | None, reason: str, value: str | None = None, **kw) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.extra += 1
            return
        self.problems.append(RowProblem(row, column, reason, value, **kw))

    def resolve(
        self, row: int, column: str, name: str, types: set[str] | frozenset[str] | None, what: str
    ) -> URIRef | None:
        made = self.created.get(key(name)) if self.created else None
        if made is not None:
            return made[0]
        memo = (name, types if isinstance(types, frozenset) else frozenset(types or ()))
        found = self.names.get(memo)
        if found is None:
            try:
                found = URIRef(resolve_name(self.kg, name, types=types, what=what)[0])
            except NodeNotFound as exc:
                found = RowProblem(row, column, exc.detail, name, exc.suggestions)
            except AmbiguousName as exc:
                found = RowProblem(row, column, exc.detail, name, list(exc.extra.get("suggestions", [])))
            except InvalidParameter as exc:
                found = RowProblem(row, column, exc.detail, name)
            self.names[memo] = found
        if isinstance(found, RowProblem):
            self.problem(row, column, found.reason, name, suggestions=found.suggestions)
            return None
        return found


def _defined_in(kg: KnowledgeGraph, iri: URIRef, src: URIRef) -> bool:
    """Whether ``iri`` was created by the source ``src`` itself (importing the same sheet again)."""
    return bool(kg.store.query(f"ASK {{ GRAPH <{src}> {{ <{iri}> a ?c }} }}"))


@lru_cache(maxsize=256)
def _subclasses(cls: URIRef) -> frozenset[str]:
    return frozenset(str(c) for c, sup in vocabulary().superclasses.items() if cls in sup)


def import_claims(kg: KnowledgeGraph, sheet: Sheet, *, name: str = "<upload>") -> Imported:
    """Map a claims sheet to its source's graph, all or nothing.

    Parameters
    ----------
    kg : KnowledgeGraph
        Names are resolved against it.
    sheet : Sheet
        The CSV as read by :func:`rekg.graph.io.importers.engine.read_csv`.
    name : str
        File name for messages.

    Returns
    -------
    Imported

    Raises
    ------
    SheetError
        Listing every problem by row and column (unknown or ambiguous names with suggestions,
        unknown relations, bad dates, numbers or units). Nothing is built.
    """
    m = mapping("claims")
    v = vocabulary()
    st = _Rows(kg, name)
    hr = sheet.header_row
    missing = [c for c in m["sheet"]["required"] if c not in sheet.header]
    if missing:
        st.problem(hr, None, f"the header lacks the column(s) {', '.join(missing)}; see `rekg template`")
        raise _rejected(st, name)
    for k in m["sheet"]["source_required"]:
        if not sheet.meta.get(k):
            st.problem(None, k, f"the source needs a '# {k}: ...' line above the header")
    create = {key(c) for c in m["relations"]["create"]}
    local = sheet.meta.get("id") or slug(f"{sheet.meta.get('publisher') or 'sheet'}-{sheet.meta.get('date', '')}")
    src = URIRef(str(kg.ns.source[local]))

    # New entities first: a later row (or the publisher line) may name one.
    made: dict[URIRef, tuple[int, str, URIRef]] = {}  # new entity -> the row, label and class it was first made with
    for row, cells in sheet.rows:
        if key(cells.get("relation", "")) not in create:
            continue
        label, cls_name = cells.get("subject", ""), cells.get("object", "")
        cls = v.classes.get(key(cls_name))
        if not label:
            st.problem(row, "subject", "a new entity needs its label in the subject column")
            continue
        if cls is None:
            st.problem(row, "object", f"{cls_name!r} is not a class of the ontology", cls_name)
            continue
        iri = URIRef(kg.iri(slug(label)))
        known = [k for k in name_index(kg).lookup(label) if not (k == str(iri) and _defined_in(kg, iri, src))]
        if known:
            st.problem(
                row,
                "subject",
                f"{label!r} already names an entity; use that name in claims instead of creating it",
                label,
                suggestions=[name_index(kg).suggestion(i) for i in known[:5]],
            )
            continue
        first = made.setdefault(iri, (row, label, cls))
        if first[1:] != (label, cls):
            st.problem(
                row,
                "subject",
                f"{label!r} would be the same new entity as {first[1]!r} (row {first[0]}) made again or as another "
                "class; create each entity once and use that one name",
                label,
            )
            continue
        st.created[key(label)] = (iri, cls)

    publisher = None
    if sheet.meta.get("publisher"):
        publisher = st.resolve(None, "publisher", sheet.meta["publisher"], {str(REKG.Organization)}, "publisher")
        st.publisher = publisher
    src_date = parse_date(sheet.meta.get("date", ""))
    if sheet.meta.get("date") and (src_date is None or src_date.datatype != XSD.date):
        st.problem(None, "date", "the source date must be a day, YYYY-MM-DD", sheet.meta.get("date"))
    kind_name = sheet.meta.get("kind") or m["source"]["default_kind"]
    kind = v.individual(REKG.SourceKind, kind_name)
    if kind is None:
        st.problem(None, "kind", f"{kind_name!r} is not a kind of source", kind_name)
    g = Triples(src)
    g.add((src, RDF.type, REKG.Source))
    g.add((src, RDFS.label, Literal(sheet.meta.get("title", local), lang="en")))
    for k in ("title", "url"):
        if sheet.meta.get(k):
            if k == "url" and "://" not in sheet.meta[k]:
                st.problem(
                    None, k, f"the url must be a web address (https://...); got {sheet.meta[k]!r}", sheet.meta[k]
                )
                continue
            value = URIRef(sheet.meta[k]) if k == "url" else Literal(sheet.meta[k])
            g.add((src, URIRef(m["source"][k]), value))
            if isinstance(value, URIRef):
                g.add((src, URIRef(m["source"]["derived_from"]), value))
    if publisher is not None:
        g.add((src, DCTERMS.publisher, publisher))
        g.add((src, URIRef(m["source"]["attributed_to"]), publisher))
    if src_date is not None and src_date.datatype == XSD.date:
        g.add((src, DCTERMS.date, src_date))
    if kind is not None:
        g.add((src, REKG.sourceKind, kind))

    done = Imported(triples=g, kind="claims", rows=len(sheet.rows))
    for iri, cls in st.created.values():
        g.add((iri, RDF.type, cls))
    for row, cells in sheet.rows:
        _row(st, g, done, row, cells, create, local)
    if st.problems:
        raise _rejected(st, name)
    return done


@lru_cache(maxsize=1024)
def _relation(rel_name: str) -> tuple[str, bool, URIRef | None, URIRef | None]:
    """What a relation cell means: (target name, read backwards, indicator, property), looked up once per cell."""
    m = mapping("claims")["relations"]
    v = vocabulary()
    aliases = {key(a): t for a, t in m["aliases"].items()}
    target = aliases.get(key(rel_name), rel_name)
    backwards = target.startswith("~")
    target = target.lstrip("~")
    indicator = v.individual(REKG.Indicator, target)
    if indicator is not None:
        return target, backwards, indicator, None
    prop = v.properties.get(key(target))
    if prop is not None and key(str(prop).rsplit("#", 1)[1]) in {key(x) for x in m["exclude"]}:
        prop = None
    return target, backwards, None, prop


def _row(
    st: _Rows, g: Triples, done: Imported, row: int, cells: dict[str, str], create: set[str], source_local: str
) -> None:
    """Map one row into ``g`` (or record its problems)."""
    m = mapping("claims")
    v = vocabulary()
    subject_name, rel_name, object_name = cells.get("subject", ""), cells.get("relation", ""), cells.get("object", "")
    note = cells.get("note", "")
    if not subject_name:
        st.problem(row, "subject", "the subject is empty")
        return
    if not rel_name:
        st.problem(row, "relation", "the relation is empty")
        return
    if key(rel_name) in create:
        iri, _ = st.created.get(key(subject_name), (None, None))
        if iri is not None:
            done.node_rows.setdefault(str(iri), row)
            g.add((iri, RDFS.label, Literal(subject_name, lang="en")))
            if note:
                g.add((iri, RDFS.comment, Literal(note, lang="en")))
            _columns(st, g, row, cells, iri)
        return
    _, backwards, indicator, prop = _relation(rel_name)
    if indicator is not None:
        _statistic(st, g, done, row, cells, indicator, source_local)
        return
    if prop is None:
        st.problem(
            row, "relation", f"{rel_name!r} is not a relation a sheet may use; see the list in the README", rel_name
        )
        return
    local = str(prop).rsplit("#", 1)[1]
    rng = v.ranges.get(prop)
    if backwards:
        subject = st.resolve(row, "object", object_name, None, "entity") if object_name else None
        if not object_name:
            st.problem(row, "object", f"{rel_name!r} needs an object")
        obj = st.resolve(row, "subject", subject_name, _subclasses(rng) if rng else None, "entity")
        if subject is None or obj is None:
            return
        g.add((subject, prop, obj))
        done.node_rows.setdefault(str(subject), row)
        return
    subject = st.resolve(row, "subject", subject_name, None, "entity")
    if local in m["relations"]["quantities"]:
        _quantity(st, g, done, row, cells, subject, prop, source_local)
        return
    if prop in v.object_properties:
        if not object_name:
            st.problem(row, "object", f"{rel_name!r} needs an object")
            return
        obj: URIRef | None
        if rng is not None and rng in v.individuals:
            obj = v.individual(rng, object_name)
            if obj is None:
                names = sorted({str(i).rsplit("#", 1)[1] for i in v.individuals[rng].values()})
                st.problem(row, "object", f"{object_name!r} is not one of {', '.join(names)}", object_name)
        else:
            obj = st.resolve(row, "object", object_name, _subclasses(rng) if rng else None, "entity")
        if subject is not None and obj is not None:
            _fact(st, g, done, row, subject, prop, obj, cells.get("note", ""), source_local)
    else:
        literal = _literal(st, row, cells, rng, rel_name)
        if subject is not None and literal is not None:
            _fact(st, g, done, row, subject, prop, literal, cells.get("note", ""), source_local)
    if subject is not None:
        done.node_rows.setdefault(str(subject), row)
        _columns(st, g, row, cells, subject)


def _fact(
    st: _Rows,
    g: Triples,
    done: Imported,
    row: int,
    subject: URIRef,
    prop: URIRef,
    value: URIRef | Literal,
    note: str,
    source_local: str,
) -> None:
    """State ``subject prop value``, or, where the graph holds another value of a functional property, claim it.

    A functional property (a date, a status) has one value per subject across the graph, so the shapes
    refuse a second one; the sheet's differing value is stored as its source's ``rekg:Claim``
    (``claimedProperty``, ``claimedValue``), which the conflict query sets against the stated value.
    """
    held = _held(st, subject, prop) if prop in vocabulary().functional else set()
    if not held or value.n3() in held:
        g.add((subject, prop, value))
        return
    claim = URIRef(st.kg.iri(f"claim-{source_local}-r{row}"))
    done.node_rows[str(claim)] = row
    local = str(prop).rsplit("#", 1)[1]
    g.add((claim, RDF.type, REKG.Claim))
    g.add((claim, RDFS.label, Literal(f"reports {local} {value} (row {row})", lang="en")))
    if st.publisher is not None:  # without one, the shapes report the claim's missing claimant
        g.add((claim, REKG.claimant, st.publisher))
        g.add((claim, URIRef(mapping("claims")["source"]["attributed_to"]), st.publisher))
    g.add((claim, REKG.about, subject))
    g.add((claim, REKG.claimedProperty, prop))
    g.add((claim, REKG.claimedValue, value))
    if note:
        g.add((claim, RDFS.comment, Literal(note, lang="en")))


def _held(st: _Rows, subject: URIRef, prop: URIRef) -> set[str]:
    """The values the graph states for ``subject prop``, in N-Triples syntax."""
    import pyoxigraph as ox

    rows = st.kg.construct(f"CONSTRUCT {{ <{subject}> <{prop}> ?o }} WHERE {{ <{subject}> <{prop}> ?o }}")
    out = set()
    for t in rows:
        o = t.object
        out.add(
            Literal(o.value, datatype=URIRef(o.datatype.value)).n3()
            if isinstance(o, ox.Literal) and o.datatype
            else URIRef(o.value).n3()
            if isinstance(o, ox.NamedNode)
            else str(o)
        )
    return out


def _literal(st: _Rows, row: int, cells: dict[str, str], rng: URIRef | None, rel_name: str) -> Literal | None:
    """The value of a datatype relation, from the ``date`` column for dates and ``value`` otherwise."""
    if rng in (XSD.date, XSD.gYear) or rng is None:
        column = "date" if cells.get("date") else "value"
        cell = cells.get(column, "")
        lit = parse_date(cell)
        if (
            lit is None
            or (rng == XSD.date and lit.datatype != XSD.date)
            or (rng == XSD.gYear and lit.datatype != XSD.gYear)
        ):
            want = {XSD.date: "YYYY-MM-DD", XSD.gYear: "YYYY"}.get(rng, "YYYY-MM-DD, YYYY-MM or YYYY")
            st.problem(row, column, f"{rel_name!r} needs a date ({want}); got {cell!r}", cell)
            return None
        return lit
    cell = cells.get("value", "")
    if rng == XSD.decimal:
        number = parse_number(cell)
        if number is None:
            st.problem(row, "value", f"{rel_name!r} needs a number; got {cell!r}", cell)
            return None
        return Literal(number, datatype=XSD.decimal)
    if not cell:
        st.problem(row, "value", f"{rel_name!r} needs a value")
        return None
    return Literal(cell, datatype=rng) if rng not in (XSD.string,) else Literal(cell)


@lru_cache(maxsize=1)
def _units() -> dict[str, str]:
    """The mapping's unit table by :func:`key` of the cell."""
    return {key(k): u for k, u in mapping("claims")["units"].items() if isinstance(u, str)}


def _unit(st: _Rows, row: int, cells: dict[str, str], expected: URIRef | None, what: str) -> URIRef | None:
    """The unit IRI of the row: the cell by the mapping's table (or as written) to a ``qudt:Unit`` of the ontology."""
    cell = cells.get("unit", "")
    symbol = _units().get(key(cell), cell)
    unit = vocabulary().unit(symbol) if cell else None
    if unit is None:
        known = ", ".join(sorted({str(s) for u in set(vocabulary().units.values()) for s in _symbols(u)}))
        reason = f"{cell!r} is not a unit the ontology declares ({known})" if cell else "a unit is needed"
        st.problem(row, "unit", reason, cell)
        return None
    if expected is not None and unit != expected:
        shown = _symbols(expected)[0]
        st.problem(row, "unit", f"unit mismatch: {what} is given in {shown}, not {cell!r}", cell)
        return None
    return unit


@lru_cache(maxsize=64)
def _expected_unit(indicator: URIRef) -> URIRef | None:
    """The unit the ontology says the indicator's figures are given in (``rekg:unitOfMeasure``)."""
    found = ontology_graph().value(indicator, REKG.unitOfMeasure)
    return found if isinstance(found, URIRef) else None


@lru_cache(maxsize=64)
def _symbols(unit: URIRef) -> list[str]:
    return [str(s) for s in ontology_graph().objects(unit, QUDT.symbol)] or [str(unit).rsplit("/", 1)[-1]]


def _statistic(
    st: _Rows, g: Triples, done: Imported, row: int, cells: dict[str, str], indicator: URIRef, source_local: str
) -> None:
    """A figure: subject (an actor), indicator (the relation), material (object), value, unit and period (date)."""
    subject = st.resolve(row, "subject", cells.get("subject", ""), _ACTOR, "actor")
    material = None
    if cells.get("object"):
        material = st.resolve(row, "object", cells["object"], _MATERIAL, "material")
    value = parse_number(cells.get("value", ""))
    if value is None:
        st.problem(row, "value", f"a figure needs a number; got {cells.get('value', '')!r}", cells.get("value"))
    elif (why := out_of_range(indicator, value)) is not None:
        st.problem(row, "value", why, cells.get("value"))
        value = None
    unit = _unit(st, row, cells, _expected_unit(indicator), _indicator_label(indicator))
    period = _period(cells.get("date", ""))
    if period is None:
        st.problem(row, "date", "a figure needs its period in date (YYYY, YYYY-MM or YYYY-MM-DD)", cells.get("date"))
    if subject is None or value is None or unit is None or period is None:
        return
    # The hot path of big sheets: the lines are written directly, every term but the figure already in N-Triples.
    iri = f"{st.kg.iri(f'stat-{source_local}-r')}{row}"
    done.node_rows[iri] = row
    s = f"<{iri}> "
    lines = g.lines
    lines[f"{s}{_TYPE_STATISTIC}"] = None
    lines[f"{s}{_P_SUBJECT} {_iri_nt(subject)} .\n"] = None
    lines[f"{s}{_P_INDICATOR} {_iri_nt(indicator)} .\n"] = None
    if material is not None:
        lines[f"{s}{_P_MATERIAL} {_iri_nt(material)} .\n"] = None
    lines[f"{s}{_P_VALUE} {_number_nt(value)} .\n"] = None
    lines[f"{s}{_P_UNIT} {_iri_nt(unit)} .\n"] = None
    lines[f"{s}{_P_PERIOD} {period} .\n"] = None
    if cells.get("note"):
        g.add((URIRef(iri), RDFS.comment, Literal(cells["note"], lang="en")))


_TYPE_STATISTIC = f"<{RDF.type}> <{REKG.Statistic}> .\n"
_ACTOR, _MATERIAL = frozenset({str(REKG.Actor)}), frozenset({str(REKG.Material)})
_P_SUBJECT, _P_INDICATOR, _P_MATERIAL, _P_VALUE, _P_UNIT, _P_PERIOD = (
    f"<{REKG[p]}>" for p in ("subject", "indicator", "material", "value", "unit", "period")
)


@lru_cache(maxsize=4096)
def _iri_nt(iri: str) -> str:
    return nt(URIRef(iri))


@lru_cache(maxsize=4096)
def _period(cell: str) -> str | None:
    """A period cell in N-Triples (a year, month or day), or None."""
    lit = parse_date(cell)
    return nt(lit) if lit is not None else None


def _number_nt(value: Decimal) -> str:
    """A figure as :func:`number_literal` writes it, in N-Triples."""
    if value == value.to_integral_value():
        return f'"{int(value)}"^^<{XSD.integer}>'
    return f'"{value}"^^<{XSD.decimal}>'


def _decimal(value: Decimal) -> Literal:
    return number_literal(value)


def _quantity(
    st: _Rows,
    g: Triples,
    done: Imported,
    row: int,
    cells: dict[str, str],
    subject: URIRef | None,
    prop: URIRef,
    source_local: str,
) -> None:
    """A capacity, investment or price floor: a rekg:Quantity with a value, a unit and maybe a material."""
    value = parse_number(cells.get("value", ""))
    if value is None:
        st.problem(row, "value", f"a quantity needs a number; got {cells.get('value', '')!r}", cells.get("value"))
    unit = _unit(st, row, cells, None, "it")
    material = None
    if cells.get("object"):
        material = st.resolve(row, "object", cells["object"], {str(REKG.Material)}, "material")
    if subject is None or value is None or unit is None:
        return
    q = URIRef(st.kg.iri(f"{source_local}-r{row}-quantity"))
    done.node_rows[str(q)] = done.node_rows[str(subject)] = row
    g.add((subject, prop, q))
    g.add((q, RDF.type, REKG.Quantity))
    g.add((q, REKG.value, _decimal(value)))
    g.add((q, REKG.unit, unit))
    if material is not None:
        g.add((q, REKG.material, material))


def _columns(st: _Rows, g: Triples, row: int, cells: dict[str, str], subject: URIRef) -> None:
    """The statements ``valid_from``, ``valid_until`` and ``status`` add about the row's subject."""
    m = mapping("claims")["columns"]
    v = vocabulary()
    for column in ("valid_from", "valid_until"):
        cell = cells.get(column, "")
        if not cell:
            continue
        lit = parse_date(cell)
        if lit is None or lit.datatype != XSD.date:
            st.problem(row, column, f"{column} needs a day, YYYY-MM-DD; got {cell!r}", cell)
        else:
            g.add((subject, URIRef(m[column]), lit))
    status = cells.get("status", "")
    if not status:
        return
    classes = _classes_of(st, subject)
    for cls, prop in m["status"].items():
        if URIRef(cls) in classes:
            rng = v.ranges[URIRef(prop)]
            found = v.individual(rng, status)
            if found is None:
                names = sorted({str(i).rsplit("#", 1)[1] for i in v.individuals[rng].values()})
                st.problem(row, "status", f"{status!r} is not one of {', '.join(names)}", status)
            else:
                g.add((subject, URIRef(prop), found))
            return
    st.problem(row, "status", "a status is given only for measures and facilities", status)


def _classes_of(st: _Rows, subject: URIRef) -> set[URIRef]:
    for iri, cls in st.created.values():
        if iri == subject:
            return set(vocabulary().superclasses.get(cls, {cls}))
    entry = name_index(st.kg).entries.get(str(subject))
    return {URIRef(t) for t in entry.types} if entry else set()


def _rejected(st: _Rows, name: str) -> SheetError:
    more = f" (and {st.extra} more)" if st.extra else ""
    shown = "\n".join(f"  - {p}" for p in st.problems[:20])
    return SheetError(
        f"{name}: the sheet was not imported; {len(st.problems) + st.extra} problem(s){more}:\n{shown}",
        file=name,
        problems=[p.to_dict() for p in st.problems],
    )
