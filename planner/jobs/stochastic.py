"""A two-stage stochastic plan: one commitment for the first steps, good across the ways the day can turn out.

Each variant is a scenario on the same grid with the same assets, differing in load, solar, prices or
sessions (arrival SoC, departure times). The model holds one copy of the site model per variant and
minimises the expected cost ``sum_k w_k x cost_k``. For every step ``t < commit_steps`` (the setpoints a
controller executes before it plans again) the non-anticipativity rows make the decisions equal in every
variant: each battery's charge and discharge [kW] and each vehicle's total charge and discharge [kW]. The
grid exchange is what the site's real load and solar leave over, so it differs per variant, as it would in
the home. Later steps may differ per variant. Departure targets stay soft in every variant,
with the shortfall penalty, and each variant's plan reports its own shortfalls and passes
:func:`planner.verify`.

With ``cvar_weight`` = ``lambda > 0`` the objective is ``E[cost] + lambda x CVaR_alpha(cost)`` at
``cvar_level`` = ``alpha``: the expected cost of the worst ``1 - alpha`` of the probability mass, in the
linear form of Rockafellar and Uryasev (2000)::

    CVaR = eta + 1 / (1 - alpha) * sum_k w_k * excess_k,    excess_k >= cost_k - eta,    excess_k >= 0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.domain.names import asset_block_name
from planner.errors import Issue, ScenarioError
from planner.inputs.specs import Scenario
from planner.model.build import BuiltModel, build_model
from planner.results.plan import Plan
from planner.solve.milp import solve_model
from planner.solve.plan_options import PlanOptions
from planner.solve.readback import plan_from_solution
from planner.verify import verify


@dataclass
class StochasticPlan:
    """The outcome of :func:`plan_stochastic`.

    Attributes
    ----------
    committed : pandas.DataFrame
        The setpoints of the first ``commit_steps`` steps, equal in every variant: each storage asset's
        charge and discharge [kW].
    plans : list of Plan
        One verified plan per variant, in the variants' order.
    weights : numpy.ndarray
        The variants' probabilities (normalised to sum to 1).
    expected_cost : float
        ``sum_k w_k x plans[k].costs["total"]`` [currency].
    status : str
        ``optimal`` or ``time_limit`` (the joint model's status).
    """

    committed: pd.DataFrame
    plans: list[Plan]
    weights: np.ndarray
    expected_cost: float
    status: str
    solver: dict[str, float | str] = field(default_factory=dict)
    cvar_level: float = 0.9
    """The level ``alpha`` of :attr:`cvar`."""

    @property
    def cvar(self) -> float:
        """CVaR of the variants' total costs at :attr:`cvar_level` [currency]: the expected cost of the worst
        ``1 - alpha`` of the probability mass (computed from the plans, whatever the objective was)."""
        return cvar_of(np.array([p.costs["total"] for p in self.plans]), self.weights, self.cvar_level)

    @property
    def cost_spread(self) -> dict[str, float]:
        """Lowest, highest and weighted standard deviation of the variants' total costs [currency]."""
        costs = np.array([p.costs["total"] for p in self.plans])
        std = float(np.sqrt(np.dot(self.weights, (costs - self.expected_cost) ** 2)))
        return {"min": float(costs.min()), "max": float(costs.max()), "std": std}


def cvar_of(costs: np.ndarray, weights: np.ndarray, level: float) -> float:
    """CVaR at ``level`` of a discrete cost distribution: the mean of the worst ``1 - level`` of the mass."""
    order = np.argsort(-np.asarray(costs, dtype=float))
    tail = 1.0 - level
    taken, total = 0.0, 0.0
    for k in order:
        share = min(float(weights[k]), tail - taken)
        if share <= 0:
            break
        total += share * float(costs[k])
        taken += share
    return total / tail


def _check(first: Scenario, variants: Sequence[Scenario], weights: Sequence[float] | None,
           commit_steps: int) -> np.ndarray:
    """Normalised weights; raise one ScenarioError naming every bad variant, weight or commit length."""
    issues = []
    for k, v in enumerate(variants):
        if (v.grid.start, v.grid.steps, v.grid.step_minutes) != (first.grid.start, first.grid.steps,
                                                                  first.grid.step_minutes):
            issues.append(Issue(f"variants[{k}].horizon", str(v.grid), f"the base's horizon {first.grid}"))
        for kind in ("batteries", "vehicles"):
            names, base_names = [a.name for a in getattr(v, kind)], [a.name for a in getattr(first, kind)]
            if names != base_names:
                issues.append(Issue(f"variants[{k}].{kind}", names, f"the base's {kind} {base_names}"))
    if isinstance(commit_steps, bool) or not isinstance(commit_steps, int) or not 1 <= commit_steps <= first.steps:
        issues.append(Issue("commit_steps", commit_steps, f"a whole number of steps in 1..{first.steps}"))
    w = np.full(len(variants), 1.0 / len(variants)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(variants),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        issues.append(Issue("weights", [float(x) for x in np.atleast_1d(w)], f"{len(variants)} probabilities >= 0, not all 0"))
    if issues:
        raise ScenarioError(issues)
    return w / w.sum()


def _decisions(built: BuiltModel, steps: int) -> list[list[object]]:
    """The committed setpoints of steps ``0 .. steps - 1`` of one variant's model (expressions, in a fixed
    order per step): each battery's charge and discharge, each vehicle's total charge and discharge."""
    m, sc = built.model, built.scenario
    out: list[list[object]] = [[] for _ in range(steps)]
    for b in sc.batteries:
        block = getattr(m, asset_block_name("battery", b.name))
        for t in range(steps):
            out[t] += [block.charge_kw[t], block.discharge_kw[t]]
    for v in sc.vehicles:
        block = getattr(m, asset_block_name("vehicle", v.name))
        for var in (block.charge_kw, block.discharge_kw):
            by_step: list[list[object]] = [[] for _ in range(steps)]
            for i in var:  # one pass over the vehicle's variables, grouped by step
                if i[1] < steps:
                    by_step[i[1]].append(var[i])
            for t in range(steps):
                out[t].append(sum(by_step[t], start=0.0))
    return out


def plan_stochastic(
    base: Scenario,
    variants: Sequence[Scenario],
    weights: Sequence[float] | None = None,
    commit_steps: int | None = None,
    options: PlanOptions | None = None,
    cvar_weight: float = 0.0,
    cvar_level: float = 0.9,
) -> StochasticPlan:
    """Plan one commitment for the first ``commit_steps`` steps (default 1: until the next plan) that
    minimises the expected cost over ``variants`` (see the module docstring), each weighted by ``weights``
    (default: equally), plus ``cvar_weight`` times the CVaR of the cost at ``cvar_level``; ``base`` fixes the
    horizon and the assets every variant shares.

    Raises
    ------
    ScenarioError
        When a variant's horizon or assets differ from ``base``'s, or ``weights``/``commit_steps`` are invalid.
    PlannerError
        When the joint model has no solution within the time limit (there is no fail-safe stochastic plan).
    """
    from planner.errors import SolverError

    commit_steps = 1 if commit_steps is None else commit_steps
    outcomes = list(variants) or [base]
    w = _check(base, outcomes, weights, commit_steps)
    bad = []
    if isinstance(cvar_weight, bool) or not isinstance(cvar_weight, int | float) or not 0 <= cvar_weight < math.inf:
        bad.append(Issue("cvar_weight", cvar_weight, "a number >= 0 (0: expected cost only)"))
    if isinstance(cvar_level, bool) or not isinstance(cvar_level, int | float) or not 0 < cvar_level < 1:
        bad.append(Issue("cvar_level", cvar_level, "a probability level in (0, 1), e.g. 0.9"))
    if bad:
        raise ScenarioError(bad)
    opts = PlanOptions.of(options)
    build_options = opts.build_options(binaries="all")  # the same structure in every variant
    parts = [build_model(sc, build_options) for sc in outcomes]
    joint = pyo.ConcreteModel(name=f"{base.name}-stochastic")
    for k, part in enumerate(parts):
        part.model.objective.deactivate()
        joint.add_component(f"variant_{k}", part.model)
    expected = sum(float(wk) * part.model.objective.expr for wk, part in zip(w, parts, strict=True))
    if cvar_weight > 0:
        joint.cvar_threshold = pyo.Var(domain=pyo.Reals)
        joint.cvar_excess = pyo.Var(range(len(parts)), domain=pyo.NonNegativeReals)
        joint.cvar_excess_above_threshold = pyo.Constraint(
            range(len(parts)), rule=lambda j, k: j.cvar_excess[k] >= parts[k].model.objective.expr - j.cvar_threshold)
        cvar = joint.cvar_threshold + sum(float(wk) * joint.cvar_excess[k] for k, wk in enumerate(w)) / (1 - cvar_level)
        expected = expected + float(cvar_weight) * cvar
    joint.objective = pyo.Objective(expr=expected, sense=pyo.minimize)
    decisions = [_decisions(part, commit_steps) for part in parts]
    pairs = [(k, t, i) for k in range(1, len(parts)) for t in range(commit_steps)
             for i in range(len(decisions[0][t]))]

    def same_decision(_: object, j: int) -> object:
        k, t, i = pairs[j]
        mine, theirs = decisions[k][t][i], decisions[0][t][i]
        if isinstance(mine, float) and isinstance(theirs, float):  # unplugged in both: nothing to tie
            return pyo.Constraint.Skip
        return mine == theirs

    joint.nonanticipativity = pyo.Constraint(range(len(pairs)), rule=same_decision)
    contributions = [c for part in parts for c in part.contributions]
    built = BuiltModel(joint, base, build_options, contributions, sum(p.build_seconds for p in parts))
    outcome = solve_model(built, opts.solve_options(base.steps * base.step_hours))
    if not outcome.ok:
        raise SolverError(f"stochastic plan: no solution ({outcome.message})")
    plans = []
    for sc, part in zip(outcomes, parts, strict=True):
        plan = plan_from_solution(part, outcome)
        plan.status = outcome.status
        verify(sc, plan, dispatch=opts.dispatch)
        plans.append(plan)
    schedule = plans[0].schedule.iloc[:commit_steps]
    columns = [f"{a.name}_{d}_kw" for a in (*base.batteries, *base.vehicles) for d in ("charge", "discharge")]
    expected = float(np.dot(w, [p.costs["total"] for p in plans]))
    solver = {"method": outcome.method, "objective": outcome.objective, "bound": outcome.bound, "gap": outcome.gap}
    return StochasticPlan(schedule[columns].copy(), plans, w, expected, outcome.status, solver, float(cvar_level))
