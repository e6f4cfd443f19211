"""The plan's workbook (``plan.xlsx``) and self-contained report (``report.html``).

The HTML file embeds its pictures as base64 PNG and needs nothing else, so it opens offline
in any browser. It also carries the plan summary as JSON (``<script id="wfm-summary">``) so
tools and tests can read the same numbers the page shows.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from shifts.requirements import scheduling_units
from wfmcore import schema as S
from wfmcore.excel import line_chart, number_format, sheet_title, write_frame
from wfmcore.io import write_atomic
from wfmcore.reader import format_times
from wfmplan.staffing import horizon_weeks


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def json_ready(value):
    """``value`` with NaN and infinities as None, numpy scalars as Python numbers, nested
    dicts and lists included: what strict JSON readers accept."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


#: summary keys that are lists of records (one per planning unit, one per interval left
#: under-covered): the workbook gives each a sheet (``units``, ``under-covered``)
TABLE_KEYS = ("units", "under_covered")


def flat_summary(summary: dict) -> dict:
    """The summary with each dict value (figures by channel) spread into ``key[channel]``
    entries and lists joined by commas: one value per cell of a workbook."""
    def cell(x):
        if isinstance(x, list | tuple):       # e.g. handle times by concurrency, group names
            return ", ".join(f"{y:g}" if isinstance(y, float) else str(y) for y in x)
        return x

    out = {}
    for k, v in summary.items():
        if k in TABLE_KEYS:                   # lists of records: sheets of their own
            continue
        if isinstance(v, dict):
            out.update({f"{k}[{ch}]": cell(x) for ch, x in v.items()})
        else:
            out[k] = cell(v)
    return out


def _weighted_by_time(frame: pd.DataFrame, cols, weight: str = "offered") -> pd.DataFrame:
    """Per ``t``: the ``weight``-weighted mean of each of ``cols`` over the rows where it is
    a number (deferred rows have no service level and weigh nothing)."""
    parts = {}
    for c in cols:
        ok = frame[c].notna()
        w = frame[weight].where(ok, 0.0).clip(lower=0) + np.where(ok, 1e-12, 0.0)
        num = (frame[c].fillna(0.0) * w).groupby(frame["t"]).sum()
        den = w.groupby(frame["t"]).sum()
        parts[c] = num / den.where(den > 0)
    return pd.DataFrame(parts).reset_index()


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def chart_history_and_forecast(plan) -> str:
    """Daily calls: the last 8 weeks of history and the forecast days (with the band)."""
    plt = _plt()
    hist = plan.history.frame.copy()
    hist["day"] = pd.to_datetime(hist["interval_start"]).dt.normalize()
    daily = hist.groupby("day")["offered"].sum()
    daily = daily[daily.index >= daily.index.max() - pd.Timedelta(weeks=8)]
    fc = plan.forecast.frame.copy()
    fc["day"] = pd.to_datetime(fc["interval_start"]).dt.normalize()
    lo_col = next(c for c in fc.columns if c.startswith("offered_lo"))
    hi_col = next(c for c in fc.columns if c.startswith("offered_hi"))
    fday = fc.groupby("day")[["offered", lo_col, hi_col]].sum()
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(daily.index, daily.values, "o-", color="black", ms=3, lw=1, label="history")
    ax.plot(fday.index, fday["offered"], "o-", color="#1f77b4", ms=4, label="forecast")
    ax.fill_between(fday.index, fday[lo_col], fday[hi_col], color="#1f77b4", alpha=0.2,
                    label=f"sum of the interval {lo_col[-2:]} % bounds")
    ax.set_title("Calls offered per day: recent history and the forecast")
    ax.set_ylabel("calls per day")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return _png(fig)


def _day_panels(days, ylabel: str, title: str):
    """One panel per day side by side (shared y), titled by date, hours on x."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(days), figsize=(3.2 * len(days), 3), sharey=True,
                             squeeze=False)
    for ax, d in zip(axes[0], days, strict=True):
        ax.set_title(pd.Timestamp(d).strftime("%a %Y-%m-%d"), fontsize=9)
        ax.set_xlabel("hour")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    fig.suptitle(title, fontsize=10, y=1.03)
    return fig, axes[0]


def chart_intraday_forecast(plan) -> str:
    """Calls per interval for each forecast day, with the prediction band."""
    fc = plan.forecast.frame.copy()
    fc["t"] = pd.to_datetime(fc["interval_start"])
    if "queue" in fc.columns:
        fc = fc.groupby("t", as_index=False).sum(numeric_only=True)
    lo_col = next(c for c in fc.columns if c.startswith("offered_lo"))
    hi_col = next(c for c in fc.columns if c.startswith("offered_hi"))
    days = sorted(fc["t"].dt.normalize().unique())
    fig, axes = _day_panels(days, "calls per interval",
                            "Forecast calls per interval with the prediction band")
    for ax, d in zip(axes, days, strict=True):
        g = fc[fc["t"].dt.normalize() == d]
        hours = g["t"].dt.hour + g["t"].dt.minute / 60
        ax.fill_between(hours, g[lo_col], g[hi_col], step="post", alpha=0.25, color="#1f77b4")
        ax.step(hours, g["offered"], where="post", color="#1f77b4")
    return _png(fig)


def chart_service(plan) -> str:
    """Service level per interval: Erlang and simulated (95 % CI), against the target."""
    # a multi-skill plan: the call types' service (the search's and the schedule's
    # simulated), not the groups'
    cov = (plan.skills.check.type_intervals if plan.skills is not None else plan.coverage).copy()
    cov["t"] = pd.to_datetime(cov["interval_start"])
    if "queue" in cov.columns:
        cov = _weighted_by_time(cov, ("service_level", "sim_service_level",
                                      "sim_service_level_lo", "sim_service_level_hi"))
    days = sorted(cov["t"].dt.normalize().unique())
    fig, axes = _day_panels(days, "service level %",
                            "Service level the schedule delivers, per interval")
    target = plan.summary.get("sl_target")
    for ax, d in zip(axes, days, strict=True):
        g = cov[cov["t"].dt.normalize() == d]
        hours = g["t"].dt.hour + g["t"].dt.minute / 60
        ax.fill_between(hours, 100 * g["sim_service_level_lo"], 100 * g["sim_service_level_hi"],
                        step="post", alpha=0.2, color="#DD8452")
        ax.step(hours, 100 * g["sim_service_level"], where="post", color="#DD8452",
                label="simulated (95 % CI)")
        ax.step(hours, 100 * g["service_level"], where="post", color="#4C72B0",
                label="staffing search (simulated)" if plan.skills is not None else "Erlang")
        if target:
            ax.axhline(100 * target, color="grey", ls="--", lw=1, label="target")
        ax.set_ylim(0, 102)
    axes[0].legend(fontsize=7, loc="lower left")
    return _png(fig)


def daily_table(plan) -> pd.DataFrame:
    """Per day: calls, required agent-hours, scheduled agent-hours, Erlang and simulated SL,
    then (from the shifts, :func:`staffing_table`) the people on shift, the paid hours and
    the FTE of the day's shifts, and the occupancy (:func:`staffing_table`)."""
    req = plan.requirements.frame.copy()
    req["day"] = pd.to_datetime(req["interval_start"]).dt.strftime("%Y-%m-%d")
    interval_h = plan.interval_min / 60.0
    cov = plan.coverage.copy()
    cov["day"] = pd.to_datetime(cov["interval_start"]).dt.strftime("%Y-%m-%d")
    # a multi-skill plan: calls and service levels are the call types', agents the groups'
    sl = cov if plan.skills is None else plan.skills.check.type_intervals.copy()
    sl["day"] = pd.to_datetime(sl["interval_start"]).dt.strftime("%Y-%m-%d")
    calls = (req if plan.skills is None else sl).groupby("day")["offered"].sum()
    # service levels over the voice and chat rows (deferred rows have none)
    contact = sl["service_level"].notna() | sl["sim_service_level"].notna()
    sl["w"] = sl["offered"].where(contact, 0.0)
    sl["w_sl"] = sl["service_level"].fillna(0.0) * sl["w"]
    sl["w_sim"] = sl["sim_service_level"].fillna(0.0) * sl["w"]
    a = req.groupby("day").agg(required_agents_sum=("agents", "sum")).assign(calls=calls)
    b = cov.groupby("day").agg(scheduled_sum=("scheduled", "sum")).join(
        sl.groupby("day").agg(w_sl=("w_sl", "sum"), w_sim=("w_sim", "sum"), w=("w", "sum")))
    out = pd.DataFrame({
        "calls": a["calls"],
        "required_agent_hours": a["required_agents_sum"] * interval_h,
        "scheduled_agent_hours": b["scheduled_sum"] * interval_h,
        "service_level": b["w_sl"] / b["w"].clip(lower=1e-12),
        "sim_service_level": b["w_sim"] / b["w"].clip(lower=1e-12),
    })
    if "share_on_time" in cov.columns:
        deferred = cov["share_on_time"].notna() & (cov["offered"] > 0)
        cov["w_d"] = cov["offered"].where(deferred, 0.0)
        cov["w_on"] = cov["share_on_time"].fillna(0.0) * cov["w_d"]
        d = cov.groupby("day")[["w_on", "w_d"]].sum()
        out["deferred_share_on_time"] = d["w_on"] / d["w_d"].where(d["w_d"] > 0)
    staff = staffing_table(plan)
    if len(staff):
        g = staff.groupby("date")
        per_day = pd.DataFrame({"people_on_shift": g["people_on_shift"].sum(),
                                "paid_hours": g["paid_hours"].sum(), "fte": g["fte"].sum(),
                                "busy_agent_hours": g["busy_agent_hours"].sum(),
                                "on_phone_agent_hours": g["on_phone_agent_hours"].sum()})
        out = out.join(per_day)
        out["occupancy"] = out.pop("busy_agent_hours") / out.pop(
            "on_phone_agent_hours").where(lambda h: h > 0)
    out.index.name = "day"
    return out.reset_index()


