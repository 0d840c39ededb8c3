"""Tariffs: per-step import/export prices and fixed/demand charges on a :class:`TimeGrid`.

Sign conventions: prices are currency per kWh; an import price is what the site pays per kWh imported, an
export price is what it is paid per kWh exported. Negative prices pass through unchanged.

Contents:

- :class:`TariffSpec` and :class:`DemandCharge`: the prices and charges of one horizon, read by the model;
- scheme files (``data/tariffs/*.toml``, format in ``docs/tariffs.md``): :func:`load_scheme`,
  :func:`list_schemes`, :class:`Scheme` with :meth:`Scheme.prices` (prices on any grid, windows in the
  scheme's local wall-clock time through clock changes, a step priced by the time-weighted mean of the
  price over it), the standing charge per covered local day and demand charges per billing month;
- :func:`tariff_from_table`: a scenario's ``[tariff]`` table naming a scheme;
- :func:`demand_charge_cost`: the demand charges of a schedule (for plans built without the MILP).
"""

from __future__ import annotations

import datetime as _dt
import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import Issue, PlannerError, ScenarioError
from planner.timegrid import TimeGrid, align_series, check_timezone


@dataclass(frozen=True)
class DemandCharge:
    """A charge on the peak grid import within a billing window.

    Parameters
    ----------
    name : str
        Label of the billing window (e.g. ``"2025-01"``), used in cost names.
    rate_per_kw : float
        Currency per kW of peak import, already pro-rated to the share of the billing period the horizon
        covers [currency/kW].
    step_mask : numpy.ndarray
        Boolean per step: True where the step belongs to this billing window.
    floor_kw : float
        Minimum billed peak [kW] (e.g. 2.5 kW in Flanders).
    """

    name: str
    rate_per_kw: float
    step_mask: np.ndarray
    floor_kw: float = 0.0


@dataclass(frozen=True)
class TariffSpec:
    """Prices for one horizon.

    Parameters
    ----------
    import_price_per_kwh, export_price_per_kwh : numpy.ndarray
        One price per step [currency/kWh].
    standing_charge_cost : float
        Fixed charge for the whole horizon [currency].
    demand_charges : tuple of DemandCharge
        Peak-import charges, one per billing window touched by the horizon.
    scheme : str or None
        Name of the scheme the prices came from, None for explicit series.
    """

    import_price_per_kwh: np.ndarray
    export_price_per_kwh: np.ndarray
    standing_charge_cost: float = 0.0
    demand_charges: tuple[DemandCharge, ...] = field(default_factory=tuple)
    scheme: str | None = None


def demand_charge_cost(tariff: TariffSpec, import_kw: np.ndarray) -> float:
    """Demand charges of a schedule [currency]: ``rate_per_kw x max(floor_kw, peak import in the window)``
    summed over the billing windows that contain a step.

    Parameters
    ----------
    tariff : TariffSpec
        Provides the demand charges.
    import_kw : numpy.ndarray
        Grid import per step [kW], mean over the step.
    """
    imp = np.asarray(import_kw, dtype=float)
    total = 0.0
    for charge in tariff.demand_charges:
        mask = np.asarray(charge.step_mask, dtype=bool)
        if mask.any():
            total += charge.rate_per_kw * max(charge.floor_kw, float(imp[mask].max()))
    return float(total)


# ================================================================================================
# Scheme files
# ================================================================================================

SCHEMA_VERSION = 1
MAX_PRICE_PER_KWH = 5.0
"""Largest plausible price magnitude [currency/kWh]; a larger value is taken for pence or per-MWh."""
MAX_STANDING_CHARGE_PER_DAY = 20.0
"""Largest plausible standing charge [currency/day]; a larger value is taken for pence."""
MIN_MEDIAN_PER_MWH = 0.5
"""A per-MWh series whose median magnitude is below this [currency/MWh] is taken for per-kWh."""

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {
    "all": frozenset(range(7)),
    "weekday": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
    **{name: frozenset({i}) for i, name in enumerate(_DAY_NAMES)},
}
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MINUTES_PER_DAY = 1440


