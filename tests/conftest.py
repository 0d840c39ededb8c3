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
CORE_EXAMPLES = [ROOT / "data" / "examples" / f"{name}.toml" for name in ("leaf-xstorage", "leaf-no-v2g", "negative-prices")]
"""The single-home 48 h x 30 min examples whose model the oracle encodes (no chargers, phases or demand charges)."""

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
    """A scenario dictionary in the TOML layout of docs/scenario.md."""
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
    """A lossless 10 kWh battery, empty, 5 kW both ways, no wear, end floor 0, no terminal value (the
    hand-solved optima are derived without one; override any field)."""
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
        "end_value_per_kwh": 0.0,
    }
    spec.update(overrides)
    return spec


def vehicle(sessions: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """A lossless 40 kWh car, 4 kW charging, no V2G, no minimum power, no wear, no terminal value (override
    any field)."""
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
        "end_value_per_kwh": 0.0,
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
    kwargs.setdefault("mip_abs_gap", 0.0)  # hand-solved optima: the proof to the relative gap alone
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


def random_raw(seed: int, *, steps: int | None = None, step_minutes: int | None = None) -> dict[str, Any]:
    """A random valid scenario dictionary (bounded size) for oracle and metamorphic tests.

    Covers: export prices above import prices in some steps, negative prices, finite and infinite grid limits,
    curtailable or not, 0-2 batteries (lossy, wear, reserves, end floors), 0-2 vehicles with 1-2 sessions
    that may start before or end after the horizon, partly covered steps, minimum power, V2G and unreachable
    targets.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    step_minutes = step_minutes or int(rng.choice([30, 60]))
    n = steps or int(rng.integers(6, 17))
    h = step_minutes / 60.0
    imp = np.round(rng.uniform(-0.05, 0.4, n), 4)
    exp = np.round(np.where(rng.random(n) < 0.25, imp + rng.uniform(0.0, 0.1, n), imp * rng.uniform(0.2, 0.9, n)), 4)
    raw = make_raw(
        import_price=imp.tolist(),
        export_price=exp.tolist(),
        load=np.round(rng.uniform(0.0, 2.0, n), 3).tolist(),
        solar=np.round(np.maximum(0.0, rng.uniform(-2.0, 4.0, n)), 3).tolist(),
        steps=n,
        step_minutes=step_minutes,
        import_limit_kw=float(rng.choice([6.0, 10.0, 1e3])) if rng.random() < 0.7 else None,
        export_limit_kw=float(rng.choice([2.0, 5.0])) if rng.random() < 0.7 else None,
        curtailable=bool(rng.random() < 0.6),
        penalty=float(rng.choice([2.0, 10.0])),
    )
    batteries = []
    for i in range(int(rng.integers(0, 3))):
        cap = float(rng.choice([5.0, 10.0]))
        soc = float(np.round(rng.uniform(0.0, cap), 2))
        batteries.append(battery(
            name=f"bat{i}", capacity_kwh=cap, soc_kwh=soc, soc_min_kwh=float(np.round(0.1 * cap * rng.integers(0, 3), 2)),
            soc_max_kwh=cap, charge_max_kw=float(rng.choice([2.5, 5.0])), discharge_max_kw=float(rng.choice([2.5, 5.0])),
            eta_charge=float(rng.choice([0.9, 0.95, 1.0])), eta_discharge=float(rng.choice([0.9, 0.95])),
            degradation_cost_per_kwh=float(rng.choice([0.0, 0.02])),
            end_soc_min_kwh=float(np.round(rng.uniform(0.0, cap), 2)),
        ))
    vehicles = []
    horizon_h = n * h
    for i in range(int(rng.integers(0, 3))):
        sessions = []
        t = float(rng.uniform(-1.0, 0.3 * horizon_h))
        for _ in range(int(rng.integers(1, 3))):
            arrive = round(t * 4) / 4 + float(rng.choice([0.0, 0.1, 1 / 3]))
            if arrive >= horizon_h - 0.1:
                break
            depart = max(arrive + float(rng.uniform(0.6, 0.6 * horizon_h)), 0.5)
            a_soc = float(np.round(rng.uniform(5.0, 30.0), 2))
            sessions.append(session(arrive, depart, a_soc, float(np.round(a_soc + rng.uniform(-5.0, 25.0), 2))))
            t = depart + float(rng.uniform(0.1, 2.0))
            if t >= horizon_h:
                break
        v2g = bool(rng.random() < 0.5)
        cmax = float(rng.choice([3.7, 7.4]))
        vehicles.append(vehicle(
            sessions, name=f"ev{i}", capacity_kwh=40.0, soc_min_kwh=float(rng.choice([0.0, 4.0, 8.0])),
            soc_max_kwh=float(rng.choice([36.0, 40.0])), charge_max_kw=cmax,
            charge_min_kw=float(rng.choice([0.0, 1.4])), discharge_max_kw=cmax if v2g else 0.0, v2g=v2g,
            eta_charge=float(rng.choice([0.9, 1.0])), eta_discharge=float(rng.choice([0.9, 1.0])),
            degradation_cost_per_kwh=float(rng.choice([0.0, 0.05])),
        ))
    if batteries:
        raw["battery"] = batteries
    if vehicles:
        raw["vehicle"] = vehicles
    return raw


def benchmark_module(name: str):
    """The script ``benchmarks/<name>.py`` as a module, loaded once per process."""
    import importlib.util

    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def study_module():
    """The study script ``benchmarks/tariff_comparison.py`` as a module (its home, series and tariffs)."""
    return benchmark_module("tariff_comparison")
