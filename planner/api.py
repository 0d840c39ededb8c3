"""The planning function: scenario in, verified plan out."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import logging
import math
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.errors import PlannerError, ScenarioError, SolverError
from planner.inputs.scenario import load_scenario
from planner.inputs.specs import Scenario
from planner.inputs.validate import degraded_notes
from planner.model.build import build_model
from planner.model.components.base import BuildOptions
from planner.results.plan import Plan
from planner.solve.fallback import fallback_plan
from planner.solve.milp import solve_model
from planner.solve.options import SolveOptions, SolveOutcome
from planner.solve.plan_options import PlanOptions
from planner.solve.readback import plan_from_solution
from planner.verify import verify


def plan(
    scenario: Scenario | str | Path,
    options: PlanOptions | None = None,
    *,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    mip_abs_gap: float | None = None,
    threads: int | None = None,
    random_seed: int | None = None,
    dispatch: str | None = None,
    lp_first: bool | None = None,
    allow_fallback: bool = True,
) -> Plan:
    """Plan a scenario: build the MILP, solve it with HiGHS, read it back and verify it.

    Parameters
    ----------
    scenario : Scenario or path
        A scenario, or the path of a scenario TOML file.
    options : PlanOptions or None
        Build and solve options (default ``PlanOptions()``); a keyword below, when given, overrides its field.
    time_limit_s : float
        Time budget for building and solving [s]. When it runs out with a feasible solution the plan has
        status ``time_limit``; without one, the fail-safe plan. A wall-clock guard outside the solver returns
        the fail-safe plan when the solver has not come back ``WALL_CLOCK_GRACE_S`` after the limit, so a
        call returns within about ``time_limit_s + 0.25 s`` (plus reading back and verifying the plan).
    mip_rel_gap : float
        Relative optimality gap at which the MILP stops (use 1e-6 or 0 for a tighter proof).
    mip_abs_gap : float or None
        Absolute gap [currency] at which it stops as well (default None: 0.01 per day of horizon; 0: the
        relative gap alone).
    threads, random_seed : int
        HiGHS threads and seed (the defaults make runs deterministic).
    dispatch : str
        ``"setpoint"`` (one power per step, the default) or ``"fractional"`` (the LP relaxation, exact for a
        controller that can switch modes within a step; see :class:`~planner.model.components.base.BuildOptions`).
    lp_first : bool
        Try the LP relaxation and its integral completion before branch and bound.
    allow_fallback : bool
        When the solver is unavailable, fails, overruns or finds no solution, return the fail-safe plan of
        :mod:`planner.solve.fallback` (status ``fallback``, ``Plan.reason`` says why) instead of raising.

    Returns
    -------
    Plan
        A plan that has passed :func:`planner.verify.verify`.

    Raises
    ------
    ScenarioError
        When the scenario (or ``time_limit_s``) is invalid (every problem listed).
    SolverError
        Only with ``allow_fallback=False``, when the solver produced no usable solution.

    Notes
    -----
    Valid inputs the plan handles in a degraded way (a target above capacity, a battery below its reserve,
    a session past the horizon, ...) are listed in ``Plan.notes`` (:func:`planner.inputs.validate.degraded_notes`).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    opts = PlanOptions.of(options, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, mip_abs_gap=mip_abs_gap,
                          threads=threads,
                          random_seed=random_seed, dispatch=dispatch, lp_first=lp_first)
    time_limit_s, dispatch = opts.time_limit_s, opts.dispatch
    t0 = time.perf_counter()
    deadline = t0 + float(time_limit_s)
    work = _SolveJob(scenario, opts.build_options(), opts.solve_options(scenario.steps * scenario.step_hours), deadline)
    failure = work.run_guarded(time_limit_s + WALL_CLOCK_GRACE_S)
    if failure is None and work.outcome is not None and work.outcome.ok:
        try:
            t_read = time.perf_counter()
            result = plan_from_solution(work.built, work.outcome)
            t_verify = time.perf_counter()
            report = verify(scenario, result, dispatch=dispatch)
            result.notes = list(result.notes) + [f"rule held in every step (verified): {r}" for r in report.rules
                                                 if ".charge_from" in r or ".discharge_to" in r
                                                 or ".import_to" in r or ".export_from" in r]
            t_end = time.perf_counter()
            result.timings = {
                "build_s": work.built.build_seconds,
                "handover_s": work.outcome.handover_seconds,
                "solve_s": work.outcome.solve_seconds,
                "extract_s": t_verify - t_read,
                "verify_s": t_end - t_verify,
            }
            result.solve_seconds = t_end - t0
            result.notes = _merge_notes(result.notes, scenario)
            return result
        except (ScenarioError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - a bad solution must not escape as a traceback
            reason = f"solver solution rejected: {type(exc).__name__}: {_all_lines(exc)}"
            if not allow_fallback:
                raise PlannerError(reason) from exc
            return _fallback(scenario, reason, t0, dispatch)
    if failure is None:
        outcome = work.outcome
        if outcome is None:
            failure = "time limit reached before the solver started (model building took the whole budget)"
        elif outcome.message == "Time limit reached":
            failure = f"no solution found within the time limit of {time_limit_s:g} s"
        else:
            failure = f"solver found no solution: {outcome.message}"
    if not allow_fallback:
        raise SolverError(failure) from work.error
    return _fallback(scenario, failure, t0, dispatch)


WALL_CLOCK_GRACE_S = 0.25
"""How long past ``time_limit_s`` [s] the wall-clock guard waits for the solver before giving up on it."""


class _Cancelled(BaseException):
    """Raised inside an abandoned worker thread so that it stops at its next Python instruction."""


class _DropCancelled(logging.Filter):
    """Keep Pyomo from logging the construction error a cancelled (abandoned) build raises."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "_Cancelled" not in record.getMessage()


logging.getLogger("pyomo.core").addFilter(_DropCancelled())
_log = logging.getLogger("planner")

ABANDONED_JOIN_S = 120.0
"""At interpreter exit, how long [s] to wait for each solver thread the wall-clock guard gave up on."""
_ABANDONED: set[threading.Thread] = set()


@atexit.register
def _join_abandoned() -> None:
    """Wait for abandoned solver threads before the interpreter exits.

    HiGHS stops at its own time limit; a process that exited while HiGHS still ran in a thread would abort
    in HiGHS's thread teardown (SIGABRT, "terminate called without an active exception").
    """
    for thread in list(_ABANDONED):
        thread.join(ABANDONED_JOIN_S)


def _cancel(thread: threading.Thread) -> None:
    """Ask ``thread`` to stop: raise :class:`_Cancelled` in it at its next Python instruction.

    Used only while the worker builds the Pyomo model (pure Python object construction, nothing shared
    with other plans), so an abandoned build does not keep competing for the interpreter.
    """
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Cancelled))


class _SolveJob:
    """Build and solve in a worker thread so a solver that overruns its limit cannot hold ``plan`` up.

    HiGHS releases the GIL while it runs, so the calling thread can wait with a timeout. A worker that is
    still running when the guard gives up is told to stop (:func:`_cancel`) and its result is discarded.
    """

    def __init__(self, scenario: Scenario, build_options: BuildOptions, options: SolveOptions,
                 deadline: float) -> None:
        self.scenario = scenario
        self.build_options = build_options
        self.options = options
        self.deadline = deadline
        self.built: Any = None
        self.outcome: SolveOutcome | None = None
        self.error: BaseException | None = None
        self.cancelled = False
        self.building = True

    def _target(self) -> None:
        gc_was_enabled = gc.isenabled()
        try:
            with contextlib.suppress(_Cancelled):
                self._work()
        finally:
            # the build pauses the garbage collector; a cancel that lands inside the pause's own exit would
            # leave it off for the rest of the process (a batch worker would then keep every model's cycles)
            if gc_was_enabled and not gc.isenabled():
                gc.enable()
            _ABANDONED.discard(threading.current_thread())

    def _work(self) -> None:
        try:
            self.built = build_model(self.scenario, self.build_options)
            self.building = False
            remaining = self.deadline - time.perf_counter()
            if remaining <= 0 or self.cancelled:
                return
            self.outcome = solve_model(self.built, replace(self.options, time_limit_s=remaining))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller thread
            self.error = exc

    def run_guarded(self, wall_clock_s: float) -> str | None:
        """Run the job; return ``None`` on completion, else why it produced no usable outcome."""
        worker = threading.Thread(target=self._target, name="planner-solve", daemon=True)
        worker.start()
        worker.join(None if not math.isfinite(wall_clock_s) else max(wall_clock_s, 0.0))
        if worker.is_alive():
            self.cancelled = True
            _ABANDONED.add(worker)
            if self.building:  # inside HiGHS the worker stops at the solver's own time limit
                _cancel(worker)
            return (
                f"wall-clock guard: time limit of {self.options.time_limit_s:g} s "
                f"(+{WALL_CLOCK_GRACE_S:g} s grace) passed without a solution; the solver was abandoned"
            )
        exc = self.error
        if exc is None:
            return None
        if isinstance(exc, ScenarioError | KeyboardInterrupt):
            raise exc
        if isinstance(exc, ImportError | OSError):
            return f"solver unavailable: {type(exc).__name__}: {_first_line(exc)}"
        return f"solver error: {type(exc).__name__}: {_first_line(exc)}"


def _all_lines(exc: BaseException) -> str:
    """The whole message of ``exc`` on one line (a verifier's every violation, joined by ``; ``)."""
    lines = [line.strip().removeprefix("- ") for line in str(exc).strip().splitlines()]
    return "; ".join(line for line in lines if line)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _merge_notes(notes: list[str], scenario: Scenario) -> list[str]:
    merged = list(notes)
    for note in degraded_notes(scenario):
        if note not in merged:
            merged.append(note)
    return merged


def _fallback(scenario: Scenario, reason: str, t0: float, dispatch: str) -> Plan:
    """The verified fail-safe plan (see :mod:`planner.solve.fallback`)."""
    result = fallback_plan(scenario, reason)
    try:
        verify(scenario, result, dispatch=dispatch)
    except Exception as exc:  # noqa: BLE001 - the fail-safe plan is returned whatever its check says
        _log.error("fail-safe plan failed its own verification: %s", _all_lines(exc))
        result.reason = f"{result.reason}; the fail-safe plan itself failed verification: {_all_lines(exc)}"
    result.notes = _merge_notes(result.notes, scenario)
    result.solve_seconds = time.perf_counter() - t0
    return result

__all__ = ["plan", "load_scenario"]
