"""Cross-field checks of a :class:`~planner.inputs.specs.Scenario`, run before any model is built.

:func:`check_scenario` returns every problem as an :class:`~planner.errors.Issue` (field, value, what was
expected); the caller raises one :class:`~planner.errors.ScenarioError` listing them all. Besides ranges
and orderings it applies *unit-plausibility* bounds: a magnitude no home or depot asset can have usually
betrays a unit mistake, and the message names the likely one:

- a power above :data:`MAX_ASSET_POWER_KW` (one battery or charger) or :data:`MAX_SITE_POWER_KW` (grid
  connection, load, solar) looks like watts given as kW (``charge_max_kw = 7400`` is 7.4 kW);
- a capacity above :data:`MAX_VEHICLE_CAPACITY_KWH` / :data:`MAX_BATTERY_CAPACITY_KWH` looks like Wh;
- a price series whose median magnitude exceeds ``planner.inputs.tariffs.scheme.MAX_PRICE_PER_KWH`` looks like prices per
  MWh (or pence/cents per kWh);
- a state of charge above the capacity but at most 100 looks like a percentage.

:func:`degraded_notes` lists what is *not* an error but changes what the plan can promise (the degraded-but-
safe cases): a vehicle arriving above its target, a battery starting below its reserve, a session running
past the horizon (its target is pro-rated, see :mod:`planner.model.components.vehicle`), a target above what the
vehicle can hold (charged to ``soc_max_kwh``, the rest reported as a shortfall).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.domain.names import model_name
from planner.errors import Issue
from planner.inputs.magnitudes import load_issues, penalty_issues, step_price_issues
from planner.inputs.tariffs.series import MAX_PRICE_PER_KWH

if TYPE_CHECKING:
    from planner.inputs.specs import Scenario

MAX_ASSET_POWER_KW = 1000.0
"""Largest plausible power of one battery inverter or vehicle charger [kW]; more looks like W given as kW."""
MAX_SITE_POWER_KW = 10000.0
"""Largest plausible grid connection, load or solar power of one site [kW]; more looks like W given as kW."""
MAX_VEHICLE_CAPACITY_KWH = 1000.0
"""Largest plausible vehicle battery [kWh] (heavy trucks stay below); more looks like Wh given as kWh."""
MAX_BATTERY_CAPACITY_KWH = 10000.0
"""Largest plausible home or depot battery [kWh]; more looks like Wh given as kWh."""
MAX_ISSUES_PER_SERIES = 5
"""At most this many per-step problems of one kind are listed for one series."""


def _max_price_per_kwh() -> float:

    return float(MAX_PRICE_PER_KWH)


def _array_issues(values: np.ndarray, field: str, *, non_negative: bool) -> list[Issue]:
    issues: list[Issue] = []
    bad = np.flatnonzero(~np.isfinite(values))
    for k in bad[:MAX_ISSUES_PER_SERIES]:
        issues.append(Issue(f"{field}[{k}]", float(values[k]), "a finite number"))
    if non_negative:
        neg = np.flatnonzero(np.isfinite(values) & (values < 0))
        for k in neg[:MAX_ISSUES_PER_SERIES]:
            issues.append(Issue(f"{field}[{k}]", float(values[k]), "a non-negative value"))
    return issues


def _power_series_issues(values: np.ndarray, field: str) -> list[Issue]:
    """Per-step powers above :data:`MAX_SITE_POWER_KW` (watts given as kW)."""
    with np.errstate(invalid="ignore"):
        big = np.flatnonzero(np.isfinite(values) & (np.abs(values) > MAX_SITE_POWER_KW))
    return [
        Issue(
            f"{field}[{k}]",
            float(values[k]),
            f"a power in kW (at most {MAX_SITE_POWER_KW:g} kW for one site); this looks like W given as kW "
            f"({values[k]:g} W = {values[k] / 1000:g} kW)",
        )
        for k in big[:MAX_ISSUES_PER_SERIES]
    ]


def _price_issues(values: np.ndarray, field: str, currency: str) -> list[Issue]:
    """A price series whose median magnitude is implausible per kWh (per MWh or pence given per kWh)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    limit = _max_price_per_kwh()
    median = float(np.median(np.abs(finite)))
    if median <= limit:
        return []
    k = int(np.flatnonzero(np.isfinite(values) & (np.abs(values) > limit))[0])
    return [
        Issue(
            f"{field}[{k}]",
            float(values[k]),
            f"a price per kWh (median |price| is {median:g} {currency}/kWh, above the plausible "
            f"{limit:g}); values like these look like {currency}/MWh - divide by 1000 - "
            f"or pence/cents per kWh - divide by 100",
        )
    ]


