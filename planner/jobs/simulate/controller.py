"""How a home controller executes a plan against the real day: the policy every strategy is executed by.

A real inverter and charger do not replay kW setpoints blindly; they hold targets and take care of what
the forecast got wrong. The simulation executes every strategy's plan with the same rules:

**Vehicles (``track`` mode)** follow the plan's charging *increments*, not its absolute SoC. A car that
arrives with less energy than the plan assumed makes the difference up in the cheapest steps of the
session that still have charger headroom (by the decision's import prices), then by skipping planned V2G
discharge; one that arrives with more skips planned charging in the dearest steps first. "The session" is
all of it that the decision's horizon covers, not only the interval executed before the next decision: a car
that comes home short in the evening of a night-rate tariff waits for the night, since the next decision
(from its true SoC) plans that night anyway (:func:`catch_up_over_session`). The ready-by
guarantee stays: when the remaining steps at full power are just enough for the departure target, the car
charges at full power. ``on_arrival`` mode charges at full power from plug-in to the target.

**Home batteries (``setpoint`` mode)** hold the plan's grid exchange. With ``surprise_kw`` the site's
demand above the one the plan expected (true load - true solar + true vehicle power, minus the same from
the plan), a battery's net power (charge - discharge) is ``planned - surprise_kw``, within its limits:

- *less demand than planned* (more sun, less load): while the site still imports, the import simply falls
  (the battery keeps to the plan: buying energy the house did not need, to store it, would be a loss on a
  flat tariff); what would otherwise be exported the battery takes (charging more or discharging less),
  unless exporting pays at least the import price;
- *more demand than planned*: the battery covers it (charging less or discharging more), except in a step
  where the plan charges the battery from the grid, i.e. imports more than the site's own planned demand
  (a cheap window: importing there is what the plan wanted anyway). A charge the plan meant from forecast
  solar is cut when the sun does not come, even in a step where the plan imports for the load.

**Export of stored energy**: in a step where the plan exports nothing, no battery or car discharge is
exported: a car discharges at most the site's true demand there, and battery discharge beyond what the
site uses is cut before solar is curtailed.

``self_consumption`` mode (the heuristics' battery) is the same rule with a plan of zero battery power and
zero expected demand: charge from the surplus, cover the deficit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.timegrid import TimeGrid

TOL_KWH = 1e-6


def catch_up_over_session(
    grid: TimeGrid, arrive: pd.Timestamp, depart: pd.Timestamp, plan_c: np.ndarray, plan_d: np.ndarray,
    price: np.ndarray, offset_kwh: float, charge_max_kw: float, eta_charge: float, eta_discharge: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`catch_up_profile` over a session ``[arrive, depart)`` as far as the decision's arrays reach
    (``plan_c``, ``plan_d``, ``price`` per step from ``grid.start``, possibly beyond the executed ``grid``);
    charge and discharge [kW] for the steps of ``grid``."""
    n_plan = min(len(plan_c), len(plan_d), len(price))
    horizon = TimeGrid(grid.start, grid.step_minutes, max(n_plan, grid.steps), grid.timezone)
    frac = horizon.coverage(arrive, depart)[:n_plan]
    steps = np.flatnonzero(frac > 0)
    c, d = catch_up_profile(steps, frac, np.asarray(plan_c[:n_plan], dtype=float),
                            np.asarray(plan_d[:n_plan], dtype=float), np.asarray(price[:n_plan], dtype=float),
                            offset_kwh, charge_max_kw, eta_charge, eta_discharge, grid.step_hours)
    return c[:grid.steps], d[:grid.steps]


