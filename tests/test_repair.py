"""The schedule's simulated check and its repair (shifts.check.extra_agents, --repair).

Independent sources: the Erlang C formula (textbook: 10 Erlangs at 180 s need 14 agents for
80/20), and the simulator on independent seeds for the repaired schedule.
"""

from __future__ import annotations

import importlib
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import shifts
from cli import app
from erlang import ServiceTarget, kpis, required_agents
from shifts.check import check_service, extra_agents
from shifts.requirements import check_requirements
from wfmplan.staffing import read_forecast, staff

runner = CliRunner()
#: the module (``shifts.schedule`` is the function)
schedule_module = importlib.import_module("shifts.schedule")


def test_extra_agents_inverts_the_formula():
    # 12 agents at 10 Erlangs (AHT 180 s) give the formula's SL s12; a simulated level of s12
    # "behaves like" 10 Erlangs, which need 14 agents for 80/20 (the textbook answer)
    s12 = float(kpis(12, 10.0, 180.0, ServiceTarget())["service_level"])
    assert s12 < 0.8
    out = extra_agents([12, 12, 14], [s12, 0.85, np.nan], [200.0, 200.0, 200.0],
                       [180.0] * 3, 30, ServiceTarget())
    assert out.tolist() == [2, 0, 0]        # short by 2; at target; not simulated
    # a level of 0 at 40 agents and 40 Erlangs: the search stops at a load of 1.25 x 40 + 5
    # = 55 Erlangs, so one round asks at most for what 55 Erlangs need
    worst = extra_agents([40], [0.0], [400.0], [180.0], 30, ServiceTarget())
    assert worst[0] == required_agents(55.0, 180.0) - 40


def _short_day(sl_target=0.5):
    # a day staffed for 50 % in 20 s and checked against 80 %: the simulation must find the
    # intervals short, whatever slack the shifts leave
    calls = [60, 120, 240, 300, 300, 300, 250, 200, 150, 150, 150, 150, 150, 120, 100, 80]
    times = pd.date_range("2026-03-02 08:00", periods=len(calls), freq="15min")
    frame = pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"),
                          "offered": np.array(calls, float), "aht_s": 300.0})
    return staff(read_forecast(frame), ServiceTarget(sl_target=sl_target)).frame


def test_repair_lifts_the_intervals_that_fall_short(tmp_path):
    req = _short_day()
    plain = shifts.schedule(req, options=shifts.ScheduleOptions(replications=20))
    fixed = shifts.schedule(req, options=shifts.ScheduleOptions(replications=20, repair=True,
                                                                repair_max_cost=0.2))
    s = fixed.summary
    assert s["repair_status"] in ("repaired", "rounds exhausted")
    assert s["repair_rounds"] >= 1
    assert s["repair_days"] == 2000     # 2,820 calls a day: 10^8 // 2,820 > 2,000, capped
    assert s["repair_added_hours"] == pytest.approx(s["paid_hours"]
                                                    - plain.summary["paid_hours"])
    assert 0 < s["repair_added_hours"] <= 0.2 * plain.summary["paid_hours"]
    cov = fixed.coverage
    # coverage is against the requirement as given; what the repair added is its own column
    r, _ = check_requirements(req)
    assert cov["required"].tolist() == r["required"].tolist()
    assert (cov["repair_added"] >= 0).all() and cov["repair_added"].sum() > 0
    # graded on seeds the repair never saw: fewer intervals below target, higher day SL
    req_checked, _ = check_requirements(req)
    grade = {}
    for name, res in (("plain", plain), ("fixed", fixed)):
        _, _, overall = check_service(res.coverage[["interval_start", "required", "scheduled"]],
                                      req_checked, 15, replications=100, seed=987)
        grade[name] = overall
    assert grade["fixed"]["sim_intervals_met"] > grade["plain"]["sim_intervals_met"]
    assert grade["fixed"]["sim_service_level_lo"] > grade["plain"]["sim_service_level"]


def test_repair_days_grow_where_days_are_cheap():
    # hand calculation of shifts.schedule.repair_days: 10^8 simulated calls a round, 200 to
    # 2,000 days; a number given is used as it is
    days = schedule_module.repair_days
    assert schedule_module.REPAIR_SIM_CALLS == 100_000_000
    assert days(171_878.0) == 581            # the bench week at 1x: 10^8 // 171,878
    assert days(17_188.0) == 2000            # at 0.1x: 5,818 days, capped
    assert days(859_390.0) == 200            # at 5x: 116 days, at least 200
    assert days(0.0) == 200 and days(float("nan")) == 200
    assert days(17_188.0, 40) == 40


def test_repair_stops_at_the_cost_limit(tmp_path):
    req = _short_day()
    plain = shifts.schedule(req, options=shifts.ScheduleOptions(replications=10))
    capped = shifts.schedule(req, options=shifts.ScheduleOptions(
        replications=10, repair=True, repair_max_cost=1e-6))
    assert capped.summary["repair_status"] == "cost limit"
    assert capped.summary["paid_hours"] == plain.summary["paid_hours"]
    assert capped.summary["repair_added_hours"] == 0


