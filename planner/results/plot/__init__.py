"""Pictures of plans and studies (the ``[plot]`` extra: matplotlib).

One sign convention everywhere: a power drawn **above zero supplies the site** (grid import, solar, a
battery or car discharging) and **below zero draws from it** (load, export, charging), so the bars of a
step always balance to zero. Prices are drawn as steps; states of charge at the end of each step.

- :func:`plot_plan`: one plan; a home (every asset drawn) or a fleet (vehicles aggregated) by asset count.
- :func:`plot_monthly`, :func:`plot_week`, :func:`plot_v2g`: the pictures of a tariff comparison.
"""

from planner.results.plot.compare import plot_monthly, plot_v2g, plot_week
from planner.results.plot.plan import plot_plan

__all__ = ["plot_monthly", "plot_plan", "plot_v2g", "plot_week"]