def catch_up_profile(
    steps: np.ndarray,
    frac: np.ndarray,
    plan_c: np.ndarray,
    plan_d: np.ndarray,
    price: np.ndarray,
    offset_kwh: float,
    charge_max_kw: float,
    eta_charge: float,
    eta_discharge: float,
    h: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Charge and discharge [kW] over a session's ``steps`` for a car ``offset_kwh`` above (+) or below (-)
    the SoC the plan expected on arrival (module docstring).

    ``plan_c``, ``plan_d`` and ``price`` are full-horizon arrays; the result is too (0 outside ``steps``).
    """
    n = len(plan_c)
    c = np.zeros(n)
    d = np.zeros(n)
    c[steps] = plan_c[steps]
    d[steps] = plan_d[steps]
    if offset_kwh < -TOL_KWH:
        need = -offset_kwh
        for t in steps[np.lexsort((steps, price[steps]))]:  # cheapest first, ties to the earlier step
            if need <= TOL_KWH:
                break
            if d[t] > 0:
                continue
            spare = max(0.0, charge_max_kw * frac[t] - c[t])
            add = min(spare, need / (eta_charge * h))
            c[t] += add
            need -= add * eta_charge * h
        for t in steps[np.lexsort((steps, price[steps]))]:  # then skip the least valuable discharges
            if need <= TOL_KWH:
                break
            cut = min(d[t], need * eta_discharge / h)
            d[t] -= cut
            need -= cut * h / eta_discharge
    elif offset_kwh > TOL_KWH:
        spare_kwh = offset_kwh
        for t in steps[np.lexsort((-steps, -price[steps]))]:  # dearest first, ties to the later step
            if spare_kwh <= TOL_KWH:
                break
            cut = min(c[t], spare_kwh / (eta_charge * h))
            c[t] -= cut
            spare_kwh -= cut * eta_charge * h
    return c, d


def planned_soc_before(plan_soc: np.ndarray, plan_c: np.ndarray, plan_d: np.ndarray, t: int,
                       eta_charge: float, eta_discharge: float, h: float) -> float:
    """The plan's SoC at the start of step ``t`` [kWh] (NaN when the plan has none)."""
    if t >= len(plan_soc) or not math.isfinite(float(plan_soc[t])):
        return math.nan
    return float(plan_soc[t] - eta_charge * plan_c[t] * h + plan_d[t] * h / eta_discharge)


def battery_net_kw(
    planned_net_kw: float,
    surprise_kw: float,
    import_price: float,
    export_price: float,
    planned_grid_charge_kw: float = 0.0,
    planned_grid_kw: float = 0.0,
) -> float:
    """The battery's net power target (charge - discharge) [kW] for one step, before its limits.

    ``planned_grid_charge_kw`` is what the plan imports beyond the site's own planned demand (load - solar +
    vehicles) in the step, see :func:`planned_grid_charge_kw`: a step where the plan charges the battery *from
    the grid* is a cheap window (a charge planned from forecast solar is not, even while the plan imports for
    the load). ``planned_grid_kw`` is the plan's import - export in the step: less demand than planned only
    lowers the import while the site still imports; the battery takes only what would otherwise be exported.
    """
    if surprise_kw < 0:  # less demand than planned
        if export_price >= import_price:
            return planned_net_kw
        new_export_kw = max(0.0, -(planned_grid_kw + surprise_kw))  # export the surprise would cause
        return planned_net_kw + min(-surprise_kw, new_export_kw)
    if planned_net_kw > 0 and planned_grid_charge_kw > 1e-6:  # charging from the grid: import the surprise
        return planned_net_kw
    return planned_net_kw - surprise_kw


def planned_grid_charge_kw(planned_import_kw: float, planned_site_kw: float) -> float:
    """The plan's import beyond its own site demand [kW, >= 0]: ``planned_site_kw`` is the planned load -
    solar + vehicle net charging; what is imported beyond it charges the batteries."""
    return max(0.0, planned_import_kw - max(0.0, planned_site_kw))


def split_net(net_kw: float, charge_max_kw: float, discharge_max_kw: float, room_kw: float,
              avail_kw: float) -> tuple[float, float]:
    """Charge and discharge [kW] for a net target (charge - discharge), within power and energy limits."""
    if net_kw >= 0:
        return min(net_kw, charge_max_kw, room_kw), 0.0
    return 0.0, min(-net_kw, discharge_max_kw, avail_kw)


def discharge_room_kw(spec, kind: str, connection, house_kw: float, vehicles_charge_kw: float = 0.0) -> float:
    """The most a store of ``kind`` may discharge in a step under its flow rules [kW] (``docs/fidelity.md``):
    the household demand solar leaves (``house_kw``) where it may feed the load, plus the cars' charging where it
    may feed cars, and no limit where it may export, unless cars charge that it may not feed: energy beyond
    the house then reaches the cars before the grid."""
    feeds_cars = "vehicle" in spec.discharge_to and kind != "vehicle"
    if "grid" in spec.discharge_to and kind in connection.export_from and (feeds_cars or vehicles_charge_kw <= 1e-9):
        return math.inf
    room = max(0.0, house_kw) if "load" in spec.discharge_to else 0.0
    if feeds_cars:
        room += max(0.0, vehicles_charge_kw)
    return room


def charge_room_kw(spec, kind: str, connection, solar_surplus_kw: float, vehicles_discharge_kw: float = 0.0) -> float:
    """The most a store of ``kind`` may charge in a step under its flow rules [kW]: the solar the load leaves
    where it may take solar, plus the cars' discharge where it may take theirs, and no limit where it may
    import, unless cars discharge that it may not take: they then feed it before the grid does."""
    takes_cars = "vehicle" in spec.charge_from and kind != "vehicle"
    if "grid" in spec.charge_from and kind in connection.import_to and (takes_cars or vehicles_discharge_kw <= 1e-9):
        return math.inf
    room = max(0.0, solar_surplus_kw) if "solar" in spec.charge_from else 0.0
    if takes_cars:
        room += max(0.0, vehicles_discharge_kw)
    return room
