"""Power-dependent charging efficiency: hand-solved optima for a convex loss and for a fixed overhead, the
exactness where getting rid of energy pays, and the measured curve in the catalogue."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import close, make_scenario, session, solve, vehicle

import planner
from planner.domain.efficiency import charge_curve, envelope_excess, stored_kw
from planner.solve.fallback import fallback_plan
from planner.verify import verify

COPPER = [[2.0, 0.95], [4.0, 0.90]]
"""Stores 1.9 kW at 2 kW and 3.6 kW at 4 kW: marginal 0.95, then 0.85 (a convex loss through zero)."""
TESLA_3PH = [[4.14, 0.87], [5.52, 0.87], [6.9, 0.90], [8.28, 0.90], [9.66, 0.90], [11.04, 0.90]]
"""ev2gym's three-phase curve of the Tesla Model 3 at 6-16 A (230 V): efficiency rises with power."""


def test_curve_forms() -> None:
    copper = charge_curve(COPPER, 4.0)
    assert copper.overhead_kw == 0.0 and copper.min_kw == 0.0
    np.testing.assert_allclose(copper.slopes, [0.95, 0.85])
    np.testing.assert_allclose(stored_kw(copper, np.array([0.0, 1.0, 2.0, 3.0, 4.0])), [0, 0.95, 1.9, 2.75, 3.6])
    tesla = charge_curve(TESLA_3PH, 11.0)
    assert tesla.min_kw == pytest.approx(4.14)
    assert tesla.overhead_kw == pytest.approx(0.3105)  # the first line, through 4.14 and 6.9 kW, at 0 kW
    # exact at the envelope's points, generous by at most 0.11 kW (2 %) at 5.52 kW, which lies below it
    np.testing.assert_allclose(stored_kw(tesla, np.array([4.14, 6.9, 11.0])), [4.14 * 0.87, 6.9 * 0.9, 9.9], atol=1e-9)
    assert envelope_excess(TESLA_3PH, 11.0) == pytest.approx(0.1035, abs=1e-4)


def test_convex_loss_spreads_the_charge() -> None:
    """3.6 kWh stored over two equal-price hours: 1.8947 kW in each (all at 0.95) costs 3.789 x 0.1; a single
    hour at 4 kW would cost 0.40."""
    scenario = make_scenario(import_price=[0.1, 0.1], vehicles=[vehicle(
        [session(0, 2, 0.0, 3.6)], charge_max_kw=4.0, charge_efficiency=COPPER)])
    result = solve(scenario)
    assert close(result.costs["import_cost"], 0.1 * 3.6 / 0.95)
    assert np.all(result.schedule["car_charge_kw"].to_numpy() <= 2.0 + 1e-6)
    assert close(result.schedule["car_soc_kwh"].iloc[-1], 3.6)


def test_overhead_charges_in_one_hour_at_high_power() -> None:
    """6.21 kWh stored in two equal-price hours with the Tesla curve: two hours at the lowest power (4.14 kW)
    would store 7.20 at 8.28 kWh, below it is not allowed; one hour at 6.9 kW stores exactly 6.21 (0.69)."""
    scenario = make_scenario(import_price=[0.1, 0.1], vehicles=[vehicle(
        [session(0, 2, 10.0, 16.21)], capacity_kwh=57.5, soc_max_kwh=57.5, charge_max_kw=11.0,
        charge_efficiency=TESLA_3PH)])
    assert scenario.vehicles[0].charge_min_kw == pytest.approx(4.14)
    assert any("charge_min_kw raised to 4.14 kW" in n for n in scenario.notes)
    result = solve(scenario)
    charge = np.sort(result.schedule["car_charge_kw"].to_numpy())
    np.testing.assert_allclose(charge, [0.0, 6.9], atol=1e-6)
    assert close(result.costs["import_cost"], 0.69)
    verify(scenario, fallback_plan(scenario, "test"))


def test_exact_where_getting_rid_of_energy_pays() -> None:
    """A negative price and only 1 kWh of room: the car would like to draw 4 kW and store 1, but the charger
    cannot waste energy at will: it draws 1 / 0.95 kW."""
    scenario = make_scenario(import_price=[-0.1], vehicles=[vehicle(
        [session(0, 1, 0.0, 0.0)], soc_max_kwh=1.0, charge_max_kw=4.0, charge_efficiency=COPPER)])
    result = solve(scenario)
    assert close(result.schedule["car_charge_kw"].iloc[0], 1.0 / 0.95)
    assert close(result.schedule["car_soc_kwh"].iloc[0], 1.0)


def test_catalogue_entry_carries_its_measured_curve() -> None:
    raw = {"schema_version": 1, "horizon": {"start": "2025-01-15T00:00:00+00:00", "steps": 2, "step_minutes": 60},
           "tariff": {"import_price_per_kwh": 0.1}, "load": {"kw": 0.0},
           "vehicle": [{"name": "tesla", "model": "tesla-model-3-57", "session": [
               {"arrive": "2025-01-15T00:00:00+00:00", "depart": "2025-01-15T02:00:00+00:00",
                "arrive_soc_kwh": 20.0, "depart_soc_min_kwh": 30.0}]}]}
    scenario = planner.scenario_from_dict(raw)
    v = scenario.vehicles[0]
    assert v.charge_efficiency[0] == (4.14, 0.87) and v.eta_charge == 0.90
    verify(scenario, solve(scenario))


def test_bad_curve_names_the_field() -> None:
    with pytest.raises(planner.ScenarioError) as err:
        make_scenario(import_price=[0.1], vehicles=[vehicle([session(0, 1, 0.0, 0.0)],
                                                            charge_efficiency=[[2.0, 0.9], [1.0, 0.95]])])
    assert "vehicle[0].charge_efficiency" in str(err.value)
