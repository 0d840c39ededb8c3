"""Grid-service availability: headroom and energy reserved in the battery and the car, its revenue, and
the independent check (hand-solved cases)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import planner
from planner.errors import ScenarioError
from planner.verify import VerificationError, verify

BATTERY = {"name": "b", "capacity_kwh": 10, "soc_kwh": 5, "soc_min_kwh": 1, "soc_max_kwh": 10, "charge_max_kw": 5,
           "discharge_max_kw": 5, "eta_charge": 1.0, "eta_discharge": 1.0, "degradation_cost_per_kwh": 0.0}


def home(service: dict, battery: dict | None = BATTERY, vehicle: dict | None = None, export_limit_kw: float = 10.0):
    raw = {"schema_version": 1, "name": "gs", "currency": "GBP",
           "horizon": {"start": "2024-01-15T00:00:00Z", "hours": 4, "step_minutes": 60, "timezone": "UTC"},
           "grid": {"import_limit_kw": 10, "export_limit_kw": export_limit_kw},
           "tariff": {"import_price_per_kwh": 0.2, "export_price_per_kwh": 0.0}, "load": {"kw": 0.0},
           "grid_service": service}
    if battery:
        raw["battery"] = [dict(battery)]
    if vehicle:
        raw["vehicle"] = [vehicle]
    return planner.scenario_from_dict(raw)


def up_service(duration_minutes: float = 60, price: float = 0.5, direction: str = "up") -> dict:
    return {"direction": direction, "duration_minutes": duration_minutes,
            "window": [{"start": "02:00", "end": "04:00", "availability_price_per_kw_per_h": price}]}


def solve(scenario):
    result = planner.plan(scenario)
    assert result.status == "optimal", result.reason
    verify(scenario, result)
    return result


def test_up_capacity_is_limited_by_the_energy_reserved():
    # Hand-solved: in step t the battery offers its charge c_t (stop charging) plus min(5 - d_t, s - 1) kWh/h of
    # discharge for 1 h, s the lower SoC of the step's two ends. With s = 5 at 02:00 and the SoC at most 10,
    # c_2 + c_3 <= 5, so the most is (c_2 + 4) + (c_3 + 5) = 14 kW over the two hours: 0.5 x 14 = 7.0 GBP.
    result = solve(home(up_service(60)))
    held = result.schedule["grid_service_kw"].to_numpy()
    assert held[:2].sum() == 0.0
    assert held.sum() == pytest.approx(14.0, abs=1e-6)
    assert result.costs["grid_service_revenue"] == pytest.approx(7.0, abs=1e-6)
    # total: import - revenue + the other terms, the revenue counted once as money received
    others = sum(v for k, v in result.costs.items() if k not in ("total", "export_revenue", "grid_service_revenue")
                 and not k.startswith("degradation_cost_"))
    assert result.costs["total"] == pytest.approx(others - 7.0)
    # without the energy rule (duration 0) the whole rating counts: emptying to 1 kWh first leaves 9 kWh to
    # charge in the window, so (c_2 + 5) + (c_3 + 5) with c_2 + c_3 <= 9: 19 kW
    free = solve(home(up_service(0)))
    assert free.schedule["grid_service_kw"].sum() == pytest.approx(19.0, abs=1e-6)
    # two hours of energy: s - 1 >= 2u, so at most (c_2 + 2) + (c_3 + min(5, (5 + c_2 - 1) / 2)) = 11.5 kW
    long = solve(home(up_service(120)))
    assert long.schedule["grid_service_kw"].sum() == pytest.approx(11.5, abs=1e-6)


def test_down_capacity_needs_room_to_charge_and_the_connection_limits_up():
    # down: discharge d plus min(5 - c, 10 - s_high). The battery must end at its start SoC (the default
    # end_soc_min_kwh), so what it discharges in the window it charges back: (d + 5) + (5 - d) = 10 kW
    result = solve(home(up_service(60, direction="down")))
    assert result.schedule["grid_service_kw"].sum() == pytest.approx(10.0, abs=1e-6)
    assert result.schedule["b_soc_kwh"].iloc[-1] >= 5.0 - 1e-6
    # both directions at once: the same kW up and down
    both = solve(home(up_service(60, direction="both")))
    held = both.schedule["grid_service_kw"].to_numpy()
    assert np.all(held[2:] <= 5.0 + 1e-6) and held.sum() > 0
    # a 3 kW export limit caps up capacity at 3 kW plus what is imported
    capped = solve(home(up_service(0), export_limit_kw=3.0))
    sch = capped.schedule
    assert np.all(sch["grid_service_kw"] <= 3.0 + sch["grid_import_kw"] - sch["grid_export_kw"] + 1e-6)


def test_a_v2g_car_holds_capacity_only_while_plugged_in_for_the_whole_step():
    leaf = {"name": "leaf", "capacity_kwh": 40, "soc_min_kwh": 4, "charge_max_kw": 7, "discharge_max_kw": 7,
            "eta_charge": 1.0, "eta_discharge": 1.0, "v2g": True, "degradation_cost_per_kwh": 0.0,
            "session": [{"arrive": "2024-01-15T01:00:00Z", "depart": "2024-01-15T03:30:00Z",
                         "arrive_soc_kwh": 20, "depart_soc_min_kwh": 20}]}
    service = up_service(60)
    service["plugged_in_price_per_h"] = 0.1
    result = solve(home(service, battery=None, vehicle=leaf))
    held = result.schedule["grid_service_kw"].to_numpy()
    # 02:00-03:00 fully plugged: stop a 7 kW charge and discharge 7 kW (16 kWh above the reserve): 14 kW;
    # 03:00-04:00 the car leaves at 03:30: nothing
    assert held[2] == pytest.approx(14.0, abs=1e-6) and held[3] == 0.0
    assert result.schedule["leaf_charge_kw"].iloc[2] == pytest.approx(7.0, abs=1e-6)
    # plugged in 2.5 h at 0.1 GBP/h
    assert result.costs["grid_service_revenue"] == pytest.approx(0.5 * 14.0 + 0.25, abs=1e-6)


def test_verify_rejects_capacity_the_schedule_cannot_hold():
    scenario = home(up_service(60))
    result = solve(scenario)
    tampered = copy.deepcopy(result)
    tampered.schedule.loc[tampered.schedule.index[3], "grid_service_kw"] += 1.0
    with pytest.raises(VerificationError, match="capacity offered above"):
        verify(scenario, tampered)
    outside = copy.deepcopy(result)
    outside.schedule.loc[outside.schedule.index[0], "grid_service_kw"] = 1.0
    with pytest.raises(VerificationError, match="outside every service window"):
        verify(scenario, outside)


@pytest.mark.parametrize(
    ("service", "field"),
    [
        ({"direction": "sideways", "window": [{"start": "02:00", "end": "04:00",
                                                 "availability_price_per_kw_per_h": 0.1}]}, "grid_service.direction"),
        ({"window": [{"start": "02:00", "end": "04:00", "availability_price_per_kw_per_h": -1}]},
         "grid_service.window[0].availability_price_per_kw_per_h"),
        ({"window": [{"start": "02:00", "availability_price_per_kw_per_h": 0.1}]}, "grid_service.window[0].end"),
        ({"duration_minutes": -5, "window": [{"start": "02:00", "end": "04:00",
                                              "availability_price_per_kw_per_h": 0.1}]}, "grid_service.duration_minutes"),
        ({"direction": "up"}, "grid_service.window"),
        ({"windows": []}, "grid_service.windows"),
    ],
)
def test_bad_grid_service_names_the_field(service, field):
    with pytest.raises(ScenarioError) as info:
        home(service)
    assert field in [i.field for i in info.value.issues], info.value.issues


def depot(service: dict, v2g: bool, phase_limit_kw: float) -> object:
    """Two vans plugged in all 4 h: ``a`` on a 10 kW bidirectional three-phase charger, ``b`` on a 7 kW
    one-way charger on L1; no load, import 0.1, no end value, no wear."""
    def van(name: str, charger: str) -> dict:
        return {"name": name, "capacity_kwh": 40, "soc_min_kwh": 4, "charge_max_kw": 11, "discharge_max_kw": 11,
                "eta_charge": 1.0, "eta_discharge": 1.0, "v2g": v2g, "degradation_cost_per_kwh": 0.0,
                "end_value_per_kwh": 0.0, "charger": charger,
                "session": [{"arrive": "2024-01-15T00:00:00Z", "depart": "2024-01-15T04:00:00Z",
                             "arrive_soc_kwh": 20, "depart_soc_min_kwh": 20}]}
    raw = {"schema_version": 1, "name": "gs-depot", "currency": "GBP",
           "horizon": {"start": "2024-01-15T00:00:00Z", "hours": 4, "step_minutes": 60, "timezone": "UTC"},
           "grid": {"import_limit_kw": 100, "export_limit_kw": 100, "phase_limit_kw": phase_limit_kw},
           "tariff": {"import_price_per_kwh": 0.1, "export_price_per_kwh": 0.0}, "load": {"kw": 0.0},
           "charger": [{"name": "v2g3", "charge_max_kw": 10, "discharge_max_kw": 10, "bidirectional": True,
                        "phase": "L1L2L3"},
                       {"name": "ac1", "charge_max_kw": 7, "bidirectional": False, "phase": "L1"}],
           "vehicle": [van("a", "v2g3"), van("b", "ac1")], "grid_service": service}
    return planner.scenario_from_dict(raw)


def test_a_depot_holds_down_capacity_within_its_phase_limits():
    # Hand-solved, no V2G, 4 kW per phase: down capacity is extra charging m_a + m_b (neither van needs
    # to charge, so neither does). The three-phase charger puts m_a / 3 on each phase, the one-way charger
    # m_b on L1: m_a <= 10, m_a / 3 + m_b <= 4. Every kW moved from a to b costs a third of a kW on L2 and L3
    # and frees only a third on L1, so a fills first: m_a = 10, m_b = 2/3, 32/3 kW in each paid hour
    # (a phase-blind sum would say 17), 0.5 x 64/3 GBP.
    from planner.domain.grid_service import held_capacity_kw

    scenario = depot(up_service(0, direction="down"), v2g=False, phase_limit_kw=4.0)
    result = solve(scenario)
    held = result.schedule["grid_service_kw"].to_numpy()
    np.testing.assert_allclose(held, [0, 0, 32 / 3, 32 / 3], atol=1e-6)
    assert result.costs["grid_service_revenue"] == pytest.approx(0.5 * 64 / 3, abs=1e-6)
    # the read-back from the schedule alone finds the same capacity
    np.testing.assert_allclose(held_capacity_kw(scenario, result.schedule)[2:], held[2:], atol=1e-6)
    # without the phase limit both chargers' full ratings count
    free = solve(depot(up_service(0, direction="down"), v2g=False, phase_limit_kw=1000.0))
    np.testing.assert_allclose(free.schedule["grid_service_kw"].to_numpy()[2:], [17.0, 17.0], atol=1e-6)


def test_a_depot_holds_up_capacity_only_through_its_bidirectional_charger():
    # Hand-solved, both vans V2G, 2 kW per phase. Up capacity = stopping the charge (c_a + c_b) + more
    # discharge, only on the bidirectional charger: (d_a + u_a) / 3 <= 2, so u_a <= 6. Charging pays 0.5 per
    # kW held against 0.1 per kWh, so both would charge: c_a / 3 <= 2 on L2, L3 and c_a / 3 + c_b <= 2 on L1,
    # at most 6 kW (c_a = 6, c_b = 0): 12 kW held in each paid hour. The plugged-in payment counts only van a
    # (b's charger is one-way): 4 h x 0.1. Net: 12 kWh x 0.1 - (0.5 x 24 + 0.4) = -11.2 GBP.
    service = up_service(0)
    service["plugged_in_price_per_h"] = 0.1
    result = solve(depot(service, v2g=True, phase_limit_kw=2.0))
    sch = result.schedule
    np.testing.assert_allclose(sch["grid_service_kw"].to_numpy()[2:], [12.0, 12.0], atol=1e-6)
    np.testing.assert_allclose(sch["a_charge_kw"].to_numpy()[2:], [6.0, 6.0], atol=1e-6)
    assert sch["b_discharge_kw"].abs().max() == 0.0
    assert result.costs["grid_service_revenue"] == pytest.approx(0.5 * 24 + 0.4, abs=1e-6)
    assert result.costs["total"] == pytest.approx(-11.2, abs=1e-6)


def test_verify_rejects_depot_capacity_beyond_a_phase():
    scenario = depot(up_service(0, direction="down"), v2g=False, phase_limit_kw=4.0)
    result = planner.plan(scenario)
    forged = copy.deepcopy(result)
    forged.schedule.loc[forged.schedule.index[2], "grid_service_kw"] = 17.0  # the phase-blind sum
    with pytest.raises(VerificationError, match="grid service"):
        verify(scenario, forged)


def test_a_car_plugged_in_before_the_horizon_offers_from_its_known_soc():
    # plugged in since the evening before at 6 kWh, reserve 4 kWh: one hour of up capacity can use 2 kWh
    # above the reserve, so in the 02:00-03:00 window it offers its charging plus at most 2 kW more
    leaf = {"name": "leaf", "capacity_kwh": 40, "soc_min_kwh": 4, "charge_max_kw": 7, "discharge_max_kw": 7,
            "eta_charge": 1.0, "eta_discharge": 1.0, "v2g": True, "degradation_cost_per_kwh": 0.0,
            "end_value_per_kwh": 0.0,
            "session": [{"arrive": "2024-01-14T20:00:00Z", "depart": "2024-01-15T03:00:00Z",
                         "arrive_soc_kwh": 6, "depart_soc_min_kwh": 6}]}
    service = {"direction": "up", "duration_minutes": 60,
               "window": [{"start": "00:00", "end": "01:00", "availability_price_per_kw_per_h": 0.5}]}
    scenario = home(service, battery=None, vehicle=leaf)
    result = solve(scenario)  # verify reads the SoC at the horizon's start as the arrival SoC
    sch = result.schedule
    assert sch["grid_service_kw"].iloc[0] == pytest.approx(sch["leaf_charge_kw"].iloc[0] + 2.0, abs=1e-6)


def test_the_fleet_v2g_depot_example_earns_for_capacity_its_schedule_can_hold():
    """``depot-20-vans-fleet-v2g.toml`` (24 h of it): the plan verifies (the independent check re-derives every
    step's room with the chargers and phases), is paid 0.018 GBP per kW held per hour, and costs no more than
    the same depot without the contract (whose plan is feasible with nothing held)."""
    import tomllib
    from pathlib import Path

    from planner.domain.grid_service import held_capacity_kw

    examples = Path(__file__).resolve().parents[2] / "data" / "examples"
    raw = tomllib.loads((examples / "depot-20-vans-fleet-v2g.toml").read_text(encoding="utf-8"))
    raw["horizon"]["hours"] = 24.0
    end = "2023-01-18T12:00:00+00:00"
    for v in raw["vehicle"]:
        v["session"] = [x for x in v["session"] if x["arrive"] < end]
    scenario = planner.scenario_from_dict(raw, examples)
    result = solve(scenario)
    held = result.schedule["grid_service_kw"].to_numpy()
    assert held.sum() > 0
    assert result.costs["grid_service_revenue"] == pytest.approx(0.018 * 0.25 * held.sum(), rel=1e-9)
    assert np.all(held <= held_capacity_kw(scenario, result.schedule) + 1e-5)
    raw.pop("grid_service")
    plain = solve(planner.scenario_from_dict(raw, examples))
    gap = 0.01 * 2  # both plans stop within the default absolute gap (1 p per day of horizon)
    assert result.costs["total"] <= plain.costs["total"] + gap
