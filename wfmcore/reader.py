"""The one reader for every interval file a command takes: history, forecast, requirements,
headcount, interval lists.

Steps, the same for every kind of file (:data:`KINDS`):

1. load: CSV-like text (every cell as text; encoding, separator, decimal comma and the
   header row under title rows detected, :mod:`wfmcore.detect`), Excel (.xlsx, via
   openpyxl; the sheet that holds the data), Parquet (via pyarrow), one partition of a
   Parquet dataset partitioned by queue (a folder ``queue=NAME``, its files read together and
   the queue column set from the folder name, :func:`partitions`) or a DataFrame given by a
   notebook;
2. layout: map the header to wfm's column names (:mod:`wfmcore.schema`) with the layout the
   header is recognised as (:data:`LAYOUTS`, :mod:`wfmcore.layouts`; data, not branches),
   plus the user's column map (:class:`~wfmcore.readoptions.ReadOptions`);
3. parse: ``interval_start`` (or a Date and a Time column) with one parser (ISO 8601,
   day-first or month-first dates decided from the days above 12, 12-hour clocks; offsets
   and ``input_tz`` converted to the site zone ``tz``), numbers and durations ('hh:mm:ss',
   milliseconds) with the row and column named on failure; AHT from total handle time /
   handled; the channel as part of the series key; ``filter``;
4. interval length: :func:`interval_minutes`, the most common step between the intervals of
   a day, checked for every queue x channel;
5. duplicates: a (queue, channel, interval_start[, utc_offset_min]) that appears twice is
   refused, naming the ignored columns that differ between the rows.

Messages name the file, the *file* line (header = line 1, first data row = line 2) for CSV
and Excel, or the data row (1-based) for a DataFrame or Parquet file, and the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from wfmcore import detect, layouts
from wfmcore import schema as S
from wfmcore.errors import InputError
from wfmcore.layouts import LAYOUTS, Layout
from wfmcore.readoptions import ReadOptions, check_tz, merge

LINE = "_line"   # private column: where each row came from, for messages

__all__ = ["KINDS", "LAYOUTS", "LINE", "FileKind", "IntervalFile", "Layout", "ReadOptions",
           "check_duplicates", "check_tz", "fill_gaps", "format_times", "interval_minutes",
           "partitions", "read_intervals", "utc_offsets"]

#: the column a partitioned Parquet dataset is split by (hive layout ``queue=NAME/``)
PARTITION_COLUMN = S.QUEUE


def partition_value(path: Path) -> str | None:
    """The queue of a hive partition folder ``queue=NAME`` (NAME percent-decoded, as pyarrow
    writes it), or None for any other path."""
    prefix = PARTITION_COLUMN + "="
    if path.is_dir() and path.name.startswith(prefix) and len(path.name) > len(prefix):
        return unquote(path.name[len(prefix):])
    return None


def partitions(folder) -> list[tuple[str, Path]]:
    """(queue, partition folder) of a Parquet dataset partitioned by queue (hive layout
    ``FOLDER/queue=NAME/*.parquet``), in queue order; each partition is read on its own by
    :func:`read_intervals` (one queue in memory at a time)."""
    root = Path(folder)
    if not root.exists():
        raise InputError(f"{root}: folder not found")
    if not root.is_dir():
        raise InputError(f"{root}: is a file; --partitioned reads a folder of "
                         f"{PARTITION_COLUMN}=NAME partitions", param="partitioned")
    found = sorted((partition_value(p), p) for p in root.iterdir()
                   if partition_value(p) is not None)
    if not found:
        raise InputError(f"{root}: no {PARTITION_COLUMN}=NAME partition folders (a Parquet "
                         "dataset partitioned by queue)", param="partitioned")
    for _, part in found:
        if not any(part.glob("*.parquet")):
            raise InputError(f"{part}: partition without a .parquet file")
    return found


def _read_partition(path: Path, value: str) -> pd.DataFrame:
    """The rows of one hive partition folder (all its .parquet files, in name order) with
    the partition column set to ``value`` where the files do not have it."""
    import pyarrow.parquet as pq

    files = sorted(path.glob("*.parquet"))
    if not files:
        raise InputError(f"{path}: partition without a .parquet file")
    frames = [pq.read_table(f).to_pandas() for f in files]
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if PARTITION_COLUMN in raw.columns:
        other = raw[PARTITION_COLUMN].astype(str) != value
        if other.any():
            i = int(np.argmax(other.to_numpy()))
            raise InputError(f"{path}: data row {i + 1}: column {PARTITION_COLUMN} is "
                             f"{raw[PARTITION_COLUMN].iloc[i]!r} in the partition of "
                             f"{value!r}")
    else:
        raw.insert(0, PARTITION_COLUMN, value)
    return raw


@dataclass(frozen=True)
class FileKind:
    """What one kind of interval file holds: required columns (a tuple of alternatives where
    one of several will do), optional numeric columns, and whether other columns are kept."""

    name: str
    required: tuple[str | tuple[str, ...], ...]
    numbers: tuple[str, ...] = ()
    keep_other: bool = True


KINDS = {
    "history": FileKind("history", (S.INTERVAL_START, S.OFFERED),
                        (S.OFFERED, S.AHT_S, S.HANDLED, S.ABANDONED, *S.KPI_COUNT_COLUMNS,
                         *S.KPI_VALUE_COLUMNS), keep_other=False),
    "forecast": FileKind("forecast", (S.INTERVAL_START, S.OFFERED), (S.OFFERED, S.AHT_S)),
    "requirements": FileKind("requirements", (S.INTERVAL_START,
                                              ("scheduled_agents", "agents")),
                             ("scheduled_agents", "agents", S.OFFERED, "traffic_erl", S.AHT_S)),
    "headcount": FileKind("headcount", (S.INTERVAL_START, "agents"), ("agents",),
                          keep_other=False),
    "intervals": FileKind("intervals", (S.INTERVAL_START,), keep_other=False),
}


@dataclass(frozen=True)
class IntervalFile:
    """A file read by :func:`read_intervals`.

    ``frame``: wfm's column names; ``interval_start`` as datetime64 (naive local time);
    ``queue`` and ``channel`` as text when present; the kind's numeric columns as float
    (NaN = empty cell); with ``tz``, ``utc_offset_min``; other columns as they were (for
    kinds that keep them). Rows in file order, index 0..n-1. ``interval_min`` is the
    interval length (None when not asked for); ``layout`` the layout the header was read
    with; ``tz`` the site zone the times are in (None: naive); ``notes`` what was changed
    on the way (summary rows left out, rows filtered); ``ignored`` the file's columns that
    were not used; ``sheet`` the Excel sheet read (None for other files); ``decimal_comma``
    whether numbers were written '12,5'.
    """

    frame: pd.DataFrame
    source: str
    interval_min: int | None
    layout: str
    file_lines: bool
    tz: str | None = None
    notes: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    sheet: str | None = None
    decimal_comma: bool = False


def where(source: str, line: int, file_lines: bool) -> str:
    """'file.csv: line 7' (file line) or '<frame>: data row 6'."""
    return f"{source}: line {line}" if file_lines else f"{source}: data row {line}"


@dataclass(frozen=True)
class Loaded:
    """A loaded file: ``raw`` cells with a :data:`LINE` column, its display ``name``,
    whether line numbers are file lines, the Excel ``sheet`` and ``decimal_comma``."""

    raw: pd.DataFrame
    name: str
    file_lines: bool
    sheet: str | None = None
    decimal_comma: bool = False


def _looks_like_data(header: list[str]) -> bool:
    """A header some layout maps to a time and a call count: the sheet that holds data."""
    norm = [S.normalise_name(h) for h in header]
    targets = {lay.columns[n] for lay in LAYOUTS for n in norm if n in lay.columns}
    return bool(targets & {S.INTERVAL_START, S.DATE, S.TIME}) and bool(
        targets & {S.OFFERED, S.HANDLED})


def load_source(source, sheet=None, name: str | None = None) -> Loaded:
    """Load a path (CSV-like text, Excel, Parquet) or DataFrame into text cells (CSV) or the
    file's own types (Excel, Parquet), with a :data:`LINE` column; ``name`` labels a
    DataFrame in messages (default ``<frame>``)."""
    used_sheet, decimal_comma = None, False
    if isinstance(source, pd.DataFrame):
        raw, name, file_lines, first = source.copy(), name or "<frame>", False, 1
    else:
        path = Path(source)
        name = str(path)
        if not path.exists():
            raise InputError(f"{name}: file not found")
        part = partition_value(path)
        if path.is_dir() and part is None:
            raise InputError(f"{name}: is a folder; give a file")
        suffix = ".parquet" if part is not None else path.suffix.lower()
        kind = {".xlsx": "Excel", ".xlsm": "Excel", ".xls": "Excel", ".parquet": "Parquet",
                ".pq": "Parquet"}.get(suffix, "CSV")   # any other name is read as CSV text
        try:
            if kind == "Excel":
                raw, first, used_sheet = detect.read_workbook(path, name, sheet,
                                                              _looks_like_data)
                file_lines = True
            elif part is not None:
                raw, file_lines, first = _read_partition(path, part), False, 1
            elif kind == "Parquet":
                raw, file_lines, first = pd.read_parquet(path), False, 1
            else:
                raw, first, decimal_comma = detect.read_text(path, name)
                file_lines = True
        except InputError:
            raise
        except ImportError as exc:
            raise InputError(f"{name}: reading {kind} files needs an extra package "
                             f"({exc.name}); install it or save the file as CSV") from None
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party file reader
            # (zipfile.BadZipFile, KeyError from a zip that is no workbook, ParserError, ...)
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else \
                type(exc).__name__
            raise InputError(f"{name}: not a readable {kind} file ({first_line})") from None
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    raw[LINE] = np.arange(len(raw)) + first
    return Loaded(raw, name, file_lines, used_sheet, decimal_comma)


def load(source, sheet=None, name: str | None = None) -> tuple[pd.DataFrame, str, bool]:
    """(raw frame with a line column, display name, line numbers are file lines)."""
    got = load_source(source, sheet, name)
    return got.raw, got.name, got.file_lines


def choose_layout(header: list[str], forced: str | None = None) -> Layout | None:
    """The vendor layout of a header: ``forced`` by name, else :func:`wfmcore.layouts.detect`
    (None: wfm's own names and the generic aliases)."""
    if forced is not None:
        lay = layouts.layout_named(forced)
        return lay if lay.name not in ("wfm", "generic") else None
    return layouts.detect([S.normalise_name(c) for c in header])


def apply_layout(raw: pd.DataFrame, name: str, kind: FileKind,
                 column_map: Mapping[str, str] | None = None, *, layout: str | None = None,
                 ) -> tuple[pd.DataFrame, str, Layout | None, list[str], dict[str, str]]:
    """Rename the columns to wfm's names; returns (frame, layout name, vendor layout or None,
    ignored columns, file header -> wfm column).

    ``column_map`` (file header -> wfm column) wins over the layouts; then the vendor layout
    (``layout`` forced, else recognised from the header), wfm's own names and the generic
    aliases. Two columns that map to the same name, a mapped column that is not in the file,
    or a required column that is missing, are input errors.
    """
    user = {str(k): v for k, v in (column_map or {}).items()}
    header = [c for c in raw.columns if c != LINE]
    for bad in sorted(set(user.values()) - layouts.TARGETS):
        raise InputError(f"{name}: column_map target {bad!r} is not one of "
                         f"{', '.join(sorted(layouts.TARGETS))}", param="columns")
    by_norm = {S.normalise_name(c): c for c in header}
    for col in user:
        if col not in raw.columns and S.normalise_name(col) not in by_norm:
            raise InputError(f"{name}: the column map names a column {col!r} that is not in the "
                             f"file (columns are {', '.join(map(repr, header))})",
                             param="columns")
    user = {(col if col in raw.columns else by_norm[S.normalise_name(col)]): t
            for col, t in user.items()}
    vendor = choose_layout(header, layout)
    order = ([vendor] if vendor else []) + [layouts.WFM, layouts.GENERIC]
    mapping: dict[str, str] = {}
    used = set()
    for col in header:
        if col in user:
            mapping[col] = user[col]
            continue
        norm = S.normalise_name(col)
        for lay in order:
            if norm in lay.columns:
                mapping[col] = lay.columns[norm]
                used.add(lay.name)
                break
    mapping = {c: t for c, t in mapping.items() if not t.startswith("_")}
    targets = list(mapping.values())
    for t in sorted(set(targets)):
        if targets.count(t) > 1:
            cols = [repr(c) for c, v in mapping.items() if v == t]
            raise InputError(f"{name}: columns {', '.join(cols)} all map to {t!r}; keep one or "
                             "map one of them elsewhere with columns", param="columns")
    out = raw.rename(columns=mapping)
    if S.INTERVAL_START not in out.columns:        # a Date + Time pair, or one of them
        if S.DATE not in out.columns and S.TIME in out.columns:
            out = out.rename(columns={S.TIME: S.INTERVAL_START})
        elif S.DATE in out.columns and S.TIME not in out.columns:
            out = out.rename(columns={S.DATE: S.INTERVAL_START})
    have = set(out.columns) | ({S.INTERVAL_START} if {S.DATE, S.TIME} <= set(out.columns)
                               else set())
    if vendor is not None and vendor.offered_from and set(vendor.offered_from) <= have:
        have.add(S.OFFERED)                       # summed from its parts after parsing
    for need in kind.required:
        options = need if isinstance(need, tuple) else (need,)
        if not any(o in have for o in options):
            wanted = " or ".join(repr(o) for o in options)
            found = ", ".join(repr(c) for c in header)
            near = layouts.closest([S.normalise_name(c) for c in header])
            raise InputError(f"{name}: no column {wanted} (columns are {found}); map it with "
                             f"columns (e.g. '{options[0]}=<file column>') or give a layout "
                             f"(closest known: {', '.join(near)})", param="columns")
    ignored = [c for c in header if c not in mapping]
    if not kind.keep_other:
        keep = [c for c in out.columns if c in layouts.TARGETS or c == LINE]
        out = out[keep]
    name_used = vendor.name if vendor is not None else \
        ("generic" if "generic" in used else "wfm")
    return out, name_used, vendor, ignored, mapping


def fail_rows(name: str, file_lines: bool, frame: pd.DataFrame, bad_mask, column: str,
              what: str):
    """Raise for the first row of ``bad_mask``: file, line, column, value, count."""
    bad = frame.loc[np.asarray(bad_mask)]
    first = bad.iloc[0]
    raise InputError(f"{where(name, int(first[LINE]), file_lines)}: column {column!r} is "
                     f"{show(first[column])}; {what} ({len(bad)} rows like this)")


def show(value) -> str:
    """A cell for a message: text quoted as written, numbers plain, times as written by wfm,
    empty cells named."""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    if hasattr(value, "item"):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) \
            or (isinstance(value, str) and not value.strip()):
        return "empty"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


#: cells that mean "no value" in exports (pandas' own list, read as text by the reader)
NA_TEXT = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "#N/A",
                     "<NA>", "-"})


def parse_times(raw: pd.DataFrame, column: str, name: str, file_lines: bool, *,
                date_format: str | None = None, tz: str | None = None,
                input_tz: str | None = None, keys: list[str] | None = None
                ) -> tuple[pd.Series, np.ndarray | None]:
    """The one timestamp parser: (naive site-local times, exact utc_offset_min or None).

    datetime64 values are kept; text is read by :func:`wfmcore.detect.timestamps` (ISO 8601,
    day-first or month-first dates, 12-hour clocks; ``date_format`` when given). Timestamps
    with UTC offsets or 'Z' are converted to ``tz`` (refused without it) and their offsets
    returned; naive timestamps in ``input_tz`` are converted to ``tz`` likewise (the
    repeated autumn hour of ``input_tz`` read summer time first within ``keys``).
    """
    values = raw[column]
    offsets = None
    if pd.api.types.is_datetime64_any_dtype(values):
        ts = pd.Series(values)
        if getattr(ts.dt, "tz", None) is not None:
            ts, offsets = _to_site(ts, tz, name, column, example=str(ts.iloc[0]))
    else:
        text = values.astype(str).str.strip()
        aware = detect.has_offsets(text)
        if aware.any():
            if not aware.all():              # name the fewer kind of rows
                if aware.sum() <= (~aware).sum():
                    fail_rows(name, file_lines, raw, aware, column,
                              "has a UTC offset while other rows have none (e.g. "
                              f"{text[~aware].iloc[0]!r}); give every row an offset or none")
                fail_rows(name, file_lines, raw, ~aware, column,
                          f"has no UTC offset while other rows have one (e.g. "
                          f"{text[aware].iloc[0]!r}); give every row an offset or none")
            utc = detect.aware_timestamps(text)
            if utc.isna().any():
                fail_rows(name, file_lines, raw, utc.isna().to_numpy(), column,
                          "not a timestamp (expected YYYY-MM-DD HH:MM with an offset)")
            ts, offsets = _to_site(utc, tz, name, column, example=text.iloc[0])
        else:
            ts = detect.timestamps(text, name, column, date_format)
    bad = ts.isna().to_numpy()
    if bad.any():
        fail_rows(name, file_lines, raw, bad, column,
                  "not a timestamp (expected YYYY-MM-DD HH:MM"
                  + (f" or {date_format}" if date_format else "") + ")")
    ts = pd.Series(ts.to_numpy().astype("datetime64[ns]"), index=raw.index)
    if offsets is None and input_tz is not None and input_tz != tz:
        frame = pd.DataFrame({S.INTERVAL_START: ts, LINE: raw[LINE].to_numpy()},
                             index=raw.index)
        for k in keys or []:
            frame[k] = raw[k].to_numpy()
        off_in = utc_offsets(frame, input_tz, [*(keys or []), S.INTERVAL_START], name=name,
                             file_lines=file_lines)
        utc = (ts - pd.to_timedelta(off_in, unit="min")).dt.tz_localize("UTC")
        ts, offsets = _to_site(utc, tz, name, column, example="")
    if (ts.dt.second != 0).any() or (ts.dt.microsecond != 0).any():
        fail_rows(name, file_lines, raw, ((ts.dt.second != 0) | (ts.dt.microsecond != 0)),
                  column, "interval starts must be whole minutes")
    return ts, offsets


def _to_site(aware: pd.Series, tz: str | None, name: str, column: str, example: str
             ) -> tuple[pd.Series, np.ndarray]:
    """UTC instants -> (naive local times in ``tz``, local - UTC in minutes)."""
    if tz is None:
        raise InputError(f"{name}: column {column!r} has UTC offsets (e.g. {example!r}); give "
                         "tz, the centre's time zone (e.g. 'Europe/Paris'), to convert them "
                         "to site-local time", param="tz")
    local = aware.dt.tz_convert(tz)
    naive = local.dt.tz_localize(None)
    utc = aware.dt.tz_convert("UTC").dt.tz_localize(None)
    offsets = ((naive - utc) / pd.Timedelta(minutes=1)).to_numpy().astype(int)
    return pd.Series(naive.to_numpy(), index=aware.index), offsets


def parse_numbers(raw: pd.DataFrame, column: str, name: str, file_lines: bool, *,
                  required: bool = False, unit: str = "calls", decimal_comma: bool = False,
                  unit_s: float | None = None) -> np.ndarray:
    """A numeric column as float (NaN = empty cell): numbers >= 0 and finite; an empty cell
    is an error when ``required``. ``decimal_comma``: '12,5' is 12.5 (and '1.234,5' is
    1234.5). ``unit_s`` (durations): cells may also be 'hh:mm:ss' / 'mm:ss' text or Excel
    times, and plain numbers are in units of ``unit_s`` seconds (0.001: milliseconds)."""
    values = raw[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float) * (unit_s or 1.0)
        blank = numbers.isna()
    else:
        blank = values.isna() | values.astype(str).str.strip().isin(NA_TEXT)
        if unit_s is not None:
            arr, bad_dur = detect.durations_s(values.where(~blank), unit_s, decimal_comma)
            numbers = pd.Series(arr, index=values.index)
            bad = pd.Series(bad_dur, index=values.index) | (numbers.isna() & ~blank)
            what = "not a duration (seconds or hh:mm:ss)"
        else:
            text = values.where(~blank)
            if decimal_comma:
                text = text.astype(str).str.strip().str.replace(".", "", regex=False) \
                    .str.replace(",", ".", regex=False).where(~blank)
            numbers = pd.to_numeric(text, errors="coerce").astype(float)
            bad = numbers.isna() & ~blank
            what = "not a number"
        if not pd.api.types.is_string_dtype(values):
            bad = bad | values.map(lambda v: isinstance(v, bool))
        if bad.any():
            fail_rows(name, file_lines, raw, bad, column, what)
    if required and blank.any():
        fail_rows(name, file_lines, raw, blank, column, "a number is needed in every row")
    arr = numbers.to_numpy(dtype=float)
    if (arr < 0).any():
        fail_rows(name, file_lines, raw, arr < 0, column, f"{unit} must be >= 0")
    if np.isinf(arr).any():
        fail_rows(name, file_lines, raw, np.isinf(arr), column, "must be finite")
    return arr


def utc_offsets(frame: pd.DataFrame, tz: str, keys: list[str], *, name: str = "<frame>",
                file_lines: bool = False) -> np.ndarray:
    """Local - UTC in minutes for each naive local ``interval_start`` (rows in file order).

    In the repeated autumn hour the first row of a local time (within ``keys``) is summer
    time, the next one winter time. A local time that does not exist (the skipped spring
    hour) is an error.
    """
    check_tz(tz)
    local = pd.DatetimeIndex(frame[S.INTERVAL_START])
    first = ~frame.duplicated(keys, keep="first").to_numpy()
    aware = local.tz_localize(tz, ambiguous=first, nonexistent="NaT")
    if aware.isna().any():
        i = int(np.argmax(aware.isna()))
        line = int(frame[LINE].iloc[i]) if LINE in frame else i + 1
        raise InputError(f"{where(name, line, file_lines)}: column 'interval_start' is "
                         f"{local[i]:%Y-%m-%d %H:%M}, a local time that does not exist in {tz} "
                         "(clocks jump forward then)")
    utc = aware.tz_convert("UTC").tz_localize(None)
    return ((local - utc) / pd.Timedelta(minutes=1)).to_numpy().astype(int)


def interval_minutes(times: pd.Series, groups, name: str, *, lines=None,
                     file_lines: bool = False) -> int:
    """Interval length in minutes: the most common step between consecutive intervals of a
    day (and queue), the same for every queue.

    The step must divide the day, and every start must lie on one grid of that step (the
    same minute of the day modulo the step: 08:00, 08:15, ... or 07:05, 07:20, ...);
    otherwise the file mixes interval lengths and the message says where.
    """
    t = pd.Series(pd.to_datetime(times)).reset_index(drop=True)
    g = pd.Series(np.asarray(groups, dtype=object) if groups is not None
                  else np.zeros(len(t), dtype=object)).astype(str)
    minute = (t.dt.hour * 60 + t.dt.minute).to_numpy()
    order = np.lexsort((t.to_numpy(), g.to_numpy()))
    day = t.dt.normalize().to_numpy()[order]
    gs = g.to_numpy()[order]
    m = minute[order]
    same = (day[1:] == day[:-1]) & (gs[1:] == gs[:-1])
    gaps = np.diff(m)
    per_queue = {}
    for q in pd.unique(gs):
        sel = same & (gs[1:] == q)
        d = gaps[sel]
        d = d[d > 0]
        if d.size:
            values, counts = np.unique(d, return_counts=True)
            per_queue[q] = int(values[np.argmax(counts)])
    if not per_queue:
        raise InputError(f"{name}: cannot tell the interval length: no day has two intervals "
                         "of the same queue")
    if len(set(per_queue.values())) > 1:
        shown = ", ".join(f"{q}: {v} min" for q, v in list(per_queue.items())[:4])
        raise InputError(f"{name}: queues have different interval lengths ({shown}); "
                         "give one interval length per file")
    step = next(iter(per_queue.values()))
    if 1440 % step:
        raise InputError(f"{name}: intervals are {step} minutes apart, which does not divide "
                         "the day into whole intervals")
    phase = minute % step                      # e.g. a 15-minute grid from 07:05: phase 5
    off_grid = phase != np.bincount(phase).argmax()
    if off_grid.any():
        i = int(np.argmax(off_grid))
        line = int(lines[i]) if lines is not None else i + 1
        raise InputError(f"{where(name, line, file_lines)}: column 'interval_start' is "
                         f"{t.iloc[i]:%Y-%m-%d %H:%M}, not on the {step}-minute grid of the "
                         "other rows (mixed interval lengths?)")
    return step


def check_duplicates(frame: pd.DataFrame, name: str, file_lines: bool,
                     keys: list[str] | None = None, extra: pd.DataFrame | None = None) -> None:
    """Refuse an interval that appears twice for the same queue and channel (and UTC
    offset). ``extra``: the file's ignored columns (same index), to name the ones whose values
    differ between the duplicated rows (a channel column that was not mapped, say)."""
    keys = keys or [c for c in (*S.SERIES_COLUMNS, S.INTERVAL_START, S.UTC_OFFSET)
                    if c in frame.columns]
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return
    d = frame.loc[dup].sort_values([*keys, LINE])
    first = d.iloc[0]
    same = d[(d[keys] == first[keys]).all(axis=1)]
    lines = ", ".join(str(v) for v in same[LINE].head(3))
    label = "lines" if file_lines else "data rows"
    queue = f" for queue {first[S.QUEUE]!r}" if S.QUEUE in keys else ""
    channel = f", channel {first[S.CHANNEL]!r}" if S.CHANNEL in keys else ""
    hint = ""
    if extra is not None and len(extra.columns):
        rows = extra.loc[same.index]
        differ = [c for c in rows.columns if rows[c].astype(str).nunique() > 1]
        if differ:
            hint = (f"; the rows differ in {', '.join(map(repr, differ[:3]))}, which "
                    f"{'is' if len(differ) == 1 else 'are'} not read: map it with columns "
                    "(e.g. channel=<that column>) or filter the rows")
    raise InputError(f"{name}: {label} {lines}: column 'interval_start' "
                     f"{first[S.INTERVAL_START]:%Y-%m-%d %H:%M} appears more than once"
                     f"{queue}{channel} ({int(dup.sum())} duplicated rows){hint}")


def _drop_empty_and_summary(raw: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Leave out rows with no cell filled and the summary rows of a report ('Total' where the
    interval should be)."""
    notes = []
    empty = np.ones(len(raw), bool)
    for c in raw.columns:
        if c == LINE:
            continue
        v = raw[c]
        if pd.api.types.is_string_dtype(v) or v.dtype == object:
            empty &= (v.isna() | (v.astype(str).str.strip() == "")).to_numpy()
        else:
            empty &= v.isna().to_numpy()
        if not empty.any():
            break
    times = [c for c in (S.INTERVAL_START, S.DATE, S.TIME) if c in raw.columns]
    when = times + ([S.QUEUE] if S.QUEUE in raw.columns else [])

    def label(c):
        if pd.api.types.is_datetime64_any_dtype(raw[c]):
            return np.zeros(len(raw), bool)
        return raw[c].astype(str).str.strip().str.lower().isin(detect.SUMMARY_LABELS).to_numpy()

    summary = np.zeros(len(raw), bool)
    for c in times:
        summary |= label(c)
    if S.QUEUE in raw.columns:     # 'Total' as the queue of a row without a time
        no_time = np.ones(len(raw), bool)
        for c in times:
            no_time &= (raw[c].isna() | (raw[c].astype(str).str.strip() == "")).to_numpy()
        summary |= label(S.QUEUE) & no_time
    if summary.any():
        lines = raw.loc[summary, LINE].head(3).tolist()
        label = next(str(raw.loc[summary, c].iloc[0]) for c in when
                     if str(raw.loc[summary, c].iloc[0]).strip().lower() in detect.SUMMARY_LABELS)
        notes.append(f"{name}: left out {int(summary.sum())} summary row(s) of the report "
                     f"(line {', '.join(map(str, lines))}: {label.strip()!r})")
    keep = ~(empty | summary)
    if keep.all():
        return raw, notes
    return raw.loc[keep].reset_index(drop=True), notes


def _text_column(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().where(values.notna(), "")


def _combine_date_time(out: pd.DataFrame, name: str, file_lines: bool,
                       date_format: str | None) -> pd.Series:
    """A Date and a Time column as one timestamp text 'YYYY-MM-DD HH:MM:SS'."""
    dates = out[S.DATE]
    if pd.api.types.is_datetime64_any_dtype(dates) or dates.map(
            lambda v: isinstance(v, pd.Timestamp)).all():
        day = pd.to_datetime(dates).dt.normalize()
    elif date_format is not None:
        day = pd.to_datetime(_text_column(dates).str.split(r"[\sT]", n=1, regex=True).str[0],
                             format=date_format, errors="coerce")
    else:
        day = detect.dates(_text_column(dates).str.split(r"[\sT]", n=1, regex=True).str[0],
                           name, S.DATE)
    if day.isna().any():
        fail_rows(name, file_lines, out, day.isna().to_numpy(), S.DATE,
                  "not a date" + (f" ({date_format})" if date_format else ""))
    secs = detect.time_of_day_s(out[S.TIME])
    if np.isnan(secs).any():
        fail_rows(name, file_lines, out, np.isnan(secs), S.TIME,
                  "not a time of day (expected HH:MM, HH:MM AM or HH:MM-HH:MM)")
    return pd.Series((day + pd.to_timedelta(secs, unit="s")).to_numpy(), index=out.index)


def _derive_aht(out: pd.DataFrame, name: str, file_lines: bool) -> None:
    """aht_s from what the export has, when it has no AHT column: total handle time /
    handled; else (talk + hold + after-call work totals) / handled; else the sum of the
    per-call averages (Avaya: Avg ACD Time + Avg ACW Time). Empty where nothing was
    handled."""
    if S.AHT_S in out.columns:
        return
    totals = [c for c in (S.TALK_TIME_S, S.HOLD_TIME_S, S.ACW_TIME_S) if c in out.columns]
    parts = [c for c in (S.AVG_TALK_S, S.AVG_HOLD_S, S.AVG_ACW_S) if c in out.columns]
    total = out[S.HANDLE_TIME_S] if S.HANDLE_TIME_S in out.columns else \
        (out[totals].sum(axis=1, min_count=1) if totals else None)
    if total is not None:
        if S.HANDLED not in out.columns:
            raise InputError(f"{name}: the file has a total handle time but no handled-calls "
                             "column to divide it by; map one with columns (handled=<column>)",
                             param="columns")
        handled = out[S.HANDLED]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[S.AHT_S] = (total / handled).where(handled > 0)
    elif parts:
        out[S.AHT_S] = out[parts].sum(axis=1, min_count=1)


def _channels(values: pd.Series) -> pd.Series:
    """Channel names: the known ones in one spelling (voice, chat, email, message,
    callback), others as written."""
    text = _text_column(values)
    norm = text.map(S.normalise_name)
    return norm.map(S.CHANNELS).fillna(text)


def read_intervals(source, kind: str, *, options: ReadOptions | None = None,
                   column_map: Mapping[str, str] | None = None, sheet=None,
                   tz: str | None = None, interval_min: int | None = None,
                   infer_interval: bool = True, duplicates: bool = True,
                   name: str | None = None) -> IntervalFile:
    """Read and validate one interval file of ``kind`` (a key of :data:`KINDS`): a path, a
    DataFrame (labelled ``name`` in messages) or an :class:`IntervalFile` (returned as is).

    ``options``: :class:`~wfmcore.readoptions.ReadOptions` (time zones, column map, date
    format, sheet, filter, layout); ``column_map``, ``sheet`` and ``tz`` are the same as
    its fields. With ``tz`` the frame has ``utc_offset_min`` (exact for converted
    timestamps; for naive site-local ones the repeated autumn hour is summer time first).
    ``interval_min`` given: taken as the interval length; otherwise the length comes from
    the spacing (:func:`interval_minutes`) when ``infer_interval``.
    """
    if isinstance(source, IntervalFile):
        return source
    spec = KINDS[kind]
    opts = merge(options, column_map=column_map, sheet=sheet, tz=tz)
    got = load_source(source, opts.sheet, name)
    raw, name, file_lines = got.raw, got.name, got.file_lines
    if raw.empty:
        raise InputError(f"{name}: no data rows")
    mapped, layout, vendor, ignored, mapping = apply_layout(raw, name, spec, opts.header_map,
                                                            layout=opts.layout)
    extra = raw[[c for c in ignored if c in raw.columns]] if duplicates else None
    mapped, notes = _drop_empty_and_summary(mapped, name)
    if extra is not None:
        extra = extra.set_axis(raw[LINE]).loc[mapped[LINE]].reset_index(drop=True)
    if mapped.empty:
        raise InputError(f"{name}: no data rows")
    out = mapped.copy()
    for col in (S.QUEUE, S.CHANNEL):
        if col in mapped.columns:
            q = _text_column(mapped[col])
            empty = (q == "").to_numpy()
            if empty.any():
                fail_rows(name, file_lines, mapped, empty, col,
                          "every row needs a queue name" if col == S.QUEUE else
                          "every row needs a channel (or leave the column out)")
            out[col] = q if col == S.QUEUE else _channels(mapped[col])
    if opts.row_filter:
        keep = np.ones(len(out), bool)
        for col, values in opts.row_filter.items():
            if col not in out.columns:
                raise InputError(f"{name}: filter {col}=... but the file has no {col} column",
                                 param="filter")
            keep &= out[col].str.lower().isin(values).to_numpy()
        if not keep.any():
            col = next(iter(opts.row_filter))
            found = ", ".join(sorted(out[col].unique())[:8])
            raise InputError(f"{name}: filter {opts.filter!r} keeps no rows ({col} values are "
                             f"{found})", param="filter")
        if not keep.all():
            notes.append(f"{name}: filter {opts.filter!r} kept {int(keep.sum()):,} of "
                         f"{len(keep):,} rows")
        out, mapped = out.loc[keep].reset_index(drop=True), mapped.loc[keep].reset_index(drop=True)
        if extra is not None:
            extra = extra.loc[keep].reset_index(drop=True)
    if S.INTERVAL_START not in mapped.columns:
        mapped = mapped.assign(**{S.INTERVAL_START: _combine_date_time(
            mapped, name, file_lines, opts.date_format)})
    keys = [c for c in S.SERIES_COLUMNS if c in out.columns]
    for k in keys:
        mapped[k] = out[k]
    out[S.INTERVAL_START], offsets = parse_times(
        mapped, S.INTERVAL_START, name, file_lines, date_format=opts.date_format, tz=opts.tz,
        input_tz=opts.input_tz, keys=keys)
    units = dict(vendor.units) if vendor is not None else {}
    header_of = {t: c for c, t in mapping.items()}
    numbers = list(spec.numbers) + ([c for c in S.DURATION_INPUTS if c in mapped.columns]
                                    if kind == "history" else [])
    for col in numbers:
        if col in mapped.columns:
            seconds = col.endswith("_s")
            unit_s = None
            if seconds:
                unit_s = units.get(S.normalise_name(header_of.get(col, col)), 1.0)
            out[col] = parse_numbers(mapped, col, name, file_lines,
                                     required=col in spec.required,
                                     unit="seconds" if seconds else "calls",
                                     decimal_comma=got.decimal_comma, unit_s=unit_s)
    if kind == "history":
        if S.OFFERED not in out.columns and vendor is not None and vendor.offered_from:
            out[S.OFFERED] = out[list(vendor.offered_from)].sum(axis=1)
            notes.append(f"{name}: calls offered = {' + '.join(vendor.offered_from)} "
                         f"({vendor.name} exports no offered column)")
        _derive_aht(out, name, file_lines)
        out = out.drop(columns=[c for c in S.INPUT_COLUMNS if c in out.columns])
    else:
        out = out.drop(columns=[c for c in (S.DATE, S.TIME, S.INTERVAL_END) if c in out.columns])
    if offsets is not None:
        out[S.UTC_OFFSET] = offsets
    elif opts.tz is not None and kind == "history":
        out[S.UTC_OFFSET] = utc_offsets(out, opts.tz, [*keys, S.INTERVAL_START], name=name,
                                        file_lines=file_lines)
    elif S.UTC_OFFSET in mapped.columns:
        off = pd.to_numeric(mapped[S.UTC_OFFSET], errors="coerce")
        bad = off.isna() | (off % 1 != 0)
        if bad.any():
            fail_rows(name, file_lines, mapped, bad, S.UTC_OFFSET, "not a whole number of minutes")
        out[S.UTC_OFFSET] = off.astype(int)
    if duplicates:
        check_duplicates(out, name, file_lines, extra=extra)
    if interval_min is None and infer_interval:
        interval_min = interval_minutes(out[S.INTERVAL_START], series_labels(out), name,
                                        lines=out[LINE].to_numpy(), file_lines=file_lines)
    return IntervalFile(frame=out, source=name, interval_min=interval_min, layout=layout,
                        file_lines=file_lines, tz=opts.tz if kind == "history" else None,
                        notes=tuple(notes), ignored=tuple(ignored), sheet=got.sheet,
                        decimal_comma=got.decimal_comma)


def series_labels(frame: pd.DataFrame):
    """One label per row for its series (queue x channel; None: one series)."""
    keys = S.series_keys(frame)
    if not keys:
        return None
    if len(keys) == 1:
        return frame[keys[0]].astype(str).to_numpy()
    return (frame[keys[0]].astype(str) + " / " + frame[keys[1]].astype(str)).to_numpy()


#: a time of day is inside a series' opening hours on a weekday when at least this share of
#: that weekday's days have a row there
OPEN_SHARE = 0.25


def fill_gaps(frame: pd.DataFrame, interval_min: int, tz: str | None = None
              ) -> tuple[pd.DataFrame, int]:
    """Intervals an export left out inside the opening hours, added with 0 calls; returns
    (frame, how many were added).

    Per series (queue x channel) and weekday the opening hours are learned from the history:
    the span from the first to the last time of day at which at least :data:`OPEN_SHARE` of
    that weekday's days have a row. A day with rows that lacks an interval inside that span
    (and inside the history's first and last interval) gets it with 0 calls offered, handled
    and abandoned (AHT empty). A series that has rows with 0 calls offered keeps zero
    intervals in its export, so its gaps are missing data and are left as they are; so are
    days without any row (closed or missing days). With ``tz`` the skipped spring hour is not
    an interval and the repeated autumn hour is two.
    """
    if frame.empty:
        return frame, 0
    keys = S.series_keys(frame)
    groups = frame.groupby(keys, sort=False) if keys else [((), frame)]
    added = []
    for key, g in groups:
        if (g[S.OFFERED] == 0).any():
            continue
        ts = g[S.INTERVAL_START]
        day = ts.dt.normalize()
        minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
        wd = day.dt.day_of_week.to_numpy()
        days = pd.DataFrame({"day": day.to_numpy(), "wd": wd}).drop_duplicates("day")
        n_days = days.groupby("wd").size()
        seen = pd.DataFrame({"day": day.to_numpy(), "wd": wd, "m": minute}).drop_duplicates(
            ["day", "m"]).groupby(["wd", "m"]).size()
        need = np.maximum(1.0, OPEN_SHARE * n_days.reindex(
            seen.index.get_level_values("wd")).to_numpy())
        opened = seen[seen.to_numpy() >= need].reset_index()
        if opened.empty:
            continue
        phase = int(pd.Series(minute % interval_min).mode().iloc[0])
        span = opened.groupby("wd")["m"].agg(["min", "max"])
        cand = []
        for w, (lo, hi) in span.iterrows():
            slots = np.arange(lo - (lo - phase) % interval_min, hi + 1, interval_min)
            dd = days.loc[days["wd"] == w, "day"].to_numpy()
            if len(dd) and len(slots):
                cand.append((dd[:, None] + slots[None, :].astype("timedelta64[m]")).ravel())
        if not cand:
            continue
        local = pd.DatetimeIndex(np.concatenate(cand))
        local = local[(local >= ts.min()) & (local <= ts.max())]
        if tz is not None:
            parts = []
            for dst in (True, False):
                aware = local.tz_localize(tz, ambiguous=np.full(len(local), dst),
                                          nonexistent="NaT")
                ok = ~aware.isna()
                utc = aware[ok].tz_convert("UTC").tz_localize(None)
                parts.append(pd.DataFrame({S.INTERVAL_START: local[ok], S.UTC_OFFSET: (
                    (local[ok] - utc) / pd.Timedelta(minutes=1)).astype(int)}))
            cand_df = pd.concat(parts).drop_duplicates()
            have = pd.MultiIndex.from_frame(g[[S.INTERVAL_START, S.UTC_OFFSET]])
            missing = cand_df[~pd.MultiIndex.from_frame(cand_df).isin(have)]
        else:
            missing = pd.DataFrame({S.INTERVAL_START: local[~local.isin(ts)]})
        if missing.empty:
            continue
        rows = missing.copy()
        for k, v in zip(keys, key if isinstance(key, tuple) else (key,), strict=False):
            rows[k] = v
        added.append(rows)
    if not added:
        return frame, 0
    new = pd.concat(added, ignore_index=True)
    for col in frame.columns:
        if col in new.columns:
            continue
        if col in (*S.COUNT_COLUMNS, *S.KPI_COUNT_COLUMNS):
            new[col] = 0.0
        elif col == LINE:
            new[col] = -1
        else:
            new[col] = np.nan
    new = new[list(frame.columns)].astype({c: frame[c].dtype for c in frame.columns
                                          if c not in (S.AHT_S,)}, errors="ignore")
    out = pd.concat([frame, new], ignore_index=True)
    sort = [*keys, S.INTERVAL_START] + ([S.UTC_OFFSET] if S.UTC_OFFSET in out.columns else [])
    asc = [True] * (len(sort) - 1) + [S.UTC_OFFSET not in out.columns]
    return out.sort_values(sort, ascending=asc, kind="stable").reset_index(drop=True), len(new)


def fill_note(n: int) -> str:
    """The one note about :func:`fill_gaps`."""
    return (f"{n:,} interval(s) missing inside the opening hours (learned per queue, channel "
            "and weekday) were filled with 0 calls: the export leaves out intervals without "
            "calls")


def format_times(times) -> pd.Series:
    """Timestamps in the one written format, ``YYYY-MM-DD HH:MM``."""
    return pd.to_datetime(pd.Series(times)).dt.strftime(S.TIME_FORMAT)