#: how the report says whether a day or an interval met its target (simulated, 95 % CI)
STATUS_BELOW = "below target"               # the whole 95 % interval under the target
STATUS_MAYBE = "possibly below target"      # the estimate under it, the interval reaching it
STATUS_MET = "at or above target"
STATUS_NONE = "no service-level target"
STATUS_NOT_SIMULATED = "not simulated"


def sl_status(sim, hi, target) -> str:
    """A day's (or interval's) standing against its service-level ``target`` from the
    simulated estimate ``sim`` and the upper end ``hi`` of its 95 % interval: below when
    the whole interval is under the target (what ``sim_below`` of coverage.csv flags),
    possibly below when only the estimate is, else at or above."""
    if target is None or not target > 0:
        return STATUS_NONE
    if sim is None or not sim == sim:
        return STATUS_NOT_SIMULATED
    if hi == hi and hi < target:
        return STATUS_BELOW
    return STATUS_MAYBE if sim < target else STATUS_MET


def _unit_target(plan, unit) -> float | None:
    """The service-level target the unit (coverage.csv's ``queue``; "" without one) was
    staffed to (``plan.targets``, :func:`wfmplan.plan.unit_targets`), else the plan's."""
    entry = (plan.targets or {}).get("" if unit is None else str(unit))
    if entry is not None:
        target = entry[0]
        return None if target.model == "deferred" else target.sl_target
    return plan.summary.get("sl_target")


def day_service_table(plan) -> pd.DataFrame:
    """Per queue (call type of a multi-skill plan) and day: calls forecast, the target, the
    formula's (Erlang; a multi-skill plan's staffing search) calls-weighted service level,
    the simulated service level of the day with its 95 % interval (ratio of totals over
    the replications, :mod:`shifts.check`; a multi-skill plan's
    :func:`wfmplan.multiskill.check_skills_schedule`), the intervals simulated
    significantly below the target and the day's :func:`sl_status`. ``queue`` is "" for a
    plan without queues."""
    if plan.skills is not None:
        cov = plan.skills.check.type_intervals.copy()
        days = plan.skills.check.type_days.rename(columns={"calls": "_calls"})
    else:
        cov = plan.coverage.copy()
        days = plan.schedule.days.copy()
    if S.QUEUE not in cov.columns:
        cov[S.QUEUE] = ""
    cov["date"] = pd.to_datetime(cov[S.INTERVAL_START]).dt.strftime("%Y-%m-%d")
    cov["_w"] = cov[S.OFFERED].where(cov["service_level"].notna(), 0.0)
    cov["_wsl"] = cov["service_level"].fillna(0.0) * cov["_w"]
    below = cov["sim_below"] if "sim_below" in cov.columns else pd.Series(False, cov.index)
    cov["_below"] = below.fillna(False).astype(bool)
    g = cov.groupby([S.QUEUE, "date"], sort=False)
    base = pd.DataFrame({"calls": g[S.OFFERED].sum(), "_wsl": g["_wsl"].sum(),
                         "_w": g["_w"].sum(), "intervals_below": g["_below"].sum()})
    base["service_level"] = base["_wsl"] / base["_w"].where(base["_w"] > 0)
    base = base.drop(columns=["_wsl", "_w"]).reset_index()
    days = days.copy()
    if S.QUEUE not in days.columns:
        days[S.QUEUE] = ""
    days["date"] = days["date"].astype(str)
    days[S.QUEUE] = days[S.QUEUE].astype(str)
    base[S.QUEUE] = base[S.QUEUE].astype(str)
    sim_cols = ["sim_service_level", "sim_service_level_lo", "sim_service_level_hi"]
    keep = [S.QUEUE, "date"] + [c for c in sim_cols + ["sl_target"] if c in days.columns]
    out = base.merge(days[keep], on=[S.QUEUE, "date"], how="left")
    for c in sim_cols:
        if c not in out.columns:
            out[c] = math.nan
    if "sl_target" not in out.columns:
        out["sl_target"] = [_unit_target(plan, q) for q in out[S.QUEUE]]
    out["sl_target"] = pd.to_numeric(out["sl_target"], errors="coerce")
    out["status"] = [sl_status(r.sim_service_level, r.sim_service_level_hi,
                               None if not r.sl_target == r.sl_target else r.sl_target)
                     for r in out.itertuples(index=False)]
    out["intervals_below"] = out["intervals_below"].astype(int)
    return out[[S.QUEUE, "date", "calls", "sl_target", "service_level", *sim_cols,
                "intervals_below", "status"]]


def intervals_below_table(plan) -> pd.DataFrame:
    """The intervals whose simulated 95 % interval lies wholly under the target
    (``sim_below`` of coverage.csv; coverage_by_type.csv for a multi-skill plan): time,
    queue, calls, target, the formula's and the simulated service level with its interval,
    and (single-skill) the agents required, scheduled and on the phones."""
    cov = (plan.skills.check.type_intervals if plan.skills is not None
           else plan.coverage).copy()
    if S.QUEUE not in cov.columns:
        cov[S.QUEUE] = ""
    if "sim_below" not in cov.columns:
        cov["sim_below"] = False
    rows = cov[cov["sim_below"].fillna(False).astype(bool)].copy()
    if "sl_target" not in rows.columns:
        rows["sl_target"] = [_unit_target(plan, q) for q in rows[S.QUEUE]]
    rows[S.INTERVAL_START] = format_times(rows[S.INTERVAL_START]).to_numpy()
    cols = [S.INTERVAL_START, S.QUEUE, S.OFFERED, "sl_target", "service_level",
            "sim_service_level", "sim_service_level_lo", "sim_service_level_hi",
            "required", "scheduled", "on_phone_agents"]
    return rows[[c for c in cols if c in rows.columns]].reset_index(drop=True)


def staffing_table(plan) -> pd.DataFrame:
    """Headcount and shift mix per day and queue (a multi-skill plan: agent group) from the
    schedule's shifts (shifts.csv: one row per distinct shift with its ``agents``; the day
    of a shift is the day it starts): ``people_on_shift`` (agents starting a shift that
    day: one shift per agent a day), ``shifts_<type>`` (agents on each shift type),
    ``paid_hours`` (paid hours x agents), ``fte`` (paid hours / (FTE hours a week x the
    plan's calendar weeks), so the rows add up to the summary's FTE); then the agent-hours
    required on the phones (requirements.csv ``agents``), to schedule (coverage.csv
    ``required``: grossed up for shrinkage) and scheduled, the agent-hours on the phones
    (``on_phone_agents``) and the busy ones, and ``occupancy`` = busy / on-phone agent-hours: voice rows the load
    carried (``traffic_erl`` x (1 - ``p_abandon``)) over the agents on the phones, a
    multi-skill group its simulated occupancy; NaN for chat and deferred work. A
    ``contract`` column of the shifts (headcount by contract type) becomes a key too."""

    sh = plan.schedule.shifts.copy()
    cov = plan.coverage.copy()
    if S.QUEUE not in cov.columns:
        cov[S.QUEUE] = ""
    if S.QUEUE not in sh.columns:
        sh[S.QUEUE] = ""
    keys = [S.QUEUE, "date"] + (["contract"] if "contract" in sh.columns else [])
    sh["date"] = pd.to_datetime(sh["start"]).dt.strftime("%Y-%m-%d")
    sh[S.QUEUE] = sh[S.QUEUE].astype(str)
    sh["_paid"] = sh["paid_hours"] * sh["agents"]
    weeks = horizon_weeks(plan.requirements.frame[S.INTERVAL_START])
    fte_hours = plan.summary.get("fte_hours_per_week", 37.5)
    g = sh.groupby(keys, sort=True)
    out = pd.DataFrame({"people_on_shift": g["agents"].sum()})
    rule_types = [t.name for t in plan.schedule.rules.shift_types] if (
        plan.schedule.rules is not None) else []
    types = list(dict.fromkeys([*rule_types, *sh["shift_type"].astype(str)]))
    mix = sh.assign(shift_type=sh["shift_type"].astype(str)).pivot_table(
        index=keys, columns="shift_type", values="agents", aggfunc="sum", fill_value=0)
    for t in types:
        out[f"shifts_{t}"] = (mix[t].reindex(out.index, fill_value=0).astype(int)
                              if t in mix.columns else 0)
    out["paid_hours"] = g["_paid"].sum()
    out["fte"] = out["paid_hours"] / (fte_hours * weeks)
    out = out.reset_index()
    interval_h = plan.interval_min / 60.0
    cov["date"] = pd.to_datetime(cov[S.INTERVAL_START]).dt.strftime("%Y-%m-%d")
    cov[S.QUEUE] = cov[S.QUEUE].astype(str)
    on_phone = cov["on_phone_agents"].astype(float)
    if "sim_occupancy" in cov.columns:             # a multi-skill group: simulated
        busy = cov["sim_occupancy"].astype(float) * on_phone
    elif "traffic_erl" in cov.columns:
        voice = (cov["staffing_model"].isin(("erlang_c", "erlang_a"))
                 if "staffing_model" in cov.columns else pd.Series(True, cov.index))
        carried = cov["traffic_erl"].astype(float) * (
            1 - cov.get("p_abandon", pd.Series(0.0, cov.index)).astype(float).fillna(0.0))
        busy = carried.where(voice)
        on_phone = on_phone.where(voice)
    else:
        busy = pd.Series(math.nan, cov.index)
    cov["_busy"], cov["_on"] = busy * interval_h, on_phone * interval_h
    req = plan.requirements.frame.copy()
    units = scheduling_units(req)
    req[S.QUEUE] = units.astype(str).to_numpy() if units is not None else ""
    req["date"] = pd.to_datetime(req[S.INTERVAL_START]).dt.strftime("%Y-%m-%d")
    on_phone_req = req.groupby([S.QUEUE, "date"], sort=True)["agents"].sum() * interval_h
    cg = cov.groupby([S.QUEUE, "date"], sort=True)
    hours = pd.DataFrame({"required_agent_hours": on_phone_req,
                          "to_schedule_agent_hours": cg["required"].sum() * interval_h,
                          "scheduled_agent_hours": cg["scheduled"].sum() * interval_h,
                          "on_phone_agent_hours": cg["_on"].sum(min_count=1),
                          "busy_agent_hours": cg["_busy"].sum(min_count=1)}).reset_index()
    out = out.merge(hours, on=[S.QUEUE, "date"], how="outer").sort_values(
        keys, ignore_index=True)
    for c in ["people_on_shift", *[f"shifts_{t}" for t in types]]:
        out[c] = out[c].fillna(0).astype(int)
    out[["paid_hours", "fte"]] = out[["paid_hours", "fte"]].fillna(0.0)
    out["occupancy"] = out["busy_agent_hours"] / out["on_phone_agent_hours"].where(
        out["on_phone_agent_hours"] > 0)
    return out


