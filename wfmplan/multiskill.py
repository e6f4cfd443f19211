"""Multi-skill staffing of a forecast (issue 14): ``wfm staff --skills`` and ``wfm plan``'s
skills section.

The call types are the forecast's series, named as the schedule names its units: the queue,
or ``"queue / channel"`` where the file has a channel column. The agent groups come from
``wfm.toml`` (``[groups.NAME]``: skills in priority order, proficiency, overflow delays;
:mod:`erlang.skills`). Each type's target and patience are its queue's
(``[queues.NAME]`` over the general tables, as for single-skill staffing).

Every interval is staffed on its own (:func:`erlang.multiskill_staffing.staff_skills`: the
Wallace & Whitt fast start, then the simulation-based search of Cezik & L'Ecuyer with the
multi-skill simulator as oracle), at the load the single-skill engine would staff that type
for (``staffing_erl``: the modified offered load by default, so calls still in service from
the previous interval count), as a pure map over intervals: the simulation seed of an
interval comes from its loads and handle times, so equal intervals get equal staffing and
the requirements do not depend on how the work is split.

The result has one requirement row per group and interval (``queue`` = the group: ``wfm
schedule`` schedules each group's agents) and one row per type and interval with the service
the staffing gives in simulation; the single-skill requirement (each type its own agents)
and the fully pooled one (everyone has every skill) are given beside it, interval by
interval: what the skills save, and how far from the pooled ideal routing leaves them.

:func:`check_skills_schedule` checks a schedule of the groups (``wfm plan``): the agents it
puts on the phones, simulated day by day with skills-based routing against the forecast
calls (:func:`erlang.multiskill_sim.simulate_skills`), per type, interval, day and group.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from erlang import scheduled_agents
from erlang.multiskill_sim import simulate_skills
from erlang.multiskill_staffing import exact_oracle, simulation_oracle, staff_skills
from erlang.simulate import ratio_ci, t_quantile
from erlang.skills import AgentGroup, CallType, SkillsModel
from shifts.requirements import scheduling_units
from wfmcore import checks, reader
from wfmcore import schema as S
from wfmcore.config import Config
from wfmcore.errors import InputError
from wfmcore.io import check_output_path, write_csv_atomic
from wfmcore.parallel import key_seed, map_ordered
from wfmcore.reader import IntervalFile
from wfmcore.targets import ServiceTarget
from wfmplan.staffing import load_to_staff, read_forecast, row_aht

__all__ = ["SkillCheck", "SkillOptions", "SkillRequirements", "check_skills_schedule",
           "day_models", "skills_model", "staff_skills_file", "staff_skills_forecast",
           "type_targets"]

#: how a candidate staffing is scored (:class:`SkillOptions`)
ORACLES = ("simulation", "exact")
#: the staffing models a multi-skill group can staff (agents answer one call at a time)
MULTISKILL_MODELS = ("erlang_c", "erlang_a")


@dataclass(frozen=True)
class SkillOptions:
    """How each interval's staffing is searched: ``oracle`` 'simulation' (the multi-skill
    simulator, :func:`erlang.multiskill_sim.stationary_kpis`: ``hours`` x ``replications``
    per candidate staffing, its 95 % lower bound must meet each target) or 'exact' (the
    exact Markov chain, :mod:`erlang.multiskill_exact`: small centres only);
    ``sl_tolerance`` below a type's target the bound may fall (0: the bound itself meets
    the target); ``seed`` mixed into every interval's seed."""

    oracle: str = "simulation"
    hours: float = 10.0
    replications: int = 10
    sl_tolerance: float = 0.0
    seed: int = 0

    def __post_init__(self):
        checks.text(self.oracle, "oracle", ORACLES)
        checks.positive(self.hours, "hours")
        checks.whole(self.replications, "replications", 2)
        checks.share(self.sl_tolerance, "sl_tolerance", "share0")
        checks.whole(self.seed, "seed")


