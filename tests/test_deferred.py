"""Deferred work: the deadline programme against hand calculations, the EDF simulator
against closed cases, and the one-line errors (erlang/deferred.py)."""

import numpy as np
import pandas as pd
import pytest

from erlang.deferred import (
    _edf_replay,
    business_hours,
    calibrated_capacity,
    deferred_capacity,
    requirement_frame,
    simulate_deferred,
)
from shifts.requirements import check_requirements
from wfmcore.errors import InputError

AHT = 360.0
L_S = 1800.0          # 30-min intervals


def burst(agents_over_window, k=10, n=20):
    """Items arriving in interval 0 only: the work of ``agents_over_window`` agents over
    ``k`` intervals."""
    items = np.zeros(n)
    items[0] = agents_over_window * k * L_S / AHT
    return items


def test_burst_is_smoothed_over_the_deadline_window():
    # hand: A items at t = 0, all due within K = 10 intervals (5 h): the flattest capacity
    # is the work spread evenly over the window, 2.3 agents, then nothing
    plan = deferred_capacity(burst(2.3), AHT, 30, np.ones(20, bool), deadline_h=5,
                             deadline_share=1.0, integer=False)
    np.testing.assert_allclose(plan.capacity_agents[:10], 2.3, rtol=1e-7)
    np.testing.assert_allclose(plan.capacity_agents[10:], 0.0, atol=1e-7)
    assert plan.lp_bound_agent_h == pytest.approx(2.3 * 10 * 0.5, rel=1e-9)   # 11.5 agent-h
    assert plan.share_met == pytest.approx(1.0)
    assert plan.window_intervals == 10


def test_burst_with_a_share_below_one_and_whole_agents():
    # 95 %: any plan has the same agent time, and lateness saves none, so nothing is late
    plan = deferred_capacity(burst(2.3), AHT, 30, np.ones(20, bool), deadline_h=5,
                             deadline_share=0.95, integer=False)
    assert plan.late_items == pytest.approx(0.0, abs=1e-6)
    # whole agents: 23 agent-intervals of work -> 23 whole agent-intervals (hand: 2.3 x 10),
    # peak ceil(2.3) = 3, all done inside the window
    whole = deferred_capacity(burst(2.3), AHT, 30, np.ones(20, bool), deadline_h=5,
                              deadline_share=1.0)
    assert whole.capacity_agents.sum() == 23
    assert whole.capacity_agents.max() == 3
    assert whole.capacity_agents[10:].sum() == 0
    assert whole.ratio_to_bound == pytest.approx(1.0)


def test_whole_agents_round_up_once_per_horizon():
    # 2.05 agents of work over a window of 10 intervals = the horizon: 20.5 agent-intervals
    # of work need 21 whole agent-intervals (hand: ceil(20.5)), not ceil(2.05) x 10 = 30
    items = burst(2.05, k=10, n=10)
    plan = deferred_capacity(items, AHT, 30, np.ones(10, bool), deadline_h=5,
                             deadline_share=1.0)
    assert plan.capacity_agents.sum() == 21
    assert plan.share_met == pytest.approx(1.0)


def test_constant_arrivals_round_the_clock_business_hours_cyclic():
    # r items every 30 min, 24 h; open 8-18 (20 intervals); one day repeating. Hand:
    # the day's work 48 r AHT over 20 open intervals = 2.4 r AHT / L agents, flat, when the
    # deadline leaves room (8 h: the night's 28 r items are done by 28 / 2.4 = 11.7
    # intervals < 16). With 2 h (K = 4) the night's items plus interval 0's (29 r) are due
    # by the end of interval 3: peak 29 r / 4 = 7.25 r AHT / L agents (hand).
    r = 10.0
    is_open = np.zeros(48, bool)
    is_open[16:36] = True
    flat = deferred_capacity(np.full(48, r), AHT, 30, is_open, deadline_h=8,
                             deadline_share=1.0, cyclic=True, integer=False)
    np.testing.assert_allclose(flat.capacity_agents[16:36], 2.4 * r * AHT / L_S, rtol=1e-7)
    assert flat.capacity_agents[~is_open].sum() == 0
    short = deferred_capacity(np.full(48, r), AHT, 30, is_open, deadline_h=2,
                              deadline_share=1.0, cyclic=True, integer=False)
    assert short.capacity_agents.max() == pytest.approx(7.25 * r * AHT / L_S, rel=1e-7)
    assert short.lp_bound_agent_h == pytest.approx(48 * r * AHT / 3600, rel=1e-9)
    assert short.backlog_end_items == 0


