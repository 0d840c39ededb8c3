"""Cycle-depth wear (Xu et al. 2018): segmented state of charge with rising marginal cost per segment.

Reads a :class:`~planner.components.base.StoragePort` and adds block ``wear_<kind>_<name>``. The usable
capacity ``U`` is split into ``J`` segments of ``w = U / J`` kWh; segment ``j = 1`` is the shallowest and
cheapest. For every SoC trajectory ``s`` of the port (a battery has one, a vehicle one per plug-in session),
every segment ``j``, boundary ``k`` and step ``t`` of that trajectory::

    0 <= segment_kwh[s, j, k] <= w
    sum_j segment_kwh[s, j, k0] = soc_kwh[s, k0]                       (first boundary of the trajectory)
    segment_kwh[s, j, t+1] = segment_kwh[s, j, t] + into_kwh[s, j, t] - out_kwh[s, j, t]
    sum_j into_kwh[s, j, t] = eta_charge * charge_kw[t] * h             (DC energy into the cells)
    sum_j out_kwh[s, j, t]  = discharge_kw[t] * h / eta_discharge       (DC energy out of the cells)
    degradation_cost = sum_{s, j, t} c_j * eta_discharge * out_kwh[s, j, t]

with ``c_j = (R * J / eta_discharge) * (Phi(j/J) - Phi((j-1)/J))`` per kWh of AC discharge, ``R`` the
replacement cost per kWh of usable capacity and ``Phi(d) = 1 / N(d)`` from the cycle-life curve (see
:mod:`planner.components.degradation_wear`). Summed over segments the dynamics reproduce the asset's own
SoC dynamics, so ``sum_j segment_kwh = soc_kwh`` at every boundary. Because ``c_j`` rises with depth, the
minimum-cost allocation charges into and discharges from the shallowest segments first: a cycle of depth
``d`` from full costs ``R * U * Phi(d)``, two cycles of depth ``d/2`` cost ``2 * R * U * Phi(d/2)``, less when
``Phi`` is convex. The model is linear and convex: no binaries. It replaces the throughput cost.

A step shared by two sessions of one vehicle (one departs and the next arrives inside the same step) has
its two flows summed in the port; there the segments follow the trajectory's net SoC change instead
(``sum_j (into - out) = soc[t+1] - soc[t]``), which prices only the net discharge of that step.

Units: energies kWh, powers kW (AC side, mean over the step), ``h`` step length in hours, costs in currency.
"""

from __future__ import annotations

from collections import Counter

import pyomo.environ as pyo

from planner.components.base import Contribution, StoragePort
from planner.components.degradation_wear import resolve_wear_model, soc_groups


def add_cycle_depth_wear(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution:
    """Add block ``wear_<kind>_<name>`` with the segment model and its ``degradation_cost`` term."""
    spec = port.spec
    wear = resolve_wear_model(
        spec.degradation, port.capacity_kwh, spec.eta_discharge, spec.degradation_cost_per_kwh
    )
    safe = "".join(ch if ch.isalnum() else "_" for ch in port.name)
    bname = f"wear_{port.kind}_{safe}"
    b = pyo.Block()
    m.add_component(bname, b)
    contribution = Contribution(bname)
    h = scenario.step_hours
    eta_c, eta_d = spec.eta_charge, spec.eta_discharge
    costs = [float(c) for c in wear.segment_costs_per_kwh]
    segments = list(range(len(costs)))
    groups = soc_groups(list(port.soc_kwh))
    step_use = Counter(t for ks in groups.values() for t in ks[:-1])
    energy_idx = [(s, j, k) for s, ks in groups.items() for j in segments for k in ks]
    step_idx = [(s, t) for s, ks in groups.items() for t in ks[:-1]]
    flow_idx = [(s, j, t) for s, t in step_idx for j in segments]
    out_idx = [(s, j, t) for s, j, t in flow_idx if t in port.discharge_kw or step_use[t] > 1]
    b.segment_kwh = pyo.Var(energy_idx, domain=pyo.NonNegativeReals, bounds=(0.0, wear.segment_kwh))
    b.into_kwh = pyo.Var(flow_idx, domain=pyo.NonNegativeReals)
    b.out_kwh = pyo.Var(out_idx, domain=pyo.NonNegativeReals)
    out_set = set(out_idx)

    def out(s, j, t):
        return b.out_kwh[s, j, t] if (s, j, t) in out_set else 0.0

    b.segments_hold_start_soc = pyo.Constraint(
        list(groups),
        rule=lambda b, s: sum(b.segment_kwh[s, j, groups[s][0]] for j in segments)
        == port.soc_kwh[s, groups[s][0]],
    )
    b.segment_balance = pyo.Constraint(
        flow_idx,
        rule=lambda b, s, j, t: b.segment_kwh[s, j, t + 1]
        == b.segment_kwh[s, j, t] + b.into_kwh[s, j, t] - out(s, j, t),
    )

    def charge_rule(b, s, t):
        into = sum(b.into_kwh[s, j, t] for j in segments)
        if step_use[t] > 1:
            net = into - sum(out(s, j, t) for j in segments)
            return net == port.soc_kwh[s, t + 1] - port.soc_kwh[s, t]
        charge = port.charge_kw.get(t)
        return into == (eta_c * h * charge if charge is not None else 0.0)

    def discharge_rule(b, s, t):
        if step_use[t] > 1 or t not in port.discharge_kw:
            return pyo.Constraint.Skip
        return sum(b.out_kwh[s, j, t] for j in segments) == (h / eta_d) * port.discharge_kw[t]

    b.charge_into_segments = pyo.Constraint(step_idx, rule=charge_rule)
    b.discharge_from_segments = pyo.Constraint(step_idx, rule=discharge_rule)
    if out_idx and any(costs):
        contribution.costs["degradation_cost"] = sum(
            (costs[j] * eta_d) * b.out_kwh[s, j, t] for s, j, t in out_idx if costs[j] != 0.0
        )
    b.wear = wear  # plain attribute: the resolved rates, for reporting
    return contribution
