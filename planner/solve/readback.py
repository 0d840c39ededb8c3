"""Read a solved model back into a :class:`~planner.results.plan.Plan`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_mutable_parameters

from planner.domain.names import asset_block_name
from planner.model.build import BuiltModel
from planner.model.linear_rows import NotLinearError, RowReader
from planner.model.registry import ASSET_TYPES
from planner.results.from_schedule import plan_from_schedule
from planner.results.plan import Plan
from planner.solve.options import SolveOutcome

NET_TOL_KW = 1e-9


RECOMPUTED_FROM_SCHEDULE = {("grid", "import_cost"), ("grid", "export_revenue")}
"""Cost terms :func:`planner.results.plan.compute_costs` recomputes from the schedule (not read from the model)."""


def _cache(built: BuiltModel, outcome: SolveOutcome) -> dict[Any, Any]:
    """Per-model read-back cache, valid while the solution's column map stays the same.

    A persistent model (:mod:`planner.solve.persistent`) keeps one column map across re-solves, so the column of every
    variable and the linear form of every cost term are found once.
    """
    cache = built.extra.get("readback")
    if cache is None or cache["var_map"] is not outcome.var_map:
        cache = {"var_map": outcome.var_map}
        built.extra["readback"] = cache
    return cache


def _columns(built: BuiltModel, outcome: SolveOutcome, key: Any, variables: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Column of each variable (-1 when it is not a column) and the value used for non-columns (cached)."""
    cache = _cache(built, outcome)
    entry = cache.get(key)
    if entry is None:
        var_map = outcome.var_map
        cols = np.fromiter((var_map.get(id(v), -1) for v in variables), dtype=np.int64, count=len(variables))
        fixed = np.array([0.0 if c >= 0 or v.value is None else float(v.value) for c, v in zip(cols, variables, strict=True)],
                         dtype=float)
        entry = (cols, fixed)
        cache[key] = entry
    return entry


def _read(built: BuiltModel, outcome: SolveOutcome, key: Any, variables: list[Any] | None) -> np.ndarray:
    """Values of ``variables`` at the solution (``None``: the variables cached under ``key`` before)."""
    cache = _cache(built, outcome)
    if key not in cache:
        assert variables is not None
        _columns(built, outcome, key, variables)
    cols, fixed = cache[key]
    x = outcome.col_values
    assert x is not None
    return np.where(cols >= 0, x[np.maximum(cols, 0)], fixed)


def _values(built: BuiltModel, outcome: SolveOutcome, var: Any, index: list[Any]) -> np.ndarray:
    key = (var.name, len(index), index[0] if index else None)
    cache = _cache(built, outcome)
    return _read(built, outcome, key, None if key in cache else [var[i] for i in index])


def _clean(values: np.ndarray) -> np.ndarray:
    """Remove solver noise: tiny magnitudes become 0."""
    values = np.where(np.abs(values) < 1e-9, 0.0, values)
    return values


def schedule_from_solution(built: BuiltModel, outcome: SolveOutcome) -> pd.DataFrame:
    """Per-step schedule (columns of ``docs/schedule.md``) from a solved model."""
    sc = built.scenario
    m = built.model
    n = sc.steps
    steps = list(range(n))
    imp = _clean(_values(built, outcome, m.grid.import_kw, steps))
    exp = _clean(_values(built, outcome, m.grid.export_kw, steps))
    # where exporting pays no more than importing costs, simultaneous flows are at best a tie (equal prices);
    # net them (balance unchanged, cost never higher). Where export pays more, simultaneous flows are the
    # fractional dispatch's within-step switching and carry value: keep them.
    tie = sc.tariff.export_price_per_kwh <= sc.tariff.import_price_per_kwh
    both = np.where(tie, np.minimum(imp, exp), 0.0)
    imp, exp = imp - both, exp - both
    data: dict[str, np.ndarray] = {
        "import_price_per_kwh": sc.tariff.import_price_per_kwh,
        "export_price_per_kwh": sc.tariff.export_price_per_kwh,
        "load_kw": sc.load_kw,
        "solar_kw": sc.solar_kw,
        "solar_curtailed_kw": _clean(_values(built, outcome, m.solar.curtailed_kw, steps)),
        "unserved_load_kw": _clean(_values(built, outcome, m.site_load.unserved_kw, steps)),
        "grid_import_kw": np.maximum(imp, 0.0),
        "grid_export_kw": np.maximum(exp, 0.0),
    }
    service = getattr(m, "grid_service", None)
    if service is not None:  # capacity held for the grid service (planner.model.components.grid_service)
        held = np.zeros(n)
        if service.steps_paid:
            held[service.steps_paid] = _clean(_values(built, outcome, service.service_kw, service.steps_paid))
        data["grid_service_kw"] = held

    def values(key: Any, variables: Any) -> np.ndarray:
        return _read(built, outcome, key, None if key in _cache(built, outcome) else variables())

    for asset_type in ASSET_TYPES:  # each component reads back its own block (planner.model.registry)
        for spec in asset_type.specs(sc):
            block = getattr(m, asset_block_name(asset_type.kind, spec.name))
            data.update(asset_type.read(block, spec, n, values))
    return pd.DataFrame(data, index=sc.grid.index)


