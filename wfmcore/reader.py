"""The one reader for every interval file a command takes: history, forecast, requirements,
headcount, interval lists.

Steps, the same for every kind of file (:data:`KINDS`):

1. load: CSV (every cell as text), Excel (.xlsx, via openpyxl), Parquet (via pyarrow) or a
   DataFrame given by a notebook;
2. layout: map the header to wfm's column names (:mod:`wfmcore.schema`) with a column map
   from a table of layouts (:data:`LAYOUTS`; data, not branches), plus a user's
   ``column_map``;
3. parse: ``interval_start`` with one parser (ISO 8601 and other unambiguous layouts; time-zone
   offsets are refused), numbers with the row and column named on failure;
4. interval length: :func:`interval_minutes`, the most common step between the intervals of
   a day, checked for every queue;
5. duplicates: a (queue, interval_start[, utc_offset_min]) that appears twice is refused.

Messages name the file, the *file* line (header = line 1, first data row = line 2) for CSV
and Excel, or the data row (1-based) for a DataFrame or Parquet file, and the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfmcore import schema as S
from wfmcore.errors import InputError

LINE = "_line"   # private column: where each row came from, for messages


@dataclass(frozen=True)
class Layout:
    """A file layout: how its header names map to wfm's columns (after
    :func:`wfmcore.schema.normalise_name`), and where the names come from."""

    name: str
    columns: Mapping[str, str]
    reference: str = ""


#: Known layouts, tried in order: a column takes the first layout's name that matches.
LAYOUTS: tuple[Layout, ...] = (
    Layout("wfm", {c: c for c in (*S.FRAME_COLUMNS, *S.KPI_COUNT_COLUMNS, *S.KPI_VALUE_COLUMNS,
                                  "agents", "scheduled_agents")},
           "wfmcore.schema"),
    Layout("generic", S.ALIASES,
           "forecasting libraries' long format (unique_id, ds, y) and common ACD headers"),
)


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
    ``queue`` as text when present; the kind's numeric columns as float (NaN = empty cell);
    other columns as they were. Rows in file order, index 0..n-1. ``interval_min`` is the
    interval length (None when not asked for).
    """

    frame: pd.DataFrame
    source: str
    interval_min: int | None
    layout: str
    file_lines: bool


def where(source: str, line: int, file_lines: bool) -> str:
    """'file.csv: line 7' (file line) or '<frame>: data row 6'."""
    return f"{source}: line {line}" if file_lines else f"{source}: data row {line}"


def load(source, sheet=None, name: str | None = None) -> tuple[pd.DataFrame, str, bool]:
    """(raw frame with a line column, display name, line numbers are file lines); ``name``
    labels a DataFrame in messages (default ``<frame>``)."""
    if isinstance(source, pd.DataFrame):
        raw, name, file_lines = source.copy(), name or "<frame>", False
    else:
        path = Path(source)
        name = str(path)
        if not path.exists():
            raise InputError(f"{name}: file not found")
        if path.is_dir():
            raise InputError(f"{name}: is a folder; give a file")
        suffix = path.suffix.lower()
        kind = {".xlsx": "Excel", ".xlsm": "Excel", ".xls": "Excel", ".parquet": "Parquet",
                ".pq": "Parquet"}.get(suffix, "CSV")   # any other name is read as CSV text
        try:
            if kind == "Excel":
                raw = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0,
                                    dtype=object)
                file_lines = True
            elif kind == "Parquet":
                raw, file_lines = pd.read_parquet(path), False
            else:
                raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
                file_lines = True
        except ImportError as exc:
            raise InputError(f"{name}: reading {kind} files needs an extra package "
                             f"({exc.name}); install it or save the file as CSV") from None
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party file reader
            # (zipfile.BadZipFile, KeyError from a zip that is no workbook, ParserError, ...)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else \
                type(exc).__name__
            raise InputError(f"{name}: not a readable {kind} file ({first})") from None
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    raw[LINE] = np.arange(len(raw)) + (2 if file_lines else 1)
    return raw, name, file_lines


