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

Solving (same idea as the day model): the LP relaxation gives ``lp_bound``; phase 1 keeps
``x``, ``u`` and ``y`` integer and relaxes the break variables (its dual bound is valid),
first with each ``x`` restricted to the floor or ceiling of its LP value (RENS), and
unrestricted (capped one cost unit below the incumbent) only when that is not within ``gap``
of the rounded LP bound; phase 2 repairs the breaks day by day with the shift counts fixed. A day whose repair falls
short of the phase-1 day objective is re-solved exactly with its number of shifts fixed
(so the tours stay valid) and the better plan kept. The gap is against the best weekly bound
(LP or phase-1 dual bound, rounded up to the cost unit).

[1] L. W. Jacobs, S. E. Bechtold (1993), Labor utilization effects of labor scheduling
    flexibility alternatives in a tour scheduling environment. Decision Sciences
    24(1):148-166.
[2] T. Aykin (1996), Optimal shift scheduling with multiple break windows. Management
    Science 42(4):591-602.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from shifts.model import DayProblem, DaySolution, _cost_unit, _decode, build_day_model
from shifts.rules import WEEKDAYS, Rules


def solve_week(problems: list[DayProblem], rules: Rules, *, time_limit_s: float = 60.0,
               gap: float = 0.005) -> tuple[list[DaySolution], dict]:
    """Solve the days of one (queue, calendar week) with tours; ``rules.tours`` must be set.

    Returns ``(day_solutions, week)`` where ``week`` has ``lp_bound``, ``bound``,
    ``objective``, ``gap``, ``solve_time_s``, ``status`` and ``tours``: a list of
    ``(working_weekdays, agents)`` with agents > 0. Day solutions carry their own cost and
    coverage; their ``lp_bound`` / ``bound`` / ``gap`` are NaN (the bound is weekly).
    """
    t0 = time.perf_counter()

    def left():
        return max(time_limit_s - (time.perf_counter() - t0), 0.01)

    tours = rules.tours
    patterns = tours.patterns()
    blocks = [build_day_model(p, rules) for p in problems]
    sizes = [len(b[0]) for b in blocks]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    ny = len(patterns)
    n = int(offsets[-1]) + ny
    c = np.concatenate([b[0] for b in blocks] + [np.zeros(ny)])
    integ = np.concatenate([b[1] for b in blocks] + [np.ones(ny)])
    lb = np.concatenate([b[2].lb for b in blocks] + [np.zeros(ny)])
    ub = np.concatenate([b[2].ub for b in blocks] + [np.full(ny, np.inf)])
    mats, lo, hi = [], [], []
    for (_c, _i, _b, cons, _idx), size in zip(blocks, sizes, strict=True):
        if cons:
            mats.append(cons[0].A)
            lo.append(cons[0].lb)
            hi.append(cons[0].ub)
        else:
            mats.append(sparse.csr_array((0, size)))
    day_rows = sparse.block_diag(mats, format="csr") if mats else sparse.csr_array((0, 0))
    day_rows = sparse.hstack([day_rows, sparse.csr_array((day_rows.shape[0], ny))], format="csr")
    # tour rows: shifts of day d - tours working weekday(d) = 0
    rows, cols, vals = [], [], []
    r = 0
    for d, (p, blk) in enumerate(zip(problems, blocks, strict=True)):
        nx = blk[4]["nx"]
        rows.extend([r] * nx)
        cols.extend(range(offsets[d], offsets[d] + nx))
        vals.extend([1.0] * nx)
        wd = p.key[-1].weekday()
        for k, pat in enumerate(patterns):
            if wd in pat:
                rows.append(r)
                cols.append(offsets[-1] + k)
                vals.append(-1.0)
        r += 1
    tour_lo, tour_hi = [0.0] * r, [0.0] * r
    if tours.max_agents is not None:
        rows.extend([r] * ny)
        cols.extend(range(offsets[-1], n))
        vals.extend([1.0] * ny)
        tour_lo.append(-np.inf)
        tour_hi.append(float(tours.max_agents))
        r += 1
        ub[offsets[-1]:] = tours.max_agents
    link = sparse.csr_array((vals, (rows, cols)), shape=(r, n))
    A = sparse.vstack([day_rows, link], format="csr")
    cons = [LinearConstraint(A, np.concatenate(lo + [np.array(tour_lo)]),
                             np.concatenate(hi + [np.array(tour_hi)]))]
    unit = _cost_unit(c)
    scale = unit or 1.0
    cs = c / scale

    def dual(res):
        dv = getattr(res, "mip_dual_bound", None)
        return scale * float(dv) if dv is not None and np.isfinite(dv) else -np.inf

    lp = milp(cs, integrality=np.zeros(n), bounds=Bounds(lb, ub), constraints=cons,
              options={"disp": False, "time_limit": left()})
    lp_bound = scale * float(lp.fun) if lp.status == 0 else 0.0
    if lp.status != 0:
        lp = type(lp)(x=None)
    relaxed = integ.copy()
    xcols = []
    for d, blk in enumerate(blocks):
        nx, nw = blk[4]["nx"], blk[4]["nw"]
        relaxed[offsets[d] + nx:offsets[d] + nx + nw] = 0
        xcols.extend(range(offsets[d], offsets[d] + nx))
    xcols = np.asarray(xcols, dtype=int)
    bound = lp_bound

    def rounded(v):
        return math.ceil(v / unit - 1e-7) * unit if unit else v

    def plan(x1):
        sols, exact = [], []
        for d, (p, blk) in enumerate(zip(problems, blocks, strict=True)):
            sol = _repair_day(p, rules, blk, x1[offsets[d]:offsets[d + 1]], scale, left)
            if sol.extra.get("method", "").startswith("exact"):
                exact.append(str(p.key[-1]))
            sols.append(sol)
        return sols, exact, np.rint(x1[offsets[-1]:])

    best, best_obj, res = None, math.inf, None
    if lp.x is not None:
        # phase 1a (RENS): shift counts restricted to floor / ceiling of the weekly LP
        lb1, ub1 = lb.copy(), ub.copy()
        lb1[xcols] = np.floor(lp.x[xcols] + 1e-9)
        ub1[xcols] = np.maximum(np.ceil(lp.x[xcols] - 1e-9), lb1[xcols])
        ra = milp(cs, integrality=relaxed, bounds=Bounds(lb1, ub1), constraints=cons,
                  options={"disp": False, "time_limit": left(), "mip_rel_gap": gap})
        if ra.x is not None:
            best = plan(ra.x)
            best_obj, res = sum(x.objective for x in best[0]), ra
    if best is None or best_obj - rounded(bound) > gap * best_obj + 1e-9:
        # phase 1b: unrestricted, capped one cost unit below the incumbent
        cons1 = cons
        if best is not None and unit:
            cons1 = [*cons, LinearConstraint(sparse.csr_array(cs[None, :]), -np.inf,
                                             best_obj / scale - 1 + 1e-6)]
        r1 = milp(cs, integrality=relaxed, bounds=Bounds(lb, ub), constraints=cons1,
                  options={"disp": False, "time_limit": left(), "mip_rel_gap": gap})
        if r1.x is not None:
            cand = plan(r1.x)
            obj = sum(x.objective for x in cand[0])
            if obj < best_obj:
                best, best_obj, res = cand, obj, r1
            bound = max(bound, dual(r1))
        elif r1.status == 2 and best is not None and len(cons1) > len(cons):
            bound = max(bound, best_obj)
        elif best is not None:
            bound = max(bound, min(best_obj, dual(r1)))
    bound = rounded(bound)
    if best is None:
        y = np.zeros(ny)
        notes = []
        sols = [_decode(p, rules, blk[4], np.zeros(len(blk[0])), blk[0], "", np.nan, np.inf,
                        0.0, len(blk[0]), 0) for p, blk in zip(problems, blocks, strict=True)]
        status = "no integer solution found within the time limit; nothing scheduled"
    else:
        sols, notes, y = best
        status = ""
    objective = float(sum(s.objective for s in sols))
    bound = min(bound, objective)
    wgap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
    if not status:
        status = ("optimal" if wgap <= 1e-9 else f"within gap {gap:g}" if wgap <= gap + 1e-9
                  else f"stopped: {res.message.strip()}")
    elapsed = time.perf_counter() - t0
    for s in sols:
        s.lp_bound = s.bound = s.gap = math.nan
        s.status = status
        s.solve_time_s = elapsed / len(sols)
    week = {"lp_bound": lp_bound, "bound": float(bound), "objective": objective,
            "gap": float(wgap), "solve_time_s": elapsed, "status": status,
            "repaired_exactly": notes,
            "tours": [(patterns[k], int(y[k])) for k in range(ny) if y[k] > 0]}
    return sols, week


