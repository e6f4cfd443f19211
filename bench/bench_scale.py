"""Benchmark: many queues, many cores, a cluster (issue 15).

Side by side in one run, on synthetic 15-minute multi-queue histories (``forecast.synthetic.
poisson_history``; even queues open 7 days 08-22 with a lower weekend, odd queues business
hours Mon-Fri 08-18; 200-900 calls a day, AHT 240-290 s):

1. scaling: ``run_forecast`` of 10, 30 and 100 queues x 8 weeks in one process (300 and 1,000 with
   ``--full``), time per queue and the exponent b of wall = a x queues^b (least squares on
   the logs; b = 1 is linear);
2. workers: the 100-queue forecast in 1 process, 2 processes and a Dask ``LocalCluster`` (2
   worker processes, 1 thread each, on the loopback): wall time, speed-up, and the SHA-256 of
   the written forecast CSV (byte identity); the peak resident memory of one worker process
   (``resource.getrusage(RUSAGE_CHILDREN)``: the largest child that ended) and of the parent;
3. staffing: ``staff_with_config`` (Erlang C 80/20, MOL) of a 2,000-queue x 1-week forecast in
   1 and 2 processes and on the cluster: wall, speed-up, identity;
4. two years: CPU seconds per queue of ``run_forecast`` with two years of 15-minute history
   (one 7-day and one business-hours queue), and a cProfile of one 24/7 queue
   (``TESTBED['zero_nights_15']``, two years) with its top costs;
5. ``wfm plan`` on 10 queues x 7 days (the command line, ``--workers 2``): under-covered
   intervals, the schedule's gap per planning unit, wall time per queue;
6. an extrapolation (said so) of 2,000 queues x 2 years forecast + staff on 16 cores from
   the measured per-queue cost and the measured 2-worker efficiency;
7. memory (``--memory``, section "scale-memory"): a 5-minute history of 2 years per queue
   written as a Parquet dataset partitioned by queue, one queue at a time (int32 calls,
   float32 AHT; every fourth queue 24/7, the others Mon-Fri 08-18), and ``wfm forecast
   HISTORY --partitioned --freq 15min --workers 2 -o FOLDER`` run on 50 and 200 queues (and
   2,000 with ``--full``): wall, CPU, the exact peak resident memory of the `wfm` parent and
   of the largest worker (VmHWM, read by a wrapper before the pool ends), beside the same
   queues read as one Parquet file without ``--partitioned`` (50 and 200 queues).

The machine is shared (2 cores, other benchmarks running): the load average is recorded
beside every timing, and a speed-up measured while the load is above 1 is marked as such.

Run: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_scale.py [--full] [--quick]
(writes section "scale" of RESULTS.md; ``--quick``: 10/30 queues, for a smoke test);
``--staff``, ``--plan50``, ``--memory`` run sections 3, 5b and 7 alone (``--memory --full``:
with the 2,000-queue run, about 25 minutes on 2 cores); ``--memory-cache``: what one worker
keeps between partitions (``forecast.models._FIT_CACHE``; section "scale-memory-cache", 1
minute).
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# one BLAS thread in this process and in every worker it starts: set before numpy is imported
# (numpy reads it once, at import), so the CPU seconds below are one core's
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast as fc  # noqa: E402
from forecast.synthetic import TESTBED, poisson_history, poisson_rates  # noqa: E402
from wfmcore.parallel import map_ordered, shutdown_pools, start_workers  # noqa: E402
from wfmplan import staffing  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WFM = ROOT / ".venv" / "bin" / "wfm"
if not WFM.exists():            # a git worktree: the shared venv's entry point (PYTHONPATH
    WFM = Path(sys.executable).parent / "wfm"  # set to the worktree picks its code)


def panel(n_queues: int, weeks: int, first: int = 0) -> pd.DataFrame:
    """``n_queues`` 15-minute histories of ``weeks`` weeks (see the module docstring)."""
    parts = []
    for i in range(first, first + n_queues):
        if i % 2 == 0:
            f, _ = poisson_history(weeks, seed=1000 + i, interval_min=15, open_hours=(8, 22),
                                   weekday_level=(1.15, 1.0, 0.97, 0.95, 0.9, 0.55, 0.4),
                                   calls_per_day=300.0 + 35 * (i % 17))
        else:
            f, _ = poisson_history(weeks, seed=1000 + i, interval_min=15, open_hours=(8, 18),
                                   calls_per_day=200.0 + 40 * (i % 13))
        parts.append(f.assign(queue=f"q{i:04d}", aht_s=240.0 + 5 * (i % 11)))
    return pd.concat(parts, ignore_index=True)


def forecast_panel(n_queues: int) -> pd.DataFrame:
    """A one-week 15-minute forecast file of ``n_queues`` queues: the expected calls of the
    panel's rates (no forecasting needed to benchmark staffing)."""
    rows = []
    days = pd.date_range("2024-03-04", periods=7, freq="D")
    for i in range(n_queues):
        seven = i % 2 == 0
        slots, rates = poisson_rates(
            open_hours=(8, 22) if seven else (8, 18), interval_min=15,
            weekday_level=(1.15, 1.0, 0.97, 0.95, 0.9, 0.55, 0.4) if seven else
            (1.2, 1.0, 0.95, 0.95, 0.9, 0.0, 0.0),
            calls_per_day=(300.0 + 35 * (i % 17)) if seven else (200.0 + 40 * (i % 13)))
        for d in days:
            lam = rates[d.weekday()]
            if lam.sum() == 0:
                continue
            rows.append(pd.DataFrame({
                "queue": f"q{i:04d}",
                "interval_start": d + pd.to_timedelta(slots, unit="min"),
                "offered": lam, "aht_s": 240.0 + 5 * (i % 11)}))
    f = pd.concat(rows, ignore_index=True)
    f["interval_start"] = f["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    return f


def load() -> float:
    return os.getloadavg()[0]


def timed(fn):
    """(result, wall seconds, load average at the end)."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, load()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def fit_exponent(sizes, walls) -> float:
    """b of wall = a x n^b by least squares on the logs."""
    return float(np.polyfit(np.log(sizes), np.log(walls), 1)[0])


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_parallel(fn):
    """(result, wall s, load, CPU s of the worker processes, CPU s of this process): the
    kept pool is shut down inside, so its workers' CPU is counted (RUSAGE_CHILDREN counts
    children that ended)."""
    c0, p0 = children_cpu(), time.process_time()
    out, wall, ld = timed(fn)
    shutdown_pools()
    return out, wall, ld, children_cpu() - c0, time.process_time() - p0


def children_peak_mib() -> float:
    """The largest ``ru_maxrss`` of the children that ended, MiB: an upper bound of a spawned
    worker's own peak, which starts at its parent's size when it was started
    (:func:`memory_run` reads each process's VmHWM instead)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def self_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def profile_one_queue() -> tuple[float, str]:
    """(wall s, top costs) of ``run_forecast`` on two years of one 24/7 15-minute queue."""
    fc.run_forecast(fc.read_history(TESTBED["zero_nights_15"](2).frame), horizon="1w")  # warm
    # a different seed from the warm-up: forecast.models keeps fitted state-space models by
    # the content of their data (_FIT_CACHE), and a repeat would skip the search
    hist = fc.read_history(TESTBED["zero_nights_15"](1).frame)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    fc.run_forecast(hist, horizon="1w")
    prof.disable()
    wall = time.perf_counter() - t0
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(r"(forecast|wfmcore)/", 14)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    top = []
    for ln in lines[start + 1:start + 15]:
        parts = ln.split(None, 5)
        if len(parts) == 6:
            where = parts[5].replace(str(ROOT) + "/", "").replace(
                str(Path(np.__file__).parents[1]) + "/", "")
            top.append(f"| {float(parts[1]):.3f} | {float(parts[3]):.3f} | {parts[0]} | "
                       f"`{where[-90:]}` |")
    return wall, "\n".join(top)


def run_plan(n_queues: int, tmp: Path) -> dict:
    """``wfm plan`` of ``n_queues`` queues x 7 days from an 8-week history, as a user runs it."""
    hist = tmp / f"plan{n_queues}.csv"
    panel(n_queues, 8).to_csv(hist, index=False)
    out = tmp / f"plan{n_queues}"
    t0 = time.perf_counter()
    r = subprocess.run([str(WFM), "plan", str(hist), "-o", str(out), "--workers", "2",
                        "--replications", "0"], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    res = {"queues": n_queues, "wall_s": wall, "exit": r.returncode, "load": load(),
           "stderr": r.stderr.strip().splitlines()[-1:] if r.returncode else []}
    summary = out / "plan_summary.json"
    if r.returncode == 0 and summary.exists():
        s = json.loads(summary.read_text())
        res["under"] = s.get("under_covered_intervals")
        res["gap"] = s.get("gap")
        res["status"] = s.get("solver_status")
        res["solve_s"] = s.get("solve_time_s")
        units = s.get("units", [])
        res["units"] = len(units)
        res["max_unit_gap"] = max((u["gap"] or 0.0 for u in units), default=None)
        res["not_within"] = s.get("units_not_within_gap")
    elif r.returncode == 0:
        cov = out / "coverage.csv"
        if cov.exists():
            c = pd.read_csv(cov)
            res["under"] = int((c["under"] > 0).sum()) if "under" in c else None
    return res


def staff_section(staff_n: int, tmp: Path, cluster=None) -> tuple[list[str], float, float]:
    """Section 3: ``staff_with_config`` of ``staff_n`` queues x 1 week in 1 process, in 2
    spawned processes started by the map (cold) and already running (warm: as in ``wfm
    staff``, whose workers start while it reads the file, and ``wfm plan``, whose forecast
    started them), and on the cluster; wall, CPU split, identity. Returns (markdown, serial
    wall s, speed-up estimated from CPU time)."""
    fpath = tmp / "staff_in.csv"
    forecast_panel(staff_n).to_csv(fpath, index=False)
    fin = staffing.read_forecast(fpath)
    ld_start = load()
    c1 = time.process_time()
    req1, ws1, lds1 = timed(lambda: staffing.staff_with_config(fin, workers=1))
    scpu1 = time.process_time() - c1
    req1.frame.to_csv(tmp / "s1.csv", index=False)
    # cold: the map starts its two workers
    req2, ws2, lds2, sccpu2, spcpu2 = timed_parallel(
        lambda: staffing.staff_with_config(fin, workers=2))
    req2.frame.to_csv(tmp / "s2.csv", index=False)
    # warm: the workers started (and their imports done) before the clock starts
    start_workers(2, "wfmplan.staffing")
    map_ordered(abs, [1, 2, 3, 4], workers=2)
    c0, p0 = children_cpu(), time.process_time()
    req3, ws3, lds3 = timed(lambda: staffing.staff_with_config(fin, workers=2))
    pcpu3 = time.process_time() - p0
    shutdown_pools()
    wcpu3 = children_cpu() - c0          # includes the warm-up's start-up (said below)
    req3.frame.to_csv(tmp / "s3.csv", index=False)
    sest2 = scpu1 / max(sccpu2 / 2, spcpu2)
    rows = [f"| 1 process | {ws1:.2f} | 1.00 | {scpu1:.1f} | - | `{sha(tmp / 's1.csv')}` | "
            f"{lds1:.1f} |",
            f"| 2 processes, started by the map (cold) | {ws2:.2f} | {ws1 / ws2:.2f} | "
            f"{spcpu2:.1f} | {sccpu2:.1f} | `{sha(tmp / 's2.csv')}` | {lds2:.1f} |",
            f"| 2 processes, already running (warm) | {ws3:.2f} | {ws1 / ws3:.2f} | "
            f"{pcpu3:.1f} | {wcpu3:.1f} | `{sha(tmp / 's3.csv')}` | {lds3:.1f} |"]
    same = sha(tmp / "s1.csv") == sha(tmp / "s2.csv") == sha(tmp / "s3.csv")
    if cluster is not None:
        reqd, wsd, ldsd = timed(lambda: staffing.staff_with_config(
            fin, scheduler=cluster.scheduler_address))
        reqd.frame.to_csv(tmp / "sd.csv", index=False)
        rows.append(f"| Dask LocalCluster | {wsd:.2f} | {ws1 / wsd:.2f} | | | "
                    f"`{sha(tmp / 'sd.csv')}` | {ldsd:.1f} |")
        same = same and sha(tmp / "s1.csv") == sha(tmp / "sd.csv")
    print(f"staff {staff_n} queues: {ws1:.2f} s / cold {ws2:.2f} s / warm {ws3:.2f} s, "
          f"load {ld_start:.1f}-{load():.1f}")
    n_tasks = len(staffing.task_bounds(np.bincount(staffing.series_codes(fin.frame)[0])))
    md = [f"### 3. Staffing {staff_n:,} queues x 1 week (Erlang C 80/20, MOL; "
          f"{len(fin.frame):,} intervals, {n_tasks} tasks of whole series, at most "
          f"{staffing.ROWS_PER_TASK:,} rows each)", "",
          "| engine | wall s | speed-up | CPU s parent | CPU s workers | SHA-256 of "
          "requirements (16 hex) | load |", "|---|---|---|---|---|---|---|", *rows, "",
          f"Byte-identical: **{'yes' if same else 'NO'}**; {1000 * ws1 / staff_n:.2f} ms per "
          f"queue in one process. Load average {ld_start:.1f} at the start of this section "
          "(2 cores). The workers' CPU includes their start-up (spawn, imports: about a "
          "second each on a quiet machine; for the warm row, the warm-up before the clock). "
          f"Speed-up estimated from CPU time for an idle machine (serial CPU / max(worker "
          f"CPU / 2, parent CPU), cold): **{sest2:.2f}x** (an estimate, not a measured wall "
          "time).", ""]
    return md, ws1, sest2


def staff_exponent(sizes=(10, 30, 100, 300, 1000)) -> list[str]:
    """Staffing time per queue in one process from 10 to 1,000 queues: CPU s and the
    exponent b of CPU = a x queues^b."""
    staffing.staff_with_config(staffing.read_forecast(forecast_panel(3)), workers=1)  # warm
    cpus, rows = {}, []
    for n in sizes:
        fin = staffing.read_forecast(forecast_panel(n))
        c0 = time.process_time()
        _, wall, ld = timed(lambda f=fin: staffing.staff_with_config(f, workers=1))
        cpus[n] = time.process_time() - c0
        rows.append(f"| {n} | {len(fin.frame):,} | {wall:.2f} | {cpus[n]:.2f} | "
                    f"{1000 * cpus[n] / n:.2f} | {ld:.1f} |")
        print(f"staff {n} queues: CPU {cpus[n]:.2f} s, load {ld:.1f}")
    b = fit_exponent(list(cpus), list(cpus.values()))
    return ["### 3b. Staffing time per queue (one process, 1 week of 15-minute intervals)", "",
            "| queues | intervals | wall s | CPU s | CPU ms per queue | load |",
            "|---|---|---|---|---|---|", *rows, "",
            f"Fitted exponent over {', '.join(map(str, sizes))} queues: **b = {b:.3f} on CPU "
            "time** (goal <= 1.05).", ""]


def plan_panel(n_queues: int, weeks: int) -> pd.DataFrame:
    """``n_queues`` 15-minute histories for ``wfm plan``: even queues open 24/7 (a quieter
    night and weekend), odd queues business hours Mon-Fri 08-18."""
    parts = []
    for i in range(n_queues):
        if i % 2 == 0:
            f, _ = poisson_history(weeks, seed=3000 + i, interval_min=15, open_hours=(0, 24),
                                   weekday_level=(1.1, 1.0, 1.0, 0.95, 0.9, 0.6, 0.5),
                                   calls_per_day=500.0 + 40 * (i % 13))
        else:
            f, _ = poisson_history(weeks, seed=3000 + i, interval_min=15, open_hours=(8, 18),
                                   calls_per_day=250.0 + 40 * (i % 11))
        parts.append(f.assign(queue=f"q{i:03d}", aht_s=240.0 + 5 * (i % 11)))
    return pd.concat(parts, ignore_index=True)


def plan50_section(tmp: Path, n_queues: int = 50) -> list[str]:
    """``wfm plan`` of ``n_queues`` queues x 7 days (24/7 and business hours), as a user
    runs it: per-unit gaps and under-coverage from plan_summary.json's ``units``."""
    hist = tmp / f"plan_mix{n_queues}.csv"
    plan_panel(n_queues, 8).to_csv(hist, index=False)
    out = tmp / f"plan_mix{n_queues}"
    ld0 = load()
    c0 = children_cpu()
    t0 = time.perf_counter()
    r = subprocess.run([str(WFM), "plan", str(hist), "-o", str(out), "--workers", "2",
                        "--replications", "0"], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - c0
    print(f"plan {n_queues} queues: exit {r.returncode}, {wall:.0f} s")
    head = (f"### 5b. `wfm plan` on {n_queues} queues x 7 days, half 24/7 and half business "
            "hours (8 weeks of 15-minute history, `--workers 2`, no simulation)")
    if r.returncode != 0 or not (out / "plan_summary.json").exists():
        return [head, "", f"Failed (exit {r.returncode}): "
                f"{' '.join(r.stderr.strip().splitlines()[-1:])}", ""]
    s = json.loads((out / "plan_summary.json").read_text())
    units = pd.DataFrame(s["units"])
    units["kind"] = np.where(units["queue"].str[1:].astype(int) % 2 == 0, "24/7",
                             "business hours")
    rows = []
    for kind, u in units.groupby("kind"):
        ok = u["status"].eq("optimal") | u["status"].str.startswith("within gap")
        worst = u.loc[u["gap"].idxmax()]
        rows.append(f"| {kind} | {len(u)} | {int(ok.sum())} | {100 * u['gap'].max():.2f} % "
                    f"({worst['queue']} {worst.get('date', worst.get('week_start'))}) | "
                    f"{100 * u['gap'].mean():.3f} % | "
                    f"{int(u['under_covered_intervals'].sum())} | "
                    f"{int((u['under_covered_intervals'] > 0).sum())} | "
                    f"{u['solve_time_s'].sum():.0f} | {u['solve_time_s'].max():.1f} |")
    return [head, "",
            "| queues | units (queue x day, or week with tours) | within the gap (proven) | largest gap (unit) | "
            "mean gap | under-covered intervals | units with any | solve s (sum) | "
            "solve s (slowest unit) |", "|---|---|---|---|---|---|---|---|---|", *rows, "",
            f"Overall: status '{s['solver_status'][:120]}', gap {100 * s['gap']:.3f} %, "
            f"{s['under_covered_intervals']} under-covered intervals, "
            f"units_not_within_gap {s['units_not_within_gap']}; **wall {wall:.0f} s, "
            f"{wall / n_queues:.1f} s per queue** (the 10-queue plan of section 5: "
            "see there), CPU of the command and its workers "
            f"{cpu:.0f} s; load average {ld0:.1f} at the start, {load():.1f} at the end "
            "(2 cores shared). Per-unit figures: `plan_summary.json` key `units`.", ""]


# --- memory: a partitioned 5-minute history of many queues (issue 15) --------------------------

#: `wfm ARGS` run in a subprocess by :func:`memory_run` (the argv after the JSON path is the
#: command's), as the `wfm` entry point runs it (``cli.main``). When the command is done, the
#: worker processes are still alive (the pool is kept until exit) and idle: the high-water
#: mark of each (VmHWM in /proc/PID/status, the peak resident set since its exec) and of this
#: process (the `wfm` parent) are exact peaks, read before the pool is shut down. getrusage's
#: ru_maxrss is written too but not used: a spawned child's ru_maxrss starts from the RSS
#: its parent had when it forked (Linux keeps the larger of the pre-exec and the new
#: address space), so RUSAGE_CHILDREN reports at least the parent's size at spawn time, and
#: RUSAGE_SELF likewise starts from the benchmark's own size.
MEASURED_WFM = r"""
import json, resource, sys
from pathlib import Path
out, sys.argv = sys.argv[1], ["wfm", *sys.argv[2:]]


def hwm_mib(pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_hwms():
    kids = [int(c) for t in Path("/proc/self/task").iterdir()
            for c in (t / "children").read_text().split()]
    return [hwm_mib(k) for k in kids
            if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()]


from cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
finally:
    workers, parent = worker_hwms(), hwm_mib()
    from wfmcore.parallel import shutdown_pools
    shutdown_pools()
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"exit": code, "parent_mib": parent, "worker_mibs": workers,
                   "worker_mib": max(workers, default=0.0),
                   "parent_cpu_s": me.ru_utime + me.ru_stime,
                   "worker_cpu_s": kids.ru_utime + kids.ru_stime,
                   "ru_maxrss_self_mib": me.ru_maxrss / 1024,
                   "ru_maxrss_children_mib": kids.ru_maxrss / 1024}, f)
sys.exit(code)
"""


def memory_queue(i: int, weeks: int = 104):
    """Queue ``i``'s 5-minute history as an Arrow table (interval_start timestamp[us],
    offered int32, aht_s float32): every fourth queue open 24/7 (lower weekend, 1,500-2,700
    calls a day, 209,664 rows in two years), the others Mon-Fri 08-18 (600-1,200 calls a
    day, 62,400 rows); seeds 5000 + i."""
    import pyarrow as pa

    if i % 4 == 0:
        f, _ = poisson_history(weeks, seed=5000 + i, interval_min=5, open_hours=(0, 24),
                               weekday_level=(1.1, 1.0, 1.0, 0.95, 0.9, 0.6, 0.5),
                               calls_per_day=1500.0 + 100 * (i % 13))
    else:
        f, _ = poisson_history(weeks, seed=5000 + i, interval_min=5, open_hours=(8, 18),
                               calls_per_day=600.0 + 60 * (i % 11))
    return pa.table({"interval_start": pa.array(f["interval_start"].to_numpy()),
                     "offered": pa.array(f["offered"].to_numpy().astype(np.int32)),
                     "aht_s": pa.array(np.full(len(f), 240.0 + 5 * (i % 11), np.float32))})


def write_memory_dataset(root: Path, n_queues: int) -> dict:
    """Queues 0..n-1 (:func:`memory_queue`) as a hive dataset ``root/queue=qNNNN/part.parquet``,
    one queue generated, written and freed at a time. Returns rows, bytes, seconds."""
    import pyarrow.parquet as pq

    t0, rows = time.perf_counter(), 0
    for i in range(n_queues):
        table = memory_queue(i)
        folder = root / f"queue=q{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part.parquet")
        rows += table.num_rows
        del table
    return {"rows": rows, "bytes": sum(p.stat().st_size for p in root.rglob("*.parquet")),
            "gen_s": time.perf_counter() - t0}


def subset_dataset(full: Path, root: Path, n_queues: int) -> Path:
    """A dataset of the first ``n_queues`` partitions of ``full`` (symbolic links)."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n_queues):
        (root / f"queue=q{i:04d}").symlink_to(full / f"queue=q{i:04d}")
    return root


def write_memory_file(path: Path, n_queues: int) -> dict:
    """The same queues as one Parquet file with a ``queue`` column (string), written one row
    group per queue (streaming too). Returns rows, bytes, seconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0, rows, writer = time.perf_counter(), 0, None
    try:
        for i in range(n_queues):
            t = memory_queue(i)
            t = t.add_column(0, "queue", pa.array([f"q{i:04d}"] * t.num_rows, pa.string()))
            writer = writer or pq.ParquetWriter(path, t.schema)
            writer.write_table(t)
            rows += t.num_rows
    finally:
        if writer is not None:
            writer.close()
    return {"rows": rows, "bytes": path.stat().st_size, "gen_s": time.perf_counter() - t0}


def _proc_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _status_kib(pid: int, fields=("VmRSS", "VmHWM")) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: int(v.split()[0]) for k, _, v in (ln.partition(":") for ln in lines)
            if k in fields}


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def memory_run(args: list[str], label: str, period_s: float = 0.5) -> dict:
    """``wfm ARGS`` in a subprocess (:data:`MEASURED_WFM`): exit code, wall s, CPU s of the
    parent and of its workers, the parent's and the largest worker's peak resident memory
    (VmHWM read by the wrapper, exact), and, sampled every ``period_s`` from /proc: the
    peak of the summed RSS of the process tree (parent + workers + resource tracker: what
    the machine must hold at once; a sample, so a lower bound) and the parent's and the
    largest worker's VmHWM at 10, 50 and 90 % of the run (growth while tasks go by)."""
    import threading

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
        stats_path = Path(tf.name)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ld0, c0 = load(), children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", MEASURED_WFM, str(stats_path), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    samples = []                              # (t, summed RSS, parent HWM, max worker HWM)

    def watch():
        while proc.poll() is None:
            pids = _proc_tree(proc.pid)
            st = {p: _status_kib(p) for p in pids}
            samples.append((time.perf_counter() - t0,
                            sum(s.get("VmRSS", 0) for s in st.values()),
                            st[proc.pid].get("VmHWM", 0),
                            max((s.get("VmHWM", 0) for p, s in st.items()
                                 if p != proc.pid and _is_worker(p)), default=0)))
            time.sleep(period_s)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    watcher.join()
    res = {"label": label, "wall_s": wall, "cpu_s": children_cpu() - c0, "load0": ld0,
           "load": load(), "exit": proc.returncode,
           "stderr": err.strip().splitlines()[-1:] if proc.returncode else []}
    if stats_path.exists() and stats_path.stat().st_size:
        res.update(json.loads(stats_path.read_text()))
    stats_path.unlink(missing_ok=True)
    if samples:
        res["tree_mib"] = max(s[1] for s in samples) / 1024

        def at(share):
            s = min(samples, key=lambda s: abs(s[0] - share * wall))
            return s[2] / 1024, s[3] / 1024
        for share in (10, 50, 90):
            res[f"parent_hwm_{share}"], res[f"worker_hwm_{share}"] = at(share / 100)
    print(f"{label}: exit {proc.returncode}, {wall:.0f} s, parent "
          f"{res.get('parent_mib', 0):,.0f} MiB, worker {res.get('worker_mib', 0):,.0f} MiB, "
          f"tree {res.get('tree_mib', 0):,.0f} MiB, load {res['load']:.1f}")
    return res


def _forecast_args(history: Path, out: Path, partitioned: bool) -> list[str]:
    return ["forecast", str(history), *(["--partitioned"] if partitioned else []),
            "--freq", "15min", "--workers", "2", "-o", str(out)]


def same_forecast(dataset_out: Path, csv_out: Path) -> bool:
    """The partitioned run's forecast dataset holds the same rows as the one-file run's
    CSV (values as written, in queue and time order)."""
    a = pd.read_parquet(dataset_out)
    a["queue"] = a["queue"].astype(str)
    b = pd.read_csv(csv_out, dtype={"queue": str})
    cols = sorted(b.columns)
    if sorted(a.columns) != cols:
        return False
    a, b = (x[cols].sort_values(["queue", "interval_start"]).reset_index(drop=True)
            for x in (a, b))
    return a.astype(str).equals(b.astype(str))


def memory_section(tmp: Path, sizes=(50, 200), file_sizes=(50, 200), full_n: int | None = None
                   ) -> list[str]:
    """Memory of `wfm forecast --partitioned` on a partitioned 5-minute history of 2 years
    (:func:`write_memory_dataset`) for each of ``sizes`` queues (and ``full_n`` with
    ``--full``), beside the same queues read as one Parquet file without ``--partitioned``
    (``file_sizes``): wall, CPU, peaks of the parent and the largest worker."""
    ld_start = load()
    biggest = max([*sizes, *file_sizes, full_n or 0])
    data = tmp / "history"
    gen = write_memory_dataset(data, biggest)
    print(f"generated {biggest} queues: {gen['rows']:,} rows, {gen['bytes'] / 2**20:,.0f} MiB, "
          f"{gen['gen_s']:.0f} s")
    n24, n_bh = memory_queue(0).num_rows, memory_queue(1).num_rows

    def rows(n):                                  # rows of the first n queues
        return n24 * len(range(0, n, 4)) + n_bh * (n - len(range(0, n, 4)))
    # one partition (a 24/7 queue), for the estimate and to warm the disk cache and numba's
    one = memory_run(_forecast_args(subset_dataset(data, tmp / "d1", 1), tmp / "f1", True),
                     "partitioned 1 queue")
    results, identical = [], {}
    for n in sizes:
        ds = data if n == biggest else subset_dataset(data, tmp / f"d{n}", n)
        r = memory_run(_forecast_args(ds, tmp / f"f{n}", True), f"partitioned {n}")
        results.append({**r, "path": "partitioned (`--partitioned`)", "queues": n,
                        "rows": rows(n), "bytes": sum(p.stat().st_size for p in
                                                      ds.glob("queue=*/part.parquet"))})
        if n in file_sizes:
            f = tmp / f"one{n}.parquet"
            g = write_memory_file(f, n)
            r = memory_run(_forecast_args(f, tmp / f"one{n}.csv", False), f"one file {n}")
            results.append({**r, "path": "one Parquet file", "queues": n, "rows": g["rows"],
                            "bytes": g["bytes"]})
            identical[n] = (r["exit"] == 0 and results[-2]["exit"] == 0
                            and same_forecast(tmp / f"f{n}", tmp / f"one{n}.csv"))
            f.unlink()
    estimate = None
    if full_n:
        part = [r for r in results if r["path"].startswith("partitioned")]
        per_q = part[-1]["wall_s"] / part[-1]["queues"]
        estimate = per_q * full_n
        print(f"partitioned {full_n}: about {estimate / 60:.0f} minutes expected")
        r = memory_run(_forecast_args(data, tmp / f"f{full_n}", True),
                       f"partitioned {full_n}", period_s=2.0)
        results.append({**r, "path": "partitioned (`--partitioned`)", "queues": full_n,
                        "rows": gen["rows"], "bytes": gen["bytes"]})

    def mib(r, key):
        return f"{r[key]:,.0f}" if key in r else "n/a"
    table = []
    for r in results:
        table.append(
            f"| {r['path']} | {r['queues']:,} | {r['rows'] / 1e6:,.1f} M | "
            f"{r['bytes'] / 2**20:,.0f} | "
            + (f"{r['wall_s']:,.0f} | {r['cpu_s']:,.0f} | {r['wall_s'] / r['queues']:.2f} | "
               if r["exit"] == 0 else f"failed (exit {r['exit']}: "
               f"{' '.join(r['stderr'])[:100]}) | | | ")
            + f"{mib(r, 'parent_mib')} | {mib(r, 'worker_mib')} | {mib(r, 'tree_mib')} | "
            f"{r['load0']:.1f} / {r['load']:.1f} |")
    part = [r for r in results if r["path"].startswith("partitioned") and r["exit"] == 0]
    ones = [r for r in results if r["path"] == "one Parquet file" and r["exit"] == 0]
    md = ["### Memory of a partitioned 5-minute history, 2 years per queue", "",
          f"Dataset: {biggest:,} queues x 104 weeks at 5 minutes "
          f"(`bench_scale.memory_queue`: every fourth queue 24/7, 209,664 rows; the others "
          f"Mon-Fri 08-18, 62,400 rows), hive layout `queue=qNNNN/part.parquet` with "
          f"interval_start timestamp[us], offered int32, aht_s float32 (snappy): "
          f"**{gen['rows']:,} rows, {gen['bytes'] / 2**20:,.0f} MiB on disk, generated in "
          f"{gen['gen_s']:.0f} s** one queue at a time (never the whole panel in memory). "
          "Smaller datasets are the first N partitions (symbolic links); the one-file "
          "baseline holds the same queues in one Parquet file (one row group per queue, a "
          "`queue` string column). Command: `wfm forecast HISTORY [--partitioned] --freq 15min "
          "--workers 2 -o OUT` (OUT a folder for the partitioned runs: the forecast written "
          "partitioned too; a CSV for the one-file runs).", "",
          "| path | queues | history rows | MiB on disk | wall s | CPU s (parent + workers) | "
          "wall s per queue | parent peak MiB | largest worker peak MiB | process tree RSS "
          "peak MiB (sampled) | load start / end |",
          "|---|---|---|---|---|---|---|---|---|---|---|", *table, ""]
    how = ("How the memory is measured (every peak measured, none estimated): the command "
           "runs in a subprocess as the `wfm` entry point runs it (`cli.main`, wrapped by "
           "`bench_scale.MEASURED_WFM`). When the command is done, its worker processes are "
           "still alive and idle (the pool is kept until exit), and the wrapper reads the "
           "high-water mark VmHWM of each worker and of the parent from /proc/PID/status: "
           "**parent peak** and **largest worker peak** are those, exact. getrusage is not "
           "used for them: a spawned child's ru_maxrss starts from the resident size its "
           "parent had when it forked (Linux keeps the larger of the address space before "
           "and after exec), so RUSAGE_CHILDREN reports at least the parent's size at spawn "
           "time (measured here: "
           + ", ".join(f"{r['label']} {r['ru_maxrss_children_mib']:,.0f} MiB against "
                       f"VmHWM {r['worker_mib']:,.0f}" for r in results
                       if "ru_maxrss_children_mib" in r and r["path"] == "one Parquet file")
           + "), and seen from the benchmark it is the largest of the parent and its workers. "
           "The process tree column is the largest sum of VmRSS over the parent and all its "
           "descendants (workers, the resource tracker), read from /proc every 0.5 s (2 s "
           "for the largest run): what the machine holds at once; a sample, so a lower "
           "bound.")
    md += [how, ""]
    notes = []
    if one["exit"] == 0:
        notes.append(f"One partition (a 24/7 queue) alone: {one['wall_s']:.1f} s wall "
                     f"(interpreter and worker start-up included), parent "
                     f"{one['parent_mib']:,.0f} MiB (one task: the map runs it in the parent, no "
                     "worker is started).")
    if identical:
        notes.append("Forecasts of the partitioned and the one-file runs identical (same "
                     "rows and values as written): " + ", ".join(
                         f"{n} queues **{'yes' if ok else 'NO'}**" for n, ok in
                         identical.items()) + ".")
    if len(part) >= 2:
        a, b = part[0], part[-1]
        per_queue_kib = (b["parent_mib"] - a["parent_mib"]) / (b["queues"] - a["queues"]) * 1024
        worker_peaks = " -> ".join(f"{r['worker_mib']:,.0f}" for r in part)
        part_sizes = ", ".join(f"{r['queues']:,}" for r in part)
        notes.append(
            f"Partitioned, {a['queues']:,} -> {b['queues']:,} queues ({a['rows'] / 1e6:.1f} M "
            f"-> {b['rows'] / 1e6:.1f} M rows, x{b['rows'] / a['rows']:.0f}): parent peak "
            f"{a['parent_mib']:,.0f} -> {b['parent_mib']:,.0f} MiB (+{per_queue_kib:,.0f} KiB "
            "per queue: the parent holds the forecasts, horizon-sized); largest worker "
            f"{worker_peaks} MiB over {part_sizes} "
            "queues (one queue's history at a time, plus the fitted models the worker keeps: "
            f"section scale-memory-cache). In the {b['queues']:,}-queue run the parent's "
            f"high-water mark was {b.get('parent_hwm_10', 0):,.0f}, "
            f"{b.get('parent_hwm_50', 0):,.0f} and {b.get('parent_hwm_90', 0):,.0f} MiB at 10, "
            f"50 and 90 % of the wall time (sampled), {b['parent_mib']:,.0f} at the end; the "
            f"largest worker's {b.get('worker_hwm_10', 0):,.0f}, "
            f"{b.get('worker_hwm_50', 0):,.0f} and {b.get('worker_hwm_90', 0):,.0f} MiB, "
            f"{b['worker_mib']:,.0f} at the end.")
    if len(ones) >= 2:
        a, b = ones[0], ones[-1]
        slope = (b["parent_mib"] - a["parent_mib"]) / (b["rows"] - a["rows"])   # MiB a row
        at_full = b["parent_mib"] + slope * (rows(2000) - b["rows"])
        notes.append(
            f"One file, {a['queues']} -> {b['queues']} queues: parent peak "
            f"{a['parent_mib']:,.0f} -> {b['parent_mib']:,.0f} MiB ({slope * 2**20:,.0f} "
            "bytes per history row, the measured slope); **extrapolated (not measured)** "
            f"linearly to 2,000 queues ({rows(2000) / 1e6:,.0f} M rows): about "
            f"{at_full / 1024:,.1f} GiB for the parent "
            "alone, against the machine's 23 GiB.")
    if estimate is not None:
        notes.append(f"The {full_n:,}-queue run was expected to take {estimate / 60:.0f} "
                     f"minutes (the {part[-2]['queues'] if len(part) > 1 else ''}-queue run's "
                     "wall per queue) before it started.")
    md += [" ".join(notes), "",
           f"Python {platform.python_version()}, {os.cpu_count()} cores, "
           f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; load "
           f"average {ld_start:.1f} at the start of the section, {load():.1f} at the end. "
           "Every number above is one run, measured, except where it says extrapolated.", ""]
    shutil.rmtree(tmp, ignore_errors=True)       # the dataset (1.6 GB at 2,000 queues)
    return md



def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


#: The same measurement before the fit cache was scoped to one series (kept with the table).
CACHE_BEFORE = ("Before (entries kept across series, at most 257): 386 -> 795 MiB over the "
                "80 partitions as the cache filled (4 entries a queue, full after 64 queues), "
                "429 MiB once cleared and trimmed, so the cache held about 366 MiB; it is why "
                "the largest worker of the partitioned runs of section scale-memory grew from "
                "580 to 835 MiB between 50 and 200 queues and hardly to 2,000.")


def worker_cache_section(tmp: Path, n_queues: int = 80,
                         report=(1, 4, 8, 16, 32, 48, 64, 72, 80)) -> list[str]:
    """What a pool worker of `wfm forecast --partitioned` holds as the partitions go by: this
    process runs the worker's task (``forecast.pipeline._partition_forecast``) on
    ``n_queues`` partitions (:func:`memory_queue`) one after another and records its
    resident memory (VmRSS, after a gc) and the entries of ``forecast.models._FIT_CACHE``
    (fitted day-level state-space models kept by the content of their data, at most 257);
    then the cache cleared, and ``malloc_trim`` (the freed memory given back)."""
    import ctypes
    import gc

    from forecast import models
    from forecast.pipeline import ForecastOptions, _partition_forecast

    data = tmp / "cache_history"
    write_memory_dataset(data, n_queues)
    opts = ForecastOptions(horizon="1w", freq="15min")
    models._FIT_CACHE.clear()
    gc.collect()
    ld0, rss0, rows = load(), _rss_mib(), []
    for k in range(n_queues):
        _partition_forecast((str(data / f"queue=q{k:04d}"), opts, None))
        if k + 1 in report:
            gc.collect()
            rows.append(f"| {k + 1} | {len(models._FIT_CACHE)} | {_rss_mib():,.0f} |")
    full = _rss_mib()
    models._FIT_CACHE.clear()
    gc.collect()
    cleared = _rss_mib()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    trimmed = _rss_mib()
    shutil.rmtree(data, ignore_errors=True)
    print(f"worker cache: {rss0:.0f} -> {full:.0f} MiB, cleared {cleared:.0f}, trimmed "
          f"{trimmed:.0f}")
    return ["### What a worker keeps between partitions", "",
            f"One process running the worker's task (`_partition_forecast`) on {n_queues} "
            "partitions of the memory dataset in turn (every fourth queue 24/7, 2 years at "
            f"5 minutes, `--freq 15min`); {rss0:,.0f} MiB resident before the first:", "",
            "| partitions forecast | `_FIT_CACHE` entries | resident MiB (VmRSS) |",
            "|---|---|---|", *rows, "",
            f"Cache cleared after the last: {cleared:,.0f} MiB resident; after "
            f"`malloc_trim(0)`: **{trimmed:,.0f} MiB**, so the cache held about "
            f"{full - trimmed:,.0f} MiB. Its entries are keyed by the bytes of each fit's "
            "data, so a partition never hits another partition's entries: since "
            "`forecast.models.fit_cache_scope` each series drops the entries of the one "
            f"before. {CACHE_BEFORE} Load average {ld0:.1f} at the start, {load():.1f} at "
            "the end.", ""]

def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return 0
    quick, full = "--quick" in argv, "--full" in argv
    if any(f in argv for f in ("--staff", "--plan50", "--memory", "--memory-cache")):
        # the parts this session added, each its own RESULTS.md section (run alone when the
        # machine is quiet; the full run is long)
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        from _results import write_section
        tmp = Path(tempfile.mkdtemp(prefix="bench_scale_"))
        if "--staff" in argv:
            md, _, _ = staff_section(200 if quick else 2000, tmp)
            md += staff_exponent((10, 30) if quick else (10, 30, 100, 300, 1000))
            write_section("scale-staff", "\n".join(
                ["## Staffing many queues (`bench/bench_scale.py --staff`)", "", *md]))
            print("\n".join(md))
        if "--plan50" in argv:
            md = plan50_section(tmp, 10 if quick else 50)
            write_section("scale-plan50", "\n".join(
                ["## `wfm plan` on many queues (`bench/bench_scale.py --plan50`)", "", *md]))
            print("\n".join(md))
        if "--memory" in argv:
            md = memory_section(tmp, (10, 30) if quick else (50, 200),
                                (10, 30) if quick else (50, 200),
                                full_n=2000 if full else None)
            cmd = "--memory" + (" --full" if full else " --quick" if quick else "")
            write_section("scale-memory", "\n".join(
                [f"## Memory of `wfm forecast --partitioned` (`bench/bench_scale.py {cmd}`)",
                 "", f"Reproduce: `OPENBLAS_NUM_THREADS=1 nice .venv/bin/python "
                 f"bench/bench_scale.py {cmd}` (about 25 minutes with `--full`).", "", *md]))
            print("\n".join(md))
        if "--memory-cache" in argv:
            md = worker_cache_section(tmp, 20 if quick else 80)
            write_section("scale-memory-cache", "\n".join(
                ["## What a forecast worker keeps (`bench/bench_scale.py --memory-cache`)", "",
                 *md]))
            print("\n".join(md))
        return 0
    sizes = (10, 30) if quick else ((10, 30, 100, 300, 1000) if full else (10, 30, 100))
    # the Dask workers are processes of their own: the same one-thread BLAS as the pool's
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    ident_n = 30 if quick else 100
    staff_n = 200 if quick else 2000
    load0 = load()
    md = ["## Many queues, many cores, a cluster (`bench/bench_scale.py`)", "",
          f"Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; load "
          f"average {load0:.1f} at the start. Synthetic 15-minute histories "
          "(`forecast.synthetic.poisson_history`): even queues 7 days 08-22 with a lower "
          "weekend, odd queues Mon-Fri 08-18. Every timing is one run; the load average "
          "(1 min) at its end is beside it: the machine is shared with other helpers' "
          "benchmarks, and a speed-up measured at a load above 1 is **not** the number "
          "(the other process takes one of the two cores).", ""]
    print(f"load {load0:.1f}")

    # 1. scaling in one process; every size on queues of its own (forecast.models keeps
    # fitted state-space models by the content of their data: a queue forecast before would
    # be a cache hit)
    rows, walls, first = [], {}, 0
    fc.run_forecast(fc.read_history(panel(2, 8, first=90_000)), horizon="1w")   # warm-up
    cpus = {}
    for n in sizes:
        hist = fc.read_history(panel(n, 8, first=first))
        first += n
        c0 = time.process_time()
        res, wall, ld = timed(lambda h=hist: fc.run_forecast(h, horizon="1w", workers=1))
        walls[n], cpus[n] = wall, time.process_time() - c0
        rows.append(f"| {n} | {len(hist.frame):,} | {wall:.1f} | {wall / n:.3f} | "
                    f"{cpus[n]:.1f} | {cpus[n] / n:.3f} | {ld:.1f} |")
        print(f"scaling {n} queues: {wall:.1f} s ({wall / n:.3f} s/queue), CPU {cpus[n]:.1f} s, "
              f"load {ld:.1f}")
    b = fit_exponent(list(walls), list(walls.values()))
    b_cpu = fit_exponent(list(cpus), list(cpus.values()))
    md += ["### 1. Forecast time per queue (one process, 8 weeks of history, horizon 1 week)",
           "", "| queues | history rows | wall s | wall s per queue | CPU s | CPU s per queue | "
           "load |", "|---|---|---|---|---|---|---|", *rows, "",
           f"Fitted exponent (time = a x queues^b over {', '.join(map(str, sizes))} queues): "
           f"**b = {b_cpu:.3f} on CPU time**, {b:.3f} on wall time (goal <= 1.05; the wall "
           "time follows the machine's load, the CPU time the work)." + (
               "" if full else " 300 and 1,000 queues were not run by default (1,000 are "
               "about 10 minutes of "
               "one core; `--full` runs them)."), ""]

    # 2. 1 worker / 2 workers / Dask on the identity panel
    tmp = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    # fresh queues again; the 2 workers first (fresh processes), then one process (whose
    # cache does not hold what the workers fitted), back to back
    ident_hist = fc.read_history(panel(ident_n, 8, first=50_000))
    res2, wall2, ld2, ccpu2, pcpu2 = timed_parallel(
        lambda: fc.run_forecast(ident_hist, horizon="1w", workers=2))
    c1 = time.process_time()
    ident_res, wall1, ld1 = timed(lambda: fc.run_forecast(ident_hist, horizon="1w", workers=1))
    cpu1 = time.process_time() - c1
    fc.write_forecast(ident_res, tmp / "w1.csv")
    est2 = cpu1 / max(ccpu2 / 2, pcpu2)
    child_mib = children_peak_mib()
    parent_mib = self_peak_mib()
    fc.write_forecast(res2, tmp / "w2.csv")
    print(f"forecast {ident_n} queues, 2 workers: {wall2:.1f} s, load {ld2:.1f}")
    dask_row = "| Dask LocalCluster (2 x 1 thread) | not run (distributed "\
        "missing) | | | |"
    try:
        import distributed
    except ImportError:
        distributed = None
    cluster = None
    if distributed is not None:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           silence_logs=40)
        addr = cluster.scheduler_address
        fc.run_forecast(fc.read_history(panel(2, 3)), horizon="1w", scheduler=addr)  # warm
        resd, walld, ldd = timed(lambda: fc.run_forecast(ident_hist, horizon="1w",
                                                         scheduler=addr))
        fc.write_forecast(resd, tmp / "dask.csv")
        dask_row = (f"| Dask LocalCluster (2 x 1 thread) | {walld:.1f} | "
                    f"{wall1 / walld:.2f} | `{sha(tmp / 'dask.csv')}` | {ldd:.1f} |")
        print(f"forecast {ident_n} queues, dask: {walld:.1f} s, load {ldd:.1f}")
    same = sha(tmp / "w1.csv") == sha(tmp / "w2.csv") and (
        cluster is None or sha(tmp / "w1.csv") == sha(tmp / "dask.csv"))
    speed_f = wall1 / wall2
    md += [f"### 2. Forecast of {ident_n} queues x 8 weeks: 1 process, 2 processes, Dask", "",
           "| engine | wall s | speed-up | SHA-256 of forecast.csv (16 hex) | load |",
           "|---|---|---|---|---|",
           f"| 1 process | {wall1:.1f} | 1.00 | `{sha(tmp / 'w1.csv')}` | {ld1:.1f} |",
           f"| 2 processes (spawned) | {wall2:.1f} | {speed_f:.2f} | `{sha(tmp / 'w2.csv')}` | "
           f"{ld2:.1f} |", dask_row, "",
           f"CPU time: {cpu1:.1f} s in one process; {ccpu2:.1f} s in the two workers together "
           f"(their start-up included) and {pcpu2:.1f} s in the parent. The speed-up an idle "
           f"2-core machine would show, estimated from CPU time (serial CPU / max(worker CPU "
           f"/ 2, parent CPU), the workers busy all the time): **{est2:.2f}x** (an estimate, "
           "not a measured wall time).", "",
           f"Outputs byte-identical: **{'yes' if same else 'NO'}**. Peak resident memory: "
           f"{child_mib:,.0f} MiB for the largest worker process (RUSAGE_CHILDREN: an "
           "upper bound, a spawned child's high-water mark starting at its parent's size; "
           "section scale-memory reads each worker's own VmHWM), "
           f"{parent_mib:,.0f} MiB for the parent (which holds the whole panel and every "
           "result). Speed-up goal >= 1.8x at 2 workers" + (
               f"; measured at a load of {ld2:.1f} on 2 cores, so it is a lower bound, not "
               "the number" if ld2 > 1.0 else "") + ".", ""]

    # 3. staffing
    staff_md, ws1, sest2 = staff_section(staff_n, tmp, cluster)
    if cluster is not None:
        cluster.close()
    md += staff_md

    # 4. two years per queue, and the profile
    two = fc.read_history(panel(2, 104, first=70_000))
    c0 = time.process_time()
    _, w2y, ld2y = timed(lambda: fc.run_forecast(two, horizon="1w", workers=1))
    cpu2y = (time.process_time() - c0) / 2
    wprof, top = profile_one_queue()
    print(f"two years: {cpu2y:.2f} CPU s per queue; profile {wprof:.2f} s")
    md += ["### 4. One queue with two years of 15-minute history", "",
           f"`run_forecast`, one process: **{cpu2y:.2f} CPU s per queue** (7-day + business "
           f"hours queue, {len(two.frame):,} rows, wall {w2y:.1f} s, load {ld2y:.1f}); the "
           f"24/7 queue `TESTBED['zero_nights_15']` (2 years, 70,000 rows): {wprof:.2f} s wall "
           "under cProfile (the profiler adds to it). Goal: <= 1 s on one core. Top costs "
           "(cumulative, wfm's own functions):", "", "| tottime s | cumtime s | calls | function |",
           "|---|---|---|---|", top, ""]

    # 5. wfm plan
    p = run_plan(10, tmp)
    print("plan:", p)
    if p["exit"] == 0:
        md += ["### 5. `wfm plan` on 10 queues x 7 days (8 weeks of history, `--workers 2`, "
               "no simulation)", "", "| queues | under-covered intervals | gap (overall) | "
               "solver status | solve s (sum over units) | wall s | s per queue | load |",
               "|---|---|---|---|---|---|---|---|",
               f"| 10 | {p.get('under')} | "
               + (f"{100 * p['gap']:.2f} %" if p.get("gap") is not None else "n/a")
               + f" | {p.get('status')} | "
               + (f"{p['solve_s']:.1f}" if p.get("solve_s") is not None else "n/a")
               + f" | {p['wall_s']:.1f} | {p['wall_s'] / 10:.1f} | {p['load']:.1f} |", "",
               f"Per unit (`plan_summary.json` key `units`): {p.get('units')} units (queue x "
               "day), largest gap "
               + (f"{100 * p['max_unit_gap']:.2f} %" if p.get("max_unit_gap") is not None
                  else "n/a")
               + f", units_not_within_gap {p.get('not_within')}.", ""]
    else:
        md += ["### 5. `wfm plan` on 10 queues x 7 days", "",
               f"Failed (exit {p['exit']}): {' '.join(p['stderr'])}", ""]

    # 6. extrapolation
    staff_q = ws1 / staff_n
    eff = min(max(speed_f, est2) / 2.0, 1.0)
    total_cpu = 2000 * (cpu2y + staff_q)
    on16 = total_cpu / (16 * eff)
    md += ["### 6. Extrapolation (not measured): 2,000 queues x 2 years, forecast + staff, "
           "16 cores", "",
           f"From the measured per-queue costs (forecast {cpu2y:.2f} CPU s with two years of "
           f"history, staffing {1000 * staff_q:.1f} ms) and the measured 2-worker efficiency "
           f"(the better of the measured and the CPU-estimated speed-up, / 2 = {eff:.2f}, "
           "taken as the efficiency on 16 cores): "
           f"2,000 x {cpu2y + staff_q:.2f} s = {total_cpu / 60:.0f} CPU minutes, "
           f"**{on16 / 60:.1f} minutes on 16 cores** (goal <= 15); with the efficiency "
           f"measured in wall time on this loaded machine ({min(speed_f / 2, 1.0):.2f}) "
           f"instead: {total_cpu / (16 * min(speed_f / 2, 1.0)) / 60:.1f} minutes. This "
           "assumes the history "
           "is read one queue per task (`--partitioned`: each worker reads its own partition, "
           "memory one queue's history per worker) and that 16 cores scale as 2 do; with "
           "efficiency 1 it would be "
           f"{total_cpu / 16 / 60:.1f} minutes.", "",
           f"Load average {load():.1f} at the end."]
    from _results import write_section
    write_section("scale", "\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
