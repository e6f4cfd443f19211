"""Library entry points: :func:`run_forecast` and :func:`run_backtest`.

Both take a history (a :class:`~forecast.io.History`, a path or a DataFrame, see
:func:`forecast.io.read_history`) and the settings (:class:`~forecast.options.ForecastOptions`,
or the same names as keywords), work queue by queue and return typed results:
:class:`ForecastResult` and :class:`BacktestResult`. ``run_forecast`` backtests the
candidate models on the last weeks of the history first: that evidence picks the models for
``model='auto'`` and calibrates the prediction intervals, and it is returned as
``ForecastResult.evidence``.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.backtest import (
    AutoChoice,
    Calibration,
    Staffing,
    backtest,
    blend_fold,
    calibrate,
    evidence_score,
    fit_predict,
    run_folds,
    scored,
    select_auto,
    weekly_origins,
)
from forecast.calendar import Calendar, day_table, open_weekdays
from forecast.io import History, aggregate, localize_output, read_history, read_intervals
from forecast.models import (
    Model,
    candidates,
    clean_days,
    fit_cache_scope,
    fit_notes,
    make_model,
    smooth_121,
)
from forecast.options import ForecastOptions
from forecast.panel import PROFILE_WEEKS, Panel, build_panel
from wfmcore import InputError
from wfmcore import schema as S
from wfmcore.errors import InternalError
from wfmcore.io import write_csv_atomic, write_partitioned
from wfmcore.parallel import map_ordered
from wfmcore.reader import partitions
from wfmcore.readoptions import ReadOptions


@dataclass(frozen=True)
class ForecastResult:
    """What :func:`run_forecast` returns.

    ``frame``: one row per forecast interval, columns ``[queue,] interval_start
    [, utc_offset_min], offered, offered_loNN, offered_hiNN, model [, aht_s]`` (NN = ``level``
    in percent, :func:`wfmcore.schema.level_suffix`); ``evidence``: the inner backtest, one
    row per (queue,) model and the blend (``folds``, ``mase``, ``bias`` pooled,
    ``shipped``: the forecast written); ``notes``: what the user should know (partial
    intervals left out, models that stepped aside, fits that warned, history cut);
    ``interval_min``: the length of every interval in minutes; ``level``; ``choices``: one
    row per (queue,) series — the model shipped, its evidence against the best baseline
    (``mase``, ``bias``, ``baseline``, ``baseline_mase``, ``baseline_bias``, ``gain``,
    ``folds``) and a one-line ``summary`` (:meth:`forecast.backtest.AutoChoice.summary`).
    """

    frame: pd.DataFrame
    evidence: pd.DataFrame
    notes: list[str]
    interval_min: int
    level: float
    choices: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`run_backtest` returns: ``table`` (one row per (queue,) model and
    ``auto``), ``folds`` (one row per (queue,) model and origin), ``notes`` and the
    ``interval_min`` the backtest ran at (minutes)."""

    table: pd.DataFrame
    folds: pd.DataFrame
    notes: list[str]
    interval_min: int


def _options(options: ForecastOptions | None, keywords: dict) -> ForecastOptions:
    """``options`` with ``keywords`` put in (every value checked by ForecastOptions)."""
    if options is None:
        return ForecastOptions(**keywords)
    return replace(options, **keywords) if keywords else options


def load_history(history, opts: ForecastOptions, read: ReadOptions | None = None) -> History:
    """The history at the interval length of ``opts.freq``; a file or frame is read with
    ``read`` (and ``opts.tz`` / ``opts.column_map``, which must agree with it)."""
    if read is not None and not isinstance(read, ReadOptions):
        raise InputError(f"read must be a ReadOptions; got {type(read).__name__}")
    if isinstance(history, History):      # read already: column_map was applied then
        tz = opts.tz if opts.tz is not None else (read.tz if read is not None else None)
        if tz is not None and tz != history.tz:
            raise InputError(f"{history.source}: tz is {tz!r} but the history was read "
                             f"with tz={history.tz!r}; pass tz to read_history")
        h = history
    else:
        h = read_history(history, options=read, column_map=opts.column_map, tz=opts.tz)
    step = opts.freq_min
    if step is not None and step != h.interval_min:
        if step < h.interval_min:
            raise InputError(f"freq {opts.freq!r} is finer than the history's "
                             f"{h.interval_min}-minute intervals; choose a multiple of it")
        h = aggregate(h, step)
    return h


