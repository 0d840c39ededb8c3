"""A plan from a schedule: shortfalls, cost terms and KPIs computed from the schedule's columns alone.

The one place this is done, for the solver's read-back (which passes the model's own cost terms), the
fail-safe plan and the simulation's executed days. Rules: a session's state of charge moves by
``eta_charge x charge x h - discharge x h / eta_discharge`` in each step it owns (the stored power of its
``charge_efficiency`` curve instead of ``eta_charge x charge`` when it has one,
:mod:`planner.domain.efficiency`)
(:mod:`planner.domain.sessions`), from its arrival SoC; a shortfall below 1e-6 kWh counts as met; a missed kWh
costs the vehicle's ``shortfall_penalty_per_kwh`` (else the scenario's), unserved load and forced curtailment
the scenario's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner.domain.efficiency import charged_kw
from planner.domain.end_value import end_value_costs
from planner.domain.ev_rate import ev_charge_credit
from planner.domain.grid_service import held_capacity_kw, service_revenue
from planner.domain.names import wear_block_name
from planner.domain.ramp import ramp_penalty
from planner.domain.sessions import kept_windows, shortfall_penalty_per_kwh
from planner.domain.wear_costs import wear_cost_from_schedule
from planner.inputs.specs import Scenario
from planner.inputs.tariffs.scheme import demand_charge_cost
from planner.results.plan import Plan, compute_costs, compute_kpis
from planner.results.targets import high_soc_costs, target_entries

SHORTFALL_TOL_KWH = 1e-6
"""A shortfall below this [kWh] is reported as 0 (met)."""


def _met(short: float) -> float:
    return float(short) if short > SHORTFALL_TOL_KWH else 0.0


def vehicle_trajectories(scenario: Scenario, schedule: pd.DataFrame, v: Any) -> list[tuple[int, Any, np.ndarray]]:
    """(session index, window, SoC on the window's boundaries [kWh]) of every session of ``v`` in the horizon."""
    h = scenario.step_hours
    c = schedule[f"{v.name}_charge_kw"].to_numpy(dtype=float)
    d = schedule[f"{v.name}_discharge_kw"].to_numpy(dtype=float)
    out = []
    for j, w in kept_windows(scenario.grid, v.sessions):
        owned = np.zeros(len(c), dtype=bool)
        owned[w.steps] = True
        span = slice(w.first_boundary, w.last_boundary)
        stored = charged_kw(v, c[span], w.fraction[span])  # eta_charge x charge, or its efficiency curve
        delta = np.where(owned[span], stored * h - d[span] * h / v.eta_discharge, 0.0)
        out.append((j, w, np.concatenate([[w.start_soc_kwh], w.start_soc_kwh + np.cumsum(delta)])))
    return out


def schedule_shortfalls(scenario: Scenario, schedule: pd.DataFrame,
                        trajectories: dict[str, list[tuple[int, Any, np.ndarray]]] | None = None) -> list[dict[str, Any]]:
    """Every departure target (met or not), battery end floor, goal, reserve window and high-SoC limit
    (:mod:`planner.results.targets`) and (when any) the unserved load (``trajectories``: each vehicle's :func:`vehicle_trajectories`, computed when not given)."""
    grid, h = scenario.grid, scenario.step_hours
    out: list[dict[str, Any]] = []
    traced_all = trajectories or {v.name: vehicle_trajectories(scenario, schedule, v) for v in scenario.vehicles}
    for v in scenario.vehicles:
        for j, w, traj in traced_all[v.name]:
            s = v.sessions[j]
            final = float(traj[-1])
            out.append({
                "asset": v.name, "kind": "vehicle_session", "session": j,
                "arrive": s.arrive.tz_convert(grid.timezone), "depart": s.depart.tz_convert(grid.timezone),
                "departs_in_horizon": w.departs_in_horizon, "target_kwh": float(w.target_kwh),
                "requested_kwh": float(s.depart_soc_min_kwh), "soc_kwh": final,
                "shortfall_kwh": _met(w.target_kwh - final),
            })
    for b in scenario.batteries:
        end = float(schedule[f"{b.name}_soc_kwh"].to_numpy(dtype=float)[-1])
        out.append({"asset": b.name, "kind": "battery_end_floor", "target_kwh": float(b.end_soc_min_kwh),
                    "soc_kwh": end, "shortfall_kwh": _met(b.end_soc_min_kwh - end)})
    out.extend(target_entries(scenario, schedule, traced_all, _met))
    unserved = float(schedule["unserved_load_kw"].sum() * h)
    if unserved > SHORTFALL_TOL_KWH:
        out.append({"asset": "load", "kind": "unserved_load", "target_kwh": float(scenario.load_kw.sum() * h),
                    "soc_kwh": float("nan"), "shortfall_kwh": unserved})
    return out


def schedule_cost_terms(scenario: Scenario, schedule: pd.DataFrame, shortfalls: list[dict[str, Any]],
                        trajectories: dict[str, list[tuple[int, Any, np.ndarray]]] | None = None,
                        ) -> dict[tuple[str, str], float]:
    """``(component, term) -> value`` [currency, + = paid] of a schedule: wear by each asset's wear model,
    shortfall, unserved-load and forced-curtailment penalties, demand charges and the end value."""
    h = scenario.step_hours
    penalty = scenario.shortfall_penalty_per_kwh
    terms: dict[tuple[str, str], float] = {}
    short_of = {}
    for s in shortfalls:  # every kWh shortfall of an asset costs its penalty (the high-SoC entry has none)
        short_of[s["asset"]] = short_of.get(s["asset"], 0.0) + s["shortfall_kwh"]
    for b in scenario.batteries:
        c = schedule[f"{b.name}_charge_kw"].to_numpy(dtype=float)
        d = schedule[f"{b.name}_discharge_kw"].to_numpy(dtype=float)
        soc = schedule[f"{b.name}_soc_kwh"].to_numpy(dtype=float)
        terms[(wear_block_name("battery", b.name), "degradation_cost")] = wear_cost_from_schedule(
            b, c, d, h, [(0, np.concatenate([[b.soc_kwh], soc]))], [b.cycle_depth_kwh])
        terms[(b.name, "shortfall_penalty")] = penalty * short_of.get(b.name, 0.0)
    for v in scenario.vehicles:
        c = schedule[f"{v.name}_charge_kw"].to_numpy(dtype=float)
        d = schedule[f"{v.name}_discharge_kw"].to_numpy(dtype=float)
        traced = trajectories[v.name] if trajectories else vehicle_trajectories(scenario, schedule, v)
        terms[(wear_block_name("vehicle", v.name), "degradation_cost")] = wear_cost_from_schedule(
            v, c, d, h, [(w.first_boundary, traj) for _, w, traj in traced],
            [v.sessions[j].cycle_depth_kwh for j, _, _ in traced])
        v_penalty = shortfall_penalty_per_kwh(v, penalty)
        terms[(v.name, "shortfall_penalty")] = v_penalty * short_of.get(v.name, 0.0)
    for spec in list(scenario.batteries) + list(scenario.vehicles):
        if spec.ramp_penalty_per_kw > 0:
            terms[(spec.name, "ramp_penalty")] = ramp_penalty(
                spec, schedule[f"{spec.name}_charge_kw"].to_numpy(dtype=float),
                schedule[f"{spec.name}_discharge_kw"].to_numpy(dtype=float))
    for asset, value in high_soc_costs(scenario, shortfalls).items():
        terms[(asset, "high_soc_penalty")] = value
    terms[("load", "unserved_load_penalty")] = penalty * float(schedule["unserved_load_kw"].sum() * h)
    if not scenario.solar_curtailable:
        terms[("solar", "forced_curtailment_penalty")] = penalty * float(schedule["solar_curtailed_kw"].sum() * h)
    if scenario.tariff.demand_charges:

        terms[("demand_charge", "demand_charge")] = demand_charge_cost(
            scenario.tariff, schedule["grid_import_kw"].to_numpy(dtype=float))
    if scenario.grid_service is not None:  # what the schedule can hold of what it offered (none: nothing)
        offered = schedule["grid_service_kw"].to_numpy(dtype=float) if "grid_service_kw" in schedule else 0.0
        held = np.minimum(offered, held_capacity_kw(scenario, schedule))
        terms[("grid_service", "grid_service_revenue")] = -service_revenue(scenario, held)
    if scenario.tariff.ev_charge_price_per_kwh is not None and scenario.vehicles:
        terms[("ev_rate", "ev_charge_credit")] = -ev_charge_credit(
            scenario.tariff.import_price_per_kwh, scenario.tariff.ev_charge_price_per_kwh,
            [schedule[f"{v.name}_charge_kw"].to_numpy(dtype=float) - schedule[f"{v.name}_discharge_kw"].to_numpy(dtype=float)
             for v in scenario.vehicles], h)
    for asset, value in end_value_costs(scenario.batteries, scenario.vehicles,
                                        scenario.tariff.import_price_per_kwh, shortfalls,
                                        scenario.tariff.ev_charge_price_per_kwh).items():
        terms[(asset, "end_value")] = value
    return terms


def plan_from_schedule(
    scenario: Scenario,
    schedule: pd.DataFrame,
    status: str,
    *,
    model_terms: dict[tuple[str, str], float] | None = None,
    reason: str = "",
    notes: list[str] | None = None,
    solver: dict[str, Any] | None = None,
) -> Plan:
    """The :class:`~planner.results.plan.Plan` of ``schedule`` on ``scenario``.

    ``model_terms`` (the solved model's own cost terms) replace the terms recomputed from the schedule;
    grid import and export are always priced from the schedule.
    """
    traced = {v.name: vehicle_trajectories(scenario, schedule, v) for v in scenario.vehicles}
    shortfalls = schedule_shortfalls(scenario, schedule, traced)
    terms = model_terms if model_terms is not None else schedule_cost_terms(scenario, schedule, shortfalls, traced)
    return Plan(
        scenario_name=scenario.name, currency=scenario.currency, schedule=schedule,
        costs=compute_costs(scenario, schedule, terms), status=status, shortfalls=shortfalls,
        kpis=compute_kpis(scenario, schedule), solver=dict(solver or {}), reason=reason,
        notes=list(scenario.notes) if notes is None else list(notes),
    )
