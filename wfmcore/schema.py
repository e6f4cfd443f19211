"""The frames passed between stages, documented in one place and validated at the boundary.

All frames are long: one row per queue and interval. ``interval_start`` is the left edge of
the interval in site-local time, written ``YYYY-MM-DD HH:MM``; ``queue`` is optional (one
queue when absent). Shares are 0-1, never percent; units are in the names.

history (ACD export, input of ``wfm forecast``)
    interval_start, offered [calls], optional queue, aht_s [s], handled [calls],
    abandoned [calls]
forecast (output of ``wfm forecast``, input of ``wfm staff``)
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
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wfmcore.errors import InputError

TIME_FORMAT = "%Y-%m-%d %H:%M"

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
