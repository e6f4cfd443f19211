"""Staffing under forecast uncertainty (erlang.uncertainty): the rate fit, the chance
constraint (--service-risk) and the expected service level (--expected-sl).

Independent sources: scipy.stats.nbinom / gamma / poisson (the count and rate
distributions), Monte Carlo draws of the rate from numpy's Gamma generator, an adaptive
quadrature of the Gamma density (scipy.integrate.quad), a fine grid over the day's score with
the time-varying load computed exactly at every point, and hand calculations.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats

from erlang import ServiceTarget, kpis, offered_load, required_agents, staffing_load
from erlang.uncertainty import (
    expected_service_level,
    expected_sl_agents,
    fit_rate,
    interval_columns,
    risk_calls,
)
from wfmcore.errors import InputError

H_MIN = 15
AHT = 300.0
Z80 = stats.norm.ppf(0.9)      # 1.2816: the normal quantile of an 80 % central interval


def nb_interval_end(f, k, p_target=0.9):
    """A whole count c near the p_target quantile of NB(mean f, shape k) and the central
    level its cdf gives: (hi = c + 1/2, level = 2 P(calls <= c) - 1), from scipy.stats."""
    q = k / (k + f)
    c = int(stats.nbinom.ppf(p_target, k, q)) + 1
    return c + 0.5, 2 * stats.nbinom.cdf(c, k, q) - 1


# --- the fit -----------------------------------------------------------------------------------

@pytest.mark.parametrize("f, k", [(300.0, 50.0), (300.0, 1e4), (5.0, 2.0), (0.5, 0.3),
                                  (2000.0, 400.0), (1e5, 1e3)])
def test_fit_reproduces_the_negative_binomial_quantiles(f, k):
    # hi and level from scipy.stats.nbinom: the fit recovers the shape k, and the fitted
    # count distribution gives scipy's cdf at the upper end and at a lower whole count
    hi, level = nb_interval_end(f, k)
    fit = fit_rate([f], [0.0], [hi], level)
    assert 1 / fit.cv2[0] == pytest.approx(k, rel=1e-8)
    assert not fit.capped[0]
    q = k / (k + f)
    assert fit.count_cdf(hi)[0] == pytest.approx((1 + level) / 2, abs=1e-12)
    c_lo = int(stats.nbinom.ppf(0.1, k, q))
    assert fit.count_cdf(c_lo + 0.5)[0] == pytest.approx(stats.nbinom.cdf(c_lo, k, q), abs=1e-9)
    # count_quantile inverts it
    assert fit.count_quantile((1 + level) / 2)[0] == pytest.approx(hi, abs=1e-6)


def test_fitted_counts_cover_the_interval_in_monte_carlo():
    # a forecast-style interval (f + z sqrt(f + phi f^2)); draw rate ~ Gamma(fit), calls ~
    # Poisson(rate) with numpy (1e6 draws): the whole counts c, c + 1 around the interval's
    # end bracket the 90 % (the fitted cdf at hi interpolates between P(calls <= c) at
    # c + 1/2 and P(calls <= c + 1) at c + 3/2), and the fitted cdf at c + 1/2 is the drawn
    # share of calls <= c (binomial standard error 3e-4)
    f, phi = 250.0, 0.01
    hi = f + Z80 * np.sqrt(f + phi * f * f)
    fit = fit_rate([f], [f - 20.0], [hi], 0.8)
    rng = np.random.default_rng(11)
    k = 1 / fit.cv2[0]
    calls = rng.poisson(rng.gamma(k, f / k, 1_000_000))
    c = int(np.floor(hi - 0.5))
    assert np.mean(calls <= c) < 0.9 < np.mean(calls <= c + 1)
    for y in (c - 30, c, c + 1, c + 20):
        assert fit.count_cdf(y + 0.5)[0] == pytest.approx(np.mean(calls <= y), abs=1.5e-3)


def test_forecast_calibrated_interval_gives_its_overdispersion():
    # forecast.backtest's interval f + q sqrt(f + phi f^2) with q = +-1.2816: the Gamma
    # mixture's variance is f + cv2 f^2, so cv2 ~ phi; the negative binomial's upper quantile
    # is a little above the normal one (skew), so the fit is a few percent below phi
    f = np.array([100.0, 300.0, 1000.0, 1e4])
    for phi in (0.001, 0.01, 0.1):
        sd = np.sqrt(f + phi * f * f)
        fit = fit_rate(f, np.maximum(f - Z80 * sd, 0), f + Z80 * sd, 0.8)
        assert np.all(fit.cv2 <= phi) and np.all(fit.cv2 >= 0.75 * phi)


def test_interval_no_wider_than_poisson_is_a_point_mass():
    # Poisson-only intervals f +- z sqrt(f) (what the forecast writes without evidence),
    # narrower ones, zero width and zero calls: Lambda = offered exactly
    f = np.array([1.0, 10.0, 100.0, 1000.0, 1e5, 50.0, 50.0, 0.0])
    hi = f + Z80 * np.sqrt(f)
    hi[5], hi[6] = 52.0, 50.0
    lo = np.maximum(f - Z80 * np.sqrt(f), 0.0)
    lo[6] = 50.0
    fit = fit_rate(f, lo, hi, 0.8)
    assert np.all(fit.cv2 == 0)
    assert np.array_equal(fit.quantile(0.9), f)
    assert np.array_equal(risk_calls(f, lo, hi, 0.8, 0.1), f)


def test_unreachable_upper_end_is_capped_and_flagged():
    # mean 0.5 calls: P(calls > 20) <= 0.5 / 21 by Markov's inequality, so no distribution
    # with that mean has 20 as its 90 % quantile
    fit = fit_rate([0.5, 300.0], [0.0, 280.0], [20.0, 330.0], 0.8)
    assert fit.capped.tolist() == [True, False]
    assert fit.count_quantile(0.9)[0] < 20


# --- the chance constraint --------------------------------------------------------------------

def test_risk_calls_are_the_gamma_quantile():
    # scipy.stats.gamma with the fitted shape and scale f cv2
    f = np.array([40.0, 300.0, 2000.0])
    sd = np.sqrt(f + 0.02 * f * f)
    lo, hi = f - Z80 * sd, f + Z80 * sd
    fit = fit_rate(f, lo, hi, 0.8)
    for r in (0.5, 0.2, 0.1, 0.01):
        want = stats.gamma.ppf(1 - r, 1 / fit.cv2, scale=f * fit.cv2)
        assert risk_calls(f, lo, hi, 0.8, r) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("target", [
    ServiceTarget(),
    ServiceTarget(sl_target=0.9, sl_threshold_s=15, asa_target_s=10, max_occupancy=0.9),
    ServiceTarget(patience_s=120, max_abandon=0.03, sl_convention="answered"),
])
def test_chance_constraint_against_brute_force_scan(target):
    # the smallest N with P(every target met) >= 1 - r, scanned over N: P is the Gamma mass
    # (scipy.stats.gamma.cdf differences) of the cells of a 4000-point grid of rates whose
    # midpoint meets every target (no monotonicity assumed); it equals the staffing of the
    # (1 - r) quantile's calls. A cell holds at most 5e-4 of the mass.
    f = np.array([30.0, 300.0, 1200.0])
    sd = np.sqrt(f + 0.015 * f * f)
    lo, hi = f - Z80 * sd, f + Z80 * sd
    fit = fit_rate(f, lo, hi, 0.8)
    for r in (0.1, 0.3):
        got = required_agents(offered_load(risk_calls(f, lo, hi, 0.8, r), AHT, H_MIN), AHT,
                              target)
        for i in range(f.size):
            k, theta = 1 / fit.cv2[i], f[i] * fit.cv2[i]
            edges = np.linspace(*stats.gamma.ppf([1e-7, 1 - 1e-7], k, scale=theta), 4001)
            mass = np.diff(stats.gamma.cdf(edges, k, scale=theta))
            load = offered_load(0.5 * (edges[1:] + edges[:-1]), AHT, H_MIN)
            p_met = {}
            for n in (int(got[i]) - 1, int(got[i])):
                out = kpis(n, load, AHT, target)
                met = out["service_level"] >= target.sl_target
                if target.asa_target_s is not None:
                    met &= out["asa_s"] <= target.asa_target_s
                if target.max_occupancy is not None:
                    met &= out["occupancy"] <= target.max_occupancy
                if target.max_abandon is not None:
                    met &= out["p_abandon"] <= target.max_abandon
                p_met[n] = mass[met].sum() + 1e-7     # the mass below the grid meets them
            assert p_met[got[i]] >= 1 - r - 5e-4
            assert p_met[got[i] - 1] < 1 - r + 5e-4


def test_chance_constraint_with_time_varying_load_and_a_day_level_error():
    # rates of a day move together (one score per day): every interval's MOL is increasing
    # in the score, so P(SL >= target) >= 1 - r per interval. Brute force: 20k days drawn
    # (score z ~ N(0, 1), each interval's rate its quantile at Phi(z)), the MOL of each day
    # computed exactly, the share of days each interval meets 80/20 with the staffing of the
    # risk calls is at least 0.9, and with one agent fewer below it
    f = np.array([20.0, 80, 250, 400, 380, 150, 60, 300, 90, 10])
    sd = np.sqrt(f + 0.02 * f * f)
    lo, hi = np.maximum(f - Z80 * sd, 0), f + Z80 * sd
    fit = fit_rate(f, lo, hi, 0.8)
    target = ServiceTarget()
    n = required_agents(staffing_load(risk_calls(f, lo, hi, 0.8, 0.1), AHT, H_MIN), AHT, target)
    z = stats.norm.ppf((np.arange(2000) + 0.5) / 2000)      # days on a stratified grid
    loads = np.array([staffing_load(fit.at_score(zi), AHT, H_MIN) for zi in z])
    p_met = (kpis(np.broadcast_to(n, loads.shape), loads, AHT, target)["service_level"]
             >= 0.8).mean(axis=0)
    # a grid point carries 5e-4 of the probability
    assert np.all(p_met >= 0.9 - 5e-4)
    # one agent fewer (the other intervals' loads do not depend on it) falls below 0.9
    p_fewer = (kpis(np.broadcast_to(n - 1, loads.shape), loads, AHT, target)["service_level"]
               >= 0.8).mean(axis=0)
    assert np.all(p_fewer < 0.9 + 5e-4)


# --- the expected service level ---------------------------------------------------------------

def quad_expected_sl(n, f, cv2, target, weighted=False):
    """E[SL(n, Lambda)] for Lambda ~ Gamma(mean f, cv2) — or, ``weighted``, the calls-weighted
    E[Lambda SL(n, Lambda)] / f: scipy.integrate.quad of the SL (times lambda / f) times the
    Gamma density, split at the Erlang C kink (load = n)."""
    k, theta = 1 / cv2, f * cv2
    def g(lam):
        w = lam / f if weighted else 1.0
        return w * float(kpis(n, offered_load(lam, AHT, H_MIN), AHT, target)["service_level"]) \
            * stats.gamma.pdf(lam, k, scale=theta)
    lo, hi = stats.gamma.ppf([1e-14, 1 - 1e-14], k, scale=theta)
    kink = n * H_MIN * 60 / AHT
    points = [kink] if target.patience_s is None and lo < kink < hi else None
    return integrate.quad(g, lo, hi, points=points, limit=200, epsabs=1e-10, epsrel=1e-10)[0]


@pytest.mark.parametrize("f, k, target", [
    (40.0, 25.0, ServiceTarget()),
    (300.0, 100.0, ServiceTarget()),
    (3000.0, 400.0, ServiceTarget()),
    (300.0, 11.0, ServiceTarget()),
    (300.0, 100.0, ServiceTarget(patience_s=120)),
])
def test_expected_sl_against_adaptive_quadrature(f, k, target):
    hi, level = nb_interval_end(f, k)
    a = offered_load(f, AHT, H_MIN)
    offsets = np.array([-2, 3, 10] if target.patience_s is None else [0, 6])
    for n in np.unique(np.ceil(a + offsets + 2 * a / np.sqrt(k)).astype(int)):
        for weight, weighted in (("equal", False), ("calls", True)):
            want = quad_expected_sl(int(n), f, 1 / k, target, weighted)
            got = expected_service_level([n], [f], [0.0], [hi], level, AHT, H_MIN, target,
                                         method="sipp", weight=weight)[0]
            assert got == pytest.approx(want, abs=4e-6)


def test_calls_weighted_expectation_is_below_the_equal_weight_one():
    # a busy day has more calls and a lower SL: weighting by calls lowers the expectation
    # (by the covariance of Lambda and SL over E[Lambda]); hand check at f = 300, cv 0.2
    f, k = 300.0, 25.0
    hi, level = nb_interval_end(f, k)
    n = int(np.ceil(offered_load(f, AHT, H_MIN))) + 10
    eq, calls = (expected_service_level([n], [f], [0.0], [hi], level, AHT, H_MIN,
                                        method="sipp", weight=w)[0] for w in ("equal", "calls"))
    assert calls < eq - 0.005
    with pytest.raises(InputError, match="weight must be one of calls, equal"):
        expected_service_level([n], [f], [0.0], [hi], level, AHT, H_MIN, weight="days")


def test_expected_sl_agents_against_brute_force_scan():
    # the smallest N whose quadrature-integrated E[SL] reaches 80 %, scanned N by N
    f = np.array([40.0, 300.0, 1500.0])
    k = np.array([30.0, 120.0, 300.0])
    ends = [nb_interval_end(fi, ki) for fi, ki in zip(f, k, strict=True)]
    target = ServiceTarget()
    for i in range(f.size):
        hi, level = ends[i]
        got = expected_sl_agents([f[i]], [0.0], [hi], level, AHT, H_MIN, target,
                                 method="sipp")[0]
        assert quad_expected_sl(int(got), f[i], 1 / k[i], target, weighted=True) >= 0.8
        assert quad_expected_sl(int(got) - 1, f[i], 1 / k[i], target, weighted=True) < 0.8


def test_expected_sl_with_time_varying_load_against_a_fine_score_grid():
    # the day's score z on a 2001-point grid over [-8.5, 8.5], the MOL computed exactly at
    # every point (no interpolation), trapezoid rule with the normal density
    f = np.array([20.0, 150, 400, 420, 200, 40])
    sd = np.sqrt(f + 0.03 * f * f)
    lo, hi = np.maximum(f - Z80 * sd, 0), f + Z80 * sd
    fit = fit_rate(f, lo, hi, 0.8)
    target = ServiceTarget()
    n = np.array([6, 24, 52, 55, 32, 10])
    z = np.linspace(-8.5, 8.5, 2001)
    sl = np.array([kpis(n, staffing_load(fit.at_score(zi), AHT, H_MIN), AHT, target)
                   ["service_level"] for zi in z])
    want = integrate.trapezoid(sl * stats.norm.pdf(z)[:, None], z, axis=0)
    got = expected_service_level(n, f, lo, hi, 0.8, AHT, H_MIN, target, weight="equal")
    assert got == pytest.approx(want, abs=2e-5)
    # calls-weighted: each interval's own calls at z weight its SL
    calls = np.array([fit.at_score(zi) for zi in z])
    want = integrate.trapezoid(sl * calls * stats.norm.pdf(z)[:, None], z, axis=0) / f
    got = expected_service_level(n, f, lo, hi, 0.8, AHT, H_MIN, target)
    assert got == pytest.approx(want, abs=2e-5)


def test_expected_sl_keeps_the_other_targets_at_the_point_forecast():
    # ASA 1 s at the point load needs more than E[SL] >= 80 % here (118 against 115
    # agents): the max of the two
    f = np.array([300.0, 300.0])
    sd = np.sqrt(f + 0.01 * f * f)
    lo, hi = f - Z80 * sd, f + Z80 * sd
    target = ServiceTarget(asa_target_s=1.0, min_agents=3)
    got = expected_sl_agents(f, lo, hi, 0.8, AHT, H_MIN, target, method="sipp")
    sl_part = expected_sl_agents(f, lo, hi, 0.8, AHT, H_MIN, ServiceTarget(), method="sipp")
    asa_part = required_agents(offered_load(f, AHT, H_MIN), AHT,
                               replace(target, sl_target=0.0))
    assert np.array_equal(got, np.maximum(sl_part, asa_part))
    assert got[0] > sl_part[0]   # the ASA binds, so this checks the max is taken


# --- both reduce to the point staffing --------------------------------------------------------

@pytest.mark.parametrize("target", [ServiceTarget(), ServiceTarget(patience_s=90)])
def test_zero_width_gives_the_point_staffing(target):
    # a day with a zero-volume night in the middle: MOL runs end at the night
    f = np.array([0.5, 30, 120, 340, 280, 0, 0, 15, 200, 90])
    starts = np.zeros(f.size, dtype=bool)
    point = required_agents(staffing_load(f, AHT, H_MIN, "mol", starts), AHT, target)
    pois = f + Z80 * np.sqrt(f)
    for lo, hi in ((f, f), (np.maximum(f - Z80 * np.sqrt(f), 0), pois)):
        risk = required_agents(staffing_load(risk_calls(f, lo, hi, 0.8, 0.1), AHT, H_MIN,
                                             "mol", starts), AHT, target)
        assert np.array_equal(risk, point)
        got = expected_sl_agents(f, lo, hi, 0.8, AHT, H_MIN, target, run_starts=starts)
        assert np.array_equal(got, point)
    assert np.all(point[[5, 6]] == 0)


def test_narrowing_interval_converges_to_the_point_staffing():
    # cv of the rate 10 % -> 0.01 %: both answers fall to the point staffing, never below it
    f = np.array([60.0, 250.0, 900.0])
    point = required_agents(offered_load(f, AHT, H_MIN), AHT)
    last_risk = last_exp = None
    for phi in (1e-2, 1e-4, 1e-8):
        sd = np.sqrt(f + phi * f * f)
        lo, hi = f - Z80 * sd, f + Z80 * sd
        risk = required_agents(offered_load(risk_calls(f, lo, hi, 0.8, 0.1), AHT, H_MIN), AHT)
        exp_ = expected_sl_agents(f, lo, hi, 0.8, AHT, H_MIN, method="sipp")
        assert np.all(risk >= point) and np.all(exp_ >= point)
        if last_risk is not None:
            assert np.all(risk <= last_risk) and np.all(exp_ <= last_exp)
        last_risk, last_exp = risk, exp_
    assert np.array_equal(last_risk, point) and np.array_equal(last_exp, point)


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("risk, text", [(0, "in (0, 0.5]"), (0.6, "got 0.6"),
                                        (10, "10% is 0.1"), (float("nan"), "NaN"),
                                        ("0.1", "must be a number"), (-0.1, "got -0.1")])
def test_risk_outside_range_names_the_parameter(risk, text):
    with pytest.raises(InputError, match="^service_risk ") as exc:
        risk_calls([10.0], [8.0], [12.0], 0.8, risk)
    assert exc.value.param == "service_risk"
    assert text in str(exc.value)


@pytest.mark.parametrize("lo, f, hi, text", [
    ([11.0], [10.0], [12.0], "offered_lo80 must not be above offered: interval 0"),
    ([8.0, 9.0], [10.0, 10.0], [12.0, 9.5], "offered_hi80 must not be below offered: interval 1"),
    ([-1.0], [10.0], [12.0], "offered_lo80 must be a finite number of calls >= 0"),
    ([8.0], [float("nan")], [12.0], "offered must be a finite number"),
    ([8.0], [10.0], [float("inf")], "offered_hi80 must be a finite number"),
    ([8.0], [10.0, 11.0], [12.0, 13.0], "offered_lo80 must be one value per interval"),
])
def test_bad_interval_names_the_column_and_interval(lo, f, hi, text):
    with pytest.raises(InputError, match=text):
        fit_rate(f, lo, hi, 0.8)
    with pytest.raises(InputError, match=text):
        expected_sl_agents(f, lo, hi, 0.8, AHT, H_MIN)


def test_interval_columns_found_or_refused():
    cols = ["interval_start", "offered", "offered_lo80", "offered_hi80", "model"]
    assert interval_columns(cols) == ("offered_lo80", "offered_hi80", 0.8)
    assert interval_columns(["offered_lo97.5", "offered_hi97.5"]) == \
        ("offered_lo97.5", "offered_hi97.5", 0.975)
    with pytest.raises(InputError, match="needs the forecast's prediction interval") as exc:
        interval_columns(["interval_start", "offered", "offered_lo80"], param="expected_sl")
    assert exc.value.param == "expected_sl"
    with pytest.raises(InputError, match="several levels"):
        interval_columns(["offered_lo80", "offered_hi80", "offered_lo95", "offered_hi95"])
    with pytest.raises(InputError, match="^level must be a share"):
        fit_rate([10.0], [8.0], [12.0], 80)
