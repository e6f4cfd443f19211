"""Contracts (issue 12): full-time and part-time tours, short days, closed days of the
horizon, headcount. Expected values are worked out by hand in the comments."""

import tomllib

import numpy as np
import pandas as pd
import pytest

import shifts
from shifts import DEFAULT_RULES, Contract, Rules, ShiftType, rules_from_dict
from wfmcore import InputError

EIGHT = ShiftType(name="8h", paid_min=480)          # no breaks: span = paid
FOUR = ShiftType(name="4h", paid_min=240)


def day_rows(day, start_h, end_h, agents):
    t = pd.date_range(pd.Timestamp(day) + pd.Timedelta(hours=start_h),
                      pd.Timestamp(day) + pd.Timedelta(hours=end_h), freq="15min",
                      inclusive="left")
    return pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"), "agents": agents})


def test_default_contracts():
    # the defaults: full-time 5 x 8 h, 2 consecutive days off, a weekly band;
    # part-time 4-6 h shifts, at most 30 % of paid hours
    ft, pt = DEFAULT_RULES.contracts
    assert (ft.name, ft.shift_types, ft.days_on, ft.consecutive_days_off) == \
        ("full-time", ("8h",), 5, True)
    assert (ft.min_weekly_hours, ft.max_weekly_hours) == (36, 40)
    assert len(ft.patterns()) == 7                     # 7 blocks of 2 days off in a week
    assert pt.shift_types == ("4h", "6h") and pt.max_share_of_paid_hours == 0.3
    assert (ft.start_band_min, pt.start_band_min) == (120, None)   # +/- 1 h for full-time
    # 3 to 5 days on any days: C(7,3) + C(7,4) + C(7,5) = 35 + 35 + 21 patterns
    assert len(pt.patterns()) == 91


def test_week_of_five_days_full_time_only():
    # Mon-Fri 08:00-16:00, 3 agents; Sat/Sun in the 7-day horizon but without rows, so
    # closed: every full-timer works Mon-Fri, 3 people x 5 x 8 h = 120 h, no over-cover.
    req = pd.concat([day_rows(f"2026-03-0{2 + d}", 8, 16, 3) for d in range(5)])
    rules = Rules(shift_types=(EIGHT,), contracts=(Contract(name="ft", shift_types=("8h",)),))
    res = shifts.schedule(req, rules, horizon_days=7)
    s = res.summary
    assert s["paid_hours"] == 120 and s["under_covered_intervals"] == 0
    assert s["people"] == 3 and s["people_by_contract"] == {"ft": 3}
    assert s["shifts_by_type"] == {"8h": 15} and s["over_agent_hours"] == 0
    assert list(res.tours["days_off"]) == ["sat,sun"]
    assert (res.shifts["contract"] == "ft").all()
    # FTE = 120 h / (37.5 h x 1 week) = 3.2
    assert s["fte"] == pytest.approx(3.2) and "37.5 h a week x 1 week" in s["fte_definition"]


def test_part_time_share_cap():
    # One day, 08:00-16:00, 4 agents, horizon 1 day. Full-time 8 h or part-time 4 h, both
    # 1 day a week. Part-time costs the same per hour, so the cap decides: with at most
    # 25 % of paid hours part-time, 32 h are paid whatever the mix, so up to 8 h part-time:
    # at least 3 full-timers; the 4th agent's 8 hours may be 2 part-timers (8 h = 25 %).
    req = day_rows("2026-03-02", 8, 16, 4)
    rules = Rules(shift_types=(EIGHT, FOUR), contracts=(
        Contract(name="ft", shift_types=("8h",), days_on=1),
        Contract(name="pt", shift_types=("4h",), days_on=1, max_share_of_paid_hours=0.25)))
    s = shifts.schedule(req, rules, horizon_days=1).summary
    assert s["paid_hours"] == 32 and s["under_covered_intervals"] == 0
    assert s["paid_hours_by_contract"]["pt"] <= 8 + 1e-9
    assert s["people_by_contract"]["ft"] >= 3