def _power(value: float, field: str, limit: float = MAX_ASSET_POWER_KW) -> list[Issue]:
    if math.isfinite(value) and value > limit:
        return [
            Issue(
                field,
                value,
                f"a power in kW (at most {limit:g} kW); this looks like W given as kW "
                f"({value:g} W = {value / 1000:g} kW)",
            )
        ]
    return []


def _capacity(value: float, field: str, limit: float) -> list[Issue]:
    if not value > 0:
        return [Issue(field, value, "a capacity > 0 [kWh]")]
    if math.isfinite(value) and value > limit:
        return [
            Issue(
                field,
                value,
                f"an energy in kWh (at most {limit:g} kWh); this looks like Wh given as kWh "
                f"({value:g} Wh = {value / 1000:g} kWh)",
            )
        ]
    return []


def percent_hint(value: float, capacity_kwh: float) -> str:
    """A hint when an energy above the capacity looks like a percentage (empty otherwise)."""
    if capacity_kwh > 0 and capacity_kwh < value <= 100.0:
        return (
            f"; {value:g} looks like a percentage given as kWh "
            f"({value:g} % of {capacity_kwh:g} kWh = {value / 100 * capacity_kwh:g} kWh)"
        )
    return ""


def _soc_above_capacity(value: float, field: str, capacity_kwh: float) -> list[Issue]:
    if math.isfinite(value) and math.isfinite(capacity_kwh) and value > capacity_kwh + 1e-9:
        return [
            Issue(field, value, f"<= capacity_kwh ({capacity_kwh:g} kWh){percent_hint(value, capacity_kwh)}")
        ]
    return []


def _eta(value: float, field: str) -> list[Issue]:
    if not (0.0 < value <= 1.0):
        hint = f"; {value:g} looks like a percentage (use {value / 100:g})" if 1.0 < value <= 100.0 else ""
        return [Issue(field, value, f"an efficiency in (0, 1]{hint}")]
    return []


def _order(lo: float, hi: float, field: str, hi_name: str, unit: str) -> list[Issue]:
    if lo > hi:
        return [Issue(field, lo, f"<= {hi_name} ({hi:g} {unit})")]
    return []


def check_scenario(scenario: Scenario) -> list[Issue]:
    """Return every problem of a scenario (empty when valid); see the module docstring."""
    issues: list[Issue] = []
    n = scenario.steps
    tariff = scenario.tariff
    currency = scenario.currency
    series = (
        ("tariff.import_price_per_kwh", tariff.import_price_per_kwh),
        ("tariff.export_price_per_kwh", tariff.export_price_per_kwh),
        ("load.kw", scenario.load_kw),
        ("solar.kw", scenario.solar_kw),
    )
    for name, arr in series:
        if len(arr) != n:
            issues.append(Issue(name, f"{len(arr)} values", f"{n} values, one per step"))
    for name, arr in series:
        arr = np.asarray(arr, dtype=float)
        if name.startswith("tariff."):
            issues += _array_issues(arr, name, non_negative=False)
            price_issues = _price_issues(arr, name, currency)
            issues += price_issues or step_price_issues(arr, name, currency)
        else:
            issues += _array_issues(arr, name, non_negative=True)
            power_issues = _power_series_issues(arr, name)
            issues += power_issues
            if name == "load.kw" and not power_issues:
                issues += load_issues(scenario, arr)
    issues += penalty_issues(scenario.shortfall_penalty_per_kwh, "shortfall_penalty_per_kwh")

    issues += asset_issues(scenario.batteries, scenario.vehicles, scenario.connection, scenario.grid)
    return issues


