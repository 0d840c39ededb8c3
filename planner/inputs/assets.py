"""Batteries, vehicles (with sessions) and chargers of a scenario, each filled from the catalogue when it
names a ``model``; explicit fields win."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from planner.domain.efficiency import best_efficiency, charge_curve
from planner.domain.flows import FLOW_SINKS, FLOW_SOURCES
from planner.domain.wear import wear_model_issues
from planner.errors import Issue, ScenarioError
from planner.inputs.catalogue import scenario_fields
from planner.inputs.fidelity import (
    read_efficiency,
    read_goals,
    read_high_soc,
    read_kinds,
    read_reserves,
    read_taper,
)
from planner.inputs.reader import ScenarioReader
from planner.inputs.session_source import (
    SessionSource,
    arrival_soc_kwh,
    read_sessions_csv,
    read_weekly,
)
from planner.inputs.specs import (
    BATTERY_KEYS,
    CHARGER_KEYS,
    CHARGER_PHASES,
    SESSION_KEYS,
    VEHICLE_KEYS,
    BatterySpec,
    ChargerSpec,
    SessionSpec,
    VehicleSpec,
)
from planner.timegrid import TimeGrid


def _merge_catalogue(r: ScenarioReader, table: Mapping[str, Any], where: str, kind: str) -> dict[str, Any]:
    """Fill fields from a catalogue entry named by ``model``; explicit fields win."""
    merged = dict(table)
    name = table.get("model")
    if name is None:
        return merged
    try:
        base = dict(scenario_fields(name, kind))
    except ScenarioError as exc:
        r.issues.extend(Issue(f"{where}.model", i.value, i.expected) for i in exc.issues)
        return merged
    for key, value in table.items():
        if key == "degradation" and isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def _degradation_issues(
    degradation: Mapping[str, Any], capacity_kwh: float, soc_upper_kwh: float, where: str
) -> list[Issue]:
    """Problems of an asset's ``[degradation]`` table (wear ``model`` plus its parameters)."""

    if not (math.isfinite(capacity_kwh) and math.isfinite(soc_upper_kwh)):
        return []
    return wear_model_issues(degradation, capacity_kwh, soc_upper_kwh, where)


def read_battery(r: ScenarioReader, table: Mapping[str, Any], i: int) -> BatterySpec | None:
    where = f"battery[{i}]"
    if not isinstance(table, Mapping):
        r.add(where, table, "a table")
        return None
    r.check_keys(table, BATTERY_KEYS, f"{where}.")
    table = _merge_catalogue(r, table, where, "battery")
    name = r.string(table, "name", where, f"battery{i}")
    cap = r.number(table, "capacity_kwh", where, required=True, minimum=0.0, unit=" [kWh]")
    soc = r.number(table, "soc_kwh", where, required=True, minimum=0.0, unit=" [kWh]")
    soc_min = r.number(table, "soc_min_kwh", where, 0.0, minimum=0.0, unit=" [kWh]")
    soc_max = r.number(table, "soc_max_kwh", where, cap, minimum=0.0, unit=" [kWh]")
    cmax = r.number(table, "charge_max_kw", where, required=True, minimum=0.0, unit=" [kW]")
    dmax = r.number(table, "discharge_max_kw", where, cmax, minimum=0.0, unit=" [kW]")
    etac = r.number(table, "eta_charge", where, 0.95, unit=" in (0, 1]")
    etad = r.number(table, "eta_discharge", where, 0.95, unit=" in (0, 1]")
    deg = r.number(table, "degradation_cost_per_kwh", where, 0.0, minimum=0.0, unit=" [currency/kWh]")
    end_min = r.number(table, "end_soc_min_kwh", where, soc, minimum=0.0, unit=" [kWh]")
    degradation = table.get("degradation", {})
    if not isinstance(degradation, Mapping):
        r.add(f"{where}.degradation", degradation, "a table")
        degradation = {}
    r.issues.extend(_degradation_issues(degradation, cap, max(soc_max, soc), f"{where}.degradation"))
    return BatterySpec(
        name, cap, soc, soc_min, soc_max, cmax, dmax, etac, etad, deg, end_min, dict(degradation),
        table.get("model"), _end_value(r, table, where), *_refinements(r, table, where, cap),
        read_reserves(r, table, where),
        r.number(table, "cycle_depth_kwh", where, 0.0, minimum=0.0, maximum=cap, unit=" [kWh]"),
        *_ramp(r, table, where),
    )


