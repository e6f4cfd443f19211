"""Erlang X: Erlang A with a finite number of lines (blocking) and redials (Koole's model).

The Erlang X model of Koole's CCmath calculators ("a mathematical description of a call
center that includes a finite number of lines; abandonments and redials", www.ccmath.com/
ErlangX; the CCmath Python package's ``ERLANG.X`` functions) is the M/M/N+M queue with

* L >= N lines: a caller who finds all L lines in use (N in service, L - N waiting) is
  blocked ("Lines: the total number of trunk lines, consisting of lines in use by customers
  in service and lines in use by customers that wait", CCmath online manual);
* redials: a share r of the blocked and abandoned callers call again, so the rate offered
  to the queue is the fixed point lambda_eff = lambda + r lambda_eff q(lambda_eff), q the
  lost share of attempts, P(block) + (1 - P(block)) P(abandon | accepted) (for blocked calls
  alone this is the extended Erlang B recursion; CCmath's package describes its
  ``Retrials`` for abandoning callers, its example uses none). The loop is solved for
  lambda_eff, not simulated: h(L) = L - lambda - r L q(L) has h(lambda) <= 0 <=
  h(lambda / (1 - r)), and the root in that bracket is found by the Illinois (regula falsi)
  method to 1e-15 relative. ``retrial_factor`` =
  lambda_eff / lambda, so redials = fresh calls x (retrial_factor - 1).

The fixed point treats redials as part of one Poisson stream, which is right only when
they come long after the failure: redials soon after a failure arrive while the congestion
that caused it lasts, and lose more often (bench/bench_channels.py: at a 30 s mean delay the
simulated service level is ~3 points below the fixed point's). ``redial_delay_s`` (a mean,
exponential) solves the retrial queue exactly instead (Falin & Templeton, "Retrial Queues",
1997; Artalejo & Gomez-Corral, "Retrial Queueing Systems", 2008): the continuous-time
Markov chain on (n, m), n = contacts in system (0..L), m = callers waiting to redial, each
redialling at rate 1 / redial_delay_s; a fresh call or a redial finding n = L is blocked, and
each blocked or abandoned attempt joins the orbit with probability r (a redial can fail and
redial again, as in the fixed point and the simulator). The orbit is cut where it weighs
nothing (:func:`retrial_law` bounds the effect) and the chain is solved by a sparse LU; an
attempt finds n with the law sum_m (lambda + m gamma) pi(n, m) / (lambda + gamma E[m]) and
its wait is the M/M/N+M wait below in that state. As the delay grows the chain tends to the
fixed point (error ~ 1 / delay; tests); r = 0 is the birth-death chain.

With finite lines the number in system is a birth-death chain on 0..L with birth rate
lambda_eff and death rate min(n, N) mu + max(n - N, 0) theta, solved exactly in log space
(the weights are a cumulative sum of log(lambda / d_k)), so L of 10^4 and loads of 10^3 do not
overflow. A caller who enters and finds j others waiting waits (if it never hung up)
V = sum_{i=0..j} Exp(N mu + i theta) (customers ahead are served or abandon), so with
x = N mu / theta and u = e^{-theta T} (Mandelbaum & Zeltyn 2007; the hypoexponential sum is
the time to the (j+1)-th birth of a Yule process, whence a negative binomial):

* P(V > T | j)          = P(NB(x, u) <= j)
* P(served, V > T | j)  = x / (x + j + 1) P(NB(x + 1, u) <= j)
* P(abandon | j)        = (j + 1) / (x + j + 1)
* E[V | j]              = patience (psi(x + j + 1) - psi(x)),
  E[V; served | j]      = x / (x + j + 1) patience (psi(x + j + 2) - psi(x + 1))

and without abandonment (theta = 0) V | j is Erlang(j + 1, N mu).

Denominators (as CCmath and an ACD queue report count them): ``p_block`` is the share of
offered attempts that find every line busy; every other share -- ``service_level``,
``p_wait``, ``p_abandon``, ``asa_s`` -- is over the calls that got a line (non-blocked), in
the convention ``sl_convention`` of :mod:`erlang.erlang_a` ("offered": answered within T /
accepted, abandons count against; "answered"; "wait"; "virtual": P(V <= T) and ASA = E[V],
CCmath's). ``occupancy`` = carried load / N.

Limits (tests): infinite lines and no redials is Erlang A (delegated to
:mod:`erlang.erlang_a`); no abandonment and infinite lines is Erlang C; lines = agents is the
Erlang B loss system (with redials: the "extended Erlang B" fixed point).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import spsolve

from erlang import erlang_a, erlang_c
from erlang.erlang_b import blocking
from wfmcore.errors import InputError, InternalError
from wfmcore.targets import SL_CONVENTIONS

#: service-level conventions (``"virtual"`` until wfmcore.targets lists it)
CONVENTIONS = SL_CONVENTIONS + tuple(c for c in ("virtual",) if c not in SL_CONVENTIONS)
#: relative tolerance within which a target counts as met (the rule of erlang.staffing)
TARGET_RTOL = 1e-12
#: elements of one (intervals x states) block of the chain (memory bound, ~32 MB per array)
BLOCK_ELEMENTS = 4_000_000
#: the redial fixed point stops when lambda_eff moves by less than this, relative
FIXED_POINT_RTOL = 1e-15

KEYS = ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon", "p_block",
        "retrial_factor")


# ------------------------------------------------------------------ the finite chain


def chain_kpis(lam, death, slots, full_rate, theta, lines, t, sl_convention, weights):
    """KPIs of the birth-death queue on 0..L (one row per interval), exactly.

    ``lam`` (m,) arrival rate per second; ``death`` (m, W) death rates d_1..d_W of the number
    in system (W >= max L; entries past a row's L are ignored); ``slots`` (m,) states n <=
    slots are in service, a caller entering at n >= slots waits behind j = n - slots others;
    ``full_rate`` (m,) the service completion rate when every slot is busy; ``theta`` (m,)
    abandonment rate per waiting caller (0 = nobody abandons); ``lines`` (m,) L; ``t`` (m,)
    threshold T, s; ``weights`` {name: (m, W + 1) array}: returns sum_n pi_n w_n for each.

    Returns a dict of (m,) arrays: p_block (of attempts), p_wait, p_abandon, service_level,
    log_sl_shortfall, asa_s (over accepted calls, see the module docstring) and the weighted
    sums. Rows are processed in blocks of :data:`BLOCK_ELEMENTS`.
    """
    m = lam.size
    width = death.shape[1]
    names = ("p_block", "p_wait", "p_abandon", "service_level", "log_sl_shortfall", "asa_s")
    out = {k: np.empty(m) for k in names + tuple(weights)}
    step = max(1, BLOCK_ELEMENTS // (width + 1))
    for lo in range(0, m, step):
        sl = slice(lo, min(m, lo + step))
        res = _chain_block(lam[sl], death[sl], slots[sl], full_rate[sl], theta[sl],
                           lines[sl], t[sl], sl_convention,
                           {k: w[sl] for k, w in weights.items()})
        for k, v in res.items():
            out[k][sl] = v
    return out


def _chain_block(lam, death, slots, full_rate, theta, lines, t, conv, weights):
    m, width = death.shape
    n = np.arange(width + 1.0)
    with np.errstate(divide="ignore"):
        step = np.log(lam)[:, None] - np.log(death)
    log_pi = np.concatenate([np.zeros((m, 1)), np.cumsum(step, axis=1)], axis=1)
    log_pi[n[None, :] > lines[:, None]] = -np.inf
    w = np.exp(log_pi - log_pi.max(axis=1, keepdims=True))
    z = w.sum(axis=1)
    out = seen_kpis(w, slots, full_rate, theta, lines, t, conv)
    for k, wt in weights.items():
        out[k] = (w * wt).sum(axis=1) / z
    return out


def seen_kpis(w, slots, full_rate, theta, lines, t, conv):
    """The KPIs of contacts that find n in system with probability w_n / sum(w) (rows).

    ``w`` (m, W + 1) unnormalised weights of the number in system an attempt finds (0 past
    a row's L; the largest weight of a row should be 1 for the tail cut below); the other
    arguments as :func:`chain_kpis`. An attempt finding L is blocked; one entering at
    n >= slots waits behind j = n - slots, and its fate is the M/M/N+M wait of the module
    docstring whatever comes after it (FCFS, customers behind do not delay it). In a
    birth-death chain w is the stationary law (PASTA); the redial chain passes the law its
    attempts, fresh or redial, find.
    """
    m, width = w.shape[0], w.shape[1] - 1
    z = w.sum(axis=1)
    rows = np.arange(m)
    li = lines.astype(np.int64)
    w_top = w[rows, li]
    p_block = w_top / z
    # accepted callers see n < L: psi_n = pi_n / (1 - pi_L), summed without 1 - pi_L
    w_acc = w.copy()
    w_acc[rows, li] = 0.0
    z_acc = w_acc.sum(axis=1)
    out = {"p_block": p_block}
    # the queue: j = n - slots >= 0 for n < L; the states past the last one whose weight is
    # above e^-60 of the largest are left out of the sums (each weighs less than 1e-26 of
    # the total), which changes no digit of a double
    si = slots.astype(np.int64)
    heavy = w > np.exp(-60.0)
    last = width - np.argmax(heavy[:, ::-1], axis=1)
    n_q = np.maximum(np.minimum(li, last + 1) - si, 0)   # queue states per row (j < n_q)
    jw = int(n_q.max()) if m else 0
    if jw == 0:
        zero = np.zeros(m)
        out.update(p_wait=zero, p_abandon=zero.copy(), service_level=np.ones(m),
                   log_sl_shortfall=np.full(m, -np.inf), asa_s=zero.copy())
        return out
    j = np.arange(jw, dtype=float)
    idx = np.minimum(si[:, None] + np.arange(jw)[None, :], width)
    psi = np.take_along_axis(w_acc, idx, axis=1) / z_acc[:, None]
    psi[j[None, :] >= n_q[:, None]] = 0.0
    p_wait = psi.sum(axis=1)
    ab = theta > 0
    th = np.where(ab, theta, 1.0)
    x = np.where(ab, full_rate / th, np.inf)[:, None]
    theta_t = (theta * t)[:, None]
    jj = j[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        # negative binomial cdfs P(NB(x, u) <= j), P(NB(x + 1, u) <= j), u = e^{-theta T}
        log_1mu = np.log(-np.expm1(-theta_t))
        inc0 = np.log(x + jj - 1.0) - np.log(jj) + log_1mu
        inc1 = np.log(x + jj) - np.log(jj) + log_1mu
        inc0[:, 0] = -x[:, 0] * theta_t[:, 0]
        inc1[:, 0] = -(x[:, 0] + 1.0) * theta_t[:, 0]
        tail0 = np.cumsum(np.exp(np.cumsum(inc0, axis=1)), axis=1)
        tail1 = np.cumsum(np.exp(np.cumsum(inc1, axis=1)), axis=1)
        served = x / (x + jj + 1.0)
        harm0 = np.cumsum(1.0 / (x + jj), axis=1) / th[:, None]          # E[V | j]
        harm1 = np.cumsum(1.0 / (x + jj + 1.0), axis=1) / th[:, None]    # E[V | served, j]
    if not ab.all():
        # theta = 0: V | j ~ Erlang(j + 1, D): P(V > T | j) = P(Poisson(D T) <= j)
        na = ~ab
        dt = (full_rate * t)[na][:, None]
        with np.errstate(divide="ignore"):
            inc = np.log(dt) - np.log(jj)
        inc[:, 0] = -dt[:, 0]
        pois = np.cumsum(np.exp(np.cumsum(inc, axis=1)), axis=1)
        tail0[na] = pois
        tail1[na] = pois
        served[na] = 1.0
        mean = (jj + 1.0) / full_rate[na][:, None]
        harm0[na] = mean
        harm1[na] = mean
    tail0 = np.minimum(tail0, 1.0)
    tail1 = np.minimum(tail1, 1.0)
    p_ab = (psi * (1.0 - served)).sum(axis=1)
    late = (psi * served * tail1).sum(axis=1)
    virt = (psi * tail0).sum(axis=1)
    answered = 1.0 - p_ab
    with np.errstate(divide="ignore", invalid="ignore"):
        if conv == "offered":
            short = p_ab + late
        elif conv == "answered":
            short = np.where(answered > 0, late / answered, 1.0)
        elif conv == "wait":
            short = np.exp(-theta * t) * virt
        else:  # virtual
            short = virt
        if conv == "virtual":
            asa = (psi * harm0).sum(axis=1)
        else:
            asa = np.where(answered > 0, (psi * served * harm1).sum(axis=1) / answered, np.inf)
        log_short = np.log(np.minimum(short, 1.0))
    out.update(p_wait=p_wait, p_abandon=p_ab, service_level=1.0 - np.minimum(short, 1.0),
               log_sl_shortfall=log_short, asa_s=asa)
    return out


def tail_cut(lam, slots, full_rate, theta):
    """A state past which the chain weighs nothing (< e^-75 of its largest weight), or inf.

    With abandonment: past j = 2 lambda / theta waiting the ratio lambda / (D + j theta) is
    at most 1/2, so 120 more states take the weight below 2^-120. Without: the queue's
    weights fall like rho^j, rho = lambda / D < 1 (inf when rho >= 1: no cut).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = lam / np.where(full_rate > 0, full_rate, 1.0)
        geometric = np.where(rho < 1.0, np.ceil(75.0 / -np.log(rho)) + 50.0, np.inf)
        abandon = np.ceil(2.0 * lam / np.where(theta > 0, theta, 1.0)) + 120.0
    return slots + np.where(theta > 0, abandon, geometric)


# ------------------------------------------------------------------ the redial chain

#: largest state space (L + 1) x (orbit levels) the exact redial chain solves
MAX_RETRIAL_STATES = 1_000_000
#: largest states x line states (the chain is banded with width L + 1, which bounds the
#: LU's fill): 2.4e8 (443,000 states, 551 lines) took 15 s and 0.9 GB (bench_channels.py)
MAX_RETRIAL_FILL = 400_000_000
#: the orbit is cut where the cut moves the stationary law by about this much at most
ORBIT_CUT_TOL = 1e-13


def retrial_generator(lam, agents, mu, theta, lines, p, gamma, orbit_max):
    """Generator (scipy.sparse CSR) of the redial chain; state (n, m) has index m (L + 1) + n.

    n = contacts in system (0..L), m = callers waiting to redial (0..orbit_max). Rates: a
    fresh call lam and a redial m gamma enter when n < L; at n = L a fresh call is blocked
    and joins the orbit with probability p, a blocked redial stays in it with probability p
    (it redials again) and leaves with 1 - p; service min(n, N) mu; abandonment
    (n - N)+ theta, joining the orbit with probability p. At m = orbit_max the callers who
    would join the orbit are lost instead (the truncation).
    """
    l1 = int(lines) + 1
    levels = int(orbit_max) + 1
    size = l1 * levels
    s = np.arange(size)
    n = s % l1
    m = s // l1
    room = m < orbit_max
    ab = np.maximum(n - agents, 0) * theta
    parts = [
        (n < lines, 1, np.full(size, lam)),                                  # fresh enters
        ((n == lines) & room, l1, np.full(size, lam * p)),                   # blocked, to orbit
        ((n < lines) & (m > 0), 1 - l1, m * gamma),                          # redial enters
        ((n == lines) & (m > 0), -l1, m * gamma * (1.0 - p)),                # redial gives up
        (n > 0, -1, np.minimum(n, agents) * mu + ab * np.where(room, 1.0 - p, 1.0)),
        ((n > 0) & room, l1 - 1, ab * p),                                    # abandons, to orbit
    ]
    rows, cols, vals = [], [], []
    for sel, shift, rate in parts:
        sel = sel & (rate > 0)
        rows.append(s[sel])
        cols.append(s[sel] + shift)
        vals.append(rate[sel])
    rows, cols, vals = (np.concatenate(v) for v in (rows, cols, vals))
    out = np.bincount(rows, weights=vals, minlength=size)
    rows = np.concatenate([rows, s])
    cols = np.concatenate([cols, s])
    vals = np.concatenate([vals, -out])
    return sparse.csr_matrix((vals, (rows, cols)), shape=(size, size))


def retrial_chain(lam, agents, mu, theta, lines, p, gamma, orbit_max, ref=(0, 0)):
    """Stationary law of :func:`retrial_generator`, an (orbit_max + 1, lines + 1) array.

    pi Q = 0 solved with pi(ref) = 1 (``ref`` = (n, m), best a likely state so the other
    values stay in range) and the balance equation of ``ref`` dropped, by a sparse LU
    solve (scipy.sparse.linalg.spsolve, SuperLU; the system keeps the chain's sparsity),
    then normalised; rounding negatives are set to 0.
    """
    q = retrial_generator(lam, agents, mu, theta, lines, p, gamma, orbit_max)
    size = q.shape[0]
    k = int(ref[1]) * (int(lines) + 1) + int(ref[0])
    other = np.r_[0:k, k + 1:size]
    a = q.T.tocsr()
    rhs = -np.asarray(a[other][:, [k]].todense()).ravel()
    pi = np.ones(size)
    if size > 1:
        pi[other] = np.atleast_1d(spsolve(a[other][:, other].tocsc(), rhs))
    if not np.isfinite(pi).all():
        raise InternalError("the redial chain's linear system is singular")
    pi = np.maximum(pi, 0.0)
    return (pi / pi.sum()).reshape(int(orbit_max) + 1, int(lines) + 1)


def retrial_law(n, lam, aht, pat, lines, r, delay, orbit_hint, n_hint=0.0):
    """The redial chain of one row, truncated where it weighs nothing: (pi, L used, cut).

    Lines: the n-chain's arrival rate is at most lam + M gamma, so past :func:`tail_cut` of
    that rate the states weigh < e^-75 and are left out (``lines=None``: that cut is the
    lines). Orbit: started at ``orbit_hint`` (the fixed point's mean orbit) + 10 sd + 20 and
    grown (by the levels its tail needs at its decay rate) until the cut is harmless: the
    callers the cut turns away arrive at rate c = sum_n pi(n, M) p (lam [n = L] +
    theta (n - N)+), and the orbit relaxes in about delay / (1 - p) (each member leaves at
    rate >= (1 - p) / delay), so the cut moves the law by about c delay / (1 - p)
    (perturbation bound: rate x relaxation time); it is kept below :data:`ORBIT_CUT_TOL`.
    ``cut`` is True when L was cut below ``lines``. ``n_hint`` (a likely number in system)
    and ``orbit_hint`` name the reference state of :func:`retrial_chain`.
    """
    theta = 0.0 if pat is None else 1.0 / pat
    mu, gamma = 1.0 / aht, 1.0 / delay
    orbit = 0 if r == 0 else int(math.ceil(orbit_hint + 10.0 * math.sqrt(orbit_hint) + 20.0))
    while True:
        top = float(tail_cut(np.array([lam + orbit * gamma]), np.array([n]),
                             np.array([n * mu]), np.array([theta]))[0])
        limit = math.inf if lines is None else lines
        l_used = int(min(limit, top))
        size = (l_used + 1) * (orbit + 1)
        if size > MAX_RETRIAL_STATES or size * (l_used + 1) > MAX_RETRIAL_FILL:
            raise InputError(
                f"redial_delay_s: the exact redial chain is too large to solve ({l_used + 1} "
                f"line states x {orbit + 1} orbit states = {size:,} states; at most "
                f"{MAX_RETRIAL_STATES:,}, and states x line states at most "
                f"{MAX_RETRIAL_FILL:.0e}); use redial_delay_s=None, the fixed point (the "
                "long-delay limit: its error falls like 1 / delay)", param="redial_delay_s")
        ref = (min(l_used, round(n_hint)), min(orbit, round(orbit_hint)))
        pi = retrial_chain(lam, n, mu, theta, l_used, r, gamma, orbit, ref)
        if r == 0:
            return pi, l_used, l_used < limit
        k = np.arange(l_used + 1)
        turned = r * (lam * (k == l_used) + theta * np.maximum(k - n, 0))
        effect = float(pi[-1] @ turned) * delay / (1.0 - r)
        if effect <= ORBIT_CUT_TOL:
            return pi, l_used, l_used < limit
        # grow the orbit by the levels its tail needs to fall by effect / tol at the decay
        # rate of its last 10 levels (the cut piles mass there, so this errs long), or by
        # half when the tail does not fall yet
        level = pi.sum(axis=1)
        back = min(10, orbit)
        with np.errstate(divide="ignore", invalid="ignore"):
            decay = (level[-1] / level[-1 - back]) ** (1.0 / back) if back else 1.0
        if 0.0 < decay < 1.0:
            grow = math.log(effect / ORBIT_CUT_TOL) / -math.log(decay)
            orbit = orbit + int(math.ceil(1.2 * grow)) + 5
        else:
            orbit = int(math.ceil(1.5 * orbit)) + 5


def _solve_retrial(n, lam, aht, t, pat, lines, r, conv, delay, with_asa=True):
    """KPIs of the exact redial chain (1-d arrays), redials after an exponential delay.

    Rows where nothing can fail (no lines, no abandonment), nobody arrives, or no agent
    and no abandonment (every attempt blocked) are exact in the fixed point and taken from
    it; the others are solved row by row. Attempts see n with the law
    sum_m (lam + m gamma) pi(n, m) / (lam + gamma E[m]) (fresh calls by PASTA, redials at
    rate m gamma in (n, m)), and their KPIs follow from it as in the birth-death chain
    (:func:`seen_kpis`); occupancy is the time average E[min(n, N)] / N and the retrial
    factor (lam + gamma E[m]) / lam.
    """
    out = _solve(n, lam, aht, t, pat, lines, r, conv, with_asa=with_asa)
    theta = np.zeros(n.size) if pat is None else 1.0 / pat
    can_fail = (theta > 0) if lines is None else np.ones(n.size, dtype=bool)
    rows = np.nonzero((lam > 0) & can_fail & ((n > 0) | (theta > 0)))[0]
    for i in rows:
        gamma = 1.0 / delay[i]
        hint = lam[i] * (out["retrial_factor"][i] - 1.0) / gamma
        pi, l_used, cut = retrial_law(n[i], lam[i], aht[i], None if pat is None else pat[i],
                                      None if lines is None else lines[i], r[i], delay[i],
                                      hint, n_hint=out["occupancy"][i] * n[i])
        level = np.arange(pi.shape[0])
        seen = (lam[i] + level * gamma) @ pi
        orbit_mean = float(level @ pi.sum(axis=1))
        out["retrial_factor"][i] = (lam[i] + gamma * orbit_mean) / lam[i]
        one = np.array([n[i]])
        k = seen_kpis((seen / seen.max())[None, :], one, one / aht[i], np.array([theta[i]]),
                      np.array([float(l_used)]), np.array([t[i]]), conv)
        out["p_block"][i] = 0.0 if cut else k["p_block"][0]
        if n[i] == 0:                       # nobody answers: the other KPIs are the fixed
            continue                        # point's (everybody who enters hangs up)
        for key in ("service_level", "p_wait", "p_abandon", "log_sl_shortfall"):
            out[key][i] = k[key][0]
        out["asa_s"][i] = k["asa_s"][0] if with_asa else np.nan
        busy = np.minimum(np.arange(l_used + 1.0), n[i]) / n[i]
        out["occupancy"][i] = float(pi.sum(axis=0) @ busy)
    return out


# ------------------------------------------------------------------ inputs


def _array(value, name, *, whole=False, positive=False):
    arr = np.asarray(value, dtype=float)
    if np.isnan(arr).any() or np.isinf(arr).any():
        raise InputError(f"{name} must be a finite number", param=name)
    if (arr < 0).any() or (positive and (arr <= 0).any()):
        raise InputError(f"{name} must be {'> 0' if positive else '>= 0'}; got "
                         f"{float(arr.min()):g}", param=name)
    if whole and (arr != np.floor(arr)).any():
        raise InputError(f"{name} must be a whole number", param=name)
    return arr


def check_convention(sl_convention):
    if sl_convention not in CONVENTIONS:
        raise InputError(f"sl_convention must be one of {', '.join(CONVENTIONS)}; got "
                         f"{sl_convention!r}", param="sl_convention")


def _check_redial(redial_share):
    r = np.asarray(redial_share, dtype=float)
    if np.isnan(r).any() or (r < 0).any() or (r >= 1).any():
        raise InputError("redial_share must be a share in [0, 1) (the share of blocked and "
                         f"abandoned callers who call again); got {float(np.max(r)):g}",
                         param="redial_share")
    return r


def _check_lines(lines, agents):
    if lines is None:
        return None
    li = _array(lines, "lines", whole=True)
    n_b, l_b = np.broadcast_arrays(agents, li)
    if (l_b < n_b).any():
        bad = np.argmax(l_b < n_b)
        raise InputError(f"lines must be >= agents (a line per agent at least); got lines "
                         f"{l_b.flat[bad]:g} for {n_b.flat[bad]:g} agents", param="lines")
    return li


# ------------------------------------------------------------------ KPIs


def _kpis_at(n, lam, aht, t, pat, lines, conv, with_asa=True):
    """KPIs at a given offered rate ``lam`` (per second) on 1-d arrays; lines may be None."""
    m = n.size
    if lines is None:
        a = lam * aht
        if pat is None:
            k = erlang_c.kpis(n, a, aht, t)
            return {"service_level": k["service_level"], "p_wait": k["p_wait"],
                    "asa_s": k["asa_s"], "occupancy": k["occupancy"],
                    "p_abandon": np.zeros(m), "p_block": np.zeros(m),
                    "log_sl_shortfall": k["log_p_wait_gt_t"]}
        k = erlang_a.kpis(n, a, aht, t, pat, sl_convention=conv, with_asa=with_asa)
        k["p_block"] = np.zeros(m)
        return k
    out = {k: np.zeros(m) for k in ("service_level", "p_wait", "asa_s", "occupancy",
                                    "p_abandon", "p_block")}
    out["service_level"][:] = 1.0
    out["log_sl_shortfall"] = np.full(m, -np.inf)
    theta = np.zeros(m) if pat is None else 1.0 / pat
    mu = 1.0 / aht
    live = (lam > 0) & (n > 0)
    nobody = (lam > 0) & (n == 0)
    if nobody.any():
        # no agent: accepted callers all abandon, so the waiting callers form an M/M/inf
        # queue truncated at L (Erlang B with load lambda / theta); without patience they
        # fill every line and every attempt is blocked
        th0 = theta[nobody]
        out["p_block"][nobody] = 1.0
        go = th0 > 0
        if go.any():
            out["p_block"][np.nonzero(nobody)[0][go]] = blocking(lines[nobody][go],
                                                                 lam[nobody][go] / th0[go])
        for k, v in (("p_wait", 1.0), ("p_abandon", 1.0), ("service_level", 0.0),
                     ("asa_s", np.inf), ("log_sl_shortfall", 0.0)):
            out[k][nobody] = v
    if live.any():
        nl, laml, thl, lil, tl, mul = (v[live] for v in (n, lam, theta, lines, t, mu))
        cut = tail_cut(laml, nl, nl * mul, thl)
        beyond = cut < lil                      # the top lines are never reached
        lil = np.where(beyond, cut, lil)
        width = int(lil.max())
        k = np.arange(1.0, width + 1.0)[None, :]
        death = np.minimum(k, nl[:, None]) * mul[:, None] + np.maximum(
            k - nl[:, None], 0.0) * thl[:, None]
        busy = np.minimum(np.arange(width + 1.0)[None, :], nl[:, None]) / nl[:, None]
        res = chain_kpis(laml, death, nl, nl * mul, thl, lil, tl, conv, {"occupancy": busy})
        res["p_block"][beyond] = 0.0
        for key in ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon", "p_block",
                    "log_sl_shortfall"):
            out[key][live] = res[key]
        if not with_asa:
            out["asa_s"][live] = np.nan
    return out


def _lost_share(k):
    """Share of attempts lost (blocked, or accepted and abandoned)."""
    return k["p_block"] + (1.0 - k["p_block"]) * k["p_abandon"]


def _solve(n, lam, aht, t, pat, lines, r, conv, with_asa=True):
    """KPIs at the redial fixed point lambda_eff (1-d arrays); adds retrial_factor."""
    lam_eff = lam.copy()
    need = (r > 0) & (lam > 0)
    if need.any():
        idx = np.nonzero(need)[0]
        lo = lam[idx].copy()
        hi = lam[idx] / (1.0 - r[idx])

        def h(rate, sel):
            k = _kpis_at(n[sel], rate, aht[sel], t[sel], None if pat is None else pat[sel],
                         None if lines is None else lines[sel], conv, with_asa=False)
            return rate - lam[sel] - r[sel] * rate * _lost_share(k)

        f_lo = h(lo, idx)
        f_hi = h(hi, idx)
        root = np.where(f_lo >= 0, lo, np.where(f_hi <= 0, hi, np.nan))
        act = np.nonzero(np.isnan(root))[0]
        side = np.zeros(idx.size)
        for _ in range(200):
            if not act.size:
                break
            a_, b_, fa, fb = lo[act], hi[act], f_lo[act], f_hi[act]
            c = (a_ * fb - b_ * fa) / (fb - fa)
            c = np.where((c > a_) & (c < b_), c, 0.5 * (a_ + b_))
            fc = h(c, idx[act])
            done = (fc == 0) | ((b_ - a_) <= FIXED_POINT_RTOL * c)
            left = fc < 0                                   # root in (c, b)
            lo[act] = np.where(left, c, a_)
            f_lo[act] = np.where(left, fc, fa * np.where(side[act] == 1, 0.5, 1.0))
            hi[act] = np.where(left, b_, c)
            f_hi[act] = np.where(left, fb * np.where(side[act] == -1, 0.5, 1.0), fc)
            side[act] = np.where(left, -1, 1)               # Illinois: halve the stale end
            root[act[done]] = c[done]
            act = act[~done]
        if act.size:
            root[act] = 0.5 * (lo[act] + hi[act])
        lam_eff[idx] = root
    k = _kpis_at(n, lam_eff, aht, t, pat, lines, conv, with_asa=with_asa)
    with np.errstate(divide="ignore", invalid="ignore"):
        k["retrial_factor"] = np.where(lam > 0, lam_eff / np.where(lam > 0, lam, 1.0), 1.0)
    return k


def _check_delay(redial_delay_s):
    if redial_delay_s is None:
        return None
    d = np.asarray(redial_delay_s, dtype=float)
    if np.isnan(d).any() or np.isinf(d).any() or (d <= 0).any():
        raise InputError("redial_delay_s must be a finite number of seconds > 0 (the mean "
                         "delay before a redial) or None (the fixed point); got "
                         f"{float(d.min()) if not np.isnan(d).any() else math.nan:g}",
                         param="redial_delay_s")
    return d


def _prepare(agents, traffic_erl, aht_s, sl_threshold_s, patience_s, lines, redial_share,
             sl_convention, redial_delay_s=None):
    check_convention(sl_convention)
    n = _array(agents, "agents", whole=True)
    a = _array(traffic_erl, "traffic_erl")
    aht = _array(aht_s, "aht_s", positive=True)
    t = _array(sl_threshold_s, "sl_threshold_s")
    pat = None if patience_s is None else _array(patience_s, "patience_s", positive=True)
    li = _check_lines(lines, n)
    r = _check_redial(redial_share)
    d = _check_delay(redial_delay_s)
    optional = [v for v in (pat, li, d) if v is not None]
    parts = [n, a, aht, t, r] + optional
    shape = np.broadcast_shapes(*(p.shape for p in parts))
    flat = [np.broadcast_to(p, shape).ravel().astype(float) for p in parts]
    n, a, aht, t, r = flat[:5]
    rest = flat[5:]
    pat = rest.pop(0) if pat is not None else None
    li = rest.pop(0) if li is not None else None
    d = rest.pop(0) if d is not None else None
    return shape, n, a, aht, t, pat, li, r, d


def kpis(agents, traffic_erl, aht_s, sl_threshold_s, patience_s, *, lines=None,
         redial_share=0.0, sl_convention="offered", redial_delay_s=None):
    """Erlang X KPIs for N = ``agents`` and the FRESH offered load ``traffic_erl``.

    ``patience_s=None``: nobody abandons (Erlang C, with lines M/M/N/L); ``lines=None``:
    unlimited lines. ``redial_delay_s``: None = the redials of the CCmath fixed point (a
    Poisson stream; the limit of long delays); a mean delay in seconds = the exact redial
    chain with exponential delays (:func:`_solve_retrial`; InputError if it needs more than
    :data:`MAX_RETRIAL_STATES` states). Arrays broadcast; returns a dict of arrays (0-d
    for scalars) with ``service_level``, ``p_wait``, ``asa_s``, ``occupancy``,
    ``p_abandon``, ``p_block``, ``retrial_factor`` (offered attempts / fresh calls). See the
    module docstring for the denominators.
    """
    shape, n, a, aht, t, pat, li, r, d = _prepare(agents, traffic_erl, aht_s, sl_threshold_s,
                                                  patience_s, lines, redial_share,
                                                  sl_convention, redial_delay_s)
    if d is None:
        k = _solve(n, a / aht, aht, t, pat, li, r, sl_convention)
    else:
        k = _solve_retrial(n, a / aht, aht, t, pat, li, r, sl_convention, d)
    return {key: (k[key] + 0.0).reshape(shape) for key in KEYS}


# ------------------------------------------------------------------ required agents


def feasible(k, target):
    """Which rows of the KPI dict ``k`` meet every target of ``target`` (to 1e-12)."""
    ok = np.ones(k["p_block"].shape, dtype=bool)
    if target.sl_target > 0:
        ok &= k["log_sl_shortfall"] <= math.log(1.0 - target.sl_target) + TARGET_RTOL
    if target.max_abandon is not None:
        ok &= k["p_abandon"] <= target.max_abandon * (1 + TARGET_RTOL)
    if target.asa_target_s is not None:
        ok &= k["asa_s"] <= target.asa_target_s * (1 + TARGET_RTOL)
    if target.max_occupancy is not None:
        ok &= k["occupancy"] <= target.max_occupancy * (1 + TARGET_RTOL)
    return ok


def search_agents(is_feasible, lo, hi, ceiling, describe):
    """Smallest whole N in (lo, ceiling] with ``is_feasible(N, rows)`` true, per row.

    Gallops hi up (hi -> 2 hi + 8, at most ``ceiling``) until feasible, then bisects; every
    KPI is monotone in N. ``describe(rows)`` words the InputError for rows that cannot be
    met even at the ceiling.
    """
    lo = lo.astype(float).copy()
    hi = np.minimum(np.maximum(hi, lo + 1.0), ceiling).astype(float)
    idx = np.arange(lo.size)
    while idx.size:
        ok = is_feasible(hi[idx], idx)
        bad = idx[~ok & (hi[idx] >= ceiling[idx])]
        if bad.size:
            raise InputError(describe(bad))
        idx = idx[~ok]
        lo[idx] = hi[idx]
        hi[idx] = np.minimum(2.0 * hi[idx] + 8.0, ceiling[idx])
    idx = np.nonzero(hi - lo > 1)[0]
    while idx.size:
        mid = np.floor((lo[idx] + hi[idx]) / 2.0)
        ok = is_feasible(mid, idx)
        hi[idx[ok]] = mid[ok]
        lo[idx[~ok]] = mid[~ok]
        idx = idx[hi[idx] - lo[idx] > 1]
    return hi


def check_target(target):
    if (target.sl_target == 0 and target.asa_target_s is None and target.max_occupancy is None
            and target.max_abandon is None):
        raise InputError("no service target to staff for: give sl_target, asa_target_s, "
                         "max_occupancy or max_abandon", param="sl_target")
    check_convention(target.sl_convention)
    if (target.patience_s is not None and target.sl_convention in ("answered", "wait")
            and target.max_abandon is None):
        raise InputError(f"sl_convention '{target.sl_convention}' with abandonment needs "
                         "max_abandon: without it, a tiny headcount meets the service level "
                         "because most callers hang up", param="sl_convention")


def required_agents(traffic_erl, aht_s, target, *, lines=None, redial_share=0.0,
                    redial_delay_s=None):
    """Smallest whole number of agents meeting every target of ``target`` (a
    :class:`wfmcore.targets.ServiceTarget`: sl_target, sl_threshold_s, sl_convention,
    asa_target_s, max_occupancy, max_abandon, patience_s) in Erlang X, per interval.

    With lines the answer is at most L (N <= L); a target L agents cannot meet raises
    InputError naming the load and the lines. Zero-load intervals need target.min_agents.
    ``redial_delay_s`` as in :func:`kpis` (None: the fixed point; seconds: the exact chain).
    """
    check_target(target)
    a_in = _array(traffic_erl, "traffic_erl")
    if lines is not None and (np.asarray(lines, dtype=float) < 1).any():
        raise InputError("lines must be >= 1 to staff a queue (a line per agent at least)",
                         param="lines")
    aht_in = _array(aht_s, "aht_s", positive=True)
    r_in = _check_redial(redial_share)
    li_in = None if lines is None else _array(lines, "lines", whole=True)
    d_in = _check_delay(redial_delay_s)
    parts = [a_in, aht_in, r_in] + [v for v in (li_in, d_in) if v is not None]
    shape = np.broadcast_shapes(*(p.shape for p in parts))
    a, aht, r = (np.broadcast_to(p, shape).ravel().astype(float) for p in parts[:3])
    li = None if li_in is None else np.broadcast_to(li_in, shape).ravel().astype(float)
    d = None if d_in is None else np.broadcast_to(d_in, shape).ravel().astype(float)
    res = np.zeros(a.shape)
    live = np.nonzero(a > 0)[0]
    if live.size:
        al, ahtl, rl = a[live], aht[live], r[live]
        lil = None if li is None else li[live]
        dl = None if d is None else d[live]
        pat = None if target.patience_s is None else np.full(al.size, target.patience_s)
        t = np.full(al.size, float(target.sl_threshold_s))
        a_max = al / (1.0 - rl)                       # every attempt redialled as often as can be
        if lil is None:
            ceiling = np.ceil(a_max + 60.0 * np.sqrt(a_max) + 1000.0)
            if target.max_occupancy is not None:
                ceiling = ceiling + np.ceil(a_max / target.max_occupancy)
        else:
            ceiling = np.maximum(lil, 1.0)

        def is_feasible(n, rows):
            args = (n, al[rows] / ahtl[rows], ahtl[rows], t[rows],
                    None if pat is None else pat[rows], None if lil is None else
                    np.maximum(lil[rows], n), rl[rows], target.sl_convention)
            with_asa = target.asa_target_s is not None
            if dl is None:
                k = _solve(*args, with_asa=with_asa)
            else:
                k = _solve_retrial(*args, dl[rows], with_asa=with_asa)
            return feasible(k, target) & (n >= 1)

        def describe(rows):
            worst = rows[np.argmax(al[rows])]
            if lil is None:
                return ("the service targets cannot be met by any reasonable headcount (over "
                        f"{int(ceiling[worst])} agents for {al[worst]:g} Erlangs); relax them")
            return (f"the service targets cannot be met with {lil[worst]:g} lines for "
                    f"{al[worst]:g} Erlangs (not even with an agent on every line); add "
                    "lines or relax the targets")

        hi = np.maximum(1.0, np.ceil(al + 2.0 * np.sqrt(al)))
        res[live] = search_agents(is_feasible, np.zeros(al.size), hi, ceiling, describe)
    res = np.maximum(res, target.min_agents).astype(np.int64).reshape(shape)
    return int(res) if res.ndim == 0 else res
