"""Depots and fleets: chargers, the shared connection, phase limits, symmetry breaking, fleet examples."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import planner
from planner.errors import ScenarioError
from planner.inputs.scenario import load_scenario, scenario_from_dict
from planner.verify import check, verify

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
T0 = "2025-01-15T00:00:00+00:00"


def _at(hour: int) -> str:
    return f"2025-01-15T{hour:02d}:00:00+00:00"


def _vehicle(name: str, arrive: int, depart: int, need_kwh: float, **extra) -> dict:
    v = {
        "name": name,
        "capacity_kwh": 40.0,
        "charge_max_kw": 10.0,
        "eta_charge": 1.0,
        "eta_discharge": 1.0,
        "session": [
            {"arrive": _at(arrive), "depart": _at(depart), "arrive_soc_kwh": 10.0,
             "depart_soc_min_kwh": 10.0 + need_kwh}
        ],
    }
    v.update(extra)
    return v


def _depot(vehicles: list[dict], chargers: list[dict], prices: list[float], limit_kw: float = 10.0, **grid) -> dict:
    return {
        "name": "depot",
        "horizon": {"start": T0, "steps": len(prices), "step_minutes": 60, "timezone": "UTC"},
        "grid": {"import_limit_kw": limit_kw, **grid},
        "tariff": {"import_price_per_kwh": prices},
        "charger": chargers,
        "vehicle": vehicles,
    }


def _plan(raw: dict, **kwargs) -> tuple[planner.Plan, object]:
    sc = scenario_from_dict(raw)
    result = planner.plan(sc, allow_fallback=False, mip_rel_gap=1e-9, **kwargs)
    verify(sc, result, dispatch=kwargs.get("dispatch", "setpoint"))
    return result, sc


BAYS = [{"name": "bay1", "charge_max_kw": 10.0}, {"name": "bay2", "charge_max_kw": 10.0}]


def test_shared_connection_forces_one_vehicle_to_charge_earlier():
    """Two vans, 10 kWh each at up to 10 kW, a 10 kW connection, prices 0.20, 0.30, 0.10, 0.50 per kWh.

    Van ``a`` is plugged in over steps 0-2, van ``b`` only over steps 1-2 (both leave at 03:00).
    Without the limit both charge in the cheap step 2: cost 20 x 0.10 = 2.00. With it, step 2 holds only
    10 kW. The other 10 kWh costs 0.20/kWh in step 0 (only ``a`` is there) or 0.30/kWh in step 1, so the
    unique optimum is ``b`` in step 2 and ``a`` earlier, in step 0: 10 x 0.10 + 10 x 0.20 = 3.00.
    """
    prices = [0.20, 0.30, 0.10, 0.50]
    vans = [_vehicle("a", 0, 3, 10.0, charger="bay1"), _vehicle("b", 1, 3, 10.0, charger="bay2")]
    free, _ = _plan(_depot(copy.deepcopy(vans), BAYS, prices, limit_kw=100.0))
    assert free.costs["total"] == pytest.approx(2.00, abs=1e-6)
    np.testing.assert_allclose(free.schedule["a_charge_kw"], [0, 0, 10, 0], atol=1e-6)
    limited, _ = _plan(_depot(vans, BAYS, prices, limit_kw=10.0))
    assert limited.costs["total"] == pytest.approx(3.00, abs=1e-6)
    np.testing.assert_allclose(limited.schedule["a_charge_kw"], [10, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(limited.schedule["b_charge_kw"], [0, 0, 10, 0], atol=1e-6)
    assert limited.kpis["peak_import_kw"] == pytest.approx(10.0)
    assert limited.kpis["connection_utilisation_peak"] == pytest.approx(1.0)


def test_charger_limit_is_stricter_than_vehicle():
    """Van (10 kW) on a 4 kW bay needs 10 kWh in 3 steps at 0.1, 0.2, 0.3: 4 + 4 + 2 kWh -> 0.4+0.8+0.6 = 1.8."""
    bays = [{"name": "slow", "charge_max_kw": 4.0}]
    result, _ = _plan(_depot([_vehicle("a", 0, 3, 10.0, charger="slow")], bays, [0.1, 0.2, 0.3], 100.0))
    np.testing.assert_allclose(result.schedule["a_charge_kw"], [4, 4, 2], atol=1e-6)
    assert result.costs["total"] == pytest.approx(1.8, abs=1e-6)


def test_no_charge_while_assigned_to_no_charger():
    """``b``'s first session has no charger: it cannot charge and its 10 kWh shortfall is reported."""
    a = _vehicle("a", 0, 4, 5.0, charger="bay1")
    b = _vehicle("b", 0, 2, 10.0)
    b["session"].append(
        {"arrive": _at(2), "depart": _at(4), "arrive_soc_kwh": 10.0, "depart_soc_min_kwh": 15.0, "charger": "bay2"}
    )
    result, sc = _plan(_depot([a, b], BAYS, [0.1, 0.2, 0.3, 0.4], 100.0))
    np.testing.assert_allclose(result.schedule["b_charge_kw"][:2], [0, 0], atol=1e-9)
    assert result.schedule["b_charge_kw"][2:].sum() == pytest.approx(5.0)
    short = {(s["asset"], s["session"]): s["shortfall_kwh"] for s in result.shortfalls}
    assert short[("b", 0)] == pytest.approx(10.0)
    assert short[("b", 1)] == pytest.approx(0.0)
    # a plan that charges the unassigned session is rejected by the verifier
    forged = copy.deepcopy(result)
    forged.schedule.loc[forged.schedule.index[0], "b_charge_kw"] = 1.0
    assert any("assigned to no charger" in v for v in check(sc, forged, check_costs=False))


