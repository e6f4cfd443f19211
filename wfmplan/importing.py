"""``wfm import FILE -o history.csv``: read an ACD export once, write the normalised history.

The export is read by the one reader (:func:`wfmcore.reader.read_intervals` with
:class:`~wfmcore.readoptions.ReadOptions`: layout, time zones, dates, durations, channel,
filter), the intervals it left out inside the opening hours are filled with 0 calls
(:func:`wfmcore.reader.fill_gaps`), and the result is written atomically in wfm's own schema
(:mod:`wfmcore.schema`: ``queue``, ``channel``, ``interval_start`` as YYYY-MM-DD HH:MM,
``utc_offset_min`` with a time zone, counts and seconds). :class:`ImportSummary` says what
was recognised, so a planner can check the reading once and reuse the file with every
command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfmcore import reader
from wfmcore import schema as S
from wfmcore.io import check_output_path, write_csv_atomic
from wfmcore.readoptions import ReadOptions

__all__ = ["ImportSummary", "import_history", "normalised_history", "summary_lines"]

#: the columns of a normalised history, in the order they are written
HISTORY_COLUMNS = (*S.FRAME_COLUMNS, *[c for c in (*S.KPI_COUNT_COLUMNS, *S.KPI_VALUE_COLUMNS)
                                      if c not in S.FRAME_COLUMNS])


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_history` recognised and wrote.

    ``layout``: the layout name the header was read with; ``sheet``: the Excel sheet (None
    for other files); ``tz`` / ``input_tz``: the site zone and the zone of naive input
    times; ``interval_min``; ``queues`` and ``channels`` (empty when the file has no such
    column) and ``series`` (queue, channel) pairs; ``first_day`` / ``last_day``; ``rows``
    written, of which ``rows_filled`` were added with 0 calls; ``columns_ignored`` (file
    columns not read); ``notes``; ``source`` and ``out``.
    """

    source: str
    out: Path
    layout: str
    sheet: str | None
    tz: str | None
    input_tz: str | None
    interval_min: int
    queues: tuple[str, ...]
    channels: tuple[str, ...]
    series: tuple[tuple[str | None, str | None], ...]
    first_day: dt.date
    last_day: dt.date
    rows: int
    rows_filled: int
    columns_ignored: tuple[str, ...]
    notes: tuple[str, ...]


def normalised_history(source, options: ReadOptions | None = None
                       ) -> tuple[pd.DataFrame, reader.IntervalFile, int]:
    """(history frame in wfm's schema, the file as read, rows filled): sorted by queue,
    channel and time (the summer-time copy of a repeated autumn hour first), gaps inside the
    opening hours filled with 0 calls."""
    table = reader.read_intervals(source, "history", options=options)
    frame = table.frame
    keys = [*S.series_keys(frame), S.INTERVAL_START]
    if S.UTC_OFFSET in frame.columns and table.tz is not None:
        keys.append(S.UTC_OFFSET)
    frame = frame.sort_values(keys, ascending=[True] * (len(keys) - 1) + [
        S.UTC_OFFSET not in keys], kind="stable").reset_index(drop=True)
    frame = frame[[c for c in (*HISTORY_COLUMNS, reader.LINE) if c in frame.columns]]
    frame, filled = reader.fill_gaps(frame, table.interval_min, table.tz)
    return frame.drop(columns=[reader.LINE]), table, filled


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as YYYY-MM-DD HH:MM; whole-number count columns without a '.0'."""
    out = frame.copy()
    out[S.INTERVAL_START] = reader.format_times(out[S.INTERVAL_START]).to_numpy()
    for col in (*S.COUNT_COLUMNS, *S.KPI_COUNT_COLUMNS):
        if col in out.columns:
            v = out[col].to_numpy(float)
            if np.all(np.isnan(v) | (v == np.round(v))):
                out[col] = pd.array(np.where(np.isnan(v), pd.NA, v), dtype="Int64") \
                    if np.isnan(v).any() else v.astype(np.int64)
    return out


def import_history(source, out: Path | str, options: ReadOptions | None = None, *,
                   inputs=()) -> ImportSummary:
    """Read ``source`` (a path or DataFrame) with ``options``, write the normalised history
    to ``out`` (CSV, atomically; never over the source or the other ``inputs``) and return
    what was recognised."""
    srcs = [source] if isinstance(source, str | Path) else []
    check_output_path(out, [*srcs, *inputs])
    frame, table, filled = normalised_history(source, options)
    path = write_csv_atomic(_for_csv(frame), out, inputs=[*srcs, *inputs])
    keys = S.series_keys(frame)
    pairs = frame[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    series = tuple((r.get(S.QUEUE), r.get(S.CHANNEL)) for r in pairs.to_dict("records"))
    day = frame[S.INTERVAL_START].dt.date
    notes = list(table.notes)
    if filled:
        notes.append(reader.fill_note(filled))
    return ImportSummary(
        source=table.source, out=path, layout=table.layout, sheet=table.sheet, tz=table.tz,
        input_tz=options.input_tz if options is not None else None,
        interval_min=int(table.interval_min),
        queues=tuple(sorted(frame[S.QUEUE].unique())) if S.QUEUE in frame else (),
        channels=tuple(sorted(frame[S.CHANNEL].unique())) if S.CHANNEL in frame else (),
        series=series, first_day=day.min(), last_day=day.max(), rows=len(frame),
        rows_filled=filled, columns_ignored=table.ignored, notes=tuple(notes))


def summary_lines(s: ImportSummary) -> list[str]:
    """What ``wfm import`` prints: one fact a line."""
    zone = s.tz or "none (times as written, no daylight-saving handling)"
    if s.input_tz and s.input_tz != s.tz:
        zone += f" (input times in {s.input_tz}, converted)"
    n_q = len(s.queues) or 1
    n_c = len(s.channels) or 1
    lines = [
        f"layout             {s.layout}" + (f" (sheet {s.sheet!r})" if s.sheet else ""),
        f"time zone          {zone}",
        f"interval length    {s.interval_min} min",
        f"queues x channels  {n_q} x {n_c}: "
        + ", ".join(" / ".join(p for p in pair if p is not None) or "one series"
                    for pair in s.series[:6]) + (" ..." if len(s.series) > 6 else ""),
        f"date range         {s.first_day:%Y-%m-%d} .. {s.last_day:%Y-%m-%d}",
        f"rows               {s.rows:,} ({s.rows_filled:,} filled with 0 calls)",
        f"columns ignored    {', '.join(s.columns_ignored) if s.columns_ignored else 'none'}",
    ]
    return lines + [f"note: {n}" for n in s.notes] + [f"-> {s.out}"]
