"""Benchmark: cost per simulated call of erlang.simulate, per staffing convention.

Workload: one day of 96 15-minute intervals with a peaked call profile (~30,000 calls a day,
AHT 300 s, mean patience 300 s), staffed per interval at the Erlang-C requirement for 80 %
answered in 20 s (~110 agents on average), 20 replications (~600,000 calls).
Three conventions on the same calls (common random numbers): the ``count`` and
``designated`` rules of :func:`erlang.simulate.simulate`, and the agent-level replay of
:func:`erlang.simulate.simulate_agents` on a roster with the same number of agents on duty
in every interval (agent ``j`` is on while the requirement exceeds ``j``).

Before / after: the pure-Python kernel the simulator had before the numba kernels is kept
here (``OLD_KERNEL``, verbatim) as the baseline only; it is swapped into the same pipeline,
and the results are checked identical call by call. Compile cost: a fresh process with an
empty numba cache (as ``make test`` on a clean checkout) and one with the cache warm.

Run: make bench   (or .venv/bin/python bench/bench_simulate.py)
Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import heapq
import math
import os
import platform
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

from _results import compile_times, write_section  # noqa: E402

from erlang import ServiceTarget, _kernels, required_agents  # noqa: E402
from erlang.simulate import _check_duty, _draw_calls, simulate, simulate_agents  # noqa: E402

INTERVAL_MIN = 15
AHT_S = 300.0
PATIENCE_S = 300.0
REPLICATIONS = 20
REPEATS = 5


def OLD_KERNEL(arrival_s, service_s, patience_s, ends_s, cap):  # noqa: N802
    """The simulator's kernel before numba (erlang/simulate.py ``_fcfs_kernel``), verbatim."""
    heap: list[float] = []
    push, pop = heapq.heappush, heapq.heappop
    inf, nan = math.inf, math.nan
    n_int = len(ends_s)
    k = 0
    next_b = ends_s[0] if n_int else inf
    n_on = cap[0]
    floor = -inf
    start = [nan] * len(arrival_s)
    for i, a in enumerate(arrival_s):
        t = a if a > floor else floor
        deadline = a + patience_s[i]
        if t > deadline:
            continue
        if t == inf:
            start[i] = inf
            continue
        while t >= next_b:
            k += 1
            n_on = cap[k]
            next_b = ends_s[k] if k < n_int else inf
        while heap and heap[0] <= t:
            pop(heap)
        answered = True
        while len(heap) >= n_on:
            next_end = heap[0] if heap else inf
            if next_end <= next_b:
                if next_end > deadline:
                    answered = False
                    break
                if next_end == inf:
                    break
                t = next_end
                pop(heap)
            else:
                if next_b > deadline:
                    answered = False
                    break
                t = next_b
                k += 1
                n_on = cap[k]
                next_b = ends_s[k] if k < n_int else inf
        if not answered:
            floor = deadline
            continue
        if len(heap) >= n_on:
            start[i] = inf
            floor = inf
            continue
        start[i] = t
        push(heap, t + service_s[i])
        floor = t
    return start


def old_kernel_as_before(arrival_s, service_s, patience_s, ends_s, cap):
    """The old kernel with the list conversions the old pipeline made around it."""
    return np.array(OLD_KERNEL(arrival_s.tolist(), service_s.tolist(), patience_s.tolist(),
                               ends_s.tolist(), cap.tolist()), dtype=float)


def workload():
    t = np.arange(96)
    calls = 600.0 * (0.15 + np.exp(-(((t - 48) / 20.0) ** 2)))
    load = calls * AHT_S / (INTERVAL_MIN * 60.0)
    agents = np.asarray(required_agents(load, AHT_S, ServiceTarget(sl_target=0.8,
                                                                   sl_threshold_s=20.0)))
    return calls, agents.astype(np.int64)


def roster_from_counts(agents: np.ndarray, interval_s: float) -> pd.DataFrame:
    """Agent j on duty in every interval where the count exceeds j, one period per run of
    such intervals, each period a shift of its own (so every end is an end of shift)."""
    rows = []
    for j in range(int(agents.max())):
        on = np.concatenate(([False], agents > j, [False]))
        starts = np.flatnonzero(on[1:] & ~on[:-1])
        stops = np.flatnonzero(~on[1:] & on[:-1])
        rows += [(j, a * interval_s, b * interval_s) for a, b in zip(starts, stops, strict=True)]
    frame = pd.DataFrame(rows, columns=["agent", "start_s", "end_s"])
    frame["shift"] = np.arange(len(frame))
    return frame


def timed(fn, repeats=REPEATS):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out           # the least disturbed run: the machine is shared


