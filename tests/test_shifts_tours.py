"""Weekly tours (5 days on, days off consecutive): optima worked out by hand."""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

import shifts
import shifts.milp as driver
from shifts import DayProblem, Rules, ShiftType, Tours
from shifts.tours import solve_week
from wfmcore import InputError

FOUR_H = (ShiftType(name="4h", paid_min=240),)


def week(days=7, agents=1, start="2026-03-02"):
    """One agent required 08:00-12:00 on ``days`` days from Monday 2026-03-02."""
    parts = []
    for d in range(days):
        day = pd.Timestamp(start) + pd.Timedelta(days=d)
        t = pd.date_range(day + pd.Timedelta(hours=8), day + pd.Timedelta(hours=12),
                          freq="15min", inclusive="left")
        parts.append(pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"),
                                   "agents": agents}))
    return pd.concat(parts, ignore_index=True)


def test_patterns():
    # 2 consecutive days off in a cyclic week: 7 blocks; any 2 days off: C(7, 2) = 21
    pats = Tours().patterns()
    assert len(pats) == 7 and (0, 1, 2, 3, 4) in pats and (1, 2, 3, 4, 5) in pats
    assert (0, 1, 2, 3, 6) in pats          # off Friday + Saturday
    assert (0, 2, 3, 4, 5) not in pats      # off Tuesday and Sunday: not consecutive
    assert len(Tours(consecutive_days_off=False).patterns()) == 21
    assert Tours(days_on=7).patterns() == [(0, 1, 2, 3, 4, 5, 6)]


def test_one_agent_every_day_needs_two_tours():
    # 1 agent 08:00-12:00 on all 7 days. Days alone: 7 shifts = 28 h. With tours each agent
    # works exactly 5 days, so covering 7 days needs 2 agents = 10 shifts = 40 h; the LP
    # relaxation spreads 7/5 = 1.4 agents: 1.4 x 5 x 4 h = 28 h.
    req = week()
    alone = shifts.schedule(req, Rules(shift_types=FOUR_H))
    assert alone.summary["paid_hours"] == 28
    res = shifts.schedule(req, Rules(shift_types=FOUR_H, tours=Tours()))
    s = res.summary
    assert s["paid_hours"] == 40 and s["under_covered_intervals"] == 0
    assert s["lp_bound"] == pytest.approx(28)
    assert res.tours["agents"].sum() == 2
    # every agent: 5 shifts, days off consecutive; recount the days worked from shifts
    per_day = res.shifts.groupby(res.shifts["start"].dt.day_of_week)["agents"].sum()
    on = {d: 0 for d in range(7)}
    for row in res.tours.itertuples():
        for name in row.days_on.split(","):
            on[shifts.rules.WEEKDAYS.index(name)] += row.agents
    assert per_day.reindex(range(7), fill_value=0).to_dict() == on


def test_week_cut_by_the_horizon_leaves_other_days_free():
    # Mon-Wed only: Thursday to Sunday are outside the file, so tours may work there and
    # the three days cost what they cost alone (3 x 4 h).
    res = shifts.schedule(week(days=3), Rules(shift_types=FOUR_H, tours=Tours()))
    assert res.summary["paid_hours"] == 12 and res.summary["under_covered_intervals"] == 0


def test_closed_day_and_headcount_cap():
    # Sunday closed: no tour may work it. With at most 1 agent on tours, 5 days are covered
    # and 2 days (16 intervals of 15 min each) are short.
    rules = Rules(shift_types=FOUR_H, tours=Tours(max_agents=1),
                  opening={d: (480, 720) for d in ("mon", "tue", "wed", "thu", "fri", "sat")})
    res = shifts.schedule(week(), rules)
    assert res.tours["agents"].sum() == 1
    assert "sun" in res.tours["days_off"].iloc[0]
    assert res.summary["paid_hours"] == 20
    assert res.summary["under_covered_intervals"] == 2 * 16


