"""A comparison's site read from a scenario file: its period in local time, its series re-read over the
period, its cars' true sessions (``planner compare SCENARIO``).

The period starts at local midnight of ``--start`` in the scenario's zone (23:00 UTC on a BST date); the
load and solar CSVs are re-read over the period plus the forecast's history (a constant ``kw`` load holds
over any period); a scenario without ``[solar]`` has no PV, without ``[load]`` no load.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import ScenarioError
from planner.inputs.paths import resolve_data_path
from planner.inputs.scenario import load_scenario, read_profile
from planner.inputs.series_csv import read_series_csv
from planner.jobs.simulate.site import Site, TripSession
from planner.timegrid import TimeGrid


def first_start(path: str | Path, history_days: int = 8) -> str:
    """The first local day (``YYYY-MM-DD``) a compare of scenario ``path`` can start on: the first local
    midnight of its zone with ``history_days`` of its load and solar CSVs before it, and not before the day
    of the first arrival in any car's ``sessions_csv``."""
    import tomllib

    path = Path(path)
    template = load_scenario(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    tz = template.grid.timezone
    firsts = [read_series_csv(resolve_data_path(raw[key]["csv"], path.parent)).index[0]
              for key in ("load", "solar") if "csv" in raw.get(key, {})]
    if firsts:
        earliest = (max(firsts) + pd.Timedelta(days=history_days)).tz_convert(tz)
    else:  # constant series (a depot with no metered load): the scenario's own horizon
        earliest = template.grid.index[0].tz_convert(tz)
    day = earliest.normalize()
    if day < earliest:
        day += pd.Timedelta(days=1)
    arrivals = [v.session_source.rows[0].arrive for v in template.vehicles
                if v.session_source is not None and v.session_source.rows]
    if arrivals:  # a car's sessions file starts later: begin on the day of its first arrival
        day = max(day, max(arrivals).tz_convert(tz).normalize())
    return str(day.date())


def _true_sessions(v, begin: pd.Timestamp, end: pd.Timestamp) -> tuple[TripSession, ...]:
    """A vehicle's true sessions over ``[begin, end)``: its ``[[vehicle.session]]`` tables (a fixed arrival
    SoC) and, from its ``sessions_csv`` / ``[[vehicle.weekly]]`` source, every session of the period (with its
    own arrival SoC or driving energy)."""
    source = v.session_source
    if source is None:
        return tuple(TripSession(s.arrive, s.depart, s.depart_soc_min_kwh, arrive_soc_kwh=s.arrive_soc_kwh,
                                 charger=s.charger) for s in v.sessions)
    from_source = source.between(begin, end)
    known = {(s.arrive, s.depart) for s in source.between(min((s.arrive for s in v.sessions), default=begin),
                                                          max((s.depart for s in v.sessions), default=begin))}
    explicit = [TripSession(s.arrive, s.depart, s.depart_soc_min_kwh, arrive_soc_kwh=s.arrive_soc_kwh,
                            charger=s.charger) for s in v.sessions if (s.arrive, s.depart) not in known]
    mine = [TripSession(s.arrive, s.depart, s.depart_soc_min_kwh, drive_kwh=s.drive_kwh,
                        arrive_soc_kwh=s.arrive_soc_kwh, charger=s.charger or v.charger) for s in from_source]
    return tuple(sorted(explicit + mine, key=lambda s: s.arrive))


def site_from_scenario(path: str | Path, start: str, days: int, history_days: int = 8) -> Site:
    """A :class:`Site` from a scenario file whose load and solar come from CSV files covering the period.

    The scenario's equipment is kept; its ``[load]`` and ``[solar]`` CSVs are re-read over the simulated
    period (a scenario without ``[solar]`` has no PV) (plus ``history_days`` before it and up to two days after, cut where the CSVs end), and its sessions become the true sessions
    (fixed arrival SoC; a ``sessions_csv`` or ``[[vehicle.weekly]]`` gives every session of the period).
    """
    import tomllib

    path = Path(path)
    template = load_scenario(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    tz = template.grid.timezone
    step = template.grid.step_minutes
    # the period starts at local midnight of --start in the scenario's time zone (23:00 UTC in BST)
    local_start = pd.Timestamp(str(pd.Timestamp(start).date())).tz_localize(tz, nonexistent="shift_forward")
    begin = local_start.tz_convert("UTC") - pd.Timedelta(days=history_days)
    end = begin + pd.Timedelta(days=days + history_days + 2)
    frames = {}
    profiled = [key for key in ("load", "solar") if key == "load" or key in raw]  # no [solar]: no PV
    for key in profiled:
        table = raw.get(key, {})
        if "csv" not in table:
            if "kw" in table or key not in raw:  # a constant (or no) load holds over any period
                continue
            raise ScenarioError(f"{path}: [{key}] needs a csv or a constant kw over the simulated period for "
                                "compare")
        frames[key] = read_series_csv(resolve_data_path(table["csv"], path.parent))
        first = frames[key].index[0]
        if first > begin:
            hint = (
                f" (the realistic forecast needs {history_days} days of history before --start;"
                " use --forecast perfect or a later --start)"
                if history_days
                else ""
            )
            raise ScenarioError(
                f"{path}: [{key}] csv starts {first.isoformat()}, after the period's start "
                f"{begin.isoformat()}{hint}"
            )
        end = min(end, frames[key].index[-1] + pd.Timedelta(minutes=step))
    grid = TimeGrid(begin, step, max(1, int((end - begin) / pd.Timedelta(minutes=step))), tz)
    series = {key: read_profile(raw, key, grid, path.parent) for key in profiled}
    series.setdefault("solar", np.zeros(grid.steps))
    sessions = {v.name: _true_sessions(v, begin, end) for v in template.vehicles}
    return Site(template, grid.index.tz_convert("UTC"), series["load"], series["solar"], sessions)


__all__ = ["first_start", "site_from_scenario"]