def data_dir(kind: str) -> Path:
    """Folder of shipped data of one kind (``"tariffs"`` or ``"series"``).

    Looks in the installed package (``planner/_data/<kind>``) first, then in the source tree
    (``<repo>/data/<kind>``).

    Raises
    ------
    PlannerError
        If neither folder exists.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "_data" / kind, here.parent / "data" / kind]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise PlannerError(
        f"data folder '{kind}' not found (looked in {', '.join(map(str, candidates))})"
    )


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
        minute = np.arange(_MINUTES_PER_DAY)
        if self.start_minute < self.end_minute:
            return (minute >= self.start_minute) & (minute < self.end_minute)
        return (minute >= self.start_minute) | (minute < self.end_minute)

    def applies(self, clock: _Clock) -> np.ndarray:
        """Boolean per minute of ``clock``: True where this window holds."""
        day_ok = np.isin(clock.weekday, list(self.days))
        month_ok = np.isin(clock.month, list(self.months))
        return self.minute_mask()[clock.minute_of_day] & day_ok & month_ok

    def describe(self) -> str:
        """``HH:MM-HH:MM`` with its day and month filters."""
        text = f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"
        if self.days != _DAY_GROUPS["all"]:
            text += " " + ",".join(_DAY_NAMES[d] for d in sorted(self.days))
        if len(self.months) < 12:
            text += " " + ",".join(_MONTH_NAMES[m - 1] for m in sorted(self.months))
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
class _Clock:
    """Per-minute local wall-clock features of a grid in one time zone."""

    grid: TimeGrid
    timezone: str
    local: pd.DatetimeIndex
    minute_of_day: np.ndarray
    weekday: np.ndarray
    month: np.ndarray

    @classmethod
    def of(cls, grid: TimeGrid, timezone: str) -> _Clock:
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


def _local_midnight(day: pd.Timestamp, timezone: str) -> pd.Timestamp:
    naive = pd.Timestamp(day.year, day.month, day.day)
    return naive.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)


def _minutes_between(a: pd.Timestamp, b: pd.Timestamp) -> float:
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
        clock = _Clock.of(grid, self.timezone)
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
            export_clock = _Clock.of(grid, export_scheme.timezone)
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
                _Clock.of(grid, export_scheme.timezone), export_scheme.standing_charge_per_day
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
        begin = _local_midnight(day, self.timezone)
        end = _local_midnight(day + pd.Timedelta(days=1), self.timezone)
        minutes = int(round(_minutes_between(begin, end)))
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
        clock: _Clock,
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
            series, per_mwh, source = _resolve_series(
                series_override, rule.file, rule.column, rule.per_mwh, f"{field}.series"
            )
            values = _align(series, grid, f"{field}.series", source)
            return values / 1000.0 if per_mwh else values
        # formula
        series, per_mwh, source = _resolve_series(
            wholesale_override,
            rule.wholesale_file,
            rule.wholesale_column,
            rule.per_mwh,
            f"{field}.formula.wholesale",
        )
        minute_grid = TimeGrid(grid.start, 1, grid.steps * grid.step_minutes, grid.timezone)
        wholesale = _align(series, minute_grid, f"{field}.formula.wholesale", source)
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


def standing_charge_for(clock: _Clock, per_day: float) -> float:
    """Standing charge for the horizon [currency]: ``per_day`` times the covered fraction of each local
    day (a 23- or 25-hour day counts as one day)."""
    if per_day == 0.0:
        return 0.0
    dates = clock.local.normalize().tz_localize(None)
    unique, counts = np.unique(np.asarray(dates), return_counts=True)
    total = 0.0
    for day, covered in zip(unique, counts, strict=True):
        day_ts = pd.Timestamp(day)
        length = _minutes_between(
            _local_midnight(day_ts, clock.timezone),
            _local_midnight(day_ts + pd.Timedelta(days=1), clock.timezone),
        )
        total += per_day * covered / length
    return float(total)


def demand_charges_for(
    clock: _Clock, rule: DemandRule, month_peak_so_far_kw: float | None = None
) -> tuple[DemandCharge, ...]:
    """One :class:`DemandCharge` per local calendar month touched by the grid, its rate pro-rated by the
    share of the month's minutes the horizon covers."""
    grid = clock.grid
    keys = np.asarray(clock.local.year * 100 + clock.local.month)
    charges = []
    for position, key in enumerate(dict.fromkeys(keys.tolist())):
        year, month = divmod(int(key), 100)
        in_month = keys == key
        first = _local_midnight(pd.Timestamp(year, month, 1), clock.timezone)
        following = _local_midnight(
            pd.Timestamp(year, month, 1) + pd.offsets.MonthBegin(1), clock.timezone
        )
        share = float(in_month.sum()) / _minutes_between(first, following)
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


