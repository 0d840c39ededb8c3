"""Depot chargers: each session of a vehicle is plugged into one charger (or none).

A scenario that declares ``[[charger]]`` tables assigns every vehicle session to a charger with
``charger = "name"`` (on the ``[[vehicle]]`` table for all its sessions, or on one ``[[vehicle.session]]``).
In such a scenario a session with no charger cannot charge or discharge. A scenario without chargers keeps
the vehicle's own limits (a home charger matched to the car). One vehicle per charger at a time is a rule
of the data: overlapping sessions on one charger are a :class:`~planner.errors.ScenarioError`.

For a session ``s`` of vehicle ``v`` on charger ``c`` the limits are the stricter of the two, per step
``t`` with covered fraction ``f[t]``::

    charge_kw[s, t]    <= min(v.charge_max_kw, c.charge_max_kw) * f[t]
    charge_kw[s, t]    >= max(v.charge_min_kw, c.charge_min_kw) * f[t] * is_charging[s, t]
    discharge_kw[s, t] <= min(v.discharge_max_kw, c.discharge_max_kw) * f[t]   (v.v2g and c.bidirectional)
    discharge_kw[s, t]  = 0                                                    (otherwise)

and, when ``[grid] phase_limit_kw`` is finite, per phase ``p`` and step ``t`` (a three-phase charger puts a
third of its power on each phase; load and solar carry no phase in a scenario, so the limit applies to the
chargers' feeder)::

    sum over sessions on p of share_p * charge_kw[s, t]    <= phase_limit_kw
    sum over sessions on p of share_p * discharge_kw[s, t] <= phase_limit_kw

Tightness: :func:`vehicle_for_build` folds the charger limits into the vehicle's spec when all of its
sessions share the same limits (the usual depot case, one bay per van), so the vehicle block is built with
the tightest bounds and no binary that cannot matter (a V2G car on a one-way charger gets no charge/discharge
binary). Only sessions whose limits differ from the vehicle's envelope get extra bounds and rows here.

Symmetry: vehicles that are interchangeable (same effective limits, efficiencies, wear, sessions and, when
phases are limited, phase) can swap schedules without changing the cost. For each such group, ordered by
name, :func:`add_chargers` adds ``sum_t (t + 1) * charge_kw_i[t] >= sum_t (t + 1) * charge_kw_j[t]`` for
consecutive members ``i, j``: any optimum can be permuted to satisfy it, and branch and bound no longer
explores mirror images.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from planner.domain.chargers import SessionLimits, session_limits
from planner.domain.names import asset_block_name
from planner.domain.sessions import kept_windows
from planner.model.components.base import BuildOptions, Contribution

if TYPE_CHECKING:  # pyomo is imported where a model is built, so the limits work without it (fail-safe plan)
    import pyomo.environ as pyo

def vehicle_for_build(scenario, vehicle):
    """The vehicle spec the model is built from: the envelope of its sessions' effective limits.

    When every session has the same limits this is exact; otherwise :func:`add_chargers` tightens the
    sessions that are stricter than the envelope.
    """
    if not scenario.chargers or not vehicle.sessions:
        return vehicle
    lims = session_limits(scenario, vehicle)
    cmax = max(x.charge_max_kw for x in lims)
    dmax = max(x.discharge_max_kw for x in lims)
    cmin = min(x.charge_min_kw for x in lims if x.charge_max_kw > 0) if cmax > 0 else 0.0
    return replace(
        vehicle,
        charge_max_kw=cmax,
        charge_min_kw=cmin,
        discharge_max_kw=dmax if dmax > 0 else 0.0,
        v2g=vehicle.v2g and dmax > 0,
    )


def _vehicle_block_name(name: str) -> str:
    """``vehicle_<name>`` as :func:`planner.domain.names.asset_block_name` spells it."""
    return asset_block_name("vehicle", name)


def _symmetry_key(scenario, built_spec, lims: list[SessionLimits]) -> tuple:
    phases_matter = math.isfinite(scenario.connection.phase_limit_kw)
    spec_key = replace(built_spec, name="", model=None, degradation={}, charger=None)  # limits: per session
    degradation = tuple(sorted((k, repr(v)) for k, v in built_spec.degradation.items()))
    sessions = tuple(
        (s.arrive.value, s.depart.value, s.arrive_soc_kwh, s.depart_soc_min_kwh,
         x.charge_max_kw, x.charge_min_kw, x.discharge_max_kw,
         tuple(sorted(x.phase_share.items())) if phases_matter else ())
        for s, x in zip(built_spec.sessions, lims, strict=True)
    )
    return (repr(replace(spec_key, sessions=())), degradation, sessions)


def add_chargers(m: pyo.ConcreteModel, scenario, options: BuildOptions) -> Contribution | None:
    """Add block ``chargers``: per-session charger limits, phase limits and symmetry breaking.

    Must run after every vehicle block is built (it reads ``vehicle_<name>.charge_kw`` etc.). Returns a
    contribution with no bus power and no cost (it only restricts), or None when nothing was added.
    """
    import pyomo.environ as pyo

    b = pyo.Block()
    m.chargers = b
    contribution = Contribution("chargers")
    # (vehicle block, (session, step), cap [kW], min [kW]) for sessions stricter than the built envelope
    strict_rows: list[tuple[pyo.Block, tuple[int, int], float, float]] = []
    phase_charge: dict[tuple[str, int], list[tuple[float, object]]] = {}
    phase_discharge: dict[tuple[str, int], list[tuple[float, object]]] = {}
    order_terms: dict[tuple, list[tuple[str, object]]] = {}
    for spec in scenario.vehicles:
        vb = m.component(_vehicle_block_name(spec.name))
        if vb is None:
            continue
        built = vehicle_for_build(scenario, spec)
        lims = session_limits(scenario, spec)
        kept = [j for j, _ in kept_windows(scenario.grid, spec.sessions)]
        weighted: list[tuple[int, object]] = []
        for s_block, j in enumerate(kept):
            lim = lims[j]
            frac = scenario.grid.coverage(spec.sessions[j].arrive, spec.sessions[j].depart)
            for t in np.flatnonzero(frac > 0):
                t = int(t)
                key = (s_block, t)
                if key not in vb.charge_kw:
                    continue
                f = float(frac[t])
                cvar = vb.charge_kw[key]
                cap = lim.charge_max_kw * f
                if cap < built.charge_max_kw * f - 1e-12:
                    cvar.setub(cap)
                    if cap > 0 and hasattr(vb, "is_charging") and key in vb.is_charging:
                        strict_rows.append((vb, key, cap, lim.charge_min_kw * f))
                if cap > 0 and lim.charge_min_kw > built.charge_min_kw + 1e-12:
                    strict_rows.append((vb, key, cap, lim.charge_min_kw * f))
                dvar = vb.discharge_kw[key] if key in vb.discharge_kw else None  # noqa: SIM401
                if dvar is not None:
                    dcap = lim.discharge_max_kw * f
                    if dcap < built.discharge_max_kw * f - 1e-12:
                        dvar.setub(dcap)
                for p, share in lim.phase_share.items():
                    phase_charge.setdefault((p, t), []).append((share, cvar))
                    if dvar is not None and lim.discharge_max_kw > 0:
                        phase_discharge.setdefault((p, t), []).append((share, dvar))
                weighted.append((t + 1, cvar))
        if len(kept) == len(spec.sessions) and weighted:
            order_terms.setdefault(_symmetry_key(scenario, built, lims), []).append((spec.name, weighted))
    added = False
    if strict_rows:
        _add_strict_rows(b, strict_rows, options, contribution)
        added = True
    phase_limit = scenario.connection.phase_limit_kw
    if math.isfinite(phase_limit) and phase_charge:
        b.phase_charge_within_limit = pyo.Constraint(
            sorted(phase_charge),
            rule=lambda _, p, t: sum(w * v for w, v in phase_charge[p, t]) <= phase_limit,
        )
        if phase_discharge:
            b.phase_discharge_within_limit = pyo.Constraint(
                sorted(phase_discharge),
                rule=lambda _, p, t: sum(w * v for w, v in phase_discharge[p, t]) <= phase_limit,
            )
        added = True
    pairs = []
    for members in order_terms.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda x: x[0])
        sums = [sum(w * v for w, v in terms) for _, terms in members]
        pairs.extend((sums[i], sums[i + 1]) for i in range(len(sums) - 1))
    if pairs:
        b.identical_vehicles_ordered = pyo.Constraint(
            range(len(pairs)), rule=lambda _, i: pairs[i][0] >= pairs[i][1]
        )
        added = True
    if not added:
        m.del_component(b)
        return None
    return contribution


def _add_strict_rows(b: pyo.Block, rows: list, options: BuildOptions, contribution: Contribution) -> None:
    """On/off rows for sessions stricter than their vehicle's envelope (see the module docstring).

    Uses the vehicle's ``is_charging`` where it exists, else a binary ``chargers.is_charging[i]`` of its own.
    """
    import pyomo.environ as pyo

    seen: set[tuple[int, tuple[int, int]]] = set()
    unique = []
    for vb, key, cap, cmin in rows:
        if (id(vb), key) not in seen:
            seen.add((id(vb), key))
            unique.append((vb, key, cap, cmin))
    idx = list(range(len(unique)))
    own = [i for i in idx if not (hasattr(unique[i][0], "is_charging") and unique[i][1] in unique[i][0].is_charging)]
    if own:
        domain = pyo.Binary if options.dispatch == "setpoint" else pyo.UnitInterval
        b.is_charging = pyo.Var(own, domain=domain)
        if options.dispatch == "setpoint":
            contribution.binary_links = [(b.is_charging[i], unique[i][0].charge_kw[unique[i][1]]) for i in own]
    own_set = set(own)

    def on(i: int):
        vb, key = unique[i][0], unique[i][1]
        return b.is_charging[i] if i in own_set else vb.is_charging[key]

    b.charge_only_when_charging = pyo.Constraint(
        idx, rule=lambda _, i: unique[i][0].charge_kw[unique[i][1]] <= unique[i][2] * on(i)
    )
    with_min = [i for i in idx if unique[i][3] > 0]
    if with_min:
        b.charge_at_least_charger_minimum = pyo.Constraint(
            with_min, rule=lambda _, i: unique[i][0].charge_kw[unique[i][1]] >= unique[i][3] * on(i)
        )