def _fmt_table(frame: pd.DataFrame, formats: dict | None = None,
               row_classes: list[str] | None = None) -> str:
    """``frame`` as an HTML table, numbers by ``formats`` (column -> format), each row
    with its class of ``row_classes`` (e.g. the highlight of a day below target)."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, (_, r) in enumerate(frame.iterrows()):
        cells = []
        for c in frame.columns:
            v = r[c]
            f = formats.get(c)
            if f and isinstance(v, int | float | np.integer | np.floating) and not (
                    isinstance(v, float) and math.isnan(v)):
                text = f.format(v)
            else:
                text = "" if (isinstance(v, float) and math.isnan(v)) else str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        cls = row_classes[i] if row_classes else ""
        rows.append(f"<tr class='{cls}'>" if cls else "<tr>")
        rows[-1] += "".join(cells) + "</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;
max-width:1400px}
h1{font-size:22px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right} th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left} img{max-width:100%}
.kpi{display:inline-block;margin:6px 18px 6px 0} .kpi b{display:block;font-size:20px}
.note{color:#666;font-size:12px}
tr.below td{background:#f4c7c3} tr.maybe td{background:#fde9b6}
.verdict{padding:8px 12px;border-left:5px solid #5b8c5a;background:#eef5ee}
.verdict.short{border-color:#b3261e;background:#fbe9e7}
details{margin:18px 0} summary{cursor:pointer;font-weight:600}
table.text td{text-align:left}
"""

#: row class of each :func:`sl_status` on the page (the highlight)
STATUS_CLASS = {STATUS_BELOW: "below", STATUS_MAYBE: "maybe"}

#: what the page's staffing and day tables mean (also in the page's plan-data JSON)
DEFINITIONS = {
    "people_on_shift": "agents starting a shift that day (one shift per agent a day); a "
                       "shift belongs to the day it starts",
    "shifts_<type>": "agents working that shift type that day",
    "paid_hours": "paid hours of the day's shifts (paid hours of a shift x its agents)",
    "fte": "paid hours / (FTE hours a week x calendar weeks of the plan): the day's share of "
           "the plan's FTE, so the days add up to it",
    "occupancy": "share of the agents' time on the phones spent on calls: the load carried "
                 "(Erlang: traffic x (1 - share abandoned); multi-skill: simulated) over the "
                 "agent-hours on the phones (scheduled net of breaks and shrinkage); voice "
                 "only",
    "status": f"'{STATUS_BELOW}': the simulated 95 % interval lies wholly under the target; "
              f"'{STATUS_MAYBE}': the estimate is under it but the interval reaches it; "
              f"'{STATUS_MET}' otherwise",
    "intervals_below": "intervals whose simulated 95 % interval lies wholly under the target "
                       "(sim_below in coverage.csv)",
}


#: the page's headings of :func:`daily_table` (the workbook keeps the column names)
DAILY_HEADINGS = {
    "day": "day", "calls": "calls", "required_agent_hours": "agent-hours required on the "
    "phones", "scheduled_agent_hours": "agent-hours scheduled",
    "service_level": "service level (formula, calls-weighted)",
    "sim_service_level": "service level (simulated, calls-weighted)",
    "deferred_share_on_time": "deferred work on time", "people_on_shift": "people on shift",
    "paid_hours": "paid hours", "fte": "FTE", "occupancy": "occupancy"}


def _ci(lo, hi) -> str:
    return "" if not (lo == lo and hi == hi) else f"{lo:.1%} - {hi:.1%}"


def _day_label(date: str) -> str:
    return f"{pd.Timestamp(date):%a} {date}"


def _records(frame: pd.DataFrame) -> list[dict]:
    return json_ready(frame.to_dict("records"))


def _json_script(element_id: str, data) -> str:
    """``data`` as strict JSON in a ``<script type='application/json'>`` (``</`` escaped so
    no text ends the element early)."""
    text = json.dumps(json_ready(data)).replace("</", "<\\/")
    return f"<script type='application/json' id='{element_id}'>{text}</script>"


def _has_queues(frame: pd.DataFrame) -> bool:
    return S.QUEUE in frame.columns and (frame[S.QUEUE].astype(str) != "").any()


def days_html(plan, days: pd.DataFrame) -> str:
    """The days against their target: one row per queue (call type) and day, highlighted
    by :data:`STATUS_CLASS`."""
    if days.empty:
        return "<p>No days planned.</p>"
    search = "staffing search" if plan.skills is not None else "Erlang"
    shown = pd.DataFrame({"day": [_day_label(d) for d in days["date"]]})
    if _has_queues(days):
        shown["queue" if plan.skills is None else "call type"] = days[S.QUEUE].to_numpy()
    shown["calls"] = days["calls"].to_numpy()
    shown["target"] = days["sl_target"].to_numpy()
    shown[f"service level ({search})"] = days["service_level"].to_numpy()
    shown["service level (simulated)"] = days["sim_service_level"].to_numpy()
    shown["95 % CI (simulated)"] = [_ci(lo, hi) for lo, hi in zip(
        days["sim_service_level_lo"], days["sim_service_level_hi"], strict=True)]
    shown["intervals below target"] = days["intervals_below"].to_numpy()
    shown["status"] = days["status"].to_numpy()
    pct = "{:.1%}"
    return _fmt_table(shown, {"calls": "{:,.0f}", "target": "{:.0%}",
                              f"service level ({search})": pct,
                              "service level (simulated)": pct},
                      [STATUS_CLASS.get(x, "") for x in days["status"]])


def intervals_below_html(below: pd.DataFrame) -> str:
    if below.empty:
        return ("<p>No interval is significantly below its target: in every interval the "
                "simulated 95 % interval reaches the target.</p>")
    shown = pd.DataFrame({"interval": below[S.INTERVAL_START].to_numpy()})
    if _has_queues(below):
        shown["queue"] = below[S.QUEUE].to_numpy()
    shown["calls"] = below[S.OFFERED].to_numpy()
    shown["target"] = below["sl_target"].to_numpy()
    shown["service level (simulated)"] = below["sim_service_level"].to_numpy()
    shown["95 % CI (simulated)"] = [_ci(lo, hi) for lo, hi in zip(
        below["sim_service_level_lo"], below["sim_service_level_hi"], strict=True)]
    shown["service level (formula)"] = below["service_level"].to_numpy()
    for c, head in (("required", "agents required"), ("scheduled", "agents scheduled"),
                    ("on_phone_agents", "agents on the phones")):
        if c in below.columns:
            shown[head] = below[c].to_numpy()
    pct = "{:.1%}"
    return _fmt_table(shown, {"calls": "{:,.1f}", "target": "{:.0%}",
                              "service level (simulated)": pct,
                              "service level (formula)": pct},
                      ["below"] * len(shown))


def staffing_html(plan, staff: pd.DataFrame) -> str:
    if staff.empty:
        return "<p>No shifts in the schedule.</p>"
    shown = pd.DataFrame({"day": [_day_label(d) for d in staff["date"]]})
    if _has_queues(staff):
        shown["queue" if plan.skills is None else "agent group"] = staff[S.QUEUE].to_numpy()
    if "contract" in staff.columns:
        shown["contract"] = staff["contract"].to_numpy()
    shown["people on shift"] = staff["people_on_shift"].to_numpy()
    for c in staff.columns:
        if c.startswith("shifts_"):
            shown[f"{c[len('shifts_'):]} shifts"] = staff[c].to_numpy()
    shown["paid hours"] = staff["paid_hours"].to_numpy()
    shown["FTE"] = staff["fte"].to_numpy()
    shown["agent-hours required on the phones"] = staff["required_agent_hours"].to_numpy()
    shown["agent-hours to schedule"] = staff["to_schedule_agent_hours"].to_numpy()
    shown["agent-hours scheduled"] = staff["scheduled_agent_hours"].to_numpy()
    shown["occupancy"] = staff["occupancy"].to_numpy()
    return _fmt_table(shown, {"paid hours": "{:,.1f}", "FTE": "{:,.1f}",
                              "agent-hours required on the phones": "{:,.1f}",
                              "agent-hours to schedule": "{:,.1f}",
                              "agent-hours scheduled": "{:,.1f}", "occupancy": "{:.1%}"})


