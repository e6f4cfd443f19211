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
    cov = plan.coverage.copy()
    cov["t"] = pd.to_datetime(cov["interval_start"])
    if "queue" in cov.columns:
        w = cov["offered"].clip(lower=1e-12)
        cov = cov.assign(**{c: cov[c] * w for c in ("service_level", "sim_service_level",
                                                    "sim_service_level_lo",
                                                    "sim_service_level_hi")}, w=w)
        cov = cov.groupby("t", as_index=False).sum(numeric_only=True)
        for c in ("service_level", "sim_service_level", "sim_service_level_lo",
                  "sim_service_level_hi"):
            cov[c] = cov[c] / cov["w"]
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
        ax.step(hours, 100 * g["service_level"], where="post", color="#4C72B0", label="Erlang")
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
    cov["w_sl"] = cov["service_level"] * cov["offered"]
    cov["w_sim"] = cov["sim_service_level"] * cov["offered"]
    a = req.groupby("day").agg(calls=("offered", "sum"), required_agents_sum=("agents", "sum"))
    b = cov.groupby("day").agg(scheduled_sum=("scheduled", "sum"), w_sl=("w_sl", "sum"),
                               w_sim=("w_sim", "sum"), offered=("offered", "sum"))
    out = pd.DataFrame({
        "calls": a["calls"],
        "required_agent_hours": a["required_agents_sum"] * interval_h,
        "scheduled_agent_hours": b["scheduled_sum"] * interval_h,
        "service_level": b["w_sl"] / b["offered"].clip(lower=1e-12),
        "sim_service_level": b["w_sim"] / b["offered"].clip(lower=1e-12),
    })
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
            ("service level (Erlang)", f"{s['service_level']:.1%}"),
            ("simulated service level", f"{s['sim_service_level']:.1%}"),
            ("ASA", f"{s['asa_s']:.1f} s"), ("abandoned", f"{s['abandon_rate']:.2%}")]
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
                                           "sim_service_level": "{:.1%}"})
    sched = plan.schedule.summary
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in plan.notes)
    data = json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v)
                       for k, v in s.items()})
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
    rows.append(("FTE", f"{s['fte_hours_per_week']:g} paid hours a week"))
    return rows


def write_workbook(plan, path, inputs=()) -> Path:
    """plan.xlsx (every sheet through :func:`wfmcore.excel.write_frame`: real dates and times,
    number formats, frozen header, autofilter, widths): ``summary`` (each figure with what
    it means, then the assumptions), ``daily``, ``forecast``, ``requirements``, ``shifts``,
    ``coverage`` with charts against the interval times, and one sheet per queue when there
    are several."""
    shifts_csv = Path(plan.files[0]).parent / "shifts.csv" if plan.files else None
    shifts_frame = pd.read_csv(shifts_csv) if shifts_csv and shifts_csv.exists() else \
        pd.DataFrame()
    summary = pd.DataFrame({"quantity": list(plan.summary),
                            "value": [v for v in plan.summary.values()],
                            "meaning": [MEANINGS.get(k, "") for k in plan.summary]})

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
        cov = plan.coverage
        if S.QUEUE in cov.columns and cov[S.QUEUE].nunique() > 1:
            for q, part in cov.groupby(S.QUEUE, sort=False):
                ws = wb.create_sheet(sheet_title(f"queue {q}", wb.sheetnames))
                _table_with_chart(ws, part.drop(columns=[S.QUEUE]), ["required", "scheduled"],
                                  f"Required vs scheduled agents, queue {q}", "agents")
        wb.save(p)

    return write_atomic(path, write, inputs=inputs)


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


