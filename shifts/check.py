"""Check a schedule: the service level its coverage achieves, by formula and by simulation.

Input: the coverage of a schedule (agents working net of breaks per requirement interval)
and the ``wfm staff`` columns of the requirement file: ``offered`` (expected calls per
interval), ``traffic_erl`` and/or ``aht_s`` (s), and ``agents`` (required on the phones) with
``scheduled_agents`` (= ceil(agents / (1 - shrinkage)), what the schedule covers).

Agents on the phones. The schedule covers ``scheduled_agents``, which includes shrinkage
(paid time off the phones: meetings, training, absence). The shrinkage ``s`` is not in the
file, but every row bounds it: ``scheduled = ceil(agents / (1 - s))`` means
``agents / scheduled <= 1 - s``. The check takes the smallest on-phone share consistent
with every row of a queue, ``q = max(agents / scheduled)`` (the largest shrinkage the file
allows: conservative), and counts ``on_phone_agents = floor(scheduled_coverage * q)``.
Rounding down keeps the identity that a schedule meeting ``scheduled_agents`` exactly puts
at least ``agents`` on the phones (``scheduled * q >= agents`` in every row). Without a
``scheduled_agents`` column the schedule covered ``agents`` itself and ``q = 1``. A
``shrinkage`` given by the caller replaces the estimate (``q = 1 - shrinkage``).

Handle time per interval: ``aht_s`` when present, else ``traffic_erl * interval_s /
offered``; intervals without calls take the calls-weighted mean (it does not matter there).

Formula: Erlang C (Erlang A when ``target.patience_s``) per interval via
:func:`erlang.kpis` at the load the interval was staffed for (``staffing_erl`` of ``wfm
staff``, e.g. the modified offered load; else the offered load), service level as defined
by ``target`` (default 80/20 convention: answered within ``target.sl_threshold_s`` /
offered).

Simulation: :func:`erlang.simulate.simulate` one day (queue x date) at a time, from an empty
centre at the first interval of the day, with the on-phone agents per interval, Poisson
arrivals at the ``offered`` rate, exponential handling (and patience with Erlang A),
``replications`` independent replications. Day ``k`` (in the order of the coverage frame)
uses the ``k``-th stream spawned from ``numpy.random.SeedSequence(seed)``, so results are
reproducible and days independent. Gaps inside a day (closed intervals missing from the
file) are simulated as intervals with no calls and no agents. Whole-period service level:
the ratio of totals over all days, per replication, with a t confidence interval from the
ratio-estimator variance (Cochran 1977, *Sampling Techniques*, 3rd ed., ch. 6), the same
estimator the simulator uses per interval.

Channel models (``targets``: the target of each scheduling unit, the ``queue`` of the
coverage, e.g. ``"sales / chat"``; units not named use ``target``). Each unit is checked by
the model that staffed it (:attr:`erlang.ServiceTarget.model`):

* ``erlang_c`` / ``erlang_a``: as above (the formula, then the call simulator);
* ``chat`` and ``erlang_x`` (finite lines, redials): the formula of the model
  (:func:`erlang.kpis` dispatches on it), and the channel simulator
  (:func:`erlang.simulate_channels.simulate_channel`: agents holding up to ``concurrency``
  chats with the handle time of ``aht_s_by_concurrency``, patience, lines, redials), one day
  at a time like voice, with the ``count`` rule whatever ``staffing_rule`` says (the channel
  simulator has no other); its handle times are one list for the day, so without
  ``aht_s_by_concurrency`` every level gets the day's calls-weighted AHT;
* ``deferred`` (email, back office): no interval KPI (an interval's agents work on items of
  other intervals), so ``service_level`` is NaN and the rows stay out of every call-weighted
  figure. Their check is the share of items done by the deadline:
  :func:`erlang.deferred.simulate_deferred` at the on-phone agents (plus the requirement's
  ``blend_free_agents``, a voice team's idle time under call blending) over the unit's calendar
  weeks as one period of a repeating pattern (as it was staffed: Monday-based whole weeks,
  the intervals in the file open, the others closed), repeated :data:`DEFERRED_PERIODS`
  times from an empty backlog; the share of the items due in that horizon, with its
  confidence interval. It runs even when ``simulate`` is false (there is no formula).

Streams: voice days take the ``k``-th stream spawned from ``SeedSequence(seed)`` in the
order of the voice days alone (so adding chat or email units leaves the voice results
exactly as they were), chat / Erlang X days and deferred units the streams spawned from
their own children of the same entropy (:data:`STREAM_KEYS`).

Staffing rule (``staffing_rule``, :data:`STAFFING_RULES`), what the simulation does where the
agents on the phones change (see :mod:`erlang.simulate`): ``count`` (the default; no call
starts while the calls in service are at or above the new count: scheduled capacity only,
the conservative bound), ``designated`` (the agents whose shift or break starts finish
their call and leave, the others keep answering) or ``agents`` (agent-level replay of the
schedule's actual shifts and breaks, :func:`erlang.simulate.simulate_agents`: each agent
finishes the call in progress before a break, which it shortens, or the end of its shift,
which is overtime). In agent mode shrinkage takes whole agents off the phones, chosen so
the count per interval is as close as it can be to ``on_phone_agents``
(:mod:`shifts.duty`). The three rules see the same calls: day ``k`` uses the same stream
under every rule (common random numbers), so their difference is the rule's, not noise.
Overtime (agent-seconds worked past the schedule: calls finished after a drop, a break or
the end of a shift) and, in agent mode, break time lost to calls are reported per day and
in total, as mean agent-hours per replication.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from erlang import ServiceTarget, kpis, required_agents
from erlang.deferred import simulate_deferred
from erlang.simulate import ratio_ci, t_quantile
from erlang.simulate import simulate as run_sim
from erlang.simulate import simulate_agents as run_agents
from erlang.simulate_channels import simulate_channel
from shifts.duty import day_duty, shift_periods
from wfmcore import InputError, checks

CHECK_COLUMNS = ("on_phone_agents", "service_level", "sim_service_level",
                 "sim_service_level_lo", "sim_service_level_hi", "sim_below")
#: Columns of the per-day frame of a simulated check.
DAY_COLUMNS = ("queue", "date", "sim_service_level", "sim_service_level_lo",
               "sim_service_level_hi", "sim_calls", "sim_overtime_h", "sim_break_lost_h")
#: What the simulation does where the agents on the phones change (module docstring).
STAFFING_RULES = ("count", "designated", "agents")
#: models the call simulator (:mod:`erlang.simulate`) checks; chat and Erlang X go to the
#: channel simulator, deferred work to the deferred one (module docstring)
VOICE_SIM_MODELS = ("erlang_c", "erlang_a")
#: times the deferred check repeats a unit's calendar weeks (from an empty backlog)
DEFERRED_PERIODS = 4
#: spawn keys of the chat / Erlang X and the deferred streams (module docstring)
STREAM_KEYS = {"channel": 0x43484154, "deferred": 0x44454652}
#: the channel simulator's totals of each service-level convention (numerator, denominator;
#: :mod:`erlang.simulate_channels`: 'offered' counts the contacts not blocked)
CHANNEL_SL_TERMS = {"offered": ("answered_within_threshold", "entered"),
                    "answered": ("answered_within_threshold", "answered"),
                    "wait": ("queue_within_threshold", "entered"),
                    "virtual": ("virtual_within_threshold", "entered")}


def check_options(replications, shrinkage, simulate: bool = True,
                  staffing_rule: str = "count") -> None:
    """Validate the check's options (InputError naming the parameter); replications may be
    0 only when nothing is simulated."""
    checks.whole(replications, "replications", 1 if simulate else 0)
    if shrinkage is not None:
        checks.share(shrinkage, "shrinkage")
    checks.text(staffing_rule, "staffing_rule", STAFFING_RULES)


def can_check(req: pd.DataFrame) -> str | None:
    """``None`` when the requirement frame has what the check needs, else why not."""
    if "offered" not in req.columns:
        return "the requirements have no 'offered' column (calls per interval)"
    if "aht_s" not in req.columns and "traffic_erl" not in req.columns:
        return "the requirements have neither 'aht_s' nor 'traffic_erl'"
    return None


def on_phone_share(req: pd.DataFrame) -> np.ndarray:
    """Share of scheduled agents on the phones, per row: max(agents / scheduled_agents) of
    the row's queue (1 without both columns); see the module docstring."""
    share = np.ones(len(req))
    if "agents" not in req.columns or "scheduled_agents" not in req.columns:
        return share
    a = req["agents"].to_numpy(dtype=float)
    s = req["scheduled_agents"].to_numpy(dtype=float)
    ok = (s > 0) & np.isfinite(a) & np.isfinite(s)
    ratio = pd.Series(np.where(ok, a / np.where(ok, s, 1.0), np.nan))
    per_queue = ratio.groupby(req["queue"].to_numpy()).transform("max").to_numpy()
    return np.where(np.isfinite(per_queue), np.minimum(per_queue, 1.0), 1.0)


