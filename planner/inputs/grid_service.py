"""Grid services a site is paid for: the ``[grid_service]`` table (``docs/grid_services.md``).

A frequency-response style availability contract: in each service window the site is paid
``availability_price_per_kw_per_h`` for every kW of capacity it holds ready to change its grid flow, up
(more export or less import), down (more import or less export) or both (the same kW each way), for
``duration_minutes`` at full power. A car may also earn ``plugged_in_price_per_h`` for every hour it is
plugged in with V2G (a per-plugged-in-hour payment).

```toml
[grid_service]
direction = "up"                  # "up", "down" or "both"
duration_minutes = 30             # energy for this long at full capacity is kept in the battery or car
plugged_in_price_per_h = 0.0      # optional [currency per car-hour]

[[grid_service.window]]           # local wall-clock windows, as tariff windows (days, months optional)
start = "16:00"
end = "19:00"
availability_price_per_kw_per_h = 0.02
```

The windows are kept as windows: :meth:`GridServiceSpec.price_per_kw_h` prices any grid (a plan's horizon,
a simulated day). Units: power [kW], prices [currency/kW/h] and [currency/h].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.fields import FieldReader
from planner.inputs.tariffs.clock import Clock
from planner.inputs.tariffs.parsing import Problems, parse_window
from planner.inputs.tariffs.rules import Window
from planner.timegrid import TimeGrid

GRID_SERVICE_KEYS = {"direction", "duration_minutes", "plugged_in_price_per_h", "window"}
DIRECTIONS = ("up", "down", "both")


@dataclass(frozen=True)
class GridServiceSpec:
    """An availability contract (module docstring).

    Parameters
    ----------
    direction : str
        ``"up"``, ``"down"`` or ``"both"``.
    duration_minutes : float
        How long full capacity must be sustainable [minutes]: the energy reserved in storage.
    windows : tuple of Window
        Local wall-clock service windows; each window's ``value`` is its availability price
        [currency per kW per hour].
    plugged_in_price_per_h : float
        Payment per hour a V2G car is plugged in [currency/h].
    """

    direction: str
    duration_minutes: float
    windows: tuple[Window, ...]
    plugged_in_price_per_h: float = 0.0

    @property
    def duration_hours(self) -> float:
        """``duration_minutes`` in hours."""
        return self.duration_minutes / 60.0

    def price_per_kw_h(self, grid: TimeGrid) -> np.ndarray:
        """Availability price per step [currency per kW per hour]: each window's price over the minutes of
        the step it covers (0 outside every window)."""
        clock = Clock.of(grid, grid.timezone)
        per_minute = np.zeros(grid.steps * grid.step_minutes)
        for window in self.windows:
            per_minute = np.where(window.applies(clock), window.value, per_minute)
        return clock.step_mean(per_minute)


def read_grid_service(r: FieldReader, raw: Mapping[str, Any]) -> GridServiceSpec | None:
    """The ``[grid_service]`` table of a scenario, or None without one; every problem is added to ``r``."""
    if "grid_service" not in raw:
        return None
    table = raw["grid_service"]
    if not isinstance(table, Mapping):
        r.add("grid_service", table, "a [grid_service] table")
        return None
    r.check_keys(table, GRID_SERVICE_KEYS, "grid_service.")
    direction = table.get("direction", "up")
    if direction not in DIRECTIONS:
        r.add("grid_service.direction", direction, "one of 'up', 'down', 'both'")
    duration = r.number(table, "duration_minutes", "grid_service", 30.0, minimum=0.0, maximum=1440.0,
                        unit=" [minutes]")
    plugged = r.number(table, "plugged_in_price_per_h", "grid_service", 0.0, minimum=0.0, unit=" [currency/h]")
    raw_windows = table.get("window", [])
    if isinstance(raw_windows, Mapping):
        raw_windows = [raw_windows]
    if not isinstance(raw_windows, list) or (not raw_windows and not plugged):
        r.add("grid_service.window", raw_windows, "a list of [[grid_service.window]] tables with start, end "
              "and availability_price_per_kw_per_h (or a plugged_in_price_per_h)")
        raw_windows = []
    problems = Problems()
    windows = [w for i, t in enumerate(raw_windows)
               if (w := parse_window(t, f"grid_service.window[{i}]", problems,
                                     "availability_price_per_kw_per_h")) is not None]
    for w in windows:
        if w.value < 0:
            problems.add(f"{w.label}.availability_price_per_kw_per_h", w.value, "a price >= 0 [currency/kW/h]")
    for issue in problems.issues:
        r.add(issue.field, issue.value, issue.expected)
    if problems.issues or direction not in DIRECTIONS:
        return None
    return GridServiceSpec(str(direction), float(duration), tuple(windows), float(plugged))


__all__ = ["GRID_SERVICE_KEYS", "GridServiceSpec", "read_grid_service"]
