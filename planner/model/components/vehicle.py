"""Electric vehicle with plug-in sessions (smart charging, optional V2G).

A session ``s`` is ``[arrive, depart)``. Power exists only in steps wholly or partly inside it; a step
covered by a fraction ``f[t]`` of its length has its power limits scaled by ``f[t]`` (power is the mean
over the whole step). Let ``a`` be the boundary at or before the arrival and ``d`` the boundary at or after
the departure (clipped to the horizon). Per session::

    soc_kwh[s, a] = arrive_soc_kwh                   (SoC at the horizon start if arrival was earlier)
    soc_kwh[s, t+1] = soc_kwh[s, t] + eta_charge * charge_kw[s, t] * h - discharge_kw[s, t] * h / eta_discharge
    min(soc_min_kwh, arrive_soc_kwh) <= soc_kwh[s, k] <= max(soc_max_kwh, arrive_soc_kwh)
    charge_min_kw * f[t] * is_charging[s, t] <= charge_kw[s, t] <= charge_max_kw * f[t] * is_charging[s, t]
    discharge_kw[s, t] <= discharge_max_kw * f[t] * (1 - is_charging[s, t])      (only with v2g = true)
    soc_kwh[s, d] + shortfall_kwh[s] >= target_kwh[s]                              (soft, penalised)
    bus_kw[t] = sum_s discharge_kw[s, t] - charge_kw[s, t]

``target_kwh`` is ``depart_soc_min_kwh``; for a session that departs after the horizon ends it is pro-rated
linearly in time: ``arrive + (depart_soc_min - arrive) * (horizon_end - start_s) / (depart - start_s)`` with
``start_s = max(arrive, horizon_start)``, so the car is on its way to its target when the next plan takes over.
A car arriving below ``soc_min_kwh`` cannot discharge in that session. In a charge-only session the SoC
only rises, so its bounds are imposed at the session's end boundaries alone (in between they are implied),
which keeps fleet models small. A step partly covered by two
consecutive sessions of one vehicle (it leaves and comes back within the step) belongs to the later session:
the earlier one has no power in it, so each step's power and end-of-step SoC belong to one session.
With a ``charge_efficiency`` curve the SoC rises by the stored power of :mod:`planner.domain.efficiency`
(segments ``seg_kw``, an overhead while ``is_charging``) instead of ``eta_charge * charge_kw``.
With a ``charge_taper`` curve, ``charge_kw[s, t] <= f[t] * psi_i * (a_i + b_i * soc_kwh[s, t])`` for each of its
segments that can bind (:mod:`planner.domain.taper`, with the step's plugged time ``f[t] * h``). The binary ``is_charging`` exists only
where it matters (a minimum charging power or V2G), and in the ``fractional`` dispatch it is continuous.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from planner.domain.efficiency import charge_curve
from planner.domain.names import asset_block_name
from planner.domain.sessions import kept_windows, shortfall_penalty_per_kwh
from planner.domain.taper import taper_rows
from planner.model.components.base import (
    BuildOptions,
    Contribution,
    SolutionValues,
    StoragePort,
    clean_kw,
)


def add_vehicle(m: pyo.ConcreteModel, scenario, spec, options: BuildOptions) -> Contribution:
    """Add block ``vehicle_<name>`` and return its contribution (equations in the module docstring)."""
    h = scenario.step_hours
    b = pyo.Block()
    bname = asset_block_name("vehicle", spec.name)
    m.add_component(bname, b)
    kept = kept_windows(scenario.grid, spec.sessions)  # planner.domain.sessions
    windows = [w for _, w in kept]
    b.windows = windows  # plain attribute for results and verification
    power_idx = [(s, t) for s, w in enumerate(windows) for t in w.steps]
    soc_idx = [(s, k) for s, w in enumerate(windows) for k in range(w.first_boundary, w.last_boundary + 1)]
    cmax, cmin, dmax = spec.charge_max_kw, spec.charge_min_kw, spec.discharge_max_kw
    frac = {(s, t): f for s, w in enumerate(windows)
            for t, f in zip(w.steps, np.asarray(w.fraction, dtype=float)[list(w.steps)].tolist(), strict=True)}
    can_discharge = {
        s: spec.v2g and dmax > 0 and w.start_soc_kwh >= spec.soc_min_kwh for s, w in enumerate(windows)
    }
    b.charge_kw = pyo.Var(
        power_idx, domain=pyo.NonNegativeReals, bounds=lambda _, s, t: (0.0, cmax * frac[s, t])
    )
    dis_idx = [(s, t) for s, t in power_idx if can_discharge[s]]
    b.discharge_kw = pyo.Var(
        dis_idx, domain=pyo.NonNegativeReals, bounds=lambda _, s, t: (0.0, dmax * frac[s, t])
    )

    def soc_bounds(_, s, k):
        start = windows[s].start_soc_kwh
        if not can_discharge[s] and windows[s].first_boundary < k < windows[s].last_boundary:
            return (None, None)  # charge-only: SoC rises from start, so the bounds at the ends imply these
        return (min(spec.soc_min_kwh, start), max(spec.soc_max_kwh, start))

    b.soc_kwh = pyo.Var(soc_idx, domain=pyo.Reals, bounds=soc_bounds)
    for s, w in enumerate(windows):
        b.soc_kwh[s, w.first_boundary].fix(w.start_soc_kwh)
    eta_c = spec.eta_charge
    inv_eta_d = 1.0 / spec.eta_discharge
    dyn_idx = [(s, k) for s, w in enumerate(windows) for k in range(w.first_boundary, w.last_boundary)]
    # the variables' data by index, looked up once: indexing a Pyomo variable is most of a fleet's build time
    charge_of, discharge_of, soc_of = dict(b.charge_kw.items()), dict(b.discharge_kw.items()), dict(b.soc_kwh.items())

    stored = add_charge_curve(b, scenario, spec, power_idx, frac) if spec.charge_efficiency else None
    ceh, dh = eta_c * h, h * inv_eta_d

    def soc_rule(_, s, t):
        expr = soc_of[s, t]
        ch = charge_of.get((s, t))
        if ch is not None:
            expr = expr + (h * stored[s, t] if stored is not None else ceh * ch)
        dis = discharge_of.get((s, t))
        if dis is not None:
            expr = expr - dh * dis
        return soc_of[s, t + 1] == expr

    b.soc_balance = pyo.Constraint(dyn_idx, rule=soc_rule)
    taper = taper_rows(spec.charge_taper, spec.capacity_kwh, eta_c, cmax,
                       [(s, t, h * frac[s, t], max(spec.soc_max_kwh, windows[s].start_soc_kwh)) for s, t in power_idx])
    if taper:
        b.charge_within_taper = pyo.Constraint(
            range(len(taper)), rule=lambda b, r: charge_of[taper[r][0], taper[r][1]]
            <= frac[taper[r][0], taper[r][1]] * (taper[r][2] + taper[r][3] * soc_of[taper[r][0], taper[r][1]]))
    sessions = list(range(len(windows)))
    b.shortfall_kwh = pyo.Var(sessions, domain=pyo.NonNegativeReals)
    b.soc_at_departure_min = pyo.Constraint(
        sessions,
        rule=lambda b, s: soc_of[s, windows[s].last_boundary] + b.shortfall_kwh[s]
        >= windows[s].target_kwh,
    )
    contribution = Contribution(bname)
    need_binary = [(s, t) for s, t in power_idx if cmax > 0 and (cmin > 0 or (s, t) in discharge_of)]
    if need_binary:
        domain = pyo.Binary if options.dispatch == "setpoint" else pyo.UnitInterval
        b.is_charging = pyo.Var(need_binary, domain=domain)
        on_of = dict(b.is_charging.items())
        b.charge_only_when_charging = pyo.Constraint(
            need_binary,
            rule=lambda _, s, t: charge_of[s, t] <= cmax * frac[s, t] * on_of[s, t],
        )
        if cmin > 0:
            b.charge_at_least_minimum = pyo.Constraint(
                need_binary,
                rule=lambda _, s, t: charge_of[s, t] >= cmin * frac[s, t] * on_of[s, t],
            )
        dis_bin = [i for i in need_binary if i in discharge_of]
        if dis_bin:
            b.discharge_only_when_discharging = pyo.Constraint(
                dis_bin,
                rule=lambda _, s, t: discharge_of[s, t] <= dmax * frac[s, t] * (1 - on_of[s, t]),
            )
        if options.dispatch == "setpoint":
            contribution.binary_links = [(on_of[i], charge_of[i]) for i in need_binary]
    if stored is not None and b.charge_curve.overhead_kw > 0:  # the overhead is paid while the charger is on
        b.overhead_while_on = pyo.Constraint(power_idx, rule=lambda b, s, t: b.overhead_on[s, t] == b.is_charging[s, t])
    bus: dict[int, object] = {}
    charge: dict[int, object] = {}
    discharge: dict[int, object] = {}
    for (s, t), ch in charge_of.items():
        dis = discharge_of.get((s, t))
        term = -ch if dis is None else -ch + dis
        bus[t] = term if t not in bus else bus[t] + term
        charge[t] = ch if t not in charge else charge[t] + ch
        if dis is not None:
            discharge[t] = dis if t not in discharge else discharge[t] + dis
    contribution.bus_kw = bus
    penalty = shortfall_penalty_per_kwh(spec, scenario.shortfall_penalty_per_kwh)
    contribution.costs["shortfall_penalty"] = penalty * sum(b.shortfall_kwh[s] for s in sessions)
    contribution.storage = StoragePort(
        name=spec.name,
        kind="vehicle",
        charge_kw=charge,
        discharge_kw=discharge,
        soc_kwh=soc_of,
        capacity_kwh=spec.capacity_kwh,
        spec=spec,
        ends=[(soc_of[s, w.last_boundary], float(w.target_kwh)) for s, w in enumerate(windows)],
        start_depth_kwh={s: float(spec.sessions[j].cycle_depth_kwh) for s, (j, _) in enumerate(kept)},
    )
    return contribution


def add_charge_curve(b: Any, scenario, spec, power_idx: list[tuple[int, int]],
                     frac: dict[tuple[int, int], float]) -> dict[tuple[int, int], Any]:
    """Power reaching the battery in each plugged step under the power-dependent efficiency of
    :mod:`planner.domain.efficiency` (segments ``seg_kw``; the overhead's on/off term is added once
    ``is_charging`` exists, by :func:`add_vehicle`); returns ``(s, t) -> expression`` [kW]."""
    curve = charge_curve(spec.charge_efficiency, spec.charge_max_kw)
    b.charge_curve = curve  # plain attribute
    segs = range(len(curve.widths_kw))
    idx = [(s, t, k) for s, t in power_idx for k in segs]
    b.seg_kw = pyo.Var(idx, domain=pyo.NonNegativeReals,
                       bounds=lambda _, s, t, k: (0.0, curve.widths_kw[k] * frac[s, t]))
    b.charge_is_segments = pyo.Constraint(
        power_idx, rule=lambda b, s, t: b.charge_kw[s, t] == sum(b.seg_kw[s, t, k] for k in segs))
    tariff = scenario.tariff
    disposal = (tariff.import_price_per_kwh < 0) | (tariff.export_price_per_kwh < 0) | (not scenario.solar_curtailable)
    ordered = [(s, t, k) for s, t in power_idx if disposal[t] for k in range(len(curve.widths_kw) - 1)]
    if ordered:  # getting rid of energy could pay here: fill the segments in order (binaries)
        b.segment_full = pyo.Var(ordered, domain=pyo.Binary)
        b.segment_filled_first = pyo.Constraint(ordered, rule=lambda b, s, t, k: b.seg_kw[s, t, k]
                                                >= curve.widths_kw[k] * frac[s, t] * b.segment_full[s, t, k])
        b.segment_after_full = pyo.Constraint(ordered, rule=lambda b, s, t, k: b.seg_kw[s, t, k + 1]
                                              <= curve.widths_kw[k + 1] * frac[s, t] * b.segment_full[s, t, k])
    if curve.overhead_kw > 0:
        b.overhead_on = pyo.Var(power_idx, domain=pyo.NonNegativeReals, bounds=(0.0, 1.0))
    return {(s, t): sum(m * b.seg_kw[s, t, k] for k, m in enumerate(curve.slopes))
            - (curve.overhead_kw * frac[s, t] * b.overhead_on[s, t] if curve.overhead_kw > 0 else 0.0)
            for s, t in power_idx}


def read_vehicle(block: Any, spec: Any, steps: int, values: SolutionValues) -> dict[str, np.ndarray]:
    """The schedule columns of one vehicle block: ``<name>_charge_kw``, ``_discharge_kw`` [kW, >= 0, 0 while
    away], ``_soc_kwh`` (end of each step; NaN while away) [kWh] and ``_plugged`` (any part of the step)."""
    n = steps
    index = getattr(block, "readback_index", None)
    if index is None:  # found once per model: a persistent model is read back after every re-solve
        ckeys, dkeys = list(block.charge_kw), list(block.discharge_kw)
        soc_keys = [(s, k) for s, w in enumerate(block.windows) for k in range(w.first_boundary, w.last_boundary)]
        index = block.readback_index = (ckeys, dkeys, soc_keys, np.array([t for _, t in ckeys], dtype=np.int64),
                                        np.array([t for _, t in dkeys], dtype=np.int64),
                                        np.array([k for _, k in soc_keys], dtype=np.int64))
    ckeys, dkeys, soc_keys, csteps, dsteps, ksteps = index
    charge, discharge = np.zeros(n), np.zeros(n)
    soc = np.full(n, np.nan)
    plugged = np.zeros(n, dtype=bool)
    np.add.at(charge, csteps, values((block.name, "charge"), lambda: [block.charge_kw[i] for i in ckeys]))
    np.add.at(discharge, dsteps, values((block.name, "discharge"), lambda: [block.discharge_kw[i] for i in dkeys]))
    soc[ksteps] = values((block.name, "soc"), lambda: [block.soc_kwh[s, k + 1] for s, k in soc_keys])
    for w in block.windows:
        plugged[w.steps] = True
    return {f"{spec.name}_charge_kw": clean_kw(charge), f"{spec.name}_discharge_kw": clean_kw(discharge),
            f"{spec.name}_soc_kwh": soc, f"{spec.name}_plugged": plugged}
