"""Stage contracts: every file a stage writes is read by the next stage, and every input a
stage accepts is accepted by the stages after it. The first three tests are the seam
failures of issue 8 (each failed on the code before the one reader and the one target
vocabulary); expected values are hand sums of the files the stages wrote."""

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def run(*args):
    res = runner.invoke(app, [str(a) for a in args])
    return res


@pytest.fixture(scope="module")
def vendor_history(tmp_path_factory):
    """Three weeks of one synthetic queue (data/make_synthetic_calls.py) under vendor-style
    headers, as an ACD export would name them."""
    d = pd.read_csv("data/synthetic_calls.csv")
    d = d[(d["queue"] == "sales") & (d["interval_start"] < "2025-02-24")]
    d = d.rename(columns={"interval_start": "Interval Start", "queue": "Skill",
                          "offered": "Calls Offered", "handled": "Calls Handled",
                          "abandoned": "Abandoned Calls", "aht_s": "AHT (sec)"})
    path = tmp_path_factory.mktemp("vendor") / "export.csv"
    d.to_csv(path, index=False)
    return path


def test_iso_t_forecast_goes_through_staff_and_schedule(tmp_path):
    # seam 1: `wfm staff` copied '2026-03-02T08:00' through and `wfm schedule` refused it
    starts = pd.date_range("2026-03-02 08:00", periods=16, freq="15min")
    src = tmp_path / "forecast.csv"
    pd.DataFrame({"interval_start": starts.strftime("%Y-%m-%dT%H:%M"), "offered": 40.0,
                  "aht_s": 240.0}).to_csv(src, index=False)
    req = tmp_path / "requirements.csv"
    res = run("staff", src, "-o", req)
    assert res.exit_code == 0, res.output
    written = pd.read_csv(req, dtype={"interval_start": str})
    assert written["interval_start"].iloc[0] == "2026-03-02 08:00"   # the one written format
    res = run("schedule", req, "-o", tmp_path / "sched", "--no-simulate")
    assert res.exit_code == 0, res.output
    cov = pd.read_csv(tmp_path / "sched" / "coverage.csv")
    assert len(cov) == 16 and (cov["under"] == 0).all()


def test_vendor_headers_plan_end_to_end(vendor_history, tmp_path):
    # seam 2: the forecast read the vendor headers, the history scorecard did not
    out = tmp_path / "plan"
    res = run("plan", vendor_history, "--replications", "2", "-o", out)
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text()
    assert "KPIs of the last weeks of history" in html
    res = run("kpis", vendor_history)
    assert res.exit_code == 0, res.output


def test_sl_target_zero_is_no_target_in_every_command(vendor_history, tmp_path):
    # seam 3: "sl_target = 0" (wfm init: "0 = no target") passed staff, failed kpis and plan
    cfg = tmp_path / "wfm.toml"
    cfg.write_text("[targets]\nsl_target = 0\nasa_target_s = 20\n")
    res = run("kpis", vendor_history, "--config", cfg)
    assert res.exit_code == 0, res.output
    # with no service-level target the scorecard names no service-level miss
    assert "service level" not in res.stdout.split("misses", 1)[1]
    out = tmp_path / "plan"
    res = run("plan", vendor_history, "--config", cfg, "--replications", "2", "-o", out)
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out / "requirements.csv")
    # staffed to ASA <= 20 s only: every interval with calls meets it (Erlang A/C KPIs)
    busy = req["offered"] > 0
    assert (req.loc[busy, "asa_s"] <= 20 * (1 + 1e-12)).all()


def _summary(out):
    text = (out / "report.html").read_text()
    return json.loads(re.search(r"id='wfm-summary'>(.*?)</script>", text, re.S).group(1))


def test_interval_length_travels_with_the_results(vendor_history, tmp_path):
    # the interval length is a field of every result, never a default: a 30-minute plan's
    # agent-hours are agents x 0.5 h (a lost attribute used to fall back to 15 minutes)
    out = tmp_path / "plan30"
    res = run("plan", vendor_history, "--freq", "30min", "--replications", "2", "-o", out)
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out / "requirements.csv")
    s = _summary(out)
    assert s["agent_hours"] == pytest.approx(req["agents"].sum() * 0.5)
    assert "30-minute intervals" in (out / "report.html").read_text()
    daily = pd.read_excel(out / "plan.xlsx", sheet_name="daily")
    assert daily["required_agent_hours"].sum() == pytest.approx(req["agents"].sum() * 0.5)


def test_forecast_output_feeds_staff_whatif_and_schedule(vendor_history, tmp_path):
    fc = tmp_path / "forecast.csv"
    res = run("forecast", vendor_history, "-o", fc)
    assert res.exit_code == 0, res.output
    req = tmp_path / "req.csv"
    assert run("staff", fc, "-o", req).exit_code == 0
    res = run("whatif", fc, "--volume", "1,1.1", "--no-paid-hours")
    assert res.exit_code == 0, res.output
    res = run("schedule", req, "-o", tmp_path / "s", "--no-simulate")
    assert res.exit_code == 0, res.output
    # one requirement row per forecast row (staff adds columns, never drops rows)
    r = pd.read_csv(req)
    assert len(r) == len(pd.read_csv(fc))
