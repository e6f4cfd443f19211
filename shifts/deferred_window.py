"""Deferred work in the shift programme: covered anywhere inside its deadline window.

A deferred requirement per interval (:func:`erlang.deferred.requirement_frame`) fixes *when*
the work is done; but an item arriving in open interval ``s`` may be done in any of the
``K`` open intervals ``s .. s+K-1`` (its deadline, ``window_intervals``). Here the day
programme of :mod:`shifts.model` (Aykin's implicit breaks, built by
:func:`shifts.model.build_day_model`) gets, in place of the fixed deferred requirement, a
fluid backlog formulation of that freedom, so that the schedule itself smooths the work.

Units: work in on-phone agent-slots (agent x ``slot_min``). For one day, with the unit's
agents per slot ``cov_t`` (the coverage expression of the shift and break variables) and
its voice requirement ``r_t`` (``DayProblem.required``; 0 for a deferred-only unit), new
variables ``q_t >= 0`` (scheduled agents on deferred work in slot ``t``, continuous) and
``L >= 0`` (late work, whole agent-slots, penalised as under-coverage is) with rows::

    cov_t - q_t (+ u_t)                         >= r_t          every open slot t
    P0 + sigma sum_{t <= j} q_t + L_j           >= D(j)         every interval end j
    P0 + sigma sum_{t <= j} q_t                 <= A(j)         every interval end j
    P0 + sigma sum_t q_t + L_end                >= P_end

``sigma`` = 1 - shrinkage (scheduled -> on the phones); ``A(j)`` the work arrived by the end
of ``j`` (an interval's items count from its start, as in the deadline programme), ``D(j)``
the work due by then (items of intervals ``<= j-K+1``), ``P0`` the work done before the
day. With one deadline for all items, FIFO is EDF, and the fluid FIFO schedule meets every
deadline exactly when the cumulative work done is between ``D`` and ``A`` (the deadline
programme's own argument, :mod:`erlang.deferred`: Liu & Layland 1973; Horn 1974).

Days stay independent (each is its own programme, as :func:`shifts.model.solve_days`
needs): the work done before a day and the work a day must have done by its end come from
a *reference* capacity, the fixed requirement's (the fluid FIFO schedule at that capacity,
run twice round the horizon as one period of a repeating pattern, as
:func:`wfmplan.staffing._staff_deferred` plans it, and the second round kept). So each day
carries over at most what the reference carried over, and the reference's coverage is a
solution of every day: the window programme is never dearer than covering the fixed
requirement, up to the solver's gap.

Objective and solve: as :func:`shifts.model.solve_day` (the MILP driver
:func:`shifts.milp.solve`; ``q`` stays continuous in every phase; ``L`` integer so that the
cost unit of the objective still holds).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import sparse

from shifts.milp import Budget, closed_gap, fix_shifts, solve, status_text
from shifts.model import DayModel, DayProblem, DaySolution, build_day_model, decode_day
from shifts.requirements import check_requirements, day_problems
from shifts.rules import Rules
from wfmcore import InputError

__all__ = ["DayWindow", "WindowSchedule", "WindowSolution", "day_windows", "fluid_done",
           "schedule_window", "solve_window_day"]


@dataclass(frozen=True)
class DayWindow:
    """The deferred work of one day (module docstring), in on-phone agent-slots.

    ``ends``: the day's slot index of the last slot of each requirement interval;
    ``arrived`` / ``due``: A and D at those ends; ``done_before``: P0; ``done_by_end``:
    P_end; ``open_slots``: slots where agents may do deferred work; ``on_phone_share``:
    sigma."""

    ends: np.ndarray
    arrived: np.ndarray
    due: np.ndarray
    done_before: float
    done_by_end: float
    open_slots: np.ndarray
    on_phone_share: float


@dataclass
class WindowSolution:
    """A day solved with its window: ``day`` (the :class:`shifts.model.DaySolution`,
    coverage and cost as usual), ``deferred_agents`` (q per slot: scheduled agents on
    deferred work), ``late_agent_slots`` (L summed) and ``work_done`` (sigma sum q)."""

    day: DaySolution
    deferred_agents: np.ndarray
    late_agent_slots: float
    work_done: float


def fluid_done(work: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Work done per interval by the fluid FIFO schedule (``capacity`` per interval, same
    units as ``work``, an interval's arrivals available from its start), from an empty
    backlog."""
    done = np.zeros(work.size)
    backlog = 0.0
    for i in range(work.size):
        backlog += work[i]
        done[i] = min(backlog, capacity[i])
        backlog -= done[i]
    return done


