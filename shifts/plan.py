"""From shift counts to a concrete plan: shifts with breaks at exact times, and coverage.

The model gives, per shift (type, start), how many agents work it and how many of them take
each break at each time. The i-th agent of a shift takes the i-th earliest start time of
each of its breaks; break windows of one shift type do not overlap (checked by the rules),
so this is a valid day for every agent, and the number of agents on break in each slot is
exactly the one the model counted, so coverage holds as solved. Agents with identical days
are then merged into one row with an ``agents`` count.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from shifts.model import DaySolution
from shifts.rules import Rules
from wfmcore import schema

SHIFT_COLUMNS = list(schema.SHIFT_COLUMNS)
COVERAGE_COLUMNS = list(schema.COVERAGE_COLUMNS)


def _clock(day: dt.date, minutes: int) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(minutes=minutes)


def day_shifts(sol: DaySolution, rules: Rules) -> list[dict]:
    """Concrete shifts of one day: one dict per distinct (type, start, break times)."""
    p = sol.problem
    day = p.key[-1]
    g = p.slot_min
    rows: dict[tuple, int] = {}
    for (k, s, agents), per_break in zip(sol.shifts, sol.breaks, strict=True):
        expanded = [np.repeat([t for t, _a in sorted(lst)], [a for _t, a in sorted(lst)])
                    for lst in per_break]
        for i in range(agents):
            key = (k, s, tuple(int(e[i]) for e in expanded))
            rows[key] = rows.get(key, 0) + 1
    out = []
    for (k, s, brk_starts), agents in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0],
                                                                           kv[0][2])):
        t = p.types(rules)[k]
        c = p.contracts(rules)[k]
        start_min = p.day_start_min + s * g
        breaks = []
        for b, ts in zip(t.breaks, brk_starts, strict=True):
            b0 = p.day_start_min + ts * g
            breaks.append((_clock(day, b0), _clock(day, b0 + b.duration_min)))
        out.append({"start": _clock(day, start_min),
                    "end": _clock(day, start_min + t.span_min),
                    "paid_hours": t.paid_hours,
                    "breaks": ";".join(f"{a:%H:%M}-{e:%H:%M}" for a, e in breaks),
                    "agents": agents,
                    "shift_type": t.name,
                    "contract": rules.contracts[c].name if c >= 0 else "",
                    "_breaks": breaks})
    return out


def slot_coverage(shift_rows: list[dict], day_start: pd.Timestamp, slot_min: int,
                  n_slots: int) -> np.ndarray:
    """Agents working net of breaks per slot, counted from concrete shift rows (the parts of
    them inside the ``n_slots`` slots from ``day_start``: a night shift counts on both days)."""
    cov = np.zeros(n_slots, dtype=np.int64)

    def idx(ts):
        return min(max(int((ts - day_start) / pd.Timedelta(minutes=slot_min)), 0), n_slots)

    for r in shift_rows:
        cov[idx(r["start"]):idx(r["end"])] += r["agents"]
        for a, e in r["_breaks"]:
            cov[idx(a):idx(e)] -= r["agents"]
    return cov


def build_plan(solutions: list[DaySolution], req: pd.DataFrame, slots: list,
               rules: Rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shifts frame and coverage frame (per requirement interval) for all solved days; with
    contracts the shifts frame ends with a ``contract`` column.

    ``scheduled`` in an interval is the smallest number of agents working (net of breaks) at
    any moment of it; with the default 15-minute grid that is simply the agents working.
    """
    shift_rows, cov_parts = [], []
    day_rows = {sol.problem.key: day_shifts(sol, rules) for sol in solutions}
    for sol, (idx, first_slot, per) in zip(solutions, slots, strict=True):
        p = sol.problem
        queue, day = p.key
        rows = day_rows[p.key]
        # the night shifts of the day before run on into this day (shifts.tours.night_next)
        before = day_rows.get((queue, day - dt.timedelta(days=1)), [])
        day_start = pd.Timestamp(day) + pd.Timedelta(minutes=p.day_start_min)
        cov = slot_coverage(rows + [r for r in before if r["end"] > day_start], day_start,
                            p.slot_min, p.n_slots)
        if not np.array_equal(cov, sol.coverage):     # a bug, never bad input
            raise RuntimeError(f"plan coverage differs from the model on {day}")
        for r in rows:
            r["queue"] = queue
        shift_rows.extend(rows)
        per_interval = np.array([cov[f:f + per].min() for f in first_slot], dtype=np.int64)
        required = req["required"].to_numpy()[idx]
        cov_parts.append(pd.DataFrame({
            "queue": queue,
            "interval_start": req["interval_start"].to_numpy()[idx],
            "required": required,
            "scheduled": per_interval,
            "over": np.maximum(per_interval - required, 0),
            "under": np.maximum(required - per_interval, 0)}))
    has_queue = (req["queue"] != "").any()
    lead = ["queue"] if has_queue else []
    # with contracts, each shift says whose it is (a column after the promised ones)
    tail = ["contract"] if rules.contracts else []
    shifts = pd.DataFrame(shift_rows, columns=["queue", *SHIFT_COLUMNS, "contract", "_breaks"])
    shifts = shifts.drop(columns="_breaks")[lead + SHIFT_COLUMNS + tail]
    for c in ("start", "end"):
        shifts[c] = pd.to_datetime(shifts[c]).astype("datetime64[ns]")
    shifts["agents"] = shifts["agents"].astype(np.int64)
    shifts["paid_hours"] = shifts["paid_hours"].astype(float)
    coverage = pd.concat(cov_parts, ignore_index=True) if cov_parts else \
        pd.DataFrame(columns=["queue", *COVERAGE_COLUMNS])
    coverage = coverage.sort_values(["queue", "interval_start"], kind="stable")
    coverage = coverage[lead + COVERAGE_COLUMNS].reset_index(drop=True)
    shifts = shifts.reset_index(drop=True)
    return shifts, coverage
