"""Erlang Chat: agents handle up to c chats at once, handle time depending on the load.

The model of Koole's CCmath Erlang Chat calculator ("the extension of the Erlang X model:
agents can handle multiple chats at the same time ... the time spent on a certain chat could
increase when working on multiple chats at the same time"; CCmath Python package, whose AHT
"should be a range ... the number of elements determines the maximum number of concurrent
chats that an agent can do"):

* N agents with c = len(aht_s_by_concurrency) slots each; an agent holding k chats works
  each of them at mean handle time AHT[k], so it completes chats at rate k / AHT[k];
* chats arrive as a Poisson stream; a chat that finds every slot busy waits (FCFS) and
  abandons after an exponential patience; a chat that finds ``lines`` chats in the system
  is blocked;
* **assumption**: the chats in service are spread as evenly as possible over the agents
  (with n <= N c chats, n mod N agents hold ceil(n / N) and the others floor(n / N)) -- the
  state that routing each new chat to the least-loaded agent aims at (Enqvist & Svensson
  2019, "A state dependent chat system model", ICORES: route "as evenly as possible"). The
  number of chats in the system is then a birth-death chain with death rate
  r g(q + 1) + (N - r) g(q) at n = q N + r <= N c, g(k) = k / AHT[k], and N g(c) +
  (n - N c) theta above. It is exact when the spread is kept even (chats rebalanced as others
  end) and the usual one-dimensional reduction otherwise. It is CCmath's: it reproduces
  CCmath's published Erlang Chat example to every printed digit (4 chats/min, AHT 3, 3.5,
  4 min, 5 agents, patience 1 min, 100 lines, AWT 0.333 min: abandonment 15.44 %, occupancy
  86.78 %, ASA 0.22 min, service level 74.44 % -- the page prints 75.44 %, a typo: 74.44 % is
  the virtual service level, and no convention gives 75.44 %).

The chain is solved exactly by :func:`erlang.erlang_x.chain_kpis` (log space; waits are the
hypoexponential sums of Exp(N g(c) + i theta) of :mod:`erlang.erlang_x`), with the same
conventions and denominators (``p_block`` over offered chats, the other shares over accepted
chats). ``occupancy`` = busy slots / (N c), as CCmath counts it (the share of agents holding at
least one chat would be 99.93 % in the example); ``mean_concurrency`` = chats in service /
agents holding at least one chat. With c = 1 the model is Erlang A (with lines, Erlang X).
The chain is cut where the states left out weigh < e^-75 of the largest (without lines
there is no other end).
"""

from __future__ import annotations

import numpy as np

from erlang.erlang_x import (
    CONVENTIONS,
    chain_kpis,
    check_target,
    feasible,
    search_agents,
    tail_cut,
)
from wfmcore.errors import InputError

KEYS = ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon", "p_block",
        "mean_concurrency")
#: most states of a chain without lines (a queue without patience this close to overload
#: needs lines, or patience, to be staffed)
MAX_STATES = 200_000


def check_aht_list(aht_s_by_concurrency):
    """The handle times by concurrency as a float array; InputError if unusable."""
    name = "aht_s_by_concurrency"
    if isinstance(aht_s_by_concurrency, str | bytes | dict) or not isinstance(
            aht_s_by_concurrency, list | tuple | np.ndarray):
        raise InputError(f"{name} must be a list of handle times in seconds, one per number "
                         f"of chats held (1, 2, ...); got {aht_s_by_concurrency!r}", param=name)
    try:
        aht = np.asarray(aht_s_by_concurrency, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a list of numbers (seconds); got "
                         f"{aht_s_by_concurrency!r}", param=name) from None
    if aht.ndim != 1 or aht.size < 1:
        raise InputError(f"{name} must list at least one handle time (concurrency >= 1); got "
                         f"{aht_s_by_concurrency!r}", param=name)
    if not np.isfinite(aht).all() or (aht <= 0).any():
        raise InputError(f"{name} must be finite handle times > 0 seconds; got "
                         f"{aht_s_by_concurrency!r}", param=name)
    return aht


def _rates(aht):
    """g(k) = k / AHT[k] for k = 0..c (g(0) = 0)."""
    return np.concatenate([[0.0], np.arange(1.0, aht.size + 1.0) / aht])


