"""Fail-safe behaviour: the time limit holds on the wall clock, and without a usable solver the plan is the
fail-safe plan (every plugged-in vehicle charging at full power from arrival, batteries idle), verified and
with its reason stated.
"""

from __future__ import annotations

import gc
import math
import threading
import time

import highspy
import numpy as np
import pytest

import planner
import planner.api
from planner import PlannerError, SolverError, scenario_from_dict
from planner.verify import verify

H = 0.5  # step length [h]


def home(import_limit_kw: float = 10.0) -> dict:
    """8 h of half-hour steps from 16:00 UTC; 3 kW load; a car plugged in at 18:10 needing 30 kWh by 24:00."""
    n = 16
    return {
        "schema_version": 1,
        "name": "failsafe",
        "horizon": {"start": "2025-01-15T16:00:00+00:00", "hours": 8, "step_minutes": 30, "timezone": "UTC"},
        "grid": {"import_limit_kw": import_limit_kw, "export_limit_kw": 5.0},
        "tariff": {"import_price_per_kwh": [0.35] * 6 + [0.08] * 10, "export_price_per_kwh": 0.04},
        "load": {"kw": [3.0] * n},
        "battery": [{"name": "home", "capacity_kwh": 10.0, "soc_kwh": 6.0, "soc_min_kwh": 1.0,
                     "charge_max_kw": 3.0, "end_soc_min_kwh": 2.0}],
        "vehicle": [{
            "name": "ev", "capacity_kwh": 60.0, "charge_max_kw": 7.4, "charge_min_kw": 1.4, "eta_charge": 0.92,
            "v2g": True, "discharge_max_kw": 7.4,
            "session": [{"arrive": "2025-01-15T18:10:00+00:00", "depart": "2025-01-16T00:00:00+00:00",
                         "arrive_soc_kwh": 10.0, "depart_soc_min_kwh": 40.0}],
        }],
    }


def earliest_ready_step(scenario: planner.Scenario) -> tuple[int, np.ndarray]:
    """Recompute from physics alone: the most energy the car can store per step and the step it is ready.

    Per step the charger gives at most ``charge_max_kw x covered fraction``, and the grid at most
    ``import_limit_kw - load_kw`` once the house is served (the battery idles in the fail-safe plan).
    """
    v = scenario.vehicles[0]
    s = v.sessions[0]
    frac = scenario.grid.coverage(s.arrive, s.depart)
    power = np.minimum(v.charge_max_kw * frac, scenario.connection.import_limit_kw - scenario.load_kw)
    power = np.maximum(power, 0.0)
    stored = np.cumsum(v.eta_charge * power * H)
    need = s.depart_soc_min_kwh - s.arrive_soc_kwh
    return int(np.flatnonzero(stored >= need - 1e-9)[0]), power


def _check_ready_as_early_as_physics_allows(scenario: planner.Scenario, result: planner.Plan) -> None:
    ready, power = earliest_ready_step(scenario)
    charge = result.schedule["ev_charge_kw"].to_numpy()
    soc = result.schedule["ev_soc_kwh"].to_numpy()
    assert charge[:ready] == pytest.approx(power[:ready], abs=1e-9)  # flat out until the last step
    assert soc[ready] == pytest.approx(40.0, abs=1e-9)
    assert np.all(soc[4:ready] < 40.0 - 1e-6)  # it could not have been ready any earlier
    assert charge[ready + 1:] == pytest.approx(0.0)
    assert result.schedule["ev_discharge_kw"].to_numpy() == pytest.approx(0.0)
    assert result.schedule["home_charge_kw"].to_numpy() == pytest.approx(0.0)
    assert result.schedule["home_discharge_kw"].to_numpy() == pytest.approx(0.0)
    entry = next(s for s in result.shortfalls if s.get("kind") == "vehicle_session")
    assert entry["shortfall_kwh"] == 0.0


def _no_module(*_args: object, **_kwargs: object) -> None:
    raise ImportError("No module named 'highspy'")


def _no_library(*_args: object, **_kwargs: object) -> None:
    raise OSError("libhighs.so: cannot open shared object file")


