"""Who supplies a material, optionally outside a country, at a stage, on a date.

Material matching rule
----------------------
A facility supplies material *M* when it ``rekg:produces`` a material *X* with
``X (rekg:formOf|skos:broader)* M``:

* *M* itself;
* the forms of an element (dysprosium -> dysprosium oxide, dysprosium metal; neodymium -> NdPr oxide);
* the members of a group and their forms (heavy rare earths -> terbium -> terbium oxide);
* narrower products of a product (permanent magnets -> NdFeB magnets).

A product made *from* M (``rekg:madeFrom``: magnets from dysprosium) counts only when a
downstream stage is asked for (``stage=magnet making`` or ``manufacturing``): a magnet plant
uses dysprosium but does not supply it. A facility producing only a broader group (a mine's
"rare earths") does not count as a supplier of one element.

"Outside X" drops every company and facility that belongs to X by the control rule of
:func:`rekg.graph.rules.belonging_to`: based in X (``rekg:country``), located in X
(``rekg:locatedIn``), operated from X, or held at least 50 % (``rekg:Ownership``) from X,
transitively.

Each facility output is reported with its own status, start year, stage and capacity when an
``rekg:output`` node qualifies it, else the facility's. Closed facilities are left out; planned
ones are listed with status ``planned`` and their start year. ``as_of`` keeps only what was
operating on that day: status operating, and started by then (the earliest ``rekg:startDate``
any source gives for that output, else the facility's, else ``rekg:startYear`` no later than
that year; no start known counts as started).

Import shares
-------------
``import_shares`` says where countries' imports of the material come from, as the sources
give it (USGS: 70 % of US imports of rare-earth compounds and metals came from China in
2020-23), each exporter's share with its period and source, and how much the source leaves to
unnamed countries. ``importer`` keeps one importing country; ``outside`` drops that exporter
from the shares, leaving the others with their own shares (not rescaled). Figures for a broader
material that counts the one asked about answer for it (see
:func:`rekg.graph.answers.coverage.import_shares`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from rekg.graph.answers.coverage import (
    CountrySupply,
    Coverage,
    ImportSources,
    country_supply,
    coverage,
    import_shares,
)
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.answers.facts import resolved
from rekg.graph.answers.names import Resolution, normalise, resolve
from rekg.graph.answers.refs import Ref, SourceRef, ref, source_ref, source_refs, vocab_name
from rekg.graph.dates import parse_date, year_of
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph, iri, literal
from rekg.graph.results import Result
from rekg.graph.rules import MATERIAL_PATH, belonging_to, current_reports
from rekg.graph.units import symbol
from rekg.ontology import REKG

__all__ = [
    "Capacity",
    "FacilitySupply",
    "MaterialSupply",
    "Supplier",
    "SupplierAnswer",
    "resolve_stage",
    "suppliers_of",
]

MATERIAL_TYPES = {str(REKG.Material), str(REKG.MaterialGroup)}
COUNTRY_TYPES = {str(REKG.Country)}
STAGE_TYPES = {str(REKG.Stage)}
DOWNSTREAM_STAGES = {str(REKG.MagnetMaking), str(REKG.Manufacturing)}

#: Words analysts use for the stages, besides the stages' own labels.
STAGE_ALIASES = {
    "mine": REKG.Mining,
    "mines": REKG.Mining,
    "processing": REKG.Separation,
    "refining": REKG.Separation,
    "separation": REKG.Separation,
    "metal": REKG.MetalMaking,
    "metals": REKG.MetalMaking,
    "metallisation": REKG.MetalMaking,
    "magnet": REKG.MagnetMaking,
    "magnets": REKG.MagnetMaking,
    "manufacture": REKG.Manufacturing,
}

_SELECT = "?company ?country ?facility ?location ?place ?mat ?via ?stage ?status ?startYear ?capValue ?capUnit ?g"

_MATERIALS = f"""\
  # Materials that count as the one asked for: itself, its forms, group members and their forms.
  {{ ?mat {MATERIAL_PATH} ?material . BIND("supplies" AS ?via) }}
"""

_PRODUCTS = f"""\
  # A downstream stage was asked for: products made from the material count too.
  UNION {{ ?mat rekg:madeFrom/{MATERIAL_PATH} ?material . BIND("made from" AS ?via) }}
