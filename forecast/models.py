"""Candidate models for interval call volumes, all behind one small interface.

``model.fit(panel)`` learns from a :class:`~forecast.panel.Panel` (open days x slots of the
day) and ``model.predict(days)`` returns expected calls, an array (len(days), n_slots).
Prediction intervals are *not* model-theoretic: :mod:`forecast.backtest` calibrates them
from the model's own rolling-origin errors. A model that cannot work with the history it is
given raises :class:`NotEnoughHistory` with the reason; the caller records it and moves on.

Models
------
seasonal_naive
    The same slot on the latest earlier day with the same weekday (one week earlier when
    that day was open). The baseline that MASE is scaled by.
weekday_avg
    Mean of the same slot over the last ``weeks`` (8) open days with the same weekday.
day_profile
    Day total x intraday profile (Weinberg, Brown & Stroud 2007; Shen & Huang 2008 use the
    same split). log(day total) = local level + AR(1) transient + weekday effect + closure
    effects (day before a closure, first and second open day after one) + a turn-of-the-month
    effect (:data:`forecast.calendar.MONTH_TURN`, once :data:`MIN_TURNS` turns are in the
    history) + noise, a Gaussian state-space model (statsmodels ``UnobservedComponents``:
    level a random walk, regression coefficients in the state vector so they are estimated
    by GLS with the level). The profile is the share of the day's calls in each slot, averaged over the last 8 weeks of
    the same weekday, shrunk toward the all-weekday profile and lightly smoothed in time.
svd
    Shen & Huang (2008), Ann. Appl. Stat. 2(2):601-623: root-transformed counts
    X = sqrt(Y + 1/4) (days x slots) ~ sum_k beta_k(day) f_k(slot) from the SVD of the recent
    history (K = 3); each day-score series beta_k gets the same state-space model as the day
    totals above; forecast Y = X_hat^2.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections import Counter

import numpy as np
import pandas as pd

from forecast.panel import PROFILE_WEEKS, Panel
from wfmcore import InputError


class NotEnoughHistory(ValueError):
    """The history is too short (or too irregular) for this model; the message says why."""


class Model(ABC):
    """Base class (abstract: every model defines :meth:`predict`). ``fixed_params_`` (one
    vector per state-space part, see :meth:`state_params`) lets a caller that fits the same
    model on many nearly equal histories skip the likelihood search: the variances are kept and only the states are
    re-filtered (a Kalman pass, ~1/50 of a fit). Models without state-space parts ignore it.
    """

    name = "model"
    min_weeks = 1          # whole weeks of history needed
    fixed_params_: list | None = None
    #: what the last fit's statsmodels calls warned about (see :func:`fit_notes`)
    fit_warnings_: tuple[str, ...] = ()

    def state_params(self) -> list | None:
        """Parameter vectors of the last fit's state-space parts (None: there are none)."""
        return None

    def _fixed(self, j: int):
        ps = self.fixed_params_
        return ps[j] if ps is not None and j < len(ps) else None

    def fit(self, panel: Panel) -> Model:
        # weeks touched by the history: Mon-Fri of one week is 1 week
        weeks = int(np.ceil(((panel.days.max() - panel.days.min()).days + 1) / 7)) \
            if len(panel.days) else 0
        if weeks < self.min_weeks:
            raise NotEnoughHistory(f"{self.name} needs at least {self.min_weeks} weeks of "
                                   f"history; got {weeks}")
        self.panel_ = panel
        self.fit_warnings_ = ()
        self._fit(panel)
        return self

    def _fit(self, panel: Panel) -> None:  # noqa: B027 - optional hook, not abstract
        """Hook for models that estimate something; the averaging models need nothing."""

    @abstractmethod
    def predict(self, days: pd.DatetimeIndex) -> np.ndarray:
        """Calls per (day, interval of the day) for ``days``, shape (len(days), n_slots)."""

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


