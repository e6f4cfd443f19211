"""Benchmark: the long-range plan (issue 16) — the weekly requirement a year ahead, the hiring
programme against its LP bound, and the cost of planning for a 90 % chance of meeting every
week.

History: a synthetic centre (forecast.synthetic.poisson_history: Poisson calls, Mon-Fri
08-20 at 30 minutes, two-peak day), 130 weeks, 6,000 calls a day growing 0.1 % a week, with a
yearly season of +-12 % (sine, peak in late winter) laid over it; AHT 300 s; Erlang C 80/20,
shrinkage 0.3 (wfm's defaults otherwise). The requirement comes from wfm's own chain
(wfmplan.capacity.weekly_requirement: forecast of week 1, the weekly volume index, every
interval staffed, the scheduling efficiency measured on week 1's schedule).

Workforce instances (wfmplan.hiring defaults unless named): starting staff = week 0's
requirement x (1 + 4 %) tenured full-time heads; training 6 weeks, ramp 6 weeks; attrition
3 %/1.2 %/0.6 % a week by tenure band; lead time 4 weeks; the instance grid varies class
sizes (min 1/8, max 25/30), class cost (0 / 5,000), training seats (none / 40) and
outsourcing (cap 0 / 5 % of the mean requirement). Reported per instance: the MILP's cost,
its LP relaxation bound, the gap (cost - LP) / cost on the whole cost and on the cost the
decisions move (the starting staff's salaries excluded), hires, classes, solve time.

Safety: on the last instance, the expected-value plan meeting the expected requirement
(shortfall priced out, wfmplan.hiring.must_meet) against the plan for p = 0.9
(plan_for_probability: normal approximation, then Monte Carlo corrections on 5,000 paths,
seed 0), both checked on 20,000 independent paths (seed 20261202; standard error of a
weekly P(meet) near 90 %: 0.2 points): the lowest weekly P(meet), the weeks below 90 %, and
the extra cost.

Run:  .venv/bin/python bench/bench_capacity.py [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section  # noqa: E402

import forecast as fc  # noqa: E402
from forecast.synthetic import poisson_history  # noqa: E402
from wfmcore.config import Config  # noqa: E402
from wfmplan.capacity import weekly_requirement  # noqa: E402
from wfmplan.hiring import (  # noqa: E402
    Cohort,
    Workforce,
    monte_carlo,
    must_meet,
    plan_for_probability,
    plan_hiring,
)

CHECK_SEED = 20261202
CHECK_PATHS = 20000


def history() -> pd.DataFrame:
    f, _ = poisson_history(130, 16, start="2024-01-01", trend_per_week=1.001,
                           calls_per_day=6000.0, weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9,
                                                                0.0, 0.0))
    days = (f["interval_start"] - pd.Timestamp("2024-01-01")).dt.days.to_numpy()
    season = 1 + 0.12 * np.cos(2 * np.pi * (days - 30) / 365.25)
    rng = np.random.default_rng(161)
    f["offered"] = rng.poisson(f["offered"].to_numpy() * season).astype(float)
    return f.assign(aht_s=300.0)


def instances(required: np.ndarray):
    start = int(np.ceil(required[0] * 1.04))
    base = Workforce(cohorts=(Cohort(start, 200),))
    cap = round(0.05 * float(required.mean()), 1)
    grid = []
    for cmin, cmax in ((1, 25), (8, 30)):
        for ccost in (0.0, 5000.0):
            for seats in (None, 40):
                for out in (0.0, cap):
                    grid.append(replace(base, class_min=cmin, class_max=cmax, class_cost=ccost,
                                        training_seats=seats, outsource_cap_fte=out))
    return grid


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    hist = history()
    config = Config(staffing={"aht_s": 300.0}, targets={"sl_target": 0.8,
                                                        "sl_threshold_s": 20},
                    shrinkage_components={"all": 0.3})
    t = time.perf_counter()
    req = weekly_requirement(hist, 52, config=config)
    t_req = time.perf_counter() - t
    required = req.total["required_fte"].to_numpy()
    # why not run_forecast for 52 weeks: its time and its year-ahead shape
    fc_rows = []
    for weeks in (1, 52):
        t = time.perf_counter()
        res = fc.run_forecast(hist, horizon=f"{weeks}w")
        el = time.perf_counter() - t
        wk = res.frame.groupby((res.frame["interval_start"].dt.normalize()
                                - res.frame["interval_start"].min().normalize()).dt.days
                               // 7)["offered"].sum()
        fc_rows.append(dict(horizon_weeks=weeks, time_s=el,
                            last_vs_first_week=wk.iloc[-1] / wk.iloc[0] - 1))
    calls = req.total["calls"].to_numpy()
    fc_rows.append(dict(horizon_weeks="52 (volume index)", time_s=t_req,
                        last_vs_first_week=calls[-1] / calls[0] - 1))
    fc_table = pd.DataFrame(fc_rows)
    print(fc_table.to_string(index=False))
    print(f"requirement: {t_req:.1f} s; FTE week 0 {required[0]:.1f}, min {required.min():.1f}"
          f", max {required.max():.1f}; efficiency {req.efficiency:.3f}")
    for n in req.notes:
        print("  ", n)

    rows = []
    for wf in instances(required):
        t = time.perf_counter()
        plan = plan_hiring(wf, required)
        rows.append(dict(class_min=wf.class_min, class_max=wf.class_max,
                         class_cost=wf.class_cost, seats=wf.training_seats or "-",
                         outsource_cap=wf.outsource_cap_fte, cost=plan.cost,
                         lp_bound=plan.lp_bound, gap=plan.gap,
                         controllable_gap=plan.controllable_gap, hires=int(plan.hires.sum()),
                         classes=int((plan.hires > 0).sum()),
                         short_fte_weeks=float(plan.table["shortfall_fte"].sum()),
                         time_s=time.perf_counter() - t))
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.4f}"))

    wf = instances(required)[-1]
    ev = plan_hiring(must_meet(wf, len(required)), required)
    sigma, el = req.total["sigma_log"].to_numpy(), req.total["elasticity"].to_numpy()
    ev_sim = monte_carlo(wf, ev, sigma_log=sigma, elasticity=el, paths=CHECK_PATHS, seed=CHECK_SEED)
    t = time.perf_counter()
    safe, _ = plan_for_probability(wf, required, 0.9, sigma_log=sigma, elasticity=el,
                                   paths=5000, seed=0)
    t_safe = time.perf_counter() - t
    safe_sim = monte_carlo(wf, safe, sigma_log=sigma, elasticity=el, paths=CHECK_PATHS,
                           seed=CHECK_SEED)
    extra = safe.cost - ev.cost
    safety = pd.DataFrame([
        dict(plan="expected value", cost=ev.cost, hires=int(ev.hires.sum()),
             margin_fte_mean=0.0, p_meet_min=ev_sim.p_meet.min(),
             weeks_below_90=int((ev_sim.p_meet < 0.9).sum()), time_s=np.nan),
        dict(plan="p = 0.9", cost=safe.cost, hires=int(safe.hires.sum()),
             margin_fte_mean=float(safe.margin_fte.mean()), p_meet_min=safe_sim.p_meet.min(),
             weeks_below_90=int((safe_sim.p_meet < 0.9).sum()), time_s=t_safe)])
    print(safety.to_string(index=False, float_format=lambda v: f"{v:,.4f}"))
    print(f"extra cost of p = 0.9: {extra:,.0f} ({extra / ev.cost:+.2%})")
    for n in safe.notes:
        print("  ", n)
    worst_gap = float(table["gap"].max())
    worst_ctrl = float(table["controllable_gap"].max())
    elapsed = time.perf_counter() - t0
    if args.no_write:
        return

    def md(frame: pd.DataFrame, fmt: dict) -> str:
        head = "| " + " | ".join(frame.columns) + " |"
        sep = "|" + "|".join("---" for _ in frame.columns) + "|"
        lines = [head, sep]
        for _, r in frame.iterrows():
            lines.append("| " + " | ".join(fmt.get(c, "{}").format(r[c])
                                           for c in frame.columns) + " |")
        return "\n".join(lines)

    fmt = {"cost": "{:,.0f}", "lp_bound": "{:,.0f}", "gap": "{:.3%}",
           "controllable_gap": "{:.3%}", "short_fte_weeks": "{:,.1f}", "time_s": "{:.2f}",
           "class_cost": "{:,.0f}", "outsource_cap": "{:g}", "margin_fte_mean": "{:,.1f}",
           "p_meet_min": "{:.1%}"}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    write_section("capacity", f"""## The long-range plan (bench/bench_capacity.py)