def verdict(plan, days: pd.DataFrame, below: pd.DataFrame) -> tuple[str, bool]:
    """The plan's service in plain words, and whether it falls short somewhere: the
    simulated service level with its 95 % interval against the target, then the days
    below (or possibly below) their target and the count of intervals below."""
    s = plan.summary
    target, thr = s.get("sl_target"), s.get("sl_threshold_s")
    sim, lo, hi = (s.get(k, math.nan) for k in ("sim_service_level", "sim_service_level_lo",
                                               "sim_service_level_hi"))
    parts = []
    if sim == sim:
        ci = f" (95 % CI {lo:.1%} to {hi:.1%})" if lo == lo else ""
        parts.append(f"Simulated, the schedule answers {sim:.1%} of calls within {thr:g} s"
                     f"{ci}" + (f", against a target of {target:.0%}" if target else "")
                     + ".")
    else:
        parts.append("The schedule was not simulated (--replications 0): the service levels "
                     "are the formula's only.")
    bad = days[days["status"] == STATUS_BELOW]
    maybe = days[days["status"] == STATUS_MAYBE]
    n_days = f"{len(days)} {'queue-days' if _has_queues(days) else 'days'}"

    def name(r):
        q = f" {r[S.QUEUE]}" if str(r[S.QUEUE]) else ""
        return (f"{_day_label(r['date'])}{q} {r['sim_service_level']:.1%} "
                f"(CI {_ci(r['sim_service_level_lo'], r['sim_service_level_hi'])}, "
                f"target {r['sl_target']:.0%})")

    if len(bad):
        parts.append(f"{len(bad)} of {n_days} {'is' if len(bad) == 1 else 'are'} below "
                     "target: "
                     + "; ".join(name(r) for _, r in bad.iterrows()) + ".")
    if len(maybe):
        parts.append(f"{len(maybe)} of {n_days} {'is' if len(maybe) == 1 else 'are'} "
                     "possibly below target (the estimate under it, its interval reaching "
                     "it): "
                     + "; ".join(name(r) for _, r in maybe.iterrows()) + ".")
    if sim == sim and not len(bad) and not len(maybe):
        parts.append("Every day is simulated at or above its target.")
    if len(below):
        parts.append(f"{len(below)} interval{'s are' if len(below) != 1 else ' is'} "
                     "significantly below target (listed below).")
    under = s.get("under_covered_intervals", 0)
    if under:
        parts.append(f"{under} intervals have fewer agents scheduled than required.")
    short = bool(len(bad) or len(maybe) or len(below) or under)
    return " ".join(parts), short


def cost_sentence(summary: dict) -> str:
    """The schedule's cost in plain words (the solver's figures are in the details)."""
    s = summary
    gap = s.get("gap", math.nan)
    proven = "proven" in str(s.get("solver_status", "")) or s.get("solver_status") == "optimal"
    if gap == gap and gap <= 1e-9 and proven:
        how = "the cheapest schedule these shift rules allow"
    elif gap == gap:
        how = (f"at most {gap:.2%} more than the cheapest schedule these shift rules allow"
               + ("" if proven else " (the solver stopped before proving it)"))
    else:
        how = "the solver could not bound the cost"
    under = s.get("under_covered_intervals", 0)
    cover = ("every interval has at least the agents required" if not under else
             f"{under} intervals have fewer agents than required (see the notes)")
    return (f"The shifts add up to {s['paid_hours']:,.1f} paid hours, {how}; {cover}.")


SOLVER_KEYS = ("paid_hours", "lp_bound", "gap", "solver_status", "solve_time_s",
               "under_covered_intervals", "tours_added_to_cover", "paid_hours_added_to_cover",
               "greedy_cover_units", "search_improved_units", "paid_hours_saved_by_search",
               "sim_replications", "sim_staffing_rule",
               "sim_intervals_met", "sim_intervals_below", "sim_overtime_h",
               "sim_break_lost_h", "service_level", "asa_s", "abandon_rate")


def details_html(plan) -> str:
    """The solver's and the simulator's figures with what each means, folded away."""
    s = plan.summary
    rows = []
    for k in SOLVER_KEYS:
        if k not in s:
            continue
        v = s[k]
        if isinstance(v, float):
            if not math.isfinite(v):
                continue
            text = (f"{v:.2%}" if k in ("gap", "abandon_rate", "service_level",
                                        "sim_intervals_met") else f"{v:,.2f}")
        elif isinstance(v, list):
            text = "; ".join(map(str, v)) or "none"
        else:
            text = str(v)
        rows.append({"figure": k, "value": text, "meaning": MEANINGS.get(k, "")})
    return ("<details id='solver-details'><summary>Solver and simulation figures</summary>"
            + _fmt_table(pd.DataFrame(rows, columns=["figure", "value", "meaning"]))
            + "</details>")


