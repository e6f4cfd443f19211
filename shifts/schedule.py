"""``schedule``: required agents per interval -> cost-optimal shifts with breaks, one day at a
time (days are independent without weekly tours)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shifts.model import METHODS, DaySolution, solve_days
from shifts.plan import build_plan
from shifts.requirements import check_requirements, day_problems
from shifts.rules import Rules
from wfmcore import InputError


@dataclass(frozen=True)
class ScheduleResult:
    """``shifts``: one row per distinct shift (``start``, ``end``, ``paid_hours``, ``breaks``,
    ``agents``, ``shift_type``; ``queue`` first when the input has queues). ``coverage``: one
    row per requirement interval (``interval_start``, ``required``, ``scheduled``, ``over``,
    ``under``). ``days``: one row per solved day. ``summary``: totals (see :func:`schedule`).
    """

    shifts: pd.DataFrame
    coverage: pd.DataFrame
    days: pd.DataFrame
    summary: dict
    rules: Rules
    interval_min: int


def schedule(requirements: pd.DataFrame, rules: Rules | None = None, *,
             time_limit_s: float = 60.0, gap: float = 0.005, interval_min: int | None = None,
             method: str = "two-phase", source: str = "requirements") -> ScheduleResult:
    """Cost-optimal shifts with breaks covering ``requirements`` (the output of ``wfm staff``).

    Each (queue, day) is one integer programme (:mod:`shifts.model`, Aykin 1996 implicit
    breaks) solved by HiGHS; ``time_limit_s`` is one budget shared by all days and ``gap`` the
    relative MIP gap at which a day stops; ``method`` is ``"two-phase"`` (default) or
    ``"exact"`` (see :func:`shifts.model.solve_day`; both return proven-feasible schedules and
    valid bounds). Where the requirement cannot be met (closed hours,
    caps, limits) the shortfall is reported in ``coverage.under`` and the summary.

    ``summary`` keys: ``paid_hours``; ``cost`` (cost_weight x paid hours); ``objective``
    (cost + under-coverage penalty); ``lp_bound`` (sum of the days' LP relaxations);
    ``bound`` (sum of the days' best lower bounds: LP or HiGHS dual bound, rounded up to the
    cost granularity); ``gap`` = (objective - bound) / objective; ``under_covered_intervals``;
    ``under_agent_hours``; ``solve_time_s``; ``days``; ``status``.
    """
    rules = Rules() if rules is None else rules
    if not isinstance(rules, Rules):
        raise InputError(f"rules must be a shifts.Rules; got {type(rules).__name__}")
    for name, v, ok in (("time_limit_s", time_limit_s, lambda v: v > 0),
                        ("gap", gap, lambda v: 0 <= v < 1)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) \
                or not ok(v):
            want = "a number of seconds > 0" if name == "time_limit_s" else "a share in [0, 1)"
            raise InputError(f"The '{name}' parameter of schedule must be {want}. "
                             f"Got {v!r} instead.")
    if method not in METHODS:
        raise InputError(f"The 'method' parameter of schedule must be one of {METHODS}. "
                         f"Got {method!r} instead.")
    req, interval_min = check_requirements(requirements, source, interval_min)
    problems, slots = day_problems(req, interval_min, rules)
    solutions = solve_days(problems, rules, time_limit_s=time_limit_s, gap=gap,
                           method=method)
    shifts, coverage = build_plan(solutions, req, slots, interval_min, rules)
    days = _days_frame(solutions, has_queue=(req["queue"] != "").any())
    return ScheduleResult(shifts=shifts, coverage=coverage, days=days,
                          summary=_summary(solutions, coverage, interval_min),
                          rules=rules, interval_min=interval_min)


def _days_frame(solutions: list[DaySolution], has_queue: bool) -> pd.DataFrame:
    rows = []
    for s in solutions:
        queue, day = s.problem.key
        rows.append({"queue": queue, "date": day, "paid_hours": s.paid_hours, "cost": s.cost,
                     "objective": s.objective, "lp_bound": s.lp_bound, "bound": s.bound,
                     "gap": s.gap, "under_agent_hours": s.under.sum() * s.problem.slot_min / 60,
                     "solve_time_s": s.solve_time_s, "variables": s.n_variables,
                     "status": s.status})
    frame = pd.DataFrame(rows)
    return frame if has_queue or frame.empty else frame.drop(columns="queue")


def _summary(solutions: list[DaySolution], coverage: pd.DataFrame, interval_min: int) -> dict:
    objective = sum(s.objective for s in solutions)
    bound = sum(s.bound for s in solutions)
    bad = [f"{s.problem.key[-1]}: {s.status}" for s in solutions
           if s.status not in ("optimal",) and not s.status.startswith("within gap")]
    return {
        "paid_hours": float(sum(s.paid_hours for s in solutions)),
        "cost": float(sum(s.cost for s in solutions)),
        "objective": float(objective),
        "lp_bound": float(sum(s.lp_bound for s in solutions)),
        "bound": float(bound),
        "gap": 0.0 if objective <= 0 else float(max(objective - bound, 0.0) / objective),
        "under_covered_intervals": int((coverage["under"] > 0).sum()),
        "under_agent_hours": float(coverage["under"].sum() * interval_min / 60),
        "solve_time_s": float(sum(s.solve_time_s for s in solutions)),
        "days": len(solutions),
        "status": "optimal" if not bad else "; ".join(bad),
    }
