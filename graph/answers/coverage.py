"""What the graph holds about who makes a material, so that an empty answer never reads as "none exist".

* :func:`country_supply`: country-level supply from production statistics (mine production and the
  stage shares), each with its figure, period, share of the world total and source;
* :func:`coverage`: how many facilities, companies and countries with statistics the graph holds
  for the material (and its forms and members), and one sentence saying what that means;
* :func:`import_shares`: where an importing country's imports of the material come from
  (``rekg:ImportShare`` figures: China's 70 % of US imports of rare-earth compounds and metals),
  each share with its period and source, and how much of the imports the figures leave unattributed.

Both take the material closure of :mod:`rekg.graph.rules`, as the supplier answer does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rekg.graph.answers.names import name_index
from rekg.graph.answers.refs import Ref, SourceRef, ref, source_refs, vocab_name
from rekg.graph.dates import period_text, year_of
from rekg.graph.kg import KnowledgeGraph, iri
from rekg.graph.results import Result
from rekg.graph.rules import MATERIAL_PATH, belonging_to, material_ancestors
from rekg.graph.units import as_fraction, symbol
from rekg.ontology import REKG

__all__ = ["CountrySupply", "Coverage", "ImportShare", "ImportSources", "country_supply", "coverage", "import_shares"]


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
    """Its unit's symbol (``t REO``, ``%``...)."""
    period: str | None
    """The year (or month) it is for."""
    share_of_world: float | None
    """Percent of the world total the same source gives for that period, where it gives one."""
    sources: list[SourceRef]
    """The sources giving the figure (and the world total its share is worked out from)."""
    disputed: bool = False
    """Another source gives a different figure for the same country, indicator and period; each
    figure is then listed with its own sources."""


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
  OPTIONAL {{ ?stat rekg:unit ?unit }}
  OPTIONAL {{ ?stat rekg:period ?period }}
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
    # (country, indicator, period) -> value -> the graphs giving it: sources that disagree stay apart.
    figures: dict[tuple[str, str, str | None], dict[float, set[str]]] = {}
    units: dict[tuple[str, str, str | None, float], str | None] = {}
    for r in _statistics(kg, material_iri):
        period = str(r["period"]) if "period" in r else None
        if day and period and year_of(period) and year_of(period) > day.year:
            continue
        if stage_iri and _INDICATOR_STAGE.get(r["indicator"]) != stage_iri:
            continue
        key = (r["country"], r["indicator"], period)
        value = float(r["value"])
        figures.setdefault(key, {}).setdefault(value, set()).add(r["g"])
        units.setdefault((*key, value), symbol(kg, r.get("unit")))
    world = str(kg.ns.id["world"])
    out = []
    for (country, indicator, period), values in figures.items():
        if country not in countries or country == outside_iri:
            continue
        if any(c == country and i == indicator and (p or "") > (period or "") for c, i, p in figures):
            continue  # an older figure: the newest period stands for the country
        totals = figures.get((world, indicator, period), {})
        for value, graphs in values.items():
            # The share is worked out against the world total the same source gives, never another's.
            total = next((t for t, tg in totals.items() if tg & graphs), None)
            share = round(100 * value / total, 1) if total and "Share" not in indicator else None
            out.append(
                CountrySupply(
                    country=ref(kg, country),
                    indicator=vocab_name(indicator) or indicator,
                    value=value,
                    unit=units[(country, indicator, period, value)],
                    period=period,
                    share_of_world=value if "Share" in indicator else share,
                    sources=source_refs(kg, graphs),
                    disputed=len(values) > 1,
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
    imports: Sequence[ImportSources] = (),
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
    exporters = {s.exporter.id for i in imports for s in i.shares}
    if exporters:
        note += f" Import shares name {_n(len(exporters), 'exporting country')} (listed under import_shares)."
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


# ---------------------------------------------------------------------------------------------
# Import shares
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportShare(Result):
    """One exporting country's part of an importer's imports of a material, as a source gives it."""

    exporter: Ref
    """The country the imports came from."""
    share: float
    """Fraction of the importer's imports, 0 to 1 (70 % is 0.7)."""
    value: float
    """The figure as the source states it, in ``unit``."""
    unit: str | None
    """Its unit's symbol (``%``)."""
    period: str | None
    """The year the figure is for; ``None`` when it covers several years (read ``statistic``)."""
    estimated: bool
    """Whether the source gives the figure as an estimate or a bound."""
    statistic: Ref
    """The statistic: its label names the span of years a multi-year figure covers."""
    note: str | None
    """What the source adds (\"counts Hong Kong with China\", where the material was made)."""
    sources: list[SourceRef]
    """The sources giving the figure."""


@dataclass
class ImportSources(Result):
    """Where one country's imports of a material come from."""

    importer: Ref
    """The importing country."""
    material: Ref
    """The material the figures are stated for (it may be broader than the one asked about:
    shares of rare-earth compounds and metals answer for rare-earth compounds)."""
    shares: list[ImportShare]
    """Each exporter's share, largest first (the excluded country left out)."""
    attributed: float
    """Fraction of the imports the source attributes to named countries, the excluded one included."""
    not_broken_down: float
    """Fraction the source leaves to unnamed other countries (0.06 for USGS's \"other 6 %\")."""
    note: str
    """The shares in one sentence, with what they leave out."""


_IMPORT_SHARES = """
SELECT ?stat ?importer ?exporter ?material ?value ?unit ?period ?periodEnd ?estimated ?comment ?g WHERE {
  GRAPH ?g { ?stat a rekg:Statistic ; rekg:indicator rekg:ImportShare ; rekg:subject ?importer ;
                   rekg:counterpart ?exporter ; rekg:material ?material ; rekg:value ?value .
             OPTIONAL { ?stat rekg:unit ?unit }
             OPTIONAL { ?stat rekg:period ?period }
             OPTIONAL { ?stat rekg:periodEnd ?periodEnd }
             OPTIONAL { ?stat rekg:estimated ?estimated }
             OPTIONAL { ?stat rdfs:comment ?comment FILTER(lang(?comment) = "en" || lang(?comment) = "") } }
}
"""


def import_share_figures(kg: KnowledgeGraph) -> list[dict]:
    """Every ``rekg:ImportShare`` figure, one dict per statistic, read once per graph version.

    Keys: ``statistic``, ``importer``, ``exporter``, ``material``, ``value``, ``unit`` (IRI),
    ``fraction`` (``None`` when the unit is not a share unit), ``period``, ``estimated``,
    ``comment``, ``graphs``.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> china = [f for f in import_share_figures(kg) if f["exporter"] == kg.iri("china")]
    >>> china[0]["fraction"], china[0]["importer"] == kg.iri("united-states")
    (0.7, True)
    """

    def build() -> list[dict]:
        figures: dict[str, dict] = {}
        for r in kg.select(_IMPORT_SHARES):
            f = figures.setdefault(
                r["stat"],
                {
                    "statistic": r["stat"],
                    "importer": r["importer"],
                    "exporter": r["exporter"],
                    "material": r["material"],
                    "value": float(r["value"]),
                    "unit": r.get("unit"),
                    "fraction": _rounded(as_fraction(float(r["value"]), r.get("unit"))),
                    "period": period_text(r.get("period"), r.get("periodEnd")),
                    "estimated": bool(r.get("estimated", False)),
                    "comment": str(r["comment"]) if "comment" in r else None,
                    "graphs": set(),
                },
            )
            f["graphs"].add(r["g"])
        return sorted(figures.values(), key=lambda f: (f["importer"], f["material"], -(f["fraction"] or 0)))

    return kg.cached("coverage.import_shares", build)


def import_shares(
    kg: KnowledgeGraph, material_iri: str, importer_iri: str | None = None, outside_iri: str | None = None
) -> list[ImportSources]:
    """Where importers' imports of a material come from: each exporter's share, with its source.

    Figures stated for the material, for a broader material that counts it (shares of rare-earth
    compounds and metals answer for rare-earth compounds) or for a narrower one all answer; each
    :class:`ImportSources` names the material its figures are for. ``importer_iri`` keeps one
    importing country; ``outside_iri`` drops that exporter from the shares (its part still
    counts in ``attributed``, so the rest is not inflated). Only share units are read
    (:func:`rekg.graph.units.as_fraction`); a period is kept per importer and material, the
    latest (figures with no single year count as the oldest).

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> us = import_shares(kg, kg.iri("rare-earth-compounds"), kg.iri("united-states"))[0]
    >>> [(s.exporter.label, s.share) for s in us.shares]
    [('China', 0.7), ('Malaysia', 0.13), ('Japan', 0.06), ('Estonia', 0.05)]
    >>> round(us.not_broken_down, 2), us.shares[0].sources[0].id.rsplit("/", 1)[-1]
    (0.06, 'usgs-mcs-2025')
    """
    ancestors = material_ancestors(kg)

    def counts(figure_material: str) -> bool:
        return (
            figure_material == material_iri
            or figure_material in ancestors.get(material_iri, ())
            or material_iri in ancestors.get(figure_material, ())
        )

    groups: dict[tuple[str, str], list[dict]] = {}
    for f in import_share_figures(kg):
        if f["fraction"] is None or not counts(f["material"]):
            continue
        if importer_iri and f["importer"] != importer_iri:
            continue
        groups.setdefault((f["importer"], f["material"]), []).append(f)
    out = []
    for (importer, material), figures in groups.items():
        latest = max((f["period"] or "" for f in figures), default="")
        figures = [f for f in figures if (f["period"] or "") == latest]
        attributed = min(sum(f["fraction"] for f in figures), 1.0)
        rest = max(0.0, 1.0 - attributed)
        kept = [f for f in figures if f["exporter"] != outside_iri]
        shares = sorted(
            (
                ImportShare(
                    exporter=ref(kg, f["exporter"]),
                    share=round(f["fraction"], 4),
                    value=f["value"],
                    unit=symbol(kg, f["unit"]),
                    period=f["period"],
                    estimated=f["estimated"],
                    statistic=ref(kg, f["statistic"]),
                    note=f["comment"],
                    sources=source_refs(kg, f["graphs"]),
                )
                for f in kept
            ),
            key=lambda s: (-s.share, s.exporter.label),
        )
        who, what = ref(kg, importer).label, ref(kg, material).label
        parts = ", ".join(f"{s.exporter.label} {s.share:.0%}" for s in shares) or "no other named country"
        note = f"imports of {what} into {who}: {parts}"
        if outside_iri and len(kept) < len(figures):
            dropped = sum(f["fraction"] for f in figures if f["exporter"] == outside_iri)
            note += f" (outside {ref(kg, outside_iri).label}, whose share is {dropped:.0%})"
        if rest > 1e-9:
            note += f"; {rest:.0%} comes from other countries the source does not break down"
        out.append(
            ImportSources(
                importer=ref(kg, importer),
                material=ref(kg, material),
                shares=shares,
                attributed=round(attributed, 4),
                not_broken_down=round(rest, 4),
                note=note,
            )
        )
    return sorted(out, key=lambda x: (x.importer.label, x.material.label))


def _rounded(x: float | None) -> float | None:
    """``x`` without the float noise of a percentage times 0.01 (70 % is 0.7, not 0.7000000000000001)."""
    return None if x is None else round(x, 10)
