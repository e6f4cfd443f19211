"""Requirement input (the output of ``wfm staff``): checked once at the boundary.

Columns: ``interval_start`` (naive local time, ``YYYY-MM-DD HH:MM``, left edge of the
interval), optional ``queue``, and ``scheduled_agents`` (the requirement to cover) or, when
that column is absent, ``agents``. The interval length is the smallest spacing between
consecutive intervals of a queue.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from shifts.model import DayProblem
from shifts.rules import WEEKDAYS, Rules
from wfmcore import InputError, schema

TIME_FORMAT = schema.TIME_FORMAT
#: Columns of ``wfm staff`` output kept (when present) for the service-level check.
CHECK_COLUMNS = ("offered", "traffic_erl", "aht_s", "agents", "scheduled_agents")


def read_requirements(path: Path | str) -> pd.DataFrame:
    """Read a requirements CSV as strings-as-given; :func:`check_requirements` validates it."""
    path = Path(path)
    try:
        return pd.read_csv(path, dtype={"interval_start": str, "queue": str})
    except FileNotFoundError:
        raise InputError(f"{path}: requirements file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a readable CSV: {str(e).splitlines()[0]}") from None


def _rows(mask) -> str:
    idx = np.flatnonzero(np.asarray(mask))
    first = ", ".join(str(i + 2) for i in idx[:3])
    more = f" ({len(idx)} rows like this)" if len(idx) > 1 else ""
    return f"row{'s' if len(idx) > 1 else ''} {first}{'...' if len(idx) > 3 else ''}{more}"


def check_requirements(frame: pd.DataFrame, source: str = "requirements",
                       interval_min: int | None = None) -> tuple[pd.DataFrame, int]:
    """Validate and normalise; return ``(frame, interval_min)``.

    The returned frame has ``queue`` (``""`` when the input has none), ``interval_start``
    (datetime64) and ``required`` (whole agents; a fractional requirement is rounded up,
    since 2.3 agents need 3) sorted by queue and time, plus those of ``offered``,
    ``traffic_erl``, ``aht_s``, ``agents``, ``scheduled_agents`` the input has (numbers
    >= 0 or empty; used by :mod:`shifts.check`). Row numbers in messages are CSV
    lines (header = line 1).
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{source}: requirements must be a DataFrame; got {type(frame).__name__}")
    if "interval_start" not in frame.columns:
        raise InputError(f"{source}: column 'interval_start' is missing "
                         f"(columns: {', '.join(map(str, frame.columns))})")
    col = "scheduled_agents" if "scheduled_agents" in frame.columns else "agents"
    if col not in frame.columns:
        raise InputError(f"{source}: needs a column 'scheduled_agents' (or 'agents') with the "
                         f"agents to cover; columns: {', '.join(map(str, frame.columns))}")
    if len(frame) == 0:
        raise InputError(f"{source}: no rows")
    frame = frame.reset_index(drop=True)
    ts = frame["interval_start"]
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise InputError(f"{source}: column 'interval_start' has a time zone; give naive "
                         "local times (YYYY-MM-DD HH:MM)")
    if pd.api.types.is_datetime64_any_dtype(ts):
        when = pd.to_datetime(ts)
        bad = when.isna()
    else:
        when = pd.to_datetime(ts.astype("string").str.strip(), format=TIME_FORMAT,
                              errors="coerce")
        bad = when.isna()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{source}: {_rows(bad)}: column 'interval_start' is "
                         f"{ts.iloc[i]!r}; expected local time as YYYY-MM-DD HH:MM")
    if (when.dt.second != 0).any() or (when.dt.microsecond != 0).any():
        raise InputError(f"{source}: column 'interval_start' must be whole minutes")
    req = pd.Series(schema.numeric_column(frame, col, source))  # a number >= 0, finite
    queue = frame["queue"].astype("string").fillna("") if "queue" in frame.columns \
        else pd.Series([""] * len(frame), dtype="string")
    out = pd.DataFrame({"queue": queue.astype(str), "interval_start": when,
                        "required": np.ceil(req.astype(float) - 1e-9).astype(np.int64),
                        "_row": np.arange(len(frame))})
    for name in CHECK_COLUMNS:        # carried for the service-level check (shifts.check)
        if name in frame.columns:
            out[name] = schema.numeric_column(frame, name, source, allow_nan=True)
    dup = out.duplicated(["queue", "interval_start"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"{source}: {_rows(dup)}: interval_start {ts.iloc[i]!r} appears more "
                         "than once" + (" for the same queue" if "queue" in frame.columns
                                        else "; add a 'queue' column for several queues"))
    out = out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    step = out.groupby("queue", sort=False)["interval_start"].diff().dt.total_seconds() / 60
    if interval_min is None:
        positive = step[step > 0]
        if positive.empty:
            raise InputError(f"{source}: need at least two intervals of a queue to infer the "
                             "interval length")
        interval_min = int(positive.min())
    if isinstance(interval_min, bool) or not isinstance(interval_min, int | np.integer) \
            or interval_min <= 0:
        raise InputError(f"{source}: interval length must be a whole number of minutes > 0; "
                         f"got {interval_min!r}")
    interval_min = int(interval_min)
    same_day = out["interval_start"].dt.normalize().eq(
        out.groupby("queue", sort=False)["interval_start"].shift().dt.normalize())
    off = same_day & (step % interval_min != 0)
    if off.any():
        rows = out.loc[off, "_row"].to_numpy()
        raise InputError(f"{source}: row {rows[0] + 2}: interval_start "
                         f"{ts.iloc[rows[0]]!r} is not on the {interval_min}-minute grid of "
                         "the rows before it")
    end = out["interval_start"] + pd.Timedelta(minutes=interval_min)
    crosses = end.dt.normalize() != out["interval_start"].dt.normalize()
    crosses &= ~((end - end.dt.normalize()) == pd.Timedelta(0))
    if crosses.any():
        rows = out.loc[crosses, "_row"].to_numpy()
        raise InputError(f"{source}: row {rows[0] + 2}: interval {ts.iloc[rows[0]]!r} crosses "
                         "midnight; intervals must lie within one day")
    return out.drop(columns="_row"), interval_min


def day_problems(req: pd.DataFrame, interval_min: int, rules: Rules) -> tuple[list, list]:
    """Cut checked requirements into one :class:`DayProblem` per (queue, date).

    Returns ``(problems, interval_slots)``: for each problem, the slot range of each of its
    requirement rows, as ``(row_index_in_req, first_slot, n_slots)`` arrays.
    """
    minute = (req["interval_start"].dt.hour * 60 + req["interval_start"].dt.minute).to_numpy()
    g = math.gcd(rules.grid_min, interval_min, *np.unique(minute).tolist())
    problems, slots = [], []
    date = req["interval_start"].dt.normalize()
    for (queue, day), idx in req.groupby([req["queue"], date], sort=True).groups.items():
        idx = np.asarray(idx)
        m = minute[idx]
        first, last = int(m.min()), int(m.max()) + interval_min
        if rules.opening is None:
            open_from, open_to = first, last
        else:
            hours = rules.opening[WEEKDAYS[day.weekday()]]
            open_from, open_to = hours if hours else (first, first)
        start = min(first, open_from)
        stop = max(last, open_to)
        n = (stop - start) // g
        required = np.zeros(n, dtype=np.int64)
        per = interval_min // g
        first_slot = (m - start) // g
        for f, r in zip(first_slot, req["required"].to_numpy()[idx], strict=True):
            required[f:f + per] = r
        open_slots = np.zeros(n, dtype=bool)
        open_slots[(open_from - start) // g:(open_to - start) // g] = True
        problems.append(DayProblem(key=(queue, day.date()), slot_min=g, day_start_min=start,
                                   required=required, open_slots=open_slots))
        slots.append((idx, first_slot, per))
    return problems, slots
