"""`wfm staff` with ISA and with daily / weekly service-level targets (the wiring of
erlang.isa and erlang.period into wfmplan.staffing and the command line).

Independent checks: the Erlang C formula (erlang.kpis) summed calls-weighted per day for the
period target; the engine's own entry point (erlang.isa.isa_staffing) on the same series for
the ISA wiring; hand-made bad inputs for the messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from erlang import ServiceTarget, kpis, required_agents
from erlang.isa import isa_staffing
from erlang.timevarying import modified_offered_load
from erlang.uncertainty import risk_calls
from wfmplan.staffing import read_forecast, staff

runner = CliRunner()


def _two_days(tmp_path):
    rng = np.random.default_rng(2)
    times = pd.date_range("2026-03-02 08:00", periods=24, freq="30min")
    times = times.append(times + pd.Timedelta(days=1))
    calls = np.round(rng.uniform(20, 160, times.size), 1)
    path = tmp_path / "forecast.csv"
    pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"), "offered": calls,
                  "aht_s": 240.0}).to_csv(path, index=False)
    return path, calls


def test_daily_target_meets_each_day_with_fewer_agents(tmp_path):
    path, calls = _two_days(tmp_path)
    every = staff(read_forecast(path), ServiceTarget()).frame
    daily = staff(read_forecast(path), ServiceTarget(sl_period="day", sl_floor=0.5))
    frame = daily.frame
    assert frame["agents"].sum() <= every["agents"].sum()
    assert any("sl_period day" in n for n in daily.notes)
    # each day's calls-weighted Erlang C service level at the load staffed for
    day = pd.to_datetime(frame["interval_start"]).dt.date
    sl = np.asarray(kpis(frame["agents"].to_numpy(), frame["staffing_erl"].to_numpy(), 240.0,
                         ServiceTarget())["service_level"])
    for d in day.unique():
        rows = (day == d).to_numpy()
        assert np.average(sl[rows], weights=calls[rows]) >= 0.8 - 1e-12
    assert sl.min() >= 0.5 - 1e-12                                   # the floor holds
    # the saving the note reports is the agent-hours difference
    saved = (every["agents"].sum() - frame["agents"].sum()) * 0.5
    assert f"{saved:,.2f} agent-hours fewer" in " ".join(daily.notes)


def test_isa_through_staff_is_the_engine_on_each_run(tmp_path):
    times = pd.date_range("2026-03-02 08:00", periods=8, freq="15min")
    calls = np.array([20.0, 60, 120, 120, 40, 20, 20, 20])
    path = tmp_path / "f.csv"
    pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"), "offered": calls,
                  "aht_s": 300.0}).to_csv(path, index=False)
    target = ServiceTarget(staffing_method="isa", isa_replications=20, isa_max_iterations=6)
    req = staff(read_forecast(path), target)
    direct = isa_staffing(calls, 300.0, 15, target, replications=20, max_iterations=6,
                          damping=0.5)
    assert req.frame["agents"].tolist() == direct.agents.tolist()
    assert req.notes and req.notes[0].startswith("isa: ")
    assert req.staffing_method == "isa"
    # ISA starts from MOL: the start of its history is the MOL staffing's agent-hours
    mol = required_agents(modified_offered_load(calls, 300.0, 15), 300.0)
    assert direct.history[0] == pytest.approx(mol.sum() * 0.25)


@pytest.mark.parametrize(("extra", "message"), [
    (["--sl-floor", "0.5"], "sl_floor (--sl-floor) needs sl_period day or week"),
    (["--sl-period", "day", "--sl-floor", "0.9"],
     "sl_floor (--sl-floor) of 0.9 is above sl_target 0.8"),
    (["--sl-period", "month"], "sl_period (--sl-period) must be one of interval, day, week"),
    (["--sl-period", "day", "--staffing-method", "isa"],
     "sl_period (--sl-period) day or week cannot be combined with staffing_method isa"),
], ids=["floor-without-period", "floor-above-target", "bad-period", "isa-with-period"])
def test_bad_period_options_are_one_line(tmp_path, extra, message):
    path, _ = _two_days(tmp_path)
    out = tmp_path / "r.csv"
    res = runner.invoke(app, ["staff", str(path), "-o", str(out), *extra])
    assert res.exit_code == 2
    assert message in res.output
    assert not out.exists()


def _forecast_with_interval(tmp_path, width):
    times = pd.date_range("2026-03-02 08:00", periods=12, freq="30min")
    calls = np.array([40.0, 80, 120, 160, 160, 140, 120, 100, 90, 80, 60, 40])
    path = tmp_path / f"fc{width}.csv"
    pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"), "offered": calls,
                  "offered_lo80": calls * (1 - width), "offered_hi80": calls * (1 + width),
                  "aht_s": 240.0}).to_csv(path, index=False)
    return path, calls


def test_service_risk_staffs_the_rate_quantile_and_reports_its_cost(tmp_path):
    path, calls = _forecast_with_interval(tmp_path, 0.3)
    req = staff(read_forecast(path), ServiceTarget(service_risk=0.1))
    # the engine's rate quantile, staffed at its MOL (erlang.uncertainty's own tests check
    # the quantile against scipy's Gamma and a brute-force scan)
    q = risk_calls(calls, calls * 0.7, calls * 1.3, 0.8, 0.1)
    want = required_agents(modified_offered_load(q, 240.0, 30), 240.0)
    assert req.frame["agents"].tolist() == want.tolist()
    point = staff(read_forecast(path), ServiceTarget()).frame["agents"]
    extra = (req.frame["agents"].sum() - point.sum()) * 0.5
    assert extra > 0 and f"{extra:+,.2f} agent-hours" in req.notes[0]
    # an interval no wider than Poisson noise: the safety costs nothing
    narrow, calls = _forecast_with_interval(tmp_path, 0.0)
    for kw in ({"service_risk": 0.1}, {"expected_sl": True}):
        assert staff(read_forecast(narrow), ServiceTarget(**kw)).frame["agents"].tolist() == \
            staff(read_forecast(narrow), ServiceTarget()).frame["agents"].tolist()


@pytest.mark.parametrize(("extra", "message"), [
    (["--service-risk", "0.7"], "service_risk (--service-risk) must be in (0, 0.5]"),
    (["--service-risk", "0.1", "--expected-sl"],
     "service_risk and expected_sl (--expected-sl) are two ways"),
    (["--service-risk", "0.1", "--sl-period", "day"],
     "service_risk (--service-risk) works with staffing_method mol"),
], ids=["risk-too-high", "risk-and-expected", "risk-with-period"])
def test_bad_risk_options_are_one_line(tmp_path, extra, message):
    path, _ = _forecast_with_interval(tmp_path, 0.3)
    out = tmp_path / "r.csv"
    res = runner.invoke(app, ["staff", str(path), "-o", str(out), *extra])
    assert res.exit_code == 2
    assert message in res.output
    assert not out.exists()


def test_service_risk_needs_the_interval_columns(tmp_path):
    path, _ = _two_days(tmp_path)
    res = runner.invoke(app, ["staff", str(path), "-o", str(tmp_path / "r.csv"),
                              "--service-risk", "0.1"])
    assert res.exit_code == 2
    assert "needs the forecast's prediction interval" in res.output
