"""Two-stage stochastic plan: one commitment across variants (non-anticipativity), expected cost, each
variant verified, and the bounds every stochastic optimum obeys."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import ROOT

import planner
from planner.jobs.stochastic import plan_stochastic

BASE = planner.load_scenario(ROOT / "data" / "examples" / "leaf-xstorage.toml")
STORAGE_COLUMNS = ["xstorage_charge_kw", "xstorage_discharge_kw", "leaf_charge_kw", "leaf_discharge_kw"]


def _variant(load_scale: float, price_scale: float) -> planner.Scenario:
    tariff = dataclasses.replace(BASE.tariff, import_price_per_kwh=BASE.tariff.import_price_per_kwh * price_scale)
    return dataclasses.replace(BASE, load_kw=BASE.load_kw * load_scale, tariff=tariff)


VARIANTS = [_variant(0.7, 1.0), _variant(1.0, 1.0), _variant(1.4, 1.2)]


@pytest.fixture(scope="module")
def stochastic():
    return plan_stochastic(BASE, VARIANTS, weights=[0.2, 0.5, 0.3], commit_steps=8,
                           options=planner.PlanOptions(mip_rel_gap=1e-6, time_limit_s=60))


def test_the_committed_setpoints_are_the_same_in_every_variant(stochastic) -> None:
    first = stochastic.plans[0].schedule[STORAGE_COLUMNS].iloc[:8].to_numpy()
    for plan in stochastic.plans[1:]:
        np.testing.assert_allclose(plan.schedule[STORAGE_COLUMNS].iloc[:8].to_numpy(), first, atol=1e-6)
    np.testing.assert_allclose(stochastic.committed.to_numpy(), first, atol=1e-12)
    # the grid takes up what each variant's own load leaves over
    loads = [p.schedule["load_kw"].iloc[:8].sum() for p in stochastic.plans]
    imports = [(p.schedule["grid_import_kw"] - p.schedule["grid_export_kw"]).iloc[:8].sum() for p in stochastic.plans]
    np.testing.assert_allclose(np.diff(imports), np.diff(loads), atol=1e-6)


def test_the_expected_cost_is_the_weighted_cost_and_lies_between_the_bounds(stochastic) -> None:
    costs = np.array([p.costs["total"] for p in stochastic.plans])
    assert stochastic.expected_cost == pytest.approx(float(np.dot([0.2, 0.5, 0.3], costs)), abs=1e-9)
    separate = np.array([planner.plan(v, mip_rel_gap=1e-6, time_limit_s=60).costs["total"] for v in VARIANTS])
    wait_and_see = float(np.dot([0.2, 0.5, 0.3], separate))
    assert stochastic.expected_cost >= wait_and_see - 1e-4  # knowing the future can only help
    assert stochastic.expected_cost <= wait_and_see + 0.05  # a 4-hour commitment costs little here
    spread = stochastic.cost_spread
    assert spread["min"] == pytest.approx(costs.min()) and spread["max"] == pytest.approx(costs.max())


def test_one_variant_is_the_deterministic_plan() -> None:
    single = plan_stochastic(BASE, [BASE], commit_steps=4, options=planner.PlanOptions(mip_rel_gap=1e-6))
    assert single.expected_cost == pytest.approx(planner.plan(BASE, mip_rel_gap=1e-6).costs["total"], abs=1e-6)


def test_bad_variants_and_options_name_the_field() -> None:
    import pandas as pd

    shifted = dataclasses.replace(BASE, grid=BASE.grid.shifted(BASE.grid.start + pd.Timedelta(minutes=30)))
    with pytest.raises(planner.ScenarioError) as info:
        plan_stochastic(BASE, [BASE, shifted], weights=[1, -1], commit_steps=0)
    assert info.value.fields == ["variants[1].horizon", "commit_steps", "weights"]


def test_variants_from_history_take_the_same_hours_of_earlier_weeks() -> None:
    import pandas as pd

    from planner.jobs.variants import variants_from_history

    index = pd.date_range(BASE.grid.start - pd.Timedelta(weeks=4), BASE.grid.end, freq="30min", inclusive="left")
    load = pd.Series(np.arange(len(index), dtype=float), index=index)  # each step's value is its position
    solar = pd.Series(np.arange(len(index), dtype=float) * 0.5, index=index)
    variants = variants_from_history(BASE, load, solar, 3, max_weeks=4, seed=1)
    start = index.get_loc(BASE.grid.start)
    weeks = sorted(int(round((start - v.load_kw[0]) / 336)) for v in variants)  # 336 half-hours in a week
    assert len(set(weeks)) == 3 and all(1 <= w <= 4 for w in weeks)
    for v in variants:
        np.testing.assert_array_equal(np.diff(v.load_kw), 1.0)  # consecutive past steps, in order
        np.testing.assert_array_equal(v.solar_kw, v.load_kw * 0.5)
    assert [v.load_kw[0] for v in variants] == [v.load_kw[0] for v in variants_from_history(
        BASE, load, solar, 3, max_weeks=4, seed=1)]  # seeded
    with pytest.raises(planner.ScenarioError, match="4 past weeks"):
        variants_from_history(BASE, load, solar, 5, max_weeks=8)


def _price_variants():
    """A car needing 4 kWh by the end of 2 one-hour steps (4 kW charger): 0.30 now; next hour 0.00 (weight
    0.8) or 1.00 (weight 0.2)."""
    from conftest import make_scenario, session, vehicle

    car = [vehicle([session(0, 2, 0.0, 4.0)])]
    cheap = make_scenario(import_price=[0.30, 0.00], vehicles=car)
    dear = make_scenario(import_price=[0.30, 1.00], vehicles=car)
    return cheap, [cheap, dear], [0.8, 0.2]


@pytest.mark.parametrize(("weight", "committed_kw", "expected", "cvar"), [
    (0.0, 0.0, 0.80, 4.00),   # E-optimal: wait (0.8 x 0 + 0.2 x 4.00 = 0.80 < 1.20)
    (0.5, 4.0, 1.20, 1.20),   # risk-averse: buy now (1.20 + 0.5 x 1.20 = 1.80 < 0.80 + 0.5 x 4.00 = 2.80)
])
def test_cvar_term_buys_certainty_when_the_bad_variant_weighs(weight, committed_kw, expected, cvar) -> None:
    """Hand-solved: waiting costs 0 or 4.00, buying now 1.20 in both. At the 80 % level the CVaR is the dear
    variant's cost; waiting stops paying once lambda > 0.4 / 2.8 = 1/7."""
    base, variants, weights = _price_variants()
    sp = plan_stochastic(base, variants, weights=weights, commit_steps=1, cvar_weight=weight, cvar_level=0.8,
                         options=planner.PlanOptions(mip_rel_gap=0.0))
    assert sp.committed["car_charge_kw"].iloc[0] == pytest.approx(committed_kw, abs=1e-6)
    assert sp.expected_cost == pytest.approx(expected, abs=1e-6)
    assert sp.cvar == pytest.approx(cvar, abs=1e-6)


