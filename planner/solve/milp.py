"""The solve strategy of a built model (HiGHS through :mod:`planner.solve.highs`).

The built Pyomo model is compiled to arrays (:mod:`planner.model.standard_form`) and handed to HiGHS in one call
(``passModel``). Every HiGHS run goes through :func:`run_highs`. The solve strategy (``lp_first``, the
default):

1. **LP relaxation.** Every binary is made continuous in ``[0, 1]`` and the LP is solved; its objective is
   a lower bound of the MILP optimum (the floor any exact method pays).
2. **Integral completion.** Each binary of a :attr:`BuiltModel.binary_links` pair is set to what its
   indicator says (``is_charging = 1`` exactly when ``charge_kw > 0``) and every row is re-checked with
   those values. When all rows hold, the completion is a feasible MILP solution with the LP's objective,
   hence optimal. This is the common case: most binaries of a setpoint model never bind.
3. **Branching only where the completion fails** (a small branch and bound over warm-started LPs): a node
   fixes some binaries; its LP bound prunes it against the incumbent; a node whose completion holds gives an
   incumbent equal to its bound; otherwise it branches on a binary of the most violated row. The search
   stops when ``(incumbent - best open bound) / |incumbent| <= mip_rel_gap``: the plan is proven optimal
   within the gap, exactly as from a MILP solver.
4. **HiGHS MILP** when the search exceeds :data:`MAX_NODES` or the root completion fails in rows holding
   more than :data:`MAX_ROOT_BRANCH_CANDIDATES` binaries (then every binary fixed to the root completion,
   :data:`ROOT_HEURISTIC`, and a short dive fixing the binaries of violated rows to 1 and to 0 look for an
   incumbent that closes the gap, else a start solution), with the incumbent as a start solution and the
   remaining time limit (also the path taken with ``lp_first=False`` or binaries without links), with the
   options of :data:`MIP_OPTIONS` (presolve off below :data:`PRESOLVE_OFF_BELOW_ROWS` rows; integrality only
   where the completion failed from :data:`LAZY_MIP_FROM_ROWS` rows on when that is at most
   :data:`LAZY_MAX_CANDIDATES` binaries). Linked variables the model declares
   continuous are completion-checked after it too.

Node LPs start from the root relaxation's basis. The measured effect of each choice is in
``docs/performance.md``.

A solution is read only when HiGHS reports a primal-feasible one; otherwise the outcome says so and no
values are returned (never a plausible-looking zero plan).
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from planner.model.build import BuiltModel
from planner.model.standard_form import StandardForm, compile_model
from planner.solve.highs import KOPT, KTIME, highs_from_form, run_highs
from planner.solve.linked_search import LinkedSearch
from planner.solve.options import (
    INDICATOR_TOL_KW,
    LAZY_MAX_CANDIDATES,
    LAZY_MIP_FROM_ROWS,
    LAZY_ROUNDS,
    MIP_OPTIONS,
    PRESOLVE_OFF_BELOW_ROWS,
    ROW_TOL,
    SolveOptions,
    SolveOutcome,
    rel_gap,
)


def solve_model(built: BuiltModel, options: SolveOptions | None = None) -> SolveOutcome:
    """Compile ``built``, hand it to HiGHS and solve it (see the module docstring).

    The time limit covers the hand-over too: HiGHS gets what is left of ``options.time_limit_s`` after it.
    """
    options = options or SolveOptions()
    t0 = time.perf_counter()
    sf = compile_model(built.model)
    links = link_columns(built, sf)
    h = highs_from_form(sf, options, np.zeros(sf.num_cols, dtype=bool) if options.lp_first else None)
    handover = time.perf_counter() - t0
    outcome = solve_form(h, sf, links, options, deadline=t0 + options.time_limit_s)
    outcome.handover_seconds = handover
    return outcome


def link_columns(built: BuiltModel, sf: StandardForm) -> tuple[np.ndarray, np.ndarray]:
    """Column arrays ``(binary, indicator)`` of the model's binary links (indicator -1 when absent)."""
    pairs = [(sf.col_of[id(b)], sf.col_of.get(id(i), -1)) for b, i in built.binary_links if id(b) in sf.col_of]
    if not pairs:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    arr = np.array(pairs, dtype=np.int64)
    return arr[:, 0].astype(np.int32), arr[:, 1]


