"""Roster assignment: the planned shifts to named agents, within contracted hours, with days
off, rest between shifts and a fairness report.

Roster file (CSV), one row per agent (columns after ``max_hours`` are optional; a missing
column or an empty cell takes the default):

* ``agent``: a unique name;
* ``min_hours``, ``max_hours``: contracted paid hours per calendar week (Monday-Sunday),
  0 <= min <= max; in a week the plan's horizon (first to last day with shifts) cuts, the
  minimum counts pro rata to the days of the week inside the horizon, the maximum in full
  (a one-day or Monday-to-Friday plan may still give a 40-hour agent her 8-hour shifts);
* ``mon`` ... ``sun``: the hours the agent can work that weekday, ``"HH:MM-HH:MM"``, or
  ``off`` / empty for not at all; a missing column = any time. A shift must lie inside the
  window; a window closing at 24:00 also admits a shift running on past midnight;
* ``days_off``: days off per calendar week, at least (default 2); days of the week outside
  the plan's horizon count as off;
* ``consecutive_days_off``: ``yes`` / ``no`` (default no): two of them in a row, Sunday and
  Monday of the same week counting as a row (the weekly pattern repeats, as in
  :class:`shifts.rules.Tours`);
* ``min_rest_h``: hours from the end of one shift to the start of the next, at least
  (default 11; across midnight and across weeks);
* ``max_days_in_row``: working days in a row, at most (default 6), across weeks too.

Model (an assignment integer programme, HiGHS): ``z_ag`` = 1 when agent ``a`` works a shift
of group ``g`` (the shifts of one day with the same start, end and type; break times do not
matter to who works them), only for agents available for the whole shift that day. With
``w_ad = sum_{g on day d} z_ag`` (days worked)::

    sum_a z_ag + v_g = n_g                          every shift staffed, v_g unassigned
    w_ad <= 1                                       one shift a day
    sum_{g in week k} h_g z_ag <= max_hours_a       contract, hard
    sum_{g in week k} h_g z_ag + s_ak >= min_hours_a         shortfall s_ak, penalised
    w_ad <= sum_{p on d} y_akp,  sum_p y_akp <= 1    days off, hard: one days-on pattern
                                                    a week (7 - days_off days, with two
                                                    off in a row when asked)
    sum_{d in any max_days_in_row + 1 days} w_ad <= max_days_in_row
    sum_{g on d, end_g >= e} z_ag + sum_{g on d' > d, start_g < e + rest_a} z_ag <= 1
                                                    rest: one row per end time e (a clique:
                                                    every pair in it is too close)
    sum_{g late} z_ag <= L,  sum_{g on Sat/Sun} z_ag <= W            fairness (minimax)

Objective, by weights (:data:`WEIGHTS`): unassigned paid hours, then contract shortfall
hours, then ``L + W`` (the most late shifts and the most weekend days any agent gets), then
regular start times: each shift costs a little per hour between its start and the agent's
anchor, the median start of her week in the greedy assignment (:func:`_greedy`, solved
first; a linear stand-in for the start-time spread, which as max - min needs big-M rows
that left 40 agents at a 17 % gap after 60 s; the costs also break the symmetry between agents with
the same contract). A shift is *late* when it ends after ``late_end`` (default 19:00).
Every hard rule can be met by leaving shifts unassigned, so the programme is always
feasible: what the schedule does not allow comes out as unassigned shifts and shortfalls,
reported per agent with a reason (``short_reason``, :func:`shortfall_lines`), never
dropped. Above :data:`MAX_EXACT_PAIRS` (agent, group) pairs, when HiGHS finds no solution
in the time limit, or when its time-limited solution is worse, the greedy assignment is
kept and the status says so. Last, :func:`_polish_starts` permutes shifts of equal length
among the agents of a day to bring starts nearer each agent's median, changing nothing
else.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from shifts.rules import WEEKDAYS, _parse_hours
from wfmcore import InputError

#: Above this many (agent, shift group) pairs the assignment is greedy (:func:`_greedy`):
#: HiGHS needs minutes for the exact programme at several hundred agents.
MAX_EXACT_PAIRS = 20_000

#: Defaults of the optional roster columns.
DEFAULT_DAYS_OFF = 2
DEFAULT_CONSECUTIVE_DAYS_OFF = False
DEFAULT_MIN_REST_H = 11.0
DEFAULT_MAX_DAYS_IN_ROW = 6

#: Objective weights: per unassigned paid hour, per hour short of a contract minimum, per
#: unit of the fairness minimax (most late shifts, most weekend days of any agent), per hour
#: between a shift's start and the agent's anchor start (see :func:`_solve_milp`).
WEIGHTS = {"unassigned_h": 100.0, "short_h": 10.0, "fairness": 1.0, "start_h": 0.01}

FAIRNESS_COLUMNS = ["agent", "shifts", "paid_hours", "min_hours", "max_hours",
                    "late_shifts", "weekend_days", "hours_short",
                    "days_worked", "days_off_min", "max_days_in_row", "min_rest_h",
                    "start_spread_h", "inside_contract", "short_reason"]

_RULE_COLUMNS = ("days_off", "consecutive_days_off", "min_rest_h", "max_days_in_row")
_YES, _NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0")


@dataclass(frozen=True)
class RosterFile:
    """A roster as read from a file (text cells) with the file's name for messages."""

    frame: pd.DataFrame
    source: str


