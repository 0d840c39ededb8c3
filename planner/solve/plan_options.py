"""``PlanOptions``: everything besides the scenario that shapes a plan (build and solve), in one checked
object taken by :func:`planner.plan`, ``PlanSession``, the shape cache, batch, simulate and compare."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from planner.errors import Issue, ScenarioError
from planner.model.components.base import BuildOptions
from planner.solve.options import SolveOptions

DISPATCHES = ("setpoint", "fractional")

ABS_GAP_PER_DAY = 0.01
"""Default absolute gap per day of horizon [currency]: a penny (cent) a day. A plan proven within it of the
best possible is accepted: it is below what a meter bills (whole pence) and two to three orders of magnitude
below the day-to-day error of a load or PV forecast, while it is what a proof on the hard tariffs can reach
in about a second (the relative gap of 1e-4 alone asks for 0.02 p over 48 h there; docs/performance.md)."""


@dataclass(frozen=True)
class PlanOptions:
    """Plan options (build and solve).

    Parameters
    ----------
    time_limit_s : float
        Time budget for building and solving one plan [s] (> 0). Out of time with a feasible solution, the
        plan has status ``time_limit``; without one, the fail-safe plan.
    mip_rel_gap : float
        Relative optimality gap at which the MILP stops, in [0, 1).
    mip_abs_gap : float or None
        Absolute gap [currency, >= 0] at which it stops as well: a plan proven within it of the best possible
        is accepted however small the relative gap is. None (the default): :data:`ABS_GAP_PER_DAY` per day of
        the horizon (0.02 for 48 h); 0: the relative gap alone.
    threads, random_seed : int
        HiGHS threads (>= 1) and seed (>= 0); the defaults make runs deterministic.
    dispatch : str
        ``"setpoint"`` (one power per asset and step, the default) or ``"fractional"`` (the LP relaxation,
        exact for a controller that can switch modes within a step).
    lp_first : bool
        Try the LP relaxation and its integral completion before branch and bound.

    Raises
    ------
    ScenarioError
        Listing every invalid option (field, value, what was expected).
    """

    time_limit_s: float = 10.0
    mip_rel_gap: float = 1e-4
    threads: int = 1
    random_seed: int = 0
    dispatch: str = "setpoint"
    lp_first: bool = True
    mip_abs_gap: float | None = None

    def __post_init__(self) -> None:
        issues = []

        def number(value: object) -> bool:
            return not isinstance(value, bool) and isinstance(value, int | float) and not math.isnan(value)

        if not number(self.time_limit_s) or not self.time_limit_s > 0:
            issues.append(Issue("time_limit_s", self.time_limit_s, "a number of seconds > 0"))
        if not number(self.mip_rel_gap) or not 0 <= self.mip_rel_gap < 1:
            issues.append(Issue("mip_rel_gap", self.mip_rel_gap, "a relative gap in [0, 1)"))
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1:
            issues.append(Issue("threads", self.threads, "a whole number >= 1"))
        if isinstance(self.random_seed, bool) or not isinstance(self.random_seed, int) or self.random_seed < 0:
            issues.append(Issue("random_seed", self.random_seed, "a whole number >= 0"))
        if self.dispatch not in DISPATCHES:
            issues.append(Issue("dispatch", self.dispatch, "'setpoint' or 'fractional'"))
        if self.mip_abs_gap is not None and (not number(self.mip_abs_gap) or not 0 <= self.mip_abs_gap < math.inf):
            issues.append(Issue("mip_abs_gap", self.mip_abs_gap, "an absolute gap >= 0 [currency]"))
        if not isinstance(self.lp_first, bool):
            issues.append(Issue("lp_first", self.lp_first, "true or false"))
        if issues:
            raise ScenarioError(issues)

    @classmethod
    def of(cls, options: PlanOptions | None = None, **overrides: Any) -> PlanOptions:
        """``options`` (default: the defaults) with every override that is not None applied."""
        if options is not None and not isinstance(options, PlanOptions):
            raise TypeError(f"options: {options!r} - expected a PlanOptions (or None)")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown plan options {unknown}; known: {sorted(known)}")
        base = options if options is not None else cls()
        changes = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **changes) if changes else base

    def abs_gap_for(self, horizon_hours: float) -> float:
        """The absolute gap of a plan over ``horizon_hours`` [currency]: ``mip_abs_gap``, or by default
        :data:`ABS_GAP_PER_DAY` per day of the horizon."""
        if self.mip_abs_gap is not None:
            return float(self.mip_abs_gap)
        return ABS_GAP_PER_DAY * max(0.0, float(horizon_hours)) / 24.0

    def solve_options(self, horizon_hours: float = 24.0) -> SolveOptions:
        """The HiGHS-side options for a plan over ``horizon_hours`` [h] (which sets the default absolute gap)."""
        return SolveOptions(time_limit_s=self.time_limit_s, mip_rel_gap=self.mip_rel_gap, threads=self.threads,
                            random_seed=self.random_seed, lp_first=self.lp_first,
                            mip_abs_gap=self.abs_gap_for(horizon_hours))

    def build_options(self, binaries: str = "needed") -> BuildOptions:
        """The model-side options (``binaries="all"`` for a persistent model, whose shape must not depend on
        prices)."""
        return BuildOptions(dispatch=self.dispatch, binaries=binaries)
