"""``schedule``: required agents per interval -> cost-optimal shifts with breaks, one day at a
time (days are independent without weekly tours)."""

from __future__ import annotations

import datetime as dt
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from erlang import ServiceTarget
from erlang.period import period_top_up
from shifts.check import (
    can_check,
    check_options,
    check_service,
    equivalent_load,
    extra_agents,
    on_phone_share,
    row_handle_s,
    simulate_unit_deferred,
)
from shifts.deferred_window import DayWindow, day_windows, solve_window_day
from shifts.model import METHODS, DaySolution, default_workers, run_tasks, solve_days
from shifts.plan import build_plan
from shifts.requirements import check_requirements, day_problems
from shifts.roster import assign, check_roster
from shifts.rules import Rules
from shifts.tours import pattern_name, solve_week
from wfmcore import InputError, checks


@dataclass(frozen=True)
class ScheduleResult:
    """``shifts``: one row per distinct shift (``start``, ``end``, ``paid_hours``, ``breaks``,
    ``agents``, ``shift_type``; ``queue`` first when the input has queues). ``coverage``: one
    row per requirement interval (``interval_start``, ``required``, ``scheduled``, ``over``,
    ``under``). ``days``: one row per solved day. ``summary``: totals (see :func:`schedule`).
    ``tours``: with weekly tours, one row per (week, days-off pattern) with its ``agents``
    (``week_start``, ``days_on``, ``days_off`` as weekday names); otherwise ``None``.
    ``fairness``: with a roster, one row per agent (see :mod:`shifts.roster`); else ``None``.
    """

    shifts: pd.DataFrame
    coverage: pd.DataFrame
    days: pd.DataFrame
    summary: dict
    rules: Rules
    interval_min: int
    tours: pd.DataFrame | None = None
    fairness: pd.DataFrame | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleOptions:
    """How to solve and check a schedule, validated once.

    ``time_limit_s``: the wall-clock budget of each planning unit (one queue's day; one
    queue's week with tours), so that one hard unit never takes time from the others and
    the answer does not depend on how many units there are (issue 15); ``gap``: the relative MIP gap
    at which a day stops; ``method``: ``"two-phase"`` (default) or ``"exact"`` (see
    :func:`shifts.model.solve_day`); ``workers``: processes solving days (with weekly tours,
    queue-weeks) in parallel (None: one per core from three on,
    :func:`shifts.model.default_workers`); ``simulate``,
    ``replications``, ``seed``: the simulated service check; ``shrinkage`` (0-1) overrides
    the shrinkage inferred from ``agents`` and ``scheduled_agents``; ``late_end``: a roster
    shift ending after this time (HH:MM) counts as late. ``repair``: raise the requirement
    where the simulated service level is not confidently at the target and solve again, at
    most ``repair_rounds`` times and while the paid hours stay within ``1 + repair_max_cost``
    times the first schedule's (see :func:`_repair`): each round simulates
    ``repair_replications`` days on the repair's own seeds (None: :func:`repair_days`, more
    days where days are cheap), and an interval counts as short
    while the lower limit of its simulated level's two-sided ``repair_confidence`` interval
    is below the target (0: while the mean is). ``staffing_rule``: what the check's
    (and the repair's) simulation does where the agents on the phones change, ``"count"``
    (default: scheduled capacity only), ``"designated"`` (the agents whose shift or break
    starts finish their call and leave) or ``"agents"`` (replay of the actual shifts and
    breaks); see :mod:`shifts.check`. ``horizon_days``: the days the schedule covers from
    the first day of the requirements (None: through their last day); with contracts, a day
    of the horizon without requirement rows is closed (no tour works it), and days outside
    it are free (the tours go on): a Monday-to-Friday file with ``horizon_days=7`` closes
    the weekend. ``fte_hours``: paid hours a week of one FTE (the summary's ``fte``).
    ``deferred_window``: a deferred unit whose rows carry ``window_intervals`` (``wfm staff``
    writes it) is covered anywhere inside its deadline window
    (:mod:`shifts.deferred_window`) instead of interval by interval; False covers its
    capacity per interval as given.
    """

    time_limit_s: float = 60.0
    gap: float = 0.005
    method: str = "two-phase"
    workers: int | None = None
    simulate: bool = True
    replications: int = 5
    seed: int = 0
    shrinkage: float | None = None
    late_end: str = "19:00"
    repair: bool = False
    repair_rounds: int = 12
    repair_max_cost: float = 0.05
    repair_replications: int | None = None
    repair_confidence: float = 0.95
    staffing_rule: str = "count"
    horizon_days: int | None = None
    fte_hours: float = 37.5
    deferred_window: bool = True

    def __post_init__(self):
        object.__setattr__(self, "time_limit_s", checks.positive(self.time_limit_s,
                                                                 "time_limit_s"))
        object.__setattr__(self, "gap", checks.share(self.gap, "gap", "share0"))
        checks.text(self.method, "method", METHODS)
        check_options(self.replications, self.shrinkage, self.simulate, self.staffing_rule)
        if self.workers is not None:
            object.__setattr__(self, "workers", checks.whole(self.workers, "workers", 1))
        checks.whole(self.repair_rounds, "repair_rounds", 1)
        if self.repair_replications is not None:
            checks.whole(self.repair_replications, "repair_replications", 2)
        checks.share(self.repair_confidence, "repair_confidence")
        if self.horizon_days is not None:
            object.__setattr__(self, "horizon_days",
                               checks.whole(self.horizon_days, "horizon_days", 1))
        object.__setattr__(self, "fte_hours", checks.positive(self.fte_hours, "fte_hours"))
        checks.check("positive", self.repair_max_cost, "repair_max_cost")
        if self.repair and not self.simulate:
            raise InputError("repair needs the simulation (it raises the requirement where "
                             "the simulated service level falls short)", param="repair")
        try:
            h, m = (int(v) for v in str(self.late_end).split(":"))
            if not (0 <= h <= 24 and 0 <= m < 60):
                raise ValueError
        except ValueError:
            raise InputError(f"late_end must be a time HH:MM; got {self.late_end!r}",
                             param="late_end") from None


