"""Session variants from the driver's own past (``planner.jobs.session_variants``): departures and arrival
SoCs redrawn from history, seeded, and a stochastic plan over them.

The horizon starts Wednesday 2025-01-15 00:00 UTC (``conftest.START``), 24 one-hour steps; a car is plugged in
from the start until 07:00 (ongoing) and plugs in again at 18:00 with 20 kWh (a Wednesday).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import START, make_scenario, vehicle

from planner.inputs.session_source import SourceSession
from planner.jobs.session_variants import session_variants
from planner.jobs.stochastic import plan_stochastic

T0 = pd.Timestamp(START)


def _scenario():
    sessions = [
        {"arrive": (T0 - pd.Timedelta(hours=6)).isoformat(), "depart": (T0 + pd.Timedelta(hours=7)).isoformat(),
         "arrive_soc_kwh": 10.0, "depart_soc_min_kwh": 30.0},
        {"arrive": (T0 + pd.Timedelta(hours=18)).isoformat(), "depart": (T0 + pd.Timedelta(hours=31)).isoformat(),
         "arrive_soc_kwh": 20.0, "depart_soc_min_kwh": 30.0},
    ]
    return make_scenario(import_price=[0.30] * 7 + [0.20] * 17, steps=24, vehicles=[vehicle(sessions)])


def _history():
    """Three past Wednesdays (plug-in 18:00 UTC, departures 06:00, 07:30, 08:00 the next morning, arriving
    with 15, 25, 35 kWh) and one Sunday (departure 11:00, 5 kWh) that a Wednesday must not draw."""
    out = []
    for weeks, (dep_h, soc) in zip((1, 2, 3), ((6.0, 15.0), (7.5, 25.0), (8.0, 35.0)), strict=True):
        day = T0 - pd.Timedelta(weeks=weeks)
        out.append(SourceSession(day + pd.Timedelta(hours=18), day + pd.Timedelta(hours=24 + dep_h), 30.0, soc))
    sunday = T0 - pd.Timedelta(days=3)
    out.append(SourceSession(sunday + pd.Timedelta(hours=10), sunday + pd.Timedelta(hours=11), 30.0, 5.0))
    return {"car": out}


def test_departures_and_arrivals_come_from_the_same_weekday_of_the_past():
    variants = session_variants(_scenario(), 12, seed=3, history=_history())
    later = [v.vehicles[0].sessions[1] for v in variants]
    assert {s.arrive_soc_kwh for s in later} <= {15.0, 25.0, 35.0}
    assert len({s.arrive_soc_kwh for s in later}) > 1  # they do vary
    hours = {(s.depart - T0) / pd.Timedelta(hours=1) for s in later}
    assert hours <= {30.0, 31.5, 32.0}  # 06:00, 07:30 or 08:00 on Thursday
    for v in variants:
        ongoing = v.vehicles[0].sessions[0]
        assert ongoing.arrive_soc_kwh == 10.0  # the car is plugged in now: its SoC is known
        assert ongoing.depart <= v.vehicles[0].sessions[1].arrive  # never into the next plug-in
        assert [s.depart_soc_min_kwh for s in v.vehicles[0].sessions] == [30.0, 30.0]
    again = session_variants(_scenario(), 12, seed=3, history=_history())
    assert [v.vehicles[0].sessions[1] for v in again] == later  # seeded


def test_without_history_the_sessions_stay():
    base = _scenario()
    assert all(v.vehicles == base.vehicles for v in session_variants(base, 3))


def test_a_stochastic_plan_over_session_variants_commits_one_setpoint_and_verifies_every_variant():
    """Four variants of the evening arrival (15-35 kWh, leaving 06:00-08:00): the first 6 steps (the car
    charging before its 07:00 departure) are one commitment; each variant's plan verifies and meets its own
    departure target (30 kWh is reachable from every arrival in 12 h at 4 kW)."""
    variants = session_variants(_scenario(), 4, seed=1, history=_history())
    result = plan_stochastic(_scenario(), variants, commit_steps=6)
    charge = np.array([p.schedule["car_charge_kw"].to_numpy()[:6] for p in result.plans])
    np.testing.assert_allclose(charge, np.broadcast_to(charge[0], charge.shape), atol=1e-6)
    for plan in result.plans:
        short = [s for s in plan.shortfalls if s.get("kind") == "vehicle_session"]
        assert all(s["shortfall_kwh"] == pytest.approx(0.0, abs=1e-6) for s in short)
