"""The models on history as it really is (issue 11): outlier days, gaps, a horizon that
starts weeks after the history, short histories, zero-call nights, other weekly patterns,
and the new pieces (exponentially weighted profiles, the within-day AR(1))."""

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import Calendar
from forecast.io import read_history
from forecast.models import (
    BASELINES,
    GAP_DAYS,
    PROFILE_HALF_LIFE_WEEKS,
    DayLevelModel,
    DayProfile,
    DayProfileAR,
    NotEnoughHistory,
    SVDModel,
    all_models,
    business_days,
    candidates,
    ew_profiles,
    filter_ar1,
    gap_ends,
    make_model,
    outlier_days,
    shrink_weight,
    within_day_ar,
)
from forecast.panel import build_panel
from forecast.synthetic import poisson_history, poisson_rates


def panel_of(frame, country=None, end=None):
    h = read_history(frame)
    return build_panel(h.frame, h.interval_min, Calendar(country=country),
                       end=None if end is None else pd.Timestamp(end))


def test_baselines_are_candidates_seasonal_naive_first():
    names = [m.name for m in candidates()]
    assert BASELINES == ("seasonal_naive", "weekday_avg4", "weekday_avg8")
    assert names[0] == "seasonal_naive" and set(BASELINES) <= set(names)
    # profile_ar is a model by name but not a default candidate (see its docstring)
    assert "profile_ar" not in names and make_model("profile_ar").name == "profile_ar"
    assert [m.name for m in all_models()][:len(names)] == names


def test_ew_profile_hand_calculation():
    # Two slots, Mon/Tue of two weeks; the last day is Tue 2024-01-09. Weights 0.5 ** (age
    # in weeks / 4) = 0.5 ** (age in days / 28): Mon 01-01 is 8 days old, Tue 01-02 7,
    # Mon 01-08 1, Tue 01-09 0.
    assert PROFILE_HALF_LIFE_WEEKS == 4.0
    ts = pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30", "2024-01-02 08:00",
                         "2024-01-02 08:30", "2024-01-08 08:00", "2024-01-08 08:30",
                         "2024-01-09 08:00", "2024-01-09 08:30"])
    y = [30, 10, 20, 20, 60, 40, 10, 30]      # shares .75/.25, .5/.5, .6/.4, .25/.75
    panel = panel_of(pd.DataFrame({"interval_start": ts, "offered": y}))
    w = {"m1": 0.5 ** (8 / 28), "t1": 0.5 ** (7 / 28), "m2": 0.5 ** (1 / 28), "t2": 1.0}
    s = {"m1": 0.75, "t1": 0.5, "m2": 0.6, "t2": 0.25}            # share of the first slot
    pooled = sum(w[k] * s[k] for k in w) / sum(w.values())
    k = 4.0                                                        # shrink_days
    mon = (w["m1"] * s["m1"] + w["m2"] * s["m2"] + k * pooled) / (w["m1"] + w["m2"] + k)
    tue = (w["t1"] * s["t1"] + w["t2"] * s["t2"] + k * pooled) / (w["t1"] + w["t2"] + k)
    prof = ew_profiles(panel, shrink_days=k, smooth=False)
    assert set(prof) == {0, 1}
    np.testing.assert_allclose(prof[0], [mon, 1 - mon], rtol=1e-12)
    np.testing.assert_allclose(prof[1], [tue, 1 - tue], rtol=1e-12)


def test_shrink_weight_by_hand():
    # Three equally weighted days of two slots, shares .6/.4, .5/.5, .7/.3, pooled .5/.5:
    # weekday mean m = (.6, .4); sigma^2 = (0 + .01 + .01) / 3 x 3 / 2 = .01 per slot;
    # tau^2 = (m - pooled)^2 = .01 less sigma^2 / n_eff = .01 / 3 -> .00667;
    # k = W sigma^2 / (n_eff tau^2) = 3 x .01 / (3 x .00667) = 1.5 days.
    shares = np.array([[.6, .4], [.5, .5], [.7, .3]])
    w = np.ones(3)
    assert shrink_weight(shares, w, np.array([.5, .5])) == pytest.approx(1.5, rel=1e-12)
    # the weekday's mean is the pooled profile: nothing tells it apart, the pooled profile
    assert shrink_weight(shares, w, np.array([.6, .4])) == np.inf
    # one day of its own: sigma^2 cannot be told, the fixed weight
    assert shrink_weight(shares[:1], w[:1], np.array([.5, .5])) == 4.0


