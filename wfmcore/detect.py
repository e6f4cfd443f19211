"""What the reader finds out about a file without being told: the text encoding, the
separator and the decimal comma, the header row under title rows, the sheet of a workbook that
holds the data; and how its cells write times (day-first or month-first dates, 12-hour
clocks, UTC offsets, separate date and time columns) and durations ('hh:mm:ss', seconds,
milliseconds).

Nothing here guesses: a file whose dates could be day-first or month-first (no day above
12) is refused, naming ``date_format``; a file that mixes day-first and month-first dates,
or timestamps with and without offsets, is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfmcore.errors import InputError

SAMPLE_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
#: cells that are a report's summary row rather than an interval
SUMMARY_LABELS = frozenset({"total", "totals", "summary", "grand total", "report total"})


@dataclass(frozen=True)
class TextLayout:
    """How a CSV-like text file is written: ``encoding``, ``delimiter``, ``header_row``
    (0-based line of the header; title rows above it), ``decimal_comma`` ('12,5')."""

    encoding: str
    delimiter: str
    header_row: int
    decimal_comma: bool


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            if enc == "utf-8-sig" and exc.start >= len(data) - 3:   # a cut multi-byte char
                return data[:exc.start].decode(enc), enc
    return data.decode("latin-1"), "latin-1"


def _non_empty(row: list[str]) -> int:
    return sum(1 for c in row if str(c).strip())


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?[\d.,:]+\s*", text))


def header_index(rows: list[list[str]]) -> int:
    """The header row: the first row with as many filled cells as the modal data row (at
    least two) whose cells are not all numbers or times. Title rows above it have fewer."""
    counts = [_non_empty(r) for r in rows]
    filled = [c for c in counts if c >= 2]
    if not filled:
        return 0
    modal = Counter(filled).most_common(1)[0][0]
    need = max(2, int(np.ceil(0.6 * modal)))
    for i, r in enumerate(rows):
        cells = [str(c) for c in r if str(c).strip()]
        if len(cells) >= need and not all(_is_number(c) for c in cells):
            return i
    return 0


def sniff_text(path: Path, name: str) -> TextLayout:
    """Encoding, separator, header row and decimal comma of a CSV-like file, from its first
    64 KB. Binary data and empty files are input errors."""
    with open(path, "rb") as fh:
        data = fh.read(SAMPLE_BYTES)
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: not a text file (binary data); save it as CSV, Excel or "
                         "Parquet")
    text, encoding = _decode(data)
    if len(data) == SAMPLE_BYTES and "\n" in text:
        text = text[:text.rfind("\n")]                      # no half line at the cut
    lines = [ln for ln in text.splitlines()][:400]
    if sum(ch in text for ch in "\ufffd") or sum(1 for ch in text[:4000]
                                                 if ord(ch) < 32 and ch not in "\r\n\t") > 8:
        raise InputError(f"{name}: not a text file (binary data); save it as CSV, Excel or "
                         "Parquet")
    best = None
    for d in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=d))
        except csv.Error:
            continue
        counts = [len(r) for r in rows if _non_empty(r)]
        if not counts:
            continue
        modal, n = Counter(counts).most_common(1)[0]
        key = (modal > 1, n / len(counts), modal)
        if best is None or key > best[0]:
            best = (key, d, rows)
    if best is None:
        raise InputError(f"{name}: not a readable CSV file (no line could be split)")
    _, delimiter, rows = best
    header = header_index(rows)
    decimal_comma = delimiter != "," and any(
        re.fullmatch(r"\s*-?\d+,\d+\s*", c) for r in rows[header + 1:] for c in r)
    return TextLayout(encoding, delimiter, header, decimal_comma)


def read_text(path: Path, name: str) -> tuple[pd.DataFrame, int, bool]:
    """(every cell as text, file line of the first data row, decimal comma) of a CSV-like
    file, read with what :func:`sniff_text` found."""
    fmt = sniff_text(path, name)
    frame = pd.read_csv(path, sep=fmt.delimiter, skiprows=fmt.header_row, dtype=str,
                        keep_default_na=False, skipinitialspace=True, encoding=fmt.encoding,
                        encoding_errors="replace")
    return frame, fmt.header_row + 2, fmt.decimal_comma


def read_workbook(path: Path, name: str, sheet, has_data: Callable[[list[str]], bool]
                  ) -> tuple[pd.DataFrame, int, str]:
    """(cells, Excel row of the first data row, sheet name) of the sheet that holds the data:
    ``sheet`` when given, else the first sheet whose header ``has_data`` accepts, else the
    first sheet with rows. Title rows above the header are skipped."""
    book = pd.ExcelFile(path)
    names = book.sheet_names
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise InputError(f"{name}: sheet {sheet} does not exist (sheets are "
                                 f"{', '.join(map(repr, names))})", param="sheet")
            wanted = [names[sheet]]
        elif str(sheet) in names:
            wanted = [str(sheet)]
        else:
            raise InputError(f"{name}: sheet {sheet!r} does not exist (sheets are "
                             f"{', '.join(map(repr, names))})", param="sheet")
    else:
        wanted = names
    first = None
    for sh in wanted:
        cells = pd.read_excel(book, sheet_name=sh, header=None, dtype=object)
        cells = cells.dropna(how="all").dropna(axis=1, how="all")
        if cells.empty:
            continue
        rows = [["" if pd.isna(v) else str(v) for v in row] for row in cells.head(60).to_numpy()]
        h = header_index(rows)
        header = [str(v).strip() if not pd.isna(v) else "" for v in cells.iloc[h]]
        body = cells.iloc[h + 1:]
        body.columns = [c if c else f"column {i + 1}" for i, c in enumerate(header)]
        start = int(cells.index[h]) + 2 if len(cells) else 2   # Excel rows are 1-based
        body = body.reset_index(drop=True)
        if first is None:
            first = (body, start, sh)
        if has_data(list(body.columns)):
            return body, start, sh
    if first is None:
        raise InputError(f"{name}: no data rows (every sheet is empty)")
    return first


# --- times ------------------------------------------------------------------------------------

_OFFSET = re.compile(r"\d(?:Z|[+-]\d{2}:?\d{2})$")
_DATE_NUM = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_DATE_ISO = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")
_DATE_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?(?:[.,]\d+)?\s*"
                   r"(?:([AaPp])\.?\s*[Mm]\.?)?$")


def has_offsets(text: pd.Series) -> np.ndarray:
    """Which timestamps end with a UTC offset or 'Z'."""
    return text.str.contains(_OFFSET).to_numpy(dtype=bool)


def _split(stamp: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'10.09.2024 08:00' -> ('10.09.2024', '08:00'); a date alone -> (date, '')."""
    parts = stamp.astype(str).str.strip().str.split(r"[\sT]+", n=1, regex=True)
    date = parts.map(lambda p: p[0] if len(p) else "")
    time = parts.map(lambda p: p[1] if len(p) > 1 else "")
    return date, time


