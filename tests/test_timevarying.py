"""Time-varying staffing loads (erlang.timevarying) and their use by `wfm staff`.

Independent sources: the M_t/M/inf mean solved as an ODE interval by interval (constant AHT),
a quadrature of the cohort integral (AHT varying by interval), the simulator with more agents
than calls (an infinite-server queue), and hand calculations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from erlang import ServiceTarget, required_agents, staffing_load
from erlang.simulate import simulate
from erlang.timevarying import lagged_offered_load, modified_offered_load
from wfmcore.errors import InputError
from wfmcore.targets import MAX_OCCUPANCY
from wfmplan.staffing import read_forecast, staff

H_MIN = 15
H_S = H_MIN * 60.0


def ode_mol(calls, aht_s, m0):
    """m' = lambda - m / s solved exactly per interval: m(t) = A + (m0 - A) exp(-t/s); its
    average over the interval is A + (m0 - A) (s/h) (1 - exp(-h/s))."""
    out, m = [], m0
    for c in calls:
        a = c * aht_s / H_S
        decay = np.exp(-H_S / aht_s)
        out.append(a + (m - a) * (aht_s / H_S) * (1 - decay))
        m = a + (m - a) * decay
    return np.array(out)


def test_mol_is_the_mt_m_inf_mean_for_piecewise_constant_rates():
    rng = np.random.default_rng(3)
    calls = rng.uniform(1, 400, 60)
    for aht in (30.0, 300.0, 900.0, 3600.0):
        # the run starts in the steady state of its first interval: m0 = A_0
        expected = ode_mol(calls, aht, m0=calls[0] * aht / H_S)
        assert modified_offered_load(calls, aht, H_MIN) == pytest.approx(expected, rel=1e-10)


def test_mol_with_aht_varying_by_interval_matches_quadrature():
    # m(t) = sum over arrival intervals j of int lambda_j exp(-(t - u) / s_j) du: integrated
    # numerically on a 1-second grid (midpoint rule), averaged over each interval
    calls = np.array([50.0, 120, 300, 80, 10, 200])
    aht = np.array([200.0, 400, 250, 600, 900, 150])
    t = np.arange(0, calls.size * H_S) + 0.5
    m = np.zeros(t.size)
    for j, (c, s) in enumerate(zip(calls, aht, strict=True)):
        lam = c / H_S
        start, end = j * H_S, (j + 1) * H_S
        inside = (t >= start) & (t < end)
        after = t >= end
        m[inside] += lam * s * (1 - np.exp(-(t[inside] - start) / s))
        m[after] += lam * s * (1 - np.exp(-H_S / s)) * np.exp(-(t[after] - end) / s)
    # steady state of interval 0 before the start, decaying with its AHT
    m += calls[0] * aht[0] / H_S * np.exp(-t / aht[0])
    expected = m.reshape(calls.size, -1).mean(axis=1)
    assert modified_offered_load(calls, aht, H_MIN) == pytest.approx(expected, rel=1e-6)


def test_mol_is_what_an_infinite_server_simulation_keeps_busy():
    # 12 warm-up intervals at the first rate, then a peak and a drop; 1000 agents never all
    # busy, so busy agent-seconds / interval length estimate m averaged per interval
    pattern = np.array([200.0, 600, 900, 300, 50, 400])
    calls = np.concatenate([np.full(12, pattern[0]), pattern])
    res = simulate(calls, 300.0, 1000, H_MIN, replications=200, seed=11)
    busy = res.intervals["occupancy"].to_numpy()[12:] * 1000
    half = (res.intervals["occupancy_hi"] - res.intervals["occupancy"]).to_numpy()[12:] * 1000
    mol = modified_offered_load(calls, 300.0, H_MIN)[12:]
    sipp = calls[12:] * 300 / H_S
    assert np.all(np.abs(busy - mol) <= 1.5 * half + 0.05)       # within the 95 % CI
    # ...and SIPP is far off where the rate jumps (the lag: 900 -> 300 calls keeps 37 Erl)
    assert abs(busy[3] - sipp[3]) > 10 * half[3]


def test_constant_arrivals_give_sipp_exactly():
    calls = np.full(40, 123.0)
    for method in ("mol", "lag-sipp"):
        load = staffing_load(calls, 240.0, H_MIN, method)
        assert load == pytest.approx(calls * 240 / H_S, rel=1e-12)
        assert (required_agents(load, 240.0) == required_agents(calls * 240 / H_S, 240.0)).all()


def test_lag_sipp_by_hand():
    # AHT 300 s = 1/3 interval: the window [i - 1/3, i + 2/3] -> A_i,lag = A_{i-1}/3 + 2 A_i/3
    calls = np.array([90.0, 180, 360, 90])
    a = calls * 300 / H_S                                            # 30, 60, 120, 30 Erl
    expected = [30.0, 30 / 3 + 2 * 60 / 3, 60 / 3 + 2 * 120 / 3, 120 / 3 + 2 * 30 / 3]
    assert lagged_offered_load(calls, 300.0, H_MIN) == pytest.approx(expected)
    assert a[0] == expected[0]     # before the run: the first interval's load for ever
    # AHT 1.5 intervals: the window [i - 1.5, i - 0.5] -> (A_{i-2} + A_{i-1}) / 2
    assert lagged_offered_load(calls, 1350.0, H_MIN)[3] == pytest.approx(
        (calls[1] + calls[2]) / 2 * 1350 / H_S)


def test_runs_break_at_gaps_and_at_intervals_without_calls():
    calls = np.array([100.0, 400, 0, 0, 400, 100])
    # a closed stretch written as zero rows equals one left out of the file
    with_zeros = modified_offered_load(calls, 300.0, H_MIN)
    left_out = modified_offered_load(calls[[0, 1, 4, 5]], 300.0, H_MIN,
                                     run_starts=[True, False, True, False])
    assert with_zeros[[0, 1, 4, 5]] == pytest.approx(left_out, rel=1e-14)
    assert (with_zeros[[2, 3]] == 0).all()                       # nobody needed, no calls
    assert with_zeros[4] == pytest.approx(400 * 300 / H_S)       # a new run: steady start


def test_bad_method_names_the_parameter():
    with pytest.raises(InputError, match="staffing_method must be one of mol, sipp, lag-sipp"):
        staffing_load([1.0], 100.0, 15, "isa-ish")


def _day_forecast(tmp_path, times, calls, queue=None, **extra):
    frame = pd.DataFrame({"interval_start": times, "offered": calls, "aht_s": 300.0, **extra})
    if queue is not None:
        frame.insert(0, "queue", queue)
    path = tmp_path / "forecast.csv"
    frame.to_csv(path, index=False)
    return path


def test_staff_applies_mol_per_queue_in_time_order(tmp_path):
    times = pd.date_range("2026-03-02 08:00", periods=6, freq="15min").strftime("%Y-%m-%d %H:%M")
    calls = [100.0, 400, 900, 300, 50, 10]
    # two queues interleaved and each written backwards: the load follows time, not rows
    frame = pd.DataFrame({"queue": ["a"] * 6 + ["b"] * 6, "interval_start": list(times) * 2,
                          "offered": calls + [c * 2 for c in calls], "aht_s": 300.0})
    frame = frame.iloc[[11, 5, 10, 4, 9, 3, 8, 2, 7, 1, 6, 0]]
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    req = staff(read_forecast(path), ServiceTarget()).frame
    for q, scale in (("a", 1), ("b", 2)):
        rows = req[req["queue"] == q].sort_values("interval_start")
        mol = modified_offered_load(np.array(calls) * scale, 300.0, H_MIN)
        assert rows["staffing_erl"].to_numpy() == pytest.approx(mol)
        assert rows["traffic_erl"].to_numpy() == pytest.approx(np.array(calls) * scale / 3)
        assert (rows["agents"].to_numpy() == required_agents(mol, 300.0)).all()
    # SIPP on request: the agents of each interval's own load
    sipp = staff(read_forecast(path), ServiceTarget(staffing_method="sipp")).frame
    assert (sipp["agents"] == required_agents(sipp["traffic_erl"].to_numpy(), 300.0)).all()
    # the drop 900 -> 300 calls: MOL keeps more agents than SIPP (the calls still in progress)
    drop = (req["queue"] == "a") & (req["interval_start"] == times[3])
    assert int(req.loc[drop, "agents"].iloc[0]) > int(sipp.loc[drop, "agents"].iloc[0])


def test_dst_day_is_one_run_in_utc(tmp_path):
    # spring forward in New York: 01:45 (UTC-5) is followed by 03:00 (UTC-4), 15 minutes later
    times = ["2026-03-08 01:30", "2026-03-08 01:45", "2026-03-08 03:00", "2026-03-08 03:15"]
    path = _day_forecast(tmp_path, times, [100.0, 400, 400, 400],
                         utc_offset_min=[-300, -300, -240, -240])
    req = staff(read_forecast(path), ServiceTarget()).frame
    mol = modified_offered_load(np.array([100.0, 400, 400, 400]), 300.0, H_MIN)
    assert req["staffing_erl"].to_numpy() == pytest.approx(mol)


def test_cli_staffing_method_and_bad_value(tmp_path):
    runner = CliRunner()
    times = pd.date_range("2026-03-02 08:00", periods=4, freq="15min").strftime("%Y-%m-%d %H:%M")
    path = _day_forecast(tmp_path, list(times), [100.0, 900, 300, 50])
    out = tmp_path / "req.csv"
    res = runner.invoke(app, ["staff", str(path), "-o", str(out), "--staffing-method", "sipp"])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    assert (req["staffing_erl"] == req["traffic_erl"]).all()
    assert "sipp load" in res.output
    res = runner.invoke(app, ["staff", str(path), "-o", str(tmp_path / "x.csv"),
                              "--staffing-method", "magic"])
    assert res.exit_code == 2
    assert "staffing_method (--staffing-method) must be one of mol, sipp, lag-sipp" in res.output
    assert not (tmp_path / "x.csv").exists()


def test_whatif_compares_staffing_methods(tmp_path):
    runner = CliRunner()
    times = pd.date_range("2026-03-02 08:00", periods=6, freq="15min").strftime("%Y-%m-%d %H:%M")
    calls = np.array([100.0, 400, 900, 300, 50, 10])
    path = _day_forecast(tmp_path, list(times), calls)
    out = tmp_path / "w.csv"
    res = runner.invoke(app, ["whatif", str(path), "--staffing-method", "mol,sipp",
                              "--no-paid-hours", "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    # mol is the base's own method (the settings given): the base row, not a change
    assert table["scenario"].tolist() == ["base", "staffing_method sipp"]
    # agent-hours = sum of the agents each method's load needs x 0.25 h, at the application's
    # default occupancy cap (wfmcore.targets.MAX_OCCUPANCY)
    capped = ServiceTarget(max_occupancy=MAX_OCCUPANCY)
    for method, row in zip(("mol", "sipp"), table.itertuples(), strict=True):
        n = required_agents(staffing_load(calls, 300.0, H_MIN, method), 300.0, capped)
        assert row.agent_hours == pytest.approx(n.sum() * 0.25)
