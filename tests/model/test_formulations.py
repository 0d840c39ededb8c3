"""The fast formulation and solve strategy give the optimum of the straightforward formulation.

Reference: ``BuildOptions(binaries="all")`` (one binary per step for grid direction, storage direction and
vehicle on/off) solved by the HiGHS MILP directly (``lp_first=False``). Fast path: the default build
(binaries only where they can change the optimum) with the LP-first strategy of :mod:`planner.solve.milp`, and the
persistent :class:`planner.solve.persistent.PlanSession`. All are solved to a zero gap; objectives must agree to 1e-6
relative (absolute floor 1e-6 currency). Scenarios are seeded random ones (export above import, negative
prices, V2G, minimum power, partial steps) and the benchmark examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CORE_EXAMPLES, close, random_raw

import planner
from planner.model.build import build_model
from planner.model.components.base import BuildOptions
from planner.model.standard_form import compile_model
from planner.solve.milp import solve_model
from planner.solve.options import SolveOptions
from planner.solve.persistent import PlanSession
from planner.solve.readback import plan_from_solution
from planner.verify import verify

SEEDS = list(range(24))


def _objective(scenario: planner.Scenario, binaries: str, lp_first: bool) -> tuple[float, str]:
    built = build_model(scenario, BuildOptions(binaries=binaries))
    outcome = solve_model(built, SolveOptions(mip_rel_gap=0.0, time_limit_s=60.0, lp_first=lp_first))
    assert outcome.status == "optimal", outcome.message
    result = plan_from_solution(built, outcome)
    verify(scenario, result)
    return outcome.objective, outcome.method


def _random_scenario(seed: int) -> planner.Scenario:
    return planner.scenario_from_dict(random_raw(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_fast_path_equals_straightforward_formulation(seed):
    scenario = _random_scenario(seed)
    fast, _ = _objective(scenario, "needed", lp_first=True)
    reference, method = _objective(scenario, "all", lp_first=False)
    assert method in ("mip", "lp")
    assert close(fast, reference, rel=1e-6, abs_=1e-6), (fast, reference)


def test_random_scenarios_cover_the_hard_cases():
    """Guard: the seeds include export above import, negative prices, V2G and minimum charging power."""
    scenarios = [_random_scenario(s) for s in SEEDS]
    assert any((s.tariff.export_price_per_kwh > s.tariff.import_price_per_kwh).any() for s in scenarios)
    assert any((s.tariff.import_price_per_kwh < 0).any() for s in scenarios)
    assert any(v.v2g for s in scenarios for v in s.vehicles)
    assert any(v.charge_min_kw > 0 for s in scenarios for v in s.vehicles)


@pytest.mark.slow
@pytest.mark.parametrize("path", CORE_EXAMPLES, ids=[p.stem for p in CORE_EXAMPLES])
def test_examples_fast_path_equals_straightforward_formulation(path):
    scenario = planner.load_scenario(path)
    fast, _ = _objective(scenario, "needed", lp_first=True)
    reference, _ = _objective(scenario, "all", lp_first=False)
    assert close(fast, reference, rel=1e-6, abs_=1e-6), (fast, reference)


@pytest.mark.parametrize("seed", SEEDS[:8])
def test_plan_session_equals_fresh_plans_on_new_prices_load_and_solar(seed):
    """One session, three scenarios of one shape (new prices with export above import in the same steps,
    new load and solar): each plan verifies and is the fresh plan, schedule for schedule."""
    base = _random_scenario(seed)
    session = PlanSession(base, mip_rel_gap=0.0)
    rng = np.random.default_rng(seed)
    variants = [base]
    for _ in range(2):
        factor = rng.uniform(0.3, 1.7, base.steps)
        imp = base.tariff.import_price_per_kwh * factor - 0.05
        margin = base.tariff.export_price_per_kwh - base.tariff.import_price_per_kwh
        shifted = base.with_prices(imp, imp + margin * rng.uniform(0.5, 1.5, base.steps))
        load = base.load_kw * rng.uniform(0.5, 1.5, base.steps)
        solar = base.solar_kw * rng.uniform(0.5, 1.5, base.steps)
        variants.append(_replace_profiles(shifted, load, solar))
    for sc in variants:
        got = session.plan(sc)
        verify(sc, got)
        fresh = planner.plan(sc, mip_rel_gap=0.0, allow_fallback=False)
        assert close(got.costs["total"], fresh.costs["total"], rel=1e-6, abs_=1e-6), (
            got.costs["total"], fresh.costs["total"]
        )
        assert got.schedule.equals(fresh.schedule)
    assert session.rebuilds == 0
    # sun in steps that had none can make grid export possible there: the session must still be exact
    new_sun = (rng.uniform(size=base.steps) < 0.3) * rng.uniform(0.0, 3.0, base.steps)
    sunny = _replace_profiles(base, base.load_kw, base.solar_kw + new_sun)
    got = session.plan(sunny)
    verify(sunny, got)
    fresh = planner.plan(sunny, mip_rel_gap=0.0, allow_fallback=False)
    assert close(got.costs["total"], fresh.costs["total"], rel=1e-6, abs_=1e-6)


def test_plan_session_rebuilds_on_another_shape():
    a = _random_scenario(1)
    b = _random_scenario(2)
    session = PlanSession(a)
    got = session.plan(b)
    verify(b, got)
    assert session.rebuilds == 1
    assert close(got.costs["total"], planner.plan(b, allow_fallback=False).costs["total"], rel=1e-4, abs_=1e-4)


def test_compiled_arrays_reproduce_the_model():
    """Row activities and the objective of the compiled arrays equal Pyomo's own evaluation at a point."""
    import pyomo.environ as pyo

    scenario = _random_scenario(3)
    built = build_model(scenario)
    sf = compile_model(built.model)
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 2.0, sf.num_cols)
    for j, var in enumerate(sf.variables):
        var.set_value(float(x[j]), skip_validation=True)
    act = sf.row_activity(x)
    for r, con in enumerate(sf.rows):
        body = pyo.value(con.body)
        lb = None if con.lb is None else float(con.lb)
        if lb is not None:
            assert body - lb == pytest.approx(act[r] - sf.row_lower[r], abs=1e-9)
    obj = next(built.model.component_data_objects(pyo.Objective, active=True))
    assert pyo.value(obj.expr) == pytest.approx(float(sf.cost @ x + sf.offset), rel=1e-12, abs=1e-9)