def time_of_day_s(values: pd.Series) -> np.ndarray:
    """Seconds after midnight of time-of-day cells: '08:15', '8:15:00', '1:00 PM', '12:30
    AM', an interval '08:00-08:30' (its start), a bare hour '9', an Excel time or a day
    fraction (0.34375); NaN where a cell is none of these."""
    out = np.full(len(values), np.nan)
    v = values.to_numpy(dtype=object)
    text = np.empty(len(v), dtype=object)
    for i, x in enumerate(v):
        if isinstance(x, dt.time):
            out[i] = x.hour * 3600 + x.minute * 60 + x.second
        elif isinstance(x, dt.datetime | pd.Timestamp):
            out[i] = x.hour * 3600 + x.minute * 60 + x.second
        elif isinstance(x, dt.timedelta | pd.Timedelta):
            out[i] = pd.Timedelta(x).total_seconds()
        elif isinstance(x, float | int | np.floating | np.integer) and not isinstance(x, bool):
            if 0 <= x < 1 and float(x) != int(x):
                out[i] = round(float(x) * 86400)
            elif float(x).is_integer() and 0 <= x <= 23:
                out[i] = int(x) * 3600
        if np.isnan(out[i]):
            text[i] = "" if x is None or (isinstance(x, float) and x != x) else str(x)
    todo = np.isnan(out)
    if todo.any():
        s = pd.Series(text[todo]).str.strip()
        s = s.str.split(r"\s*[-\u2013]\s*(?=\d)", n=1, regex=True).str[0]   # a range: its start
        m = s.str.extract(_TIME)
        hour = pd.to_numeric(m[0], errors="coerce")
        minute = pd.to_numeric(m[1], errors="coerce").fillna(0)
        second = pd.to_numeric(m[2], errors="coerce").fillna(0)
        ampm = m[3].str.lower()
        twelve = ampm.notna()
        bad12 = twelve & ((hour < 1) | (hour > 12))
        hour = hour.where(~twelve, (hour % 12) + np.where(ampm == "p", 12, 0))
        secs = hour * 3600 + minute * 60 + second
        ok = hour.notna() & (hour < 24) & (minute < 60) & (second < 60) & ~bad12
        out[np.flatnonzero(todo)] = np.where(ok, secs, np.nan)
    return out


