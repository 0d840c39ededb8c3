"""The wear a simulated period is charged: cycle ageing on each pack's continuous SoC trajectory (driving
included) plus calendar ageing, the same for every strategy.

A day's plan sees a day; the pack sees a year. Each storage asset's trajectory over the whole period is a
list of SoC points in time order (:func:`soc_points`): a home battery's SoC at every step boundary; a car's
SoC at the end of every plugged-in step, its SoC on each arrival (after the drive) and, between a departure
and the next arrival, nothing: the drive is one fall from the departure SoC to the arrival SoC.

- **Cycle ageing** (``wear_cycle_<asset>``). For a pack with a cycle-life curve, the segment model the
  planner plans with (:mod:`planner.domain.wear`, Xu et al. 2018) run once along the whole trajectory: every
  fall empties the shallowest segments holding energy, every rise fills the shallowest with room; a kWh
  falling from segment ``j`` costs ``c_j`` per kWh of AC discharge (a drive's DC kWh costs
  ``c_j * eta_discharge``). A V2G discharge right after a drive therefore pays for deepening the drive's
  cycle, as the planner is told (``cycle_depth_kwh``). Without a curve: the throughput rate on every kWh
  charged, discharged and driven.
- **Calendar ageing** (``wear_calendar_<asset>``). For a pack with calendar parameters
  (``calendar_fade_per_year_fraction`` with ``replacement_cost``, or ``cost_per_kwh_hour``): the holding
  cost per kWh-hour above ``calendar_soc_threshold_fraction`` of the usable capacity, integrated exactly
  along the trajectory taken as straight lines between its points (a drive is a straight line from the
  departure SoC to the arrival SoC; the plans' trapezoid differs only in a step that crosses the threshold).
- **Cross-check** (``wear_rainflow_<asset>``, not in the net cost): rainflow counting (ASTM E1049, the
  ``rainflow`` package) of the same trajectory, each cycle of depth ``d`` costing ``replacement_cost *
  Phi(d)`` with ``Phi`` the cycle-life curve, linear between its points, half cycles counted as halves.
- **Exponent sensitivity** (``wear_exponent_<low|high>_<asset>``, not in the net cost): the same rainflow
  count with the curve re-shaped to the cycle-life exponents of :data:`SENSITIVITY_EXPONENTS`, the
  full-depth life kept (:func:`planner.domain.wear_params.life_used_per_cycle_with_exponent`).

Each interval's cost is assigned to the simulated day in which it starts. Units: energy [kWh], money
[currency].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import rainflow

from planner.domain.wear import resolve_wear_model
from planner.domain.wear_costs import cycle_depth_costs, open_depth_kwh
from planner.domain.wear_params import life_used_per_cycle, life_used_per_cycle_with_exponent
from planner.inputs.specs import Scenario

SENSITIVITY_EXPONENTS = {"low": 1.1, "high": 3.0}
"""Cycle-life exponents ``k`` (``N(d) = N(1) d^-k``) of the wear-model sensitivity. Low: 1.1, the lithium-ion
example of 500 cycles at full depth and 3,000 at 20 % (nearly depth-independent wear: every kWh moved ages
the pack about the same). High: 3.0, as far above the catalogue curves' 2.03 (Xu et al., LMO cells) as the
low one is below."""


@dataclass(frozen=True)
class Trajectory:
    """One asset's SoC points over a period: times (UTC), SoC [kWh], and whether each point is an arrival
    (the fall into it is a drive)."""

    times: pd.DatetimeIndex
    soc_kwh: np.ndarray
    arrival: np.ndarray


def soc_points(
    spec: object, schedule: pd.DataFrame, start_soc_kwh: float, arrivals: Sequence[tuple[pd.Timestamp, float]],
    step: pd.Timedelta,
) -> Trajectory:
    """The asset's SoC points over the executed ``schedule`` (UTC step index; ``<name>_soc_kwh`` at the end
    of each step, NaN while a car is away) starting from ``start_soc_kwh``, with a car's ``arrivals``
    ``(time, SoC after the drive)`` [kWh]."""
    name = spec.name
    soc = schedule[f"{name}_soc_kwh"].to_numpy(dtype=float)
    starts = schedule.index.tz_convert("UTC").as_unit("ns").asi8
    ends = starts + step.value
    keep = ~np.isnan(soc)
    times = [starts[:1], ends[keep], np.array([pd.Timestamp(t).value for t, _ in arrivals], dtype=np.int64)]
    values = [[float(start_soc_kwh)], soc[keep], [float(s) for _, s in arrivals]]
    flags = [[False], np.zeros(int(keep.sum()), dtype=bool), np.ones(len(arrivals), dtype=bool)]
    t_all = np.concatenate(times)
    v_all = np.concatenate([np.asarray(v, dtype=float) for v in values])
    f_all = np.concatenate([np.asarray(f, dtype=bool) for f in flags])
    order = np.argsort(t_all, kind="stable")
    t_all, v_all, f_all = t_all[order], v_all[order], f_all[order]
    t_all = np.append(t_all, ends[-1])  # the period's end: the last state held
    v_all = np.append(v_all, v_all[-1])
    f_all = np.append(f_all, False)
    return Trajectory(pd.to_datetime(t_all, unit="ns", utc=True), v_all, f_all)


def _usable_kwh(spec: object) -> float:
    return float(spec.degradation.get("usable_capacity_kwh", spec.capacity_kwh)) if spec.degradation else float(
        spec.capacity_kwh)


def cycle_costs(spec: object, traj: Trajectory, discharge_kwh: float) -> np.ndarray:
    """Cycle-ageing cost of each interval of the trajectory [currency] (see the module docstring);
    ``discharge_kwh`` is the AC energy the asset discharged (V2G or to the home), priced at the shallowest
    segment's rate wherever it was matched by charging in the same step."""
    table = dict(spec.degradation or {})
    rises = np.diff(traj.soc_kwh)
    drive = np.where(traj.arrival[1:], np.maximum(-rises, 0.0), 0.0)
    if "cycle_life_depth_fraction" not in table or "replacement_cost" not in table:
        rate = float(spec.degradation_cost_per_kwh)
        moved = np.abs(rises) / np.where(rises > 0, spec.eta_charge, 1.0 / spec.eta_discharge)
        return rate * moved
    table["model"] = "cycle_depth"
    wear = resolve_wear_model(table, spec.capacity_kwh, spec.eta_discharge, 0.0)
    costs = wear.segment_costs_per_kwh
    charge = np.maximum(rises, 0.0) / spec.eta_charge  # AC kWh per interval (intervals of "1 h")
    out_ac = np.maximum(-rises, 0.0) * spec.eta_discharge
    per = cycle_depth_costs(charge, out_ac, np.ones(len(rises)), traj.soc_kwh, spec.eta_charge, spec.eta_discharge,
                            costs - costs[0], wear.segment_kwh)
    ac_out = out_ac - drive * spec.eta_discharge  # the shallowest rate on every AC kWh out, and on drives
    total_ac = float(ac_out.sum())
    share = ac_out / total_ac if total_ac > 0 else np.zeros(len(ac_out))
    return per + costs[0] * (share * discharge_kwh + drive * spec.eta_discharge)


