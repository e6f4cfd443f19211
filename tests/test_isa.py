"""ISA, the simulation-based iterative staffing algorithm (erlang.isa).

Independent sources: the Erlang C formula for constant arrivals (erlang.required_agents: a
stationary queue needs what the formula says), and the simulator on seeds the ISA never
used (erlang.simulate) for what the staffing delivers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from erlang import ServiceTarget, required_agents
from erlang.isa import isa_staffing
from erlang.simulate import simulate
from wfmcore.errors import InputError


def evaluate(calls, aht_s, agents, interval_min, target, seed, replications=200):
    """Simulated SL per interval on independent seeds, after the ISA's own warm-up
    convention (10 handle times at the first interval's calls and staffing)."""
    warm = max(1, math.ceil(10 * aht_s / (interval_min * 60)))
    res = simulate(np.r_[np.full(warm, calls[0]), calls], aht_s,
                   np.r_[np.full(warm, agents[0]), agents], interval_min,
                   sl_threshold_s=target.sl_threshold_s, patience_s=target.patience_s,
                   seed=seed, replications=replications, warmup_intervals=warm)
    return res.intervals["service_level"].to_numpy()


def test_constant_arrivals_give_the_erlang_staffing():
    # 8 quarter-hours of 50 calls at 180 s: 10 Erlangs, which need 14 agents for 80/20 (the
    # textbook answer, also in test_erlang_formulas / test_repair)
    calls = np.full(8, 50.0)
    erlang = required_agents(10.0, 180.0)
    assert erlang == 14
    res = isa_staffing(calls, 180.0, 15, ServiceTarget(), replications=50, seed=1)
    assert res.converged
    assert (res.start_agents == erlang).all()           # the MOL start is SIPP here
    assert np.abs(res.agents - erlang).max() <= 1         # the noise of 50 replications
    # with 400 replications the noise is smaller: the formula's answer in most intervals
    many = isa_staffing(calls, 180.0, 15, ServiceTarget(), replications=400, seed=1)
    assert many.converged
    assert np.abs(many.agents - erlang).max() <= 1
    assert np.mean(many.agents == erlang) >= 0.75


def test_a_peak_and_a_drop_meet_the_target_on_independent_seeds():
    calls = np.array([60, 120, 240, 400, 400, 300, 100, 60, 200, 60, 40, 40], dtype=float)
    target = ServiceTarget()
    res = isa_staffing(calls, 300.0, 15, target, replications=50, seed=0)
    assert res.converged and res.iterations <= 20
    assert len(res.history) == len(res.max_change) + (res.status != "fixed point")
    sl = evaluate(calls, 300.0, res.agents, 15, target, seed=2024)
    assert np.mean(sl >= 0.8) >= 0.9
    # the MOL start falls short after the drop (count rule: the busy agents of the peak
    # hold the lines), where the ISA adds agents
    start_sl = evaluate(calls, 300.0, res.start_agents, 15, target, seed=2024)
    assert np.mean(start_sl >= 0.8) < np.mean(sl >= 0.8)


def test_non_convergence_is_stated_or_raised():
    calls = np.array([60, 120, 240, 400, 400, 300, 100, 60], dtype=float)
    res = isa_staffing(calls, 300.0, 15, ServiceTarget(), replications=20, max_iterations=1)
    assert not res.converged and res.status == "not converged" and res.iterations == 1
    assert len(res.history) == 2 and res.max_change[0] > 1
    with pytest.raises(InputError, match=r"^max_iterations \(1\): the isa staffing did not "
                                         r"converge within 1 iterations") as err:
        isa_staffing(calls, 300.0, 15, ServiceTarget(), replications=20, max_iterations=1,
                     must_converge=True)
    assert err.value.param == "max_iterations"


def test_damping_stops_the_undamped_swing():
    # no abandonment, 5-minute intervals, AHT 600 s, a threshold of a whole interval: a
    # call is answered within T by the next interval's agents, so the undamped restaffing
    # swings an interval between its MOL staffing and almost nobody
    target = ServiceTarget(sl_target=0.8, sl_threshold_s=300)
    calls = np.array([20, 40, 60, 80, 60, 40, 20, 20], dtype=float)
    undamped = isa_staffing(calls, 600.0, 5, target, replications=40, damping=1.0,
                            max_iterations=3, tolerance=0)
    assert undamped.max_change[0] >= 100 and undamped.max_change[1] >= 100
    # down and back up: the third staffing is within 1 agent-hour of the first
    assert abs(undamped.history[2] - undamped.history[0]) < 1.0
    assert undamped.history[1] < undamped.history[0] - 20
    damped = isa_staffing(calls, 600.0, 5, target, replications=40, damping=0.5,
                          max_iterations=3, tolerance=0)
    # half the swing, and after it no step larger than half the one before (the cap)
    assert damped.max_change[0] == math.ceil(undamped.max_change[0] / 2)
    assert max(damped.max_change[1:]) <= damped.max_change[0] // 2
    assert abs(damped.history[2] - damped.history[0]) > 5.0      # it does not swing back


def test_runs_and_empty_intervals():
    # a night without calls splits the runs and gets min_agents; common random numbers:
    # the same seed gives the same staffing
    calls = np.array([100, 150, 0, 0, 150, 100], dtype=float)
    target = ServiceTarget(min_agents=1)
    a = isa_staffing(calls, 300.0, 15, target, replications=20, seed=5)
    b = isa_staffing(calls, 300.0, 15, target, replications=20, seed=5)
    assert (a.agents == b.agents).all() and a.history == b.history
    assert a.agents[2] == 1 and a.agents[3] == 1
    assert np.isnan(a.service_level[2:4]).all()


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="^damping must be a share in"):
        isa_staffing([100.0], 300.0, 15, damping=0.0)
    with pytest.raises(InputError, match="^max_iterations must be a whole number >= 1"):
        isa_staffing([100.0], 300.0, 15, max_iterations=0)
    with pytest.raises(InputError, match="^aht_s must be > 0 seconds where calls"):
        isa_staffing([100.0, 5.0], [300.0, 0.0], 15)
    with pytest.raises(InputError, match="^run_starts has 1 values for 2 intervals"):
        isa_staffing([100.0, 5.0], 300.0, 15, run_starts=[True])
