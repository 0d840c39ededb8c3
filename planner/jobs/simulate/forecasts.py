"""What the controller believes at a decision time: perfect foresight, or the realistic forecast (persistence
of the same time yesterday, published prices only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from planner.errors import PlannerError
from planner.jobs.simulate.site import Site, SitePrices


class Forecast(Protocol):
    """What the controller believes at a decision time (arrays over the planning horizon)."""

    name: str

    def series(
        self, site: Site, prices: SitePrices, first: int, steps: int, issue: pd.Timestamp
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(load_kw, solar_kw, import_price_per_kwh, export_price_per_kwh) for steps ``first..first+steps``."""

    def drive_kwh(self, past: Sequence[float], true_value: float) -> float:
        """Expected driving energy before a future arrival [kWh], given the past true values."""


@dataclass(frozen=True)
class PerfectForesight:
    """The true future: load, solar, every price and every driving energy."""

    name: str = "perfect"

    def series(self, site, prices, first, steps, issue):
        sl = slice(first, first + steps)
        return (site.load_kw[sl].copy(), site.solar_kw[sl].copy(),
                prices.import_price_per_kwh[sl].copy(), prices.export_price_per_kwh[sl].copy())

    def drive_kwh(self, past, true_value):
        return true_value


@dataclass(frozen=True)
class RealisticForecast:
    """Persistence forecasts from data observed before the decision time.

    Load: the value at the same UTC time ``load_lag_days`` earlier (default one week), or the mean of
    ``load_periods`` such values. Solar: the most recent observed day at the same UTC time (yesterday's
    profile), or the mean of ``solar_days`` days, times ``solar_scale``. Prices: the published ones
    (:class:`PricePublication`); an unpublished step takes the most recent published price at the same time of
    day. Driving energy of a future session: the mean of the last ``drive_window`` sessions.
    """

    name: str = "realistic"
    load_lag_days: int = 7
    solar_scale: float = 1.0
    drive_window: int = 7
    load_periods: int = 1
    """Load: the mean of this many earlier periods of ``load_lag_days`` at the same time (as many as the history
    holds); 1 is plain persistence."""
    solar_days: int = 1
    """Solar: the mean of this many earlier days at the same time; 1 is yesterday's profile."""
    drive_quantile: float | None = None
    """Driving energy: this quantile of the last ``drive_window`` sessions instead of their mean (a planner that
    would rather have charged a little too much at night than catch up by day)."""

    def series(self, site, prices, first, steps, issue):
        per_day = 1440 // site.step_minutes
        idx = np.arange(first, first + steps)
        load = _mean_of_past(site.load_kw, _lagged(idx, first, per_day * self.load_lag_days),
                             per_day * self.load_lag_days, self.load_periods)
        solar = _mean_of_past(site.solar_kw, _lagged(idx, first, per_day), per_day, self.solar_days) * self.solar_scale
        imp = prices.import_price_per_kwh[idx].copy()
        exp = prices.export_price_per_kwh[idx].copy()
        if prices.publication is not None:
            until = prices.publication.known_until(issue)
            known = min(max(site.position(until), first), first + steps) if until < site.index[-1] else first + steps
            src = _lagged(idx, known, per_day)
            unknown = idx >= known
            imp[unknown] = prices.import_price_per_kwh[src[unknown]]
            exp[unknown] = prices.export_price_per_kwh[src[unknown]]
        return load, solar, imp, exp

    def drive_kwh(self, past, true_value):
        recent = list(past)[-self.drive_window:]
        if not recent:
            return true_value
        return float(np.mean(recent) if self.drive_quantile is None else np.quantile(recent, self.drive_quantile))


FORECAST_PARTS = ("load", "solar", "prices", "driving")
"""What a forecast tells: the household load, the sun, the import and export prices, the driving energy."""


@dataclass(frozen=True)
class PartlyPerfect:
    """The realistic forecast with the parts named in ``perfect`` (of :data:`FORECAST_PARTS`) replaced by the
    truth: the regret each part of the forecast causes is the realistic run's cost minus this run's."""

    perfect: tuple[str, ...]
    base: RealisticForecast = RealisticForecast()
    name: str = "partly_perfect"

    def __post_init__(self) -> None:
        unknown = [p for p in self.perfect if p not in FORECAST_PARTS]
        if unknown:
            raise ValueError(f"perfect: {unknown} - expected parts of {FORECAST_PARTS}")

    def series(self, site, prices, first, steps, issue):
        load, solar, imp, exp = self.base.series(site, prices, first, steps, issue)
        true = PerfectForesight().series(site, prices, first, steps, issue)
        if "load" in self.perfect:
            load = true[0]
        if "solar" in self.perfect:
            solar = true[1]
        if "prices" in self.perfect:
            imp, exp = true[2], true[3]
        return load, solar, imp, exp

    def drive_kwh(self, past, true_value):
        return true_value if "driving" in self.perfect else self.base.drive_kwh(past, true_value)


def past_day_variants(load_kw: np.ndarray, solar_kw: np.ndarray, first: int, steps: int, per_day: int,
                      days: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(load_kw, solar_kw)`` of the last ``days`` days at the same time for steps ``first .. first + steps``:
    variant ``k`` takes each step from ``k`` whole days before the latest day already observed at that time
    (only data before ``first``; variants that would need data before the series start are left out)."""
    idx = np.arange(first, first + steps)
    lag = np.maximum(1, np.ceil((idx - first + 1) / per_day)).astype(int) * per_day  # the latest observed day
    out = []
    for k in range(days):
        src = idx - lag - k * per_day
        if np.any(src < 0):
            break
        out.append((np.asarray(load_kw)[src].copy(), np.asarray(solar_kw)[src].copy()))
    return out


def _mean_of_past(values: np.ndarray, latest: np.ndarray, lag: int, periods: int) -> np.ndarray:
    """Mean of ``values`` at ``latest`` and up to ``periods - 1`` further ``lag`` steps back (those in the data)."""
    total = values[latest].astype(float).copy()
    count = np.ones(len(latest))
    for k in range(1, periods):
        back = latest - k * lag
        ok = back >= 0
        total[ok] += values[back[ok]]
        count[ok] += 1
    return total / count


def _lagged(idx: np.ndarray, first_unknown: int, lag: int) -> np.ndarray:
    """Index of the latest step before ``first_unknown`` at a whole number of ``lag`` steps before each."""
    k = np.maximum(1, np.ceil((idx - first_unknown + 1) / lag)).astype(int)
    out = idx - k * lag
    if np.any(out < 0):
        raise PlannerError("the site's series start too late for the forecast's look-back (add history)")
    return out


FORECASTS: dict[str, Callable[[], Forecast]] = {
    "perfect": PerfectForesight,
    "realistic": RealisticForecast,
    "averaged": lambda: RealisticForecast(name="averaged", load_lag_days=1, load_periods=7, solar_days=7),
}
"""Forecasts by name: ``realistic`` is persistence (the same time a week ago, yesterday's sun); ``averaged``
is the mean of the last 7 days at the same time, for load and sun (both from the past only; measured in
``benchmarks/forecast_error.py``)."""
