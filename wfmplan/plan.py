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

Multi-skill plans: with ``[groups.NAME]`` tables in wfm.toml the call types (the forecast's
queues, or ``queue / channel``) are staffed together by the groups' skills
(:mod:`wfmplan.multiskill`, the simulation search of issue 14); requirements.csv then has
one row per group and interval (the schedule schedules each group's agents) and
requirements_by_type.csv one per type; the schedule is checked by the multi-skill simulator
(always: no formula covers skills-based routing; at least 2 replications), written as
coverage.csv (per group) and coverage_by_type.csv; the report and workbook gain a Skills
section (:func:`_build_skills`, :class:`PlanResult`).
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
from erlang.chat_history import estimate_aht_by_concurrency
from forecast.pipeline import run_forecast_partitioned
from shifts.check import DAY_COLUMNS, check_service
from shifts.report import (
    cover_lines,
    deferred_lines,
    period_note,
    repair_lines,
    under_covered_lines,
    under_covered_table,
)
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
from wfmplan.multiskill import (
    SkillCheck,
    SkillOptions,
    SkillRequirements,
    by_type_path,
    check_skills_schedule,
    skills_model,
    staff_skills_forecast,
    type_targets,
)
from wfmplan.settings import read_options
from wfmplan.staffing import (
    Requirements,
    blending_figures,
    horizon_weeks,
    read_forecast,
    staff_blended,
)

STEPS = ("read and forecast", "staff", "schedule", "check service", "write outputs")
OUTPUT_FILES = ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "plan.xlsx",
                "report.html", "plan_summary.json")
#: written besides those by a multi-skill plan (``[groups.NAME]`` in wfm.toml)
SKILL_OUTPUT_FILES = ("requirements_by_type.csv", "coverage_by_type.csv")


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """Everything ``wfm plan`` is told, validated once: how to read the history, how to
    forecast, the AHT for a history without one, the target options given on the command line
    (they override wfm.toml), how to schedule and check, the paid hours of one FTE a
    week, and ``workers``: processes for the forecast's series, the multi-skill staffing's
    intervals and the schedule's days (None: one per core where it pays,
    :func:`wfmcore.parallel.resolve_workers` and :func:`shifts.model.default_workers`; a
    number given here replaces the schedule's own ``workers``). The plan's results do not
    depend on it. ``skills``: how a multi-skill plan searches each interval's staffing
    (:class:`wfmplan.multiskill.SkillOptions`; used only with ``[groups.NAME]`` tables)."""

    forecast: fc.ForecastOptions = field(default_factory=fc.ForecastOptions)
    schedule: shifts.ScheduleOptions = field(
        default_factory=lambda: shifts.ScheduleOptions(replications=10))
    target_overrides: Mapping[str, object] = field(default_factory=dict)
    fte_hours: float = 37.5
    read: ReadOptions = field(default_factory=ReadOptions)
    workers: int | None = None
    skills: SkillOptions = field(default_factory=SkillOptions)

    def __post_init__(self):
        checks.positive(self.fte_hours, "fte_hours")
        if not isinstance(self.skills, SkillOptions):
            raise InputError(f"skills must be a wfmplan.multiskill.SkillOptions; got "
                             f"{type(self.skills).__name__}", param="skills")
        if self.workers is not None:
            object.__setattr__(self, "workers", checks.whole(self.workers, "workers", 1))
        object.__setattr__(self, "target_overrides", MappingProxyType(
            {k: v for k, v in self.target_overrides.items() if v is not None}))


def plan_options(config: Config | None = None, *, fte_hours: float = 37.5,
                 target_overrides: Mapping[str, object] | None = None,
                 schedule: Mapping[str, object] | None = None,
                 read: ReadOptions | None = None, workers: int | None = None,
                 skills: SkillOptions | None = None, **forecast_options) -> PlanOptions:
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
                       workers=workers, skills=skills or SkillOptions())


@dataclass(frozen=True)
class SkillPlan:
    """A multi-skill plan's own results: the requirements per group and type
    (:class:`~wfmplan.multiskill.SkillRequirements`) and the schedule's check by the
    multi-skill simulator (:class:`~wfmplan.multiskill.SkillCheck`, its ``groups`` table
    with ``paid_hours`` of each group's shifts)."""

    requirements: SkillRequirements
    check: SkillCheck


