"""Write the API answers the price-fetcher tests replay, in each API's documented form, from real prices.

- Octopus: the Agile import and Agile Outgoing rates of 16-17 January 2023 (``data/series/fixtures``), as
  the ``standard-unit-rates`` endpoint pages them (newest first, 50 a page, ``next`` links, p/kWh).
- ENTSO-E: the DE-LU day-ahead prices of 16-17 January 2023 (``data/series/day_ahead_de_lu_2023-2024.csv``)
  as a ``Publication_MarketDocument`` (one ``Period`` per day, PT60M, one point left out where the price
  repeats, as curve type A03 does), and the ``Acknowledgement_MarketDocument`` sent when there is no data.

Run from the repository root: ``python tests/prices_api/make_responses.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PAGE = 50
NS = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"


def octopus(column: str, product: str, name: str, vat: float) -> None:
    frame = pd.read_csv(ROOT / "data/series/fixtures/day_pair_winter_2023-01-16.csv", parse_dates=["timestamp_utc"])
    rows = []
    for ts, gbp in zip(frame["timestamp_utc"], frame[column], strict=True):
        pence = round(gbp * 100, 4)
        rows.append({
            "value_exc_vat": round(pence / vat, 4), "value_inc_vat": pence,
            "valid_from": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "valid_to": (ts + pd.Timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "payment_method": None,
        })
    rows.reverse()  # the API lists the newest rate first
    pages = [rows[i:i + PAGE] for i in range(0, len(rows), PAGE)]
    for k, page in enumerate(pages):
        body = {
            "count": len(rows),
            "next": f"{{base}}/page/{name}/{k + 1}" if k + 1 < len(pages) else None,
            "previous": None if k == 0 else f"{{base}}/page/{name}/{k - 1}",
            "results": page,
        }
        (HERE / f"octopus_{name}_page{k}.json").write_text(json.dumps(body, indent=1) + "\n")


def entsoe() -> None:
    frame = pd.read_csv(ROOT / "data/series/day_ahead_de_lu_2023-2024.csv", parse_dates=["timestamp_utc"])
    frame = frame[(frame.timestamp_utc >= "2023-01-15T23:00Z") & (frame.timestamp_utc < "2023-01-17T23:00Z")]
    periods = []
    for _day, group in frame.groupby(frame.timestamp_utc.dt.tz_convert("Europe/Berlin").dt.date):
        start = group.timestamp_utc.iloc[0]
        end = start + pd.Timedelta(hours=len(group))
        points, last = [], None
        for i, price in enumerate(group.price_eur_per_mwh, start=1):
            if price != last or i == 1:
                points.append(f"<Point><position>{i}</position><price.amount>{price}</price.amount></Point>")
            last = price
        periods.append(
            "<Period><timeInterval>"
            f"<start>{start:%Y-%m-%dT%H:%MZ}</start><end>{end:%Y-%m-%dT%H:%MZ}</end></timeInterval>"
            "<resolution>PT60M</resolution>" + "".join(points) + "</Period>"
        )
    series = (
        "<TimeSeries><mRID>1</mRID><businessType>A62</businessType>"
        "<in_Domain.mRID codingScheme=\"A01\">10Y1001A1001A82H</in_Domain.mRID>"
        "<currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name>"
        "<curveType>A03</curveType>" + "".join(periods) + "</TimeSeries>"
    )
    doc = (f'<?xml version="1.0" encoding="utf-8"?>\n<Publication_MarketDocument xmlns="{NS}">'
           "<mRID>fixture</mRID><type>A44</type>" + series + "</Publication_MarketDocument>\n")
    (HERE / "entsoe_de_lu_2023-01-16.xml").write_text(doc)
    ack = ('<?xml version="1.0" encoding="utf-8"?>\n<Acknowledgement_MarketDocument '
           'xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0"><mRID>ack</mRID>'
           "<Reason><code>999</code><text>No matching data found for Data item Day-ahead Prices "
           "[12.1.D] (10Y1001A1001A82H, 10Y1001A1001A82H).</text></Reason></Acknowledgement_MarketDocument>\n")
    (HERE / "entsoe_no_data.xml").write_text(ack)


if __name__ == "__main__":
    octopus("import_price_gbp_per_kwh", "AGILE-FLEX-22-11-25", "agile", 1.05)
    octopus("export_price_gbp_per_kwh", "AGILE-OUTGOING-19-05-13", "outgoing", 1.0)
    entsoe()