def _weekday_shares(rng, shapes, weeks, calls=400):
    """Multinomial day shares, one shape per weekday (Mon-Fri), ``weeks`` weeks."""
    rows = [rng.multinomial(calls, shapes[d]) / calls for _ in range(weeks) for d in range(5)]
    return np.array(rows), np.tile(np.arange(5), weeks)


def test_shrink_weight_pools_weekdays_shaped_alike_and_keeps_those_apart():
    # Simulated multinomial days (400 calls over 12 slots), 8 weeks, equal weights. All five
    # weekdays share one shape: the noise accounts for the weekday means' spread, so the
    # weight of the pooled profile is large (on most seeds infinite). Monday's peak two
    # slots earlier than the other days: Monday keeps its own shape (weight < 1 day).
    slots = np.arange(12)
    bump = np.exp(-0.5 * ((slots - 6) / 2.0) ** 2) + 0.2
    early = np.exp(-0.5 * ((slots - 4) / 2.0) ** 2) + 0.2
    same = [bump / bump.sum()] * 5
    apart = [early / early.sum()] + same[1:]
    big, small = 0, 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        for shapes, monday in ((same, "same"), (apart, "apart")):
            S_, wd = _weekday_shares(rng, shapes, 8)
            pooled = S_.mean(axis=0)
            k = shrink_weight(S_[wd == 0], np.ones(8), pooled)
            if monday == "same":
                big += k > 20
            else:
                small += k < 1
    assert big >= 16 and small == 20


def test_profiles_pool_weekdays_shaped_alike():
    # forecast.synthetic.poisson_history: every weekday has the same two-peak shape (true
    # shares from poisson_rates). With the weight estimated, each weekday's profile is
    # nearer the true shape than with the fixed 4 days (which keeps ~3/4 of the weekday's
    # own noisier mean): mean absolute share error over the weekdays and 6 seeds.
    slots, rates = poisson_rates(calls_per_day=600.0)
    truth = rates[0] / rates[0].sum()
    err = {"estimated": [], "fixed": []}
    for seed in range(6):
        frame, _ = poisson_history(8, seed, calls_per_day=600.0)
        panel = panel_of(frame)
        for name, k in (("estimated", None), ("fixed", 4.0)):
            prof = ew_profiles(panel, shrink_days=k, smooth=False)
            err[name].append(np.mean([np.abs(prof[d][panel.slot_open[d]] - truth).mean()
                                      for d in prof]))
    assert np.mean(err["estimated"]) < 0.8 * np.mean(err["fixed"])


def test_outlier_rule_on_hand_made_totals():
    # 40 weekdays of log total 8 +- a small alternation, one day x2.5 (log +0.92) and a
    # 3-day run x1.8 (a level change in miniature: not outliers), one exempt day x3.
    days = pd.bdate_range("2024-01-01", periods=40)
    logt = 8 + 0.01 * (-1) ** np.arange(40)
    logt[10] += np.log(2.5)
    logt[20:23] += np.log(1.8)
    logt[30] += np.log(3.0)
    exempt = np.zeros(40, bool)
    exempt[30] = True
    out = outlier_days(days, logt, exempt)
    assert np.flatnonzero(out).tolist() == [10]
    # a 20 % busier day is no outlier, however quiet the rest is (OUTLIER_MIN_RATIO 1.5)
    logt2 = 8 + 0.001 * (-1) ** np.arange(40)
    logt2[15] += np.log(1.2)
    assert not outlier_days(days, logt2).any()


