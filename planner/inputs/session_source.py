"""Sessions for a long period: a vehicle's sessions CSV and weekly recurring patterns.

A ``[[vehicle]]`` may give, besides its ``[[vehicle.session]]`` tables:

- ``sessions_csv``: a file with one session per row and the columns ``arrive``, ``depart`` (tz-aware ISO
  8601), ``depart_soc_min_kwh`` and either ``arrive_soc_kwh`` (the SoC on arrival) or ``drive_kwh`` (battery
  energy used since the previous departure), optionally ``charger``;
- ``[[vehicle.weekly]]``: ``days`` (``"mon"`` .. ``"sun"``), ``plug_in`` and ``depart`` (local ``"HH:MM"`` in the
  scenario's time zone; a departure at or before the plug-in time is the next day), ``depart_soc_min_kwh`` and
  ``arrive_soc_kwh`` or ``drive_kwh``.

Instead of ``drive_kwh`` a row or pattern may give ``drive_km`` (distance since the previous departure) when
the vehicle states its ``km_per_kwh``: ``drive_kwh = drive_km / km_per_kwh``.

``plan`` uses the sessions that overlap its horizon; ``simulate`` and ``compare`` use every one in their
period. A session given by ``drive_kwh`` arrives, for ``plan``, with the previous session's target minus its
driving (the target minus its driving for the first one): the planner's best guess of a car that left as
planned. Every problem names the file, the row and the field. Units: energy [kWh].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.fields import FieldReader
from planner.inputs.csv_table import CsvShapeError, read_series_table
from planner.inputs.paths import resolve_data_path

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKLY_KEYS = {"days", "plug_in", "depart", "depart_soc_min_kwh", "arrive_soc_kwh", "drive_kwh", "drive_km"}


@dataclass(frozen=True)
class SourceSession:
    """One session of a long-period source (times tz-aware UTC; energies [kWh]; ``arrive_soc_kwh`` or
    ``drive_kwh`` is None)."""

    arrive: pd.Timestamp
    depart: pd.Timestamp
    depart_soc_min_kwh: float
    arrive_soc_kwh: float | None = None
    drive_kwh: float | None = None
    charger: str | None = None


@dataclass(frozen=True)
class WeeklyPattern:
    """A recurring plug-in: ``days`` (0 = Monday), local ``plug_in`` and ``depart`` times (minutes after
    midnight), the target and the arrival SoC or driving energy [kWh]."""

    days: tuple[int, ...]
    plug_in_minutes: int
    depart_minutes: int
    depart_soc_min_kwh: float
    arrive_soc_kwh: float | None = None
    drive_kwh: float | None = None


@dataclass(frozen=True)
class SessionSource:
    """A vehicle's file sessions and weekly patterns, expanded on demand in ``timezone``."""

    rows: tuple[SourceSession, ...] = ()
    weekly: tuple[WeeklyPattern, ...] = ()
    timezone: str = "UTC"

    def between(self, start: pd.Timestamp, end: pd.Timestamp) -> list[SourceSession]:
        """Every session overlapping ``[start, end)``, sorted by arrival (patterns expanded day by day)."""
        out = [s for s in self.rows if s.arrive < end and s.depart > start]
        if self.weekly:
            first = (start.tz_convert(self.timezone) - pd.Timedelta(days=2)).normalize()
            last = end.tz_convert(self.timezone).normalize()
            for day in pd.date_range(first.tz_localize(None), last.tz_localize(None), freq="D"):
                for p in self.weekly:
                    if day.dayofweek not in p.days:
                        continue
                    arrive = _local(day, p.plug_in_minutes, self.timezone)
                    depart_day = day if p.depart_minutes > p.plug_in_minutes else day + pd.Timedelta(days=1)
                    depart = _local(depart_day, p.depart_minutes, self.timezone)
                    if arrive < end and depart > start:
                        out.append(SourceSession(arrive, depart, p.depart_soc_min_kwh, p.arrive_soc_kwh, p.drive_kwh))
        return sorted(out, key=lambda s: s.arrive)

    def previous_target(self, session: SourceSession) -> float | None:
        """The target of the session before ``session`` in this source (None for the first)."""
        before = self.between(session.arrive - pd.Timedelta(days=8), session.arrive)
        before = [s for s in before if s.depart <= session.arrive]
        return before[-1].depart_soc_min_kwh if before else None


def _local(day: pd.Timestamp, minutes: int, tz: str) -> pd.Timestamp:
    """``day`` (naive local date) at ``minutes`` after midnight in ``tz``, as UTC (a time skipped by a clock
    change moves forward; a repeated one takes its first occurrence)."""
    naive = day + pd.Timedelta(minutes=minutes)
    return naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")


