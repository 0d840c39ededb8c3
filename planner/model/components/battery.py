"""Stationary battery (home or depot).

Variables: ``charge_kw[t]``, ``discharge_kw[t]`` >= 0 [kW, AC side] on steps, ``soc_kwh[k]`` [kWh] on
boundaries ``k = 0..n`` (boundary ``k`` is the start of step ``k``).

Equations::

    soc_kwh[0] = soc_kwh (initial)
    soc_kwh[t+1] = soc_kwh[t] + eta_charge * charge_kw[t] * h - discharge_kw[t] * h / eta_discharge
    min(soc_min_kwh, initial) <= soc_kwh[k] <= max(soc_max_kwh, initial)
    soc_kwh[n] + end_shortfall_kwh >= end_soc_min_kwh            (soft, penalised, reported)
    bus_kw[t] = discharge_kw[t] - charge_kw[t]

With a ``charge_taper`` curve, ``charge_kw[t] <= psi_i * (a_i + b_i * soc_kwh[t])`` for each of its segments
that can bind (:mod:`planner.domain.taper`).

A battery that starts below its reserve may not go lower than where it starts (no further discharge) and
recovers when it pays. In the ``setpoint`` dispatch a binary ``is_charging[t]`` forbids charging and
discharging in the same step (``charge_kw <= charge_max_kw * is_charging``,
``discharge_kw <= discharge_max_kw * (1 - is_charging)``); in the ``fractional`` dispatch ``is_charging`` is
the fraction of the step spent charging, so ``charge_kw / charge_max_kw + discharge_kw / discharge_max_kw <= 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from planner.domain.names import asset_block_name
from planner.domain.taper import taper_rows
from planner.model.components.base import (
    BuildOptions,
    Contribution,
    SolutionValues,
    StoragePort,
    clean_kw,
)


def direction_binary_steps(scenario) -> list[int]:
    """Steps where a storage asset's charge/discharge exclusivity needs a binary (module docstring)."""
    tariff = scenario.tariff
    dis_all = sum(x.discharge_max_kw for x in scenario.batteries) + sum(
        x.discharge_max_kw for x in scenario.vehicles if x.v2g
    )
    limit = scenario.connection.export_limit_kw
    if scenario.solar_curtailable:
        fits = np.full(scenario.steps, dis_all <= limit)
    else:
        fits = scenario.solar_kw + dis_all <= limit
    ok = (tariff.import_price_per_kwh >= 0) & (tariff.export_price_per_kwh >= 0) & fits
    return [int(t) for t in np.flatnonzero(~ok)]


def add_battery(m: pyo.ConcreteModel, scenario, spec, options: BuildOptions) -> Contribution:
    """Add block ``battery_<name>`` and return its contribution (equations in the module docstring)."""
    n = scenario.steps
    h = scenario.step_hours
    b = pyo.Block()
    bname = asset_block_name("battery", spec.name)
    m.add_component(bname, b)
    steps = list(range(n))
    bounds = list(range(n + 1))
    soc0 = spec.soc_kwh
    lo = min(spec.soc_min_kwh, soc0)
    hi = max(spec.soc_max_kwh, soc0)
    cmax = spec.charge_max_kw
    dmax = spec.discharge_max_kw
    b.charge_kw = pyo.Var(steps, domain=pyo.NonNegativeReals, bounds=(0.0, cmax))
    b.discharge_kw = pyo.Var(steps, domain=pyo.NonNegativeReals, bounds=(0.0, dmax))
    b.soc_kwh = pyo.Var(bounds, domain=pyo.NonNegativeReals, bounds=(lo, hi))
    b.soc_kwh[0].fix(soc0)
    eta_c = spec.eta_charge
    inv_eta_d = 1.0 / spec.eta_discharge
    # the variables' data, looked up once (indexing a Pyomo variable per use is most of the build time)
    charge = list(b.charge_kw.values())
    discharge = list(b.discharge_kw.values())
    soc = list(b.soc_kwh.values())
    ceh, dh = eta_c * h, h * inv_eta_d
    b.soc_balance = pyo.Constraint(
        steps, rule=lambda _, t: soc[t + 1] == soc[t] + ceh * charge[t] - dh * discharge[t])
    taper = taper_rows(spec.charge_taper, spec.capacity_kwh, eta_c, cmax, [(0, t, h, hi) for t in steps])
    if taper:
        b.charge_within_taper = pyo.Constraint(
            range(len(taper)), rule=lambda b, r: charge[taper[r][1]] <= taper[r][2] + taper[r][3] * soc[taper[r][1]])
    b.end_shortfall_kwh = pyo.Var(domain=pyo.NonNegativeReals)
    b.soc_at_end_min = pyo.Constraint(expr=soc[n] + b.end_shortfall_kwh >= spec.end_soc_min_kwh)
    contribution = Contribution(bname)
    if cmax > 0 and dmax > 0:
        domain = pyo.Binary if options.dispatch == "setpoint" else pyo.UnitInterval
        b.is_charging = pyo.Var(steps, domain=domain)
        on = list(b.is_charging.values())
        b.charge_only_when_charging = pyo.Constraint(steps, rule=lambda _, t: charge[t] <= cmax * on[t])
        b.discharge_only_when_discharging = pyo.Constraint(
            steps, rule=lambda _, t: discharge[t] <= dmax * (1 - on[t])
        )
        if options.dispatch == "setpoint":
            contribution.binary_links = [(on[t], charge[t]) for t in steps]
    contribution.bus_kw = {t: discharge[t] - charge[t] for t in steps}
    contribution.costs["shortfall_penalty"] = scenario.shortfall_penalty_per_kwh * b.end_shortfall_kwh
    contribution.storage = StoragePort(
        name=spec.name,
        kind="battery",
        charge_kw=dict(enumerate(charge)),
        discharge_kw=dict(enumerate(discharge)),
        soc_kwh={(0, k): soc[k] for k in bounds},
        capacity_kwh=spec.capacity_kwh,
        spec=spec,
        ends=[(soc[n], float(soc0))],
        start_depth_kwh={0: float(spec.cycle_depth_kwh)},
    )
    return contribution


def read_battery(block: Any, spec: Any, steps: int, values: SolutionValues) -> dict[str, np.ndarray]:
    """The schedule columns of one battery block: ``<name>_charge_kw``, ``_discharge_kw`` [kW, >= 0] and
    ``_soc_kwh`` (end of each step) [kWh]."""
    n = steps
    return {
        f"{spec.name}_charge_kw": clean_kw(values((block.name, "charge"), lambda: [block.charge_kw[t] for t in range(n)])),
        f"{spec.name}_discharge_kw": clean_kw(
            values((block.name, "discharge"), lambda: [block.discharge_kw[t] for t in range(n)])),
        f"{spec.name}_soc_kwh": values((block.name, "soc"), lambda: [block.soc_kwh[k] for k in range(1, n + 1)]),
    }
