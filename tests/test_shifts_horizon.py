"""People whose weekly tours work days outside the schedule's horizon (issue 12: headcount
that a planner can trust). Expected values are counted by hand from the tours."""

import pandas as pd

import shifts
from shifts import Contract, Rules, ShiftType

EIGHT = ShiftType(name="8h", paid_min=480)          # no breaks: span = paid


def day_rows(day, start_h, end_h, agents):
    t = pd.date_range(pd.Timestamp(day) + pd.Timedelta(hours=start_h),
                      pd.Timestamp(day) + pd.Timedelta(hours=end_h), freq="15min",
                      inclusive="left")
    return pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"), "agents": agents})


# Mon-Wed 2026-03-02..04, 08:00-16:00, 2 agents; full-timers work 5 days of the week
REQ = pd.concat([day_rows(f"2026-03-0{2 + d}", 8, 16, 2) for d in range(3)])
RULES = Rules(shift_types=(EIGHT,), contracts=(Contract(name="ft", shift_types=("8h",)),))


def test_tours_that_work_days_outside_the_horizon_are_counted():
    # horizon = the file's 3 days: Thu-Sun are free, each 5-day tour works 2 of them, so
    # every person counted also works outside the schedule: 2 people, both outside
    res = shifts.schedule(REQ, RULES, simulate=False)
    s = res.summary
    assert s["people"] == 2 and s["under_covered_intervals"] == 0
    by_hand = sum(int(r.agents) for r in res.tours.itertuples()
                  if {"thu", "fri", "sat", "sun"} & set(r.days_on.split(",")))
    assert s["people_outside_horizon"] == by_hand == 2
    assert s["days_outside_horizon"] == ["2026-03-05", "2026-03-06", "2026-03-07",
                                         "2026-03-08"]
    line = [x for x in shifts.summary_lines(s) if "outside the schedule" in x]
    assert line and "2 of them also work days outside the schedule (2026-03-05 to 2026-03-08" \
        in line[0]


def test_a_whole_week_horizon_has_nobody_outside():
    # Mon-Fri with horizon_days=7: the weekend is closed, nobody works outside it
    req = pd.concat([day_rows(f"2026-03-0{2 + d}", 8, 16, 2) for d in range(5)])
    res = shifts.schedule(req, RULES, horizon_days=7, simulate=False)
    assert res.summary["people_outside_horizon"] == 0
    assert res.summary["days_outside_horizon"] == []
    assert not [x for x in shifts.summary_lines(res.summary) if "outside the schedule" in x]
