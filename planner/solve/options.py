"""Solve options, outcome and the tuning constants of the solve strategy (each measured: docs/performance.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
"""LPs of the root dive (:meth:`LinkedSearch._dive`); 0 switches it off."""

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



@dataclass(frozen=True)
class SolveOptions:
    """Solver settings.

    Parameters
    ----------
    time_limit_s : float
        Wall-clock limit for the solve [s].
    mip_rel_gap : float
        Relative optimality gap at which a MILP solution is accepted (dimensionless).
    mip_abs_gap : float
        Absolute gap [currency] at which a solution is accepted as well (0: the relative gap alone).
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
    mip_abs_gap: float = 0.0

    def gap_closed(self, objective: float, bound: float) -> bool:
        """Whether ``objective`` is proven within the relative or the absolute gap of ``bound``."""
        return rel_gap(objective, bound) <= self.mip_rel_gap or objective - bound <= self.mip_abs_gap


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
