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

import pandas as pd

from planner.jobs.batch.hashing import site_key
from planner.jobs.batch.records import SiteResult
from planner.results.plan import Plan, jsonable


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


FORMATS = ("parquet", "csv")
"""Schedule file formats of a results folder."""


def resolve_format(requested: str) -> str:
    """``parquet`` or ``csv`` for a requested format (``auto``: Parquet when pyarrow is installed).

    Raises ValueError for an unknown format and MissingExtraError for ``parquet`` without pyarrow.
    """
    from planner.extras import available, require

    if requested == "auto":
        return "parquet" if available("pyarrow") else "csv"
    if requested not in FORMATS:
        raise ValueError(f"results_format: {requested!r} - expected 'auto', 'parquet' or 'csv'")
    if requested == "parquet":
        require("pyarrow.parquet", "Parquet batch results")
    return requested


def schedule_path(out_dir: Path, key: str, fmt: str) -> Path:
    """Where a site's schedule lives (``schedules/<key>.parquet`` or ``.csv``)."""
    return Path(out_dir) / "schedules" / f"{key}.{fmt}"


def _plan_meta(result_plan: Any) -> dict[str, Any]:
    schedule = result_plan.schedule
    return {
        "scenario_name": result_plan.scenario_name,
        "currency": result_plan.currency,
        "timezone": str(pd.DatetimeIndex(schedule.index).tz),
        "reason": result_plan.reason,
        "notes": list(result_plan.notes),
        "shortfalls": [{k: jsonable(v) for k, v in sf.items()} for sf in result_plan.shortfalls],
        "kpis": {k: jsonable(v) for k, v in result_plan.kpis.items()},
    }


def write_schedule(out_dir: Path, key: str, staging: Path, result_plan: Any, result: SiteResult,
                   fmt: str = "parquet") -> None:
    """Write one site's schedule and summary row in ``fmt``; the other format's files of the site go."""
    meta_json = json.dumps({"result": result.to_json(), "plan": _plan_meta(result_plan)})
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = _schedule_table(result.site, result_plan.schedule)
        meta = dict(table.schema.metadata or {})
        meta[META_KEY] = meta_json.encode()
        table = table.replace_schema_metadata(meta)
        atomic_write(schedule_path(out_dir, key, fmt), staging, lambda tmp: pq.write_table(table, tmp))
        stale = [schedule_path(out_dir, key, "csv"), schedule_path(out_dir, key, "json")]
    else:
        frame = result_plan.schedule_frame()
        frame["time"] = frame["time"].map(lambda ts: ts.isoformat())
        frame.insert(0, "site", result.site)
        atomic_write(schedule_path(out_dir, key, "csv"), staging, lambda tmp: frame.to_csv(tmp, index=False))
        atomic_write(schedule_path(out_dir, key, "json"), staging, lambda tmp: tmp.write_text(meta_json))
        stale = [schedule_path(out_dir, key, "parquet")]
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_schedule(out_dir: Path, key: str) -> None:
    """Remove a site's schedule files in every format."""
    for ext in (*FORMATS, "json"):
        with contextlib.suppress(FileNotFoundError):
            schedule_path(out_dir, key, ext).unlink()


def _read_meta(path: Path) -> dict[str, Any]:
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return json.loads((pq.read_schema(path).metadata or {})[META_KEY])
    if not path.with_suffix(".csv").is_file():
        raise FileNotFoundError(path.with_suffix(".csv"))
    return json.loads(path.with_suffix(".json").read_text())


def read_site_result(path: Path) -> SiteResult | None:
    """The summary row stored with a schedule file (``.parquet``, or a ``.csv``/``.json`` pair), or None
    when it is missing or unreadable."""
    try:
        return SiteResult.from_json(_read_meta(path)["result"])
    except Exception:  # noqa: BLE001 - any unreadable file counts as absent
        return None


def find_site_result(out_dir: Path, key: str) -> SiteResult | None:
    """The stored summary row of site ``key`` in whichever format the folder holds it, or None."""
    for fmt in FORMATS:
        if schedule_path(out_dir, key, fmt).is_file():
            return read_site_result(schedule_path(out_dir, key, fmt))
    return None


def _read_frame(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    frame = pd.read_csv(path, dtype={"site": str})
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def load_site_plan(out_dir: str | Path, site: str) -> Any:
    """Read one site's stored result back as a :class:`~planner.results.plan.Plan`.

    The schedule index is returned in the site's time zone, as :func:`planner.plan` gives it; shortfall
    times are timestamps again.

    Raises
    ------
    FileNotFoundError
        If the site has no stored schedule.
    """

    key = site_key(site)
    paths = [schedule_path(Path(out_dir), key, fmt) for fmt in FORMATS]
    path = next((p for p in paths if p.is_file()), paths[0])
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no stored schedule for site {site!r}")
    meta = _read_meta(path)
    result, info = SiteResult.from_json(meta["result"]), meta["plan"]
    frame = _read_frame(path).drop(columns=["site"]).set_index("time")
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
    """Every schedule of a results folder in one frame: ``site``, ``time`` [UTC], then the union of every
    site's columns (a column a site does not have, e.g. a battery it lacks, is NaN in its rows)."""
    folder = Path(out_dir) / "schedules"
    files = sorted(p for fmt in FORMATS for p in folder.glob(f"*.{fmt}"))
    if not files:
        return pd.DataFrame()
    return pd.concat([_read_frame(f) for f in files], ignore_index=True)
