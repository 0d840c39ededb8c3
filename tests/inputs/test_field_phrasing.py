"""One typed-field reader: a misspelt key reads the same in a scenario, a tariff scheme, a catalogue entry
and a wear table (the closest known key, else the list of known keys)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from planner.domain.wear_params import check_wear_parameters
from planner.errors import ScenarioError
from planner.inputs.catalogue import check_fields, read_entry_file
from planner.inputs.scenario import scenario_from_dict
from planner.inputs.tariffs.files import parse_scheme

ROOT = Path(__file__).resolve().parents[2]
DID_YOU_MEAN = "unknown key - expected one of the known keys (did you mean '{}'?)"


def _scenario(**extra) -> dict:
    raw = {"schema_version": 1, "name": "s", "currency": "GBP",
           "horizon": {"start": "2023-01-16T00:00:00Z", "hours": 24, "step_minutes": 30, "timezone": "UTC"},
           "grid": {"import_limit_kw": 10}, "tariff": {"import_price_per_kwh": 0.2}, "load": {"kw": 0.4}}
    raw["battery"] = [{"name": "b", "capacity_kwh": 5, "soc_kwh": 2, "charge_max_kw": 2, **extra}]
    return raw


def _messages(issues) -> list[str]:
    return [str(i) for i in issues]


def test_a_misspelt_key_reads_the_same_in_every_table(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as scenario:
        scenario_from_dict(_scenario(capacty_kwh=5))
    assert f"battery[0].capacty_kwh: {DID_YOU_MEAN.format('capacity_kwh')}" in _messages(scenario.value.issues)

    scheme = tomllib.loads((ROOT / "data/tariffs/flat-price-cap.toml").read_text())
    scheme["standng_charge_per_day"] = 0.5
    with pytest.raises(ScenarioError) as tariff:
        parse_scheme(scheme, tmp_path / "flat-price-cap.toml")
    assert f"standng_charge_per_day: {DID_YOU_MEAN.format('standing_charge_per_day')}" in _messages(
        tariff.value.issues)

    fields = _messages(check_fields({"capacty_kwh": 40}, "vehicle"))
    assert f"fields.capacty_kwh: {DID_YOU_MEAN.format('capacity_kwh')}" in fields

    wear = _messages(check_wear_parameters({"replacement_cst": 4000}))
    assert f"degradation.replacement_cst: {DID_YOU_MEAN.format('replacement_cost')}" in wear


def test_with_nothing_close_every_table_lists_the_known_keys(tmp_path: Path) -> None:
    wear = _messages(check_wear_parameters({"zzz": 1}))
    assert wear[0].startswith("degradation.zzz: unknown key - expected one of the known keys (")
    assert "replacement_cost" in wear[0]
    entry = 'zzz = 1\n' + (ROOT / "models/nissan-leaf-62.toml").read_text()
    path = tmp_path / "nissan-leaf-62.toml"
    path.write_text(entry)
    with pytest.raises(ScenarioError) as catalogue:
        read_entry_file(path)
    text = _messages(catalogue.value.issues)[0]
    assert text.startswith("zzz: unknown key - expected one of the known keys (") and "degradation" in text
