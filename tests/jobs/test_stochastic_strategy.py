"""The simulation's stochastic strategy: its variants are past days only, their mean is the averaged forecast,
the decision is the stochastic plan's commitment, and a short run executes verified days."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import study_module

import planner
from planner.jobs.simulate.forecasts import FORECASTS, past_day_variants
from planner.jobs.simulate.simulation import simulate
from planner.jobs.simulate.site import prices_from_scheme
from planner.jobs.simulate.strategies import Stochastic
from planner.jobs.stochastic import plan_stochastic
from planner.verify import verify

ROOT = Path(__file__).resolve().parents[2]
START = "2023-03-06"


@pytest.fixture(scope="module")
def site():
    study = study_module()
    return study.build_site(START, 2)


def test_variants_are_past_days_and_their_mean_is_the_averaged_forecast(site) -> None:
    issue = pd.Timestamp(START, tz="UTC")
    first = site.position(issue)
    variants = past_day_variants(site.load_kw, site.solar_kw, first, 72, 48, 7)
    assert len(variants) == 7
    load, solar, _, _ = FORECASTS["averaged"]().series(site, prices_from_scheme(site, "agile"), first, 72, issue)
    np.testing.assert_allclose(np.mean([v[0] for v in variants], axis=0), load)
    np.testing.assert_allclose(np.mean([v[1] for v in variants], axis=0), solar)
    np.testing.assert_array_equal(variants[2][0][:48], site.load_kw[first - 3 * 48:first - 2 * 48])
    changed = site.load_kw.copy()
    changed[first:] += 9.0  # the future does not change the variants
    again = past_day_variants(changed, site.solar_kw, first, 72, 48, 7)
    for a, b in zip(variants, again, strict=True):
        np.testing.assert_array_equal(a[0], b[0])


def test_the_decision_is_the_stochastic_plans_commitment_and_the_expected_demand() -> None:
    """Two variants (the example's load and 1.3x it): the decision's setpoints are the stochastic plan's (equal
    in both variants over the committed day), the demand the controller expects is the variants' mean and the
    grid exchange their expected one."""
    scenario = planner.load_scenario(ROOT / "data" / "examples" / "leaf-xstorage.toml")
    options = planner.PlanOptions(mip_rel_gap=1e-7)
    variants = [(scenario.load_kw, scenario.solar_kw), (1.3 * scenario.load_kw, scenario.solar_kw)]
    strategy = Stochastic("stochastic_v2g", v2g=True, options=options)
    decision = strategy.decide(scenario, variants, commit_steps=48)
    base = strategy._planning(scenario)
    members = [dataclasses.replace(base, load_kw=load, solar_kw=solar) for load, solar in variants]
    sp = plan_stochastic(base, members, commit_steps=48, options=options)
    for name in ("xstorage", "leaf"):
        charge, discharge = decision.power_kw[name]
        for plan in sp.plans:
            np.testing.assert_allclose(charge[:48], plan.schedule[f"{name}_charge_kw"].iloc[:48], atol=1e-6)
            np.testing.assert_allclose(discharge[:48], plan.schedule[f"{name}_discharge_kw"].iloc[:48], atol=1e-6)
    np.testing.assert_allclose(decision.house_kw, 1.15 * scenario.load_kw - scenario.solar_kw)
    mean_import = np.mean([p.schedule["grid_import_kw"].to_numpy() for p in sp.plans], axis=0)
    np.testing.assert_allclose(decision.grid_import_kw, mean_import, atol=1e-9)


def test_with_recourse_only_the_first_step_is_one_commitment_and_the_expected_setpoints_are_executed() -> None:
    """``recourse``: the same two variants, one step in common; after it the variants' plans may differ, and
    the decision's setpoints are their expected (weighted mean) setpoints, step by step."""
    scenario = planner.load_scenario(ROOT / "data" / "examples" / "leaf-xstorage.toml")
    options = planner.PlanOptions(mip_rel_gap=1e-7)
    variants = [(scenario.load_kw, scenario.solar_kw), (1.3 * scenario.load_kw, scenario.solar_kw)]
    strategy = Stochastic("stochastic_v2g_recourse", v2g=True, recourse=True, options=options)
    decision = strategy.decide(scenario, variants, commit_steps=48)
    base = strategy._planning(scenario)
    members = [dataclasses.replace(base, load_kw=load, solar_kw=solar) for load, solar in variants]
    sp = plan_stochastic(base, members, commit_steps=1, options=options)
    assert len(sp.committed) == 1
    for name in ("xstorage", "leaf"):
        for column, got in zip(("charge", "discharge"), decision.power_kw[name], strict=True):
            per_variant = np.array([p.schedule[f"{name}_{column}_kw"].to_numpy() for p in sp.plans])
            np.testing.assert_allclose(per_variant[0, 0], per_variant[1, 0], atol=1e-6)  # the commitment
            np.testing.assert_allclose(got, per_variant.mean(axis=0), atol=1e-6)
    battery = np.array([p.schedule["xstorage_charge_kw"].to_numpy() - p.schedule["xstorage_discharge_kw"].to_numpy()
                        for p in sp.plans])
    assert np.abs(battery[0] - battery[1]).max() > 1e-3  # later steps adapt to each variant's load


def test_a_stochastic_run_executes_verified_days_and_meets_its_targets(site) -> None:
    result = simulate(site, "agile", "stochastic", start=START, days=2, forecast="realistic", keep_plans=True)
    assert len(result.plans) == 2
    for scenario, plan in result.plans:
        verify(scenario, plan)
    assert result.totals["unmet_departure_kwh"] < 1e-3
    assert result.days["decide_seconds"].min() > 0


def test_the_sessions_strategy_hedges_the_cars_departure_and_arrival_from_its_own_past(monkeypatch) -> None:
    """``stochastic_sessions``: every variant also redraws the car's sessions from the sessions it has already
    had; a simulated week on the compare-ready home executes verified days and meets every target."""
    from planner.jobs.compare_site import site_from_scenario
    from planner.jobs.simulate import strategies

    example = Path(__file__).resolve().parents[2] / "data" / "examples" / "gb-home-year.toml"
    home = site_from_scenario(example, "2023-03-06", 7, history_days=8)
    seen = []
    real = strategies.plan_stochastic

    def spy(base, members, **kwargs):
        seen.append((base, members))
        return real(base, members, **kwargs)

    monkeypatch.setattr(strategies, "plan_stochastic", spy)
    result = simulate(home, prices_from_scheme(home, "agile"), "stochastic_sessions", start="2023-03-06", days=7,
                      forecast="realistic")
    assert len(seen) == 7 and result.totals["unmet_departure_kwh"] < 1e-6
    assert result.totals["drive_deficit_kwh"] < 1e-6
    base, members = seen[2]
    past = home.template.vehicles[0].session_source.between(base.grid.start - pd.Timedelta(weeks=8), base.grid.start)
    past_departures = {p.depart.tz_convert("Europe/London").strftime("%H:%M") for p in past if p.depart <= base.grid.start}
    departures = {m.vehicles[0].sessions[-1].depart for m in members}
    assert len(departures) > 1  # the variants disagree on when the car leaves
    for m in members:  # each drawn departure is a time of day the driver has left at before
        for s in m.vehicles[0].sessions:
            if s.depart > base.grid.start and s.depart < base.grid.end:
                assert s.depart.tz_convert("Europe/London").strftime("%H:%M") in past_departures
