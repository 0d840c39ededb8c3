"""The planning time grid: a tz-aware start, a step length and a number of steps.

This module is the only place that knows about wall-clock time and daylight saving. Steps are of equal
*physical* length (``step_minutes``); a local day with a clock change therefore has 23 or 25 hours
(46 or 50 half-hour steps). Power values live on steps ``0..n-1`` (mean power over the step), energy
states live on boundaries ``0..n`` (boundary ``k`` is the start of step ``k``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError

ALLOWED_STEP_MINUTES = (5, 10, 15, 20, 30, 60)


def to_utc_timestamp(value: object, field: str) -> pd.Timestamp:
    """Parse a tz-aware timestamp (ISO string, datetime or Timestamp) and return it in UTC.

    Raises
    ------
    ScenarioError
        If the value cannot be parsed or carries no UTC offset (naive timestamps are ambiguous).
    """
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ScenarioError([Issue(field, value, f"an ISO 8601 timestamp with offset ({exc})")]) from None
    if ts is pd.NaT:
        raise ScenarioError([Issue(field, value, "an ISO 8601 timestamp with offset")])
    if ts.tzinfo is None:
        raise ScenarioError(
            [Issue(field, value, "a tz-aware timestamp with an offset such as +00:00 or Z (got naive)")]
        )
    return ts.tz_convert("UTC")


def check_timezone(name: str, field: str = "horizon.timezone") -> str:
    """Return ``name`` if it is a valid IANA time zone, else raise :class:`ScenarioError`."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScenarioError([Issue(field, name, "an IANA time zone such as 'Europe/London'")]) from None
    return str(name)