def render_html(plan) -> str:
    """report.html for a planner (issue 12): what the plan assumes, the service in plain
    words with the days and intervals below target highlighted (simulated, 95 % CI), the
    headcount and shift mix per day and queue, the charts (with alt text), the channel,
    skills and history sections, the forecast's backtest, the solver's figures folded in a
    details section, the notes; the summary as JSON (``wfm-summary``) and the tables'
    figures as JSON (``plan-data``: days, intervals_below, staffing, daily, assumptions,
    definitions)."""
    s = plan.summary
    days = day_service_table(plan)
    below = intervals_below_table(plan)
    staff = staffing_table(plan)
    daily_frame = daily_table(plan)
    assumed = assumptions(plan)
    text, short = verdict(plan, days, below)
    sim_ci = ""
    if s.get("sim_service_level_lo", math.nan) == s.get("sim_service_level_lo"):
        sim_ci = f" ({_ci(s['sim_service_level_lo'], s['sim_service_level_hi'])})"
    kpis = [("calls forecast", f"{s['calls']:,.0f}"),
            ("agent-hours needed on the phones", f"{s['agent_hours']:,.0f}"),
            ("paid hours in the shifts", f"{s['paid_hours']:,.0f}"),
            (f"FTE at {s['fte_hours_per_week']:g} h a week", f"{s['fte']:,.1f}"),
            ("people on shift a day (most)",
             f"{staff.groupby('date')['people_on_shift'].sum().max():,.0f}" if len(staff)
             else "0"),
            ("service level simulated" + (" (95 % CI)" if sim_ci else ""),
             f"{s['sim_service_level']:.1%}{sim_ci}" if s["sim_service_level"] ==
             s["sim_service_level"] else "not simulated"),
            ("service level (Erlang)" if plan.skills is None else
             "service level (staffing search)", f"{s['service_level']:.1%}"),
            ("queue-days below target" if _has_queues(days) else "days below target",
             f"{int((days['status'] == STATUS_BELOW).sum())} of {len(days)}"),
            ("intervals below target", f"{len(below)}"),
            ("average wait to answer", f"{s['asa_s']:.1f} s"),
            ("calls abandoned", f"{s['abandon_rate']:.2%}")]
    if s.get("deferred_share_on_time") == s.get("deferred_share_on_time"):   # not NaN
        kpis.append(("deferred work on time", f"{s['deferred_share_on_time']:.1%}"))
    cover_png = ""
    cov_file = Path(plan.files[0]).parent / "coverage.png" if plan.files else None
    if cov_file is not None and cov_file.exists():
        cover_png = base64.b64encode(cov_file.read_bytes()).decode("ascii")
    evidence = plan.forecast.evidence
    ev_html = _fmt_table(evidence, {"mase": "{:.3f}", "wape": "{:.3f}", "bias": "{:+.3f}",
                                    "coverage": "{:.2f}"}) if len(evidence) else (
        "<p>No backtest evidence (history too short).</p>")
    model = ", ".join(sorted(set(plan.forecast.frame["model"].astype(str))))
    several = _has_queues(staff) and staff[S.QUEUE].nunique() > 1
    daily = _fmt_table(daily_frame.rename(columns=DAILY_HEADINGS), {
        DAILY_HEADINGS[k]: f for k, f in (
            ("calls", "{:,.0f}"), ("required_agent_hours", "{:,.1f}"),
            ("scheduled_agent_hours", "{:,.1f}"), ("service_level", "{:.1%}"),
            ("sim_service_level", "{:.1%}"), ("deferred_share_on_time", "{:.1%}"),
            ("paid_hours", "{:,.1f}"), ("fte", "{:,.1f}"), ("occupancy", "{:.1%}"))})
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in plan.notes)
    period = _period(plan)
    day_names = sorted(days["date"].unique()) if len(days) else []
    span = f"{day_names[0]} to {day_names[-1]}" if day_names else "no days"
    target = s.get("sl_target")
    alt = {
        "daily": f"Line chart of calls offered per day: the last 8 weeks of history in black "
                 f"and the forecast days ({span}) in blue with their band; "
                 f"{s['calls']:,.0f} calls forecast in all",
        "intraday": f"Step charts, one per forecast day ({span}): calls forecast per "
                    f"{plan.interval_min}-minute interval with the prediction band",
        "coverage": f"Step charts, one per day ({span}): agents required and agents "
                    "scheduled per interval",
        "service": f"Step charts, one per day ({span}): service level per interval, "
                   "simulated with its 95 % interval and by the formula"
                   + (f", against the {target:.0%} target" if target else "")
                   + f"; {len(below)} intervals significantly below target",
    }
    assumptions_rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                               for k, v in assumed)
    data = {"days": _records(days), "intervals_below": _records(below),
            "staffing": _records(staff), "daily": _records(daily_frame),
            "assumptions": [{"what": k, "value": v} for k, v in assumed],
            "definitions": DEFINITIONS}

    def img(key, b64):
        return f"<img alt='{html.escape(alt[key], quote=True)}' src='data:image/png;base64,{b64}'>"

    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>wfm plan</title>", f"<style>{CSS}</style></head><body>",
        "<h1>Staffing plan</h1>",
        f"<p class='note'>{html.escape(period)}; forecast model: {html.escape(model)}.</p>",
        f"<p id='verdict' class='verdict{' short' if short else ''}'>{html.escape(text)}</p>",
        "<div>" + "".join(f"<span class='kpi'>{html.escape(k)}<b>{html.escape(v)}</b></span>"
                          for k, v in kpis) + "</div>",
        "<h2 id='assumptions'>What this plan assumes</h2>",
        f"<table class='text'><tbody>{assumptions_rows}</tbody></table>",
        "<h2>Days against the target</h2>",
        "<p class='note'>Each day simulated with the agents the schedule puts on the phones "
        "(the service level of the day: calls answered in time over calls offered, with its "
        "95 % confidence interval). Red: the whole interval is under the target; amber: the "
        "estimate is under it but the interval reaches it.</p>",
        "<div id='days'>" + days_html(plan, days) + "</div>",
        "<h2>Intervals below target</h2>",
        "<p class='note'>Intervals whose simulated 95 % interval lies wholly under the target "
        "(sim_below in coverage.csv).</p>",
        "<div id='intervals-below'>" + intervals_below_html(below) + "</div>",
        "<h2>Headcount and shift mix</h2>",
        f"<p class='note'>Per day{' and queue' if plan.skills is None else ' and agent group'}"
        f" from shifts.csv: people on shift = agents starting a shift that day; shifts by "
        f"type; paid hours; FTE = paid hours / ({s['fte_hours_per_week']:g} h a week x "
        f"{_weeks(plan):g} week(s) planned), so the rows add up to the plan's "
        f"{s['fte']:,.1f} FTE; occupancy = time on calls over time on the phones (voice)."
        "</p>",
        "<div id='staffing'>" + staffing_html(plan, staff) + "</div>",
        *(["<h2>Per day, all queues</h2>", "<div id='daily'>" + daily + "</div>"]
          if several else []),
        "<h2>History and forecast</h2>",
        img("daily", chart_history_and_forecast(plan)),
        img("intraday", chart_intraday_forecast(plan)),
        "<h2>Required vs scheduled agents</h2>",
        (img("coverage", cover_png) if cover_png else ""),
        f"<p>{html.escape(cost_sentence(s))}</p>",
        "<h2>Service level per interval</h2>",
        img("service", chart_service(plan)),
        _channels_html(s),
        _skills_html(plan),
        _scorecard_html(plan),
        "<h2>Model choice and its backtest evidence</h2>",
        "<p class='note'>MASE: mean absolute error scaled by the in-sample weekly "
        "seasonal-naive error (below 1 beats it); computed on the weeks before the forecast."
        "</p>", ev_html,
        details_html(plan),
        (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""),
        _json_script("wfm-summary", s),
        _json_script("plan-data", data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _weeks(plan) -> float:

    return horizon_weeks(plan.requirements.frame[S.INTERVAL_START])


def channel_table(summary: dict) -> pd.DataFrame:
    """One row per channel: its model, contacts (or items), the formula's and the
    simulator's service level (voice and chat), the simulated share done by the deadline
    and the deadline (deferred work)."""
    models = summary.get("staffing_model_by_channel", {})
    rows = []
    for ch, model in models.items():
        rows.append({"channel": ch, "model": model,
                     "contacts": summary.get("calls_by_channel", {}).get(ch, math.nan),
                     "service_level": summary.get("service_level_by_channel", {}).get(
                         ch, math.nan),
                     "sim_service_level": summary.get("sim_service_level_by_channel", {}).get(
                         ch, math.nan),
                     "share_on_time": summary.get("share_on_time_by_channel", {}).get(
                         ch, math.nan),
                     "deadline": summary.get("deadline_by_channel", {}).get(ch, "")})
    return pd.DataFrame(rows, columns=["channel", "model", "contacts", "service_level",
                                       "sim_service_level", "share_on_time", "deadline"])


def _channels_html(summary: dict) -> str:
    table = channel_table(summary)
    if len(table) < 2 and not summary.get("share_on_time_by_channel"):
        return ""
    return ("<h2>Service by channel</h2><p class='note'>Each channel checked by the model that "
            "staffed it: voice by Erlang C / A / X and the call simulator, chat by Erlang Chat "
            "and the channel simulator (agents holding several chats), deferred work (email, "
            "back office) by the share of items done by the deadline, simulated at the "
            "scheduled agents. The headline service level pools the voice and chat contacts."
            "</p>"
            + _fmt_table(table, {"contacts": "{:,.0f}", "service_level": "{:.1%}",
                                 "sim_service_level": "{:.1%}", "share_on_time": "{:.1%}"}))


def skills_type_table(plan) -> pd.DataFrame:
    """A multi-skill plan's call types: calls, target, the staffing search's service level
    at the required agents and the schedule's simulated one with its 95 % interval, the
    intervals at or above target (share) and significantly below (count)."""
    t = plan.skills.check.types
    return pd.DataFrame({"type": t["queue"], "calls": t["calls"], "sl_target": t["sl_target"],
                         "service_level_search": t["service_level"],
                         "sim_service_level": t["sim_service_level"],
                         "sim_service_level_lo": t["sim_service_level_lo"],
                         "sim_service_level_hi": t["sim_service_level_hi"],
                         "intervals_met": t["intervals_met"],
                         "intervals_below": t["intervals_below"]})


def skills_day_table(plan) -> pd.DataFrame:
    """A multi-skill plan's call types day by day: calls, target, the AHT simulated (the
    day's mean), the schedule's simulated service level with its 95 % interval, intervals
    at or above target and significantly below."""
    d = plan.skills.check.type_days
    return d[["date", "queue", "calls", "sl_target", "aht_s", "sim_service_level",
              "sim_service_level_lo", "sim_service_level_hi", "intervals_met",
              "intervals_below"]].rename(columns={"queue": "type"})


def skills_group_table(plan) -> pd.DataFrame:
    """A multi-skill plan's agent groups: skills (in priority order), required, scheduled
    and on-phone agent-hours, paid hours of its shifts, simulated occupancy."""
    return plan.skills.check.groups[["group", "skills", "required_agent_hours",
                                     "scheduled_agent_hours", "on_phone_agent_hours",
                                     "paid_hours", "sim_occupancy"]]


def skills_savings_table(plan) -> pd.DataFrame:
    """Per day and in total: required agent-hours with the groups' skills, with dedicated
    agents per type (single-skill) and with every agent holding every skill (pooled), and
    the shares saved against single-skill."""
    d = plan.skills.check.savings.copy()
    total = pd.DataFrame([{"date": "total", **d.drop(columns="date").sum().to_dict()}])
    d = pd.concat([d, total], ignore_index=True)
    single = d["single_skill_agent_hours"].where(d["single_skill_agent_hours"] > 0)
    d["skills_saving_share"] = 1 - d["multiskill_agent_hours"] / single
    d["pooled_saving_share"] = 1 - d["pooled_agent_hours"] / single
    return d


def skills_sentence(plan) -> str:
    """Where skills pay, in plain words, from the summary's agent-hours."""
    s = plan.summary
    multi, single, pooled = (s["multiskill_agent_hours"], s["single_skill_agent_hours"],
                             s["pooled_agent_hours"])
    days = plan.skills.check.savings["date"].nunique()
    weeks = days / 7.0
    span = (f"a week ({days} days planned, scaled to 7)" if days >= 7 else
            f"over the plan's {days} day{'s' if days != 1 else ''}")
    per = (1 / weeks) if days >= 7 else 1.0
    if single <= 0:
        return "No calls to staff: the skills have nothing to save."
    saved = single - multi
    more = (multi - pooled) / single
    if saved > 0:
        first = (f"Cross-training saves {saved * per:,.1f} agent-hours {span}, "
                 f"{saved / single:.1%}, against dedicated agents "
                 f"({multi * per:,.1f} h with the groups' skills against "
                 f"{single * per:,.1f} h with one skill each)")
    else:
        first = (f"The groups' skills save nothing against dedicated agents {span} "
                 f"({multi * per:,.1f} h with the skills, {single * per:,.1f} h with one "
                 "skill each)")
    if more > 0:
        second = (f"full pooling (every agent with every skill) would save {more:.1%} more "
                  f"({pooled * per:,.1f} h)")
    else:
        second = "full pooling would save no more: the skills already reach the pooled ideal"
    return f"{first}; {second}."


def _skills_html(plan) -> str:
    if plan.skills is None:
        return ""
    pct = "{:.1%}"
    return (
        "<h2 id='skills'>Skills</h2>"
        f"<p id='skills-pay'>{html.escape(skills_sentence(plan))}</p>"
        "<p class='note'>Each interval staffed by the multi-skill simulation search "
        "(Wallace &amp; Whitt fast start, then the search of Cezik &amp; L'Ecuyer with the "
        "simulator as oracle); the schedule's agents on the phones simulated day by day with "
        "skills-based routing (each type's handle time its mean over the day). Dedicated = "
        "each call type its own agents, staffed alone; pooled = every agent with every "
        "skill.</p>"
        "<h3>Call types</h3>"
        "<div id='skills-types'>" + _fmt_table(skills_type_table(plan), {
            "calls": "{:,.0f}", "sl_target": pct, "service_level_search": pct,
            "sim_service_level": pct, "sim_service_level_lo": pct,
            "sim_service_level_hi": pct, "intervals_met": pct}) + "</div>"
        "<h3>Agent groups</h3>"
        "<div id='skills-groups'>" + _fmt_table(skills_group_table(plan), {
            "required_agent_hours": "{:,.1f}", "scheduled_agent_hours": "{:,.1f}",
            "on_phone_agent_hours": "{:,.1f}", "paid_hours": "{:,.1f}",
            "sim_occupancy": pct}) + "</div>"
        "<h3>Call types by day</h3>"
        "<div id='skills-days'>" + _fmt_table(skills_day_table(plan), {
            "calls": "{:,.0f}", "sl_target": pct, "aht_s": "{:.0f}",
            "sim_service_level": pct, "sim_service_level_lo": pct,
            "sim_service_level_hi": pct}) + "</div>"
        "<h3>Where skills pay</h3>"
        "<div id='skills-savings'>" + _fmt_table(skills_savings_table(plan), {
            "multiskill_agent_hours": "{:,.1f}", "single_skill_agent_hours": "{:,.1f}",
            "pooled_agent_hours": "{:,.1f}", "skills_saving_share": pct,
            "pooled_saving_share": pct}) + "</div>")


def _scorecard_html(plan) -> str:
    card = plan.scorecard
    if card is None or card.empty:
        return ""
    cols = [c for c in ("period_start", "queue", "offered", "service_level", "asa_s",
                        "abandon_rate", "aht_s", "occupancy", "misses") if c in card.columns]
    return ("<h2>KPIs of the last weeks of history</h2><p class='note'>Against the targets "
            "(industry defaults 80/20, ASA 20 s, abandonment 5 %, occupancy 90 % unless "
            "wfm.toml says otherwise); misses are named.</p>"
            + _fmt_table(card[cols], {"offered": "{:,.0f}", "service_level": "{:.1%}",
                                      "asa_s": "{:.1f}", "abandon_rate": "{:.2%}",
                                      "aht_s": "{:.0f}", "occupancy": "{:.1%}"}))


def _period(plan) -> str:
    t = pd.to_datetime(plan.forecast.frame["interval_start"])
    return (f"{t.min():%a %Y-%m-%d} to {t.max():%a %Y-%m-%d}, "
            f"{plan.interval_min}-minute intervals")


def write_html(plan, path, inputs=()) -> Path:
    text = render_html(plan)
    return write_atomic(path, lambda p: Path(p).write_text(text, encoding="utf-8"),
                        inputs=inputs)


MEANINGS = {
    "calls": "calls forecast over the plan's horizon",
    "agent_hours": "agent-hours needed on the phones (Erlang requirement)",
    "scheduled_agent_hours": "agent-hours to schedule (requirement grossed up for shrinkage)",
    "paid_hours": "paid hours of the shifts in the schedule",
    "fte": "full-time equivalents: paid hours / (FTE hours a week x weeks of the plan)",
    "fte_hours_per_week": "hours a week of one FTE",
    "lp_bound": "lower bound on paid hours (no schedule can be cheaper)",
    "gap": "how far the schedule's paid hours may be above the cheapest possible",
    "under_covered_intervals": "intervals with fewer agents scheduled than required",
    "solve_time_s": "seconds the shift solver ran",
    "solver_status": "optimal: proven cheapest; within gap: proven within that share of the "
                     "cheapest; otherwise why the solver stopped (a time limit: not proven)",
    "tours_added_to_cover": "weekly tours added after the solver to cover intervals it left "
                            "short when it stopped",
    "paid_hours_added_to_cover": "paid hours of those tours",
    "greedy_cover_units": "weeks whose schedule is the greedy cover (cheaper than the "
                          "solver's, or the solver found none)",
    "search_improved_units": "weeks not proven within the gap that the search after the "
                             "solver (ruin and recreate) made cheaper",
    "paid_hours_saved_by_search": "paid hours that search saved",
    "sl_target": "service-level target: share of calls answered within the threshold",
    "sl_threshold_s": "service-level threshold, seconds",
    "service_level": "service level the schedule gives by Erlang (calls-weighted)",
    "asa_s": "average speed of answer, seconds",
    "abandon_rate": "share of calls abandoned",
    "sim_service_level": "service level the schedule gives in the simulator",
    "sim_service_level_lo": "lower end of its 95 % confidence interval",
    "sim_service_level_hi": "upper end of its 95 % confidence interval",
    "sim_intervals_met": "share of intervals simulated at or above the target",
    "sim_intervals_below": "intervals simulated significantly below the target",
    "sim_overtime_h": "simulated overtime, hours (agents finishing calls after their shift)",
    "sim_break_lost_h": "simulated break time lost to calls, hours",
    "sim_staffing_rule": "how agents leave at a staffing change in the simulation",
    "sim_replications": "simulated days per day of the plan",
    "deferred_share_on_time": "deferred work (email, back office): share of the items done by "
                              "their deadline, simulated at the scheduled agents",
    "deferred_share_on_time_lo": "lower end of its 95 % confidence interval",
    "deferred_share_on_time_hi": "upper end of its 95 % confidence interval",
    "deferred_items": "deferred work items forecast",
    "calls_by_channel": "contacts (deferred: items) forecast in the channel",
    "staffing_model_by_channel": "the model that staffed and checked the channel",
    "service_level_by_channel": "the channel's service level by its model's formula",
    "sim_service_level_by_channel": "the channel's service level in the simulator",
    "share_on_time_by_channel": "the channel's deferred items done by the deadline (simulated)",
    "deadline_by_channel": "the channel's deadline target",
    "blended_agent_h": "deferred work done in the voice agents' idle time (call blending), "
                       "agent-hours",
    "blend_free_agent_h": "idle time the blending voice agents offer deferred work, "
                          "agent-hours",
    "blend_voice_service_level": "service level of the blending voice queue with blending "
                                 "on (Bhulai & Koole chain, calls-weighted)",
    "blend_voice_service_level_without": "the same without blending",
    "multiskill_agent_hours": "agent-hours required with the groups' skills (multi-skill plan)",
    "single_skill_agent_hours": "agent-hours required with dedicated agents, each call type "
                                "staffed alone",
    "pooled_agent_hours": "agent-hours required if every agent had every skill",
    "skills_saving_share": "share of the dedicated agents' hours the skills save",
    "pooled_saving_share": "share of the dedicated agents' hours full pooling would save",
    "sim_service_level_by_type": "the call type's service level in the multi-skill simulator",
    "sim_service_level_lo_by_type": "lower end of its 95 % confidence interval",
    "sim_service_level_hi_by_type": "upper end of its 95 % confidence interval",
    "groups": "the agent groups of the multi-skill plan",
}


def assumptions(plan) -> list[tuple[str, str]]:
    """(what, value) pairs a planner needs to read the plan: the period, the history and
    forecast model with its backtest, the AHT, the targets and the staffing method."""
    s = plan.summary
    fc_frame = plan.forecast.frame
    rows = [("period", _period(plan))]
    hist = plan.history
    t = pd.to_datetime(hist.frame["interval_start"])
    rows.append(("history", f"{hist.source}: {t.min():%Y-%m-%d} to {t.max():%Y-%m-%d}, "
                            f"{hist.interval_min}-minute intervals"))
    choices = plan.forecast.choices
    if len(choices) and "summary" in choices.columns:
        for r in choices.itertuples(index=False):
            key = ", ".join(str(getattr(r, k)) for k in ("queue", "channel") if hasattr(r, k))
            rows.append(("forecast model" + (f" ({key})" if key else ""), str(r.summary)))
    else:
        rows.append(("forecast model", ", ".join(sorted(set(fc_frame["model"].astype(str))))))
    if "aht_s" in fc_frame.columns:
        w = fc_frame["offered"].clip(lower=0)
        aht = float((fc_frame["aht_s"] * w).sum() / max(w.sum(), 1e-9))
        const = fc_frame["aht_s"].nunique() == 1
        rows.append(("AHT", f"{aht:.0f} s " + ("(a constant given for the plan)" if const
                                                 else "(forecast from the history)")))
        if S.QUEUE in fc_frame.columns and fc_frame[S.QUEUE].nunique() > 1:
            by_q = (fc_frame["aht_s"] * w).groupby(fc_frame[S.QUEUE]).sum() / w.groupby(
                fc_frame[S.QUEUE]).sum().clip(lower=1e-9)
            rows.append(("AHT by queue", ", ".join(f"{q} {v:.0f} s" for q, v in by_q.items())
                         + " (calls-weighted over the plan)"))
    shipped = plan.forecast.evidence
    if len(shipped) and "shipped" in shipped.columns:
        for _, r in shipped[shipped["shipped"].astype(bool)].iterrows():
            key = ", ".join(str(r[k]) for k in ("queue", "channel") if k in shipped.columns)
            rows.append(("forecast backtest" + (f" ({key})" if key else ""),
                         f"{r['model']}: MASE {r['mase']:.3f} (below 1 beats the weekly "
                         f"seasonal-naive forecast), bias {r['bias']:+.1%}, over "
                         f"{int(r['folds'])} weekly origins before the forecast"))
    rows.append(("service target", f"{s['sl_target']:.0%} of calls answered within "
                                   f"{s['sl_threshold_s']:g} s"))
    rows += _unit_target_rows(plan)
    if s.get("max_occupancy") is not None:
        rows.append(("occupancy cap", f"at most {s['max_occupancy']:.0%} of staffed time busy "
                     "(the KPI scorecard's standard; max_occupancy in wfm.toml or "
                     "--max-occupancy to change)"))
    if "shrinkage" in s:
        rows.append(("shrinkage assumed", f"{_share(s['shrinkage'])} of scheduled time off "
                                          "the phones"))
        comps = plan.shrinkage_components or {}
        if comps:
            rows.append(("shrinkage components", " x ".join(
                f"(1 - {_share(v)} {k})" for k, v in comps.items())
                + f" = 1 - {_share(s['shrinkage'])}: the components compound (wfm.toml "
                  "[shrinkage])"))
        else:
            rows.append(("shrinkage components", "none given: one total share (--shrinkage "
                                                 "or wfm.toml)"))
    rows.append(("staffing", f"{plan.requirements.model}, {plan.requirements.staffing_method}"
                             " load"))
    if plan.skills is not None:
        sk = plan.skills.requirements
        rows.append(("skills", "multi-skill groups "
                     + "; ".join(f"{g.name}: {', '.join(g.skills)}" for g in sk.model.groups)
                     + ". Service levels are simulated (no formula covers skills-based "
                       "routing): the staffing search's at the required agents, the "
                       "schedule's day by day"))
    rows.append(("FTE", f"{s['fte_hours_per_week']:g} paid hours a week"))
    rows.append(("shift rules", shift_rules_text(plan.schedule.rules)))
    reps = s.get("sim_replications")
    if reps:
        rows.append(("simulation", f"{reps} simulated days per day planned, staffing rule "
                                   f"{s.get('sim_staffing_rule', 'count')}; 95 % confidence "
                                   "intervals"))
    return rows


def _share(x: float) -> str:
    """A share as a percentage with the decimals it needs: 30%, 14.5%, 2.25%."""
    return f"{100 * x:.4g}%"


def _unit_target_rows(plan) -> list[tuple[str, str]]:
    """A row per queue (channel) whose target differs from the plan's general one."""
    s = plan.summary
    rows = []
    for unit, (target, channel) in sorted((plan.targets or {}).items()):
        if not unit:
            continue
        if target.model == "deferred":
            text = (f"{target.deadline_share:.0%} of items done within {target.deadline_h:g} "
                    "business hours")
        else:
            text = f"{target.sl_target:.0%} within {target.sl_threshold_s:g} s"
        extras = [f"ASA at most {target.asa_target_s:g} s" if target.asa_target_s else "",
                  f"occupancy at most {target.max_occupancy:.0%}" if target.max_occupancy
                  and target.max_occupancy != s.get("max_occupancy") else "",
                  f"abandoned at most {target.max_abandon:.0%}" if target.max_abandon else "",
                  f"patience {target.patience_s:g} s" if target.patience_s else "",
                  f"shrinkage {target.shrinkage:.0%}" if target.shrinkage != s.get(
                      "shrinkage") else ""]
        same = (target.sl_target == s.get("sl_target")
                and target.sl_threshold_s == s.get("sl_threshold_s")
                and target.model != "deferred" and not any(extras))
        if not same:
            rows.append((f"target ({unit}, {channel}, {target.model})",
                         "; ".join([text, *[e for e in extras if e]])))
    return rows


def shift_rules_text(rules) -> str:
    """The shift rules in words: each type's paid length and breaks, the start grid,
    opening hours, limits, weekly tours."""
    if rules is None:
        return "the defaults"

    def brk(b):
        return f"{b.name} {b.duration_min} min {'paid' if b.paid else 'unpaid'}"

    types = "; ".join(
        f"{t.name}: {t.paid_min / 60:g} h paid"
        + (f" ({', '.join(brk(b) for b in t.breaks)})" if t.breaks else "")
        + (f", at most {t.max_per_day} a day" if t.max_per_day is not None else "")
        + (f", at most {t.max_share_of_paid_hours:.0%} of paid hours"
           if t.max_share_of_paid_hours is not None else "")
        for t in rules.shift_types)
    opening = ("opening hours from the requirements (first to last interval of each day)"
               if rules.opening is None else "open " + ", ".join(
                   f"{d} {o // 60:02d}:{o % 60:02d}-{c // 60:02d}:{c % 60:02d}"
                   if hours else f"{d} closed"
                   for d, hours in rules.opening.items() for o, c in [hours or (0, 0)]))
    tours = (f"weekly tours of {rules.tours.days_on} days"
             + (" with consecutive days off" if rules.tours.consecutive_days_off else "")
             if rules.tours is not None else "each day scheduled on its own")
    if getattr(rules, "contracts", None):
        tours = "contracts (each queue's week one programme of weekly tours): " + "; ".join(
            _contract_text(c) for c in rules.contracts)
    cap = (f"; at most {rules.max_agents_per_day} agents a day"
           if rules.max_agents_per_day is not None else "")
    return f"{types}; starts every {rules.start_step_min} min; {opening}; {tours}{cap}"


def _contract_text(c) -> str:
    """One contract (:class:`shifts.rules.Contract`) in words."""
    days = (f"{c.days_on} days" if c.min_days_on in (None, c.days_on)
            else f"{c.min_days_on}-{c.days_on} days")
    hours = ("" if c.min_weekly_hours is None and c.max_weekly_hours is None else
             f", {c.min_weekly_hours or 0:g}-{c.max_weekly_hours or 168:g} paid h a week")
    return (f"{c.name} {days} a week of {'/'.join(c.shift_types)}"
            + (", days off consecutive" if c.consecutive_days_off else "") + hours
            + (f", at most {c.max_share_of_paid_hours:.0%} of paid hours"
               if c.max_share_of_paid_hours is not None else "")
            + (f", starts within a {c.start_band_min / 60:g}-h window all week"
               if c.start_band_min else ""))


def write_workbook(plan, path, inputs=()) -> Path:
    """plan.xlsx (every sheet through :func:`wfmcore.excel.write_frame`: real dates and times,
    number formats, frozen header, autofilter, widths): ``summary`` (each figure with what
    it means, then the assumptions), ``daily``, ``forecast``, ``requirements``, ``shifts``,
    ``coverage`` with charts against the interval times, a multi-skill plan's ``skills`` and
    ``coverage by type`` (:func:`_skills_sheets`), and one sheet per queue (group) when
    there are several."""
    shifts_csv = Path(plan.files[0]).parent / "shifts.csv" if plan.files else None
    shifts_frame = pd.read_csv(shifts_csv) if shifts_csv and shifts_csv.exists() else \
        pd.DataFrame()
    flat = flat_summary(plan.summary)
    summary = pd.DataFrame({"quantity": list(flat), "value": list(flat.values()),
                            "meaning": [MEANINGS.get(k.split("[")[0], "") for k in flat]})

    def write(p):
        from openpyxl import Workbook  # heavy: loaded only to write a workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "summary"
        write_frame(ws, summary, filter_and_freeze=False)
        for i, v in enumerate(summary["value"], start=2):       # one format per row here
            cell = ws.cell(row=i, column=2)
            key = summary["quantity"].iloc[i - 2]
            if isinstance(v, float):
                cell.number_format = number_format(key, pd.Series([v]))
        ws.freeze_panes = "A2"
        row = len(summary) + 3
        ws.cell(row=row, column=1, value="assumptions").font = Font(bold=True)
        for i, (what, value) in enumerate(assumptions(plan), start=row + 1):
            ws.cell(row=i, column=1, value=what)
            ws.cell(row=i, column=2, value=value)
        ws.column_dimensions["B"].width = 60
        ws.column_dimensions["C"].width = 70

        write_frame(wb.create_sheet("daily"), daily_table(plan))
        for key in TABLE_KEYS:
            if plan.summary.get(key):
                write_frame(wb.create_sheet(key.replace("_", "-")),
                            pd.DataFrame(plan.summary[key]))
        fc = plan.forecast.frame.copy()
        fc["interval_start"] = pd.to_datetime(format_times(fc["interval_start"]).to_numpy())
        _table_with_chart(wb.create_sheet("forecast"), fc,
                          [c for c in fc.columns if c.startswith("offered")],
                          "Forecast calls per interval", "calls")
        write_frame(wb.create_sheet("requirements"), plan.requirements.frame)
        write_frame(wb.create_sheet("shifts"), shifts_frame)
        _table_with_chart(wb.create_sheet("coverage"), plan.coverage, ["required", "scheduled"],
                          "Required vs scheduled agents", "agents")
        if plan.skills is not None:
            _skills_sheets(wb, plan)
        cov = plan.coverage
        if S.QUEUE in cov.columns and cov[S.QUEUE].nunique() > 1:
            for q, part in cov.groupby(S.QUEUE, sort=False):
                ws = wb.create_sheet(sheet_title(f"queue {q}", wb.sheetnames))
                _table_with_chart(ws, part.drop(columns=[S.QUEUE]), ["required", "scheduled"],
                                  f"Required vs scheduled agents, queue {q}", "agents")
        wb.save(p)

    return write_atomic(path, write, inputs=inputs)


def _skills_sheets(wb, plan) -> None:
    """The multi-skill plan's sheets: ``skills`` (where skills pay in words, then the call
    types, the groups, the types by day and the agent-hours per day, one table under the
    other) and
    ``coverage by type`` (per type and interval, with a chart of the simulated service)."""
    from openpyxl.styles import Font  # heavy: loaded only to write a workbook

    ws = wb.create_sheet("skills")
    ws.cell(row=1, column=1, value=skills_sentence(plan)).font = Font(bold=True)
    row = 3
    for title, frame in (("call types", skills_type_table(plan)),
                         ("agent groups", skills_group_table(plan)),
                         ("call types by day", skills_day_table(plan)),
                         ("where skills pay (agent-hours)", skills_savings_table(plan))):
        ws.cell(row=row, column=1, value=title).font = Font(bold=True)
        _, last = write_frame(ws, frame, row=row + 1, filter_and_freeze=False)
        row = max(last, row + 1) + 2
    cov = plan.skills.check.type_intervals.copy()
    cov["interval_start"] = pd.to_datetime(cov["interval_start"])
    _table_with_chart(wb.create_sheet("coverage by type"), cov,
                      ["service_level", "sim_service_level"],
                      "Service level per call type and interval", "service level")


def _table_with_chart(ws, frame: pd.DataFrame, value_cols: list[str], title: str,
                      y_title: str) -> None:
    """``frame`` on ``ws`` and a line chart of ``value_cols`` against ``interval_start``
    (placed right of the table)."""
    from openpyxl.utils import get_column_letter  # heavy: loaded only to write a workbook

    first, last = write_frame(ws, frame)
    cols = list(frame.columns)
    if last >= first and S.INTERVAL_START in cols:
        line_chart(ws, title=title, y_title=y_title,
                   value_cols=[cols.index(c) + 1 for c in value_cols if c in cols],
                   time_col=cols.index(S.INTERVAL_START) + 1, header_row=1, last_row=last,
                   anchor=f"{get_column_letter(len(cols) + 2)}2")




# --- the long-range plan's report (wfm capacity, issue 16) ---------------------------------

#: the weekly table of the capacity report: column -> (heading, format)
CAPACITY_COLUMNS = {
    "week_start": ("week start", None),
    "required_fte": ("required FTE", "{:,.2f}"),
    "available_fte_existing": ("available FTE: starting staff", "{:,.2f}"),
    "available_fte_hired": ("available FTE: hires", "{:,.2f}"),
    "available_fte_ramping": ("of which hires ramping up", "{:,.2f}"),
    "available_fte": ("available FTE", "{:,.2f}"),
    "overtime_fte": ("overtime FTE", "{:,.2f}"),
    "outsourced_fte": ("outsourced FTE", "{:,.2f}"),
    "gap_fte": ("gap FTE", "{:+,.2f}"),
    "hires": ("hires", "{:,.0f}"),
    "attrition": ("attrition (expected leavers)", "{:,.2f}"),
    "headcount": ("headcount", "{:,.1f}"),
    "headcount_training": ("in training", "{:,.1f}"),
    "p_meet": ("P(meet)", "{:.1%}"),
}


def capacity_table_frame(result) -> pd.DataFrame:
    """The weekly table of the capacity report: :data:`CAPACITY_COLUMNS` of
    ``result.table`` that it has, then ``hires_<contract>`` with several hire contracts,
    headed as on the page."""
    t = result.table
    cols = []
    for c in CAPACITY_COLUMNS:
        if c in t.columns:
            cols.append(c)
            if c == "hires":
                cols += [h for h in t.columns if h.startswith("hires_")]
    return t[cols]


def hiring_classes(result) -> pd.DataFrame:
    """One row per class: ``start_week`` (plan week, from 0), ``week_start``, ``decide_by``
    (the week the hire must be decided: start less the lead time), ``contract`` and
    ``size``."""
    wf = result.workforce
    t = result.table
    hires = np.asarray(result.plan.hires, dtype=float).reshape(len(wf.hire_contracts), -1)
    rows = []
    weeks = pd.to_datetime(t["week_start"])
    for j, contract in enumerate(wf.hire_contracts):
        for s in np.flatnonzero(hires[j] > 0.5):
            rows.append({"start_week": int(s), "week_start": weeks.iloc[s].strftime("%Y-%m-%d"),
                         "decide_by": (weeks.iloc[s] - pd.Timedelta(weeks=wf.lead_time_weeks)
                                       ).strftime("%Y-%m-%d"),
                         "contract": contract, "size": int(round(hires[j, s]))})
    return pd.DataFrame(rows, columns=["start_week", "week_start", "decide_by", "contract",
                                       "size"]).sort_values(["start_week", "contract"],
                                                            ignore_index=True)


def capacity_assumptions(result) -> list[tuple[str, str]]:
    """(what, value) pairs the capacity plan rests on: the ramp, attrition by tenure, lead
    time, class sizes and seats, contracts, costs, FTE hours, scheduling efficiency, the
    probability asked for and the Monte Carlo's uncertainty."""
    wf, req, s = result.workforce, result.requirement, result.summary
    if wf.ramp is not None:
        ramp = ("by tenure week from the class start: "
                + ", ".join(f"{v:.0%}" for v in wf.ramp) + ", then 100 %")
    else:
        ramp = (f"0 % during {wf.training_weeks} week(s) of training, then rising linearly to "
                f"100 % over {wf.ramp_weeks} week(s)")
    bands = []
    for i, (start, rate) in enumerate(wf.attrition):
        end = wf.attrition[i + 1][0] - 1 if i + 1 < len(wf.attrition) else None
        span = f"weeks {start}-{end}" if end is not None else f"week {start} on"
        bands.append(f"{span}: {rate:.2%} a week ({1 - (1 - rate) ** 52:.0%} a year)")
    seats = (f", at most {wf.training_seats} in training at once"
             if wf.training_seats is not None else "")
    contracts = "; ".join(f"{c.name}: {c.fte:g} FTE, {wf.cost_week(c.name):,.0f} a week"
                          for c in wf.contracts)
    p = s.get("p_meet_target")
    cohorts = "; ".join(f"{c.headcount} {c.contract} at tenure {c.tenure_weeks} weeks"
                        for c in wf.cohorts) or "none"
    return [
        ("horizon", f"{len(result.table)} weeks from {result.table['week_start'].iloc[0]}"),
        ("starting staff", cohorts),
        ("productivity ramp of a new hire", ramp),
        ("attrition by tenure", "; ".join(bands)),
        ("hiring lead time", f"{wf.lead_time_weeks} week(s) from the decision to a class's "
                             "first day"),
        ("class sizes", f"{wf.class_min} to {wf.class_max} per class{seats}"),
        ("contracts hired into", ", ".join(wf.hire_contracts)),
        ("contracts", contracts),
        ("costs", f"hire {wf.hire_cost:,.0f} a head, class {wf.class_cost:,.0f}; overtime up "
                  f"to {wf.overtime_max_share:.0%} of productive FTE at "
                  f"{wf.overtime_cost_factor:g} x salary; outsourcing up to "
                  f"{wf.outsource_cap_fte:g} FTE at {wf.outsource_cost_week:,.0f} an FTE-week; "
                  f"shortfall priced at {wf.shortfall_cost_week:,.0f} an FTE-week"),
        ("FTE hours", f"{req.fte_hours:g} paid hours a week"),
        ("scheduling efficiency", f"{req.efficiency:.3f} paid hours per scheduled "
                                  f"agent-hour ({req.efficiency_source})"),
        ("requirement", f"the first {req.short_weeks} week(s) forecast interval by interval "
                        "as wfm plan does, later weeks by the weekly volume index; "
                        f"{req.interval_min}-minute intervals staffed to each queue's target"),
        ("probability of meeting each week",
         f"asked for {p:.0%} in every week (a safety margin over the requirement)"
         if p is not None else "not asked: the expected-value plan (meets the expected "
                               "requirement with the expected staff)"),
        ("Monte Carlo", f"{s.get('paths', '?')} paths (seed {s.get('seed', '?')}): binomial "
                        "attrition by tenure and the requirement's forecast uncertainty; "
                        "each week's own probability"),
    ]


def _capacity_png(result, near: Path, chart) -> bytes | None:
    """The chart's PNG bytes: ``chart`` (bytes or a path), else the capacity.png that
    :func:`wfmplan.capacity.run_capacity` wrote (``result.files``), else one beside
    ``near``; None when there is none."""
    if isinstance(chart, bytes | bytearray):
        return bytes(chart)
    paths = ([Path(chart)] if chart is not None else
             [Path(f) for f in result.files if Path(f).name == "capacity.png"]
             + [near.parent / "capacity.png"])
    return next((p.read_bytes() for p in paths if p.exists()), None)


def render_capacity_html(result, chart_png: bytes | None = None) -> str:
    """The capacity report page (see :func:`capacity_report`)."""
    s = result.summary
    chart = base64.b64encode(chart_png).decode("ascii") if chart_png else ""
    table = capacity_table_frame(result)
    heads = {c: CAPACITY_COLUMNS.get(c, (c.replace("hires_", "hires: "), "{:,.0f}"))
             for c in table.columns}
    shown = table.rename(columns={c: h for c, (h, _) in heads.items()})
    formats = {h: f for _, (h, f) in heads.items() if f}
    classes = hiring_classes(result)
    p = s.get("p_meet_target")
    aim = (f"planned to meet each week with probability {p:.0%}" if p is not None
           else "the expected-value plan")
    kpis = [("weeks", f"{len(result.table)}"),
            ("required FTE (mean)", f"{s.get('required_fte_mean', math.nan):,.1f}"),
            ("hires", f"{s.get('hires', math.nan):,.0f} in {s.get('classes', 0)} class(es)"),
            ("cost", f"{s.get('cost', math.nan):,.0f}"),
            ("lowest P(meet)", f"{s.get('p_meet_min', math.nan):.1%}"),
            ("weeks below 90 %", f"{s.get('weeks_below_90', 0)}"),
            ("shortfall", f"{s.get('shortfall_fte_weeks', math.nan):,.1f} FTE-weeks")]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    assumptions_html = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                               for k, v in capacity_assumptions(result))
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<title>wfm capacity</title>", f"<style>{CSS}</style></head><body>",
        "<h1>Capacity plan: hiring, attrition and training</h1>",
        f"<p class='note'>{len(result.table)} weeks from {result.table['week_start'].iloc[0]}"
        f"; {html.escape(aim)}"
        f"; solver: {html.escape(str(s.get('solver_status', '')))}, cost within "
        f"{100 * s.get('gap', math.nan):.2f} % of the LP bound.</p>",
        "<div>" + "".join(f"<span class='kpi'>{html.escape(k)}<b>{html.escape(v)}</b></span>"
                          for k, v in kpis) + "</div>",
        "<h2>Required and available FTE</h2>",
        (f"<img alt='capacity chart' src='data:image/png;base64,{chart}'>" if chart else
         "<p>No chart: capacity.png was not written (run the plan with an output folder).</p>"),
        "<h2>Hiring plan</h2>",
        ("<p class='note'>Class start weeks and sizes; decide by = start less the hiring lead "
         "time.</p>" + _fmt_table(classes) if len(classes) else
         "<p>No class to hire: the starting staff meets the requirement, or hires could not "
         "help in time (see the notes).</p>"),
        "<h2>Week by week</h2>",
        "<p class='note'>Available FTE is productive (expected); gap = available + overtime "
        "+ outsourced - required (negative: short); P(meet) = the Monte Carlo share of paths "
        "in which the week's requirement is met.</p>",
        "<div id='capacity-weeks'>" + _fmt_table(shown, formats) + "</div>",
        "<h2>Assumptions</h2>",
        f"<table><tbody>{assumptions_html}</tbody></table>",
        (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""),
        f"<script type='application/json' id='wfm-capacity-summary'>"
        f"{json.dumps(json_ready(s))}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def capacity_report(result, path, inputs=(), *, chart=None) -> Path:
    """capacity.html for a :class:`wfmplan.capacity.CapacityResult`, self-contained like
    report.html: the summary figures, the chart (``chart``: PNG bytes or a path; default the
    capacity.png :func:`wfmplan.capacity.run_capacity` wrote, found in ``result.files`` or
    beside ``path``; embedded as base64), the hiring plan
    (class start weeks and sizes, :func:`hiring_classes`), the weekly table (required FTE,
    available FTE by cohort, overtime, outsourcing, gap, hires, attrition, headcount,
    P(meet); :data:`CAPACITY_COLUMNS`), the assumptions (:func:`capacity_assumptions`), the
    notes and the summary as JSON (``<script id="wfm-capacity-summary">``). Written
    atomically; never over one of ``inputs``."""
    path = Path(path)
    text = render_capacity_html(result, _capacity_png(result, path, chart))
    return write_atomic(path, lambda p: Path(p).write_text(text, encoding="utf-8"),
                        inputs=inputs)
