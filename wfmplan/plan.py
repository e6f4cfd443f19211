"""``wfm plan``: history -> forecast -> required agents -> shifts, in one go.

Each stage is the same library call the single commands make (:func:`forecast.run_forecast`,
:func:`wfmplan.staffing.staff_with_config`, :func:`shifts.schedule`), and each hands the next
one the file it wrote, read back through the one reader, so what the report shows is what the
files hold. Outputs in OUTDIR: ``forecast.csv``, ``requirements.csv``, ``shifts.csv``,
``coverage.csv`` (plus the schedule's ``coverage.png`` and ``schedule.xlsx``), ``plan.xlsx``
and ``report.html``.

The schedule is checked two ways (:mod:`shifts.check`), each row by the model that staffed
it (the ``staffing_model`` of requirements.csv) with its queue and channel's target (the
queue's wfm.toml table, then :meth:`~wfmcore.targets.ServiceTarget.for_channel`, as
:mod:`wfmplan.staffing` does): the formula of that model gives the service level of the
agents on the phones in every interval (Erlang C / A / X for voice, Erlang Chat for chat),
and the simulator replays each day with those agents (queues carry over from one interval
to the next, which the interval-by-interval formulas ignore; chat in the channel
simulator). Deferred work (email, back office) has no interval KPI: its check is the share
of the items done by the deadline, simulated at the scheduled agents
(:func:`erlang.deferred.simulate_deferred`), and it stays out of the call-weighted figures.
Agents on the phones = scheduled agents (net of breaks) x (1 - shrinkage), rounded down.
The summary's keys are listed in :class:`PlanResult`; it is also written as
``plan_summary.json``.
"""

from __future__ import annotations

import json
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
from shifts.check import DAY_COLUMNS, check_service
from shifts.requirements import check_requirements, scheduling_units
from wfmcore import checks, reader
from wfmcore import schema as S
from wfmcore.config import Config
from wfmcore.errors import InputError, InternalError
from wfmcore.io import check_output_path, write_atomic, write_csv_atomic
from wfmcore.readoptions import ReadOptions, merge
from wfmcore.targets import KpiTargets, ServiceTarget
from wfmplan import report
from wfmplan import scorecard as sc
from wfmplan.settings import read_options
from wfmplan.staffing import Requirements, horizon_weeks, read_forecast, staff_with_config

STEPS = ("read and forecast", "staff", "schedule", "check service", "write outputs")
OUTPUT_FILES = ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "plan.xlsx",
                "report.html", "plan_summary.json")


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """Everything ``wfm plan`` is told, validated once: how to read the history, how to
    forecast, the AHT for a history without one, the target options given on the command line
    (they override wfm.toml), how to schedule and check, the paid hours of one FTE a
    week, and ``workers``: processes for the forecast's series and the schedule's days
    (None: one per core where it pays, :func:`wfmcore.parallel.resolve_workers` and
    :func:`shifts.model.default_workers`; a number given here replaces the schedule's own
    ``workers``). The plan's results do not depend on it."""

    forecast: fc.ForecastOptions = field(default_factory=fc.ForecastOptions)
    schedule: shifts.ScheduleOptions = field(
        default_factory=lambda: shifts.ScheduleOptions(replications=10))
    target_overrides: Mapping[str, object] = field(default_factory=dict)
    fte_hours: float = 37.5
    read: ReadOptions = field(default_factory=ReadOptions)
    workers: int | None = None

    def __post_init__(self):
        checks.positive(self.fte_hours, "fte_hours")
        if self.workers is not None:
            object.__setattr__(self, "workers", checks.whole(self.workers, "workers", 1))
        object.__setattr__(self, "target_overrides", MappingProxyType(
            {k: v for k, v in self.target_overrides.items() if v is not None}))


def plan_options(config: Config | None = None, *, fte_hours: float = 37.5,
                 target_overrides: Mapping[str, object] | None = None,
                 schedule: Mapping[str, object] | None = None,
                 read: ReadOptions | None = None, workers: int | None = None,
                 **forecast_options) -> PlanOptions:
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
                       read=read if read is not None else read_options(config),
                       workers=workers)


