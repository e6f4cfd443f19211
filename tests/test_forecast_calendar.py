"""Closed vs missing days and opening hours (forecast.calendar, forecast.panel)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import Calendar, day_table, read_special_days
from forecast.io import read_history
from forecast.panel import build_panel
from wfmcore import InputError

ROOT = Path(__file__).parents[1]
BANK = ROOT / "data" / "bank_calls_5min.csv"
DATA = ROOT / "tests" / "data" / "forecast"


@pytest.fixture(scope="module")
def bank_days():
    h = read_history(BANK).frame
    return pd.DatetimeIndex(h["interval_start"].dt.normalize().unique())


def test_bank_file_facts(bank_days):
    # data/README.md: 164 days, 2003-03-03 to 2003-10-24, weekdays only.
    assert len(bank_days) == 164
    assert bank_days.min() == pd.Timestamp("2003-03-03")
    assert bank_days.max() == pd.Timestamp("2003-10-24")
    assert set(bank_days.day_of_week) == {0, 1, 2, 3, 4}


def test_bank_closed_vs_missing(bank_days):
    t = day_table(bank_days, None, Calendar(country="US"))
    # Absent weekdays of the bank file. US federal holidays (holidays package, checked
    # against the OPM 2003 calendar): Memorial Day 05-26, Independence Day 07-04,
    # Labor Day 09-01 -> closed. 04-04, 04-07 and 10-14 are no holiday -> missing data.
    assert t.loc["2003-09-01", "status"] == "closed"
    assert t.loc["2003-05-26", "status"] == "closed"
    assert t.loc["2003-07-04", "status"] == "closed"
    for d in ("2003-04-04", "2003-04-07", "2003-10-14"):
        assert t.loc[d, "status"] == "missing", d
    # Columbus Day 2003-10-13 is a federal holiday but the bank was open (it has rows).
    assert t.loc["2003-10-13", "status"] == "open"
    assert (t.loc["2003-03-08":"2003-03-09", "status"] == "off").all()      # a weekend


def test_bank_flags_around_closures(bank_days):
    t = day_table(bank_days, None, Calendar(country="US"))
    # Tue after Labor Day (+34 % calls in the data) and the Wednesday after it.
    assert t.loc["2003-09-02", "post_closure1"] and t.loc["2003-09-03", "post_closure2"]
    assert t.loc["2003-07-03", "pre_closure"]          # Thursday before Fri 07-04
    # Mon 07-07 follows the weekend, not the closure directly: not flagged.
    assert not t.loc["2003-07-07", "post_closure1"]
    # The day after *missing* data is not a post-closure day.
    assert not t.loc["2003-10-15", "post_closure1"]


def test_without_calendar_absent_days_count_as_closed(bank_days):
    t = day_table(bank_days, None, Calendar())
    assert t.loc["2003-10-14", "status"] == "closed"


def test_future_holidays_follow_what_the_history_saw(bank_days):
    # The bank history (2003-03-03..10-24, US calendar) has Memorial Day, Independence Day
    # and Labor Day without rows (closed) and Columbus Day 10-13 with rows (open); it has
    # never seen Veterans Day or Thanksgiving. Forecast into 2004: a holiday is closed if the
    # history last saw the centre closed on it ("(observed)" is the same holiday), open if it
    # saw it open, and open - flagged unseen - if it never saw it (issue 11: a day forecast
    # closed that is open is left unstaffed).
    t = day_table(bank_days, pd.Timestamp("2004-10-31"), Calendar(country="US"))
    assert t.loc["2003-11-11", "status"] == "open" and t.loc["2003-11-11", "unseen_holiday"]
    assert t.loc["2003-11-27", "status"] == "open" and t.loc["2003-11-27", "unseen_holiday"]
    assert not t.loc["2003-11-28", "post_closure1"]
    assert t.loc["2004-05-31", "status"] == "closed"                 # Memorial Day
    assert t.loc["2004-06-01", "post_closure1"]
    assert t.loc["2004-07-05", "holiday"] == "Independence Day (observed)"
    assert t.loc["2004-07-05", "status"] == "closed"
    assert t.loc["2004-10-11", "status"] == "open"                   # Columbus Day, seen open
    assert not t.loc["2004-10-11", "unseen_holiday"]
    assert t.loc["2003-11-03", "status"] == "open" and not t.loc["2003-11-03", "unseen_holiday"]
    # a special-days entry closes an unseen holiday
    sd = pd.DataFrame({"date": ["2003-11-27"], "kind": ["closed"]})
    t = day_table(bank_days, pd.Timestamp("2003-11-30"), Calendar(country="US", special_days=sd))
    assert t.loc["2003-11-27", "status"] == "closed" and t.loc["2003-11-28", "post_closure1"]


def test_special_days_file(bank_days):
    sd = read_special_days(DATA / "special_days.csv")
    assert sd["kind"].tolist() == ["closed", "event"]
    assert sd["uplift"].tolist() == [0.0, 0.5]
    t = day_table(bank_days, pd.Timestamp("2003-10-31"), Calendar(special_days=sd))
    assert t.loc["2003-10-28", "status"] == "closed"
    assert t.loc["2003-10-29", "post_closure1"]
    assert t.loc["2003-10-30", "uplift"] == 0.5


def test_special_days_bad_kind(tmp_path):
    p = tmp_path / "sd.csv"
    p.write_text("date,kind\n2024-01-02,closed\n2024-01-03,shut\n")
    with pytest.raises(InputError, match=r"sd\.csv: line 3: column 'kind' is 'shut'"):
        read_special_days(p)


def test_unknown_country():
    with pytest.raises(InputError, match=r"country must be an ISO 3166 code"):
        Calendar(country="XX")


def test_opening_hours_learned_per_weekday():
    # A centre open 09:00-17:00 on weekdays and 10:00-14:00 on Saturdays (30-min intervals).
    rows = []
    for d in pd.date_range("2024-01-01", periods=21, freq="D"):
        if d.weekday() == 6:
            continue
        hours = (10, 14) if d.weekday() == 5 else (9, 17)
        for ts in pd.date_range(d + pd.Timedelta(hours=hours[0]),
                                d + pd.Timedelta(hours=hours[1]), freq="30min", inclusive="left"):
            rows.append((ts, 5))
    h = read_history(pd.DataFrame(rows, columns=["interval_start", "offered"]))
    p = build_panel(h.frame, h.interval_min)
    assert p.slot_open[0].sum() == 16 and p.slot_open[5].sum() == 8 and p.slot_open[6].sum() == 0
    assert p.slots[p.slot_open[5]].min() == 600                         # 10:00
    assert p.table.loc["2024-01-07", "status"] == "off"                 # Sunday
    assert np.isnan(p.Y[p.days.get_loc(pd.Timestamp("2024-01-06")), 0])  # Sat 09:00 closed


def test_month_turn_flags_last_and_first_three_business_days(bank_days):
    # forecast.calendar.MONTH_TURN = (1, 3): the last business day of a month and the first
    # three of the next. Read off a 2003 calendar: Fri 2003-08-29 is August's last business
    # day; Mon 09-01 is Labor Day (closed), so September starts Tue 09-02, Wed 09-03,
    # Thu 09-04; Tue 09-30 ends September, Wed 10-01 .. Fri 10-03 start October. The table
    # runs past the history (to 2003-11-05): November's first three are guessed the way
    # future days are (Mon 11-03 .. Wed 11-05).
    t = day_table(bank_days, pd.Timestamp("2003-11-05"), Calendar(country="US"))
    turn = t.index[t["month_turn"]]
    got = [d.strftime("%m-%d") for d in turn if d >= pd.Timestamp("2003-08-20")]
    assert got == ["08-29", "09-02", "09-03", "09-04", "09-30", "10-01", "10-02", "10-03",
                   "10-31", "11-03", "11-04", "11-05"]
    assert not t.loc["2003-09-01", "month_turn"]          # closed days are never flagged
