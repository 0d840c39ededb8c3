"""A persistent model per scenario shape, re-solved with new prices, load and solar.

Batch runs and simulations plan the same site again and again with new prices and forecasts. Building the
Pyomo model and compiling it for HiGHS costs more than solving it, so :class:`PlanSession` does both once::

    session = PlanSession(scenario)
    plan_a = session.plan(scenario)
    plan_b = session.plan(scenario.with_prices(new_import, new_export))   # only the numbers change

Between calls only the mutable parameters move (``grid.import_price_per_kwh``, ``grid.export_price_per_kwh``,
``grid.import_bound_kw``, ``grid.export_bound_kw``, ``site_load.load_kw``, ``solar.solar_kw``). The rows,
columns and objective entries that depend on them are found once (Pyomo's ``identify_mutable_parameters``);
on each call they are re-evaluated and pushed into the live HiGHS instance, which then re-solves from its last
basis. The model is built with ``BuildOptions(binaries="all")`` so its structure does not depend on prices;
the solve strategy of :mod:`planner.solve` branches only on binaries whose completion fails, so the extra
binaries cost nothing unless they matter. Every plan is read back and passes :func:`planner.verify.verify`.

A scenario of another shape (time grid, assets, sessions, connection, charges, penalties, or a step where
grid import or export becomes possible or impossible, e.g. solar where there was none) is built afresh
(``PlanSession.rebuilds`` counts it), so the session is always correct, merely slower on a shape change.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn.standard_repn import generate_standard_repn

from planner.build import BuiltModel, build_model, flow_bounds_kw
from planner.components.base import BuildOptions
from planner.readback import plan_from_solution
from planner.results import Plan
from planner.scenario import Scenario
from planner.solve import SolveOptions, highs_from_form, link_columns, solve_form
from planner.standard_form import compile_model
from planner.verify import verify


def same_shape(a: Scenario, b: Scenario) -> bool:
    """True when ``b`` differs from ``a`` at most in prices, load and solar (same model structure)."""
    ta, tb = a.tariff, b.tariff
    return (
        a.grid == b.grid
        and a.connection == b.connection
        and a.batteries == b.batteries
        and a.vehicles == b.vehicles
        and getattr(a, "chargers", ()) == getattr(b, "chargers", ())
        and a.solar_curtailable == b.solar_curtailable
        and a.shortfall_penalty_per_kwh == b.shortfall_penalty_per_kwh
        and ta.standing_charge_cost == tb.standing_charge_cost
        and len(ta.demand_charges) == len(tb.demand_charges)
        and all(
            x.name == y.name and x.rate_per_kw == y.rate_per_kw and x.floor_kw == y.floor_kw
            and np.array_equal(x.step_mask, y.step_mask)
            for x, y in zip(ta.demand_charges, tb.demand_charges, strict=True)
        )
        and _flow_pattern(a) == _flow_pattern(b)
    )


def _flow_pattern(scenario: Scenario) -> list[tuple[bool, bool]]:
    """Steps where grid import and export can be positive (where the grid block has a direction binary)."""
    imp, exp = flow_bounds_kw(scenario)
    return [(i > 0, e > 0) for i, e in zip(imp, exp, strict=True)]


class PlanSession:
    """Plan many scenarios of one shape with one persistent model (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
        The first scenario; fixes the shape.
    time_limit_s, mip_rel_gap, threads, random_seed, dispatch
        As in :func:`planner.plan`.

    Attributes
    ----------
    rebuilds : int
        How many times a scenario of another shape forced a new model.
    last_timings : dict
        Seconds spent in ``update_s`` (parameters into Pyomo and HiGHS), ``solve_s``, ``extract_s`` and
        ``verify_s`` by the last :meth:`plan` (``build_s`` and ``handover_s`` when it built).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        time_limit_s: float = 10.0,
        mip_rel_gap: float = 1e-4,
        threads: int = 1,
        random_seed: int = 0,
        dispatch: str = "setpoint",
    ) -> None:
        self.options = SolveOptions(
            time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads, random_seed=random_seed
        )
        self.build_options = BuildOptions(dispatch=dispatch, binaries="all")
        self.dispatch = dispatch
        self.rebuilds = -1
        self.last_timings: dict[str, float] = {}
        self._build(scenario)

    # -- building -------------------------------------------------------------------------------------
    def _build(self, scenario: Scenario) -> None:
        t0 = time.perf_counter()
        self.built: BuiltModel = build_model(scenario, self.build_options)
        t1 = time.perf_counter()
        self.sf = compile_model(self.built.model)
        self.links = link_columns(self.built, self.sf)
        self.h: highspy.Highs = highs_from_form(self.sf, self.options, np.zeros(self.sf.num_cols, dtype=bool))
        try:
            self._find_dependents()
            self.persistent = True
        except _Rebuild:
            self.persistent = False  # every plan() builds afresh
        self.rebuilds += 1
        self.last_timings = {"build_s": t1 - t0, "handover_s": time.perf_counter() - t1}

    def _find_dependents(self) -> None:
        """Rows, columns and objective entries whose numbers depend on mutable parameters, each kept as the
        Pyomo expression that gives its value (evaluated on every update, no expression walking)."""
        sf = self.sf
        self.row_items: list[tuple[int, Any, Any, Any, list[tuple[int, Any]]]] = []
        for r, con in enumerate(sf.rows):
            if not _has_params(con.body, con.lower, con.upper):
                continue
            repn = generate_standard_repn(con.body, compute_values=False, quadratic=False)
            pos = {int(sf.a_index[k]): k for k in range(sf.a_start[r], sf.a_start[r + 1])}
            coefs = []
            for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
                if _has_params(coef):
                    col = sf.col_of[id(var)]
                    if col not in pos:
                        msg = f"row {con.name}: a parameter coefficient was zero when compiled"
                        raise _Rebuild(msg)
                    coefs.append((pos[col], coef))
            self.row_items.append((r, con.lower, con.upper, repn.constant, coefs))
        self.col_items = [
            (j, v.lower, v.upper) for j, v in enumerate(sf.variables) if _has_params(v.lower, v.upper)
        ]
        obj = next(self.built.model.component_data_objects(pyo.Objective, active=True))
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        orepn = generate_standard_repn(obj.expr, compute_values=False, quadratic=False)
        self.obj_sign = sign
        self.obj_items = [
            (sf.col_of[id(var)], coef)
            for var, coef in zip(orepn.linear_vars, orepn.linear_coefs, strict=True)
            if _has_params(coef)
        ]
        self.obj_constant = orepn.constant

    # -- updating -------------------------------------------------------------------------------------
    def _set_params(self, scenario: Scenario) -> None:
        m = self.built.model
        imp_bound, exp_bound = flow_bounds_kw(scenario)
        _store(m.grid.import_price_per_kwh, scenario.tariff.import_price_per_kwh)
        _store(m.grid.export_price_per_kwh, scenario.tariff.export_price_per_kwh)
        _store(m.grid.import_bound_kw, imp_bound)
        _store(m.grid.export_bound_kw, exp_bound)
        _store(m.site_load.load_kw, scenario.load_kw)
        _store(m.solar.solar_kw, scenario.solar_kw)

    def _push(self) -> None:
        """Evaluate the dependent numbers and hand them to HiGHS."""
        sf, h = self.sf, self.h
        value = pyo.value
        if self.row_items:
            n = len(self.row_items)
            rows = np.empty(n, dtype=np.int32)
            lower = np.empty(n)
            upper = np.empty(n)
            for i, (r, lo, up, const, coefs) in enumerate(self.row_items):
                c = float(value(const)) if const is not None else 0.0
                rows[i] = r
                lower[i] = -np.inf if lo is None else float(value(lo)) - c
                upper[i] = np.inf if up is None else float(value(up)) - c
                for k, coef in coefs:
                    v = float(value(coef))
                    if sf.a_value[k] != v:
                        sf.a_value[k] = v
                        h.changeCoeff(r, int(sf.a_index[k]), v)
            sf.row_lower[rows] = lower
            sf.row_upper[rows] = upper
            h.changeRowsBounds(n, rows, lower, upper)
        if self.col_items:
            cols = np.array([j for j, _, _ in self.col_items], dtype=np.int32)
            lo = np.array([_num(value(a) if a is not None else None, -np.inf) for _, a, _ in self.col_items])
            up = np.array([_num(value(b) if b is not None else None, np.inf) for _, _, b in self.col_items])
            sf.col_lower[cols] = lo
            sf.col_upper[cols] = up
            h.changeColsBounds(cols.size, cols, lo, up)
        if self.obj_items:
            cols = np.array([j for j, _ in self.obj_items], dtype=np.int32)
            cost = np.array([self.obj_sign * float(value(c)) for _, c in self.obj_items])
            sf.cost[cols] = cost
            h.changeColsCost(cols.size, cols, cost)
        offset = self.obj_sign * float(value(self.obj_constant)) if self.obj_constant is not None else 0.0
        if offset != sf.offset:
            sf.offset = offset
            h.changeObjectiveOffset(offset)

    # -- planning -------------------------------------------------------------------------------------
    def plan(self, scenario: Scenario) -> Plan:
        """A verified plan of ``scenario`` (same shape: re-solve; other shape: rebuild first).

        Raises
        ------
        planner.errors.SolverError
            When no solution is found (the session does not substitute a fail-safe plan).
        """
        from planner.errors import SolverError

        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        if not self.persistent or not same_shape(self.built.scenario, scenario):
            self._build(scenario)
            timings.update(self.last_timings)
            t1 = time.perf_counter()
        else:
            t1 = time.perf_counter()
            self._set_params(scenario)
            self.built.scenario = scenario
            self._push()
        t2 = time.perf_counter()
        outcome = solve_form(self.h, self.sf, self.links, replace(self.options))
        t3 = time.perf_counter()
        if not outcome.ok:
            raise SolverError(f"solver found no solution ({outcome.message})")
        result = plan_from_solution(self.built, outcome)
        t4 = time.perf_counter()
        verify(scenario, result, dispatch=self.dispatch)
        t5 = time.perf_counter()
        timings.update({"update_s": t2 - t1, "solve_s": t3 - t2, "extract_s": t4 - t3, "verify_s": t5 - t4})
        result.timings = timings
        result.solve_seconds = t5 - t0
        self.last_timings = timings
        return result


class _Rebuild(Exception):
    """The persistent model cannot follow a change; build afresh."""


def _has_params(*exprs: Any) -> bool:
    for e in exprs:
        if e is None or isinstance(e, int | float):
            continue
        for _ in identify_mutable_parameters(e):
            return True
    return False


def _num(value: Any, default: float) -> float:
    return default if value is None else float(value)


def _store(param: Any, values: Any) -> None:
    param.store_values(dict(enumerate(np.asarray(values, dtype=float).tolist())))


__all__ = ["PlanSession", "same_shape"]