def read_roster(path: Path | str) -> RosterFile:
    """Read a roster CSV as text; :func:`check_roster` (called by ``shifts.schedule``)
    validates it."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(f"{path}: roster file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a readable CSV: {str(e).splitlines()[0]}") from None
    return RosterFile(frame=frame, source=str(path))


def _number_column(frame, col, source, *, default, lo, hi, whole, what):
    """One optional numeric column: default for a missing column or empty cell."""
    if col not in frame.columns:
        return np.full(len(frame), float(default))
    text = frame[col].astype(str).str.strip()
    v = pd.to_numeric(text.where(text != "", str(default)), errors="coerce")
    bad = v.isna() | (v < lo) | (v > hi) | ((v % 1 != 0) if whole else False)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{source}: row {i + 2}: column '{col}' is {frame[col].iloc[i]!r}; "
                         f"expected {what}")
    return v.to_numpy(dtype=float)


def check_roster(roster: RosterFile | pd.DataFrame, source: str = "roster") -> pd.DataFrame:
    """Validate a roster (read by :func:`read_roster`, or a frame); return it with
    ``min_hours`` / ``max_hours`` / ``min_rest_h`` as floats, ``days_off`` /
    ``max_days_in_row`` as integers, ``consecutive_days_off`` as bool, and one column per
    weekday holding ``(open_min, close_min)`` or ``None``."""
    if isinstance(roster, RosterFile):
        roster, source = roster.frame, roster.source
    if not isinstance(roster, pd.DataFrame):
        raise InputError(f"{source}: a roster must be a DataFrame; got {type(roster).__name__}")
    frame = roster
    frame = frame.astype(str).replace({"nan": ""})
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for col in ("agent", "min_hours", "max_hours"):
        if col not in frame.columns:
            raise InputError(f"{source}: column '{col}' is missing (columns: "
                             f"{', '.join(frame.columns)})")
    if frame.empty:
        raise InputError(f"{source}: no agents")
    names = frame["agent"].astype(str).str.strip()
    if (names == "").any():
        raise InputError(f"{source}: row {int(np.flatnonzero(names == '')[0]) + 2}: "
                         "column 'agent' is empty")
    dup = names[names.duplicated()]
    if len(dup):
        raise InputError(f"{source}: agent {dup.iloc[0]!r} appears more than once")
    out = pd.DataFrame({"agent": names})
    for col in ("min_hours", "max_hours"):
        v = pd.to_numeric(frame[col], errors="coerce")
        bad = v.isna() | (v < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{source}: row {i + 2}: column '{col}' is {frame[col].iloc[i]!r}; "
                             "expected paid hours per week >= 0")
        out[col] = v.astype(float)
    bad = out["min_hours"] > out["max_hours"]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{source}: row {i + 2}: min_hours {out['min_hours'].iloc[i]:g} > "
                         f"max_hours {out['max_hours'].iloc[i]:g}")
    for day in WEEKDAYS:
        if day not in frame.columns:
            out[day] = [(0, 1440)] * len(out)
            continue
        vals = []
        for i, text in enumerate(frame[day]):
            text = str(text).strip()
            if text.lower() in ("", "off", "closed"):
                vals.append(None)
            else:
                vals.append(_parse_hours(text, f"{source}: row {i + 2}: column '{day}'"))
        out[day] = vals
    out["days_off"] = _number_column(
        frame, "days_off", source, default=DEFAULT_DAYS_OFF, lo=0, hi=7, whole=True,
        what="whole days off per week, 0-7").astype(np.int64)
    out["min_rest_h"] = _number_column(
        frame, "min_rest_h", source, default=DEFAULT_MIN_REST_H, lo=0, hi=168, whole=False,
        what="hours of rest between shifts, 0-168")
    out["max_days_in_row"] = _number_column(
        frame, "max_days_in_row", source, default=DEFAULT_MAX_DAYS_IN_ROW, lo=1, hi=10_000,
        whole=True, what="a whole number of days >= 1").astype(np.int64)
    consecutive = np.full(len(frame), DEFAULT_CONSECUTIVE_DAYS_OFF)
    if "consecutive_days_off" in frame.columns:
        for i, text in enumerate(frame["consecutive_days_off"]):
            t = str(text).strip().lower()
            if t == "":
                continue
            if t not in _YES + _NO:
                raise InputError(f"{source}: row {i + 2}: column 'consecutive_days_off' is "
                                 f"{text!r}; expected yes or no")
            consecutive[i] = t in _YES
    bad = consecutive & (out["days_off"].to_numpy() < 2)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{source}: row {i + 2}: consecutive_days_off needs days_off >= 2; "
                         f"got days_off {out['days_off'].iloc[i]}")
    out["consecutive_days_off"] = consecutive.astype(bool)
    return out.reset_index(drop=True)


@dataclass
class _Problem:
    """The assignment data: shift groups, eligible (agent, group) pairs, the calendar."""

    roster: pd.DataFrame
    groups: pd.DataFrame
    gkeys: list
    need: np.ndarray          # agents per group
    hours: np.ndarray         # paid hours per group
    day: np.ndarray           # day index of each group's start (0 = first day of the plan)
    wd: np.ndarray            # weekday of each group's start
    start_abs: np.ndarray     # minutes from midnight of the first day
    end_abs: np.ndarray
    start_h: np.ndarray       # clock hour of the start, 0-24
    late: np.ndarray
    weekend: np.ndarray
    n_days: int
    week_of_day: np.ndarray   # week index of each day
    week_monday: list         # Monday of each week
    week_share: np.ndarray    # days of each week inside the horizon / 7
    week_first_wd: np.ndarray # weekday of the first horizon day of each week
    week_last_wd: np.ndarray
    pa: np.ndarray            # eligible pairs: agent
    pg: np.ndarray            # eligible pairs: group
    first_day: pd.Timestamp

    @property
    def n_agents(self) -> int:
        return len(self.roster)

    def min_hours(self) -> np.ndarray:
        """(agents, weeks) contract minimum, pro rata in a week the horizon cuts."""
        return self.roster["min_hours"].to_numpy()[:, None] * self.week_share[None, :]

    def max_hours(self) -> np.ndarray:
        return self.roster["max_hours"].to_numpy()[:, None] * np.ones(len(self.week_share))


def _problem(shifts: pd.DataFrame, roster: pd.DataFrame, late_min: int) -> _Problem:
    sh = shifts.reset_index(drop=True)
    gkeys = [c for c in ("queue",) if c in sh.columns] + ["start", "end", "shift_type"]
    grouped = sh.groupby(gkeys, sort=True)
    groups = grouped["agents"].sum().reset_index()
    hours = grouped["paid_hours"].first().to_numpy(dtype=float)
    start, end = groups["start"], groups["end"]
    g_date = start.dt.normalize()
    first = g_date.min() if len(groups) else pd.Timestamp("2000-01-03")
    last = g_date.max() if len(groups) else first
    n_days = int((last - first).days) + 1
    day = ((g_date - first).dt.days).to_numpy(dtype=int)
    wd = start.dt.day_of_week.to_numpy(dtype=int)
    start_abs = ((start - first) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)
    end_abs = ((end - first) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)
    start_clock = start_abs - 1440 * day
    end_clock = end_abs - 1440 * day
    dates = pd.date_range(first, periods=n_days, freq="D")
    mondays = dates - pd.to_timedelta(dates.day_of_week, unit="D")
    week_monday = sorted(set(mondays))
    week_of_day = np.array([week_monday.index(m) for m in mondays], dtype=int)
    in_week = np.bincount(week_of_day, minlength=len(week_monday))
    week_first_wd = np.array([dates[week_of_day == k][0].day_of_week
                              for k in range(len(week_monday))])
    week_last_wd = np.array([dates[week_of_day == k][-1].day_of_week
                             for k in range(len(week_monday))])
    # eligibility: the weekday's window holds the whole shift (24:00 = open past midnight)
    A = len(roster)
    open_ = np.full((A, 7), np.inf)
    close = np.full((A, 7), -np.inf)
    for k, name in enumerate(WEEKDAYS):
        for a, h in enumerate(roster[name]):
            if h is not None:
                open_[a, k], close[a, k] = h[0], (np.inf if h[1] >= 1440 else h[1])
    ok = (open_[:, wd] <= start_clock[None, :]) & (end_clock[None, :] <= close[:, wd])
    pa, pg = np.nonzero(ok)
    return _Problem(
        roster=roster, groups=groups, gkeys=gkeys, need=groups["agents"].to_numpy(int),
        hours=hours, day=day, wd=wd, start_abs=start_abs, end_abs=end_abs,
        start_h=start_clock / 60.0, late=end_clock > late_min, weekend=wd >= 5,
        n_days=n_days, week_of_day=week_of_day, week_monday=week_monday,
        # no shifts at all (zero volume): no horizon, so no contract minimum to miss
        week_share=np.minimum(in_week / 7.0, 1.0) * (len(groups) > 0),
        week_first_wd=week_first_wd,
        week_last_wd=week_last_wd, pa=pa.astype(int), pg=pg.astype(int), first_day=first)


def assign(shifts: pd.DataFrame, roster: pd.DataFrame, *, late_end: str = "19:00",
           time_limit_s: float = 60.0, gap: float = 1e-3,
           ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Assign the shifts (``ScheduleResult.shifts``) to the agents of a checked roster
    (:func:`check_roster`) under the rules of the module docstring.

    Returns ``(agent_shifts, fairness, summary)``: the shifts with one row per agent-shift
    (``agents`` = 1) and an ``agent`` column (empty for a shift nobody could take);
    one fairness row per agent (:data:`FAIRNESS_COLUMNS`, recomputed from the assignment:
    paid hours, days worked, the fewest days off in a week, the longest run of working
    days, the shortest rest, the widest start-time spread of a week, whether every week is
    inside the contract and, when not, why); and totals ``unassigned_shifts``,
    ``late_shifts_min``/``_max``, ``weekend_days_min``/``_max``, ``hours_short``,
    ``agents_inside_contract``, ``agents_short``, ``start_spread_h_mean``,
    ``roster_status``, ``roster_time_s``. ``gap``: HiGHS's relative MIP gap;
    ``time_limit_s``: its time limit.
    """
    t0 = time.perf_counter()
    lh, lm = (int(v) for v in late_end.split(":"))
    late_min = lh * 60 + lm
    p = _problem(shifts, roster, late_min)
    if len(p.groups) == 0:
        z, status = np.zeros(0), "optimal"
    else:
        z, status = _greedy(p), "greedy (large roster; not proven optimal)"
        if len(p.pa) <= MAX_EXACT_PAIRS:
            zm, milp_status = _solve_milp(p, time_limit_s, gap, anchor=_median_starts(p, z))
            if zm is None:
                status = ("greedy (the programme found no assignment: "
                          f"{milp_status}; not proven optimal)")
            elif _objective(p, zm) <= _objective(p, z) + 1e-6:
                z, status = zm, milp_status
            else:
                status = (f"greedy (better than the programme's assignment, {milp_status}; "
                          "not proven optimal)")
    z = _polish_starts(p, z)
    return _finish(shifts.reset_index(drop=True), p, z, status, late_min, t0)


