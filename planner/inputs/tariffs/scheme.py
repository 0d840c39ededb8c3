"""Tariffs: per-step import/export prices and fixed/demand charges on a :class:`TimeGrid`.

Sign conventions: prices are currency per kWh; an import price is what the site pays per kWh imported, an
export price is what it is paid per kWh exported. Negative prices pass through unchanged.

This module is the public face of tariffs; every name below is importable from it:

- :class:`TariffSpec` and :class:`DemandCharge`: the prices and charges of one horizon, read by the model
  (defined in :mod:`planner.inputs.tariffs.spec`);
- scheme files (``data/tariffs/*.toml``, format in ``docs/tariffs.md``): :func:`load_scheme`,
  :func:`list_schemes`, :func:`data_dir` and :func:`parse_scheme` (in :mod:`planner.inputs.tariffs.files`);
  :class:`Scheme` with :meth:`Scheme.prices` (prices on any grid, windows in the scheme's local
  wall-clock time through clock changes, a step priced by the time-weighted mean of the price over it),
  the standing charge per covered local day and demand charges per billing month (in
  :mod:`planner.inputs.tariffs.rules`); price-series files (in :mod:`planner.inputs.tariffs.series`);
- :func:`tariff_from_table`: a scenario's ``[tariff]`` table naming a scheme;
- :func:`demand_charge_cost`: the demand charges of a schedule (for plans built without the MILP);
- :func:`format_scheme_list` and :func:`format_scheme_day`: text for the command line (in
  :mod:`planner.inputs.tariffs.text`).

The tariff modules import one way: :mod:`planner.inputs.tariffs.spec` and :mod:`planner.inputs.tariffs.series` import no
other tariff module, :mod:`planner.inputs.tariffs.rules` imports those two, :mod:`planner.inputs.tariffs.files` imports
rules and series, :mod:`planner.inputs.tariffs.text` imports files and rules, and this module imports them all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.errors import Issue, ScenarioError
from planner.inputs.tariffs.definition import Scheme, demand_charges_for, standing_charge_for
from planner.inputs.tariffs.files import (
    MAX_STANDING_CHARGE_PER_DAY,
    SCHEMA_VERSION,
    data_dir,
    list_schemes,
    load_scheme,
    parse_scheme,
)
from planner.inputs.tariffs.parsing import Problems, series_file
from planner.inputs.tariffs.rules import (
    DemandRule,
    FlatRule,
    FormulaRule,
    PriceRule,
    SeriesRule,
    Window,
    WindowRule,
)
from planner.inputs.tariffs.series import (
    MAX_PRICE_PER_KWH,
    MIN_MEDIAN_PER_MWH,
    read_price_series,
)
from planner.inputs.tariffs.spec import DemandCharge, TariffSpec
from planner.inputs.tariffs.text import format_scheme_day, format_scheme_list
from planner.timegrid import TimeGrid

__all__ = [
    "MAX_PRICE_PER_KWH",
    "MAX_STANDING_CHARGE_PER_DAY",
    "MIN_MEDIAN_PER_MWH",
    "SCHEMA_VERSION",
    "TARIFF_TABLE_KEYS",
    "DemandCharge",
    "DemandRule",
    "FlatRule",
    "FormulaRule",
    "PriceRule",
    "Scheme",
    "SeriesRule",
    "TariffSpec",
    "Window",
    "WindowRule",
    "data_dir",
    "demand_charge_cost",
    "demand_charges_for",
    "format_scheme_day",
    "format_scheme_list",
    "list_schemes",
    "load_scheme",
    "parse_scheme",
    "read_price_series",
    "standing_charge_for",
    "tariff_from_table",
]


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
    problems = Problems()
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
            series_file(table[key], f"{field}.{key}", base_dir, problems) if key in table else None
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
    key = (
        id(scheme),
        id(schemes["export_scheme"]),
        grid,
        tuple(_file_stamp(f) for f in files.values()),
        tuple(numbers.values()),
        field,
    )
    cached = _PRICES_CACHE.get(key)
    if cached is not None and cached[0] is scheme and cached[1] is schemes["export_scheme"]:
        return _copy_spec(cached[2])
    try:
        spec = scheme.prices(
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
    if len(_PRICES_CACHE) >= _PRICES_CACHE_MAX:
        _PRICES_CACHE.clear()
    _PRICES_CACHE[key] = (scheme, schemes["export_scheme"], spec)
    return _copy_spec(spec)


_PRICES_CACHE: dict[tuple, tuple] = {}
_PRICES_CACHE_MAX = 256
"""Priced horizons by (scheme, export scheme, grid, series files and their stamps, options): the many sites
of a batch share a scheme and a horizon, so each is priced once per process. Schemes are themselves cached
by path and modification time, so an edited scheme file gives a new scheme object and a new key."""


def _file_stamp(path: Path | None) -> tuple[str, int, int] | None:
    if path is None:
        return None
    st = Path(path).stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def _copy_spec(spec: TariffSpec) -> TariffSpec:
    """A copy whose arrays the caller may change without touching the cache."""
    from dataclasses import replace

    return replace(
        spec,
        import_price_per_kwh=spec.import_price_per_kwh.copy(),
        export_price_per_kwh=spec.export_price_per_kwh.copy(),
    )


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
