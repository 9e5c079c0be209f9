"""rekg paths, centrality, chokepoints, concentration, scenario: supply-dependency analysis.

Each command calls one function of :mod:`rekg.graph.network` and renders the result it returns:
``--format json`` prints its ``to_dict()``, the JSON the HTTP API sends; the table reads the same result.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from ._app import app
from .common import console, load_kg, reported_errors

if TYPE_CHECKING:
    from rekg.graph.results import Result


class Output(StrEnum):
    table = "table"
    json = "json"


class Metric(StrEnum):
    betweenness = "betweenness"
    pagerank = "pagerank"
    degree = "degree"
    eigenvector = "eigenvector"


class Indicator(StrEnum):
    mining = "mining"
    processing = "processing"
    magnet_making = "magnet_making"
    production = "production"
    imports = "imports"


class Restricted(StrEnum):
    include = "include"
    exclude = "exclude"
    only = "only"


_FORMAT = typer.Option("--format", "-f", help="table (readable) or json (the API's shape).")
_AS_OF = typer.Option(
    "--as-of", help="The day (YYYY-MM-DD; today by default): what is active and which measures are in force."
)
_RESTRICTED = typer.Option(
    "--restricted",
    help="Paths crossing a flow a measure in force restricts: include (marked), exclude, or only those.",
)


def _print_json(result: Result) -> None:
    """The result exactly as the HTTP API sends it."""
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


def _labels(nodes: list) -> str:
    return ", ".join(n.label for n in nodes)


def _print_evidence(result: Result) -> None:
    """The evidence note under the tables: how fresh the answer's sources are."""
    console.print(result.evidence.note, style="dim", soft_wrap=True, markup=False)  # type: ignore[attr-defined]


