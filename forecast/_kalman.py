"""A compiled log-likelihood for the day-level model's maximum-likelihood search.

:class:`forecast.models.DayLevelModel` is statsmodels' ``UnobservedComponents(level='llevel',
autoregressive=1, exog=X, mle_regression=False)``: states (level, AR(1) transient, one
regression coefficient per column of X), a diagonal transition (1, phi, 1, ..., 1), shocks
on the level and the AR state only, approximate-diffuse initialisation (variance
``initial_variance`` = 1e6) of the level and the coefficients, the AR state at its
stationary variance, and the first ``loglikelihood_burn`` (= number of diffuse states)
periods left out of the log-likelihood (Durbin & Koopman 2012, sections 4.3 and 5.6).

The Nelder-Mead search calls the log-likelihood a few hundred times; statsmodels' general
filter (full matrix products, a Python layer that re-initialises the representation every
call) costs ~1-2 ms a call on a year of days. :func:`uc_loglike` is the same conventional
Kalman filter written for this structure (diagonal transition and shock covariance, a scalar
observation), compiled with numba: ~20x cheaper. It agrees with statsmodels' value to
rounding (relative 1e-12 on the test bed; ``tests/test_forecast_speed.py`` checks it), so the
search takes the same steps: Nelder-Mead's points depend on the function only through
comparisons of its values, which a 1e-12 difference does not flip. Only the search uses it:
the fitted model, its filtered states and its forecasts are statsmodels' own.
"""

from __future__ import annotations

import math

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


def uc_loglike_py(y, Z, h, level_var, ar_var, phi, diffuse, burn):
    """Log-likelihood of ``y`` (NaN = missing: no update, no term) under
    ``y_t = Z_t a_t + e_t``, ``e_t ~ N(0, h)``, ``a_(t+1) = T a_t + u_t`` with states
    (level, AR(1), coefficients...), ``T = diag(1, phi, 1, ...)``,
    ``Var u = diag(level_var, ar_var, 0, ...)``, ``a_1 ~ N(0, diag(diffuse, ar_var / (1 -
    phi^2), diffuse, ...))``; the terms of the first ``burn`` periods left out (the
    conventional Kalman filter, Durbin & Koopman 2012, eq. 4.24 and 7.2). Plain Python in
    the subset numba compiles (:func:`uc_loglike`)."""
    n, k = Z.shape
    t_diag = np.ones(k)
    t_diag[1] = phi
    q_diag = np.zeros(k)
    q_diag[0] = level_var
    q_diag[1] = ar_var
    a = np.zeros(k)
    P = np.zeros((k, k))
    for i in range(k):
        P[i, i] = diffuse
    P[1, 1] = ar_var / (1.0 - phi * phi)
    pz = np.zeros(k)
    ll = 0.0
    for t in range(n):
        yt = y[t]
        if yt == yt:                                    # observed (not NaN)
            v = yt
            for i in range(k):
                v -= Z[t, i] * a[i]
            F = h
            for i in range(k):
                s = 0.0
                for j in range(k):
                    s += P[i, j] * Z[t, j]
                pz[i] = s
                F += Z[t, i] * s
            g = v / F
            for i in range(k):
                a[i] += pz[i] * g
            for i in range(k):
                c = pz[i] / F
                for j in range(k):
                    P[i, j] -= c * pz[j]
            if t >= burn:
                ll -= 0.5 * (LOG_2PI + math.log(F) + v * g)
        for i in range(k):
            a[i] *= t_diag[i]
        for i in range(k):
            for j in range(k):
                P[i, j] *= t_diag[i] * t_diag[j]
            P[i, i] += q_diag[i]
    return ll


_COMPILED = []


def uc_loglike(*args) -> float:
    """:func:`uc_loglike_py` compiled by numba (on first use; cached on disk where the
    package folder is writable)."""
    if not _COMPILED:
        import numba  # third-party, imported here: only a likelihood search needs it

        try:
            fn = numba.njit(cache=True)(uc_loglike_py)
        except RuntimeError:      # "cannot cache function ...: no locator available"
            fn = numba.njit(cache=False)(uc_loglike_py)
        _COMPILED.append(fn)
    return _COMPILED[0](*args)


_CLASS = []


def fast_unobserved_components():
    """statsmodels' ``UnobservedComponents`` with :meth:`loglike` by :func:`uc_loglike` for
    the day-level model's structure (anything else: statsmodels' own)."""
    if _CLASS:
        return _CLASS[0]
    from statsmodels.tsa.statespace.mlemodel import MLEModel, _handle_args
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    class FastUnobservedComponents(UnobservedComponents):
        """UnobservedComponents whose log-likelihood (the search's objective) is compiled;
        its filter, smoother and forecasts are statsmodels'."""

        def _fast_parts(self):
            parts = getattr(self, "_fast_parts_", None)
            if parts is None:
                ok = (self.state_names[:2] == ["level", "ar.L1"] and self.ar_order == 1
                      and not self.mle_regression and not self.use_exact_diffuse
                      and self.param_names == ["sigma2.irregular", "sigma2.level",
                                               "sigma2.ar", "ar.L1"]
                      and not self._has_fixed_params)
                if ok:
                    k = self.k_states
                    design = np.asarray(self.ssm["design"])
                    Z = (design[0].T if design.ndim == 3 else np.repeat(design, self.nobs, 0))
                    y = np.asarray(self.ssm.endog, float)[0]
                    parts = (np.ascontiguousarray(Z, dtype=float), np.ascontiguousarray(y),
                             k, float(self.ssm.initial_variance), int(self.loglikelihood_burn))
                else:
                    parts = False
                self._fast_parts_ = parts
            return parts

        def loglike(self, params, *args, **kwargs):
            transformed, includes_fixed, complex_step, rest = _handle_args(
                MLEModel._loglike_param_names, MLEModel._loglike_param_defaults,
                *args, **kwargs)
            parts = self._fast_parts()
            if transformed or includes_fixed or complex_step or rest or not parts:
                return super().loglike(params, *args, **kwargs)
            # the search's unconstrained parameters, transformed with the arithmetic of
            # statsmodels' transform_params: squares for the variances, Monahan's
            # phi = -u / sqrt(1 + u^2) for the AR coefficient (same roundings)
            u0, u1, u2, u3 = (float(v) for v in np.asarray(params, float)[:4])
            phi = -(u3 / math.sqrt(1.0 + u3 * u3))
            Z, y, _, diffuse, burn = parts
            ll = uc_loglike(y, Z, u0 * u0, u1 * u1, u2 * u2, phi, diffuse, burn)
            if not math.isfinite(ll):     # a degenerate point: statsmodels' own answer
                return super().loglike(params, *args, **kwargs)
            return ll

    _CLASS.append(FastUnobservedComponents)
    return FastUnobservedComponents
