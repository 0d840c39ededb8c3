"""Rolling-horizon simulation: plan each day with the information available then, commit it, carry the state.

Once per local day, at ``decision_time`` (local wall clock), the controller forecasts the next
``horizon_hours`` (load, solar, prices, vehicle sessions), asks a strategy (:mod:`planner.jobs.simulate.strategies`) for
setpoints, and *commits* them until the next decision time (24 h, or 23/25 h across a clock change). The
committed setpoints are executed against the true series (:func:`execute_day`): storage follows its
setpoints within its true limits, a vehicle tracks the planned state-of-charge trajectory (an arrival
below the forecast is made up at full power, one above it idles until the plan catches up), and the grid
covers the rest. Each executed day is a :class:`~planner.results.plan.Plan` on a *truth* scenario of that day
and passes :func:`planner.verify.verify`; its true end state starts the next day.

Units: power [kW] (mean over a step), energy [kWh], prices [currency/kWh], costs [currency, + = paid].
Timestamps are tz-aware (UTC inside, local time only for decision times and tariff windows).

Vehicle driving: a :class:`TripSession` either states the energy driven since the previous departure
(``drive_kwh``, battery side: arrival SoC = true departure SoC of the previous session minus it) or a fixed
``arrive_soc_kwh``. An arrival that would fall below ``soc_min_kwh`` is raised to it and the missing energy
is reported as ``drive_deficit_kwh`` (charged elsewhere).

Truth day scenarios cut sessions at the day's edges: a session continuing past the end of the day has its
departure target replaced by ``soc_min_kwh`` there (its real target is checked on the day it departs), and
home batteries have no end-of-day floor. Wear is priced per day by the truth scenario's wear model, so a
cycle-depth cost treats each day's trajectory on its own (a cycle spanning midnight is split).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from planner.domain.end_value import end_value_costs, end_value_rate_per_kwh
from planner.domain.names import wear_block_name
from planner.domain.sessions import session_target
from planner.errors import PlannerError, ScenarioError
from planner.inputs.specs import Scenario, SessionSpec, VehicleSpec
from planner.inputs.tariffs.spec import TariffSpec
from planner.jobs.simulate.controller import (
    battery_net_kw,
    catch_up_profile,
    planned_soc_before,
    split_net,
)
from planner.results.plan import Plan, compute_costs, compute_kpis
from planner.timegrid import TimeGrid
from planner.verify import verify

TOL_KWH = 1e-9


# ================================================================================================
# Inputs
# ================================================================================================
@dataclass(frozen=True)
class TripSession:
    """One true plug-in session of a vehicle at home.

    Parameters
    ----------
    arrive, depart : pandas.Timestamp
        Plug-in and plug-out times (tz-aware).
    depart_soc_min_kwh : float
        State of charge the driver wants at ``depart`` [kWh].
    drive_kwh : float or None
        Battery energy used driving since the previous departure [kWh]; the arrival SoC is then the previous
        true departure SoC minus this.
    arrive_soc_kwh : float or None
        Fixed arrival SoC [kWh] (used when ``drive_kwh`` is None).
    """

    arrive: pd.Timestamp
    depart: pd.Timestamp
    depart_soc_min_kwh: float
    drive_kwh: float | None = None
    arrive_soc_kwh: float | None = None


@dataclass(frozen=True)
class Site:
    """A home over a long period: equipment plus the true series and sessions.

    Parameters
    ----------
    template : Scenario
        Equipment, grid connection, currency, step length and time zone. Its horizon, prices, load, solar
        and sessions are ignored; its battery ``soc_kwh`` is the SoC at the start of the simulation.
    index : pandas.DatetimeIndex
        Step starts of the true series (UTC, regular, the template's step), including history before the
        simulated period (forecasts look back up to 7 days).
    load_kw, solar_kw : numpy.ndarray
        True household load and solar generation per step [kW].
    sessions : mapping of str to tuple of TripSession
        True sessions of each vehicle of the template, by vehicle name.
    vehicle_start_soc_kwh : mapping of str to float
        SoC of each vehicle before its first session [kWh] (default: its first target).
    """

    template: Scenario
    index: pd.DatetimeIndex
    load_kw: np.ndarray
    solar_kw: np.ndarray
    sessions: Mapping[str, tuple[TripSession, ...]] = field(default_factory=dict)
    vehicle_start_soc_kwh: Mapping[str, float] = field(default_factory=dict)

    @property
    def step_minutes(self) -> int:
        """Step length [minutes]."""
        return self.template.grid.step_minutes

    def position(self, when: pd.Timestamp) -> int:
        """Index of the step starting at ``when`` (which must lie on the series' grid)."""
        offset = (pd.Timestamp(when) - self.index[0]) / pd.Timedelta(minutes=self.step_minutes)
        pos = int(round(offset))
        if abs(offset - pos) > 1e-9 or not 0 <= pos <= len(self.index):
            raise PlannerError(f"{when} is not a step start of the site's series ({self.index[0]} ...)")
        return pos


@dataclass(frozen=True)
class PricePublication:
    """When dynamic prices become known: every day at ``publish`` (local), prices up to ``until`` of the
    next local day are published (Agile: 16:00, for the day ending 23:00)."""

    publish: str = "16:00"
    until: str = "23:00"
    timezone: str = "Europe/London"

    def known_until(self, issue: pd.Timestamp) -> pd.Timestamp:
        """End of the published prices at time ``issue`` (tz-aware UTC)."""
        local = pd.Timestamp(issue).tz_convert(self.timezone)
        day = local.tz_localize(None).normalize()
        pub = _wall(day, self.publish)
        days_ahead = 1 if local.tz_localize(None) >= pub else 0
        end = _wall(day + pd.Timedelta(days=days_ahead), self.until)
        return _localize(end, self.timezone)


@dataclass(frozen=True)
class SitePrices:
    """True prices on a site's index.

    Parameters
    ----------
    name : str
        Tariff label.
    import_price_per_kwh, export_price_per_kwh : numpy.ndarray
        One price per step of the site's index [currency/kWh].
    standing_charge_per_day : float
        Fixed charge per local day [currency/day].
    publication : PricePublication or None
        None: prices are known in advance (fixed windows); else when they are published.
    """

    name: str
    import_price_per_kwh: np.ndarray
    export_price_per_kwh: np.ndarray
    standing_charge_per_day: float = 0.0
    publication: PricePublication | None = None


def prices_from_scheme(site: Site, tariff: str) -> SitePrices:
    """True prices of a shipped scheme (or ``import+export`` pair, or scheme file paths) on ``site``.

    ``"economy7+outgoing-fixed"`` takes the import of the first and the export of the second scheme.
    Series- and formula-based (dynamic) schemes are published day-ahead (:class:`PricePublication`).

    Raises
    ------
    ScenarioError
        Unknown scheme, demand charges (not supported in simulation), or series not covering the site.
    """
    from planner.inputs.tariffs.rules import FlatRule, WindowRule
    from planner.inputs.tariffs.scheme import load_scheme

    parts = tariff.split("+")
    scheme = load_scheme(parts[0], field="tariff")
    export_scheme = load_scheme(parts[1], field="tariff") if len(parts) > 1 else None
    if scheme.demand_rule is not None:
        raise ScenarioError(f"tariff {tariff!r}: demand charges are not supported by the simulation")
    tz = site.template.grid.timezone
    grid = TimeGrid(site.index[0], site.step_minutes, len(site.index), tz)
    spec = scheme.prices(grid, export_scheme=export_scheme)
    dynamic = any(
        rule is not None and not isinstance(rule, FlatRule | WindowRule)
        for rule in (scheme.import_rule, (export_scheme or scheme).export_rule)
    )
    per_day = scheme.standing_charge_per_day + (export_scheme.standing_charge_per_day if export_scheme else 0.0)
    return SitePrices(
        tariff,
        np.asarray(spec.import_price_per_kwh, dtype=float),
        np.asarray(spec.export_price_per_kwh, dtype=float),
        float(per_day),
        PricePublication(timezone=scheme.timezone) if dynamic else None,
    )


# ================================================================================================
# Forecasts
# ================================================================================================
class Forecast(Protocol):
    """What the controller believes at a decision time (arrays over the planning horizon)."""

    name: str

    def series(
        self, site: Site, prices: SitePrices, first: int, steps: int, issue: pd.Timestamp
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(load_kw, solar_kw, import_price_per_kwh, export_price_per_kwh) for steps ``first..first+steps``."""

    def drive_kwh(self, past: Sequence[float], true_value: float) -> float:
        """Expected driving energy before a future arrival [kWh], given the past true values."""


@dataclass(frozen=True)
class PerfectForesight:
    """The true future: load, solar, every price and every driving energy."""

    name: str = "perfect"

    def series(self, site, prices, first, steps, issue):
        sl = slice(first, first + steps)
        return (site.load_kw[sl].copy(), site.solar_kw[sl].copy(),
                prices.import_price_per_kwh[sl].copy(), prices.export_price_per_kwh[sl].copy())

    def drive_kwh(self, past, true_value):
        return true_value


@dataclass(frozen=True)
class RealisticForecast:
    """Persistence forecasts from data observed before the decision time.

    Load: the value at the same UTC time ``load_lag_days`` earlier (default one week). Solar: the most recent
    observed day at the same UTC time (yesterday's profile), times ``solar_scale``. Prices: the published ones
    (:class:`PricePublication`); an unpublished step takes the most recent published price at the same time of
    day. Driving energy of a future session: the mean of the last ``drive_window`` sessions.
    """

    name: str = "realistic"
    load_lag_days: int = 7
    solar_scale: float = 1.0
    drive_window: int = 7

    def series(self, site, prices, first, steps, issue):
        per_day = 1440 // site.step_minutes
        idx = np.arange(first, first + steps)
        load = site.load_kw[_lagged(idx, first, per_day * self.load_lag_days)]
        solar = site.solar_kw[_lagged(idx, first, per_day)] * self.solar_scale
        imp = prices.import_price_per_kwh[idx].copy()
        exp = prices.export_price_per_kwh[idx].copy()
        if prices.publication is not None:
            until = prices.publication.known_until(issue)
            known = min(max(site.position(until), first), first + steps) if until < site.index[-1] else first + steps
            src = _lagged(idx, known, per_day)
            unknown = idx >= known
            imp[unknown] = prices.import_price_per_kwh[src[unknown]]
            exp[unknown] = prices.export_price_per_kwh[src[unknown]]
        return load, solar, imp, exp

    def drive_kwh(self, past, true_value):
        recent = list(past)[-self.drive_window:]
        return float(np.mean(recent)) if recent else true_value


def _lagged(idx: np.ndarray, first_unknown: int, lag: int) -> np.ndarray:
    """Index of the latest step before ``first_unknown`` at a whole number of ``lag`` steps before each."""
    k = np.maximum(1, np.ceil((idx - first_unknown + 1) / lag)).astype(int)
    out = idx - k * lag
    if np.any(out < 0):
        raise PlannerError("the site's series start too late for the forecast's look-back (add history)")
    return out


FORECASTS: dict[str, Callable[[], Forecast]] = {"perfect": PerfectForesight, "realistic": RealisticForecast}


# ================================================================================================
# Decisions (returned by strategies) and execution
# ================================================================================================
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


class Strategy(Protocol):
    """Turns a planning scenario (forecasts over the horizon) into a :class:`Decision`."""

    name: str

    def decide(self, scenario: Scenario) -> Decision:
        """Setpoints for every storage asset of ``scenario``."""


@dataclass
class _Piece:
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


def execute_day(
    template: Scenario,
    grid: TimeGrid,
    load_kw: np.ndarray,
    solar_kw: np.ndarray,
    tariff: TariffSpec,
    battery_soc_kwh: Mapping[str, float],
    vehicle_soc_kwh: Mapping[str, float],
    pieces: Sequence[_Piece],
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
                else:
                    soc = float(piece.fixed_arrive_soc_kwh)
                if soc < v.soc_min_kwh:
                    short += v.soc_min_kwh - soc
                    soc = v.soc_min_kwh
                soc = min(soc, v.soc_max_kwh)
            piece.arrive_soc_kwh = soc
            below_reserve = soc < v.soc_min_kwh - TOL_KWH  # such a session only charges (as in the model)
            frac = grid.coverage(piece.arrive, piece.depart)
            # ready-by guarantee: energy the charger can still add after each step before a real departure
            later_kwh = np.zeros(n + 1)
            if piece.real_departure:
                later_kwh[:n] = np.cumsum((v.charge_max_kw * frac * v.eta_charge * h)[::-1])[::-1]
            steps = np.flatnonzero(frac > 0)
            if decision.vehicle_mode != "on_arrival" and len(steps):
                expected = planned_soc_before(plan_soc, plan_c, plan_d, int(steps[0]), v.eta_charge,
                                              v.eta_discharge, h)
                offset = soc - expected if math.isfinite(expected) else 0.0
                prices = decision.import_price_per_kwh
                prices = tariff.import_price_per_kwh if prices is None or len(prices) < n else prices[:n]
                track_c, track_d = catch_up_profile(steps, frac, plan_c[:n], plan_d[:n], np.asarray(prices),
                                                    offset, v.charge_max_kw, v.eta_charge, v.eta_discharge, h)
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
                    ct, dt = float(track_c[t]), float(track_d[t]) if v.v2g and not below_reserve else 0.0
                if dt > 0 and decision.grid_export_kw is not None and float(decision.grid_export_kw[t]) <= 1e-6:
                    demand = float(load_kw[t] - solar_kw[t]) + ev_net[t]  # no stored energy to the grid
                    dt = min(dt, max(0.0, demand))
                if must_kw > 0:
                    ct, dt = max(ct, must_kw), 0.0
                ct = min(ct, v.charge_max_kw * f, room_kw)
                dt = min(dt, v.discharge_max_kw * f, avail_kw) if v.v2g else 0.0
                if 0 < ct < v.charge_min_kw * f:
                    ct = v.charge_min_kw * f if v.charge_min_kw * f <= room_kw else 0.0
                if ct < 1e-7:
                    ct = 0.0
                if dt < 1e-7:
                    dt = 0.0
                c[t] += ct
                d[t] += dt
                ev_net[t] += ct - dt
                soc = soc + v.eta_charge * ct * h - dt * h / v.eta_discharge
                soc_col[t] = soc
        veh_c[v.name], veh_d[v.name], veh_soc_col[v.name] = c, d, soc_col
        veh_end[v.name] = soc
        deficit[v.name] = short
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
                target = battery_net_kw(planned, surprise, float(tariff.import_price_per_kwh[t]),
                                        float(tariff.export_price_per_kwh[t]), planned_import)
            ct, dt = split_net(target, b.charge_max_kw, b.discharge_max_kw, room, avail)
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
                    v.eta_charge * c[steps] * h - d[steps] * h / v.eta_discharge)
                col[steps] = traj
                veh_end[v.name] = float(traj[-1])
            else:
                veh_end[v.name] = piece.arrive_soc_kwh
    scenario = _truth_scenario(template, grid, load_kw, solar_kw, tariff, battery_soc_kwh, pieces)
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
    plan = _plan_of(scenario, schedule)
    verify(scenario, plan)
    return scenario, plan, {b: float(s) for b, s in bat_soc.items()}, veh_end, deficit


def _truth_scenario(
    template: Scenario,
    grid: TimeGrid,
    load_kw: np.ndarray,
    solar_kw: np.ndarray,
    tariff: TariffSpec,
    battery_soc_kwh: Mapping[str, float],
    pieces: Sequence[_Piece],
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
                        float(p.target_kwh if p.real_departure else v.soc_min_kwh))
            for p in pieces if p.vehicle == v.name
        )
        vehicles.append(replace(v, sessions=sessions, end_value_per_kwh=0.0))
    return replace(
        template, grid=grid, tariff=tariff, load_kw=np.asarray(load_kw, dtype=float),
        solar_kw=np.asarray(solar_kw, dtype=float), batteries=batteries, vehicles=tuple(vehicles), notes=(),
    )


def _plan_of(scenario: Scenario, schedule: pd.DataFrame) -> Plan:
    """A plan object for an executed schedule: costs, shortfalls and KPIs recomputed from it."""
    from planner.domain.wear import wear_cost_from_schedule

    h = scenario.step_hours
    grid = scenario.grid
    terms: dict[tuple[str, str], float] = {}
    shortfalls: list[dict[str, Any]] = []
    for b in scenario.batteries:
        c = schedule[f"{b.name}_charge_kw"].to_numpy()
        d = schedule[f"{b.name}_discharge_kw"].to_numpy()
        soc = schedule[f"{b.name}_soc_kwh"].to_numpy()
        terms[(wear_block_name("battery", b.name), "degradation_cost")] = wear_cost_from_schedule(
            b, c, d, h, [(0, np.concatenate([[b.soc_kwh], soc]))])
        short = max(0.0, b.end_soc_min_kwh - float(soc[-1]))
        terms[(b.name, "shortfall_penalty")] = scenario.shortfall_penalty_per_kwh * short
        shortfalls.append({"asset": b.name, "kind": "battery_end_floor", "target_kwh": float(b.end_soc_min_kwh),
                           "soc_kwh": float(soc[-1]), "shortfall_kwh": short})
    for v in scenario.vehicles:
        c = schedule[f"{v.name}_charge_kw"].to_numpy()
        d = schedule[f"{v.name}_discharge_kw"].to_numpy()
        trajectories = []
        penalty = v.shortfall_penalty_per_kwh if v.shortfall_penalty_per_kwh is not None else scenario.shortfall_penalty_per_kwh
        total_short = 0.0
        for j, s in enumerate(v.sessions):
            target, first, last, inside = session_target(grid, s)
            traj = s.arrive_soc_kwh + np.cumsum(v.eta_charge * c[first:last] * h - d[first:last] * h / v.eta_discharge)
            trajectories.append((first, np.concatenate([[s.arrive_soc_kwh], traj])))
            final = float(traj[-1]) if len(traj) else s.arrive_soc_kwh
            short = max(0.0, target - final)
            short = short if short > 1e-6 else 0.0
            total_short += short
            shortfalls.append({
                "asset": v.name, "kind": "vehicle_session", "session": j,
                "arrive": s.arrive.tz_convert(grid.timezone), "depart": s.depart.tz_convert(grid.timezone),
                "departs_in_horizon": inside, "target_kwh": float(target),
                "requested_kwh": float(s.depart_soc_min_kwh), "soc_kwh": final, "shortfall_kwh": short,
            })
        terms[(wear_block_name("vehicle", v.name), "degradation_cost")] = wear_cost_from_schedule(v, c, d, h, trajectories)
        terms[(v.name, "shortfall_penalty")] = penalty * total_short
    unserved = schedule["unserved_load_kw"].to_numpy()
    terms[("load", "unserved_load_penalty")] = scenario.shortfall_penalty_per_kwh * float(unserved.sum() * h)
    for asset, value in end_value_costs(scenario.batteries, scenario.vehicles,
                                        scenario.tariff.import_price_per_kwh, shortfalls).items():
        terms[(asset, "end_value")] = value
    costs = compute_costs(scenario, schedule, terms)
    return Plan(
        scenario_name=scenario.name, currency=scenario.currency, schedule=schedule, costs=costs,
        status="executed", shortfalls=shortfalls, kpis=compute_kpis(scenario, schedule),
    )


# ================================================================================================
# The simulation
# ================================================================================================
@dataclass
class SimulationResult:
    """Outcome of :func:`simulate`.

    Attributes
    ----------
    days : pandas.DataFrame
        One row per committed day (index = local date): every cost term [currency], energies [kWh],
        ``unmet_departure_kwh`` (energy short of real departure targets), ``drive_deficit_kwh``, the start
        and end SoC of every storage asset [kWh], decision status and time [s], and ``reused_model`` (the
        decision re-solved a persistent model kept from an earlier day of the same shape).
    schedule : pandas.DataFrame
        The executed schedule of the whole period, one row per step (local time index).
    totals : dict
        Sum of every numeric column of ``days`` (costs, energies) over the period.
    strategy, forecast, tariff : str
        What was simulated.
    planned_wear : str
        The wear model the strategy planned with (``scenario``: the one the simulation charges;
        ``throughput``; ``cycle_depth``; ``none`` for a heuristic, which does not plan with wear).
    plans : list of (Scenario, Plan)
        The truth scenario and executed plan of every day (only with ``keep_plans=True``).
    wall_seconds : float
        Time the simulation took [s].
    """

    days: pd.DataFrame
    schedule: pd.DataFrame
    totals: dict[str, float]
    strategy: str
    forecast: str
    tariff: str
    plans: list[tuple[Scenario, Plan]] = field(default_factory=list)
    wall_seconds: float = 0.0
    planned_wear: str = "none"

    @property
    def reused_days(self) -> int:
        """Days whose decision re-solved a kept persistent model (the others built their model)."""
        return int(self.days["reused_model"].sum()) if "reused_model" in self.days else 0

    @property
    def net_cost(self) -> float:
        """Import cost - export revenue + standing and demand charges + wear + the value of the stored
        energy lost over the period (``end_energy_value``, :func:`end_energy_terms`) [currency]; no
        penalties. The daily rows' ``net_cost`` leaves the end-energy term out."""
        return float(self.totals["net_cost"])


def _wall(day: pd.Timestamp, hhmm: str) -> pd.Timestamp:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return day + pd.Timedelta(hours=hours, minutes=minutes)


def _localize(naive: pd.Timestamp, tz: str) -> pd.Timestamp:
    """A naive local wall-clock time as UTC (a missing spring-forward time moves forward, a repeated one takes
    its first occurrence)."""
    return pd.Timestamp(naive).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def decision_times(start: str | pd.Timestamp, days: int, decision_time: str, timezone: str) -> list[pd.Timestamp]:
    """The ``days + 1`` decision times (UTC) starting on local date ``start`` at ``decision_time``."""
    first = pd.Timestamp(str(pd.Timestamp(start).date()))
    return [_localize(_wall(first + pd.Timedelta(days=k), decision_time), timezone) for k in range(days + 1)]


def _normalise_sessions(site: Site, step: pd.Timedelta) -> dict[str, list[TripSession]]:
    """Sorted sessions, none sharing a step with the previous one (a plug-in inside the step of the previous
    plug-out moves to the next step boundary; a session left empty is dropped, its driving carried on)."""
    out: dict[str, list[TripSession]] = {}
    origin = site.index[0]
    for v in site.template.vehicles:
        kept: list[TripSession] = []
        carry = 0.0
        for s in sorted(site.sessions.get(v.name, ()), key=lambda s: s.arrive):
            arrive = pd.Timestamp(s.arrive).tz_convert("UTC")
            depart = pd.Timestamp(s.depart).tz_convert("UTC")
            if kept:
                prev_end = kept[-1].depart
                boundary = origin + math.ceil((prev_end - origin) / step) * step
                if arrive < boundary:
                    arrive = boundary
            if depart <= arrive:
                carry += s.drive_kwh or 0.0
                continue
            drive = None if s.drive_kwh is None else s.drive_kwh + carry
            carry = 0.0
            kept.append(replace(s, arrive=arrive, depart=depart, drive_kwh=drive))
        out[v.name] = kept
    return out


def simulate(
    site: Site,
    prices: SitePrices | str,
    strategy: Strategy | str = "optimal",
    *,
    start: str | pd.Timestamp,
    days: int,
    forecast: Forecast | str = "realistic",
    decision_time: str = "00:00",
    horizon_hours: float = 36.0,
    replan_every_minutes: int | None = None,
    keep_plans: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Roll a strategy through ``days`` local days of a site's true data.

    Parameters
    ----------
    site : Site
        Equipment and true series (with at least 7 days of history before ``start`` for the realistic
        forecast, and ``horizon_hours`` after the last day where available: a horizon is cut at the end of
        the data).
    prices : SitePrices or str
        True prices, or a scheme name for :func:`prices_from_scheme`.
    strategy : Strategy or str
        A strategy object or a name of :data:`planner.jobs.simulate.strategies.STRATEGIES`.
    start : date-like
        First local day simulated.
    days : int
        Number of local days (each from one decision time to the next: 23, 24 or 25 hours).
    forecast : Forecast or str
        ``"realistic"`` (default), ``"perfect"``, or a :class:`Forecast`.
    decision_time : str
        Local wall-clock time of the daily decision (``"HH:MM"``).
    horizon_hours : float
        Planning horizon [h], at least the committed day.
    replan_every_minutes : int or None
        Intraday re-planning: plan again from the true state every this many minutes (a multiple of the
        site's step), with the prices and forecasts known then; each plan is committed until the next.
        None (default): one decision per day at ``decision_time``. Costs are still accounted per day.
    keep_plans : bool
        Keep every day's truth scenario and executed plan in the result.
    progress : callable or None
        Called with the number of days done after each day.

    Returns
    -------
    SimulationResult
        Daily costs and states, the executed schedule and totals; every day's plan has passed ``verify``.
    """
    from planner.jobs.simulate.strategies import get_strategy

    t_wall = time.perf_counter()
    if isinstance(prices, str):
        prices = prices_from_scheme(site, prices)
    if isinstance(strategy, str):
        strategy = get_strategy(strategy)
    if isinstance(forecast, str):
        if forecast not in FORECASTS:
            raise ScenarioError(f"forecast {forecast!r}: expected one of {sorted(FORECASTS)}")
        forecast = FORECASTS[forecast]()
    if days < 1:
        raise ScenarioError(f"days must be >= 1 (got {days})")
    if replan_every_minutes is not None and (
        isinstance(replan_every_minutes, bool) or not isinstance(replan_every_minutes, int)
        or replan_every_minutes < site.step_minutes or replan_every_minutes % site.step_minutes
    ):
        raise ScenarioError(f"replan_every_minutes: {replan_every_minutes!r} - expected a whole multiple of the "
                            f"site's {site.step_minutes}-minute step")
    template = site.template
    tz = template.grid.timezone
    step_min = site.step_minutes
    step = pd.Timedelta(minutes=step_min)
    times = decision_times(start, days, decision_time, tz)
    if times[-1] > site.index[-1] + step:
        raise ScenarioError(f"the site's series end at {site.index[-1] + step}, before the last day ends ({times[-1]})")
    sessions = _normalise_sessions(site, step)
    bat_soc = {b.name: float(b.soc_kwh) for b in template.batteries}
    veh_soc: dict[str, float] = {}
    for v in template.vehicles:
        first = sessions[v.name][0] if sessions[v.name] else None
        default = first.depart_soc_min_kwh if first is not None else v.soc_min_kwh
        veh_soc[v.name] = float(site.vehicle_start_soc_kwh.get(v.name, default))
    horizon_steps = int(round(horizon_hours * 60 / step_min))
    start_state = {**bat_soc, **veh_soc}
    period_price = prices.import_price_per_kwh[site.position(times[0]):site.position(times[-1])]
    end_rates = {spec.name: end_value_rate_per_kwh(spec, period_price)
                 for spec in list(template.batteries) + list(template.vehicles)}
    rows: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    plans: list[tuple[Scenario, Plan]] = []
    for k in range(days):
        t0, t1 = times[k], times[k + 1]
        i0 = site.position(t0)
        n_commit = site.position(t1) - i0
        last_day = k == days - 1
        day_start = {**bat_soc, **veh_soc}
        cuts = _replan_times(t0, t1, replan_every_minutes)
        parts = []
        decide_seconds = 0.0
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            part = _decide_and_execute(
                site, prices, strategy, forecast, sessions, bat_soc, veh_soc, a, b,
                plan_to_end=last_day and b == t1, horizon_steps=horizon_steps, end_rates=end_rates,
                whole_day=len(cuts) == 2)
            parts.append(part)
            decide_seconds += part.decision.solve_seconds
            bat_soc, veh_soc = dict(part.battery_end), dict(part.vehicle_end)
        decision = parts[0].decision
        bat_end, veh_end = bat_soc, veh_soc
        bat_soc = {b.name: day_start[b.name] for b in template.batteries}
        veh_soc = {v.name: day_start[v.name] for v in template.vehicles}
        deficit = {v.name: sum(p.deficit[v.name] for p in parts) for v in template.vehicles}
        pieces = _day_pieces(template, sessions, t0, t1)
        if len(parts) == 1:
            truth, day_plan = parts[0].truth, parts[0].plan
        else:  # one truth day from the parts, so wear and targets are counted as in daily planning
            _arrivals_from_parts(pieces, parts, veh_soc)
            sl = slice(i0, i0 + n_commit)
            tariff = TariffSpec(prices.import_price_per_kwh[sl].copy(), prices.export_price_per_kwh[sl].copy(),
                                prices.standing_charge_per_day)
            truth = _truth_scenario(template, TimeGrid(t0, step_min, n_commit, tz), site.load_kw[sl],
                                    site.solar_kw[sl], tariff, bat_soc, pieces)
            schedule = pd.concat([p.plan.schedule for p in parts])
            day_plan = _plan_of(truth, schedule)
            verify(truth, day_plan)
        row: dict[str, Any] = {"date": t0.tz_convert(tz).date(), "start": t0, "steps": n_commit}
        row.update({k2: v2 for k2, v2 in day_plan.costs.items()})
        row["demand_charge"] = row.get("demand_charge", 0.0)
        row["net_cost"] = (row["import_cost"] - row["export_revenue"] + row["standing_charge"]
                           + row["demand_charge"] + row["degradation_cost"])
        row.update(day_plan.kpis)
        row["unmet_departure_kwh"] = float(sum(
            s["shortfall_kwh"] for s in day_plan.shortfalls if s["kind"] == "vehicle_session"
            and s["departs_in_horizon"] and _is_real(pieces, s)))
        row["drive_deficit_kwh"] = float(sum(deficit.values()))
        row["drive_kwh"] = float(sum(p.drive_kwh or 0.0 for p in pieces if not p.ongoing))
        for name, soc in bat_soc.items():
            row[f"{name}_start_soc_kwh"] = soc
            row[f"{name}_end_soc_kwh"] = bat_end[name]
        for name, soc in veh_soc.items():
            row[f"{name}_start_soc_kwh"] = soc
            row[f"{name}_end_soc_kwh"] = veh_end[name]
        row["status"] = decision.status
        row["decide_seconds"] = decide_seconds
        row["decisions"] = len(parts)
        row["mode_changes"] = _mode_changes(template, day_plan.schedule)
        row["reused_model"] = bool(decision.reused_model)
        rows.append(row)
        frames.append(day_plan.schedule)
        if keep_plans:
            plans.append((truth, day_plan))
        bat_soc, veh_soc = dict(bat_end), dict(veh_end)
        if progress is not None:
            progress(k + 1)
    table = pd.DataFrame(rows).set_index("date")
    numeric = table.select_dtypes(include=[np.number]).drop(columns=["steps"], errors="ignore")
    skip = [c for c in numeric.columns if c.endswith("_soc_kwh") or c in ("peak_import_kw",)]
    totals = {c: float(numeric[c].sum()) for c in numeric.columns if c not in skip}
    totals["peak_import_kw"] = float(table["peak_import_kw"].max())
    end_state = {**bat_soc, **veh_soc}
    totals.update(end_energy_terms(template, start_state, end_state, end_rates))
    totals["net_cost"] = totals["net_cost"] + totals["end_energy_value"]
    schedule = pd.concat(frames)
    schedule.index = schedule.index.tz_convert(tz)
    return SimulationResult(
        days=table, schedule=schedule, totals=totals, strategy=getattr(strategy, "name", str(strategy)),
        forecast=forecast.name, tariff=prices.name, plans=plans, wall_seconds=time.perf_counter() - t_wall,
        planned_wear=str(getattr(strategy, "wear", "none")),
    )


@dataclass
class _Part:
    """One committed interval: its decision, truth scenario, executed plan and end states."""

    decision: Decision
    truth: Scenario
    plan: Plan
    pieces: list[_Piece]
    battery_end: dict[str, float]
    vehicle_end: dict[str, float]
    deficit: dict[str, float]


def _replan_times(t0: pd.Timestamp, t1: pd.Timestamp, every_minutes: int | None) -> list[pd.Timestamp]:
    """``[t0, t0 + every, ..., t1]`` (just ``[t0, t1]`` without intraday re-planning)."""
    if every_minutes is None:
        return [t0, t1]
    step = pd.Timedelta(minutes=int(every_minutes))
    cuts = [t0]
    while cuts[-1] + step < t1:
        cuts.append(cuts[-1] + step)
    return [*cuts, t1]


def _decide_and_execute(
    site: Site, prices: SitePrices, strategy: Strategy, forecast: Forecast,
    sessions: Mapping[str, Sequence[TripSession]], bat_soc: Mapping[str, float], veh_soc: Mapping[str, float],
    t0: pd.Timestamp, t1: pd.Timestamp, *, plan_to_end: bool, horizon_steps: int, end_rates: Mapping[str, float],
    whole_day: bool,
) -> _Part:
    """Plan at ``t0`` from the true state with what is known then, and execute until ``t1``.

    With ``plan_to_end`` (the period's last interval) the plan ends at ``t1`` and values stored energy at the
    accounting's ``end_rates``; otherwise it looks ``horizon_steps`` ahead with the default terminal value.
    """
    template = site.template
    tz = template.grid.timezone
    step_min = site.step_minutes
    i0 = site.position(t0)
    n_commit = site.position(t1) - i0
    n_plan = n_commit if plan_to_end else max(n_commit, min(horizon_steps, len(site.index) - i0))
    plan_grid = TimeGrid(t0, step_min, n_plan, tz)
    load_f, solar_f, imp_f, exp_f = forecast.series(site, prices, i0, n_plan, t0)
    plan_vehicles = [
        replace(v, sessions=_plan_sessions(v, sessions[v.name], t0, plan_grid.end, veh_soc[v.name], forecast),
                end_value_per_kwh=end_rates[v.name] if plan_to_end else v.end_value_per_kwh)
        for v in template.vehicles
    ]
    plan_batteries = tuple(  # no end floor above the reserve: the terminal value prices the end state
        replace(b, soc_kwh=bat_soc[b.name], end_soc_min_kwh=min(b.soc_min_kwh, bat_soc[b.name]),
                end_value_per_kwh=end_rates[b.name] if plan_to_end else b.end_value_per_kwh)
        for b in template.batteries
    )
    planning = replace(
        template, grid=plan_grid, tariff=TariffSpec(imp_f, exp_f, 0.0), load_kw=load_f, solar_kw=solar_f,
        batteries=plan_batteries, vehicles=tuple(plan_vehicles), notes=(),
    )
    t_dec = time.perf_counter()
    decision = strategy.decide(planning)
    decision.solve_seconds = time.perf_counter() - t_dec
    grid = TimeGrid(t0, step_min, n_commit, tz)
    sl = slice(i0, i0 + n_commit)
    standing = prices.standing_charge_per_day * (1.0 if whole_day else n_commit * step_min / 1440.0)
    tariff = TariffSpec(prices.import_price_per_kwh[sl].copy(), prices.export_price_per_kwh[sl].copy(), standing)
    pieces = _day_pieces(template, sessions, t0, t1)
    truth, plan, bat_end, veh_end, deficit = execute_day(
        template, grid, site.load_kw[sl], site.solar_kw[sl], tariff, bat_soc, veh_soc, pieces, decision)
    return _Part(decision, truth, plan, pieces, bat_end, veh_end, deficit)


def _arrivals_from_parts(pieces: list[_Piece], parts: Sequence[_Part], day_start_soc: Mapping[str, float]) -> None:
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


def _mode_changes(template: Scenario, schedule: pd.DataFrame) -> int:
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


def _is_real(pieces: Sequence[_Piece], shortfall: Mapping[str, Any]) -> bool:
    for p in pieces:
        if p.real_departure and p.depart == pd.Timestamp(shortfall["depart"]).tz_convert("UTC"):
            return True
    return False


def _day_pieces(
    template: Scenario, sessions: Mapping[str, Sequence[TripSession]], t0: pd.Timestamp, t1: pd.Timestamp
) -> list[_Piece]:
    pieces = []
    for v in template.vehicles:
        for j, s in enumerate(sessions[v.name]):
            if s.depart <= t0 or s.arrive >= t1:
                continue
            pieces.append(_Piece(
                vehicle=v.name, session=j, arrive=max(s.arrive, t0), depart=min(s.depart, t1),
                target_kwh=min(s.depart_soc_min_kwh, v.soc_max_kwh), real_departure=s.depart <= t1,
                ongoing=s.arrive < t0, drive_kwh=s.drive_kwh, fixed_arrive_soc_kwh=s.arrive_soc_kwh,
            ))
    return pieces


def _plan_sessions(
    v: VehicleSpec,
    sessions: Sequence[TripSession],
    t0: pd.Timestamp,
    t_end: pd.Timestamp,
    soc_now: float,
    forecast: Forecast,
) -> tuple[SessionSpec, ...]:
    """Sessions the controller plans for: the ongoing one from now with the true SoC; later ones with the
    forecast arrival SoC (previous target minus the expected driving energy)."""
    rows: list[list[Any]] = []  # [arrive, depart, target, drive before (None: fixed arrival SoC), fixed SoC]
    past: list[float] = [s.drive_kwh for s in sessions if s.arrive < t0 and s.drive_kwh is not None]
    for s in sessions:
        if s.depart <= t0:
            continue
        if s.arrive >= t_end:
            break
        target = min(s.depart_soc_min_kwh, v.soc_max_kwh)
        if s.arrive < t0:
            rows.append([t0, s.depart, target, None, soc_now])
        elif s.drive_kwh is None:
            rows.append([s.arrive, s.depart, target, None, float(s.arrive_soc_kwh)])
        else:
            rows.append([s.arrive, s.depart, target, forecast.drive_kwh(past, s.drive_kwh), None])
    # a session whose target cannot be reached from the arrival the previous target implies raises that
    # target (what a controller told "47 kWh at 16:23" does at the earlier plug-in)
    for j in range(len(rows) - 2, -1, -1):
        arrive, depart, target, drive, _ = rows[j + 1]
        if drive is None or depart > t_end:
            continue
        hours = (depart - arrive).total_seconds() / 3600.0
        reach_kwh = v.charge_max_kw * hours * v.eta_charge
        needed = min(target - reach_kwh + drive, v.soc_max_kwh)
        rows[j][2] = max(rows[j][2], needed)
    out: list[SessionSpec] = []
    expected_departure = soc_now
    for arrive, depart, target, drive, fixed in rows:
        arrive_soc = fixed if drive is None else expected_departure - drive
        arrive_soc = min(max(arrive_soc, v.soc_min_kwh), v.soc_max_kwh)
        out.append(SessionSpec(arrive, depart, arrive_soc, target))
        expected_departure = max(target, arrive_soc)
    return tuple(out)


__all__ = [
    "Decision",
    "Forecast",
    "PerfectForesight",
    "PricePublication",
    "RealisticForecast",
    "SimulationResult",
    "Site",
    "SitePrices",
    "TripSession",
    "decision_times",
    "execute_day",
    "prices_from_scheme",
    "simulate",
]
