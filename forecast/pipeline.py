"""Library entry points: :func:`run_forecast` and :func:`run_backtest`.

Both take a history (path or DataFrame, see :func:`forecast.io.read_history`), work queue by
queue and return flat frames. ``run_forecast`` backtests the candidate models on the last
weeks of the history first: that evidence picks the models for ``model='auto'`` and
calibrates the prediction intervals, and it is attached as ``frame.attrs['evidence']``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import schema as S
from forecast.backtest import (
    AUTO_BLEND,
    Calibration,
    backtest,
    blend_fold,
    calibrate,
    rank_models,
    run_folds,
    weekly_origins,
)
from forecast.calendar import Calendar
from forecast.io import aggregate, localize_output, parse_freq, read_history, read_intervals
from forecast.models import Model, NotEnoughHistory, candidates, make_model, smooth_121
from forecast.panel import PROFILE_WEEKS, Panel, build_panel
from wfmcore import InputError
from wfmcore.io import write_csv_atomic
from wfmcore.schema import TIME_FORMAT


def parse_horizon(horizon: str | int) -> int:
    """'2w' -> 14, '5d' -> 5, 7 -> 7 (calendar days)."""
    if isinstance(horizon, int | np.integer):
        days = int(horizon)
    else:
        m = re.fullmatch(r"\s*(\d+)\s*([wd]?)\s*", str(horizon).lower())
        if not m:
            raise InputError(f"horizon must look like '1w', '2w' or '10d'; got {horizon!r}")
        days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    if days < 1:
        raise InputError(f"horizon must be at least 1 day; got {horizon!r}")
    return days


def _check_aht(aht_s: float | None) -> None:
    if aht_s is not None and not aht_s > 0:
        raise InputError(f"aht_s must be > 0 seconds; got {aht_s!r}")


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise InputError(f"level must be a share in (0, 1); got {level!r} (80% is 0.8)")
    return float(level)


def _load(history, freq, column_map, tz=None) -> pd.DataFrame:
    frame = read_history(history, column_map=column_map, tz=tz)
    step = parse_freq(freq)
    if step is not None and step != frame.attrs["interval_min"]:
        if step < frame.attrs["interval_min"]:
            raise InputError(f"freq {freq!r} is finer than the history's "
                             f"{frame.attrs['interval_min']}-minute intervals; choose a "
                             "multiple of it")
        frame = aggregate(frame, step)
    return frame


def _queues(frame: pd.DataFrame):
    if S.QUEUE not in frame.columns:
        yield None, frame
        return
    for q, g in frame.groupby(S.QUEUE, sort=True):
        g = g.drop(columns=S.QUEUE).reset_index(drop=True)
        g.attrs.update(frame.attrs)
        yield q, g


def _model_list(model: str | list) -> list[Model]:
    if isinstance(model, list):
        return [make_model(m) if isinstance(m, str) else m for m in model]
    if model == "auto":
        return candidates()
    return [make_model(model)]


# --- AHT --------------------------------------------------------------------------------------

def aht_profile(panel: Panel, days: pd.DatetimeIndex, recent_weeks: int = 2) -> np.ndarray:
    """AHT (seconds) per target day x slot: smoothed weekday x slot profile with a level.

    Profile: handled-weighted mean AHT of the same weekday and slot over the last 8 weeks,
    shrunk toward the all-weekday mean of the slot (weight of one day's calls) and smoothed
    with a 1-2-1 filter over neighbouring slots. Level: the ratio of the handled-weighted
    AHT of the last ``recent_weeks`` weeks to that of the 8 weeks, so a drift shows up.
    """
    recent = panel.days > panel.days.max() - pd.Timedelta(days=7 * PROFILE_WEEKS)
    A = np.nan_to_num(panel.aht[recent])
    W = np.where(np.isnan(panel.aht[recent]), 0.0, panel.weight[recent])
    wd = panel.weekdays[recent]
    hs, w = (A * W), W
    pooled = hs.sum(0) / np.maximum(w.sum(0), 1e-9)
    overall = hs.sum() / max(w.sum(), 1e-9)
    pooled = np.where(w.sum(0) > 0, pooled, overall)
    last = panel.days[recent] > panel.days.max() - pd.Timedelta(days=7 * recent_weeks)
    lvl = (hs[last].sum() / max(w[last].sum(), 1e-9)) / overall if w[last].sum() > 0 else 1.0
    k = w.sum(0) / max(len(wd), 1)              # one average day's calls in each slot
    out = []
    for d in days:
        sel = wd == d.weekday()
        p = (hs[sel].sum(0) + k * pooled) / (w[sel].sum(0) + k)
        out.append(smooth_121(p) * lvl)
    return np.array(out)


# --- forecast ---------------------------------------------------------------------------------

def _forecast_queue(frame, *, target_days, start, models, level, calendar, horizon_days,
                    cal_folds, aht_s):
    end = target_days.max() if len(target_days) else start
    panel = build_panel(frame, calendar, end=end)
    notes = []
    if panel.days.max() >= start:
        notes.append(f"history cut before {start:%Y-%m-%d} (the first forecast day)")
        panel = panel.truncate(start)
        if len(panel.days) == 0:
            raise InputError(f"{frame.attrs.get('source', 'history')}: no history before "
                             f"{start:%Y-%m-%d}, the first day to forecast")
    days = target_days[(panel.table.loc[target_days, "status"] == "open").to_numpy()]
    origins = weekly_origins(panel, cal_folds, horizon_days)
    res = run_folds(panel, models, origins, horizon_days, reuse_params=True)
    names = [m.name for m in models]
    predicted = {}   # each model's forecast of the target days, computed once
    for m in models:
        try:
            m.fit(panel)
            predicted[m.name] = m.predict(days) if len(days) else None
        except NotEnoughHistory as exc:
            notes.append(f"{m.name} stepped aside: {exc}")
    if not predicted:
        raise InputError(f"{frame.attrs.get('source', 'history')}: no model can forecast from "
                         f"this history ({'; '.join(notes)})")
    ranked = [n for n in rank_models(res, names, origins) if n in predicted] if origins else []
    if len(models) > 1:
        members = sorted(ranked[:AUTO_BLEND], key=names.index) if ranked else \
            [next(n for n in names if n in predicted)]
        label = f"auto({'+'.join(members)})"
        if not ranked:
            notes.append("no backtest evidence (history shorter than two weeks): auto uses "
                         f"{members[0]}")
    else:
        members = [names[0]]
        if names[0] not in predicted:
            raise InputError(f"model {names[0]!r} cannot forecast from this history: "
                             f"{notes[-1]}")
        label = names[0]
    folds = [blend_fold(res, members, o) for o in origins]
    n_slots = panel.Y.shape[1]
    F = np.mean([predicted[n] for n in members], axis=0) if len(days) else \
        np.zeros((0, n_slots))
    # one calibration per forecast week: week-2 errors are larger than week-1 errors
    week = np.asarray((days - start).days // 7)
    lo, hi = np.zeros_like(F), np.zeros_like(F)
    cal: Calibration | None = None
    for w in np.unique(week):
        cal = calibrate(folds, level, week=int(w))      # calibrate skips failed folds
        if cal.source != "backtest":
            cal = calibrate(folds, level)               # pooled, if no such week
        lo[week == w], hi[week == w] = cal.interval(F[week == w])
    if len(days) and (cal is None or cal.source != "backtest"):
        notes.append("intervals are Poisson-only (no earlier week to calibrate on)")
    sfx = S.level_suffix(level)
    mats = {S.OFFERED: F, f"offered_lo{sfx}": lo, f"offered_hi{sfx}": hi}
    if panel.aht is not None and len(days):
        mats[S.AHT_S] = aht_profile(panel, days)
    out = panel.to_frame(days, mats)
    out[S.MODEL] = label
    if aht_s is not None and S.AHT_S not in out.columns:
        out[S.AHT_S] = float(aht_s)
    out = out[[c for c in out.columns if c != S.AHT_S] + ([S.AHT_S] if S.AHT_S in out else [])]
    # evidence: the inner backtest, one row per model (and the blend)
    rows = []
    for n in names:
        fs = [res[(n, o)] for o in origins if res[(n, o)].ok]
        if fs:
            rows.append(dict(model=n, folds=len(fs), mase=float(np.mean([f.mase for f in fs]))))
    if len(members) > 1 and folds and all(f.ok for f in folds):
        rows.append(dict(model=label, folds=len(folds),
                         mase=float(np.mean([f.mase for f in folds]))))
    evidence = pd.DataFrame(rows)
    return out, evidence, notes


def run_forecast(history, horizon: str | int = "1w", *, intervals=None, freq=None,
                 model: str = "auto", level: float = 0.8, country: str | None = None,
                 special_days=None, column_map=None, aht_s: float | None = None,
                 tz: str | None = None, cal_folds: int = 8) -> pd.DataFrame:
    """Forecast calls offered per interval, with a calibrated prediction interval.

    history : path (CSV/Excel/Parquet) or DataFrame; see :func:`forecast.io.read_history`.
    horizon : '1w', '2w', '10d' or days: every open interval of the days after the history.
    intervals : instead of ``horizon``, the ``interval_start`` values to forecast (path or
        frame with that column, optionally ``queue``); requested intervals on closed days or
        outside opening hours get 0 calls and model 'closed'. If they overlap the history,
        the history is cut before the first requested day (an honest comparison).
    freq : '15min', '30min', '60min': aggregate the history first (must be coarser).
    model : 'auto' (mean of the two best models of the backtest, see
        :data:`forecast.backtest.AUTO_BLEND`) or one of
        :data:`forecast.models.MODEL_NAMES`.
    level : central coverage of [offered_loNN, offered_hiNN], a share (0.8 -> lo80/hi80).
    country, special_days : public-holiday calendar (ISO code, e.g. 'US') and special-days
        file (see :func:`forecast.calendar.read_special_days`).
    aht_s : constant AHT (seconds) for the ``aht_s`` column when history has no AHT.
    tz : IANA time zone of the (naive local) timestamps, e.g. 'America/New_York': DST days
        then have their real number of intervals (a 24-hour queue: 92 or 100 quarter-hours)
        and a ``utc_offset_min`` column tells the two copies of the repeated hour apart.

    Returns columns ``[queue,] interval_start, offered, offered_loNN, offered_hiNN, model
    [, aht_s]``; ``attrs['evidence']`` (backtest MASE per model and queue), ``attrs['notes']``.
    """
    level = _check_level(level)
    _check_aht(aht_s)
    frame = _load(history, freq, column_map, tz)
    step = frame.attrs["interval_min"]
    calendar = Calendar(country=country, special_days=special_days)
    req = None
    if intervals is not None:
        req = intervals if isinstance(intervals, pd.DataFrame) else read_intervals(intervals)
        req = req.copy()
        req[S.INTERVAL_START] = pd.to_datetime(req[S.INTERVAL_START])
        ts = req[S.INTERVAL_START]
        off = ((ts.dt.hour * 60 + ts.dt.minute) % step != 0) | (ts.dt.second != 0)
        if off.any():
            i = int(np.argmax(off.to_numpy()))
            raise InputError(f"intervals: data row {i + 1}: interval_start "
                             f"{ts.iloc[i]:%Y-%m-%d %H:%M} is not on the {step}-minute grid "
                             "of the history")
    outs, evid, notes_all = [], [], list(frame.attrs.get("notes", []))
    horizon_days = parse_horizon(horizon)
    for q, g in _queues(frame):
        if req is not None:
            r = req if (q is None or S.QUEUE not in req) else req[req[S.QUEUE].astype(str) == q]
            if r.empty:
                continue
            target_days = pd.DatetimeIndex(r[S.INTERVAL_START].dt.normalize().unique()).sort_values()
            start = target_days.min()
            hd = max(7, (target_days.max() - start).days + 1)   # calibrate on this span
        else:
            start = g[S.INTERVAL_START].max().normalize() + pd.Timedelta(days=1)
            target_days = pd.date_range(start, periods=horizon_days, freq="D")
            hd = horizon_days
        out, evidence, notes = _forecast_queue(
            g, target_days=target_days, start=start, models=_model_list(model),
            level=level, calendar=calendar, horizon_days=hd, cal_folds=cal_folds, aht_s=aht_s)
        if tz is not None:
            out = localize_output(out, tz)
        if req is not None:
            want = r[[S.INTERVAL_START]].drop_duplicates()
            out = want.merge(out, on=S.INTERVAL_START, how="left")
            shut = out[S.OFFERED].isna()
            for c in out.columns:
                if c.startswith(S.OFFERED):
                    out[c] = out[c].fillna(0.0)
            out[S.MODEL] = out[S.MODEL].where(~shut, "closed")
            if S.AHT_S in out.columns:
                out[S.AHT_S] = out[S.AHT_S].fillna(float(aht_s) if aht_s else np.nan)
        if q is not None:
            out.insert(0, S.QUEUE, q)
            evidence.insert(0, S.QUEUE, q)
            notes = [f"queue {q}: {n}" for n in notes]
        outs.append(out)
        evid.append(evidence)
        notes_all += notes
    if not outs:
        raise InputError("intervals: none of the requested queues is in the history")
    result = pd.concat(outs, ignore_index=True)
    result.attrs.update(evidence=pd.concat(evid, ignore_index=True), notes=notes_all,
                        interval_min=step)
    return result


def write_forecast(frame: pd.DataFrame, out: Path | str, inputs=()) -> Path:
    """Write a forecast frame as CSV (interval_start as YYYY-MM-DD HH:MM), atomically."""
    f = frame.copy()
    f[S.INTERVAL_START] = pd.to_datetime(f[S.INTERVAL_START]).dt.strftime(TIME_FORMAT)
    num = [c for c in f.columns if c.startswith(S.OFFERED) or c == S.AHT_S]
    f[num] = f[num].round(3)
    return write_csv_atomic(f, out, inputs=inputs)


# --- backtest ---------------------------------------------------------------------------------

def run_backtest(history, *, folds: int = 10, horizon: str | int = "1w", freq=None,
                 models: list | None = None, level: float = 0.8, country: str | None = None,
                 special_days=None, column_map=None, tz: str | None = None,
                 cal_folds: int = 8, progress=None, aht_s: float | None = None) -> pd.DataFrame:
    """Rolling-origin backtest over the last ``folds`` weekly origins, per queue.

    One row per (queue,) model and ``auto``: ``folds`` scored, ``mase`` (mean over folds,
    each scaled by its in-sample weekly seasonal-naive MAE), ``wape``, ``bias`` (shares,
    pooled over folds), ``coverage`` of the ``level`` interval, ``fit_s_median`` (seconds
    per fit + forecast), ``agents_mae`` and ``understaffed`` (the staffing consequence:
    mean absolute error in Erlang C agents at 80/20, and the share of intervals the forecast
    would understaff; AHT ``aht_s``, else the history's mean AHT, else 300 s),
    ``chosen`` (members of auto), ``winner`` (lowest MASE).
    Per-fold rows are in ``attrs['folds']``; models that stepped aside in ``attrs['notes']``.
    """
    level = _check_level(level)
    if folds < 1:
        raise InputError(f"folds must be >= 1; got {folds!r}")
    _check_aht(aht_s)
    frame = _load(history, freq, column_map, tz)
    calendar = Calendar(country=country, special_days=special_days)
    horizon_days = parse_horizon(horizon)
    tables, fold_tables, notes = [], [], list(frame.attrs.get("notes", []))
    for q, g in _queues(frame):
        panel = build_panel(g, calendar)
        mods = _model_list(models or "auto")
        aht_q = aht_s
        if aht_q is None and S.AHT_S in g.columns and g[S.AHT_S].notna().any():
            w = g[S.OFFERED].where(g[S.AHT_S].notna(), 0)
            aht_q = float((g[S.AHT_S].fillna(0) * w).sum() / max(w.sum(), 1e-9))
        r = backtest(panel, mods, folds=folds, horizon_days=horizon_days, level=level,
                     cal_folds=cal_folds, progress=progress, aht_s=aht_q or 300.0)
        if r.table.empty:
            notes.append(f"{'queue ' + str(q) + ': ' if q is not None else ''}history too short "
                         "for a backtest (needs at least two weeks)")
            continue
        t, f = r.table, r.folds
        if len(t) and int(t["folds"].max()) < folds:
            r.notes.append(f"only {int(t['folds'].max())} weekly origins fit in the history "
                           f"(asked for {folds}); scored those")
        if q is not None:
            t.insert(0, S.QUEUE, q)
            f.insert(0, S.QUEUE, q)
            notes += [f"queue {q}: {n}" for n in r.notes]
        else:
            notes += r.notes
        tables.append(t)
        fold_tables.append(f)
    if not tables:
        raise InputError(f"{frame.attrs.get('source', 'history')}: history too short for a "
                         "backtest (needs at least two weeks)")
    out = pd.concat(tables, ignore_index=True)
    out.attrs.update(folds=pd.concat(fold_tables, ignore_index=True), notes=notes,
                     interval_min=frame.attrs["interval_min"])
    return out


__all__ = ["run_forecast", "run_backtest", "write_forecast", "parse_horizon"]
