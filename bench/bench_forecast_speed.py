"""Forecast speed (issue 11): fit + forecast of one series by ``run_forecast`` (model
``auto``: its evidence folds, choice and calibration), before and after, side by side in
one run.

Cases (forecast/synthetic.py, the test bed's draws, seed 1): ``zero_nights_15`` (15 min,
two years of 24/7 history: the issue's goal, <= 1 s median on one core) and ``il_bank_30``
(30 min, 63 weeks, Sun-Thu week with IL holidays: the "year-long 30-minute series").
Each is forecast at its last ``--runs`` weekly origins (default 6), as the test bed does
(the history before the origin, the next 7 days): distinct histories, so no run reuses
another's day-level fit; the module caches of fits are cleared before each run. One
warm-up run first (imports, numba's compile). Times: ``time.perf_counter`` around
``run_forecast`` only (the history is read before).

"before" is another checkout (``--base``, e.g. ``git worktree add --detach /work/wt/fcbase
main``) and "after" this one; each runs in its own process with its checkout first on
``PYTHONPATH``, one after the other (before, after, and again with ``--rounds 2``), and the
forecasts of the two are compared: largest absolute difference of any number in the frame
and whether the chosen model is the same at every origin.

Run:  OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_forecast_speed.py --base /work/wt/fcbase
      (add --no-write to print only)
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = ("zero_nights_15", "il_bank_30")
GOAL_S = 1.0


def measure(cases: list[str], runs: int) -> dict:
    """In the current checkout: {case: [(origin, seconds, frame, model label, CPU seconds)]}."""
    import pandas as pd

    import forecast
    import forecast.models
    from forecast.synthetic import TESTBED

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_forecast_bed import origins_of, split

    out = {}
    for name in cases:
        case = TESTBED[name](1)
        origins = origins_of(case, runs + 1)
        jobs = []
        for o in origins:
            hist, _, _, _ = split(case, o)
            last = hist["interval_start"].max().normalize()
            days = (o + pd.Timedelta(days=7) - (last + pd.Timedelta(days=1))).days
            jobs.append((o, forecast.read_history(hist), int(days)))
        rows = []
        for i, (o, h, days) in enumerate(jobs):
            for cache in ("_FIT_CACHE", "_CLEAN", "_TABLES", "_FEATS"):
                getattr(forecast.models, cache, {}).clear()
            t0, c0 = time.perf_counter(), time.process_time()
            r = forecast.run_forecast(h, horizon=days, model="auto", country=case.country,
                                      special_days=case.special_days)
            secs, cpu = time.perf_counter() - t0, time.process_time() - c0
            if i == 0 and len(jobs) > runs:        # the warm-up (imports, compile)
                continue
            rows.append((str(o.date()), secs, r.frame, str(r.frame["model"].iloc[0]), cpu))
        out[name] = rows
    return out


def run_checkout(checkout: Path, cases: list[str], runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.pkl"
        env = dict(os.environ, PYTHONPATH=str(checkout))
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", str(out),
                        "--cases", ",".join(cases), "--runs", str(runs)], env=env, check=True,
                       cwd=str(checkout))
        return pickle.loads(out.read_bytes())


def compare(a: list, b: list) -> tuple[float, bool]:
    """(largest absolute difference of the numeric columns, same model label everywhere)."""
    worst, same = 0.0, True
    for (_, _, fa, la, _), (_, _, fb, lb, _) in zip(a, b, strict=True):
        same &= la == lb and list(fa.columns) == list(fb.columns) and len(fa) == len(fb)
        if not same:
            return float("inf"), False
        for c in fa.columns:
            if fa[c].dtype.kind == "f":
                worst = max(worst, float(np.nanmax(np.abs(fa[c].to_numpy() - fb[c].to_numpy()))))
    return worst, same


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, help="the 'before' checkout (omit: after only)")
    ap.add_argument("--runs", type=int, default=6, help="timed runs per case (origins)")
    ap.add_argument("--rounds", type=int, default=1, help="before/after alternations")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    cases = a.cases.split(",")
    if a.measure:
        Path(a.measure).write_bytes(pickle.dumps(measure(cases, a.runs)))
        return
    load0 = os.getloadavg()
    sides = {"before": a.base, "after": ROOT} if a.base else {"after": ROOT}
    got: dict = {s: {c: [] for c in cases} for s in sides}
    for _ in range(a.rounds):
        for side, checkout in sides.items():
            for c, rows in run_checkout(checkout, cases, a.runs).items():
                got[side][c] += rows
    load1 = os.getloadavg()
    head = "| case | min | history | runs | " + " | ".join(
        f"{s} median s (min-max) [CPU s]" for s in sides) + (
        " | speed-up | max abs diff | same model |" if a.base else " |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    from forecast.synthetic import TESTBED
    for c in cases:
        case = TESTBED[c](1)
        weeks = (case.frame.interval_start.max() - case.frame.interval_start.min()).days / 7
        cells = []
        med = {}
        for s in sides:
            t = [r[1] for r in got[s][c]]
            med[s] = statistics.median(t)
            cpu = statistics.median(r[4] for r in got[s][c])
            cells.append(f"{med[s]:.2f} ({min(t):.2f}-{max(t):.2f}) [{cpu:.2f}]")
        row = f"| {c} | {case.interval_min} | {weeks:.0f} weeks | {len(got['after'][c])} | " \
            + " | ".join(cells)
        if a.base:
            n = min(len(got["before"][c]), len(got["after"][c]))
            diff, same = compare(got["before"][c][:n], got["after"][c][:n])
            row += f" | {med['before'] / med['after']:.1f}x | {diff:.1e} | {'yes' if same else 'NO'}"
        lines.append(row + " |")
    speed = statistics.median(r[1] for r in got["after"]["zero_nights_15"]) \
        if "zero_nights_15" in cases else float("nan")
    cpu = statistics.median(r[4] for r in got["after"]["zero_nights_15"]) \
        if "zero_nights_15" in cases else float("nan")
    verdict = (f"goal (zero_nights_15 <= {GOAL_S} s median on one core): {speed:.2f} s wall, "
               f"{cpu:.2f} s CPU: " + ("PASS" if speed <= GOAL_S else
                                      "PASS on CPU time, MISS on wall time under this load"
                                      if cpu <= GOAL_S else "MISS"))
    print("\n".join(lines))
    print(verdict)
    print(f"load average 1/5/15 min: start {load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}, "
          f"end {load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f} ({os.cpu_count()} CPUs)")
    if a.no_write:
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from _results import write_section
    text = "\n".join([
        "# Forecast speed (issue 11)", "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; one BLAS thread; load average (1 min) "
        f"{load0[0]:.2f} at start, {load1[0]:.2f} at the end (the machine is shared: the "
        "times include that). Run: `OPENBLAS_NUM_THREADS=1 nice .venv/bin/python "
        "bench/bench_forecast_speed.py --base <checkout of the earlier main>`.", "",
        "`run_forecast(model='auto')` on one series (its evidence folds, choice and "
        "calibration included), at the case's last weekly origins (distinct histories, fit "
        "caches cleared), after one warm-up run; before = the earlier main, after = this "
        "checkout, each in its own process; max abs diff: the largest difference of any "
        "number in the two forecasts (calls, interval bounds, AHT). CPU s: the process's "
        "CPU time over the same call (`time.process_time`, one thread), what the run costs "
        "one core whatever else the machine runs.", "",
        *lines, "", verdict + ".", ""])
    write_section("forecast-speed", text)
    print("wrote its section of bench/RESULTS.md")


if __name__ == "__main__":
    main()
