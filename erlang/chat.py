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

``routing="least_loaded"`` drops the even-spread assumption: a new chat goes to an agent
holding the fewest and chats never move (what a chat platform does, and the simulator's
default). The exact chain is then on the agents' occupancy profile (how many hold 0, 1, ...,
c chats; :func:`least_loaded_law`), C(N + c, c) states plus the queue, solved by one sparse
LU per interval up to :data:`MAX_PROFILE_STATES` (N = 110 at c = 3); above, InputError:
use "even", the many-server limit (bench/bench_channels.py: staffed for SL 80 % in 20 s at
c = 3, the service-level gap between the two falls from 0.24 point at 3 agents to under
0.01 at 48, and the headcounts agree from 1 to 80 chats/min there; with a few agents they
can differ by one, tests). With k / AHT[k] concave (AHT rising with the chats held) the
even spread completes chats fastest (Jensen's inequality); least-loaded routing drifts from
it as chats end, so it serves a little worse, with more chats per busy agent. With c = 1
the two are the same chain (Erlang A / X).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.linalg import splu

from erlang.erlang_x import (
    CONVENTIONS,
    chain_kpis,
    check_target,
    feasible,
    search_agents,
    seen_kpis,
    tail_cut,
)
from wfmcore.errors import InputError, InternalError

KEYS = ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon", "p_block",
        "mean_concurrency")
#: most states of a chain without lines (a queue without patience this close to overload
#: needs lines, or patience, to be staffed)
MAX_STATES = 200_000
ROUTINGS = ("even", "least_loaded")
#: most occupancy profiles C(N + c, c) the least-loaded chain solves: one sparse LU of
#: 234,136 states (N = 110, c = 3) takes 1.2 s and 0.64 GB, of 585,276 (N = 150) 4.3 s and
#: 1.7 GB (bench_channels.py, "Cost of the least-loaded chat chain"), of 1,373,701
#: (N = 200) 18 s and 7 GB (measured once); a staffing search solves it 2 to 4 times
#: per interval
MAX_PROFILE_STATES = 250_000


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


def profile_states(n_agents, concurrency):
    """Occupancy profiles of N agents with c slots each (agents holding 0..c chats):
    C(N + c, c), the size of the least-loaded chain before its queue."""
    return math.comb(int(n_agents) + int(concurrency), int(concurrency))


def _check_profile_size(n_agents, concurrency):
    size = profile_states(n_agents, concurrency)
    if size > MAX_PROFILE_STATES:
        raise InputError(
            f'routing="least_loaded" with {int(n_agents)} agents at concurrency '
            f"{concurrency} is a chain of {size:,} occupancy profiles, over the "
            f"{MAX_PROFILE_STATES:,} it solves; use routing=\"even\" (the many-server limit: "
            f"{GAP_EVIDENCE})", param="routing")


#: the bench's evidence that "even" approaches least-loaded as agents grow (bench_channels.py,
#: section "Even spread against least-loaded routing by headcount" of bench/RESULTS.md)
GAP_EVIDENCE = ("staffed for SL 80 % in 20 s at c = 3 the service-level gap falls from 0.24 "
                "point at 3 agents to 0.03 at 25 and under 0.01 at 48, bench_channels.py")


def _profiles(n_agents, c):
    """Every (a_1..a_c) >= 0 with a_1 + ... + a_c <= N, one row each (a_k = agents
    holding k chats; a_0 = N - the sum)."""
    arr = np.zeros((1, 0), dtype=np.int64)
    room = np.array([n_agents], dtype=np.int64)
    for _ in range(c):
        counts = room + 1
        parent = np.repeat(np.arange(arr.shape[0]), counts)
        starts = np.cumsum(counts) - counts
        vals = np.arange(int(counts.sum())) - np.repeat(starts, counts)
        arr = np.column_stack([arr[parent], vals])
        room = room[parent] - vals
    return arr


