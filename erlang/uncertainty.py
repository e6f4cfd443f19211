"""Staffing under forecast uncertainty: the chance constraint and the expected service level.

The forecast gives per interval a point forecast ``offered`` (expected calls) and a calibrated
central prediction interval ``[offered_loNN, offered_hiNN]`` of level ``level`` for the *count*
of calls. The count already holds the Poisson noise of arrivals at a known rate, and the
Erlang formulas already model those arrivals given the rate; what staffing must add is the
uncertainty of the rate itself.

**Model** (a mixed Poisson, Jongbloed & Koole 2001, "Managing uncertainty in call centres
using Poisson mixtures", Applied Stochastic Models in Business and Industry 17:307-318):
calls | Lambda ~ Poisson(Lambda), Lambda ~ Gamma with mean ``offered`` and squared coefficient
of variation ``cv2`` (shape 1/cv2), so the count is negative binomial with
``Var(count) = offered + cv2 offered^2``: Var(Lambda) = Var(count) - E[count], the Poisson
part deconvolved. It is the forecast's own error model (:mod:`forecast.backtest` calibrates
its intervals with ``Var(y | f) = f + phi f^2``), with ``cv2`` in the place of ``phi``.

**Fit** (:func:`fit_rate`): the mean is the point forecast; ``cv2`` is the value at which
the negative binomial's cdf at ``offered_hi`` equals ``(1 + level) / 2``, read with the
continuity correction (whole count c is the cell [c - 1/2, c + 1/2); between cell centres the
cdf is the regularised incomplete beta function, ``P(calls <= c) = 1 - I_{f/(k+f)}(c + 1, k)``
at ``y = c + 1/2``, written in the complementary form that stays accurate for large shapes
k). So an interval no wider than Poisson noise, such as the forecast's Poisson-only
``f +- z sqrt(f)``, gives a point mass (``cv2 = 0``), and the forecast's calibrated
``f + q sqrt(f + phi f^2)`` gives ``cv2`` close to ``phi`` (a few percent below: the
negative binomial is skewed). Asymmetric intervals: the *upper* end alone fixes the
dispersion, because staffing at risk <= 0.5 depends on the upper half of the rate
distribution (the chance constraint on the (1 - risk) quantile; the expected service level is
flat near 1 where the load is low); the lower end is checked (0 <= lo <= offered) and the
fitted distribution's own lower quantile is available (:meth:`RateFit.count_quantile`) to see
how far the two differ. Where the cdf at ``hi`` is not monotone in ``cv2`` (a few expected
calls and a huge spread: the mass piles up at 0) the root on the branch where more variance
widens the interval is taken; an upper end no Gamma mixture with that mean reaches takes the
widest attainable one and is flagged in ``RateFit.capped``.

**Chance constraint** (``--service-risk r``; Gurvich, Luedtke & Tezcan 2010, "Staffing call
centers with uncertain demand forecasts: a chance-constrained optimization approach",
Management Science 56(7):1093-1115): per interval the smallest N with
P_Lambda(targets met with N agents at rate Lambda) >= 1 - r. Proof that this is the point
staffing at the (1 - r) quantile q of Lambda: every KPI worsens as the load grows at fixed N,
so the rates at which N meets the targets form an interval [0, l_N], and
P(Lambda <= l_N) >= 1 - r  <=>  l_N >= q (Lambda has a continuous cdf)  <=>  N meets the
targets at q. This holds for the whole target set jointly (service level, ASA, occupancy cap,
abandonment: each monotone in the load), so ``risk_calls`` followed by the usual staffing
meets every target with probability >= 1 - r.

**Expected service level** (``--expected-sl``): the smallest N whose expected SL reaches
sl_target, calls-weighted by default, E[Lambda SL(N, Lambda)] / E[Lambda] — the share of the
interval's calls answered in time over many days like it, what a centre's reports measure
(:data:`WEIGHTS`; ``equal``: E[SL(N, Lambda)], which lets a quiet day's high SL count as much
as a busy day's low one). Either increases with N, so the search gallops from the point
staffing and bisects. For a Gamma rate the weighted mass below the window is closed-form:
x f_k(x) = E[Lambda] f_{k+1}(x), so E[Lambda 1{Lambda <= q}] = E[Lambda] P(Gamma(k + 1) <= q).
The expectation is an integral over the standard-normal score z of the rate
(Lambda = Q(Phi(z))): below the load window in which SL(N, .) lies within 1e-10 of 1 the
integrand is 1 (mass Phi(z_a)), above the window in which it lies within 1e-10 of 0 it is 0,
and inside it Gauss-Legendre with :data:`NODES` nodes; the window adapts to the SL curve
of N agents and to the spread of the load at once, so a steep SL curve (large loads) and a
wide forecast are both resolved. Between 69 scores (spacing 0.25 over |z| <= 8.5) at which it
is computed exactly, the load is interpolated (monotone cubic). Accuracy: within 4e-6 of an
adaptive quadrature of the Gamma density (scipy.integrate.quad) over 128 cases (Erlang C, whose SL
has a kink where the load reaches N, and Erlang A; 5 to 3000 calls per quarter-hour;
coefficients of variation 0.02 to 1; within 2e-6 up to 0.3), so the N found is exact unless
the expected SL of a headcount lies within that of the target. The other targets (ASA,
occupancy cap, abandonment, min_agents) are met at the point forecast: an expected ASA is
infinite in Erlang C as soon as Lambda can exceed the headcount, and meeting them at the
mean is what point staffing promises.

**Time-varying load** (:mod:`erlang.timevarying`): the staffed load of an interval depends on
the rates of the earlier intervals of its run. Both functions assume the intervals of a run
move together (one standard-normal score z per run, each interval's rate its own quantile at
Phi(z): comonotone), which is what a day-level forecast error does (the ``phi f^2`` term).
Under that assumption both are exact: the chance constraint staffs the load computed from the
calls at the (1 - r) quantile of every interval (every interval's load is increasing in z),
and the expectation is taken over the loads computed at each node. For independent rates
the chance constraint is not exact (the quantile of a weighted sum of rates is not the
weighted sum of their quantiles); with ``sipp`` only the interval's own rate matters and both
are exact whatever the dependence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.interpolate import PchipInterpolator
from scipy.special import betaincc, gammainc, gammaincc, gammainccinv, gammaincinv, ndtr, ndtri

from erlang import erlang_a, erlang_c
from erlang.staffing import TARGET_RTOL, _max_agents, required_agents
from erlang.timevarying import staffing_load
from wfmcore import checks
from wfmcore import schema as S
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget

__all__ = ["NODES", "WEIGHTS", "RateFit", "check_service_risk", "expected_service_level",
           "expected_sl_agents", "fit_rate", "interval_columns", "risk_calls"]

#: Gauss-Legendre nodes of the expectation over the load window (module docstring)
NODES = 48
#: the scores z (standard normal) the expectation covers: Phi(-8.5) = 1e-17 is left out
_Z_MAX = 8.5
#: nodes at which the time-varying load is computed exactly (spacing 0.25 in z)
_Z_NODES = 69
#: SL within this of 1 (below the load window) or of 0 (above it) counts as 1 or 0
_EPS = 1e-10
_WINDOW_STEPS = 40
#: largest risk accepted: beyond 0.5 the "safety" staffs below the median rate
MAX_RISK = 0.5
#: extra-variance ratios cv2 x offered (Var(count) / offered - 1) searched by the fit
_W_GRID = np.logspace(-9, 12, 211)
_BISECT_STEPS = 60


def check_service_risk(risk, name: str = "service_risk") -> float:
    """``risk`` as a float in (0, 0.5], else InputError naming ``name``."""
    r = checks.number(risk, name)
    if not 0 < r <= MAX_RISK:
        raise InputError(f"{name} must be in (0, {MAX_RISK:g}] (0.1 = a 10% chance that an "
                         f"interval misses its target); got {r:g}{checks.percent_hint(r)}",
                         param=name)
    return r


_INTERVAL_COLUMN = re.compile(r"^offered_(lo|hi)(\d+(?:\.\d+)?)$")


def interval_columns(columns, param: str = "service_risk") -> tuple[str, str, float]:
    """(lo column, hi column, level) of the forecast's prediction interval, e.g.
    ``('offered_lo80', 'offered_hi80', 0.8)``; InputError (``param``) when there is none or
    more than one."""
    found: dict[str, dict[str, str]] = {}
    for c in columns:
        m = _INTERVAL_COLUMN.match(str(c))
        if m:
            found.setdefault(m.group(2), {})[m.group(1)] = str(c)
    pairs = {sfx: d for sfx, d in found.items() if len(d) == 2}
    if not pairs:
        raise InputError(f"{param} needs the forecast's prediction interval (columns "
                         "offered_loNN and offered_hiNN, as wfm forecast writes them); the "
                         "forecast has none", param=param)
    if len(pairs) > 1:
        raise InputError(f"{param}: the forecast has prediction intervals at several levels "
                         f"({', '.join(sorted(pairs))}); keep one", param=param)
    sfx, d = next(iter(pairs.items()))
    level = float(sfx) / 100.0
    if not 0 < level < 1:
        raise InputError(f"{d['lo']}: the interval level must be between 0 and 100 percent",
                         param=param)
    return d["lo"], d["hi"], level


def _as_calls(name: str, value, n: int | None) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1 or (n is not None and arr.size != n):
        raise InputError(f"{name} must be one value per interval (a 1-d sequence"
                         + (f" of {n}" if n is not None else "") + ")")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{name} must be a finite number of calls >= 0; interval {i} has "
                         f"{arr[i]:g}")
    return arr


def _check_interval(offered, lo, hi, level):
    level = checks.share(level, "level", "share")
    sfx = S.level_suffix(level)
    f = _as_calls(S.OFFERED, offered, None)
    lo = _as_calls(f"offered_lo{sfx}", lo, f.size)
    hi = _as_calls(f"offered_hi{sfx}", hi, f.size)
    # the forecast writes 3 decimals: a rounding error of 5e-4 is not an inverted interval
    for name, bad, what in ((f"offered_lo{sfx}", lo > f + 1e-3, "above"),
                            (f"offered_hi{sfx}", hi < f - 1e-3, "below")):
        if bad.any():
            i = int(np.argmax(bad))
            other = lo[i] if what == "above" else hi[i]
            raise InputError(f"{name} must not be {what} offered: interval {i} has "
                             f"{name} {other:g} and offered {f[i]:g}")
    return f, lo, np.maximum(hi, f), level


def _count_cdf(y, mean, cv2):
    """P(calls <= y) of the Gamma-Poisson mixture with this mean and cv2 (0: Poisson), read
    with the continuity correction: whole count c is the cell [c - 1/2, c + 1/2), and the cdf
    between cell centres is the regularised incomplete beta (gamma) function,
    ``1 - I_{m/(k+m)}(y + 1/2, k)`` (Poisson: ``Q(y + 1/2, m)``), exact at y = c + 1/2."""
    y, mean, cv2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (y, mean, cv2)))
    a = np.maximum(y + 0.5, 1e-300)
    out = gammaincc(a, mean)                          # Poisson
    mixed = (cv2 > 0) & (mean > 0)
    if mixed.any():
        k = 1.0 / cv2[mixed]
        m = mean[mixed]
        out = out.copy()
        out[mixed] = betaincc(a[mixed], k, m / (k + m))
    return np.where(mean > 0, out, 1.0)


@dataclass(frozen=True)
class RateFit:
    """The fitted arrival-rate distribution per interval (see the module docstring).

    ``mean_calls``: E[Lambda] = the point forecast (calls per interval); ``cv2``: squared
    coefficient of variation of Lambda (0 = a point mass; Gamma shape 1 / cv2);
    ``capped``: intervals whose upper end no Gamma mixture with that mean reaches (the widest
    attainable was taken); ``level``: the level of the interval fitted.
    """

    mean_calls: np.ndarray
    cv2: np.ndarray
    capped: np.ndarray
    level: float

    def quantile(self, u) -> np.ndarray:
        """Quantile of Lambda (calls per interval) at probability ``u`` (scalar or per
        interval), exact (the inverse regularised gamma function)."""
        u = np.broadcast_to(np.asarray(u, dtype=float), self.mean_calls.shape)
        return self._quantile(u, 1.0 - u)

    def _quantile(self, u, upper):
        """Quantile at u, with upper = 1 - u given separately (precise far in the tail)."""
        f, v = self.mean_calls, self.cv2
        out = f.copy()
        mixed = (v > 0) & (f > 0)
        if mixed.any():
            k, theta = 1.0 / v[mixed], f[mixed] * v[mixed]
            um, up = u[mixed], upper[mixed]
            with np.errstate(under="ignore"):
                x = np.where(um <= 0.5, gammaincinv(k, um), gammainccinv(k, up))
            # a quantile that underflows to 0 would end a run of the time-varying load
            out[mixed] = np.maximum(theta * x, np.finfo(float).tiny)
        return out

    def at_score(self, z) -> np.ndarray:
        """Lambda at the standard-normal score ``z`` (its quantile at Phi(z))."""
        z = np.broadcast_to(np.asarray(z, dtype=float), self.mean_calls.shape)
        return self._quantile(ndtr(z), ndtr(-z))

    def count_cdf(self, y) -> np.ndarray:
        """P(calls <= y) of the fitted count distribution (negative binomial)."""
        return _count_cdf(y, self.mean_calls, self.cv2)

    def count_quantile(self, p) -> np.ndarray:
        """The y with P(calls <= y) = p (the cdf extended between whole counts), by
        bisection; 0 where the cdf at 0 already exceeds p."""
        p = np.broadcast_to(np.asarray(p, dtype=float), self.mean_calls.shape)
        f, v = self.mean_calls, self.cv2
        lo = np.full(f.shape, -0.5)
        hi = f + 10.0 * np.sqrt(f + v * f * f) + 10.0
        while True:                          # widen until the cdf passes p
            short = self.count_cdf(hi) < p
            if not short.any():
                break
            hi = np.where(short, 2.0 * hi, hi)
        for _ in range(_BISECT_STEPS * 2):
            mid = 0.5 * (lo + hi)
            below = self.count_cdf(mid) < p
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return np.maximum(hi, 0.0)


def _solve_extra_variance(f, hi, p):
    """w = cv2 x f with P(calls <= hi) = p, on the branch where more variance moves the upper
    quantile up (the cdf at hi falls from its Poisson value, reaches a minimum, then rises
    back to 1 as the mass piles up at 0). Returns (w, found); not found: the w of the widest
    attainable upper end (the minimum of the cdf on a log grid).

    A bracket comes from the normal approximation ``Var(count) = ((hi - f) / z_p)^2`` (the
    points w0 x 4^j, j = -2..2), else from a log grid over 1e-9..1e12; the root is then
    polished by the Illinois variant of regula falsi on log w."""
    def g(w, cols):
        return _count_cdf(hi[cols], f[cols], w / f[cols]) - p

    w0 = np.maximum(((hi - f) / ndtri(p)) ** 2 / f - 1.0, 1e-9)
    cand = w0[:, None] * 4.0 ** np.arange(-2, 3)[None, :]
    gc = _count_cdf(hi[:, None], f[:, None], cand / f[:, None]) - p
    pair = (gc[:, :-1] > 0) & (gc[:, 1:] <= 0)       # a sign change between neighbours
    j = np.argmax(pair, axis=1)
    rows = np.arange(f.size)
    bracketed = pair.any(axis=1)
    a = np.where(bracketed, cand[rows, j], np.nan)
    b = np.where(bracketed, cand[rows, j + 1], np.nan)
    found = ~np.isnan(b)
    rest = np.nonzero(~found)[0]
    w_cap = np.full(f.shape, np.nan)
    if rest.size:
        grid = _count_cdf(hi[rest, None], f[rest, None], _W_GRID[None, :] / f[rest, None]) - p
        below = grid <= 0
        ok = below.any(axis=1)
        first = np.argmax(below, axis=1)
        a[rest] = np.where(first > 0, _W_GRID[np.maximum(first - 1, 0)], 1e-300)
        b[rest] = _W_GRID[first]
        found[rest] = ok
        w_cap[rest] = _W_GRID[np.argmin(grid, axis=1)]
    cols = np.nonzero(found)[0]
    la, lb = np.log(a[cols]), np.log(b[cols])
    ga, gb = g(a[cols], cols), g(b[cols], cols)
    for _ in range(_BISECT_STEPS):
        if not cols.size:
            break
        lm = lb - gb * (lb - la) / (gb - ga)        # regula falsi on log w
        lm = np.where(np.isfinite(lm) & (lm > la) & (lm < lb), lm, 0.5 * (la + lb))
        gm = g(np.exp(lm), cols)
        right = gm <= 0                              # the root is left of lm
        # Illinois: halve the weight of the end point that stays
        ga = np.where(right, ga * 0.5, gm)
        la = np.where(right, la, lm)
        gb = np.where(right, gm, gb * 0.5)
        lb = np.where(right, lm, lb)
        done = (lb - la < 1e-12) | (gm == 0)
        b[cols] = np.exp(lb)
        a[cols] = np.exp(la)
        keep = ~done
        cols, la, lb, ga, gb = cols[keep], la[keep], lb[keep], ga[keep], gb[keep]
    return np.where(found, b, w_cap), found


def fit_rate(offered, lo, hi, level) -> RateFit:
    """The Gamma arrival-rate distribution of each interval, fitted to the point forecast and
    the upper end of its prediction interval (module docstring: mean = ``offered``; cv2 the
    smallest with P(calls <= hi) = (1 + level) / 2; 0 where the interval is no wider than
    Poisson noise). Bad input (NaN, negative, lo above or hi below offered, level outside
    (0, 1)): InputError naming the column and interval."""
    f, _lo, h, level = _check_interval(offered, lo, hi, level)
    p_hi = 0.5 * (1.0 + level)
    cv2 = np.zeros(f.shape)
    capped = np.zeros(f.shape, dtype=bool)
    live = (f > 0) & (_count_cdf(h, f, 0.0) > p_hi)   # wider than Poisson noise alone
    idx = np.nonzero(live)[0]
    if idx.size:
        w_fit, has = _solve_extra_variance(f[idx], h[idx], p_hi)
        cv2[idx] = w_fit / f[idx]
        capped[idx] = ~has
    return RateFit(mean_calls=f, cv2=cv2, capped=capped, level=level)


def risk_calls(offered, lo, hi, level, risk) -> np.ndarray:
    """Calls per interval to staff for with ``--service-risk risk``: the (1 - risk) quantile
    of the fitted arrival rate (:func:`fit_rate`). Staffing these calls the usual way
    (time-varying load, then :func:`erlang.required_agents`) is the chance-constrained
    staffing: every target met with probability >= 1 - risk (module docstring; exact per
    interval, and for runs of intervals whose rates move together). ``risk`` in (0, 0.5]."""
    r = check_service_risk(risk)
    fit = fit_rate(offered, lo, hi, level)
    return fit._quantile(np.full(fit.mean_calls.shape, 1.0 - r), np.full(fit.mean_calls.shape, r))


class _LoadCurve:
    """The load to staff of every interval as a function of the run's standard-normal score
    z (comonotone rates, module docstring): computed exactly at the nodes ``z_m`` (one
    time-varying load per node), monotone cubic (PCHIP) between them."""

    def __init__(self, fit: RateFit, aht, interval_min, method, run_starts):
        self.z = np.linspace(-_Z_MAX, _Z_MAX, _Z_NODES)
        self.step = float(self.z[1] - self.z[0])
        self.y = np.array([staffing_load(fit.at_score(zi), aht, interval_min, method, run_starts)
                           for zi in self.z])
        self.d = PchipInterpolator(self.z, self.y, axis=0).derivative()(self.z) * self.step
        self.flat = self.y[-1] == self.y[0]

    def at(self, z, cols):
        """Load of the intervals ``cols`` at their scores ``z`` (broadcast over leading axes)."""
        zc = np.clip(z, -_Z_MAX, _Z_MAX)
        j = np.clip(np.floor((zc + _Z_MAX) / self.step).astype(np.int64), 0, self.z.size - 2)
        t = (zc - self.z[j]) / self.step
        t2, t3 = t * t, t * t * t
        return ((2 * t3 - 3 * t2 + 1) * self.y[j, cols] + (t3 - 2 * t2 + t) * self.d[j, cols]
                + (3 * t2 - 2 * t3) * self.y[j + 1, cols] + (t3 - t2) * self.d[j + 1, cols])

    def score_of(self, x, cols):
        """The score at which the load of ``cols`` reaches ``x`` (clipped to +-_Z_MAX)."""
        lo = np.full(np.shape(x), -_Z_MAX)
        hi = np.full(np.shape(x), _Z_MAX)
        for _ in range(_BISECT_STEPS):
            mid = 0.5 * (lo + hi)
            below = self.at(mid, cols) < x
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return np.where(self.at(lo, cols) >= x, lo, hi)


class _Expectation:
    """E_z[SL(N, load(z))] per interval for given N, by integration over the score: below
    the load window where SL(N, .) is within _EPS of 1, SL = 1 (mass Phi(z_a)); above the
    window where it is within _EPS of 0, SL = 0; inside, Gauss-Legendre in z (the window
    adapts to both the SL curve of N agents and the spread of the load, so both are
    resolved)."""

    def __init__(self, curve: _LoadCurve, aht, target: ServiceTarget, nodes: int,
                 fit: RateFit | None = None):
        self.curve, self.aht, self.target, self.fit = curve, aht, target, fit
        self.gl_x, self.gl_w = leggauss(nodes)
        self.load_max = float(curve.y[-1].max()) if curve.y.size else 0.0
        self._windows: dict[tuple[float, float], tuple[float, float]] = {}

    def _sl(self, n, load, aht):
        """SL of the target's model and convention (Erlang A without the ASA it does not
        need); the same functions :func:`erlang.kpis` calls."""
        t = self.target
        if t.patience_s is None:
            return erlang_c.kpis(n, load, aht, t.sl_threshold_s)["service_level"]
        return erlang_a.kpis(n, load, aht, t.sl_threshold_s, t.patience_s,
                             sl_convention=t.sl_convention, with_asa=False)["service_level"]

    def _window(self, n, aht):
        """(x_lo, x_hi) per (N, AHT) pair: SL(N, x) >= 1 - _EPS for x <= x_lo and
        SL(N, x) <= _EPS for x >= x_hi (bisection on the load; cached per pair)."""
        pairs = np.stack([n, aht], axis=1)
        uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
        todo = [i for i, (nn, aa) in enumerate(uniq) if (nn, aa) not in self._windows]
        if todo:
            un, ua = uniq[todo, 0], uniq[todo, 1]
            top = np.full(un.size, max(self.load_max, 1.0) * 2.0 + 2.0 * un + 10.0)
            lo_a, hi_a = np.zeros(un.size), un.copy()       # SL(N, 0) = 1; SL(N, N) < 1
            lo_b = np.zeros(un.size)
            hi_b = un.copy() if self.target.patience_s is None else top  # Erlang C: 0 at N
            for _ in range(_WINDOW_STEPS):
                mid = 0.5 * (lo_a + hi_a)
                high = self._sl(un, mid, ua) >= 1.0 - _EPS
                lo_a, hi_a = np.where(high, mid, lo_a), np.where(high, hi_a, mid)
                mid = 0.5 * (lo_b + hi_b)
                low = self._sl(un, mid, ua) <= _EPS
                lo_b, hi_b = np.where(low, lo_b, mid), np.where(low, mid, hi_b)
            for i, a, b in zip(todo, lo_a, hi_b, strict=True):
                self._windows[(float(uniq[i, 0]), float(uniq[i, 1]))] = (float(a), float(b))
        w = np.array([self._windows[(float(nn), float(aa))] for nn, aa in uniq])
        return w[inverse.ravel(), 0], w[inverse.ravel(), 1]

    def __call__(self, n, cols):
        n = np.asarray(n, dtype=float)
        aht = self.aht[cols]
        out = np.empty(cols.size)
        flat = self.curve.flat[cols]
        if flat.any():     # a point mass: the formula at the one load
            out[flat] = self._sl(n[flat], self.curve.y[0, cols[flat]], aht[flat])
        rest = ~flat
        if rest.any():
            c, nr, ar = cols[rest], n[rest], aht[rest]
            x_lo, x_hi = self._window(nr, ar)
            z_a = self.curve.score_of(x_lo, c)
            z_b = np.maximum(self.curve.score_of(x_hi, c), z_a)
            half = 0.5 * (z_b - z_a)
            zz = 0.5 * (z_a + z_b) + half * self.gl_x[:, None]
            sl = self._sl(np.broadcast_to(nr, zz.shape), self.curve.at(zz, c),
                          np.broadcast_to(ar, zz.shape))
            dens = np.exp(-0.5 * zz * zz) / np.sqrt(2.0 * np.pi)
            if self.fit is None:
                out[rest] = ndtr(z_a) + half * (self.gl_w @ (sl * dens))
            else:      # calls-weighted: E[Lambda SL] / E[Lambda]
                share, calls = self._calls(z_a, zz, c)
                out[rest] = share + half * (self.gl_w @ (sl * dens * calls))
        return np.minimum(out, 1.0)

    def _calls(self, z_a, zz, cols):
        """For the calls-weighted expectation: E[Lambda 1{z < z_a}] / E[Lambda] per column
        and Lambda(z) / E[Lambda] at the nodes ``zz``. For a Gamma rate (shape k, scale
        theta), x f_k(x) = E[Lambda] f_{k+1}(x), so the partial expectation is
        E[Lambda] P(Gamma(k + 1, theta) <= Lambda(z_a)) (a point mass: E[Lambda] Phi(z_a))."""
        v = self.fit.cv2[cols]
        share = ndtr(z_a)
        rel = np.ones(zz.shape)
        mixed = v > 0
        if mixed.any():
            k = 1.0 / v[mixed]
            u, up = ndtr(zz[:, mixed]), ndtr(-zz[:, mixed])
            with np.errstate(under="ignore"):
                x = np.where(u <= 0.5, gammaincinv(k, u), gammainccinv(k, up))   # Lambda/theta
                x_a = np.where(z_a[mixed] <= 0, gammaincinv(k, ndtr(z_a[mixed])),
                               gammainccinv(k, ndtr(-z_a[mixed])))
                share = share.copy()
                share[mixed] = gammainc(k + 1.0, x_a)
            rel[:, mixed] = x * v[mixed]        # Lambda / E[Lambda] = theta x / f = x / k
        return share, rel


def _sl_only(target: ServiceTarget) -> ServiceTarget:
    return replace(target, asa_target_s=None, max_occupancy=None, max_abandon=None,
                   min_agents=0)


WEIGHTS = ("calls", "equal")
"""How the expected service level averages over the forecast distribution: ``calls``
(default) E[Lambda SL(N, Lambda)] / E[Lambda], the share of the interval's calls answered in
time over many days like it — what a centre's reports measure, since a busy day has more
calls, and a lower SL, than a quiet one; ``equal`` E[SL(N, Lambda)], every day alike (higher:
it gives the quiet days' high SL the weight of the busy days')."""


def _prepared(offered, lo, hi, level, aht_s, interval_min, target, method, run_starts, nodes,
              weight="calls"):
    if weight not in WEIGHTS:
        raise InputError(f"weight must be one of {', '.join(WEIGHTS)}; got {weight!r}",
                         param="weight")
    fit = fit_rate(offered, lo, hi, level)
    nodes = checks.whole(nodes, "nodes", minimum=2)
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), fit.mean_calls.shape).copy()
    point = staffing_load(fit.mean_calls, aht, interval_min, method, run_starts)
    curve = _LoadCurve(fit, aht, interval_min, method, run_starts)
    return point, aht, _Expectation(curve, aht, _sl_only(target), nodes,
                                    fit=fit if weight == "calls" else None)


def expected_service_level(agents, offered, lo, hi, level, aht_s, interval_min,
                           target: ServiceTarget | None = None, *, method: str = "mol",
                           run_starts=None, nodes: int = NODES,
                           weight: str = "calls") -> np.ndarray:
    """The expected SL per interval (inputs in time order, runs as in
    :func:`erlang.staffing_load`): the service level of ``target``'s convention (Erlang C,
    or Erlang A with ``patience_s``) averaged over the fitted rate distribution (module
    docstring), calls-weighted E[Lambda SL] / E[Lambda] or, with ``weight='equal'``,
    E[SL] (:data:`WEIGHTS`); 1 where no calls are offered."""
    target = target or ServiceTarget()
    point, aht, expect = _prepared(offered, lo, hi, level, aht_s, interval_min, target, method,
                                   run_starts, nodes, weight)
    n = np.broadcast_to(np.asarray(agents, dtype=float), point.shape)
    out = np.ones(point.shape)
    live = np.nonzero(point > 0)[0]
    if live.size:
        out[live] = expect(n[live], live)
    return out


def expected_sl_agents(offered, lo, hi, level, aht_s, interval_min,
                       target: ServiceTarget | None = None, *, method: str = "mol",
                       run_starts=None, nodes: int = NODES,
                       weight: str = "calls") -> np.ndarray:
    """Agents per interval for ``--expected-sl``: the smallest N whose expected SL (calls-
    weighted E[Lambda SL(N, Lambda)] / E[Lambda], or E[SL] with ``weight='equal'``:
    :data:`WEIGHTS`) reaches ``target.sl_target``, and at least what the other targets
    (ASA, occupancy cap, abandonment, min_agents) need at the point forecast.

    Inputs in time order per interval (``run_starts`` as in :func:`erlang.staffing_load`);
    ``method`` the time-varying load (mol | sipp | lag-sipp). E[SL] increases with N: the
    search gallops from the point staffing, then bisects.
    """
    target = target or ServiceTarget()
    point, aht, expect = _prepared(offered, lo, hi, level, aht_s, interval_min, target, method,
                                   run_starts, nodes, weight)
    others = replace(target, sl_target=0.0)
    if (others.asa_target_s is not None or others.max_occupancy is not None
            or others.max_abandon is not None):
        base = np.asarray(required_agents(point, aht, others), dtype=np.int64).reshape(point.shape)
    else:
        base = np.full(point.shape, target.min_agents, dtype=np.int64)
    if target.sl_target == 0:
        return base
    short = (1.0 - target.sl_target) * (1.0 + TARGET_RTOL)
    res = np.zeros(point.shape, dtype=np.int64)
    live = np.nonzero(point > 0)[0]
    if live.size:
        res[live] = _smallest_n(expect, live, point[live], aht[live], short)
    return np.maximum(res, base)


def _smallest_n(expect: _Expectation, cols, point, aht, short):
    """Smallest N with 1 - E[SL(N)] <= short per column: gallop from the point staffing
    (doubling steps) to a bracket (lo infeasible, hi feasible), then bisect."""
    start = np.asarray(required_agents(point, aht, expect.target), dtype=float).reshape(point.shape)
    ceiling = _max_agents(np.maximum(point, expect.curve.y[-1, cols]))

    def ok(n, idx):
        return 1.0 - expect(n, cols[idx]) <= short

    lo = np.zeros(cols.size)                       # N = 0 answers nobody: infeasible
    hi = np.full(cols.size, np.nan)
    good = ok(start, np.arange(cols.size))
    hi[good] = start[good]
    lo[~good] = start[~good]
    step = np.ones(cols.size)
    down = np.nonzero(good)[0]                     # feasible at the start: gallop down
    while down.size:
        cand = hi[down] - step[down]
        at_zero = cand <= 0
        lo[down[at_zero]] = 0.0
        down = down[~at_zero]
        cand = cand[~at_zero]
        if not down.size:
            break
        g = ok(cand, down)
        hi[down[g]] = cand[g]
        lo[down[~g]] = cand[~g]
        step[down] *= 2.0
        down = down[g]
    up = np.nonzero(~good)[0]                      # infeasible at the start: gallop up
    while up.size:
        if (lo[up] >= ceiling[up]).any():
            raise InputError("the expected service level cannot be reached by any "
                             f"reasonable headcount (over {int(ceiling[up].max())} agents); "
                             "the forecast interval is too wide for this target",
                             param="sl_target")
        cand = np.minimum(lo[up] + step[up], ceiling[up])
        g = ok(cand, up)
        hi[up[g]] = cand[g]
        lo[up[~g]] = cand[~g]
        step[up] *= 2.0
        up = up[~g]
    idx = np.nonzero(hi - lo > 1)[0]
    while idx.size:
        mid = np.floor((lo[idx] + hi[idx]) / 2.0)
        g = ok(mid, idx)
        hi[idx[g]] = mid[g]
        lo[idx[~g]] = mid[~g]
        idx = idx[hi[idx] - lo[idx] > 1]
    return hi.astype(np.int64)
