"""Grid-service availability (contract in :mod:`planner.inputs.grid_service`, rule in
:mod:`planner.domain.grid_service`).

Block ``grid_service``. For each storage asset ``a`` and step ``t`` it takes part in (``participation``):

    up_stop[a,t]   <= charge_kw[a,t]                        (stop charging)
    up_more[a,t]   <= discharge_max_kw - discharge_kw[a,t]   (discharge more)
    up_more[a,t] * duration_h / eta_discharge <= soc[a,k] - soc_low      k = t, t+1
    down_stop[a,t] <= discharge_kw[a,t]
    down_more[a,t] <= charge_max_kw - charge_kw[a,t]
    down_more[a,t] * duration_h * eta_charge <= soc_high - soc[a,k]      k = t, t+1

and for each step ``t`` with an availability price ``p[t] > 0``:

    service_kw[t] <= sum_a (up_stop + up_more)[a,t]      and  <= export_limit - export_kw[t] + import_kw[t]  (up)
    service_kw[t] <= sum_a (down_stop + down_more)[a,t]  and  <= import_limit - import_kw[t] + export_kw[t]  (down)

At a depot the ratings are each session's charger limits, and with a finite ``phase_limit_kw``, per phase
``p`` and paid step ``t`` (``share`` as in :func:`planner.domain.grid_service.phase_shares_by_step`)::

    sum_v share_p[v,t] * discharge_kw[v,t] + sum_a share_p[a,t] * up_more[a,t]   <= phase_limit_kw   (up)
    sum_v share_p[v,t] * charge_kw[v,t]    + sum_a share_p[a,t] * down_more[a,t] <= phase_limit_kw   (down)
    grid_service_revenue = -(sum_t p[t] * h * service_kw[t] + plugged-in payment)    (currency, - = received)

Linear, no binaries. Only the directions the contract asks for are built.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from planner.domain.grid_service import participation, phase_shares_by_step, plugged_in_revenue
from planner.model.components.base import Contribution

DIRECTION_PARTS = {"up": ("up",), "down": ("down",), "both": ("up", "down")}


def add_grid_service(m: pyo.ConcreteModel, scenario, contributions: list[Contribution]) -> Contribution | None:
    """Add block ``m.grid_service`` for the scenario's contract (None without one)."""
    service = scenario.grid_service
    if service is None:
        return None
    h = scenario.step_hours
    price = service.price_per_kw_h(scenario.grid)
    paid = [t for t in range(scenario.steps) if price[t] > 0]
    plugged = plugged_in_revenue(scenario)
    if not paid and plugged == 0:
        return None
    ports = {c.storage.name: c.storage for c in contributions if c.storage is not None}
    b = pyo.Block()
    m.grid_service = b
    b.steps_paid = paid  # plain attribute for the read-back
    b.service_kw = pyo.Var(paid, domain=pyo.NonNegativeReals)
    paid_set = set(paid)
    dur = service.duration_hours
    rows = []  # (asset, i, t, segment)
    parts = participation(scenario)
    phase_limit = scenario.connection.phase_limit_kw
    car_shares = phase_shares_by_step(scenario)  # empty unless phases limit
    for a_i, a in enumerate(parts):
        rows += [(a_i, i, t, a.segment[i]) for i, t in enumerate(a.steps) if t in paid_set]
    idx = [(a_i, t) for a_i, _, t, _ in rows]
    directions = DIRECTION_PARTS[service.direction]
    totals: dict[str, dict[int, list]] = {d: {t: [] for t in paid} for d in directions}
    for direction in directions:
        stop = pyo.Var(idx, domain=pyo.NonNegativeReals)
        more = pyo.Var(idx, domain=pyo.NonNegativeReals)
        b.add_component(f"{direction}_stop_kw", stop)
        b.add_component(f"{direction}_more_kw", more)
        cons = pyo.ConstraintList()
        b.add_component(f"{direction}_rows", cons)
        on_phase: dict[tuple[str, int], list] = {}
        for a_i, i, t, seg in rows:
            a = parts[a_i]
            port = ports[a.name]
            ch, dis = port.charge_kw.get(t, 0.0), port.discharge_kw.get(t, 0.0)
            soc = [port.soc_kwh[(seg, k)] for k in (t, t + 1)]
            if direction == "up":
                cons.add(stop[a_i, t] <= ch)
                cons.add(more[a_i, t] <= a.discharge_max_kw[i] - dis)
                if dur > 0:
                    for s in soc:
                        cons.add(more[a_i, t] * (dur / a.eta_discharge) <= s - a.soc_low_kwh[i])
            else:
                cons.add(stop[a_i, t] <= dis)
                cons.add(more[a_i, t] <= a.charge_max_kw[i] - ch)
                if dur > 0:
                    for s in soc:
                        cons.add(more[a_i, t] * (dur * a.eta_charge) <= a.soc_high_kwh[i] - s)
            totals[direction][t].append(stop[a_i, t] + more[a_i, t])
            if car_shares:
                for p, share in a.phase_share[i].items():
                    on_phase.setdefault((p, t), []).append(share * more[a_i, t])
        if on_phase:
            phases = pyo.ConstraintList()
            b.add_component(f"{direction}_phase_rows", phases)
            for (p, t), extra in sorted(on_phase.items()):
                flows = [shares[t][p] * (ports[name].discharge_kw if direction == "up"
                                         else ports[name].charge_kw).get(t, 0.0)
                         for name, shares in car_shares.items() if name in ports and p in shares.get(t, {})]
                phases.add(sum(flows) + sum(extra) <= phase_limit)
        held = pyo.ConstraintList()
        b.add_component(f"{direction}_held", held)
        limit = (scenario.connection.export_limit_kw if direction == "up" else scenario.connection.import_limit_kw)
        for t in paid:
            held.add(b.service_kw[t] <= sum(totals[direction][t]))
            if math.isfinite(limit):
                towards, away = (m.grid.export_kw[t], m.grid.import_kw[t]) if direction == "up" else (
                    m.grid.import_kw[t], m.grid.export_kw[t])
                held.add(b.service_kw[t] <= limit - towards + away)
    contribution = Contribution("grid_service")
    contribution.costs["grid_service_revenue"] = -(sum(price[t] * h * b.service_kw[t] for t in paid) + plugged)
    return contribution