"""

_FACILITIES = """\
  # Facilities making it (the graph of the statement is its source) and who runs them.
  GRAPH ?g { ?facility rekg:produces ?mat }
  ?facility rekg:operator ?company .
  OPTIONAL { ?company rekg:country ?country }
  OPTIONAL { ?facility rekg:locatedIn ?location }
  OPTIONAL { ?facility rekg:place ?place }
  # A qualified output overrides the facility's status, start year, stage and capacity. It is read
  # in the graph of the row, so each status keeps its source (a later one updates an earlier one).
  OPTIONAL { GRAPH ?g { ?facility rekg:output ?out . ?out rekg:material ?mat .
    OPTIONAL { ?out rekg:status ?outStatus }
    OPTIONAL { ?out rekg:startYear ?outYear }
    OPTIONAL { ?out rekg:startDate ?outDate }
    OPTIONAL { ?out rekg:stage ?outStage }
    OPTIONAL { ?out rekg:capacity ?outCap . ?outCap rekg:value ?outCapValue ; rekg:unit ?outCapUnit } } }
  OPTIONAL { ?facility rekg:status ?facStatus }
  OPTIONAL { ?facility rekg:startYear ?facYear }
  OPTIONAL { ?facility rekg:startDate ?facDate }
  OPTIONAL { ?facility rekg:stage ?facStage }
  OPTIONAL { ?facility rekg:capacity ?facCap . ?facCap rekg:value ?facCapValue ; rekg:unit ?facCapUnit }
  BIND(COALESCE(?outStatus, ?facStatus) AS ?status)
  BIND(COALESCE(?outYear, ?facYear) AS ?startYear)
  # The earliest start day any source gives for this output decides "operating on a day".
  OPTIONAL { SELECT ?facility ?mat (MIN(?someDate) AS ?knownStart) WHERE {
    ?facility rekg:output ?someOut . ?someOut rekg:material ?mat ; rekg:startDate ?someDate .
  } GROUP BY ?facility ?mat }
  BIND(COALESCE(?knownStart, ?outDate, ?facDate) AS ?startDate)
  BIND(COALESCE(?outStage, ?facStage) AS ?stage)
  BIND(COALESCE(?outCapValue, ?facCapValue) AS ?capValue)
  BIND(IF(BOUND(?outCapValue), ?outCapUnit, ?facCapUnit) AS ?capUnit)
  FILTER(!BOUND(?status) || ?status != rekg:Closed)
"""

_STAGE = """\
  FILTER(?stage = ?wantStage)
"""

_OUTSIDE = """\
  # Outside ?outside: no company or facility that belongs to it by rekg's control rule (based or
  # located there, operated or held >= 50 % from there, transitively; rekg.graph.rules).
  FILTER(?company NOT IN ({inside}) && ?facility NOT IN ({inside}))
"""

_AS_OF = """\
  # Operating on ?asOf: status operating and started by then (the start day if known, else the year).
  FILTER(?status = rekg:Operating && IF(BOUND(?startDate), ?startDate <= ?asOf,
         !BOUND(?startYear) || xsd:integer(SUBSTR(STR(?startYear), 1, 4)) <= YEAR(?asOf)))
"""


@dataclass
class Capacity(Result):
    """How much a facility or output can make."""

    value: float
    """The amount, in ``unit``."""
    unit: str
    """The unit's symbol, e.g. ``t/yr``."""


@dataclass
class MaterialSupply(Result):
    """A matching material the facility makes, with that output's own status."""

    id: str
    """The material's IRI."""
    label: str
    """English label."""
    status: str
    """operating, planned or unknown."""
    start_year: int | None
    """Year the output starts or started."""
    via: str
    """``supplies`` (the material or a form of it) or ``made from`` (a product made from it)."""


@dataclass
class FacilitySupply(Result):
    """A facility that makes the material."""

    id: str
    """The facility's IRI."""
    label: str
    """English label."""
    location: Ref | None
    """Country the facility stands in."""
    place: Ref | None
    """City or site."""
    stage: str | None
    """Supply-chain stage(s), e.g. separation."""
    status: str
    """operating, planned or unknown."""
    start_year: int | None
    """Start year; for planned facilities, when it is due."""
    capacity: Capacity | None
    """What it can make, where a source says."""
    materials: list[MaterialSupply] = field(default_factory=list)
    """The matching materials it makes."""
    sources: list[SourceRef] = field(default_factory=list)
    """The sources stating that it makes them."""
    disputed: list[str] = field(default_factory=list)
    """Fields on which sources of the same moment give different values."""
    updated: list[str] = field(default_factory=list)
    """Statuses a later source updates (an earlier report superseded, not a dispute)."""


