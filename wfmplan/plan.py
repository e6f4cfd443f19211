"""``wfm plan``: history -> forecast -> required agents -> shifts, in one go.

Each stage is the same library call the single commands make (:func:`forecast.run_forecast`,
:func:`wfmplan.staffing.staff_with_config`, :func:`shifts.schedule`), and each hands the next
one the file it wrote, read back through the one reader, so what the report shows is what the
files hold. Outputs in OUTDIR: ``forecast.csv``, ``requirements.csv``, ``shifts.csv``,
``coverage.csv`` (plus the schedule's ``coverage.png`` and ``schedule.xlsx``), ``plan.xlsx``
and ``report.html``.

The schedule is checked two ways (:mod:`shifts.check`): the Erlang engine gives the service
level of the agents it puts on the phones in every interval, and the simulator replays each
day with those agents (queues carry over from one interval to the next, which the
interval-by-interval formulas ignore). Agents on the phones = scheduled agents (net of
breaks) x (1 - shrinkage), rounded down. The check uses the general target; per-queue
targets of wfm.toml are used for staffing and for the plan's ASA and abandonment.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

import forecast as fc
import shifts
from erlang import kpis
from shifts.requirements import scheduling_units
from wfmcore import checks, reader
from wfmcore import schema as S
from wfmcore.config import Config
from wfmcore.errors import InputError, InternalError
from wfmcore.io import check_output_path, write_csv_atomic
from wfmcore.readoptions import ReadOptions, merge
from wfmcore.targets import KpiTargets, ServiceTarget
from wfmplan import report
from wfmplan import scorecard as sc
from wfmplan.settings import read_options
from wfmplan.staffing import Requirements, horizon_weeks, read_forecast, staff_with_config

STEPS = ("read and forecast", "staff", "schedule", "check service", "write outputs")
OUTPUT_FILES = ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "plan.xlsx",
                "report.html")


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """Everything ``wfm plan`` is told, validated once: how to read the history, how to
    forecast, the AHT for a history without one, the target options given on the command line
    (they override wfm.toml), how to schedule and check, and the paid hours of one FTE a
    week."""

    forecast: fc.ForecastOptions = field(default_factory=fc.ForecastOptions)
    schedule: shifts.ScheduleOptions = field(
        default_factory=lambda: shifts.ScheduleOptions(replications=10))
    target_overrides: Mapping[str, object] = field(default_factory=dict)
    fte_hours: float = 37.5
    read: ReadOptions = field(default_factory=ReadOptions)

    def __post_init__(self):
        checks.positive(self.fte_hours, "fte_hours")
        object.__setattr__(self, "target_overrides", MappingProxyType(
            {k: v for k, v in self.target_overrides.items() if v is not None}))


def plan_options(config: Config | None = None, *, fte_hours: float = 37.5,
                 target_overrides: Mapping[str, object] | None = None,
                 schedule: Mapping[str, object] | None = None,
                 read: ReadOptions | None = None, **forecast_options) -> PlanOptions:
    """:class:`PlanOptions` from options given (None = not given) over the ``[forecast]``,
    ``[staffing]`` and ``[input]`` tables of ``config`` over the built-in defaults."""
    config = config or Config()
    given = {k: v for k, v in forecast_options.items() if v is not None}
    known = {f.name for f in fields(fc.ForecastOptions)}
    from_file = {k: v for k, v in config.forecast.items() if k in known}
    if "aht_s" in config.staffing:
        from_file["aht_s"] = config.staffing["aht_s"]
    sched = {k: v for k, v in (schedule or {}).items() if v is not None}
    sched.setdefault("replications", 10)
    sched.setdefault("simulate", sched["replications"] > 0)
    return PlanOptions(forecast=fc.ForecastOptions(**{**from_file, **given}),
                       schedule=shifts.ScheduleOptions(**sched),
                       target_overrides=dict(target_overrides or {}), fte_hours=fte_hours,
                       read=read if read is not None else read_options(config))


@dataclass
class PlanResult:
    """The stages' typed results, the service check and the files written."""

    history: fc.History
    forecast: fc.ForecastResult
    requirements: Requirements
    schedule: shifts.ScheduleResult
    coverage: pd.DataFrame              # coverage.csv plus the service check columns
    summary: dict
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    scorecard: pd.DataFrame | None = None   # KPIs of the last weeks of history, if recorded

    @property
    def interval_min(self) -> int:
        return self.requirements.interval_min