def calendar_costs(spec: object, traj: Trajectory) -> np.ndarray:
    """Calendar-ageing cost of each interval [currency]: zero for a pack without calendar parameters."""
    table = dict(spec.degradation or {})
    if "cost_per_kwh_hour" not in table and not {"calendar_fade_per_year_fraction", "replacement_cost"} <= set(table):
        return np.zeros(len(traj.soc_kwh) - 1)
    wear = resolve_wear_model({**table, "model": "calendar"}, spec.capacity_kwh, spec.eta_discharge, 0.0)
    rate = wear.calendar_cost_per_kwh_hour
    x = traj.soc_kwh - wear.calendar_threshold_kwh  # SoC above the threshold [kWh], negative below
    x0, x1 = x[:-1], x[1:]
    hours = np.diff(traj.times.as_unit("ns").asi8) / 3.6e12
    both = (x0 >= 0) & (x1 >= 0)
    span = np.abs(x1 - x0)
    with np.errstate(divide="ignore", invalid="ignore"):  # a crossing: the triangle above the threshold
        crossing = np.where(span > 0, np.maximum(x0, x1) ** 2 / (2.0 * span), 0.0)
    mean_above = np.where(both, (x0 + x1) / 2.0, np.where((x0 > 0) | (x1 > 0), crossing, 0.0))
    return rate * hours * mean_above