def model_cost_terms(built: BuiltModel, outcome: SolveOutcome) -> dict[tuple[str, str], float]:
    """Value of every (component, term) cost expression at the solution, except the grid terms of
    :data:`RECOMPUTED_FROM_SCHEDULE`.

    Each term is compiled into ``const + coef @ x[cols]``. A persistent model (``built.extra["persistent"]``,
    set by :mod:`planner.solve.persistent`) keeps the forms of terms without mutable parameters for the next solve; a term
    whose expression holds mutable parameters (which it changes between solves) is compiled on every call.
    """
    cache = _cache(built, outcome)
    forms = cache.setdefault("cost_forms", {})
    x = outcome.col_values
    assert x is not None
    out: dict[tuple[str, str], float] = {}
    for key, expr in built.cost_terms().items():
        if key in RECOMPUTED_FROM_SCHEDULE:
            continue
        form = forms.get(key)
        if form is None:
            form = _linear_form(expr, outcome.var_map)
            if built.extra.get("persistent") and not _has_params(expr):
                forms[key] = form
        const, cols, coefs, fixed = form
        out[key] = float(const + coefs @ np.where(cols >= 0, x[np.maximum(cols, 0)], fixed))
    return out


def _linear_form(expr: Any, var_map: dict[int, int]) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """``expr`` as ``(constant, columns, coefficients, values of non-columns)`` at current parameters."""
    if not hasattr(expr, "is_expression_type") or isinstance(expr, int | float):
        return float(pyo.value(expr)), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    reader = RowReader(record=False)
    try:
        linear, constant = reader.expression(expr)
    except NotLinearError:
        msg = "cost term is not linear"
        raise ValueError(msg) from None
    found = reader.var_map
    vids = list(linear)
    cols = np.fromiter((var_map.get(v, -1) for v in vids), dtype=np.int64, count=len(vids))
    coefs = np.fromiter((float(linear[v]) for v in vids), dtype=float, count=len(vids))
    fixed = np.array([0.0 if c >= 0 or found[v].value is None else float(found[v].value)
                      for c, v in zip(cols, vids, strict=True)], dtype=float)
    return float(constant), cols, coefs, fixed


def _has_params(expr: Any) -> bool:
    if not hasattr(expr, "is_expression_type"):
        return False
    return any(True for _ in identify_mutable_parameters(expr))


def plan_from_solution(built: BuiltModel, outcome: SolveOutcome) -> Plan:
    """Assemble the :class:`Plan` of a solved model (status ``optimal`` or ``time_limit``): its schedule,
    with costs from the model's own cost terms and shortfalls and KPIs from
    :func:`planner.results.from_schedule.plan_from_schedule`."""
    schedule = schedule_from_solution(built, outcome)
    solver = {
        "method": outcome.method,
        "objective": outcome.objective,
        "bound": outcome.bound,
        "gap": outcome.gap,
        "abs_gap": float(outcome.objective - outcome.bound),
        "nodes": outcome.nodes,
        "binaries": outcome.binaries,
        "message": outcome.message,
    }
    return plan_from_schedule(built.scenario, schedule, outcome.status,
                              model_terms=model_cost_terms(built, outcome), solver=solver)
