"""Staffing a whole forecast file: the frame-level step behind ``wfm staff`` and ``wfm plan``.

Every row of the forecast gets its offered load A = calls x aht_s / (interval_min x 60), the
load it is staffed for (``staffing_erl``: by default the modified offered load of the run of
consecutive intervals it belongs to, :mod:`erlang.timevarying`), the smallest headcount
meeting its queue's :class:`~wfmcore.targets.ServiceTarget` for that load
(:func:`erlang.required_agents`), the headcount to schedule after shrinkage and the KPIs of
that headcount (:func:`erlang.kpis`, at the staffing load). Settings come from the options given here, then the
queue's ``[queues.NAME]`` table of ``wfm.toml``, then the file's general tables, then the
built-in defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from erlang import kpis, offered_load, required_agents, scheduled_agents, staffing_load
from erlang.blending import blend_intervals
from erlang.deferred import calibrated_capacity
from erlang.isa import isa_staffing
from erlang.period import period_report, period_staffing
from erlang.uncertainty import expected_sl_agents, fit_rate, interval_columns, risk_calls
from wfmcore import checks, reader
from wfmcore import schema as S
from wfmcore.config import Config
from wfmcore.errors import InputError
from wfmcore.io import check_output_path, write_csv_atomic, write_partitioned
from wfmcore.parallel import key_seed, map_ordered, start_workers
from wfmcore.reader import IntervalFile
from wfmcore.targets import ServiceTarget

#: columns ``staff`` appends to the forecast columns (the requirements schema)
REQUIREMENT_COLUMNS = ("traffic_erl", "agents", "scheduled_agents", "service_level", "p_wait",
                       "asa_s", "occupancy", "p_abandon", "staffing_erl", "p_block",
                       "staffing_model")
#: columns the deferred rows add (:func:`_staff_deferred`), for the shift programme's
#: deadline window (:mod:`shifts.deferred_window`): ``window_intervals`` (K: an item's work
#: may be done in any of the K open intervals from its arrival) and ``deferred_work_scale``
#: (1 + the calibrated work margin), ``deadline_h`` and ``deadline_share`` (the target the
#: schedule's window is checked against); empty on other rows
DEFERRED_WINDOW_COLUMNS = ("window_intervals", "deferred_work_scale", "deadline_h",
                           "deadline_share")
#: models that only voice formulas serve (the simulation of ``isa``, ``expected_sl``)
VOICE_MODELS = ("erlang_c", "erlang_a")
#: columns that tell one series (queue and channel) from another, where present
SERIES_COLUMNS = (S.QUEUE, "channel")


@dataclass(frozen=True)
class Requirements:
    """Required agents per interval: ``frame`` holds the forecast columns (``interval_start``
    written ``YYYY-MM-DD HH:MM``) and :data:`REQUIREMENT_COLUMNS`; ``interval_min`` is the
    interval length the loads were computed with."""

    frame: pd.DataFrame
    interval_min: int
    staffing_method: str = "mol"
    notes: tuple[str, ...] = ()

    @property
    def model(self) -> str:
        """The staffing models of the rows (``staffing_model``), e.g. 'erlang_a' or
        'erlang_c/chat'."""
        if "staffing_model" in self.frame.columns and len(self.frame):
            return "/".join(sorted(self.frame["staffing_model"].astype(str).unique()))
        return "erlang_a" if self.frame["p_abandon"].notna().any() else "erlang_c"

    @property
    def agent_hours(self) -> float:
        """Required agent-hours on the phones: sum of agents x interval hours."""
        return float(self.frame["agents"].sum() * self.interval_min / 60.0)


def horizon_weeks(times) -> float:
    """Calendar weeks a plan spans (a Monday-to-Friday plan is one week, not 5/7): what
    FTE = paid hours / (FTE hours a week x weeks) divides by."""
    t = pd.to_datetime(pd.Series(times)).dt.normalize()
    return max(1.0, math.ceil(((t.max() - t.min()).days + 1) / 7))


def read_forecast(source, *, interval_min: int | None = None) -> IntervalFile:
    """A forecast file or frame through the one reader (:mod:`wfmcore.reader`)."""
    if interval_min is not None:
        interval_min = checks.whole(interval_min, "interval_min", minimum=1)
    return reader.read_intervals(source, "forecast", interval_min=interval_min)


def row_aht(forecast: IntervalFile, aht_s: float | None = None) -> np.ndarray:
    """Handle time (s) per row: the ``aht_s`` column, ``aht_s`` where it is missing or empty.

    AHT may be empty or 0 only where no calls are offered (it plays no role there).
    """
    frame, source = forecast.frame, forecast.source
    calls = frame[S.OFFERED].to_numpy(float)
    if aht_s is not None:
        aht_s = checks.seconds(aht_s, "aht_s")
    if S.AHT_S in frame.columns:
        aht = frame[S.AHT_S].to_numpy(float)
        if aht_s is not None:
            aht = np.where(np.isnan(aht), aht_s, aht)
    elif aht_s is not None:
        aht = np.full(len(frame), aht_s)
    else:
        raise InputError(f"{source}: no 'aht_s' column and no aht_s given; average handle "
                         "time is needed to staff", param="aht_s")
    aht = np.where(np.isnan(aht) & (calls == 0), 0.0, aht)
    missing = np.isnan(aht) | ((aht == 0) & (calls > 0))
    if missing.any():
        reader.fail_rows(source, forecast.file_lines, frame, missing, S.AHT_S,
                         "handle time must be > 0 seconds where calls are offered (or give "
                         "aht_s for empty cells)")
    return aht


def time_order(frame: pd.DataFrame, interval_min: int) -> tuple[np.ndarray, np.ndarray]:
    """(row order by series and time, run starts in that order): a run is a stretch of
    consecutive intervals of one series (:data:`SERIES_COLUMNS`); a new one starts where the
    previous row of the series is not exactly one interval earlier (in UTC where the frame
    has ``utc_offset_min``, so DST days stay one run)."""
    t = pd.to_datetime(frame[S.INTERVAL_START]).to_numpy("datetime64[ns]").astype(np.int64)
    if S.UTC_OFFSET in frame.columns:
        t = t - frame[S.UTC_OFFSET].to_numpy(np.int64) * 60_000_000_000
    keys = [c for c in SERIES_COLUMNS if c in frame.columns]
    series = (frame.groupby(keys, sort=False).ngroup().to_numpy() if keys
              else np.zeros(len(frame), dtype=np.int64))
    order = np.lexsort((t, series))
    t, series = t[order], series[order]
    starts = np.ones(len(frame), dtype=bool)
    starts[1:] = (series[1:] != series[:-1]) | (np.diff(t) != interval_min * 60_000_000_000)
    return order, starts


def load_to_staff(frame: pd.DataFrame, calls: np.ndarray, aht: np.ndarray, interval_min: int,
                  method: str) -> np.ndarray:
    """The load each row is staffed for, Erlangs (:func:`erlang.staffing_load` by ``method``
    over each series' runs of consecutive intervals, :func:`time_order`), in row order;
    ``isa`` starts from the modified offered load."""
    return _ordered_load(calls, aht, interval_min, method, *time_order(frame, interval_min))


def _ordered_load(calls, aht, interval_min, method, order, starts) -> np.ndarray:
    """:func:`load_to_staff` given the rows' :func:`time_order`."""
    out = np.empty(calls.size)
    out[order] = staffing_load(calls[order], aht[order], interval_min,
                               "mol" if method == "isa" else method, starts)
    return out


def period_ids(frame: pd.DataFrame, period: str) -> np.ndarray:
    """One label per row for a ``day`` or ``week`` (Monday-based) service-level period of
    its series (queue, channel)."""
    day = pd.to_datetime(frame[S.INTERVAL_START]).dt.normalize()
    start = day if period == "day" else day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    keys = [frame[c].astype(str) for c in SERIES_COLUMNS if c in frame.columns]
    return pd.MultiIndex.from_arrays([*keys, start]).factorize()[0]


def agents_for(frame, calls, aht, interval_min, target: ServiceTarget, *,
               volume: float = 1.0, seed: int = 0):
    """(agents, load staffed for, notes) by the target's staffing method, period and
    forecast risk; ``volume`` scales the forecast's prediction interval with ``calls``;
    ``seed``: the simulation seed of ``isa`` (a series' :func:`wfmcore.parallel.key_seed`)."""
    order, starts = time_order(frame, interval_min)
    if target.model not in VOICE_MODELS and (target.staffing_method == "isa"
                                             or target.expected_sl):
        param = "expected_sl" if target.expected_sl else "staffing_method"
        raise InputError(f"{param} works with the voice models Erlang C and A; the "
                         f"{target.model} model of channel {target.channel or 'voice'} is "
                         "staffed with staffing_method mol, sipp or lag-sipp", param=param)
    if target.service_risk is not None or target.expected_sl:
        return _uncertain_agents(frame, calls, aht, interval_min, target, volume, order, starts)
    notes = []
    load = _ordered_load(calls, aht, interval_min, target.staffing_method, order, starts)
    if target.staffing_method == "isa":
        if target.sl_period != "interval":
            raise InputError("sl_period day or week cannot be combined with staffing_method "
                             "isa yet (the period search uses the formula)",
                             param="sl_period")
        result = isa_staffing(calls[order], aht[order], interval_min, target, starts,
                              replications=target.isa_replications,
                              max_iterations=target.isa_max_iterations,
                              damping=target.isa_damping, seed=seed)
        agents = np.empty(len(frame), dtype=np.int64)
        agents[order] = result.agents
        equivalent = np.empty(len(frame))
        equivalent[order] = result.equivalent_load
        load = np.where(np.isfinite(equivalent), equivalent, load)
        notes.append(f"isa: {result.status} after {result.iterations} iteration(s), "
                     f"agent-hours {' -> '.join(f'{h:,.1f}' for h in result.history)}"
                     + ("" if result.converged else
                        " (not converged: raise isa_max_iterations or use mol)"))
        return agents, load, notes
    agents = required_agents(load, aht, target)
    if target.sl_period != "interval":
        ids = period_ids(frame, target.sl_period)
        period_agents = period_staffing(load, aht, calls, target, ids, sl_floor=target.sl_floor)
        saved = float((agents.sum() - period_agents.sum()) * interval_min / 60.0)
        report = period_report(period_agents, load, aht, calls, target, ids)
        notes.append(f"sl_period {target.sl_period}: {len(report)} period(s) at "
                     f"{target.sl_target:.0%} or more (lowest {report['service_level'].min():.1%}"
                     f", weakest interval {report['min_interval_sl'].min():.1%}), "
                     f"{saved:,.2f} agent-hours fewer than every interval at the target")
        agents = period_agents
    return agents, load, notes


def _uncertain_agents(frame, calls, aht, interval_min, target: ServiceTarget, volume: float,
                      order, starts):
    """Staffing over the forecast's distribution (:mod:`erlang.uncertainty`): the arrival
    rate Gamma-distributed around ``offered`` with the spread of ``offered_loNN/hiNN``
    (Jongbloed & Koole 2001); ``service_risk`` r: every target met with probability >= 1 - r
    (the requirement at the rate's 1 - r quantile, Gurvich, Luedtke & Tezcan 2010);
    ``expected_sl``: the expected service level meets ``sl_target``. The note says what
    the safety costs against the point forecast's staffing."""
    param = "service_risk" if target.service_risk is not None else "expected_sl"
    if target.staffing_method == "isa" or target.sl_period != "interval":
        raise InputError(f"{param} works with staffing_method mol, sipp or lag-sipp and a "
                         "per-interval target", param=param)
    lo_col, hi_col, level = interval_columns(frame.columns, param=param)
    lo = frame[lo_col].to_numpy(float) * volume
    hi = frame[hi_col].to_numpy(float) * volume
    fit_rate(calls, lo, hi, level)                      # checks the interval, row by row
    method = target.staffing_method
    point_load = _ordered_load(calls, aht, interval_min, method, order, starts)
    point = required_agents(point_load, aht, target)
    if target.service_risk is not None:
        staffed_calls = risk_calls(calls, lo, hi, level, target.service_risk)
        load = _ordered_load(staffed_calls, aht, interval_min, method, order, starts)
        agents = required_agents(load, aht, target)
        what = f"service_risk {target.service_risk:g} (each interval's targets met with " \
               f"probability {1 - target.service_risk:g} over the forecast's {level:.0%} interval)"
    else:
        agents = np.empty(len(frame), dtype=np.int64)
        agents[order] = expected_sl_agents(calls[order], lo[order], hi[order], level,
                                           aht[order], interval_min, target, method=method,
                                           run_starts=starts)
        load = point_load
        what = "expected_sl (the service level expected over the forecast's uncertainty)"
    extra = float((agents.sum() - point.sum()) * interval_min / 60.0)
    base = float(point.sum() * interval_min / 60.0)
    notes = [f"{what}: {extra:+,.2f} agent-hours ({extra / base:+.1%}) against staffing the "
             "point forecast" if base > 0 else f"{what}: no calls to staff"]
    return agents, load, notes


def staff(forecast: IntervalFile, target: ServiceTarget | None = None, *,
          aht_s: float | None = None, seed: int = 0) -> Requirements:
    """Required agents and their KPIs for every row of ``forecast`` (one target for all).

    ``traffic_erl`` is the offered load; ``staffing_erl`` the load the agents are computed
    for, by ``target.staffing_method`` over each series' runs of consecutive intervals
    (:func:`time_order`, :func:`erlang.staffing_load`); the KPI columns are the formula's
    at that load. Each channel of the file's ``channel`` column is staffed by its own model
    (:meth:`ServiceTarget.for_channel`) unless the target names a channel;
    ``staffing_model`` says which model staffed each row. ``seed``: the simulation seed of
    ``staffing_method`` isa.
    """
    target = target or ServiceTarget()
    if forecast.interval_min is None:
        raise InputError(f"{forecast.source}: the interval length is not known; read the "
                         "forecast with read_forecast", param="interval_min")
    frame = forecast.frame
    if S.CHANNEL not in frame.columns or target.channel is not None:
        return _staff_rows(forecast, target, aht_s, seed)
    parts, notes, methods = [], [], set()
    groups = list(frame.groupby(S.CHANNEL, sort=False))
    for channel, rows in groups:
        part = _staff_rows(replace(forecast, frame=rows), target.for_channel(str(channel)),
                           aht_s, seed)
        parts.append(part.frame)
        methods.add(part.staffing_method)
        notes += [f"channel {channel}: {n}" if len(groups) > 1 else n for n in part.notes]
    return Requirements(frame=pd.concat(parts).loc[frame.index],
                        interval_min=forecast.interval_min,
                        staffing_method="/".join(sorted(methods)), notes=tuple(notes))


def _staff_rows(forecast: IntervalFile, target: ServiceTarget,
                aht_s: float | None, seed: int = 0) -> Requirements:
    """:func:`staff` for rows of one model."""
    columns, notes, method = _requirement_columns(forecast, target, aht_s, seed)
    return Requirements(frame=requirement_frame(forecast.frame, columns),
                        interval_min=forecast.interval_min, staffing_method=method,
                        notes=tuple(notes))


def requirement_frame(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """The requirements schema: ``frame``'s columns (``interval_start`` written
    ``YYYY-MM-DD HH:MM``, the private line column dropped) and :data:`REQUIREMENT_COLUMNS`
    from ``columns`` (arrays in the rows' order, or one value for every row)."""
    out = frame.drop(columns=[reader.LINE]).copy()
    out[S.INTERVAL_START] = format_minutes(out[S.INTERVAL_START])
    for col in REQUIREMENT_COLUMNS:
        out[col] = columns[col]
    for col in DEFERRED_WINDOW_COLUMNS:
        if col in columns:
            out[col] = columns[col]
    return out


def format_minutes(times) -> np.ndarray:
    """:func:`wfmcore.reader.format_times` as an array, each distinct time formatted once
    (the queues of a file share their intervals: 2,000 queues x 672 intervals are 672
    strings to format, not 1.3 million)."""
    codes, distinct = pd.factorize(pd.to_datetime(pd.Series(times)).to_numpy())
    return reader.format_times(distinct).to_numpy(dtype=object)[codes]


def _requirement_columns(forecast: IntervalFile, target: ServiceTarget,
                         aht_s: float | None, seed: int = 0) -> tuple[dict, list, str]:
    """(the :data:`REQUIREMENT_COLUMNS` of ``forecast``'s rows, notes, staffing method)
    for rows of one model."""
    frame = forecast.frame
    calls = frame[S.OFFERED].to_numpy(float)
    aht = row_aht(forecast, aht_s)
    load = offered_load(calls, aht, forecast.interval_min)
    if target.model == "deferred":
        return _staff_deferred(forecast, target, calls, aht, load)
    agents, staffed_load, notes = agents_for(frame, calls, aht, forecast.interval_min, target,
                                             seed=seed)
    k = kpis(agents, staffed_load, aht, target)
    empty = np.full(len(frame), np.nan)
    columns = {"traffic_erl": load, "agents": agents,
               "scheduled_agents": scheduled_agents(agents, target.shrinkage),
               **{col: k[col] for col in ("service_level", "p_wait", "asa_s", "occupancy")},
               "p_abandon": k["p_abandon"] if target.patience_s is not None else empty,
               "staffing_erl": staffed_load,
               "p_block": k["p_block"] if target.lines is not None else empty,
               "staffing_model": target.model}
    if target.model == "chat" and target.aht_s_by_concurrency is None:
        notes.append(f"chat staffed at {target.concurrency or 1} chat(s) per agent with the "
                     "same handle time at every concurrency (give aht_s_by_concurrency when "
                     "chats take longer as agents hold more)")
    return columns, notes, target.staffing_method


def _staff_deferred(forecast: IntervalFile, target: ServiceTarget, calls, aht,
                    load, free_agents=None) -> tuple[dict, list, str]:
    """Deferred work (email, back office): per series, the capacity per interval that gets
    ``deadline_share`` of the items done within ``deadline_h`` business hours at least agent
    time (:func:`erlang.deferred.calibrated_capacity`: the deadline programme over the
    intervals, its work raised by the least margin at which the plan meets the share in a
    seeded simulation of Poisson arrivals and random handle times). The
    business clock runs in the intervals the forecast has (the gaps between them are closed
    time), and the forecast's calendar weeks are one period of a repeating pattern
    (``cyclic``: Friday's late items are done on Monday, as last Friday's were this Monday),
    so no work is left at the end. The formula KPI columns stay empty: a deferred interval's capacity serves work of
    other intervals; the note gives the planned on-time share. ``free_agents`` (one value a
    row; blending, :func:`staff_blended`): capacity the plan gets from a voice team's idle
    time, simulated with the plan; ``agents`` is then what is left to staff, and the rows
    gain ``blend_free_agents`` (that capacity) and ``blend_used_agents`` (the work the plan
    does in it, agents)."""
    frame, interval_min = forecast.frame, forecast.interval_min
    if target.deadline_h is None:
        raise InputError(f"{forecast.source}: channel {target.channel} is deferred work and "
                         "needs deadline_h (business hours, e.g. 8; wfm.toml [staffing] or "
                         "[queues.NAME])", param="deadline_h")
    agents = np.zeros(len(frame), dtype=np.int64)
    used = np.zeros(len(frame))
    window = np.full(len(frame), np.nan)
    work_scale = np.full(len(frame), np.nan)
    notes = []
    step_ns = interval_min * 60_000_000_000
    keys = [c for c in SERIES_COLUMNS if c in frame.columns]
    groups = frame.groupby(keys, sort=False).indices if keys else {"": np.arange(len(frame))}
    for key, rows in groups.items():
        order, _ = time_order(frame.iloc[rows], interval_min)
        rows = np.asarray(rows)[order]
        starts = pd.to_datetime(frame[S.INTERVAL_START].to_numpy()[rows])
        monday = starts[0].normalize() - pd.Timedelta(days=starts[0].weekday())
        t = starts.to_numpy("datetime64[ns]").astype(np.int64)
        slot = (t - monday.value) // step_ns
        week = 7 * 24 * 60 // interval_min
        n_slots = int(-(-(int(slot[-1]) + 1) // week) * week)     # whole weeks
        is_open = np.zeros(n_slots, dtype=bool)
        is_open[slot] = True
        items = np.zeros(n_slots)
        items[slot] = calls[rows]
        handle = np.full(n_slots, float(np.nanmean(aht[rows])) if len(rows) else 1.0)
        handle[slot] = np.where(aht[rows] > 0, aht[rows], handle[slot])
        free = None
        if free_agents is not None:
            free = np.zeros(n_slots)
            free[slot] = free_agents[rows]
        cal = calibrated_capacity(items, handle, interval_min, is_open,
                                  deadline_h=target.deadline_h,
                                  deadline_share=target.deadline_share, free_agents=free)
        plan = cal.plan
        agents[rows] = np.maximum(plan.capacity_agents[slot], target.min_agents)
        window[rows] = plan.window_intervals
        work_scale[rows] = 1.0 + cal.margin
        used[rows] = plan.blended_agents[slot]
        parts = key if isinstance(key, tuple) else (key,)
        label = (", ".join(f"{c} {v}" for c, v in zip(keys, parts, strict=True)) + ": "
                 if keys else "")
        blended = (f" of its own plus {plan.blended_agent_h:,.1f} agent-hours done in the "
                   f"voice agents' idle time (blending; {float(free.sum()) * interval_min / 60:,.1f}"
                   " available)" if free is not None else "")
        notes.append(f"{label}deferred work, {target.deadline_share:.0%} within "
                     f"{target.deadline_h:g} business hours: {plan.capacity_agent_h:,.1f} "
                     f"agent-hours{blended} ({cal.ratio_to_bound:.3f} x the LP bound, work "
                     f"margin {cal.margin:.1%}), simulated {cal.block_shares.min():.1%} on "
                     "time in the worst of 8 repeated periods; the forecast's weeks are taken "
                     "as a repeating pattern (the end of a week's work is done at the start "
                     "of the next)")
    empty = np.full(len(frame), np.nan)
    columns = {"traffic_erl": load, "agents": agents,
               "scheduled_agents": scheduled_agents(agents, target.shrinkage),
               **{col: empty for col in ("service_level", "p_wait", "asa_s", "occupancy",
                                         "p_abandon", "p_block")},
               "staffing_erl": load, "staffing_model": "deferred",
               "window_intervals": window, "deferred_work_scale": work_scale,
               "deadline_h": np.full(len(frame), float(target.deadline_h)),
               "deadline_share": np.full(len(frame), float(target.deadline_share))}
    if free_agents is not None:
        columns.update(blend_free_agents=free_agents, blend_used_agents=used)
    return columns, notes, "deferred"


def series_tasks(frame: pd.DataFrame):
    """(key, row positions) per series (queue x channel, :data:`SERIES_COLUMNS` present) in
    the order the series first appear; one ({}, all rows) for a frame without them."""
    keys = [c for c in SERIES_COLUMNS if c in frame.columns]
    if not keys:
        return [({}, np.arange(len(frame)))]
    out = []
    for values, rows in frame.groupby(keys, sort=False, dropna=False).indices.items():
        values = values if isinstance(values, tuple) else (values,)
        out.append((dict(zip(keys, values, strict=True)), np.asarray(rows)))
    return out


#: rows a staffing task holds at most, whole series (a longer series is a task of its own):
#: the tasks are cut from the file alone, never from the number of workers, and each series
#: is staffed on its own inside its task, so any cut gives the same requirements
ROWS_PER_TASK = 20_000


def series_codes(frame: pd.DataFrame) -> tuple[np.ndarray, list[dict]]:
    """(series number of every row, the key of each series): the series (queue x channel,
    :data:`SERIES_COLUMNS` present) numbered in the order they first appear, as
    :func:`series_tasks` lists them; one series ``{}`` for a frame without those columns.
    Each text column is factorized once (no per-series selection of Arrow text)."""
    keys = [c for c in SERIES_COLUMNS if c in frame.columns]
    if not keys:
        return np.zeros(len(frame), dtype=np.int64), [{}]
    combined = np.zeros(len(frame), dtype=np.int64)
    uniques = []
    for c in keys:
        codes, values = pd.factorize(frame[c], use_na_sentinel=False)
        combined = combined * len(values) + codes
        uniques.append((c, values, len(values)))
    codes, distinct = pd.factorize(combined)
    out = []
    for value in distinct:
        key, rest = {}, int(value)
        for c, values, n in reversed(uniques):
            rest, i = divmod(rest, n)
            key[c] = values[i]
        out.append({c: key[c] for c in keys})
    return codes.astype(np.int64), out


def task_bounds(counts: np.ndarray, rows_per_task: int = ROWS_PER_TASK) -> list[tuple[int, int]]:
    """(first series, end series) of each task: consecutive series whose rows add up to at
    most ``rows_per_task`` (a series with more is a task alone)."""
    out, first, rows = [], 0, 0
    for i, n in enumerate(counts):
        if rows and rows + n > rows_per_task:
            out.append((first, i))
            first, rows = i, 0
        rows += int(n)
    if len(counts):
        out.append((first, len(counts)))
    return out


def staffing_columns(frame: pd.DataFrame) -> list[str]:
    """The columns staffing reads (times, the offered calls and their prediction interval,
    handle time, UTC offset, the file line for messages); the text columns (queue,
    channel and any kept ones) stay in the parent."""
    return [c for c in frame.columns
            if c in (S.INTERVAL_START, S.UTC_OFFSET, S.OFFERED, S.AHT_S, reader.LINE)
            or str(c).startswith(("offered_lo", "offered_hi"))]


def _staff_task(task) -> list[tuple[dict, list, str]]:
    """Several series staffed, each on its own (a pure map task of :func:`staff_with_config`):
    ``task`` = (the forecast without rows, the staffing columns of the task's rows series
    after series, each series' (end row, key, target index, aht_s, seed), the targets);
    per series (requirement columns, notes, staffing method)."""
    template, columns, series, targets = task
    rows = pd.DataFrame(columns)
    out, start = [], 0
    for end, key, t, aht_s, seed in series:
        part = rows.iloc[start:end]
        target = targets[t]
        if S.CHANNEL in key and target.channel is None:
            target = target.for_channel(str(key[S.CHANNEL]))
        out.append(_requirement_columns(replace(template, frame=part), target, aht_s, seed))
        start = end
    return out


def staff_with_config(forecast: IntervalFile, config: Config | None = None, *,
                      aht_s: float | None = None, workers: int | None = 1,
                      scheduler: str | None = None, progress=None,
                      rows_per_task: int = ROWS_PER_TASK,
                      **target_overrides) -> Requirements:
    """Staff ``forecast`` with the settings of a ``wfm.toml``.

    Precedence: ``target_overrides`` / ``aht_s`` given here (command-line options) > the
    queue's ``[queues.NAME]`` table > the file's general tables > built-in defaults. With
    per-queue settings each queue is staffed with its own target; rows keep their order.

    Each series (queue x channel) is staffed on its own, as a pure map
    (:func:`wfmcore.parallel.map_ordered`: ``workers`` processes, or the Dask cluster at
    ``scheduler``; ``progress(n)`` as the n series of a task are done), the ``isa``
    simulation seeded from the series key: the same requirements for any number of workers
    and any ``rows_per_task``. A task carries whole series up to ``rows_per_task`` rows
    (:func:`task_bounds`) as numeric arrays (:func:`staffing_columns`), the series found
    by integer codes (:func:`series_codes`); the parent joins the columns and writes the
    times once. A note is prefixed with its series where the file has more than one (or
    per-queue settings).
    """
    config = config or Config()
    rows_per_task = checks.whole(rows_per_task, "rows_per_task", minimum=1)
    frame = forecast.frame
    if S.QUEUE in frame.columns and config.queues:
        unknown = sorted(set(config.queues) - set(frame[S.QUEUE]))
        if unknown:
            raise InputError(f"{config.path}: [queues.{unknown[0]}] names a queue that is not "
                             f"in {forecast.source}")
    per_queue = S.QUEUE in frame.columns and bool(config.queues)
    shown = [c for c in SERIES_COLUMNS if c in frame.columns
             and (frame[c].nunique(dropna=False) > 1 or (c == S.QUEUE and per_queue))]
    keys, per_series, columns, targets = _staffed_series(
        forecast, config, per_queue, aht_s, target_overrides, workers=workers,
        scheduler=scheduler, progress=progress, rows_per_task=rows_per_task)
    notes, methods = _series_notes(keys, per_series, shown)
    if per_queue:
        methods = {t.staffing_method for t in targets}
    return Requirements(frame=requirement_frame(frame, columns),
                        interval_min=forecast.interval_min,
                        staffing_method="/".join(sorted(methods)), notes=tuple(notes))


def _series_notes(keys: list[dict], per_series: list, shown: list[str]):
    """(notes, staffing methods): each series' notes prefixed with the ``shown`` columns of
    its key."""
    notes, methods = [], set()
    for key, (part_notes, method) in zip(keys, per_series, strict=True):
        label = "".join(f"{c} {key[c]}: " for c in shown)
        notes += [label + n for n in part_notes]
        methods.update(method.split("/"))
    return notes, methods


def _staffed_series(forecast: IntervalFile, config: Config, per_queue: bool, aht_s,
                    target_overrides: dict, *, workers, scheduler, progress,
                    rows_per_task: int = ROWS_PER_TASK):
    """(series keys, each series' (notes, staffing method), the requirement columns in the
    frame's row order, the targets): the map of :func:`staff_with_config`."""
    frame = forecast.frame
    codes, keys = series_codes(frame)
    order = np.argsort(codes, kind="stable")            # series after series, file order
    counts = np.bincount(codes, minlength=len(keys))
    ends = np.cumsum(counts)
    targets, target_index, settings = [], {}, []
    for key in keys:
        queue = key.get(S.QUEUE) if per_queue else None
        if queue not in target_index:
            target_index[queue] = len(targets)
            targets.append(config.service_target(queue, **target_overrides))
        settings.append((target_index[queue], aht_for(config, queue, aht_s), key_seed(key)))
    template = replace(forecast, frame=frame.iloc[:0])
    arrays = {c: frame[c].to_numpy()[order] for c in staffing_columns(frame)}
    tasks, sizes = [], []
    for first, end in task_bounds(counts, rows_per_task):
        lo = int(ends[first - 1]) if first else 0
        hi = int(ends[end - 1])
        used = sorted({settings[i][0] for i in range(first, end)})
        local = {t: j for j, t in enumerate(used)}
        series = [(int(ends[i]) - lo, keys[i], local[settings[i][0]], *settings[i][1:])
                  for i in range(first, end)]
        tasks.append((template, {c: v[lo:hi] for c, v in arrays.items()}, series,
                      [targets[t] for t in used]))
        sizes.append(end - first)
    results = [r for part in map_ordered(_staff_task, tasks, workers=workers,
                                         progress=progress, progress_units=sizes,
                                         scheduler=scheduler) for r in part]
    columns = {}
    for col in REQUIREMENT_COLUMNS:
        if col == "staffing_model":
            joined = np.repeat(np.array([r[0][col] for r in results], dtype=object), counts)
        else:
            joined = np.concatenate([r[0][col] for r in results] or [np.empty(0)])
        columns[col] = np.empty_like(joined)
        columns[col][order] = joined
    for col in DEFERRED_WINDOW_COLUMNS:       # deferred series only; empty on the others
        if any(col in r[0] for r in results):
            joined = np.concatenate([np.asarray(r[0].get(col, np.full(len(r[0]["agents"]),
                                                                          np.nan)), float)
                                     for r in results])
            columns[col] = np.empty_like(joined)
            columns[col][order] = joined
    return keys, [(r[1], r[2]) for r in results], columns, targets


def _staff_partition(task):
    """One partition of a dataset read and staffed here, by the worker it is given to (a
    pure map task of :func:`staff_partitioned`): (requirements frame, interval length,
    series keys, each series' (notes, method))."""
    path, interval_min, config, per_queue, aht_s, target_overrides = task
    forecast = read_forecast(path, interval_min=interval_min)
    keys, per_series, columns, _ = _staffed_series(forecast, config, per_queue, aht_s,
                                                   target_overrides, workers=1,
                                                   scheduler=None, progress=None)
    return (requirement_frame(forecast.frame, columns), forecast.interval_min, keys,
            per_series)


def staff_partitioned(folder, config: Config | None = None, *, aht_s: float | None = None,
                      interval_min: int | None = None, workers: int | None = 1,
                      scheduler: str | None = None, progress=None, on_series=None,
                      **target_overrides) -> Requirements:
    """:func:`staff_with_config` of a forecast that is a Parquet dataset partitioned by queue
    (``FOLDER/queue=NAME/*.parquet``, :func:`wfmcore.reader.partitions`): each partition is
    read by the one reader and staffed by the worker it is given to (memory: one queue's
    forecast per worker). Rows come partition after partition (queues in name order), each
    in its file order; frame, notes and method equal :func:`staff_with_config` of those
    rows in one file. ``progress`` / ``on_series`` count partitions."""
    config = config or Config()
    if interval_min is not None:
        interval_min = checks.whole(interval_min, "interval_min", minimum=1)
    parts = reader.partitions(folder)
    if on_series is not None:
        on_series(len(parts))
    names = {q for q, _ in parts}
    unknown = sorted(set(config.queues) - names)
    if unknown:
        raise InputError(f"{config.path}: [queues.{unknown[0]}] names a queue that is not "
                         f"in {folder}")
    per_queue = bool(config.queues)
    tasks = [(str(p), interval_min, config, per_queue, aht_s, target_overrides)
             for _, p in parts]
    results = map_ordered(_staff_partition, tasks, workers=workers, progress=progress,
                          scheduler=scheduler)
    steps = {r[1] for r in results}
    if len(steps) > 1:
        raise InputError(f"{folder}: the partitions have different interval lengths "
                         f"({', '.join(f'{m} min' for m in sorted(steps))}); give "
                         "--interval-min", param="interval_min")
    keys = [k for r in results for k in r[2]]
    per_series = [x for r in results for x in r[3]]
    shown = [c for c in SERIES_COLUMNS
             if len({str(k[c]) for k in keys if c in k}) > 1 or (c == S.QUEUE and per_queue)]
    notes, methods = _series_notes(keys, per_series, shown)
    if per_queue:
        methods = {config.service_target(q, **target_overrides).staffing_method
                   for q in sorted(names)}
    frame = pd.concat([r[0] for r in results], ignore_index=True)
    return Requirements(frame=frame, interval_min=results[0][1],
                        staffing_method="/".join(sorted(methods)), notes=tuple(notes))


def aht_for(config: Config, queue: str | None, aht_s: float | None) -> float | None:
    """AHT for rows without one: the option, else the queue's table, else [staffing]."""
    if aht_s is not None:
        return aht_s
    q = config.queues.get(queue, {}) if queue is not None else {}
    return q.get("aht_s", config.staffing.get("aht_s"))


#: columns the voice rows of a blending team gain (:func:`staff_blended`): the threshold
#: (agents kept free for calls), the voice KPIs with blending on (Bhulai & Koole chain), the
#: same chain's service level without blending, and the agents busy on deferred work
BLEND_VOICE_COLUMNS = ("blend_threshold", "blend_service_level", "blend_asa_s",
                       "blend_occupancy", "blend_service_level_without", "blend_deferred_erl")
#: columns the blended deferred rows gain (:func:`_staff_deferred`)
BLEND_DEFERRED_COLUMNS = ("blend_free_agents", "blend_used_agents")
VOICE_KINDS = ("erlang_c", "erlang_a", "erlang_x")


def _row_models(frame: pd.DataFrame, target: ServiceTarget) -> np.ndarray:
    """The staffing model of each row under ``target`` (by the row's channel, as
    :func:`staff` does)."""
    if S.CHANNEL not in frame.columns or target.channel is not None:
        return np.full(len(frame), target.model, dtype=object)
    return np.array([target.for_channel(str(c)).model for c in frame[S.CHANNEL]],
                    dtype=object)


def _blend_parts(frame: pd.DataFrame, config: Config, source: str, overrides: dict):
    """queue -> (its deferred row positions, the voice row positions of its blend_with
    queue, the blending settings), checked (:mod:`wfmcore.config`, call blending)."""
    if S.QUEUE not in frame.columns:
        raise InputError(f"{config.path}: blend_with needs a 'queue' column in {source}")
    queues = frame[S.QUEUE].astype(str).to_numpy()
    parts, voice_taken = {}, {}
    for queue, settings in config.blending().items():
        voice = settings["blend_with"]
        where = f"{config.path}: key 'queues.{queue}.blend_with'"
        if voice not in set(queues):
            raise InputError(f"{where} names queue {voice!r}, which is not in {source}")
        mine = queues == queue
        deferred = np.flatnonzero(mine & (_row_models(frame, config.service_target(
            queue, **overrides)) == "deferred"))
        if not deferred.size:
            raise InputError(f"{where}: queue {queue} has no deferred work (channel email, "
                             "callback, backoffice or deferred) to blend")
        if S.CHANNEL in frame.columns and frame[S.CHANNEL].iloc[deferred].nunique() > 1:
            raise InputError(f"{where}: queue {queue} has more than one deferred channel; "
                             "one deferred series per voice queue can be blended")
        models = _row_models(frame, config.service_target(voice, **overrides))
        voice_rows = np.flatnonzero((queues == voice) & np.isin(models, VOICE_KINDS))
        if not voice_rows.size:
            raise InputError(f"{where} names queue {voice!r}, which has no voice rows")
        if voice in voice_taken:
            raise InputError(f"{where}: voice queue {voice!r} already blends with queue "
                             f"{voice_taken[voice]} (two deferred queues would share the "
                             "same idle time)")
        voice_taken[voice] = queue
        parts[queue] = (deferred, voice_rows, settings)
    return parts


def _voice_aht(req: pd.DataFrame, interval_min: int) -> np.ndarray:
    """Handle time of requirement rows: traffic x interval / calls, the rows' work-weighted
    mean where no calls are offered."""
    calls = req[S.OFFERED].to_numpy(float)
    work = req["traffic_erl"].to_numpy(float) * interval_min * 60.0
    mean = work.sum() / calls.sum() if calls.sum() > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(calls > 0, work / calls, mean)


def staff_blended(forecast: IntervalFile, config: Config | None = None, *,
                  aht_s: float | None = None, workers: int | None = 1,
                  scheduler: str | None = None, progress=None,
                  **target_overrides) -> Requirements:
    """:func:`staff_with_config`, with call blending where a deferred queue's table has
    ``blend_with`` (:mod:`wfmcore.config`).

    The other series are staffed first. Then, per blended queue, the voice rows of its
    ``blend_with`` queue (agents on the phones, the load they were staffed for, the calls'
    handle time) give each interval its threshold and deferred Erlangs under the threshold
    rule (:func:`erlang.blending.blend_intervals`: voice service level within
    ``blend_max_sl_drop`` of unblended and at its target, occupancy at most
    ``blend_max_occupancy``; the chain has no abandonment, so for Erlang A voice it is on
    the safe side), and those Erlangs are free capacity for the queue's deferred plan
    (:func:`_staff_deferred`, with the deferred items' mean handle time): only the rest is
    its requirement. Voice rows gain :data:`BLEND_VOICE_COLUMNS`, the deferred rows
    :data:`BLEND_DEFERRED_COLUMNS`; :func:`blending_figures` sums them up."""
    config = config or Config()
    frame = forecast.frame
    if not config.blending():
        return staff_with_config(forecast, config, aht_s=aht_s, workers=workers,
                                 scheduler=scheduler, progress=progress, **target_overrides)
    parts = _blend_parts(frame, config, forecast.source, target_overrides)
    blended = np.zeros(len(frame), dtype=bool)
    for deferred, _voice, _settings in parts.values():
        blended[deferred] = True
    rest_frame = frame.loc[~blended]
    rest_queues = set(rest_frame[S.QUEUE].astype(str))
    rest_config = replace(config, queues={q: t for q, t in config.queues.items()
                                          if q in rest_queues})
    rest = staff_with_config(replace(forecast, frame=rest_frame), rest_config, aht_s=aht_s,
                             workers=workers, scheduler=scheduler, progress=progress,
                             **target_overrides)
    out = rest.frame.copy()
    for col in BLEND_VOICE_COLUMNS:
        out[col] = np.nan
    pieces, notes, methods = [out], list(rest.notes), set(rest.staffing_method.split("/"))
    interval_min = forecast.interval_min
    for queue, (deferred, voice_rows, settings) in parts.items():
        voice_index = frame.index[voice_rows]
        vreq = out.loc[voice_index]
        voice = settings["blend_with"]
        vt = config.service_target(voice, **target_overrides)
        part = replace(forecast, frame=frame.iloc[deferred])
        d_calls = part.frame[S.OFFERED].to_numpy(float)
        d_aht = row_aht(part, aht_for(config, queue, aht_s))
        aht_out = (float((d_calls * d_aht).sum() / d_calls.sum()) if d_calls.sum() > 0
                   else float(np.nanmean(np.where(d_aht > 0, d_aht, np.nan))))
        b = blend_intervals(vreq["agents"].to_numpy(float), vreq["staffing_erl"].to_numpy(float),
                            _voice_aht(vreq, interval_min), aht_out, sl_target=vt.sl_target,
                            sl_threshold_s=vt.sl_threshold_s,
                            max_sl_drop=settings["blend_max_sl_drop"],
                            max_occupancy=settings["blend_max_occupancy"])
        values = dict(zip(BLEND_VOICE_COLUMNS, (b.threshold, b.service_level, b.asa_s,
                                                b.occupancy, b.service_level_without,
                                                b.deferred_erl), strict=True))
        for col, v in values.items():
            out.loc[voice_index, col] = v
        by_time = pd.Series(b.deferred_erl, index=vreq[S.INTERVAL_START].to_numpy())
        by_time = by_time[~by_time.index.duplicated()]
        times = reader.format_times(part.frame[S.INTERVAL_START]).to_numpy()
        free = by_time.reindex(times).fillna(0.0).to_numpy()
        target = config.service_target(queue, **target_overrides)
        if S.CHANNEL in part.frame.columns:
            target = target.for_channel(str(part.frame[S.CHANNEL].iloc[0]))
        columns, d_notes, method = _staff_deferred(
            part, target, d_calls, d_aht, offered_load(d_calls, d_aht, interval_min),
            free_agents=free)
        d_frame = requirement_frame(part.frame, columns)
        for col in BLEND_DEFERRED_COLUMNS:
            d_frame[col] = columns[col]
        pieces.append(d_frame)
        methods.add(method)
        notes += d_notes
        calls = vreq[S.OFFERED].to_numpy(float)
        ok = np.isfinite(b.service_level) & (calls > 0)
        if ok.any():
            notes.append(f"queue {queue} blended with voice queue {voice}: voice service level "
                         f"{np.average(b.service_level[ok], weights=calls[ok]):.2%} with "
                         f"blending, {np.average(b.service_level_without[ok], weights=calls[ok]):.2%}"
                         " without (Bhulai & Koole chain, calls-weighted), highest occupancy "
                         f"{np.nanmax(b.occupancy):.1%}, median threshold "
                         f"{int(np.median(b.threshold))} agent(s) kept free")
        if b.too_large:
            notes.append(f"queue {queue}: {b.too_large} case(s) of voice queue {voice} too "
                         "large for the exact blending chain with items of another handle "
                         "time were not blended")
        if progress is not None:
            progress(1)
    return Requirements(frame=pd.concat(pieces).loc[frame.index],
                        interval_min=interval_min, staffing_method="/".join(sorted(methods)),
                        notes=tuple(notes))


def blending_figures(frame: pd.DataFrame, interval_min: int) -> dict[str, float]:
    """What blending did in a requirements frame (:func:`staff_blended`): ``blended_agent_h``
    (deferred work the voice agents' idle time does in the plan), ``blend_free_agent_h``
    (the idle time on offer), ``blend_voice_service_level`` and
    ``blend_voice_service_level_without`` (calls-weighted over the blending voice rows, with
    and without blending, Bhulai & Koole chain); NaN / 0 without blending."""
    h = interval_min / 60.0
    out = {"blended_agent_h": 0.0, "blend_free_agent_h": 0.0,
           "blend_voice_service_level": math.nan,
           "blend_voice_service_level_without": math.nan}
    if "blend_used_agents" in frame.columns:
        out["blended_agent_h"] = float(frame["blend_used_agents"].sum() * h)
        out["blend_free_agent_h"] = float(frame["blend_free_agents"].sum() * h)
    if "blend_service_level" in frame.columns:
        sl = frame["blend_service_level"].to_numpy(float)
        base = frame["blend_service_level_without"].to_numpy(float)
        calls = frame[S.OFFERED].to_numpy(float)
        ok = np.isfinite(sl) & np.isfinite(base) & (calls > 0)
        if ok.any():
            out["blend_voice_service_level"] = float(np.average(sl[ok], weights=calls[ok]))
            out["blend_voice_service_level_without"] = float(np.average(base[ok],
                                                                        weights=calls[ok]))
    return out


def staff_file(forecast_path: Path, out: Path, *, config: Config | None = None,
               aht_s: float | None = None, interval_min: int | None = None,
               workers: int | None = 1, scheduler: str | None = None, progress=None,
               on_series=None, partitioned: bool = False,
               **target_overrides) -> Requirements:
    """``wfm staff``: read a forecast file, staff it (series in parallel:
    :func:`staff_with_config`, with call blending :func:`staff_blended`;
    ``on_series(n)`` is told the number of series first), write the requirements CSV
    (atomic; never over an input). ``partitioned``: ``forecast_path`` is a Parquet
    dataset partitioned by queue, each partition read and staffed by a worker
    (:func:`staff_partitioned`; ``on_series`` / ``progress`` count partitions), and
    ``out`` a CSV, or a folder (no suffix) written the same way, one ``queue=NAME``
    partition per queue (:func:`wfmcore.io.write_partitioned`)."""
    config = config or Config()
    inputs = [forecast_path] + ([config.path] if config.path else [])
    out = Path(out)
    as_dataset = partitioned and (out.is_dir() or out.suffix == "")
    check_output_path(out, inputs)
    if not scheduler:
        start_workers(workers, __name__)        # their start-up overlaps the reading
    if partitioned:
        requirements = staff_partitioned(forecast_path, config, aht_s=aht_s,
                                         interval_min=interval_min, workers=workers,
                                         scheduler=scheduler, progress=progress,
                                         on_series=on_series, **target_overrides)
    else:
        forecast = read_forecast(forecast_path, interval_min=interval_min)
        if on_series is not None:
            on_series(len(series_codes(forecast.frame)[1]))
        requirements = staff_blended(forecast, config, aht_s=aht_s, workers=workers,
                                     scheduler=scheduler, progress=progress,
                                     **target_overrides)
    if as_dataset:
        frame = requirements.frame
        write_partitioned(((q, frame[frame[S.QUEUE] == q]) for q in pd.unique(frame[S.QUEUE])),
                          out, S.QUEUE, inputs=[forecast_path])
    else:
        write_csv_atomic(requirements.frame, out, inputs=[forecast_path])
    return requirements
