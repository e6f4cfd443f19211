"""Intraday reforecast: update the rest of a day's forecast from the intervals seen so far.

Two methods, each applied to one series (queue x channel) and one day at a time:

``svd_update``
    Shen & Huang (2008), "Interday forecasting and intraday updating of call center
    arrivals", MSOM 10(3):391-410. The root-transformed history X = sqrt(Y + 1/4) (days x
    slots of the day) has an SVD basis F (slots x K, K = :data:`K_COMPONENTS`) from the last
    :data:`BASIS_WEEKS` weeks. One departure from the paper, for the day's own level: the
    basis of the day's update (:func:`day_basis`) is its forecast's root shape
    sqrt(f) / ||sqrt(f)|| followed by the K SVD components orthogonalised against it
    (K + 1 columns), so that the first score is exactly a day level (it scales the whole
    root-scale day) and the others are the shape changes seen in the history. The
    day's forecast f has scores beta_hat = F' sqrt(f) (its projection on F). With the
    slots ``e`` seen so far, the scores are updated by penalised least squares,
    beta = argmin ||x_e - F_e beta||^2 + lambda ||beta - beta_hat||^2, i.e.
    beta = (F_e'F_e + lambda I)^-1 (F_e'x_e + lambda beta_hat) (:func:`penalised_update`),
    and the rest of the day is sqrt(f_l) + F_l (beta - beta_hat), squared. Written as a
    correction of the forecast, so that the part of the forecast outside the span of F is
    kept: x_e above is the observed root counts minus that part, and lambda -> infinity
    returns the forecast unchanged, lambda -> 0 the least-squares fit of the seen slots.
``ratio``
    The run-rate ratio, the baseline: the rest of the day times (A + k) / (F + k), A the
    calls seen so far, F the forecast of the same intervals (:func:`ratio_factor`). k is the
    shrinkage for small counts: the posterior mean of the day level under a Gamma prior of
    mean 1 and variance v = 1/k with Poisson counts (k calls of prior weight).

The penalty (lambda, or v for the ratio) is chosen on the history before the day, never on
the day itself: leave-one-day-out over the last :data:`LOO_DAYS` complete days, each with a
stand-in forecast (the mean of the same slot over the up to 8 earlier days of its weekday;
the basis refitted without that day), the same slots seen, and the rest-of-day absolute
error of each of those days; the grids (:data:`LAMBDA_GRID`, :data:`RATIO_GRID`) start at
"no update", and the one-standard-error rule (:func:`one_se_choice`) takes the most
shrinkage whose error is within one standard error of the best, so a series whose days
carry no level information is left alone. For ``svd_update`` the penalty is lambda_k =
c_k sigma^2 / tau_k^2: empirical-Bayes penalties per component (:func:`component_penalties`)
times two multipliers, c_level for the first (level) score and c_shape for the others,
chosen together (:func:`_candidates`: the shape held first, so the simpler update wins a
tie): the day level is updated as freely as the earlier days justify, the shape only as
far as days really vary.

Prediction intervals of the updated rest of day are calibrated from the update's own
errors on those leave-one-out days, with the recipe of :mod:`forecast.backtest`
(overdispersed-Poisson standardisation Var = f + phi f^2, empirical quantiles, widened as
split-conformal prediction does for n days: tail share a -> a n / (n + 1)). When the
chosen penalty is "no update", the forecast's own interval is kept.

Time: the forecast's rows of the as-of day are split at the as-of time on the UTC time line
when the forecast has ``utc_offset_min`` (so the repeated autumn hour is ordered right);
rows on the same local slot (the two copies of the repeated hour) are one slot of the
model, and an updated slot total is shared out in the forecast's proportions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecast.backtest import weekly_origins
from forecast.calendar import Calendar
from forecast.io import History, aggregate, read_history
from forecast.metrics import weekly_naive_scale
from forecast.options import ForecastOptions
from forecast.panel import build_panel
from forecast.pipeline import load_history, run_forecast, series_groups, series_prefix
from wfmcore import InputError, reader
from wfmcore import schema as S
from wfmcore.readoptions import ReadOptions

METHODS = ("svd_update", "ratio")
CUTOFFS = ("10:00", "13:00")            #: the cut-offs ``wfm backtest --intraday`` scores
K_COMPONENTS = 3                        #: SVD components (Shen & Huang use a few)
BASIS_WEEKS = 20                        #: weeks of history behind the basis
LOO_DAYS = 30                           #: earlier days the penalty is chosen on
STANDIN_WEEKS = 8                       #: same-weekday days behind a stand-in forecast
#: multipliers c of the empirical-Bayes penalties (lambda_k = c sigma^2 / tau_k^2, see
#: :func:`component_penalties`; c = 1 is the posterior mean); inf = no update
LAMBDA_GRID = (np.inf, *np.logspace(2, -2, 17))
#: the same for the shape components (all but the first), coarser
SHAPE_GRID = (np.inf, *np.logspace(2, -2, 9))
#: v = variance of the day level for the ratio's shrinkage k = 1/v; 0 = no update,
#: inf = the raw ratio
RATIO_GRID = (0.0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, np.inf)


class CannotUpdate(ValueError):
    """Too little history to learn the update; the message says why."""


# --- the two updates, in the slot space of one day -------------------------------------------

def penalised_update(F_e: np.ndarray, x_e: np.ndarray, beta_hat: np.ndarray,
                     lam: float) -> np.ndarray:
    """beta = argmin ||x_e - F_e beta||^2 + lam ||beta - beta_hat||^2
    = (F_e'F_e + lam I)^-1 (F_e'x_e + lam beta_hat) (Shen & Huang 2008, eq. for the
    penalised intraday update). ``lam`` = inf: beta_hat; ``lam`` = 0: least squares
    (minimum-norm when F_e has fewer rows than columns). ``lam`` may be a vector, one
    penalty per component (diag(lam) for lam I: the posterior mean under the prior
    beta ~ N(beta_hat, diag(sigma^2 / lam))); an infinite entry holds that component at
    beta_hat."""
    F_e, x_e, beta_hat = (np.asarray(a, float) for a in (F_e, x_e, beta_hat))
    lam = np.broadcast_to(np.asarray(lam, float), beta_hat.shape)
    fixed = np.isinf(lam)                      # components held at beta_hat
    if fixed.all():
        return beta_hat.copy()
    beta = beta_hat.copy()
    x_free = x_e - F_e[:, fixed] @ beta_hat[fixed]
    F_free, lam_free = F_e[:, ~fixed], lam[~fixed]
    if (lam_free == 0).all():
        beta[~fixed] = np.linalg.lstsq(F_free, x_free, rcond=None)[0]
    else:
        beta[~fixed] = np.linalg.solve(F_free.T @ F_free + np.diag(lam_free),
                                       F_free.T @ x_free + lam_free * beta_hat[~fixed])
    return beta


def ratio_factor(actual_so_far: float, forecast_so_far: float, k: float) -> float:
    """(A + k) / (F + k): the run-rate ratio with k calls of prior weight (Gamma-Poisson
    posterior mean of the day level, prior mean 1 and variance 1/k). k = inf: 1."""
    if np.isinf(k):
        return 1.0
    den = forecast_so_far + k
    return float((actual_so_far + k) / den) if den > 0 else 1.0


def svd_basis(X: np.ndarray, k: int = K_COMPONENTS) -> np.ndarray:
    """The first ``k`` right singular vectors of ``X`` (days x slots) as columns."""
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:min(k, Vt.shape[0])].T


def component_penalties(X_days: np.ndarray, x_standin: np.ndarray, bases: list,
                        n_standin: np.ndarray) -> np.ndarray:
    """Penalty per SVD component, sigma^2 / tau_k^2 (empirical Bayes): tau_k^2 is the
    variance of the score errors F_k'(x_d - x_standin_d) over the days, less their sampling
    variance: sigma^2 = 1/4 for a root-transformed count (Poisson: Var sqrt(Y + 1/4) ~ 1/4,
    the reason for the transform; F has orthonormal columns, so a score has the same
    variance) plus sigma^2 / n for a stand-in that is the mean of n days. The day level
    (the first component) moves much more from day to day than the shape components, so it
    is penalised least; a component that does not vary beyond sampling noise is frozen."""
    d = np.array([F.T @ (x - s) for F, x, s in zip(bases, X_days, x_standin, strict=True)])
    noise = 0.25 * np.mean(1 + 1 / np.asarray(n_standin, float))
    tau2 = np.maximum(np.mean(d ** 2, axis=0) - noise, 1e-6)
    return 0.25 / tau2


def day_basis(F: np.ndarray, x_fc: np.ndarray) -> np.ndarray:
    """The basis of one day's update: its forecast's own root shape x_fc / ||x_fc|| first
    (a change of its score scales the whole day, as a day level does; a flat day when the
    forecast is all zero), then the K SVD components orthogonalised against it
    (Gram-Schmidt, by QR): K + 1 orthonormal columns."""
    first = x_fc if np.any(x_fc > 0) else np.ones_like(x_fc)
    Q = np.linalg.qr(np.column_stack([first, F]))[0]
    return Q[:, :F.shape[1] + 1]


def _svd_rest(F: np.ndarray, f: np.ndarray, seen: np.ndarray, y_seen: np.ndarray,
              lam: float) -> np.ndarray:
    """Updated forecast of the unseen slots (``~seen``), see the module docstring."""
    x_fc = np.sqrt(np.maximum(f, 0.0))
    beta_hat = F.T @ x_fc
    resid = x_fc[seen] - F[seen] @ beta_hat         # the forecast outside span(F)
    x_e = np.sqrt(y_seen + 0.25) - resid
    beta = penalised_update(F[seen], x_e, beta_hat, lam)
    x_l = x_fc[~seen] + F[~seen] @ (beta - beta_hat)
    return np.maximum(x_l, 0.0) ** 2


def _ratio_rest(f: np.ndarray, seen: np.ndarray, y_seen: np.ndarray, v: float) -> np.ndarray:
    k = np.inf if v == 0 else (0.0 if np.isinf(v) else 1.0 / v)
    return f[~seen] * ratio_factor(float(y_seen.sum()), float(f[seen].sum()), k)


def _rest(method: str, penalty: tuple, F, f, seen, y_seen, scale=None) -> np.ndarray:
    """The rest of the day for a candidate ``penalty``: (c_level, c_shape) multipliers of
    the component penalties ``scale`` for svd_update, (v,) for the ratio."""
    if method == "svd_update":
        c = np.full(len(scale), penalty[1])
        c[0] = penalty[0]
        return _svd_rest(F, f, seen, y_seen, c * scale)
    return _ratio_rest(f, seen, y_seen, penalty[0])


def _rest_all(method: str, grid: list[tuple], F, f, seen, y_seen, scale) -> np.ndarray:
    """:func:`_rest` for every candidate of ``grid`` at once (candidates x unseen slots).
    For svd_update one batched solve; an infinite penalty is 1e12 here (the component then
    moves by ~1e-12 of its residual: held, to rounding)."""
    if method == "ratio":
        return np.array([_ratio_rest(f, seen, y_seen, p[0]) for p in grid])
    c = np.array([[p[0]] + [p[1]] * (len(scale) - 1) for p in grid]) * scale
    lam = np.where(np.isinf(c), 1e12, c)                          # (G, K)
    x_fc = np.sqrt(np.maximum(f, 0.0))
    beta_hat = F.T @ x_fc
    F_e = F[seen]
    x_e = np.sqrt(y_seen + 0.25) - (x_fc[seen] - F_e @ beta_hat)
    A = (F_e.T @ F_e)[None] + lam[:, :, None] * np.eye(len(scale))[None]
    b = (F_e.T @ x_e)[None] + lam * beta_hat[None]
    beta = np.linalg.solve(A, b[..., None])[..., 0]                # (G, K)
    x_l = x_fc[~seen][None] + (beta - beta_hat[None]) @ F[~seen].T
    return np.maximum(x_l, 0.0) ** 2


def _candidates(method: str) -> list[tuple]:
    """Penalties to choose from, the most shrinkage first (no update, then for
    svd_update: the shape held and the level freed step by step, then the shape freed)."""
    if method == "ratio":
        return [(v,) for v in RATIO_GRID]
    return [(c_level, c_shape) for c_shape in SHAPE_GRID for c_level in LAMBDA_GRID]


def _no_update(method: str, penalty: tuple) -> bool:
    return bool(np.isinf(penalty).all()) if method == "svd_update" else penalty[0] == 0


@dataclass(frozen=True)
class SlotUpdate:
    """The updated rest of one day in slot space: ``offered`` (expected calls of the unseen
    slots), ``lo`` / ``hi`` (None: keep the forecast's interval), ``penalty`` (svd_update:
    the multipliers (c_level, c_shape); ratio: (v,)), ``loo_days`` (days it was chosen on)."""

    offered: np.ndarray
    lo: np.ndarray | None
    hi: np.ndarray | None
    penalty: tuple
    loo_days: int


def _calibrated(y: np.ndarray, fc: np.ndarray, level: float, n_days: int
                ) -> tuple[float, float, float]:
    """(phi, q_lo, q_hi) of the interval f + q sqrt(f + phi f^2), as in
    :func:`forecast.backtest.calibrate`: phi by moments, split-conformal widening for
    ``n_days`` independent days."""
    fc = np.maximum(fc, 1e-9)
    phi = max(0.0, float(np.sum((y - fc) ** 2 - fc) / np.sum(fc ** 2)))
    z = (y - fc) / np.sqrt(fc + phi * fc ** 2)
    a = (1 - level) / 2 * n_days / (n_days + 1)
    q_lo, q_hi = np.quantile(z, [a, 1 - a])
    return phi, float(q_lo), float(q_hi)


def one_se_choice(day_errors: np.ndarray) -> int:
    """The one-standard-error rule (Hastie, Tibshirani & Friedman, The Elements of
    Statistical Learning, 2nd ed., sec. 7.10): of the candidates (rows, ordered from the
    most shrinkage, "no update", on) with per-day errors (columns), the first whose mean
    error exceeds the best one's by at most the standard error of their per-day difference.
    A penalty is only bought with evidence: on days without level information the update
    stays off instead of following leave-one-out noise."""
    total = day_errors.mean(axis=1)
    best = int(np.argmin(total))
    n = day_errors.shape[1]
    for g in range(best + 1):
        diff = day_errors[g] - day_errors[best]
        se = diff.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
        if diff.mean() <= se:
            return g
    return best


def update_day(method: str, X_days: np.ndarray, weekdays: np.ndarray, f: np.ndarray,
               seen: np.ndarray, y_seen: np.ndarray, level: float = 0.8) -> SlotUpdate:
    """Update one day's forecast ``f`` (slots) from the calls ``y_seen`` of the slots
    ``seen`` (a bool mask), learning the penalty on the history ``X_days`` (complete
    earlier days x the same slots, oldest first; calls, not roots) with their
    ``weekdays``. Raises :class:`CannotUpdate` when the history is too short."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}; got {method!r}",
                         param="method")
    Y = np.asarray(X_days, float)
    wd = np.asarray(weekdays)
    f, seen, y_seen = np.asarray(f, float), np.asarray(seen, bool), np.asarray(y_seen, float)
    if len(Y) < K_COMPONENTS + 2:
        raise CannotUpdate(f"needs at least {K_COMPONENTS + 2} complete earlier days with the "
                           f"same intervals open; the history has {len(Y)}")
    X = np.sqrt(Y + 0.25)
    # leave-one-day-out days: the last LOO_DAYS with two or more earlier same-weekday days
    loo = [i for i in range(len(Y)) if (wd[:i] == wd[i]).sum() >= 2][-LOO_DAYS:]
    if len(loo) < 3:
        raise CannotUpdate(f"needs at least 3 earlier days with two same-weekday days before "
                           f"them to learn the update; the history has {len(loo)}")
    grid = _candidates(method)
    standins, bases, n_standin = [], [], []
    for i in loo:
        earlier = np.flatnonzero(wd[:i] == wd[i])[-STANDIN_WEEKS:]
        standins.append(Y[earlier].mean(axis=0))
        n_standin.append(len(earlier))
        bases.append(day_basis(svd_basis(np.delete(X, i, axis=0)), np.sqrt(standins[-1]))
                     if method == "svd_update" else None)
    scale = None
    if method == "svd_update":
        scale = component_penalties(X[loo], np.sqrt(np.array(standins)), bases, n_standin)
    preds = np.zeros((len(grid), len(loo), int((~seen).sum())))
    actual = Y[loo][:, ~seen]
    for j, i in enumerate(loo):
        preds[:, j] = _rest_all(method, grid, bases[j], standins[j], seen, Y[i, seen], scale)
    best = one_se_choice(np.abs(preds - actual[None]).sum(axis=2))
    penalty = grid[best]
    F = day_basis(svd_basis(X), np.sqrt(np.maximum(f, 0))) if method == "svd_update" else None
    rest = _rest(method, penalty, F, f, seen, y_seen, scale)
    if _no_update(method, penalty):
        return SlotUpdate(rest, None, None, penalty, len(loo))
    phi, q_lo, q_hi = _calibrated(actual.ravel(), preds[best].ravel(), level, len(loo))
    sd = np.sqrt(rest + phi * rest ** 2)
    lo = np.minimum(np.maximum(rest + q_lo * sd, 0.0), rest)
    hi = np.maximum(rest + q_hi * sd, rest)
    return SlotUpdate(rest, lo, hi, penalty, len(loo))


