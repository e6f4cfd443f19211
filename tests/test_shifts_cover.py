"""The shortfall cover (shifts.tours._cover_shortfall for weekly tours,
shifts.model.cover_day_shortfall day by day): tours or shifts added where a solver stopped
by its time limit left intervals short, or a greedy schedule from nothing; and the
ruin-and-recreate search after the solver (shifts.tours._ruin_and_recreate).

Expected values: the hand optimum of tests/test_shifts_tours.py (one agent 08-12 every day
needs 2 five-day tours, 40 h) and invariants recounted here from the shifts and breaks
written (coverage, breaks inside their windows, tour counts per day, the contracts' share
and weekly-hours band)."""

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

import shifts
import shifts.milp as driver
import shifts.tours as tours
from shifts import DayProblem, Rules, ShiftType, Tours
from shifts.requirements import check_requirements, day_problems
from shifts.rules import default_rules

FOUR_H = (ShiftType(name="4h", paid_min=240),)


def no_mip(monkeypatch):
    """Every integer programme stops at its time limit with nothing found (the LP
    relaxation still solves): what a hard week looks like to the driver."""
    real = driver.highs_milp

    def stopped(c, *, integrality, bounds, constraints, time_limit_s, gap=None, options=None):
        if np.any(np.asarray(integrality) == 1):
            return driver.HighsResult(status=1, message="Time limit reached", x=None, fun=None,
                                      mip_dual_bound=None)
        return real(c, integrality=integrality, bounds=bounds, constraints=constraints,
                    time_limit_s=time_limit_s, gap=gap, options=options)

    monkeypatch.setattr(driver, "highs_milp", stopped)
    monkeypatch.setattr(tours, "highs_milp", stopped)


