"""Calendar wear: a holding cost on energy stored above a SoC threshold, on top of the throughput cost.

Reads a :class:`~planner.model.components.base.StoragePort` and adds block ``wear_<kind>_<name>``. For every SoC
trajectory ``s`` of the port (a battery has one, a vehicle one per plug-in session) and its boundaries ``k``
and steps ``t``::

    above_threshold_kwh[s, k] >= soc_kwh[s, k] - theta,   above_threshold_kwh[s, k] >= 0
    holding_cost = c_cal * sum_{s, t} h * (above_threshold_kwh[s, t] + above_threshold_kwh[s, t+1]) / 2
    degradation_cost = holding_cost + degradation_cost_per_kwh * sum_t (charge_kw[t] + discharge_kw[t]) * h

``theta = calendar_soc_threshold_fraction * usable_capacity_kwh`` [kWh] (default fraction 0.8) and ``c_cal``
[currency/(kWh h)] is ``cost_per_kwh_hour`` or is derived from the replacement cost and the extra capacity
fade per year of a pack held full (:func:`~planner.domain.wear.calendar_cost_per_kwh_hour`).
High-SoC dwell ages lithium cells, so with this cost a car is charged late, just in time for its departure
target, rather than parked full; the minimisation makes ``above_threshold_kwh = max(0, soc - theta)``.
A vehicle's SoC is only modelled while it is plugged in, so only plugged-in time is priced.

Parameter sources: the 80 % default threshold follows the SoC-aware V2G literature summarised in
``docs/degradation.md`` (Uddin et al. 2017, Energy 133; Wei et al. 2022, Batteries 8(10):188); the catalogue's
``calendar_fade_per_year_fraction`` values are marked unverified in each entry's ``[source]`` table.

Units: energies kWh, powers kW (AC side, mean over the step), ``h`` step length in hours, costs in currency.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.domain.wear import resolve_wear_model
from planner.model.components.base import Contribution, StoragePort, add_wear_block, holding_cost


def add_calendar_wear(m: pyo.ConcreteModel, scenario, port: StoragePort) -> Contribution:
    """Add block ``wear_<kind>_<name>`` with the holding cost (plus throughput) as ``degradation_cost``."""
    spec = port.spec
    wear = resolve_wear_model(
        spec.degradation, port.capacity_kwh, spec.eta_discharge, spec.degradation_cost_per_kwh
    )
    b, contribution = add_wear_block(m, port)
    h = scenario.step_hours
    cost = holding_cost(b, port, wear, h)
    rate = wear.throughput_cost_per_kwh
    if rate > 0:
        cost = cost + rate * h * (sum(port.charge_kw.values()) + sum(port.discharge_kw.values()))
    if not isinstance(cost, float):
        contribution.costs["degradation_cost"] = cost
    b.wear = wear  # plain attribute: the resolved rates, for reporting
    return contribution
