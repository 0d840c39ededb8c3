"""A separate EV charging rate (OVO Charge Anytime, Octopus Power Pack): the credit on each charger's net
kWh, its end value, and the same accounting in the simulation."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import planner
from planner.verify import verify

HOME = {"schema_version": 1, "name": "ev-rate", "currency": "GBP",
        "horizon": {"start": "2024-01-15T00:00:00Z", "hours": 6, "step_minutes": 60, "timezone": "UTC"},
        "grid": {"import_limit_kw": 20, "export_limit_kw": 5}, "load": {"kw": 1.0}}
CAR = {"name": "car", "capacity_kwh": 40, "soc_min_kwh": 4, "charge_max_kw": 7, "discharge_max_kw": 7,
       "eta_charge": 1.0, "eta_discharge": 1.0, "degradation_cost_per_kwh": 0.0, "end_value_per_kwh": 0.0,
       "session": [{"arrive": "2024-01-15T00:00:00Z", "depart": "2024-01-15T05:00:00Z",
                    "arrive_soc_kwh": 20, "depart_soc_min_kwh": 30}]}


def scheme(tmp_path, ev: float, day_price: float = 0.30, night_price: float = 0.30) -> str:
    path = tmp_path / "ev-rate.toml"
    path.write_text(textwrap.dedent(f"""
        schema_version = 1
        name = "ev-rate"
        currency = "GBP"
        timezone = "UTC"
        valid_from = "2024-01-01"
        sources = ["test"]
        standing_charge_per_day = 0.0
        ev_charge_price_per_kwh = {ev}
        [[import.window]]
        start = "00:00"
        end = "03:00"
        price_per_kwh = {night_price}
        [[import.window]]
        start = "03:00"
        end = "24:00"
        price_per_kwh = {day_price}
        """), encoding="utf-8")
    return str(path)


def home(tmp_path, car: dict, **prices) -> planner.Scenario:
    raw = dict(HOME, tariff={"scheme": scheme(tmp_path, **prices)}, vehicle=[car])
    return planner.scenario_from_dict(raw)


def test_the_car_pays_the_ev_rate_and_the_house_the_import_price(tmp_path):
    scenario = home(tmp_path, dict(CAR, v2g=False), ev=0.05)
    result = planner.plan(scenario)
    assert result.status == "optimal"
    verify(scenario, result)
    charged = float(result.schedule["car_charge_kw"].sum())  # 1-hour steps: kWh
    assert charged == pytest.approx(10.0, abs=1e-6)
    # the meter bills 6 h x 1 kW of house load and 10 kWh of charging at 0.30; the credit gives back 0.25 per
    # charged kWh, so the car's 10 kWh cost 0.05 each
    assert result.costs["import_cost"] == pytest.approx(0.30 * 16.0, abs=1e-6)
    assert result.costs["ev_charge_credit"] == pytest.approx(0.25 * 10.0, abs=1e-6)
    assert result.costs["total"] == pytest.approx(0.30 * 6.0 + 0.05 * 10.0, abs=1e-6)


def test_a_free_ev_rate_is_not_pumped_into_the_house(tmp_path):
    # V2G car, charging free: discharging into the house gives the credit back at the import price, so
    # charging more to discharge into the house gains nothing; it never beats the plain plan
    scenario = home(tmp_path, dict(CAR, v2g=True), ev=0.0)
    result = planner.plan(scenario)
    verify(scenario, result)
    sch = result.schedule
    net_car = float((sch["car_charge_kw"] - sch["car_discharge_kw"]).sum())
    assert net_car == pytest.approx(10.0, abs=1e-6)
    assert result.costs["ev_charge_credit"] == pytest.approx(0.30 * net_car, abs=1e-6)
    assert result.costs["total"] == pytest.approx(0.30 * 6.0, abs=1e-6)  # the house pays, the car rides free


def test_under_a_flat_ev_rate_the_cars_energy_is_worth_the_ev_rate_both_ways(tmp_path):
    # night 0.10, day 0.40, EV rate 0.20: credited on the net kWh, a kWh charged costs 0.20 wherever it is
    # bought and a kWh discharged into the house saves 0.40 - 0.20 = 0.20: V2G cannot gain, so the V2G plan
    # costs what the one-way plan costs (the value of the car's flexibility is the supplier's)
    plans = {}
    for v2g in (False, True):
        scenario = home(tmp_path, dict(CAR, v2g=v2g), ev=0.20, night_price=0.10, day_price=0.40)
        plans[v2g] = planner.plan(scenario)
        verify(scenario, plans[v2g])
        sch = plans[v2g].schedule
        net = (sch["car_charge_kw"] - sch["car_discharge_kw"]).to_numpy()
        credit = float(np.dot(sch["import_price_per_kwh"].to_numpy() - 0.20, net))
        assert plans[v2g].costs["ev_charge_credit"] == pytest.approx(credit, abs=1e-6)
    # house: 3 h at 0.10 and 3 h at 0.40; car: 10 kWh at 0.20
    expected = 3 * 0.10 + 3 * 0.40 + 10 * 0.20
    assert plans[False].costs["total"] == pytest.approx(expected, abs=1e-6)
    assert plans[True].costs["total"] == pytest.approx(expected, abs=1e-6)