def schedule(requirements: pd.DataFrame, rules: Rules | None = None,
             options: ScheduleOptions | None = None, *, target=None,
             roster: pd.DataFrame | None = None, interval_min: int | None = None,
             source: str = "requirements", progress: Callable[[int], None] | None = None,
             **option_values) -> ScheduleResult:
    """Cost-optimal shifts with breaks covering ``requirements`` (the output of ``wfm staff``).

    ``options`` (:class:`ScheduleOptions`; or its fields as keywords) say how to solve and
    check. Each (queue, day) is one integer programme (:mod:`shifts.model`, Aykin 1996
    implicit breaks) solved by HiGHS; both methods return proven-feasible schedules and
    valid bounds. Where the requirement cannot be met (closed hours, caps, limits) the
    shortfall is reported in ``coverage.under`` and the summary.
    ``summary`` keys: ``paid_hours``; ``cost`` (cost_weight x paid hours); ``objective``
    (cost + under-coverage penalty); ``lp_bound`` (sum of the days' LP relaxations);
    ``bound`` (sum of the days' best lower bounds: LP or HiGHS dual bound, rounded up to the
    cost granularity); ``gap`` = (objective - bound) / objective; ``under_covered_intervals``;
    ``under_agent_hours``; ``solve_time_s`` (sum over days); ``wall_time_s`` (all days,
    elapsed); ``workers``; ``days``; ``status``; ``deferred_window_units`` (the deferred
    units covered inside their deadline window, ``options.deferred_window``: their
    intervals count no over- or under-cover), ``deferred_late_agent_h`` (on-phone
    agent-hours of their work the schedule leaves late) and ``deferred_by_unit`` (how each
    deferred unit with a window in its rows was covered, in words); and the headcount of :func:`headcount`
    (``people``, ``people_by_contract``, ``shifts_by_type``, ``fte``, ``occupancy``, ...).
    With ``rules.contracts`` (or ``rules.tours``) each (queue, calendar week) is one tour
    programme (:mod:`shifts.tours`); ``rules=None`` is ``Rules()``, the shift types alone
    (the commands use :data:`shifts.rules.DEFAULT_RULES`, with contracts, instead).

    Service check (:mod:`shifts.check`), when the requirements carry ``offered`` and
    ``traffic_erl`` or ``aht_s`` (the output of ``wfm staff`` does): ``coverage`` gains
    ``on_phone_agents`` (scheduled net of shrinkage), ``service_level`` (Erlang C, or Erlang A
    with ``target.patience_s``; ``target`` is an :class:`erlang.ServiceTarget`, default
    80 % in 20 s) and, with ``simulate``, ``sim_service_level`` with ``_lo`` / ``_hi`` limits
    (``replications`` replications, seeded by ``seed``; 95 % intervals); ``days`` gains
    the simulated day service level; ``summary`` gains ``service_level``,
    ``sim_service_level``, ``sim_service_level_lo``, ``sim_service_level_hi``,
    ``sim_replications`` and ``service_check`` (why the check was skipped, or ``""``).
    The simulation follows ``options.staffing_rule``; ``days`` also gets ``sim_calls``,
    ``sim_overtime_h`` and ``sim_break_lost_h`` (agent-hours a day, mean per replication;
    breaks in agent mode) and ``summary`` ``sim_staffing_rule``, ``sim_days``,
    ``sim_overtime_h`` and ``sim_break_lost_h`` (agent-hours over all days).

    ``progress``: with ``options.repair``, called with the count of intervals (days, with
    a daily target) still short after each of the repair's simulations.

    ``roster`` (a frame as read by :func:`shifts.roster.read_roster`: ``agent``,
    ``min_hours``, ``max_hours``, availability ``mon`` ... ``sun``): the shifts are assigned
    to named agents (:func:`shifts.roster.assign`); ``shifts`` then has one row per
    agent-shift with an ``agent`` column, ``fairness`` one row per agent (shifts, paid
    hours, late shifts = ending after ``options.late_end``, weekend days, contract shortfall), and
    ``summary`` gains ``unassigned_shifts``, ``late_shifts_min``/``_max``,
    ``weekend_days_min``/``_max``, ``hours_short``, ``roster_status``.
    """
    if options is None:
        options = ScheduleOptions(**option_values)
    elif option_values:
        options = replace(options, **option_values)
    rules = Rules() if rules is None else rules
    if not isinstance(rules, Rules):
        raise InputError(f"rules must be a shifts.Rules; got {type(rules).__name__}")
    if roster is not None:
        roster = check_roster(roster)
    req, interval_min = check_requirements(requirements, source, interval_min)
    target = ServiceTarget() if target is None else target
    why_not = can_check(req)
    if options.repair and why_not is not None:
        raise InputError(f"{source}: cannot repair: {why_not}", param="repair")
    t0 = time.perf_counter()
    solutions, weeks, slots, n_workers = _solve(req, interval_min, rules, options)
    wall = time.perf_counter() - t0
    shifts, coverage = build_plan(solutions, req, slots, rules)
    repair_info = {}
    if options.repair:
        req, solutions, weeks, slots, shifts, coverage, repair_info = _repair(
            req, solutions, weeks, slots, shifts, coverage, interval_min, rules, options,
            target, progress)
        wall = time.perf_counter() - t0
    has_queue = (req["queue"] != "").any()
    window_units = sorted({str(sol.problem.key[0]) for sol in solutions
                           if sol.extra.get("deferred", "").startswith("inside")})
    if window_units:
        # covered inside the deadline window, not interval by interval: an interval below
        # its fixed capacity is no shortfall (late work is, below)
        unit_of = coverage["queue"] if "queue" in coverage.columns else pd.Series(
            "", index=coverage.index)
        coverage.loc[unit_of.astype(str).isin(window_units).to_numpy(), ["over", "under"]] = 0
    days = _days_frame(solutions, has_queue=has_queue)
    summary = _summary(solutions, coverage, interval_min, weeks)
    summary.update(deferred_window_units=window_units, deferred_late_agent_h=float(sum(
        s.extra.get("late_agent_slots", 0.0) * s.problem.slot_min / 60 for s in solutions)),
        deferred_by_unit={str(s.problem.key[0]): s.extra["deferred"] for s in solutions
                          if "deferred" in s.extra})
    summary.update(wall_time_s=wall, workers=min(n_workers, max(len(solutions), 1)))
    summary.update(service_level=np.nan, sim_service_level=np.nan,
                   sim_service_level_lo=np.nan, sim_service_level_hi=np.nan,
                   sim_replications=0, sim_intervals_met=np.nan, sim_intervals_below=0,
                   sim_staffing_rule="", sim_days=0, sim_overtime_h=np.nan,
                   sim_break_lost_h=np.nan, service_check=why_not or "",
                   sl_period=target.sl_period, **repair_info)
    if why_not is None:
        per_interval, per_day, overall = check_service(
            coverage, req, interval_min, target=target, shrinkage=options.shrinkage,
            simulate=options.simulate, replications=options.replications, seed=options.seed,
            staffing_rule=options.staffing_rule, shifts=shifts)
        coverage = pd.concat([coverage, per_interval], axis=1)
        if not per_day.empty:
            keys = ["queue", "date"] if has_queue else ["date"]
            days = days.merge(per_day.drop(columns=[] if has_queue else ["queue"]), on=keys,
                              how="left")
        summary.update({k: overall[k] for k in ("service_level", "sim_service_level",
                                                "sim_service_level_lo",
                                                "sim_service_level_hi", "sim_replications",
                                                "sim_intervals_met", "sim_intervals_below",
                                                "sim_staffing_rule", "sim_days",
                                                "sim_overtime_h", "sim_break_lost_h")})
    summary.update(headcount(shifts, coverage, req, interval_min, weeks, rules, options,
                             solutions))
    fairness = None
    if roster is not None:
        shifts, fairness, roster_summary = assign(
            shifts, roster, late_end=options.late_end,
            time_limit_s=options.time_limit_s)
        summary.update(roster_summary)
    return ScheduleResult(shifts=shifts, coverage=coverage, days=days, summary=summary,
                          rules=rules, interval_min=interval_min, fairness=fairness,
                          tours=None if weeks is None else _tours_frame(
                              weeks, has_queue, bool(rules.contracts)))


