"""Price-series files: reading a price CSV, checking the magnitude of its values (per kWh or per MWh)
and aligning it on a :class:`~planner.timegrid.TimeGrid`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.inputs.csv_table import CsvShapeError, read_series_table
from planner.timegrid import TimeGrid, align_series

MAX_PRICE_PER_KWH = 5.0
"""Largest plausible price magnitude [currency/kWh]; a larger value is taken for pence or per-MWh."""
MIN_MEDIAN_PER_MWH = 0.5
"""A per-MWh series whose median magnitude is below this [currency/MWh] is taken for per-kWh."""


def read_price_series(path: Path, column: str | None, field: str) -> tuple[pd.Series, str]:
    """Read a price CSV: the first column holds tz-aware interval starts, ``column`` the values.

    Returns the series (tz-aware UTC index) and the name of the value column used. With ``column``
    None or absent from the file, the file's only value column (besides ``filled``) is used.

    Raises
    ------
    ScenarioError
        If the file is missing or unreadable, timestamps are naive, or values are not numbers.
    """
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0
    return cached_price_series(str(path), mtime, column, field)


@lru_cache(maxsize=32)
def cached_price_series(
    source: str, mtime: float, column: str | None, field: str
) -> tuple[pd.Series, str]:
    try:
        frame = read_series_table(source)
    except FileNotFoundError:
        raise ScenarioError(
            [
                Issue(
                    field,
                    source,
                    "an existing CSV file (or give a series file in the [tariff] table)",
                )
            ]
        ) from None
    except CsvShapeError as exc:
        raise ScenarioError([Issue(field, source, f"one value per header column ({exc})")]) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ScenarioError([Issue(field, source, f"a readable CSV file ({exc})")]) from None
    if frame.shape[1] < 2:
        raise ScenarioError(
            [Issue(field, source, "a timestamp column and a value column")], source=source
        )
    time_col = frame.columns[0]
    values = [c for c in frame.columns[1:] if c != "filled"]
    if column is None or column not in frame.columns:
        if len(values) != 1:
            wanted = f"a column '{column}'" if column else "exactly one value column"
            raise ScenarioError([Issue(field, list(frame.columns), wanted)], source=source)
        column = values[0]
    try:
        index = pd.DatetimeIndex(pd.to_datetime(frame[time_col], format="ISO8601"))
    except (ValueError, TypeError) as exc:
        raise ScenarioError(
            [Issue(f"{field}.{time_col}", "timestamps", f"ISO 8601 timestamps ({exc})")],
            source=source,
        ) from None
    if index.tz is None:
        raise ScenarioError(
            [
                Issue(
                    f"{field}.{time_col}",
                    str(frame[time_col].iloc[0]),
                    "tz-aware timestamps (with offset or Z)",
                )
            ],
            source=source,
        )
    numbers = pd.to_numeric(frame[column], errors="coerce")
    if numbers.isna().any():
        row = int(np.flatnonzero(numbers.isna().to_numpy())[0])
        raise ScenarioError(
            [Issue(f"{field}.{column}[{row}]", frame[column].iloc[row], "a number")], source=source
        )
    return pd.Series(
        numbers.to_numpy(dtype=float), index=index.tz_convert("UTC"), name=column
    ), column


def check_series_magnitude(series: pd.Series, per_mwh: bool, field: str, source: str) -> None:
    median = float(np.median(np.abs(series.to_numpy()))) if len(series) else 0.0
    if not per_mwh and median > MAX_PRICE_PER_KWH:
        raise ScenarioError(
            [
                Issue(
                    field,
                    f"median |price| {median:g}",
                    f"prices per kWh (at most {MAX_PRICE_PER_KWH:g}; this looks like per MWh or pence - "
                    "name the column *_per_mwh if it is per MWh)",
                )
            ],
            source=source,
        )
    if per_mwh and median < MIN_MEDIAN_PER_MWH:
        raise ScenarioError(
            [
                Issue(
                    field,
                    f"median |price| {median:g}",
                    "prices per MWh (this looks like per kWh - name the column *_per_kwh)",
                )
            ],
            source=source,
        )


def resolve_series(
    override: pd.Series | str | Path | None,
    default_file: Path,
    column: str | None,
    per_mwh: bool,
    field: str,
) -> tuple[pd.Series, bool, str]:
    if isinstance(override, pd.Series):
        name = str(override.name or "")
        is_mwh = name.endswith("_per_mwh") or (per_mwh and not name.endswith("_per_kwh"))
        source = f"series '{name}'"
        check_series_magnitude(override, is_mwh, field, source)
        return override, is_mwh, source
    path = default_file if override is None else Path(override)
    series, used = read_price_series(path, column, field)
    is_mwh = used.endswith("_per_mwh") or (per_mwh and not used.endswith("_per_kwh"))
    check_series_magnitude(series, is_mwh, field, str(path))
    return series, is_mwh, str(path)


def align(series: pd.Series, grid: TimeGrid, field: str, source: str) -> np.ndarray:
    """``align_series`` on the part of a long series around the horizon (the whole series on failure,
    so an error describes the whole file)."""
    margin = pd.Timedelta(days=2)
    index = series.index
    window = series[(index >= grid.start - margin) & (index < grid.end + margin)]
    if 2 <= len(window) < len(series):
        try:
            return align_series(window, grid, field)[0]
        except ScenarioError:
            pass
    try:
        values, _notes = align_series(series, grid, field)
    except ScenarioError as exc:
        raise ScenarioError(exc.issues, source=source) from None
    return values