def day_windows(work: np.ndarray, reference: np.ndarray, window_intervals: int,
                day_of: np.ndarray, interval_slots: list[tuple[int, int]],
                on_phone_share: float, slots_per_interval: int) -> dict[int, tuple]:
    """The :class:`DayWindow` data of every day of one deferred unit.

    ``work``: work arriving per open interval, in time order, in on-phone agent-intervals
    (items x AHT / interval length); ``reference``: the fixed requirement's on-phone agents
    per interval; ``window_intervals``: K; ``day_of``: the day of each interval;
    ``interval_slots[i]``: (first slot, slots) of interval ``i`` in its day's programme.
    The horizon is one period of a repeating pattern (module docstring). Returns day ->
    (ends, arrived, due, done_before, done_by_end) in agent-slots."""
    n = work.size
    k = int(window_intervals)
    if k < 1:
        raise InputError(f"window_intervals must be >= 1; got {window_intervals}",
                         param="window_intervals")
    per = float(slots_per_interval)
    w2 = np.tile(work, 2) * per
    done2 = fluid_done(w2, np.tile(reference, 2) * per)
    a_cum = np.cumsum(w2)
    p_cum = np.cumsum(done2)
    out = {}
    for d in np.unique(day_of):
        idx = np.flatnonzero(day_of == d) + n             # the second round
        ends = np.array([interval_slots[i - n][0] + interval_slots[i - n][1] - 1
                         for i in idx])
        due_ix = idx - k + 1
        due = np.where(due_ix >= 0, a_cum[np.maximum(due_ix, 0)], 0.0)
        out[int(d)] = (ends, a_cum[idx], due, float(p_cum[idx[0] - 1]),
                       float(p_cum[idx[-1]]))
    return out


def _coverage_matrix(model: DayModel, n_slots: int) -> sparse.csr_array:
    """Agents working per slot as a linear map of the model's ``x`` and ``w`` columns (the
    coverage term of :mod:`shifts.model`)."""
    rows, cols = [], []
    vals = []
    for j, (_k, s, span) in enumerate(model.shifts):
        rows.extend(range(s, s + span))
        cols.extend([j] * span)
        vals.extend([1.0] * span)
    nx = len(model.shifts)
    for m, (_j, _b, t, d) in enumerate(model.breaks):
        rows.extend(range(t, t + d))
        cols.extend([nx + m] * d)
        vals.extend([-1.0] * d)
    return sparse.csr_array((vals, (rows, cols)), shape=(n_slots, len(model.c)))


