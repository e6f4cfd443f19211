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
from wfmcore.errors import InputError


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


def p_response_gt(agents, traffic_erl, aht_s, t_s):
    """P(response time > t) in M/M/N, response = wait in queue + handle time (FCFS).

    The wait W is 0 with probability 1 - C, else exponential with rate theta = (N - A) / AHT,
    and the handle time S ~ Exp(mu = 1 / AHT) is independent of it, so (Gross & Harris,
    *Fundamentals of Queueing Theory*, M/M/c waiting-time distributions)

        P(W + S > t) = e^{-mu t} + C mu (e^{-mu t} - e^{-theta t}) / (theta - mu),

    and C mu t e^{-mu t} in place of the last term when theta = mu. What deferred work (an
    email answered within its deadline) asks of a steady stream of items: the share done
    within t of arrival is 1 - P(W + S > t). N <= A: 1 (the backlog grows without bound).
    """
    n, a, aht, t = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                         for v in (agents, traffic_erl, aht_s, t_s)))
    log_c, _ = _log_wait_terms(n, a)
    c = np.exp(log_c)
    stable = (n > a) | (a == 0)
    mu = 1.0 / aht
    theta = np.where(stable & (n > a), (n - a) / aht, 1.0)
    e_mu = np.exp(-mu * t)
    d = theta - mu
    with np.errstate(divide="ignore", invalid="ignore"):
        # (e^{-mu t} - e^{-theta t}) / (theta - mu) = e^{-mu t} (1 - e^{-d t}) / d, stable as d -> 0
        ratio = np.where(np.abs(d * t) > 1e-8, e_mu * -np.expm1(-d * t) / d, e_mu * t)
    out = e_mu + c * mu * ratio
    return np.where(stable, np.clip(out, 0.0, 1.0), 1.0)


def agents_for_deadline(traffic_erl, aht_s, deadline_s, deadline_share, max_occupancy=None):
    """Smallest N with P(response time <= deadline) >= ``deadline_share`` in M/M/N
    (:func:`p_response_gt`), and occupancy A / N <= ``max_occupancy`` when given: a steady
    stream of deferred items, each done within its deadline of arrival. Stepping N up from
    the smallest stable value; 0 where there is no work."""
    a, aht, d = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                      for v in (traffic_erl, aht_s, deadline_s)))
    a, aht, d = a.ravel(), aht.ravel(), d.ravel()
    n = np.floor(a) + 1.0
    if max_occupancy is not None:
        n = np.maximum(n, np.ceil(a / max_occupancy - 1e-9))
    res = np.zeros(a.shape)
    idx = np.nonzero(a > 0)[0]
    tail = (1.0 - deadline_share) * (1 + 1e-12)
    no_wait = np.exp(-d[idx] / aht[idx])     # P(S > deadline): late even without waiting
    if (no_wait > tail).any():
        i = idx[np.argmax(no_wait)]
        raise InputError(f"deadline_h of {d[i] / 3600:g} h is too short for a handle time of "
                         f"{aht[i]:g} s: even with no wait only {1 - no_wait.max():.1%} of "
                         f"items are done in time (deadline_share {deadline_share:g})",
                         param="deadline_h")
    for _ in range(100_000):
        if not idx.size:
            break
        ok = p_response_gt(n[idx], a[idx], aht[idx], d[idx]) <= tail
        res[idx[ok]] = n[idx[ok]]
        idx = idx[~ok]
        n[idx] += 1.0
    return res.astype(np.int64).reshape(np.shape(traffic_erl))
