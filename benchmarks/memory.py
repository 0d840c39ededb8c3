"""Memory over many solves in one process: peak RSS after 100 and after 1,000 plans must differ by < 50 MB.

Each plan is the 48 h real-data example ``data/examples/leaf-xstorage.toml`` with its real price series
rotated by a different number of steps and the vehicle's arrival SoC varied, so every solve is a different
model (nothing cached can be reused). Every plan is verified.

Usage::

    .venv/bin/python benchmarks/memory.py [--plans 1000] [--checkpoints 100,1000]

Peak RSS is ``ru_maxrss`` of this process [MB]; the current RSS (psutil) is printed alongside.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import planner  # noqa: E402
from planner.verify import verify  # noqa: E402

LIMIT_MB = 50.0
"""Allowed growth of peak RSS between the first and the last checkpoint [MB]."""


def peak_rss_mb() -> float:
    """Peak resident set size of this process [MB] (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Current resident set size [MB]."""
    return psutil.Process().memory_info().rss / 1024.0 / 1024.0


def variant(base: planner.Scenario, i: int) -> planner.Scenario:
    """The base scenario with prices rotated by ``i`` steps and the arrival SoC varied by ``i``."""
    shift = i % base.steps
    imp = np.roll(base.tariff.import_price_per_kwh, shift)
    exp = np.roll(base.tariff.export_price_per_kwh, shift)
    scenario = base.with_prices(imp, exp)
    vehicles = []
    for v in scenario.vehicles:
        sessions = tuple(
            replace(s, arrive_soc_kwh=min(s.depart_soc_min_kwh, s.arrive_soc_kwh * (0.6 + 0.4 * ((i * 7) % 11) / 10)))
            for s in v.sessions
        )
        vehicles.append(replace(v, sessions=sessions))
    return replace(scenario, vehicles=tuple(vehicles))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--checkpoints", default="100,1000")
    parser.add_argument("--scenario", default=str(ROOT / "data" / "examples" / "leaf-xstorage.toml"))
    args = parser.parse_args(argv)
    checkpoints = sorted(int(c) for c in args.checkpoints.split(","))
    base = planner.load_scenario(args.scenario)
    print(f"scenario {base.name}: {base.steps} steps; {args.plans} plans; checkpoints {checkpoints}")
    print(f"start: peak RSS {peak_rss_mb():.1f} MB, current {current_rss_mb():.1f} MB")
    marks: dict[int, float] = {}
    statuses: dict[str, int] = {}
    t0 = time.perf_counter()
    for i in range(1, args.plans + 1):
        scenario = variant(base, i)
        result = planner.plan(scenario)
        verify(scenario, result)
        statuses[result.status] = statuses.get(result.status, 0) + 1
        if i in checkpoints:
            gc.collect()
            marks[i] = peak_rss_mb()
            print(
                f"after {i:5d} plans: peak RSS {marks[i]:.1f} MB, current {current_rss_mb():.1f} MB, "
                f"{time.perf_counter() - t0:.1f} s, statuses {statuses}"
            )
    first, last = checkpoints[0], checkpoints[-1]
    if first in marks and last in marks:
        growth = marks[last] - marks[first]
        verdict = "OK" if growth < LIMIT_MB else "FAIL"
        print(f"peak RSS growth {first} -> {last} plans: {growth:.1f} MB (limit {LIMIT_MB:g} MB) {verdict}")
        return 0 if growth < LIMIT_MB else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
