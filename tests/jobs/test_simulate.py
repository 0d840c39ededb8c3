"""Rolling-horizon simulation on a real-data slice (3 days across the spring clock change of 2023)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import study_module

from planner.inputs.scenario import load_scenario
from planner.jobs.simulate.forecasts import FORECASTS, PerfectForesight, RealisticForecast
from planner.jobs.simulate.simulation import simulate
from planner.jobs.simulate.site import PricePublication, Site, prices_from_scheme
from planner.jobs.simulate.strategies import GreedyCharging, _wear_spec
from planner.solve.fallback import fallback_plan
from planner.verify import verify

ROOT = Path(__file__).resolve().parents[2]
START = "2023-03-25"  # 2023-03-26 has 23 hours in Europe/London
DAYS = 3


def _study():
    return study_module()


@pytest.fixture(scope="module")
def site() -> Site:
    """The study home on real data, with throughput wear (so the optimiser's objective is the reported cost)."""
    base = _study().build_site(START, DAYS)
    tmpl = base.template
    tmpl = replace(tmpl, batteries=tuple(_wear_spec(b, "throughput") for b in tmpl.batteries),
                   vehicles=tuple(_wear_spec(v, "throughput") for v in tmpl.vehicles))
    return replace(base, template=tmpl)


@pytest.fixture(scope="module")
def runs(site):
    out = {}
    for strategy in ("charge_on_arrival", "cheapest_hours", "optimal", "optimal_v2g"):
        out[strategy] = simulate(site, "agile", strategy, start=START, days=DAYS, forecast="perfect",
                                 keep_plans=True)
    return out


def _paid(result) -> float:
    return result.totals["net_cost"] + result.totals["shortfall_penalty"]


def test_perfect_optimal_never_costs_more_than_heuristics(runs):
    """With perfect foresight the optimum of each day's horizon is at least as cheap as both greedy rules."""
    for strategy in ("optimal", "optimal_v2g"):
        for baseline in ("charge_on_arrival", "cheapest_hours"):
            assert _paid(runs[strategy]) <= _paid(runs[baseline]) + 1e-6, (strategy, baseline)
    assert _paid(runs["optimal_v2g"]) <= _paid(runs["optimal"]) + 0.05  # V2G is an extra option


def test_every_committed_day_verifies(runs):
    for result in runs.values():
        assert len(result.plans) == DAYS
        for scenario, plan in result.plans:
            verify(scenario, plan)


def test_state_is_continuous_across_midnight(runs):
    for result in runs.values():
        days = result.days
        for name in ("home_battery", "leaf"):
            ends = days[f"{name}_end_soc_kwh"].to_numpy()[:-1]
            starts = days[f"{name}_start_soc_kwh"].to_numpy()[1:]
            np.testing.assert_allclose(starts, ends, atol=1e-9)
        for (_, plan), (next_scenario, _) in zip(result.plans[:-1], result.plans[1:], strict=True):
            last_soc = plan.schedule["home_battery_soc_kwh"].iloc[-1]
            assert next_scenario.batteries[0].soc_kwh == pytest.approx(last_soc, abs=1e-9)
            leaf = plan.schedule["leaf_soc_kwh"]
            sessions = next_scenario.vehicles[0].sessions
            if np.isfinite(leaf.iloc[-1]) and sessions and sessions[0].arrive == next_scenario.grid.start:
                assert sessions[0].arrive_soc_kwh == pytest.approx(leaf.iloc[-1], abs=1e-9)


def test_totals_equal_sum_of_days_and_schedule(runs, site):
    prices = prices_from_scheme(site, "agile")
    for result in runs.values():
        for key in ("import_cost", "export_revenue", "standing_charge", "degradation_cost"):
            assert result.totals[key] == pytest.approx(sum(p.costs.get(key, 0.0) for _, p in result.plans))
        # net cost: the days' net costs plus the stored energy gained or lost, each kWh at 0.95 x eta_discharge
        # x (the period's cheapest import price - throughput wear), never below 0
        days = result.days
        first = site.position(days["start"].iloc[0])
        low = float(np.min(prices.import_price_per_kwh[first:first + int(days["steps"].sum())]))
        template = site.template
        end_value = -sum(
            0.95 * spec.eta_discharge * max(0.0, low - spec.degradation_cost_per_kwh)
            * (days[f"{spec.name}_end_soc_kwh"].iloc[-1] - days[f"{spec.name}_start_soc_kwh"].iloc[0])
            for spec in list(template.batteries) + list(template.vehicles)
        )
        assert result.totals["end_energy_value"] == pytest.approx(end_value, abs=1e-9)
        assert result.totals["net_cost"] == pytest.approx(days["net_cost"].sum() + end_value, abs=1e-9)
        sched = result.schedule
        first = site.position(sched.index[0].tz_convert("UTC"))
        price = prices.import_price_per_kwh[first:first + len(sched)]
        assert result.totals["import_cost"] == pytest.approx(float(np.dot(price, sched["grid_import_kw"]) * 0.5))
        assert result.totals["standing_charge"] == pytest.approx(DAYS * prices.standing_charge_per_day)


def test_dst_day_has_23_hours_and_schedule_is_gapless(runs):
    result = runs["optimal"]
    assert result.days["steps"].tolist() == [48, 46, 48]
    utc = result.schedule.index.tz_convert("UTC")
    assert len(utc) == 142
    assert (pd.Series(utc).diff().dropna() == pd.Timedelta(minutes=30)).all()
    assert result.schedule.index[0] == pd.Timestamp("2023-03-25T00:00", tz="Europe/London")


def test_realistic_forecast_uses_only_the_past(site):
    """Changing the true future must not change what the realistic forecast says about it."""
    prices = prices_from_scheme(site, "agile")
    issue = pd.Timestamp("2023-03-26T00:00", tz="Europe/London").tz_convert("UTC")
    first = site.position(issue)
    before = RealisticForecast().series(site, prices, first, 72, issue)
    load = site.load_kw.copy()
    load[first:] += 5.0
    imp = prices.import_price_per_kwh.copy()
    known_end = site.position(PricePublication().known_until(issue))
    imp[known_end:] += 1.0
    after = RealisticForecast().series(replace(site, load_kw=load), replace(prices, import_price_per_kwh=imp),
                                       first, 72, issue)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    # published prices are the true ones; the load is last week's
    np.testing.assert_array_equal(before[2][: known_end - first], prices.import_price_per_kwh[first:known_end])
    np.testing.assert_array_equal(before[0][:10], site.load_kw[first - 336:first - 326])
    perfect = PerfectForesight().series(site, prices, first, 72, issue)
    np.testing.assert_array_equal(perfect[0], site.load_kw[first:first + 72])


def test_averaged_forecast_is_the_mean_of_the_last_seven_days_and_uses_only_the_past(site):
    """Load and sun at each step of the next 36 h are the mean of the 7 days before the decision at that time
    (a step beyond the first day repeats the last 7 days as well); the true future does not change them."""
    prices = prices_from_scheme(site, "agile")
    issue = pd.Timestamp("2023-03-24T00:00", tz="UTC")
    first = site.position(issue)
    forecast = FORECASTS["averaged"]()
    load, solar, _, _ = forecast.series(site, prices, first, 72, issue)
    for k in (0, 17, 47, 60):
        back = (k // 48 + 1) * 48  # the latest whole number of days before the decision
        days = [first + k - back - 48 * j for j in range(7)]
        assert load[k] == pytest.approx(np.mean(site.load_kw[days]))
        assert solar[k] == pytest.approx(np.mean(site.solar_kw[days]))
    future = site.load_kw.copy()
    future[first:] += 5.0
    again = forecast.series(replace(site, load_kw=future), prices, first, 72, issue)
    np.testing.assert_array_equal(again[0], load)


def test_publication_times():
    pub = PricePublication()
    midnight = pd.Timestamp("2023-07-10T00:00", tz="Europe/London")
    assert pub.known_until(midnight) == pd.Timestamp("2023-07-10T23:00", tz="Europe/London")
    after = pd.Timestamp("2023-07-10T16:30", tz="Europe/London")
    assert pub.known_until(after) == pd.Timestamp("2023-07-11T23:00", tz="Europe/London")


def test_charge_on_arrival_matches_fallback_plan():
    """Inside one horizon, the greedy rule is the fail-safe plan's charging profile."""
    scenario = load_scenario(ROOT / "data" / "examples" / "leaf-xstorage.toml")
    decision = GreedyCharging("charge_on_arrival", "arrival").decide(scenario)
    expected = fallback_plan(scenario, "test").schedule["leaf_charge_kw"].to_numpy()
    np.testing.assert_allclose(decision.power_kw["leaf"][0], expected, atol=1e-9)


def test_cheapest_hours_picks_the_cheapest_plugged_steps():
    """Prices 0.30, 0.10, 0.20, 0.40 over four hourly steps; the car needs 2 x 7.36 kWh = two full steps:
    it charges in steps 1 and 2 (the two cheapest), never in 0 or 3."""
    scenario = load_scenario(ROOT / "data" / "examples" / "leaf-no-v2g.toml")
    from planner.inputs.specs import SessionSpec
    from planner.inputs.tariffs.spec import TariffSpec
    from planner.timegrid import TimeGrid

    grid = TimeGrid(pd.Timestamp("2023-01-16T00:00Z"), 60, 4, "Europe/London")
    v = scenario.vehicles[0]
    v = replace(v, charge_max_kw=8.0, charge_min_kw=0.0, eta_charge=0.92,
                sessions=(SessionSpec(grid.start, grid.end, 20.0, 20.0 + 2 * 8.0 * 0.92),))
    sc = replace(scenario, grid=grid, tariff=TariffSpec(np.array([0.3, 0.1, 0.2, 0.4]), np.zeros(4)),
                 load_kw=np.zeros(4), solar_kw=np.zeros(4), batteries=(), vehicles=(v,))
    power = GreedyCharging("cheapest_hours", "price").decide(sc).power_kw[v.name][0]
    np.testing.assert_allclose(power, [0.0, 8.0, 8.0, 0.0], atol=1e-9)


def test_partly_perfect_forecast_tells_the_truth_only_for_its_parts(site):
    """Perfect load: the true load, yesterday's sun and the published prices as the realistic forecast has
    them; perfect prices and driving: the true prices and driving energy, the rest realistic."""
    from planner.jobs.simulate.forecasts import PartlyPerfect

    prices = prices_from_scheme(site, "agile")
    issue = pd.Timestamp("2023-03-26T00:00", tz="Europe/London").tz_convert("UTC")
    first = site.position(issue)
    real = RealisticForecast().series(site, prices, first, 72, issue)
    true = PerfectForesight().series(site, prices, first, 72, issue)
    load_only = PartlyPerfect(("load",)).series(site, prices, first, 72, issue)
    np.testing.assert_array_equal(load_only[0], true[0])
    for k in (1, 2, 3):
        np.testing.assert_array_equal(load_only[k], real[k])
    priced = PartlyPerfect(("prices", "driving"))
    both = priced.series(site, prices, first, 72, issue)
    np.testing.assert_array_equal(both[2], true[2])
    np.testing.assert_array_equal(both[0], real[0])
    assert not np.array_equal(real[2], true[2])  # the test day has unpublished hours in its 36 h
    assert priced.drive_kwh([1.0, 3.0], 7.5) == 7.5
    assert PartlyPerfect(("load",)).drive_kwh([1.0, 3.0], 7.5) == 2.0
    with pytest.raises(ValueError, match="perfect"):
        PartlyPerfect(("weather",))


def test_driving_energy_quantile_of_the_recent_sessions():
    """The realistic forecast plans the mean of the last 7 sessions' driving energy, or a quantile of them."""
    past = [9.0, 1.0, 3.0, 5.0, 2.0, 4.0, 6.0, 8.0]  # the window keeps the last 7: 1 .. 8 without 7
    assert RealisticForecast().drive_kwh(past, 99.0) == pytest.approx(29.0 / 7)
    assert RealisticForecast(drive_quantile=1.0).drive_kwh(past, 99.0) == 8.0
    assert RealisticForecast(drive_quantile=0.5).drive_kwh(past, 99.0) == 4.0
    assert RealisticForecast(drive_quantile=0.5).drive_kwh([], 7.5) == 7.5  # no history: the true value
