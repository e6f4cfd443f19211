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

from wfmcore import schema as S
from wfmcore.excel import line_chart, number_format, sheet_title, write_frame
from wfmcore.io import write_atomic
from wfmcore.reader import format_times


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


def flat_summary(summary: dict) -> dict:
    """The summary with each dict value (figures by channel) spread into ``key[channel]``
    entries and lists joined by commas: one value per cell of a workbook."""
    def cell(x):
        if isinstance(x, list | tuple):       # e.g. handle times by concurrency, group names
            return ", ".join(f"{y:g}" if isinstance(y, float) else str(y) for y in x)
        return x

    out = {}
    for k, v in summary.items():
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
    """Per day: calls, required agent-hours, scheduled agent-hours, Erlang and simulated SL."""
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
    return out.reset_index()


def _fmt_table(frame: pd.DataFrame, formats: dict | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, r in frame.iterrows():
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
        rows.append("<tr>" + "".join(cells) + "</tr>")
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
"""


def render_html(plan) -> str:
    s = plan.summary
    kpis = [("calls forecast", f"{s['calls']:,.0f}"),
            ("agent-hours required", f"{s['agent_hours']:,.0f}"),
            ("paid hours", f"{s['paid_hours']:,.0f}"), ("FTE", f"{s['fte']:,.1f}"),
            ("service level (Erlang)" if plan.skills is None else
             "service level (staffing search)", f"{s['service_level']:.1%}"),
            ("simulated service level", f"{s['sim_service_level']:.1%}"),
            ("ASA", f"{s['asa_s']:.1f} s"), ("abandoned", f"{s['abandon_rate']:.2%}")]
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
    daily = _fmt_table(daily_table(plan), {"calls": "{:,.0f}",
                                           "required_agent_hours": "{:,.1f}",
                                           "scheduled_agent_hours": "{:,.1f}",
                                           "service_level": "{:.1%}",
                                           "sim_service_level": "{:.1%}",
                                           "deferred_share_on_time": "{:.1%}"})
    sched = plan.schedule.summary
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in plan.notes)
    data = json.dumps(json_ready(s))
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        "<title>wfm plan</title>", f"<style>{CSS}</style></head><body>",
        "<h1>Staffing plan</h1>",
        f"<p class='note'>{html.escape(_period(plan))}; forecast model: "
        f"{html.escape(model)}.</p>",
        "<div>" + "".join(f"<span class='kpi'>{html.escape(k)}<b>{html.escape(v)}</b></span>"
                          for k, v in kpis) + "</div>",
        "<h2>History and forecast</h2>",
        f"<img alt='daily calls' src='data:image/png;base64,{chart_history_and_forecast(plan)}'>",
        f"<img alt='intraday forecast' src='data:image/png;base64,{chart_intraday_forecast(plan)}'>",
        "<h2>Required vs scheduled agents</h2>",
        (f"<img alt='coverage' src='data:image/png;base64,{cover_png}'>" if cover_png else ""),
        f"<p>Paid hours {sched['paid_hours']:,.1f} h; LP bound {sched['lp_bound']:,.1f}; gap "
        f"{100 * sched['gap']:.2f} %; under-covered intervals "
        f"{sched['under_covered_intervals']}; solve time {sched['solve_time_s']:.1f} s; "
        f"solver status: {html.escape(str(sched['status']))}.</p>",
        "<h2>Service level per interval</h2>",
        f"<img alt='service level' src='data:image/png;base64,{chart_service(plan)}'>",
        _channels_html(s),
        _skills_html(plan),
        "<h2>Per day</h2>", daily,
        _scorecard_html(plan),
        "<h2>Model choice and its backtest evidence</h2>",
        "<p class='note'>MASE: mean absolute error scaled by the in-sample weekly "
        "seasonal-naive error (below 1 beats it); computed on the weeks before the forecast."
        "</p>", ev_html,
        (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""),
        f"<script type='application/json' id='wfm-summary'>{data}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


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
    rows.append(("service target", f"{s['sl_target']:.0%} of calls answered within "
                                   f"{s['sl_threshold_s']:g} s"))
    if "shrinkage" in s:
        rows.append(("shrinkage assumed", f"{s['shrinkage']:.0%} of scheduled time off the "
                                          "phones"))
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
    return rows


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
