"""Weekly tours: the days of a calendar week in one integer programme, tied by days-off patterns.

Model (the day models of :mod:`shifts.model` side by side, plus tour variables): for every
allowed pattern ``p`` of working weekdays (:meth:`shifts.rules.Tours.patterns`; 5 days on
with 2 consecutive days off gives 7 patterns) an integer ``y_p`` >= 0 counts the agents on
that tour. Every agent works exactly one shift on each of its working days::

    sum_{shifts j of day d} x_j  =  sum_{p : weekday(d) in p} y_p     for each day d of the week
    sum_p y_p <= max_agents                                            (when given)

The rows exist for the weekdays that the requirement file has (a closed day has no shifts, so
no tour may work on it); weekdays outside the file (a week cut by the horizon) are left free,
since the tours go on beyond the horizon. Tour variables cost nothing: the cost is the paid
hours of the shifts, so the programme finds the cheapest shifts that can be grouped into
tours.

Contracts (:class:`shifts.rules.Contract`): each contract ``g`` has its own tours
``y_gpb`` (pattern ``p``, start band ``b``) and works only its own shift columns (a day's
shift types are repeated per contract, :func:`shifts.requirements.contract_types`)::

    sum_{shifts j of g on day d, start in b} x_j = sum_{p : weekday(d) in p} y_gpb
    sum_{j of g} paid_j x_j <= s_g sum_j paid_j x_j              (max_share_of_paid_hours)
    lo_g sum_pb y_gpb <= sum_{j of g} paid_j x_j <= hi_g sum_pb y_gpb   (weekly hours band,
                                                                     whole weeks only)
    sum_pb y_gpb <= max_agents_g

A start band ``b`` is a window ``[b, b + W)`` (``W`` = ``start_band_min``, ``b`` a multiple
of it) that holds every start of the tour's agents; without a band there is one ``b``.
Weekdays of the horizon without requirement rows (``closed_weekdays``) are closed: patterns
working them are dropped, and a contract left without patterns cannot work that week (the
shortfall is reported). The weekly band is a mean over the contract's agents (the
programme counts agents per pattern, not people); :mod:`shifts.roster` holds each named
person to their own hours. This is the implicit tour formulation in the spirit of Jacobs & Bechtold (1993) [1],
with Aykin's (1996) per-shift break variables inside each day.

Solving (the driver of the day model, :func:`shifts.milp.solve`): the LP relaxation gives
``lp_bound``; phase 1 keeps ``x``, ``u`` and ``y`` integer and relaxes the break variables
(its dual bound is valid), first with each ``x`` restricted to the floor or ceiling of its LP
value (RENS), and unrestricted (capped one cost unit below the incumbent) only when that is
not within ``gap`` of the rounded LP bound; phase 2 repairs the breaks day by day with the
shift counts fixed. A day whose repair falls short of the phase-1 day objective is re-solved
exactly with its number of shifts and paid hours of each tour group fixed (so the tours,
shares and bands stay valid; not with start bands, where a moved start could leave its band)
and the better plan kept. RENS rounds the tour counts ``y`` as well as the shifts ``x``.
The gap is against the best weekly bound (LP or phase-1 dual bound, rounded up to the cost
unit). The solver's phases stop at ``1 - SEARCH_SHARE`` of the budget (each phase's
share taken of the whole budget, as without the reserve). A week they leave with
slots short gets whole tours added until none is (:func:`_cover_shortfall`, greedy; or the
greedy cover from nothing when cheaper), and a week not proven within the gap is improved
by ruin and recreate in the time left (:func:`_ruin_and_recreate`).

[1] L. W. Jacobs, S. E. Bechtold (1993), Labor utilization effects of labor scheduling
    flexibility alternatives in a tour scheduling environment. Decision Sciences
    24(1):148-166.
[2] T. Aykin (1996), Optimal shift scheduling with multiple break windows. Management
    Science 42(4):591-602.
[3] P. Shaw (1998), Using constraint programming and local search methods to solve vehicle
    routing problems. CP-98, LNCS 1520:417-431.
[4] G. Schrimpf, J. Schneider, H. Stamm-Wilbrandt, G. Dueck (2000), Record breaking
    optimization results using the ruin and recreate principle. Journal of Computational
    Physics 159(2):139-171.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from shifts.deferred_window import build_window_model
from shifts.milp import Budget, Model, closed_gap, fix_shifts, highs_milp, run_highs, solve, status_text
from shifts.model import (
    DayModel,
    DayProblem,
    DaySolution,
    add_shift,
    build_day_model,
    decode_day,
    recount_costs,
    types_with_room,
)
from shifts.rules import WEEKDAYS, Rules


@dataclass(frozen=True)
class TourGroup:
    """Agents who share weekly tours: a contract (or, without contracts, the rules'
    ``[tours]`` for every shift type). ``contract``: its index in ``rules.contracts``, -1
    for ``[tours]``; ``patterns``: the working weeks allowed (those working a closed weekday
    removed); ``max_agents``, ``max_share``, ``hours_band`` = (lo, hi) a week or None;
    ``start_band_min``: the width of the start-time window of an agent's week, or None."""

    name: str
    contract: int
    patterns: list[tuple[int, ...]]
    max_agents: int | None = None
    max_share: float | None = None
    hours_band: tuple[float | None, float | None] | None = None
    start_band_min: int | None = None


def tour_groups(rules: Rules, closed_weekdays=frozenset(), whole_week: bool = False
                ) -> list[TourGroup]:
    """The tour groups of ``rules``: one per contract, else one for ``[tours]``. Patterns that
    work one of ``closed_weekdays`` are left out; the weekly-hours band applies only to a
    ``whole_week`` (every weekday in the horizon)."""
    def allowed(pats):
        return [p for p in pats if not set(p) & set(closed_weekdays)]

    if not rules.contracts:
        return [TourGroup(name="", contract=-1, patterns=allowed(rules.tours.patterns()),
                          max_agents=rules.tours.max_agents)]
    return [TourGroup(name=c.name, contract=ci, patterns=allowed(c.patterns()),
                      max_agents=c.max_agents, max_share=c.max_share_of_paid_hours,
                      hours_band=((c.min_weekly_hours, c.max_weekly_hours)
                                  if whole_week else None),
                      start_band_min=c.start_band_min)
            for ci, c in enumerate(rules.contracts)]


