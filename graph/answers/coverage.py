"""What the graph holds about who makes a material, so that an empty answer never reads as "none exist".

* :func:`country_supply`: country-level supply from production statistics (mine production and the
  stage shares), each with its figure, period, share of the world total and source;
* :func:`coverage`: how many facilities, companies and countries with statistics the graph holds
  for the material (and its forms and members), and one sentence saying what that means.

Both take the material closure of :mod:`rekg.graph.rules`, as the supplier answer does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rekg.graph.answers.names import name_index
from rekg.graph.answers.refs import Ref, SourceRef, ref, source_refs, vocab_name
from rekg.graph.dates import year_of
from rekg.graph.kg import KnowledgeGraph, iri
from rekg.graph.results import Result
from rekg.graph.rules import MATERIAL_PATH, belonging_to
from rekg.ontology import REKG

__all__ = ["CountrySupply", "Coverage", "country_supply", "coverage"]


@dataclass
class CountrySupply(Result):
    """A country's production of the material as a statistic gives it (no facility behind it needed)."""

    country: Ref
    """The country."""
    indicator: str
    """What the figure measures: mine production, share of mining, share of processing..."""
    value: float
    """The figure, in ``unit``."""
    unit: str | None
    """Its unit (``t REO``, ``percent``...)."""
    period: str | None
    """The year (or month) it is for."""
    share_of_world: float | None
    """Percent of the world total the same source gives for that period, where it gives one."""
    sources: list[SourceRef]
    """The sources giving the figure."""


@dataclass
class Coverage(Result):
    """What the graph holds about who makes the material: read an empty list against it."""

    facilities: int
    """Facilities in the graph making the material (or a form or member of it), anywhere."""
    companies: int
    """Companies running them."""
    countries: int
    """Countries with a production statistic for it."""
    facilities_outside: int | None
    """Of those facilities, how many are outside the excluded country (``None`` when none is excluded)."""
    countries_outside: int | None
    """Of those countries, how many are not the excluded one."""
    note: str
    """What that means for the answer, in one sentence."""


# Production statistics by country; the indicator says which stage each figure is about.
_STATISTICS = f"""
SELECT ?material ?country ?indicator ?value ?unit ?period ?g WHERE {{
  ?mat {MATERIAL_PATH} ?material .
  GRAPH ?g {{ ?stat a rekg:Statistic ; rekg:material ?mat ; rekg:subject ?country ;
                    rekg:indicator ?indicator ; rekg:value ?value . }}
  OPTIONAL {{ ?stat rekg:unit ?unitNode . OPTIONAL {{ ?unitNode rdfs:label ?unitLabel }} }}
  OPTIONAL {{ ?stat rekg:period ?period }}
  BIND(COALESCE(STR(?unitLabel), STR(?unitNode)) AS ?unit)
  VALUES ?indicator {{ rekg:MineProduction rekg:ShareOfMining rekg:ShareOfProcessing rekg:ShareOfMagnetMaking }}
}}
"""
#: Which stage each production indicator is about.
_INDICATOR_STAGE = {
    str(REKG.MineProduction): str(REKG.Mining),
    str(REKG.ShareOfMining): str(REKG.Mining),
    str(REKG.ShareOfProcessing): str(REKG.Separation),
    str(REKG.ShareOfMagnetMaking): str(REKG.MagnetMaking),
}


