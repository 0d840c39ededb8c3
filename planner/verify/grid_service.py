"""Independent check of grid-service capacity (numpy only): a second reading of the rule stated in
:mod:`planner.domain.grid_service`, written from the schedule's columns and the sessions' coverage.

For every step with an availability price, the capacity the plan says it holds (``grid_service_kw``) must fit
what its schedule leaves: per asset, stopping its charge (up) or discharge (down) plus the rest of its power
rating, limited by the energy for ``duration_minutes`` between the SoC at the step's two ends and the
asset's SoC limits; a car only where it is plugged in for the whole step; within the connection. At a depot
a car's ratings are its charger's (none on a one-way charger for discharge, nothing without a charger), and
under a finite ``phase_limit_kw`` the extra power is the most that fits every phase's room: a small linear
programme per step, solved here by enumerating the vertices of its three phase rows (independent of the
model's argument for filling three-phase chargers first). The revenue is recomputed as the price times the
held kW times the step, plus the plugged-in payment.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TOL_KW = 1e-5
PHASES = ("L1", "L2", "L3")


def _phase_room(items: list[tuple[float, dict[str, float]]], room: dict[str, float]) -> float:
    """max sum x_i, 0 <= x_i <= cap_i, sum_i share_i[p] x_i <= room[p] for each phase (items with no share
    are unlimited). Three-phase items (a third on each phase) act as one variable ``T``; for a fixed ``T``
    each phase's single-phase items take ``min(cap, room - T/3)``, so the optimum is at a breakpoint of that
    concave function: ``T`` in {0, cap3, 3 (room_p - cap1_p), 3 room_p}, clipped to the feasible range."""
    free = sum(c for c, sh in items if not sh)
    cap3 = sum(c for c, sh in items if len(sh) == 3)
    cap1 = {p: sum(c for c, sh in items if len(sh) == 1 and p in sh) for p in PHASES}
    left = {p: max(0.0, room[p]) for p in PHASES}
    t_max = min(cap3, 3.0 * min(left.values()))
    candidates = {0.0, t_max} | {min(t_max, max(0.0, 3.0 * (left[p] - cap1[p]))) for p in PHASES}
    best = max(t + sum(min(cap1[p], left[p] - t / 3.0) for p in PHASES) for t in candidates)
    return free + best


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
    chargers = {c.name: c for c in getattr(scenario, "chargers", ())}
    limit = scenario.connection.phase_limit_kw
    phased = bool(chargers) and np.isfinite(limit)
    extra_up: list[list[tuple[float, dict[str, float]]]] = [[] for _ in range(n)]
    extra_down: list[list[tuple[float, dict[str, float]]]] = [[] for _ in range(n)]
    room_up = {p: np.full(n, float(limit)) for p in PHASES}
    room_down = {p: np.full(n, float(limit)) for p in PHASES}
    for b in scenario.batteries:
        c, d, soc = col(f"{b.name}_charge_kw"), col(f"{b.name}_discharge_kw"), col(f"{b.name}_soc_kwh")
        start = np.concatenate([[b.soc_kwh], soc[:-1]])
        lo, hi = min(b.soc_min_kwh, b.soc_kwh), max(b.soc_max_kwh, b.soc_kwh)
        for t in range(n):
            u, dn = _asset_room(lo, hi, b.eta_charge, b.eta_discharge, b.charge_max_kw, b.discharge_max_kw,
                                c[t], d[t], start[t], soc[t], dur)
            extra_up[t].append((u - c[t], {}))
            extra_down[t].append((dn - d[t], {}))
            up[t] += c[t]
            down[t] += d[t]
    plugged_hours = 0.0
    for v in scenario.vehicles:
        c, d, soc = col(f"{v.name}_charge_kw"), col(f"{v.name}_discharge_kw"), col(f"{v.name}_soc_kwh")
        covers = [grid.coverage(s.arrive, s.depart) for s in v.sessions]
        total = np.sum(covers, axis=0) if covers else np.zeros(n)
        if v.v2g:  # at a depot only the sessions on a bidirectional charger are plugged in "with V2G"
            v2g_covers = [cv for s, cv in zip(v.sessions, covers, strict=True) if not chargers or (
                s.charger in chargers and chargers[s.charger].bidirectional)]
            if v2g_covers:
                plugged_hours += float(np.minimum(np.sum(v2g_covers, axis=0), 1.0).sum() * h)
        counted: dict[str, np.ndarray] = {}
        for s, cover in zip(v.sessions, covers, strict=True):
            cmax, dmax = v.charge_max_kw, (v.discharge_max_kw if v.v2g else 0.0)
            shares: dict[str, float] = {}
            if chargers:
                ch = chargers.get(s.charger) if s.charger is not None else None
                if ch is None:
                    continue  # no charger, no power
                cmax = min(cmax, ch.charge_max_kw)
                dmax = min(dmax, ch.discharge_max_kw) if ch.bidirectional else 0.0
                if phased:
                    shares = {ch.phase: 1.0} if ch.phase in PHASES else {p: 1.0 / 3.0 for p in PHASES}
                    for p, w in shares.items():  # the car's flow on the phase, each step counted once
                        counted[p] = np.maximum(counted.get(p, np.zeros(n)), np.where(cover > 0, w, 0.0))
            if s.arrive_soc_kwh < v.soc_min_kwh:
                dmax = 0.0
            lo, hi = min(v.soc_min_kwh, s.arrive_soc_kwh), max(v.soc_max_kwh, s.arrive_soc_kwh)
            full = np.flatnonzero((cover >= 1.0 - 1e-9) & (total <= 1.0 + 1e-9))
            first = int(full[0]) if len(full) else -1
            arrive_at = grid.position(s.arrive)
            for t in full:  # the SoC at the step's start: the arrival SoC in the first step it is plugged from
                s0 = s.arrive_soc_kwh if t == first and (arrive_at >= t - 1e-9 or t == 0) else soc[t - 1]
                u, dn = _asset_room(lo, hi, v.eta_charge, v.eta_discharge, cmax, dmax, c[t], d[t],
                                    s0, soc[t], dur)
                extra_up[t].append((u - c[t], shares))
                extra_down[t].append((dn - d[t], shares))
                up[t] += c[t]
                down[t] += d[t]
        for p, w in counted.items():
            room_up[p] -= w * d
            room_down[p] -= w * c
    for t in range(n):
        up[t] += _phase_room(extra_up[t], {p: room_up[p][t] for p in PHASES})
        down[t] += _phase_room(extra_down[t], {p: room_down[p][t] for p in PHASES})
    imp, exp = col("grid_import_kw"), col("grid_export_kw")
    up = np.minimum(up, np.maximum(0.0, scenario.connection.export_limit_kw - exp + imp))
    down = np.minimum(down, np.maximum(0.0, scenario.connection.import_limit_kw - imp + exp))
    room = {"up": up, "down": down, "both": np.minimum(up, down)}[service.direction]
    report(offered > room + TOL_KW, f"grid service: capacity offered above what the schedule can hold "
           f"({service.direction}, {service.duration_minutes:g} min of energy)", offered - room)
    report((price <= 0) & (offered > TOL_KW), "grid service: capacity offered outside every service window", offered)
    return float(np.dot(price, np.minimum(offered, room)) * h) + service.plugged_in_price_per_h * plugged_hours