@dataclass(frozen=True, kw_only=True)
class WeekModel(Model):
    """The day programmes side by side (``days``, in columns ``day_cols``), then one tour
    variable ``y_gpb`` per group ``g`` of ``groups``, pattern ``p`` of its patterns and start
    band ``b`` (``tour_cols[g][p, b]``; ``tour_keys``: (group name, pattern, band's lower
    edge or None) of each: a shift of a banded group counts toward the band its start falls
    in); blocks ``x``, ``w``, ``u`` gather the days' blocks, ``y`` the tours.
    ``members[k][g]``: the ``x`` columns of day ``k`` (within the day)
    worked by group ``g``."""

    days: list[DayModel]
    day_cols: list[slice]
    groups: list[TourGroup]
    tour_cols: list[np.ndarray]
    members: list[list[np.ndarray]]
    tour_keys: list[tuple]
    night_next: list[int | None]
    day_problems: list[DayProblem]

    @property
    def has_nights(self) -> bool:
        """Whether some day's shifts may run into the next day (:func:`night_problem`)."""
        return any(n is not None for n in self.night_next)

    @property
    def patterns(self) -> list[tuple[int, ...]]:
        """The pattern of each tour variable, in the order of the ``y`` block."""
        return [pat for _name, pat, _band in self.tour_keys]

    @property
    def banded(self) -> bool:
        return any(g.start_band_min is not None for g in self.groups)


@dataclass(frozen=True)
class _WeekPlan:
    """A week of integer day solutions with the agents on each tour pattern."""

    days: list[DaySolution]
    tours: np.ndarray
    repaired_exactly: list[str]    # days re-solved exactly (shift count fixed)

    @property
    def objective(self) -> float:
        return sum(s.objective for s in self.days)


def _members(problem: DayProblem, rules: Rules, day: DayModel,
             groups: list[TourGroup]) -> list[np.ndarray]:
    """For each group, the ``x`` columns of ``day`` (within the day) it works."""
    owner = np.array(problem.contracts(rules), dtype=int)
    kinds = np.array([k for k, _s, _sp in day.shifts], dtype=int)
    of_col = owner[kinds] if len(kinds) else np.zeros(0, dtype=int)
    return [np.flatnonzero(of_col == g.contract) if g.contract >= 0
            else np.arange(len(kinds)) for g in groups]


def _band_of(start_min, width: int):
    """Lower edge (a multiple of ``width``) of the start band ``[b, b + width)`` holding a
    shift that starts at ``start_min`` (a number, or an array of them)."""
    return start_min // width * width


def night_next(problems: list[DayProblem], rules: Rules) -> list[int | None]:
    """For each day, the index in ``problems`` of the day its night shifts run into, or None.

    A shift may cross midnight (``rules.cross_midnight``) from day ``d`` into ``d + 1`` when
    both are in ``problems`` (one queue's week: the week programmes of a horizon are solved
    one after the other, so a Sunday night shift into the next Monday is not offered; Sunday
    evening and Monday morning are then covered by shifts ending at 24:00 and starting at
    00:00), the day's slots run to 24:00 and the next day's start at 00:00 on the same grid,
    and the centre is open on both sides of that midnight."""
    if not rules.cross_midnight:
        return [None] * len(problems)
    index = {p.key: i for i, p in enumerate(problems)}
    out = []
    for p in problems:
        key = (*p.key[:-1], p.key[-1] + dt.timedelta(days=1))
        n = index.get(key)
        if n is not None:
            q = problems[n]
            ok = (p.day_start_min + p.n_slots * p.slot_min == 1440 and q.day_start_min == 0
                  and q.slot_min == p.slot_min and p.n_slots and q.n_slots
                  and bool(p.open_slots[-1]) and bool(q.open_slots[0]))
            n = n if ok else None
        out.append(n)
    return out


def night_problem(problem: DayProblem, following: DayProblem, rules: Rules) -> DayProblem:
    """``problem`` extended past midnight by the first slots of ``following`` (as many as
    the longest shift type spans, at most that day's): shifts still start on ``problem``'s
    own slots, but may run on into the opening of the next day. The appended slots carry no
    requirement here; the week programme counts their coverage on ``following``
    (:func:`build_week_model`)."""
    longest = max(t.span_min for t in problem.types(rules)) // problem.slot_min
    extra = min(longest, following.n_slots)
    return replace(problem,
                   required=np.concatenate([problem.required, np.zeros(extra, dtype=np.int64)]),
                   open_slots=np.concatenate([problem.open_slots, following.open_slots[:extra]]),
                   starts_before_slot=problem.n_slots)


def _night_rows(problems, days, nxt, row_offsets, col_offsets, n_rows, n_cols):
    """Coverage of the night shifts after midnight, as entries of the next day's coverage
    rows: +1 for each slot of a shift past its day's end, -1 for each slot of a break
    there (the day model counted none of them: its appended slots have no rows)."""
    rows, cols, vals = [], [], []
    for k, n in enumerate(nxt):
        if n is None:
            continue
        own = problems[k].n_slots
        row_of_slot = -np.ones(problems[n].n_slots, dtype=int)
        cov = np.flatnonzero(problems[n].required > 0)
        row_of_slot[cov] = np.arange(len(cov))
        day = days[k]
        spans = [(day.blocks["x"][j], s_, s_ + span, 1.0)
                 for j, (_t, s_, span) in enumerate(day.shifts) if s_ + span > own]
        spans += [(day.blocks["w"][m], t, t + d, -1.0)
                  for m, (_j, _b, t, d) in enumerate(day.breaks) if t + d > own]
        for col, first, stop, sign in spans:
            for i in range(max(first, own), stop):
                r = row_of_slot[i - own]
                if r >= 0:
                    rows.append(row_offsets[n] + r)
                    cols.append(col_offsets[k] + col)
                    vals.append(sign)
    return sparse.csr_array((vals, (rows, cols)), shape=(n_rows, n_cols))


