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

    Load: the value at the same UTC time ``load_lag_days`` earlier (default one week). Solar: the most recent
    observed day at the same UTC time (yesterday's profile), times ``solar_scale``. Prices: the published ones
    (:class:`PricePublication`); an unpublished step takes the most recent published price at the same time of
    day. Driving energy of a future session: the mean of the last ``drive_window`` sessions.
    """

    name: str = "realistic"
    load_lag_days: int = 7
    solar_scale: float = 1.0
    drive_window: int = 7

    def series(self, site, prices, first, steps, issue):
        per_day = 1440 // site.step_minutes
        idx = np.arange(first, first + steps)
        load = site.load_kw[_lagged(idx, first, per_day * self.load_lag_days)]
        solar = site.solar_kw[_lagged(idx, first, per_day)] * self.solar_scale
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
        return float(np.mean(recent)) if recent else true_value


def _lagged(idx: np.ndarray, first_unknown: int, lag: int) -> np.ndarray:
    """Index of the latest step before ``first_unknown`` at a whole number of ``lag`` steps before each."""
    k = np.maximum(1, np.ceil((idx - first_unknown + 1) / lag)).astype(int)
    out = idx - k * lag
    if np.any(out < 0):
        raise PlannerError("the site's series start too late for the forecast's look-back (add history)")
    return out


FORECASTS: dict[str, Callable[[], Forecast]] = {"perfect": PerfectForesight, "realistic": RealisticForecast}
