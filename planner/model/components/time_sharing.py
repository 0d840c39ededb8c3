"""Time-sharing within a step (``dispatch="fractional"``): import and export only in parts of the step that
each balance on their own.

A controller that switches within a step runs each step as an *import part* (a share ``1 - g`` of the step)
and an *export part* (share ``g``); half-hourly import and export registers bill each part correctly. The
load is the same in both parts; the sun gives ``solar_kw`` in each. So a step may import and export only if
the export part can feed its own export and its share of the load (from the sun or a discharging battery),
not by buying energy the house passes straight back (the relaxation alone allowed that "pump" whenever
export paid more than import). Per step ``t`` where both flows can be positive, with the export part's own
charge ``ce``, discharge ``de`` of each storage asset, sun ``se`` and unserved load ``ue`` (the import part
has the rest)::

    import_kw <= import_bound * (1 - g)             export_kw <= export_bound * g
    se + sum de - sum ce + ue = load_kw * g + export_kw            (the export part balances)
    0 <= se <= solar_used,  se <= solar_kw * g,  solar_used - se <= solar_kw * (1 - g)
    0 <= ce <= charge_kw,   ce <= cap * g,   charge_kw - ce <= cap * (1 - g)   (and de alike)
    ce / cap_c + de / cap_d <= g,  (charge_kw - ce) / cap_c + (discharge_kw - de) / cap_d <= 1 - g
    0 <= ue <= unserved_kw,  ue <= load_kw * g

(``solar_used = solar_kw - curtailed_kw``; ``cap`` is the power's own bound: a battery's limit, a car's limit
times its plugged fraction of the step). The import part then balances by the step's own balance. This is
the convex hull of the step's modes: an LP, exact for such a controller; :mod:`planner.verify.time_sharing`
checks each step of a plan independently. The ``setpoint`` dispatch needs none of it (one mode per step).
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.model.components.base import BuildOptions, Contribution


def add_time_sharing(m: pyo.ConcreteModel, scenario, options: BuildOptions,
                     contributions: list[Contribution]) -> Contribution | None:
    """Add block ``time_sharing`` in the fractional dispatch (None otherwise or when no step can both
    import and export)."""
    if options.dispatch != "fractional":
        return None
    grid = m.grid
    steps = [t for t in range(scenario.steps)
             if pyo.value(grid.import_bound_kw[t]) > 0 and pyo.value(grid.export_bound_kw[t]) > 0]
    if not steps:
        return None
    ports = [c.storage for c in contributions if c.storage is not None]
    b = pyo.Block()
    m.time_sharing = b
    b.export_share = pyo.Var(steps, domain=pyo.UnitInterval)
    g = b.export_share
    b.import_in_its_part = pyo.Constraint(
        steps, rule=lambda b, t: grid.import_kw[t] <= grid.import_bound_kw[t] * (1 - g[t]))
    b.export_in_its_part = pyo.Constraint(
        steps, rule=lambda b, t: grid.export_kw[t] <= grid.export_bound_kw[t] * g[t])
    solar, load = m.solar, m.site_load
    b.sun_kw = pyo.Var(steps, domain=pyo.NonNegativeReals)
    b.sun_used = pyo.Constraint(steps, rule=lambda b, t: b.sun_kw[t] <= solar.solar_kw[t] - solar.curtailed_kw[t])
    b.sun_in_part = pyo.Constraint(steps, rule=lambda b, t: b.sun_kw[t] <= solar.solar_kw[t] * g[t])
    b.sun_rest = pyo.Constraint(
        steps, rule=lambda b, t: solar.solar_kw[t] - solar.curtailed_kw[t] - b.sun_kw[t] <= solar.solar_kw[t] * (1 - g[t]))
    b.unserved_kw = pyo.Var(steps, domain=pyo.NonNegativeReals)
    b.unserved_of = pyo.Constraint(steps, rule=lambda b, t: b.unserved_kw[t] <= load.unserved_kw[t])
    b.unserved_in_part = pyo.Constraint(steps, rule=lambda b, t: b.unserved_kw[t] <= load.load_kw[t] * g[t])
    flows: dict[int, list[Any]] = {t: [] for t in steps}
    for k, port in enumerate(ports):
        _add_port(b, k, port, steps, g, flows)
    b.export_part_balances = pyo.Constraint(
        steps, rule=lambda b, t: b.sun_kw[t] + sum(flows[t]) + b.unserved_kw[t]
        == load.load_kw[t] * g[t] + grid.export_kw[t])
    return Contribution("time_sharing")


def _cap(expr: Any, default: float) -> float:
    """The upper bound of a power variable [kW] (a car's charger limit times its plugged fraction), or
    ``default`` for an expression."""
    ub = getattr(expr, "ub", None)  # a variable's bound; a sum of variables has none
    return min(float(ub), float(default)) if ub is not None else float(default)


def _part_power(b: pyo.Block, name: str, power: dict[int, Any], cap: dict[int, float], steps: list[int],
                g: Any) -> Any:
    """The export part's share ``x`` of one power: ``0 <= x <= power``, ``x <= cap g``,
    ``power - x <= cap (1 - g)``; returns the variable (block components ``<name>``, ``<name>_of``, ...)."""
    x = pyo.Var(steps, domain=pyo.NonNegativeReals)
    b.add_component(name, x)
    b.add_component(f"{name}_of", pyo.Constraint(steps, rule=lambda _, t: x[t] <= power[t]))
    b.add_component(f"{name}_in_part", pyo.Constraint(steps, rule=lambda _, t: x[t] <= cap[t] * g[t]))
    b.add_component(f"{name}_rest", pyo.Constraint(steps, rule=lambda _, t: power[t] - x[t] <= cap[t] * (1 - g[t])))
    return x


def _add_port(b: pyo.Block, k: int, port: Any, steps: list[int], g: Any, flows: dict[int, list[Any]]) -> None:
    """The export part's charge ``ce`` and discharge ``de`` of one storage port, with the rows above (each
    power's cap is its variable's bound: a car's limit times its plugged fraction of the step)."""
    spec = port.spec
    cmax, dmax = float(spec.charge_max_kw), float(getattr(spec, "discharge_max_kw", 0.0) or 0.0)
    ccap = {t: _cap(port.charge_kw[t], cmax) for t in steps if t in port.charge_kw}
    dcap = {t: _cap(port.discharge_kw[t], dmax) for t in steps if t in port.discharge_kw}
    charge_steps = [t for t in steps if ccap.get(t, 0.0) > 0]
    dis_steps = [t for t in steps if dcap.get(t, 0.0) > 0]
    if charge_steps:
        ce = _part_power(b, f"charge_{k}", port.charge_kw, ccap, charge_steps, g)
        for t in charge_steps:
            flows[t].append(-ce[t])
    if dis_steps:
        de = _part_power(b, f"discharge_{k}", port.discharge_kw, dcap, dis_steps, g)
        for t in dis_steps:
            flows[t].append(de[t])
    both = sorted(set(charge_steps) & set(dis_steps))
    if both:
        ce, de = b.component(f"charge_{k}"), b.component(f"discharge_{k}")
        b.add_component(f"busy_{k}_part", pyo.Constraint(
            both, rule=lambda _, t: ce[t] / ccap[t] + de[t] / dcap[t] <= g[t]))
        b.add_component(f"busy_{k}_rest", pyo.Constraint(
            both, rule=lambda _, t: (port.charge_kw[t] - ce[t]) / ccap[t] + (port.discharge_kw[t] - de[t]) / dcap[t]
            <= 1 - g[t]))
