"""`wfm forecast` and `wfm backtest` contracts: columns, JSON keys, and forecast -> staff."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def bank_slice(tmp_path_factory):
    # the last 12 weeks of the real bank data (data/README.md), summed to 30 minutes
    d = pd.read_csv("data/bank_calls_5min.csv", parse_dates=["interval_start"])
    d = d[d["interval_start"] >= "2003-08-01"]
    p = tmp_path_factory.mktemp("bank") / "history.csv"
    d.assign(interval_start=d["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        p, index=False)
    return p


def test_forecast_feeds_staff(bank_slice, tmp_path):
    fc = tmp_path / "forecast.csv"
    res = runner.invoke(app, ["forecast", str(bank_slice), "--freq", "30min", "--country", "US",
                              "--horizon", "1w", "-o", str(fc)])
    assert res.exit_code == 0, res.output
    f = pd.read_csv(fc)
    assert {"interval_start", "offered", "offered_lo80", "offered_hi80", "model"} <= set(f)
    assert (f["offered_lo80"] <= f["offered"]).all() and (f["offered"] <= f["offered_hi80"]).all()
    # the week after 2003-10-24 (a Friday): Mon 27 .. Fri 31 October, 29 half-hours a day
    days = pd.to_datetime(f["interval_start"]).dt.normalize().unique()
    assert len(days) == 5 and str(days[0].date()) == "2003-10-27"
    req = tmp_path / "req.csv"
    res = runner.invoke(app, ["staff", str(fc), "--aht-s", "300", "-o", str(req)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(req)) == len(f)


def test_backtest_json_has_the_promised_keys(bank_slice):
    res = runner.invoke(app, ["backtest", str(bank_slice), "--freq", "60min", "--folds", "2",
                              "--country", "US", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    keys = {"model", "folds", "mase", "wape", "bias", "coverage", "agents_mae", "understaffed",
            "winner"}
    assert all(keys <= set(r) for r in rows)
    assert sum(r["winner"] for r in rows) >= 1
    assert {r["model"] for r in rows} >= {"seasonal_naive", "weekday_avg8", "auto"}


def test_forecast_bad_input(tmp_path, bank_slice):
    bad = tmp_path / "bad.csv"
    bad.write_text("interval_start,offered\n2003-10-01 07:00,5\nnot a time,3\n")
    res = runner.invoke(app, ["forecast", str(bad), "-o", str(tmp_path / "f.csv")])
    assert res.exit_code == 2 and str(bad) in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(app, ["forecast", str(bank_slice), "--horizon", "1w", "--intervals",
                              str(bad), "-o", str(tmp_path / "f.csv")])
    assert res.exit_code == 2 and "exclude each other" in res.stderr
