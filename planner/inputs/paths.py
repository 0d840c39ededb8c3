"""Where a scenario's files are: the shipped data folders, and a path as a scenario names it."""

from __future__ import annotations

from pathlib import Path

from planner.errors import PlannerError

SHIPPED_PREFIX = "shipped:"
"""A file path starting with this names a file of the planner's shipped data (``shipped:series/...``)."""


def data_dir(kind: str) -> Path:
    """Folder of shipped data of one kind (``"tariffs"`` or ``"series"``).

    Looks in the installed package (``planner/_data/<kind>``) first, then in the source tree
    (``<repo>/data/<kind>``).

    Raises
    ------
    PlannerError
        If neither folder exists.
    """
    package = Path(__file__).resolve().parents[1]
    candidates = [package / "_data" / kind, package.parent / "data" / kind]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise PlannerError(f"data folder '{kind}' not found (looked in {', '.join(map(str, candidates))})")


def resolve_data_path(value: str, base_dir: Path | str) -> Path:
    """A scenario's file path: ``shipped:<kind>/<file>`` in the shipped data, an absolute path as it is,
    else relative to ``base_dir`` (the scenario's folder)."""
    if value.startswith(SHIPPED_PREFIX):
        kind, _, rest = value[len(SHIPPED_PREFIX):].lstrip("/").partition("/")
        return (data_dir(kind) / rest).resolve()
    return (Path(base_dir) / value).resolve()