def build_week_model(problems: list[DayProblem], rules: Rules,
                     closed_weekdays=frozenset(), windows=None) -> WeekModel:
    """The tour programme of the module docstring for the days of one week; weekdays in
    ``closed_weekdays`` (in the horizon, but without requirement rows) no tour may work.
    Night shifts (:func:`night_next`): a day's programme is built on its slots extended
    past midnight (:func:`night_problem`), and the shifts' and breaks' slots after
    midnight count in the next day's coverage rows. ``windows`` (one
    :class:`shifts.deferred_window.DayWindow` or None per day): a deferred unit's days,
    each with its deadline-window rows (:func:`shifts.deferred_window.build_window_model`)
    in place of a per-interval requirement; such a week has no night shifts."""
    present = {p.key[-1].weekday() for p in problems}
    groups = tour_groups(rules, closed_weekdays,
                         whole_week=len(present | set(closed_weekdays)) == 7)
    windows = list(windows) if windows is not None else [None] * len(problems)
    nxt = (night_next(problems, rules) if all(w is None for w in windows)
           else [None] * len(problems))
    own_problems = problems
    problems = [p if n is None else night_problem(p, own_problems[n], rules)
                for p, n in zip(own_problems, nxt, strict=True)]
    days = [build_day_model(p, rules) if w is None else build_window_model(p, rules, w)
            for p, w in zip(problems, windows, strict=True)]
    members = [_members(p, rules, d, groups) for p, d in zip(problems, days, strict=True)]
    offsets = np.concatenate([[0], np.cumsum([len(d.c) for d in days])]).astype(int)
    starts = [np.array([p.day_start_min + s_ * p.slot_min for _k, s_, _sp in d.shifts],
                       dtype=int) for p, d in zip(problems, days, strict=True)]
    # start bands of each group: the lower edges its shifts can fall in (None: no band)
    bands = []
    for g, grp in enumerate(groups):
        if grp.start_band_min is None:
            bands.append([None])
            continue
        edges = {_band_of(int(m), grp.start_band_min)
                 for k in range(len(days)) for m in starts[k][members[k][g]]}
        bands.append(sorted(edges) or [None])
    y0 = int(offsets[-1])
    tour_keys, tour_cols = [], []
    for g, grp in enumerate(groups):
        first = y0 + len(tour_keys)
        tour_keys += [(grp.name, pat, b) for pat in grp.patterns for b in bands[g]]
        tour_cols.append(np.arange(first, y0 + len(tour_keys)).reshape(
            len(grp.patterns), len(bands[g])))
    ny = len(tour_keys)
    n = y0 + ny
    ub = np.concatenate([d.ub for d in days] + [np.full(ny, np.inf)])
    day_rows = sparse.block_diag([d.A for d in days], format="csr")
    if any(n is not None for n in nxt):
        row_offsets = np.concatenate([[0], np.cumsum([d.A.shape[0] for d in days])])
        day_rows = (day_rows + _night_rows(own_problems, days, nxt, row_offsets, offsets,
                                           *day_rows.shape)).tocsr()
    day_rows = sparse.hstack([day_rows, sparse.csr_array((day_rows.shape[0], ny))],
                             format="csr")
    rows, cols, vals = [], [], []
    lo, hi = [], []

    def row(entries, low, high):
        r = len(lo)
        for c_, v in entries:
            rows.append(r)
            cols.append(int(c_))
            vals.append(float(v))
        lo.append(low)
        hi.append(high)

    paid = [np.array([p.types(rules)[k].paid_hours for k, _s, _sp in d.shifts], dtype=float)
            for p, d in zip(problems, days, strict=True)]
    # tour rows: shifts of group g (in band b) on day d - tours of g (b) working it = 0
    for k, (p, d) in enumerate(zip(problems, days, strict=True)):
        wd = p.key[-1].weekday()
        for g, grp in enumerate(groups):
            for bi, b in enumerate(bands[g]):
                x = [(offsets[k] + d.blocks["x"][j], 1.0) for j in members[k][g]
                     if b is None or _band_of(int(starts[k][j]), grp.start_band_min) == b]
                ys = [tour_cols[g][i, bi] for i, pat in enumerate(grp.patterns) if wd in pat]
                row(x + [(c_, -1.0) for c_ in ys], 0.0, 0.0)
    all_x = [(offsets[k] + d.blocks["x"][j], paid[k][j])
             for k, d in enumerate(days) for j in range(len(d.blocks["x"]))]
    for g, grp in enumerate(groups):
        ys = tour_cols[g].ravel()
        mine = [(offsets[k] + d.blocks["x"][j], paid[k][j])
                for k, d in enumerate(days) for j in members[k][g]]
        if grp.max_agents is not None:
            row([(c_, 1.0) for c_ in ys], -np.inf, float(grp.max_agents))
            ub[ys] = grp.max_agents
        if grp.max_share is not None and all_x:
            coef = {c_: -grp.max_share * h for c_, h in all_x}
            for c_, h in mine:
                coef[c_] += h
            row(coef.items(), -np.inf, 0.0)
        if grp.hours_band is not None:
            h_lo, h_hi = grp.hours_band
            if h_lo is not None:
                row(mine + [(c_, -h_lo) for c_ in ys], 0.0, np.inf)
            if h_hi is not None:
                row(mine + [(c_, -h_hi) for c_ in ys], -np.inf, 0.0)
    link = sparse.csr_array((vals, (rows, cols)), shape=(len(lo), n))

    def gather(name):
        return np.concatenate([offsets[k] + d.blocks[name] for k, d in enumerate(days)])

    return WeekModel(
        c=np.concatenate([d.c for d in days] + [np.zeros(ny)]),
        A=sparse.vstack([day_rows, link], format="csr"),
        row_lb=np.concatenate([d.row_lb for d in days] + [np.array(lo)]),
        row_ub=np.concatenate([d.row_ub for d in days] + [np.array(hi)]),
        lb=np.concatenate([d.lb for d in days] + [np.zeros(ny)]), ub=ub,
        integrality=np.concatenate([d.integrality for d in days] + [np.ones(ny)]),
        blocks={"x": gather("x"), "w": gather("w"), "u": gather("u"),
                "y": np.arange(y0, n)},
        days=days, day_cols=[slice(offsets[k], offsets[k + 1]) for k in range(len(days))],
        groups=groups, tour_cols=tour_cols, members=members, tour_keys=tour_keys,
        night_next=nxt, day_problems=problems)


#: Share of a week's budget kept from the solver for the ruin-and-recreate search
#: (:func:`_ruin_and_recreate`) when the solver has not proven its gap: on the small 24/7
#: weeks of bench_scale's panel the unrestricted phase 1 finds nothing in its share, while
#: the search takes a few per cent off the cost in a few seconds.
SEARCH_SHARE = 0.1

