"""Solve time of the 48 h example with cycle-depth wear on both storage assets vs throughput wear.

Usage::

    .venv/bin/python benchmarks/degradation_speed.py [--repeats 11] [--segments 4]

Both variants are solved ``repeats`` times, alternating, after one warm-up solve each; the median wall time of
``planner.plan`` (build + solve + readback + verify) and of the solver alone are printed with their ratio.
The wear parameters come from the catalogue: ``nissan-leaf-62`` for the car, ``nissan-xstorage-6`` scaled to
the example's 10 kWh battery (replacement cost 4,200 GBP) for the home battery.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
import tomllib
from pathlib import Path

import planner
from planner.inputs.catalogue import scenario_fields
from planner.inputs.scenario import scenario_from_dict

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "leaf-xstorage.toml"


def scenarios(segments: int) -> dict[str, planner.Scenario]:
    """The example with throughput wear (as shipped) and with cycle-depth wear on both assets."""
    raw = tomllib.loads(EXAMPLE.read_text())
    deep = copy.deepcopy(raw)
    leaf = scenario_fields("nissan-leaf-62", "vehicle")["degradation"]
    home = scenario_fields("nissan-xstorage-6", "battery")["degradation"]
    deep["vehicle"][0]["degradation"] = {**leaf, "model": "cycle_depth", "segments": segments,
                                         "replacement_cost": 6200.0}
    deep["battery"][0]["degradation"] = {**home, "model": "cycle_depth", "segments": segments,
                                         "replacement_cost": 4200.0}
    return {
        "throughput": scenario_from_dict(raw, base_dir=EXAMPLE.parent),
        "cycle_depth": scenario_from_dict(deep, base_dir=EXAMPLE.parent),
    }


def measure(variants: dict[str, planner.Scenario], repeats: int) -> dict[str, tuple[float, float, planner.Plan]]:
    """Median wall time of plan() and of the solver alone [s] per variant, and its last plan.

    The variants are solved in turn within each repeat, so a change in machine load hits both alike.
    """
    for scenario in variants.values():
        planner.plan(scenario)
    walls: dict[str, list[float]] = {name: [] for name in variants}
    solves: dict[str, list[float]] = {name: [] for name in variants}
    last: dict[str, planner.Plan] = {}
    for _ in range(repeats):
        for name, scenario in variants.items():
            t0 = time.perf_counter()
            result = planner.plan(scenario)
            walls[name].append(time.perf_counter() - t0)
            solves[name].append(result.timings.get("solve_s", float("nan")))
            last[name] = result
    for name, scenario in variants.items():
        planner.verify(scenario, last[name])
    return {
        name: (statistics.median(walls[name]), statistics.median(solves[name]), last[name]) for name in variants
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--segments", type=int, default=4)
    args = parser.parse_args()
    rows = measure(scenarios(args.segments), args.repeats)
    for name, (wall, solve, result) in rows.items():
        print(
            f"{name:12s} plan {wall:6.3f} s  solver {solve:6.3f} s  method {result.solver.get('method')} nodes {result.solver.get('nodes')}  "
            f"total {result.costs['total']:.4f}  wear {result.costs['degradation_cost']:.4f}  "
            f"leaf V2G {result.kpis['leaf_discharge_kwh']:.2f} kWh"
        )
    ratio_wall = rows["cycle_depth"][0] / rows["throughput"][0]
    ratio_solve = rows["cycle_depth"][1] / rows["throughput"][1]
    print(f"ratio cycle_depth / throughput: plan {ratio_wall:.2f}x, solver {ratio_solve:.2f}x "
          f"(segments = {args.segments}, target <= 2x)")


if __name__ == "__main__":
    main()