@dataclass
class Supplier(Result):
    """A company running facilities that make the material."""

    id: str
    """The company's IRI."""
    label: str
    """English label."""
    country: Ref | None
    """Where the company is based."""
    status: str
    """operating if any facility operates, else planned."""
    start_year: int | None
    """Earliest start year among its facilities of that status."""
    facilities: list[FacilitySupply] = field(default_factory=list)
    """Its facilities making the material, operating ones first."""
    sources: list[SourceRef] = field(default_factory=list)
    """Every source behind its facilities."""


@dataclass
class SupplierAnswer(Result):
    """Who supplies a material (outside a country, at a stage, on a day), and the SPARQL query that found them."""

    material: Ref
    """The material asked about, resolved."""
    outside: Ref | None
    """The country excluded, resolved."""
    stage: Ref | None
    """The stage kept, resolved."""
    as_of: date | None
    """The day asked about; ``None``: any time."""
    suppliers: list[Supplier]
    """Suppliers, operating ones first."""
    query: str
    """The SPARQL text run for ``suppliers``; the comment lines give the values bound to its variables."""
    bindings: dict[str, str]
    """Variable -> value bound into the query (never formatted into it)."""
    countries: list[CountrySupply]
    """Country-level supply from production statistics, largest first (the excluded country left out)."""
    coverage: Coverage
    """How much the graph knows about producers of the material."""
    evidence: Evidence
    """What the answer rests on and how fresh that is."""
    importer: Ref | None = None
    """The importing country asked about, resolved (``None``: every importer with figures)."""
    import_shares: list[ImportSources] = field(default_factory=list)
    """Where importers' imports of the material come from: each exporter's share and source
    (the excluded country left out), and the part the source does not break down."""
    resolved_from: list[Resolution] = field(default_factory=list)
    """How names that were not exactly a label or alias were read (a typo, another script...)."""

    rows_field = "suppliers"


def resolve_stage(kg: KnowledgeGraph, name: str) -> str:
    """The IRI of the supply-chain stage called ``name`` (``"magnet making"``, ``"processing"``...).

    Raises
    ------
    NodeNotFound
        If no stage is called that; lists close matches.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> resolve_stage(kg, "Refining") == str(REKG.Separation)
    True
    >>> resolve_stage(kg, "magnet making") == str(REKG.MagnetMaking)
    True
    """
    alias = STAGE_ALIASES.get(normalise(name))
    if alias is not None:
        return str(alias)
    local = normalise(name).replace(" ", "")
    for term in (REKG.Mining, REKG.Separation, REKG.MetalMaking, REKG.MagnetMaking, REKG.Manufacturing):
        if local == str(term)[len(str(REKG)) :].lower():
            return str(term)
    return resolve(kg, name, types=STAGE_TYPES, what="stage")


def _status_rank(status: str) -> int:
    return {"operating": 0, "planned": 1}.get(status, 2)