class _Rows:
    """A sparse constraint matrix built row by row: ``lo <= A v <= hi``."""

    def __init__(self):
        self.rows, self.cols, self.vals, self.lo, self.hi = [], [], [], [], []

    def add(self, cols, vals, lo, hi):
        r = len(self.lo)
        self.rows.extend([r] * len(cols))
        self.cols.extend(cols)
        self.vals.extend(vals)
        self.lo.append(lo)
        self.hi.append(hi)

    def matrix(self, n):
        return sparse.csr_array((self.vals, (self.rows, self.cols)), shape=(len(self.lo), n))


def _objective(p: _Problem, z: np.ndarray) -> float:
    """The programme's objective (:data:`WEIGHTS`) of an assignment ``z`` over the pairs."""
    A, K = p.n_agents, len(p.week_monday)
    on = z > 0.5
    a, g = p.pa[on], p.pg[on]
    hours = np.zeros((A, K))
    np.add.at(hours, (a, p.week_of_day[p.day[g]]), p.hours[g])
    late, weekend = np.zeros(A), np.zeros(A)
    np.add.at(late, a, p.late[g])
    np.add.at(weekend, a, p.weekend[g])
    unassigned_h = float((p.need * p.hours).sum() - p.hours[g].sum())
    short_h = float(np.maximum(p.min_hours() - hours, 0.0).sum())
    return (WEIGHTS["unassigned_h"] * unassigned_h + WEIGHTS["short_h"] * short_h
            + WEIGHTS["fairness"] * (late.max() + weekend.max()))


