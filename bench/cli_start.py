"""How fast the ``rekg`` command starts, and where the time of ``rekg suppliers`` goes.

Each figure is the median wall time of ``--runs`` fresh subprocesses (after one warm-up run that
fills the bytecode caches), started from a temporary directory as a user would. Printed only:
the figures depend on the machine and on what else runs on it.

Targets (issue 16): ``rekg --help`` under 0.3 s, ``rekg suppliers dysprosium`` under 0.6 s.

Usage: ``python -m bench.cli_start [--runs 11]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import machine, table

PYTHON = sys.executable
REKG = str(Path(sys.executable).parent / "rekg")

#: (what, command, target in seconds or None)
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass (the interpreter alone)", [PYTHON, "-c", "pass"], None),
    ("rekg --help", [REKG, "--help"], 0.3),
    ("rekg --version", [REKG, "--version"], None),
    ("rekg suppliers dysprosium", [REKG, "suppliers", "dysprosium"], 0.6),
    ('python -c "import rekg.graph"', [PYTHON, "-c", "import rekg.graph"], None),
]

# The steps of `rekg suppliers`, timed inside one fresh interpreter per run.
_STEPS = """
import json, time
steps = []
t = time.perf_counter()
import rekg.api.cli
steps.append(("import the CLI (typer, rich, the command modules)", time.perf_counter() - t))
t = time.perf_counter()
from rekg.api.settings import Settings
from rekg.graph import answers
steps.append(("import the core and the settings (rdflib, pyoxigraph, pydantic, ...)", time.perf_counter() - t))
t = time.perf_counter()
from rekg.graph.io.load import seed_quads
settings = Settings()
quads = seed_quads(settings.seeds_dir, base=settings.base_iri, validate_shapes=settings.validate_seeds)
steps.append(("read the seeds (cached N-Quads; SHACL and the TriG parse skipped)", time.perf_counter() - t))
t = time.perf_counter()
from rekg.graph.store import open_store
open_store("memory").load_nquads(quads)
steps.append(("load them into an in-memory store", time.perf_counter() - t))
kg = settings.open_graph()  # both steps again, as the command runs them (not counted twice)
t = time.perf_counter()
answers.suppliers_of(kg, "dysprosium")
steps.append(("answer: suppliers_of(kg, 'dysprosium')", time.perf_counter() - t))
print(json.dumps(steps))
"""


def wall_times(cmd: list[str], runs: int, cwd: str, env: dict[str, str]) -> list[float]:
    """Wall time of each of ``runs`` runs of ``cmd`` (after one warm-up run)."""
    times = []
    for i in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
        if i:
            times.append(elapsed)
    return times


def steps(runs: int, cwd: str, env: dict[str, str]) -> list[tuple[str, float]]:
    """The median time of each step of ``rekg suppliers`` (see ``_STEPS``)."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run([PYTHON, "-c", _STEPS], cwd=cwd, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"timing the steps failed:\n{out.stderr}")
        for name, seconds in json.loads(out.stdout):
            samples.setdefault(name, []).append(seconds)
    return [(name, statistics.median(values)) for name, values in samples.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="Runs per command (the median is shown).")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REKG_")}
    env["COLUMNS"] = "120"
    print(f"rekg start-up, median of {args.runs} runs; {machine()}; load average {os.getloadavg()[0]:.1f}\n")
    with tempfile.TemporaryDirectory(prefix="rekg-cli-start-") as cwd:
        rows = []
        medians: dict[str, float] = {}
        for what, cmd, target in COMMANDS:
            times = wall_times(cmd, args.runs, cwd, env)
            median = medians[what] = statistics.median(times)
            verdict = "–" if target is None else ("ok" if median < target else "over")
            rows.append((what, median, min(times), "–" if target is None else f"{target:.2f}", verdict))
        print(table(["command", "median s", "min s", "target s", "meets target"], rows))

        timed = steps(args.runs, cwd, env)
        total = medians["rekg suppliers dysprosium"]
        parts = [("start the interpreter (python -c pass)", medians[COMMANDS[0][0]]), *timed]
        parts.append(("the rest (typer, the table rendered, exit)", total - sum(s for _, s in parts)))
        print(f"\nWhere the {total:.2f} s of `rekg suppliers dysprosium` go (medians; steps timed in-process):\n")
        print(table(["step", "s", "share"], [(n, s, f"{100 * s / total:.0f} %") for n, s in parts]))


if __name__ == "__main__":
    main()