def recount(problems, rules, sols):
    """Agents working net of breaks per slot of each day, from the shifts and breaks alone
    (a night shift's slots after midnight on the next day); asserts every break lies in its
    window and the breaks of a shift add up to its agents."""
    nxt = tours.night_next(problems, rules)
    cov = [np.zeros(p.n_slots, dtype=int) for p in problems]
    for k, (p, sol) in enumerate(zip(problems, sols, strict=True)):
        line = np.zeros(p.n_slots + 96, dtype=int)
        typ = p.types(rules)
        for (t, s0, agents), per_break in zip(sol.shifts, sol.breaks, strict=True):
            line[s0:s0 + typ[t].span_min // p.slot_min] += agents
            for br, starts in zip(typ[t].breaks, per_break, strict=True):
                assert sum(a for _t, a in starts) == agents
                for tb, a in starts:
                    assert (s0 + br.earliest_start_min // p.slot_min <= tb
                            <= s0 + br.latest_start_min // p.slot_min)
                    line[tb:tb + br.duration_min // p.slot_min] -= a
        cov[k] += line[:p.n_slots]
        if nxt[k] is not None:
            spill = line[p.n_slots:p.n_slots + problems[nxt[k]].n_slots]
            cov[nxt[k]][:len(spill)] += spill
        else:
            assert not line[p.n_slots:].any()
    return cov


def test_greedy_cover_meets_the_hand_optimum(monkeypatch):
    # one agent 08:00-12:00 on 7 days; the MIPs find nothing, so the schedule is the greedy
    # cover: a 5-day tour, then one working the 2 days left = 2 tours, 40 h, the optimum
    no_mip(monkeypatch)
    days = [DayProblem(key=("", date(2026, 3, 2 + d)), slot_min=15, day_start_min=8 * 60,
                       required=np.ones(16, dtype=np.int64), open_slots=np.ones(16, dtype=bool))
            for d in range(7)]
    rules = Rules(shift_types=FOUR_H, tours=Tours())
    sols, week = tours.solve_week(days, rules, time_limit_s=10)
    assert sum(s.paid_hours for s in sols) == 40
    assert sum(int(s.under.sum()) for s in sols) == 0
    assert sum(a for _p, a, _c, _b in week["tours"]) == 2
    assert week["greedy_cover"] and week["tours_added_to_cover"] == 2
    assert "greedy cover" in week["status"]
    assert week["lp_bound"] == pytest.approx(28)          # the LP still gives the bound
    assert week["gap"] == pytest.approx(12 / 40)
    for c, s in zip(recount(days, rules, sols), sols, strict=True):
        assert (c == s.coverage).all()


def check_tour_rows(problems, rules, sols, tour_list):
    """The tour rows, recounted: on each day the shifts of each contract (in each start
    band) are as many as its tours working that day (``tour_list``: solve_week's
    ``(pattern, agents, contract, band)``)."""
    for p, s in zip(problems, sols, strict=True):
        owner = p.contracts(rules)
        for ci, contract in enumerate(rules.contracts):
            worked = {}
            for t, s0, a in s.shifts:
                if owner[t] != ci:
                    continue
                start = p.day_start_min + s0 * p.slot_min
                band = None if contract.start_band_min is None else (
                    start // contract.start_band_min * contract.start_band_min)
                worked[band] = worked.get(band, 0) + a
            on = {}
            for pat, a, name, band in tour_list:
                if name == contract.name and p.key[-1].weekday() in pat:
                    assert band is None or band[1] == contract.start_band_min
                    key = None if band is None else band[0]
                    on[key] = on.get(key, 0) + a
            assert worked == on


def _night_week(scale: float):
    """A 24/7 week of 15-minute requirements: 1 agent at night, up to 1 + 4 x ``scale``
    by day, a quieter weekend."""
    t = pd.date_range("2026-03-02", periods=7 * 96, freq="15min")
    hour = t.hour + t.minute / 60
    level = np.where(t.day_of_week >= 5, 0.6, 1.0)
    agents = 1 + np.round(scale * level * 4 * np.clip(np.sin((hour - 6) / 16 * np.pi), 0, None))
    return pd.DataFrame({"interval_start": t, "agents": agents.astype(int)})


def test_greedy_cover_keeps_the_contracts(monkeypatch):
    # default rules (full-time 5 x 8 h in a 2-hour start band, part-time <= 30 % of paid
    # hours), a 24/7 week with night shifts: the greedy schedule covers every slot and keeps
    # every rule, recounted from what it wrote
    no_mip(monkeypatch)
    rules = default_rules()
    req, interval_min = check_requirements(_night_week(1.0))
    problems, _ = day_problems(req, interval_min, rules)
    sols, week = tours.solve_week(problems, rules, time_limit_s=20)
    assert week["greedy_cover"] and sum(int(s.under.sum()) for s in sols) == 0
    for p, c, s in zip(problems, recount(problems, rules, sols), sols, strict=True):
        assert (c == s.coverage).all() and (c >= p.required).all()
    check_tour_rows(problems, rules, sols, week["tours"])
    paid = {c.name: 0.0 for c in rules.contracts}
    for p, s in zip(problems, sols, strict=True):
        owner, typ = p.contracts(rules), p.types(rules)
        for t, _s0, a in s.shifts:
            paid[rules.contracts[owner[t]].name] += typ[t].paid_hours * a
    people = {c.name: sum(a for _p, a, c_, _b in week["tours"] if c_ == c.name)
              for c in rules.contracts}
    assert paid["part-time"] <= 0.3 * sum(paid.values()) + 1e-9
    assert 36 * people["full-time"] <= paid["full-time"] <= 40 * people["full-time"]
    assert 12 * people["part-time"] <= paid["part-time"] <= 30 * people["part-time"]


def test_tours_added_where_a_schedule_is_short():
    # a schedule covering one week's requirement, then the requirement raised on Monday
    # morning: the cover adds tours until nothing is short, and counts what it added
    rules = default_rules()
    low, interval_min = check_requirements(_night_week(0.5))
    problems, _ = day_problems(low, interval_min, rules)
    model = tours.build_week_model(problems, rules)
    plan = tours._WeekPlan(days=tours._decode_week(problems, rules, model,
                                                   np.zeros(len(model.c))),
                           tours=np.zeros(len(model.patterns)), repaired_exactly=[])
    tours._cover_shortfall(problems, rules, model, plan)
    before = plan.tours.sum()
    paid_before = sum(s.paid_hours for s in plan.days)
    high = low.copy()
    monday_morning = (high["interval_start"] < "2026-03-02 12:00") & (
        high["interval_start"] >= "2026-03-02 08:00")
    high.loc[monday_morning, "required"] += 3
    raised, _ = day_problems(high, interval_min, rules)
    for p, s in zip(raised, plan.days, strict=True):
        s.problem = p
        s.under = np.maximum(p.required - s.coverage, 0)
    assert sum(int(s.under.sum()) for s in plan.days) > 0     # what the old cover spared aside
    added = tours._cover_shortfall(raised, rules, tours.build_week_model(raised, rules), plan)
    assert added and plan.tours.sum() == before + len(added)
    assert sum(int(s.under.sum()) for s in plan.days) == 0
    assert sum(s.paid_hours for s in plan.days) == pytest.approx(
        paid_before + sum(h for _k, h in added))
    for c, s in zip(recount(raised, rules, plan.days), plan.days, strict=True):
        assert (c == s.coverage).all()


def test_schedule_says_what_the_cover_did(monkeypatch):
    no_mip(monkeypatch)
    res = shifts.schedule(_night_week(0.5), default_rules(),
                          options=shifts.ScheduleOptions(time_limit_s=20, workers=1))
    s = res.summary
    assert s["under_covered_intervals"] == 0
    assert s["greedy_cover_units"] == ["week of 2026-03-02"]
    # the greedy cover's tours, before the search after it traded some
    assert s["tours_added_to_cover"] > 0
    lines = shifts.report.cover_lines(s)
    assert lines[0].startswith(f"shortfall cover          {s['tours_added_to_cover']:,} tours")
    assert any(line.startswith("greedy schedule          week of 2026-03-02") for line in lines)
    if s["search_improved_units"]:
        assert any(line.startswith("search after the solver  ") for line in lines)


def test_ruin_and_recreate_keeps_every_rule_and_its_seed():
    # from the greedy cover of the 24/7 week: never dearer, nothing short, the contracts
    # kept, coverage as recounted from the shifts, and the same plan for the same seed
    rules = default_rules()
    req, interval_min = check_requirements(_night_week(1.0))
    problems, _ = day_problems(req, interval_min, rules)
    model = tours.build_week_model(problems, rules)

    def greedy():
        plan = tours._WeekPlan(days=tours._decode_week(problems, rules, model,
                                                       np.zeros(len(model.c))),
                               tours=np.zeros(len(model.patterns)), repaired_exactly=[])
        tours._cover_shortfall(problems, rules, model, plan)
        return plan

    start = greedy()
    runs = [tours._ruin_and_recreate(problems, rules, model, greedy(), seed=7,
                                     budget=driver.Budget(60), rounds=150) for _ in range(2)]
    (best, improved), (again, _) = runs
    assert best.objective <= start.objective - improved * 1e-9
    assert [s.shifts for s in best.days] == [s.shifts for s in again.days]
    assert (best.tours == again.tours).all()
    assert sum(int(s.under.sum()) for s in best.days) == 0
    assert tours._limits_hold(problems, rules, model, best)
    for c, s in zip(recount(problems, rules, best.days), best.days, strict=True):
        assert (c == s.coverage).all()
    check_tour_rows(problems, rules, best.days,
                    [(model.tour_keys[k][1], int(best.tours[k]), model.tour_keys[k][0],
                      tours._band(model, k)) for k in np.flatnonzero(best.tours > 0)])


def test_day_cover_when_the_solver_finds_nothing(monkeypatch):
    # day by day (no tours): one agent 08:00-12:00 and nothing found by the MIPs: one 4-h
    # shift, 4 paid h, nothing short (the optimum by hand)
    no_mip(monkeypatch)
    day = DayProblem(key=("", date(2026, 3, 2)), slot_min=15, day_start_min=8 * 60,
                     required=np.ones(16, dtype=np.int64), open_slots=np.ones(16, dtype=bool))
    sol = shifts.solve_day(day, Rules(shift_types=FOUR_H), time_limit_s=10)
    assert sol.paid_hours == 4 and not sol.under.any() and sol.shifts == [(0, 0, 1)]
    assert "greedy cover" in sol.status and "1 shifts added" in sol.extra["method"]


def test_no_cover_where_the_penalty_is_cheaper_than_a_shift(monkeypatch):
    # a penalty of 0.5 a short agent-hour: covering 4 agent-hours (penalty 2) with a 4-h
    # shift (cost 4) would cost more than it saves, so nothing is added, day or week
    no_mip(monkeypatch)
    rules = Rules(shift_types=FOUR_H, under_penalty_per_agent_hour=0.5)
    day = DayProblem(key=("", date(2026, 3, 2)), slot_min=15, day_start_min=8 * 60,
                     required=np.ones(16, dtype=np.int64), open_slots=np.ones(16, dtype=bool))
    sol = shifts.solve_day(day, rules, time_limit_s=10)
    assert sol.shifts == [] and sol.under.sum() == 16
    week_days = [dataclasses.replace(day, key=("", date(2026, 3, 2 + d))) for d in range(7)]
    sols, week = tours.solve_week(week_days, dataclasses.replace(rules, tours=Tours()),
                                  time_limit_s=10)
    assert week["tours"] == [] and sum(int(s.under.sum()) for s in sols) == 7 * 16
    assert not week["greedy_cover"] and "nothing scheduled" in week["status"]