def apply_layout(raw: pd.DataFrame, name: str, kind: FileKind,
                 column_map: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, str]:
    """Rename the columns to wfm's names; returns (frame, layout name).

    ``column_map`` (file header -> wfm column) wins over the layouts. Two columns that map to
    the same name, or a required column that is missing, are input errors.
    """
    user = {str(k): v for k, v in (column_map or {}).items()}
    known = {c for layout in LAYOUTS for c in layout.columns.values()}
    for bad in sorted(set(user.values()) - known):
        raise InputError(f"{name}: column_map target {bad!r} is not one of "
                         f"{', '.join(sorted(known))}")
    mapping: dict[str, str] = {}
    used = set()
    for col in raw.columns:
        if col == LINE:
            continue
        if col in user:
            mapping[col] = user[col]
            continue
        norm = S.normalise_name(col)
        for layout in LAYOUTS:
            if norm in layout.columns:
                mapping[col] = layout.columns[norm]
                used.add(layout.name)
                break
    targets = list(mapping.values())
    for t in sorted(set(targets)):
        if targets.count(t) > 1:
            cols = [repr(c) for c, v in mapping.items() if v == t]
            raise InputError(f"{name}: columns {', '.join(cols)} all map to {t!r}; "
                             "keep one or give a column map")
    out = raw.rename(columns=mapping)
    for need in kind.required:
        options = need if isinstance(need, tuple) else (need,)
        if not any(o in out.columns for o in options):
            wanted = " or ".join(repr(o) for o in options)
            found = ", ".join(repr(c) for c in raw.columns if c != LINE)
            raise InputError(f"{name}: no column {wanted} (columns are {found}); rename it "
                             "or give a column map")
    if not kind.keep_other:
        keep = [c for c in out.columns if c in known or c == LINE]
        out = out[keep]
    layout = "generic" if "generic" in used else "wfm"
    return out, layout


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


#: ISO-like timestamps with unpadded parts ('2026-3-2 8:00'), parsed when strict ISO 8601
#: fails; anything else (e.g. '03/02/2026', day or month first?) is refused, not guessed
_ISO_LIKE = r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"


