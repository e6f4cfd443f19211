"""Intraday reforecast (forecast/intraday.py, `wfm reforecast`): the penalised update
against its closed form, the ratio against a hand calculation, recovery of a known day
level on synthetic days, and the command-line contract."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from forecast import intraday as I
from forecast.synthetic import poisson_history

runner = CliRunner()


# --- the penalised update (Shen & Huang 2008) ---------------------------------------------

F_E = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
X_E = np.array([2.0, 1.0, 4.0])
BETA_HAT = np.array([1.0, 1.0])


def test_penalised_update_matches_the_closed_form_by_hand():
    # By hand: F'F + 1*I = [[3, 1], [1, 3]], F'x + 1*beta_hat = [6, 5] + [1, 1] = [7, 6];
    # inverse of [[3, 1], [1, 3]] = [[3, -1], [-1, 3]] / 8 -> beta = [15/8, 11/8].
    beta = I.penalised_update(F_E, X_E, BETA_HAT, 1.0)
    assert beta == pytest.approx([15 / 8, 11 / 8], abs=1e-12)
    # one penalty per component: diag(2, 0.5): [[4, 1], [1, 2.5]] beta = [6 + 2, 5 + 0.5];
    # det = 9, inverse [[2.5, -1], [-1, 4]] / 9 -> [(20 - 5.5) / 9, (-8 + 22) / 9]
    beta = I.penalised_update(F_E, X_E, BETA_HAT, np.array([2.0, 0.5]))
    assert beta == pytest.approx([14.5 / 9, 14 / 9], abs=1e-12)
    # the first component held (inf): x - F[:, 0] * 1 = [1, 1, 3], F[:, 1] = [0, 1, 1]:
    # (2 + 1) beta_2 = (1 + 3) + 1 * 1 -> beta_2 = 5/3
    beta = I.penalised_update(F_E, X_E, BETA_HAT, np.array([np.inf, 1.0]))
    assert beta == pytest.approx([1.0, 5 / 3], abs=1e-12)


def test_penalty_limits_no_update_and_least_squares():
    # lambda -> inf: the forecast's scores; lambda -> 0: least squares, whose normal
    # equations [[2, 1], [1, 2]] b = [6, 5] give b = [7/3, 4/3] (by hand)
    assert I.penalised_update(F_E, X_E, BETA_HAT, np.inf) == pytest.approx(BETA_HAT)
    assert I.penalised_update(F_E, X_E, BETA_HAT, 1e9) == pytest.approx(BETA_HAT, abs=1e-8)
    assert I.penalised_update(F_E, X_E, BETA_HAT, 0.0) == pytest.approx([7 / 3, 4 / 3])
    assert I.penalised_update(F_E, X_E, BETA_HAT, 1e-9) == pytest.approx([7 / 3, 4 / 3],
                                                                         abs=1e-7)
    # and on a day: no update leaves the forecast's rest of day exactly as it was
    F = I.svd_basis(np.random.default_rng(0).uniform(1, 3, (10, 6)), 3)
    f = np.array([10.0, 20, 30, 40, 30, 20])
    seen = np.array([True, True, False, False, False, False])
    rest = I._svd_rest(F, f, seen, np.array([30.0, 50.0]), np.inf)
    assert rest == pytest.approx(f[2:], abs=1e-12)


def test_least_squares_limit_refits_a_day_in_the_span_of_the_basis():
    # a day exactly in span(F) (root scale), forecast level 1, actual roots 1.3 x: with
    # lambda -> 0 and more seen slots than components the update is exact least squares,
    # so the rest of the day comes out as (1.3 sqrt(f))^2 = 1.69 f (closed form)
    rng = np.random.default_rng(1)
    F = np.linalg.qr(rng.uniform(0.5, 1.5, (8, 2)))[0]
    x_fc = F @ np.array([10.0, 2.0])
    f = x_fc ** 2
    seen = np.arange(8) < 4
    y_seen = (1.3 * x_fc[seen]) ** 2 - 0.25          # sqrt(y + 1/4) = 1.3 x_fc
    rest = I._svd_rest(F, f, seen, y_seen, 1e-12)
    assert rest == pytest.approx(1.69 * f[~seen], rel=1e-8)


def test_ratio_against_a_hand_calculation():
    # A = 15 + 30 = 45 calls seen, F = 10 + 20 = 30 forecast; v = 0.02 -> k = 50 calls:
    # (45 + 50) / (30 + 50) = 1.1875 -> the rest [30, 40] becomes [35.625, 47.5]
    assert I.ratio_factor(120, 100, 0.0) == pytest.approx(1.2)
    assert I.ratio_factor(120, 100, 50.0) == pytest.approx(170 / 150)
    assert I.ratio_factor(120, 100, np.inf) == 1.0
    f = np.array([10.0, 20.0, 30.0, 40.0])
    rest = I._ratio_rest(f, np.array([True, True, False, False]), np.array([15.0, 30.0]), 0.02)
    assert rest == pytest.approx([35.625, 47.5])
    # zero calls so far with a shrinkage of k = 50: (0 + 50) / (30 + 50) = 0.625
    rest = I._ratio_rest(f, np.array([True, True, False, False]), np.zeros(2), 0.02)
    assert rest == pytest.approx([18.75, 25.0])


def test_one_standard_error_rule_by_hand():
    # best row 2 (mean 5); row 0 is 5 worse on every day (se 0); row 1 is 4.5 worse with
    # per-day differences [4, 6, 3, 5]: sd sqrt(5/3) = 1.29, se 0.65 -> neither: row 2
    errors = np.array([[10, 10, 10, 10], [9, 11, 8, 10], [5, 5, 5, 5]], float)
    assert I.one_se_choice(errors) == 2
    # row 1 best (mean 9.5); no update 0.5 worse, differences [2, -2, 3, -1]: sd
    # sqrt(17/3) = 2.38, se 1.19 >= 0.5 -> the most shrinkage, row 0
    errors = np.array([[10, 10, 10, 10], [8, 12, 7, 11]], float)
    assert I.one_se_choice(errors) == 0


# --- a known day level ----------------------------------------------------------------------

def _levelled_days(n_days: int, seed: int, spread: float = 0.2):
    """Days x 24 half-hours (08:00-20:00), Poisson around one weekday's true rates times a
    day level uniform in [1 - spread, 1 + spread]."""
    _, rates = poisson_history(1, seed)
    base = rates[1]                              # a Tuesday, ~3,000 calls a day
    rng = np.random.default_rng(seed)
    level = rng.uniform(1 - spread, 1 + spread, n_days)
    Y = rng.poisson(np.outer(level, base)).astype(float)
    return Y, base, rng


@pytest.mark.parametrize("method", I.METHODS)
@pytest.mark.parametrize("true_level", [1.2, 0.85])
def test_update_recovers_a_known_day_level(method, true_level):
    Y, base, rng = _levelled_days(60, seed=7)
    weekdays = np.zeros(len(Y), int)
    seen = np.arange(len(base)) < 10                    # 08:00-13:00 seen
    today = rng.poisson(true_level * base).astype(float)
    upd = I.update_day(method, Y, weekdays, base, seen, today[seen])
    got = upd.offered.sum() / base[~seen].sum()
    # the seen 5 hours hold ~1,400 calls: the level is known to ~1/sqrt(1400) = 2.7 %
    # (Poisson), the shrinkage toward 1 costs a little more; 3 standard errors: 8 %
    assert got == pytest.approx(true_level, abs=0.08)
    # the interval of the rest of the day brackets the update
    assert (upd.lo <= upd.offered).all() and (upd.offered <= upd.hi).all()


# --- the command line -------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two queues, 9 weeks of Mon-Fri 30-minute Poisson history with day levels +/-20 %;
    the forecast (`wfm forecast`) is made from the first 8 weeks, for week 9."""
    d = tmp_path_factory.mktemp("intraday")
    parts = []
    for q, seed in (("sales", 1), ("service", 2)):
        frame, _ = poisson_history(9, seed, calls_per_day=1500)
        day = frame["interval_start"].dt.normalize()
        rng = np.random.default_rng(seed)
        levels = pd.Series(rng.uniform(0.8, 1.2, day.nunique()), index=day.unique())
        frame["offered"] = np.round(frame["offered"] * levels.loc[day].to_numpy())
        parts.append(frame.assign(queue=q))
    hist = pd.concat(parts)[["queue", "interval_start", "offered"]]
    full, train = d / "history.csv", d / "train.csv"
    hist.assign(interval_start=hist["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        full, index=False)
    cut = hist[hist["interval_start"] < "2024-02-26"]
    cut.assign(interval_start=cut["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        train, index=False)
    fc = d / "forecast.csv"
    res = runner.invoke(app, ["forecast", str(train), "--horizon", "1w", "-o", str(fc)])
    assert res.exit_code == 0, res.output
    return d, full, train, fc


def test_reforecast_keeps_the_forecasts_columns_and_intervals(files):
    d, full, _, fc = files
    out = d / "rest.csv"
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(fc), "--as-of",
                              "2024-02-27 11:00", "-o", str(out)])
    assert res.exit_code == 0, res.output
    f, r = pd.read_csv(fc), pd.read_csv(out)
    want = f[(f["interval_start"] >= "2024-02-27 11:00") & (f["interval_start"] < "2024-02-28")]
    assert list(r.columns) == list(f.columns)
    assert r[["queue", "interval_start"]].values.tolist() == \
        want[["queue", "interval_start"]].values.tolist()
    assert set(r["model"]) == {"svd_update"}
    assert (r["offered_lo80"] <= r["offered"]).all() and (r["offered"] <= r["offered_hi80"]).all()
    # each queue updated on its own: one note per queue
    assert "queue sales: svd_update" in res.stderr and "queue service: svd_update" in res.stderr


def test_reforecast_moves_toward_the_day_seen(files):
    # on the as-of day, the calls after 13:00 are closer to the updated than to the original
    # forecast in total, for the queue whose seen morning is furthest from its forecast
    d, full, _, fc = files
    out = d / "rest13.csv"
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(fc), "--as-of",
                              "2024-02-28 13:00", "-o", str(out), "--method", "ratio"])
    assert res.exit_code == 0, res.output
    h = pd.read_csv(full, parse_dates=["interval_start"])
    f, r = pd.read_csv(fc, parse_dates=["interval_start"]), pd.read_csv(
        out, parse_dates=["interval_start"])
    day = h["interval_start"].dt.normalize() == "2024-02-28"
    err_old, err_new = [], []
    for q in ("sales", "service"):
        act = h[day & (h["queue"] == q) & (h["interval_start"] >= "2024-02-28 13:00")]
        old = f[(f["queue"] == q) & (f["interval_start"].isin(act["interval_start"]))]
        new = r[r["queue"] == q]
        err_old.append(abs(old["offered"].sum() - act["offered"].sum()))
        err_new.append(abs(new["offered"].sum() - act["offered"].sum()))
    assert sum(err_new) < sum(err_old)
    assert set(r["model"]) == {"ratio"}


