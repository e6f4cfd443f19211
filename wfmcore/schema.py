"""The frames passed between stages, documented in one place and validated at the boundary.

All frames are long: one row per queue (and channel) and interval. ``interval_start`` is the
left edge of the interval in site-local time, written ``YYYY-MM-DD HH:MM`` by every writer;
``queue`` is optional (one queue when absent). Shares are 0-1, never percent; units are in
the names. Files are read by :mod:`wfmcore.reader` (the one reader: column aliases, time
parsing, interval length), which returns the parsed frame and ``interval_min`` explicitly.

history (ACD export, input of ``wfm forecast``, ``wfm kpis``, ``wfm plan``)
    interval_start, offered [calls], optional queue, aht_s [s], handled [calls],
    abandoned [calls], utc_offset_min (with a time zone: local - UTC, minutes); for the KPI
    scorecard also answered_in_sl, short_abandoned [calls], asa_s [s], wait_s [s, total],
    staffed_agents
forecast (output of ``wfm forecast``, input of ``wfm staff``, ``wfm whatif``)
    interval_start, offered [expected calls], optional queue, aht_s [s],
    offered_lo80 / offered_hi80 [calls, named after the level], model
requirements (output of ``wfm staff``, input of ``wfm schedule``)
    the forecast columns plus traffic_erl [Erlangs], agents (required on the phones),
    scheduled_agents (agents / (1 - shrinkage), rounded up), service_level, p_wait, asa_s [s],
    occupancy, p_abandon (empty for Erlang C)
shifts (output of ``wfm schedule``)
    start, end (``YYYY-MM-DD HH:MM``), paid_hours, breaks (``HH:MM-HH:MM`` ranges joined by
    ``;``), agents (identical shifts), shift_type, optional queue and agent
coverage (output of ``wfm schedule``)
    interval_start, required, scheduled, over, under  [agents]
headcount (input of ``wfm whatif --headcount``)
    interval_start, optional queue, agents
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from wfmcore.errors import InputError

TIME_FORMAT = "%Y-%m-%d %H:%M"   # the one time format every writer writes

INTERVAL_START = "interval_start"
OFFERED = "offered"
QUEUE = "queue"
AHT_S = "aht_s"
HANDLED = "handled"
ABANDONED = "abandoned"
MODEL = "model"
UTC_OFFSET = "utc_offset_min"   # only with a time zone: local time - UTC, minutes

COUNT_COLUMNS = (OFFERED, HANDLED, ABANDONED)   # calls per interval, summed on aggregation
HISTORY_COLUMNS = (QUEUE, INTERVAL_START, OFFERED, AHT_S, HANDLED, ABANDONED)
FRAME_COLUMNS = (QUEUE, INTERVAL_START, UTC_OFFSET, OFFERED, AHT_S, HANDLED, ABANDONED)
#: history columns the KPI scorecard reads where the ACD exports them
KPI_COUNT_COLUMNS = ("handled", "abandoned", "answered_in_sl", "short_abandoned")
KPI_VALUE_COLUMNS = ("aht_s", "asa_s", "wait_s", "staffed_agents")

#: Interval lengths (minutes) wfm accepts; all divide 60 so intervals tile the hour.
INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60)

# Column aliases after normalisation (lower case, runs of non-alphanumerics -> "_"): the
# generic layout of :mod:`wfmcore.reader`. Long format of forecasting libraries
# (statsforecast/neuralforecast): unique_id, ds, y. Typical ACD exports: "Interval Start",
# "Calls Offered", "AHT (sec)", ...
ALIASES: dict[str, str] = {
    "unique_id": QUEUE, "ds": INTERVAL_START, "y": OFFERED,
    "interval": INTERVAL_START, "interval_start": INTERVAL_START, "start": INTERVAL_START,
    "start_time": INTERVAL_START, "timestamp": INTERVAL_START, "datetime": INTERVAL_START,
    "interval_start_time": INTERVAL_START, "period_start": INTERVAL_START,
    "offered": OFFERED, "calls_offered": OFFERED, "offered_calls": OFFERED, "calls": OFFERED,
    "contacts_offered": OFFERED, "volume": OFFERED,
    "queue": QUEUE, "skill": QUEUE, "split": QUEUE, "split_skill": QUEUE, "queue_name": QUEUE,
    "aht_s": AHT_S, "aht": AHT_S, "aht_sec": AHT_S, "aht_secs": AHT_S, "aht_seconds": AHT_S,
    "avg_handle_time": AHT_S, "average_handle_time": AHT_S, "avg_handle_time_sec": AHT_S,
    "handled": HANDLED, "calls_handled": HANDLED, "handled_calls": HANDLED,
    "answered": HANDLED, "calls_answered": HANDLED,
    "abandoned": ABANDONED, "calls_abandoned": ABANDONED, "abandoned_calls": ABANDONED,
    "aban": ABANDONED,
}

FORECAST_REQUIRED = ("interval_start", "offered")
COVERAGE_COLUMNS = ("interval_start", "required", "scheduled", "over", "under")
SHIFT_COLUMNS = ("start", "end", "paid_hours", "breaks", "agents", "shift_type")


def read_table(path: Path | str):
    """Read a CSV (or .xlsx / .parquet) interval file, text columns kept as text."""
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file not found")
    try:
        suffix = p.suffix.lower()
        if suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(p, dtype={"interval_start": str, "queue": str})
        elif suffix == ".parquet":
            frame = pd.read_parquet(p)
        else:
            frame = pd.read_csv(p, dtype={"interval_start": str, "queue": str})
    except (ValueError, OSError, UnicodeDecodeError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot read the file ({first})") from None
    if frame.empty:
        raise InputError(f"{p}: the file has no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def require_columns(frame, columns, source: str):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: missing column {', '.join(repr(c) for c in missing)} "
                         f"(found: {', '.join(map(str, frame.columns))})")


def parse_times(frame, column: str, source: str):
    """Parse a timestamp column; on failure name the first bad row (file line number)."""
    import pandas as pd

    raw = frame[column]
    try:
        parsed = pd.to_datetime(raw, format="ISO8601", errors="coerce")
    except (ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{source}: column '{column}' mixes time zones or offsets ({first}); "
                         "give naive local times like 2026-03-02 08:15") from None
    bad = parsed.isna()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise InputError(f"{source}: row {i + 2}: column '{column}' is {raw.iloc[i]!r}; "
                         f"expected a time like 2026-03-02 08:15 ({int(bad.sum())} rows like "
                         "this)")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _show(value) -> str:
    """A cell as the user wrote it: plain Python values, empty cells named as such."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and value != value):
        return "empty"
    return repr(value)


