"""The credit of a separate EV charging rate (rule in :mod:`planner.domain.ev_rate`).

No block: for every vehicle port, the cost term (``- = received``)::

    ev_charge_credit = - sum_t (import_price[t] - ev_charge_price[t]) * h * (charge_kw[t] - discharge_kw[t])

Linear, no binaries; its coefficients are prices, so a persistent model rebuilds when they change
(:func:`planner.solve.persistent.same_shape`).
"""

from __future__ import annotations

from planner.model.components.base import Contribution


def add_ev_rate(m, scenario, contributions: list[Contribution]) -> Contribution | None:
    """The credit term over every vehicle's charging (None without an EV rate or without vehicles)."""
    ev = scenario.tariff.ev_charge_price_per_kwh
    ports = [c.storage for c in contributions if c.storage is not None and c.storage.kind == "vehicle"]
    if ev is None or not ports:
        return None
    h = scenario.step_hours
    rate = scenario.tariff.import_price_per_kwh - ev
    credit = sum(float(rate[t]) * h * x for p in ports for t, x in p.charge_kw.items())
    credit -= sum(float(rate[t]) * h * x for p in ports for t, x in p.discharge_kw.items())
    contribution = Contribution("ev_rate")
    contribution.costs["ev_charge_credit"] = -credit
    return contribution
