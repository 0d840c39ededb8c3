"""Live-price fetchers against a local replay server (127.0.0.1): success, pagination, HTTP errors,
retries, timeouts, malformed bodies and partial coverage; the written CSV is read by a scenario."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from prices_api.replay import ENTSOE_TOKEN, ReplayServer

from planner.cli.main import main
from planner.inputs.prices import PriceFetchError, fetch_entsoe, fetch_octopus
from planner.inputs.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "data/series/fixtures/day_pair_winter_2023-01-16.csv"
DAY_AHEAD = ROOT / "data/series/day_ahead_de_lu_2023-2024.csv"


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s


def _fast(**kw):
    return {"timeout_s": 2.0, "retries": 2, "backoff_s": 0.01, **kw}


def test_octopus_agile_follows_pages_and_gives_the_published_rates(server: ReplayServer) -> None:
    s = fetch_octopus("AGILE-FLEX-22-11-25", "c", "2023-01-16", "2023-01-18", base_url=server.base, **_fast())
    truth = pd.read_csv(FIXTURE, parse_dates=["timestamp_utc"]).set_index("timestamp_utc")
    assert s.complete and len(s.prices) == 96
    assert s.column == "import_price_gbp_per_kwh"
    np.testing.assert_allclose(s.prices.to_numpy(), truth["import_price_gbp_per_kwh"].to_numpy(), atol=1e-9)
    assert s.prices.index[0] == pd.Timestamp("2023-01-16T00:00Z")
    paths = [p for p, _ in server.requests]
    assert paths[0].endswith("/E-1R-AGILE-FLEX-22-11-25-C/standard-unit-rates/")
    assert paths[1] == "/page/agile/1"  # the second page was followed
    query = server.requests[0][1]
    assert query["period_from"] == ["2023-01-16T00:00:00Z"] and query["period_to"] == ["2023-01-18T00:00:00Z"]


def test_outgoing_product_writes_the_export_column_a_scenario_reads(server: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    s = fetch_octopus("AGILE-OUTGOING-19-05-13", "C", "2023-01-16", "2023-01-18", base_url=server.base, **_fast())
    s.write_csv(out)
    assert s.column == "export_price_gbp_per_kwh"
    raw = {
        "schema_version": 1, "name": "fetched", "currency": "GBP",
        "horizon": {"start": "2023-01-16T00:00:00Z", "hours": 48, "step_minutes": 30, "timezone": "Europe/London"},
        "grid": {"import_limit_kw": 10, "export_limit_kw": 5},
        "tariff": {"import_price_per_kwh": 0.3, "export_prices_csv": str(out)},
        "load": {"kw": 0.5},
    }
    scenario = scenario_from_dict(raw)
    truth = pd.read_csv(FIXTURE)["export_price_gbp_per_kwh"].to_numpy()
    np.testing.assert_allclose(scenario.tariff.export_price_per_kwh, truth, atol=1e-6)


def test_partial_coverage_is_reported_and_the_published_part_written(server: ReplayServer, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture) -> None:
    s = fetch_octopus("AGILE-FLEX-22-11-25", "C", "2023-01-16", "2023-01-19", base_url=server.base, **_fast())
    assert not s.complete and len(s.missing) == 48
    assert s.missing[0] == pd.Timestamp("2023-01-18T00:00Z")
    assert "96 of 144 steps" in s.coverage_text() and "missing 2023-01-18T00:00:00+00:00" in s.coverage_text()
    monkeypatch.setenv("PLANNER_OCTOPUS_API", server.base)
    out = tmp_path / "p.csv"
    argv = ["prices", "fetch", "octopus", "--product", "AGILE-FLEX-22-11-25", "--start", "2023-01-16",
            "--end", "2023-01-19", "--out", str(out), "--retries", "0"]
    assert main(argv) == 4
    assert len(pd.read_csv(out)) == 96
    assert "prices incomplete" in capsys.readouterr().err
    assert main([*argv, "--allow-partial"]) == 0


def test_http_error_names_the_status_and_is_not_retried(server: ReplayServer) -> None:
    with pytest.raises(PriceFetchError, match="HTTP 404"):
        fetch_octopus("NOPE-1", "C", "2023-01-16", "2023-01-18", base_url=server.base, **_fast())
    assert len(server.requests) == 1


def test_transient_5xx_is_retried_then_succeeds(server: ReplayServer) -> None:
    server.fail_first = 2
    s = fetch_octopus("AGILE-FLEX-22-11-25", "C", "2023-01-16", "2023-01-18", base_url=server.base, **_fast())
    assert s.complete and len(server.requests) == 4  # 2 failures, page 0, page 1


def test_persistent_5xx_gives_a_clear_error(server: ReplayServer) -> None:
    server.fail_first = 10
    with pytest.raises(PriceFetchError, match="HTTP 503"):
        fetch_octopus("AGILE-FLEX-22-11-25", "C", "2023-01-16", "2023-01-18", base_url=server.base, **_fast())
    assert len(server.requests) == 3  # one try and two retries


def test_timeout_gives_a_clear_error_in_bounded_time(server: ReplayServer) -> None:
    server.delay_s = 1.5
    t0 = time.perf_counter()
    with pytest.raises(PriceFetchError, match="no answer within the timeout"):
        fetch_octopus("AGILE-FLEX-22-11-25", "C", "2023-01-16", "2023-01-18", base_url=server.base,
                      timeout_s=0.3, retries=1, backoff_s=0.01)
    assert time.perf_counter() - t0 < 3.0


def test_malformed_bodies_are_named(server: ReplayServer) -> None:
    server.malformed = True
    with pytest.raises(PriceFetchError, match="not JSON"):
        fetch_octopus("AGILE-FLEX-22-11-25", "C", "2023-01-16", "2023-01-18", base_url=server.base, **_fast())
    with pytest.raises(PriceFetchError, match="not XML"):
        fetch_entsoe("DE-LU", "2023-01-15T23:00Z", "2023-01-17T23:00Z", token=ENTSOE_TOKEN,
                     base_url=server.base, **_fast())


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ValueError, match="region: 'I'"):
        fetch_octopus("AGILE-24-10-01", "I", "2023-01-16", "2023-01-18")
    with pytest.raises(ValueError, match="end: .* expected a time after start"):
        fetch_octopus("AGILE-24-10-01", "C", "2023-01-18", "2023-01-16")
    with pytest.raises(ValueError, match="zone: 'XX'"):
        fetch_entsoe("XX", "2023-01-16", "2023-01-18", token="t")


def test_entsoe_day_ahead_fills_left_out_points_and_converts_units(server: ReplayServer) -> None:
    s = fetch_entsoe("DE-LU", "2023-01-15T23:00Z", "2023-01-17T23:00Z", token=ENTSOE_TOKEN,
                     base_url=server.base, **_fast())
    truth = pd.read_csv(DAY_AHEAD, parse_dates=["timestamp_utc"]).set_index("timestamp_utc")
    truth = truth.loc["2023-01-15T23:00Z":"2023-01-17T22:00Z", "price_eur_per_mwh"] / 1000.0
    assert s.complete and s.step_minutes == 60 and s.column == "price_eur_per_kwh"
    np.testing.assert_allclose(s.prices.to_numpy(), truth.to_numpy(), atol=1e-12)
    query = server.requests[0][1]
    assert query["documentType"] == ["A44"] and query["in_Domain"] == ["10Y1001A1001A82H"]
    assert query["periodStart"] == ["202301152300"]
    half = fetch_entsoe("DE-LU", "2023-01-15T23:00Z", "2023-01-17T23:00Z", token=ENTSOE_TOKEN,
                        step_minutes=30, base_url=server.base, **_fast())
    assert len(half.prices) == 96 and half.prices.iloc[1] == s.prices.iloc[0]


def test_entsoe_errors_never_show_the_token(server: ReplayServer) -> None:
    with pytest.raises(PriceFetchError, match="HTTP 401") as info:
        fetch_entsoe("DE-LU", "2023-01-16", "2023-01-17", token="secret-abc", base_url=server.base, **_fast())
    assert "secret-abc" not in str(info.value)
    server.no_data = True
    with pytest.raises(PriceFetchError, match="999: No matching data"):
        fetch_entsoe("DE-LU", "2023-01-16", "2023-01-17", token=ENTSOE_TOKEN, base_url=server.base, **_fast())


def test_entsoe_cli_reads_the_token_from_the_environment(server: ReplayServer, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_ENTSOE_API", server.base)
    out = tmp_path / "de.csv"
    argv = ["prices", "fetch", "entsoe", "--zone", "DE-LU", "--start", "2023-01-15T23:00Z",
            "--end", "2023-01-17T23:00Z", "--out", str(out)]
    monkeypatch.delenv("ENTSOE_API_TOKEN", raising=False)
    assert main(argv) == 2  # no token: bad input, nothing written
    assert not out.exists()
    monkeypatch.setenv("ENTSOE_API_TOKEN", ENTSOE_TOKEN)
    assert main(argv) == 0
    frame = pd.read_csv(out, parse_dates=["timestamp_utc"])
    assert list(frame.columns) == ["timestamp_utc", "price_eur_per_kwh"] and len(frame) == 48
    assert str(frame.timestamp_utc.dt.tz) == "UTC"
