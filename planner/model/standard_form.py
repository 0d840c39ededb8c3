"""Pyomo model -> numpy arrays (rows, columns, bounds, costs) for a solver.

One pass of :mod:`planner.model.linear_rows` over the active constraints and the objective; mutable
parameters and fixed variables are evaluated to their current values. The result is what HiGHS needs to
receive a model in one call (``passModel``) and what :mod:`planner.solve.persistent` updates in place.

Rows are ``row_lower <= A x <= row_upper`` (constant terms of a constraint body moved to the bounds);
the objective is ``cost @ x + offset`` (minimised). ``A`` is stored row-wise (CSR).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from planner.model.linear_rows import NotLinearError, RowReader


@dataclass
class StandardForm:
    """A linear (mixed-integer) program in arrays.

    Attributes
    ----------
    variables : list
        Pyomo variable data objects, in column order.
    col_of : dict
        ``id(variable) -> column``.
    col_lower, col_upper : numpy.ndarray
        Column bounds (``-inf``/``inf`` when unbounded).
    integer : numpy.ndarray of bool
        Columns that are integer (binary) in the model.
    cost : numpy.ndarray
        Objective coefficient per column.
    offset : float
        Constant of the objective.
    rows : list
        Pyomo constraint data objects, in row order.
    row_of : dict
        ``id(constraint) -> row``.
    row_lower, row_upper : numpy.ndarray
        Row bounds.
    a_start, a_index, a_value : numpy.ndarray
        CSR storage of ``A``: row ``r`` holds ``a_index[a_start[r]:a_start[r+1]]`` with ``a_value``.
    """

    variables: list[Any]
    col_of: dict[int, int]
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    cost: np.ndarray
    offset: float
    rows: list[Any]
    row_of: dict[int, int]
    row_lower: np.ndarray
    row_upper: np.ndarray
    a_start: np.ndarray
    a_index: np.ndarray
    a_value: np.ndarray

    @property
    def num_cols(self) -> int:
        """Number of columns."""
        return len(self.variables)

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return len(self.rows)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """``A @ x`` for a column vector ``x``."""
        prod = self.a_value * x[self.a_index]
        if prod.size == 0:
            return np.zeros(self.num_rows)
        sums = np.add.reduceat(prod, self.a_start[:-1]) if self.num_rows else np.zeros(0)
        empty = self.a_start[1:] == self.a_start[:-1]
        sums[empty] = 0.0
        return sums


def compile_model(model: pyo.ConcreteModel) -> StandardForm:
    """Compile the active constraints and the single active objective of ``model`` into arrays.

    Raises
    ------
    ValueError
        When a constraint or the objective is not linear, or the model has no or several active objectives.
    """
    with PauseGC():  # new objects, none of them garbage (see planner.model.build.build_model)
        return _compile(model)


def _compile(model: pyo.ConcreteModel) -> StandardForm:
    reader = RowReader()
    row_coefs: list[dict[int, float]] = []
    rows: list[Any] = []
    lower: list[float] = []
    upper: list[float] = []
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        try:
            coefs, lb, ub = reader.row(con)
        except NotLinearError:
            msg = f"constraint {con.name} is not linear"
            raise ValueError(msg) from None
        rows.append(con)
        row_coefs.append(coefs)
        lower.append(lb)
        upper.append(ub)
    objectives = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) != 1:
        msg = f"expected one active objective, found {len(objectives)}"
        raise ValueError(msg)
    obj = objectives[0]
    try:
        obj_coefs, obj_const = reader.expression(obj.expr)
    except NotLinearError:
        msg = "objective is not linear"
        raise ValueError(msg) from None
    sign = 1.0 if obj.sense == pyo.minimize else -1.0
    var_map = reader.var_map
    ninf, pinf = -np.inf, np.inf

    variables = list(var_map.values())
    col_of = {vid: j for j, vid in enumerate(var_map)}
    ncol = len(variables)
    col_lower = np.empty(ncol)
    col_upper = np.empty(ncol)
    integer = np.zeros(ncol, dtype=bool)
    for j, v in enumerate(variables):
        lb, ub = v.bounds
        col_lower[j] = ninf if lb is None else lb
        col_upper[j] = pinf if ub is None else ub
        integer[j] = v.is_integer()
    cost = np.zeros(ncol)
    for vid, coef in obj_coefs.items():
        cost[col_of[vid]] += sign * float(coef)
    offset = sign * float(obj_const)

    lengths = np.fromiter((len(c) for c in row_coefs), dtype=np.int64, count=len(row_coefs))
    a_start = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(lengths, out=a_start[1:])
    nnz = int(a_start[-1])
    a_index = np.fromiter((col_of[vid] for c in row_coefs for vid in c), dtype=np.int32, count=nnz)
    a_value = np.fromiter((float(v) for c in row_coefs for v in c.values()), dtype=float, count=nnz)
    return StandardForm(
        variables=variables,
        col_of=col_of,
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        cost=cost,
        offset=offset,
        rows=rows,
        row_of={id(c): r for r, c in enumerate(rows)},
        row_lower=np.asarray(lower, dtype=float),
        row_upper=np.asarray(upper, dtype=float),
        a_start=a_start,
        a_index=a_index,
        a_value=a_value,
    )