def solve_form(
    h: highspy.Highs,
    sf: StandardForm,
    links: tuple[np.ndarray, np.ndarray],
    options: SolveOptions,
    deadline: float | None = None,
) -> SolveOutcome:
    """Solve the model held by ``h`` (built from ``sf``) with the strategy of the module docstring.

    ``deadline`` (a ``time.perf_counter()`` instant) ends every HiGHS run; default: ``time_limit_s`` from now.

    With ``options.lp_first`` the instance must hold the model with every column continuous; it is left so
    (bounds restored) when the function returns, which lets :mod:`planner.solve.persistent` re-solve it.
    """
    t_start = time.perf_counter()
    if deadline is None:
        deadline = t_start + options.time_limit_s
    n_bin = int(np.count_nonzero(sf.integer))
    bcols, icols = links
    linked_all = n_bin == 0 or bool(np.isin(np.flatnonzero(sf.integer), bcols).all())
    if options.lp_first and linked_all:
        search = LinkedSearch(h, sf, bcols, icols, options, deadline)
        outcome = search.run()
        if outcome is not None:
            outcome.binaries = n_bin
            outcome.solve_seconds = time.perf_counter() - t_start
            outcome.var_map = sf.col_of
            return outcome
        incumbent, nodes, lp_seconds, branched = search.incumbent, search.nodes, search.lp_seconds, len(search.branched)
        search.restore()
        start_int = None
        if sf.num_rows >= LAZY_MIP_FROM_ROWS and len(search.root_candidates) <= LAZY_MAX_CANDIDATES:
            linked = np.isin(np.arange(sf.num_cols), bcols)
            unlinked = np.flatnonzero(sf.integer & ~linked)
            start_int = np.union1d(unlinked, np.fromiter(search.branched | search.root_candidates | search.dive_candidates, dtype=np.int64))
            start_int = np.intersect1d(start_int, np.flatnonzero(sf.integer)).astype(np.int32)
    else:
        incumbent, nodes, lp_seconds, branched, start_int = None, 0, 0.0, 0, None
    outcome = mip_path(h, sf, options, deadline, incumbent, links, start_int)
    outcome.nodes += nodes
    outcome.binaries = n_bin
    outcome.branched = branched
    outcome.lp_seconds = lp_seconds
    outcome.solve_seconds = time.perf_counter() - t_start
    outcome.var_map = sf.col_of
    return outcome


def mip_path(
    h: highspy.Highs,
    sf: StandardForm,
    options: SolveOptions,
    deadline: float,
    start: np.ndarray | None,
    links: tuple[np.ndarray, np.ndarray],
    start_int: np.ndarray | None = None,
) -> SolveOutcome:
    """HiGHS MILP on ``sf`` (integrality restored), optionally from a start solution.

    A linked variable the model declares continuous (its binary was proven unnecessary) is checked after the
    solve like every other link; where the completion fails (a tie the MILP resolved the other way) it is
    made integer and the MILP re-run.
    """
    int_cols = np.flatnonzero(sf.integer).astype(np.int32) if start_int is None else start_int
    outcome = SolveOutcome("failed")
    nodes = 0
    incumbent = start
    for rounds in range(12):
        outcome = mip_once(h, sf, deadline, start, int_cols)
        nodes += outcome.nodes
        if not outcome.ok or links[0].size == 0:
            break
        assert outcome.col_values is not None
        xc, bad = completion_outcome(sf, outcome.col_values, links, int_cols)
        if bad.size == 0:
            outcome.col_values = xc
            break
        if outcome.status != "optimal":  # out of time on a relaxation: its bound holds, its solution does not
            outcome = from_incumbent(sf, incumbent, outcome.bound, outcome.message)
            break
        int_cols = np.union1d(int_cols, bad).astype(np.int32)
        if start_int is not None and rounds >= LAZY_ROUNDS - 1:
            int_cols = np.union1d(int_cols, np.flatnonzero(sf.integer)).astype(np.int32)  # all, as declared
        start = None
    else:
        outcome = SolveOutcome("failed", message="completion still fails after 12 MILP rounds")
    outcome.nodes = nodes
    return outcome


