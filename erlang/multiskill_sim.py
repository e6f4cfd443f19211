"""Discrete-event simulation of a multi-skill contact centre (skills-based routing).

The oracle of multi-skill staffing (issue 14): the centre of :mod:`erlang.skills` (K call
types, I agent groups, the routing rule of its module docstring), simulated event by event,
so that a staffing found by an approximation (:mod:`erlang.multiskill_staffing`) or the exact
chain of a small instance (:mod:`erlang.multiskill_exact`) can be checked against the system
itself. With one type and one group it is :func:`erlang.simulate.simulate` (``count`` rule),
call by call (same seed, same calls, same answer times; the tests check it).

Model
-----
* **Arrivals**: Poisson per type with a rate constant inside each interval,
  ``calls_per_interval[j, k] / interval_s``, as :func:`erlang.simulate.simulate`.
* **Handle time**: exponential with mean ``model.aht_s[group, type]``: it depends on the
  group that answers (proficiency). **Patience**: exponential with mean
  ``model.patience_s[type]`` (inf: nobody hangs up); a caller still waiting then hangs up.
* **Staffing**: agents per interval and group, the ``count`` convention of
  :mod:`erlang.simulate`, group by group: no call starts in a group while its calls in service
  are at or above its staffing; calls in service are never pre-empted; at a drop the idle
  agents leave at once, the most recently idle first, and an agent who finishes a call while
  its group is at or above its staffing leaves; at a rise the new agents come on duty at the
  boundary and take waiting calls at once.

Routing (:mod:`erlang.skills`; Wallace & Whitt 2005, static priority, longest idle)
---------------------------------------------------------------------------------
* An **arriving call** of type k goes to an idle agent of a group with skill k and overflow
  delay 0, of the lowest rank for k (the type earliest in the group's skill list), and among
  the groups of that rank to the agent idle longest (ties: the lowest group number). If no
  such agent is idle it waits in the queue of its type.
* An **agent who becomes free** (finishes a call while its group is under its staffing, or
  comes on duty) takes the head of the queue of the first type in its group's skill list
  whose head call it may take: a call may be taken by group i once it has waited at least
  ``delay_s[i, k]`` (``arrival + delay <= now``). Otherwise it becomes idle.
* **Overflow delay as an event**: when a waiting call reaches ``arrival + delay_s[i, k]``
  (for each group with a positive delay for its type), the longest-idle agent of group i, if
  there is one, looks for a call as above: it takes that call (or an older one of its type,
  the head of the queue: FCFS), unless a type earlier in its skill list has a call it may take.

Resolutions of what :mod:`erlang.skills` leaves open, chosen here:

* "If several calls qualify at the same priority rank the longest waiting first": within one
  group each rank is one type, so this is FCFS within the type (the head of its queue, the
  call that has waited longest, is the only one taken). The head is always eligible when any
  call of its type is (it has waited longest, and the delay depends only on group and type).
* "The agent idle longest" among the preferred groups compares idle-since times across all
  groups of the best rank; an agent coming on duty is idle since the boundary; the agents of
  a group who are idle at time 0 are idle since 0, ties broken by the lowest group number.
* Several agents becoming free at the same instant (a rise in staffing at a boundary) look
  for calls one after another, groups in model order.
* Simultaneous events (a measure-zero set except for boundaries) are taken in the order
  service end, boundary, hang-up, overflow, arrival.

Conventions (those of :mod:`erlang.simulate`)
--------------------------------------------
* **Attribution**: a call belongs to the interval it arrives in (its answer, wait,
  abandonment, threshold); agent-seconds to the interval they are worked in, inside the
  horizon (busy time in the drain is not counted).
* **Drain** (``drain=True``): no call arrives after the last interval; the staffing stays at
  the last interval's until the system is empty. ``drain=False``: nobody is on duty after the
  horizon (calls in service finish); calls still waiting then hang up, or are ``unserved`` if
  patient for ever. Calls never answered are ``unserved`` and count against service level.
* **Service level** = calls answered within the type's ``sl_threshold_s`` (wait <= T) /
  calls offered (abandons count against); ``asa_s`` = mean wait of answered calls;
  ``p_abandon`` and ``p_wait`` (waited > 0) are shares of offered calls; occupancy = busy
  agent-seconds / scheduled agent-seconds (agents x interval), NaN with nobody scheduled.
* **Estimates**: replications are independent days (streams spawned from ``seed`` with
  :class:`numpy.random.SeedSequence`); counts are means per replication; ratios are ratios of
  totals with the ratio-estimator CI of :func:`erlang.simulate.ratio_ci` (Cochran 1977,
  ch. 6; Student's t, ``replications - 1`` degrees of freedom; shares clipped to [0, 1]).
* **Common random numbers**: a replication's calls (their number per interval and type,
  arrival times, unit handle-time and unit patience draws) do not depend on the staffing,
  the routing, AHT or patience: two staffings simulated with the same seed see the same calls.

Algorithm
---------
An event loop over arrivals, service ends (a heap), hang-ups and overflow moments (heaps,
cleaned lazily) and interval boundaries, in :mod:`erlang._multiskill_kernel`, compiled with
numba (``njit(cache=True)`` through :func:`erlang._kernels.compiled`). Per event the cost is
O(log n) for the heaps plus a scan of the groups of the arriving type or the skills of the
free agent. Cost (bench/RESULTS.md, ``bench/bench_multiskill_sim.py``): about 0.5 us per
simulated call, whole call included, for a day of 2 types / 2 groups or 20 types / 30
groups (0.3-0.4 us in the kernel); compiling the kernel costs ~7 s once per machine
(numba's on-disk cache).

:func:`stationary_kpis` is the staffing search's evaluation: one constant-rate period,
long-run KPIs per type and occupancy per group, with a warm-up set from the relaxation time
of the system (see there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

from erlang import _kernels
from erlang import _multiskill_kernel as _mk
from erlang.simulate import _seed_sequence, ratio_ci, t_quantile
from erlang.skills import SkillsModel
from wfmcore import checks
from wfmcore.errors import InputError

__all__ = ["MultiSkillResult", "StationaryKpis", "simulate_skills", "stationary_kpis",
           "stationary_warmup_s"]

#: count columns of the per-type frames (means per replication)
TYPE_COUNTS = ("offered", "answered", "abandoned", "unserved", "answered_within_threshold")
#: ratio column -> (numerator row, denominator row, clipped to [0, 1]) of the kernel totals
TYPE_RATIOS = {
    "service_level": (_mk.WITHIN, _mk.OFFERED, True),
    "asa_s": (_mk.WAIT_ANSWERED_S, _mk.N_ANSWERED, False),
    "p_abandon": (_mk.N_ABANDONED, _mk.OFFERED, True),
    "p_wait": (_mk.WAITED, _mk.OFFERED, True),
}
_COUNT_ROWS = {"offered": _mk.OFFERED, "answered": _mk.N_ANSWERED,
               "abandoned": _mk.N_ABANDONED, "unserved": _mk.N_UNSERVED,
               "answered_within_threshold": _mk.WITHIN}
_RAW_ROWS = {**_COUNT_ROWS, "waited": _mk.WAITED, "wait_answered_s": _mk.WAIT_ANSWERED_S}


@dataclass(frozen=True)
class MultiSkillResult:
    """What :func:`simulate_skills` returns (reported intervals: after the warm-up).

    Attributes
    ----------
    by_type : DataFrame
        One row per reported interval x call type: ``interval``, ``type``, the counts
        (means per replication) ``offered``, ``answered``, ``abandoned``, ``unserved``,
        ``answered_within_threshold``, and the ratios ``service_level``, ``asa_s``,
        ``p_abandon``, ``p_wait``, each with ``<name>_lo`` / ``<name>_hi``.
    by_group : DataFrame
        One row per reported interval x group: ``interval``, ``group``, ``agents``,
        ``answered`` (calls it answered, by their arrival interval; mean per replication),
        ``busy_s`` (agent-seconds on calls in the interval, mean), ``staffed_s``,
        ``occupancy``, ``occupancy_lo``, ``occupancy_hi``, and one ``share_<type>`` column
        per call type: the share of the group's busy time in the interval spent on that type
        (NaN where the group lacks the skill or was not busy).
    by_group_type : DataFrame
        One row per reported interval x group x type the group has as a skill:
        ``interval``, ``group``, ``type``, ``answered``, ``busy_s`` (means per replication)
        and ``busy_share`` (its share of the group's busy time in the interval; NaN if idle):
        the ``share_<type>`` columns of ``by_group`` in long form.
    type_totals : DataFrame
        One row per type over the whole reported horizon, the columns of ``by_type``
        without ``interval``: the period service level (with CI) that staffing targets.
    group_totals : DataFrame
        One row per group over the reported horizon: ``group``, ``agents`` (mean over the
        intervals), ``answered``, ``busy_s``, ``staffed_s``, ``occupancy`` (+ CI) and one
        ``share_<type>`` column per type: the share of its busy time on that type.
    per_replication : DataFrame
        Raw totals per replication x type over the reported horizon: ``replication``,
        ``type``, the counts, ``waited``, ``wait_answered_s`` (for paired comparisons of two
        staffings with the same seed).
    calls : DataFrame or None
        With ``keep_calls``: one row per simulated call (warm-up included), ``replication``,
        ``interval``, ``type``, ``arrival_s``, ``start_s`` (NaN if it hung up, inf if never
        answered), ``end_s`` (end of service; NaN if it hung up, inf if never answered),
        ``group`` (who answered; None if nobody), ``wait_s`` (until answered or hung up; inf
        if never answered), ``outcome`` (``answered``, ``abandoned``, ``unserved``).
    n_calls : int
        Calls simulated, all replications, warm-up included.
    replications, interval_min, confidence
        As given.
    """

    by_type: pd.DataFrame
    by_group: pd.DataFrame
    by_group_type: pd.DataFrame
    type_totals: pd.DataFrame
    group_totals: pd.DataFrame
    per_replication: pd.DataFrame
    n_calls: int
    replications: int
    interval_min: float
    confidence: float
    calls: pd.DataFrame | None = None


@dataclass(frozen=True)
class StationaryKpis:
    """What :func:`stationary_kpis` returns.

    Attributes
    ----------
    by_type : DataFrame
        One row per call type: ``type``, ``offered`` (calls per replication in the measured
        hours), ``service_level``, ``asa_s``, ``p_abandon``, ``p_wait``, each ratio with
        ``_lo`` / ``_hi`` (95 % by default).
    by_group : DataFrame
        One row per group: ``group``, ``agents``, ``occupancy``, ``occupancy_lo``,
        ``occupancy_hi``.
    warmup_s : float
        The warm-up simulated before the measured hours in each replication.
    hours : float
        Measured hours per replication.
    replications : int
    n_calls : int
        Calls simulated, all replications, warm-up included.
    """

    by_type: pd.DataFrame
    by_group: pd.DataFrame
    warmup_s: float
    hours: float
    replications: int
    n_calls: int


# --------------------------------------------------------------------------------------------
# Input checks and the routing tables
# --------------------------------------------------------------------------------------------

def _check_model(model) -> SkillsModel:
    if not isinstance(model, SkillsModel):
        raise InputError(f"model must be an erlang.skills.SkillsModel; got "
                         f"{type(model).__name__}", param="model")
    return model


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise InputError(f"{name} must be an integer >= {low}; got {value!r}", param=name)
    return int(value)


def _check_positive(name: str, value, unit: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if isinstance(value, bool) or not (x > 0 and math.isfinite(x)):
        raise InputError(f"{name} must be a finite number > 0 {unit}; got {value!r}",
                         param=name)
    return x


@dataclass(frozen=True)
class _Routing:
    """The model as the kernel's arrays (see :func:`erlang._multiskill_kernel.multiskill_kernel`)."""

    aht_s: np.ndarray
    patience_s: np.ndarray
    threshold_s: np.ndarray
    arr_groups: np.ndarray
    arr_rank: np.ndarray
    arr_n: np.ndarray
    g_types: np.ndarray
    g_delay: np.ndarray
    g_n: np.ndarray
    ov_groups: np.ndarray
    ov_delay: np.ndarray
    ov_n: np.ndarray

    def args(self):
        return (self.aht_s, self.patience_s, self.threshold_s, self.arr_groups, self.arr_rank,
                self.arr_n, self.g_types, self.g_delay, self.g_n, self.ov_groups,
                self.ov_delay, self.ov_n)


def _routing(model: SkillsModel) -> _Routing:
    n_g, n_t = model.n_groups, model.n_types
    rank, delay = model.rank, model.delay_s
    arr_groups = np.full((n_t, n_g), -1, np.int64)
    arr_rank = np.full((n_t, n_g), -1, np.int64)
    arr_n = np.zeros(n_t, np.int64)
    ov_groups = np.full((n_t, n_g), -1, np.int64)
    ov_delay = np.full((n_t, n_g), np.inf)
    ov_n = np.zeros(n_t, np.int64)
    for k in range(n_t):
        direct = sorted((int(rank[i, k]), i) for i in range(n_g)
                        if rank[i, k] >= 0 and delay[i, k] == 0)
        arr_n[k] = len(direct)
        for j, (r, i) in enumerate(direct):
            arr_groups[k, j], arr_rank[k, j] = i, r
        later = sorted((float(delay[i, k]), i) for i in range(n_g)
                       if rank[i, k] >= 0 and delay[i, k] > 0)
        ov_n[k] = len(later)
        for j, (d, i) in enumerate(later):
            ov_groups[k, j], ov_delay[k, j] = i, d
    g_types = np.full((n_g, n_t), -1, np.int64)
    g_delay = np.full((n_g, n_t), np.inf)
    g_n = np.zeros(n_g, np.int64)
    for i, g in enumerate(model.groups):
        g_n[i] = len(g.skills)
        for r, s in enumerate(g.skills):
            k = model.type_index(s)
            g_types[i, r], g_delay[i, r] = k, delay[i, k]
    return _Routing(aht_s=np.nan_to_num(model.aht_s, nan=0.0), patience_s=model.patience_s,
                    threshold_s=np.array([t.sl_threshold_s for t in model.types]),
                    arr_groups=arr_groups, arr_rank=arr_rank, arr_n=arr_n, g_types=g_types,
                    g_delay=g_delay, g_n=g_n, ov_groups=ov_groups, ov_delay=ov_delay, ov_n=ov_n)


# --------------------------------------------------------------------------------------------
# One replication
# --------------------------------------------------------------------------------------------

def _draw_calls(rng, calls: np.ndarray, interval_s: float):
    """One replication's calls, sorted by arrival: arrival, type, interval, unit handle time,
    unit patience. Drawn in a fixed order that depends only on ``calls`` (CRN): counts
    Poisson per (interval, type) in row order, then per call a uniform position in its
    interval and two unit exponentials. With one type these are exactly the draws of
    :func:`erlang.simulate._draw_calls` (same arrival floats, same order)."""
    n_int, n_t = calls.shape
    counts = rng.poisson(calls).ravel()
    block = np.repeat(np.arange(n_int * n_t), counts)
    n = block.size
    u = rng.random(n)
    e_service = rng.standard_exponential(n)
    e_patience = rng.standard_exponential(n)
    v = np.sort(block + u)                 # u sorted within each (interval, type) block
    frac = v - block                       # exact (Sterbenz), so with one type iv + frac == v
    iv, ctype = np.divmod(block, n_t)
    arrival = (iv + frac) * interval_s
    if n_t == 1:
        return arrival, ctype, iv, e_service, e_patience
    order = np.argsort(arrival)   # introsort: ties have probability 0
    return arrival[order], ctype[order], iv[order], e_service[order], e_patience[order]


def _run(arrival, ctype, iv, e_service, e_patience, ends, cap, routing: _Routing):
    kernel = _kernels.compiled(_mk.multiskill_kernel)
    return kernel(np.ascontiguousarray(arrival, dtype=float), ctype.astype(np.int64),
                  iv.astype(np.int64), np.ascontiguousarray(e_service, dtype=float),
                  np.ascontiguousarray(e_patience, dtype=float), ends, cap, *routing.args())


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

def simulate_skills(model, calls_per_interval, agents, interval_min, *, replications=20,
                    seed=0, warmup_intervals=0, drain=True, confidence=0.95,
                    keep_calls=False) -> MultiSkillResult:
    """Simulate the multi-skill centre over a horizon of intervals (module docstring).

    Parameters
    ----------
    model : erlang.skills.SkillsModel
        Call types, groups, routing.
    calls_per_interval : array (n_intervals x K)
        Expected calls offered per interval and type (Poisson), >= 0; one row per interval.
    agents : array (n_intervals x I), or one row (I,) for every interval
        Agents on duty per interval and group, whole numbers >= 0.
    interval_min : float
        Interval length, minutes.
    replications : int
        Independent days, >= 1 (>= 2 for confidence intervals).
    seed : int or numpy.random.SeedSequence
        Seed of every random number; replication r uses the r-th spawned stream.
    warmup_intervals : int
        Leading intervals simulated but left out of the results.
    drain : bool
        True: after the last interval the last staffing stays on until the system is empty.
        False: nobody on duty after the horizon.
    confidence : float
        Level of the ``_lo`` / ``_hi`` limits.
    keep_calls : bool
        Also return one row per simulated call (``.calls``).
    """
    model = _check_model(model)
    calls = model.check_calls(calls_per_interval, "calls_per_interval")
    staff = model.check_agents(agents, "agents")
    n_int = calls.shape[0]
    if n_int == 0:
        raise InputError("calls_per_interval is empty; give at least one interval",
                         param="calls_per_interval")
    if staff.shape[0] == 1 and n_int > 1:
        staff = np.repeat(staff, n_int, axis=0)
    if staff.shape[0] != n_int:
        raise InputError(f"agents has {staff.shape[0]} rows but calls_per_interval has "
                         f"{n_int} intervals; give one row per interval (or a single row)",
                         param="agents")
    interval_s = _check_positive("interval_min", interval_min, "minutes") * 60.0
    reps = _check_int("replications", replications, 1)
    warm = _check_int("warmup_intervals", warmup_intervals, 0)
    if warm >= n_int:
        raise InputError(f"warmup_intervals must be < the number of intervals ({n_int}); "
                         f"got {warm}", param="warmup_intervals")
    if not isinstance(drain, bool | np.bool_):
        raise InputError(f"drain must be True or False; got {drain!r}", param="drain")
    checks.share(confidence, "confidence", "share")
    seed_seq = _seed_sequence(seed)

    routing = _routing(model)
    ends = np.arange(1, n_int + 1) * interval_s
    after = staff[-1] if drain else np.zeros(model.n_groups, np.int64)
    cap = np.ascontiguousarray(np.vstack([staff, after[None, :]]), dtype=np.int64)
    tots, busys, answ, frames = [], [], [], []
    n_calls = 0
    for r, child in enumerate(seed_seq.spawn(reps)):
        drawn = _draw_calls(np.random.default_rng(child), calls, interval_s)
        status, start, group, leave, service, tot, busy_s, answered_by = _run(
            *drawn, ends, cap, routing)
        n_calls += status.size
        tots.append(tot)
        busys.append(busy_s)
        answ.append(answered_by)
        if keep_calls:
            frames.append(_call_rows(r, model, drawn, status, start, group, leave, service))
    keep = slice(warm, None)
    tot = np.stack(tots)[:, :, keep, :]                 # R x 7 x n x K
    busy = np.stack(busys)[:, keep]                     # R x n x I x K
    answered = np.stack(answ)[:, keep]
    staffed = staff[keep] * interval_s                  # n x I
    t_q = t_quantile(reps, confidence)
    return _result(model, tot, busy, answered, staffed, staff[keep], np.arange(warm, n_int),
                   t_q, n_calls, reps, float(interval_min), float(confidence),
                   pd.concat(frames, ignore_index=True) if keep_calls else None)


def _call_rows(r, model, drawn, status, start, group, leave, service) -> pd.DataFrame:
    arrival, ctype, iv, _, _ = drawn
    names_g = np.array(model.group_names + [None], dtype=object)
    answered = status == _mk.ANSWERED
    abandoned = status == _mk.ABANDONED
    wait = np.where(answered, start - arrival, np.where(abandoned, leave - arrival, np.inf))
    outcome = np.select([answered, abandoned], ["answered", "abandoned"], "unserved")
    return pd.DataFrame({
        "replication": r, "interval": iv, "type": np.array(model.type_names)[ctype],
        "arrival_s": arrival, "start_s": start,
        "end_s": np.where(answered, start + service, np.where(abandoned, np.nan, np.inf)),
        "group": names_g[group], "wait_s": wait, "outcome": outcome})


def _type_estimates(tot: np.ndarray, t_q: float) -> dict[str, np.ndarray]:
    """Counts (means) and ratios with CI from kernel totals R x 7 x ... (any trailing axes)."""
    out = {name: tot[:, row].mean(axis=0) for name, row in _COUNT_ROWS.items()}
    for name, (num, den, clip) in TYPE_RATIOS.items():
        est, lo, hi = ratio_ci(tot[:, num], tot[:, den], t_q, clip)
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = est, lo, hi
    return out


def _occupancy(busy_g: np.ndarray, staffed: np.ndarray, t_q: float) -> dict[str, np.ndarray]:
    est, lo, hi = ratio_ci(busy_g, np.broadcast_to(staffed, busy_g.shape), t_q, False)
    return {"occupancy": est, "occupancy_lo": lo, "occupancy_hi": hi}


def _result(model, tot, busy, answered, staffed, agents, interval_ix, t_q, n_calls, reps,
            interval_min, confidence, calls_frame) -> MultiSkillResult:
    n, n_g, n_t = busy.shape[1:]
    types = np.array(model.type_names, dtype=object)
    groups = np.array(model.group_names, dtype=object)
    est = _type_estimates(tot, t_q)
    by_type = pd.DataFrame({"interval": np.repeat(interval_ix, n_t), "type": np.tile(types, n),
                            **{c: v.ravel() for c, v in est.items()}})
    busy_g = busy.sum(axis=3)                                      # R x n x I
    skill = model.can_serve                                        # I x K
    gi, ki = np.nonzero(skill)
    busy_m = busy.mean(axis=0)                                     # n x I x K
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(skill, busy_m / busy_m.sum(axis=2, keepdims=True), np.nan)
    by_group = pd.DataFrame({
        "interval": np.repeat(interval_ix, n_g), "group": np.tile(groups, n),
        "agents": agents.ravel(), "answered": answered.sum(axis=3).mean(axis=0).ravel(),
        "busy_s": busy_g.mean(axis=0).ravel(), "staffed_s": staffed.ravel().astype(float),
        **{c: v.ravel() for c, v in _occupancy(busy_g, staffed, t_q).items()},
        **{f"share_{name}": share[:, :, k].ravel() for k, name in enumerate(model.type_names)}})
    by_group_type = pd.DataFrame({
        "interval": np.repeat(interval_ix, gi.size), "group": np.tile(groups[gi], n),
        "type": np.tile(types[ki], n), "answered": answered.mean(axis=0)[:, gi, ki].ravel(),
        "busy_s": busy_m[:, gi, ki].ravel(), "busy_share": share[:, gi, ki].ravel()})
    whole = tot.sum(axis=2)                                        # R x 7 x K
    type_totals = pd.DataFrame({"type": types, **_type_estimates(whole, t_q)})
    busy_tot = busy.sum(axis=1)                                    # R x I x K
    busy_gt = busy_tot.sum(axis=2)                                 # R x I
    staffed_tot = staffed.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_tot = busy_tot.mean(axis=0) / busy_gt.mean(axis=0)[:, None]
    share_tot = np.where(skill, share_tot, np.nan)
    group_totals = pd.DataFrame({
        "group": groups, "agents": agents.mean(axis=0),
        "answered": answered.sum(axis=(1, 3)).mean(axis=0), "busy_s": busy_gt.mean(axis=0),
        "staffed_s": staffed_tot, **_occupancy(busy_gt, staffed_tot, t_q),
        **{f"share_{name}": share_tot[:, k] for k, name in enumerate(model.type_names)}})
    per_rep = pd.DataFrame({"replication": np.repeat(np.arange(reps), n_t),
                            "type": np.tile(types, reps),
                            **{c: whole[:, row].ravel() for c, row in _RAW_ROWS.items()}})
    return MultiSkillResult(by_type=by_type, by_group=by_group, by_group_type=by_group_type,
                            type_totals=type_totals, group_totals=group_totals,
                            per_replication=per_rep, n_calls=int(n_calls), replications=reps,
                            interval_min=interval_min, confidence=confidence,
                            calls=calls_frame)


# --------------------------------------------------------------------------------------------
# Stationary KPIs (the staffing search's evaluation)
# --------------------------------------------------------------------------------------------

#: warm-up = this many relaxation times (initial deviation left: e^-5 < 1 %)
WARMUP_RELAXATION_TIMES = 5.0


def stationary_warmup_s(model: SkillsModel, calls_per_hour: np.ndarray, agents: np.ndarray,
                        hours: float) -> float:
    """Warm-up of :func:`stationary_kpis`: ``WARMUP_RELAXATION_TIMES`` relaxation times of
    the slowest part of the centre, at most the measured ``hours``.

    Principle: started empty, the system approaches its stationary regime like
    exp(-t / tau), tau the relaxation time. For M/M/N, tau = AHT / (sqrt(N) - sqrt(A))^2 in
    heavy traffic (Morse 1955, "Stochastic properties of waiting lines", JORSA 3(3):255-261;
    M/M/1: 1 / (mu (1 - sqrt(rho))^2)), and never below AHT (the infinite-server limit,
    where the number busy relaxes at rate 1/AHT). With abandonment every caller in the
    system leaves at rate >= min(1/AHT, 1/patience), so tau <= max(AHT, patience) (the
    comparison with an infinite-server queue). A multi-skill centre is bounded part by part:
    for each type k, the groups G_k with its skill must carry at least the load of the
    types served only by groups in G_k (the Hall condition of the routing's bipartite
    graph), so tau is taken as the largest M/M/N value over these sets (and the whole
    centre), with AHT the largest handle time of the model (conservative). It depends on the
    staffing; the calls do not (see :func:`stationary_kpis`), so common random numbers
    survive a change of warm-up.
    """
    can = model.can_serve                                  # I x K
    aht = model.aht_s
    aht_max_type = np.nanmax(np.where(can, aht, np.nan), axis=0)       # per type
    load = np.asarray(calls_per_hour, float) / 3600.0 * aht_max_type   # Erlangs, pessimistic
    scale = float(np.nanmax(aht))
    patience = model.patience_s
    sets = [can[:, k] for k in range(model.n_types)] + [np.ones(model.n_groups, bool)]
    tau = scale
    for groups in sets:
        inside = ~(can & ~groups[:, None]).any(axis=0)     # types served only inside the set
        n_agents = float(np.asarray(agents)[groups].sum())
        a = float(load[inside].sum())
        if a <= 0:
            continue
        gap = math.sqrt(n_agents) - math.sqrt(a)
        t_q = scale / gap**2 if gap > 0 else math.inf
        p_max = float(patience[inside].max())
        if math.isfinite(p_max):
            t_q = min(t_q, max(scale, p_max))
        tau = max(tau, t_q)
    return min(WARMUP_RELAXATION_TIMES * tau, hours * 3600.0)


@dataclass(frozen=True)
class _StationaryDraw:
    """One stationary replication's calls before the warm-up length is chosen: the measured
    window's (offsets from its start, sorted) and the warm-up's going back in time from the
    start of the window (``back_s`` sorted ascending, all types merged), covering
    ``covered_s`` seconds of warm-up."""

    offset_s: np.ndarray
    ctype: np.ndarray
    e_service: np.ndarray
    e_patience: np.ndarray
    back_s: np.ndarray
    back_type: np.ndarray
    back_service: np.ndarray
    back_patience: np.ndarray
    covered_s: float


def _draw_stationary(child: np.random.SeedSequence, lam_per_s: np.ndarray, meas_s: float,
                     covered_s: float) -> _StationaryDraw:
    """Calls of one stationary replication: the measured window from one stream (Poisson
    counts per type, uniform positions, unit draws: the same calls whatever the warm-up),
    the warm-up from one stream per type going back in time from the start of the window
    (rows of three unit exponentials: the gap to the previous call, its handle time, its
    patience; a longer warm-up only adds older calls: the streams are read in order)."""
    streams = child.spawn(1 + lam_per_s.size)
    rng = np.random.default_rng(streams[0])
    counts = rng.poisson(lam_per_s * meas_s)
    ctype = np.repeat(np.arange(lam_per_s.size), counts)
    n = ctype.size
    u = rng.random(n)
    e_s = rng.standard_exponential(n)
    e_p = rng.standard_exponential(n)
    order = np.argsort(u)
    parts = []
    for k, lam in enumerate(lam_per_s):
        if lam <= 0 or covered_s <= 0:
            continue
        g = np.random.default_rng(streams[1 + k])
        mean = lam * covered_s
        rows = g.standard_exponential((int(mean + 6 * math.sqrt(mean)) + 16, 3))
        back = np.cumsum(rows[:, 0]) / lam
        while back[-1] < covered_s:                        # rare: read on in the same stream
            rows = np.vstack([rows, g.standard_exponential((rows.shape[0], 3))])
            back = np.cumsum(rows[:, 0]) / lam
        m = int(np.searchsorted(back, covered_s))
        parts.append((back[:m], np.full(m, k), rows[:m, 1], rows[:m, 2]))
    if parts:
        back, b_type, b_s, b_p = (np.concatenate(x) for x in zip(*parts, strict=True))
    else:
        back, b_type, b_s, b_p = np.zeros(0), np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    b_order = np.argsort(back)
    return _StationaryDraw(offset_s=u[order] * meas_s, ctype=ctype[order],
                           e_service=e_s[order], e_patience=e_p[order], back_s=back[b_order],
                           back_type=b_type[b_order], back_service=b_s[b_order],
                           back_patience=b_p[b_order], covered_s=covered_s)


def _stationary_calls(d: _StationaryDraw, warm_s: float):
    """The kernel's calls (sorted by arrival) for a warm-up of ``warm_s`` <= d.covered_s:
    the warm-up calls in [0, warm_s) (interval 0), the measured ones after (interval 1)."""
    m = int(np.searchsorted(d.back_s, warm_s))             # calls less than warm_s back
    rev = slice(m - 1, None, -1) if m else slice(0, 0)
    arrival = np.concatenate([warm_s - d.back_s[rev], warm_s + d.offset_s])
    ctype = np.concatenate([d.back_type[rev], d.ctype])
    iv = np.concatenate([np.zeros(m, np.int64), np.ones(d.ctype.size, np.int64)])
    return (arrival, ctype, iv, np.concatenate([d.back_service[rev], d.e_service]),
            np.concatenate([d.back_patience[rev], d.e_patience]))


#: stationary draws kept for the next call with the same seed, rates, hours, replications
#: (a staffing search evaluates many staffings on the same calls): key -> list of draws
_DRAWS: dict = {}
_DRAWS_KEPT = 2


def _stationary_draws(seed, lam_per_s: np.ndarray, meas_s: float, reps: int,
                      warm_s: float) -> list[_StationaryDraw]:
    key = None
    if isinstance(seed, Integral) and not isinstance(seed, bool):
        key = (int(seed), lam_per_s.tobytes(), meas_s, reps)
        draws = _DRAWS.get(key)
        if draws is not None and draws[0].covered_s >= warm_s:
            return draws
    covered = warm_s
    if key is not None and key in _DRAWS:                  # read the warm-up streams further
        covered = max(warm_s, 2 * _DRAWS[key][0].covered_s)
    draws = [_draw_stationary(child, lam_per_s, meas_s, covered)
             for child in _seed_sequence(seed).spawn(reps)]
    if key is not None:
        _DRAWS.pop(key, None)
        while len(_DRAWS) >= _DRAWS_KEPT:
            _DRAWS.pop(next(iter(_DRAWS)))
        _DRAWS[key] = draws
    return draws


def stationary_kpis(model, calls_per_hour, agents, *, hours=10.0, replications=10, seed=0,
                    warmup_s=None, confidence=0.95) -> StationaryKpis:
    """Long-run KPIs of a constant-rate centre: per type service level (with CI), ASA,
    abandonment, P(wait); per group occupancy.

    Each replication simulates a warm-up (default :func:`stationary_warmup_s`: five
    relaxation times of the slowest part of the centre, at most ``hours``), then ``hours``
    measured hours of calls, then the drain; only calls arriving in the measured hours
    count, and busy time inside them. Replications are independent (spawned streams), so the
    CI is that of :func:`simulate_skills` over ``replications`` long days.

    Common random numbers: the measured calls depend only on ``seed``, ``calls_per_hour``,
    ``hours`` and the replication, not on ``agents`` nor on the warm-up length, so a
    staffing search sees the same calls for every candidate. With an integer ``seed`` the
    drawn calls of the last two (seed, rates, hours, replications) are kept and reused by
    the next call (a staffing search pays for the draws once; bench/RESULTS.md).

    Parameters
    ----------
    model : SkillsModel
    calls_per_hour : array (K,)
        Offered calls per hour per type, >= 0.
    agents : array (I,)
        Agents per group, whole numbers >= 0.
    hours : float
        Measured hours per replication, > 0.
    replications : int
        >= 2 for confidence intervals.
    seed : int or SeedSequence
    warmup_s : float or None
        Warm-up seconds; None = the principled default above.
    confidence : float
    """
    model = _check_model(model)
    lam = model.check_calls(calls_per_hour, "calls_per_hour")
    staff = model.check_agents(agents, "agents")
    for name, arr, per in (("calls_per_hour", lam, "call type"), ("agents", staff, "group")):
        if arr.shape[0] != 1:
            raise InputError(f"{name} must be one value per {per} (stationary: no intervals); "
                             f"got {arr.shape[0]} rows", param=name)
    lam, staff = lam[0], staff[0]
    meas_h = _check_positive("hours", hours, "hours")
    reps = _check_int("replications", replications, 1)
    checks.share(confidence, "confidence", "share")
    if warmup_s is None:
        warm = stationary_warmup_s(model, lam, staff, meas_h)
    else:
        warm = checks.seconds(warmup_s, "warmup_s", allow_zero=True)
    meas_s = meas_h * 3600.0
    routing = _routing(model)
    ends = np.array([warm, warm + meas_s])
    cap = np.ascontiguousarray(np.tile(staff, (3, 1)), dtype=np.int64)
    tots, busys = [], []
    n_calls = 0
    for draw in _stationary_draws(seed, lam / 3600.0, meas_s, reps, warm):
        status, _, _, _, _, tot, busy_s, _ = _run(*_stationary_calls(draw, warm), ends, cap,
                                                  routing)
        n_calls += status.size
        tots.append(tot[:, 1])
        busys.append(busy_s[1].sum(axis=1))
    t_q = t_quantile(reps, confidence)
    est = _type_estimates(np.stack(tots), t_q)
    est.pop("answered_within_threshold")
    for c in ("answered", "abandoned", "unserved"):
        est.pop(c)
    by_type = pd.DataFrame({"type": model.type_names, **est})
    by_group = pd.DataFrame({"group": model.group_names, "agents": staff,
                             **_occupancy(np.stack(busys), staff * meas_s, t_q)})
    return StationaryKpis(by_type=by_type, by_group=by_group, warmup_s=float(warm),
                          hours=meas_h, replications=reps, n_calls=int(n_calls))
