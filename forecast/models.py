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
weekday_avg4, weekday_avg8
    Mean of the same slot over the last 4 / 8 open days with the same weekday. With
    seasonal_naive the baselines (:data:`BASELINES`) that are always among the candidates.
day_profile
    Day total x intraday profile (Weinberg, Brown & Stroud 2007; Shen & Huang 2008 use the
    same split). log(day total) = local level + AR(1) transient + weekday effect + closure
    effects (day before a closure, first and second open day after one) + a turn-of-the-month
    effect (:data:`forecast.calendar.MONTH_TURN`, once :data:`MIN_TURNS` turns are in the
    history) + a level shift after each gap (:data:`GAP_DAYS`) + noise, a Gaussian
    state-space model (statsmodels ``UnobservedComponents``: level a random walk, regression
    coefficients in the state vector so they are estimated by GLS with the level); a target
    day h business days after the history (:func:`business_days`) is the h-step
    prediction. The profile is the share of
    the day's calls in each slot, exponentially weighted over recent weeks of the same
    weekday (:data:`PROFILE_HALF_LIFE_WEEKS`), shrunk toward the all-weekday profile (by
    an empirical-Bayes weight, :func:`shrink_weight`) and lightly smoothed in time; the
    days around a closure have their own (:data:`SPECIAL_SHAPES`).
svd
    Shen & Huang (2008), Ann. Appl. Stat. 2(2):601-623: root-transformed counts
    X = sqrt(Y + 1/4) (days x slots) ~ sum_k beta_k(day) f_k(slot) from the SVD of the recent
    history (K = 3); each day-score series beta_k gets the same state-space model as the day
    totals above; forecast Y = X_hat^2.
holt_winters
    Multiplicative Holt-Winters with a damped trend on the day x slot grid (Winters 1960;
    Taylor 2008 for intraday call arrivals): a day level and a seasonal index per weekday
    and slot, smoothing constants chosen by the 1-7-step errors over the last
    :data:`HW_WEEKS` weeks. Its seasonal rate is learned: the short-term dynamics of a
    shape that drifts from week to week (:class:`HoltWinters`).
profile_ar (by name only, not a default candidate)
    day_profile with the within-day deviation at the end of the history carried into the
    first hours of the horizon by an AR(1) (:class:`DayProfileAR`).

History as it is: outlier days (:func:`outlier_days`, a one-day surge) are left out of the
day-level fits and the profiles, as missing days are.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections import Counter

import numpy as np
import pandas as pd

from forecast._kalman import fast_unobserved_components
from forecast.panel import Panel
from wfmcore import InputError
from wfmcore.errors import InternalError


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
_CLOSURE_FLAGS = _FLAGS[:3]
_FIT_CACHE: dict = {}
_FIT_SCOPE: list = [None]


def fit_cache_scope(scope) -> None:
    """Start forecasting the series ``scope`` names (any hashable, e.g. its source and key):
    the day-level fits cached for another series are dropped. Their keys are that series'
    data, so another never reuses them (the same series at another interval length does,
    and keeps its scope); kept, 257 of them held about 0.4 GiB in a worker that forecast
    partition after partition (bench/bench_scale.py --memory-cache)."""
    if scope != _FIT_SCOPE[0]:
        _FIT_CACHE.clear()
        _FIT_SCOPE[0] = scope
# Nelder-Mead stopping rule for the day-level likelihood search: 1e-3 on the (square-root)
# variances and on the log-likelihood. The default 1e-4 costs 15 % more evaluations for
# digits that do not reach the forecast: on the bank data the same log-likelihood to 1e-4 and
# the same end-to-end MASE (30 min, both 10-week windows: 0.863 / 0.718 either way).
_NM_TOL = dict(xtol=1e-3, ftol=1e-3)

GAP_DAYS = 7
"""A run of at least this many days on the centre's weekdays without data (missing, or a
long closure: :func:`gap_ends`) is a *gap*: the day-level model gets a level-shift
regressor from the first day after it (an intervention, Box & Tiao 1975, JASA 70:70-79), so
the level after the gap is estimated from the data after it and nothing is carried across
(no trend, no stale level). Shorter runs are skipped, as single missing days always were.
One week of the centre's days: the shortest span after which a level change is no longer a
day's noise. Test: a 4-week gap with the level 30 % higher after it and 3 days of data
since: next week's forecast within 0.2-1.4 % of the truth with the shift, 1.8-4.4 % off
without it (3 seeds)."""

MAX_SHIFTS = 3     # level-shift regressors for at most the last 3 gaps of the fitting window

_FEATURES = ["weekday", "pre_closure", "post_closure1", "post_closure2", "month_turn",
             "uplift", "status"]


_TABLES: dict = {}     # id(day table) -> (table, first day, {column: array}); 16 kept
_FEATS: dict = {}      # (id(table), days) -> (table, features of the days: read only); 16 kept


def _features(panel: Panel, days: pd.DatetimeIndex) -> pd.DataFrame:
    """``panel.features(days)``, by position when the days lie inside the panel's day table
    (consecutive days; its columns are read into arrays once per table: the label lookups
    cost a quarter of a forecast's time)."""
    hit = _table_arrays(panel)
    if hit is None or len(days) == 0:
        return panel.features(days)
    first, cols = hit
    key = (id(panel.table), days.asi8.tobytes())
    if key in _FEATS and _FEATS[key][0] is panel.table:   # e.g. the 3 score models of svd
        return _FEATS[key][1]
    pos = (days.to_numpy() - first) // np.timedelta64(1, "D")
    if pos.min() < 0 or pos.max() >= len(cols["weekday"]):
        return panel.features(days)
    if len(_FEATS) >= 16:
        _FEATS.pop(next(iter(_FEATS)))
    out = pd.DataFrame({c: v[pos] for c, v in cols.items()}, index=days)
    _FEATS[key] = (panel.table, out)     # the table kept: its id is not reused meanwhile
    return out