def least_loaded_law(n_agents, arrivals_per_s, g, theta, width):
    """The chain of least-loaded routing without moving chats, solved exactly.

    State: the occupancy profile (a_0..a_c), a_k agents holding k chats (agents are
    exchangeable and the work memoryless, so who holds what and the tie rule do not matter);
    an arrival goes to an agent of the lowest level (a_k -> a_k - 1, a_{k+1} + 1), a
    completion at level k comes at rate a_k g(k), g(k) = k / AHT[k]. A queue forms only
    when every agent holds c, and the agent who finishes takes its head, so the profile stays
    full: the queue is a birth-death tail on the full profile F (births lambda, deaths
    N g(c) + q theta), summed in closed form (the chain censored on the profiles is the
    profile chain without F's arrivals). At most ``width`` chats in the system (lines, or the
    tail cut); with width < N c the profiles reachable from the empty one. One sparse LU
    (scipy SuperLU, natural order of the profile codes a_1 + a_2 (N + 1) + ..., which keeps
    the fill banded) with pi(ref) = 1 at the even profile of the even chain's mode.

    Returns (w, busy): w[n] (n = 0..width) the law of the number of chats, largest 1, and
    busy = sum pi (N - a_0) on the same scale (agents holding at least one chat).
    """
    c = g.size - 1
    n_ag = int(n_agents)
    width = int(width)
    slots = n_ag * c
    a = _profiles(n_ag, c)
    chats = a @ np.arange(1, c + 1)
    keep = chats <= width
    a, chats = a[keep], chats[keep]
    radix = (n_ag + 1) ** np.arange(c, dtype=np.int64)
    code = a @ radix
    order = np.argsort(code, kind="stable")
    a, chats, code = a[order], chats[order], code[order]
    held = np.column_stack([n_ag - a.sum(axis=1), a])            # a_0..a_c
    step = np.concatenate([[0], radix])                          # code of one agent at k
    rows, cols, vals = [], [], []
    up = np.nonzero((held[:, c] < n_ag) & (chats < width))[0]    # F's go to the queue
    low = np.argmax(held[up, :c] > 0, axis=1)
    rows.append(up)
    cols.append(np.searchsorted(code, code[up] + step[low + 1] - step[low]))
    vals.append(np.full(up.size, float(arrivals_per_s)))
    for k in range(1, c + 1):
        s = np.nonzero(held[:, k] > 0)[0]
        rows.append(s)
        cols.append(np.searchsorted(code, code[s] + step[k - 1] - step[k]))
        vals.append(held[s, k] * g[k])
    src, dst, rate = (np.concatenate(v) for v in (rows, cols, vals))
    size = code.size
    if width < slots:       # lines below the slots: keep the profiles the empty one reaches
        adj = sparse.csr_matrix((np.ones(src.size), (src, dst)), shape=(size, size))
        reach = np.zeros(size, dtype=bool)
        reach[breadth_first_order(adj, 0, directed=True, return_predecessors=False)] = True
        if not reach.all():
            new = np.cumsum(reach) - 1
            sel = reach[src]
            src, dst, rate = new[src[sel]], new[dst[sel]], rate[sel]
            held, chats, code = held[reach], chats[reach], code[reach]
            size = code.size
    # the reference: the even profile at the mode of the even chain (a likely state)
    top = min(width, slots)
    k_ = np.arange(1, top + 1)
    q, r = k_ // n_ag, k_ % n_ag
    even_death = r * g[np.minimum(q + 1, c)] + (n_ag - r) * g[np.minimum(q, c)]
    with np.errstate(divide="ignore"):
        mode = int(np.argmax(np.concatenate([[0.0], np.cumsum(np.log(arrivals_per_s)
                                                              - np.log(even_death))])))
    q, r = divmod(mode, n_ag)
    ref_code = n_ag * step[c] if q >= c else r * step[q + 1] + (n_ag - r) * step[q]
    ref = int(np.searchsorted(code, ref_code))
    if ref >= size or code[ref] != ref_code:
        raise InternalError("the even profile is missing from the least-loaded chain")
    out_rate = np.bincount(src, weights=rate, minlength=size)
    idx = np.arange(size)
    a_t = sparse.csr_matrix((np.concatenate([rate, -out_rate]),
                             (np.concatenate([dst, idx]), np.concatenate([src, idx]))),
                            shape=(size, size))                  # Q transposed
    pi = np.ones(size)
    if size > 1:
        other = np.r_[0:ref, ref + 1:size]
        rhs = -np.asarray(a_t[other][:, [ref]].todense()).ravel()
        lu = splu(a_t[other][:, other].tocsc(), permc_spec="NATURAL")
        pi[other] = lu.solve(rhs)
    if not np.isfinite(pi).all():
        raise InternalError("the least-loaded chain's linear system is singular")
    pi = np.maximum(pi, 0.0)                                     # rounding negatives
    with np.errstate(divide="ignore"):
        log_w = np.log(np.bincount(chats, weights=pi, minlength=top + 1))
        if width > slots:                                        # the queue on F
            qs = np.arange(1.0, width - slots + 1.0)
            log_w = np.concatenate([log_w, log_w[slots] + np.cumsum(
                np.log(arrivals_per_s) - np.log(n_ag * g[c] + qs * theta))])
    shift = log_w.max()
    w = np.exp(log_w - shift)
    busy = float(pi @ (n_ag - held[:, 0])) * np.exp(-shift) + n_ag * w[slots + 1:].sum()
    return w, busy


