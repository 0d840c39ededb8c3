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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.domain.wear_params import (
    DEFAULT_END_OF_LIFE_FRACTION,
    DEFAULT_SEGMENTS,
    calendar_cost_per_kwh_hour,
    check_wear_parameters,
    segment_costs_per_kwh,
)
from planner.errors import Issue

#: Wear models a storage asset may select with ``[battery.degradation] model = ...``. ``calendar`` adds the
#: holding cost to the throughput cost, ``cycle_depth_calendar`` to the cycle-depth cost (calendar and cycle
#: ageing add up).
MODELS = ("throughput", "cycle_depth", "calendar", "cycle_depth_calendar")


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
        return self.model in ("cycle_depth", "cycle_depth_calendar")

    @property
    def uses_calendar(self) -> bool:
        """Whether a holding cost above the threshold applies."""
        return self.model in ("calendar", "cycle_depth_calendar")


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
    if model in ("cycle_depth", "cycle_depth_calendar"):
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
    if model in ("calendar", "cycle_depth_calendar") and "cost_per_kwh_hour" not in params:
        for key in ("replacement_cost", "calendar_fade_per_year_fraction"):
            if key not in params:
                issues.append(
                    Issue(f"{prefix}.{key}", "missing", f"a value, or cost_per_kwh_hour (needed by model = {model!r})")
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
    if model in ("cycle_depth", "cycle_depth_calendar"):
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
    if model in ("calendar", "cycle_depth_calendar"):
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
        throughput_cost_per_kwh=0.0 if model in ("cycle_depth", "cycle_depth_calendar") else float(throughput_cost_per_kwh),
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
