"""Ramp penalty of a storage asset (rule in :mod:`planner.domain.ramp`).

Reads a :class:`~planner.model.components.base.StoragePort` and, when the asset's ``ramp_penalty_per_kw`` is
positive, adds block ``ramp_<kind>_<name>`` with ``change_kw[t] >= |n[t] - n[t-1]|`` (two rows, no binaries;
``n = charge_kw - discharge_kw``, 0 where the asset has no power) and the cost term
``ramp_penalty = rate * sum_t change_kw[t]`` [currency]. The first step's change is taken from
``ramp_from_kw`` when given.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.domain.names import model_name
from planner.model.components.base import Contribution, StoragePort


def add_ramp_penalty(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution | None:
    """Add the ramp block of ``port`` (None without a penalty)."""
    rate = float(getattr(port.spec, "ramp_penalty_per_kw", 0.0) or 0.0)
    if rate <= 0:
        return None
    name = f"ramp_{port.kind}_{model_name(port.name)}"
    b = pyo.Block()
    m.add_component(name, b)

    def net(t: int):
        return port.charge_kw.get(t, 0.0) - port.discharge_kw.get(t, 0.0)

    start = port.spec.ramp_from_kw
    active = set(port.charge_kw) | set(port.discharge_kw)
    idx = [t for t in range(scenario.steps)
           if (t in active or t - 1 in active or (t == 0 and start is not None)) and (t > 0 or start is not None)]
    prev = {t: (net(t - 1) if t > 0 else float(start)) for t in idx}
    b.change_kw = pyo.Var(idx, domain=pyo.NonNegativeReals)
    b.up = pyo.Constraint(idx, rule=lambda b, t: b.change_kw[t] >= net(t) - prev[t])
    b.down = pyo.Constraint(idx, rule=lambda b, t: b.change_kw[t] >= prev[t] - net(t))
    contribution = Contribution(name, asset=port.name)
    contribution.costs["ramp_penalty"] = rate * sum(b.change_kw[t] for t in idx)
    return contribution
