"""The fast row reader gives exactly the rows of Pyomo's own walker (coefficients, order, bounds)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.util import VarRecorder

from planner.inputs.scenario import load_scenario
from planner.model.build import build_model
from planner.model.components.base import BuildOptions
from planner.model.standard_form import compile_model

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def pyomo_rows(model: pyo.ConcreteModel) -> tuple[list[str], list[tuple[list[str], list[float], float, float]]]:
    """Reference: ``to_bounded_expression`` and Pyomo's linear walker, row by row; columns by name."""
    var_map: dict[int, object] = {}
    visitor = LinearRepnVisitor({}, var_recorder=VarRecorder(var_map, None))
    out = []
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
        repn = visitor.walk_expression(body)
        const = float(repn.constant) if repn.constant else 0.0
        names = [var_map[vid].name for vid in repn.linear]
        out.append((names, [float(c) for c in repn.linear.values()],
                    -math.inf if lb is None else lb - const, math.inf if ub is None else ub - const))
    return [v.name for v in var_map.values()], out


def compiled_rows(model: pyo.ConcreteModel) -> tuple[list[str], list[tuple[list[str], list[float], float, float]]]:
    sf = compile_model(model)
    names = [v.name for v in sf.variables]
    out = []
    for r in range(sf.num_rows):
        k = slice(sf.a_start[r], sf.a_start[r + 1])
        out.append(([names[j] for j in sf.a_index[k]], sf.a_value[k].tolist(),
                    float(sf.row_lower[r]), float(sf.row_upper[r])))
    return names, out


def odd_model() -> pyo.ConcreteModel:
    """Every node type the reader handles itself, and some it hands to Pyomo."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(4), bounds=(0, 10))
    m.y = pyo.Var(bounds=(-1, 1))
    m.p = pyo.Param(mutable=True, initialize=2.5)
    m.e = pyo.Expression(expr=3 * m.x[2] - 1.0)
    m.x[3].fix(4.0)
    m.c = pyo.ConstraintList()
    m.c.add(m.x[1] == m.x[0] + 0.45 * m.x[2])  # variables on both sides
    m.c.add(m.x[0] + m.x[1] >= 2.0)  # a constant on the left
    m.c.add(m.x[0] + m.x[1] <= m.p)  # a parameter bound
    m.c.add(m.p * m.x[0] - m.x[3] >= 1)  # a parameter coefficient and a fixed variable
    m.c.add(-(m.x[0] - 2 * m.y) <= 3 * (m.x[1] + m.x[3]))  # negation and a product of a number and a sum
    m.c.add(pyo.inequality(-1.0, m.x[0] - m.x[0] + m.y, 4.0))  # a ranged row; x cancels
    m.c.add(m.e + m.x[1] * m.p / 2 >= m.y)  # a named expression and a division: Pyomo's walker
    m.c.add(m.x[3] + m.x[0] == 7)  # a fixed variable on the body side
    m.c.add((m.x[0] + m.y) * 2.0 <= 9)  # a sum times a number
    m.c.add((-m.p) * (m.x[0] + m.x[1]) + m.x[2] * (m.p + 1) >= -20)  # parameter expressions times sums
    m.obj = pyo.Objective(expr=m.x[0] + m.p * m.y)
    return m


def test_odd_model_reads_as_pyomo_does() -> None:
    m = odd_model()
    assert compiled_rows(m) == pyomo_rows(m)
    sf = compile_model(m)
    names = [v.name for v in sf.variables]
    assert "x[3]" not in names  # fixed: a constant
    cost = dict(zip(names, sf.cost.tolist(), strict=True))
    assert cost["x[0]"] == 1.0 and cost["y"] == 2.5


def test_nonlinear_constraint_is_refused_with_its_name() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2))
    m.bad = pyo.Constraint(expr=m.x[0] * m.x[1] <= 1)
    m.obj = pyo.Objective(expr=m.x[0])
    with pytest.raises(ValueError, match="constraint bad is not linear"):
        compile_model(m)


@pytest.mark.parametrize("example", ["leaf-xstorage.toml", "negative-prices.toml", "depot-20-vans-fleet-v2g.toml",
                                     "gb-home-frequency-response.toml", "leaf-xstorage-rules.toml"])
@pytest.mark.parametrize("dispatch", ["setpoint", "fractional"])
def test_examples_compile_to_pyomo_rows(example: str, dispatch: str) -> None:
    built = build_model(load_scenario(EXAMPLES / example), BuildOptions(dispatch=dispatch))
    fast, reference = compiled_rows(built.model), pyomo_rows(built.model)
    assert fast[0] == reference[0]  # the same columns in the same order
    assert len(fast[1]) == len(reference[1])
    for got, want in zip(fast[1], reference[1], strict=True):
        assert got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2:] == want[2:]
