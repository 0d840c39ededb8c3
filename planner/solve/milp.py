"""The only module that talks to HiGHS.

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

import heapq
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from planner.model.build import BuiltModel
from planner.model.standard_form import StandardForm, compile_model

INDICATOR_TOL_KW = 1e-7
"""An indicator variable above this [kW] sets its binary to 1."""

ROW_TOL = 1e-6
"""Absolute tolerance [row units] when re-checking rows with completed binaries."""

MAX_NODES = 40
"""Nodes of the LP branch and bound before the search hands over to the HiGHS MILP."""

MAX_ROOT_BRANCH_CANDIDATES = 8
"""When more binaries than this sit in rows the root completion violates, go to the HiGHS MILP at once."""

MIP_OPTIONS: dict[str, Any] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}
"""HiGHS options for the MILP path, chosen by measurement (docs/performance.md)."""

PRESOLVE_OFF_BELOW_ROWS = 1500
"""The MILP path switches HiGHS presolve off for models with fewer rows than this (measured: 2-3x faster at
96 steps, 1.7x slower at 576 steps; docs/performance.md)."""

ROOT_BASIS_AT_NODES = True
"""Start every node LP from the root relaxation's basis (a node differs from the root in a few bounds)."""

ROOT_HEURISTIC = True
"""When the search is about to hand over to the MILP, fix every binary to the root completion and re-solve for
an incumbent (closes the gap at once on the 20-van depot; on the homes it cost 140-200 simplex iterations and
never closed a gap, so it is not run before the LP branch and bound)."""

DIVE_LPS = 6
DIVE_VALUES = (1.0, 0.0)
"""LPs of the root dive (:meth:`_LinkedSearch._dive`); 0 switches it off."""

LAZY_MAX_CANDIDATES = 64
"""Lazy integrality only when the root completion fails on at most this many binaries (measured: with 149-672
disputed binaries, on the negative-price and time-of-use homes at 5 minutes and 7 days, the relaxed MILP ran
out of time with a solution whose completion failed: no plan)."""

LAZY_ROUNDS = 3
"""Lazy MILP rounds before every declared binary is made integer."""

LAZY_MIP_FROM_ROWS = 1500
"""From this many rows on, the HiGHS MILP starts with integrality only on binaries the LP search met in
violated rows; any whose completion fails is added and the MILP re-run (each MILP is a relaxation of the
full one, so a solution whose completion holds is optimal for it). Measured: 48 h x 5 min 1.7 -> 0.75 s
(no V2G), slower on the 96-step negative-price and time-of-use homes (docs/performance.md)."""