def _hhmm(r: FieldReader, table: Mapping[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if not isinstance(value, str) or len(value.split(":")) != 2:
        r.add(f"{where}.{key}", value if key in table else "missing", 'a local time "HH:MM"')
        return None
    hh, mm = value.split(":")
    if not (hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60):
        r.add(f"{where}.{key}", value, 'a local time "HH:MM"')
        return None
    return int(hh) * 60 + int(mm)


def _arrival(r: FieldReader, table: Mapping[str, Any], where: str,
             km_per_kwh: float | None = None) -> tuple[float | None, float | None]:
    """``(arrive_soc_kwh, drive_kwh)``: exactly one of them (``drive_km`` converts with ``km_per_kwh``)."""
    given = [k for k in ("arrive_soc_kwh", "drive_kwh", "drive_km") if k in table]
    if len(given) != 1:
        r.add(f"{where}.arrive_soc_kwh", "both" if given else "missing",
              "one of arrive_soc_kwh, drive_kwh or drive_km (not two)")
        return None, None
    key = given[0]
    if key == "drive_km":
        km = r.number(table, "drive_km", where, required=True, minimum=0.0, unit=" [km]")
        if km_per_kwh is None:
            r.add(f"{where}.drive_km", table["drive_km"], "the vehicle's km_per_kwh as well (to turn km into kWh)")
            return None, None
        return None, km / km_per_kwh
    value = r.number(table, key, where, required=True, minimum=0.0, unit=" [kWh]")
    return (value, None) if key == "arrive_soc_kwh" else (None, value)


def read_weekly(r: FieldReader, table: Mapping[str, Any], where: str,
                km_per_kwh: float | None = None) -> tuple[WeeklyPattern, ...]:
    """The ``[[vehicle.weekly]]`` patterns of a vehicle table."""
    out = []
    for w, sub in r.tables(table, "weekly", where, "vehicle.weekly"):
        r.check_keys(sub, WEEKLY_KEYS, f"{w}.", required=("days", "plug_in", "depart", "depart_soc_min_kwh"))
        days = sub.get("days", [])
        if isinstance(days, str):
            days = [days]
        if not isinstance(days, list) or not days or any(not isinstance(d, str) or d.lower()[:3] not in DAYS
                                                         for d in days):
            r.add(f"{w}.days", days, 'a list of days, "mon" .. "sun"')
            days = []
        plug_in, depart = _hhmm(r, sub, "plug_in", w), _hhmm(r, sub, "depart", w)
        target = r.number(sub, "depart_soc_min_kwh", w, required=True, minimum=0.0, unit=" [kWh]")
        soc, drive = _arrival(r, sub, w, km_per_kwh)
        if days and plug_in is not None and depart is not None and math.isfinite(target):
            out.append(WeeklyPattern(tuple(sorted({DAYS.index(d.lower()[:3]) for d in days})), plug_in, depart,
                                     target, soc, drive))
    return tuple(out)


def read_sessions_csv(r: FieldReader, value: object, where: str, base_dir: Path,
                      km_per_kwh: float | None = None) -> tuple[SourceSession, ...]:
    """Rows of a ``sessions_csv`` file (module docstring), sorted and non-overlapping."""
    name = f"{where}.sessions_csv"
    if not isinstance(value, str):
        r.add(name, value, "a CSV file path")
        return ()
    path = resolve_data_path(value, base_dir)
    try:
        frame = read_series_table(path)
    except (OSError, CsvShapeError, ValueError) as exc:
        r.add(name, value, f"a readable sessions CSV ({exc})")
        return ()
    missing = [c for c in ("arrive", "depart", "depart_soc_min_kwh") if c not in frame.columns]
    if missing or not ({"arrive_soc_kwh", "drive_kwh", "drive_km"} & set(frame.columns)):
        r.add(name, f"{path.name} columns {list(frame.columns)}",
              "columns arrive, depart, depart_soc_min_kwh and arrive_soc_kwh, drive_kwh or drive_km")
        return ()
    rows: list[SourceSession] = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        w = f"{name} ({path.name} row {i})"
        times = []
        for key in ("arrive", "depart"):
            try:
                ts = pd.Timestamp(str(rec[key]))
            except ValueError:
                ts = None
            if ts is None or ts is pd.NaT or ts.tzinfo is None:
                r.add(f"{w}.{key}", rec[key], "a tz-aware ISO 8601 timestamp")
                times.append(None)
            else:
                times.append(ts.tz_convert("UTC"))
        present = {k: rec[k] for k in ("depart_soc_min_kwh", "arrive_soc_kwh", "drive_kwh", "drive_km")
                   if k in rec and not (isinstance(rec[k], float) and math.isnan(rec[k]))}
        target = r.number(present, "depart_soc_min_kwh", w, required=True, minimum=0.0, unit=" [kWh]")
        soc, drive = _arrival(r, present, w, km_per_kwh)
        charger = rec.get("charger")
        charger = None if charger is None or (isinstance(charger, float) and math.isnan(charger)) else str(charger)
        arrive, depart = times
        if arrive is None or depart is None:
            continue
        if depart <= arrive:
            r.add(f"{w}.depart", rec["depart"], f"a time after arrive ({rec['arrive']})")
            continue
        if rows and arrive < rows[-1].depart:
            r.add(f"{w}.arrive", rec["arrive"], f"a time at or after the previous row's depart "
                                               f"({rows[-1].depart.isoformat()}): sessions must not overlap")
            continue
        rows.append(SourceSession(arrive, depart, target, soc, drive, charger))
    return tuple(rows)


def arrival_soc_kwh(source: SessionSource, session: SourceSession) -> float:
    """The arrival SoC a plan uses for ``session`` [kWh] (module docstring)."""
    if session.arrive_soc_kwh is not None:
        return float(session.arrive_soc_kwh)
    before = source.previous_target(session)
    start = session.depart_soc_min_kwh if before is None else before
    return max(0.0, float(start) - float(session.drive_kwh or 0.0))
