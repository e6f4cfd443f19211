"""The long-range plan (``wfm capacity``): the weekly FTE requirement a year ahead and the
hiring plan that meets it (:mod:`wfmplan.hiring`).

**Requirement** (:func:`weekly_requirement`), the same chain as ``wfm plan`` so the long and
short range agree on the first weeks:

1. the short range: :func:`forecast.run_forecast` over the first ``short_weeks`` weeks
   (interval forecast, model chosen by its backtest);
2. beyond it, each later week repeats the intervals of the short range's last week (per
   weekday; AHT as forecast) scaled by a weekly volume index: log(weekly calls) of the
   history's complete weeks = a + b t (the trend kept when |t-stat| >= 2, from 26 weeks)
   + a yearly Fourier series (3 harmonics of 52.18 weeks, from 104 weeks: two cycles are
   needed to tell a season from a trend), fitted by least squares per queue. The level is
   the short-range forecast's; the index gives only the growth and season relative to the
   short range's last week. Why not ``run_forecast`` for 52 weeks: its models are local
   level + weekday effects, so a year ahead is flat (measured: a 2-year history growing
   0.3 %/week forecasts week 52 at +0.3 % over week 1 instead of +17 %), although it is
   fast (1.1 s for 52 weeks at 30 min against 0.7-1.3 s for 1-2 weeks);
3. planned events and volume changes (:func:`read_events`: week, queue, volume factor, AHT
   change in seconds) are applied per week;
4. every interval is staffed by :func:`wfmplan.staffing.staff_with_config` with its queue's
   targets (required agents, then scheduled agents = agents / (1 - shrinkage), rounded up);
5. scheduled hours -> paid hours by the **scheduling efficiency** = paid hours / scheduled
   agent-hours of the short range's own schedule (:func:`shifts.schedule` with the plan's
   rules, solved here unless ``scheduling_efficiency`` is given): shifts cover the interval
   requirement with some over-coverage, the same ratio is assumed in later weeks;
6. FTE = paid hours / FTE hours a week, i.e. efficiency x on-phone hours / (FTE hours x
   (1 - shrinkage)), up to the rounding of scheduled agents per interval.

The requirement's uncertainty for the Monte Carlo: the volume index's prediction log-sd
(residual sd x sqrt(1 + d'(X'X)^-1 d), d the design difference to the anchor week) or a
given ``volume_cv``, times the requirement's elasticity to volume (measured by staffing
every week again at +10 % volume: Erlang economies of scale make it below 1).

**Runner** (:func:`run_capacity`): requirement, the workforce of the ``[capacity]`` table
(:func:`workforce_from_table`), the hiring programme (expected value, or for a probability
``p_meet`` of meeting each week), the Monte Carlo, and capacity.csv / capacity.xlsx /
capacity.png / capacity.html (the report section, with its assumptions) written atomically.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

import forecast as fc
import shifts
from forecast.options import parse_horizon
from forecast.pipeline import load_history
from wfmcore import checks
from wfmcore import schema as S
from wfmcore.config import Config
from wfmcore.errors import InputError
from wfmcore.excel import line_chart, write_frame
from wfmcore.io import check_output_path, write_atomic
from wfmcore.readoptions import ReadOptions
from wfmplan.hiring import (
    Cohort,
    Contract,
    HiringPlan,
    Simulation,
    Workforce,
    monte_carlo,
    plan_for_probability,
    plan_hiring,
)
from wfmplan.report import capacity_report
from wfmplan.settings import read_options, shift_rules
from wfmplan.staffing import read_forecast, staff_with_config

YEAR_WEEKS = 365.2425 / 7
TREND_MIN_WEEKS = 26
SEASON_MIN_WEEKS = 104
HARMONICS = 3
ELASTICITY_STEP = 1.1
OUTPUT_FILES = ("capacity.csv", "capacity.xlsx", "capacity.png", "capacity.html")


# --- the weekly volume index ------------------------------------------------------------------


@dataclass(frozen=True)
class VolumeIndex:
    """log(weekly calls) = design(t) . beta (module docstring), t in weeks from the plan's
    week 0; ``terms`` names what was fitted; ``resid_sd`` the residual sd of the log
    totals; ``xtx_inv`` (X'X)^-1."""

    beta: np.ndarray
    terms: tuple[str, ...]
    resid_sd: float
    xtx_inv: np.ndarray
    weeks: int

    def design(self, t) -> np.ndarray:
        t = np.asarray(t, float)
        cols = [np.ones_like(t)]
        if "trend" in self.terms:
            cols.append(t)
        if "season" in self.terms:
            for h in range(1, HARMONICS + 1):
                w = 2 * np.pi * h * t / YEAR_WEEKS
                cols += [np.sin(w), np.cos(w)]
        return np.column_stack(cols)

    def factor(self, t, ref: int) -> np.ndarray:
        """exp(f(t) - f(ref)): volume of week t relative to week ``ref``."""
        d = self.design(t) - self.design([ref])
        return np.exp(d @ self.beta)

    def sigma(self, t, ref: int) -> np.ndarray:
        """Prediction log-sd of week t's volume relative to week ``ref``."""
        d = self.design(t) - self.design([ref])
        return self.resid_sd * np.sqrt(1.0 + np.einsum("ij,jk,ik->i", d, self.xtx_inv, d))

    def describe(self) -> str:
        parts = ["level"] + [{"trend": "trend", "season": f"yearly season ({HARMONICS} "
                              "harmonics)"}[t] for t in self.terms if t != "level"]
        growth = ""
        if "trend" in self.terms:
            growth = f", trend {math.expm1(self.beta[1] * YEAR_WEEKS):+.1%} a year"
        return (f"weekly volume index from {self.weeks} complete weeks: "
                f"{' + '.join(parts)}{growth}, residual log-sd {self.resid_sd:.3f}")


def fit_volume_index(weekly: pd.Series) -> VolumeIndex:
    """Least squares on log weekly totals indexed by week number (module docstring)."""
    y = np.log(weekly.to_numpy(float))
    t = weekly.index.to_numpy(float)
    n = len(y)
    terms = ["level"]
    if n >= SEASON_MIN_WEEKS:
        terms += ["trend", "season"]
    elif n >= TREND_MIN_WEEKS:
        terms += ["trend"]

    def fit(terms):
        idx = VolumeIndex(np.zeros(1), tuple(terms), 0.0, np.eye(1), n)
        X = idx.design(t)
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ beta
        dof = max(n - X.shape[1], 1)
        s = float(np.sqrt(resid @ resid / dof))
        inv = np.linalg.pinv(X.T @ X)
        return VolumeIndex(beta, tuple(terms), s, inv, n)

    idx = fit(terms)
    if "trend" in terms:
        se = idx.resid_sd * math.sqrt(idx.xtx_inv[1, 1])
        if se > 0 and abs(idx.beta[1]) / se < 2.0:
            idx = fit([x for x in terms if x != "trend"])
    return idx


def weekly_totals(frame: pd.DataFrame, start: pd.Timestamp) -> pd.Series:
    """Calls of the history's complete 7-day blocks ending the day before ``start``, indexed
    by week number (-1 = the last week before ``start``). A block with fewer days of data
    than the usual (the median count) is left out (a gap, not a quiet week)."""
    day = pd.to_datetime(frame[S.INTERVAL_START]).dt.normalize()
    daily = frame.groupby(day)[S.OFFERED].sum()
    first = daily.index.min()
    week = np.floor((daily.index - start).days / 7).astype(int)
    blocks = pd.DataFrame({"calls": daily.to_numpy(), "week": week,
                           "day": daily.index}).groupby("week")
    out = blocks["calls"].sum()
    days = blocks["day"].count()
    begins = start + pd.to_timedelta(out.index * 7, unit="D")
    whole = (begins >= first) & (out.index < 0)
    out, days = out[whole], days[whole]
    keep = (days >= days.median()) & (out > 0)
    return out[keep]


# --- events ------------------------------------------------------------------------------------


def read_events(source) -> pd.DataFrame:
    """Planned events and volume changes: a CSV (or frame) with ``week_start`` (a date: the
    plan week containing it), optional ``week_end`` (a date, inclusive: the change lasts
    to the week containing it), ``queue`` (empty: every queue), ``volume_factor``
    (multiplier, default 1) and ``aht_delta_s`` (seconds added to AHT, default 0)."""
    name = str(source) if not isinstance(source, pd.DataFrame) else "events"
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
    else:
        try:
            raw = pd.read_csv(source, dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise InputError(f"{name}: events file not found") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if "week_start" not in raw.columns:
        raise InputError(f"{name}: no 'week_start' column (columns: week_start, week_end, "
                         "queue, volume_factor, aht_delta_s)")
    known = {"week_start", "week_end", "queue", "volume_factor", "aht_delta_s"}
    extra = sorted(set(raw.columns) - known)
    if extra:
        raise InputError(f"{name}: unknown column '{extra[0]}' (known: {', '.join(sorted(known))})")
    rows = []
    for i, r in enumerate(raw.to_dict("records")):
        where = f"{name}: data row {i + 1}"

        def date(col, r=r, where=where):
            v = str(r.get(col, "") or "").strip()
            if not v:
                return None
            try:
                return pd.Timestamp(v).normalize()
            except (ValueError, TypeError):
                raise InputError(f"{where}: column {col}: not a date: {v!r}") from None

        def num(col, default, r=r, where=where):
            v = str(r.get(col, "") or "").strip()
            if not v:
                return default
            try:
                return float(v)
            except ValueError:
                raise InputError(f"{where}: column {col}: not a number: {v!r}") from None

        start = date("week_start")
        if start is None:
            raise InputError(f"{where}: column week_start is empty")
        end = date("week_end") or start
        if end < start:
            raise InputError(f"{where}: column week_end is before week_start")
        vf = num("volume_factor", 1.0)
        if not (vf > 0 and math.isfinite(vf)):
            raise InputError(f"{where}: column volume_factor must be a multiplier > 0 "
                             f"(1.15 = +15 %); got {vf:g}")
        rows.append(dict(week_start=start, week_end=end,
                         queue=str(r.get("queue", "") or "").strip() or None,
                         volume_factor=vf, aht_delta_s=num("aht_delta_s", 0.0)))
    return pd.DataFrame(rows, columns=["week_start", "week_end", "queue", "volume_factor",
                                       "aht_delta_s"])


# --- the weekly requirement --------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyRequirement:
    """:func:`weekly_requirement`'s answer. ``frame``: one row per week (and queue, when the
    history has queues): ``week``, ``week_start``, [``queue``,] ``calls``, ``aht_s``
    (calls-weighted), ``volume_factor`` (index x events, 1 in the short range without
    events), ``agent_hours`` (on the phones), ``scheduled_hours`` (after shrinkage),
    ``required_fte``, ``elasticity``, ``sigma_log``. ``total``: the same per week over the
    queues. ``efficiency``: paid / scheduled hours, and where it came from."""

    frame: pd.DataFrame
    total: pd.DataFrame
    efficiency: float
    efficiency_source: str
    fte_hours: float
    short_weeks: int
    interval_min: int
    notes: list[str] = field(default_factory=list)


def _template(short: pd.DataFrame, start: pd.Timestamp, short_weeks: int) -> pd.DataFrame:
    """The intervals of the short range's last week, per weekday the latest short-range day
    of that weekday; ``offset_days`` = its distance from the last week."""
    day = short[S.INTERVAL_START].dt.normalize()
    week = ((day - start).dt.days // 7).to_numpy()
    last = short_weeks - 1
    parts = []
    for wd in range(7):
        have = sorted(set(week[(day.dt.day_of_week == wd).to_numpy()]))
        if not have:
            continue
        w = have[-1]
        rows = short[(day.dt.day_of_week == wd).to_numpy() & (week == w)].copy()
        rows["_shift_days"] = 7 * (last - w)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def weekly_requirement(history, horizon_weeks: int = 52, *, config: Config | None = None,
                       forecast: fc.ForecastOptions | None = None,
                       read: ReadOptions | None = None, events=None, short_weeks: int = 1,
                       fte_hours: float = 37.5, scheduling_efficiency: float | None = None,
                       rules: shifts.Rules | None = None, volume_cv: float | None = None,
                       target_overrides: Mapping[str, object] | None = None,
                       schedule_time_limit_s: float = 60.0, volume: float = 1.0,
                       aht_delta_s: float = 0.0, workers: int | None = 1,
                       scheduler: str | None = None, progress=None,
                       on_series=None) -> WeeklyRequirement:
    """The required FTE of every week of ``horizon_weeks`` (module docstring, steps 1-6).

    ``forecast``: how to forecast (its horizon is replaced by ``short_weeks`` weeks);
    ``events``: :func:`read_events` input; ``scheduling_efficiency``: paid hours per
    scheduled agent-hour (None: measured on the short range's schedule); ``volume_cv``: the
    week's volume CV for the Monte Carlo (None: the volume index's prediction error).
    ``volume`` (multiplier) and ``aht_delta_s`` (seconds) change every week, as a what-if
    scenario does (:class:`wfmplan.whatif.Scenario`), before the events; the short range's
    schedule (the efficiency) is made for the changed weeks. ``workers`` / ``scheduler``: the
    short-range forecast and the staffing run series by series in that many processes or on
    that Dask cluster (:func:`wfmcore.parallel.map_ordered`); the same requirement.
    ``on_series(n)`` is told 3 x the number of series (the forecast and the two staffing
    runs, below, go through every series once) and ``progress(k)`` as k of them are done:
    a progress bar's total and steps.
    """
    horizon_weeks = checks.whole(horizon_weeks, "horizon_weeks", 1)
    short_weeks = checks.whole(short_weeks, "short_weeks", 1)
    if short_weeks > horizon_weeks:
        raise InputError(f"short_weeks ({short_weeks}) is longer than the horizon "
                         f"({horizon_weeks} weeks)", param="short_weeks")
    fte_hours = checks.positive(fte_hours, "fte_hours")
    if scheduling_efficiency is not None:
        scheduling_efficiency = checks.positive(scheduling_efficiency, "scheduling_efficiency")
    if volume_cv is not None:
        volume_cv = checks.share(volume_cv, "volume_cv", "share0")
    config = config or Config()
    overrides = {k: v for k, v in (target_overrides or {}).items() if v is not None}
    opts = replace(forecast or fc.ForecastOptions(), horizon=7 * short_weeks)
    read = read if read is not None else read_options(config)
    hist = load_history(history, opts, read)
    result = fc.run_forecast(hist, options=opts, workers=workers, scheduler=scheduler,
                             progress=progress,
                             on_series=None if on_series is None else lambda n: on_series(3 * n))
    notes = list(result.notes)
    interval_min = result.interval_min
    short = result.frame.drop(columns=[S.MODEL])
    short[S.INTERVAL_START] = pd.to_datetime(short[S.INTERVAL_START])
    start = short[S.INTERVAL_START].min().normalize()
    has_q = S.QUEUE in short.columns
    lo_hi = [c for c in short.columns if c.startswith(f"{S.OFFERED}_")]

    # the volume index per queue, and the later weeks from the template week
    weeks = np.arange(horizon_weeks)
    keys = sorted(short[S.QUEUE].astype(str).unique()) if has_q else [None]
    hframe = hist.frame
    parts, sig_by_q, factor_by_q = [short.assign(_week=((
        short[S.INTERVAL_START].dt.normalize() - start).dt.days // 7))], {}, {}
    for q in keys:
        rows = hframe if q is None else hframe[hframe[S.QUEUE].astype(str) == q]
        totals = weekly_totals(rows, start)
        prefix = "" if q is None else f"queue {q}: "
        if len(totals) >= 4:
            idx = fit_volume_index(totals)
            factor = idx.factor(weeks, short_weeks - 1)
            sig = idx.sigma(weeks, short_weeks - 1)
            notes.append(prefix + idx.describe())
        else:
            factor, sig = np.ones(horizon_weeks), np.full(horizon_weeks, 0.05)
            notes.append(prefix + f"only {len(totals)} complete weeks of history: later weeks "
                         "repeat the short range (no trend or season), volume CV 5 % assumed")
        factor[:short_weeks] = 1.0
        factor_by_q[q], sig_by_q[q] = factor, sig
        srows = short if q is None else short[short[S.QUEUE].astype(str) == q]
        tmpl = _template(srows, start, short_weeks)
        recent = pd.to_datetime(rows[S.INTERVAL_START])
        recent = recent[recent >= start - pd.Timedelta(days=28)]
        lost = sorted(set(recent.dt.day_of_week) - set(tmpl[S.INTERVAL_START].dt.day_of_week))
        if lost:
            names = ", ".join(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in lost)
            notes.append(prefix + f"{names} open in the last 4 weeks of history but closed in "
                         "the short range (a holiday?): later weeks have it closed too; "
                         "give more short_weeks")
        for w in range(short_weeks, horizon_weeks):
            shift = pd.to_timedelta(tmpl["_shift_days"] + 7 * (w - short_weeks + 1), unit="D")
            block = tmpl.drop(columns=["_shift_days"]).copy()
            block[S.INTERVAL_START] = block[S.INTERVAL_START] + shift
            for c in [S.OFFERED, *lo_hi]:
                block[c] = block[c] * factor[w]
            block["_week"] = w
            parts.append(block)
    long = pd.concat(parts, ignore_index=True)
    if has_q:
        long["_vf"] = [factor_by_q[str(q)][w] for q, w in zip(long[S.QUEUE], long["_week"],
                                                                 strict=True)]
    else:
        long["_vf"] = factor_by_q[None][long["_week"].to_numpy()]

    # the scenario's changes of every week, then the events
    volume = checks.positive(volume, "volume")
    aht_delta_s = checks.number(aht_delta_s, "aht_delta_s")
    if volume != 1.0:
        for c in [S.OFFERED, *lo_hi]:
            long[c] = long[c] * volume
        long["_vf"] = long["_vf"] * volume
    if aht_delta_s:
        if S.AHT_S not in long.columns:
            raise InputError("aht_delta_s needs an AHT in the forecast (aht_s)",
                             param="aht_delta_s")
        long[S.AHT_S] = long[S.AHT_S] + aht_delta_s
        if (long[S.AHT_S] <= 0).any():
            raise InputError(f"aht_delta_s {aht_delta_s:g} leaves AHT at or below 0",
                             param="aht_delta_s")
    if events is not None:
        ev = read_events(events)
        for _, e in ev.iterrows():
            w0 = int(np.floor((e["week_start"] - start).days / 7))
            w1 = int(np.floor((e["week_end"] - start).days / 7))
            sel = (long["_week"] >= w0) & (long["_week"] <= w1)
            if e["queue"] is not None:
                if not has_q or e["queue"] not in keys:
                    raise InputError(f"events: queue {e['queue']!r} is not in the history")
                sel &= long[S.QUEUE].astype(str) == e["queue"]
            if not sel.any():
                notes.append(f"event of {e['week_start']:%Y-%m-%d} lies outside the "
                             "horizon: ignored")
                continue
            for c in [S.OFFERED, *lo_hi]:
                long.loc[sel, c] *= e["volume_factor"]
            long.loc[sel, "_vf"] *= e["volume_factor"]
            if e["aht_delta_s"]:
                if S.AHT_S not in long.columns:
                    raise InputError("events: aht_delta_s needs an AHT in the forecast")
                long.loc[sel, S.AHT_S] += e["aht_delta_s"]
                if (long.loc[sel, S.AHT_S] <= 0).any():
                    raise InputError(f"events: aht_delta_s {e['aht_delta_s']:g} from "
                                     f"{e['week_start']:%Y-%m-%d} leaves AHT at or below 0")
            if w0 < short_weeks:
                notes.append(f"event of {e['week_start']:%Y-%m-%d} changes the short range: "
                             "those weeks differ from wfm plan's")

    aht_s = opts.aht_s
    long = long.sort_values(([S.QUEUE] if has_q else []) + [S.INTERVAL_START],
                            kind="stable").reset_index(drop=True)
    cols = [c for c in long.columns if not c.startswith("_")]

    def staffed(frame: pd.DataFrame):
        f = read_forecast(frame[cols], interval_min=interval_min)
        return staff_with_config(f, config, aht_s=aht_s, workers=workers,
                                 scheduler=scheduler, progress=progress, **overrides)

    req = staffed(long)
    up = long.copy()
    for c in [S.OFFERED, *lo_hi]:
        up[c] = up[c] * ELASTICITY_STEP
    req_up = staffed(up)
    notes += list(req.notes)

    interval_h = interval_min / 60.0
    f = req.frame
    frame = pd.DataFrame({
        "week": long["_week"].to_numpy(), "queue": (f[S.QUEUE].astype(str).to_numpy()
                                                    if has_q else "all"),
        "calls": f[S.OFFERED].to_numpy(float),
        "handle_s": f[S.OFFERED].to_numpy(float) * (
            f[S.AHT_S].to_numpy(float) if S.AHT_S in f.columns else np.nan),
        "agent_hours": f["agents"].to_numpy(float) * interval_h,
        "scheduled_hours": f["scheduled_agents"].to_numpy(float) * interval_h,
        "scheduled_hours_up": req_up.frame["scheduled_agents"].to_numpy(float) * interval_h,
        "volume_factor": long["_vf"].to_numpy(float)})

    # scheduling efficiency
    if scheduling_efficiency is None:
        in_short = (long["_week"] < short_weeks).to_numpy()
        target = config.service_target(None, **overrides)
        sched = shifts.schedule(
            f[in_short].reset_index(drop=True), rules,
            options=shifts.ScheduleOptions(simulate=False, replications=0, workers=1,
                                           shrinkage=target.shrinkage,
                                           time_limit_s=schedule_time_limit_s),
            source="short-range requirements")
        sched_h = float(frame.loc[in_short, "scheduled_hours"].sum())
        paid = float(sched.summary["paid_hours"])
        efficiency = paid / sched_h if sched_h > 0 else 1.0
        source = (f"measured on the first {short_weeks} week(s)' schedule: {paid:,.1f} paid "
                  f"hours / {sched_h:,.1f} scheduled agent-hours")
    else:
        efficiency = float(scheduling_efficiency)
        source = "given"
    notes.append(f"scheduling efficiency {efficiency:.3f} paid hours per scheduled "
                 f"agent-hour ({source})")

    g = frame.groupby(["week", "queue"], sort=True)
    wk = g[["calls", "handle_s", "agent_hours", "scheduled_hours", "scheduled_hours_up"]].sum()
    wk["volume_factor"] = g["volume_factor"].mean()
    wk = wk.reset_index()
    wk["week_start"] = start + pd.to_timedelta(wk["week"] * 7, unit="D")
    wk["aht_s"] = np.where(wk["calls"] > 0, wk["handle_s"] / wk["calls"].where(
        wk["calls"] > 0, 1.0), np.nan)
    wk["required_fte"] = efficiency * wk["scheduled_hours"] / fte_hours
    with np.errstate(divide="ignore", invalid="ignore"):
        el = np.log(wk["scheduled_hours_up"] / wk["scheduled_hours"]) / math.log(ELASTICITY_STEP)
    wk["elasticity"] = np.where(np.isfinite(el), el, 1.0)
    if volume_cv is not None:
        wk["sigma_log"] = math.sqrt(math.log1p(volume_cv ** 2))
    else:
        wk["sigma_log"] = [sig_by_q[None if q == "all" else q][w]
                           for q, w in zip(wk["queue"], wk["week"], strict=True)]
    order = ["week", "week_start"] + (["queue"] if has_q else []) + [
        "calls", "aht_s", "volume_factor", "agent_hours", "scheduled_hours", "required_fte",
        "elasticity", "sigma_log"]
    out = wk[order]
    total = _total(out, wk)
    return WeeklyRequirement(frame=out.reset_index(drop=True), total=total,
                             efficiency=efficiency, efficiency_source=source,
                             fte_hours=fte_hours, short_weeks=short_weeks,
                             interval_min=interval_min, notes=notes)


def _total(out: pd.DataFrame, wk: pd.DataFrame) -> pd.DataFrame:
    """Per week over the queues: sums; AHT calls-weighted; the volume log-sd and elasticity
    FTE-weighted (the queues' errors taken as fully correlated: conservative)."""
    w = wk.assign(_sig=wk["sigma_log"] * wk["elasticity"] * wk["required_fte"],
                  _el=wk["elasticity"] * wk["required_fte"])
    g = w.groupby("week", sort=True)
    tot = g[["calls", "handle_s", "agent_hours", "scheduled_hours", "required_fte",
             "_sig", "_el"]].sum()
    tot["week_start"] = g["week_start"].first()
    tot["aht_s"] = tot["handle_s"] / tot["calls"].where(tot["calls"] > 0, np.nan)
    fte = tot["required_fte"].where(tot["required_fte"] > 0, np.nan)
    tot["elasticity"] = (tot["_el"] / fte).fillna(1.0)
    tot["sigma_log"] = (tot["_sig"] / tot["_el"].where(tot["_el"] > 0, np.nan)).fillna(0.0)
    tot = tot.reset_index()
    return tot[["week", "week_start", "calls", "aht_s", "agent_hours", "scheduled_hours",
                "required_fte", "elasticity", "sigma_log"]]


# --- the [capacity] table -----------------------------------------------------------------------

#: [capacity] keys -> (kind, help); the workforce's fields and the run's options
CAPACITY_KEYS = {
    "horizon_weeks": ("whole", "weeks to plan, e.g. 52"),
    "short_weeks": ("whole", "weeks forecast interval by interval (as wfm plan) before the "
                             "weekly volume index takes over"),
    "fte_hours": ("positive", "paid hours of one FTE a week, e.g. 37.5"),
    "scheduling_efficiency": ("positive", "paid hours per scheduled agent-hour; default: "
                                          "measured on the short range's schedule"),
    "p_meet": ("share", "plan to meet each week's requirement with this probability, e.g. "
                        "0.9; default: the expected-value plan"),
    "volume_cv": ("share0", "coefficient of variation of a week's volume for the Monte "
                            "Carlo; default: the volume index's prediction error"),
    "paths": ("whole", "Monte Carlo paths, e.g. 2000"),
    "seed": ("whole", "Monte Carlo seed"),
    "training_weeks": ("whole", "weeks of classroom training (0 % productive)"),
    "ramp_weeks": ("whole", "weeks after training to reach 100 % (linear)"),
    "ramp": ("share_list", "productivity by tenure week from week 0, e.g. [0, 0, 0.5, 0.8] "
                           "(100 % after); replaces training_weeks and ramp_weeks"),
    "attrition": ("bands", "weekly leaving rate by tenure band: [[from_week, rate], ...], "
                           "e.g. [[0, 0.03], [13, 0.012], [26, 0.006]]"),
    "lead_time_weeks": ("whole", "weeks from deciding to hire to a class's first day"),
    "class_min": ("whole", "smallest class"),
    "class_max": ("whole", "largest class"),
    "training_seats": ("whole", "trainees at most in training at once"),
    "hire_contracts": ("names", "contracts hired into, e.g. ['full_time']"),
    "salary_week": ("money", "cost of one FTE a week (paid in training too)"),
    "hire_cost": ("money", "cost of one hire (recruiting, onboarding)"),
    "class_cost": ("money", "fixed cost of one class (trainer, room)"),
    "overtime_max_share": ("share0", "overtime at most this share of productive FTE"),
    "overtime_cost_factor": ("positive", "overtime cost per FTE-week over salary_week, e.g. "
                                         "1.5"),
    "outsource_cost_week": ("money", "cost of one outsourced FTE a week"),
    "outsource_cap_fte": ("money", "outsourced FTE at most"),
    "shortfall_cost_week": ("money", "cost of one FTE short for a week (service lost)"),
    "contracts": ("table", "[capacity.contracts.NAME] fte = 0.5, cost_week = 500"),
    "staff": ("tables", "[[capacity.staff]] headcount = 120, tenure_weeks = 80, contract = "
                        "'full_time': the starting staff; default: enough tenured full-time "
                        "heads for week 0's requirement"),
}
_RUN_KEYS = ("horizon_weeks", "short_weeks", "fte_hours", "scheduling_efficiency", "p_meet",
             "volume_cv", "paths", "seed")


def _value(kind: str, value, where: str):
    if kind == "whole":
        return checks.whole(value, where)
    if kind in ("positive",):
        return checks.positive(value, where)
    if kind in ("share", "share0"):
        return checks.share(value, where, kind)
    if kind == "money":
        v = checks.number(value, where)
        if v < 0:
            raise InputError(f"{where} must be >= 0; got {v:g}")
        return v
    if kind == "share_list":
        if not isinstance(value, list) or not value:
            raise InputError(f"{where} must be a list of shares, e.g. [0, 0.5, 1]")
        return tuple(checks.share(v, where, "share01") for v in value)
    if kind == "bands":
        if not isinstance(value, list) or not all(isinstance(b, list) and len(b) == 2
                                                  for b in value):
            raise InputError(f"{where} must be a list of [from_week, weekly_rate] pairs")
        return tuple((checks.whole(b[0], where), checks.share(b[1], where, "share0"))
                     for b in value)
    if kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where} must be a list of contract names")
        return tuple(value)
    raise InputError(f"{where}: unknown kind {kind}")


def workforce_from_table(table: Mapping | None, source: str = "wfm.toml"
                         ) -> tuple[Workforce, dict, bool]:
    """(workforce, run options, staff given?) from a ``[capacity]`` table
    (:data:`CAPACITY_KEYS`); every key checked, messages name ``source`` and the key."""
    table = dict(table or {})
    kw, run = {}, {}
    for key, value in table.items():
        if key not in CAPACITY_KEYS:
            raise InputError(f"{source}: unknown key 'capacity.{key}' (known in [capacity]: "
                             f"{', '.join(CAPACITY_KEYS)})")
        where = f"{source}: key 'capacity.{key}'"
        kind = CAPACITY_KEYS[key][0]
        if kind in ("table", "tables"):
            continue
        (run if key in _RUN_KEYS else kw)[key] = _value(kind, value, where)
    contracts = list(Workforce().contracts)
    raw = table.get("contracts", {})
    if not isinstance(raw, dict):
        raise InputError(f"{source}: [capacity.contracts] must hold [capacity.contracts.NAME] "
                         "tables")
    for name, spec in raw.items():
        where = f"{source}: [capacity.contracts.{name}]"
        if not isinstance(spec, dict) or set(spec) - {"fte", "cost_week"}:
            raise InputError(f"{where} takes fte and cost_week")
        c = Contract(name, checks.positive(spec.get("fte", 1.0), f"{where} fte"),
                     None if "cost_week" not in spec else _value("money", spec["cost_week"],
                                                                 f"{where} cost_week"))
        contracts = [x for x in contracts if x.name != name] + [c]
    kw["contracts"] = tuple(contracts)
    staff = table.get("staff", [])
    if not isinstance(staff, list):
        raise InputError(f"{source}: staff must be [[capacity.staff]] tables")
    cohorts = []
    for i, row in enumerate(staff):
        where = f"{source}: [[capacity.staff]] number {i + 1}"
        if not isinstance(row, dict) or "headcount" not in row or set(row) - {
                "headcount", "tenure_weeks", "contract"}:
            raise InputError(f"{where} takes headcount (required), tenure_weeks, contract")
        cohorts.append(Cohort(checks.whole(row["headcount"], f"{where} headcount"),
                              checks.whole(row.get("tenure_weeks", 520),
                                           f"{where} tenure_weeks"),
                              str(row.get("contract", "full_time"))))
    kw["cohorts"] = tuple(cohorts)
    try:
        wf = Workforce(**kw)
    except InputError as exc:
        raise InputError(f"{source}: [capacity]: {exc}") from None
    return wf, run, bool(cohorts)


def horizon_in_weeks(horizon) -> int:
    """52, '52w' or '364d' -> 52 (whole weeks only)."""
    if isinstance(horizon, int | np.integer) and not isinstance(horizon, bool):
        return checks.whole(horizon, "horizon", 1)
    days = parse_horizon(horizon)
    if days % 7:
        raise InputError(f"horizon must be whole weeks, e.g. 52w; got {horizon!r}",
                         param="horizon")
    return days // 7


def more_attrition(wf: Workforce, points: float) -> Workforce:
    """``wf`` with ``points`` (0.05 = 5 points) more annual attrition in every tenure band:
    weekly rate r -> 1 - (1 - a - points)^(1/52), a = 1 - (1 - r)^52 the band's annual
    rate."""
    points = checks.number(points, "attrition_points")
    bands = []
    for start, r in wf.attrition:
        a = 1.0 - (1.0 - r) ** 52 + points
        if not 0.0 <= a < 1.0:
            raise InputError(f"attrition_points {points:g} puts the annual attrition of the "
                             f"band from week {start} at {a:.0%}", param="attrition_points")
        bands.append((start, 1.0 - (1.0 - a) ** (1 / 52)))
    return replace(wf, attrition=tuple(bands))


# --- the runner ------------------------------------------------------------------------------------


@dataclass
class CapacityResult:
    """What :func:`run_capacity` returns. ``table``: one row per week — ``week_start``,
    ``required_fte``, ``available_fte`` (productive, expected) and its split
    (``available_fte_existing``, ``available_fte_hired``, ``available_fte_ramping``),
    ``headcount``, ``headcount_training``, ``paid_fte``, ``gap_fte`` (available + overtime
    + outsourced - required; negative = short), ``shortfall_fte``, ``hires`` (class sizes
    starting that week), ``attrition`` (expected leavers), ``overtime_fte``,
    ``outsourced_fte``, ``margin_fte`` (safety planned above the requirement), ``p_meet``
    (Monte Carlo), ``calls``, ``aht_s``. ``requirement``: the per-queue weekly requirement;
    ``plan``, ``simulation``, ``summary``, ``notes``, ``files``."""

    table: pd.DataFrame
    requirement: WeeklyRequirement
    plan: HiringPlan
    simulation: Simulation
    workforce: Workforce
    summary: dict
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def run_capacity(history, horizon_weeks: int | str | None = None,
                 config: Config | None = None,
                 out_dir=None, *, options: Mapping | None = None,
                 workforce: Workforce | None = None, events=None,
                 forecast: fc.ForecastOptions | None = None, rules: shifts.Rules | None = None,
                 target_overrides: Mapping[str, object] | None = None,
                 capacity_table: Mapping | None = None, volume: float = 1.0,
                 aht_delta_s: float = 0.0, attrition_points: float = 0.0,
                 workers: int | None = 1, scheduler: str | None = None,
                 progress=None, on_series=None) -> CapacityResult:
    """The long-range plan of ``history``: the weekly requirement, the hiring plan, the
    Monte Carlo, and (with ``out_dir``) capacity.csv, capacity.xlsx, capacity.png and
    capacity.html (:func:`wfmplan.report.capacity_report`).

    Settings: ``options`` (the run keys of :data:`CAPACITY_KEYS`, None = not given) over
    ``capacity_table`` (the ``[capacity]`` table; default ``config.capacity`` when the
    config has one) over the defaults; ``workforce`` replaces the table's workforce.
    ``workers`` / ``scheduler``: see :func:`weekly_requirement` (the same plan for any);
    ``progress`` / ``on_series``: its progress bar (the forecast and the two staffing runs).
    """
    config = config or Config()
    table = capacity_table if capacity_table is not None else getattr(config, "capacity", {})
    source = str(config.path) if config.path else "wfm.toml"
    wf, run, staff_given = workforce_from_table(table, source)
    if workforce is not None:
        wf, staff_given = workforce, bool(workforce.cohorts)
    for k, v in (options or {}).items():
        if k not in _RUN_KEYS:
            raise InputError(f"unknown capacity option {k!r} (known: {', '.join(_RUN_KEYS)})",
                             param=k)
        if v is not None:
            run[k] = _value(CAPACITY_KEYS[k][0], v, k)
    if horizon_weeks is not None:
        run["horizon_weeks"] = horizon_in_weeks(horizon_weeks)
    weeks = checks.whole(run.get("horizon_weeks", 52), "horizon_weeks", 1)
    if attrition_points:
        wf = more_attrition(wf, attrition_points)
    files = []
    if out_dir is not None:
        out_dir = Path(out_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError(f"{out_dir}: output folder is a file")
        inputs = [p for p in (history if isinstance(history, str | Path) else None,
                              config.path, events if isinstance(events, str | Path) else None)
                  if p is not None]
        for name in OUTPUT_FILES:
            check_output_path(out_dir / name, inputs)
    if forecast is None:
        known = {f for f in fc.ForecastOptions.__dataclass_fields__}
        fkw = {k: v for k, v in config.forecast.items() if k in known and k != "horizon"}
        if "aht_s" in config.staffing:
            fkw["aht_s"] = config.staffing["aht_s"]
        forecast = fc.ForecastOptions(**fkw)
    if rules is None:
        rules = shift_rules(config)
    req = weekly_requirement(history, weeks, config=config, forecast=forecast, events=events,
                             short_weeks=run.get("short_weeks", 1),
                             fte_hours=run.get("fte_hours", 37.5),
                             scheduling_efficiency=run.get("scheduling_efficiency"),
                             rules=rules, volume_cv=run.get("volume_cv"),
                             target_overrides=target_overrides, volume=volume,
                             aht_delta_s=aht_delta_s, workers=workers, scheduler=scheduler,
                             progress=progress, on_series=on_series)
    notes = list(req.notes)
    tot = req.total
    required = tot["required_fte"].to_numpy()
    if not staff_given:
        heads = int(math.ceil(required[0] - 1e-9))
        wf = replace(wf, cohorts=(Cohort(heads, 520, wf.hire_contracts[0]),))
        notes.append(f"no starting staff given ([[capacity.staff]]): {heads} tenured "
                     f"{wf.hire_contracts[0]} heads assumed, week 0's requirement")
    paths, seed = run.get("paths", 2000), run.get("seed", 0)
    sigma, elasticity = tot["sigma_log"].to_numpy(), tot["elasticity"].to_numpy()
    p = run.get("p_meet")
    if p is None:
        plan = plan_hiring(wf, required)
        sim = monte_carlo(wf, plan, sigma_log=sigma, elasticity=elasticity, paths=paths,
                          seed=seed)
    else:
        plan, _ = plan_for_probability(wf, required, p, sigma_log=sigma,
                                       elasticity=elasticity, paths=paths, seed=seed)
        # the probability reported comes from other paths than those the margin was set on
        sim = monte_carlo(wf, plan, sigma_log=sigma, elasticity=elasticity, paths=paths,
                          seed=seed + 1)
    notes += plan.notes
    t = plan.table
    out = pd.DataFrame({"week_start": tot["week_start"].dt.strftime("%Y-%m-%d")})
    for c in ("required_fte", "available_fte", "available_fte_existing",
              "available_fte_hired", "available_fte_ramping", "headcount",
              "headcount_training", "paid_fte", "gap_fte", "shortfall_fte", "hires",
              "attrition", "overtime_fte", "outsourced_fte", "margin_fte"):
        out[c] = t[c].to_numpy()
    if len(wf.hire_contracts) > 1:
        for j, name in enumerate(wf.hire_contracts):
            out[f"hires_{name}"] = plan.hires[j]
    out["p_meet"] = sim.p_meet
    out["calls"] = tot["calls"].to_numpy()
    out["aht_s"] = tot["aht_s"].to_numpy()
    summary = {
        "weeks": weeks, "required_fte_mean": float(required.mean()),
        "available_fte_mean": float(t["available_fte"].mean()),
        "hires": float(plan.hires.sum()), "classes": int((plan.hires > 0).sum()),
        "cost": plan.cost, **{f"cost_{k}": v for k, v in plan.costs.items()},
        "lp_bound": plan.lp_bound, "gap": plan.gap, "controllable_gap": plan.controllable_gap,
        "solver_status": plan.status, "p_meet_target": p,
        "p_meet_min": float(sim.p_meet.min()), "weeks_below_90": int((sim.p_meet < 0.9).sum()),
        "shortfall_fte_weeks": float(t["shortfall_fte"].sum()),
        "scheduling_efficiency": req.efficiency, "fte_hours": req.fte_hours,
        "paths": paths, "seed": sim.seed, "annual_attrition_tenured": wf.annual_attrition,
    }
    result = CapacityResult(table=out, requirement=req, plan=plan, simulation=sim,
                            workforce=wf, summary=summary, notes=notes, files=files)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        files.append(write_atomic(out_dir / "capacity.csv",
                                  lambda p_: out.to_csv(p_, index=False), inputs=inputs))
        files.append(write_atomic(out_dir / "capacity.xlsx",
                                  lambda p_: write_workbook(result, p_), inputs=inputs))
        files.append(write_atomic(out_dir / "capacity.png",
                                  lambda p_: write_chart(result, p_), inputs=inputs))
        files.append(capacity_report(result, out_dir / "capacity.html", inputs=inputs))
    return result


def write_workbook(result: CapacityResult, path) -> None:
    """capacity.xlsx: the weekly plan with a chart of required vs available FTE, the
    requirement per queue, and the summary with the notes."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "capacity"
    frame = result.table.copy()
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    first, last = write_frame(ws, frame)
    col = {c: i + 1 for i, c in enumerate(frame.columns)}
    line_chart(ws, title="Required vs available FTE", y_title="FTE",
               value_cols=[col["required_fte"], col["available_fte"]],
               time_col=col["week_start"], header_row=first - 1, last_row=last,
               anchor=f"A{last + 3}", x_title="week start")
    ws2 = wb.create_sheet("requirement")
    req = result.requirement.frame.copy()
    write_frame(ws2, req)
    ws3 = wb.create_sheet("summary")
    rows = [(k, v) for k, v in result.summary.items()] + [("note", n) for n in result.notes]
    write_frame(ws3, pd.DataFrame(rows, columns=["item", "value"]).astype({"value": object}))
    wb.save(path)


def write_chart(result: CapacityResult, path) -> None:
    """capacity.png: required FTE (and the safety margin over it), available and planned
    FTE by week; hires as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.table
    x = pd.to_datetime(t["week_start"])
    fig, ax = plt.subplots(figsize=(11, 5))
    ax.plot(x, t["required_fte"], label="required FTE", color="black")
    if (t["margin_fte"] > 0).any():
        ax.plot(x, t["required_fte"] + t["margin_fte"], label="required + safety margin",
                color="black", linestyle=":")
    ax.plot(x, t["available_fte"], label="available FTE (expected)", color="tab:blue")
    planned = t["available_fte"] + t["overtime_fte"] + t["outsourced_fte"]
    ax.plot(x, planned, label="with overtime and outsourcing", color="tab:blue",
            linestyle="--")
    ax.set_ylabel("FTE")
    ax.set_xlabel("week start")
    ax2 = ax.twinx()
    ax2.bar(x, t["hires"], width=5, alpha=0.35, color="tab:orange", label="hires (class size)")
    ax2.set_ylabel("hires")
    ax2.set_ylim(0, max(float(t["hires"].max()) * 3, 1.0))
    lines = ax.get_legend_handles_labels()
    bars = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + bars[0], lines[1] + bars[1], loc="upper left")
    ax.set_title(f"Capacity plan: {len(t)} weeks, {int(t['hires'].sum())} hires, "
                 f"lowest P(meet) {t['p_meet'].min():.0%}")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=100, format="png")
    plt.close(fig)
