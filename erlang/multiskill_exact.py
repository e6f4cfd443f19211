"""The exact Markov chain of a small multi-skill centre in steady state (one interval).

The model of :mod:`erlang.skills` with Poisson arrivals per call type (rate
``calls_per_hour / 3600``), exponential handling with the group's mean (``model.aht_s``:
type AHT x the group's proficiency factor), exponential patience per type and the routing
of that module's docstring, with every overflow delay 0 (a delay is a deterministic clock the
chain has no state for: refused). The chain is exact for that routing with one qualification,
ties between *groups* of the same rank for an arriving call: the model says "the agent idle
longest", which needs the order agents became idle in; the chain takes a random idle agent
of the tied groups (each group with probability proportional to its idle agents). Among the
agents of one group the choice does not matter (they are identical and memoryless), so
instances without such ties are exact.

State
-----
``b[i, k]``, the agents of group i busy with a type-k call (for every pair that can serve),
and ``q[k]``, the calls of type k waiting. Under the routing a call waits only if no group
with its skill has an idle agent, so ``q[k] > 0`` only where every group serving k is fully
busy; the enumerated state space is exactly that set. Transitions:

* a type-k arrival (rate lambda_k) takes an idle agent of the groups serving k of lowest rank
  (ties: above), else joins ``q[k]``;
* a completion in pair (i, k) (rate ``b[i, k] / aht[i, k]``): the agent takes the head of the
  first waiting type in group i's skill list, else becomes idle;
* an abandonment of type k (rate ``q[k] / patience_k``).

Truncation
----------
The calls waiting in all, ``sum_k q[k]``, are truncated at a level L (an arrival finding L
calls waiting is dropped; a simplex, not a box, so four queues cost C(L + 4, 4) queue vectors,
not (L + 1)^4). L starts at 16 and doubles until the mass beyond it, estimated by the
geometric tail of the total queue's marginal, ``p(L) / (1 - r)``, ``r = p(L) / p(L - 1)``,
is below ``tail_tol`` (default 1e-12). That is an *a posteriori* estimate, not a proof: it
is exact for a birth-death queue with a constant ratio above L (Erlang C) and conservative
where patience makes the ratio fall with the queue (Erlang A); the result carries it
(``tail_mass``). Instances whose state space would exceed ``max_states`` (default
400,000) are refused with an InputError, and so is a queue whose tail does not decay by then
(too few agents: an impatient type whose queue grows without bound).

KPIs per type, by PASTA and a tagged call
-----------------------------------------
An arriving type-k call sees the stationary distribution pi. It waits iff every group serving
k is busy: ``p_wait``. A waiting call's future depends only on the calls *ahead* of it
(FCFS within its type; calls behind it never change what an agent picks while it waits), so
its wait is the absorption time of a transient chain on the states with every k-group busy,
``(b, q[-k], j)`` with j calls ahead: the main chain's moves with ``q[k] = j + 1`` except
type-k arrivals (behind it), absorbed "served" when an agent picks type k with j = 0 and
"abandoned" at rate 1/patience_k. With alpha = pi on those states, Q_T the transient
generator and r_s, r_a its absorption rates (the phase-type distribution of the wait):

* x = alpha (-Q_T)^-1 (one sparse solve); P(abandon) = x r_a; mean wait of all calls = x 1;
  E[W; served] = x (-Q_T)^-1 r_s, so ASA (answered calls) = E[W; served] / P(served);
* service level (answered within T over offered, abandons against) = 1 - p_wait +
  P(served by T), P(served by T) = sum_m P(N(Lambda T) > m) v_m r_s / Lambda by
  uniformisation (v_m = alpha P^m, P = I + Q_T / Lambda, Lambda the largest exit rate), the
  sum cut where the Poisson tail or the mass still waiting, sum v_m, is below 1e-15 (a
  rigorous bound on the error: every later term is at most that).

Per group occupancy = E[busy agents] / agents. References: the chain is the one of Koole &
Talim (2000) and of Wallace & Whitt (2005, M&SOM 7(4):276-294) for small instances;
uniformisation: Jensen (1953), Gross & Miller (1984).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import LinearOperator, gmres, spilu, splu
from scipy.special import pdtrc

from erlang.skills import SkillsModel
from wfmcore.errors import InputError, InternalError

__all__ = ["ExactKpis", "MAX_STATES", "UnstableError", "exact_distribution", "exact_kpis"]

#: largest state space solved (GMRES on an incomplete LU: seconds to a minute at this size)
MAX_STATES = 200_000
#: first truncation level of every queue (grown x2 until the tail is negligible)
FIRST_LEVEL = 16
#: SuperLU's column ordering (minimum degree on A^T + A: the fastest on these chains)
ORDERING = "MMD_AT_PLUS_A"
#: chains up to this size are solved by sparse LU; larger ones (where the LU of several
#: queues fills in) by GMRES preconditioned with an incomplete LU, to a relative residual
#: of ITERATIVE_RTOL
DIRECT_MAX = 12_000
ITERATIVE_RTOL = 1e-14
#: a queue whose truncated tail still grows at this level is taken as unstable
UNSTABLE_LEVEL = 128
#: the Poisson sum of the uniformisation is cut where its tail is below this
POISSON_TAIL = 1e-15


class UnstableError(InputError):
    """The staffing cannot hold the load: a queue of impatient callers grows without bound
    (an InputError; a staffing search takes it as every target missed)."""


@dataclass(frozen=True)
class ExactKpis:
    """Stationary KPIs of the exact chain: per type (``K``) and per group (``I``) arrays.

    ``service_level``: answered within the type's ``sl_threshold_s`` / offered (abandons
    against); ``p_wait``: P(wait > 0); ``asa_s``: mean wait of answered calls;
    ``mean_wait_s``: mean time in queue of all calls (abandoned ones until they hang up);
    ``p_abandon``; ``mean_queue``: E[calls waiting]; ``occupancy`` per group (0 for a group
    without agents). ``queue_level``: the truncation L of the calls waiting in all;
    ``tail_mass``: the estimated probability beyond it; ``n_states``: size of the chain.
    """

    service_level: np.ndarray
    p_wait: np.ndarray
    asa_s: np.ndarray
    mean_wait_s: np.ndarray
    p_abandon: np.ndarray
    mean_queue: np.ndarray
    occupancy: np.ndarray
    queue_level: int
    tail_mass: float
    n_states: int


def _simplex(m: int, total: int) -> np.ndarray:
    """Every vector of m whole numbers >= 0 summing to at most ``total`` (rows)."""
    if m == 0:
        return np.zeros((1, 0), dtype=np.int64)
    if m == 1:
        return np.arange(total + 1, dtype=np.int64)[:, None]
    blocks = []
    for v in range(total + 1):
        rest = _simplex(m - 1, total - v)
        blocks.append(np.hstack([np.full((len(rest), 1), v, dtype=np.int64), rest]))
    return np.vstack(blocks)


class _Chain:
    """The arrays of one instance (rates per second) and its state space for a given truncation."""

    def __init__(self, model: SkillsModel, lam: np.ndarray, agents: np.ndarray):
        self.model = model
        self.lam = lam
        self.agents = agents
        can = model.can_serve
        self.rank = model.rank
        aht = model.aht_s
        self.pairs = [(i, k) for i in range(model.n_groups) for k in range(model.n_types)
                      if can[i, k]]
        self.pair_index = {p: n for n, p in enumerate(self.pairs)}
        self.P = len(self.pairs)
        self.K = model.n_types
        self.I = model.n_groups
        self.mu = np.array([1.0 / aht[i, k] for i, k in self.pairs])
        pat = model.patience_s
        self.theta = np.where(np.isfinite(pat), 1.0 / pat, 0.0)
        self.groups_of = [np.nonzero(can[:, k])[0] for k in range(self.K)]
        # group i's pair columns, and its skills in priority order as type indices
        self.group_pairs = [np.array([self.pair_index[(i, k)] for k in range(self.K)
                                      if can[i, k]], dtype=np.int64) for i in range(self.I)]
        self.skill_order = [np.array([model.type_index(s) for s in g.skills], dtype=np.int64)
                            for g in model.groups]

    # --- state space -------------------------------------------------------------------
    def busy_configs(self) -> np.ndarray:
        """Every busy vector over the pairs (rows), group by group with sum <= agents."""
        out = np.zeros((1, 0), dtype=np.int64)
        for i in range(self.I):
            m = len(self.group_pairs[i])
            n = int(self.agents[i])
            block = _simplex(m, n)
            out = np.hstack([np.repeat(out, len(block), axis=0),
                             np.tile(block, (len(out), 1))])
            if len(out) > MAX_STATES:
                raise InputError(f"the exact chain of agents {self.agents.tolist()} has over "
                                 f"{MAX_STATES:,} busy configurations; use the simulator",
                                 param="agents")
        # columns are in group order, which is the order of self.pairs
        return out

    def full_mask(self, busy: np.ndarray) -> np.ndarray:
        """(rows x K): every group serving type k is fully busy."""
        group_busy = np.stack([busy[:, self.group_pairs[i]].sum(axis=1)
                               for i in range(self.I)], axis=1)
        full_g = group_busy >= self.agents[None, :]
        return np.stack([full_g[:, self.groups_of[k]].all(axis=1) for k in range(self.K)],
                        axis=1)

    def states(self, busy: np.ndarray, full: np.ndarray, level: int,
               max_states: int) -> np.ndarray:
        """Busy vectors with every queue vector allowed: q[k] > 0 only where type k's groups
        are all busy, at most ``level`` calls waiting in all."""
        patterns, inverse = np.unique(full, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        sizes = [int(np.count_nonzero(inverse == n)) * math.comb(level + int(pat.sum()),
                                                                   int(pat.sum()))
                 for n, pat in enumerate(patterns)]
        if sum(sizes) > max_states:
            raise InputError(f"the exact chain of agents {self.agents.tolist()} needs "
                             f"{sum(sizes):,} states with at most {level} calls waiting "
                             f"(limit {max_states:,}); use the simulator", param="agents")
        blocks = []
        for n, pat in enumerate(patterns):
            b = busy[inverse == n]
            m = int(pat.sum())
            grid = np.zeros((math.comb(level + m, m), self.K), dtype=np.int64)
            grid[:, np.nonzero(pat)[0]] = _simplex(m, level)
            blocks.append(np.hstack([np.repeat(b, len(grid), axis=0),
                                     np.tile(grid, (len(b), 1))]))
        return np.vstack(blocks)

    # --- transitions ---------------------------------------------------------------------
    def events(self, S: np.ndarray, level: int, skip_arrivals: int | None = None):
        """Every move out of the states ``S`` (rows): (row, destination state, rate, kind,
        type) with kind 0 arrival (dropped when ``level`` calls wait in all), 1 completion
        + pick of ``type``, 2 completion (agent idles), 3 abandonment of ``type`` (rate
        q[type] / patience)."""
        P, K = self.P, self.K
        busy = S[:, :P]
        q = S[:, P:]
        idle = np.stack([self.agents[i] - busy[:, self.group_pairs[i]].sum(axis=1)
                         for i in range(self.I)], axis=1)
        rows, dest, rate, kind, typ = [], [], [], [], []

        def add(r, d, v, kd, t):
            keep = v > 0
            rows.append(r[keep])
            dest.append(d[keep])
            rate.append(v[keep])
            kind.append(np.full(int(keep.sum()), kd))
            typ.append(np.full(int(keep.sum()), t))

        all_rows = np.arange(len(S))
        room = q.sum(axis=1) < level
        for k in range(K):
            if k == skip_arrivals or self.lam[k] == 0:
                continue
            g = self.groups_of[k]
            avail = idle[:, g] > 0
            r = np.where(avail, self.rank[g, k][None, :], np.iinfo(np.int64).max)
            tie = avail & (r == r.min(axis=1, keepdims=True))
            weight = np.where(tie, idle[:, g], 0).astype(float)
            total = weight.sum(axis=1)
            for col, i in enumerate(g):
                sel = weight[:, col] > 0
                d = S[sel].copy()
                d[:, self.pair_index[(i, k)]] += 1
                add(all_rows[sel], d, self.lam[k] * weight[sel, col] / total[sel], 0, k)
            wait = (total == 0) & room
            d = S[wait].copy()
            d[:, P + k] += 1
            add(all_rows[wait], d, np.full(len(d), self.lam[k]), 0, k)
        for p, (i, _k) in enumerate(self.pairs):
            has = busy[:, p] > 0
            rr, Sh = all_rows[has], S[has]
            # the freed agent takes the first type in its skill list with a call waiting
            waiting = q[has][:, self.skill_order[i]] > 0
            first = np.where(waiting.any(axis=1), waiting.argmax(axis=1), -1)
            v = busy[has, p] * self.mu[p]
            idles = first < 0
            d = Sh[idles].copy()
            d[:, p] -= 1
            add(rr[idles], d, v[idles], 2, -1)
            for pos, k2 in enumerate(self.skill_order[i]):
                sel = first == pos
                d = Sh[sel].copy()
                d[:, p] -= 1
                d[:, self.pair_index[(i, int(k2))]] += 1
                d[:, P + k2] -= 1
                add(rr[sel], d, v[sel], 1, int(k2))
        for k in range(K):
            if self.theta[k] == 0:
                continue
            sel = q[:, k] > 0
            d = S[sel].copy()
            d[:, P + k] -= 1
            add(all_rows[sel], d, q[sel, k] * self.theta[k], 3, k)
        return (np.concatenate(rows), np.vstack(dest) if dest else np.zeros((0, S.shape[1])),
                np.concatenate(rate), np.concatenate(kind), np.concatenate(typ))


class _Index:
    """Row number of a state by its mixed-radix code (states are unique rows)."""

    def __init__(self, S: np.ndarray, radix: np.ndarray):
        if float(np.prod(radix.astype(float))) >= 2.0 ** 62:
            raise InputError("the exact chain's state space is too large to index; use the "
                             "simulator", param="agents")
        self.stride = np.concatenate([np.cumprod(radix[::-1])[::-1][1:], [1]]).astype(np.int64)
        codes = S @ self.stride
        self.order = np.argsort(codes, kind="stable")
        self.sorted = codes[self.order]

    def find(self, D: np.ndarray) -> np.ndarray:
        """Rows of the states D; -1 where a state is not in the set."""
        codes = D @ self.stride
        pos = np.searchsorted(self.sorted, codes)
        pos = np.minimum(pos, len(self.sorted) - 1)
        hit = self.sorted[pos] == codes
        return np.where(hit, self.order[pos], -1)


class _Solver:
    """A sparse system A x = b (or A^T x = b): LU up to DIRECT_MAX unknowns, else GMRES
    with an incomplete-LU preconditioner (its residual checked)."""

    def __init__(self, A):
        self.A = sparse.csc_matrix(A)
        n = self.A.shape[0]
        if n <= DIRECT_MAX:
            self.lu, self.ilu = splu(self.A, permc_spec=ORDERING), None
        else:
            self.lu = None
            self.ilu = spilu(self.A, drop_tol=1e-6, fill_factor=10, permc_spec=ORDERING)

    def solve(self, b, trans: str = "N") -> np.ndarray:
        if self.lu is not None:
            return self.lu.solve(b, trans=trans)
        A = self.A.T.tocsc() if trans == "T" else self.A
        pre = LinearOperator(A.shape, lambda v: self.ilu.solve(v, trans=trans))
        x, info = gmres(A, b, M=pre, rtol=ITERATIVE_RTOL, atol=0.0, restart=100, maxiter=50)
        scale = max(float(np.abs(b).max()), 1e-300)
        if info != 0 and float(np.abs(A @ x - b).max()) > 1e-12 * scale:
            raise InputError(f"the exact chain's {A.shape[0]:,} equations did not converge; "
                             "use the simulator", param="agents")
        return x


def _stationary(n: int, rows, cols, rates) -> np.ndarray:
    """pi with pi Q = 0, sum pi = 1: Q^T pi = 0 with the first equation replaced by pi_0 = 1
    (state 0, everybody idle, is recurrent), then normalised. A sparse row keeps the LU
    sparse (a row of ones would fill it)."""
    out = np.bincount(rows, weights=rates, minlength=n)
    # Q^T: entry (col, row) = rate; diagonal -out
    r = np.concatenate([cols, np.arange(n)])
    c = np.concatenate([rows, np.arange(n)])
    v = np.concatenate([rates, -out])
    keep = r != 0
    r = np.concatenate([r[keep], [0]])
    c = np.concatenate([c[keep], [0]])
    v = np.concatenate([v[keep], [1.0]])
    A = sparse.csc_matrix((v, (r, c)), shape=(n, n))
    b = np.zeros(n)
    b[0] = 1.0
    pi = _Solver(A).solve(b)
    if not np.all(np.isfinite(pi)):
        raise InternalError("the exact chain's balance equations are singular")
    pi = np.maximum(pi, 0.0)
    return pi / pi.sum()


def _check(model: SkillsModel, calls_per_hour, agents):
    if not isinstance(model, SkillsModel):
        raise InputError("model must be an erlang.skills.SkillsModel", param="model")
    delay = model.delay_s
    if np.nansum(delay) > 0:
        i, k = np.argwhere(np.nan_to_num(delay) > 0)[0]
        raise InputError(f"the exact chain needs overflow delays of 0: group "
                         f"{model.group_names[i]} has {delay[i, k]:g} s for "
                         f"{model.type_names[k]} (simulate instead)", param="overflow_delay_s")
    lam = model.check_calls(calls_per_hour, "calls_per_hour")
    n = model.check_agents(agents)
    if lam.shape[0] != 1 or n.shape[0] != 1:
        raise InputError("the exact chain takes one interval: calls_per_hour with one value "
                         "per type and agents with one value per group", param="agents")
    # a type with calls that no agent on duty can take, and callers who never hang up:
    # its queue grows without bound (the balance equations have no solution)
    served = (model.can_serve.astype(np.int64).T @ n[0]) > 0
    stuck = (lam[0] > 0) & ~served & np.isinf(model.patience_s)
    if stuck.any():
        k = int(np.argmax(stuck))
        raise UnstableError(f"call type {model.type_names[k]} has calls and no agent on duty "
                            f"who may take them (agents {n[0].tolist()}), and its callers "
                            "never hang up: its queue grows without bound", param="agents")
    return lam[0] / 3600.0, n[0]


def _solve(model, calls_per_hour, agents, tail_tol, max_states, first_level):
    """The chain, its states, their index and pi at the first truncation whose tail is
    below ``tail_tol`` (module docstring)."""
    lam, n = _check(model, calls_per_hour, agents)
    ch = _Chain(model, lam, n)
    busy = ch.busy_configs()
    full = ch.full_mask(busy)
    K, P = ch.K, ch.P
    level = max(int(first_level), 2) if lam.sum() > 0 else 0
    radix_busy = np.repeat(n, [len(g) for g in ch.group_pairs]) + 1
    tail = 0.0
    while True:
        try:
            S = ch.states(busy, full, level, max_states)
        except InputError:
            if math.isinf(tail):       # the last truncation's tail was still growing
                raise UnstableError(f"the queue grows without bound with agents "
                                    f"{n.tolist()} (its tail does not decay at {level // 2} "
                                    "calls waiting): too few agents", param="agents") from None
            raise
        index = _Index(S, np.concatenate([radix_busy, np.full(K, level + 2)]))
        rows, D, rates, _, _ = ch.events(S, level)
        cols = index.find(D)
        if (cols < 0).any():
            raise InternalError("the exact chain moved outside its state space")
        pi = _stationary(len(S), rows, cols, rates)
        waiting = S[:, P:].sum(axis=1)
        at_l = pi[waiting == level].sum() if level else 0.0
        below = pi[waiting == level - 1].sum() if level else 0.0
        ratio = at_l / below if below > 0 else 0.0
        tail = at_l / (1.0 - ratio) if ratio < 1 else math.inf
        if tail <= tail_tol:
            break
        if math.isinf(tail) and level >= UNSTABLE_LEVEL:
            raise UnstableError(f"the queue grows without bound with agents {n.tolist()} "
                                "(its tail does not decay): too few agents", param="agents")
        level *= 2

    return ch, S, index, pi, level, tail


def exact_distribution(model: SkillsModel, calls_per_hour, agents, *, tail_tol: float = 1e-12,
                       max_states: int = MAX_STATES) -> pd.DataFrame:
    """The stationary distribution itself: one row per state, columns ``busy[group,type]``
    per pair that can serve, ``queue[type]`` per type, and ``p`` (tests, hand checks)."""
    ch, S, _, pi, _, _ = _solve(model, calls_per_hour, agents, tail_tol, max_states,
                                FIRST_LEVEL)
    names = ([f"busy[{model.group_names[i]},{model.type_names[k]}]" for i, k in ch.pairs]
             + [f"queue[{t}]" for t in model.type_names])
    out = pd.DataFrame(S, columns=names)
    out["p"] = pi
    return out


def exact_kpis(model: SkillsModel, calls_per_hour, agents, *, tail_tol: float = 1e-12,
               max_states: int = MAX_STATES, first_level: int = FIRST_LEVEL) -> ExactKpis:
    """Stationary KPIs of the exact chain (module docstring) for one interval.

    ``calls_per_hour``: one rate per type; ``agents``: one count per group. Raises
    InputError for overflow delays, a state space above ``max_states`` or a queue that does
    not settle (impatient callers, too few agents). ``first_level``: the truncation tried
    first (a search passes the level of the previous staffing, saving the doubling).
    """
    ch, S, index, pi, level, tail = _solve(model, calls_per_hour, agents, tail_tol, max_states,
                                           first_level)
    n = ch.agents
    K, P = ch.K, ch.P
    q = S[:, P:]
    group_busy = np.stack([S[:, ch.group_pairs[i]].sum(axis=1) for i in range(ch.I)], axis=1)
    occupancy = np.divide(pi @ group_busy, n, out=np.zeros(ch.I), where=n > 0)
    mean_queue = pi @ q
    out = {key: np.zeros(K) for key in ("service_level", "p_wait", "asa_s", "mean_wait_s",
                                        "p_abandon")}
    full_states = ch.full_mask(S[:, :P])
    for k in range(K):
        kp = _tagged(ch, S, index, pi, full_states[:, k], k, level,
                     model.types[k].sl_threshold_s)
        for key, value in kp.items():
            out[key][k] = value
    return ExactKpis(**out, mean_queue=mean_queue, occupancy=occupancy,
                     queue_level=int(level), tail_mass=float(tail), n_states=int(len(S)))


def _tagged(ch: _Chain, S, index: _Index, pi, full_k, k: int, level: int,
            threshold_s: float):
    """KPIs of a type-k arrival from the absorption of a tagged waiting call (docstring)."""
    P = ch.P
    idx_t = np.nonzero(full_k)[0]
    alpha = pi[idx_t]
    p_wait = float(alpha.sum())
    if p_wait == 0.0:
        return {"service_level": 1.0, "p_wait": 0.0, "asa_s": 0.0, "mean_wait_s": 0.0,
                "p_abandon": 0.0}
    local = np.full(len(S), -1, dtype=np.int64)
    local[idx_t] = np.arange(len(idx_t))
    shift = np.zeros(S.shape[1], dtype=np.int64)
    shift[P + k] = 1
    virtual = S[idx_t] + shift                     # q[k] = j + 1: the tagged call and j ahead
    # other types' arrivals: room while the real queue (virtual - 1) is below the level
    rows, D, rates, kind, typ = ch.events(virtual, level + 1, skip_arrivals=k)
    n_t = len(idx_t)
    served = np.zeros(n_t)
    abandon = np.zeros(n_t)
    # the tagged call's own patience: rate theta out of every transient state
    abandon[:] = ch.theta[k]
    is_ab_k = (kind == 3) & (typ == k)
    rates = np.where(is_ab_k, rates - ch.theta[k], rates)   # the j calls ahead: j theta
    back = D - shift
    picked_tagged = (kind == 1) & (typ == k) & (back[:, P + k] < 0)
    np.add.at(served, rows[picked_tagged], rates[picked_tagged])
    move = ~picked_tagged & (rates > 0)
    cols = local[np.maximum(index.find(back[move]), 0)]
    if (index.find(back[move]) < 0).any() or (cols < 0).any():
        raise InternalError("the tagged-call chain moved outside its state space")
    r, v = rows[move], rates[move]
    exit_rate = np.bincount(r, weights=v, minlength=n_t) + served + abandon
    # M = -Q_T: diagonal exit rates, off-diagonal -rate
    M = sparse.csc_matrix((np.concatenate([exit_rate, -v]),
                           (np.concatenate([np.arange(n_t), r]), np.concatenate([np.arange(n_t),
                                                                                 cols]))),
                          shape=(n_t, n_t))
    lu = _Solver(M)
    x = lu.solve(alpha, trans="T")
    h = lu.solve(served)
    p_served_waited = float(x @ served)
    p_abandon = float(x @ abandon)
    mean_wait = float(x.sum())
    served_wait = float(x @ h)
    p_served = (1.0 - p_wait) + p_served_waited
    asa = served_wait / p_served if p_served > 0 else math.inf
    # uniformisation: P(served by T) = sum_m P(N(Lambda T) > m) v_m served / Lambda
    late = 0.0
    if threshold_s > 0:
        lam_u = float(exit_rate.max())
        QT = sparse.csr_matrix((np.concatenate([-exit_rate, v]),
                                (np.concatenate([np.arange(n_t), cols]),
                                 np.concatenate([np.arange(n_t), r]))), shape=(n_t, n_t))
        # QT here is Q_T transposed: (Q_T^T v) gives the row vector v Q_T
        mean = lam_u * threshold_s
        vec = alpha.copy()
        m = 0
        while True:
            # stop where the Poisson tail, or the mass still waiting (which bounds every
            # later absorption), is below POISSON_TAIL: a rigorous bound on what is left
            sf = pdtrc(np.arange(m, m + 256), mean)
            for w in sf:
                late += w * float(vec @ served) / lam_u
                vec = vec + (QT @ vec) / lam_u
                m += 1
                if (w < POISSON_TAIL and m > mean) or vec.sum() < POISSON_TAIL:
                    break
            else:
                continue
            break
    sl = (1.0 - p_wait) + late
    return {"service_level": min(max(sl, 0.0), 1.0), "p_wait": p_wait, "asa_s": asa,
            "mean_wait_s": mean_wait, "p_abandon": p_abandon}
