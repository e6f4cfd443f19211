"""Reading and validating interval history (ACD exports) into one long frame.

Input: CSV, Excel (.xlsx, via openpyxl) or Parquet (needs pyarrow), or a DataFrame. One row
per interval (and queue and channel) with ``interval_start`` and ``offered`` plus optional
``queue``, ``channel``, ``aht_s``, ``handled``, ``abandoned``. The long format of forecasting
libraries (``unique_id``, ``ds``, ``y``), the ACD exports of :mod:`wfmcore.layouts` and
common vendor headers ("Interval Start", "Calls Offered", "AHT (sec)") are mapped
automatically; :class:`wfmcore.readoptions.ReadOptions` maps anything else and says how to
read times (``tz``, ``input_tz``, ``date_format``), which sheet and which rows.

Every problem is an :class:`InputError` whose message names the file, the line and the
column. Line numbers are *file* line numbers for CSV and Excel (header = line 1, so the first
data row is line 2); for a DataFrame or Parquet file they are 1-based data row numbers and
the message says "data row".

Time: ``interval_start`` is naive site-local time. With ``tz`` (an IANA name such as
'America/New_York') the daylight-saving days are understood: on the autumn day the repeated
hour appears twice (first the summer-time rows, then the winter-time rows, in file order)
and on the spring day the skipped hour is absent; a column ``utc_offset_min`` (local - UTC)
keeps the repeated rows apart. Without ``tz`` those repeated rows are duplicates. Timestamps
with UTC offsets (or naive ones in ``input_tz``) are converted to ``tz``, with their exact
offsets.

Intervals an export leaves out inside the learned opening hours are filled with 0 calls
(:func:`wfmcore.reader.fill_gaps`), with one note saying how many.

The result is a :class:`History`: the frame together with its interval length, source name,
time zone and the notes written while reading (e.g. a partial interval left out by
:func:`aggregate`). Every stage after this one takes those from the History, never from
the frame.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfmcore import InputError, reader
from wfmcore import schema as S
from wfmcore.readoptions import ReadOptions
from wfmcore.readoptions import check_tz as _check_tz

_LINE = reader.LINE   # private column: where each row came from, for messages


@dataclass(frozen=True)
class History:
    """A validated interval history, as :func:`read_history` returns it.

    ``frame`` has the columns of :data:`wfmcore.schema.FRAME_COLUMNS` that the input had
    (``queue`` and ``channel`` only if it had them, ``utc_offset_min`` only with ``tz``),
    float counts, and is sorted by (``queue``, ``channel``,) ``interval_start`` (with ``tz``:
    the summer-time copy of the repeated autumn hour first). ``interval_min`` is the length of every interval in
    minutes; ``source`` the file name, or ``"<frame>"`` for a DataFrame; ``tz`` the IANA
    time zone the local times were read in (None: naive, no daylight-saving handling);
    ``notes`` what was changed on the way (e.g. a partial interval left out).
    """

    frame: pd.DataFrame
    interval_min: int
    source: str
    tz: str | None = None
    notes: tuple[str, ...] = ()


def read_history(source, *, options: ReadOptions | None = None,
                 column_map: Mapping[str, str] | None = None,
                 interval_min: int | None = None, sheet=None,
                 tz: str | None = None, fill: bool = True) -> History:
    """Read and validate an interval history; optionally aggregate to ``interval_min``.

    ``source``: a path (CSV, Excel, Parquet) or a DataFrame, read by the one reader
    (:func:`wfmcore.reader.read_intervals`: layouts, time parsing, numbers, duplicates).
    ``options``: :class:`~wfmcore.readoptions.ReadOptions` (time zones, column map, date
    format, sheet, filter, layout); ``column_map`` (``{"Inbound": "offered"}``), ``sheet``
    and ``tz`` are the same as its fields. ``fill``: add the intervals the export left out
    inside the opening hours with 0 calls (:func:`wfmcore.reader.fill_gaps`). Returns a
    :class:`History`; its interval length is detected from the rows
    (:func:`detect_interval_min`), then aggregated to ``interval_min`` if that is given and
    differs (:func:`aggregate`, which may add a note).
    """
    table = reader.read_intervals(source, "history", options=options, column_map=column_map,
                                  sheet=sheet, tz=tz, infer_interval=False)
    out, name, file_lines, tz = table.frame, table.source, table.file_lines, table.tz
    if tz is None:
        out = out.drop(columns=[S.UTC_OFFSET], errors="ignore")
    if S.AHT_S in out.columns:
        calls = out[S.HANDLED] if S.HANDLED in out.columns else out[S.OFFERED]
        aht_bad = (calls > 0) & (out[S.AHT_S].isna() | (out[S.AHT_S] <= 0))
        if aht_bad.any():
            reader.fail_rows(name, file_lines, out, aht_bad, S.AHT_S,
                             "calls were handled, so AHT must be > 0 seconds")
    keys = [*S.series_keys(out), S.INTERVAL_START]
    if tz is not None:
        keys = [*keys, S.UTC_OFFSET]
    reader.check_duplicates(out, name, file_lines, keys)
    out = out.sort_values(keys, ascending=[True] * (len(keys) - 1) + [tz is None],
                          kind="stable").reset_index(drop=True)     # summer time first
    out = out[[c for c in (*S.FRAME_COLUMNS, _LINE) if c in out.columns]]
    step = detect_interval_min(out, name=name, file_lines=file_lines)
    notes = list(table.notes)
    if fill:
        out, n = reader.fill_gaps(out, step, tz)
        if n:
            notes.append(reader.fill_note(n))
    del out[_LINE]
    history = History(frame=out, interval_min=step, source=name, tz=tz, notes=tuple(notes))
    if interval_min is not None and interval_min != step:
        history = aggregate(history, interval_min)
    return history


def check_tz(tz: str) -> zoneinfo.ZoneInfo:
    """The zone named ``tz``; an :class:`InputError` if it is not an IANA name."""
    return _check_tz(tz)


def utc_offsets(frame: pd.DataFrame, tz: str, keys: list[str], *, name: str = "<frame>",
                file_lines: bool = False) -> np.ndarray:
    """Local - UTC in minutes for each naive local ``interval_start``: see
    :func:`wfmcore.reader.utc_offsets`."""
    return reader.utc_offsets(frame, tz, keys, name=name, file_lines=file_lines)


def localize_output(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Forecast rows on naive local slots -> real intervals in ``tz``: drop slots that do
    not exist (spring), repeat the repeated hour (autumn), add ``utc_offset_min``."""
    local = pd.DatetimeIndex(frame[S.INTERVAL_START])
    parts = []
    for dst in (True, False):
        aware = local.tz_localize(tz, ambiguous=np.full(len(local), dst), nonexistent="NaT")
        ok = ~aware.isna()
        part = frame.loc[ok].copy()
        utc = aware[ok].tz_convert("UTC").tz_localize(None)
        part[S.UTC_OFFSET] = ((local[ok] - utc) / pd.Timedelta(minutes=1)).astype(int)
        part["_utc"] = utc
        parts.append(part)
    keys = S.series_keys(frame)
    out = pd.concat(parts).drop_duplicates(subset=[*keys, "_utc"])
    out = out.sort_values([*keys, "_utc"], kind="stable")
    cols = [c for c in frame.columns if c != S.INTERVAL_START and c not in keys]
    return out[[*keys, S.INTERVAL_START, S.UTC_OFFSET, *cols]].reset_index(drop=True)


