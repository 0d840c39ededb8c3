"""A fetched price series on a regular grid: coverage of the requested window, and the CSV it writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PriceSeries:
    """Prices [currency/kWh] per step start (UTC index, regular ``step_minutes``) over ``[start, end)``.

    ``prices`` holds NaN for each step of the requested window that the source did not publish.
    """

    column: str
    prices: pd.Series
    start: pd.Timestamp
    end: pd.Timestamp
    step_minutes: int
    source: str

    @property
    def missing(self) -> pd.DatetimeIndex:
        """Step starts of the requested window with no published price."""
        return pd.DatetimeIndex(self.prices.index[self.prices.isna().to_numpy()])

    @property
    def complete(self) -> bool:
        """Whether every step of the requested window has a price."""
        return not bool(self.prices.isna().any())

    def coverage_text(self) -> str:
        """One line: the window, the covered steps and (if any) the missing spans."""
        n, gaps = len(self.prices), self.missing
        text = f"{self.source}: {n - len(gaps)} of {n} steps of {self.step_minutes} min"
        if len(gaps):
            step = pd.Timedelta(minutes=self.step_minutes)
            spans, first, prev = [], gaps[0], gaps[0]
            for ts in list(gaps[1:]) + [None]:
                if ts is None or ts - prev != step:
                    spans.append(f"{first.isoformat()} to {(prev + step).isoformat()}")
                    first = ts
                prev = ts
            text += "; missing " + ", ".join(spans[:5]) + (" ..." if len(spans) > 5 else "")
        return text

    def write_csv(self, path: str | Path) -> Path:
        """Write ``timestamp_utc,<column>`` for the published steps (ISO 8601 with ``Z``), via a temporary
        file so a failed write never leaves half a file."""
        path = Path(path)
        known = self.prices.dropna()
        frame = pd.DataFrame({
            "timestamp_utc": known.index.strftime("%Y-%m-%dT%H:%M:%SZ"),
            self.column: np.round(known.to_numpy(dtype=float), 6),
        })
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
        return path


def on_grid(
    rates: list[tuple[pd.Timestamp, pd.Timestamp, float]],
    start: pd.Timestamp, end: pd.Timestamp, step_minutes: int,
) -> pd.Series:
    """Spread ``(valid_from, valid_to, price)`` intervals (UTC) over the steps of ``[start, end)``.

    A step takes the price of the interval containing its start; later intervals win where two overlap.
    Steps no interval covers are NaN.
    """
    index = pd.date_range(start, end, freq=f"{step_minutes}min", inclusive="left", tz="UTC").as_unit("ns")
    values = np.full(len(index), np.nan)
    stamps = index.asi8
    for valid_from, valid_to, price in rates:
        lo = np.searchsorted(stamps, valid_from.value, side="left")
        hi = np.searchsorted(stamps, valid_to.value, side="left")
        values[lo:hi] = price
    return pd.Series(values, index=index, name="price")


def utc(value: str | pd.Timestamp, field: str) -> pd.Timestamp:
    """A timestamp in UTC; a date or naive time is read as UTC, ``today``/``tomorrow`` as that day's 00:00 UTC.

    Raises ValueError naming ``field``.
    """
    if isinstance(value, str) and value.strip().lower() in ("today", "tomorrow"):
        day = pd.Timestamp.now(tz="UTC").normalize()
        return day + pd.Timedelta(days=1) if value.strip().lower() == "tomorrow" else day
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{field}: {value!r} - expected a date or ISO 8601 time") from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def check_window(t0: pd.Timestamp, t1: pd.Timestamp, step_minutes: int) -> None:
    """Raise ValueError naming the argument unless ``[t0, t1)`` is 0-400 days and the step divides 60."""
    if not (isinstance(step_minutes, int) and 1 <= step_minutes <= 60 and 60 % step_minutes == 0):
        raise ValueError(f"step_minutes: {step_minutes!r} - expected a divisor of 60")
    if t1 <= t0:
        raise ValueError(f"end: {t1.isoformat()} - expected a time after start {t0.isoformat()}")
    if t1 - t0 > pd.Timedelta(days=400):
        raise ValueError(f"end: {t1.isoformat()} - expected at most 400 days after start")
