"""Scheme rules and their pricing: the price rules of a scheme (flat, windows in local wall-clock time,
series, formula on a wholesale series), the demand-charge rule, the per-minute local wall-clock of a grid
and :class:`Scheme` with :meth:`Scheme.prices` (prices on any grid, windows in the scheme's local
wall-clock time through clock changes, a step priced by the time-weighted mean of the price over it),
the standing charge per covered local day and demand charges per billing month.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.inputs.tariffs.clock import Clock

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_GROUPS = {
    "all": frozenset(range(7)),
    "weekday": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
    **{name: frozenset({i}) for i, name in enumerate(DAY_NAMES)},
}
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MINUTES_PER_DAY = 1440


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# ---- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A local wall-clock window ``[start, end)`` on some weekdays and months.

    ``end <= start`` wraps past midnight: the window holds from ``start`` to 24:00 and from 00:00 to
    ``end`` of every day it applies to (the weekday and month are those of the wall-clock date of each
    minute).

    Parameters
    ----------
    start_minute, end_minute : int
        Minutes after local midnight (0..1440).
    value : float
        The window's price or adder [currency/kWh].
    days : frozenset of int
        Weekdays it applies to (Monday = 0).
    months : frozenset of int
        Months it applies to (1..12).
    label : str
        Field path of the window in its file, for messages.
    """

    start_minute: int
    end_minute: int
    value: float
    days: frozenset[int]
    months: frozenset[int]
    label: str

    def minute_mask(self) -> np.ndarray:
        """Boolean array over the 1440 minutes of a day: True inside the window."""
        minute = np.arange(MINUTES_PER_DAY)
        if self.start_minute < self.end_minute:
            return (minute >= self.start_minute) & (minute < self.end_minute)
        return (minute >= self.start_minute) | (minute < self.end_minute)

    def applies(self, clock: Clock) -> np.ndarray:
        """Boolean per minute of ``clock``: True where this window holds."""
        day_ok = np.isin(clock.weekday, list(self.days))
        month_ok = np.isin(clock.month, list(self.months))
        return self.minute_mask()[clock.minute_of_day] & day_ok & month_ok

    def describe(self) -> str:
        """``HH:MM-HH:MM`` with its day and month filters."""
        text = f"{hhmm(self.start_minute)}-{hhmm(self.end_minute)}"
        if self.days != DAY_GROUPS["all"]:
            text += " " + ",".join(DAY_NAMES[d] for d in sorted(self.days))
        if len(self.months) < 12:
            text += " " + ",".join(MONTH_NAMES[m - 1] for m in sorted(self.months))
        return text


@dataclass(frozen=True)
class FlatRule:
    """One price at all times [currency/kWh]."""

    price_per_kwh: float

    def describe(self) -> str:
        return f"flat {self.price_per_kwh:g} per kWh"


@dataclass(frozen=True)
class WindowRule:
    """Prices by local wall-clock window; exactly one window holds at every minute of every day."""

    windows: tuple[Window, ...]

    def describe(self) -> str:
        return "; ".join(f"{w.describe()} {w.value:g}" for w in self.windows)


@dataclass(frozen=True)
class SeriesRule:
    """Prices read from a price series file.

    Parameters
    ----------
    file : pathlib.Path
        CSV with a tz-aware interval-start timestamp column and a value column.
    column : str or None
        Value column (None: the file's only value column).
    per_mwh : bool
        True when the values are currency per MWh (divided by 1000).
    """

    file: Path
    column: str | None
    per_mwh: bool = False

    def describe(self) -> str:
        return f"series {self.file.name}:{self.column}"


@dataclass(frozen=True)
class FormulaRule:
    """Prices from a wholesale series W [wholesale currency/MWh or /kWh]:

    ``price = vat_factor * clip(multiplier * fx_rate * W_per_kwh + adder_per_kwh + window adder, floor, cap)``

    The cap and floor are optional and apply before VAT. Negative results pass through unless a floor is set.
    """

    wholesale_file: Path
    wholesale_column: str | None
    per_mwh: bool
    wholesale_currency: str
    fx_rate: float
    multiplier: float
    adder_per_kwh: float
    cap_per_kwh: float | None
    floor_per_kwh: float | None
    vat_factor: float
    adder_windows: tuple[Window, ...]

    def describe(self) -> str:
        text = (
            f"{self.vat_factor:g} x ({self.multiplier:g} x W + {self.adder_per_kwh:g}"
            + "".join(f" + {w.value:g} in {w.describe()}" for w in self.adder_windows)
            + ")"
        )
        if self.cap_per_kwh is not None:
            text += f", at most {self.cap_per_kwh:g} before VAT"
        if self.floor_per_kwh is not None:
            text += f", at least {self.floor_per_kwh:g} before VAT"
        return (
            text + f"; W = {self.wholesale_file.name} x {self.fx_rate:g} {self.wholesale_currency}"
        )


PriceRule = FlatRule | WindowRule | SeriesRule | FormulaRule


@dataclass(frozen=True)
class DemandRule:
    """Charge on the peak grid import of each billing month.

    Parameters
    ----------
    rate_per_kw_per_month : float
        Currency per kW of the month's peak import [currency/kW/month].
    floor_kw : float
        Minimum billed peak [kW].
    measurement_minutes : int
        The tariff's metering interval [minutes]; with longer steps the plan sees step means, which
        can only under-state the metered peak.
    """

    rate_per_kw_per_month: float
    floor_kw: float = 0.0
    measurement_minutes: int = 15
