"""Discrete-event simulation of the other channel models: finite lines, redials, chat concurrency.

The check of :mod:`erlang.erlang_x` (Erlang X: Erlang A with a finite number of lines and
redials) and :mod:`erlang.chat` (Erlang Chat: agents holding several chats at once, handle
time depending on how many) by simulating the system they describe, rather than its formula.
Voice is the case of one slot per agent; with infinitely many lines and no redials the
simulation is then call by call the one of :func:`erlang.simulate.simulate` (same calls,
same answer times, same count rule; the tests check it).

Model
-----
* **Arrivals**: fresh contacts are Poisson with a rate constant inside each interval, exactly
  as in :func:`erlang.simulate.simulate` (the same draws: same seed, same fresh calls).
* **Agents and slots**: ``c = len(aht_s_by_concurrency)`` slots per agent. A new chat goes
  to an agent holding the fewest chats; ties go to the agent whose holding changed
  longest ago (for idle agents: the one idle longest), then the lowest agent number. While an
  agent holds ``k`` chats, each of them progresses at rate ``1 / AHT[k]`` (work is measured
  in units of handle time: a chat needs an exponential amount of work with mean 1, drawn when
  it arrives, and at concurrency ``k`` it does ``1 / AHT[k]`` units per second). This is
  processor sharing with a load-dependent speed; with exponential work it *is* the
  continuous-time Markov chain of the per-agent chat counts, because the remaining work of
  every chat in progress is again exponential with mean 1 whatever it has done
  (memorylessness), so an agent holding ``k`` chats finishes one at rate ``k / AHT[k]``.
  ``c = 1`` is voice: the work times AHT[1] is the handling time of
  :func:`erlang.simulate.simulate`, the same float.
* **Routing** (``routing``): ``"least_loaded"`` (the default, what a chat platform does) never
  moves a chat once assigned. The birth-death chain of the formulas needs the completion rate
  to be a function of the number ``n`` of chats in service alone; that holds when the chats
  are always spread as evenly as possible over the agents (``n = qN + r``: ``r`` agents hold
  ``q + 1``, the others ``q``, total rate ``r (q+1)/AHT[q+1] + (N - r) q/AHT[q]``). Least-loaded
  assignment keeps that spread while a queue forms, but completions unbalance it (two agents
  with 2 and 1 chats can go to 2 and 0). ``routing="balanced"`` re-spreads the chats after
  every change (a chat moves from a most-loaded to a least-loaded agent while they differ by 2
  or more): exactly the chain of the formulas, which checks their arithmetic; the difference
  between the two is the modelling error of the chain (on the bench grid: service level
  lower by up to ~0.5 point, mean concurrency higher by up to 4 % with least-loaded
  routing). Both are the same for ``c = 1``.
* **Patience**: exponential with mean ``patience_s`` of the arrival interval; a chat waiting
  longer hangs up. ``None``: nobody hangs up.
* **Lines** (``lines``): a contact that finds ``lines`` others in the system (waiting + in
  service) is blocked. ``None``: infinitely many.
* **Redials**: a blocked or abandoned contact calls again with probability ``redial_share``
  after an exponential delay with mean ``redial_delay_s``. A redial is a new offered contact
  of the interval it arrives in (with its own patience and work), and it can be blocked or
  abandon and redial again. Redials that would arrive after the horizon are not simulated.
  Redials come after congestion, so they are not a Poisson stream; the Erlang X fixed point
  (redials merged into one Poisson stream, ``erlang_x.kpis(..., redial_delay_s=None)``) is
  the limit of long delays (bench: at a 300 s delay and redial share 0.5 the simulated
  service level is ~1 point lower), and ``erlang_x.kpis(..., redial_delay_s=d)`` is the
  exact chain of this redial process (the same exponential delay, the same per-attempt
  redial decision).
* **Staffing**: agents per interval, the ``count`` rule of :mod:`erlang.simulate`: at a drop,
  idle agents leave at once; while more agents hold chats than are scheduled, no chat is
  assigned and each agent that finishes its last chat leaves. At a rise, new idle agents
  arrive and take waiting chats.

Conventions (as :mod:`erlang.simulate` where it has them)
---------------------------------------------------------
* **Attribution**: a contact (fresh or redial) belongs to the interval it *arrives* in;
  agent-seconds belong to the interval they are worked in (inside the horizon only).
* **Drain**: no fresh contact arrives after the last interval; the system runs on with
  ``drain_agents`` (default: the last interval's) until nobody waits, so the last interval
  is not censored. Contacts never answered (0 agents, nobody hangs up) are ``unserved``.
* **Denominators** (those of :mod:`erlang.erlang_x` and :mod:`erlang.chat`, as an ACD counts
  a queue's calls): ``offered`` counts every attempt (fresh + redials), blocked ones
  included, and ``p_block`` is a share of it; every other share is over the attempts that
  got a line (``entered`` = offered - blocked): ``p_abandon``, ``p_wait`` (waited > 0) and
  the service level (``sl_convention``): ``"offered"`` answered within T / entered
  (abandons count against); ``"answered"`` answered within T / answered; ``"wait"`` time in
  queue (until answered or hung up) <= T / entered; ``"virtual"`` *virtual* wait V <= T /
  entered, V = the wait of the contact had it never hung up. ASA = mean wait of answered
  contacts, except ``"virtual"``: E[V] over the contacts that entered (CCmath's ASA).
  V is exact here: under FCFS a contact does not change the fate of those ahead of it, so an
  abandoned contact stays in the queue as a "ghost" that takes no slot; V ends when it reaches
  the head while a slot is free (the moment it would have been answered).
* **Occupancy**: ``occupancy`` = agent-seconds holding at least one chat / scheduled
  agent-seconds; ``slot_occupancy`` = chat-seconds in service / (c x scheduled
  agent-seconds); ``mean_concurrency`` = chat-seconds / agent-seconds holding >= 1. For
  ``c = 1`` the first two are the occupancy of :mod:`erlang.simulate`.
* **Estimates**: replications are independent days (streams spawned from ``seed`` with
  :class:`numpy.random.SeedSequence`, replication ``r`` seeing the same fresh calls as
  replication ``r`` of :func:`erlang.simulate.simulate`); ratios of totals with the
  ratio-estimator CI of :func:`erlang.simulate.ratio_ci`, each reported as ``_lo``, ``_hi``
  and the half-width ``_hw`` (Student's t, ``replications - 1`` degrees of freedom).
* **Common random numbers**: fresh arrivals, their patience and their work do not depend on
  staffing, AHT, patience means, lines or routing; redials' own draws are taken by attempt
  number from separate streams, so they are common as long as the redials happen in the
  same order.

Algorithm
---------
An event loop (:func:`channel_kernel`, compiled with numba through
:func:`erlang._kernels.compiled`) over fresh arrivals, redial arrivals (a heap), hang-ups (a
heap of deadlines, lazily cleaned), completions (per agent the time its next chat finishes,
recomputed when its holding changes) and interval boundaries; FIFO queue with ghosts. Each
event scans the agents (O(agents) per event; no per-agent heap is needed at contact-centre
sizes). Cost per simulated contact (``bench/bench_channels.py``, bench/RESULTS.md): about
1 us for a day of 96 intervals and 15,000 contacts, voice or chat, 4 us in a run as small as
100 one-hour days of 10 Erlangs (0.05 s: fixed costs dominate); compiling the kernel costs
~10 s once per machine (numba's on-disk cache).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from erlang import _kernels
from erlang.simulate import (
    _check_inputs,
    _draw_calls,
    _first_bad,
    _seed_sequence,
    ratio_ci,
    t_quantile,
)
from wfmcore.errors import InputError
from wfmcore.targets import SL_CONVENTIONS

__all__ = ["ROUTINGS", "ChannelSimulationResult", "channel_kernel", "simulate_channel"]

#: how chats are placed on agents (module docstring)
ROUTINGS = ("least_loaded", "balanced")
#: service-level conventions the simulator measures
CONVENTIONS = tuple(dict.fromkeys(SL_CONVENTIONS + ("virtual",)))

# attempt status codes of the kernel
_NONE, _WAITING, _ANSWERED, _GHOST, _ABANDONED, _BLOCKED, _UNSERVED = range(7)

#: count columns (means per replication)
COUNT_COLUMNS = ("offered", "fresh", "redials", "blocked", "answered", "abandoned", "unserved",
                 "answered_within_threshold")
#: ratio column -> (numerator total, denominator total, clipped to [0, 1]); service_level
#: and asa_s depend on the convention (see _ratios)
_FIXED_RATIOS = {
    "p_wait": ("waited", "entered", True),
    "occupancy": ("busy_s", "staffed_s", False),
    "slot_occupancy": ("chat_s", "slot_s", False),
    "mean_concurrency": ("chat_s", "busy_s", False),
    "p_abandon": ("abandoned", "entered", True),
    "p_block": ("blocked", "offered", True),
    "retrial_factor": ("offered", "fresh", False),
}
_SL_NUMERATOR = {"offered": ("answered_within_threshold", "entered"),
                 "answered": ("answered_within_threshold", "answered"),
                 "wait": ("queue_within_threshold", "entered"),
                 "virtual": ("virtual_within_threshold", "entered")}


def _ratios(convention: str) -> dict[str, tuple[str, str, bool]]:
    num, den = _SL_NUMERATOR[convention]
    asa = ("virtual_wait_s", "entered") if convention == "virtual" else ("wait_answered_s",
                                                                          "answered")
    return {"service_level": (num, den, True), "asa_s": (*asa, False), **_FIXED_RATIOS}


@dataclass(frozen=True)
class ChannelSimulationResult:
    """What :func:`simulate_channel` returns.

    Attributes
    ----------
    intervals : DataFrame
        One row per reported interval: ``interval``, ``agents``, the count columns (means per
        replication) ``offered`` (fresh + redials), ``fresh``, ``redials``, ``blocked``,
        ``answered``, ``abandoned``, ``unserved``, ``answered_within_threshold``, and the ratio
        columns ``service_level``, ``asa_s``, ``p_wait``, ``occupancy``, ``slot_occupancy``,
        ``mean_concurrency``, ``p_abandon``, ``p_block``, ``retrial_factor`` (offered /
        fresh), each with ``<name>_lo``, ``<name>_hi`` (confidence limits, shares clipped to
        [0, 1]) and ``<name>_hw`` (half-width, unclipped).
    summary : DataFrame
        One row, the same columns, for the whole reported horizon.
    replications : DataFrame
        Raw totals per replication x reported interval: the count columns and ``entered``
        (not blocked), ``waited``, ``queue_within_threshold``, ``virtual_within_threshold``,
        ``wait_answered_s``, ``virtual_wait_s``, ``busy_s``, ``chat_s``, ``staffed_s``,
        ``slot_s``.
    calls : DataFrame or None
        With ``keep_calls``: one row per attempt, ``replication``, ``interval``,
        ``arrival_s``, ``start_s`` (answer time; NaN if abandoned or blocked, inf if
        unserved), ``virtual_wait_s``, ``outcome`` (answered, abandoned, blocked,
        unserved), ``redial`` (True for a redial).
    sl_convention : str
        The convention of ``service_level`` and ``asa_s``; :meth:`summary_for` gives the
        summary in another one.
    confidence : float
        The level of the confidence intervals.
    """

    intervals: pd.DataFrame
    summary: pd.DataFrame
    replications: pd.DataFrame
    calls: pd.DataFrame | None = None
    sl_convention: str = "offered"
    confidence: float = 0.95

    def summary_for(self, sl_convention: str) -> pd.DataFrame:
        """The ``summary`` row with ``service_level`` and ``asa_s`` in another convention,
        from the same simulated contacts (the raw totals of ``replications``)."""
        conv = _check_convention(sl_convention)
        per_rep = self.replications.groupby("replication", sort=True).sum(numeric_only=True)
        tot = {c: per_rep[c].to_numpy()[:, None] for c in per_rep.columns}
        reps = len(per_rep)
        t_q = t_quantile(reps, self.confidence)
        return pd.DataFrame(_estimates(tot, t_q, _ratios(conv)))


# --------------------------------------------------------------------------------------------
# The kernel (plain Python in the subset numba compiles; see erlang._kernels)
# --------------------------------------------------------------------------------------------

def channel_kernel(arrival_f, interval_f, work_f, patience_f, work_r, patience_unit_r,
                   decide_u, delay_e, ends_s, cap, patience_mean, aht_s, lines, redial_share,
                   redial_delay_s, balanced, n_agents):
    """One replication. Fresh attempts ``0 .. n_f - 1`` (sorted arrivals, their interval,
    unit work and patience in seconds); redial attempts ``n_f ..`` take their unit work and
    unit patience from ``work_r`` / ``patience_unit_r`` in order of creation; attempt ``j``
    redials when ``decide_u[j] < redial_share``, after ``delay_e[j] x redial_delay_s``.
    ``cap``: agents per interval, K + 1 values (the last is the drain's); ``lines < 0`` =
    infinitely many; ``n_agents`` >= max(cap).

    Returns ``n_att`` (attempts created; -1 if the redial pools ran out: call again with
    longer ones) and per attempt (first ``n_att`` entries valid) ``interval``, ``arrival``,
    ``status``, ``start``, ``virt`` (time the virtual wait ended), ``redial`` (1 = redial),
    ``leave`` (time it hung up), and per interval the agent-seconds ``busy_s`` (holding >= 1)
    and chat-seconds ``chat_s``.
    """
    n_f = arrival_f.shape[0]
    n_max = n_f + work_r.shape[0]
    n_int = ends_s.shape[0]
    c = aht_s.shape[0]
    inf = math.inf
    interval = np.zeros(n_max, np.int64)
    arrival = np.full(n_max, math.nan)
    work = np.zeros(n_max)
    deadline = np.full(n_max, inf)
    for j in range(n_f):
        interval[j] = interval_f[j]
        arrival[j] = arrival_f[j]
        work[j] = work_f[j]
    status = np.zeros(n_max, np.int64)
    start = np.full(n_max, math.nan)
    virt = np.full(n_max, math.nan)
    leave = np.full(n_max, math.nan)
    redial = np.zeros(n_max, np.int64)
    busy_s = np.zeros(n_int)
    chat_s = np.zeros(n_int)
    # agents: present (on duty or finishing after a drop), chats held, time of the last
    # change of holding, time its next chat finishes; slots: attempt and remaining work
    present = np.zeros(n_agents, np.bool_)
    held = np.zeros(n_agents, np.int64)
    t_last = np.zeros(n_agents)
    next_done = np.full(n_agents, inf)
    slot_att = np.zeros((n_agents, c), np.int64)
    slot_rem = np.zeros((n_agents, c))
    fifo = np.zeros(n_max, np.int64)
    head = 0
    tail = 0
    ab_heap = [(0.0, 0)]
    ab_heap.pop()
    rd_heap = [(0.0, 0)]
    rd_heap.pop()
    n_att = n_f
    n_sys = 0              # real contacts waiting + in service (for the lines)
    in_service = 0
    busy_agents = 0
    staff = cap[0]
    n_present = staff
    for a in range(staff):
        present[a] = True
    kb = 0
    next_b = ends_s[0] if n_int > 0 else inf
    fp = 0
    t = 0.0
    while True:
        if kb == n_int and head == tail:    # after the horizon, nobody waiting: done
            break
        while len(ab_heap) > 0 and status[ab_heap[0][1]] != _WAITING:
            heapq.heappop(ab_heap)
        t_a = ab_heap[0][0] if len(ab_heap) > 0 else inf
        jc = -1
        t_c = inf
        for a in range(n_agents):
            if next_done[a] < t_c:
                t_c = next_done[a]
                jc = a
        if kb < n_int:
            t_f = arrival[fp] if fp < n_f else inf
            t_r = rd_heap[0][0] if len(rd_heap) > 0 else inf
        else:
            t_f = inf
            t_r = inf
        t_next = next_b
        ev = 0
        if t_c < t_next:
            t_next = t_c
            ev = 1
        if t_a < t_next:
            t_next = t_a
            ev = 2
        if t_r < t_next:
            t_next = t_r
            ev = 3
        if t_f < t_next:
            t_next = t_f
            ev = 4
        if t_next == inf:                  # nothing can happen any more: the rest unserved
            break
        if kb < n_int:
            dt = t_next - t
            busy_s[kb] += busy_agents * dt
            chat_s[kb] += in_service * dt
        t = t_next
        dispatch = False
        rebalance = False
        if ev == 0:                        # interval boundary: new staffing
            kb += 1
            staff = cap[kb]
            next_b = ends_s[kb] if kb < n_int else inf
            idle_target = staff - busy_agents
            if idle_target < 0:
                idle_target = 0
            n_idle = n_present - busy_agents
            a = n_agents - 1
            while n_idle > idle_target and a >= 0:     # idle agents leave first
                if present[a] and held[a] == 0:
                    present[a] = False
                    n_idle -= 1
                    n_present -= 1
                a -= 1
            a = 0
            while n_idle < idle_target and a < n_agents:   # new agents come on duty
                if not present[a]:
                    present[a] = True
                    held[a] = 0
                    t_last[a] = t
                    next_done[a] = inf
                    n_idle += 1
                    n_present += 1
                a += 1
            dispatch = True
            rebalance = True
        elif ev == 1:                      # a chat of agent jc is finished
            k = held[jc]
            el = (t - t_last[jc]) / aht_s[k - 1]
            s_min = 0
            for s in range(k):
                slot_rem[jc, s] -= el
                if slot_rem[jc, s] < slot_rem[jc, s_min]:
                    s_min = s
            slot_att[jc, s_min] = slot_att[jc, k - 1]
            slot_rem[jc, s_min] = slot_rem[jc, k - 1]
            k -= 1
            held[jc] = k
            t_last[jc] = t
            in_service -= 1
            n_sys -= 1
            if k == 0:
                busy_agents -= 1
                next_done[jc] = inf
                if n_present > staff:      # beyond the schedule: this agent leaves
                    present[jc] = False
                    n_present -= 1
            else:
                m = slot_rem[jc, 0]
                for s in range(1, k):
                    if slot_rem[jc, s] < m:
                        m = slot_rem[jc, s]
                next_done[jc] = t + (m if m > 0.0 else 0.0) * aht_s[k - 1]
            dispatch = True
            rebalance = True
        elif ev == 2:                      # a waiting contact hangs up
            _, j = heapq.heappop(ab_heap)
            status[j] = _GHOST
            leave[j] = t
            n_sys -= 1
            if decide_u[j] < redial_share:
                if n_att >= n_max:
                    return -1, interval, arrival, status, start, virt, redial, leave, busy_s, \
                        chat_s
                arrival[n_att] = t + delay_e[j] * redial_delay_s
                redial[n_att] = 1
                heapq.heappush(rd_heap, (arrival[n_att], n_att))
                n_att += 1
        else:                              # an arrival, fresh or redial
            if ev == 3:
                _, j = heapq.heappop(rd_heap)
                interval[j] = kb
                work[j] = work_r[j - n_f]
                pm = patience_mean[kb]
                deadline[j] = t + (patience_unit_r[j - n_f] * pm if pm < inf else inf)
            else:
                j = fp
                fp += 1
                deadline[j] = t + patience_f[j]
            if lines >= 0 and n_sys >= lines:          # all lines busy: blocked
                status[j] = _BLOCKED
                if decide_u[j] < redial_share:
                    if n_att >= n_max:
                        return -1, interval, arrival, status, start, virt, redial, leave, \
                            busy_s, chat_s
                    arrival[n_att] = t + delay_e[j] * redial_delay_s
                    redial[n_att] = 1
                    heapq.heappush(rd_heap, (arrival[n_att], n_att))
                    n_att += 1
            else:
                status[j] = _WAITING
                n_sys += 1
                fifo[tail] = j
                tail += 1
                if deadline[j] < inf:
                    heapq.heappush(ab_heap, (deadline[j], j))
                dispatch = True
        if rebalance and balanced:         # spread the chats evenly (the formulas' chain)
            while True:
                lo = -1
                hi = -1
                for a in range(n_agents):
                    if present[a]:
                        if lo < 0 or held[a] < held[lo]:
                            lo = a
                        if hi < 0 or held[a] > held[hi]:
                            hi = a
                if lo < 0 or held[hi] - held[lo] < 2:
                    break
                for a2 in (hi, lo):        # bring both agents' remaining work up to t
                    k2 = held[a2]
                    if k2 > 0:
                        el = (t - t_last[a2]) / aht_s[k2 - 1]
                        for s in range(k2):
                            slot_rem[a2, s] -= el
                    t_last[a2] = t
                kh = held[hi] - 1
                kl = held[lo]
                slot_att[lo, kl] = slot_att[hi, kh]
                slot_rem[lo, kl] = slot_rem[hi, kh]
                held[hi] = kh
                held[lo] = kl + 1
                if kl == 0:
                    busy_agents += 1
                for a2 in (hi, lo):
                    k2 = held[a2]
                    m = slot_rem[a2, 0]
                    for s in range(1, k2):
                        if slot_rem[a2, s] < m:
                            m = slot_rem[a2, s]
                    next_done[a2] = t + (m if m > 0.0 else 0.0) * aht_s[k2 - 1]
        if dispatch:                       # the head of the queue onto free slots
            while head < tail:
                if n_present > staff:      # more agents busy than scheduled: none starts
                    break
                best = -1
                for a in range(n_agents):
                    if present[a] and held[a] < c:
                        if best < 0 or held[a] < held[best] or (
                                held[a] == held[best] and t_last[a] < t_last[best]):
                            best = a
                if best < 0:
                    break
                j = fifo[head]
                head += 1
                if status[j] == _GHOST:    # would have been answered now
                    status[j] = _ABANDONED
                    virt[j] = t
                    continue
                k = held[best]
                if k > 0:
                    el = (t - t_last[best]) / aht_s[k - 1]
                    for s in range(k):
                        slot_rem[best, s] -= el
                else:
                    busy_agents += 1
                slot_att[best, k] = j
                slot_rem[best, k] = work[j]
                k += 1
                held[best] = k
                t_last[best] = t
                m = slot_rem[best, 0]
                for s in range(1, k):
                    if slot_rem[best, s] < m:
                        m = slot_rem[best, s]
                next_done[best] = t + (m if m > 0.0 else 0.0) * aht_s[k - 1]
                status[j] = _ANSWERED
                start[j] = t
                virt[j] = t
                in_service += 1
    for q in range(head, tail):           # left waiting for ever
        j = fifo[q]
        if status[j] == _WAITING:
            status[j] = _UNSERVED
            start[j] = inf
            virt[j] = inf
        elif status[j] == _GHOST:
            status[j] = _ABANDONED
            virt[j] = inf
    return n_att, interval, arrival, status, start, virt, redial, leave, busy_s, chat_s


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------

def _check_aht(aht_s_by_concurrency) -> np.ndarray:
    name = "aht_s_by_concurrency"
    value = aht_s_by_concurrency
    if isinstance(value, str) or value is None:
        raise InputError(f"{name} must be a list of handle times in seconds, one per number "
                         f"of chats held (1, 2, ...); got {value!r}", param=name)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a list of handle times in seconds; got {value!r}",
                         param=name) from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"{name} must be a non-empty list of handle times in seconds (its "
                         f"length is the concurrency); got {value!r}", param=name)
    bad = ~(arr > 0) | ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name} must be finite and > 0 seconds; the value for {i + 1} "
                         f"chat(s) is {arr[i]!r}", param=name)
    return arr


def _check_convention(sl_convention) -> str:
    if sl_convention not in CONVENTIONS:
        raise InputError(f"sl_convention must be one of {', '.join(CONVENTIONS)}; "
                         f"got {sl_convention!r}", param="sl_convention")
    return sl_convention


def _check_lines(lines, staff: np.ndarray, drain: int) -> int:
    if lines is None:
        return -1
    if isinstance(lines, bool) or not isinstance(lines, int | np.integer) or lines < 0:
        raise InputError("lines must be a whole number >= 0 or None (infinitely many); "
                         f"got {lines!r}", param="lines")
    short = staff > lines
    if short.any():
        raise InputError(f"lines ({int(lines)}) must be >= agents; {_first_bad(staff, short)}",
                         param="lines")
    if drain > lines:
        raise InputError(f"lines ({int(lines)}) must be >= drain_agents ({drain})",
                         param="lines")
    return int(lines)


def _check_redials(redial_share, redial_delay_s) -> tuple[float, float]:
    try:
        share = float(redial_share)
    except (TypeError, ValueError):
        share = math.nan
    if not 0.0 <= share < 1.0:
        raise InputError("redial_share must be a share in [0, 1) (1 = everybody redials for "
                         f"ever); got {redial_share!r}", param="redial_share")
    try:
        delay = float(redial_delay_s)
    except (TypeError, ValueError):
        delay = math.nan
    if not (delay > 0 and math.isfinite(delay)):
        raise InputError(f"redial_delay_s must be finite and > 0 seconds; got {redial_delay_s!r}",
                         param="redial_delay_s")
    return share, delay


# --------------------------------------------------------------------------------------------
# One replication and the estimates
# --------------------------------------------------------------------------------------------

def _pool_size(n_fresh: int, share: float) -> int:
    """Redial attempts to draw numbers for at first: twice the expected number if every
    attempt failed (share / (1 - share) per fresh one), at least 64; 0 without redials."""
    if share == 0.0:
        return 0
    return int(2 * n_fresh * share / (1 - share)) + 64


def _replay(child: np.random.SeedSequence, calls, patience, interval_s, ends, cap, aht,
            lines, share, delay_s, balanced, n_agents):
    """Draw one replication's numbers and run the kernel (longer redial pools if needed)."""
    kernel = _kernels.compiled(channel_kernel)
    streams = child.spawn(4)  # after default_rng(child) below: the fresh draws are simulate()'s
    counts, idx, arrival, work, pat = _draw_calls(np.random.default_rng(child), calls,
                                                  np.ones(calls.size), patience, interval_s)
    n_f = arrival.size
    pool = _pool_size(n_f, share)
    while True:
        rngs = [np.random.default_rng(s) for s in streams]
        work_r = rngs[0].standard_exponential(pool)
        pat_r = rngs[1].standard_exponential(pool)
        decide = rngs[2].random(n_f + pool)
        delay = rngs[3].standard_exponential(n_f + pool)
        out = kernel(arrival, idx.astype(np.int64), work, pat, work_r, pat_r, decide, delay,
                     ends, cap, patience, aht, lines, share, delay_s, balanced, n_agents)
        if out[0] >= 0:
            return out
        pool *= 2                       # same streams, longer: the prefix is unchanged


def _totals(out, n_int: int, threshold: float, staffed_s: np.ndarray, c: int, keep_calls):
    n_att, interval, arrival, status, start, virt, redial, leave, busy_s, chat_s = out
    sl = slice(0, n_att)
    interval, arrival, status = interval[sl], arrival[sl], status[sl]
    start, virt, redial, leave = start[sl], virt[sl], redial[sl], leave[sl]
    arrived = status != _NONE            # redials due after the horizon never arrive
    answered = status == _ANSWERED
    abandoned = status == _ABANDONED
    blocked = status == _BLOCKED
    unserved = status == _UNSERVED
    entered = arrived & ~blocked
    with np.errstate(invalid="ignore"):
        wait = np.where(answered, start - arrival, np.nan)
        queue_time = np.where(answered, wait, np.where(abandoned, leave - arrival, np.inf))
        v_wait = np.where(entered, virt - arrival, np.nan)

    def per(mask_or_weights):
        return np.bincount(interval[arrived], weights=np.asarray(mask_or_weights,
                                                                 float)[arrived],
                           minlength=n_int)

    totals = {
        "offered": per(arrived),
        "fresh": per(arrived & (redial == 0)),
        "redials": per(arrived & (redial == 1)),
        "blocked": per(blocked),
        "answered": per(answered),
        "abandoned": per(abandoned),
        "unserved": per(unserved),
        "answered_within_threshold": per(answered & (wait <= threshold)),
        "entered": per(entered),
        "waited": per(entered & ~(answered & (wait <= 0))),
        "queue_within_threshold": per(entered & (queue_time <= threshold)),
        "virtual_within_threshold": per(entered & (v_wait <= threshold)),
        "wait_answered_s": per(np.where(answered, wait, 0.0)),
        "virtual_wait_s": per(np.where(entered, v_wait, 0.0)),
        "busy_s": busy_s.copy(),
        "chat_s": chat_s.copy(),
        "staffed_s": staffed_s,
        "slot_s": staffed_s * c,
    }
    rows = None
    if keep_calls:
        outcome = np.select([answered, abandoned, blocked, unserved],
                            ["answered", "abandoned", "blocked", "unserved"], "")
        rows = {"interval": interval[arrived], "arrival_s": arrival[arrived],
                "start_s": start[arrived], "virtual_wait_s": v_wait[arrived],
                "outcome": outcome[arrived], "redial": redial[arrived] == 1}
    return totals, rows


def _estimates(tot: dict[str, np.ndarray], t_q: float, ratios) -> dict[str, np.ndarray]:
    out = {c: tot[c].mean(axis=0) for c in COUNT_COLUMNS}
    for name, (num, den, clip) in ratios.items():
        est, lo, hi = ratio_ci(tot[num], tot[den], t_q, clip=False)
        out[name] = est
        out[f"{name}_lo"] = lo
        out[f"{name}_hi"] = np.minimum(hi, 1.0) if clip else hi
        out[f"{name}_hw"] = hi - est
    return out


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------

def simulate_channel(calls_per_interval, aht_s_by_concurrency, agents, interval_min, *,
                     sl_threshold_s=20.0, patience_s=None, lines=None, redial_share=0.0,
                     redial_delay_s=300.0, replications=20, seed=0, warmup_intervals=0,
                     sl_convention="offered", routing="least_loaded", drain_agents=None,
                     confidence=0.95, keep_calls=False) -> ChannelSimulationResult:
    """Simulate a queue with finite lines, redials and agents holding several chats.

    See the module docstring for the model and the conventions.

    Parameters
    ----------
    calls_per_interval : array of float
        Expected *fresh* contacts per interval (Poisson intensity x interval length), >= 0.
    aht_s_by_concurrency : list of float
        ``AHT[k]``, seconds: the mean handle time of each chat while its agent holds ``k + 1``
        chats; its length is the concurrency ``c`` (``[aht_s]`` = voice).
    agents : int or array of int
        Agents on duty per interval.
    interval_min : float
        Interval length, minutes.
    sl_threshold_s : float
        Service-level threshold, seconds.
    patience_s : float, array of float or None
        Mean patience (exponential), seconds, per interval or one value; None = nobody
        hangs up.
    lines : int or None
        Contacts the system holds at most (waiting + in service); one arriving to a full
        system is blocked. >= agents. None = infinitely many.
    redial_share : float
        Share in [0, 1) of blocked and abandoned contacts that try again.
    redial_delay_s : float
        Mean (exponential) delay before a redial, seconds (default 300 s). Erlang X's
        fixed point has no delay (the limit of long delays); its exact redial chain takes
        the same mean (``erlang_x.kpis(..., redial_delay_s=...)``, bench/RESULTS.md).
    replications : int
        Independent days, >= 1 (>= 2 for confidence intervals).
    seed : int or numpy.random.SeedSequence
        Seed of every random number; same seed, same result.
    warmup_intervals : int
        Leading intervals simulated but left out of the results.
    sl_convention : str
        ``"offered"``, ``"answered"``, ``"wait"`` or ``"virtual"`` (module docstring).
    routing : str
        ``"least_loaded"`` (chats stay with the agent they were given to) or
        ``"balanced"`` (chats kept evenly spread: the birth-death chain of the formulas).
    drain_agents : int or None
        Agents on duty after the horizon; None = the last interval's.
    confidence : float
        Level of the confidence intervals.
    keep_calls : bool
        Also return one row per attempt.
    """
    _check_convention(sl_convention)
    if routing not in ROUTINGS:
        raise InputError(f"routing must be 'least_loaded' or 'balanced'; got {routing!r}",
                         param="routing")
    aht = _check_aht(aht_s_by_concurrency)
    calls, _, staff, interval_s, threshold, patience, reps, warm, drain = _check_inputs(
        calls_per_interval, 1.0, agents, interval_min, sl_threshold_s, patience_s,
        replications, warmup_intervals, drain_agents, confidence)
    n_lines = _check_lines(lines, staff, drain)
    share, delay_s = _check_redials(redial_share, redial_delay_s)
    n_int = calls.size
    ends = np.arange(1, n_int + 1) * interval_s
    cap = np.append(staff, drain).astype(np.int64)
    n_agents = int(cap.max())
    staffed_s = staff * interval_s
    per_rep, frames = [], []
    for r, child in enumerate(_seed_sequence(seed).spawn(reps)):
        out = _replay(child, calls, patience, interval_s, ends, cap, aht, n_lines, share,
                      delay_s, routing == "balanced", n_agents)
        totals, rows = _totals(out, n_int, threshold, staffed_s, aht.size, keep_calls)
        per_rep.append(totals)
        if keep_calls:
            frames.append(pd.DataFrame({"replication": r, **rows}))
    keep = slice(warm, None)
    tot = {c: np.stack([t[c][keep] for t in per_rep]) for c in per_rep[0]}
    t_q = t_quantile(reps, confidence)
    ratios = _ratios(sl_convention)
    ix = np.arange(warm, n_int)
    intervals = pd.DataFrame({"interval": ix, "agents": staff[keep],
                              **_estimates(tot, t_q, ratios)})
    summary = pd.DataFrame(_estimates({c: v.sum(axis=1, keepdims=True) for c, v in tot.items()},
                                      t_q, ratios))
    replications_frame = pd.DataFrame({
        "replication": np.repeat(np.arange(reps), ix.size),
        "interval": np.tile(ix, reps),
        "agents": np.tile(staff[keep], reps),
        **{c: v.ravel() for c, v in tot.items()},
    })
    calls_frame = pd.concat(frames, ignore_index=True) if frames else None
    return ChannelSimulationResult(intervals=intervals, summary=summary,
                                   replications=replications_frame, calls=calls_frame,
                                   sl_convention=sl_convention, confidence=confidence)