def test_items_whose_deadline_is_past_the_horizon_are_carried():
    # non-cyclic: items of the last interval (deadline beyond the end) may stay as the end
    # backlog; everything due inside the horizon is done (hand: 6 items in interval 3 of 4,
    # K = 2, carried; 6 in interval 0 done)
    items = np.array([6.0, 0, 0, 6.0])
    plan = deferred_capacity(items, AHT, 30, np.ones(4, bool), deadline_h=1,
                             deadline_share=1.0, integer=False)
    assert plan.backlog_end_items == pytest.approx(6.0)
    assert plan.capacity_agents[:2].sum() * L_S / AHT == pytest.approx(6.0)


def test_items_after_the_last_open_interval_are_carried():
    # non-cyclic: 5 items arrive in a closed interval after the last open one: no business
    # time is left for them, so they are the end backlog (hand), and cost no capacity
    items = np.array([4.0, 0.0, 5.0])
    plan = deferred_capacity(items, AHT, 30, np.array([True, True, False]), deadline_h=1,
                             deadline_share=1.0, integer=False)
    assert plan.backlog_end_items == pytest.approx(5.0)
    assert plan.lp_bound_agent_h == pytest.approx(4 * AHT / 3600, rel=1e-9)


def test_integer_plan_is_repeatable():
    # same input, same output (the shape stages stop at a node limit, not a time limit)
    ts = pd.date_range("2026-01-05", periods=48 * 2, freq="30min")
    is_open = business_hours(ts)
    items = np.where(is_open, 7.3, 1.1)
    a = deferred_capacity(items, AHT, 30, is_open, deadline_h=4, deadline_share=0.9,
                          cyclic=True)
    b = deferred_capacity(items, AHT, 30, is_open, deadline_h=4, deadline_share=0.9,
                          cyclic=True)
    np.testing.assert_array_equal(a.capacity_agents, b.capacity_agents)
    # whole agents, never below the LP bound, and the share planned is met
    assert np.all(a.capacity_agents == np.round(a.capacity_agents))
    assert a.capacity_agent_h >= a.lp_bound_agent_h - 1e-9
    assert a.share_met >= 0.9 - 1e-9


def test_share_per_day():
    # two business days of 8 open intervals, 3 items each, K = 4: per day the share holds
    # on its own; the work done = all but the end backlog (hand: agent time = work done)
    is_open = np.tile(np.r_[np.zeros(4, bool), np.ones(8, bool)], 2)
    items = np.tile(np.r_[np.zeros(4), np.full(8, 3.0)], 2)
    plan = deferred_capacity(items, AHT, 30, is_open, deadline_h=2, deadline_share=0.9,
                             share_period="day", integer=False)
    assert plan.share_met >= 0.9 - 1e-9
    assert plan.lp_bound_agent_h == pytest.approx(48 * AHT / 3600 - plan.backlog_end_items
                                                  * AHT / 3600, rel=1e-6)


def test_requirement_frame_columns():
    ts = pd.date_range("2026-01-05", periods=48, freq="30min")
    is_open = business_hours(ts)
    assert is_open.sum() == 20 and is_open[16] and not is_open[36]    # 8:00-17:30 starts
    plan = deferred_capacity(np.full(48, 10.0), AHT, 30, is_open, deadline_h=8,
                             deadline_share=0.95, cyclic=True)
    frame = requirement_frame(plan, ts, queue="mail", shrinkage=0.2)
    assert list(frame.columns) == ["interval_start", "queue", "channel", "offered", "aht_s",
                                   "agents", "lp_agents", "scheduled_agents", "open",
                                   "window_intervals"]
    # 2.4 r AHT / L = 4.8 agents of work, whole agents 4 or 5: ceil(agents / 0.8)
    np.testing.assert_array_equal(frame["scheduled_agents"],
                                  np.ceil(frame["agents"] / 0.8 - 1e-9))
    assert frame["agents"].sum() == 96          # hand: 48 r AHT / L = 96 agent-intervals


def test_requirement_frame_is_read_by_the_shift_model():
    # the frame goes through the shift model's requirement check as is: whole agents to
    # cover per interval, scheduled for the unit "queue / channel"
    ts = pd.date_range("2026-01-05", periods=48, freq="30min")
    plan = deferred_capacity(np.full(48, 10.0), AHT, 30, business_hours(ts), deadline_h=8,
                             deadline_share=0.95, cyclic=True)
    frame = requirement_frame(plan, ts, queue="mail", shrinkage=0.2)
    out, interval_min = check_requirements(frame)
    assert interval_min == 30
    assert set(out["queue"]) == {"mail / deferred"}
    np.testing.assert_array_equal(out["required"], frame["scheduled_agents"])


