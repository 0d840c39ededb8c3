"""Bad and edge inputs, each with its exact outcome.

Every input ends in exactly one of: a :class:`ScenarioError` naming the field (and, for unit mistakes,
the likely unit), or a verified plan whose status, shortfalls and notes are stated here.
"""

from __future__ import annotations

import copy
import gc
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import planner
from planner import ScenarioError, scenario_from_dict
from planner.verify import verify

STEPS = 8
START = "2025-01-15T00:00:00+00:00"


def base() -> dict:
    """8 half-hour steps, flat prices, a 10 kWh battery and a 40 kWh vehicle plugged in for 4 h."""
    return {
        "schema_version": 1,
        "name": "edge",
        "currency": "GBP",
        "horizon": {"start": START, "hours": 4, "step_minutes": 30, "timezone": "UTC"},
        "grid": {"import_limit_kw": 15.0, "export_limit_kw": 5.0},
        "tariff": {"import_price_per_kwh": [0.2] * STEPS, "export_price_per_kwh": [0.05] * STEPS},
        "load": {"kw": [0.5] * STEPS},
        "solar": {"kw": [0.0] * STEPS},
        "battery": [
            {"name": "home", "capacity_kwh": 10.0, "soc_kwh": 5.0, "soc_min_kwh": 1.0, "charge_max_kw": 3.0}
        ],
        "vehicle": [
            {
                "name": "ev",
                "capacity_kwh": 40.0,
                "charge_max_kw": 7.4,
                "eta_charge": 0.92,
                "session": [
                    {
                        "arrive": "2025-01-15T00:00:00+00:00",
                        "depart": "2025-01-15T04:00:00+00:00",
                        "arrive_soc_kwh": 10.0,
                        "depart_soc_min_kwh": 20.0,
                    }
                ],
            }
        ],
    }


def _set(path: str, value: object) -> Callable[[dict], None]:
    """A mutation setting ``a.b[0].c`` (dots and [i] indices) to ``value``."""

    def mutate(raw: dict) -> None:
        node: object = raw
        parts = path.replace("]", "").replace("[", ".").split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]  # type: ignore[index]
        last = parts[-1]
        if last.isdigit():
            node[int(last)] = value  # type: ignore[index]
        else:
            node[last] = value  # type: ignore[index]

    return mutate