def _median_starts(p: _Problem, z: np.ndarray) -> np.ndarray:
    """(agents, weeks): the median start hour of each agent's week in ``z`` (NaN: none)."""
    on = z > 0.5
    frame = pd.DataFrame({"a": p.pa[on], "k": p.week_of_day[p.day[p.pg[on]]],
                          "t": p.start_h[p.pg[on]]})
    out = np.full((p.n_agents, len(p.week_monday)), np.nan)
    med = frame.groupby(["a", "k"])["t"].median()
    if len(med):
        out[med.index.get_level_values(0), med.index.get_level_values(1)] = med.to_numpy()
    return out


def _solve_milp(p: _Problem, time_limit_s: float, gap: float, anchor: np.ndarray):
    """The programme of the module docstring; ``(z, status)``, ``z`` None when HiGHS found
    no solution. ``anchor`` (agents, weeks): start hours (from the greedy assignment) that
    each shift's distance from costs ``WEIGHTS["start_h"]`` per hour, the programme's
    linear stand-in for regular start times; NaN: none."""
    A, G, K = p.n_agents, len(p.groups), len(p.week_monday)
    pa, pg = p.pa, p.pg
    nz = len(pa)
    ro = p.roster
    cons = ro["consecutive_days_off"].to_numpy()
    iz, iv = 0, nz
    is_ = iv + G
    iL = is_ + A * K
    iW = iL + 1
    iq = n = iW + 1                 # then the days-on pattern variables, as they come
    patterns: dict = {}
    R = _Rows()
    by_g = np.argsort(pg, kind="stable")
    cuts = np.searchsorted(pg[by_g], np.arange(G + 1))
    for g in range(G):
        ks = by_g[cuts[g]:cuts[g + 1]]
        R.add([*(iz + ks).tolist(), iv + g], [1.0] * (len(ks) + 1), p.need[g], p.need[g])
    mn, mx = p.min_hours(), p.max_hours()
    a_cuts = np.searchsorted(pa, np.arange(A + 1))
    g_day, g_week = p.day, p.week_of_day[p.day]
    first_wd = int(p.first_day.day_of_week)
    for a in range(A):
        ks = np.arange(a_cuts[a], a_cuts[a + 1])
        gs = pg[ks]
        days = g_day[gs]
        by_day = {int(d): ks[days == d] for d in np.unique(days)}
        for sel in by_day.values():
            if len(sel) > 1:
                R.add((iz + sel).tolist(), [1.0] * len(sel), -np.inf, 1.0)
        for k in range(K):
            sel = ks[g_week[gs] == k]
            s_col = is_ + a * K + k
            R.add((iz + sel).tolist() + [s_col], p.hours[pg[sel]].tolist() + [1.0],
                  mn[a, k], np.inf)
            if len(sel) and p.hours[pg[sel]].sum() > mx[a, k]:
                R.add((iz + sel).tolist(), p.hours[pg[sel]].tolist(), -np.inf, mx[a, k])
            # days off: one days-on pattern y_akp a week, w_ad <= sum_{p on d} y_akp
            week_days = [d for d in by_day if p.week_of_day[d] == k]
            on = 7 - int(ro["days_off"].iloc[a])
            if len(week_days) > on or (cons[a] and len(week_days) > 1):
                days = np.flatnonzero(p.week_of_day == k)
                key = (on, bool(cons[a]), k)
                if key not in patterns:
                    patterns[key] = _patterns(on, bool(cons[a]), (first_wd + days) % 7)
                pats = patterns[key]
                cols = list(range(n, n + len(pats)))
                n += len(pats)
                R.add(cols, [1.0] * len(cols), -np.inf, 1.0)
                for d in week_days:
                    sel_d = by_day[d]
                    using = [c for c, pat in zip(cols, pats[:, d - days[0]], strict=True) if pat]
                    R.add((iz + sel_d).tolist() + using,
                          [1.0] * len(sel_d) + [-1.0] * len(using), -np.inf, 0.0)
        m = int(ro["max_days_in_row"].iloc[a])
        for d0 in range(p.n_days - m):
            window = [d for d in range(d0, d0 + m + 1) if d in by_day]
            if len(window) > m:
                sel = np.concatenate([by_day[d] for d in window])
                R.add((iz + sel).tolist(), [1.0] * len(sel), -np.inf, m)
        _rest_rows(R, p, a, by_day, iz)
        sl = ks[p.late[gs]]
        if len(sl):
            R.add((iz + sl).tolist() + [iL], [1.0] * len(sl) + [-1.0], -np.inf, 0.0)
        sw = ks[p.weekend[gs]]
        if len(sw):
            R.add((iz + sw).tolist() + [iW], [1.0] * len(sw) + [-1.0], -np.inf, 0.0)
    c = np.zeros(n)
    c[iv:iv + G] = WEIGHTS["unassigned_h"] * p.hours
    c[is_:iL] = WEIGHTS["short_h"]
    c[iL] = c[iW] = WEIGHTS["fairness"]
    dist = np.abs(p.start_h[pg] - anchor[pa, p.week_of_day[p.day[pg]]])
    c[iz:iz + nz] = WEIGHTS["start_h"] * np.nan_to_num(dist, nan=0.0)
    integ = np.zeros(n)
    integ[iz:iz + nz] = 1
    integ[iv:iv + G] = 1
    integ[iq:n] = 1
    lb, ub = np.zeros(n), np.full(n, np.inf)
    ub[iz:iz + nz] = 1
    ub[iq:n] = 1
    res = milp(c, integrality=integ, bounds=Bounds(lb, ub),
               constraints=[LinearConstraint(R.matrix(n), R.lo, R.hi)],
               options={"disp": False, "time_limit": time_limit_s, "mip_rel_gap": gap})
    if res.x is None:
        return None, res.message.strip()
    z = np.rint(res.x[iz:iz + nz])
    achieved = getattr(res, "mip_gap", None)
    achieved = 0.0 if achieved is None or not np.isfinite(achieved) else float(achieved)
    if res.status == 0:
        status = "optimal" if achieved <= 1e-9 else f"optimal within gap {achieved:.2g}"
    else:
        status = f"stopped at gap {achieved:.2g}: {res.message.strip()}"
    return z, status