# --- the simulator ---------------------------------------------------------------------

def test_simulator_deterministic_hand_case():
    # 1 agent, deterministic 6-min items, 3 items expected per 30 min, always open: the agent
    # is idle most of the time and every item is done within 30 min of arrival (hand: at
    # most 5 items a 30-min interval can be done; Poisson(3) > 5 has a small chance, and
    # a deadline of 2 h absorbs it); utilisation = 3 x 6 / 30 = 0.6
    n = 96
    sim = simulate_deferred(np.full(n, 3.0), AHT, np.ones(n), 30, np.ones(n, bool),
                            deadline_h=2, service="deterministic", replications=10, seed=3)
    assert sim.share == pytest.approx(1.0, abs=2e-3)
    assert sim.utilisation == pytest.approx(0.6, abs=0.03)
    assert sim.backlog_end_items <= 2


def test_simulator_closed_hours_and_business_clock():
    # items arriving at night are done the next morning: no capacity outside hours, one agent
    # inside. 1 item per 30 min round the clock, D = 1 business hour. Night items (28 per
    # night, 14 h) queue for the morning: with 1 agent of 6-min items, 2 h of business time
    # clears 20; the rest are late (hand: at most 10 items per business hour).
    ts = pd.date_range("2026-01-05", periods=48 * 5, freq="30min")
    is_open = business_hours(ts, weekdays=range(7))
    sim = simulate_deferred(np.ones(ts.size), AHT, is_open.astype(float), 30, is_open,
                            deadline_h=1, service="deterministic", replications=4, seed=1)
    # the night's ~28 items + those arriving meanwhile: ~10 done within the first business
    # hour of the day; each day ~48 items, share ~ (48 - about 28 late) / 48 well below 1
    assert sim.share < 0.7
    # and with capacity 6 in the first 3 open hours the night clears on time
    cap = is_open.astype(float)
    first = np.flatnonzero(is_open & (ts.hour < 11))
    cap[first] = 6
    sim2 = simulate_deferred(np.ones(ts.size), AHT, cap, 30, is_open, deadline_h=1,
                             service="deterministic", replications=4, seed=1)
    assert sim2.share > 0.97


def test_simulator_capacity_drop_finishes_items_in_hand():
    # three 40-min items at t = 0, 2 agents in interval 0 (30 min) then none: the two items
    # that start at once both finish at 40 min, past the drop; the third never starts (hand)
    start, finish = _edf_replay(np.array([0.0, 0.0, 0.0]), np.full(3, 2400.0),
                                np.zeros(3), np.array([2, 0]), 1800.0)
    np.testing.assert_array_equal(start[:2], [0.0, 0.0])
    np.testing.assert_array_equal(finish[:2], [2400.0, 2400.0])
    assert np.isnan(start[2])


def test_simulator_is_seeded():
    a = simulate_deferred(np.full(20, 4.0), AHT, np.ones(20), 30, np.ones(20, bool),
                          deadline_h=1, replications=3, seed=7)
    b = simulate_deferred(np.full(20, 4.0), AHT, np.ones(20), 30, np.ones(20, bool),
                          deadline_h=1, replications=3, seed=7)
    pd.testing.assert_frame_equal(a.replications, b.replications)


def test_calibrated_capacity_meets_the_share_in_simulation():
    # one business day pattern repeated: the calibrated plan's smallest per-period share in
    # simulation reaches the target (what the function promises), with a margin >= 0
    ts = pd.date_range("2026-01-05", periods=48, freq="30min")
    is_open = business_hours(ts, weekdays=range(7))
    items = np.where(is_open, 12.0, 2.0)
    cal = calibrated_capacity(items, AHT, 30, is_open, deadline_h=4, deadline_share=0.9,
                              repeats=5, replications=5, seed=2, resolution=0.02,
                              time_limit_s=8)
    assert cal.block_shares.min() >= 0.9
    assert cal.ratio_to_bound >= 1.0 - 1e-9