def parse_times(raw: pd.DataFrame, column: str, name: str, file_lines: bool) -> pd.Series:
    """The one timestamp parser: datetime64 values kept, text parsed as ISO 8601 (then other
    unambiguous layouts such as '2003-03-03T07:00:00'); offsets are refused."""
    values = raw[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        ts = pd.Series(values)
    else:
        text = values.astype(str).str.strip()
        try:
            ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
            retry = ts.isna() & text.str.match(_ISO_LIKE)
            if retry.any():
                ts[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed")
        except (ValueError, TypeError):        # offsets that differ from row to row
            raise InputError(f"{name}: column {column!r} mixes time-zone offsets; wfm expects "
                             "naive site-local times (drop the offset)") from None
        ts = pd.Series(ts)
    if getattr(ts.dt, "tz", None) is not None:
        raise InputError(f"{name}: column {column!r} has time-zone offsets; wfm expects "
                         "naive site-local times (drop the offset)")
    bad = ts.isna().to_numpy()
    if bad.any():
        fail_rows(name, file_lines, raw, bad, column,
                  "not a timestamp (expected YYYY-MM-DD HH:MM)")
    ts = pd.Series(ts.to_numpy().astype("datetime64[ns]"), index=raw.index)
    if (ts.dt.second != 0).any() or (ts.dt.microsecond != 0).any():
        fail_rows(name, file_lines, raw, ((ts.dt.second != 0) | (ts.dt.microsecond != 0)),
                  column, "interval starts must be whole minutes")
    return ts


def parse_numbers(raw: pd.DataFrame, column: str, name: str, file_lines: bool, *,
                  required: bool = False, unit: str = "calls") -> np.ndarray:
    """A numeric column as float (NaN = empty cell): numbers >= 0 and finite; an empty cell
    is an error when ``required``."""
    values = raw[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float)
        blank = numbers.isna()
    else:
        blank = values.isna() | values.astype(str).str.strip().isin(NA_TEXT)
        numbers = pd.to_numeric(values.where(~blank), errors="coerce").astype(float)
        bad = (numbers.isna() & ~blank) | values.map(lambda v: isinstance(v, bool))
        if bad.any():
            fail_rows(name, file_lines, raw, bad, column, "not a number")
    if required and blank.any():
        fail_rows(name, file_lines, raw, blank, column, "a number is needed in every row")
    arr = numbers.to_numpy(dtype=float)
    if (arr < 0).any():
        fail_rows(name, file_lines, raw, arr < 0, column, f"{unit} must be >= 0")
    if np.isinf(arr).any():
        fail_rows(name, file_lines, raw, np.isinf(arr), column, "must be finite")
    return arr


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
                     keys: list[str] | None = None) -> None:
    """Refuse an interval that appears twice for the same queue (and UTC offset)."""
    keys = keys or [c for c in (S.QUEUE, S.INTERVAL_START, S.UTC_OFFSET) if c in frame.columns]
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return
    d = frame.loc[dup].sort_values([*keys, LINE])
    first = d.iloc[0]
    same = d[(d[keys] == first[keys]).all(axis=1)]
    lines = ", ".join(str(v) for v in same[LINE].head(3))
    label = "lines" if file_lines else "data rows"
    queue = f" for queue {first[S.QUEUE]!r}" if S.QUEUE in keys else ""
    raise InputError(f"{name}: {label} {lines}: column 'interval_start' "
                     f"{first[S.INTERVAL_START]:%Y-%m-%d %H:%M} appears more than once"
                     f"{queue} ({int(dup.sum())} duplicated rows)")


def read_intervals(source, kind: str, *, column_map: Mapping[str, str] | None = None,
                   sheet=None, interval_min: int | None = None, infer_interval: bool = True,
                   duplicates: bool = True, name: str | None = None) -> IntervalFile:
    """Read and validate one interval file of ``kind`` (a key of :data:`KINDS`): a path, a
    DataFrame (labelled ``name`` in messages) or an :class:`IntervalFile` (returned as is).

    ``interval_min`` given: taken as the interval length; otherwise the length comes from
    the spacing (:func:`interval_minutes`) when ``infer_interval``.
    """
    if isinstance(source, IntervalFile):
        return source
    spec = KINDS[kind]
    raw, name, file_lines = load(source, sheet, name)
    if raw.empty:
        raise InputError(f"{name}: no data rows")
    raw, layout = apply_layout(raw, name, spec, column_map)
    out = raw.copy()
    if S.QUEUE in raw.columns:
        q = raw[S.QUEUE].astype(str).str.strip()
        empty = raw[S.QUEUE].isna().to_numpy() | (q == "").to_numpy()
        if empty.any():
            fail_rows(name, file_lines, raw, empty, S.QUEUE, "every row needs a queue name")
        out[S.QUEUE] = q
    out[S.INTERVAL_START] = parse_times(raw, S.INTERVAL_START, name, file_lines)
    for col in spec.numbers:
        if col in raw.columns:
            out[col] = parse_numbers(raw, col, name, file_lines, required=col in spec.required,
                                     unit="seconds" if col.endswith("_s") else "calls")
    if S.UTC_OFFSET in raw.columns:
        out[S.UTC_OFFSET] = pd.to_numeric(raw[S.UTC_OFFSET], errors="coerce")
        bad = out[S.UTC_OFFSET].isna() | (out[S.UTC_OFFSET] % 1 != 0)
        if bad.any():
            fail_rows(name, file_lines, raw, bad, S.UTC_OFFSET, "not a whole number of minutes")
        out[S.UTC_OFFSET] = out[S.UTC_OFFSET].astype(int)
    if duplicates:
        check_duplicates(out, name, file_lines)
    if interval_min is None and infer_interval:
        interval_min = interval_minutes(out[S.INTERVAL_START],
                                        out[S.QUEUE] if S.QUEUE in out else None, name,
                                        lines=out[LINE].to_numpy(), file_lines=file_lines)
    return IntervalFile(frame=out, source=name, interval_min=interval_min, layout=layout,
                        file_lines=file_lines)


def format_times(times) -> pd.Series:
    """Timestamps in the one written format, ``YYYY-MM-DD HH:MM``."""
    return pd.to_datetime(pd.Series(times)).dt.strftime(S.TIME_FORMAT)
