"""The equipment catalogue: one TOML file per vehicle, home battery or charger in ``models/``.

A catalogue file has ``name`` (equal to its file stem), ``kind`` (``vehicle`` | ``battery`` | ``charger``),
``title``, a ``[fields]`` table of scenario fields (units in names, as in a scenario's ``[[vehicle]]`` or
``[[battery]]`` table), a ``[degradation]`` table of wear parameters (vehicles and batteries; see
:mod:`planner.domain.wear`) and a ``[source]`` table saying where each number comes from,
with ``unverified`` listing the ``fields.*`` / ``degradation.*`` values no cited source confirmed.

When ``[fields]`` has no ``degradation_cost_per_kwh``, the throughput wear cost is derived from the wear
parameters: ``replacement_cost / (2 * usable_capacity_kwh * N(1))`` [currency/kWh of AC throughput].
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from planner.domain.wear_params import check_wear_parameters, derived_costs
from planner.errors import Issue, ScenarioError
from planner.fields import FieldReader, key_issues, unknown_key
from planner.inputs.fidelity import read_efficiency

KINDS = ("vehicle", "battery", "charger")

_STORAGE_FIELDS = {
    "capacity_kwh": "a number > 0 [kWh]",
    "soc_min_kwh": "a number >= 0 and <= capacity_kwh [kWh]",
    "soc_max_kwh": "a number > 0 and <= capacity_kwh [kWh]",
    "charge_max_kw": "a number >= 0 [kW]",
    "discharge_max_kw": "a number >= 0 [kW]",
    "eta_charge": "a number in (0, 1]",
    "eta_discharge": "a number in (0, 1]",
    "degradation_cost_per_kwh": "a number >= 0 [currency/kWh]",
}

#: Scenario fields a catalogue entry of each kind may set, with what each must be.
FIELDS: dict[str, dict[str, str]] = {
    "battery": dict(_STORAGE_FIELDS),
    "vehicle": {
        **_STORAGE_FIELDS,
        "charge_min_kw": "a number >= 0 and <= charge_max_kw [kW]",
        "v2g": "true or false",
        "charge_efficiency": "a list of [charge_kw, efficiency] pairs (planner.domain.efficiency)",
    },
    "charger": {
        "charge_max_kw": "a number >= 0 [kW]",
        "charge_min_kw": "a number >= 0 and <= charge_max_kw [kW]",
        "discharge_max_kw": "a number >= 0 [kW]",
        "eta_charge": "a number in (0, 1]",
        "eta_discharge": "a number in (0, 1]",
        "v2g": "true or false",
    },
}

_TOP_KEYS = {"name", "kind", "title", "fields", "degradation", "source"}


@dataclass(frozen=True)
class CatalogueEntry:
    """One item of equipment from ``models/``.

    Attributes
    ----------
    name : str
        Catalogue name (file stem), e.g. ``"nissan-leaf-62"``.
    kind : str
        ``"vehicle"``, ``"battery"`` or ``"charger"``.
    title : str
        Human-readable description.
    fields : mapping
        Scenario fields this entry fills (units in names), including a derived ``degradation_cost_per_kwh``
        for storage entries.
    degradation : mapping
        Wear parameters: ``replacement_cost`` [currency], ``usable_capacity_kwh``, the cycle-life curve
        (``cycle_life_depth_fraction`` -> ``cycle_life_cycles``), calendar parameters.
    source : mapping
        Provenance: ``data``, ``references``, ``notes``, ``unverified``.
    path : pathlib.Path
        The file it was read from.
    """

    name: str
    kind: str
    title: str
    fields: MappingProxyType
    degradation: MappingProxyType
    source: MappingProxyType
    path: Path = field(compare=False)

    @property
    def unverified(self) -> tuple[str, ...]:
        """Dotted names (``fields.x`` / ``degradation.y``) of values no cited source confirmed."""
        return tuple(self.source.get("unverified", ()))


def models_dir() -> Path:
    """Directory holding the catalogue: ``models/`` in a source checkout, else the installed package data."""
    tree = Path(__file__).resolve().parents[2] / "models"
    if tree.is_dir():
        return tree
    installed = Path(str(resources.files("planner") / "_data" / "models"))
    if installed.is_dir():
        return installed
    raise FileNotFoundError(f"equipment catalogue not found (looked in {tree} and {installed})")


def entry_names(directory: Path | None = None) -> list[str]:
    """Names of all catalogue entries, sorted."""
    base = models_dir() if directory is None else Path(directory)
    return sorted(p.stem for p in base.glob("*.toml"))


def list_entries(directory: Path | None = None) -> list[CatalogueEntry]:
    """Load and check every catalogue entry, sorted by name.

    Raises
    ------
    ScenarioError
        If any file is invalid (naming the file and field).
    """
    base = models_dir() if directory is None else Path(directory)
    return [load_entry(name, base) for name in entry_names(base)]


def load_entry(name: str, directory: Path | None = None) -> CatalogueEntry:
    """Load one catalogue entry by name.

    Parameters
    ----------
    name : str
        Entry name, e.g. ``"nissan-leaf-62"``.
    directory : pathlib.Path, optional
        Catalogue directory (default :func:`models_dir`).

    Raises
    ------
    ScenarioError
        Unknown name (the message lists close matches) or invalid file (naming the file and field).
    """
    base = models_dir() if directory is None else Path(directory)
    path = base / f"{name}.toml"
    if not isinstance(name, str) or "/" in name or not path.is_file():
        names = entry_names(base)
        close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
        hint = f"one of the close matches {close}" if close else f"one of {names}"
        raise ScenarioError([Issue("model", name, f"a catalogue entry name: {hint}")])
    return read_entry_file(path)


_ENTRY_CACHE: dict[tuple[str, int, int], CatalogueEntry] = {}


def read_entry_file(path: Path) -> CatalogueEntry:
    """Read and check one catalogue file (cached per process by path, size and modification time).

    Raises
    ------
    ScenarioError
        With ``source`` = the file path and one issue per invalid field.
    """
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    entry = _ENTRY_CACHE.get(key)
    if entry is None:
        entry = _ENTRY_CACHE[key] = _read_entry_file(path)
    return entry


def _read_entry_file(path: Path) -> CatalogueEntry:
    """Parse and check one catalogue file (see :func:`read_entry_file`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue("toml", str(exc), "valid TOML")], source=str(path)) from exc
    issues = _check(data, path)
    if issues:
        raise ScenarioError(issues, source=str(path))
    kind = data["kind"]
    fields: dict[str, Any] = dict(data.get("fields", {}))
    degradation = dict(data.get("degradation", {}))
    if kind != "charger" and "degradation_cost_per_kwh" not in fields:
        derived = derived_costs(degradation)
        if "throughput_cost_per_kwh" in derived:
            fields["degradation_cost_per_kwh"] = round(float(derived["throughput_cost_per_kwh"]), 5)
    return CatalogueEntry(
        name=data["name"],
        kind=kind,
        title=data.get("title", data["name"]),
        fields=MappingProxyType(fields),
        degradation=MappingProxyType(degradation),
        source=MappingProxyType(dict(data["source"])),
        path=path,
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(data: dict[str, Any], path: Path) -> list[Issue]:
    issues: list[Issue] = []
    issues.extend(key_issues(data, _TOP_KEYS))
    if data.get("name") != path.stem:
        issues.append(Issue("name", data.get("name"), f"the file stem {path.stem!r}"))
    kind = data.get("kind")
    if kind not in KINDS:
        issues.append(Issue("kind", kind, f"one of {list(KINDS)}"))
        return issues
    if not isinstance(data.get("source"), dict) or not data["source"]:
        issues.append(Issue("source", data.get("source"), "a [source] table saying where the values come from"))
    fields = data.get("fields", {})
    if not isinstance(fields, dict):
        issues.append(Issue("fields", fields, "a table"))
        fields = {}
    issues.extend(check_fields(fields, kind))
    degradation = data.get("degradation")
    if kind == "charger":
        if degradation is not None:
            issues.append(Issue("degradation", degradation, "no wear parameters on a charger"))
    elif not isinstance(degradation, dict):
        issues.append(Issue("degradation", degradation, "a [degradation] table of wear parameters"))
    else:
        issues.extend(check_wear_parameters(degradation))
        for key in ("replacement_cost", "usable_capacity_kwh", "cycle_life_depth_fraction"):
            if key not in degradation:
                issues.append(Issue(f"degradation.{key}", "missing", "a value"))
    source = data.get("source")
    if isinstance(source, dict):
        known = {f"fields.{k}" for k in fields} | {f"degradation.{k}" for k in degradation or {}}
        for i, item in enumerate(source.get("unverified", [])):
            if item not in known:
                issues.append(Issue(f"source.unverified[{i}]", item, f"one of {sorted(known)}"))
    return issues


def _valid_field(key: str, value: object) -> bool:
    if not _number(value):
        return False
    if key.startswith("eta_"):
        return 0 < value <= 1
    if key in ("capacity_kwh", "soc_max_kwh"):
        return value > 0
    return value >= 0


def check_fields(fields: dict[str, Any], kind: str, prefix: str = "fields") -> list[Issue]:
    """Check scenario fields of a catalogue entry of the given kind; return every problem found."""
    allowed = FIELDS[kind]
    issues: list[Issue] = []
    for key, value in fields.items():
        where = f"{prefix}.{key}"
        if key not in allowed:
            issues.append(unknown_key(where, key, allowed))
        elif key == "v2g":
            if not isinstance(value, bool):
                issues.append(Issue(where, value, allowed[key]))
        elif key == "charge_efficiency":
            reader = FieldReader()
            read_efficiency(reader, fields, prefix)
            issues.extend(reader.issues)
        elif not _valid_field(key, value):
            issues.append(Issue(where, value, allowed[key]))
    capacity = fields.get("capacity_kwh")
    if _number(capacity) and capacity > 0:
        for key in ("soc_min_kwh", "soc_max_kwh"):
            value = fields.get(key)
            if _number(value) and value > capacity:
                issues.append(Issue(f"{prefix}.{key}", value, f"<= capacity_kwh ({capacity})"))
    low, high = fields.get("charge_min_kw"), fields.get("charge_max_kw")
    if _number(low) and _number(high) and low > high:
        issues.append(Issue(f"{prefix}.charge_min_kw", low, f"<= charge_max_kw ({high})"))
    return issues


def scenario_fields(name: str, kind: str) -> dict[str, Any]:
    """Scenario fields of catalogue entry ``name`` for an asset of ``kind`` (``battery``, ``vehicle``, ``charger``).

    Returns the entry's ``[fields]`` plus (storage) a ``degradation`` table holding its wear parameters; a scenario
    merges its own fields over these (explicit fields win). ``usable_capacity_kwh`` is left out when it
    equals ``capacity_kwh`` so that it follows a capacity the scenario overrides.

    Raises
    ------
    ScenarioError
        Unknown name (listing close matches) or an entry of another kind.
    """
    entry = load_entry(name)
    if entry.kind != kind:
        names = [n for n in entry_names() if load_entry(n).kind == kind]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.3)
        raise ScenarioError(
            [Issue("model", name, f"a {kind} entry (this is a {entry.kind}); e.g. {close or names}")]
        )
    out: dict[str, Any] = dict(entry.fields)
    if kind == "charger":
        return out
    degradation = {k: v for k, v in entry.degradation.items() if k != "currency"}
    if degradation.get("usable_capacity_kwh") == out.get("capacity_kwh"):
        degradation.pop("usable_capacity_kwh", None)
    out["degradation"] = degradation
    return out