@dataclass
class PlanResult:
    """The stages' typed results, the service check and the files written.

    ``summary`` (also ``plan_summary.json`` and the report's ``wfm-summary`` JSON), the keys a
    script can rely on: ``calls`` (voice and chat contacts plus deferred items forecast),
    ``agent_hours``, ``scheduled_agent_hours``, ``paid_hours``, ``fte``,
    ``fte_hours_per_week``, ``lp_bound``, ``gap``, ``under_covered_intervals``,
    ``solve_time_s``, ``solver_status``, the general target (``sl_target``,
    ``sl_threshold_s``, ``sl_period``, ``max_occupancy``, ``shrinkage``); the service check
    of the voice and chat rows, each by its own model and target, pooled over them:
    ``service_level`` (the formula's, calls-weighted), ``asa_s`` (over answered contacts), ``abandon_rate``,
    ``sim_service_level`` with ``sim_service_level_lo`` / ``_hi`` (the simulator's, ratio of
    totals, 95 % interval), ``sim_intervals_met``, ``sim_intervals_below``,
    ``sim_overtime_h``, ``sim_break_lost_h``, ``sim_staffing_rule``, ``sim_replications``;
    deferred work: ``deferred_share_on_time`` with ``_lo`` / ``_hi`` (simulated share of the
    items done by their deadline at the scheduled agents; NaN without deferred rows),
    ``deferred_items``, ``deferred_by_unit`` (how each deferred unit was scheduled: inside
    its deadline window, or per interval as staffed, in words), ``deferred_window_units``,
    ``deferred_late_agent_h`` (:func:`shifts.schedule`); and per channel (dicts keyed by the channel, ``voice`` for rows
    without one): ``staffing_model_by_channel``, ``calls_by_channel``,
    ``service_level_by_channel`` and ``sim_service_level_by_channel`` (voice and chat
    channels), ``share_on_time_by_channel`` and ``deadline_by_channel`` (deferred channels:
    the simulated share, and e.g. "95% within 8 business hours"); call blending
    (:func:`wfmplan.staffing.blending_figures`): ``blended_agent_h``, ``blend_free_agent_h``,
    ``blend_voice_service_level``, ``blend_voice_service_level_without``; with ``--repair``
    (:func:`shifts.schedule`): ``repair_status``, ``repair_rounds``, ``repair_tests``,
    ``repair_days`` and ``repair_added_hours``. A figure that does not apply is NaN (null
    in JSON).

    A multi-skill plan (``[groups.NAME]`` tables in wfm.toml; :func:`_build_skills`) has
    the same keys with these meanings: ``agent_hours`` the groups' required agent-hours;
    ``service_level``, ``asa_s``, ``abandon_rate`` the staffing search's simulated figures
    at the required agents (no formula covers skills-based routing; calls-weighted over the
    type-intervals); ``sim_service_level`` (``_lo``, ``_hi``), ``sim_intervals_met``,
    ``sim_intervals_below`` the schedule's, by the multi-skill simulator over the call types
    (``sim_overtime_h`` and ``sim_break_lost_h`` are NaN: it does not replay shifts);
    ``staffing_model_by_channel`` says 'multiskill'. And the skills keys:
    ``multiskill_agent_hours`` (= agent_hours), ``single_skill_agent_hours`` (each type its
    own agents), ``pooled_agent_hours`` (every agent every skill), ``skills_saving_share``
    (1 - multi-skill / single-skill), ``pooled_saving_share`` (1 - pooled / single-skill),
    ``sim_service_level_by_type`` with ``_lo_by_type`` / ``_hi_by_type`` (dicts keyed by
    type), ``groups`` (the group names); ``skills`` holds the tables
    (:class:`SkillPlan`)."""

    history: fc.History
    forecast: fc.ForecastResult
    requirements: Requirements
    schedule: shifts.ScheduleResult
    coverage: pd.DataFrame              # coverage.csv plus the service check columns
    summary: dict
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    scorecard: pd.DataFrame | None = None   # KPIs of the last weeks of history, if recorded
    skills: SkillPlan | None = None         # a multi-skill plan's tables
    #: scheduling unit -> (target, channel) as staffed (:func:`unit_targets`), and the
    #: wfm.toml [shrinkage] components behind the shrinkage (empty when it was given
    #: directly): what the report's assumptions and per-day targets read
    targets: dict = field(default_factory=dict)
    shrinkage_components: dict = field(default_factory=dict)

    @property
    def interval_min(self) -> int:
        return self.requirements.interval_min


