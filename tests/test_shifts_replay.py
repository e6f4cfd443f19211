"""The schedule's check under the three staffing-change rules: count, designated, agent replay.

Independent sources: the count-rule simulation (a different kernel from the agent replay),
a brute-force scan for the on-phone fit under shrinkage, the schedule's own coverage (built
from the MILP's counts, not from the duty periods), and the simulator's common random numbers.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import shifts
import shifts.check as check_module
from erlang import ServiceTarget
from shifts.check import check_service
from shifts.duty import day_duty, keep_on_phones, shift_periods
from shifts.requirements import check_requirements
from wfmcore import InputError
from wfmplan.staffing import read_forecast, staff

DATA = Path(__file__).parent / "data" / "shifts"
BANK = Path(__file__).parents[1] / "data" / "bank_calls_5min.csv"
RULES = ("count", "designated", "agents")


def _quiet_boundaries(break_a: str = "11:00-11:15"):
    """A hand-built day, 08:00-15:00 in 15-min intervals, AHT 120 s: calls only 08:00-10:00
    (60 per interval: 8 Erlangs) and 13:00-15:00 (45: 6 Erlangs); every break and shift change
    falls in 11:00-13:00, at least an hour after the last call (a call still in service then
    has probability exp(-3600/120) = 9e-14). Shifts: A 08:00-12:00 x 8 agents with a break
    ``break_a``, C 08:00-15:00 x 2 with a break 11:30-12:30, B 12:00-15:00 x 7."""
    times = pd.date_range("2026-03-02 08:00", "2026-03-02 15:00", freq="15min",
                          inclusive="left")
    hour = times.hour + times.minute / 60
    offered = np.where(hour < 10, 60.0, np.where(hour >= 13, 45.0, 0.0))
    shift_rows = pd.DataFrame({
        "start": pd.to_datetime(["2026-03-02 08:00", "2026-03-02 08:00", "2026-03-02 12:00"]),
        "end": pd.to_datetime(["2026-03-02 12:00", "2026-03-02 15:00", "2026-03-02 15:00"]),
        "breaks": [break_a, "11:30-12:30", ""], "agents": [8, 2, 7]})
    # coverage by hand from the shifts: A + C until A's break, ...
    a0, a1 = (pd.Timestamp(f"2026-03-02 {x}") for x in break_a.split("-"))
    on_a = (times < pd.Timestamp("2026-03-02 12:00")) & ~((times >= a0) & (times < a1))
    on_c = ~((times >= pd.Timestamp("2026-03-02 11:30")) & (times < pd.Timestamp("2026-03-02 12:30")))
    on_b = times >= pd.Timestamp("2026-03-02 12:00")
    scheduled = 8 * on_a + 2 * on_c + 7 * on_b
    req, interval_min = check_requirements(pd.DataFrame({
        "interval_start": times.strftime("%Y-%m-%d %H:%M"), "offered": offered,
        "aht_s": 120.0, "agents": scheduled}))
    coverage = pd.DataFrame({"interval_start": times, "scheduled": scheduled})
    return coverage, req, interval_min, shift_rows


def _check(coverage, req, interval_min, shift_rows, rule, seed=3, replications=20):
    return check_service(coverage, req, interval_min, replications=replications, seed=seed,
                         staffing_rule=rule, shifts=shift_rows)


def test_agent_replay_equals_the_count_rule_without_calls_at_boundaries():
    coverage, req, interval_min, shift_rows = _quiet_boundaries()
    got = {rule: _check(coverage, req, interval_min, shift_rows, rule) for rule in RULES}
    ref, ref_day, ref_all = got["count"]
    assert 0.3 < ref_all["sim_service_level"] < 0.95      # queues form: not a trivial day
    for rule in ("designated", "agents"):
        per, day, overall = got[rule]
        # same start for every call => identical per-interval and whole-day levels
        np.testing.assert_array_equal(per["sim_service_level"], ref["sim_service_level"])
        assert overall["sim_service_level"] == ref_all["sim_service_level"]
        assert day["sim_calls"].tolist() == ref_day["sim_calls"].tolist()
        assert overall["sim_overtime_h"] == 0.0       # nobody on a call at any change
    assert got["agents"][2]["sim_break_lost_h"] == 0.0
    # the replay puts the hand-counted coverage on the phones
    np.testing.assert_array_equal(got["agents"][0]["sim_on_phone_agents"],
                                  coverage["scheduled"].to_numpy(float))
    assert got["agents"][2]["sim_staffing_rule"] == "agents"


def test_a_break_in_busy_time_tells_the_rules_apart():
    # control for the test above: A's break moved to 09:00-09:15, inside the morning peak,
    # where agents are on calls; the rules now differ (the comparison can fail)
    coverage, req, interval_min, shift_rows = _quiet_boundaries("09:00-09:15")
    count = _check(coverage, req, interval_min, shift_rows, "count")
    agents = _check(coverage, req, interval_min, shift_rows, "agents")
    assert agents[2]["sim_break_lost_h"] > 0
    assert not np.array_equal(agents[0]["sim_service_level"], count[0]["sim_service_level"])


def test_common_random_numbers_across_rules(monkeypatch):
    # the same seed gives the same calls (arrival and handling time) under every rule:
    # record what the check's simulations drew
    seen: dict[str, list] = {}

    def spy(fn, name):
        def run(*args, **kw):
            res = fn(*args, keep_calls=True, **kw)
            seen.setdefault(name, []).append(res.calls[["replication", "arrival_s", "end_s",
                                                        "start_s"]])
            return res
        return run

    coverage, req, interval_min, shift_rows = _quiet_boundaries("09:00-09:15")
    monkeypatch.setattr(check_module, "run_sim", spy(check_module.run_sim, "sim"))
    monkeypatch.setattr(check_module, "run_agents", spy(check_module.run_agents, "agents"))
    _check(coverage, req, interval_min, shift_rows, "count", replications=5)
    _check(coverage, req, interval_min, shift_rows, "designated", replications=5)
    _check(coverage, req, interval_min, shift_rows, "agents", replications=5)
    _check(coverage, req, interval_min, shift_rows, "count", seed=4, replications=5)
    count, designated, seed4 = seen["sim"]
    (agents,) = seen["agents"]
    for other in (designated, agents):
        np.testing.assert_array_equal(other["arrival_s"], count["arrival_s"])
        # handling time = end - start of answered calls: the same per call (to the rounding
        # of times near 10^4 s)
        served = count["start_s"].notna() & other["start_s"].notna()
        np.testing.assert_allclose((other["end_s"] - other["start_s"])[served],
                                   (count["end_s"] - count["start_s"])[served], atol=1e-9)
    assert len(seed4) != len(count) or not np.array_equal(seed4["arrival_s"], count["arrival_s"])


def _bank_day(day="2003-03-05"):
    """One bank weekday (data/bank_calls_5min.csv), 5-min counts summed to 15 min, 07:00-21:00,
    AHT 300 s, staffed by ``wfm staff`` (MOL, Erlang C 80/20)."""
    calls = pd.read_csv(BANK, parse_dates=["interval_start"])
    calls = calls[calls["interval_start"].dt.normalize() == pd.Timestamp(day)]
    q = calls.set_index("interval_start")["offered"].resample("15min").sum()
    minute = q.index.hour * 60 + q.index.minute
    q = q[(minute >= 7 * 60) & (minute <= 21 * 60)]
    frame = pd.DataFrame({"interval_start": q.index.strftime("%Y-%m-%d %H:%M"),
                          "offered": q.to_numpy(float), "aht_s": 300.0})
    return staff(read_forecast(frame), ServiceTarget()).frame


@pytest.fixture(scope="module")
def bank_schedule():
    return shifts.schedule(_bank_day(), simulate=False)


def test_agent_replay_serves_at_least_as_well_as_the_count_rule(bank_schedule):
    # The count rule is the conservative bound (no capacity beyond the schedule); agents who
    # finish their calls past a break or shift end only add capacity. Same calls (seed 11,
    # 40 replications) on Wed 2003-03-05 (32,039 calls, 2,948 paid hours); measured: count
    # 0.830, designated 0.859, agents 0.937 (paired differences under common random numbers
    # are far less noisy than either level; margin 0.005 for the noise).
    req, interval_min = check_requirements(_bank_day())
    levels = {}
    for rule in RULES:
        _, day, overall = check_service(bank_schedule.coverage, req, interval_min,
                                        replications=40, seed=11, staffing_rule=rule,
                                        shifts=bank_schedule.shifts)
        levels[rule] = overall
    assert levels["agents"]["sim_service_level"] >= levels["count"]["sim_service_level"] - 0.005
    assert (levels["designated"]["sim_service_level"]
            >= levels["count"]["sim_service_level"] - 0.005)
    # only the replay shortens breaks; leavers finishing calls work past the schedule
    assert levels["agents"]["sim_break_lost_h"] > 0
    assert levels["designated"]["sim_overtime_h"] > levels["count"]["sim_overtime_h"]
    assert np.isnan(levels["designated"]["sim_break_lost_h"])


def test_the_replay_puts_the_schedules_coverage_on_the_phones(bank_schedule):
    # no shrinkage (share 1): the duty periods of the shifts reproduce the coverage the MILP
    # solved (15-min slots = intervals, so the mean on duty in an interval is the count)
    cov, shift_rows = bank_schedule.coverage, bank_schedule.shifts
    t0 = cov["interval_start"].min()
    duty, on_phones = day_duty(shift_rows, shift_periods(shift_rows), t0, len(cov), 15)
    np.testing.assert_array_equal(on_phones, cov["scheduled"].to_numpy())
    seconds = (duty["end_s"] - duty["start_s"]).sum() / 3600
    assert seconds == pytest.approx(cov["scheduled"].sum() * 0.25)   # agent-hours on phones


def test_shrinkage_fit_is_the_best_l1_fit():
    # brute force over every choice of kept agents per shift row (independent of HiGHS)
    rng = np.random.default_rng(5)
    for _ in range(5):
        cover = (rng.random((4, 8)) < 0.6).astype(float)
        agents = rng.integers(1, 4, size=4)
        target = np.floor(cover.T @ agents * 0.7)
        best = min(np.abs(cover.T @ np.array(x) - target).sum()
                   for x in itertools.product(*(range(a + 1) for a in agents)))
        kept = keep_on_phones(cover, agents, target)
        assert (0 <= kept).all() and (kept <= agents).all()
        assert np.abs(cover.T @ kept - target).sum() == best


def test_shrinkage_in_agent_mode_follows_the_count_checks_agents():
    # fixture staffed at shrinkage 0.3: the replay's agents per interval stay within one of
    # floor(scheduled x share) (measured: 9 agent-intervals off in 48, none by more than 1)
    staffed = pd.read_csv(DATA / "requirements_staffed.csv")
    res = shifts.schedule(staffed, replications=4, seed=7, staffing_rule="agents")
    cov = res.coverage
    dev = cov["sim_on_phone_agents"] - cov["on_phone_agents"]
    assert dev.abs().max() <= 1 and dev.abs().sum() <= 0.25 * len(cov)
    assert res.summary["sim_staffing_rule"] == "agents"
    text = "\n".join(shifts.summary_lines(res.summary))
    assert "staffing rule agents" in text and "breaks shortened by" in text
    assert "overtime (simulated)" in text
    assert {"sim_overtime_h", "sim_break_lost_h", "sim_calls"} <= set(res.days.columns)


def test_bad_staffing_rule_names_the_parameter():
    staffed = pd.read_csv(DATA / "requirements_staffed.csv")
    with pytest.raises(InputError, match="staffing_rule must be one of count, designated, "
                                         "agents; got 'fifo'") as err:
        shifts.ScheduleOptions(staffing_rule="fifo")
    assert err.value.param == "staffing_rule"
    coverage, req, interval_min, _ = _quiet_boundaries()
    with pytest.raises(InputError, match="staffing_rule") as err:
        check_service(coverage, req, interval_min, staffing_rule="agents")   # no shifts
    assert err.value.param == "staffing_rule"
    with pytest.raises(InputError, match="shifts row 0: break '9-10' is not HH:MM-HH:MM"):
        shift_periods(pd.DataFrame({"start": ["2026-03-02 08:00"], "end": ["2026-03-02 12:00"],
                                    "breaks": ["9-10"], "agents": [1]}))
    assert shifts.schedule(staffed, replications=2, staffing_rule="designated").summary[
        "sim_staffing_rule"] == "designated"
