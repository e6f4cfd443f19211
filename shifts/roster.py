"""Roster assignment: the planned shifts to named agents, with a fairness report.

Roster file (CSV), one row per agent:

* ``agent``: a unique name;
* ``min_hours``, ``max_hours``: contracted paid hours per calendar week (Monday-Sunday),
  0 <= min <= max; in a week the plan's horizon (first to last day with shifts) cuts, the
  minimum counts pro rata to the days of the week inside the horizon, the maximum in full
  (a one-day or Monday-to-Friday plan may still give a 40-hour agent her 8-hour shifts);
* ``mon`` ... ``sun`` (each optional; a missing column = available all day): the hours the
  agent can work that weekday, ``"HH:MM-HH:MM"``, or ``off`` / empty for not at all.

Model (an assignment integer programme, HiGHS): ``z_ag`` = 1 when agent ``a`` works a shift
of group ``g`` (the shifts of one day with the same start, end and type; break times do not
matter to who works them), only for agents available for the whole shift that day::

    sum_a z_ag + v_g = n_g                      every shift staffed, v_g unassigned
    sum_{g on day d} z_ag <= 1                   one shift a day
    sum_{g in week k} h_g z_ag <= max_hours_a    contract, hard
    sum_{g in week k} h_g z_ag + s_ak >= min_hours_a     shortfall s_ak, penalised
    sum_{g late} z_ag <= L,  sum_{g on Sat/Sun} z_ag <= W      fairness (minimax)

Objective, lexicographic by weights: unassigned paid hours (x 10^4), contract shortfall
hours (x 10^2), then ``L + W`` (the most late shifts and the most weekend days any agent
gets), then total shortfall. A shift is *late* when it ends after ``late_end``
(default 19:00). Unassigned shifts and shortfalls are reported, never dropped. Above
:data:`MAX_EXACT_PAIRS` (agent, group) pairs a greedy rule replaces the programme (a bench
week at 1x volume, 520 agents: the programme hit 60 s without a proof) and the status
says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from shifts.rules import WEEKDAYS, _parse_hours
from wfmcore import InputError

#: Above this many (agent, shift group) pairs the assignment is greedy (:func:`_greedy`):
#: HiGHS needs minutes for the exact programme at several hundred agents.
MAX_EXACT_PAIRS = 20_000

FAIRNESS_COLUMNS = ["agent", "shifts", "paid_hours", "min_hours", "max_hours",
                    "late_shifts", "weekend_days", "hours_short"]


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


def check_roster(roster: RosterFile | pd.DataFrame, source: str = "roster") -> pd.DataFrame:
    """Validate a roster (read by :func:`read_roster`, or a frame); return it with
    ``min_hours`` / ``max_hours`` as floats and one column per weekday holding
    ``(open_min, close_min)`` or ``None``."""
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
    return out.reset_index(drop=True)


def assign(shifts: pd.DataFrame, roster: pd.DataFrame, *, late_end: str = "19:00",
           time_limit_s: float = 60.0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Assign the shifts (``ScheduleResult.shifts``) to the agents of a checked roster.

    Returns ``(agent_shifts, fairness, summary)``: the shifts with one row per agent-shift
    (``agents`` = 1) and an ``agent`` column (empty for a shift nobody could take);
    one fairness row per agent (:data:`FAIRNESS_COLUMNS`); and totals
    ``unassigned_shifts``, ``late_shifts_min``/``_max``, ``weekend_days_min``/``_max``,
    ``hours_short``, ``roster_status``, ``roster_time_s``.
    """
    t0 = time.perf_counter()
    lh, lm = (int(v) for v in late_end.split(":"))
    late_min = lh * 60 + lm
    sh = shifts.reset_index(drop=True)
    gkeys = [c for c in ("queue",) if c in sh.columns] + ["start", "end", "shift_type"]
    groups = sh.groupby(gkeys, sort=True)["agents"].sum().reset_index()
    G, A = len(groups), len(roster)
    start, end = groups["start"], groups["end"]
    g_date = start.dt.normalize()
    g_wd = start.dt.day_of_week.to_numpy()
    g_s = (start.dt.hour * 60 + start.dt.minute).to_numpy()
    g_e = ((end - g_date) / pd.Timedelta(minutes=1)).to_numpy()
    hours = (sh.groupby(gkeys, sort=True)["paid_hours"].first()).to_numpy(dtype=float)
    late = g_e > late_min
    weekend = g_wd >= 5
    week = (g_date - pd.to_timedelta(g_wd, unit="D")).to_numpy()
    pairs_a, pairs_g = [], []
    for a in range(A):
        row = roster.iloc[a]
        for g in range(G):
            h = row[WEEKDAYS[g_wd[g]]]
            if h is not None and h[0] <= g_s[g] and g_e[g] <= h[1]:
                pairs_a.append(a)
                pairs_g.append(g)
    pa, pg = np.asarray(pairs_a, dtype=int), np.asarray(pairs_g, dtype=int)
    nz = len(pa)
    weeks = np.unique(week)
    first, last = g_date.min(), g_date.max()
    days_in_plan = {w: sum(first <= pd.Timestamp(w) + pd.Timedelta(days=k) <= last
                           for k in range(7)) for w in weeks}
    nv, ns = G, A * len(weeks)
    iz, iv, is_, iL, iW = 0, nz, nz + nv, nz + nv + ns, nz + nv + ns + 1
    n = iW + 1
    dates = g_date.to_numpy()
    if nz > MAX_EXACT_PAIRS:  # decided before the programme is built: it would be thrown away
        z, status = _greedy(groups["agents"].to_numpy(), hours, late, weekend,
                            dates, week, pa, pg, roster, days_in_plan, A, G)
        return _finish(sh, gkeys, groups, roster, pa, pg, z, status, late_min, None, is_,
                       len(weeks), t0)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(rc, lo_, hi_):
        nonlocal r
        for c, v in rc:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(lo_)
        hi.append(hi_)
        r += 1

    by_g = [[] for _ in range(G)]
    for k, g in enumerate(pg):
        by_g[g].append(k)
    for g in range(G):
        add([(iz + k, 1.0) for k in by_g[g]] + [(iv + g, 1.0)], groups["agents"].iloc[g],
            groups["agents"].iloc[g])
    by_a = [[] for _ in range(A)]
    for k, a in enumerate(pa):
        by_a[a].append(k)
    for a in range(A):
        ks = np.asarray(by_a[a], dtype=int)
        gs = pg[ks]
        for d in np.unique(dates[gs]):
            sel = ks[dates[gs] == d]
            if len(sel) > 1:
                add([(iz + k, 1.0) for k in sel], -np.inf, 1.0)
        for wi, w in enumerate(weeks):
            share = days_in_plan[w] / 7.0
            sel = ks[week[gs] == w]
            terms = [(iz + k, hours[pg[k]]) for k in sel]
            mx = roster["max_hours"].iloc[a]
            mn = roster["min_hours"].iloc[a] * (1.0 if share >= 1 else share)
            if terms:
                add(terms, -np.inf, mx)
            add(terms + [(is_ + a * len(weeks) + wi, 1.0)], mn, np.inf)
        sl = ks[late[gs]]
        if len(sl):
            add([(iz + k, 1.0) for k in sl] + [(iL, -1.0)], -np.inf, 0.0)
        sw = ks[weekend[gs]]
        if len(sw):
            add([(iz + k, 1.0) for k in sw] + [(iW, -1.0)], -np.inf, 0.0)
    c = np.zeros(n)
    c[iv:iv + nv] = 1e4 * hours
    c[is_:is_ + ns] = 1e2 + 1e-3
    c[iL] = c[iW] = 1.0
    integ = np.zeros(n)
    integ[iz:iz + nz] = 1
    integ[iv:iv + nv] = 1
    ub = np.full(n, np.inf)
    ub[iz:iz + nz] = 1
    A_ = sparse.csr_array((vals, (rows, cols)), shape=(r, n))
    res = milp(c, integrality=integ, bounds=Bounds(np.zeros(n), ub),
               constraints=[LinearConstraint(A_, lo, hi)],
               options={"disp": False, "time_limit": time_limit_s, "mip_rel_gap": 1e-4})
    if res.x is None:
        z = np.zeros(nz)
        status = f"no assignment found: {res.message.strip()}"
    else:
        z = np.rint(res.x[iz:iz + nz])
        status = "optimal" if res.status == 0 else f"stopped: {res.message.strip()}"
    return _finish(sh, gkeys, groups, roster, pa, pg, z, status, late_min, res.x, is_,
                   len(weeks), t0)


