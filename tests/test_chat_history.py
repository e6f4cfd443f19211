"""Chat handle time by concurrency estimated from history (erlang.chat_history).

Expected values come from (a) the discrete-event simulator of the chat model
(erlang.simulate_channels, which draws each chat's work and lets an agent holding k chats
work each at rate 1 / AHT[k]: an independent implementation of the system, not of the
estimator), with a known AHT list, and (b) hand calculations of the moment equation
handled = alpha x busy agent-seconds + beta x chat-seconds, written out in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from erlang.chat_history import estimate_aht_by_concurrency
from erlang.simulate_channels import simulate_channel
from wfmcore import layouts, reader
from wfmcore.errors import InputError

#: (chats per hour, agents): staffing x load combinations whose mean concurrency spans
#: about 1.05 to 2.3 chats
CELLS = ((20, 4), (40, 4), (60, 5), (60, 4), (40, 2), (50, 3), (30, 2), (45, 3))
MONDAY = pd.Timestamp("2026-01-05")
#: simulated days (Mondays) per cell
DAYS = 400


def simulated_history(aht_s, days=DAYS, seed=7):
    """An interval export made by the simulator: each cell is one hour of the day (08:00,
    09:00, ...) on ``days`` Mondays, the hour simulated after an hour of warm-up at the same
    load and followed by one more (so its chats' work lies inside the horizon). handled =
    chats answered, aht_s = chat-seconds / handled, mean_concurrency = chat-seconds /
    agent-seconds holding >= 1 chat (what an ACD reports)."""
    parts = []
    for i, (per_hour, agents) in enumerate(CELLS):
        reps = simulate_channel(np.full(3, float(per_hour)), aht_s, agents, 60,
                                replications=days, patience_s=300.0,
                                seed=np.random.SeedSequence([seed, i])).replications
        hour = reps[reps["interval"] == 1]
        parts.append(pd.DataFrame({
            "interval_start": MONDAY + pd.to_timedelta(7 * hour["replication"].to_numpy(),
                                                       unit="D") + pd.Timedelta(hours=8 + i),
            "queue": "chat",
            "handled": hour["answered"].to_numpy(),
            "aht_s": (hour["chat_s"] / hour["answered"]).to_numpy(),
            "mean_concurrency": (hour["chat_s"] / hour["busy_s"]).to_numpy()}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def in_family():
    """AHT = 300, 400, 450 s: g(k) = k / AHT[k] = (1 + k) / 600 per second, an affine
    throughput (the model's family)."""
    return np.array([300.0, 400.0, 450.0]), simulated_history([300.0, 400.0, 450.0])


def test_recovers_simulated_list_in_the_model_family(in_family):
    # unbiased, with calibrated standard errors (over 12 seeds at 100 days: mean error
    # < 0.3 %, (estimate - truth) / SE with standard deviation 0.9 to 1.0); at 400 days the
    # error is about 1 % at k = 1 and 3, so 3 % and 3.5 SE are the stated tolerance
    true, history = in_family
    est = estimate_aht_by_concurrency(history, 3)
    got = np.array(est.aht_s_by_concurrency)
    assert est.method == "affine_throughput"
    assert est.rows == len(CELLS) * DAYS and est.groups == len(CELLS)
    assert np.all(np.abs(got / true - 1) < 0.03), got
    assert np.all(np.abs(got - true) < 3.5 * np.array(est.se_s)), (got, est.se_s)
    assert np.all(np.array(est.se_s) < 0.03 * true)
    assert 1.0 < est.concurrency_range[0] < 1.2 and 2.0 < est.concurrency_range[1] < 2.5
    assert est.alpha_per_s == pytest.approx(1 / 600, rel=0.1)
    assert est.beta_per_s == pytest.approx(1 / 600, rel=0.1)


def test_linear_list_outside_the_family_within_the_stated_model_error():
    # CCmath-style AHT growing linearly, 300, 390, 480 s: not affine in throughput, so the
    # fit is its best affine approximation; the module docstring states ~4 %, checked at 6 %
    true = np.array([300.0, 390.0, 480.0])
    got = np.array(estimate_aht_by_concurrency(simulated_history(list(true), seed=8), 3)
                   .aht_s_by_concurrency)
    assert np.all(np.abs(got / true - 1) < 0.06), got
    assert np.all(np.diff(got) > 0)


def test_row_by_row_fit_is_biased_which_is_why_rows_are_grouped(in_family):
    # the same simulated export fitted with every row its own group: long chats raise their
    # interval's concurrency, so AHT[3] comes out well above the truth (450 s) -- the
    # endogeneity the grouping removes (module docstring)
    _, history = in_family
    rowwise = estimate_aht_by_concurrency(history, 3, groups=np.arange(len(history)))
    assert rowwise.aht_s_by_concurrency[2] > 450.0 * 1.08
    assert rowwise.aht_s_by_concurrency[0] < 300.0 * 0.95


def two_levels(aht_at_1, aht_at_2, handled=(100.0, 150.0)):
    """Two time slots (08:00 and 09:00) on two Mondays: concurrency exactly 1, then 2."""
    times = [MONDAY + pd.Timedelta(hours=8), MONDAY + pd.Timedelta(hours=9)]
    rows = []
    for week in range(2):
        for t, aht, m, h in zip(times, (aht_at_1, aht_at_2), (1.0, 2.0), handled,
                                strict=True):
            rows.append({"interval_start": t + pd.Timedelta(days=7 * week), "handled": h,
                         "aht_s": aht, "mean_concurrency": m})
    return pd.DataFrame(rows)


def test_two_levels_observed_exactly_by_hand():
    # slot 08:00: H = 200, T = 200 x 300 = 60,000 chat-s, B = T / 1 = 60,000 agent-s
    # slot 09:00: H = 300, T = 300 x 400 = 120,000, B = T / 2 = 60,000
    # 200 = 60,000 a + 60,000 b and 300 = 60,000 a + 120,000 b  =>  b = 1/600, a = 1/600
    # AHT[k] = k / (a + b k) = 600 k / (1 + k) = 300, 400, 450 (k = 3 extrapolated)
    est = estimate_aht_by_concurrency(two_levels(300.0, 400.0), 3)
    assert est.aht_s_by_concurrency == pytest.approx((300.0, 400.0, 450.0), rel=1e-9)
    assert est.alpha_per_s == pytest.approx(1 / 600, rel=1e-9)
    assert est.beta_per_s == pytest.approx(1 / 600, rel=1e-9)
    assert est.residual_sd_s == pytest.approx(0.0, abs=1e-6)
    assert est.extrapolated == (3,)
    assert est.concurrency_range == (1.0, 2.0)
    assert np.isnan(est.se_s).all()           # 2 groups, 2 parameters: no residual freedom
    assert any("extrapolated" in n for n in est.notes)
    assert any("no standard error" in n for n in est.notes)


def test_flat_concurrency_gives_flat_aht():
    # every interval at 1.5 chats: the level effect cannot be seen; AHT = handled-weighted
    # mean = (10 x 300 + 30 x 340 + 20 x 320) / 60 = 19,600 / 60 = 326.67 s at every level
    frame = pd.DataFrame({
        "interval_start": MONDAY + pd.to_timedelta([8, 9, 10], unit="h"),
        "handled": [10.0, 30.0, 20.0], "aht_s": [300.0, 340.0, 320.0],
        "mean_concurrency": [1.5, 1.5, 1.5]})
    est = estimate_aht_by_concurrency(frame, 3)
    assert est.method == "flat"
    assert est.aht_s_by_concurrency == pytest.approx((19600 / 60,) * 3, rel=1e-12)
    assert any("hardly varies" in n for n in est.notes)


def test_too_few_rows_gives_flat_aht():
    frame = two_levels(300.0, 400.0).iloc[:2]     # one row per level: 2 < MIN_ROWS
    est = estimate_aht_by_concurrency(frame, 2)
    # (100 x 300 + 150 x 400) / 250 = 360 s
    assert est.aht_s_by_concurrency == pytest.approx((360.0, 360.0))
    assert any("only 2 interval(s)" in n for n in est.notes)


def test_decreasing_fit_is_clipped_flat():
    # AHT 400 s at one chat, 300 s at two: unconstrained a + b = 1/400 and
    # 15,000 a + 30,000 b = 100 per slot-week give b = 1/240, a < 0; with a = 0 the
    # Poisson-weighted fit is b = sum H / sum T, AHT = sum T / sum H =
    # (2 x 100 x 400 + 2 x 100 x 300) / 400 = 350 s
    est = estimate_aht_by_concurrency(two_levels(400.0, 300.0, handled=(100.0, 100.0)), 2)
    assert est.alpha_per_s == 0.0
    assert est.aht_s_by_concurrency == pytest.approx((350.0, 350.0), rel=1e-9)
    assert any("falling" in n for n in est.notes)


def test_no_gain_from_concurrency_is_clipped():
    # AHT 300 s alone, 700 s at two chats: g(2) = 2/700 < g(1) = 1/300, so b < 0; with
    # b = 0 the fit is a = sum H / sum B = 400 / (2 x 30,000 + 2 x 35,000) = 1/325 and
    # AHT[k] = 325 k
    est = estimate_aht_by_concurrency(two_levels(300.0, 700.0, handled=(100.0, 100.0)), 3)
    assert est.beta_per_s == 0.0
    assert est.aht_s_by_concurrency == pytest.approx((325.0, 650.0, 975.0), rel=1e-9)
    assert any("fewer chats" in n for n in est.notes)


def test_single_chat_concurrency_is_the_mean_aht():
    frame = two_levels(300.0, 400.0).assign(mean_concurrency=1.0)
    est = estimate_aht_by_concurrency(frame, 1)
    # (2 x 100 x 300 + 2 x 150 x 400) / 500 = 360 s
    assert est.aht_s_by_concurrency == pytest.approx((360.0,))


@pytest.mark.parametrize(("change", "concurrency", "param", "words"), [
    (lambda f: f.drop(columns="mean_concurrency"), 3, "mean_concurrency", "no 'mean_concurrency'"),
    (lambda f: f.drop(columns="handled"), 3, "handled", "no 'handled'"),
    (lambda f: f.assign(mean_concurrency=["1.2", "x", "1.5", "2"]), 3, "mean_concurrency",
     "'x' at data row 2: not a number"),
    (lambda f: f.assign(mean_concurrency=[0.6, 1.0, 1.5, 2.0]), 3, "mean_concurrency",
     "is 0.6 at data row 1"),
    (lambda f: f.assign(aht_s=[-1.0, 300.0, 300.0, 300.0]), 3, "aht_s", ">= 0"),
    (lambda f: f.assign(aht_s=[0.0, 300.0, 300.0, 300.0]), 3, "aht_s", "must be > 0"),
    (lambda f: f, 1, "concurrency", "above concurrency 1"),
    (lambda f: f.assign(handled=0.0), 3, "mean_concurrency", "no interval with chats"),
    (lambda f: f.assign(queue=["a", "b", "a", "b"]), 3, "queue", "one queue at a time"),
    (lambda f: f, 0, "concurrency", "whole number >= 1"),
    (lambda f: f, 2.0, "concurrency", "whole number >= 1"),
    (lambda f: f, True, "concurrency", "whole number >= 1"),
    (lambda f: f, 4, "concurrency", "at 4 chat(s), more than 1 chat(s) outside"),
])
def test_bad_input_is_one_line_naming_the_column(change, concurrency, param, words):
    frame = change(two_levels(300.0, 400.0))
    with pytest.raises(InputError) as err:
        estimate_aht_by_concurrency(frame, concurrency)
    assert err.value.param == param
    assert words in str(err.value) and "\n" not in str(err.value)


def test_extrapolation_limit_is_a_parameter():
    # concurrency 4 with the history at 1..2 chats: refused by default (4 > 2 + 1), allowed
    # with max_extrapolation=2: AHT[4] = 600 x 4 / 5 = 480 s by the same hand fit
    est = estimate_aht_by_concurrency(two_levels(300.0, 400.0), 4, max_extrapolation=2)
    assert est.aht_s_by_concurrency == pytest.approx((300.0, 400.0, 450.0, 480.0))
    assert est.extrapolated == (3, 4)
    with pytest.raises(InputError) as err:
        estimate_aht_by_concurrency(two_levels(300.0, 400.0), 3, max_extrapolation=-1)
    assert err.value.param == "max_extrapolation"


def test_reader_keeps_the_concurrency_column(tmp_path):
    # a generic export and a Genesys Cloud one with an 'Avg Concurrency' column: the reader
    # maps it to mean_concurrency (a number), and the Genesys header is still Genesys's
    path = tmp_path / "chat.csv"
    path.write_text("Interval Start,Queue,Calls Offered,Calls Handled,AHT (sec),Avg Concurrency\n"
                    "2026-01-05 08:00,Chat,10,9,300,1.25\n"
                    "2026-01-05 08:30,Chat,12,12,320,1.5\n")
    got = reader.read_intervals(path, "history")
    assert got.frame["mean_concurrency"].tolist() == [1.25, 1.5]
    header = ["Interval Start UTC Date", "Queue", "Media Type", "Offered",
              "Interactions Handled", "Total Handle Time (Seconds)", "Avg Concurrency"]
    assert layouts.detect([layouts.S.normalise_name(h) for h in header]).name == "genesys_cloud"
    est = estimate_aht_by_concurrency(got, 2)     # an IntervalFile is accepted as is
    assert est.rows == 2 and est.method == "flat"
