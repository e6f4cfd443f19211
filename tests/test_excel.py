"""Workbooks a planner can use (issue 12): read back with openpyxl, independently of how
they were written — cell types, number formats, frozen header, filter, chart categories."""

import datetime as dt

import pandas as pd
import pytest

from wfmcore.excel import (
    DAY_FORMAT,
    SHARE_FORMAT,
    TIME_FORMAT,
    WHOLE_FORMAT,
    line_chart,
    number_format,
    sheet_title,
    write_frame,
)

openpyxl = pytest.importorskip("openpyxl")


def _frame():
    return pd.DataFrame({
        "interval_start": ["2026-03-02 08:00", "2026-03-02 08:15", "2026-03-02 08:30"],
        "offered": [10.25, 12.5, 9.0], "agents": [4, 5, 4],
        "service_level": [0.81, 0.79, float("nan")], "asa_s": [12.3, 15.0, 9.9],
        "model": ["svd", "svd", "svd"]})


def test_write_frame_real_times_formats_header(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    first, last = write_frame(ws, _frame())
    line_chart(ws, title="t", y_title="agents", value_cols=[3], time_col=1, header_row=1,
               last_row=last, anchor="H2")
    wb.save(tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert (first, last) == (2, 4)
    assert ws["A2"].value == dt.datetime(2026, 3, 2, 8, 0)          # a date, not text
    assert ws["A2"].number_format == TIME_FORMAT
    assert ws["B2"].value == 10.25 and ws["B2"].number_format == "#,##0.0"
    assert ws["C2"].number_format == WHOLE_FORMAT
    assert ws["D2"].number_format == SHARE_FORMAT and ws["D4"].value is None   # NaN: empty
    assert ws["E2"].number_format == "#,##0.0"                     # seconds, one decimal
    assert ws["F2"].value == "svd" and ws["F2"].number_format == "General"
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F4"
    assert ws.column_dimensions["A"].width >= 16


def test_chart_categories_are_the_time_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    _, last = write_frame(ws, _frame())
    chart = line_chart(ws, title="t", y_title="agents", value_cols=[3], time_col=1,
                       header_row=1, last_row=last, anchor="H2")
    ref = chart.series[0].cat.numRef.f if chart.series[0].cat.numRef is not None else \
        chart.series[0].cat.strRef.f
    assert ref == "'Sheet'!$A$2:$A$4"
    assert chart.series[0].val.numRef.f == "'Sheet'!$C$2:$C$4"


def test_number_format_rules():
    # shares by name, days when every time is midnight, hours with a decimal
    assert number_format("occupancy", pd.Series([0.9])) == SHARE_FORMAT
    assert number_format("abandon_rate", pd.Series([0.05])) == SHARE_FORMAT
    assert number_format("paid_hours", pd.Series([7.5])) == "#,##0.0"
    assert number_format("day", pd.to_datetime(pd.Series(["2026-03-02"]))) == DAY_FORMAT
    assert number_format("queue", pd.Series(["a"])) is None
    assert sheet_title("queue a/b:c", ["queue a_b_c"]) == "queue a_b_c (2)"