def kernel_seconds(calls, agents, duty):
    """Best-of seconds in the kernels alone over the replications' calls (drawn once)."""
    interval_s = INTERVAL_MIN * 60.0
    aht = np.full(calls.size, AHT_S)
    patience = np.full(calls.size, PATIENCE_S)
    draws = [_draw_calls(np.random.default_rng(child), calls, aht, patience, interval_s)
             for child in np.random.SeedSequence(1).spawn(REPLICATIONS)]
    ends = np.arange(1, calls.size + 1) * interval_s
    cap = np.append(agents, agents[-1]).astype(np.int64)
    ro = _check_duty(duty, calls.size * interval_s)
    runs = {
        "old Python kernel (before)": lambda d: OLD_KERNEL(
            d[2].tolist(), d[3].tolist(), d[4].tolist(), ends.tolist(), cap.tolist()),
        "count": lambda d: _kernels.compiled(_kernels.count_kernel)(d[2], d[3], d[4], ends,
                                                                    cap),
        "count, interpreted (py_func)": lambda d: _kernels.count_kernel(d[2], d[3], d[4], ends,
                                                                        cap),
        "designated": lambda d: _kernels.compiled(_kernels.designated_kernel)(
            d[2], d[3], d[4], ends, cap),
        "agent level": lambda d: _kernels.compiled(_kernels.agent_kernel)(
            d[2], d[3], d[4], ro.start_s, ro.end_s, ro.shift_end, ro.first, ro.stop),
    }
    n_calls = sum(d[2].size for d in draws)
    out = {}
    # the draw's old np.lexsort, replaced by one float sort giving the same bits
    pairs = []
    for child in np.random.SeedSequence(1).spawn(REPLICATIONS):
        rng = np.random.default_rng(child)
        idx = np.repeat(np.arange(calls.size), rng.poisson(calls))
        pairs.append((idx, rng.random(idx.size)))
    for name, sort in (("draw: np.lexsort (before)", lambda i, u: (i + u[np.lexsort((u, i))])),
                       ("draw: one float sort (now)", lambda i, u: np.sort(i + u))):
        out[name] = timed(lambda sort=sort: [sort(i, u) for i, u in pairs])[0]
    assert all(np.array_equal(i + u[np.lexsort((u, i))], np.sort(i + u)) for i, u in pairs)
    for name, run in runs.items():
        run(draws[0])                                   # compile / load
        repeats = 1 if "Python" in name or "py_func" in name else REPEATS
        out[name] = timed(lambda run=run: [run(d) for d in draws], repeats)[0]
    return out, n_calls


FRESH = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    sys.path.insert(0, sys.argv[1])
    from erlang.simulate import simulate, simulate_agents
    out = {"import": time.perf_counter() - t0}
    args = ([40.0, 80.0, 60.0], 300.0, [5, 9, 7], 15.0)
    for rule in ("count", "designated"):
        t = time.perf_counter()
        simulate(*args, replications=2, staffing_rule=rule, patience_s=300.0)
        out[rule] = time.perf_counter() - t
    duty = {"agent": [0, 1], "start_s": [0.0, 0.0], "end_s": [2700.0, 1800.0]}
    t = time.perf_counter()
    simulate_agents(args[0], 300.0, duty, 15.0, replications=2, patience_s=300.0)
    out["agent level"] = time.perf_counter() - t
    print(json.dumps(out))
