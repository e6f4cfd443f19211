"""Benchmark: the cost of the multi-skill simulator (erlang.multiskill_sim).

Two realistic centres:

* **K = 2, I = 2** (an N-design): sales answered by sales specialists first and by the
  service group (service primary, sales secondary, 10 % slower on it) when they are busy;
  a day of 96 x 15 min, 6,000 sales and 9,000 service calls, staffed by square-root staffing
  per group;
* **K = 20, I = 30**: 20 call types (AHT 180-480 s, mean patience 120-400 s, daily volumes
  from a Dirichlet draw, 40,000 calls a day), 20 specialist groups (one per type, its
  primary), 10 cross-trained groups with 3 to 6 skills (secondary skills 0-30 % slower,
  half of them with an overflow delay of 10-30 s), staffed by square-root staffing (70 % of
  each type's agents in its specialist group, 30 % spread over the cross-trained groups with
  its skill). Built from a fixed seed.

Measured (kernels compiled; best of 5 on a shared machine):

* ``simulate_skills`` over the day with 20 replications: wall time of the whole call
  (draws, kernel, totals, frames) per simulated call, and the kernel alone;
* ``stationary_kpis`` at the peak hour's rates and staffing (10 measured hours x 10
  replications, the default warm-up): simulated hours per second of wall time and the
  profile of one call (drawing the calls, the kernel, the rest: estimates and frames);
* the compile cost in a fresh process with an empty numba cache, then with the cache.

Run: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_multiskill_sim.py
(writes section "multiskill-sim" of bench/RESULTS.md)
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _results import compile_times, write_section  # noqa: E402

from erlang import _kernels  # noqa: E402
from erlang import _multiskill_kernel as _mk  # noqa: E402
from erlang import multiskill_sim as ms  # noqa: E402
from erlang.skills import AgentGroup, CallType, SkillsModel  # noqa: E402

INTERVALS = 96
INTERVAL_MIN = 15
REPLICATIONS = 20
REPEATS = 5


def profile(total_per_day: np.ndarray) -> np.ndarray:
    """Calls per 15-min interval of a day: a double hump (10:30 and 15:00), sums to 1."""
    t = np.arange(INTERVALS) / 4.0
    w = 0.05 + np.exp(-((t - 10.5) / 2.0) ** 2) + 0.8 * np.exp(-((t - 15.0) / 2.2) ** 2)
    w[(t < 7) | (t >= 21)] = 0.01
    return np.outer(w / w.sum(), total_per_day)


def sqrt_staff(load: np.ndarray) -> np.ndarray:
    return load + np.sqrt(load)


def small_centre():
    types = (CallType("sales", 300.0, 180.0), CallType("service", 240.0, 240.0))
    groups = (AgentGroup("sales", ("sales",)),
              AgentGroup("service", ("service", "sales"), aht_factor={"sales": 1.1}))
    model = SkillsModel(types, groups)
    calls = profile(np.array([6000.0, 9000.0]))
    load = calls * np.array([300.0, 240.0]) / (INTERVAL_MIN * 60)
    agents = np.stack([np.ceil(sqrt_staff(0.8 * load[:, 0])),
                       np.ceil(sqrt_staff(load[:, 1] + 0.2 * load[:, 0]))], axis=1)
    return "K=2, I=2 (N-design)", model, calls, agents.astype(int)


def large_centre(seed: int = 14):
    rng = np.random.default_rng(seed)
    n_t, n_spec, n_cross = 20, 20, 10
    aht = rng.uniform(180, 480, n_t).round()
    patience = rng.uniform(120, 400, n_t).round()
    types = tuple(CallType(f"q{k:02d}", float(aht[k]), float(patience[k])) for k in range(n_t))
    volume = rng.dirichlet(np.full(n_t, 1.5)) * 40000.0
    groups = [AgentGroup(f"spec{k:02d}", (f"q{k:02d}",)) for k in range(n_spec)]
    cross_skills = []
    for g in range(n_cross):
        m = int(rng.integers(3, 7))
        ks = rng.choice(n_t, size=m, replace=False, p=volume / volume.sum())
        cross_skills.append(ks)
        names = tuple(f"q{k:02d}" for k in ks)
        factor = {s: round(float(rng.uniform(1.0, 1.3)), 2) for s in names[1:]}
        delay = ({s: float(rng.integers(10, 31)) for s in names[1:]} if g % 2 else {})
        groups.append(AgentGroup(f"cross{g}", names, aht_factor=factor, overflow_delay_s=delay))
    model = SkillsModel(types, tuple(groups))
    calls = profile(volume)
    need = sqrt_staff(calls * aht / (INTERVAL_MIN * 60))            # per type
    agents = np.zeros((INTERVALS, n_spec + n_cross))
    agents[:, :n_spec] = 0.7 * need
    holders = np.zeros(n_t)
    for ks in cross_skills:
        holders[ks] += 1
    for g, ks in enumerate(cross_skills):
        agents[:, n_spec + g] = (0.3 * need[:, ks] / holders[ks]).sum(axis=1)
    alone = holders == 0                                            # nobody cross-trained
    agents[:, :n_spec][:, alone] = need[:, alone]
    return "K=20, I=30", model, calls, np.ceil(agents).astype(int)


def best_of(fn, repeats=REPEATS):
    fn()
    best, out = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_day(label, model, calls, agents) -> dict:
    wall, res = best_of(lambda: ms.simulate_skills(model, calls, agents, INTERVAL_MIN,
                                                   replications=REPLICATIONS, seed=1))
    # the kernel alone, on the same calls
    routing = ms._routing(model)
    interval_s = INTERVAL_MIN * 60.0
    ends = np.arange(1, INTERVALS + 1) * interval_s
    cap = np.ascontiguousarray(np.vstack([agents, agents[-1:]]), dtype=np.int64)
    drawn = [ms._draw_calls(np.random.default_rng(c), calls, interval_s)
             for c in np.random.SeedSequence(1).spawn(REPLICATIONS)]
    kernel = _kernels.compiled(_mk.multiskill_kernel)
    kernel_args = [(np.ascontiguousarray(a), ct.astype(np.int64), iv.astype(np.int64), es, ep)
                   for a, ct, iv, es, ep in drawn]

    def kernel_only():
        for args in kernel_args:
            kernel(*args, ends, cap, *routing.args())
    k_wall, _ = best_of(kernel_only)
    tt = res.type_totals
    return {"label": label, "wall_s": wall, "calls": res.n_calls,
            "ns_per_call": wall / res.n_calls * 1e9, "kernel_ns_per_call": k_wall / res.n_calls * 1e9,
            "sl_min": float(tt["service_level"].min()), "sl_max": float(tt["service_level"].max()),
            "sl_all": float(res.per_replication["answered_within_threshold"].sum()
                             / res.per_replication["offered"].sum()),
            "agents_peak": int(agents.sum(axis=1).max())}


def run_stationary(label, model, calls, agents) -> dict:
    peak = int(np.argmax(calls.sum(axis=1)))
    per_hour = calls[peak] * 60.0 / INTERVAL_MIN
    staff = agents[peak]
    hours, reps = 10.0, 10

    def fresh():                                   # the draws made anew (first evaluation)
        ms._DRAWS.clear()
        return ms.stationary_kpis(model, per_hour, staff, hours=hours, replications=reps,
                                  seed=3)
    wall_fresh, res = best_of(fresh)
    # the staffing search's case: the same calls, staffing changed by one agent per call
    alt = [staff + np.eye(staff.size, dtype=int)[i % staff.size] for i in range(REPEATS + 1)]
    it = iter(alt * 2)
    wall, _ = best_of(lambda: ms.stationary_kpis(model, per_hour, next(it), hours=hours,
                                                 replications=reps, seed=3))
    # profile of one fresh call: draws, kernel, the rest
    routing = ms._routing(model)
    warm = res.warmup_s
    ends = np.array([warm, warm + hours * 3600.0])
    cap = np.ascontiguousarray(np.tile(staff, (3, 1)), dtype=np.int64)

    def draws():
        ms._DRAWS.clear()
        return [ms._stationary_calls(d, warm) for d in
                ms._stationary_draws(3, per_hour / 3600.0, hours * 3600.0, reps, warm)]
    t_draw, drawn = best_of(draws)
    t_kernel, _ = best_of(lambda: [ms._run(*d, ends, cap, routing) for d in drawn])
    simulated_h = (hours + warm / 3600.0) * reps
    tt = res.by_type
    return {"label": label, "wall_s": wall, "calls": res.n_calls, "warmup_h": warm / 3600.0,
            "measured_h": hours * reps, "simulated_h_per_s": simulated_h / wall,
            "simulated_h_per_s_fresh": simulated_h / wall_fresh,
            "measured_h_per_s": hours * reps / wall, "draw_s": t_draw, "kernel_s": t_kernel,
            "rest_s": max(wall_fresh - t_draw - t_kernel, 0.0),
            "wall_fresh_s": wall_fresh, "agents": int(staff.sum()),
            "calls_per_h": float(per_hour.sum()),
            "sl_min": float(tt["service_level"].min()), "sl_max": float(tt["service_level"].max()),
            "hw_max": float(((tt["service_level_hi"] - tt["service_level_lo"]) / 2).max())}


COLD = """
import time, json
t0 = time.perf_counter()
from erlang.multiskill_sim import simulate_skills
from erlang.skills import single_skill, CallType
t1 = time.perf_counter()
m = single_skill([CallType("a", 180.0, 120.0)])
simulate_skills(m, [[100.0]], [[10]], 60, replications=2)
t2 = time.perf_counter()
simulate_skills(m, [[100.0]], [[10]], 60, replications=2)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "second": t3 - t2}))
"""


def main() -> None:
    centres = [small_centre(), large_centre()]
    days = [run_day(*c) for c in centres]
    stat = [run_stationary(*c) for c in centres]
    compile_cost = compile_times(COLD)
    import numba

    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}; "
               f"load average {os.getloadavg()[0]:.1f} at the end (shared machine: timings "
               "vary between runs)")
    text = ["## Multi-skill simulator cost (bench/bench_multiskill_sim.py)", "",
            f"Machine: {machine}. Centres (module docstring of the script): an N-design "
            "(K = 2 types, I = 2 groups; 15,000 calls a day) and K = 20 types, I = 30 groups "
            "(20 specialist and 10 cross-trained groups with 3-6 skills, proficiency factors, "
            f"overflow delays; 40,000 calls a day), {INTERVALS} x {INTERVAL_MIN} min, "
            "square-root staffing. Best of 5, kernel compiled.", "",
            f"### simulate_skills over a day, {REPLICATIONS} replications", "",
            "| centre | peak agents | simulated calls | wall time | ns per call | kernel alone, "
            "ns per call | SL (all types) | SL by type, min - max |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    text += [f"| {d['label']} | {d['agents_peak']} | {d['calls']:,} | {d['wall_s']:.3f} s | "
             f"{d['ns_per_call']:.0f} | {d['kernel_ns_per_call']:.0f} | {d['sl_all']:.1%} | "
             f"{d['sl_min']:.1%} - {d['sl_max']:.1%} |" for d in days]
    text += ["", "### stationary_kpis at the peak hour (10 measured hours x 10 replications)", "",
             "The staffing search's evaluation. Warm-up: 5 relaxation times "
             "(`stationary_warmup_s`). First call: the calls drawn; next calls with the same "
             "seed, rates and hours (another staffing, as in a staffing search): the drawn "
             "calls reused (common random numbers). Profile of a first call: drawing the "
             "calls, the kernel, the rest (estimates and frames).", "",
             "| centre | agents | calls/h | warm-up | first call | simulated h per s | next "
             "calls | simulated h per s | measured h per s | draws | kernel | rest | SL by "
             "type, min - max | largest CI half-width |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    text += [f"| {s['label']} | {s['agents']} | {s['calls_per_h']:,.0f} | {s['warmup_h']:.2f} h "
             f"| {s['wall_fresh_s'] * 1e3:.1f} ms | {s['simulated_h_per_s_fresh']:,.0f} "
             f"| {s['wall_s'] * 1e3:.1f} ms | {s['simulated_h_per_s']:,.0f} | "
             f"{s['measured_h_per_s']:,.0f} | {s['draw_s'] * 1e3:.1f} ms | "
             f"{s['kernel_s'] * 1e3:.1f} ms | {s['rest_s'] * 1e3:.1f} ms | {s['sl_min']:.1%} - "
             f"{s['sl_max']:.1%} | {s['hw_max']:.3f} |" for s in stat]
    text += ["", "Compile cost (numba `njit(cache=True)` of `multiskill_kernel`, fresh process):",
             "", "| numba cache | import | first call | second call |", "|---|---:|---:|---:|"]
    text += [f"| {k} | {v['import']:.2f} s | {v['first']:.2f} s | {v['second']:.3f} s |"
             for k, v in compile_cost.items()]
    out = "\n".join(text)
    print(out)
    write_section("multiskill-sim", out)


if __name__ == "__main__":
    main()
