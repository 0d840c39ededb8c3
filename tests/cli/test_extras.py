"""The core install without its extras: pyarrow, matplotlib and Dask blocked from import.

Planning, JSON/CSV output, validation and batch (CSV results) work; each optional feature fails with a
one-line message naming the extra that installs it. With the extras present, ``auto`` picks Parquet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data/examples/leaf-xstorage.toml"
BLOCKER = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pyarrow", "matplotlib", "dask", "distributed", "httpx"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Block())
import importlib.util
_find = importlib.util.find_spec
def _find_spec(name, package=None):
    if name.split(".")[0] in {"pyarrow", "matplotlib", "dask", "distributed", "httpx"}:
        return None
    return _find(name, package)
importlib.util.find_spec = _find_spec
from planner.cli.main import main
code = main(sys.argv[1:])
assert not any(m.split(".")[0] in {"pyarrow", "matplotlib", "dask", "distributed", "httpx"} for m in sys.modules)
sys.exit(code)
"""


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER, *argv], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_core_plans_and_writes_without_the_extras(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    done = _run("plan", str(EXAMPLE), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_text())
    assert plan["status"] == "optimal" and plan["costs"]["total"] > 0
    csv = tmp_path / "plan.csv"
    assert _run("plan", str(EXAMPLE), "--out", str(csv), cwd=tmp_path).returncode == 0
    frame = pd.read_csv(csv, parse_dates=["time"])
    assert str(frame["time"].dt.tz) == "UTC" and len(frame) == 96


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (["plan", str(EXAMPLE), "--plot", "p.png"], "[plot]"),
        (["plan", str(EXAMPLE), "--out", "p.parquet"], "[parquet]"),
        (["prices", "fetch", "octopus", "--start", "2023-01-16", "--out", "p.csv"], "[fetch]"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(tmp_path: Path, argv: list[str], extra: str) -> None:
    done = _run(*argv, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and extra in lines[0] and "pip install" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_batch_writes_csv_results_without_pyarrow_and_reads_them_back(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    for name in ("leaf-xstorage", "leaf-no-v2g"):
        text = (ROOT / f"data/examples/{name}.toml").read_text().replace("../series/", f"{ROOT}/data/series/")
        if name == "leaf-no-v2g":  # a site without a home battery
            head, rest = text.split("[[battery]]", 1)
            text = head + rest[rest.index("[[vehicle]]"):]
        (sites / f"{name}.toml").write_text(text)
    out = tmp_path / "results"
    done = _run("batch", str(sites), "--out", str(out), "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "schedules").iterdir()) == [
        "leaf-no-v2g.csv", "leaf-no-v2g.json", "leaf-xstorage.csv", "leaf-xstorage.json"]
    assert not (out / "summary.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["schedule_format"] == "csv"
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["currency"]) == ["GBP", "GBP"]
    from planner.jobs.batch import load_site_plan, read_schedules

    both = read_schedules(out)
    assert {"xstorage_soc_kwh", "leaf_soc_kwh"} <= set(both.columns)  # the union of both sites' columns
    assert both.loc[both.site == "leaf-no-v2g", "xstorage_soc_kwh"].isna().all()
    plan = load_site_plan(out, "leaf-xstorage")
    assert str(plan.schedule.index.tz) == "Europe/London"
    row = summary.set_index("site").loc["leaf-xstorage"]
    assert plan.costs["total"] == pytest.approx(row["total_cost"], abs=1e-9)
    # resuming reuses the CSV results
    again = _run("batch", str(sites), "--out", str(out), "--workers", "1", "--resume", cwd=tmp_path)
    assert again.returncode == 0 and "2 skipped" in again.stdout
    done = _run("batch", str(sites), "--out", str(out), "--format", "parquet", cwd=tmp_path)
    assert done.returncode == 1 and "[parquet]" in done.stderr


def test_auto_format_is_parquet_with_the_extra(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from planner.jobs.batch.storage import resolve_format

    assert resolve_format("auto") == "parquet"
    with pytest.raises(ValueError, match="results_format: 'xml'"):
        resolve_format("xml")
