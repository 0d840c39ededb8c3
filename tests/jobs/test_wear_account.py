"""The wear a simulated period is charged (``planner.jobs.simulate.wear_account``): cycle ageing on each pack's
continuous SoC trajectory, driving included, plus calendar ageing; hand-checked, and the same as the plans
price it.

Packs: 10 kWh, lossless, two segments of 5 kWh costing c1 = 0.05 and c2 = 0.15 per kWh discharged
(Phi(0.5) = 1/4000, Phi(1) = 1/1000, replacement 1,000), as in ``tests/model/test_degradation.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import battery, make_scenario, session, vehicle

from planner.domain.wear_costs import wear_cost_from_schedule
from planner.jobs.simulate.wear_account import period_wear, soc_points

CURVE = {"cycle_life_depth_fraction": [0.5, 1.0], "cycle_life_cycles": [4000, 1000]}
TWO_SEGMENTS = {"model": "cycle_depth", "replacement_cost": 1000.0, "segments": 2, **CURVE}
STEP = pd.Timedelta(hours=1)
START = pd.Timestamp("2024-01-01 20:00", tz="UTC")


def _frame(name: str, soc: list[float], discharge: list[float]) -> pd.DataFrame:
    index = pd.date_range(START, periods=len(soc), freq="1h", name="time")
    return pd.DataFrame({f"{name}_soc_kwh": soc, f"{name}_discharge_kw": discharge,
                         f"{name}_charge_kw": np.maximum(np.diff([10.0, *soc]), 0.0)}, index=index)


def test_a_cycle_across_midnight_is_one_deep_cycle():
    """Full battery; from 20:00 it discharges 5 kWh before midnight and 5 after (steps 3 and 4), then
    recharges. On the continuous trajectory that is one cycle of depth 1: 5 x 0.05 + 5 x 0.15 = 1.0, the
    first 0.25 on the first day and 0.75 on the second. (Two days priced apart, each from a fresh cycle,
    would charge 5 x 0.05 twice = 0.5.) Rainflow agrees: one full cycle of range 10 kWh, 1000 x Phi(1) = 1.0."""
    sc = make_scenario(batteries=[battery(soc_kwh=10.0, degradation=TWO_SEGMENTS)], import_price=[0.1])
    sched = _frame("bat", [10, 10, 10, 5, 0, 5, 10], [0, 0, 0, 5, 5, 0, 0])
    midnight = pd.Timestamp("2024-01-02", tz="UTC")
    days, checks = period_wear(sc, sched, {"bat": 10.0}, {}, [START, midnight], STEP)
    np.testing.assert_allclose(days["wear_cycle_bat"], [0.25, 0.75])
    assert days["wear_cost"].sum() == pytest.approx(1.0)
    assert checks["wear_rainflow_bat"] == pytest.approx(1.0)


def test_the_exponent_sensitivity_reprices_shallow_cycles_and_keeps_the_full_depth_life():
    """The curve (N(0.5) = 4000, N(1) = 1000) is the power law of exponent 2. Two half-depth cycles cost
    2 x 1000 / 4000 = 0.5 on it; re-shaped to exponent k with N(1) kept, Phi(0.5) = 0.5^k / 1000: 0.933 at
    k = 1.1 (2 x 0.5^1.1) and 0.25 at k = 3 (2 x 0.5^3). A full cycle costs 1.0 at every exponent."""
    sc = make_scenario(batteries=[battery(soc_kwh=10.0, degradation=TWO_SEGMENTS)], import_price=[0.1])
    shallow = _frame("bat", [5, 10, 5, 10], [5, 0, 5, 0])
    _, checks = period_wear(sc, shallow, {"bat": 10.0}, {}, [START], STEP)
    assert checks["wear_rainflow_bat"] == pytest.approx(0.5)
    assert checks["wear_exponent_low_bat"] == pytest.approx(2 * 0.5 ** 1.1)
    assert checks["wear_exponent_high_bat"] == pytest.approx(2 * 0.5 ** 3)
    full = _frame("bat", [0, 10], [10, 0])
    _, checks = period_wear(sc, full, {"bat": 10.0}, {}, [START], STEP)
    for key in ("wear_rainflow_bat", "wear_exponent_low_bat", "wear_exponent_high_bat"):
        assert checks[key] == pytest.approx(1.0)


def test_v2g_after_a_drive_is_charged_as_the_plan_prices_it():
    """The car leaves full (10 kWh) and comes back with 6 after a 4 kWh drive, gives 4 kWh of V2G, then
    charges to full. Judged on the trajectory 10 -> 6 -> 2 -> 10: the drive empties 4 kWh of the shallow
    segment (4 x 0.05 = 0.2), the V2G the last 1 kWh of it and 3 of the deep one (0.05 + 0.45 = 0.5): 0.7 in
    all, which is also the rainflow count (one cycle of depth 0.8: 1000 x Phi(0.8) = 0.7).

    The plan of that session, told ``cycle_depth_kwh = 4`` (the drive), prices its V2G at exactly the 0.5
    the period is charged for it."""
    sc = make_scenario(vehicles=[vehicle([session(0, 4, 6.0, 10.0)], capacity_kwh=10.0, soc_max_kwh=10.0,
                                         v2g=True, discharge_max_kw=4.0, degradation=TWO_SEGMENTS)],
                       import_price=[0.1] * 4)
    car = sc.vehicles[0]
    # away 20:00-22:00 (NaN), arrives at 22:00 with 6, V2G 4 kWh in one step, then charges 8 kWh
    sched = _frame("car", [10, np.nan, 2, 6, 10], [0, 0, 4, 0, 0])
    sched["car_charge_kw"] = [0, 0, 0, 4, 4]
    arrival = [(START + 2 * STEP, 6.0)]
    traj = soc_points(car, sched, 10.0, arrival, STEP)
    np.testing.assert_allclose(traj.soc_kwh, [10, 10, 6, 2, 6, 10, 10])
    days, checks = period_wear(sc, sched, {"car": 10.0}, {"car": arrival}, [START], STEP)
    assert days["wear_cycle_car"].iloc[0] == pytest.approx(0.7)
    assert checks["wear_rainflow_car"] == pytest.approx(0.7)
    planned = wear_cost_from_schedule(car, np.array([0, 4, 4.0]), np.array([4.0, 0, 0]), 1.0,
                                      [(0, np.array([6.0, 2.0, 6.0, 10.0]))], [4.0])
    assert planned == pytest.approx(0.5)
    fresh = wear_cost_from_schedule(car, np.array([0, 4, 4.0]), np.array([4.0, 0, 0]), 1.0,
                                    [(0, np.array([6.0, 2.0, 6.0, 10.0]))], [0.0])
    assert fresh == pytest.approx(0.2)  # from a fresh cycle it would look shallow: 4 x 0.05


def test_calendar_ageing_counts_the_time_above_the_threshold_away_from_home_too():
    """0.1 per kWh h above 8 kWh. The car sits at 10 kWh for one hour at home (2 kWh h above), leaves and
    is back 2 h later with 6 kWh (the drive a straight line from 10 to 6: above the threshold for its first
    hour, 2 x 1 / 2 = 1 kWh h), then stays at 6: 0.1 x (2 + 1) = 0.3."""
    table = {"model": "calendar", "cost_per_kwh_hour": 0.1, "calendar_soc_threshold_fraction": 0.8}
    sc = make_scenario(vehicles=[vehicle([session(0, 4, 6.0, 6.0)], capacity_kwh=10.0, soc_max_kwh=10.0,
                                         degradation=table)], import_price=[0.1] * 4)
    sched = _frame("car", [10, np.nan, np.nan, 6], [0, 0, 0, 0])
    sched["car_charge_kw"] = 0.0
    days, _ = period_wear(sc, sched, {"car": 10.0}, {"car": [(START + 3 * STEP, 6.0)]}, [START], STEP)
    assert days["wear_calendar_car"].iloc[0] == pytest.approx(0.3)
