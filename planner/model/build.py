"""Assemble the site model from its components.

Every component adds its own Pyomo block and returns a :class:`~planner.model.components.base.Contribution`.
This module only sums them::

    site_balance[t]:  sum over components of bus_kw[t] == 0          (power into the site's bus, kW)
    objective:        minimise the sum of every component's cost terms (currency, + = paid)

Adding an asset type is one new module in ``planner/model/components`` and one line in
:data:`planner.model.registry.ASSET_TYPES`; adding a wear model is one line in :data:`WEAR_MODELS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from planner.domain.sessions import kept_windows
from planner.inputs.specs import Scenario
from planner.model.components.base import BuildOptions, Contribution
from planner.model.components.charger import add_chargers, vehicle_for_build
from planner.model.components.degradation_calendar import add_calendar_wear
from planner.model.components.degradation_cycle_depth import add_cycle_depth_wear
from planner.model.components.degradation_throughput import add_throughput_wear
from planner.model.components.demand_charge import add_demand_charges
from planner.model.components.end_value import add_end_value
from planner.model.components.ev_rate import add_ev_rate
from planner.model.components.flow_rules import add_flow_rules
from planner.model.components.grid import add_grid
from planner.model.components.grid_service import add_grid_service
from planner.model.components.load import add_load
from planner.model.components.ramp import add_ramp_penalty
from planner.model.components.solar import add_solar
from planner.model.components.targets import add_targets
from planner.model.components.time_sharing import add_time_sharing
from planner.model.registry import ASSET_TYPES

WEAR_MODELS: dict[str, Callable[..., Contribution]] = {
    "throughput": add_throughput_wear,
    "cycle_depth": add_cycle_depth_wear,
    "calendar": add_calendar_wear,
    "cycle_depth_calendar": add_cycle_depth_wear,  # adds the calendar holding cost to the segments
}
"""Wear (degradation) cost models by name; each reads a storage port and returns cost terms."""

SITE_COST_MODELS: list[Callable[..., Contribution | None]] = [add_demand_charges]
"""Site-level cost models called as ``f(model, scenario, options, grid_contribution)`` (e.g. demand charges)."""


@dataclass
class BuiltModel:
    """A built Pyomo model and what is needed to read it back.

    Attributes
    ----------
    model : pyomo.environ.ConcreteModel
        The model (blocks per component, ``site_balance``, ``objective``).
    scenario : Scenario
        The scenario it was built from.
    options : BuildOptions
        Modelling options.
    contributions : list of Contribution
        One per component, in build order.
    build_seconds : float
        Wall time spent building [s].
    """

    model: pyo.ConcreteModel
    scenario: Scenario
    options: BuildOptions
    contributions: list[Contribution]
    build_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def binary_links(self) -> list[tuple[Any, Any]]:
        """All (binary, indicator) pairs of every component."""
        return [link for c in self.contributions for link in c.binary_links]

    def cost_terms(self) -> dict[tuple[str, str], Any]:
        """``(component, term) -> expression`` for every cost term."""
        return {(c.name, term): expr for c in self.contributions for term, expr in c.costs.items()}


def flow_bounds_kw(scenario: Scenario) -> tuple[list[float], list[float]]:
    """Tightest per-step bounds on grid import and export [kW] the data allow.

    Import can never usefully exceed the load plus every storage asset charging at full power; export can
    never exceed solar plus every storage asset discharging at full power. Both are capped by the connection.
    In the fractional dispatch these bounds are part of the model (the most the site can draw or inject while
    importing or exporting), so they count only power that can exist.
    """
    n = scenario.steps
    charge = np.zeros(n)
    discharge = np.zeros(n)
    for b in scenario.batteries:
        charge += b.charge_max_kw
        discharge += b.discharge_max_kw
    for v in (vehicle_for_build(scenario, x) for x in scenario.vehicles):
        for j, w in kept_windows(scenario.grid, v.sessions):  # step ownership: planner.domain.sessions
            s, frac = v.sessions[j], w.fraction
            charge += v.charge_max_kw * frac
            if v.v2g and s.arrive_soc_kwh >= v.soc_min_kwh:  # a car arriving below its reserve cannot discharge
                discharge += v.discharge_max_kw * frac
    imp = np.minimum(scenario.connection.import_limit_kw, scenario.load_kw + charge)
    exp = np.minimum(scenario.connection.export_limit_kw, scenario.solar_kw + discharge)
    return imp.tolist(), exp.tolist()


def build_model(scenario: Scenario, options: BuildOptions | None = None) -> BuiltModel:
    """Build the MILP of ``scenario`` (see the module docstring).

    Python's cyclic garbage collector is paused while the model is built: a model is hundreds of thousands of
    new objects, none of them garbage, and the collector's full passes over them were a third of a 200-van
    depot's build time (``docs/performance.md``).
    """
    with PauseGC():
        return _build_model(scenario, options or BuildOptions())


def _build_model(scenario: Scenario, options: BuildOptions) -> BuiltModel:
    t0 = time.perf_counter()
    m = pyo.ConcreteModel(name=scenario.name)
    n = scenario.steps
    m.steps = pyo.RangeSet(0, n - 1)
    imp_bound, exp_bound = flow_bounds_kw(scenario)
    contributions: list[Contribution] = []
    grid_c = add_grid(m, scenario, options, imp_bound, exp_bound)
    contributions.append(grid_c)
    contributions.append(add_load(m, scenario))
    contributions.append(add_solar(m, scenario))
    for asset_type in ASSET_TYPES:
        for spec in asset_type.specs(scenario):
            contributions.append(asset_type.add(m, scenario, spec, options))
    if scenario.chargers:
        chargers_c = add_chargers(m, scenario, options)
        if chargers_c is not None:
            contributions.append(chargers_c)
    rules_c = add_flow_rules(m, scenario, options, contributions)
    if rules_c is not None:
        contributions.append(rules_c)
    sharing_c = add_time_sharing(m, scenario, options, contributions)
    if sharing_c is not None:
        contributions.append(sharing_c)
    for c in list(contributions):
        if c.storage is not None:
            model_name = str(c.storage.spec.degradation.get("model", "throughput"))
            builder = WEAR_MODELS.get(model_name)
            if builder is None:
                msg = f"unknown degradation model {model_name!r}; known: {sorted(WEAR_MODELS)}"
                raise ValueError(msg)
            contributions.append(builder(m, scenario, c.storage))
            for extra_builder in (add_end_value, add_targets, add_ramp_penalty):
                extra_c = extra_builder(m, scenario, c.storage)
                if extra_c is not None:
                    contributions.append(extra_c)
    for site_model in (add_grid_service, add_ev_rate):  # read the storage ports (and the grid)
        site_c = site_model(m, scenario, contributions)
        if site_c is not None:
            contributions.append(site_c)
    for cost_model in SITE_COST_MODELS:
        extra = cost_model(m, scenario, options, grid_c)
        if extra is not None:
            contributions.append(extra)

    bus: list[list[Any]] = [[] for _ in range(n)]
    for c in contributions:
        for t, expr in c.bus_kw.items():
            bus[t].append(expr)
    m.site_balance = pyo.Constraint(m.steps, rule=lambda m, t: sum(bus[t]) == 0)
    m.objective = pyo.Objective(
        expr=sum(expr for c in contributions for expr in c.costs.values()), sense=pyo.minimize
    )
    return BuiltModel(m, scenario, options, contributions, time.perf_counter() - t0)
