"""Each finished run of a comparison kept on disk, so a stopped comparison resumes where it was.

``compare_tariffs(..., out=FOLDER)`` writes every (tariff, strategy) simulation as soon as it ends to
``FOLDER/runs/<tariff>/<strategy>/``: ``days.csv`` (one row per day), ``schedule.csv`` (the executed
schedule, UTC) and ``run.json`` (totals, labels and the run's key). With ``resume=True`` a run whose key
matches is read back instead of simulated again. The key is a SHA-256 over everything the run depends on:
the site's series and equipment, the tariff, the strategy and every simulation option; any change makes a
new key and the run is simulated afresh. Floats are written with 17 significant digits, so a resumed
comparison reports the same numbers as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.jobs.simulate.simulation import SimulationResult

FLOAT_FORMAT = "%.17g"


def run_key(site: Any, tariff: str, strategy: str, options: Mapping[str, Any]) -> str:
    """SHA-256 of the site's data, the tariff, the strategy and the simulation ``options``."""
    digest = hashlib.sha256()
    for array in (np.asarray(site.index.asi8), np.asarray(site.load_kw, dtype=float),
                  np.asarray(site.solar_kw, dtype=float)):
        digest.update(np.ascontiguousarray(array).tobytes())
    template = site.template
    digest.update(repr((template.batteries, template.vehicles, template.chargers, template.connection,
                        template.grid_service, sorted(site.sessions.items()))).encode())
    digest.update(json.dumps({"tariff": tariff, "strategy": strategy, **{k: repr(v) for k, v in options.items()}},
                             sort_keys=True).encode())
    return digest.hexdigest()


def run_folder(out: str | Path, tariff: str, strategy: str) -> Path:
    """``out/runs/<tariff>/<strategy>`` with characters unsafe in file names replaced."""
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", tariff)
    return Path(out) / "runs" / safe / re.sub(r"[^A-Za-z0-9_.+-]", "_", strategy)


def save_run(folder: Path, key: str, result: SimulationResult, extra: Mapping[str, Any]) -> None:
    """Write one run (module docstring); ``run.json`` last, so a run is complete when it exists."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.json").unlink(missing_ok=True)
    result.days.to_csv(folder / "days.csv", float_format=FLOAT_FORMAT)
    schedule = result.schedule.copy()
    schedule.index = schedule.index.tz_convert("UTC")
    schedule.to_csv(folder / "schedule.csv", float_format=FLOAT_FORMAT, index_label="time")
    meta = {"key": key, "strategy": result.strategy, "forecast": result.forecast, "tariff": result.tariff,
            "planned_wear": result.planned_wear, "v2g": result.v2g, "wall_seconds": result.wall_seconds,
            "timezone": str(result.schedule.index.tz), "totals": result.totals,
            "dtypes": {"days": _dtypes(result.days), "schedule": _dtypes(result.schedule)}, **dict(extra)}
    (folder / "run.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's dtype, so a column of whole numbers reads back as the floats it was written from."""
    return {str(c): str(t) for c, t in frame.dtypes.items()}


def load_run(folder: Path, key: str) -> tuple[SimulationResult, dict[str, Any]] | None:
    """The saved run in ``folder`` when its key is ``key`` (else None) and its extra fields."""
    path = folder / "run.json"
    if not path.is_file():
        return None
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("key") != key:
        return None
    days = pd.read_csv(folder / "days.csv", index_col=0).astype(meta["dtypes"]["days"])
    days.index = pd.Index(pd.to_datetime(days.index).date, name=days.index.name)
    schedule = pd.read_csv(folder / "schedule.csv", index_col=0).astype(meta["dtypes"]["schedule"])
    schedule.index = pd.DatetimeIndex(pd.to_datetime(schedule.index, utc=True), name="time").tz_convert(meta["timezone"])
    result = SimulationResult(days=days, schedule=schedule, totals={k: float(v) for k, v in meta["totals"].items()},
                              strategy=meta["strategy"], forecast=meta["forecast"], tariff=meta["tariff"],
                              wall_seconds=float(meta["wall_seconds"]), planned_wear=meta["planned_wear"],
                              v2g=bool(meta["v2g"]))
    known = {"key", "strategy", "forecast", "tariff", "planned_wear", "v2g", "wall_seconds", "timezone", "totals",
             "dtypes"}
    return result, {k: v for k, v in meta.items() if k not in known}


__all__ = ["load_run", "run_folder", "run_key", "save_run"]