def _solve(req: pd.DataFrame, interval_min: int, rules: Rules, options: ScheduleOptions):
    """(solutions, weeks or None, slots, workers) for the requirement frame ``req``."""
    problems, slots = day_problems(req, interval_min, rules)
    units = deferred_units(req, options)
    fixed = {i: p for i, p in enumerate(problems) if p.key[0] in units}
    windows = deferred_windows(req, problems, slots, interval_min, options, units)
    for i in windows:                  # the window rows replace the per-interval requirement
        problems[i] = replace(problems[i],
                              required=np.zeros(problems[i].n_slots, dtype=np.int64))
    horizon = _horizon(req, options.horizon_days) if rules.contracts else None
    if rules.tours is not None or rules.contracts:       # one programme per (queue, week)
        n_units = len({(p.key[0], p.key[-1] - dt.timedelta(days=p.key[-1].weekday()))
                       for p in problems})
    else:
        n_units = len(problems)
    n_workers = default_workers(n_units) if options.workers is None else options.workers
    solutions, weeks = _solve_some(problems, range(len(problems)), windows, rules, options,
                                   horizon, n_workers)
    for unit in units:
        idx = [i for i in fixed if problems[i].key[0] == unit]
        _calibrate_window(unit, idx, req, problems, fixed, slots, interval_min, rules,
                          options, horizon, solutions, weeks)
    return solutions, weeks, slots, n_workers


def _solve_some(problems, idx, windows, rules, options, horizon, n_workers):
    """(day solutions aligned with ``problems`` (None outside ``idx``), weeks or None) of the
    problems ``idx``: weekly tours with ``rules.contracts`` / ``rules.tours``, else day by
    day (deadline-window days, ``windows``, each by :func:`solve_window_day`)."""
    idx = list(idx)
    solutions: list = [None] * len(problems)
    if rules.tours is not None or rules.contracts:
        sols, weeks = _solve_tours([problems[i] for i in idx], rules, options.time_limit_s,
                                   options.gap, horizon,
                                   {k: windows[i] for k, i in enumerate(idx) if i in windows},
                                   workers=n_workers)
        for i, sol in zip(idx, sols, strict=True):
            solutions[i] = sol
        return solutions, weeks
    plain = [i for i in idx if i not in windows]
    for i, sol in zip(plain, solve_days([problems[i] for i in plain], rules,
                                        time_limit_s=options.time_limit_s, gap=options.gap,
                                        method=options.method, workers=n_workers),
                      strict=True):
        solutions[i] = sol
    for i in idx:
        if i in windows:
            solutions[i] = solve_window_day(problems[i], rules, windows[i],
                                            time_limit_s=options.time_limit_s,
                                            gap=options.gap).day
    return solutions, None


#: replications of the simulation that checks a deadline-window schedule (its own seed,
#: apart from the reported check's)
WINDOW_REPLICATIONS = 10


