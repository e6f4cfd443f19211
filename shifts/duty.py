"""The schedule's shifts as duty periods, for the agent-level service check.

A row of the shifts frame (``start``, ``end``, ``breaks`` as ``"HH:MM-HH:MM;..."``,
``agents`` identical agents) is ``agents`` agents, each on the phones for the shift minus
its breaks: a shift with two breaks is three periods (:func:`erlang.simulate.simulate_agents`
takes them as rows ``agent``, ``start_s``, ``end_s``, ``shift``).

Shrinkage in agent mode. The count check puts ``floor(scheduled x share)`` agents on the
phones in each interval (:mod:`shifts.check`). A roster can only leave whole agents out, so
the agent-level check treats shrinkage as agents off the phones for their whole shift
(absence, the largest part of shrinkage in most centres) and chooses *how many of each shift
row* stay so that the number on the phones per interval is as close as it can be to the
count check's: the integers ``0 <= x_g <= agents_g`` minimising the L1 distance
``sum_i |sum_g x_g c_gi - floor(scheduled_i x share)|`` (``c_gi`` = 1 when row ``g``'s
agents are on the phones for the whole interval ``i``, as ``scheduled`` counts the agents
working through the whole interval), a small integer programme solved exactly by HiGHS
(deterministic). The check calls it only when the share is below 1: with share 1 everyone
stays. On the test fixture (shrinkage 0.3, 48 intervals) the fit is off by 9 agent-intervals
in all, against 24 for a greedy one-agent-at-a-time removal. Within agents of a row, which
ones stay does not matter (they are identical).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from wfmcore.errors import InputError, InternalError

_BREAK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _clock_after(start: pd.Timestamp, hh: int, mm: int) -> pd.Timestamp:
    """The first time at or after ``start`` whose clock reads hh:mm (breaks of a shift that
    crosses midnight fall on the next day)."""
    t = start.normalize() + pd.Timedelta(hours=hh, minutes=mm)
    return t if t >= start else t + pd.Timedelta(days=1)


def shift_periods(shifts: pd.DataFrame) -> list[list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """On-phone periods of each row of a shifts frame (the shift minus its breaks), as
    (start, end) times; InputError naming the row for a break that cannot be read or lies
    outside its shift."""
    for col in ("start", "end", "agents"):
        if col not in shifts.columns:
            raise InputError(f"shifts: no column {col!r} (the schedule's shifts frame has "
                             "start, end, breaks, agents)", param="shifts")
    out = []
    starts = pd.to_datetime(shifts["start"])
    ends = pd.to_datetime(shifts["end"])
    texts = shifts["breaks"] if "breaks" in shifts.columns else pd.Series("", index=shifts.index)
    for row, (s, e, text) in enumerate(zip(starts, ends, texts, strict=True)):
        if not e > s:
            raise InputError(f"shifts row {row}: end {e} is not after start {s}")
        periods, at = [], s
        for part in ([] if pd.isna(text) or str(text).strip() == "" else str(text).split(";")):
            m = _BREAK.match(part)
            if m is None:
                raise InputError(f"shifts row {row}: break {part!r} is not HH:MM-HH:MM")
            h0, m0, h1, m1 = (int(v) for v in m.groups())
            b0 = _clock_after(s, h0, m0)
            b1 = _clock_after(b0, h1, m1)
            if b0 < at or b1 > e or not b1 > b0:
                raise InputError(f"shifts row {row}: break {part.strip()} is not inside the "
                                 f"shift {s:%H:%M}-{e:%H:%M} after the previous break")
            if b0 > at:
                periods.append((at, b0))
            at = b1
        if e > at:
            periods.append((at, e))
        out.append(periods)
    return out


def interval_cover(periods, t0: pd.Timestamp, n_intervals: int, interval_min: int
                   ) -> np.ndarray:
    """(rows x intervals) 1 where a row's agents are on the phones for the whole interval
    ``[t0 + i h, t0 + (i + 1) h)``, else 0."""
    h = pd.Timedelta(minutes=interval_min)
    cover = np.zeros((len(periods), n_intervals))
    for g, row in enumerate(periods):
        for a, b in row:
            first = max(int(np.ceil((a - t0) / h - 1e-9)), 0)
            last = min(int(np.floor((b - t0) / h + 1e-9)), n_intervals)   # exclusive
            if last > first:
                cover[g, first:last] = 1.0
    return cover


def keep_on_phones(cover: np.ndarray, agents: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Agents kept on the phones per shift row: the integers ``0 <= x <= agents`` minimising
    ``sum_i |(cover' x)_i - target_i|`` (module docstring), as the linear programme
    min sum u s.t. u >= cover' x - target, u >= target - cover' x with integer x (HiGHS)."""
    agents = np.asarray(agents, dtype=float)
    target = np.asarray(target, dtype=float)
    g, n = cover.shape
    if g == 0 or n == 0:
        return agents.astype(np.int64)
    eye = np.eye(n)
    res = milp(np.r_[np.zeros(g), np.ones(n)],
               constraints=[LinearConstraint(np.hstack([cover.T, -eye]), -np.inf, target),
                            LinearConstraint(np.hstack([-cover.T, -eye]), -np.inf, -target)],
               integrality=np.r_[np.ones(g), np.zeros(n)],
               bounds=Bounds(np.zeros(g + n), np.r_[agents, np.full(n, np.inf)]),
               options={"time_limit": 30.0})
    if res.x is None:           # keeping everyone is feasible: HiGHS always has a solution
        raise InternalError(f"the on-phone fit found no solution ({res.message})")
    return np.round(res.x[:g]).astype(np.int64)


