"""Property tests over random scenarios (bounded sizes).

- A random *valid* scenario always gives a plan that passes :func:`planner.verify.verify`.
- A random scenario with one field spoiled (NaN, a wrong type, a negative or huge number, a misspelt key)
  either gives a :class:`ScenarioError` whose every issue names a field, or a verified plan; no other
  exception type escapes :func:`planner.plan`.

Profiles: ``PLANNER_HYPOTHESIS_PROFILE=ci`` (default, modest example counts) or ``thorough``.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner import ScenarioError, scenario_from_dict
from planner.verify import verify

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = settings.get_profile(os.environ.get("PLANNER_HYPOTHESIS_PROFILE", "ci"))

STARTS = [
    "2025-01-15T00:00:00+00:00",
    "2025-03-30T00:00:00+00:00",  # Europe/London springs forward
    "2025-10-26T00:00:00+00:00",  # Europe/London falls back
    "2025-04-05T13:00:00+00:00",  # Australia/Sydney falls back (03:00 local on 6 April)
    "2025-06-21T10:17:00+00:00",  # not aligned to any step
]
ZONES = ["UTC", "Europe/London", "Australia/Sydney"]


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def series(draw: st.DrawFn, n: int, lo: float, hi: float) -> list[float]:
    """Per-step values, often piecewise constant (as real tariffs are)."""
    if draw(st.booleans()):
        return [draw(_floats(lo, hi))] * n
    return draw(st.lists(_floats(lo, hi), min_size=n, max_size=n))


@st.composite
def battery(draw: st.DrawFn, i: int) -> dict[str, Any]:
    cap = draw(_floats(1.0, 20.0))
    soc_min = draw(_floats(0.0, cap / 2))
    soc_max = draw(_floats(soc_min, cap))
    out: dict[str, Any] = {
        "name": f"bat{i}",
        "capacity_kwh": cap,
        "soc_kwh": draw(_floats(0.0, cap)),  # may start below the reserve or above soc_max
        "soc_min_kwh": soc_min,
        "soc_max_kwh": soc_max,
        "charge_max_kw": draw(_floats(0.0, 10.0)),
        "discharge_max_kw": draw(_floats(0.0, 10.0)),
        "eta_charge": draw(_floats(0.5, 1.0)),
        "eta_discharge": draw(_floats(0.5, 1.0)),
        "degradation_cost_per_kwh": draw(_floats(0.0, 0.1)),
    }
    if draw(st.booleans()):
        out["end_soc_min_kwh"] = draw(_floats(0.0, cap * 1.2))
    return out


@st.composite
def vehicle(draw: st.DrawFn, i: int, start: pd.Timestamp, horizon_minutes: int) -> dict[str, Any]:
    cap = draw(_floats(10.0, 100.0))
    cmax = draw(_floats(0.0, 22.0))
    v2g = draw(st.booleans())
    out: dict[str, Any] = {
        "name": f"ev{i}",
        "capacity_kwh": cap,
        "soc_min_kwh": draw(_floats(0.0, cap * 0.3)),
        "charge_max_kw": cmax,
        "charge_min_kw": draw(st.sampled_from([0.0, min(1.4, cmax), cmax * 0.5])),
        "eta_charge": draw(_floats(0.7, 1.0)),
        "eta_discharge": draw(_floats(0.7, 1.0)),
        "v2g": v2g,
        "degradation_cost_per_kwh": draw(_floats(0.0, 0.1)),
    }
    if v2g:
        out["discharge_max_kw"] = draw(_floats(0.0, 11.0))
    sessions = []
    cursor = draw(st.integers(-60, horizon_minutes - 5))  # minutes from the horizon start, 1-minute grid
    for _ in range(draw(st.integers(0, 2))):
        if cursor >= horizon_minutes:
            break
        length = draw(st.integers(5, 24 * 60))
        arrive = start + pd.Timedelta(minutes=cursor)
        depart = arrive + pd.Timedelta(minutes=length)
        if depart <= start:
            depart = start + pd.Timedelta(minutes=5)
        sessions.append(
            {
                "arrive": arrive.isoformat(),
                "depart": depart.isoformat(),
                "arrive_soc_kwh": draw(_floats(0.0, cap)),
                "depart_soc_min_kwh": draw(_floats(0.0, cap * 1.3)),  # may exceed what the car holds
            }
        )
        cursor = int((depart - start) / pd.Timedelta(minutes=1)) + draw(st.integers(0, 180))
    out["session"] = sessions
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid scenario dictionary: 2-16 steps, 0-1 battery, 0-2 vehicles."""
    step = draw(st.sampled_from([15, 30, 60]))
    n = draw(st.integers(2, 16))
    start = pd.Timestamp(draw(st.sampled_from(STARTS)))
    imp = draw(series(n, -0.3, 1.0))
    exp = draw(series(n, -0.2, 1.2))  # sometimes above the import price
    raw: dict[str, Any] = {
        "schema_version": 1,
        "name": "random",
        "horizon": {"start": start.isoformat(), "steps": n, "step_minutes": step,
                    "timezone": draw(st.sampled_from(ZONES))},
        "grid": {
            "import_limit_kw": draw(st.sampled_from([math.inf, 0.0, 3.0, 15.0])),
            "export_limit_kw": draw(st.sampled_from([math.inf, 0.0, 5.0])),
        },
        "tariff": {"import_price_per_kwh": imp, "export_price_per_kwh": exp},
        "load": {"kw": draw(series(n, 0.0, 6.0))},
        "solar": {"kw": draw(series(n, 0.0, 6.0)), "curtailable": draw(st.booleans())},
        "battery": [draw(battery(0))] if draw(st.booleans()) else [],
        "vehicle": [draw(vehicle(i, start, n * step)) for i in range(draw(st.integers(0, 2)))],
    }
    return raw


