"""A persistent model per scenario shape, re-solved with new prices, load and solar.

Batch runs and simulations plan the same site again and again with new prices and forecasts. Building the
Pyomo model and compiling it for HiGHS costs more than solving it, so :class:`PlanSession` does both once::

    session = PlanSession(scenario)
    plan_a = session.plan(scenario)
    plan_b = session.plan(scenario.with_prices(new_import, new_export))   # only the numbers change

Between calls only the mutable parameters move (``grid.import_price_per_kwh``, ``grid.export_price_per_kwh``,
``grid.import_bound_kw``, ``grid.export_bound_kw``, ``site_load.load_kw``, ``solar.solar_kw``). The rows,
columns and objective entries that depend on them are found once (Pyomo's ``identify_mutable_parameters``) and
each is written as an affine function of the stacked parameter vector; on each call one sparse product gives
all of them, and they are pushed into the live HiGHS instance. The plan is read straight from the solution's
column vector (columns found once, :mod:`planner.solve.readback`). Every plan is read back and passes
:func:`planner.verify.verify`.

**The same plan as a fresh one.** The session builds the model :func:`planner.plan` builds (the same
binaries: a grid-direction binary only where export pays more than import) and clears HiGHS's basis before
each re-solve, so HiGHS solves the model a fresh plan would hand it, from the same start: where several
schedules cost the same, the session returns the one a fresh plan returns (tests/system/
test_same_plan_every_way.py). A warm start would save 0-30 % of a 15-300 ms re-solve on the speed
benchmark's homes and pick other vertices in ties; the build and hand-over a session saves are the larger
part (docs/performance.md).

A scenario of another shape (time grid, assets, sessions, connection, charges, penalties, a step where grid
import or export becomes possible or impossible, e.g. solar where there was none, or where export starts or
stops paying more than import) is built afresh (``PlanSession.rebuilds`` counts it), so the session is always
correct, merely slower on a shape change.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.standard_repn import generate_standard_repn

from planner.domain.end_value import end_value_rate_per_kwh
from planner.domain.flows import has_rules, solar_to_load_kw
from planner.errors import SolverError
from planner.inputs.specs import Scenario
from planner.model.build import BuiltModel, build_model, flow_bounds_kw
from planner.model.standard_form import compile_model
from planner.results.plan import Plan
from planner.solve.affine_map import AffineMap, has_params
from planner.solve.highs import highs_from_form
from planner.solve.milp import link_columns, solve_form
from planner.solve.plan_options import PlanOptions
from planner.solve.readback import plan_from_solution
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
        and a.grid_service == b.grid_service
        and ta.ev_charge_price_per_kwh is None and tb.ev_charge_price_per_kwh is None  # price-dependent rows
        and ta.standing_charge_cost == tb.standing_charge_cost
        and len(ta.demand_charges) == len(tb.demand_charges)
        and all(
            x.name == y.name and x.rate_per_kw == y.rate_per_kw and x.floor_kw == y.floor_kw
            and np.array_equal(x.step_mask, y.step_mask)
            for x, y in zip(ta.demand_charges, tb.demand_charges, strict=True)
        )
        and _flow_pattern(a) == _flow_pattern(b)
        and (not has_rules(a) or np.array_equal(solar_to_load_kw(a), solar_to_load_kw(b)))
    )


def _flow_pattern(scenario: Scenario) -> list[tuple[bool, bool, bool]]:
    """Steps where grid import and export can be positive, and where export pays more than import (where
    the grid block has a direction binary)."""
    imp, exp = flow_bounds_kw(scenario)
    pays = scenario.tariff.export_price_per_kwh > scenario.tariff.import_price_per_kwh
    return [(i > 0, e > 0, bool(x)) for i, e, x in zip(imp, exp, pays, strict=True)]


class PlanSession:
    """Plan many scenarios of one shape with one persistent model (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
        The first scenario; fixes the shape.
    options : PlanOptions or None
        Build and solve options, as for :func:`planner.plan`; the keywords override its fields.

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
        options: PlanOptions | None = None,
        *,
        time_limit_s: float | None = None,
        mip_rel_gap: float | None = None,
        threads: int | None = None,
        random_seed: int | None = None,
        dispatch: str | None = None,
    ) -> None:
        self.plan_options = PlanOptions.of(options, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                                           threads=threads, random_seed=random_seed, dispatch=dispatch)
        self.options = self.plan_options.solve_options(scenario.steps * scenario.step_hours)
        self.build_options = self.plan_options.build_options()
        self.dispatch = self.plan_options.dispatch
        self.rebuilds = -1
        self.last_timings: dict[str, float] = {}
        self._build(scenario)

    # -- building -------------------------------------------------------------------------------------
    def _build(self, scenario: Scenario) -> None:
        t0 = time.perf_counter()
        self.built: BuiltModel = build_model(scenario, self.build_options)
        self.built.extra["persistent"] = True  # read-back may keep what does not depend on parameters
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
        """Rows, columns and objective entries whose numbers depend on mutable parameters, each found with the
        Pyomo expression that gives its value; :meth:`_compile_affine` turns them into one affine map."""
        sf = self.sf
        self.row_items: list[tuple[int, Any, Any, Any, list[tuple[int, Any]]]] = []
        for r, con in enumerate(sf.rows):
            if not has_params(con.body, con.lower, con.upper):
                continue
            repn = generate_standard_repn(con.body, compute_values=False, quadratic=False)
            pos = {int(sf.a_index[k]): k for k in range(sf.a_start[r], sf.a_start[r + 1])}
            coefs = []
            for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
                if has_params(coef):
                    col = sf.col_of[id(var)]
                    if col not in pos:
                        msg = f"row {con.name}: a parameter coefficient was zero when compiled"
                        raise _Rebuild(msg)
                    coefs.append((pos[col], coef))
            self.row_items.append((r, con.lower, con.upper, repn.constant, coefs))
        self.col_items = [
            (j, v.lower, v.upper) for j, v in enumerate(sf.variables) if has_params(v.lower, v.upper)
        ]
        obj = next(self.built.model.component_data_objects(pyo.Objective, active=True))
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        orepn = generate_standard_repn(obj.expr, compute_values=False, quadratic=False)
        self.obj_sign = sign
        self.obj_items = [
            (sf.col_of[id(var)], coef)
            for var, coef in zip(orepn.linear_vars, orepn.linear_coefs, strict=True)
            if has_params(coef)
        ]
        self.obj_constant = orepn.constant
        self._compile_affine()

    PARAMS = ("grid.import_price_per_kwh", "grid.export_price_per_kwh", "grid.import_bound_kw",
              "grid.export_bound_kw", "site_load.load_kw", "solar.solar_kw")
    """The mutable parameters a re-solve changes, in the order of :meth:`_param_vector`."""

    def _compile_affine(self) -> None:
        """Every dependent number as ``base + W @ p`` over the stacked parameter vector ``p``.

        Each Pyomo expression found by :meth:`_find_dependents` is walked once into a constant and one weight
        per parameter (:func:`affine_terms`); an update is then one sparse product in numpy instead of evaluating
        each expression through Pyomo. An expression that is not affine in the parameters (none in the
        current components) is evaluated through Pyomo on every update.
        """
        m = self.built.model
        self.param_datas: list[Any] = []
        for name in self.PARAMS:
            block, comp = name.split(".")
            param = getattr(getattr(m, block), comp)
            self.param_datas.extend(param[t] for t in sorted(param.keys()))
        # terminal values (planner.model.components.end_value): one scalar per storage asset, after PARAMS
        kinds = {b.name: "battery" for b in self.built.scenario.batteries}
        kinds |= {v.name: "vehicle" for v in self.built.scenario.vehicles}
        self.end_value_assets: list[tuple[str, str]] = []
        for c in self.built.contributions:
            if c.name.startswith("end_value_") and c.asset is not None:
                self.end_value_assets.append((kinds[c.asset], c.asset))
                self.param_datas.append(m.component(c.name).value_per_kwh)
        pos = {id(d): k for k, d in enumerate(self.param_datas)}
        acc = AffineMap(pos)
        rows = [r for r, *_ in self.row_items]
        self.row_idx = np.array(rows, dtype=np.int32)
        self.t_row_lower = [acc.add(lo, const, -np.inf) for _, lo, _, const, _ in self.row_items]
        self.t_row_upper = [acc.add(up, const, np.inf) for _, _, up, const, _ in self.row_items]
        coef_k, coef_row, coef_t = [], [], []
        for r, _, _, _, coefs in self.row_items:
            for k, coef in coefs:
                coef_k.append(k)
                coef_row.append(r)
                coef_t.append(acc.add(coef, None, 0.0))
        self.coef_k = np.array(coef_k, dtype=np.int64)
        self.coef_row = np.array(coef_row, dtype=np.int32)
        self.t_coef = coef_t
        self.col_idx = np.array([j for j, _, _ in self.col_items], dtype=np.int32)
        self.t_col_lower = [acc.add(a, None, -np.inf) for _, a, _ in self.col_items]
        self.t_col_upper = [acc.add(b, None, np.inf) for _, _, b in self.col_items]
        self.cost_idx = np.array([j for j, _ in self.obj_items], dtype=np.int32)
        self.t_cost = [acc.add(c, None, 0.0, scale=self.obj_sign) for _, c in self.obj_items]
        self.t_offset = acc.add(self.obj_constant, None, 0.0, scale=self.obj_sign)
        self.affine = acc.freeze()
        for name in ("t_row_lower", "t_row_upper", "t_coef", "t_col_lower", "t_col_upper", "t_cost"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))

    # -- updating -------------------------------------------------------------------------------------
    def _param_vector(self, scenario: Scenario) -> np.ndarray:
        """The parameters of :data:`PARAMS` stacked in one vector (each indexed by step)."""
        imp_bound, exp_bound = flow_bounds_kw(scenario)
        tariff = scenario.tariff
        specs = {("battery", b.name): b for b in scenario.batteries}
        specs |= {("vehicle", v.name): v for v in scenario.vehicles}
        end_values = [end_value_rate_per_kwh(specs[key], tariff.import_price_per_kwh)
                      for key in self.end_value_assets]
        parts = (tariff.import_price_per_kwh, tariff.export_price_per_kwh, imp_bound, exp_bound,
                 scenario.load_kw, scenario.solar_kw, end_values)
        return np.concatenate([np.asarray(x, dtype=float) for x in parts])

    def _set_params(self, scenario: Scenario) -> np.ndarray:
        """Store the scenario's parameters in the Pyomo model (kept in step with HiGHS); return the vector."""
        p = self._param_vector(scenario)
        for data, v in zip(self.param_datas, p.tolist(), strict=True):
            data._value = v  # plain floats of the right shape: Param.set_value's validation is not needed
        return p

    def _push(self, p: np.ndarray) -> None:
        """Evaluate the dependent numbers at parameters ``p`` and hand them to HiGHS."""
        sf, h = self.sf, self.h
        val = self.affine.evaluate(p)
        if self.row_idx.size:
            lower = val[self.t_row_lower]
            upper = val[self.t_row_upper]
            sf.row_lower[self.row_idx] = lower
            sf.row_upper[self.row_idx] = upper
            h.changeRowsBounds(self.row_idx.size, self.row_idx, lower, upper)
        if self.coef_k.size:
            new = val[self.t_coef]
            changed = np.flatnonzero(sf.a_value[self.coef_k] != new)
            for i in changed.tolist():
                k = int(self.coef_k[i])
                sf.a_value[k] = new[i]
                h.changeCoeff(int(self.coef_row[i]), int(sf.a_index[k]), float(new[i]))
        if self.col_idx.size:
            lo = val[self.t_col_lower]
            up = val[self.t_col_upper]
            sf.col_lower[self.col_idx] = lo
            sf.col_upper[self.col_idx] = up
            h.changeColsBounds(self.col_idx.size, self.col_idx, lo, up)
        if self.cost_idx.size:
            cost = val[self.t_cost]
            sf.cost[self.cost_idx] = cost
            h.changeColsCost(self.cost_idx.size, self.cost_idx, cost)
        offset = float(val[self.t_offset])
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

        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        if not self.persistent or not same_shape(self.built.scenario, scenario):
            self._build(scenario)
            timings.update(self.last_timings)
            t1 = time.perf_counter()
        else:
            t1 = time.perf_counter()
            p = self._set_params(scenario)
            self.built.scenario = scenario
            self._push(p)
        t2 = time.perf_counter()
        self.h.clearSolver()
        outcome = solve_form(self.h, self.sf, self.links, replace(self.options),
                             deadline=t0 + self.options.time_limit_s)  # updates count against the limit
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


__all__ = ["PlanSession", "same_shape"]