#: Share of a week's budget the unrestricted phase 1 may use after the LP rounding (RENS).
#: The tour programme's LP bound is often ~1 % weak on small queues, so proving the gap
#: would take the whole budget for little: on a 6-day sales queue (tests/test_plan.py) RENS
#: gave 1,581 h in 3.4 s and 55 s more found 1,579 h, still 1.1 % from the bound.
IMPROVE_SHARE = 0.1


def solve_week(problems: list[DayProblem], rules: Rules, *, time_limit_s: float = 60.0,
               gap: float = 0.005, closed_weekdays=frozenset(), windows=None
               ) -> tuple[list[DaySolution], dict]:
    """Solve the days of one (queue, calendar week) with tours: ``rules.tours`` or
    ``rules.contracts`` must be set; no tour works one of ``closed_weekdays``.

    Returns ``(day_solutions, week)`` where ``week`` has ``lp_bound``, ``bound``,
    ``objective``, ``gap``, ``solve_time_s``, ``status``, ``repaired_exactly`` (the dates of
    the days re-solved exactly) and ``tours``: a list of ``(working_weekdays, agents,
    contract name)`` with agents > 0 (the name is ``""`` for ``[tours]``);
    ``contracts_without_tours``: contracts none of whose patterns fits the open weekdays.
    ``windows``: deadline windows of a deferred unit's days (:func:`build_week_model`).
    Day solutions carry their own cost and coverage; their ``lp_bound`` / ``bound`` are
    NaN (the bound is weekly) and their ``gap`` is the week's.
    """
    budget = Budget(time_limit_s)
    week = build_week_model(problems, rules, closed_weekdays, windows)

    def plan(x1) -> _WeekPlan:
        """Phase 2 day by day (:func:`_repair_day`), with the week's cost scale; with night
        shifts for the whole week at once (:func:`_repair_week`)."""
        tours = _fewest_tours(week, x1, budget)
        if week.has_nights:
            return _WeekPlan(days=_repair_week(problems, rules, week, x1, budget),
                             tours=tours, repaired_exactly=[])
        sols = [_repair_day(p, rules, day, x1[cols], members, scale=week.scale, budget=budget,
                            keep_starts=week.banded)
                for p, day, cols, members in zip(problems, week.days, week.day_cols,
                                                 week.members, strict=True)]
        exact = [str(p.key[-1]) for p, s in zip(problems, sols, strict=True)
                 if s.extra.get("method", "").startswith("exact")]
        return _WeekPlan(days=sols, tours=tours, repaired_exactly=exact)

    # the solver's phases stop SEARCH_SHARE short of the limit (their shares of the whole
    # limit as without it); the rest is for the search
    solver_budget = Budget((1 - SEARCH_SHARE) * time_limit_s, t0=budget.t0)
    out = solve(week, plan, budget=solver_budget, gap=gap, improve_share=IMPROVE_SHARE,
                share_of_s=time_limit_s)
    def nothing() -> _WeekPlan:
        return _WeekPlan(days=_decode_week(problems, rules, week, np.zeros(len(week.c))),
                         tours=np.zeros(len(week.patterns)), repaired_exactly=[])

    if out.best is None:
        best = nothing()
        status = "no integer solution found within the time limit; nothing scheduled"
    else:
        best, status = out.best, ""
    added, greedy = [], False
    if windows is None and any(s.under.any() for s in best.days):
        # a schedule short somewhere: tours added to it, or the greedy cover from nothing
        # (:func:`_cover_shortfall`), whichever is cheaper
        added = _cover_shortfall(problems, rules, week, best)
        greedy = out.best is None and bool(added)
        if out.best is not None and best.tours.sum() <= MAX_COVER_TOURS:
            # (a week of more agents than the greedy cover adds could not be covered by it)
            empty = nothing()
            from_empty = _cover_shortfall(problems, rules, week, empty)
            if empty.objective < best.objective - 1e-9:
                best, added, greedy = empty, from_empty, True
        for sol in best.days if greedy else ():
            sol.extra["method"] = "greedy cover (no solver schedule was cheaper)"
    if greedy and out.best is None:
        status = ("no integer solution found within the time limit; the schedule is the "
                  "greedy cover of the requirement")
    searched = (0, 0.0)
    if windows is None and len(week.tour_keys) and closed_gap(best.objective,
                                                              out.bound)[1] > gap:
        # not proven within the gap: the search gets the rest of the time
        before = sum(sol.paid_hours for sol in best.days)
        seed = zlib.crc32(repr((problems[0].key[:-1], _monday(problems))).encode())
        best, improved = _ruin_and_recreate(problems, rules, week, best, seed, budget)
        searched = (improved, float(before - sum(sol.paid_hours for sol in best.days)))
        for sol in best.days if improved else ():
            method = sol.extra.get("method", "")
            if "ruin and recreate" not in method:
                sol.extra["method"] = (method + "; improved by ruin and recreate").lstrip("; ")
    objective = float(best.objective)
    bound, wgap = closed_gap(objective, out.bound)
    status = status or status_text(wgap, gap, out.message)
    elapsed = budget.elapsed_s()
    for s in best.days:
        s.lp_bound = s.bound = math.nan
        s.gap = wgap                   # the week's: its bound is not split over the days
        s.status = status
        s.solve_time_s = elapsed / len(best.days)
    y = best.tours
    week_out = {"lp_bound": out.lp_bound, "bound": bound, "objective": objective, "gap": wgap,
                "solve_time_s": elapsed, "status": status,
                "repaired_exactly": best.repaired_exactly,
                "tours": [(week.tour_keys[k][1], int(y[k]), week.tour_keys[k][0],
                           _band(week, k)) for k in range(len(y)) if y[k] > 0],
                "contracts_without_tours": [g.name for g in week.groups if not g.patterns],
                "tours_added_to_cover": len(added), "greedy_cover": greedy,
                "paid_hours_added_to_cover": float(sum(h for _k, h in added)),
                "search_improvements": searched[0], "paid_hours_saved_by_search": searched[1]}
    return best.days, week_out


def _monday(problems: list[DayProblem]) -> dt.date:
    day = problems[0].key[-1]
    return day - dt.timedelta(days=day.weekday())


