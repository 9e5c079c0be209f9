"""Concentration: the Herfindahl–Hirschman index of who mines, processes or makes a material, or sells it to a country.

:func:`concentration` reads the statistics the projection keeps (``G.graph["statistics"]``):
the shares the sources state, or mine production against the world total, or (``imports``) the
shares of an importer's imports by exporting country, and answers with a :class:`Concentration`
that lists each maker's (or exporter's) share with its sources and says what the graph has
when it has no figures for the question.

Time applies as in the other analyses: a figure counts from the start of its period, as a
facility counts from its start, so on ``as_of`` only figures for periods begun by then are
used. Measures stop trade, not mining or processing, so no measure changes a concentration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import networkx as nx
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.dates import parse_date, period_start
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import NodeRef, node_ref, projection
from rekg.graph.network.view import Citation, _citations, resolve_node
from rekg.graph.results import Result
from rekg.graph.rules import material_ancestors
from rekg.graph.units import as_fraction, common_unit, symbol

__all__ = ["INDICATORS", "Available", "Concentration", "Share", "concentration"]

#: Indicator name -> (statistic indicator, what the figures are).
INDICATORS: dict[str, tuple[str, str]] = {
    "mining": ("ShareOfMining", "share"),
    "processing": ("ShareOfProcessing", "share"),
    "magnet_making": ("ShareOfMagnetMaking", "share"),
    "production": ("MineProduction", "amount"),
    "imports": ("ImportShare", "share"),
}
#: Indicators whose figures are bilateral: the subject imports, the counterpart is the exporter.
_BILATERAL = {"imports"}


@dataclass
class Share(Result):
    """One maker's part of the total."""

    subject: NodeRef
    """The country or firm (for ``imports``, the exporting country)."""
    value: float
    """The figure as the source states it (a percentage, or an amount)."""
    unit: str | None
    """The symbol of the unit of ``value`` (``%``, ``t REO``...)."""
    share: float
    """Fraction of the total, 0 to 1."""
    estimated: bool
    """Whether the source gives the figure as an estimate."""
    sources: list[Citation]
    """The sources that state the figure."""


@dataclass
class Available(Result):
    """A material, indicator and period the graph has figures for."""

    material: NodeRef
    """The material."""
    indicator: str
    """``mining``, ``processing``, ``magnet_making``, ``production`` or ``imports``."""
    period: str | None
    """The period of the figures (``2024``, ``2025-09``)."""


@dataclass
class Concentration(Result):
    """The Herfindahl–Hirschman index of a material's mining, processing or production."""

    material: NodeRef
    """The material asked about, as the name given resolved."""
    indicator: str
    """Which figures were used: ``mining``, ``processing``, ``magnet_making``, ``production`` or ``imports``."""
    period: str | None
    """The period of the figures: the one asked for, or the latest begun by ``as_of`` the graph has
    (``None`` for figures that cover several years, such as USGS's 2020-23 import shares)."""
    as_of: date
    """The day: figures for periods that begin after it are not used."""
    hhi: float | None
    """Sum of squared percentage shares of the known makers (a lower bound); ``null`` without figures."""
    hhi_upper: float | None
    """The index if the part not broken down were one more maker."""
    coverage: float
    """Fraction of the total the known shares cover."""
    level: str | None
    """``highly concentrated``, ``moderately concentrated`` or ``unconcentrated`` (2023 US Merger Guidelines);
    ``null`` when the index is low but the shares do not cover the whole total."""
    shares: list[Share]
    """Each maker's share, largest first."""
    total: float | None
    """For ``production``: the total the shares are of."""
    available: list[Available]
    """Material, indicator and period combinations with figures: for this material, or else for any."""
    note: str
    """How the shares were read, and how much of the total is not broken down."""
    evidence: Evidence
    """What the figures rest on (the sources of the shares used), how fresh that is."""
    importer: NodeRef | None = None
    """For ``imports``: the importing country whose imports the shares divide."""
    figures_for: NodeRef | None = None
    """The material the figures are stated for, when it is not the one asked about (shares of
    rare-earth compounds and metals answer for rare-earth compounds)."""
    rows_field = "shares"


#: How figures' periods are written (rekg:period, with rekg:periodEnd as an ISO 8601 interval).
_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?")


