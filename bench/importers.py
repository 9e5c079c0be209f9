"""Throughput of the CSV importers: a generated claims sheet and a USGS-layout data release.

Each import runs end to end through :func:`rekg.graph.io.sources.add_source` (read, map, resolve
names, curated-entity check, SHACL in this process with the shapes compiled by
:mod:`rekg.graph.io.shacl`, atomic write) into an in-memory graph of the
seeds plus generated countries and commodities; the stages are timed separately so the bottleneck
is named. Prints rows per second and the peak resident memory of the process.

Target (issue 14): 20k claim rows per second end to end including SHACL.

Usage: ``python -m bench.importers [--rows 100000] [--commodities 90] [--countries 50]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import time

import pyoxigraph as ox
from rekg.graph import open_graph
from rekg.graph.io import sources
from rekg.graph.io.importers import import_sheet
from rekg.graph.kg import KnowledgeGraph

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
REKG = "https://w3id.org/rekg/ontology#"


def _entities(kg: KnowledgeGraph, countries: int, commodities: int) -> tuple[list[str], list[str]]:
    """Add generated countries and commodities to ``kg`` (their own graph) and return their labels."""
    quads = []
    names = ([f"Benchland {i:03d}" for i in range(countries)], [f"Benchium {i:03d}" for i in range(commodities)])
    for labels, cls in zip(names, ("Country", "Material"), strict=True):
        for label in labels:
            node = ox.NamedNode(kg.iri(label.lower().replace(" ", "-")))
            quads.append(ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(REKG + cls)))
            quads.append(ox.Triple(node, ox.NamedNode(LABEL), ox.Literal(label, language="en")))
    kg.store.replace_graph(str(kg.ns.graph["bench-entities"]), quads)
    return names


def claims_sheet(rows: int, countries: list[str], commodities: list[str]) -> bytes:
    """A claims sheet of ``rows`` rows: four figures for every fact that an actor supplies a material."""
    out = io.StringIO()
    out.write("# id: bench-claims\n# title: Generated claims\n# publisher: USGS\n# date: 2025-06-01\n")
    out.write("# url: https://example.org/bench-claims\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        ["subject", "relation", "object", "value", "unit", "date", "valid_from", "valid_until", "status", "note"]
    )
    for i in range(rows):
        country, commodity = countries[i % len(countries)], commodities[(i // len(countries)) % len(commodities)]
        if i % 5 == 4:
            w.writerow([country, "supplies", commodity, "", "", "", "", "", "", ""])
        else:
            w.writerow(
                [country, "mine production", commodity, f"{1000 + i:,}", "t REO", str(1000 + i // 4500), "", "", "", ""]
            )
    return out.getvalue().encode()


def usgs_sheet(countries: list[str], commodities: list[str]) -> bytes:
    """A release in the USGS layout: every commodity in every country, with an extra column and odd cells."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "COMMODITY",
            "COUNTRY",
            "TYPE",
            "UNIT_MEAS",
            "PROD_2023",
            "PROD_EST_ 2024",
            "PROD_NOTES",
            "RESERVES_2024",
            "RESERVES_NOTES",
            "CAPACITY_2024",
        ]
    )
    for c, commodity in enumerate(commodities):
        for n, country in enumerate(countries):
            cells = ["NA", "—", "W", ">5,000"]
            w.writerow(
                [
                    commodity,
                    country,
                    "Mine production: rare-earth-oxide equivalent",
                    "metric tons",
                    f"{(c + 1) * (n + 1):,}",
                    f"{(c + 2) * (n + 1):,}",
                    "Estimated." if n % 3 == 0 else "",
                    cells[(c + n) % 4] if n % 2 else f"{(c + 1) * 1000 + n:,}",
                    "",
                    "1,000",
                ]
            )
    return out.getvalue().encode()


def _run(kg: KnowledgeGraph, what: str, data: bytes, rows: int) -> None:
    t0 = time.perf_counter()
    imported = import_sheet(kg, data, name=what)
    t1 = time.perf_counter()
    check_times: list[float] = []

    def timed_check(payload: bytes, **kw: bool) -> list:
        start = time.perf_counter()
        found = sources.validate_upload(payload, **kw)
        check_times.append(time.perf_counter() - start)
        return found

    written = sources.add_source(kg, data, "text/csv", name=what, check=timed_check)
    t2 = time.perf_counter()
    shacl = sum(check_times)
    total = t2 - t1  # add_source maps the sheet again: its time is the end-to-end time
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{what:<8} {rows:>8} rows {written.triples:>9} triples"
        f" | map {t1 - t0:6.2f} s ({rows / (t1 - t0):>8,.0f} rows/s)"
        f" | SHACL {shacl:6.2f} s | end to end {total:6.2f} s ({rows / total:>8,.0f} rows/s) | peak RSS {rss:,.0f} MiB"
    )
    del imported


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Rows of the generated claims sheet.")
    parser.add_argument("--commodities", type=int, default=90)
    parser.add_argument("--countries", type=int, default=50)
    parser.add_argument("--only", choices=("claims", "usgs"), help="Run one of the two imports.")
    args = parser.parse_args(argv)
    kg = open_graph(validate_shapes=False)
    countries, commodities = _entities(kg, args.countries, args.commodities)
    print(f"python {sys.version.split()[0]}; map = read + resolve + build the graph; end to end = add_source")
    if args.only in (None, "usgs"):
        commodity_rows = args.commodities * args.countries
        _run(kg, "usgs", usgs_sheet(countries, commodities), commodity_rows)
    if args.only in (None, "claims"):
        _run(kg, "claims", claims_sheet(args.rows, countries, commodities), args.rows)


if __name__ == "__main__":
    main()
