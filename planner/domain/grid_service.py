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
- at a depot with ``[[charger]]`` tables a car's ratings are its session's charger limits
  (:mod:`planner.domain.chargers`: no discharge on a one-way charger, nothing on no charger), and with a
  finite ``phase_limit_kw`` the extra power on each phase stays within it: per phase ``p``,
  ``sum share_p (discharge_kw + u) <= phase_limit_kw`` (up) and ``sum share_p (charge_kw + d) <=
  phase_limit_kw`` (down), a three-phase charger putting a third on each phase (home batteries carry no
  phase, as in the phase limit itself);
- at the connection: up <= ``export_limit_kw - export_kw + import_kw``, down <= ``import_limit_kw - import_kw
  + export_kw``;
- capacity held = the sum over assets, within the connection, in the contract's direction (``both``: the
  smaller of up and down).

Units: power [kW], energy [kWh], duration [h]. Activation energy (the small net energy of frequency
response) is not modelled: the contract pays for availability.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.domain.chargers import PHASES, session_limits
from planner.domain.sessions import kept_windows

FULL_STEP = 1.0 - 1e-9


@dataclass(frozen=True)
class AssetSteps:
    """One storage asset's part in the service: the steps it takes part in, with their SoC segment.

    ``segment[i]`` is the SoC trajectory (0 for a battery, the session's kept-window index for a car) of
    ``steps[i]``; ``start_soc_kwh[i]`` the SoC of that trajectory's first boundary and ``first[i]`` its index;
    ``phase_share[i]`` the share of its power on each phase (empty off a depot charger).
    """

    name: str
    kind: str
    steps: tuple[int, ...]
    segment: tuple[int, ...]
    charge_max_kw: tuple[float, ...]
    discharge_max_kw: tuple[float, ...]
    soc_low_kwh: tuple[float, ...]
    soc_high_kwh: tuple[float, ...]
    eta_charge: float
    eta_discharge: float
    first: tuple[int, ...]
    start_soc_kwh: tuple[float, ...]
    phase_share: tuple[Mapping[str, float], ...]


def participation(scenario: Any) -> list[AssetSteps]:
    """Every storage asset's steps in the service (module docstring)."""
    grid = scenario.grid
    out = []
    n = grid.steps
    for b in scenario.batteries:
        lo, hi = min(b.soc_min_kwh, b.soc_kwh), max(b.soc_max_kwh, b.soc_kwh)
        out.append(AssetSteps(b.name, "battery", tuple(range(n)), (0,) * n, (b.charge_max_kw,) * n,
                              (b.discharge_max_kw,) * n, (lo,) * n, (hi,) * n, b.eta_charge, b.eta_discharge,
                              (0,) * n, (b.soc_kwh,) * n, ({},) * n))
    for v in scenario.vehicles:
        limits = session_limits(scenario, v)
        rows = []
        for s, (j, w) in enumerate(kept_windows(grid, v.sessions)):
            lim = limits[j]
            if lim.charge_max_kw <= 0 and lim.discharge_max_kw <= 0:
                continue  # on no charger at a depot: cannot move power
            can_discharge = lim.discharge_max_kw > 0 and w.start_soc_kwh >= v.soc_min_kwh
            for t in w.steps:
                if w.fraction[t] >= FULL_STEP:
                    rows.append((t, s, lim.charge_max_kw, lim.discharge_max_kw if can_discharge else 0.0,
                                 min(v.soc_min_kwh, w.start_soc_kwh), max(v.soc_max_kwh, w.start_soc_kwh),
                                 w.first_boundary, w.start_soc_kwh, lim.phase_share))
        if rows:
            cols = list(zip(*rows, strict=True))
            out.append(AssetSteps(v.name, "vehicle", tuple(cols[0]), tuple(cols[1]), tuple(cols[2]),
                                  tuple(cols[3]), tuple(cols[4]), tuple(cols[5]), v.eta_charge, v.eta_discharge,
                                  tuple(cols[6]), tuple(cols[7]), tuple(cols[8])))
    return out


def phase_shares_by_step(scenario: Any) -> dict[str, dict[int, dict[str, float]]]:
    """Per vehicle and step, the share of its power counted on each phase under the phase limit: the
    largest share among the sessions covering the step (exact when one session covers it; a car that leaves
    and comes back on another charger within one step is counted on both). Empty without a finite
    ``phase_limit_kw`` or chargers."""
    if not scenario.chargers or not math.isfinite(scenario.connection.phase_limit_kw):
        return {}
    out: dict[str, dict[int, dict[str, float]]] = {}
    for v in scenario.vehicles:
        limits = session_limits(scenario, v)
        steps: dict[int, dict[str, float]] = {}
        for j, w in kept_windows(scenario.grid, v.sessions):
            for t in w.steps:
                shares = steps.setdefault(int(t), {})
                for p, share in limits[j].phase_share.items():
                    shares[p] = max(shares.get(p, 0.0), share)
        out[v.name] = steps
    return out


