"""The home-controller policy (planner.jobs.simulate.controller), case by case with hand-derived numbers."""

from __future__ import annotations

import numpy as np
import pytest

from planner.jobs.simulate.controller import (
    battery_net_kw,
    catch_up_over_session,
    catch_up_profile,
    planned_grid_charge_kw,
    planned_soc_before,
    split_net,
)

H = 0.5  # half-hour steps


def test_a_car_behind_the_plan_catches_up_in_the_cheapest_steps_not_at_once():
    """Plan: 2 kW in steps 1 and 3. Car arrives 1.8 kWh short (eta 0.9): 4 kW more are needed for one half
    hour; the cheapest step with headroom is step 2 (0.10), so all of it goes there, nothing in step 0."""
    steps = np.arange(4)
    frac = np.ones(4)
    plan_c = np.array([0.0, 2.0, 0.0, 2.0])
    plan_d = np.zeros(4)
    price = np.array([0.30, 0.20, 0.10, 0.25])
    c, d = catch_up_profile(steps, frac, plan_c, plan_d, price, -1.8, 7.0, 0.9, 0.9, H)
    np.testing.assert_allclose(c, [0.0, 2.0, 4.0, 2.0])
    assert float(np.sum(c - plan_c) * 0.9 * H) == pytest.approx(1.8)
    np.testing.assert_allclose(d, 0.0)


def test_a_car_short_in_the_evening_waits_for_the_night_the_decision_already_sees():
    """The car plugs in at 18:00 for the night (leaves 07:00), 5 kWh short of the plan; the decision made at
    00:00 covers 36 h: 0.30 until midnight, 0.10 after. The cheapest steps of the session are after midnight,
    beyond the day executed before the next decision, so nothing is added today (the next decision plans the
    night from the true SoC). A decision that saw only the day would charge the 5 kWh at 18:00 at 0.30."""
    import pandas as pd

    from planner.timegrid import TimeGrid

    day = TimeGrid(pd.Timestamp("2024-01-15T00:00Z"), 60, 24, "UTC")
    arrive, depart = pd.Timestamp("2024-01-15T18:00Z"), pd.Timestamp("2024-01-16T07:00Z")
    price = np.r_[np.full(24, 0.30), np.full(12, 0.10)]
    c, d = catch_up_over_session(day, arrive, depart, np.zeros(36), np.zeros(36), price, -5.0, 7.0, 1.0, 1.0)
    assert len(c) == 24 and c.sum() == 0.0 and d.sum() == 0.0
    c, _ = catch_up_over_session(day, arrive, depart, np.zeros(24), np.zeros(24), price[:24], -5.0, 7.0, 1.0, 1.0)
    np.testing.assert_allclose(c[18], 5.0)
    assert c.sum() == pytest.approx(5.0)


def test_catch_up_fills_headroom_then_skips_the_least_valuable_discharge():
    """6.3 kWh short at 7 kW max: step 1 (cheapest, idle) takes 7 kW (3.15 kWh), step 2 (no headroom: it
    discharges) is skipped for charging, step 0 takes 7 kW (3.15 kWh) -> done; planned V2G is kept."""
    steps = np.arange(3)
    c, d = catch_up_profile(steps, np.ones(3), np.zeros(3), np.array([0.0, 0.0, 3.0]),
                            np.array([0.2, 0.1, 0.05]), -6.3, 7.0, 0.9, 0.9, H)
    np.testing.assert_allclose(c, [7.0, 7.0, 0.0])
    np.testing.assert_allclose(d, [0.0, 0.0, 3.0])
    # 8 kWh short: after both idle steps (6.3 kWh) the cheapest discharge is cut by 1.7 kWh stored = 3.06 kW
    c, d = catch_up_profile(steps, np.ones(3), np.zeros(3), np.array([0.0, 0.0, 3.4]),
                            np.array([0.2, 0.1, 0.05]), -8.0, 7.0, 0.9, 0.9, H)
    np.testing.assert_allclose(d, [0.0, 0.0, 3.4 - 1.7 * 0.9 / H])


def test_a_car_ahead_of_the_plan_skips_the_dearest_planned_charging():
    steps = np.arange(3)
    c, _ = catch_up_profile(steps, np.ones(3), np.array([4.0, 4.0, 4.0]), np.zeros(3),
                            np.array([0.1, 0.3, 0.2]), 2.7, 7.0, 0.9, 0.9, H)
    # 2.7 kWh ahead = 6 kW for half an hour: step 1 (0.30) drops its 4 kW, step 2 (0.20) 2 kW
    np.testing.assert_allclose(c, [4.0, 0.0, 2.0])


