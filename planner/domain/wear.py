"""Battery wear arithmetic shared by the degradation cost blocks, the catalogue and ``verify`` (numpy only).

Three wear models price the use of a storage asset (home battery or vehicle pack). All money is in the
scenario currency, energy in kWh, power in kW (mean over a step), time in hours.

``throughput``
    ``cost = c_thr * sum_t (charge_kw[t] + discharge_kw[t]) * h[t]`` with
    ``c_thr = replacement_cost / (2 * usable_capacity_kwh * N(1))``: one full cycle moves
    ``2 * usable_capacity_kwh`` of AC energy (in and out) and uses ``1 / N(1)`` of the pack's life.

``cycle_depth`` (Xu et al. 2018, "Factoring the cycle aging cost of batteries participating in electricity
markets", IEEE Trans. Power Systems 33(2), 2248-2259, doi 10.1109/TPWRS.2017.2733339)
    The cycle-life curve gives ``N(d)``, cycles to end of life at depth of discharge ``d`` (fraction of usable
    capacity). ``Phi(d) = 1 / N(d)`` is the share of life one cycle of depth ``d`` uses, taken as piecewise
    linear between the curve's points with ``Phi(0) = 0``. The usable capacity is split into ``J`` equal
    segments of ``usable_capacity_kwh / J``; energy discharged from segment ``j`` (``j = 1`` shallowest)
    costs, per kWh of AC discharge,

        ``c_j = (R * J / eta_discharge) * (Phi(j / J) - Phi((j - 1) / J))``

    with ``R = replacement_cost / usable_capacity_kwh`` [currency/kWh of capacity]. Discharging a full pack by
    depth ``d = m / J`` then costs ``R * usable_capacity_kwh * Phi(d)``: the whole cycle is charged to its
    discharge half. ``Phi`` convex makes ``c_j`` non-decreasing, so a linear programme fills and empties the
    cheap segments first and needs no binaries; shallow cycles cost less than one deep cycle.

``calendar``
    Holding energy above a threshold ages the cells: ``cost = c_cal * integral of max(0, soc - theta) dt``,
    with ``theta = calendar_soc_threshold_fraction * usable_capacity_kwh`` and
    ``c_cal = replacement_cost * (f_year / (1 - eol)) / (8760 * usable_capacity_kwh * (1 - threshold))``:
    a pack held full all year loses ``f_year`` (``calendar_fade_per_year_fraction``) more capacity than one
    held at the threshold, and ``1 - eol`` (``1 - end_of_life_capacity_fraction``) of fade uses up its life.
    The integral over a step is the trapezoid of its two boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.errors import Issue

HOURS_PER_YEAR = 8760.0

#: Wear parameters understood in a ``degradation`` table, with what each must be.
WEAR_PARAMETERS: dict[str, str] = {
    "currency": "a currency code string",
    "replacement_cost": "a number >= 0 [currency per pack]",
    "usable_capacity_kwh": "a number > 0 [kWh]",
    "end_of_life_capacity_fraction": "a number in [0, 1)",
    "cycle_life_depth_fraction": "a strictly increasing list of depths in (0, 1] ending at 1.0",
    "cycle_life_cycles": "a strictly decreasing list of cycle counts > 0, one per depth",
    "segments": "an integer >= 1",
    "calendar_soc_threshold_fraction": "a number in [0, 1)",
    "calendar_fade_per_year_fraction": "a number >= 0",
    "cost_per_kwh_hour": "a number >= 0 [currency per kWh stored above the threshold per hour]",
}

DEFAULT_SEGMENTS = 4
DEFAULT_END_OF_LIFE_FRACTION = 0.8


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _valid_number(key: str, value: object) -> bool:
    if not _is_number(value):
        return False
    if key == "usable_capacity_kwh":
        return value > 0
    if key in ("end_of_life_capacity_fraction", "calendar_soc_threshold_fraction"):
        return 0 <= value < 1
    return value >= 0


def check_wear_parameters(params: Mapping[str, object], prefix: str = "degradation") -> list[Issue]:
    """Check wear parameters and return every problem found (empty list when valid).

    Parameters
    ----------
    params : mapping
        Keys from :data:`WEAR_PARAMETERS` (other keys are reported as unknown).
    prefix : str
        Dotted path of the table, used in the ``field`` of each issue.

    Returns
    -------
    list of Issue
    """
    issues: list[Issue] = []
    for key, value in params.items():
        where = f"{prefix}.{key}"
        if key not in WEAR_PARAMETERS:
            issues.append(Issue(where, value, f"one of {sorted(WEAR_PARAMETERS)}"))
        elif key == "currency":
            if not isinstance(value, str) or not value:
                issues.append(Issue(where, value, WEAR_PARAMETERS[key]))
        elif key == "segments":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                issues.append(Issue(where, value, WEAR_PARAMETERS[key]))
        elif key in ("cycle_life_depth_fraction", "cycle_life_cycles"):
            continue
        elif not _valid_number(key, value):
            issues.append(Issue(where, value, WEAR_PARAMETERS[key]))
    issues.extend(_check_curve(params, prefix))
    return issues


def _check_curve(params: Mapping[str, object], prefix: str) -> list[Issue]:
    has_depths = "cycle_life_depth_fraction" in params
    has_cycles = "cycle_life_cycles" in params
    if not has_depths and not has_cycles:
        return []
    dkey, ckey = f"{prefix}.cycle_life_depth_fraction", f"{prefix}.cycle_life_cycles"
    if has_depths != has_cycles:
        missing = ckey if has_depths else dkey
        return [Issue(missing, "missing", "both cycle_life_depth_fraction and cycle_life_cycles")]
    depths, cycles = params["cycle_life_depth_fraction"], params["cycle_life_cycles"]
    issues: list[Issue] = []
    for key, values in ((dkey, depths), (ckey, cycles)):
        if not isinstance(values, list | tuple) or not values or not all(map(_is_number, values)):
            issues.append(Issue(key, values, "a non-empty list of numbers"))
    if issues:
        return issues
    if len(depths) != len(cycles):
        return [Issue(ckey, cycles, f"{len(depths)} values, one per depth in {dkey}")]
    for i, depth in enumerate(depths):
        if not 0 < depth <= 1:
            issues.append(Issue(f"{dkey}[{i}]", depth, "a depth in (0, 1]"))
        if i and depth <= depths[i - 1]:
            issues.append(Issue(f"{dkey}[{i}]", depth, f"> {depths[i - 1]} (strictly increasing)"))
    if depths[-1] != 1.0:
        issues.append(Issue(f"{dkey}[{len(depths) - 1}]", depths[-1], "1.0 (the full-cycle life)"))
    for i, count in enumerate(cycles):
        if count <= 0:
            issues.append(Issue(f"{ckey}[{i}]", count, "a cycle count > 0"))
        elif i and count >= cycles[i - 1]:
            issues.append(
                Issue(f"{ckey}[{i}]", count, f"< {cycles[i - 1]} (deeper cycles wear more: strictly decreasing)")
            )
    if issues:
        return issues
    # Xu et al. need Phi(d) = 1/N(d) convex, so that deeper segments never cost less than shallower ones.
    xs = [0.0, *depths]
    ys = [0.0, *(1.0 / c for c in cycles)]
    slopes = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(len(depths))]
    for i in range(1, len(slopes)):
        if slopes[i] < slopes[i - 1] * (1 - 1e-9):
            issues.append(
                Issue(
                    f"{ckey}[{i}]",
                    cycles[i],
                    "a curve with 1/cycles convex in depth (each deeper step in depth costing at least "
                    "as much life per unit depth as the previous one)",
                )
            )
    return issues


def life_used_per_cycle(
    depth_fraction: float | np.ndarray, curve_depths: Sequence[float], curve_cycles: Sequence[float]
) -> np.ndarray:
    """Share of the pack's life one cycle of the given depth uses, ``Phi(d) = 1 / N(d)``.

    Parameters
    ----------
    depth_fraction : float or array
        Depth of discharge as a fraction of usable capacity, in [0, 1].
    curve_depths, curve_cycles : sequence of float
        Cycle-life curve: cycles to end of life ``N`` at each depth (strictly increasing depths ending at 1).

    Returns
    -------
    numpy.ndarray
        ``Phi(d)`` [1/cycle], linear between the curve's points and through ``Phi(0) = 0``.
    """
    xs = np.concatenate([[0.0], np.asarray(curve_depths, dtype=float)])
    ys = np.concatenate([[0.0], 1.0 / np.asarray(curve_cycles, dtype=float)])
    return np.interp(np.asarray(depth_fraction, dtype=float), xs, ys)


def segment_costs_per_kwh(
    replacement_cost: float,
    usable_capacity_kwh: float,
    curve_depths: Sequence[float],
    curve_cycles: Sequence[float],
    segments: int,
    eta_discharge: float,
) -> np.ndarray:
    """Marginal cycle-depth cost of each SoC segment, per kWh of AC discharge (Xu et al. 2018, eq. above).

    Returns
    -------
    numpy.ndarray
        ``c_j`` for ``j = 1..segments`` [currency/kWh discharged, AC side], shallowest segment first.
    """
    edges = life_used_per_cycle(np.arange(segments + 1) / segments, curve_depths, curve_cycles)
    r_per_kwh = replacement_cost / usable_capacity_kwh
    return r_per_kwh * segments / eta_discharge * np.diff(edges)


def throughput_cost_per_kwh(
    replacement_cost: float, usable_capacity_kwh: float, full_cycles: float
) -> float:
    """Linear wear cost per kWh of AC throughput (charged plus discharged) [currency/kWh].

    ``replacement_cost / (2 * usable_capacity_kwh * full_cycles)``, ``full_cycles`` = N(1).
    """
    return replacement_cost / (2.0 * usable_capacity_kwh * full_cycles)


def calendar_cost_per_kwh_hour(
    replacement_cost: float,
    usable_capacity_kwh: float,
    fade_per_year_fraction: float,
    end_of_life_capacity_fraction: float,
    soc_threshold_fraction: float,
) -> float:
    """Holding cost of one kWh stored above the threshold for one hour [currency/(kWh h)]."""
    life_share_per_year = fade_per_year_fraction / (1.0 - end_of_life_capacity_fraction)
    band_kwh = usable_capacity_kwh * (1.0 - soc_threshold_fraction)
    return replacement_cost * life_share_per_year / (HOURS_PER_YEAR * band_kwh)


def derived_costs(params: Mapping[str, object], eta_discharge: float = 1.0) -> dict[str, object]:
    """Cost rates implied by a complete set of wear parameters.

    Returns
    -------
    dict
        ``throughput_cost_per_kwh`` (needs the curve), ``segment_costs_per_kwh`` (array, needs the curve),
        ``calendar_cost_per_kwh_hour`` (needs the calendar parameters); keys whose inputs are missing are left out.
    """
    out: dict[str, object] = {}
    cost, usable = params.get("replacement_cost"), params.get("usable_capacity_kwh")
    if cost is None or usable is None:
        return out
    depths, cycles = params.get("cycle_life_depth_fraction"), params.get("cycle_life_cycles")
    if depths is not None and cycles is not None:
        out["throughput_cost_per_kwh"] = throughput_cost_per_kwh(cost, usable, cycles[-1])
        segments = int(params.get("segments", DEFAULT_SEGMENTS))
        out["segment_costs_per_kwh"] = segment_costs_per_kwh(
            cost, usable, depths, cycles, segments, eta_discharge
        )
    fade = params.get("calendar_fade_per_year_fraction")
    threshold = params.get("calendar_soc_threshold_fraction")
    if fade is not None and threshold is not None:
        eol = float(params.get("end_of_life_capacity_fraction", DEFAULT_END_OF_LIFE_FRACTION))
        out["calendar_cost_per_kwh_hour"] = calendar_cost_per_kwh_hour(cost, usable, fade, eol, threshold)
    return out


# --- recomputation from a schedule ------------------------------------------------------------------------


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


# --- wear parameters of one storage asset ---------------------------------------------------------------

#: Wear models a storage asset may select with ``[battery.degradation] model = ...``. ``calendar`` adds the
#: holding cost to the throughput cost (calendar and cycle ageing add up).
MODELS = ("throughput", "cycle_depth", "calendar")


@dataclass(frozen=True)
class WearModel:
    """Resolved wear model of one storage asset (all rates in scenario currency).

    Attributes
    ----------
    model : str
        One of :data:`MODELS`.
    throughput_cost_per_kwh : float
        Cost per kWh of AC throughput [currency/kWh]; used when the model has no ``cycle_depth`` part.
    segment_costs_per_kwh : numpy.ndarray
        Cycle-depth cost per kWh of AC discharge from each segment, shallowest first (empty if unused).
    segment_kwh : float
        Energy held by each segment [kWh] (usable capacity / segments).
    calendar_cost_per_kwh_hour : float
        Holding cost above the threshold [currency/(kWh h)] (0 if unused).
    calendar_threshold_kwh : float
        SoC above which holding costs [kWh].
    """

    model: str
    throughput_cost_per_kwh: float = 0.0
    segment_costs_per_kwh: np.ndarray = field(default_factory=lambda: np.zeros(0))
    segment_kwh: float = 0.0
    calendar_cost_per_kwh_hour: float = 0.0
    calendar_threshold_kwh: float = 0.0

    @property
    def uses_cycle_depth(self) -> bool:
        """Whether the cycle-depth segments replace the throughput cost."""
        return self.model == "cycle_depth"

    @property
    def uses_calendar(self) -> bool:
        """Whether a holding cost above the threshold applies."""
        return self.model == "calendar"


def wear_model_issues(
    table: Mapping[str, object], capacity_kwh: float, soc_upper_kwh: float, prefix: str
) -> list[Issue]:
    """Check an asset's ``degradation`` table (``model`` plus wear parameters); return every problem.

    Parameters
    ----------
    table : mapping
        The merged ``degradation`` table (catalogue values overridden by the scenario's).
    capacity_kwh : float
        The asset's capacity [kWh] (default usable capacity).
    soc_upper_kwh : float
        Highest SoC the asset can reach [kWh]; the cycle-depth segments must hold it.
    prefix : str
        Dotted path of the table, e.g. ``vehicle[0].degradation``.
    """
    params = {k: v for k, v in table.items() if k != "model"}
    model = table.get("model", "throughput")
    issues: list[Issue] = []
    if model not in MODELS:
        issues.append(Issue(f"{prefix}.model", model, f"one of {list(MODELS)}"))
        model = "throughput"
    issues.extend(check_wear_parameters(params, prefix))
    if issues:
        return issues
    usable = float(params.get("usable_capacity_kwh", capacity_kwh))
    if model == "cycle_depth":
        for key in ("replacement_cost", "cycle_life_depth_fraction"):
            if key not in params:
                issues.append(Issue(f"{prefix}.{key}", "missing", f"a value (needed by model = {model!r})"))
        if usable < soc_upper_kwh - 1e-9:
            issues.append(
                Issue(
                    f"{prefix}.usable_capacity_kwh",
                    usable,
                    f">= the highest SoC the asset can reach ({soc_upper_kwh} kWh)",
                )
            )
    if model == "calendar" and "cost_per_kwh_hour" not in params:
        for key in ("replacement_cost", "calendar_fade_per_year_fraction"):
            if key not in params:
                issues.append(
                    Issue(f"{prefix}.{key}", "missing", "a value, or cost_per_kwh_hour (needed by model = 'calendar')")
                )
    return issues


def resolve_wear_model(
    table: Mapping[str, object], capacity_kwh: float, eta_discharge: float, throughput_cost_per_kwh: float
) -> WearModel:
    """Turn a checked ``degradation`` table into cost rates (see the module docstring for the equations).

    Parameters
    ----------
    table : mapping
        ``model`` plus wear parameters, already checked by :func:`wear_model_issues`.
    capacity_kwh : float
        The asset's capacity [kWh], the default usable capacity.
    eta_discharge : float
        Discharge efficiency of the asset, in (0, 1].
    throughput_cost_per_kwh : float
        The asset's ``degradation_cost_per_kwh`` [currency/kWh].
    """
    model = str(table.get("model", "throughput"))
    usable = float(table.get("usable_capacity_kwh", capacity_kwh))
    segment_costs = np.zeros(0)
    segment_kwh = 0.0
    if model == "cycle_depth":
        segments = int(table.get("segments", DEFAULT_SEGMENTS))
        segment_costs = segment_costs_per_kwh(
            float(table["replacement_cost"]),
            usable,
            table["cycle_life_depth_fraction"],
            table["cycle_life_cycles"],
            segments,
            eta_discharge,
        )
        segment_kwh = usable / segments
    cal_cost = 0.0
    threshold = float(table.get("calendar_soc_threshold_fraction", 0.8))
    if model == "calendar":
        if "cost_per_kwh_hour" in table:
            cal_cost = float(table["cost_per_kwh_hour"])
        else:
            cal_cost = calendar_cost_per_kwh_hour(
                float(table["replacement_cost"]),
                usable,
                float(table["calendar_fade_per_year_fraction"]),
                float(table.get("end_of_life_capacity_fraction", DEFAULT_END_OF_LIFE_FRACTION)),
                threshold,
            )
    return WearModel(
        model=model,
        throughput_cost_per_kwh=0.0 if model == "cycle_depth" else float(throughput_cost_per_kwh),
        segment_costs_per_kwh=segment_costs,
        segment_kwh=segment_kwh,
        calendar_cost_per_kwh_hour=cal_cost,
        calendar_threshold_kwh=threshold * usable,
    )


def soc_groups(keys: Sequence[tuple[int, int]]) -> dict[int, list[int]]:
    """Boundaries of each SoC trajectory of a storage port, sorted.

    ``keys`` are ``(trajectory, boundary)`` pairs (a battery has one trajectory, a vehicle one per session).
    Between consecutive boundaries of one trajectory the storage dynamics hold; the first boundary of each
    trajectory is set from outside (initial SoC or arrival SoC).
    """
    groups: dict[int, list[int]] = {}
    for s, k in keys:
        groups.setdefault(s, []).append(k)
    return {s: sorted(ks) for s, ks in sorted(groups.items())}


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