@dataclass
class DateOrder:
    """Whether numeric dates such as 10/09/2024 are day-first: decided from the days above 12
    (or by ``date_format``); ``example`` is a date that shows it."""

    day_first: bool | None
    example: str = ""


def date_order(first: pd.Series, second: pd.Series, text: pd.Series, name: str,
               column: str) -> DateOrder:
    """Day-first when a first field exceeds 12, month-first when a second one does; both is
    an error; neither (and some date where the two differ) is ambiguous: refused, naming
    ``date_format``."""
    a, b = first.to_numpy(float), second.to_numpy(float)
    day1 = a > 12
    mon1 = b > 12
    if day1.any() and mon1.any():
        raise InputError(f"{name}: column {column!r} has day-first dates "
                         f"({text[day1].iloc[0]!r}) and month-first dates "
                         f"({text[mon1].iloc[0]!r}); give date_format", param="date_format")
    if day1.any():
        return DateOrder(True, text[day1].iloc[0])
    if mon1.any():
        return DateOrder(False, text[mon1].iloc[0])
    differ = a != b
    if differ.any():
        ex = text[differ].iloc[0]
        raise InputError(f"{name}: column {column!r}: dates such as {ex!r} can be day-first or "
                         "month-first and no day in the file is above 12; give date_format "
                         "(e.g. '%d/%m/%Y' or '%m/%d/%Y')", param="date_format")
    return DateOrder(None)


def dates(text: pd.Series, name: str, column: str) -> pd.Series:
    """Dates written ISO (2024-09-10, 2024/9/10), day- or month-first with '/', '.' or '-'
    (10/09/2024, 10.09.24) or compact (10092024), as datetime64 at midnight; NaT where a cell
    is none of these. The order of day and month is :func:`date_order`'s."""
    t = text.fillna("").astype(str).str.strip()
    year = pd.Series(np.nan, index=t.index)
    month = year.copy()
    day = year.copy()
    iso = t.str.extract(_DATE_ISO)
    hit = iso[0].notna()
    year[hit], month[hit], day[hit] = (pd.to_numeric(iso[k][hit]) for k in (0, 1, 2))
    num = t.str.extract(_DATE_NUM)
    n_hit = num[0].notna() & ~hit
    comp = t.str.extract(_DATE_COMPACT)
    c_hit = comp[0].notna() & ~hit & ~n_hit
    first = pd.concat([pd.to_numeric(num[0][n_hit]), pd.to_numeric(comp[0][c_hit])])
    second = pd.concat([pd.to_numeric(num[2][n_hit]), pd.to_numeric(comp[1][c_hit])])
    years = pd.concat([pd.to_numeric(num[3][n_hit]), pd.to_numeric(comp[2][c_hit])])
    if len(first):
        order = date_order(first, second, t[first.index], name, column)
        d, m = (first, second) if order.day_first in (True, None) else (second, first)
        day[first.index], month[first.index] = d, m
        year[first.index] = np.where(years < 100, years + 2000, years)
    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    ok = parts.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = pd.to_datetime(parts[ok].astype(int), errors="coerce")
    return out