#: Most tours :func:`_cover_shortfall` adds to one week (each is one agent's week).
MAX_COVER_TOURS = 200


@dataclass(frozen=True)
class _Columns:
    """What :func:`_cover_shortfall` reads of each day's ``x`` columns, per day: the shift
    types, each column's paid hours, cost, first and end slot and type, and its start band
    for each tour group (None without a band)."""

    types: list
    paid: list[np.ndarray]
    cost: list[np.ndarray]
    first: list[np.ndarray]
    last: list[np.ndarray]
    kind: list[np.ndarray]
    band_of: list[dict]


def _columns(week: WeekModel, rules: Rules) -> _Columns:
    """The :class:`_Columns` of ``week`` (built once for the rounds of a search)."""
    ext = week.day_problems
    types = [p.types(rules) for p in ext]
    starts = [np.array([p.day_start_min + s_ * p.slot_min for _t, s_, _sp in d.shifts],
                       dtype=int) for p, d in zip(ext, week.days, strict=True)]
    return _Columns(
        types=types,
        paid=[np.array([types[k][t].paid_hours for t, _s, _sp in d.shifts], dtype=float)
              for k, d in enumerate(week.days)],
        cost=[np.array([types[k][t].cost for t, _s, _sp in d.shifts], dtype=float)
              for k, d in enumerate(week.days)],
        first=[np.array([s_ for _t, s_, _sp in d.shifts], dtype=int) for d in week.days],
        last=[np.array([s_ + sp for _t, s_, sp in d.shifts], dtype=int) for d in week.days],
        kind=[np.array([t for t, _s, _sp in d.shifts], dtype=int) for d in week.days],
        band_of=[{g: (None if grp.start_band_min is None
                      else _band_of(starts[k], grp.start_band_min))
                  for g, grp in enumerate(week.groups)} for k in range(len(week.days))])