def test_one_way_charger_blocks_v2g_and_bidirectional_allows_it():
    """A V2G van arriving with 30 kWh, target 10 kWh, export 0.5/kWh in step 0: it sells only on a two-way bay."""
    van = _vehicle("a", 0, 2, 0.0, v2g=True, discharge_max_kw=10.0, charger="bay")
    van["session"][0]["arrive_soc_kwh"] = 30.0
    for bidirectional, expected in ((False, 0.0), (True, 10.0)):
        bay = [{"name": "bay", "charge_max_kw": 10.0, "discharge_max_kw": 10.0, "bidirectional": bidirectional}]
        raw = _depot([copy.deepcopy(van)], bay, [0.1, 0.1], 100.0, export_limit_kw=100.0)
        raw["tariff"]["export_price_per_kwh"] = [0.5, 0.0]
        result, _ = _plan(raw)
        assert result.schedule["a_discharge_kw"].iloc[0] == pytest.approx(expected)
        assert result.kpis["a_v2g_kwh"] == pytest.approx(expected)


def test_charger_minimum_power():
    """A 3 kW minimum on the bay: 2 kWh cannot be delivered as 2 kW, so the van takes 3 kW in the cheap step."""
    bays = [{"name": "bay", "charge_max_kw": 10.0, "charge_min_kw": 3.0}]
    result, _ = _plan(_depot([_vehicle("a", 0, 2, 2.0, charger="bay")], bays, [0.1, 0.2], 100.0))
    np.testing.assert_allclose(result.schedule["a_charge_kw"], [3.0, 0.0], atol=1e-6)


def test_phase_limit():
    """Two 10 kW single-phase bays on L1 with a 12 kW phase limit: 20 kWh in 2 steps needs 10 kWh per step."""
    bays = [{"name": "bay1", "charge_max_kw": 10.0, "phase": "L1"},
            {"name": "bay2", "charge_max_kw": 10.0, "phase": "L1"}]
    vans = [_vehicle("a", 0, 2, 10.0, charger="bay1"), _vehicle("b", 0, 2, 10.0, charger="bay2")]
    result, _ = _plan(_depot(vans, bays, [0.1, 0.2], 100.0, phase_limit_kw=12.0))
    total = result.schedule["a_charge_kw"] + result.schedule["b_charge_kw"]
    np.testing.assert_allclose(total, [12.0, 8.0], atol=1e-6)
    assert result.costs["total"] == pytest.approx(12 * 0.1 + 8 * 0.2, abs=1e-6)
    bays[1]["phase"] = "L2"
    free, _ = _plan(_depot(vans, bays, [0.1, 0.2], 100.0, phase_limit_kw=12.0))
    assert free.costs["total"] == pytest.approx(20 * 0.1, abs=1e-6)


def test_overlapping_sessions_on_one_charger_are_rejected():
    vans = [_vehicle("a", 0, 3, 5.0, charger="bay1"), _vehicle("b", 2, 4, 5.0, charger="bay1")]
    with pytest.raises(ScenarioError, match="already used by a"):
        scenario_from_dict(_depot(vans, BAYS, [0.1] * 4))
    vans[1]["charger"] = "nowhere"
    with pytest.raises(ScenarioError, match="declared"):
        scenario_from_dict(_depot(vans, BAYS, [0.1] * 4))


