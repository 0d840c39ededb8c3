"""The typed-field reader: converts raw TOML (or Python) values and collects every problem as an ``Issue``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.fields import FieldReader
from planner.inputs.paths import resolve_data_path
from planner.inputs.series_csv import read_series_csv
from planner.timegrid import TimeGrid, align_series, to_utc_timestamp


class ScenarioReader(FieldReader):
    """The typed-field reader of a scenario (:class:`planner.fields.FieldReader`) with its timestamps and series
    (constants, lists, arrays, pandas Series, CSV columns aligned to the grid) and reading notes."""

    def __init__(self, base_dir: Path) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.base_dir = base_dir

    def timestamp(self, table: Mapping[str, Any], key: str, where: str) -> pd.Timestamp | None:
        name = f"{where}.{key}"
        if key not in table:
            self.add(name, "missing", "a tz-aware ISO 8601 timestamp")
            return None
        value = table[key]
        try:
            return to_utc_timestamp(value, name)
        except ScenarioError as exc:
            self.issues.extend(exc.issues)
            return None

    # -- series -------------------------------------------------------------------------------
    def _plain(self, value: object, name: str, grid: TimeGrid) -> object:
        """A pandas or numpy value as a number, a list, or an aligned array (None after an error)."""
        if isinstance(value, pd.DataFrame):
            if value.shape[1] != 1:
                self.add(name, f"a DataFrame with columns {list(value.columns)}", "a Series or one column")
                return None
            value = value.iloc[:, 0]
        if isinstance(value, pd.Series):
            if isinstance(value.index, pd.DatetimeIndex):
                if value.index.tz is None:
                    self.add(name, "a Series with naive timestamps", "a tz-aware DatetimeIndex (or a list)")
                    return None
                numeric = pd.to_numeric(value, errors="coerce")
                if numeric.isna().any():
                    bad = value.index[numeric.isna().to_numpy()][0]
                    self.add(f"{name}[{bad.isoformat()}]", value[bad], "a number")
                    return None
                stamps = pd.DatetimeIndex(numeric.index).tz_convert("UTC")
                if len(stamps) == grid.steps and (stamps.as_unit("ns") == grid.index.as_unit("ns")).all():
                    return numeric.to_numpy(dtype=float)  # already on the grid: the values as given
                try:
                    values, notes = align_series(numeric.astype(float), grid, name)
                except ScenarioError as exc:
                    self.issues.extend(exc.issues)
                    return None
                self.notes.extend(notes)
                return values
            value = value.to_numpy()
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                return value.item()
            if value.ndim != 1:
                self.add(name, f"an array of shape {value.shape}", f"a 1-D array of {grid.steps} numbers")
                return None
            return [v.item() if isinstance(v, np.generic) else v for v in value]
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, np.generic):
            return value.item()
        return value

    def array(self, value: object, name: str, grid: TimeGrid) -> np.ndarray | None:
        """A scalar (held constant), a list (or 1-D numpy array) with one value per step, or a pandas
        Series / one-column DataFrame: with a tz-aware DatetimeIndex it is aligned to the grid like a CSV
        series, otherwise its values are taken in order."""
        n = grid.steps
        value = self._plain(value, name, grid)
        if value is None or isinstance(value, np.ndarray):
            return value
        if isinstance(value, bool):
            self.add(name, value, f"a number or a list of {n} numbers")
            return None
        if isinstance(value, int | float):
            if not math.isfinite(float(value)):
                self.add(name, value, "a finite number")
                return None
            return np.full(n, float(value))
        if not isinstance(value, list):
            self.add(name, value, f"a number or a list of {n} numbers")
            return None
        out = np.empty(len(value))
        ok = True
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float):
                self.add(f"{name}[{i}]", item, "a number")
                ok = False
                continue
            if not math.isfinite(float(item)):
                self.add(f"{name}[{i}]", item, "a finite number")
                ok = False
                continue
            out[i] = float(item)
        if len(value) < n:
            self.add(name, f"{len(value)} values", f"{n} values, one per step of {grid}")
            return None
        if len(value) > n:
            self.notes.append(f"{name}: {len(value)} values cut to the horizon's {n} steps")
            out = out[:n]
        return out if ok else None

    def csv_series(
        self, path_value: object, column: object, name: str, grid: TimeGrid
    ) -> np.ndarray | None:
        """Read a CSV with a tz-aware timestamp column and align one value column to the grid."""
        if not isinstance(path_value, str):
            self.add(name, path_value, "a path to a CSV file")
            return None
        path = resolve_data_path(path_value, self.base_dir)
        if not path.is_file():
            self.add(name, path_value, f"an existing CSV file (looked for {path})")
            return None
        try:
            frame = read_series_csv(path)
        except ScenarioError as exc:
            self.issues.extend(Issue(name, i.value, i.expected) for i in exc.issues)
            return None
        if column is None:
            if frame.shape[1] != 1:
                self.add(
                    name,
                    path_value,
                    f"one value column, or a 'column' key choosing one of {list(frame.columns)}",
                )
                return None
            col = frame.columns[0]
        else:
            if column not in frame.columns:
                self.add(name, column, f"one of the columns {list(frame.columns)}")
                return None
            col = column
        series = frame[col]
        if series.isna().any():
            bad = series.index[series.isna()][0]
            self.add(f"{name}[{bad.isoformat()}]", "empty", "a number")
            return None
        try:
            values, notes = align_series(series, grid, name)
        except ScenarioError as exc:
            self.issues.extend(exc.issues)
            return None
        self.notes.extend(notes)
        return values

    def series(
        self,
        table: Mapping[str, Any],
        grid: TimeGrid,
        where: str,
        value_key: str = "kw",
        csv_key: str = "csv",
        column_key: str = "column",
        required: bool = False,
    ) -> np.ndarray | None:
        if value_key in table and csv_key in table:
            self.add(f"{where}.{csv_key}", table[csv_key], f"either {value_key} or {csv_key}, not both")
            return None
        if value_key in table:
            return self.array(table[value_key], f"{where}.{value_key}", grid)
        if csv_key in table:
            column = table.get(column_key)
            if column is not None and not isinstance(column, str):
                self.add(f"{where}.{column_key}", column, "a column name (a string)")
                return None
            return self.csv_series(table[csv_key], column, f"{where}.{csv_key}", grid)
        if required:
            self.add(f"{where}.{value_key}", "missing", f"a list of {grid.steps} values or {csv_key}")
        return None