def concentration(
    kg: KnowledgeGraph,
    material: str = "rare earths",
    indicator: str = "mining",
    period: str | None = None,
    *,
    as_of: date | str | None = None,
    importer: str | None = None,
) -> Concentration:
    """The Herfindahl–Hirschman index (HHI) of a material's mining, processing or production, or of a country's imports.

    HHI is the sum of squared percentage shares, from near 0 (many small makers) to 10,000 (one
    maker). ``mining``, ``processing`` and ``magnet_making`` use the shares the sources state
    (China's 70, 90 and 93 %); ``production`` computes shares from mine output (the USGS
    table), against the world total when the graph has one. When the known shares cover less
    than the whole, ``hhi`` counts only them (a lower bound: the rest spread thin) and
    ``hhi_upper`` adds the rest as one more maker. ``level`` follows the 2023 US Merger
    Guidelines: above 1,800 highly concentrated, 1,000 to 1,800 moderately.

    ``imports`` divides one country's imports of the material among the countries they came
    from (``rekg:ImportShare``: USGS gives China 70 %, Malaysia 13 %, Japan 6 % and Estonia 5 %
    of US imports of rare-earth compounds and metals in 2020-23, and 6 % not broken down, so
    ``coverage`` is 0.94). Figures stated for a broader or narrower material answer when the
    material itself has none (``figures_for`` names it).

    Parameters
    ----------
    kg : KnowledgeGraph
    material : str
    indicator : {"mining", "processing", "magnet_making", "production", "imports"}
    period : str, optional
        ``2024`` or ``2025-09``; by default the latest period with figures that began by ``as_of``.
    as_of : date or str, optional
        The day (today by default): figures for periods beginning after it are not used.
    importer : str, optional
        For ``imports``: the importing country (name, ISO code or IRI); by default the only
        country with import shares for the material.

    Returns
    -------
    Concentration
        ``hhi`` is ``None`` when the graph has no figures for the material, indicator and
        period (or the period begins after ``as_of``); ``available`` lists what it has.

    Raises
    ------
    NodeNotFound
        If the material is unknown.
    InvalidParameter
        If the indicator is unknown, ``period`` is not a year, a month or an interval of them, or
        ``as_of`` is not a date; for ``imports``, if no
        ``importer`` is given and several countries have import shares (the message lists them),
        or one is given with another indicator.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> c = concentration(kg, "rare earths", "processing")
    >>> c.shares[0].subject.label, c.level
    ('China', 'highly concentrated')
    >>> concentration(kg, "gallium", "mining").hhi is None
    True
    >>> concentration(kg, "rare earths", "production", as_of="2024-06-01").period
    '2024'
    >>> c = concentration(kg, "rare-earth compounds", "imports", importer="US")
    >>> c.shares[0].subject.label, c.shares[0].share, c.coverage, c.hhi
    ('China', 0.7, 0.94, 5130.0)
    """
    if indicator not in INDICATORS:
        raise InvalidParameter(f"indicator: {indicator!r} is not one of {', '.join(INDICATORS)}", parameter="indicator")
    if period is not None and (not isinstance(period, str) or not period.strip()):
        period = None
    if period is not None and not _PERIOD.fullmatch(period.strip()):
        raise InvalidParameter(
            f"period: {period!r} is not a year, a month or an interval (2024, 2025-09, 2020/2023)", parameter="period"
        )
    day = parse_date(as_of, name="as_of") or date.today()
    m = resolve_node(kg, material, kinds={"material"}, what="material")
    if importer is not None and isinstance(importer, str) and not importer.strip():
        importer = None
    if importer is not None and indicator not in _BILATERAL:
        raise InvalidParameter(
            f"importer: only the {', '.join(sorted(_BILATERAL))} indicator divides a country's imports",
            parameter="importer",
        )
    G = projection(kg)
    stats = G.graph.get("statistics", [])
    names = {v[0]: k for k, v in INDICATORS.items()}
    available = sorted(
        {
            (s["material"], names[s["indicator"]], s["period"])
            for s in stats
            if s["indicator"] in names
            and s["material"] in G
            and s["subject"] in G
            and _comparable(
                G,
                [x for x in stats if x["indicator"] == s["indicator"] and x["material"] == s["material"]],
                s["period"],
                INDICATORS[names[s["indicator"]]][1],
            )
        },
        key=lambda x: (G.nodes[x[0]]["label"], x[1], str(x[2])),
    )
    # What the graph has for this material; failing that, what it has at all.
    available_rows = [Available(node_ref(G, a), b, c) for a, b, c in available if a == m] or [
        Available(node_ref(G, a), b, c) for a, b, c in available
    ]
    wanted, form = INDICATORS[indicator]
    rows = [s for s in stats if s["material"] == m and s["indicator"] == wanted and s["subject"] in G]
    figures_for = None
    importer_ref = None
    if indicator in _BILATERAL:
        rows, figures_for = _related_material(kg, G, stats, m, wanted, rows)
        rows = [s for s in rows if s.get("counterpart") in G]
        importers = sorted({s["subject"] for s in rows}, key=lambda n: G.nodes[n]["label"])
        if importer is not None:
            who = resolve_node(kg, importer, kinds={"country"}, what="importer")
        elif len(importers) > 1:
            listed = ", ".join(G.nodes[n]["label"] for n in importers)
            raise InvalidParameter(
                f"importer: {len(importers)} countries have import shares for {G.nodes[m]['label']} "
                f"({listed}); name one",
                parameter="importer",
            )
        else:
            who = importers[0] if importers else None
        importer_ref = node_ref(G, who) if who else None
        # The exporters are the makers of an importer's supply.
        rows = [{**s, "subject": s["counterpart"]} for s in rows if s["subject"] == who]
    periods = sorted(
        {s["period"] for s in rows if _begun(s["period"], day) and _comparable(G, rows, s["period"], form)}, key=str
    )
    if period is None and periods:
        period = periods[-1]
    rows = [s for s in rows if s["period"] == period]
    lone = bool(rows) and not _comparable(G, rows, period, form)
    about = f"{G.nodes[m]['label']} {indicator}"
    result = Concentration(
        material=node_ref(G, m),
        indicator=indicator,
        period=period,
        as_of=day,
        hhi=None,
        hhi_upper=None,
        coverage=0.0,
        level=None,
        shares=[],
        total=None,
        available=available_rows,
        note="",
        evidence=evidence(kg, day, [], about=about),
        importer=importer_ref,
        figures_for=node_ref(G, figures_for) if figures_for else None,
    )
    if importer_ref is not None:
        about = f"{G.nodes[m]['label']} imports into {importer_ref.label}"
        result.evidence = evidence(kg, day, [], about=about)
    if lone:
        # One producer's amount with no world total (US output of 2020-2022) says nothing about concentration.
        who = G.nodes[rows[0]["subject"]]["label"]
        result.note = f"only one {indicator} figure for {period} ({who}) and no world total: no index"
        return result
    if rows and not _begun(period, day):
        result.note = f"the period {period} begins after {day}: its figures are not used on that day"
        return result
    if not rows:
        result.note = (
            f"no {indicator} figures for {G.nodes[m]['label']}"
            + (f" into {importer_ref.label}" if importer_ref else "")
            + (f" in {period}" if period else "")
        )
        if period is None and any(s["material"] == m and s["indicator"] == wanted for s in stats):
            result.note += f" for a period begun by {day}"
        return result
    by_subject: dict[str, list[dict]] = {}
    for s in rows:
        by_subject.setdefault(s["subject"], []).append(s)
    picked = {subj: _pick_stat(G, ss) for subj, ss in by_subject.items()}
    totals = {subj: s for subj, s in picked.items() if G.nodes[subj]["kind"] == "region"}
    makers = {subj: s for subj, s in picked.items() if G.nodes[subj]["kind"] != "region"}
    same, unit = common_unit(s.get("unit") for s in picked.values())
    if not same:
        # Never add or compare figures in different units (SHACL refuses them; a remote store may not).
        shown = sorted({s.get("unit_symbol") or "no unit" for s in picked.values()})
        result.note = f"the {indicator} figures for {period} are in different units ({', '.join(shown)}): not combined"
        return result
    if form == "share":
        if as_fraction(1.0, unit) is None:
            result.note = (
                f"the {indicator} figures are in {symbol(kg, unit) or 'no unit'}, not a share unit: not combined"
            )
            return result
        fractions = {subj: as_fraction(s["value"], unit) or 0.0 for subj, s in makers.items()}
        total = None
        note = "shares as the sources state them"
        if importer_ref is not None:
            what = G.nodes[figures_for or m]["label"]
            note = f"shares of the imports of {what} into {importer_ref.label} by exporting country, as stated"
    else:
        total = next(iter(totals.values()))["value"] if totals else sum(s["value"] for s in makers.values())
        fractions = {subj: (s["value"] / total if total else 0.0) for subj, s in makers.items()}
        note = "shares of the world total" if totals else "shares of the sum of the listed producers"
    coverage = min(sum(fractions.values()), 1.0)
    hhi = sum((100 * f) ** 2 for f in fractions.values())
    rest = max(0.0, 1.0 - coverage)
    result.hhi = round(hhi, 1)
    result.hhi_upper = round(hhi + (100 * rest) ** 2, 1)
    result.coverage = round(coverage, 4)
    result.level = (
        "highly concentrated"
        if hhi > 1800
        else "moderately concentrated"
        if hhi >= 1000
        else ("unconcentrated" if rest < 1e-9 else None)
    )
    result.total = total
    # Under half a percent shows as "under 1%", not "0%" next to a coverage that is not 1.
    left = f"{rest:.0%}" if rest >= 0.005 else "under 1%"
    result.note = note + ("" if rest < 1e-9 else f"; {left} of the total is not broken down")
    result.shares = sorted(
        (
            Share(
                subject=node_ref(G, subj),
                value=s["value"],
                unit=s.get("unit_symbol"),
                share=round(fractions[subj], 4),
                estimated=bool(s.get("estimated")),
                sources=_citations(G, s["sources"]),
            )
            for subj, s in makers.items()
        ),
        key=lambda sh: (-sh.share, sh.subject.label),
    )
    graphs = {g for s in picked.values() for g in s["sources"]}
    result.evidence = evidence(kg, day, graphs, about=about)
    return result


