"""Octopus Energy's public product API: the unit rates of one electricity product in one region.

``GET {base}/v1/products/{product}/electricity-tariffs/E-1R-{product}-{region}/standard-unit-rates/``
with ``period_from``/``period_to``; pages follow ``next``. Rates are p/kWh; we keep ``value_inc_vat``
(import rates include 5 % VAT; export rates carry none) and divide by 100 for GBP/kWh. No key is needed.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from planner.inputs.prices.http import PriceFetchError, get_text, make_client
from planner.inputs.prices.series import PriceSeries, check_window, on_grid, utc

OCTOPUS_API = "https://api.octopus.energy"
"""The public API; the environment variable ``PLANNER_OCTOPUS_API`` overrides it (e.g. a local mirror)."""
OCTOPUS_REGIONS = tuple("ABCDEFGHJKLMNP")
"""Grid supply point groups (DNO regions) A (Eastern England) to P (North Scotland); no I or O."""
MAX_PAGES = 100


def fetch_octopus(
    product: str,
    region: str,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    column: str | None = None,
    step_minutes: int = 30,
    base_url: str | None = None,
    timeout_s: float = 20.0,
    retries: int = 3,
    backoff_s: float = 1.0,
) -> PriceSeries:
    """Unit rates [GBP/kWh] of ``product`` (e.g. ``AGILE-24-10-01``, ``AGILE-OUTGOING-19-05-13``) in
    ``region`` over ``[start, end)`` (UTC; a date means its 00:00 UTC), on a ``step_minutes`` grid.

    ``column`` defaults to ``export_price_gbp_per_kwh`` for an ``OUTGOING`` product, else
    ``import_price_gbp_per_kwh``. Steps the API has not published (Agile's next day before about 16:00
    UK time) are NaN in the result; see :attr:`PriceSeries.missing`.

    Raises
    ------
    ValueError
        For a bad region, window or step (naming the argument).
    PriceFetchError
        When the API cannot be reached, answers with an error, or its body is not the expected JSON.
    """
    region = str(region).upper()
    if region not in OCTOPUS_REGIONS:
        raise ValueError(f"region: {region!r} - expected one of {', '.join(OCTOPUS_REGIONS)}")
    product = str(product).strip().upper()
    if not product:
        raise ValueError("product: '' - expected an Octopus product code such as AGILE-24-10-01")
    t0, t1 = utc(start, "start"), utc(end, "end")
    check_window(t0, t1, step_minutes)
    column = column or ("export_price_gbp_per_kwh" if "OUTGOING" in product else "import_price_gbp_per_kwh")
    base = (base_url or os.environ.get("PLANNER_OCTOPUS_API") or OCTOPUS_API).rstrip("/")
    url = f"{base}/v1/products/{product}/electricity-tariffs/E-1R-{product}-{region}/standard-unit-rates/"
    params = {"period_from": _iso(t0), "period_to": _iso(t1), "page_size": "1500"}
    source = f"Octopus {product} region {region}"
    results: list[dict[str, Any]] = []
    with make_client(timeout_s) as client:
        for _ in range(MAX_PAGES):
            body = get_text(client, url, params, source=source, retries=retries, backoff_s=backoff_s)
            page = _parse(body, source)
            results.extend(page["results"])
            url, params = page.get("next"), {}
            if not url:
                break
    rates = _rates(results, source)
    return PriceSeries(column, on_grid(rates, t0, t1, step_minutes), t0, t1, step_minutes, source)


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(body: str, source: str) -> dict[str, Any]:
    try:
        page = json.loads(body)
    except json.JSONDecodeError as exc:
        raise PriceFetchError(f"{source}: the answer is not JSON ({exc}): {body[:80]!r}") from None
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise PriceFetchError(f"{source}: the answer has no 'results' list: {body[:80]!r}")
    return page


def _rates(results: list[Any], source: str) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    """(valid_from, valid_to, GBP/kWh) sorted by start; direct-debit rates where both are published."""
    methods = {r.get("payment_method") for r in results if isinstance(r, dict)}
    keep = "DIRECT_DEBIT" if "DIRECT_DEBIT" in methods else None
    far = pd.Timestamp("2200-01-01", tz="UTC")
    rates = []
    for i, r in enumerate(results):
        try:
            if keep is not None and r.get("payment_method") not in (keep, None):
                continue
            price = float(r["value_inc_vat"]) / 100.0
            valid_from = utc(r["valid_from"], "valid_from")
            valid_to = far if r.get("valid_to") is None else utc(r["valid_to"], "valid_to")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PriceFetchError(f"{source}: result {i} is not a unit rate ({exc}): {str(r)[:80]}") from None
        if not pd.notna(price) or abs(price) > 20:
            raise PriceFetchError(f"{source}: result {i} has an implausible rate {price * 100} p/kWh")
        rates.append((valid_from, valid_to, price))
    rates.sort(key=lambda item: item[0])
    return rates
