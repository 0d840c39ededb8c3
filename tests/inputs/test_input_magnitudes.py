"""Non-finite numbers, implausible single steps and penalties: a clear error naming field, index and value.

Only the grid limits may be infinite ("unlimited"); every other number must be finite.
"""

from __future__ import annotations

import copy
import math
import tomllib

import pytest
from conftest import ROOT

import planner
from planner.errors import ScenarioError

EXAMPLE = ROOT / "data" / "examples" / "leaf-xstorage.toml"
BASE = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def _read(mutate):
    raw = copy.deepcopy(BASE)
    mutate(raw)
    return planner.scenario_from_dict(raw, base_dir=EXAMPLE.parent)


def _error(mutate) -> str:
    with pytest.raises(ScenarioError) as err:
        _read(mutate)
    return str(err.value)


def _set(path: tuple, value):
    def mutate(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("battery", 0, "capacity_kwh"), "battery[0].capacity_kwh"),
        (("battery", 0, "charge_max_kw"), "battery[0].charge_max_kw"),
        (("battery", 0, "degradation_cost_per_kwh"), "battery[0].degradation_cost_per_kwh"),
        (("vehicle", 0, "discharge_max_kw"), "vehicle[0].discharge_max_kw"),
        (("load", "scale"), "load.scale"),
        (("solar", "kwp"), "solar.kwp"),
        (("tariff", "standing_charge_per_day"), "tariff.standing_charge_per_day"),
        (("shortfall_penalty_per_kwh",), "shortfall_penalty_per_kwh"),
    ],
)
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_rejected_naming_the_field(path, field, value):
    message = _error(_set(path, value))
    assert f"{field}: {value}" in message
    assert "finite" in message


def test_grid_limits_may_be_unlimited():
    scenario = _read(_set(("grid", "import_limit_kw"), math.inf))
    assert scenario.connection.import_limit_kw == math.inf
    assert planner.plan(scenario).status == "optimal"


def _prices(step_value: float):
    def mutate(raw):
        raw["tariff"].pop("import_prices_csv")
        raw["tariff"].pop("import_price_column")
        prices = [0.2] * 96
        prices[40] = step_value
        raw["tariff"]["import_price_per_kwh"] = prices

    return mutate


@pytest.mark.parametrize("value", [9999.0, 1e12, -1e12, 25.0])
def test_one_implausible_step_among_normal_prices_is_named_with_its_index(value):
    message = _error(_prices(value))
    assert f"tariff.import_price_per_kwh[40]: {value}" in message
    assert "median is 0.2" in message


def test_a_real_price_spike_is_accepted():
    """4 GBP/kWh in one step is a real scarcity price (day-ahead cap 4,000 EUR/MWh): planned, not rejected."""
    scenario = _read(_prices(4.0))
    assert scenario.tariff.import_price_per_kwh[40] == 4.0


def test_household_load_in_watts_is_named_as_a_unit_mistake():
    message = _error(_set(("load", "scale"), 1000.0))
    assert "load.kw[" in message
    assert "looks like W given as kW" in message
    assert "27.4 kW" in message  # 15 kW import + 5 kW battery + 7.4 kW V2G, no sun at that step


def test_a_load_above_the_connection_but_plausible_is_planned_with_unserved_load():
    """Twice the household's load on a 1 kW connection: served in part, the rest unserved and reported."""

    def mutate(raw):
        raw["grid"]["import_limit_kw"] = 1.0
        raw["load"]["scale"] = 20.0

    scenario = _read(mutate)
    result = planner.plan(scenario)
    assert result.status == "optimal"
    assert result.kpis["unserved_load_kwh"] > 0


@pytest.mark.parametrize("where", [(), ("vehicle", 0)])
def test_a_huge_penalty_is_an_input_error_and_the_largest_accepted_one_plans(where):
    message = _error(_set((*where, "shortfall_penalty_per_kwh"), 1e12))
    assert "at most 1e+06 per kWh" in message

    def hard(raw):
        _set((*where, "shortfall_penalty_per_kwh"), 1e6)(raw)
        for session in raw["vehicle"][0]["session"]:
            session["depart_soc_min_kwh"] = 62.0  # full by a short second session: a shortfall

    result = planner.plan(_read(hard))
    assert result.status == "optimal"
    short = sum(s["shortfall_kwh"] for s in result.shortfalls if s["kind"] == "vehicle_session")
    assert short > 0
    assert result.costs["shortfall_penalty"] == pytest.approx(1e6 * short, rel=1e-6)


def test_a_key_that_is_not_a_string_is_an_input_error():
    message = _error(_set(("battery", 0, 1), 3))
    assert "battery[0].1" in message and "string key" in message


def test_an_unknown_key_with_nothing_close_lists_the_valid_keys():
    message = _error(_set(("grid", "zzzz"), 3))
    assert "grid.zzzz" in message and "import_limit_kw" in message