JUNK = st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 0.0, 1e7, 95.0, "7.4", True, None, [1.0]])


@st.composite
def spoiled(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario with one value replaced by junk or one key misspelt."""
    raw = draw(scenarios())
    tables: list[tuple[dict, str]] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                tables.append((node, key))
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(raw)
    table, key = draw(st.sampled_from(tables))
    if draw(st.integers(0, 4)) == 0:
        table[key + "x"] = table.pop(key)
    else:
        value = draw(JUNK)
        if isinstance(table[key], list) and table[key] and not isinstance(table[key][0], dict):
            table[key] = list(table[key])
            table[key][draw(st.integers(0, len(table[key]) - 1))] = value
        elif value is None:
            table.pop(key)
        else:
            table[key] = value
    return raw


def _plan_or_error(raw: dict[str, Any]) -> tuple[planner.Scenario | None, planner.Plan | ScenarioError]:
    try:
        scenario = scenario_from_dict(raw)
        return scenario, planner.plan(scenario, time_limit_s=20)
    except ScenarioError as exc:
        return None, exc


@settings(PROFILE)
@given(scenarios())
def test_every_valid_scenario_gives_a_verified_plan(raw: dict[str, Any]) -> None:
    scenario = scenario_from_dict(raw)
    result = planner.plan(scenario, time_limit_s=20)
    verify(scenario, result)
    assert result.status in ("optimal", "time_limit", "fallback")
    if result.status == "fallback":
        assert result.reason
    assert math.isfinite(result.costs["total"])
    # every session within the horizon is reported, met or not
    reported = [s for s in result.shortfalls if s.get("kind") == "vehicle_session"]
    assert len(reported) == sum(len(v.sessions) for v in scenario.vehicles)
    assert all(s["shortfall_kwh"] >= 0 for s in result.shortfalls)


@settings(PROFILE)
@given(spoiled())
def test_spoiled_scenario_gives_a_named_error_or_a_verified_plan(raw: dict[str, Any]) -> None:
    scenario, outcome = _plan_or_error(raw)
    if isinstance(outcome, ScenarioError):
        assert outcome.issues
        for issue in outcome.issues:
            assert issue.field and issue.expected
            assert f"{issue.field}: " in str(outcome)
        return
    assert scenario is not None
    verify(scenario, outcome)