@dataclass(frozen=True)
class SkillRequirements:
    """Multi-skill requirements of a forecast.

    ``groups``: interval_start, queue (the group), agents, scheduled_agents (agents / (1 -
    shrinkage), rounded up), occupancy (simulated), staffing_model ('multiskill');
    ``types``: interval_start, queue (the type), offered, aht_s, staffing_erl,
    calls_per_hour (staffed for), sl_target, service_level, service_level_lo, asa_s,
    p_abandon, met; ``intervals``: interval_start, agents (all groups), single_skill_agents
    (each type its own agents), pooled_agents (full pooling), oracle_calls; ``model``: the
    types with their calls-weighted mean AHT; ``shrinkage``: the one that grossed agents up
    to scheduled_agents.
    """

    groups: pd.DataFrame
    types: pd.DataFrame
    intervals: pd.DataFrame
    model: SkillsModel
    interval_min: int
    notes: tuple[str, ...] = ()
    shrinkage: float = 0.0

    def agent_hours(self, column: str = "agents") -> float:
        """Agent-hours of ``column`` of :attr:`intervals` (agents, single_skill_agents,
        pooled_agents)."""
        return float(self.intervals[column].sum() * self.interval_min / 60.0)


def type_targets(frame: pd.DataFrame, names: pd.Series, config: Config,
                 overrides: dict) -> dict[str, ServiceTarget]:
    """Call type (``names``, one per row of ``frame``) -> its target: the queue's table of
    ``config`` with ``overrides``, for the channel; InputError for a model multi-skill
    groups cannot answer (chat, email, Erlang X)."""
    out = {}
    for name, rows in frame.groupby(names.to_numpy(), sort=False):
        first = rows.iloc[0]
        queue = str(first[S.QUEUE]) if S.QUEUE in rows.columns else None
        target = config.service_target(queue if queue in config.queues else None,
                                       **overrides)
        if S.CHANNEL in rows.columns:
            target = target.for_channel(str(first[S.CHANNEL]))
        if target.model not in MULTISKILL_MODELS:
            raise InputError(f"call type {name!r} is staffed by the {target.model} model: "
                             "multi-skill groups answer voice calls (Erlang C / A) one at a "
                             "time; staff chat, email and back office on their own",
                             param="groups")
        out[str(name)] = target
    return out


def skills_model(config: Config, targets: dict[str, ServiceTarget],
                 aht_s: dict[str, float]) -> SkillsModel:
    """The :class:`~erlang.skills.SkillsModel` of ``config.groups`` for the call types
    ``targets`` (name -> target) with handle times ``aht_s`` (name -> seconds)."""
    where = f"{config.path or 'wfm.toml'}: [groups]"
    if not config.groups:
        raise InputError(f"{where}: no agent groups; multi-skill staffing needs a "
                         "[groups.NAME] table per group with its skills", param="groups")
    try:
        types = tuple(CallType(name, aht_s[name], patience_s=t.patience_s,
                               sl_target=t.sl_target, sl_threshold_s=t.sl_threshold_s)
                      for name, t in targets.items())
        groups = tuple(AgentGroup(name, g["skills"], aht_factor=g.get("aht_factor", {}),
                                  overflow_delay_s=g.get("overflow_delay_s", {}))
                       for name, g in config.groups.items())
        return SkillsModel(types, groups)
    except InputError as err:
        raise InputError(f"{where}: {err}", param="groups") from None


def _staff_interval(task):
    """One interval staffed (a pure map task): (model, calls per hour, options, seed) ->
    (agents, per-type frame, single-skill and pooled totals, oracle calls)."""
    model, calls_per_hour, options, seed = task
    if not np.any(calls_per_hour > 0):
        zero = np.zeros(model.n_groups, dtype=np.int64)
        return zero, None, 0, 0, 0, np.full(model.n_groups, np.nan)
    oracle = (exact_oracle(model, calls_per_hour) if options.oracle == "exact" else
              simulation_oracle(model, calls_per_hour, hours=options.hours,
                                replications=options.replications, seed=seed))
    res = staff_skills(model, calls_per_hour, oracle=oracle,
                       sl_tolerance=options.sl_tolerance)
    return (res.agents, res.by_type, res.single_skill_agents, res.pooled_agents,
            res.oracle_calls, res.by_group["occupancy"].to_numpy(float))