def suppliers_of(
    kg: KnowledgeGraph,
    material: str,
    outside: str | None = None,
    stage: str | None = None,
    as_of: date | str | None = None,
    importer: str | None = None,
) -> SupplierAnswer:
    """Who supplies ``material``: companies with their facilities, statuses and sources, and import shares.

    Parameters
    ----------
    kg : KnowledgeGraph
    material : str
        A material, form, product or group: label, alias, symbol or IRI (``"Dy"``).
    outside : str, optional
        A country (name, ISO code or IRI) to exclude by company base, facility location and
        controlling ownership (>= 50 %).
    stage : str, optional
        Keep only this supply-chain stage (``"separation"``, ``"magnet making"``...).
    as_of : date or str, optional
        Keep only what was operating on this day (``YYYY-MM-DD``).
    importer : str, optional
        A country (name, ISO code or IRI): list only where its imports come from in
        ``import_shares``; by default every importer the graph has shares for.

    Returns
    -------
    SupplierAnswer
        Suppliers, operating ones first, the SPARQL text that produced them, and import shares.

    Raises
    ------
    NodeNotFound
        If the material, country or stage is unknown (lists close matches).
    InvalidParameter
        If ``material`` is blank or ``as_of`` is not a date.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> answer = suppliers_of(kg, "Dy", outside="CN")
    >>> "Lynas Rare Earths" in [s.label for s in answer.suppliers]
    True
    >>> answer.suppliers[0].facilities[0].location.label
    'Malaysia'

    How dependent is the US on China for rare-earth compounds, and who else?

    >>> us = suppliers_of(kg, "rare-earth compounds", importer="US").import_shares[0]
    >>> us.shares[0].exporter.label, us.shares[0].share, us.shares[0].sources[0].title
    ('China', 0.7, 'Mineral Commodity Summaries 2025: Rare Earths')
    >>> rest = suppliers_of(kg, "rare-earth compounds", outside="China", importer="US").import_shares[0]
    >>> [(s.exporter.label, s.share) for s in rest.shares], rest.not_broken_down
    ([('Malaysia', 0.13), ('Japan', 0.06), ('Estonia', 0.05)], 0.06)
    """
    if not isinstance(material, str) or not material.strip():
        raise InvalidParameter("material: give a material name, symbol or IRI", parameter="material")
    day = parse_date(as_of, name="as_of")
    echoes: list[Resolution] = []
    material_iri = resolved(kg, material, echoes, types=MATERIAL_TYPES, what="material")
    outside_iri = resolved(kg, outside, echoes, types=COUNTRY_TYPES, what="country")
    importer_iri = resolved(kg, importer, echoes, types=COUNTRY_TYPES, what="importer")
    stage_iri = resolve_stage(kg, stage) if stage and stage.strip() else None
    if day is None:
        # A finite set of keys (resolved IRIs), so the per-version cache stays small; dated
        # questions are computed each time rather than letting callers grow the cache without bound.
        key = ("suppliers_of", material_iri, outside_iri, stage_iri, importer_iri)
        answer = kg.cached(key, lambda: _suppliers(kg, material_iri, outside_iri, stage_iri, None, importer_iri))
    else:
        answer = _suppliers(kg, material_iri, outside_iri, stage_iri, day, importer_iri)
    # The evidence depends on the day it is read (today for an undated question), so it is not cached.
    graphs = (
        {s.id for x in answer.suppliers for s in x.sources}
        | {s.id for c in answer.countries for s in c.sources}
        | {s.id for i in answer.import_shares for sh in i.shares for s in sh.sources}
    )
    about = f"{answer.material.label} suppliers"
    found = evidence(kg, day or date.today(), graphs, about=about)
    return replace(answer, evidence=found, resolved_from=echoes)


def _suppliers(
    kg: KnowledgeGraph,
    material_iri: str,
    outside_iri: str | None,
    stage_iri: str | None,
    day: date | None,
    importer_iri: str | None = None,
) -> SupplierAnswer:
    bindings: dict[str, str] = {"material": material_iri}
    subs = {"material": iri(material_iri)}
    text = _MATERIALS
    if stage_iri in DOWNSTREAM_STAGES:
        text += _PRODUCTS
    text += _FACILITIES
    if stage_iri:
        text += _STAGE
        bindings["wantStage"] = stage_iri
        subs["wantStage"] = iri(stage_iri)
    if outside_iri:
        inside = sorted(belonging_to(kg, outside_iri) - {outside_iri}) or [outside_iri]
        text += _OUTSIDE.format(inside=", ".join(f"<{x}>" for x in inside))
        bindings["outside"] = outside_iri
        subs["outside"] = iri(outside_iri)
    if day:
        text += _AS_OF
        bindings["asOf"] = day.isoformat()
        subs["asOf"] = literal(day)
    # Oxigraph only substitutes variables that are projected.
    projected = " ".join(f"?{k}" for k in bindings)
    sparql = f"SELECT {projected} {_SELECT} WHERE {{\n{text}}}\nORDER BY ?company ?facility ?mat\n"
    rows = kg.select(sparql, **subs)

    suppliers = _group(kg, rows)
    header = "".join(f"# ?{k} = {('<' + v + '>') if k != 'asOf' else v}\n" for k, v in bindings.items())
    countries = country_supply(kg, material_iri, outside_iri, stage_iri, day)
    imports = import_shares(kg, material_iri, importer_iri, outside_iri)
    return SupplierAnswer(
        material=ref(kg, material_iri),
        outside=ref(kg, outside_iri),
        stage=ref(kg, stage_iri),
        as_of=day,
        suppliers=suppliers,
        query=header + sparql,
        bindings=bindings,
        countries=countries,
        coverage=coverage(kg, material_iri, outside_iri, suppliers, countries, imports),
        evidence=evidence(kg, date.min, ()),  # set per call by suppliers_of: it depends on the day
        importer=ref(kg, importer_iri),
        import_shares=imports,
    )


