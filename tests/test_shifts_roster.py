"""Roster assignment: named agents, availability, contracted hours, fairness."""

import pandas as pd
import pytest

import shifts
from shifts import Rules, ShiftType
from wfmcore import InputError

FOUR_H = Rules(shift_types=(ShiftType(name="4h", paid_min=240),))


def one_agent(day, start, end):
    t = pd.date_range(f"{day} {start}", f"{day} {end}", freq="15min", inclusive="left")
    return pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"), "agents": 1})


# Week of Mon 2026-03-02: two late shifts (Mon, Tue 16:00-20:00, ending after 19:00), two
# weekend shifts (Sat, Sun 08:00-12:00) and one on Wednesday, when nobody is available.
REQ = pd.concat([one_agent("2026-03-02", "16:00", "20:00"),
                 one_agent("2026-03-03", "16:00", "20:00"),
                 one_agent("2026-03-04", "08:00", "12:00"),
                 one_agent("2026-03-07", "08:00", "12:00"),
                 one_agent("2026-03-08", "08:00", "12:00")], ignore_index=True)


def roster(bob_max=40):
    return pd.DataFrame({"agent": ["ann", "bob", "cat"], "min_hours": [0, 0, 0],
                         "max_hours": [40, bob_max, 40], "wed": ["off", "off", "off"],
                         "mon": ["", "", "08:00-12:00"], "tue": ["", "", "off"],
                         "sat": ["", "", "off"], "sun": ["", "", "off"]})


def test_fair_split_of_late_shifts_and_weekends():
    # ann and bob can take everything but Wednesday; cat only Monday mornings (no shift).
    # The fairest split gives each of ann and bob one late shift and one weekend day (by
    # hand: 2 late and 2 weekend shifts over 2 agents), cat nothing, Wednesday unassigned.
    # Empty availability means "not available"; missing weekday columns mean "any time".
    r = roster()
    r.loc[:1, ["mon", "tue", "sat", "sun"]] = "00:00-24:00"
    res = shifts.schedule(REQ, FOUR_H, roster=r)
    s, f = res.summary, res.fairness.set_index("agent")
    assert s["unassigned_shifts"] == 1
    assert res.shifts.loc[res.shifts["start"].dt.day_of_week == 2, "agent"].tolist() == [""]
    assert (res.shifts["agents"] == 1).all() and len(res.shifts) == 5
    assert f.loc[["ann", "bob"], "late_shifts"].tolist() == [1, 1]
    assert f.loc[["ann", "bob"], "weekend_days"].tolist() == [1, 1]
    assert f.loc["cat", "shifts"] == 0
    assert (s["late_shifts_max"], s["weekend_days_max"]) == (1, 1)
    text = "\n".join(shifts.summary_lines(s))
    assert "1 shifts unassigned" in text and "late shifts per agent 0-1" in text


def test_contract_maximum_is_hard():
    # bob may work 4 h a week: ann takes the other three shifts (12 h).
    r = roster(bob_max=4)
    r.loc[:1, ["mon", "tue", "sat", "sun"]] = "00:00-24:00"
    res = shifts.schedule(REQ, FOUR_H, roster=r)
    f = res.fairness.set_index("agent")
    assert f.loc["bob", "paid_hours"] == 4 and f.loc["ann", "paid_hours"] == 12


def test_minimum_hours_shortfall_reported():
    # cat is contracted 8 h but can only work Monday mornings, where there is no shift.
    r = roster()
    r.loc[:1, ["mon", "tue", "sat", "sun"]] = "00:00-24:00"
    r.loc[2, "min_hours"] = 8
    res = shifts.schedule(REQ, FOUR_H, roster=r)
    assert res.fairness.set_index("agent").loc["cat", "hours_short"] == pytest.approx(8)
    assert res.summary["hours_short"] == pytest.approx(8)


def test_one_shift_a_day_and_availability(tmp_path):
    # Two agents needed Monday 08:00-12:00, one agent available: one unassigned.
    req = one_agent("2026-03-02", "08:00", "12:00").assign(agents=2)
    r = pd.DataFrame({"agent": ["ann"], "min_hours": [0], "max_hours": [40],
                      "mon": ["07:00-13:00"]})
    res = shifts.schedule(req, FOUR_H, roster=r)
    assert sorted(res.shifts["agent"]) == ["", "ann"]
    written = shifts.write_outputs(res, tmp_path)
    assert tmp_path / "fairness.csv" in written
    sh = pd.read_csv(tmp_path / "shifts.csv", keep_default_na=False)
    assert list(sh.columns) == ["start", "end", "paid_hours", "breaks", "agents",
                                "shift_type", "agent"]