def test_weekly_hours_band_limits_the_contract():
    # Part-time 4 h shifts, 1 to 2 days a week, band 8-8 h: each part-timer must work 2
    # days. Need: 1 agent 08:00-12:00 on Monday only (horizon 7 days, Tue-Sun closed). One
    # part-timer cannot work 2 days when only Monday is open, so the band leaves nothing
    # worth scheduling: the 16 intervals are short and reported.
    req = day_rows("2026-03-02", 8, 12, 1)
    rules = Rules(shift_types=(FOUR,), contracts=(
        Contract(name="pt", shift_types=("4h",), days_on=2, min_days_on=1,
                 consecutive_days_off=False, min_weekly_hours=8, max_weekly_hours=8),))
    s = shifts.schedule(req, rules, horizon_days=7).summary
    assert s["paid_hours"] == 0 and s["under_covered_intervals"] == 16
    # without the band, 1 day on is allowed: 1 shift of 4 h
    loose = Rules(shift_types=(FOUR,), contracts=(
        Contract(name="pt", shift_types=("4h",), days_on=2, min_days_on=1,
                 consecutive_days_off=False),))
    assert shifts.schedule(req, loose, horizon_days=7).summary["paid_hours"] == 4


def test_six_hour_sunday_short_shifts_and_over_cover():
    # Sunday open 10:00-16:00 (6 h), 2 agents, horizon 1 day. Full-time 8 h spans more than
    # the opening: with short days it works "8h short (6:00)": 2 x 6 h = 12 h, no over-cover.
    req = day_rows("2026-03-08", 10, 16, 2)
    ft = Contract(name="ft", shift_types=("8h",), days_on=1)
    short = shifts.schedule(req, Rules(shift_types=(EIGHT, FOUR), contracts=(ft,)),
                            horizon_days=1)
    s = short.summary
    assert s["paid_hours"] == 12 and s["over_agent_hours"] == 0 and s["short_shifts"] == 2
    assert set(short.shifts["shift_type"]) == {"8h short (6:00)"}
    # No short days, 4 h part-time shifts only: 6 h of 2 agents need two 4-h starts per
    # agent-slot: 4 shifts = 16 h, over-cover 16 - 12 = 4 agent-hours = 33.3 % of the 12
    # required (what the old rules did on a short day, silently); now reported.
    pt = Contract(name="pt", shift_types=("4h",), days_on=1)
    no_short = Contract(name="ft", shift_types=("8h",), days_on=1, short_days=False)
    four = shifts.schedule(req, Rules(shift_types=(EIGHT, FOUR), contracts=(no_short, pt)),
                           horizon_days=1).summary
    assert four["paid_hours"] == 16 and four["over_agent_hours"] == 4
    assert four["over_share"] == pytest.approx(1 / 3)
    assert any("over-cover               4.00 agent-hours (33.3 % of the required)" == line
               for line in shifts.summary_lines(four))
    # Full-time alone without short days: nothing fits; 24 intervals short, no crash
    none = shifts.schedule(req, Rules(shift_types=(EIGHT,), contracts=(no_short,)),
                           horizon_days=1).summary
    assert none["paid_hours"] == 0 and none["under_covered_intervals"] == 24


def test_cut_shift_keeps_the_breaks_that_fit():
    # The default 8 h (breaks 15 min paid at 2:00, lunch 60 min unpaid at 4:00, 15 min paid
    # at 6:45, each +/- 30 min) cut to 6:00: the last break could end at 7:30 > 6:00 and is
    # dropped; the lunch may end by 5:30 and stays: paid 6:00 - 1:00 = 5:00.
    cut = Rules().shift_types[2].cut_to(360)
    assert cut.span_min == 360 and cut.paid_min == 300
    assert [b.name for b in cut.breaks] == ["break", "lunch"]


def test_no_tour_fits_is_a_reported_shortfall():
    # Two days (Mon, Tue) in a 7-day horizon: the other days are closed, and no default
    # contract works only 2 days (full-time 5, part-time at least 3): everything is short
    # and the summary says why. The default horizon (through Tuesday) frees the rest.
    req = pd.concat([day_rows("2026-03-02", 8, 17, 2), day_rows("2026-03-03", 8, 17, 2)])
    res = shifts.schedule(req, DEFAULT_RULES, horizon_days=7)
    s = res.summary
    assert s["paid_hours"] == 0 and s["under_covered_intervals"] == 72
    assert s["contracts_without_tours"] == ["full-time", "part-time"]
    assert any(line.startswith("no weekly tour fits") for line in shifts.summary_lines(s))
    freed = shifts.schedule(req, DEFAULT_RULES).summary
    assert freed["under_covered_intervals"] == 0 and freed["people_by_contract"]["full-time"] >= 2


