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

from erlang import erlang_a, erlang_c
from erlang.erlang_b import blocking
from wfmcore.errors import InputError
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
    rows = np.arange(m)
    li = lines.astype(np.int64)
    w_top = w[rows, li]
    p_block = w_top / z
    # accepted callers see n < L: psi_n = pi_n / (1 - pi_L), summed without 1 - pi_L
    w_acc = w.copy()
    w_acc[rows, li] = 0.0
    z_acc = w_acc.sum(axis=1)
    out = {"p_block": p_block}
    for k, wt in weights.items():
        out[k] = (w * wt).sum(axis=1) / z
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


def _prepare(agents, traffic_erl, aht_s, sl_threshold_s, patience_s, lines, redial_share,
             sl_convention):
    check_convention(sl_convention)
    n = _array(agents, "agents", whole=True)
    a = _array(traffic_erl, "traffic_erl")
    aht = _array(aht_s, "aht_s", positive=True)
    t = _array(sl_threshold_s, "sl_threshold_s")
    pat = None if patience_s is None else _array(patience_s, "patience_s", positive=True)
    li = _check_lines(lines, n)
    r = _check_redial(redial_share)
    parts = [n, a, aht, t, r] + ([] if pat is None else [pat]) + ([] if li is None else [li])
    shape = np.broadcast_shapes(*(p.shape for p in parts))
    flat = [np.broadcast_to(p, shape).ravel().astype(float) for p in parts]
    n, a, aht, t, r = flat[:5]
    rest = flat[5:]
    pat = rest.pop(0) if pat is not None else None
    li = rest.pop(0) if li is not None else None
    return shape, n, a, aht, t, pat, li, r


def kpis(agents, traffic_erl, aht_s, sl_threshold_s, patience_s, *, lines=None,
         redial_share=0.0, sl_convention="offered"):
    """Erlang X KPIs for N = ``agents`` and the FRESH offered load ``traffic_erl``.

    ``patience_s=None``: nobody abandons (Erlang C, with lines M/M/N/L); ``lines=None``:
    unlimited lines. Arrays broadcast; returns a dict of arrays (0-d for scalars) with
    ``service_level``, ``p_wait``, ``asa_s``, ``occupancy``, ``p_abandon``, ``p_block``,
    ``retrial_factor`` (offered attempts / fresh calls). See the module docstring for the
    denominators.
    """
    shape, n, a, aht, t, pat, li, r = _prepare(agents, traffic_erl, aht_s, sl_threshold_s,
                                               patience_s, lines, redial_share, sl_convention)
    k = _solve(n, a / aht, aht, t, pat, li, r, sl_convention)
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


def required_agents(traffic_erl, aht_s, target, *, lines=None, redial_share=0.0):
    """Smallest whole number of agents meeting every target of ``target`` (a
    :class:`wfmcore.targets.ServiceTarget`: sl_target, sl_threshold_s, sl_convention,
    asa_target_s, max_occupancy, max_abandon, patience_s) in Erlang X, per interval.

    With lines the answer is at most L (N <= L); a target L agents cannot meet raises
    InputError naming the load and the lines. Zero-load intervals need target.min_agents.
    """
    check_target(target)
    a_in = _array(traffic_erl, "traffic_erl")
    if lines is not None and (np.asarray(lines, dtype=float) < 1).any():
        raise InputError("lines must be >= 1 to staff a queue (a line per agent at least)",
                         param="lines")
    aht_in = _array(aht_s, "aht_s", positive=True)
    r_in = _check_redial(redial_share)
    li_in = None if lines is None else _array(lines, "lines", whole=True)
    parts = [a_in, aht_in, r_in] + ([] if li_in is None else [li_in])
    shape = np.broadcast_shapes(*(p.shape for p in parts))
    a, aht, r = (np.broadcast_to(p, shape).ravel().astype(float) for p in parts[:3])
    li = None if li_in is None else np.broadcast_to(li_in, shape).ravel().astype(float)
    res = np.zeros(a.shape)
    live = np.nonzero(a > 0)[0]
    if live.size:
        al, ahtl, rl = a[live], aht[live], r[live]
        lil = None if li is None else li[live]
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
            k = _solve(n, al[rows] / ahtl[rows], ahtl[rows], t[rows],
                       None if pat is None else pat[rows], None if lil is None else
                       np.maximum(lil[rows], n), rl[rows], target.sl_convention,
                       with_asa=target.asa_target_s is not None)
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