def _spread(week: WeekModel, problems: list[DayProblem], k: int,
            line: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``line``, values on day ``k``'s extended slots (:func:`night_problem`), as
    ``(day, values from its first slot)``: its own slots on day ``k``, those after midnight
    on the next day."""
    own = problems[k].n_slots
    out = [(k, line[:own])]
    n = week.night_next[k]
    if n is not None and len(line) > own:
        out.append((n, line[own:]))
    return out


def _cover_shortfall(problems: list[DayProblem], rules: Rules, week: WeekModel,
                     plan: _WeekPlan, columns: _Columns | None = None
                     ) -> list[tuple[int, float]]:
    """Add whole tours to ``plan`` (in place) until no slot is under-covered, greedily: a
    solver stopped by its time limit can leave a few intervals short although the rules
    allow them covered (issue 15: "zero under-covered intervals where the rules allow it").

    Each step adds the one tour (group, pattern, start band) that covers the most short
    agent-slots per paid hour, when their penalty (``rules.under_penalty_per_agent_hour``)
    exceeds the tour's cost: on each day of its pattern the shift of the group (in the
    band) covering the most short slots (the shortest shift where none is short), and
    each break of that shift where the coverage has the most to spare. Only tours that
    keep their group's limits are offered (``max_agents``, the share of paid hours, the
    weekly-hours band) and each shift type's limits of a day (``max_per_day``, its share
    of the day's paid hours); it stops when nothing short
    is left, no tour covers a short slot, or after :data:`MAX_COVER_TOURS` tours. A night
    shift's slots after midnight count on the next day. Returns ``(tour index, paid
    hours)`` of each tour added; the day solutions' shifts, breaks, coverage, shortfall,
    cost and objective, and ``plan.tours``, are updated. ``columns``: :func:`_columns` of
    ``week``, when the caller has it."""
    added: list[tuple[int, float]] = []
    if not any(s.under.any() for s in plan.days) or not len(week.tour_keys):
        return added
    ext = week.day_problems                     # a night day: its slots past midnight too
    own = [p.n_slots for p in problems]
    columns = columns or _columns(week, rules)
    paid, cost, band_of = columns.paid, columns.cost, columns.band_of
    first, last, kind = columns.first, columns.last, columns.kind
    penalty_per_slot = rules.under_penalty_per_agent_hour * ext[0].slot_min / 60
    weekday_of = {p.key[-1].weekday(): k for k, p in enumerate(problems)}
    y0 = int(week.blocks["y"][0])
    group_paid, agents, all_paid = _group_totals(problems, rules, week, plan)

    def ext_array(k, name):
        """``name`` ("under" or spare coverage) of day ``k`` on its extended slots."""
        def of(j):
            sol = plan.days[j]
            return (sol.under if name == "under"
                    else sol.coverage - sol.problem.required).astype(float)
        out = np.zeros(ext[k].n_slots)
        out[:own[k]] = of(k)
        n = week.night_next[k]
        if n is not None and ext[k].n_slots > own[k]:
            spill = of(n)[:ext[k].n_slots - own[k]]
            out[own[k]:own[k] + len(spill)] = spill
        if name == "under":
            out = (out > 0).astype(float)
        return out

    def place(k, j):
        """Add one agent on shift column ``j`` of day ``k``, breaks where most is spare."""
        delta, brk = add_shift(ext[k], rules, week.days[k], plan.days[k], j,
                               ext_array(k, "spare"))
        shift_coverage(k, delta, +1)
        return k, week.days[k].shifts[j][0], week.days[k].shifts[j][1], brk, delta

    def shift_coverage(k, delta, sign):
        """Add ``sign`` x ``delta`` (a shift's coverage on day ``k``'s extended slots)."""
        for day, values in _spread(week, problems, k, delta):
            plan.days[day].coverage[:len(values)] += sign * values

    def unplace(record):
        """Take back what :func:`place` added."""
        k, t, s0, brk, delta = record
        sol = plan.days[k]
        at = next(i for i, (tt, ss, _a) in enumerate(sol.shifts) if (tt, ss) == (t, s0))
        for b, t0, _d in brk:
            lst = sol.breaks[at][b]
            hit = next(i for i, (tb, _a) in enumerate(lst) if tb == t0)
            lst[hit] = (t0, lst[hit][1] - 1)
            if not lst[hit][1]:
                del lst[hit]
        sol.shifts[at] = (t, s0, sol.shifts[at][2] - 1)
        if not sol.shifts[at][2]:
            del sol.shifts[at]
            del sol.breaks[at]
        shift_coverage(k, delta, -1)

    def still_covered(records) -> bool:
        """Whether every slot stays covered without the shifts of ``records``."""
        less = [np.zeros(p.n_slots, dtype=np.int64) for p in problems]
        for k, _t, _s0, _brk, delta in records:
            for day, values in _spread(week, problems, k, delta):
                less[day][:len(values)] += values
        return all(np.all(sol.coverage - d >= p.required)
                   for p, sol, d in zip(problems, plan.days, less, strict=True))

    def limits_hold(g, hours, n_change) -> bool:
        """Whether the groups' limits hold with ``hours`` paid hours and ``n_change``
        agents more (or fewer, negative) in group ``g``."""
        total = all_paid + hours
        for h, grp in enumerate(week.groups):
            mine = group_paid[h] + (hours if h == g else 0.0)
            if grp.max_share is not None and mine > grp.max_share * total + 1e-9:
                return False
            if h == g and grp.hours_band is not None:
                lo, hi = grp.hours_band
                n_after = agents[h] + n_change
                if ((lo is not None and mine < lo * n_after - 1e-9)
                        or (hi is not None and mine > hi * n_after + 1e-9)):
                    return False
        return True

    while len(added) < MAX_COVER_TOURS and any(s.under.any() for s in plan.days):
        best = None
        score, ok = [], []
        for k in range(len(problems)):
            cs = np.concatenate([[0.0], np.cumsum(ext_array(k, "under"))])
            score.append(cs[last[k]] - cs[first[k]])
            ok.append(types_with_room(ext[k], rules, plan.days[k])[kind[k]] if len(kind[k])
                      else np.zeros(0, bool))
        for g, grp in enumerate(week.groups):
            if grp.max_agents is not None and agents[g] >= grp.max_agents:
                continue
            for bi in range(week.tour_cols[g].shape[1]):
                band = week.tour_keys[week.tour_cols[g][0, bi] - y0][2]
                # the best shift of the group (in the band) on each day of the week: the
                # most short slots covered, then the fewest paid hours
                choice = {}
                for k in range(len(problems)):
                    cols = week.members[k][g]
                    if band is not None:
                        cols = cols[band_of[k][g][cols] == band]
                    cols = cols[ok[k][cols]]
                    if not len(cols):
                        continue
                    pick = cols[np.lexsort((paid[k][cols], -score[k][cols]))[0]]
                    choice[k] = (int(pick), float(score[k][pick]), float(paid[k][pick]))
                for pi, pat in enumerate(grp.patterns):
                    days = [weekday_of[d] for d in pat if d in weekday_of]
                    if not days or any(k not in choice for k in days):
                        continue
                    gain = sum(choice[k][1] for k in days)
                    hours = sum(choice[k][2] for k in days)
                    if gain <= 0 or hours <= 0:
                        continue
                    # worth it only where the shortfall's penalty is dearer than the tour
                    if gain * penalty_per_slot <= sum(cost[k][choice[k][0]] for k in days):
                        continue
                    if not limits_hold(g, hours, +1):
                        continue
                    key = (gain / hours, gain, -hours)
                    if best is None or key > best[0]:
                        best = (key, g, int(week.tour_cols[g][pi, bi] - y0),
                                [(k, choice[k][0]) for k in days])
        if best is None:
            break
        _key, g, tour, shifts_ = best
        records = [place(k, j) for k, j in shifts_]
        hours = float(sum(paid[k][j] for k, j in shifts_))
        plan.tours[tour] += 1
        agents[g] += 1
        group_paid[g] += hours
        all_paid += hours
        added.append((tour, g, hours, records))
        for p, sol in zip(problems, plan.days, strict=True):
            sol.under = np.maximum(p.required - sol.coverage, 0)
    # reverse delete: a tour added early may be idle once the later ones are in
    if not any(s.under.any() for s in plan.days):
        for entry in reversed(list(added)):
            tour, g, hours, records = entry
            if still_covered(records) and limits_hold(g, -hours, -1):
                for record in records:
                    unplace(record)
                plan.tours[tour] -= 1
                agents[g] -= 1
                group_paid[g] -= hours
                all_paid -= hours
                added.remove(entry)
    if added:
        for p, sol in zip(problems, plan.days, strict=True):
            recount_costs(p, rules, sol)
            method = sol.extra.get("method", "")
            if "tours added to cover the shortfall" not in method:
                sol.extra["method"] = (method + "; tours added to cover the shortfall"
                                       ).lstrip("; ")
    return [(tour, hours) for tour, _g, hours, _records in added]


def _group_totals(problems, rules: Rules, week: WeekModel, plan: _WeekPlan):
    """(paid hours of each tour group, agents on its tours, all paid hours) of ``plan``."""
    group_paid = np.zeros(len(week.groups))
    for p, sol in zip(problems, plan.days, strict=True):
        owner, types = p.contracts(rules), p.types(rules)
        for t, _s, a in sol.shifts:
            for g, grp in enumerate(week.groups):
                if grp.contract < 0 or owner[t] == grp.contract:
                    group_paid[g] += types[t].paid_hours * a
    y0 = int(week.blocks["y"][0])
    agents = np.array([plan.tours[week.tour_cols[g] - y0].sum()
                       for g in range(len(week.groups))])
    all_paid = float(sum(p.types(rules)[t].paid_hours * a
                         for p, sol in zip(problems, plan.days, strict=True)
                         for t, _s, a in sol.shifts))
    return group_paid, agents, all_paid


def _limits_hold(problems, rules: Rules, week: WeekModel, plan: _WeekPlan) -> bool:
    """Whether every tour group of ``plan`` keeps its ``max_agents``, share of paid hours
    and weekly-hours band (the rows of :func:`build_week_model`)."""
    group_paid, agents, all_paid = _group_totals(problems, rules, week, plan)
    for g, grp in enumerate(week.groups):
        if grp.max_agents is not None and agents[g] > grp.max_agents:
            return False
        if grp.max_share is not None and group_paid[g] > grp.max_share * all_paid + 1e-9:
            return False
        if grp.hours_band is not None:
            lo, hi = grp.hours_band
            if ((lo is not None and group_paid[g] < lo * agents[g] - 1e-9)
                    or (hi is not None and group_paid[g] > hi * agents[g] + 1e-9)):
                return False
    return True


def _clone(plan: _WeekPlan) -> _WeekPlan:
    """A copy of ``plan`` whose shifts, breaks and coverage may be changed apart."""
    days = []
    for s in plan.days:
        d = replace(s, shifts=list(s.shifts), breaks=[[list(b) for b in per] for per in s.breaks],
                    coverage=s.coverage.copy(), under=s.under.copy(), extra=dict(s.extra))
        days.append(d)
    return _WeekPlan(days=days, tours=plan.tours.copy(),
                     repaired_exactly=list(plan.repaired_exactly))


def _recount(problems, rules: Rules, week: WeekModel, plan: _WeekPlan) -> None:
    """Coverage, shortfall, paid hours, cost and objective of ``plan``'s days recounted
    from their shifts and breaks (a night shift's slots after midnight on the next day)."""
    for sol, p in zip(plan.days, problems, strict=True):
        sol.coverage = np.zeros(p.n_slots, dtype=np.int64)
    for k, (ext, sol) in enumerate(zip(week.day_problems, plan.days, strict=True)):
        line = np.zeros(ext.n_slots, dtype=np.int64)
        types = ext.types(rules)
        for (t, s0, a), per_break in zip(sol.shifts, sol.breaks, strict=True):
            line[s0:s0 + types[t].span_min // ext.slot_min] += a
            for br, starts in zip(types[t].breaks, per_break, strict=True):
                for tb, n in starts:
                    line[tb:tb + br.duration_min // ext.slot_min] -= n
        for day, values in _spread(week, problems, k, line):
            plan.days[day].coverage[:len(values)] += values
    for p, sol in zip(problems, plan.days, strict=True):
        recount_costs(p, rules, sol)


def _remove_tours(problems, rules: Rules, week: WeekModel, plan: _WeekPlan,
                  rng: np.random.Generator, n: int) -> None:
    """Take ``n`` tours out of ``plan``, drawn in proportion to their agents: on each day
    of a tour's pattern one shift of its group (and start band), the one whose slots have
    the most coverage to spare, with one agent off each of its breaks."""
    weekday_of = {p.key[-1].weekday(): k for k, p in enumerate(problems)}
    group_of = {g.name: i for i, g in enumerate(week.groups)}
    y = plan.tours
    for _ in range(n):
        live = np.flatnonzero(y > 0)
        if not len(live):
            break
        k = int(rng.choice(live, p=y[live] / y[live].sum()))
        name, pattern, band = week.tour_keys[k]
        grp = week.groups[group_of[name]]
        for d in pattern:
            if d not in weekday_of:
                continue
            day = weekday_of[d]
            p, sol = problems[day], plan.days[day]
            owner, types = p.contracts(rules), p.types(rules)
            spare = sol.coverage - p.required
            best = None
            for i, (t, s0, _a) in enumerate(sol.shifts):
                if grp.contract >= 0 and owner[t] != grp.contract:
                    continue
                if band is not None and _band_of(p.day_start_min + s0 * p.slot_min,
                                                 grp.start_band_min) != band:
                    continue
                stop = min(s0 + types[t].span_min // p.slot_min, p.n_slots)
                room = spare[s0:stop].min() if stop > s0 else 0
                if best is None or room > best[0]:
                    best = (room, i)
            if best is None:
                raise RuntimeError(f"tour {week.tour_keys[k]} has no shift on {p.key[-1]}")
            i = best[1]
            t, s0, a = sol.shifts[i]
            for starts in sol.breaks[i]:
                j = int(np.argmax([m for _t, m in starts]))
                tb, m = starts[j]
                if m == 1:
                    del starts[j]
                else:
                    starts[j] = (tb, m - 1)
            if a == 1:
                del sol.shifts[i]
                del sol.breaks[i]
            else:
                sol.shifts[i] = (t, s0, a - 1)
        y[k] -= 1
    _recount(problems, rules, week, plan)


#: Ruin-and-recreate rounds of :func:`_ruin_and_recreate` on a week not proven within its
#: gap, and the tours each takes out.
RUIN_ROUNDS = 600
RUIN_TOURS = 2


def _ruin_and_recreate(problems, rules: Rules, week: WeekModel, plan: _WeekPlan, seed: int,
                       budget: Budget, rounds: int = RUIN_ROUNDS) -> tuple[_WeekPlan, int]:
    """Large-neighbourhood search on a week plan (Shaw 1998 [3]; "ruin and recreate",
    Schrimpf et al. 2000 [4]): take :data:`RUIN_TOURS` tours out (:func:`_remove_tours`),
    cover what they leave short again (:func:`_cover_shortfall`), keep the result when it
    is cheaper and every contract limit holds; ``rounds`` rounds, seeded (the same plan for
    the same input), fewer when ``budget`` runs out. Returns (best plan, rounds that
    improved it).
    On the small 24/7 week q034 of bench_scale's panel the 600 rounds took the solver's
    882 paid h to 866 h (2 rounds improved it), and 1,000 took the greedy cover from 964
    to 890 h in 5 s."""
    rng = np.random.default_rng(seed)
    columns = _columns(week, rules)
    best, better = plan, 0
    for _ in range(rounds):
        if budget.left_s() <= 0.01:
            break
        trial = _clone(best)
        _remove_tours(problems, rules, week, trial, rng, RUIN_TOURS)
        _cover_shortfall(problems, rules, week, trial, columns)
        if (trial.objective < best.objective - 1e-9
                and _limits_hold(problems, rules, week, trial)):
            best, better = trial, better + 1
    return best, better


def _fewest_tours(week: WeekModel, x1: np.ndarray, budget: Budget) -> np.ndarray:
    """The tour counts ``y`` with the fewest agents for the shifts of ``x1``: the tours cost
    nothing, so the programme is indifferent between, say, two 5-day tours and four that
    work fewer days of a week cut by the horizon; the people a planner must hire are the
    fewest. Every other column is held at ``x1`` (the shift counts and shortfalls rounded,
    the breaks as they are), so each row holds as it did; the break repair keeps each
    group's shifts per day (and start band), so the tours stay valid for the repaired days.
    ``x1``'s own tours when time is up."""
    y = week.blocks["y"]
    own = np.rint(x1[y])
    if not len(y):
        return own
    held = x1.copy()
    for name in ("x", "u"):
        held[week.blocks[name]] = np.rint(x1[week.blocks[name]])
    lb, ub = held.copy(), held.copy()
    lb[y], ub[y] = week.lb[y], week.ub[y]
    c = np.zeros(len(week.c))
    c[y] = 1.0
    integrality = np.zeros(len(week.c))
    integrality[y] = 1                 # the others are fixed (the breaks at x1's values)
    r = highs_milp(c, integrality=integrality, bounds=Bounds(lb, ub),
                   constraints=week.constraints, time_limit_s=min(budget.left_s(), 5.0))
    if r.x is None or r.fun > own.sum() - 0.5:
        return own
    return np.rint(r.x[y])


def _decode_week(problems: list[DayProblem], rules: Rules, week: WeekModel,
                 v: np.ndarray) -> list[DaySolution]:
    """The day solutions of an integer solution ``v`` of the week programme, each on its own
    day's slots: a night shift is listed on the day it starts, and its coverage after
    midnight (and its under-coverage and penalty) counts on the next day."""
    sols = [decode_day(ext, rules, day, v[cols]) for ext, day, cols
            in zip(week.day_problems, week.days, week.day_cols, strict=True)]
    spill = []
    for k, (p, sol) in enumerate(zip(problems, sols, strict=True)):
        spill.append((week.night_next[k], sol.coverage[p.n_slots:]))
        sol.problem = p
        sol.coverage = sol.coverage[:p.n_slots].copy()
    for n, cov in spill:
        if n is not None and len(cov):
            sols[n].coverage[:len(cov)] += cov
    for p, sol in zip(problems, sols, strict=True):
        sol.under = np.maximum(p.required - sol.coverage, 0)
        late = sol.extra.get("late_agent_slots", 0.0)      # a deadline-window day's
        sol.objective = float(sol.cost + rules.under_penalty_per_agent_hour * p.slot_min / 60
                              * (sol.under.sum() + late))
    return sols


def _repair_week(problems: list[DayProblem], rules: Rules, week: WeekModel, x1: np.ndarray,
                 budget: Budget) -> list[DaySolution]:
    """Phase 2 for a week with night shifts: integer breaks for the phase-1 shift counts
    ``x1`` in one programme (:func:`fix_shifts` on the week: a night shift's breaks after
    midnight meet the next day's requirement, so the days are not independent); when time
    is up, every break at the start of its window."""
    r = fix_shifts(week, x1, budget=budget)
    if r.x is not None:
        v = r.x
    else:
        v = np.zeros(len(week.c))
        for day, cols in zip(week.days, week.day_cols, strict=True):
            v[cols] = _breaks_at_window_start(day, x1[cols])
        v[week.blocks["y"]] = np.rint(x1[week.blocks["y"]])
    sols = _decode_week(problems, rules, week, v)
    for sol in sols:
        sol.extra["method"] = ("two-phase (week repair)" if r.x is not None
                               else "breaks at their earliest start (time limit)")
    return sols


def _repair_day(problem: DayProblem, rules: Rules, day: DayModel, x1: np.ndarray,
                members: list[np.ndarray], *, scale: float, budget: Budget,
                keep_starts: bool = False) -> DaySolution:
    """Integer breaks for the phase-1 shift counts ``x1`` of one day (:func:`fix_shifts`);
    when that falls short of the day's phase-1 objective, the day re-solved exactly with
    the number of shifts of each tour group (``members``: its ``x`` columns) fixed (so the
    tours stay valid), and the better plan kept; with start bands (``keep_starts``) the
    shifts stay as they are (moving one could take it out of its agents' band)."""
    x = day.blocks["x"]
    n = len(day.c)
    target = float(day.c @ x1)
    if not len(x) or not np.rint(x1[x]).any():
        return decode_day(problem, rules, day, np.zeros(n))
    r2 = fix_shifts(day, x1, budget=budget, scale=scale)
    best = None
    if r2.x is not None:
        best = decode_day(problem, rules, day, r2.x)
        best.extra["method"] = "two-phase"
        if best.objective <= target + 1e-6 * max(1.0, abs(target)) or keep_starts:
            return best
    # shifts and paid hours of each group fixed: tours, shares and weekly bands stay valid
    paid = np.array([problem.types(rules)[k].paid_hours for k, _s, _sp in day.shifts])
    fixed = []
    for cols in members:
        for coef in (np.ones(len(cols)), paid[cols]):
            total = float(coef @ np.rint(x1[x[cols]]))
            fixed.append(LinearConstraint(
                sparse.csr_array((coef, (np.zeros(len(cols), dtype=int), x[cols])),
                                 shape=(1, n)), [total], [total]))
    r3 = run_highs(day, budget=budget, scale=scale, rows=fixed) if not keep_starts else None
    if r3 is not None and r3.x is not None:
        sol = decode_day(problem, rules, day, r3.x)
        sol.extra["method"] = "exact (day re-solved, shift count fixed)"
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:          # time is up: every break at the start of its window
        best = decode_day(problem, rules, day, _breaks_at_window_start(day, x1))
        best.extra["method"] = "breaks at their earliest start (time limit)"
    return best


def _breaks_at_window_start(day: DayModel, x1: np.ndarray) -> np.ndarray:
    """An integer solution of ``day`` with the shift counts of ``x1`` (rounded) and all the
    agents of a shift taking each break at the earliest start of its window: always valid
    (breaks inside their windows; the shortfall is whatever it is)."""
    x = day.blocks["x"]
    v = np.zeros(len(day.c))
    v[x] = np.rint(x1[x])
    seen = set()
    for m, (j, b, _t, _d) in enumerate(day.breaks):   # in window order for each (j, b)
        if (j, b) not in seen:
            seen.add((j, b))
            v[day.blocks["w"][m]] = v[x[j]]
    return v


def _band(week: WeekModel, k: int) -> tuple[int, int] | None:
    """(lower edge, width) in minutes of tour variable ``k``'s start band, or None."""
    name, _pat, lo = week.tour_keys[k]
    if lo is None:
        return None
    width = next(g.start_band_min for g in week.groups if g.name == name)
    return lo, width


def pattern_name(pattern: tuple[int, ...]) -> str:
    """``(0, 1, 2, 3, 4)`` -> ``"mon,tue,wed,thu,fri"``."""
    return ",".join(WEEKDAYS[d] for d in pattern)
