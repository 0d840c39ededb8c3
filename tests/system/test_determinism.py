"""Determinism: the same scenario and options give byte-identical schedules, whatever the host's ``TZ``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import planner
from planner.verify import verify

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "leaf-xstorage.toml"

DST_SCENARIO = {
    "schema_version": 1,
    "name": "dst-go",
    "horizon": {"start": "2025-10-25T12:00:00+00:00", "hours": 24, "step_minutes": 30,
                "timezone": "Europe/London"},
    "tariff": {"scheme": "octopus-go"},
    "load": {"kw": 0.4},
    "battery": [{"name": "home", "capacity_kwh": 10.0, "soc_kwh": 2.0, "charge_max_kw": 3.0}],
    "vehicle": [{
        "name": "ev", "capacity_kwh": 60.0, "charge_max_kw": 7.4, "charge_min_kw": 1.4,
        "session": [{"arrive": "2025-10-25T18:00:00+00:00", "depart": "2025-10-26T07:30:00+00:00",
                     "arrive_soc_kwh": 20.0, "depart_soc_min_kwh": 45.0}],
    }],
}

SCRIPT = """
import hashlib, json, sys
import planner
from planner.verify import verify
sys.path.insert(0, {root!r})
raw = json.loads({raw!r})
for scenario in (planner.load_scenario({example!r}), planner.scenario_from_dict(raw)):
    result = planner.plan(scenario)
    verify(scenario, result)
    print("RESULT", result.status, hashlib.sha256(result.schedule.to_csv().encode()).hexdigest(), repr(result.costs["total"]))
"""


def _fingerprint(scenario: planner.Scenario) -> tuple[str, str, str]:
    result = planner.plan(scenario)
    verify(scenario, result)
    digest = hashlib.sha256(result.schedule.to_csv().encode()).hexdigest()
    return result.status, digest, repr(result.costs["total"])


@pytest.mark.slow
@pytest.mark.parametrize("which", ["example", "dst"])
def test_twenty_runs_give_identical_schedules(which: str) -> None:
    scenario = (
        planner.load_scenario(EXAMPLE) if which == "example" else planner.scenario_from_dict(DST_SCENARIO)
    )
    first = planner.plan(scenario)
    verify(scenario, first)
    assert first.status == "optimal"
    for _ in range(19):
        again = planner.plan(scenario)
        assert again.status == first.status
        assert again.schedule.equals(first.schedule)
        assert again.schedule.to_csv() == first.schedule.to_csv()
        assert again.costs == first.costs
        assert again.shortfalls == first.shortfalls


@pytest.mark.slow
def test_host_time_zone_does_not_change_the_plan() -> None:
    """The same two plans in fresh processes under TZ=UTC and TZ=Australia/Sydney, and in this one."""
    code = SCRIPT.format(root=str(ROOT), raw=json.dumps(DST_SCENARIO), example=str(EXAMPLE))
    outputs = {}
    for tz in ("UTC", "Australia/Sydney"):
        env = {**os.environ, "TZ": tz, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        lines = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        outputs[tz] = [word for line in lines for word in line]
    assert outputs["UTC"] == outputs["Australia/Sydney"]
    here = [*_fingerprint(planner.load_scenario(EXAMPLE)), *_fingerprint(planner.scenario_from_dict(DST_SCENARIO))]
    assert outputs["UTC"] == here
    assert outputs["UTC"][0] == "optimal" and outputs["UTC"][3] == "optimal"
