"""``wfm plan``: history -> forecast -> required agents -> shifts, in one go.

Each stage is the same library call the single commands make (``forecast.run_forecast``,
``erlang.table.staff_with_config``, ``shifts.schedule``), and each hands the next one the
file it wrote, so what the report shows is what the files hold. Outputs in OUTDIR:
``forecast.csv``, ``requirements.csv``, ``shifts.csv``, ``coverage.csv`` (plus the schedule's
``coverage.png`` and ``schedule.xlsx``), ``plan.xlsx`` and ``report.html``.

The schedule is checked two ways (``shifts.check``): the Erlang engine gives the service
level of the agents it puts on the phones in every interval, and the simulator replays each
day with those agents (queues carry over from one interval to the next, which the
interval-by-interval formulas ignore). Agents on the phones = scheduled agents (net of
breaks) x (1 - shrinkage), rounded down. The check uses the general target; per-queue
targets of wfm.toml are used for staffing and for the plan's ASA and abandonment.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfmcore.config import Config
from wfmcore.errors import InputError

STEPS = ("read and forecast", "staff", "schedule", "check service", "write outputs")


@dataclass
class PlanResult:
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    schedule: object                    # shifts.ScheduleResult
    coverage: pd.DataFrame              # coverage.csv plus the service check columns
    history: pd.DataFrame
    evidence: pd.DataFrame
    summary: dict
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    scorecard: pd.DataFrame | None = None   # KPIs of the last weeks of history, if recorded


def _horizon_weeks(requirements: pd.DataFrame) -> float:
    """Calendar weeks the plan spans (a Monday-to-Friday plan is one week, not 5/7)."""
    t = pd.to_datetime(requirements["interval_start"]).dt.normalize()
    return max(1.0, math.ceil(((t.max() - t.min()).days + 1) / 7))


def run_plan(history, outdir, *, config: Config | None = None, horizon: str | None = None,
             freq: str | None = None, model: str | None = None, level: float | None = None,
             country: str | None = None, special_days=None, aht_s: float | None = None,
             time_limit_s: float = 60.0, gap: float = 0.005, replications: int = 10,
             seed: int = 0, fte_hours: float = 37.5, rules=None, progress=None,
             **target_overrides) -> PlanResult:
    """Run the whole chain and write every output into ``outdir`` (created if needed).

    Options given here win over ``config`` (a :class:`wfmcore.config.Config`), which wins
    over the built-in defaults. ``progress(step_name)`` is called after each stage.
    Every setting is checked before any work, and the files are built in a temporary folder
    beside ``outdir`` and moved in only when all of them are done: a failure leaves no
    half-written plan.
    """
    import shutil
    import tempfile

    import forecast as fc
    import shifts
    from erlang import ServiceTarget
    from wfmcore.io import check_output_path

    config = config or Config()
    fcfg = config.forecast
    tick = progress or (lambda _name: None)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir}: output folder is a file")
    inputs = [p for p in (history if isinstance(history, str | Path) else None, special_days,
                          config.path) if p is not None]
    for name in ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv",
                 "plan.xlsx", "report.html"):
        check_output_path(outdir / name, inputs)
    if aht_s is None:
        aht_s = config.staffing.get("aht_s")
    # settings first: a bad target or rule must not cost a forecast
    base_target = ServiceTarget(**config.target_kwargs(None, **target_overrides))
    if rules is None and config.shifts:
        rules = shifts.rules_from_dict(config.shifts, source=f"{config.path}: [shifts]")
    hist = fc.read_history(history)
    if aht_s is None and ("aht_s" not in hist.columns or hist["aht_s"].isna().all()):
        raise InputError(f"{history}: the history has no 'aht_s' column: give --aht-s (or "
                         "aht_s under [staffing] in wfm.toml)")

    outdir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        plan = _build(hist, history, work, outdir, config, fcfg, base_target, rules, tick,
                      inputs, horizon=horizon, freq=freq, model=model, level=level,
                      country=country, special_days=special_days, aht_s=aht_s,
                      time_limit_s=time_limit_s, gap=gap, replications=replications, seed=seed,
                      fte_hours=fte_hours, target_overrides=target_overrides)
        outdir.mkdir(exist_ok=True)
        for f in sorted(work.iterdir()):
            os.replace(f, outdir / f.name)
        plan.files = [outdir / Path(f).name for f in plan.files]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tick(STEPS[4])
    return plan


def _build(hist, history, work, outdir, config, fcfg, base_target, rules, tick, inputs, *,
           horizon, freq, model, level, country, special_days, aht_s, time_limit_s, gap,
           replications, seed, fte_hours, target_overrides) -> PlanResult:
    """The stages, writing into ``work``; messages name the final paths in ``outdir``."""
    import forecast as fc
    import shifts
    from erlang.table import staff_with_config
    from wfmcore import report, schema
    from wfmcore.io import write_csv_atomic

    result = fc.run_forecast(
        hist, horizon=horizon or fcfg.get("horizon", "1w"), freq=freq or fcfg.get("freq"),
        model=model or fcfg.get("model", "auto"), level=level or fcfg.get("level", 0.8),
        country=country or fcfg.get("country"),
        special_days=special_days or fcfg.get("special_days"), aht_s=aht_s)
    files = [fc.write_forecast(result, work / "forecast.csv", inputs=inputs)]
    tick(STEPS[0])

    forecast_frame = schema.read_table(work / "forecast.csv")
    requirements = staff_with_config(forecast_frame, config, aht_s=aht_s,
                                     source=str(outdir / "forecast.csv"), **target_overrides)
    files.append(write_csv_atomic(requirements, work / "requirements.csv", inputs=inputs))
    tick(STEPS[1])

    req_frame = shifts.read_requirements(work / "requirements.csv")
    # the schedule's own check: Erlang per interval and the simulator per day, with the
    # general target and the shrinkage the requirements were staffed with
    sched = shifts.schedule(req_frame, rules, time_limit_s=time_limit_s, gap=gap,
                            source=str(outdir / "requirements.csv"), target=base_target,
                            shrinkage=base_target.shrinkage, simulate=replications > 0,
                            replications=max(replications, 2), seed=seed)
    files += shifts.write_outputs(sched, work, inputs=inputs)
    tick(STEPS[2])

    coverage = pd.read_csv(work / "coverage.csv")
    coverage, service = service_summary(coverage, requirements, config, target_overrides)
    service.update({k: sched.summary.get(k, float("nan")) for k in (
        "sim_service_level", "sim_service_level_lo", "sim_service_level_hi")})
    service["sim_replications"] = replications
    tick(STEPS[3])

    interval_h = float(result.attrs.get("interval_min", 15)) / 60.0
    weeks = _horizon_weeks(requirements)
    s = sched.summary
    summary = {
        "calls": float(requirements["offered"].sum()),
        "agent_hours": float(requirements["agents"].sum() * interval_h),
        "scheduled_agent_hours": float(requirements["scheduled_agents"].sum() * interval_h),
        "paid_hours": float(s["paid_hours"]),
        "fte": float(s["paid_hours"]) / (fte_hours * weeks),
        "fte_hours_per_week": fte_hours,
        "lp_bound": float(s["lp_bound"]),
        "gap": float(s["gap"]),
        "under_covered_intervals": int(s["under_covered_intervals"]),
        "solve_time_s": float(s["solve_time_s"]),
        "sl_target": base_target.sl_target,
        "sl_threshold_s": base_target.sl_threshold_s,
        **service,
    }
    plan = PlanResult(forecast=result, requirements=requirements, schedule=sched,
                      coverage=coverage, history=hist,
                      evidence=result.attrs.get("evidence", pd.DataFrame()), summary=summary,
                      notes=list(result.attrs.get("notes", [])), files=files,
                      scorecard=history_scorecard(history, config))
    plan.files.append(report.write_workbook(plan, work / "plan.xlsx", inputs=inputs))
    plan.files.append(report.write_html(plan, work / "report.html", inputs=inputs))
    return plan


def service_summary(coverage: pd.DataFrame, requirements: pd.DataFrame, config: Config,
                    target_overrides: dict):
    """Period KPIs of the agents the schedule puts on the phones (``on_phone_agents`` of
    coverage.csv), each queue with its own target: call-weighted Erlang service level,
    ASA over answered calls, abandonment. Returns the coverage with ``offered`` joined in."""
    from erlang import ServiceTarget, kpis

    req = requirements.copy()
    cov = coverage.copy()
    for f in (req, cov):
        f["_key"] = pd.to_datetime(f["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")
    has_q = "queue" in req.columns and "queue" in cov.columns
    keys = ["_key"] + (["queue"] if has_q else [])
    if has_q:
        req["queue"] = req["queue"].astype(str)
        cov["queue"] = cov["queue"].astype(str)
    extra = ["offered", "traffic_erl"] + (["aht_s"] if "aht_s" in req.columns else [])
    merged = cov.merge(req[keys + extra], on=keys, how="left")
    if merged["offered"].isna().any():
        raise InputError("coverage and requirements do not line up (internal error)")
    interval_min = _interval_min(merged)
    totals = {"offered": 0.0, "sl": 0.0, "ab": 0.0, "asa_w": 0.0, "ans": 0.0}
    parts = []
    for q, g in (merged.groupby("queue", sort=False) if has_q else [(None, merged)]):
        target = ServiceTarget(**config.target_kwargs(q, **target_overrides))
        c = g["offered"].to_numpy(float)
        load = g["traffic_erl"].to_numpy(float)
        aht = np.where(c > 0, load * interval_min * 60.0 / np.where(c > 0, c, 1.0), 1.0)
        k = kpis(g["on_phone_agents"].to_numpy(float), load, aht, target)
        g = g.assign(asa_s=k["asa_s"], p_abandon=k["p_abandon"])
        answered = c * (1 - k["p_abandon"])
        finite = np.isfinite(k["asa_s"]) & (answered > 0)
        totals["offered"] += c.sum()
        totals["sl"] += float((k["service_level"] * c).sum())
        totals["ab"] += float((k["p_abandon"] * c).sum())
        totals["asa_w"] += float((k["asa_s"][finite] * answered[finite]).sum())
        totals["ans"] += float(answered[finite].sum())
        parts.append(g)
    out = pd.concat(parts).drop(columns=["_key"])
    off = max(totals["offered"], 1e-12)
    return out, {"service_level": totals["sl"] / off,
                 "asa_s": totals["asa_w"] / max(totals["ans"], 1e-12),
                 "abandon_rate": totals["ab"] / off}


def history_scorecard(history, config: Config, weeks: int = 4) -> pd.DataFrame | None:
    """Weekly KPI scorecard of the last ``weeks`` weeks of history (``erlang.scorecard``),
    when the history records more than calls offered; else None."""
    from erlang import scorecard as sc
    from wfmcore import schema

    if not isinstance(history, str | Path):
        return None
    raw = schema.read_table(history)
    if not set(raw.columns) & {"handled", "abandoned", "answered_in_sl", "asa_s", "aht_s"}:
        return None
    kw = {k: v for k, v in config.targets.items()
          if k in ("sl_target", "sl_threshold_s", "asa_target_s", "max_abandon",
                   "max_occupancy")}
    card = sc.scorecard(sc.read_history(raw, source=str(history)), sc.KpiTargets(**kw),
                        periods=("week",))
    starts = sorted(card["period_start"].unique())[-weeks:]
    return card[card["period_start"].isin(starts)].reset_index(drop=True)


def _interval_min(frame: pd.DataFrame) -> float:
    from wfmcore import schema

    times = pd.to_datetime(frame["interval_start"])
    groups = frame["queue"] if "queue" in frame.columns else np.zeros(len(frame))
    return schema.interval_minutes(times, groups, "coverage")


def summary_lines(summary: dict) -> list[str]:
    """The one-screen summary of a plan."""
    s = summary
    sim_ci = ""
    if not math.isnan(s.get("sim_service_level_lo", math.nan)):
        sim_ci = f" (95 % CI {s['sim_service_level_lo']:.1%} - {s['sim_service_level_hi']:.1%})"
    return [
        f"calls forecast           {s['calls']:,.0f}",
        f"agent-hours on phones    {s['agent_hours']:,.1f} h required",
        f"paid hours               {s['paid_hours']:,.1f} h in shifts "
        f"(LP bound {s['lp_bound']:,.1f}, gap {100 * s['gap']:.2f} %)",
        f"FTE                      {s['fte']:,.1f} (at {s['fte_hours_per_week']:g} h a week)",
        f"under-covered intervals  {s['under_covered_intervals']}",
        f"service level (Erlang)   {s['service_level']:.1%}   ASA {s['asa_s']:.1f} s   "
        f"abandoned {s['abandon_rate']:.2%}",
        f"service level (simulated) {s['sim_service_level']:.1%}{sim_ci}, "
        f"{s['sim_replications']} replications",
    ]