def test_planned_soc_before_a_step_undoes_that_step():
    soc = np.array([np.nan, 11.0])
    assert np.isnan(planned_soc_before(soc, np.zeros(2), np.zeros(2), 0, 0.9, 0.9, H))
    assert planned_soc_before(soc, np.array([0.0, 2.0]), np.zeros(2), 1, 0.9, 0.9, H) == pytest.approx(10.1)


@pytest.mark.parametrize(
    ("planned", "surprise", "imp", "exp", "expected"),
    [
        (-2.0, -0.5, 0.30, 0.15, -1.5),  # less demand: discharge less rather than export at 15 p
        (0.0, -1.0, 0.30, 0.15, 1.0),  # unplanned surplus is stored
        (0.0, -1.0, 0.10, 0.15, 0.0),  # export pays more than import: the surplus is exported
        (-1.0, 0.8, 0.30, 0.15, -1.8),  # more demand in a discharge step: covered from the battery
        (3.0, 0.8, 0.07, 0.15, 3.0),  # the plan charges from the grid (cheap window): surprise imported
    ],
)
def test_the_battery_holds_the_plans_grid_exchange(planned, surprise, imp, exp, expected):
    assert battery_net_kw(planned, surprise, imp, exp, planned_grid_charge_kw=3.0) == pytest.approx(expected)


def test_a_charge_planned_from_forecast_sun_is_cut_when_the_sun_does_not_come():
    """The plan stores 3 kW of forecast PV and imports nothing; 0.8 kW less sun: charge 2.2 kW, not import."""
    assert battery_net_kw(3.0, 0.8, 0.27, 0.15, planned_grid_charge_kw=0.0) == pytest.approx(2.2)


def test_less_demand_while_importing_lowers_the_import_not_a_battery_charge():
    """The plan imports 1.67 kW for the load with the battery idle; the real load is 1.14 kW lower: the import
    falls to 0.53 kW and the battery stays idle (flat 0.28: storing bought energy only loses). When the
    surprise would make the site export 0.5 kW, the battery takes those 0.5 kW."""
    assert battery_net_kw(0.0, -1.14, 0.28, 0.15, planned_grid_kw=1.67) == 0.0
    assert battery_net_kw(0.0, -1.14, 0.28, 0.15, planned_grid_kw=0.64) == pytest.approx(0.5)


def test_import_for_the_load_is_not_a_cheap_window():
    """The plan imports 1 kW for a 1 kW net load while storing 3 kW of forecast sun: no grid charging in that
    step (its import is the load's), so 0.8 kW less sun cuts the charge to 2.2 kW; importing 4 kW for the
    same plan is a grid charge of 3 kW, which is kept."""
    assert planned_grid_charge_kw(1.0, 1.0) == 0.0
    assert battery_net_kw(3.0, 0.8, 0.27, 0.15, planned_grid_charge_kw=planned_grid_charge_kw(1.0, 1.0)) == 2.2
    assert planned_grid_charge_kw(4.0, 1.0) == pytest.approx(3.0)
    assert battery_net_kw(3.0, 0.8, 0.07, 0.15, planned_grid_charge_kw=3.0) == 3.0


def test_split_net_respects_power_and_energy_limits():
    assert split_net(4.0, 5.0, 5.0, 3.0, 9.0) == (3.0, 0.0)
    assert split_net(-7.0, 5.0, 5.0, 9.0, 9.0) == (0.0, 5.0)
    assert split_net(-2.0, 5.0, 5.0, 9.0, 1.5) == (0.0, 1.5)


def test_flow_rule_rooms():
    """A battery that may feed the house and the grid but not the car: up to the house's 0.7 kW while the car
    charges (more would reach the car first), no limit when no car charges; one that may charge only from solar
    takes at most the solar the load leaves."""
    from types import SimpleNamespace

    from planner.jobs.simulate.controller import charge_room_kw, discharge_room_kw

    grid = SimpleNamespace(export_from=("solar", "battery", "vehicle"), import_to=("load", "battery", "vehicle"))
    battery = SimpleNamespace(discharge_to=("load", "grid"), charge_from=("solar",))
    assert discharge_room_kw(battery, "battery", grid, 0.7, vehicles_charge_kw=3.6) == pytest.approx(0.7)
    assert discharge_room_kw(battery, "battery", grid, 0.7, vehicles_charge_kw=0.0) == float("inf")
    assert charge_room_kw(battery, "battery", grid, 1.5) == pytest.approx(1.5)
    assert charge_room_kw(battery, "battery", grid, -0.4) == 0.0
    no_export = SimpleNamespace(export_from=("solar",), import_to=grid.import_to)
    assert discharge_room_kw(battery, "battery", no_export, 0.7) == pytest.approx(0.7)
