"""Solar generation (forecast) with optional curtailment.

Per step ``t``::

    bus_kw[t] = solar_kw[t] - curtailed_kw[t]
    0 <= curtailed_kw[t] <= solar_kw[t]

When the scenario says the array is not curtailable, curtailment is still possible physically (an
inverter limits its output when the export limit binds) but costs ``shortfall_penalty_per_kwh`` per kWh
(``forced_curtailment_penalty``) and is reported, so it is used only when nothing else can absorb the power.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.components.base import Contribution


def add_solar(m: pyo.ConcreteModel, scenario) -> Contribution:
    """Add block ``m.solar`` and return its contribution."""
    n = scenario.steps
    h = scenario.step_hours
    b = pyo.Block()
    m.solar = b
    steps = list(range(n))
    solar = scenario.solar_kw.tolist()
    b.solar_kw = pyo.Param(steps, initialize=dict(enumerate(solar)), mutable=True)
    b.curtailed_kw = pyo.Var(steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, b.solar_kw[t]))
    contribution = Contribution("solar")
    curtailed, solar_of = list(b.curtailed_kw.values()), list(b.solar_kw.values())  # looked up once
    contribution.bus_kw = {t: solar_of[t] - curtailed[t] for t in steps}
    if not scenario.solar_curtailable:
        contribution.costs["forced_curtailment_penalty"] = scenario.shortfall_penalty_per_kwh * h * sum(curtailed)
    return contribution
