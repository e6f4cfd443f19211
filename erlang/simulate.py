"""Discrete-event simulation of a contact-centre queue with staffing that changes per interval.

Model
-----
One queue, ``N(t)`` identical agents, first-come-first-served, calls that hang up:

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

Conventions
-----------
* **Staffing changes at interval boundaries** (the "exhaustive" convention, as opposed to
  pre-empting calls in progress). When ``agents`` rises, the new agents take waiting
  calls at once. When it falls, idle agents log off at once; agents on a call finish it (no
  pre-emption) and log off at the end of it, and no waiting call is started while the number
  of agents on a call is at or above the new staffing. Only the count matters: with
  exponential handling times it does not matter which agent leaves.
* **Attribution**: every call belongs to the interval in which it *arrives*: its answer,
  its wait, its abandonment and whether it met the threshold are counted there, even if they
  happen in a later interval.
* **End of the horizon (drain)**: no calls arrive after the last interval, but the system runs
  on until every call waiting at the end has been answered or has hung up, with
  ``drain_agents`` agents (default: the last interval's staffing). So the last interval's
  statistics are not censored. If the drain has 0 agents and nobody hangs up, the calls still
  waiting are never answered; they are counted in ``unserved`` (and against service level).
* **Service level** = calls answered within ``sl_threshold_s`` (wait <= threshold) / calls
  offered. Abandoned calls count against (they are in the denominator only); this is the
  project's default definition. ``p_wait`` is the share of offered calls that had to wait at
  all (Erlang C's P(wait > 0)); ``asa_s`` the mean wait of *answered* calls.
* **Occupancy** = agent-seconds on calls inside the interval / (``agents`` x ``interval_s``).
  The numerator includes calls that agents finish after their shift has ended, so occupancy
  can exceed 1 just after a drop in staffing, and is NaN in an interval with 0 agents.
* **Estimates across replications**: replications are independent days (independent random
  streams, spawned from ``seed`` with :class:`numpy.random.SeedSequence`). Counts are means
  per replication. Ratios are ratios of totals over replications (e.g. service level =
  sum of answered-within / sum of offered, the quantity the Erlang formulas describe), with a
  confidence interval from the classical ratio-estimator variance (Cochran 1977, *Sampling
  Techniques*, 3rd ed., ch. 6) and Student's t with ``replications - 1`` degrees of freedom; share
  CIs are clipped to [0, 1]. With one replication the CI columns are NaN.
* **Common random numbers**: the random numbers of a replication do not depend on
  ``agents``, ``aht_s`` or ``patience_s`` (handling times and patience are unit exponentials
  scaled per call), so two staffing plans simulated with the same seed see the same calls and
  their difference is usually much less noisy than either estimate.
* **Start**: the horizon starts empty (no call waiting or in service). ``warmup_intervals``
  leading intervals are simulated but left out of the results, for steady-state studies.

Algorithm
---------
Under FCFS a call's fate depends only on the calls ahead of it, so calls are processed in
arrival order, not event by event. A heap holds the end times of the calls in service; for
each call the clock starts at its arrival (or later, when the call ahead of it was answered or
hung up) and moves over service ends and staffing changes until fewer calls are in service
than agents are on duty (the call is answered then) or its patience runs out first (it hangs
up). Every call costs one heap push and, amortised, at most one pop: about 1 microsecond per
call in pure Python, e.g. ~0.5 s for 20 replications of a day of 96 15-minute intervals at
100 agents (~650,000 calls). :func:`fcfs_start_times` exposes this kernel for
replaying given calls (e.g. a historical call log against a new staffing plan).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from wfmcore import checks
from wfmcore.errors import InputError

__all__ = [
    "SimulationResult",
    "fcfs_start_times",
    "simulate",
    "simulate_intervals",
]

#: Ratio columns of the results, each with ``_lo`` and ``_hi`` confidence limits.
RATIO_COLUMNS = ("service_level", "asa_s", "p_abandon", "p_wait", "occupancy")
#: Count columns of the results (means per replication).
COUNT_COLUMNS = ("offered", "answered", "abandoned", "answered_within_threshold", "unserved")


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    intervals : DataFrame
        One row per reported interval: ``interval`` (position in the inputs), ``agents``,
        the count columns (means per replication) ``offered``, ``answered``, ``abandoned``,
        ``answered_within_threshold``, ``unserved``, and the ratio columns ``service_level``,
        ``asa_s``, ``p_abandon``, ``p_wait``, ``occupancy``, each with ``<name>_lo`` and
        ``<name>_hi`` confidence limits.
    summary : DataFrame
        One row, same count and ratio columns, for the whole reported horizon.
    replications : DataFrame
        One row per replication x reported interval with the raw totals the estimates are
        built from: ``replication``, ``interval``, ``agents``, the count columns,
        ``waited`` (calls with wait > 0), ``wait_answered_s`` (sum of waits of answered
        calls), ``busy_s`` (agent-seconds on calls) and ``staffed_s`` (agent-seconds on duty).
    calls : DataFrame or None
        With ``keep_calls=True``: one row per simulated call, ``replication``, ``interval``,
        ``arrival_s``, ``start_s`` (NaN if it hung up, inf if never answered), ``end_s``,
        ``wait_s`` (time until answered or hung up; inf if never answered), ``outcome``
        (``"answered"``, ``"abandoned"`` or ``"unserved"``). Times are seconds from the start
        of the first interval, warm-up included.
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


# --------------------------------------------------------------------------------------------
# The kernel
# --------------------------------------------------------------------------------------------

def _fcfs_kernel(arrival_s, service_s, patience_s, ends_s, cap):
    """Start times of calls in arrival order; NaN = hung up, inf = never answered.

    ``arrival_s``, ``service_s``, ``patience_s``: lists, arrivals sorted. ``ends_s``: list of
    the interval end times (length K). ``cap``: agents per interval, length K + 1 (the last
    entry is the drain staffing after the horizon).
    """
    heap: list[float] = []
    push, pop = heapq.heappush, heapq.heappop
    inf, nan = math.inf, math.nan
    n_int = len(ends_s)
    k = 0
    next_b = ends_s[0] if n_int else inf
    n_on = cap[0]
    floor = -inf          # no call can start before this (FCFS: the previous call's start)
    start = [nan] * len(arrival_s)
    for i, a in enumerate(arrival_s):
        t = a if a > floor else floor
        deadline = a + patience_s[i]
        if t > deadline:              # the caller ahead is still waiting: this one hangs up
            continue
        if t == inf:                  # nobody will ever answer again
            start[i] = inf
            continue
        while t >= next_b:            # staffing at time t
            k += 1
            n_on = cap[k]
            next_b = ends_s[k] if k < n_int else inf
        while heap and heap[0] <= t:  # calls finished by t
            pop(heap)
        answered = True
        while len(heap) >= n_on:      # all agents on duty busy: move to the next event
            next_end = heap[0] if heap else inf
            if next_end <= next_b:
                if next_end > deadline:
                    answered = False
                    break
                if next_end == inf:   # 0 agents for ever and no patience
                    break
                t = next_end
                pop(heap)
            else:
                if next_b > deadline:
                    answered = False
                    break
                t = next_b
                k += 1
                n_on = cap[k]
                next_b = ends_s[k] if k < n_int else inf
        if not answered:
            floor = deadline          # busy all along until this caller hung up
            continue
        if len(heap) >= n_on:         # never answered
            start[i] = inf
            floor = inf
            continue
        start[i] = t
        push(heap, t + service_s[i])
        floor = t
    return start


def fcfs_start_times(arrival_s, service_s, agents, interval_min, *, patience_s=None,
                     drain_agents=None) -> np.ndarray:
    """Replay given calls through the FCFS queue; return each call's answer time in seconds.

    The deterministic core of :func:`simulate` (see the module docstring for the staffing and
    drain conventions), for calls you already have: a simulated day, or a historical log
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

    Returns
    -------
    ndarray of float
        Time the call was answered (seconds); NaN if the caller hung up first; ``inf`` if
        never answered (only possible when the drain has 0 agents and nobody hangs up).
    """
    arr = _as_1d("arrival_s", arrival_s, None, per="call")
    n = arr.size
    svc = _check_positive("service_s", _as_1d("service_s", service_s, n, per="call"))
    if n and (not np.isfinite(arr).all() or (np.diff(arr) < 0).any() or arr[0] < 0):
        raise InputError("arrival_s must be finite, >= 0 and sorted ascending (seconds)")
    staff = _check_agents("agents", agents, None)
    if staff.size == 0:
        raise InputError("agents is empty; give at least one interval")
    interval_s = _interval_s(interval_min)
    if patience_s is None:
        pat = np.full(n, np.inf)
    else:
        pat = _check_positive("patience_s", _as_1d("patience_s", patience_s, n, per="call"),
                              allow_inf=True)
    drain = int(staff[-1]) if drain_agents is None else _check_int("drain_agents", drain_agents, 0)
    ends = (np.arange(1, staff.size + 1) * interval_s).tolist()
    cap = staff.tolist() + [drain]
    return np.array(_fcfs_kernel(arr.tolist(), svc.tolist(), pat.tolist(), ends, cap), dtype=float)


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


def _one_replication(rng, calls, aht, patience, staff, interval_s, threshold, drain, keep_calls):
    n_int = calls.size
    counts = rng.poisson(calls)
    idx = np.repeat(np.arange(n_int), counts)
    n = idx.size
    # Drawn in a fixed order and scaled per call, so the numbers do not depend on the
    # staffing, AHT or patience (common random numbers across plans).
    u = rng.random(n)
    e_service = rng.standard_exponential(n)
    e_patience = rng.standard_exponential(n)
    u = u[np.lexsort((u, idx))]                        # sorted within each interval
    arrival = (idx + u) * interval_s
    service = e_service * aht[idx]
    pat_mean = patience[idx]
    pat = np.where(np.isinf(pat_mean), np.inf, e_patience * pat_mean)
    ends = (np.arange(1, n_int + 1) * interval_s).tolist()
    cap = staff.tolist() + [drain]
    start = np.array(_fcfs_kernel(arrival.tolist(), service.tolist(), pat.tolist(), ends, cap),
                     dtype=float)

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
        "staffed_s": staff * interval_s,
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


def _estimates(tot: dict[str, np.ndarray], t_q: float) -> dict[str, np.ndarray]:
    out = {c: tot[c].mean(axis=0) for c in COUNT_COLUMNS}
    for name, (num, den, clip) in _RATIOS.items():
        est, lo, hi = ratio_ci(tot[num], tot[den], t_q, clip)
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = est, lo, hi
    return out


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

def simulate(calls_per_interval, aht_s, agents, interval_min, *, sl_threshold_s=20.0,
             patience_s=None, seed=0, replications=20, warmup_intervals=0, drain_agents=None,
             confidence=0.95, keep_calls=False) -> SimulationResult:
    """Simulate the queue over a horizon of intervals; estimates per interval and in total.

    See the module docstring for the model (M/M/N+M with piecewise-constant arrival rate and
    staffing) and the conventions (staffing changes, attribution, drain, ratio estimates).

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

    Returns
    -------
    SimulationResult
        ``.intervals`` (one row per interval), ``.summary`` (one row, whole horizon),
        ``.replications`` (raw totals), ``.calls`` (with ``keep_calls``).
    """
    calls, aht, staff, interval_s, threshold, patience, reps, warm, drain = _check_inputs(
        calls_per_interval, aht_s, agents, interval_min, sl_threshold_s, patience_s,
        replications, warmup_intervals, drain_agents, confidence)
    try:
        seed_seq = (seed if isinstance(seed, np.random.SeedSequence)
                    else np.random.SeedSequence(seed))
    except (TypeError, ValueError):
        raise InputError(f"seed must be a non-negative integer; got {seed!r}") from None
    per_rep, call_frames = [], []
    for r, child in enumerate(seed_seq.spawn(reps)):
        totals, call_rows = _one_replication(np.random.default_rng(child), calls, aht, patience,
                                             staff, interval_s, threshold, drain, keep_calls)
        per_rep.append(totals)
        if keep_calls:
            call_frames.append(pd.DataFrame({"replication": r, **call_rows}))

    keep = slice(warm, None)
    tot = {c: np.stack([t[c][keep] for t in per_rep]) for c in per_rep[0]}
    t_q = float(stdtrit(reps - 1, 0.5 + confidence / 2)) if reps > 1 else math.nan
    interval_ix = np.arange(warm, calls.size)

    intervals = pd.DataFrame({"interval": interval_ix, "agents": staff[keep],
                              **_estimates(tot, t_q)})
    summary = pd.DataFrame(_estimates({c: v.sum(axis=1, keepdims=True) for c, v in tot.items()},
                                      t_q))
    replications_frame = pd.DataFrame({
        "replication": np.repeat(np.arange(reps), interval_ix.size),
        "interval": np.tile(interval_ix, reps),
        "agents": np.tile(staff[keep], reps),
        **{c: v.ravel() for c, v in tot.items()},
    })
    calls_frame = pd.concat(call_frames, ignore_index=True) if keep_calls else None
    return SimulationResult(intervals=intervals, summary=summary,
                            replications=replications_frame, calls=calls_frame)


def simulate_intervals(calls_per_interval, aht_s, agents, interval_min, *, sl_threshold_s=20.0,
                       patience_s=None, seed=0, replications=20, warmup_intervals=0,
                       drain_agents=None, confidence=0.95) -> pd.DataFrame:
    """Per-interval estimates of :func:`simulate` (its ``.intervals`` frame).

    Columns: ``interval``, ``agents``, ``offered``, ``answered``, ``abandoned``,
    ``answered_within_threshold``, ``unserved`` (means per replication), and
    ``service_level``, ``asa_s``, ``p_abandon``, ``p_wait``, ``occupancy`` with their
    ``_lo`` / ``_hi`` confidence limits. The whole-horizon totals are in
    ``simulate(...).summary``.
    """
    return simulate(calls_per_interval, aht_s, agents, interval_min,
                    sl_threshold_s=sl_threshold_s, patience_s=patience_s, seed=seed,
                    replications=replications, warmup_intervals=warmup_intervals,
                    drain_agents=drain_agents, confidence=confidence).intervals