def _rest_rows(R: _Rows, p: _Problem, a: int, by_day: dict, iz: int) -> None:
    """Rest cliques of agent ``a``: for day ``d``, a later day ``d2`` and an end time ``e``
    of day ``d``, the shifts of ``d`` ending at ``e`` or later and those of ``d2`` starting
    before ``e + rest`` are pairwise too close; each day has at most one of them."""
    rest = 60.0 * float(p.roster["min_rest_h"].iloc[a])
    if rest <= 0:
        return
    days = sorted(by_day)
    for i, d in enumerate(days):
        ks = by_day[d]
        ends = p.end_abs[p.pg[ks]]
        for d2 in days[i + 1:]:
            ks2 = by_day[d2]
            starts = p.start_abs[p.pg[ks2]]
            if 1440 * d2 - ends.max() >= rest:
                break           # every start of d2 and later days is far enough
            if starts.min() - ends.max() >= rest:
                continue
            seen = set()
            for e in np.unique(ends)[::-1]:
                left = ks[ends >= e]
                right = ks2[starts < e + rest]
                if not len(right) or (len(left), len(right)) in seen:
                    continue
                seen.add((len(left), len(right)))
                sel = np.concatenate([left, right])
                R.add((iz + sel).tolist(), [1.0] * len(sel), -np.inf, 1.0)


def _greedy(p: _Problem) -> np.ndarray:
    """Large rosters: day by day in time order, the shifts with the fewest eligible agents
    first (then the longest), each to an eligible agent for whom it breaks no hard rule
    (available, free that day, under the weekly maximum, days off still possible,
    consecutive days off still possible, enough rest since the last shift, not too many
    days in a row); among them the one most hours short of the weekly minimum, then with
    the start time nearest her week's first start, the fewest late shifts (for a late
    shift) or weekend days (for a weekend shift), the fewest shift groups she could work
    (keep flexible agents for later). Fast (shifts x agents), not proven optimal."""
    A, G, K = p.n_agents, len(p.groups), len(p.week_monday)
    ro = p.roster
    pair_id = np.full((G, A), -1, dtype=np.int64)
    pair_id[p.pg, p.pa] = np.arange(len(p.pa))
    eligible = pair_id >= 0
    flex = eligible.sum(axis=0)
    mn, mx = p.min_hours(), p.max_hours()
    days_on = 7 - ro["days_off"].to_numpy()
    cons = ro["consecutive_days_off"].to_numpy()
    rest_min = 60.0 * ro["min_rest_h"].to_numpy(dtype=float)
    max_row = ro["max_days_in_row"].to_numpy()
    prev_end = np.full(A, -np.inf)
    run = np.zeros(A, dtype=np.int64)
    worked_days = np.zeros((A, K), dtype=np.int64)
    hours_w = np.zeros((A, K))
    n_late = np.zeros(A)
    n_weekend = np.zeros(A)
    anchor = np.full(A, np.nan)
    off_past = np.zeros((A, 7), dtype=bool)
    z = np.zeros(len(p.pa))
    first_wd = int(p.first_day.day_of_week)
    n_elig = eligible.sum(axis=1)
    allowed = _day_patterns(p)
    week = -1
    for d in range(p.n_days):
        wd, k = (first_wd + d) % 7, int(p.week_of_day[d])
        if k != week:
            week = k
            off_past[:] = False
            off_past[:, :wd] = True             # days of the week before the horizon
            anchor[:] = np.nan
        future = np.arange(7) > wd
        offable = off_past | future[None, :]
        offable[:, wd] = False
        pair_ok = (offable & np.roll(offable, -1, axis=1)).any(axis=1) | ~cons
        can_today = (allowed[:, d] & (worked_days[:, k] < days_on) & pair_ok
                     & (run < max_row))
        busy = np.zeros(A, dtype=bool)
        end_today = np.full(A, -np.inf)
        todays = np.flatnonzero(p.day == d)
        for g in todays[np.lexsort((-p.hours[todays], n_elig[todays]))]:
            for _ in range(int(p.need[g])):
                ok = (eligible[g] & can_today & ~busy
                      & (hours_w[:, k] + p.hours[g] <= mx[:, k] + 1e-9)
                      & (p.start_abs[g] - prev_end >= rest_min - 1e-9))
                if not ok.any():
                    break
                cand = np.flatnonzero(ok)
                deficit = np.maximum(mn[cand, k] - hours_w[cand, k], 0.0)
                dist = np.abs(p.start_h[g] - anchor[cand])
                dist = np.where(np.isnan(dist), 0.0, np.round(dist))
                key = np.lexsort((cand, flex[cand],
                                  n_weekend[cand] if p.weekend[g] else np.zeros(len(cand)),
                                  n_late[cand] if p.late[g] else np.zeros(len(cand)),
                                  dist, -np.round(deficit)))
                a = cand[key[0]]
                z[pair_id[g, a]] = 1
                busy[a] = True
                end_today[a] = p.end_abs[g]
                hours_w[a, k] += p.hours[g]
                n_late[a] += p.late[g]
                n_weekend[a] += p.weekend[g]
                if np.isnan(anchor[a]):
                    anchor[a] = p.start_h[g]
        worked_days[busy, k] += 1
        run = np.where(busy, run + 1, 0)
        prev_end = np.where(busy, end_today, prev_end)
        off_past[:, wd] = ~busy
    return z