def _related_material(
    kg: KnowledgeGraph, G: nx.MultiDiGraph, stats: list[dict], m: str, wanted: str, rows: list[dict]
) -> tuple[list[dict], str | None]:
    """The figures for ``m``; failing those, for the nearest material that counts it or that it counts.

    Import shares are stated for trade categories (rare-earth compounds and metals): asked about
    one category in it, or about the group above it, the category's figures answer.
    """
    if rows:
        return rows, None
    ancestors = material_ancestors(kg)
    related = sorted(
        {
            s["material"]
            for s in stats
            if s["indicator"] == wanted
            and s["subject"] in G
            and s["material"] in G
            and (s["material"] in ancestors.get(m, ()) or m in ancestors.get(s["material"], ()))
        },
        # Broader first (the figure covers what was asked), then by label.
        key=lambda x: (x not in ancestors.get(m, ()), G.nodes[x]["label"]),
    )
    if not related:
        return [], None
    return [
        s for s in stats if s["indicator"] == wanted and s["material"] == related[0] and s["subject"] in G
    ], related[0]


def _comparable(G: nx.MultiDiGraph, rows: list[dict], period: str | None, form: str) -> bool:
    """Whether the amounts of ``period`` can be shares: a total to divide by, or at least two makers."""
    if form != "amount":
        return True
    subjects = {s["subject"] for s in rows if s["period"] == period}
    return len(subjects) > 1 or any(G.nodes[s]["kind"] == "region" for s in subjects)


def _begun(period: str | None, day: date) -> bool:
    """Whether ``period`` (``2024``, ``2025-09``) began by ``day``; an undated figure always has."""
    start = period_start(period) if period else None
    return start is None or start <= day


def _pick_stat(G: nx.MultiDiGraph, stats: list[dict]) -> dict:
    """Where sources give different figures, the one most sources give, then the newest."""
    known = G.graph.get("sources", {})

    def newest(s: dict) -> str:
        return max((known.get(g, {}).get("date") or "" for g in s["sources"]), default="")

    return max(stats, key=lambda s: (len(s["sources"]), newest(s)))
