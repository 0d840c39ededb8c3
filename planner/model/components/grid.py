"""Grid connection with import/export prices.

Variables per step ``t``: ``import_kw[t] >= 0``, ``export_kw[t] >= 0`` [kW].

Equations::

    import_kw[t] <= import_limit_kw          export_kw[t] <= export_limit_kw
    bus_kw[t]     = import_kw[t] - export_kw[t]
    import_cost   = sum_t import_price_per_kwh[t] * import_kw[t] * step_hours
    export_revenue= sum_t export_price_per_kwh[t] * export_kw[t] * step_hours   (a negative cost)

No simultaneous import and export: a binary ``is_importing[t]`` with ``import_kw <= U_imp * is_importing`` and
``export_kw <= U_exp * (1 - is_importing)``, added only in steps where the export price is strictly above the
import price. Elsewhere simultaneous flows can never lower the cost (reducing both by the same amount keeps
the balance and saves ``(import_price - export_price) * step_hours`` per kW), and the rare tie at equal
prices is netted after the solve. The bounds ``U`` are the tightest the data allow: the limit, or the most
the site's assets can draw or inject. They are mutable parameters (``import_bound_kw``, ``export_bound_kw``)
so a persistent model (:mod:`planner.solve.persistent`) can follow new load and solar. With
``BuildOptions(binaries="all")`` the binary exists in every step where both flows can be positive.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from planner.model.components.base import BuildOptions, Contribution


def add_grid(
    m: pyo.ConcreteModel,
    scenario,
    options: BuildOptions,
    import_bound_kw: list[float],
    export_bound_kw: list[float],
) -> Contribution:
    """Add block ``m.grid`` and return its contribution (see module docstring for the equations)."""
    n = scenario.steps
    h = scenario.step_hours
    tariff = scenario.tariff
    b = pyo.Block()
    m.grid = b
    steps = list(range(n))
    b.import_price_per_kwh = pyo.Param(
        steps, initialize=dict(enumerate(tariff.import_price_per_kwh.tolist())), mutable=True
    )
    b.export_price_per_kwh = pyo.Param(
        steps, initialize=dict(enumerate(tariff.export_price_per_kwh.tolist())), mutable=True
    )
    b.import_bound_kw = pyo.Param(steps, initialize=dict(enumerate(import_bound_kw)), mutable=True)
    b.export_bound_kw = pyo.Param(steps, initialize=dict(enumerate(export_bound_kw)), mutable=True)
    b.import_kw = pyo.Var(steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, b.import_bound_kw[t]))
    b.export_kw = pyo.Var(steps, domain=pyo.NonNegativeReals, bounds=lambda b, t: (0.0, b.export_bound_kw[t]))
    # variable and parameter data, looked up once (indexing a Pyomo component per use is most of the build)
    imp, exp = list(b.import_kw.values()), list(b.export_kw.values())
    imp_bound, exp_bound = list(b.import_bound_kw.values()), list(b.export_bound_kw.values())
    contribution = Contribution("grid")
    pays_more = np.asarray(tariff.export_price_per_kwh) > np.asarray(tariff.import_price_per_kwh)
    both_ways = (np.asarray(export_bound_kw) > 0) & (np.asarray(import_bound_kw) > 0)
    exclusive = np.flatnonzero((pays_more | (options.binaries == "all")) & both_ways).tolist()
    if exclusive:
        domain = pyo.Binary if options.dispatch == "setpoint" else pyo.UnitInterval
        b.is_importing = pyo.Var(exclusive, domain=domain)
        on = dict(b.is_importing.items())
        b.import_only_when_importing = pyo.Constraint(
            exclusive, rule=lambda _, t: imp[t] <= imp_bound[t] * on[t]
        )
        b.export_only_when_exporting = pyo.Constraint(
            exclusive, rule=lambda _, t: exp[t] <= exp_bound[t] * (1 - on[t])
        )
        if options.dispatch == "setpoint":
            contribution.binary_links = [(on[t], imp[t]) for t in exclusive]
    contribution.bus_kw = {t: imp[t] - exp[t] for t in steps}
    import_price, export_price = list(b.import_price_per_kwh.values()), list(b.export_price_per_kwh.values())
    contribution.costs["import_cost"] = sum(import_price[t] * imp[t] for t in steps) * h
    contribution.costs["export_revenue"] = -sum(export_price[t] * exp[t] for t in steps) * h
    return contribution