def _day_patterns(p: _Problem) -> np.ndarray:
    """For the greedy: the days each agent may work, ``(agents, days)``, chosen week by week
    before any shift is given out, so that days off fall where the schedule has the fewest
    shifts (otherwise agents use up their working days early in the week and the weekend
    goes unstaffed). Each agent in turn (the fewest eligible days first) takes the allowed
    set of working days (``7 - days_off`` of them, days off in a row if required, only days
    with a shift she may work) with the most shifts still without an agent; those days'
    counts then drop by one."""
    A, K = p.n_agents, len(p.week_monday)
    ro = p.roster
    first_wd = int(p.first_day.day_of_week)
    has = np.zeros((A, p.n_days), dtype=bool)
    has[p.pa, p.day[p.pg]] = True
    allowed = np.zeros((A, p.n_days), dtype=bool)
    demand = np.bincount(p.day, weights=p.need, minlength=p.n_days).astype(float)
    hours_day = np.bincount(p.day, weights=p.need * p.hours, minlength=p.n_days)
    cache: dict = {}
    for k in range(K):
        days = np.flatnonzero(p.week_of_day == k)
        wds = (first_wd + days) % 7
        residual = demand[days].copy()
        tie = hours_day[days] / max(hours_day.max(), 1.0) * 1e-3
        order = np.lexsort((np.arange(A), has[:, days].sum(axis=1)))
        for a in order:
            on = 7 - int(ro["days_off"].iloc[a])
            cons = bool(ro["consecutive_days_off"].iloc[a])
            key = (on, cons, tuple(wds))
            if key not in cache:
                cache[key] = _patterns(on, cons, wds)
            pats = cache[key] & has[a, days][None, :]
            if not pats.size:
                continue
            score = pats @ (np.maximum(residual, 0.0) + tie)
            best = pats[int(np.argmax(score))]
            allowed[a, days[best]] = True
            residual -= best
    return allowed


def _patterns(on: int, consecutive: bool, wds: np.ndarray) -> np.ndarray:
    """Every set of at most ``on`` working days among the weekdays ``wds`` (the week's days
    inside the horizon; the others count as off), with two days off in a row (cyclically)
    when ``consecutive``; as boolean rows over ``wds``. Only maximal sets are kept."""
    import itertools

    n = len(wds)
    out = []
    for size in range(min(on, n), -1, -1):
        for combo in itertools.combinations(range(n), size):
            work = np.zeros(7, dtype=bool)
            work[wds[list(combo)]] = True
            if consecutive and not (~work & np.roll(~work, -1)).any():
                continue
            row = np.zeros(n, dtype=bool)
            row[list(combo)] = True
            out.append(row)
        if out:
            break
    return np.array(out, dtype=bool).reshape(-1, n)