def detect_interval_min(frame: pd.DataFrame, *, name: str = "<frame>",
                        file_lines: bool = False) -> int:
    """Interval length in minutes of a history frame: :func:`wfmcore.reader.interval_minutes`
    (the most common step within a day, the same for every queue, every start on its
    grid), the one rule every stage uses."""
    lines = frame[_LINE].to_numpy() if _LINE in frame else None
    return reader.interval_minutes(frame[S.INTERVAL_START], reader.series_labels(frame), name,
                                   lines=lines, file_lines=file_lines)


def aggregate(history: History, interval_min: int, *, partial: str = "drop") -> History:
    """Sum calls into coarser intervals; AHT weighted by handled calls (else offered calls).

    ``interval_min`` must be a multiple of ``history.interval_min``. Returns a new
    :class:`History` with the same source and time zone and the notes of ``history`` plus
    any added here.

    ``partial``: what to do with a coarse interval that the history only partly covers on
    every day with that weekday, e.g. 21:00-21:15 when the last 5-minute interval of the
    day is 21:00-21:05 (the bank data). ``'drop'`` (default) leaves it out and says so in
    the notes (which interval, how many calls, their share); ``'keep'`` keeps its
    calls as if they were a whole interval. Why drop: a planner reads every row as calls
    spread over ``interval_min`` minutes, so 5 minutes of calls in a 15-minute row looks
    like a quiet interval: staffing it with Erlang C understaffs the 5 minutes that are
    open by about the ratio of the lengths, and its near-zero counts distort the models'
    day totals and MASE. The calls are few (the bank's 21:00-21:05: 0.2 % of all calls) and
    the note names them, so they can be covered by the close-down or forecast at the
    history's own interval length. A bin missing sub-intervals on only some days is not
    partial (that is missing data, kept).
    """
    if not isinstance(history, History):
        raise TypeError(f"aggregate takes the History that read_history returns; got "
                        f"{type(history).__name__}")
    frame, step = history.frame, history.interval_min
    if interval_min % step != 0 or interval_min < step:
        raise InputError(f"cannot aggregate {step}-minute intervals to {interval_min} minutes; "
                         f"choose a multiple of {step}")
    if interval_min not in S.INTERVAL_MINUTES:
        raise InputError(f"interval length must be one of {S.INTERVAL_MINUTES} minutes; "
                         f"got {interval_min}")
    if partial not in ("drop", "keep"):
        raise InputError(f"partial must be 'drop' or 'keep'; got {partial!r}")
    notes = list(history.notes)
    if partial == "drop" and interval_min > step and len(frame):
        frame, dropped = _drop_partial_bins(frame, step, interval_min)
        notes += dropped
    f = frame.copy()
    f[S.INTERVAL_START] = f[S.INTERVAL_START].dt.floor(f"{interval_min}min")
    keys = [c for c in (*S.SERIES_COLUMNS, S.INTERVAL_START, S.UTC_OFFSET) if c in f.columns]
    counts = [c for c in S.COUNT_COLUMNS if c in f.columns]
    if S.AHT_S in f.columns:
        w = f[S.HANDLED] if S.HANDLED in f.columns else f[S.OFFERED]
        f["_w"] = w.fillna(0.0)
        f["_hs"] = (f[S.AHT_S] * f["_w"]).fillna(0.0)
    agg = f.groupby(keys, sort=True)[counts + (["_w", "_hs"] if S.AHT_S in f else [])].sum(
        min_count=1)
    if S.AHT_S in f.columns:
        agg[S.AHT_S] = (agg["_hs"] / agg["_w"]).where(agg["_w"] > 0)
        agg = agg.drop(columns=["_w", "_hs"])
    out = agg.reset_index()
    out = out[[c for c in S.FRAME_COLUMNS if c in out.columns]]
    if S.UTC_OFFSET in out.columns:     # summer-time copy of the repeated hour first
        out = out.sort_values([*keys[:-1], S.UTC_OFFSET], ascending=[True] * (len(keys) - 1)
                              + [False], kind="stable").reset_index(drop=True)
    return History(frame=out, interval_min=interval_min, source=history.source,
                   tz=history.tz, notes=tuple(notes))