{__doc__.split("Run:")[0].strip()}

Why the volume index: run_forecast a year ahead is as fast as a week but flat (its models
are local level + weekday effects); the truth here grows 0.1 % a week and its season moves
week 51 against week 0 as well:

{md(fc_table, {"time_s": "{:.2f}", "last_vs_first_week": "{:+.1%}"})}

(the volume index row is the whole requirement: forecast, index, staffing of every interval
twice, week 0's schedule.)

Requirement: {t_req:.1f} s for 52 weeks (week 0 {required[0]:.1f} FTE, range
{required.min():.1f}-{required.max():.1f}); {'; '.join(n for n in req.notes if n.startswith(
    ('weekly volume index', 'scheduling efficiency')))}.

The hiring programme on {len(table)} instances: the worst gap to the LP bound is
{worst_gap:.3%} of the whole cost and {worst_ctrl:.3%} of the cost the decisions move
(acceptance: within 2 %).

{md(table, fmt)}

Planning for 90 %: {extra:,.0f} more than the expected-value plan ({extra / ev.cost:+.2%}),
lowest weekly P(meet) on 20,000 independent paths {safe_sim.p_meet.min():.1%} (the
expected-value plan: {ev_sim.p_meet.min():.1%}).

{md(safety, fmt)}

Machine: {machine}; whole run {elapsed:.0f} s.
""")


if __name__ == "__main__":
    main()