def run_plan(history, outdir, options: PlanOptions | None = None, *,
             config: Config | None = None, rules: shifts.Rules | None = None,
             roster: Path | str | None = None,
             progress: Callable[[str], None] | None = None) -> PlanResult:
    """Run the whole chain and write every output into ``outdir`` (created if needed).

    ``options`` win over ``config``, which wins over the built-in defaults; ``rules`` (else
    the ``[shifts]`` table of ``config``, else the defaults) shape the shifts.
    ``roster``: an agents CSV (:func:`shifts.read_roster`): every shift goes to a named agent
    and fairness.csv is written. ``progress(step_name)`` is called after each stage. Every setting is checked before any
    work, and the files are built in a temporary folder beside ``outdir`` and moved in only
    when all of them are done: a failure leaves no half-written plan.
    """
    config = config or Config()
    options = options or plan_options(config)
    tick = progress or (lambda _name: None)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir}: output folder is a file")
    inputs = [p for p in (history if isinstance(history, str | Path) else None,
                          options.forecast.special_days, config.path, roster) if p is not None]
    for name in OUTPUT_FILES:
        check_output_path(outdir / name, inputs)
    # settings first: a bad target or rule must not cost a forecast
    base_target = config.service_target(None, **options.target_overrides)
    for queue in config.queues:
        config.service_target(queue, **options.target_overrides)
    if rules is None and config.shifts:
        rules = shifts.rules_from_dict(config.shifts, source=f"{config.path}: [shifts]")
    read = merge(options.read, tz=options.forecast.tz)
    hist = fc.read_history(history, options=read)
    if options.forecast.aht_s is None and (S.AHT_S not in hist.frame.columns
                                           or hist.frame[S.AHT_S].isna().all()):
        raise InputError(f"{hist.source}: the history has no 'aht_s' column: give aht_s "
                         "(or aht_s under [staffing] in wfm.toml)", param="aht_s")
    queues = set(hist.frame[S.QUEUE]) if S.QUEUE in hist.frame.columns else set()
    unknown = sorted(set(config.queues) - queues)
    if unknown:
        raise InputError(f"{config.path}: [queues.{unknown[0]}] names a queue that is not in "
                         f"{hist.source}")
    card = history_scorecard(history, config, options.target_overrides, read=read)
    agents = shifts.read_roster(roster) if roster is not None else None

    outdir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        plan = _build(hist, work, outdir, config, options, base_target, rules, tick, inputs,
                      agents)
        plan.scorecard = card
        plan.files.append(report.write_workbook(plan, work / "plan.xlsx", inputs=inputs))
        plan.files.append(report.write_html(plan, work / "report.html", inputs=inputs))
        outdir.mkdir(exist_ok=True)
        for f in sorted(work.iterdir()):
            os.replace(f, outdir / f.name)
        plan.files = [outdir / Path(f).name for f in plan.files]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tick(STEPS[4])
    return plan


