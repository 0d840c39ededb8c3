"""Does V2G pay? One GB home for a year (2022-12-21 .. 2023-12-20) under seven tariffs and five strategies.

Real data (all under data/series/, provenance in each folder's README):
- prices: Octopus Agile import + Agile Outgoing export, half-hourly, 2022-12-21..2023-12-20 (for ``agile``);
  the other tariffs are the window schemes of data/tariffs/ plus benchmarks/tariffs/intelligent-octopus-flux.toml;
- household load: the emhass home (France, measured, 2024-02-28..2025-02-27), gross load without deferrable
  loads, moved onto the study year by whole weeks (+52 weeks, or +104 weeks for 2022-12-13..2023-03-01), so
  weekdays are kept;
- PV: modelled typical year for Hamburg (DWD TRY 2010, pvlib), 1 kWp scaled to 4 kWp, same calendar date;
- home charging: user ``ASK_Plass7`` of the Norwegian residential set (Sorensen et al. 2024), 2018-12-19 ..
  2019-12-18 (364 days, 300+ sessions, no gap over 7 days), moved by 209 weeks onto the study year keeping the
  local (Oslo -> London) wall-clock time and weekday; energy charged in a session is taken as the driving
  energy since the previous one (times eta_charge, battery side);
- Nissan Leaf e+ 62 kWh (catalogue ``nissan-leaf-62``: 59 kWh usable, 6.6 kW AC charge, 7 kW V2G), departure
  target 80 % of usable capacity; a 10 kWh / 5 kW home battery with the xStorage wear curve scaled to
  10 kWh; grid limits 15 kW import, 7.4 kW export.

Reported wear is the same for every strategy, whatever it priced in its objective: cycle ageing by the
cycle-depth model of both packs (Xu et al. 2018) on each pack's continuous SoC trajectory over the year,
driving included, plus calendar ageing (``planner.jobs.simulate.wear_account``). Both packs plan with that
model (``cycle_depth_calendar``, with the open cycle depth carried between plans).

Usage::

    python benchmarks/tariff_comparison.py --days 365 --out benchmarks/results/tariff_comparison [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from planner.inputs.scenario import scenario_from_dict  # noqa: E402
from planner.jobs.simulate.site import Site, TripSession  # noqa: E402

SERIES = ROOT / "data" / "series"
START = "2022-12-21"
USER = "ASK_Plass7"
SESSION_SOURCE_START = pd.Timestamp("2018-12-19")  # a Wednesday, like 2022-12-21
SESSION_SHIFT = pd.Timedelta(weeks=209)
TARGET_FRACTION = 0.8
PV_KWP = 4.0
DATA_END = pd.Timestamp("2023-12-21T00:00Z")  # end of the Agile series (exclusive)

TARIFFS = {
    "flat": "flat-price-cap+outgoing-fixed",
    "economy7": "economy7+outgoing-fixed",
    "go": "octopus-go+outgoing-fixed",
    "intelligent-go": "intelligent-octopus-go+outgoing-fixed",
    "flux": "octopus-flux",
    "agile": "agile",
    "intelligent-flux-v2g": str(ROOT / "benchmarks" / "tariffs" / "intelligent-octopus-flux.toml"),
}
STRATEGIES = ["charge_on_arrival", "cheapest_hours", "optimal", "optimal_v2g", "optimal_v2g_throughput"]


def template():
    """Equipment of the study home (a one-step scenario whose series are placeholders)."""
    raw = {
        "name": "gb-home-leaf-battery",
        "currency": "GBP",
        "horizon": {"start": "2022-12-21T00:00:00+00:00", "steps": 1, "step_minutes": 30,
                    "timezone": "Europe/London"},
        "grid": {"import_limit_kw": 15.0, "export_limit_kw": 7.4},
        "tariff": {"import_price_per_kwh": 0.25, "export_price_per_kwh": 0.0},
        "load": {"kw": 0.0},
        "solar": {"kw": 0.0},
        "battery": [{
            "name": "home_battery", "model": "nissan-xstorage-6", "capacity_kwh": 10.0, "soc_kwh": 5.0,
            "soc_min_kwh": 1.0, "soc_max_kwh": 10.0, "charge_max_kw": 5.0, "discharge_max_kw": 5.0,
            "eta_charge": 0.95, "eta_discharge": 0.95,
            "degradation": {"model": "cycle_depth_calendar", "replacement_cost": 4200.0, "usable_capacity_kwh": 10.0},
        }],
        "vehicle": [{
            "name": "leaf", "model": "nissan-leaf-62", "soc_min_kwh": 5.9, "soc_max_kwh": 59.0,
            "degradation": {"model": "cycle_depth_calendar"},
        }],
    }
    return scenario_from_dict(raw, ROOT)


def _read(path: Path, column: str) -> pd.Series:
    frame = pd.read_csv(path)
    index = pd.to_datetime(frame.iloc[:, 0], utc=True, format="ISO8601")
    return pd.Series(frame[column].to_numpy(dtype=float), index=pd.DatetimeIndex(index))


def load_on(index: pd.DatetimeIndex) -> np.ndarray:
    """Household load [kW] on ``index`` (emhass home moved by whole weeks, see the module docstring)."""
    src = _read(SERIES / "load" / "household_fr_emhass_2024-02-28_2025-02-27.csv", "load_power_kw")
    one = index + pd.Timedelta(weeks=52)
    two = index + pd.Timedelta(weeks=104)
    use_one = (one >= pd.Timestamp("2024-02-29T00:00Z")) & (one <= src.index[-1])
    when = np.where(use_one, one, two)
    return src.reindex(pd.DatetimeIndex(when)).to_numpy()


def solar_on(index: pd.DatetimeIndex) -> np.ndarray:
    """PV generation of 4 kWp [kW] on ``index`` (typical-year calendar date, hourly values held)."""
    src = _read(SERIES / "pv" / "pv_de_hamburg_try2010_modelled_1kwp.csv", "pv_ac_power_kw_per_kwp")
    when = index.floor("h")
    when = pd.DatetimeIndex(np.where(when < src.index[0], when + pd.Timedelta(days=365), when))
    when = pd.DatetimeIndex(np.where(when > src.index[-1], when - pd.Timedelta(days=365), when))
    return src.reindex(when).to_numpy() * PV_KWP


def sessions_on(begin: pd.Timestamp, end: pd.Timestamp, capacity_kwh: float, eta_charge: float) -> tuple:
    """The user's sessions moved onto the study period (arrivals in ``[begin, end)``)."""
    frame = pd.read_csv(SERIES / "ev_sessions" / f"norway_user_{USER}_2018-11_2020-02.csv")
    out = []
    for _, row in frame.iterrows():
        arrive = pd.Timestamp(row["arrival_utc"]).tz_convert("Europe/Oslo").tz_localize(None) + SESSION_SHIFT
        depart = pd.Timestamp(row["departure_utc"]).tz_convert("Europe/Oslo").tz_localize(None) + SESSION_SHIFT
        arrive = arrive.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
        depart = depart.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
        if not begin <= arrive < end or depart <= arrive:
            continue
        out.append(TripSession(arrive, depart, TARGET_FRACTION * capacity_kwh,
                               drive_kwh=float(row["energy_kwh"]) * eta_charge))
    return tuple(out)


