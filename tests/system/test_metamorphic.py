"""Metamorphic relations: transformations of a scenario whose effect on the optimum is known without solving.

Each relation states the conditions under which it is a theorem (derived in the docstring), and every plan
is solved to a zero gap and re-verified.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import (
    at,
    battery,
    close,
    make_raw,
    make_scenario,
    random_raw,
    session,
    solve,
    vehicle,
)

import planner

SEEDS = list(range(8))


def _aligned_raw(seed: int, *, benign: bool) -> dict:
    """Random hourly scenario whose sessions start and end on whole hours (step-aligned data).

    ``benign``: non-negative prices with export <= import, no minimum power, curtailable solar. Then no
    binary can bind (simultaneous flows or charge/discharge never pay when wasting energy is free by
    curtailing and energy has no negative value), so the setpoint optimum equals its LP relaxation.
    """
    rng = np.random.default_rng(1000 + seed)
    raw = random_raw(seed, steps=int(rng.integers(4, 9)), step_minutes=60)
    for v in raw.get("vehicle", []):
        for s in v["session"]:
            for key in ("arrive", "depart"):
                ts = np.datetime64(s[key][:19])
                s[key] = at(float(np.round((ts - np.datetime64("2025-01-15T00:00:00")) / np.timedelta64(1, "h"))))
        kept, last = [], None
        for s in v["session"]:  # rounding may make sessions empty or touching: keep a valid subset
            if s["depart"] > s["arrive"] and (last is None or s["arrive"] >= last):
                kept.append(s)
                last = s["depart"]
        v["session"] = kept
    raw["vehicle"] = [v for v in raw.get("vehicle", []) if v["session"]]
    if benign:
        imp = np.abs(np.asarray(raw["tariff"]["import_price_per_kwh"]))
        raw["tariff"]["import_price_per_kwh"] = imp.tolist()
        raw["tariff"]["export_price_per_kwh"] = (imp * 0.5).tolist()
        raw["solar"]["curtailable"] = True
        for v in raw["vehicle"]:
            v["charge_min_kw"] = 0.0
    return raw


def _halved(raw: dict) -> dict:
    """The same scenario on 30-minute steps: every per-step value held for two half-steps."""
    out = copy.deepcopy(raw)
    out["horizon"]["steps"] = 2 * raw["horizon"]["steps"]
    out["horizon"]["step_minutes"] = raw["horizon"]["step_minutes"] // 2
    for table, key in (("tariff", "import_price_per_kwh"), ("tariff", "export_price_per_kwh"), ("load", "kw"),
                       ("solar", "kw")):
        out[table][key] = np.repeat(raw[table][key], 2).tolist()
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_halving_the_step_keeps_the_optimum_when_no_binary_binds(seed):
    """Benign step-aligned data: a coarse plan held over two half-steps is a fine plan (fine <= coarse);
    averaging a fine LP solution over each pair is a coarse LP solution (coarse relaxation <= fine
    relaxation), and with no binding binary each optimum equals its relaxation: the costs are equal.
    """
    raw = _aligned_raw(seed, benign=True)
    coarse = solve(planner.scenario_from_dict(raw))
    fine = solve(planner.scenario_from_dict(_halved(raw)))
    assert close(fine.costs["total"], coarse.costs["total"]), (fine.costs["total"], coarse.costs["total"])


@pytest.mark.parametrize("seed", SEEDS)
def test_halving_the_step_keeps_the_fractional_optimum(seed):
    """Any step-aligned data (negative prices, export above import, minimum power) in the fractional
    dispatch: the LP on half-steps equals the LP on whole steps (the two maps above are exact for an LP whose
    per-step data, bounds and big-M values are equal in both halves).
    """
    raw = _aligned_raw(seed, benign=False)
    coarse = solve(planner.scenario_from_dict(raw), dispatch="fractional")
    fine = solve(planner.scenario_from_dict(_halved(raw)), dispatch="fractional")
    assert close(fine.costs["total"], coarse.costs["total"]), (fine.costs["total"], coarse.costs["total"])


@pytest.mark.parametrize("seed", SEEDS)
def test_halving_the_step_never_costs_more_with_setpoints(seed):
    """Any step-aligned data with setpoints: holding the coarse plan is feasible on half-steps, so the fine
    optimum is at most the coarse one (it may be lower: a setpoint can change at the half hour).
    """
    raw = _aligned_raw(seed, benign=False)
    coarse = solve(planner.scenario_from_dict(raw))
    fine = solve(planner.scenario_from_dict(_halved(raw)))
    assert fine.costs["total"] <= coarse.costs["total"] + 1e-6 * max(1.0, abs(coarse.costs["total"]))


def test_halving_the_step_can_lower_the_cost_when_a_minimum_power_binds():
    """Need 1 kWh, charge_min 3 kW, 1 h at 0.1: on one hourly step the car must take 3 kWh (0.3); on two
    half-hour steps 3 kW for half an hour gives 1.5 kWh (0.15): the relation above is an inequality.
    """
    raw = make_raw(import_price=[0.1], vehicles=[vehicle([session(0, 1, 10.0, 11.0)], charge_min_kw=3.0)])
    coarse = solve(planner.scenario_from_dict(raw))
    fine = solve(planner.scenario_from_dict(_halved(raw)))
    assert close(coarse.costs["total"], 0.3)
    assert close(fine.costs["total"], 0.15)


@pytest.mark.parametrize("seed", SEEDS)
def test_allowing_v2g_never_costs_more(seed):
    """Allowing discharge only adds options (discharge 0 with the same charging is still feasible)."""
    raw = random_raw(seed)
    if not raw.get("vehicle"):
        raw["vehicle"] = [vehicle([session(0, raw["horizon"]["steps"] * 0.5, 10.0, 14.0)], name="ev9")]
    without = copy.deepcopy(raw)
    with_v2g = copy.deepcopy(raw)
    for v_off, v_on in zip(without["vehicle"], with_v2g["vehicle"], strict=True):
        v_off["v2g"], v_off["discharge_max_kw"] = False, 0.0
        v_on["v2g"], v_on["discharge_max_kw"] = True, v_on["charge_max_kw"]
    cost_off = solve(planner.scenario_from_dict(without)).costs["total"]
    cost_on = solve(planner.scenario_from_dict(with_v2g)).costs["total"]
    assert cost_on <= cost_off + 1e-6 * max(1.0, abs(cost_off))


def _scaled(raw: dict, k: float) -> dict:
    out = copy.deepcopy(raw)
    for key in ("import_price_per_kwh", "export_price_per_kwh"):
        out["tariff"][key] = (np.asarray(raw["tariff"][key]) * k).tolist()
    out["shortfall_penalty_per_kwh"] = raw.get("shortfall_penalty_per_kwh", 10.0) * k
    for asset in out.get("battery", []) + out.get("vehicle", []):
        asset["degradation_cost_per_kwh"] = asset.get("degradation_cost_per_kwh", 0.0) * k
    return out


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [0.1, 3.0])
def test_scaling_every_price_by_k_scales_the_cost_by_k(seed, k):
    """Multiplying every price, wear rate and penalty by k > 0 multiplies the objective of every plan by k,
    so the optimal plans are the same and the optimum is k times the original.
    """
    raw = random_raw(seed)
    base = solve(planner.scenario_from_dict(raw)).costs["total"]
    scaled = solve(planner.scenario_from_dict(_scaled(raw, k))).costs["total"]
    assert close(scaled, k * base, rel=1e-6, abs_=1e-6 * max(1.0, k)), (scaled, k * base)


@pytest.mark.parametrize("k", [0.5, 4.0])
def test_scaling_prices_scales_the_energy_cost_when_nothing_else_is_priced(k):
    """No wear, reachable targets, no limits: the total is the energy cost (import - export), and prices x k
    give an energy cost x k (the plan is unchanged because only prices enter the objective).
    """
    raw = random_raw(3)
    for asset in raw.get("battery", []) + raw.get("vehicle", []):
        asset["degradation_cost_per_kwh"] = 0.0
    for v in raw.get("vehicle", []):
        for s in v["session"]:
            s["depart_soc_min_kwh"] = s["arrive_soc_kwh"]
    for b in raw.get("battery", []):
        b["end_soc_min_kwh"] = 0.0
    raw.pop("grid", None)
    raw["solar"]["curtailable"] = True
    base = solve(planner.scenario_from_dict(raw))
    scaled = solve(planner.scenario_from_dict(_scaled(raw, k)))
    energy = base.costs["import_cost"] - base.costs["export_revenue"]
    energy_k = scaled.costs["import_cost"] - scaled.costs["export_revenue"]
    assert close(base.costs["total"], energy)
    assert close(energy_k, k * energy), (energy_k, k * energy)


@pytest.mark.parametrize("seed", SEEDS)
def test_removing_a_vehicle_never_raises_the_cost(seed):
    """Without V2G, with non-negative prices and curtailable solar, a vehicle only draws power: dropping its
    charging from an optimal plan lowers import, or raises export (earning >= 0), or is curtailed for free,
    and removes its wear and penalties. So the plan without the vehicle costs at most as much.
    """
    raw = random_raw(seed)
    raw["tariff"]["import_price_per_kwh"] = np.abs(raw["tariff"]["import_price_per_kwh"]).tolist()
    raw["tariff"]["export_price_per_kwh"] = np.abs(raw["tariff"]["export_price_per_kwh"]).tolist()
    raw["solar"]["curtailable"] = True
    if not raw.get("vehicle"):
        raw["vehicle"] = [vehicle([session(0, raw["horizon"]["steps"] * 0.5, 10.0, 14.0)], name="ev9")]
    for v in raw["vehicle"]:
        v["v2g"], v["discharge_max_kw"] = False, 0.0
    full = solve(planner.scenario_from_dict(raw)).costs["total"]
    for i in range(len(raw["vehicle"])):
        fewer = copy.deepcopy(raw)
        del fewer["vehicle"][i]
        cost = solve(planner.scenario_from_dict(fewer)).costs["total"]
        assert cost <= full + 1e-6 * max(1.0, abs(full)), (i, cost, full)


def test_removing_a_v2g_vehicle_can_raise_the_cost():
    """Why the relation above needs its conditions: a V2G car arriving at 20 kWh with a 10 kWh target sells
    5 kWh per step at 0.3 (earns 3.0, total -3.0); without it the site pays nothing (total 0).
    """
    car = vehicle([session(0, 2, 20.0, 10.0)], v2g=True, discharge_max_kw=5.0)
    sc = make_scenario(import_price=[0.4, 0.4], export_price=[0.3, 0.3], vehicles=[car],
                       batteries=[battery(charge_max_kw=0.0, discharge_max_kw=0.0)])
    assert close(solve(sc).costs["total"], -3.0)
    sc0 = make_scenario(import_price=[0.4, 0.4], export_price=[0.3, 0.3])
    assert close(solve(sc0).costs["total"], 0.0)
