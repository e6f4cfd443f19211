"""What the commands print: one-screen summaries of each stage's typed result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import forecast as fc
from wfmcore import schema as S
from wfmcore.reader import IntervalFile
from wfmplan import scorecard as sc
from wfmplan.staffing import Requirements


def staff_line(req: Requirements, out: Path) -> str:
    """``wfm staff``: intervals, model, peak agents, agent-hours, peak scheduled."""
    frame = req.frame
    n_open = int((frame[S.OFFERED] > 0).sum())
    return (f"{len(frame)} intervals ({n_open} with calls), {req.model}, "
            f"{req.staffing_method} load: "
            f"peak {int(frame['agents'].max())} agents, {req.agent_hours:,.1f} agent-hours "
            f"on the phones, peak scheduled {int(frame['scheduled_agents'].max())} -> {out}")


def skills_line(req, out: Path) -> str:
    """``wfm staff --skills`` (:class:`wfmplan.multiskill.SkillRequirements`): intervals,
    groups, agent-hours by skills against dedicated agents and full pooling."""
    multi = req.agent_hours("agents")
    single = req.agent_hours("single_skill_agents")
    pooled = req.agent_hours("pooled_agents")
    saved = (single - multi) / single if single > 0 else 0.0
    return (f"{len(req.intervals)} intervals, {req.model.n_types} call types, "
            f"{req.model.n_groups} groups: {multi:,.1f} agent-hours on the phones with "
            f"skills, {single:,.1f} with dedicated agents ({saved:.1%} saved), {pooled:,.1f} "
            f"if everyone had every skill -> {out} (per group), "
            f"{out.with_name(out.stem + '_by_type' + (out.suffix or '.csv'))} (per type)")


def evidence_lines(result: fc.ForecastResult) -> list[str]:
    """Per series: the backtest MASE of each candidate behind the model choice, and which
    won against the best baseline and by how much (:attr:`forecast.ForecastResult.choices`)."""
    ev = result.evidence
    if not len(ev):
        return []
    keys = S.series_keys(ev)
    groups = ev.groupby(keys, sort=False) if keys else [((), ev)]
    choices = result.choices
    lines = []
    for i, (key, e) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{k} {v}" for k, v in zip(keys, key, strict=True))
        lines.append("backtest MASE on the last weeks of the history"
                     + (f" ({label})" if label else "") + ": "
                     + ", ".join(f"{r.model} {r.mase:.3f}" for r in e.itertuples()))
        if "summary" in choices.columns and i < len(choices):
            lines.append((f"{label}: " if label else "") + str(choices["summary"].iloc[i]))
    return lines


def forecast_line(result: fc.ForecastResult, out: Path) -> str:
    """``wfm forecast``: intervals, calls, the model of each queue."""
    frame = result.frame
    keys = S.series_keys(frame)
    if keys:
        models = "; ".join(f"{' / '.join(map(str, k if isinstance(k, tuple) else (k,)))}: "
                           f"{g[S.MODEL].iloc[0]}" for k, g in frame.groupby(keys, sort=False))
    else:
        models = str(frame[S.MODEL].iloc[0])
    return (f"{len(frame)} intervals, {frame[S.OFFERED].sum():,.0f} calls, model {models} "
            f"-> {out}")


def backtest_table(table: pd.DataFrame) -> str:
    """The backtest table, three decimals."""
    cols = [c for c in ("queue", "channel", "model", "folds", "mase", "wape", "bias", "coverage",
                        "agents_mae", "understaffed", "chosen", "winner") if c in table.columns]
    return table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}")


def scorecard_report(card: pd.DataFrame, hist: IntervalFile) -> str:
    """Weekly lines of the scorecard and the patience estimate, for the screen."""
    week = card[card["period"] == "week"]
    cols = [c for c in ("offered", "service_level", "asa_s", "abandon_rate", "aht_s",
                        "occupancy") if c in week]
    fmt = {"offered": "{:,.0f}", "service_level": "{:.1%}", "asa_s": "{:.1f}",
           "abandon_rate": "{:.1%}", "aht_s": "{:.0f}", "occupancy": "{:.1%}"}
    lines = ["week of      queue         " + " ".join(f"{c:>13}" for c in cols) + "  misses"]
    for _, r in week.iterrows():
        vals = " ".join(f"{fmt[c].format(r[c]) if r[c] == r[c] else '':>13}" for c in cols)
        series = str(r["queue"]) + (f"/{r['channel']}" if "channel" in r.index else "")
        lines.append(f"{r['period_start']}  {series[:12]:<12}  {vals}  {r['misses']}")
    days = card[card["period"] == "day"]
    lines.append(f"{len(days)} queue-days, {int((days['misses'] != '').sum())} with a missed "
                 "target")
    if {"wait_s", "abandoned"} <= set(hist.frame.columns):
        pat = sc.estimate_patience(hist)
        lines.append("mean patience (total wait / abandons): " + ", ".join(
            f"{q} {p:.0f} s ({int(n)} abandons)" for q, p, n in pat.itertuples(index=False)))
        lines.append("for Erlang A, put it in wfm.toml: patience_s = ... under [staffing], "
                     "or per queue under [queues.NAME]")
    return "\n".join(lines)


def whatif_report(table: pd.DataFrame) -> str:
    """The what-if table for the screen, with the FTE difference to the base, a ``queue``
    column where the forecast has several queues, and the definitions under it."""
    cols = [("agent_hours", "{:,.0f}"), ("paid_hours", "{:,.0f}"), ("fte", "{:,.1f}"),
            ("headcount", "{:,.0f}"), ("service_level", "{:.1%}"), ("asa_s", "{:.1f}"),
            ("abandon_rate", "{:.2%}"), ("occupancy", "{:.1%}")]
    cols = [(c, f) for c, f in cols if c in table.columns]
    names = table["scenario"].astype(str)
    if "is_base" in table.columns:
        names = names.where(~table["is_base"].astype(bool), names + " *")
    width = max(8, names.str.len().max())
    queues = "queue" in table.columns and table["queue"].nunique() > 1
    qwidth = max(5, table["queue"].astype(str).str.len().max()) if queues else 0
    head = (f"{'scenario':<{width}} " + (f"{'queue':<{qwidth}} " if queues else "")
            + " ".join(f"{c:>13}" for c, _ in cols) + "  ΔFTE")
    lines = [head]
    for name, (_, r) in zip(names, table.iterrows(), strict=True):
        vals = " ".join(f"{f.format(r[c]) if r[c] == r[c] else '-':>13}" for c, f in cols)
        queue = f"{r['queue']:<{qwidth}} " if queues else ""
        lines.append(f"{name:<{width}} {queue}{vals}  {r['fte_vs_base']:+.1f}")
    if "is_base" in table.columns:
        lines.append("* the base: the settings given (command line, wfm.toml); Δ and *_vs_base "
                     "are differences to it")
    lines += table.attrs.get("definitions", [])[:2]
    return "\n".join(lines)


def capacity_line(result, out) -> str:
    """The one line ``wfm capacity`` ends with."""
    s = result.summary
    p = (f", P(meet) at least {s['p_meet_min']:.0%} every week" if s["p_meet_min"] == s["p_meet_min"]
         else "")
    return (f"{s['weeks']} weeks: required {s['required_fte_mean']:,.1f} FTE on average, "
            f"{s['hires']:,.0f} hires in {s['classes']} class(es), cost {s['cost']:,.0f} "
            f"(gap to the LP bound {s['gap']:.2%}){p}, "
            f"{s['shortfall_fte_weeks']:,.1f} FTE-weeks short -> {out}/")


def capacity_whatif_report(table: pd.DataFrame) -> str:
    """The long-range scenarios as a readable table."""
    head = (f"{'scenario':<28} {'req. FTE':>9} {'hires':>6} {'classes':>7} {'cost':>13} "
            f"{'vs first':>9} {'P(meet) min':>11} {'FTE-wk short':>12}")
    lines = [head]
    for r in table.itertuples():
        lines.append(f"{r.scenario[:28]:<28} {r.required_fte_mean:>9.1f} {r.hires:>6.0f} "
                     f"{r.classes:>7d} {r.cost:>13,.0f} {r.cost_vs_first:>+9.1%} "
                     f"{r.p_meet_min:>11.1%} {r.shortfall_fte_weeks:>12.1f}")
    return "\n".join(lines)
