"""A plan computed without any solver: charge every plugged-in vehicle at full power from arrival.

This is the fail-safe used when the solver fails, is missing or runs out of time without a solution, and
the "charge on arrival" baseline of a plain charger. Each vehicle charges at ``charge_max_kw`` (scaled by
the covered fraction of partly covered steps) from arrival until its departure target is reached (the last
step at reduced power, but never below ``charge_min_kw``); batteries idle; the grid covers the rest (import
up to its limit, any further need is unserved load; surplus is exported up to the limit, then curtailed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.results import Plan, compute_costs, compute_kpis
from planner.scenario import Scenario


def _session_steps(scenario: Scenario, session) -> tuple[np.ndarray, int, int]:
    grid = scenario.grid
    frac = grid.coverage(session.arrive, session.depart)
    idx = np.flatnonzero(frac > 0)
    if len(idx) == 0:
        return frac, 0, 0
    return frac, int(idx[0]), int(idx[-1]) + 1


def fallback_plan(scenario: Scenario, reason: str) -> Plan:
    """The fail-safe plan of ``scenario`` (status ``fallback``, with ``reason``)."""
    from planner.verify import _session_target

    n = scenario.steps
    h = scenario.step_hours
    data: dict[str, np.ndarray] = {
        "import_price_per_kwh": scenario.tariff.import_price_per_kwh,
        "export_price_per_kwh": scenario.tariff.export_price_per_kwh,
        "load_kw": scenario.load_kw,
        "solar_kw": scenario.solar_kw,
    }
    net_demand = scenario.load_kw - scenario.solar_kw
    for b in scenario.batteries:
        data[f"{b.name}_charge_kw"] = np.zeros(n)
        data[f"{b.name}_discharge_kw"] = np.zeros(n)
        data[f"{b.name}_soc_kwh"] = np.full(n, b.soc_kwh)
    shortfalls = []
    for v in scenario.vehicles:
        charge = np.zeros(n)
        soc = np.full(n, np.nan)
        plugged = np.zeros(n, dtype=bool)
        for j, s in enumerate(v.sessions):
            frac, first, last = _session_steps(scenario, s)
            target, b_first, b_last, inside = _session_target(scenario.grid, s)
            level = s.arrive_soc_kwh
            goal = min(max(target, s.depart_soc_min_kwh if inside else target), v.soc_max_kwh)
            for t in range(b_first, b_last):
                f = frac[t]
                if f > 0:
                    plugged[t] = True
                need_kw = max(0.0, goal - level) / (v.eta_charge * h)
                p = min(v.charge_max_kw * f, need_kw)
                if 0 < p < v.charge_min_kw * f:
                    p = min(v.charge_min_kw * f, v.charge_max_kw * f, max(0.0, (v.soc_max_kwh - level) / (v.eta_charge * h)))
                charge[t] += p
                level += v.eta_charge * p * h
                soc[t] = level
            short = max(0.0, target - level)
            shortfalls.append({
                "asset": v.name, "kind": "vehicle_session", "session": j,
                "arrive": s.arrive.tz_convert(scenario.grid.timezone),
                "depart": s.depart.tz_convert(scenario.grid.timezone),
                "departs_in_horizon": inside, "target_kwh": float(target),
                "requested_kwh": float(s.depart_soc_min_kwh), "soc_kwh": float(level),
                "shortfall_kwh": float(short if short > 1e-6 else 0.0),
            })
        data[f"{v.name}_charge_kw"] = charge
        data[f"{v.name}_discharge_kw"] = np.zeros(n)
        data[f"{v.name}_soc_kwh"] = soc
        data[f"{v.name}_plugged"] = plugged
        net_demand = net_demand + charge
    limit_imp = scenario.connection.import_limit_kw
    limit_exp = scenario.connection.export_limit_kw
    imp = np.minimum(np.maximum(net_demand, 0.0), limit_imp)
    unserved = np.maximum(net_demand, 0.0) - imp
    surplus = np.maximum(-net_demand, 0.0)
    exp = np.minimum(surplus, limit_exp)
    curtailed = surplus - exp
    data["solar_curtailed_kw"] = curtailed
    data["unserved_load_kw"] = np.minimum(unserved, scenario.load_kw)
    data["grid_import_kw"] = imp
    data["grid_export_kw"] = exp
    order = ["import_price_per_kwh", "export_price_per_kwh", "load_kw", "solar_kw", "solar_curtailed_kw",
             "unserved_load_kw", "grid_import_kw", "grid_export_kw"]
    schedule = pd.DataFrame({k: data[k] for k in order + [k for k in data if k not in order]},
                            index=scenario.grid.index)
    for b in scenario.batteries:
        shortfalls.append({"asset": b.name, "kind": "battery_end_floor", "target_kwh": float(b.end_soc_min_kwh),
                           "soc_kwh": float(b.soc_kwh),
                           "shortfall_kwh": float(max(0.0, b.end_soc_min_kwh - b.soc_kwh))})
    terms: dict[tuple[str, str], float] = {}
    for v in scenario.vehicles:
        c = schedule[f"{v.name}_charge_kw"].sum() * h
        terms[(f"wear_vehicle_{v.name}", "degradation_cost")] = v.degradation_cost_per_kwh * c
        pen = v.shortfall_penalty_per_kwh if v.shortfall_penalty_per_kwh is not None else scenario.shortfall_penalty_per_kwh
        terms[(v.name, "shortfall_penalty")] = pen * sum(
            s["shortfall_kwh"] for s in shortfalls if s["asset"] == v.name and s["kind"] == "vehicle_session")
    for b in scenario.batteries:
        terms[(f"wear_battery_{b.name}", "degradation_cost")] = 0.0
        terms[(b.name, "shortfall_penalty")] = scenario.shortfall_penalty_per_kwh * max(0.0, b.end_soc_min_kwh - b.soc_kwh)
    terms[("load", "unserved_load_penalty")] = scenario.shortfall_penalty_per_kwh * float(data["unserved_load_kw"].sum() * h)
    costs = compute_costs(scenario, schedule, terms)
    return Plan(
        scenario_name=scenario.name, currency=scenario.currency, schedule=schedule, costs=costs,
        status="fallback", shortfalls=shortfalls, kpis=compute_kpis(scenario, schedule), reason=reason,
        notes=list(scenario.notes),
    )