def _current_statuses(kg: KnowledgeGraph, by_status: dict[str, set[str]]) -> tuple[set[str], set[str]]:
    """The statuses reported at the moment of the newest report, and those only earlier reports give.

    A status is a state: a later source updates it (``rules.current_reports``), so Lynas's "planned"
    (May 2025) and Caixin's "operating" (November 2025) are an update, not a dispute.
    """
    current = current_reports(
        {
            st: [(sr.date, sr.date_precision) for g in gs if (sr := source_ref(kg, g)) and sr.date]
            for st, gs in by_status.items()
        }
    )
    return current, set(by_status) - current


def _group(kg: KnowledgeGraph, rows: list[dict]) -> list[Supplier]:
    """Fold query rows (one per facility, material, value combination) into suppliers."""
    facilities: dict[str, dict] = {}
    for r in rows:
        f = facilities.setdefault(
            r["facility"],
            {"company": r["company"], "country": r.get("country"), "location": r.get("location"),
             "place": r.get("place"), "stages": set(), "materials": {}, "graphs": set(), "capacity": set()},
        )  # fmt: skip
        if "stage" in r:
            f["stages"].add(r["stage"])
        f["graphs"].add(r["g"])
        if "capValue" in r and "capUnit" in r:
            f["capacity"].add((float(r["capValue"]), symbol(kg, str(r["capUnit"])) or ""))
        m = f["materials"].setdefault(r["mat"], {"status": {}, "year": set(), "via": r["via"]})
        m["status"].setdefault(vocab_name(r.get("status")) or "unknown", set()).add(r["g"])
        if year_of(r.get("startYear")) is not None:
            m["year"].add(year_of(r.get("startYear")))
        if r["via"] == "supplies":
            m["via"] = "supplies"

    by_company: dict[str, Supplier] = {}
    for fac_iri, f in facilities.items():
        materials = []
        disputed = []
        updated = []
        for mat_iri, m in f["materials"].items():
            current, older = _current_statuses(kg, m["status"])
            statuses = sorted(current, key=_status_rank)
            if len(statuses) > 1:
                disputed.append(f"status of {ref(kg, mat_iri).label}: {', '.join(statuses)}")
            if older:
                updated.append(
                    f"status of {ref(kg, mat_iri).label}: {', '.join(sorted(older))} in earlier reports, "
                    f"{', '.join(statuses)} in the latest"
                )
            if len(m["year"]) > 1:
                disputed.append(f"start year of {ref(kg, mat_iri).label}: {', '.join(map(str, sorted(m['year'])))}")
            status = statuses[0]
            materials.append(
                MaterialSupply(
                    id=mat_iri,
                    label=ref(kg, mat_iri).label,
                    status=status,
                    # For a planned output the latest announced year is the prudent one; for a
                    # running one the earliest tells how long it has run.
                    start_year=(max(m["year"]) if status == "planned" else min(m["year"])) if m["year"] else None,
                    via=m["via"],
                )
            )
        materials.sort(key=lambda x: (_status_rank(x.status), x.label))
        best = materials[0]
        planned_years = [x.start_year for x in materials if x.status == best.status and x.start_year]
        capacity = sorted(f["capacity"])
        if len(capacity) > 1:
            disputed.append("capacity: " + ", ".join(f"{v:g} {u}" for v, u in capacity))
        facility = FacilitySupply(
            id=fac_iri,
            label=ref(kg, fac_iri).label,
            location=ref(kg, f["location"]),
            place=ref(kg, f["place"]),
            stage=", ".join(sorted(vocab_name(s) or s for s in f["stages"])) or None,
            status=best.status,
            start_year=min(planned_years) if planned_years else None,
            capacity=Capacity(*capacity[-1]) if capacity else None,
            materials=materials,
            sources=source_refs(kg, f["graphs"]),
            disputed=disputed,
            updated=updated,
        )
        company = by_company.get(f["company"])
        if company is None:
            company = by_company[f["company"]] = Supplier(
                id=f["company"],
                label=ref(kg, f["company"]).label,
                country=ref(kg, f["country"]),
                status=facility.status,
                start_year=None,
                facilities=[],
                sources=[],
            )
        company.facilities.append(facility)

    for s in by_company.values():
        s.facilities.sort(key=lambda x: (_status_rank(x.status), x.start_year or 0, x.label))
        s.status = s.facilities[0].status
        years = [x.start_year for x in s.facilities if x.status == s.status and x.start_year]
        s.start_year = min(years) if years else None
        s.sources = source_refs(kg, {src.id for x in s.facilities for src in x.sources})
    return sorted(by_company.values(), key=lambda s: (_status_rank(s.status), s.start_year or 0, s.label))
