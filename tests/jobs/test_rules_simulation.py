"""A simulated week of a home with flow rules: the controller keeps every store to its rules, so every
executed day passes the independent check, rules included, with either forecast."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import study_module

from planner.jobs.simulate.simulation import simulate
from planner.verify import check

START = "2023-01-09"


@pytest.fixture(scope="module")
def study():
    return study_module()


@pytest.mark.parametrize("strategy", ["cheapest_hours", "optimal_v2g"])
@pytest.mark.parametrize("forecast", ["realistic", "perfect"])
def test_executed_days_keep_the_flow_rules(study, strategy: str, forecast: str) -> None:
    """The home battery never charges the car and the car never takes battery energy (a Leaf with V2G)."""
    site = study.build_site(START, 5)
    battery = replace(site.template.batteries[0], discharge_to=("load", "grid"))
    car = replace(site.template.vehicles[0], charge_from=("grid", "solar"))
    site = replace(site, template=replace(site.template, batteries=(battery,), vehicles=(car,)))
    result = simulate(site, study.TARIFFS["agile"], strategy, start=START, days=5, forecast=forecast,
                      keep_plans=True)
    assert len(result.plans) == 5
    for scenario, plan in result.plans:
        assert check(scenario, plan) == []
        assert not any("flow rule" in note for note in plan.notes)