@pytest.mark.parametrize("model", [DayProfile(), SVDModel()], ids=lambda m: m.name)
def test_outlier_day_does_not_lift_next_week(model):
    # 16 weeks of known Poisson rates (Mon-Fri, 3000 calls a weekday-ish); the Thursday
    # before the last day gets 2.5x its calls. Next week's forecast must stay within 1.5 %
    # of the forecast from the same history without the surge (before the fix the surge
    # went into the level: day_profile +4 to +6 % on the next Monday), and within 4 % of
    # the true rates (sampling error of an 8-week mean ~1 %, plus the level's noise).
    frame, rates = poisson_history(weeks=16, seed=21)
    days = frame["interval_start"].dt.normalize()
    surge_day = days.unique()[-2]
    surged = frame.copy()
    surged.loc[days == surge_day, "offered"] *= 2.5
    target = pd.date_range("2024-04-22", periods=5, freq="D")
    clean = type(model)().fit(panel_of(frame)).predict(target)
    m = type(model)().fit(panel_of(surged))
    f = m.predict(target)
    rel = f.sum(axis=1) / clean.sum(axis=1) - 1
    assert np.abs(rel).max() < 0.015, rel
    truth = rates[target.day_of_week].sum(axis=1)
    assert np.abs(f.sum(axis=1) / truth - 1).max() < 0.04
    if isinstance(m, DayProfile):
        assert m.panel_.days[m.outliers_].tolist() == [surge_day]


def _gap_history(seed, country):
    """Mon-Fri at 3000 calls a day from 2024-01-01, weeks 47-50 absent (4 weeks), the level
    x1.3 after the gap, and 3 days (Mon-Wed 2024-12-23..25) of the new level at the end."""
    frame, rates = poisson_history(weeks=52, seed=seed)
    wk = (frame["interval_start"] - pd.Timestamp("2024-01-01")).dt.days // 7
    rng = np.random.default_rng(seed + 100)
    frame = frame[(wk < 47) | (wk >= 51)].reset_index(drop=True)
    after = (frame["interval_start"] - pd.Timestamp("2024-01-01")).dt.days // 7 >= 51
    slots, _ = poisson_rates()
    ts = frame.loc[after, "interval_start"]
    si = ((ts.dt.hour * 60 + ts.dt.minute).to_numpy() - slots[0]) // 30
    frame.loc[after, "offered"] = rng.poisson(1.3 * rates[ts.dt.day_of_week.to_numpy(), si])
    frame = frame[frame["interval_start"] < "2024-12-26"].reset_index(drop=True)
    return panel_of(frame, country, end="2025-01-03"), rates


@pytest.mark.parametrize("country", [None, "US"])
@pytest.mark.parametrize("model", [DayProfile, SVDModel], ids=lambda m: m.name)
def test_level_reanchored_after_a_gap(country, model):
    # After 4 weeks without data the level is 30 % higher, and only 3 days of it are in
    # the history. The gap (>= GAP_DAYS business days without data, whether the calendar
    # reads them as missing or, without a country, as closed) gets a level shift: the next
    # week is forecast at the new level within 2.5 % (scratch runs over seeds 1-3: |error|
    # 0.2-1.4 % with the shift, 1.8-4.4 % without it).
    panel, rates = _gap_history(1, country)
    target = pd.date_range("2024-12-30", periods=5, freq="D")
    m = model().fit(panel)
    level = m.level_ if isinstance(m, DayProfile) else m.score_models_[0]
    assert level.shifts_ == [pd.Timestamp("2024-12-23")]     # Monday after the gap
    truth = 1.3 * rates[target.day_of_week].sum()
    assert abs(m.predict(target).sum() / truth - 1) < 0.025


def test_gap_ends_counts_weekdays_of_the_calendar():
    # Mon-Fri days with values; 2024-01-15..01-23 absent = 7 weekdays (>= GAP_DAYS = 7)
    # -> a gap ending on 01-24; 2024-02-05..02-09 absent = 5 weekdays -> no gap.
    assert GAP_DAYS == 7
    d = pd.bdate_range("2024-01-01", "2024-02-29")
    keep = ~(((d >= "2024-01-15") & (d <= "2024-01-23")) | ((d >= "2024-02-05")
                                                           & (d <= "2024-02-09")))
    assert gap_ends(d[keep], [0, 1, 2, 3, 4]) == [pd.Timestamp("2024-01-24")]


