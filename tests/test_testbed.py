"""The forecast test bed (forecast/synthetic.py: TESTBED) has the structure it claims, and the
bed's scorer (bench/bench_forecast_bed.py: score_case) computes MASE as the issue defines it."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.synthetic import TESTBED, SeriesCase

BED = Path(__file__).parents[1] / "bench" / "bench_forecast_bed.py"


@pytest.fixture(scope="module")
def bed():
    spec = importlib.util.spec_from_file_location("bench_forecast_bed", BED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cases():
    return {name: make(1) for name, make in TESTBED.items()}


def daily(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(frame["interval_start"].dt.normalize())["offered"].sum()


def test_every_case_is_a_history_frame_and_deterministic_by_seed(cases):
    for name, case in cases.items():
        assert isinstance(case, SeriesCase) and case.name == name
        f = case.frame
        assert list(f.columns[-2:]) == ["interval_start", "offered"]
        assert len(case.rate) == len(f) and (f["offered"] >= 0).all()
        keys = [c for c in ("queue",) if c in f.columns] + ["interval_start"]
        assert not f.duplicated(keys).any()
        # the interval length it claims: every start on its grid, the step seen within days
        minute = f["interval_start"].dt.hour * 60 + f["interval_start"].dt.minute
        assert (minute % case.interval_min == 0).all()
        # levels of a call centre: 500 to 20,000 calls a day (median over the open days)
        assert 500 <= daily(f).median() <= 20000, name
    again = TESTBED["il_bank_30"](1).frame
    pd.testing.assert_frame_equal(again, cases["il_bank_30"].frame)
    other = TESTBED["il_bank_30"](2).frame
    assert not np.array_equal(other["offered"].to_numpy(), again["offered"].to_numpy())


def test_base_rate_is_the_rate_without_the_days_factor(cases):
    # forecast.synthetic._draw: rate = base x the day's Gamma(mean 1, cv 5 %, 6 % for
    # zero_nights_15) factor, so rate / base is one number a day (a queue's day for
    # multi_queue) with mean about 1 and that cv; the AR(1) cases have no base (their rate
    # path is itself random)
    for name, case in cases.items():
        if name.startswith("ar1"):
            assert case.base_rate is None and case.day_cv == 0.0
            continue
        f = case.frame.assign(ratio=case.rate / case.base_rate,
                              day=case.frame["interval_start"].dt.normalize())
        keys = ["queue", "day"] if "queue" in f else ["day"]
        per_day = f.groupby(keys)["ratio"]
        assert (per_day.max() - per_day.min()).max() < 1e-9, name
        factor = per_day.first()
        cv = 0.06 if name == "zero_nights_15" else 0.05
        assert case.day_cv == cv, name          # what the case says it planted
        assert factor.mean() == pytest.approx(1.0, abs=4 * cv / np.sqrt(len(factor))), name
        assert factor.std() == pytest.approx(cv, rel=0.35), name


def test_about_a_third_is_holdout(cases):
    hold = sorted(n for n, c in cases.items() if c.holdout)
    # the fixed rule of the module docstring (the bench adds 3 public series, all hold-out)
    assert hold == ["holidays_DE", "holidays_FR", "level_shift", "multi_queue", "short_5w"]
    assert 0.3 <= (len(hold) + 3) / (len(cases) + 3) <= 0.4


def test_israeli_week_short_friday_saturday_evening(cases):
    f = cases["il_bank_30"].frame
    t = f["interval_start"]
    hour = t.dt.hour + t.dt.minute / 60
    wd = t.dt.day_of_week
    assert hour[wd == 4].between(8, 12.5).all()          # Friday 08:00-13:00 only
    assert hour[wd == 5].between(19, 22.5).all()         # Saturday: the evening reopening
    assert (wd == 5).sum() > 0
    sun_thu = wd.isin([6, 0, 1, 2, 3])
    assert hour[sun_thu].between(7, 21.5).all() and (hour[sun_thu] >= 21).any()
    # the 60-minute case is the same draw summed: equal day totals
    pd.testing.assert_series_equal(daily(f), daily(cases["il_bank_60"].frame))
    # IL holidays closed: Yom Kippur 2024-10-12 falls on a Saturday (no evening opening),
    # Rosh Hashanah 2024-10-03/04 (Thu/Fri) and Simchat Torah 2024-10-24 (Thu) have no rows
    days = set(t.dt.normalize())
    for d in ("2024-10-03", "2024-10-04", "2024-10-12", "2024-10-24"):
        assert pd.Timestamp(d) not in days
    # the eve of Rosh Hashanah (Wed 2024-10-02) has Friday hours
    eve = hour[t.dt.normalize() == pd.Timestamp("2024-10-02")]
    assert len(eve) and eve.between(8, 12.5).all()


def test_friday_saturday_weekend(cases):
    wd = cases["fri_sat_weekend"].frame["interval_start"].dt.day_of_week
    assert not wd.isin([4, 5]).any() and set(wd) == {6, 0, 1, 2, 3}


def test_missing_month_is_absent_and_the_level_changes(cases):
    c = cases["missing_month"]
    days = pd.DatetimeIndex(sorted(set(c.frame["interval_start"].dt.normalize())))
    gaps = np.diff(days).astype("timedelta64[D]").astype(int)
    assert gaps.max() >= 30                                    # 30 days without a row
    i = int(np.argmax(gaps))
    assert 0.3 < i / len(days) < 0.7                           # in the middle of the year
    assert gaps[np.arange(len(gaps)) != i].max() <= 2          # else only the weekend
    tot = daily(c.frame)
    before = tot[tot.index <= days[i]]
    after = tot[tot.index >= days[i + 1]]
    # generator: x1.3 after the gap; Sundays compared (same weekday, 10 of each)
    ratio = after[after.index.day_of_week == 6][:10].mean() / \
        before[before.index.day_of_week == 6][-10:].mean()
    assert 1.2 < ratio < 1.4


def test_zero_nights_15_minutes_two_years(cases):
    c = cases["zero_nights_15"]
    f = c.frame
    assert c.interval_min == 15
    per_day = f.groupby(f["interval_start"].dt.normalize()).size()
    assert (per_day == 96).all() and len(per_day) >= 2 * 364     # 24/7, every interval a row
    night = f["interval_start"].dt.hour < 5
    assert (f.loc[night, "offered"] == 0).mean() > 0.5          # mostly zero at night
    assert (f.loc[~night, "offered"] == 0).mean() < 0.2


def test_short_histories_and_their_origins(cases, bed):
    for n in (3, 5, 8):
        c = cases[f"short_{n}w"]
        assert c.history_weeks == n
        origins = bed.origins_of(c)
        assert len(origins) == 6
        for o in origins:
            hist, test, _, _ = bed.split(c, o)
            t = hist["interval_start"]
            assert t.min() >= o - pd.Timedelta(weeks=n) and t.max() < o
            assert (o - t.min().normalize()).days > 7 * n - 3       # the whole n weeks
            assert test["interval_start"].between(o, o + pd.Timedelta(days=7)).all()


def test_outlier_days_surge_and_one_is_in_the_last_week(cases):
    f = cases["outlier_days"].frame
    tot = daily(f)
    typical = tot.groupby(tot.index.day_of_week).transform("median")
    surges = tot[tot > 1.7 * typical]
    assert len(surges) == 6                           # forecast.synthetic.SURGES: 2x-3x
    assert (surges.index > tot.index.max() - pd.Timedelta(days=7)).sum() == 1


def test_holiday_cases_closed_open_eve_and_after(cases):
    us = cases["holidays_US"]
    assert us.country == "US"
    tot = daily(us.frame)
    assert pd.Timestamp("2023-11-23") not in tot.index             # Thanksgiving: closed
    assert pd.Timestamp("2023-12-25") not in tot.index             # Christmas: closed
    assert pd.Timestamp("2023-10-09") in tot.index                 # Columbus Day: open
    fridays = tot[(tot.index.day_of_week == 4) & (tot.index >= "2023-10-01")
                  & (tot.index <= "2023-12-15")].drop(pd.Timestamp("2023-11-24"))
    # the first open day after a closure: x1.3 (the generator's rule); day noise cv 5 %
    assert 1.15 < tot[pd.Timestamp("2023-11-24")] / fridays.median() < 1.45
    wednesdays = tot[(tot.index.day_of_week == 2) & (tot.index >= "2023-10-01")
                     & (tot.index <= "2023-12-15")].drop(pd.Timestamp("2023-11-22"))
    assert 0.72 < tot[pd.Timestamp("2023-11-22")] / wednesdays.median() < 0.98   # eve x0.85
    gb = daily(cases["holidays_GB"].frame)
    assert pd.Timestamp("2024-05-06") in gb.index                  # May Day: open, x0.7
    assert pd.Timestamp("2024-05-27") not in gb.index              # Spring bank holiday
    de = daily(cases["holidays_DE"].frame)
    assert pd.Timestamp("2024-05-01") not in de.index and pd.Timestamp("2024-05-20") in de.index


def test_ar1_day_level_is_persistent(cases):
    # generator: log day level AR(1) with phi 0.9 and variance 0.1^2, plus the day mean of
    # the interval AR(1) (variance ~ 0.08^2 / 36 * (1 + 0.9) / (1 - 0.9) = 0.0034), so the
    # lag-1 autocorrelation of log day totals net of the weekday mean is about
    # 0.9 * 0.01 / 0.0134 = 0.67 (closed form); seeds 1-20 gave 0.51-0.78 (mean 0.69). The
    # day-Gamma-noise series week7_30 (i.i.d. days) gave -0.11..0.12 on the same seeds.
    tot = np.log(daily(cases["ar1_30"].frame))
    resid = tot - tot.groupby(tot.index.day_of_week).transform("mean")
    r = np.corrcoef(resid[1:], resid[:-1])[0, 1]
    assert r > 0.4
    flat = np.log(daily(cases["week7_30"].frame))
    resid = flat - flat.groupby(flat.index.day_of_week).transform("mean")
    assert abs(np.corrcoef(resid[1:], resid[:-1])[0, 1]) < 0.2


def test_multi_queue_has_three_patterns(cases):
    f = cases["multi_queue"].frame
    wd = f.groupby("queue")["interval_start"].agg(lambda t: set(t.dt.day_of_week))
    assert wd["collections"] == {0, 1, 2, 3, 4}
    assert wd["sales"] == {0, 1, 2, 3, 4, 5}
    assert wd["service"] == set(range(7))


def test_baselines_by_hand(bed):
    # one slot, Mondays: 10, 20, (closed), 40 -> next Monday's seasonal naive is 40, the
    # 4-week mean (40 + 20 + 10) / 3, the closed Monday skipped
    t = pd.to_datetime(["2024-01-01 09:00", "2024-01-08 09:00", "2024-01-22 09:00"])
    hist = pd.DataFrame({"interval_start": t, "offered": [10.0, 20.0, 40.0]})
    b = bed.baselines(hist, pd.DatetimeIndex(["2024-01-29 09:00", "2024-01-29 10:00"]))
    assert b["seasonal_naive"].tolist() == [40.0, 0.0]          # 10:00 never seen: 0
    assert b["weekday_avg4"][0] == pytest.approx(70 / 3)
    # weekly naive in-sample MAE: only 01-08 has a row 7 days earlier: |20 - 10|
    assert bed.weekly_naive_mae(hist) == 10.0


def test_an_interval_left_out_is_scored_as_zero(bed):
    test = pd.DataFrame({"interval_start": pd.to_datetime(["2024-01-01 09:00",
                                                           "2024-01-01 09:30"]),
                         "offered": [5.0, 7.0]})
    fc = pd.DataFrame({"interval_start": pd.to_datetime(["2024-01-01 09:30"]),
                       "offered": [6.0], "offered_lo80": [4.0], "offered_hi80": [8.0]})
    j = bed._join(test, fc)
    assert j["f_offered"].tolist() == [0.0, 6.0] and j["f_offered_hi80"].tolist() == [0.0, 8.0]


def test_score_case_seasonal_naive_mase_by_hand(cases, bed):
    c = cases["short_3w"]
    r = bed.score_case(c, n_origins=1)
    (o,) = bed.origins_of(c, 1)
    # by hand: short_3w is open the same hours every week and has no closures, so the
    # seasonal naive is the value 7 days earlier, and the scale pairs each history row
    # with the one 7 days before it
    y = dict(zip(c.frame["interval_start"], c.frame["offered"], strict=True))
    week = [t for t in y if o <= t < o + pd.Timedelta(days=7)]
    hist = [t for t in y if o - pd.Timedelta(weeks=3) <= t < o]
    scale = np.mean([abs(y[t] - y[t - pd.Timedelta(days=7)]) for t in hist
                     if t - pd.Timedelta(days=7) in y and t - pd.Timedelta(days=7) >= hist[0]])
    mae = np.mean([abs(y[t] - y[t - pd.Timedelta(days=7)]) for t in week])
    assert r["origins"] == 1
    assert r["mase"]["seasonal_naive"] == pytest.approx(mae / scale, rel=1e-12)
    assert {"wfm", "weekday_avg4", "weekday_avg8", "oracle"} <= set(r["mase"])
    assert 0 <= r["coverage"] <= 1 and np.isfinite(r["seconds_median"])
