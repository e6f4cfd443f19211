"""Numerically exact building blocks: Poisson log-pmf and the inverse Erlang-B function.

Everything here works on numpy arrays (scalars broadcast) and in log space, so loads from
0.01 to 10^6 Erlangs and agent counts far above or below the load neither overflow nor
lose digits to cancellation.

References
----------
Loader, C. (2000). Fast and accurate computation of binomial probabilities.
    (``stirlerr`` and ``bd0``: the saddle-point form of the Poisson pmf used by R's dpois.)
Jagerman, D. L. (1974). Some properties of the Erlang loss function. Bell Syst. Tech. J. 53.
    (1/B(n, a) = sum_{j=0..n} n!/(n-j)! / a^j, and the incomplete-gamma representation.)
"""

from __future__ import annotations

import numpy as np
from scipy import special

_LOG_2PI = float(np.log(2.0 * np.pi))
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188


def stirlerr(x):
    """log(x!) - log(sqrt(2 pi x) (x/e)^x) for real x > 0 (Loader 2000)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    big = x > 15.0
    xb = x[big]
    x2 = xb * xb
    out[big] = (_S0 - (_S1 - (_S2 - (_S3 - _S4 / x2) / x2) / x2) / x2) / xb
    xs = x[~big]
    # Direct formula: magnitudes stay below ~40 here, so no digits are lost.
    with np.errstate(divide="ignore", invalid="ignore"):
        out[~big] = special.gammaln(xs + 1.0) - (xs + 0.5) * np.log(xs) + xs - 0.5 * _LOG_2PI
    return out


def bd0(x, mean):
    """x log(x/mean) + mean - x without cancellation (Loader 2000)."""
    x, mean = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(mean, dtype=float))
    out = np.empty(x.shape)
    diff = x - mean
    close = np.abs(diff) < 0.1 * (x + mean)
    # Series in v = (x - m)/(x + m): converges fast for |v| < 0.1 (v^2 < 0.01 per term).
    xc, dc = x[close], diff[close]
    v = dc / (x[close] + mean[close])
    s = dc * v
    ej = 2.0 * xc * v
    v2 = v * v
    bound = float(v2.max()) if v2.size else 0.0
    term_bound = float(np.abs(ej).max()) if ej.size else 0.0
    for j in range(1, 12):
        term_bound *= bound
        if term_bound < 1e-300:  # all remaining terms are below any double's precision
            break
        ej = ej * v2
        s = s + ej / (2 * j + 1)
    out[close] = s
    xf, mf = x[~close], mean[~close]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # log x - log m, not log(x / m): x / m overflows for a subnormal mean (1e-310)
        out[~close] = xf * (np.log(xf) - np.log(mf)) + mf - xf
    return out


def poisson_logpmf(x, mean):
    """log(mean^x e^-mean / Gamma(x + 1)) for real x >= 0, mean > 0, to ~1e-15 relative.

    Uses -stirlerr(x) - bd0(x, mean) - log(2 pi x)/2, so huge x and mean do not cancel.
    """
    x, mean = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(mean, dtype=float))
    out = np.empty(x.shape)
    zero = x == 0
    out[zero] = -mean[zero]
    pos = ~zero
    xp = x[pos]
    out[pos] = -stirlerr(xp) - bd0(xp, mean[pos]) - 0.5 * (_LOG_2PI + np.log(xp))
    return out


def log_inv_erlang_b(n, a):
    """Return (log R, log(R - 1)) with R = 1 / B(n, a), the inverse Erlang-B blocking.

    ``n`` is a non-negative integer number of servers, ``a`` > 0 the offered load in Erlangs.

    Two exact representations are combined:
    * R = Q(n + 1, a) / pmf(n; a), the Poisson cdf over the pmf (Jagerman 1974), with the cdf
      from ``scipy.special.pdtr`` and the pmf in Loader's saddle-point form;
    * R - 1 = sum_{j=1..n} n (n-1) ... (n-j+1) / a^j, used where n is well below a (the cdf
      is tiny there and loses relative digits; the series converges geometrically with ratio <= n/a).
    """
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    log_r = np.zeros(n.shape)
    log_rm1 = np.full(n.shape, -np.inf)
    pos = n > 0
    if not pos.any():
        return log_r, log_rm1
    npos, apos = n[pos], a[pos]
    cdf = special.pdtr(npos, apos)
    use_series = (npos <= 0.5 * apos) | (cdf < 1e-8)
    # scipy's pdtr loses ~1e-11 near the centre when a is huge (Temme expansion): there the
    # series is summed in log space instead (it is exact; ~ |n - a| + 12 sqrt(a) terms)
    huge = ~use_series & (apos > 5e4) & (np.abs(npos - apos) < 40.0 * np.sqrt(apos))
    lr = np.empty(npos.shape)
    lrm1 = np.empty(npos.shape)
    if huge.any():
        lrm1[huge] = _log_series_rm1(npos[huge], apos[huge])
        lr[huge] = np.logaddexp(0.0, lrm1[huge])

    g = ~use_series & ~huge
    if g.any():
        lr_g = np.log(cdf[g]) - poisson_logpmf(npos[g], apos[g])
        lr[g] = lr_g
        # R > 1.5 in this branch (n > a/2), so R - 1 loses at most one digit.
        lrm1[g] = lr_g + np.log(-np.expm1(-lr_g))

    s = use_series
    if s.any():
        ns, as_ = npos[s], apos[s]
        term = np.ones(ns.shape)
        total = np.zeros(ns.shape)
        active = np.ones(ns.shape, dtype=bool)
        j = 0
        while active.any():
            idx = np.nonzero(active)[0]
            term[idx] = term[idx] * (ns[idx] - j) / as_[idx]
            total[idx] += term[idx]
            j += 1
            done = (term[idx] <= 1e-17 * total[idx]) | (j >= ns[idx])
            active[idx[done]] = False
        lrm1[s] = np.log(total)
        lr[s] = np.log1p(total)

    log_r[pos] = lr
    log_rm1[pos] = lrm1
    return log_r, log_rm1


def _log_series_rm1(n, a):
    """log(R - 1) = log sum_{j=1..n} prod_{i<j} (n - i)/a, summed in log space (terms grow
    while j < n - a, then fall like exp(-k^2 / 2a)): for large n and a near each other."""
    n_terms = np.minimum(n, np.maximum(0.0, n - a) + 12.0 * np.sqrt(a) + 50.0)
    order = np.argsort(-n_terms, kind="stable")
    n_s, a_s, k_s = n[order], a[order], n_terms[order]
    log_t = np.zeros(n_s.shape)
    comp = np.zeros(n_s.shape)  # Kahan compensation of the running log term
    best = np.full(n_s.shape, -np.inf)
    acc = np.zeros(n_s.shape)   # sum of exp(log_t - best)
    m = n_s.size
    for j in range(1, int(k_s[0]) + 1):
        while m and k_s[m - 1] < j:
            m -= 1
        sl = slice(0, m)
        # log((n - i)/a) = log1p((n - i - a)/a): small increments, each exact to ~1e-18
        inc = np.log1p((n_s[sl] - (j - 1) - a_s[sl]) / a_s[sl]) - comp[sl]
        tot = log_t[sl] + inc
        comp[sl] = (tot - log_t[sl]) - inc
        log_t[sl] = tot
        new_best = np.maximum(best[sl], log_t[sl])
        acc[sl] = acc[sl] * np.exp(best[sl] - new_best) + np.exp(log_t[sl] - new_best)
        best[sl] = new_best
    out = np.empty_like(acc)
    out[order] = best + np.log(acc)
    return out


def erlang_b_recursive(n: int, a: float) -> float:
    """Erlang B by the textbook recursion B_k = a B_{k-1} / (k + a B_{k-1}), B_0 = 1.

    Scalar reference implementation (O(n)); the vectorised functions use the closed forms.
    """
    b = 1.0
    for k in range(1, int(n) + 1):
        b = a * b / (k + a * b)
    return b