def _series_prefix(frame: pd.DataFrame, label: str) -> str:
    """'queue sales: ', 'queue sales, channel chat: ' or '' for a series label."""
    if not label:
        return ""
    if S.QUEUE in frame and S.CHANNEL in frame:
        q, c = label.split(" / ", 1)
        return f"queue {q}, channel {c}: "
    return f"{'queue' if S.QUEUE in frame else 'channel'} {label}: "


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _drop_partial_bins(frame: pd.DataFrame, step: int, interval_min: int
                       ) -> tuple[pd.DataFrame, list[str]]:
    """Remove the rows of coarse bins that no day of that weekday covers completely."""
    ts = frame[S.INTERVAL_START]
    minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    coarse = minute - minute % interval_min
    labels = reader.series_labels(frame)
    queue = labels.astype(str) if labels is not None else np.full(len(frame), "")
    key = pd.DataFrame({"q": queue, "wd": ts.dt.day_of_week.to_numpy(), "bin": coarse,
                        "bit": np.left_shift(1, (minute - coarse) // step).astype(np.int64)})
    # sub-intervals seen in each (queue, weekday, bin) over all days: OR of the bits
    seen = key.drop_duplicates().groupby(["q", "wd", "bin"])["bit"].sum()
    bad = seen[seen != (1 << (interval_min // step)) - 1]
    if bad.empty:
        return frame, []
    drop = pd.MultiIndex.from_frame(key[["q", "wd", "bin"]]).isin(bad.index)
    total = float(frame[S.OFFERED].sum())
    calls = frame[S.OFFERED].to_numpy(float)
    notes = []
    for q, b in sorted(set(zip(queue[drop], coarse[drop], strict=True))):
        rows = drop & (queue == q) & (coarse == b)
        have = ", ".join(f"{_hhmm(m)}-{_hhmm(m + step)}" for m in sorted(set(minute[rows])))
        n = float(calls[rows].sum())
        notes.append(f"{_series_prefix(frame, q)}the {interval_min}-minute interval "
                     f"{_hhmm(b)}-{_hhmm(b + interval_min)} is only partly in the history "
                     f"({have} of it) and was left out: {n:,.0f} calls, "
                     f"{n / max(total, 1e-9):.2%} of all")
    return frame.loc[~drop].reset_index(drop=True), notes


def parse_freq(freq: str | int | None) -> int | None:
    """'15min' / '15' / '1h' / 15 -> 15 (minutes); None stays None."""
    if freq is None or isinstance(freq, int | np.integer):
        return None if freq is None else int(freq)
    text = str(freq).strip().lower()
    try:
        minutes = pd.Timedelta(text if not text.isdigit() else f"{text}min").total_seconds() / 60
    except ValueError:
        raise InputError(f"freq must look like '15min', '30min' or '60min'; got {freq!r}") from None
    if minutes not in S.INTERVAL_MINUTES:
        raise InputError(f"freq must be one of {', '.join(f'{m}min' for m in S.INTERVAL_MINUTES)};"
                         f" got {freq!r}")
    return int(minutes)


def read_intervals(source) -> pd.DataFrame:
    """The ``interval_start`` values (and optional ``queue`` and ``channel``) to forecast,
    from a file or frame, through the one reader."""
    table = reader.read_intervals(source, "intervals", infer_interval=False, duplicates=False)
    cols = [c for c in (*S.SERIES_COLUMNS, S.INTERVAL_START) if c in table.frame.columns]
    return table.frame[cols].reset_index(drop=True)