def test_steps_follow_the_business_days_to_each_target():
    # Known AR(1) transient: y_t = 5 + a_t, a_t = 0.6 a_(t-1) + N(0, 0.1^2), plus a small
    # irregular; Mondays only (no weekday dummies). The forecast for a day h business days after
    # the history must be the state-space forecast h steps ahead, in closed form:
    # level_T + phi^h a_T (the filtered states of the last day), with a variance that grows
    # with h (before, the days were taken as the next len(days) steps whatever the gap).
    rng = np.random.default_rng(4)
    days = pd.date_range("2024-01-01", periods=60, freq="7D")          # Mondays only
    a = np.zeros(60)
    for t in range(1, 60):
        a[t] = 0.6 * a[t - 1] + rng.normal(0, 0.1)
    y = 5 + a + rng.normal(0, 0.02, 60)
    frame = pd.DataFrame({"interval_start": np.r_[days + pd.Timedelta(hours=9),
                                                  days + pd.Timedelta(hours=10)],
                          "offered": 1.0})
    panel = panel_of(frame)
    m = DayLevelModel().fit(days, y, panel)
    # states: level, AR(1), then the regression coefficients (here only month_turn: with
    # one weekday open, the first three and the last Monday of a month are its turn)
    assert m.flags_ == ["month_turn"] and m.k_ == 1
    level_T, ar_T, beta = m.res_.filtered_state[:, -1] * m.scale_     # fitted to y / sd(y)
    phi = m.res_.params[-1]
    target = pd.DatetimeIndex(["2025-02-24", "2025-03-24", "2025-06-23"])   # h = 1, 5, 18
    h = np.array([1, 5, 18])
    turn = panel.features(target)["month_turn"].to_numpy(float)      # 1, 0, 0
    assert (business_days(panel, days[-1] + pd.Timedelta(days=1), target[-1],
                          [0]).get_indexer(target) + 1).tolist() == h.tolist()
    mean, var = m.predict(target)
    assert turn.tolist() == [1.0, 0.0, 0.0]
    np.testing.assert_allclose(mean, level_T + phi ** h * ar_T + turn * beta, rtol=1e-10)
    assert np.all(np.diff(var) > 0)
    # the same days asked one by one give the same numbers (steps, not list positions)
    for i, d in enumerate(target):
        assert m.predict(pd.DatetimeIndex([d]))[0][0] == pytest.approx(mean[i], rel=1e-12)


def test_horizon_weeks_after_the_history():
    # A forecast of a week that starts 5 weeks after the last history day: the day-total
    # models answer (no error, no NaN) at the known rates within 5 %.
    frame, rates = poisson_history(weeks=14, seed=8)
    panel = panel_of(frame, end="2024-05-10")
    target = pd.date_range("2024-05-06", periods=5, freq="D")
    truth = rates[target.day_of_week].sum(axis=1)
    for m in (DayProfile(), SVDModel(), DayProfileAR()):
        f = m.fit(panel).predict(target)
        assert np.isfinite(f).all()
        assert np.abs(f.sum(axis=1) / truth - 1).max() < 0.05, m.name


@pytest.mark.parametrize("weeks", [3, 4, 5, 6, 8])
def test_short_histories_answer_or_step_aside(weeks):
    # Every model, 3-8 weeks of history: either NotEnoughHistory, or finite forecasts of
    # the next week's day totals within 12 % of the truth (a 3-week mean of ~3000 calls has
    # sampling error ~1 %; the day-level models add the level's noise).
    frame, rates = poisson_history(weeks=weeks, seed=30 + weeks)
    panel = panel_of(frame)
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=weeks)
    target = pd.date_range(start, periods=5, freq="D")
    truth = rates[target.day_of_week].sum(axis=1)
    answered = []
    for m in all_models():
        try:
            f = m.fit(panel).predict(target)
        except NotEnoughHistory:
            continue
        answered.append(m.name)
        assert np.isfinite(f).all() and (f >= 0).all()
        assert np.abs(f.sum(axis=1) / truth - 1).max() < 0.12, m.name
    assert set(BASELINES) <= set(answered)
    assert ("day_profile" in answered) == (weeks >= 3)
    assert ("svd" in answered) == (weeks >= 4)