# --- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, param", [
    ({"deadline_h": 0.25}, "deadline_h"),             # shorter than one 30-min interval
    ({"deadline_h": 1.25}, "deadline_h"),             # not a whole number of intervals
    ({"deadline_share": 0.0}, "deadline_share"),
    ({"deadline_share": 95}, "deadline_share"),
    ({"share_period": "week"}, "share_period"),
    ({"items": [1.0, -2.0, 1.0, 1.0]}, "items"),
    ({"aht_s": -1.0}, "aht_s"),
    ({"open_intervals": [False] * 4}, "open_intervals"),
])
def test_bad_input_is_one_line_naming_the_parameter(kwargs, param):
    args = {"items": [1.0] * 4, "aht_s": AHT, "interval_min": 30,
            "open_intervals": [True] * 4, "deadline_h": 1.0, "deadline_share": 0.9}
    args.update(kwargs)
    with pytest.raises(InputError) as err:
        deferred_capacity(args.pop("items"), args.pop("aht_s"), args.pop("interval_min"),
                          args.pop("open_intervals"), **args)
    assert err.value.param == param
    assert "\n" not in str(err.value) and str(err.value).startswith(param)


def test_free_capacity_is_used_first_and_only_the_rest_is_staffed():
    # hand: the burst of 2.3 agents over its 10-interval window with 1 agent free in every
    # interval (a voice team's idle time): the flattest own capacity is 1.3 agents over the
    # window, 11.5 - 5 = 6.5 agent-h; the free capacity does 1 x 10 x 0.5 = 5 agent-h
    free = np.ones(20)
    plan = deferred_capacity(burst(2.3), AHT, 30, np.ones(20, bool), deadline_h=5,
                             deadline_share=1.0, integer=False, free_agents=free)
    assert plan.lp_bound_agent_h == pytest.approx(6.5, rel=1e-9)
    np.testing.assert_allclose(plan.capacity_agents[:10], 1.3, rtol=1e-7)
    assert plan.blended_agent_h == pytest.approx(5.0, rel=1e-9)
    np.testing.assert_allclose(plan.blended_agents[:10], 1.0, rtol=1e-9)
    # free capacity beyond the work: nothing to staff, all the work done in it
    plan = deferred_capacity(burst(2.3), AHT, 30, np.ones(20, bool), deadline_h=5,
                             deadline_share=1.0, free_agents=np.full(20, 3.0))
    assert plan.capacity_agent_h == 0.0
    assert plan.blended_agent_h == pytest.approx(plan.workload_agent_h, rel=1e-9)


def test_fractional_capacity_is_part_of_an_agents_interval():
    # hand: 1.5 agents in a 3600-s interval = 2 agents for its first 1800 s, then 1; five
    # items at t = 0 of 1000 s: two start at 0, two at 1000 (one agent is still the second
    # until 1800), the fifth waits for the drop to one agent and starts at 2000
    arrival = np.zeros(5)
    handle = np.full(5, 1000.0)
    start, finish = _edf_replay(arrival, handle, arrival.copy(), np.array([1.5]), 3600.0)
    np.testing.assert_allclose(np.sort(start), [0, 0, 1000, 1000, 2000])
    np.testing.assert_allclose(np.sort(finish), [1000, 1000, 2000, 2000, 3000])
    # the simulator takes it: half an agent an interval for 2 items of 6 min (720 s of work
    # in 900 s of capacity) is busy about 720 / 900 = 80 % of its time
    sim = simulate_deferred(np.full(40, 2.0), AHT, np.full(40, 0.5), 30, np.ones(40, bool),
                            deadline_h=2, seed=3, replications=20)
    assert sim.utilisation == pytest.approx(0.8, abs=0.06)
    assert sim.share > 0.5


def test_calibrated_plan_with_free_capacity_meets_the_share_on_a_new_seed():
    # two business days of 10 one-hour intervals (the rest closed), 30 items an hour of 6
    # min (3 agents of work), 95 % within 4 business hours, 1 agent free every open hour:
    # the calibrated plan, simulated on a seed it never saw, meets the share, and staffs
    # at most the work less the free capacity plus the margin, in whole agents
    is_open = np.zeros(48, bool)
    is_open[8:18] = is_open[32:42] = True
    items = np.where(is_open, 30.0, 0.0)
    free = np.where(is_open, 1.0, 0.0)
    cal = calibrated_capacity(items, AHT, 60, is_open, deadline_h=4, deadline_share=0.95,
                              free_agents=free, repeats=4, replications=10, seed=11)
    own = cal.plan.capacity_agent_h
    assert own <= (3.0 - 1.0) * 20 * (1 + cal.margin) + 1.0
    assert cal.plan.blended_agent_h == pytest.approx(20.0, rel=1e-6)   # all the free time
    sim = simulate_deferred(np.tile(items, 4), AHT, np.tile(cal.plan.capacity_agents + free, 4),
                            60, np.tile(is_open, 4), deadline_h=4, seed=12, replications=10)
    assert sim.share >= 0.95