@pytest.mark.parametrize(
    ("target", "breaker", "reason"),
    [
        pytest.param("planner.api.solve_model", _no_module, "solver unavailable: ImportError", id="no_module"),
        pytest.param("highspy.Highs", _no_library, "solver", id="no_library"),
    ],
)
def test_unavailable_solver_gives_the_fail_safe_plan(
    monkeypatch: pytest.MonkeyPatch, target: str, breaker: object, reason: str
) -> None:
    """Import limit 10 kW - 3 kW load leaves 7 kW: the car charges at 4.93 kW in the 18:00 step (20 of 30
    minutes at 7.4 kW) then 7 kW, and holds 40 kWh at the end of the step physics allows, not later."""
    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(highspy if module == "highspy" else planner.api, name, breaker)
    scenario = scenario_from_dict(home())
    result = planner.plan(scenario)
    verify(scenario, result)
    assert result.status == "fallback"
    assert result.reason.startswith(reason)
    ready, power = earliest_ready_step(scenario)
    assert power[4] == pytest.approx(7.4 * 2 / 3)
    assert power[5] == pytest.approx(7.0)
    # 0.92 x 4.933 kW x 0.5 h = 2.269 kWh in step 4, then 0.92 x 7 x 0.5 = 3.22 kWh per step:
    # (30 - 2.269) / 3.22 = 8.6 -> 9 more steps, ready at the end of step 13 (22:30-23:00)
    assert ready == 13
    _check_ready_as_early_as_physics_allows(scenario, result)


def test_unreachable_target_in_the_fail_safe_plan_is_reported() -> None:
    """With a 5 kW import limit only 2 kW are left for the car: it is charged flat out and reported short."""
    raw = home(import_limit_kw=5.0)
    scenario = scenario_from_dict(raw)
    result = planner.solve.fallback.fallback_plan(scenario, "test")
    verify(scenario, result)
    frac = scenario.grid.coverage(scenario.vehicles[0].sessions[0].arrive, scenario.vehicles[0].sessions[0].depart)
    expected = np.minimum(7.4 * frac, 2.0)
    expected[expected < 1.4 * frac] = 0.0  # below the minimum charging power the car cannot charge
    assert result.schedule["ev_charge_kw"].to_numpy() == pytest.approx(expected)
    stored = 0.92 * expected.sum() * H
    entry = next(s for s in result.shortfalls if s.get("kind") == "vehicle_session")
    assert entry["shortfall_kwh"] == pytest.approx(30.0 - stored)
    assert result.costs["shortfall_penalty"] == pytest.approx(10.0 * (30.0 - stored))


def test_solver_error_gives_the_fail_safe_plan_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("kSolveError")

    monkeypatch.setattr(planner.api, "solve_model", crash)
    scenario = scenario_from_dict(home())
    result = planner.plan(scenario)
    verify(scenario, result)
    assert (result.status, result.reason) == ("fallback", "solver error: RuntimeError: kSolveError")
    with pytest.raises(SolverError, match="kSolveError"):
        planner.plan(scenario, allow_fallback=False)


def test_solution_failing_verification_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solver answer that breaks the site balance is never returned."""
    original = planner.api.plan_from_solution

    def corrupt(*args: object, **kwargs: object) -> planner.Plan:
        result = original(*args, **kwargs)
        result.schedule["grid_import_kw"] += 1.0
        return result

    monkeypatch.setattr(planner.api, "plan_from_solution", corrupt)
    scenario = scenario_from_dict(home())
    result = planner.plan(scenario)
    verify(scenario, result)
    assert result.status == "fallback"
    assert result.reason.startswith("solver solution rejected: VerificationError")
    with pytest.raises(PlannerError):
        planner.plan(scenario, allow_fallback=False)


def test_hanging_solver_is_cut_off_by_the_wall_clock_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solver that ignores its own time limit: ``plan`` still returns within time_limit_s + 1 s."""
    release = threading.Event()

    def hang(*_args: object, **_kwargs: object) -> None:
        release.wait(30.0)
        raise RuntimeError("released")

    monkeypatch.setattr(planner.api, "solve_model", hang)
    scenario = scenario_from_dict(home())
    gc.collect()
    try:
        t0 = time.perf_counter()
        result = planner.plan(scenario, time_limit_s=1.0)
        elapsed = time.perf_counter() - t0
    finally:
        release.set()
    verify(scenario, result)
    assert elapsed < 1.0 + 1.0
    assert elapsed >= 1.0
    assert result.status == "fallback"
    assert result.reason.startswith("wall-clock guard")
    _check_ready_as_early_as_physics_allows(scenario, result)


