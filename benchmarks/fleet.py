"""Depot planning at fleet scale: solve time and proven gap for 10, 20, 50, 100 and 200 vans.

Usage::

    .venv/bin/python benchmarks/fleet.py [--sizes 10 20 50 100 200] [--gap 1e-3] [--time-limit 120]
                                          [--out benchmarks/results/fleet.md]

Each size is the depot of ``benchmarks/make_fleet_examples.py`` (Nissan e-NV200 vans, one bay per van, every
fifth bay bidirectional, 5 kVA of connection per van, per-phase limit, real overnight session times and
Agile prices) over 48 h at 15 minutes, generated with seed = size. Every plan runs on one core
(``threads=1``) and is verified. Two modes are timed:

- ``setpoint`` (the default model): 0-1 on/off per charging step (minimum power) and charge/discharge
  exclusivity for V2G vans; the time is ``planner.plan`` end to end (build, solve, read back, verify) and the
  gap is the solver's proven relative gap at the returned plan.
- ``fractional`` (the faster mode): the same model with the 0-1 variables relaxed, exact for a charger that
  may switch within a step; its cost is a lower bound of the setpoint optimum, and ``relaxation gap`` says
  how much the per-step setpoint rule costs: ``(setpoint - fractional) / setpoint``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_fleet_examples import EXAMPLES, fleet_dict  # noqa: E402

import planner  # noqa: E402
from planner.inputs.scenario import scenario_from_dict  # noqa: E402
from planner.verify import verify  # noqa: E402


def run(n: int, gap: float, time_limit_s: float) -> dict[str, float | str | int]:
    """Plan the ``n``-van depot in both modes; return the row of the table."""
    scenario = scenario_from_dict(fleet_dict(n, n), EXAMPLES)
    row: dict[str, float | str | int] = {"vans": n}
    for mode in ("setpoint", "fractional"):
        t0 = time.perf_counter()
        result = planner.plan(
            scenario, time_limit_s=time_limit_s, mip_rel_gap=gap, threads=1, dispatch=mode, allow_fallback=False
        )
        wall = time.perf_counter() - t0
        verify(scenario, result, dispatch=mode)
        row[f"{mode}_s"] = wall
        row[f"{mode}_solve_s"] = result.timings.get("solve_s", float("nan"))
        row[f"{mode}_cost"] = result.costs["total"]
        if mode == "setpoint":
            row["status"] = result.status
            row["method"] = str(result.solver.get("method", ""))
            row["gap"] = float(result.solver.get("gap", float("nan")))
            row["binaries"] = int(result.solver.get("binaries", 0))
            row["shortfall_kwh"] = result.total_shortfall_kwh
            row["peak_import_kw"] = result.kpis["peak_import_kw"]
    row["relaxation_gap"] = (row["setpoint_cost"] - row["fractional_cost"]) / abs(row["setpoint_cost"])
    return row


def table(rows: list[dict]) -> str:
    """Markdown table of the benchmark rows."""
    head = (
        "| vans | binaries | setpoint total [s] | of which solve [s] | status | method | proven gap "
        "| fractional total [s] | cost setpoint [GBP] | cost fractional [GBP] | relaxation gap | shortfall [kWh] |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append(
            f"| {r['vans']} | {r['binaries']} | {r['setpoint_s']:.1f} | {r['setpoint_solve_s']:.1f} | {r['status']} "
            f"| {r['method']} | {r['gap']:.1e} | {r['fractional_s']:.1f} | {r['setpoint_cost']:.2f} "
            f"| {r['fractional_cost']:.2f} | {r['relaxation_gap']:.1e} | {r['shortfall_kwh']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 50, 100, 200])
    parser.add_argument("--gap", type=float, default=1e-3, help="relative MIP gap (default 0.1 %%)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="per plan [s]")
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        rows.append(run(n, args.gap, args.time_limit))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    text = table(rows)
    print()
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