def _table_arrays(panel: Panel):
    """(first day, {column: array}) of the panel's day table, None when it is not a table
    of consecutive days."""
    t = panel.table
    hit = _TABLES.get(id(t))
    if hit is None or hit[0] is not t:
        if len(t) == 0 or len(t) != (t.index[-1] - t.index[0]).days + 1:
            return None
        if len(_TABLES) >= 16:
            _TABLES.pop(next(iter(_TABLES)))
        hit = _TABLES[id(t)] = (t, t.index[0].to_datetime64(),
                                {c: t[c].to_numpy() for c in _FEATURES})
    return hit[1], hit[2]


MIN_TURNS = 2
"""The turn-of-the-month effect enters the day-level model once the history holds at least
this many month turns. From one turn its coefficient is that week's noise: on the 12-week
synthetic queues of ``data/synthetic_calls.csv`` (no such effect) a 3-week history with one
turn cost day_profile 0.14-0.84 MASE in the next week; with this rule its mean MASE there is
within 0.01 of a model without the effect."""


def _month_turns(feat: pd.DataFrame) -> int:
    """Number of distinct month turns among the days of ``feat`` (flag ``month_turn``); the
    last business day of a month belongs to the next month's turn."""
    d = feat.index.to_numpy()[feat["month_turn"].to_numpy(bool)]    # naive dates
    month = d.astype("datetime64[M]")
    late = (d.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64) >= 15
    return len(set((month.astype(np.int64) + late).tolist()))      # (year, month) + day > 15


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


def business_days(panel: Panel, first: pd.Timestamp, last: pd.Timestamp, weekdays
                  ) -> pd.DatetimeIndex:
    """The calendar days in ``[first, last]`` on one of ``weekdays`` that the centre is not
    known to be closed on (day table status 'closed': a holiday, a special day): the steps
    of the day-level model from the end of the history to a target day, so a horizon that
    starts weeks after the history is that many steps ahead (the level's variance grown, a
    transient faded). A closed day is no step (a holiday's effect on the days around it is
    the closure flags')."""
    d = pd.date_range(first, last, freq="D")
    d = d[np.isin(d.day_of_week.to_numpy(), list(weekdays))]
    if len(d) == 0:
        return d
    hit = _table_arrays(panel)
    if hit is not None:
        pos = (d.to_numpy() - hit[0]) // np.timedelta64(1, "D")
        if pos.min() >= 0 and pos.max() < len(hit[1]["status"]):
            return d[hit[1]["status"][pos] != "closed"]
    return d[(panel.features(d)["status"] != "closed").to_numpy()]


def gap_ends(days: pd.DatetimeIndex, weekdays, min_days: int | None = None
             ) -> list[pd.Timestamp]:
    """First day of ``days`` (the days with a value, sorted) after each run of at least
    ``min_days`` calendar days on ``weekdays`` without a value (:data:`GAP_DAYS`), whatever
    the calendar calls them (missing, or closed: a history without a calendar reads an
    export gap as closed days)."""
    min_days = GAP_DAYS if min_days is None else min_days
    if len(days) < 2:
        return []
    cal = pd.date_range(days[0], days[-1], freq="D")
    cal = cal[np.isin(cal.day_of_week.to_numpy(), list(weekdays))]
    k = np.searchsorted(cal.to_numpy(), days.to_numpy())      # position of each day in cal
    return [days[i] for i in np.flatnonzero(np.diff(k) - 1 >= min_days) + 1]