# ---- series files ------------------------------------------------------------------------------------


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
    return _read_price_series(str(path), mtime, column, field)


@lru_cache(maxsize=32)
def _read_price_series(
    source: str, mtime: float, column: str | None, field: str
) -> tuple[pd.Series, str]:
    try:
        frame = pd.read_csv(source)
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


def _check_series_magnitude(series: pd.Series, per_mwh: bool, field: str, source: str) -> None:
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


def _resolve_series(
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
        _check_series_magnitude(override, is_mwh, field, source)
        return override, is_mwh, source
    path = default_file if override is None else Path(override)
    series, used = read_price_series(path, column, field)
    is_mwh = used.endswith("_per_mwh") or (per_mwh and not used.endswith("_per_kwh"))
    _check_series_magnitude(series, is_mwh, field, str(path))
    return series, is_mwh, str(path)


def _align(series: pd.Series, grid: TimeGrid, field: str, source: str) -> np.ndarray:
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


# ---- loading and validation ---------------------------------------------------------------------------


class _Problems:
    """Collects issues while a file is checked."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, field: str, value: object, expected: str) -> None:
        self.issues.append(Issue(field, value, expected))

    def keys(
        self, table: dict, field: str, allowed: set[str], required: set[str] = frozenset()
    ) -> None:  # type: ignore[assignment]
        for key in table:
            if key not in allowed:
                self.add(
                    f"{field}.{key}" if field else key,
                    table[key],
                    f"a known key (one of: {', '.join(sorted(allowed))})",
                )
        for key in sorted(required - set(table)):
            self.add(f"{field}.{key}" if field else key, "missing", "a value (required)")

    def number(
        self,
        table: dict,
        key: str,
        field: str,
        default: float | None = None,
        minimum: float | None = None,
        price: bool = False,
        required: bool = True,
    ) -> float | None:
        path = f"{field}.{key}" if field else key
        if key not in table:
            if default is None and required:
                self.add(path, "missing", "a number (required)")
            return default
        value = table[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.add(path, value, "a number")
            return default
        if minimum is not None and value < minimum:
            self.add(path, value, f"a number >= {minimum:g}")
            return default
        if price and abs(value) > MAX_PRICE_PER_KWH:
            self.add(
                path,
                value,
                f"a price in currency per kWh (|price| <= {MAX_PRICE_PER_KWH:g}; "
                "this looks like pence or per MWh)",
            )
            return default
        return float(value)

    def string(self, table: dict, key: str, field: str, required: bool = True) -> str | None:
        path = f"{field}.{key}" if field else key
        if key not in table:
            if required:
                self.add(path, "missing", "a string (required)")
            return None
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.add(path, value, "a non-empty string")
            return None
        return value


def _parse_time(value: object, field: str, problems: _Problems, allow_24: bool) -> int | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        problems.add(field, value, "a wall-clock time 'HH:MM'")
        return None
    try:
        hours, minutes = int(value[:2]), int(value[3:])
    except ValueError:
        problems.add(field, value, "a wall-clock time 'HH:MM'")
        return None
    total = hours * 60 + minutes
    limit = _MINUTES_PER_DAY if allow_24 else _MINUTES_PER_DAY - 1
    if minutes >= 60 or total > limit:
        problems.add(field, value, "a time from 00:00 to " + ("24:00" if allow_24 else "23:59"))
        return None
    return total


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_days(value: object, field: str, problems: _Problems) -> frozenset[int]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.add(field, value, "a list of day names (mon..sun, weekday, weekend, all)")
        return _DAY_GROUPS["all"]
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str) or item.lower() not in _DAY_GROUPS:
            problems.add(field, item, "a day name (mon..sun, weekday, weekend, all)")
            continue
        days |= _DAY_GROUPS[item.lower()]
    return frozenset(days)


def _parse_months(value: object, field: str, problems: _Problems) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        problems.add(field, value, "a list of month numbers 1..12")
        return frozenset(range(1, 13))
    months: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 12:
            problems.add(field, item, "a month number 1..12")
            continue
        months.add(item)
    return frozenset(months)


def _parse_window(table: object, field: str, problems: _Problems, value_key: str) -> Window | None:
    if not isinstance(table, dict):
        problems.add(field, table, "a table with start, end and " + value_key)
        return None
    problems.keys(
        table, field, {"start", "end", value_key, "days", "months"}, {"start", "end", value_key}
    )
    start = (
        _parse_time(table.get("start"), f"{field}.start", problems, allow_24=False)
        if "start" in table
        else None
    )
    end = (
        _parse_time(table.get("end"), f"{field}.end", problems, allow_24=True)
        if "end" in table
        else None
    )
    value = problems.number(table, value_key, field, price=True, required=False)
    days = (
        _parse_days(table["days"], f"{field}.days", problems)
        if "days" in table
        else _DAY_GROUPS["all"]
    )
    months = (
        _parse_months(table["months"], f"{field}.months", problems)
        if "months" in table
        else frozenset(range(1, 13))
    )
    if start is not None and end is not None and start == end:
        problems.add(
            f"{field}.end",
            table.get("end"),
            "a time different from start (use 00:00-24:00 for all day)",
        )
        return None
    if start is None or end is None or value is None:
        return None
    return Window(start, end, value, days, months, field)


def _check_coverage(windows: list[Window], field: str, problems: _Problems, complete: bool) -> None:
    """Every minute of every (month, weekday) covered by exactly one window (or at most one if not complete)."""
    count = np.zeros((12, 7, _MINUTES_PER_DAY), dtype=np.int16)
    for window in windows:
        mask = window.minute_mask()
        for month in window.months:
            for day in window.days:
                count[month - 1, day] += mask
    for bad, what in ((count > 1, "overlapping"), (count == 0, "missing")):
        if what == "missing" and not complete:
            continue
        if not bad.any():
            continue
        month, day, minute = (int(i) for i in np.argwhere(bad)[0])
        run_end = minute
        while run_end < _MINUTES_PER_DAY and bad[month, day, run_end]:
            run_end += 1
        where = f"{_hhmm(minute)}-{_hhmm(run_end)} on {_DAY_NAMES[day]} in {_MONTH_NAMES[month]}"
        if what == "overlapping":
            names = [
                w.label
                for w in windows
                if (month + 1) in w.months and day in w.days and w.minute_mask()[minute]
            ]
            problems.add(field, f"{where} ({', '.join(names)})", "windows that do not overlap")
        else:
            problems.add(
                field, where, "windows covering every minute of every day (none covers this)"
            )


def _series_file(
    value: object, field: str, base_dir: Path, problems: _Problems, must_exist: bool = True
) -> Path | None:
    if not isinstance(value, str) or not value:
        problems.add(field, value, "a CSV file name")
        return None
    path = Path(value)
    if not path.is_absolute():
        path = base_dir / path
    if must_exist and not path.is_file():
        problems.add(field, value, f"an existing CSV file (looked in {base_dir})")
        return None
    return path


def _unit_is_mwh(
    table: dict, key: str, column: str | None, field: str, problems: _Problems
) -> bool:
    if key in table:
        unit = table[key]
        if unit not in ("per_kwh", "per_mwh"):
            problems.add(f"{field}.{key}", unit, "'per_kwh' or 'per_mwh'")
            return False
        return unit == "per_mwh"
    return bool(column and column.endswith("_per_mwh"))


def _parse_rule(
    table: object, field: str, problems: _Problems, series_dir: Path
) -> PriceRule | None:
    if not isinstance(table, dict):
        problems.add(field, table, "a table")
        return None
    kinds = [k for k in ("price_per_kwh", "window", "series", "formula") if k in table]
    problems.keys(table, field, {"price_per_kwh", "window", "series", "formula"})
    if len(kinds) != 1:
        problems.add(
            field,
            sorted(table) or "empty",
            "exactly one of price_per_kwh (flat), window (list), series or formula",
        )
        return None
    kind = kinds[0]
    if kind == "price_per_kwh":
        price = problems.number(table, "price_per_kwh", field, price=True)
        return None if price is None else FlatRule(price)
    if kind == "window":
        raw = table["window"]
        if not isinstance(raw, list) or not raw:
            problems.add(f"{field}.window", raw, "a list of [[window]] tables")
            return None
        windows = [
            _parse_window(item, f"{field}.window[{i}]", problems, "price_per_kwh")
            for i, item in enumerate(raw)
        ]
        good = [w for w in windows if w is not None]
        if len(good) == len(windows):
            _check_coverage(good, f"{field}.window", problems, complete=True)
        return WindowRule(tuple(good))
    if kind == "series":
        sub = table["series"]
        sfield = f"{field}.series"
        if not isinstance(sub, dict):
            problems.add(sfield, sub, "a table with file and column")
            return None
        problems.keys(sub, sfield, {"file", "column", "unit"}, {"file"})
        path = (
            _series_file(sub.get("file"), f"{sfield}.file", series_dir, problems, must_exist=False)
            if "file" in sub
            else None
        )
        column = problems.string(sub, "column", sfield, required=False)
        per_mwh = _unit_is_mwh(sub, "unit", column, sfield, problems)
        return None if path is None else SeriesRule(path, column, per_mwh)
    sub = table["formula"]
    ffield = f"{field}.formula"
    if not isinstance(sub, dict):
        problems.add(ffield, sub, "a table")
        return None
    problems.keys(
        sub,
        ffield,
        {
            "wholesale_file",
            "wholesale_column",
            "wholesale_unit",
            "wholesale_currency",
            "fx_rate",
            "multiplier",
            "adder_per_kwh",
            "cap_per_kwh",
            "floor_per_kwh",
            "vat_factor",
            "adder_window",
        },
        {"wholesale_file", "wholesale_currency", "fx_rate", "multiplier"},
    )
    path = (
        _series_file(
            sub.get("wholesale_file"),
            f"{ffield}.wholesale_file",
            series_dir,
            problems,
            must_exist=False,
        )
        if "wholesale_file" in sub
        else None
    )
    column = problems.string(sub, "wholesale_column", ffield, required=False)
    per_mwh = _unit_is_mwh(sub, "wholesale_unit", column, ffield, problems)
    currency = problems.string(sub, "wholesale_currency", ffield)
    fx = problems.number(sub, "fx_rate", ffield, minimum=0.0)
    multiplier = problems.number(sub, "multiplier", ffield)
    adder = problems.number(sub, "adder_per_kwh", ffield, default=0.0, price=True)
    cap = problems.number(sub, "cap_per_kwh", ffield, price=True, required=False)
    floor = problems.number(sub, "floor_per_kwh", ffield, price=True, required=False)
    vat = problems.number(sub, "vat_factor", ffield, default=1.0, minimum=0.0)
    adder_windows: list[Window] = []
    if "adder_window" in sub:
        raw = sub["adder_window"]
        if not isinstance(raw, list):
            problems.add(f"{ffield}.adder_window", raw, "a list of [[adder_window]] tables")
        else:
            parsed = [
                _parse_window(item, f"{ffield}.adder_window[{i}]", problems, "adder_per_kwh")
                for i, item in enumerate(raw)
            ]
            adder_windows = [w for w in parsed if w is not None]
            _check_coverage(adder_windows, f"{ffield}.adder_window", problems, complete=False)
    if cap is not None and floor is not None and floor > cap:
        problems.add(f"{ffield}.floor_per_kwh", floor, f"a floor not above the cap {cap:g}")
    if None in (path, currency, fx, multiplier, adder, vat):
        return None
    return FormulaRule(
        path,
        column,
        per_mwh,
        currency,
        fx,
        multiplier,
        adder,
        cap,
        floor,
        vat,  # type: ignore[arg-type]
        tuple(adder_windows),
    )


def _parse_demand(table: object, field: str, problems: _Problems) -> DemandRule | None:
    if not isinstance(table, dict):
        problems.add(field, table, "a table")
        return None
    problems.keys(
        table,
        field,
        {
            "rate_per_kw_per_year",
            "rate_per_kw_per_month",
            "billing",
            "floor_kw",
            "measurement_minutes",
        },
    )
    rates = [k for k in ("rate_per_kw_per_year", "rate_per_kw_per_month") if k in table]
    if len(rates) != 1:
        problems.add(
            field, sorted(table), "exactly one of rate_per_kw_per_year or rate_per_kw_per_month"
        )
        return None
    rate = problems.number(table, rates[0], field, minimum=0.0)
    if table.get("billing", "month") != "month":
        problems.add(
            f"{field}.billing", table["billing"], "'month' (the only billing period supported)"
        )
    floor = problems.number(table, "floor_kw", field, default=0.0, minimum=0.0)
    minutes = table.get("measurement_minutes", 15)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 60:
        problems.add(f"{field}.measurement_minutes", minutes, "an integer number of minutes 1..60")
        minutes = 15
    if rate is None or floor is None:
        return None
    monthly = rate / 12.0 if rates[0] == "rate_per_kw_per_year" else rate
    return DemandRule(monthly, floor, int(minutes))


def parse_scheme(raw: dict, path: Path, series_dir: Path | None = None) -> Scheme:
    """Check a scheme table read from ``path`` and return the :class:`Scheme`.

    Raises
    ------
    ScenarioError
        Listing every problem, each naming its field; ``source`` is the file.
    """
    if series_dir is None:
        try:
            series_dir = data_dir("series")
        except (
            PlannerError
        ):  # no shipped series: a scheme's default series is then reported when used
            series_dir = Path(__file__).resolve().parent / "_data" / "series"
    problems = _Problems()
    problems.keys(
        raw,
        "",
        {
            "schema_version",
            "name",
            "title",
            "currency",
            "timezone",
            "valid_from",
            "sources",
            "notes",
            "unconfirmed",
            "standing_charge_per_day",
            "import",
            "export",
            "demand_charge",
        },
        {
            "schema_version",
            "name",
            "currency",
            "timezone",
            "valid_from",
            "sources",
            "standing_charge_per_day",
        },
    )
    if "schema_version" in raw and raw["schema_version"] != SCHEMA_VERSION:
        problems.add("schema_version", raw["schema_version"], f"{SCHEMA_VERSION}")
    name = problems.string(raw, "name", "")
    if name is not None and name != path.stem:
        problems.add("name", name, f"the file's name '{path.stem}'")
    currency = problems.string(raw, "currency", "")
    if currency is not None and not (
        len(currency) == 3 and currency.isalpha() and currency.isupper()
    ):
        problems.add("currency", currency, "an ISO 4217 code such as 'GBP'")
    timezone = problems.string(raw, "timezone", "")
    if timezone is not None:
        try:
            check_timezone(timezone, "timezone")
        except ScenarioError as exc:
            problems.issues.extend(exc.issues)
            timezone = None
    valid_from: _dt.date | None = None
    if "valid_from" in raw:
        value = raw["valid_from"]
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            valid_from = value
        else:
            try:
                valid_from = _dt.date.fromisoformat(str(value))
            except ValueError:
                problems.add("valid_from", value, "a date YYYY-MM-DD")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("sources", "unconfirmed"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(key, value, "a list of strings")
            value = []
        lists[key] = tuple(value)
    if "sources" in raw and not lists["sources"]:
        problems.add("sources", [], "at least one source")
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        problems.add("notes", notes, "a string")
        notes = ""
    standing = problems.number(raw, "standing_charge_per_day", "", minimum=0.0)
    if standing is not None and standing > MAX_STANDING_CHARGE_PER_DAY:
        problems.add(
            "standing_charge_per_day",
            standing,
            f"currency per day (at most {MAX_STANDING_CHARGE_PER_DAY:g}; this looks like pence)",
        )
    import_rule = (
        _parse_rule(raw["import"], "import", problems, series_dir) if "import" in raw else None
    )
    export_rule = (
        _parse_rule(raw["export"], "export", problems, series_dir) if "export" in raw else None
    )
    if "import" not in raw and "export" not in raw:
        problems.add("import", "missing", "an [import] or [export] table")
    demand_rule = (
        _parse_demand(raw["demand_charge"], "demand_charge", problems)
        if "demand_charge" in raw
        else None
    )
    if problems.issues:
        raise ScenarioError(problems.issues, source=str(path))
    return Scheme(
        name=name,
        title=str(raw.get("title", name)),
        currency=currency,
        timezone=timezone,  # type: ignore[arg-type]
        valid_from=valid_from,
        sources=lists["sources"],
        notes=notes,  # type: ignore[arg-type]
        unconfirmed=lists["unconfirmed"],
        standing_charge_per_day=standing,  # type: ignore[arg-type]
        import_rule=import_rule,
        export_rule=export_rule,
        demand_rule=demand_rule,
        path=path,
    )


def list_schemes() -> list[str]:
    """Names of the shipped schemes (``data/tariffs/*.toml``), sorted."""
    return sorted(p.stem for p in data_dir("tariffs").glob("*.toml"))


@lru_cache(maxsize=64)
def _load_path(path: str, mtime: float) -> Scheme:
    file = Path(path)
    try:
        with file.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue("file", path, f"valid TOML ({exc})")], source=path) from None
    return parse_scheme(raw, file)


def load_scheme(name_or_path: str | Path, field: str = "tariff.scheme") -> Scheme:
    """Load a scheme by shipped name (``"octopus-go"``) or from a ``.toml`` path.

    Raises
    ------
    ScenarioError
        For an unknown name, a missing file, or any problem in the file (naming the file and field).
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError([Issue(field, text, "an existing scheme file")])
    else:
        path = data_dir("tariffs") / f"{text}.toml"
        if not path.is_file():
            raise ScenarioError(
                [Issue(field, text, f"a known scheme (one of: {', '.join(list_schemes())})")]
            )
    resolved = path.resolve()
    return _load_path(str(resolved), resolved.stat().st_mtime)


# ================================================================================================
# Scenario [tariff] tables naming a scheme
# ================================================================================================

TARIFF_TABLE_KEYS = {
    "scheme": "name of a shipped scheme or path of a scheme file",
    "export_scheme": "scheme whose export prices replace the main scheme's (e.g. 'outgoing-fixed')",
    "import_series_csv": "price CSV replacing a series-based scheme's import series",
    "export_series_csv": "price CSV replacing a series-based scheme's export series",
    "wholesale_series_csv": "wholesale CSV replacing a formula-based scheme's W series",
    "fx_rate": "scheme currency per wholesale currency unit for formula-based schemes",
    "standing_charge_per_day": "replaces the scheme's standing charge [currency/day]",
    "month_peak_so_far_kw": "peak import already metered this billing month [kW]",
}


def tariff_from_table(
    table: dict,
    grid: TimeGrid,
    base_dir: Path,
    field: str = "tariff",
    currency: str | None = None,
) -> TariffSpec:
    """Prices for a scenario ``[tariff]`` table that names a scheme.

    Parameters
    ----------
    table : dict
        The ``[tariff]`` table: ``scheme`` plus the optional keys of :data:`TARIFF_TABLE_KEYS`.
    grid : TimeGrid
        The scenario's horizon.
    base_dir : pathlib.Path
        Folder that relative file names (series CSVs, scheme paths) are resolved against.
    field : str
        Name of the table in error messages.
    currency : str or None
        The scenario's currency; when given, the scheme must use it.

    Raises
    ------
    ScenarioError
        Listing every problem found in the table, or the first problem met while pricing.
    """
    problems = _Problems()
    problems.keys(table, field, set(TARIFF_TABLE_KEYS), {"scheme"})
    numbers: dict[str, float | None] = {}
    for key, minimum in (
        ("fx_rate", 0.0),
        ("standing_charge_per_day", 0.0),
        ("month_peak_so_far_kw", 0.0),
    ):
        numbers[key] = problems.number(table, key, field, minimum=minimum, required=False)
    files: dict[str, Path | None] = {}
    for key in ("import_series_csv", "export_series_csv", "wholesale_series_csv"):
        files[key] = (
            _series_file(table[key], f"{field}.{key}", base_dir, problems) if key in table else None
        )
    schemes: dict[str, Scheme | None] = {}
    for key in ("scheme", "export_scheme"):
        if key not in table:
            schemes[key] = None
            continue
        value = table[key]
        if not isinstance(value, str) or not value:
            problems.add(f"{field}.{key}", value, "a scheme name")
            schemes[key] = None
            continue
        target: str | Path = value
        if value.endswith(".toml") and not Path(value).is_absolute():
            target = base_dir / value
        try:
            schemes[key] = load_scheme(target, field=f"{field}.{key}")
        except ScenarioError as exc:
            # a problem inside a scheme file: name the file in the field, as callers may drop ``source``
            problems.issues.extend(_with_source(exc, f"{field}.{key}"))
            schemes[key] = None
    scheme = schemes["scheme"]
    if scheme is not None and currency is not None and scheme.currency != currency:
        problems.add(
            f"{field}.scheme",
            scheme.name,
            f"a scheme in the scenario's currency {currency} (it is in {scheme.currency})",
        )
    if problems.issues:
        raise ScenarioError(problems.issues)
    assert scheme is not None
    try:
        return scheme.prices(
            grid,
            import_series=files["import_series_csv"],
            export_series=files["export_series_csv"],
            wholesale_series=files["wholesale_series_csv"],
            fx_rate=numbers["fx_rate"],
            standing_charge_per_day=numbers["standing_charge_per_day"],
            month_peak_so_far_kw=numbers["month_peak_so_far_kw"],
            export_scheme=schemes["export_scheme"],
            field=field,
        )
    except ScenarioError as exc:
        raise ScenarioError(_with_source(exc, None), source=exc.source) from None


def _with_source(exc: ScenarioError, prefix: str | None) -> list[Issue]:
    """The issues of ``exc`` with its source file written into each field (``prefix[file].field``)."""
    if not exc.source:
        return list(exc.issues)
    name = exc.source
    out = []
    for issue in exc.issues:
        if prefix is None:
            out.append(Issue(f"{issue.field} [{name}]", issue.value, issue.expected))
        elif issue.field.startswith(prefix):
            out.append(issue)
        else:
            out.append(Issue(f"{prefix}[{name}].{issue.field}", issue.value, issue.expected))
    return out


# ================================================================================================
# Text for the command line (planner.cli prints it)
# ================================================================================================


def format_scheme_list() -> str:
    """One line per shipped scheme: name, currency, valid-from date and title."""
    lines = []
    for name in list_schemes():
        scheme = load_scheme(name)
        flag = " (some values unconfirmed)" if scheme.unconfirmed else ""
        lines.append(f"{name:<24} {scheme.currency}  {scheme.valid_from}  {scheme.title}{flag}")
    return "\n".join(lines)


def format_scheme_day(
    name_or_path: str | Path, date: str | None = None, step_minutes: int = 30
) -> str:
    """A scheme's description and, with ``date`` (YYYY-MM-DD), its prices for that local day."""
    scheme = load_scheme(name_or_path)
    rules = (
        ("import", scheme.import_rule),
        ("export", scheme.export_rule),
    )
    lines = [
        f"{scheme.name}: {scheme.title}",
        f"currency {scheme.currency}, wall-clock times in {scheme.timezone}, valid from {scheme.valid_from}",
        f"standing charge: {scheme.standing_charge_per_day:g} {scheme.currency}/day",
    ]
    for label, rule in rules:
        lines.append(f"{label}: {rule.describe() if rule is not None else 'none'}")
    if scheme.demand_rule is not None:
        d = scheme.demand_rule
        lines.append(
            f"demand charge: {d.rate_per_kw_per_month:g} {scheme.currency} per kW of monthly peak import "
            f"(at least {d.floor_kw:g} kW, metered over {d.measurement_minutes} min)"
        )
    if scheme.notes:
        lines.append(f"notes: {scheme.notes}")
    lines.append("sources: " + ", ".join(scheme.sources))
    for item in scheme.unconfirmed:
        lines.append(f"unconfirmed: {item}")
    if date is not None:
        if scheme.import_rule is None:
            grid = scheme.day_grid(date, step_minutes)
            clock = _Clock.of(grid, scheme.timezone)
            imp = np.full(grid.steps, np.nan)
            exp = scheme._rule_prices(scheme.export_rule, clock, None, None, None, "tariff.export")  # type: ignore[arg-type]
            frame = pd.DataFrame(
                {"import_price_per_kwh": imp, "export_price_per_kwh": exp}, index=grid.index
            )
            frame.attrs.update(standing_charge_cost=0.0, demand_charges=())
        else:
            frame = scheme.day_prices(date, step_minutes)
        lines.append(
            f"prices on {date} ({len(frame)} steps of {step_minutes} min, {scheme.currency}/kWh; "
            f"standing charge {frame.attrs['standing_charge_cost']:.4f} {scheme.currency})"
        )
        lines.append(f"  {'local start':<22} {'import':>9} {'export':>9}")
        for when, row in frame.iterrows():
            stamp = pd.Timestamp(when).strftime("%Y-%m-%d %H:%M %Z")  # type: ignore[arg-type]
            cells = [
                "-" if math.isnan(v) else f"{v:.4f}"
                for v in (row["import_price_per_kwh"], row["export_price_per_kwh"])
            ]
            lines.append(f"  {stamp:<22} {cells[0]:>9} {cells[1]:>9}")
        for charge in frame.attrs["demand_charges"]:
            lines.append(
                f"  demand charge {charge.name}: {charge.rate_per_kw:.4f} {scheme.currency} per kW of peak "
                f"(this day's share), at least {charge.floor_kw:g} kW"
            )
    return "\n".join(lines)
