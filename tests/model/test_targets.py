"""Session goals, reserve windows and a bounded time at high SoC: hand-solved optima (1-hour steps, lossless
assets, no terminal value, so energy [kWh] equals power [kW] in a step) and random plans that verify."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import at, battery, close, make_scenario, random_raw, session, solve, vehicle

import planner
from planner.verify import verify


def _entry(result: planner.Plan, kind: str) -> dict:
    return next(s for s in result.shortfalls if s["kind"] == kind)


def test_goal_before_departure() -> None:
    """Prices 0.5, 0.5, 0.1, 0.1; a 4 kW car needs 8 kWh by 04:00. Alone: 8 kWh in the cheap steps (0.80).
    With "6 kWh by 02:00": 6 kWh in the dear steps (4 + 2 at 0.5 = 3.00) and 2 cheap (0.20): 3.20."""
    prices = [0.5, 0.5, 0.1, 0.1]
    plain = solve(make_scenario(import_price=prices, vehicles=[vehicle([session(0, 4, 0.0, 8.0)])]))
    assert close(plain.costs["total"], 0.80)
    goal = dict(session(0, 4, 0.0, 8.0), goal=[{"by": at(2), "soc_kwh": 6.0}])
    scenario = make_scenario(import_price=prices, vehicles=[vehicle([goal])])
    result = solve(scenario)
    assert close(result.costs["total"], 3.20)
    assert close(result.schedule["car_charge_kw"].iloc[:2].sum(), 6.0)
    assert _entry(result, "vehicle_goal")["shortfall_kwh"] == 0.0
    assert verify(scenario, result).rules == ["car session 0: 6 kWh by 2025-01-15T02:00:00+00:00"]


def test_unreachable_goal_is_reported_and_penalised() -> None:
    """10 kWh by 02:00 with 4 kW: at most 8, so 2 kWh short at the default 10/kWh (20.00 on top of energy)."""
    goal = dict(session(0, 4, 0.0, 8.0), goal=[{"by": at(2), "soc_kwh": 10.0}])
    scenario = make_scenario(import_price=[0.1] * 4, vehicles=[vehicle([goal])])
    result = solve(scenario)
    assert close(_entry(result, "vehicle_goal")["shortfall_kwh"], 2.0)
    assert close(result.costs["shortfall_penalty"], 20.0)
    # the final target is met: 8 kWh (0.80) + penalty
    assert close(result.costs["total"], 20.80)


def test_reserve_window_holds_energy_back() -> None:
    """A battery at 6 kWh, load 2 kW at 0.5 in steps 1 and 2, cheap 0.1 in step 0; a reserve of 5 kWh from
    01:00 to 03:00. It charges 3 kWh at 0.1 so that it can cover both hours and still hold 5: 0.30."""
    scenario = make_scenario(import_price=[0.1, 0.5, 0.5, 0.1], load=[0, 2, 2, 0], batteries=[
        battery(soc_kwh=6.0, reserve=[{"from": at(1), "to": at(3), "soc_min_kwh": 5.0}])])
    result = solve(scenario)
    assert close(result.costs["total"], 0.30)
    soc = result.schedule["bat_soc_kwh"].to_numpy()
    assert np.all(soc[:3] >= 5.0 - 1e-6)
    assert _entry(result, "battery_reserve")["shortfall_kwh"] == 0.0


def test_unreachable_reserve_reports_its_deficit() -> None:
    """2 kWh stored, 1 kW charging, a 5 kWh reserve from 01:00: at most 3 kWh at 01:00, so 2 kWh short."""
    scenario = make_scenario(import_price=[0.1, 0.1], batteries=[
        battery(soc_kwh=2.0, charge_max_kw=1.0, reserve=[{"from": at(1), "to": at(2), "soc_min_kwh": 5.0}])])
    result = solve(scenario)
    entry = _entry(result, "battery_reserve")
    assert close(entry["shortfall_kwh"], 2.0) and close(entry["soc_kwh"], 3.0)


@pytest.mark.parametrize(("penalty", "above", "total"), [(0.05, True, 1.05), (1.0, False, 1.80)])
def test_time_above_a_soc(penalty: float, above: bool, total: float) -> None:
    """10 kWh of load at 0.5 in step 3, a 10 kW battery charged at 0.1 (5 kW), no hour above 8 kWh allowed.
    Full: 10 kWh at 0.1 plus one hour over (penalty); held at 8: 0.80 + 2 kWh at 0.5 = 1.80."""
    scenario = make_scenario(import_price=[0.1, 0.1, 0.1, 0.5], load=[0, 0, 0, 10], batteries=[battery(
        discharge_max_kw=10.0, high_soc={"above_kwh": 8.0, "max_hours": 0, "penalty_per_hour": penalty})])
    result = solve(scenario)
    assert close(result.costs["total"], total)
    entry = _entry(result, "high_soc_hours")
    assert close(entry["excess_hours"], 1.0 if above else 0.0)
    assert (result.schedule["bat_soc_kwh"].max() > 8.0 + 1e-6) == above


def test_goal_outside_its_session_names_the_field() -> None:
    bad = dict(session(1, 4, 0.0, 8.0), goal=[{"by": at(0.5), "soc_kwh": 6.0}])
    with pytest.raises(planner.ScenarioError) as err:
        make_scenario(import_price=[0.1] * 4, vehicles=[vehicle([bad])])
    assert "vehicle[0].session[0].goal[0].by" in str(err.value)


@pytest.mark.parametrize("seed", range(10))
def test_random_plans_with_goals_reserves_and_limits_verify(seed: int) -> None:
    """Random scenarios with a goal halfway through each session, a reserve window on each battery and a
    high-SoC limit on every asset: each plan verifies, and its penalties match the recomputed shortfalls."""
    raw = random_raw(seed)
    rng = np.random.default_rng(2000 + seed)
    n, minutes = raw["horizon"]["steps"], raw["horizon"]["step_minutes"]
    for b in raw.get("battery", []):
        a = float(rng.uniform(0, n * minutes / 60))
        b["reserve"] = [{"from": at(a), "to": at(a + 1.5), "soc_min_kwh": 0.5 * b["capacity_kwh"]}]
        b["high_soc"] = {"above_kwh": 0.8 * b["capacity_kwh"], "max_hours": 1.0, "penalty_per_hour": 0.1}
    for v in raw.get("vehicle", []):
        v["high_soc"] = {"above_kwh": 0.7 * v["capacity_kwh"], "max_hours": 2.0, "penalty_per_hour": 0.05}
        for s in v["session"]:
            mid = planner.timegrid.to_utc_timestamp(s["arrive"], "a") + (
                planner.timegrid.to_utc_timestamp(s["depart"], "d") - planner.timegrid.to_utc_timestamp(s["arrive"], "a")) / 2
            s["goal"] = [{"by": mid.isoformat(), "soc_kwh": 0.5 * (s["arrive_soc_kwh"] + s["depart_soc_min_kwh"])}]
    scenario = planner.scenario_from_dict(raw)
    result = planner.plan(scenario, mip_rel_gap=0.0, allow_fallback=False)
    assert result.status == "optimal"
    verify(scenario, result)
