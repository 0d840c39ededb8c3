"""The absolute gap: a plan proven within ``mip_abs_gap`` [currency] of the bound is accepted, and the proven
gap is reported in both forms."""

from __future__ import annotations

import pytest
from conftest import ROOT

import planner


@pytest.mark.parametrize("example", ["negative-prices", "depot-20-vans"])
def test_a_plan_within_the_absolute_gap_is_accepted_and_reported(example: str) -> None:
    scenario = planner.load_scenario(ROOT / "data" / "examples" / f"{example}.toml")
    tight = planner.plan(scenario, time_limit_s=60, mip_rel_gap=0.0)
    loose = planner.plan(scenario, time_limit_s=60, mip_rel_gap=0.0, mip_abs_gap=0.5)
    for p in (tight, loose):
        assert p.status == "optimal"
        assert p.solver["abs_gap"] == pytest.approx(p.solver["objective"] - p.solver["bound"])
    assert loose.solver["abs_gap"] <= 0.5 + 1e-9
    # the accepted plan is within the absolute gap of the tightly proven optimum
    assert tight.solver["objective"] - 1e-6 <= loose.solver["objective"] <= tight.solver["objective"] + 0.5
    assert "(" in loose.summary().splitlines()[0]  # the summary shows the gap in money too


def test_a_negative_absolute_gap_is_an_option_error() -> None:
    with pytest.raises(planner.ScenarioError, match="mip_abs_gap: -1"):
        planner.PlanOptions(mip_abs_gap=-1)
