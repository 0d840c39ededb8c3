"""Read a solved model back into a :class:`~planner.results.Plan`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.build import BuiltModel
from planner.components.battery import block_name
from planner.results import Plan, compute_costs, compute_kpis
from planner.solve import SolveOutcome

NET_TOL_KW = 1e-9


def _values(outcome: SolveOutcome, var: Any, index: list[Any]) -> np.ndarray:
    return np.array([outcome.value(var[i]) for i in index], dtype=float)


def _clean(values: np.ndarray) -> np.ndarray:
    """Remove solver noise: tiny magnitudes become 0."""
    values = np.where(np.abs(values) < 1e-9, 0.0, values)
    return values


def schedule_from_solution(built: BuiltModel, outcome: SolveOutcome) -> pd.DataFrame:
    """Per-step schedule (DESIGN.md section 7) from a solved model."""
    sc = built.scenario
    m = built.model
    n = sc.steps
    steps = list(range(n))
    imp = _clean(_values(outcome, m.grid.import_kw, steps))
    exp = _clean(_values(outcome, m.grid.export_kw, steps))
    # where exporting pays no more than importing costs, simultaneous flows are at best a tie (equal prices);
    # net them (balance unchanged, cost never higher). Where export pays more, simultaneous flows are the
    # fractional dispatch's within-step switching and carry value: keep them.
    tie = sc.tariff.export_price_per_kwh <= sc.tariff.import_price_per_kwh
    both = np.where(tie, np.minimum(imp, exp), 0.0)
    imp, exp = imp - both, exp - both
    data: dict[str, np.ndarray] = {
        "import_price_per_kwh": sc.tariff.import_price_per_kwh,
        "export_price_per_kwh": sc.tariff.export_price_per_kwh,
        "load_kw": sc.load_kw,
        "solar_kw": sc.solar_kw,
        "solar_curtailed_kw": _clean(_values(outcome, m.solar.curtailed_kw, steps)),
        "unserved_load_kw": _clean(_values(outcome, m.site_load.unserved_kw, steps)),
        "grid_import_kw": np.maximum(imp, 0.0),
        "grid_export_kw": np.maximum(exp, 0.0),
    }
    for spec in sc.batteries:
        b = getattr(m, block_name("battery", spec.name))
        data[f"{spec.name}_charge_kw"] = np.maximum(_clean(_values(outcome, b.charge_kw, steps)), 0.0)
        data[f"{spec.name}_discharge_kw"] = np.maximum(_clean(_values(outcome, b.discharge_kw, steps)), 0.0)
        data[f"{spec.name}_soc_kwh"] = _values(outcome, b.soc_kwh, list(range(1, n + 1)))
    for spec in sc.vehicles:
        b = getattr(m, block_name("vehicle", spec.name))
        charge = np.zeros(n)
        discharge = np.zeros(n)
        soc = np.full(n, np.nan)
        plugged = np.zeros(n, dtype=bool)
        for (s, t) in b.charge_kw:
            charge[t] += outcome.value(b.charge_kw[s, t])
        for (s, t) in b.discharge_kw:
            discharge[t] += outcome.value(b.discharge_kw[s, t])
        for s, w in enumerate(b.windows):
            plugged[w.steps] = True
            for k in range(w.first_boundary, w.last_boundary):
                soc[k] = outcome.value(b.soc_kwh[s, k + 1])
        data[f"{spec.name}_charge_kw"] = np.maximum(_clean(charge), 0.0)
        data[f"{spec.name}_discharge_kw"] = np.maximum(_clean(discharge), 0.0)
        data[f"{spec.name}_soc_kwh"] = soc
        data[f"{spec.name}_plugged"] = plugged
    return pd.DataFrame(data, index=sc.grid.index)


def model_cost_terms(built: BuiltModel, outcome: SolveOutcome) -> dict[tuple[str, str], float]:
    """Value of every (component, term) cost expression at the solution."""
    m = built.model
    for var in m.component_data_objects(pyo.Var, descend_into=True):
        if not var.fixed:
            var.set_value(outcome.value(var), skip_validation=True)
    return {key: float(pyo.value(expr)) for key, expr in built.cost_terms().items()}


def shortfalls_from_schedule(built: BuiltModel, schedule: pd.DataFrame, outcome: SolveOutcome) -> list[dict[str, Any]]:
    """Departure targets (met or not), battery end floors and unserved energy."""
    sc = built.scenario
    m = built.model
    out: list[dict[str, Any]] = []
    for spec in sc.vehicles:
        b = getattr(m, block_name("vehicle", spec.name))
        for s, w in enumerate(b.windows):
            soc = outcome.value(b.soc_kwh[s, w.last_boundary])
            short = max(0.0, w.target_kwh - soc)
            session = spec.sessions[s] if s < len(spec.sessions) else None
            out.append(
                {
                    "asset": spec.name,
                    "kind": "vehicle_session",
                    "session": s,
                    "arrive": session.arrive.tz_convert(sc.grid.timezone) if session else None,
                    "depart": session.depart.tz_convert(sc.grid.timezone) if session else None,
                    "departs_in_horizon": w.departs_in_horizon,
                    "target_kwh": float(w.target_kwh),
                    "requested_kwh": float(session.depart_soc_min_kwh) if session else float("nan"),
                    "soc_kwh": float(soc),
                    "shortfall_kwh": float(short if short > 1e-6 else 0.0),
                }
            )
    for spec in sc.batteries:
        b = getattr(m, block_name("battery", spec.name))
        soc_end = outcome.value(b.soc_kwh[sc.steps])
        short = max(0.0, spec.end_soc_min_kwh - soc_end)
        out.append(
            {
                "asset": spec.name,
                "kind": "battery_end_floor",
                "target_kwh": float(spec.end_soc_min_kwh),
                "soc_kwh": float(soc_end),
                "shortfall_kwh": float(short if short > 1e-6 else 0.0),
            }
        )
    unserved = float(schedule["unserved_load_kw"].sum() * sc.step_hours)
    if unserved > 1e-6:
        out.append({"asset": "load", "kind": "unserved_load", "target_kwh": float(sc.load_kw.sum() * sc.step_hours),
                    "soc_kwh": float("nan"), "shortfall_kwh": unserved})
    return out


def plan_from_solution(built: BuiltModel, outcome: SolveOutcome) -> Plan:
    """Assemble the :class:`Plan` of a solved model (status ``optimal`` or ``time_limit``)."""
    schedule = schedule_from_solution(built, outcome)
    terms = model_cost_terms(built, outcome)
    costs = compute_costs(built.scenario, schedule, terms)
    kpis = compute_kpis(built.scenario, schedule)
    shortfalls = shortfalls_from_schedule(built, schedule, outcome)
    return Plan(
        scenario_name=built.scenario.name,
        currency=built.scenario.currency,
        schedule=schedule,
        costs=costs,
        status=outcome.status,
        shortfalls=shortfalls,
        kpis=kpis,
        solver={
            "method": outcome.method,
            "objective": outcome.objective,
            "bound": outcome.bound,
            "gap": outcome.gap,
            "nodes": outcome.nodes,
            "binaries": outcome.binaries,
            "message": outcome.message,
        },
        notes=list(built.scenario.notes),
    )