def test_reforecast_edge_times(files):
    d, full, train, fc = files
    f = pd.read_csv(fc)
    # before the first interval: the forecast's rows unchanged
    out = d / "early.csv"
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(fc), "--as-of",
                              "2024-02-27 06:00", "-o", str(out)])
    assert res.exit_code == 0, res.output
    want = f[f["interval_start"].str.startswith("2024-02-27")].reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.read_csv(out), want)
    # after the last: no rows left, the header only
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(fc), "--as-of",
                              "2024-02-27 22:00", "-o", str(out)])
    assert res.exit_code == 0, res.output
    late = pd.read_csv(out)
    assert len(late) == 0 and list(late.columns) == list(f.columns)
    # a closed day inside the forecast (a Wednesday holiday: no rows): nothing to update
    shut = d / "holiday.csv"
    f[~f["interval_start"].str.startswith("2024-02-28")].to_csv(shut, index=False)
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(shut), "--as-of",
                              "2024-02-28 11:00", "-o", str(out)])
    assert res.exit_code == 0 and len(pd.read_csv(out)) == 0
    assert "closed day" in res.stderr


@pytest.mark.parametrize(("as_of", "history", "says"), [
    ("2024-02-27 11:10", "full", "not on the forecast's 30-minute grid"),
    ("next tuesday", "full", "as_of (--as-of) must be a local time"),
    ("2024-03-12 11:00", "full", "is not a day of the forecast"),
    ("2024-02-27 11:00", "train", "the history must reach the as-of day"),
])
def test_reforecast_bad_as_of_is_one_line_and_writes_nothing(files, as_of, history, says):
    d, full, train, fc = files
    out = d / "never.csv"
    res = runner.invoke(app, ["reforecast", str(full if history == "full" else train),
                              "--forecast", str(fc), "--as-of", as_of, "-o", str(out)])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.strip().splitlines() if not ln.startswith("wfm: note")]
    assert len(lines) == 1 and says in lines[0], res.stderr
    assert not out.exists()