def _repair_day(problem, rules, block, xv, scale, left) -> DaySolution:
    """Integer breaks for the phase-1 shift counts of one day; exact re-solve with the day's
    number of shifts fixed when the repair falls short."""
    c, integ, bounds, cons, idx = block
    n = len(c)
    nrow = cons[0].A.shape[0] if cons else 0
    nx = idx["nx"]
    target = float(c @ xv)
    if nx == 0 or not np.rint(xv[:nx]).any():
        return _decode(problem, rules, idx, np.zeros(n), c, "", np.nan, np.inf, 0.0, n, nrow)
    lb, ub = bounds.lb.copy(), bounds.ub.copy()
    lb[:nx] = ub[:nx] = np.rint(xv[:nx])
    r2 = milp(c / scale, integrality=integ, bounds=Bounds(lb, ub), constraints=cons,
              options={"disp": False, "time_limit": left()})
    best = None
    if r2.x is not None:
        best = _decode(problem, rules, idx, r2.x, c, "", np.nan, np.inf, 0.0, n, nrow)
        best.extra["method"] = "two-phase"
        if best.objective <= target + 1e-6 * max(1.0, abs(target)):
            return best
    total = float(np.rint(xv[:nx]).sum())
    fixed = LinearConstraint(sparse.csr_array((np.ones(nx), (np.zeros(nx, dtype=int),
                                                             np.arange(nx))), shape=(1, n)),
                             [total], [total])
    r3 = milp(c / scale, integrality=integ, bounds=bounds, constraints=[*cons, fixed],
              options={"disp": False, "time_limit": left()})
    if r3.x is not None:
        sol = _decode(problem, rules, idx, r3.x, c, "", np.nan, np.inf, 0.0, n, nrow)
        sol.extra["method"] = "exact (day re-solved, shift count fixed)"
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:
        raise RuntimeError(f"no break repair for {problem.key}")   # a bug: x is feasible
    return best


def pattern_name(pattern: tuple[int, ...]) -> str:
    """``(0, 1, 2, 3, 4)`` -> ``"mon,tue,wed,thu,fri"``."""
    return ",".join(WEEKDAYS[d] for d in pattern)
