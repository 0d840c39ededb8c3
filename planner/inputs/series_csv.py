"""Series CSV files of a scenario: read once per process (cached), first column a tz-aware timestamp."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.inputs.csv_table import CsvShapeError, read_series_table

_SERIES_CACHE: dict[tuple[str, int, int], pd.DataFrame] = {}
_SERIES_CACHE_MAX = 64


def read_series_csv(path: Path) -> pd.DataFrame:
    """Read a CSV whose first column is a tz-aware timestamp (interval start).

    Returns a frame indexed by UTC timestamps with the remaining numeric columns. Frames are cached per
    process, keyed by path, size and modification time, so many scenarios sharing a series (a batch of
    sites, the days of a simulation) parse it once; callers must treat the frame as read-only.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise ScenarioError([Issue(str(path), "unreadable", f"a CSV file ({exc})")]) from None
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    frame = _SERIES_CACHE.get(key)
    if frame is None:
        if len(_SERIES_CACHE) >= _SERIES_CACHE_MAX:
            _SERIES_CACHE.clear()
        frame = _SERIES_CACHE[key] = _parse_series_csv(path)
    return frame


def _parse_series_csv(path: Path) -> pd.DataFrame:
    """Parse a series CSV (see :func:`read_series_csv`)."""
    try:
        frame = read_series_table(path)
    except CsvShapeError as exc:
        raise ScenarioError([Issue(str(path), "mismatched columns", f"one value per header column ({exc})")]) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError([Issue(str(path), "unreadable", f"a CSV file ({exc})")]) from None
    if frame.shape[1] < 2:
        raise ScenarioError([Issue(str(path), "columns", "a timestamp column and a value column")])
    ts_col = frame.columns[0]
    raw = frame[ts_col].astype(str)
    naive = ~raw.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if naive.any():
        row = int(np.flatnonzero(naive.to_numpy())[0])
        raise ScenarioError(
            [Issue(f"{path.name}:{ts_col}[{row}]", raw.iloc[row], "a tz-aware timestamp (offset or Z)")]
        )
    try:
        index = pd.to_datetime(raw, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ScenarioError([Issue(f"{path.name}:{ts_col}", "unparseable", f"ISO 8601 ({exc})")]) from None
    frame = frame.drop(columns=[ts_col])
    frame.index = pd.DatetimeIndex(index, name="time")
    for col in frame.columns:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame
