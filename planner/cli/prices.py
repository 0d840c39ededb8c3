"""``planner prices fetch``: live Octopus and ENTSO-E prices into a scenario's price CSV."""

from __future__ import annotations

import argparse
import sys

from planner.cli.output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

EXIT_PARTIAL = 4
"""``prices fetch``: some steps are not published yet; the file holds the published ones."""


def _cmd_prices(args: argparse.Namespace) -> int:
    from planner.inputs.prices import fetch_entsoe, fetch_octopus

    common = {"timeout_s": args.timeout_s, "retries": args.retries}
    end = args.end or _two_days_after(args.start)
    if args.source == "octopus":
        series = fetch_octopus(args.product, args.region, args.start, end, column=args.column,
                               step_minutes=args.step_minutes or 30, **common)
    else:
        series = fetch_entsoe(args.zone, args.start, end, token=args.token, step_minutes=args.step_minutes,
                              **common)
    path = series.write_csv(args.out)
    print(f"{series.coverage_text()}; column {series.column} written to {path}")
    if not series.complete:
        print(f"prices incomplete: {series.coverage_text()}", file=sys.stderr)
        return EXIT_OK if args.allow_partial else EXIT_PARTIAL
    return EXIT_OK


def _two_days_after(start: str) -> str:
    import pandas as pd

    from planner.inputs.prices.series import utc

    return (utc(start, "--start") + pd.Timedelta(days=2)).isoformat()


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``prices fetch``."""
    p = sub.add_parser("prices", help="fetch live prices into the CSV a scenario reads")
    psub = p.add_subparsers(dest="prices_command", required=True)
    f = psub.add_parser(
        "fetch", help="Octopus unit rates or ENTSO-E day-ahead prices over a window",
        description="Write timestamp_utc,<price column> for [--start, --end) (UTC; dates mean 00:00 UTC). "
        f"Exit {EXIT_OK}: every step published; {EXIT_PARTIAL}: some steps not published yet (the file holds "
        f"the published ones); {EXIT_BAD_INPUT}: bad option; {EXIT_FAILED}: the source failed.",
    )
    f.add_argument("source", choices=["octopus", "entsoe"], help="octopus (GBP/kWh inc VAT) or entsoe (EUR/kWh)")
    f.add_argument("--product", default="AGILE-24-10-01",
                   help="octopus: product code (default AGILE-24-10-01; export: AGILE-OUTGOING-19-05-13)")
    f.add_argument("--region", default="C", help="octopus: region letter A-P (default C, London)")
    f.add_argument("--column", help="octopus: column name (default import_/export_price_gbp_per_kwh)")
    f.add_argument("--zone", default="DE-LU", help="entsoe: bidding zone, e.g. DE-LU, FR, NL, or an EIC code")
    f.add_argument("--token", help="entsoe: security token (default: the ENTSOE_API_TOKEN variable)")
    f.add_argument("--start", default="today", help="first step, UTC (default today)")
    f.add_argument("--end", help="end of the window, UTC (default two days after --start)")
    f.add_argument("--step-minutes", type=int, help="step of the written series (default 30; entsoe: published)")
    f.add_argument("--out", required=True, help="CSV file to write")
    f.add_argument("--timeout-s", type=float, default=20.0, help="per-request timeout [s] (default 20)")
    f.add_argument("--retries", type=int, default=3, help="tries after a timeout or 429/5xx (default 3)")
    f.add_argument("--allow-partial", action="store_true", help=f"exit {EXIT_OK} when some steps are missing")
    f.set_defaults(func=_cmd_prices)
