"""Discrete-event simulation of a contact-centre queue with staffing that changes over time.

Model
-----
One queue, first-come-first-served, calls that hang up, and agents on duty that change over
time, either as a count per interval (:func:`simulate`) or as a roster of each agent's
on-duty periods (:func:`simulate_agents`):

* arrivals are Poisson with a rate that is constant inside each interval,
  ``lambda_i = calls_i / interval_s`` (so the number of calls in interval ``i`` is
  Poisson(``calls_i``) and, given that number, arrival times are uniform in the interval);
* handling times are exponential with mean ``aht_s`` of the call's *arrival* interval;
* patience is exponential with mean ``patience_s`` of the call's arrival interval; a call
  still waiting when its patience runs out hangs up. ``patience_s=None`` means nobody hangs up.

With constant parameters this is M/M/N+M, the Palm / Erlang-A model (Palm 1943; Garnett,
Mandelbaum & Reiman 2002, "Designing a call center with impatient customers", M&SOM
4(3):208-227), and with ``patience_s=None`` it is M/M/N, the Erlang-C model. The closed forms
assume a stationary system; the simulation does not, which is what it is for: checking a
whole day's staffing, interval by interval, including the queue carried from one interval to
the next, which the interval-by-interval (pointwise stationary) use of the formulas ignores
(Green, Kolesar & Whitt 2007, "Coping with time-varying demand when setting staffing
requirements for a service system", POMS 16(1):13-39).

Who leaves when staffing falls
------------------------------
Calls in service are never pre-empted. When staffing rises, the new agents take waiting
calls at once. When it falls from N to N' while calls are in service, *which* agents leave
is a modelling choice, and it matters even with exponential handling times: the agents who
stay differ in when they are next free (a leaver on a long call takes no capacity from
the others under one rule and blocks a start under another). Three conventions:

* ``staffing_rule="count"`` (the default): no call starts while the number of calls in
  service is at or above the new staffing; in effect the first agents to finish their calls
  leave, and capacity never exceeds the scheduled count when a call is started. This is a
  lower bound on the service of the schedule: the conservative check, scheduled capacity
  only. Calls in progress at the drop still run on past the boundary: that work is the
  ``overtime_s`` of this rule (agent-seconds above the scheduled count, the time integral of
  ``max(calls in service - agents, 0)``), usually small.
* ``staffing_rule="designated"``: the exhaustive discipline of nonstationary M(t)/M/s(t)
  queues (Ingolfsson et al. 2007, INFORMS J. Computing 19(2)). The agents whose shift or break
  starts are designated at the boundary; idle agents leave first (at once); if fewer than
  N - N' are idle, the remaining leavers are the agents on the calls answered earliest. A
  designated agent finishes the call and leaves; the others keep answering. Which calls is
  fair: with exponential handling the remaining times of the calls in progress are i.i.d.
  whatever their age (memorylessness), so "answered earliest" is as good as random, and
  deterministic, so replays repeat. A rise first keeps pending leavers on (the earliest
  answered first), then adds idle agents. ``overtime_s`` = agent-seconds designated agents
  spend finishing their calls. This is the capacity of the schedule when leavers finish
  the call in progress before they go, the usual practice.
* Agent level (:func:`simulate_agents`): the actual roster, each agent on the phones only in
  its own periods (a shift with two breaks is three periods). A free agent on duty takes the
  head of the queue (the agent idle longest first); an agent whose period ends during a call
  finishes it: after the end of the shift that is ``overtime_s``; before a break it shortens
  the break (``break_lost_s``), and the agent is back at the scheduled time, or at the end
  of the call if later. No agent takes a call outside its periods. This is the service of
  the roster itself, with its breaks placed where they are, not at interval boundaries.

With a roster whose number on duty equals the staffing in every interval, the three give
the same start times call by call whenever no agent is on a call at a moment staffing
changes; they differ only in who is on the calls that run across a change.

Other conventions
-----------------
* **Attribution**: every call belongs to the interval in which it *arrives*: its answer,
  its wait, its abandonment and whether it met the threshold are counted there, even if they
  happen in a later interval. Agent-seconds (``busy_s``, ``overtime_s``, ``break_lost_s``)
  belong to the interval in which they are worked.
* **End of the horizon (drain)**: no calls arrive after the last interval, but the system runs
  on until every call waiting at the end has been answered or has hung up, with
  ``drain_agents`` agents (default: the last interval's staffing; agent level: the periods
  in progress at the end of the horizon run on). So the last interval's statistics are not
  censored. If the drain has 0 agents and nobody hangs up, the calls still waiting are never
  answered; they are counted in ``unserved`` (and against service level). Overtime worked in
  the drain (after the end of the horizon) is counted in the last interval.
* **Service level** = calls answered within ``sl_threshold_s`` (wait <= threshold) / calls
  offered. Abandoned calls count against (they are in the denominator only); this is the
  project's default definition. ``p_wait`` is the share of offered calls that had to wait at
  all (Erlang C's P(wait > 0)); ``asa_s`` the mean wait of *answered* calls.
* **Occupancy** = agent-seconds on calls inside the interval / scheduled agent-seconds on
  duty (``agents`` x ``interval_s``; agent level: the periods' seconds in the interval). The
  numerator includes calls that agents finish after their shift has ended (overtime), the
  denominator does not, so occupancy can exceed 1 just after a drop in staffing; it is NaN
  in an interval with nobody scheduled.
* **Estimates across replications**: replications are independent days (independent random
  streams, spawned from ``seed`` with :class:`numpy.random.SeedSequence`). Counts are means
  per replication. Ratios are ratios of totals over replications (e.g. service level =
  sum of answered-within / sum of offered, the quantity the Erlang formulas describe), with a
  confidence interval from the classical ratio-estimator variance (Cochran 1977, *Sampling
  Techniques*, 3rd ed., ch. 6) and Student's t with ``replications - 1`` degrees of freedom; share
  CIs are clipped to [0, 1]. With one replication the CI columns are NaN.
* **Common random numbers**: the random numbers of a replication do not depend on the
  staffing (count or roster), the staffing rule, ``aht_s`` or ``patience_s`` (handling times
  and patience are unit exponentials scaled per call), so two plans or two rules simulated
  with the same seed see the same calls and their difference is usually much less noisy
  than either estimate.
* **Start**: the horizon starts empty (no call waiting or in service). ``warmup_intervals``
  leading intervals are simulated but left out of the results, for steady-state studies.

Algorithm
---------
Under FCFS a call's fate depends only on the calls ahead of it, so calls are processed in
arrival order, not event by event: for each call the clock starts at its arrival (or later,
when the call ahead of it was answered or hung up) and moves over service ends and staffing
changes until an agent is free (the call is answered then) or its patience runs out first
(it hangs up). Heaps hold the calls in service (and, at agent level, the agents by the time
they are next free). The kernels are in :mod:`erlang._kernels`, compiled with numba on first
use; the cost per simulated call is in ``bench/RESULTS.md`` (``bench/bench_simulate.py``).
:func:`fcfs_start_times` and :func:`agent_start_times` expose them for replaying given calls
(e.g. a historical call log against a new staffing plan or roster).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from erlang import _kernels
from wfmcore import checks
from wfmcore.errors import InputError

__all__ = [
    "STAFFING_RULES",
    "SimulationResult",
    "agent_start_times",
    "fcfs_start_times",
    "ratio_ci",
    "simulate",
    "simulate_agents",
    "simulate_intervals",
    "t_quantile",
]

#: Ratio columns of the results, each with ``_lo`` and ``_hi`` confidence limits.
RATIO_COLUMNS = ("service_level", "asa_s", "p_abandon", "p_wait", "occupancy")
#: Count columns of the results (means per replication).
COUNT_COLUMNS = ("offered", "answered", "abandoned", "answered_within_threshold", "unserved")
#: What happens at a drop in staffing (see the module docstring).
STAFFING_RULES = ("count", "designated")


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` and :func:`simulate_agents` return.

    Attributes
    ----------
    intervals : DataFrame
        One row per reported interval: ``interval`` (position in the inputs), ``agents``
        (agents on duty; agent level: the mean number scheduled over the interval), the
        count columns (means per replication) ``offered``, ``answered``, ``abandoned``,
        ``answered_within_threshold``, ``unserved``, the ratio columns ``service_level``,
        ``asa_s``, ``p_abandon``, ``p_wait``, ``occupancy``, each with ``<name>_lo`` and
        ``<name>_hi`` confidence limits, then ``overtime_s`` (agent-seconds worked beyond the
        schedule, mean per replication) and, at agent level, ``break_lost_s`` (agent-seconds
        of breaks lost to calls running into them).
    summary : DataFrame
        One row, same count, ratio and agent-second columns, for the whole reported horizon.
    replications : DataFrame
        One row per replication x reported interval with the raw totals the estimates are
        built from: ``replication``, ``interval``, ``agents``, the count columns,
        ``waited`` (calls with wait > 0), ``wait_answered_s`` (sum of waits of answered
        calls), ``busy_s`` (agent-seconds on calls), ``staffed_s`` (scheduled agent-seconds
        on duty), ``overtime_s`` and, at agent level, ``break_lost_s``.
    calls : DataFrame or None
        With ``keep_calls=True``: one row per simulated call, ``replication``, ``interval``,
        ``arrival_s``, ``start_s`` (NaN if it hung up, inf if never answered), ``end_s``,
        ``wait_s`` (time until answered or hung up; inf if never answered), ``outcome``
        (``"answered"``, ``"abandoned"`` or ``"unserved"``); at agent level also ``agent``
        (who answered; missing if nobody), ``overtime_s`` and ``break_lost_s`` (of that call).
        Times are seconds from the start of the first interval, warm-up included.
    """

    intervals: pd.DataFrame
    summary: pd.DataFrame
    replications: pd.DataFrame
    calls: pd.DataFrame | None = None


