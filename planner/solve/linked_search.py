"""LP branch and bound over the linked binaries: steps 1-3 of :mod:`planner.solve.milp`."""

from __future__ import annotations

import heapq
import time

import highspy
import numpy as np

from planner.model.standard_form import StandardForm
from planner.solve.highs import KINFEAS, KOPT, KTIME, run_highs
from planner.solve.options import (
    DIVE_LPS,
    DIVE_VALUES,
    INDICATOR_TOL_KW,
    MAX_NODES,
    MAX_ROOT_BRANCH_CANDIDATES,
    ROOT_BASIS_AT_NODES,
    ROOT_HEURISTIC,
    ROW_TOL,
    SolveOptions,
    SolveOutcome,
    rel_gap,
)


class LinkedSearch:
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
        if status == KOPT:
            return "ok", self.h.getInfo().objective_function_value, np.asarray(self.h.getSolution().col_value)
        if status == KINFEAS:
            return "infeasible", np.inf, None
        if status == KTIME:
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
        return self.options.gap_closed(self.incumbent_obj, bound)

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
            if self.options.gap_closed(obj, root_bound):
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
                if self.options.gap_closed(self._objective(xc), obj):
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