def read_vehicle(r: ScenarioReader, table: Mapping[str, Any], i: int, grid: TimeGrid | None = None) -> VehicleSpec | None:
    where = f"vehicle[{i}]"
    if not isinstance(table, Mapping):
        r.add(where, table, "a table")
        return None
    r.check_keys(table, VEHICLE_KEYS, f"{where}.")
    table = _merge_catalogue(r, table, where, "vehicle")
    name = r.string(table, "name", where, f"vehicle{i}")
    cap = r.number(table, "capacity_kwh", where, required=True, minimum=0.0, unit=" [kWh]")
    soc_min = r.number(table, "soc_min_kwh", where, 0.0, minimum=0.0, unit=" [kWh]")
    soc_max = r.number(table, "soc_max_kwh", where, cap, minimum=0.0, unit=" [kWh]")
    cmax = r.number(table, "charge_max_kw", where, required=True, minimum=0.0, unit=" [kW]")
    cmin = r.number(table, "charge_min_kw", where, 0.0, minimum=0.0, unit=" [kW]")
    v2g = r.boolean(table, "v2g", where, False)
    curve = read_efficiency(r, table, where)
    if curve and math.isfinite(cmax):  # the curve decides the efficiency; the charger runs within it
        floor_kw = charge_curve(curve, cmax).min_kw
        if floor_kw > cmin:
            r.notes.append(f"{where}.charge_min_kw raised to {floor_kw:g} kW, the lowest power of its "
                           "charge_efficiency curve (its charger has a fixed overhead)")
            cmin = floor_kw
    dmax = r.number(table, "discharge_max_kw", where, cmax if v2g else 0.0, minimum=0.0, unit=" [kW]")
    etac = r.number(table, "eta_charge", where, 0.92, unit=" in (0, 1]")
    if curve:
        etac = best_efficiency(curve)
    etad = r.number(table, "eta_discharge", where, 0.92, unit=" in (0, 1]")
    deg = r.number(table, "degradation_cost_per_kwh", where, 0.0, minimum=0.0, unit=" [currency/kWh]")
    penalty = None
    if "shortfall_penalty_per_kwh" in table:
        penalty = r.number(table, "shortfall_penalty_per_kwh", where, minimum=0.0, unit=" [currency/kWh]")
    default_charger = None
    if "charger" in table:
        default_charger = r.string(table, "charger", where, "")
    raw_sessions = table.get("session", [])
    if isinstance(raw_sessions, Mapping):
        raw_sessions = [raw_sessions]
    if not isinstance(raw_sessions, list):
        r.add(f"{where}.session", raw_sessions, "a list of [[vehicle.session]] tables")
        raw_sessions = []
    sessions = []
    for j, s in enumerate(raw_sessions):
        sw = f"{where}.session[{j}]"
        if not isinstance(s, Mapping):
            r.add(sw, s, "a table")
            continue
        r.check_keys(s, SESSION_KEYS, f"{sw}.")
        arrive = r.timestamp(s, "arrive", sw)
        depart = r.timestamp(s, "depart", sw)
        a_soc = r.number(s, "arrive_soc_kwh", sw, required=True, minimum=0.0, unit=" [kWh]")
        d_soc = r.number(s, "depart_soc_min_kwh", sw, required=True, minimum=0.0, unit=" [kWh]")
        charger = r.string(s, "charger", sw, "") if "charger" in s else default_charger
        goals = read_goals(r, s, sw, arrive, depart)
        depth = r.number(s, "cycle_depth_kwh", sw, 0.0, minimum=0.0, maximum=cap, unit=" [kWh]")
        if arrive is not None and depart is not None:
            sessions.append(SessionSpec(arrive, depart, a_soc, d_soc, charger, goals, depth))
    source = None
    km_per_kwh = None
    if "km_per_kwh" in table:
        km_per_kwh = r.number(table, "km_per_kwh", where, minimum=0.1, maximum=50.0, unit=" [km/kWh]")
        km_per_kwh = km_per_kwh if math.isfinite(km_per_kwh) else None
    if "sessions_csv" in table or "weekly" in table:  # sessions for a long period: those in the horizon
        rows = (read_sessions_csv(r, table["sessions_csv"], where, r.base_dir, km_per_kwh)
                if "sessions_csv" in table else ())
        source = SessionSource(rows, read_weekly(r, table, where, km_per_kwh),
                               grid.timezone if grid is not None else "UTC")
        if grid is not None:
            sessions += [SessionSpec(s.arrive, s.depart, arrival_soc_kwh(source, s), s.depart_soc_min_kwh,
                                     s.charger or default_charger) for s in source.between(grid.start, grid.end)]
    degradation = table.get("degradation", {})
    if not isinstance(degradation, Mapping):
        r.add(f"{where}.degradation", degradation, "a table")
        degradation = {}
    soc_upper = max([soc_max, *(s.arrive_soc_kwh for s in sessions)])
    r.issues.extend(_degradation_issues(degradation, cap, soc_upper, f"{where}.degradation"))
    spec = VehicleSpec(
        name, cap, soc_min, soc_max, cmax, cmin, dmax, etac, etad, v2g, deg,
        tuple(sorted(sessions, key=lambda s: s.arrive)), penalty, dict(degradation), table.get("model"),
        _end_value(r, table, where), curve, *_refinements(r, table, where, cap),
    )
    spec = replace(spec, km_per_kwh=km_per_kwh,
                   **dict(zip(("ramp_penalty_per_kw", "ramp_from_kw"), _ramp(r, table, where), strict=True)))
    if default_charger is not None:
        spec = replace(spec, charger=default_charger)
    return replace(spec, session_source=source) if source is not None else spec