def staff_skills_forecast(forecast: IntervalFile, config: Config, *,
                          options: SkillOptions | None = None, aht_s: float | None = None,
                          workers: int | None = 1, progress=None, on_intervals=None,
                          **target_overrides) -> SkillRequirements:
    """Multi-skill requirements of ``forecast`` with the groups of ``config`` (module
    docstring); ``target_overrides`` as for :func:`wfmplan.staffing.staff_with_config`.
    ``on_intervals(n)`` is told the number of intervals first, ``progress(1)`` as each is
    done."""
    options = options or SkillOptions()
    if forecast.interval_min is None:
        raise InputError(f"{forecast.source}: the interval length is not known",
                         param="interval_min")
    frame = forecast.frame
    names = scheduling_units(frame)
    if names is None:
        raise InputError(f"{forecast.source}: multi-skill staffing needs a 'queue' (or "
                         "'channel') column: the call types are its series", param="groups")
    names = names.reset_index(drop=True)
    frame = frame.reset_index(drop=True)
    interval_min = forecast.interval_min
    targets = type_targets(frame, names, config, target_overrides)
    calls = frame[S.OFFERED].to_numpy(float)
    aht = row_aht(replace(forecast, frame=frame), aht_s)
    staffed_erl = np.zeros(len(frame))
    for name, idx in frame.groupby(names.to_numpy(), sort=False).indices.items():
        sub = frame.iloc[idx]
        staffed_erl[idx] = load_to_staff(sub, calls[idx], aht[idx], interval_min,
                                         targets[str(name)].staffing_method)
    # each type's handle time in the model: its calls-weighted mean (proficiency multiplies
    # it); interval by interval the model takes the interval's own AHT
    mean_aht = {}
    for name, idx in frame.groupby(names.to_numpy(), sort=False).indices.items():
        w = calls[idx]
        a = aht[idx]
        mean_aht[str(name)] = float((a * w).sum() / w.sum()) if w.sum() > 0 else float(
            np.nanmax(np.r_[a, 1.0]))
    base = skills_model(config, targets, mean_aht)
    type_pos = {n: k for k, n in enumerate(base.type_names)}
    times = reader.format_times(frame[S.INTERVAL_START]).to_numpy()
    slots = pd.Index(sorted(set(times)))
    slot_of = slots.get_indexer(times)
    k_of = np.array([type_pos[str(n)] for n in names])
    n_slot, n_type = len(slots), base.n_types
    offered = np.zeros((n_slot, n_type))
    staffed_cph = np.zeros((n_slot, n_type))
    slot_aht = np.tile([t.aht_s for t in base.types], (n_slot, 1))
    np.add.at(offered, (slot_of, k_of), calls)
    has = aht > 0
    slot_aht[slot_of[has], k_of[has]] = aht[has]
    np.add.at(staffed_cph, (slot_of, k_of), staffed_erl * 3600.0 / np.where(has, aht, 1.0))
    tasks = []
    for s in range(len(slots)):
        model = SkillsModel(tuple(replace(t, aht_s=float(slot_aht[s, k]))
                                  for k, t in enumerate(base.types)), base.groups)
        # the seed comes from what is staffed, not from where: equal intervals get equal
        # staffing, and no interval's answer depends on how the work is split
        seed = key_seed({"calls_per_hour": np.round(staffed_cph[s], 9).tolist(),
                         "aht_s": np.round(slot_aht[s], 9).tolist(), "seed": options.seed})
        tasks.append((model, staffed_cph[s], options, seed))
    if on_intervals is not None:
        on_intervals(len(tasks))
    results = map_ordered(_staff_interval, tasks, workers=workers, progress=progress)
    shrink = next(iter(targets.values())).shrinkage
    g_rows, t_rows, i_rows = [], [], []
    for s, (when, (agents, by_type, single, pooled, calls_used, occ)) in enumerate(
            zip(slots, results, strict=True)):
        g_rows.append(pd.DataFrame({
            S.INTERVAL_START: when, S.QUEUE: base.group_names, "agents": agents,
            "scheduled_agents": scheduled_agents(agents, shrink), "occupancy": occ,
            "staffing_model": "multiskill"}))
        t = pd.DataFrame({S.INTERVAL_START: when, S.QUEUE: base.type_names,
                          S.OFFERED: offered[s], S.AHT_S: slot_aht[s],
                          "staffing_erl": staffed_cph[s] * slot_aht[s] / 3600.0,
                          "calls_per_hour": staffed_cph[s],
                          "sl_target": [tt.sl_target for tt in base.types]})
        if by_type is None:         # no calls in the interval
            for col in ("service_level", "service_level_lo", "asa_s", "p_abandon"):
                t[col] = np.nan
            t["met"] = True
        else:
            for col in ("service_level", "service_level_lo", "asa_s", "p_abandon", "met"):
                t[col] = by_type[col].to_numpy() if col in by_type.columns else np.nan
        t_rows.append(t)
        i_rows.append({S.INTERVAL_START: when, "agents": int(np.sum(agents)),
                       "single_skill_agents": int(single), "pooled_agents": int(pooled),
                       "oracle_calls": int(calls_used)})
    notes = []
    types = pd.concat(t_rows, ignore_index=True)
    missed = types[~types["met"].astype(bool)]
    if len(missed):
        notes.append(f"{len(missed)} type-intervals miss their target in the search's "
                     f"simulation (first: {missed.iloc[0][S.QUEUE]} at "
                     f"{missed.iloc[0][S.INTERVAL_START]})")
    return SkillRequirements(groups=pd.concat(g_rows, ignore_index=True), types=types,
                             intervals=pd.DataFrame(i_rows), model=base,
                             interval_min=interval_min, notes=tuple(notes), shrinkage=shrink)


