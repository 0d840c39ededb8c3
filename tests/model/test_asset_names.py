"""Asset names with spaces, dashes, dots and non-ASCII letters plan exactly like plain names."""

from __future__ import annotations

import dataclasses
import math

import pytest
from conftest import ROOT

import planner
from planner.errors import ScenarioError
from planner.verify import verify

EXAMPLE = ROOT / "data" / "examples" / "leaf-xstorage.toml"


def _renamed(scenario, battery_name: str, vehicle_name: str):
    return dataclasses.replace(
        scenario,
        batteries=tuple(dataclasses.replace(b, name=battery_name) for b in scenario.batteries),
        vehicles=tuple(dataclasses.replace(v, name=vehicle_name) for v in scenario.vehicles),
    )


@pytest.mark.parametrize(("battery_name", "vehicle_name"), [("home-battery", "Model 3"), ("ID.4", "Zoë")])
def test_punctuated_names_get_the_optimal_plan_with_per_asset_wear(battery_name, vehicle_name):
    base = planner.load_scenario(EXAMPLE)
    reference = planner.plan(base)
    renamed = _renamed(base, battery_name, vehicle_name)
    result = planner.plan(renamed)
    assert result.status == "optimal", result.reason
    verify(renamed, result)
    assert math.isclose(result.costs["total"], reference.costs["total"], rel_tol=1e-9, abs_tol=1e-9)
    (b_old,), (v_old,) = base.batteries, base.vehicles
    for old, new in ((b_old.name, battery_name), (v_old.name, vehicle_name)):
        assert f"{new}_soc_kwh" in result.schedule.columns
        key_old, key_new = f"degradation_cost_{old}", f"degradation_cost_{new}"
        assert key_new in result.costs
        assert math.isclose(result.costs[key_new], reference.costs[key_old], rel_tol=1e-9, abs_tol=1e-12)


def test_names_that_read_alike_in_the_model_are_an_input_error_naming_both(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    battery_block = text[text.index("[[battery]]") : text.index("[[vehicle]]")]
    assert 'name = "' in battery_block
    first = battery_block.replace(battery_block.split('name = "')[1].split('"')[0], "home battery", 1)
    second = battery_block.replace(battery_block.split('name = "')[1].split('"')[0], "home-battery", 1)
    path = tmp_path / "two.toml"
    path.write_text(text.replace(battery_block, first + "\n" + second), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        planner.load_scenario(_with_series(path, tmp_path))
    message = str(err.value)
    assert "battery[1].name" in message
    assert "battery[1].name: home-battery" in message and "'home battery'" in message


def _with_series(path, tmp_path):
    """Point relative CSV paths of the copied example back at the shipped folder."""
    text = path.read_text(encoding="utf-8").replace('"../', f'"{EXAMPLE.parent.parent.as_posix()}/')
    path.write_text(text, encoding="utf-8")
    return path
