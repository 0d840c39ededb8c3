"""Energy-flow rules: hand-solved optima, the fail-safe plan, and random plans that never break a rule.

All cases use 1-hour steps, lossless assets and no terminal value, so energy [kWh] equals power [kW] in a step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import battery, close, make_raw, make_scenario, random_raw, session, solve, vehicle

import planner
from planner.model.components import flow_rules
from planner.solve.fallback import fallback_plan
from planner.verify import check, verify


def test_no_battery_into_the_car() -> None:
    """Flat 0.30, load 1 kW in each of 2 steps, a full 10 kWh battery, a car needing 5 kWh.

    Without the rule the battery covers the load (2 kWh) and the car (5 kWh): cost 0. With
    ``discharge_to = ["load"]`` the battery still covers the load, the car takes 5 kWh from the grid:
    5 x 0.30 = 1.50, and the battery's discharge never exceeds the load.
    """
    kw = dict(import_price=[0.30, 0.30], load=[1.0, 1.0],
              vehicles=[vehicle([session(0, 2, 0.0, 5.0)], charge_max_kw=5.0)])
    free = solve(make_scenario(batteries=[battery(soc_kwh=10.0)], **kw))
    assert close(free.costs["total"], 0.0)
    ruled_scenario = make_scenario(batteries=[battery(soc_kwh=10.0, discharge_to=["load"])], **kw)
    ruled = solve(ruled_scenario)
    assert close(ruled.costs["total"], 1.50)
    sch = ruled.schedule
    assert np.all(sch["bat_discharge_kw"].to_numpy() <= sch["load_kw"].to_numpy() + 1e-6)
    assert close(sch["car_charge_kw"].sum(), 5.0)
    assert verify(ruled_scenario, ruled).rules == ["bat.discharge_to = ['load']"]
    # the unruled plan breaks the rule, and the independent check says so
    assert any("flow rule" in v for v in check(ruled_scenario, free))


def test_never_export_from_storage() -> None:
    """Export pays 0.40 (import 0.30), 2 kW of solar, no load, a full battery that could add 5 kW.

    Without the rule: export 7 kWh, revenue 2.80. With ``[grid] export_from = ["solar"]``: only the solar
    is exported (0.80) and the battery stays full.
    """
    raw = dict(import_price=[0.30], export_price=[0.40], solar=[2.0], batteries=[battery(soc_kwh=10.0)])
    free = solve(make_scenario(**raw))
    assert close(free.costs["export_revenue"], 2.80)
    table = make_raw(**raw)
    table["grid"] = {"export_from": ["solar"]}  # the grid table as a user writes it
    ruled_scenario = planner.scenario_from_dict(table)
    ruled = solve(ruled_scenario)
    assert close(ruled.costs["export_revenue"], 0.80)
    assert close(ruled.schedule["bat_discharge_kw"].sum(), 0.0)


def test_battery_charges_only_from_solar() -> None:
    """Import 0.05 then 0.50; 3 kW of load in step 1, no solar. Free: the battery buys 3 kWh at 0.05
    (0.15). With ``charge_from = ["solar"]`` it cannot charge at all: 3 x 0.50 = 1.50."""
    kw = dict(import_price=[0.05, 0.50], load=[0.0, 3.0])
    assert close(solve(make_scenario(batteries=[battery()], **kw)).costs["total"], 0.15)
    ruled = solve(make_scenario(batteries=[battery(charge_from=["solar"])], **kw))
    assert close(ruled.costs["total"], 1.50)
    assert close(ruled.schedule["bat_charge_kw"].sum(), 0.0)


def test_only_solar_into_the_car_and_its_fail_safe_plan() -> None:
    """Solar 3 kW in step 0 and 0 in step 1, load 1 kW in step 0; the car (target 5 kWh) may charge only
    from solar: it gets the 2 kW the load leaves, 3 kWh short (penalty 10/kWh by default). The fail-safe plan
    keeps the same rule."""
    scenario = make_scenario(import_price=[0.10, 0.10], solar=[3.0, 0.0], load=[1.0, 0.0],
                             vehicles=[vehicle([session(0, 2, 0.0, 5.0)], charge_from=["solar"])])
    result = solve(scenario)
    assert close(result.schedule["car_charge_kw"].sum(), 2.0)
    assert close(result.shortfalls[0]["shortfall_kwh"], 3.0)
    safe = fallback_plan(scenario, "test")
    verify(scenario, safe)
    assert close(safe.schedule["car_charge_kw"].sum(), 2.0)


def test_a_battery_that_may_not_discharge_at_all() -> None:
    """``discharge_to = []`` holds the battery's discharge at 0 even when discharging would pay."""
    scenario = make_scenario(import_price=[0.50], load=[3.0], batteries=[battery(soc_kwh=10.0, discharge_to=[])])
    result = solve(scenario)
    assert close(result.schedule["bat_discharge_kw"].sum(), 0.0)
    assert close(result.costs["import_cost"], 1.50)