def _storage_issues(
    spec: Any,
    where: str,
    names: set[str],
    max_capacity_kwh: float,
    soc_fields: tuple[str, ...],
    power_fields: tuple[str, ...],
) -> list[Issue]:
    """Checks shared by batteries and vehicles: unique name, capacity, SoC order and bounds, powers, etas.

    ``names`` collects the names seen so far (updated in place).
    """
    issues: list[Issue] = []
    if spec.name in names:
        issues.append(Issue(f"{where}.name", spec.name, "a name unique among batteries and vehicles"))
    else:
        clash = [other for other in names if model_name(other) == model_name(spec.name)]
        if clash:
            issues.append(
                Issue(
                    f"{where}.name",
                    spec.name,
                    f"a name that differs from {clash[0]!r} in more than punctuation and spaces "
                    f"(both read as {model_name(spec.name)!r} in the model)",
                )
            )
    names.add(spec.name)
    cap_issues = _capacity(spec.capacity_kwh, f"{where}.capacity_kwh", max_capacity_kwh)
    issues += cap_issues
    issues += _order(spec.soc_min_kwh, spec.soc_max_kwh, f"{where}.soc_min_kwh", "soc_max_kwh", "kWh")
    if not cap_issues:
        for name in soc_fields:
            issues += _soc_above_capacity(getattr(spec, name), f"{where}.{name}", spec.capacity_kwh)
    for name in power_fields:
        issues += _power(getattr(spec, name), f"{where}.{name}")
    issues += _eta(spec.eta_charge, f"{where}.eta_charge") + _eta(spec.eta_discharge, f"{where}.eta_discharge")
    return issues


def asset_issues(batteries, vehicles, connection, grid=None) -> list[Issue]:
    """Problems of the asset specs and grid connection alone (no series needed).

    Parameters
    ----------
    batteries, vehicles : sequence of BatterySpec, VehicleSpec
        The storage assets, indexed as in the scenario file.
    connection : GridSpec
        The grid connection limits [kW].
    grid : TimeGrid or None
        The horizon; session-versus-horizon checks are skipped without it.
    """
    issues: list[Issue] = []
    names: set[str] = set()
    for i, b in enumerate(batteries):
        issues += _storage_issues(
            b, f"battery[{i}]", names, MAX_BATTERY_CAPACITY_KWH,
            ("soc_max_kwh", "soc_kwh", "soc_min_kwh"), ("charge_max_kw", "discharge_max_kw"),
        )
    for i, v in enumerate(vehicles):
        where = f"vehicle[{i}]"
        issues += _storage_issues(
            v, where, names, MAX_VEHICLE_CAPACITY_KWH,
            ("soc_max_kwh", "soc_min_kwh"), ("charge_max_kw", "charge_min_kw", "discharge_max_kw"),
        )
        cap_issues = _capacity(v.capacity_kwh, f"{where}.capacity_kwh", MAX_VEHICLE_CAPACITY_KWH)
        issues += _order(v.charge_min_kw, v.charge_max_kw, f"{where}.charge_min_kw", "charge_max_kw", "kW")
        if v.shortfall_penalty_per_kwh is not None:
            issues += penalty_issues(v.shortfall_penalty_per_kwh, f"{where}.shortfall_penalty_per_kwh")
        issues += _session_issues(v, where, grid, check_capacity=not cap_issues)
    for name, value in (
        ("grid.import_limit_kw", connection.import_limit_kw),
        ("grid.export_limit_kw", connection.export_limit_kw),
    ):
        if math.isnan(value) or value < 0:
            issues.append(Issue(name, value, "a non-negative power [kW]"))
        else:
            issues += _power(value, name, MAX_SITE_POWER_KW)
    return issues


