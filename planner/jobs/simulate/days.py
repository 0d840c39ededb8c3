"""The pieces of one simulated day: committed intervals, re-planning times, arrivals carried between parts,
mode changes, the end-of-period energy value and the sessions a plan sees."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.chargers import charger_limits
from planner.inputs.specs import Scenario, SessionSpec, VehicleSpec
from planner.inputs.tariffs.spec import TariffSpec
from planner.jobs.simulate.execution import Decision, Piece, Strategy, execute_day
from planner.jobs.simulate.forecasts import Forecast, past_day_variants
from planner.jobs.simulate.site import Site, SitePrices, TripSession
from planner.results.plan import Plan
from planner.timegrid import TimeGrid


@dataclass
class Part:
    """One committed interval: its decision, truth scenario, executed plan and end states."""

    decision: Decision
    truth: Scenario
    plan: Plan
    pieces: list[Piece]
    battery_end: dict[str, float]
    vehicle_end: dict[str, float]
    deficit: dict[str, float]


def replan_times(t0: pd.Timestamp, t1: pd.Timestamp, every_minutes: int | None) -> list[pd.Timestamp]:
    """``[t0, t0 + every, ..., t1]`` (just ``[t0, t1]`` without intraday re-planning)."""
    if every_minutes is None:
        return [t0, t1]
    step = pd.Timedelta(minutes=int(every_minutes))
    cuts = [t0]
    while cuts[-1] + step < t1:
        cuts.append(cuts[-1] + step)
    return [*cuts, t1]


def decide_and_execute(
    site: Site, prices: SitePrices, strategy: Strategy, forecast: Forecast,
    sessions: Mapping[str, Sequence[TripSession]], bat_soc: Mapping[str, float], veh_soc: Mapping[str, float],
    t0: pd.Timestamp, t1: pd.Timestamp, *, plan_to_end: bool, horizon_steps: int, end_rates: Mapping[str, float],
    whole_day: bool, depths: Mapping[str, float] | None = None, switching_penalty_per_kw: float = 0.0,
    last_net_kw: Mapping[str, float] | None = None,
) -> Part:
    """Plan at ``t0`` from the true state with what is known then, and execute until ``t1``.

    With ``plan_to_end`` (the period's last interval) the plan ends at ``t1`` and values stored energy at the
    accounting's ``end_rates``; otherwise it looks ``horizon_steps`` ahead with the default terminal value.
    ``depths``: each asset's true open cycle depth now [kWh] (the cycle-depth wear's state, 0 when absent).
    ``switching_penalty_per_kw`` > 0 plans every storage asset with that ramp penalty
    (:mod:`planner.domain.ramp`), its first step against ``last_net_kw`` (the net power just executed).
    """
    depth = dict(depths or {})
    last = dict(last_net_kw or {})
    ramp = ({"ramp_penalty_per_kw": float(switching_penalty_per_kw)} if switching_penalty_per_kw > 0 else {})
    template = site.template
    tz = template.grid.timezone
    step_min = site.step_minutes
    i0 = site.position(t0)
    n_commit = site.position(t1) - i0
    n_plan = n_commit if plan_to_end else max(n_commit, min(horizon_steps, len(site.index) - i0))
    plan_grid = TimeGrid(t0, step_min, n_plan, tz)
    load_f, solar_f, imp_f, exp_f = forecast.series(site, prices, i0, n_plan, t0)
    plan_vehicles = [
        replace(v, sessions=plan_sessions(v, sessions[v.name], t0, plan_grid.end, veh_soc[v.name], forecast,
                                          depth.get(v.name, 0.0), period_end=plan_to_end,
                                          charge_max_kw=partial(_charge_max_kw, template, v)),
                **ramp, **({"ramp_from_kw": last.get(v.name)} if ramp else {}),
                end_value_per_kwh=end_rates[v.name] if plan_to_end else v.end_value_per_kwh)
        for v in template.vehicles
    ]
    plan_batteries = tuple(  # no end floor above the reserve: the terminal value prices the end state
        replace(b, soc_kwh=bat_soc[b.name], end_soc_min_kwh=min(b.soc_min_kwh, bat_soc[b.name]),
                cycle_depth_kwh=min(depth.get(b.name, 0.0), max(0.0, b.capacity_kwh - bat_soc[b.name])),
                **ramp, **({"ramp_from_kw": last.get(b.name)} if ramp else {}),
                end_value_per_kwh=end_rates[b.name] if plan_to_end else b.end_value_per_kwh)
        for b in template.batteries
    )
    planning = replace(
        template, grid=plan_grid, load_kw=load_f, solar_kw=solar_f,
        tariff=TariffSpec(imp_f, exp_f, 0.0, ev_charge_price_per_kwh=prices.ev_prices(slice(i0, i0 + n_plan))),
        batteries=plan_batteries, vehicles=tuple(plan_vehicles), notes=(),
    )
    t_dec = time.perf_counter()
    if getattr(strategy, "needs_variants", False):  # the stochastic strategy: past days as variants
        variants = past_day_variants(site.load_kw, site.solar_kw, i0, n_plan, 1440 // step_min, strategy.variants)
        decision = strategy.decide(planning, variants, n_commit)
    else:
        decision = strategy.decide(planning)
    decision.solve_seconds = time.perf_counter() - t_dec
    grid = TimeGrid(t0, step_min, n_commit, tz)
    sl = slice(i0, i0 + n_commit)
    standing = prices.standing_cost(sl, step_min, whole_day)
    tariff = TariffSpec(prices.import_price_per_kwh[sl].copy(), prices.export_price_per_kwh[sl].copy(), standing,
                        ev_charge_price_per_kwh=prices.ev_prices(sl))
    pieces = day_pieces(template, sessions, t0, t1)
    truth, plan, bat_end, veh_end, deficit = execute_day(
        template, grid, site.load_kw[sl], site.solar_kw[sl], tariff, bat_soc, veh_soc, pieces, decision)
    return Part(decision, truth, plan, pieces, bat_end, veh_end, deficit)


def arrivals_from_parts(pieces: list[Piece], parts: Sequence[Part], day_start_soc: Mapping[str, float]) -> None:
    """Set each day piece's arrival SoC from the part in which the car arrived (or the day's start SoC)."""
    for piece in pieces:
        if piece.ongoing:
            piece.arrive_soc_kwh = float(day_start_soc[piece.vehicle])
            continue
        for part in parts:
            match = [p for p in part.pieces if p.vehicle == piece.vehicle and p.session == piece.session
                     and not p.ongoing]
            if match:
                piece.arrive_soc_kwh = float(match[0].arrive_soc_kwh)
                break


def mode_changes(template: Scenario, schedule: pd.DataFrame) -> int:
    """Switches between charging, idle and discharging, summed over every storage asset (plan stability)."""
    total = 0
    for spec in list(template.batteries) + list(template.vehicles):
        net = schedule[f"{spec.name}_charge_kw"].to_numpy() - schedule[f"{spec.name}_discharge_kw"].to_numpy()
        mode = np.sign(np.where(np.abs(net) < 1e-6, 0.0, net))
        total += int(np.count_nonzero(np.diff(mode)))
    return total


def end_energy_terms(
    template: Scenario, start_kwh: Mapping[str, float], end_kwh: Mapping[str, float], rates: Mapping[str, float]
) -> dict[str, float]:
    """The period's stored-energy change, valued at one rate for every strategy [currency, + = paid].

    Every battery and car ends the period with some energy; a strategy that ends emptier has used energy it
    did not pay for within the period. Each stored kWh gained (+) or lost (-) is worth the asset's terminal
    value over the whole period's prices (:func:`planner.domain.end_value.end_value_rate_per_kwh`, the rule
    the planner plans with, and which the last day's plan is given):
    ``end_energy_value = -sum_assets rate * (end - start)``, per asset as ``end_energy_value_<name>`` and
    ``end_energy_rate_<name>_per_kwh``.
    """
    out: dict[str, float] = {}
    total = 0.0
    for spec in list(template.batteries) + list(template.vehicles):
        rate = float(rates[spec.name])
        value = -rate * (float(end_kwh[spec.name]) - float(start_kwh[spec.name]))
        out[f"end_energy_value_{spec.name}"] = value
        out[f"end_energy_rate_{spec.name}_per_kwh"] = rate
        total += value
    out["end_energy_value"] = total
    return out


def is_real(pieces: Sequence[Piece], shortfall: Mapping[str, Any]) -> bool:
    for p in pieces:
        if p.real_departure and p.depart == pd.Timestamp(shortfall["depart"]).tz_convert("UTC"):
            return True
    return False


def day_pieces(
    template: Scenario, sessions: Mapping[str, Sequence[TripSession]], t0: pd.Timestamp, t1: pd.Timestamp
) -> list[Piece]:
    pieces = []
    for v in template.vehicles:
        for j, s in enumerate(sessions[v.name]):
            if s.depart <= t0 or s.arrive >= t1:
                continue
            pieces.append(Piece(
                vehicle=v.name, session=j, arrive=max(s.arrive, t0), depart=min(s.depart, t1),
                target_kwh=min(s.depart_soc_min_kwh, v.soc_max_kwh), real_departure=s.depart <= t1,
                ongoing=s.arrive < t0, drive_kwh=s.drive_kwh, fixed_arrive_soc_kwh=s.arrive_soc_kwh,
                charger=s.charger, session_depart=s.depart,
            ))
    return pieces


def _charge_max_kw(template: Scenario, vehicle: VehicleSpec, charger: str | None) -> float:
    """The most ``vehicle`` charges on ``charger`` in ``template`` [kW] (a home: the car's own rate)."""
    return charger_limits(template, vehicle, charger).charge_max_kw


def plan_sessions(
    v: VehicleSpec,
    sessions: Sequence[TripSession],
    t0: pd.Timestamp,
    t_end: pd.Timestamp,
    soc_now: float,
    forecast: Forecast,
    depth_now_kwh: float = 0.0,
    period_end: bool = False,
    charge_max_kw: Callable[[str | None], float] | None = None,
) -> tuple[SessionSpec, ...]:
    """Sessions the controller plans for: the ongoing one from now with the true SoC; later ones with the
    forecast arrival SoC (previous target minus the expected driving energy).

    Each carries its open cycle depth on arrival (``cycle_depth_kwh``): the ongoing one (or the next
    arrival of a car away now) the true ``depth_now_kwh``, and the fall since the expected departure.

    With ``period_end`` (the plan ends where the simulated period ends) a session departing after ``t_end``
    has no target inside the plan (``soc_min_kwh``): the accounting values the energy it ends with at the
    terminal rate and does not count that departure, so the plan does the same.

    ``charge_max_kw(charger)``: the most a session on that charger can charge [kW] (a depot bay may charge
    slower than the van can); default the vehicle's own ``charge_max_kw``."""
    rows: list[list[Any]] = []  # [arrive, depart, target, drive before (None: fixed SoC), fixed SoC, ongoing,
    #                               charger]
    past: list[float] = [s.drive_kwh for s in sessions if s.arrive < t0 and s.drive_kwh is not None]
    for s in sessions:
        if s.depart <= t0:
            continue
        if s.arrive >= t_end:
            break
        target = min(s.depart_soc_min_kwh, v.soc_max_kwh)
        if period_end and s.depart > t_end:
            target = min(target, v.soc_min_kwh)
        if s.arrive < t0:
            rows.append([t0, s.depart, target, None, soc_now, True, s.charger])
        elif s.drive_kwh is None:
            rows.append([s.arrive, s.depart, target, None, float(s.arrive_soc_kwh), False, s.charger])
        else:
            rows.append([s.arrive, s.depart, target, forecast.drive_kwh(past, s.drive_kwh), None, False, s.charger])
    # a session whose target cannot be reached from the arrival the previous target implies raises that
    # target (what a controller told "47 kWh at 16:23" does at the earlier plug-in)
    for j in range(len(rows) - 2, -1, -1):
        arrive, depart, target, drive, _, _, charger = rows[j + 1]
        if drive is None or depart > t_end:
            continue
        hours = (depart - arrive).total_seconds() / 3600.0
        rate_kw = v.charge_max_kw if charge_max_kw is None else charge_max_kw(charger)
        reach_kwh = rate_kw * hours * v.eta_charge
        needed = min(target - reach_kwh + drive, v.soc_max_kwh)
        rows[j][2] = max(rows[j][2], needed)
    out: list[SessionSpec] = []
    expected_departure = soc_now
    depth = max(0.0, float(depth_now_kwh))  # open depth at the last point: now, or the expected departure
    for arrive, depart, target, drive, fixed, ongoing, charger in rows:
        arrive_soc = fixed if drive is None else expected_departure - drive
        arrive_soc = min(max(arrive_soc, v.soc_min_kwh), v.soc_max_kwh)
        if not ongoing:
            depth += max(0.0, expected_departure - arrive_soc)
        depth = min(depth, max(0.0, v.capacity_kwh - arrive_soc))
        out.append(SessionSpec(arrive, depart, arrive_soc, target, charger=charger, cycle_depth_kwh=depth))
        expected_departure = max(target, arrive_soc)
        depth = max(0.0, depth - (expected_departure - arrive_soc))
    return tuple(out)