def test_bad_rule_names_field_and_value() -> None:
    with pytest.raises(planner.ScenarioError) as err:
        make_scenario(import_price=[0.1], batteries=[battery(discharge_to=["car"])])
    text = str(err.value)
    assert "battery[0].discharge_to" in text and "car - expected" in text and "'vehicle'" in text


RULES = [("charge_from", ["solar"]), ("charge_from", ["grid", "solar"]), ("discharge_to", ["load"]),
         ("discharge_to", ["load", "vehicle"]), ("discharge_to", ["grid"])]


@pytest.mark.parametrize("seed", range(12))
def test_random_plans_with_rules_never_break_a_rule(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random scenarios (prices above and below zero, export above import, V2G, limits) with random rules on
    every asset and the grid: every plan verifies, so the independent check finds an allocation that keeps
    every rule in every step; the model's supply-demand rows and its explicit allocation (used for many
    nodes) reach the same optimum."""
    raw = random_raw(seed)
    rng = np.random.default_rng(1000 + seed)
    for table in raw.get("battery", []) + raw.get("vehicle", []):
        key, value = RULES[int(rng.integers(len(RULES)))]
        table[key] = value
    if rng.random() < 0.5:
        raw.setdefault("grid", {})["export_from"] = ["solar"]
    scenario = planner.scenario_from_dict(raw)
    result = planner.plan(scenario, mip_rel_gap=0.0, allow_fallback=False)
    assert result.status == "optimal"
    report = verify(scenario, result)
    assert report.rules or not (raw.get("battery") or raw.get("vehicle"))
    monkeypatch.setattr(flow_rules, "MAX_GALE_SOURCES", 0)
    allocated = planner.plan(scenario, mip_rel_gap=0.0, allow_fallback=False)
    verify(scenario, allocated)
    assert close(allocated.costs["total"], result.costs["total"], rel=1e-6, abs_=1e-6)


def _battery_into_car_kwh(scenario, result) -> float:
    """Battery energy that could only have gone into the car [kWh]: its discharge beyond the load solar leaves
    and the export, in each step (the sinks its rule allows)."""
    sch = result.schedule
    load, solar = scenario.load_kw, scenario.solar_kw
    residual = load - np.minimum(load, solar) - sch["unserved_load_kw"].to_numpy()
    extra = sch["xstorage_discharge_kw"].to_numpy() - residual - sch["grid_export_kw"].to_numpy()
    return float(np.clip(extra, 0.0, None).sum() * scenario.step_hours)


def test_shipped_rules_example_never_charges_the_car_from_the_battery() -> None:
    """data/examples/leaf-xstorage-rules.toml: zero battery-to-car energy, its goal and reserve met, verified;
    without the rule the same home sends battery energy into the car."""
    root = Path(__file__).resolve().parents[2] / "data" / "examples"
    ruled_scenario = planner.load_scenario(root / "leaf-xstorage-rules.toml")
    ruled = solve(ruled_scenario)
    assert _battery_into_car_kwh(ruled_scenario, ruled) < 1e-6
    assert all(s["shortfall_kwh"] == 0.0 for s in ruled.shortfalls)
    assert {s["kind"] for s in ruled.shortfalls} >= {"vehicle_goal", "battery_reserve"}
    free_scenario = planner.load_scenario(root / "leaf-xstorage.toml")
    free = solve(free_scenario)
    assert _battery_into_car_kwh(free_scenario, free) > 0.5