def test_cvar_options_name_the_field() -> None:
    base, variants, weights = _price_variants()
    with pytest.raises(planner.ScenarioError) as err:
        plan_stochastic(base, variants, weights=weights, cvar_weight=-1.0, cvar_level=1.5)
    assert "cvar_weight" in str(err.value) and "cvar_level" in str(err.value)


def test_scenario_reduction_keeps_the_representative_variants_and_their_mass() -> None:
    """Six variants in two tight clusters (0.7x and 1.4x load, small jitter): reduced to 2, one of each
    cluster stays with half the mass each; reduced to all 6 nothing changes."""
    from planner.jobs.variants import reduce_variants

    variants = [_variant(s, 1.0) for s in (0.70, 0.71, 0.69, 1.40, 1.41, 1.39)]
    kept, weights = reduce_variants(variants, None, 2)
    scales = sorted(round(float(v.load_kw.sum() / BASE.load_kw.sum()), 1) for v in kept)
    assert scales == [0.7, 1.4]  # one member of each cluster
    np.testing.assert_allclose(weights, [0.5, 0.5])
    same, same_w = reduce_variants(variants, None, 6)
    assert same == variants and np.allclose(same_w, 1 / 6)
    with pytest.raises(planner.ScenarioError):
        reduce_variants(variants, None, 0)
