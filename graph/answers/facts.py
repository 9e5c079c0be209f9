"""The statements about every event or facility, read once per graph version and shared.

:func:`subjects` gives every instance of a class with each statement about it and the source
graphs stating it; measures, agreements and the timeline are all computed from it. The helpers
here pick among values sources disagree on the same way for all three answers.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rdflib import URIRef
from rekg.graph.answers.names import Resolution, class_closure, resolve_name
from rekg.graph.answers.refs import Ref, ref, source_ref
from rekg.graph.dates import period_end
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph, iri
from rekg.graph.rules import entity_class
from rekg.ontology import RDF, RDFS, REKG, ontology_graph

__all__ = [
    "Subject",
    "covered_until",
    "first_date",
    "given",
    "graph_date",
    "kind",
    "label",
    "pick",
    "refs",
    "resolved",
    "subjects",
]

# Each query reads one graph (?g is bound graph by graph, see KnowledgeGraph.select_by_graph), so
# after a write only the graphs it changed are read again. _FACTS also reads the classes of ?s from
# every graph: its parts depend on which entities are instances of the class.
_FACTS = """
SELECT ?cls ?s ?p ?o ?g WHERE {
    ?s a/rdfs:subClassOf* ?cls .
    GRAPH ?g { ?s ?p ?o }
}
"""

# Every suspension and claim; only those about the class's instances are kept, in Python
# (Virtuoso drops rows when the class path is joined here). A claim's parts are read from the
# graph that makes it: a claim is its source's statement.
_SUSPENDERS = """
SELECT ?s ?by ?g WHERE {
    GRAPH ?g { ?by rekg:suspends ?s }
}
"""

_CLAIMS = """
SELECT ?claim ?about ?claimant ?status ?property ?value ?g WHERE {
    GRAPH ?g {
        ?claim a rekg:Claim ; rekg:about ?about .
        OPTIONAL { ?claim rekg:claimant ?claimant }
        OPTIONAL { ?claim rekg:claimedStatus ?status }
        OPTIONAL { ?claim rekg:claimedProperty ?property ; rekg:claimedValue ?value }
    }
}
"""


@dataclass
class Subject:
    """One entity with its types, statements (and the graphs stating each) and the claims about it."""

    iri: str
    types: set[str] = field(default_factory=set)
    #: property -> value -> graphs stating it
    facts: dict[str, dict[object, set[str]]] = field(default_factory=dict)
    claims: dict[str, dict] = field(default_factory=dict)

    def values(self, prop: str) -> list:
        return sorted(self.facts.get(str(prop), {}), key=str)

    def graphs(self) -> set[str]:
        return {g for vals in self.facts.values() for gs in vals.values() for g in gs}

    def add(self, prop: str, value: object, graph: str) -> None:
        self.facts.setdefault(prop, {}).setdefault(value, set()).add(graph)


def subjects(kg: KnowledgeGraph, cls: str) -> dict[str, Subject]:
    """Every instance of ``cls`` with every statement about it and the graphs stating it.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> busan = subjects(kg, str(REKG.Meeting))[kg.iri("busan-meeting-2025")]
    >>> str(REKG.Meeting) in busan.types
    True
    """

    def build() -> dict[str, Subject]:
        event = str(REKG.Event)
        if cls != event and _is_event_class(cls):
            # Read the events once and pick the instances of each kind from them: after a
            # write this halves the work of /measures, /agreements and /timeline.
            classes = class_closure(kg)
            return {s: v for s, v in subjects(kg, event).items() if cls in classes.get(s, ())}
        out: dict[str, Subject] = {}
        instances = frozenset(s for s, classes in class_closure(kg).items() if cls in classes)
        rdf_type = str(RDF.type)
        for r in kg.select_by_graph(_FACTS, depends=instances, cls=iri(cls)):
            s = out.get(r["s"])
            if s is None:
                s = out[r["s"]] = Subject(r["s"])
            if r["p"] == rdf_type:
                s.types.add(r["o"])
            s.add(r["p"], r["o"], r["g"])
        for r in kg.select_by_graph(_SUSPENDERS):
            if r["s"] in out:
                out[r["s"]].add(str(REKG.suspendedBy), r["by"], r["g"])
        for r in kg.select_by_graph(_CLAIMS):
            if r["about"] in out:
                c = out[r["about"]].claims.setdefault(
                    r["claim"],
                    {"claimant": r.get("claimant"), "status": r.get("status"), "graphs": set(), "values": set()},
                )
                c["graphs"].add(r["g"])
                if "property" in r and "value" in r:
                    c["values"].add((r["property"], r["value"]))
        return out

    return kg.cached(("analyst.subjects", cls), build)


@functools.cache
def _is_event_class(cls: str) -> bool:
    # From the ontology, not the store: Virtuoso 7 answers a bound path ASK wrongly.
    return REKG.Event in ontology_graph().transitive_objects(URIRef(cls), RDFS.subClassOf)


def kind(types: set[str], kinds: set[str], default: str) -> str:
    """The phrase of the entity's class among ``kinds`` (rules.ENTITY_CLASSES), else ``default``."""
    found = entity_class(types, among=kinds)
    return found.phrase if found else default


def refs(kg: KnowledgeGraph, iris: Iterable[object]) -> list[Ref]:
    """References to the IRIs among ``iris``, by label."""
    return sorted((ref(kg, str(i)) for i in iris if isinstance(i, str)), key=lambda r: r.label.casefold())


def label(kg: KnowledgeGraph, s: Subject) -> str:
    """The subject's English label."""
    return ref(kg, s.iri).label


def graph_date(kg: KnowledgeGraph, graphs: Iterable[str]) -> date:
    """The date of the newest source among ``graphs`` (``date.min`` if none is dated)."""
    dates = [sr.date for g in graphs if (sr := source_ref(kg, g)) and sr.date]
    return max(dates) if dates else date.min


def covered_until(kg: KnowledgeGraph, graphs: Iterable[str]) -> date:
    """The last day the newest source among ``graphs`` may be from (``date.min`` if none is dated).

    A source dated only to a month or a year may be from any day of it, so a change in that
    period may be one it reports rather than one rekg projected.
    """
    ends = [period_end(sr.date, sr.date_precision) for g in graphs if (sr := source_ref(kg, g)) and sr.date]
    return max(ends) if ends else date.min


def pick(kg: KnowledgeGraph, values: dict[object, set[str]]) -> date:
    """The value most sources give; ties go to the newest source, then the earlier date."""
    return min(values, key=lambda v: (-len(values[v]), -graph_date(kg, values[v]).toordinal(), v))


def first_date(s: Subject, prop: object, kg: KnowledgeGraph) -> date | None:
    """The day sources give for ``prop``, picked by :func:`pick`; ``None`` if none."""
    vals = {v: gs for v, gs in s.facts.get(str(prop), {}).items() if isinstance(v, date)}
    return pick(kg, vals) if vals else None


def resolved(
    kg: KnowledgeGraph, name: str | None, echoes: list[Resolution], *, types: set[str], what: str
) -> str | None:
    """The IRI ``name`` stands for (``None`` when no name was given), noting in ``echoes`` how a loose name was read."""
    if not given(name):
        return None
    found, how = resolve_name(kg, name, types=types, what=what)
    if how is not None:
        echoes.append(how)
    return found


def given(value: str | None) -> bool:
    """Whether a name was passed (blank counts as not); a non-string is an error."""
    if value is not None and not isinstance(value, str):
        raise InvalidParameter(f"expected a name, got {type(value).__name__}")
    return bool(value and value.strip())