@dataclass
class PlanResult:
    """The stages' typed results, the service check and the files written.

    ``summary`` (also ``plan_summary.json`` and the report's ``wfm-summary`` JSON), the keys a
    script can rely on: ``calls`` (voice and chat contacts plus deferred items forecast),
    ``agent_hours``, ``scheduled_agent_hours``, ``paid_hours``, ``fte``,
    ``fte_hours_per_week``, ``lp_bound``, ``gap``, ``under_covered_intervals``,
    ``solve_time_s``, ``solver_status``, the general target (``sl_target``,
    ``sl_threshold_s``, ``shrinkage``); the service check of the voice and chat rows, each
    by its own model and target, pooled over them: ``service_level`` (the formula's,
    calls-weighted), ``asa_s`` (over answered contacts), ``abandon_rate``,
    ``sim_service_level`` with ``sim_service_level_lo`` / ``_hi`` (the simulator's, ratio of
    totals, 95 % interval), ``sim_intervals_met``, ``sim_intervals_below``,
    ``sim_overtime_h``, ``sim_break_lost_h``, ``sim_staffing_rule``, ``sim_replications``;
    deferred work: ``deferred_share_on_time`` with ``_lo`` / ``_hi`` (simulated share of the
    items done by their deadline at the scheduled agents; NaN without deferred rows),
    ``deferred_items``; and per channel (dicts keyed by the channel, ``voice`` for rows
    without one): ``staffing_model_by_channel``, ``calls_by_channel``,
    ``service_level_by_channel`` and ``sim_service_level_by_channel`` (voice and chat
    channels), ``share_on_time_by_channel`` and ``deadline_by_channel`` (deferred channels:
    the simulated share, and e.g. "95% within 8 business hours"). A figure that does not
    apply is NaN (null in JSON)."""

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
        plan.files.append(write_summary_json(plan.summary, work / "plan_summary.json",
                                             inputs=inputs))
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
    result = fc.run_forecast(hist, options=options.forecast, workers=options.workers)
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
    # the schedule with the shrinkage the requirements were staffed with; its service check
    # is the plan's own, by channel model (below), so the schedule simulates only to repair
    sched_options = replace(options.schedule, shrinkage=base_target.shrinkage,
                            replications=max(options.schedule.replications, 2),
                            simulate=options.schedule.repair)
    if options.workers is not None:
        sched_options = replace(sched_options, workers=options.workers)
    source = str(outdir / "requirements.csv")
    sched = shifts.schedule(req_frame, rules, options=sched_options, target=base_target,
                            roster=agents, source=source)
    sched, by_unit = check_schedule(sched, req_frame, requirements, config, options,
                                    base_target, source)
    files += shifts.write_outputs(sched, work, inputs=inputs)
    tick(STEPS[2])

    coverage = pd.read_csv(work / "coverage.csv")
    coverage, service = service_summary(coverage, requirements, config,
                                        options.target_overrides)
    service.update({k: sched.summary.get(k, float("nan")) for k in (
        "sim_service_level", "sim_service_level_lo", "sim_service_level_hi",
        "sim_intervals_met", "sim_intervals_below", "sim_overtime_h", "sim_break_lost_h",
        "deferred_share_on_time", "deferred_share_on_time_lo", "deferred_share_on_time_hi",
        "deferred_items")})
    service["sim_staffing_rule"] = sched.summary.get("sim_staffing_rule", "count")
    service["sim_replications"] = options.schedule.replications
    service.update(channel_figures(by_unit, unit_targets(requirements.frame, config,
                                                         options.target_overrides)))
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


def unit_targets(frame: pd.DataFrame, config: Config,
                 target_overrides: Mapping[str, object]) -> dict[str, tuple[ServiceTarget, str]]:
    """(target, channel) of each scheduling unit of a requirements frame (its ``queue``, or
    ``"queue / channel"``, :func:`shifts.requirements.scheduling_units`; ``""`` for a frame
    with neither): the queue's target of ``config`` with ``target_overrides``, for the
    unit's channel (:meth:`ServiceTarget.for_channel`), as :mod:`wfmplan.staffing` staffed
    it; the channel is the file's (``voice`` without a channel column)."""
    units = scheduling_units(frame)
    out: dict[str, tuple[ServiceTarget, str]] = {}
    if units is None:
        return {"": (config.service_target(None, **target_overrides), "voice")}
    queues = (frame[S.QUEUE].astype(str).to_numpy() if S.QUEUE in frame.columns
              else np.full(len(frame), None))
    channels = (frame[S.CHANNEL].astype(str).to_numpy() if S.CHANNEL in frame.columns
                else np.full(len(frame), None))
    for unit, queue, channel in zip(units.to_numpy(), queues, channels, strict=True):
        if unit in out:
            continue
        target = config.service_target(queue if queue in config.queues else None,
                                       **target_overrides)
        if channel is not None:
            target = target.for_channel(channel)
        out[unit] = (target, channel if channel is not None else "voice")
    return out


