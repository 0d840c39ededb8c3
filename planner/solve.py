"""The only module that talks to HiGHS.

The model is handed to HiGHS through Pyomo's persistent HiGHS interface (``set_instance``), then solved
with highspy directly:

1. **LP first.** When the model has binaries, its LP relaxation is solved (the floor any exact method pays).
   Each binary is then set to what its indicator says (a binary ``is_charging`` is 1 exactly when its
   ``charge_kw`` is positive), the binaries are fixed, and the LP is re-solved. If that completion's
   objective is within ``mip_rel_gap`` of the relaxation's, it is a proven (gap-)optimal MILP solution:
   relaxation <= MILP optimum <= completion.
2. **MILP otherwise**, with the remaining time limit, relative gap, fixed seed and thread count.

A solution is read only when HiGHS reports a primal-feasible one; otherwise the outcome says so and no
values are returned (never a plausible-looking zero plan).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from planner.build import BuiltModel

INDICATOR_TOL_KW = 1e-7
"""An indicator variable above this [kW] sets its binary to 1."""


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings.

    Parameters
    ----------
    time_limit_s : float
        Wall-clock limit for the solve [s].
    mip_rel_gap : float
        Relative optimality gap at which a MILP solution is accepted (dimensionless).
    threads : int
        HiGHS threads (1 gives deterministic, reproducible runs).
    random_seed : int
        HiGHS random seed.
    lp_first : bool
        Try the LP relaxation and its integral completion before branch and bound.
    """

    time_limit_s: float = 10.0
    mip_rel_gap: float = 1e-4
    threads: int = 1
    random_seed: int = 0
    lp_first: bool = True