def day_duty(shifts: pd.DataFrame, periods, t0: pd.Timestamp, n_intervals: int,
             interval_min: int, target: np.ndarray | None = None):
    """Duty periods of one simulated day: ``(duty, on_phones)``.

    ``shifts``/``periods``: the shift rows of the day's queue and their on-phone periods
    (:func:`shift_periods`); the day's horizon is ``n_intervals`` intervals from ``t0``;
    ``target``: agents to keep on the phones per interval (None: everyone; NaN: an interval
    left out of the fit). ``duty`` has one
    row per on-phone period inside the horizon (``agent``, ``start_s``, ``end_s`` in seconds
    from ``t0``, ``shift``); periods running past the end are cut there (the simulator's
    drain runs them on). ``on_phones``: the kept agents on the phones for each whole interval.
    """
    h_s = interval_min * 60.0
    horizon_s = n_intervals * h_s
    cover = interval_cover(periods, t0, n_intervals, interval_min)
    agents = shifts["agents"].to_numpy(dtype=np.int64)
    if target is None:
        kept = agents
    else:                          # intervals without a target (NaN: not in the file) do not count
        target = np.asarray(target, dtype=float)
        fit = np.isfinite(target)
        kept = keep_on_phones(cover[:, fit], agents, target[fit])
    rows = {"agent": [], "start_s": [], "end_s": [], "shift": []}
    agent = 0
    for g, row in enumerate(periods):
        spans = []
        for a, b in row:
            lo = max((a - t0).total_seconds(), 0.0)
            hi = min((b - t0).total_seconds(), horizon_s)
            if hi > lo:
                spans.append((lo, hi))
        for _ in range(int(kept[g])):
            if spans:
                for lo, hi in spans:
                    rows["agent"].append(agent)
                    rows["start_s"].append(lo)
                    rows["end_s"].append(hi)
                    rows["shift"].append(agent)
            agent += 1
    duty = pd.DataFrame(rows).astype({"agent": np.int64, "start_s": float, "end_s": float,
                                      "shift": np.int64})
    return duty, (cover.T @ kept).astype(np.int64)
