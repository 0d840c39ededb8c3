"""Session goals, reserve windows and a bounded time at high SoC: soft targets on a storage asset's SoC.

Read from the asset's :class:`~planner.model.components.base.StoragePort` (SoC on boundaries); where the
rules of :mod:`planner.domain.targets` place them::

    soc_kwh[s, k_g] + goal_shortfall_kwh[g] >= goal_kwh[g]             each goal g of session s (vehicle)
    reserve_shortfall_kwh[r] >= reserve_kwh[r] - soc_kwh[k]            each boundary k of window r (battery)
    soc_kwh[k] <= above_kwh + (soc_upper_kwh - above_kwh) * is_above[k]  each boundary after a start, binary
    excess_hours >= step_hours * sum_k is_above[k] - max_hours

costs: the asset's shortfall penalty per kWh of each goal's shortfall and of each window's largest deficit
(``shortfall_penalty``), and ``penalty_per_hour * excess_hours`` (``high_soc_penalty``). A boundary's SoC
stands for the step it ends, so a step counts as "above" when the SoC at its end is. ``is_above`` is binary in
both dispatch modes (it is a count of steps, not a mode fraction). It exists only at boundaries the SoC can
reach above ``above_kwh`` (from its start at full charging power), and not at all when those boundaries
cannot add up to more than ``max_hours``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.domain.names import targets_block_name
from planner.domain.sessions import kept_windows, shortfall_penalty_per_kwh
from planner.domain.targets import goal_boundary, reserve_boundaries
from planner.model.components.base import Contribution, StoragePort


def _segments(scenario, port: StoragePort) -> list[tuple[int, int, int, float, tuple]]:
    """(segment, first boundary, last boundary, start SoC [kWh], goals) of each SoC segment of ``port``."""
    spec = port.spec
    if port.kind == "battery":
        return [(0, 0, scenario.steps, float(spec.soc_kwh), ())]
    out = []
    for seg, (j, w) in enumerate(kept_windows(scenario.grid, spec.sessions)):
        out.append((seg, w.first_boundary, w.last_boundary, float(w.start_soc_kwh), spec.sessions[j].goals))
    return out


def add_targets(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution | None:
    """Add block ``targets_<kind>_<name>`` for ``port`` when its asset has goals, reserves or a high-SoC
    limit (module docstring); else None."""
    spec = port.spec
    reserves = getattr(spec, "reserves", ())
    limit = getattr(spec, "high_soc", None)
    segments = _segments(scenario, port)
    goals = [(seg, gi, k, g.soc_kwh) for seg, first, last, _, gs in segments if last > first
             for gi, g in enumerate(gs) if (k := goal_boundary(scenario.grid, first, last, g.by)) is not None]
    windows = [(r, ks) for r in reserves if (ks := reserve_boundaries(scenario.grid, r.start, r.end))]
    if not goals and not windows and limit is None:
        return None
    name = targets_block_name(port.kind, port.name)
    b = pyo.Block()
    m.add_component(name, b)
    c = Contribution(name, asset=port.name)
    if port.kind == "vehicle":
        penalty = shortfall_penalty_per_kwh(spec, scenario.shortfall_penalty_per_kwh)
    else:
        penalty = scenario.shortfall_penalty_per_kwh
    terms = []
    if goals:
        b.goal_shortfall_kwh = pyo.Var(range(len(goals)), domain=pyo.NonNegativeReals)
        b.goal_met = pyo.Constraint(range(len(goals)), rule=lambda b, i: port.soc_kwh[goals[i][0], goals[i][2]]
                                    + b.goal_shortfall_kwh[i] >= goals[i][3])
        terms.append(penalty * sum(b.goal_shortfall_kwh[i] for i in range(len(goals))))
    if windows:
        rows = [(i, k) for i, (_, ks) in enumerate(windows) for k in ks]
        b.reserve_shortfall_kwh = pyo.Var(range(len(windows)), domain=pyo.NonNegativeReals)
        b.reserve_held = pyo.Constraint(rows, rule=lambda b, i, k: b.reserve_shortfall_kwh[i]
                                        >= windows[i][0].soc_min_kwh - port.soc_kwh[0, k])
        terms.append(penalty * sum(b.reserve_shortfall_kwh[i] for i in range(len(windows))))
    if terms:
        c.costs["shortfall_penalty"] = sum(terms)
    if limit is not None:
        upper = {seg: max(spec.soc_max_kwh, start) for seg, _, _, start, _ in segments}
        keys = [(seg, k) for seg, first, last, start, _ in segments for k in range(first + 1, last + 1)
                if min(upper[seg], start + spec.eta_charge * spec.charge_max_kw * scenario.step_hours * (k - first))
                > limit.above_kwh]  # boundaries the SoC can reach above the threshold at all
        if keys and len(keys) * scenario.step_hours > limit.max_hours:  # else the limit can never bind
            b.is_above = pyo.Var(keys, domain=pyo.Binary)
            b.above_only_when_counted = pyo.Constraint(keys, rule=lambda b, s, k: port.soc_kwh[s, k]
                                                       <= limit.above_kwh + (upper[s] - limit.above_kwh) * b.is_above[s, k])
            b.excess_hours = pyo.Var(domain=pyo.NonNegativeReals)
            b.hours_within_limit = pyo.Constraint(expr=b.excess_hours >= scenario.step_hours
                                                  * sum(b.is_above[i] for i in keys) - limit.max_hours)
            c.costs["high_soc_penalty"] = limit.penalty_per_hour * b.excess_hours
    return c
