"""A depot compared as a home is: each van on its charger, the chargers' phases within their limit, under
the fleet V2G scheme (``data/examples/depot-20-vans-fleet-v2g.toml``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner
from planner.jobs.compare import compare_tariffs
from planner.jobs.compare_site import site_from_scenario
from planner.jobs.simulate.execution import Piece
from planner.jobs.simulate.phases import keep_within_phases

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "depot-20-vans-fleet-v2g.toml"


@pytest.fixture(scope="module")
def depot_day():
    site = site_from_scenario(EXAMPLE, "2023-01-18", 1, history_days=0)
    result = compare_tariffs(site, ["agile"], ["charge_on_arrival", "optimal_v2g"], start="2023-01-18", days=1,
                             forecast="perfect")
    return site, result


def test_every_van_charges_on_its_own_charger_and_each_phase_stays_within_its_limit(depot_day):
    site, result = depot_day
    template = site.template
    chargers = {c.name: c for c in template.chargers}
    limit = template.connection.phase_limit_kw
    for (_, strategy), run in result.results.items():
        sch = run.schedule
        load = {p: np.zeros(len(sch)) for p in ("L1", "L2", "L3")}
        out = {p: np.zeros(len(sch)) for p in ("L1", "L2", "L3")}
        for v in template.vehicles:
            bay = chargers[v.charger]
            c = sch[f"{v.name}_charge_kw"].to_numpy()
            d = sch[f"{v.name}_discharge_kw"].to_numpy()
            assert c.max() <= min(v.charge_max_kw, bay.charge_max_kw) + 1e-6, (strategy, v.name)
            if not bay.bidirectional:
                assert d.max() == 0.0, (strategy, v.name)
            shares = {bay.phase: 1.0} if bay.phase in load else {p: 1 / 3 for p in load}
            for p, w in shares.items():
                load[p] += w * c
                out[p] += w * d
        for p in load:
            assert load[p].max() <= limit + 1e-5, (strategy, p, load[p].max())
            assert out[p].max() <= limit + 1e-5, (strategy, p)



def test_the_fleet_scheme_pays_only_what_the_executed_day_held(depot_day):
    _, result = depot_day
    table = result.table.set_index("strategy")
    assert table.loc["charge_on_arrival", "grid_service_revenue"] == 0.0  # a rule offers nothing
    assert table.loc["optimal_v2g", "grid_service_revenue"] > 0.0
    run = result.results[("agile", "optimal_v2g")]
    held = run.schedule["grid_service_kw"].to_numpy()
    assert run.totals["grid_service_revenue"] == pytest.approx(0.018 * 0.25 * held.sum(), rel=1e-6)
    assert table.loc["optimal_v2g", "net_cost"] < table.loc["charge_on_arrival", "net_cost"]
    assert (table["unmet_departure_kwh"] <= 1e-6).all()


def test_the_controller_cuts_an_overloaded_phase_and_stops_a_charge_below_its_minimum():
    """Hand-solved: van a on a three-phase 11 kW charger asks 9 kW (3 on each phase), van b on an L1 charger
    (minimum 2.5 kW) 3 kW, with 4 kW per phase. L1 carries 6: both scale by 4/6, a to 6 kW and b to 2 kW,
    below its minimum, so b stops (L1 then carries 2). In the second step the 3 kW of a fits."""
    def van(name: str, charger: str) -> dict:
        return {"name": name, "capacity_kwh": 40, "charge_max_kw": 11, "charger": charger,
                "session": [{"arrive": "2024-01-15T00:00:00Z", "depart": "2024-01-15T02:00:00Z",
                             "arrive_soc_kwh": 10, "depart_soc_min_kwh": 10}]}
    raw = {"schema_version": 1, "name": "phases", "currency": "GBP",
           "horizon": {"start": "2024-01-15T00:00:00Z", "hours": 2, "step_minutes": 60, "timezone": "UTC"},
           "grid": {"import_limit_kw": 100, "export_limit_kw": 100, "phase_limit_kw": 4.0},
           "tariff": {"import_price_per_kwh": 0.1}, "load": {"kw": 0.0},
           "charger": [{"name": "dc", "charge_max_kw": 11, "phase": "L1L2L3"},
                       {"name": "ac", "charge_max_kw": 7, "charge_min_kw": 2.5, "phase": "L1"}],
           "vehicle": [van("a", "dc"), van("b", "ac")]}
    template = planner.scenario_from_dict(raw)
    start, end = pd.Timestamp("2024-01-15T00:00Z"), pd.Timestamp("2024-01-15T02:00Z")
    pieces = [Piece(name, 0, start, end, 10.0, True, False, None, 10.0, charger=bay)
              for name, bay in (("a", "dc"), ("b", "ac"))]
    charge = {"a": np.array([9.0, 3.0]), "b": np.array([3.0, 0.0])}
    discharge = {"a": np.zeros(2), "b": np.zeros(2)}
    keep_within_phases(template, template.grid, pieces, charge, discharge)
    np.testing.assert_allclose(charge["a"], [6.0, 3.0])
    np.testing.assert_allclose(charge["b"], [0.0, 0.0])


def test_an_earlier_target_is_raised_by_what_the_next_bay_can_charge():
    """A van whose next night's bay charges at 2 kW must leave today fuller than its own 6.6 kW suggests.

    Next session: 12 h on the bay, target 30 kWh, 10 kWh of driving before it; eta 0.9. On the bay it can
    gain 2 x 12 x 0.9 = 21.6 kWh, so it must arrive with 8.4 and leave today with 18.4 kWh; at the van's own
    rate (71.3 kWh in 12 h) today's 15 kWh target would stand.
    """
    from dataclasses import replace

    from planner.jobs.simulate.days import plan_sessions
    from planner.jobs.simulate.forecasts import PerfectForesight
    from planner.jobs.simulate.site import TripSession

    scenario = planner.load_scenario(EXAMPLE)
    van = replace(scenario.vehicles[0], charge_max_kw=6.6, eta_charge=0.9, soc_min_kwh=3.9, soc_max_kwh=39.0)
    t0 = pd.Timestamp("2023-01-18 08:00", tz="Europe/London")
    trips = [TripSession(t0, t0 + pd.Timedelta(hours=6), 15.0, arrive_soc_kwh=10.0, charger="slow"),
             TripSession(t0 + pd.Timedelta(hours=10), t0 + pd.Timedelta(hours=22), 30.0, drive_kwh=10.0,
                         charger="slow")]
    end = t0 + pd.Timedelta(hours=24)
    own = plan_sessions(van, trips, t0, end, 10.0, PerfectForesight())
    bay = plan_sessions(van, trips, t0, end, 10.0, PerfectForesight(),
                        charge_max_kw=lambda charger: 2.0 if charger == "slow" else 6.6)
    assert own[0].depart_soc_min_kwh == pytest.approx(15.0)
    assert bay[0].depart_soc_min_kwh == pytest.approx(30.0 - 2.0 * 12 * 0.9 + 10.0)
    assert bay[1].arrive_soc_kwh == pytest.approx(bay[0].depart_soc_min_kwh - 10.0)