""")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, numba {numba.__version__}, {platform.system()}")


def main():
    calls, agents = workload()
    interval_s = INTERVAL_MIN * 60.0
    duty = roster_from_counts(agents, interval_s)
    kw = dict(sl_threshold_s=20.0, patience_s=PATIENCE_S, seed=1, replications=REPLICATIONS)

    modes = {
        "count": lambda: simulate(calls, AHT_S, agents, INTERVAL_MIN, **kw),
        "designated": lambda: simulate(calls, AHT_S, agents, INTERVAL_MIN,
                                       staffing_rule="designated", **kw),
        "agent level": lambda: simulate_agents(calls, AHT_S, duty, INTERVAL_MIN, **kw),
    }
    results = {}
    for name, run in modes.items():
        run()                                           # compile / load the kernel
        results[name] = timed(run)
    n_calls = float(results["count"][1].replications["offered"].sum())

    # before: the old kernel in the same pipeline; identical call by call
    new_calls = simulate(calls, AHT_S, agents, INTERVAL_MIN, keep_calls=True, **kw).calls
    saved = _kernels._COMPILED.get("count_kernel")
    _kernels._COMPILED["count_kernel"] = old_kernel_as_before
    try:
        before = timed(modes["count"], 1)
        old_calls = simulate(calls, AHT_S, agents, INTERVAL_MIN, keep_calls=True, **kw).calls
    finally:
        _kernels._COMPILED["count_kernel"] = saved
    pd.testing.assert_frame_equal(old_calls, new_calls)
    identical = len(new_calls)

    kernels, k_calls = kernel_seconds(calls, agents, duty)
    fresh = compile_times(FRESH, str(ROOT))

    def per_m(seconds, n):
        return seconds / n * 1e6

    rows = [("count, old pure-Python kernel (before) in this pipeline", before[0])]
    rows += [(name, results[name][0]) for name in modes]
    table = ["| mode | wall time, 20 days | s per million calls | us per call |",
             "|---|---:|---:|---:|"]
    for name, sec in rows:
        table.append(f"| {name} | {sec:.3f} s | {per_m(sec, n_calls):.2f} | "
                     f"{per_m(sec, n_calls):.3f} |")
    ktable = ["| kernel alone (and the arrival sort) | s per million calls |", "|---|---:|"]
    for name, sec in kernels.items():
        ktable.append(f"| {name} | {per_m(sec, k_calls):.3f} |")
    ftable = ["| fresh process | import erlang.simulate | first count run | first designated "
              "run | first agent-level run |", "|---|---:|---:|---:|---:|"]
    for label, d in fresh.items():
        ftable.append(f"| {label} | {d['import']:.2f} s | {d['count']:.2f} s | "
                      f"{d['designated']:.2f} s | {d['agent level']:.2f} s |")
    service = ["| mode | service level (95 % CI) | P(abandon) | overtime, agent-hours a day "
               "| breaks lost, agent-hours a day |", "|---|---:|---:|---:|---:|"]
    for name in modes:
        s = results[name][1].summary.iloc[0]
        lost = f"{s['break_lost_s'] / 3600:.2f}" if "break_lost_s" in s else "-"
        service.append(f"| {name} | {s['service_level']:.2%} ({s['service_level_lo']:.2%} - "
                       f"{s['service_level_hi']:.2%}) | {s['p_abandon']:.2%} | "
                       f"{s['overtime_s'] / 3600:.2f} | {lost} |")

    week_m = 7 * calls.sum() * 200 / 1e6
    text = "\n".join([
        "## Simulation cost per call (bench/bench_simulate.py)",
        "",
        f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end of the run "
        "(the machine is shared: timings vary by up to ~1.5x between runs). One day of 96 "
        f"15-minute intervals, {calls.sum():,.0f} calls a "
        f"day expected (AHT {AHT_S:.0f} s, mean patience {PATIENCE_S:.0f} s), staffed at the "
        f"Erlang-C requirement for 80/20 ({agents.min()}-{agents.max()} agents, mean "
        f"{agents.mean():.0f}); {REPLICATIONS} replications = {n_calls:,.0f} simulated calls, "
        f"same calls in every mode. Wall time of the whole `simulate` / `simulate_agents` "
        f"call (draws, kernel, per-interval totals, frames), best of {REPEATS}, kernels "
        "already compiled:",
        "",
        *table,
        "",
        f"The old kernel in the same pipeline gives the same {identical:,} calls, identical "
        "call by call (the old pipeline also sorted the arrivals with np.lexsort: see the "
        "'draw' rows below for what that added). Time in the kernels alone (the rest of the "
        "count run, "
        f"{per_m(results['count'][0], n_calls) - per_m(kernels['count'], k_calls):.2f} s per "
        "million calls, is numpy: drawing the calls, the per-interval totals, the frames):",
        "",
        *ktable,
        "",
        "Compile cost (numba `njit(cache=True)`, compiled on first use; a new process with "
        "an empty cache, as `make test` on a clean checkout pays once per test process, then "
        "the same with the cache written):",
        "",
        *ftable,
        "",
        "What the three conventions give on this day (same calls):",
        "",
        *service,
        "",
        "Cost of a run: seconds = simulated calls x (s per million calls) / 10^6, e.g. "
        f"200 days of a week at 1x the volume above (7 x {calls.sum():,.0f} x 200 = "
        f"{week_m:.0f} M calls) take about "
        f"{week_m * per_m(results['count'][0], n_calls):.0f} s (count), "
        f"{week_m * per_m(results['designated'][0], n_calls):.0f} s (designated), "
        f"{week_m * per_m(results['agent level'][0], n_calls):.0f} s (agent level) on one "
        f"core, against {week_m * per_m(before[0], n_calls):.0f} s with the old kernel.",
    ])
    print(text)
    write_section("simulate", text)


if __name__ == "__main__":
    main()
