"""Decisions that hold over time: with perfect foresight the optimiser never loses to a rule on the same
accounting, and the controller never exports stored energy the plan meant for the home."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from conftest import study_module

from planner.jobs.simulate.simulation import simulate
from planner.jobs.simulate.strategies import get_strategy

HEURISTICS = ("charge_on_arrival", "cheapest_hours")


def _study():
    return study_module()


STUDY = _study()


def _paid(result) -> float:
    """Net cost on the one accounting (energy, charges, wear, stored energy at the end) plus penalties."""
    return result.totals["net_cost"] + result.totals["shortfall_penalty"]


def _assert_optimal_wins(site, start: str, days: int, tariff: str) -> dict[str, float]:
    scheme = STUDY.TARIFFS[tariff]
    paid = {s: _paid(simulate(site, scheme, s, start=start, days=days, forecast="perfect"))
            for s in (*HEURISTICS, "optimal", "optimal_v2g")}
    for strategy in ("optimal", "optimal_v2g"):
        for rule in HEURISTICS:
            assert paid[strategy] <= paid[rule] + 1e-6 * abs(paid[rule]), (tariff, start, strategy, rule, paid)
    # V2G adds options to every day's plan, not to the sequence of daily plans: a rolling horizon can lose a
    # few tenths of a penny to myopia (2023-06-11 on Economy 7: 0.13 p over 3 days), never more than 0.1 %
    assert paid["optimal_v2g"] <= paid["optimal"] + 1e-3 * abs(paid["optimal"]), (tariff, start, paid)
    return paid


@pytest.mark.slow
@pytest.mark.parametrize("tariff", ["flat", "economy7", "agile"])
def test_on_a_14_day_winter_slice_the_optimiser_beats_every_rule(tariff):
    start, days = "2023-01-09", 14
    _assert_optimal_wins(STUDY.build_site(start, days), start, days, tariff)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_generated_short_slices_the_optimiser_beats_every_rule(seed):
    """Three days starting on a random day of the year (spring clock change and summer PV included)."""
    rng = np.random.default_rng(seed)
    day = int(rng.integers(10, 330))
    start = str(np.datetime64("2023-01-01") + np.timedelta64(day, "D"))
    tariff = ["flat", "economy7", "agile"][seed % 3]
    _assert_optimal_wins(STUDY.build_site(start, 3), start, 3, tariff)


@dataclass
class _Recording:
    """Delegates to a strategy and keeps each decision with the scenario it was made for."""

    inner: object
    name: str = "recording"
    decisions: list = field(default_factory=list)

    @property
    def wear(self) -> str:
        return self.inner.wear

    def decide(self, scenario):
        decision = self.inner.decide(scenario)
        self.decisions.append((scenario.grid.start, decision))
        return decision


@pytest.mark.slow
def test_with_a_realistic_forecast_no_stored_energy_is_exported_where_the_plan_exports_nothing():
    start, days = "2023-06-05", 5  # sunny June days: forecast errors in load and PV every day
    site = STUDY.build_site(start, days)
    strategy = _Recording(get_strategy("optimal_v2g"))
    result = simulate(site, STUDY.TARIFFS["agile"], strategy, start=start, days=days, forecast="realistic",
                      keep_plans=True)
    assert len(strategy.decisions) == days
    checked = 0
    for (t0, decision), (_, plan) in zip(strategy.decisions, result.plans, strict=True):
        s = plan.schedule
        assert s.index[0] == t0
        n = len(s)
        planned_export = decision.grid_export_kw[:n]
        stored_out = sum(s[f"{b.name}_discharge_kw"] for b in site.template.batteries)
        stored_out = stored_out + sum(s[f"{v.name}_discharge_kw"] for v in site.template.vehicles)
        meant_for_home = planned_export <= 1e-6
        # in those steps, export never exceeds what the sun gives beyond the load: no stored energy leaves
        sun_surplus = np.maximum(s["solar_kw"] - s["solar_curtailed_kw"] - s["load_kw"], 0.0)
        exported = s["grid_export_kw"].to_numpy()
        assert np.all(exported[meant_for_home] <= sun_surplus.to_numpy()[meant_for_home] + 1e-6)
        assert np.all((exported[meant_for_home] <= 1e-6) | (stored_out.to_numpy()[meant_for_home] <= 1e-6))
        checked += int(meant_for_home.sum())
    assert checked > 100


@pytest.mark.slow
def test_re_planning_every_30_minutes_with_perfect_foresight_is_never_worse_than_daily():
    start, days = "2023-01-16", 2
    site = STUDY.build_site(start, days)
    scheme = STUDY.TARIFFS["economy7"]
    daily = simulate(site, scheme, "optimal_v2g", start=start, days=days, forecast="perfect")
    often = simulate(site, scheme, "optimal_v2g", start=start, days=days, forecast="perfect",
                     replan_every_minutes=30, keep_plans=True)
    assert often.days["decisions"].tolist() == [48, 48]
    assert daily.days["decisions"].tolist() == [1, 1]
    assert _paid(often) <= _paid(daily) + 1e-6 * abs(_paid(daily))
    # the day is still accounted as one day: one verified truth plan per day, state carried across midnight
    assert len(often.plans) == days
    np.testing.assert_allclose(often.days["home_battery_start_soc_kwh"].iloc[1],
                               often.days["home_battery_end_soc_kwh"].iloc[0])


@pytest.mark.parametrize("every", [0, 7, 45.0, True])
def test_re_planning_interval_must_be_a_multiple_of_the_step(every):
    from planner import ScenarioError

    site = STUDY.build_site("2023-01-16", 1)
    with pytest.raises(ScenarioError, match="replan_every_minutes"):
        simulate(site, STUDY.TARIFFS["flat"], "optimal", start="2023-01-16", days=1, replan_every_minutes=every)


def test_with_a_realistic_forecast_on_a_flat_tariff_no_energy_is_bought_to_be_stored():
    """On a flat import price storing bought energy only loses its round trip, so no plan charges the battery
    from the grid; when the real load is below the forecast the controller lets the import fall instead of
    charging the battery with it. In every executed step of 7 January days the battery charges at most the
    solar the load and the car leave, and the optimiser is at least as cheap as the rules."""
    start, days = "2023-01-09", 7
    site = STUDY.build_site(start, days)
    scheme = STUDY.TARIFFS["flat"]
    result = simulate(site, scheme, "optimal", start=start, days=days, forecast="realistic", keep_plans=True)
    for _, plan in result.plans:
        s = plan.schedule
        surplus = np.maximum(s["solar_kw"] - s["solar_curtailed_kw"] - s["load_kw"] - s["leaf_charge_kw"], 0.0)
        assert np.all(s["home_battery_charge_kw"].to_numpy() <= surplus.to_numpy() + 1e-6)
    rules = {r: _paid(simulate(site, scheme, r, start=start, days=days, forecast="realistic")) for r in HEURISTICS}
    assert _paid(result) <= min(rules.values()) + 1e-6, (_paid(result), rules)


def test_a_car_plugged_in_past_the_period_end_is_valued_not_pro_rated():
    """One day (2023-01-09) whose car is still plugged in at the period's end. The accounting values the
    energy it ends with at the terminal rate and counts no departure after the period, so the last plan
    must not pro-rate that departure's target into the period: with perfect foresight it then costs no
    more than the realistic forecast's plan or either rule (it used to buy day-rate energy to meet the
    pro-rated target: 12.09 against 11.33)."""
    start = "2023-01-09"
    site = STUDY.build_site(start, 1)
    scheme = STUDY.TARIFFS["economy7"]
    perfect = _paid(simulate(site, scheme, "optimal", start=start, days=1, forecast="perfect"))
    for strategy, forecast in (("optimal", "realistic"), ("cheapest_hours", "perfect"), ("charge_on_arrival", "perfect")):
        other = _paid(simulate(site, scheme, strategy, start=start, days=1, forecast=forecast))
        assert perfect <= other + 1e-6 * abs(other), (strategy, forecast, perfect, other)
