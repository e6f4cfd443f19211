"""Call blending: inbound calls and an endless supply of outbound / deferred work on one team.

The model of Bhulai & Koole (2003, "A queueing model for call blending in call centers",
IEEE Transactions on Automatic Control 48(8):1434-1438): ``N`` agents; inbound calls arrive
Poisson (load ``traffic_erl`` = lambda x ``aht_s``), are handled in exponential times of
mean ``aht_s`` and wait first-come-first-served when no agent is free (nobody hangs up);
there is always outbound (or deferred) work, handled in exponential times of mean
``aht_out_s``, never pre-empted. The *threshold policy*: an agent who becomes free takes a
waiting inbound call if there is one; otherwise, if more than ``threshold`` agents are idle,
the free agent starts an outbound job. So ``threshold`` agents are kept free for inbound
(``threshold = N``: never blend, Erlang C; ``0``: agents are never idle). Bhulai & Koole show
this policy (with a threshold that may depend on the queue) is optimal for maximising the
outbound throughput under an inbound waiting-time constraint.

Exact KPIs from the Markov chain:

* ``aht_out_s == aht_s``: every busy agent finishes at the same rate, so the number
  ``n`` = busy agents + waiting calls is a birth-death chain on ``n >= N - threshold``
  (births lambda, deaths ``min(n, N) mu``; a death at ``N - threshold`` is replaced at once by
  an outbound start). Closed form, with the Erlang C tail above ``N``: the wait of a call
  that waits is exponential with rate ``N mu - lambda``, so SL = 1 - P(wait) e^{-(N mu -
  lambda) T}, ASA = P(wait) / (N mu - lambda).
* otherwise the chain on (inbound in system ``i``, outbound in service ``o``), truncated
  where the geometric tail of the queue is below 1e-18, solved as a sparse linear system
  (for moderate teams: the states grow as agents x queue length, at most
  :data:`MAX_STATES`);
  the wait of a call arriving at (i, o) (PASTA) is the time to ``q + 1`` service completions
  (``q`` calls ahead), with outbound agents finishing at rate ``1 / aht_out_s`` and taking
  inbound when they do (no outbound starts while calls wait): a phase-type distribution,
  P(W > T) by the action of the matrix exponential (``scipy.sparse.linalg.expm_multiply``)
  and E[W] by a sparse solve.

KPIs: ``service_level`` = P(wait <= T) of inbound calls (all are answered), ``asa_s``,
``p_wait``, ``occupancy`` = busy agents (inbound + outbound) / N, ``outbound_per_min`` =
outbound jobs completed per minute, ``outbound_erl`` = agents busy on outbound on average
(the deferred work done from idle time, in agents).

CCmath's published blending example (N = 16, threshold 2: occupancy 95.83 %, 1.11 outbound
per minute, SL 63.34 %, ASA 0.43 min) is matched at 4 calls/min, AHT 3 min inbound and
outbound, T = 20 s, with the convention above ("more than ``threshold`` idle" starts an
outbound job, i.e. ``threshold`` agents stay free): occupancy 95.833 %, 1.1111 per minute,
ASA 0.4286 min; the service level comes out 63.36 % (``tests/test_blending.py``). "At least
``threshold`` idle" gives 98.44 %, 1.25 per minute, SL 51.9 %: not CCmath's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import expm_multiply, spsolve
from scipy.special import logsumexp

from wfmcore import checks
from wfmcore.errors import InputError

__all__ = ["BlendingChoice", "BlendingPlan", "best_threshold", "blending_kpis", "blend_intervals"]

#: queue length beyond which the 2-D chain is truncated: the tail is below this mass
TAIL_MASS = 1e-18
#: largest number of states of the 2-D chain (its sparse solve takes about a second at
#: 30,000 states and minutes at 500,000)
MAX_STATES = 250_000


def _check(agents, traffic_erl, aht_s, threshold, aht_out_s, sl_threshold_s):
    n = checks.whole(agents, "agents", 1)
    a = checks.number(traffic_erl, "traffic_erl")
    if a < 0:
        raise InputError(f"traffic_erl must be >= 0; got {a:g}", param="traffic_erl")
    aht = checks.seconds(aht_s, "aht_s")
    aht_out = aht if aht_out_s is None else checks.seconds(aht_out_s, "aht_out_s")
    thr = checks.whole(threshold, "threshold")
    if thr > n:
        raise InputError(f"threshold must be at most agents ({n}); got {thr}",
                         param="threshold")
    t = checks.seconds(sl_threshold_s, "sl_threshold_s", allow_zero=True)
    if a >= n:
        raise InputError(f"traffic_erl of {a:g} Erlangs needs more than {n} agents: the "
                         "inbound queue grows without bound", param="traffic_erl")
    return n, a, aht, thr, aht_out, t


def _one_dimensional(n, a, aht, thr, t):
    """The birth-death chain on busy + waiting, from N - thr (aht_out == aht)."""
    n0 = n - thr
    ks = np.arange(n0, n + 1)
    # log weights relative to n0: log prod_{k=n0+1}^{n} (A / k)
    log_w = np.concatenate([[0.0], np.cumsum(np.log(a) - np.log(ks[1:]))]) if a > 0 else \
        np.where(ks == n0, 0.0, -np.inf)
    rho = a / n
    log_tail = log_w[-1] + math.log(rho) - math.log1p(-rho) if a > 0 else -np.inf
    log_z = logsumexp(np.append(log_w, log_tail))
    pi = np.exp(log_w - log_z)
    tail = math.exp(log_tail - log_z)
    p_wait = pi[-1] + tail                      # n >= N
    mu = 1.0 / aht
    decay = (n - a) * mu                        # N mu - lambda
    sl = (1.0 - p_wait) + p_wait * -math.expm1(-decay * t)
    busy = float((pi * ks).sum()) + n * tail
    out_rate = float(pi[0]) * n0 * mu      # each completion at n0 restarts an outbound job
    return {"service_level": float(sl), "asa_s": float(p_wait / decay),
            "p_wait": float(p_wait), "occupancy": busy / n,
            "outbound_per_min": out_rate * 60.0, "outbound_erl": out_rate * aht}


def _two_dimensional(n, a, aht, thr, aht_out, t):
    """The chain on (inbound in system i, outbound in service o), truncated."""
    mu, mu_o = 1.0 / aht, 1.0 / aht_out
    lam = a * mu
    rho = a / n
    q_max = (int(math.ceil(math.log(TAIL_MASS) / math.log(rho))) + 20) if a > 0 else 1
    i_max = n + q_max
    if (i_max + 1) * (n + 1) > MAX_STATES:
        raise InputError(f"traffic_erl of {a:g} Erlangs on {n} agents is too large for the "
                         "exact 2-D blending chain; give aht_out_s = aht_s (the closed form)",
                         param="traffic_erl")
    ii, oo = np.meshgrid(np.arange(i_max + 1), np.arange(n + 1), indexing="ij")
    ii, oo = ii.ravel(), oo.ravel()
    valid = (ii + oo >= n - thr)
    index = -np.ones(ii.size, dtype=np.int64)
    index[valid] = np.arange(int(valid.sum()))
    ii, oo = ii[valid], oo[valid]
    size = ii.size

    def at(i, o):
        return index[i * (n + 1) + o]

    src, dst, rate = [], [], []
    # arrivals (none beyond the truncation)
    m = ii < i_max
    src.append(np.flatnonzero(m))
    dst.append(at(ii[m] + 1, oo[m]))
    rate.append(np.full(int(m.sum()), lam))
    # inbound completions: i - 1, and an outbound start when too many agents are idle
    serving = np.minimum(ii, n - oo)
    m = serving > 0
    i1, o1 = ii[m] - 1, oo[m].copy()
    start = (i1 + o1 < n - thr)
    o1[start] += 1
    src.append(np.flatnonzero(m))
    dst.append(at(i1, o1))
    rate.append(serving[m] * mu)
    # outbound completions: o - 1 unless the agent restarts outbound at once (a self-loop)
    m = (oo > 0) & ~(ii + oo - 1 < n - thr)
    src.append(np.flatnonzero(m))
    dst.append(at(ii[m], oo[m] - 1))
    rate.append(oo[m] * mu_o)
    src, dst, rate = np.concatenate(src), np.concatenate(dst), np.concatenate(rate)
    if (dst < 0).any():
        raise AssertionError("blending chain left its state space")
    # pi Q = 0, sum pi = 1: the balance equations (rows of Q^T) with the first replaced by
    # the normalisation; Q's diagonal is minus its row sums (self-loops cancel out)
    leave = np.bincount(src, weights=rate, minlength=size)
    states = np.arange(size)
    t_row = np.concatenate([dst, states])            # Q^T: entry (dst, src)
    t_col = np.concatenate([src, states])
    t_val = np.concatenate([rate, -leave])
    keep = t_row != 0
    t_row = np.concatenate([t_row[keep], np.zeros(size, dtype=np.int64)])
    t_col = np.concatenate([t_col[keep], states])
    t_val = np.concatenate([t_val[keep], np.ones(size)])
    lhs = sparse.csc_array((t_val, (t_row, t_col)), shape=(size, size))
    rhs = np.zeros(size)
    rhs[0] = 1.0
    pi = spsolve(lhs, rhs, permc_spec="MMD_AT_PLUS_A")   # 2x COLAMD's speed here
    pi = np.maximum(pi, 0.0)
    pi /= pi.sum()

    waits = ii >= n - oo                          # no idle agent: the call waits
    p_wait = float(pi[waits].sum())
    busy = float((pi * (serving + oo)).sum())
    out_rate = float((pi * oo).sum()) * mu_o

    # the wait: transient chain on (calls ahead q, outbound in service o'), absorbed after
    # q + 1 completions; start = the arrival's state (q = i - (N - o), o)
    q_ahead = ii[waits] - (n - oo[waits])
    q_top = int(q_ahead.max()) if q_ahead.size else 0
    n_tr = (q_top + 1) * (n + 1)

    def tr(q, o):
        return q * (n + 1) + o

    qq, po = np.meshgrid(np.arange(q_top + 1), np.arange(n + 1), indexing="ij")
    qq, po = qq.ravel(), po.ravel()
    total = (n - po) * mu + po * mu_o
    rows = [np.arange(n_tr)]
    cols = [np.arange(n_tr)]
    vals = [-total]
    m = qq > 0
    rows += [np.flatnonzero(m), np.flatnonzero(m & (po > 0))]
    cols += [tr(qq[m] - 1, po[m]), tr(qq[m & (po > 0)] - 1, po[m & (po > 0)] - 1)]
    vals += [(n - po[m]) * mu, po[m & (po > 0)] * mu_o]
    q_tr = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows),
                                                    np.concatenate(cols))), shape=(n_tr, n_tr))
    p0 = np.zeros(n_tr)
    np.add.at(p0, tr(q_ahead, oo[waits]), pi[waits])
    tail = float(expm_multiply(q_tr.T * t, p0).sum()) if t > 0 else p_wait
    mean_wait = float(spsolve(sparse.csc_array(-q_tr), np.ones(n_tr),
                              permc_spec="MMD_AT_PLUS_A") @ p0)
    return {"service_level": 1.0 - tail, "asa_s": mean_wait, "p_wait": p_wait,
            "occupancy": busy / n, "outbound_per_min": out_rate * 60.0,
            "outbound_erl": out_rate * aht_out}


def blending_kpis(agents, traffic_erl, aht_s, threshold, *, aht_out_s=None,
                  sl_threshold_s: float = 20.0) -> dict[str, float]:
    """Inbound SL, ASA, P(wait), occupancy and outbound throughput under the threshold
    policy (module docstring), for one case (scalars). ``aht_out_s``: mean outbound handle
    time (default ``aht_s``: the closed form; otherwise the 2-D chain)."""
    n, a, aht, thr, aht_out, t = _check(agents, traffic_erl, aht_s, threshold, aht_out_s,
                                        sl_threshold_s)
    if aht_out == aht:
        return _one_dimensional(n, a, aht, thr, t)
    return _two_dimensional(n, a, aht, thr, aht_out, t)


@dataclass(frozen=True)
class BlendingChoice:
    """What :func:`best_threshold` returns: the ``threshold``, its ``kpis``, and ``met``
    (False when even ``threshold = agents``, no blending, misses the target)."""

    threshold: int
    kpis: dict
    met: bool


def best_threshold(agents, traffic_erl, aht_s, sl_target: float, *, aht_out_s=None,
                   sl_threshold_s: float = 20.0,
                   max_occupancy: float | None = None) -> BlendingChoice:
    """The smallest threshold whose inbound service level still meets ``sl_target`` (and
    whose occupancy, inbound + outbound, is at most ``max_occupancy`` when given): the
    most outbound / deferred work the team can take from its idle time while protecting
    voice. The service level rises and the occupancy falls with the threshold (more agents
    kept free; checked against a scan of every threshold in ``tests/test_blending.py``), so
    the threshold is found by bisection on ``0 .. agents``."""
    target = checks.share(sl_target, "sl_target", "share")
    occ_cap = None if max_occupancy is None else checks.share(max_occupancy, "max_occupancy",
                                                               "share1")
    n = checks.whole(agents, "agents", 1)

    def kpis(thr):
        return blending_kpis(n, traffic_erl, aht_s, thr, aht_out_s=aht_out_s,
                             sl_threshold_s=sl_threshold_s)

    def meets(k):
        return k["service_level"] >= target * (1 - 1e-12) and (
            occ_cap is None or k["occupancy"] <= occ_cap * (1 + 1e-12))

    top = kpis(n)
    if not meets(top):
        return BlendingChoice(threshold=n, kpis=top, met=False)
    lo, hi, best = -1, n, top          # hi meets; lo does not (or is below 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        k = kpis(mid)
        if meets(k):
            hi, best = mid, k
        else:
            lo = mid
    return BlendingChoice(threshold=hi, kpis=best, met=True)


@dataclass(frozen=True)
class BlendingPlan:
    """What :func:`blend_intervals` returns, one value per interval: ``threshold`` (agents
    kept free for calls; ``agents`` = no blending), the inbound ``service_level``,
    ``asa_s`` and ``occupancy`` (inbound + outbound) with blending on,
    ``service_level_without`` (the same agents without blending: Erlang C) and
    ``deferred_erl`` (agents busy on deferred work on average: the chain's
    ``outbound_erl``)."""

    threshold: np.ndarray
    service_level: np.ndarray
    asa_s: np.ndarray
    occupancy: np.ndarray
    service_level_without: np.ndarray
    deferred_erl: np.ndarray
    #: distinct cases left unblended because the exact 2-D chain would exceed MAX_STATES
    too_large: int = 0


def blend_intervals(agents, traffic_erl, aht_s, aht_out_s, *, sl_target: float,
                    sl_threshold_s: float = 20.0, max_sl_drop: float = 0.01,
                    max_occupancy: float | None = None) -> BlendingPlan:
    """Blending interval by interval: a voice team of ``agents`` (on the phones) at load
    ``traffic_erl`` with calls of ``aht_s`` takes deferred items of ``aht_out_s`` from its
    idle time under the threshold rule (Bhulai & Koole 2003, module docstring).

    Each interval gets the smallest threshold (:func:`best_threshold`) whose inbound service
    level is at least ``service_level_without - max_sl_drop`` and at least ``sl_target``
    where the team meets it without blending (voice is protected: it keeps its target and
    moves by at most ``max_sl_drop``), and whose occupancy is at most ``max_occupancy``.
    Where the load is at or above the agents (the chain has no steady state) or no agent is
    staffed, nothing is blended. The chain assumes an endless supply of deferred work, so
    its outbound Erlangs are the idle time the team can give: a deferred plan counts them as
    free capacity (:func:`erlang.deferred.deferred_capacity`); where less deferred work is
    waiting, agents stay idle more and voice does better than the chain says. Identical
    cases are solved once. Items of another handle time than the calls need the 2-D chain;
    a case beyond :data:`MAX_STATES` is left unblended (``too_large`` counts them)."""
    n = np.asarray(agents, dtype=float)
    a = np.asarray(traffic_erl, dtype=float)
    shape = np.broadcast_shapes(n.shape, a.shape)
    n, a = np.broadcast_to(n, shape).ravel(), np.broadcast_to(a, shape).ravel()
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), shape).ravel()
    aht_out = np.broadcast_to(np.asarray(aht_out_s, dtype=float), shape).ravel()
    drop = checks.share(max_sl_drop, "max_sl_drop", "share0")
    target = checks.share(sl_target, "sl_target", "share0")
    cache: dict[tuple, tuple] = {}
    out = np.zeros((6, n.size))
    too_large = 0
    for i in range(n.size):
        ni = int(round(n[i]))
        if ni < 1 or not np.isfinite(a[i]) or a[i] >= ni or aht[i] <= 0 or aht_out[i] <= 0:
            out[:, i] = (max(ni, 0), np.nan, np.nan, np.nan, np.nan, 0.0)
            continue
        # the same handle time up to rounding: the closed form
        same = abs(aht_out[i] - aht[i]) <= 1e-9 * aht[i]
        key = (ni, round(float(a[i]), 9), float(aht[i]), None if same else float(aht_out[i]))
        if key not in cache:
            base = blending_kpis(ni, a[i], aht[i], ni, sl_threshold_s=sl_threshold_s)
            floor = base["service_level"] - drop
            if base["service_level"] >= target:
                floor = max(floor, target)
            try:
                choice = best_threshold(ni, a[i], aht[i], max(floor, 0.0),
                                        aht_out_s=key[3], sl_threshold_s=sl_threshold_s,
                                        max_occupancy=max_occupancy)
            except InputError:      # beyond MAX_STATES: not blended (safe), counted
                choice = BlendingChoice(threshold=ni, kpis=base, met=False)
                too_large += 1
            k = choice.kpis
            erl = k["outbound_erl"] if choice.met else 0.0
            thr = choice.threshold if choice.met else ni
            if not choice.met:
                k = base
            cache[key] = (thr, k["service_level"], k["asa_s"], k["occupancy"],
                          base["service_level"], erl)
        out[:, i] = cache[key]
    return BlendingPlan(threshold=out[0].astype(np.int64), service_level=out[1],
                        asa_s=out[2], occupancy=out[3], service_level_without=out[4],
                        deferred_erl=out[5], too_large=too_large)
