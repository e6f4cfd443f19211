"""Schedule outputs: shifts.csv, coverage.csv, coverage.png, schedule.xlsx, tours.csv (each
atomic)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from wfmcore import InputError, write_atomic
from wfmcore.excel import line_chart, write_frame
from wfmcore.io import write_csv_atomic
from wfmcore.schema import TIME_FORMAT


def shifts_table(result) -> pd.DataFrame:
    """The shifts frame with times as ``YYYY-MM-DD HH:MM`` text, as written to shifts.csv."""
    out = result.shifts.copy()
    for c in ("start", "end"):
        out[c] = out[c].dt.strftime(TIME_FORMAT)
    return out


def coverage_table(result) -> pd.DataFrame:
    out = result.coverage.copy()
    out["interval_start"] = out["interval_start"].dt.strftime(TIME_FORMAT)
    return out


def deferred_lines(summary: dict) -> list[str]:
    """How each deferred unit was covered (``deferred_by_unit``, :func:`shifts.schedule`)
    and the late work the schedule leaves, one line each."""
    lines = [f"deferred work            {unit or 'the file'}: {how}"
             for unit, how in (summary.get("deferred_by_unit") or {}).items()]
    if summary.get("deferred_late_agent_h"):
        lines.append(f"                         {summary['deferred_late_agent_h']:,.2f} "
                     "agent-hours of it left late by the schedule")
    return lines


def period_note(s: dict) -> str:
    """With a daily or weekly target, the words that say the interval count is not the
    goal (the summary's ``sl_period``); empty otherwise."""
    period = s.get("sl_period", "interval")
    if period not in ("day", "week"):
        return ""
    return f" (each interval checked against the level; the target is each {period}'s)"


def summary_lines(summary: dict) -> list[str]:
    """The on-screen summary, one line per quantity with its unit."""
    s = summary
    return [
        f"paid hours               {s['paid_hours']:,.2f} h",
        f"under-covered intervals  {s['under_covered_intervals']} "
        f"({s['under_agent_hours']:,.2f} agent-hours short)",
        f"LP bound                 {s['lp_bound']:,.2f} (cost units; = paid hours at weight 1)",
        f"gap                      {100 * s['gap']:.3f} % (objective {s['objective']:,.2f} "
        f"vs proven bound {s['bound']:,.2f})",
        f"solve time               {s['solve_time_s']:.2f} s over {s['days']} day(s)"
        + (f" ({s['wall_time_s']:.2f} s elapsed, {s['workers']} processes)"
           if s.get("workers", 1) > 1 else ""),
        f"status                   {s['status']}",
        *headcount_lines(s),
        *_service_lines(s),
        *repair_lines(s),
        *_roster_lines(s),
    ]


def _by(d: dict, fmt: str = "{:,}") -> str:
    return ", ".join(f"{k} {fmt.format(v)}" for k, v in d.items())


def headcount_lines(s: dict) -> list[str]:
    """People by contract, shifts by type, FTE with its definition, occupancy, over-cover
    (keys of :func:`shifts.schedule.headcount`; nothing for a summary without them)."""
    if "shifts_by_type" not in s:
        return []
    people = s["people"]
    if people == people:
        by = s["people_by_contract"]
        line = f"people                   {people:,}" + (f" ({_by(by)})" if by else "") + \
            " on weekly tours"
    else:
        line = (f"people                   {s['people_max_day']:,} at least (most shifts on "
                "one day; no weekly tours in the rules)")
    lines = [line]
    if s.get("people_outside_horizon"):
        days = s["days_outside_horizon"]
        lines.append(f"                         {s['people_outside_horizon']:,} of them also work "
                     f"days outside the schedule ({days[0]} to {days[-1]}; free to the tours: "
                     "--horizon-days closes them)")
    lines.append(f"shifts                   {s['shifts']:,} ({_by(s['shifts_by_type'])})")
    lines += deferred_lines(s)
    if s.get("paid_hours_by_contract"):
        lines.append(f"paid hours by contract   {_by(s['paid_hours_by_contract'], '{:,.1f} h')}")
    lines.append(f"FTE                      {s['fte']:,.1f} ({s['fte_definition']})")
    occ = s.get("occupancy", math.nan)
    if occ == occ:
        lines.append(f"occupancy                {_pct(occ)} (offered Erlangs / agents on the "
                     "phones, all intervals)")
    over = s.get("over_share", math.nan)
    lines.append(f"over-cover               {s['over_agent_hours']:,.2f} agent-hours"
                 + (f" ({_pct(over)} of the required)" if over == over else "")
                 + (f"; {s['short_shifts']:,} short-day shifts" if s.get("short_shifts") else ""))
    lines += cover_lines(s)
    if s.get("contracts_without_tours"):
        lines.append("no weekly tour fits   " + ", ".join(s["contracts_without_tours"])
                     + ": more days on than open days in a week of the horizon (a shorter "
                     "horizon, --horizon-days, leaves the days after it free)")
    return lines


def cover_lines(s: dict) -> list[str]:
    """What :func:`shifts.tours._cover_shortfall` added where the solver left intervals short,
    and what the search after the solver saved (:func:`shifts.tours._ruin_and_recreate`;
    keys of :func:`shifts.schedule._summary`; nothing when neither did anything)."""
    lines = []
    if s.get("tours_added_to_cover"):
        lines.append(f"shortfall cover          {s['tours_added_to_cover']:,} tours "
                     f"({s['paid_hours_added_to_cover']:,.1f} paid h) added after the solver "
                     "to cover intervals it left short")
    if s.get("search_improved_units"):
        lines.append(f"search after the solver  {s['paid_hours_saved_by_search']:,.1f} paid h "
                     f"saved in {s['search_improved_units']:,} week(s) not proven within the "
                     "gap (ruin and recreate)")
    if s.get("greedy_cover_units"):
        lines.append("greedy schedule          " + "; ".join(s["greedy_cover_units"])
                     + ": the greedy cover (cheaper than the solver's schedule, or the "
                     "solver found none)")
    return lines


def repair_lines(s: dict) -> list[str]:
    if "repair_status" not in s:
        return []
    tests = s.get("repair_tests", 0)
    days = f" of {s['repair_days']:,} simulated days" if "repair_days" in s else ""
    return [f"repair                   {s['repair_status']} after {s['repair_rounds']} "
            f"round(s) and {tests} test(s) on new days{days}: "
            f"+{s['repair_added_hours']:,.2f} paid hours"]


def _roster_lines(s: dict) -> list[str]:
    if "unassigned_shifts" not in s:
        return []
    return [
        f"roster                   {s['unassigned_shifts']} shifts unassigned, "
        f"{s['hours_short']:,.2f} contract hours short ({s['roster_status']})",
        f"fairness                 late shifts per agent {s['late_shifts_min']}-"
        f"{s['late_shifts_max']}, weekend days per agent {s['weekend_days_min']}-"
        f"{s['weekend_days_max']}",
    ]


def _pct(v) -> str:
    return f"{100 * v:.1f} %"


def _service_lines(s: dict) -> list[str]:
    if s.get("service_check"):
        why = f"n/a ({s['service_check']})"
        return [f"service level (Erlang)   {why}", f"simulated service level  {why}"]
    if "service_level" not in s:
        return []
    lines = [f"service level (Erlang)   {_pct(s['service_level'])} of calls offered, "
             "interval by interval"]
    sim = s.get("sim_service_level")
    if s.get("sim_replications", 0) and sim == sim:
        ci = (f" (95 % CI {_pct(s['sim_service_level_lo'])} to "
              f"{_pct(s['sim_service_level_hi'])})"
              if s["sim_service_level_lo"] == s["sim_service_level_lo"] else "")
        rule = s.get("sim_staffing_rule") or "count"
        lines.append(f"simulated service level  {_pct(sim)}{ci}, whole period, "
                     f"{s['sim_replications']} replications, staffing rule {rule} "
                     f"({RULE_TEXT.get(rule, rule)})")
        met = s.get("sim_intervals_met", math.nan)
        if met == met:
            lines.append(f"intervals at target      {_pct(met)} simulated at or above it, "
                         f"{s['sim_intervals_below']} significantly below"
                         + period_note(s))
        lines.extend(_overtime_lines(s))
    else:
        lines.append("simulated service level  not simulated")
    return lines


#: What each staffing rule of the simulated check means, for the summary line.
RULE_TEXT = {"count": "scheduled capacity only",
             "designated": "leavers finish their call",
             "agents": "replay of the shifts and breaks"}


def _overtime_lines(s: dict) -> list[str]:
    """Overtime (and, in agent mode, break time lost to calls), agent-hours a day."""
    over, days = s.get("sim_overtime_h", math.nan), s.get("sim_days", 0)
    if not days or over != over:
        return []
    line = (f"overtime (simulated)     {over / days:,.2f} agent-hours a day "
            f"({over:,.2f} over {days} day(s))")
    lost = s.get("sim_break_lost_h", math.nan)
    if lost == lost:
        line += f", breaks shortened by {lost / days:,.2f} agent-hours a day"
    return [line]


def _plot_coverage(result, path: Path) -> None:
    """Required vs scheduled agents per interval: one panel per day (up to 7 days, one row
    per queue), otherwise one time axis per queue."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    cov = result.coverage
    queues = list(dict.fromkeys(cov["queue"])) if "queue" in cov.columns else [None]
    dates = sorted(cov["interval_start"].dt.date.unique())
    per_day = len(dates) <= 7
    ncol = len(dates) if per_day else 1
    size = (max(9.0, 3.4 * ncol), 0.6 + 3.6 * len(queues))
    fig, axes = plt.subplots(len(queues), ncol, figsize=size, squeeze=False, sharey="row")
    step = pd.Timedelta(minutes=result.interval_min)
    for qi, q in enumerate(queues):
        part = cov if q is None else cov[cov["queue"] == q]
        first = True
        for day, d in part.groupby(part["interval_start"].dt.date):
            ax = axes[qi, dates.index(day) if per_day else 0]
            x = list(d["interval_start"]) + [d["interval_start"].iloc[-1] + step]
            req = list(d["required"]) + [d["required"].iloc[-1]]
            sch = list(d["scheduled"]) + [d["scheduled"].iloc[-1]]
            short = [s < r for s, r in zip(sch, req, strict=True)]
            ax.step(x, req, where="post", color="black", lw=1.2,
                    label="required" if first else None)
            ax.step(x, sch, where="post", color="tab:blue", lw=1.2,
                    label="scheduled (net of breaks)" if first else None)
            ax.fill_between(x, req, sch, step="post", where=short, color="tab:red", alpha=0.4,
                            label="under-covered" if first else None)
            if per_day:
                ax.set_title(f"{day:%a %Y-%m-%d}" + ("" if q is None else f", queue {q}"),
                             fontsize=10)
                ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
                ax.set_xlabel("local time")
            else:
                ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
                ax.set_xlabel("interval start (local time)")
                ax.set_title("" if q is None else f"queue {q}", fontsize=10)
            ax.grid(alpha=0.3)
            first = False
        axes[qi, 0].set_ylabel("agents")
    span = f"{dates[0]}" if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    fig.suptitle(f"Coverage: required vs scheduled agents per {result.interval_min}-min "
                 f"interval, {span}", fontsize=11)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    for ax in axes.flat:  # every panel keeps its own time labels (queues differ in hours)
        if not ax.lines:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "closed", ha="center", va="center", transform=ax.transAxes,
                    color="grey")
        ax.tick_params(axis="x", labelrotation=30, labelbottom=True)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=100, format="png")
    plt.close(fig)


def _sheet_name(queue, day) -> str:
    name = f"{queue} {day}" if queue else f"{day}"
    for ch in '[]:*?/\\':
        name = name.replace(ch, "_")
    return name[:31]


def _write_xlsx(result, path: Path, shifts: pd.DataFrame, cov: pd.DataFrame) -> None:
    """The workbook; ``shifts`` / ``cov`` are the tables written to shifts.csv /
    coverage.csv (built once by :func:`write_outputs`). Tables through
    :func:`wfmcore.excel.write_frame` (real times, number formats, frozen header, filter);
    each day's chart plots against the interval times."""
    from openpyxl import Workbook  # heavy: loaded only to write a workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    summary = pd.DataFrame({"quantity": list(result.summary),
                            "value": [_cell(v) for v in result.summary.values()]})
    write_frame(ws, summary, filter_and_freeze=False)
    ws.freeze_panes = "A2"
    row = len(summary) + 3
    ws.cell(row=row, column=1, value="per day").font = Font(bold=True)
    write_frame(ws, result.days, row=row + 1, filter_and_freeze=False)
    under = under_covered_table(cov)
    if len(under):                 # what the planner must fix by hand, on a sheet of its own
        write_frame(wb.create_sheet("under-covered"), under)
    has_q = "queue" in shifts.columns
    sday = result.shifts["start"].dt.date
    cday = result.coverage["interval_start"].dt.date
    keys = result.coverage.assign(_d=cday)[["queue", "_d"] if has_q else ["_d"]].drop_duplicates()
    for key in keys.itertuples(index=False):
        q, d = (key[0], key[1]) if has_q else ("", key[0])
        ws = wb.create_sheet(_sheet_name(q, d))
        smask = (sday == d) & ((shifts["queue"] == q) if has_q else True)
        cmask = (cday == d) & ((cov["queue"] == q) if has_q else True)
        s_part = shifts[smask].drop(columns=["queue"] if has_q else [])
        c_part = cov[cmask].drop(columns=["queue"] if has_q else [])
        ws.cell(row=1, column=1, value="coverage").font = Font(bold=True)
        shift_col = len(c_part.columns) + 2
        ws.cell(row=1, column=shift_col, value="shifts").font = Font(bold=True)
        _, last = write_frame(ws, c_part, row=2)
        write_frame(ws, s_part, row=2, col=shift_col, filter_and_freeze=False)
        if last >= 3:
            cols = list(c_part.columns)
            line_chart(ws, title=f"Required vs scheduled agents, {d}", y_title="agents",
                       value_cols=[cols.index("required") + 1, cols.index("scheduled") + 1],
                       time_col=cols.index("interval_start") + 1, header_row=2, last_row=last,
                       anchor=f"{get_column_letter(shift_col + len(s_part.columns) + 1)}3")
    wb.save(path)


