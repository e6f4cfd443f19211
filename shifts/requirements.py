"""Requirement input (the output of ``wfm staff``): checked once at the boundary.

Columns: ``interval_start`` (naive local time, left edge of the interval), optional
``queue``, and ``scheduled_agents`` (the requirement to cover) or, when that column is
absent, ``agents``. The file is read by the one reader (:mod:`wfmcore.reader`): the same
time parser and the same interval length as every other stage.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from shifts.model import DayProblem
from shifts.rules import WEEKDAYS, Rules, ShiftType
from wfmcore import InputError, reader
from wfmcore.reader import IntervalFile

#: Columns of ``wfm staff`` output kept (when present) for the service-level check.
CHECK_COLUMNS = ("offered", "traffic_erl", "aht_s", "agents", "scheduled_agents",
                 "staffing_erl", "blend_free_agents")
#: columns of a deferred unit's deadline window (``wfm staff``; :mod:`shifts.deferred_window`)
WINDOW_COLUMNS = ("window_intervals", "deferred_work_scale", "deadline_h", "deadline_share")


def read_requirements(path: Path | str) -> IntervalFile:
    """Read a requirements file (CSV, Excel, Parquet) through the one reader; messages name
    its file lines. :func:`check_requirements` validates what the schedule needs."""
    return reader.read_intervals(path, "requirements", infer_interval=False,
                                 duplicates=False)


def scheduling_units(frame: pd.DataFrame) -> pd.Series | None:
    """The group of agents each row is scheduled for: the ``queue``, or ``"queue / channel"``
    where the frame has a ``channel`` column (each channel of a queue has its own agents,
    staffed by the channel's model, until wfm schedules multi-skill agents);
    None for a frame with neither."""
    queue = frame["queue"].astype(str) if "queue" in frame.columns else None
    if "channel" in frame.columns:
        channel = frame["channel"].astype(str)
        queue = channel if queue is None else queue + " / " + channel
    return queue


def check_requirements(requirements: IntervalFile | pd.DataFrame, source: str = "requirements",
                       interval_min: int | None = None) -> tuple[pd.DataFrame, int]:
    """Validate and normalise; return ``(frame, interval_min)``.

    The returned frame has ``queue`` (``""`` when the input has none; ``"queue / channel"``
    when it has a ``channel`` column: each channel is scheduled with its own agents),
    ``interval_start``
    (datetime64) and ``required`` (whole agents; a fractional requirement is rounded up,
    since 2.3 agents need 3) sorted by queue and time, plus those of ``offered``,
    ``traffic_erl``, ``aht_s``, ``agents``, ``scheduled_agents`` the input has (numbers
    >= 0 or empty; used by :mod:`shifts.check`).
    """
    if not isinstance(requirements, IntervalFile | pd.DataFrame):
        raise InputError(f"{source}: requirements must be a DataFrame; got "
                         f"{type(requirements).__name__}")
    table = reader.read_intervals(requirements, "requirements", infer_interval=False,
                                  duplicates=False, name=source)
    frame, source = table.frame, table.source
    col = "scheduled_agents" if "scheduled_agents" in frame.columns else "agents"
    if frame[col].isna().any():
        reader.fail_rows(source, table.file_lines, frame, frame[col].isna(), col,
                         "agents to cover must be given in every row")
    queue = scheduling_units(frame)
    has_queue = queue is not None
    out = pd.DataFrame({"queue": queue if has_queue else "",
                        "interval_start": frame["interval_start"],
                        "required": np.ceil(frame[col].to_numpy(float) - 1e-9).astype(np.int64),
                        reader.LINE: frame[reader.LINE]})
    for name in CHECK_COLUMNS:        # carried for the service-level check (shifts.check)
        if name in frame.columns:
            out[name] = (frame[name].to_numpy(float)
                         if pd.api.types.is_numeric_dtype(frame[name])
                         else reader.parse_numbers(frame, name, source, table.file_lines,
                                                   unit="Erlangs"))
    for name in WINDOW_COLUMNS:       # a deferred unit's deadline window (shifts.schedule)
        if name in frame.columns:
            out[name] = (frame[name].to_numpy(float)
                         if pd.api.types.is_numeric_dtype(frame[name])
                         else reader.parse_numbers(frame, name, source, table.file_lines,
                                                   unit="intervals"))
    if "window_intervals" in out.columns:
        k = out["window_intervals"].to_numpy(float)
        bad = np.isfinite(k) & ((k < 1) | (k != np.round(k)))
        if bad.any():
            reader.fail_rows(source, table.file_lines, frame, bad, "window_intervals",
                             "the deadline window must be a whole number of intervals >= 1")
    if "deferred_work_scale" in out.columns:
        v = out["deferred_work_scale"].to_numpy(float)
        bad = np.isfinite(v) & (v <= 0)
        if bad.any():
            reader.fail_rows(source, table.file_lines, frame, bad, "deferred_work_scale",
                             "the work scale must be > 0")
    keys = ["queue", "interval_start"] if has_queue else ["interval_start"]
    if "utc_offset_min" in frame.columns and out.duplicated(keys).any():
        dup = out.duplicated(keys, keep=False).to_numpy()
        reader.fail_rows(source, table.file_lines, out, dup, "interval_start",
                         "the repeated daylight-saving hour (told apart by utc_offset_min) "
                         "cannot be scheduled yet: shifts are built on local clock time")
    if has_queue:
        reader.check_duplicates(out, source, table.file_lines)
    elif out.duplicated("interval_start").any():
        dup = out.duplicated("interval_start", keep=False).to_numpy()
        reader.fail_rows(source, table.file_lines, frame, dup, "interval_start",
                         "appears more than once; add a 'queue' column for several queues")
    if interval_min is None:
        if out.groupby("queue").size().max() < 2:
            raise InputError(f"{source}: need at least two intervals of a queue to infer the "
                             "interval length")
        interval_min = reader.interval_minutes(out["interval_start"], out["queue"], source,
                                               lines=out[reader.LINE].to_numpy(),
                                               file_lines=table.file_lines)
    if isinstance(interval_min, bool) or not isinstance(interval_min, int | np.integer) \
            or interval_min <= 0:
        raise InputError(f"{source}: interval length must be a whole number of minutes > 0; "
                         f"got {interval_min!r}")
    interval_min = int(interval_min)
    out = out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    end = out["interval_start"] + pd.Timedelta(minutes=interval_min)
    crosses = end.dt.normalize() != out["interval_start"].dt.normalize()
    crosses &= ~((end - end.dt.normalize()) == pd.Timedelta(0))
    if crosses.any():
        reader.fail_rows(source, table.file_lines, out, crosses, "interval_start",
                         "crosses midnight; intervals must lie within one day")
    return out.drop(columns=reader.LINE), interval_min


def day_problems(req: pd.DataFrame, interval_min: int, rules: Rules) -> tuple[list, list]:
    """Cut checked requirements into one :class:`DayProblem` per (queue, date), with the
    day's shift types by contract (:func:`contract_types`).

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
        types, owners = contract_types(rules, open_from, open_to, g)
        problems.append(DayProblem(key=(queue, day.date()), slot_min=g, day_start_min=start,
                                   required=required, open_slots=open_slots,
                                   shift_types=types, contract_of_type=owners))
        slots.append((idx, first_slot, per))
    return problems, slots


def contract_types(rules: Rules, open_from: int, open_to: int,
                   slot_min: int) -> tuple[tuple[ShiftType, ...] | None, tuple[int, ...] | None]:
    """The shift types of a day open ``open_from``-``open_to`` (minutes after midnight) and
    the contract of each: ``(None, None)`` without contracts (the rules' types serve). Each
    contract brings its own types; a contract none of whose types fits the opening (a short
    day) and that allows ``short_days`` brings instead its shortest type cut to span the
    opening from the first start time on (:meth:`ShiftType.cut_to`; whole slots), when
    that leaves at least ``short_day_min_paid_hours`` paid hours."""
    if not rules.contracts:
        return None, None
    by_name = {t.name: t for t in rules.shift_types}
    step = rules.start_step_min
    first_start = -(-open_from // step) * step
    span = max(0, (open_to - first_start) // slot_min * slot_min)
    types, owners = [], []
    for ci, c in enumerate(rules.contracts):
        own = [by_name[n] for n in c.shift_types]
        if any(t.span_min <= open_to - open_from for t in own) or not c.short_days:
            types += own
            owners += [ci] * len(own)
            continue
        cut = min(own, key=lambda t: t.span_min).cut_to(span) if span else None
        if cut is not None and cut.paid_hours >= c.short_day_min_paid_hours - 1e-9:
            types.append(cut)
            owners.append(ci)
    return tuple(types), tuple(owners)
