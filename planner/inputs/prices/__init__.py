"""Live prices: fetch published tariff and day-ahead prices into the CSV the scenario reader takes.

- :func:`fetch_octopus`: Octopus Energy's public product API (Agile, Agile Outgoing, any product's unit
  rates), GBP/kWh including VAT as published.
- :func:`fetch_entsoe`: ENTSO-E Transparency day-ahead prices (document A44), EUR/kWh, with a user's token.

Both return a :class:`PriceSeries`; :meth:`PriceSeries.write_csv` writes ``timestamp_utc,<column>``.
"""

from planner.inputs.prices.entsoe import ENTSOE_ZONES, fetch_entsoe
from planner.inputs.prices.http import PriceFetchError
from planner.inputs.prices.octopus import OCTOPUS_REGIONS, fetch_octopus
from planner.inputs.prices.series import PriceSeries

__all__ = ["ENTSOE_ZONES", "OCTOPUS_REGIONS", "PriceFetchError", "PriceSeries", "fetch_entsoe", "fetch_octopus"]