def series_groups(frame: pd.DataFrame, *, keep_keys: bool = False, sort: bool = True):
    """(key, rows) per series: key = {queue: .., channel: ..} of the key columns present
    ({} for a frame that is one series); rows without the key columns (index reset), or as
    they are with ``keep_keys``; series in key order, or in the frame's order with
    ``sort=False``."""
    keys = S.series_keys(frame)
    if not keys:
        yield {}, frame
        return
    for values, g in frame.groupby(keys, sort=sort):
        values = values if isinstance(values, tuple) else (values,)
        yield (dict(zip(keys, values, strict=True)),
               g if keep_keys else g.drop(columns=keys).reset_index(drop=True))


def series_prefix(key: dict) -> str:
    """'queue sales: ', 'queue sales, channel chat: ', 'channel chat: ' or ''."""
    if not key:
        return ""
    return ", ".join(f"{k} {v}" for k, v in key.items()) + ": "


@contextmanager
def _naming(source, key: dict):
    """An :class:`InternalError` raised for one series names the file and the series."""
    try:
        yield
    except InternalError as exc:
        raise InternalError(f"{source}: {series_prefix(key)}{exc}") from exc


def _insert_key(frame: pd.DataFrame, key: dict) -> pd.DataFrame:
    for i, (k, v) in enumerate(key.items()):
        frame.insert(i, k, v)
    return frame


