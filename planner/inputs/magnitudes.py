"""Magnitude checks of a scenario that betray a mistake: single implausible steps, watt-sized loads, penalties.

Each returns :class:`~planner.errors.Issue` items naming the field, the index and the likely fix; they are
run by :func:`planner.inputs.validate.check_scenario`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from planner.errors import Issue

if TYPE_CHECKING:
    from planner.inputs.specs import Scenario

MAX_SHORTFALL_PENALTY_PER_KWH = 1e6
"""Largest accepted shortfall penalty [currency/kWh]. The default (10 per kWh) already outweighs any energy
price, so a target is met whenever it physically can be; larger penalties only scale the model badly."""
MAX_STEP_PRICE_PER_KWH = 20.0
"""Largest accepted price magnitude of any single step [currency/kWh]: twice the highest market limit we know
(intraday +-9,999 EUR/MWh); a larger step is a typo or a per-MWh value among per-kWh ones."""
LOAD_TO_SUPPLY_RATIO_MAX = 10.0
"""A load step above this multiple of what the site can deliver is taken for W given as kW."""
LOAD_TO_SUPPLY_MEDIAN_RATIO_MAX = 3.0
"""A median load above this multiple of what the site can deliver is taken for W given as kW."""
MAX_ISSUES_PER_SERIES = 5
"""At most this many per-step problems of one kind are listed for one series."""


def _per_step(field: str, values: np.ndarray, steps: np.ndarray, expected: Callable[[int], str]) -> list[Issue]:
    """One issue ``field[k]: value - expected(k)`` for each of the first steps in ``steps``."""
    return [Issue(f"{field}[{k}]", float(values[k]), expected(int(k))) for k in steps[:MAX_ISSUES_PER_SERIES]]


def step_price_issues(values: np.ndarray, field: str, currency: str) -> list[Issue]:
    """Single steps priced beyond :data:`MAX_STEP_PRICE_PER_KWH` in magnitude (a typo or a unit slip)."""
    with np.errstate(invalid="ignore"):
        big = np.flatnonzero(np.isfinite(values) & (np.abs(values) > MAX_STEP_PRICE_PER_KWH))
    if big.size == 0:
        return []
    finite = values[np.isfinite(values)]
    median = float(np.median(finite))
    return _per_step(field, values, big, lambda k: (
        f"a price per kWh within +-{MAX_STEP_PRICE_PER_KWH:g} {currency}/kWh (the series' median is "
        f"{median:g}); no market clears beyond about 10 per kWh, so this step looks like a typo or a "
        f"per-MWh value"))


def load_issues(scenario: Scenario, load: np.ndarray) -> list[Issue]:
    """Load steps far beyond what the site can deliver (grid import + solar + every battery and V2G car).

    A load above what the site can deliver is served in part (the rest is unserved load, penalised and
    reported); a step above :data:`LOAD_TO_SUPPLY_RATIO_MAX` times it, or a median load above
    :data:`LOAD_TO_SUPPLY_MEDIAN_RATIO_MAX` times it, is no household and no depot: usually W given as kW.
    """
    import_kw = scenario.connection.import_limit_kw
    if not math.isfinite(import_kw) or len(load) != scenario.steps:
        return []
    supply = import_kw + np.where(np.isfinite(scenario.solar_kw), scenario.solar_kw, 0.0)
    supply = supply + sum(b.discharge_max_kw for b in scenario.batteries if math.isfinite(b.discharge_max_kw))
    supply = supply + sum(
        v.discharge_max_kw for v in scenario.vehicles if v.v2g and math.isfinite(v.discharge_max_kw)
    )
    finite = np.isfinite(load) & (supply >= 1.0)  # a site that can deliver (almost) nothing is not judged
    ratio = np.divide(load, supply, out=np.zeros(len(load)), where=finite)
    bad = np.flatnonzero(ratio > LOAD_TO_SUPPLY_RATIO_MAX)
    if bad.size == 0 and finite.any() and float(np.median(ratio[finite])) > LOAD_TO_SUPPLY_MEDIAN_RATIO_MAX:
        bad = np.flatnonzero(ratio > LOAD_TO_SUPPLY_MEDIAN_RATIO_MAX)
    return _per_step("load.kw", load, bad, lambda k: (
        f"a load the site can supply (at most {supply[k]:g} kW: {import_kw:g} kW import plus solar, "
        f"batteries and V2G cars); {load[k]:g} looks like W given as kW ({load[k] / 1000:g} kW) - "
        f"use scale = 0.001 or convert the column"))


def penalty_issues(value: float, field: str) -> list[Issue]:
    """A shortfall penalty [currency/kWh] must be finite, >= 0 and at most
    :data:`MAX_SHORTFALL_PENALTY_PER_KWH`."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        return [Issue(field, value, "a finite price >= 0 [currency/kWh]")]
    if value > MAX_SHORTFALL_PENALTY_PER_KWH:
        return [
            Issue(
                field,
                value,
                f"a price of at most {MAX_SHORTFALL_PENALTY_PER_KWH:g} per kWh; the default of 10 per kWh "
                "already makes a target hard whenever it can be met (larger values only scale the model badly)",
            )
        ]
    return []
