"""Erlang C: the M/M/N delay system (infinitely patient callers).

With load A = calls x AHT / interval length and N agents (N > A for a stable queue):

* P(wait > 0)  C(N, A) = N B / (N - A (1 - B)),  B = Erlang B(N, A)
* P(wait > T)  = C exp(-(N - A) T / AHT)
* service level SL(T) = 1 - C exp(-(N - A) T / AHT)
* ASA = C AHT / (N - A)            (mean wait of all calls = of answered calls here)
* occupancy = A / N

For N <= A the queue grows without bound: C = 1, SL = 0, ASA = inf, occupancy = 1.
References: Erlang (1917); Gans, Koole & Mandelbaum (2003), M&SOM 5(2):79-141, sec. 4.
All three service-level conventions coincide here because nobody abandons.
"""

from __future__ import annotations

import numpy as np

from erlang._special import log_inv_erlang_b


def _log_wait_terms(agents, traffic_erl):
    """(log C, log(1 - C)) for N > A, from R = 1/B: C = 1 / (R(1 - rho) + rho) and
    1 - C = (R - 1)(1 - rho) C, both without cancellation. N <= A: (0, -inf)."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float),
                               np.asarray(traffic_erl, dtype=float))
    log_c = np.zeros(n.shape)
    log_1mc = np.full(n.shape, -np.inf)
    log_c[a == 0] = -np.inf  # no traffic: nobody ever waits
    log_1mc[a == 0] = 0.0
    stable = (n > a) & (a > 0)
    ns, as_ = n[stable], a[stable]
    log_r, log_rm1 = log_inv_erlang_b(ns, as_)
    rho = as_ / ns
    log_1m_rho = np.log(ns - as_) - np.log(ns)  # N - A is exact in floating point (Sterbenz)
    lc = -(log_r + log_1m_rho + np.log1p(rho * np.exp(-(log_r + log_1m_rho))))
    log_c[stable] = lc
    log_1mc[stable] = log_rm1 + log_1m_rho + lc
    return log_c, log_1mc


def kpis(agents, traffic_erl, aht_s, sl_threshold_s):
    """Erlang C service level, P(wait), ASA and occupancy for N = ``agents``.

    Returns a dict of arrays: ``p_wait``, ``service_level``, ``asa_s``, ``occupancy``,
    ``p_abandon`` (all zero), ``log_p_wait_gt_t`` (log P(wait > T), for exact target checks).
    """
    n, a, aht, t = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                         for v in (agents, traffic_erl, aht_s, sl_threshold_s)))
    log_c, log_1mc = _log_wait_terms(n, a)
    stable = (n > a) | (a == 0)
    surplus = np.where(stable & (n > a), n - a, 1.0)
    log_tail = np.where(stable, log_c - surplus * t / aht, 0.0)
    p_wait = np.exp(log_c)
    # SL = (1 - C) + C (1 - exp(-(N - A) T / AHT)): positive parts, exact even when SL is tiny
    sl = np.exp(log_1mc) + p_wait * -np.expm1(-surplus * t / aht)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(stable, p_wait * aht / surplus, np.inf)
        occupancy = np.where(n > 0, np.minimum(a / n, 1.0), 0.0)
    return {
        "p_wait": p_wait,
        "service_level": np.where(stable, np.minimum(sl, 1.0), 0.0),
        "asa_s": asa,
        "occupancy": occupancy,
        "p_abandon": np.zeros(n.shape),
        "log_p_wait_gt_t": log_tail,
    }
