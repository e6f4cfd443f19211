"""Forecast benchmark on the real bank call data (issue 3, "Goals").

Protocol: 10 weekly origins over the last 10 weeks of data/bank_calls_5min.csv, each
forecasting the next business week from everything before it; MASE scaled by the in-sample
weekly seasonal-naive MAE (per origin, then averaged); 80 % intervals calibrated on the 8
weeks before each origin; US public holidays as the history last saw them (closed, or open),
a holiday the history never saw forecast open (``forecast/calendar.py``). Every interval of
the data in an evaluation week is scored, including days the calendar calls holidays
(issue 11: leaving out a day that ``run_forecast`` forecast closed hid the Columbus Day
2003-10-13 error; an interval left out counts as 0). The end-to-end table also runs the late
window with the bank's one closure in it (Labor Day 2003-09-01) in a special-days file, as a
planner who knows the centre would give it. All wfm
models, ``auto``, seasonal naive and the 8-week same-weekday average in the same run, at
5/15/30/60-minute levels.
Also: the 10 origins *before* those (the window on which ``auto``'s rule was chosen; the
last 10 weeks are the out-of-sample check), holiday-affected weeks, synthetic series (trend;
7-day centre; the three queues of data/synthetic_calls.csv), and timings on one core.

Peers (optional, never a dependency of wfm): statsforecast AutoETS and MSTL on the same
folds, run in a separate virtualenv ``bench/.peer-venv``, which the script creates and fills
from the package registry on first use (``bench/_results.py: ensure_peer``).

The peers see what libraries see: the series of open intervals (closed days and hours left
out, days concatenated), seasonal periods of one day and one week of open intervals, and
forecast the open intervals of the next week. Without the venv they are skipped with a note.

Run:  .venv/bin/python bench/bench_forecast.py   (writes its section of bench/RESULTS.md)

wfm's packages are imported inside the functions that use them: the same file runs the peers
in ``bench/.peer-venv``, where wfm is not installed.
"""

from __future__ import annotations

import functools
import os

# "one core" (issue 3): BLAS threads only add overhead on these small matrices; on a busy
# 2-CPU machine a multi-threaded OpenBLAS doubles run_forecast's wall time.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import pickle  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / "bench" / ".peer-venv" / "bin" / "python"
BANK = ROOT / "data" / "bank_calls_5min.csv"
LEVELS = (5, 15, 30, 60)
PEER_LEVELS = (15, 30, 60)
PUBLISHED = ("Published on this protocol (issue 3): seasonal naive 1.12-1.15, the 8-week "
             "same-weekday average 0.88-0.92, statsforecast MSTL/AutoETS, Prophet, TBATS, "
             "dynamic harmonic regression 0.94-1.2; Shen & Huang (2008)-type models about "
             "25-28 % better than seasonal naive (~0.82).")


# --- peers (run inside bench/.peer-venv: only numpy, pandas, statsforecast) ------------------

