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
tours. This is the implicit tour formulation in the spirit of Jacobs & Bechtold (1993) [1],
with Aykin's (1996) per-shift break variables inside each day.

Solving (the driver of the day model, :func:`shifts.milp.solve`): the LP relaxation gives
``lp_bound``; phase 1 keeps ``x``, ``u`` and ``y`` integer and relaxes the break variables
(its dual bound is valid), first with each ``x`` restricted to the floor or ceiling of its LP
value (RENS), and unrestricted (capped one cost unit below the incumbent) only when that is
not within ``gap`` of the rounded LP bound; phase 2 repairs the breaks day by day with the
shift counts fixed. A day whose repair falls short of the phase-1 day objective is re-solved
exactly with its number of shifts fixed (so the tours stay valid) and the better plan kept.
The gap is against the best weekly bound (LP or phase-1 dual bound, rounded up to the cost
unit).

[1] L. W. Jacobs, S. E. Bechtold (1993), Labor utilization effects of labor scheduling
    flexibility alternatives in a tour scheduling environment. Decision Sciences
    24(1):148-166.
[2] T. Aykin (1996), Optimal shift scheduling with multiple break windows. Management
    Science 42(4):591-602.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint

from shifts.milp import Budget, Model, closed_gap, fix_shifts, run_highs, solve, status_text
from shifts.model import DayModel, DayProblem, DaySolution, build_day_model, decode_day
from shifts.rules import WEEKDAYS, Rules


@dataclass(frozen=True, kw_only=True)
class WeekModel(Model):
    """The day programmes side by side (``days``, in columns ``day_cols``), then one tour
    variable ``y_p`` per pattern of ``patterns``; blocks ``x``, ``w``, ``u`` gather the
    days' blocks, ``y`` the tours."""

    days: list[DayModel]
    day_cols: list[slice]
    patterns: list[tuple[int, ...]]


@dataclass(frozen=True)
class _WeekPlan:
    """A week of integer day solutions with the agents on each tour pattern."""

    days: list[DaySolution]
    tours: np.ndarray
    repaired_exactly: list[str]    # days re-solved exactly (shift count fixed)

    @property
    def objective(self) -> float:
        return sum(s.objective for s in self.days)


def build_week_model(problems: list[DayProblem], rules: Rules) -> WeekModel:
    """The tour programme of the module docstring for the days of one week."""
    patterns = rules.tours.patterns()
    days = [build_day_model(p, rules) for p in problems]
    offsets = np.concatenate([[0], np.cumsum([len(d.c) for d in days])]).astype(int)
    ny = len(patterns)
    n = int(offsets[-1]) + ny
    ub = np.concatenate([d.ub for d in days] + [np.full(ny, np.inf)])
    day_rows = sparse.block_diag([d.A for d in days], format="csr")
    day_rows = sparse.hstack([day_rows, sparse.csr_array((day_rows.shape[0], ny))], format="csr")
    # tour rows: shifts of day d - tours working weekday(d) = 0
    rows, cols, vals = [], [], []
    for r, (p, d) in enumerate(zip(problems, days, strict=True)):
        x = offsets[r] + d.blocks["x"]
        rows.extend([r] * len(x))
        cols.extend(x.tolist())
        vals.extend([1.0] * len(x))
        wd = p.key[-1].weekday()
        for k, pat in enumerate(patterns):
            if wd in pat:
                rows.append(r)
                cols.append(offsets[-1] + k)
                vals.append(-1.0)
    r = len(days)
    tour_lo, tour_hi = [0.0] * r, [0.0] * r
    if rules.tours.max_agents is not None:
        rows.extend([r] * ny)
        cols.extend(range(offsets[-1], n))
        vals.extend([1.0] * ny)
        tour_lo.append(-np.inf)
        tour_hi.append(float(rules.tours.max_agents))
        r += 1
        ub[offsets[-1]:] = rules.tours.max_agents
    link = sparse.csr_array((vals, (rows, cols)), shape=(r, n))

    def gather(name):
        return np.concatenate([offsets[k] + d.blocks[name] for k, d in enumerate(days)])

    return WeekModel(
        c=np.concatenate([d.c for d in days] + [np.zeros(ny)]),
        A=sparse.vstack([day_rows, link], format="csr"),
        row_lb=np.concatenate([d.row_lb for d in days] + [np.array(tour_lo)]),
        row_ub=np.concatenate([d.row_ub for d in days] + [np.array(tour_hi)]),
        lb=np.concatenate([d.lb for d in days] + [np.zeros(ny)]), ub=ub,
        integrality=np.concatenate([d.integrality for d in days] + [np.ones(ny)]),
        blocks={"x": gather("x"), "w": gather("w"), "u": gather("u"),
                "y": np.arange(offsets[-1], n)},
        days=days, day_cols=[slice(offsets[k], offsets[k + 1]) for k in range(len(days))],
        patterns=patterns)


