"""The hard cases: tariffs where a plan's proof is hard, planned side by side with a plain HiGHS MILP of the
same model and the LP floor, in one run.

Cases (the example home of ``benchmarks/speed.py``: V2G Leaf, home battery, PV, real sessions):

- ``go-15min``, ``go-5min``, ``go-7d``: Octopus Go import with the fixed 15 p export (export pays more than
  import at night), 48 h at 15 and 5 minutes and 7 days at 15 minutes;
- ``negative-5min``: the real negative-price Agile weekend at 5 minutes;
- ``flat-minpower-15min``: the flat price cap with a 4.1 kW minimum charging power (ties everywhere);
- ``flanders-15min``: the Flanders capacity tariff (a monthly peak charge) at 15 minutes;
- ``depot-200``: the 200-van depot example.

Per case: ``planner.plan`` under a ``--time-limit`` (default 10 s) with its default gaps (1e-4 relative or
0.01 per day of horizon), the plain MILP (every binary, HiGHS branch and bound from the start, relative gap
1e-4 alone, the same limit) and the LP relaxation (all binaries continuous: the floor any exact method
pays). Printed: time [s], status, proven relative and absolute gap, plan cost; the ratio of the planner's
time to the plain MILP's. ``--out`` writes the table as Markdown::

    .venv/bin/python benchmarks/hard_cases.py --out benchmarks/results/hard_cases.md
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402

import planner  # noqa: E402
from planner.inputs.scenario import scenario_from_dict  # noqa: E402
from planner.model.build import build_model  # noqa: E402
from planner.model.components.base import BuildOptions  # noqa: E402
from planner.model.standard_form import compile_model  # noqa: E402
from planner.solve import milp  # noqa: E402
from planner.solve.highs import highs_from_form, run_highs  # noqa: E402
from planner.solve.options import SolveOptions  # noqa: E402


def _variant(tariff: dict, charge_min_kw: float | None = None, currency: str | None = None) -> planner.Scenario:
    raw, base = speed.case_raw("agile-v2g", "48h-15min")
    raw["tariff"] = tariff
    if currency is not None:  # a home in that market: its money and its equipment's wear in that currency
        raw["currency"] = currency
        for asset in raw.get("battery", []) + raw.get("vehicle", []):
            asset.setdefault("degradation", {})["currency"] = currency
    if charge_min_kw is not None:
        raw["vehicle"][0]["charge_min_kw"] = charge_min_kw
    raw["name"] = f"{tariff['scheme']}-15min"
    return scenario_from_dict(raw, base)


CASES: dict[str, Callable[[], planner.Scenario]] = {
    "go-15min": lambda: speed.build_case("tou-v2g", "48h-15min"),
    "go-5min": lambda: speed.build_case("tou-v2g", "48h-5min"),
    "go-7d": lambda: speed.build_case("tou-v2g", "7d-15min"),
    "negative-5min": lambda: speed.build_case("negative-v2g", "48h-5min"),
    "flat-minpower-15min": lambda: _variant({"scheme": "flat-price-cap"}, charge_min_kw=4.1),
    "flanders-15min": lambda: _variant({"scheme": "flanders-capacity"}, currency="EUR"),
    "depot-200": lambda: planner.load_scenario(speed.EXAMPLES / "depot-200-vans.toml"),
}


def plain_milp(scenario: planner.Scenario, limit_s: float) -> dict[str, float | str]:
    """Every binary, HiGHS's own branch and bound from the start, relative gap 1e-4 alone."""
    saved = dict(milp.MIP_OPTIONS)
    milp.MIP_OPTIONS.clear()
    try:
        t = time.perf_counter()
        built = build_model(scenario, BuildOptions(binaries="all"))
        out = milp.solve_model(built, SolveOptions(time_limit_s=max(0.1, limit_s - (time.perf_counter() - t)),
                                                   lp_first=False))
        seconds = time.perf_counter() - t
    finally:
        milp.MIP_OPTIONS.update(saved)
    return {"s": seconds, "status": out.status, "gap": out.gap, "abs": out.objective - out.bound,
            "cost": out.objective}


def lp_floor(scenario: planner.Scenario) -> dict[str, float]:
    sf = compile_model(build_model(scenario).model)
    h = highs_from_form(sf, SolveOptions(), np.zeros(sf.num_cols, dtype=bool))
    t = time.perf_counter()
    run_highs(h, 120.0)
    return {"s": time.perf_counter() - t, "cost": h.getInfo().objective_function_value}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    head = ("| case | steps | planner s | status | rel gap | abs gap | cost | plain MILP s | status | rel gap | "
            "abs gap | cost | time ratio | LP floor | LP s |")
    lines = [head, "|" + "---|" * 15]
    for name in args.cases.split(","):
        scenario = CASES[name]()
        t = time.perf_counter()
        p = planner.plan(scenario, time_limit_s=args.time_limit)
        ours = time.perf_counter() - t
        s = p.solver
        plain = plain_milp(scenario, args.time_limit)
        lp = lp_floor(scenario)
        line = (f"| {name} | {scenario.steps} | {ours:.2f} | {p.status} | {s.get('gap', float('nan')):.1e} | "
                f"{s.get('objective', float('nan')) - s.get('bound', float('nan')):.4f} | "
                f"{s.get('objective', float('nan')):.4f} | {plain['s']:.2f} | {plain['status']} | {plain['gap']:.1e} | "
                f"{plain['abs']:.4f} | {plain['cost']:.4f} | {ours / plain['s']:.2f} | {lp['cost']:.4f} | {lp['s']:.2f} |")
        lines.append(line)
        print(line, flush=True)
    text = ("# Hard cases\n\nMade by: `python benchmarks/hard_cases.py --time-limit "
            f"{args.time_limit:g}`; one thread, time limit {args.time_limit:g} s per plan; costs in each case's "
            "currency; time ratio = planner / plain MILP in this run.\n\n" + "\n".join(lines) + "\n")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