def peer_main(inp: str, out: str) -> None:
    """Forecast every job in ``inp`` with AutoETS and MSTL; write {key: {model: array}}."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    jobs = pickle.loads(Path(inp).read_bytes())
    result = {}
    for key, y, k, steps in jobs:
        df = pd.DataFrame({"unique_id": "s", "ds": np.arange(len(y)), "y": y})
        res = {}
        for name, model in (("statsforecast AutoETS", AutoETS(season_length=k)),
                            ("statsforecast MSTL", MSTL(season_length=[k, 5 * k]))):
            t0 = time.perf_counter()
            f = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=df, h=steps)
            res[name] = (np.maximum(f.iloc[:, -1].to_numpy(float), 0.0),
                         time.perf_counter() - t0)
        result[key] = res
        print(key, flush=True)
    Path(out).write_bytes(pickle.dumps(result))


def peer_jobs(panel, origins, minutes):
    """(key, training series of open intervals, intervals a day, steps) per origin."""
    jobs = []
    for o in origins:
        train = panel.truncate(o)
        open_ = train.slot_open.any(axis=0)
        y = np.nan_to_num(train.Y[:, open_]).ravel()
        test = (panel.days >= o) & (panel.days < o + pd.Timedelta(days=7))
        jobs.append(((minutes, o), y, int(open_.sum()), int(test.sum() * open_.sum())))
    return jobs


def run_peers(jobs):
    from _results import ensure_peer

    if ensure_peer("statsforecast") is None:
        return None, ("statsforecast peers skipped: it could not be installed into "
                      "`bench/.peer-venv` (never a dependency of wfm).")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "jobs.pkl", Path(tmp) / "out.pkl"
        inp.write_bytes(pickle.dumps(jobs))
        env = dict(os.environ, PYTHONPATH="")
        r = subprocess.run([str(PEER_PY), __file__, "--peer", str(inp), str(out)],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"statsforecast peers failed: {r.stderr.strip().splitlines()[-1:]}"
        version = subprocess.run([str(PEER_PY), "-c", "import statsforecast as s; "
                                  "print(s.__version__)"], capture_output=True,
                                 text=True).stdout.strip()
        return pickle.loads(out.read_bytes()), (
            f"statsforecast {version} (bench/.peer-venv), default settings. Note: AutoETS "
            "leaves out the seasonal ETS forms when the season is long (statsforecast, like "
            "R's ets); at 15 min (56 intervals a day) it fitted ETS(A,Ad,N), a flat line, at "
            "every origin, hence its MASE near 10 there: reported as run, but MSTL is the "
            "meaningful peer at that level.")


def score_peer(panel, o, fc):
    """MASE, absolute error, calls of a peer forecast of the open intervals after ``o``."""
    from forecast.metrics import weekly_naive_scale
    train = panel.truncate(o)
    open_ = train.slot_open.any(axis=0)
    test = (panel.days >= o) & (panel.days < o + pd.Timedelta(days=7))
    A = panel.Y[test][:, open_]
    F = fc.reshape(A.shape)
    ok = ~np.isnan(A)
    scale = weekly_naive_scale(train.days, train.Y)
    err = np.abs(A[ok] - F[ok])
    return err.mean() / scale, err.sum(), A[ok].sum()


# --- wfm ------------------------------------------------------------------------------------

def bank_at(h, minutes, skip_last=0):
    """The bank History at ``minutes``, without its last ``skip_last`` weeks."""
    import forecast
    h = h if minutes == 5 else forecast.aggregate(h, minutes)
    if skip_last:
        t = h.frame["interval_start"]
        cut = t.max().normalize() - pd.Timedelta(days=7 * skip_last - 1)
        h = replace(h, frame=h.frame[t < cut].reset_index(drop=True))
    return h


def us_panel(history):
    """The panel of a one-queue History with US public holidays."""
    from forecast.calendar import Calendar
    from forecast.panel import build_panel
    return build_panel(history.frame, history.interval_min, Calendar(country="US"))


def erlang_c():
    """The staffing model that prices errors in agents: Erlang C at 80 % in 20 s."""
    import erlang
    return functools.partial(erlang.required_agents, target=erlang.ServiceTarget())


def run_level(h, minutes, folds, skip_last=0):
    from forecast.backtest import backtest
    from forecast.models import _FIT_CACHE, candidates
    panel = us_panel(bank_at(h, minutes, skip_last))
    _FIT_CACHE.clear()        # honest timings: no day-level fits reused from another level
    t0 = time.perf_counter()
    r = backtest(panel, candidates(), folds=folds, cal_folds=8, level=0.8, staffing=erlang_c())
    return r, time.perf_counter() - t0, panel


def holiday_weeks(panel, fold_df):
    """Origins whose forecast week contains a closure or a day right after one."""
    t = panel.table
    out = []
    for o in sorted(fold_df["origin"].unique()):
        w = t.loc[o:o + pd.Timedelta(days=6)]
        if (w["status"] == "closed").any() or w[["post_closure1", "pre_closure"]].any().any():
            out.append(o)
    return out


def synthetic_panels():
    import forecast
    from forecast.panel import build_panel
    from forecast.synthetic import poisson_history
    f, _ = poisson_history(weeks=30, seed=21, trend_per_week=1.02)   # +2 % calls a week
    h = forecast.read_history(f)
    yield "trend (weekdays, +2 %/week, 30 weeks)", build_panel(h.frame, h.interval_min)
    f, _ = poisson_history(weeks=30, seed=22,
                           weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.5, 0.35))
    h = forecast.read_history(f)
    yield "7-day centre (30 weeks)", build_panel(h.frame, h.interval_min)
    s = forecast.read_history(ROOT / "data" / "synthetic_calls.csv")
    for q, g in s.frame.groupby("queue"):
        g = g.drop(columns="queue").reset_index(drop=True)
        yield (f"data/synthetic_calls.csv `{q}` (12 weeks)",
               us_panel(replace(s, frame=g)))


def table_lines(t, extra):
    lines = ["| model | MASE | vs seasonal naive | WAPE | bias | 80 % coverage | MASE "
             "holiday weeks | agents MAE | understaffed | fit+forecast s (median) | winner |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in t.itertuples():
        name = f"auto ({row.chosen})" if row.model == "auto" else row.model
        lines.append(f"| {name} | {row.mase:.3f} | {row.vs_naive:+.1%} | {row.wape:.3f} | "
                     f"{row.bias:+.3f} | {row.coverage:.3f} | {row.mase_holiday_weeks:.3f} | "
                     f"{row.agents_mae:.2f} | {row.understaffed:.3f} | "
                     f"{row.fit_s_median:.3f} | {'yes' if row.winner else ''} |")
    for name, (m, w, s) in extra.items():
        lines.append(f"| {name} (peer) | {m:.3f} | | {w:.3f} | | | | | | {s:.3f} | |")
    return lines


def window(h, minutes, skip_last, peers):
    """Backtest one level on one 10-week window; peers' rows if they ran."""
    r, wall, panel = run_level(h, minutes, folds=10, skip_last=skip_last)
    t = r.table.copy()
    sn = float(t.loc[t.model == "seasonal_naive", "mase"].iloc[0])
    t["vs_naive"] = t["mase"] / sn - 1
    hol = holiday_weeks(panel, r.folds)
    fh = r.folds[r.folds.origin.isin(hol)]
    t["mase_holiday_weeks"] = t.model.map(fh.groupby("model")["mase"].mean())
    extra = {}
    if peers is not None and minutes in PEER_LEVELS:
        origins = sorted(r.folds["origin"].unique())
        for name in ("statsforecast AutoETS", "statsforecast MSTL"):
            sc = [score_peer(panel, o, peers[(minutes, o)][name][0]) for o in origins]
            extra[name] = (float(np.mean([s[0] for s in sc])),
                           sum(s[1] for s in sc) / sum(s[2] for s in sc),
                           statistics.median(peers[(minutes, o)][name][1] for o in origins))
    return t, extra, wall, hol, r


