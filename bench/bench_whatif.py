"""Benchmark: four what-if scenarios of the bank week, one after another and in parallel
(issue 12).

``wfmplan.whatif.run_whatif`` on ``data/example_forecast.csv`` (the bank data's forecast
week, 280 15-minute intervals, one series) with AHT 300 s and 30 % shrinkage (the demo's
settings), the grid volume x {1, 1.1} x service-level target {80 %, 90 %}: four scenarios,
each staffed (Erlang C, MOL) and priced by the shift scheduler (default rules, 30 s a day).

* ``workers=1``: the scenarios one after another, each schedule solving its 7 days in the
  scheduler's own processes (one per core): what ``wfm whatif`` did before issue 12;
* ``workers=2``: every (scenario, series) one task of ``wfmcore.parallel.map_ordered`` in 2
  processes, each schedule's days in its own process (no pool inside a pool).

Both tables must be identical (the same numbers for any number of workers). The machine is
shared (2 cores): the load average is recorded beside each timing.

Run: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_whatif.py
(writes section "whatif" of RESULTS.md).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section  # noqa: E402

from wfmcore.config import Config  # noqa: E402
from wfmcore.parallel import shutdown_pools  # noqa: E402
from wfmplan.whatif import WhatifOptions, grid, run_whatif  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FORECAST = ROOT / "data" / "example_forecast.csv"


def main() -> None:
    config = Config(staffing={"aht_s": 300.0}, shrinkage_components={"total": 0.3})
    scenarios = grid(config.service_target(), volume=[1.0, 1.1], sl_target=[0.8, 0.9])
    options = WhatifOptions(fte_hours=37.5)
    rows, tables = [], {}
    for workers in (1, 2):
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        tables[workers] = run_whatif(FORECAST, scenarios, config=config, options=options,
                                     workers=workers)
        wall = time.perf_counter() - t0
        shutdown_pools()
        rows.append({"workers": workers, "scenarios": len(scenarios), "wall_s": wall,
                     "load_before": load, "load_after": os.getloadavg()[0]})
    identical = tables[1].equals(tables[2])
    frame = pd.DataFrame(rows)
    frame["speed_up"] = frame["wall_s"].iloc[0] / frame["wall_s"]
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print("tables identical:", identical)
    t = tables[1]
    cols = ["scenario", "agent_hours", "paid_hours", "fte", "headcount", "service_level",
            "occupancy", "fte_vs_base"]
    print(t[cols].to_string(index=False))
    lines = [
        "## What-if: four scenarios of the bank week (issue 12)",
        "",
        f"`bench/bench_whatif.py`, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores (shared), Python {platform.python_version()}. "
        "`run_whatif` on data/example_forecast.csv (280 intervals, one series), AHT 300 s, "
        "30 % shrinkage, volume x {1, 1.1} x SL target {80 %, 90 %}, each scenario priced "
        "by the shift scheduler. workers=1 is the previous behaviour (scenarios in turn, "
        "each schedule's days in the scheduler's processes).",
        "",
        "| workers | scenarios | wall s | speed-up | load before | load after |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in frame.itertuples():
        lines.append(f"| {r.workers} | {r.scenarios} | {r.wall_s:.1f} | {r.speed_up:.2f}x | "
                     f"{r.load_before:.1f} | {r.load_after:.1f} |")
    lines += ["", f"Tables identical for 1 and 2 workers: {identical}.", "",
              "| scenario | agent-hours | paid hours | FTE | headcount | SL | occupancy | "
              "ΔFTE |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in t.itertuples():
        lines.append(f"| {r.scenario} | {r.agent_hours:,.0f} | {r.paid_hours:,.0f} | "
                     f"{r.fte:.1f} | {r.headcount} | {r.service_level:.1%} | "
                     f"{r.occupancy:.1%} | {r.fte_vs_base:+.1f} |")
    write_section("whatif", "\n".join(lines))


if __name__ == "__main__":
    main()