@app.command()
def paths(
    source: Annotated[str, typer.Argument(help="Who obtains: a country or firm (name, code or IRI).")],
    target: Annotated[str, typer.Argument(help="What or whom it obtains, e.g. dysprosium.")],
    avoid: Annotated[
        Optional[list[str]], typer.Option("--avoid", "-a", help="Country or entity to route around; repeat for more.")
    ] = None,
    max_len: Annotated[int, typer.Option(help="Longest path, in steps.", min=1, max=12)] = 6,
    limit: Annotated[int, typer.Option(help="Most paths to show.", min=1, max=200)] = 20,
    as_of: Annotated[Optional[str], _AS_OF] = None,
    restricted: Annotated[Restricted, _RESTRICTED] = Restricted.include,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Supply-dependency paths from SOURCE to TARGET on a day, open ones first, each step with its sources."""
    from rekg.graph import network

    kg = load_kg()
    with reported_errors():
        found = network.supply_paths(
            kg, source, target, avoid or [], max_len, limit=limit, as_of=as_of, restricted=restricted.value
        )
    if format is Output.json:
        _print_json(found)
        return
    if not found.paths:
        avoiding = f" avoiding {_labels(found.avoid)}" if found.avoid else ""
        which = {"exclude": " open", "only": " restricted"}.get(found.restricted, "")
        console.print(
            f"no{which} supply path from {found.source.label} to {found.target.label}{avoiding} "
            f"within {found.max_len} steps on {found.as_of}"
        )
    for i, p in enumerate(found.paths, 1):
        state = f"restricted by {_labels(p.restricted_by)}" if p.restricted_by else "open"
        title = f"path {i}: {p.length} steps, via {_labels(p.countries)}, {state} on {found.as_of}"
        table = Table(title=title, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("step")
        table.add_column("relation")
        table.add_column("sources")
        for j, step in enumerate(p.steps, 1):
            text = step.text + (f" (restricted by {_labels(step.restricted_by)})" if step.restricted_by else "")
            table.add_row(str(j), text, step.relation, "; ".join(s.title for s in step.sources))
        console.print(table)
    _print_evidence(found)


@app.command()
def centrality(
    metric: Annotated[Metric, typer.Option("--metric", "-m", help="The centrality measure.")] = Metric.betweenness,
    kind: Annotated[Optional[str], typer.Option(help="Keep only nodes of this kind (country, facility...).")] = None,
    top: Annotated[int, typer.Option(help="How many to show.", min=1, max=1000)] = 10,
    as_of: Annotated[Optional[str], _AS_OF] = None,
    restricted: Annotated[Restricted, _RESTRICTED] = Restricted.include,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """The most central nodes of the supply graph on a day (ties marked "=", ordered by label)."""
    from rekg.graph import network

    kg = load_kg()
    with reported_errors():
        found = network.centrality(kg, metric.value, kind, top, as_of=as_of, restricted=restricted.value)
    if format is Output.json:
        _print_json(found)
        return
    title = f"{found.metric} centrality" + (f" of {found.kind} nodes" if found.kind else "") + f" on {found.as_of}"
    if found.metric == "betweenness" and found.restricted != "include":
        title += f" ({found.restricted} restricted paths)"
    table = Table("rank", "node", "kind", found.metric, title=title, title_justify="left")
    for r in found.ranked:
        # A tie shows the rank its group shares, as in "3=".
        rank = f"{r.tie_group}=" if r.tied else str(r.rank)
        table.add_row(rank, r.label, r.kind, f"{r.score:.6f}")
    console.print(table)
    if any(r.tied for r in found.ranked):
        cut = "; more nodes share the last score" if found.ties_cut else ""
        console.print(f"= tied: equal scores, ordered by label{cut}")
    _print_evidence(found)


@app.command()
def chokepoints(
    consumer: Annotated[str, typer.Argument(help="A country or firm.")],
    material: Annotated[str, typer.Argument(help="A material.")],
    as_of: Annotated[Optional[str], _AS_OF] = None,
    restricted: Annotated[Restricted, _RESTRICTED] = Restricted.include,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Nodes every supply path from CONSUMER to MATERIAL passes on a day, a minimum node cut, restricted flows."""
    from rekg.graph import network

    kg = load_kg()
    with reported_errors():
        cp = network.chokepoints(kg, consumer, material, as_of=as_of, restricted=restricted.value)
    if format is Output.json:
        _print_json(cp)
        return
    which = {"exclude": " open", "only": " restricted"}.get(cp.restricted, "")
    if not cp.connected:
        console.print(f"{cp.consumer.label} has no{which} supply path to {cp.material.label} on {cp.as_of}")
    else:
        title = f"{cp.consumer.label} → {cp.material.label} on {cp.as_of}" + (
            f" ({which.strip()} paths)" if which else ""
        )
        table = Table("", "nodes", title=title, title_justify="left")
        table.add_row("on every path", _labels(cp.articulation_points) or "none")
        table.add_row(
            "minimum node cut", _labels(cp.minimum_node_cut) or ("none: obtained directly" if cp.direct else "")
        )
        table.add_row("suppliers", _labels(cp.suppliers))
        console.print(table)
    if cp.restricted_flows:
        table = Table("supplier", "material", "restricted by", title="restricted flows", title_justify="left")
        for f in cp.restricted_flows:
            table.add_row(f.supplier.label, f.material.label, _labels(f.restricted_by))
        console.print(table)
    _print_evidence(cp)


@app.command()
def concentration(
    material: Annotated[str, typer.Argument(help="A material or group.")] = "rare earths",
    indicator: Annotated[Indicator, typer.Option(help="Which figures to use.")] = Indicator.mining,
    period: Annotated[Optional[str], typer.Option(help="2024, 2025-09...; latest by default.")] = None,
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="The day (YYYY-MM-DD; today by default): periods begun by then.")
    ] = None,
    importer: Annotated[
        Optional[str], typer.Option("--importer", help="For --indicator imports: the importing country.")
    ] = None,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """Herfindahl–Hirschman index of who mines, processes or makes a material, or of a country's imports."""
    from rekg.graph import network

    kg = load_kg()
    with reported_errors():
        c = network.concentration(kg, material, indicator.value, period, as_of=as_of, importer=importer)
    if format is Output.json:
        _print_json(c)
        return
    if c.hhi is None:
        have = "; ".join(f"{a.material.label} {a.indicator} {a.period}" for a in c.available)
        console.print(f"{c.note}. The graph has: {have or 'no figures'}")
        _print_evidence(c)
        return
    title = f"{c.material.label}, {c.indicator}"
    title += f" into {c.importer.label}" if c.importer else ""
    title += f", {c.period}" if c.period else ""
    title += f": HHI {c.hhi:,.0f}"
    if c.hhi_upper != c.hhi:
        title += f" to {c.hhi_upper:,.0f}"
    who = "exporter" if c.importer else "maker"
    table = Table(who, "value", "share", "sources", title=f"{title} ({c.level})", title_justify="left")
    for s in c.shares:
        value = f"{s.value:,.0f} {s.unit or ''}".strip() + (" (est.)" if s.estimated else "")
        table.add_row(s.subject.label, value, f"{s.share:.1%}", "; ".join(x.title for x in s.sources))
    console.print(table)
    console.print(c.note)
    _print_evidence(c)