LABOR_DAY = pd.DataFrame({"date": ["2003-09-01"], "kind": ["closed"]})


def end_to_end(h, minutes, origins, special_days=None):
    """What a user gets: ``run_forecast(history before o, country='US')`` for every day up to
    ``o`` + 7 days at each origin (its own 8-week evidence, auto choice and calibration),
    scored on **every interval of the data in the 7 days from o**, holidays included: an
    interval the forecast leaves out (a day forecast closed that had calls) counts as a
    forecast of 0 calls with a [0, 0] interval; ``special_days`` as for run_forecast.
    Returns (mean MASE, 80 % coverage, median seconds per call, intervals that
    were scored as 0 because the forecast left them out)."""
    import forecast
    from forecast.metrics import weekly_naive_scale
    from forecast.models import _FIT_CACHE
    fr = bank_at(h, minutes)
    panel = us_panel(fr)
    mases, inside, n, secs, left_out = [], 0, 0, [], 0
    for o in origins:
        hist = replace(fr, frame=fr.frame[fr.frame["interval_start"] < o].reset_index(drop=True))
        days = (o + pd.Timedelta(days=7) - hist.frame["interval_start"].max().normalize()).days - 1
        _FIT_CACHE.clear()
        t0 = time.perf_counter()
        fc = forecast.run_forecast(hist, horizon=int(days), country="US",
                                   special_days=special_days).frame
        secs.append(time.perf_counter() - t0)
        j = scored_week(fr.frame, fc, o)
        left_out += int(j["missing"].sum())
        train = panel.truncate(o)
        mases.append(np.mean(np.abs(j.y - j.offered)) / weekly_naive_scale(train.days, train.Y))
        inside += int(((j.y >= j.offered_lo80) & (j.y <= j.offered_hi80)).sum())
        n += len(j)
    return float(np.mean(mases)), inside / n, statistics.median(secs), left_out