def week_scenario() -> planner.Scenario:
    """7 days of 15-minute steps (672), a V2G car plugged in every night, a home battery, time-of-use prices."""
    n = 7 * 96
    sessions = [
        {"arrive": f"2025-01-{13 + d}T17:45:00+00:00", "depart": f"2025-01-{14 + d}T07:30:00+00:00",
         "arrive_soc_kwh": 18.0, "depart_soc_min_kwh": 45.0}
        for d in range(6)
    ]
    return scenario_from_dict({
        "schema_version": 1,
        "name": "week",
        "horizon": {"start": "2025-01-13T00:00:00+00:00", "hours": 168, "step_minutes": 15,
                    "timezone": "Europe/London"},
        "grid": {"import_limit_kw": 15.0, "export_limit_kw": 5.0},
        "tariff": {"import_price_per_kwh": [0.3 if 16 <= (k // 4) % 24 < 19 else 0.12 for k in range(n)],
                   "export_price_per_kwh": 0.15},
        "load": {"kw": [0.4 + 0.8 * math.sin(math.pi * ((k % 96) / 96)) ** 2 for k in range(n)]},
        "solar": {"kw": [max(0.0, 3.0 * math.sin(math.pi * ((k % 96) - 32) / 32)) for k in range(n)]},
        "battery": [{"name": "home", "capacity_kwh": 10.0, "soc_kwh": 5.0, "soc_min_kwh": 1.0,
                     "charge_max_kw": 5.0, "degradation_cost_per_kwh": 0.03}],
        "vehicle": [{"name": "ev", "capacity_kwh": 62.0, "charge_max_kw": 7.4, "charge_min_kw": 1.4,
                     "v2g": True, "discharge_max_kw": 7.4, "degradation_cost_per_kwh": 0.05,
                     "session": sessions}],
    })


@pytest.mark.slow
@pytest.mark.parametrize("limit_s", [0.05, 0.3, 1.0])
def test_time_limit_is_honoured_on_the_wall_clock(limit_s: float) -> None:
    """Whatever stage the budget runs out in, the call returns within time_limit_s + 1 s with a plan."""
    scenario = week_scenario()
    # objects left by earlier tests would make every garbage collection during the call slow
    gc.collect()
    gc.freeze()
    try:
        t0 = time.perf_counter()
        result = planner.plan(scenario, time_limit_s=limit_s)
        elapsed = time.perf_counter() - t0
    finally:
        gc.unfreeze()
    verify(scenario, result)
    assert elapsed < limit_s + 1.0, (result.status, result.reason, result.timings)
    assert result.status in ("optimal", "time_limit", "fallback")
    if result.status == "fallback":
        assert result.reason
        assert all(s["shortfall_kwh"] == 0.0 for s in result.shortfalls if s.get("kind") == "vehicle_session")


def test_the_hand_over_counts_against_the_time_limit(monkeypatch):
    """HiGHS gets what is left of the limit after compiling and handing over the model, not the whole limit."""
    import time as _time

    from conftest import ROOT

    from planner.inputs.scenario import load_scenario
    from planner.model.build import build_model
    from planner.solve import highs, milp
    from planner.solve.options import SolveOptions

    scenario = load_scenario(ROOT / "data" / "examples" / "leaf-xstorage.toml")
    built = build_model(scenario)
    slow_compile = milp.compile_model

    def compile_slowly(model):
        _time.sleep(0.6)
        return slow_compile(model)

    limits: list[float] = []
    real_run = highs.run_highs

    def recording_run(h, time_limit_s):
        limits.append(time_limit_s)
        return real_run(h, time_limit_s)

    monkeypatch.setattr(milp, "compile_model", compile_slowly)
    monkeypatch.setattr(milp, "run_highs", recording_run)
    import planner.solve.linked_search as linked

    monkeypatch.setattr(linked, "run_highs", recording_run)
    outcome = milp.solve_model(built, SolveOptions(time_limit_s=2.0))
    assert outcome.ok and limits
    assert max(limits) <= 2.0 - 0.6 + 0.05, limits


def test_a_cancelled_build_leaves_the_garbage_collector_on(monkeypatch):
    """The build pauses the collector; a cancel landing inside the pause's exit must not leave it off."""
    api = planner.api

    def cancelled_inside_the_pause(*_args, **_kwargs):
        gc.disable()  # what PauseGC does on entry; the cancel lands before its exit re-enables
        raise api._Cancelled

    assert gc.isenabled()
    monkeypatch.setattr(api, "build_model", cancelled_inside_the_pause)
    try:
        result = api.plan(scenario_from_dict(home()), time_limit_s=5)
        assert gc.isenabled()
        assert result.status == "fallback"
    finally:
        gc.enable()
