"""The affine map from a scenario's numbers (prices, load, solar, end values) to the persistent model's
parameters: every parameterised coefficient of the standard form as ``constant + sum(coefficient x parameter)``,
so a re-solve updates the HiGHS arrays without rebuilding the model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr import DivisionExpression, NegationExpression, ProductExpression, SumExpression
from pyomo.core.expr.visitor import identify_mutable_parameters


def has_params(*exprs: Any) -> bool:
    for e in exprs:
        if e is None or isinstance(e, int | float):
            continue
        for _ in identify_mutable_parameters(e):
            return True
    return False


class NotAffine(Exception):
    """An expression is not affine in the mutable parameters."""


def affine_terms(expr: Any, pos: dict[int, int]) -> tuple[float, dict[int, float]]:
    """``expr`` as ``constant + sum_k w[k] * p[k]`` over the parameters of ``pos`` (``id(param) -> k``).

    Parameters outside ``pos`` and fixed variables count as constants (a re-solve never changes them).

    Raises
    ------
    NotAffine
        For a product or quotient of parameter-dependent parts, or an expression type not handled here.
    """
    if not hasattr(expr, "is_expression_type"):  # a plain (Python or numpy) number
        return float(expr), {}
    if not expr.is_expression_type():
        if expr.is_parameter_type() and id(expr) in pos:
            return 0.0, {pos[id(expr)]: 1.0}
        if expr.is_fixed():
            return float(pyo.value(expr)), {}
        raise NotAffine(str(expr))
    if isinstance(expr, SumExpression):
        const, weights = 0.0, {}
        for arg in expr.args:
            c, w = affine_terms(arg, pos)
            const += c
            for k, x in w.items():
                weights[k] = weights.get(k, 0.0) + x
        return const, weights
    if isinstance(expr, NegationExpression):
        c, w = affine_terms(expr.args[0], pos)
        return -c, {k: -x for k, x in w.items()}
    if isinstance(expr, ProductExpression):
        (ca, wa), (cb, wb) = (affine_terms(a, pos) for a in expr.args)
        if wa and wb:
            raise NotAffine(str(expr))
        if not wa:
            return ca * cb, {k: ca * x for k, x in wb.items()}
        return ca * cb, {k: cb * x for k, x in wa.items()}
    if isinstance(expr, DivisionExpression):
        (ca, wa), (cb, wb) = (affine_terms(a, pos) for a in expr.args)
        if wb or cb == 0:
            raise NotAffine(str(expr))
        return ca / cb, {k: x / cb for k, x in wa.items()}
    raise NotAffine(type(expr).__name__)


class AffineMap:
    """Collects numbers ``value = scale * (expr - minus)``, each affine in a parameter vector ``p``."""

    def __init__(self, pos: dict[int, int]) -> None:
        self.pos = pos
        self.base: list[float] = []
        self.item: list[int] = []
        self.param: list[int] = []
        self.weight: list[float] = []
        self.fallback: list[tuple[int, Any, Any, float]] = []

    def add(self, expr: Any, minus: Any, default: float, scale: float = 1.0) -> int:
        """Index of a new number: ``default`` when ``expr`` is None, else ``scale * (expr - minus)``."""
        i = len(self.base)
        if expr is None:
            self.base.append(default)
            return i
        try:
            c, w = affine_terms(expr, self.pos)
            if minus is not None:
                cm, wm = affine_terms(minus, self.pos)
                c -= cm
                for k, x in wm.items():
                    w[k] = w.get(k, 0.0) - x
        except NotAffine:
            self.base.append(0.0)
            self.fallback.append((i, expr, minus, scale))
            return i
        self.base.append(scale * c)
        for k, x in w.items():
            if x != 0.0:
                self.item.append(i)
                self.param.append(k)
                self.weight.append(scale * x)
        return i

    def freeze(self) -> AffineMap:
        """Turn the collected lists into arrays; returns itself."""
        self.base_arr = np.asarray(self.base, dtype=float)
        self.item_arr = np.asarray(self.item, dtype=np.int64)
        self.param_arr = np.asarray(self.param, dtype=np.int64)
        self.weight_arr = np.asarray(self.weight, dtype=float)
        return self

    def evaluate(self, p: np.ndarray) -> np.ndarray:
        """All numbers at parameters ``p`` (the Pyomo parameters must hold ``p`` for any fallback)."""
        val = self.base_arr + np.bincount(
            self.item_arr, weights=self.weight_arr * p[self.param_arr], minlength=self.base_arr.size
        )
        for i, expr, minus, scale in self.fallback:
            m = float(pyo.value(minus)) if minus is not None else 0.0
            val[i] = scale * (float(pyo.value(expr)) - m)
        return val