def _polish_starts(p: _Problem, z: np.ndarray, passes: int = 2) -> np.ndarray:
    """Start-time consistency after the assignment: day by day, the shifts of one paid length
    are permuted among the agents who hold them (a linear assignment, scipy's
    ``linear_sum_assignment``) to minimise the distance of each start from the agent's
    median start in the rest of her week. Hours, days worked, weekend days, unassigned
    shifts are unchanged; availability, rest to the neighbouring shifts and the most late
    shifts of any agent are kept, so every hard rule and the programme's objective terms
    stay as they were."""
    A, G = p.n_agents, len(p.groups)
    if not len(z) or not (z > 0.5).any():
        return z
    pair_id = np.full((G, A), -1, dtype=np.int64)
    pair_id[p.pg, p.pa] = np.arange(len(p.pa))
    on = np.flatnonzero(z > 0.5)
    day_group = np.full((A, p.n_days), -1, dtype=np.int64)
    day_group[p.pa[on], p.day[p.pg[on]]] = p.pg[on]
    rest = 60.0 * p.roster["min_rest_h"].to_numpy(dtype=float)
    late_f = p.late.astype(float)
    late_n = np.zeros(A)
    np.add.at(late_n, p.pa[on], late_f[p.pg[on]])
    late_max = late_n.max()
    start_h = np.append(p.start_h, np.nan)        # index -1: no shift that day
    for _ in range(passes):
        changed = False
        for d in range(p.n_days):
            holders = np.flatnonzero(day_group[:, d] >= 0)
            if len(holders) < 2:
                continue
            k = p.week_of_day[d]
            week_days = np.flatnonzero(p.week_of_day == k)
            others = [e for e in week_days if e != d]
            median = np.full(len(holders), np.nan)
            if others:
                with warnings.catch_warnings():     # an agent off all other days: NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    median = np.nanmedian(start_h[day_group[holders][:, others]], axis=1)
            prev_end = np.full(len(holders), -np.inf)
            next_start = np.full(len(holders), np.inf)
            for i, a in enumerate(holders):
                before = np.flatnonzero(day_group[a, :d] >= 0)
                after = np.flatnonzero(day_group[a, d + 1:] >= 0)
                if len(before):
                    prev_end[i] = p.end_abs[day_group[a, before[-1]]]
                if len(after):
                    next_start[i] = p.start_abs[day_group[a, d + 1 + after[0]]]
            held = day_group[holders, d]
            for h in np.unique(p.hours[held]):
                sel = np.flatnonzero(p.hours[held] == h)
                if len(sel) < 2:
                    continue
                target = np.where(np.isnan(median[sel]), start_h[held[sel]], median[sel])
                order = sel[np.argsort(target, kind="stable")]
                for block in np.array_split(order, -(-len(order) // _POLISH_BLOCK)):
                    changed |= _permute_block(p, block, holders, held, median, prev_end,
                                              next_start, rest, late_n, late_max, late_f,
                                              start_h, pair_id, day_group, d)
        if not changed:
            break
    out = np.zeros(len(p.pa))
    a_idx, d_idx = np.nonzero(day_group >= 0)
    out[pair_id[day_group[a_idx, d_idx], a_idx]] = 1
    return out


#: Largest group permuted in one linear assignment by :func:`_polish_starts` (bigger ones
#: are cut into blocks of agents with neighbouring target starts: the cost is O(n^3)).
_POLISH_BLOCK = 300


def _permute_block(p, sel, holders, held, median, prev_end, next_start, rest, late_n,
                   late_max, late_f, start_h, pair_id, day_group, d) -> bool:
    """One linear assignment of :func:`_polish_starts`: the shifts ``held[sel]`` among
    their holders ``holders[sel]`` on day ``d``; True when it changed anything."""
    if len(sel) < 2:
        return False
    ag, gs = holders[sel], held[sel]
    target = np.where(np.isnan(median[sel]), start_h[gs], median[sel])
    cost = np.abs(start_h[gs][None, :] - target[:, None])
    cost += 1e-3 * np.abs(start_h[gs][None, :] - start_h[gs][:, None])
    bad = ((pair_id[gs][:, ag].T < 0)
           | (p.start_abs[gs][None, :] - prev_end[sel][:, None]
              < rest[ag][:, None] - 1e-9)
           | (next_start[sel][:, None] - p.end_abs[gs][None, :]
              < rest[ag][:, None] - 1e-9)
           | ((late_n[ag] - late_f[gs])[:, None] + late_f[gs][None, :]
              > late_max))
    cost[bad] = 1e6
    rows, cols = linear_sum_assignment(cost)
    if cost[rows, cols].sum() >= np.trace(cost) - 1e-9:
        return False
    if (cost[rows, cols] >= 1e6).any():
        raise RuntimeError("start-time polish broke a rule")   # a bug
    new = gs[cols]
    late_n[ag] += late_f[new] - late_f[gs]
    day_group[ag, d] = new
    return True


def _finish(sh: pd.DataFrame, p: _Problem, z: np.ndarray, status: str, late_min: int,
            t0: float):
    G = len(p.groups)
    # expand: each group's agent-shift rows (break variants in order) to its agents
    who = [[] for _ in range(G)]
    for k in np.flatnonzero(z > 0.5):
        who[p.pg[k]].append(p.roster["agent"].iloc[p.pa[k]])
    rows_out = []
    gindex = {k: i for i, k in enumerate(p.groups[p.gkeys].itertuples(index=False, name=None))}
    taken = [0] * G
    for rec in sh.to_dict("records"):
        g = gindex[tuple(rec[k] for k in p.gkeys)]
        for _ in range(int(rec["agents"])):
            i = taken[g]
            taken[g] += 1
            rows_out.append({**rec, "agents": 1,
                             "agent": who[g][i] if i < len(who[g]) else ""})
    agent_shifts = pd.DataFrame(rows_out, columns=[*sh.columns, "agent"])
    agent_shifts["agents"] = agent_shifts["agents"].astype(np.int64)
    for col in ("start", "end"):
        agent_shifts[col] = pd.to_datetime(agent_shifts[col])
    fairness = _fairness(agent_shifts, p, late_min)
    assigned = agent_shifts["agent"] != ""
    summary = {
        "unassigned_shifts": int((~assigned).sum()),
        "late_shifts_min": int(fairness["late_shifts"].min()),
        "late_shifts_max": int(fairness["late_shifts"].max()),
        "weekend_days_min": int(fairness["weekend_days"].min()),
        "weekend_days_max": int(fairness["weekend_days"].max()),
        "hours_short": float(fairness["hours_short"].sum()),
        "agents_inside_contract": int(fairness["inside_contract"].sum()),
        "agents_short": int((fairness["hours_short"] > 0).sum()),
        "start_spread_h_mean": float(fairness["start_spread_h"].mean()),
        "roster_status": status,
        "roster_time_s": time.perf_counter() - t0,
    }
    return agent_shifts, fairness, summary


def _week_index(p: _Problem, starts: pd.Series) -> np.ndarray:
    days = ((starts.dt.normalize() - p.first_day).dt.days).to_numpy(dtype=int)
    return p.week_of_day[days]


def _fairness(agent_shifts: pd.DataFrame, p: _Problem, late_min: int) -> pd.DataFrame:
    """One row per agent, every number recounted from the assigned shifts."""
    ro = p.roster
    s = agent_shifts[agent_shifts["agent"] != ""]
    day_start = s["start"].dt.normalize()
    end_min = (s["end"] - day_start) / pd.Timedelta(minutes=1)
    per = pd.DataFrame({
        "agent": s["agent"], "shifts": 1, "paid_hours": s["paid_hours"],
        "late_shifts": (end_min > late_min).astype(int),
        "weekend_days": (s["start"].dt.day_of_week >= 5).astype(int)})
    tot = per.groupby("agent").sum()
    out = ro[["agent", "min_hours", "max_hours"]].merge(tot, left_on="agent",
                                                        right_index=True, how="left")
    for col in ("shifts", "late_shifts", "weekend_days"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out["paid_hours"] = out["paid_hours"].fillna(0.0)
    K = len(p.week_monday)
    idx = {name: i for i, name in enumerate(ro["agent"])}
    A = len(ro)
    hours_wk = np.zeros((A, K))
    days_wk = np.zeros((A, K), dtype=np.int64)
    days_worked = np.zeros(A, dtype=np.int64)
    longest_run = np.zeros(A, dtype=np.int64)
    min_rest = np.full(A, np.nan)
    spread = np.zeros(A)
    if len(s):
        wk = _week_index(p, s["start"])
        ai = s["agent"].map(idx).to_numpy()
        np.add.at(hours_wk, (ai, wk), s["paid_hours"].to_numpy(float))
        start_h = ((s["start"] - day_start) / pd.Timedelta(hours=1)).to_numpy()
        day = ((day_start - p.first_day).dt.days).to_numpy(dtype=int)
        worked = np.zeros((A, p.n_days), dtype=bool)
        worked[ai, day] = True
        days_worked = worked.sum(axis=1)
        for k in range(K):
            days_wk[:, k] = worked[:, p.week_of_day == k].sum(axis=1)
        run = np.zeros(A, dtype=np.int64)
        for d in range(p.n_days):
            run = np.where(worked[:, d], run + 1, 0)
            longest_run = np.maximum(longest_run, run)
        start_min = ((s["start"] - p.first_day) / pd.Timedelta(minutes=1)).to_numpy()
        end_min = ((s["end"] - p.first_day) / pd.Timedelta(minutes=1)).to_numpy()
        order = np.lexsort((start_min, ai))
        same = ai[order][1:] == ai[order][:-1]
        gaps_h = (start_min[order][1:] - end_min[order][:-1]) / 60.0
        rest = np.full(A, np.inf)
        np.minimum.at(rest, ai[order][1:][same], gaps_h[same])
        min_rest = np.where(np.isfinite(rest), rest, np.nan)
        hi, lo = np.full((A, K), -np.inf), np.full((A, K), np.inf)
        np.maximum.at(hi, (ai, wk), start_h)
        np.minimum.at(lo, (ai, wk), start_h)
        spread = np.where(np.isfinite(hi), hi - lo, 0.0).max(axis=1)
    mn, mx = p.min_hours(), p.max_hours()
    short_wk = np.maximum(mn - hours_wk, 0.0)
    short_wk[short_wk < 1e-9] = 0.0
    out["hours_short"] = np.round(short_wk.sum(axis=1), 6)
    out["days_worked"] = days_worked
    out["days_off_min"] = (7 - days_wk).min(axis=1)
    out["max_days_in_row"] = longest_run
    out["min_rest_h"] = np.round(min_rest, 6)
    out["start_spread_h"] = np.round(spread, 6)
    out["inside_contract"] = ((hours_wk >= mn - 1e-9) & (hours_wk <= mx + 1e-9)).all(axis=1)
    out["short_reason"] = _short_reasons(p, short_wk)
    return out[FAIRNESS_COLUMNS].reset_index(drop=True)


def _short_reasons(p: _Problem, short_wk: np.ndarray) -> list[str]:
    """Why an agent is short, for the first week she is: when even the longest shift she may
    take on each of her allowed working days would not reach the minimum, her availability
    and days off are the cause; otherwise the schedule's shifts went to others or do not
    combine into her contract under the rules."""
    ro = p.roster
    reasons = [""] * len(ro)
    a_cuts = np.searchsorted(p.pa, np.arange(len(ro) + 1))
    for a, k in zip(*np.nonzero(short_wk > 0), strict=True):
        if reasons[a]:
            continue
        gs = p.pg[a_cuts[a]:a_cuts[a + 1]]
        gs = gs[p.week_of_day[p.day[gs]] == k]
        best = pd.Series(p.hours[gs]).groupby(p.day[gs]).max().sort_values(ascending=False)
        on = 7 - int(ro["days_off"].iloc[a])
        reach = min(float(best.iloc[:on].sum()), float(ro["max_hours"].iloc[a]))
        need = ro["min_hours"].iloc[a] * p.week_share[k]
        week = pd.Timestamp(p.week_monday[k]).strftime("%Y-%m-%d")
        if reach < need - 1e-9:
            reasons[a] = (f"week of {week}: the longest shifts she may take (availability), "
                          f"one a day with {7 - on} days off, give at most {reach:g} h")
        else:
            reasons[a] = (f"week of {week}: the shifts that fit went to other agents or do "
                          "not add up to the contract under the rules (one shift a day, "
                          "days off, rest, days in a row)")
    return reasons


def shortfall_lines(fairness: pd.DataFrame) -> list[str]:
    """One line per agent outside the contract: hours worked, the contract, what is short
    and why (``short_reason``)."""
    f = fairness[fairness["hours_short"] > 0]
    return [f"{r.agent}: {r.paid_hours:g} h worked, contract {r.min_hours:g}-{r.max_hours:g} h "
            f"a week, {r.hours_short:g} h short ({r.short_reason})"
            for r in f.itertuples(index=False)]
