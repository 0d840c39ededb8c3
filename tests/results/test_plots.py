"""Plan pictures: one sign convention (the drawn bars balance in every step), a fleet drawn aggregated,
legends beside the data, costs drawn as paid/received."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import planner
from planner.results.plot.style import power_groups

pytest.importorskip("matplotlib")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home():
    return planner.plan(planner.load_scenario(ROOT / "data/examples/leaf-xstorage.toml"))


def test_supplies_and_draws_balance_in_every_step(home) -> None:
    supplies, draws = power_groups(home.schedule)
    balance = sum(supplies.values()) - sum(draws.values())
    np.testing.assert_allclose(balance, 0.0, atol=1e-6)
    assert {"grid import", "battery discharge"} <= set(supplies) and {"load", "vehicle charge"} <= set(draws)


def test_the_drawn_bars_are_the_flows_with_their_signs(home, tmp_path: Path) -> None:
    fig = home.plot(tmp_path / "home.png")
    assert (tmp_path / "home.png").stat().st_size > 20_000
    power = fig.axes[1]
    heights: dict[str, float] = {}
    for container in power.containers:
        heights[container.get_label()] = sum(patch.get_height() for patch in container.patches)
    h = 0.5  # 30-minute steps
    kpis = home.kpis
    assert heights["grid import"] == pytest.approx(kpis["grid_import_kwh"] / h, rel=1e-9)
    assert heights["load"] == pytest.approx(-kpis["load_kwh"] / h, rel=1e-9)
    assert heights["vehicle charge"] == pytest.approx(-kpis["leaf_charge_kwh"] / h, rel=1e-9)
    for ax in fig.axes[:3]:  # legends sit right of their axes, never over the data
        legend = ax.get_legend()
        assert legend is not None
        fig.canvas.draw()
        assert legend.get_window_extent().x0 >= ax.get_window_extent().x1
    costs = fig.axes[3]
    widths = {t.get_text(): p.get_width() for t, p in zip(costs.get_yticklabels(), costs.patches, strict=True)}
    assert widths["total"] == pytest.approx(home.costs["total"])
    assert widths["import"] == pytest.approx(home.costs["import_cost"])


def test_a_depot_is_drawn_as_a_fleet(tmp_path: Path) -> None:
    depot = planner.plan(planner.load_scenario(ROOT / "data/examples/depot-20-vans.toml"), time_limit_s=30)
    fig = depot.plot(tmp_path / "depot.png")
    assert "fleet of 20 vehicles" in fig.texts[0].get_text()
    soc = fig.axes[2]
    labels = soc.get_legend_handles_labels()[1]
    assert "SoC, median of plugged" in labels and len(labels) <= 4  # not 20 entries
    assert soc.get_ylabel() == "SoC [% of capacity]"


def test_goals_and_reserves_are_drawn_where_they_apply(tmp_path: Path) -> None:
    """The rules example: the goal is an open triangle at 07:00 local and 45 kWh, the reserve a dashed line at
    8 kWh over 16:00-19:00 UTC."""
    import matplotlib.dates as mdates
    import pandas as pd

    scenario = planner.load_scenario(ROOT / "data/examples/leaf-xstorage-rules.toml")
    fig = planner.plan(scenario).plot(tmp_path / "rules.png")
    soc = fig.axes[2]
    labels = soc.get_legend_handles_labels()[1]
    assert "leaf goal" in labels and "xstorage reserve" in labels
    goal = next(line for line in soc.get_lines() if line.get_label() == "leaf goal")
    x, y = goal.get_xdata()[0], goal.get_ydata()[0]
    assert y == pytest.approx(45.0)
    assert mdates.num2date(x).replace(tzinfo=None) == pd.Timestamp("2023-01-17T07:00").to_pydatetime()
    reserve = next(c for c in soc.collections if c.get_label() == "xstorage reserve")
    (x0, y0), (x1, y1) = reserve.get_segments()[0]
    assert y0 == y1 == pytest.approx(8.0)
    assert (x1 - x0) * 24 == pytest.approx(3.0)
