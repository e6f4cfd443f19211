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
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from erlang import ServiceTarget, kpis, required_agents
from erlang.simulate import ratio_ci
from erlang.simulate import simulate as run_sim
from erlang.simulate import simulate_agents as run_agents
from shifts.duty import day_duty, shift_periods
from wfmcore import InputError, checks

CHECK_COLUMNS = ("on_phone_agents", "service_level", "sim_service_level",
                 "sim_service_level_lo", "sim_service_level_hi", "sim_below")
#: Columns of the per-day frame of a simulated check.
DAY_COLUMNS = ("queue", "date", "sim_service_level", "sim_service_level_lo",
               "sim_service_level_hi", "sim_calls", "sim_overtime_h", "sim_break_lost_h")
#: What the simulation does where the agents on the phones change (module docstring).
STAFFING_RULES = ("count", "designated", "agents")


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


def _aht(req: pd.DataFrame, interval_min: int) -> np.ndarray:
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
    t_q = float(stdtrit(n - 1, 0.5 + confidence / 2)) if n > 1 else math.nan  # t quantile
    est, lo, hi = ratio_ci(num, den, t_q, clip=True)
    return float(est), float(lo), float(hi)


def check_service(coverage: pd.DataFrame, req: pd.DataFrame, interval_min: int, *,
                  target=None, shrinkage: float | None = None, simulate: bool = True,
                  replications: int = 5, seed: int = 0, confidence: float = 0.95,
                  staffing_rule: str = "count", shifts: pd.DataFrame | None = None):
    """Service level achieved by a schedule's coverage, per interval, per day and overall.

    ``coverage``: the schedule's coverage frame (``queue``, ``interval_start``,
    ``scheduled``); ``req``: the checked requirement frame (``shifts.requirements.
    check_requirements``) with ``offered`` and ``traffic_erl`` or ``aht_s``; ``target``: an
    :class:`erlang.ServiceTarget` (threshold, patience; default 80/20 Erlang C).

    Returns ``(per_interval, per_day, overall)``: a frame aligned with ``coverage`` with the
    columns :data:`CHECK_COLUMNS` (``sim_below``: an interval with calls whose simulated
    service level is significantly below ``target.sl_target``, i.e. its upper confidence
    limit is); a frame with one row per (queue, date) with ``sim_service_level`` and its
    ``_lo`` / ``_hi`` limits; a dict with ``service_level`` (Erlang, calls-weighted over
    intervals), ``sim_service_level``, ``sim_service_level_lo``, ``sim_service_level_hi``,
    ``sim_replications``, ``on_phone_share``, ``sim_intervals_met`` (share of the intervals
    with calls whose simulated level reaches the target) and ``sim_intervals_below`` (how
    many are significantly below). Simulated values are NaN when ``simulate`` is false.
    ``seed``: an int or a sequence of ints (``numpy.random.SeedSequence`` entropy).

    ``staffing_rule``: ``count``, ``designated`` or ``agents`` (module docstring); ``agents``
    needs ``shifts``, the schedule's shifts frame (``queue`` when the coverage has queues,
    ``start``, ``end``, ``breaks``, ``agents``), and adds ``sim_on_phone_agents`` (mean agents
    on the phones in the replay) to the per-interval frame. The per-day frame also has
    ``sim_calls`` (simulated calls offered, mean per replication), ``sim_overtime_h`` and
    ``sim_break_lost_h`` (agent-hours, mean per replication; breaks only in agent mode,
    else NaN); ``overall`` adds their sums over the days, ``sim_days`` and
    ``sim_staffing_rule``.
    """
    target = ServiceTarget() if target is None else target
    check_options(replications, shrinkage, simulate, staffing_rule)
    if staffing_rule == "agents" and simulate and shifts is None:
        raise InputError("staffing_rule 'agents' replays the schedule's shifts: give shifts "
                         "(the shifts frame)", param="staffing_rule")
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
    aht = _aht(merged.assign(offered=offered), interval_min)
    traffic = offered * aht / (interval_min * 60.0)
    if "staffing_erl" in merged.columns:        # the load it was staffed for (wfm staff)
        staffed = merged["staffing_erl"].to_numpy(dtype=float)
        traffic = np.where(np.isfinite(staffed), staffed, traffic)
    sl = np.asarray(kpis(phones, traffic, aht, target)["service_level"], dtype=float)
    out = pd.DataFrame({"on_phone_agents": phones, "service_level": sl,
                        "sim_service_level": np.nan, "sim_service_level_lo": np.nan,
                        "sim_service_level_hi": np.nan, "sim_below": False},
                       index=coverage.index)
    overall = {"service_level": float(np.average(sl, weights=offered)) if offered.sum() > 0
               else math.nan,
               "sim_service_level": math.nan, "sim_service_level_lo": math.nan,
               "sim_service_level_hi": math.nan,
               "sim_replications": replications if simulate else 0,
               "on_phone_share": float(share.min()) if len(share) else 1.0,
               "sim_intervals_met": math.nan, "sim_intervals_below": 0,
               "sim_staffing_rule": staffing_rule if simulate else "",
               "sim_days": 0, "sim_overtime_h": math.nan, "sim_break_lost_h": math.nan}
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
    groups = list(merged.groupby([merged["queue"], date], sort=True).groups.items())
    streams = np.random.SeedSequence(seed).spawn(len(groups))
    num = np.zeros(replications)
    den = np.zeros(replications)
    step = pd.Timedelta(minutes=interval_min)
    for ((queue, day), idx), stream in zip(groups, streams, strict=True):
        idx = np.asarray(idx)
        t = merged["interval_start"].to_numpy()[idx]
        pos = ((t - t.min()) // step).astype(np.int64)
        n = int(pos.max()) + 1
        calls, agents, handle = np.zeros(n), np.zeros(n, dtype=np.int64), np.ones(n)
        calls[pos], agents[pos], handle[pos] = offered[idx], phones[idx], aht[idx]
        common = {"sl_threshold_s": target.sl_threshold_s, "patience_s": target.patience_s,
                  "seed": stream, "replications": replications, "confidence": confidence}
        if agent_mode:
            t0 = pd.Timestamp(t.min())
            mine = ((shift_queue == str(queue)) & (shift_start < np.datetime64(t0 + n * step))
                    & (shift_end > np.datetime64(t0)))
            fit = None
            if (share[idx] < 1.0).any():       # shrinkage: fit the count check's agents
                fit = np.full(n, np.nan)
                fit[pos] = phones[idx]
            duty, _ = day_duty(shift_rows[mine], [periods[i] for i in np.flatnonzero(mine)],
                               t0, n, interval_min, fit)
            res = run_agents(calls, handle, duty, interval_min, **common)
        else:
            res = run_sim(calls, handle, agents, interval_min, staffing_rule=staffing_rule,
                          **common)
        iv = res.intervals.iloc[pos]
        for c in ("service_level", "service_level_lo", "service_level_hi"):
            out.loc[out.index[idx], f"sim_{c}"] = iv[c].to_numpy()
        if agent_mode:
            out.loc[out.index[idx], "sim_on_phone_agents"] = iv["agents"].to_numpy()
        reps = res.replications.groupby("replication")[
            ["answered_within_threshold", "offered"]].sum()
        num += reps["answered_within_threshold"].to_numpy()
        den += reps["offered"].to_numpy()
        s = res.summary.iloc[0]
        days.append({"queue": queue, "date": day.date(),
                     "sim_service_level": float(s["service_level"]),
                     "sim_service_level_lo": float(s["service_level_lo"]),
                     "sim_service_level_hi": float(s["service_level_hi"]),
                     "sim_calls": float(s["offered"]),
                     "sim_overtime_h": float(s["overtime_s"]) / 3600.0,
                     "sim_break_lost_h": (float(s["break_lost_s"]) / 3600.0 if agent_mode
                                          else math.nan)})
    est, lo, hi = _ratio_ci(num, den, confidence)
    with_calls = offered > 0
    if target.sl_target > 0:
        out["sim_below"] = with_calls & (out["sim_service_level_hi"].to_numpy()
                                         < target.sl_target)
        met = out["sim_service_level"].to_numpy()[with_calls] >= target.sl_target
        overall.update(sim_intervals_met=float(met.mean()) if met.size else math.nan,
                       sim_intervals_below=int(out["sim_below"].sum()))
    per_day = pd.DataFrame(days, columns=list(DAY_COLUMNS))
    overall.update(sim_service_level=est, sim_service_level_lo=lo, sim_service_level_hi=hi,
                   sim_days=len(days), sim_overtime_h=float(per_day["sim_overtime_h"].sum()),
                   sim_break_lost_h=(float(per_day["sim_break_lost_h"].sum()) if agent_mode
                                     else math.nan))
    return out, per_day, overall


def extra_agents(on_phone, sim_sl, offered, aht_s, interval_min: int,
                 target: ServiceTarget) -> np.ndarray:
    """On-phone agents to add where a simulated service level falls short of the target:
    the load at which the formula (Erlang C/A of ``target``) gives the simulated level with
    the agents there (bisection: the formula's service level falls as the load grows), and
    the agents that load needs, minus those there; at least 1 where short, 0 elsewhere. The
    search stops at 1.25 x max(agents, offered load) + 5 Erlangs, which bounds one round.

    The simulated level carries what the formula leaves out (the queue carried between
    intervals, staffing changes), so this "equivalent load" is the load the interval
    behaves like."""
    n = np.asarray(on_phone, dtype=float)
    sl = np.asarray(sim_sl, dtype=float)
    calls = np.asarray(offered, dtype=float)
    aht = np.asarray(aht_s, dtype=float)
    short = (calls > 0) & np.isfinite(sl) & (sl < target.sl_target)
    out = np.zeros(n.shape, dtype=np.int64)
    if not short.any():
        return out
    n_s, sl_s, aht_s_ = n[short], sl[short], aht[short]
    load = calls[short] * aht_s_ / (interval_min * 60.0)
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
    needed = np.asarray(required_agents(hi, aht_s_, replace(target, min_agents=0)),
                        dtype=float)
    out[short] = np.maximum(needed - n_s, 1.0).astype(np.int64)
    return out