def test_read_roster(tmp_path):
    p = tmp_path / "agents.csv"
    p.write_text("agent,min_hours,max_hours,mon,sat\nann,20,40,08:00-18:00,off\n")
    r = shifts.check_roster(shifts.read_roster(p))
    assert r.loc[0, "mon"] == (480, 1080) and r.loc[0, "sat"] is None
    assert r.loc[0, "tue"] == (0, 1440)
    p.write_text("agent,min_hours,max_hours\nann,20,x\n")
    with pytest.raises(InputError, match=f"^{p}: row 2: column 'max_hours'"):
        shifts.schedule(REQ, FOUR_H, roster=shifts.read_roster(p))


@pytest.mark.parametrize(("frame", "match"), [
    (pd.DataFrame({"agent": ["a"], "max_hours": [1]}), "column 'min_hours' is missing"),
    (pd.DataFrame({"agent": ["a", "a"], "min_hours": 0, "max_hours": 1}),
     "agent 'a' appears more than once"),
    (pd.DataFrame({"agent": ["a"], "min_hours": [30], "max_hours": [20]}),
     "row 2: min_hours 30 > max_hours 20"),
    (pd.DataFrame({"agent": ["a"], "min_hours": [0], "max_hours": [20], "mon": ["9-5"]}),
     "row 2: column 'mon'"),
    (pd.DataFrame({"agent": ["a"], "min_hours": [0], "max_hours": ["x"]}),
     "row 2: column 'max_hours' is 'x'"),
], ids=["missing-column", "duplicate", "min-over-max", "bad-hours", "not-a-number"])
def test_bad_roster(frame, match):
    with pytest.raises(InputError, match=match):
        shifts.schedule(REQ, FOUR_H, roster=frame)


def test_greedy_for_large_rosters_keeps_the_hard_rules(monkeypatch):
    # Force the greedy path: availability, one shift a day and the weekly maximum still hold,
    # and here it finds the same fair split as the programme.
    import shifts.roster

    monkeypatch.setattr(shifts.roster, "MAX_EXACT_PAIRS", 0)
    r = roster(bob_max=8)
    r.loc[:1, ["mon", "tue", "sat", "sun"]] = "00:00-24:00"
    res = shifts.schedule(REQ, FOUR_H, roster=r)
    assert res.summary["roster_status"].startswith("greedy")
    f = res.fairness.set_index("agent")
    assert f.loc["bob", "paid_hours"] <= 8 and f.loc["cat", "shifts"] == 0
    assert res.summary["unassigned_shifts"] == 1
    assert (f.loc[["ann", "bob"], "late_shifts"] == 1).all()
    assert (f.loc[["ann", "bob"], "weekend_days"] == 1).all()
    per_day = res.shifts[res.shifts["agent"] != ""].groupby(
        [res.shifts["agent"], res.shifts["start"].dt.date]).size()
    assert (per_day == 1).all()


def test_shortfall_lines_name_the_agent_hours_and_reason():
    # the same roster as above: cat (8 h contract) is available only where no shift is;
    # the line says her 0 h worked, her contract, 8 h short and the reason fairness.csv has
    from wfmplan.scheduling import roster_shortfall_lines
    r = roster()
    r.loc[:1, ["mon", "tue", "sat", "sun"]] = "00:00-24:00"
    r.loc[2, "min_hours"] = 8
    res = shifts.schedule(REQ, FOUR_H, roster=r)
    lines = roster_shortfall_lines(res.fairness)
    reason = res.fairness.set_index("agent").loc["cat", "short_reason"]
    assert len(lines) == 1 and lines[0].startswith("short of contract: cat: 0 h worked")
    assert "8 h short" in lines[0] and reason in lines[0]
    assert roster_shortfall_lines(res.fairness, show=0) == [
        "... and 1 more agents short (fairness.csv)"]
    assert roster_shortfall_lines(None) == []