def test_zero_call_nights_of_a_24_7_queue():
    # 24/7 at 30 min, nights (00-06) with rate 0: every count there is 0. No log of zero,
    # no NaN; the night is forecast at most 0.5 calls an interval (svd's root transform,
    # X = sqrt(Y + 1/4), puts ~1/4 of a call where the counts are 0) and each day's total
    # within 6 % of the mean of its weekday in the history.
    frame, _ = poisson_history(weeks=10, seed=12, open_hours=(0, 24),
                                   weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.6, 0.5))
    night = frame["interval_start"].dt.hour < 6
    frame.loc[night, "offered"] = 0.0
    panel = panel_of(frame)
    target = pd.date_range("2024-03-11", periods=7, freq="D")
    for m in (DayProfile(), SVDModel(), DayProfileAR()):
        f = m.fit(panel).predict(target)
        assert np.isfinite(f).all() and (f >= 0).all(), m.name
        assert f[:, :12].max() < 0.5, m.name
        day_truth = frame[~night].groupby(frame["interval_start"].dt.day_of_week)["offered"] \
            .sum() / 10                                   # mean calls per weekday, 10 weeks
        rel = f.sum(axis=1) / day_truth.loc[target.day_of_week].to_numpy() - 1
        assert np.abs(rel).max() < 0.06, (m.name, rel)


def test_friday_saturday_weekend():
    # Sun-Thu centre (Friday and Saturday closed; the history ends on Sunday 2024-03-24):
    # the models learn the Sunday level, cannot forecast a Friday, and hit the known rates
    # within 5 %.
    frame, rates = poisson_history(weeks=12, seed=13,
                                   weekday_level=(0.95, 0.92, 0.9, 0.85, 0.0, 0.0, 1.15))
    panel = panel_of(frame)
    assert panel.slot_open.any(axis=1).tolist() == [True] * 4 + [False, False, True]
    target = pd.DatetimeIndex(["2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28",
                               "2024-03-31"])                      # Mon-Thu, Sun
    truth = rates[target.day_of_week].sum(axis=1)
    for m in (DayProfile(), SVDModel()):
        f = m.fit(panel).predict(target)
        assert np.abs(f.sum(axis=1) / truth - 1).max() < 0.05, m.name
        with pytest.raises(NotEnoughHistory, match="weekday 4"):
            m.predict(pd.DatetimeIndex(["2024-03-29"]))           # a Friday


def test_within_day_ar_recovers_a_known_ar1():
    # AR(1) signal phi 0.9, stationary variance 0.01, plus white noise variance 0.004, in
    # 400 days of 48 slots: the lag-1/lag-2 moment estimate recovers phi within 0.03 and
    # the variances within 15 % (standard errors from 19,200 points are ~1 %).
    rng = np.random.default_rng(5)
    n_d, n_s, phi, s2, n2 = 400, 48, 0.9, 0.01, 0.004
    x = np.zeros((n_d, n_s))
    x[:, 0] = rng.normal(0, np.sqrt(s2), n_d)
    for j in range(1, n_s):
        x[:, j] = phi * x[:, j - 1] + rng.normal(0, np.sqrt(s2 * (1 - phi ** 2)), n_d)
    z = x + rng.normal(0, np.sqrt(n2), (n_d, n_s))
    p, s2_hat, n2_hat = within_day_ar(z)
    assert p == pytest.approx(phi, abs=0.03)
    assert s2_hat == pytest.approx(s2, rel=0.15) and n2_hat == pytest.approx(n2, rel=0.15)


def test_filter_ar1_one_step_closed_form():
    # One observation z from the stationary start: the Kalman update is a = K z with gain
    # K = P / (P + n2), P = phi^2 s2 + s2 (1 - phi^2) = s2. Then a NaN (no observation)
    # leaves the state to the prediction phi a.
    s2, n2, phi = 0.02, 0.01, 0.8
    assert filter_ar1(np.array([0.3]), phi, s2, n2) == pytest.approx(0.3 * s2 / (s2 + n2))
    assert filter_ar1(np.array([0.3, np.nan]), phi, s2, n2) == \
        pytest.approx(phi * 0.3 * s2 / (s2 + n2))