def test_days_re_solved_exactly_when_the_break_repair_fails(monkeypatch):
    # Force every phase-2 repair (a day with its shift counts fixed: lb == ub, all integer,
    # no gap option) to find nothing: each day is then re-solved exactly with its number of
    # shifts fixed, and the optimum by hand of test_one_agent_every_day_needs_two_tours
    # (2 tours, 40 h) still holds.
    real = driver.highs_milp

    def no_repair(c, *, integrality, bounds, constraints, time_limit_s, gap=None,
                  options=None):
        res = real(c, integrality=integrality, bounds=bounds, constraints=constraints,
                   time_limit_s=time_limit_s, gap=gap, options=options)
        if np.any(bounds.lb[:1] == bounds.ub[:1]) and np.all(integrality == 1) \
                and gap is None:
            res = replace(res, x=None)
        return res

    monkeypatch.setattr(driver, "highs_milp", no_repair)
    days = [DayProblem(key=("", date(2026, 3, 2 + d)), slot_min=15, day_start_min=8 * 60,
                       required=np.ones(16, dtype=np.int64), open_slots=np.ones(16, dtype=bool))
            for d in range(7)]
    sols, week_ = solve_week(days, Rules(shift_types=FOUR_H, tours=Tours()))
    assert [s.extra["method"] for s in sols] == ["exact (day re-solved, shift count fixed)"] * 7
    assert week_["repaired_exactly"] == [f"2026-03-0{2 + d}" for d in range(7)]
    assert sum(s.paid_hours for s in sols) == 40 and sum(a for _p, a, _c, _b in week_["tours"]) == 2
    assert week_["status"] == "optimal" and week_["bound"] == 40


def test_tours_written(tmp_path):
    res = shifts.schedule(week(), Rules(shift_types=FOUR_H, tours=Tours()))
    written = shifts.write_outputs(res, tmp_path)
    assert tmp_path / "tours.csv" in written
    t = pd.read_csv(tmp_path / "tours.csv")
    assert list(t.columns) == ["week_start", "days_on", "days_off", "agents"]
    assert t["agents"].sum() == 2


def test_tours_from_toml(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text("[tours]\ndays_on = 4\nconsecutive_days_off = false\nmax_agents = 9\n")
    assert shifts.load_rules(p).tours == Tours(days_on=4, consecutive_days_off=False,
                                               max_agents=9)
    assert shifts.load_rules(tmp_path / "r.toml").shift_types == Rules().shift_types


@pytest.mark.parametrize(("text", "match"), [
    ("[tours]\ndays_on = 8\n", "'days_on' of \\[tours\\] must be a whole number of days"),
    ("[tours]\ndays_off = 2\n", "unknown key 'days_off'"),
    ("[tours]\nconsecutive_days_off = 1\n", "'consecutive_days_off' .* true or false"),
], ids=["days-on", "unknown-key", "not-bool"])
def test_bad_tours(tmp_path, text, match):
    p = tmp_path / "r.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=match):
        shifts.load_rules(p)


def test_weeks_of_several_queues_solve_alike_in_worker_processes():
    # three queues x two weeks = six tour programmes: each queue's 1 agent 08:00-12:00 on 7
    # days needs 2 tours and 40 h a week (test_one_agent_every_day_needs_two_tours); in two
    # worker processes the same weeks come back in the same order with the same plans
    req = pd.concat([pd.concat([week(), week(start="2026-03-09")]).assign(queue=q)
                     for q in ("a", "b", "c")], ignore_index=True)
    rules = Rules(shift_types=FOUR_H, tours=Tours())
    one = shifts.schedule(req, rules, simulate=False, workers=1)
    two = shifts.schedule(req, rules, simulate=False, workers=2)
    assert one.summary["paid_hours"] == two.summary["paid_hours"] == 6 * 40
    assert two.summary["workers"] == 2
    pd.testing.assert_frame_equal(one.shifts, two.shifts)
    pd.testing.assert_frame_equal(one.tours, two.tours)
    pd.testing.assert_frame_equal(one.coverage, two.coverage)
