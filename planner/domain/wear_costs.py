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


def segment_room_kwh(segments: int, segment_kwh: float, depth_kwh: float) -> np.ndarray:
    """Energy each segment can hold at the start of a trajectory whose open cycle is ``depth_kwh`` deep [kWh].

    The open depth is what the pack has given since it was last charged (a drive, an evening's discharge):
    that energy left the shallowest segments, so discharging further deepens the same cycle and is priced
    at the deeper segments' cost. ``room_j = w - clip(depth - j w, 0, w)``, shallowest segment ``j = 0``.
    """
    return segment_kwh - np.clip(max(0.0, depth_kwh) - segment_kwh * np.arange(segments), 0.0, segment_kwh)


def segment_fill(total_kwh: float, segments: int, segment_kwh: float, depth_kwh: float = 0.0) -> np.ndarray:
    """The least-cost placement of ``total_kwh`` in the segments: shallowest first, within
    :func:`segment_room_kwh` (the depth is clipped so that the energy fits) [kWh per segment]."""
    depth = min(max(0.0, depth_kwh), max(0.0, segments * segment_kwh - total_kwh))
    room = segment_room_kwh(segments, segment_kwh, depth)
    before = np.concatenate([[0.0], np.cumsum(room)[:-1]])
    return np.clip(total_kwh - before, 0.0, room)


def open_depth_kwh(soc_kwh: np.ndarray, usable_kwh: float, start_depth_kwh: float = 0.0) -> float:
    """Open cycle depth at the end of a SoC trajectory [kWh], by the segment model's own rule: a fall
    deepens it, a rise fills the emptied shallow segments first, and it never exceeds the room above
    the SoC: ``D[k+1] = min(U - s[k+1], max(0, D[k] - (s[k+1] - s[k])))``."""
    depth = max(0.0, float(start_depth_kwh))
    soc = np.asarray(soc_kwh, dtype=float)
    for k in range(len(soc) - 1):
        depth = min(max(0.0, usable_kwh - soc[k + 1]), max(0.0, depth - (soc[k + 1] - soc[k])))
    return float(depth)


def cycle_depth_cost(*args: object, **kwargs: object) -> float:
    """Least cycle-depth cost of a schedule under the segment model [currency]: the sum of
    :func:`cycle_depth_costs` (same arguments)."""
    return float(np.sum(cycle_depth_costs(*args, **kwargs)))


def cycle_depth_costs(
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
    start_depth_kwh: float = 0.0,
) -> np.ndarray:
    """Least cycle-depth cost of each step of a schedule under the segment model [currency per step].

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
    start_depth_kwh : float
        Open cycle depth at ``soc_kwh[0]`` [kWh] (:func:`segment_fill`).
    """
    costs = np.asarray(segment_costs, dtype=float)
    resets = np.zeros(len(soc_kwh), dtype=bool) if reset is None else np.asarray(reset, dtype=bool)
    fill = segment_fill(float(soc_kwh[0]), len(costs), segment_kwh, start_depth_kwh)
    out = np.zeros(len(hours))
    for t, h in enumerate(hours):
        if t > 0 and resets[t]:
            fill = segment_fill(float(soc_kwh[t]), len(costs), segment_kwh)
        dc_in = eta_charge * float(charge_kw[t]) * h
        dc_out = float(discharge_kw[t]) * h / eta_discharge
        matched = min(dc_in, dc_out)
        total = costs[0] * matched * eta_discharge
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
        out[t] = total
    return out


def wear_cost_from_schedule(
    spec: object,
    charge_kw: np.ndarray,
    discharge_kw: np.ndarray,
    step_hours: float,
    trajectories: Sequence[tuple[int, np.ndarray]],
    start_depths_kwh: Sequence[float] | None = None,
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
    start_depths_kwh : sequence of float, optional
        Open cycle depth at the start of each trajectory [kWh] (:func:`segment_room_kwh`); 0 when omitted.
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
    depths = list(start_depths_kwh) if start_depths_kwh is not None else [0.0] * len(trajectories)
    for (first, soc), depth in zip(trajectories, depths, strict=True):
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
                c, d, hours, soc, spec.eta_charge, spec.eta_discharge, costs - costs[0], wear.segment_kwh,
                start_depth_kwh=float(depth),
            )
        if wear.uses_calendar:
            total += calendar_cost(soc, hours, wear.calendar_threshold_kwh, wear.calendar_cost_per_kwh_hour)
    if wear.uses_cycle_depth:
        stepped = use[:-1] > 0
        total += float(wear.segment_costs_per_kwh[0]) * float(np.sum(discharge[stepped])) * step_hours
    return float(total)
