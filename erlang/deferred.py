"""Deferred work (email, back office, callbacks): the capacity that meets a deadline share.

Work items arrive per interval (``items``, handled in ``aht_s`` seconds each) and must be
done within ``deadline_h`` *business* hours: time counts only inside the intervals marked
``open``. The target is a share: e.g. 95 % of the items done within 8 business hours.
Unlike a call, an item can wait, so the capacity of an interval need not follow its
arrivals: it only has to get the work done inside its deadline window (Genesys, Assembled
and Talkdesk spread such workload over the SLA window; Calabrio rolls backlog forward).

The linear programme (:func:`deferred_capacity`)
-------------------------------------------------
Open intervals are numbered ``0 .. n-1`` (slots). An item arriving in a closed interval
waits for the next open one and is treated as arriving at its start (the business clock
starts there). With ``K = deadline_h x 60 / interval_min`` slots (a whole number >= 1):

* ``x[s, j]`` = items arriving in slot ``s`` done *on time*, in slot ``j = s .. s+K-1``;
* items of slot ``s`` not done on time (``A_s - sum_j x[s, j] >= 0``) join a late stock when
  their window closes; ``z_j`` = late work done in slot ``j``, ``b_j`` = late stock after it
  (agent-seconds, ``b_j = b_{j-1} + late inflow_j - z_j``);
* capacity ``c_j`` (agents): ``sum_s aht_s x[s, j] + z_j <= c_j x interval_s``;
* the share: ``sum x >= deadline_share x sum A`` over the horizon (``share_period="horizon"``,
  the default) or over the items arriving on each business day (``"day"``: a day is a run of
  consecutive open intervals), counted in items;
* every item is done in the horizon, except, without ``cyclic``, items whose deadline lies
  beyond its end: what is left of them is carried out as the end backlog (not late: their
  deadline has not passed; they are not in the share), and so are the late items of the
  slots whose window closes at the end (late, and in the share). With ``cyclic=True`` the
  horizon is one period of a repeating pattern (a week) and windows and the late stock wrap
  around: the steady state, with no backlog at the end.

The objectives, lexicographic (each stage keeps the previous optima, to 1e-9 relative or the
whole agent-interval): (1) the agent time ``sum c_j`` (its LP value is the LP bound,
agent-hours); (2) the fewest items late (a plan that wastes no capacity has the same agent
time whatever it leaves late, so lateness is planned only where it saves agent time, as
whole agents may); (3) the flattest: the least sum over business days of the day's peak
capacity (what shifts must cover); (4) the least waiting: item-intervals from arrival to
service (late work counted while in the late stock), so that within the flattest shape work
is done as early as it can be, keeping the deadline slack for random peaks. With
``integer=True`` (the default) the stages are solved again with whole agents per interval
(a MILP in HiGHS, ``scipy.optimize.milp``; stages 3 and 4, the shape, stop at ``node_limit``
branch-and-bound nodes, deterministic, so the same input gives the same plan); the capacity
then is at least the LP bound, usually within a fraction of an agent-interval of it per day.

Random arrivals: the programme plans for the expected arrivals. A capacity equal to the
expected work leaves the backlog a random walk without drift, and the share falls period
after period in simulation; :func:`calibrated_capacity` finds the least work margin at which
the integer plan meets the share in simulation.

Timing convention: an item arriving at time ``a`` inside open slot ``s`` is on time when done
by the end of slot ``s+K-1``, i.e. within ``K`` intervals of the start of its own interval, so
within ``deadline_h`` of its arrival (conservative by up to one interval); in return the
programme lets slot ``s``'s capacity work on items that arrive during slot ``s`` (optimistic
by the same order). The simulator (:func:`simulate_deferred`) checks a plan without either
simplification.

Order: with one deadline for all items, earliest-deadline-first is first-in-first-out in
business time. With a 100 % share the programme is feasible exactly when the EDF fluid
schedule meets every deadline (EDF is optimal for meeting deadlines: Liu & Layland 1973;
Horn 1974); below 100 % it also chooses which items are late, and EDF among the items it
serves on time realises its plan. The simulator runs plain EDF (overdue items first).

The result feeds the shift MILP as an extra requirement: :func:`requirement_frame` gives one
row per interval with the agents to cover (``agents``; whole agents), which a schedule may
cover as it is, and the window ``window_intervals`` = K that makes it smoothable: the work
of an item arriving in open interval ``s`` may be done in any of the K open intervals from
``s``, so a schedule whose capacity, summed over every run of open intervals ending at ``j``,
is at least the work of the items due by ``j`` meets the deadlines (100 % share) whatever
its shape; a shift model that takes the deadline rows above in place of per-interval
coverage smooths the requirement itself.

The simulator (:func:`simulate_deferred`)
-----------------------------------------
Poisson arrivals per interval (uniform times inside it, closed intervals included), handle
times exponential or deterministic with mean ``aht_s`` of the arrival interval, served EDF
(= FIFO in business time) by ``capacity`` agents per interval, non-pre-emptive: at a drop in
capacity agents finish the item in hand and no item starts while as many are busy as the
new capacity (the simulator's ``count`` rule, :mod:`erlang.simulate`). An item is on time
when the business time from its arrival to its completion is <= ``deadline_h``. The share is
over items whose deadline falls inside the horizon (later ones are censored); the end
backlog is the items not finished when the horizon ends. Replications are independent,
seeded by :class:`numpy.random.SeedSequence`; the share's confidence interval is the ratio
estimator of :func:`erlang.simulate.ratio_ci`.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from erlang.simulate import ratio_ci, t_quantile
from erlang.staffing import scheduled_agents
from wfmcore import checks
from wfmcore.errors import InputError

__all__ = [
    "SERVICE_DISTRIBUTIONS",
    "SHARE_PERIODS",
    "DeferredPlan",
    "DeferredSimulation",
    "CalibratedPlan",
    "business_hours",
    "calibrated_capacity",
    "deferred_capacity",
    "requirement_frame",
    "simulate_deferred",
]

#: over what the deadline share is measured
SHARE_PERIODS = ("horizon", "day")
#: handle-time distributions of the simulator
SERVICE_DISTRIBUTIONS = ("exponential", "deterministic")


@dataclass(frozen=True)
class DeferredPlan:
    """What :func:`deferred_capacity` returns (arrays have one value per interval).

    ``capacity_agents``: the capacity to staff (whole agents with ``integer``, else the LP's);
    ``lp_agents``: the fractional LP's capacity (flattest optimum); ``lp_bound_agent_h``: the
    least agent time of the LP (a lower bound for any plan meeting the target);
    ``capacity_agent_h``: agent time of ``capacity_agents``; ``workload_agent_h``: work
    arriving (items x AHT); ``share_met``: planned share on time (items), the smallest over
    the share periods; ``late_items``: items planned late; ``backlog_end_items``: items carried
    out of the horizon (0 when cyclic); ``window_intervals``: K, the deadline in intervals;
    ``status``: HiGHS's message of the last solve, with the MILP gap when not proven optimal.
    """

    interval_min: float
    open: np.ndarray
    items: np.ndarray
    aht_s: np.ndarray
    capacity_agents: np.ndarray
    lp_agents: np.ndarray
    lp_bound_agent_h: float
    capacity_agent_h: float
    workload_agent_h: float
    share_met: float
    late_items: float
    backlog_end_items: float
    window_intervals: int
    deadline_h: float
    deadline_share: float
    share_period: str
    cyclic: bool
    integer: bool
    status: str
    #: capacity the plan had for free per interval (agents: the voice team's idle time under
    #: blending, :mod:`erlang.blending`); zeros without blending
    free_agents: np.ndarray | None = None
    #: deferred work done in that free capacity, agent-hours (the rest is ``capacity_agents``')
    blended_agent_h: float = 0.0
    #: the same per interval, agents (work done in the free capacity / interval length)
    blended_agents: np.ndarray | None = None

    @property
    def ratio_to_bound(self) -> float:
        """Agent time of the capacity / the LP bound (1.0 = no agent time lost to rounding)."""
        return (self.capacity_agent_h / self.lp_bound_agent_h if self.lp_bound_agent_h > 0
                else float("nan"))


@dataclass(frozen=True)
class DeferredSimulation:
    """What :func:`simulate_deferred` returns.

    ``intervals``: one row per interval of arrival: ``interval``, ``capacity``, ``arrived``,
    ``due`` (deadline inside the horizon), ``on_time`` (means per replication) and ``share``
    (on_time / due, ratio of totals). ``share`` (with ``share_lo`` / ``share_hi``): on-time
    share of the items due in the horizon; ``backlog_end_items``: mean items not finished at
    the end of the horizon; ``utilisation``: busy agent time / capacity time;
    ``replications``: per replication and interval, the raw counts."""

    intervals: pd.DataFrame
    share: float
    share_lo: float
    share_hi: float
    backlog_end_items: float
    utilisation: float
    replications: pd.DataFrame


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------

def _per_interval(name: str, value, n: int | None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers, one per interval; got {value!r}",
                         param=name) from None
    if arr.ndim == 0:
        if n is None:
            raise InputError(f"{name} must have one value per interval; got a scalar",
                             param=name)
        arr = np.full(n, float(arr))
    if arr.ndim != 1 or (n is not None and arr.size != n):
        raise InputError(f"{name} must have one value per interval ({n}); got shape "
                         f"{arr.shape}", param=name)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name} must be finite and >= 0; interval {i} has {arr[i]:g}",
                         param=name)
    return arr


def _open_mask(open_intervals, n: int) -> np.ndarray:
    arr = np.asarray(open_intervals)
    if arr.shape != (n,):
        raise InputError(f"open_intervals must have one true/false per interval ({n}); got "
                         f"shape {arr.shape}", param="open_intervals")
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise InputError("open_intervals must be true/false per interval",
                             param="open_intervals")
        arr = arr.astype(bool)
    if not arr.any():
        raise InputError("open_intervals has no open interval: no time to do the work in",
                         param="open_intervals")
    return arr


def _deadline_intervals(deadline_h, interval_min: float) -> int:
    d = checks.positive(deadline_h, "deadline_h")
    k = d * 60.0 / interval_min
    if k < 1 - 1e-9:
        raise InputError(f"deadline_h must be at least one interval ({interval_min:g} min); "
                         f"got {d:g} h", param="deadline_h")
    if abs(k - round(k)) > 1e-9:
        raise InputError(f"deadline_h must be a whole number of {interval_min:g}-min intervals;"
                         f" got {d:g} h", param="deadline_h")
    return int(round(k))


def _check_common(items, aht_s, interval_min, open_intervals, deadline_h):
    interval_min = checks.positive(interval_min, "interval_min")
    arrivals = _per_interval("items", items, None)
    n = arrivals.size
    if n == 0:
        raise InputError("items is empty; give at least one interval", param="items")
    aht = _per_interval("aht_s", aht_s, n)
    if ((aht == 0) & (arrivals > 0)).any():
        raise InputError("aht_s must be > 0 where items arrive", param="aht_s")
    is_open = _open_mask(open_intervals, n)
    k = _deadline_intervals(deadline_h, interval_min)
    return interval_min, arrivals, aht, is_open, k


def business_hours(interval_start, open_h: float = 8.0, close_h: float = 18.0,
                   weekdays=(0, 1, 2, 3, 4)) -> np.ndarray:
    """True for intervals starting in ``[open_h, close_h)`` on ``weekdays`` (Monday = 0):
    the ``open_intervals`` of business hours such as 8-18 Monday to Friday."""
    ts = pd.DatetimeIndex(interval_start)
    hour = ts.hour + ts.minute / 60.0
    return np.asarray((hour >= open_h) & (hour < close_h) & ts.day_of_week.isin(list(weekdays)))


# --------------------------------------------------------------------------------------------
# The linear programme
# --------------------------------------------------------------------------------------------

def _slots(is_open: np.ndarray, cyclic: bool) -> np.ndarray:
    """Slot (open-interval number) each interval's arrivals join: the next open interval at
    or after it; -1 after the last one (without ``cyclic``), the first one with it."""
    n = is_open.size
    open_ix = np.flatnonzero(is_open)
    pos = np.searchsorted(open_ix, np.arange(n))      # first open interval >= i
    slot = np.where(pos < open_ix.size, pos, 0 if cyclic else -1)
    return slot


def _days(is_open: np.ndarray) -> np.ndarray:
    """Business day of each slot: runs of consecutive open intervals, numbered from 0."""
    open_ix = np.flatnonzero(is_open)
    return np.concatenate([[0], np.cumsum(np.diff(open_ix) > 1)])


def deferred_capacity(items, aht_s, interval_min, open_intervals, *, deadline_h: float,
                      deadline_share: float, share_period: str = "horizon",
                      cyclic: bool = False, integer: bool = True,
                      time_limit_s: float = 60.0, mip_gap: float = 1e-4,
                      node_limit: int = 2000, free_agents=None) -> DeferredPlan:
    """Capacity per interval (agents) meeting the deadline share at least agent time.

    ``items``: items arriving per interval (expected counts); ``aht_s``: handle time per
    item, one value or one per interval; ``open_intervals``: True where the interval is in
    business hours (see :func:`business_hours`); ``deadline_h``: deadline in business hours,
    a whole number of intervals; ``deadline_share``: share of items to do by the deadline, in
    (0, 1]; ``share_period``: ``"horizon"`` or ``"day"`` (module docstring); ``cyclic``: the
    horizon is one period of a repeating pattern; ``integer``: whole agents per interval
    (MILP) rather than the LP's fractional capacity; ``free_agents``: capacity per interval
    that costs nothing (agents of a voice team doing deferred work in their idle time,
    :mod:`erlang.blending`): the capacity row becomes ``sum_s aht_s x[s, j] + z_j <= (c_j +
    free_j) x interval_s`` and ``c`` is what is left to staff. Linear programme: module
    docstring.
    """
    interval_min, arrivals, aht, is_open, k = _check_common(items, aht_s, interval_min,
                                                            open_intervals, deadline_h)
    share = checks.share(deadline_share, "deadline_share", "share1")
    if share_period not in SHARE_PERIODS:
        raise InputError(f"share_period must be one of {', '.join(SHARE_PERIODS)}; got "
                         f"{share_period!r}", param="share_period")
    time_limit_s = checks.positive(time_limit_s, "time_limit_s")
    node_limit = checks.whole(node_limit, "node_limit", 1)
    interval_s = interval_min * 60.0
    n_int = arrivals.size
    free = (np.zeros(n_int) if free_agents is None
            else _per_interval("free_agents", free_agents, n_int))
    open_ix = np.flatnonzero(is_open)
    n = open_ix.size
    free_slot = free[open_ix]
    if cyclic and k > n:
        raise InputError(f"deadline_h is longer than the open time of the cyclic horizon "
                         f"({n} intervals)", param="deadline_h")

    # arrivals per slot (items, work): AHT of a slot = work-weighted over its intervals
    slot_of = _slots(is_open, cyclic)
    joins = slot_of >= 0
    a_slot = np.bincount(slot_of[joins], weights=arrivals[joins], minlength=n)
    w_slot = np.bincount(slot_of[joins], weights=(arrivals * aht)[joins], minlength=n)
    carried_closed = float(arrivals[~joins].sum())       # after the last open interval
    with np.errstate(invalid="ignore", divide="ignore"):
        aht_slot = np.where(a_slot > 0, w_slot / a_slot, 0.0)

    # variables: c (n) | x (pairs) | z (n) | b (n) | peak (days)
    live = np.flatnonzero(a_slot > 0)
    ps = np.repeat(live, k)
    pj = ps + np.tile(np.arange(k), live.size)
    if cyclic:
        pj = pj % n
    else:
        inside = pj < n
        ps, pj = ps[inside], pj[inside]
    due = (np.ones(n, bool) if cyclic else np.arange(n) + k - 1 <= n - 1)
    day = _days(is_open)
    n_days = int(day[-1]) + 1
    m = ps.size
    oc, ox, oz, ob, op = 0, n, n + m, 2 * n + m, 3 * n + m
    n_var = op + n_days
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(row_cols, row_vals, low, high):
        nonlocal r
        rows.append(np.full(len(row_cols), r))
        cols.append(np.asarray(row_cols))
        vals.append(np.asarray(row_vals, dtype=float))
        lo.append(low)
        hi.append(high)
        r += 1

    # per-slot items: sum_j x[s, j] <= A_s
    x_of_slot = {s: np.flatnonzero(ps == s) for s in live}
    for s in live:
        add(ox + x_of_slot[s], np.ones(x_of_slot[s].size), -np.inf, a_slot[s])
    # capacity: sum_s aht_s x[s, j] + z_j - interval_s c_j <= 0
    for j in range(n):
        xs = np.flatnonzero(pj == j)
        add(np.concatenate([ox + xs, [oz + j, oc + j]]),
            np.concatenate([aht_slot[ps[xs]], [1.0, -interval_s]]), -np.inf,
            interval_s * free_slot[j])
    # late stock: b_j - b_{j-1} + z_j + sum_{s: s+K=j} aht_s sum x[s,.] = sum aht_s A_s
    for j in range(n):
        src = [s for s in ((j - k) % n if cyclic else j - k,) if 0 <= s < n and due[s]]
        row_c, row_v = [ob + j, oz + j], [1.0, 1.0]
        if cyclic or j > 0:
            row_c.append(ob + (j - 1) % n)
            row_v.append(-1.0)
        rhs = 0.0
        for s in src:
            if a_slot[s] > 0:
                row_c.extend(ox + x_of_slot[s])
                row_v.extend(np.full(x_of_slot[s].size, aht_slot[s]))
                rhs += w_slot[s]
        add(row_c, row_v, rhs, rhs)
    # share, per period, in items over the items due in the horizon
    period = np.zeros(n, int) if share_period == "horizon" else day
    for p in np.unique(period):
        mine = due & (period == p)
        need = share * float(a_slot[mine].sum())
        if need <= 0:
            continue
        xs = np.flatnonzero(mine[ps])
        add(ox + xs, np.ones(xs.size), need * (1 - 1e-12), np.inf)
    # peaks: c_j - peak_day(j) <= 0
    for j in range(n):
        add([oc + j, op + day[j]], [1.0, -1.0], -np.inf, 0.0)
    A = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(r, n_var))
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    lb = np.zeros(n_var)
    ub = np.full(n_var, np.inf)
    if not cyclic:
        ub[ob + n - 1] = 0.0       # every late item is done inside the horizon

    # objectives, lexicographic: agent time, items late, the sum of daily peaks, the wait
    # (item-intervals from arrival slot to the slot of service; late work counted as it waits
    # in the late stock)
    goals = [np.zeros(n_var) for _ in range(4)]
    goals[0][oc:oc + n] = 1.0
    goals[1][ox:ox + m] = -1.0 * due[ps]          # most items on time = fewest late
    goals[2][op:op + n_days] = 1.0
    goals[3][ox:ox + m] = (pj - ps) % n if cyclic else pj - ps
    mean_aht = float(w_slot.sum() / a_slot.sum()) if a_slot.sum() > 0 else 1.0
    goals[3][ob:ob + n] = 1.0 / mean_aht
    whole_goal = (True, False, True, False)       # integer-valued with whole agents

    def lexicographic(integrality):
        rows_extra, first, res = [], None, None
        for g, goal in enumerate(goals):
            options = {"disp": False, "time_limit": time_limit_s, "mip_rel_gap": mip_gap}
            if g >= 2:      # the shape: a deterministic node limit, so runs repeat
                options["node_limit"] = node_limit
            r_g = milp(goal, integrality=integrality, bounds=Bounds(lb, ub),
                       constraints=[LinearConstraint(A, lo, hi), *rows_extra],
                       options=options)
            if r_g.x is None:
                if g == 0:
                    raise InputError("the deadline programme could not be solved: "
                                     f"{r_g.message}", param="deadline_share")
                break          # keep the previous stage's solution (time limit)
            res = r_g
            value = float(goal @ r_g.x)
            if g == 0:
                first = r_g
            # integer objectives (whole agents) may be capped at their integer value
            cap = (math.floor(value + 1e-6) + 1e-6 if integrality[oc] and whole_goal[g]
                   else value + 1e-9 * max(1.0, abs(value)))
            rows_extra.append(LinearConstraint(sparse.csr_array(goal[None, :]), -np.inf, cap))
        return res, float(goals[0] @ first.x), first

    none = np.zeros(n_var)
    lp, lp_best, _ = lexicographic(none)
    lp_c = lp.x[oc:oc + n]
    lp_c = np.where(lp_c > 1e-7, lp_c, 0.0)      # solver noise of the 1e-9 cap
    status = str(lp.message)
    if integer:
        integ = np.zeros(n_var)
        integ[oc:oc + n] = 1
        integ[op:] = 1
        res, _, r1 = lexicographic(integ)
        sol = res.x
        cap_slot = np.round(sol[oc:oc + n]) + 0.0
        gap = getattr(r1, "mip_gap", None)
        status = str(res.message) + (f" (stage-1 gap {gap:.2g})" if gap and gap > 1e-6 else "")
    else:
        sol = lp.x
        cap_slot = lp_c
    x = sol[ox:ox + m]
    # work done per slot; the free capacity is used first (it costs nothing)
    done_s = np.bincount(pj, weights=aht_slot[ps] * x, minlength=n) + sol[oz:oz + n]
    blended_slot = np.minimum(done_s, interval_s * free_slot) / interval_s
    on_time = np.bincount(ps, weights=x, minlength=n)
    shares = [float(on_time[due & (period == p)].sum() / a_slot[due & (period == p)].sum())
              for p in np.unique(period) if a_slot[due & (period == p)].sum() > 0]
    late = float(np.maximum(a_slot[due] - on_time[due], 0).sum())
    # carried out: items not due in the horizon, and (without cyclic) the late items of the
    # slots whose window closes at its very end; both are left at the end
    at_end = ~due if cyclic else (np.arange(n) + k >= n)
    carried = float(np.maximum(a_slot[at_end] - on_time[at_end], 0).sum()) + carried_closed

    def per_interval(v):
        out = np.zeros(n_int)
        out[open_ix] = v
        return out

    return DeferredPlan(
        interval_min=interval_min, open=is_open, items=arrivals, aht_s=aht,
        capacity_agents=per_interval(cap_slot), lp_agents=per_interval(lp_c),
        lp_bound_agent_h=lp_best * interval_s / 3600.0,
        capacity_agent_h=float(cap_slot.sum()) * interval_s / 3600.0,
        workload_agent_h=float((arrivals * aht).sum()) / 3600.0,
        share_met=min(shares) if shares else 1.0, late_items=late,
        backlog_end_items=carried, window_intervals=k, deadline_h=float(deadline_h),
        deadline_share=share, share_period=share_period, cyclic=bool(cyclic),
        integer=bool(integer), status=status, free_agents=free,
        blended_agent_h=float(blended_slot.sum()) * interval_s / 3600.0,
        blended_agents=per_interval(blended_slot))


def requirement_frame(plan: DeferredPlan, interval_start=None, *, queue: str | None = None,
                      channel: str = "deferred", shrinkage: float = 0.0) -> pd.DataFrame:
    """The plan as a requirement the shift MILP can cover (the ``wfm staff`` columns).

    One row per interval: ``interval_start`` (when given, else ``interval``), ``queue`` (when
    given), ``channel``, ``offered`` (items arriving), ``aht_s``, ``agents`` (the capacity,
    whole agents when the plan is integer), ``lp_agents`` (the LP's fractional capacity),
    ``scheduled_agents`` = ceil(agents / (1 - shrinkage)), ``open`` and
    ``window_intervals`` (K: an item's work may be done in any of the K open intervals from
    its arrival; what makes the requirement smoothable, module docstring).
    """
    n = plan.items.size
    out = {}
    if interval_start is not None:
        ts = pd.DatetimeIndex(interval_start)
        if ts.size != n:
            raise InputError(f"interval_start has {ts.size} values but the plan has {n} "
                             "intervals", param="interval_start")
        out["interval_start"] = ts
    else:
        out["interval"] = np.arange(n)
    if queue is not None:
        out["queue"] = queue
    out.update({
        "channel": channel,
        "offered": plan.items,
        "aht_s": plan.aht_s,
        "agents": plan.capacity_agents,
        "lp_agents": plan.lp_agents,
        "scheduled_agents": scheduled_agents(plan.capacity_agents, shrinkage),
        "open": plan.open,
        "window_intervals": plan.window_intervals,
    })
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# The EDF simulator
# --------------------------------------------------------------------------------------------

def _edf_replay(arrival_s, handle_s, key_b, cap, interval_s):
    """Start and finish times of items served EDF (key ``key_b``, ties by arrival) by
    ``cap[k]`` agents in interval ``k`` (none after the last), non-pre-emptive; a fractional
    ``cap[k]`` = f has ceil(f) agents for the first (f - floor(f)) of the interval and
    floor(f) after it. Items never started have NaN. Returns (start, finish)."""
    m = arrival_s.size
    n_int = cap.size
    whole = np.floor(cap + 1e-9)
    frac = np.where(cap - whole > 1e-9, cap - whole, 0.0)
    # capacity steps: (time, agents from then on), in time order
    t_step = np.stack([np.arange(n_int) * interval_s,
                       (np.arange(n_int) + frac) * interval_s], axis=1)
    n_step = np.stack([whole + (frac > 0), whole], axis=1)
    keep = np.ones((n_int, 2), dtype=bool)
    keep[:, 1] = frac > 0
    t_step = np.append(t_step[keep], n_int * interval_s).tolist()   # lists: a hot loop
    n_step = np.append(n_step[keep], 0).astype(np.int64).tolist()
    n_steps = len(t_step)
    start = np.full(m, np.nan)
    finish = np.full(m, np.nan)
    busy: list[float] = []
    queue: list[tuple[float, int]] = []
    push, pop = heapq.heappush, heapq.heappop
    inf = math.inf
    ai, k = 0, 0
    n_on = int(n_step[0])
    while True:
        t_arr = arrival_s[ai] if ai < m else inf
        t_fin = busy[0] if busy else inf
        t_bnd = t_step[k + 1] if k + 1 < n_steps else inf
        t = min(t_arr, t_fin, t_bnd)
        if t == inf:
            break
        if t_fin == t:
            pop(busy)
        elif t_bnd == t:
            k += 1
            n_on = int(n_step[k])
        else:
            push(queue, (key_b[ai], ai))
            ai += 1
        while queue and len(busy) < n_on:
            _, i = pop(queue)
            start[i] = t
            finish[i] = t + handle_s[i]
            push(busy, finish[i])
        if k + 1 >= n_steps and not busy and ai >= m:
            break
    return start, finish


def _business_clock(is_open: np.ndarray, interval_s: float):
    """b(t): open seconds before time t (vectorised over t), as a function."""
    b_start = np.concatenate([[0.0], np.cumsum(is_open * interval_s)])
    n = is_open.size

    def clock(t):
        t = np.asarray(t, dtype=float)
        k = np.clip(np.floor(t / interval_s).astype(np.int64), 0, n)
        inside = k < n
        frac = np.where(inside, t - k * interval_s, 0.0)
        openk = np.where(inside, is_open[np.minimum(k, n - 1)], False)
        return b_start[k] + np.where(openk, frac, 0.0)

    return clock, float(b_start[-1])


def simulate_deferred(items, aht_s, capacity, interval_min, open_intervals, *,
                      deadline_h: float, service: str = "exponential", seed=0,
                      replications: int = 20, confidence: float = 0.95) -> DeferredSimulation:
    """Simulate the deferred queue served earliest-deadline-first by ``capacity`` agents per
    interval (module docstring): the on-time share of the items due in the horizon, the end
    backlog and the utilisation, with a confidence interval over ``replications``. A
    fractional capacity f is one agent more for the first (f - floor(f)) of the interval
    (part of an agent's time: what a blended voice team gives, :mod:`erlang.blending`)."""
    interval_min, arrivals, aht, is_open, _ = _check_common(items, aht_s, interval_min,
                                                            open_intervals, deadline_h)
    n = arrivals.size
    cap = _per_interval("capacity", capacity, n)
    if service not in SERVICE_DISTRIBUTIONS:
        raise InputError(f"service must be one of {', '.join(SERVICE_DISTRIBUTIONS)}; got "
                         f"{service!r}", param="service")
    if isinstance(replications, bool) or not isinstance(replications, Integral) \
            or replications < 1:
        raise InputError(f"replications must be an integer >= 1; got {replications!r}",
                         param="replications")
    checks.share(confidence, "confidence", "share")
    try:
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    except (TypeError, ValueError):
        raise InputError(f"seed must be a non-negative integer; got {seed!r}",
                         param="seed") from None
    interval_s = interval_min * 60.0
    deadline_b = float(deadline_h) * 3600.0
    clock, b_end = _business_clock(is_open, interval_s)
    horizon_s = n * interval_s
    cap_i = cap.astype(np.int64) if (cap == np.round(cap)).all() else cap
    per_rep = []
    for child in seq.spawn(int(replications)):
        rng = np.random.default_rng(child)
        counts = rng.poisson(arrivals)
        idx = np.repeat(np.arange(n), counts)
        arrival = (idx + rng.random(idx.size)) * interval_s
        order = np.argsort(arrival, kind="stable")
        idx, arrival = idx[order], arrival[order]
        unit = rng.standard_exponential(idx.size) if service == "exponential" \
            else np.ones(idx.size)
        handle = unit * aht[idx]
        b_arr = clock(arrival)
        start, finish = _edf_replay(arrival, handle, b_arr, cap_i, interval_s)
        done = np.isfinite(finish)
        b_fin = np.where(done, clock(np.where(done, np.minimum(finish, horizon_s), 0.0)),
                         np.inf)
        # a finish after the horizon is after every open second of it
        b_fin = np.where(done & (finish > horizon_s), b_end + (finish - horizon_s), b_fin)
        due = b_arr + deadline_b <= b_end + 1e-6
        on_time = due & (b_fin - b_arr <= deadline_b + 1e-6)
        busy = np.minimum(np.nan_to_num(finish, nan=0.0), horizon_s) \
            - np.minimum(np.nan_to_num(start, nan=0.0), horizon_s)
        per_rep.append({
            "arrived": np.bincount(idx, minlength=n).astype(float),
            "due": np.bincount(idx, weights=due, minlength=n),
            "on_time": np.bincount(idx, weights=on_time, minlength=n),
            "backlog_end": float((~done | (finish > horizon_s)).sum()),
            "busy_s": float(busy.sum()),
        })
    reps = len(per_rep)
    t_q = t_quantile(reps, confidence)
    on = np.stack([p["on_time"] for p in per_rep])
    du = np.stack([p["due"] for p in per_rep])
    est, lo_, hi_ = ratio_ci(on.sum(axis=1, keepdims=True), du.sum(axis=1, keepdims=True),
                             t_q, clip=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_share = np.where(du.sum(axis=0) > 0, on.sum(axis=0) / du.sum(axis=0), np.nan)
    intervals = pd.DataFrame({
        "interval": np.arange(n), "capacity": cap_i, "open": is_open,
        "arrived": np.mean([p["arrived"] for p in per_rep], axis=0),
        "due": du.mean(axis=0), "on_time": on.mean(axis=0), "share": per_share})
    replications_frame = pd.DataFrame({
        "replication": np.repeat(np.arange(reps), n), "interval": np.tile(np.arange(n), reps),
        "arrived": np.concatenate([p["arrived"] for p in per_rep]),
        "due": du.ravel(), "on_time": on.ravel()})
    cap_s = float(cap.sum()) * interval_s
    return DeferredSimulation(
        intervals=intervals, share=float(est[0]), share_lo=float(lo_[0]),
        share_hi=float(hi_[0]),
        backlog_end_items=float(np.mean([p["backlog_end"] for p in per_rep])),
        utilisation=(float(np.mean([p["busy_s"] for p in per_rep])) / cap_s if cap_s > 0
                     else float("nan")),
        replications=replications_frame)


# --------------------------------------------------------------------------------------------
# A plan that meets the share under random arrivals and handle times
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalibratedPlan:
    """What :func:`calibrated_capacity` returns: ``plan`` (the programme solved with the
    work scaled by ``1 + margin``), ``margin``, ``lp_bound_agent_h`` (the bound of the
    unscaled programme), ``simulation`` (the check of ``plan`` on the calibration seed, over
    ``repeats`` periods) and ``block_shares`` (its share per period)."""

    plan: DeferredPlan
    margin: float
    lp_bound_agent_h: float
    simulation: DeferredSimulation
    block_shares: np.ndarray

    @property
    def ratio_to_bound(self) -> float:
        """Agent time of the capacity / the LP bound of the unscaled programme (NaN when the
        bound is 0: free capacity does all the work)."""
        return (self.plan.capacity_agent_h / self.lp_bound_agent_h if self.lp_bound_agent_h > 0
                else float("nan"))


def _block_shares(sim: DeferredSimulation, block: int) -> np.ndarray:
    f = sim.intervals
    g = f.groupby(f["interval"].to_numpy() // block)[["due", "on_time"]].sum()
    return (g["on_time"] / g["due"]).to_numpy()


def calibrated_capacity(items, aht_s, interval_min, open_intervals, *, deadline_h: float,
                        deadline_share: float, repeats: int = 8, max_margin: float = 0.1,
                        resolution: float = 0.005, service: str = "exponential", seed=0,
                        replications: int = 20, share_period: str = "horizon",
                        time_limit_s: float = 60.0, free_agents=None) -> CalibratedPlan:
    """The least work margin at which the integer plan meets the share *in simulation*.

    The programme plans for the expected arrivals; with Poisson arrivals and random handle
    times a capacity equal to the expected work leaves the backlog a random walk without
    drift, and the share falls week after week. So the plan is made cyclic on the pattern
    (``items`` is one period, e.g. a week) with the work scaled by ``1 + margin``, the
    capacity repeated ``repeats`` periods and simulated (:func:`simulate_deferred`, the same
    seed for every margin: common random numbers), and the smallest margin on a grid of
    ``resolution`` (bisection up to ``max_margin``) whose smallest per-period share reaches
    ``deadline_share`` is kept. The heavy-traffic delay tail of a queue with drift (a
    reflected Brownian motion: Kingman 1962; Harrison 1985) puts the margin near
    ``-ln(1 - share) v / (2 m^2 D)`` for work arriving at ``m`` agent-hours per business hour
    with variance rate ``v`` and a deadline of ``D`` hours: a few per cent for a few agents,
    less for more. Like :mod:`erlang.isa`, the result holds on the calibration seeds; check
    it on others.

    ``free_agents`` (agents per interval; blending: the voice team's idle time, see
    :func:`deferred_capacity`) is capacity the plan gets for nothing; the simulation serves
    the queue with ``capacity_agents + free_agents`` (a fraction as part of an agent's
    interval, :func:`simulate_deferred`).
    """
    reps_n = checks.whole(repeats, "repeats", 1)
    max_margin = checks.positive(max_margin, "max_margin")
    resolution = checks.positive(resolution, "resolution")
    interval_min, arrivals, aht, is_open, _ = _check_common(items, aht_s, interval_min,
                                                            open_intervals, deadline_h)
    target = checks.share(deadline_share, "deadline_share", "share1")
    n = arrivals.size
    free = np.zeros(n) if free_agents is None else _per_interval("free_agents", free_agents, n)
    base = deferred_capacity(arrivals, aht, interval_min, is_open, deadline_h=deadline_h,
                             deadline_share=target, share_period=share_period, cyclic=True,
                             integer=False, time_limit_s=time_limit_s, free_agents=free)
    cache: dict[int, tuple[DeferredPlan, DeferredSimulation, np.ndarray]] = {}

    def trial(step: int):
        if step not in cache:
            plan = deferred_capacity(arrivals, aht * (1 + step * resolution), interval_min,
                                     is_open, deadline_h=deadline_h, deadline_share=target,
                                     share_period=share_period, cyclic=True, integer=True,
                                     time_limit_s=time_limit_s, free_agents=free)
            sim = simulate_deferred(np.tile(arrivals, reps_n), np.tile(aht, reps_n),
                                    np.tile(plan.capacity_agents + free, reps_n), interval_min,
                                    np.tile(is_open, reps_n), deadline_h=deadline_h,
                                    service=service, seed=seed, replications=replications)
            cache[step] = (plan, sim, _block_shares(sim, n))
        return cache[step]

    def ok(step: int) -> bool:
        return bool(trial(step)[2].min() >= target)

    hi = 0
    while not ok(hi):
        hi += 1
        if hi * resolution > max_margin + 1e-12:
            raise InputError(f"max_margin of {max_margin:g} is not enough for the deadline "
                             "share in simulation; raise it", param="max_margin")
    plan, sim, shares = trial(hi)
    return CalibratedPlan(plan=plan, margin=hi * resolution,
                          lp_bound_agent_h=base.lp_bound_agent_h, simulation=sim,
                          block_shares=shares)
