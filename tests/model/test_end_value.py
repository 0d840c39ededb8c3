"""Terminal value of stored energy (planner.domain.end_value): never worse than the floor alone, checked."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import KWH_TOL, battery, make_raw, make_scenario, session, solve, vehicle

import planner
from planner.solve.persistent import PlanSession
from planner.verify import check

SUN_KW = [0.0] * 8 + [2.5] * 8 + [0.0] * 8
"""20 kWh of PV between 08:00 and 16:00 (hourly steps)."""


def _sunny_day(**battery_overrides):
    """24 h x 60 min, flat 0.30 import, no export allowed, 0.4 kW load, 20 kWh PV, a 10 kWh battery at its
    1 kWh reserve with 0.03/kWh throughput wear."""
    bat = battery(capacity_kwh=10.0, soc_kwh=1.0, soc_min_kwh=1.0, soc_max_kwh=10.0, eta_charge=0.95,
                  eta_discharge=0.95, degradation_cost_per_kwh=0.03, end_soc_min_kwh=1.0)
    bat.pop("end_value_per_kwh")  # the default rule
    bat.update(battery_overrides)
    return make_scenario(import_price=0.30, load=0.4, solar=SUN_KW, export_limit_kw=0.0, batteries=[bat])


def test_the_sunny_zero_export_day_curtails_nothing_while_the_battery_has_room():
    scenario = _sunny_day()
    result = solve(scenario)
    s = result.schedule
    soc_end = s["bat_soc_kwh"].to_numpy()
    # curtailed only what the battery could not take: it is full when the sun sets
    surplus_kwh = float(np.sum(np.maximum(np.array(SUN_KW) - 0.4, 0.0)))
    assert s["bat_soc_kwh"].iloc[15] == pytest.approx(10.0, abs=KWH_TOL)
    charged_kwh = float(s["bat_charge_kw"].iloc[8:16].sum())
    assert result.kpis["solar_curtailed_kwh"] == pytest.approx(surplus_kwh - charged_kwh, abs=1e-6)
    assert charged_kwh == pytest.approx(9.0 / 0.95, abs=1e-6)
    # the evening and night load come from the battery, the rest is kept and valued
    assert float(s["grid_import_kw"].iloc[16:].sum()) == pytest.approx(0.0, abs=1e-6)
    assert soc_end[-1] == pytest.approx(10.0 - 8 * 0.4 / 0.95, abs=1e-6)
    v = 0.95 * 0.95 * (0.30 - 0.03)
    assert result.costs["end_value"] == pytest.approx(-v * (s["bat_soc_kwh"].iloc[-1] - 1.0), abs=1e-6)


def test_end_value_zero_with_the_floor_is_the_plan_of_the_floor_alone():
    """Value 0: PV is stored only for the evening's load and the rest is curtailed (the old behaviour)."""
    result = solve(_sunny_day(end_value_per_kwh=0.0))
    s = result.schedule
    assert result.costs["end_value"] == 0.0
    assert s["bat_soc_kwh"].iloc[-1] == pytest.approx(1.0, abs=1e-6)
    assert result.kpis["solar_curtailed_kwh"] > 10.0
    # the valued plan is never worse on the accounting that values the end state (same feasible set)
    valued = solve(_sunny_day())
    assert valued.costs["total"] <= result.costs["total"] + 1e-9


def test_the_default_value_never_buys_energy_just_to_hold_it():
    """Import 0.1 then 0.3, no load: a stored cheap kWh costs 0.1/0.95 > v = 0.95 x 0.95 x 0.1: nothing bought."""
    bat = battery(eta_charge=0.95, eta_discharge=0.95, soc_kwh=2.0, end_soc_min_kwh=2.0)
    bat.pop("end_value_per_kwh")
    result = solve(make_scenario(import_price=[0.1, 0.3], batteries=[bat]))
    assert result.kpis["grid_import_kwh"] == pytest.approx(0.0, abs=1e-9)
    assert result.costs["total"] == pytest.approx(0.0, abs=1e-9)


def test_a_car_charged_above_its_target_from_surplus_pv_keeps_it_at_the_default_value():
    """PV 3 kW in step 0 that cannot be exported: without a value it is curtailed once the target is met."""
    car = vehicle([session(0, 2, 10.0, 11.0)], charge_max_kw=4.0, eta_charge=0.9, eta_discharge=0.9)
    car.pop("end_value_per_kwh")
    sc = make_scenario(import_price=[0.2, 0.2], solar=[3.0, 0.0], export_limit_kw=0.0, vehicles=[car])
    result = solve(sc)
    assert result.schedule["car_charge_kw"].iloc[0] == pytest.approx(3.0, abs=1e-6)
    gained = 10.0 + 0.9 * 3.0 - 11.0
    assert result.costs["end_value"] == pytest.approx(-0.95 * 0.9 * 0.2 * gained, abs=1e-6)


def test_a_re_solve_with_new_prices_updates_the_value_like_a_fresh_plan():
    scenario = _sunny_day()
    session_ = PlanSession(scenario)
    session_.plan(scenario)
    cheaper = scenario.with_prices(np.full(scenario.steps, 0.12), np.zeros(scenario.steps))
    again = session_.plan(cheaper)
    fresh = planner.plan(cheaper)
    assert again.costs["end_value"] == pytest.approx(fresh.costs["end_value"], abs=1e-9)
    np.testing.assert_allclose(again.schedule["bat_soc_kwh"], fresh.schedule["bat_soc_kwh"], atol=1e-7)
    assert fresh.costs["end_value"] == pytest.approx(-0.95 * 0.95 * (0.12 - 0.03) * (fresh.schedule["bat_soc_kwh"].iloc[-1] - 1.0),
                                                     abs=1e-6)


def test_verify_recomputes_the_end_value():
    result = solve(_sunny_day())
    bad = copy.copy(result)
    bad.costs = dict(result.costs)
    bad.costs["end_value"] += 0.05
    bad.costs["total"] += 0.05
    assert any("end_value" in v for v in check(_sunny_day(), bad))


@pytest.mark.parametrize("value", [-1.0, 25.0, float("inf")])
def test_a_bad_end_value_is_a_field_error(value):
    raw = make_raw(import_price=[0.3, 0.3], batteries=[battery(end_value_per_kwh=value)])
    with pytest.raises(planner.ScenarioError, match=r"battery\[0\]\.end_value_per_kwh"):
        planner.scenario_from_dict(raw)
