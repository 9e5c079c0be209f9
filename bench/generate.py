"""Synthetic, supply-chain-shaped RDF for the benchmark, written as N-Quads.

The data follows the modelling guide (``ontology/README.md``): countries, companies with
ownership stakes, materials with forms and groups, facilities (operator, country, stage,
status, capacity, products) and trade measures, each source's facts in its own named graph.
The same seed gives the same file. Entities are shared across sources, as in the real seeds,
so joins cross graphs.

Usage::

    python -m bench.generate 100k            # writes bench/out/synthetic-100k.nq
    python -m bench.generate 10k 100k 1m 10m
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
BASE = "https://w3id.org/rekg/"
ID = BASE + "id/"
SRC = BASE + "source/"
R = "https://w3id.org/rekg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
BROADER = "<http://www.w3.org/2004/02/skos/core#broader>"
XSD = "http://www.w3.org/2001/XMLSchema#"
TITLE = "<http://purl.org/dc/terms/title>"
DATE = "<http://purl.org/dc/terms/date>"

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}

#: Real rare earths and battery materials, so the benchmark queries name real things.
ELEMENTS = [
    ("lanthanum", "light"), ("cerium", "light"), ("praseodymium", "light"), ("neodymium", "light"),
    ("samarium", "light"), ("europium", "light"), ("gadolinium", "heavy"), ("terbium", "heavy"),
    ("dysprosium", "heavy"), ("holmium", "heavy"), ("erbium", "heavy"), ("thulium", "heavy"),
    ("ytterbium", "heavy"), ("lutetium", "heavy"), ("yttrium", "heavy"), ("scandium", "heavy"),
    ("lithium", "battery"), ("cobalt", "battery"), ("nickel", "battery"), ("graphite", "battery"),
    ("gallium", "critical"), ("germanium", "critical"), ("antimony", "critical"), ("tungsten", "critical"),
]  # fmt: skip
GROUPS = {
    "light": "light-rare-earths",
    "heavy": "heavy-rare-earths",
    "battery": "battery-materials",
    "critical": "critical-minerals",
}
STAGES = ["Mining", "Separation", "MetalMaking", "MagnetMaking", "Manufacturing"]
STATUSES = ["Operating", "Operating", "Operating", "Planned", "Closed"]
MEASURES = ["ExportControl", "Tariff", "OwnershipRule", "LicensingScheme"]
N_COUNTRIES = 200


def _iri(local: str) -> str:
    return f"<{ID}{local}>"


def _r(local: str) -> str:
    return f"<{R}{local}>"


def _lit(text: str, lang: str = "en") -> str:
    return f'"{text}"@{lang}'


def _typed(value: object, dtype: str) -> str:
    return f'"{value}"^^<{XSD}{dtype}>'


def _country(i: int) -> str:
    return "china" if i == 0 else ("united-states" if i == 1 else f"country-{i}")


def quads(target: int, seed: int = 7) -> Iterator[str]:
    """Yield about ``target`` N-Quads lines, deterministically for a given seed."""
    rnd = random.Random(seed)
    emitted = 0
    shared = f"<{BASE}graph/entities>"

    def q(s: str, p: str, o: str, g: str) -> str:
        return f"{s} {p} {o} {g} .\n"

    # Shared entities: countries, groups, elements and their forms.
    lines: list[str] = []
    for i in range(N_COUNTRIES):
        c = _iri(_country(i))
        lines += [
            q(c, RDF_TYPE, _r("Country"), shared),
            q(c, LABEL, _lit(_country(i).replace("-", " ").title()), shared),
        ]
        lines.append(q(c, _r("isoCode"), f'"{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}"', shared))
    for group in GROUPS.values():
        g = _iri(group)
        lines += [q(g, RDF_TYPE, _r("MaterialGroup"), shared), q(g, LABEL, _lit(group.replace("-", " ")), shared)]
        if group.endswith("rare-earths"):
            lines.append(q(g, BROADER, _iri("rare-earths"), shared))
    # Two levels above the elements, so property paths have something to walk.
    lines += [
        q(_iri("rare-earths"), RDF_TYPE, _r("MaterialGroup"), shared),
        q(_iri("rare-earths"), LABEL, _lit("rare earths"), shared),
        q(_iri("rare-earths"), BROADER, _iri("critical-minerals"), shared),
        q(_iri("battery-materials"), BROADER, _iri("critical-minerals"), shared),
    ]
    materials: list[str] = []
    for name, kind in ELEMENTS:
        e = _iri(name)
        lines += [
            q(e, RDF_TYPE, _r("Element"), shared),
            q(e, LABEL, _lit(name), shared),
            q(e, BROADER, _iri(GROUPS[kind]), shared),
        ]
        materials.append(name)
        for form, cls in (("oxide", "Oxide"), ("metal", "Metal")):
            f = _iri(f"{name}-{form}")
            lines += [
                q(f, RDF_TYPE, _r(cls), shared),
                q(f, LABEL, _lit(f"{name} {form}"), shared),
                q(f, _r("formOf"), e, shared),
            ]
            materials.append(f"{name}-{form}")
    yield from lines
    emitted += len(lines)

    # Sources: each holds a batch of companies, facilities, ownerships and measures.
    company = facility = measure = source = 0
    n_companies_est = max(50, target // 60)
    while emitted < target:
        g = f"<{SRC}synthetic-{source}>"
        out = [
            q(g, RDF_TYPE, _r("Source"), g),
            q(g, TITLE, _lit(f"Synthetic report {source}"), g),
            q(g, DATE, _typed(f"20{15 + source % 11:02d}-{1 + source % 12:02d}-01", "date"), g),
        ]
        for _ in range(20):
            # A company, sometimes owned in part by another one.
            c = _iri(f"company-{company}")
            country = _country(int(rnd.paretovariate(1.2)) % N_COUNTRIES)
            out += [
                q(c, RDF_TYPE, _r("Company"), g),
                q(c, LABEL, _lit(f"Company {company}"), g),
                q(c, ALT, _lit(f"C{company} Ltd."), g),
                q(c, _r("country"), _iri(country), g),
            ]
            if company > 10 and rnd.random() < 0.4:
                o = f"_:own{company}"
                owner = _iri(f"company-{rnd.randrange(max(1, min(company, n_companies_est)))}")
                out += [
                    q(o, RDF_TYPE, _r("Ownership"), g),
                    q(o, _r("owner"), owner, g),
                    q(o, _r("ownedCompany"), c, g),
                    q(o, _r("share"), _typed(f"0.{rnd.randrange(5, 99):02d}", "decimal"), g),
                ]
            # One to three facilities per company.
            for _ in range(rnd.randint(1, 3)):
                f = _iri(f"facility-{facility}")
                loc = country if rnd.random() < 0.7 else _country(int(rnd.paretovariate(1.0)) % N_COUNTRIES)
                out += [
                    q(f, RDF_TYPE, _r("Facility"), g),
                    q(f, LABEL, _lit(f"Facility {facility}"), g),
                    q(f, _r("operator"), c, g),
                    q(f, _r("locatedIn"), _iri(loc), g),
                    q(f, _r("stage"), _r(rnd.choice(STAGES)), g),
                    q(f, _r("status"), _r(rnd.choice(STATUSES)), g),
                    q(f, _r("startYear"), _typed(rnd.randint(1990, 2030), "gYear"), g),
                ]
                for m in rnd.sample(materials, rnd.randint(1, 3)):
                    out.append(q(f, _r("produces"), _iri(m), g))
                cap = f"_:cap{facility}"
                out += [
                    q(f, _r("capacity"), cap, g),
                    q(cap, RDF_TYPE, _r("Quantity"), g),
                    q(cap, _r("value"), _typed(rnd.randrange(100, 100_000, 100), "integer"), g),
                    q(cap, _r("unit"), '"t/yr"', g),
                ]
                facility += 1
            company += 1
        for _ in range(3):
            m = _iri(f"measure-{measure}")
            year = rnd.randint(2018, 2026)
            out += [
                q(m, RDF_TYPE, _r(rnd.choice(MEASURES)), g),
                q(m, LABEL, _lit(f"Measure {measure}"), g),
                q(m, _r("imposedBy"), _iri(_country(rnd.choice([0, 0, 1, rnd.randrange(N_COUNTRIES)]))), g),
                q(m, _r("restricts"), _iri(rnd.choice(materials)), g),
                q(m, _r("effectiveFrom"), _typed(f"{year}-{rnd.randint(1, 12):02d}-01", "date"), g),
            ]
            measure += 1
        yield from out
        emitted += len(out)
        source += 1


def generate(size: str, out_dir: Path = OUT, seed: int = 7) -> Path:
    """Write ``synthetic-<size>.nq`` (skipped when it already exists) and return its path."""
    target = SIZES[size]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"synthetic-{size}.nq"
    if path.exists() and path.stat().st_size > 0:
        return path
    tmp = path.with_suffix(".nq.part")
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as fh:
        batch: list[str] = []
        for line in quads(target, seed):
            batch.append(line)
            if len(batch) >= 50_000:
                fh.writelines(batch)
                batch.clear()
        fh.writelines(batch)
    tmp.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", default=["10k", "100k"], choices=list(SIZES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for size in args.sizes:
        t0 = time.perf_counter()
        path = generate(size, seed=args.seed)
        lines = sum(1 for _ in path.open("rb"))
        print(f"{path}: {lines} quads, {path.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - t0:.1f} s)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