def by_type_path(out: Path) -> Path:
    """Where the per-type table goes beside the requirements file ``out``."""
    return out.with_name(f"{out.stem}_by_type{out.suffix or '.csv'}")


def staff_skills_file(forecast_path: Path, out: Path, *, config: Config,
                      options: SkillOptions | None = None, aht_s: float | None = None,
                      workers: int | None = 1, progress=None, on_intervals=None,
                      **target_overrides) -> SkillRequirements:
    """Read a forecast, staff it by skills and write ``out`` (one row per group and
    interval: the input of ``wfm schedule``) and ``<out>_by_type.csv`` (one row per type and
    interval), never over an input."""
    inputs = [forecast_path] + ([config.path] if config.path else [])
    check_output_path(out, inputs)
    check_output_path(by_type_path(out), inputs)
    forecast = read_forecast(forecast_path)
    result = staff_skills_forecast(forecast, config, options=options, aht_s=aht_s,
                                   workers=workers, progress=progress,
                                   on_intervals=on_intervals, **target_overrides)
    write_csv_atomic(result.groups, out, inputs=inputs)
    write_csv_atomic(result.types, by_type_path(out), inputs=inputs)
    return result


# --------------------------------------------------------------------------------------------
# The schedule's check by the multi-skill simulator (``wfm plan`` with groups)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SkillCheck:
    """The service a schedule of multi-skill groups gives, simulated day by day
    (:func:`check_skills_schedule`).

    ``type_intervals``: interval_start, queue (the type), offered, aht_s, sl_target,
    service_level (the staffing search's, at the required agents), sim_service_level with
    ``_lo`` / ``_hi``, sim_below (upper limit below the target); ``type_days``: queue, date,
    calls, sl_target, sim_service_level (``_lo``, ``_hi``), aht_s (the day's mean, what was
    simulated), intervals_met, intervals_below; ``types``: queue, calls, sl_target,
    service_level (search), sim_service_level (``_lo``, ``_hi``), intervals_met (share of
    the intervals with calls at or above target), intervals_below (count significantly
    below); ``group_intervals``: interval_start, queue (the group), on_phone_agents,
    sim_occupancy; ``groups``: group, skills, required_agent_hours, scheduled_agent_hours,
    on_phone_agent_hours, sim_occupancy (busy / on-phone agent time over the horizon);
    ``savings``: date, multiskill_agent_hours, single_skill_agent_hours,
    pooled_agent_hours (the requirement, per day); ``overall``: sim_service_level (``_lo``,
    ``_hi``), sim_intervals_met, sim_intervals_below, sim_replications, sim_days.
    """

    type_intervals: pd.DataFrame
    type_days: pd.DataFrame
    types: pd.DataFrame
    group_intervals: pd.DataFrame
    groups: pd.DataFrame
    savings: pd.DataFrame
    overall: dict