def _schedule_cli(tmp_path, out: str, *flags: str):
    """``wfm schedule`` of the short day's requirements into ``tmp_path / out``."""
    src = tmp_path / "req.csv"
    _short_day().to_csv(src, index=False)
    return runner.invoke(app, ["schedule", str(src), "-o", str(tmp_path / out), *flags])


def test_schedule_cli_repair_and_its_errors(tmp_path):
    src = tmp_path / "req.csv"
    _short_day().to_csv(src, index=False)
    res = runner.invoke(app, ["schedule", str(src), "-o", str(tmp_path / "out"), "--repair",
                              "--replications", "10", "--repair-max-cost", "0.2"])
    assert res.exit_code == 0, res.output
    assert "repair " in res.stdout and "intervals at target" in res.stdout
    cov = pd.read_csv(tmp_path / "out" / "coverage.csv")
    assert {"sim_below", "repair_added"} <= set(cov.columns)
    res = runner.invoke(app, ["schedule", str(src), "-o", str(tmp_path / "x"), "--repair",
                              "--no-simulate"])
    assert res.exit_code == 2
    assert "repair (--repair) needs the simulation" in res.output
    assert not (tmp_path / "x").exists()


def test_repair_under_the_agent_replay():
    # the repair simulates with the check's rule: under the agent-level replay it also lifts
    # the intervals short of target, graded on seeds it never saw, under the same replay
    req = _short_day()
    opts = shifts.ScheduleOptions(replications=10, staffing_rule="agents")
    plain = shifts.schedule(req, options=opts)
    fixed = shifts.schedule(req, options=replace(opts, repair=True, repair_max_cost=0.2,
                                                 repair_replications=200))
    assert fixed.summary["sim_staffing_rule"] == "agents"
    assert fixed.summary["repair_added_hours"] > 0
    req_checked, _ = check_requirements(req)
    grade = {name: check_service(res.coverage[["interval_start", "required", "scheduled"]],
                                 req_checked, 15, replications=60, seed=987,
                                 staffing_rule="agents", shifts=res.shifts)[2]
             for name, res in (("plain", plain), ("fixed", fixed))}
    assert grade["fixed"]["sim_intervals_met"] > grade["plain"]["sim_intervals_met"]
    assert grade["fixed"]["sim_service_level"] > grade["plain"]["sim_service_level"]


def test_schedule_cli_staffing_rule(tmp_path):
    src = tmp_path / "req.csv"
    _short_day().to_csv(src, index=False)
    res = runner.invoke(app, ["schedule", str(src), "-o", str(tmp_path / "d"),
                              "--staffing-rule", "designated", "--replications", "5"])
    assert res.exit_code == 0, res.output
    assert "staffing rule designated" in res.stdout
    res = runner.invoke(app, ["schedule", str(src), "-o", str(tmp_path / "x"),
                              "--staffing-rule", "fifo"])
    assert res.exit_code == 2
    assert "staffing_rule (--staffing-rule) must be one of count, designated, agents" in res.output
    assert not (tmp_path / "x").exists()


def _flat_day():
    # 30 intervals of 300 calls between quieter ends (AHT 300 s): many intervals with the
    # same load, so a repair that fits its own noise stops where its days are lucky
    calls = [100] + [300] * 30 + [100]
    times = pd.date_range("2026-03-02 08:00", periods=len(calls), freq="15min")
    frame = pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"),
                          "offered": np.array(calls, float), "aht_s": 300.0})
    return staff(read_forecast(frame), ServiceTarget(sl_target=0.5)).frame


def test_repair_to_a_confident_level_holds_on_new_seeds(monkeypatch):
    # graded on 300 days the repair never saw (seed 987). The old stopping rule (stop where
    # the mean of the rounds' days reaches the target; no test on new days: emulated by
    # confidence 0 and one set of days for all) leaves intervals below the target, some
    # significantly; the default (rounds until the lower 95 % limits reach it, then a test on
    # new days) leaves none below, for at most 5 % more paid hours. Values of this fixed
    # seeding: 5 intervals below and 3 significantly below, against 0 and 0 (954 paid h
    # against 938)
    req = _flat_day()
    req_checked, _ = check_requirements(req)
    opts = shifts.ScheduleOptions(replications=10, repair=True, repair_max_cost=0.5,
                                  repair_replications=40, repair_rounds=30)

    def graded(res):
        per, _, overall = check_service(res.coverage[["interval_start", "required", "scheduled"]],
                                        req_checked, 15, replications=300, seed=987)
        return int((per["sim_service_level"] < 0.8).sum()), overall["sim_intervals_below"]

    sure = shifts.schedule(req, options=opts)
    s = sure.summary
    assert s["repair_status"] == "repaired"
    # the stopping rule, reproduced from the seeds it names: no lower limit below the
    # target on the rounds' days, no upper limit below it on the last test's new days
    assert s["repair_tests"] >= 1
    cov = sure.coverage[["interval_start", "required", "scheduled"]]
    rounds_days, _, _ = check_service(cov, req_checked, 15, replications=40,
                                      seed=schedule_module._repair_seed(0, 0))
    test_days, _, _ = check_service(cov, req_checked, 15, replications=40,
                                    seed=schedule_module._repair_seed(0, s["repair_tests"]))
    assert (rounds_days["sim_service_level_lo"] >= 0.8).all()
    assert (test_days["sim_service_level_hi"] >= 0.8).all()
    assert not (test_days["sim_service_level_lo"] >= 0.8).all()   # a weaker test than the rounds'

    monkeypatch.setattr(schedule_module, "_repair_seed", lambda seed, _days_set: [seed, 0x5EED])
    old = shifts.schedule(req, options=replace(opts, repair_confidence=0.0))
    assert old.summary["repair_status"] == "repaired"
    (sure_below, sure_sig), (old_below, old_sig) = graded(sure), graded(old)
    assert sure_below == sure_sig == 0
    assert old_below >= 2 and old_sig >= 1
    assert s["paid_hours"] <= 1.05 * old.summary["paid_hours"]


