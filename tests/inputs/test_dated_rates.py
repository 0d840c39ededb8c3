"""Dated tariff rates (``[[rates]]``): prices and standing charges by the rates in force on each local day."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from planner.errors import ScenarioError
from planner.inputs.tariffs.dated import standing_per_step, version_on
from planner.inputs.tariffs.scheme import load_scheme
from planner.timegrid import TimeGrid

SCHEME = """
schema_version = 1
name = "{name}"
currency = "GBP"
timezone = "Europe/London"
valid_from = "2024-01-01"
valid_to = "2024-03-30"
sources = ["test"]
standing_charge_per_day = 0.40

[[import.window]]
start = "00:00"
end = "07:00"
price_per_kwh = 0.10

[[import.window]]
start = "07:00"
end = "24:00"
price_per_kwh = 0.30

[[rates]]
valid_from = "2024-03-31"
valid_to = "2024-06-30"
standing_charge_per_day = 0.60
import = {{ price_per_kwh = 0.25 }}
{extra}
"""


def write(tmp_path, extra: str = "", name: str = "dated") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(SCHEME.format(name=name, extra=extra)), encoding="utf-8")
    return str(path)


def test_prices_change_at_local_midnight_of_the_new_rates_day(tmp_path):
    scheme = load_scheme(write(tmp_path))
    # 2024-03-30 (GMT, 24 h) then 2024-03-31 (the spring-forward day, 23 h) in half hours
    grid = TimeGrid(pd.Timestamp("2024-03-30T00:00Z"), 30, 48 + 46, "Europe/London")
    spec = scheme.prices(grid)
    first = np.array([0.10] * 14 + [0.30] * 34)  # windowed rates on the last day of the first set
    np.testing.assert_allclose(spec.import_price_per_kwh[:48], first)
    np.testing.assert_allclose(spec.import_price_per_kwh[48:], 0.25)  # flat rates from local midnight
    # one day of each set's standing charge, the 23-hour day counting as one day
    assert spec.standing_charge_cost == pytest.approx(0.40 + 0.60)
    per_step = standing_per_step(scheme, grid)
    assert per_step[:48].sum() == pytest.approx(0.40)
    assert per_step[48:].sum() == pytest.approx(0.60)
    assert spec.notes == ()


def test_bst_day_boundary_is_local_not_utc(tmp_path):
    scheme = load_scheme(write(tmp_path, '[[rates]]\nvalid_from = "2024-07-01"\nimport = { price_per_kwh = 0.05 }'))
    # London's 2024-07-01 starts at 23:00Z on 30 June
    grid = TimeGrid(pd.Timestamp("2024-06-30T22:00Z"), 60, 3, "Europe/London")
    np.testing.assert_allclose(scheme.prices(grid).import_price_per_kwh, [0.25, 0.05, 0.05])


def test_dates_outside_every_set_keep_the_nearest_rates_and_say_so(tmp_path):
    scheme = load_scheme(write(tmp_path))
    after = TimeGrid(pd.Timestamp("2024-08-01T00:00Z"), 60, 24, "Europe/London")
    spec = scheme.prices(after)
    np.testing.assert_allclose(spec.import_price_per_kwh, 0.25)
    assert len(spec.notes) == 1 and "no rates known for 2024-08-01" in spec.notes[0]
    assert "2024-03-31 to 2024-06-30" in spec.notes[0]
    before = TimeGrid(pd.Timestamp("2023-12-31T00:00Z"), 60, 24, "Europe/London")
    assert "no rates known for 2023-12-31" in scheme.prices(before).notes[0]
    assert version_on(scheme, pd.Timestamp("2024-05-05").date())[0].standing_charge_per_day == 0.60


def test_a_scenario_on_stale_rates_carries_the_note(tmp_path):
    import planner

    path = write(tmp_path)
    raw = {"schema_version": 1, "name": "h", "currency": "GBP",
           "horizon": {"start": "2024-09-02T00:00:00+01:00", "hours": 24, "step_minutes": 30,
                       "timezone": "Europe/London"},
           "grid": {"import_limit_kw": 10, "export_limit_kw": 5},
           "tariff": {"scheme": path}, "load": {"kw": 0.5}}
    scenario = planner.scenario_from_dict(raw)
    assert any("no rates known for 2024-09-02" in n for n in scenario.notes)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ('[[rates]]\nvalid_from = "2024-06-01"\nimport = { price_per_kwh = 0.2 }', "rates.valid_from"),
        ('[[rates]]\nvalid_from = "2024-08-01"\nprice = 3', "rates[1].price"),
        ('[[rates]]\nvalid_from = "2024-08-01"\nvalid_to = "2024-07-01"', "rates[1].valid_to"),
        ('[[rates]]\nvalid_from = "August"', "rates[1].valid_from"),
        ('[[rates]]\nvalid_to = "2024-09-01"', "rates[1].valid_from"),
        ('[[rates]]\nvalid_from = "2024-08-01"\nimport = { price_per_kwh = "a lot" }', "rates[1].import.price_per_kwh"),
    ],
)
def test_bad_rates_name_the_field(tmp_path, extra, field):
    with pytest.raises(ScenarioError) as info:
        load_scheme(write(tmp_path, extra))
    assert any(issue.field.startswith(field) for issue in info.value.issues), info.value.issues


def test_shipped_flat_cap_is_dated_and_ordered():
    scheme = load_scheme("flat-price-cap")
    starts = [v.valid_from for v in scheme.versions]
    assert starts == sorted(starts) and len(starts) >= 5
    # the Energy Price Guarantee winter, the Oct-Dec 2023 cap and the Jan-Mar 2026 cap
    on = {d: version_on(scheme, pd.Timestamp(d).date())[0] for d in ("2023-01-15", "2023-11-15", "2026-02-01")}
    assert on["2023-01-15"].import_rule.price_per_kwh == 0.34
    assert on["2023-11-15"].standing_charge_per_day == 0.5337
    assert on["2026-02-01"].import_rule.price_per_kwh == 0.2769


def test_tariffs_show_lists_every_set_and_prices_the_day_by_the_set_in_force():
    from planner.inputs.tariffs.text import format_scheme_day

    text = format_scheme_day("outgoing-fixed", "2026-04-01")
    assert "2025-07-17 to ...: standing 0/day; export flat 0.15 per kWh" in text
    assert "export: flat 0.12 per kWh" in text  # the set in force on 1 Apr 2026
    rows = [line for line in text.splitlines() if line.startswith("  2026-04-01 ")]
    assert len(rows) == 48 and all(line.split()[-1] == "0.1200" for line in rows)
    assert "EV charging: 0 GBP/kWh" in format_scheme_day("octopus-power-pack")


def test_standing_charge_per_step_sums_to_one_day_on_both_clock_changes():
    scheme = load_scheme("flat-price-cap")
    for start, steps in (("2023-03-26T00:00Z", 46), ("2023-10-28T23:00Z", 50)):  # 23- and 25-hour London days
        grid = TimeGrid(pd.Timestamp(start), 30, steps, "Europe/London")
        day = grid.index[0].tz_convert("Europe/London").date()
        expected = version_on(scheme, day)[0].standing_charge_per_day
        assert standing_per_step(scheme, grid).sum() == pytest.approx(expected)
