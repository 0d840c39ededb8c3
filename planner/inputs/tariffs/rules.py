"""Scheme rules and their pricing: the price rules of a scheme (flat, windows in local wall-clock time,
series, formula on a wholesale series), the demand-charge rule, the per-minute local wall-clock of a grid
and :class:`Scheme` with :meth:`Scheme.prices` (prices on any grid, windows in the scheme's local
wall-clock time through clock changes, a step priced by the time-weighted mean of the price over it),
the standing charge per covered local day and demand charges per billing month.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.inputs.tariffs.series import align, resolve_series
from planner.inputs.tariffs.spec import DemandCharge, TariffSpec
from planner.timegrid import TimeGrid

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


# ---- the scheme ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """A tariff scheme read from a file in ``data/tariffs/``.

    Parameters
    ----------
    name, title : str
        Short name (the file's stem) and a readable title.
    currency : str
        ISO 4217 code of every price in the scheme.
    timezone : str
        IANA zone whose wall-clock time the windows and billing days/months follow.
    valid_from : datetime.date
        Date the figures apply from.
    sources : tuple of str
        Where the figures come from.
    notes : str
        Modelling notes.
    unconfirmed : tuple of str
        Values not confirmed in a primary source.
    standing_charge_per_day : float
        Fixed charge per local day [currency/day].
    import_rule, export_rule : PriceRule or None
        How import and export prices are formed (None: the scheme has no such prices).
    demand_rule : DemandRule or None
        Peak-import charge, if any.
    path : pathlib.Path
        The file it was read from.
    """

    name: str
    title: str
    currency: str
    timezone: str
    valid_from: _dt.date
    sources: tuple[str, ...]
    notes: str
    unconfirmed: tuple[str, ...]
    standing_charge_per_day: float
    import_rule: PriceRule | None
    export_rule: PriceRule | None
    demand_rule: DemandRule | None
    path: Path

    # -- public -----------------------------------------------------------------------------------
    def prices(
        self,
        grid: TimeGrid,
        *,
        import_series: pd.Series | str | Path | None = None,
        export_series: pd.Series | str | Path | None = None,
        wholesale_series: pd.Series | str | Path | None = None,
        fx_rate: float | None = None,
        standing_charge_per_day: float | None = None,
        month_peak_so_far_kw: float | None = None,
        export_scheme: Scheme | None = None,
        field: str = "tariff",
    ) -> TariffSpec:
        """Per-step prices and charges of this scheme on ``grid``.

        Each step's price is the time-weighted mean of the scheme's price over the step, so a window
        boundary inside a step prices it by the covered fractions; series are held (coarser) or
        averaged (finer) onto the grid.

        Parameters
        ----------
        grid : TimeGrid
            The planning grid (any step of 1-60 minutes).
        import_series, export_series : pandas.Series, path or None
            Replace the price series of a series-based import/export rule [currency/kWh, or /MWh when
            the column name ends in ``_per_mwh``].
        wholesale_series : pandas.Series, path or None
            Replace the wholesale series W of formula-based rules.
        fx_rate : float or None
            Replace the formula's conversion [scheme currency per wholesale currency unit].
        standing_charge_per_day : float or None
            Replace the scheme's standing charge [currency/day].
        month_peak_so_far_kw : float or None
            Peak import already metered this month before the horizon [kW]: the first billing month's
            floor is at least this (the charge is then for raising the peak above it).
        export_scheme : Scheme or None
            Take export prices (and add its standing charge) from this scheme.
        field : str
            Field prefix for error messages.

        Returns
        -------
        TariffSpec
            Import and export prices [currency/kWh] per step (negative prices unchanged), the
            standing charge for the horizon [currency] and one :class:`DemandCharge` per billing month.

        Raises
        ------
        ScenarioError
            If a series does not cover the horizon, or the scheme has no import prices.
        """
        if self.import_rule is None:
            raise ScenarioError(
                [
                    Issue(
                        f"{field}.scheme",
                        self.name,
                        "a scheme with import prices (this one only has "
                        "export prices: give it as export_scheme next to an import scheme)",
                    )
                ],
                source=str(self.path),
            )
        if export_scheme is not None and export_scheme.currency != self.currency:
            raise ScenarioError(
                [
                    Issue(
                        f"{field}.export_scheme",
                        export_scheme.name,
                        f"a scheme in {self.currency} (it is in {export_scheme.currency})",
                    )
                ]
            )
        clock = Clock.of(grid, self.timezone)
        import_price = self._rule_prices(
            self.import_rule, clock, import_series, wholesale_series, fx_rate, f"{field}.import"
        )
        if export_scheme is not None:
            if export_scheme.export_rule is None:
                raise ScenarioError(
                    [
                        Issue(
                            f"{field}.export_scheme",
                            export_scheme.name,
                            "a scheme with export prices",
                        )
                    ]
                )
            export_clock = Clock.of(grid, export_scheme.timezone)
            export_price = export_scheme._rule_prices(
                export_scheme.export_rule,
                export_clock,
                export_series,
                None,
                None,
                f"{field}.export",
            )
        elif self.export_rule is not None:
            export_price = self._rule_prices(
                self.export_rule, clock, export_series, wholesale_series, fx_rate, f"{field}.export"
            )
        else:
            if export_series is not None:
                raise ScenarioError(
                    [
                        Issue(
                            f"{field}.export_series_csv",
                            str(export_series),
                            f"no export series: scheme '{self.name}' has no export prices",
                        )
                    ]
                )
            export_price = np.zeros(grid.steps)
        daily = (
            self.standing_charge_per_day
            if standing_charge_per_day is None
            else standing_charge_per_day
        )
        standing = standing_charge_for(clock, float(daily))
        if export_scheme is not None and export_scheme.standing_charge_per_day:
            standing += standing_charge_for(
                Clock.of(grid, export_scheme.timezone), export_scheme.standing_charge_per_day
            )
        demand: tuple[DemandCharge, ...] = ()
        if self.demand_rule is not None:
            demand = demand_charges_for(clock, self.demand_rule, month_peak_so_far_kw)
        return TariffSpec(
            import_price_per_kwh=import_price,
            export_price_per_kwh=export_price,
            standing_charge_cost=standing,
            demand_charges=demand,
            scheme=self.name if export_scheme is None else f"{self.name}+{export_scheme.name}",
        )

    def day_grid(self, date: _dt.date | str, step_minutes: int = 30) -> TimeGrid:
        """The grid of one local day of the scheme's time zone (23, 24 or 25 hours)."""
        day = pd.Timestamp(str(date))
        begin = local_midnight(day, self.timezone)
        end = local_midnight(day + pd.Timedelta(days=1), self.timezone)
        minutes = int(round(minutes_between(begin, end)))
        return TimeGrid(
            begin.tz_convert("UTC"), step_minutes, minutes // step_minutes, self.timezone
        )

    def day_prices(
        self, date: _dt.date | str, step_minutes: int = 30, **overrides: object
    ) -> pd.DataFrame:
        """Prices for one local day: a DataFrame indexed by local step start with the import and export
        price [currency/kWh]; ``attrs`` holds the standing charge and the demand charges of the day."""
        grid = self.day_grid(date, step_minutes)
        spec = self.prices(grid, **overrides)  # type: ignore[arg-type]
        frame = pd.DataFrame(
            {
                "import_price_per_kwh": spec.import_price_per_kwh,
                "export_price_per_kwh": spec.export_price_per_kwh,
            },
            index=grid.index,
        )
        frame.attrs["standing_charge_cost"] = spec.standing_charge_cost
        frame.attrs["demand_charges"] = spec.demand_charges
        return frame

    # -- internals ----------------------------------------------------------------------------------
    def _rule_prices(
        self,
        rule: PriceRule,
        clock: Clock,
        series_override: pd.Series | str | Path | None,
        wholesale_override: pd.Series | str | Path | None,
        fx_override: float | None,
        field: str,
    ) -> np.ndarray:
        grid = clock.grid
        if series_override is not None and not isinstance(rule, SeriesRule):
            raise ScenarioError(
                [
                    Issue(
                        f"{field}_series_csv",
                        str(series_override),
                        f"no series here: scheme '{self.name}' prices {field.rsplit('.', 1)[-1]} by "
                        f"{type(rule).__name__.removesuffix('Rule').lower()}"
                        + (
                            " (give wholesale_series_csv instead)"
                            if isinstance(rule, FormulaRule)
                            else ""
                        ),
                    )
                ]
            )
        if isinstance(rule, FlatRule):
            return np.full(grid.steps, rule.price_per_kwh)
        if isinstance(rule, WindowRule):
            per_minute = np.full(len(clock.minute_of_day), np.nan)
            for window in rule.windows:
                per_minute[window.applies(clock)] = window.value
            return clock.step_mean(per_minute)
        if isinstance(rule, SeriesRule):
            series, per_mwh, source = resolve_series(
                series_override, rule.file, rule.column, rule.per_mwh, f"{field}.series"
            )
            values = align(series, grid, f"{field}.series", source)
            return values / 1000.0 if per_mwh else values
        # formula
        series, per_mwh, source = resolve_series(
            wholesale_override,
            rule.wholesale_file,
            rule.wholesale_column,
            rule.per_mwh,
            f"{field}.formula.wholesale",
        )
        minute_grid = TimeGrid(grid.start, 1, grid.steps * grid.step_minutes, grid.timezone)
        wholesale = align(series, minute_grid, f"{field}.formula.wholesale", source)
        fx = rule.fx_rate if fx_override is None else float(fx_override)
        per_kwh = wholesale * fx / (1000.0 if per_mwh else 1.0)
        price = rule.multiplier * per_kwh + rule.adder_per_kwh
        for window in rule.adder_windows:
            price = price + np.where(window.applies(clock), window.value, 0.0)
        if rule.cap_per_kwh is not None:
            price = np.minimum(price, rule.cap_per_kwh)
        if rule.floor_per_kwh is not None:
            price = np.maximum(price, rule.floor_per_kwh)
        return clock.step_mean(rule.vat_factor * price)


def standing_charge_for(clock: Clock, per_day: float) -> float:
    """Standing charge for the horizon [currency]: ``per_day`` times the covered fraction of each local
    day (a 23- or 25-hour day counts as one day)."""
    if per_day == 0.0:
        return 0.0
    dates = clock.local.normalize().tz_localize(None)
    unique, counts = np.unique(np.asarray(dates), return_counts=True)
    total = 0.0
    for day, covered in zip(unique, counts, strict=True):
        day_ts = pd.Timestamp(day)
        length = minutes_between(
            local_midnight(day_ts, clock.timezone),
            local_midnight(day_ts + pd.Timedelta(days=1), clock.timezone),
        )
        total += per_day * covered / length
    return float(total)


def demand_charges_for(
    clock: Clock, rule: DemandRule, month_peak_so_far_kw: float | None = None
) -> tuple[DemandCharge, ...]:
    """One :class:`DemandCharge` per local calendar month touched by the grid, its rate pro-rated by the
    share of the month's minutes the horizon covers."""
    grid = clock.grid
    keys = np.asarray(clock.local.year * 100 + clock.local.month)
    charges = []
    for position, key in enumerate(dict.fromkeys(keys.tolist())):
        year, month = divmod(int(key), 100)
        in_month = keys == key
        first = local_midnight(pd.Timestamp(year, month, 1), clock.timezone)
        following = local_midnight(
            pd.Timestamp(year, month, 1) + pd.offsets.MonthBegin(1), clock.timezone
        )
        share = float(in_month.sum()) / minutes_between(first, following)
        floor = rule.floor_kw
        if position == 0 and month_peak_so_far_kw is not None:
            floor = max(floor, float(month_peak_so_far_kw))
        charges.append(
            DemandCharge(
                name=f"{year:04d}-{month:02d}",
                rate_per_kw=rule.rate_per_kw_per_month * share,
                step_mask=clock.step_any(in_month) if grid.step_minutes > 1 else in_month,
                floor_kw=floor,
            )
        )
    return tuple(charges)
