"""Plan many sites into one results folder: resumable, on local worker processes or a Dask cluster.

Input (``docs/batch.md`` has the full description):

- a **folder of scenario TOML files** (searched recursively; the site id is the path without ``.toml``), or
- one **site table** (``.csv`` or ``.parquet``), one row per site, whose column names are scenario TOML key
  paths (``horizon.start``, ``tariff.scheme``, ``load.csv``, ``battery.capacity_kwh``,
  ``vehicle.session.arrive``; ``battery[1].name`` for a second asset). An empty cell leaves the key out.
  Column ``site`` is the site id (else ``name``); columns starting with ``meta.`` are carried along and
  ignored. Relative file paths resolve against the table's folder, so thousands of rows can share a few
  series files.

Results folder::

    RESULTS/schedules/<site>.parquet   one file per planned site (schedule + its summary row as metadata)
    RESULTS/failed/<site>.json         one file per site that could not be planned (its error)
    RESULTS/summary.parquet, .csv      one row per input site
    RESULTS/manifest.json              input, options and their hashes, counts of the last finished run

Every file is written to ``RESULTS/.staging/<run>/`` and moved into place with :func:`os.replace`, so a
reader (or a resumed run) only ever sees complete files. A site's *input hash* covers its scenario text or
table row, the contents of every file it references (series CSVs, tariff scheme, catalogue entries), the
plan options and the planner version; ``resume=True`` skips a site whose schedule file carries the same hash.
Concurrent runs on one folder each use their own staging directory and replace whole files, so the folder
always holds complete results; the summary and manifest are written under an exclusive lock.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import resource
import shutil
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULT_FORMAT = 1
"""Version of the results-folder layout (part of every input hash)."""
STRING_KEYS = frozenset(
    {"site", "name", "model", "csv", "column", "timezone", "scheme", "export_scheme", "start", "arrive",
     "depart", "currency", "import_price_column", "export_price_column"}
)
"""Last key-path segments whose cells stay strings in a CSV table (never parsed as numbers)."""
MAX_SITE_KEY_CHARS = 120
"""Longest site id used as a file name as it is; a longer one is cut to 80 characters plus a hash."""
_FILE_KEYS = re.compile(r"(^|_)csv$")
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")


# ------------------------------------------------------------------------------------------------
# Options, tasks, results
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchOptions:
    """Plan options applied to every site (they are part of every site's input hash).

    Parameters
    ----------
    time_limit_s : float
        Solver time limit per site [s].
    mip_rel_gap : float
        Relative MIP gap (dimensionless).
    dispatch : str
        ``"setpoint"`` or ``"fractional"`` (see :func:`planner.plan`).
    """

    time_limit_s: float = 10.0
    mip_rel_gap: float = 1e-4
    dispatch: str = "setpoint"

    def fingerprint(self) -> dict[str, Any]:
        """Everything that can change a plan: the options, the planner version, the results format."""
        return {**asdict(self), "planner_version": _planner_version(), "result_format": RESULT_FORMAT}

    def digest(self) -> str:
        """Hash of :meth:`fingerprint` (hex)."""
        return _sha256(_canonical(self.fingerprint()))


@dataclass(frozen=True)
class SiteTask:
    """One site to plan: small enough to send to a worker (no series data inside).

    Attributes
    ----------
    site : str
        Site id as given in the input.
    key : str
        File-name-safe form of ``site``.
    input_hash : str
        Hash of everything the site's plan depends on.
    kind : str
        ``"toml"`` (``payload`` is a file path) or ``"row"`` (``payload`` is a scenario dictionary).
    payload : str or dict
        The scenario source.
    base_dir : str
        Folder relative paths resolve against.
    error : str or None
        Set when the site is invalid before planning (e.g. a duplicate id).
    """

    site: str
    key: str
    input_hash: str
    kind: str
    payload: Any
    base_dir: str
    error: str | None = None


@dataclass
class SiteResult:
    """What happened to one site (one summary row).

    Attributes
    ----------
    site : str
        Site id.
    status : str
        Plan status (``optimal``, ``time_limit``, ``fallback``) or ``failed``.
    total_cost : float
        Total cost [currency] (nan when failed).
    costs : dict
        Cost terms [currency] (``export_revenue`` is money received).
    shortfall_kwh : float
        Sum of unmet targets [kWh].
    solve_seconds : float
        Wall time of the plan [s].
    error : str
        Error message when failed, else empty.
    input_hash : str
        The site's input hash.
    run_id : str
        Run that computed the result.
    skipped : bool
        True when a previous run's result was reused (``resume``).
    worker : str
        Worker that computed it (``host:pid``).
    peak_rss_mb : float
        Peak resident memory of that worker process so far [MiB].
    """

    site: str
    status: str
    total_cost: float = math.nan
    costs: dict[str, float] = field(default_factory=dict)
    shortfall_kwh: float = math.nan
    solve_seconds: float = math.nan
    error: str = ""
    input_hash: str = ""
    run_id: str = ""
    skipped: bool = False
    worker: str = ""
    peak_rss_mb: float = math.nan

    @property
    def ok(self) -> bool:
        """True when a plan was written."""
        return self.status != "failed"

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dictionary (nan becomes None)."""
        raw = asdict(self)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in raw.items()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SiteResult:
        """Inverse of :meth:`to_json`."""
        known = {f for f in cls.__dataclass_fields__}
        data = {k: (math.nan if v is None and k not in ("error", "site") else v) for k, v in raw.items()
                if k in known}
        return cls(**data)


@dataclass(frozen=True)
class BatchProgress:
    """Progress of a run, passed to the ``progress`` callback after every site.

    Attributes
    ----------
    total : int
        Sites in the input.
    done, succeeded, failed, skipped : int
        Sites finished so far, of which planned, failed, reused from a previous run.
    elapsed_s : float
        Wall time since the run started [s].
    last : SiteResult or None
        The site that just finished.
    """

    total: int
    done: int
    succeeded: int
    failed: int
    skipped: int
    elapsed_s: float
    last: SiteResult | None = None


@dataclass
class BatchResult:
    """Outcome of :func:`run_batch`.

    Attributes
    ----------
    out_dir : pathlib.Path
        The results folder.
    summary : pandas.DataFrame
        One row per input site (as written to ``summary.parquet``).
    results : list of SiteResult
        The same, as objects.
    run_id : str
        This run's id.
    elapsed_s : float
        Wall time [s].
    """

    out_dir: Path
    summary: pd.DataFrame
    results: list[SiteResult]
    run_id: str
    elapsed_s: float

    @property
    def succeeded(self) -> int:
        """Sites planned in this run."""
        return sum(1 for r in self.results if r.ok and not r.skipped)

    @property
    def failed(self) -> int:
        """Sites that could not be planned."""
        return sum(1 for r in self.results if not r.ok)

    @property
    def skipped(self) -> int:
        """Sites whose previous result was reused."""
        return sum(1 for r in self.results if r.skipped)

    @property
    def fallback(self) -> int:
        """Sites whose plan is the solver-free fail-safe plan."""
        return sum(1 for r in self.results if r.status == "fallback")

    @property
    def ok(self) -> bool:
        """True when no site failed."""
        return self.failed == 0


# ------------------------------------------------------------------------------------------------
# Hashing helpers
# ------------------------------------------------------------------------------------------------
def _planner_version() -> str:
    try:
        from importlib.metadata import version

        return version("ev-dispatch-planner")
    except Exception:  # noqa: BLE001 - not installed: source tree
        return "source"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _FileDigests:
    """Content hashes of referenced files, computed once per (path, size, mtime)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        try:
            st = path.stat()
        except OSError:
            return "missing"
        key = (str(path), st.st_size, st.st_mtime_ns)
        digest = self._cache.get(key)
        if digest is None:
            h = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    h.update(chunk)
            digest = self._cache[key] = h.hexdigest()
        return digest


def _referenced_files(raw: Any, base_dir: Path) -> dict[str, Path]:
    """Every file a scenario dictionary refers to: series CSVs, tariff schemes, catalogue entries."""
    from planner.tariffs import data_dir

    found: dict[str, Path] = {}

    def walk(node: Any, parent: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, str):
                    if _FILE_KEYS.search(key):
                        found[f"{parent}{key}={value}"] = base_dir / value
                    elif key in ("scheme", "export_scheme"):
                        path = Path(value)
                        if not (value.endswith(".toml") or "/" in value):
                            with contextlib.suppress(Exception):
                                path = data_dir("tariffs") / f"{value}.toml"
                        found[f"{parent}{key}={value}"] = path if path.is_absolute() else base_dir / path
                    elif key == "model":
                        with contextlib.suppress(Exception):
                            from planner.catalogue import models_dir

                            found[f"model={value}"] = models_dir() / f"{value}.toml"
                else:
                    walk(value, f"{parent}{key}.")
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    walk(raw, "")
    return found


def site_key(site: str) -> str:
    """File-name-safe form of a site id (a short hash is added when characters had to be replaced)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", site).strip("._") or "site"
    if safe != site or len(safe) > MAX_SITE_KEY_CHARS:  # file names are limited to 255 bytes
        safe = f"{safe[:80]}-{_sha256(site.encode())[:8]}"
    return safe


# ------------------------------------------------------------------------------------------------
# Reading the input
# ------------------------------------------------------------------------------------------------
def _cell(value: Any, key: str, from_csv: bool) -> Any:
    """A table cell as a TOML-like Python value, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if not from_csv or key in STRING_KEYS:
            return text
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                pass
        return text
    return value


def row_to_scenario_dict(row: Mapping[str, Any], *, from_csv: bool = False) -> dict[str, Any]:
    """Turn one table row (column = scenario key path) into a scenario dictionary.

    ``battery.capacity_kwh`` sets ``raw["battery"]["capacity_kwh"]``; ``vehicle[1].name`` addresses the
    second ``[[vehicle]]`` table (an unindexed path means index 0). Empty cells, ``site`` and ``meta.*``
    columns are left out.

    Raises
    ------
    ValueError
        For a column name that is not a key path.
    """
    raw: dict[str, Any] = {}
    for column, cell in row.items():
        column = str(column)
        if column == "site" or column.startswith("meta."):
            continue
        parts = column.split(".")
        value = _cell(cell, parts[-1], from_csv)
        if value is None:
            continue
        node: Any = raw
        for depth, part in enumerate(parts):
            match = _SEGMENT.match(part)
            if match is None:
                msg = f"column {column!r}: {part!r} is not a key (letters, digits, _ and an optional [index])"
                raise ValueError(msg)
            name, index = match.group(1), match.group(2)
            last = depth == len(parts) - 1
            if index is None and not isinstance(node.get(name), list):
                if last:
                    node[name] = value
                else:
                    node = node.setdefault(name, {})
                    if not isinstance(node, dict):
                        msg = f"column {column!r}: {name!r} is both a value and a table"
                        raise ValueError(msg)
                continue
            existing = node.get(name)
            if isinstance(existing, dict):
                existing = [existing]
            elif existing is None:
                existing = []
            node[name] = existing
            i = int(index or 0)
            while len(existing) <= i:
                existing.append({})
            if last:
                existing[i] = value
            else:
                node = existing[i]
    return raw


def _read_table(path: Path) -> tuple[list[dict[str, Any]], bool]:
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return frame.to_dict(orient="records"), True
    frame = pd.read_parquet(path)
    return frame.to_dict(orient="records"), False


def read_tasks(input_path: str | Path, options: BatchOptions) -> list[SiteTask]:
    """The sites of an input (folder of TOML files, or a CSV/Parquet table), with their input hashes.

    Raises
    ------
    ValueError
        If the input is neither an existing folder nor a ``.csv``/``.parquet`` file.
    """
    path = Path(input_path)
    options_hash = options.digest()
    digests = _FileDigests()
    tasks: list[SiteTask] = []
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.toml") if ".staging" not in p.parts)
        for file in files:
            site = file.relative_to(path).with_suffix("").as_posix()
            text = file.read_bytes()
            try:
                raw: Any = tomllib.loads(text.decode("utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                raw = {}
            refs = {k: digests(p) for k, p in _referenced_files(raw, file.parent).items()}
            h = _sha256(_canonical({"toml": _sha256(text), "files": refs, "options": options_hash}))
            tasks.append(SiteTask(site, site_key(site), h, "toml", str(file.resolve()), str(file.parent)))
    elif path.is_file() and path.suffix.lower() in (".csv", ".parquet"):
        rows, from_csv = _read_table(path)
        base = path.resolve().parent
        for i, row in enumerate(rows):
            site_cell = _cell(row.get("site"), "site", from_csv)
            if site_cell is None:
                site_cell = _cell(row.get("name"), "name", from_csv)
            site = str(site_cell) if site_cell is not None else f"row-{i}"
            error = None
            try:
                raw = row_to_scenario_dict(row, from_csv=from_csv)
            except ValueError as exc:
                raw, error = {}, f"ValueError: {exc}"
            raw.setdefault("name", site)
            refs = {k: digests(p) for k, p in _referenced_files(raw, base).items()}
            h = _sha256(_canonical({"row": raw, "files": refs, "options": options_hash}))
            tasks.append(SiteTask(site, site_key(site), h, "row", raw, str(base), error))
    else:
        msg = f"batch input {path}: expected a folder of .toml files or a .csv/.parquet site table"
        raise ValueError(msg)
    if not tasks:
        what = "no .toml scenario files" if path.is_dir() else "no rows"
        msg = f"batch input {path}: {what} - nothing to plan"
        raise ValueError(msg)
    seen: dict[str, str] = {}
    checked = []
    for task in tasks:
        if task.key in seen:
            msg = f"duplicate site id {task.site!r} (also used by {seen[task.key]!r})"
            task = SiteTask(task.site, f"{task.key}-dup-{_sha256(task.input_hash.encode())[:6]}",
                            task.input_hash, task.kind, task.payload, task.base_dir, msg)
        else:
            seen[task.key] = task.site
        checked.append(task)
    return checked


# ------------------------------------------------------------------------------------------------
# Atomic files
# ------------------------------------------------------------------------------------------------
def _atomic_write(final: Path, staging: Path, write: Callable[[Path], None]) -> None:
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


def _write_schedule(path: Path, staging: Path, result_plan: Any, result: SiteResult) -> None:
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
    _atomic_write(path, staging, lambda tmp: pq.write_table(table, tmp))


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


# ------------------------------------------------------------------------------------------------
# Worker side
# ------------------------------------------------------------------------------------------------
def _init_worker() -> None:
    """Process-pool initializer: import the planner once per worker (series files are cached by the reader).

    The worker's standard output goes to the null device: the planner never prints, and third-party
    banners (the solver's) would otherwise interleave with the command's own output.
    """
    import planner.api  # noqa: F401 - import cost paid once, before the first site

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


_LOCAL = threading.local()
"""Per worker thread: the :class:`~planner.shape_cache.ShapeCache` of each option set (Dask workers may run
several threads in one process; a persistent model is not shared between threads)."""


def _shape_cache(options: BatchOptions) -> Any:
    """This thread's cache of persistent models for ``options`` (at most 4 shapes kept per thread)."""
    from planner.shape_cache import ShapeCache

    caches = getattr(_LOCAL, "caches", None)
    if caches is None:
        caches = _LOCAL.caches = {}
    key = (options.time_limit_s, options.mip_rel_gap, options.dispatch)
    if key not in caches:
        caches.clear()  # one option set per batch: keep memory flat
        caches[key] = ShapeCache(max_sessions=4, max_seen=8, time_limit_s=options.time_limit_s,
                                 mip_rel_gap=options.mip_rel_gap, dispatch=options.dispatch)
    return caches[key]


def plan_site(task: SiteTask, context: Mapping[str, Any]) -> SiteResult:
    """Plan one site and write its result file; never raises (errors are returned in the result).

    Parameters
    ----------
    task : SiteTask
        The site.
    context : dict
        ``out_dir``, ``staging``, ``run_id`` and ``options`` (a :class:`BatchOptions` as a dict).
    """
    import socket

    from planner.scenario import load_scenario, scenario_from_dict

    out = Path(context["out_dir"])
    staging = Path(context["staging"])
    options = BatchOptions(**context["options"])
    worker = f"{socket.gethostname()}:{os.getpid()}"
    schedule_path = out / "schedules" / f"{task.key}.parquet"
    failed_path = out / "failed" / f"{task.key}.json"
    t0 = time.perf_counter()
    try:
        if task.error:
            raise ValueError(task.error)
        if task.kind == "toml":
            scenario = load_scenario(task.payload)
        else:
            scenario = scenario_from_dict(task.payload, task.base_dir, source=task.site)
        result_plan = _shape_cache(options).plan(scenario)
    except Exception as exc:  # noqa: BLE001 - a failing site is recorded and the batch goes on
        message = f"{type(exc).__name__}: {exc}"
        result = SiteResult(
            task.site, "failed", error=message, input_hash=task.input_hash, run_id=context["run_id"],
            solve_seconds=time.perf_counter() - t0, worker=worker, peak_rss_mb=_peak_rss_mb(),
        )
        _atomic_write(
            failed_path, staging, lambda tmp: tmp.write_text(json.dumps(result.to_json(), indent=1))
        )
        with contextlib.suppress(FileNotFoundError):
            schedule_path.unlink()
        return result
    costs = {k: float(v) for k, v in result_plan.costs.items()}
    result = SiteResult(
        task.site,
        result_plan.status,
        total_cost=float(result_plan.total_cost),
        costs=costs,
        shortfall_kwh=result_plan.total_shortfall_kwh,
        solve_seconds=float(result_plan.solve_seconds),
        error=result_plan.reason if result_plan.status == "fallback" else "",
        input_hash=task.input_hash,
        run_id=context["run_id"],
        worker=worker,
        peak_rss_mb=_peak_rss_mb(),
    )
    _write_schedule(schedule_path, staging, result_plan, result)
    with contextlib.suppress(FileNotFoundError):
        failed_path.unlink()
    return result


# ------------------------------------------------------------------------------------------------
# Executors
# ------------------------------------------------------------------------------------------------
def _run_local(
    tasks: list[SiteTask],
    context: dict[str, Any],
    workers: int,
    on_result: Callable[[SiteTask, SiteResult], None],
) -> None:
    """Plan ``tasks`` on local worker processes (:func:`planner.jobs.batch.local_pool.run_local`).

    A site whose worker died twice (once on its own) is reported failed; its ``failed/`` record is written
    here, in the parent.
    """
    from functools import partial

    from planner.jobs.batch.local_pool import Crash, run_local

    def report(task: SiteTask, value: Any) -> None:
        if isinstance(value, SiteResult):
            on_result(task, value)
            return
        error = value.error if isinstance(value, Crash) else f"{type(value).__name__}: {value}"
        result = SiteResult(task.site, "failed", input_hash=task.input_hash, run_id=context["run_id"],
                            error=error)
        out, staging = Path(context["out_dir"]), Path(context["staging"])
        with contextlib.suppress(OSError):
            _atomic_write(out / "failed" / f"{task.key}.json", staging,
                          lambda tmp: tmp.write_text(json.dumps(result.to_json(), indent=1)))
        on_result(task, result)

    run_local(tasks, partial(plan_site, context=context), workers, report, initializer=_init_worker,
              preload=("planner.api", "planner.batch"))


def _run_dask(
    tasks: list[SiteTask], context: dict[str, Any], address: str, on_result: Callable[[SiteTask, SiteResult], None]
) -> None:
    """Plan ``tasks`` on a Dask ``distributed`` cluster (the context is sent to each worker once)."""
    from distributed import Client, as_completed

    with Client(address, set_as_default=False) as client:
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        shared = client.scatter(context, broadcast=True, hash=False)
        window = 4 * n_workers
        pending = iter(tasks)
        names: dict[str, SiteTask] = {}

        def submit(task: SiteTask) -> Any:
            future = client.submit(plan_site, task, shared, key=f"plan-{context['run_id']}-{task.key}",
                                   pure=False)
            names[future.key] = task
            return future

        first = [submit(t) for t in (next(pending, None) for _ in range(window)) if t is not None]
        futures = as_completed(first, loop=client.loop)
        for future in futures:
            task = names.pop(future.key)
            try:
                on_result(task, future.result())
            except Exception as exc:  # noqa: BLE001 - a lost worker fails only its own sites
                on_result(task, SiteResult(task.site, "failed", input_hash=task.input_hash,
                                     run_id=context["run_id"], error=f"{type(exc).__name__}: {exc}"))
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                futures.add(submit(nxt))


# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` (yields False when ``blocking`` is off and it is taken)."""
    with path.open("a+") as handle:
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle.fileno(), flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


STALE_UNLOCKED_STAGING_S = 3600.0
"""Age after which a staging folder without a lock file is taken as abandoned [s]."""


def _clean_stale_staging(staging_root: Path, own: str) -> None:
    """Remove staging folders of runs that ended without cleaning up (killed: their lock is free).

    A run takes its lock before it creates its folder, so a folder whose lock is held belongs to a live run.
    A folder without any lock file is removed only when it is old (its lock file may have been removed by a
    cleaner racing the run's start).
    """
    now = time.time()
    for entry in staging_root.iterdir():
        run = entry.name[: -len(".lock")] if entry.name.endswith(".lock") else entry.name
        if run == own:
            continue
        lock = staging_root / f"{run}.lock"
        folder = staging_root / run
        if entry.is_dir() and not lock.exists():
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > STALE_UNLOCKED_STAGING_S:
                    shutil.rmtree(entry, ignore_errors=True)
            continue
        if entry != lock:
            continue
        with _locked(lock, blocking=False) as free:
            if free:
                shutil.rmtree(folder, ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()


def summary_frame(results: Iterable[SiteResult]) -> pd.DataFrame:
    """The summary table: site, status, total_cost, cost_<term>..., shortfall_kwh, solve_seconds, error."""
    rows = []
    terms: list[str] = []
    for r in results:
        for k in r.costs:
            if k != "total" and k not in terms:
                terms.append(k)
    for r in results:
        row: dict[str, Any] = {
            "site": r.site,
            "status": r.status,
            "total_cost": r.total_cost,
        }
        for k in terms:
            row[f"cost_{k}"] = r.costs.get(k, math.nan if not r.ok else 0.0)
        row.update(
            {
                "shortfall_kwh": r.shortfall_kwh,
                "solve_seconds": r.solve_seconds,
                "error": r.error,
                "skipped": r.skipped,
                "run_id": r.run_id,
                "input_hash": r.input_hash,
                "worker": r.worker,
                "peak_rss_mb": r.peak_rss_mb,
            }
        )
        rows.append(row)
    columns = ["site", "status", "total_cost", *(f"cost_{k}" for k in terms), "shortfall_kwh",
               "solve_seconds", "error", "skipped", "run_id", "input_hash", "worker", "peak_rss_mb"]
    return pd.DataFrame(rows, columns=columns)


def run_batch(
    input_path: str | Path,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float = 10.0,
    mip_rel_gap: float = 1e-4,
    dispatch: str = "setpoint",
    resume: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchResult:
    """Plan every site of ``input_path`` into ``out_dir`` (see the module docstring for both layouts).

    Parameters
    ----------
    input_path : path
        Folder of scenario TOML files, or a ``.csv``/``.parquet`` site table.
    out_dir : path
        Results folder (created).
    workers : int or None
        Local worker processes (default: every core). Ignored with ``scheduler``.
    scheduler : str or None
        Address of a Dask ``distributed`` scheduler (``tcp://host:8786``); its workers need the input's
        files at the same paths and write into ``out_dir`` (a shared file system).
    time_limit_s, mip_rel_gap, dispatch
        Plan options for every site (see :func:`planner.plan`).
    resume : bool
        Reuse results whose input hash matches; recompute the rest.
    progress : callable or None
        Called with a :class:`BatchProgress` after every site (the library itself never prints).

    Returns
    -------
    BatchResult
        Counts, the summary table and every site's result. Sites that failed are in it with their error;
        the run itself raises only for an unreadable input or results folder.
    """
    t0 = time.perf_counter()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        msg = f"workers: {workers!r} - expected a whole number >= 1 (or None for every core)"
        raise ValueError(msg)
    options = BatchOptions(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, dispatch=dispatch)
    if not time_limit_s > 0:
        msg = f"time_limit_s must be > 0 seconds (got {time_limit_s!r})"
        raise ValueError(msg)
    if dispatch not in ("setpoint", "fractional"):
        msg = f"dispatch must be 'setpoint' or 'fractional' (got {dispatch!r})"
        raise ValueError(msg)
    tasks = read_tasks(input_path, options)
    out = Path(out_dir).resolve()
    for sub in ("schedules", "failed", ".staging"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    run_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    staging_root = out / ".staging"
    staging = staging_root / run_id
    with _locked(staging_root / f"{run_id}.lock"):
        staging.mkdir()
        _clean_stale_staging(staging_root, run_id)
        try:
            results = _execute(tasks, out, staging, run_id, options, workers, scheduler, resume,
                               progress, t0)
            summary = summary_frame(results)
            _write_outputs(out, staging, input_path, tasks, options, run_id, summary, results, t0)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (staging_root / f"{run_id}.lock").unlink()
    return BatchResult(out, summary, results, run_id, time.perf_counter() - t0)


def _execute(
    tasks: list[SiteTask],
    out: Path,
    staging: Path,
    run_id: str,
    options: BatchOptions,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    progress: Callable[[BatchProgress], None] | None,
    t0: float,
) -> list[SiteResult]:
    done = [0]
    todo: list[SiteTask] = []
    counts = {"succeeded": 0, "failed": 0, "skipped": 0}

    def record(result: SiteResult) -> None:
        done[0] += 1
        kind = "skipped" if result.skipped else ("succeeded" if result.ok else "failed")
        counts[kind] += 1
        if progress is not None:
            progress(BatchProgress(len(tasks), done[0], counts["succeeded"], counts["failed"],
                                   counts["skipped"], time.perf_counter() - t0, result))

    keyed: dict[str, SiteResult] = {}
    for task in tasks:
        previous = read_site_result(out / "schedules" / f"{task.key}.parquet") if resume else None
        if previous is not None and previous.input_hash == task.input_hash and task.error is None:
            previous.skipped = True
            keyed[task.key] = previous
            record(previous)
        else:
            todo.append(task)
    context = {"out_dir": str(out), "staging": str(staging), "run_id": run_id, "options": asdict(options)}

    def on_result(task: SiteTask, result: SiteResult) -> None:
        keyed[task.key] = result
        record(result)

    if todo:
        if scheduler:
            _run_dask(todo, context, scheduler, on_result)
        else:
            n = workers if workers is not None else (os.cpu_count() or 1)
            _run_local(todo, context, min(n, len(todo)), on_result)
    return [keyed[t.key] for t in tasks]


def _write_outputs(
    out: Path,
    staging: Path,
    input_path: str | Path,
    tasks: list[SiteTask],
    options: BatchOptions,
    run_id: str,
    summary: pd.DataFrame,
    results: list[SiteResult],
    t0: float,
) -> None:
    site_hashes = {t.site: t.input_hash for t in tasks}
    manifest = {
        "result_format": RESULT_FORMAT,
        "input": str(Path(input_path).resolve()),
        "input_hash": _sha256(_canonical(sorted(site_hashes.items()))),
        "options": options.fingerprint(),
        "options_hash": options.digest(),
        "run_id": run_id,
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "elapsed_s": round(time.perf_counter() - t0, 3),
        "sites": len(tasks),
        "succeeded": sum(1 for r in results if r.ok and not r.skipped),
        "failed": sum(1 for r in results if not r.ok),
        "skipped": sum(1 for r in results if r.skipped),
        "site_hashes": site_hashes,
    }
    with _locked(out / ".lock"):
        _atomic_write(out / "summary.parquet", staging, lambda tmp: summary.to_parquet(tmp, index=False))
        _atomic_write(out / "summary.csv", staging, lambda tmp: summary.to_csv(tmp, index=False))
        _atomic_write(
            out / "manifest.json", staging,
            lambda tmp: tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True)),
        )


def read_schedules(out_dir: str | Path) -> pd.DataFrame:
    """Every schedule of a results folder in one frame (columns ``site``, ``time`` [UTC], ...)."""
    files = sorted((Path(out_dir) / "schedules").glob("*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


# ------------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------------
def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``planner batch INPUT --out RESULTS [--workers N] [--scheduler ADDRESS] ...``."""
    p = sub.add_parser("batch", help="plan many sites into a results folder (resumable)")
    p.add_argument("input", help="folder of scenario TOML files, or a .csv/.parquet site table")
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--time-limit-s", type=float, default=10.0, help="solver time limit per site [s]")
    p.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (default 1e-4)")
    p.add_argument("--dispatch", choices=["setpoint", "fractional"], default="setpoint")
    p.add_argument("--resume", action="store_true", help="skip sites whose result matches their input hash")
    p.set_defaults(func=_cmd_batch)


class _ProgressReporter:
    """Progress for the command line: a tqdm bar on a terminal, else a log line every ``interval_s``."""

    def __init__(self, echo: Callable[[str], None], interval_s: float = 10.0) -> None:
        import sys

        self._echo = echo
        self._interval_s = interval_s
        self._last = -math.inf
        self._bar: Any = None
        self._tty = sys.stderr.isatty()

    def __call__(self, p: BatchProgress) -> None:
        if self._tty:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=p.total, unit="site", smoothing=0.1, dynamic_ncols=True)
            self._bar.update(1)
            self._bar.set_postfix(ok=p.succeeded, failed=p.failed, skipped=p.skipped, refresh=False)
            return
        now = time.monotonic()
        if now - self._last < self._interval_s and p.done < p.total:
            return
        self._last = now
        planned = p.succeeded + p.failed
        rate = planned / p.elapsed_s if p.elapsed_s > 0 else 0.0
        left = p.total - p.done
        eta = f", about {left / rate:.0f} s left" if rate > 0 and left else ""
        self._echo(
            f"[batch] {p.done}/{p.total} sites ({p.succeeded} ok, {p.failed} failed, {p.skipped} skipped), "
            f"{rate:.1f} sites/s{eta}"
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _cmd_batch(args: argparse.Namespace) -> int:
    from planner.cli import EXIT_FAILED, EXIT_OK, echo
    from planner.jobs.batch.local_pool import BatchInterrupted

    reporter = _ProgressReporter(echo)
    try:
        result = run_batch(
            args.input, args.out, workers=args.workers, scheduler=args.scheduler,
            time_limit_s=args.time_limit_s, mip_rel_gap=args.gap, dispatch=args.dispatch,
            resume=args.resume, progress=reporter,
        )
    except BatchInterrupted as exc:
        reporter.close()
        done = len(list((Path(args.out) / "schedules").glob("*.parquet")))
        echo(f"{exc}: the sites not yet planned were cancelled and every worker ended; "
             f"{done} schedule files in {args.out} are complete - rerun with --resume to finish", err=True)
        return 128 + exc.signal_number
    finally:
        reporter.close()
    failed = result.summary[result.summary["status"] == "failed"]
    for site, error in zip(failed["site"].head(20), failed["error"].head(20), strict=True):
        echo(f"failed: {site}: {error}")
    if len(failed) > 20:
        echo(f"... and {len(failed) - 20} more failed sites (see {result.out_dir / 'summary.csv'})")
    if result.fallback:
        echo(f"{result.fallback} sites got the fail-safe plan (status 'fallback')")
    echo(f"results in {result.out_dir} ({result.elapsed_s:.1f} s)")
    echo(f"{result.succeeded} succeeded, {result.failed} failed, {result.skipped} skipped")
    return EXIT_OK if result.ok else EXIT_FAILED


__all__ = [
    "BatchOptions",
    "BatchProgress",
    "BatchResult",
    "SiteResult",
    "load_site_plan",
    "read_schedules",
    "read_tasks",
    "register_cli",
    "row_to_scenario_dict",
    "run_batch",
]