def numeric_column(frame, column: str, source: str, *, allow_nan=False, minimum=0.0):
    """Column as float array; name the first row that is not a number >= ``minimum``."""
    import pandas as pd

    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & ~(allow_nan & raw.isna().to_numpy())
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{source}: row {i + 2}: column '{column}' is {_show(raw.iloc[i])}; "
                         f"expected a number ({int(bad.sum())} rows like this)")
    below = values < minimum
    if below.any():
        i = int(np.argmax(below))
        raise InputError(f"{source}: row {i + 2}: column '{column}' is {_show(raw.iloc[i])}; "
                         f"must be >= {minimum:g} ({int(below.sum())} rows like this)")
    inf = np.isinf(values)
    if inf.any():
        i = int(np.argmax(inf))
        raise InputError(f"{source}: row {i + 2}: column '{column}' is {_show(raw.iloc[i])}; "
                         "must be finite")
    return values


def interval_minutes(times, groups, source: str) -> float:
    """Interval length from the spacing of ``interval_start`` (smallest step per queue).

    Every step must be a whole multiple of it (gaps for closed hours are fine); otherwise the
    file mixes interval lengths.
    """
    import pandas as pd

    frame = pd.DataFrame({"t": times, "g": groups})
    steps = []
    per_queue = {}
    for name, grp in frame.groupby("g", sort=False):
        t = np.sort(grp["t"].to_numpy(dtype="datetime64[s]").astype(np.int64))
        if t.size > 1:
            d = np.diff(t)
            steps.append(d)
            if (d > 0).any():
                per_queue[name] = int(d[d > 0].min())
    if len(set(per_queue.values())) > 1:
        shown = ", ".join(f"{q}: {v / 60:g} min" for q, v in list(per_queue.items())[:4])
        raise InputError(f"{source}: queues have different interval lengths ({shown}); "
                         "give one interval length per file")
    if not steps:
        raise InputError(f"{source}: cannot tell the interval length from a single row per "
                         "queue; give --interval-min")
    steps = np.concatenate(steps)
    if (steps == 0).any():
        raise InputError(f"{source}: duplicate interval_start within a queue")
    step = int(steps.min())
    if step % 60 or (steps % step).any():
        shown = ", ".join(f"{int(v) / 60:g}" for v in np.unique(steps)[:5])
        raise InputError(f"{source}: interval_start spacing is irregular (steps of {shown} "
                         "minutes); the file mixes interval lengths")
    return step / 60.0


def normalise_name(name: object) -> str:
    """'AHT (sec)' -> 'aht_sec'; 'Calls Offered' -> 'calls_offered'."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def level_suffix(level: float) -> str:
    """0.8 -> '80', 0.95 -> '95', 0.975 -> '97.5' (used in offered_lo80 / offered_hi80)."""
    pct = round(level * 100, 6)
    return f"{pct:g}"