class DayLevelModel:
    """y_t = level_t + a_t + x_t' beta + e_t over the history's days, where level_t is a random
    walk (persistent changes), a_t = phi a_{t-1} + eta_t an AR(1) transient (a busy spell
    that fades over days) and e_t white noise. An outlier day is a step without an
    observation (the Kalman filter carries the state across it); a gap gets a level shift.

    Without the AR(1) term a week-ahead forecast copies the last day's level, noise and all;
    with it, a recent deviation decays toward the persistent level over the horizon.
    x = weekday dummies (first open weekday is the reference), closure flags that occur
    in the history and a level shift after each gap (:data:`GAP_DAYS`). Fitted by maximum
    likelihood with statsmodels UnobservedComponents; beta sits in the state vector
    (``mle_regression=False``), i.e. it is the GLS estimate. A forecast ``h`` business days
    after the last history day is the ``h``-step prediction, so a horizon that starts weeks
    after the history has the wider variance and the faded transient it should have.
    """

    def fit(self, days: pd.DatetimeIndex, y: np.ndarray, panel: Panel, *,
            params=None) -> DayLevelModel:
        """``y`` per history day in ``days`` (NaN: not to be used). Maximum likelihood; with
        ``params`` no search (variances kept, states filtered on ``y``)."""
        from statsmodels.tsa.statespace.structural import UnobservedComponents
        seen = np.isfinite(y)
        if seen.sum() < 2:
            raise NotEnoughHistory(f"the day-level model needs 2 days with calls; got "
                                   f"{int(seen.sum())}")
        self.panel_ = panel
        self.weekdays_ = sorted(set(days[seen].day_of_week))
        # Steps inside the history: the days given (an outlier is a step without a value);
        # a missing day is skipped. As steps (business_days) the bank's three missing days
        # cost svd 0.002 MASE at 15, 30 and 60 min and nothing was gained elsewhere: a long
        # gap is the level shift's business, not the random walk's.
        order = np.argsort(days.asi8, kind="stable")
        steps, yy = days[order], np.asarray(y, float)[order]
        ends = np.flatnonzero(np.isfinite(yy))[[0, -1]]            # first and last value
        steps, yy = steps[ends[0]:ends[1] + 1], yy[ends[0]:ends[1] + 1]
        self.last_ = steps[-1]
        feat = _features(panel, steps)
        obs = feat[np.isfinite(yy)]
        self.flags_ = [f for f in _FLAGS if obs[f].sum() > 0
                       and (f != "month_turn" or _month_turns(obs) >= MIN_TURNS)]
        self.shifts_ = gap_ends(steps[np.isfinite(yy)], self.weekdays_)[-MAX_SHIFTS:]
        X = self._design(feat)
        # The model is fitted to y / sd(y): the search's absolute tolerance (_NM_TOL) then
        # means the same on every series (svd's first score is ~100x its others: 649
        # likelihood evaluations instead of 192 on the zero_nights_15 case), and the
        # forecast is scaled back. Variances are kept in these units in state_params.
        self.scale_ = float(np.nanstd(yy)) or 1.0
        yy = yy / self.scale_
        key = (yy.tobytes(), X.tobytes(), X.shape)

        def model(kind=UnobservedComponents):
            return kind(yy, level="llevel", exog=X if X.shape[1] else None,
                        autoregressive=1, mle_regression=False)

        if params is not None and len(params) == 4:   # irregular, level, AR var and coef
            self.res_, self.warnings_ = _recording(
                lambda: model().filter(np.asarray(params), cov_type="none"))
        elif key in _FIT_CACHE:           # same day totals at another interval length
            self.res_, self.warnings_ = _FIT_CACHE[key]
        else:
            # Nelder-Mead from statsmodels' start values: same optimum as L-BFGS here (2-4
            # variances) at half the time (tolerance: _NM_TOL). Always a full search: one
            # warm-started from a nearby optimum with a looser tolerance was 3x cheaper but
            # stopped at visibly different parameters on the bank data (MASE of one week
            # 1.28 instead of 1.10), and made results depend on what was fitted before.
            # cov_type 'none': the parameters' covariance (numerical derivatives, a third of
            # the time of a fit on a year of days) is never used.
            # A search on fewer days (the last 26 weeks, the states then filtered over all)
            # was 25 % cheaper on a year of history but not as good where the day level is
            # persistent: test bed ar1_30 (day AR(1), phi 0.9), day_profile MASE 0.916
            # instead of 0.859.
            # The search's log-likelihood is compiled (forecast._kalman: the same value to
            # rounding, so the same steps and optimum, ~20x cheaper); the result is
            # statsmodels' own filter at the optimum.
            self.res_, self.warnings_ = _recording(
                lambda: model(fast_unobserved_components()).fit(
                    disp=False, method="nm", maxiter=1000, cov_type="none", **_NM_TOL))
            if len(_FIT_CACHE) > 256:
                _FIT_CACHE.pop(next(iter(_FIT_CACHE)))
            _FIT_CACHE[key] = (self.res_, self.warnings_)
        self.k_ = X.shape[1]
        return self

    def _design(self, feat: pd.DataFrame) -> np.ndarray:
        wd = feat["weekday"].to_numpy()
        cols = [(wd == w).astype(float) for w in self.weekdays_[1:]]
        cols += [feat[f].to_numpy(float) for f in self.flags_]
        cols += [(feat.index >= s).astype(float) for s in self.shifts_]
        return np.column_stack(cols) if cols else np.zeros((len(feat), 0))

    def predict(self, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of y for ``days`` (after the history), each the prediction as
        many business days ahead as it lies after the last history day."""
        unknown = sorted(set(days.day_of_week) - set(self.weekdays_))
        if unknown:
            raise NotEnoughHistory(f"no history for weekday {unknown[0]} (Monday=0)")
        if len(days) == 0:
            return np.zeros(0), np.zeros(0)
        if days.min() <= self.last_:
            raise InternalError(f"day-level forecast for {days.min():%Y-%m-%d}, inside the "
                                f"history (last day {self.last_:%Y-%m-%d})")
        steps = business_days(self.panel_, self.last_ + pd.Timedelta(days=1), days.max(),
                              self.weekdays_).union(days)     # a target day is a step
        X = self._design(_features(self.panel_, steps))
        fc = self.res_.get_forecast(len(steps), exog=X if X.shape[1] else None)
        at = steps.get_indexer(days)
        c = self.scale_
        return c * np.asarray(fc.predicted_mean)[at], c * c * np.asarray(fc.var_pred_mean)[at]


# --- day totals, outlier days and intraday profiles -------------------------------------------

OUTLIER_Z = 5.0
OUTLIER_MIN_RATIO = 1.5
"""A day is an *outlier* when its log day total is more than ``OUTLIER_Z`` robust standard
deviations (1.4826 x MAD of the residuals) and more than a factor ``OUTLIER_MIN_RATIO``
away from its weekday-adjusted local level (running median of the 15 days around it:
Hampel's identifier, Davies & Gather 1993, JASA 88:782-792). The factor keeps ordinary
busy days (a Monday after a holiday: +34 % at the bank, a month turn: +6-10 %) in; a
one-day surge of 2-3x (an outage elsewhere, a mailing) is out. Outliers are left out of the
day-level fits and the profiles, as missing days are. Not an outlier: days with a closure
flag or a special-day uplift (modelled), and runs of 3 or more days off in the same
direction (a level change, which the day-level model must follow)."""


def outlier_days(days: pd.DatetimeIndex, log_total: np.ndarray,
                 exempt: np.ndarray | None = None) -> np.ndarray:
    """Boolean per day: an outlier day (:data:`OUTLIER_Z`). ``log_total`` NaN = no value;
    ``exempt`` days are never outliers."""
    ok = np.isfinite(log_total)
    out = np.zeros(len(days), bool)
    if ok.sum() < 10:
        return out
    s = pd.Series(log_total[ok], index=days[ok])
    wd = days[ok].day_of_week

    def local(x):
        return x.rolling("15D", center=True, min_periods=3).median()

    weekday = (s - local(s)).groupby(wd).transform("median")
    r = (s - weekday - local(s - weekday)).to_numpy()
    mad = 1.4826 * np.median(np.abs(r - np.median(r)))
    flag = (np.abs(r) > OUTLIER_Z * mad) & (np.abs(r) > np.log(OUTLIER_MIN_RATIO))
    # runs of >= 3 consecutive flagged days with one sign: a level change, not outliers
    sign = np.sign(r) * flag
    i = 0
    while i < len(sign):
        j = i
        while j + 1 < len(sign) and sign[j + 1] == sign[i] != 0:
            j += 1
        if sign[i] != 0 and j - i + 1 >= 3:
            flag[i:j + 1] = False
        i = j + 1
    out[np.flatnonzero(ok)] = flag
    if exempt is not None:
        out &= ~exempt
    return out


PROFILE_HALF_LIFE_WEEKS = 4.0
"""Half-life (weeks) of the exponential weights of the intraday profiles: a day ``a`` weeks
before the last history day has weight 0.5 ** (a / 4), up to :data:`PROFILE_WINDOW_WEEKS`
(weight 1/16). The half-life sets the bias/variance trade of the profile, as the window of
a flat mean does (for a linear drift an exponential mean and a flat mean of the same
effective size lag alike): the weekly weight lambda = 0.5 ** (1/4) = 0.841 gives an
effective sample of (1 + lambda) / (1 - lambda) = 11.6 weeks (mean age 5.3 weeks), against
8 weeks (3.5) for the flat 8-week mean it replaces; the weights fade instead of dropping a
week at once. Chosen on the test bed's tuning cases (day_profile MASE, 4 origins): half-life
4 was at or below half-life 3 on all 14 (e.g. trend 0.840 / 0.843, fri_sat_weekend 0.678 /
0.682, holidays_GB 0.713 / 0.716); the hold-out cases were not looked at."""
PROFILE_WINDOW_WEEKS = 16


def _shares(panel: Panel, use: np.ndarray | None):
    """(rows, weights, weekdays) of the days the profiles are learned from: the last
    :data:`PROFILE_WINDOW_WEEKS` weeks (and ``use``), with exponential weights."""
    age_w = (panel.days.max() - panel.days).days.to_numpy() / 7
    rows = age_w < PROFILE_WINDOW_WEEKS
    if use is not None:
        rows &= use
    return rows, 0.5 ** (age_w[rows] / PROFILE_HALF_LIFE_WEEKS), panel.weekdays[rows]


PROFILE_SHRINK_DAYS = 4.0
"""Weight (in days) of the all-weekday profile in a weekday's profile where the data cannot
tell how alike the weekdays are (:func:`shrink_weight`: fewer than two days of the weekday)."""


def shrink_weight(shares: np.ndarray, w: np.ndarray, pooled: np.ndarray) -> float:
    """Empirical-Bayes weight k (in days) of the ``pooled`` profile in a weekday's profile
    p = (sum w_i s_i + k pooled) / (sum w_i + k), from that weekday's day shares ``shares``
    (days x slots) and weights ``w``: the normal-means posterior (James & Stein 1961;
    Efron & Morris 1975, JASA 70:311-319) with the day-to-day variance sigma^2 of a share
    (weighted, around the weekday's mean, averaged over slots) and the between-weekday
    variance tau^2 = mean (m - pooled)^2 - sigma^2 / n_eff (m the weighted mean of the
    weekday's shares, n_eff = (sum w)^2 / sum w^2 its effective days): the weekday's own
    mean gets the weight n_eff / (n_eff + sigma^2 / tau^2), i.e. k = sum w sigma^2 /
    (n_eff tau^2). Weekdays shaped alike (tau^2 <= 0): inf (the pooled profile); shaped
    apart: k -> 0 (their own). Fewer than two effective days: :data:`PROFILE_SHRINK_DAYS`."""
    W = float(w.sum())
    n_eff = W ** 2 / float((w ** 2).sum()) if W > 0 else 0.0
    if n_eff < 2:
        return PROFILE_SHRINK_DAYS
    m = (w @ shares) / W
    sigma2 = float(np.mean((w @ (shares - m) ** 2) / W)) * n_eff / (n_eff - 1)
    tau2 = float(np.mean((m - pooled) ** 2)) - sigma2 / n_eff
    if tau2 <= 0:
        return np.inf
    return W * sigma2 / (n_eff * tau2)


def ew_profiles(panel: Panel, use: np.ndarray | None = None, shrink_days: float | None = None,
                smooth: bool = True) -> dict[int, np.ndarray]:
    """Share of the day's calls per slot, for each weekday the centre opens: the
    exponentially weighted mean (:data:`PROFILE_HALF_LIFE_WEEKS`) of the shares of that
    weekday's complete days, shrunk toward the same weighted mean over all weekdays with
    ``shrink_days`` days of weight (p = (sum w_i s_i + k pooled) / (sum w_i + k); default
    None: k per weekday by :func:`shrink_weight`, from how far that weekday's shape lies
    from the others' beyond its sampling noise), then (at intervals of 10 minutes or less)
    smoothed with a 1-2-1 filter. Sums to 1 over the weekday's open slots. ``use``: which
    history days may be used (default all)."""
    rows, w, wd = _shares(panel, use)
    Y = panel.Y[rows]
    out = {}
    for weekday in range(7):
        open_ = panel.slot_open[weekday]
        if not open_.any():
            continue
        y = Y[:, open_]
        tot = y.sum(axis=1)                          # NaN for a day with a gap in these slots
        full = np.isfinite(tot) & (tot > 0)
        shares = y[full] / tot[full, None]
        ww, own = w[full], wd[full] == weekday
        pooled = (ww @ shares) / ww.sum() if ww.sum() > 0 else \
            np.full(open_.sum(), 1 / open_.sum())
        k = (shrink_weight(shares[own], ww[own], pooled) if shrink_days is None
             else shrink_days)
        p = pooled if np.isinf(k) else \
            (ww[own] @ shares[own] + k * pooled) / (ww[own].sum() + k)
        if smooth and panel.interval_min <= 10 and p.size >= 3:
            # 15-minute moving average (1-2-1 at 5 min): removes sampling noise, keeps the shape.
            p = smooth_121(p)
        prof = np.zeros(panel.Y.shape[1])
        prof[open_] = p / p.sum()
        out[weekday] = prof
    return out


def _day_totals(panel: Panel) -> np.ndarray:
    """Calls per history day; a day with missing slots is scaled up by its profile share
    (NaN when less than 20 % of its profile was seen)."""
    tot = np.nansum(panel.Y, axis=1)
    gaps = np.isnan(panel.Y) & panel.slot_open[panel.weekdays]
    if gaps.any():
        prof = ew_profiles(panel, smooth=False)
        for i in np.flatnonzero(gaps.any(axis=1)):
            p = prof.get(panel.weekdays[i])
            seen = p[~gaps[i]].sum() if p is not None else 0.0
            tot[i] = tot[i] / seen if seen > 0.2 else np.nan
    return tot


_CLEAN: dict = {}      # content of a panel -> (day totals, outliers); 8 kept


def clean_days(panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """(day totals, outlier mask) of the history days (:func:`_day_totals`,
    :func:`outlier_days`; days with a closure flag or an uplift are exempt)."""
    feat = _features(panel, panel.days)
    exempt = feat[list(_CLOSURE_FLAGS)].to_numpy(bool).any(axis=1) \
        | (feat["uplift"].to_numpy() != 0)
    key = (panel.Y.tobytes(), panel.days.asi8.tobytes(), exempt.tobytes(),
           panel.slot_open.tobytes())
    if key not in _CLEAN:    # the models of one fold each get their own copy of the panel
        tot = _day_totals(panel)
        with np.errstate(divide="ignore", invalid="ignore"):
            logt = np.where(tot > 0, np.log(tot), np.nan)
        if len(_CLEAN) >= 8:
            _CLEAN.pop(next(iter(_CLEAN)))
        _CLEAN[key] = (tot, outlier_days(panel.days, logt, exempt))
    tot, out = _CLEAN[key]
    return tot.copy(), out.copy()


SPECIAL_SHAPES = ("pre_closure", "post_closure1")
"""Days whose intraday shape is learned apart: the eve of a closure (a holiday's eve may
have a Friday's hours) and the first open day after one. Their profile is the mean share of
those days in the history (up to 52 weeks, every slot of the day, closed ones 0), shrunk
toward the target weekday's profile with 4 days of weight (:data:`PROFILE_SHRINK_DAYS`;
p = (n q + 4 p_w) / (n + 4), then restricted to the weekday's open slots); those days are
left out of the weekday profiles. Where such days are shaped like any other, this is the
weekday profile with a little more noise; where they are not (the Israeli-bank case of the
test bed: eves open 08-13 only), the weekday profile spread their calls over closed hours."""


def special_shapes(panel: Panel, use: np.ndarray, weeks: int = 52
                   ) -> dict[str, tuple[int, np.ndarray]]:
    """{flag: (number of days, mean share per slot)} for the flags of
    :data:`SPECIAL_SHAPES` seen in the last ``weeks`` weeks of the history (``use``: which
    days may be used)."""
    feat = _features(panel, panel.days)
    recent = (panel.days > panel.days.max() - pd.Timedelta(weeks=weeks)) & use
    tot = np.nansum(panel.Y, axis=1)
    out = {}
    for f in SPECIAL_SHAPES:
        rows = recent & feat[f].to_numpy(bool) & (tot > 0)
        if rows.any():
            shares = np.nan_to_num(panel.Y[rows]) / tot[rows, None]
            out[f] = (int(rows.sum()), shares.mean(axis=0))
    return out


class DayProfile(Model):
    """Day total (local level + weekday + closure effects, on logs) x intraday profile
    (:func:`ew_profiles`; :data:`SPECIAL_SHAPES` for the days around a closure)."""

    name = "day_profile"
    min_weeks = 2

    def __init__(self, max_weeks: int = 52):
        self.max_weeks = max_weeks

    def _fit(self, panel):
        tot, self.outliers_ = clean_days(panel)
        keep = (panel.days > panel.days.max() - pd.Timedelta(days=7 * self.max_weeks)) \
            & np.isfinite(tot) & (tot > 0)
        if keep.sum() < 2:      # the state-space fit needs two observations (log day totals)
            raise NotEnoughHistory(f"{self.name} needs at least 2 days with calls; got "
                                   f"{int(keep.sum())}")
        days = panel.days[keep]
        y = np.log(tot[keep]) - np.log1p(_features(panel, days)["uplift"].to_numpy())
        y[self.outliers_[keep]] = np.nan
        self.level_ = DayLevelModel().fit(days, y, panel, params=self._fixed(0))
        self.fit_warnings_ = self.level_.warnings_
        flagged = _features(panel, panel.days)[list(SPECIAL_SHAPES)].to_numpy(bool).any(axis=1)
        self.profiles_ = ew_profiles(panel, use=~self.outliers_ & ~flagged)
        if not self.profiles_:          # every recent day is flagged: use them all
            self.profiles_ = ew_profiles(panel, use=~self.outliers_)
        self.special_ = special_shapes(panel, ~self.outliers_)

    def state_params(self):
        return [np.asarray(self.level_.res_.params)]

    def _day_profile(self, day: pd.Timestamp, flags: pd.Series, k: float = 4.0) -> np.ndarray:
        p = self.profiles_.get(day.weekday(), np.zeros(self.panel_.Y.shape[1]))
        for f in SPECIAL_SHAPES:
            if flags[f] and f in self.special_ and p.sum() > 0:
                n, q = self.special_[f]
                p = np.where(p > 0, (n * q + k * p) / (n + k), 0.0)
                return p / p.sum()
        return p

    def predict(self, days):
        mean, var = self.level_.predict(days)
        feat = _features(self.panel_, days)
        total = np.exp(mean + var / 2) * (1 + feat["uplift"].to_numpy())
        prof = np.array([self._day_profile(d, feat.iloc[i]) for i, d in enumerate(days)]
                        ).reshape(len(days), self.panel_.Y.shape[1])
        return total[:, None] * prof


class SVDModel(Model):
    """Shen & Huang (2008): SVD of root-transformed counts, state-space day scores."""

    name = "svd"
    min_weeks = 4

    def __init__(self, k: int = 3, weeks: int = 20):
        self.k = k
        self.weeks = weeks

    def _fit(self, panel):
        _, outliers = clean_days(panel)
        window = panel.days > panel.days.max() - pd.Timedelta(days=7 * self.weeks)
        keep = window & ~outliers
        days = panel.days[keep]
        wd = panel.weekdays[keep]
        Y = panel.Y[keep]
        # slots open on any weekday; closed (NaN) cells of a row get that weekday's mean.
        self.cols_ = panel.slot_open.any(axis=0)
        if not self.cols_.any() or len(days) < 2:
            raise NotEnoughHistory(f"{self.name} needs open slots and 2 days in the last "
                                   f"{self.weeks} weeks")
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
        self.V_ = Vt[:k]
        # an outlier day is a step without a score (as in day_profile's level)
        all_scores = np.full((int(window.sum()), k), np.nan)
        all_scores[keep[window]] = scores
        self.score_models_ = [
            DayLevelModel().fit(panel.days[window], all_scores[:, j], panel,
                                params=self._fixed(j))
            for j in range(k)]
        self.fit_warnings_ = tuple(dict.fromkeys(w for m in self.score_models_
                                                 for w in m.warnings_))

    def state_params(self):
        return [np.asarray(m.res_.params) for m in self.score_models_]

    def predict(self, days):
        B = np.column_stack([m.predict(days)[0] for m in self.score_models_])
        Xh = B @ self.V_
        Yh = np.maximum(Xh, 0.0) ** 2            # E[Y] ~ E[X]^2 + Var(X) - 1/4, Var(X) ~ 1/4
        out = np.zeros((len(days), self.panel_.Y.shape[1]))
        out[:, self.cols_] = Yh
        out *= self.panel_.slot_open[days.day_of_week.to_numpy()]
        up = 1 + _features(self.panel_, days)["uplift"].to_numpy()
        return out * up[:, None]


AR_WEEKS = 4
"""Weeks of history the within-day AR(1) of :class:`DayProfileAR` is estimated on."""


def within_day_ar(Z: np.ndarray) -> tuple[float, float, float]:
    """(phi, signal variance, noise variance) of an AR(1) signal observed with white noise
    (an ARMA(1, 1)), from the autocovariances of the rows of ``Z`` (days x consecutive slots,
    NaN = not seen) at lags 1 and 2 within a day: gamma_k = s2 phi^k for k >= 1, so
    phi = gamma_2 / gamma_1 and s2 = gamma_1 / phi (method of moments; the Poisson noise only
    adds to gamma_0). phi = 0 (no dynamics) when the lag covariances are not positive."""
    z = Z - np.nanmean(Z)
    g = [np.nanmean(z[:, :z.shape[1] - k] * z[:, k:]) if z.shape[1] > k else np.nan
         for k in range(3)]
    if not (np.isfinite(g).all() and g[1] > 0 and g[2] > 0):
        return 0.0, 0.0, float(g[0]) if np.isfinite(g[0]) else 0.0
    phi = min(g[2] / g[1], 0.98)
    s2 = min(g[1] / phi, g[0])
    return float(phi), float(s2), float(max(g[0] - s2, 1e-6))


def filter_ar1(z: np.ndarray, phi: float, s2: float, n2: float) -> float:
    """Filtered AR(1) state after the last element of ``z`` (NaN = not seen), the Kalman
    filter of x_t = phi x_(t-1) + u_t, z_t = x_t + e_t with Var x = s2, Var e = n2, started
    at its stationary distribution."""
    a, p = 0.0, s2
    for v in z:
        a, p = phi * a, phi * phi * p + s2 * (1 - phi * phi)
        if np.isfinite(v):
            k = p / (p + n2)
            a, p = a + k * (v - a), (1 - k) * p
    return a


class DayProfileAR(DayProfile):
    """:class:`DayProfile` x exp(phi^h a): the within-day deviation from the profile at the
    end of the history, a (log scale), carried into the horizon by an AR(1) in clock time
    (h = intervals from the last history interval), so it fades over the first hours.

    The deviation z = log((y + 1) / (total x profile + 1)) per interval of the last
    :data:`AR_WEEKS` weeks (the day's own total: the day-level model already carries the
    level); phi and the variances from :func:`within_day_ar`, a from :func:`filter_ar1` over
    the last history day. Where the deviation does not reach the horizon (phi^h ~ 0 after a
    night closure) it is :class:`DayProfile`.

    Not among the default candidates: on the test bed's week-ahead backtests it matched
    day_profile (ar1_60, the case built with within-day AR(1) dynamics: MASE 0.822 vs 0.823;
    zero_nights_15 0.699 both), and a near-copy of day_profile in the candidate list
    pushes the second, different member out of the ``auto`` blend. ``--model profile_ar``
    chooses it; it is meant for re-forecasts close to the history's end.
    """

    name = "profile_ar"

    def _fit(self, panel):
        super()._fit(panel)
        tot = np.nansum(panel.Y, axis=1)
        recent = (panel.days > panel.days.max() - pd.Timedelta(days=7 * AR_WEEKS)) \
            & ~self.outliers_ & (tot > 0)
        P = np.array([self.profiles_.get(w, np.zeros(panel.Y.shape[1]))
                      for w in panel.weekdays[recent]]).reshape(-1, panel.Y.shape[1])
        with np.errstate(invalid="ignore"):
            Z = np.log((panel.Y[recent] + 1) / (tot[recent, None] * P + 1))
        Z[P == 0] = np.nan
        self.phi_, s2, n2 = within_day_ar(Z) if len(Z) else (0.0, 0.0, 0.0)
        last = panel.days.max()
        row = len(panel.days) - 1
        seen = np.flatnonzero(np.isfinite(panel.Y[row]))
        self.last_min_ = last.to_datetime64() + np.timedelta64(
            int(panel.slots[seen[-1]] if seen.size else panel.slots[-1]), "m")
        self.a_ = 0.0       # no dynamics, or the last day is not usable: day_profile itself
        if self.phi_ > 0 and seen.size and recent[row]:
            self.a_ = filter_ar1(Z[-1, : seen[-1] + 1], self.phi_, s2, n2)

    def predict(self, days):
        F = super().predict(days)
        t = days.to_numpy()[:, None] + self.panel_.slots[None, :].astype("timedelta64[m]")
        h = (t - self.last_min_) / np.timedelta64(self.panel_.interval_min, "m")
        return F * np.exp(self.phi_ ** np.maximum(h, 1) * self.a_)


# --- Holt-Winters on the day x slot grid ------------------------------------------------------

HW_WEEKS = 16
"""Weeks of history :class:`HoltWinters` runs its recursion over (the last ones): enough for
the smoothing to forget its start at the slowest seasonal rate of the grid, few enough to
keep a fit at a few milliseconds on 15-minute 24/7 data."""
HW_INIT_WEEKS = 4
HW_ALPHA = (0.05, 0.1, 0.2, 0.35, 0.6)
HW_GAMMA = (0.03, 0.08, 0.15, 0.3, 0.5, 0.8)
HW_BETA = (0.0, 0.03)
HW_DAMPING = 0.95
"""The grid of smoothing constants :class:`HoltWinters` chooses from (level alpha, seasonal
gamma, trend beta) and the damping of its trend (Gardner & McKenzie 1985, Management
Science 31:1237-1246: a damped trend, the trend's share of each further step ``phi``)."""


class HoltWinters(Model):
    """Multiplicative Holt-Winters with a damped trend on the day x slot grid (Winters 1960,
    Management Science 6:324-342; for intraday call arrivals: Taylor 2008, Management
    Science 54:253-265, and Taylor 2003, J. Oper. Res. Soc. 54:799-805 for the double
    season): a day level ``l`` with a damped trend ``b``, and a seasonal index per weekday
    and slot ``s_w`` that holds both seasons (the day's shape and the weekday's level).
    One step = one open history day ``t`` with weekday ``w``:

        r_t = sum(y_t) / sum(s_w)          (over the slots seen that day)
        l_t = alpha r_t + (1 - alpha) (l + phi b)
        b_t = beta (l_t - l) + (1 - beta) phi b
        s_w = gamma y_t / l_t + (1 - gamma) s_w      (slots seen)

    and the forecast h business days ahead is (l + (phi + ... + phi^h) b) s_w. Unlike
    day_profile's profiles (a fixed 4-week half-life) the seasonal rate gamma is learned:
    where the shape drifts from week to week (demand that follows daylight or weather) it
    follows, where it is Poisson noise it averages over many weeks. The constants come from
    the grid :data:`HW_ALPHA` x :data:`HW_GAMMA` x :data:`HW_BETA`, by the mean absolute
    error of the forecasts 1 to 7 steps ahead over the recursion (the week-ahead horizon
    the backtest scores), run over the last :data:`HW_WEEKS` weeks from the mean of their
    first :data:`HW_INIT_WEEKS` weeks. Outlier days and the days around a closure
    (closure flags) are steps without an update; a special-day uplift is divided out.
    """

    name = "holt_winters"
    min_weeks = 3

    def _grid(self):
        fixed = self._fixed(0)
        if fixed is not None:
            return np.asarray(fixed, float)[None, :]
        return np.array([(a, g, b) for a in HW_ALPHA for g in HW_GAMMA for b in HW_BETA])

    def _fit(self, panel):
        _, outliers = clean_days(panel)
        window = panel.days > panel.days.max() - pd.Timedelta(weeks=HW_WEEKS)
        days = panel.days[window]
        feat = _features(panel, days)
        Y = panel.Y[window] / (1 + feat["uplift"].to_numpy())[:, None]
        skip = outliers[window] | feat[list(_CLOSURE_FLAGS)].to_numpy(bool).any(axis=1)
        wd = days.day_of_week.to_numpy()
        self.weekdays_ = sorted(set(wd[~skip & np.isfinite(Y).any(axis=1)]))
        if len(self.weekdays_) == 0:
            raise NotEnoughHistory(f"{self.name} needs a usable day in the last "
                                   f"{HW_WEEKS} weeks")
        init = (days < days.min() + pd.Timedelta(weeks=HW_INIT_WEEKS)) & ~skip
        S = Y.shape[1]
        s0 = np.zeros((7, S))
        for w in self.weekdays_:
            rows = Y[(wd == w) & ~skip]
            first = Y[(wd == w) & init] if ((wd == w) & init).any() else rows[:1]
            n_seen = np.isfinite(first).sum(axis=0)       # slot mean over the days seen
            s0[w] = np.nansum(first, axis=0) / np.maximum(n_seen, 1)
        level0 = float(np.mean([s0[w].sum() for w in self.weekdays_]))
        if level0 <= 0:
            raise NotEnoughHistory(f"{self.name} needs calls in the first weeks of its window")
        s0 /= level0                   # s_w: the weekday's share of an average day per slot
        P = self._grid()
        alpha, gamma, beta = P[:, 0], P[:, 1], P[:, 2]
        G, phi = len(P), HW_DAMPING
        lev = np.full(G, level0)
        trend = np.zeros(G)
        s = np.repeat(s0[None], G, axis=0)               # (G, 7, S)
        # level and trend 1..7 steps back (7, G), newest first; ``ahead``: their forecast
        # of the next step, k + 1 steps ahead of the state k steps back
        lev_back = np.repeat(lev[None], 7, axis=0)
        trend_back = np.zeros((7, G))
        ahead = lev_back.copy()
        damp = np.cumsum(phi ** np.arange(1, 8))[:, None]   # phi + ... + phi^k, k = 1..7
        loss = np.zeros(G)
        n_loss = 0
        scoring = G > 1              # with fixed constants only the states are run
        start_loss = (days.min() + pd.Timedelta(weeks=1)).to_datetime64()
        day_values = days.to_numpy()
        seen_all = np.isfinite(Y)
        Y0 = np.where(seen_all, Y, 0.0)                   # full-width arrays: no fancy indexing
        M = seen_all.astype(float)
        steps = np.flatnonzero(~skip & seen_all.any(axis=1))
        g1 = gamma[:, None]
        for i in steps:
            w, y, m = wd[i], Y0[i], M[i]
            sw = s[:, w, :]
            if scoring and day_values[i] >= start_loss:
                f = ahead[:, :, None] * sw[None]
                loss += (np.abs(y - f) @ m).sum(axis=0) / m.sum()
                n_loss += 7
            den = sw @ m
            base = lev + phi * trend
            r = np.where(den > 0, y.sum() / np.where(den > 0, den, 1), base)
            new = alpha * r + (1 - alpha) * base
            trend = beta * (new - lev) + (1 - beta) * phi * trend
            lev = np.maximum(new, 1e-9)
            s[:, w, :] = np.where(seen_all[i], g1 * y / lev[:, None] + (1 - g1) * sw, sw)
            if scoring:
                lev_back = np.concatenate([lev[None], lev_back[:-1]])
                trend_back = np.concatenate([trend[None], trend_back[:-1]])
                ahead = lev_back + damp * trend_back
        best = int(np.argmin(loss)) if n_loss else 0
        self.params_ = P[best]
        self.level_, self.trend_ = float(lev[best]), float(trend[best])
        self.season_ = s[best] * panel.slot_open
        self.last_ = days[~skip & np.isfinite(Y).any(axis=1)].max()

    def state_params(self):
        return [np.asarray(self.params_)]

    def predict(self, days):
        unknown = sorted(set(days.day_of_week) - set(self.weekdays_))
        if unknown:
            raise NotEnoughHistory(f"no history for weekday {unknown[0]} (Monday=0)")
        if len(days) == 0:
            return np.zeros((0, self.panel_.Y.shape[1]))
        steps = business_days(self.panel_, self.last_ + pd.Timedelta(days=1), days.max(),
                              self.weekdays_).union(days)
        h = steps.get_indexer(days) + 1
        phi = HW_DAMPING
        damp = phi * (1 - phi ** h) / (1 - phi)
        lev = np.maximum(self.level_ + damp * self.trend_, 0.0)
        up = 1 + _features(self.panel_, days)["uplift"].to_numpy()
        return (lev * up)[:, None] * self.season_[days.day_of_week.to_numpy()]


BASELINES = ("seasonal_naive", "weekday_avg4", "weekday_avg8")
"""The simple baselines that are always among the candidates (issue 11: a model that does
not beat the best of them on a series' backtest is not shipped for it)."""


def candidates() -> list[Model]:
    """The default candidate set: the baselines (:data:`BASELINES`, seasonal naive first),
    then the models."""
    return [SeasonalNaive(), WeekdayAverage(4), WeekdayAverage(8), DayProfile(), SVDModel(),
            HoltWinters()]


def all_models() -> list[Model]:
    """Every model by name: the candidates, then the ones ``auto`` does not try."""
    return [*candidates(), DayProfileAR()]


MODEL_NAMES = tuple(m.name for m in all_models())


def make_model(name: str) -> Model:
    for m in all_models():
        if m.name == name:
            return m
    raise InputError(f"model must be 'auto' or one of {', '.join(MODEL_NAMES)}; got {name!r}")