@dataclass(frozen=True)
class TimeGrid:
    """A regular grid of ``steps`` intervals of ``step_minutes`` starting at ``start`` (tz-aware).

    Parameters
    ----------
    start : pandas.Timestamp
        Start of step 0, tz-aware (stored in UTC).
    step_minutes : int
        Length of every step [minutes].
    steps : int
        Number of steps.
    timezone : str
        IANA zone used for local wall-clock time (tariff windows, display).
    """

    start: pd.Timestamp
    step_minutes: int
    steps: int
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        issues = []
        if self.start.tzinfo is None:
            issues.append(Issue("horizon.start", str(self.start), "a tz-aware timestamp"))
        if not isinstance(self.step_minutes, int | np.integer) or isinstance(self.step_minutes, bool):
            issues.append(Issue("horizon.step_minutes", self.step_minutes, "an integer number of minutes"))
        elif not 1 <= int(self.step_minutes) <= 60:
            issues.append(
                Issue("horizon.step_minutes", self.step_minutes, "a step between 1 and 60 minutes")
            )
        if not isinstance(self.steps, int | np.integer) or isinstance(self.steps, bool) or self.steps < 1:
            issues.append(Issue("horizon.steps", self.steps, "a positive number of steps"))
        if issues:
            raise ScenarioError(issues)
        object.__setattr__(self, "start", pd.Timestamp(self.start).tz_convert("UTC"))
        object.__setattr__(self, "timezone", check_timezone(self.timezone))

    @classmethod
    def from_hours(
        cls, start: object, hours: float, step_minutes: int, timezone: str = "UTC"
    ) -> TimeGrid:
        """Grid covering ``hours`` [h] from ``start`` in steps of ``step_minutes`` [minutes]."""
        start_ts = to_utc_timestamp(start, "horizon.start")
        total_minutes = float(hours) * 60.0
        steps = total_minutes / step_minutes
        if abs(steps - round(steps)) > 1e-9:
            raise ScenarioError(
                [
                    Issue(
                        "horizon.hours",
                        hours,
                        f"a whole number of {step_minutes}-minute steps ({hours} h is {steps:g} steps)",
                    )
                ]
            )
        return cls(start_ts, int(step_minutes), int(round(steps)), timezone)

    # -- derived quantities ---------------------------------------------------------------------
    @property
    def step_hours(self) -> float:
        """Length of one step [h]."""
        return self.step_minutes / 60.0

    @property
    def hours(self) -> float:
        """Length of the horizon [h]."""
        return self.steps * self.step_hours

    @property
    def end(self) -> pd.Timestamp:
        """End of the last step (UTC)."""
        return self.start + pd.Timedelta(minutes=self.step_minutes * self.steps)

    @cached_property
    def index(self) -> pd.DatetimeIndex:
        """Step starts in the grid's local time zone (tz-aware)."""
        idx = pd.date_range(
            self.start, periods=self.steps, freq=pd.Timedelta(minutes=self.step_minutes), name="time"
        )
        return idx.tz_convert(self.timezone)

    @cached_property
    def boundaries(self) -> pd.DatetimeIndex:
        """Step boundaries ``0..n`` (UTC); boundary ``k`` is the start of step ``k``."""
        return pd.date_range(
            self.start, periods=self.steps + 1, freq=pd.Timedelta(minutes=self.step_minutes)
        )

    @cached_property
    def start_seconds(self) -> np.ndarray:
        """Seconds since the Unix epoch of each boundary ``0..n`` (float64)."""
        base = self.start.value / 1e9
        return base + np.arange(self.steps + 1, dtype=float) * self.step_minutes * 60.0

    def seconds_of(self, when: pd.Timestamp) -> float:
        """Seconds since the Unix epoch of a tz-aware timestamp."""
        return pd.Timestamp(when).value / 1e9

    def position(self, when: pd.Timestamp) -> float:
        """Fractional step position of ``when`` (0 = grid start, ``steps`` = grid end)."""
        return (self.seconds_of(when) - self.start.value / 1e9) / (self.step_minutes * 60.0)

    def coverage(self, begin: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
        """Fraction of each step that lies inside ``[begin, end)`` (values in [0, 1])."""
        lo = self.position(begin)
        hi = self.position(end)
        k = np.arange(self.steps, dtype=float)
        frac = np.clip(np.minimum(k + 1.0, hi) - np.maximum(k, lo), 0.0, 1.0)
        frac[np.abs(frac) < 1e-12] = 0.0
        return frac

    def local_boundaries(self) -> pd.DatetimeIndex:
        """Step boundaries in local time."""
        return self.boundaries.tz_convert(self.timezone)

    def shifted(self, start: pd.Timestamp, steps: int | None = None) -> TimeGrid:
        """The same step length and zone, starting at ``start``."""
        return TimeGrid(
            pd.Timestamp(start).tz_convert("UTC"),
            self.step_minutes,
            self.steps if steps is None else steps,
            self.timezone,
        )

    def __str__(self) -> str:
        local = self.start.tz_convert(self.timezone)
        return f"{self.steps} x {self.step_minutes} min from {local.isoformat()} ({self.timezone})"


def align_series(
    series: pd.Series, grid: TimeGrid, field: str, how: str = "mean"
) -> tuple[np.ndarray, list[str]]:
    """Align a tz-aware series of interval-start values onto ``grid``.

    Each source value holds from its timestamp until the next one (the last holds for the median spacing).
    Each grid step receives the time-weighted mean of the source intervals overlapping it: finer data is
    averaged, coarser data is held.

    Returns
    -------
    values : numpy.ndarray
        One value per grid step.
    notes : list of str
        Informational notes (e.g. data extending beyond the horizon was cut).

    Raises
    ------
    ScenarioError
        If the index is not tz-aware, not sorted, or any part of a step is not covered (a gap).
    """
    idx = series.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise ScenarioError([Issue(field, "timestamps", "tz-aware timestamps (with offset or Z)")])
    if len(series) == 0:
        raise ScenarioError([Issue(field, "empty series", f"values covering {grid}")])
    series = series.sort_index()
    if series.index.has_duplicates:
        dup = series.index[series.index.duplicated()][0]
        raise ScenarioError([Issue(field, str(dup), "unique timestamps (duplicate found)")])
    t = series.index.asi8.astype(np.float64) / 1e9
    # pandas may store non-nanosecond units; normalise to seconds
    unit = getattr(series.index, "unit", "ns")
    scale = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}[unit]
    t = t * scale
    vals = series.to_numpy(dtype=float)
    spacing = float(np.median(np.diff(t))) if len(t) > 1 else grid.step_minutes * 60.0
    ends = np.append(t[1:], t[-1] + spacing)
    # a gap: an interval longer than the typical spacing means data is missing in between
    gaps = np.flatnonzero(np.diff(t) > spacing * 1.5 + 1e-6)
    b = grid.start_seconds
    out = np.empty(grid.steps)
    notes: list[str] = []
    if t[0] > b[0] + 1e-6 or ends[-1] < b[-1] - 1e-6:
        first = pd.Timestamp(t[0] * 1e9, tz="UTC")
        last = pd.Timestamp(ends[-1] * 1e9, tz="UTC")
        raise ScenarioError(
            [
                Issue(
                    field,
                    f"data from {first.isoformat()} to {last.isoformat()}",
                    f"values covering the horizon {grid.start.isoformat()} to {grid.end.isoformat()}",
                )
            ]
        )
    for g in gaps:
        gap_start, gap_end = ends[g], t[g + 1]
        if gap_end > b[0] and gap_start < b[-1]:
            raise ScenarioError(
                [
                    Issue(
                        field,
                        f"gap after {pd.Timestamp(t[g] * 1e9, tz='UTC').isoformat()}",
                        "a series without gaps over the horizon",
                    )
                ]
            )
    # cumulative integral of the step function at arbitrary points
    cum = np.concatenate([[0.0], np.cumsum(vals * (ends - t))])

    def integral(x: np.ndarray) -> np.ndarray:
        j = np.clip(np.searchsorted(t, x, side="right") - 1, 0, len(t) - 1)
        return cum[j] + vals[j] * (x - t[j])

    area = integral(b[1:]) - integral(b[:-1])
    out = area / np.diff(b)
    if not np.all(np.isfinite(out)):
        bad = int(np.flatnonzero(~np.isfinite(out))[0])
        raise ScenarioError([Issue(f"{field}[{bad}]", out[bad], "a finite number")])
    if t[0] < b[0] - spacing or ends[-1] > b[-1] + spacing:
        notes.append(f"{field}: data beyond the horizon was ignored")
    return out, notes


def local_time(grid: TimeGrid) -> pd.DatetimeIndex:
    """Local wall-clock start of every step."""
    return grid.index


def parse_duration_minutes(value: timedelta | float) -> float:
    """Minutes in a timedelta or a number of minutes."""
    if isinstance(value, timedelta):
        return value.total_seconds() / 60.0
    return float(value)


__all__ = ["TimeGrid", "align_series", "to_utc_timestamp", "check_timezone", "datetime"]
