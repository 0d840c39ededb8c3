"""A plan computed without any solver: charge every plugged-in vehicle at full power from arrival.

This is the fail-safe used when the solver fails, is missing or runs out of time without a solution, and
the "charge on arrival" baseline of a plain charger. It fails *open* for the driver: the vehicle is ready
as early as physics allows.

Per step ``t`` of length ``h`` [h], with covered fraction ``f[t]`` of a session:

- the household load is served first; the grid headroom left for charging is
  ``import_limit_kw + solar_kw[t] - load_kw[t]`` (minus what vehicles listed earlier already take);
- each vehicle charges at ``min(charge_max_kw * f[t], taper limit, headroom, need)`` (with chargers: the session's charger
  limits of :mod:`planner.model.components.charger`, nothing without a charger, and the phase headroom) where ``need`` is the power that
  reaches its goal ``min(depart_soc_min_kwh, soc_max_kwh)`` within the step; a power below
  ``charge_min_kw * f[t]`` is raised to that minimum when the headroom and ``soc_max_kwh`` allow, else 0;
- a vehicle whose flow rules forbid grid energy (``charge_from`` or the grid's ``import_to``) charges only
  from the solar the load leaves (nothing when solar is forbidden too);
- batteries idle; the grid imports the rest up to its limit (any further need is unserved load);
  a surplus is exported up to the export limit and the rest curtailed (a curtailable array is curtailed
  instead of exporting at a negative price).

Every target is reported in ``Plan.shortfalls`` exactly as a solved plan reports it, so a missed target is
never silent. A session running past the horizon is charged towards its full target; its shortfall is
measured against the pro-rated target at the horizon end (see :mod:`planner.model.components.vehicle`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.domain.chargers import PHASES, session_limits
from planner.domain.efficiency import charged_kw
from planner.domain.sessions import kept_windows
from planner.domain.taper import taper_limit_kw
from planner.inputs.specs import Scenario
from planner.results.from_schedule import plan_from_schedule
from planner.results.plan import Plan

TOL_KWH = 1e-9


def _charge_vehicle(
    scenario: Scenario, v, headroom_kw: np.ndarray, phase_room_kw: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Charge ``v`` on arrival within ``headroom_kw`` and, with chargers, each session's charger limits and
    the phase headroom ``phase_room_kw`` (both updated in place).

    Returns charge [kW], end-of-step SoC [kWh] (NaN when unplugged) and plugged flags.
    """
    n, h = scenario.steps, scenario.step_hours
    grid = scenario.grid
    charge = np.zeros(n)
    soc = np.full(n, np.nan)
    plugged = np.zeros(n, dtype=bool)
    eta = v.eta_charge
    limits = session_limits(scenario, v)
    for j, w in kept_windows(grid, v.sessions):  # step ownership: planner.domain.sessions
        s, lim, frac = v.sessions[j], limits[j], w.fraction
        first, last = w.first_boundary, w.last_boundary
        level = s.arrive_soc_kwh
        ceiling = max(v.soc_max_kwh, s.arrive_soc_kwh)
        goal = min(s.depart_soc_min_kwh, v.soc_max_kwh)
        for t in range(first, last):
            f = float(frac[t])
            if f > 0:
                plugged[t] = True
            p = 0.0
            if f > 0 and level < goal - TOL_KWH and lim.charge_max_kw > 0:
                cap_kw = min(lim.charge_max_kw * f, max(headroom_kw[t], 0.0),
                             f * taper_limit_kw(v.charge_taper, v.capacity_kwh, eta, h * f, level))
                for phase, share in lim.phase_share.items() if phase_room_kw else ():
                    cap_kw = min(cap_kw, max(phase_room_kw[phase][t], 0.0) / share)
                need_kw = (goal - level) / (eta * h)
                room_kw = max(ceiling - level, 0.0) / (eta * h)
                p = min(cap_kw, need_kw)
                floor_kw = lim.charge_min_kw * f
                if p < floor_kw:
                    p = floor_kw if floor_kw <= min(cap_kw, room_kw) else 0.0
            charge[t] += p
            headroom_kw[t] -= p
            for phase, share in lim.phase_share.items() if phase_room_kw else ():
                phase_room_kw[phase][t] -= share * p
            level = min(level + float(charged_kw(v, p, f)) * h, ceiling)
            soc[t] = level
    return charge, soc, plugged


def fallback_plan(scenario: Scenario, reason: str) -> Plan:
    """The fail-safe plan of ``scenario`` (status ``fallback``, with ``reason``); see the module docstring."""
    n = scenario.steps
    load, solar = scenario.load_kw, scenario.solar_kw
    data: dict[str, np.ndarray] = {
        "import_price_per_kwh": scenario.tariff.import_price_per_kwh,
        "export_price_per_kwh": scenario.tariff.export_price_per_kwh,
        "load_kw": load,
        "solar_kw": solar,
    }
    limit_imp = scenario.connection.import_limit_kw
    limit_exp = scenario.connection.export_limit_kw
    headroom = limit_imp + solar - load if np.isfinite(limit_imp) else np.full(n, np.inf)
    headroom = np.array(headroom, dtype=float)
    for b in scenario.batteries:
        data[f"{b.name}_charge_kw"] = np.zeros(n)
        data[f"{b.name}_discharge_kw"] = np.zeros(n)
        data[f"{b.name}_soc_kwh"] = np.full(n, b.soc_kwh)
    net_demand = load - solar
    phase_room = None
    if scenario.chargers and np.isfinite(scenario.connection.phase_limit_kw):
        phase_room = {p: np.full(n, scenario.connection.phase_limit_kw) for p in PHASES}
    solar_room = np.array(solar - load, dtype=float)  # solar the load leaves, for a car that may not import
    for v in scenario.vehicles:
        if "grid" in v.charge_from and "vehicle" in scenario.connection.import_to:
            room = headroom.copy()
        else:  # flow rules: the car may take only the solar surplus (or nothing)
            room = np.minimum(headroom, np.maximum(solar_room, 0.0)) if "solar" in v.charge_from else np.zeros(n)
        charge, soc, plugged = _charge_vehicle(scenario, v, room, phase_room)
        headroom -= charge
        solar_room -= charge
        data[f"{v.name}_charge_kw"] = charge
        data[f"{v.name}_discharge_kw"] = np.zeros(n)
        data[f"{v.name}_soc_kwh"] = soc
        data[f"{v.name}_plugged"] = plugged
        net_demand = net_demand + charge
    demand = np.maximum(net_demand, 0.0)
    imp = np.minimum(demand, limit_imp)
    unserved = np.minimum(demand - imp, load)
    surplus = np.maximum(-net_demand, 0.0)
    exp = np.minimum(surplus, limit_exp)
    if scenario.solar_curtailable:
        exp = np.where(scenario.tariff.export_price_per_kwh < 0, 0.0, exp)
    curtailed = surplus - exp
    data["solar_curtailed_kw"] = curtailed
    data["unserved_load_kw"] = unserved
    data["grid_import_kw"] = imp
    data["grid_export_kw"] = exp
    order = ["import_price_per_kwh", "export_price_per_kwh", "load_kw", "solar_kw", "solar_curtailed_kw",
             "unserved_load_kw", "grid_import_kw", "grid_export_kw"]
    schedule = pd.DataFrame(
        {k: data[k] for k in order + [k for k in data if k not in order]}, index=scenario.grid.index
    )
    return plan_from_schedule(scenario, schedule, "fallback", reason=reason)