def build_window_model(problem: DayProblem, rules: Rules, window: DayWindow) -> DayModel:
    """The day programme with the window rows of the module docstring: columns
    ``x | w | u | q | l`` (``q``: one per open slot; ``l``: one per interval end, then one
    for the end of the day)."""
    base = build_day_model(problem, rules)
    S = problem.n_slots
    g = problem.slot_min
    open_t = np.flatnonzero(window.open_slots)
    nq = open_t.size
    n_end = window.ends.size
    nl = n_end + 1
    n0 = len(base.c)
    oq, ol = n0, n0 + nq
    n = n0 + nq + nl
    cov = _coverage_matrix(base, S)
    q_of_slot = -np.ones(S, dtype=np.int64)
    q_of_slot[open_t] = np.arange(nq)
    sigma = window.on_phone_share

    A_base = sparse.hstack([base.A, sparse.csr_array((base.A.shape[0], nq + nl))]).tocsr()
    A_base = A_base.tolil()
    lo, hi = [base.row_lb], [base.row_ub]
    # the voice requirement's coverage rows take the deferred agents off: cov - q + u >= r
    req = problem.required
    cov_slots = np.flatnonzero(req > 0)
    for row, t in enumerate(cov_slots):
        if q_of_slot[t] >= 0:
            A_base[row, oq + q_of_slot[t]] = -1.0
    blocks = [A_base.tocsr()]
    # slots without a voice requirement: cov - q >= 0
    free_t = open_t[req[open_t] <= 0]
    if free_t.size:
        c_rows = sparse.hstack([cov[free_t], sparse.csr_array((free_t.size, nq + nl))]).tolil()
        for r, t in enumerate(free_t):
            c_rows[r, oq + q_of_slot[t]] = -1.0
        blocks.append(c_rows.tocsr())
        lo.append(np.zeros(free_t.size))
        hi.append(np.full(free_t.size, np.inf))
    # cumulative rows at interval ends: done by j between D(j) - L_j and A(j)
    cum = np.zeros((n_end, n))
    for e, end in enumerate(window.ends):
        mine = q_of_slot[:end + 1]
        cum[e, oq + mine[mine >= 0]] = sigma
    late = np.zeros((n_end, n))
    late[np.arange(n_end), ol + np.arange(n_end)] = 1.0
    blocks += [sparse.csr_array(cum + late), sparse.csr_array(cum)]
    lo += [window.due - window.done_before, np.full(n_end, -np.inf)]
    hi += [np.full(n_end, np.inf), window.arrived - window.done_before]
    end_row = np.zeros((1, n))
    end_row[0, oq:oq + nq] = sigma
    end_row[0, ol + n_end] = 1.0
    blocks.append(sparse.csr_array(end_row))
    lo.append([window.done_by_end - window.done_before])
    hi.append([np.inf])
    A = sparse.vstack(blocks).tocsr()
    penalty = rules.under_penalty_per_agent_hour * g / 60.0
    c = np.concatenate([base.c, np.zeros(nq), np.full(nl, penalty)])
    ub = np.concatenate([base.ub, np.full(nq, np.inf), np.full(nl, np.inf)])
    integrality = np.concatenate([base.integrality, np.zeros(nq), np.ones(nl)])
    blocks_ix = dict(base.blocks)
    blocks_ix.update(q=np.arange(oq, oq + nq), l=np.arange(ol, ol + nl))
    return DayModel(c=c, A=A, row_lb=np.concatenate([np.asarray(v, float) for v in lo]),
                    row_ub=np.concatenate([np.asarray(v, float) for v in hi]),
                    lb=np.zeros(n), ub=ub, integrality=integrality, blocks=blocks_ix,
                    shifts=base.shifts, breaks=base.breaks)


def solve_window_day(problem: DayProblem, rules: Rules, window: DayWindow, *,
                     time_limit_s: float = 60.0, gap: float = 0.005) -> WindowSolution:
    """One day with its deferred window (module docstring), solved as
    :func:`shifts.model.solve_day` solves a day (two-phase, then exact if the break repair
    falls short). The objective counts the late work's penalty as under-coverage."""
    budget = Budget(time_limit_s)
    model = build_window_model(problem, rules, window)
    q_ix, l_ix = model.blocks["q"], model.blocks["l"]

    def decode(xv):
        return _Decoded(decode_day(problem, rules, model, xv), xv)    # late work counted

    def repair(x1):
        r2 = fix_shifts(model, x1, budget=budget)
        return None if r2.x is None else decode(r2.x)

    out = solve(model, repair, budget=budget, gap=gap, decode_exact=decode)
    if out.best is None:
        raise RuntimeError("no schedule found for the deferred window; raise the time "
                           "limit")          # the empty schedule is feasible: a solver fault
    best = out.best
    sol = best.day
    sol.bound, sol.gap = closed_gap(sol.objective, out.bound)
    sol.status = status_text(sol.gap, gap, out.message)
    sol.lp_bound, sol.solve_time_s = float(out.lp_bound), budget.elapsed_s()
    sol.extra["method"] = out.path
    q = np.zeros(problem.n_slots)
    q[np.flatnonzero(window.open_slots)] = best.xv[q_ix]
    return WindowSolution(day=sol, deferred_agents=q,
                          late_agent_slots=float(np.rint(best.xv[l_ix]).sum()),
                          work_done=float(window.on_phone_share * best.xv[q_ix].sum()))


class _Decoded:
    """A decoded day with the raw solution (what :func:`shifts.milp.solve` compares by
    ``objective``)."""

    def __init__(self, day: DaySolution, xv: np.ndarray):
        self.day = day
        self.xv = xv
        self.objective = day.objective


@dataclass(frozen=True)
class WindowSchedule:
    """What :func:`schedule_window` returns: ``days`` (one :class:`WindowSolution` per
    day), ``paid_hours``, ``late_agent_h`` (late work the schedule leaves, on-phone
    agent-hours) and ``coverage``: per requirement interval ``interval_start``,
    ``required`` (the fixed requirement), ``scheduled`` (the fewest agents working in any
    slot of the interval, as :mod:`shifts.plan` counts coverage) and ``on_phone_agents``
    (floor(scheduled x (1 - shrinkage)): what :mod:`shifts.check` simulates)."""

    days: list[WindowSolution]
    paid_hours: float
    late_agent_h: float
    coverage: pd.DataFrame


