"""Erlang A: the M/M/N+M queue (Palm 1943), callers abandon after an exponential patience.

Notation (Mandelbaum & Zeltyn 2007): arrival rate lambda, mean handle time 1/mu = AHT,
mean patience 1/theta, N agents, load A = lambda/mu. With r = patience/AHT put
x = N mu / theta = N r and y = lambda / theta = A r, and

    A(x, y) = x e^y y^-x gamma(x, y) = sum_{j>=0} y^j / prod_{i=1..j} (x + i)
            = P(x, y) / pmf(x; y)     (P = regularised lower incomplete gamma,
                                        pmf(x; y) = y^x e^-y / Gamma(x + 1))

A caller who finds j others waiting is served with probability x / (x + j + 1), and by
PASTA finds state N + j with probability K y^j / prod_{i<=j}(x + i), K = 1 / (1/E - 1 + A(x, y)),
E = Erlang B(N, A). Summing these gives (Garnett, Mandelbaum & Reiman 2002, M&SOM 4(3);
Mandelbaum & Zeltyn 2007, "Service engineering in action: the Palm/Erlang-A queue"):

* P(wait > 0)              = K A(x, y)
* P(abandon)               = K [A(x, y) (1 - x/y) + x/y]   = K sum_j w_j (j + 1)/(x + j + 1)
* P(offered wait V > t)    = K P(x, y e^{-theta t}) / pmf(x; y)
* P(served, V > t)         = K x/(x+1) P(x + 1, y e^{-theta t}) / pmf(x + 1; y)
* ASA (answered calls)     = P(served, wait>0) / P(served) * patience * E_c[psi(x+J+2) - psi(x+1)],
  c_j proportional to y^j / Gamma(x + j + 2)   (mean of the hypoexponential offered wait
  sum_{i=0..j} Exp((x+i) theta) weighted by the chance x/(x+j+1) of being served)
* occupancy                = A (1 - P(abandon)) / N

Service level conventions (``sl_convention``):
* ``"offered"`` (default): answered within T / offered = 1 - P(abandon) - P(served, V > T);
  abandoned calls count against.
* ``"answered"``: answered within T / answered.
* ``"wait"``: P(time in queue <= T) over all callers, W = min(V, patience):
  1 - e^{-theta T} P(V > T); short abandons count as met.
* ``"virtual"``: SL = P(V <= T) and ASA = E[V], the offered ("virtual") wait of a caller who
  would never hang up; the convention of Koole's CCmath calculators ("the average waiting
  time that an arbitrary customer with infinite patience would incur", CCmath online manual
  and Python package, Definition 0 = virtual service level). A caller who finds j waiting
  waits V = sum_{i=0..j} Exp((x+i) theta), so E[V | j] = patience (psi(x+j+1) - psi(x)) and
  E[V] = P(wait > 0) * patience * E_w[psi(x+J+1) - psi(x)], w_j proportional to
  y^j / Gamma(x + j + 1) (the mixture of hypoexponentials above with x -> x - 1).
Everything is computed in log space, so N far below A and huge loads do not overflow.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from erlang._special import log_inv_erlang_b, poisson_logpmf
from wfmcore.targets import SL_CONVENTIONS

#: At most this many terms per interval in the series sums (reached only when
#: patience / AHT x load is above ~10^8, far outside contact-centre practice).
MAX_TERMS = 200_000


def _log_a_function(x, z, *, with_parts=False):
    """log A(x, z) (and, with ``with_parts``, log(A - 1) and log(A - A1), A1 = (x/z)(A - 1)).

    P(x, z)/pmf(x; z) where P(x, z) >= 1e-8 (scipy's gammainc is accurate there); the series
    (terms fall by z/(x+j) < 1, all positive: no cancellation) where x >= z and P is tiny.
    """
    x, z = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(z, dtype=float))
    log_a = np.empty(x.shape)
    log_am1 = np.empty(x.shape)
    log_ab = np.empty(x.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_xz = special.gammainc(x, z)
    # The gamma form is exact unless P(x, z) is tiny (x well above z): sum the series there.
    # (also for x > 10^5: scipy's gammainc loses ~1e-6 there when z is just below x, and for
    # z <= 1: there x/z can be huge while P(x, z) is not tiny (x < 1), and A - A1 = 1/(x+1) +
    # ... would be the difference of two numbers near x/z; the series needs ~20 terms there)
    ser = (x >= z) & (~(p_xz >= 1e-8) | (x > 1e5) | (z <= 1.0))
    if ser.any():
        xs, zs = x[ser], z[ser]
        # Terms fall at least by z/(x+1) each: enough terms for 1e-17 relative, per element.
        with np.errstate(divide="ignore"):
            n_terms = np.ceil(39.2 / -np.log(np.minimum(zs / (xs + 1.0), 1 - 1e-16))) + 1
        # near x = z the ratio z/(x+j) tends to 1 but the terms fall like exp(-j^2 / 2x)
        n_terms = np.minimum(np.minimum(n_terms, np.ceil(9.5 * np.sqrt(xs + 1.0)) + 25),
                             MAX_TERMS)
        order = np.argsort(-n_terms, kind="stable")   # longest first: actives are a prefix
        xs, zs, n_terms = xs[order], zs[order], n_terms[order]
        term = np.ones(xs.shape)
        s_all = np.ones(xs.shape)
        s_m1 = np.zeros(xs.shape)   # A - 1 summed on its own: A - 1 << 1 when x >> z
        s_ab = 1.0 / (xs + 1.0)
        m = xs.size
        for j in range(1, int(n_terms[0]) + 1):
            while m and n_terms[m - 1] < j:
                m -= 1
            t = term[:m] * zs[:m] / (xs[:m] + j)
            term[:m] = t
            s_all[:m] += t
            s_m1[:m] += t
            s_ab[:m] += t * (j + 1) / (xs[:m] + j + 1)
        inv = np.empty_like(order)
        inv[order] = np.arange(order.size)
        s_all, s_m1, s_ab = s_all[inv], s_m1[inv], s_ab[inv]
        log_a[ser] = np.log(s_all)
        with np.errstate(divide="ignore"):
            log_am1[ser] = np.log(s_m1)
        log_ab[ser] = np.log(s_ab)
    gam = ~ser
    if gam.any():
        xg, zg = x[gam], z[gam]
        la = np.maximum(np.log(p_xz[gam]) - poisson_logpmf(xg, zg), 0.0)  # A >= 1
        log_a[gam] = la
        with np.errstate(divide="ignore"):
            log_am1[gam] = la + np.log(-np.expm1(-la))
        ratio = xg / zg
        below = ratio < 1  # both terms of A (1 - x/z) + x/z positive: no cancellation
        lab = np.empty(xg.shape)
        lab[below] = np.logaddexp(la[below] + np.log1p(-ratio[below]), np.log(ratio[below]))
        # x >= z with P(x, z) >= 1e-8: x - z < 6 sqrt(x), the difference loses < 2 digits
        ab = ~below
        lab[ab] = np.log(ratio[ab] - np.exp(la[ab]) * (ratio[ab] - 1.0))
        log_ab[gam] = lab
    if with_parts:
        return log_a, log_am1, log_ab
    return log_a


def _mean_harmonic(x, y):
    """E_c[psi(x + J + 2) - psi(x + 1)] with c_j proportional to y^j / Gamma(x + j + 2), j >= 0.

    m = x + J + 1 is a Poisson(y) variable restricted to m >= x + 1. Three regimes:

    * restriction far below the mode (y > 10^4, x + 1 < y - 15 sqrt(y)): the Taylor series of
      psi(m + 1) around y with the Poisson central moments up to the 6th (error ~13 / y^4);
    * otherwise the terms are summed: from j = 0 while they matter (they fall by
      y / (x + j + 2) each, and like exp(-j^2 / 2x) near x = y) when x + 1 >= y, or over a
      window of 12 sqrt(y) + 20 around the mode j* = y - x - 1 when the queue is overloaded.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.empty(x.shape)
    sq = np.sqrt(np.maximum(y, 1.0))
    mom = (y > 1e4) & (x + 1.0 < y - 15.0 * sq)
    if mom.any():
        xm, ym = x[mom], y[mom]
        z = ym + 1.0
        mu = {2: ym, 3: ym, 4: 3 * ym ** 2 + ym, 5: 10 * ym ** 2 + ym,
              6: 15 * ym ** 3 + 25 * ym ** 2 + ym}
        e = special.digamma(z)
        fact = 1.0
        for k in range(2, 7):
            fact *= k
            e = e + special.polygamma(k, z) * mu[k] / fact
        out[mom] = e - special.digamma(xm + 1.0)
    rest = ~mom
    if rest.any():
        out[rest] = _mean_harmonic_sum(x[rest], y[rest])
    return out


def _mean_harmonic_sum(x, y):
    stable = x + 1.0 >= y
    spread = 12.0 * np.sqrt(np.maximum(y, 1.0)) + 20.0
    mode = np.where(stable, 0.0, np.floor(y - x - 1.0))
    with np.errstate(divide="ignore"):
        by_ratio = np.ceil(39.2 / -np.log(np.minimum(y / (x + 2.0), 1 - 1e-16)))
    n_stable = np.minimum(by_ratio, np.ceil(9.5 * np.sqrt(x + 2.0))) + 25.0
    j_lo = np.where(stable, 0.0, np.maximum(0.0, mode - spread))
    n_terms = np.where(stable, n_stable, mode + spread - j_lo + 1.0)
    n_terms = np.minimum(n_terms, MAX_TERMS)
    order = np.argsort(-n_terms, kind="stable")     # longest first: actives are a prefix
    x, y, jl, n_terms = x[order], y[order], j_lo[order], n_terms[order]
    # H_j at j_lo: psi difference, or the sum itself where psi would lose digits (small j)
    harm = special.digamma(x + jl + 2.0) - special.digamma(x + 1.0)
    small = jl < 50
    if small.any():
        harm[small] = 0.0
        for i in range(int(jl[small].max()) + 1):
            take = small & (i <= jl)
            harm[take] += 1.0 / (x[take] + i + 1.0)
    log_w = np.zeros(x.shape)
    w_sum = np.zeros(x.shape)
    wh_sum = np.zeros(x.shape)
    log_y = np.log(y)
    max_log_w = np.full(x.shape, -np.inf)
    m = x.size
    for k in range(int(n_terms[0]) if m else 0):
        while m and n_terms[m - 1] <= k:
            m -= 1
        sl = slice(0, m)
        if k > 0:
            jk = jl[sl] + k
            log_w[sl] += log_y[sl] - np.log(x[sl] + jk + 1.0)
            harm[sl] += 1.0 / (x[sl] + jk + 1.0)
        lw = log_w[sl]
        m_old = max_log_w[sl]
        m_new = np.maximum(m_old, lw)
        scale = np.exp(m_old - m_new)   # rescale on the fly when a larger weight appears
        w = np.exp(lw - m_new)
        w_sum[sl] = w_sum[sl] * scale + w
        wh_sum[sl] = wh_sum[sl] * scale + w * harm[sl]
        max_log_w[sl] = m_new
    res = np.empty_like(w_sum)
    res[order] = wh_sum / w_sum
    return res


def _sl_offered_direct(x, y, yu, log_rm1, log_d, fallback):
    """Service level (offered convention) as a sum of positive parts, for small SL."""
    b = x + 1.0
    p_u = special.gammainc(b, yu)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(p_u < 0.5, special.gammainc(b, y) - p_u,
                        special.gammaincc(b, yu) - special.gammaincc(b, y))
        within = np.exp(np.log(x / b) + np.log(diff) - poisson_logpmf(b, y) - log_d)
        direct = np.exp(log_rm1 - log_d) + within
    good = np.isfinite(direct) & (diff > 0)
    return np.where(good, direct, fallback)


def kpis(agents, traffic_erl, aht_s, sl_threshold_s, patience_s, *, sl_convention="offered",
         with_asa=True):
    """Erlang A KPIs for N = ``agents``; arrays broadcast.

    Returns a dict of arrays: ``p_wait``, ``p_abandon``, ``service_level``, ``asa_s``,
    ``occupancy`` and ``log_sl_shortfall`` (log of 1 - service level, for exact target checks).
    ``asa_s`` is the mean wait of answered calls, or E[V] with ``sl_convention="virtual"``.
    """
    conventions = SL_CONVENTIONS + tuple(c for c in ("virtual",) if c not in SL_CONVENTIONS)
    if sl_convention not in conventions:
        raise ValueError(f"sl_convention must be one of {conventions}")
    n, a, aht, t, pat = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                              (agents, traffic_erl, aht_s, sl_threshold_s,
                                               patience_s)))
    shape = n.shape
    p_wait = np.zeros(shape)
    p_ab = np.zeros(shape)
    log_short = np.full(shape, -np.inf)
    asa = np.zeros(shape)
    occ = np.zeros(shape)
    sl_out = np.ones(shape)
    sl_out[(n == 0) & (a > 0)] = 0.0

    nobody = (n == 0) & (a > 0)  # every caller waits and abandons
    p_wait[nobody] = 1.0
    p_ab[nobody] = 1.0
    log_short[nobody] = 0.0
    asa[nobody] = np.inf

    live = (n > 0) & (a > 0)
    if live.any():
        nl, al, ahtl, tl, patl = n[live], a[live], aht[live], t[live], pat[live]
        r = patl / ahtl
        x, y = nl * r, al * r
        _, log_rm1 = log_inv_erlang_b(nl, al)
        log_a0, log_a0m1, log_ab = _log_a_function(x, y, with_parts=True)
        log_d = np.logaddexp(log_rm1, log_a0)            # 1 / K
        pw = np.exp(log_a0 - log_d)
        log_pab = log_ab - log_d
        pab = np.exp(log_pab)
        theta_t = tl / patl
        # P(served, V > T) = K x/(x+1) A(x+1, yu) pmf(x+1; yu)/pmf(x+1; y),  u = e^{-theta T}
        yu = y * np.exp(-theta_t)
        log_pmf_ratio_1 = -(x + 1.0) * theta_t - y * np.expm1(-theta_t)
        log_served_late = (np.log(x / (x + 1.0)) + _log_a_function(x + 1.0, yu)
                           + log_pmf_ratio_1 - log_d)
        if sl_convention == "offered":
            ls = np.logaddexp(log_pab, log_served_late)
        elif sl_convention == "answered":
            # 1 - SL_ans = 1 - (1 - pab - late)/(1 - pab) = late / (1 - pab)
            ls = log_served_late - np.log1p(-pab)
        else:  # "wait": P(W > T) = e^{-theta T} P(V > T); "virtual": P(V > T)
            log_pmf_ratio_0 = -x * theta_t - y * np.expm1(-theta_t)
            ls = _log_a_function(x, yu) + log_pmf_ratio_0 - log_d
            if sl_convention == "wait":
                ls = ls - theta_t
        sl = -np.expm1(np.minimum(ls, 0.0))
        if sl_convention == "offered":
            # In deep overload SL is small and 1 - shortfall loses its relative digits:
            # add the positive parts instead, no wait + answered within T after waiting,
            # K (R - 1) + K x/(x+1) [P(x+1, y) - P(x+1, yu)] / pmf(x+1; y).
            small = sl < 0.5
            if small.any():
                sl[small] = _sl_offered_direct(x[small], y[small], yu[small], log_rm1[small],
                                               log_d[small], sl[small])
        p_wait[live] = pw
        p_ab[live] = pab
        log_short[live] = np.minimum(ls, 0.0)
        sl_out[live] = sl
        # P(served) = P(no wait) + P(served after waiting) = K (R - 1) + K (x/y)(A - 1):
        # exact even when nearly everybody hangs up (1 - P(abandon) would cancel)
        p_no_wait = np.exp(log_rm1 - log_d)
        # log x - log y, not log(x / y), which overflows at a subnormal load; y that
        # underflows to 0 means nobody waits
        with np.errstate(divide="ignore", invalid="ignore"):     # y = 0 masked below
            log_sw = log_a0m1 + np.log(x) - np.log(y) - log_d
        p_served_waited = np.where(y > 0, np.exp(np.where(y > 0, log_sw, 0.0)), 0.0)
        p_served = p_no_wait + p_served_waited
        occ[live] = np.minimum(al * p_served / nl, 1.0)
        if with_asa and sl_convention == "virtual":
            # E[V] = P(wait) patience E_w[psi(x + J + 1) - psi(x)]: _mean_harmonic at x - 1
            harm = np.zeros_like(pw)
            waited = pw > 0
            if waited.any():
                harm[waited] = _mean_harmonic(x[waited] - 1.0, y[waited])
            asa[live] = pw * patl * harm
        elif with_asa:
            share_waited = np.divide(p_served_waited, p_served, out=np.zeros_like(p_served),
                                     where=p_served > 0)
            harm = np.zeros_like(share_waited)
            waited = share_waited > 0           # nobody waited: no mean wait to compute
            if waited.any():
                harm[waited] = _mean_harmonic(x[waited], y[waited])
            asa[live] = share_waited * patl * harm
        else:
            asa[live] = np.nan
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "service_level": sl_out + 0.0,  # no -0.0
        "asa_s": asa,
        "occupancy": occ,
        "log_sl_shortfall": log_short,
    }
