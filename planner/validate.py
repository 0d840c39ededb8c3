"""Cross-field checks of a :class:`~planner.scenario.Scenario`, run before any model is built.

:func:`check_scenario` returns every problem as an :class:`~planner.errors.Issue` (field, value, what was
expected); the caller raises one :class:`~planner.errors.ScenarioError` listing them all.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from planner.errors import Issue

if TYPE_CHECKING:
    from planner.scenario import Scenario


def _array_issues(values: np.ndarray, field: str, *, non_negative: bool) -> list[Issue]:
    issues: list[Issue] = []
    bad = np.flatnonzero(~np.isfinite(values))
    for k in bad[:5]:
        issues.append(Issue(f"{field}[{k}]", float(values[k]), "a finite number"))
    if non_negative:
        neg = np.flatnonzero(np.isfinite(values) & (values < 0))
        for k in neg[:5]:
            issues.append(Issue(f"{field}[{k}]", float(values[k]), "a non-negative value"))
    return issues


def _eta(value: float, field: str) -> list[Issue]:
    if not (0.0 < value <= 1.0):
        return [Issue(field, value, "an efficiency in (0, 1]")]
    return []


def check_scenario(scenario: Scenario) -> list[Issue]:
    """Return every problem of a scenario (empty when valid)."""
    issues: list[Issue] = []
    n = scenario.steps
    tariff = scenario.tariff
    for name, arr in (
        ("tariff.import_price_per_kwh", tariff.import_price_per_kwh),
        ("tariff.export_price_per_kwh", tariff.export_price_per_kwh),
        ("load.kw", scenario.load_kw),
        ("solar.kw", scenario.solar_kw),
    ):
        if len(arr) != n:
            issues.append(Issue(name, f"{len(arr)} values", f"{n} values, one per step"))
    issues += _array_issues(tariff.import_price_per_kwh, "tariff.import_price_per_kwh", non_negative=False)
    issues += _array_issues(tariff.export_price_per_kwh, "tariff.export_price_per_kwh", non_negative=False)
    issues += _array_issues(scenario.load_kw, "load.kw", non_negative=True)
    issues += _array_issues(scenario.solar_kw, "solar.kw", non_negative=True)

    names: set[str] = set()
    for i, b in enumerate(scenario.batteries):
        where = f"battery[{i}]"
        if b.name in names:
            issues.append(Issue(f"{where}.name", b.name, "a name unique among batteries and vehicles"))
        names.add(b.name)
        if not b.capacity_kwh > 0:
            issues.append(Issue(f"{where}.capacity_kwh", b.capacity_kwh, "a capacity > 0 [kWh]"))
        if b.soc_min_kwh > b.soc_max_kwh:
            issues.append(
                Issue(f"{where}.soc_min_kwh", b.soc_min_kwh, f"<= soc_max_kwh ({b.soc_max_kwh:g} kWh)")
            )
        if b.soc_max_kwh > b.capacity_kwh + 1e-9:
            issues.append(
                Issue(f"{where}.soc_max_kwh", b.soc_max_kwh, f"<= capacity_kwh ({b.capacity_kwh:g} kWh)")
            )
        if b.soc_kwh > b.capacity_kwh + 1e-9:
            issues.append(
                Issue(f"{where}.soc_kwh", b.soc_kwh, f"<= capacity_kwh ({b.capacity_kwh:g} kWh)")
            )
        issues += _eta(b.eta_charge, f"{where}.eta_charge") + _eta(b.eta_discharge, f"{where}.eta_discharge")
    for i, v in enumerate(scenario.vehicles):
        where = f"vehicle[{i}]"
        if v.name in names:
            issues.append(Issue(f"{where}.name", v.name, "a name unique among batteries and vehicles"))
        names.add(v.name)
        if not v.capacity_kwh > 0:
            issues.append(Issue(f"{where}.capacity_kwh", v.capacity_kwh, "a capacity > 0 [kWh]"))
        if v.soc_min_kwh > v.soc_max_kwh:
            issues.append(
                Issue(f"{where}.soc_min_kwh", v.soc_min_kwh, f"<= soc_max_kwh ({v.soc_max_kwh:g} kWh)")
            )
        if v.soc_max_kwh > v.capacity_kwh + 1e-9:
            issues.append(
                Issue(f"{where}.soc_max_kwh", v.soc_max_kwh, f"<= capacity_kwh ({v.capacity_kwh:g} kWh)")
            )
        if v.charge_min_kw > v.charge_max_kw:
            issues.append(
                Issue(f"{where}.charge_min_kw", v.charge_min_kw, f"<= charge_max_kw ({v.charge_max_kw:g} kW)")
            )
        issues += _eta(v.eta_charge, f"{where}.eta_charge") + _eta(v.eta_discharge, f"{where}.eta_discharge")
        grid = scenario.grid
        previous_depart = None
        for j, s in enumerate(v.sessions):
            sw = f"{where}.session[{j}]"
            if s.depart <= s.arrive:
                issues.append(
                    Issue(f"{sw}.depart", s.depart.isoformat(), f"a time after arrive ({s.arrive.isoformat()})")
                )
                continue
            if s.depart <= grid.start or s.arrive >= grid.end:
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
            if s.arrive_soc_kwh > v.capacity_kwh + 1e-9:
                issues.append(
                    Issue(f"{sw}.arrive_soc_kwh", s.arrive_soc_kwh, f"<= capacity_kwh ({v.capacity_kwh:g} kWh)")
                )
            previous_depart = s.depart
    for name, value in (
        ("grid.import_limit_kw", scenario.connection.import_limit_kw),
        ("grid.export_limit_kw", scenario.connection.export_limit_kw),
    ):
        if math.isnan(value) or value < 0:
            issues.append(Issue(name, value, "a non-negative power [kW]"))
    return issues
