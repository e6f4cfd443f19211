"""Reading and validating interval history (ACD exports) into one long frame.

Input: CSV, Excel (.xlsx, via openpyxl) or Parquet (needs pyarrow), or a DataFrame. One row
per interval (and queue) with ``interval_start`` and ``offered`` plus optional ``queue``,
``aht_s``, ``handled``, ``abandoned``. The long format of forecasting libraries
(``unique_id``, ``ds``, ``y``) and common vendor headers ("Interval Start", "Calls Offered",
"AHT (sec)") are mapped automatically; ``column_map`` maps anything else.

Every problem is an :class:`InputError` whose message names the file, the line and the
column. Line numbers are *file* line numbers for CSV and Excel (header = line 1, so the first
data row is line 2); for a DataFrame or Parquet file they are 1-based data row numbers and
the message says "data row".

Time: ``interval_start`` is naive site-local time. With ``tz`` (an IANA name such as
'America/New_York') the daylight-saving days are understood: on the autumn day the repeated
hour appears twice (first the summer-time rows, then the winter-time rows, in file order)
and on the spring day the skipped hour is absent; a column ``utc_offset_min`` (local - UTC)
keeps the repeated rows apart. Without ``tz`` those repeated rows are duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import schema as S
from wfmcore import InputError

_LINE = "_line"   # private column: where each row came from, for messages


def _where(name: str, line: int, file_lines: bool) -> str:
    return f"{name}: line {line}" if file_lines else f"{name}: data row {line}"


def _load(source, sheet) -> tuple[pd.DataFrame, str, bool]:
    """Return (raw frame of strings/objects, display name, line numbers are file lines)."""
    if isinstance(source, pd.DataFrame):
        return source.copy(), "<frame>", False
    path = Path(source)
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".gz"):
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
            return raw, name, True
        if suffix in (".xlsx", ".xlsm", ".xls"):
            raw = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
            return raw, name, True
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path), name, False
    except ImportError as exc:
        raise InputError(f"{name}: reading {suffix} files needs an extra package ({exc.name}); "
                         "install it or save the history as CSV") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{name}: not a readable {suffix} file ({first})") from None
    raise InputError(f"{name}: unknown file type {suffix!r}; use .csv, .xlsx or .parquet")


def _rename(raw: pd.DataFrame, name: str, column_map: Mapping[str, str] | None) -> pd.DataFrame:
    mapping: dict[str, str] = {}
    user = {str(k): v for k, v in (column_map or {}).items()}
    for bad in set(user.values()) - set(S.HISTORY_COLUMNS):
        raise InputError(f"{name}: column_map target {bad!r} is not one of "
                         f"{', '.join(S.HISTORY_COLUMNS)}")
    for col in raw.columns:
        if str(col) in user:
            mapping[col] = user[str(col)]
        elif S.normalise_name(col) in S.ALIASES:
            mapping[col] = S.ALIASES[S.normalise_name(col)]
    targets = list(mapping.values())
    for t in set(targets):
        if targets.count(t) > 1:
            cols = [repr(str(c)) for c, v in mapping.items() if v == t]
            raise InputError(f"{name}: columns {', '.join(cols)} all map to {t!r}; "
                             "keep one or pass a column map")
    out = raw.rename(columns=mapping)
    keep = [c for c in S.HISTORY_COLUMNS if c in out.columns]
    for need in (S.INTERVAL_START, S.OFFERED):
        if need not in keep:
            raise InputError(f"{name}: no column {need!r} (columns are "
                             f"{', '.join(repr(str(c)) for c in raw.columns if c != _LINE)}); "
                             "rename it or pass a column map")
    return out[keep + [_LINE]]


def _fail_rows(name, file_lines, frame, bad_mask, column, what):
    bad = frame.loc[bad_mask]
    first = bad.iloc[0]
    raise InputError(f"{_where(name, int(first[_LINE]), file_lines)}: column {column!r} is "
                     f"{first[column]!r}; {what} ({len(bad)} rows like this)")


def _parse_numbers(out, raw, name, file_lines, col, *, integer_like: bool):
    text = raw[col]
    blank = text.isna() | (text.astype(str).str.strip() == "")
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any():
        _fail_rows(name, file_lines, raw, bad, col, "not a number")
    if col == S.OFFERED and blank.any():
        _fail_rows(name, file_lines, raw, blank, col, "calls offered must be given in every row")
    neg = values < 0
    if neg.any():
        kind = "calls" if integer_like else "seconds"
        _fail_rows(name, file_lines, raw, neg, col, f"{kind} must be >= 0")
    out[col] = values.astype(float)


def read_history(source, *, column_map: Mapping[str, str] | None = None,
                 interval_min: int | None = None, sheet=None,
                 tz: str | None = None) -> pd.DataFrame:
    """Read and validate an interval history; optionally aggregate to ``interval_min``.

    Returns a frame sorted by (``queue``, ``interval_start``) with float counts, the
    interval length in ``frame.attrs['interval_min']`` and the source name in
    ``frame.attrs['source']``. ``queue`` is present only if the input had one.
    """
    raw, name, file_lines = _load(source, sheet)
    raw = raw.reset_index(drop=True)
    raw[_LINE] = np.arange(len(raw)) + (2 if file_lines else 1)
    raw = _rename(raw, name, column_map)
    if raw.empty:
        raise InputError(f"{name}: no data rows")

    out = pd.DataFrame({_LINE: raw[_LINE].to_numpy()})
    if S.QUEUE in raw.columns:
        q = raw[S.QUEUE].astype(str).str.strip()
        empty = q.isin(["", "nan", "None"])
        if empty.any():
            _fail_rows(name, file_lines, raw, empty, S.QUEUE, "every row needs a queue name")
        out[S.QUEUE] = q.to_numpy()

    ts_raw = raw[S.INTERVAL_START]
    if pd.api.types.is_datetime64_any_dtype(ts_raw):
        ts = ts_raw
    else:
        text = ts_raw.astype(str).str.strip()
        ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
        retry = ts.isna()
        if retry.any():   # other unambiguous layouts, e.g. "2003-03-03T07:00:00"
            ts[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed")
    ts = pd.Series(ts)
    if getattr(ts.dt, "tz", None) is not None:
        raise InputError(f"{name}: column 'interval_start' has time-zone offsets; wfm expects "
                         "naive site-local times (drop the offset)")
    bad = ts.isna()
    if bad.any():
        _fail_rows(name, file_lines, raw, bad, S.INTERVAL_START,
                   "not a timestamp (expected YYYY-MM-DD HH:MM)")
    out[S.INTERVAL_START] = ts.to_numpy().astype("datetime64[ns]")

    for col in S.COUNT_COLUMNS:
        if col in raw.columns:
            _parse_numbers(out, raw, name, file_lines, col, integer_like=True)
    if S.AHT_S in raw.columns:
        _parse_numbers(out, raw, name, file_lines, S.AHT_S, integer_like=False)
        calls = out[S.HANDLED] if S.HANDLED in out.columns else out[S.OFFERED]
        aht_bad = (calls > 0) & (out[S.AHT_S].isna() | (out[S.AHT_S] <= 0))
        if aht_bad.any():
            rows = raw.loc[aht_bad.to_numpy()]
            first = rows.iloc[0]
            raise InputError(f"{_where(name, int(first[_LINE]), file_lines)}: column 'aht_s' is "
                             f"{first[S.AHT_S]!r} but calls were handled; AHT must be > 0 "
                             f"seconds ({len(rows)} rows like this)")

    keys = [S.QUEUE, S.INTERVAL_START] if S.QUEUE in out.columns else [S.INTERVAL_START]
    if tz is not None:
        out[S.UTC_OFFSET] = utc_offsets(out, tz, keys, name=name, file_lines=file_lines)
        keys = [*keys, S.UTC_OFFSET]
    dup = out.duplicated(keys, keep=False)
    if dup.any():
        d = out.loc[dup].sort_values([*keys, _LINE])
        first = d.iloc[0]
        same = d[(d[keys] == first[keys]).all(axis=1)]
        lines = ", ".join(str(v) for v in same[_LINE].head(3))
        where = "lines" if file_lines else "data rows"
        raise InputError(f"{name}: {where} {lines}: column 'interval_start' "
                         f"{first[S.INTERVAL_START]:%Y-%m-%d %H:%M} appears more than once"
                         f"{' for queue ' + repr(first[S.QUEUE]) if S.QUEUE in keys else ''} "
                         f"({int(dup.sum())} duplicated rows)")

    out = out.sort_values(keys, ascending=[True] * (len(keys) - 1) + [tz is None],
                          kind="stable").reset_index(drop=True)     # summer time first
    out = out[[c for c in (*S.FRAME_COLUMNS, _LINE) if c in out.columns]]
    step = detect_interval_min(out, name=name, file_lines=file_lines)
    del out[_LINE]
    out.attrs.update(interval_min=step, source=name, tz=tz)
    if interval_min is not None and interval_min != step:
        out = aggregate(out, interval_min)
        out.attrs["source"] = name
    return out


def _zone(tz: str):
    import zoneinfo
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"tz must be an IANA time-zone name such as 'America/New_York'; "
                         f"got {tz!r}") from None


def utc_offsets(frame: pd.DataFrame, tz: str, keys: list[str], *, name: str = "<frame>",
                file_lines: bool = False) -> np.ndarray:
    """Local - UTC in minutes for each naive local ``interval_start`` (rows in file order).

    In the repeated autumn hour the first row of a local time is summer time, the next one
    winter time. A local time that does not exist (the skipped spring hour) is an error.
    """
    _zone(tz)
    local = pd.DatetimeIndex(frame[S.INTERVAL_START])
    first = ~frame.duplicated(keys, keep="first").to_numpy()
    aware = local.tz_localize(tz, ambiguous=first, nonexistent="NaT")
    if aware.isna().any():
        i = int(np.argmax(aware.isna()))
        line = int(frame[_LINE].iloc[i]) if _LINE in frame else i + 1
        raise InputError(f"{_where(name, line, file_lines)}: column 'interval_start' is "
                         f"{local[i]:%Y-%m-%d %H:%M}, a local time that does not exist in {tz} "
                         "(clocks jump forward then)")
    utc = aware.tz_convert("UTC").tz_localize(None)
    return ((local - utc) / pd.Timedelta(minutes=1)).to_numpy().astype(int)


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
    out = pd.concat(parts).drop_duplicates(subset=[*([S.QUEUE] if S.QUEUE in frame else []),
                                                   "_utc"])
    out = out.sort_values([*([S.QUEUE] if S.QUEUE in frame else []), "_utc"], kind="stable")
    cols = [c for c in frame.columns if c != S.INTERVAL_START]
    return out[[S.INTERVAL_START, S.UTC_OFFSET, *cols]].reset_index(drop=True) \
        if S.QUEUE not in frame else \
        out[[S.QUEUE, S.INTERVAL_START, S.UTC_OFFSET,
             *[c for c in cols if c != S.QUEUE]]].reset_index(drop=True)


def detect_interval_min(frame: pd.DataFrame, *, name: str = "<frame>",
                        file_lines: bool = False) -> int:
    """Interval length in minutes: the most common gap between consecutive rows of a day.

    Every gap must be a multiple of it and every start must sit on its grid (minute of the
    day divisible by it); otherwise the file mixes interval lengths and we say where.
    """
    ts = frame[S.INTERVAL_START]
    minute_of_day = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    if (ts.dt.second != 0).any():
        bad = frame.loc[(ts.dt.second != 0).to_numpy()]
        line = int(bad[_LINE].iloc[0]) if _LINE in bad else int(bad.index[0]) + 1
        raise InputError(f"{_where(name, line, file_lines)}: column 'interval_start' is "
                         f"{bad[S.INTERVAL_START].iloc[0]}; interval starts must be whole minutes")
    group = frame[S.QUEUE].to_numpy() if S.QUEUE in frame else np.zeros(len(frame))
    day = ts.dt.normalize().to_numpy()
    same = (day[1:] == day[:-1]) & (group[1:] == group[:-1])
    gaps = np.diff(minute_of_day)[same]
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        raise InputError(f"{name}: cannot tell the interval length (no day has two intervals); "
                         "pass the history with at least two intervals per day")
    values, counts = np.unique(gaps, return_counts=True)
    step = int(values[np.argmax(counts)])
    if step not in S.INTERVAL_MINUTES:
        raise InputError(f"{name}: intervals are {step} minutes apart; expected one of "
                         f"{', '.join(map(str, S.INTERVAL_MINUTES))} minutes")
    off_grid = minute_of_day % step != 0
    if off_grid.any():
        i = int(np.argmax(off_grid))
        line = int(frame[_LINE].iloc[i]) if _LINE in frame else i + 1
        raise InputError(f"{_where(name, line, file_lines)}: column 'interval_start' is "
                         f"{ts.iloc[i]:%Y-%m-%d %H:%M}, not on the {step}-minute grid of the "
                         f"other rows (mixed interval lengths?)")
    return step


def aggregate(frame: pd.DataFrame, interval_min: int, *, partial: str = "drop") -> pd.DataFrame:
    """Sum calls into coarser intervals; AHT weighted by handled calls (else offered calls).

    ``interval_min`` must be a multiple of the current length.

    ``partial``: what to do with a coarse interval that the history only partly covers on
    every day with that weekday, e.g. 21:00-21:15 when the last 5-minute interval of the
    day is 21:00-21:05 (the bank data). ``'drop'`` (default) leaves it out and says so in
    ``attrs['notes']`` (which interval, how many calls, their share); ``'keep'`` keeps its
    calls as if they were a whole interval. Why drop: a planner reads every row as calls
    spread over ``interval_min`` minutes, so 5 minutes of calls in a 15-minute row looks
    like a quiet interval: staffing it with Erlang C understaffs the 5 minutes that are
    open by about the ratio of the lengths, and its near-zero counts distort the models'
    day totals and MASE. The calls are few (the bank's 21:00-21:05: 0.2 % of all calls) and
    the note names them, so they can be covered by the close-down or forecast at the
    history's own interval length. A bin missing sub-intervals on only some days is not
    partial (that is missing data, kept).
    """
    step = frame.attrs.get("interval_min") or detect_interval_min(frame)
    if interval_min % step != 0 or interval_min < step:
        raise InputError(f"cannot aggregate {step}-minute intervals to {interval_min} minutes; "
                         f"choose a multiple of {step}")
    if interval_min not in S.INTERVAL_MINUTES:
        raise InputError(f"interval length must be one of {S.INTERVAL_MINUTES} minutes; "
                         f"got {interval_min}")
    if partial not in ("drop", "keep"):
        raise InputError(f"partial must be 'drop' or 'keep'; got {partial!r}")
    notes = list(frame.attrs.get("notes", []))
    if partial == "drop" and interval_min > step and len(frame):
        frame, dropped = _drop_partial_bins(frame, step, interval_min)
        notes += dropped
    f = frame.copy()
    f[S.INTERVAL_START] = f[S.INTERVAL_START].dt.floor(f"{interval_min}min")
    keys = [c for c in (S.QUEUE, S.INTERVAL_START, S.UTC_OFFSET) if c in f.columns]
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
    out.attrs.update(frame.attrs)
    out.attrs["interval_min"] = interval_min
    if notes:
        out.attrs["notes"] = notes
    return out


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _drop_partial_bins(frame: pd.DataFrame, step: int, interval_min: int
                       ) -> tuple[pd.DataFrame, list[str]]:
    """Remove the rows of coarse bins that no day of that weekday covers completely."""
    ts = frame[S.INTERVAL_START]
    minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    coarse = minute - minute % interval_min
    queue = frame[S.QUEUE].astype(str).to_numpy() if S.QUEUE in frame else np.full(len(frame), "")
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
        notes.append(f"{'queue ' + q + ': ' if q else ''}the {interval_min}-minute interval "
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
    """Read the ``interval_start`` values (and optional ``queue``) to forecast, from a CSV."""
    raw, name, file_lines = _load(source, None)
    raw = raw.reset_index(drop=True)
    raw[_LINE] = np.arange(len(raw)) + (2 if file_lines else 1)
    cols = {c: S.ALIASES.get(S.normalise_name(c), c) for c in raw.columns}
    raw = raw.rename(columns=cols)
    if S.INTERVAL_START not in raw.columns:
        raise InputError(f"{name}: no column 'interval_start'")
    text = raw[S.INTERVAL_START].astype(str).str.strip()
    ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if ts.isna().any():
        _fail_rows(name, file_lines, raw, ts.isna(), S.INTERVAL_START,
                   "not a timestamp (expected YYYY-MM-DD HH:MM)")
    out = pd.DataFrame({S.INTERVAL_START: ts.to_numpy()})
    if S.QUEUE in raw.columns:
        out.insert(0, S.QUEUE, raw[S.QUEUE].astype(str).to_numpy())
    return out
