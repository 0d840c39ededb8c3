"""Shared test helpers: a tiny-scenario factory, a solve-and-verify helper and tolerances.

Scenarios are built through :func:`planner.scenario_from_dict` with explicit per-step arrays, so a test reads
like the TOML a user would write. Times default to a UTC horizon starting 2025-01-15 00:00 with one-hour
steps, which keeps hand calculations simple (energy [kWh] = power [kW] in each step).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import planner
from planner.verify import verify

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "data" / "examples").glob("*.toml"))

COST_ABS = 1e-6
"""Absolute tolerance on hand-solved costs [currency]."""
COST_REL = 1e-6
"""Relative tolerance when comparing two solvers' objectives (dimensionless)."""
KW_TOL = 1e-6
"""Tolerance on powers [kW] in hand-solved schedules."""
KWH_TOL = 1e-6
"""Tolerance on energies [kWh]."""

START = "2025-01-15T00:00:00+00:00"


def at(hours: float, start: str = START) -> str:
    """ISO timestamp ``hours`` [h] after ``start``."""
    return (pd.Timestamp(start) + pd.Timedelta(hours=hours)).isoformat()


def make_raw(
    *,
    import_price: list[float] | float,
    export_price: list[float] | float = 0.0,
    load: list[float] | float = 0.0,
    solar: list[float] | float = 0.0,
    steps: int | None = None,
    step_minutes: int = 60,
    import_limit_kw: float | None = None,
    export_limit_kw: float | None = None,
    batteries: list[dict[str, Any]] | None = None,
    vehicles: list[dict[str, Any]] | None = None,
    curtailable: bool = True,
    penalty: float | None = None,
    standing_charge_per_day: float | None = None,
    start: str = START,
) -> dict[str, Any]:
    """A scenario dictionary in the TOML layout of DESIGN.md section 6."""
    if steps is None:
        steps = next(len(v) for v in (import_price, export_price, load, solar) if isinstance(v, list))
    raw: dict[str, Any] = {
        "schema_version": 1,
        "name": "tiny",
        "currency": "GBP",
        "horizon": {"start": start, "steps": steps, "step_minutes": step_minutes, "timezone": "UTC"},
        "tariff": {"import_price_per_kwh": import_price, "export_price_per_kwh": export_price},
        "load": {"kw": load},
        "solar": {"kw": solar, "curtailable": curtailable},
    }
    if standing_charge_per_day is not None:
        raw["tariff"]["standing_charge_per_day"] = standing_charge_per_day
    grid: dict[str, float] = {}
    if import_limit_kw is not None:
        grid["import_limit_kw"] = import_limit_kw
    if export_limit_kw is not None:
        grid["export_limit_kw"] = export_limit_kw
    if grid:
        raw["grid"] = grid
    if penalty is not None:
        raw["shortfall_penalty_per_kwh"] = penalty
    if batteries:
        raw["battery"] = [dict(b) for b in batteries]
    if vehicles:
        raw["vehicle"] = [dict(v) for v in vehicles]
    return raw


def make_scenario(**kwargs: Any) -> planner.Scenario:
    """A validated :class:`planner.Scenario` from :func:`make_raw` arguments."""
    return planner.scenario_from_dict(make_raw(**kwargs))


def battery(**overrides: Any) -> dict[str, Any]:
    """A lossless 10 kWh battery, empty, 5 kW both ways, no wear, end floor 0 (override any field)."""
    spec: dict[str, Any] = {
        "name": "bat",
        "capacity_kwh": 10.0,
        "soc_kwh": 0.0,
        "soc_min_kwh": 0.0,
        "soc_max_kwh": 10.0,
        "charge_max_kw": 5.0,
        "discharge_max_kw": 5.0,
        "eta_charge": 1.0,
        "eta_discharge": 1.0,
        "degradation_cost_per_kwh": 0.0,
        "end_soc_min_kwh": 0.0,
    }
    spec.update(overrides)
    return spec


def vehicle(sessions: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """A lossless 40 kWh car, 4 kW charging, no V2G, no minimum power, no wear (override any field)."""
    spec: dict[str, Any] = {
        "name": "car",
        "capacity_kwh": 40.0,
        "soc_min_kwh": 0.0,
        "soc_max_kwh": 40.0,
        "charge_max_kw": 4.0,
        "charge_min_kw": 0.0,
        "eta_charge": 1.0,
        "eta_discharge": 1.0,
        "v2g": False,
        "degradation_cost_per_kwh": 0.0,
        "session": sessions,
    }
    spec.update(overrides)
    return spec


def session(arrive_h: float, depart_h: float, arrive_soc: float, target: float) -> dict[str, Any]:
    """A session from ``arrive_h`` to ``depart_h`` hours after the default start."""
    return {"arrive": at(arrive_h), "depart": at(depart_h), "arrive_soc_kwh": arrive_soc,
            "depart_soc_min_kwh": target}


def solve(scenario: planner.Scenario, *, dispatch: str = "setpoint", mip_rel_gap: float = 0.0,
          **kwargs: Any) -> planner.Plan:
    """Plan ``scenario`` (no fail-safe, tight gap), require a solver optimum and re-verify the plan."""
    result = planner.plan(scenario, mip_rel_gap=mip_rel_gap, dispatch=dispatch, allow_fallback=False, **kwargs)
    assert result.status == "optimal", result.summary()
    verify(scenario, result, dispatch=dispatch)
    return result


def close(a: float, b: float, rel: float = COST_REL, abs_: float = COST_ABS) -> bool:
    """``a`` equals ``b`` within ``rel`` relative or ``abs_`` absolute."""
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


@pytest.fixture(params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example_path(request: pytest.FixtureRequest) -> Path:
    """Each shipped example scenario file."""
    return request.param