def run_plan(history, outdir, options: PlanOptions | None = None, *,
             config: Config | None = None, rules: shifts.Rules | None = None,
             roster: Path | str | None = None,
             progress: Callable[[str], None] | None = None,
             partitioned: bool = False) -> PlanResult:
    """Run the whole chain and write every output into ``outdir`` (created if needed).

    ``options`` win over ``config``, which wins over the built-in defaults; ``rules`` (else
    the ``[shifts]`` table of ``config``, else the defaults) shape the shifts.
    ``roster``: an agents CSV (:func:`shifts.read_roster`): every shift goes to a named agent
    and fairness.csv is written. ``partitioned``: ``history`` is a Parquet dataset
    partitioned by queue (``queue=NAME/*.parquet``), read one queue at a time
    (:func:`_partitioned_history`; the forecast by
    :func:`forecast.pipeline.run_forecast_partitioned`): memory holds one queue's history,
    not all of them, and the plan is the one of the same rows in one file.
    ``progress(step_name)`` is called after each stage. Every setting is checked before any
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
    for name in OUTPUT_FILES + (SKILL_OUTPUT_FILES if config.groups else ()):
        check_output_path(outdir / name, inputs)
    # settings first: a bad target or rule must not cost a forecast
    base_target = config.service_target(None, **options.target_overrides)
    for queue in config.queues:
        config.service_target(queue, **options.target_overrides)
    if rules is None and config.shifts:
        rules = shifts.rules_from_dict(config.shifts, source=f"{config.path}: [shifts]")
    read = merge(options.read, tz=options.forecast.tz)
    if partitioned:
        if config.groups:
            raise InputError("--partitioned is not used with [groups] yet (the agent groups "
                             "share the queues' calls)", param="partitioned")
        hist, has_aht, card, config, chat_notes, chat_aht = _partitioned_history(
            history, config, options.target_overrides, read)
    else:
        hist = fc.read_history(history, options=read)
        has_aht = S.AHT_S in hist.frame.columns and not hist.frame[S.AHT_S].isna().all()
    if options.forecast.aht_s is None and not has_aht:
        raise InputError(f"{hist.source}: the history has no 'aht_s' column: give aht_s "
                         "(or aht_s under [staffing] in wfm.toml)", param="aht_s")
    queues = set(hist.frame[S.QUEUE]) if S.QUEUE in hist.frame.columns else set()
    unknown = sorted(set(config.queues) - queues)
    if unknown:
        raise InputError(f"{config.path}: [queues.{unknown[0]}] names a queue that is not in "
                         f"{hist.source}")
    if config.groups:           # the groups against the history's call types, before work
        check_groups(hist, config, options.target_overrides)
    if not partitioned:
        kpi = sc.read_history(history, options=read)       # every column the export has
        card = history_scorecard(history, config, options.target_overrides, read=read,
                                 kpi=kpi)
        config, chat_notes, chat_aht = chat_aht_from_history(kpi.frame, hist, config,
                                                             options.target_overrides)
    agents = shifts.read_roster(roster) if roster is not None else None

    outdir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        forecast = (run_forecast_partitioned(history, options=options.forecast, read=read,
                                             workers=options.workers)
                    if partitioned else None)
        plan = _build(hist, work, outdir, config, options, base_target, rules, tick, inputs,
                      agents, forecast)
        plan.scorecard = card
        plan.targets = unit_targets(plan.requirements.frame, config, options.target_overrides)
        if "shrinkage" not in options.target_overrides:
            plan.shrinkage_components = dict(config.shrinkage_components)
        plan.notes[:0] = chat_notes
        plan.summary["aht_s_by_concurrency_estimated"] = chat_aht
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
           base_target: ServiceTarget, rules, tick, inputs, agents=None,
           result: fc.ForecastResult | None = None) -> PlanResult:
    """The stages, writing into ``work``; messages name the final paths in ``outdir``.
    ``result``: the forecast when it was made already (a partitioned history)."""
    if result is None:
        result = fc.run_forecast(hist, options=options.forecast, workers=options.workers)
    files = [fc.write_forecast(result, work / "forecast.csv", inputs=inputs)]
    tick(STEPS[0])

    forecast_file = replace(read_forecast(work / "forecast.csv"),
                            source=str(outdir / "forecast.csv"))
    if config.groups:
        return _build_skills(hist, result, forecast_file, files, work, outdir, config,
                             options, base_target, rules, tick, inputs, agents)
    requirements = staff_blended(forecast_file, config, aht_s=options.forecast.aht_s,
                                 workers=options.workers, **options.target_overrides)
    files.append(write_csv_atomic(requirements.frame, work / "requirements.csv",
                                  inputs=inputs))
    tick(STEPS[1])

    req_frame = shifts.read_requirements(work / "requirements.csv")
    # the schedule with the shrinkage the requirements were staffed with; its service check
    # is the plan's own, by channel model (below), so the schedule simulates only to repair
    sched_options = replace(options.schedule, shrinkage=base_target.shrinkage,
                            replications=max(options.schedule.replications, 2),
                            simulate=options.schedule.repair,
                            horizon_days=options.schedule.horizon_days
                            or options.forecast.horizon_days)   # days without calls: closed
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
        **schedule_figures(s, options.fte_hours, weeks, base_target),
        **unit_figures(sched),
        "under_covered": under_covered_table(coverage).to_dict("records"),
        "shrinkage": base_target.shrinkage,
        **service,
        **blending_figures(req, requirements.interval_min),
    }
    return PlanResult(history=hist, forecast=result, requirements=requirements, schedule=sched,
                      coverage=coverage, summary=summary,
                      notes=[*result.notes, *requirements.notes, *under_covered_notes(coverage)],
                      files=files)


def _build_skills(hist, result, forecast_file, files, work: Path, outdir: Path,
                  config: Config, options: PlanOptions, base_target: ServiceTarget, rules,
                  tick, inputs, agents=None) -> PlanResult:
    """The multi-skill plan (``config.groups``): staff every interval by skills
    (:func:`wfmplan.multiskill.staff_skills_forecast`), write requirements.csv (one row per
    group and interval: the schedule schedules each group's agents) and
    requirements_by_type.csv, schedule the groups as any queues, then check the schedule
    with the multi-skill simulator day by day (:func:`wfmplan.multiskill.
    check_skills_schedule`: agents on the phones = scheduled x (1 - shrinkage) rounded
    down, as :mod:`shifts.check` counts them; each type's handle time its calls-weighted
    mean over the day, since the simulator takes one AHT per type and group; day ``d``
    with the ``d``-th stream of ``SeedSequence(options.schedule.seed)``), written as
    coverage.csv (per group: on_phone_agents, sim_occupancy) and coverage_by_type.csv."""
    sk = staff_skills_forecast(forecast_file, config, options=options.skills,
                               aht_s=options.forecast.aht_s, workers=options.workers,
                               **options.target_overrides)
    method = ", ".join(sorted({config.service_target(
        q if q in config.queues else None, **options.target_overrides).staffing_method
        for q in (forecast_file.frame[S.QUEUE].astype(str).unique()
                  if S.QUEUE in forecast_file.frame.columns else [None])}))
    requirements = Requirements(frame=sk.groups, interval_min=sk.interval_min,
                                staffing_method=method, notes=sk.notes)
    files.append(write_csv_atomic(sk.groups, work / "requirements.csv", inputs=inputs))
    files.append(write_csv_atomic(sk.types, by_type_path(work / "requirements.csv"),
                                  inputs=inputs))
    tick(STEPS[1])

    req_frame = shifts.read_requirements(work / "requirements.csv")
    # the schedule's own check and repair are single-queue: the groups are checked below
    sched_options = replace(options.schedule, shrinkage=sk.shrinkage,
                            replications=max(options.schedule.replications, 2),
                            simulate=False, repair=False,
                            horizon_days=options.schedule.horizon_days
                            or options.forecast.horizon_days)
    if options.workers is not None:
        sched_options = replace(sched_options, workers=options.workers)
    source = str(outdir / "requirements.csv")
    sched = shifts.schedule(req_frame, rules, options=sched_options, target=base_target,
                            roster=agents, source=source)
    tick(STEPS[2])

    cov = sched.coverage.copy()
    cov["on_phone_agents"] = np.floor(cov["scheduled"].to_numpy(float) * (1 - sk.shrinkage)
                                      + 1e-9).astype(np.int64)
    check = check_skills_schedule(sk, cov, replications=max(options.schedule.replications, 2),
                                  seed=options.schedule.seed)
    key = reader.format_times(cov[S.INTERVAL_START]).to_numpy()
    occ = check.group_intervals.assign(
        _key=reader.format_times(check.group_intervals[S.INTERVAL_START]).to_numpy())
    occ = occ.set_index(["_key", S.QUEUE])["sim_occupancy"]
    cov["sim_occupancy"] = occ.reindex(list(zip(key, cov[S.QUEUE].astype(str),
                                                strict=True))).to_numpy()
    sched = replace(sched, coverage=cov)
    files += shifts.write_outputs(sched, work, inputs=inputs)
    type_cov = check.type_intervals
    files.append(write_csv_atomic(type_cov, work / "coverage_by_type.csv", inputs=inputs))

    coverage = pd.read_csv(work / "coverage.csv")
    paid = pd.Series(dtype=float)
    if {"queue", "paid_hours", "agents"} <= set(sched.shifts.columns):
        paid = (sched.shifts["paid_hours"] * sched.shifts["agents"]).groupby(
            sched.shifts["queue"].astype(str)).sum()
    groups_table = check.groups.assign(
        paid_hours=[float(paid.get(g, 0.0)) if len(paid) else math.nan
                    for g in check.groups["group"]])
    check = replace(check, groups=groups_table)
    ov = check.overall
    types = sk.types
    calls = types[S.OFFERED].to_numpy(float)
    sl = types["service_level"].to_numpy(float)
    ok = np.isfinite(sl) & (calls > 0)
    ab = types["p_abandon"].to_numpy(float)
    ok_ab = np.isfinite(ab) & (calls > 0)
    answered = calls * (1 - np.nan_to_num(ab))
    asa = types["asa_s"].to_numpy(float)
    ok_asa = np.isfinite(asa) & (answered > 0)
    channel = _type_channels(forecast_file.frame)
    calls_by, sl_by, sim_by = {}, {}, {}
    by_type = check.types.set_index(S.QUEUE)
    for name, r in by_type.iterrows():
        ch = channel.get(str(name), "voice")
        calls_by[ch] = calls_by.get(ch, 0.0) + float(r["calls"])
    for ch in calls_by:
        names = [n for n in by_type.index if channel.get(str(n), "voice") == ch]
        mask = types[S.QUEUE].isin(names).to_numpy() & ok
        sl_by[ch] = (float(np.average(sl[mask], weights=calls[mask])) if mask.any()
                     else math.nan)
        sub = check.type_days[check.type_days[S.QUEUE].isin(names)]
        # the days' per-type estimates pooled by calls: the ratio of totals's point value
        w = sub["calls"].to_numpy(float)
        sim_by[ch] = (float(np.average(sub["sim_service_level"], weights=w)) if w.sum() > 0
                      else math.nan)
    if len(calls_by) == 1:
        sim_by = {ch: ov["sim_service_level"] for ch in calls_by}
    tick(STEPS[3])

    interval_h = sk.interval_min / 60.0
    weeks = horizon_weeks(sk.groups[S.INTERVAL_START])
    s = sched.summary
    multi_h = sk.agent_hours("agents")
    single_h = sk.agent_hours("single_skill_agents")
    pooled_h = sk.agent_hours("pooled_agents")
    summary = {
        "calls": float(calls.sum()),
        "agent_hours": requirements.agent_hours,
        "scheduled_agent_hours": float(sk.groups["scheduled_agents"].sum() * interval_h),
        **schedule_figures(s, options.fte_hours, weeks, base_target),
        "max_occupancy": None,           # multi-skill staffing meets service levels only
        **unit_figures(sched),
        "under_covered": under_covered_table(coverage).to_dict("records"),
        "shrinkage": sk.shrinkage,
        "service_level": (float(np.average(sl[ok], weights=calls[ok])) if ok.any()
                          else math.nan),
        "asa_s": (float(np.average(asa[ok_asa], weights=answered[ok_asa])) if ok_asa.any()
                  else math.nan),
        "abandon_rate": (float(np.average(ab[ok_ab], weights=calls[ok_ab])) if ok_ab.any()
                         else math.nan),
        "sim_service_level": ov["sim_service_level"],
        "sim_service_level_lo": ov["sim_service_level_lo"],
        "sim_service_level_hi": ov["sim_service_level_hi"],
        "sim_intervals_met": ov["sim_intervals_met"],
        "sim_intervals_below": ov["sim_intervals_below"],
        "sim_overtime_h": math.nan, "sim_break_lost_h": math.nan,
        "deferred_share_on_time": math.nan, "deferred_share_on_time_lo": math.nan,
        "deferred_share_on_time_hi": math.nan, "deferred_items": 0.0,
        "sim_staffing_rule": "count",
        "sim_replications": ov["sim_replications"],
        "calls_by_channel": calls_by,
        "staffing_model_by_channel": {ch: "multiskill" for ch in calls_by},
        "service_level_by_channel": sl_by,
        "sim_service_level_by_channel": sim_by,
        "share_on_time_by_channel": {}, "deadline_by_channel": {},
        "multiskill_agent_hours": multi_h,
        "single_skill_agent_hours": single_h,
        "pooled_agent_hours": pooled_h,
        "skills_saving_share": 1 - multi_h / single_h if single_h > 0 else math.nan,
        "pooled_saving_share": 1 - pooled_h / single_h if single_h > 0 else math.nan,
        "sim_service_level_by_type": by_type["sim_service_level"].to_dict(),
        "sim_service_level_lo_by_type": by_type["sim_service_level_lo"].to_dict(),
        "sim_service_level_hi_by_type": by_type["sim_service_level_hi"].to_dict(),
        "groups": list(sk.model.group_names),
    }
    return PlanResult(history=hist, forecast=result, requirements=requirements,
                      schedule=sched, coverage=coverage, summary=summary,
                      notes=[*result.notes, *sk.notes, *under_covered_notes(coverage)],
                      files=files, skills=SkillPlan(requirements=sk, check=check))


def check_groups(hist: fc.History, config: Config,
                 target_overrides: Mapping[str, object]) -> None:
    """InputError (``param='groups'``) unless the ``[groups.NAME]`` tables of ``config``
    fit the call types of ``hist`` (its queues, or ``queue / channel``): every skill a
    type, every type some group's skill, every type a voice model (what
    :func:`wfmplan.multiskill.staff_skills_forecast` would find after the forecast)."""
    frame = hist.frame.reset_index(drop=True)
    names = scheduling_units(frame)
    if names is None:
        raise InputError(f"{hist.source}: a multi-skill plan ([groups] in "
                         f"{config.path or 'wfm.toml'}) needs a 'queue' (or 'channel') "
                         "column: the call types are its series", param="groups")
    targets = type_targets(frame, names.reset_index(drop=True), config, dict(target_overrides))
    skills_model(config, targets, dict.fromkeys(targets, 1.0))


def _type_channels(frame: pd.DataFrame) -> dict[str, str]:
    """Call type (:func:`shifts.requirements.scheduling_units`) -> its channel (``voice``
    without a channel column)."""
    units = scheduling_units(frame)
    if units is None:
        return {}
    ch = (frame[S.CHANNEL].astype(str) if S.CHANNEL in frame.columns
          else pd.Series("voice", index=frame.index))
    return dict(zip(units.to_numpy(), ch.to_numpy(), strict=True))


def schedule_figures(s: Mapping, fte_hours: float, weeks: float,
                     target: ServiceTarget) -> dict:
    """The summary's schedule keys from the schedule's summary ``s``: paid hours, FTE (paid
    hours / (``fte_hours`` x ``weeks``)) with ``fte_definition``, the solver's bound, gap,
    status and time, the general target, and the headcount (:data:`HEADCOUNT_KEYS`)."""
    return {
        "paid_hours": float(s["paid_hours"]),
        "fte": float(s["paid_hours"]) / (fte_hours * weeks),
        "fte_hours_per_week": fte_hours,
        "lp_bound": float(s["lp_bound"]),
        "gap": float(s["gap"]),
        "under_covered_intervals": int(s["under_covered_intervals"]),
        "solve_time_s": float(s["solve_time_s"]),
        "solver_status": str(s["status"]),
        "sl_target": target.sl_target,
        "sl_threshold_s": target.sl_threshold_s,
        "sl_period": target.sl_period,
        "fte_definition": f"paid hours / ({fte_hours:g} h a week x {weeks:g} week(s))",
        **{k: s[k] for k in HEADCOUNT_KEYS if k in s},
        "max_occupancy": target.max_occupancy,
    }


#: the schedule's headcount keys (:func:`shifts.schedule.headcount`) a plan reports
HEADCOUNT_KEYS = ("people", "people_by_contract", "people_max_day", "shifts",
                  "shifts_by_type", "paid_hours_by_contract", "occupancy",
                  "over_agent_hours", "over_share", "short_shifts", "contracts_without_tours",
                  "people_outside_horizon", "days_outside_horizon",
                  # and how the deferred units were covered (inside their deadline window)
                  "deferred_window_units", "deferred_late_agent_h", "deferred_by_unit",
                  # and the tours added where the solver left intervals short
                  "tours_added_to_cover", "paid_hours_added_to_cover", "greedy_cover_units",
                  "search_improved_units", "paid_hours_saved_by_search",
                  # and what --repair did (shifts.schedule._repair)
                  "repair_status", "repair_rounds", "repair_tests", "repair_days",
                  "repair_added_hours")

def unit_figures(sched) -> dict:
    """The summary's per-unit keys: ``units``, one entry per planning unit of the schedule
    (a queue's day; a queue's calendar week with weekly tours) with its ``queue`` (omitted
    without queues), ``date`` (``week_start`` with tours), ``status`` (the solver's:
    'optimal', 'within gap G', or why it stopped, e.g. the time limit), ``gap`` ((objective
    - bound) / objective of the unit; for a week of tours the week's),
    ``under_covered_intervals`` and ``under_agent_hours`` (the unit's intervals with
    fewer scheduled than required), ``solve_time_s``, ``method`` (how its schedule was
    reached: the solver's path, tours added to cover a shortfall, the search after the
    solver, the greedy cover); and ``units_not_within_gap``, how
    many units stopped without a proof of the gap (a time limit reached is counted here,
    never hidden in the overall gap)."""
    days, cov = sched.days.copy(), sched.coverage
    if days.empty:
        return {"units": [], "units_not_within_gap": 0}
    tours = sched.tours is not None
    day = pd.to_datetime(days["date"]).dt.normalize()
    days["_unit"] = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")) if tours else day
    has_queue = "queue" in days.columns
    keys = ["queue", "_unit"] if has_queue else ["_unit"]
    cday = pd.to_datetime(cov[S.INTERVAL_START]).dt.normalize()
    cov = pd.DataFrame({"_unit": (cday - pd.to_timedelta(cday.dt.day_of_week, unit="D"))
                        if tours else cday, "under": cov["under"].to_numpy(float),
                        **({"queue": cov["queue"].astype(str).to_numpy()}
                           if has_queue and "queue" in cov.columns else {})})
    if has_queue and "queue" not in cov.columns:
        cov["queue"] = ""
    if has_queue:
        days["queue"] = days["queue"].astype(str)
    under = cov.groupby(keys)["under"].agg(intervals=lambda u: int((u > 0).sum()),
                                          agent_hours="sum")
    step_h = sched.interval_min / 60.0
    units, failed = [], 0
    for key, rows in days.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        status = str(rows["status"].iloc[0])
        ok = status == "optimal" or status.startswith("within gap")
        failed += not ok
        objective = float(rows["objective"].sum())
        bound = float(rows["bound"].sum())
        if tours:                      # the week's gap, carried by each of its days
            week_gap = float(rows["gap"].iloc[0])
            gap = week_gap if np.isfinite(week_gap) else None
        else:
            gap = (None if not np.isfinite(bound) else
                   0.0 if objective <= 0 else max(objective - bound, 0.0) / objective)
        u = under.loc[key] if key in under.index else None
        entry = {"queue": key[0]} if has_queue else {}
        entry[("week_start" if tours else "date")] = key[-1].strftime("%Y-%m-%d")
        entry.update({"status": status, "gap": gap,
                      "under_covered_intervals": int(u["intervals"]) if u is not None else 0,
                      "under_agent_hours": float(u["agent_hours"] * step_h)
                      if u is not None else 0.0,
                      "solve_time_s": float(rows["solve_time_s"].sum())})
        if "method" in rows.columns:       # how the unit's schedule was reached
            entry["method"] = "; ".join(dict.fromkeys(m for m in rows["method"] if m))
        units.append(entry)
    return {"units": units, "units_not_within_gap": failed}


def under_covered_notes(coverage: pd.DataFrame, show: int = 10) -> list[str]:
    """:func:`shifts.report.under_covered_lines`: the intervals left under-covered."""
    return under_covered_lines(coverage, show)


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
    overall.pop("by_week", None)         # the repair's; the per-day table is the report's
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


def chat_aht_from_history(kpi: pd.DataFrame, hist: fc.History, config: Config,
                          target_overrides: Mapping[str, object]
                          ) -> tuple[Config, list[str], dict[str, list[float]]]:
    """The chat handle time by concurrency of each chat series that holds several chats
    (``concurrency`` > 1) and has no ``aht_s_by_concurrency`` of its own, estimated from
    the ``mean_concurrency`` column of ``kpi`` (the history as the scorecard reads it,
    :func:`wfmplan.scorecard.read_history`; :func:`erlang.chat_history.
    estimate_aht_by_concurrency`): the config with the estimates as the queues' values,
    a note per series (values, standard errors, rows, the concurrency seen) and the
    estimates by series label. Unchanged without the column or without such a series."""
    frame = hist.frame
    keys = [c for c in S.SERIES_COLUMNS if c in frame.columns]
    wanted = []
    for key, _ in (frame.groupby(keys, sort=True) if keys else [((), frame)]):
        key = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        queue = key.get(S.QUEUE)
        target = config.service_target(queue if queue in config.queues else None,
                                       **target_overrides)
        if S.CHANNEL in key:
            target = target.for_channel(str(key[S.CHANNEL]))
        if (target.model == "chat" and (target.concurrency or 1) > 1
                and target.aht_s_by_concurrency is None):
            wanted.append((key, target.concurrency))
    if not wanted:
        return config, [], {}
    if S.MEAN_CONCURRENCY not in kpi.columns or kpi[S.MEAN_CONCURRENCY].isna().all():
        return config, [], {}
    queues = {q: dict(t) for q, t in config.queues.items()}
    staffing = dict(config.staffing)
    notes, found = [], {}
    for key, concurrency in wanted:
        rows = kpi
        for col, value in key.items():
            rows = rows[rows[col].astype(str) == str(value)]
        rows = rows[rows[S.MEAN_CONCURRENCY].notna()]
        if rows.empty:
            continue
        label = " / ".join(str(key[c]) for c in keys)
        queue = key.get(S.QUEUE)
        table = queues.setdefault(queue, {}) if queue is not None else staffing
        if "aht_s_by_concurrency" in table:     # a second chat channel of the same queue
            notes.append(f"{label}: chat handle time by concurrency not estimated: the "
                         "queue's other chat channel set it; give aht_s_by_concurrency in "
                         "wfm.toml to tell them apart")
            continue
        est = estimate_aht_by_concurrency(rows.drop(columns=[c for c in keys
                                                             if c != S.QUEUE]), concurrency)
        table["aht_s_by_concurrency"] = tuple(est.aht_s_by_concurrency)
        found[label] = [float(v) for v in est.aht_s_by_concurrency]
        values = ", ".join(f"{k} chat{'s' if k > 1 else ''} {v:.0f} s" + (
            f" (SE {se:.0f})" if se == se else "") for k, (v, se) in enumerate(
                zip(est.aht_s_by_concurrency, est.se_s, strict=True), start=1))
        lo, hi = est.concurrency_range
        notes.append(f"{label}: chat handle time by concurrency estimated from the "
                     f"history's mean_concurrency ({est.rows} intervals, concurrency "
                     f"{lo:.2f}-{hi:.2f}): {values}"
                     + "".join(f"; {n}" for n in est.notes))
    return replace(config, queues=queues, staffing=staffing), notes, found


def _partitioned_history(folder, config: Config, target_overrides, read: ReadOptions):
    """What the plan needs of a history partitioned by queue, one partition in memory at a
    time: ``(history, has_aht, scorecard, config, chat notes, chat AHT estimates)`` as the
    one-file path computes them, with ``history`` holding each queue's daily calls (all
    the report draws from it: the daily chart, the period) instead of its intervals."""
    targets = kpi_targets(config, target_overrides)
    daily, cards, chat_notes, chat_aht = [], [], [], {}
    has_aht, interval_min, tz = False, None, None
    for _queue, part in reader.partitions(folder):
        hist = fc.read_history(part, options=read)
        frame = hist.frame
        has_aht |= S.AHT_S in frame.columns and not frame[S.AHT_S].isna().all()
        interval_min, tz = hist.interval_min, hist.tz
        kpi = sc.read_history(part, options=read)
        config, notes, found = chat_aht_from_history(kpi.frame, hist, config, target_overrides)
        chat_notes += notes
        chat_aht.update(found)
        if _has_kpis(kpi.frame):
            cards.append(sc.scorecard(kpi, targets, periods=("week",)))
        keys = [c for c in S.SERIES_COLUMNS if c in frame.columns]
        day = pd.to_datetime(frame[S.INTERVAL_START]).dt.normalize().rename(S.INTERVAL_START)
        daily.append(frame.groupby([*[frame[c] for c in keys], day], sort=True)[S.OFFERED]
                     .sum().reset_index())
    card = _last_weeks(pd.concat(cards, ignore_index=True), 4) if cards else None
    hist = fc.History(frame=pd.concat(daily, ignore_index=True), interval_min=interval_min,
                      source=str(folder), tz=tz)
    return hist, has_aht, card, config, chat_notes, chat_aht


def _has_kpis(frame: pd.DataFrame) -> bool:
    """Whether a history records more than calls offered (the scorecard has something to
    score)."""
    return bool(set(frame.columns) & {"handled", "abandoned", "answered_in_sl", "asa_s",
                                      "aht_s"})


def _last_weeks(card: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """The rows of a weekly scorecard in its last ``weeks`` weeks (over all queues)."""
    starts = sorted(card["period_start"].unique())[-weeks:]
    return card[card["period_start"].isin(starts)].reset_index(drop=True)


def history_scorecard(history, config: Config, target_overrides=None, weeks: int = 4, *,
                      read: ReadOptions | None = None, kpi=None) -> pd.DataFrame | None:
    """Weekly KPI scorecard of the last ``weeks`` weeks of history
    (:mod:`wfmplan.scorecard`), when the history records more than calls offered; else
    None. ``kpi``: the history already read by :func:`wfmplan.scorecard.read_history`."""
    hist = kpi if kpi is not None else sc.read_history(history, options=read)
    if not _has_kpis(hist.frame):
        return None
    card = sc.scorecard(hist, kpi_targets(config, target_overrides), periods=("week",))
    return _last_weeks(card, weeks)


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
        *headcount_lines(s),
        *repair_lines(s),
        f"under-covered intervals  {s['under_covered_intervals']}",
        *([f"solver status            {s['solver_status']}"] if "solver_status" in s else []),
        f"service level ({'Erlang)  ' if 'groups' not in s else 'search)  '} "
        f"{s['service_level']:.1%}   ASA {s['asa_s']:.1f} s   "
        f"abandoned {s['abandon_rate']:.2%}",
        (f"service level (simulated) {s['sim_service_level']:.1%}{sim_ci}, "
         f"{s['sim_replications']} replications, staffing rule "
         f"{s.get('sim_staffing_rule') or 'count'}"
         if s.get("sim_replications") else
         "service level (simulated) not simulated (--replications 0)"),
        *([f"intervals at target      {s['sim_intervals_met']:.1%} simulated at or above it, "
           f"{s['sim_intervals_below']} significantly below" + period_note(s)]
          if s.get("sim_intervals_met", math.nan) == s.get("sim_intervals_met") else []),
        *channel_lines(s),
        *skill_lines(s),
    ]


def headcount_lines(h: dict) -> list[str]:
    """People by contract and shifts by type (the schedule's :data:`HEADCOUNT_KEYS`)."""
    if "shifts_by_type" not in h:
        return []
    by = ", ".join(f"{k} {v:,}" for k, v in h.get("people_by_contract", {}).items())
    people = (f"{h['people']:,}" + (f" ({by})" if by else "") if h["people"] == h["people"]
              else f"{h['people_max_day']:,} at least (no weekly tours)")
    types = ", ".join(f"{k} {v:,}" for k, v in h["shifts_by_type"].items())
    occ = h.get("occupancy", math.nan)
    cap = h.get("max_occupancy")
    return [f"people                   {people}",
            f"shifts                   {h['shifts']:,} ({types})", *deferred_lines(h),
            *cover_lines(h),
            *([f"occupancy                {occ:.1%} (offered load / agents on the phones"
               + (f"; staffed to at most {cap:.0%} an interval)" if cap else ")")]
              if occ == occ else [])]


def skill_lines(summary: dict) -> list[str]:
    """A multi-skill plan's lines: each call type's simulated service level with its 95 %
    interval, and the agent-hours the skills save against dedicated agents and full
    pooling would save besides."""
    if "groups" not in summary:
        return []
    s = summary
    lines = [f"groups                   {', '.join(s['groups'])}", "by call type (simulated)"]
    for name, sl in s["sim_service_level_by_type"].items():
        lines.append(f"  {name:<10} {sl:.1%} (95 % CI {s['sim_service_level_lo_by_type'][name]:.1%}"
                     f" - {s['sim_service_level_hi_by_type'][name]:.1%})")
    single = s["single_skill_agent_hours"]
    if single > 0:
        lines.append(f"skills save              {single - s['multiskill_agent_hours']:,.1f} "
                     f"agent-hours ({s['skills_saving_share']:.1%}) against dedicated "
                     f"agents; full pooling would save "
                     f"{(s['multiskill_agent_hours'] - s['pooled_agent_hours']) / single:.1%}"
                     " more")
    return lines


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
