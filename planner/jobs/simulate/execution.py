"""Decisions (what a strategy commits) and their execution against the true day, as a home controller would
(:mod:`planner.jobs.simulate.controller`); each executed day becomes a verified plan on its truth scenario."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd

from planner.domain.chargers import charger_limits
from planner.domain.efficiency import charged_kw
from planner.domain.flows import has_rules
from planner.domain.grid_service import held_capacity_kw
from planner.domain.taper import taper_limit_kw
from planner.inputs.specs import Scenario, SessionSpec
from planner.inputs.tariffs.spec import TariffSpec
from planner.jobs.simulate.controller import (
    battery_net_kw,
    catch_up_over_session,
    charge_room_kw,
    discharge_room_kw,
    planned_grid_charge_kw,
    planned_soc_before,
    split_net,
)
from planner.jobs.simulate.phases import keep_within_phases
from planner.jobs.simulate.site import TOL_KWH
from planner.results.from_schedule import plan_from_schedule
from planner.results.plan import Plan
from planner.timegrid import TimeGrid
from planner.verify import VerificationError, verify


@dataclass
class Decision:
    """A strategy's setpoints over the planning horizon.

    Attributes
    ----------
    power_kw : dict
        ``name -> (charge_kw, discharge_kw)`` arrays per step of the planning grid (AC side, >= 0).
    vehicle_soc_kwh : dict
        ``vehicle name -> planned SoC at the end of each step`` (NaN while not plugged in).
    battery_mode : str
        ``"setpoint"`` (follow ``power_kw``) or ``"self_consumption"`` (charge from solar surplus, cover the
        household's deficit, ignoring the vehicles).
    vehicle_mode : str
        ``"track"``: follow the planned SoC (catch up at full power when behind, idle when ahead), with a
        ready-by guarantee (charge at full power once the departure target needs every remaining step);
        ``"on_arrival"``: full power from plug-in until the true SoC reaches the target.
    status : str
        Plan status (``optimal``, ``time_limit``, ``fallback``, ``heuristic``).
    solve_seconds : float
        Time spent deciding [s].
    reused_model : bool
        Whether the decision re-solved a persistent model kept from an earlier day of the same shape.
    """

    power_kw: dict[str, tuple[np.ndarray, np.ndarray]]
    vehicle_soc_kwh: dict[str, np.ndarray]
    battery_mode: str = "setpoint"
    vehicle_mode: str = "track"
    status: str = "heuristic"
    solve_seconds: float = 0.0
    reused_model: bool = False
    house_kw: np.ndarray | None = None
    """The demand the plan expected per step (forecast load - forecast solar) [kW]; with it a ``setpoint``
    battery holds the plan's grid exchange (:mod:`planner.jobs.simulate.controller`)."""
    grid_export_kw: np.ndarray | None = None
    """The plan's export per step [kW]; where it is 0 no stored energy is exported."""
    grid_import_kw: np.ndarray | None = None
    """The plan's import per step [kW] (a battery charged from the grid marks a cheap window)."""
    import_price_per_kwh: np.ndarray | None = None
    """The prices the decision was made with (for the vehicles' catch-up order) [currency/kWh]."""
    grid_service_kw: np.ndarray | None = None
    """Grid-service capacity offered per step [kW] (:mod:`planner.inputs.grid_service`); None: none offered."""


class Strategy(Protocol):
    """Turns a planning scenario (forecasts over the horizon) into a :class:`Decision`."""

    name: str

    def decide(self, scenario: Scenario) -> Decision:
        """Setpoints for every storage asset of ``scenario``."""


@dataclass
class Piece:
    """A true session cut to one day: where it starts/ends and its target on this day."""

    vehicle: str
    session: int
    arrive: pd.Timestamp
    depart: pd.Timestamp
    target_kwh: float
    real_departure: bool
    ongoing: bool
    drive_kwh: float | None
    fixed_arrive_soc_kwh: float | None
    arrive_soc_kwh: float = math.nan
    driven_kwh: float = 0.0
    """Energy used away from home before this arrival [kWh]: ``drive_kwh``, or for a fixed arrival SoC the
    drop from the previous departure's true SoC (0 when the car comes back fuller)."""
    charger: str | None = None
    """The depot charger of the session (None at a home)."""
    session_depart: pd.Timestamp | None = None
    """The true session's departure, after ``depart`` when the session goes on past the interval."""


def execute_day(
    template: Scenario,
    grid: TimeGrid,
    load_kw: np.ndarray,
    solar_kw: np.ndarray,
    tariff: TariffSpec,
    battery_soc_kwh: Mapping[str, float],
    vehicle_soc_kwh: Mapping[str, float],
    pieces: Sequence[Piece],
    decision: Decision,
) -> tuple[Scenario, Plan, dict[str, float], dict[str, float], dict[str, float]]:
    """Execute committed setpoints against the truth of one day.

    Export above the connection limit is avoided by curtailing solar (as an export-limited inverter does),
    then by reducing discharge; import above the limit by reducing charging, then as unserved load.

    Returns
    -------
    (scenario, plan, battery_end_soc_kwh, vehicle_end_soc_kwh, drive_deficit_kwh)
        The truth scenario of the day, the executed (verified) plan, the true end states [kWh] and the energy
        each vehicle lacked to arrive above ``soc_min_kwh`` [kWh].
    """
    n, h = grid.steps, grid.step_hours
    limit_imp = template.connection.import_limit_kw
    limit_exp = template.connection.export_limit_kw
    connection = template.connection
    rules = has_rules(template)
    # vehicles first: their power is decided by tracking the planned SoC
    veh_c: dict[str, np.ndarray] = {}
    veh_d: dict[str, np.ndarray] = {}
    veh_soc_col: dict[str, np.ndarray] = {}
    veh_end: dict[str, float] = {}
    deficit: dict[str, float] = {}
    ev_net = np.zeros(n)  # vehicles' power so far (charge - discharge) [kW]
    for v in template.vehicles:
        c = np.zeros(n)
        d = np.zeros(n)
        soc_col = np.full(n, np.nan)
        soc = float(vehicle_soc_kwh[v.name])
        short = 0.0
        plan_c, plan_d = decision.power_kw.get(v.name, (np.zeros(n), np.zeros(n)))
        plan_soc = decision.vehicle_soc_kwh.get(v.name, np.full(n, np.nan))
        for piece in (p for p in pieces if p.vehicle == v.name):
            if not piece.ongoing:
                if piece.drive_kwh is not None:
                    soc -= piece.drive_kwh
                    piece.driven_kwh = float(piece.drive_kwh)
                else:
                    piece.driven_kwh = max(0.0, soc - float(piece.fixed_arrive_soc_kwh))
                    soc = float(piece.fixed_arrive_soc_kwh)
                if soc < v.soc_min_kwh:
                    short += v.soc_min_kwh - soc
                    soc = v.soc_min_kwh
                soc = min(soc, v.soc_max_kwh)
            piece.arrive_soc_kwh = soc
            below_reserve = soc < v.soc_min_kwh - TOL_KWH  # such a session only charges (as in the model)
            frac = grid.coverage(piece.arrive, piece.depart)
            lim = charger_limits(template, v, piece.charger)  # a depot charger's limits (a home: the car's)
            cmax, dmax = lim.charge_max_kw, lim.discharge_max_kw
            # ready-by guarantee: energy the charger can still add after each step before a real departure
            later_kwh = np.zeros(n + 1)
            if piece.real_departure:
                later_kwh[:n] = np.cumsum((cmax * frac * v.eta_charge * h)[::-1])[::-1]
            steps = np.flatnonzero(frac > 0)
            if decision.vehicle_mode != "on_arrival" and len(steps):
                expected = planned_soc_before(plan_soc, plan_c, plan_d, int(steps[0]), v.eta_charge,
                                              v.eta_discharge, h)
                offset = soc - expected if math.isfinite(expected) else 0.0
                prices = decision.import_price_per_kwh
                prices = tariff.import_price_per_kwh if prices is None or len(prices) < n else prices
                track_c, track_d = catch_up_over_session(grid, piece.arrive, piece.session_depart or piece.depart,
                                                         plan_c, plan_d, prices, offset, cmax, v.eta_charge,
                                                         v.eta_discharge)
            for t in steps:
                f = frac[t]
                room_kw = max(0.0, (v.soc_max_kwh - soc) / (v.eta_charge * h))
                avail_kw = max(0.0, (soc - v.soc_min_kwh) * v.eta_discharge / h)
                must_kw = 0.0
                if piece.real_departure:
                    must_kw = max(0.0, (piece.target_kwh - soc - later_kwh[t + 1]) / (v.eta_charge * h))
                ct = dt = 0.0
                if decision.vehicle_mode == "on_arrival":
                    ct = max(0.0, (piece.target_kwh - soc) / (v.eta_charge * h))
                else:
                    ct, dt = float(track_c[t]), float(track_d[t]) if dmax > 0 and not below_reserve else 0.0
                if dt > 0 and decision.grid_export_kw is not None and float(decision.grid_export_kw[t]) <= 1e-6:
                    demand = float(load_kw[t] - solar_kw[t]) + ev_net[t]  # no stored energy to the grid
                    dt = min(dt, max(0.0, demand))
                if must_kw > 0:
                    ct, dt = max(ct, must_kw), 0.0
                ct = min(ct, cmax * f, room_kw,  # the car's charge taper limits it as it fills
                         f * taper_limit_kw(v.charge_taper, v.capacity_kwh, v.eta_charge, h * f, soc))
                dt = min(dt, dmax * f, avail_kw)
                if rules:  # flow rules: only the energy the car may take or give
                    ct = min(ct, charge_room_kw(v, "vehicle", connection, float(solar_kw[t] - load_kw[t]) - ev_net[t]))
                    dt = min(dt, discharge_room_kw(v, "vehicle", connection, float(load_kw[t] - solar_kw[t]) + ev_net[t]))
                if 0 < ct < lim.charge_min_kw * f:
                    ct = lim.charge_min_kw * f if lim.charge_min_kw * f <= room_kw else 0.0
                if ct < 1e-7:
                    ct = 0.0
                if dt < 1e-7:
                    dt = 0.0
                c[t] += ct
                d[t] += dt
                ev_net[t] += ct - dt
                soc = soc + float(charged_kw(v, ct, f)) * h - dt * h / v.eta_discharge
                soc_col[t] = soc
        veh_c[v.name], veh_d[v.name], veh_soc_col[v.name] = c, d, soc_col
        veh_end[v.name] = soc
        deficit[v.name] = short
    keep_within_phases(template, grid, pieces, veh_c, veh_d)  # a depot's feeder: cut charging, then discharging
    # batteries and the grid, step by step
    bat_c = {b.name: np.zeros(n) for b in template.batteries}
    bat_d = {b.name: np.zeros(n) for b in template.batteries}
    bat_soc_col = {b.name: np.zeros(n) for b in template.batteries}
    bat_soc = {b.name: float(battery_soc_kwh[b.name]) for b in template.batteries}
    imp = np.zeros(n)
    exp = np.zeros(n)
    curt = np.zeros(n)
    unserved = np.zeros(n)
    zeros = (np.zeros(n), np.zeros(n))
    ev_plan = np.zeros(n)
    for v in template.vehicles:
        pc, pd_ = decision.power_kw.get(v.name, zeros)
        ev_plan += np.asarray(pc[:n]) - np.asarray(pd_[:n])
    for t in range(n):
        house = float(load_kw[t] - solar_kw[t])
        ev = sum(veh_c[k][t] - veh_d[k][t] for k in veh_c)
        if decision.battery_mode == "self_consumption":
            surprise = house + ev
        elif decision.house_kw is not None:
            surprise = house + ev - float(decision.house_kw[t]) - float(ev_plan[t])
        else:
            surprise = None  # blind setpoints (a decision without the plan's expected demand)
        for b in template.batteries:
            soc = bat_soc[b.name]
            room = max(0.0, (b.soc_max_kwh - soc) / (b.eta_charge * h))
            avail = max(0.0, (soc - b.soc_min_kwh) * b.eta_discharge / h)
            if decision.battery_mode == "self_consumption":
                planned = 0.0
            else:
                pc, pd_ = decision.power_kw.get(b.name, zeros)
                planned = float(pc[t]) - float(pd_[t])
            if surprise is None:
                target = planned
            elif decision.battery_mode == "self_consumption":
                target = -surprise
            else:
                planned_import = 0.0 if decision.grid_import_kw is None else float(decision.grid_import_kw[t])
                grid_charge = planned_grid_charge_kw(planned_import, float(decision.house_kw[t]) + float(ev_plan[t]))
                planned_export = 0.0 if decision.grid_export_kw is None else float(decision.grid_export_kw[t])
                target = battery_net_kw(planned, surprise, float(tariff.import_price_per_kwh[t]),
                                        float(tariff.export_price_per_kwh[t]), grid_charge,
                                        planned_import - planned_export)
            cmax = min(b.charge_max_kw, taper_limit_kw(b.charge_taper, b.capacity_kwh, b.eta_charge, h, soc))
            ct, dt = split_net(target, cmax, b.discharge_max_kw, room, avail)
            if rules:  # flow rules: only the energy the battery may take or give
                ev_c = sum(veh_c[k][t] for k in veh_c)
                ev_d = sum(veh_d[k][t] for k in veh_d)
                ct = min(ct, charge_room_kw(b, "battery", connection, float(solar_kw[t] - load_kw[t]), ev_d))
                dt = min(dt, discharge_room_kw(b, "battery", connection, float(load_kw[t] - solar_kw[t]), ev_c))
            if surprise is not None:
                surprise += (ct - dt) - planned
            bat_c[b.name][t], bat_d[b.name][t] = ct, dt
        net = (load_kw[t] - solar_kw[t] + ev
               + sum(bat_c[k][t] - bat_d[k][t] for k in bat_c))
        planned_export = decision.grid_export_kw
        if net < 0 and planned_export is not None and float(planned_export[t]) <= 1e-6:
            excess = -net  # the plan meant to use this step's energy at home: export no stored energy
            for store_d in bat_d.values():  # cars were already held to the site's demand
                cut = min(excess, store_d[t])
                store_d[t] -= cut
                excess -= cut
            net = -excess
        if net > limit_imp:  # reduce charging, then leave load unserved
            excess = net - limit_imp
            for store_c in list(veh_c.values()) + list(bat_c.values()):
                cut = min(excess, store_c[t])
                store_c[t] -= cut
                excess -= cut
            unserved[t] = min(excess, load_kw[t])
            net = limit_imp + excess - unserved[t]
        if net < -limit_exp:  # curtail solar, then reduce discharging
            excess = -limit_exp - net
            curt[t] = min(excess, solar_kw[t])
            excess -= curt[t]
            for store_d in list(bat_d.values()) + list(veh_d.values()):
                cut = min(excess, store_d[t])
                store_d[t] -= cut
                excess -= cut
            net = -limit_exp + excess
        imp[t] = max(net, 0.0)
        exp[t] = max(-net, 0.0)
        for b in template.batteries:
            bat_soc[b.name] += b.eta_charge * bat_c[b.name][t] * h - bat_d[b.name][t] * h / b.eta_discharge
            bat_soc_col[b.name][t] = bat_soc[b.name]
    # a cut on a vehicle's power changes its SoC: recompute the vehicle trajectories
    for v in template.vehicles:
        c, d = veh_c[v.name], veh_d[v.name]
        col = veh_soc_col[v.name]
        for piece in (p for p in pieces if p.vehicle == v.name):
            frac = grid.coverage(piece.arrive, piece.depart)
            steps = np.flatnonzero(frac > 0)
            if len(steps):
                traj = piece.arrive_soc_kwh + np.cumsum(
                    charged_kw(v, c[steps], frac[steps]) * h - d[steps] * h / v.eta_discharge)
                col[steps] = traj
                veh_end[v.name] = float(traj[-1])
            else:
                veh_end[v.name] = piece.arrive_soc_kwh
    scenario = truth_scenario(template, grid, load_kw, solar_kw, tariff, battery_soc_kwh, pieces)
    data: dict[str, np.ndarray] = {
        "import_price_per_kwh": tariff.import_price_per_kwh,
        "export_price_per_kwh": tariff.export_price_per_kwh,
        "load_kw": load_kw,
        "solar_kw": solar_kw,
        "solar_curtailed_kw": curt,
        "unserved_load_kw": unserved,
        "grid_import_kw": imp,
        "grid_export_kw": exp,
    }
    for b in template.batteries:
        data[f"{b.name}_charge_kw"] = bat_c[b.name]
        data[f"{b.name}_discharge_kw"] = bat_d[b.name]
        data[f"{b.name}_soc_kwh"] = bat_soc_col[b.name]
    for v in template.vehicles:
        data[f"{v.name}_charge_kw"] = veh_c[v.name]
        data[f"{v.name}_discharge_kw"] = veh_d[v.name]
        data[f"{v.name}_soc_kwh"] = veh_soc_col[v.name]
        data[f"{v.name}_plugged"] = np.isfinite(veh_soc_col[v.name])
    schedule = pd.DataFrame(data, index=grid.index)
    if scenario.grid_service is not None:  # the offer holds only as far as the executed schedule leaves room
        offered = decision.grid_service_kw[:n] if decision.grid_service_kw is not None else np.zeros(n)
        schedule["grid_service_kw"] = np.minimum(offered, held_capacity_kw(scenario, schedule))
    plan = plan_of(scenario, schedule)
    verify_executed(scenario, plan)
    return scenario, plan, {b: float(s) for b, s in bat_soc.items()}, veh_end, deficit


def truth_scenario(
    template: Scenario,
    grid: TimeGrid,
    load_kw: np.ndarray,
    solar_kw: np.ndarray,
    tariff: TariffSpec,
    battery_soc_kwh: Mapping[str, float],
    pieces: Sequence[Piece],
) -> Scenario:
    batteries = tuple(  # the period's end state is valued once, by the simulation, not per day
        replace(b, soc_kwh=float(battery_soc_kwh[b.name]), end_value_per_kwh=0.0,
                end_soc_min_kwh=min(b.soc_min_kwh, battery_soc_kwh[b.name]))
        for b in template.batteries
    )
    vehicles = []
    for v in template.vehicles:
        sessions = tuple(
            SessionSpec(p.arrive, p.depart, float(p.arrive_soc_kwh),
                        float(p.target_kwh if p.real_departure else v.soc_min_kwh), charger=p.charger)
            for p in pieces if p.vehicle == v.name
        )
        vehicles.append(replace(v, sessions=sessions, end_value_per_kwh=0.0))
    return replace(
        template, grid=grid, tariff=tariff, load_kw=np.asarray(load_kw, dtype=float),
        solar_kw=np.asarray(solar_kw, dtype=float), batteries=batteries, vehicles=tuple(vehicles), notes=(),
    )


def verify_executed(scenario: Scenario, plan: Plan) -> None:
    """Verify an executed day. The controller keeps each store to its flow rules on its own; where stores
    acting together still leave no allocation (a rare step), the day is kept and says so in its notes,
    because it is what the home did. Any other violation raises."""
    try:
        verify(scenario, plan)
    except VerificationError as exc:
        if not all("flow rule" in v for v in exc.violations):
            raise
        plan.notes.append(f"the controller's corrections broke a flow rule: {'; '.join(exc.violations[:3])}")


def plan_of(scenario: Scenario, schedule: pd.DataFrame) -> Plan:
    """A plan object for an executed schedule: costs, shortfalls and KPIs recomputed from it."""
    return plan_from_schedule(scenario, schedule, "executed", notes=[])