def test_zero_calls_so_far_lowers_the_rest_of_day(files, tmp_path):
    d, full, _, fc = files
    h = pd.read_csv(full)
    zero = (h["interval_start"] >= "2024-02-27") & (h["interval_start"] < "2024-02-27 11:00")
    h.loc[zero, "offered"] = 0
    p = tmp_path / "zero.csv"
    h.to_csv(p, index=False)
    out = tmp_path / "rest.csv"
    res = runner.invoke(app, ["reforecast", str(p), "--forecast", str(fc), "--as-of",
                              "2024-02-27 11:00", "-o", str(out), "--method", "ratio"])
    assert res.exit_code == 0, res.output
    f, r = pd.read_csv(fc), pd.read_csv(out)
    old = f[f["interval_start"].isin(r["interval_start"]) & (f["queue"] == "sales")]
    new = r[r["queue"] == "sales"]
    assert (new["offered"] >= 0).all() and new["offered"].sum() < old["offered"].sum()


def test_reforecast_across_the_autumn_clock_change(tmp_path):
    # a 24/7 queue in New York: on 2024-11-03 01:00-02:00 happens twice; at 03:00 both
    # copies are seen, and the rest of the day is the forecast's rows from 03:00 on
    frame, _ = poisson_history(9, 3, start="2024-09-09", open_hours=(0, 24),
                               weekday_level=(1, 1, 1, 1, 1, 0.6, 0.6))
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    # the naive grid has one 01:00 and one 01:30 on the autumn day: repeat them (winter copy)
    rep = frame[frame["interval_start"].isin(["2024-11-03 01:00", "2024-11-03 01:30"])]
    frame = pd.concat([frame, rep]).sort_values("interval_start", kind="stable")
    full = tmp_path / "h.csv"
    frame.to_csv(full, index=False)
    train = tmp_path / "t.csv"
    frame[frame["interval_start"] < "2024-11-03"].to_csv(train, index=False)
    fc = tmp_path / "fc.csv"
    tz = ["--tz", "America/New_York"]
    res = runner.invoke(app, ["forecast", str(train), "--horizon", "2d", "-o", str(fc), *tz])
    assert res.exit_code == 0, res.output
    f = pd.read_csv(fc)
    assert (f["interval_start"] == "2024-11-03 01:00").sum() == 2     # the repeated hour
    out = tmp_path / "rest.csv"
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(fc), "--as-of",
                              "2024-11-03 03:00", "-o", str(out), *tz])
    assert res.exit_code == 0, res.output
    r = pd.read_csv(out)
    want = f[(f["interval_start"] >= "2024-11-03 03:00") & (f["interval_start"] < "2024-11-04")]
    assert list(r.columns) == list(f.columns)
    assert r["interval_start"].tolist() == want["interval_start"].tolist()
    assert r["utc_offset_min"].eq(-300).all()
    assert "50 intervals seen" not in res.stderr and "6 intervals seen" in res.stderr
    # as-of inside the repeated hour (its first, summer-time copy): the rest is the rows
    # from 01:30 EDT on, the 01:00 EST copy included; that slot's update is not doubled
    res = runner.invoke(app, ["reforecast", str(full), "--forecast", str(fc), "--as-of",
                              "2024-11-03 01:30", "-o", str(out), *tz])
    assert res.exit_code == 0, res.output
    r = pd.read_csv(out)
    day = f[f["interval_start"].str.startswith("2024-11-03")]
    want = day.iloc[list(day["interval_start"]).index("2024-11-03 01:30"):]
    assert r[["interval_start", "utc_offset_min"]].values.tolist() == \
        want[["interval_start", "utc_offset_min"]].values.tolist()
    split = (r["interval_start"] == "2024-11-03 01:00").to_numpy()
    old = want.loc[want["interval_start"] == "2024-11-03 01:00", "offered"].to_numpy()
    assert split.sum() == 1 and r.loc[split, "offered"].iloc[0] < 1.5 * old[0]


