"""The clock of a grid: local wall-clock features per minute (day of week, month, minute of day), local
midnights and minutes between instants, across clock changes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.timegrid import TimeGrid

# ---- the clock: local wall-clock features per minute of a grid -------------------------------------


@dataclass(frozen=True)
class Clock:
    """Per-minute local wall-clock features of a grid in one time zone."""

    grid: TimeGrid
    timezone: str
    local: pd.DatetimeIndex
    minute_of_day: np.ndarray
    weekday: np.ndarray
    month: np.ndarray

    @classmethod
    def of(cls, grid: TimeGrid, timezone: str) -> Clock:
        n = grid.steps * grid.step_minutes
        utc = pd.date_range(grid.start, periods=n, freq=pd.Timedelta(minutes=1))
        local = utc.tz_convert(timezone)
        minute_of_day = np.asarray(local.hour * 60 + local.minute, dtype=np.int64)
        return cls(
            grid,
            timezone,
            local,
            minute_of_day,
            np.asarray(local.dayofweek, dtype=np.int64),
            np.asarray(local.month, dtype=np.int64),
        )

    def step_mean(self, per_minute: np.ndarray) -> np.ndarray:
        """Mean of a per-minute array over each grid step."""
        blocks = per_minute.reshape(self.grid.steps, self.grid.step_minutes)
        out = blocks.mean(axis=1)
        constant = blocks.min(axis=1) == blocks.max(axis=1)
        out[constant] = blocks[constant, 0]  # exact where the price does not change within a step
        return out

    def step_any(self, per_minute: np.ndarray) -> np.ndarray:
        """True for steps where any minute is True."""
        return per_minute.reshape(self.grid.steps, self.grid.step_minutes).any(axis=1)


def local_midnight(day: pd.Timestamp, timezone: str) -> pd.Timestamp:
    naive = pd.Timestamp(day.year, day.month, day.day)
    return naive.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)


def minutes_between(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).total_seconds() / 60.0