def _seq(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        for m in mutations:
            m(raw)

    return mutate


def _prices(index: int, value: object, key: str = "import_price_per_kwh") -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        raw["tariff"][key][index] = value

    return mutate


def _rename(table: str, old: str, new: str) -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        node = raw
        for part in table.replace("]", "").replace("[", ".").split(".") if table else []:
            node = node[int(part)] if part.isdigit() else node[part]
        node[new] = node.pop(old)

    return mutate


def _second_session(arrive: str, depart: str) -> Callable[[dict], None]:
    def mutate(raw: dict) -> None:
        raw["vehicle"][0]["session"].append(
            {"arrive": arrive, "depart": depart, "arrive_soc_kwh": 15.0, "depart_soc_min_kwh": 20.0}
        )

    return mutate


S0 = "vehicle[0].session[0]"

# (id, mutation, fields of every issue in order, text the first issue's expectation must contain)
ERROR_CASES: list[tuple[str, Callable[[dict], None], list[str], str]] = [
    ("nan_price", _prices(3, math.nan), ["tariff.import_price_per_kwh[3]"], "a finite number"),
    ("inf_export_price", _prices(0, math.inf, "export_price_per_kwh"), ["tariff.export_price_per_kwh[0]"],
     "a finite number"),
    ("price_series_2_short", _set("tariff.import_price_per_kwh", [0.2] * (STEPS - 2)),
     ["tariff.import_price_per_kwh"], f"{STEPS} values, one per step"),
    ("string_in_price_list", _prices(1, "cheap"), ["tariff.import_price_per_kwh[1]"], "a number"),
    ("string_price_scalar", _set("tariff.import_price_per_kwh", "cheap"), ["tariff.import_price_per_kwh"],
     "a number or a list"),
    ("prices_per_mwh", _set("tariff.import_price_per_kwh", [80.0, 120.0, 300.0, 95.0, 210.0, 150.0, 88.0, 99.0]),
     ["tariff.import_price_per_kwh[0]"], "GBP/MWh - divide by 1000"),
    ("export_prices_in_pence", _set("tariff.export_price_per_kwh", [15.0] * STEPS),
     ["tariff.export_price_per_kwh[0]"], "pence/cents per kWh - divide by 100"),
    ("charge_max_in_watts", _set("vehicle[0].charge_max_kw", 7400), ["vehicle[0].charge_max_kw"],
     "W given as kW (7400 W = 7.4 kW)"),
    ("battery_power_in_watts", _set("battery[0].charge_max_kw", 5000.0),
     ["battery[0].charge_max_kw", "battery[0].discharge_max_kw"], "W given as kW (5000 W = 5 kW)"),
    ("grid_limit_in_watts", _set("grid.import_limit_kw", 23000.0), ["grid.import_limit_kw"],
     "W given as kW (23000 W = 23 kW)"),
    ("load_in_watts", _set("load.kw", [450.0, 500.0, 20000.0, 400.0, 400.0, 400.0, 400.0, 400.0]),
     ["load.kw[2]"], "W given as kW"),
    ("capacity_in_wh", _set("vehicle[0].capacity_kwh", 62000.0), ["vehicle[0].capacity_kwh"],
     "Wh given as kWh (62000 Wh = 62 kWh)"),
    ("battery_soc_percent", _set("battery[0].soc_kwh", 80.0), ["battery[0].soc_kwh"],
     "80 % of 10 kWh = 8 kWh"),
    ("arrival_soc_percent", _set(f"{S0}.arrive_soc_kwh", 80.0), [f"{S0}.arrive_soc_kwh"],
     "80 % of 40 kWh = 32 kWh"),
    ("eta_percent", _set("battery[0].eta_charge", 95), ["battery[0].eta_charge"], "use 0.95"),
    ("eta_zero", _set("vehicle[0].eta_discharge", 0.0), ["vehicle[0].eta_discharge"], "(0, 1]"),
    ("misspelt_key", _rename("battery[0]", "charge_max_kw", "charge_max_kwh"),
     ["battery[0].charge_max_kwh", "battery[0].charge_max_kw"], "did you mean 'charge_max_kw'"),
    ("misspelt_optional_key", _set("battery[0].eta_chrage", 0.9), ["battery[0].eta_chrage"],
     "did you mean 'eta_charge'"),
    ("misspelt_table", _rename("", "tariff", "tarif"), ["tarif", "tariff"], "did you mean 'tariff'"),
    ("naive_start", _set("horizon.start", "2025-01-15T00:00:00"), ["horizon.start"], "got naive"),
    ("naive_session_arrive", _set(f"{S0}.arrive", "2025-01-15T00:00:00"), [f"{S0}.arrive"], "got naive"),
    ("unparseable_start", _set("horizon.start", "next tuesday"), ["horizon.start"], "ISO 8601"),
    ("zero_length_session", _set(f"{S0}.depart", "2025-01-15T00:00:00+00:00"), [f"{S0}.depart"],
     "zero-length session"),
    ("session_ends_before_start", _set(f"{S0}.depart", "2025-01-14T23:00:00+00:00"), [f"{S0}.depart"],
     "departure before the arrival"),
    ("overlapping_sessions", _second_session("2025-01-15T03:00:00+00:00", "2025-01-15T05:00:00+00:00"),
     ["vehicle[0].session[1].arrive"], "previous session's departure"),
    ("session_outside_horizon", _seq(_set(f"{S0}.arrive", "2025-01-16T00:00:00+00:00"),
                                     _set(f"{S0}.depart", "2025-01-16T04:00:00+00:00")),
     [f"{S0}.arrive"], "overlapping the horizon"),
    ("negative_load", _set("load.kw", [0.5, -0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), ["load.kw[1]"],
     "a non-negative value"),
    ("negative_solar", _set("solar.kw", [0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0]), ["solar.kw[2]"],
     "a non-negative value"),
    ("inf_load", _set("load.kw", [0.5, 0.5, math.inf, 0.5, 0.5, 0.5, 0.5, 0.5]), ["load.kw[2]"],
     "a finite number"),
    ("bool_as_number", _set("battery[0].capacity_kwh", True), ["battery[0].capacity_kwh"], "a number"),
    ("soc_bounds_out_of_order", _seq(_set("battery[0].soc_min_kwh", 8.0), _set("battery[0].soc_max_kwh", 6.0)),
     ["battery[0].soc_min_kwh"], "<= soc_max_kwh (6 kWh)"),
    ("soc_max_above_capacity", _set("vehicle[0].soc_max_kwh", 45.0), ["vehicle[0].soc_max_kwh"],
     "<= capacity_kwh (40 kWh)"),
    ("charge_min_above_max", _set("vehicle[0].charge_min_kw", 8.0), ["vehicle[0].charge_min_kw"],
     "<= charge_max_kw (7.4 kW)"),
    ("negative_import_limit", _set("grid.import_limit_kw", -1.0), ["grid.import_limit_kw"], ">= 0"),
    ("zero_capacity", _set("battery[0].capacity_kwh", 0.0),
     ["battery[0].capacity_kwh", "battery[0].soc_min_kwh"], "a capacity > 0"),
    ("missing_capacity", lambda raw: raw["vehicle"][0].pop("capacity_kwh"), ["vehicle[0].capacity_kwh"],
     "a number"),
    ("duplicate_names", _set("vehicle[0].name", "home"), ["vehicle[0].name"], "unique"),
    ("odd_step_minutes", _set("horizon.step_minutes", 7), ["horizon.step_minutes"], "one of 5, 10, 15"),
    ("hours_not_whole_steps", _set("horizon.hours", 4.2), ["horizon.hours"], "whole number of 30-minute"),
    ("unknown_timezone", _set("horizon.timezone", "Europe/Londn"), ["horizon.timezone"], ""),
    ("schema_version", _set("schema_version", 2), ["schema_version"], "1"),
    ("nan_arrival_soc", _set(f"{S0}.arrive_soc_kwh", math.nan), [f"{S0}.arrive_soc_kwh"], "a finite number"),
]


@pytest.mark.parametrize(
    ("mutate", "fields", "text"),
    [pytest.param(m, f, t, id=i) for i, m, f, t in ERROR_CASES],
)
def test_bad_input_is_a_scenario_error_naming_the_field(
    mutate: Callable[[dict], None], fields: list[str], text: str
) -> None:
    raw = base()
    mutate(raw)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw)
    err = info.value
    assert err.fields == fields, str(err)
    first = err.issues[0]
    assert text in first.expected
    # the rendered message names field, value and expectation: `field[index]: value - expected ...`
    assert f"{first.field}: " in str(err)
    assert " - expected " in str(err)


def test_every_problem_is_listed_at_once() -> None:
    """Three independent mistakes give one error listing all three."""
    raw = base()
    _prices(2, math.nan)(raw)
    _set("vehicle[0].charge_max_kw", 7400)(raw)
    _set("battery[0].eta_discharge", 1.5)(raw)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw)
    assert set(info.value.fields) == {
        "tariff.import_price_per_kwh[2]", "vehicle[0].charge_max_kw", "battery[0].eta_discharge"
    }
    assert "3 problems" in str(info.value)


