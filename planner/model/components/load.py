"""Household (or depot) load, with a penalised slack for load the site cannot serve.

Per step ``t``::

    bus_kw[t] = -load_kw[t] + unserved_kw[t]
    0 <= unserved_kw[t] <= load_kw[t]
    unserved_load_penalty = shortfall_penalty_per_kwh * sum_t unserved_kw[t] * step_hours

The slack keeps a plan computable when the grid limit cannot cover the load; any unserved energy is
reported in ``Plan.shortfalls``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.components.base import Contribution


def add_load(m: pyo.ConcreteModel, scenario) -> Contribution:
    """Add block ``m.site_load`` and return its contribution."""
    n = scenario.steps
    h = scenario.step_hours
    b = pyo.Block()
    m.site_load = b
    steps = list(range(n))
    load = scenario.load_kw.tolist()
    b.load_kw = pyo.Param(steps, initialize=dict(enumerate(load)), mutable=True)
    b.unserved_kw = pyo.Var(steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, b.load_kw[t]))
    contribution = Contribution("site_load")
    unserved, load_of = list(b.unserved_kw.values()), list(b.load_kw.values())  # looked up once
    contribution.bus_kw = {t: unserved[t] - load_of[t] for t in steps}
    contribution.costs["unserved_load_penalty"] = scenario.shortfall_penalty_per_kwh * h * sum(unserved)
    return contribution
