"""A run's time limit is its own: HiGHS sums run time over an instance's runs, the planner does not."""

from __future__ import annotations

import highspy
import numpy as np

from planner.solve.highs import new_highs, run_highs


def _lp(n: int = 300, seed: int = 0) -> highspy.Highs:
    """A dense-ish random LP that takes HiGHS a few milliseconds."""
    rng = np.random.default_rng(seed)
    h = new_highs()
    h.setOptionValue("output_flag", False)
    for _ in range(n):
        h.addVar(0.0, 10.0)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -rng.random(n))
    for _ in range(n):
        idx = np.sort(rng.choice(n, 30, replace=False)).astype(np.int32)
        h.addRow(-np.inf, 50.0, idx.size, idx, rng.random(idx.size))
    return h


def test_a_later_run_gets_its_whole_limit() -> None:
    h = _lp()
    while h.getRunTime() < 1.0:  # an instance that has already run for a second in all
        h.clearSolver()
        assert run_highs(h, 60.0) == highspy.HighsModelStatus.kOptimal
    one_run = h.getRunTime()
    h.clearSolver()
    t0 = h.getRunTime()
    status = run_highs(h, 0.5)  # far more than one run needs, far less than the time run so far
    assert status == highspy.HighsModelStatus.kOptimal
    assert h.getRunTime() - t0 < 0.5 < one_run


def test_limit_option_is_time_run_plus_this_runs_limit() -> None:
    h = _lp(n=50)
    run_highs(h, 60.0)
    before = h.getRunTime()
    h.clearSolver()
    run_highs(h, 2.0)
    _, limit = h.getOptionValue("time_limit")
    assert before + 2.0 <= limit <= h.getRunTime() + 2.0


def test_a_long_lived_session_keeps_its_limit_per_re_solve() -> None:
    """A session whose HiGHS instance has run for longer than the time limit in all still re-solves in full."""
    from pathlib import Path

    from planner.api import plan
    from planner.inputs.scenario import load_scenario
    from planner.solve.persistent import PlanSession

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "data" / "examples" / "negative-prices.toml")
    limit_s = 0.4
    session = PlanSession(scenario, time_limit_s=limit_s)
    while session.h.getRunTime() < 2 * limit_s:
        session.plan(scenario)
    again = session.plan(scenario)
    fresh = plan(scenario, time_limit_s=60)
    assert again.status == fresh.status == "optimal"
    assert again.schedule.equals(fresh.schedule)