def phase_limited_room_kw(room_kw: Sequence[float], shares: Sequence[Mapping[str, float]],
                          phase_room_kw: Mapping[str, float]) -> float:
    """The most extra power [kW] a set of assets can add in one step, each up to ``room_kw[i]``, when the
    extra power on each phase must fit ``phase_room_kw[p]`` (assets with no share are not limited).

    Exact for the shares :func:`planner.domain.chargers.phase_share` gives (all on one phase, or a third on
    each): a kW of three-phase power takes a third of a kW from each phase's room and displaces at most that
    much single-phase power on each, so three-phase room is filled first, up to three times the smallest
    phase room, and each phase's single-phase assets then share what is left on it."""
    free = sum(r for r, sh in zip(room_kw, shares, strict=True) if not sh)
    three = sum(r for r, sh in zip(room_kw, shares, strict=True) if len(sh) == len(PHASES))
    left = {p: max(0.0, phase_room_kw.get(p, math.inf)) for p in PHASES}
    t = min(three, 3.0 * min(left.values()))
    single = 0.0
    for p in PHASES:
        on_p = sum(r for r, sh in zip(room_kw, shares, strict=True) if len(sh) == 1 and p in sh)
        single += min(on_p, left[p] - t / 3.0)
    return free + t + single


def held_capacity_kw(scenario: Any, schedule: Any) -> np.ndarray:
    """The capacity [kW] each step of ``schedule`` can hold in the scenario's grid-service direction
    (module docstring); zeros without a contract."""
    n = scenario.steps
    service = scenario.grid_service
    if service is None:
        return np.zeros(n)
    dur = service.duration_hours
    up, down = np.zeros(n), np.zeros(n)
    phase_limit = scenario.connection.phase_limit_kw
    # per step: (extra room, phase shares) of each asset; the phases' room left by every car's flow
    extra: dict[str, list[list[tuple[float, Mapping[str, float]]]]] = {
        "up": [[] for _ in range(n)], "down": [[] for _ in range(n)]}
    phase_room = {"up": np.full((n, len(PHASES)), phase_limit), "down": np.full((n, len(PHASES)), phase_limit)}
    for name, steps in phase_shares_by_step(scenario).items():
        ch = schedule[f"{name}_charge_kw"].to_numpy(dtype=float)
        dis = schedule[f"{name}_discharge_kw"].to_numpy(dtype=float)
        for t, shares in steps.items():
            for k, p in enumerate(PHASES):
                phase_room["up"][t, k] -= shares.get(p, 0.0) * dis[t]
                phase_room["down"][t, k] -= shares.get(p, 0.0) * ch[t]
    for a in participation(scenario):
        ch = schedule[f"{a.name}_charge_kw"].to_numpy(dtype=float)
        dis = schedule[f"{a.name}_discharge_kw"].to_numpy(dtype=float)
        soc_end = schedule[f"{a.name}_soc_kwh"].to_numpy(dtype=float)
        for i, t in enumerate(a.steps):
            start = a.start_soc_kwh[i] if t == a.first[i] else soc_end[t - 1]
            low_soc, high_soc = min(start, soc_end[t]), max(start, soc_end[t])
            u = max(0.0, a.discharge_max_kw[i] - dis[t])
            d = max(0.0, a.charge_max_kw[i] - ch[t])
            if dur > 0:
                u = min(u, max(0.0, low_soc - a.soc_low_kwh[i]) * a.eta_discharge / dur)
                d = min(d, max(0.0, a.soc_high_kwh[i] - high_soc) / (a.eta_charge * dur))
            up[t] += ch[t]
            down[t] += dis[t]
            shares = a.phase_share[i] if math.isfinite(phase_limit) else {}
            extra["up"][t].append((u, shares))
            extra["down"][t].append((d, shares))
    for direction, total in (("up", up), ("down", down)):
        for t in range(n):
            rows = extra[direction][t]
            if rows:
                room = dict(zip(PHASES, phase_room[direction][t], strict=True))
                total[t] += phase_limited_room_kw([r for r, _ in rows], [sh for _, sh in rows], room)
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
    """``plugged_in_price_per_h`` times the hours each V2G car is plugged in over the horizon [currency] (at a
    depot, into a bidirectional charger)."""
    service = scenario.grid_service
    if service is None or service.plugged_in_price_per_h <= 0:
        return 0.0
    hours = 0.0
    for v in scenario.vehicles:
        if v.v2g:
            limits = session_limits(scenario, v)
            for j, w in kept_windows(scenario.grid, v.sessions):
                if limits[j].discharge_max_kw > 0:  # at a depot: on a bidirectional charger
                    hours += float(w.fraction.sum()) * scenario.step_hours
    return service.plugged_in_price_per_h * hours