def _calibrate_window(unit, idx, req, problems, fixed, slots, interval_min, rules, options,
                      horizon, solutions, weeks) -> None:
    """Keep the deadline window of deferred ``unit`` only where it holds its target.

    The window programme meets every deadline of the *expected* work (the fluid schedule of
    :mod:`shifts.deferred_window`), and at least cost it does the work as late as the
    deadlines allow, so random arrivals and handle times leave items late: on a one-day
    email queue at 90 % within 8 business hours (8 one-hour intervals), with the work raised
    5 %, the window schedule put 10 agents in the last two hours and simulated 25 % on time
    (77-85 % at the calibrated work; raising the work further did not help). So the schedule is simulated
    (the check's protocol, :func:`shifts.check.simulate_unit_deferred`, with its own seed)
    and the *planning* window shortened, by bisection over 1 .. K intervals, to the longest
    whose schedule reaches ``deadline_share`` (a window of 1 is the work done in the
    interval it arrives in). When none does, or the schedule costs more paid hours than
    covering the fixed requirement, the unit is covered per interval as staffed (its
    problems put back to ``fixed``). ``solutions`` / ``weeks`` are updated in place."""
    part = req.iloc[np.concatenate([slots[i][0] for i in idx])]
    deadline_h = float(part["deadline_h"].iloc[0]) if "deadline_h" in part.columns else math.nan
    share = (float(part["deadline_share"].iloc[0]) if "deadline_share" in part.columns
             else math.nan)
    if not (np.isfinite(deadline_h) and np.isfinite(share)):
        for i in idx:                   # no target to hold it to: the window as planned
            solutions[i].extra["deferred"] = "inside its deadline window (no deadline_h / " \
                "deadline_share in the rows to check it against)"
        return
    sigma = _scheduled_on_phone_share(req, options)[part.index.to_numpy()].min()
    handle_s = row_handle_s(part.assign(offered=np.nan_to_num(part["offered"].to_numpy(float))),
                            interval_min)          # as the check takes it (no-call rows filled)
    k_full = int(part["window_intervals"].to_numpy(float).max())

    def simulated(sols) -> float:
        on_phone = []
        for i in idx:                  # per interval: the fewest working in any of its slots
            _rows, first, per = slots[i]
            scheduled = np.array([sols[i].coverage[f:f + per].min() for f in first])
            on_phone.append(np.floor(scheduled * sigma + 1e-9))
        sim, _, _ = simulate_unit_deferred(
            part["interval_start"].to_numpy(), np.nan_to_num(part["offered"].to_numpy(float)),
            handle_s, np.concatenate(on_phone), interval_min, deadline_h,
            seed=[options.seed, 0xDEF, zlib.crc32(unit.encode("utf-8"))],
            replications=WINDOW_REPLICATIONS)
        return sim.share

    tried = {k_full: ({i: solutions[i] for i in idx}, None)}

    def holds(k: int) -> bool:
        if k not in tried:
            windows = deferred_windows(req, problems, slots, interval_min, options, [unit],
                                       window_intervals=k)
            sols, wk = _solve_some(problems, idx, windows, rules, options, horizon, 1)
            tried[k] = ({i: sols[i] for i in idx}, wk)
        return simulated(tried[k][0]) >= share

    best = None
    if holds(k_full):
        best = k_full
    elif holds(1):
        lo, hi = 1, k_full             # lo holds, hi does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if holds(mid) else (lo, mid)
        best = lo
    given = [fixed.get(i, p) for i, p in enumerate(problems)]
    base, base_weeks = _solve_some(given, idx, {}, rules, options, horizon, 1)

    def hours(sols) -> float:
        return float(sum(sols[i].paid_hours for i in idx))

    if best is None or hours(tried[best][0]) >= hours(base):
        current, current_weeks = {i: base[i] for i in idx}, base_weeks
        for i in idx:
            problems[i] = fixed[i]
        note = ("covered per interval as staffed (inside its window "
                + ("no planning window held its target" if best is None else
                   f"it cost {hours(tried[best][0]):,.1f} paid h, not less than "
                   f"{hours(base):,.1f}") + ")")
    else:
        current, current_weeks = tried[best]
        note = (f"inside its deadline window, planned to {best} of its {k_full} intervals "
                f"({hours(current):,.1f} paid h against {hours(base):,.1f} per interval)")
    for i, sol in current.items():
        sol.extra["deferred"] = note
        solutions[i] = sol
    if weeks is not None and current_weeks is not None:
        weeks[:] = [w for w in weeks if w["queue"] != unit] + current_weeks


def deferred_units(req: pd.DataFrame, options: ScheduleOptions) -> list[str]:
    """The units (``queue`` values) covered inside their deadline window: every row with a
    finite ``window_intervals`` (see ``ScheduleOptions.deferred_window``), none blended
    (a voice team's idle time does part of a blended unit's work: it keeps its fixed
    requirement)."""
    if not options.deferred_window or "window_intervals" not in req.columns:
        return []
    ok = np.isfinite(req["window_intervals"].to_numpy(float))
    if "blend_free_agents" in req.columns:
        ok &= ~np.isfinite(req["blend_free_agents"].to_numpy(float))
    whole = pd.Series(ok).groupby(req["queue"].to_numpy()).all()
    return sorted(str(q) for q, ok in whole.items() if ok)


def _scheduled_on_phone_share(req: pd.DataFrame, options: ScheduleOptions) -> np.ndarray:
    """On-phone share of the scheduled agents per row, as the check counts them:
    ``1 - options.shrinkage``, else the file's agents / scheduled_agents."""
    return (np.full(len(req), 1.0 - options.shrinkage) if options.shrinkage is not None
            else on_phone_share(req))


def deferred_windows(req: pd.DataFrame, problems, slots, interval_min: int,
                     options: ScheduleOptions, units, window_intervals: int | None = None
                     ) -> dict:
    """problem index -> :class:`shifts.deferred_window.DayWindow` for the days of
    :func:`deferred_units`. The unit's work per interval is its items x AHT x
    ``deferred_work_scale`` (1 + the calibrated margin; 1 when absent), the reference its
    on-phone capacity ``agents`` (the module docstring of :mod:`shifts.deferred_window`),
    the on-phone share ``1 - options.shrinkage`` or the file's agents / scheduled_agents;
    ``units``: the units to build (of :func:`deferred_units`); ``window_intervals``: a
    planning window shorter than the rows' (the calibration of :func:`_calibrate_window`)."""
    out = {}
    if not units:
        return out
    share = _scheduled_on_phone_share(req, options)
    for unit in sorted(units):
        idx = [i for i, p in enumerate(problems) if p.key[0] == unit]
        rows = np.concatenate([slots[i][0] for i in idx])
        position = {int(r): j for j, r in enumerate(rows)}
        day_of = np.empty(len(rows), dtype=np.int64)
        interval_slots: list[tuple[int, int]] = [(0, 0)] * len(rows)
        for d, i in enumerate(idx):
            first_rows, first_slot, per = slots[i]
            for r, f in zip(first_rows, first_slot, strict=True):
                day_of[position[int(r)]] = d
                interval_slots[position[int(r)]] = (int(f), int(per))
        part = req.iloc[rows]
        scale = (part["deferred_work_scale"].to_numpy(float)
                 if "deferred_work_scale" in part.columns else np.ones(len(part)))
        scale = np.where(np.isfinite(scale), scale, 1.0)
        work = np.nan_to_num(part["offered"].to_numpy(float) * _row_aht(part, interval_min)
                             * scale / (interval_min * 60.0))
        reference = np.nan_to_num(part["agents"].to_numpy(float))
        sigma = float(share[rows].min())
        k = (int(part["window_intervals"].to_numpy(float).max()) if window_intervals is None
             else int(window_intervals))
        per_interval = slots[idx[0]][2]
        windows = day_windows(work, reference, k, day_of, interval_slots, sigma, per_interval)
        for d, i in enumerate(idx):
            ends, arrived, due, before, by_end = windows[d]
            out[i] = DayWindow(ends=ends, arrived=arrived, due=due, done_before=before,
                               done_by_end=by_end, open_slots=problems[i].open_slots,
                               on_phone_share=sigma)
    return out


#: a secant step (:func:`_repair`) is at most this many times the formula's
REPAIR_SECANT_CAP = 4.0


