"""In the simulation a car whose charger tapers reaches its targets when the plans know the taper, and falls
short when they do not (the execution caps charging at the taper limit as the charger would)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import pytest
from conftest import study_module

from planner.jobs.simulate.simulation import simulate
from planner.jobs.simulate.strategies import Optimal

START = "2023-03-06"
TAPER = ((0.0, 6.6), (0.5, 6.6), (1.0, 0.6))
"""6.6 kW up to half full, then falling linearly to 0.6 kW when full: a steep taper, so that it matters."""


@dataclass(frozen=True)
class TaperBlind(Optimal):
    """The optimal strategy planning as if the car's charger never tapered."""

    def planning_scenario(self, scenario):  # noqa: ANN001, ANN201
        planned = super().planning_scenario(scenario)
        return replace(planned, vehicles=tuple(replace(v, charge_taper=()) for v in planned.vehicles))


@pytest.fixture(scope="module")
def site():
    study = study_module()
    base = study.build_site(START, 7)
    leaf = replace(base.template.vehicles[0], charge_taper=TAPER)
    return replace(base, template=replace(base.template, vehicles=(leaf,)))


def test_tapered_plans_meet_targets_that_taper_blind_plans_miss(site) -> None:
    """A week of the study home on Agile with perfect foresight: what the taper-aware plans leave short is
    exactly what their own plans reported as unavoidable (a short session); taper-blind plans miss more."""
    aware = simulate(site, "agile", Optimal("optimal", v2g=False), start=START, days=7, forecast="perfect",
                     keep_plans=True)
    blind = simulate(site, "agile", TaperBlind("optimal", v2g=False), start=START, days=7, forecast="perfect")
    planned_short = sum(s["shortfall_kwh"] for _, p in aware.plans for s in p.shortfalls
                        if s["kind"] == "vehicle_session" and s["departs_in_horizon"]
                        and s["depart"] < p.schedule.index[0] + pd.Timedelta(days=1))
    assert aware.totals["unmet_departure_kwh"] == pytest.approx(planned_short, abs=1e-3)
    assert blind.totals["unmet_departure_kwh"] > aware.totals["unmet_departure_kwh"] + 3.0
