"""Speed of ``planner.plan`` on the example homes, measured against HiGHS's own LP-relaxation floor.

Usage::

    .venv/bin/python benchmarks/speed.py [--repeats 5] [--label after] [--only 48h-30min] [--straightforward]
    .venv/bin/python benchmarks/speed.py --features     # the cost of each model-fidelity feature

Cases: the example homes (V2G car + home battery + PV) at 48 h x 30/15/5 minutes and 7 days x 15 minutes,
under Agile (real half-hourly prices, winter), negative prices (real Agile weekend, July 2023) and a time-of-use
tariff (Octopus Go import with the fixed 15 p export, so off-peak import is cheaper than export), with and
without V2G. Each case is planned once to warm up, then ``repeats`` times; medians are reported:

- ``total_ms`` of ``planner.plan`` and its split ``build / handover / solve / extract / verify``;
- ``binaries`` of the model and ``bin_presolved`` left after HiGHS presolve of the MILP, ``method``,
  ``nodes``, the proven relative ``gap``;
- ``lp_ms``: HiGHS alone on the LP relaxation of the same model (all binaries continuous, arrays already in
  HiGHS) and ``ratio = total_ms / lp_ms``;
- for the 48 h x 30 min cases, ``resolve_ms``: :class:`planner.solve.persistent.PlanSession` re-solving the same shape
  with the next day's real prices (median over the repeats, after a warm-up).

``--straightforward`` plans the all-binaries formulation with the plain HiGHS MILP (the reference of
``tests/test_formulations.py``). The table is printed and the numbers written to
``benchmarks/results/speed-<label>.json``. Data: the fixtures of ``data/series/fixtures`` (48 h cases), the Agile
series shipped with the ``agile`` scheme, the GB smart-meter household load and the modelled Hamburg PV of the
shared data folder (7-day cases), the real charging sessions of one Trondheim user (fixture), shifted as in the
examples. All are 1-thread runs.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import platform
import statistics
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import planner
from planner.inputs.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
FIXTURES = ROOT / "data" / "series" / "fixtures"
SHARED = Path("/work/shared/data")
RESULTS = Path(__file__).resolve().parent / "results"

HOMES = {
    "agile-v2g": ("leaf-xstorage", None, True),
    "agile-no-v2g": ("leaf-xstorage", None, False),
    "negative-v2g": ("negative-prices", None, True),
    "tou-v2g": ("leaf-xstorage", "octopus-go", True),
    "tou-no-v2g": ("leaf-xstorage", "octopus-go", False),
}
"""Case name -> (example file, time-of-use scheme or None for the example's own prices, V2G)."""

RESOLUTIONS = {"48h-30min": (48, 30), "48h-15min": (48, 15), "48h-5min": (48, 5), "7d-15min": (168, 15)}


def _series_path(kind: str, name: str) -> Path:
    local = ROOT / "data" / "series" / kind / name
    return local if local.is_file() else SHARED / kind / name


def _week_sessions(start: pd.Timestamp, days: int) -> list[dict[str, Any]]:
    """Real sessions of the fixture user, shifted by the examples' offset (2019-02-16 -> ``start``)."""
    rows = list(csv.DictReader((FIXTURES / "ev_sessions_one_private_user_30.csv").open()))
    origin = pd.Timestamp("2019-02-16T00:00:00Z")
    shift = start - origin
    out = []
    for r in rows:
        arrive = pd.Timestamp(r["arrival_utc"])
        depart = pd.Timestamp(r["departure_utc"])
        if origin <= arrive and depart <= origin + pd.Timedelta(days=days):
            target = 49.6  # 80 % of 62 kWh, as in the examples
            out.append({
                "arrive": (arrive + shift).isoformat(),
                "depart": (depart + shift).isoformat(),
                "arrive_soc_kwh": round(target - float(r["energy_kwh"]), 2),
                "depart_soc_min_kwh": target,
            })
    return out


def case_raw(home: str, resolution: str) -> tuple[dict[str, Any], Path]:
    """Scenario dictionary and base folder of one case."""
    example, scheme, v2g = HOMES[home]
    hours, step = RESOLUTIONS[resolution]
    raw = tomllib.loads((EXAMPLES / f"{example}.toml").read_text())
    raw = copy.deepcopy(raw)
    raw["name"] = f"{home}-{resolution}"
    raw["horizon"]["hours"] = hours
    raw["horizon"]["step_minutes"] = step
    for v in raw["vehicle"]:
        v["v2g"] = v2g
    if hours > 48:
        start = pd.Timestamp(raw["horizon"]["start"])
        raw["tariff"] = {"scheme": "agile"}
        raw["load"] = {"csv": str(_series_path("load", "household_gb_smartmeter_2020-08-06_2023-12-20.csv")),
                       "column": "mean_power_kw"}
        solar = raw["solar"]
        raw["solar"] = {"csv": str(_series_path("pv", "pv_de_hamburg_try2010_modelled_1kwp.csv")),
                        "column": "pv_ac_power_kw_per_kwp", "kwp": solar.get("kwp", 4.0),
                        "curtailable": solar.get("curtailable", True)}
        raw["vehicle"][0]["session"] = _week_sessions(start, hours // 24)
    if scheme is not None:
        raw["tariff"] = {"scheme": scheme, "export_scheme": "outgoing-fixed"}
    return raw, EXAMPLES


def build_case(home: str, resolution: str) -> planner.Scenario:
    """The scenario of one case."""
    raw, base = case_raw(home, resolution)
    return scenario_from_dict(raw, base)


def next_day_prices(scenario: planner.Scenario, home: str) -> list[planner.Scenario]:
    """The same shape with the real prices of the following days (for the re-solve measurement)."""
    out = []
    for days in range(1, 8):
        raw, base = case_raw(home, "48h-30min")
        start = pd.Timestamp(raw["horizon"]["start"]) + pd.Timedelta(days=days)
        raw["horizon"]["start"] = start.isoformat()
        raw["tariff"] = {"scheme": "agile"} if HOMES[home][1] is None else raw["tariff"]
        raw["load"] = {"kw": 0.0}
        raw["solar"] = {"kw": 0.0}
        for v in raw["vehicle"]:
            for s in v["session"]:
                s["arrive"] = (pd.Timestamp(s["arrive"]) + pd.Timedelta(days=days)).isoformat()
                s["depart"] = (pd.Timestamp(s["depart"]) + pd.Timedelta(days=days)).isoformat()
        try:
            other = scenario_from_dict(raw, base)
        except planner.ScenarioError:
            continue
        out.append(scenario.with_prices(other.tariff.import_price_per_kwh, other.tariff.export_price_per_kwh))
    return out


def _lp_and_presolve(scenario: planner.Scenario) -> tuple[float, int]:
    """HiGHS time on the LP relaxation [ms] and binaries left after presolving the MILP."""
    try:
        from planner.model.build import build_model
        from planner.model.standard_form import compile_model
        from planner.solve.highs import highs_from_form, run_highs
        from planner.solve.options import SolveOptions
    except ImportError:  # an older planner without these modules
        return float("nan"), -1
    sf = compile_model(build_model(scenario).model)
    times = []
    for _ in range(3):
        h = highs_from_form(sf, SolveOptions(), np.zeros(sf.num_cols, dtype=bool))
        t = time.perf_counter()
        run_highs(h, 60.0)
        times.append(time.perf_counter() - t)
    h = highs_from_form(sf, SolveOptions())
    h.presolve()
    lp = h.getPresolvedLp()
    kint = 1  # HighsVarType.kInteger
    presolved = sum(1 for v in lp.integrality_ if int(v) == kint) if len(lp.integrality_) else 0
    return 1e3 * statistics.median(times), presolved


def _straightforward_plan(scenario: planner.Scenario) -> planner.Plan:
    from planner.model.build import build_model
    from planner.model.components.base import BuildOptions
    from planner.solve import milp as solve
    from planner.solve.readback import plan_from_solution
    from planner.verify import verify

    saved = dict(solve.MIP_OPTIONS)
    solve.MIP_OPTIONS.clear()
    try:
        t0 = time.perf_counter()
        t = time.perf_counter()
        built = build_model(scenario, BuildOptions(binaries="all"))
        build_s = time.perf_counter() - t
        outcome = solve.solve_model(built, solve.SolveOptions(lp_first=False))
        t = time.perf_counter()
        result = plan_from_solution(built, outcome)
        t2 = time.perf_counter()
        verify(scenario, result)
        t3 = time.perf_counter()
        result.timings = {"build_s": build_s, "handover_s": outcome.handover_seconds, "solve_s": outcome.solve_seconds,
                          "extract_s": t2 - t, "verify_s": t3 - t2}
        result.solve_seconds = t3 - t0
        return result
    finally:
        solve.MIP_OPTIONS.update(saved)


def measure(home: str, resolution: str, repeats: int, straightforward: bool) -> dict[str, Any]:
    """All numbers of one case."""
    scenario = build_case(home, resolution)

    def run() -> planner.Plan:
        if straightforward:
            return _straightforward_plan(scenario)
        return planner.plan(scenario, allow_fallback=False)

    run()
    plans = [run() for _ in range(repeats)]
    last = plans[-1]

    def med(key: str) -> float:
        return 1e3 * statistics.median(p.timings.get(key, float("nan")) for p in plans)

    total = 1e3 * statistics.median(p.solve_seconds for p in plans)
    lp_ms, presolved = _lp_and_presolve(scenario)
    row: dict[str, Any] = {
        "case": home,
        "resolution": resolution,
        "steps": scenario.steps,
        "total_ms": total,
        "build_ms": med("build_s"),
        "handover_ms": med("handover_s"),
        "solve_ms": med("solve_s"),
        "extract_ms": med("extract_s"),
        "verify_ms": med("verify_s"),
        "binaries": last.solver.get("binaries"),
        "bin_presolved": presolved,
        "method": last.solver.get("method"),
        "nodes": last.solver.get("nodes"),
        "gap": last.solver.get("gap"),
        "objective": last.solver.get("objective"),
        "status": last.status,
        "lp_ms": lp_ms,
        "ratio": total / lp_ms if lp_ms == lp_ms and lp_ms > 0 else float("nan"),
    }
    if resolution == "48h-30min" and not straightforward:
        row.update(measure_resolve(scenario, home, repeats))
    return row


def measure_resolve(scenario: planner.Scenario, home: str, repeats: int) -> dict[str, Any]:
    """Median time of a :class:`PlanSession` re-solve with new prices, and its agreement with fresh plans."""
    try:
        from planner.solve.persistent import PlanSession
    except ImportError:
        return {}
    variants = next_day_prices(scenario, home)
    if not variants:
        return {}
    session = PlanSession(scenario)
    session.plan(scenario)
    times, worst = [], 0.0
    for k in range(max(repeats, len(variants))):
        sc = variants[k % len(variants)]
        t = time.perf_counter()
        got = session.plan(sc)
        times.append(time.perf_counter() - t)
        if k < len(variants):
            fresh = planner.plan(sc, allow_fallback=False)
            a, b = got.solver["objective"], fresh.solver["objective"]
            worst = max(worst, abs(a - b) / max(abs(b), 1e-9))
    return {"resolve_ms": 1e3 * statistics.median(times), "resolve_vs_fresh_rel": worst,
            "resolve_rebuilds": session.rebuilds}


COLUMNS = [
    ("case", "{:<13}"), ("resolution", "{:<9}"), ("steps", "{:>5}"), ("total_ms", "{:>8.0f}"),
    ("build_ms", "{:>6.0f}"), ("handover_ms", "{:>6.0f}"), ("solve_ms", "{:>7.0f}"), ("extract_ms", "{:>5.0f}"),
    ("verify_ms", "{:>4.0f}"), ("binaries", "{:>5}"), ("bin_presolved", "{:>5}"), ("method", "{:<12}"),
    ("nodes", "{:>5}"), ("gap", "{:>8.1e}"), ("lp_ms", "{:>6.1f}"), ("ratio", "{:>6.1f}"), ("resolve_ms", "{:>7.1f}"),
]
HEAD = ["case", "grid", "steps", "total", "build", "hand", "solve", "extr", "ver", "bins", "pres", "method",
        "nodes", "gap", "LP", "ratio", "resolve"]


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width table (times in ms)."""
    widths = [len(f.format(*(["x"] if "<" in f else [0]))) for _, f in COLUMNS]
    lines = [" ".join(h.rjust(w) if i > 1 else h.ljust(w) for i, (h, w) in enumerate(zip(HEAD, widths, strict=True)))]
    for r in rows:
        cells = []
        for (key, fmt), w in zip(COLUMNS, widths, strict=True):
            v = r.get(key)
            try:
                cells.append(fmt.format(v) if v is not None else "-".rjust(w))
            except (ValueError, TypeError):
                cells.append(str(v).rjust(w))
        lines.append(" ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--label", default="after")
    parser.add_argument("--only", nargs="*", default=None, help="resolutions to run (default: all)")
    parser.add_argument("--homes", nargs="*", default=None, help="cases to run (default: all)")
    parser.add_argument("--straightforward", action="store_true")
    parser.add_argument("--features", action="store_true",
                        help="the cost of each model-fidelity feature instead (benchmarks/features.py)")
    args = parser.parse_args(argv)
    if args.features:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import features

        features.main(["--repeat", str(args.repeats)])
        return 0
    rows = []
    for resolution in args.only or list(RESOLUTIONS):
        for home in args.homes or list(HOMES):
            if resolution == "7d-15min" and home == "negative-v2g":
                continue  # the negative-price fixture covers 48 h only
            try:
                rows.append(measure(home, resolution, args.repeats, args.straightforward))
            except planner.PlannerError as exc:  # a case without a solution within the time limit
                rows.append({"case": home, "resolution": resolution, "status": "no solution",
                             "method": type(exc).__name__, "error": str(exc)})
            print(format_table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    table = format_table(rows)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"speed-{args.label}.json"
    meta = {"python": platform.python_version(), "machine": platform.machine(), "repeats": args.repeats,
            "straightforward": args.straightforward, "when": pd.Timestamp.now(tz="UTC").isoformat()}
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1, default=float))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
