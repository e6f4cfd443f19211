"""Benchmark: the roster assignment (issue 12), ``shifts.roster.assign``.

1. The issue's case: the bank week with a synthetic weekend (``bench_schedule.
   seven_day_requirements``, Erlang C 80/20, AHT 300 s) at ``--issue-scale`` volume,
   scheduled with the default rules day by day, assigned to 40 full-timers contracted
   37.5 h (min = max, and min 37.5 / max 40): agents working all 7 days, paid hours per
   agent, agents inside their contract, the shortest rest, the widest start-time spread of
   an agent, and why agents are short; and the same week scheduled for such contracts
   (8-h shifts, weekly tours 5 on / 2 off in a row) assigned to as many 40-h agents as it
   has tours. ``--before REV`` adds the same for
   ``shifts/roster.py`` as of git revision REV (the code before this change).
2. Planted rosters of 40 / 400 / 2,000 agents (one week): each agent a 5-day week with two
   days off in a row and a 7.5-h paid shift (8-h span) a day starting 07:00-12:00 around
   her own hour, so a full assignment inside every 37.5 h contract with >= 11 h rest exists
   (the planted one). assign() gets the shifts and the roster (min = max = 37.5 h,
   consecutive days off): wall time, status (programme or greedy), unassigned shifts,
   agents inside their contract, hours short, mean start-time spread, most late shifts and
   weekend days of an agent. Seeded (``--seed``).

The machine is shared (2 cores, other engineers' runs): the load average is recorded.

Run:  OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_roster.py [--sizes 40,400,2000]
      [--time-limit-s 60] [--before REV] [--out FILE]   (default: section "roster" of
      bench/RESULTS.md)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import shifts  # noqa: E402
from shifts.roster import assign, check_roster  # noqa: E402


def planted_week(n_agents: int, seed: int, monday: str = "2026-03-02"):
    """(shifts frame, roster) with a planted full assignment (module docstring, 2.)."""
    rng = np.random.default_rng(seed)
    start0 = pd.Timestamp(monday)
    off = rng.integers(7, size=n_agents)
    base = rng.integers(7, 12, size=n_agents)
    starts = []
    for a in range(n_agents):
        for d in range(7):
            if d in (off[a], (off[a] + 1) % 7):
                continue
            minute = base[a] * 60 + int(rng.choice([0, 30, 60]))
            starts.append(start0 + pd.Timedelta(days=d, minutes=minute))
    s = pd.Series(starts).value_counts().sort_index()
    frame = pd.DataFrame({"start": s.index, "end": s.index + pd.Timedelta(hours=8),
                          "paid_hours": 7.5, "breaks": "", "agents": s.to_numpy(),
                          "shift_type": "7.5h"})
    roster = pd.DataFrame({"agent": [f"a{a:04d}" for a in range(n_agents)],
                           "min_hours": 37.5, "max_hours": 37.5,
                           "consecutive_days_off": "yes"})
    return frame, roster


def measure(assign_fn, frame, roster_frame, time_limit_s):
    """Run one assignment and recount the outputs from the agent-shift rows."""
    t0 = time.perf_counter()
    agent_shifts, fairness, summary = assign_fn(frame, roster_frame, time_limit_s=time_limit_s)
    wall = time.perf_counter() - t0
    s = agent_shifts[agent_shifts["agent"] != ""].sort_values(["agent", "start"])
    days = s.groupby("agent")["start"].apply(lambda v: v.dt.normalize().nunique())
    hours = s.groupby("agent")["paid_hours"].sum().reindex(roster_frame["agent"]).fillna(0)
    inside = ((hours.to_numpy() >= roster_frame["min_hours"].to_numpy() - 1e-9)
              & (hours.to_numpy() <= roster_frame["max_hours"].to_numpy() + 1e-9))
    rest = s.groupby("agent").apply(
        lambda f: ((f["start"].to_numpy()[1:] - f["end"].to_numpy()[:-1])
                   / np.timedelta64(1, "h")).min() if len(f) > 1 else np.nan)
    start_h = s["start"].dt.hour + s["start"].dt.minute / 60
    spread = start_h.groupby(s["agent"]).agg(lambda v: v.max() - v.min())
    return {
        "wall s": wall,
        "status": summary["roster_status"][:48],
        "unassigned": summary["unassigned_shifts"],
        "agents on 7 days": int((days == 7).sum()),
        "paid h mean": float(hours.mean()),
        "inside contract %": 100.0 * inside.mean(),
        "hours short": float(np.maximum(roster_frame["min_hours"].to_numpy()
                                        - hours.to_numpy(), 0).sum()),
        "shortest rest h": float(np.nanmin(rest.to_numpy())) if len(rest) else np.nan,
        "start spread h mean": float(spread.mean()),
        "late max": summary["late_shifts_max"],
        "weekend max": summary["weekend_days_max"],
    }, fairness


def load_before(rev: str):
    """``shifts.roster.assign`` as of git revision ``rev`` (loaded from a temporary file)."""
    text = subprocess.run(["git", "show", f"{rev}:shifts/roster.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "roster_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("roster_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["roster_before"] = module
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="40,400,2000")
    ap.add_argument("--issue-scale", type=float, default=0.07)
    ap.add_argument("--time-limit-s", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--before", default=None, help="git revision of the code before")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    from bench_schedule import seven_day_requirements

    load = [os.getloadavg()[0]]
    req = seven_day_requirements("2003-03-03", args.issue_scale)
    sched = shifts.schedule(req, shifts.Rules(), time_limit_s=20, gap=0.01, simulate=False,
                            workers=1)
    issue_rows, reasons = [], []
    for mn, mx in ((37.5, 37.5), (37.5, 40.0)):
        roster = pd.DataFrame({"agent": [f"ft{i:02d}" for i in range(40)],
                               "min_hours": mn, "max_hours": mx})
        variants = [("after", assign, check_roster)]
        if args.before:
            old = load_before(args.before)
            variants.insert(0, (f"before ({args.before})", old.assign, old.check_roster))
        for name, fn, check in variants:
            row, fairness = measure(fn, sched.shifts, check(roster), args.time_limit_s)
            issue_rows.append({"code": name, "contract h": f"{mn:g}-{mx:g}", **row})
            if name == "after":
                reasons.extend(r for r in fairness["short_reason"].unique()[:1]
                               if r and r not in reasons)
            print(issue_rows[-1], file=sys.stderr, flush=True)
            load.append(os.getloadavg()[0])
    mix = sched.shifts.groupby("paid_hours")["agents"].sum()
    # the same week scheduled for such contracts: 8-h shifts on tours of 5 days with 2 days
    # off in a row, then as many 40-h agents as the tours have
    base = shifts.Rules()
    tour_rules = replace(base, shift_types=tuple(t for t in base.shift_types if t.name == "8h"),
                         tours=shifts.Tours(days_on=5, consecutive_days_off=True))
    toured = shifts.schedule(req, tour_rules, time_limit_s=60, gap=0.01, simulate=False,
                             workers=1)
    n_tours = int(toured.tours["agents"].sum())
    roster = pd.DataFrame({"agent": [f"ft{i:02d}" for i in range(n_tours)],
                           "min_hours": 40.0, "max_hours": 40.0,
                           "consecutive_days_off": "yes"})
    row, _ = measure(assign, toured.shifts, check_roster(roster), args.time_limit_s)
    issue_rows.append({"code": f"after, tours schedule ({n_tours} agents)",
                       "contract h": "40-40", **row})
    print(issue_rows[-1], file=sys.stderr, flush=True)
    load.append(os.getloadavg()[0])
    planted_rows = []
    for n in [int(v) for v in args.sizes.split(",")]:
        frame, roster = planted_week(n, args.seed)
        row, _ = measure(assign, frame, check_roster(roster), args.time_limit_s)
        planted_rows.append({"agents": n, "shift groups": len(frame), **row})
        print(planted_rows[-1], file=sys.stderr, flush=True)
        load.append(os.getloadavg()[0])
    issue, planted = pd.DataFrame(issue_rows), pd.DataFrame(planted_rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(issue.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        print(planted.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    from bench_schedule import _markdown

    md = [
        "## Roster assignment (issue 12)",
        "",
        f"`bench/bench_roster.py` on {platform.node()} ({os.cpu_count()} cores, shared; "
        f"load average {min(load):.1f}-{max(load):.1f}), Python {platform.python_version()}, "
        f"`time_limit_s={args.time_limit_s:g}`, seed {args.seed}.",
        "",
        f"### The issue's case: 40 full-timers on the bank week at {args.issue_scale:g}x",
        "",
        f"Schedule: default rules, day by day, {sched.summary['paid_hours']:,.0f} paid hours "
        f"in {int(sched.shifts['agents'].sum())} shifts (by paid length: "
        + ", ".join(f"{h:g} h x {int(c)}" for h, c in mix.items()) + "). "
        "Defaults of the new roster columns: 2 days off a week, 11 h rest, 6 days in a row. "
        "Last row: the same week scheduled for 40-h contracts (8-h shifts only, weekly tours "
        "of 5 days with 2 days off in a row, `time_limit_s=60`, gap 1 %), assigned to as many "
        "agents as it has tours, contracted 40 h with consecutive days off.",
        "",
        _markdown(issue),
        "",
        "Why agents are short (first reason, `fairness.csv` column `short_reason`): "
        + ("; ".join(reasons) if reasons else "none") + ".",
        "",
        "### Planted rosters (a full assignment inside every contract exists)",
        "",
        _markdown(planted),
    ]
    text = "\n".join(md)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        from _results import write_section
        write_section("roster", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
