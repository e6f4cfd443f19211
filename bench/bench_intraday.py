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

Bounds (:func:`bounds`, on the synthetic series and the test bed, whose truth is known):
"day's rate known" forecasts the rest of the day with the true Poisson mean (the day's
random level included: only luck beats it); "structure known, Bayes update" with the rate
without the day's level (every planted effect known) times the posterior mean of the level
given the calls before the cut-off (Gamma prior of the case's ``day_cv`` on the test bed,
uniform on the synthetic series): the best update a model of the structure can make from
the morning. Where that is less than 10 % below no update, the -10 % goal is out of reach of
any update of wfm's forecast (the update would have to beat a perfect model of the series).

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
from scipy.special import gammainc, gammaincc  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import BANK_DATA, write_section  # noqa: E402

import forecast  # noqa: E402
import forecast.synthetic as synthetic_module  # noqa: E402
from forecast.intraday import CUTOFFS, intraday_backtest  # noqa: E402
from forecast.metrics import weekly_naive_scale  # noqa: E402
from forecast.panel import build_panel  # noqa: E402
from forecast.synthetic import poisson_history, poisson_rates  # noqa: E402

FOLDS = 10


def synthetic(weeks: int, seed: int, *, day_effect: float, calls_per_day: float,
              weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.0, 0.0)
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A history on the grid of :func:`forecast.synthetic.poisson_history`: calls Poisson
    with the true rate of the row times the day's level, uniform in [1 - day_effect,
    1 + day_effect] (0: no day effect, pure Poisson). Returns (frame, the Poisson mean of
    each row, the rate of each row without the day's level)."""
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
    rate = lam * level.loc[day].to_numpy()
    frame["offered"] = rng.poisson(rate).astype(float)
    return frame, rate, lam


def gamma_posterior(cv: float):
    """Posterior mean of a day's factor L ~ Gamma(mean 1, cv) given A calls seen where B
    were expected without it (A | L ~ Poisson(L B)): (k + A) / (k + B), k = 1 / cv^2 (the
    conjugate update); cv = 0: 1."""
    k = 1.0 / cv ** 2 if cv > 0 else np.inf
    return lambda A, B: np.ones_like(B) if np.isinf(k) else (k + A) / (k + B)


def uniform_posterior(effect: float):
    """Posterior mean of L ~ Uniform[1 - effect, 1 + effect] given A | L ~ Poisson(L B):
    E[L | A] = (A + 1) / B x [P(A + 2, hB) - P(A + 2, lB)] / [P(A + 1, hB) - P(A + 1, lB)]
    (P the regularised lower incomplete gamma function; the integrals of L^a e^(-LB) over
    [l, h]); effect = 0: 1."""
    lo, hi = 1 - effect, 1 + effect

    def post(A, B):
        if effect == 0:
            return np.ones_like(B)
        A, B = np.asarray(A, float), np.maximum(np.asarray(B, float), 1e-12)
        def mass(a):          # P(a, hB) - P(a, lB), by the upper tail where it is small
            upper = lo * B > a
            return np.where(upper, gammaincc(a, lo * B) - gammaincc(a, hi * B),
                            gammainc(a, hi * B) - gammainc(a, lo * B))
        num, den = mass(A + 2), mass(A + 1)
        return np.clip((A + 1) / B * num / np.maximum(den, 1e-300), lo, hi)
    return post


def bounds(frame: pd.DataFrame, rate: np.ndarray, base: np.ndarray, posterior, origins,
           interval_min: int, cutoffs=CUTOFFS, horizon_days: int = 7) -> dict:
    """Rest-of-day MASE of two forecasts no method can beat, on the backtest's origins and
    scale (in-sample weekly seasonal-naive MAE of the history before the origin): ``rate``
    (the day's Poisson mean, its random level included: only luck beats it) and the *Bayes
    update with the structure known*: ``base`` (every planted effect but the day's random
    level) times the posterior mean of the level given the day's calls before the cut-off
    (``posterior(A, B)``): the best update a model of the structure can make from the
    morning. Scored on every history row of the origin's week from the cut-off on.
    Returns {(series, cut-off): (rate MASE, Bayes MASE)}."""
    f = frame.assign(_rate=rate, _base=base)
    origins = [pd.Timestamp(o) for o in origins]
    keys = [c for c in ("queue", "channel") if c in f.columns]
    out = {}
    for key, g in (f.groupby(keys, sort=True) if keys else [((), f)]):
        key = key if isinstance(key, tuple) else (key,)
        t = g["interval_start"]
        day, tod = t.dt.normalize(), t.dt.hour * 60 + t.dt.minute
        scales = []                  # the MASE scale of each origin: its history before
        for o in origins:
            tp = build_panel(g.loc[t < o, ["interval_start", "offered"]], interval_min)
            scales.append(weekly_naive_scale(tp.days, tp.Y))
        for c in cutoffs:
            cut = int(c[:2]) * 60 + int(c[3:])
            rate_m, bayes_m = [], []
            for o, scale in zip(origins, scales, strict=True):
                week = (t >= o) & (t < o + pd.Timedelta(days=horizon_days))
                rest, seen = week & (tod >= cut), week & (tod < cut)
                A = g.loc[seen, "offered"].groupby(day[seen]).sum()
                B = g.loc[seen, "_base"].groupby(day[seen]).sum()
                level = pd.Series(posterior(A.to_numpy(), B.to_numpy()), index=A.index)
                fac = level.reindex(day[rest]).fillna(1.0).to_numpy()
                y = g.loc[rest, "offered"].to_numpy()
                rate_m.append(np.mean(np.abs(y - g.loc[rest, "_rate"].to_numpy())) / scale)
                bayes_m.append(np.mean(np.abs(y - g.loc[rest, "_base"].to_numpy() * fac))
                               / scale)
            out[(" / ".join(map(str, key)) or "-", c)] = (float(np.mean(rate_m)),
                                                          float(np.mean(bayes_m)))
    return out


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


def bound_text(none: float, ratio: float, bound: tuple[float, float] | None,
               day_effects: bool = True) -> str:
    """The bounds of :func:`bounds` against no update and the ratio, for a goal line."""
    if bound is None:
        return ""
    rate_m, bayes_m = bound
    text = (f"; bounds: structure known, Bayes update {bayes_m / none - 1:+.1%} vs no update, "
            f"{bayes_m / ratio - 1:+.1%} vs ratio; day's rate known {rate_m / none - 1:+.1%}")
    if day_effects and bayes_m / none - 1 > -0.10:
        text += " (-10 % is beyond the best update a model of the structure can make)"
    return text


def verdict(table: pd.DataFrame, day_effects: bool, bnd: dict | None = None) -> list[str]:
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
        b = None if bnd is None else bnd.get(("-", cut))
        out.append(f"{cut}: svd_update {vs_none:+.1%} vs no update, {vs_ratio:+.1%} vs ratio "
                   f"(goal {goal}): {'met' if ok else 'MISSED'}"
                   f"{bound_text(m['no_update'], m['ratio'], b, day_effects)}")
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
             "no update | svd vs ratio | svd 80 % coverage | day's rate known | structure "
             "known, Bayes update | Bayes vs no update |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
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
        bnd = ({} if case.base_rate is None else
               bounds(case.frame, case.rate, case.base_rate, gamma_posterior(case.day_cv),
                      sorted(r.folds["origin"].unique()), r.interval_min))
        t = r.table
        keys = [c for c in ("queue", "channel") if c in t.columns]
        for key, g in t.groupby([*keys, "cutoff"], sort=True):
            key = key if isinstance(key, tuple) else (key,)
            m = g.set_index("method")
            none, ratio, svd = (m.loc[k, "mase"] for k in ("no_update", "ratio", "svd_update"))
            series = " / ".join(map(str, key[:-1])) or "-"
            b = bnd.get((series, key[-1]))
            known = ("| - | - | - |" if b is None else
                     f"| {b[0]:.3f} | {b[1]:.3f} | {b[1] / none - 1:+.1%} |")
            lines.append(f"| {name} | {'yes' if case.holdout else 'no'} | {series} | {key[-1]} "
                         f"| {none:.3f} | {ratio:.3f} | {svd:.3f} | {svd / none - 1:+.1%} | "
                         f"{svd / ratio - 1:+.1%} | {m.loc['svd_update', 'coverage']:.3f} "
                         + known)
            ok = svd / none - 1 <= -0.10 and svd < ratio
            goals.append(f"- test bed {name}{'' if series == '-' else ' ' + series}, "
                         f"{key[-1]}: svd_update {svd / none - 1:+.1%} vs no update, "
                         f"{svd / ratio - 1:+.1%} vs ratio: {'met' if ok else 'MISSED'}"
                         f"{bound_text(none, ratio, b)}")
    return [*lines, ""]


def main() -> None:
    lines = ["## Intraday reforecast (issue 11)", "",
             __doc__.split("Run:")[0].strip().split("\n\n", 1)[1], "",
             f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
             "times are wall-clock for the whole backtest (10 forecasts and every update), "
             "on a machine shared with other jobs.", ""]
    bank = forecast.read_history(BANK_DATA)
    runs = [(f"bank, {m} min", bank, f"{m}min", True, None) for m in (15, 30)]
    for name, kw, effects in SERIES:
        frame, rate, base = synthetic(**kw)
        runs.append((name, frame, None, effects, (rate, base, kw["day_effect"])))
    goals = []
    for name, history, freq, effects, truth in runs:
        r, secs = run(history, freq)
        print(name, f"{secs:.0f} s")
        print(r.table.to_string())
        bnd = None
        if truth is not None:                 # a synthetic series: the bounds from its truth
            rate, base, effect = truth
            bnd = bounds(history, rate, base, uniform_posterior(effect),
                         sorted(r.folds["origin"].unique()), r.interval_min)
        lines += [f"### {name}", "", *table_md(r.table), "",
                  *[f"- {v}" for v in verdict(r.table, effects, bnd)],
                  f"- {secs:.0f} s for the whole run", ""]
        goals += [f"- {name}, {v}" for v in verdict(r.table, effects, bnd)]
    lines += testbed_lines(goals)
    lines += ["### Goals", "", "Day-effect goal on the bank, the day-effect synthetic "
              "series and the test bed (every test-bed series has day effects: a Gamma day "
              "factor), the no-harm goal on the series without day effects:", "", *goals]
    write_section("intraday", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
