"""Ramp penalty (``ramp_penalty_per_kw``): a preference for steady storage power, hand-solved and verified.

Lossless 10 kWh battery, 5 kW both ways, one-hour steps; ``conftest.solve`` re-verifies every plan (its own
copy of the penalty's arithmetic).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KW_TOL, battery, close, make_scenario, solve

from planner.domain.ramp import power_changes_kw
from planner.errors import ScenarioError

PRICES = [0.10, 0.30, 0.10, 0.30]


def _case(**ramp):
    return make_scenario(import_price=PRICES, load=[0.0, 5.0, 0.0, 5.0], export_limit_kw=0.0,
                         batteries=[battery(soc_kwh=0.0, end_soc_min_kwh=0.0, **ramp)])


def test_power_changes_by_hand():
    assert np.allclose(power_changes_kw(np.array([5.0, -5.0, 0.0]), None), [0.0, 10.0, 5.0])
    assert np.allclose(power_changes_kw(np.array([5.0, -5.0, 0.0]), 2.0), [3.0, 10.0, 5.0])


def test_a_small_penalty_keeps_the_cycles_a_large_one_stops_them():
    """Empty battery, load [0, 5, 0, 5], prices [0.10, 0.30, 0.10, 0.30]: charging 5 kWh at 0.10 to serve
    the next hour saves 5 x 0.20 = 1.0 per cycle. The cycling plan n = [5, -5, 5, -5] changes by
    10 + 10 + 10 = 30 kW (the first step is free: no ``ramp_from_kw``).

    - rate 0.01: penalty 0.30 < 2.0 saved: it cycles; energy 2 x 5 x 0.10 = 1.0, total 1.30.
    - rate 0.2: 30 x 0.2 = 6.0 > 2.0; one cycle, n = [5, -5, 0, 0], changes 10 + 5 = 15 kW (3.0) > 1.0 saved;
      so no cycle: imports [0, 5, 0, 5] at 0.30 = 3.0, total 3.0.
    """
    free = solve(_case())
    small = solve(_case(ramp_penalty_per_kw=0.01))
    assert np.allclose(small.schedule["bat_charge_kw"], free.schedule["bat_charge_kw"], atol=KW_TOL)
    assert np.allclose(small.schedule["bat_charge_kw"], [5, 0, 5, 0], atol=KW_TOL)
    assert close(small.costs["ramp_penalty"], 0.30)
    assert close(small.costs["total"], 1.30)
    large = solve(_case(ramp_penalty_per_kw=0.2))
    assert np.allclose(large.schedule["bat_charge_kw"], 0.0, atol=KW_TOL)
    assert close(large.costs["total"], 3.0)


def test_the_first_step_counts_against_ramp_from_kw():
    """With ``ramp_from_kw = 5`` (charging at 5 kW before the horizon) and rate 0.01, the cycling plan
    changes by 0 + 30 kW: 0.30; from -5 kW it pays 10 kW more for the first step: 0.40."""
    assert close(solve(_case(ramp_penalty_per_kw=0.01, ramp_from_kw=5.0)).costs["ramp_penalty"], 0.30)
    assert close(solve(_case(ramp_penalty_per_kw=0.01, ramp_from_kw=-5.0)).costs["ramp_penalty"], 0.40)


def test_ramp_fields_are_checked():
    with pytest.raises(ScenarioError, match=r"battery\[0\]\.ramp_penalty_per_kw"):
        _case(ramp_penalty_per_kw=-1.0)
    with pytest.raises(ScenarioError, match=r"battery\[0\]\.ramp_from_kw"):
        _case(ramp_from_kw="fast")
