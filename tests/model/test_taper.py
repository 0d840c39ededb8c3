"""Charge taper: the limit's closed form against a numerical integration, and a tapered plan that reaches its
target when executed by a charger that tapers, where the untapered plan falls short."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import battery, make_scenario, session, solve, vehicle

import planner
from planner.domain.taper import taper_limit_kw
from planner.solve.fallback import fallback_plan
from planner.verify import check, verify

CURVE = [[0.0, 8.0], [0.75, 8.0], [1.0, 2.0]]
"""8 kW up to 30 of 40 kWh, then falling linearly to 2 kW when full (concave)."""


def _charge_physically(points, capacity_kwh: float, eta: float, soc_kwh: float, requested_kw: float,
                       hours: float, substeps: int = 20000) -> float:
    """SoC [kWh] after a step in which a charger holding the setpoint ``requested_kw`` delivers
    ``min(requested, P(soc))`` at every instant (explicit Euler on fine sub-steps: independent of the closed
    form)."""
    xs = np.array([p[0] for p in points]) * capacity_kwh
    ys = np.array([p[1] for p in points])
    dt = hours / substeps
    soc = soc_kwh
    for _ in range(substeps):
        soc += eta * min(requested_kw, float(np.interp(soc, xs, ys))) * dt
    return soc


@pytest.mark.parametrize("soc", [5.0, 24.0, 29.0, 30.0, 34.0, 37.0])
@pytest.mark.parametrize("hours", [0.25, 1.0])
def test_limit_is_the_largest_setpoint_a_tapering_charger_delivers_in_full(soc: float, hours: float) -> None:
    """A setpoint at the limit is delivered in full over the step (also across the knee); 2 % above it is not
    (where the taper binds at all)."""
    limit = taper_limit_kw(CURVE, 40.0, 0.9, hours, soc)
    reached = _charge_physically(CURVE, 40.0, 0.9, soc, limit, hours)
    assert reached == pytest.approx(soc + 0.9 * limit * hours, abs=2e-3)
    if limit < 8.0 - 1e-9:
        more = _charge_physically(CURVE, 40.0, 0.9, soc, 1.02 * limit, hours)
        assert more < soc + 0.9 * 1.02 * limit * hours - 1e-3


def _execute(scenario, result) -> float:
    """Departure SoC when the plan's powers go to a charger that tapers (one session from step 0)."""
    v = scenario.vehicles[0]
    soc = v.sessions[0].arrive_soc_kwh
    for p in result.schedule["car_charge_kw"].to_numpy():
        soc = _charge_physically(CURVE, v.capacity_kwh, v.eta_charge, soc, float(p), scenario.step_hours, 4000)
    return soc


def test_tapered_plan_reaches_target_where_untapered_plan_misses() -> None:
    """20 -> 38 kWh in 4 hours, dear then cheap. The untapered plan fills the last two (cheap) hours at 8 kW,
    which the taper cannot deliver above 30 kWh; the tapered plan buys more early and arrives."""
    kw = dict(import_price=[0.5, 0.5, 0.1, 0.1])
    car = dict(capacity_kwh=40.0, soc_max_kwh=40.0, charge_max_kw=8.0)
    plain_scenario = make_scenario(vehicles=[vehicle([session(0, 4, 20.0, 38.0)], **car)], **kw)
    tapered_scenario = make_scenario(vehicles=[vehicle([session(0, 4, 20.0, 38.0)], charge_taper=CURVE, **car)], **kw)
    plain = solve(plain_scenario)
    tapered = solve(tapered_scenario)
    assert plain.shortfalls[0]["shortfall_kwh"] == 0.0 and tapered.shortfalls[0]["shortfall_kwh"] == 0.0
    assert tapered.costs["import_cost"] > plain.costs["import_cost"]
    assert _execute(tapered_scenario, tapered) >= 38.0 - 1e-3
    assert _execute(tapered_scenario, plain) < 37.0
    assert any("taper" in v for v in check(tapered_scenario, plain))
    assert "car: charge taper" in verify(tapered_scenario, tapered).rules


def test_fail_safe_plan_and_battery_respect_the_taper() -> None:
    scenario = make_scenario(import_price=[0.1, 0.1, 0.5, 0.5], load=[0.0, 0.0, 5.0, 5.0],
                             batteries=[battery(charge_taper=[[0.0, 5.0], [0.5, 5.0], [1.0, 1.0]])],
                             vehicles=[vehicle([session(0, 4, 20.0, 38.0)], capacity_kwh=40.0, charge_max_kw=8.0,
                                               charge_taper=CURVE)])
    verify(scenario, solve(scenario))
    safe = fallback_plan(scenario, "test")
    verify(scenario, safe)
    assert safe.schedule["car_charge_kw"].iloc[2] < 8.0  # already in the taper


def test_curve_that_is_not_concave_names_the_field() -> None:
    with pytest.raises(planner.ScenarioError) as err:
        make_scenario(import_price=[0.1], batteries=[battery(charge_taper=[[0.0, 2.0], [0.5, 1.0], [1.0, 3.0]])])
    assert "battery[0].charge_taper" in str(err.value) and "concave" in str(err.value)
