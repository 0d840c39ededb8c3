"""ENTSO-E Transparency Platform: day-ahead prices of one bidding zone (document type A44).

``GET {base}/api?securityToken=...&documentType=A44&in_Domain=EIC&out_Domain=EIC&periodStart=...&periodEnd=...``
answers an XML ``Publication_MarketDocument`` (prices in EUR/MWh per ``Point`` of each ``Period``) or an
``Acknowledgement_MarketDocument`` with a reason (e.g. no data yet). A point left out repeats the one before
it (curve type A03). A token is free on request from the platform's user settings.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from planner.inputs.prices.http import PriceFetchError, get_text, make_client
from planner.inputs.prices.series import PriceSeries, check_window, on_grid, utc

ENTSOE_API = "https://web-api.tp.entsoe.eu"
"""The public API; the environment variable ``PLANNER_ENTSOE_API`` overrides it."""
TOKEN_ENV = "ENTSOE_API_TOKEN"
"""The environment variable read when no token is given."""
ENTSOE_ZONES = {
    "AT": "10YAT-APG------L", "BE": "10YBE----------2", "CH": "10YCH-SWISSGRIDZ", "CZ": "10YCZ-CEPS-----N",
    "DE-LU": "10Y1001A1001A82H", "DK1": "10YDK-1--------W", "DK2": "10YDK-2--------M",
    "ES": "10YES-REE------0", "FI": "10YFI-1--------U", "FR": "10YFR-RTE------C", "HU": "10YHU-MAVIR----U",
    "IE-SEM": "10Y1001A1001A59C", "IT-NORTH": "10Y1001A1001A73I", "NL": "10YNL----------L",
    "NO1": "10YNO-1--------2", "NO2": "10YNO-2--------T", "PL": "10YPL-AREA-----S",
    "PT": "10YPT-REN------W", "SE3": "10Y1001A1001A46L", "SE4": "10Y1001A1001A47J",
}
"""Bidding zones by short name (any other zone: pass its 16-character EIC code)."""
_EIC = re.compile(r"^10Y[0-9A-Z-]{13}$")
_RESOLUTION = re.compile(r"^PT(\d+)M$")


def fetch_entsoe(
    zone: str,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    token: str | None = None,
    step_minutes: int | None = None,
    base_url: str | None = None,
    timeout_s: float = 30.0,
    retries: int = 3,
    backoff_s: float = 1.0,
) -> PriceSeries:
    """Day-ahead prices [EUR/kWh] of ``zone`` over ``[start, end)`` (UTC; a date means 00:00 UTC).

    ``step_minutes`` defaults to the finest resolution published (60, or 15 where the market clears
    quarter-hours); a finer step repeats the published price, a coarser one averages the published prices
    within it. Unpublished steps are NaN.

    Raises
    ------
    ValueError
        For an unknown zone, a missing token, or a bad window or step.
    PriceFetchError
        When the platform cannot be reached, refuses the token, reports no data, or answers malformed XML.
    """
    eic = ENTSOE_ZONES.get(str(zone).upper(), str(zone))
    if not _EIC.match(eic):
        raise ValueError(f"zone: {zone!r} - expected one of {', '.join(ENTSOE_ZONES)} or a 10Y... EIC code")
    token = token or os.environ.get(TOKEN_ENV, "")
    if not token:
        raise ValueError(f"token: missing - expected --token or the {TOKEN_ENV} environment variable")
    t0, t1 = utc(start, "start"), utc(end, "end")
    check_window(t0, t1, step_minutes or 60)
    base = (base_url or os.environ.get("PLANNER_ENTSOE_API") or ENTSOE_API).rstrip("/")
    params = {
        "securityToken": token, "documentType": "A44", "in_Domain": eic, "out_Domain": eic,
        "contract_MarketAgreement.type": "A01",
        "periodStart": t0.strftime("%Y%m%d%H%M"), "periodEnd": t1.strftime("%Y%m%d%H%M"),
    }
    source = f"ENTSO-E day-ahead {zone}"
    with make_client(timeout_s) as client:
        body = get_text(client, f"{base}/api", params, source=source, retries=retries,
                        backoff_s=backoff_s, redact=("securityToken",))
    by_resolution = _parse(body, source)
    finest = min(by_resolution)
    step = step_minutes or finest
    if step % finest and finest % step:
        raise ValueError(f"step_minutes: {step} - expected a divisor or multiple of the published {finest} min")
    if step <= finest:  # each step takes the price of the published interval it lies in
        prices = on_grid(by_resolution[finest], t0, t1, step)
    else:  # the mean of the published prices; a step is known only when all of them are
        fine = on_grid(by_resolution[finest], t0, t1, finest)
        prices = fine.resample(f"{step}min").mean()
        prices = prices.where(fine.notna().resample(f"{step}min").sum() == step // finest)
    return PriceSeries("price_eur_per_kwh", prices, t0, t1, step, source)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in node if _local(child.tag) == name]


def _text(node: ET.Element, path: str) -> str:
    for name in path.split("/"):
        found = _children(node, name)
        if not found:
            raise KeyError(path)
        node = found[0]
    return (node.text or "").strip()


def _parse(body: str, source: str) -> dict[int, list[tuple[pd.Timestamp, pd.Timestamp, float]]]:
    """(start, end, EUR/kWh) intervals per published resolution [minutes]."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise PriceFetchError(f"{source}: the answer is not XML ({exc}): {body[:80]!r}") from None
    if _local(root.tag) == "Acknowledgement_MarketDocument":
        try:
            reason = f"{_text(root, 'Reason/code')}: {_text(root, 'Reason/text')}"
        except KeyError:
            reason = "no reason given"
        raise PriceFetchError(f"{source}: the platform sent no prices ({reason})")
    if _local(root.tag) != "Publication_MarketDocument":
        raise PriceFetchError(f"{source}: unexpected document {_local(root.tag)!r}")
    out: dict[int, list[tuple[pd.Timestamp, pd.Timestamp, float]]] = {}
    try:
        for series in _children(root, "TimeSeries"):
            unit = _text(series, "price_Measure_Unit.name") if _children(series, "price_Measure_Unit.name") else "MWH"
            scale = {"MWH": 1000.0, "KWH": 1.0}[unit.upper()]
            for period in _children(series, "Period"):
                p0 = utc(_text(period, "timeInterval/start"), "timeInterval.start")
                p1 = utc(_text(period, "timeInterval/end"), "timeInterval.end")
                match = _RESOLUTION.match(_text(period, "resolution"))
                if match is None:
                    raise ValueError(f"resolution {_text(period, 'resolution')!r}")
                minutes = int(match.group(1))
                n = int((p1 - p0) / pd.Timedelta(minutes=minutes))
                values = np.full(n, np.nan)
                for point in _children(period, "Point"):
                    position = int(_text(point, "position"))
                    if 1 <= position <= n:
                        values[position - 1] = float(_text(point, "price.amount")) / scale
                values = pd.Series(values).ffill().to_numpy()  # A03: a left-out point repeats the last one
                step = pd.Timedelta(minutes=minutes)
                intervals = out.setdefault(minutes, [])
                intervals.extend((p0 + i * step, p0 + (i + 1) * step, float(v))
                                 for i, v in enumerate(values) if np.isfinite(v))
    except (KeyError, ValueError) as exc:
        raise PriceFetchError(f"{source}: malformed price document ({exc})") from None
    if not out:
        raise PriceFetchError(f"{source}: the document holds no prices")
    return out
