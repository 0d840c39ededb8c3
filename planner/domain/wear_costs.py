"""Wear costs recomputed from a schedule: throughput, equivalent full cycles, calendar ageing and cycle-depth
(rainflow-free segment accounting), the way the model prices them. See :mod:`planner.domain.wear`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from planner.domain.wear import resolve_wear_model


def throughput_kwh(charge_kw: np.ndarray, discharge_kw: np.ndarray, hours: np.ndarray) -> float:
    """AC energy moved in and out of the store over the horizon [kWh]."""
    return float(np.sum((np.asarray(charge_kw) + np.asarray(discharge_kw)) * np.asarray(hours)))


def equivalent_full_cycles(
    charge_kw: np.ndarray, discharge_kw: np.ndarray, hours: np.ndarray, capacity_kwh: float
) -> float:
    """Equivalent full cycles: AC throughput divided by twice the capacity [-]."""
    return throughput_kwh(charge_kw, discharge_kw, hours) / (2.0 * capacity_kwh)


def throughput_cost(
    charge_kw: np.ndarray, discharge_kw: np.ndarray, hours: np.ndarray, cost_per_kwh: float
) -> float:
    """Throughput wear cost of a schedule [currency]."""
    return cost_per_kwh * throughput_kwh(charge_kw, discharge_kw, hours)


def calendar_cost(
    soc_kwh: np.ndarray,
    hours: np.ndarray,
    threshold_kwh: float,
    cost_per_kwh_hour: float,
    step_weight: np.ndarray | None = None,
) -> float:
    """Calendar wear cost of a SoC trajectory [currency].

    Parameters
    ----------
    soc_kwh : array, shape (n + 1,)
        State of charge on step boundaries 0..n [kWh].
    hours : array, shape (n,)
        Length of each step [h].
    threshold_kwh : float
        SoC above which holding energy costs [kWh].
    cost_per_kwh_hour : float
        [currency/(kWh h)].
    step_weight : array, shape (n,), optional
        Share of each step that counts (e.g. a vehicle's plugged-in fraction); 1 when omitted.
    """
    excess = np.maximum(0.0, np.asarray(soc_kwh, dtype=float) - threshold_kwh)
    weight = np.ones(len(hours)) if step_weight is None else np.asarray(step_weight, dtype=float)
    return float(cost_per_kwh_hour * np.sum(weight * np.asarray(hours) * (excess[:-1] + excess[1:]) / 2.0))


def cycle_depth_cost(
    charge_kw: np.ndarray,
    discharge_kw: np.ndarray,
    hours: np.ndarray,
    soc_kwh: np.ndarray,
    eta_charge: float,
    eta_discharge: float,
    segment_costs: np.ndarray,
    segment_kwh: float,
    reset: np.ndarray | None = None,
    tol_kwh: float = 1e-9,
) -> float:
    """Least cycle-depth cost of a schedule under the segment model [currency].

    Energy is always charged into the shallowest segment with room and discharged from the shallowest
    segment holding energy (the allocation a linear programme with non-decreasing ``segment_costs`` finds).
    Within a step, discharge matched by same-step charge is priced at the shallowest segment; the net
    flow then fills or empties segments in order.

    Parameters
    ----------
    charge_kw, discharge_kw : array, shape (n,)
        AC power into / out of the store per step [kW], both >= 0.
    hours : array, shape (n,)
        Step lengths [h].
    soc_kwh : array, shape (n + 1,)
        SoC on boundaries [kWh]; ``soc_kwh[0]`` and the SoC at every reset boundary set the segments.
    eta_charge, eta_discharge : float
        Efficiencies in (0, 1].
    segment_costs : array, shape (J,)
        Cost per kWh of AC discharge from each segment, shallowest first, non-decreasing.
    segment_kwh : float
        Energy each segment holds [kWh].
    reset : array of bool, shape (n + 1,), optional
        Boundaries where the SoC is set from outside (a vehicle arriving); the segments are refilled there.
    """
    costs = np.asarray(segment_costs, dtype=float)
    fill = np.zeros(len(costs))
    resets = np.zeros(len(soc_kwh), dtype=bool) if reset is None else np.asarray(reset, dtype=bool)

    def stack(total: float) -> np.ndarray:
        full = np.clip(total - segment_kwh * np.arange(len(costs)), 0.0, segment_kwh)
        return full

    fill = stack(float(soc_kwh[0]))
    total = 0.0
    for t, h in enumerate(hours):
        if t > 0 and resets[t]:
            fill = stack(float(soc_kwh[t]))
        dc_in = eta_charge * float(charge_kw[t]) * h
        dc_out = float(discharge_kw[t]) * h / eta_discharge
        matched = min(dc_in, dc_out)
        total += costs[0] * matched * eta_discharge
        net = dc_in - dc_out
        if net > tol_kwh:
            for j in range(len(costs)):
                room = segment_kwh - fill[j]
                take = min(room, net)
                fill[j] += take
                net -= take
                if net <= tol_kwh:
                    break
        elif net < -tol_kwh:
            need = -net
            for j in range(len(costs)):
                take = min(fill[j], need)
                fill[j] -= take
                total += costs[j] * take * eta_discharge
                need -= take
                if need <= tol_kwh:
                    break
    return float(total)


def wear_cost_from_schedule(
    spec: object,
    charge_kw: np.ndarray,
    discharge_kw: np.ndarray,
    step_hours: float,
    trajectories: Sequence[tuple[int, np.ndarray]],
) -> float:
    """Wear cost of one storage asset recomputed from its schedule [currency].

    Parameters
    ----------
    spec : BatterySpec or VehicleSpec
        The asset (``degradation``, ``degradation_cost_per_kwh``, ``capacity_kwh``, efficiencies).
    charge_kw, discharge_kw : array, shape (n,)
        AC power per step of the whole horizon [kW].
    step_hours : float
        Step length [h].
    trajectories : sequence of (first_boundary, soc_kwh)
        Each SoC trajectory (a battery's one, a vehicle's per session): the boundary where it starts and its
        SoC on boundaries ``first .. first + len(soc) - 1`` [kWh].
    """
    wear = resolve_wear_model(
        spec.degradation, spec.capacity_kwh, spec.eta_discharge, spec.degradation_cost_per_kwh
    )
    charge = np.asarray(charge_kw, dtype=float)
    discharge = np.asarray(discharge_kw, dtype=float)
    total = wear.throughput_cost_per_kwh * throughput_kwh(charge, discharge, np.full(len(charge), step_hours))
    use = np.zeros(len(charge) + 1, dtype=int)
    for first, soc in trajectories:
        use[first : first + len(soc) - 1] += 1
    for first, soc in trajectories:
        soc = np.asarray(soc, dtype=float)
        steps = np.arange(first, first + len(soc) - 1)
        hours = np.full(len(steps), step_hours)
        if wear.uses_cycle_depth:
            # every kWh discharged pays the shallowest segment's cost (below); the segments add the rest
            c, d = charge[steps].copy(), discharge[steps].copy()
            shared = use[steps] > 1
            if np.any(shared):
                net = np.diff(soc)[shared]
                c[shared] = np.maximum(net, 0.0) / (spec.eta_charge * step_hours)
                d[shared] = np.maximum(-net, 0.0) * spec.eta_discharge / step_hours
            costs = wear.segment_costs_per_kwh
            total += cycle_depth_cost(
                c, d, hours, soc, spec.eta_charge, spec.eta_discharge, costs - costs[0], wear.segment_kwh
            )
        if wear.uses_calendar:
            total += calendar_cost(soc, hours, wear.calendar_threshold_kwh, wear.calendar_cost_per_kwh_hour)
    if wear.uses_cycle_depth:
        stepped = use[:-1] > 0
        total += float(wear.segment_costs_per_kwh[0]) * float(np.sum(discharge[stepped])) * step_hours
    return float(total)
