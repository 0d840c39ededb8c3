"""Cost of each model-fidelity feature (docs/fidelity.md) on the shipped example home, against the plain plan.

The home is ``data/examples/leaf-xstorage.toml`` (48 h x 30 min, real Agile prices, a V2G Leaf and a home
battery). Each case adds one feature to it; each is planned once to warm up, then ``--repeat`` times, and the
median wall time of ``planner.plan`` (build, solve, read back, verify) is printed with its ratio to the plain
plan measured in the same run, the last run's build and HiGHS times [ms], the cost and the solve method:

    .venv/bin/python benchmarks/features.py [--repeat 5] [--threads 1]
    .venv/bin/python benchmarks/speed.py --features
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import planner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "examples" / "leaf-xstorage.toml"


def _battery(raw: dict[str, Any], **keys: Any) -> None:
    raw["battery"][0].update(keys)


def _vehicle(raw: dict[str, Any], **keys: Any) -> None:
    raw["vehicle"][0].update(keys)


def _goal(raw: dict[str, Any]) -> None:
    raw["vehicle"][0]["session"][0]["goal"] = [{"by": "2023-01-17T07:00:00+00:00", "soc_kwh": 45.0}]


def _reserve(raw: dict[str, Any]) -> None:
    raw["battery"][0]["reserve"] = [{"from": "2023-01-17T16:00:00+00:00", "to": "2023-01-17T19:00:00+00:00",
                                     "soc_min_kwh": 8.0}]


TAPER = [[0.0, 7.4], [0.8, 7.4], [1.0, 1.5]]
EFFICIENCY = [[1.4, 0.80], [3.7, 0.88], [7.4, 0.92]]
CASES: dict[str, Callable[[dict[str, Any]], None]] = {
    "plain": lambda raw: None,
    "no battery into the car": lambda raw: _battery(raw, discharge_to=["load", "grid"]),
    "no export from storage": lambda raw: raw["grid"].update(export_from=["solar"]),
    "battery only from solar": lambda raw: _battery(raw, charge_from=["solar"]),
    "car taper": lambda raw: _vehicle(raw, charge_taper=TAPER),
    "battery taper": lambda raw: _battery(raw, charge_taper=[[0.0, 5.0], [0.9, 5.0], [1.0, 1.0]]),
    "car efficiency curve": lambda raw: _vehicle(raw, charge_efficiency=EFFICIENCY),
    "session goal": _goal,
    "battery reserve window": _reserve,
    "battery high-SoC hours": lambda raw: _battery(raw, high_soc={"above_kwh": 9.0, "max_hours": 4.0,
                                                                  "penalty_per_hour": 0.05}),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    base = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    plain_ms = None
    print(f"{'case':<26} {'ms':>7} {'ratio':>6} {'build':>6} {'solve':>6} {'cost':>8}  method")
    for name, change in CASES.items():
        raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8")) if name != "plain" else base
        change(raw)
        scenario = planner.scenario_from_dict(raw, base_dir=EXAMPLE.parent)
        planner.plan(scenario, threads=args.threads)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = planner.plan(scenario, threads=args.threads)
            times.append((time.perf_counter() - t0) * 1000)
        ms = statistics.median(times)
        plain_ms = plain_ms or ms
        split = result.timings
        print(f"{name:<26} {ms:>7.0f} {ms / plain_ms:>6.2f} {split.get('build_s', 0) * 1000:>6.0f} "
              f"{split.get('solve_s', 0) * 1000:>6.0f} {result.costs['total']:>8.3f}  {result.solver.get('method')}")


if __name__ == "__main__":
    main()