def _replace_profiles(scenario: planner.Scenario, load: np.ndarray, solar: np.ndarray) -> planner.Scenario:
    from dataclasses import replace

    return replace(scenario, load_kw=np.asarray(load, dtype=float), solar_kw=np.asarray(solar, dtype=float))


@pytest.mark.parametrize("seed", [0, 5])
def test_plan_session_update_equals_a_fresh_compile(seed):
    """After new prices, load and solar the session's arrays (what HiGHS holds) equal a fresh compile of the
    model with those parameters: row and column bounds, coefficients, costs and the objective offset."""
    base = _random_scenario(seed)
    session = PlanSession(base)
    session.plan(base)
    rng = np.random.default_rng(seed + 100)
    factor = rng.uniform(0.3, 1.7, base.steps)
    imp = base.tariff.import_price_per_kwh * factor - 0.05  # export above import in the same steps as before
    exp = imp + (base.tariff.export_price_per_kwh - base.tariff.import_price_per_kwh) * factor
    new = _replace_profiles(
        base.with_prices(imp, exp),
        base.load_kw * rng.uniform(0.5, 1.5, base.steps),
        base.solar_kw * rng.uniform(0.5, 1.5, base.steps),
    )
    got = session.plan(new)
    verify(new, got)
    assert session.rebuilds == 0
    fresh = compile_model(session.built.model)  # the Pyomo parameters hold the new values
    sf = session.sf
    assert [id(v) for v in fresh.variables] == [id(v) for v in sf.variables]
    for name in ("row_lower", "row_upper", "col_lower", "col_upper", "cost", "a_value"):
        np.testing.assert_allclose(getattr(sf, name), getattr(fresh, name), rtol=1e-12, atol=1e-12, err_msg=name)
    assert sf.offset == pytest.approx(fresh.offset, rel=1e-12, abs=1e-12)