def rainflow_cost(spec: object, traj: Trajectory, exponent: float | None = None) -> float:
    """Rainflow-counted cycle cost of the trajectory [currency] (NaN without a cycle-life curve), with the
    pack's own curve or, given ``exponent``, the curve re-shaped to that cycle-life exponent."""
    table = spec.degradation or {}
    if "cycle_life_depth_fraction" not in table or "replacement_cost" not in table:
        return float("nan")
    usable = _usable_kwh(spec)
    cycles = rainflow.count_cycles(traj.soc_kwh)
    if not cycles:
        return 0.0
    depth = np.minimum(1.0, np.array([c[0] for c in cycles]) / usable)
    count = np.array([c[1] for c in cycles])
    curve = (table["cycle_life_depth_fraction"], table["cycle_life_cycles"])
    phi = (life_used_per_cycle(depth, *curve) if exponent is None
           else life_used_per_cycle_with_exponent(depth, *curve, exponent))
    return float(table["replacement_cost"]) * float(np.dot(count, phi))


def period_wear(
    template: Scenario,
    schedule: pd.DataFrame,
    start_soc_kwh: Mapping[str, float],
    arrivals: Mapping[str, Sequence[tuple[pd.Timestamp, float]]],
    day_starts: Sequence[pd.Timestamp],
    step: pd.Timedelta,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Each day's wear per asset and term, and the period's rainflow cross-check.

    Returns
    -------
    (DataFrame, dict)
        One row per day (in ``day_starts`` order) with ``wear_cycle_<asset>``, ``wear_calendar_<asset>`` and
        their sum ``wear_cost`` [currency]; and ``{"wear_rainflow_<asset>": cost}`` (and the exponent
        sensitivity's ``wear_exponent_<tag>_<asset>``) for the period.
    """
    starts = np.asarray(pd.DatetimeIndex(day_starts).tz_convert("UTC").as_unit("ns").asi8)
    days = pd.DataFrame(index=range(len(day_starts)))
    days["wear_cost"] = 0.0
    checks: dict[str, float] = {}
    for spec in list(template.batteries) + list(template.vehicles):
        traj = soc_points(spec, schedule, start_soc_kwh[spec.name], arrivals.get(spec.name, ()), step)
        h = step / pd.Timedelta(hours=1)
        discharge_kwh = float(schedule[f"{spec.name}_discharge_kw"].sum() * h)
        day = np.clip(np.searchsorted(starts, traj.times.as_unit("ns").asi8[:-1], side="right") - 1, 0, len(starts) - 1)
        for term, values in (("cycle", cycle_costs(spec, traj, discharge_kwh)), ("calendar", calendar_costs(spec, traj))):
            column = f"wear_{term}_{spec.name}"
            days[column] = np.bincount(day, weights=values, minlength=len(starts))
            days["wear_cost"] += days[column]
        checks[f"wear_rainflow_{spec.name}"] = rainflow_cost(spec, traj)
        for tag, exponent in SENSITIVITY_EXPONENTS.items():
            checks[f"wear_exponent_{tag}_{spec.name}"] = rainflow_cost(spec, traj, exponent)
    return days, checks


def part_arrivals(pieces: Sequence[object], vehicle: str) -> list[tuple[pd.Timestamp, float]]:
    """``(arrival time, SoC after the drive)`` of each car arrival executed in a committed interval."""
    return [(p.arrive, float(p.arrive_soc_kwh)) for p in pieces if p.vehicle == vehicle and not p.ongoing]


def carried_depths(
    template: Scenario, schedule: pd.DataFrame, start_soc_kwh: Mapping[str, float], pieces: Sequence[object],
    depths: Mapping[str, float], step: pd.Timedelta,
) -> dict[str, float]:
    """Each asset's open cycle depth after an executed interval [kWh]
    (:func:`planner.domain.wear_costs.open_depth_kwh` along its SoC points, drives included)."""
    out = {}
    for spec in list(template.batteries) + list(template.vehicles):
        traj = soc_points(spec, schedule, start_soc_kwh[spec.name], part_arrivals(pieces, spec.name), step)
        out[spec.name] = open_depth_kwh(traj.soc_kwh, _usable_kwh(spec), depths.get(spec.name, 0.0))
    return out