def _build(hist: fc.History, work: Path, outdir: Path, config: Config, options: PlanOptions,
           base_target: ServiceTarget, rules, tick, inputs, agents=None) -> PlanResult:
    """The stages, writing into ``work``; messages name the final paths in ``outdir``."""
    result = fc.run_forecast(hist, options=options.forecast)
    files = [fc.write_forecast(result, work / "forecast.csv", inputs=inputs)]
    tick(STEPS[0])

    forecast_file = replace(read_forecast(work / "forecast.csv"),
                            source=str(outdir / "forecast.csv"))
    requirements = staff_with_config(forecast_file, config, aht_s=options.forecast.aht_s,
                                     **options.target_overrides)
    files.append(write_csv_atomic(requirements.frame, work / "requirements.csv",
                                  inputs=inputs))
    tick(STEPS[1])

    req_frame = shifts.read_requirements(work / "requirements.csv")
    # the schedule's own check: Erlang per interval and the simulator per day, with the
    # general target and the shrinkage the requirements were staffed with
    sched_options = replace(options.schedule, shrinkage=base_target.shrinkage,
                            replications=max(options.schedule.replications, 2))
    sched = shifts.schedule(req_frame, rules, options=sched_options, target=base_target,
                            roster=agents,
                            source=str(outdir / "requirements.csv"))
    files += shifts.write_outputs(sched, work, inputs=inputs)
    tick(STEPS[2])

    coverage = pd.read_csv(work / "coverage.csv")
    coverage, service = service_summary(coverage, requirements, config,
                                        options.target_overrides)
    service.update({k: sched.summary.get(k, float("nan")) for k in (
        "sim_service_level", "sim_service_level_lo", "sim_service_level_hi",
        "sim_intervals_met", "sim_intervals_below", "sim_overtime_h", "sim_break_lost_h")})
    service["sim_staffing_rule"] = sched.summary.get("sim_staffing_rule", "count")
    service["sim_replications"] = options.schedule.replications
    tick(STEPS[3])

    interval_h = requirements.interval_min / 60.0
    req = requirements.frame
    weeks = horizon_weeks(req[S.INTERVAL_START])
    s = sched.summary
    summary = {
        "calls": float(req[S.OFFERED].sum()),
        "agent_hours": requirements.agent_hours,
        "scheduled_agent_hours": float(req["scheduled_agents"].sum() * interval_h),
        "paid_hours": float(s["paid_hours"]),
        "fte": float(s["paid_hours"]) / (options.fte_hours * weeks),
        "fte_hours_per_week": options.fte_hours,
        "lp_bound": float(s["lp_bound"]),
        "gap": float(s["gap"]),
        "under_covered_intervals": int(s["under_covered_intervals"]),
        "solve_time_s": float(s["solve_time_s"]),
        "solver_status": str(s["status"]),
        "sl_target": base_target.sl_target,
        "sl_threshold_s": base_target.sl_threshold_s,
        "shrinkage": base_target.shrinkage,
        **service,
    }
    return PlanResult(history=hist, forecast=result, requirements=requirements, schedule=sched,
                      coverage=coverage, summary=summary,
                      notes=[*result.notes, *requirements.notes, *under_covered_notes(coverage)],
                      files=files)


def under_covered_notes(coverage: pd.DataFrame, show: int = 10) -> list[str]:
    """One note listing the intervals the schedule leaves under-covered, by queue and time
    (the first ``show``, then how many more): what a planner must fix by hand."""
    under = coverage[coverage["under"] > 0]
    if under.empty:
        return []
    items = [(f"{r[S.QUEUE]} " if S.QUEUE in under.columns else "")
             + f"{r[S.INTERVAL_START]} ({int(r['under'])} short)"
             for _, r in under.head(show).iterrows()]
    more = f" and {len(under) - show} more" if len(under) > show else ""
    return [f"{len(under)} intervals under-covered by the schedule: {', '.join(items)}{more}"]


