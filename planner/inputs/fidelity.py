"""Energy-flow rules, session goals, reserve windows, limits on time at high SoC and charge-taper curves.

Frozen dataclasses of the scenario fields that refine how an asset may be used, and their readers (every
problem is collected by the scenario's :class:`~planner.inputs.reader.ScenarioReader`, naming the field,
the value and what was expected). The flow kinds are those of :mod:`planner.domain.flows`; the equations are in :mod:`planner.model.components.flow_rules`,
:mod:`planner.model.components.targets` and :mod:`planner.domain.taper`.

Units: energy [kWh], power [kW], time [h], SoC fractions of usable capacity in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from planner.fields import FieldReader


@dataclass(frozen=True)
class Goal:
    """An intermediate goal of a session: at least ``soc_kwh`` [kWh] by ``by`` (tz-aware, UTC)."""

    by: pd.Timestamp
    soc_kwh: float


@dataclass(frozen=True)
class ReserveWindow:
    """A backup reserve of ``soc_min_kwh`` [kWh] held from ``start`` to ``end`` (tz-aware, UTC), soft."""

    start: pd.Timestamp
    end: pd.Timestamp
    soc_min_kwh: float


@dataclass(frozen=True)
class HighSocLimit:
    """At most ``max_hours`` [h] of the horizon with the end-of-step SoC above ``above_kwh`` [kWh]; each hour
    more costs ``penalty_per_hour`` [currency/h]."""

    above_kwh: float
    max_hours: float
    penalty_per_hour: float


def read_kinds(r: FieldReader, table: Mapping[str, Any], key: str, where: str,
               allowed: Sequence[str]) -> tuple[str, ...]:
    """A list of flow kinds from ``table[key]`` (all of ``allowed`` when absent), each one of ``allowed``."""
    name = f"{where}.{key}"
    if key not in table:
        return tuple(allowed)
    value = table[key]
    expected = f"a list of {', '.join(repr(a) for a in allowed)} (may be empty)"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        r.add(name, value, expected)
        return tuple(allowed)
    unknown = [x for x in value if x not in allowed]
    if unknown:
        r.add(name, unknown[0], expected)
        return tuple(allowed)
    return tuple(a for a in allowed if a in value)


def read_taper(r: FieldReader, table: Mapping[str, Any], where: str) -> tuple[tuple[float, float], ...]:
    """``charge_taper``: points ``[soc_fraction, max_charge_kw]``, fractions rising in [0, 1] and the
    power concave in SoC (slopes never rising), so that the limit needs no binaries. Empty when absent."""
    name = f"{where}.charge_taper"
    if "charge_taper" not in table:
        return ()
    value = table["charge_taper"]
    expected = "a list of at least 2 [soc_fraction, max_charge_kw] pairs, fractions rising in [0, 1], kW >= 0"
    ok = isinstance(value, list) and len(value) >= 2 and all(
        isinstance(p, list | tuple) and len(p) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in p)
        for p in value
    )
    if not ok:
        r.add(name, value, expected)
        return ()
    points = tuple((float(x), float(y)) for x, y in value)
    xs = [x for x, _ in points]
    if xs[0] < 0 or xs[-1] > 1 or any(b <= a for a, b in zip(xs, xs[1:], strict=False)) or min(
            y for _, y in points) < 0:
        r.add(name, value, expected)
        return ()
    slopes = [(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False)]
    if any(b > a + 1e-9 for a, b in zip(slopes, slopes[1:], strict=False)):
        r.add(name, value, "a power concave in SoC (each segment's slope at most the previous one's), "
                           "as a constant-current / constant-voltage taper is")
        return ()
    return points


def read_high_soc(r: FieldReader, table: Mapping[str, Any], where: str, capacity_kwh: float) -> HighSocLimit | None:
    """``[<asset>.high_soc]``: ``above_kwh``, ``max_hours`` and ``penalty_per_hour`` (None when absent)."""
    if "high_soc" not in table:
        return None
    sub = table["high_soc"]
    w = f"{where}.high_soc"
    if not isinstance(sub, Mapping):
        r.add(w, sub, "a table with above_kwh, max_hours and penalty_per_hour")
        return None
    r.check_keys(sub, {"above_kwh", "max_hours", "penalty_per_hour"}, f"{w}.")
    hi = capacity_kwh if math.isfinite(capacity_kwh) else None
    above = r.number(sub, "above_kwh", w, required=True, minimum=0.0, maximum=hi, unit=" [kWh]")
    hours = r.number(sub, "max_hours", w, required=True, minimum=0.0, unit=" [h]")
    penalty = r.number(sub, "penalty_per_hour", w, 1.0, minimum=0.0, unit=" [currency/h]")
    return HighSocLimit(above, hours, penalty)


def read_reserves(r: Any, table: Mapping[str, Any], where: str) -> tuple[ReserveWindow, ...]:
    """``[[battery.reserve]]`` windows: ``from``, ``to`` (timestamps, ``from`` before ``to``) and
    ``soc_min_kwh``."""
    out = []
    for w, sub in r.tables(table, "reserve", where, "battery.reserve"):
        r.check_keys(sub, {"from", "to", "soc_min_kwh"}, f"{w}.")
        start, end = r.timestamp(sub, "from", w), r.timestamp(sub, "to", w)
        level = r.number(sub, "soc_min_kwh", w, required=True, minimum=0.0, unit=" [kWh]")
        if start is not None and end is not None:
            if end <= start:
                r.add(f"{w}.to", sub.get("to"), f"a time after from ({start.isoformat()})")
                continue
            out.append(ReserveWindow(start, end, level))
    return tuple(out)


def read_goals(r: Any, table: Mapping[str, Any], where: str, arrive: pd.Timestamp | None,
               depart: pd.Timestamp | None) -> tuple[Goal, ...]:
    """``[[vehicle.session.goal]]``: ``by`` (a time inside the session) and ``soc_kwh``; sorted by time."""
    out = []
    for w, sub in r.tables(table, "goal", where, "vehicle.session.goal"):
        r.check_keys(sub, {"by", "soc_kwh"}, f"{w}.")
        by = r.timestamp(sub, "by", w)
        level = r.number(sub, "soc_kwh", w, required=True, minimum=0.0, unit=" [kWh]")
        if by is None:
            continue
        if arrive is not None and depart is not None and not (arrive < by <= depart):
            r.add(f"{w}.by", sub.get("by"), f"a time after the arrival ({arrive.isoformat()}) and at or before "
                                            f"the departure ({depart.isoformat()})")
            continue
        out.append(Goal(by, level))
    return tuple(sorted(out, key=lambda g: g.by))


def read_efficiency(r: FieldReader, table: Mapping[str, Any], where: str) -> tuple[tuple[float, float], ...]:
    """``charge_efficiency``: measured ``[charge_kw, efficiency]`` points, powers rising and > 0, efficiencies
    in (0, 1] (see :mod:`planner.domain.efficiency`). Empty when absent."""
    if "charge_efficiency" not in table:
        return ()
    value = table["charge_efficiency"]
    expected = "a list of [charge_kw, efficiency] pairs, powers rising and > 0, efficiencies in (0, 1]"
    ok = isinstance(value, list) and len(value) >= 1 and all(
        isinstance(p, list | tuple) and len(p) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in p)
        for p in value
    )
    points = tuple((float(x), float(y)) for x, y in value) if ok else ()
    if not ok or points[0][0] <= 0 or any(b[0] <= a[0] for a, b in zip(points, points[1:], strict=False)) or any(
            not 0 < e <= 1 for _, e in points):
        r.add(f"{where}.charge_efficiency", value, expected)
        return ()
    return points