def _greedy(need, hours, late, weekend, dates, week, pa, pg, roster, days_in_plan, A, G):
    """Large rosters: day by day, the shifts with the fewest eligible agents first, each to
    the eligible agent (available, free that day, under the weekly maximum) who could work
    the fewest shift groups (keep flexible agents for later), then with the fewest late
    shifts (for a late shift) or weekend days (for a weekend shift), the most hours short
    of the minimum, the fewest hours. Fast (shifts x agents), not proven optimal."""
    eligible = np.zeros((G, A), dtype=bool)
    eligible[pg, pa] = True
    pair_index = {(int(g), int(a)): k for k, (a, g) in enumerate(zip(pa, pg, strict=True))}
    weeks = list(days_in_plan)
    wix = {w: i for i, w in enumerate(weeks)}
    share = np.array([min(days_in_plan[w] / 7.0, 1.0) for w in weeks])
    mx = roster["max_hours"].to_numpy()[:, None] * np.ones_like(share)[None, :]
    mn = roster["min_hours"].to_numpy()[:, None] * share[None, :]
    worked = np.zeros((A, len(weeks)))
    n_late = np.zeros(A)
    n_weekend = np.zeros(A)
    busy: dict = {}
    z = np.zeros(len(pa))
    flex = eligible.sum(axis=0)                     # groups each agent could work
    order = np.lexsort((np.arange(G), eligible.sum(axis=1), dates))
    for g in order:
        wi = wix[week[g]]
        day_busy = busy.setdefault(dates[g], np.zeros(A, dtype=bool))
        for _ in range(int(need[g])):
            ok = eligible[g] & ~day_busy & (worked[:, wi] + hours[g] <= mx[:, wi] + 1e-9)
            if not ok.any():
                break
            cand = np.flatnonzero(ok)
            key = np.lexsort((worked[cand, wi], -(mn[cand, wi] - worked[cand, wi]),
                              n_weekend[cand] if weekend[g] else np.zeros(len(cand)),
                              n_late[cand] if late[g] else np.zeros(len(cand)),
                              flex[cand]))
            a = cand[key[0]]
            z[pair_index[(int(g), int(a))]] = 1
            day_busy[a] = True
            worked[a, wi] += hours[g]
            n_late[a] += late[g]
            n_weekend[a] += weekend[g]
    return z, "greedy (large roster; not proven optimal)"


