"""Terminal value of a storage asset's end state (rule and default in :mod:`planner.domain.end_value`).

Reads a :class:`~planner.model.components.base.StoragePort` and adds block ``end_value_<kind>_<name>`` with one
mutable parameter ``value_per_kwh`` (``v`` [currency/kWh], re-set by :mod:`planner.solve.persistent` for new prices)
and the cost term::

    end_value = -v * sum_e (end_soc_kwh[e] - reference_kwh[e])

over the port's ``ends``: the battery's SoC at the horizon end against its start, each vehicle session's
SoC at departure (or at the horizon end) against its target.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.domain.end_value import end_value_rate_per_kwh, refill_price_per_kwh
from planner.domain.names import model_name
from planner.model.components.base import Contribution, StoragePort


def end_value_block_name(kind: str, name: str) -> str:
    """``end_value_<kind>_<model name>``."""
    return f"end_value_{kind}_{model_name(name)}"


def add_end_value(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution | None:
    """Add the end-value block of ``port`` (None when the port reports no end state)."""
    if not port.ends:
        return None
    name = end_value_block_name(port.kind, port.name)
    b = pyo.Block()
    m.add_component(name, b)
    rate = end_value_rate_per_kwh(port.spec, refill_price_per_kwh(port.kind, scenario.tariff))
    b.value_per_kwh = pyo.Param(initialize=rate, mutable=True)
    contribution = Contribution(name, asset=port.name)
    contribution.costs["end_value"] = -b.value_per_kwh * sum(soc - ref for soc, ref in port.ends)
    return contribution