def test_identical_vehicles_are_ordered_without_changing_the_optimum():
    """Three identical vans: the symmetry rows keep the optimum (3 x 10 kWh, 15 kW connection)."""
    bays = [{"name": f"bay{i}", "charge_max_kw": 10.0} for i in range(3)]
    vans = [_vehicle(f"v{i}", 0, 3, 10.0, charger=f"bay{i}") for i in range(3)]
    result, _ = _plan(_depot(vans, bays, [0.3, 0.1, 0.2], 15.0))
    # 15 kWh at 0.1, 15 kWh at 0.2
    assert result.costs["total"] == pytest.approx(15 * 0.1 + 15 * 0.2, abs=1e-6)
    weights = np.arange(1, 4)
    w = [float(np.dot(weights, result.schedule[f"v{i}_charge_kw"])) for i in range(3)]
    assert w[0] >= w[1] - 1e-6 and w[1] >= w[2] - 1e-6


@pytest.mark.parametrize("name", ["depot-20-vans.toml"])
def test_fleet_example_plans_verify(name):
    sc = load_scenario(EXAMPLES / name)
    result = planner.plan(sc, time_limit_s=60, mip_rel_gap=1e-3, allow_fallback=False)
    verify(sc, result)
    assert result.status == "optimal"
    assert result.total_shortfall_kwh == pytest.approx(0.0, abs=1e-6)
    assert result.kpis["peak_import_kw"] <= sc.connection.import_limit_kw + 1e-6
    table = result.vehicle_kpis
    assert len(table) == len(sc.vehicles)
    assert (table["energy_delivered_kwh"] > 0).all()


@pytest.mark.slow
def test_fleet_200_example_fast_mode_verifies():
    sc = load_scenario(EXAMPLES / "depot-200-vans.toml")
    result = planner.plan(sc, time_limit_s=120, mip_rel_gap=1e-3, allow_fallback=False)
    verify(sc, result)


def test_fail_safe_plan_respects_chargers_and_phases():
    """The solver-free plan keeps to charger limits, charges nothing without a charger, and fits the phases."""
    from planner.solve.fallback import fallback_plan

    a = _vehicle("a", 0, 4, 5.0, charger="bay1")
    b = _vehicle("b", 0, 2, 10.0)
    b["session"].append(
        {"arrive": _at(2), "depart": _at(4), "arrive_soc_kwh": 10.0, "depart_soc_min_kwh": 15.0, "charger": "bay2"}
    )
    bays = [{"name": "bay1", "charge_max_kw": 4.0, "phase": "L1"}, {"name": "bay2", "charge_max_kw": 10.0, "phase": "L1"}]
    sc = scenario_from_dict(_depot([a, b], bays, [0.1, 0.2, 0.3, 0.4], 100.0, phase_limit_kw=12.0))
    result = fallback_plan(sc, "test")
    verify(sc, result)
    np.testing.assert_allclose(result.schedule["a_charge_kw"], [4.0, 1.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(result.schedule["b_charge_kw"], [0.0, 0.0, 5.0, 0.0], atol=1e-9)
    depot = load_scenario(EXAMPLES / "depot-20-vans.toml")
    verify(depot, fallback_plan(depot, "test"))


def test_sessions_on_chargers_with_different_limits():
    """Session 0 on a 10 kW bay needs 10 kWh in steps 0-1 (prices 0.1, 0.2): 10 kW in step 0.
    Session 1 on a 4 kW bay with a 3 kW minimum needs 2 kWh in steps 2-3 (0.1, 0.2): 2 kW is not allowed,
    so 3 kW in step 2. Energy cost 1.0 + 0.3 = 1.3 (a 2 kW charge is not allowed). The kWh charged above the
    target is worth the default terminal value, 0.95 x eta_discharge (1) x the cheapest import price (0.1):
    the plan's total is 1.3 - 0.095 = 1.205."""
    bays = [{"name": "fast", "charge_max_kw": 10.0}, {"name": "slow", "charge_max_kw": 4.0, "charge_min_kw": 3.0}]
    van = _vehicle("a", 0, 2, 10.0, charger="fast")
    van["session"].append(
        {"arrive": _at(2), "depart": _at(4), "arrive_soc_kwh": 10.0, "depart_soc_min_kwh": 12.0, "charger": "slow"}
    )
    result, _ = _plan(_depot([van], bays, [0.1, 0.2, 0.1, 0.2], 100.0))
    np.testing.assert_allclose(result.schedule["a_charge_kw"], [10.0, 0.0, 3.0, 0.0], atol=1e-6)
    assert result.costs["import_cost"] == pytest.approx(1.3, abs=1e-6)
    assert result.costs["end_value"] == pytest.approx(-0.095, abs=1e-6)
    assert result.costs["total"] == pytest.approx(1.205, abs=1e-6)
    relaxed, _ = _plan(_depot([van], bays, [0.1, 0.2, 0.1, 0.2], 100.0), dispatch="fractional")
    assert relaxed.costs["total"] == pytest.approx(1.2, abs=1e-6)
