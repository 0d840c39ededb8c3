"""The planning function: scenario in, verified plan out."""

from __future__ import annotations

import time
from pathlib import Path

from planner.build import build_model
from planner.components.base import BuildOptions
from planner.errors import PlannerError, ScenarioError
from planner.fallback import fallback_plan
from planner.readback import plan_from_solution
from planner.results import Plan
from planner.scenario import Scenario, load_scenario
from planner.solve import SolveOptions, solve_model
from planner.verify import VerificationError, verify


def plan(
    scenario: Scenario | str | Path,
    *,
    time_limit_s: float = 10.0,
    mip_rel_gap: float = 1e-4,
    threads: int = 1,
    random_seed: int = 0,
    dispatch: str = "setpoint",
    lp_first: bool = True,
    allow_fallback: bool = True,
) -> Plan:
    """Plan a scenario: build the MILP, solve it with HiGHS, read it back and verify it.

    Parameters
    ----------
    scenario : Scenario or path
        A scenario, or the path of a scenario TOML file.
    time_limit_s : float
        Solver time limit [s]. When it runs out with a feasible solution the plan has status ``time_limit``.
    mip_rel_gap : float
        Relative optimality gap at which the MILP stops (use 1e-6 or 0 for a tighter proof).
    threads, random_seed : int
        HiGHS threads and seed (the defaults make runs deterministic).
    dispatch : str
        ``"setpoint"`` (one power per step, the default) or ``"fractional"`` (the LP relaxation, exact for a
        controller that can switch modes within a step; see :class:`~planner.components.base.BuildOptions`).
    lp_first : bool
        Try the LP relaxation and its integral completion before branch and bound.
    allow_fallback : bool
        When the solver finds no solution, return the fail-safe plan (status ``fallback``) instead of raising.

    Returns
    -------
    Plan
        A plan that has passed :func:`planner.verify.verify`.

    Raises
    ------
    ScenarioError
        When the scenario is invalid (every problem listed).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not time_limit_s > 0:
        raise ScenarioError(f"time_limit_s must be > 0 seconds (got {time_limit_s!r})")
    t0 = time.perf_counter()
    try:
        built = build_model(scenario, BuildOptions(dispatch=dispatch))
        outcome = solve_model(
            built,
            SolveOptions(
                time_limit_s=time_limit_s,
                mip_rel_gap=mip_rel_gap,
                threads=threads,
                random_seed=random_seed,
                lp_first=lp_first,
            ),
        )
    except (ScenarioError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - any solver-side failure gets the fail-safe plan
        if not allow_fallback:
            raise PlannerError(f"solver failed: {exc}") from exc
        result = fallback_plan(scenario, f"solver error: {type(exc).__name__}: {exc}")
        result.solve_seconds = time.perf_counter() - t0
        verify(scenario, result, dispatch=dispatch)
        return result
    if not outcome.ok:
        if not allow_fallback:
            raise PlannerError(f"solver found no solution ({outcome.message})")
        result = fallback_plan(scenario, f"solver found no solution: {outcome.message}")
        result.solve_seconds = time.perf_counter() - t0
        verify(scenario, result, dispatch=dispatch)
        return result
    t_read = time.perf_counter()
    result = plan_from_solution(built, outcome)
    t_verify = time.perf_counter()
    try:
        verify(scenario, result, dispatch=dispatch)
    except VerificationError:
        if not allow_fallback:
            raise
        result = fallback_plan(scenario, "solver solution failed verification")
        verify(scenario, result, dispatch=dispatch)
    t_end = time.perf_counter()
    result.timings = {
        "build_s": built.build_seconds,
        "handover_s": outcome.handover_seconds,
        "solve_s": outcome.solve_seconds,
        "extract_s": t_verify - t_read,
        "verify_s": t_end - t_verify,
    }
    result.solve_seconds = t_end - t0
    return result


__all__ = ["plan", "load_scenario"]