def _session_issues(v, where: str, grid, *, check_capacity: bool) -> list[Issue]:
    """Order, overlap, horizon and SoC checks of a vehicle's sessions (sorted by arrival)."""
    issues: list[Issue] = []
    previous_depart = None
    for j, s in enumerate(v.sessions):
        sw = f"{where}.session[{j}]"
        if check_capacity:
            issues += _soc_above_capacity(s.arrive_soc_kwh, f"{sw}.arrive_soc_kwh", v.capacity_kwh)
        if s.depart <= s.arrive:
            what = "a zero-length session" if s.depart == s.arrive else "a departure before the arrival"
            issues.append(
                Issue(
                    f"{sw}.depart",
                    s.depart.isoformat(),
                    f"a time after arrive ({s.arrive.isoformat()}); got {what}",
                )
            )
            continue
        if grid is not None and (s.depart <= grid.start or s.arrive >= grid.end):
            issues.append(
                Issue(
                    f"{sw}.arrive",
                    f"{s.arrive.isoformat()} to {s.depart.isoformat()}",
                    f"a session overlapping the horizon {grid.start.isoformat()} to {grid.end.isoformat()}",
                )
            )
        if previous_depart is not None and s.arrive < previous_depart:
            issues.append(
                Issue(
                    f"{sw}.arrive",
                    s.arrive.isoformat(),
                    f"a time at or after the previous session's departure ({previous_depart.isoformat()})",
                )
            )
        previous_depart = s.depart if previous_depart is None else max(previous_depart, s.depart)
    return issues


def degraded_notes(scenario: Scenario) -> list[str]:
    """Notes on valid inputs the plan handles in a degraded-but-safe way (see the module docstring)."""
    notes: list[str] = []
    grid = scenario.grid
    for i, b in enumerate(scenario.batteries):
        where = f"battery[{i}]"
        if b.soc_kwh < b.soc_min_kwh:
            notes.append(
                f"{where}.soc_kwh: {b.soc_kwh:g} kWh is below the reserve soc_min_kwh ({b.soc_min_kwh:g} kWh); "
                "the battery will not discharge below its starting level"
            )
        if b.end_soc_min_kwh > b.soc_max_kwh:
            notes.append(
                f"{where}.end_soc_min_kwh: {b.end_soc_min_kwh:g} kWh is above soc_max_kwh "
                f"({b.soc_max_kwh:g} kWh); the rest is reported as a shortfall"
            )
    for i, v in enumerate(scenario.vehicles):
        for j, s in enumerate(v.sessions):
            sw = f"vehicle[{i}].session[{j}]"
            if s.arrive_soc_kwh >= s.depart_soc_min_kwh:
                notes.append(
                    f"{sw}: arrives with {s.arrive_soc_kwh:g} kWh, already at or above its target "
                    f"({s.depart_soc_min_kwh:g} kWh); no charging is needed"
                )
            if v.v2g and s.arrive_soc_kwh < v.soc_min_kwh:
                notes.append(
                    f"{sw}: arrives with {s.arrive_soc_kwh:g} kWh, below the reserve soc_min_kwh "
                    f"({v.soc_min_kwh:g} kWh); the car only charges in this session (no V2G discharge)"
                )
            reachable = max(v.soc_max_kwh, s.arrive_soc_kwh)
            if s.depart_soc_min_kwh > reachable + 1e-9:
                notes.append(
                    f"{sw}.depart_soc_min_kwh: {s.depart_soc_min_kwh:g} kWh is above what the vehicle can "
                    f"hold ({reachable:g} kWh); it is charged to at most {reachable:g} kWh and the rest is "
                    f"reported as a shortfall{percent_hint(s.depart_soc_min_kwh, v.capacity_kwh)}"
                )
            if s.depart > grid.end and s.arrive < grid.end:
                notes.append(
                    f"{sw}.depart: {s.depart.isoformat()} is after the horizon end ({grid.end.isoformat()}); "
                    "the target at the horizon end is pro-rated in time"
                )
    return notes
