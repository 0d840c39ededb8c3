"""Independent check of grid-service capacity (numpy only): a second reading of the rule stated in
:mod:`planner.domain.grid_service`, written from the schedule's columns and the sessions' coverage.

For every step with an availability price, the capacity the plan says it holds (``grid_service_kw``) must fit
what its schedule leaves: per asset, stopping its charge (up) or discharge (down) plus the rest of its power
rating, limited by the energy for ``duration_minutes`` between the SoC at the step's two ends and the
asset's SoC limits; a car only where it is plugged in for the whole step; within the connection. The
revenue is recomputed as the price times the held kW times the step, plus the plugged-in payment.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TOL_KW = 1e-5


def _asset_room(lo: float, hi: float, eta_c: float, eta_d: float, cmax: float, dmax: float, c: float, d: float,
                s0: float, s1: float, dur_h: float) -> tuple[float, float]:
    """(up, down) room of one asset in one step [kW]."""
    more_up, more_down = max(0.0, dmax - d), max(0.0, cmax - c)
    if dur_h > 0:
        more_up = min(more_up, max(0.0, min(s0, s1) - lo) * eta_d / dur_h)
        more_down = min(more_down, max(0.0, hi - max(s0, s1)) / (eta_c * dur_h))
    return c + more_up, d + more_down


def check_grid_service(scenario, col: Callable[[str], np.ndarray], offered: np.ndarray,
                       report: Callable[..., None]) -> float:
    """Report steps whose ``offered`` capacity [kW] the schedule cannot hold; return the recomputed revenue
    [currency, + = received]."""
    service = scenario.grid_service
    grid, n, h = scenario.grid, scenario.steps, scenario.step_hours
    price = service.price_per_kw_h(grid)
    dur = service.duration_minutes / 60.0
    up, down = np.zeros(n), np.zeros(n)
    for b in scenario.batteries:
        c, d, soc = col(f"{b.name}_charge_kw"), col(f"{b.name}_discharge_kw"), col(f"{b.name}_soc_kwh")
        start = np.concatenate([[b.soc_kwh], soc[:-1]])
        lo, hi = min(b.soc_min_kwh, b.soc_kwh), max(b.soc_max_kwh, b.soc_kwh)
        for t in range(n):
            u, dn = _asset_room(lo, hi, b.eta_charge, b.eta_discharge, b.charge_max_kw, b.discharge_max_kw,
                                c[t], d[t], start[t], soc[t], dur)
            up[t] += u
            down[t] += dn
    plugged_hours = 0.0
    for v in scenario.vehicles:
        c, d, soc = col(f"{v.name}_charge_kw"), col(f"{v.name}_discharge_kw"), col(f"{v.name}_soc_kwh")
        covers = [grid.coverage(s.arrive, s.depart) for s in v.sessions]
        total = np.sum(covers, axis=0) if covers else np.zeros(n)
        if v.v2g:
            plugged_hours += float(np.minimum(total, 1.0).sum() * h)
        for s, cover in zip(v.sessions, covers, strict=True):
            dmax = v.discharge_max_kw if v.v2g and s.arrive_soc_kwh >= v.soc_min_kwh else 0.0
            lo, hi = min(v.soc_min_kwh, s.arrive_soc_kwh), max(v.soc_max_kwh, s.arrive_soc_kwh)
            full = np.flatnonzero((cover >= 1.0 - 1e-9) & (total <= 1.0 + 1e-9))
            first = int(full[0]) if len(full) else -1
            arrive_at = grid.position(s.arrive)
            for t in full:  # the SoC at the step's start: the arrival SoC in the first step it is plugged from
                s0 = s.arrive_soc_kwh if t == first and (arrive_at >= t - 1e-9 or t == 0) else soc[t - 1]
                u, dn = _asset_room(lo, hi, v.eta_charge, v.eta_discharge, v.charge_max_kw, dmax, c[t], d[t],
                                    s0, soc[t], dur)
                up[t] += u
                down[t] += dn
    imp, exp = col("grid_import_kw"), col("grid_export_kw")
    up = np.minimum(up, np.maximum(0.0, scenario.connection.export_limit_kw - exp + imp))
    down = np.minimum(down, np.maximum(0.0, scenario.connection.import_limit_kw - imp + exp))
    room = {"up": up, "down": down, "both": np.minimum(up, down)}[service.direction]
    report(offered > room + TOL_KW, f"grid service: capacity offered above what the schedule can hold "
           f"({service.direction}, {service.duration_minutes:g} min of energy)", offered - room)
    report((price <= 0) & (offered > TOL_KW), "grid service: capacity offered outside every service window", offered)
    return float(np.dot(price, np.minimum(offered, room)) * h) + service.plugged_in_price_per_h * plugged_hours