# --- forecast files and the as-of time ----------------------------------------------------

@dataclass(frozen=True)
class ReforecastResult:
    """What :func:`reforecast` returns: ``frame`` (the forecast's rows of the as-of day from
    the as-of time on, its columns, updated), ``notes``, ``interval_min``, ``level``,
    ``method``, ``forecast_calls`` (the same rows before the update)."""

    frame: pd.DataFrame
    notes: list[str]
    interval_min: int
    level: float | None
    method: str
    forecast_calls: float


def read_forecast_frame(source) -> tuple[pd.DataFrame, int, float | None, str]:
    """A forecast file (or frame) as ``wfm forecast`` writes it, through the one reader:
    (frame without the reader's line column, interval_min, level from the
    ``offered_loNN`` name or None, source name)."""
    table = reader.read_intervals(source, "forecast", name="forecast")
    frame = table.frame
    level = None
    for c in frame.columns:
        m = re.fullmatch(r"offered_(lo|hi)(\d+(?:\.\d+)?)", c)
        if m:
            level = float(m.group(2)) / 100
            frame[c] = reader.parse_numbers(frame, c, table.source, table.file_lines,
                                            unit="calls")
    if S.UTC_OFFSET in frame.columns:
        frame[S.UTC_OFFSET] = pd.to_numeric(frame[S.UTC_OFFSET]).astype(int)
    return frame.drop(columns=[reader.LINE]), int(table.interval_min), level, table.source