def test_backtest_intraday_scores_the_methods_at_both_cutoffs(files):
    d, full, train, fc = files
    res = runner.invoke(app, ["backtest", str(full), "--intraday", "--folds", "1", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {(r["queue"], r["cutoff"], r["method"]) for r in rows} == {
        (q, c, m) for q in ("sales", "service") for c in ("10:00", "13:00")
        for m in ("no_update", "ratio", "svd_update")}
    assert all({"folds", "mase", "wape", "bias", "coverage", "vs_no_update"} <= set(r)
               for r in rows)
    # the one origin is Saturday 2024-02-24: its forecast is the fixture's (the same history
    # before it, the same options), so "no update" at 10:00 can be scored by hand: the
    # rest-of-day MAE over the week / the MAE of the same slot a week earlier in training
    h = pd.read_csv(full, parse_dates=["interval_start"])
    f = pd.read_csv(fc, parse_dates=["interval_start"])
    for q in ("sales", "service"):
        hq = h[h["queue"] == q].set_index("interval_start")["offered"]
        fq = f[f["queue"] == q].set_index("interval_start")["offered"]
        rest = fq[(fq.index.hour >= 10)]
        mae = (rest - hq.reindex(rest.index)).abs().mean()
        tr = hq[hq.index < "2024-02-24"]
        week_ago = tr.reindex(tr.index - pd.Timedelta(days=7)).to_numpy()
        scale = np.nanmean(np.abs(tr.to_numpy() - week_ago))
        got = next(r for r in rows if (r["queue"], r["cutoff"], r["method"])
                   == (q, "10:00", "no_update"))
        assert got["mase"] == pytest.approx(mae / scale, rel=2e-3)   # the file is rounded
