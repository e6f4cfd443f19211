"""Benchmark: cost-optimal shifts for a real week (issue 4, Goals).

Requirements: the bank data (/work/shared/data/bank_calls_5min.csv, weekdays 07:00-21:10),
5-minute counts summed to 15-minute intervals, Erlang C at 80 % answered within 20 s with
AHT 300 s (smallest N with SL >= 0.8), at 0.1x, 0.5x, 1x and 5x volume. The last 15-minute
interval of each day (21:00) holds only two 5-minute counts (21:00, 21:05) and is kept as
counted. Schedules with the default rules (4/6/8 h shifts, breaks in +/-30 min windows),
one day at a time, HiGHS via scipy.optimize.milp.

Run:  .venv/bin/python bench/bench_schedule.py [--week 2003-03-03] [--time-limit-s 60]
      [--gap 0.001] [--out FILE]   (default: its section of bench/RESULTS.md)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scipy  # noqa: E402

import shifts  # noqa: E402
from shifts.model import _cost_unit  # noqa: E402

DATA = Path("/work/shared/data/bank_calls_5min.csv")


def erlang_c_agents(traffic_erl: float, aht_s: float = 300.0, threshold_s: float = 20.0,
                    sl_target: float = 0.8) -> int:
    """Smallest N with SL = 1 - C(N, A) exp(-(N - A) T / AHT) >= target (M/M/N, Erlang C).

    Erlang B by the recursion B_k = A B_{k-1} / (k + A B_{k-1}), B_0 = 1; then
    C = N B / (N - A (1 - B)). Ref: Gans, Koole & Mandelbaum (2003), M&SOM 5(2):79-141.
    """
    a = traffic_erl
    if a <= 0:
        return 0
    b = 1.0
    k = 0
    while True:
        k += 1
        b = a * b / (k + a * b)
        if k > a:
            c = k * b / (k - a * (1 - b))
            if 1 - c * math.exp(-(k - a) * threshold_s / aht_s) >= sl_target:
                return k


def week_requirements(week_start: str, scale: float, aht_s: float = 300.0) -> pd.DataFrame:
    calls = pd.read_csv(DATA, parse_dates=["interval_start"])
    start = pd.Timestamp(week_start)
    calls = calls[(calls["interval_start"] >= start)
                  & (calls["interval_start"] < start + pd.Timedelta(days=7))]
    q = calls.set_index("interval_start")["offered"].resample("15min").sum()
    q = q[q.index.normalize().isin(calls["interval_start"].dt.normalize().unique())]
    q = q[(q.index.hour * 60 + q.index.minute >= 7 * 60)
          & (q.index.hour * 60 + q.index.minute <= 21 * 60)]
    traffic = q.to_numpy() * scale * aht_s / 900.0
    agents = [erlang_c_agents(a, aht_s) for a in traffic]
    return pd.DataFrame({"interval_start": q.index.strftime("%Y-%m-%d %H:%M"),
                         "offered": q.to_numpy() * scale, "traffic_erl": traffic,
                         "scheduled_agents": agents})


def fixed_break_rules() -> shifts.Rules:
    """The default rules with every break at its nominal time (window 0)."""
    base = shifts.Rules()
    return replace(base, shift_types=tuple(
        replace(t, breaks=tuple(replace(b, window_min=0) for b in t.breaks))
        for t in base.shift_types))


def run(req: pd.DataFrame, rules: shifts.Rules, method: str, time_limit_s: float,
        gap: float) -> dict:
    t0 = time.perf_counter()
    res = shifts.schedule(req, rules, time_limit_s=time_limit_s, gap=gap, method=method)
    wall = time.perf_counter() - t0
    s, days = res.summary, res.days
    unit = _cost_unit([t.cost for t in rules.shift_types]
                      + [rules.under_penalty_per_agent_hour * res.interval_min / 60])
    lp_up = float((np.ceil(days["lp_bound"] / unit - 1e-7) * unit).sum())
    return {
        "paid h": s["paid_hours"],
        "LP bound h": s["lp_bound"],
        f"LP rounded up h ({unit:g} h grid)": lp_up,
        "above rounded LP %": 100 * (s["objective"] / lp_up - 1),
        "gap %": 100 * s["gap"],
        "under-covered intervals": s["under_covered_intervals"],
        "max day s": days["solve_time_s"].max(),
        "week s": wall,
        "status": s["status"] if len(s["status"]) < 40 else s["status"][:37] + "...",
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--week", default="2003-03-03")
    ap.add_argument("--scales", default="0.1,0.5,1,5")
    ap.add_argument("--time-limit-s", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=0.001)
    ap.add_argument("--quick", action="store_true",
                    help="only the default method (skip exact and fixed-break comparisons)")
    ap.add_argument("--out", type=Path, default=None,
                    help="write to this file instead of the schedule section of RESULTS.md")
    args = ap.parse_args(argv)
    variants = [("two-phase (default)", shifts.Rules(), "two-phase")]
    if not args.quick:
        variants += [("exact, one MILP", shifts.Rules(), "exact"),
                     ("fixed break times", fixed_break_rules(), "two-phase")]
    rows = []
    for scale in [float(s) for s in args.scales.split(",")]:
        req = week_requirements(args.week, scale)
        for name, rules, method in variants:
            row = {"volume": f"{scale:g}x", "variant": name,
                   "peak agents": int(req["scheduled_agents"].max()),
                   "required agent-h": req["scheduled_agents"].sum() / 4,
                   **run(req, rules, method, args.time_limit_s, args.gap)}
            rows.append(row)
            print(f"{scale:g}x {name}: {row['week s']:.1f} s", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    md = [
        "## Shift scheduling (bench/bench_schedule.py)",
        "",
        f"Week of {args.week} (bank data, {req['interval_start'].str[:10].nunique()} weekdays, "
        "15-min intervals 07:00-21:00), Erlang C 80 % in 20 s, AHT 300 s; default rules "
        "(4/6/8 h shifts, breaks +/-30 min, starts every 15 min); one MILP per day with HiGHS "
        f"(scipy.optimize.milp); `time_limit_s={args.time_limit_s:g}` shared by the week, "
        f"`gap={args.gap:g}`.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, scipy {scipy.__version__}. "
        "Reproduce: `.venv/bin/python bench/bench_schedule.py`.",
        "",
        "Hours are paid hours (cost weight 1). 'LP rounded up' is the sum over days of the LP "
        "relaxation rounded up to the grid of possible day costs (the greatest common divisor "
        "of the shift costs 4, 6, 8 h and the shortfall penalty): a lower bound no schedule "
        "can beat. 'gap' compares with the best proven bound (LP or HiGHS dual bound, rounded "
        "up). 'fixed break times' puts every break at its nominal time (window 0), to show "
        "what flexible windows save. 'week s' is wall time for the whole week, model building "
        "included.",
        "",
        _markdown(table),
        "",
    ]
    if args.out is not None:
        args.out.write_text("\n".join(md), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _results import write_section

        write_section("schedule", "\n".join(md))
        print("wrote the schedule section of bench/RESULTS.md", file=sys.stderr)
    return 0


def _markdown(frame: pd.DataFrame) -> str:
    def fmt(v):
        return f"{v:,.2f}" if isinstance(v, float) else str(v)
    head = "| " + " | ".join(frame.columns) + " |"
    sep = "|" + "|".join("---:" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, sep, *body])


if __name__ == "__main__":
    raise SystemExit(main())