@app.command()
def scenario(
    remove: Annotated[
        Optional[list[str]], typer.Option("--remove", "-r", help="Country or entity that stops supplying; repeat.")
    ] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The day (YYYY-MM-DD); today by default.")] = None,
    reimpose: Annotated[
        Optional[list[str]], typer.Option("--reimpose", help="Measure to apply as if in force; repeat.")
    ] = None,
    format: Annotated[Output, _FORMAT] = Output.table,
) -> None:
    """What breaks when countries stop supplying or measures come back: a disruption scenario."""
    from rekg.graph import network

    kg = load_kg()
    with reported_errors():
        d = network.disruption(kg, remove=remove or [], as_of=as_of or date.today(), reimpose=reimpose or [])
    if format is Output.json:
        _print_json(d)
        return
    heading = f"scenario on {d.as_of}"
    if d.removed:
        heading += f": without {_labels(d.removed)} (and {len(d.removed_with)} entities it controls)"
    console.print(heading)
    if d.measures:
        table = Table(
            "measure",
            "status",
            "imposed by",
            "flows",
            title="measures applied (baseline, then re-imposed)",
            title_justify="left",
        )
        for m in d.measures:
            status = m.status + (" (projected)" if m.projected else "") + (" (stale report)" if m.stale else "")
            table.add_row(m.measure.label, status, _labels(m.imposed_by), str(m.flows))
        console.print(table)
    if d.baseline.consumers_restricted:
        table = Table(
            "country", "materials the baseline measures already cut off", title="baseline", title_justify="left"
        )
        for c in d.baseline.consumers_restricted:
            table.add_row(c.consumer.label, _labels(c.materials_lost))
        console.print(table)
    table = Table(
        "material", "suppliers before", "sectors", title="materials left with no supplier", title_justify="left"
    )
    for i in d.materials_without_supplier:
        table.add_row(i.material.label, _labels(i.suppliers_before), _labels(i.sectors))
    console.print(table if d.materials_without_supplier else "no material is left without a supplier")
    for title, consumers, sectors in (
        ("against the baseline", d.consumers_affected, d.sectors_affected),
        ("against no measures at all", d.without_measures.consumers_affected, d.without_measures.sectors_affected),
    ):
        table = Table(
            "sector", "materials cut off", "countries hit", title=f"sectors affected, {title}", title_justify="left"
        )
        for s in sectors:
            table.add_row(s.sector.label, _labels(s.materials), _labels(s.consumers))
        console.print(table if sectors else f"no sector is affected {title}")
        table = Table(
            "country", "materials it can no longer obtain", title=f"consumers affected, {title}", title_justify="left"
        )
        for c in consumers:
            table.add_row(c.consumer.label, _labels(c.materials_lost))
        console.print(table if consumers else f"no country loses access to a material {title}")
    more = " (more not listed)" if d.paths_lost_truncated else ""
    console.print(f"{len(d.paths_lost)} supply paths lost{more}; see --format json for each step")
    console.print(d.note, soft_wrap=True, markup=False)
    _print_evidence(d)