TOML = """
schema_version = 1
name = "toml-edge"
[horizon]
start = {start}
hours = 2
step_minutes = 30
timezone = "UTC"
[tariff]
import_price_per_kwh = [0.2, {price}, 0.2, 0.2]
[load]
kw = 0.4
"""


@pytest.mark.parametrize(
    ("start", "price", "field", "text"),
    [
        pytest.param("2025-01-15T00:00:00", "0.2", "horizon.start", "got naive", id="toml_local_datetime"),
        pytest.param("2025-01-15", "0.2", "horizon.start", "got naive", id="toml_local_date"),
        pytest.param('"2025-01-15T00:00:00Z"', "nan", "tariff.import_price_per_kwh[1]", "a finite number",
                     id="toml_nan"),
        pytest.param('"2025-01-15T00:00:00Z"', "inf", "tariff.import_price_per_kwh[1]", "a finite number",
                     id="toml_inf"),
    ],
)
def test_toml_level_errors(tmp_path: Path, start: str, price: str, field: str, text: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(TOML.format(start=start, price=price), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        planner.load_scenario(path)
    assert info.value.fields == [field]
    assert text in info.value.issues[0].expected


@pytest.mark.parametrize(
    ("option", "value"),
    [("time_limit_s", 0), ("time_limit_s", -1.0), ("time_limit_s", math.nan), ("time_limit_s", "10"),
     ("mip_rel_gap", -0.1), ("threads", 0), ("random_seed", 1.5), ("dispatch", "continuous")],
)
def test_bad_plan_option_is_a_scenario_error(option: str, value: object) -> None:
    with pytest.raises(ScenarioError) as info:
        planner.plan(scenario_from_dict(base()), **{option: value})  # type: ignore[arg-type]
    assert info.value.fields == [option]


# ------------------------------------------------------------------------------------------------
# Degraded-but-safe inputs: a verified plan with a stated status and shortfall
# ------------------------------------------------------------------------------------------------
def _solve(raw: dict, **kwargs: object) -> tuple[planner.Scenario, planner.Plan]:
    scenario = scenario_from_dict(raw)
    result = planner.plan(scenario, **kwargs)
    verify(scenario, result)
    return scenario, result


def _session(result: planner.Plan, j: int = 0, asset: str = "ev") -> dict:
    return next(s for s in result.shortfalls if s.get("asset") == asset and s.get("session") == j)


def _no_battery(raw: dict) -> dict:
    raw["battery"] = []
    return raw


def test_vehicle_plugged_in_ten_minutes_before_departure() -> None:
    """Plugged in 03:50-04:00: one third of the last step, at most 7.4 kW x 10 min x 0.92 = 1.1347 kWh."""
    raw = _no_battery(base())
    _set(f"{S0}.arrive", "2025-01-15T03:50:00+00:00")(raw)
    _, result = _solve(raw)
    assert result.status == "optimal"
    stored = 7.4 * (10 / 60) * 0.92
    entry = _session(result)
    assert entry["soc_kwh"] == pytest.approx(10.0 + stored, abs=1e-6)
    assert entry["shortfall_kwh"] == pytest.approx(20.0 - 10.0 - stored, abs=1e-6)
    charge = result.schedule["ev_charge_kw"].to_numpy()
    assert charge[:7] == pytest.approx(0.0)
    assert charge[7] == pytest.approx(7.4 / 3, abs=1e-6)


def test_target_above_capacity_is_clamped_and_reported() -> None:
    """A 50 kWh target on a 40 kWh pack: charged to 40 kWh, 10 kWh reported short, with a note."""
    raw = _no_battery(base())
    _set(f"{S0}.arrive_soc_kwh", 20.0)(raw)
    _set(f"{S0}.depart_soc_min_kwh", 50.0)(raw)
    _, result = _solve(raw)
    assert result.status == "optimal"
    entry = _session(result)
    assert entry["soc_kwh"] == pytest.approx(40.0, abs=1e-6)
    assert entry["shortfall_kwh"] == pytest.approx(10.0, abs=1e-6)
    assert result.costs["shortfall_penalty"] == pytest.approx(10.0 * 10.0, abs=1e-4)
    assert any("above what the vehicle can hold" in n for n in result.notes)


def test_target_in_percent_gets_a_percentage_hint() -> None:
    raw = _no_battery(base())
    _set(f"{S0}.arrive_soc_kwh", 20.0)(raw)
    _set(f"{S0}.depart_soc_min_kwh", 80.0)(raw)
    _, result = _solve(raw)
    assert _session(result)["shortfall_kwh"] == pytest.approx(40.0, abs=1e-6)
    assert any("80 % of 40 kWh = 32 kWh" in n for n in result.notes)


def test_vehicle_arriving_above_target_is_not_charged() -> None:
    raw = _no_battery(base())
    _set(f"{S0}.arrive_soc_kwh", 30.0)(raw)
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert _session(result)["shortfall_kwh"] == 0.0
    assert result.schedule["ev_charge_kw"].to_numpy() == pytest.approx(0.0)
    assert any("already at or above its target" in n for n in result.notes)


def test_battery_starting_below_reserve_never_goes_lower() -> None:
    """SoC 0.5 kWh under a 1 kWh reserve, prices rising later: it may charge, never discharges below 0.5."""
    raw = base()
    raw["vehicle"] = []
    _set("battery[0].soc_kwh", 0.5)(raw)
    raw["tariff"]["import_price_per_kwh"] = [0.1] * 4 + [0.4] * 4
    _, result = _solve(raw)
    assert result.status == "optimal"
    soc = result.schedule["home_soc_kwh"].to_numpy()
    assert soc.min() >= 0.5 - 1e-6
    floor = next(s for s in result.shortfalls if s["kind"] == "battery_end_floor")
    assert floor["shortfall_kwh"] == 0.0
    assert any("below the reserve" in n for n in result.notes)


def test_session_past_the_horizon_has_a_pro_rated_target() -> None:
    """Plugged 00:00-08:00 with 10 -> 50 kWh, horizon ends 04:00: target 10 + 40 x 4/8 = 30 kWh."""
    raw = _no_battery(base())
    _set(f"{S0}.depart", "2025-01-15T08:00:00+00:00")(raw)
    _set(f"{S0}.depart_soc_min_kwh", 50.0)(raw)
    _, result = _solve(raw)
    entry = _session(result)
    assert entry["departs_in_horizon"] is False
    assert entry["target_kwh"] == pytest.approx(30.0)
    assert entry["soc_kwh"] >= 30.0 - 1e-6
    assert entry["shortfall_kwh"] == 0.0
    assert any("pro-rated" in n for n in result.notes)


def test_session_already_running_at_horizon_start() -> None:
    raw = _no_battery(base())
    _set(f"{S0}.arrive", "2025-01-14T20:00:00+00:00")(raw)
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert _session(result)["shortfall_kwh"] == 0.0
    assert result.schedule["ev_plugged"].all()


def test_zero_import_limit_with_load_and_no_storage() -> None:
    """Nothing can serve the 0.5 kW load: all 2 kWh unserved, penalised and reported."""
    raw = base()
    raw["battery"], raw["vehicle"] = [], []
    _set("grid.import_limit_kw", 0.0)(raw)
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert result.kpis["unserved_load_kwh"] == pytest.approx(2.0)
    unserved = next(s for s in result.shortfalls if s["kind"] == "unserved_load")
    assert unserved["shortfall_kwh"] == pytest.approx(2.0)
    assert result.costs["unserved_load_penalty"] == pytest.approx(20.0)
    assert result.costs["import_cost"] == 0.0


def test_negative_import_prices_for_six_steps() -> None:
    """Lossless 2 kW battery, no load, no export: it fills 6 x 1 kWh at -0.1 and earns 0.6."""
    raw = base()
    raw["vehicle"] = []
    raw["load"]["kw"] = [0.0] * STEPS
    raw["grid"]["export_limit_kw"] = 0.0
    raw["tariff"]["import_price_per_kwh"] = [-0.1] * 6 + [0.2] * 2
    raw["battery"][0].update(
        soc_kwh=0.0, soc_min_kwh=0.0, charge_max_kw=2.0, eta_charge=1.0, eta_discharge=1.0, end_soc_min_kwh=0.0
    )
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert result.costs["import_cost"] == pytest.approx(-0.6, abs=1e-6)
    assert result.costs["total"] == pytest.approx(-0.6, abs=1e-6)
    assert result.schedule["home_soc_kwh"].iloc[-1] == pytest.approx(6.0, abs=1e-6)


def test_export_price_above_import_price() -> None:
    """Buy 0.1, sell 0.3, lossless 2 kW battery at 5 of 10 kWh that must end at 5: 4 kWh round trip = 0.8.

    Importing and exporting in the same step would earn without limit; the setpoint model forbids it.
    """
    raw = base()
    raw["vehicle"] = []
    raw["load"]["kw"] = [0.0] * STEPS
    raw["tariff"] = {"import_price_per_kwh": 0.1, "export_price_per_kwh": 0.3}
    raw["battery"][0].update(
        soc_min_kwh=0.0, charge_max_kw=2.0, eta_charge=1.0, eta_discharge=1.0, end_soc_min_kwh=5.0
    )
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert result.costs["total"] == pytest.approx(-0.8, abs=1e-6)
    sch = result.schedule
    assert not ((sch["grid_import_kw"] > 1e-6) & (sch["grid_export_kw"] > 1e-6)).any()


@pytest.mark.parametrize(
    ("start", "cheap_steps", "offsets"),
    [
        pytest.param("2025-03-30T00:00:00+00:00", 7, {"+00:00", "+01:00"}, id="spring_forward"),
        pytest.param("2025-10-26T00:00:00+00:00", 9, {"+00:00", "+01:00"}, id="fall_back"),
    ],
)
def test_clock_change_days_in_london(start: str, cheap_steps: int, offsets: set[str]) -> None:
    """Octopus Go is cheap 00:30-04:30 local time.

    30 March: 00:30-01:00 GMT and 02:00-04:30 BST (6 steps) plus 00:30-01:00 BST next day = 7 steps.
    26 October (from 00:00 UTC = 01:00 BST): 01:00 BST ... 04:30 GMT is 4.5 h = 9 steps.
    The 24 h horizon is 48 steps either way; the vehicle needing 10 kWh charges only in cheap steps.
    """
    raw = _no_battery(base())
    raw["horizon"] = {"start": start, "hours": 24, "step_minutes": 30, "timezone": "Europe/London"}
    raw["tariff"] = {"scheme": "octopus-go"}
    raw["load"] = {"kw": 0.3}
    raw["solar"] = {"kw": 0.0}
    _set(f"{S0}.arrive", start)(raw)
    _set(f"{S0}.depart", (np.datetime64(start[:19]) + np.timedelta64(24, "h")).astype(str) + "+00:00")(raw)
    scenario, result = _solve(raw)
    assert scenario.steps == 48
    price = result.schedule["import_price_per_kwh"].to_numpy()
    cheap = price == price.min()
    assert int(cheap.sum()) == cheap_steps
    assert {ts.isoformat()[-6:] for ts in result.schedule.index} == offsets
    charge = result.schedule["ev_charge_kw"].to_numpy()
    assert charge[~cheap] == pytest.approx(0.0, abs=1e-6)
    assert _session(result)["shortfall_kwh"] == 0.0


def test_series_longer_than_horizon_is_cut_with_a_note() -> None:
    raw = base()
    raw["load"]["kw"] = [0.5] * (STEPS + 4)
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert any("cut to the horizon" in n for n in result.notes)


def test_solar_with_negative_export_price_is_curtailed() -> None:
    """3 kW of curtailable solar, no storage, export pays -0.05: curtail rather than pay to export."""
    raw = base()
    raw["battery"], raw["vehicle"] = [], []
    raw["load"]["kw"] = [0.0] * STEPS
    raw["solar"]["kw"] = [3.0] * STEPS
    raw["tariff"]["export_price_per_kwh"] = [-0.05] * STEPS
    _, result = _solve(raw)
    assert result.status == "optimal"
    assert result.schedule["grid_export_kw"].to_numpy() == pytest.approx(0.0)
    assert result.kpis["solar_curtailed_kwh"] == pytest.approx(12.0)
    assert result.costs["total"] == pytest.approx(0.0, abs=1e-9)


def test_vehicle_arriving_below_its_minimum_cannot_discharge() -> None:
    raw = _no_battery(base())
    raw["vehicle"][0].update(soc_min_kwh=12.0, v2g=True, discharge_max_kw=7.4)
    _set(f"{S0}.depart_soc_min_kwh", 10.0)(raw)
    raw["tariff"]["export_price_per_kwh"] = [0.15] * STEPS
    _, result = _solve(raw)
    assert result.schedule["ev_discharge_kw"].to_numpy() == pytest.approx(0.0)


@pytest.mark.slow
def test_tiny_time_limit_on_a_week_of_quarter_hours() -> None:
    """``time_limit_s = 0.05`` on 672 steps: the fail-safe plan within the budget plus 1 s of wall clock."""
    raw = base()
    n = 7 * 96
    raw["horizon"] = {"start": START, "hours": 168, "step_minutes": 15, "timezone": "Europe/London"}
    raw["tariff"] = {"import_price_per_kwh": [0.3 if (k // 4) % 24 >= 16 else 0.1 for k in range(n)],
                     "export_price_per_kwh": 0.05}
    raw["load"] = {"kw": 0.5}
    raw["solar"] = {"kw": 0.0}
    raw["vehicle"][0]["v2g"] = True
    raw["vehicle"][0]["session"] = [
        {"arrive": f"2025-01-{15 + d}T18:00:00+00:00", "depart": f"2025-01-{16 + d}T07:00:00+00:00",
         "arrive_soc_kwh": 10.0, "depart_soc_min_kwh": 30.0}
        for d in range(6)
    ]
    scenario = scenario_from_dict(raw)
    gc.collect()
    gc.freeze()  # objects left by earlier tests would make every garbage collection during the call slow
    try:
        t0 = time.perf_counter()
        result = planner.plan(scenario, time_limit_s=0.05)
        elapsed = time.perf_counter() - t0
    finally:
        gc.unfreeze()
    verify(scenario, result)
    assert elapsed < 0.05 + 1.0
    assert result.status == "fallback"
    assert "time limit" in result.reason
    # the fail-safe charges on arrival: 20 kWh / (7.4 kW x 0.92) = 2.94 h -> 12 quarter-hours from 18:00
    for j in range(6):
        assert _session(result, j)["shortfall_kwh"] == 0.0
    charge = result.schedule["ev_charge_kw"].to_numpy()
    first = scenario.grid.index.get_loc(scenario.grid.index[72])  # 2025-01-15 18:00 UTC
    assert charge[first:first + 11] == pytest.approx(7.4)
    assert 0 < charge[first + 11] < 7.4
    assert charge[first + 12] == 0.0


def test_base_scenario_is_valid_and_unchanged_by_copy() -> None:
    """The table's base scenario itself plans fine (so each case tests only its own mutation)."""
    raw = base()
    _, result = _solve(copy.deepcopy(raw))
    assert result.status == "optimal"
    assert _session(result)["shortfall_kwh"] == 0.0
    assert raw == base()


def test_asset_problems_are_listed_even_when_the_horizon_is_invalid():
    """A naive start time stops the reader early, yet the unit mistake in a vehicle is still reported."""
    raw = {
        "schema_version": 1,
        "horizon": {"start": "2025-01-01T00:00:00", "hours": 2, "step_minutes": 30, "timezone": "UTC"},
        "tariff": {"import_price_per_kwh": 0.2},
        "vehicle": [{"name": "ev", "capacity_kwh": 40.0, "charge_max_kw": 7400.0}],
    }
    with pytest.raises(planner.ScenarioError) as err:
        planner.scenario_from_dict(raw)
    assert err.value.fields == ["horizon.start", "vehicle[0].charge_max_kw"]
    assert "7400 W = 7.4 kW" in str(err.value)