def _evaluate_least_loaded(n, lam, aht, t, theta, li, conv):
    """KPIs of least-loaded routing, row by row (:func:`least_loaded_law`, then the waits of
    :func:`erlang.erlang_x.seen_kpis`: a queued chat waits as in M/M/N+M at N g(c))."""
    c = aht.size
    g = _rates(aht)
    res = {k: np.zeros(n.size) for k in ("service_level", "p_wait", "asa_s", "occupancy",
                                         "p_abandon", "p_block", "log_sl_shortfall",
                                         "mean_concurrency")}
    for i in range(n.size):
        _check_profile_size(n[i], c)
    for i in range(n.size):
        w, busy = least_loaded_law(n[i], lam[i], g, theta[i], li[i])
        slots = n[i] * c
        one = np.array([slots])
        k = seen_kpis(w[None, :], one, np.array([n[i] * g[c]]), theta[i:i + 1],
                      np.array([float(li[i])]), t[i:i + 1], conv)
        for key, v in k.items():
            res[key][i] = v[0]
        in_service = float(w @ np.minimum(np.arange(w.size), slots))
        res["occupancy"][i] = in_service / w.sum() / slots
        res["mean_concurrency"][i] = in_service / busy
    return res


def _evaluate(n, lam, aht, t, pat, lines, conv, routing="even"):
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
        if routing == "least_loaded":
            res = _evaluate_least_loaded(nl, laml, aht, tl, thl, lil, conv)
            for key, v in res.items():
                out[key][live] = v
            out["p_block"][live & beyond] = 0.0
            return out
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


def check_routing(routing):
    if routing not in ROUTINGS:
        raise InputError(f"routing must be one of {', '.join(ROUTINGS)}; got {routing!r}",
                         param="routing")
    return routing


def kpis(agents, arrivals_per_s, aht_s_by_concurrency, sl_threshold_s, patience_s, *,
         lines=None, sl_convention="offered", routing="even"):
    """Erlang Chat KPIs for N = ``agents`` (arrays broadcast; 0-d arrays for scalars).

    ``aht_s_by_concurrency[k-1]`` is the mean handle time of each chat while its agent holds
    k chats (its length is the concurrency c); ``patience_s=None``: nobody abandons;
    ``lines``: most chats in the system (None = unlimited). ``routing``: "even" (the
    birth-death chain of chats spread evenly, CCmath's) or "least_loaded" (a new chat to an
    agent holding the fewest, chats never move: :func:`least_loaded_law`, exact, one sparse
    solve per row, at most :data:`MAX_PROFILE_STATES` profiles C(N + c, c), else
    InputError). Returns ``service_level``, ``p_wait``, ``asa_s``, ``occupancy``,
    ``p_abandon``, ``p_block``, ``mean_concurrency``.
    """
    check_routing(routing)
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
    k = _evaluate(n, lam, aht, t, pat, li, sl_convention, routing)
    return {key: (k[key] + 0.0).reshape(shape) for key in KEYS}


def required_agents(arrivals_per_s, aht_s_by_concurrency, target, *, lines=None,
                    routing="even"):
    """Smallest whole number of agents meeting every target of ``target`` (a
    :class:`wfmcore.targets.ServiceTarget`; patience_s None = nobody abandons) per interval.

    With ``lines`` the answer is at most the lines; a target that an agent on every line
    cannot meet raises InputError naming the arrivals and the lines. ``routing`` as in
    :func:`kpis`; "least_loaded" starts from the even answer and steps one agent at a time
    (the two differ by an agent or so; every KPI is monotone in N), an InputError if a
    headcount it needs has over :data:`MAX_PROFILE_STATES` profiles.
    """
    check_routing(routing)
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
        if routing == "least_loaded":
            res[live] = _step_least_loaded(res[live], laml, aht, t, pat, lil, ceiling,
                                           target, describe)
    res = np.maximum(res, target.min_agents).astype(np.int64).reshape(shape)
    return int(res) if res.ndim == 0 else res


def _step_least_loaded(start, lam, aht, t, pat, lines, ceiling, target, describe):
    """Per row: the smallest N meeting the targets under least-loaded routing, found by
    single steps from ``start`` (the even answer): down while N - 1 is feasible, else up
    until N is."""
    out = start.copy()
    for i in range(start.size):
        def ok(n, i=i):
            k = _evaluate(np.array([float(n)]), lam[i:i + 1], aht, t[i:i + 1],
                          None if pat is None else pat[i:i + 1],
                          None if lines is None else lines[i:i + 1], target.sl_convention,
                          "least_loaded")
            return bool(feasible(k, target)[0]) and n >= 1
        n = max(float(start[i]), 1.0)
        if ok(n):
            while n > 1 and ok(n - 1):
                n -= 1
        else:
            while True:
                if n >= ceiling[i]:
                    raise InputError(describe(np.array([i])))
                n += 1
                if ok(n):
                    break
        out[i] = n
    return out


__all__ = ["MAX_PROFILE_STATES", "ROUTINGS", "check_aht_list", "kpis", "least_loaded_law",
           "profile_states", "required_agents"]