def from_incumbent(sf: StandardForm, incumbent: np.ndarray | None, bound: float, message: str) -> SolveOutcome:
    """The LP search's incumbent (feasible for the full model) with a proven ``bound``; failed without one."""
    if incumbent is None:
        return SolveOutcome("failed", message=message)
    obj = float(sf.cost @ incumbent + sf.offset)
    bound = min(bound, obj) if np.isfinite(bound) else bound
    return SolveOutcome("time_limit", obj, bound, rel_gap(obj, bound), "mip", message, col_values=incumbent)


def completion_outcome(
    sf: StandardForm, x: np.ndarray, links: tuple[np.ndarray, np.ndarray], int_cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` with every linked continuous binary set from its indicator, and the linked columns in violated
    rows (empty when the completion holds)."""
    bcols, icols = links
    free = ~np.isin(bcols, int_cols)  # linked columns left continuous in this solve
    ind = np.where(icols >= 0, x[np.maximum(icols, 0)], 0.0)
    xc = x.copy()
    xc[bcols[free]] = (ind[free] > INDICATOR_TOL_KW).astype(float)
    act = sf.row_activity(xc)
    viol = np.maximum(sf.row_lower - act, act - sf.row_upper) > ROW_TOL
    if not viol.any():
        return xc, np.zeros(0, dtype=np.int32)
    row_of_nz = np.repeat(np.arange(sf.num_rows), np.diff(sf.a_start))
    cols = np.unique(sf.a_index[viol[row_of_nz]])
    return xc, np.intersect1d(cols, bcols[free]).astype(np.int32)


def mip_once(
    h: highspy.Highs, sf: StandardForm, deadline: float, start: np.ndarray | None, int_cols: np.ndarray
) -> SolveOutcome:
    kint = highspy.HighsVarType.kInteger
    if int_cols.size:
        h.changeColsIntegrality(int_cols.size, int_cols, np.full(int_cols.size, kint))
    for key, value in MIP_OPTIONS.items():
        h.setOptionValue(key, value)
    if MIP_OPTIONS and sf.num_rows < PRESOLVE_OFF_BELOW_ROWS:
        h.setOptionValue("presolve", "off")
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)
    try:
        status = run_highs(h, deadline - time.perf_counter())
        info = h.getInfo()
        message = h.modelStatusToString(status)
        if info.primal_solution_status != 2:
            return SolveOutcome("failed", message=message)
        obj = info.objective_function_value
        if int_cols.size:
            bound, nodes = info.mip_dual_bound, int(info.mip_node_count)
        else:
            bound, nodes = obj, 0
        gap = rel_gap(obj, bound)
        state = "optimal" if status == KOPT else "time_limit" if status == KTIME else "failed"
        x = np.asarray(h.getSolution().col_value)
        return SolveOutcome(
            state, obj, bound, gap, "mip" if int_cols.size else "lp", message, nodes,
            col_values=x if state != "failed" else None,
        )
    finally:
        h.setOptionValue("presolve", "choose")
        h.setOptionValue("mip_heuristic_run_rins", True)
        h.setOptionValue("mip_heuristic_run_rens", True)
        if int_cols.size:
            kcon = highspy.HighsVarType.kContinuous
            h.changeColsIntegrality(int_cols.size, int_cols, np.full(int_cols.size, kcon))
