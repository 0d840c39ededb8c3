"""The results folder's files: atomic writes, one schedule file per site (Parquet or CSV), reading them back.

Parquet (the ``[parquet]`` extra) holds the schedule and the site's summary row in one file; without
pyarrow each site is ``schedules/<site>.csv`` (the schedule) plus ``schedules/<site>.json`` (the row and
plan details), written JSON last so a site counts as done only once both are complete.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.jobs.batch.hashing import site_key
from planner.jobs.batch.records import SiteResult


def atomic_write(final: Path, staging: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in ``staging`` and move it onto ``final`` in one step."""
    tmp = staging / f"{final.name}.{uuid.uuid4().hex}.tmp"
    try:
        write(tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


META_KEY = b"planner.batch"
"""Parquet key-value metadata key holding a site's summary row (JSON)."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_SCHEDULE_SCHEMAS: dict[tuple[str, ...], Any] = {}
"""Per process: the Arrow schema (with its pandas metadata) of each schedule layout, keyed by the index and
column dtypes, so that every site after the first of a layout skips the pandas-to-Arrow conversion."""


def _schedule_table_slow(site: str, schedule: pd.DataFrame) -> Any:
    """The stored table of one schedule through pandas (columns ``site``, ``time`` [UTC], then the schedule)."""
    import pyarrow as pa

    frame = schedule.copy()
    frame.index = pd.DatetimeIndex(frame.index).tz_convert("UTC")
    frame.index.name = "time"
    frame = frame.reset_index()
    frame.insert(0, "site", site)
    return pa.Table.from_pandas(frame, preserve_index=False)


def _schedule_table(site: str, schedule: pd.DataFrame) -> Any:
    """The stored table of one schedule, built column by column against the layout's cached schema.

    Gives the same table (types and pandas metadata) as :func:`_schedule_table_slow`, which is used for the
    first schedule of each layout and whenever a column does not convert to its cached type.
    """
    import pyarrow as pa

    index = pd.DatetimeIndex(schedule.index)
    layout = (str(index.dtype), *(f"{name}={dtype}" for name, dtype in schedule.dtypes.items()))
    schema = _SCHEDULE_SCHEMAS.get(layout)
    if schema is not None and len(schema) == len(layout) + 1:
        try:
            arrays = [
                pa.array([site] * len(index), type=schema.field(0).type),
                pa.array(index.tz_convert("UTC"), type=schema.field(1).type),
                *(pa.array(values.to_numpy(), type=schema.field(i + 2).type, from_pandas=True)
                  for i, (_, values) in enumerate(schedule.items())),
            ]
            return pa.Table.from_arrays(arrays, schema=schema)
        except (pa.ArrowException, TypeError, ValueError):
            pass
    table = _schedule_table_slow(site, schedule)
    if len(_SCHEDULE_SCHEMAS) >= 8:
        _SCHEDULE_SCHEMAS.clear()  # flat memory: a handful of layouts per batch
    _SCHEDULE_SCHEMAS[layout] = table.schema
    return table


def write_schedule(path: Path, staging: Path, result_plan: Any, result: SiteResult) -> None:
    import pyarrow.parquet as pq

    schedule = result_plan.schedule
    table = _schedule_table(result.site, schedule)
    meta = dict(table.schema.metadata or {})
    plan_meta = {
        "scenario_name": result_plan.scenario_name,
        "currency": result_plan.currency,
        "timezone": str(pd.DatetimeIndex(schedule.index).tz),
        "reason": result_plan.reason,
        "notes": list(result_plan.notes),
        "shortfalls": [{k: _jsonable(v) for k, v in sf.items()} for sf in result_plan.shortfalls],
        "kpis": {k: _jsonable(v) for k, v in result_plan.kpis.items()},
    }
    meta[META_KEY] = json.dumps({"result": result.to_json(), "plan": plan_meta}).encode()
    table = table.replace_schema_metadata(meta)
    atomic_write(path, staging, lambda tmp: pq.write_table(table, tmp))


def read_site_result(path: Path) -> SiteResult | None:
    """The summary row stored in a schedule file, or None when the file is missing or unreadable."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
        return SiteResult.from_json(json.loads(meta[META_KEY])["result"])
    except Exception:  # noqa: BLE001 - any unreadable file counts as absent
        return None


def load_site_plan(out_dir: str | Path, site: str) -> Any:
    """Read one site's stored result back as a :class:`~planner.results.Plan`.

    The schedule index is returned in the site's time zone, as :func:`planner.plan` gives it; shortfall
    times are timestamps again.

    Raises
    ------
    FileNotFoundError
        If the site has no stored schedule.
    """
    import pyarrow.parquet as pq

    from planner.results import Plan

    path = Path(out_dir) / "schedules" / f"{site_key(site)}.parquet"
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {})[META_KEY])
    result, info = SiteResult.from_json(meta["result"]), meta["plan"]
    frame = table.to_pandas().drop(columns=["site"]).set_index("time")
    frame.index = pd.DatetimeIndex(frame.index).tz_convert(info["timezone"])
    frame.index.name = "time"
    shortfalls = [
        {k: (pd.Timestamp(v) if k in ("arrive", "depart") and isinstance(v, str) else v) for k, v in sf.items()}
        for sf in info["shortfalls"]
    ]
    return Plan(
        scenario_name=info["scenario_name"], currency=info["currency"], schedule=frame,
        costs=dict(result.costs), status=result.status, shortfalls=shortfalls,
        kpis={k: (math.nan if v is None else v) for k, v in info["kpis"].items()},
        solve_seconds=result.solve_seconds, reason=info["reason"], notes=list(info["notes"]),
    )



def read_schedules(out_dir: str | Path) -> pd.DataFrame:
    """Every schedule of a results folder in one frame (columns ``site``, ``time`` [UTC], ...)."""
    files = sorted((Path(out_dir) / "schedules").glob("*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
