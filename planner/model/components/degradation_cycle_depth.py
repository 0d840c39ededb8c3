"""Cycle-depth wear (Xu et al. 2018): segmented state of charge with rising marginal cost per segment.

Reads a :class:`~planner.model.components.base.StoragePort` and adds block ``wear_<kind>_<name>``. The usable
capacity ``U`` is split into ``J`` segments of ``w = U / J`` kWh; segment ``j = 1`` is the shallowest.
Energy discharged from segment ``j`` costs ``c_j`` per kWh of AC discharge,
``c_j = (R * J / eta_discharge) * (Phi(j/J) - Phi((j-1)/J))``, with ``R`` the replacement cost per kWh of
usable capacity and ``Phi(d) = 1 / N(d)`` from the cycle-life curve
(:mod:`planner.domain.wear`). ``c_j`` rises with ``j`` (``Phi`` convex), so the cheapest
allocation charges into and discharges from the shallowest segments first; a cycle of depth ``d`` from full
costs ``R * U * Phi(d)``, two cycles of depth ``d/2`` cost ``2 * R * U * Phi(d/2)``, less when ``Phi`` is convex.

Formulation. Write ``c_j = sum_{i <= j} delta_i`` with ``delta_1 = c_1`` and ``delta_i = c_i - c_{i-1} >= 0``.
Then ``sum_j c_j * out_j = delta_1 * sum_j out_j + sum_{i >= 2} delta_i * (discharge from segments i..J)``,
and the discharge from segments ``i..J`` in a step is at least the fall of the energy they hold. For every
SoC trajectory ``s`` of the port (a battery has one, a vehicle one per plug-in session), segment ``j``,
level ``i = 2..J`` and boundary ``k`` / step ``t`` of that trajectory::

    0 <= segment_kwh[s, j, k] <= w                                        (variable bounds)
    sum_j segment_kwh[s, j, k] = soc_kwh[s, k]
    deep_drop_kwh[s, i, t] >= sum_{j >= i} (segment_kwh[s, j, t] - segment_kwh[s, j, t+1]),   deep_drop_kwh >= 0
    degradation_cost = c_1 * sum_t discharge_kw[t] * h
                       + sum_{s, i, t} delta_i * eta_discharge * deep_drop_kwh[s, i, t]

This is the segment model of Xu et al. without per-segment charge and discharge flows (the charge side
costs nothing, so only the falls of the deep levels need pricing), which keeps the linear programme small.
It is linear and convex (no binaries) and replaces the throughput cost. The first boundary of each
trajectory is free to place its energy (the optimum keeps it in the shallow segments) within the room its
open cycle leaves: with an open depth ``D`` (``cycle_depth_kwh`` of the battery or the session: what the pack
gave since it was last charged, e.g. the drive before plugging in), ``segment_kwh[s, j, first] <= w -
clip(D - j w, 0, w)``, so a discharge deepens that cycle and pays the deeper segments' cost
(:func:`planner.domain.wear_costs.segment_room_kwh`).

Parameter sources: the cycle-life curve and replacement cost of each catalogue entry (``models/*.toml``,
``[source]`` table; ``docs/degradation.md``); the exponent 2.03 of the catalogue curves is the LMO stress
function of Xu et al.

With ``model = "cycle_depth_calendar"`` the calendar holding cost of
:mod:`planner.model.components.degradation_calendar` is added to it (calendar and cycle ageing add up).

Units: energies kWh, powers kW (AC side, mean over the step), ``h`` step length in hours, costs in currency.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.domain.wear import resolve_wear_model, soc_groups
from planner.domain.wear_costs import segment_room_kwh
from planner.model.components.base import Contribution, StoragePort, add_wear_block, holding_cost


def add_cycle_depth_wear(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution:
    """Add block ``wear_<kind>_<name>`` with the segment model and its ``degradation_cost`` term."""
    spec = port.spec
    wear = resolve_wear_model(
        spec.degradation, port.capacity_kwh, spec.eta_discharge, spec.degradation_cost_per_kwh
    )
    b, contribution = add_wear_block(m, port)
    h = scenario.step_hours
    eta_d = spec.eta_discharge
    costs = [float(c) for c in wear.segment_costs_per_kwh]
    segments = list(range(len(costs)))
    groups = soc_groups(list(port.soc_kwh))
    deep = segments[1:]  # 0-based i = 1..J-1: the levels "energy held in segments i..J-1"
    w = wear.segment_kwh
    seg_idx = [(s, j, k) for s, ks in groups.items() for j in segments for k in ks]
    drop_idx = [(s, i, t) for s, ks in groups.items() for i in deep for t in ks[:-1]]
    b.segment_kwh = pyo.Var(seg_idx, domain=pyo.NonNegativeReals, bounds=(0.0, w))
    b.deep_drop_kwh = pyo.Var(drop_idx, domain=pyo.NonNegativeReals)
    for s, ks in groups.items():  # the open cycle's depth empties the shallow segments at the start
        depth = float(port.start_depth_kwh.get(s, 0.0))
        first = port.soc_kwh[s, ks[0]]
        if depth > 0.0 and getattr(first, "fixed", False):
            depth = min(depth, max(0.0, w * len(costs) - float(first.value)))
            for j, room in enumerate(segment_room_kwh(len(costs), w, depth)):
                b.segment_kwh[s, j, ks[0]].setub(float(room))
    b.segments_hold_soc = pyo.Constraint(
        [(s, k) for s, ks in groups.items() for k in ks],
        rule=lambda b, s, k: sum(b.segment_kwh[s, j, k] for j in segments) == port.soc_kwh[s, k],
    )
    b.deep_drop_min = pyo.Constraint(
        drop_idx,
        rule=lambda b, s, i, t: b.deep_drop_kwh[s, i, t]
        >= sum(b.segment_kwh[s, j, t] - b.segment_kwh[s, j, t + 1] for j in segments[i:]),
    )
    steps_used = sorted({t for ks in groups.values() for t in ks[:-1]})
    increments = [costs[0]] + [costs[i] - costs[i - 1] for i in deep]
    terms = []
    if increments[0] != 0.0:
        terms.append(increments[0] * h * sum(port.discharge_kw[t] for t in steps_used if t in port.discharge_kw))
    terms.extend(
        (increments[i] * eta_d) * b.deep_drop_kwh[s, i, t] for s, i, t in drop_idx if increments[i] != 0.0
    )
    if wear.uses_calendar:  # cycle_depth_calendar: the holding cost above the threshold adds to it
        holding = holding_cost(b, port, wear, h)
        if not isinstance(holding, float):
            terms.append(holding)
    if terms:
        contribution.costs["degradation_cost"] = sum(terms)
    b.wear = wear  # plain attribute: the resolved rates, for reporting
    return contribution
