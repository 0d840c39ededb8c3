"""Independent checks of the scenario's refinements: energy-flow rules, session goals, reserve windows,
time at high SoC and the charge taper (numpy only; a deliberate copy of the rules, not the model's code).

Solar serves the household load first (``min(solar, load)`` in each step); flow rules are checked by Gale's theorem instead of an allocation: the step's powers admit flows on the
allowed arcs exactly when every set ``A`` of sources supplies no more than the sinks ``A`` may reach::

    sum_{i in A} supply_i <= sum_{j reachable from A} demand_j          for every subset A of sources

(total supply equals total demand by the site balance, checked in :mod:`planner.verify.core`).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np

TOL_KW = 1e-5
DEFAULT_IMPORT_TO = ("load", "battery", "vehicle")
DEFAULT_EXPORT_FROM = ("solar", "battery", "vehicle")

Report = Callable[..., None]
Column = Callable[[str], np.ndarray]


def _nodes(scenario, col: Column, load: np.ndarray):
    """Sources and sinks of every step: ``(kind, members, feeds | accepts, power [kW] per step)``."""
    c = scenario.connection
    imp, exp = col("grid_import_kw"), col("grid_export_kw")
    first = np.minimum(scenario.solar_kw, load)  # solar serves the load first
    sources = [("grid", (), tuple(getattr(c, "import_to", DEFAULT_IMPORT_TO)), imp),
               ("solar", (), ("load", "grid", "battery", "vehicle"), scenario.solar_kw - first - col("solar_curtailed_kw"))]
    sinks = [("load", (), ("grid", "solar", "battery", "vehicle"), load - first - col("unserved_load_kw")),
             ("grid", (), tuple(getattr(c, "export_from", DEFAULT_EXPORT_FROM)), exp)]
    for kind, specs in (("battery", scenario.batteries), ("vehicle", scenario.vehicles)):
        groups: dict[tuple, list] = {}
        for s in specs:
            groups.setdefault((tuple(s.charge_from), tuple(s.discharge_to)), []).append(s)
        for (accepts, feeds), members in groups.items():
            names = tuple(s.name for s in members)
            sources.append((kind, names, feeds, sum(col(f"{s.name}_discharge_kw") for s in members)))
            sinks.append((kind, names, accepts, sum(col(f"{s.name}_charge_kw") for s in members)))
    return sources, sinks


def _allowed(src, dst) -> bool:
    if src[0] == "grid" and dst[0] == "grid":
        return False
    if src[0] == dst[0] and src[1] == dst[1] and len(src[1]) == 1:
        return False
    return dst[0] in src[2] and src[0] in dst[2]


def check_flow_rules(scenario, col: Column, report: Report) -> list[str]:
    """Report every step whose powers admit no allocation on the allowed arcs; return what was checked."""
    c = scenario.connection
    rules = [f"grid.{key} = {list(getattr(c, key))}" for key, default in
             (("import_to", DEFAULT_IMPORT_TO), ("export_from", DEFAULT_EXPORT_FROM))
             if tuple(getattr(c, key, default)) != default]
    for s in (*scenario.batteries, *scenario.vehicles):
        for key, default in (("charge_from", ("grid", "solar", "battery", "vehicle")),
                             ("discharge_to", ("load", "grid", "battery", "vehicle"))):
            if tuple(getattr(s, key, default)) != default:
                rules.append(f"{s.name}.{key} = {list(getattr(s, key))}")
    if not rules:
        return []
    sources, sinks = _nodes(scenario, col, scenario.load_kw)
    report(sources[1][3] < -10 * TOL_KW, "solar curtailed while the household load needs it (flow rules)",
           sources[1][3])
    report(sinks[0][3] < -10 * TOL_KW, "load unserved while solar could serve it (flow rules)", sinks[0][3])
    reach = [[j for j, dst in enumerate(sinks) if _allowed(src, dst)] for src in sources]
    live = [i for i, src in enumerate(sources) if np.any(np.asarray(src[3]) > TOL_KW)]
    worst = np.zeros(scenario.steps)
    for size in range(1, len(live) + 1):
        for subset in combinations(live, size):
            supply = sum(np.asarray(sources[i][3], dtype=float) for i in subset)
            targets = sorted({j for i in subset for j in reach[i]})
            demand = sum((np.asarray(sinks[j][3], dtype=float) for j in targets), np.zeros(scenario.steps))
            worst = np.maximum(worst, supply - demand)
    report(worst > 10 * TOL_KW, "energy flows break a flow rule (" + "; ".join(rules) + ")", worst)
    return rules


def _pos(grid, when) -> float:
    return (when.value / 1e9 - grid.start.value / 1e9) / (grid.step_minutes * 60.0)


def check_targets(scenario, col: Column, sessions: dict[str, list[tuple[int, int, int, np.ndarray, np.ndarray]]],
                  plan, report: Report, bad: list[str]) -> tuple[float, float, list[str]]:
    """Goals, reserve windows and high-SoC limits, recomputed from the schedule (own copy of the placement
    rules of ``planner.domain.targets``); ``sessions`` maps each vehicle to ``(session, first boundary,
    last boundary, SoC on boundaries, owned fraction of each step)``. Returns (their shortfall penalty, their high-SoC penalty
    [currency], what was checked)."""
    grid, h, n = scenario.grid, scenario.step_hours, scenario.steps
    reported = {}
    for e in plan.shortfalls:
        key = (e.get("kind"), e.get("asset"), e.get("session"), str(e.get("by") or e.get("from") or ""))
        reported[key] = e
    penalty_cost = high_cost = 0.0
    checked: list[str] = []

    def compare(kind, asset, session, when, short) -> None:
        e = reported.get((kind, asset, session, str(when.tz_convert(grid.timezone))))
        if e is None:
            bad.append(f"{asset}: no {kind} entry for {when.isoformat()} in the plan's shortfalls")
        elif abs(e["shortfall_kwh"] - short) > 1e-3:
            bad.append(f"{asset}: {kind} at {when.isoformat()} reported short {e['shortfall_kwh']:.4f} kWh, "
                       f"recomputed {short:.4f} kWh")

    for v in scenario.vehicles:
        penalty = v.shortfall_penalty_per_kwh if v.shortfall_penalty_per_kwh is not None else scenario.shortfall_penalty_per_kwh
        above_steps = 0
        for j, first, last, traj, _ in sessions.get(v.name, []):
            for g in v.sessions[j].goals if last > first else ():
                k = int(np.floor(_pos(grid, g.by) + 1e-9))
                if k > n:
                    continue
                k = min(max(k, first + 1), last)
                short = max(0.0, g.soc_kwh - float(traj[k - first]))
                penalty_cost += penalty * short
                compare("vehicle_goal", v.name, j, g.by, short)
                checked.append(f"{v.name} session {j}: {g.soc_kwh:g} kWh by {g.by.isoformat()}")
            if v.high_soc is not None:
                above_steps += int(np.count_nonzero(traj[1:] > v.high_soc.above_kwh + 1e-6))
        if v.high_soc is not None:
            high_cost += v.high_soc.penalty_per_hour * max(0.0, above_steps * h - v.high_soc.max_hours)
            checked.append(f"{v.name}: {above_steps * h:g} h above {v.high_soc.above_kwh:g} kWh")
    for b in scenario.batteries:
        soc = np.concatenate([[b.soc_kwh], col(f"{b.name}_soc_kwh")])
        for r in b.reserves:
            a, z = _pos(grid, r.start), _pos(grid, r.end)
            if z < 1 - 1e-9 or a > n + 1e-9:
                continue
            lo, hi = max(int(np.ceil(a - 1e-9)), 1), min(int(np.floor(z + 1e-9)), n)
            ks = np.arange(lo, hi + 1) if hi >= lo else np.array([min(lo, n)])
            short = max(0.0, r.soc_min_kwh - float(soc[ks].min()))
            penalty_cost += scenario.shortfall_penalty_per_kwh * short
            compare("battery_reserve", b.name, None, r.start, short)
            checked.append(f"{b.name}: reserve {r.soc_min_kwh:g} kWh from {r.start.isoformat()}")
        if b.high_soc is not None:
            hours = h * int(np.count_nonzero(soc[1:] > b.high_soc.above_kwh + 1e-6))
            high_cost += b.high_soc.penalty_per_hour * max(0.0, hours - b.high_soc.max_hours)
            checked.append(f"{b.name}: {hours:g} h above {b.high_soc.above_kwh:g} kWh")
    return penalty_cost, high_cost, checked


def _taper_limit(points, capacity_kwh: float, eta: float, hours: np.ndarray, soc: np.ndarray) -> np.ndarray:
    """Own copy of ``planner.domain.taper``: the largest setpoint under every line at both ends of the step's
    SoC path, ``min_i (a_i + b_i * soc) / (1 - min(b_i, 0) * eta * hours)``."""
    out = np.full(len(soc), np.inf)
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        b = (y2 - y1) / ((x2 - x1) * capacity_kwh)
        out = np.minimum(out, (y1 + b * (soc - x1 * capacity_kwh)) / (1.0 - min(b, 0.0) * eta * hours))
    return np.maximum(out, 0.0)


def check_taper(scenario, col: Column, sessions, report: Report) -> list[str]:
    """Charge within each asset's taper curve, from the SoC at each step's start (what was checked)."""
    h, n = scenario.step_hours, scenario.steps
    checked = []
    for b in scenario.batteries:
        if not b.charge_taper:
            continue
        start = np.concatenate([[b.soc_kwh], col(f"{b.name}_soc_kwh")])[:n]
        c = col(f"{b.name}_charge_kw")
        limit = _taper_limit(b.charge_taper, b.capacity_kwh, b.eta_charge, np.full(n, h), start)
        report(c > limit + 1e-4, f"{b.name} charges above its taper limit", c - limit)
        checked.append(f"{b.name}: charge taper")
    for v in scenario.vehicles:
        if not v.charge_taper:
            continue
        c = col(f"{v.name}_charge_kw")
        over = np.zeros(n)
        for _, first, last, traj, owned in sessions.get(v.name, []):
            steps = np.arange(first, last)
            f = owned[steps]
            limit = f * _taper_limit(v.charge_taper, v.capacity_kwh, v.eta_charge, h * f, traj[:len(steps)])
            over[steps] = np.where(f > 0, c[steps] - limit, over[steps])
        report(over > 1e-4, f"{v.name} charges above its taper limit", over)
        checked.append(f"{v.name}: charge taper")
    return checked