@dataclass
class SolveOutcome:
    """What the solver produced.

    Attributes
    ----------
    status : str
        ``optimal`` (proven within the gap), ``time_limit`` (stopped with a feasible incumbent) or ``failed``.
    objective : float
        Objective of the returned solution [currency] (nan when failed).
    bound : float
        Best proven lower bound [currency].
    gap : float
        Relative gap between objective and bound.
    method : str
        ``lp`` (relaxation already integral), ``lp_completion`` or ``mip``.
    message : str
        HiGHS model status text.
    """

    status: str
    objective: float = float("nan")
    bound: float = float("nan")
    gap: float = float("nan")
    method: str = ""
    message: str = ""
    nodes: int = 0
    binaries: int = 0
    handover_seconds: float = 0.0
    solve_seconds: float = 0.0
    lp_seconds: float = 0.0
    col_values: np.ndarray | None = None
    var_map: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when values are available."""
        return self.col_values is not None

    def value(self, var: Any) -> float:
        """Value of a Pyomo variable in this solution (fixed variables give their fixed value)."""
        col = self.var_map.get(id(var))
        if col is None:
            val = var.value
            return 0.0 if val is None else float(val)
        assert self.col_values is not None
        return float(self.col_values[col])


def _rel_gap(objective: float, bound: float) -> float:
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def solve_model(built: BuiltModel, options: SolveOptions | None = None) -> SolveOutcome:
    """Hand ``built`` to HiGHS and solve it (see the module docstring)."""
    from pyomo.contrib.solver.solvers.highs import Highs

    options = options or SolveOptions()
    t0 = time.perf_counter()
    opt = Highs()
    opt.set_instance(built.model)
    h: highspy.Highs = opt._solver_model
    var_map: dict[int, int] = dict(opt._pyomo_var_to_solver_var_map)
    handover = time.perf_counter() - t0
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.random_seed))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    try:
        outcome = _run(h, built, var_map, options)
    finally:
        opt._solver_model = None
        del opt
    outcome.handover_seconds = handover
    outcome.var_map = var_map
    return outcome


def _run(h: highspy.Highs, built: BuiltModel, var_map: dict[int, int], options: SolveOptions) -> SolveOutcome:
    t_start = time.perf_counter()
    links = [
        (var_map[id(b)], var_map.get(id(ind)))
        for b, ind in built.binary_links
        if id(b) in var_map
    ]
    lp = h.getLp()
    integrality = np.asarray(lp.integrality_, dtype=int) if len(lp.integrality_) else np.zeros(0, int)
    n_binaries = int(np.count_nonzero(integrality)) if integrality.size else 0

    def remaining() -> float:
        return max(options.time_limit_s - (time.perf_counter() - t_start), 1e-3)

    lp_seconds = 0.0
    if n_binaries and options.lp_first:
        h.setOptionValue("solve_relaxation", True)
        h.setOptionValue("time_limit", remaining())
        t_lp = time.perf_counter()
        h.run()
        lp_seconds = time.perf_counter() - t_lp
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            bound = h.getInfo().objective_function_value
            x = np.asarray(h.getSolution().col_value)
            bcols = np.array([b for b, _ in links], dtype=np.int32)
            icols = np.array([i if i is not None else -1 for _, i in links], dtype=np.int64)
            ind_vals = np.where(icols >= 0, x[np.maximum(icols, 0)], 0.0)
            y = (ind_vals > INDICATOR_TOL_KW).astype(float)
            already_integral = bool(np.all(np.abs(x[bcols] - y) < 1e-9)) if len(bcols) else True
            unlinked = np.setdiff1d(np.flatnonzero(integrality), bcols)
            if unlinked.size == 0:
                if already_integral:
                    h.setOptionValue("solve_relaxation", False)
                    return SolveOutcome(
                        "optimal", bound, bound, 0.0, "lp", "Optimal", 0, n_binaries,
                        lp_seconds=lp_seconds, solve_seconds=time.perf_counter() - t_start, col_values=x,
                    )
                lower = np.asarray(lp.col_lower_)[bcols].copy()
                upper = np.asarray(lp.col_upper_)[bcols].copy()
                h.changeColsBounds(len(bcols), bcols, y, y)
                h.setOptionValue("time_limit", remaining())
                h.run()
                if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                    obj = h.getInfo().objective_function_value
                    gap = _rel_gap(obj, bound)
                    if gap <= options.mip_rel_gap:
                        x2 = np.asarray(h.getSolution().col_value)
                        h.changeColsBounds(len(bcols), bcols, lower, upper)
                        h.setOptionValue("solve_relaxation", False)
                        return SolveOutcome(
                            "optimal", obj, bound, gap, "lp_completion", "Optimal", 0, n_binaries,
                            lp_seconds=lp_seconds, solve_seconds=time.perf_counter() - t_start,
                            col_values=x2,
                        )
                h.changeColsBounds(len(bcols), bcols, lower, upper)
        h.setOptionValue("solve_relaxation", False)

    h.setOptionValue("time_limit", remaining())
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    message = h.modelStatusToString(status)
    has_solution = info.primal_solution_status == 2
    elapsed = time.perf_counter() - t_start
    if not has_solution:
        return SolveOutcome("failed", message=message, binaries=n_binaries, solve_seconds=elapsed,
                            lp_seconds=lp_seconds)
    obj = info.objective_function_value
    if n_binaries:
        bound = info.mip_dual_bound
        gap = _rel_gap(obj, bound)
        nodes = int(info.mip_node_count)
    else:
        bound, gap, nodes = obj, 0.0, 0
    if status == highspy.HighsModelStatus.kOptimal:
        state = "optimal"
    elif status == highspy.HighsModelStatus.kTimeLimit:
        state = "time_limit"
    else:
        state = "failed"
    x = np.asarray(h.getSolution().col_value)
    return SolveOutcome(
        state, obj, bound, gap, "mip" if n_binaries else "lp", message, nodes, n_binaries,
        lp_seconds=lp_seconds, solve_seconds=elapsed, col_values=x if state != "failed" else None,
    )
