"""Workbooks a planner can use: one way to put a table on a sheet, shared by every workbook.

:func:`write_frame` writes a DataFrame with real Excel dates and times (not text), a number
format per column chosen from its name and values (:func:`number_format`), a bold frozen
header row, an autofilter over the table and column widths that fit the values;
:func:`line_chart` draws columns against the time column (the categories are the times, not
row numbers). openpyxl is loaded only when a workbook is written.

Column-name conventions (wfmcore.schema uses units in names): shares (``service_level``,
``occupancy``, ``p_wait``, ``bias``, ... and names ending ``_share`` / ``_rate`` / ``_sl``)
as ``0.0%``; seconds (``_s``) and hours (``_hours`` / ``_h``) with one decimal; agents and
other whole-number columns as ``#,##0``; other numbers ``#,##0.0``; times ``yyyy-mm-dd
hh:mm``, days ``yyyy-mm-dd ddd``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

TIME_FORMAT = "yyyy-mm-dd hh:mm"
DAY_FORMAT = "yyyy-mm-dd ddd"
SHARE_FORMAT = "0.0%"
DECIMAL_FORMAT = "#,##0.0"
WHOLE_FORMAT = "#,##0"

SHARE_NAMES = frozenset({
    "service_level", "sim_service_level", "sim_service_level_lo", "sim_service_level_hi",
    "occupancy", "p_wait", "p_abandon", "abandon_rate", "bias", "wape", "coverage", "gap",
    "shrinkage", "understaffed", "sl_target", "max_occupancy", "gain", "sim_intervals_met",
    "sl", "expected_sl"})
_SHARE_SUFFIX = re.compile(r"(_share|_rate|_sl|_pct_share)$")
_TIME_NAMES = frozenset({"interval_start", "start", "end", "period_start", "as_of"})
_DAY_NAMES = frozenset({"day", "date", "week_start"})


def _as_times(col: pd.Series) -> pd.Series | None:
    """``col`` as datetimes if it is a time column (datetime dtype, or text such as
    '2026-03-02 08:00'); None otherwise."""
    if pd.api.types.is_datetime64_any_dtype(col):
        out = col
    elif col.dtype == object or pd.api.types.is_string_dtype(col):
        text = col.dropna().astype(str)
        if text.empty or not text.str.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d(:\d\d)?)?").all():
            return None
        out = pd.to_datetime(col, errors="coerce")
    else:
        return None
    if getattr(out.dt, "tz", None) is not None:     # Excel has no time zones: local wall time
        out = out.dt.tz_localize(None)
    return out


def number_format(name: str, col: pd.Series) -> str | None:
    """The Excel number format of column ``name`` (see the module docstring); None: text."""
    key = str(name).lower()
    if pd.api.types.is_datetime64_any_dtype(col):
        days = col.dropna()
        if key in _DAY_NAMES or (len(days) and (days == days.dt.normalize()).all()
                                 and key not in _TIME_NAMES):
            return DAY_FORMAT
        return TIME_FORMAT
    if pd.api.types.is_timedelta64_dtype(col):
        return "[h]:mm"
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        return None
    if key in SHARE_NAMES or _SHARE_SUFFIX.search(key):
        return SHARE_FORMAT
    if key.endswith(("_s", "_hours", "_h", "_erl")) or key in ("fte", "mase"):
        return "0.000" if key == "mase" else DECIMAL_FORMAT
    values = col.dropna().to_numpy(float)
    if pd.api.types.is_integer_dtype(col) or (values.size and np.all(values == np.round(values))):
        return WHOLE_FORMAT
    return DECIMAL_FORMAT


def _cell(v):
    """A value openpyxl can store: numpy scalars unwrapped, NaN / NaT as an empty cell."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, pd.Timedelta):
        return v.to_pytimedelta()
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def write_frame(ws, frame: pd.DataFrame, *, row: int = 1, col: int = 1,
                filter_and_freeze: bool = True) -> tuple[int, int]:
    """Write ``frame`` on worksheet ``ws`` with its header at (``row``, ``col``); returns
    (first data row, last data row). Time columns become Excel datetimes; every column gets
    its :func:`number_format`; the header is bold and, with ``filter_and_freeze``, frozen
    (the rows above it too) and under an autofilter. Widths fit the longest value (max 40)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    frame = frame.copy()
    for c in frame.columns:
        times = _as_times(frame[c])
        if times is not None:
            frame[c] = times
    bold = Font(bold=True)
    for j, name in enumerate(frame.columns):
        cell = ws.cell(row=row, column=col + j, value=str(name))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=False)
    formats = [number_format(c, frame[c]) for c in frame.columns]
    values = frame.to_numpy(dtype=object)
    for i, line in enumerate(values):
        for j, v in enumerate(line):
            cell = ws.cell(row=row + 1 + i, column=col + j, value=_cell(v))
            if formats[j] is not None:
                cell.number_format = formats[j]
    last = row + len(frame)
    for j, name in enumerate(frame.columns):
        letter = get_column_letter(col + j)
        width = 16 if formats[j] in (TIME_FORMAT, DAY_FORMAT) else max(
            [len(str(name))] + [len(str(v)) for v in frame.iloc[:200, j].tolist()])
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 40)
    if filter_and_freeze and len(frame.columns):
        ws.freeze_panes = ws.cell(row=row + 1, column=col)
        ws.auto_filter.ref = (f"{get_column_letter(col)}{row}:"
                              f"{get_column_letter(col + len(frame.columns) - 1)}{max(last, row)}")
    return row + 1, last


def line_chart(ws, *, title: str, y_title: str, value_cols: list[int], time_col: int,
               header_row: int, last_row: int, anchor: str, x_title: str = "interval start"):
    """A line chart of the columns ``value_cols`` (1-based) against the times in
    ``time_col``, rows ``header_row + 1 .. last_row`` (series names from the header)."""
    from openpyxl.chart import LineChart, Reference

    chart = LineChart()
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = x_title
    chart.x_axis.number_format = "ddd hh:mm"
    chart.height, chart.width = 9, 28
    for c in value_cols:
        chart.add_data(Reference(ws, min_col=c, min_row=header_row, max_row=last_row),
                       titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=time_col, min_row=header_row + 1,
                                   max_row=last_row))
    ws.add_chart(chart, anchor)
    return chart


def sheet_title(text: str, taken=()) -> str:
    """A valid, unused worksheet name from ``text`` (at most 31 characters, no []:*?/\\)."""
    name = re.sub(r"[\[\]:*?/\\]", "_", str(text))[:31] or "sheet"
    base, k = name, 2
    while name in taken:
        suffix = f" ({k})"
        name = base[:31 - len(suffix)] + suffix
        k += 1
    return name