def _refinements(r: ScenarioReader, table: Mapping[str, Any], where: str, capacity_kwh: float) -> tuple:
    """``charge_from``, ``discharge_to``, ``charge_taper`` and ``high_soc`` of a storage asset's table, in the
    spec's field order (:mod:`planner.inputs.fidelity`)."""
    return (
        read_kinds(r, table, "charge_from", where, FLOW_SOURCES),
        read_kinds(r, table, "discharge_to", where, FLOW_SINKS),
        read_taper(r, table, where),
        read_high_soc(r, table, where, capacity_kwh),
    )


def _ramp(r: ScenarioReader, table: Mapping[str, Any], where: str) -> tuple[float, float | None]:
    """``ramp_penalty_per_kw`` (>= 0, default 0) and ``ramp_from_kw`` (None when absent) of an asset table."""
    rate = r.number(table, "ramp_penalty_per_kw", where, 0.0, minimum=0.0, unit=" [currency/kW]")
    start = None
    if "ramp_from_kw" in table:
        start = r.number(table, "ramp_from_kw", where, unit=" [kW, + = charging]")
    return rate, start


def _end_value(r: ScenarioReader, table: Mapping[str, Any], where: str) -> float | None:
    """``end_value_per_kwh`` of an asset table: a price >= 0, or None (absent: the default rule)."""
    if "end_value_per_kwh" not in table:
        return None
    return r.number(table, "end_value_per_kwh", where, minimum=0.0, maximum=20.0, unit=" [currency/kWh]")


def read_charger(r: ScenarioReader, table: Mapping[str, Any], i: int) -> ChargerSpec | None:
    where = f"charger[{i}]"
    if not isinstance(table, Mapping):
        r.add(where, table, "a table")
        return None
    r.check_keys(table, CHARGER_KEYS, f"{where}.")
    table = _merge_catalogue(r, table, where, "charger")
    if "bidirectional" not in table and isinstance(table.get("v2g"), bool):
        table["bidirectional"] = table["v2g"]  # catalogue entries call it v2g
    name = r.string(table, "name", where, None)
    cmax = r.number(table, "charge_max_kw", where, required=True, minimum=0.0, unit=" [kW]")
    cmin = r.number(table, "charge_min_kw", where, 0.0, minimum=0.0, unit=" [kW]")
    bidirectional = r.boolean(table, "bidirectional", where, False)
    dmax = r.number(
        table, "discharge_max_kw", where, cmax if bidirectional else 0.0, minimum=0.0, unit=" [kW]"
    )
    phase = r.string(table, "phase", where, "L1L2L3")
    if phase not in CHARGER_PHASES:
        r.add(f"{where}.phase", phase, f"one of {', '.join(CHARGER_PHASES)}")
    if math.isfinite(cmin) and math.isfinite(cmax) and cmin > cmax:
        r.add(f"{where}.charge_min_kw", cmin, f"<= charge_max_kw ({cmax:g} kW)")
    return ChargerSpec(name, cmax, cmin, dmax, bidirectional, phase, table.get("model"))


def check_chargers(r: ScenarioReader, chargers: list[ChargerSpec], vehicles: list[VehicleSpec]) -> None:
    """Unique charger names, known charger references, and one vehicle per charger at a time."""
    names: set[str] = set()
    for i, c in enumerate(chargers):
        if c.name in names:
            r.add(f"charger[{i}].name", c.name, "a name unique among chargers")
        names.add(c.name)
    booked: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, str]]] = {}
    for i, v in enumerate(vehicles):
        for j, s in enumerate(v.sessions):
            if s.charger is None:
                continue
            if s.charger not in names:
                known = ", ".join(sorted(names)) or "none declared"
                r.add(f"vehicle[{i}].session[{j}].charger", s.charger, f"a declared [[charger]] ({known})")
                continue
            for arrive, depart, other in booked.get(s.charger, []):
                if s.arrive < depart and arrive < s.depart:
                    r.add(
                        f"vehicle[{i}].session[{j}].charger",
                        s.charger,
                        f"a charger free from {s.arrive.isoformat()} to {s.depart.isoformat()} "
                        f"(already used by {other} from {arrive.isoformat()} to {depart.isoformat()})",
                    )
                    break
            booked.setdefault(s.charger, []).append((s.arrive, s.depart, v.name))
