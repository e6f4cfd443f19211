"""Staffing a multi-skill centre for one interval: agents per group so every call type meets
its service-level target at least cost.

Two steps, after Wallace & Whitt (2005, "A staffing algorithm for call centers with
skill-based routing", M&SOM 7(4):276-294) and Cezik & L'Ecuyer (2008, "Staffing multiskill
call centers via linear programming and simulation", Management Science 54(2):310-323):

1. :func:`fast_start`, the rule of Wallace & Whitt: the total is the pooled requirement (one
   Erlang C / A queue with the total load at the strictest target: WW's observation that a
   little cross-training gets close to full pooling); it is split over the types by
   square-root staffing, ``n_k = A_k + beta sqrt(A_k)`` with beta such that the n_k add up
   to the total; each type's n_k goes to the groups holding it as their *primary* skill
   (equally, times the group's proficiency factor, which makes a slower group need more
   agents for the same load); a type no group holds as primary goes to the groups holding it
   as their second skill, and so on down the skill lists. Group totals are rounded by
   largest remainder.
2. :func:`improve`, a search with an **oracle** (any callable ``agents (I,) -> per-type
   service level and its lower confidence bound``: the simulator, the exact chain, an
   approximation; :class:`OracleResult`), until every type's lower bound reaches its target
   minus ``sl_tolerance``:

   * the cutting-plane integer programme of Cezik & L'Ecuyer: at each visited point x the
     forward differences ``g_k(x + e_i) - g_k(x)`` (common random numbers: a simulation
     oracle is called with the same seed every time) give, for every type missing its target
     there, the cut ``g_k(x) + q_k (y - x) >= target_k``; HiGHS (:func:`scipy.optimize.milp`)
     gives the cheapest integer y meeting every cut so far; y is evaluated and the loop goes
     on until y meets every target (at most ``max_cuts_rounds`` rounds). The cuts are exact
     where the service level is concave in the agents (high service levels) and only
     heuristic below, as the paper says;
   * a local search with the same oracle: adding, while a target is missed, the agent whose
     finite difference reduces the total shortfall most per unit cost; then removing agents
     one at a time (most expensive groups first) while every target still holds; then, for
     up to ``swap_max_groups`` groups, moves that lower the cost: one agent out and one of a
     cheaper group in, or two out and one in; when none is feasible, **exchanges** of up to
     ``exchange_max_out`` (3) agents out for fewer (or cheaper) in, which shift load along a
     chain or ring of groups (three out, two in): candidates below some type's floor (its own
     Erlang requirement at its fastest AHT) are dropped, the rest ranked by the shortfall the
     oracle's finite differences at the point predict, and at most ``exchange_budget`` (40)
     evaluated per round (centres of up to ``exchange_max_groups`` (6) groups: the
     candidates grow as the groups to the sixth power).

   Deterministic: the oracle's own seeds are the only randomness. Oracle results are cached
   by staffing; :class:`SkillStaffing` reports how many distinct staffings were evaluated.

:func:`staff_skills` runs both and compares the result with the single-skill centre (each
type its own dedicated group, :func:`erlang.staffing.required_agents` per type) and with full
pooling (the pooled requirement of step 1). :func:`exhaustive` enumerates small instances
(tests and bench: the gap of the search to the optimum).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from erlang.multiskill_exact import ExactKpis, UnstableError, exact_kpis
from erlang.multiskill_sim import stationary_kpis
from erlang.skills import SkillsModel
from erlang.staffing import required_agents
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget

__all__ = ["OracleResult", "SkillStaffing", "exact_oracle", "exhaustive", "fast_start",
           "improve", "pooled_requirement", "simulation_oracle", "single_skill_requirement",
           "staff_skills"]

#: a target counts as met to this absolute slack in service level (float noise)
SL_ATOL = 1e-12
#: at most this many distinct staffings evaluated by one search
MAX_ORACLE_CALLS = 5000
#: at most this many exchange candidates evaluated per exchange round (improve, step 5)
EXCHANGE_BUDGET = 40


@dataclass(frozen=True)
class OracleResult:
    """What an oracle returns for one staffing: per type (K,) the service level estimate and
    its lower confidence bound (equal for an exact oracle); optionally ASA, abandonment
    (per type) and occupancy (per group, I)."""

    service_level: np.ndarray
    service_level_lo: np.ndarray
    asa_s: np.ndarray | None = None
    p_abandon: np.ndarray | None = None
    occupancy: np.ndarray | None = None


Oracle = Callable[[np.ndarray], object]


def as_oracle_result(value, n_types: int) -> OracleResult:
    """An oracle's answer as an :class:`OracleResult`: an OracleResult, an
    :class:`~erlang.multiskill_exact.ExactKpis` (lower bound = value), the simulator's
    ``StationaryKpis`` (its ``by_type`` / ``by_group`` frames) or a DataFrame with one row per
    type and columns ``service_level`` and ``service_level_lo``."""
    if isinstance(value, OracleResult):
        out = value
    elif isinstance(value, ExactKpis):
        out = OracleResult(value.service_level, value.service_level, value.asa_s,
                           value.p_abandon, value.occupancy)
    elif hasattr(value, "by_type") and isinstance(value.by_type, pd.DataFrame):
        bt = value.by_type
        occ = value.by_group["occupancy"].to_numpy(float) if hasattr(value, "by_group") else None
        out = OracleResult(bt["service_level"].to_numpy(float),
                           bt["service_level_lo"].to_numpy(float),
                           bt["asa_s"].to_numpy(float) if "asa_s" in bt else None,
                           bt["p_abandon"].to_numpy(float) if "p_abandon" in bt else None, occ)
    elif isinstance(value, pd.DataFrame):
        out = OracleResult(value["service_level"].to_numpy(float),
                           value["service_level_lo"].to_numpy(float),
                           value["asa_s"].to_numpy(float) if "asa_s" in value else None,
                           value["p_abandon"].to_numpy(float) if "p_abandon" in value else None)
    else:
        raise InputError(f"an oracle must return an OracleResult, ExactKpis, StationaryKpis or "
                         f"a DataFrame; got {type(value).__name__}", param="oracle")
    sl, lo = np.asarray(out.service_level, float), np.asarray(out.service_level_lo, float)
    if sl.shape != (n_types,) or lo.shape != (n_types,):
        raise InputError(f"the oracle returned {sl.shape[0] if sl.ndim else 1} service levels "
                         f"for {n_types} call types", param="oracle")
    # a type without calls has no measured service level (NaN): nothing to miss
    return OracleResult(np.nan_to_num(sl, nan=1.0), np.nan_to_num(lo, nan=1.0), out.asa_s,
                        out.p_abandon, out.occupancy)


def exact_oracle(model: SkillsModel, calls_per_hour, *, tail_tol: float = 1e-9,
                 max_states: int | None = None) -> Oracle:
    """The exact chain (:func:`erlang.multiskill_exact.exact_kpis`) as an oracle: lower bound
    = value. A staffing whose queue grows without bound scores 0 for every type."""
    kw = {} if max_states is None else {"max_states": max_states}
    n_types = model.n_types

    level = [16]           # start each chain at the truncation the last one needed

    def oracle(agents):
        try:
            kp = exact_kpis(model, calls_per_hour, agents, tail_tol=tail_tol,
                            first_level=level[0], **kw)
            level[0] = max(kp.queue_level, 2)
            return as_oracle_result(kp, n_types)
        except UnstableError:
            z = np.zeros(n_types)
            return OracleResult(z, z, np.full(n_types, np.inf), np.ones(n_types))

    return oracle


def simulation_oracle(model: SkillsModel, calls_per_hour, *, hours: float = 10.0,
                      replications: int = 10, seed=0) -> Oracle:
    """The simulator (:func:`erlang.multiskill_sim.stationary_kpis`) as an oracle, the same
    ``seed`` for every staffing (common random numbers: the same calls for every candidate).
    The lower bound is its 95 % confidence bound."""
    n_types = model.n_types

    def oracle(agents):
        return as_oracle_result(stationary_kpis(model, calls_per_hour, agents, hours=hours,
                                                replications=replications, seed=seed),
                                n_types)

    return oracle


@dataclass(frozen=True)
class SkillStaffing:
    """The staffing of one interval of a multi-skill centre.

    ``agents`` per group (I,); ``by_type``: per type calls_per_hour, sl_target,
    sl_threshold_s, service_level, service_level_lo (and asa_s, p_abandon when the oracle
    gives them), met; ``by_group``: group, agents, occupancy (NaN when the oracle gives
    none). ``total_agents`` and ``cost`` (sum of cost x agents); ``single_skill_agents``: the
    total if every type had its own dedicated group; ``pooled_agents``: the pooled
    requirement of the total load; ``fast_start``: the agents of the fast start;
    ``oracle_calls``: distinct staffings evaluated; ``iterations``: cutting-plane rounds,
    adds, removals and swaps; ``notes``.
    """

    agents: np.ndarray
    by_type: pd.DataFrame
    by_group: pd.DataFrame
    total_agents: int
    cost: float
    single_skill_agents: int
    pooled_agents: int
    fast_start: np.ndarray
    oracle_calls: int
    iterations: dict[str, int]
    notes: tuple[str, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------------
# The per-type targets and the reference requirements
# ------------------------------------------------------------------------------------------

def _calls(model: SkillsModel, calls_per_hour) -> np.ndarray:
    lam = model.check_calls(calls_per_hour, "calls_per_hour")
    if lam.shape[0] != 1:
        raise InputError("calls_per_hour must have one value per call type (one interval)",
                         param="calls_per_hour")
    return lam[0]


def _targets(model: SkillsModel, lam: np.ndarray) -> np.ndarray:
    """Per type the service level to reach; 0 where there is no target or no call."""
    return np.array([t.sl_target if lam[k] > 0 else 0.0 for k, t in enumerate(model.types)])


def _type_target(t) -> ServiceTarget:
    return ServiceTarget(sl_target=t.sl_target, sl_threshold_s=t.sl_threshold_s,
                         patience_s=t.patience_s)


def single_skill_requirement(model: SkillsModel, calls_per_hour) -> np.ndarray:
    """Agents per type if each type had its own dedicated group (its own Erlang C / A queue
    at the type's AHT and target): :func:`erlang.staffing.required_agents`."""
    lam = _calls(model, calls_per_hour)
    out = np.zeros(model.n_types, dtype=np.int64)
    for k, t in enumerate(model.types):
        if lam[k] > 0 and t.sl_target > 0:
            out[k] = required_agents(lam[k] * t.aht_s / 3600.0, t.aht_s, _type_target(t))
    return out


def pooled_requirement(model: SkillsModel, calls_per_hour) -> int:
    """Agents of one queue with the total load (Wallace & Whitt's first step): Erlangs
    ``sum_k lambda_k aht_k``, the call-weighted AHT, the strictest target (highest sl_target,
    shortest threshold of the types with a target), Erlang A with the call-weighted mean
    patience if every type has one, else Erlang C."""
    lam = _calls(model, calls_per_hour)
    target = _targets(model, lam)
    if lam.sum() == 0 or target.max() == 0:
        return 0
    aht = np.array([t.aht_s for t in model.types])
    load = float(lam @ aht) / 3600.0
    on = target > 0
    patience = model.patience_s
    pat = float(lam @ patience / lam.sum()) if np.all(np.isfinite(patience)) else None
    st = ServiceTarget(sl_target=float(target.max()),
                       sl_threshold_s=float(min(t.sl_threshold_s for t, o in
                                                zip(model.types, on, strict=True) if o)),
                       patience_s=pat)
    return int(required_agents(load, float(lam @ aht / lam.sum()), st))


def fast_start(model: SkillsModel, calls_per_hour) -> np.ndarray:
    """Agents per group of the Wallace & Whitt fast start (module docstring, step 1)."""
    lam = _calls(model, calls_per_hour)
    total = pooled_requirement(model, calls_per_hour)
    a = lam * np.array([t.aht_s for t in model.types]) / 3600.0
    if total == 0 or a.sum() == 0:
        return np.zeros(model.n_groups, dtype=np.int64)
    root = np.sqrt(a)
    beta = (total - a.sum()) / root.sum()
    n_type = np.maximum(a + beta * root, 0.0)
    rank, aht = model.rank, model.aht_s
    y = np.zeros(model.n_groups)
    for k in range(model.n_types):
        if n_type[k] == 0:
            continue
        holders = np.nonzero(rank[:, k] >= 0)[0]
        best = holders[rank[holders, k] == rank[holders, k].min()]
        factor = aht[best, k] / model.types[k].aht_s
        y[best] += n_type[k] / len(best) * factor
    n = np.floor(y).astype(np.int64)
    short = int(math.ceil(y.sum() - 1e-9)) - int(n.sum())
    if short > 0:
        order = np.argsort(-(y - n), kind="stable")
        n[order[:short]] += 1
    return n


# ------------------------------------------------------------------------------------------
# The search
# ------------------------------------------------------------------------------------------

class _Evaluator:
    """The oracle with a cache by staffing and the feasibility arithmetic."""

    def __init__(self, model, oracle, target, tolerance, max_calls):
        self.model, self.oracle = model, oracle
        self.target = target
        self.need = np.where(target > 0, target - tolerance - SL_ATOL, -np.inf)
        self.cache: dict[tuple, OracleResult] = {}
        self.max_calls = max_calls

    def __call__(self, x) -> OracleResult:
        key = tuple(int(v) for v in x)
        if key not in self.cache:
            if len(self.cache) >= self.max_calls:
                raise InputError(f"the staffing search evaluated {self.max_calls} staffings "
                                 "without meeting every target; raise max_oracle_calls or "
                                 "relax the targets", param="max_oracle_calls")
            self.cache[key] = as_oracle_result(self.oracle(np.array(key, dtype=np.int64)),
                                               self.model.n_types)
        return self.cache[key]

    def shortfall(self, x) -> np.ndarray:
        lo = self(x).service_level_lo
        return np.where(np.isfinite(self.need), np.maximum(self.need - lo, 0.0), 0.0)

    def feasible(self, x) -> bool:
        return bool(np.all(self.shortfall(x) <= 0))


def _cut_round(ev: _Evaluator, x, cuts, cost, upper):
    """Add the cuts of the types missing their target at x (forward differences) and solve
    the integer programme; None when it has no solution."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_g = len(x)
    g = ev(x).service_level_lo
    missing = np.nonzero(ev.shortfall(x) > 0)[0]
    if missing.size:
        grads = np.stack([ev(x + np.eye(n_g, dtype=np.int64)[i]).service_level_lo - g
                          for i in range(n_g)], axis=1)         # K x n_g
        for k in missing:
            q = np.maximum(grads[k], 0.0)
            if q.max() <= 0:
                continue       # flat here (e.g. unstable): no cut, the local search adds
            cuts.append((q, ev.need[k] - g[k] + q @ x))
    if not cuts:
        return None
    A = np.stack([c[0] for c in cuts])
    b = np.array([c[1] for c in cuts])
    res = milp(c=cost, integrality=np.ones(n_g), bounds=Bounds(0, upper),
               constraints=[LinearConstraint(A, lb=b, ub=np.inf),
                            LinearConstraint(np.ones((1, n_g)), lb=0, ub=upper.max())],
               options={"time_limit": 10.0})
    if res.x is None:
        return None
    return np.round(res.x).astype(np.int64)


def improve(model: SkillsModel, calls_per_hour, oracle: Oracle, start, *, cost=None,
            sl_tolerance: float = 0.0, max_total: int | None = None,
            max_oracle_calls: int = MAX_ORACLE_CALLS, max_cuts_rounds: int = 10,
            swap_max_groups: int = 6, exchange_max_out: int = 3,
            exchange_max_groups: int = 6,
            exchange_budget: int = EXCHANGE_BUDGET):
    """The search of the module docstring from ``start`` (agents per group).

    Returns ``(agents, info)``: info has ``oracle_calls``, ``iterations`` (cutting-plane
    rounds, adds, removals, swaps, exchanges) and ``result`` (the oracle's OracleResult at agents). A
    target counts as met when the oracle's lower bound is at least ``sl_target -
    sl_tolerance``. Raises InputError when the targets are not met with ``max_total``
    agents (default: 3 x the single-skill total + 10) or within ``max_oracle_calls``
    staffings.
    """
    lam = _calls(model, calls_per_hour)
    n_g = model.n_groups
    x = model.check_agents(start, "start")[0]
    c = np.ones(n_g) if cost is None else _cost(cost, n_g)
    if not 0 <= sl_tolerance < 1:
        raise InputError(f"sl_tolerance must be a share in [0, 1); got {sl_tolerance!r}",
                         param="sl_tolerance")
    if isinstance(exchange_max_out, bool) or not isinstance(exchange_max_out, int) or \
            exchange_max_out < 1:
        raise InputError(f"exchange_max_out must be a whole number >= 1; got "
                         f"{exchange_max_out!r}", param="exchange_max_out")
    target = _targets(model, lam)
    if max_total is None:
        max_total = 3 * int(single_skill_requirement(model, calls_per_hour).sum()) + 10
    ev = _Evaluator(model, oracle, target, sl_tolerance, max_oracle_calls)
    it = {"cut_rounds": 0, "adds": 0, "removals": 0, "swaps": 0, "exchanges": 0}
    if not np.any(target > 0):
        return np.zeros(n_g, dtype=np.int64), {"oracle_calls": 0, "iterations": it,
                                             "result": ev(np.zeros(n_g, dtype=np.int64))}

    # 1. cutting planes (Cezik & L'Ecuyer)
    cuts: list = []
    upper = np.full(n_g, float(max_total))
    best = x.copy() if ev.feasible(x) else None
    point = x.copy()
    for _ in range(max_cuts_rounds):
        if ev.feasible(point):
            break
        y = _cut_round(ev, point, cuts, c, upper)
        it["cut_rounds"] += 1
        if y is None or tuple(y) == tuple(point):
            break
        point = y
    if ev.feasible(point) and (best is None or c @ point < c @ best):
        best = point.copy()
    x = best if best is not None else point

    # 2. local search: add while a target is missed
    while not ev.feasible(x):
        if x.sum() >= max_total:
            worst = int(np.argmax(ev.shortfall(x)))
            raise InputError(f"the service targets cannot be met with {max_total} agents: "
                             f"{model.type_names[worst]} reaches "
                             f"{ev(x).service_level_lo[worst]:.3f} of its sl_target "
                             f"{target[worst]:.3f}; relax it or raise max_total",
                             param="sl_target")
        base = ev.shortfall(x).sum()
        gains = np.array([(base - ev.shortfall(x + _unit(n_g, i)).sum()) / c[i]
                          for i in range(n_g)])
        if gains.max() > 0:
            i = int(np.argmax(gains))
        else:   # nothing helps alone (flat oracle): a group of the worst-off type, cheapest
            worst = int(np.argmax(ev.shortfall(x)))
            holders = np.nonzero(model.can_serve[:, worst])[0]
            i = int(holders[np.argmin(c[holders] * 1e6 + model.rank[holders, worst])])
        x = x + _unit(n_g, i)
        it["adds"] += 1

    # 3. removals, most expensive groups first, then the group with most agents
    x = _remove(ev, x, c, it)
    # 4. moves that lower the cost (small instances): one out and one cheaper in, or two out
    # and one in; after each, removals again
    # 5. exchanges of up to exchange_max_out agents (three out, two in, ...), screened by
    # the oracle's finite differences at x, at most exchange_budget candidates per round
    if n_g <= max(swap_max_groups, exchange_max_groups):
        floor = _type_floor(model, lam, target)
        while True:
            z = _cheaper_move(ev, x, c) if n_g <= swap_max_groups else None
            if z is not None:
                it["swaps"] += 1
            elif exchange_max_out >= 2 and n_g <= exchange_max_groups:
                z = _exchange_move(ev, model, x, c, floor, exchange_max_out, exchange_budget)
                if z is not None:
                    it["exchanges"] += 1
            if z is None:
                break
            x = _remove(ev, z, c, it)
    return x, {"oracle_calls": len(ev.cache), "iterations": it, "result": ev(x)}


def _type_floor(model: SkillsModel, lam: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per type the fewest agents its groups together must have: the type's own Erlang C / A
    requirement at its fastest handle time over the groups (it can do no better with every
    one of them to itself); 0 without a target."""
    aht = model.aht_s
    floor = np.zeros(model.n_types, dtype=np.int64)
    for k, t in enumerate(model.types):
        if target[k] > 0:
            fastest = float(np.nanmin(aht[:, k]))
            floor[k] = required_agents(lam[k] * fastest / 3600.0, fastest, _type_target(t))
    return floor


def _exchange_move(ev: _Evaluator, model: SkillsModel, x, c, floor, max_out: int,
                   budget: int):
    """A feasible staffing ``x - out + in`` of lower cost, or None: ``out`` is a multiset of
    2..max_out agents of x, ``in`` a multiset of 1..len(out) agents of other groups with
    ``c @ in < c @ out``. These are the moves that trade three or more agents at once (a
    shift of load along a chain or ring of groups), which the one-for-one and two-for-one
    moves cannot make.

    Candidates that leave some type's groups below that type's floor (:func:`_type_floor`)
    are dropped; the rest are ranked by the shortfall the oracle's finite differences at x
    predict (``g(x) + sum_i (in_i - out_i) s_i``, ``s_i = g(x) - g(x - e_i)``, which the
    removals have evaluated, or ``g(x + e_i) - g(x)`` where ``x_i = 0``: the first-order
    model of the cutting planes) and the ``budget`` most promising are evaluated, best
    first. Deterministic: ties go by cost, then by the move's order.
    """
    from itertools import combinations_with_replacement

    n_g = len(x)
    g = ev(x).service_level_lo
    unit = np.eye(n_g, dtype=np.int64)
    # the slope per group: the backward difference (already evaluated by the removals at a
    # local minimum), the forward one where the group has nobody to remove
    slope = np.stack([g - ev(x - unit[i]).service_level_lo if x[i] > 0
                      else ev(x + unit[i]).service_level_lo - g for i in range(n_g)])
    need = np.where(np.isfinite(ev.need), ev.need, -np.inf)
    can = model.can_serve.T.astype(np.int64)                                  # K x n_g
    cx = float(c @ x)
    candidates = []
    for m in range(2, max_out + 1):
        for out in combinations_with_replacement(range(n_g), m):
            d_out = np.bincount(out, minlength=n_g)
            if np.any(d_out > x):
                continue
            for size in range(1, m + 1):
                for into in combinations_with_replacement(range(n_g), size):
                    if set(into) & set(out):
                        continue
                    d_in = np.bincount(into, minlength=n_g)
                    y = x - d_out + d_in
                    cy = float(c @ y)
                    if cy >= cx - 1e-12 or np.any(can @ y < floor):
                        continue
                    pred = g + (d_in - d_out) @ slope
                    short = float(np.sum(np.maximum(need - pred, 0.0)))
                    candidates.append((short, cy, len(candidates), y))
    candidates.sort(key=lambda t: t[:3])
    for _, _, _, y in candidates[:budget]:
        if ev.feasible(y):
            return y
    return None


def _cheaper_move(ev: _Evaluator, x, c):
    """The first feasible staffing x - e_i + e_k (c_k < c_i) or x - e_i - e_j + e_k, else
    None."""
    n_g = len(x)
    for i in range(n_g):
        if x[i] == 0:
            continue
        for k in range(n_g):
            if k != i and c[k] < c[i]:
                z = x - _unit(n_g, i) + _unit(n_g, k)
                if ev.feasible(z):
                    return z
    for i in range(n_g):
        for j in range(i, n_g):
            y = x - _unit(n_g, i) - _unit(n_g, j)
            if (y < 0).any():
                continue
            for k in range(n_g):
                if k not in (i, j) and c[k] < c[i] + c[j] and ev.feasible(y + _unit(n_g, k)):
                    return y + _unit(n_g, k)
    return None


def _unit(n: int, i: int) -> np.ndarray:
    e = np.zeros(n, dtype=np.int64)
    e[i] = 1
    return e


def _remove(ev: _Evaluator, x, c, it) -> np.ndarray:
    """Remove one agent at a time while every target holds (first feasible removal, most
    expensive groups first, then the largest)."""
    n_g = len(x)
    while True:
        order = sorted(range(n_g), key=lambda i: (-c[i], -x[i], i))
        for i in order:
            if x[i] == 0:
                continue
            y = x - _unit(n_g, i)
            if ev.feasible(y):
                x = y
                it["removals"] += 1
                break
        else:
            return x


def _cost(cost, n_groups: int) -> np.ndarray:
    arr = np.asarray(cost, dtype=float).ravel()
    if arr.shape != (n_groups,) or not np.all(np.isfinite(arr)) or (arr <= 0).any():
        raise InputError(f"cost must be one positive number per group ({n_groups}); got "
                         f"{np.asarray(cost).tolist()}", param="cost")
    return arr


def exhaustive(model: SkillsModel, calls_per_hour, oracle: Oracle, max_total: int, *,
               sl_tolerance: float = 0.0, prune: bool = True) -> np.ndarray:
    """The least-total staffing meeting every target, by enumeration of every vector of
    agents per group in order of total (ties: the largest least slack over the types).

    ``prune`` skips vectors where some type's groups together have fewer agents than the
    type would need with all of them to itself at its fastest handle time (its own Erlang C /
    A queue): a type can do no better than that. Raises InputError if no staffing of at most
    ``max_total`` agents meets the targets.
    """
    lam = _calls(model, calls_per_hour)
    n_g = model.n_groups
    target = _targets(model, lam)
    ev = _Evaluator(model, oracle, target, sl_tolerance, math.inf)
    if not np.any(target > 0):
        return np.zeros(n_g, dtype=np.int64)
    can = model.can_serve
    need = (_type_floor(model, lam, target) if prune
            else np.zeros(model.n_types, dtype=np.int64))
    for total in range(int(need.max()), int(max_total) + 1):
        best, best_slack = None, -np.inf
        for x in _compositions(total, n_g):
            if prune and np.any(can.T.astype(np.int64) @ x < need):
                continue
            if ev.feasible(x):
                lo = ev(x).service_level_lo
                slack = float(np.min(np.where(target > 0, lo - target, np.inf)))
                if slack > best_slack:
                    best, best_slack = x.copy(), slack
        if best is not None:
            return best
    raise InputError(f"no staffing of at most {max_total} agents meets every target",
                     param="max_total")


def _compositions(total: int, parts: int):
    """Every vector of ``parts`` whole numbers >= 0 summing to ``total`` (lexicographic)."""
    if parts == 1:
        yield np.array([total], dtype=np.int64)
        return
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            yield np.concatenate([[first], rest]).astype(np.int64)


# ------------------------------------------------------------------------------------------
# The whole thing
# ------------------------------------------------------------------------------------------

def _dedicated(model: SkillsModel, lam: np.ndarray) -> np.ndarray | None:
    """The single-skill staffing when every type with calls has a group with that skill
    alone (its Erlang requirement there, 0 elsewhere), else None."""
    need = single_skill_requirement(model, lam)
    x = np.zeros(model.n_groups, dtype=np.int64)
    for k, name in enumerate(model.type_names):
        if need[k] == 0:
            continue
        own = [i for i, g in enumerate(model.groups) if g.skills == (name,)]
        if not own:
            return None
        x[own[0]] += need[k]
    return x


#: the default oracle is the exact chain while it has at most this many states
DEFAULT_EXACT_STATES = 20_000


def _default_oracle(model: SkillsModel, lam: np.ndarray):
    """The exact chain if the fast start's chain is small, else the simulator."""
    start = fast_start(model, lam)
    try:
        kp = exact_kpis(model, lam, start, tail_tol=1e-9, max_states=DEFAULT_EXACT_STATES)
        if kp.n_states <= DEFAULT_EXACT_STATES:
            return (exact_oracle(model, lam, max_states=4 * DEFAULT_EXACT_STATES),
                    "oracle: the exact Markov chain")
    except UnstableError:
        return exact_oracle(model, lam), "oracle: the exact Markov chain"
    except InputError:
        pass              # too large for the chain, or overflow delays: simulate
    return (simulation_oracle(model, lam),
            "oracle: simulation (10 replications of 10 hours, seed 0, 95 % lower bounds)")


def staff_skills(model: SkillsModel, calls_per_hour, *, oracle: Oracle | None = None,
                 cost: Sequence[float] | None = None, sl_tolerance: float = 0.0,
                 start=None, max_total: int | None = None,
                 max_oracle_calls: int = MAX_ORACLE_CALLS,
                 exchange_max_out: int = 3) -> SkillStaffing:
    """Agents per group for one interval: :func:`fast_start` (or ``start``), then
    :func:`improve` with ``oracle`` (and, when every type has a specialist group and no
    ``start`` is given, a second search from the single-skill staffing if that is cheaper,
    keeping the cheaper result) (default: the exact chain, :func:`exact_oracle`, when
    the fast start's chain has at most DEFAULT_EXACT_STATES states and no overflow delays,
    else :func:`simulation_oracle` with its defaults; the choice is in ``notes``).
    ``exchange_max_out``: the largest number of agents one exchange move takes out
    (:func:`improve`, step 5; 1 turns the exchanges off)."""
    if not isinstance(model, SkillsModel):
        raise InputError("model must be an erlang.skills.SkillsModel", param="model")
    lam = _calls(model, calls_per_hour)
    target = _targets(model, lam)
    notes = []
    if np.all(lam == 0):
        notes.append("no calls: no agents needed")
    elif not np.any(target > 0):
        raise InputError("no call type has an sl_target to staff for", param="sl_target")
    if oracle is None:
        oracle, note = _default_oracle(model, lam)
        notes.append(note)
    c = np.ones(model.n_groups) if cost is None else _cost(cost, model.n_groups)
    first = fast_start(model, lam)
    x0 = first if start is None else model.check_agents(start, "start")[0]
    if np.any(target > 0):
        agents, info = improve(model, lam, oracle, x0, cost=c, sl_tolerance=sl_tolerance,
                               max_total=max_total, max_oracle_calls=max_oracle_calls,
                               exchange_max_out=exchange_max_out)
        calls, iters = info["oracle_calls"], dict(info["iterations"])
        dedicated = _dedicated(model, lam)
        if start is None and dedicated is not None and c @ dedicated < c @ agents:
            # the centre has a specialist group per type: its single-skill staffing is a
            # second start, and the search never ends above it (when it is feasible)
            other, more = improve(model, lam, oracle, dedicated, cost=c,
                                  sl_tolerance=sl_tolerance, max_total=max_total,
                                  max_oracle_calls=max_oracle_calls,
                                  exchange_max_out=exchange_max_out)
            calls += more["oracle_calls"]
            for key, value in more["iterations"].items():
                iters[key] += value
            notes.append("second start: the single-skill staffing of the specialist groups")
            if c @ other < c @ agents:
                agents, info = other, more
        res = info["result"]
    else:
        agents = np.zeros(model.n_groups, dtype=np.int64)
        one, nan_i = np.ones(model.n_types), np.full(model.n_groups, np.nan)
        res = OracleResult(one, one, np.zeros(model.n_types), np.zeros(model.n_types), nan_i)
        calls, iters = 0, {"cut_rounds": 0, "adds": 0, "removals": 0, "swaps": 0,
                           "exchanges": 0}
    by_type = pd.DataFrame({
        "type": model.type_names, "calls_per_hour": lam,
        "sl_target": [t.sl_target for t in model.types],
        "sl_threshold_s": [t.sl_threshold_s for t in model.types],
        "service_level": res.service_level, "service_level_lo": res.service_level_lo})
    if res.asa_s is not None:
        by_type["asa_s"] = np.asarray(res.asa_s, float)
    if res.p_abandon is not None:
        by_type["p_abandon"] = np.asarray(res.p_abandon, float)
    by_type["met"] = (target == 0) | (res.service_level_lo >= target - sl_tolerance - SL_ATOL)
    occ = (np.asarray(res.occupancy, float) if res.occupancy is not None
           else np.full(model.n_groups, np.nan))
    by_group = pd.DataFrame({"group": model.group_names, "agents": agents,
                             "cost": c, "occupancy": occ})
    return SkillStaffing(
        agents=agents, by_type=by_type, by_group=by_group, total_agents=int(agents.sum()),
        cost=float(c @ agents),
        single_skill_agents=int(single_skill_requirement(model, lam).sum()),
        pooled_agents=pooled_requirement(model, lam), fast_start=first, oracle_calls=calls,
        iterations=iters, notes=tuple(notes))