# --------------------------------------------------------------------------------------------
# Input checks (once, at the boundary)
# --------------------------------------------------------------------------------------------

def _as_1d(name: str, value, n: int | None, per: str = "interval") -> np.ndarray:
    """``value`` as a float array of length ``n`` (a scalar is broadcast); one per ``per``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number or a sequence of numbers; "
                         f"got {value!r}") from None
    if arr.ndim == 0:
        if n is None:
            raise InputError(f"{name} must be a sequence with one value per {per}; got a scalar")
        arr = np.full(n, float(arr))
    elif arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional; got shape {arr.shape}")
    elif n is not None and arr.size != n:
        raise InputError(f"{name} has {arr.size} values but there are {n} {per}s; "
                         f"give one value per {per} or a single value")
    if np.isnan(arr).any():
        i = int(np.flatnonzero(np.isnan(arr))[0])
        raise InputError(f"{name} is NaN at {per} {i}; a value is needed for every {per}")
    return arr


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    i = int(np.flatnonzero(bad)[0])
    return f"interval {i} has {arr[i]!r} ({int(bad.sum())} intervals like this)"


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise InputError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _check_agents(name: str, value, n: int | None) -> np.ndarray:
    arr = _as_1d(name, value, n)
    if (arr < 0).any():
        raise InputError(f"{name} must be >= 0 agents; {_first_bad(arr, arr < 0)}")
    frac = ~np.isfinite(arr) | (arr != np.round(arr))
    if frac.any():
        raise InputError(f"{name} must be whole agents; {_first_bad(arr, frac)}")
    return arr.astype(np.int64)


def _check_positive(name: str, arr: np.ndarray, allow_inf: bool = False) -> np.ndarray:
    bad = ~(arr > 0) | (np.isinf(arr) if not allow_inf else np.zeros(arr.shape, bool))
    if bad.any():
        raise InputError(f"{name} must be > 0 seconds; {_first_bad(arr, bad)}")
    return arr


def _as_float(name: str, value, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be {what}; got {value!r}") from None


def _interval_s(interval_min) -> float:
    interval_s = _as_float("interval_min", interval_min, "a number of minutes") * 60.0
    if not (interval_s > 0 and math.isfinite(interval_s)):
        raise InputError(f"interval_min must be > 0 minutes; got {interval_min!r}")
    return interval_s


def _check_inputs(calls_per_interval, aht_s, agents, interval_min, sl_threshold_s, patience_s,
                  replications, warmup_intervals, drain_agents, confidence):
    calls = _as_1d("calls_per_interval", calls_per_interval, None)
    n = calls.size
    if n == 0:
        raise InputError("calls_per_interval is empty; give at least one interval")
    bad = (calls < 0) | ~np.isfinite(calls)
    if bad.any():
        raise InputError("calls_per_interval must be finite and >= 0 calls; "
                         + _first_bad(calls, bad))
    aht = _check_positive("aht_s", _as_1d("aht_s", aht_s, n))
    staff = _check_agents("agents", agents, n)
    interval_s = _interval_s(interval_min)
    threshold = _as_float("sl_threshold_s", sl_threshold_s, "a number of seconds")
    if not threshold >= 0:
        raise InputError(f"sl_threshold_s must be >= 0 seconds; got {sl_threshold_s!r}")
    if patience_s is None:
        patience = np.full(n, np.inf)
    else:
        patience = _check_positive("patience_s", _as_1d("patience_s", patience_s, n),
                                   allow_inf=True)
    reps = _check_int("replications", replications, 1)
    warm = _check_int("warmup_intervals", warmup_intervals, 0)
    if warm >= n:
        raise InputError(f"warmup_intervals must be < the number of intervals ({n}); got {warm}")
    drain = int(staff[-1]) if drain_agents is None else _check_int("drain_agents", drain_agents, 0)
    checks.share(confidence, "confidence", "share")
    return calls, aht, staff, interval_s, threshold, patience, reps, warm, drain




def _check_rule(staffing_rule) -> str:
    if staffing_rule not in STAFFING_RULES:
        raise InputError(f"staffing_rule must be 'count' or 'designated'; got {staffing_rule!r}")
    return staffing_rule


def _seed_sequence(seed) -> np.random.SeedSequence:
    try:
        return (seed if isinstance(seed, np.random.SeedSequence)
                else np.random.SeedSequence(seed))
    except (TypeError, ValueError):
        raise InputError(f"seed must be a non-negative integer; got {seed!r}") from None


@dataclass(frozen=True)
class _Roster:
    """Duty periods as the agent kernel takes them: sorted by agent, then start."""

    labels: np.ndarray        # agent label per agent number
    start_s: np.ndarray       # per period
    end_s: np.ndarray         # per period (inf where the drain extends it)
    shift_end: np.ndarray     # per period: 1 if the gap after it ends the shift, 0 = a break
    first: np.ndarray         # per agent: its first period
    stop: np.ndarray          # per agent: one past its last period
    scheduled_end_s: np.ndarray   # per period, before any drain extension


def _label(value):
    """A label as the user wrote it (a numpy scalar as its Python value) for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _check_duty(duty, drain_from_s: float | None) -> _Roster:
    """``duty`` (a table with ``agent``, ``start_s``, ``end_s`` and optionally ``shift``) as a
    :class:`_Roster`; rows are counted from 0 in error messages, as in ``DataFrame.iloc``.
    Periods in progress at ``drain_from_s`` (start < it <= end) run on for ever (the drain)."""
    try:
        frame = duty if isinstance(duty, pd.DataFrame) else pd.DataFrame(duty)
    except (TypeError, ValueError):
        raise InputError("duty must be a table (DataFrame or mapping of columns) with columns "
                         f"agent, start_s, end_s; got {type(duty).__name__}") from None
    for col in ("agent", "start_s", "end_s"):
        if col not in frame.columns:
            raise InputError(f"duty has no column {col!r}; it needs agent, start_s, end_s "
                             "(seconds from the start of interval 0) and optionally shift")
    times = {}
    for col in ("start_s", "end_s"):
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"duty row {i}: {col} must be a finite number of seconds; "
                             f"got {frame[col].iloc[i]!r}")
        times[col] = values
    start, end = times["start_s"], times["end_s"]
    agent = frame["agent"].to_numpy()
    missing = pd.isna(frame["agent"]).to_numpy()
    if missing.any():
        raise InputError(f"duty row {int(np.flatnonzero(missing)[0])}: agent is missing")
    if (start < 0).any():
        i = int(np.flatnonzero(start < 0)[0])
        raise InputError(f"duty row {i}: start_s must be >= 0 seconds; got {float(start[i])!r}")
    bad = ~(end > start)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"duty row {i}: end_s ({float(end[i])!r}) must be > start_s "
                         f"({float(start[i])!r}) for agent {_label(agent[i])!r}")
    try:
        labels, number = np.unique(agent, return_inverse=True)
    except TypeError:
        raise InputError("duty column agent mixes kinds of labels (e.g. numbers and text); "
                         "use one kind") from None
    shift = (frame["shift"].to_numpy() if "shift" in frame.columns
             else np.zeros(len(frame), dtype=np.int64))
    order = np.lexsort((end, start, number))
    number, start, end, shift = number[order], start[order], end[order], shift[order]
    same = number[1:] == number[:-1]
    overlap = same & (start[1:] < end[:-1])
    if overlap.any():
        k = int(np.flatnonzero(overlap)[0])
        r1, r2 = sorted((int(order[k]), int(order[k + 1])))
        raise InputError(f"duty rows {r1} and {r2} overlap for agent "
                         f"{_label(labels[number[k]])!r}: "
                         f"[{start[k]:g}, {end[k]:g}) and [{start[k + 1]:g}, {end[k + 1]:g}) s")
    shift_end = np.ones(start.size, dtype=np.int8)
    shift_end[:-1] = ~(same & (shift[1:] == shift[:-1]))
    n_agents = labels.size
    first = np.searchsorted(number, np.arange(n_agents), side="left").astype(np.int64)
    stop = np.searchsorted(number, np.arange(n_agents), side="right").astype(np.int64)
    run_end = end.copy()
    if drain_from_s is not None:
        run_end[(start < drain_from_s) & (end >= drain_from_s)] = np.inf
    return _Roster(labels=labels, start_s=start, end_s=run_end, shift_end=shift_end,
                   first=first, stop=stop, scheduled_end_s=end)


