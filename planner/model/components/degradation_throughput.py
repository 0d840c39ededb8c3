"""Throughput wear: a cost per kWh of AC-side energy through a storage asset.

Reads a :class:`~planner.model.components.base.StoragePort`::

    degradation_cost = degradation_cost_per_kwh * sum_t (charge_kw[t] + discharge_kw[t]) * step_hours

This is the default wear model of every battery and vehicle. It adds no variables or constraints, only a cost
expression, so its block is empty but present (``wear_<asset>``) to keep one block per cost model.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.components.base import Contribution, StoragePort, add_wear_block


def add_throughput_wear(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution:
    """Add the (empty) block ``wear_<kind>_<name>`` and the throughput cost term."""
    rate = float(port.spec.degradation_cost_per_kwh)
    _, contribution = add_wear_block(m, port)
    if rate > 0:
        h = scenario.step_hours
        throughput = sum(port.charge_kw.values()) + sum(port.discharge_kw.values())
        contribution.costs["degradation_cost"] = rate * h * throughput
    return contribution
