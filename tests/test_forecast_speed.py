"""The compiled log-likelihood of the day-level model's search (forecast/_kalman.py).

Independent source: statsmodels' own ``UnobservedComponents.loglike`` (its general Cython
Kalman filter) on the same model, and its own Nelder-Mead fit: the compiled version must give
the same value to rounding and the same optimum. Speed itself is measured in
bench/bench_forecast_speed.py, not here."""

import numpy as np
import pytest

pytest.importorskip("numba")
from statsmodels.tsa.statespace.structural import UnobservedComponents  # noqa: E402

from forecast._kalman import fast_unobserved_components, uc_loglike, uc_loglike_py  # noqa: E402

KW = dict(level="llevel", autoregressive=1, mle_regression=False)


def _series(n=200, seed=3, missing=(5, 40, 41, 150)):
    """Log day totals as the day-level model sees them: a random-walk level, weekday effects,
    a 5 % flag, noise; a few days without a value (outliers: steps without an observation)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([(np.arange(n) % 7 == w).astype(float) for w in range(1, 7)]
                        + [(rng.random(n) < .05).astype(float)])
    y = np.cumsum(rng.normal(0, .05, n)) + X @ rng.normal(0, .3, 7) + rng.normal(0, .1, n)
    y[[m for m in missing if m < n]] = np.nan
    return y / np.nanstd(y), X


@pytest.mark.parametrize("with_exog", [True, False])
def test_loglike_equals_statsmodels(with_exog):
    # expected: statsmodels' Kalman filter at the same (untransformed) parameters
    y, X = _series()
    X = X if with_exog else None
    ref = UnobservedComponents(y, exog=X, **KW)
    fast = fast_unobserved_components()(y, exog=X, **KW)
    rng = np.random.default_rng(7)
    for p in rng.normal(0, 1, (50, 4)):
        a = ref.loglike(p, transformed=False)
        b = fast.loglike(p, transformed=False)
        assert b == pytest.approx(a, rel=1e-8, abs=1e-8)


def test_compiled_equals_python():
    # the numba version and the plain-Python kernel it compiles: the same arithmetic
    y, X = _series(n=60)
    Z = np.column_stack([np.ones(60), np.ones(60), X])
    args = (y, Z, 0.1, 0.02, 0.05, 0.6, 1e6, Z.shape[1] - 1)
    assert uc_loglike(*args) == pytest.approx(uc_loglike_py(*args), rel=1e-12)


def test_kernel_matches_transformed_statsmodels():
    # expected: statsmodels' loglike at transformed (constrained) parameters
    y, X = _series(n=120, seed=5)
    ref = UnobservedComponents(y, exog=X, **KW)
    h, level_var, ar_var, phi = 0.3, 0.01, 0.2, -0.4
    Z = np.column_stack([np.ones(120), np.ones(120), X])
    got = uc_loglike(y, Z, h, level_var, ar_var, phi, 1e6, ref.loglikelihood_burn)
    assert got == pytest.approx(ref.loglike([h, level_var, ar_var, phi]), rel=1e-9)


def test_search_reaches_statsmodels_optimum():
    # expected: statsmodels' own Nelder-Mead fit with the settings DayLevelModel uses
    y, X = _series(n=300, seed=11)
    opts = dict(disp=False, method="nm", maxiter=1000, cov_type="none", xtol=1e-3, ftol=1e-3)
    r0 = UnobservedComponents(y, exog=X, **KW).fit(**opts)
    r1 = fast_unobserved_components()(y, exog=X, **KW).fit(**opts)
    np.testing.assert_allclose(r1.params, r0.params, rtol=1e-9, atol=1e-12)
    f0 = r0.get_forecast(7, exog=X[:7]).predicted_mean
    f1 = r1.get_forecast(7, exog=X[:7]).predicted_mean
    np.testing.assert_allclose(f1, f0, rtol=1e-9, atol=1e-12)
