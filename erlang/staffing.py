"""Staffing: service targets, required agents, the KPIs of a headcount, shrinkage.

Definitions, used everywhere in wfm:

* offered load A (Erlangs) = calls x aht_s / (interval_min x 60)
* service level = calls answered within T / calls offered (abandoned calls count against);
  ``sl_convention="answered"`` divides by answered calls instead, ``"wait"`` gives
  P(time in queue <= T) over all callers. In Erlang C all three coincide.
* ASA = mean wait of answered calls (s); occupancy = busy agent time / staffed agent time.
* required agents = the smallest integer N meeting every target given; scheduled agents =
  ceil(required / (1 - shrinkage)).

The model follows the target (:attr:`~wfmcore.targets.ServiceTarget.model`): Erlang C, Erlang A
(patience), Erlang X (:mod:`erlang.erlang_x`: finite lines, redials) or chat
(:mod:`erlang.chat`: ``concurrency`` chats per agent). A chat queue without
``aht_s_by_concurrency`` has the same handle time at every concurrency, so its agents are
exactly N x c independent slots (the chain's death rate min(n, N c) / AHT is Erlang A's with
N c servers): staffed as N c servers of Erlang C / A / X, N = ceil(servers / c). Deferred
work (email, back office) is staffed over a day of intervals (:mod:`erlang.deferred`), not
here.

A target counts as met when it holds to 1e-12 relative (so 35.7 Erlangs at a 0.85 cap needs
42 agents, not 43, although 35.7/42 is 0.8500000000000001 in binary floating point).
Targets no headcount can meet (service level 1, abandonment 0, ASA 0) are refused up front.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from erlang import chat, erlang_a, erlang_c, erlang_x
from erlang._special import log_inv_erlang_b
from wfmcore import checks
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget

__all__ = ["ServiceTarget", "kpis", "offered_load", "required_agents", "scheduled_agents"]

#: relative tolerance within which a target counts as met (see module docstring)
TARGET_RTOL = 1e-12
#: largest offered load accepted per interval (the formulas are checked up to 10^6)
MAX_LOAD_ERL = 1e8


def offered_load(calls, aht_s, interval_min):
    """Offered load in Erlangs: A = calls x aht_s / (interval_min x 60)."""
    return np.asarray(calls, dtype=float) * np.asarray(aht_s, dtype=float) / (
        np.asarray(interval_min, dtype=float) * 60.0)


def check_load_inputs(traffic_erl, aht_s, what="traffic_erl"):
    """Raise InputError for NaN/negative load or AHT, or AHT <= 0 where there is traffic."""
    a = np.asarray(traffic_erl, dtype=float)
    aht = np.asarray(aht_s, dtype=float)
    if np.isnan(a).any() or (a < 0).any() or np.isinf(a).any():
        raise InputError(f"{what} must be a finite number >= 0")
    if (a > MAX_LOAD_ERL).any():
        raise InputError(f"{what} of {float(a.max()):.3g} Erlangs is beyond any contact centre "
                         f"(wfm works up to {MAX_LOAD_ERL:.0e} Erlangs per interval)")
    a_b, aht_b = np.broadcast_arrays(a, aht)
    if np.isnan(aht_b).any() or (aht_b < 0).any() or np.isinf(aht_b).any():
        raise InputError("aht_s must be a finite number >= 0")
    if ((aht_b == 0) & (a_b > 0)).any():
        raise InputError("aht_s must be > 0 where calls are offered")


def kpis(agents, traffic_erl, aht_s, target: ServiceTarget | None = None):
    """Service level, P(wait), ASA, occupancy, P(abandon) and P(block) for a given headcount.

    Answers "what service level do I get with 40 people?". Arrays broadcast; returns a dict
    of arrays (0-d for scalar input), by the target's model (module docstring).
    """
    target = target or ServiceTarget()
    check_load_inputs(traffic_erl, aht_s)
    n = np.asarray(agents, dtype=float)
    if np.isnan(n).any() or (n < 0).any() or (n != np.floor(n)).any():
        raise InputError("agents must be a whole number >= 0")
    a = np.asarray(traffic_erl, dtype=float)
    aht = np.where(np.asarray(aht_s, dtype=float) > 0, aht_s, 1.0)  # AHT irrelevant if A = 0
    model = target.model
    _refuse_deferred(target)
    if model == "chat" and target.aht_s_by_concurrency is not None:
        out = chat.kpis(n, a / aht, target.aht_s_by_concurrency, target.sl_threshold_s,
                        target.patience_s, lines=target.lines,
                        sl_convention=target.sl_convention, routing=target.chat_routing)
        out.pop("mean_concurrency")
        return out
    servers = n * _slots(target)
    if model == "erlang_x" or (model == "chat" and target.lines is not None):
        out = erlang_x.kpis(servers, a, aht, target.sl_threshold_s, target.patience_s,
                            lines=target.lines, redial_share=target.redial_share,
                            sl_convention=target.sl_convention,
                            redial_delay_s=target.redial_delay_s)
        out.pop("retrial_factor")
        return out
    if target.patience_s is None:
        out = erlang_c.kpis(servers, a, aht, target.sl_threshold_s)
        out.pop("log_p_wait_gt_t")
    else:
        out = erlang_a.kpis(servers, a, aht, target.sl_threshold_s, target.patience_s,
                            sl_convention=target.sl_convention)
        out.pop("log_sl_shortfall")
    out["p_block"] = np.zeros(np.shape(out["occupancy"]))
    return out


def _slots(target: ServiceTarget) -> int:
    """Servers per agent: ``concurrency`` for chat, else 1."""
    return (target.concurrency or 1) if target.model == "chat" else 1


def _refuse_deferred(target: ServiceTarget) -> None:
    if target.model == "deferred":
        raise InputError(f"channel {target.channel} is deferred work: it is staffed over a day "
                         "of intervals against its deadline (wfm staff, wfm plan), not one "
                         "interval at a time", param="channel")


def _tol_log(value):
    return math.log(value) + TARGET_RTOL


def _max_agents(a):
    """Search ceiling above the stability / occupancy start: far beyond any sane target
    (A + 60 sqrt(A) + 1000)."""
    return np.ceil(a + 60.0 * np.sqrt(a) + 1000.0)


def _ceil_tol(x):
    """ceil(x) that ignores float noise above an integer (relative 1e-12, at most 1e-7)."""
    x = np.asarray(x, dtype=float)
    return np.ceil(x - np.minimum(np.abs(x) * TARGET_RTOL, 1e-7))


def _required_erlang_c(a, aht, target: ServiceTarget):
    """Smallest N > A meeting the targets, stepping N up from the lowest admissible value
    (stability N > A, occupancy N >= A/cap) with the Erlang-B recursion
    B_N = A B_{N-1} / (N + A B_{N-1}): exact, stable going up, and O(N* - A) cheap steps.

    B at the start comes from the closed form. The steps run on B itself (no logarithms);
    intervals whose B would underflow (extreme targets or caps) finish in log space.
    """
    n = np.floor(a) + 1.0
    if target.max_occupancy is not None:
        n = np.maximum(n, _ceil_tol(a / target.max_occupancy))
    log_r, _ = log_inv_erlang_b(n, a)
    res = np.zeros(a.shape)
    n_start = n.copy()
    sl_short = (1.0 - target.sl_target) * (1 + TARGET_RTOL) if target.sl_target > 0 else None
    asa_max = target.asa_target_s * (1 + TARGET_RTOL) if target.asa_target_s is not None else None
    t = target.sl_threshold_s

    linear = log_r < 600.0
    idx = np.nonzero(linear)[0]
    b = np.exp(-log_r[idx])
    ni, ai, ahti = n[idx], a[idx], aht[idx]
    decay = np.exp(-t / ahti)                 # exp(-T/AHT): one more agent, one more factor
    tail = np.exp(-(ni - ai) * t / ahti)      # exp(-(N - A) T / AHT)
    found = np.zeros(idx.size)                # first N that met the targets (0 = none yet)
    ceiling = n_start[idx] + _max_agents(ai)
    steps = 0
    while idx.size:
        c = b / (1.0 - (ai / ni) * (1.0 - b))
        ok = found == 0
        if sl_short is not None:
            ok &= c * tail <= sl_short
        if asa_max is not None:
            ok &= c * ahti <= asa_max * (ni - ai)
        found[ok] = ni[ok]
        tiny = (b < 1e-250) & (found == 0)  # about to lose precision: finish in log space
        done = (found > 0) | tiny
        n_done = int(np.count_nonzero(done))
        # compacting costs a copy of every array: do it when it pays (1/8 done) or is cheap
        if n_done and (n_done * 8 >= idx.size or idx.size < 4096):
            hit = found > 0
            res[idx[hit]] = found[hit]
            n[idx[tiny]] = ni[tiny]
            log_r[idx[tiny]] = -np.log(b[tiny])
            keep = ~done
            idx, b, ni, ai, ahti, decay, tail, found, ceiling = (
                v[keep] for v in (idx, b, ni, ai, ahti, decay, tail, found, ceiling))
        ni = ni + 1.0
        ab = ai * b
        b = ab / (ni + ab)
        tail = tail * decay
        steps += 1
        if steps % 64 == 0 and idx.size and ((ni > ceiling) & (found == 0)).any():
            _raise_unreachable(ai[(ni > ceiling) & (found == 0)])
    rest = np.nonzero(res == 0)[0]
    if rest.size:
        res[rest] = _required_erlang_c_log(n[rest], log_r[rest], a[rest], aht[rest], target,
                                           n_start[rest])
    return res


def _raise_unreachable(a):
    raise InputError("the service targets cannot be met by any reasonable headcount "
                     f"(over {int(_max_agents(a).max())} agents for {a.max():g} Erlangs); "
                     "relax them")


def _required_erlang_c_log(n, log_r, a, aht, target: ServiceTarget, n_start):
    """The same search as ``_required_erlang_c`` on log(1/B), for B below 1e-250."""
    res = np.zeros(a.shape)
    ceiling = n_start + _max_agents(a)
    log_sl_short = _tol_log(1.0 - target.sl_target) if target.sl_target > 0 else None
    log_asa = _tol_log(target.asa_target_s) if target.asa_target_s is not None else None
    t = target.sl_threshold_s
    idx = np.arange(a.size)
    while idx.size:
        ni, ai = n[idx], a[idx]
        lr = log_r[idx]
        rho = ai / ni
        log_1m_rho = np.log1p(-rho)
        log_c = -(lr + log_1m_rho + np.log1p(rho * np.exp(-(lr + log_1m_rho))))
        ok = np.ones(idx.size, dtype=bool)
        if log_sl_short is not None:
            ok &= log_c - (ni - ai) * t / aht[idx] <= log_sl_short
        if log_asa is not None:
            ok &= log_c + np.log(aht[idx]) - np.log(ni - ai) <= log_asa
        res[idx[ok]] = ni[ok]
        idx = idx[~ok]
        if idx.size and (n[idx] >= ceiling[idx]).any():
            _raise_unreachable(a[idx])
        n[idx] += 1.0
        # log R_N = log(1 + (N/A) R_{N-1})
        log_r[idx] = np.logaddexp(0.0, log_r[idx] + np.log(n[idx] / a[idx]))
    return res


def _feasible_erlang_a(n, a, aht, target: ServiceTarget):
    out = erlang_a.kpis(n, a, aht, target.sl_threshold_s, target.patience_s,
                        sl_convention=target.sl_convention,
                        with_asa=target.asa_target_s is not None)
    ok = n >= 1
    if target.sl_target > 0:
        ok &= out["log_sl_shortfall"] <= _tol_log(1.0 - target.sl_target)
    if target.max_abandon is not None:
        ok &= out["p_abandon"] <= target.max_abandon * (1 + TARGET_RTOL)
    if target.asa_target_s is not None:
        ok &= out["asa_s"] <= target.asa_target_s * (1 + TARGET_RTOL)
    if target.max_occupancy is not None:
        ok &= out["occupancy"] <= target.max_occupancy * (1 + TARGET_RTOL)
    return ok


def _required_erlang_a(a, aht, target: ServiceTarget):
    """Smallest N >= 1 meeting the targets in Erlang A, by vectorised bisection.

    The search starts at N = 0, so answers below the offered load are found (with
    abandonment they often are). Every KPI is monotone in N, so bisection is exact.
    """
    lo = np.zeros(a.shape)  # N = 0 answers nobody: never feasible when A > 0
    hi = np.maximum(1.0, np.ceil(a + 2.0 * np.sqrt(a)))
    ceiling = _max_agents(a)
    if target.max_occupancy is not None:
        # occupancy A (1 - P_ab) / N <= A / N: the cap alone never needs more than A / cap
        ceiling = np.maximum(ceiling, _ceil_tol(a / target.max_occupancy) + _max_agents(a))
    idx = np.arange(a.size)
    while idx.size:  # gallop up until hi is feasible
        ok = _feasible_erlang_a(hi[idx], a[idx], aht[idx], target)
        idx = idx[~ok]
        if idx.size and (hi[idx] >= ceiling[idx]).any():
            raise InputError("the service targets cannot be met by any reasonable headcount "
                             f"(over {int(ceiling[idx].max())} agents for "
                             f"{a[idx].max():g} Erlangs); relax them")
        lo[idx] = hi[idx]
        hi[idx] = np.minimum(2.0 * hi[idx] + 8.0, ceiling[idx])
    idx = np.nonzero(hi - lo > 1)[0]
    while idx.size:
        mid = np.floor((lo[idx] + hi[idx]) / 2.0)
        ok = _feasible_erlang_a(mid, a[idx], aht[idx], target)
        hi[idx[ok]] = mid[ok]
        lo[idx[~ok]] = mid[~ok]
        idx = idx[hi[idx] - lo[idx] > 1]
    return hi


def _check_solvable(target: ServiceTarget):
    """Refuse target sets whose 'smallest N' is meaningless."""
    if (target.sl_target == 0 and target.asa_target_s is None and target.max_occupancy is None
            and target.max_abandon is None):
        raise InputError("no service target to staff for: give sl_target, asa_target_s, "
                         "max_occupancy or max_abandon", param="sl_target")
    if (target.patience_s is not None and target.sl_convention in ("answered", "wait")
            and target.max_abandon is None):
        raise InputError(f"sl_convention '{target.sl_convention}' with abandonment needs "
                         "max_abandon: without it, a tiny headcount meets the service level "
                         "because most callers hang up", param="sl_convention")


def required_agents(traffic_erl, aht_s, target: ServiceTarget | None = None):
    """Smallest whole number of agents meeting every target in ``target``, per interval.

    Scalars or arrays; zero-load intervals need ``target.min_agents`` (default 0).
    Erlang C (Gans, Koole & Mandelbaum 2003) unless ``target.patience_s`` selects Erlang A
    (Mandelbaum & Zeltyn 2007); finite ``lines`` or redials select Erlang X, a chat channel
    Erlang Chat (module docstring).
    """
    target = target or ServiceTarget()
    _check_solvable(target)
    _refuse_deferred(target)
    check_load_inputs(traffic_erl, aht_s)
    a_in = np.asarray(traffic_erl, dtype=float)
    a, aht = np.broadcast_arrays(a_in, np.asarray(aht_s, dtype=float))
    a = a.ravel()
    aht = aht.ravel()
    res = np.zeros(a.shape)
    live = a > 0
    model = target.model
    if live.any():
        if model == "chat" and target.aht_s_by_concurrency is not None:
            res[live] = chat.required_agents(a[live] / aht[live], target.aht_s_by_concurrency,
                                             replace(target, min_agents=0), lines=target.lines,
                                             routing=target.chat_routing)
        else:
            slots = _slots(target)
            if model == "erlang_x" or target.lines is not None:
                servers = erlang_x.required_agents(a[live], aht[live],
                                                   replace(target, min_agents=0),
                                                   lines=target.lines,
                                                   redial_share=target.redial_share,
                                                   redial_delay_s=target.redial_delay_s)
            elif target.patience_s is None:
                servers = _required_erlang_c(a[live], aht[live], target)
            else:
                servers = _required_erlang_a(a[live], aht[live], target)
            res[live] = np.ceil(np.asarray(servers, dtype=float) / slots)
    res = np.maximum(res, target.min_agents).astype(np.int64)
    res = res.reshape(np.broadcast_shapes(a_in.shape, np.shape(aht_s)))
    return int(res) if res.ndim == 0 else res


def scheduled_agents(required, shrinkage):
    """Agents to schedule so ``required`` remain after shrinkage: ceil(required / (1 - s)).

    Always rounded up, never to nearest (float noise of 1e-12 relative is ignored, so
    8 / (1 - 0.2) is 10, not 11).
    """
    s = checks.share(shrinkage, "shrinkage")
    req = np.asarray(required, dtype=float)
    if np.isnan(req).any() or (req < 0).any() or (req > 1e15).any():
        raise InputError("agents must be a number from 0 to 10^15")
    out = _ceil_tol(req / (1.0 - s)).astype(np.int64)
    return int(out) if out.ndim == 0 else out