def parse_as_of(as_of, interval_min: int) -> pd.Timestamp:
    """'2026-03-02 11:00' -> Timestamp; an :class:`InputError` if it is not a time or not
    on the ``interval_min`` grid."""
    try:
        t = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        t = pd.NaT
    if pd.isna(t) or t.tzinfo is not None:
        raise InputError(f"as_of must be a local time like '2026-03-02 11:00'; got {as_of!r}",
                         param="as_of")
    if t.second or t.microsecond or (t.hour * 60 + t.minute) % interval_min:
        raise InputError(f"as_of {t:%Y-%m-%d %H:%M:%S} is not on the forecast's "
                         f"{interval_min}-minute grid (e.g. {t.floor(f'{interval_min}min'):%H:%M})",
                         param="as_of")
    return t


def _utc(frame: pd.DataFrame) -> pd.Series:
    t = frame[S.INTERVAL_START]
    if S.UTC_OFFSET in frame.columns:
        return t - pd.to_timedelta(frame[S.UTC_OFFSET], unit="min")
    return t


def _history_rows(hist: pd.DataFrame, key: dict, source: str) -> pd.DataFrame:
    rows = hist
    for k, v in key.items():
        if k not in hist.columns:
            if len(S.series_keys(hist)) == 0:
                continue                      # a one-series history for a one-key forecast
            raise InputError(f"{source}: the forecast has {k} {v} but the history has no "
                             f"{k} column")
        rows = rows[rows[k].astype(str) == str(v)]
        if rows.empty:
            raise InputError(f"{source}: no history rows for {k} {v} (the forecast has them)")
    return rows.drop(columns=[c for c in S.SERIES_COLUMNS if c in rows.columns])


