"""Load time and peak memory per size and back end, each load in its own process.

* ``memory`` / ``oxigraph``: rekg's own path (``Store.load_file``: pyoxigraph ``bulk_load``),
  in memory and into a persistent store on disk;
* ``rdflib``: ``rdflib.Dataset.parse`` (what rdflib-endpoint does at start-up);
* ``virtuoso``: Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run`` + checkpoint); its
  memory is the server's resident size afterwards, which its buffer setting largely decides.

Peak RSS is the child's ``ru_maxrss`` and includes the Python interpreter and rekg's imports
(about 60-90 MB).

Usage: ``python -m bench.load 10k 100k 1m`` (``--keep-10m`` keeps the 10M store for serving).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import OUT, ROOT, table
from .generate import generate

BACKENDS = ("memory", "oxigraph", "rdflib")


def store_dir(size: str) -> Path:
    return OUT / f"store-{size}"


def _child(size: str, backend: str, keep: bool) -> dict:
    from rdflib import Dataset
    from rekg.graph.store import OxigraphStore

    path = generate(size)
    target = None
    if backend == "oxigraph":
        target = store_dir(size) if keep else OUT / f"load-{size}"
        shutil.rmtree(target, ignore_errors=True)
    t0 = time.perf_counter()
    if backend == "rdflib":
        ds = Dataset(default_union=True)
        ds.parse(str(path), format="nquads")
        n = len(ds)
    else:
        store = OxigraphStore(target)
        report = store.load_file(path, graph="https://w3id.org/rekg/graph/data/" + path.name)
        n = report.triples
        store.close()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if target is not None and not keep:
        shutil.rmtree(target, ignore_errors=True)
    return {"size": size, "backend": backend, "triples": n, "seconds": seconds, "peak_rss_mb": peak}


def measure(size: str, backend: str, *, keep: bool = False, timeout: float = 1800) -> dict:
    """Run one load in a fresh process and return its figures."""
    args = [sys.executable, "-m", "bench.load", "--child", size, backend] + (["--keep"] if keep else [])
    try:
        res = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.CalledProcessError as exc:
        return {"size": size, "backend": backend, "error": exc.stderr.strip().splitlines()[-1:]}
    except subprocess.TimeoutExpired:
        return {"size": size, "backend": backend, "error": f"timed out after {timeout:.0f} s"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure_virtuoso(size: str) -> dict:
    """Bulk-load into a fresh private Virtuoso; returns time and the server's RSS after loading."""
    from tests.virtuoso import VirtuosoServer

    path = generate(size)
    with VirtuosoServer(buffers=170_000, dirs_allowed=(path.parent,)) as v:
        t0 = time.perf_counter()
        v.bulk_load(path.parent, path.name, "https://w3id.org/rekg/graph/data/" + path.name)
        seconds = time.perf_counter() - t0
        import psutil

        rss = psutil.Process(v.proc.pid).memory_info().rss / 2**20
    return {"size": size, "backend": "virtuoso", "seconds": seconds, "peak_rss_mb": rss}


def rows(results: list[dict]) -> list[list[object]]:
    out = []
    for r in results:
        if "error" in r:
            out.append([r["size"], r["backend"], "failed", "", str(r["error"])[:60]])
        else:
            rate = r.get("triples", 0) / r["seconds"] / 1000 if r.get("triples") else float("nan")
            out.append([r["size"], r["backend"], r["seconds"], r["peak_rss_mb"], rate])
    return out


HEADERS = ["size", "back end", "load s", "peak RSS MB", "k triples/s"]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", default=["10k", "100k", "1m"])
    parser.add_argument("--backends", default=",".join((*BACKENDS, "virtuoso")))
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "BACKEND"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child, keep=args.keep)))
        return []
    results = []
    for size in args.sizes:
        for backend in args.backends.split(","):
            if backend == "rdflib" and size == "10m":
                continue  # about 5 minutes and 13 GB by the measurements
            r = measure_virtuoso(size) if backend == "virtuoso" else measure(size, backend, keep=size == "10m")
            print(r, file=sys.stderr)
            results.append(r)
    print(table(HEADERS, rows(results)))
    return results


if __name__ == "__main__":
    main()
