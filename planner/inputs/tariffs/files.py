"""Scheme files (``data/tariffs/*.toml``, format in ``docs/tariffs.md``): where shipped data lives,
checking a scheme table field by field (every problem named by its field), and loading a scheme by
shipped name or path.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from functools import lru_cache
from pathlib import Path

from planner.errors import Issue, PlannerError, ScenarioError
from planner.inputs.paths import data_dir
from planner.inputs.tariffs.dated import RATES_KEYS, merged_rates
from planner.inputs.tariffs.definition import Scheme
from planner.inputs.tariffs.parsing import Problems, parse_demand, parse_rule
from planner.timegrid import check_timezone

SCHEMA_VERSION = 1
MAX_STANDING_CHARGE_PER_DAY = 20.0
"""Largest plausible standing charge [currency/day]; a larger value is taken for pence."""


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
            series_dir = Path(__file__).resolve().parents[2] / "_data" / "series"
    problems = Problems()
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
            "valid_to",
            "rates",
            "sources",
            "notes",
            "unconfirmed",
            "standing_charge_per_day",
            "ev_charge_price_per_kwh",
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
    valid_from = _date(raw, "valid_from", problems)
    valid_to = _date(raw, "valid_to", problems)
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        problems.add("valid_to", str(valid_to), f"a date on or after valid_from {valid_from}")
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
    ev_price = (problems.number(raw, "ev_charge_price_per_kwh", "", minimum=0.0)
                if "ev_charge_price_per_kwh" in raw else None)
    import_rule = (
        parse_rule(raw["import"], "import", problems, series_dir) if "import" in raw else None
    )
    export_rule = (
        parse_rule(raw["export"], "export", problems, series_dir) if "export" in raw else None
    )
    if "import" not in raw and "export" not in raw:
        problems.add("import", "missing", "an [import] or [export] table")
    demand_rule = (
        parse_demand(raw["demand_charge"], "demand_charge", problems)
        if "demand_charge" in raw
        else None
    )
    versions = _versions(raw, path, series_dir, problems) if "rates" in raw else ()
    if versions and demand_rule is not None:
        problems.add("rates", "dated rates", "no [demand_charge] in a scheme with dated rates")
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
        valid_to=valid_to,
        versions=versions,
        ev_charge_price_per_kwh=ev_price,
    )


def _date(raw: dict, key: str, problems: Problems) -> _dt.date | None:
    if key not in raw:
        return None
    value = raw[key]
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(key, value, "a date YYYY-MM-DD")
        return None


def _versions(raw: dict, path: Path, series_dir: Path, problems: Problems) -> tuple[Scheme, ...]:
    """The dated versions of a scheme: its top level and each ``[[rates]]`` table
    (:mod:`planner.inputs.tariffs.dated`), sorted by ``valid_from``, none overlapping."""
    entries = raw["rates"]
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        problems.add("rates", entries, "a list of [[rates]] tables")
        return ()
    top = {k: v for k, v in raw.items() if k not in ("rates",)}
    tables = [("", top)]
    for i, entry in enumerate(entries):
        problems.keys(entry, f"rates[{i}]", RATES_KEYS, {"valid_from"})
        tables.append((f"rates[{i}].", merged_rates(raw, entry)))
    versions = []
    for prefix, table in tables:
        try:
            versions.append(parse_scheme(table, path, series_dir))
        except ScenarioError as exc:
            for issue in exc.issues:
                problems.add(prefix + issue.field, issue.value, issue.expected)
    versions.sort(key=lambda v: v.valid_from or _dt.date.min)
    for before, after in zip(versions, versions[1:], strict=False):
        if before.valid_to is not None and before.valid_to >= after.valid_from:
            problems.add("rates.valid_from", str(after.valid_from),
                         f"a date after {before.valid_to}, the end of the rates valid from {before.valid_from}")
        elif before.valid_from == after.valid_from:
            problems.add("rates.valid_from", str(after.valid_from), "one set of rates per valid_from date")
    return tuple(versions)


def list_schemes() -> list[str]:
    """Names of the shipped schemes (``data/tariffs/*.toml``), sorted."""
    return sorted(p.stem for p in data_dir("tariffs").glob("*.toml"))


@lru_cache(maxsize=64)
def load_path(path: str, mtime: float) -> Scheme:
    file = Path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
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
    return load_path(str(resolved), resolved.stat().st_mtime)