# --------------------------------------------------------------------------------------------
# Replays (the kernels are in erlang._kernels)
# --------------------------------------------------------------------------------------------

def _ends_and_cap(staff: np.ndarray, drain: int, interval_s: float):
    """Interval end times (K) and agents per interval with the drain's appended (K + 1)."""
    ends = np.arange(1, staff.size + 1) * interval_s
    return ends, np.append(staff, drain).astype(np.int64)


def _in_bins(lo: np.ndarray, hi: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Seconds of the segments [lo, hi) inside each interval, plus those after the last end
    (K + 1 values)."""
    inside = _busy_by_interval(lo, hi, np.concatenate(([0.0], ends)))
    after = float((np.maximum(hi, ends[-1]) - np.maximum(lo, ends[-1])).sum())
    return np.append(inside, after)


def _excess_busy(start: np.ndarray, end: np.ndarray, ends: np.ndarray,
                 cap: np.ndarray) -> np.ndarray:
    """The ``count`` rule's overtime per interval (K + 1 values, the last after the horizon):
    the integral over time of max(calls in service - agents on duty, 0), the agent-seconds
    spent finishing calls in progress at a drop beyond the new staffing."""
    if start.size == 0 or (np.diff(cap) >= 0).all():   # staffing never falls: none
        return np.zeros(ends.size + 1)
    return _kernels.compiled(_kernels.excess_kernel)(np.sort(start), np.sort(end), ends, cap)


def _rule_replay(rule: str, arrival, service, pat, ends, cap):
    """Start times and overtime per interval (K + 1 values) under a staffing rule."""
    if rule == "count":
        start = _kernels.compiled(_kernels.count_kernel)(arrival, service, pat, ends, cap)
        answered = np.isfinite(start)
        s = start[answered]
        return start, _excess_busy(s, s + service[answered], ends, cap)
    start, seg_from, seg_to, _ = _kernels.compiled(_kernels.designated_kernel)(
        arrival, service, pat, ends, cap)
    return start, _in_bins(seg_from, seg_to, ends)


def _agent_replay(roster: _Roster, arrival, service, pat):
    """(start, agent number or -1, per-call overtime and break lost, segments) of a roster."""
    start, agent, seg_from, seg_to, seg_kind, seg_call = _kernels.compiled(
        _kernels.agent_kernel)(arrival, service, pat, roster.start_s, roster.end_s,
                               roster.shift_end, roster.first, roster.stop)
    return start, agent, seg_from, seg_to, seg_kind, seg_call


def _contiguous(*arrays):
    return [np.ascontiguousarray(a, dtype=float) for a in arrays]


def fcfs_start_times(arrival_s, service_s, agents, interval_min, *, patience_s=None,
                     drain_agents=None, staffing_rule="count", return_overtime=False):
    """Replay given calls through the FCFS queue; return each call's answer time in seconds.

    The deterministic core of :func:`simulate` (see the module docstring for the staffing
    rules and the drain), for calls you already have: a simulated day, or a historical log
    replayed against a different staffing plan.

    Parameters
    ----------
    arrival_s : array of float
        Arrival times, seconds from the start of interval 0, sorted ascending.
    service_s : array of float
        Handling time each call would need, seconds (> 0).
    agents : array of int
        Agents on duty per interval; interval ``i`` is ``[i, i+1) * interval_min`` minutes.
    interval_min : float
        Interval length, minutes.
    patience_s : array of float, float or None
        Time each caller is willing to wait, seconds (``inf`` = for ever), per call or one
        value for all; None = everyone waits for ever.
    drain_agents : int or None
        Agents on duty after the last interval; None = the last interval's value.
    staffing_rule : "count" or "designated"
        Who leaves at a drop in staffing (module docstring).
    return_overtime : bool
        Also return the overtime per interval.

    Returns
    -------
    ndarray of float
        Time the call was answered (seconds); NaN if the caller hung up first; ``inf`` if
        never answered (only possible when the drain has 0 agents and nobody hangs up).
    ndarray of float, with ``return_overtime``
        Agent-seconds worked beyond the schedule in each interval (module docstring; the
        drain's are in the last interval).
    """
    rule = _check_rule(staffing_rule)
    arr, svc, pat = _check_calls(arrival_s, service_s, patience_s)
    staff = _check_agents("agents", agents, None)
    if staff.size == 0:
        raise InputError("agents is empty; give at least one interval")
    interval_s = _interval_s(interval_min)
    drain = int(staff[-1]) if drain_agents is None else _check_int("drain_agents", drain_agents, 0)
    ends, cap = _ends_and_cap(staff, drain, interval_s)
    start, overtime = _rule_replay(rule, arr, svc, pat, ends, cap)
    return (start, _fold_drain(overtime)) if return_overtime else start


def _check_calls(arrival_s, service_s, patience_s):
    arr = _as_1d("arrival_s", arrival_s, None, per="call")
    n = arr.size
    svc = _check_positive("service_s", _as_1d("service_s", service_s, n, per="call"))
    if n and (not np.isfinite(arr).all() or (np.diff(arr) < 0).any() or arr[0] < 0):
        raise InputError("arrival_s must be finite, >= 0 and sorted ascending (seconds)")
    if patience_s is None:
        pat = np.full(n, np.inf)
    else:
        pat = _check_positive("patience_s", _as_1d("patience_s", patience_s, n, per="call"),
                              allow_inf=True)
    return _contiguous(arr, svc, pat)


def agent_start_times(arrival_s, service_s, duty, *, patience_s=None,
                      drain_from_s=None) -> pd.DataFrame:
    """Replay given calls through the FCFS queue answered by a roster of agents.

    The deterministic core of :func:`simulate_agents` (module docstring: agent level).

    Parameters
    ----------
    arrival_s, service_s, patience_s
        As in :func:`fcfs_start_times`.
    duty : DataFrame or mapping of columns
        One row per contiguous on-phone period: ``agent`` (any label), ``start_s`` and
        ``end_s`` (seconds from the start of interval 0, ``end_s > start_s >= 0``; the agent
        is on duty in ``[start_s, end_s)``), and optionally ``shift``: periods of one agent
        with the same ``shift`` are one shift and the gaps between them are breaks; without
        it all periods of an agent are one shift. Periods of one agent must not overlap.
    drain_from_s : float or None
        The end of the horizon: periods in progress then run on until the queue is empty
        (the drain; no overtime is counted on them). None = periods exactly as given.

    Returns
    -------
    DataFrame
        One row per call: ``start_s`` (NaN if the caller hung up, inf if never answered),
        ``agent`` (label of who answered; missing if nobody), ``overtime_s`` (seconds of the
        call after the end of that agent's shift) and ``break_lost_s`` (seconds of the call
        inside a break of that agent).
    """
    arr, svc, pat = _check_calls(arrival_s, service_s, patience_s)
    if drain_from_s is not None:
        drain_from_s = _as_float("drain_from_s", drain_from_s, "a number of seconds or None")
    roster = _check_duty(duty, drain_from_s)
    start, agent, seg_from, seg_to, seg_kind, seg_call = _agent_replay(roster, arr, svc, pat)
    lost = seg_to - seg_from
    labels = np.asarray(roster.labels, dtype=object)
    return pd.DataFrame({
        "start_s": start,
        "agent": np.where(agent >= 0, labels[np.maximum(agent, 0)] if labels.size else None,
                          None),
        "overtime_s": np.bincount(seg_call, weights=lost * (seg_kind == 0), minlength=arr.size),
        "break_lost_s": np.bincount(seg_call, weights=lost * (seg_kind == 1), minlength=arr.size),
    })


# --------------------------------------------------------------------------------------------
# One replication
# --------------------------------------------------------------------------------------------

def _busy_by_interval(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Agent-seconds on calls inside each interval: F(edge_{i+1}) - F(edge_i) with
    F(T) = sum over calls of min(end, T) - min(start, T)."""
    def sum_min(x):
        x = np.sort(x)
        csum = np.concatenate(([0.0], np.cumsum(x)))
        j = np.searchsorted(x, edges, side="right")      # how many x <= edge
        return csum[j] + edges * (x.size - j)
    return np.diff(sum_min(end) - sum_min(start))


def _draw_calls(rng, calls, aht, patience, interval_s):
    """One replication's calls: interval, arrival, handling and patience times.

    Drawn in a fixed order and scaled per call, so the numbers do not depend on the
    staffing, the rule, AHT or patience (common random numbers across plans and modes).
    """
    counts = rng.poisson(calls)
    idx = np.repeat(np.arange(calls.size), counts)
    n = idx.size
    u = rng.random(n)
    e_service = rng.standard_exponential(n)
    e_patience = rng.standard_exponential(n)
    # arrival = (idx + u) * interval_s with u sorted within each interval: idx is sorted and
    # u in [0, 1), so sorting idx + u gives the same floats (u -> idx + u is monotone for
    # each idx, and the intervals' values do not interleave) in one float sort, ~8x faster
    # than np.lexsort((u, idx)), identical bit for bit.
    arrival = np.sort(idx + u) * interval_s
    service = e_service * aht[idx]
    pat_mean = patience[idx]
    pat = np.where(np.isinf(pat_mean), np.inf, e_patience * pat_mean)
    return counts, idx, arrival, service, pat


def _fold_drain(per_bin: np.ndarray) -> np.ndarray:
    """K + 1 values (the last after the horizon) -> K, the drain's added to the last interval."""
    out = per_bin[:-1].copy()
    out[-1] += per_bin[-1]
    return out


def _call_totals(counts, idx, arrival, service, pat, start, interval_s, threshold, keep_calls):
    """Per-interval totals of the calls (attributed to their arrival interval) and busy time."""
    n_int = counts.size
    answered = np.isfinite(start)
    abandoned = np.isnan(start)
    unserved = np.isinf(start)
    wait = np.where(answered, start - arrival, np.where(abandoned, pat, np.inf))
    within = answered & (wait <= threshold)
    waited = wait > 0

    def per_interval(mask_or_weights):
        return np.bincount(idx, weights=mask_or_weights.astype(float), minlength=n_int)

    edges = np.arange(n_int + 1) * interval_s
    end = start[answered] + service[answered]
    totals = {
        "offered": counts.astype(float),
        "answered": per_interval(answered),
        "abandoned": per_interval(abandoned),
        "answered_within_threshold": per_interval(within),
        "unserved": per_interval(unserved),
        "waited": per_interval(waited),
        "wait_answered_s": per_interval(np.where(answered, wait, 0.0)),
        "busy_s": _busy_by_interval(start[answered], end, edges),
    }
    call_rows = None
    if keep_calls:
        call_rows = {
            "interval": idx, "arrival_s": arrival, "start_s": start,
            "end_s": np.where(answered, start + service, np.where(abandoned, np.nan, np.inf)),
            "wait_s": wait,
            "outcome": np.where(answered, "answered", np.where(abandoned, "abandoned", "unserved")),
        }
    return totals, call_rows


# --------------------------------------------------------------------------------------------
# Estimates across replications
# --------------------------------------------------------------------------------------------


#: ratio column -> (numerator total, denominator total, clip to [0, 1])
_RATIOS = {
    "service_level": ("answered_within_threshold", "offered", True),
    "asa_s": ("wait_answered_s", "answered", False),
    "p_abandon": ("abandoned", "offered", True),
    "p_wait": ("waited", "offered", True),
    "occupancy": ("busy_s", "staffed_s", False),
}


def t_quantile(replications: int, confidence: float) -> float:
    """Student's t quantile for a two-sided ``confidence`` interval from ``replications``
    independent replications (``replications - 1`` degrees of freedom); NaN for one."""
    if replications <= 1:
        return math.nan
    return float(stdtrit(replications - 1, 0.5 + confidence / 2))


def ratio_ci(num: np.ndarray, den: np.ndarray, t_q: float, clip: bool):
    """Ratio-of-totals estimate over replications (axis 0) with a t confidence interval.

    R = sum(num) / sum(den); SE(R) = sqrt(sum((num_r - R den_r)^2) / (n (n - 1))) / mean(den)
    (Cochran 1977, ch. 6). NaN where the denominator is 0 in every replication.
    """
    n = num.shape[0]
    tot_den = den.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(tot_den > 0, num.sum(axis=0) / tot_den, np.nan)
        if n > 1:
            resid = num - est * den
            se = np.sqrt((resid**2).sum(axis=0) / (n * (n - 1))) / (tot_den / n)
        else:
            se = np.full(est.shape, np.nan)
    lo, hi = est - t_q * se, est + t_q * se
    lo = np.maximum(lo, 0.0)
    if clip:
        hi = np.minimum(hi, 1.0)
    return est, lo, hi


def _estimates(tot: dict[str, np.ndarray], t_q: float,
               extra: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {c: tot[c].mean(axis=0) for c in COUNT_COLUMNS}
    for name, (num, den, clip) in _RATIOS.items():
        est, lo, hi = ratio_ci(tot[num], tot[den], t_q, clip)
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = est, lo, hi
    for c in extra:                     # agent-seconds: means per replication
        out[c] = tot[c].mean(axis=0)
    return out


def _result(per_rep: list[dict], call_frames: list, warm: int, n_int: int, agents: np.ndarray,
            confidence: float, extra: tuple[str, ...]) -> SimulationResult:
    """The result frames from the per-replication totals (one dict of K arrays each)."""
    reps = len(per_rep)
    keep = slice(warm, None)
    tot = {c: np.stack([t[c][keep] for t in per_rep]) for c in per_rep[0]}
    t_q = t_quantile(reps, confidence)
    interval_ix = np.arange(warm, n_int)
    intervals = pd.DataFrame({"interval": interval_ix, "agents": agents[keep],
                              **_estimates(tot, t_q, extra)})
    summary = pd.DataFrame(_estimates({c: v.sum(axis=1, keepdims=True) for c, v in tot.items()},
                                      t_q, extra))
    replications_frame = pd.DataFrame({
        "replication": np.repeat(np.arange(reps), interval_ix.size),
        "interval": np.tile(interval_ix, reps),
        "agents": np.tile(agents[keep], reps),
        **{c: v.ravel() for c, v in tot.items()},
    })
    calls_frame = pd.concat(call_frames, ignore_index=True) if call_frames else None
    return SimulationResult(intervals=intervals, summary=summary,
                            replications=replications_frame, calls=calls_frame)



# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

def simulate(calls_per_interval, aht_s, agents, interval_min, *, sl_threshold_s=20.0,
             patience_s=None, seed=0, replications=20, warmup_intervals=0, drain_agents=None,
             confidence=0.95, keep_calls=False, staffing_rule="count") -> SimulationResult:
    """Simulate the queue over a horizon of intervals; estimates per interval and in total.

    See the module docstring for the model (M/M/N+M with piecewise-constant arrival rate and
    staffing) and the conventions (staffing rules, attribution, drain, ratio estimates).

    Parameters
    ----------
    calls_per_interval : array of float
        Expected calls offered per interval (the Poisson intensity x interval length), >= 0.
    aht_s : float or array of float
        Mean handling time, seconds, > 0; per interval or one value.
    agents : int or array of int
        Agents on duty per interval, >= 0.
    interval_min : float
        Interval length, minutes.
    sl_threshold_s : float
        Service-level threshold, seconds: a call answered after waiting <= this meets it.
    patience_s : float, array of float or None
        Mean patience, seconds (exponential), per interval or one value; None = nobody
        hangs up (Erlang C); ``inf`` in an interval = nobody arriving then hangs up.
    seed : int or numpy.random.SeedSequence
        Seed of all random numbers; same seed, same result. Replication ``r`` uses the
        ``r``-th stream spawned from it, whatever the number of replications.
    replications : int
        Independent replications (days), >= 1; >= 2 for confidence intervals.
    warmup_intervals : int
        Leading intervals simulated but left out of the results.
    drain_agents : int or None
        Agents on duty after the last interval while the queue drains; None = the last
        interval's staffing.
    confidence : float
        Confidence level of the ``_lo`` / ``_hi`` columns (0.95 = 95%).
    keep_calls : bool
        Also return one row per simulated call (``SimulationResult.calls``).
    staffing_rule : "count" or "designated"
        Who leaves at a drop in staffing: ``count`` (the default, conservative: scheduled
        capacity only) or ``designated`` (the agents whose shift or break starts finish
        their call and leave); see the module docstring.

    Returns
    -------
    SimulationResult
        ``.intervals`` (one row per interval), ``.summary`` (one row, whole horizon),
        ``.replications`` (raw totals), ``.calls`` (with ``keep_calls``).
    """
    rule = _check_rule(staffing_rule)
    calls, aht, staff, interval_s, threshold, patience, reps, warm, drain = _check_inputs(
        calls_per_interval, aht_s, agents, interval_min, sl_threshold_s, patience_s,
        replications, warmup_intervals, drain_agents, confidence)
    seed_seq = _seed_sequence(seed)
    ends, cap = _ends_and_cap(staff, drain, interval_s)
    per_rep, call_frames = [], []
    for r, child in enumerate(seed_seq.spawn(reps)):
        counts, idx, arrival, service, pat = _draw_calls(np.random.default_rng(child), calls,
                                                         aht, patience, interval_s)
        start, overtime = _rule_replay(rule, arrival, service, pat, ends, cap)
        totals, call_rows = _call_totals(counts, idx, arrival, service, pat, start, interval_s,
                                         threshold, keep_calls)
        totals["staffed_s"] = staff * interval_s
        totals["overtime_s"] = _fold_drain(overtime)
        per_rep.append(totals)
        if keep_calls:
            call_frames.append(pd.DataFrame({"replication": r, **call_rows}))
    return _result(per_rep, call_frames, warm, calls.size, staff, confidence, ("overtime_s",))


def simulate_intervals(calls_per_interval, aht_s, agents, interval_min, *, sl_threshold_s=20.0,
                       patience_s=None, seed=0, replications=20, warmup_intervals=0,
                       drain_agents=None, confidence=0.95,
                       staffing_rule="count") -> pd.DataFrame:
    """Per-interval estimates of :func:`simulate` (its ``.intervals`` frame).

    Columns: ``interval``, ``agents``, ``offered``, ``answered``, ``abandoned``,
    ``answered_within_threshold``, ``unserved`` (means per replication), ``service_level``,
    ``asa_s``, ``p_abandon``, ``p_wait``, ``occupancy`` with their ``_lo`` / ``_hi``
    confidence limits, and ``overtime_s`` (mean per replication). The whole-horizon totals
    are in ``simulate(...).summary``.
    """
    return simulate(calls_per_interval, aht_s, agents, interval_min,
                    sl_threshold_s=sl_threshold_s, patience_s=patience_s, seed=seed,
                    replications=replications, warmup_intervals=warmup_intervals,
                    drain_agents=drain_agents, confidence=confidence,
                    staffing_rule=staffing_rule).intervals


def simulate_agents(calls_per_interval, aht_s, duty, interval_min, *, sl_threshold_s=20.0,
                    patience_s=None, seed=0, replications=20, warmup_intervals=0, drain=True,
                    confidence=0.95, keep_calls=False) -> SimulationResult:
    """Simulate the queue answered by a roster, agent by agent (module docstring: agent level).

    The calls are those of :func:`simulate` with the same ``calls_per_interval``, ``aht_s``,
    ``patience_s``, ``interval_min`` and ``seed`` (common random numbers: replication ``r``
    sees identical calls), so the agent-level replay can be compared with the ``count`` and
    ``designated`` rules call by call.

    Parameters
    ----------
    calls_per_interval, aht_s, interval_min, sl_threshold_s, patience_s, seed, replications,
    warmup_intervals, confidence, keep_calls
        As in :func:`simulate`.
    duty : DataFrame or mapping of columns
        The roster: one row per contiguous on-phone period, ``agent``, ``start_s``,
        ``end_s`` (seconds from the start of interval 0) and optionally ``shift``; a shift
        with two breaks is three rows. See :func:`agent_start_times`.
    drain : bool
        True: the periods in progress at the end of the horizon run on until the queue is
        empty (the agent-level form of the default ``drain_agents``). False: periods as
        given; calls still waiting when nobody is on duty any more hang up or are unserved.

    Returns
    -------
    SimulationResult
        As :func:`simulate`, with ``agents`` = the mean number of agents scheduled on duty in
        the interval, ``staffed_s`` = the periods' seconds inside it, and the columns
        ``overtime_s`` and ``break_lost_s`` (module docstring); ``.calls`` also has
        ``agent``, ``overtime_s`` and ``break_lost_s``.
    """
    calls, aht, _, interval_s, threshold, patience, reps, warm, _ = _check_inputs(
        calls_per_interval, aht_s, 0, interval_min, sl_threshold_s, patience_s,
        replications, warmup_intervals, None, confidence)
    if not isinstance(drain, bool):
        raise InputError(f"drain must be True or False; got {drain!r}")
    n_int = calls.size
    horizon_s = n_int * interval_s
    roster = _check_duty(duty, horizon_s if drain else None)
    edges = np.arange(n_int + 1) * interval_s
    staffed_s = _busy_by_interval(roster.start_s, roster.scheduled_end_s, edges)
    ends = edges[1:]
    labels = np.asarray(roster.labels, dtype=object)
    per_rep, call_frames = [], []
    for r, child in enumerate(_seed_sequence(seed).spawn(reps)):
        counts, idx, arrival, service, pat = _draw_calls(np.random.default_rng(child), calls,
                                                         aht, patience, interval_s)
        start, agent, seg_from, seg_to, seg_kind, seg_call = _agent_replay(
            roster, arrival, service, pat)
        totals, call_rows = _call_totals(counts, idx, arrival, service, pat, start, interval_s,
                                         threshold, keep_calls)
        totals["staffed_s"] = staffed_s
        overtime = seg_kind == 0
        totals["overtime_s"] = _fold_drain(_in_bins(seg_from[overtime], seg_to[overtime], ends))
        totals["break_lost_s"] = _fold_drain(_in_bins(seg_from[~overtime], seg_to[~overtime],
                                                      ends))
        per_rep.append(totals)
        if keep_calls:
            lost = seg_to - seg_from
            call_rows["agent"] = np.where(
                agent >= 0, labels[np.maximum(agent, 0)] if labels.size else None, None)
            call_rows["overtime_s"] = np.bincount(seg_call, weights=lost * overtime,
                                                  minlength=idx.size)
            call_rows["break_lost_s"] = np.bincount(seg_call, weights=lost * ~overtime,
                                                    minlength=idx.size)
            call_frames.append(pd.DataFrame({"replication": r, **call_rows}))
    return _result(per_rep, call_frames, warm, n_int, staffed_s / interval_s, confidence,
                   ("overtime_s", "break_lost_s"))