def channel_note(frame: pd.DataFrame) -> list[str]:
    """The one note when a history has non-voice channels: each is forecast on its own, and
    staffed by its channel's model (wfmcore.targets.CHANNEL_MODELS) downstream."""
    if S.CHANNEL not in frame.columns:
        return []
    others = sorted(set(frame[S.CHANNEL]) - {"voice"})
    if not others:
        return []
    return [f"channel{'s' if len(others) > 1 else ''} {', '.join(others)}: forecast per "
            "queue and channel; each channel is staffed by its own model (chat by "
            "concurrency, email / callback / back office as deferred work with a deadline)"]


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
    AHT of the last ``recent_weeks`` weeks to that of the 8 weeks, so a drift shows up. A
    slot without any AHT in the 8 weeks (no handled calls) takes the all-slot mean; when the
    8 weeks have no AHT at all, the whole history is used. NaN only when the history has no
    AHT at all.
    """
    recent = panel.days > panel.days.max() - pd.Timedelta(days=7 * PROFILE_WEEKS)
    if not np.nansum(np.where(np.isnan(panel.aht[recent]), 0.0, panel.weight[recent])) > 0:
        recent = np.ones(len(panel.days), bool)
        if not np.nansum(np.where(np.isnan(panel.aht), 0.0, panel.weight)) > 0:
            return np.full((len(days), panel.Y.shape[1]), np.nan)
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
        num, den = hs[sel].sum(0) + k * pooled, w[sel].sum(0) + k
        with np.errstate(invalid="ignore", divide="ignore"):   # den 0: no AHT in the slot
            p = np.where(den > 0, num / den, pooled)
        out.append(smooth_121(p) * lvl)
    return np.array(out)


# --- forecast ---------------------------------------------------------------------------------

REUSE_MIN_WEEKS = 26
"""The final fit of :func:`run_forecast` keeps the state-space variances estimated at the first
evidence origin (see :func:`forecast.backtest.run_folds`: only the states are filtered on the
whole history) when that origin had at least this many weeks of history behind it: half a
year of days pins the variances, and the 8 weeks the final fit adds move them little, while
the search is most of the cost of a long history (2 years of 15-minute 24/7 data: 0.99-1.04 s
per forecast with the search, 0.67-0.69 s without). A shorter history searches afresh: its
first origin may have had only a few weeks, and a short history is cheap to search."""


def _forecast_queue(frame, *, interval_min, source, target_days, start, models, level,
                    calendar, horizon_days, cal_folds, aht_s):
    end = target_days.max() if len(target_days) else start
    panel = build_panel(frame, interval_min, calendar, end=end)
    notes = []
    if panel.days.max() >= start:
        notes.append(f"history cut before {start:%Y-%m-%d} (the first forecast day)")
        panel = panel.truncate(start)
        if len(panel.days) == 0:
            raise InputError(f"{source}: no history before {start:%Y-%m-%d}, the first day "
                             "to forecast")
    status = panel.table.loc[target_days]
    days = target_days[(status["status"] == "open").to_numpy()]
    for d, hol in status.loc[status["unseen_holiday"], "holiday"].items():
        notes.append(f"{d:%Y-%m-%d} is {hol}, a public holiday the history has never seen: "
                     "forecast as an open day (a special-days entry 'closed' closes it)")
    origins = weekly_origins(panel, cal_folds, horizon_days)
    res = run_folds(panel, models, origins, horizon_days, reuse_params=True, keep_params=True)
    names = [m.name for m in models]
    predicted = {}   # each model's forecast of the target days, computed once
    for m in models:
        fits = [res[(m.name, o)].warnings for o in origins if res[(m.name, o)].ok]
        answered = [o for o in origins if res[(m.name, o)].ok]
        if not answered or (answered[0] - panel.days.min()).days < 7 * REUSE_MIN_WEEKS:
            m.fixed_params_ = None            # search afresh: see REUSE_MIN_WEEKS
        try:
            F, reason = fit_predict(m, panel, days)
        finally:
            m.fixed_params_ = None
        if F is None:
            notes.append(f"{m.name} stepped aside: {reason}")
        else:
            fits.append(m.fit_warnings_)
            predicted[m.name] = F if len(days) else None
        notes += fit_notes(m.name, fits)
    if not predicted:
        raise InputError(f"{source}: no model can forecast from this history "
                         f"({'; '.join(notes)})")
    outliers = panel.days[clean_days(panel)[1]]    # left out of the evidence biases
    if len(models) > 1:
        choice = select_auto(res, names, origins, can_answer=lambda n: n in predicted,
                             outliers=outliers)
        members = choice.members
        label = f"auto({choice.label})"
        if not choice.folds:
            notes.append("no backtest evidence (history shorter than two weeks): auto uses "
                         f"{members[0]}")
    else:
        members = [names[0]]
        if names[0] not in predicted:
            raise InputError(f"model {names[0]!r} cannot forecast from this history: "
                             f"{notes[-1]}")
        label = names[0]
        choice = None
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
        aht = aht_profile(panel, days)
        if np.isnan(aht).all():          # the history's AHT column is empty throughout
            notes.append("the history has no AHT (no interval with handled calls and a "
                         "handle time)" + ("; aht_s is used" if aht_s is not None else
                                           ": the forecast has no aht_s column"))
        else:
            mats[S.AHT_S] = aht
    out = panel.to_frame(days, mats)
    out[S.MODEL] = label
    if aht_s is not None and S.AHT_S not in out.columns:
        out[S.AHT_S] = float(aht_s)
    out = out[[c for c in out.columns if c != S.AHT_S] + ([S.AHT_S] if S.AHT_S in out else [])]
    # evidence: the inner backtest, one row per model (and the blend)
    rows = []
    for n in names:
        good = [o for o in origins if scored(res[(n, o)])]
        if good:
            mase, bias = evidence_score(res, [n], good, outliers)
            rows.append(dict(model=n, folds=len(good), mase=mase, bias=bias,
                             shipped=members == [n]))
    good = [o for o, f in zip(origins, folds, strict=True) if scored(f)]
    if len(members) > 1 and good:
        mase, bias = evidence_score(res, members, good, outliers)
        rows.append(dict(model=label, folds=len(good), mase=mase, bias=bias, shipped=True))
    evidence = pd.DataFrame(rows, columns=["model", "folds", "mase", "bias", "shipped"])
    return out, evidence, notes, choice


def _choice_row(choice: AutoChoice | None, model: str) -> dict:
    """One row of :attr:`ForecastResult.choices`."""
    if choice is None:
        return dict(model=model, members=model, folds=0, mase=np.nan, bias=np.nan,
                    baseline=None, baseline_mase=np.nan, baseline_bias=np.nan, gain=np.nan,
                    summary=f"model {model} as asked (no choice made)")
    return dict(model=model, members=choice.label, folds=choice.folds, mase=choice.mase,
                bias=choice.bias, baseline=choice.baseline, baseline_mase=choice.baseline_mase,
                baseline_bias=choice.baseline_bias, gain=choice.gain, summary=choice.summary())


def _series_forecast(task):
    """One series' forecast (a pure map task of :func:`run_forecast`): (frame, evidence,
    choice row, notes), the key columns inserted and the notes prefixed with the series."""
    key, g, r, opts, calendar, source, tz, step = task
    fit_cache_scope((source, tuple(sorted(key.items()))))
    if r is not None:
        target_days = pd.DatetimeIndex(r[S.INTERVAL_START].dt.normalize().unique()).sort_values()
        start = target_days.min()
        hd = max(7, (target_days.max() - start).days + 1)   # calibrate on this span
    else:
        start = g[S.INTERVAL_START].max().normalize() + pd.Timedelta(days=1)
        target_days = pd.date_range(start, periods=opts.horizon_days, freq="D")
        hd = opts.horizon_days
    cal, asked_notes = calendar, []
    if r is not None:
        cal, asked_notes = _asked_holidays(calendar, g, target_days)
    with _naming(source, key):
        out, evidence, notes, choice = _forecast_queue(
            g, interval_min=step, source=source, target_days=target_days,
            start=start, models=_model_list(opts.model), level=opts.level, calendar=cal,
            horizon_days=hd, cal_folds=opts.cal_folds, aht_s=opts.aht_s)
    if tz is not None:
        out = localize_output(out, tz)
    if r is not None:
        want = r[[S.INTERVAL_START]].drop_duplicates()
        out = want.merge(out, on=S.INTERVAL_START, how="left")
        shut = out[S.OFFERED].isna()
        notes = notes + asked_notes + _zeroed_note(out.loc[shut, S.INTERVAL_START])
        for c in out.columns:
            if c.startswith(S.OFFERED):
                out[c] = out[c].fillna(0.0)
        out[S.MODEL] = out[S.MODEL].where(~shut, "closed")
        if S.AHT_S in out.columns:
            out[S.AHT_S] = out[S.AHT_S].fillna(float(opts.aht_s) if opts.aht_s else np.nan)
    choice_row = pd.DataFrame([_choice_row(choice, str(out[S.MODEL].iloc[0])
                                           if len(out) else "closed")])
    if key:
        out = _insert_key(out, key)
        evidence = _insert_key(evidence, key)
        choice_row = _insert_key(choice_row, key)
        notes = [f"{series_prefix(key)}{n}" for n in notes]
    return out, evidence, choice_row, notes


def run_forecast(history, options: ForecastOptions | None = None, *, intervals=None,
                 read: ReadOptions | None = None, workers: int | None = 1, progress=None,
                 scheduler: str | None = None, on_series=None, **keywords) -> ForecastResult:
    """Forecast calls offered per interval, with a calibrated prediction interval.

    history : a :class:`~forecast.io.History`, or a path (CSV/Excel/Parquet) or DataFrame
        to read with :func:`forecast.io.read_history`.
    options : a :class:`~forecast.options.ForecastOptions`; ``keywords`` are its fields
        (``horizon``, ``freq``, ``model``, ``level``, ``country``, ``special_days``, ``tz``,
        ``cal_folds``, ``column_map``, ``aht_s``) and replace the ones in ``options``.
        ``horizon``: every open interval of that many days after the history.
        ``aht_s``: constant AHT (seconds) for the ``aht_s`` column when the history has no
        AHT. ``tz``: DST days then have their real number of intervals (a 24-hour queue:
        92 or 100 quarter-hours) and ``utc_offset_min`` tells the two copies of the
        repeated hour apart.
    read : how to read a history file or frame (:class:`wfmcore.readoptions.ReadOptions`:
        time zones, column map, date format, sheet, filter, layout).
    intervals : instead of ``horizon``, the ``interval_start`` values to forecast (path or
        frame with that column, optionally ``queue`` and ``channel``); requested intervals on closed days or
        outside opening hours get 0 calls and model 'closed'. If they overlap the history,
        the history is cut before the first requested day (an honest comparison).

    workers : processes forecasting series in parallel (:func:`wfmcore.parallel.map_ordered`;
        None: one per core from four series on; spawned processes re-import the calling
        script, which then needs ``if __name__ == "__main__":``); the result is the same for
        any number.
    progress : called with 1 as each series is done (``on_series(n)``: told the number of
        series first).
    scheduler : a Dask scheduler address (``tcp://host:8786``): the series are forecast as
        tasks of that cluster instead (``workers`` is then ignored); the same result.

    Returns a :class:`ForecastResult` (frame, evidence, notes, interval_min, level).
    """
    opts = _options(options, keywords)
    calendar = Calendar(country=opts.country, special_days=opts.special_days)
    hist = load_history(history, opts, read)
    step = hist.interval_min
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
    tasks = []
    for key, g in series_groups(hist.frame):
        r = None
        if req is not None:
            r = req
            for k, v in key.items():
                if k in r.columns:
                    r = r[r[k].astype(str) == v]
            if r.empty:
                continue
        tasks.append((key, g, r, opts, calendar, hist.source, hist.tz, step))
    if on_series is not None:
        on_series(len(tasks))
    outs, evid, chosen, notes_all = [], [], [], list(hist.notes) + channel_note(hist.frame)
    for out, evidence, choice_row, notes in map_ordered(_series_forecast, tasks,
                                                        workers=workers, progress=progress,
                                                        scheduler=scheduler):
        outs.append(out)
        evid.append(evidence)
        chosen.append(choice_row)
        notes_all += notes
    if not outs:
        raise InputError("intervals: none of the requested queues is in the history")
    return ForecastResult(frame=pd.concat(outs, ignore_index=True),
                          evidence=pd.concat(evid, ignore_index=True), notes=notes_all,
                          interval_min=step, level=opts.level,
                          choices=pd.concat(chosen, ignore_index=True))


def _partition_forecast(task) -> ForecastResult:
    """One partition's forecast (a pure map task of :func:`run_forecast_partitioned`): the
    partition folder is read here, by the worker that forecasts it."""
    folder, opts, read = task
    return run_forecast(folder, options=opts, read=read, workers=1)


def run_forecast_partitioned(folder, options: ForecastOptions | None = None, *,
                             read: ReadOptions | None = None, workers: int | None = 1,
                             scheduler: str | None = None, progress=None, on_series=None,
                             **keywords) -> ForecastResult:
    """:func:`run_forecast` of a Parquet dataset partitioned by queue (hive layout
    ``FOLDER/queue=NAME/*.parquet``, :func:`wfmcore.reader.partitions`): each partition is
    read (by the one reader, validated as a CSV is) and forecast by the worker it is given
    to, so memory holds one queue's history per worker, not the whole dataset, and a
    cluster reads its part directly. ``workers`` / ``scheduler`` / ``progress`` /
    ``on_series`` count partitions. The frame, evidence and choices equal those of
    :func:`run_forecast` on the same rows in one file; the notes of each partition's reading
    are kept once each."""
    opts = _options(options, keywords)
    parts = partitions(folder)
    if on_series is not None:
        on_series(len(parts))
    tasks = [(str(p), opts, read) for _, p in parts]
    results = map_ordered(_partition_forecast, tasks, workers=workers, progress=progress,
                          scheduler=scheduler)
    steps = {r.interval_min for r in results}
    if len(steps) > 1:
        raise InputError(f"{folder}: the partitions have different interval lengths "
                         f"({', '.join(f'{m} min' for m in sorted(steps))}); give --freq")
    notes = list(dict.fromkeys(n for r in results for n in r.notes))
    return ForecastResult(frame=pd.concat([r.frame for r in results], ignore_index=True),
                          evidence=pd.concat([r.evidence for r in results], ignore_index=True),
                          notes=notes, interval_min=results[0].interval_min, level=opts.level,
                          choices=pd.concat([r.choices for r in results], ignore_index=True))


def forecast_table(result: ForecastResult | pd.DataFrame) -> pd.DataFrame:
    """The forecast as written: ``interval_start`` as YYYY-MM-DD HH:MM text, calls and
    ``aht_s`` rounded to 3 decimals."""
    f = (result.frame if isinstance(result, ForecastResult) else result).copy()
    f[S.INTERVAL_START] = pd.to_datetime(f[S.INTERVAL_START]).dt.strftime(S.TIME_FORMAT)
    num = [c for c in f.columns if c.startswith(S.OFFERED) or c == S.AHT_S]
    f[num] = f[num].round(3)
    return f


def write_forecast_partitioned(result: ForecastResult, out_dir: Path | str,
                               inputs=()) -> list[Path]:
    """Write a forecast with a ``queue`` column as a Parquet dataset partitioned by queue
    (``OUT_DIR/queue=NAME/part.parquet``, :func:`wfmcore.io.write_partitioned`), the
    columns as :func:`forecast_table` writes them to CSV."""
    f = forecast_table(result)
    if S.QUEUE not in f.columns:
        raise InputError(f"{out_dir}: a forecast partitioned by queue needs a queue column; "
                         "the history has none", param="partitioned")
    return write_partitioned(((str(q), g) for q, g in f.groupby(S.QUEUE, sort=False)),
                             out_dir, S.QUEUE, inputs=inputs)


def write_forecast(result: ForecastResult | pd.DataFrame, out: Path | str, inputs=()) -> Path:
    """Write a forecast (a :class:`ForecastResult` or its frame) as CSV, atomically:
    ``interval_start`` as YYYY-MM-DD HH:MM, calls and ``aht_s`` rounded to 3 decimals.
    ``inputs``: paths the output must not overwrite."""
    return write_csv_atomic(forecast_table(result), out, inputs=inputs)


def _asked_holidays(calendar: Calendar, frame: pd.DataFrame, target_days: pd.DatetimeIndex
                    ) -> tuple[Calendar, list[str]]:
    """Requested days (``--intervals``) that are public holidays on a weekday the centre
    opens, and not in the special-days file, are forecast open whatever the history showed on
    that holiday: the request says the centre will be open. Returns the calendar with those
    days marked open, and a note for each holiday that would otherwise have been closed."""
    if calendar.country is None:
        return calendar, []
    hist_days = pd.DatetimeIndex(frame[S.INTERVAL_START].dt.normalize().unique())
    hist_days = hist_days[hist_days < target_days.min()]     # the history is cut there
    if not len(hist_days):
        return calendar, []
    open_wd = open_weekdays(hist_days)
    asked = [d for d in target_days if calendar.holiday(d) and open_wd[d.weekday()]
             and calendar.special(d) is None]
    if not asked:
        return calendar, []
    before = day_table(hist_days, max(asked), calendar)
    notes = [f"{d:%Y-%m-%d} is {calendar.holiday(d)}, on which the history shows the centre "
             "closed; its intervals were asked for, so it is forecast as an open day"
             for d in asked if before.loc[d, "status"] == "closed"]
    return calendar.with_open(asked), notes


def _zeroed_note(starts: pd.Series) -> list[str]:
    """The note for requested intervals that got 0 calls (model 'closed'): how many and on
    which days, so that no requested interval is zeroed silently."""
    if starts.empty:
        return []
    days = pd.to_datetime(starts).dt.normalize()
    listed = ", ".join(f"{d:%a %Y-%m-%d} ({n})" for d, n in days.value_counts().sort_index()
                       .head(5).items())
    more = f" and {days.nunique() - 5} more days" if days.nunique() > 5 else ""
    return [f"{len(starts)} requested intervals set to 0 calls (model 'closed'): outside the "
            f"opening hours or on a weekday the history shows closed: {listed}{more}"]


# --- backtest ---------------------------------------------------------------------------------

def _series_backtest(task):
    """One series' backtest (a pure map task of :func:`run_backtest`): (table, folds, notes)
    with the key columns inserted and the notes prefixed, or (None, None, notes) when the
    history is too short."""
    key, g, opts, calendar, source, step, folds, staffing = task
    fit_cache_scope((source, tuple(sorted(key.items()))))
    panel = build_panel(g, step, calendar)
    aht_q = opts.aht_s
    if aht_q is None and S.AHT_S in g.columns and g[S.AHT_S].notna().any():
        w = g[S.OFFERED].where(g[S.AHT_S].notna(), 0)
        aht_q = float((g[S.AHT_S].fillna(0) * w).sum() / max(w.sum(), 1e-9))
    with _naming(source, key):
        r = backtest(panel, _model_list(opts.model), folds=folds,
                     horizon_days=opts.horizon_days, level=opts.level,
                     cal_folds=opts.cal_folds, aht_s=aht_q or 300.0, staffing=staffing)
    prefix = series_prefix(key)
    if r.table.empty:
        return None, None, [f"{prefix}history too short for a backtest (needs at least two "
                            "weeks)"]
    t, f = r.table, r.folds
    q_notes = list(r.notes)
    if int(t["folds"].max()) < folds:
        q_notes.append(f"only {int(t['folds'].max())} weekly origins fit in the history "
                       f"(asked for {folds}); scored those")
    if key:
        t = _insert_key(t, key)
        f = _insert_key(f, key)
    return t, f, [prefix + n for n in q_notes]


def run_backtest(history, options: ForecastOptions | None = None, *, folds: int = 10,
                 staffing: Staffing | None = None, progress=None,
                 read: ReadOptions | None = None, workers: int | None = 1,
                 scheduler: str | None = None, on_series=None, **keywords) -> BacktestResult:
    """Rolling-origin backtest over the last ``folds`` weekly origins, per queue.

    ``history``, ``options``, ``read`` and ``keywords`` as for :func:`run_forecast` (``model``: the
    candidates, default all of them; ``horizon``: what each origin forecasts; ``cal_folds``:
    the earlier origins that choose ``auto`` and calibrate each origin's intervals).
    ``staffing(traffic_erl, aht_s)`` (:data:`forecast.backtest.Staffing`) prices the errors
    in agents, e.g. ``functools.partial(erlang.required_agents,
    target=erlang.ServiceTarget())`` for Erlang C at 80/20, with AHT ``aht_s``, else the
    history's mean AHT, else 300 s; with ``workers`` > 1 or a ``scheduler`` it must be
    picklable (a module-level function). Series (queue x channel) are backtested as a pure
    map (:func:`wfmcore.parallel.map_ordered`: ``workers`` processes or the Dask cluster at
    ``scheduler``), the same result for any number; ``on_series(n)`` is called once with
    the number of series, then ``progress(1)`` as each series is done.

    ``BacktestResult.table`` has one row per (queue,) model and ``auto``: ``folds`` scored,
    ``mase`` (mean over folds, each scaled by its in-sample weekly seasonal-naive MAE),
    ``wape``, ``bias`` (shares, pooled over folds), ``coverage`` of the ``level`` interval,
    ``fit_s_median`` (seconds per fit + forecast: a wall-clock time, the one column that
    differs from run to run), ``agents_mae`` and ``understaffed`` (mean
    absolute error in agents, share of intervals the forecast would understaff; NaN without
    ``staffing``), ``chosen`` (members of auto), ``winner`` (lowest MASE). ``folds`` has the
    per-fold rows; ``notes`` the models that stepped aside and the fits that warned.
    """
    opts = _options(options, keywords)
    if folds < 1:
        raise InputError(f"folds must be >= 1; got {folds!r}")
    calendar = Calendar(country=opts.country, special_days=opts.special_days)
    hist = load_history(history, opts, read)
    tasks = [(key, g, opts, calendar, hist.source, hist.interval_min, folds, staffing)
             for key, g in series_groups(hist.frame)]
    if on_series is not None:
        on_series(len(tasks))
    tables, fold_tables, notes = [], [], list(hist.notes) + channel_note(hist.frame)
    for t, f, q_notes in map_ordered(_series_backtest, tasks, workers=workers,
                                     progress=progress, scheduler=scheduler):
        notes += q_notes
        if t is not None:
            tables.append(t)
            fold_tables.append(f)
    if not tables:
        raise InputError(f"{hist.source}: history too short for a backtest (needs at least "
                         "two weeks)")
    return BacktestResult(table=pd.concat(tables, ignore_index=True),
                          folds=pd.concat(fold_tables, ignore_index=True), notes=notes,
                          interval_min=hist.interval_min)


__all__ = ["BacktestResult", "ForecastResult", "aht_profile", "forecast_table", "run_backtest",
           "run_forecast", "run_forecast_partitioned", "write_forecast",
           "write_forecast_partitioned"]
