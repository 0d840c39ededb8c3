"""verify() accepts a correct plan and catches deliberately corrupted ones, naming the problem."""

from __future__ import annotations

import copy

import pytest
from conftest import battery, make_scenario, session, solve, vehicle

from planner.solve.fallback import fallback_plan
from planner.verify import VerificationError, check, verify


@pytest.fixture(scope="module")
def solved():
    """Four hourly steps: battery (5 kWh, end floor 0), a car plugged in for steps 1-2 needing 6 kWh with a
    1.4 kW minimum and no V2G, solar in step 1, cheap steps 0 and 2."""
    car = vehicle([session(1, 3, 10.0, 16.0)], charge_min_kw=1.4)
    sc = make_scenario(import_price=[0.1, 0.4, 0.1, 0.5], export_price=[0.05] * 4, load=[1.0] * 4,
                       solar=[0.0, 2.0, 0.0, 0.0], batteries=[battery(soc_kwh=5.0)], vehicles=[car])
    plan = solve(sc)
    assert plan.schedule["car_charge_kw"].sum() > 0 and plan.schedule["bat_discharge_kw"].sum() > 0
    return sc, plan


def _violations(sc, plan) -> list[str]:
    with pytest.raises(VerificationError) as info:
        verify(sc, plan)
    return info.value.violations


def _set(plan, column: str, step: int, value: float) -> None:
    plan.schedule.iloc[step, plan.schedule.columns.get_loc(column)] = value


def test_the_solved_plan_passes(solved):
    sc, plan = solved
    report = verify(sc, plan)
    assert report.checks > 10
    assert check(sc, plan) == []


def test_broken_balance_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    _set(bad, "grid_import_kw", 3, bad.schedule["grid_import_kw"].iloc[3] + 0.5)
    assert any("site balance" in v for v in _violations(sc, bad))


def test_soc_jump_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    _set(bad, "bat_soc_kwh", 1, bad.schedule["bat_soc_kwh"].iloc[1] + 1.0)
    assert any("bat SoC does not follow its dynamics" in v for v in _violations(sc, bad))
    bad_car = copy.deepcopy(plan)
    _set(bad_car, "car_soc_kwh", 1, bad_car.schedule["car_soc_kwh"].iloc[1] + 1.0)
    assert any("car session 0: reported SoC" in v for v in _violations(sc, bad_car))


def test_power_while_unplugged_is_caught(solved):
    """Charging the car in step 3 (after departure), balanced by extra import: only the plug rule fails."""
    sc, plan = solved
    bad = copy.deepcopy(plan)
    _set(bad, "car_charge_kw", 3, 2.0)
    _set(bad, "grid_import_kw", 3, bad.schedule["grid_import_kw"].iloc[3] + 2.0)
    found = _violations(sc, bad)
    assert any("car has power while not plugged in" in v for v in found)
    assert not any("site balance" in v for v in found)


def test_charging_below_the_minimum_power_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    step = int(bad.schedule["car_charge_kw"].to_numpy().argmax())
    moved = bad.schedule["car_charge_kw"].iloc[step] - 0.5
    _set(bad, "car_charge_kw", step, 0.5)
    _set(bad, "grid_import_kw", step, bad.schedule["grid_import_kw"].iloc[step] - moved)
    assert any("below charge_min_kw" in v for v in _violations(sc, bad))


def test_discharge_without_v2g_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    _set(bad, "car_discharge_kw", 1, 0.5)
    assert any("(no V2G)" in v for v in _violations(sc, bad))


def test_simultaneous_import_and_export_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    for col in ("grid_import_kw", "grid_export_kw"):
        _set(bad, col, 0, bad.schedule[col].iloc[0] + 1.0)
    assert any("simultaneous import and export" in v for v in _violations(sc, bad))


def test_wrong_cost_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    bad.costs["import_cost"] += 0.1
    bad.costs["total"] += 0.1
    assert any(v.startswith("cost import_cost") for v in _violations(sc, bad))
    bad_total = copy.deepcopy(plan)
    bad_total.costs["total"] -= 0.01
    assert any(v.startswith("cost total") for v in _violations(sc, bad_total))


def test_misreported_shortfall_is_caught(solved):
    sc, plan = solved
    bad = copy.deepcopy(plan)
    entry = next(s for s in bad.shortfalls if s["kind"] == "vehicle_session")
    entry["shortfall_kwh"] = 2.0
    assert any("reported shortfall" in v for v in _violations(sc, bad))


def test_fail_safe_plan_verifies_with_sessions_sharing_a_step():
    """The charge-on-arrival plan respects the shared-step rule (the step belongs to the later session)."""
    car = vehicle([session(0, 1.5, 10.0, 14.0), session(1.75, 3, 10.0, 14.0)])
    sc = make_scenario(import_price=[0.5, 0.1, 0.4], vehicles=[car])
    plan = fallback_plan(sc, "test")
    verify(sc, plan)
    assert plan.status == "fallback"
    assert plan.schedule["car_charge_kw"].tolist() == pytest.approx([4.0, 1.0, 3.0])


def test_hidden_forced_curtailment_penalty_is_caught():
    """Non-curtailable solar beyond the export limit is curtailed at the penalty; a plan that drops that
    penalty from its costs (and its total) must fail."""
    sc = make_scenario(import_price=[0.3], export_price=[0.1], load=[1.0], solar=[4.0], export_limit_kw=2.0,
                       curtailable=False)
    plan = solve(sc)
    bad = copy.deepcopy(plan)
    bad.costs["total"] -= bad.costs["forced_curtailment_penalty"]
    bad.costs["forced_curtailment_penalty"] = 0.0
    assert any(v.startswith("cost forced_curtailment_penalty") for v in _violations(sc, bad))


def test_fractional_plan_cannot_charge_and_discharge_for_more_than_the_step():
    """In the fractional dispatch charge/charge_max + discharge/discharge_max <= 1 (time shares of one step):
    a battery charging at 5 kW and discharging at 1.25 kW in the same hour is caught."""
    bat = battery(soc_kwh=10.0, eta_charge=0.5, eta_discharge=0.5)
    sc = make_scenario(import_price=[-1.0], export_price=[-2.0], batteries=[bat])
    plan = solve(sc, dispatch="fractional")
    verify(sc, plan, dispatch="fractional")
    bad = copy.deepcopy(plan)
    _set(bad, "bat_charge_kw", 0, 5.0)
    _set(bad, "bat_discharge_kw", 0, 1.25)
    _set(bad, "grid_import_kw", 0, 3.75)
    bad.costs["import_cost"] = -3.75
    bad.costs["total"] = -3.75
    found = check(sc, bad, dispatch="fractional")
    assert any("more than the whole step" in v for v in found), found
