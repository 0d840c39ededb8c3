"""Hand-solved 1-4 step cases for every component; the optimum is derived in each docstring.

Unless stated otherwise steps are one hour long (so kWh = kW per step), efficiencies are 1 and the shortfall
penalty is the default 10 GBP/kWh. Every test solves with the default (setpoint) dispatch and a zero gap, and
``solve`` re-runs :func:`planner.verify.verify` on the plan.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KW_TOL, KWH_TOL, battery, close, make_scenario, session, solve, vehicle

# ------------------------------------------------------------------------------------------------
# grid and load
# ------------------------------------------------------------------------------------------------


def test_load_is_imported_at_each_step_price():
    """Load [1, 2, 3] kW at 0.1/0.2/0.3 GBP/kWh, nothing else: import = load, cost 0.1 + 0.4 + 0.9 = 1.4."""
    sc = make_scenario(import_price=[0.1, 0.2, 0.3], load=[1.0, 2.0, 3.0])
    p = solve(sc)
    assert np.allclose(p.schedule["grid_import_kw"], [1.0, 2.0, 3.0], atol=KW_TOL)
    assert np.allclose(p.schedule["grid_export_kw"], 0.0, atol=KW_TOL)
    assert close(p.costs["import_cost"], 1.4)
    assert close(p.costs["total"], 1.4)


def test_half_hour_steps_multiply_power_by_half_an_hour():
    """Two 30-minute steps of 2 kW at 0.3 GBP/kWh: 2 kW x 0.5 h x 0.3 x 2 steps = 0.6."""
    sc = make_scenario(import_price=[0.3, 0.3], load=[2.0, 2.0], step_minutes=30)
    p = solve(sc)
    assert close(p.costs["total"], 0.6)


def test_import_limit_leaves_load_unserved_at_the_penalty():
    """Load 5 kW, import limit 3 kW, price 0.2: 3 kWh imported (0.6) and 2 kWh unserved at 10/kWh (20).

    Total 20.6; the unserved energy is reported as a shortfall.
    """
    sc = make_scenario(import_price=[0.2], load=[5.0], import_limit_kw=3.0)
    p = solve(sc)
    assert p.schedule["grid_import_kw"].iloc[0] == pytest.approx(3.0, abs=KW_TOL)
    assert p.schedule["unserved_load_kw"].iloc[0] == pytest.approx(2.0, abs=KW_TOL)
    assert close(p.costs["unserved_load_penalty"], 20.0)
    assert close(p.costs["total"], 20.6)
    unserved = [s for s in p.shortfalls if s["kind"] == "unserved_load"]
    assert len(unserved) == 1 and unserved[0]["shortfall_kwh"] == pytest.approx(2.0, abs=KWH_TOL)


def test_no_simultaneous_import_and_export_when_export_pays_more():
    """Export price 0.2 > import price 0.1, limits 10 kW both ways, load 1 kW.

    Importing and exporting at once would earn 0.1 per kWh cycled (import 10, export 9: cost -0.8). With one
    setpoint per step the site imports exactly its load: cost 0.1.
    """
    sc = make_scenario(import_price=[0.1], export_price=[0.2], load=[1.0], import_limit_kw=10.0,
                       export_limit_kw=10.0)
    p = solve(sc)
    assert p.schedule["grid_import_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert p.schedule["grid_export_kw"].iloc[0] == pytest.approx(0.0, abs=KW_TOL)
    assert close(p.costs["total"], 0.1)


def test_fractional_dispatch_switches_between_import_and_export_within_a_step():
    """Export 0.2 > import 0.1, limits 10 kW, no load, a lossless 5 kW battery at 5 kWh with end floor 5.

    Setpoint: the step either imports or exports, and the battery must end where it started, so any import
    is stored and never sold: the best is to idle (cost 0). Fractional (the LP relaxation with the physical
    bounds import <= (load + 5) y, export <= (solar + 5) (1 - y)): with import = export + (c - d) and
    c >= d, 2 export + (c - d) <= 5 gives export <= 2.5: import 5 kW into the battery for half the step and
    export 5 kW from it in the other half: import = export = 2.5 kWh, cost 0.25 - 0.5 = -0.25. The plan
    keeps both flows (they are the switching, not noise).
    """
    bat = battery(soc_kwh=5.0, end_soc_min_kwh=5.0)
    sc = make_scenario(import_price=[0.1], export_price=[0.2], import_limit_kw=10.0, export_limit_kw=10.0,
                       batteries=[bat])
    p = solve(sc)
    assert close(p.costs["total"], 0.0)
    pf = solve(sc, dispatch="fractional")
    assert pf.schedule["grid_import_kw"].iloc[0] == pytest.approx(2.5, abs=KW_TOL)
    assert pf.schedule["grid_export_kw"].iloc[0] == pytest.approx(2.5, abs=KW_TOL)
    assert close(pf.costs["total"], -0.25)


def test_fractional_grid_flows_are_bounded_by_what_the_site_can_absorb():
    """Without storage the site cannot import more than its load in any part of a step: with load 1 kW and
    export paying more than import, the fractional dispatch still imports exactly 1 kWh (cost 0.1).
    """
    sc = make_scenario(import_price=[0.1], export_price=[0.2], load=[1.0], import_limit_kw=10.0,
                       export_limit_kw=10.0)
    pf = solve(sc, dispatch="fractional")
    assert pf.schedule["grid_import_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert close(pf.costs["total"], 0.1)


def test_standing_charge_is_a_constant_pro_rated_to_the_horizon():
    """A 0.48 GBP/day standing charge over a 2-hour horizon adds 0.04 to the 1 kWh x 0.1 import: 0.14."""
    sc = make_scenario(import_price=[0.1, 0.1], load=[1.0, 0.0], standing_charge_per_day=0.48)
    p = solve(sc)
    assert close(p.costs["standing_charge"], 0.04)
    assert close(p.costs["total"], 0.14)


# ------------------------------------------------------------------------------------------------
# solar and curtailment
# ------------------------------------------------------------------------------------------------


def test_solar_surplus_is_exported_up_to_the_limit_then_curtailed():
    """Solar 4, load 1, export limit 2 at 0.1: export 2 (earns 0.2), curtail 1 (free when curtailable): -0.2."""
    sc = make_scenario(import_price=[0.3], export_price=[0.1], load=[1.0], solar=[4.0], export_limit_kw=2.0)
    p = solve(sc)
    assert p.schedule["grid_export_kw"].iloc[0] == pytest.approx(2.0, abs=KW_TOL)
    assert p.schedule["solar_curtailed_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert close(p.costs["total"], -0.2)


def test_negative_export_price_curtails_instead_of_paying_to_export():
    """Solar 4, load 1, export price -0.05: exporting 3 would cost 0.15, curtailing 3 is free: cost 0."""
    sc = make_scenario(import_price=[0.3], export_price=[-0.05], load=[1.0], solar=[4.0])
    p = solve(sc)
    assert p.schedule["solar_curtailed_kw"].iloc[0] == pytest.approx(3.0, abs=KW_TOL)
    assert p.schedule["grid_export_kw"].iloc[0] == pytest.approx(0.0, abs=KW_TOL)
    assert close(p.costs["total"], 0.0)


def test_negative_import_price_curtails_solar_and_imports_the_load():
    """Solar 2, load 1, import -0.1, export -0.2: curtail all solar and import 1 kWh (paid 0.1): -0.1."""
    sc = make_scenario(import_price=[-0.1], export_price=[-0.2], load=[1.0], solar=[2.0])
    p = solve(sc)
    assert p.schedule["grid_import_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert p.schedule["solar_curtailed_kw"].iloc[0] == pytest.approx(2.0, abs=KW_TOL)
    assert close(p.costs["total"], -0.1)


def test_non_curtailable_solar_exports_at_a_negative_price():
    """Not curtailable: exporting the 3 kW surplus at -0.05 (0.15) is far cheaper than the penalty (30)."""
    sc = make_scenario(import_price=[0.3], export_price=[-0.05], load=[1.0], solar=[4.0], curtailable=False)
    p = solve(sc)
    assert p.schedule["grid_export_kw"].iloc[0] == pytest.approx(3.0, abs=KW_TOL)
    assert close(p.costs["total"], 0.15)


def test_non_curtailable_solar_beyond_the_export_limit_is_curtailed_at_the_penalty():
    """Surplus 3 kW, export limit 2 at 0.1, not curtailable: export 2 (-0.2) and 1 kWh forced (10): 9.8."""
    sc = make_scenario(import_price=[0.3], export_price=[0.1], load=[1.0], solar=[4.0], export_limit_kw=2.0,
                       curtailable=False)
    p = solve(sc)
    assert p.schedule["solar_curtailed_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert close(p.costs["forced_curtailment_penalty"], 10.0)
    assert close(p.costs["total"], 9.8)


# ------------------------------------------------------------------------------------------------
# battery
# ------------------------------------------------------------------------------------------------


def test_battery_shifts_cheap_energy_with_losses_and_wear():
    """Prices [0.1, 0.5], load [0, 2], no export; eta 0.9 both ways, wear 0.01/kWh, empty, end floor 0.

    Serving 2 kWh in step 1 takes 2 / 0.9 = 2.2222 kWh from storage, i.e. charging 2.2222 / 0.9 = 2.4691 kW in
    step 0. Cost 0.1 x 2.4691 + 0.01 x (2.4691 + 2) = 0.24691 + 0.04469 = 0.29160 < 1.0 for importing in step 1
    (each kWh shifted costs 0.1 / 0.81 + 0.01 (1 / 0.81 + 1) = 0.1457 < 0.5, so shifting all of it pays).
    """
    bat = battery(eta_charge=0.9, eta_discharge=0.9, degradation_cost_per_kwh=0.01)
    sc = make_scenario(import_price=[0.1, 0.5], load=[0.0, 2.0], batteries=[bat])
    p = solve(sc)
    c = 2.0 / 0.81
    assert p.schedule["bat_charge_kw"].iloc[0] == pytest.approx(c, abs=KW_TOL)
    assert p.schedule["bat_discharge_kw"].iloc[1] == pytest.approx(2.0, abs=KW_TOL)
    assert p.schedule["bat_soc_kwh"].iloc[0] == pytest.approx(2.0 / 0.9, abs=KWH_TOL)
    assert p.schedule["bat_soc_kwh"].iloc[1] == pytest.approx(0.0, abs=KWH_TOL)
    assert close(p.costs["degradation_cost"], 0.01 * (c + 2.0))
    assert close(p.costs["total"], 0.1 * c + 0.01 * (c + 2.0))


def test_battery_does_not_cycle_when_losses_exceed_the_spread():
    """Prices [0.4, 0.5], eta 0.9 both ways: shifting costs 0.4 / 0.81 = 0.494 < 0.5 but wear 0.01 x (1/0.81 + 1)
    = 0.0223 more makes it 0.516 > 0.5, so the battery idles and the 2 kWh are imported in step 1: cost 1.0.
    """
    bat = battery(eta_charge=0.9, eta_discharge=0.9, degradation_cost_per_kwh=0.01)
    sc = make_scenario(import_price=[0.4, 0.5], load=[0.0, 2.0], batteries=[bat])
    p = solve(sc)
    assert np.allclose(p.schedule["bat_charge_kw"], 0.0, atol=KW_TOL)
    assert close(p.costs["total"], 1.0)


def test_battery_end_floor_defaults_to_the_starting_charge():
    """Battery at 5 kWh, end floor omitted (= 5), flat 0.2, load 1 kWh in each of 2 steps.

    Discharging would have to be recharged at the same price, so the load is imported: cost 0.4. With the
    end floor at 0 the battery serves both kWh for free: cost 0.
    """
    raw_bat = battery(soc_kwh=5.0)
    del raw_bat["end_soc_min_kwh"]
    sc = make_scenario(import_price=[0.2, 0.2], load=[1.0, 1.0], batteries=[raw_bat])
    assert sc.batteries[0].end_soc_min_kwh == 5.0
    p = solve(sc)
    assert close(p.costs["total"], 0.4)
    assert p.schedule["bat_soc_kwh"].iloc[-1] >= 5.0 - KWH_TOL
    sc0 = make_scenario(import_price=[0.2, 0.2], load=[1.0, 1.0], batteries=[battery(soc_kwh=5.0)])
    p0 = solve(sc0)
    assert close(p0.costs["total"], 0.0)
    assert p0.schedule["bat_soc_kwh"].iloc[-1] == pytest.approx(3.0, abs=KWH_TOL)


def test_unreachable_end_floor_charges_as_much_as_possible_and_reports_the_shortfall():
    """Battery at 2 kWh, end floor 8, charge limit 1 kW, 2 steps at 0.1: it can reach 4 kWh (cost 0.2).

    The 4 kWh missing cost 10 each: total 40.2; the plan reports a 4 kWh battery end-floor shortfall.
    """
    sc = make_scenario(import_price=[0.1, 0.1], batteries=[battery(soc_kwh=2.0, charge_max_kw=1.0,
                                                                   end_soc_min_kwh=8.0)])
    p = solve(sc)
    assert p.schedule["bat_soc_kwh"].iloc[-1] == pytest.approx(4.0, abs=KWH_TOL)
    assert close(p.costs["shortfall_penalty"], 40.0)
    assert close(p.costs["total"], 40.2)
    short = [s for s in p.shortfalls if s["kind"] == "battery_end_floor"]
    assert short[0]["shortfall_kwh"] == pytest.approx(4.0, abs=KWH_TOL)


def test_battery_keeps_its_backup_reserve():
    """Battery 5 kWh, reserve 4, end floor 0, load 3 at price 1: only 1 kWh can come from it: cost 2."""
    sc = make_scenario(import_price=[1.0], load=[3.0], batteries=[battery(soc_kwh=5.0, soc_min_kwh=4.0)])
    p = solve(sc)
    assert p.schedule["bat_discharge_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert p.schedule["bat_soc_kwh"].iloc[0] == pytest.approx(4.0, abs=KWH_TOL)
    assert close(p.costs["total"], 2.0)


def test_full_battery_cannot_burn_energy_by_charging_and_discharging_at_once():
    """Full 10 kWh battery, eta 0.5 both ways, import price -1, export price -2, no load.

    Charging and discharging in one step would waste energy (charge 5, discharge 1.25 keeps SoC, imports
    3.75 kWh and earns 3.75), but a setpoint battery does one or the other; full, it can only idle: cost 0.
    In the fractional dispatch (charge <= 5 y, discharge <= 5 (1 - y), discharge = charge / 4) it charges
    4 kW for y = 0.8 and discharges 1 kW: import 3 kWh, cost -3.
    """
    bat = battery(soc_kwh=10.0, eta_charge=0.5, eta_discharge=0.5)
    sc = make_scenario(import_price=[-1.0], export_price=[-2.0], batteries=[bat])
    p = solve(sc)
    assert close(p.costs["total"], 0.0)
    pf = solve(sc, dispatch="fractional")
    assert pf.schedule["bat_charge_kw"].iloc[0] == pytest.approx(4.0, abs=KW_TOL)
    assert pf.schedule["bat_discharge_kw"].iloc[0] == pytest.approx(1.0, abs=KW_TOL)
    assert close(pf.costs["total"], -3.0)


# ------------------------------------------------------------------------------------------------
# vehicle
# ------------------------------------------------------------------------------------------------


def test_vehicle_charges_in_the_cheapest_steps():
    """Plugged in for 4 h at prices [0.3, 0.1, 0.2, 0.4], 10 -> 16 kWh at up to 4 kW.

    4 kWh in step 1 (0.4) and 2 kWh in step 2 (0.4): cost 0.8; departure SoC exactly 16.
    """
    car = vehicle([session(0, 4, 10.0, 16.0)])
    sc = make_scenario(import_price=[0.3, 0.1, 0.2, 0.4], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], [0.0, 4.0, 2.0, 0.0], atol=KW_TOL)
    assert p.schedule["car_soc_kwh"].iloc[-1] == pytest.approx(16.0, abs=KWH_TOL)
    assert close(p.costs["total"], 0.8)
    entry = [s for s in p.shortfalls if s["kind"] == "vehicle_session"]
    assert entry[0]["shortfall_kwh"] == 0.0


def test_vehicle_charging_losses_and_wear():
    """eta_charge 0.8, wear 0.05/kWh: 4 kWh into the battery need 5 kWh AC at 0.2: 1.0 + 0.25 wear = 1.25."""
    car = vehicle([session(0, 2, 10.0, 14.0)], eta_charge=0.8, degradation_cost_per_kwh=0.05)
    sc = make_scenario(import_price=[0.2, 0.3], vehicles=[car])
    p = solve(sc)
    assert p.schedule["car_charge_kw"].iloc[0] == pytest.approx(4.0, abs=KW_TOL)
    assert p.schedule["car_charge_kw"].iloc[1] == pytest.approx(1.0, abs=KW_TOL)
    # 4 kW at 0.2 + 1 kW at 0.3 = 1.1 ; wear 0.05 x 5 = 0.25
    assert close(p.costs["total"], 1.35)
    assert close(p.costs["degradation_cost_car"], 0.25)


def test_minimum_charging_power_forces_a_whole_block_of_power():
    """Need 1 kWh, charge_min 3 kW, prices [0.1, 0.2]: power is 0 or >= 3, so 3 kWh at 0.1 (0.3).

    The fractional dispatch may run at 4 kW for a quarter of the step: 1 kWh at 0.1 = 0.1.
    """
    car = vehicle([session(0, 2, 10.0, 11.0)], charge_min_kw=3.0)
    sc = make_scenario(import_price=[0.1, 0.2], vehicles=[car])
    p = solve(sc)
    charge = p.schedule["car_charge_kw"].to_numpy()
    assert charge[0] == pytest.approx(3.0, abs=KW_TOL) and charge[1] == pytest.approx(0.0, abs=KW_TOL)
    assert close(p.costs["total"], 0.3)
    pf = solve(sc, dispatch="fractional")
    assert close(pf.costs["total"], 0.1)


def test_minimum_power_above_the_room_left_gives_a_shortfall_not_an_error():
    """SoC max 11.5, need 12 from 10, charge_min 3: any charging step adds >= 3 kWh > 1.5 of room, so the car
    cannot charge at all; the target is missed by 2 kWh (penalty 20) and reported, not infeasible.
    """
    car = vehicle([session(0, 2, 10.0, 12.0)], charge_min_kw=3.0, soc_max_kwh=11.5)
    sc = make_scenario(import_price=[0.1, 0.2], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], 0.0, atol=KW_TOL)
    assert close(p.costs["total"], 20.0)
    assert p.shortfalls[0]["shortfall_kwh"] == pytest.approx(2.0, abs=KWH_TOL)


def test_partly_covered_steps_scale_the_power_limit():
    """Session 00:30-02:15 on hourly steps: covered fractions 0.5, 1, 0.25, 0 -> at most 2, 4, 1, 0 kWh.

    Prices [0.1, 0.3, 0.2, 0.0], need 5 kWh: 2 at 0.1, 1 at 0.2, 2 at 0.3 -> 0.2 + 0.2 + 0.6 = 1.0 (the free
    step 3 lies after the departure). The target sits on boundary 3 (end of the partly covered step 2).
    """
    car = vehicle([session(0.5, 2.25, 10.0, 15.0)])
    sc = make_scenario(import_price=[0.1, 0.3, 0.2, 0.0], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], [2.0, 2.0, 1.0, 0.0], atol=KW_TOL)
    assert list(p.schedule["car_plugged"]) == [True, True, True, False]
    assert p.schedule["car_soc_kwh"].iloc[2] == pytest.approx(15.0, abs=KWH_TOL)
    assert close(p.costs["total"], 1.0)


def test_minimum_power_is_scaled_by_the_covered_fraction():
    """Session 00:30-02:00, charge_min 3, charge_max 4, need 1.5 kWh, prices [0.1, 0.2].

    Step 0 is half covered: power 0 or in [1.5, 2] kW (mean over the hour) -> 1.5 kWh at 0.1 = 0.15 meets the
    target exactly (unscaled, it would have to be >= 3 kW and could not fit in half an hour).
    """
    car = vehicle([session(0.5, 2.0, 10.0, 11.5)], charge_min_kw=3.0)
    sc = make_scenario(import_price=[0.1, 0.2], vehicles=[car])
    p = solve(sc)
    assert p.schedule["car_charge_kw"].iloc[0] == pytest.approx(1.5, abs=KW_TOL)
    assert close(p.costs["total"], 0.15)


def test_no_power_while_unplugged_between_sessions():
    """Sessions [0, 1) and [2, 3) h; the free step 1 is between them. Each session needs 2 kWh.

    Prices [0.5, 0.0, 0.4]: 2 kWh at 0.5 and 2 kWh at 0.4 = 1.8; nothing in step 1.
    """
    car = vehicle([session(0, 1, 10.0, 12.0), session(2, 3, 8.0, 10.0)])
    sc = make_scenario(import_price=[0.5, 0.0, 0.4], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], [2.0, 0.0, 2.0], atol=KW_TOL)
    assert list(p.schedule["car_plugged"]) == [True, False, True]
    assert np.isnan(p.schedule["car_soc_kwh"].iloc[1])
    assert p.schedule["car_soc_kwh"].iloc[2] == pytest.approx(10.0, abs=KWH_TOL)
    assert close(p.costs["total"], 1.8)


def test_two_sessions_sharing_a_step():
    """Sessions [0, 1.5) and [1.75, 3) h share step 1 (fractions 0.5 and 0.25). Need 4 kWh each.

    A shared step belongs to the later session (the car is back), so session 0 can charge only in step 0
    (4 kWh at 0.5 = 2.0) and session 1 gets 1 kWh in step 1 (0.1) and 3 kWh in step 2 (1.2): cost 3.3, charge
    [4, 1, 3]. The single charge/SoC column per vehicle stays unambiguous, and the plan verifies.
    """
    car = vehicle([session(0, 1.5, 10.0, 14.0), session(1.75, 3, 10.0, 14.0)])
    sc = make_scenario(import_price=[0.5, 0.1, 0.4], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], [4.0, 1.0, 3.0], atol=KW_TOL)
    assert np.allclose(p.schedule["car_soc_kwh"], [14.0, 11.0, 14.0], atol=KWH_TOL)
    assert close(p.costs["total"], 3.3)
    assert all(s["shortfall_kwh"] == 0.0 for s in p.shortfalls)


def test_v2g_exports_in_the_expensive_step_and_recharges_in_the_cheap_one():
    """V2G car at 20 kWh, target 20, 5 kW both ways, eta 0.9; import [0.1, 0.5], export [0.0, 0.4].

    Charge 5 kW in step 0 (+4.5 kWh, 0.5 paid), discharge 4.5 x 0.9 = 4.05 kW in step 1 (1.62 earned):
    cost -1.12 (departure at 20 kWh). Without V2G the car idles: cost 0.
    """
    common = dict(charge_max_kw=5.0, discharge_max_kw=5.0, eta_charge=0.9, eta_discharge=0.9)
    car = vehicle([session(0, 2, 20.0, 20.0)], v2g=True, **common)
    sc = make_scenario(import_price=[0.1, 0.5], export_price=[0.0, 0.4], vehicles=[car])
    p = solve(sc)
    assert p.schedule["car_charge_kw"].iloc[0] == pytest.approx(5.0, abs=KW_TOL)
    assert p.schedule["car_discharge_kw"].iloc[1] == pytest.approx(4.05, abs=KW_TOL)
    assert p.schedule["car_soc_kwh"].iloc[1] == pytest.approx(20.0, abs=KWH_TOL)
    assert close(p.costs["total"], 0.5 - 1.62)
    no_v2g = make_scenario(import_price=[0.1, 0.5], export_price=[0.0, 0.4],
                           vehicles=[vehicle([session(0, 2, 20.0, 20.0)], **common)])
    p0 = solve(no_v2g)
    assert np.allclose(p0.schedule["car_discharge_kw"], 0.0, atol=KW_TOL)
    assert close(p0.costs["total"], 0.0)


def test_v2g_respects_the_vehicle_reserve():
    """V2G car at 10 kWh with soc_min 8, target 0, export 1.0 GBP/kWh: only 2 kWh can be sold: cost -2."""
    car = vehicle([session(0, 1, 10.0, 0.0)], v2g=True, discharge_max_kw=5.0, soc_min_kwh=8.0)
    sc = make_scenario(import_price=[2.0], export_price=[1.0], vehicles=[car])
    p = solve(sc)
    assert p.schedule["car_discharge_kw"].iloc[0] == pytest.approx(2.0, abs=KW_TOL)
    assert close(p.costs["total"], -2.0)


def test_unreachable_target_charges_flat_out_and_reports_the_shortfall():
    """10 -> 30 kWh in 2 h at 4 kW: at most 18 kWh; 8 kWh at 0.1 (0.8) + 12 kWh short x 10 (120) = 120.8.

    The plan is a best effort (full power in both steps), not an infeasibility error.
    """
    car = vehicle([session(0, 2, 10.0, 30.0)])
    sc = make_scenario(import_price=[0.1, 0.1], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], 4.0, atol=KW_TOL)
    entry = p.shortfalls[0]
    assert entry["soc_kwh"] == pytest.approx(18.0, abs=KWH_TOL)
    assert entry["shortfall_kwh"] == pytest.approx(12.0, abs=KWH_TOL)
    assert close(p.costs["shortfall_penalty"], 120.0)
    assert close(p.costs["total"], 120.8)


def test_vehicle_penalty_below_the_price_leaves_the_target_unmet():
    """A vehicle penalty of 0.05/kWh below the 0.1 price: not charging (4 kWh short, 0.2) is cheapest."""
    car = vehicle([session(0, 2, 10.0, 14.0)], shortfall_penalty_per_kwh=0.05)
    sc = make_scenario(import_price=[0.1, 0.1], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], 0.0, atol=KW_TOL)
    assert close(p.costs["total"], 0.2)
    assert p.shortfalls[0]["shortfall_kwh"] == pytest.approx(4.0, abs=KWH_TOL)


def test_departure_after_the_horizon_prorates_the_target():
    """Plugged from 0 h, departs at 8 h, horizon 4 h, 10 -> 30 kWh: the horizon-end target is
    10 + 20 x 4 / 8 = 20. Prices [0.1, 0.2, 0.3, 0.4]: 4 + 4 + 2 kWh -> 0.4 + 0.8 + 0.6 = 1.8.
    """
    car = vehicle([session(0, 8, 10.0, 30.0)])
    sc = make_scenario(import_price=[0.1, 0.2, 0.3, 0.4], vehicles=[car])
    p = solve(sc)
    entry = p.shortfalls[0]
    assert entry["target_kwh"] == pytest.approx(20.0)
    assert entry["departs_in_horizon"] is False
    assert np.allclose(p.schedule["car_charge_kw"], [4.0, 4.0, 2.0, 0.0], atol=KW_TOL)
    assert close(p.costs["total"], 1.8)


def test_arrival_before_the_horizon_starts_from_the_arrival_soc():
    """Arrived 2 h before the horizon at 10 kWh, departs at 2 h with target 14: 4 kWh at [0.3, 0.1] ->
    4 kWh at 0.1 = 0.4.
    """
    car = vehicle([session(-2, 2, 10.0, 14.0)])
    sc = make_scenario(import_price=[0.3, 0.1], vehicles=[car])
    p = solve(sc)
    assert np.allclose(p.schedule["car_charge_kw"], [0.0, 4.0], atol=KW_TOL)
    assert close(p.costs["total"], 0.4)


def test_battery_and_vehicle_share_the_import_limit():
    """Import limit 5 kW, car needs 8 kWh in 2 h (4 kW max), battery at 5 kWh (end floor 0), load [3, 3].

    The site needs 6 + 8 = 14 kWh; the battery's 5 kWh are free (no wear, no end floor), so the grid brings
    the other 9 kWh (within its 10 kWh over two steps) at 0.1: cost 0.9, no unserved load, no shortfall.
    """
    car = vehicle([session(0, 2, 10.0, 18.0)])
    sc = make_scenario(import_price=[0.1, 0.1], load=[3.0, 3.0], import_limit_kw=5.0,
                       batteries=[battery(soc_kwh=5.0)], vehicles=[car])
    p = solve(sc)
    assert p.schedule["grid_import_kw"].sum() == pytest.approx(9.0, abs=KW_TOL)
    assert (p.schedule["grid_import_kw"] <= 5.0 + KW_TOL).all()
    assert p.schedule["bat_discharge_kw"].sum() == pytest.approx(5.0, abs=KW_TOL)
    assert close(p.costs["total"], 0.9)
    assert p.total_shortfall_kwh == 0.0
