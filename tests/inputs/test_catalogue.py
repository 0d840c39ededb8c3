"""Equipment catalogue: every file loads, wear parameters are sane, bad files name file and field."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from planner.domain.wear_params import derived_costs
from planner.errors import ScenarioError
from planner.inputs.catalogue import (
    FIELDS,
    KINDS,
    entry_names,
    list_entries,
    load_entry,
    models_dir,
    read_entry_file,
)

NAMES = entry_names()


def test_catalogue_has_the_required_items():
    required = {
        "nissan-leaf-40",
        "nissan-leaf-62",
        "nissan-env200-40",
        "nissan-xstorage-4",
        "tesla-powerwall-2",
        "tesla-powerwall-3",
        "wallbox-quasar",
        "enel-v2g-10",
    }
    assert required <= set(NAMES)
    kinds = {e.name: e.kind for e in list_entries()}
    other_v2g_cars = [
        n for n, k in kinds.items() if k == "vehicle" and not n.startswith("nissan") and load_entry(n).fields["v2g"]
    ]
    assert other_v2g_cars, "at least one non-Nissan V2G-capable car"
    chargers = [load_entry(n) for n, k in kinds.items() if k == "charger"]
    assert {c.fields["discharge_max_kw"] for c in chargers} >= {7.4, 10.0}


def test_models_dir_is_the_source_tree_models_folder():
    assert models_dir() == Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("name", NAMES)
def test_every_catalogue_file_loads(name):
    entry = load_entry(name)
    assert entry.name == name and entry.kind in KINDS
    assert set(entry.fields) <= set(FIELDS[entry.kind])
    assert entry.source.get("data") and entry.source.get("references")
    known = {f"fields.{k}" for k in entry.fields} | {f"degradation.{k}" for k in entry.degradation}
    assert set(entry.unverified) <= known
    if entry.kind == "charger":
        assert not entry.degradation
        return
    assert entry.fields["capacity_kwh"] > 0
    assert 0 < entry.fields["eta_charge"] <= 1 and 0 < entry.fields["eta_discharge"] <= 1
    wear = derived_costs(entry.degradation, entry.fields["eta_discharge"])
    # the derived throughput cost is what the entry offers as its default wear price
    assert entry.fields["degradation_cost_per_kwh"] == pytest.approx(wear["throughput_cost_per_kwh"], abs=1e-5)
    segment_costs = wear["segment_costs_per_kwh"]
    assert np.all(np.diff(segment_costs) >= 0) and segment_costs[0] > 0
    assert wear["calendar_cost_per_kwh_hour"] >= 0


def test_leaf_62_values_by_hand():
    """5,900 GBP pack, 59 kWh usable, 2,000 full cycles: 5900 / (2 * 59 * 2000) = 0.025 GBP/kWh moved."""
    entry = load_entry("nissan-leaf-62")
    assert entry.kind == "vehicle" and entry.fields["v2g"] is True
    assert entry.fields["degradation_cost_per_kwh"] == pytest.approx(0.025)
    assert entry.degradation["cycle_life_cycles"][-1] == 2000
    assert "fields.capacity_kwh" in entry.unverified


def test_unknown_name_lists_close_matches():
    with pytest.raises(ScenarioError) as info:
        load_entry("nissan-leaf-26")
    message = str(info.value)
    assert "nissan-leaf-62" in message and info.value.fields == ["model"]
    with pytest.raises(ScenarioError, match="one of"):
        load_entry("zzzz")


def _mutated(tmp_path: Path, old: str, new: str, name: str = "nissan-leaf-40") -> Path:
    text = (models_dir() / f"{name}.toml").read_text()
    assert old in text
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "cycle_life_cycles = [214000, 52500, 12800, 5640, 3150, 2000]",
            "cycle_life_cycles = [214000, 52500, 12800, 15640, 3150, 2000]",
            "degradation.cycle_life_cycles[3]",
        ),
        (
            "cycle_life_depth_fraction = [0.1, 0.2, 0.4, 0.6, 0.8, 1.0]",
            "cycle_life_depth_fraction = [0.1, 0.2, 0.6, 0.4, 0.8, 1.0]",
            "degradation.cycle_life_depth_fraction[3]",
        ),
        ("capacity_kwh = 39.0", "capacity_kwh = 0.0", "fields.capacity_kwh"),
        ("usable_capacity_kwh = 39.0", "usable_capacity_kwh = 0", "degradation.usable_capacity_kwh"),
        ("replacement_cost = 3900.0", "replacement_cost = -3900.0", "degradation.replacement_cost"),
        ("eta_charge = 0.92", "eta_charge = 1.2", "fields.eta_charge"),
        ("v2g = true", "v2g = 1", "fields.v2g"),
        ("charge_max_kw = 6.6", "charge_max_kw = 6.6\ncharge_max_kwh = 6.6", "fields.charge_max_kwh"),
        ("calendar_soc_threshold_fraction = 0.8", "calendar_soc_threshold_fraction = 1.5",
         "degradation.calendar_soc_threshold_fraction"),
        ('name = "nissan-leaf-40"', 'name = "leaf"', "name"),
    ],
)
def test_bad_parameters_name_file_and_field(tmp_path, old, new, field):
    path = _mutated(tmp_path, old, new)
    with pytest.raises(ScenarioError) as info:
        read_entry_file(path)
    assert field in info.value.fields
    assert str(path) in str(info.value) and re.escape(field)


def test_non_convex_cycle_life_curve_is_rejected(tmp_path):
    """1/N must be convex in depth: here 1/N jumps from 1/3150 to 1/3100 over the last 0.2 of depth,
    a smaller rise per unit depth than the step before it (1/5640 -> 1/3150)."""
    path = _mutated(
        tmp_path,
        "cycle_life_cycles = [214000, 52500, 12800, 5640, 3150, 2000]",
        "cycle_life_cycles = [214000, 52500, 12800, 5640, 3150, 3100]",
    )
    with pytest.raises(ScenarioError) as info:
        read_entry_file(path)
    assert info.value.fields == ["degradation.cycle_life_cycles[5]"]


def test_every_problem_is_listed(tmp_path):
    path = _mutated(tmp_path, "capacity_kwh = 39.0", "capacity_kwh = -1.0")
    text = path.read_text().replace("replacement_cost = 3900.0", "replacement_cost = -1.0")
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        read_entry_file(path)
    assert {"fields.capacity_kwh", "degradation.replacement_cost"} <= set(info.value.fields)


def test_charger_may_not_carry_wear_parameters(tmp_path):
    path = _mutated(tmp_path, "v2g = true", 'v2g = true\n\n[degradation]\nreplacement_cost = 1.0', "wallbox-quasar")
    with pytest.raises(ScenarioError) as info:
        read_entry_file(path)
    assert "degradation" in info.value.fields


def test_cli_models_list_shows_every_entry(capsys):
    from planner.cli.main import main

    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(NAMES) + 1
    assert [line.split()[0] for line in lines[1:]] == NAMES
    leaf = next(line for line in lines if line.startswith("nissan-leaf-62 "))
    assert "59.0" in leaf and "0.0250" in leaf and "yes" in leaf


def test_cli_models_show_and_unknown_name(capsys):
    from planner.cli.main import main

    assert main(["models", "show", "tesla-powerwall-3"]) == 0
    out = capsys.readouterr().out
    assert "discharge_max_kw = 11.04" in out and "LiFePO4" in out and "segment costs" in out
    assert main(["models", "show", "powerwall3"]) == 2
    assert "tesla-powerwall-3" in capsys.readouterr().err


def test_scenario_fields_for_each_kind():
    from planner.inputs.catalogue import scenario_fields

    assert scenario_fields("wallbox-quasar", "charger") == {"charge_max_kw": 7.4, "discharge_max_kw": 7.4, "v2g": True}
    leaf = scenario_fields("nissan-leaf-40", "vehicle")
    assert leaf["capacity_kwh"] == 39.0 and "usable_capacity_kwh" not in leaf["degradation"]
    assert leaf["degradation"]["replacement_cost"] == 3900.0 and "currency" not in leaf["degradation"]
    with pytest.raises(ScenarioError, match="a battery entry"):
        scenario_fields("nissan-leaf-40", "battery")
