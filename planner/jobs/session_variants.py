"""Session variants drawn from the driver's own history: when the car leaves and how full it comes back.

Each variant keeps the scenario's sessions (the same plug-ins) and redraws, for every session in the
horizon, one past session of the same vehicle (seeded; from those that arrived on the same local weekday
when at least ``MIN_SAME_WEEKDAY`` exist, else from all):

- **departure**: the past session's local departure time of day, on the day the departure falls
  (``depart = local date of the scenario's departure + the past departure's time of day``), kept at least
  one step after the arrival (or after the horizon start for a car already plugged in);
- **arrival SoC** (not for a car already plugged in, whose SoC is known): the past session's
  ``arrive_soc_kwh``, or, for a history given as driving energy, the scenario's arrival SoC plus the mean
  past drive minus the drawn one, clipped to ``[0, soc_max_kwh]``.

The history is the vehicle's ``sessions_csv`` / ``[[vehicle.weekly]]`` source over the ``max_weeks`` weeks
before the horizon (or a mapping given by the caller, e.g. the shipped real sessions). Departure targets
are not redrawn: they are what the driver asks for. Units: energies [kWh], times tz-aware.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from planner.inputs.session_source import SourceSession
from planner.inputs.specs import Scenario, SessionSpec, VehicleSpec

MIN_SAME_WEEKDAY = 3


def past_sessions(vehicle: VehicleSpec, start: pd.Timestamp, max_weeks: int) -> list[SourceSession]:
    """The vehicle's source sessions that departed in the ``max_weeks`` weeks before ``start``."""
    source = vehicle.session_source
    if source is None:
        return []
    begin = start - pd.Timedelta(weeks=max_weeks)
    return [s for s in source.between(begin, start) if s.depart <= start]


def _redraw(s: SessionSpec, past: SourceSession, mean_drive: float | None, v: VehicleSpec, tz: str,
            start: pd.Timestamp, step: pd.Timedelta, next_arrive: pd.Timestamp | None) -> SessionSpec:
    depart_local = past.depart.tz_convert(tz)
    day = pd.Timestamp(s.depart).tz_convert(tz).normalize()
    offset = depart_local - depart_local.normalize()
    depart = (day.tz_localize(None) + offset).tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    depart = max(depart.tz_convert("UTC"), max(pd.Timestamp(s.arrive), start) + step)
    if next_arrive is not None and depart > next_arrive:  # never into the next plug-in
        depart = max(pd.Timestamp(s.depart), next_arrive) if s.depart <= next_arrive else pd.Timestamp(s.depart)
        depart = min(depart, next_arrive)
    arrive_soc = s.arrive_soc_kwh
    if s.arrive >= start:  # a car already plugged in has a known SoC
        if past.arrive_soc_kwh is not None:
            arrive_soc = float(past.arrive_soc_kwh)
        elif past.drive_kwh is not None and mean_drive is not None:
            arrive_soc = s.arrive_soc_kwh + mean_drive - float(past.drive_kwh)
        arrive_soc = float(min(max(arrive_soc, 0.0), v.soc_max_kwh))
    return dataclasses.replace(s, depart=depart, arrive_soc_kwh=arrive_soc)


def session_variants(
    scenario: Scenario, k: int, *, seed: int = 0, max_weeks: int = 8,
    history: Mapping[str, Sequence[SourceSession]] | None = None,
) -> list[Scenario]:
    """``k`` copies of ``scenario`` whose sessions' departures and arrival SoCs are redrawn from the past
    (see the module docstring). A vehicle without history keeps its sessions."""
    rng = np.random.default_rng(seed)
    tz = scenario.grid.timezone
    start = scenario.grid.start
    step = pd.Timedelta(minutes=scenario.grid.step_minutes)
    pasts = {v.name: list(history[v.name]) if history is not None and v.name in history
             else past_sessions(v, start, max_weeks) for v in scenario.vehicles}
    out = []
    for _ in range(k):
        vehicles = []
        for v in scenario.vehicles:
            past = pasts[v.name]
            if not past:
                vehicles.append(v)
                continue
            drives = [p.drive_kwh for p in past if p.drive_kwh is not None]
            mean_drive = float(np.mean(drives)) if drives else None
            sessions = []
            for j, s in enumerate(v.sessions):
                weekday = pd.Timestamp(s.arrive).tz_convert(tz).dayofweek
                same = [p for p in past if p.arrive.tz_convert(tz).dayofweek == weekday]
                pool = same if len(same) >= MIN_SAME_WEEKDAY else past
                nxt = v.sessions[j + 1].arrive if j + 1 < len(v.sessions) else None
                sessions.append(_redraw(s, pool[int(rng.integers(len(pool)))], mean_drive, v, tz, start, step, nxt))
            vehicles.append(dataclasses.replace(v, sessions=tuple(sessions)))
        out.append(dataclasses.replace(scenario, vehicles=tuple(vehicles)))
    return out
