"""Intraday reforecast benchmark (issue 11, "Intraday" goal): rest-of-day MASE at 10:00 and
13:00 of no update, the run-rate ratio and the Shen & Huang (2008) penalised SVD update.

Protocol (:func:`forecast.intraday.intraday_backtest`, the same code as ``wfm backtest
--intraday``): 10 weekly origins over the last 10 weeks; at each origin
:func:`forecast.run_forecast` (``auto``, default options, no holiday calendar) on the
history before it forecasts the next week: the forecast being updated. On every day of that
week with actuals and at each cut-off, each method updates the rest of the day from the
intervals before the cut-off (its penalty chosen leave-one-day-out on the 30 days before
that day), scored on the intervals from the cut-off on. MASE per origin = rest-of-day MAE /
in-sample weekly seasonal-naive MAE of the history before the origin; mean over origins.

Series: the bank (data/bank_calls_5min.csv) at 15 and 30 minutes; synthetic series with
known structure (Poisson around a two-peak day): with day effects (every day's level
uniform in [0.8, 1.2]) on a Mon-Fri centre and, at a tenth of the volume, a 7-day centre;
without day effects (pure Poisson) at high and low volume. The design (penalised update,
empirical-Bayes penalties per component, multipliers chosen leave-one-day-out, the
grids) was fixed by principle, not fitted to these series; but it was revised three times after
runs of this script, and the reader should know how: (1) a scalar lambda -> per-component
penalties (bank 30 min, svd_update 10:00 / 13:00 MASE 0.586 / 0.511 -> 0.606 / 0.491);
(2) the stand-in's own sampling variance subtracted in tau_k^2 and the one-standard-error
rule for the penalty (both methods), after the first full run showed svd_update 0.4-0.9 %
worse than no update on the series without day effects (bank 30 min then 0.601 / 0.494,
ratio 0.616 / 0.508); (3) after the test bed's first run (svd_update 4-10 % worse than
the ratio on ``outlier_days``, level surges): the day's basis starts with its forecast's
own root shape, followed by the K SVD components (K + 1 columns), and the level and shape
penalties get separate multipliers (outlier_days 10:00 0.635 -> 0.582, ratio 0.577). The
test bed's hold-out cases (``holdout``) were run with the others in those runs, so they
are not a clean hold-out for revision (3). Other helpers were changing the forecast models
at the same time, so the forecast being updated (``no_update``) differs between those
runs; only the numbers below, all from one run, compare like with like.

Run:  .venv/bin/python bench/bench_intraday.py   (writes its section of bench/RESULTS.md)
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import BANK_DATA, write_section  # noqa: E402

import forecast  # noqa: E402
import forecast.synthetic as synthetic_module  # noqa: E402
from forecast.intraday import intraday_backtest  # noqa: E402
from forecast.synthetic import poisson_history, poisson_rates  # noqa: E402

FOLDS = 10


def synthetic(weeks: int, seed: int, *, day_effect: float, calls_per_day: float,
              weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.0, 0.0)) -> pd.DataFrame:
    """A history on the grid of :func:`forecast.synthetic.poisson_history`: calls Poisson
    with the true rate of the row times the day's level, uniform in [1 - day_effect,
    1 + day_effect] (0: no day effect, pure Poisson)."""
    frame, _ = poisson_history(weeks, seed, calls_per_day=calls_per_day,
                               weekday_level=weekday_level)
    slots, rates = poisson_rates(calls_per_day=calls_per_day, weekday_level=weekday_level)
    t = frame["interval_start"]
    lam = rates[t.dt.day_of_week.to_numpy(),
                np.searchsorted(slots, (t.dt.hour * 60 + t.dt.minute).to_numpy())]
    rng = np.random.default_rng(seed + 1000)
    day = t.dt.normalize()
    level = pd.Series(rng.uniform(1 - day_effect, 1 + day_effect, day.nunique()),
                      index=day.unique())
    frame["offered"] = rng.poisson(lam * level.loc[day].to_numpy()).astype(float)
    return frame


SERIES = [
    ("synthetic Mon-Fri, day effects +/-20 %, 3,000 calls/day", dict(
        weeks=30, seed=11, day_effect=0.2, calls_per_day=3000.0), True),
    ("synthetic 7-day week, day effects +/-20 %, 300 calls/day", dict(
        weeks=30, seed=12, day_effect=0.2, calls_per_day=300.0,
        weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.6, 0.4)), True),
    ("synthetic Mon-Fri, no day effect, 3,000 calls/day", dict(
        weeks=30, seed=13, day_effect=0.0, calls_per_day=3000.0), False),
    ("synthetic Mon-Fri, no day effect, 300 calls/day", dict(
        weeks=30, seed=14, day_effect=0.0, calls_per_day=300.0), False),
]


def run(history, freq=None):
    t0 = time.perf_counter()
    r = intraday_backtest(history, folds=FOLDS, freq=freq)
    return r, time.perf_counter() - t0


def verdict(table: pd.DataFrame, day_effects: bool) -> list[str]:
    out = []
    for cut, g in table.groupby("cutoff", sort=True):
        m = g.set_index("method")["mase"]
        vs_none = m["svd_update"] / m["no_update"] - 1
        vs_ratio = m["svd_update"] / m["ratio"] - 1
        if day_effects:
            ok = vs_none <= -0.10 and vs_ratio < 0
            goal = "<= -10 % vs no update and below ratio"
        else:
            ok = vs_none <= 0.01
            goal = "<= +1 % vs no update"
        out.append(f"{cut}: svd_update {vs_none:+.1%} vs no update, {vs_ratio:+.1%} vs ratio "
                   f"(goal {goal}): {'met' if ok else 'MISSED'}")
    return out


def table_md(t: pd.DataFrame) -> list[str]:
    lines = ["| cut-off | method | folds | rest-of-day MASE | vs no update | WAPE | bias | "
             "80 % coverage |", "|---|---|---|---|---|---|---|---|"]
    for r in t.itertuples():
        lines.append(f"| {r.cutoff} | {r.method} | {r.folds} | {r.mase:.3f} | "
                     f"{r.vs_no_update:+.1%} | {r.wape:.3f} | {r.bias:+.3f} | "
                     f"{r.coverage:.3f} |")
    return lines


def testbed_lines(goals: list[str]) -> list[str]:
    """forecast.synthetic.TESTBED (seed 0), when the module has it: the same backtest per
    case, one line per (queue,) cut-off; the goal lines go to ``goals``."""
    bed = getattr(synthetic_module, "TESTBED", None)
    if not bed:
        return ["### Test bed", "", "forecast.synthetic has no TESTBED yet: skipped.", ""]
    lines = ["### Test bed (forecast.synthetic.TESTBED, seed 0)", "",
             "Each case as the forecast bench draws it, with its country and special days; "
             "short-history cases use their whole history here (the intraday update needs "
             "30 earlier days to choose its penalty, and steps aside with a note when it "
             "has fewer). Rest-of-day MASE:", "",
             "| case | hold-out | queue | cut-off | no update | ratio | svd_update | svd vs "
             "no update | svd vs ratio | svd 80 % coverage |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, make in bed.items():
        case = make(0)
        t0 = time.perf_counter()
        try:
            r = intraday_backtest(case.frame, folds=FOLDS, country=case.country,
                                  special_days=case.special_days)
        except Exception as exc:          # report, never hide, a case that fails
            lines.append(f"| {name} | {case.holdout} | | | error: {exc} | | | | | |")
            continue
        print(name, f"{time.perf_counter() - t0:.0f} s", flush=True)
        t = r.table
        keys = [c for c in ("queue", "channel") if c in t.columns]
        for key, g in t.groupby([*keys, "cutoff"], sort=True):
            key = key if isinstance(key, tuple) else (key,)
            m = g.set_index("method")
            none, ratio, svd = (m.loc[k, "mase"] for k in ("no_update", "ratio", "svd_update"))
            series = " / ".join(map(str, key[:-1])) or "-"
            lines.append(f"| {name} | {'yes' if case.holdout else 'no'} | {series} | {key[-1]} "
                         f"| {none:.3f} | {ratio:.3f} | {svd:.3f} | {svd / none - 1:+.1%} | "
                         f"{svd / ratio - 1:+.1%} | {m.loc['svd_update', 'coverage']:.3f} |")
            ok = svd / none - 1 <= -0.10 and svd < ratio
            goals.append(f"- test bed {name}{'' if series == '-' else ' ' + series}, "
                         f"{key[-1]}: svd_update {svd / none - 1:+.1%} vs no update, "
                         f"{svd / ratio - 1:+.1%} vs ratio: {'met' if ok else 'MISSED'}")
    return [*lines, ""]


def main() -> None:
    lines = ["## Intraday reforecast (issue 11)", "",
             __doc__.split("Run:")[0].strip().split("\n\n", 1)[1], "",
             f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
             "times are wall-clock for the whole backtest (10 forecasts and every update), "
             "on a machine shared with other jobs.", ""]
    bank = forecast.read_history(BANK_DATA)
    runs = [(f"bank, {m} min", bank, f"{m}min", True) for m in (15, 30)]
    runs += [(name, synthetic(**kw), None, effects) for name, kw, effects in SERIES]
    goals = []
    for name, history, freq, effects in runs:
        r, secs = run(history, freq)
        print(name, f"{secs:.0f} s")
        print(r.table.to_string())
        lines += [f"### {name}", "", *table_md(r.table), "",
                  *[f"- {v}" for v in verdict(r.table, effects)],
                  f"- {secs:.0f} s for the whole run", ""]
        goals += [f"- {name}, {v}" for v in verdict(r.table, effects)]
    lines += testbed_lines(goals)
    lines += ["### Goals", "", "Day-effect goal on the bank, the day-effect synthetic "
              "series and the test bed (every test-bed series has day effects: a Gamma day "
              "factor), the no-harm goal on the series without day effects:", "", *goals]
    write_section("intraday", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