def row_handle_s(req: pd.DataFrame, interval_min: int) -> np.ndarray:
    """Handle time of each requirement row: ``aht_s``, else traffic_erl x interval /
    offered; rows without calls get the calls-weighted mean (their AHT plays no role); a row
    with calls and neither is an error naming its interval."""
    offered = req["offered"].to_numpy(dtype=float)
    if "aht_s" in req.columns:
        aht = req["aht_s"].to_numpy(dtype=float)
    else:
        aht = np.full(len(req), np.nan)
    if "traffic_erl" in req.columns:
        traffic = req["traffic_erl"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            derived = traffic * interval_min * 60.0 / offered
        aht = np.where(np.isfinite(aht) & (aht > 0), aht, derived)
    good = np.isfinite(aht) & (aht > 0) & (offered > 0)
    if not good.any():
        fill = 1.0                    # no calls anywhere: AHT plays no role
    else:
        fill = float(np.average(aht[good], weights=offered[good]))
    bad = ~(np.isfinite(aht) & (aht > 0))
    if (bad & (offered > 0)).any():
        i = int(np.flatnonzero(bad & (offered > 0))[0])
        raise InputError(f"requirements: interval {req['interval_start'].iloc[i]} has "
                         f"{offered[i]:g} calls but no handle time ('aht_s' or 'traffic_erl')")
    return np.where(bad, fill, aht)


def _ratio_ci(num: np.ndarray, den: np.ndarray, confidence: float):
    """Ratio of totals over replications (axis 0) with a t interval, as floats: the
    simulator's estimator (:func:`erlang.simulate.ratio_ci`, Cochran 1977, ch. 6)."""
    n = num.shape[0]
    t_q = t_quantile(n, confidence)
    est, lo, hi = ratio_ci(num, den, t_q, clip=True)
    return float(est), float(lo), float(hi)


def check_service(coverage: pd.DataFrame, req: pd.DataFrame, interval_min: int, *,
                  target=None, targets: Mapping[str, ServiceTarget] | None = None,
                  shrinkage: float | None = None, simulate: bool = True,
                  replications: int = 5, seed: int = 0, confidence: float = 0.95,
                  staffing_rule: str = "count", shifts: pd.DataFrame | None = None):
    """Service level achieved by a schedule's coverage, per interval, per day and overall.

    ``coverage``: the schedule's coverage frame (``queue``, ``interval_start``,
    ``scheduled``); ``req``: the checked requirement frame (``shifts.requirements.
    check_requirements``) with ``offered`` and ``traffic_erl`` or ``aht_s``; ``target``: an
    :class:`erlang.ServiceTarget` (threshold, patience; default 80/20 Erlang C);
    ``targets``: the target of each unit (the coverage's ``queue``) that has its own, by
    which model it is checked (module docstring).

    Returns ``(per_interval, per_day, overall)``: a frame aligned with ``coverage`` with the
    columns :data:`CHECK_COLUMNS` (``sim_below``: an interval with calls whose simulated
    service level is significantly below its unit's ``sl_target``, i.e. its upper
    confidence limit is; with deferred units also ``share_on_time``, the simulated share of
    the items arriving in the interval done by the deadline); a frame with one row per
    (queue, date) of the voice and chat units with ``sim_service_level`` and its ``_lo`` /
    ``_hi`` limits; a dict with ``service_level`` (the formula's, calls-weighted over the
    intervals of the voice and chat units), ``sim_service_level``, ``sim_service_level_lo``,
    ``sim_service_level_hi`` (the simulator's, ratio of the totals of those units),
    ``sim_replications``, ``on_phone_share``, ``sim_intervals_met`` (share of the intervals
    with calls whose simulated level reaches the target) and ``sim_intervals_below`` (how
    many are significantly below), ``deferred_share_on_time`` with ``_lo`` / ``_hi`` (the
    deferred units' items done by the deadline over the items due, NaN without deferred
    units), ``deferred_items`` (items a period), and ``by_unit``: for each unit a dict with
    ``model``, ``calls``, ``service_level`` and, simulated, ``sim_service_level``
    (``_lo``, ``_hi``), ``sim_answered_in_sl`` and ``sim_offered`` (means per replication,
    the ratio's terms, to pool units), or for a deferred unit ``share_on_time`` (``_lo``,
    ``_hi``), ``sim_on_time`` and ``sim_due``. Simulated values of voice and chat are NaN
    when ``simulate`` is false.
    ``seed``: an int or a sequence of ints (``numpy.random.SeedSequence`` entropy).

    ``staffing_rule``: ``count``, ``designated`` or ``agents`` (module docstring); ``agents``
    needs ``shifts``, the schedule's shifts frame (``queue`` when the coverage has queues,
    ``start``, ``end``, ``breaks``, ``agents``), and adds ``sim_on_phone_agents`` (mean agents
    on the phones in the replay) to the per-interval frame. The per-day frame also has
    ``sim_calls`` (simulated calls offered, mean per replication), ``sim_overtime_h`` and
    ``sim_break_lost_h`` (agent-hours, mean per replication; breaks only in agent mode,
    else NaN; both NaN for chat days); ``overall`` adds their sums over the days,
    ``sim_days``, ``sim_staffing_rule`` and ``by_week``: a frame with one row per (queue,
    calendar week from Monday ``week``) of the simulated days with the week's calls-weighted
    ``sim_service_level`` (ratio of the week's totals in each replication, ``_lo`` /
    ``_hi``) and ``sim_calls``.
    """
    target = ServiceTarget() if target is None else target
    check_options(replications, shrinkage, simulate, staffing_rule)
    if staffing_rule == "agents" and simulate and shifts is None:
        raise InputError("staffing_rule 'agents' replays the schedule's shifts: give shifts "
                         "(the shifts frame)", param="staffing_rule")
    for unit, t in (targets or {}).items():
        if not isinstance(t, ServiceTarget):
            raise InputError(f"targets[{unit!r}] must be an erlang.ServiceTarget; got "
                             f"{type(t).__name__}", param="targets")
    keys = ["queue", "interval_start"]
    cov = coverage[[c for c in keys if c in coverage.columns] + ["scheduled"]].copy()
    if "queue" not in cov.columns:
        cov["queue"] = ""
    r = req.drop(columns=["required"]).copy()
    merged = cov.merge(r, on=keys, how="left", validate="one_to_one")
    share = (np.full(len(merged), 1.0 - shrinkage) if shrinkage is not None
             else on_phone_share(merged))
    phones = np.floor(merged["scheduled"].to_numpy(dtype=float) * share + 1e-9).astype(np.int64)
    offered = np.nan_to_num(merged["offered"].to_numpy(dtype=float), nan=0.0)
    aht = row_handle_s(merged.assign(offered=offered), interval_min)
    traffic = offered * aht / (interval_min * 60.0)
    if "staffing_erl" in merged.columns:        # the load it was staffed for (wfm staff)
        staffed = merged["staffing_erl"].to_numpy(dtype=float)
        traffic = np.where(np.isfinite(staffed), staffed, traffic)
    unit_rows = merged.groupby(merged["queue"].astype(str), sort=True).indices
    unit_target = {u: (targets or {}).get(u, target) for u in unit_rows}
    row_target_sl = np.zeros(len(merged))
    deferred = np.zeros(len(merged), dtype=bool)
    sl = np.full(len(merged), np.nan)
    for unit, idx in unit_rows.items():
        t = unit_target[unit]
        row_target_sl[idx] = t.sl_target
        if t.model == "deferred":
            deferred[idx] = True
            continue
        sl[idx] = np.asarray(kpis(phones[idx], traffic[idx], aht[idx], t)["service_level"],
                             dtype=float)
    calls_w = np.where(deferred, 0.0, offered)
    out = pd.DataFrame({"on_phone_agents": phones, "service_level": sl,
                        "sim_service_level": np.nan, "sim_service_level_lo": np.nan,
                        "sim_service_level_hi": np.nan, "sim_below": False},
                       index=coverage.index)
    by_unit = {}
    for unit, idx in unit_rows.items():
        c = offered[idx]
        entry = {"model": unit_target[unit].model, "calls": float(c.sum())}
        if not deferred[idx[0]]:
            entry["service_level"] = (float(np.average(sl[idx], weights=c)) if c.sum() > 0
                                      else math.nan)
        by_unit[unit] = entry
    overall = {"service_level": float(np.average(np.nan_to_num(sl), weights=calls_w))
               if calls_w.sum() > 0 else math.nan,
               "sim_service_level": math.nan, "sim_service_level_lo": math.nan,
               "sim_service_level_hi": math.nan,
               "sim_replications": replications if simulate else 0,
               "on_phone_share": float(share.min()) if len(share) else 1.0,
               "sim_intervals_met": math.nan, "sim_intervals_below": 0,
               "sim_staffing_rule": staffing_rule if simulate else "",
               "sim_days": 0, "sim_overtime_h": math.nan, "sim_break_lost_h": math.nan,
               "deferred_share_on_time": math.nan, "deferred_share_on_time_lo": math.nan,
               "deferred_share_on_time_hi": math.nan,
               "deferred_items": float(offered[deferred].sum()), "by_unit": by_unit}
    if deferred.any():
        out["share_on_time"] = np.nan
        _check_deferred(merged, unit_rows, unit_target, phones, offered, aht, interval_min,
                        seed, max(replications, 2), confidence, out, overall)
    days = []
    if not simulate:
        return out, pd.DataFrame(days), overall
    agent_mode = staffing_rule == "agents"
    if agent_mode:
        shift_rows = shifts.reset_index(drop=True)
        periods = shift_periods(shift_rows)
        shift_queue = (shift_rows["queue"].astype(str).to_numpy() if "queue" in shift_rows
                       else np.full(len(shift_rows), ""))
        shift_start = pd.to_datetime(shift_rows["start"]).to_numpy()
        shift_end = pd.to_datetime(shift_rows["end"]).to_numpy()
        out["sim_on_phone_agents"] = np.nan
    date = merged["interval_start"].dt.normalize()
    groups = [g for g in merged.groupby([merged["queue"], date], sort=True).groups.items()
              if not deferred[np.asarray(g[1])[0]]]
    is_voice = [unit_target[str(q)].model in VOICE_SIM_MODELS for (q, _), _ in groups]
    voice_streams = iter(np.random.SeedSequence(seed).spawn(sum(is_voice)))
    channel_streams = iter(_child(seed, "channel").spawn(len(groups) - sum(is_voice)))
    num = np.zeros(replications)
    den = np.zeros(replications)
    unit_num = {u: np.zeros(replications) for u in unit_rows}
    unit_den = {u: np.zeros(replications) for u in unit_rows}
    week_num: dict[tuple, np.ndarray] = {}     # (queue, Monday): totals per replication
    week_den: dict[tuple, np.ndarray] = {}
    step = pd.Timedelta(minutes=interval_min)
    for ((queue, day), idx), voice in zip(groups, is_voice, strict=True):
        t_unit = unit_target[str(queue)]
        idx = np.asarray(idx)
        t = merged["interval_start"].to_numpy()[idx]
        pos = ((t - t.min()) // step).astype(np.int64)
        n = int(pos.max()) + 1
        calls, agents, handle = np.zeros(n), np.zeros(n, dtype=np.int64), np.ones(n)
        calls[pos], agents[pos], handle[pos] = offered[idx], phones[idx], aht[idx]
        stream = next(voice_streams if voice else channel_streams)
        common = {"sl_threshold_s": t_unit.sl_threshold_s, "patience_s": t_unit.patience_s,
                  "seed": stream, "replications": replications, "confidence": confidence}
        if not voice:
            res = _simulate_channel_day(calls, handle, agents, interval_min, t_unit, common)
            iv = res.intervals.iloc[pos]
            s = res.summary.iloc[0]
            n_key, d_key = CHANNEL_SL_TERMS[t_unit.sl_convention]
            overtime_s, lost_s = math.nan, math.nan
        else:
            if agent_mode:
                t0 = pd.Timestamp(t.min())
                mine = ((shift_queue == str(queue))
                        & (shift_start < np.datetime64(t0 + n * step))
                        & (shift_end > np.datetime64(t0)))
                fit = None
                if (share[idx] < 1.0).any():       # shrinkage: fit the count check's agents
                    fit = np.full(n, np.nan)
                    fit[pos] = phones[idx]
                duty, _ = day_duty(shift_rows[mine],
                                   [periods[i] for i in np.flatnonzero(mine)], t0, n,
                                   interval_min, fit)
                res = run_agents(calls, handle, duty, interval_min, **common)
            else:
                res = run_sim(calls, handle, agents, interval_min,
                              staffing_rule=staffing_rule, **common)
            iv = res.intervals.iloc[pos]
            s = res.summary.iloc[0]
            n_key, d_key = "answered_within_threshold", "offered"
            overtime_s = float(s["overtime_s"])
            lost_s = float(s["break_lost_s"]) if agent_mode else math.nan
            if agent_mode:
                out.loc[out.index[idx], "sim_on_phone_agents"] = iv["agents"].to_numpy()
        for c in ("service_level", "service_level_lo", "service_level_hi"):
            out.loc[out.index[idx], f"sim_{c}"] = iv[c].to_numpy()
        reps = res.replications.groupby("replication")[[n_key, d_key]].sum()
        num += reps[n_key].to_numpy()
        den += reps[d_key].to_numpy()
        unit_num[str(queue)] += reps[n_key].to_numpy()
        unit_den[str(queue)] += reps[d_key].to_numpy()
        week = (queue, (day - pd.Timedelta(days=day.weekday())).date())
        week_num[week] = week_num.get(week, 0.0) + reps[n_key].to_numpy()
        week_den[week] = week_den.get(week, 0.0) + reps[d_key].to_numpy()
        days.append({"queue": queue, "date": day.date(),
                     "sim_service_level": float(s["service_level"]),
                     "sim_service_level_lo": float(s["service_level_lo"]),
                     "sim_service_level_hi": float(s["service_level_hi"]),
                     "sim_calls": float(s["offered"]),
                     "sim_overtime_h": overtime_s / 3600.0,
                     "sim_break_lost_h": lost_s / 3600.0})
    est, lo, hi = _ratio_ci(num, den, confidence)
    for unit, entry in by_unit.items():
        if entry["model"] != "deferred":
            u_est, u_lo, u_hi = _ratio_ci(unit_num[unit], unit_den[unit], confidence)
            entry.update(sim_service_level=u_est, sim_service_level_lo=u_lo,
                         sim_service_level_hi=u_hi,
                         sim_answered_in_sl=float(unit_num[unit].mean()),
                         sim_offered=float(unit_den[unit].mean()))
    with_calls = (offered > 0) & ~deferred
    scored = with_calls & (row_target_sl > 0)
    if scored.any():
        out["sim_below"] = scored & (out["sim_service_level_hi"].to_numpy() < row_target_sl)
        met = out["sim_service_level"].to_numpy()[scored] >= row_target_sl[scored]
        overall.update(sim_intervals_met=float(met.mean()),
                       sim_intervals_below=int(out["sim_below"].sum()))
    per_day = pd.DataFrame(days, columns=list(DAY_COLUMNS))
    overall["by_week"] = pd.DataFrame(
        [{"queue": q, "week": w, **dict(zip(("sim_service_level", "sim_service_level_lo",
                                             "sim_service_level_hi"),
                                            _ratio_ci(week_num[q, w], week_den[q, w],
                                                      confidence), strict=True)),
          "sim_calls": float(np.mean(week_den[q, w]))} for q, w in week_num],
        columns=["queue", "week", "sim_service_level", "sim_service_level_lo",
                 "sim_service_level_hi", "sim_calls"])
    overall.update(sim_service_level=est, sim_service_level_lo=lo, sim_service_level_hi=hi,
                   sim_days=len(days),
                   sim_overtime_h=float(per_day["sim_overtime_h"].sum()),
                   sim_break_lost_h=(float(per_day["sim_break_lost_h"].sum()) if agent_mode
                                     else math.nan))
    return out, per_day, overall


def _child(seed, name: str) -> np.random.SeedSequence:
    """The SeedSequence of the ``name`` streams (:data:`STREAM_KEYS`): same entropy as
    ``SeedSequence(seed)``, a spawn key no voice day's stream has."""
    return np.random.SeedSequence(np.random.SeedSequence(seed).entropy,
                                  spawn_key=(STREAM_KEYS[name],))


def _simulate_channel_day(calls, handle, agents, interval_min, t: ServiceTarget, common):
    """One chat or Erlang X day in :func:`erlang.simulate_channels.simulate_channel`: the
    target's handle time by concurrency, else the day's calls-weighted AHT at every level
    (``concurrency`` levels for chat, one for voice)."""
    if t.model == "chat" and t.aht_s_by_concurrency is not None:
        aht_list = list(t.aht_s_by_concurrency)
    else:
        day_aht = float(np.average(handle, weights=calls)) if calls.sum() > 0 else 1.0
        aht_list = [day_aht] * ((t.concurrency or 1) if t.model == "chat" else 1)
    return simulate_channel(calls, aht_list, agents, interval_min, lines=t.lines,
                            redial_share=t.redial_share, sl_convention=t.sl_convention,
                            **common)


def simulate_unit_deferred(interval_start, items, aht_s, on_phone, interval_min: int,
                           deadline_h: float, *, seed, replications: int,
                           confidence: float = 0.95):
    """One deferred unit's rows (times, items, handle times, on-phone capacity) on their
    calendar weeks (the rows open, the other intervals closed), repeated
    :data:`DEFERRED_PERIODS` times from an empty backlog and simulated
    (:func:`erlang.deferred.simulate_deferred`). Returns ``(simulation, slot of each row,
    slots in a period)``."""
    step_ns = interval_min * 60_000_000_000
    week = 7 * 24 * 60 // interval_min
    starts = pd.DatetimeIndex(interval_start)
    monday = starts.min().normalize() - pd.Timedelta(days=starts.min().weekday())
    slot = (starts.to_numpy("datetime64[ns]").astype(np.int64) - monday.value) // step_ns
    n_slots = int(-(-(int(slot.max()) + 1) // week) * week)      # whole weeks
    is_open = np.zeros(n_slots, dtype=bool)
    is_open[slot] = True
    items = np.asarray(items, dtype=float)
    aht_s = np.asarray(aht_s, dtype=float)
    week_items, cap = np.zeros(n_slots), np.zeros(n_slots)
    week_items[slot], cap[slot] = items, on_phone
    handle = np.full(n_slots, float(np.average(aht_s, weights=items))
                     if (items > 0).any() else 1.0)
    handle[slot] = aht_s
    p = DEFERRED_PERIODS
    sim = simulate_deferred(np.tile(week_items, p), np.tile(handle, p), np.tile(cap, p),
                            interval_min, np.tile(is_open, p), deadline_h=deadline_h,
                            seed=seed, replications=replications, confidence=confidence)
    return sim, slot, n_slots


def _check_deferred(merged, unit_rows, unit_target, phones, offered, aht, interval_min, seed,
                    replications, confidence, out, overall) -> None:
    """The deferred units' share done by the deadline (module docstring), into ``out``
    (``share_on_time`` per arrival interval) and ``overall`` (the pooled share and the
    per-unit entries of ``by_unit``)."""
    units = [u for u in unit_rows if unit_target[u].model == "deferred"]
    streams = _child(seed, "deferred").spawn(len(units))
    on_all, due_all = np.zeros(replications), np.zeros(replications)
    for unit, stream in zip(units, streams, strict=True):
        t = unit_target[unit]
        if t.deadline_h is None:
            raise InputError(f"unit {unit} is deferred work and needs deadline_h (business "
                             "hours) to be checked", param="deadline_h")
        idx = unit_rows[unit]
        cap = phones[idx].astype(float)
        if "blend_free_agents" in merged.columns:   # a voice team's idle time (blending)
            cap = cap + np.nan_to_num(merged["blend_free_agents"].to_numpy(float)[idx])
        sim, slot, n_slots = simulate_unit_deferred(
            merged["interval_start"].to_numpy()[idx], offered[idx], aht[idx], cap,
            interval_min, t.deadline_h, seed=stream, replications=replications,
            confidence=confidence)
        f = sim.intervals
        fold = f.groupby(f["interval"].to_numpy() % n_slots)[["due", "on_time"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            per_slot = (fold["on_time"] / fold["due"]).reindex(range(n_slots)).to_numpy()
        out.loc[out.index[idx], "share_on_time"] = per_slot[slot]
        reps = sim.replications.groupby("replication")[["on_time", "due"]].sum()
        on, due = reps["on_time"].to_numpy(), reps["due"].to_numpy()
        on_all += on
        due_all += due
        overall["by_unit"][unit].update(
            share_on_time=sim.share, share_on_time_lo=sim.share_lo,
            share_on_time_hi=sim.share_hi, sim_on_time=float(on.mean()),
            sim_due=float(due.mean()), deadline_h=t.deadline_h,
            deadline_share=t.deadline_share)
    est, lo, hi = _ratio_ci(on_all, due_all, confidence)
    overall.update(deferred_share_on_time=est, deferred_share_on_time_lo=lo,
                   deferred_share_on_time_hi=hi)


def equivalent_load(on_phone, sim_sl, offered, aht_s, interval_min: int,
                    target: ServiceTarget) -> np.ndarray:
    """The load (Erlangs) each interval behaves like: the load at which the formula
    (Erlang C/A of ``target``) with the agents there gives the simulated service level
    (bisection: the formula's service level falls as the load grows), searched up to
    1.25 x max(agents, offered load) + 5 Erlangs, which bounds one repair round; NaN where
    there are no calls or no simulated level.

    The simulated level carries what the formula leaves out (the queue carried between
    intervals, staffing changes), so this is the load the interval behaves like."""
    n = np.asarray(on_phone, dtype=float)
    sl = np.asarray(sim_sl, dtype=float)
    calls = np.asarray(offered, dtype=float)
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), n.shape)
    live = (calls > 0) & np.isfinite(sl)
    out = np.full(n.shape, np.nan)
    if not live.any():
        return out
    n_s, sl_s, aht_s_ = n[live], sl[live], aht[live]
    load = calls[live] * aht_s_ / (interval_min * 60.0)
    lo = np.zeros(n_s.shape)
    # search up to +25 % (+5): one round never asks for more; the loop that calls this
    # simulates again
    hi = np.maximum(n_s, load) * 1.25 + 5.0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        with np.errstate(all="ignore"):
            formula = np.asarray(kpis(n_s, mid, aht_s_, target)["service_level"], dtype=float)
        above = np.nan_to_num(formula, nan=0.0) >= sl_s
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    out[live] = hi
    return out


def extra_agents(on_phone, sim_sl, offered, aht_s, interval_min: int,
                 target: ServiceTarget) -> np.ndarray:
    """On-phone agents to add where a simulated service level falls short of the target:
    the agents the :func:`equivalent_load` needs (Erlang C/A of ``target``), minus those
    there; at least 1 where short, 0 elsewhere."""
    n = np.asarray(on_phone, dtype=float)
    sl = np.asarray(sim_sl, dtype=float)
    calls = np.asarray(offered, dtype=float)
    short = (calls > 0) & np.isfinite(sl) & (sl < target.sl_target)
    out = np.zeros(n.shape, dtype=np.int64)
    if not short.any():
        return out
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), n.shape)[short]
    load = equivalent_load(n[short], sl[short], calls[short], aht, interval_min, target)
    needed = np.asarray(required_agents(load, aht, replace(target, min_agents=0)),
                        dtype=float)
    out[short] = np.maximum(needed - n[short], 1.0).astype(np.int64)
    return out