def _finish(sh, gkeys, groups, roster, pa, pg, z, status, late_min, x, is_, n_weeks, t0):
    G = len(groups)
    # expand: each group's agent-shift rows (break variants in order) to its agents
    who = [[] for _ in range(G)]
    for k in np.flatnonzero(z > 0):
        who[pg[k]].append(roster["agent"].iloc[pa[k]])
    rows_out = []
    gindex = {k: i for i, k in enumerate(groups[gkeys].itertuples(index=False, name=None))}
    taken = [0] * G
    for rec in sh.to_dict("records"):
        g = gindex[tuple(rec[k] for k in gkeys)]
        for _ in range(int(rec["agents"])):
            i = taken[g]
            taken[g] += 1
            rows_out.append({**rec, "agents": 1,
                             "agent": who[g][i] if i < len(who[g]) else ""})
    agent_shifts = pd.DataFrame(rows_out, columns=[*sh.columns, "agent"])
    agent_shifts["agents"] = agent_shifts["agents"].astype(np.int64)
    fairness = _fairness(agent_shifts, roster, late_min, x, is_, n_weeks)
    if x is None:     # greedy: shortfall recomputed from the assignment
        fairness["hours_short"] = _shortfall(agent_shifts, roster)
    assigned = agent_shifts["agent"] != ""
    summary = {
        "unassigned_shifts": int((~assigned).sum()),
        "late_shifts_min": int(fairness["late_shifts"].min()),
        "late_shifts_max": int(fairness["late_shifts"].max()),
        "weekend_days_min": int(fairness["weekend_days"].min()),
        "weekend_days_max": int(fairness["weekend_days"].max()),
        "hours_short": float(fairness["hours_short"].sum()),
        "roster_status": status,
        "roster_time_s": time.perf_counter() - t0,
    }
    return agent_shifts, fairness, summary


def _shortfall(agent_shifts, roster) -> np.ndarray:
    """Contract hours short per agent, week by week (pro rata as in the model)."""
    s = agent_shifts[agent_shifts["agent"] != ""]
    all_days = agent_shifts["start"].dt.normalize()
    first, last = all_days.min(), all_days.max()
    monday = all_days - pd.to_timedelta(all_days.dt.day_of_week, unit="D")
    short = np.zeros(len(roster))
    for w in monday.unique():
        days = sum(first <= w + pd.Timedelta(days=k) <= last for k in range(7))
        share = min(days / 7.0, 1.0)
        in_week = s[(s["start"].dt.normalize() - pd.to_timedelta(
            s["start"].dt.day_of_week, unit="D")) == w]
        h = in_week.groupby("agent")["paid_hours"].sum()
        got = roster["agent"].map(h).fillna(0.0).to_numpy()
        short += np.maximum(roster["min_hours"].to_numpy() * share - got, 0.0)
    return np.round(short, 6)


def _fairness(agent_shifts, roster, late_min, x, is_, n_weeks) -> pd.DataFrame:
    s = agent_shifts[agent_shifts["agent"] != ""]
    end_min = (s["end"] - s["start"].dt.normalize()) / pd.Timedelta(minutes=1)
    per = pd.DataFrame({
        "agent": s["agent"], "shifts": 1, "paid_hours": s["paid_hours"],
        "late_shifts": (end_min > late_min).astype(int),
        "weekend_days": (s["start"].dt.day_of_week >= 5).astype(int)})
    tot = per.groupby("agent").sum()
    out = roster[["agent", "min_hours", "max_hours"]].merge(tot, left_on="agent",
                                                            right_index=True, how="left")
    for col in ("shifts", "late_shifts", "weekend_days"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out["paid_hours"] = out["paid_hours"].fillna(0.0)
    short = np.zeros(len(roster))
    if x is not None:
        short = x[is_:is_ + len(roster) * n_weeks].reshape(len(roster), n_weeks).sum(axis=1)
    out["hours_short"] = np.round(short, 6)
    return out[FAIRNESS_COLUMNS].reset_index(drop=True)
