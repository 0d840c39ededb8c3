"""The parts of a scheme file: times, days, months, windows and their coverage, series files, price rules
and demand charges, each checked with every problem collected (format in ``docs/tariffs.md``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from planner.fields import FieldReader
from planner.inputs.paths import resolve_data_path
from planner.inputs.tariffs.rules import (
    DAY_GROUPS,
    DAY_NAMES,
    MINUTES_PER_DAY,
    MONTH_NAMES,
    DemandRule,
    FlatRule,
    FormulaRule,
    PriceRule,
    SeriesRule,
    Window,
    WindowRule,
    hhmm,
)
from planner.inputs.tariffs.series import MAX_PRICE_PER_KWH

# ---- loading and validation ---------------------------------------------------------------------------


class Problems(FieldReader):
    """The typed-field reader of a scheme file (:class:`planner.fields.FieldReader`): unknown keys get the
    same did-you-mean as a scenario's; prices are checked for pence and per-MWh values."""

    def keys(self, table: dict, field: str, allowed: set[str], required: set[str] = frozenset()) -> None:
        """Record unknown keys of ``table`` (at ``field``) and missing ``required`` ones."""
        self.check_keys(table, allowed, f"{field}." if field else "", required)

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
                self.add(path, "missing", "a number")
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
                self.add(path, "missing", "a string")
            return None
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.add(path, value, "a non-empty string")
            return None
        return value


def parse_time(value: object, field: str, problems: Problems, allow_24: bool) -> int | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        problems.add(field, value, "a wall-clock time 'HH:MM'")
        return None
    try:
        hours, minutes = int(value[:2]), int(value[3:])
    except ValueError:
        problems.add(field, value, "a wall-clock time 'HH:MM'")
        return None
    total = hours * 60 + minutes
    limit = MINUTES_PER_DAY if allow_24 else MINUTES_PER_DAY - 1
    if minutes >= 60 or total > limit:
        problems.add(field, value, "a time from 00:00 to " + ("24:00" if allow_24 else "23:59"))
        return None
    return total


def parse_days(value: object, field: str, problems: Problems) -> frozenset[int]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.add(field, value, "a list of day names (mon..sun, weekday, weekend, all)")
        return DAY_GROUPS["all"]
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str) or item.lower() not in DAY_GROUPS:
            problems.add(field, item, "a day name (mon..sun, weekday, weekend, all)")
            continue
        days |= DAY_GROUPS[item.lower()]
    return frozenset(days)


def parse_months(value: object, field: str, problems: Problems) -> frozenset[int]:
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


def parse_window(table: object, field: str, problems: Problems, value_key: str) -> Window | None:
    if not isinstance(table, dict):
        problems.add(field, table, "a table with start, end and " + value_key)
        return None
    problems.keys(
        table, field, {"start", "end", value_key, "days", "months"}, {"start", "end", value_key}
    )
    start = (
        parse_time(table.get("start"), f"{field}.start", problems, allow_24=False)
        if "start" in table
        else None
    )
    end = (
        parse_time(table.get("end"), f"{field}.end", problems, allow_24=True)
        if "end" in table
        else None
    )
    value = problems.number(table, value_key, field, price=True, required=False)
    days = (
        parse_days(table["days"], f"{field}.days", problems)
        if "days" in table
        else DAY_GROUPS["all"]
    )
    months = (
        parse_months(table["months"], f"{field}.months", problems)
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


def check_coverage(windows: list[Window], field: str, problems: Problems, complete: bool) -> None:
    """Every minute of every (month, weekday) covered by exactly one window (or at most one if not complete)."""
    count = np.zeros((12, 7, MINUTES_PER_DAY), dtype=np.int16)
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
        while run_end < MINUTES_PER_DAY and bad[month, day, run_end]:
            run_end += 1
        where = f"{hhmm(minute)}-{hhmm(run_end)} on {DAY_NAMES[day]} in {MONTH_NAMES[month]}"
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


def series_file(
    value: object, field: str, base_dir: Path, problems: Problems, must_exist: bool = True
) -> Path | None:
    if not isinstance(value, str) or not value:
        problems.add(field, value, "a CSV file name")
        return None
    path = resolve_data_path(value, base_dir)
    if must_exist and not path.is_file():
        problems.add(field, value, f"an existing CSV file (looked in {base_dir})")
        return None
    return path


def unit_is_mwh(
    table: dict, key: str, column: str | None, field: str, problems: Problems
) -> bool:
    if key in table:
        unit = table[key]
        if unit not in ("per_kwh", "per_mwh"):
            problems.add(f"{field}.{key}", unit, "'per_kwh' or 'per_mwh'")
            return False
        return unit == "per_mwh"
    return bool(column and column.endswith("_per_mwh"))


def parse_rule(
    table: object, field: str, problems: Problems, series_dir: Path
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
            parse_window(item, f"{field}.window[{i}]", problems, "price_per_kwh")
            for i, item in enumerate(raw)
        ]
        good = [w for w in windows if w is not None]
        if len(good) == len(windows):
            check_coverage(good, f"{field}.window", problems, complete=True)
        return WindowRule(tuple(good))
    if kind == "series":
        sub = table["series"]
        sfield = f"{field}.series"
        if not isinstance(sub, dict):
            problems.add(sfield, sub, "a table with file and column")
            return None
        problems.keys(sub, sfield, {"file", "column", "unit"}, {"file"})
        path = (
            series_file(sub.get("file"), f"{sfield}.file", series_dir, problems, must_exist=False)
            if "file" in sub
            else None
        )
        column = problems.string(sub, "column", sfield, required=False)
        per_mwh = unit_is_mwh(sub, "unit", column, sfield, problems)
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
        series_file(
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
    per_mwh = unit_is_mwh(sub, "wholesale_unit", column, ffield, problems)
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
                parse_window(item, f"{ffield}.adder_window[{i}]", problems, "adder_per_kwh")
                for i, item in enumerate(raw)
            ]
            adder_windows = [w for w in parsed if w is not None]
            check_coverage(adder_windows, f"{ffield}.adder_window", problems, complete=False)
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


def parse_demand(table: object, field: str, problems: Problems) -> DemandRule | None:
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