def _update_series(method: str, hist: pd.DataFrame, step: int, fc_day: pd.DataFrame,
                   as_of: pd.Timestamp, as_of_utc: pd.Timestamp, level: float | None,
                   source: str, label: str) -> tuple[pd.DataFrame, str]:
    """The rest-of-day rows of one series' forecast ``fc_day`` (the as-of day's rows),
    updated from ``hist`` (one series' history rows); and the note."""
    lo_col = hi_col = None
    if level is not None:
        sfx = S.level_suffix(level)
        lo_col, hi_col = f"offered_lo{sfx}", f"offered_hi{sfx}"
    utc = _utc(fc_day)
    after = (utc >= as_of_utc).to_numpy()
    rest = fc_day.loc[after].copy()
    day = as_of.normalize()
    if not after.any():
        return rest, f"{label}the as-of time is after the day's last interval: nothing to update"
    minute = (fc_day[S.INTERVAL_START].dt.hour * 60 + fc_day[S.INTERVAL_START].dt.minute)
    slot_of_row = (minute // step).to_numpy()
    f_rows = fc_day[S.OFFERED].to_numpy(float)
    is_closed = (fc_day[S.MODEL].astype(str) == "closed").to_numpy() if S.MODEL in fc_day else \
        np.zeros(len(fc_day), bool)
    slots = np.unique(slot_of_row[~is_closed])
    if not (~after).any():
        return rest, (f"{label}the as-of time is at or before the day's first interval: the "
                      "forecast is unchanged")
    # history before the as-of time, gridded (one slot per local time of day): on the UTC
    # time line when both files have UTC offsets, else in local time
    if S.UTC_OFFSET in hist.columns and S.UTC_OFFSET in fc_day.columns:
        before = (_utc(hist) < as_of_utc).to_numpy()
    else:
        before = (hist[S.INTERVAL_START] < as_of).to_numpy()
    past = hist.loc[before]
    if past.empty or past[S.INTERVAL_START].max() < fc_day.loc[~after, S.INTERVAL_START].max():
        last = "no rows" if past.empty else f"{past[S.INTERVAL_START].max():%Y-%m-%d %H:%M}"
        raise InputError(f"{source}: {label}the history ends at {last}, before the intervals of "
                         f"{as_of:%Y-%m-%d} up to the as-of time {as_of:%H:%M}; the history must "
                         "reach the as-of day")
    panel = build_panel(past[[S.INTERVAL_START, S.OFFERED]], step)
    col = slots - panel.slots[0] // step
    inside = (col >= 0) & (col < len(panel.slots))
    slots, col = slots[inside], col[inside]
    today = np.flatnonzero(panel.days == day)
    earlier = (panel.days < day) & (panel.days >= day - pd.Timedelta(days=7 * BASIS_WEEKS))
    Yh = panel.Y[earlier][:, col]
    wd = panel.weekdays[earlier]
    usable = np.mean(~np.isnan(Yh), axis=0) >= 0.5 if len(Yh) else np.zeros(len(col), bool)
    slots, col, Yh = slots[usable], col[usable], Yh[:, usable]
    complete = ~np.isnan(Yh).any(axis=1)
    Yh, wd = Yh[complete], wd[complete]
    f_slot = np.array([f_rows[slot_of_row == s].sum() for s in slots])
    seen = np.array([not after[slot_of_row == s].any() for s in slots], bool)
    if not seen.any() or seen.all():
        return rest, f"{label}no open interval seen before the as-of time: the forecast is unchanged"
    y_today = panel.Y[today[0], col] if today.size else np.full(len(col), np.nan)
    if np.isnan(y_today[seen]).any():
        missing = slots[seen][np.isnan(y_today[seen])][0] * step
        raise InputError(f"{source}: {label}the history has no row for {day:%Y-%m-%d} "
                         f"{missing // 60:02d}:{missing % 60:02d}, before the as-of time; the "
                         "history must reach the as-of day")
    try:
        upd = update_day(method, Yh, wd, f_slot, seen, y_today[seen], level or 0.8)
    except CannotUpdate as exc:
        return rest, f"{label}{method} cannot learn the update ({exc}): the forecast is unchanged"
    # slot totals -> rows, in the forecast's proportions within a slot (the two copies of a
    # repeated hour; a slot split by the as-of time keeps only its rows from then on)
    new_rows = rest[S.OFFERED].to_numpy(float).copy()
    lo_rows = rest[lo_col].to_numpy(float).copy() if lo_col in rest else None
    hi_rows = rest[hi_col].to_numpy(float).copy() if hi_col in rest else None
    rest_slot = slot_of_row[after]
    for j, s in enumerate(slots[~seen]):
        rows = rest_slot == s
        total, n_rows = f_rows[slot_of_row == s].sum(), int((slot_of_row == s).sum())
        share = new_rows[rows] / total if total > 0 else np.full(rows.sum(), 1 / n_rows)
        new_rows[rows] = upd.offered[j] * share
        if upd.lo is not None and lo_rows is not None:
            lo_rows[rows] = upd.lo[j] * share
            hi_rows[rows] = upd.hi[j] * share
    rest[S.OFFERED] = new_rows
    if lo_rows is not None:
        rest[lo_col], rest[hi_col] = lo_rows, hi_rows
    if S.MODEL in rest.columns:
        open_ = np.isin(rest_slot, slots)
        rest[S.MODEL] = np.where(open_, method, rest[S.MODEL].astype(str))
    seen_calls, seen_fc = float(y_today[seen].sum()), float(f_slot[seen].sum())
    old_rest, new_rest = float(f_rows[after].sum()), float(new_rows.sum())
    how = ("no update chosen on the earlier days" if _no_update(method, upd.penalty) else
           (f"penalties {upd.penalty[0]:.3g} (level) and {upd.penalty[1]:.3g} (shape) x "
            "sigma^2 / tau_k^2" if method == "svd_update" else
            f"level variance v = {upd.penalty[0]:.3g}"))
    note = (f"{label}{method}: {int(seen.sum())} intervals seen, {seen_calls:,.0f} calls "
            f"(forecast {seen_fc:,.0f}); rest of day {new_rest:,.0f} calls (forecast "
            f"{old_rest:,.0f}, {new_rest / max(old_rest, 1e-9) - 1:+.1%}); {how} "
            f"(leave-one-day-out on {upd.loo_days} earlier days)")
    return rest, note


def _as_of_utc(fc_day: pd.DataFrame, as_of: pd.Timestamp) -> pd.Timestamp:
    """The as-of instant on the forecast's UTC time line: with ``utc_offset_min``, the
    offset of the first row at or after the local as-of time (the summer-time copy of a
    repeated hour), else the local time itself."""
    if S.UTC_OFFSET not in fc_day.columns or fc_day.empty:
        return as_of
    later = fc_day[fc_day[S.INTERVAL_START] >= as_of]
    ref = later.iloc[0] if len(later) else fc_day.iloc[-1]
    return as_of - pd.Timedelta(minutes=int(ref[S.UTC_OFFSET]))


def reforecast_history(hist: History, forecast: pd.DataFrame, as_of: pd.Timestamp, *,
                       method: str, interval_min: int, level: float | None,
                       source: str = "forecast") -> tuple[pd.DataFrame, list[str]]:
    """The rest of the as-of day of ``forecast`` (a forecast frame at ``interval_min``),
    updated series by series from ``hist`` (already at that interval length)."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}; got {method!r}",
                         param="method")
    day = as_of.normalize()
    fc_day_all = forecast[forecast[S.INTERVAL_START].dt.normalize() == day]
    if fc_day_all.empty:
        first, last = forecast[S.INTERVAL_START].min(), forecast[S.INTERVAL_START].max()
        if first.normalize() <= day <= last.normalize():
            return fc_day_all.copy(), [f"the forecast has no interval on {day:%Y-%m-%d} (a "
                                       "closed day): nothing to update"]
        raise InputError(f"{source}: as_of {as_of:%Y-%m-%d %H:%M} is not a day of the forecast "
                         f"({first:%Y-%m-%d} to {last:%Y-%m-%d})", param="as_of")
    as_of_utc = _as_of_utc(fc_day_all, as_of)
    outs, notes = [], []
    for key, fc_day in series_groups(fc_day_all, keep_keys=True, sort=False):
        rows = _history_rows(hist.frame, key, hist.source)
        rest, note = _update_series(method, rows, interval_min, fc_day, as_of, as_of_utc,
                                    level, hist.source, series_prefix(key))
        outs.append(rest)
        notes.append(note)
    return pd.concat(outs).reset_index(drop=True), notes


def _load_history(history, interval_min: int, read: ReadOptions | None) -> History:
    h = history if isinstance(history, History) else read_history(history, options=read)
    if h.interval_min > interval_min:
        raise InputError(f"{h.source}: the history's {h.interval_min}-minute intervals are "
                         f"longer than the forecast's {interval_min} minutes")
    if h.interval_min != interval_min:
        if interval_min % h.interval_min:
            raise InputError(f"{h.source}: the forecast's {interval_min}-minute intervals are "
                             f"not a multiple of the history's {h.interval_min} minutes")
        h = aggregate(h, interval_min)
    return h


def reforecast(history, forecast, as_of, *, method: str = "svd_update",
               read: ReadOptions | None = None) -> ReforecastResult:
    """Update the rest of the as-of day of ``forecast`` (a path or frame as ``wfm forecast``
    writes it) from the intervals of ``history`` (a :class:`~forecast.io.History`, path or
    frame, read as ``read`` says and summed to the forecast's interval length) seen before
    ``as_of`` (local time on the forecast's grid, e.g. '2026-03-02 11:00').

    Returns a :class:`ReforecastResult` whose frame has the forecast's columns and its rows
    of that day from ``as_of`` on; ``model`` names the method (``svd_update`` or
    ``ratio``) on the rows it updated. As-of at or before the first interval: the forecast
    unchanged; after the last: no rows. Each queue (x channel) is updated on its own.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}; got {method!r}",
                         param="method")
    fc, step, level, fc_source = read_forecast_frame(forecast)
    t = parse_as_of(as_of, step)
    hist = _load_history(history, step, read)
    frame, notes = reforecast_history(hist, fc, t, method=method, interval_min=step,
                                      level=level, source=fc_source)
    fc_day = fc[(fc[S.INTERVAL_START].dt.normalize() == t.normalize())]
    before = float(fc_day.loc[fc_day[S.INTERVAL_START] >= t, S.OFFERED].sum())
    return ReforecastResult(frame=frame, notes=list(hist.notes) + notes, interval_min=step,
                            level=level, method=method, forecast_calls=before)


# --- the intraday backtest --------------------------------------------------------------------

@dataclass(frozen=True)
class IntradayBacktest:
    """What :func:`intraday_backtest` returns: ``table`` (one row per (queue, channel,)
    method and cut-off: ``folds``, ``mase``, ``wape``, ``bias``, ``coverage``,
    ``vs_no_update``), ``folds`` (one row per origin too), ``notes``, ``interval_min``."""

    table: pd.DataFrame
    folds: pd.DataFrame
    notes: list[str]
    interval_min: int


def intraday_backtest(history, options: ForecastOptions | None = None, *, folds: int = 10,
                      cutoffs=CUTOFFS, read: ReadOptions | None = None, progress=None,
                      **keywords) -> IntradayBacktest:
    """Score the intraday updates at the cut-offs (local times of day) over the last
    ``folds`` weekly origins: at each origin, :func:`forecast.run_forecast` on the history
    before it forecasts the next ``horizon`` (the forecast being updated); on each day of
    it and at each cut-off, ``no_update`` (the forecast), ``ratio`` and ``svd_update`` are
    scored on the rest of the day (the intervals from the cut-off on) against the actual
    calls. MASE per fold = rest-of-day MAE / the in-sample MAE of the weekly seasonal naive
    forecast on the history before the origin (as :func:`forecast.run_backtest` scales),
    then the mean over folds; ``wape``, ``bias`` pooled; ``coverage`` of the interval;
    ``vs_no_update`` = mase / mase(no_update) - 1. ``progress(1)`` after each origin."""
    opts = replace(options, **keywords) if options is not None else ForecastOptions(**keywords)
    if folds < 1:
        raise InputError(f"folds must be >= 1; got {folds!r}", param="folds")
    hist = load_history(history, opts, read)
    step = hist.interval_min
    cut_min = []
    for c in cutoffs:
        t = parse_as_of(f"2000-01-01 {c}", step)
        cut_min.append(t.hour * 60 + t.minute)
    calendar = Calendar(country=opts.country, special_days=opts.special_days)
    keys = S.series_keys(hist.frame)
    # origins: those of the first series (the series share one calendar of weeks)
    first_rows = next(series_groups(hist.frame, sort=False))[1]
    panel = build_panel(first_rows, step, calendar)
    origins = weekly_origins(panel, folds, opts.horizon_days)
    rows, notes = [], list(hist.notes)
    sfx = S.level_suffix(opts.level)
    for origin in origins:
        train = hist.frame[hist.frame[S.INTERVAL_START] < origin]
        gap = (origin - train[S.INTERVAL_START].max().normalize()).days - 1
        fc_res = run_forecast(replace(hist, frame=train.reset_index(drop=True)),
                              replace(opts, horizon=opts.horizon_days + gap, freq=None))
        fc = fc_res.frame
        fc = fc[(fc[S.INTERVAL_START] >= origin)
                & (fc[S.INTERVAL_START] < origin + pd.Timedelta(days=opts.horizon_days))]
        for key, fc_series in series_groups(fc, keep_keys=True, sort=False):
            h_rows = _history_rows(hist.frame, key, hist.source)
            h_train = h_rows[h_rows[S.INTERVAL_START] < origin]
            tp = build_panel(h_train[[S.INTERVAL_START, S.OFFERED]], step)
            scale = weekly_naive_scale(tp.days, tp.Y)
            actual_key = [S.INTERVAL_START] + ([S.UTC_OFFSET] if S.UTC_OFFSET in h_rows else [])
            act = h_rows[actual_key + [S.OFFERED]].rename(columns={S.OFFERED: "_actual"})
            days = pd.DatetimeIndex(fc_series[S.INTERVAL_START].dt.normalize().unique())
            acc = {}
            for c, cm in zip(cutoffs, cut_min, strict=True):
                for d in days:
                    if not (h_rows[S.INTERVAL_START].dt.normalize() == d).any():
                        continue                  # no actuals that day: nothing to score
                    as_of = d + pd.Timedelta(minutes=cm)
                    fc_day = fc_series[fc_series[S.INTERVAL_START].dt.normalize() == d]
                    base = fc_day[_utc(fc_day) >= _as_of_utc(fc_day, as_of)]
                    for method in ("no_update", *reversed(METHODS)):
                        if method == "no_update":
                            out = base
                        else:
                            out, _ = reforecast_history(
                                replace(hist, frame=h_rows), fc_day, as_of, method=method,
                                interval_min=step, level=opts.level)
                        scored_ = out.merge(act, on=[k for k in actual_key if k in out],
                                            how="inner")
                        a = acc.setdefault((method, c), [[], [], [], []])
                        a[0].append(scored_["_actual"].to_numpy(float))
                        a[1].append(scored_[S.OFFERED].to_numpy(float))
                        a[2].append(scored_[f"offered_lo{sfx}"].to_numpy(float))
                        a[3].append(scored_[f"offered_hi{sfx}"].to_numpy(float))
            for (method, c), (y, f, lo, hi) in acc.items():
                y, f, lo, hi = (np.concatenate(v) for v in (y, f, lo, hi))
                if not y.size:
                    continue
                rows.append(dict(**key, method=method, cutoff=c, origin=origin,
                                 mase=float(np.mean(np.abs(y - f)) / scale),
                                 abs_err=float(np.abs(y - f).sum()), sum_err=float((f - y).sum()),
                                 calls=float(y.sum()), n=int(y.size),
                                 covered=int(((y >= lo) & (y <= hi)).sum())))
        if progress is not None:
            progress(1)
    fold_df = pd.DataFrame(rows)
    if fold_df.empty:
        raise InputError(f"{hist.source}: history too short for an intraday backtest (needs "
                         "at least two weeks)")
    out = []
    for gkey, g in fold_df.groupby([*keys, "method", "cutoff"], sort=False):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        out.append(dict(zip([*keys, "method", "cutoff"], gkey, strict=True),
                        folds=len(g), mase=g.mase.mean(), wape=g.abs_err.sum() / g.calls.sum(),
                        bias=g.sum_err.sum() / g.calls.sum(), coverage=g.covered.sum() / g.n.sum(),
                        level=opts.level))
    table = pd.DataFrame(out)
    base = table[table.method == "no_update"].set_index([*keys, "cutoff"])["mase"]
    idx = pd.MultiIndex.from_frame(table[[*keys, "cutoff"]]) if keys else table["cutoff"]
    table["vs_no_update"] = table["mase"].to_numpy() / base.reindex(idx).to_numpy() - 1
    order = {m: i for i, m in enumerate(("no_update", "ratio", "svd_update"))}
    table = table.sort_values([*keys, "cutoff", "method"], key=lambda s: s.map(order)
                              if s.name == "method" else s, kind="stable").reset_index(drop=True)
    if len(origins) < folds:
        notes.append(f"only {len(origins)} weekly origins fit in the history (asked for "
                     f"{folds}); scored those")
    return IntradayBacktest(table=table, folds=fold_df, notes=notes, interval_min=step)


__all__ = ["CUTOFFS", "METHODS", "CannotUpdate", "IntradayBacktest", "ReforecastResult",
           "SlotUpdate", "component_penalties", "intraday_backtest", "one_se_choice",
           "parse_as_of", "penalised_update",
           "ratio_factor", "read_forecast_frame", "reforecast", "reforecast_history",
           "svd_basis", "update_day"]
