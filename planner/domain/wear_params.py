"""Wear parameters and their formulas: checks of a ``[degradation]`` table, life used per cycle by depth, the
per-kWh cost of each depth segment, of throughput and of calendar time. See :mod:`planner.domain.wear`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from planner.errors import Issue
from planner.fields import unknown_key

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


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def valid_number(key: str, value: object) -> bool:
    if not is_number(value):
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
            issues.append(unknown_key(where, key, WEAR_PARAMETERS))
        elif key == "currency":
            if not isinstance(value, str) or not value:
                issues.append(Issue(where, value, WEAR_PARAMETERS[key]))
        elif key == "segments":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                issues.append(Issue(where, value, WEAR_PARAMETERS[key]))
        elif key in ("cycle_life_depth_fraction", "cycle_life_cycles"):
            continue
        elif not valid_number(key, value):
            issues.append(Issue(where, value, WEAR_PARAMETERS[key]))
    issues.extend(check_curve(params, prefix))
    return issues


def check_curve(params: Mapping[str, object], prefix: str) -> list[Issue]:
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
        if not isinstance(values, list | tuple) or not values or not all(map(is_number, values)):
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


def curve_exponent(curve_depths: Sequence[float], curve_cycles: Sequence[float]) -> float:
    """The exponent ``k`` of the power law ``N(d) = N(1) d^-k`` that fits the cycle-life curve best (least
    squares on ``log N`` against ``log d``; a curve of one point gives 2.0, a common central value)."""
    d = np.asarray(curve_depths, dtype=float)
    n = np.asarray(curve_cycles, dtype=float)
    if len(d) < 2:
        return 2.0
    slope = np.polyfit(np.log(d), np.log(n), 1)[0]
    return float(-slope)


def life_used_per_cycle_with_exponent(
    depth_fraction: float | np.ndarray, curve_depths: Sequence[float], curve_cycles: Sequence[float],
    exponent: float,
) -> np.ndarray:
    """``Phi(d)`` of the curve re-shaped to the cycle-life exponent ``exponent``, the full-depth life kept:
    ``Phi(d) * d^(exponent - k)`` with ``k`` = :func:`curve_exponent` (the curve itself at ``exponent = k``).

    An exponent of 1 makes every kWh moved age the pack the same whatever the depth (the throughput model's
    assumption); a larger one makes shallow cycles cheaper against deep ones."""
    d = np.clip(np.asarray(depth_fraction, dtype=float), 0.0, 1.0)
    shift = exponent - curve_exponent(curve_depths, curve_cycles)
    with np.errstate(divide="ignore"):
        scale = np.where(d > 0, d ** shift, 0.0)
    return life_used_per_cycle(d, curve_depths, curve_cycles) * scale


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