def check_schedule(sched: shifts.ScheduleResult, req_frame, requirements: Requirements,
                   config: Config, options: PlanOptions, base_target: ServiceTarget,
                   source: str) -> tuple[shifts.ScheduleResult, dict]:
    """The plan's service check of ``sched`` (:func:`shifts.check.check_service` with each
    unit's target, :func:`unit_targets`): the schedule with its coverage, days and summary
    carrying this check in place of the schedule's own, and the check's per-unit figures
    (``by_unit``)."""
    req, interval_min = check_requirements(req_frame, source, sched.interval_min)
    targets = {u: t for u, (t, _) in unit_targets(requirements.frame, config,
                                                   options.target_overrides).items()}
    sched_opt = options.schedule
    per_interval, per_day, overall = check_service(
        sched.coverage, req, interval_min, target=base_target, targets=targets,
        shrinkage=base_target.shrinkage, simulate=sched_opt.simulate,
        replications=max(sched_opt.replications, 2), seed=sched_opt.seed,
        staffing_rule=sched_opt.staffing_rule, shifts=sched.shifts)
    old = [c for c in (*per_interval.columns, "sim_on_phone_agents", "share_on_time")
           if c in sched.coverage.columns]
    coverage = pd.concat([sched.coverage.drop(columns=old), per_interval], axis=1)
    days = sched.days.drop(columns=[c for c in DAY_COLUMNS[2:] if c in sched.days.columns])
    if not per_day.empty:
        has_queue = (req["queue"] != "").any()
        keys = ["queue", "date"] if has_queue else ["date"]
        days = days.merge(per_day.drop(columns=[] if has_queue else ["queue"]), on=keys,
                          how="left")
    by_unit = overall.pop("by_unit")
    summary = {**sched.summary, **{k: v for k, v in overall.items() if k != "on_phone_share"}}
    return replace(sched, coverage=coverage, days=days, summary=summary), by_unit


def service_summary(coverage: pd.DataFrame, requirements: Requirements, config: Config,
                    target_overrides: Mapping[str, object]):
    """Period KPIs of the agents the schedule puts on the phones (``on_phone_agents`` of
    coverage.csv) at the load each interval was staffed for (``staffing_erl``), each row by
    the model that staffed it with its queue and channel's target (:func:`unit_targets`):
    call-weighted service level, ASA over answered contacts, abandonment, over the voice
    and chat rows (deferred rows have no interval KPI: NaN, and left out). Returns the
    coverage in its order with ``offered`` (and ``channel``, ``staffing_model`` where the
    requirements have them), ``asa_s`` and ``p_abandon`` joined in, and a dict with
    ``service_level``, ``asa_s``, ``abandon_rate``, ``calls_by_channel``,
    ``staffing_model_by_channel`` and ``service_level_by_channel``."""
    req = requirements.frame.copy()
    cov = coverage.copy().reset_index(drop=True)
    units = scheduling_units(req)
    req["_unit"] = units.to_numpy() if units is not None else ""
    cov["_unit"] = cov[S.QUEUE].astype(str) if S.QUEUE in cov.columns else ""
    for f in (req, cov):
        f["_key"] = reader.format_times(f[S.INTERVAL_START]).to_numpy()
    extra = [c for c in (S.OFFERED, "traffic_erl", "staffing_erl", S.CHANNEL, "staffing_model")
             if c in req.columns and c not in cov.columns]
    merged = cov.merge(req[["_key", "_unit"] + extra], on=["_key", "_unit"], how="left",
                       validate="one_to_one")
    if merged[S.OFFERED].isna().any():
        raise InternalError("coverage.csv and requirements.csv do not line up")
    info = unit_targets(requirements.frame, config, target_overrides)
    interval_min = requirements.interval_min
    c_all = merged[S.OFFERED].to_numpy(float)
    asa = np.full(len(merged), np.nan)
    p_ab = np.full(len(merged), np.nan)
    sl = np.full(len(merged), np.nan)
    calls_by, models_by, sl_w_by, sl_c_by = {}, {}, {}, {}
    for unit, idx in merged.groupby("_unit", sort=True).indices.items():
        target, channel = info[unit]
        c = c_all[idx]
        calls_by[channel] = calls_by.get(channel, 0.0) + float(c.sum())
        models_by.setdefault(channel, set()).add(target.model)
        if target.model == "deferred":
            continue
        g = merged.iloc[idx]
        offered_erl = g["traffic_erl"].to_numpy(float)
        aht = np.where(c > 0, offered_erl * interval_min * 60.0 / np.where(c > 0, c, 1.0), 1.0)
        k = kpis(g["on_phone_agents"].to_numpy(float), g["staffing_erl"].to_numpy(float), aht,
                 target)
        sl[idx], asa[idx], p_ab[idx] = k["service_level"], k["asa_s"], k["p_abandon"]
        sl_w_by[channel] = sl_w_by.get(channel, 0.0) + float((k["service_level"] * c).sum())
        sl_c_by[channel] = sl_c_by.get(channel, 0.0) + float(c.sum())
    contact = np.isfinite(sl)                       # the voice and chat rows
    c = np.where(contact, c_all, 0.0)
    answered = c * (1 - np.nan_to_num(p_ab))
    finite = np.isfinite(asa) & (answered > 0)
    off = max(float(c.sum()), 1e-12)
    out = merged.assign(asa_s=asa, p_abandon=p_ab).drop(columns=["_key", "_unit"])
    return out, {
        "service_level": float(np.nansum(sl * c)) / off if c.sum() > 0 else math.nan,
        "asa_s": (float((asa[finite] * answered[finite]).sum()) / float(answered[finite].sum())
                  if finite.any() else math.nan),
        "abandon_rate": float(np.nansum(p_ab * c)) / off if c.sum() > 0 else math.nan,
        "calls_by_channel": calls_by,
        "staffing_model_by_channel": {ch: "/".join(sorted(m)) for ch, m in models_by.items()},
        "service_level_by_channel": {ch: (sl_w_by[ch] / sl_c_by[ch] if sl_c_by[ch] > 0
                                          else math.nan) for ch in sl_w_by},
    }


