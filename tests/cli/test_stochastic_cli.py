"""``planner plan SCENARIO --variants FOLDER``: the stochastic plan from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from conftest import ROOT

from planner.cli.main import main

EXAMPLE = ROOT / "data" / "examples" / "leaf-xstorage.toml"


def _variants(folder: Path) -> Path:
    folder.mkdir()
    for scale in (0.7, 1.0, 1.4):
        (folder / f"load-{scale}.toml").write_text(
            EXAMPLE.read_text().replace("[load]", f"[load]\nscale = {scale}", 1))
    return folder


def test_variants_plan_one_commitment_and_write_it(tmp_path: Path, capsys) -> None:
    folder = _variants(tmp_path / "variants")
    out = tmp_path / "committed.csv"
    code = main(["plan", str(EXAMPLE), "--variants", str(folder), "--weights", "0.3,0.4,0.3",
                 "--commit-steps", "8", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "3 variants, 8 committed steps" in text and "load-1.4.toml: weight 0.300" in text
    assert "CVaR at 0.9:" in text
    committed = pd.read_csv(out, parse_dates=["time"])
    assert len(committed) == 8 and str(committed["time"].dt.tz) == "UTC"
    assert main(["plan", str(EXAMPLE), "--variants", str(folder), "--commit-steps", "8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    costs = [v["costs"]["total"] for v in data["variants"]]
    assert abs(data["expected_cost"] - sum(costs) / 3) < 1e-9
    for row, (_, expected) in zip(data["committed"], committed.iterrows(), strict=True):
        assert abs(row["xstorage_discharge_kw"] - expected["xstorage_discharge_kw"]) < 1e-6


def test_bad_variant_options_are_input_errors(tmp_path: Path, capsys) -> None:
    folder = _variants(tmp_path / "variants")
    assert main(["plan", str(EXAMPLE), "--variants", str(folder), "--weights", "1,2"]) == 2
    assert "weights: [1.0, 2.0] - expected 3 probabilities" in capsys.readouterr().err
    assert main(["plan", str(EXAMPLE), "--variants", str(tmp_path / "empty")]) == 2
    assert main(["plan", str(EXAMPLE), "--variants", str(folder), "--plot", "p.png"]) == 2
    assert main(["plan", str(EXAMPLE), "--variants", str(folder), "--cvar-level", "1.5"]) == 2
    assert "cvar_level: 1.5 - expected a probability level in (0, 1)" in capsys.readouterr().err
