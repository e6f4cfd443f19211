"""The simulator's hot loops: FCFS replay of calls under the three staffing conventions.

Each kernel is plain Python written in the subset numba compiles (numpy arrays in and out,
local lists used as heaps through :mod:`heapq`, no objects), so the same source is both the
readable reference (``kernel`` here) and, through :func:`compiled`, the machine-code version
the simulator runs. Both do the same IEEE arithmetic in the same order (no ``fastmath``), so
their results are identical call by call; ``tests/test_simulate.py`` checks it on random
cases. The conventions themselves are documented in :mod:`erlang.simulate`.

Time is in seconds from the start of interval 0. Outputs: ``start[i]`` is the answer time
of call ``i``, NaN if the caller hung up first, ``inf`` if never answered.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

__all__ = ["agent_kernel", "compiled", "count_kernel", "designated_kernel", "excess_kernel"]


def count_kernel(arrival_s, service_s, patience_s, ends_s, cap):
    """The ``count`` rule: a call starts when fewer calls are in service than agents are on
    duty. ``ends_s``: the K interval end times; ``cap``: agents per interval, K + 1 values
    (the last is the drain staffing after the horizon).

    Calls are taken in arrival order (under FCFS a call's fate depends only on the calls
    ahead of it); a heap holds the end times of the calls in service, and the clock moves
    over service ends and staffing changes until the call is answered or its patience runs
    out.
    """
    n = arrival_s.shape[0]
    n_int = ends_s.shape[0]
    inf = math.inf
    heap = [0.0]
    heap.pop()
    k = 0
    next_b = ends_s[0] if n_int > 0 else inf
    n_on = cap[0]
    floor = -inf          # no call can start before this (FCFS: the previous call's start)
    start = np.full(n, math.nan)
    for i in range(n):
        a = arrival_s[i]
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
        while len(heap) > 0 and heap[0] <= t:  # calls finished by t
            heapq.heappop(heap)
        answered = True
        while len(heap) >= n_on:      # all agents on duty busy: move to the next event
            next_end = heap[0] if len(heap) > 0 else inf
            if next_end <= next_b:
                if next_end > deadline:
                    answered = False
                    break
                if next_end == inf:   # 0 agents for ever and no patience
                    break
                t = next_end
                heapq.heappop(heap)
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
        heapq.heappush(heap, t + service_s[i])
        floor = t
    return start


def designated_kernel(arrival_s, service_s, patience_s, ends_s, cap):
    """The ``designated`` rule (exhaustive service at a staffing drop, Ingolfsson et al. 2007).

    Agents on duty are counted by ``cap`` as in :func:`count_kernel`; the calls in service are
    split into those of on-duty agents (heap ``on`` of (end, call)) and those of agents whose
    shift or break has started and who finish the call before leaving (heap ``lv``). At a
    boundary where staffing falls from N to N': idle agents leave first; if fewer than
    N - N' are idle, the rest of the leavers are the on-duty agents whose calls were
    answered earliest (lowest call number). At a rise: pending leavers stay first (the
    earliest answered first), then idle agents are added. A call starts when fewer on-duty
    agents than ``cap`` are on a call.

    Returns ``start`` and the overtime segments (``seg_from``, ``seg_to``, ``seg_call``):
    each stretch of time a leaver spent on its call after its scheduled end.
    """
    n = arrival_s.shape[0]
    n_int = ends_s.shape[0]
    inf = math.inf
    on = [(0.0, 0)]
    on.pop()
    lv = [(0.0, 0)]
    lv.pop()
    seg_from = [0.0]
    seg_from.pop()
    seg_to = [0.0]
    seg_to.pop()
    seg_call = [0]
    seg_call.pop()
    leave_at = np.zeros(n)        # when call i's agent was designated to leave
    k = 0
    next_b = ends_s[0] if n_int > 0 else inf
    n_on = cap[0]
    floor = -inf
    start = np.full(n, math.nan)
    for i in range(n + 1):
        if i == n:                # after the last call: play out the remaining changes
            t = inf
            deadline = inf
        else:
            a = arrival_s[i]
            t = a if a > floor else floor
            deadline = a + patience_s[i]
            if t > deadline:      # the caller ahead is still waiting: this one hangs up
                continue
            if t == inf:          # nobody will ever answer again
                start[i] = inf
                continue
        while True:
            while k < n_int and next_b <= t:   # staffing changes up to time t, in order
                b = next_b
                k += 1
                new_on = cap[k]
                next_b = ends_s[k] if k < n_int else inf
                while len(on) > 0 and on[0][0] <= b:      # finished before the change
                    heapq.heappop(on)
                while len(lv) > 0 and lv[0][0] <= b:      # leavers gone before it
                    e, j = heapq.heappop(lv)
                    seg_from.append(leave_at[j])
                    seg_to.append(e)
                    seg_call.append(j)
                if new_on < n_on:
                    n_leave = (n_on - new_on) - (n_on - len(on))   # beyond the idle ones
                    if n_leave > 0:
                        by_call = [(j, e) for (e, j) in on]
                        heapq.heapify(by_call)
                        for _ in range(n_leave):
                            j, e = heapq.heappop(by_call)
                            leave_at[j] = b
                            heapq.heappush(lv, (e, j))
                        on = [(e, j) for (j, e) in by_call]
                        heapq.heapify(on)
                elif new_on > n_on and len(lv) > 0:
                    n_stay = min(new_on - n_on, len(lv))
                    by_call = [(j, e) for (e, j) in lv]
                    heapq.heapify(by_call)
                    for _ in range(n_stay):
                        j, e = heapq.heappop(by_call)
                        seg_from.append(leave_at[j])
                        seg_to.append(b)
                        seg_call.append(j)
                        heapq.heappush(on, (e, j))
                    lv = [(e, j) for (j, e) in by_call]
                    heapq.heapify(lv)
                n_on = new_on
            if i == n:
                break
            while len(on) > 0 and on[0][0] <= t:          # calls finished by t
                heapq.heappop(on)
            if len(on) < n_on:                            # an on-duty agent is free
                start[i] = t
                heapq.heappush(on, (t + service_s[i], i))
                floor = t
                break
            next_end = on[0][0] if len(on) > 0 else inf
            t_next = next_end if next_end <= next_b else next_b
            if t_next > deadline:                         # hangs up first
                floor = deadline
                break
            if t_next == inf:                             # never answered
                start[i] = inf
                floor = inf
                break
            t = t_next
    while len(lv) > 0:            # leavers still on a call after the last change
        e, j = heapq.heappop(lv)
        seg_from.append(leave_at[j])
        seg_to.append(e)
        seg_call.append(j)
    return start, np.array(seg_from), np.array(seg_to), np.array(seg_call)


def agent_kernel(arrival_s, service_s, patience_s, p_start, p_end, p_last, a_first, a_stop):
    """Agent-level replay of a roster: FCFS, each agent on duty only inside its periods.

    Periods are sorted by agent, then start; agent ``j`` owns periods ``a_first[j]`` to
    ``a_stop[j] - 1``; ``p_last[q]`` is 1 when the gap after period ``q`` ends the shift
    (else it is a break). A free agent on duty takes the call at the head of the queue; when
    several are free, the one idle longest (ties: lowest agent number). An agent whose period
    ends during a call finishes it, then is back at the start of its next period, or at the
    end of the call if that is later (the break is shortened).

    State: heap ``idle`` of (idle since, agent) of agents free and on duty; heap ``wait`` of
    (time, agent) of agents on a call or between periods, with the time they are next free
    and on duty; ``cur[j]``, the period that time falls in. Entries of ``idle`` whose period
    has ended are moved on lazily when they reach the top (their key only grows, so the top
    valid entry is the agent idle longest).

    Returns ``start``, ``agent`` (-1 if not answered) and the segments of work outside the
    periods (``seg_from``, ``seg_to``, ``seg_kind``: 0 = after the end of the shift
    (overtime), 1 = in a break (break lost); ``seg_call``).
    """
    n = arrival_s.shape[0]
    n_agents = a_first.shape[0]
    inf = math.inf
    idle = [(0.0, 0)]
    idle.pop()
    wait = [(0.0, 0)]
    wait.pop()
    cur = a_first.copy()
    for j in range(n_agents):
        if a_stop[j] > a_first[j]:
            heapq.heappush(wait, (p_start[a_first[j]], j))
    seg_from = [0.0]
    seg_from.pop()
    seg_to = [0.0]
    seg_to.pop()
    seg_kind = [0]
    seg_kind.pop()
    seg_call = [0]
    seg_call.pop()
    start = np.full(n, math.nan)
    agent = np.full(n, -1)
    floor = -inf
    for i in range(n):
        a = arrival_s[i]
        t = a if a > floor else floor
        deadline = a + patience_s[i]
        if t > deadline:
            continue
        if t == inf:
            start[i] = inf
            continue
        while True:
            while len(wait) > 0 and wait[0][0] <= t:      # free and on duty by t
                heapq.heappush(idle, heapq.heappop(wait))
            j = -1
            while len(idle) > 0:
                since, jj = idle[0]
                if p_end[cur[jj]] > t:                    # still on duty at t
                    j = jj
                    break
                heapq.heappop(idle)                       # its period is over: move on
                q = cur[jj] + 1
                while q < a_stop[jj] and p_end[q] <= t:
                    q += 1
                if q < a_stop[jj]:
                    cur[jj] = q
                    if p_start[q] <= t:
                        heapq.heappush(idle, (p_start[q], jj))
                    else:
                        heapq.heappush(wait, (p_start[q], jj))
            if j >= 0:
                heapq.heappop(idle)
                break
            t_next = wait[0][0] if len(wait) > 0 else inf
            if t_next > deadline:                         # hangs up first
                floor = deadline
                break
            if t_next == inf:                             # nobody on duty ever again
                start[i] = inf
                floor = inf
                break
            t = t_next
        if j < 0:
            continue
        start[i] = t
        agent[i] = j
        floor = t
        e = t + service_s[i]
        q = cur[j]
        while p_end[q] < e:           # the call runs past the end of period q
            nxt = q + 1
            gap_end = p_start[nxt] if nxt < a_stop[j] else inf
            to = e if e < gap_end else gap_end
            if to > p_end[q]:
                seg_from.append(p_end[q])
                seg_to.append(to)
                seg_kind.append(0 if p_last[q] else 1)
                seg_call.append(i)
            if e <= gap_end or nxt >= a_stop[j]:
                break
            q = nxt                   # on a call through the start of the next period
        while q < a_stop[j] and p_end[q] <= e:            # the period free again in
            q += 1
        if q < a_stop[j]:
            cur[j] = q
            heapq.heappush(wait, (e if e > p_start[q] else p_start[q], j))
    return start, agent, np.array(seg_from), np.array(seg_to), np.array(seg_kind), \
        np.array(seg_call)


def excess_kernel(start_s, end_s, ends_s, cap):
    """The ``count`` rule's overtime: the integral of max(calls in service - cap, 0) per
    interval (K + 1 values, the last after the horizon), by one sweep over the answered
    calls' start times and end times, each sorted ascending, and the interval ends."""
    n = start_s.shape[0]
    n_int = ends_s.shape[0]
    inf = math.inf
    out = np.zeros(n_int + 1)
    i = 0                 # next start
    j = 0                 # next end
    k = 0                 # current interval
    busy = 0
    t = 0.0
    while j < n:          # until the last call has ended
        t_start = start_s[i] if i < n else inf
        t_end = end_s[j]
        t_b = ends_s[k] if k < n_int else inf
        t_next = min(t_start, t_end, t_b)
        if busy > cap[k]:
            out[k] += (busy - cap[k]) * (t_next - t)
        t = t_next
        if t_end == t_next:
            busy -= 1
            j += 1
        elif t_start == t_next:
            busy += 1
            i += 1
        else:
            k += 1
    return out


#: compiled versions, made on first use (numba is imported only when a simulation runs)
_COMPILED: dict = {}


def compiled(kernel):
    """``kernel`` compiled by numba (``njit``, cached on disk next to this module, or in the
    user cache when that is read-only; uncached when neither is writable). The pure-Python
    function stays available as ``compiled(kernel).py_func``."""
    fn = _COMPILED.get(kernel.__name__)
    if fn is None:
        import numba  # third-party, kept here: it costs ~0.5 s and only simulations need it

        try:
            fn = numba.njit(cache=True)(kernel)
        except RuntimeError:   # "cannot cache function ...: no locator available"
            fn = numba.njit(cache=False)(kernel)
        _COMPILED[kernel.__name__] = fn
    return fn
