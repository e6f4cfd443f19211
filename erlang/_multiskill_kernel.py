"""The multi-skill simulator's event loop (one replication), in the subset numba compiles.

Plain Python on numpy arrays and lists used as heaps (:mod:`heapq`), like
:mod:`erlang._kernels`: the same source is the readable reference (``multiskill_kernel``)
and, through :func:`erlang._kernels.compiled`, the machine-code version the simulator runs.
The routing rule and the conventions are documented in :mod:`erlang.multiskill_sim`.

Time is in seconds from the start of the horizon (the start of interval 0).

State of the agents (the ``count`` convention: agents are counted, not named). Group ``i``
has ``staff[i]`` agents on duty and ``busy[i]`` calls in service; an agent may start a call
only while ``busy[i] < staff[i]``, so the group has ``max(staff - busy, 0)`` idle agents
free to answer. Their idle-since times are a ring buffer per group, oldest first (the
longest-idle agent at the front): an agent who finishes a call and finds nothing to take
joins at the back; agents coming on duty join at the back with the boundary time; at a drop
the most recently idle leave first. An agent "becoming free" (finishing a call under its
group's staffing, coming on duty, or the longest-idle one when a waiting call becomes
eligible for its group after an overflow delay) goes on a small stack and scans its
skills in priority order for a call it may take; if none, it goes (back) to the idle list.

Call types' queues: the calls of type ``k`` in arrival order, ``qcalls[qoff[k]:qoff[k+1]]``;
the queue is the slice ``[head[k], tail[k])`` of it, calls no longer waiting skipped lazily
at the head (FCFS within a type: only the head is ever taken from the queue).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

__all__ = ["ABANDONED", "ANSWERED", "UNSERVED", "WAITING", "multiskill_kernel"]

# call status codes
NOT_ARRIVED, WAITING, ANSWERED, ABANDONED, UNSERVED = 0, 1, 2, 3, 4
# rows of the per (interval, type) totals the kernel returns
OFFERED, N_ANSWERED, N_ABANDONED, WITHIN, N_UNSERVED, WAITED, WAIT_ANSWERED_S = range(7)
N_TOTALS = 7


def multiskill_kernel(arrival_s, ctype, civ, e_service, e_patience, ends_s, cap, aht_s,
                      patience_mean_s, threshold_s, arr_groups, arr_rank, arr_n, g_types,
                      g_delay, g_n, ov_groups, ov_delay, ov_n):
    """One replication of the multi-skill centre.

    Calls ``0 .. n - 1`` sorted by arrival: ``arrival_s``, type ``ctype``, attributed
    interval ``civ``, unit handle-time and unit patience draws ``e_service``,
    ``e_patience`` (the handle time is ``e_service x aht_s[group, type]`` of the group that
    answers; the patience ``e_patience x patience_mean_s[type]``, inf for inf).
    ``ends_s``: the n_int interval end times; ``cap``: agents per interval and group,
    (n_int + 1) x I (the last row is the staffing after the horizon, the drain's).
    ``threshold_s``: the service-level threshold per type.

    Routing tables (built by :func:`erlang.multiskill_sim._routing`): ``arr_groups[k, :arr_n[k]]``
    the groups that may answer an arriving call of type ``k`` (its skill with no overflow
    delay), by rank then group number, ``arr_rank`` their rank; ``g_types[i, :g_n[i]]`` the
    skills of group ``i`` in priority order and ``g_delay`` their overflow delays;
    ``ov_groups[k, :ov_n[k]]`` the groups with skill ``k`` and a positive finite delay, by
    delay, and ``ov_delay`` the delays.

    Returns ``status``, ``start`` (answer time; NaN if not answered, inf if unserved),
    ``group`` (-1 if not answered), ``leave`` (hang-up time), ``service`` (handle time of
    the answered calls, 0 for the others), and totals:
    ``tot[7, n_int, K]`` (offered, answered, abandoned, answered within threshold, unserved,
    waited > 0, sum of waits of answered calls; by arrival interval),
    ``busy[n_int, I, K]`` (agent-seconds on calls inside each interval, by group and type)
    and ``answered_by[n_int, I, K]`` (calls answered by each group, by arrival interval).
    """
    n = arrival_s.shape[0]
    n_int = ends_s.shape[0]
    n_groups = cap.shape[1]
    n_types = arr_n.shape[0]
    inf = math.inf

    # the per-type queues: calls of each type in arrival order
    qoff = np.zeros(n_types + 1, np.int64)
    for c in range(n):
        qoff[ctype[c] + 1] += 1
    for k in range(n_types):
        qoff[k + 1] += qoff[k]
    qcalls = np.zeros(n, np.int64)
    fill = qoff[:-1].copy()
    for c in range(n):
        k = ctype[c]
        qcalls[fill[k]] = c
        fill[k] += 1
    head = qoff[:-1].copy()
    tail = qoff[:-1].copy()

    status = np.zeros(n, np.int64)
    start = np.full(n, math.nan)
    leave = np.full(n, math.nan)
    service = np.zeros(n)
    group = np.full(n, -1, np.int64)

    # agents: on duty, in service, idle ring buffers (oldest first)
    ring = 1
    for row in range(cap.shape[0]):
        for i in range(n_groups):
            if cap[row, i] + 1 > ring:
                ring = cap[row, i] + 1
    idle_t = np.zeros((n_groups, ring))
    idle_head = np.zeros(n_groups, np.int64)
    idle_len = np.zeros(n_groups, np.int64)
    staff = cap[0].copy()
    busy = np.zeros(n_groups, np.int64)
    for i in range(n_groups):
        for _ in range(staff[i]):
            idle_t[i, (idle_head[i] + idle_len[i]) % ring] = 0.0
            idle_len[i] += 1
    # free agents to dispatch: group, idle since, 1 = back to the front of the idle list
    fs_g = np.zeros(ring * n_groups + 1, np.int64)
    fs_t = np.zeros(ring * n_groups + 1)
    fs_front = np.zeros(ring * n_groups + 1, np.int64)
    ns = 0

    done = [(0.0, 0)]           # (end of service, call)
    done.pop()
    hang = [(0.0, 0)]           # (patience deadline, call), cleaned lazily
    hang.pop()
    over = [(0.0, 0, 0)]        # (time, call, position in ov_groups[type]), cleaned lazily
    over.pop()

    kb = 0
    next_b = ends_s[0] if n_int > 0 else inf
    fp = 0
    t = 0.0
    while True:
        t_c = done[0][0] if len(done) > 0 else inf
        while len(hang) > 0 and status[hang[0][1]] != WAITING:
            heapq.heappop(hang)
        t_h = hang[0][0] if len(hang) > 0 else inf
        while len(over) > 0 and status[over[0][1]] != WAITING:
            heapq.heappop(over)
        t_o = over[0][0] if len(over) > 0 else inf
        t_f = arrival_s[fp] if fp < n else inf
        # the next event; ties: completion, boundary, hang-up, overflow, arrival
        t_next = t_c
        ev = 0
        if next_b < t_next:
            t_next = next_b
            ev = 1
        if t_h < t_next:
            t_next = t_h
            ev = 2
        if t_o < t_next:
            t_next = t_o
            ev = 3
        if t_f < t_next:
            t_next = t_f
            ev = 4
        if t_next == inf:
            break
        t = t_next
        if ev == 0:                                   # a call ends: its agent is free
            _, c = heapq.heappop(done)
            i = group[c]
            busy[i] -= 1
            if busy[i] < staff[i]:                    # else: beyond the staffing, leaves
                fs_g[ns] = i
                fs_t[ns] = t
                fs_front[ns] = 0
                ns += 1
        elif ev == 1:                                 # interval boundary: new staffing
            kb += 1
            next_b = ends_s[kb] if kb < n_int else inf
            for i in range(n_groups - 1, -1, -1):     # stack: group 0 dispatched first
                staff[i] = cap[kb, i]
                target = staff[i] - busy[i]
                if target < 0:
                    target = 0
                while idle_len[i] > target:           # the most recently idle leave
                    idle_len[i] -= 1
                for _ in range(target - idle_len[i]):  # new agents on duty
                    fs_g[ns] = i
                    fs_t[ns] = t
                    fs_front[ns] = 0
                    ns += 1
        elif ev == 2:                                 # a waiting caller hangs up
            _, c = heapq.heappop(hang)
            status[c] = ABANDONED
            leave[c] = t
        elif ev == 3:                                 # a call becomes eligible for a group
            _, c, j = heapq.heappop(over)
            k = ctype[c]
            i = ov_groups[k, j]
            if j + 1 < ov_n[k]:
                te = arrival_s[c] + ov_delay[k, j + 1]
                if te < inf:
                    heapq.heappush(over, (te, c, j + 1))
            if idle_len[i] > 0:                       # its longest-idle agent looks
                fs_g[ns] = i
                fs_t[ns] = idle_t[i, idle_head[i]]
                fs_front[ns] = 1
                ns += 1
                idle_head[i] = (idle_head[i] + 1) % ring
                idle_len[i] -= 1
        else:                                         # an arrival
            c = fp
            fp += 1
            k = ctype[c]
            tail[k] += 1
            best = -1
            best_rank = -1
            best_since = inf
            for j in range(arr_n[k]):                 # specialists first, then longest idle
                i = arr_groups[k, j]
                if best >= 0 and arr_rank[k, j] > best_rank:
                    break
                if idle_len[i] > 0:
                    since = idle_t[i, idle_head[i]]
                    if best < 0 or since < best_since:
                        best = i
                        best_rank = arr_rank[k, j]
                        best_since = since
            if best >= 0:
                idle_head[best] = (idle_head[best] + 1) % ring
                idle_len[best] -= 1
                status[c] = ANSWERED
                start[c] = t
                group[c] = best
                service[c] = e_service[c] * aht_s[best, k]
                busy[best] += 1
                heapq.heappush(done, (t + service[c], c))
            else:
                status[c] = WAITING
                pm = patience_mean_s[k]
                if pm < inf:
                    heapq.heappush(hang, (t + e_patience[c] * pm, c))
                if ov_n[k] > 0:
                    te = arrival_s[c] + ov_delay[k, 0]
                    if te < inf:
                        heapq.heappush(over, (te, c, 0))
        while ns > 0:                                 # free agents take waiting calls
            ns -= 1
            i = fs_g[ns]
            take = -1
            for r in range(g_n[i]):                   # skills in priority order
                k = g_types[i, r]
                h = head[k]
                while h < tail[k] and status[qcalls[h]] != WAITING:
                    h += 1
                head[k] = h
                if h < tail[k]:
                    c = qcalls[h]
                    if arrival_s[c] + g_delay[i, r] <= t:    # waited its overflow delay
                        take = c
                        break
            if take >= 0:
                c = take
                k = ctype[c]
                head[k] += 1
                status[c] = ANSWERED
                start[c] = t
                group[c] = i
                service[c] = e_service[c] * aht_s[i, k]
                busy[i] += 1
                heapq.heappush(done, (t + service[c], c))
            elif fs_front[ns] == 1:                   # back where it was in the idle list
                idle_head[i] = (idle_head[i] - 1 + ring) % ring
                idle_t[i, idle_head[i]] = fs_t[ns]
                idle_len[i] += 1
            else:
                idle_t[i, (idle_head[i] + idle_len[i]) % ring] = fs_t[ns]
                idle_len[i] += 1

    # totals by arrival interval; busy time inside the horizon by the interval it is worked in
    tot = np.zeros((N_TOTALS, max(n_int, 1), n_types))
    busy_s = np.zeros((max(n_int, 1), n_groups, n_types))
    answered_by = np.zeros((max(n_int, 1), n_groups, n_types))
    for c in range(n):
        k = ctype[c]
        iv = civ[c]
        tot[OFFERED, iv, k] += 1.0
        st = status[c]
        if st == WAITING:                             # left waiting for ever
            status[c] = UNSERVED
            start[c] = inf
            tot[N_UNSERVED, iv, k] += 1.0
            tot[WAITED, iv, k] += 1.0
        elif st == ABANDONED:
            tot[N_ABANDONED, iv, k] += 1.0
            if leave[c] > arrival_s[c]:
                tot[WAITED, iv, k] += 1.0
        elif st == ANSWERED:
            w = start[c] - arrival_s[c]
            i = group[c]
            tot[N_ANSWERED, iv, k] += 1.0
            tot[WAIT_ANSWERED_S, iv, k] += w
            if w <= threshold_s[k]:
                tot[WITHIN, iv, k] += 1.0
            if w > 0:
                tot[WAITED, iv, k] += 1.0
            answered_by[iv, i, k] += 1.0
            s = start[c]
            e = s + service[c]
            lo = 0
            hi = n_int
            while lo < hi:                            # first interval ending after s
                mid = (lo + hi) // 2
                if ends_s[mid] <= s:
                    lo = mid + 1
                else:
                    hi = mid
            j = lo
            while j < n_int and s < e:
                seg = e if e < ends_s[j] else ends_s[j]
                busy_s[j, i, k] += seg - s
                s = seg
                j += 1
    return status, start, group, leave, service, tot, busy_s, answered_by
