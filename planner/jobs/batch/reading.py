"""Read a batch input: a folder of scenario TOML files or a site table whose columns are TOML key paths."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.jobs.batch.hashing import FileDigests, canonical, referenced_files, sha256, site_key
from planner.jobs.batch.records import BatchOptions, SiteTask

STRING_KEYS = frozenset(
    {"site", "name", "model", "csv", "column", "timezone", "scheme", "export_scheme", "start", "arrive",
     "depart", "currency", "import_price_column", "export_price_column"}
)
"""Last key-path segments whose cells stay strings in a CSV table (never parsed as numbers)."""
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")

# ------------------------------------------------------------------------------------------------
# Reading the input
# ------------------------------------------------------------------------------------------------
def _cell(value: Any, key: str, from_csv: bool) -> Any:
    """A table cell as a TOML-like Python value, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if not from_csv or key in STRING_KEYS:
            return text
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                pass
        return text
    return value


def row_to_scenario_dict(row: Mapping[str, Any], *, from_csv: bool = False) -> dict[str, Any]:
    """Turn one table row (column = scenario key path) into a scenario dictionary.

    ``battery.capacity_kwh`` sets ``raw["battery"]["capacity_kwh"]``; ``vehicle[1].name`` addresses the
    second ``[[vehicle]]`` table (an unindexed path means index 0). Empty cells, ``site`` and ``meta.*``
    columns are left out.

    Raises
    ------
    ValueError
        For a column name that is not a key path.
    """
    raw: dict[str, Any] = {}
    for column, cell in row.items():
        column = str(column)
        if column == "site" or column.startswith("meta."):
            continue
        parts = column.split(".")
        value = _cell(cell, parts[-1], from_csv)
        if value is None:
            continue
        node: Any = raw
        for depth, part in enumerate(parts):
            match = _SEGMENT.match(part)
            if match is None:
                msg = f"column {column!r}: {part!r} is not a key (letters, digits, _ and an optional [index])"
                raise ValueError(msg)
            name, index = match.group(1), match.group(2)
            last = depth == len(parts) - 1
            if index is None and not isinstance(node.get(name), list):
                if last:
                    node[name] = value
                else:
                    node = node.setdefault(name, {})
                    if not isinstance(node, dict):
                        msg = f"column {column!r}: {name!r} is both a value and a table"
                        raise ValueError(msg)
                continue
            existing = node.get(name)
            if isinstance(existing, dict):
                existing = [existing]
            elif existing is None:
                existing = []
            node[name] = existing
            i = int(index or 0)
            while len(existing) <= i:
                existing.append({})
            if last:
                existing[i] = value
            else:
                node = existing[i]
    return raw


def _read_table(path: Path) -> tuple[list[dict[str, Any]], bool]:
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return frame.to_dict(orient="records"), True
    from planner.extras import require

    require("pyarrow.parquet", "a Parquet site table")
    frame = pd.read_parquet(path)
    return frame.to_dict(orient="records"), False


def read_tasks(input_path: str | Path, options: BatchOptions) -> list[SiteTask]:
    """The sites of an input (folder of TOML files, or a CSV/Parquet table), with their input hashes.

    Raises
    ------
    ValueError
        If the input is neither an existing folder nor a ``.csv``/``.parquet`` file.
    """
    path = Path(input_path)
    options_hash = options.digest()
    digests = FileDigests()
    tasks: list[SiteTask] = []
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.toml") if ".staging" not in p.parts)
        for file in files:
            site = file.relative_to(path).with_suffix("").as_posix()
            text = file.read_bytes()
            try:
                raw: Any = tomllib.loads(text.decode("utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                raw = {}
            refs = {k: digests(p) for k, p in referenced_files(raw, file.parent).items()}
            h = sha256(canonical({"toml": sha256(text), "files": refs, "options": options_hash}))
            tasks.append(SiteTask(site, site_key(site), h, "toml", str(file.resolve()), str(file.parent)))
    elif path.is_file() and path.suffix.lower() in (".csv", ".parquet"):
        rows, from_csv = _read_table(path)
        base = path.resolve().parent
        for i, row in enumerate(rows):
            site_cell = _cell(row.get("site"), "site", from_csv)
            if site_cell is None:
                site_cell = _cell(row.get("name"), "name", from_csv)
            site = str(site_cell) if site_cell is not None else f"row-{i}"
            error = None
            try:
                raw = row_to_scenario_dict(row, from_csv=from_csv)
            except ValueError as exc:
                raw, error = {}, f"ValueError: {exc}"
            raw.setdefault("name", site)
            refs = {k: digests(p) for k, p in referenced_files(raw, base).items()}
            h = sha256(canonical({"row": raw, "files": refs, "options": options_hash}))
            tasks.append(SiteTask(site, site_key(site), h, "row", raw, str(base), error))
    else:
        msg = f"batch input {path}: expected a folder of .toml files or a .csv/.parquet site table"
        raise ValueError(msg)
    if not tasks:
        what = "no .toml scenario files" if path.is_dir() else "no rows"
        msg = f"batch input {path}: {what} - nothing to plan"
        raise ValueError(msg)
    seen: dict[str, str] = {}
    checked = []
    for task in tasks:
        if task.key in seen:
            msg = f"duplicate site id {task.site!r} (also used by {seen[task.key]!r})"
            task = SiteTask(task.site, f"{task.key}-dup-{sha256(task.input_hash.encode())[:6]}",
                            task.input_hash, task.kind, task.payload, task.base_dir, msg)
        else:
            seen[task.key] = task.site
        checked.append(task)
    return checked
