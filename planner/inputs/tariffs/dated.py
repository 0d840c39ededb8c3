"""Dated rates: a scheme whose prices change on known dates (``[[rates]]`` tables, ``docs/tariffs.md``).

A scheme file's top level gives one set of rates, valid from ``valid_from`` (to ``valid_to``, inclusive,
when stated). Each ``[[rates]]`` table gives another set, valid from its own ``valid_from`` (to its
``valid_to``); it may replace ``standing_charge_per_day``, ``import``, ``export``, ``title``, ``notes`` and
add ``sources`` and ``unconfirmed``; what it leaves out is the top level's. Each set is a *version*: a
:class:`~planner.inputs.tariffs.definition.Scheme` of its own.

A step is priced by the version in force on the local date (scheme's zone) of the step's start: the
latest version starting on or before that date. A date after that version's ``valid_to`` with no later
version, or before the first version, keeps the nearest version's rates and the prices carry a note
saying so (rates persist until a new version is known).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from planner.inputs.tariffs.clock import Clock, local_midnight, minutes_between
from planner.timegrid import TimeGrid


class Scheme(Protocol):
    """What this module reads of a :class:`planner.inputs.tariffs.definition.Scheme` (which imports it)."""

    name: str
    timezone: str
    valid_from: _dt.date | None
    valid_to: _dt.date | None
    standing_charge_per_day: float
    versions: tuple[Any, ...]


RATES_KEYS = {"valid_from", "valid_to", "title", "notes", "sources", "unconfirmed", "standing_charge_per_day",
              "import", "export", "ev_charge_price_per_kwh"}
"""Keys a ``[[rates]]`` table may hold."""


def merged_rates(top: dict, entry: dict) -> dict:
    """The scheme table of one ``[[rates]]`` version: the top level with ``entry``'s keys replacing its own
    (``sources`` and ``unconfirmed`` are added to the top level's) and no ``valid_to`` inherited."""
    merged = {k: v for k, v in top.items() if k not in ("rates", "valid_to")}
    for key, value in entry.items():
        if key in ("sources", "unconfirmed") and isinstance(value, list):
            merged[key] = [*top.get(key, []), *value]
        else:
            merged[key] = value
    return merged


def version_on(scheme: Scheme, day: _dt.date) -> tuple[Scheme, bool]:
    """The version in force on local date ``day`` and whether ``day`` lies inside its stated validity."""
    versions = scheme.versions or (scheme,)
    chosen = versions[0]
    for version in versions:
        if version.valid_from is None or version.valid_from <= day:
            chosen = version
    inside = (chosen.valid_from is None or chosen.valid_from <= day) and (
        chosen.valid_to is None or day <= chosen.valid_to)
    return chosen, inside


def version_runs(scheme: Scheme, grid: TimeGrid) -> list[tuple[Scheme, TimeGrid, bool]]:
    """Consecutive steps of ``grid`` priced by one version: ``(version, sub-grid, inside its validity)``."""
    if not scheme.versions and (scheme.valid_from is None or grid.index[0].tz_convert(scheme.timezone).date()
                                >= scheme.valid_from) and scheme.valid_to is None:
        return [(scheme, grid, True)]  # one set of rates in force over the whole grid
    days = grid.index.tz_convert(scheme.timezone).date
    by_day = {d: version_on(scheme, d) for d in set(days)}  # one lookup per local date, not per step
    picks = [by_day[d] for d in days]
    runs: list[tuple[Scheme, TimeGrid, bool]] = []
    first = 0
    for i in range(1, grid.steps + 1):
        if i == grid.steps or picks[i][0] is not picks[first][0] or picks[i][1] != picks[first][1]:
            start = grid.start + pd.Timedelta(minutes=first * grid.step_minutes)
            sub = TimeGrid(start, grid.step_minutes, i - first, grid.timezone)
            runs.append((picks[first][0], sub, picks[first][1]))
            first = i
    return runs


def piecewise(scheme: Scheme, grid: TimeGrid, price: Callable[[Scheme, Clock], np.ndarray]) -> np.ndarray:
    """Per-step values of ``price(version, clock)`` over ``grid``, each run of steps by its version."""
    parts = [price(v, Clock.of(g, v.timezone)) for v, g, _ in version_runs(scheme, grid)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def piecewise_sum(scheme: Scheme, grid: TimeGrid, amount: Callable[[Scheme, Clock], float]) -> float:
    """Sum of ``amount(version, clock)`` over the runs of ``grid`` (a standing charge) [currency]."""
    return float(sum(amount(v, Clock.of(g, v.timezone)) for v, g, _ in version_runs(scheme, grid)))


def standing_per_step(scheme: Scheme, grid: TimeGrid) -> np.ndarray:
    """The standing charge each step of ``grid`` carries [currency]: the day's charge of the version in force
    times the step's share of its local day (a 23- or 25-hour day sums to one day's charge)."""
    days = grid.index.tz_convert(scheme.timezone).normalize()
    per_day, minutes = {}, {}
    for day in days.unique():
        start = local_midnight(day, scheme.timezone)
        minutes[day] = minutes_between(start, local_midnight(day.tz_localize(None) + pd.Timedelta(days=1),
                                                             scheme.timezone))
        per_day[day] = version_on(scheme, day.date())[0].standing_charge_per_day
    return np.array([per_day[d] * grid.step_minutes / minutes[d] for d in days])


def stale_notes(scheme: Scheme, grid: TimeGrid) -> tuple[str, ...]:
    """One note per run of steps priced by a version outside its stated validity."""
    notes = []
    for version, sub, inside in version_runs(scheme, grid):
        if inside:
            continue
        first, last = sub.index[0].tz_convert(scheme.timezone).date(), sub.index[-1].tz_convert(scheme.timezone).date()
        span = f"{version.valid_from or '...'} to {version.valid_to or '...'}"
        notes.append(f"tariff {scheme.name}: no rates known for {first} to {last}; the rates valid {span} "
                     "are used")
    return tuple(notes)


def validity(scheme: Scheme) -> str:
    """``first .. last`` dates the scheme's versions state (``...`` where open)."""
    versions = scheme.versions or (scheme,)
    last = versions[-1].valid_to
    return f"{versions[0].valid_from} .. {last if last is not None else '...'}"
