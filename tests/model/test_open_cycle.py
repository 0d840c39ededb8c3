"""An open cycle at the start of a trajectory: the cycle-depth wear prices a discharge that deepens it.

The segment model (Xu et al. 2018) charges every discharge to the shallowest segment holding energy. A pack
that has already given ``D`` kWh since it was last charged (a car after its drive, a battery mid-way through
its evening) has emptied its shallow segments: ``cycle_depth_kwh = D`` says so, and a further discharge pays
the deeper segments' cost. Hand cases: one-hour steps, lossless, the two-segment pack of
``test_degradation`` (10 kWh, segments of 5 kWh costing 0.05 and 0.15 per kWh discharged).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KW_TOL, battery, close, make_scenario, session, solve, vehicle

from planner.domain.wear_costs import open_depth_kwh, segment_fill, segment_room_kwh
from planner.errors import ScenarioError

CURVE = {"cycle_life_depth_fraction": [0.5, 1.0], "cycle_life_cycles": [4000, 1000]}
TWO_SEGMENTS = {"model": "cycle_depth", "replacement_cost": 1000.0, "segments": 2, **CURVE}


def test_segment_room_and_fill_by_hand():
    """Segments of 5 kWh; an open depth of 7 kWh empties the first and 2 kWh of the second: room [0, 3, 5].
    6 kWh placed shallowest first within that room: [0, 3, 3]. Without depth: [5, 1, 0]."""
    assert np.allclose(segment_room_kwh(3, 5.0, 7.0), [0.0, 3.0, 5.0])
    assert np.allclose(segment_fill(6.0, 3, 5.0, 7.0), [0.0, 3.0, 3.0])
    assert np.allclose(segment_fill(6.0, 3, 5.0), [5.0, 1.0, 0.0])
    # a depth that leaves no room for the energy is clipped: 12 kWh in 15 leaves at most 3 kWh open
    assert np.allclose(segment_fill(12.0, 3, 5.0, 9.0), [2.0, 5.0, 5.0])


def test_open_depth_follows_falls_and_rises():
    """From full (10 kWh): drive to 4 (depth 6), charge 2 (depth 4), discharge 3 (depth 7), charge 9 to full
    (depth 0, bounded by the room above the SoC)."""
    assert open_depth_kwh(np.array([10.0, 4.0]), 10.0) == pytest.approx(6.0)
    assert open_depth_kwh(np.array([10.0, 4.0, 6.0]), 10.0) == pytest.approx(4.0)
    assert open_depth_kwh(np.array([10.0, 4.0, 6.0, 3.0]), 10.0) == pytest.approx(7.0)
    assert open_depth_kwh(np.array([10.0, 4.0, 6.0, 3.0, 10.0]), 10.0) == pytest.approx(0.0)
    assert open_depth_kwh(np.array([5.0, 4.0]), 10.0, start_depth_kwh=2.0) == pytest.approx(3.0)


def _battery_case(depth: float):
    return make_scenario(
        import_price=[0.40, 0.30], load=[5.0, 0.0], export_limit_kw=0.0,
        batteries=[battery(soc_kwh=5.0, end_soc_min_kwh=5.0, charge_max_kw=10.0, discharge_max_kw=10.0,
                           degradation=TWO_SEGMENTS, cycle_depth_kwh=depth)],
    )


def test_a_battery_mid_cycle_does_not_discharge_for_a_small_spread():
    """5 kWh stored, must end with 5; load [5, 0] kW, prices [0.40, 0.30]: each kWh served from the battery
    and recharged saves 0.10.

    - A fresh cycle: the 5 kWh sit in the shallow segment (0.05 per kWh): discharge 5, recharge 5; imports
      [0, 5] at 0.30 = 1.5, wear 0.25, total 1.75.
    - Open depth 5 kWh (the battery gave 5 kWh since it was last full): the shallow segment is empty, the
      energy sits in the deep one (0.15 per kWh > 0.10): idle; imports [5, 0] = 2.0, no wear.
    """
    fresh = solve(_battery_case(0.0))
    assert np.allclose(fresh.schedule["bat_discharge_kw"], [5, 0], atol=KW_TOL)
    assert close(fresh.costs["degradation_cost_bat"], 0.25)
    assert close(fresh.costs["total"], 1.75)
    deep = solve(_battery_case(5.0))
    assert np.allclose(deep.schedule["bat_discharge_kw"], [0, 0], atol=KW_TOL)
    assert close(deep.costs["total"], 2.0)


def _car_case(depth: float):
    trip = session(0, 2, 5.0, 5.0)
    trip["cycle_depth_kwh"] = depth
    car = vehicle([trip], capacity_kwh=10.0, soc_max_kwh=10.0, charge_max_kw=10.0, v2g=True,
                  discharge_max_kw=10.0, degradation=TWO_SEGMENTS)
    return make_scenario(import_price=[0.40, 0.30], load=[5.0, 0.0], export_limit_kw=0.0, vehicles=[car])


def test_v2g_after_a_drive_pays_the_deeper_cycle():
    """The same spread for a car that arrives with 5 kWh and must leave with 5: after no drive (depth 0)
    V2G of 5 kWh costs 0.25 and pays (total 1.75); after a 5 kWh drive (``cycle_depth_kwh = 5``) the same
    V2G deepens the driving cycle to the full pack, at 0.15 per kWh, and does not pay (total 2.0).
    ``verify`` (inside ``solve``) recomputes the wear with the same open depth."""
    fresh = solve(_car_case(0.0))
    assert np.allclose(fresh.schedule["car_discharge_kw"], [5, 0], atol=KW_TOL)
    assert close(fresh.costs["degradation_cost_car"], 0.25)
    assert close(fresh.costs["total"], 1.75)
    after_drive = solve(_car_case(5.0))
    assert np.allclose(after_drive.schedule["car_discharge_kw"], [0, 0], atol=KW_TOL)
    assert close(after_drive.costs["total"], 2.0)


def test_cycle_depth_field_is_checked():
    sc = _car_case(0.0)
    assert sc.vehicles[0].sessions[0].cycle_depth_kwh == 0.0
    with pytest.raises(ScenarioError, match=r"session\[0\]\.cycle_depth_kwh"):
        _car_case(-1.0)
    with pytest.raises(ScenarioError, match=r"battery\[0\]\.cycle_depth_kwh"):
        _battery_case(11.0)


def test_cycle_depth_and_calendar_add_up():
    """``model = "cycle_depth_calendar"``: the segments plus a holding cost of 0.02 per kWh h above 8 kWh.

    Full 10 kWh battery that must end full, load [10, 0] kW, prices [0.40, 0.30]: as with cycle-depth wear
    alone it serves 5 kWh from the shallow segment (0.25 of wear, energy 3.5). Holding: the SoC on the
    boundaries is [10, 5, 10], 2 kWh above the threshold at both ends and none between:
    0.02 x ((2 + 0) / 2 + (0 + 2) / 2) = 0.04. Total 3.79, recomputed by ``verify``.
    """
    both = {**TWO_SEGMENTS, "model": "cycle_depth_calendar", "cost_per_kwh_hour": 0.02,
            "calendar_soc_threshold_fraction": 0.8}
    sc = make_scenario(
        import_price=[0.40, 0.30], load=[10.0, 0.0], export_limit_kw=0.0,
        batteries=[battery(soc_kwh=10.0, end_soc_min_kwh=10.0, charge_max_kw=10.0, discharge_max_kw=10.0,
                           degradation=both)],
    )
    p = solve(sc)
    assert np.allclose(p.schedule["bat_discharge_kw"], [5, 0], atol=KW_TOL)
    assert close(p.costs["degradation_cost_bat"], 0.25 + 0.04)
    assert close(p.costs["total"], 3.5 + 0.29)


def test_the_leaf_example_of_the_wear_docs():
    """docs/degradation.md: Leaf segments 0.0147, 0.0408, 0.0673, 0.0946 GBP per AC kWh; after a 20 kWh drive
    from 47.2 kWh, 10 kWh from the cells cost (9.5 x 0.0408 + 0.5 x 0.0673) x 0.92 = 0.39 GBP, from a fresh
    cycle 10 x 0.0147 x 0.92 = 0.14 GBP."""
    from planner.domain.wear_costs import cycle_depth_cost
    from planner.domain.wear_params import segment_costs_per_kwh

    costs = segment_costs_per_kwh(5900.0, 59.0, [0.1, 0.2, 0.4, 0.6, 0.8, 1.0],
                                  [214000, 52500, 12800, 5640, 3150, 2000], 4, 0.92)
    np.testing.assert_allclose(costs, [0.0147, 0.0408, 0.0673, 0.0946], atol=5e-5)

    def v2g(depth: float) -> float:
        return cycle_depth_cost(np.array([0.0]), np.array([10 * 0.92]), np.ones(1), np.array([27.2, 17.2]),
                                0.92, 0.92, costs, 14.75, start_depth_kwh=depth)

    assert v2g(20.0) == pytest.approx((9.5 * costs[1] + 0.5 * costs[2]) * 0.92)
    assert round(v2g(20.0), 2) == 0.39
    assert round(v2g(0.0), 2) == 0.14