def _cell(v):
    if isinstance(v, dict):                 # e.g. people_by_contract: "full-time 10; ..."
        return "; ".join(f"{k} {_cell(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(str(_cell(x)) for x in v)
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:      # NaN: an empty cell (Excel has no NaN)
        return None
    return v


def under_covered_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """The intervals a schedule leaves under-covered (``under`` > 0), by queue and time:
    [queue,] interval_start (``YYYY-MM-DD HH:MM``), required, scheduled, under [agents]."""
    cols = [c for c in ("queue", "interval_start", "required", "scheduled", "under")
            if c in coverage.columns]
    out = coverage.loc[coverage["under"] > 0, cols].copy()
    if pd.api.types.is_datetime64_any_dtype(out["interval_start"]):
        out["interval_start"] = out["interval_start"].dt.strftime(TIME_FORMAT)
    return out.reset_index(drop=True)


def under_covered_lines(coverage: pd.DataFrame, show: int = 10) -> list[str]:
    """One line listing the intervals the schedule leaves under-covered, by queue and time
    (the first ``show``, then how many more): what a planner must fix by hand."""
    under = under_covered_table(coverage)
    if under.empty:
        return []
    items = [(f"{r['queue']} " if "queue" in under.columns else "")
             + f"{r['interval_start']} ({int(r['under'])} short)"
             for _, r in under.head(show).iterrows()]
    more = f" and {len(under) - show} more" if len(under) > show else ""
    return [f"{len(under)} intervals under-covered by the schedule: {', '.join(items)}{more}"]


def write_outputs(result, outdir: Path | str, inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write shifts.csv, coverage.csv, coverage.png and schedule.xlsx (and tours.csv with
    weekly tours: one row per week and days-off pattern; fairness.csv with a roster: one row
    per agent) into ``outdir`` (created if needed), each atomically; refuse to overwrite any
    of ``inputs``."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir}: output folder is a file")
    outdir.mkdir(parents=True, exist_ok=True)
    inputs = list(inputs)
    extra = []
    if getattr(result, "tours", None) is not None:
        tours = result.tours.copy()
        tours["week_start"] = tours["week_start"].astype(str)
        extra.append(write_csv_atomic(tours, outdir / "tours.csv", inputs=inputs))
    if getattr(result, "fairness", None) is not None:
        extra.append(write_csv_atomic(result.fairness, outdir / "fairness.csv", inputs=inputs))
    shifts, cov = shifts_table(result), coverage_table(result)
    return extra + [
        write_csv_atomic(shifts, outdir / "shifts.csv", inputs=inputs),
        write_csv_atomic(cov, outdir / "coverage.csv", inputs=inputs),
        write_atomic(outdir / "coverage.png", lambda p: _plot_coverage(result, p), inputs=inputs),
        write_atomic(outdir / "schedule.xlsx", lambda p: _write_xlsx(result, p, shifts, cov),
                     inputs=inputs),
    ]
