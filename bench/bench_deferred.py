"""Benchmark: deferred work (email) planned by the deadline programme, and call blending
(issue 13, acceptance).

1. Email, 8 weeks simulated. Arrivals round the clock with a weekly pattern (Mon 225, Tue
   205, Wed 200, Thu 195, Fri 180, Sat 50, Sun 45 items a day: ~200 a weekday), an intraday
   shape peaking late morning and mid-afternoon with a night floor; 30-min intervals;
   business hours 8-18 Monday to Friday; AHT 6 min; target 95 % within 8 business hours.
   The plan: :func:`erlang.deferred.calibrated_capacity` (the cyclic weekly programme with
   whole agents, the least work margin whose simulated share reaches 95 % in every week, on
   the calibration seed), then the plan simulated again on an *evaluation* seed never used
   for calibrating (EDF, exponential handle times; deterministic ones too). Reported: the
   share per week, the capacity against the LP bound (agent-hours of the unscaled
   programme) and the margin.
2. Blending on a voice queue: the bank bench week (Mon-Fri 2003-03-03, 15-min intervals
   07:00-21:00, AHT 300 s), staffed per interval by Erlang C for 80 % in 20 s. Per interval
   the threshold rule (Bhulai & Koole 2003) with the smallest threshold whose service level
   is within one point of the unblended one (:func:`erlang.blending.best_threshold`), back-
   office work of the same AHT (the exact birth-death chain). Reported: the week's voice
   service level without and with blending (calls-weighted), and the deferred work done from
   idle time. Plus a small team with longer deferred items (N = 16, 12 Erlangs, items of 6
   min: the exact 2-D chain).
3. Blending in staffing: the same voice week and email on its days, staffed by
   :func:`wfmplan.staffing.staff_blended` without and with ``blend_with``: the email's own
   agent-hours, the work done in the voice agents' idle time, the voice service level with
   and without blending, and the email's share by the deadline simulated at its own agents
   plus that idle time (evaluation seed).
4. The deadline window in the shift programme: the email plan of part 1 as a fixed
   requirement per interval against the same work covered anywhere in its window
   (:mod:`shifts.deferred_window`): paid hours, and the share simulated at each schedule.

Run:  .venv/bin/python bench/bench_deferred.py [--replications 100] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import bank_week, write_section  # noqa: E402

from erlang import ServiceTarget, erlang_c, offered_load, required_agents  # noqa: E402
from erlang.blending import best_threshold, blending_kpis  # noqa: E402
from erlang.deferred import (  # noqa: E402
    business_hours,
    calibrated_capacity,
    deferred_capacity,
    simulate_deferred,
)

INTERVAL_MIN = 30
AHT_S = 360.0
DEADLINE_H = 8.0
SHARE = 0.95
WEEKS = 8
DAY_ITEMS = (225, 205, 200, 195, 180, 50, 45)
CAL_SEED = 1301
EVAL_SEED = 1302                  # never used for calibrating
VOICE_AHT_S = 300.0


def email_week() -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """One week of expected email arrivals per 30-min interval, and the business hours."""
    ts = pd.date_range("2026-01-05", periods=7 * 48, freq=f"{INTERVAL_MIN}min")
    hour = np.asarray(ts.hour + ts.minute / 60.0)
    shape = (0.25 + np.exp(-0.5 * ((hour - 11.0) / 3.0) ** 2)
             + 0.6 * np.exp(-0.5 * ((hour - 15.5) / 2.5) ** 2))
    dow = np.asarray(ts.day_of_week)
    day_sum = pd.Series(shape).groupby(dow).transform("sum").to_numpy()
    items = np.asarray(DAY_ITEMS, float)[dow] * shape / day_sum
    return ts, items, business_hours(ts)


def weekly_shares(sim, week_len: int) -> np.ndarray:
    f = sim.intervals
    g = f.groupby(f["interval"].to_numpy() // week_len)[["due", "on_time"]].sum()
    return (g["on_time"] / g["due"]).to_numpy()


def deferred_part(replications: int):
    ts, items, is_open = email_week()
    t0 = time.perf_counter()
    cal = calibrated_capacity(items, AHT_S, INTERVAL_MIN, is_open, deadline_h=DEADLINE_H,
                              deadline_share=SHARE, repeats=WEEKS, seed=CAL_SEED,
                              replications=replications)
    plan_s = time.perf_counter() - t0
    cap = np.tile(cal.plan.capacity_agents, WEEKS)
    rows = {}
    for service in ("exponential", "deterministic"):
        sim = simulate_deferred(np.tile(items, WEEKS), AHT_S, cap, INTERVAL_MIN,
                                np.tile(is_open, WEEKS), deadline_h=DEADLINE_H,
                                service=service, seed=EVAL_SEED, replications=replications)
        rows[service] = (sim, weekly_shares(sim, items.size))
    # the programme alone (no margin), for comparison: capacity = the expected work
    bare = deferred_capacity(items, AHT_S, INTERVAL_MIN, is_open, deadline_h=DEADLINE_H,
                             deadline_share=SHARE, cyclic=True)
    sim = simulate_deferred(np.tile(items, WEEKS), AHT_S, np.tile(bare.capacity_agents, WEEKS),
                            INTERVAL_MIN, np.tile(is_open, WEEKS), deadline_h=DEADLINE_H,
                            seed=EVAL_SEED, replications=replications)
    rows[f"exponential, no margin (ratio {bare.ratio_to_bound:.4f})"] = (
        sim, weekly_shares(sim, items.size))
    daily = cal.plan.capacity_agents.reshape(7, 48)[:5, 16:36]
    return ts, items, cal, rows, daily, plan_s


def blending_part():
    q = bank_week("2003-03-03")
    calls = q.to_numpy(float)
    a = offered_load(calls, VOICE_AHT_S, 15)
    n = required_agents(a, VOICE_AHT_S, ServiceTarget(sl_target=0.8, sl_threshold_s=20))
    base = erlang_c.kpis(n, a, VOICE_AHT_S, 20)["service_level"]
    sl_blend = np.empty(a.size)
    out_erl = np.empty(a.size)
    thr = np.empty(a.size, int)
    t0 = time.perf_counter()
    for i in range(a.size):
        choice = best_threshold(int(n[i]), a[i], VOICE_AHT_S, max(base[i] - 0.01, 1e-9),
                                sl_threshold_s=20)
        thr[i] = choice.threshold
        sl_blend[i] = choice.kpis["service_level"]
        out_erl[i] = choice.kpis["outbound_erl"]
    secs = time.perf_counter() - t0
    w = calls / calls.sum()
    idle_h = float(((n - a) * 0.25).sum())
    small = []
    for thr_s in (16, 4, 2):
        small.append((thr_s, blending_kpis(16, 12.0, 180.0, thr_s, aht_out_s=360.0)))
    small_choice = best_threshold(16, 12.0, 180.0, float(erlang_c.kpis(16, 12.0, 180.0, 20)[
        "service_level"]) - 0.01, aht_out_s=360.0)
    return {
        "sl_without": float((w * base).sum()), "sl_with": float((w * sl_blend).sum()),
        "max_interval_drop": float((base - sl_blend).max()),
        "deferred_agent_h": float((out_erl * 0.25).sum()), "idle_agent_h": idle_h,
        "agent_h": float((n * 0.25).sum()), "thresholds": thr, "seconds": secs,
        "intervals": a.size, "small": small, "small_choice": small_choice,
    }


def fold_closed(items: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """Items of closed intervals moved to the next open one (cyclically): where the
    deadline programme's business clock starts them (erlang.deferred)."""
    open_ix = np.flatnonzero(is_open)
    pos = np.searchsorted(open_ix, np.arange(items.size)) % open_ix.size
    out = np.zeros(items.size)
    np.add.at(out, open_ix[pos], items)
    return out


