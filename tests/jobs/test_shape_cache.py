"""ShapeCache: fresh plans for new shapes, one persistent session per recurring shape, bounded."""

from __future__ import annotations

import numpy as np
from conftest import close, random_raw

import planner
from planner.jobs.shape_cache import ShapeCache
from planner.verify import verify


def _variant(base: planner.Scenario, seed: int) -> planner.Scenario:
    factor = np.random.default_rng(seed).uniform(0.3, 1.7, base.steps)
    return base.with_prices(base.tariff.import_price_per_kwh * factor, base.tariff.export_price_per_kwh * factor)


def test_recurring_shape_is_re_solved_and_costs_what_a_fresh_plan_costs():
    base = planner.scenario_from_dict(random_raw(3))
    cache = ShapeCache(mip_rel_gap=0.0)
    scenarios = [base, _variant(base, 1), _variant(base, 2)]
    for sc in scenarios:
        got = cache.plan(sc)
        verify(sc, got)
        fresh = planner.plan(sc, mip_rel_gap=0.0, allow_fallback=False)
        assert close(got.costs["total"], fresh.costs["total"], rel=1e-6, abs_=1e-6)
    # first seen: fresh; second: a session is built for the shape and re-solves; third: the same session
    assert cache.counts == {"fresh": 1, "sessions_built": 1, "reused": 2}


def test_other_shapes_are_planned_fresh_and_sessions_stay_bounded():
    a = planner.scenario_from_dict(random_raw(1))
    b = planner.scenario_from_dict(random_raw(2))
    cache = ShapeCache(max_sessions=1, mip_rel_gap=0.0)
    for sc in (a, b, _variant(a, 1), _variant(b, 1), _variant(a, 2)):
        verify(sc, cache.plan(sc))
    assert len(cache._sessions) == 1
    # a, b fresh; a' and b' build sessions (b's evicts a's); a'' needs a's shape again: a fresh plan
    assert cache.counts == {"fresh": 3, "sessions_built": 2, "reused": 2}


def test_reuse_off_plans_everything_fresh():
    base = planner.scenario_from_dict(random_raw(3))
    cache = ShapeCache(reuse=False)
    for sc in (base, _variant(base, 1)):
        verify(sc, cache.plan(sc))
    assert cache.counts == {"fresh": 2, "sessions_built": 0, "reused": 0}
