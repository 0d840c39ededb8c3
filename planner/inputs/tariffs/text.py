"""Text for the command line (``planner.cli.main`` prints it): the list of shipped schemes and one scheme's
description with its prices for a local day.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.inputs.tariffs.clock import Clock
from planner.inputs.tariffs.dated import validity, version_on
from planner.inputs.tariffs.files import list_schemes, load_scheme


def format_scheme_list() -> str:
    """One line per shipped scheme: name, currency, the dates its rates are stated for, and title."""
    lines = []
    for name in list_schemes():
        scheme = load_scheme(name)
        flag = " (some values unconfirmed)" if scheme.unconfirmed else ""
        lines.append(f"{name:<24} {scheme.currency}  {validity(scheme):<24}  {scheme.title}{flag}")
    return "\n".join(lines)


def format_scheme_day(
    name_or_path: str | Path, date: str | None = None, step_minutes: int = 30
) -> str:
    """A scheme's description and, with ``date`` (YYYY-MM-DD), its prices for that local day.

    Raises
    ------
    ScenarioError
        For an unknown scheme, a bad date, or a ``step_minutes`` outside 1-60 or not dividing a day.
    """
    if isinstance(step_minutes, bool) or not isinstance(step_minutes, int) or not 1 <= step_minutes <= 60 \
            or 1440 % step_minutes:
        raise ScenarioError([Issue("--step-minutes", step_minutes, "whole minutes from 1 to 60 that divide a day")])
    top = load_scheme(name_or_path)
    scheme = top
    if date is not None:
        try:
            day = pd.Timestamp(str(date)).date()
        except ValueError:
            raise ScenarioError([Issue("--date", date, "a date YYYY-MM-DD")]) from None
        scheme = version_on(top, day)[0]  # the rates in force that day
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
    if scheme.ev_charge_price_per_kwh is not None:
        lines.append(f"EV charging: {scheme.ev_charge_price_per_kwh:g} {scheme.currency}/kWh (a credit on each "
                     "charger's net kWh at the import price minus this)")
    if scheme.demand_rule is not None:
        d = scheme.demand_rule
        lines.append(
            f"demand charge: {d.rate_per_kw_per_month:g} {scheme.currency} per kW of monthly peak import "
            f"(at least {d.floor_kw:g} kW, metered over {d.measurement_minutes} min)"
        )
    if top.versions:
        lines.append(f"dated rates ({len(top.versions)} sets; a date between or after them keeps the rates before it):")
        for v in top.versions:
            parts = [f"{label} {rule.describe()}" for label, rule in (("import", v.import_rule), ("export", v.export_rule))
                     if rule is not None]
            if v.ev_charge_price_per_kwh is not None:
                parts.append(f"EV charging {v.ev_charge_price_per_kwh:g} per kWh")
            lines.append(f"  {v.valid_from} to {v.valid_to or '...'}: standing {v.standing_charge_per_day:g}/day; "
                         + "; ".join(parts))
    if scheme.notes:
        lines.append(f"notes: {scheme.notes}")
    lines.append("sources: " + ", ".join(scheme.sources))
    for item in scheme.unconfirmed:
        lines.append(f"unconfirmed: {item}")
    if date is not None:
        if scheme.import_rule is None:
            grid = scheme.day_grid(date, step_minutes)
            clock = Clock.of(grid, scheme.timezone)
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