def test_contracts_from_toml_and_errors():
    r = rules_from_dict(tomllib.loads(
        '[[contract]]\nname = "ft"\nshift_types = ["8h"]\n'))
    assert r.contracts[0].days_on == 5 and r.shift_types == Rules().shift_types
    bad = [('[[contract]]\nname = "ft"\nshift_types = ["9h"]\n', "'9h' is not one of"),
           ('[[contract]]\nname = "ft"\n', "missing key 'shift_types'"),
           ('[[contract]]\nname = "ft"\nshift_types = ["8h"]\nmax_weekly_hours = 30\n',
            "shortest week .* is more than 'max_weekly_hours' 30"),
           ('[[contract]]\nname = "ft"\nshift_types = ["4h"]\nmin_weekly_hours = 40\n',
            "longest week .* is less than 'min_weekly_hours' 40"),
           ('[[contract]]\nname = "ft"\nshift_types = ["8h"]\ndays = 5\n', "unknown key 'days'"),
           ('[tours]\ndays_on = 5\n[[contract]]\nname = "ft"\nshift_types = ["8h"]\n',
            "not both"),
           ('[[contract]]\nname = "a"\nshift_types = ["8h"]\nmax_share_of_paid_hours = 0.5\n'
            '[[contract]]\nname = "b"\nshift_types = ["4h"]\nmax_share_of_paid_hours = 0.3\n',
            "contradictory limits")]
    for text, match in bad:
        with pytest.raises(InputError, match=match) as e:
            rules_from_dict(tomllib.loads(text), source="r.toml")
        assert "\n" not in str(e.value) and str(e.value).startswith("r.toml")


def test_old_rules_keep_their_meaning():
    # A rules file without [[contract]] schedules each day on its own, as before: no
    # contract column, people unknown (NaN) but at least the most shifts of a day.
    req = day_rows("2026-03-02", 8, 12, 2)
    res = shifts.schedule(req, Rules(shift_types=(FOUR,)))
    assert "contract" not in res.shifts.columns and res.tours is None
    assert np.isnan(res.summary["people"]) and res.summary["people_max_day"] == 2


def test_start_band_across_the_week():
    # Monday 08:00-12:00 and Tuesday 14:00-18:00, one agent each, both days open
    # 08:00-18:00 and the rest of the week closed; a contract of exactly 2 days with 4-h
    # shifts (so its people work Mon + Tue). Without a start band one person works both:
    # 8 h. With starts inside one 2-hour window (08:00-10:00, ..., 14:00-16:00) the two
    # starts 6 hours apart cannot be one person's: two people, each working both days,
    # 16 h paid, 8 agent-hours over. A 12-hour window (00:00-12:00, 12:00-24:00) still
    # splits 08:00 from 14:00; a 24-hour one does not: 8 h again.
    req = pd.concat([day_rows("2026-03-02", 8, 12, 1), day_rows("2026-03-03", 14, 18, 1)])

    def run(band):
        c = Contract(name="c", shift_types=("4h",), days_on=2, start_band_min=band)
        rules = Rules(shift_types=(FOUR,), contracts=(c,),
                      opening={"mon": (480, 1080), "tue": (480, 1080)})
        return shifts.schedule(req, rules, horizon_days=7)

    free, two_h, day = run(None), run(120), run(1440)
    assert free.summary["paid_hours"] == 8 and free.summary["people"] == 1
    assert two_h.summary["paid_hours"] == 16 and two_h.summary["people"] == 2
    assert two_h.summary["over_agent_hours"] == 8
    assert sorted(two_h.tours["start_band"]) == ["08:00-10:00", "14:00-16:00"]
    assert run(720).summary["paid_hours"] == 16
    assert day.summary["paid_hours"] == 8
    # each day: one shift starting in each band (recounted from the shifts)
    for _day, part in two_h.shifts.groupby(two_h.shifts["start"].dt.date):
        hours = sorted(part["start"].dt.hour)
        assert len(part) == 2 and 8 <= hours[0] < 10 and 14 <= hours[1] < 16
