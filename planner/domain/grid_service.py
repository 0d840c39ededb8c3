"""Grid-service headroom: how much capacity a schedule can hold ready, up and down (numpy only).

Which storage takes part, and how much each can give, is the rule the model
(:mod:`planner.model.components.grid_service`) and the read-back from a schedule share:

- a home battery takes part in every step; a car only in steps it is plugged in for the whole step (one
  session); a car that cannot discharge (no V2G, or arrived below its reserve) can give *up* capacity only
  by stopping its charging;
- **up** capacity of an asset in step ``t`` = ``charge_kw`` (stop charging) + ``u``, with
  ``u <= discharge_max_kw - discharge_kw`` and the energy to sustain it,
  ``u * duration_h / eta_discharge <= soc - soc_low`` at both ends of the step;
- **down** capacity = ``discharge_kw`` (stop discharging) + ``d``, with ``d <= charge_max_kw - charge_kw`` and
  ``d * duration_h * eta_charge <= soc_high - soc`` at both ends of the step;
- at the connection: up <= ``export_limit_kw - export_kw + import_kw``, down <= ``import_limit_kw - import_kw
  + export_kw``;
- capacity held = the sum over assets, within the connection, in the contract's direction (``both``: the
  smaller of up and down).

Units: power [kW], energy [kWh], duration [h]. Activation energy (the small net energy of frequency
response) is not modelled: the contract pays for availability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.domain.sessions import kept_windows

FULL_STEP = 1.0 - 1e-9


@dataclass(frozen=True)
class AssetSteps:
    """One storage asset's part in the service: the steps it takes part in, with their SoC segment.

    ``segment[i]`` is the SoC trajectory (0 for a battery, the session's kept-window index for a car) of
    ``steps[i]``; ``start_soc_kwh[i]`` the SoC of that trajectory's first boundary and ``first[i]`` its index.
    """

    name: str
    kind: str
    steps: tuple[int, ...]
    segment: tuple[int, ...]
    charge_max_kw: float
    discharge_max_kw: tuple[float, ...]
    soc_low_kwh: tuple[float, ...]
    soc_high_kwh: tuple[float, ...]
    eta_charge: float
    eta_discharge: float
    first: tuple[int, ...]
    start_soc_kwh: tuple[float, ...]


def participation(grid: Any, batteries: Sequence[Any], vehicles: Sequence[Any]) -> list[AssetSteps]:
    """Every storage asset's steps in the service (module docstring)."""
    out = []
    n = grid.steps
    for b in batteries:
        lo, hi = min(b.soc_min_kwh, b.soc_kwh), max(b.soc_max_kwh, b.soc_kwh)
        out.append(AssetSteps(b.name, "battery", tuple(range(n)), (0,) * n, b.charge_max_kw,
                              (b.discharge_max_kw,) * n, (lo,) * n, (hi,) * n, b.eta_charge, b.eta_discharge,
                              (0,) * n, (b.soc_kwh,) * n))
    for v in vehicles:
        rows = []
        for s, (_, w) in enumerate(kept_windows(grid, v.sessions)):
            can_discharge = v.v2g and v.discharge_max_kw > 0 and w.start_soc_kwh >= v.soc_min_kwh
            for t in w.steps:
                if w.fraction[t] >= FULL_STEP:
                    rows.append((t, s, v.discharge_max_kw if can_discharge else 0.0,
                                 min(v.soc_min_kwh, w.start_soc_kwh), max(v.soc_max_kwh, w.start_soc_kwh),
                                 w.first_boundary, w.start_soc_kwh))
        if rows:
            cols = list(zip(*rows, strict=True))
            out.append(AssetSteps(v.name, "vehicle", tuple(cols[0]), tuple(cols[1]), v.charge_max_kw, tuple(cols[2]),
                                  tuple(cols[3]), tuple(cols[4]), v.eta_charge, v.eta_discharge, tuple(cols[5]),
                                  tuple(cols[6])))
    return out


def held_capacity_kw(scenario: Any, schedule: Any) -> np.ndarray:
    """The capacity [kW] each step of ``schedule`` can hold in the scenario's grid-service direction
    (module docstring); zeros without a contract."""
    n = scenario.steps
    service = scenario.grid_service
    if service is None:
        return np.zeros(n)
    dur = service.duration_hours
    up, down = np.zeros(n), np.zeros(n)
    for a in participation(scenario.grid, scenario.batteries, scenario.vehicles):
        ch = schedule[f"{a.name}_charge_kw"].to_numpy(dtype=float)
        dis = schedule[f"{a.name}_discharge_kw"].to_numpy(dtype=float)
        soc_end = schedule[f"{a.name}_soc_kwh"].to_numpy(dtype=float)
        for i, t in enumerate(a.steps):
            start = a.start_soc_kwh[i] if t == a.first[i] else soc_end[t - 1]
            low_soc, high_soc = min(start, soc_end[t]), max(start, soc_end[t])
            u = max(0.0, a.discharge_max_kw[i] - dis[t])
            d = max(0.0, a.charge_max_kw - ch[t])
            if dur > 0:
                u = min(u, max(0.0, low_soc - a.soc_low_kwh[i]) * a.eta_discharge / dur)
                d = min(d, max(0.0, a.soc_high_kwh[i] - high_soc) / (a.eta_charge * dur))
            up[t] += ch[t] + u
            down[t] += dis[t] + d
    imp = schedule["grid_import_kw"].to_numpy(dtype=float)
    exp = schedule["grid_export_kw"].to_numpy(dtype=float)
    limits = scenario.connection
    if math.isfinite(limits.export_limit_kw):
        up = np.minimum(up, np.maximum(0.0, limits.export_limit_kw - exp + imp))
    if math.isfinite(limits.import_limit_kw):
        down = np.minimum(down, np.maximum(0.0, limits.import_limit_kw - imp + exp))
    return {"up": up, "down": down, "both": np.minimum(up, down)}[service.direction]


def service_revenue(scenario: Any, capacity_kw: np.ndarray) -> float:
    """Payment for holding ``capacity_kw`` in each step, plus the plugged-in payment of every V2G car
    [currency, + = received]."""
    service = scenario.grid_service
    if service is None:
        return 0.0
    h = scenario.step_hours
    total = float(np.dot(service.price_per_kw_h(scenario.grid), capacity_kw) * h)
    return total + plugged_in_revenue(scenario)


def plugged_in_revenue(scenario: Any) -> float:
    """``plugged_in_price_per_h`` times the hours each V2G car is plugged in over the horizon [currency]."""
    service = scenario.grid_service
    if service is None or service.plugged_in_price_per_h <= 0:
        return 0.0
    hours = 0.0
    for v in scenario.vehicles:
        if v.v2g:
            for _, w in kept_windows(scenario.grid, v.sessions):
                hours += float(w.fraction.sum()) * scenario.step_hours
    return service.plugged_in_price_per_h * hours