def test_profile_ar_is_day_profile_without_within_day_dynamics():
    # Independent Poisson counts: no within-day dynamics. profile_ar's correction
    # exp(phi^h a) must be within 1 % of 1 at every interval of the next week.
    frame, _ = poisson_history(weeks=10, seed=14, open_hours=(0, 24))
    panel = panel_of(frame)
    target = pd.date_range("2024-03-11", periods=5, freq="D")
    base = DayProfile().fit(panel).predict(target)
    f = DayProfileAR().fit(panel).predict(target)
    np.testing.assert_allclose(f, base, rtol=0.01)


def test_profile_ar_carries_the_end_of_day_deviation():
    # A 24/7 queue whose log rate has an AR(1) across intervals (phi 0.95 per 30 min, sd
    # 15 %), 30,000 calls a day so the deviation is visible: the last history interval's
    # deviation a continues into the first intervals of the next day as phi^h a. Check the
    # model against the truth's own conditional mean exp(phi^h x_T) (x_T the last log
    # deviation of the simulated path) in the first hour: the AR model's error is below
    # day_profile's. phi is estimated on deviations from each day's own total, which takes
    # out the day's mean of the path and so shortens the memory it sees (0.90 here for a
    # true 0.95): it must still be clearly persistent.
    rng = np.random.default_rng(9)
    slots, rates = poisson_rates(open_hours=(0, 24), interval_min=30,
                                 weekday_level=(1,) * 7, calls_per_day=30000)
    n_d = 42
    x = np.zeros(n_d * 48)
    for t in range(1, len(x)):
        x[t] = 0.95 * x[t - 1] + rng.normal(0, 0.15 * np.sqrt(1 - 0.95 ** 2))
    lam = rates[0][None, :] * np.exp(x.reshape(n_d, 48))
    days = pd.date_range("2024-01-01", periods=n_d, freq="D")
    ts = (days.to_numpy()[:, None] + slots.astype("timedelta64[m]")[None, :]).ravel()
    frame = pd.DataFrame({"interval_start": ts, "offered": rng.poisson(lam).ravel() * 1.0})
    panel = panel_of(frame)
    nxt = pd.DatetimeIndex([days[-1] + pd.Timedelta(days=1)])
    ar = DayProfileAR().fit(panel)
    assert 0.85 < ar.phi_ < 0.97
    truth = rates[0][:2] * np.exp(0.95 ** np.arange(1, 3) * x[-1])
    err_ar = np.abs(ar.predict(nxt)[0, :2] / truth - 1).mean()
    err_dp = np.abs(DayProfile().fit(panel).predict(nxt)[0, :2] / truth - 1).mean()
    assert err_ar < err_dp


def test_eve_of_a_closure_has_its_own_shape():
    # Mon-Fri 08-20; six Fridays are closed (a special-days file says so) and the Thursday
    # before each is open 08-13 only (rows after 13:00 absent), like a holiday's eve. The
    # eve profile (SPECIAL_SHAPES) is the mean eve share shrunk toward the Thursday profile
    # with 4 days of weight: the share before 13:00 is (n x 1 + 4 x P) / (n + 4), P the
    # Thursday profile's share before 13:00, n = 6 eves (hand formula; before, the eve got
    # the Thursday profile itself, P ~ 0.5 here).
    frame, rates = poisson_history(weeks=14, seed=15)
    ts = frame["interval_start"]
    fridays = pd.date_range("2024-01-19", periods=6, freq="14D")
    eves = fridays - pd.Timedelta(days=1)
    day = ts.dt.normalize()
    frame = frame[~day.isin(fridays) & ~(day.isin(eves) & (ts.dt.hour >= 13))]
    shut = pd.DataFrame({"date": [*fridays, pd.Timestamp("2024-04-12")], "kind": "closed",
                         "uplift": 0.0})
    h = read_history(frame.reset_index(drop=True))
    panel = build_panel(h.frame, 30, Calendar(special_days=shut),
                        end=pd.Timestamp("2024-04-12"))
    m = DayProfile().fit(panel)
    assert m.special_["pre_closure"][0] == 6
    morning = (panel.slots < 13 * 60)
    P = m.profiles_[3][morning].sum()
    target = pd.DatetimeIndex(["2024-04-10", "2024-04-11"])      # Wed, Thu (eve of 04-12)
    f = m.predict(target)
    share = f[1, morning].sum() / f[1].sum()
    assert share == pytest.approx((6 + 4 * P) / (6 + 4), rel=1e-9)
    assert P < 0.6 and share > 0.75
    # an ordinary Wednesday keeps its weekday shape (the eves are not in it)
    assert f[0, morning].sum() / f[0].sum() == pytest.approx(
        rates[2][morning].sum() / rates[2].sum(), abs=0.02)