def build_site(start: str = START, days: int = 365, history_days: int = 8, margin_days: int = 2) -> Site:
    """The study home with real series from ``history_days`` before ``start`` to the end of the horizon."""
    tmpl = template()
    begin = pd.Timestamp(start, tz="UTC") - pd.Timedelta(days=history_days)
    end = min(pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=days + margin_days), DATA_END)
    index = pd.date_range(begin, end, freq="30min", inclusive="left")
    leaf = tmpl.vehicles[0]
    sessions = sessions_on(begin, end, leaf.soc_max_kwh, leaf.eta_charge)
    return Site(tmpl, index, load_on(index), solar_on(index), {leaf.name: sessions})


_CACHE: dict[tuple, object] = {}
"""Per process: the site of a (start, days) and its prices per tariff, read and priced once for all jobs."""


def _site_and_prices(start: str, days: int, tariff_label: str) -> tuple[Site, object]:
    from planner.jobs.simulate.site import prices_from_scheme

    if (start, days) not in _CACHE:
        _CACHE[(start, days)] = build_site(start, days)
    site = _CACHE[(start, days)]
    if (start, days, tariff_label) not in _CACHE:
        _CACHE[(start, days, tariff_label)] = prices_from_scheme(site, TARIFFS[tariff_label])
    return site, _CACHE[(start, days, tariff_label)]


def _run_one(args: tuple[str, str, str, int, str, int | None]) -> tuple[str, str, object]:
    from planner.jobs.compare import export_label
    from planner.jobs.simulate.simulation import simulate

    tariff_label, strategy, start, days, forecast, replan = args
    site, prices = _site_and_prices(start, days, tariff_label)
    try:
        result = simulate(site, prices, strategy, start=start, days=days, forecast=forecast,
                          replan_every_minutes=replan)
    except Exception as exc:  # noqa: BLE001 - one failed run is reported, the others still finish
        return tariff_label, strategy, f"{type(exc).__name__}: {exc}"
    result.tariff = tariff_label
    result.export = export_label(TARIFFS[tariff_label])  # the export the label's scheme pairs with
    return tariff_label, strategy, result


def main(argv: list[str] | None = None) -> int:
    from planner.jobs.compare import ComparisonResult, write_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", default=START)
    parser.add_argument("--forecast", default="realistic", choices=["realistic", "averaged", "perfect"])
    parser.add_argument("--tariffs", default=",".join(TARIFFS))
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--replan-every-minutes", type=int, default=None)
    parser.add_argument("--out", default=None, help="report folder (default: no files)")
    args = parser.parse_args(argv)
    tariffs = [t for t in args.tariffs.split(",") if t]
    strategies = [s for s in args.strategies.split(",") if s]
    jobs = [(t, s, args.start, args.days, args.forecast, args.replan_every_minutes)
            for t in tariffs for s in strategies]
    t0 = time.perf_counter()
    results = {}
    failures = []
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            outcomes = list(pool.map(_run_one, jobs))
    else:
        outcomes = [_run_one(job) for job in jobs]
    for tariff, strategy, result in outcomes:
        if isinstance(result, str):
            failures.append(f"{tariff}/{strategy} failed: {result}")
            sys.stderr.write(failures[-1] + "\n")
        else:
            results[(tariff, strategy)] = result
    comparison = ComparisonResult.from_results(results, reference=(tariffs[0], strategies[0]))
    if args.out:
        command = "python benchmarks/tariff_comparison.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_report(comparison, args.out, command=command, extra_notes=[
            f"Home: {USER} sessions (Norwegian residential set), emhass load, 4 kWp Hamburg PV, Leaf e+ 62 kWh, "
            "10 kWh home battery; see benchmarks/tariff_comparison.py for the data mapping.",
            f"Wall time {time.perf_counter() - t0:.0f} s with {args.workers} worker(s).",
            *failures,
        ])
    sys.stdout.write(comparison.markdown() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