#: Simulated days a repair round uses by default (:func:`repair_days`): at least
#: ``REPAIR_MIN_DAYS``, more while a round stays within ``REPAIR_SIM_CALLS`` simulated calls
#: (about 17 s of one core on bench_service's week, 0.17 us a call), at most
#: ``REPAIR_MAX_DAYS`` (where a day has few calls, the cost per day takes over)
REPAIR_MIN_DAYS = 200
REPAIR_MAX_DAYS = 2000
REPAIR_SIM_CALLS = 100_000_000


def repair_days(calls_per_replication: float, replications: int | None = None) -> int:
    """Simulated days per repair round: ``replications`` when given, else as many as
    ``REPAIR_SIM_CALLS`` simulated calls allow for ``calls_per_replication`` expected calls
    in one simulated replication of the whole schedule (every queue and day), clamped to
    ``[REPAIR_MIN_DAYS, REPAIR_MAX_DAYS]``.

    Why more days where they are cheap: an interval counts as short while the lower limit
    of its simulated level is below the target, so an interval whose true level is at the
    target gets an agent unless its estimate is precise, and the estimate's standard error
    falls as one over the root of the days (about 2 points at 200 days on the bench week at
    0.1x and at 1x: a day's level in an interval varies by about 29 points). A small
    centre's day is cheap to simulate: at 0.1x of the bench week, 200 days a round raised
    136 of 285 intervals (+34 paid h) and left one significantly below in one of four
    independent evaluations of 200 days; 2,000 days raised 22 (+4 h) and left none."""
    if replications is not None:
        return int(replications)
    if not calls_per_replication > 0:
        return REPAIR_MIN_DAYS
    return int(min(max(REPAIR_SIM_CALLS // calls_per_replication, REPAIR_MIN_DAYS),
                   REPAIR_MAX_DAYS))


#: SeedSequence entropy of the repair's simulated days: set 0 for its rounds, set k for its
#: k-th test; apart from the reported check's (the check that decides where to add agents
#: never grades the result)
def _repair_seed(seed: int, days_set: int) -> list[int]:
    return [seed, 0x5EED, days_set]


def _repair(req, solutions, weeks, slots, shifts_frame, coverage, interval_min, rules,
            options: ScheduleOptions, target: ServiceTarget,
            progress: Callable[[int], None] | None = None):
    """Raise the requirement where the simulation falls short of the target; re-solve.

    Each round simulates the current schedule under ``options.staffing_rule`` for
    :func:`repair_days` days (``options.repair_replications`` when given) on the repair's
    own seeds. An interval is short
    while the lower limit of its simulated service level's two-sided
    ``options.repair_confidence`` interval (the check's t interval,
    :func:`shifts.check.check_service`) is below the target (0: while the mean is). To the
    requirement of every short interval it adds the on-phone agents (at least one)
    :func:`shifts.check.extra_agents` finds missing to lift that level to the target,
    converted to scheduled agents, and solves again. An interval still short on the same
    days after agents were added gets the step its measured response
    asks for instead: the secant through its last two rounds (level gained per on-phone
    agent added, extended to the target; at most ``REPAIR_SECANT_CAP`` times the formula's
    step), since under a staffing rule that holds calls back where the staffing drops, an
    agent added buys less than the formula says. With 0.95 an interval the rounds accept is
    at the target with about 97.5 % confidence on their days.
    With a daily or weekly target (``target.sl_period`` ``"day"`` or ``"week"``) the same
    holds of each day's (each queue's calendar week's) simulated level instead of each
    interval's, and a short period's agents are added where they raise its level most
    (:func:`_period_top_up`).

    The rounds reuse one set of days (common random numbers: a change between rounds is the
    effect of the added agents, not of new noise). When no interval is short on it, the
    schedule is tested on new days (a new set each time): it is accepted (``repaired``)
    when no interval is significantly below the target there (its upper limit is not below
    the target); the intervals that are get their agents added as above, and the rounds go
    on. The test guards against the repair fitting its own noise: the rounds stop where
    their days are at the target, and with many intervals some of them are only because
    those days were lucky for them; testing with the upper limit on new days adds agents
    only where the shortfall is evident, not to every interval new noise puts near the
    target. Stopping where the mean of reused days reaches the target (confidence 0, no
    test) leaves about half of the intervals it stopped at short on other days: on a day of
    32 intervals at 300 calls with 40 days a round, 5 intervals below 80 % on 300 other days
    and 3 significantly, against none for the default (``tests/test_repair.py``).

    It stops when accepted, after ``repair_rounds`` re-solves (``rounds exhausted``), or
    before a schedule would cost more than ``1 + repair_max_cost`` times the first (``cost
    limit``; the last schedule within it is kept). In the result, ``repair_rounds`` counts
    the schedules re-solved and kept, ``repair_tests`` the tests on new days (the k-th on
    seeds :func:`_repair_seed` ``(seed, k)``, the rounds on ``(seed, 0)``). The reported
    check runs afterwards on independent seeds.
    """
    req = req.reset_index(drop=True)
    original = req["required"].to_numpy().copy()
    base_hours = float(sum(s.paid_hours for s in solutions))
    limit = base_hours * (1.0 + options.repair_max_cost)
    share = _scheduled_on_phone_share(req, options)
    status, rounds, tests, testing = "rounds exhausted", 0, 0, False
    by_period = target.sl_period in ("day", "week")
    # each requirement row's on-phone agents and level on the rounds' days, last round
    seen_phones, seen_level = np.full(len(req), np.nan), np.full(len(req), np.nan)
    days = repair_days(float(req["offered"].clip(lower=0).sum()), options.repair_replications)
    while True:
        coverage = coverage.reset_index(drop=True)
        per_interval, per_day, overall = check_service(
            coverage, req, interval_min, target=target, shrinkage=options.shrinkage,
            replications=days,
            seed=_repair_seed(options.seed, tests if testing else 0),
            confidence=options.repair_confidence or 0.95, staffing_rule=options.staffing_rule,
            shifts=shifts_frame)
        # the rounds' days: short while the lower limit is below the target; a test on new
        # days: short where even the upper limit is (significantly below); per interval, or
        # per day / week with a daily / weekly target
        frame = {"day": per_day.rename(columns={"date": "period"}),
                 "week": overall["by_week"].rename(columns={"week": "period"})
                 }.get(target.sl_period, per_interval)
        level = frame["sim_service_level_lo" if options.repair_confidence
                      else "sim_service_level"].to_numpy(float)
        test = frame["sim_service_level_hi"].to_numpy(float) if (
            testing and options.repair_confidence) else level
        below = (test < target.sl_target) & np.isfinite(test)
        if progress is not None:
            progress(int(below.sum()))
        if not below.any():
            if testing:
                status = "repaired"
                break
            tests, testing = tests + 1, True
            continue
        rounds_days, testing = not testing, False
        if rounds == options.repair_rounds:
            break
        rounds += 1
        if by_period:
            rows, step = _period_top_up(per_interval, frame[below], req, coverage,
                                        interval_min, target, bool(options.repair_confidence))
        else:
            all_rows = _requirement_rows(req, coverage)
            rows = all_rows[below]
            phones = per_interval["on_phone_agents"].to_numpy(float)
            extra = extra_agents(phones[below], level[below],
                                 req["offered"].to_numpy(float)[rows],
                                 _row_aht(req.iloc[rows], interval_min), interval_min, target)
            step = np.maximum(extra, 1).astype(float)
            if rounds_days:
                added = phones[below] - seen_phones[rows]
                gained = level[below] - seen_level[rows]
                measured = (added > 0) & (gained > 0)
                with np.errstate(all="ignore"):
                    secant = np.ceil((target.sl_target - level[below]) * added / gained - 1e-9)
                step = np.where(measured, np.clip(secant, 1.0, REPAIR_SECANT_CAP * step), step)
                seen_phones[all_rows], seen_level[all_rows] = phones, level
        new_req = req.copy()
        new_req.loc[rows, "required"] += np.ceil(step / share[rows] - 1e-9).astype(np.int64)
        new = _solve(new_req, interval_min, rules, options)
        if sum(s.paid_hours for s in new[0]) > limit:
            status, rounds = "cost limit", rounds - 1
            break
        req, (solutions, weeks, slots, _) = new_req, new
        shifts_frame, coverage = build_plan(solutions, req, slots, rules)
    # coverage against the requirement as given; what the repair added is its own column
    given = original[_requirement_rows(req, coverage)]
    coverage = coverage.assign(
        required=given, over=np.maximum(coverage["scheduled"] - given, 0),
        under=np.maximum(given - coverage["scheduled"], 0),
        repair_added=coverage["required"].to_numpy() - given)
    hours = float(sum(s.paid_hours for s in solutions))
    return req, solutions, weeks, slots, shifts_frame, coverage, {
        "repair_status": status, "repair_rounds": rounds, "repair_tests": tests,
        "repair_days": days,
        "repair_added_hours": hours - base_hours}


def _period_top_up(per_interval: pd.DataFrame, short: pd.DataFrame, req: pd.DataFrame,
                   coverage: pd.DataFrame, interval_min: int, target: ServiceTarget,
                   margin: bool = True):
    """(requirement rows, on-phone agents to add) for the periods (``short``: rows of
    ``queue``, ``period`` and the period's simulated level with its limits; a day, or the
    Monday of a calendar week, as ``target.sl_period`` says) whose simulated service level
    falls short of the period's target: in each, the load every interval behaves like
    (:func:`shifts.check.equivalent_load`, never lighter than the load it was staffed for),
    and the fewest agents added that bring the period's calls-weighted level at those loads
    to the target plus, with ``margin``, the width of the period's lower limit below its
    mean (:func:`erlang.period.period_top_up`, Koole & van der Sluis 2003), with the
    target's interval floor; at least one agent a short period, in its interval with the
    lowest simulated level."""
    req_rows = _requirement_rows(req, coverage)
    queue = (coverage["queue"].astype(str).to_numpy() if "queue" in coverage
             else np.full(len(coverage), ""))
    stamp = pd.to_datetime(coverage["interval_start"])
    if target.sl_period == "week":
        stamp = stamp - pd.to_timedelta(stamp.dt.day_of_week, unit="D")
    period = stamp.dt.date.to_numpy()
    phones = per_interval["on_phone_agents"].to_numpy(np.int64)
    sim = per_interval["sim_service_level"].to_numpy(float)
    offered = req["offered"].to_numpy(float)[req_rows]
    aht = _row_aht(req.iloc[req_rows], interval_min)
    staffed = offered * aht / (interval_min * 60.0)
    for column in ("traffic_erl", "staffing_erl"):      # the load it was staffed for, if given
        if column in req:
            given = req[column].to_numpy(float)[req_rows]
            staffed = np.where(np.isfinite(given), given, staffed)
    rows, steps = [], []
    for one in short.itertuples(index=False):
        idx = np.flatnonzero((queue == str(one.queue)) & (period == one.period))
        load = np.fmax(equivalent_load(phones[idx], sim[idx], offered[idx], aht[idx],
                                       interval_min, target), staffed[idx])
        load = np.where(np.isfinite(load), load, 0.0)
        width = max(one.sim_service_level - one.sim_service_level_lo, 0.0) if margin else 0.0
        period_target = replace(target, sl_target=min(target.sl_target + width, 0.999),
                                sl_period="interval", sl_floor=None)
        need = period_top_up(load, aht[idx], offered[idx], period_target, phones[idx],
                             sl_floor=target.sl_floor)
        step = np.maximum(need - phones[idx], 0).astype(float)
        if step.sum() == 0:
            step[np.nanargmin(np.where(offered[idx] > 0, sim[idx], np.inf))] = 1.0
        rows.append(req_rows[idx])
        steps.append(step)
    return np.concatenate(rows), np.concatenate(steps)


def _requirement_rows(req: pd.DataFrame, coverage: pd.DataFrame) -> np.ndarray:
    """Position in ``req`` of each coverage row (matched on queue and interval start)."""
    keys = coverage.assign(queue=coverage["queue"] if "queue" in coverage else "")
    return pd.MultiIndex.from_frame(req[["queue", "interval_start"]]).get_indexer(
        pd.MultiIndex.from_frame(keys[["queue", "interval_start"]]))


def _row_aht(rows: pd.DataFrame, interval_min: int) -> np.ndarray:
    """Handle time of requirement rows: aht_s, else traffic_erl x interval / offered."""
    if "aht_s" in rows.columns:
        return rows["aht_s"].to_numpy(float)
    return (rows["traffic_erl"].to_numpy(float) * interval_min * 60.0
            / rows["offered"].to_numpy(float))


def _days_frame(solutions: list[DaySolution], has_queue: bool) -> pd.DataFrame:
    rows = []
    for s in solutions:
        queue, day = s.problem.key
        rows.append({"queue": queue, "date": day, "paid_hours": s.paid_hours, "cost": s.cost,
                     "objective": s.objective, "lp_bound": s.lp_bound, "bound": s.bound,
                     "gap": s.gap, "under_agent_hours": s.under.sum() * s.problem.slot_min / 60,
                     "solve_time_s": s.solve_time_s, "variables": s.n_variables,
                     "status": s.status, "method": s.extra.get("method", "")})
    frame = pd.DataFrame(rows)
    return frame if has_queue or frame.empty else frame.drop(columns="queue")


def _horizon(req: pd.DataFrame, horizon_days: int | None) -> tuple[dt.date, dt.date]:
    """First and last day of the schedule's horizon (see ``ScheduleOptions.horizon_days``)."""
    days = req["interval_start"].dt.normalize()
    first, last = days.min(), days.max()
    n = horizon_days or (last - first).days + 1
    return first.date(), (first + pd.Timedelta(days=n - 1)).date()


def _weeks(req: pd.DataFrame, horizon_days: int | None) -> int:
    """Calendar weeks the horizon spans, as FTE counts them (a Monday-to-Friday schedule is
    one week): ``ceil(days / 7)``."""
    first, last = _horizon(req, horizon_days)
    return max(1, math.ceil(((last - first).days + 1) / 7))


def _solve_tours(problems, rules, time_limit_s, gap, horizon=None, windows=None,
                 workers: int = 1):
    """One weekly programme per (queue, calendar week), each with its own ``time_limit_s``,
    in ``workers`` worker processes (:func:`shifts.model.run_tasks`) when more than one.
    ``horizon`` (first, last day): its days without a problem of the queue are closed.
    ``windows``: problem index -> deadline window (:func:`deferred_windows`)."""
    windows = windows or {}
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(problems):
        queue, day = p.key
        monday = day - pd.Timedelta(days=day.weekday()).to_pytimedelta()
        groups.setdefault((queue, monday), []).append(i)
    solutions: list = [None] * len(problems)
    weeks, tasks, keys = [], [], []
    for (queue, monday), idx in groups.items():
        closed = set()
        if horizon is not None:
            have = {problems[i].key[-1] for i in idx}
            for wd in range(7):
                d = monday + dt.timedelta(days=wd)
                if horizon[0] <= d <= horizon[1] and d not in have:
                    closed.add(wd)
        tasks.append(("week", ([problems[i] for i in idx], rules),
                      {"time_limit_s": time_limit_s, "gap": gap,
                       "closed_weekdays": frozenset(closed),
                       "windows": [windows.get(i) for i in idx]
                       if any(i in windows for i in idx) else None}))
        keys.append((queue, monday, idx))
    if workers > 1 and len(tasks) > 1:
        results = run_tasks(tasks, workers, [int(sum(problems[i].required.sum() for i in idx))
                                             for _q, _m, idx in keys])
    else:
        results = [solve_week(*args, **kwargs) for _kind, args, kwargs in tasks]
    for (queue, monday, idx), (sols, week) in zip(keys, results, strict=True):
        for i, s in zip(idx, sols, strict=True):
            solutions[i] = s
        weeks.append({"queue": queue, "week_start": monday, **week})
    return solutions, weeks


def _band_text(band: tuple | None) -> str:
    """(lower edge, width) in minutes -> ``"07:00-09:00"`` (the window the tour's agents
    start in); ``""`` without a band."""
    if band is None:
        return ""
    lo, width = band
    return f"{lo // 60:02d}:{lo % 60:02d}-{(lo + width) // 60:02d}:{(lo + width) % 60:02d}"


def _tours_frame(weeks: list[dict], has_queue: bool, contracts: bool) -> pd.DataFrame:
    rows = [{"queue": w["queue"], "week_start": w["week_start"],
             "days_on": pattern_name(pat),
             "days_off": pattern_name(tuple(d for d in range(7) if d not in pat)),
             "agents": agents, "contract": contract, "start_band": _band_text(band)}
            for w in weeks for pat, agents, contract, band in w["tours"]]
    frame = pd.DataFrame(rows, columns=["queue", "week_start", "days_on", "days_off", "agents",
                                        "contract", "start_band"])
    if not contracts:                           # [tours]: the columns as before
        frame = frame.drop(columns=["contract", "start_band"])
    return frame if has_queue else frame.drop(columns="queue")


def _summary(solutions: list[DaySolution], coverage: pd.DataFrame, interval_min: int,
             weeks: list[dict] | None = None) -> dict:
    objective = sum(s.objective for s in solutions)
    if weeks is None:
        bound = sum(s.bound for s in solutions)
        lp_bound = sum(s.lp_bound for s in solutions)
        bad = [f"{s.problem.key[-1]}: {s.status}" for s in solutions
               if s.status not in ("optimal",) and not s.status.startswith("within gap")]
    else:
        bound = sum(w["bound"] for w in weeks)
        lp_bound = sum(w["lp_bound"] for w in weeks)
        bad = [f"{w['queue'] + ', ' if w['queue'] else ''}week of {w['week_start']}: "
               f"{w['status']}" for w in weeks
               if w["status"] not in ("optimal",) and not w["status"].startswith("within gap")]
    cover = {} if weeks is None else {
        "tours_added_to_cover": int(sum(w.get("tours_added_to_cover", 0) for w in weeks)),
        "paid_hours_added_to_cover": float(sum(w.get("paid_hours_added_to_cover", 0.0)
                                               for w in weeks)),
        "greedy_cover_units": [f"{w['queue'] + ', ' if w['queue'] else ''}week of "
                               f"{w['week_start']}" for w in weeks if w.get("greedy_cover")],
        "search_improved_units": int(sum(bool(w.get("search_improvements")) for w in weeks)),
        "paid_hours_saved_by_search": float(sum(w.get("paid_hours_saved_by_search", 0.0)
                                                for w in weeks))}
    return {
        **cover,
        "paid_hours": float(sum(s.paid_hours for s in solutions)),
        "cost": float(sum(s.cost for s in solutions)),
        "objective": float(objective),
        "lp_bound": float(lp_bound),
        "bound": float(bound),
        "gap": 0.0 if objective <= 0 else float(max(objective - bound, 0.0) / objective),
        "under_covered_intervals": int((coverage["under"] > 0).sum()),
        "under_agent_hours": float(coverage["under"].sum() * interval_min / 60),
        "solve_time_s": float(sum(s.solve_time_s for s in solutions)),
        "days": len(solutions),
        "status": _overall_status(bad, [s.status for s in solutions] if weeks is None
                                  else [w["status"] for w in weeks]),
    }


def headcount(shifts: pd.DataFrame, coverage: pd.DataFrame, req: pd.DataFrame,
              interval_min: int, weeks: list[dict] | None, rules: Rules,
              options: ScheduleOptions, solutions: list[DaySolution] = ()) -> dict:
    """The people behind a schedule (issue 12), as summary keys.

    ``people``: agents on weekly tours, in the busiest week (summed over queues), NaN
    without tours (each day alone says nothing about who works which days);
    ``people_by_contract`` the same per contract; ``people_max_day``: the most shifts on
    one day (summed over queues), people needed at the least; ``shifts_by_type``: shifts
    (agent-days) per shift type; ``paid_hours_by_contract``; ``fte`` = paid hours /
    (``fte_hours`` x weeks of the horizon), with ``fte_hours_per_week``, ``fte_weeks`` and
    ``fte_definition``; ``occupancy``: offered Erlangs / agents on the phones over all
    intervals (``traffic_erl`` and the check's ``on_phone_agents``; NaN without them);
    ``over_agent_hours``: agent-hours working (net of breaks) above the requirement, slot by
    slot of every day (hours outside the requirement's intervals included), and
    ``over_share`` of the required agent-hours; ``short_shifts``: shifts of types cut for short days;
    ``contracts_without_tours``: contracts no pattern of which fits the open days of some
    week (their people cannot work it); ``people_outside_horizon`` and
    ``days_outside_horizon``: :func:`_outside_horizon`.
    """
    h = interval_min / 60.0
    agents = shifts["agents"].to_numpy(np.int64) if len(shifts) else np.zeros(0, np.int64)
    days = shifts["start"].dt.normalize() if len(shifts) else pd.Series(dtype="datetime64[ns]")
    by_type = (shifts.groupby("shift_type", sort=True)["agents"].sum()
               if len(shifts) else pd.Series(dtype=np.int64))
    paid = shifts["paid_hours"].to_numpy(float) * agents if len(shifts) else np.zeros(0)
    out = {"people": math.nan, "people_by_contract": {},
           "people_max_day": int(pd.Series(agents).groupby(days.to_numpy()).sum().max())
           if len(shifts) else 0,
           "shifts": int(agents.sum()),
           "shifts_by_type": {str(k): int(v) for k, v in by_type.items()},
           "paid_hours_by_contract": {}, "contracts_without_tours": []}
    if "contract" in shifts.columns:
        by_c = pd.Series(paid).groupby(shifts["contract"].to_numpy()).sum()
        out["paid_hours_by_contract"] = {c.name: float(by_c.get(c.name, 0.0))
                                         for c in rules.contracts}
    short = [t.name for t in rules.shift_types]
    out["short_shifts"] = int(agents[~shifts["shift_type"].isin(short).to_numpy()].sum()) \
        if len(shifts) else 0
    if weeks is not None:
        per_week: dict = {}
        for w in weeks:
            tot = per_week.setdefault(w["week_start"], {})
            for _pat, n, contract, _band in w["tours"]:
                tot[contract] = tot.get(contract, 0) + n
        totals = [sum(v.values()) for v in per_week.values()] or [0]
        out["people"] = int(max(totals))
        names = [c.name for c in rules.contracts] or [""]
        out["people_by_contract"] = {n: int(max((v.get(n, 0) for v in per_week.values()),
                                                default=0)) for n in names if n}
        out["contracts_without_tours"] = sorted({n for w in weeks
                                                 for n in w.get("contracts_without_tours", [])})
        out.update(_outside_horizon(weeks, *_horizon(req, options.horizon_days)))
    n_weeks = _weeks(req, options.horizon_days)
    total_paid = float(paid.sum())
    out.update(fte=total_paid / (options.fte_hours * n_weeks),
               fte_hours_per_week=options.fte_hours, fte_weeks=n_weeks,
               fte_definition=f"paid hours / ({options.fte_hours:g} h a week x {n_weeks} "
                              "week(s))")
    required_h = float(coverage["required"].sum() * h)
    over_h = float(sum(np.maximum(sol.coverage - sol.problem.required, 0).sum()
                       * sol.problem.slot_min / 60.0 for sol in solutions))
    out.update(over_agent_hours=over_h,
               over_share=over_h / required_h if required_h > 0 else math.nan)
    occ = math.nan
    if "on_phone_agents" in coverage.columns and "traffic_erl" in req.columns:
        rows = _requirement_rows(req, coverage)
        load = np.nansum(req["traffic_erl"].to_numpy(float)[rows])
        on_phone = float(np.nansum(coverage["on_phone_agents"].to_numpy(float)))
        occ = load / on_phone if on_phone > 0 else math.nan
    out["occupancy"] = occ
    return out


def _outside_horizon(weeks: list[dict], first: dt.date, last: dt.date) -> dict:
    """``people_outside_horizon``: the agents, in the week with most of them, whose tour
    works a day of its calendar week outside the horizon ``first``-``last`` (a week the
    horizon cuts; those days are free to the tours, so these people's other shifts are not
    in the schedule), and ``days_outside_horizon`` (the days, ``YYYY-MM-DD``)."""
    worst, days = 0, set()
    for wk in {w["week_start"] for w in weeks}:
        monday = pd.Timestamp(wk).date()
        outside = {d for d in range(7)
                   if not first <= monday + dt.timedelta(days=d) <= last}
        if not outside:
            continue
        n = sum(agents for w in weeks if w["week_start"] == wk
                for pattern, agents, _contract, _band in w["tours"] if outside & set(pattern))
        worst = max(worst, n)
        days |= {(monday + dt.timedelta(days=d)).isoformat() for d in outside}
    return {"people_outside_horizon": int(worst), "days_outside_horizon": sorted(days)}


def _overall_status(bad: list[str], statuses: list[str]) -> str:
    """'optimal' only when every day (week) was proven optimal; 'within gap G (proven)' when
    every one was proven within the gap G; else the ones that were not, each with its
    solver status (a time limit, no integer solution, ...)."""
    if bad:
        return "; ".join(bad)
    within = sorted({st for st in statuses if st.startswith("within gap")})
    return f"{within[-1]} (proven)" if within else "optimal"