def _two_queue_history(weeks=6):
    small, _ = poisson_history(weeks, seed=11, calls_per_day=300.0)
    big, _ = poisson_history(weeks, seed=12, calls_per_day=30000.0)
    return pd.concat([small.assign(queue="small"), big.assign(queue="big")],
                     ignore_index=True)


def test_a_model_that_overflows_on_one_queue_steps_aside_there(monkeypatch):
    # issue 15: one queue's day_profile overflowing to inf must not sink the run nor be
    # blamed on the input; day_profile steps aside on that queue only, with its reason
    from forecast import run_backtest, run_forecast

    real = DayProfile.predict

    def overflowing(self, days):
        out = real(self, days)
        return np.full_like(out, np.inf) if np.nanmax(self.panel_.Y) > 100 else out

    monkeypatch.setattr(DayProfile, "predict", overflowing)
    res = run_forecast(_two_queue_history(), horizon="1w", model=["day_profile",
                                                                  "seasonal_naive"])
    assert np.isfinite(res.frame["offered"]).all()
    notes = " | ".join(res.notes)
    assert "queue big: day_profile stepped aside: numeric failure" in notes
    assert "queue small: day_profile stepped aside" not in notes
    ev = res.evidence.set_index(["queue", "model"])
    assert ("small", "day_profile") in ev.index           # still a candidate on the other
    assert ("big", "day_profile") not in ev.index
    bt = run_backtest(_two_queue_history(), horizon="1w", folds=2,
                      model=["day_profile", "seasonal_naive"])
    assert "numeric failure" in " | ".join(bt.notes)


def test_an_implausible_forecast_is_a_numeric_failure(monkeypatch):
    # 100x the busiest interval seen (IMPLAUSIBLE_FACTOR) is an overflow, not a forecast
    from forecast.backtest import IMPLAUSIBLE_FACTOR, fit_predict

    frame, _ = poisson_history(4, seed=3, calls_per_day=1000.0)
    panel = panel_of(frame)
    days = pd.bdate_range(panel.days.max() + pd.Timedelta(days=1), periods=5)
    model = make_model("day_profile")
    f, reason = fit_predict(model, panel, days)
    assert reason == "" and np.isfinite(f).all()
    monkeypatch.setattr(DayProfile, "predict",
                        lambda self, d: np.full((len(d), panel.Y.shape[1]),
                                                IMPLAUSIBLE_FACTOR * np.nanmax(panel.Y) + 11))
    f, reason = fit_predict(make_model("day_profile"), panel, days)
    assert f is None and "over 100x the busiest interval" in reason


def test_a_failing_baseline_is_an_internal_error_naming_the_queue(monkeypatch):
    from forecast import run_forecast
    from forecast.models import SeasonalNaive
    from wfmcore.errors import InternalError

    def broken(self, days):
        raise FloatingPointError("overflow in exp")

    monkeypatch.setattr(SeasonalNaive, "predict", broken)
    with pytest.raises(InternalError, match=r"queue (big|small): baseline model "
                                            r"seasonal_naive failed: numeric failure"):
        run_forecast(_two_queue_history(), horizon="1w", model="seasonal_naive")
