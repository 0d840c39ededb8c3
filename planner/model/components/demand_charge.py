"""Demand (capacity) charges: a price on the peak grid import of each billing window.

For every :class:`~planner.inputs.tariffs.scheme.DemandCharge` ``w`` of the scenario's tariff:

Variables: ``peak_import_kw[w] >= floor_kw[w]`` [kW].

Equations::

    peak_import_kw[w] >= grid.import_kw[t]          for every step t in w's step_mask
    demand_charge      = sum_w rate_per_kw[w] * peak_import_kw[w]          (currency, + = paid)

``rate_per_kw`` is already pro-rated to the share of the billing window the horizon covers. Because the
cost rises with the peak, the optimum sets each peak to ``max(floor_kw, max over the window of import)``,
so the reported ``demand_charge`` equals that recomputed from the schedule. The charge is linear: no
binaries are added.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.components.base import BuildOptions, Contribution


def add_demand_charges(
    m: pyo.ConcreteModel, scenario, options: BuildOptions, grid: Contribution
) -> Contribution | None:
    """Add block ``m.demand_charge`` when the tariff has demand charges; return its cost term.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        The model; its ``grid`` block provides ``import_kw[t]`` [kW].
    scenario : Scenario
        Provides ``tariff.demand_charges``.
    options : BuildOptions
        Unused (the charge is linear in both dispatch modes).
    grid : Contribution
        The grid's contribution (unused; the import variable is read from ``m.grid``).

    Returns
    -------
    Contribution or None
        Cost term ``demand_charge`` [currency]; None when the tariff has no demand charge.
    """
    charges = [c for c in scenario.tariff.demand_charges if bool(c.step_mask.any())]
    if not charges:
        return None
    names = [c.name for c in charges]
    if len(set(names)) != len(names):
        names = [f"{c.name}_{i}" for i, c in enumerate(charges)]
    by_name = dict(zip(names, charges, strict=True))
    b = pyo.Block()
    m.demand_charge = b
    b.windows = pyo.Set(initialize=names, ordered=True)
    b.peak_import_kw = pyo.Var(
        b.windows,
        domain=pyo.NonNegativeReals,
        bounds=lambda _, w: (float(by_name[w].floor_kw), None),
    )
    pairs = [
        (w, int(t)) for w in names for t in range(scenario.steps) if bool(by_name[w].step_mask[t])
    ]
    b.peak_at_least_import = pyo.Constraint(
        pairs, rule=lambda b, w, t: b.peak_import_kw[w] >= m.grid.import_kw[t]
    )
    contribution = Contribution("demand_charge")
    contribution.costs["demand_charge"] = sum(
        float(by_name[w].rate_per_kw) * b.peak_import_kw[w] for w in names
    )
    return contribution
