"""Holt-Winters on the day x slot grid (forecast.models.HoltWinters) on series built by hand."""

import numpy as np
import pandas as pd
import pytest

from forecast.io import read_history
from forecast.models import HW_WEEKS, DayProfile, HoltWinters
from forecast.panel import build_panel
from forecast.synthetic import poisson_rates


def _frame(weeks, rates_of_week, start="2024-01-01"):
    """A noiseless history: calls = the rate itself, ``rates_of_week(k)`` -> (7, slots)."""
    slots, _ = poisson_rates()
    t, y = [], []
    for d in pd.date_range(start, periods=7 * weeks, freq="D"):
        lam = rates_of_week((d - pd.Timestamp(start)).days // 7)[d.weekday()]
        if lam.sum() == 0:
            continue
        t.append(d.to_datetime64() + slots.astype("timedelta64[m]"))
        y.append(lam)
    return pd.DataFrame({"interval_start": np.concatenate(t), "offered": np.concatenate(y)})


def _panel(frame):
    h = read_history(frame)
    return build_panel(h.frame, h.interval_min)


def test_noiseless_weekly_pattern_is_reproduced_exactly():
    # Calls = weekday level x intraday shape, the same every week (forecast.synthetic's
    # two-peak day, Mon-Fri): every level, trend and seasonal update then returns its own
    # state (r_t = l, s_w = y / l), whatever the constants, so the forecast is the pattern.
    _, rates = poisson_rates()
    panel = _panel(_frame(10, lambda k: rates))
    days = pd.date_range("2024-03-11", periods=5, freq="D")
    f = HoltWinters().fit(panel).predict(days)
    np.testing.assert_allclose(f, rates[:5], rtol=1e-9)


def test_a_changed_intraday_shape_is_followed():
    # Weeks 0-8 the synthetic day; from week 9 its mirror image (peak in the afternoon),
    # same day totals, no noise; the week after the history is the mirror image. Three
    # updates after the change a seasonal rate gamma leaves (1 - gamma)^3 of the old shape:
    # 0.8 % at the grid's 0.8, where the slots' old/new ratios reach 2.7 (so < 2 %);
    # day_profile's profiles (4-week half-life) still hold about 60 % of it (0.5 ** (3/4)).
    _, rates = poisson_rates()
    mirrored = rates[:, ::-1].copy()
    panel = _panel(_frame(12, lambda k: rates if k < 9 else mirrored))
    days = pd.date_range("2024-03-25", periods=5, freq="D")
    hw = HoltWinters().fit(panel)
    rel_hw = np.abs(hw.predict(days) / mirrored[:5] - 1)
    rel_dp = np.abs(DayProfile().fit(panel).predict(days) / mirrored[:5] - 1)
    assert hw.params_[1] >= 0.5                      # the seasonal rate gamma
    assert rel_hw.max() < 0.02
    assert rel_dp.max() > 0.2


def test_a_level_step_is_followed():
    # Day totals 20 % higher from week 8 (shape unchanged, no noise): four weeks later the
    # level has caught up (within 1 % of the new totals).
    _, rates = poisson_rates()
    panel = _panel(_frame(12, lambda k: rates * (1.2 if k >= 8 else 1.0)))
    days = pd.date_range("2024-03-25", periods=5, freq="D")
    f = HoltWinters().fit(panel).predict(days)
    assert f.sum(axis=1) == pytest.approx(1.2 * rates[:5].sum(axis=1), rel=0.01)


def test_fixed_constants_reproduce_the_fit_and_only_the_window_is_used():
    # With the constants the grid search chose (state_params), the recursion gives the
    # same states; data older than HW_WEEKS weeks does not change the forecast.
    rng = np.random.default_rng(4)
    _, rates = poisson_rates()
    frame = _frame(HW_WEEKS + 6, lambda k: rates)
    frame["offered"] = rng.poisson(frame["offered"]).astype(float)
    panel = _panel(frame)
    days = pd.date_range(panel.days.max() + pd.Timedelta(days=3), periods=5, freq="D")
    m = HoltWinters().fit(panel)
    m2 = HoltWinters()
    m2.fixed_params_ = m.state_params()
    np.testing.assert_allclose(m2.fit(panel).predict(days), m.predict(days), rtol=1e-12)
    old = frame.copy()
    early = old["interval_start"] < old["interval_start"].min() + pd.Timedelta(weeks=2)
    old.loc[early, "offered"] *= 3.0
    np.testing.assert_allclose(HoltWinters().fit(_panel(old)).predict(days), m.predict(days),
                               rtol=1e-12)
