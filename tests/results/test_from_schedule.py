"""One plan-from-schedule for the read-back, the fail-safe plan and the simulation: the same schedule gives
the same shortfalls and costs whichever path made it."""

from __future__ import annotations

from pathlib import Path

import pytest

import planner
from planner.results.from_schedule import plan_from_schedule
from planner.solve.fallback import fallback_plan

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("example", ["leaf-xstorage", "leaf-no-v2g", "negative-prices", "depot-20-vans"])
def test_an_optimal_schedule_costs_the_same_recomputed_from_its_columns(example: str) -> None:
    scenario = planner.load_scenario(ROOT / f"data/examples/{example}.toml")
    result = planner.plan(scenario, time_limit_s=60)
    again = plan_from_schedule(scenario, result.schedule, "executed")
    for key, value in result.costs.items():  # the wear the plan was made with is the wear it is judged by
        assert again.costs[key] == pytest.approx(value, abs=1e-6), key
    assert [(s["asset"], s.get("session")) for s in again.shortfalls] == \
        [(s["asset"], s.get("session")) for s in result.shortfalls]
    for a, b in zip(again.shortfalls, result.shortfalls, strict=True):
        assert a["shortfall_kwh"] == pytest.approx(b["shortfall_kwh"], abs=1e-9)


def test_sessions_before_the_horizon_are_numbered_alike_by_every_path() -> None:
    raw = planner.load_scenario(ROOT / "data/examples/leaf-xstorage.toml")
    first = raw.vehicles[0].sessions[0]
    import dataclasses

    import pandas as pd

    early = dataclasses.replace(first, arrive=raw.grid.start - pd.Timedelta(hours=30),
                                depart=raw.grid.start - pd.Timedelta(hours=20))
    vehicle = dataclasses.replace(raw.vehicles[0], sessions=(early, *raw.vehicles[0].sessions))
    scenario = dataclasses.replace(raw, vehicles=(vehicle,))
    optimal = planner.plan(scenario)
    failsafe = fallback_plan(scenario, "test")
    sessions = [s["session"] for s in optimal.shortfalls if s["kind"] == "vehicle_session"]
    assert sessions == [1, 2]  # the session index is the scenario's, not the count of kept ones
    assert sessions == [s["session"] for s in failsafe.shortfalls if s["kind"] == "vehicle_session"]
    for entry in optimal.shortfalls:
        if entry["kind"] == "vehicle_session":
            assert entry["arrive"] == scenario.vehicles[0].sessions[entry["session"]].arrive
