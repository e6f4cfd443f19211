"""The long-range plan's report section (issue 16): capacity.html shows the numbers of the
CapacityResult it was written from (read back from the page with html.parser, no
network), the hiring plan, the chart and the assumptions."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from html_tables import rows_after

import forecast as fc
from forecast.synthetic import poisson_history
from wfmplan.capacity import run_capacity
from wfmplan.report import CAPACITY_COLUMNS, capacity_report


def _table_after(text: str, marker: str) -> pd.DataFrame:
    head, *rows = rows_after(text, marker)
    return pd.DataFrame(rows, columns=head)


def _number(cell: str) -> float:
    """A formatted cell back to a number: '1,234.56', '+0.25', '87.5%'."""
    cell = cell.replace(",", "").strip()
    return float(cell[:-1]) / 100.0 if cell.endswith("%") else float(cell)


@pytest.fixture(scope="module")
def capacity(tmp_path_factory):
    # 16 weeks of Poisson calls of a Mon-Fri 08-16 centre at 30 minutes (forecast.synthetic),
    # AHT 300 s, planned 10 weeks ahead from 7 tenured heads (fewer than needed: classes are
    # hired), asked to meet each week with probability 0.9
    f, _ = poisson_history(16, 5, calls_per_day=600, open_hours=(8, 16))
    root = tmp_path_factory.mktemp("capacity")
    res = run_capacity(f.assign(aht_s=300.0), 10, out_dir=root, forecast=fc.ForecastOptions(
        model="weekday_avg4"), options={"scheduling_efficiency": 1.1, "paths": 300,
                                        "p_meet": 0.9},
        capacity_table={"lead_time_weeks": 1, "training_weeks": 2, "ramp_weeks": 2,
                        "class_min": 2, "class_max": 6,
                        "staff": [{"headcount": 7, "tenure_weeks": 100}]})
    path = capacity_report(res, root / "capacity.html")
    return res, path.read_text(encoding="utf-8")


def test_weekly_table_equals_the_result(capacity):
    res, text = capacity
    page = _table_after(text, "<div id='capacity-weeks'>")
    t = res.table
    assert len(page) == len(t)
    assert list(page["week start"]) == list(t["week_start"])
    for col, (head, fmt) in CAPACITY_COLUMNS.items():
        if col == "week_start":
            continue
        got = np.array([_number(c) for c in page[head]])
        # each cell is the result's value to the printed precision (half a last digit)
        digits = int(re.search(r"\.(\d)", fmt).group(1)) + (2 if "%" in fmt else 0) \
            if "." in fmt else 0
        assert got == pytest.approx(t[col].to_numpy(float), abs=0.5 * 10 ** -digits + 1e-12), col
    # the table's own identity (CapacityResult docstring): gap = available + levers - required
    assert t["gap_fte"].to_numpy() == pytest.approx(
        (t["available_fte"] + t["overtime_fte"] + t["outsourced_fte"]
         - t["required_fte"]).to_numpy(), abs=1e-6)
    # and the available FTE is the starting staff's plus the hires' (wfmplan.hiring.project),
    # the ramping hires a part of the latter
    assert t["available_fte"].to_numpy() == pytest.approx(
        (t["available_fte_existing"] + t["available_fte_hired"]).to_numpy(), abs=1e-6)
    assert (t["available_fte_ramping"] <= t["available_fte_hired"] + 1e-9).all()


def test_hiring_plan_lists_every_class(capacity):
    res, text = capacity
    hires = res.table["hires"].to_numpy()
    assert hires.sum() > 0                    # 7 heads are too few: the plan hires
    page = _table_after(text, "<h2>Hiring plan</h2>")
    weeks = np.flatnonzero(hires > 0)
    assert [int(w) for w in page["start_week"]] == list(weeks)
    assert [int(s) for s in page["size"]] == [int(round(h)) for h in hires[weeks]]
    assert list(page["week_start"]) == list(res.table["week_start"].iloc[weeks])
    # decided one lead time (1 week) before the class starts
    assert all(pd.Timestamp(d) == pd.Timestamp(w) - pd.Timedelta(weeks=1)
               for d, w in zip(page["decide_by"], page["week_start"], strict=True))
    sizes = [int(s) for s in page["size"]]
    assert all(2 <= s <= 6 for s in sizes)      # class_min, class_max


def test_chart_assumptions_and_summary_are_on_the_page(capacity):
    res, text = capacity
    assert "http://" not in text and "https://" not in text
    png = re.search(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", text).group(1)
    # the chart is capacity.png, the one run_capacity wrote
    chart = next(p for p in res.files if p.name == "capacity.png")
    assert base64.b64decode(png) == chart.read_bytes()
    rows = {r[0]: r[1] for r in rows_after(text, "<h2>Assumptions</h2>")}
    assert rows["productivity ramp of a new hire"] == (
        "0 % during 2 week(s) of training, then rising linearly to 100 % over 2 week(s)")
    # the default attrition bands (wfmplan.hiring.DEFAULT_ATTRITION): 3 %, 1.2 %, 0.6 % a week,
    # a year at each rate: 1 - 0.97^52 = 79 %, 1 - 0.988^52 = 47 %, 1 - 0.994^52 = 27 %
    assert rows["attrition by tenure"] == (
        "weeks 0-12: 3.00% a week (79% a year); weeks 13-25: 1.20% a week (47% a year); "
        "week 26 on: 0.60% a week (27% a year)")
    assert rows["hiring lead time"].startswith("1 week(s)")
    assert rows["class sizes"] == "2 to 6 per class"
    assert rows["FTE hours"] == "37.5 paid hours a week"
    assert rows["scheduling efficiency"].startswith("1.100 paid hours per scheduled")
    assert rows["probability of meeting each week"].startswith("asked for 90%")
    data = json.loads(re.search(r"id='wfm-capacity-summary'>(.*?)</script>", text,
                                re.S).group(1))
    assert data["hires"] == pytest.approx(res.summary["hires"])
    assert data["p_meet_min"] == pytest.approx(float(res.table["p_meet"].min()))