def day_models(requirements: SkillRequirements) -> dict:
    """date -> (model, times, positions, calls): for each day of ``requirements`` the
    :class:`~erlang.skills.SkillsModel` simulated (each type's handle time = its
    calls-weighted mean AHT over the day; the base model's mean where the day has no calls
    of the type), the day's interval grid (first to last interval, gaps as intervals
    without calls or agents), each requirement interval's position on it and the
    calls-per-interval matrix (grid x types, the forecast's offered)."""
    types = requirements.types
    model = requirements.model
    step = pd.Timedelta(minutes=requirements.interval_min)
    t = pd.to_datetime(types[S.INTERVAL_START])
    k_of = pd.Index(model.type_names).get_indexer(types[S.QUEUE].astype(str))
    out = {}
    for day, idx in types.groupby(t.dt.normalize().to_numpy(), sort=True).indices.items():
        times = t.iloc[idx]
        first = times.min()
        n = int((times.max() - first) // step) + 1
        grid = pd.date_range(first, periods=n, freq=step)
        pos = ((times - first) // step).to_numpy(np.int64)
        calls = np.zeros((n, model.n_types))
        np.add.at(calls, (pos, k_of[idx]), types[S.OFFERED].to_numpy(float)[idx])
        w = np.zeros(model.n_types)
        wa = np.zeros(model.n_types)
        np.add.at(w, k_of[idx], types[S.OFFERED].to_numpy(float)[idx])
        np.add.at(wa, k_of[idx], (types[S.OFFERED] * types[S.AHT_S]).to_numpy(float)[idx])
        day_types = tuple(replace(ct, aht_s=float(wa[k] / w[k]) if w[k] > 0 else ct.aht_s)
                          for k, ct in enumerate(model.types))
        out[pd.Timestamp(day)] = (SkillsModel(day_types, model.groups), grid, pos, calls)
    return out


def check_skills_schedule(requirements: SkillRequirements, coverage: pd.DataFrame, *,
                          replications: int = 10, seed: int = 0,
                          confidence: float = 0.95) -> SkillCheck:
    """Simulate the agents a schedule puts on the phones against the forecast calls, one day
    at a time (:func:`erlang.multiskill_sim.simulate_skills`, from an empty centre, the
    day's models of :func:`day_models`, ``replications`` independent days, day ``d`` of
    the sorted dates with the ``d``-th stream spawned from ``SeedSequence(seed)``).

    ``coverage``: one row per group and interval, ``interval_start``, ``queue`` (the group)
    and ``on_phone_agents`` (intervals missing: nobody on). Whole-period figures are ratios
    of totals over the days per replication with the ratio-estimator t interval (Cochran
    1977, ch. 6), as :mod:`shifts.check` pools days; a group's occupancy is busy over
    on-phone agent time summed over the days (a point estimate)."""
    checks.whole(replications, "replications", 2)
    checks.whole(seed, "seed")
    model = requirements.model
    interval_min = requirements.interval_min
    interval_h = interval_min / 60.0
    days = day_models(requirements)
    cov = coverage.copy()
    cov["_t"] = pd.to_datetime(cov[S.INTERVAL_START])
    g_of = pd.Index(model.group_names).get_indexer(cov[S.QUEUE].astype(str))
    if (g_of < 0).any():
        raise InputError(f"coverage: group {cov[S.QUEUE].iloc[int(np.argmax(g_of < 0))]!r} "
                         "is not one of the model's groups", param="coverage")
    t_q = t_quantile(replications, confidence)
    types = requirements.types.reset_index(drop=True)
    t_types = pd.to_datetime(types[S.INTERVAL_START])
    k_types = pd.Index(model.type_names).get_indexer(types[S.QUEUE].astype(str))
    sim = np.full((len(types), 3), np.nan)
    g_int, d_rows = [], []
    num = np.zeros((replications, model.n_types))   # answered within threshold, all days
    den = np.zeros((replications, model.n_types))   # offered
    busy = np.zeros(model.n_groups)
    staffed = np.zeros(model.n_groups)
    streams = np.random.SeedSequence(seed).spawn(len(days))
    for (day, (day_model, grid, _, calls)), stream in zip(days.items(), streams, strict=True):
        agents = np.zeros((len(grid), model.n_groups), dtype=np.int64)
        mine = (cov["_t"].dt.normalize() == day).to_numpy()
        pos = ((cov["_t"][mine] - grid[0]) // pd.Timedelta(minutes=interval_min)).to_numpy()
        ok = (pos >= 0) & (pos < len(grid))
        agents[pos[ok], g_of[mine][ok]] = cov["on_phone_agents"].to_numpy(np.int64)[mine][ok]
        res = simulate_skills(day_model, calls, agents, interval_min,
                              replications=replications, seed=stream, confidence=confidence)
        bt = res.by_type
        cols = bt[["service_level", "service_level_lo", "service_level_hi"]].to_numpy()
        here = np.flatnonzero((t_types.dt.normalize() == day).to_numpy())
        p = ((t_types.iloc[here] - grid[0]) // pd.Timedelta(minutes=interval_min)).to_numpy()
        sim[here] = cols[p * model.n_types + k_types[here]]
        bg = res.by_group
        g_int.append(pd.DataFrame({S.INTERVAL_START: np.repeat(grid, model.n_groups),
                                   S.QUEUE: bg["group"].to_numpy(),
                                   "on_phone_agents": bg["agents"].to_numpy(),
                                   "sim_occupancy": bg["occupancy"].to_numpy()}))
        busy += res.group_totals["busy_s"].to_numpy(float)
        staffed += res.group_totals["staffed_s"].to_numpy(float)
        rep = res.per_replication
        n_d = rep.pivot(index="replication", columns="type",
                        values="answered_within_threshold")[model.type_names].to_numpy()
        d_d = rep.pivot(index="replication", columns="type",
                        values="offered")[model.type_names].to_numpy()
        num += n_d
        den += d_d
        tt = res.type_totals.set_index("type")
        for k, ct in enumerate(day_model.types):
            r = tt.loc[ct.name]
            d_rows.append({S.QUEUE: ct.name, "date": day.strftime("%Y-%m-%d"),
                           "calls": float(calls[:, k].sum()), "sl_target": ct.sl_target,
                           "aht_s": ct.aht_s, "sim_service_level": float(r["service_level"]),
                           "sim_service_level_lo": float(r["service_level_lo"]),
                           "sim_service_level_hi": float(r["service_level_hi"])})
    target = np.array([model.types[k].sl_target for k in k_types])
    offered = types[S.OFFERED].to_numpy(float)
    scored = (offered > 0) & (target > 0)
    below = scored & (sim[:, 2] < target)
    met = scored & (sim[:, 0] >= target)
    type_intervals = pd.DataFrame({
        S.INTERVAL_START: types[S.INTERVAL_START], S.QUEUE: types[S.QUEUE],
        S.OFFERED: offered, S.AHT_S: types[S.AHT_S], "sl_target": target,
        "service_level": types["service_level"].to_numpy(float),
        "sim_service_level": sim[:, 0], "sim_service_level_lo": sim[:, 1],
        "sim_service_level_hi": sim[:, 2], "sim_below": below})
    type_days = pd.DataFrame(d_rows)
    day_key = t_types.dt.strftime("%Y-%m-%d")
    per_day = pd.DataFrame({S.QUEUE: types[S.QUEUE], "date": day_key, "met": met,
                            "below": below}).groupby([S.QUEUE, "date"], sort=False).sum()
    type_days = type_days.join(per_day, on=[S.QUEUE, "date"]).rename(
        columns={"met": "intervals_met", "below": "intervals_below"})
    type_days[["intervals_met", "intervals_below"]] = type_days[
        ["intervals_met", "intervals_below"]].fillna(0).astype(np.int64)
    est, lo, hi = ratio_ci(num, den, t_q, True)
    t_rows = []
    for k, ct in enumerate(model.types):
        mine = k_types == k
        c = offered[mine]
        sl = types["service_level"].to_numpy(float)[mine]
        ok = np.isfinite(sl) & (c > 0)
        t_rows.append({S.QUEUE: ct.name, "calls": float(c.sum()), "sl_target": ct.sl_target,
                       "service_level": (float(np.average(sl[ok], weights=c[ok])) if ok.any()
                                         else float("nan")),
                       "sim_service_level": float(est[k]),
                       "sim_service_level_lo": float(lo[k]),
                       "sim_service_level_hi": float(hi[k]),
                       "intervals_met": (float(met[mine & scored].sum() / (mine & scored).sum())
                                         if (mine & scored).any() else float("nan")),
                       "intervals_below": int(below[mine].sum())})
    all_est, all_lo, all_hi = ratio_ci(num.sum(axis=1, keepdims=True),
                                       den.sum(axis=1, keepdims=True), t_q, True)
    groups_req = requirements.groups
    req_h = groups_req.groupby(S.QUEUE, sort=False)["agents"].sum() * interval_h
    sched_h = groups_req.groupby(S.QUEUE, sort=False)["scheduled_agents"].sum() * interval_h
    cov_g = cov.groupby(cov[S.QUEUE].astype(str), sort=False)
    phones_h = cov_g["on_phone_agents"].sum() * interval_h
    scheduled_h = (cov_g["scheduled"].sum() * interval_h if "scheduled" in cov.columns
                   else sched_h)
    with np.errstate(invalid="ignore", divide="ignore"):
        occ = np.where(staffed > 0, busy / staffed, np.nan)
    group_table = pd.DataFrame({
        "group": model.group_names, "skills": [", ".join(g.skills) for g in model.groups],
        "required_agent_hours": [float(req_h.get(g, 0.0)) for g in model.group_names],
        "scheduled_agent_hours": [float(scheduled_h.get(g, 0.0)) for g in model.group_names],
        "on_phone_agent_hours": [float(phones_h.get(g, 0.0)) for g in model.group_names],
        "sim_occupancy": occ})
    iv = requirements.intervals
    iv_day = pd.to_datetime(iv[S.INTERVAL_START]).dt.strftime("%Y-%m-%d")
    savings = (iv.groupby(iv_day.to_numpy())[["agents", "single_skill_agents",
                                               "pooled_agents"]].sum() * interval_h)
    savings = savings.rename(columns={"agents": "multiskill_agent_hours",
                                      "single_skill_agents": "single_skill_agent_hours",
                                      "pooled_agents": "pooled_agent_hours"})
    savings = savings.rename_axis("date").reset_index()
    overall = {"sim_service_level": float(all_est[0]), "sim_service_level_lo": float(all_lo[0]),
               "sim_service_level_hi": float(all_hi[0]),
               "sim_intervals_met": float(met.sum() / scored.sum()) if scored.any()
               else float("nan"),
               "sim_intervals_below": int(below.sum()), "sim_replications": replications,
               "sim_days": len(days)}
    g_frame = (pd.concat(g_int, ignore_index=True) if g_int else
               pd.DataFrame(columns=[S.INTERVAL_START, S.QUEUE, "on_phone_agents",
                                     "sim_occupancy"]))
    return SkillCheck(type_intervals=type_intervals, type_days=type_days,
                      types=pd.DataFrame(t_rows), group_intervals=g_frame,
                      groups=group_table, savings=savings, overall=overall)