def scored_week(actual: pd.DataFrame, fc: pd.DataFrame, origin) -> pd.DataFrame:
    """Every row of ``actual`` (interval_start, offered) in the 7 days from ``origin`` as
    ``y``, with the forecast's ``offered``, ``offered_lo80``, ``offered_hi80`` (0 where the
    forecast has no row; ``missing`` marks those)."""
    t = actual["interval_start"]
    week = actual[(t >= origin) & (t < origin + pd.Timedelta(days=7))]
    j = week[["interval_start", "offered"]].rename(columns={"offered": "y"}).merge(
        fc[["interval_start", "offered", "offered_lo80", "offered_hi80"]],
        on="interval_start", how="left")
    j["missing"] = j["offered"].isna()
    return j.fillna({"offered": 0.0, "offered_lo80": 0.0, "offered_hi80": 0.0})


def main():
    from _results import write_section

    import forecast
    from forecast.backtest import AUTO_BLEND, backtest, weekly_origins
    from forecast.models import _FIT_CACHE, candidates

    load0 = os.getloadavg()[0]
    h = forecast.read_history(BANK)
    # peers first, in the background process's own interpreter
    jobs = []
    for minutes in PEER_LEVELS:
        for skip in (0, 10):
            panel = us_panel(bank_at(h, minutes, skip))
            jobs += peer_jobs(panel, weekly_origins(panel, 10, 7), minutes)
    t0 = time.perf_counter()
    peers, peer_note = run_peers(jobs)
    peer_wall = time.perf_counter() - t0
    print(peer_note, f"({peer_wall:.0f} s)")

    lines = ["# Forecast benchmark (bank call data)", "",
             f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
             f"statsmodels {__import__('statsmodels').__version__}; one BLAS thread "
             f"(`OPENBLAS_NUM_THREADS=1`); load average at start {load0:.2f} (timings are "
             "wall-clock, single process, on a machine shared with other jobs). "
             "Run: `.venv/bin/python bench/bench_forecast.py`.", "",
             "Protocol: last 10 weeks of `data/bank_calls_5min.csv`, 10 weekly origins, "
             "forecast the next business week from everything before; MASE = MAE / in-sample "
             "weekly seasonal-naive MAE (per origin, averaged); every interval of the data in "
             "the week scored, holiday or not; WAPE and bias pooled; 80 % "
             "intervals calibrated on the 8 weeks before each origin; `--country US`; agents "
             "MAE and understaffed share: Erlang C at 80/20 with AHT 300 s. At 15/30/60 min "
             "the partial last interval of the day (21:00, only 21:00-21:05 in the data) is "
             "left out, as `wfm forecast` does.", "",
             f"`auto` = equal-weight mean of the {AUTO_BLEND} models with the lowest MASE over "
             f"the 8 earlier weeks, else the best single model, never one worse than the best "
             f"baseline by MASE or bias (`forecast/backtest.py: select_auto`; see AUTO_BLEND "
             f"for the rules "
             f"compared and how the choice was made on the earlier window below and synthetic "
             f"series, never on the last 10 weeks). The day-total models (`day_profile`, "
             f"`svd`) carry a turn-of-the-month effect (`forecast/calendar.py: MONTH_TURN`, "
             f"sized on days before 2003-08-16).",
             "", PUBLISHED, "", f"Peers: {peer_note}", ""]
    walls, summary = {}, {}
    for minutes in LEVELS:
        t, extra, wall, hol, r = window(h, minutes, 0, peers)
        walls[minutes] = wall
        summary[("late", minutes)] = (t, extra)
        print(f"\n== {minutes}-minute intervals (backtest {wall:.1f} s; holiday-affected "
              f"weeks: {', '.join(f'{o:%m-%d}' for o in hol)})")
        print(t[["model", "mase", "vs_naive", "wape", "bias", "coverage", "mase_holiday_weeks",
                 "agents_mae", "understaffed", "fit_s_median", "winner"]].round(3)
              .to_string(index=False))
        for k, v in extra.items():
            print(f"  {k}: MASE {v[0]:.3f}, WAPE {v[1]:.3f}, {v[2]:.2f} s a fit")
        lines += [f"## {minutes}-minute intervals, last 10 weeks (origins "
                  f"{min(r.folds.origin):%Y-%m-%d} .. {max(r.folds.origin):%Y-%m-%d})", "",
                  f"Backtest wall time {wall:.1f} s (4 models x 18 origins). Holiday-affected "
                  f"weeks (closure in or next to the week): "
                  f"{', '.join(f'{o:%Y-%m-%d}' for o in hol)}.", ""]
        lines += table_lines(t, extra)
        per_fold = r.folds.pivot(index="origin", columns="model", values="mase")
        lines += ["", "<details><summary>MASE per origin</summary>", "",
                  "```\n" + per_fold.round(3).to_string() + "\n```", "", "</details>", ""]

    # the 10 origins before the last 10 weeks: where auto's rule was checked and chosen
    lines += ["## Earlier 10 weeks (origins 2003-06-07 .. 2003-08-09)", "",
              "Same protocol on the 10 weeks before the evaluation window (the history then "
              "starts 14-23 weeks before each origin).", ""]
    for minutes in LEVELS:
        t, extra, _, _, _ = window(h, minutes, 10, peers)
        summary[("early", minutes)] = (t, extra)
        lines += [f"### {minutes} min", ""] + table_lines(t, extra) + [""]
        print(f"earlier 10 weeks, {minutes} min:", t.set_index("model")["mase"].round(3).to_dict(),
              {k: round(v[0], 3) for k, v in extra.items()})

    lines += ["## Summary: MASE of auto and its rivals, both windows", "",
              "| window | level | auto | 80 % coverage | best single wfm model | 8-week weekday "
              "average | seasonal naive | best peer | auto vs best peer |",
              "|---|---|---|---|---|---|---|---|---|"]
    for (win, minutes), (t, extra) in summary.items():
        m = t.set_index("model")
        single = m.drop(index="auto")["mase"]
        bp = min(extra.values(), key=lambda v: v[0])[0] if extra else float("nan")
        bp_name = min(extra, key=lambda k: extra[k][0]).split()[-1] if extra else "-"
        lines.append(f"| {win} | {minutes} min | {m.loc['auto', 'mase']:.3f} | "
                     f"{m.loc['auto', 'coverage']:.3f} | {single.idxmin()} {single.min():.3f} | "
                     f"{m.loc['weekday_avg8', 'mase']:.3f} | {m.loc['seasonal_naive', 'mase']:.3f}"
                     f" | {bp_name} {bp:.3f} | "
                     + (f"{m.loc['auto', 'mase'] / bp - 1:+.1%}" if extra else "-") + " |")

    lines += ["", "## End to end: `run_forecast` at every origin", "",
              "What a user of `wfm forecast --horizon 1w --country US` gets: at each origin "
              "the history before it goes through `run_forecast` (its own 8-week evidence with "
              "the variances estimated once, auto choice, calibration, final fits). Differs "
              "from the backtest's auto above only in those evidence fits and in the calendar: "
              "every interval of the data in the forecast week is scored, holidays included: "
              "an interval the forecast leaves out (a day forecast closed that had calls) "
              "counts as 0 calls with a [0, 0] interval. A holiday the history never saw is "
              "forecast open (Columbus Day 2003-10-13, on which the bank was open, and Labor "
              "Day 2003-09-01, on which it was closed: then the Tuesday's catch-up after the "
              "closure is missed). 'late + Labor Day' gives that closure in a special-days "
              "file.", "",
              "| window | level | MASE | 80 % coverage | seconds per run_forecast (median) | "
              "intervals forecast closed but open |",
              "|---|---|---|---|---|---|"]
    for minutes in PEER_LEVELS:
        pan = us_panel(bank_at(h, minutes))
        origins = weekly_origins(pan, 20, 7)
        for win, orig, sd in (("early", origins[:10], None), ("late", origins[10:], None),
                              ("late + Labor Day", origins[10:], LABOR_DAY)):
            m, c, sec, gone = end_to_end(h, minutes, orig, sd)
            lines.append(f"| {win} | {minutes} min | {m:.3f} | {c:.3f} | {sec:.2f} | {gone} |")
            print(f"end to end {win} {minutes} min: MASE {m:.3f} coverage {c:.3f} {sec:.2f} s, "
                  f"{gone} intervals forecast closed")

    lines += ["", "## Synthetic series (Poisson; 10 origins, or as many as the history allows)",
              "", "| series | " + " | ".join(m.name for m in candidates()) + " | auto | "
              "auto coverage | auto members |", "|---" * (len(candidates()) + 4) + "|"]
    for name, panel in synthetic_panels():
        t = backtest(panel, candidates(), folds=10, cal_folds=8).table.set_index("model")
        lines.append(f"| {name} | " + " | ".join(
            f"{t.loc[c.name, 'mase']:.3f}" if c.name in t.index else "-" for c in candidates())
            + f" | {t.loc['auto', 'mase']:.3f} | {t.loc['auto', 'coverage']:.3f} | "
            f"{t.loc['auto', 'chosen']} |")
        print(name, t["mase"].round(3).to_dict())

    # timing: run_forecast (fit + 8-week backtest evidence + forecast) at 15 minutes
    h15 = bank_at(h, 15)
    times = []
    for _ in range(7):
        _FIT_CACHE.clear()
        t0 = time.perf_counter()
        forecast.run_forecast(h15, horizon="1w", country="US")
        times.append(time.perf_counter() - t0)
    single = []
    panel = us_panel(h15)
    days = pd.date_range("2003-10-27", periods=5, freq="D")
    for m in candidates():
        ts = []
        for _ in range(5):
            _FIT_CACHE.clear()
            t0 = time.perf_counter()
            m.fit(panel).predict(days)
            ts.append(time.perf_counter() - t0)
        single.append((m.name, statistics.median(ts)))
    three = sum(walls[m] for m in (15, 30, 60))
    lines += ["", "## Speed (one BLAS thread)", "", "| what | seconds |", "|---|---|"]
    for name, s in single:
        lines.append(f"| fit + forecast one week, {name}, 15 min, full history (median of 5) "
                     f"| {s:.3f} |")
    lines += [f"| `run_forecast` at 15 min, model auto (4 models x 8 evidence folds with the "
              f"state-space variances estimated once, calibration, final fits, forecast; "
              f"median of 7; runs {', '.join(f'{x:.2f}' for x in times)}) | "
              f"{statistics.median(times):.2f} |",
              f"| full 10-origin backtest at 15, 30 and 60 min (sum of the three; every fold "
              f"refitted) | {three:.1f} |"]
    if peers is not None:
        lines.append(f"| statsforecast AutoETS + MSTL on all {len(jobs)} peer folds | "
                     f"{peer_wall:.0f} |")
    print("single fits:", single, "run_forecast median", statistics.median(times), times,
          "3-level backtest", three)
    write_section("forecast", "\n".join(lines) + "\n")
    print("\nwrote its section of bench/RESULTS.md")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer_main(sys.argv[2], sys.argv[3])
    else:
        main()
