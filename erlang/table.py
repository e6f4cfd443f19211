"""Staffing a whole interval file: the frame-level entry point behind ``wfm staff``."""

from __future__ import annotations

import numpy as np

from erlang.staffing import ServiceTarget, kpis, required_agents, scheduled_agents
from wfmcore import schema
from wfmcore.errors import InputError


def forecast_inputs(frame, *, aht_s: float | None = None, interval_min: float | None = None,
                    source: str = "forecast"):
    """Validated (times, calls, aht_s per row, interval_min) of a forecast frame.

    ``aht_s`` fills a missing or empty ``aht_s`` column; AHT may be empty or 0 only where no
    calls are offered. The interval length comes from the spacing of ``interval_start``
    unless ``interval_min`` is given.
    """
    schema.require_columns(frame, schema.FORECAST_REQUIRED, source)
    times = schema.parse_times(frame, "interval_start", source)
    calls = schema.numeric_column(frame, "offered", source)
    if "aht_s" in frame.columns:
        aht = schema.numeric_column(frame, "aht_s", source, allow_nan=True)
        if aht_s is not None:
            aht = np.where(np.isnan(aht), float(aht_s), aht)
    elif aht_s is not None:
        if not (np.isfinite(aht_s) and aht_s > 0):
            raise InputError(f"--aht-s must be > 0 seconds; got {aht_s!r}")
        aht = np.full(len(frame), float(aht_s))
    else:
        raise InputError(f"{source}: no 'aht_s' column and no --aht-s given; "
                         "average handle time is needed to staff")
    aht = np.where(np.isnan(aht) & (calls == 0), 0.0, aht)  # AHT is irrelevant without calls
    if np.isnan(aht).any():
        i = int(np.argmax(np.isnan(aht)))
        raise InputError(f"{source}: row {i + 2}: column 'aht_s' is empty while {calls[i]:g} "
                         "calls are offered (or give --aht-s for empty cells)")
    zero_aht = (aht == 0) & (calls > 0)
    if zero_aht.any():
        i = int(np.argmax(zero_aht))
        raise InputError(f"{source}: row {i + 2}: column 'aht_s' is 0 while {calls[i]:g} calls "
                         "are offered; handle time must be > 0")
    if interval_min is None:
        groups = frame["queue"] if "queue" in frame.columns else np.zeros(len(frame))
        interval_min = schema.interval_minutes(times, groups, source)
    elif not (np.isfinite(interval_min) and interval_min > 0):
        raise InputError(f"--interval-min must be > 0; got {interval_min!r}")
    return times, calls, aht, interval_min


def staff(frame, target: ServiceTarget | None = None, *, aht_s: float | None = None,
          interval_min: float | None = None, source: str = "forecast"):
    """Add required agents and their KPIs to every row of a forecast frame.

    ``frame`` has ``interval_start``, ``offered`` (calls), optional ``queue`` and ``aht_s``
    (per row; else the ``aht_s`` argument). The interval length comes from the spacing of
    ``interval_start`` unless ``interval_min`` is given. Returns a copy with the columns
    ``traffic_erl``, ``agents``, ``scheduled_agents``, ``service_level``, ``p_wait``,
    ``asa_s``, ``occupancy``, ``p_abandon`` (NaN for Erlang C) appended.
    """
    target = target or ServiceTarget()
    _, calls, aht, interval_min = forecast_inputs(frame, aht_s=aht_s,
                                                  interval_min=interval_min, source=source)
    load = calls * aht / (interval_min * 60.0)
    agents = required_agents(load, aht, target)
    k = kpis(agents, load, aht, target)
    out = frame.copy()
    out["traffic_erl"] = load
    out["agents"] = agents
    out["scheduled_agents"] = scheduled_agents(agents, target.shrinkage)
    out["service_level"] = k["service_level"]
    out["p_wait"] = k["p_wait"]
    out["asa_s"] = k["asa_s"]
    out["occupancy"] = k["occupancy"]
    out["p_abandon"] = k["p_abandon"] if target.patience_s is not None else np.nan
    out.attrs["interval_min"] = interval_min
    return out


def staff_with_config(frame, config=None, *, aht_s: float | None = None,
                      interval_min: float | None = None, source: str = "forecast",
                      **target_overrides):
    """Staff a frame with settings from a ``wfm.toml`` (:class:`wfmcore.config.Config`).

    Precedence: ``target_overrides`` / ``aht_s`` given here (command-line options) > the
    queue's ``[queues.NAME]`` table > the file's general tables > built-in defaults. With
    per-queue settings each queue is staffed with its own target; rows keep their order.
    """
    import pandas as pd

    from wfmcore.config import Config

    config = config or Config()
    if interval_min is None:  # once for the whole file (queues must agree on it)
        schema.require_columns(frame, schema.FORECAST_REQUIRED, source)
        times = schema.parse_times(frame, "interval_start", source)
        groups = frame["queue"] if "queue" in frame.columns else np.zeros(len(frame))
        interval_min = schema.interval_minutes(times, groups, source)

    def aht_for(queue):
        if aht_s is not None:
            return aht_s
        q = config.queues.get(queue, {}) if queue is not None else {}
        return q.get("aht_s", config.staffing.get("aht_s"))

    if "queue" not in frame.columns or not config.queues:
        target = ServiceTarget(**config.target_kwargs(None, **target_overrides))
        return staff(frame, target, aht_s=aht_for(None), interval_min=interval_min,
                     source=source)
    unknown = sorted(set(config.queues) - set(frame["queue"].astype(str)))
    if unknown:
        raise InputError(f"{config.path}: [queues.{unknown[0]}] names a queue that is not in "
                         f"{source}")
    parts = []
    for queue, rows in frame.groupby(frame["queue"].astype(str), sort=False):
        target = ServiceTarget(**config.target_kwargs(queue, **target_overrides))
        parts.append(staff(rows, target, aht_s=aht_for(queue), interval_min=interval_min,
                           source=source))
    out = pd.concat(parts).loc[frame.index]
    out.attrs["interval_min"] = interval_min
    return out