def _death(n_agents, g, theta, width):
    """Death rates d_1..d_width of the chain, rows = intervals (the balanced spread)."""
    c = g.size - 1
    k = np.arange(1.0, width + 1.0)[None, :]
    na = n_agents[:, None]
    slots = na * c
    q = np.minimum(np.floor(k / na), c).astype(np.int64)
    r = np.where(k < slots, k - q * na, 0.0)
    below = r * g[np.minimum(q + 1, c)] + (na - r) * g[q]
    above = na * g[c] + (k - slots) * theta[:, None]
    return np.where(k <= slots, below, above)


def _evaluate(n, lam, aht, t, pat, lines, conv):
    """KPIs on 1-d arrays (n agents, lam per second); lines may be None (unlimited)."""
    m = n.size
    c = aht.size
    g = _rates(aht)
    out = {k: np.zeros(m) for k in KEYS}
    out["service_level"][:] = 1.0
    out["log_sl_shortfall"] = np.full(m, -np.inf)
    theta = np.zeros(m) if pat is None else 1.0 / pat
    slots = n * c
    full = n * g[c]
    # cut the chain where its tail weighs nothing (erlang_x.tail_cut); without lines that
    # is the whole chain, and without patience at or above capacity it never ends
    cut = tail_cut(lam, slots, full, theta)
    li = cut if lines is None else np.minimum(lines, cut)
    beyond = cut < (np.inf if lines is None else lines)
    live = (lam > 0) & (n > 0)
    unstable = live & ~np.isfinite(li)
    if unstable.any():   # no patience, no lines, arrivals at or above capacity
        for k, v in (("service_level", 0.0), ("p_wait", 1.0), ("asa_s", np.inf),
                     ("occupancy", 1.0), ("mean_concurrency", float(c)),
                     ("log_sl_shortfall", 0.0)):
            out[k][unstable] = v
        live &= ~unstable
    nobody = (lam > 0) & (n == 0)
    for k, v in (("p_wait", 1.0), ("p_abandon", 1.0), ("service_level", 0.0),
                 ("asa_s", np.inf), ("log_sl_shortfall", 0.0), ("p_block", 1.0)):
        out[k][nobody] = v
    if live.any():
        if lines is None and li[live].max() > MAX_STATES:
            raise InputError("a chat queue without patience this close to overload needs "
                             f"lines (over {MAX_STATES} chats in the system to sum); give "
                             "lines or patience_s", param="lines")
        nl, laml, thl, lil, tl = (v[live] for v in (n, lam, theta, li, t))
        width = int(lil.max())
        death = _death(nl, g, thl, width)
        states = np.arange(width + 1.0)[None, :]
        sl_ = slots[live][:, None]
        weights = {"occupancy": np.minimum(states, sl_) / sl_,
                   "in_service": np.minimum(states, sl_),
                   "agents_busy": np.minimum(states, nl[:, None])}
        res = chain_kpis(laml, death, slots[live], full[live], thl, lil, tl, conv, weights)
        for key in ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon", "p_block",
                    "log_sl_shortfall"):
            out[key][live] = res[key]
        out["mean_concurrency"][live] = res["in_service"] / res["agents_busy"]
        out["p_block"][live & beyond] = 0.0
    return out


def _prepare_common(arrivals_per_s, aht_s_by_concurrency, sl_threshold_s, patience_s,
                    sl_convention):
    if sl_convention not in CONVENTIONS:
        raise InputError(f"sl_convention must be one of {', '.join(CONVENTIONS)}; got "
                         f"{sl_convention!r}", param="sl_convention")
    aht = check_aht_list(aht_s_by_concurrency)
    lam = _nonneg(arrivals_per_s, "arrivals_per_s")
    t = _nonneg(sl_threshold_s, "sl_threshold_s")
    pat = None
    if patience_s is not None:
        pat = _nonneg(patience_s, "patience_s")
        if (pat <= 0).any():
            raise InputError(f"patience_s must be > 0 seconds; got {float(pat.min()):g}",
                             param="patience_s")
    return aht, lam, t, pat


def _nonneg(value, name, whole=False):
    arr = np.asarray(value, dtype=float)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise InputError(f"{name} must be a finite number >= 0", param=name)
    if whole and (arr != np.floor(arr)).any():
        raise InputError(f"{name} must be a whole number >= 0", param=name)
    return arr


def _check_lines(lines, agents):
    if lines is None:
        return None
    li = _nonneg(lines, "lines", whole=True)
    n_b, l_b = np.broadcast_arrays(agents, li)
    if (l_b < n_b).any():
        bad = np.argmax(l_b < n_b)
        raise InputError(f"lines must be >= agents; got lines {l_b.flat[bad]:g} for "
                         f"{n_b.flat[bad]:g} agents", param="lines")
    return li