def service_summary(coverage: pd.DataFrame, requirements: Requirements, config: Config,
                    target_overrides: Mapping[str, object]):
    """Period KPIs of the agents the schedule puts on the phones (``on_phone_agents`` of
    coverage.csv) at the load each interval was staffed for (``staffing_erl``), each queue
    with its own target: call-weighted Erlang service level,
    ASA over answered calls, abandonment. Returns the coverage with ``offered`` joined in."""
    req = requirements.frame.copy()
    cov = coverage.copy()
    units = scheduling_units(req)           # the queue names the schedule was built for
    if units is not None:
        req["_target_queue"] = req[S.QUEUE] if S.QUEUE in req.columns else None
        req[S.QUEUE] = units.to_numpy()
    for f in (req, cov):
        f["_key"] = reader.format_times(f[S.INTERVAL_START]).to_numpy()
    has_q = S.QUEUE in req.columns and S.QUEUE in cov.columns
    keys = ["_key"] + ([S.QUEUE] if has_q else [])
    if has_q:
        req[S.QUEUE] = req[S.QUEUE].astype(str)
        cov[S.QUEUE] = cov[S.QUEUE].astype(str)
    extra = [S.OFFERED, "traffic_erl", "staffing_erl"] + (
        [S.AHT_S] if S.AHT_S in req.columns else [])
    if "_target_queue" in req.columns:
        extra.append("_target_queue")
    merged = cov.merge(req[keys + extra], on=keys, how="left")
    if merged[S.OFFERED].isna().any():
        raise InternalError("coverage.csv and requirements.csv do not line up")
    interval_min = requirements.interval_min
    totals = {"offered": 0.0, "sl": 0.0, "ab": 0.0, "asa_w": 0.0, "ans": 0.0}
    parts = []
    for q, g in (merged.groupby(S.QUEUE, sort=False) if has_q else [(None, merged)]):
        if "_target_queue" in g.columns:     # "queue / channel": the queue's own target
            q = g["_target_queue"].iloc[0]
        target = config.service_target(q, **target_overrides)
        c = g[S.OFFERED].to_numpy(float)
        offered_erl = g["traffic_erl"].to_numpy(float)
        aht = np.where(c > 0, offered_erl * interval_min * 60.0 / np.where(c > 0, c, 1.0), 1.0)
        load = g["staffing_erl"].to_numpy(float)     # the load it was staffed for
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
    out = pd.concat(parts).drop(columns=["_key", "_target_queue"], errors="ignore")
    off = max(totals["offered"], 1e-12)
    return out, {"service_level": totals["sl"] / off,
                 "asa_s": totals["asa_w"] / max(totals["ans"], 1e-12),
                 "abandon_rate": totals["ab"] / off}


def kpi_targets(config: Config | None = None,
                overrides: Mapping[str, object] | None = None) -> KpiTargets:
    """Targets for the KPI scorecard: the industry defaults of :class:`KpiTargets`, then the
    ``[targets]`` of ``config``, then ``overrides`` that are not None."""
    config = config or Config()
    keys = {f.name for f in fields(KpiTargets)}
    kw = {k: v for k, v in config.targets.items() if k in keys}
    kw.update({k: v for k, v in (overrides or {}).items() if k in keys and v is not None})
    return KpiTargets(**kw)


def history_scorecard(history, config: Config, target_overrides=None, weeks: int = 4, *,
                      read: ReadOptions | None = None) -> pd.DataFrame | None:
    """Weekly KPI scorecard of the last ``weeks`` weeks of history
    (:mod:`wfmplan.scorecard`), when the history records more than calls offered; else
    None."""
    hist = sc.read_history(history, options=read)
    if not set(hist.frame.columns) & {"handled", "abandoned", "answered_in_sl", "asa_s",
                                      "aht_s"}:
        return None
    card = sc.scorecard(hist, kpi_targets(config, target_overrides), periods=("week",))
    starts = sorted(card["period_start"].unique())[-weeks:]
    return card[card["period_start"].isin(starts)].reset_index(drop=True)


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
        *([f"solver status            {s['solver_status']}"] if "solver_status" in s else []),
        f"service level (Erlang)   {s['service_level']:.1%}   ASA {s['asa_s']:.1f} s   "
        f"abandoned {s['abandon_rate']:.2%}",
        f"service level (simulated) {s['sim_service_level']:.1%}{sim_ci}, "
        f"{s['sim_replications']} replications, staffing rule "
        f"{s.get('sim_staffing_rule', 'count')}",
        *([f"intervals at target      {s['sim_intervals_met']:.1%} simulated at or above it, "
           f"{s['sim_intervals_below']} significantly below"]
          if s.get("sim_intervals_met", math.nan) == s.get("sim_intervals_met") else []),
    ]