_KOPT = highspy.HighsModelStatus.kOptimal
_KINFEAS = highspy.HighsModelStatus.kInfeasible
_KTIME = highspy.HighsModelStatus.kTimeLimit


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
        Solve the LP relaxation first and branch only where its integral completion fails (module
        docstring); ``False`` hands the MILP to HiGHS directly.
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
        ``lp`` (no binaries), ``lp_completion`` (the relaxation's completion held at the root),
        ``lp_branching`` (the LP branch and bound closed the gap), ``lp_dive`` (the root dive's incumbent is
        within the gap of the root bound) or ``mip`` (HiGHS MILP).
    message : str
        HiGHS model status text.
    nodes : int
        Branch-and-bound nodes (LP nodes of the own search, plus HiGHS nodes when it was used).
    binaries : int
        Binary columns of the model.
    branched : int
        Distinct binaries the search branched on (those that can change the optimum in this instance).
    handover_seconds, solve_seconds, lp_seconds : float
        Compile + pass to HiGHS, everything after that, and the root LP relaxation alone [s].
    """

    status: str
    objective: float = float("nan")
    bound: float = float("nan")
    gap: float = float("nan")
    method: str = ""
    message: str = ""
    nodes: int = 0
    binaries: int = 0
    branched: int = 0
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


def rel_gap(objective: float, bound: float) -> float:
    """``max(0, objective - bound) / max(|objective|, 1e-9)``; ``inf`` when either is not finite."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def run_highs(h: highspy.Highs, time_limit_s: float) -> highspy.HighsModelStatus:
    """Run HiGHS once on the model it holds, with a time limit [s]; return its model status.

    Every HiGHS run of the planner goes through this function.
    """
    h.setOptionValue("time_limit", max(float(time_limit_s), 1e-3))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kNotset:
        # HiGHS refuses to run when this thread's task scheduler was started with another thread count (by
        # other HiGHS code in the process, e.g. a Pyomo solver with default options): restart it once
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
    return h.getModelStatus()


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A new HiGHS instance; the first one in a process is created with standard output silenced.

    HiGHS writes its copyright banner to file descriptor 1 when the first instance is constructed, before
    any option can turn output off; a planner's output (and a CSV written to stdout) must not carry it.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _BANNER_SHOWN = True
    return h


def highs_from_form(sf: StandardForm, options: SolveOptions, integer: np.ndarray | None = None) -> highspy.Highs:
    """A silent HiGHS instance holding ``sf`` (``integer`` overrides which columns are integer)."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.random_seed))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    lp = highspy.HighsLp()
    lp.num_col_ = sf.num_cols
    lp.num_row_ = sf.num_rows
    lp.col_cost_ = sf.cost
    lp.col_lower_ = sf.col_lower
    lp.col_upper_ = sf.col_upper
    lp.row_lower_ = sf.row_lower
    lp.row_upper_ = sf.row_upper
    lp.offset_ = sf.offset
    mat = lp.a_matrix_
    mat.format_ = highspy.MatrixFormat.kRowwise
    mat.num_col_ = sf.num_cols
    mat.num_row_ = sf.num_rows
    mat.start_ = sf.a_start
    mat.index_ = sf.a_index
    mat.value_ = sf.a_value
    integer = sf.integer if integer is None else integer
    if integer.any():
        kint, kcon = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        lp.integrality_ = [kint if flag else kcon for flag in integer]
    h.passModel(lp)
    return h


def solve_model(built: BuiltModel, options: SolveOptions | None = None) -> SolveOutcome:
    """Compile ``built``, hand it to HiGHS and solve it (see the module docstring)."""
    options = options or SolveOptions()
    t0 = time.perf_counter()
    sf = compile_model(built.model)
    links = link_columns(built, sf)
    h = highs_from_form(sf, options, np.zeros(sf.num_cols, dtype=bool) if options.lp_first else None)
    handover = time.perf_counter() - t0
    outcome = solve_form(h, sf, links, options)
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
) -> SolveOutcome:
    """Solve the model held by ``h`` (built from ``sf``) with the strategy of the module docstring.

    With ``options.lp_first`` the instance must hold the model with every column continuous; it is left so
    (bounds restored) when the function returns, which lets :mod:`planner.solve.persistent` re-solve it.
    """
    t_start = time.perf_counter()
    deadline = t_start + options.time_limit_s
    n_bin = int(np.count_nonzero(sf.integer))
    bcols, icols = links
    linked_all = n_bin == 0 or bool(np.isin(np.flatnonzero(sf.integer), bcols).all())
    if options.lp_first and linked_all:
        search = _LinkedSearch(h, sf, bcols, icols, options, deadline)
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
    outcome = _mip(h, sf, options, deadline, incumbent, links, start_int)
    outcome.nodes += nodes
    outcome.binaries = n_bin
    outcome.branched = branched
    outcome.lp_seconds = lp_seconds
    outcome.solve_seconds = time.perf_counter() - t_start
    outcome.var_map = sf.col_of
    return outcome


def _mip(
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
        outcome = _mip_once(h, sf, deadline, start, int_cols)
        nodes += outcome.nodes
        if not outcome.ok or links[0].size == 0:
            break
        assert outcome.col_values is not None
        xc, bad = _completion(sf, outcome.col_values, links, int_cols)
        if bad.size == 0:
            outcome.col_values = xc
            break
        if outcome.status != "optimal":  # out of time on a relaxation: its bound holds, its solution does not
            outcome = _from_incumbent(sf, incumbent, outcome.bound, outcome.message)
            break
        int_cols = np.union1d(int_cols, bad).astype(np.int32)
        if start_int is not None and rounds >= LAZY_ROUNDS - 1:
            int_cols = np.union1d(int_cols, np.flatnonzero(sf.integer)).astype(np.int32)  # all, as declared
        start = None
    else:
        outcome = SolveOutcome("failed", message="completion still fails after 12 MILP rounds")
    outcome.nodes = nodes
    return outcome


def _from_incumbent(sf: StandardForm, incumbent: np.ndarray | None, bound: float, message: str) -> SolveOutcome:
    """The LP search's incumbent (feasible for the full model) with a proven ``bound``; failed without one."""
    if incumbent is None:
        return SolveOutcome("failed", message=message)
    obj = float(sf.cost @ incumbent + sf.offset)
    bound = min(bound, obj) if np.isfinite(bound) else bound
    return SolveOutcome("time_limit", obj, bound, rel_gap(obj, bound), "mip", message, col_values=incumbent)


def _completion(
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


def _mip_once(
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
        state = "optimal" if status == _KOPT else "time_limit" if status == _KTIME else "failed"
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


class _LinkedSearch:
    """LP branch and bound over the linked binaries (steps 1-3 of the module docstring)."""

    def __init__(
        self,
        h: highspy.Highs,
        sf: StandardForm,
        bcols: np.ndarray,
        icols: np.ndarray,
        options: SolveOptions,
        deadline: float,
    ) -> None:
        self.h = h
        self.sf = sf
        self.bcols = bcols
        self.icols = icols
        self.options = options
        self.deadline = deadline
        self.lower = sf.col_lower[bcols].copy()
        self.upper = sf.col_upper[bcols].copy()
        self.pos = {int(c): k for k, c in enumerate(bcols)}
        # rows that hold a linked binary, and the row of each nonzero
        self.row_of_nz = np.repeat(np.arange(sf.num_rows), np.diff(sf.a_start))
        self.is_bin = np.zeros(sf.num_cols, dtype=bool)
        self.is_bin[bcols] = True
        self.incumbent: np.ndarray | None = None
        self.incumbent_obj = np.inf
        self.nodes = 0
        self.lp_seconds = 0.0
        self.branched: set[int] = set()
        self.fixed_now: dict[int, float] = {}
        self.root_candidates: set[int] = set()
        self.dive_candidates: set[int] = set()  # binaries met in violated rows during the dive

    # -- LP nodes -------------------------------------------------------------------------------------
    def _apply(self, fixed: dict[int, float]) -> None:
        lo = self.lower.copy()
        up = self.upper.copy()
        for col, val in fixed.items():
            k = self.pos[col]
            lo[k] = up[k] = val
        self.h.changeColsBounds(self.bcols.size, self.bcols, lo, up)
        self.fixed_now = fixed

    def restore(self) -> None:
        """Give every binary its model bounds back."""
        if self.bcols.size:
            self.h.changeColsBounds(self.bcols.size, self.bcols, self.lower, self.upper)

    def _solve_lp(self) -> tuple[str, float, np.ndarray | None]:
        status = run_highs(self.h, self.deadline - time.perf_counter())
        if status == _KOPT:
            return "ok", self.h.getInfo().objective_function_value, np.asarray(self.h.getSolution().col_value)
        if status == _KINFEAS:
            return "infeasible", np.inf, None
        if status == _KTIME:
            return "time", np.inf, None
        return "other", np.inf, None

    def _complete(self, x: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
        """``x`` with every binary set from its indicator (fixed binaries keep their value)."""
        ind = np.where(self.icols >= 0, x[np.maximum(self.icols, 0)], 0.0)
        y = (ind > INDICATOR_TOL_KW).astype(float)
        for col, val in fixed.items():
            y[self.pos[col]] = val
        xc = x.copy()
        xc[self.bcols] = y
        return xc

    def _violation(self, xc: np.ndarray) -> np.ndarray:
        act = self.sf.row_activity(xc)
        return np.maximum(self.sf.row_lower - act, act - self.sf.row_upper)

    def _candidates(self, viol: np.ndarray, fixed: dict[int, float]) -> list[tuple[float, int]]:
        bad_rows = viol > ROW_TOL
        nz = bad_rows[self.row_of_nz] & self.is_bin[self.sf.a_index]
        return [(float(viol[r]), int(c)) for r, c in zip(self.row_of_nz[nz], self.sf.a_index[nz], strict=True)
                if int(c) not in fixed]

    def _branch_col(self, viol: np.ndarray, fixed: dict[int, float]) -> int | None:
        cand = self._candidates(viol, fixed)
        return max(cand)[1] if cand else None

    def _objective(self, x: np.ndarray) -> float:
        return float(self.sf.cost @ x + self.sf.offset)

    def _gap_closed(self, bound: float) -> bool:
        return rel_gap(self.incumbent_obj, bound) <= self.options.mip_rel_gap

    def _accept(self, xc: np.ndarray) -> None:
        obj = self._objective(xc)
        if obj < self.incumbent_obj:
            self.incumbent_obj = obj
            self.incumbent = xc

    # -- search ---------------------------------------------------------------------------------------
    def run(self) -> SolveOutcome | None:
        """The outcome, or ``None`` when the HiGHS MILP must take over."""
        t_lp = time.perf_counter()
        state, root_bound, x = self._solve_lp()
        self.lp_seconds = time.perf_counter() - t_lp
        self.nodes = 1
        self.root_basis = self.h.getBasis() if ROOT_BASIS_AT_NODES and state == "ok" else None
        if state == "infeasible":
            return SolveOutcome("failed", message="Infeasible", nodes=1, lp_seconds=self.lp_seconds)
        if state != "ok":
            return None
        assert x is not None
        if self.bcols.size == 0:
            return SolveOutcome("optimal", root_bound, root_bound, 0.0, "lp", "Optimal", 1, col_values=x,
                                lp_seconds=self.lp_seconds)
        xc = self._complete(x, {})
        viol = self._violation(xc)
        if viol.max(initial=0.0) <= ROW_TOL:
            obj = self._objective(xc)
            if rel_gap(obj, root_bound) <= self.options.mip_rel_gap:
                return SolveOutcome("optimal", obj, root_bound, rel_gap(obj, root_bound), "lp_completion",
                                    "Optimal", 1, col_values=xc, lp_seconds=self.lp_seconds)
        self.root_candidates = {c for _, c in self._candidates(viol, {})}
        if len(self.root_candidates) <= MAX_ROOT_BRANCH_CANDIDATES:
            return self._branch_and_bound(root_bound, x, viol)
        # many disputed binaries: look for an incumbent that closes the gap, else a start for the HiGHS MILP
        if ROOT_HEURISTIC:  # fix every binary to the completion and re-solve
            y = xc[self.bcols]
            self.h.changeColsBounds(self.bcols.size, self.bcols, y, y)
            state_h, _, xh = self._solve_lp()
            self.nodes += 1
            if state_h == "ok" and xh is not None and self._violation(xh).max(initial=0.0) <= ROW_TOL:
                self._accept(xh)
            if self.incumbent is not None and self._gap_closed(root_bound):
                self.restore()
                return self._outcome("lp_completion", root_bound)
        if DIVE_LPS > 0:
            self._dive(viol)
            if self.incumbent is not None and self._gap_closed(root_bound):
                self.restore()
                return self._outcome("lp_dive", root_bound)
        self.restore()
        return None

    def _dive(self, root_viol: np.ndarray) -> None:
        """Primal heuristic: for each value of :data:`DIVE_VALUES`, fix every binary met in a violated row to
        it and re-solve, until the completion holds (an incumbent) or :data:`DIVE_LPS` LPs are spent."""
        for value in DIVE_VALUES:
            fixed: dict[int, float] = {}
            viol = root_viol
            for _ in range(DIVE_LPS):
                cand = {c for _, c in self._candidates(viol, fixed)}
                if not cand:
                    break
                fixed.update(dict.fromkeys(cand, value))
                self.dive_candidates |= cand
                self._apply(fixed)
                if self.root_basis is not None:
                    self.h.setBasis(self.root_basis)
                state, _, xn = self._solve_lp()
                self.nodes += 1
                if state != "ok" or xn is None:
                    break
                xc = self._complete(xn, fixed)
                viol = self._violation(xc)
                if viol.max(initial=0.0) <= ROW_TOL:
                    self._accept(xc)
                    break

    def _branch_and_bound(self, root_bound: float, x: np.ndarray, root_viol: np.ndarray) -> SolveOutcome | None:
        counter = 0
        heap: list[tuple[float, int, int, dict[int, float]]] = []
        col = self._branch_col(root_viol, {})
        if col is None:
            return None
        self.branched.add(col)
        for val in (1.0, 0.0):
            counter += 1
            heapq.heappush(heap, (root_bound, -1, counter, {col: val}))
        while heap:
            best_open = heap[0][0]
            if self.incumbent is not None and self._gap_closed(best_open):
                break
            if self.nodes >= MAX_NODES or time.perf_counter() > self.deadline:
                self.restore()
                return None
            bound, negdepth, _, fixed = heapq.heappop(heap)
            if self.incumbent is not None and self._gap_closed(bound):
                continue
            self._apply(fixed)
            if self.root_basis is not None:
                self.h.setBasis(self.root_basis)
            state, obj, xn = self._solve_lp()
            self.nodes += 1
            if state == "infeasible":
                continue
            if state != "ok" or xn is None:
                self.restore()
                return None
            if self.incumbent is not None and self._gap_closed(obj):
                continue
            xc = self._complete(xn, fixed)
            viol = self._violation(xc)
            if viol.max(initial=0.0) <= ROW_TOL:
                self._accept(xc)
                if rel_gap(self._objective(xc), obj) <= self.options.mip_rel_gap:
                    continue
            col = self._branch_col(viol, fixed)
            if col is None:
                frac = [int(c) for c in self.bcols if int(c) not in fixed and 1e-9 < xn[c] < 1 - 1e-9]
                if not frac:
                    continue
                col = frac[0]
            self.branched.add(col)
            for val in (1.0, 0.0):
                counter += 1
                heapq.heappush(heap, (obj, negdepth - 1, counter, {**fixed, col: val}))
        self.restore()
        if self.incumbent is None:
            return SolveOutcome("failed", message="Infeasible", nodes=self.nodes, lp_seconds=self.lp_seconds)
        bound = min(heap[0][0], self.incumbent_obj) if heap else self.incumbent_obj
        return self._outcome("lp_branching", bound)

    def _outcome(self, method: str, bound: float) -> SolveOutcome:
        obj = self.incumbent_obj
        return SolveOutcome(
            "optimal", obj, bound, rel_gap(obj, bound), method, "Optimal", self.nodes,
            branched=len(self.branched), col_values=self.incumbent, lp_seconds=self.lp_seconds,
        )