def kpis(agents, arrivals_per_s, aht_s_by_concurrency, sl_threshold_s, patience_s, *,
         lines=None, sl_convention="offered"):
    """Erlang Chat KPIs for N = ``agents`` (arrays broadcast; 0-d arrays for scalars).

    ``aht_s_by_concurrency[k-1]`` is the mean handle time of each chat while its agent holds
    k chats (its length is the concurrency c); ``patience_s=None``: nobody abandons;
    ``lines``: most chats in the system (None = unlimited). Returns ``service_level``,
    ``p_wait``, ``asa_s``, ``occupancy``, ``p_abandon``, ``p_block``, ``mean_concurrency``.
    """
    aht, lam, t, pat = _prepare_common(arrivals_per_s, aht_s_by_concurrency, sl_threshold_s,
                                       patience_s, sl_convention)
    n = _nonneg(agents, "agents", whole=True)
    li = _check_lines(lines, n)
    parts = [n, lam, t] + ([] if pat is None else [pat]) + ([] if li is None else [li])
    shape = np.broadcast_shapes(*(p.shape for p in parts))
    flat = [np.broadcast_to(p, shape).ravel().astype(float) for p in parts]
    n, lam, t = flat[:3]
    rest = flat[3:]
    pat = rest.pop(0) if pat is not None else None
    li = rest.pop(0) if li is not None else None
    k = _evaluate(n, lam, aht, t, pat, li, sl_convention)
    return {key: (k[key] + 0.0).reshape(shape) for key in KEYS}


def required_agents(arrivals_per_s, aht_s_by_concurrency, target, *, lines=None):
    """Smallest whole number of agents meeting every target of ``target`` (a
    :class:`wfmcore.targets.ServiceTarget`; patience_s None = nobody abandons) per interval.

    With ``lines`` the answer is at most the lines; a target that an agent on every line
    cannot meet raises InputError naming the arrivals and the lines.
    """
    check_target(target)
    if lines is not None and (np.asarray(lines, dtype=float) < 1).any():
        raise InputError("lines must be >= 1 to staff a queue", param="lines")
    aht, lam_in, _, _ = _prepare_common(arrivals_per_s, aht_s_by_concurrency,
                                        target.sl_threshold_s, target.patience_s,
                                        target.sl_convention)
    li_in = None if lines is None else _nonneg(lines, "lines", whole=True)
    shape = np.broadcast_shapes(lam_in.shape, () if li_in is None else li_in.shape)
    lam = np.broadcast_to(lam_in, shape).ravel().astype(float)
    li = None if li_in is None else np.broadcast_to(li_in, shape).ravel().astype(float)
    res = np.zeros(lam.shape)
    live = np.nonzero(lam > 0)[0]
    if live.size:
        laml = lam[live]
        lil = None if li is None else li[live]
        a1 = laml * aht[0]                           # the load if every chat were alone
        t = np.full(laml.size, float(target.sl_threshold_s))
        pat = None if target.patience_s is None else np.full(laml.size, target.patience_s)
        if lil is None:
            ceiling = np.ceil(a1 + 60.0 * np.sqrt(a1) + 1000.0)
            if target.max_occupancy is not None:
                ceiling = ceiling + np.ceil(a1 / target.max_occupancy)
        else:
            ceiling = np.maximum(lil, 1.0)

        def is_feasible(n, rows):
            k = _evaluate(n, laml[rows], aht, t[rows], None if pat is None else pat[rows],
                          None if lil is None else lil[rows], target.sl_convention)
            return feasible(k, target) & (n >= 1)

        def describe(rows):
            worst = rows[np.argmax(laml[rows])]
            per_min = laml[worst] * 60.0
            if lil is None:
                return ("the service targets cannot be met by any reasonable headcount (over "
                        f"{int(ceiling[worst])} agents for {per_min:g} chats per minute); "
                        "relax them")
            return (f"the service targets cannot be met with {lil[worst]:g} lines for "
                    f"{per_min:g} chats per minute (not even with an agent on every line); "
                    "add lines or relax the targets")

        hi = np.maximum(1.0, np.ceil((a1 + 2.0 * np.sqrt(a1)) / aht.size))
        res[live] = search_agents(is_feasible, np.zeros(laml.size), hi, ceiling, describe)
    res = np.maximum(res, target.min_agents).astype(np.int64).reshape(shape)
    return int(res) if res.ndim == 0 else res


__all__ = ["check_aht_list", "kpis", "required_agents"]
