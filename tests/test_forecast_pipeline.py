"""The library entry points run_forecast / run_backtest, end to end."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.synthetic import poisson_history
from wfmcore import InputError

ROOT = Path(__file__).parents[1]
BANK = ROOT / "data" / "bank_calls_5min.csv"
DATA = ROOT / "tests" / "data" / "forecast"


@pytest.fixture(scope="module")
def bank():
    return forecast.read_history(BANK)


@pytest.fixture(scope="module")
def bank_fc(bank):
    # Last 12 weeks only: enough for every model and 8 calibration weeks, and fast.
    h = bank[bank["interval_start"] >= "2003-08-01"].reset_index(drop=True)
    return forecast.run_forecast(h, horizon="1w", freq="30min", country="US")


def test_forecast_columns_and_days(bank_fc):
    assert list(bank_fc.columns) == ["interval_start", "offered", "offered_lo80",
                                     "offered_hi80", "model"]
    days = bank_fc["interval_start"].dt.normalize().unique()
    # History ends Fri 2003-10-24: the next week's open days are Mon 10-27 .. Fri 10-31;
    # 07:00-21:05 at 30 minutes = 28 whole intervals a day (07:00 .. 20:30); the partial
    # 21:00-21:30 (only 21:00-21:05 in the history) is left out with a note.
    assert list(days) == list(pd.date_range("2003-10-27", periods=5, freq="D"))
    assert len(bank_fc) == 5 * 28
    assert any("21:00-21:30 is only partly" in n for n in bank_fc.attrs["notes"])
    assert (bank_fc["offered_lo80"] <= bank_fc["offered"]).all()
    assert (bank_fc["offered"] <= bank_fc["offered_hi80"]).all()
    assert bank_fc["model"].iloc[0].startswith("auto(")
    ev = bank_fc.attrs["evidence"]
    assert {"seasonal_naive", "weekday_avg8", "day_profile", "svd"} <= set(ev["model"])


def test_forecast_level_is_plausible(bank_fc, bank):
    # Weekly totals of the last 4 weeks of the history were 150-165 thousand calls; a
    # forecast of the next week far outside that range would be a bug, not a model choice.
    weekly = bank.set_index("interval_start")["offered"].resample("W").sum().tail(4)
    total = bank_fc["offered"].sum()
    assert 0.9 * weekly.min() < total < 1.1 * weekly.max()


def test_written_csv_feeds_wfm_staff(bank_fc, tmp_path):
    out = forecast.write_forecast(bank_fc, tmp_path / "fc.csv")
    back = pd.read_csv(out, dtype=str)
    assert back["interval_start"].iloc[0] == "2003-10-27 07:00"       # YYYY-MM-DD HH:MM
    assert list(back.columns[:2]) == ["interval_start", "offered"]
    with pytest.raises(InputError, match="would overwrite the input"):
        forecast.write_forecast(bank_fc, out, inputs=[out])


def test_labor_day_week_is_forecast_as_closed_then_catch_up(bank):
    # Forecast the week of Labor Day 2003 from history up to Fri 08-29.
    h = bank[(bank["interval_start"] >= "2003-05-01") & (bank["interval_start"] < "2003-08-30")]
    fc = forecast.run_forecast(h.reset_index(drop=True), horizon="1w", freq="60min",
                               country="US", model="day_profile")
    days = fc["interval_start"].dt.normalize()
    assert pd.Timestamp("2003-09-01") not in set(days)                # closed, not forecast
    tot = fc.groupby(days)["offered"].sum()
    # The Tuesday after a Monday closure is forecast above the following Thursday (the data
    # had Tue 09-02 = 42,889 calls vs Thu 09-04 = 32,000); Memorial Day taught the effect.
    assert tot[pd.Timestamp("2003-09-02")] > 1.1 * tot[pd.Timestamp("2003-09-04")]


def test_intervals_mode_compares_with_actuals(bank):
    want = pd.DataFrame({"interval_start": pd.to_datetime(
        ["2003-10-20 10:00", "2003-10-20 10:30", "2003-10-25 10:00"])})   # 10-25 is a Saturday
    fc = forecast.run_forecast(bank[bank["interval_start"] >= "2003-07-01"].reset_index(
        drop=True), intervals=want, freq="30min", country="US")
    assert fc["interval_start"].tolist() == want["interval_start"].tolist()
    assert fc["model"].iloc[2] == "closed" and fc["offered"].iloc[2] == 0
    assert any("history cut before 2003-10-20" in n for n in fc.attrs["notes"])
    actual = forecast.aggregate(bank, 30).set_index("interval_start")["offered"]
    for i in range(2):
        assert fc["offered"].iloc[i] == pytest.approx(actual[want["interval_start"][i]], rel=0.2)


def test_intervals_off_grid(bank):
    want = pd.DataFrame({"interval_start": pd.to_datetime(["2003-10-27 10:05"])})
    with pytest.raises(InputError, match=r"not on the 30-minute grid"):
        forecast.run_forecast(bank.tail(169 * 15).reset_index(drop=True), intervals=want,
                              freq="30min")


def test_aht_forecast_and_queues():
    # Two queues with known AHT: 'sales' constant 200 s, 'support' 300 s.
    frames = []
    for q, aht, seed in (("sales", 200.0, 1), ("support", 300.0, 2)):
        f, _ = poisson_history(weeks=4, seed=seed, calls_per_day=800)
        f.insert(0, "queue", q)
        f["aht_s"] = aht
        frames.append(f)
    fc = forecast.run_forecast(pd.concat(frames, ignore_index=True), horizon="1w")
    assert set(fc["queue"]) == {"sales", "support"}
    assert list(fc.columns) == ["queue", "interval_start", "offered", "offered_lo80",
                                "offered_hi80", "model", "aht_s"]
    np.testing.assert_allclose(fc.groupby("queue")["aht_s"].mean(), [200.0, 300.0])


def test_constant_aht_and_level_name():
    f, _ = poisson_history(weeks=3, seed=5)
    fc = forecast.run_forecast(f, horizon="2w", level=0.9, aht_s=240, model="weekday_avg8")
    assert {"offered_lo90", "offered_hi90"} <= set(fc.columns)
    assert (fc["aht_s"] == 240).all() and (fc["model"] == "weekday_avg8").all()
    assert fc["interval_start"].dt.normalize().nunique() == 10          # two weeks, Mon-Fri


def test_one_week_history_baseline_answers():
    f, _ = poisson_history(weeks=1, seed=3)
    fc = forecast.run_forecast(f, horizon="1w")
    assert (fc["model"] == "auto(seasonal_naive)").all()
    notes = " ".join(fc.attrs["notes"])
    assert "day_profile stepped aside: day_profile needs at least 3 weeks" in notes
    assert "Poisson-only" in notes
    with pytest.raises(InputError, match="too short for a backtest"):
        forecast.run_backtest(f)


def test_bad_options():
    f, _ = poisson_history(weeks=2, seed=3)
    with pytest.raises(InputError, match=r"level must be a share in \(0, 1\); got 80"):
        forecast.run_forecast(f, level=80)
    with pytest.raises(InputError, match=r"model must be 'auto' or one of"):
        forecast.run_forecast(f, model="prophet")
    with pytest.raises(InputError, match=r"horizon must look like"):
        forecast.run_forecast(f, horizon="two weeks")


def test_backtest_reproduces_published_baselines(bank):
    # Issue 3 (published protocol: 10 weekly origins over the last 10 weeks, next business
    # week, MASE scaled by the in-sample weekly seasonal naive): seasonal naive 1.12-1.15 and
    # the 8-week same-weekday average 0.88-0.92. Checked here at 30 minutes.
    bt = forecast.run_backtest(bank, folds=10, freq="30min", country="US",
                               models=["seasonal_naive", "weekday_avg8"])
    mase = bt.set_index("model")["mase"]
    assert 1.12 <= mase["seasonal_naive"] <= 1.15
    assert 0.88 <= mase["weekday_avg8"] <= 0.92
    assert set(bt.columns) >= {"model", "folds", "mase", "wape", "bias", "coverage", "winner"}
    assert bt.loc[bt.winner, "model"].tolist() in (["weekday_avg8"], ["auto"])
    assert (bt["folds"] == 10).all()


def test_seven_day_centre_with_missing_rows_and_low_volume():
    # A 7-day centre (weekends quieter), 60 calls a day, 5 % of rows lost at random.
    f, rates = poisson_history(weeks=10, seed=9, calls_per_day=60,
                               weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.5, 0.35))
    rng = np.random.default_rng(4)
    f = f[rng.random(len(f)) > 0.05].reset_index(drop=True)
    fc = forecast.run_forecast(f, horizon="1w")
    days = fc["interval_start"].dt.normalize().unique()
    assert len(days) == 7 and len(fc) == 7 * 24                     # 08:00-20:00 at 30 min
    assert np.isfinite(fc[["offered", "offered_lo80", "offered_hi80"]].to_numpy()).all()
    # Weekly total against the known rates (sum of the weekday levels x 60 calls = 351):
    # within 15 % (Poisson sd of a week's total ~ sqrt(351) = 5 %, plus estimation error).
    assert fc["offered"].sum() == pytest.approx(rates.sum(), rel=0.15)


def test_aht_weekday_profile_survives_shrinkage():
    # Mondays 300 s, other days 200 s, 4 weeks. Shrinking the 4 Mondays toward the pooled
    # mean (~ (1.2*300 + 3.8*200) / 5 = 224 s, calls-weighted) with the weight of one day:
    # (4*1.2*300 + 1*224) / (4*1.2 + 1) ~ 287 s; other weekdays stay within 3 % of 200 s.
    f, _ = poisson_history(weeks=4, seed=6)
    f["aht_s"] = np.where(f["interval_start"].dt.day_of_week == 0, 300.0, 200.0)
    fc = forecast.run_forecast(f, horizon="1w", model="weekday_avg8")
    by_day = fc.groupby(fc["interval_start"].dt.day_of_week)["aht_s"].mean()
    assert by_day[0] == pytest.approx(287, abs=5)
    assert all(200 <= by_day[d] <= 206 for d in range(1, 5))


def test_two_week_horizon_backtest_and_forecast():
    f, _ = poisson_history(weeks=14, seed=12)
    bt = forecast.run_backtest(f, horizon="2w", folds=3, cal_folds=4,
                               models=["weekday_avg8", "day_profile"])
    assert (bt["folds"] == 3).all()
    assert bt["coverage"].between(0.6, 0.97).all()
    folds = bt.attrs["folds"]
    assert (folds["n"] == 10 * 24).all()            # 10 open days x 24 half-hours per fold
    fc = forecast.run_forecast(f, horizon="2w", model="day_profile")
    width = (fc["offered_hi80"] - fc["offered_lo80"]) / fc["offered"]
    week2 = fc["interval_start"] >= "2024-04-15"
    assert len(fc) == 10 * 24 and week2.sum() == 5 * 24
    assert np.isfinite(width).all()
