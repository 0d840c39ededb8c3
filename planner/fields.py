"""The typed-field reader: one phrasing for every table the planner reads (scenario, tariff scheme,
catalogue entry, wear parameters).

Every problem is an :class:`~planner.errors.Issue` (field, value, what was expected), collected rather than
raised, so one run reports all of them:

- an unknown key: ``field: unknown key - expected one of the known keys (did you mean 'x'?)``, or the list of
  valid keys when nothing is close;
- a missing value: ``field: missing - expected a number [unit]``;
- a wrong type or range: ``field: value - expected a number >= 0 [kW]``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from planner.errors import Issue


def unknown_key(field: str, key: object, allowed: Iterable[str]) -> Issue:
    """The issue of an unknown ``key`` at ``field``: the closest known key, else the list of known keys."""
    known = sorted(allowed)
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" ({', '.join(known)})"
    return Issue(field, "unknown key", f"one of the known keys{hint}")


def key_issues(table: Mapping[Any, Any], allowed: Iterable[str], prefix: str = "",
               required: Iterable[str] = ()) -> list[Issue]:
    """Unknown (and non-string) keys of ``table`` and missing ``required`` ones; fields are ``prefix + key``."""
    allowed = set(allowed)
    out = []
    for key in table:
        if not isinstance(key, str):
            out.append(Issue(f"{prefix}{key!r}", "a key that is not a string", "a string key"))
        elif key not in allowed:
            out.append(unknown_key(f"{prefix}{key}", key, allowed))
    out.extend(Issue(f"{prefix}{key}", "missing", "a value (required)") for key in sorted(set(required) - set(table)))
    return out


def is_number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class FieldReader:
    """Reads typed values from raw tables, collecting every problem in :attr:`issues`."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, field_name: str, value: object, expected: str) -> None:
        """Record one problem."""
        self.issues.append(Issue(field_name, value, expected))

    def check_keys(self, table: Mapping[str, Any], allowed: Iterable[str], prefix: str,
                   required: Iterable[str] = ()) -> None:
        """Record unknown and missing keys (see :func:`key_issues`)."""
        self.issues.extend(key_issues(table, allowed, prefix, required))

    def table(self, raw: Mapping[str, Any], key: str, prefix: str = "") -> Mapping[str, Any]:
        """The sub-table ``raw[key]`` (empty when absent; an issue when it is not a table)."""
        value = raw.get(key, {})
        if not isinstance(value, Mapping):
            self.add(f"{prefix}{key}", value, "a table")
            return {}
        return value

    def tables(self, raw: Mapping[str, Any], key: str, where: str, title: str) -> list[tuple[str, Mapping[str, Any]]]:
        """``(field name, table)`` of each table of the array ``raw[key]`` (``[[title]]`` in TOML; one table
        is taken as a list of one; absent is empty); each entry that is not a table is an issue."""
        value = raw.get(key, [])
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            self.add(f"{where}.{key}", value, f"a list of [[{title}]] tables")
            return []
        out = []
        for j, sub in enumerate(value):
            name = f"{where}.{key}[{j}]"
            if isinstance(sub, Mapping):
                out.append((name, sub))
            else:
                self.add(name, sub, "a table")
        return out

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        default: float | None = None,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
        unit: str = "",
        unlimited: bool = False,
    ) -> float:
        """A number from ``table[key]``: ``default`` when absent (an issue when ``required`` or no default),
        ``nan`` after an issue; ``inf`` only where ``unlimited``."""
        name = f"{where}.{key}" if where else key
        if key not in table:
            if required or default is None:
                self.add(name, "missing", f"a number{unit}")
                return math.nan
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(name, value, f"a number{unit}")
            return math.nan
        value = float(value)
        if not math.isfinite(value) and not (value == math.inf and unlimited):
            self.add(name, value, f"a finite number{unit}")
            return math.nan
        if minimum is not None and value < minimum:
            self.add(name, value, f"a number >= {minimum:g}{unit}")
        if maximum is not None and value > maximum:
            self.add(name, value, f"a number <= {maximum:g}{unit}")
        return value

    def boolean(self, table: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        """``true`` or ``false`` from ``table[key]`` (``default`` when absent or after an issue)."""
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, bool):
            self.add(f"{where}.{key}" if where else key, value, "true or false")
            return default
        return value

    def string(self, table: Mapping[str, Any], key: str, where: str, default: str | None) -> str:
        """A string from ``table[key]`` (``default`` when absent; an issue when there is no default)."""
        name = f"{where}.{key}" if where else key
        if key not in table:
            if default is None:
                self.add(name, "missing", "a string")
                return ""
            return default
        value = table[key]
        if not isinstance(value, str):
            self.add(name, value, "a string")
            return str(value)
        return value