def slot_capacity(solutions, t0: pd.Timestamp, n_slots: int) -> np.ndarray:
    """Agents working per slot of the week (net of breaks) from day solutions."""
    g = solutions[0].problem.slot_min
    cap = np.zeros(n_slots)
    for sol in solutions:
        first = int((pd.Timestamp(sol.problem.key[-1]) - t0) / pd.Timedelta(minutes=g)) \
            + sol.problem.day_start_min // g
        cap[first:first + sol.problem.n_slots] = sol.coverage
    return cap


def window_part(ts, items, is_open, cal, replications: int):
    """The calibrated plan as a fixed requirement for the shift programme, against the
    same work covered anywhere in its deadline window (shifts.deferred_window), both
    simulated on the evaluation seed at the programme's 15-min slots (an interval's
    Poisson arrivals, uniform in it, are two half-rate ones in its halves: the same
    arrival process)."""
    import shifts
    from erlang.deferred import requirement_frame
    from shifts.deferred_window import schedule_window
    from shifts.model import solve_days
    from shifts.requirements import check_requirements, day_problems

    rf = requirement_frame(cal.plan, ts, queue="email", channel="email")
    rf["offered"] = fold_closed(items, is_open)
    rf = rf[rf["open"]].drop(columns=["open"])
    rf["interval_start"] = rf["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    rules = shifts.Rules()
    req, interval_min = check_requirements(rf, "email requirement")
    problems, _ = day_problems(req, interval_min, rules)
    t0 = time.perf_counter()
    fixed = solve_days(problems, rules, workers=1)
    fixed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    win = schedule_window(rf, rules, work_scale=1 + cal.margin)
    win_s = time.perf_counter() - t0
    g = problems[0].slot_min
    per = INTERVAL_MIN // g
    out = {"fixed_paid_h": float(sum(s.paid_hours for s in fixed)),
           "window_paid_h": win.paid_hours, "fixed_s": fixed_s, "window_s": win_s,
           "late_agent_h": win.late_agent_h, "status": sorted({d.day.status for d in win.days}
                                                              | {s.status for s in fixed})}
    slot_items = np.repeat(items / per, per)
    slot_open = np.repeat(is_open, per)
    for name, sols in (("fixed", fixed), ("window", [d.day for d in win.days])):
        cap = slot_capacity(sols, pd.Timestamp(ts[0]), items.size * per)
        sim = simulate_deferred(np.tile(slot_items, WEEKS), AHT_S, np.tile(cap, WEEKS),
                                g, np.tile(slot_open, WEEKS), deadline_h=DEADLINE_H,
                                seed=EVAL_SEED, replications=replications)
        out[name] = (sim, weekly_shares(sim, slot_items.size), float(cap.sum()) * g / 60)
    return out


def blend_forecast():
    """The bank bench week's voice (30-min, 07:00-21:00, AHT 300 s) and email on the same
    days, 08:00-18:00, the email week's shape and day totals (items of 300 s: the blending
    chain's closed form)."""
    q = bank_week("2003-03-03")
    q = q.groupby(q.index.floor("30min")).sum()          # 30-min intervals, 07:00-21:00
    ts = q.index
    hour = np.asarray(ts.hour + ts.minute / 60.0)
    biz = (hour >= 8) & (hour < 18)
    shape = (0.25 + np.exp(-0.5 * ((hour - 11.0) / 3.0) ** 2)
             + 0.6 * np.exp(-0.5 * ((hour - 15.5) / 2.5) ** 2)) * biz
    dow = np.asarray(ts.day_of_week)
    day_sum = pd.Series(shape).groupby(dow).transform("sum").to_numpy()
    items = np.asarray(DAY_ITEMS, float)[dow] * shape / day_sum
    voice = pd.DataFrame({"interval_start": ts.strftime("%Y-%m-%d %H:%M"), "queue": "bank",
                          "channel": "voice", "offered": q.to_numpy(float),
                          "aht_s": VOICE_AHT_S})
    mail = pd.DataFrame({"interval_start": ts[biz].strftime("%Y-%m-%d %H:%M"),
                         "queue": "mail", "channel": "email", "offered": items[biz],
                         "aht_s": VOICE_AHT_S})
    return pd.concat([voice, mail], ignore_index=True)


def blend_staffing_part(replications: int, workdir: Path):
    """wfm staff's path with and without ``blend_with`` (wfmplan.staffing.staff_blended),
    and the email's share by the deadline at its own agents plus the voice team's idle
    time, simulated on the evaluation seed."""
    from wfmcore.config import load_config
    from wfmplan.staffing import blending_figures, read_forecast, staff_blended

    workdir.mkdir(parents=True, exist_ok=True)
    blend_forecast().to_csv(workdir / "forecast.csv", index=False)
    (workdir / "plain.toml").write_text("[queues.mail]\ndeadline_h = 8\n")
    (workdir / "blend.toml").write_text('[queues.mail]\ndeadline_h = 8\nblend_with = "bank"\n')
    forecast = read_forecast(workdir / "forecast.csv")
    out = {"items": float(forecast.frame.loc[forecast.frame["queue"] == "mail",
                                             "offered"].sum())}
    for name in ("plain", "blend"):
        t0 = time.perf_counter()
        frame = staff_blended(forecast, load_config(workdir / f"{name}.toml")).frame
        secs = time.perf_counter() - t0
        mail = frame[frame["queue"] == "mail"]
        voice = frame[frame["queue"] == "bank"]
        h = 0.5                                               # hours an interval
        start = pd.to_datetime(mail["interval_start"])
        week = pd.date_range("2003-03-03", periods=7 * 48, freq="30min")
        is_open = np.isin(week, start)
        pos = np.searchsorted(week, start)
        items, cap = np.zeros(week.size), np.zeros(week.size)
        items[pos] = mail["offered"].to_numpy()
        cap[pos] = mail["agents"].to_numpy(float) + (
            mail["blend_free_agents"].to_numpy() if "blend_free_agents" in mail else 0.0)
        sim = simulate_deferred(np.tile(items, WEEKS), VOICE_AHT_S, np.tile(cap, WEEKS), 30,
                                np.tile(is_open, WEEKS), deadline_h=DEADLINE_H,
                                seed=EVAL_SEED, replications=replications)
        drop = (voice["blend_service_level_without"] - voice["blend_service_level"]).max() \
            if "blend_service_level" in voice else 0.0
        out[name] = {"mail_agent_h": float(mail["agents"].sum() * h),
                     "voice_agent_h": float(voice["agents"].sum() * h),
                     "seconds": secs, "sim": sim, "weeks": weekly_shares(sim, week.size),
                     "max_drop": float(drop), **blending_figures(frame, 30)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--workdir", default="/tmp/wfm_bench_deferred",
                    help="where the blending part writes its forecast and wfm.toml")
    args = ap.parse_args()

    ts, items, cal, rows, daily, plan_s = deferred_part(args.replications)
    plan = cal.plan
    exp_sim, exp_weeks = rows["exponential"]
    det_sim, det_weeks = rows["deterministic"]
    lines = [
        f"Email: {items.sum():.0f} items a week ({items.sum() / 5:.0f} per business day), "
        f"AHT {AHT_S / 60:g} min, {SHARE:.0%} within {DEADLINE_H:g} business hours (8-18 "
        f"Mon-Fri), {INTERVAL_MIN}-min intervals, {WEEKS} weeks x {args.replications} "
        "replications.",
        "",
        f"- LP bound: {cal.lp_bound_agent_h:.2f} agent-h a week (work arriving: "
        f"{plan.workload_agent_h / (1 + cal.margin):.2f}); whole-agent capacity "
        f"{plan.capacity_agent_h:.2f} agent-h: ratio {cal.ratio_to_bound:.4f} "
        f"(work margin {cal.margin:.1%} found by simulation on seed {CAL_SEED}; "
        f"plan in {plan_s:.0f} s)",
        "- capacity, agents per interval Mon-Fri 8-18 (whole agents): "
        + "; ".join(f"{d} {' '.join(str(int(v)) for v in row)}"
                    for d, row in zip(("Mon", "Tue", "Wed", "Thu", "Fri"), daily, strict=True)),
        "",
        f"Simulated on the evaluation seed {EVAL_SEED} (EDF):",
        "",
        "| handle times | share by deadline (8 weeks) | 95 % CI | per week | lowest week | "
        "end backlog | utilisation |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (sim, weeks) in rows.items():
        lines.append(
            f"| {name} | {sim.share:.2%} | {sim.share_lo:.2%}-{sim.share_hi:.2%} | "
            + " ".join(f"{s:.1%}" for s in weeks)
            + f" | {weeks.min():.2%} | {sim.backlog_end_items:.1f} | {sim.utilisation:.1%} |")
    ok_share = exp_weeks.min() >= SHARE and det_weeks.min() >= SHARE
    ok_ratio = cal.ratio_to_bound <= 1.02
    lines += ["", "The end backlog is the weekend's arrivals waiting for Monday (the horizon "
              "ends on Sunday); without a margin the backlog is a random walk without drift "
              "and the share falls week after week.",
              "", f"Acceptance (calibrated plan): every week >= {SHARE:.0%}: "
              f"{'yes' if ok_share else 'NO'}; capacity within 2 % of the LP bound: "
              f"{'yes' if ok_ratio else 'NO'}."]

    b = blending_part()
    lines += [
        "",
        "Blending, bank week 2003-03-03 (Mon-Fri, 15-min intervals 07:00-21:00, AHT 300 s, "
        "Erlang C 80/20 per interval), threshold per interval = the smallest keeping the "
        "service level within one point of the unblended one, back-office items of 300 s:",
        "",
        "| voice SL without blending | with blending | largest drop in an interval | "
        "deferred work done from idle time | idle agent time without blending | "
        "staffed agent time | median threshold |",
        "|---|---|---|---|---|---|---|",
        f"| {b['sl_without']:.2%} | {b['sl_with']:.2%} | {100 * b['max_interval_drop']:.2f} "
        f"points | {b['deferred_agent_h']:.0f} agent-h ({b['deferred_agent_h'] * 12:.0f} "
        f"items) | {b['idle_agent_h']:.0f} agent-h | {b['agent_h']:.0f} agent-h | "
        f"{int(np.median(b['thresholds']))} |",
        "",
        f"({b['intervals']} intervals, exact birth-death chain, {b['seconds']:.1f} s.) Small "
        "team, 2-D chain (N = 16, 12 Erlangs, AHT 3 min, deferred items 6 min, T = 20 s):",
        "",
        "| threshold | SL | ASA (s) | occupancy | deferred items per hour |",
        "|---|---|---|---|---|",
    ]
    for thr_s, k in b["small"]:
        lines.append(f"| {thr_s} | {k['service_level']:.2%} | {k['asa_s']:.1f} | "
                     f"{k['occupancy']:.2%} | {k['outbound_per_min'] * 60:.1f} |")
    c = b["small_choice"]
    lines += [f"| {c.threshold} (chosen: within one point of no blending) | "
              f"{c.kpis['service_level']:.2%} | {c.kpis['asa_s']:.1f} | "
              f"{c.kpis['occupancy']:.2%} | {c.kpis['outbound_per_min'] * 60:.1f} |"]
    ok_blend = b["sl_without"] - b["sl_with"] <= 0.01 + 1e-12
    lines += ["", f"Acceptance: voice SL moves by no more than one point: "
              f"{'yes' if ok_blend else 'NO'}."]

    bs = blend_staffing_part(args.replications, Path(args.workdir))
    p, q = bs["plain"], bs["blend"]
    lines += [
        "",
        "Blending in staffing (`wfm staff` / `wfm plan`: `blend_with = \"bank\"` on the email "
        "queue, defaults blend_max_sl_drop 0.01, blend_max_occupancy 0.9): the bank week's "
        "voice at 30-min intervals (Erlang C 80/20) and email on the same days 08:00-18:00 "
        f"({bs['items']:,.0f} items of 300 s, 95 % within 8 business hours); the email's "
        "share simulated "
        "at its own "
        f"agents plus the voice team's idle time, {WEEKS} weeks x {args.replications} "
        f"replications, seed {EVAL_SEED}:",
        "",
        "| | email agent-h of its own | done in voice idle time | voice agent-h | voice SL "
        "(chain) with / without blending | largest drop in an interval | email share by "
        "deadline | lowest week | staffing time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in (("without blend_with", p), ("with blend_with", q)):
        sl = (f"{r['blend_voice_service_level']:.2%} / "
              f"{r['blend_voice_service_level_without']:.2%}"
              if r["blend_voice_service_level"] == r["blend_voice_service_level"] else "-")
        lines.append(f"| {name} | {r['mail_agent_h']:.2f} | {r['blended_agent_h']:.2f} agent-h "
                     f"(of {r['blend_free_agent_h']:.2f} on offer) | {r['voice_agent_h']:.2f} | "
                     f"{sl} | {100 * r['max_drop']:.2f} points | {r['sim'].share:.2%} | "
                     f"{r['weeks'].min():.2%} | {r['seconds']:.0f} s |")
    ok_staff = (q["blend_voice_service_level_without"] - q["blend_voice_service_level"]
                <= 0.01 + 1e-12 and q["max_drop"] <= 0.01 + 1e-12
                and q["weeks"].min() >= SHARE)
    lines += ["", "Acceptance (blending in staffing): voice SL moves by no more than one point "
              "and the email share holds every week: "
              f"{'yes' if ok_staff else 'NO'}."]

    w = window_part(ts, items, business_hours(ts), cal, args.replications)
    saved = w["fixed_paid_h"] - w["window_paid_h"]
    lines += [
        "",
        "The email plan in the shift programme (default 4/6/8-h shifts with breaks, 15-min "
        "slots): covering the calibrated plan's capacity as a fixed requirement per interval, "
        "against covering the same work (x (1 + margin)) anywhere in its 8-business-hour "
        "window (`shifts/deferred_window.py`); simulated at the schedules' slots on the "
        f"evaluation seed ({WEEKS} weeks x {args.replications} replications):",
        "",
        "| requirement | paid hours | agent-h working | share by deadline | lowest week | "
        "solve time |",
        "|---|---|---|---|---|---|",
        f"| fixed per interval | {w['fixed_paid_h']:.1f} | {w['fixed'][2]:.2f} | "
        f"{w['fixed'][0].share:.2%} | {w['fixed'][1].min():.2%} | {w['fixed_s']:.1f} s |",
        f"| inside the deadline window | {w['window_paid_h']:.1f} | {w['window'][2]:.2f} | "
        f"{w['window'][0].share:.2%} | {w['window'][1].min():.2%} | {w['window_s']:.1f} s |",
        "",
        f"Paid hours saved by the window: {saved:.1f} ({saved / w['fixed_paid_h']:.1%}); "
        f"late work left by the window programme: {w['late_agent_h']:.2f} agent-h; solver "
        f"status: {', '.join(w['status'])}.",
    ]
    ok_window = w["window"][1].min() >= SHARE and saved >= 0
    lines += ["", "Acceptance (deadline window): every week >= 95 % and no more paid hours "
              f"than the fixed requirement: {'yes' if ok_window else 'NO'}."]
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    text = "\n".join(["## Deferred work and blending (bench/bench_deferred.py)", "",
                      f"Machine: {machine}. Run: `.venv/bin/python bench/bench_deferred.py`.",
                      "", *lines])
    print(text)
    if not args.no_write:
        write_section("deferred", text)


if __name__ == "__main__":
    main()
