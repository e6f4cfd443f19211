"""The shift-scheduling integer programme for one day, with implicit break placement.

Formulation: Aykin [1] (break variables indexed by the shift they belong to). Time is cut
into slots of ``g`` minutes (the greatest common divisor of every time in the rules and the
requirement intervals). Variables:

* ``x_j`` >= 0 integer: agents working shift ``j`` = (shift type, start slot). Only shifts that
  start on the start grid and lie entirely inside the opening hours exist.
* ``w_jbt`` >= 0 integer: agents of shift ``j`` who take their break ``b`` starting in slot
  ``t``, for every ``t`` in the window of break ``b`` relative to the start of ``j``.
* ``u_i`` >= 0 integer: agents short in slot ``i`` (under-coverage), for slots with a
  requirement.

Constraints::

    sum_t w_jbt = x_j                                        for every shift j, break b
    sum_j a_ji x_j - sum_{j,b,t: t <= i < t + d_b} w_jbt + u_i >= r_i   for every slot i
    sum_j x_j <= max_agents_per_day                          (when given)
    sum_{j of type k} x_j <= max_per_day_k                   (when given)
    sum_{j of type k} p_k x_j <= s_k sum_j p_j x_j           (max_share_of_paid_hours s_k)

``a_ji`` = 1 when slot ``i`` lies in the span of shift ``j``. Objective: minimise
``sum_j cost_weight_j * paid_hours_j * x_j + penalty * (g / 60) * sum_i u_i``.

Why this is exact (every integer solution is a set of real shifts with real breaks and
vice versa): break variables are indexed by the shift they belong to, so the agents of
shift ``j`` take exactly ``x_j`` breaks of each kind, each inside its own window.
:class:`shifts.rules.ShiftType` guarantees that the windows of the breaks of one type
follow each other without overlapping, so giving the i-th agent of shift ``j`` the i-th
start time of each break kind (in any pairing) is a valid day for that agent; the number
of agents present in every slot is then exactly the coverage term above. Conversely, any
set of concrete shifts gives such ``x`` and ``w``. No "extraordinary overlap" constraints
are needed (Bechtold & Jacobs [2] need them because their break variables are shared
between shifts; with Aykin's per-shift indexing the model is larger but exact by
construction, and still smaller than enumerating every shift x break combination: for the
bank's 14-hour day with the default rules, 96 shift + 860 break + 57 shortfall variables and
229 rows, against 3,760 explicit shift-with-breaks columns).

Bounds: the LP relaxation (all variables continuous) is solved too. The optimum of the
integer programme is a sum of non-negative integer multiples of the cost coefficients
(requirements are integers, so ``u`` is integral), so the lower bound
max(LP, HiGHS dual bound) may be rounded up to a multiple of their greatest common divisor
when they have one (2 h for the default 4-, 6- and 8-h shifts and penalty).

Solving: see :func:`solve_day` (default: integer shifts with relaxed breaks, then an integer
break repair, checked against the relaxation's bound; falls back to the exact programme),
run by the MILP driver shared with the weekly tours, :mod:`shifts.milp`.

References:
[1] T. Aykin (1996), Optimal shift scheduling with multiple break windows. Management
    Science 42(4):591-602.
[2] S. E. Bechtold, L. W. Jacobs (1990), Implicit modeling of flexible break assignments in
    optimal shift scheduling. Management Science 36(11):1339-1351.
[3] T. Berthold (2014), RENS: the optimal rounding. Mathematical Programming Computation
    6(1):33-54.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from shifts.milp import METHODS, Budget, Model, closed_gap, fix_shifts, solve, status_text
from shifts.rules import Rules


@dataclass(frozen=True, kw_only=True)
class DayProblem:
    """One day (of one queue) on a grid of ``slot_min``-minute slots.

    ``day_start_min``: minutes after midnight of slot 0. ``required``: integer agents per
    slot. ``open_slots``: True where agents may work. ``shift_types``: the shift types of
    this day (``None``: the rules' shift types), with ``contract_of_type`` the index in
    ``rules.contracts`` of the contract each is worked by (-1: none); with contracts a type
    appears once per contract that works it, and a short day adds the cut types
    (:func:`shifts.requirements.day_problems`).
    ``starts_before_slot``: shifts start before this slot (None: anywhere they fit); a
    day extended past midnight for night shifts (:func:`shifts.tours.night_problem`) has
    the next day's first slots appended, with no requirement of their own, and sets it
    to its own number of slots.
    """

    key: tuple            # (queue, date) or (date,)
    slot_min: int
    day_start_min: int
    required: np.ndarray
    open_slots: np.ndarray
    shift_types: tuple | None = None
    contract_of_type: tuple | None = None
    starts_before_slot: int | None = None

    def types(self, rules: Rules) -> tuple:
        """The shift types of this day: its own, else ``rules.shift_types``."""
        return rules.shift_types if self.shift_types is None else self.shift_types

    def contracts(self, rules: Rules) -> tuple[int, ...]:
        """Contract index of each of :meth:`types` (-1 for none)."""
        if self.contract_of_type is None:
            return (-1,) * len(self.types(rules))
        return self.contract_of_type

    @property
    def n_slots(self) -> int:
        return len(self.required)


@dataclass(kw_only=True)
class DaySolution:
    """Integer solution of one day.

    ``shifts``: list of ``(type_index, start_slot, agents)`` with agents > 0.
    ``breaks``: for each entry of ``shifts``, one list per break of its type of
    ``(start_slot, agents)`` pairs (agents summing to the shift's agents).
    ``coverage``: agents working net of breaks per slot, as the model counts them.
    """

    problem: DayProblem
    shifts: list[tuple[int, int, int]]
    breaks: list[list[list[tuple[int, int]]]]
    coverage: np.ndarray
    under: np.ndarray
    paid_hours: float
    cost: float
    objective: float
    lp_bound: float
    bound: float
    gap: float
    solve_time_s: float
    status: str
    n_variables: int = 0
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class DayModel(Model):
    """The programme of one day (module docstring), with what its columns stand for.

    Blocks ``x``, ``w``, ``u`` (one per slot with a requirement) are consecutive, in this
    order. ``shifts``: per ``x`` column ``(type_index, start_slot, span_slots)``; ``breaks``:
    per ``w`` column ``(shift column j, break index b, start_slot t, duration_slots)``.
    """

    shifts: list[tuple[int, int, int]]
    breaks: list[tuple[int, int, int, int]]


def _shift_columns(problem: DayProblem, rules: Rules):
    """Feasible shifts ``(type_index, start_slot, span_slots)`` of one day."""
    g = problem.slot_min
    cols = []
    open_ = problem.open_slots
    # prefix sums of closed slots, to test "entirely open" in O(1)
    closed = np.concatenate([[0], np.cumsum(~open_)])
    last = problem.n_slots if problem.starts_before_slot is None else problem.starts_before_slot
    for k, t in enumerate(problem.types(rules)):
        span = t.span_min // g
        for s in range(0, min(problem.n_slots - span + 1, last)):
            if (problem.day_start_min + s * g) % rules.start_step_min:
                continue
            if closed[s + span] - closed[s]:
                continue
            cols.append((k, s, span))
    return cols


def build_day_model(problem: DayProblem, rules: Rules) -> DayModel:
    """The integer programme of the module docstring for one day."""
    g = problem.slot_min
    S = problem.n_slots
    req = problem.required
    shifts = _shift_columns(problem, rules)
    day_types = problem.types(rules)
    nx = len(shifts)
    # break variables
    brk = []                      # (shift_col, break_index, start_slot, duration_slots)
    for j, (k, s, _span) in enumerate(shifts):
        for b, br in enumerate(day_types[k].breaks):
            lo = s + br.earliest_start_min // g
            hi = s + br.latest_start_min // g
            for t in range(lo, hi + 1):
                brk.append((j, b, t, br.duration_min // g))
    nw = len(brk)
    cov_slots = np.flatnonzero(req > 0)
    nu = len(cov_slots)
    n = nx + nw + nu
    row_of_slot = -np.ones(S, dtype=int)
    row_of_slot[cov_slots] = np.arange(nu)

    rows, cols, vals = [], [], []
    lo_b, hi_b = [], []
    # coverage rows 0..nu-1
    for j, (_k, s, span) in enumerate(shifts):
        r = row_of_slot[s:s + span]
        r = r[r >= 0]
        rows.extend(r.tolist())
        cols.extend([j] * len(r))
        vals.extend([1.0] * len(r))
    for m, (_j, _b, t, d) in enumerate(brk):
        r = row_of_slot[t:t + d]
        r = r[r >= 0]
        rows.extend(r.tolist())
        cols.extend([nx + m] * len(r))
        vals.extend([-1.0] * len(r))
    rows.extend(range(nu))
    cols.extend(range(nx + nw, n))
    vals.extend([1.0] * nu)
    lo_b.extend(req[cov_slots].astype(float).tolist())
    hi_b.extend([np.inf] * nu)
    nrow = nu
    # linking rows: sum_t w_jbt - x_j = 0
    link = {}
    for m, (j, b, _t, _d) in enumerate(brk):
        key = (j, b)
        if key not in link:
            link[key] = nrow
            rows.append(nrow)
            cols.append(j)
            vals.append(-1.0)
            lo_b.append(0.0)
            hi_b.append(0.0)
            nrow += 1
        rows.append(link[key])
        cols.append(nx + m)
        vals.append(1.0)
    # headcount cap
    if rules.max_agents_per_day is not None and nx:
        rows.extend([nrow] * nx)
        cols.extend(range(nx))
        vals.extend([1.0] * nx)
        lo_b.append(-np.inf)
        hi_b.append(float(rules.max_agents_per_day))
        nrow += 1
    types = np.array([k for k, _s, _sp in shifts], dtype=int)
    paid = np.array([day_types[k].paid_hours for k in types], dtype=float)
    names = np.array([day_types[k].name for k in types], dtype=object)
    for t in rules.shift_types:      # the limits of a type hold for all its contracts
        mine = np.flatnonzero(names == t.name)
        if t.max_per_day is not None and len(mine):
            rows.extend([nrow] * len(mine))
            cols.extend(mine.tolist())
            vals.extend([1.0] * len(mine))
            lo_b.append(-np.inf)
            hi_b.append(float(t.max_per_day))
            nrow += 1
        if t.max_share_of_paid_hours is not None and nx:
            coef = -t.max_share_of_paid_hours * paid
            coef[mine] += paid[mine]
            rows.extend([nrow] * nx)
            cols.extend(range(nx))
            vals.extend(coef.tolist())
            lo_b.append(-np.inf)
            hi_b.append(0.0)
            nrow += 1

    cost = np.array([day_types[k].cost for k in types], dtype=float)
    c = np.concatenate([cost, np.zeros(nw),
                        np.full(nu, rules.under_penalty_per_agent_hour * g / 60.0)])
    ub = np.full(n, np.inf)
    if rules.max_agents_per_day is not None:
        ub[:nx + nw] = rules.max_agents_per_day
    ub[nx + nw:] = req[cov_slots]
    return DayModel(c=c, A=sparse.csr_array((vals, (rows, cols)), shape=(nrow, n)),
                    row_lb=np.array(lo_b), row_ub=np.array(hi_b), lb=np.zeros(n), ub=ub,
                    integrality=np.ones(n),     # u integer too: see solve_day
                    blocks={"x": np.arange(nx), "w": np.arange(nx, nx + nw),
                            "u": np.arange(nx + nw, n)},
                    shifts=shifts, breaks=brk)


def decode_day(problem: DayProblem, rules: Rules, model: DayModel,
               xv: np.ndarray) -> DaySolution:
    """The schedule of an integer solution ``xv`` of ``model``, its cost recounted from the
    rules (with a deadline window, :mod:`shifts.deferred_window`, the late work's penalty
    too, and ``extra["late_agent_slots"]``). ``bound`` = ``objective`` and ``gap`` = 0 until the caller knows a bound;
    ``lp_bound`` NaN, ``status`` empty, ``solve_time_s`` 0."""
    x, w = model.blocks["x"], model.blocks["w"]
    day_types = problem.types(rules)
    xi = np.rint(xv[x]).astype(np.int64)
    wi = np.rint(xv[w]).astype(np.int64)
    if np.any(np.abs(xv[x] - xi) > 1e-3) or np.any(np.abs(xv[w] - wi) > 1e-3):
        raise RuntimeError("solver returned a non-integral solution")  # a bug, not user input
    coverage = np.zeros(problem.n_slots, dtype=np.int64)
    out_shifts, out_breaks, pos = [], [], {}
    for j, (k, s, span) in enumerate(model.shifts):
        if xi[j] > 0:
            coverage[s:s + span] += xi[j]
            pos[j] = len(out_shifts)
            out_shifts.append((k, s, int(xi[j])))
            out_breaks.append([[] for _ in day_types[k].breaks])
    for m, (j, b, t, d) in enumerate(model.breaks):
        if wi[m] > 0:
            coverage[t:t + d] -= wi[m]
            out_breaks[pos[j]][b].append((t, int(wi[m])))
    for (_k, _s, agents), per_break in zip(out_shifts, out_breaks, strict=True):
        for lst in per_break:
            if sum(a for _t, a in lst) != agents:
                raise RuntimeError("break counts do not match shift counts")  # a bug
    under = np.maximum(problem.required - coverage, 0)
    paid_hours = float(sum(day_types[k].paid_hours * a for k, _s, a in out_shifts))
    cost = float(sum(day_types[k].cost * a for k, _s, a in out_shifts))
    penalty = rules.under_penalty_per_agent_hour * problem.slot_min / 60
    # deferred work left late by a deadline-window day (shifts.deferred_window: block "l")
    late = float(np.rint(xv[model.blocks["l"]]).sum()) if "l" in model.blocks else 0.0
    objective = cost + penalty * (under.sum() + late)
    sol = DaySolution(problem=problem, shifts=out_shifts, breaks=out_breaks,
                      coverage=coverage, under=under, paid_hours=paid_hours, cost=cost,
                      objective=float(objective), lp_bound=np.nan, bound=float(objective),
                      gap=0.0, solve_time_s=0.0, status="", n_variables=len(model.c))
    if "l" in model.blocks:
        sol.extra["late_agent_slots"] = late
    return sol


def solve_day(problem: DayProblem, rules: Rules, *, time_limit_s: float = 60.0,
              gap: float = 0.005, method: str = "two-phase") -> DaySolution:
    """Solve one day with HiGHS (highspy, :func:`shifts.milp.highs_milp`); ``time_limit_s`` covers all solves.

    ``method="exact"``: the integer programme above in one solve.
    ``method="two-phase"`` (default; same optimum, several times faster on real data; the
    driver :func:`shifts.milp.solve`): phase 1 keeps shift counts ``x`` and shortfalls ``u``
    integer but relaxes the break variables ``w`` (a relaxation, so its dual bound is a valid
    lower bound); phase 2 fixes ``x`` and finds integer break counts minimising
    under-coverage. Phase 1 is first tried with each ``x_j`` restricted to the floor or
    ceiling of its LP value (RENS [3]); that schedule is kept when, after phase 2, it is
    within ``gap`` of the LP bound rounded up to the cost unit (on the bank week at 1x and 5x
    volume every day, in 0.1-0.6 s); otherwise phase 1 runs unrestricted, capped one cost
    unit below it. When phase 2 reaches the phase-1 objective, that schedule is optimal for
    the full programme (within ``gap``); otherwise the exact programme is solved with the
    time left and the better schedule kept.
    ``gap`` is HiGHS's ``mip_rel_gap``. Shortfalls ``u`` are integer variables (they are
    integral at any optimum anyway) so that HiGHS can use the integrality of the objective.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    budget = Budget(time_limit_s)
    model = build_day_model(problem, rules)
    empty = np.zeros(len(model.c))
    if not len(model.blocks["u"]):      # nothing required: the empty schedule is optimal
        sol = decode_day(problem, rules, model, empty)
        sol.lp_bound, sol.status, sol.solve_time_s = 0.0, "optimal", budget.elapsed_s()
        return sol

    def repair(x1):
        """Integer breaks for the shift counts of ``x1`` (phase 2)."""
        r2 = fix_shifts(model, x1, budget=budget)
        return None if r2.x is None else decode_day(problem, rules, model, r2.x)

    out = solve(model, repair, budget=budget, gap=gap, method=method,
                decode_exact=lambda xv: decode_day(problem, rules, model, xv))
    if out.best is None:
        sol = decode_day(problem, rules, model, empty)
        added = cover_day_shortfall(problem, rules, model, sol)
        sol.bound, sol.gap = closed_gap(sol.objective, out.bound)
        sol.status = ("no integer solution found within the time limit; " + (
            "the schedule is the greedy cover of the requirement" if added
            else "nothing scheduled this day"))
    else:
        sol = out.best
        if not len(model.blocks["x"]):  # nothing can be scheduled: say why, not "optimal"
            sol.status = _why_no_shift(problem)
        else:
            sol.extra["method"] = out.path
            cover_day_shortfall(problem, rules, model, sol)
            sol.bound, sol.gap = closed_gap(sol.objective, out.bound)
            sol.status = status_text(sol.gap, gap, out.message)
    sol.lp_bound, sol.solve_time_s = float(out.lp_bound), budget.elapsed_s()
    return sol


def types_with_room(problem: DayProblem, rules: Rules, sol: DaySolution) -> np.ndarray:
    """For each shift type of ``problem``, whether one more shift of it keeps the limits of
    the day in ``sol``: ``rules.max_agents_per_day`` and the type's ``max_per_day`` and
    ``max_share_of_paid_hours`` (the rows of :func:`build_day_model`)."""
    types = problem.types(rules)
    out = np.ones(len(types), dtype=bool)
    shifts_today = sum(a for _t, _s, a in sol.shifts)
    if rules.max_agents_per_day is not None and shifts_today + 1 > rules.max_agents_per_day:
        return ~out
    paid_today = sum(types[t].paid_hours * a for t, _s, a in sol.shifts)
    for ti, st in enumerate(types):
        rule = next((t for t in rules.shift_types if t.name == st.name), None)
        if rule is None:
            continue
        mine = [(types[t].paid_hours, a) for t, _s, a in sol.shifts if types[t].name == st.name]
        if rule.max_per_day is not None and sum(a for _h, a in mine) + 1 > rule.max_per_day:
            out[ti] = False
        share = rule.max_share_of_paid_hours
        if share is not None and (sum(h * a for h, a in mine) + st.paid_hours
                                  > share * (paid_today + st.paid_hours) + 1e-9):
            out[ti] = False
    return out


def add_shift(problem: DayProblem, rules: Rules, model: DayModel, sol: DaySolution, j: int,
              spare: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """One more agent on shift column ``j`` of ``model`` in ``sol``'s shifts and breaks, each
    break where ``spare`` (coverage minus requirement on the model's slots, the new shift
    counted) is largest, the earliest such start. Returns the shift's coverage net of its
    breaks on the model's slots and its breaks ``(break index, start slot, slots)``;
    ``sol.coverage`` is left to the caller (a night shift covers the next day too)."""
    t, s0, span = model.shifts[j]
    types = problem.types(rules)
    room = spare.astype(float).copy()
    room[s0:s0 + span] += 1
    breaks = []
    for b, br in enumerate(types[t].breaks):
        d = br.duration_min // problem.slot_min
        lo = s0 + br.earliest_start_min // problem.slot_min
        hi = s0 + br.latest_start_min // problem.slot_min
        t0 = max(range(lo, hi + 1), key=lambda x: (room[x:x + d].min(), -x))
        room[t0:t0 + d] -= 1
        breaks.append((b, t0, d))
    delta = np.zeros(problem.n_slots, dtype=np.int64)
    delta[s0:s0 + span] += 1
    for _b, t0, d in breaks:
        delta[t0:t0 + d] -= 1
    at = next((i for i, (tt, ss, _a) in enumerate(sol.shifts) if (tt, ss) == (t, s0)), None)
    if at is None:
        sol.shifts.append((t, s0, 1))
        sol.breaks.append([[] for _ in types[t].breaks])
        at = len(sol.shifts) - 1
    else:
        sol.shifts[at] = (t, s0, sol.shifts[at][2] + 1)
    for b, t0, _d in breaks:
        starts = sol.breaks[at][b]
        hit = next((i for i, (tb, _a) in enumerate(starts) if tb == t0), None)
        if hit is None:
            starts.append((t0, 1))
        else:
            starts[hit] = (t0, starts[hit][1] + 1)
    return delta, breaks


def recount_costs(problem: DayProblem, rules: Rules, sol: DaySolution) -> None:
    """``sol``'s shortfall, paid hours, cost and objective from its shifts and coverage (as
    :func:`decode_day` counts them)."""
    types = problem.types(rules)
    sol.under = np.maximum(problem.required - sol.coverage, 0)
    sol.paid_hours = float(sum(types[t].paid_hours * a for t, _s, a in sol.shifts))
    sol.cost = float(sum(types[t].cost * a for t, _s, a in sol.shifts))
    sol.objective = float(sol.cost + rules.under_penalty_per_agent_hour * problem.slot_min / 60
                          * (sol.under.sum() + sol.extra.get("late_agent_slots", 0.0)))


#: Most shifts :func:`cover_day_shortfall` adds to one day.
MAX_COVER_SHIFTS = 500


def cover_day_shortfall(problem: DayProblem, rules: Rules, model: DayModel,
                        sol: DaySolution) -> int:
    """Add shifts to ``sol`` (in place) until no slot is under-covered, greedily: the shift
    covering the most short slots per paid hour, when their penalty
    (``rules.under_penalty_per_agent_hour``) exceeds its cost (the day's limits kept,
    :func:`types_with_room`), breaks where most is spare (:func:`add_shift`); stops when
    nothing is short, no shift covers a short slot, or after :data:`MAX_COVER_SHIFTS`.
    What a solver stopped by its time limit leaves short, covered where the rules allow
    (issue 15). Returns the shifts added."""
    if not sol.under.any() or not len(model.shifts):
        return 0
    types = problem.types(rules)
    first = np.array([s0 for _t, s0, _sp in model.shifts])
    last = np.array([s0 + sp for _t, s0, sp in model.shifts])
    kind = np.array([t for t, _s, _sp in model.shifts])
    paid = np.array([types[t].paid_hours for t in kind], dtype=float)
    cost = np.array([types[t].cost for t in kind], dtype=float)
    penalty_per_slot = rules.under_penalty_per_agent_hour * problem.slot_min / 60
    added = 0
    while added < MAX_COVER_SHIFTS and sol.under.any():
        cs = np.concatenate([[0.0], np.cumsum(sol.under > 0)])
        score = cs[last] - cs[first]
        # worth it only where the shortfall's penalty is dearer than the shift
        ok = (types_with_room(problem, rules, sol)[kind] & (score > 0)
              & (score * penalty_per_slot > cost))
        if not ok.any():
            break
        cols = np.flatnonzero(ok)
        j = int(cols[np.lexsort((paid[cols], -(score[cols] / paid[cols])))[0]])
        delta, _ = add_shift(problem, rules, model, sol, j, sol.coverage - problem.required)
        sol.coverage = sol.coverage + delta
        sol.under = np.maximum(problem.required - sol.coverage, 0)
        added += 1
    if added:
        recount_costs(problem, rules, sol)
        sol.extra["method"] = (sol.extra.get("method", "")
                               + f"; {added} shifts added to cover the shortfall").lstrip("; ")
    return added


def _why_no_shift(problem: DayProblem) -> str:
    open_ = np.flatnonzero(problem.open_slots)
    if len(open_) == 0:
        return "closed all day (no opening hours); nothing scheduled"

    def clock(slot):
        m = problem.day_start_min + slot * problem.slot_min
        return f"{m // 60:02d}:{m % 60:02d}"

    return (f"no shift type fits the opening hours {clock(open_[0])}-{clock(open_[-1] + 1)}; "
            "nothing scheduled")


def default_workers(n_problems: int) -> int:
    """Processes used when ``workers`` is not given: one per core, at most one per day, and
    only for three days or more (starting worker processes costs about a second, more than
    a small day takes to solve), and not on Windows."""
    if n_problems < 3 or os.name == "nt":     # the worker pipes use select(): POSIX only
        return 1
    return max(1, min(os.cpu_count() or 1, n_problems))


def solve_days(problems: list[DayProblem], rules: Rules, *, time_limit_s: float = 60.0,
               gap: float = 0.005, method: str = "two-phase",
               workers: int | None = None) -> list[DaySolution]:
    """Solve days, each with its own wall-clock budget of ``time_limit_s`` (a day that
    reaches it says so in its status; it takes no time from the others, issue 15).

    Days are independent (no weekly tours), so with ``workers`` > 1 they are solved in that
    many worker processes (plain subprocesses running :mod:`shifts._worker`; see there why
    not ``multiprocessing``). ``workers=None``: see :func:`default_workers`. Days are
    handed out one at a time, hardest first (by size of the requirement). Results come back
    in the order of ``problems``.
    """
    workers = default_workers(len(problems)) if workers is None else int(workers)
    if workers <= 1 or len(problems) <= 1:
        return [solve_day(p, rules, time_limit_s=time_limit_s, gap=gap, method=method)
                for p in problems]
    return run_tasks([("day", (p, rules), {"time_limit_s": time_limit_s, "gap": gap,
                                           "method": method}) for p in problems],
                     workers, [int(p.required.sum()) for p in problems])


def read_message(stream):
    """One message of the worker protocol (:mod:`shifts._worker`), or ``None`` at its end."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    return pickle.loads(stream.read(size))


def write_message(stream, obj) -> None:
    """Send ``obj`` as one message: 8-byte big-endian length, then its pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def run_tasks(tasks: list[tuple], workers: int, weights: list[int]) -> list:
    """Run ``tasks`` in ``workers`` worker processes (:mod:`shifts._worker`), heaviest
    ``weights`` first, one at a time each; results in the order of ``tasks``. A task is
    ``(kind, args, kwargs)``: ``"day"`` for :func:`solve_day`, ``"week"`` for
    :func:`shifts.tours.solve_week`."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                else "")
    procs = [subprocess.Popen([sys.executable, "-m", "shifts._worker"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env)
             for _ in range(min(workers, len(tasks)))]
    order = sorted(range(len(tasks)), key=lambda i: -weights[i])
    out: list = [None] * len(tasks)
    busy: dict[int, int] = {}          # fd -> task index
    by_fd = {p.stdout.fileno(): p for p in procs}
    idle = list(procs)
    try:
        while order or busy:
            while order and idle:
                proc = idle.pop()
                i = order.pop(0)
                write_message(proc.stdin, tasks[i])
                busy[proc.stdout.fileno()] = i
            ready, _, _ = select.select(list(busy), [], [])
            for fd in ready:
                proc = by_fd[fd]
                reply = read_message(proc.stdout)
                if reply is None:
                    raise RuntimeError("a scheduling worker process ended unexpectedly")
                ok, value = reply
                if not ok:
                    raise RuntimeError(f"a scheduling worker failed:\n{value}")
                out[busy.pop(fd)] = value
                idle.append(proc)
    finally:
        for proc in procs:
            proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    return out