def test_repair_of_a_daily_target_meets_each_day_for_less():
    # two days staffed for a daily 50 % and checked against a daily 95 % (count rule; the
    # shifts leave them near 89 %): the repair lifts each day's simulated level to 95 % on
    # 300 days it never saw (seed 987), with fewer paid hours than the repair of every
    # interval to 95 %
    one = _short_day().assign(interval_start=lambda f: pd.to_datetime(f["interval_start"]))
    two = one.assign(interval_start=one["interval_start"] + pd.Timedelta(days=1),
                     offered=one["offered"] * 1.3)
    frame = pd.concat([one, two])[["interval_start", "offered", "aht_s"]]
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    req = staff(read_forecast(frame), ServiceTarget(sl_target=0.5, sl_period="day")).frame
    req_checked, _ = check_requirements(req)
    opts = shifts.ScheduleOptions(replications=10, repair=True, repair_max_cost=0.5,
                                  repair_replications=60)
    day = shifts.schedule(req, options=opts,
                          target=ServiceTarget(sl_target=0.95, sl_period="day"))
    every = shifts.schedule(req, options=opts, target=ServiceTarget(sl_target=0.95))
    assert day.summary["repair_status"] == "repaired"
    _, per_day, _ = check_service(day.coverage[["interval_start", "required", "scheduled"]],
                                  req_checked, 15, replications=300, seed=987)
    assert (per_day["sim_service_level"] >= 0.95).all(), per_day
    plain = shifts.schedule(req, options=replace(opts, repair=False))
    _, plain_days, _ = check_service(plain.coverage[["interval_start", "required", "scheduled"]],
                                     req_checked, 15, replications=300, seed=987)
    assert (plain_days["sim_service_level"] < 0.95).all()
    assert day.summary["paid_hours"] < every.summary["paid_hours"]
    # a weekly 95 % (the two days are one calendar week): the week's level on the same 300
    # independent days, for no more paid hours than the daily target (a schedule meeting
    # 95 % every day meets it over the week)
    week = shifts.schedule(req, options=opts,
                           target=ServiceTarget(sl_target=0.95, sl_period="week"))
    assert week.summary["repair_status"] == "repaired"
    _, _, graded = check_service(week.coverage[["interval_start", "required", "scheduled"]],
                                 req_checked, 15, replications=300, seed=987)
    assert len(graded["by_week"]) == 1
    assert graded["by_week"]["sim_service_level"].iloc[0] >= 0.95, graded["by_week"]
    assert graded["by_week"]["sim_service_level"].iloc[0] == pytest.approx(
        graded["sim_service_level"])                 # one queue, one week: the overall level
    _, _, plain_graded = check_service(
        plain.coverage[["interval_start", "required", "scheduled"]], req_checked, 15,
        replications=300, seed=987)
    assert plain_graded["by_week"]["sim_service_level"].iloc[0] < 0.95
    assert week.summary["paid_hours"] <= day.summary["paid_hours"]


@pytest.mark.parametrize("flag, value, message", [
    ("--repair-confidence", "95", "repair_confidence (--repair-confidence) must be a share in "
                                  "[0, 1)"),
    ("--repair-replications", "1", "repair_replications (--repair-replications) must be"),
])
def test_schedule_cli_repair_settings_are_checked(tmp_path, flag, value, message):
    res = _schedule_cli(tmp_path, "x", "--repair", flag, value)
    assert res.exit_code == 2
    assert message in res.output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("period", ["day", "week"])
def test_schedule_cli_repairs_a_period_target(tmp_path, period):
    res = _schedule_cli(tmp_path, "out", "--repair", "--sl-period", period,
                        "--repair-replications", "20")
    assert res.exit_code == 0, res.output
    assert "test(s) on new days" in res.stdout