def country_supply(
    kg: KnowledgeGraph, material_iri: str, outside_iri: str | None, stage_iri: str | None, day: date | None
) -> list[CountrySupply]:
    """Each country's newest production figure per indicator (up to ``day``'s year), with its share of the world total.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> found = country_supply(kg, kg.iri("rare-earths"), kg.iri("china"), None, None)
    >>> "Burma" in {c.country.label for c in found} and "China" not in {c.country.label for c in found}
    True
    """
    countries = {iri_ for iri_, e in name_index(kg).entries.items() if str(REKG.Country) in e.types}
    figures: dict[tuple[str, str, str | None], dict] = {}
    for r in _statistics(kg, material_iri):
        period = str(r["period"]) if "period" in r else None
        if day and period and year_of(period) and year_of(period) > day.year:
            continue
        if stage_iri and _INDICATOR_STAGE.get(r["indicator"]) != stage_iri:
            continue
        key = (r["country"], r["indicator"], period)
        f = figures.setdefault(key, {"value": float(r["value"]), "unit": r.get("unit"), "graphs": set()})
        f["graphs"].add(r["g"])
    world = str(kg.ns.id["world"])
    out = []
    for (country, indicator, period), f in figures.items():
        if country not in countries or country == outside_iri:
            continue
        if any(c == country and i == indicator and (p or "") > (period or "") for c, i, p in figures):
            continue  # an older figure: the newest period stands for the country
        total = figures.get((world, indicator, period))
        share = (
            round(100 * f["value"] / total["value"], 1)
            if total and total["value"] and "Share" not in indicator
            else None
        )
        out.append(
            CountrySupply(
                country=ref(kg, country),
                indicator=vocab_name(indicator) or indicator,
                value=f["value"],
                unit=f["unit"],
                period=period,
                share_of_world=f["value"] if "Share" in indicator else share,
                sources=source_refs(kg, f["graphs"] | (total["graphs"] if total else set())),
            )
        )
    return sorted(out, key=lambda c: (c.indicator, -(c.share_of_world or 0), -c.value, c.country.label))


_PRODUCERS = f"""
SELECT DISTINCT ?material ?facility ?company WHERE {{
  ?mat {MATERIAL_PATH} ?material .
  ?facility rekg:produces ?mat .
  OPTIONAL {{ ?facility rekg:operator ?company }}
}}
"""


def coverage(
    kg: KnowledgeGraph,
    material_iri: str,
    outside_iri: str | None,
    suppliers: Sequence[object],
    countries: list[CountrySupply],
) -> Coverage:
    """How much the graph holds about producers of the material, and what an answer built on it means.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> coverage(kg, kg.iri("gallium"), None, [], []).facilities
    0
    """
    rows = kg.select(_PRODUCERS, material=iri(material_iri))
    facilities = {r["facility"] for r in rows}
    companies = {r["company"] for r in rows if "company" in r}
    stat_countries = {c.country.id for c in countries}
    counted = stat_countries | (
        {outside_iri} if outside_iri and _has_statistics(kg, material_iri, outside_iri) else set()
    )
    inside = belonging_to(kg, outside_iri) if outside_iri else frozenset()
    outside_facilities = len(facilities - inside) if outside_iri else None
    what = ref(kg, material_iri).label
    where = f" outside {ref(kg, outside_iri).label}" if outside_iri else ""
    if not facilities and not counted:
        note = (
            f"The graph holds no producer data for {what}: no facility, company or country statistic. "
            "An empty list means no data, not no producers."
        )
    elif not facilities:
        note = (
            f"The graph holds no facility making {what}; production statistics name {_n(len(counted), 'country')} "
            "(listed under countries)."
        )
    elif not suppliers:
        note = (
            f"None of the {_n(len(facilities), 'facility')} the graph holds for {what} is{where} or matches "
            "the question; that is what the sources cover, not every producer."
        )
    else:
        note = (
            f"The graph holds {_n(len(facilities), 'facility')} of {_n(len(companies), 'company')} making {what} and "
            f"production statistics for {_n(len(counted), 'country')}; suppliers{where} are among those, "
            "not every producer."
        )
    return Coverage(
        facilities=len(facilities),
        companies=len(companies),
        countries=len(counted),
        facilities_outside=outside_facilities,
        countries_outside=len(stat_countries) if outside_iri else None,
        note=note,
    )


def _n(count: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count} {noun if count == 1 else plural}"


def _statistics(kg: KnowledgeGraph, material_iri: str) -> list[dict]:
    """The production statistics of the material, read once per graph version for both answers here."""
    return kg.cached(("coverage.statistics", material_iri), lambda: kg.select(_STATISTICS, material=iri(material_iri)))


def _has_statistics(kg: KnowledgeGraph, material_iri: str, country: str) -> bool:
    return any(r["country"] == country for r in _statistics(kg, material_iri))
