"""Random mutations of the shipped examples: a ScenarioError naming a field, or a verified plan, nothing else.

Each example is parsed to its TOML dictionary; one or two leaves (any depth, sessions and catalogue tables
included) are replaced by a wrong type, a sign flip, a non-finite value, a magnitude slip (x1000, x1e-3,
1e12) or removed. Whatever comes out must be either a :class:`planner.ScenarioError` whose every issue
names a field, or a plan that passes :func:`planner.verify.verify`.
"""

from __future__ import annotations

import copy
import math
import os
import tomllib
from typing import Any

from conftest import CORE_EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from planner.verify import verify

settings.register_profile(
    "mutations-ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("mutations-thorough", max_examples=600, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile(
    "mutations-thorough" if os.environ.get("PLANNER_HYPOTHESIS_PROFILE") == "thorough" else "mutations-ci"
)
RAW = {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in CORE_EXAMPLES}
BASE_DIR = CORE_EXAMPLES[0].parent


def _scheme_and_catalogue_home() -> dict:
    """The V2G example on a named tariff scheme with catalogue equipment and a cycle-depth wear model."""
    raw = copy.deepcopy(RAW["leaf-xstorage"])
    raw["horizon"]["start"] = "2025-03-29T00:00:00+00:00"  # across the spring clock change
    raw["tariff"] = {"scheme": "octopus-go"}
    raw["load"] = {"kw": 0.4}
    raw["solar"] = {"kw": [0.0] * 20 + [1.5] * 16 + [0.0] * 60}
    vehicle = raw["vehicle"][0]
    for key in ("capacity_kwh", "charge_max_kw", "discharge_max_kw", "eta_charge", "eta_discharge",
                "degradation_cost_per_kwh"):
        vehicle.pop(key, None)
    vehicle["model"] = "nissan-leaf-62"
    for session, (arrive, depart) in zip(vehicle["session"], (("2025-03-29T18:00:00+00:00",
                                         "2025-03-30T07:30:00+00:00"), ("2025-03-30T17:00:00+00:00",
                                         "2025-03-30T23:00:00+00:00")), strict=False):
        session["arrive"], session["depart"] = arrive, depart
    vehicle["degradation"] = {"model": "cycle_depth"}
    return raw


RAW["scheme-catalogue"] = _scheme_and_catalogue_home()


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            out += _leaves(value, (*path, key)) or [(*path, key)]
        return out
    if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        out = []
        for i, value in enumerate(node):
            out += _leaves(value, (*path, i))
        return out
    return []


def _mutate(value: Any, how: str) -> Any:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    table = {
        "inf": math.inf, "-inf": -math.inf, "nan": math.nan, "text": "twelve", "bool": True, "list": [1, 2],
        "table": {"x": 1}, "zero": 0, "huge": 1e12, "tiny": 1e-12,
        "negate": -value if number else -1.0,
        "x1000": value * 1000 if number else 1000.0,
        "x0.001": value / 1000 if number else 0.001,
        "shift": (value[:-6] if isinstance(value, str) and value.endswith("+00:00") else "2023-13-45"),
    }
    return table[how]


MUTATIONS = ["inf", "-inf", "nan", "text", "bool", "list", "table", "zero", "huge", "tiny", "negate", "x1000",
             "x0.001", "shift", "delete"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict, list]:
    name = draw(st.sampled_from(sorted(RAW)))
    raw = copy.deepcopy(RAW[name])
    leaves = _leaves(raw)
    done = []
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(leaves))
        how = draw(st.sampled_from(MUTATIONS))
        parent = raw
        try:
            for key in path[:-1]:
                parent = parent[key]
            if how == "delete":
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = _mutate(parent.get(path[-1]), how)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this leaf's table
        done.append((path, how))
    return name, raw, done


@PROFILE
@given(mutated())
def test_a_mutated_example_gives_a_field_error_or_a_verified_plan(case):
    name, raw, done = case
    try:
        scenario = planner.scenario_from_dict(raw, base_dir=BASE_DIR)
    except planner.ScenarioError as exc:
        assert exc.issues, (name, done)
        for issue in exc.issues:
            assert str(issue.field).strip(), (name, done, str(exc))
        return
    result = planner.plan(scenario, time_limit_s=20)
    assert result.status in ("optimal", "time_limit", "fallback"), (name, done)
    verify(scenario, result)