def schedule_window(requirements: pd.DataFrame, rules: Rules, *, shrinkage: float = 0.0,
                    work_scale: float = 1.0, window_intervals: int | None = None,
                    time_limit_s: float = 60.0, gap: float = 0.005) -> WindowSchedule:
    """Shifts for one deferred unit covering its work anywhere in its deadline window.

    ``requirements``: the unit's rows as :func:`erlang.deferred.requirement_frame` or
    ``wfm staff`` writes them (``interval_start``, ``offered`` items, ``aht_s``,
    ``agents`` = the fixed on-phone requirement, used as the reference of the module
    docstring, ``scheduled_agents``, and ``window_intervals`` unless given); the intervals
    in the file are the business hours, the horizon one period of a repeating pattern.
    ``work_scale``: the work is items x AHT x ``work_scale`` (the calibrated plan's
    ``1 + margin``, :func:`erlang.deferred.calibrated_capacity`, so that the window keeps
    the margin that makes the share hold under random arrivals). Each day is solved by
    :func:`solve_window_day`."""
    if not 0 <= shrinkage < 1:
        raise InputError(f"shrinkage must be in [0, 1); got {shrinkage!r}", param="shrinkage")
    req, interval_min = check_requirements(requirements, "deferred requirements")
    if req["queue"].nunique() > 1:
        raise InputError("schedule_window takes one deferred unit (one queue / channel)",
                         param="requirements")
    for col in ("offered", "aht_s", "agents"):
        if col not in req.columns:
            raise InputError(f"deferred requirements need a '{col}' column", param=col)
    if window_intervals is None:
        if "window_intervals" not in requirements.columns:
            raise InputError("deferred requirements need 'window_intervals' (or give "
                             "window_intervals)", param="window_intervals")
        window_intervals = int(np.asarray(requirements["window_intervals"])[0])
    problems, slots = day_problems(req, interval_min, rules)
    n = len(req)
    day_of = np.empty(n, dtype=np.int64)
    interval_slots: list[tuple[int, int]] = [(0, 0)] * n
    for d, (idx, first_slot, per) in enumerate(slots):
        day_of[idx] = d
        for i, f in zip(idx, first_slot, strict=True):
            interval_slots[i] = (int(f), int(per))
    per = slots[0][2]
    interval_s = interval_min * 60.0
    items = np.nan_to_num(req["offered"].to_numpy(float))
    aht = np.nan_to_num(req["aht_s"].to_numpy(float))
    work = items * aht * float(work_scale) / interval_s
    reference = req["agents"].to_numpy(float)
    windows = day_windows(work, reference, window_intervals, day_of, interval_slots,
                          1.0 - shrinkage, per)
    days = []
    for d, problem in enumerate(problems):
        ends, arrived, due, before, by_end = windows[d]
        p = replace(problem, required=np.zeros(problem.n_slots, dtype=np.int64))
        w = DayWindow(ends=ends, arrived=arrived, due=due, done_before=before,
                      done_by_end=by_end, open_slots=problem.open_slots,
                      on_phone_share=1.0 - shrinkage)
        days.append(solve_window_day(p, rules, w, time_limit_s=time_limit_s, gap=gap))
    scheduled = np.zeros(n, dtype=np.int64)
    for d, (idx, first_slot, per_) in enumerate(slots):
        cov = days[d].day.coverage
        for i, f in zip(idx, first_slot, strict=True):
            scheduled[i] = int(cov[f:f + per_].min())
    coverage = pd.DataFrame({
        "interval_start": req["interval_start"].to_numpy(),
        "required": req["required"].to_numpy(),
        "scheduled": scheduled,
        "on_phone_agents": np.floor(scheduled * (1.0 - shrinkage) + 1e-9).astype(np.int64)})
    g = problems[0].slot_min if problems else interval_min
    return WindowSchedule(days=days, paid_hours=float(sum(s.day.paid_hours for s in days)),
                          late_agent_h=float(sum(s.late_agent_slots for s in days)) * g / 60,
                          coverage=coverage)
