"""Rolling-horizon simulation: plan with the information available at each decision time, commit it, carry the
state.

Once per local day at ``decision_time`` (or every ``replan_every_minutes``), the controller forecasts the
next ``horizon_hours`` (load, solar, prices, vehicle sessions), asks a strategy
(:mod:`planner.jobs.simulate.strategies`) for a plan, and commits it until the next decision. The committed
plan is executed against the true series by the home-controller policy
(:mod:`planner.jobs.simulate.execution`, :mod:`planner.jobs.simulate.controller`); each executed day is a
:class:`~planner.results.plan.Plan` on a *truth* scenario of that day and passes :func:`planner.verify.verify`;
its true end state starts the next day.

Units: power [kW] (mean over a step), energy [kWh], prices [currency/kWh], costs [currency, + = paid].
Timestamps are tz-aware (UTC inside, local time only for decision times and tariff windows).

Vehicle driving: a :class:`~planner.jobs.simulate.site.TripSession` either states the energy driven since
the previous departure (``drive_kwh``) or a fixed ``arrive_soc_kwh``. An arrival that would fall below
``soc_min_kwh`` is raised to it and the missing energy is reported as ``drive_deficit_kwh``.

Truth day scenarios cut sessions at the day's edges: a session continuing past the end of the day has its
departure target replaced by ``soc_min_kwh`` there (its real target is checked on the day it departs). Wear
is priced per day by the truth scenario's wear model. ``docs/simulation.md`` has the whole account.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.end_value import end_value_rate_per_kwh
from planner.errors import ScenarioError
from planner.inputs.specs import Scenario
from planner.inputs.tariffs.spec import TariffSpec
from planner.jobs.simulate.days import (
    arrivals_from_parts,
    day_pieces,
    decide_and_execute,
    end_energy_terms,
    is_real,
    mode_changes,
    replan_times,
)
from planner.jobs.simulate.execution import Strategy, plan_of, truth_scenario, verify_executed
from planner.jobs.simulate.forecasts import FORECASTS, Forecast
from planner.jobs.simulate.site import (
    Site,
    SitePrices,
    TripSession,
    localize,
    prices_from_scheme,
    wall_time,
)
from planner.jobs.simulate.strategies import get_strategy
from planner.jobs.simulate.wear_account import carried_depths, part_arrivals, period_wear
from planner.results.plan import Plan
from planner.solve.plan_options import PlanOptions
from planner.timegrid import TimeGrid


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
    v2g: bool = False
    """Whether the strategy may discharge a car into the site or the grid."""

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




def decision_times(start: str | pd.Timestamp, days: int, decision_time: str, timezone: str) -> list[pd.Timestamp]:
    """The ``days + 1`` decision times (UTC) starting on local date ``start`` at ``decision_time``."""
    first = pd.Timestamp(str(pd.Timestamp(start).date()))
    return [localize(wall_time(first + pd.Timedelta(days=k), decision_time), timezone) for k in range(days + 1)]


def normalise_sessions(site: Site, step: pd.Timedelta) -> dict[str, list[TripSession]]:
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
    switching_penalty_per_kw: float = 0.0,
    keep_plans: bool = False,
    progress: Callable[[int], None] | None = None,
    plan_options: PlanOptions | None = None,
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
    switching_penalty_per_kw : float
        Plan every storage asset with this ramp penalty [currency per kW of change in net power between
        steps, the first step against the power just executed] (:mod:`planner.domain.ramp`): steadier plans.
        A preference, not money: the accounting leaves it out. 0 (default): none.
    keep_plans : bool
        Keep every day's truth scenario and executed plan in the result.
    progress : callable or None
        Called with the number of days done after each day.
    plan_options : PlanOptions or None
        Plan options of a strategy given by name (time limit, gap, dispatch, threads of every plan).

    Returns
    -------
    SimulationResult
        Daily costs and states, the executed schedule and totals; every day's plan has passed ``verify``.
    """

    t_wall = time.perf_counter()
    if isinstance(prices, str):
        prices = prices_from_scheme(site, prices)
    if isinstance(strategy, str):
        strategy = get_strategy(strategy, plan_options)
    if isinstance(forecast, str):
        if forecast not in FORECASTS:
            raise ScenarioError(f"forecast {forecast!r}: expected one of {sorted(FORECASTS)}")
        forecast = FORECASTS[forecast]()
    if days < 1:
        raise ScenarioError(f"days must be >= 1 (got {days})")
    if isinstance(switching_penalty_per_kw, bool) or not isinstance(switching_penalty_per_kw, int | float) or not (
            0 <= switching_penalty_per_kw < math.inf):
        raise ScenarioError(f"switching_penalty_per_kw: {switching_penalty_per_kw!r} - expected a number >= 0 "
                            "[currency per kW of change]")
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
    sessions = normalise_sessions(site, step)
    bat_soc = {b.name: float(b.soc_kwh) for b in template.batteries}
    veh_soc: dict[str, float] = {}
    for v in template.vehicles:
        first = sessions[v.name][0] if sessions[v.name] else None
        default = first.depart_soc_min_kwh if first is not None else v.soc_min_kwh
        veh_soc[v.name] = float(site.vehicle_start_soc_kwh.get(v.name, default))
    horizon_steps = int(round(horizon_hours * 60 / step_min))
    start_state = {**bat_soc, **veh_soc}
    period_price = prices.import_price_per_kwh[site.position(times[0]):site.position(times[-1])]
    period = slice(site.position(times[0]), site.position(times[-1]))
    end_rates = {b.name: end_value_rate_per_kwh(b, period_price) for b in template.batteries}
    ev_price = prices.ev_prices(period)  # a car's refill price under an EV rate
    end_rates |= {v.name: end_value_rate_per_kwh(v, period_price if ev_price is None else ev_price)
                  for v in template.vehicles}
    rows: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    depths: dict[str, float] = {}  # open cycle depth of every asset [kWh], the cycle-depth wear's state
    last_net: dict[str, float] = {}  # net power of every asset in the last executed step [kW, + = charging]
    arrivals: dict[str, list[tuple[pd.Timestamp, float]]] = {v.name: [] for v in template.vehicles}
    plans: list[tuple[Scenario, Plan]] = []
    for k in range(days):
        t0, t1 = times[k], times[k + 1]
        i0 = site.position(t0)
        n_commit = site.position(t1) - i0
        last_day = k == days - 1
        day_start = {**bat_soc, **veh_soc}
        cuts = replan_times(t0, t1, replan_every_minutes)
        parts = []
        decide_seconds = 0.0
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            part = decide_and_execute(
                site, prices, strategy, forecast, sessions, bat_soc, veh_soc, a, b,
                plan_to_end=last_day and b == t1, horizon_steps=horizon_steps, end_rates=end_rates,
                whole_day=len(cuts) == 2, depths=depths, switching_penalty_per_kw=switching_penalty_per_kw,
                last_net_kw=last_net)
            parts.append(part)
            decide_seconds += part.decision.solve_seconds
            depths = carried_depths(template, part.plan.schedule, {**bat_soc, **veh_soc}, part.pieces, depths, step)
            for v in template.vehicles:
                arrivals[v.name] += part_arrivals(part.pieces, v.name)
            final = part.plan.schedule.iloc[-1]
            last_net = {spec.name: float(final[f"{spec.name}_charge_kw"] - final[f"{spec.name}_discharge_kw"])
                        for spec in list(template.batteries) + list(template.vehicles)}
            bat_soc, veh_soc = dict(part.battery_end), dict(part.vehicle_end)
        decision = parts[0].decision
        bat_end, veh_end = bat_soc, veh_soc
        bat_soc = {b.name: day_start[b.name] for b in template.batteries}
        veh_soc = {v.name: day_start[v.name] for v in template.vehicles}
        deficit = {v.name: sum(p.deficit[v.name] for p in parts) for v in template.vehicles}
        pieces = day_pieces(template, sessions, t0, t1)
        if len(parts) == 1:
            truth, day_plan = parts[0].truth, parts[0].plan
        else:  # one truth day from the parts, so wear and targets are counted as in daily planning
            arrivals_from_parts(pieces, parts, veh_soc)
            sl = slice(i0, i0 + n_commit)
            tariff = TariffSpec(prices.import_price_per_kwh[sl].copy(), prices.export_price_per_kwh[sl].copy(),
                                prices.standing_cost(sl, step_min, True), ev_charge_price_per_kwh=prices.ev_prices(sl))
            truth = truth_scenario(template, TimeGrid(t0, step_min, n_commit, tz), site.load_kw[sl],
                                    site.solar_kw[sl], tariff, bat_soc, pieces)
            schedule = pd.concat([p.plan.schedule for p in parts])
            day_plan = plan_of(truth, schedule)
            verify_executed(truth, day_plan)
        row: dict[str, Any] = {"date": t0.tz_convert(tz).date(), "start": t0, "steps": n_commit}
        row.update({k2: v2 for k2, v2 in day_plan.costs.items()})
        row["demand_charge"] = row.get("demand_charge", 0.0)
        row["grid_service_revenue"] = row.get("grid_service_revenue", 0.0)  # the capacity the day held
        row["ev_charge_credit"] = row.get("ev_charge_credit", 0.0)  # a separate EV rate's credit
        row["net_cost"] = (row["import_cost"] - row["export_revenue"] - row["grid_service_revenue"]
                           - row["ev_charge_credit"] + row["standing_charge"] + row["demand_charge"]
                           + row["degradation_cost"])
        row.update(day_plan.kpis)
        row["unmet_departure_kwh"] = float(sum(
            s["shortfall_kwh"] for s in day_plan.shortfalls if s["kind"] == "vehicle_session"
            and s["departs_in_horizon"] and is_real(pieces, s)))
        row["drive_deficit_kwh"] = float(sum(deficit.values()))
        row["drive_kwh"] = float(sum(p.driven_kwh for part in parts for p in part.pieces if not p.ongoing))
        for name, soc in bat_soc.items():
            row[f"{name}_start_soc_kwh"] = soc
            row[f"{name}_end_soc_kwh"] = bat_end[name]
        for name, soc in veh_soc.items():
            row[f"{name}_start_soc_kwh"] = soc
            row[f"{name}_end_soc_kwh"] = veh_end[name]
        row["status"] = decision.status
        row["decide_seconds"] = decide_seconds
        row["decisions"] = len(parts)
        row["mode_changes"] = mode_changes(template, day_plan.schedule)
        row["reused_model"] = bool(decision.reused_model)
        rows.append(row)
        frames.append(day_plan.schedule)
        if keep_plans:
            plans.append((truth, day_plan))
        bat_soc, veh_soc = dict(bat_end), dict(veh_end)
        if progress is not None:
            progress(k + 1)
    utc_schedule = pd.concat(frames)
    wear, wear_checks = period_wear(template, utc_schedule, start_state, arrivals, times[:-1], step)
    for r, (_, w) in zip(rows, wear.iterrows(), strict=True):  # the continuous-trajectory wear is charged
        r.update(w.to_dict())
        r["net_cost"] += r["wear_cost"] - r["degradation_cost"]
    table = pd.DataFrame(rows).set_index("date")
    numeric = table.select_dtypes(include=[np.number]).drop(columns=["steps"], errors="ignore")
    skip = [c for c in numeric.columns if c.endswith("_soc_kwh") or c in ("peak_import_kw",)]
    totals = {c: float(numeric[c].sum()) for c in numeric.columns if c not in skip}
    totals["peak_import_kw"] = float(table["peak_import_kw"].max())
    end_state = {**bat_soc, **veh_soc}
    totals.update(end_energy_terms(template, start_state, end_state, end_rates))
    totals.update(wear_checks)
    totals["net_cost"] = totals["net_cost"] + totals["end_energy_value"]
    schedule = utc_schedule
    schedule.index = schedule.index.tz_convert(tz)
    return SimulationResult(
        days=table, schedule=schedule, totals=totals, strategy=getattr(strategy, "name", str(strategy)),
        forecast=forecast.name, tariff=prices.name, plans=plans, wall_seconds=time.perf_counter() - t_wall,
        planned_wear=str(getattr(strategy, "wear", "none")), v2g=bool(getattr(strategy, "v2g", False)),
    )