def smooth_121(p: np.ndarray) -> np.ndarray:
    """1-2-1 moving average over neighbouring slots, ends held (edge padding)."""
    return np.convolve(np.pad(p, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")


def _latest_same_weekday(panel: Panel, days: pd.DatetimeIndex, n: int) -> list[np.ndarray]:
    """For each target day: row indices of the last ``n`` history days with its weekday."""
    wd = panel.weekdays
    out = []
    for d in days:
        idx = np.flatnonzero((wd == d.weekday()) & (panel.days.to_numpy() < d.to_datetime64()))
        if idx.size == 0:
            raise NotEnoughHistory(f"no earlier {d:%A} in the history to copy")
        out.append(idx[-n:])
    return out


class SeasonalNaive(Model):
    """Same slot, latest earlier day with the same weekday."""

    name = "seasonal_naive"

    def predict(self, days):
        out = []
        for rows in _latest_same_weekday(self.panel_, days, 52):
            y = self.panel_.Y[rows[-1]].copy()
            for r in rows[-2::-1]:            # a missing row: take it from a week earlier
                if not np.isnan(y).any():
                    break
                y = np.where(np.isnan(y), self.panel_.Y[r], y)
            out.append(np.nan_to_num(y))
        return np.array(out)


class WeekdayAverage(Model):
    """Mean of the same slot over the last ``weeks`` days with the same weekday."""

    def __init__(self, weeks: int = 8):
        self.weeks = weeks
        self.name = f"weekday_avg{weeks}"

    def predict(self, days):
        out = []
        for rows in _latest_same_weekday(self.panel_, days, self.weeks):
            y = self.panel_.Y[rows]
            num = np.nansum(y, axis=0)
            den = (~np.isnan(y)).sum(axis=0)          # days with a value in each slot
            out.append(np.where(den > 0, num / np.where(den > 0, den, 1), 0.0))
        return np.array(out)


# --- day-level state-space model shared by day_profile and svd -------------------------------

_FLAGS = ("pre_closure", "post_closure1", "post_closure2", "month_turn")
_FIT_CACHE: dict = {}
# Nelder-Mead stopping rule for the day-level likelihood search: 1e-3 on the (square-root)
# variances and on the log-likelihood. The default 1e-4 costs 15 % more evaluations for
# digits that do not reach the forecast: on the bank data the same log-likelihood to 1e-4 and
# the same end-to-end MASE (30 min, both 10-week windows: 0.863 / 0.718 either way).
_NM_TOL = dict(xtol=1e-3, ftol=1e-3)


MIN_TURNS = 2
"""The turn-of-the-month effect enters the day-level model once the history holds at least
this many month turns. From one turn its coefficient is that week's noise: on the 12-week
synthetic queues of ``data/synthetic_calls.csv`` (no such effect) a 3-week history with one
turn cost day_profile 0.14-0.84 MASE in the next week; with this rule its mean MASE there is
within 0.01 of a model without the effect."""


def _month_turns(feat: pd.DataFrame) -> int:
    """Number of distinct month turns among the days of ``feat`` (flag ``month_turn``); the
    last business day of a month belongs to the next month's turn."""
    d = feat.index[feat["month_turn"].to_numpy(bool)]
    return len(set(d.year * 12 + d.month + (d.day > 15)))


CONVERGENCE = "statsmodels did not converge"
_DEVELOPER_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
_WARNED: dict = {}     # registry for re-emitted developer warnings: once per place


def _recording(call):
    """``call()`` with the warnings it raises caught; returns (result, short texts).

    A statsmodels ``ConvergenceWarning`` becomes :data:`CONVERGENCE`, any other warning
    (e.g. a numpy ``RuntimeWarning`` inside the likelihood search) ``'<Category>: <first
    line>'``: they are about this fit on this data and end up in the forecast's notes
    (:func:`fit_notes`). Deprecation and future warnings are about library versions, not
    the data: they are re-issued to Python's warning filters unchanged.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    texts = []
    for w in caught:
        if issubclass(w.category, _DEVELOPER_WARNINGS):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                   registry=_WARNED)
        elif issubclass(w.category, ConvergenceWarning):
            texts.append(CONVERGENCE)
        else:
            texts.append(f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}")
    return result, tuple(dict.fromkeys(texts))


def fit_notes(name: str, fits: list[tuple[str, ...]]) -> list[str]:
    """At most one note for model ``name`` from the warnings of its ``fits`` (one tuple of
    texts per fit, as in :attr:`Model.fit_warnings_`), e.g. ``'svd: statsmodels did not
    converge on 2 of 9 fits'``; no note when no fit warned."""
    counts = Counter(text for fit in fits for text in dict.fromkeys(fit))   # in order
    if not counts:
        return []
    n = len(fits)
    return [f"{name}: " + "; ".join(f"{text} on {k} of {n} fits"
                                    for text, k in counts.items())]


def _design(feat: pd.DataFrame, weekdays: list[int], flags: list[str]) -> np.ndarray:
    cols = [(feat["weekday"].to_numpy() == w).astype(float) for w in weekdays[1:]]
    cols += [feat[f].to_numpy(float) for f in flags]
    return np.column_stack(cols) if cols else np.zeros((len(feat), 0))


class DayLevelModel:
    """y_t = level_t + a_t + x_t' beta + e_t over the sequence of open days, where level_t is
    a random walk (persistent changes), a_t = phi a_{t-1} + eta_t an AR(1) transient (a busy
    spell that fades over days) and e_t white noise.

    Without the AR(1) term a week-ahead forecast copies the last day's level, noise and all;
    with it, a recent deviation decays toward the persistent level over the horizon.
    x = weekday dummies (first open weekday is the reference) and closure flags that occur
    in the history. Fitted by maximum likelihood with statsmodels UnobservedComponents;
    beta sits in the state vector (``mle_regression=False``), i.e. it is the GLS estimate.
    """

    def fit(self, y: np.ndarray, feat: pd.DataFrame, *, params=None) -> DayLevelModel:
        """Maximum likelihood; with ``params`` no search (variances kept, states filtered
        on ``y``)."""
        from statsmodels.tsa.statespace.structural import UnobservedComponents
        self.weekdays_ = sorted(set(feat["weekday"]))
        self.flags_ = [f for f in _FLAGS if feat[f].sum() > 0
                       and (f != "month_turn" or _month_turns(feat) >= MIN_TURNS)]
        X = _design(feat, self.weekdays_, self.flags_)
        key = (y.tobytes(), X.tobytes(), X.shape)

        def model():
            return UnobservedComponents(y, level="llevel", exog=X if X.shape[1] else None,
                                        autoregressive=1, mle_regression=False)

        if params is not None and len(params) == 4:   # irregular, level, AR var and coef
            self.res_, self.warnings_ = _recording(
                lambda: model().filter(np.asarray(params)))
        elif key in _FIT_CACHE:           # same day totals at another interval length
            self.res_, self.warnings_ = _FIT_CACHE[key]
        else:
            # Nelder-Mead from statsmodels' start values: same optimum as L-BFGS here (2-4
            # variances) at half the time (tolerance: _NM_TOL). Always a full search: one
            # warm-started from a nearby optimum with a looser tolerance was 3x cheaper but
            # stopped at visibly different parameters on the bank data (MASE of one week
            # 1.28 instead of 1.10), and made results depend on what was fitted before.
            self.res_, self.warnings_ = _recording(
                lambda: model().fit(disp=False, method="nm", maxiter=1000, **_NM_TOL))
            if len(_FIT_CACHE) > 256:
                _FIT_CACHE.pop(next(iter(_FIT_CACHE)))
            _FIT_CACHE[key] = (self.res_, self.warnings_)
        self.k_ = X.shape[1]
        return self

    def predict(self, feat: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of y for the (future) days in ``feat``."""
        unknown = sorted(set(feat["weekday"]) - set(self.weekdays_))
        if unknown:
            raise NotEnoughHistory(f"no history for weekday {unknown[0]} (Monday=0)")
        X = _design(feat, self.weekdays_, self.flags_)
        fc = self.res_.get_forecast(len(feat), exog=X if X.shape[1] else None)
        mean = np.asarray(fc.predicted_mean)
        var = np.asarray(fc.var_pred_mean)
        return mean, var


def _profile(panel: Panel, weekday: int, shrink_days: float = 4.0,
             smooth: bool = True) -> np.ndarray:
    """Share of the day's calls per slot for ``weekday`` (sums to 1 over its open slots)."""
    open_ = panel.slot_open[weekday]
    recent = panel.days > panel.days.max() - pd.Timedelta(days=7 * PROFILE_WEEKS)
    Y = panel.Y[recent][:, open_]
    wd = panel.weekdays[recent]
    full = ~np.isnan(Y).any(axis=1)
    shares = Y[full] / np.maximum(Y[full].sum(axis=1, keepdims=True), 1e-12)
    wdf = wd[full]
    pooled = shares.mean(axis=0) if len(shares) else np.full(open_.sum(), 1 / open_.sum())
    own = shares[wdf == weekday]
    n = len(own)
    p = (own.sum(axis=0) + shrink_days * pooled) / (n + shrink_days)
    if smooth and panel.interval_min <= 10 and p.size >= 3:
        # 15-minute moving average (1-2-1 at 5 min): removes sampling noise, keeps the shape.
        p = smooth_121(p)
    out = np.zeros(panel.Y.shape[1])
    out[open_] = p / p.sum()
    return out


def _day_totals(panel: Panel) -> np.ndarray:
    """Calls per history day; a day with missing slots is scaled up by its profile share."""
    tot = np.nansum(panel.Y, axis=1)
    gaps = np.isnan(panel.Y) & panel.slot_open[panel.weekdays]
    if gaps.any():
        for i in np.flatnonzero(gaps.any(axis=1)):
            p = _profile(panel, panel.weekdays[i], smooth=False)
            seen = p[~gaps[i]].sum()
            tot[i] = tot[i] / seen if seen > 0.2 else np.nan
    return tot


class DayProfile(Model):
    """Day total (local level + weekday + closure effects, on logs) x intraday profile."""

    name = "day_profile"
    min_weeks = 3

    def __init__(self, max_weeks: int = 52):
        self.max_weeks = max_weeks

    def _fit(self, panel):
        tot = _day_totals(panel)
        keep = (panel.days > panel.days.max() - pd.Timedelta(days=7 * self.max_weeks)) \
            & np.isfinite(tot) & (tot > 0)
        if keep.sum() < 2:      # the state-space fit needs two observations (log day totals)
            raise NotEnoughHistory(f"{self.name} needs at least 2 days with calls; got "
                                   f"{int(keep.sum())}")
        feat = panel.features(panel.days[keep])
        y = np.log(tot[keep]) - np.log1p(feat["uplift"].to_numpy())
        self.level_ = DayLevelModel().fit(y, feat, params=self._fixed(0))
        self.fit_warnings_ = self.level_.warnings_
        self.profiles_ = {w: _profile(panel, w) for w in range(7) if panel.slot_open[w].any()}

    def state_params(self):
        return [np.asarray(self.level_.res_.params)]

    def predict(self, days):
        feat = self.panel_.features(days)
        mean, var = self.level_.predict(feat)
        total = np.exp(mean + var / 2) * (1 + feat["uplift"].to_numpy())
        prof = np.array([self.profiles_.get(d.weekday(), np.zeros(self.panel_.Y.shape[1]))
                         for d in days])
        return total[:, None] * prof


class SVDModel(Model):
    """Shen & Huang (2008): SVD of root-transformed counts, state-space day scores."""

    name = "svd"
    min_weeks = 4

    def __init__(self, k: int = 3, weeks: int = 20):
        self.k = k
        self.weeks = weeks

    def _fit(self, panel):
        keep = panel.days > panel.days.max() - pd.Timedelta(days=7 * self.weeks)
        days = panel.days[keep]
        wd = panel.weekdays[keep]
        Y = panel.Y[keep]
        # slots open on any weekday; closed (NaN) cells of a row get that weekday's mean.
        self.cols_ = panel.slot_open.any(axis=0)
        Y = Y[:, self.cols_]
        for w in np.unique(wd):
            rows = wd == w
            seen = (~np.isnan(Y[rows])).sum(axis=0)
            fill = np.nansum(Y[rows], axis=0) / np.maximum(seen, 1)   # 0 where never open
            Y[rows] = np.where(np.isnan(Y[rows]), fill, Y[rows])
        X = np.sqrt(Y + 0.25)
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        k = min(self.k, len(s))
        scores = U[:, :k] * s[:k]
        feat = panel.features(days)
        self.V_ = Vt[:k]
        self.score_models_ = [
            DayLevelModel().fit(scores[:, j], feat, params=self._fixed(j))
            for j in range(k)]
        self.fit_warnings_ = tuple(dict.fromkeys(w for m in self.score_models_
                                                 for w in m.warnings_))

    def state_params(self):
        return [np.asarray(m.res_.params) for m in self.score_models_]

    def predict(self, days):
        feat = self.panel_.features(days)
        B = np.column_stack([m.predict(feat)[0] for m in self.score_models_])
        Xh = B @ self.V_
        Yh = np.maximum(Xh, 0.0) ** 2            # E[Y] ~ E[X]^2 + Var(X) - 1/4, Var(X) ~ 1/4
        out = np.zeros((len(days), self.panel_.Y.shape[1]))
        out[:, self.cols_] = Yh
        out *= self.panel_.slot_open[days.day_of_week.to_numpy()]
        up = 1 + feat["uplift"].to_numpy()
        return out * up[:, None]


def candidates() -> list[Model]:
    """The default candidate set, baseline first."""
    return [SeasonalNaive(), WeekdayAverage(8), DayProfile(), SVDModel()]


MODEL_NAMES = tuple(m.name for m in candidates())


def make_model(name: str) -> Model:
    for m in candidates():
        if m.name == name:
            return m
    raise InputError(f"model must be 'auto' or one of {', '.join(MODEL_NAMES)}; got {name!r}")
