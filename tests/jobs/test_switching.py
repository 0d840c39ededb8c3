"""Switching penalty in the simulation: steadier re-planned days, the penalty never billed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import study_module

from planner.errors import ScenarioError
from planner.jobs.simulate.simulation import simulate

STUDY = study_module()


@pytest.mark.slow
def test_a_switching_penalty_gives_fewer_mode_changes_and_is_not_billed():
    """One winter day of Economy 7, re-planning every 2 hours with perfect foresight: with a penalty of
    0.02 per kW of change the executed day switches mode no more often than without, and its net cost is
    the same accounting (energy, charges, wear; the penalty is a preference, not money): recomputed from
    the day's terms it agrees, and it is at most 1 % above the unpenalised plan's."""
    start = "2023-01-17"
    site = STUDY.build_site(start, 1)
    scheme = STUDY.TARIFFS["economy7"]
    runs = {pen: simulate(site, scheme, "optimal_v2g", start=start, days=1, forecast="perfect",
                          replan_every_minutes=120, switching_penalty_per_kw=pen) for pen in (0.0, 0.02)}
    free, steady = runs[0.0], runs[0.02]
    assert steady.days["mode_changes"].sum() <= free.days["mode_changes"].sum()
    d = steady.days.iloc[0]
    billed = d.import_cost - d.export_revenue + d.standing_charge + d.demand_charge + d.wear_cost
    assert d.net_cost == pytest.approx(billed)
    assert "ramp_penalty" not in steady.days.columns or np.allclose(steady.days["ramp_penalty"], 0.0)
    assert steady.net_cost <= free.net_cost * 1.01


@pytest.mark.parametrize("bad", [-0.1, float("inf"), "high", True])
def test_switching_penalty_is_checked(bad):
    site = STUDY.build_site("2023-01-17", 1)
    with pytest.raises(ScenarioError, match="switching_penalty_per_kw"):
        simulate(site, STUDY.TARIFFS["flat"], "optimal", start="2023-01-17", days=1, switching_penalty_per_kw=bad)
