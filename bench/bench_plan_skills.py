"""Benchmark: `wfm plan` with multi-skill groups (issue 14) on a realistic week, stage by stage.

History: six weeks Mon-Fri 08:00-20:00 at 15 minutes (forecast.synthetic.poisson_history,
the two-peak day), two call types: ``en`` 3,000 calls a day at 300 s and ``es`` 1,050 at
240 s (80/20, no abandonment); groups: ``english`` (en) and ``bilingual`` (es first, then
en), the N-design. The plan forecasts one week (5 open days x 48 intervals = 240
intervals), staffs every interval by the simulation search (SkillOptions defaults: 10 h x
10 replications per candidate staffing, the 95 % lower bound must meet each target),
schedules the groups and checks the schedule with the multi-skill simulator (10
replications a day). Wall time per stage from the plan's progress callback; the staffing
stage's seconds per interval is the figure that matters (the other stages are those of a
single-skill plan, plus one simulated day per day).

Run: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_plan_skills.py [workers ...]
(default: 1 and 2 processes; the plan's answer does not depend on it)
(writes section "plan-skills" of bench/RESULTS.md)
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
from _results import write_section  # noqa: E402

from forecast.synthetic import poisson_history  # noqa: E402
from wfmcore.config import load_config  # noqa: E402
from wfmplan.plan import STEPS, plan_options, run_plan  # noqa: E402

GROUPS = '[groups.english]\nskills = ["en"]\n[groups.bilingual]\nskills = ["es", "en"]\n'


def run(workers: int) -> list[str]:
    """The plan once with ``workers`` processes; its lines of the section."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        parts = []
        for queue, seed, per_day, aht in (("en", 1, 3000.0, 300.0), ("es", 2, 1050.0, 240.0)):
            f, _ = poisson_history(6, seed, open_hours=(8, 20), interval_min=15,
                                   calls_per_day=per_day)
            parts.append(f.assign(queue=queue, aht_s=aht))
        h = pd.concat(parts, ignore_index=True)
        h["interval_start"] = pd.to_datetime(h["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")
        h.to_csv(root / "history.csv", index=False)
        (root / "wfm.toml").write_text(GROUPS)
        config = load_config(root / "wfm.toml")
        options = plan_options(config, model="weekday_avg4", horizon="1w", workers=workers,
                               schedule={"replications": 10})
        stamps = [("start", time.perf_counter())]
        plan = run_plan(root / "history.csv", root / "out", options, config=config,
                        progress=lambda name: stamps.append((name, time.perf_counter())))
    n_int = int(plan.skills.requirements.intervals.shape[0])
    rows = []
    for (_, t0), (name, t1) in zip(stamps, stamps[1:], strict=False):
        rows.append((name, t1 - t0))
    staff_s = dict(rows)[STEPS[1]]
    s = plan.summary
    lines = [
        "## `wfm plan` with multi-skill groups (bench/bench_plan_skills.py)", "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"workers={workers}. One week, {n_int} intervals of 15 minutes, 2 call types, "
        "2 groups (N-design), simulation search with the SkillOptions defaults.", "",
        "| stage | wall s |", "|---|---:|",
        *[f"| {name} | {sec:,.1f} |" for name, sec in rows],
        f"| **total** | **{stamps[-1][1] - stamps[0][1]:,.1f}** |", "",
        f"Staffing: **{staff_s / n_int:.2f} s per interval** ({n_int} intervals, "
        f"{int(plan.skills.requirements.intervals['oracle_calls'].sum()):,} oracle calls).",
        "",
        f"Plan: {s['agent_hours']:,.1f} agent-hours with the skills, "
        f"{s['single_skill_agent_hours']:,.1f} dedicated, {s['pooled_agent_hours']:,.1f} "
        f"pooled (skills save {s['skills_saving_share']:.1%}, pooling "
        f"{s['pooled_saving_share']:.1%}); schedule simulated "
        f"{s['sim_service_level']:.1%} (95 % CI {s['sim_service_level_lo']:.1%} - "
        f"{s['sim_service_level_hi']:.1%}), by type "
        + ", ".join(f"{k} {v:.1%}" for k, v in s["sim_service_level_by_type"].items()) + ".",
    ]
    print("\n".join(lines), flush=True)
    return lines


def main(worker_counts=(1, 2)) -> None:
    lines = []
    for w in worker_counts:
        lines += run(w) + [""]
    write_section("plan-skills", "\n".join(lines).rstrip())


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (1, 2))
