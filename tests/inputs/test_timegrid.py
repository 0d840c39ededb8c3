"""TimeGrid and series alignment: DST days, partial-step coverage, averaging/holding, gaps, naive times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.errors import ScenarioError
from planner.timegrid import TimeGrid, align_series, to_utc_timestamp


@pytest.mark.parametrize(
    ("local_day", "expected_steps"),
    [("2025-03-30", 46), ("2025-10-26", 50), ("2025-06-01", 48)],
)
def test_local_day_has_23_24_or_25_hours_of_half_hours(local_day: str, expected_steps: int) -> None:
    """A Europe/London local day is 46, 48 or 50 half-hours; the index walks wall-clock time correctly."""
    start = pd.Timestamp(local_day, tz="Europe/London")
    end = start + pd.DateOffset(days=1)
    hours = (end - start).total_seconds() / 3600
    grid = TimeGrid.from_hours(start.isoformat(), hours, 30, "Europe/London")
    assert grid.steps == expected_steps
    assert grid.index[0] == start
    assert grid.end == end.tz_convert("UTC")
    # every step is exactly 30 physical minutes, whatever the wall clock does
    assert set(np.diff(grid.index.asi8)) == {30 * 60 * 10 ** (9 if grid.index.unit == "ns" else 6)}


def test_spring_forward_skips_the_missing_local_hour() -> None:
    """On 2025-03-30 the local clock jumps 01:00 -> 02:00: no step starts at local 01:00 or 01:30."""
    grid = TimeGrid.from_hours("2025-03-30T00:00:00+00:00", 24, 30, "Europe/London")
    local_hours = [(ts.hour, ts.minute) for ts in grid.index[:4]]
    assert local_hours == [(0, 0), (0, 30), (2, 0), (2, 30)]


def test_fall_back_repeats_the_local_hour_once_per_offset() -> None:
    """On 2025-10-26 local 01:00 and 01:30 occur twice, once with +01:00 and once with +00:00."""
    grid = TimeGrid.from_hours("2025-10-25T23:00:00+00:00", 25, 30, "Europe/London")
    one_am = [ts for ts in grid.index if ts.hour == 1]
    assert len(one_am) == 4
    assert sorted({ts.utcoffset().total_seconds() for ts in one_am}) == [0.0, 3600.0]


def test_coverage_gives_the_covered_fraction_of_each_step() -> None:
    """[00:15, 01:20) on a 30-minute grid from 00:00 covers 1/2, 1, 2/3 of steps 0, 1, 2 and nothing else."""
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 2, 30, "UTC")
    frac = grid.coverage(pd.Timestamp("2025-01-01T00:15Z"), pd.Timestamp("2025-01-01T01:20Z"))
    np.testing.assert_allclose(frac, [0.5, 1.0, 2 / 3, 0.0])


def test_coverage_clips_to_the_horizon() -> None:
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 1, 30, "UTC")
    frac = grid.coverage(pd.Timestamp("2024-12-31T20:00Z"), pd.Timestamp("2025-01-01T05:00Z"))
    np.testing.assert_allclose(frac, [1.0, 1.0])


def _series(values: list[float], start: str, freq: str) -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq, tz="UTC"), dtype=float)


def test_finer_data_is_averaged() -> None:
    """Half-hourly 1, 3, 5, 7 on an hourly grid -> 2, 6."""
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 2, 60, "UTC")
    values, _ = align_series(_series([1, 3, 5, 7], "2025-01-01T00:00", "30min"), grid, "x")
    np.testing.assert_allclose(values, [2.0, 6.0])


def test_coarser_data_is_held() -> None:
    """Hourly 10, 20 on a 15-minute grid -> 10 x4, 20 x4."""
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 2, 15, "UTC")
    values, _ = align_series(_series([10, 20], "2025-01-01T00:00", "h"), grid, "x")
    np.testing.assert_allclose(values, [10] * 4 + [20] * 4)


def test_grid_starting_at_an_odd_minute_takes_time_weighted_means() -> None:
    """A 30-minute step from 00:10 over half-hourly 1 | 3 takes 20 min of 1 and 10 min of 3 -> 5/3."""
    grid = TimeGrid(pd.Timestamp("2025-01-01T00:10Z"), 30, 1, "UTC")
    values, _ = align_series(_series([1, 3, 5], "2025-01-01T00:00", "30min"), grid, "x")
    np.testing.assert_allclose(values, [(20 * 1 + 10 * 3) / 30])


def test_series_not_covering_the_horizon_is_an_error_naming_the_field() -> None:
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 3, 30, "UTC")
    with pytest.raises(ScenarioError) as err:
        align_series(_series([1, 2, 3, 4], "2025-01-01T00:00", "30min"), grid, "load.csv")
    assert err.value.fields == ["load.csv"]
    assert "covering the horizon" in str(err.value)


def test_gap_inside_the_horizon_is_an_error() -> None:
    s = _series([1, 2, 3, 4, 5, 6], "2025-01-01T00:00", "30min").drop(
        pd.Timestamp("2025-01-01T01:00Z")
    )
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 3, 30, "UTC")
    with pytest.raises(ScenarioError, match="gap"):
        align_series(s, grid, "solar.csv")


def test_naive_index_is_rejected() -> None:
    s = pd.Series([1.0, 2.0], index=pd.date_range("2025-01-01", periods=2, freq="h"))
    grid = TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 1, 30, "UTC")
    with pytest.raises(ScenarioError, match="tz-aware"):
        align_series(s, grid, "x")


def test_naive_timestamp_is_rejected_with_the_field_name() -> None:
    with pytest.raises(ScenarioError) as err:
        to_utc_timestamp("2025-01-01T00:00:00", "horizon.start")
    assert err.value.fields == ["horizon.start"]


def test_hours_not_a_whole_number_of_steps_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="whole number"):
        TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 1.1, 30, "UTC")


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="IANA"):
        TimeGrid.from_hours("2025-01-01T00:00:00+00:00", 1, 30, "Europe/Londn")


def test_result_does_not_depend_on_the_offset_the_start_is_written_in() -> None:
    a = TimeGrid.from_hours("2025-07-01T01:00:00+01:00", 4, 30, "Europe/London")
    b = TimeGrid.from_hours("2025-07-01T00:00:00Z", 4, 30, "Europe/London")
    assert a == b
    assert a.index.equals(b.index)