def channel_figures(by_unit: Mapping[str, dict],
                    info: Mapping[str, tuple[ServiceTarget, str]]) -> dict:
    """The simulated figures per channel from the check's per-unit ones (units of one
    channel pooled by their totals): ``sim_service_level_by_channel`` (voice and chat),
    ``share_on_time_by_channel`` and ``deadline_by_channel`` (deferred work)."""
    sim_num, sim_den, on, due, deadline = {}, {}, {}, {}, {}
    for unit, e in by_unit.items():
        target, channel = info[unit]
        if e["model"] == "deferred":
            on[channel] = on.get(channel, 0.0) + e["sim_on_time"]
            due[channel] = due.get(channel, 0.0) + e["sim_due"]
            deadline[channel] = (f"{target.deadline_share:.0%} within "
                                 f"{target.deadline_h:g} business hours")
        else:
            sim_num[channel] = sim_num.get(channel, 0.0) + e.get("sim_answered_in_sl", math.nan)
            sim_den[channel] = sim_den.get(channel, 0.0) + e.get("sim_offered", math.nan)
    return {
        "sim_service_level_by_channel": {ch: (sim_num[ch] / sim_den[ch] if sim_den[ch] > 0
                                              else math.nan) for ch in sim_num},
        "share_on_time_by_channel": {ch: (on[ch] / due[ch] if due[ch] > 0 else math.nan)
                                     for ch in on},
        "deadline_by_channel": deadline,
    }


def write_summary_json(summary: Mapping, path, inputs=()) -> Path:
    """plan_summary.json: the summary (:class:`PlanResult`), NaN as null; atomic."""
    text = json.dumps(report.json_ready(summary), indent=2, sort_keys=True)
    return write_atomic(path, lambda p: Path(p).write_text(text + "\n", encoding="utf-8"),
                        inputs=inputs)


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
        *channel_lines(s),
    ]


def channel_lines(summary: dict) -> list[str]:
    """One line per channel when the plan has several or any deferred work: the model, the
    formula's and the simulator's service level, or the share done by the deadline."""
    models = summary.get("staffing_model_by_channel", {})
    if len(models) < 2 and not summary.get("share_on_time_by_channel"):
        return []
    lines = []
    for ch, model in models.items():
        if ch in summary.get("share_on_time_by_channel", {}):
            share = summary["share_on_time_by_channel"][ch]
            lines.append(f"  {ch:<10} {model:<9} {share:.1%} done on time "
                         f"({summary['deadline_by_channel'][ch]}, simulated)")
        else:
            sl = summary.get("service_level_by_channel", {}).get(ch, math.nan)
            sim = summary.get("sim_service_level_by_channel", {}).get(ch, math.nan)
            lines.append(f"  {ch:<10} {model:<9} service level {sl:.1%} (Erlang), "
                         f"{sim:.1%} (simulated)")
    return ["by channel", *lines]
