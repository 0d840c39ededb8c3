"""A scheme: its import and export rules, standing charge and demand charges, resolved on a grid into a
:class:`~planner.inputs.tariffs.spec.TariffSpec`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.inputs.tariffs.clock import Clock, local_midnight, minutes_between
from planner.inputs.tariffs.dated import piecewise, piecewise_sum, stale_notes
from planner.inputs.tariffs.rules import (
    DemandRule,
    FlatRule,
    FormulaRule,
    PriceRule,
    SeriesRule,
    WindowRule,
)
from planner.inputs.tariffs.series import align, resolve_series
from planner.inputs.tariffs.spec import DemandCharge, TariffSpec
from planner.timegrid import TimeGrid

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
    valid_to : datetime.date or None
        Last date the figures apply (inclusive); None: until changed.
    versions : tuple of Scheme
        Dated versions of the rates (:mod:`planner.inputs.tariffs.dated`), sorted by ``valid_from``; empty:
        one set of rates.
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
    valid_to: _dt.date | None = None
    versions: tuple[Scheme, ...] = ()
    ev_charge_price_per_kwh: float | None = None
    """What a car's charging is billed at instead of the import price [currency/kWh] (the supplier credits
    the difference on the charger's net kWh, as in OVO Charge Anytime or Octopus Power Pack); None: no
    separate EV rate."""

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
        import_price = piecewise(self, grid, lambda v, c: v._rule_prices(
            v.import_rule, c, import_series, wholesale_series, fx_rate, f"{field}.import"))
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
            export_price = piecewise(export_scheme, grid, lambda v, c: v._rule_prices(
                v.export_rule, c, export_series, None, None, f"{field}.export"))
        elif self.export_rule is not None:
            export_price = piecewise(self, grid, lambda v, c: v._rule_prices(
                v.export_rule, c, export_series, wholesale_series, fx_rate, f"{field}.export"))
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
        standing = piecewise_sum(self, grid, lambda v, c: standing_charge_for(c, float(
            v.standing_charge_per_day if standing_charge_per_day is None else standing_charge_per_day)))
        if export_scheme is not None:
            standing += piecewise_sum(export_scheme, grid,
                                      lambda v, c: standing_charge_for(c, v.standing_charge_per_day))
        demand: tuple[DemandCharge, ...] = ()
        if self.demand_rule is not None:
            demand = demand_charges_for(Clock.of(grid, self.timezone), self.demand_rule, month_peak_so_far_kw)
        return TariffSpec(
            import_price_per_kwh=import_price,
            export_price_per_kwh=export_price,
            standing_charge_cost=standing,
            demand_charges=demand,
            scheme=self.name if export_scheme is None else f"{self.name}+{export_scheme.name}",
            notes=stale_notes(self, grid) + (stale_notes(export_scheme, grid) if export_scheme else ()),
            ev_charge_price_per_kwh=self._ev_prices(grid, import_price),
        )

    def _ev_prices(self, grid: TimeGrid, import_price: np.ndarray) -> np.ndarray | None:
        """The EV charging rate per step (the import price where the rates in force have none); None when no
        version of the scheme has one."""
        if all(v.ev_charge_price_per_kwh is None for v in (self.versions or (self,))):
            return None
        ev = piecewise(self, grid, lambda v, c: np.full(
            c.grid.steps, np.nan if v.ev_charge_price_per_kwh is None else v.ev_charge_price_per_kwh))
        return np.where(np.isnan(ev), import_price, ev)

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