def format_entry_list(directory: Path | None = None) -> str:
    """One line per catalogue entry: name, kind, capacity, power limits, V2G, throughput wear, title."""
    header = (
        f"{'name':20s} {'kind':8s} {'kWh':>6s} {'chg kW':>7s} {'dis kW':>7s} {'v2g':>4s} "
        f"{'wear/kWh':>9s} {'unverified':>10s}  title"
    )
    lines = [header]
    for e in list_entries(directory):
        f = e.fields

        def num(key: str, fmt: str, fields: Mapping[str, Any] = f) -> str:
            return format(fields[key], fmt) if key in fields else "-"

        v2g = {True: "yes", False: "no"}.get(f.get("v2g"), "-") if e.kind != "battery" else "-"
        lines.append(
            f"{e.name:20s} {e.kind:8s} {num('capacity_kwh', '6.1f'):>6s} {num('charge_max_kw', '7.2f'):>7s} "
            f"{num('discharge_max_kw', '7.2f'):>7s} {v2g:>4s} {num('degradation_cost_per_kwh', '9.4f'):>9s} "
            f"{len(e.unverified):>10d}  {e.title}"
        )
    return "\n".join(lines)


def format_entry(name: str) -> str:
    """All fields, wear parameters, derived wear rates and sources of one entry, as text."""
    e = load_entry(name)
    lines = [f"{e.name} ({e.kind}): {e.title}", f"file: {e.path}", "fields:"]
    flagged = set(e.unverified)
    for key, value in e.fields.items():
        mark = "  (unverified)" if f"fields.{key}" in flagged else ""
        lines.append(f"  {key} = {value}{mark}")
    if e.degradation:
        lines.append("degradation:")
        for key, value in e.degradation.items():
            mark = "  (unverified)" if f"degradation.{key}" in flagged else ""
            lines.append(f"  {key} = {value}{mark}")
        eta = float(e.fields.get("eta_discharge", 1.0))
        rates = derived_costs(e.degradation, eta)
        if "segment_costs_per_kwh" in rates:
            segs = ", ".join(f"{c:.4f}" for c in rates["segment_costs_per_kwh"])
            lines.append(f"  -> cycle-depth segment costs per kWh discharged (shallow first): {segs}")
        if "calendar_cost_per_kwh_hour" in rates:
            lines.append(f"  -> calendar cost per kWh-hour above threshold: {rates['calendar_cost_per_kwh_hour']:.5f}")
    lines.append("source:")
    for key, value in e.source.items():
        if isinstance(value, list):
            lines.append(f"  {key}:")
            lines.extend(f"    - {item}" for item in value)
        else:
            lines.append(f"  {key}: {value}")
    return "\n".join(lines)