def timestamps(text: pd.Series, name: str, column: str, date_format: str | None = None
               ) -> pd.Series:
    """The one parser of naive timestamp text (offsets are handled by the caller): ISO 8601
    first (fast), then a date (:func:`dates`) and a time of day (:func:`time_of_day_s`: 12-hour
    clocks, ranges) split at the first space or 'T'; with ``date_format`` that strptime
    format (a time after the date is still read). NaT where a cell is no timestamp."""
    if date_format is None:                     # the common case, fast: ISO 8601 throughout
        ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
        if not ts.isna().any():
            return pd.Series(ts.to_numpy().astype("datetime64[ns]"), index=text.index)
    uniq, codes = np.unique(text.to_numpy(dtype=str), return_inverse=True)
    u = pd.Series(uniq)
    if date_format is not None:
        ts = pd.to_datetime(u, format=date_format, errors="coerce")
        if ts.isna().any():       # the format names the date only: read the time after it
            date, time = _split(u[ts.isna()])
            d = pd.to_datetime(date, format=date_format, errors="coerce")
            secs = time_of_day_s(time.where(time != "", "0"))
            ts[ts.isna()] = d + pd.to_timedelta(secs, unit="s")
    else:
        ts = pd.to_datetime(u, errors="coerce", format="ISO8601")
        retry = ts.isna().to_numpy() & (u.str.strip() != "").to_numpy()
        if retry.any():
            date, time = _split(u[retry])
            d = dates(date, name, column)
            secs = time_of_day_s(time.where(time != "", "0"))
            ts[retry] = d.to_numpy() + pd.to_timedelta(secs, unit="s").to_numpy()
    ts = pd.Series(pd.to_datetime(ts).to_numpy(), dtype="datetime64[ns]")
    return pd.Series(ts.to_numpy()[codes], index=text.index)


def aware_timestamps(text: pd.Series) -> pd.Series:
    """Timestamps with UTC offsets or 'Z' as UTC instants (tz-aware); NaT where unreadable."""
    return pd.Series(pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601"),
                     index=text.index)


# --- durations --------------------------------------------------------------------------------

_HMS = re.compile(r"^\s*(-)?(\d+):(\d{1,2})(?::(\d{1,2}))?(?:[.,](\d+))?\s*$")


def durations_s(values: pd.Series, unit_s: float = 1.0, decimal_comma: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, cell was not a duration) for cells written as numbers in ``unit_s`` seconds
    (1: seconds, 0.001: milliseconds), as 'hh:mm:ss' / 'mm:ss' text, or as Excel times and
    time spans; empty cells are NaN and not flagged."""
    out = np.full(len(values), np.nan)
    bad = np.zeros(len(values), bool)
    v = values.to_numpy(dtype=object)
    text = pd.Series([("" if x is None or (isinstance(x, float) and x != x) else str(x))
                      if not isinstance(x, dt.time | dt.timedelta | pd.Timedelta) else ""
                      for x in v], index=values.index).str.strip()
    for i, x in enumerate(v):
        if isinstance(x, dt.time):
            out[i] = x.hour * 3600 + x.minute * 60 + x.second + x.microsecond / 1e6
        elif isinstance(x, dt.timedelta | pd.Timedelta):
            out[i] = pd.Timedelta(x).total_seconds()
    todo = np.isnan(out)
    num_text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False) \
        if decimal_comma else text
    num = pd.to_numeric(num_text.where(todo), errors="coerce").to_numpy(float)
    isnum = ~np.isnan(num)
    out[isnum] = num[isnum] * unit_s
    rest = todo & ~isnum & (text != "").to_numpy()
    if rest.any():
        m = text[rest].str.extract(_HMS)
        a = pd.to_numeric(m[1], errors="coerce")
        b = pd.to_numeric(m[2], errors="coerce")
        c = pd.to_numeric(m[3], errors="coerce")
        frac = pd.to_numeric("0." + m[4].fillna("0"), errors="coerce")
        secs = np.where(c.notna(), a * 3600 + b * 60 + c.fillna(0), a * 60 + b) + frac
        secs = np.where(m[0].notna(), -secs, secs)
        idx = np.flatnonzero(rest)
        out[idx] = secs
        bad[idx] = np.isnan(secs)
    return out, bad