def solve_week(problems: list[DayProblem], rules: Rules, *, time_limit_s: float = 60.0,
               gap: float = 0.005) -> tuple[list[DaySolution], dict]:
    """Solve the days of one (queue, calendar week) with tours; ``rules.tours`` must be set.

    Returns ``(day_solutions, week)`` where ``week`` has ``lp_bound``, ``bound``,
    ``objective``, ``gap``, ``solve_time_s``, ``status``, ``repaired_exactly`` (the dates of
    the days re-solved exactly) and ``tours``: a list of ``(working_weekdays, agents)`` with
    agents > 0. Day solutions carry their own cost and coverage; their ``lp_bound`` /
    ``bound`` / ``gap`` are NaN (the bound is weekly).
    """
    budget = Budget(time_limit_s)
    week = build_week_model(problems, rules)

    def plan(x1) -> _WeekPlan:
        """Phase 2 day by day (:func:`_repair_day`), with the week's cost scale."""
        sols = [_repair_day(p, rules, day, x1[cols], scale=week.scale, budget=budget)
                for p, day, cols in zip(problems, week.days, week.day_cols, strict=True)]
        exact = [str(p.key[-1]) for p, s in zip(problems, sols, strict=True)
                 if s.extra.get("method", "").startswith("exact")]
        return _WeekPlan(days=sols, tours=np.rint(x1[week.blocks["y"]]), repaired_exactly=exact)

    out = solve(week, plan, budget=budget, gap=gap)
    if out.best is None:
        best = _WeekPlan(days=[decode_day(p, rules, day, np.zeros(len(day.c)))
                               for p, day in zip(problems, week.days, strict=True)],
                         tours=np.zeros(len(week.patterns)), repaired_exactly=[])
        status = "no integer solution found within the time limit; nothing scheduled"
    else:
        best, status = out.best, ""
    objective = float(best.objective)
    bound, wgap = closed_gap(objective, out.bound)
    status = status or status_text(wgap, gap, out.message)
    elapsed = budget.elapsed_s()
    for s in best.days:
        s.lp_bound = s.bound = s.gap = math.nan
        s.status = status
        s.solve_time_s = elapsed / len(best.days)
    y = best.tours
    week_out = {"lp_bound": out.lp_bound, "bound": bound, "objective": objective, "gap": wgap,
                "solve_time_s": elapsed, "status": status,
                "repaired_exactly": best.repaired_exactly,
                "tours": [(week.patterns[k], int(y[k])) for k in range(len(y)) if y[k] > 0]}
    return best.days, week_out


def _repair_day(problem: DayProblem, rules: Rules, day: DayModel, x1: np.ndarray, *,
                scale: float, budget: Budget) -> DaySolution:
    """Integer breaks for the phase-1 shift counts ``x1`` of one day (:func:`fix_shifts`);
    when that falls short of the day's phase-1 objective, the day re-solved exactly with
    its number of shifts fixed (so the tours stay valid), and the better plan kept."""
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
        if best.objective <= target + 1e-6 * max(1.0, abs(target)):
            return best
    total = float(np.rint(x1[x]).sum())
    fixed = LinearConstraint(sparse.csr_array((np.ones(len(x)), (np.zeros(len(x), dtype=int),
                                                                 x)), shape=(1, n)),
                             [total], [total])
    r3 = run_highs(day, budget=budget, scale=scale, rows=[fixed])
    if r3.x is not None:
        sol = decode_day(problem, rules, day, r3.x)
        sol.extra["method"] = "exact (day re-solved, shift count fixed)"
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:
        raise RuntimeError(f"no break repair for {problem.key}")   # a bug: x is feasible
    return best


def pattern_name(pattern: tuple[int, ...]) -> str:
    """``(0, 1, 2, 3, 4)`` -> ``"mon,tue,wed,thu,fri"``."""
    return ",".join(WEEKDAYS[d] for d in pattern)
