"""Read a scenario: :func:`load_scenario` (a TOML file), :func:`scenario_from_toml` (TOML text, e.g. stdin)
and :func:`scenario_from_dict` (a parsed dictionary) give a validated :class:`~planner.inputs.specs.Scenario`.

The format is ``docs/scenario.md`` (``schema_version = 1``). Every problem found is collected into one
:class:`~planner.errors.ScenarioError`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from planner.domain.flows import EXPORT_FROM, IMPORT_TO
from planner.errors import Issue, ScenarioError
from planner.inputs.assets import check_chargers, read_battery, read_charger, read_vehicle
from planner.inputs.fidelity import read_kinds
from planner.inputs.grid_service import read_grid_service
from planner.inputs.reader import ScenarioReader
from planner.inputs.specs import (
    DEFAULT_SHORTFALL_PENALTY_PER_KWH,
    GRID_KEYS,
    HORIZON_KEYS,
    SCHEMA_VERSION,
    SERIES_KEYS,
    SOLAR_KEYS,
    TARIFF_ARRAY_KEYS,
    TOP_KEYS,
    GridSpec,
    Scenario,
)
from planner.inputs.tariffs import scheme as tariffs
from planner.inputs.tariffs.spec import TariffSpec
from planner.inputs.validate import asset_issues, check_scenario
from planner.timegrid import TimeGrid, check_timezone


def _read_horizon(r: ScenarioReader, raw: Mapping[str, Any]) -> TimeGrid | None:
    table = r.table(raw, "horizon")
    if not table:
        r.add("horizon", "missing", "a [horizon] table with start, hours, step_minutes, timezone")
        return None
    r.check_keys(table, HORIZON_KEYS, "horizon.")
    start = r.timestamp(table, "start", "horizon")
    step = table.get("step_minutes")
    if (
        isinstance(step, bool)
        or not isinstance(step, int | float)
        or not math.isfinite(step)
        or float(step) != int(step)
    ):
        r.add("horizon.step_minutes", step if step is not None else "missing", "a whole number of minutes (5-60)")
        step = None
    elif not 5 <= int(step) <= 60 or 60 % int(step) != 0:
        r.add("horizon.step_minutes", step, "one of 5, 10, 15, 20, 30, 60")
        step = None
    tz = table.get("timezone", "UTC")
    try:
        tz = check_timezone(tz)
    except ScenarioError as exc:
        r.issues.extend(exc.issues)
        tz = None
    if "hours" in table and "steps" in table:
        r.add("horizon.steps", table["steps"], "either hours or steps, not both")
        return None
    if start is None or step is None or tz is None:
        return None
    if "steps" in table:
        steps = table["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            r.add("horizon.steps", steps, "a positive whole number of steps")
            return None
        return TimeGrid(start, int(step), steps, tz)
    hours = r.number(table, "hours", "horizon", required=True, minimum=0.0, unit=" [h]")
    if not math.isfinite(hours):
        return None
    if hours <= 0 or hours > 24 * 31:
        r.add("horizon.hours", hours, "a horizon between one step and 31 days [h]")
        return None
    try:
        return TimeGrid.from_hours(start, hours, int(step), tz)
    except ScenarioError as exc:
        r.issues.extend(exc.issues)
        return None


def _read_tariff(r: ScenarioReader, raw: Mapping[str, Any], grid: TimeGrid) -> TariffSpec | None:
    table = r.table(raw, "tariff")
    if not table:
        r.add("tariff", "missing", "a [tariff] table with prices or a scheme")
        return None
    # HOOK: tariff scheme (a [tariff] table naming a scheme is resolved by planner.inputs.tariffs.scheme)
    if "scheme" in table:

        resolver = getattr(tariffs, "tariff_from_table", None)
        if resolver is None:
            r.add("tariff.scheme", table["scheme"], "explicit import/export prices (schemes unavailable)")
            return None
        try:
            currency = raw.get("currency") if isinstance(raw.get("currency"), str) else None
            spec = resolver(table, grid, r.base_dir, "tariff", currency=currency)
            r.notes.extend(spec.notes)
            return spec
        except ScenarioError as exc:
            r.issues.extend(exc.issues)
            return None
    r.check_keys(table, TARIFF_ARRAY_KEYS, "tariff.")
    imp = r.series(
        table, grid, "tariff", "import_price_per_kwh", "import_prices_csv", "import_price_column", True
    )
    exp = r.series(
        table, grid, "tariff", "export_price_per_kwh", "export_prices_csv", "export_price_column"
    )
    if exp is None and "export_price_per_kwh" not in table and "export_prices_csv" not in table:
        exp = np.zeros(grid.steps)
    standing = r.number(table, "standing_charge_per_day", "tariff", 0.0, unit=" [currency/day]")
    if imp is None or exp is None:
        return None
    return TariffSpec(imp, exp, standing * grid.hours / 24.0 if math.isfinite(standing) else 0.0)


def _read_profile(
    r: ScenarioReader, raw: Mapping[str, Any], key: str, grid: TimeGrid, allowed: set[str]
) -> tuple[np.ndarray, Mapping[str, Any]]:
    table = r.table(raw, key)
    r.check_keys(table, allowed, f"{key}.")
    values = r.series(table, grid, key)
    if values is None:
        values = np.zeros(grid.steps)
    if "kw" not in table and "csv" not in table:
        for factor in ("kwp", "scale"):
            if factor in table:  # a size without a profile would silently plan with zero
                r.add(f"{key}.{factor}", table[factor],
                      f"a profile to scale as well: '{key}.csv' (with 'column') or '{key}.kw'"
                      + (" in kW per kWp" if factor == "kwp" else ""))
    scale = r.number(table, "scale", key, 1.0)
    if "kwp" in table:
        scale *= r.number(table, "kwp", key, 1.0, minimum=0.0, unit=" [kWp]")
    if math.isfinite(scale):
        values = values * scale
    return values, table


def read_profile(raw: Mapping[str, Any], key: str, grid: TimeGrid, base_dir: Path | str) -> np.ndarray:
    """The ``[load]`` or ``[solar]`` profile of a parsed scenario on any grid [kW], one value per step.

    The same rules as when a scenario is read (list, constant or CSV; ``column``, ``scale``, ``kwp``), so a
    simulation can re-read a scenario's series over a longer period than its horizon.

    Raises
    ------
    ScenarioError
        Listing every problem of the table or its series over ``grid``.
    """
    r = ScenarioReader(Path(base_dir))
    values, _ = _read_profile(r, raw, key, grid, SOLAR_KEYS if key == "solar" else SERIES_KEYS)
    if r.issues:
        raise ScenarioError(r.issues)
    return values


def scenario_from_dict(
    raw: Mapping[str, Any], base_dir: Path | str = ".", source: str | None = None
) -> Scenario:
    """Build a validated :class:`Scenario` from a parsed scenario dictionary.

    Relative CSV paths resolve against ``base_dir``.

    Raises
    ------
    ScenarioError
        Listing every problem found.
    """

    r = ScenarioReader(Path(base_dir))
    if not isinstance(raw, Mapping):
        raise ScenarioError([Issue("scenario", raw, "a table")], source)
    r.check_keys(raw, TOP_KEYS, "")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        r.add("schema_version", version, f"{SCHEMA_VERSION}")
    name = r.string(raw, "name", "", "scenario")
    currency = r.string(raw, "currency", "", "GBP")
    penalty = r.number(
        raw, "shortfall_penalty_per_kwh", "", DEFAULT_SHORTFALL_PENALTY_PER_KWH, minimum=0.0
    )
    grid = _read_horizon(r, raw)
    gtable = r.table(raw, "grid")
    r.check_keys(gtable, GRID_KEYS, "grid.")
    connection = GridSpec(
        r.number(gtable, "import_limit_kw", "grid", math.inf, minimum=0.0, unit=" [kW]", unlimited=True),
        r.number(gtable, "export_limit_kw", "grid", math.inf, minimum=0.0, unit=" [kW]", unlimited=True),
        r.number(gtable, "phase_limit_kw", "grid", math.inf, minimum=0.0, unit=" [kW]", unlimited=True),
        read_kinds(r, gtable, "import_to", "grid", IMPORT_TO),
        read_kinds(r, gtable, "export_from", "grid", EXPORT_FROM),
    )
    batteries_raw = raw.get("battery", [])
    vehicles_raw = raw.get("vehicle", [])
    if isinstance(batteries_raw, Mapping):
        batteries_raw = [batteries_raw]
    if isinstance(vehicles_raw, Mapping):
        vehicles_raw = [vehicles_raw]
    if not isinstance(batteries_raw, list):
        r.add("battery", batteries_raw, "a list of [[battery]] tables")
        batteries_raw = []
    if not isinstance(vehicles_raw, list):
        r.add("vehicle", vehicles_raw, "a list of [[vehicle]] tables")
        vehicles_raw = []
    batteries = [x for i, raw_b in enumerate(batteries_raw) if (x := read_battery(r, raw_b, i))]
    vehicles = [x for i, raw_v in enumerate(vehicles_raw) if (x := read_vehicle(r, raw_v, i, grid))]
    chargers_raw = raw.get("charger", [])
    if isinstance(chargers_raw, Mapping):
        chargers_raw = [chargers_raw]
    if not isinstance(chargers_raw, list):
        r.add("charger", chargers_raw, "a list of [[charger]] tables")
        chargers_raw = []
    chargers = [x for i, raw_c in enumerate(chargers_raw) if (x := read_charger(r, raw_c, i))]
    check_chargers(r, chargers, vehicles)
    if grid is None:

        seen = {issue.field for issue in r.issues}
        more = [i for i in asset_issues(batteries, vehicles, connection, None) if i.field not in seen]
        raise ScenarioError(r.issues + more or [Issue("horizon", "missing", "a valid horizon")], source)
    tariff = _read_tariff(r, raw, grid)
    load, _ = _read_profile(r, raw, "load", grid, SERIES_KEYS)
    solar, solar_table = _read_profile(r, raw, "solar", grid, SOLAR_KEYS)
    curtailable = r.boolean(solar_table, "curtailable", "solar", True)
    service = read_grid_service(r, raw)
    if r.issues or tariff is None:
        # also list what is wrong with the assets themselves (fields already reported are not repeated)

        seen = {issue.field for issue in r.issues}
        more = [i for i in asset_issues(batteries, vehicles, connection, grid) if i.field not in seen]
        raise ScenarioError(r.issues + more or [Issue("tariff", "missing", "prices")], source)
    scenario = Scenario(
        name=name,
        currency=currency,
        grid=grid,
        connection=connection,
        tariff=tariff,
        load_kw=load,
        solar_kw=solar,
        batteries=tuple(batteries),
        vehicles=tuple(vehicles),
        chargers=tuple(chargers),
        solar_curtailable=curtailable,
        shortfall_penalty_per_kwh=penalty,
        notes=tuple(r.notes),
        source=source,
        grid_service=service,
    )
    issues = check_scenario(scenario)
    if issues:
        raise ScenarioError(issues, source)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (the format of ``docs/scenario.md``).

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid TOML, or holds any invalid value (all problems are listed).
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Issue("path", str(path), "an existing scenario file")], str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue("file", path.name, f"UTF-8 text ({exc})")], str(path)) from None
    return scenario_from_toml(text, path.parent, str(path))


def scenario_from_toml(text: str, base_dir: Path | str = ".", source: str = "<text>") -> Scenario:
    """Read and validate a scenario from TOML text (e.g. piped on stdin); CSV paths resolve against
    ``base_dir``."""
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue("file", source, f"valid TOML ({exc})")], source) from None
    return scenario_from_dict(raw, base_dir, source)
