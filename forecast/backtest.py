"""Rolling-origin backtests, interval calibration and model selection.

Origins are weekly, counted back from the day after the history ends: origin ``o`` fits on
the days before ``o`` and forecasts the open days in ``[o, o + horizon)``. Each fold is
scored by MASE (scaled by that fold's in-sample weekly seasonal-naive MAE), WAPE, bias and
interval coverage.

Prediction intervals are calibrated from the model's own errors in earlier folds, not from
model theory. Errors are standardised with an overdispersed-Poisson variance
``Var(y | f) = f + phi f^2`` (Poisson sampling noise plus a multiplicative level error; phi
from the method of moments), and the empirical quantiles of the standardised errors give the
interval: ``f + q * sqrt(f + phi f^2)``, clipped at 0. The same earlier folds rank the models
for ``model='auto'``: the mean of the best two (:data:`AUTO_BLEND`); the members are
recorded in the ``model`` column.

The staffing consequence of a forecast error (``agents_mae``, ``understaffed``) needs a
staffing model, which lives in a layer above this one: the caller passes it in as
``staffing(traffic_erl, aht_s) -> required agents`` (:data:`Staffing`), e.g.
``functools.partial(erlang.required_agents, target=erlang.ServiceTarget())`` for Erlang C
at 80 % in 20 s. Without it those two columns are NaN.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from forecast.metrics import coverage, mae, weekly_naive_scale
from forecast.models import BASELINES, Model, NotEnoughHistory, clean_days, fit_notes
from forecast.panel import Panel
from wfmcore.errors import InputError, InternalError

Staffing = Callable[[np.ndarray, float], np.ndarray]
"""``staffing(traffic_erl, aht_s)``: required agents for each interval's offered load
(Erlangs, an array) at handle time ``aht_s`` (seconds), as an array of the same shape."""


@dataclass
class Fold:
    model: str
    origin: pd.Timestamp
    days: pd.DatetimeIndex = None
    forecast: np.ndarray = None      # (n_days, n_slots)
    actual: np.ndarray = None
    mask: np.ndarray = None          # cells to score: slot open and actual known
    scale: float = float("nan")
    error: str | None = None         # why the model stepped aside
    fit_s: float = 0.0
    warnings: tuple[str, ...] = ()   # what the fit warned about (Model.fit_warnings_)

    @property
    def ok(self) -> bool:
        return self.error is None

    def pairs(self, week: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(actual, forecast) over the scored cells; ``week`` = 0, 1, ...: only the days
        that many whole weeks after the origin."""
        mask = _week_mask(self, week)
        return self.actual[mask], self.forecast[mask]

    @property
    def mase(self) -> float:
        y, f = self.pairs()
        return mae(y, f) / self.scale


def _week_mask(fold: Fold, week: int | None) -> np.ndarray:
    """The fold's scored cells (days x slots), only those of forecast week ``week``."""
    if week is None:
        return fold.mask
    wk = ((fold.days - fold.origin).days // 7).to_numpy()
    return fold.mask & (wk == week)[:, None]


@dataclass(frozen=True)
class Calibration:
    """Interval recipe: lo/hi = f + q_lo/q_hi * sqrt(f + phi f^2)."""

    level: float
    phi: float
    q_lo: float
    q_hi: float
    n_folds: int
    source: str = "backtest"       # or 'poisson' when there was no earlier fold

    def interval(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sd = np.sqrt(np.maximum(f, 0) + self.phi * f ** 2)
        return np.maximum(f + self.q_lo * sd, 0.0), np.maximum(f + self.q_hi * sd, 0.0)


def weekly_origins(panel: Panel, n: int, horizon_days: int = 7) -> list[pd.Timestamp]:
    """The last ``n`` weekly origins whose whole horizon lies inside the history."""
    end = panel.days.max() + pd.Timedelta(days=1)
    first_possible = panel.days.min() + pd.Timedelta(days=7)
    out = []
    o = end - pd.Timedelta(days=horizon_days)
    while len(out) < n and o >= first_possible:
        out.append(o)
        o -= pd.Timedelta(days=7)
    return sorted(out)


#: failures of a model's own arithmetic (overflow, a singular matrix, statsmodels' "array
#: must not contain infs or NaNs") that make it step aside for one series, with the reason
#: recorded: one queue never sinks the others (issue 15). The baselines never step aside:
#: their failing is a bug (:class:`~wfmcore.errors.InternalError`).
NUMERIC_ERRORS = (ArithmeticError, ValueError, np.linalg.LinAlgError)
#: a forecast above this multiple of the busiest interval of the training history (plus 10
#: calls) is a numeric failure, not a forecast
IMPLAUSIBLE_FACTOR = 100.0


def fit_predict(model: Model, train: Panel, days: pd.DatetimeIndex
                ) -> tuple[np.ndarray | None, str]:
    """(``model`` fitted on ``train``, its forecast of ``days``) -> (forecast, '') or
    (None, the reason it stepped aside): too little history (:class:`NotEnoughHistory`), a
    numeric failure (:data:`NUMERIC_ERRORS`), or values that are not finite or above
    :data:`IMPLAUSIBLE_FACTOR` x the busiest interval seen. A baseline that fails raises
    :class:`~wfmcore.errors.InternalError`."""
    try:
        model.fit(train)
        F = (np.asarray(model.predict(days), dtype=float) if len(days)
             else np.zeros((0, train.Y.shape[1])))
    except NotEnoughHistory as exc:
        return None, str(exc)
    except InputError:
        raise
    except NUMERIC_ERRORS as exc:
        reason = f"numeric failure ({type(exc).__name__}: {exc})"
    else:
        with np.errstate(invalid="ignore"):
            busiest = float(np.nanmax(train.Y)) if np.isfinite(train.Y).any() else 0.0
        ceiling = IMPLAUSIBLE_FACTOR * busiest + 10.0
        if not np.isfinite(F).all():
            reason = "numeric failure (its forecast has non-finite values)"
        elif F.size and float(F.max()) > ceiling:
            reason = (f"numeric failure (its forecast reaches {float(F.max()):.3g} calls in an "
                      f"interval, over {IMPLAUSIBLE_FACTOR:g}x the busiest interval seen)")
        else:
            return F, ""
    if model.name in BASELINES:
        raise InternalError(f"baseline model {model.name} failed: {reason}")
    return None, reason


def run_fold(panel: Panel, model: Model, origin: pd.Timestamp, horizon_days: int,
             train: Panel | None = None) -> Fold:
    """Fit ``model`` on the days before ``origin`` (``train``: ``panel.truncate(origin)``,
    made here if not given) and score it on the days of ``[origin, origin + horizon_days)``
    that have data; a model that cannot fit or fails numerically steps aside (``error``,
    :func:`fit_predict`).

    Every interval that exists in the data is scored, holidays included: a day the
    truncated history forecasts closed but that has calls counts with a forecast of 0 (the
    Columbus Day error of issue 11 is scored, not hidden). Slots outside the opening hours
    the training history shows are scored only where they have calls."""
    train = panel.truncate(origin) if train is None else train
    stop = origin + pd.Timedelta(days=horizon_days)
    test = (panel.days >= origin) & (panel.days < stop)
    days = panel.days[test]
    fold = Fold(model=model.name, origin=origin, days=days)
    if not test.any():
        fold.error = "no open day in the horizon"
        return fold
    t0 = time.perf_counter()
    F, reason = fit_predict(model, train, days)
    if F is None:
        fold.error = reason
        return fold
    fold.fit_s = time.perf_counter() - t0
    fold.warnings = model.fit_warnings_
    A = panel.Y[test]
    # what run_forecast would write: calls only in the open slots of days it forecasts open
    shut = (train.table.loc[days, "status"] != "open").to_numpy()
    F = np.where(shut[:, None], 0.0, F * train.slot_open[days.day_of_week.to_numpy()])
    fold.forecast, fold.actual = F, A
    fold.mask = ~np.isnan(A)
    fold.scale = weekly_naive_scale(train.days, train.Y)
    return fold


def run_folds(panel: Panel, models: list[Model], origins: list[pd.Timestamp],
              horizon_days: int = 7, progress=None, reuse_params: bool = False,
              keep_params: bool = False) -> dict[tuple[str, pd.Timestamp], Fold]:
    """Fit and score every model at every origin (oldest first).

    ``reuse_params``: the state-space variances are estimated once, at the first origin at
    which a model answers, and kept for the later origins (only the states are re-filtered
    on each fold's history); a later ``fit`` searches afresh. Why this is honest and
    enough: the variances come from data before every later origin (no look-ahead), and
    they are hyperparameters that move little in a few weeks, while the level, weekday and
    closure effects (the states) are still re-estimated at every origin; on the bank data
    the evidence MASE moves by 0.01 or less. It makes the 8-fold evidence behind
    :func:`forecast.run_forecast` about 5x cheaper. ``backtest`` (the scored evaluation)
    refits fully at every origin. ``keep_params``: leave those variances in the models
    (``fixed_params_``) for the caller's next fit, which the caller then resets.
    """
    out = {}
    for o in origins:
        train = panel.truncate(o)
        for m in models:
            out[(m.name, o)] = f = run_fold(panel, m, o, horizon_days, train)
            if reuse_params and f.ok and m.fixed_params_ is None:
                m.fixed_params_ = m.state_params()
        if progress is not None:
            progress(1)
    if reuse_params and not keep_params:
        for m in models:
            m.fixed_params_ = None
    return out


def calibrate(folds: list[Fold], level: float, week: int | None = None) -> Calibration:
    """Interval recipe from the errors of earlier folds (see module docstring); with
    ``week``, from their days that many whole weeks after the origin (errors grow with the
    horizon)."""
    good = [f for f in folds if f.ok and f.pairs(week)[0].size]
    a = (1 - level) / 2
    if not good:
        z = ndtri(1 - a)           # standard normal quantile
        return Calibration(level, 0.0, -z, z, 0, source="poisson")
    y = np.concatenate([f.pairs(week)[0] for f in good])
    fc = np.maximum(np.concatenate([f.pairs(week)[1] for f in good]), 1e-9)
    phi = max(0.0, float(np.sum((y - fc) ** 2 - fc) / np.sum(fc ** 2)))
    z = (y - fc) / np.sqrt(fc + phi * fc ** 2)
    # Errors within a fold share that week's level error, so they are not independent
    # draws: widen as split-conformal prediction does for n draws, tail share
    # a -> a * n / (n + 1), with n the effective number of draws (effective_draws).
    if len(good) > 1:
        sizes = [f.pairs(week)[0].size for f in good]
    else:             # one fold: its days are the clusters (the one structure it shows)
        rows = np.nonzero(_week_mask(good[0], week))[0]
        sizes = np.bincount(rows)[np.unique(rows)]
    n = effective_draws(z, np.asarray(sizes))
    a_n = a * n / (n + 1)
    q_lo, q_hi = np.quantile(z, [a_n, 1 - a_n])
    return Calibration(level, phi, float(q_lo), float(q_hi), len(good))


def effective_draws(z: np.ndarray, sizes: np.ndarray) -> float:
    """Effective number of independent draws among the standardised errors ``z``, taken
    cluster by cluster (``sizes``: how many of them each cluster holds, in order; the
    folds, or the days of a single fold): Kish's (1965) design effect for cluster samples,
    N / (1 + (m - 1) rho), with m the mean cluster size and rho the intra-cluster
    correlation (the between-cluster share of the variance, one-way ANOVA estimator,
    clipped to [0, 1]), at least the number of clusters. All the error a level error shared
    by each cluster (rho = 1): the clusters are the draws; independent errors (rho = 0):
    every interval is one. Why: counting the folds as the only draws, a short history's
    evidence (one or two folds) widened its 80 % interval to 87-90 % coverage (test bed
    short_3w, short_8w 0.83) where the error from fold to fold was mostly Poisson noise."""
    k = len(sizes)
    if k < 2:
        return float(k)
    groups = np.split(z, np.cumsum(sizes)[:-1])
    means = np.array([g.mean() for g in groups])
    within = np.array([g.var(ddof=1) if g.size > 1 else 0.0 for g in groups])
    total = float(z.var(ddof=1))
    if not total > 0:
        return float(k)
    between = max(0.0, float(means.var(ddof=1) - np.mean(within / sizes)))
    rho = min(1.0, between / total)
    m = float(np.mean(sizes))
    return float(max(k, z.size / (1.0 + (m - 1.0) * rho)))


def inner_origins(origins: list[pd.Timestamp], origin: pd.Timestamp, horizon_days: int,
                  n: int) -> list[pd.Timestamp]:
    """The last ``n`` origins whose horizon ends by ``origin`` (no look-ahead)."""
    return [o for o in origins if o + pd.Timedelta(days=horizon_days) <= origin][-n:]


def scored(fold) -> bool:
    """A fold that answered with a finite MASE (its training window has days a week apart
    for the scale)."""
    return fold is not None and fold.ok and bool(np.isfinite(fold.mase))


def _common_scores(folds: dict, names: list[str], origins: list[pd.Timestamp]
                   ) -> dict[str, np.ndarray]:
    """Per-fold MASE of the models compared, on the same folds.

    All models, on the folds in which every one answered with a finite MASE, if there are
    at least two such folds; otherwise the models that answered most often, as many as
    still share two scored folds (a model that needs more history, and steps aside in the
    early folds of a short history, drops out of the comparison rather than forcing it onto
    folds where only the simplest models answered); else the models that answered every fold
    with a MASE scale.
    """
    n_scored = {n: sum(scored(folds.get((n, o))) for o in origins) for n in names}
    by_count = sorted(names, key=lambda n: (-n_scored[n], names.index(n)))
    for k in range(len(names), 1, -1):
        group = by_count[:k]
        common = [o for o in origins if all(scored(folds.get((n, o))) for n in group)]
        if len(common) >= 2:
            return {n: np.array([folds[(n, o)].mase for o in common]) for n in group}
    with_scale = [o for o in origins if any(scored(folds.get((n, o))) for n in names)]
    return {n: np.array([folds[(n, o)].mase for o in with_scale]) for n in names
            if with_scale and all(scored(folds.get((n, o))) for o in with_scale)}


def rank_models(folds: dict, names: list[str], origins: list[pd.Timestamp]) -> list[str]:
    """Model names by mean MASE, compared on the same folds (see :func:`_common_scores`)."""
    scores = {n: float(v.mean()) for n, v in _common_scores(folds, names, origins).items()}
    return sorted(scores, key=lambda n: (scores[n], names.index(n)))


AUTO_BLEND = 2
"""``auto`` = equal-weight mean of the ``AUTO_BLEND`` models with the lowest mean MASE over
the 8 earlier folds (a forecast combination: Clemen 1989, Int. J. Forecasting 5:559-583).

Chosen on data the bank evaluation never scores: the 10 weekly origins 2003-06-07..08-09
(before the last 10 weeks) and synthetic series (trend, 7-day centre, the three queues of
``data/synthetic_calls.csv``). Compared there: the best model alone, the best two, all
three non-baseline models, and a model confidence set (every model within 0.5-2 standard
errors of the best in log MASE ratio; Hansen, Lunde & Nason 2011, Econometrica
79:453-497). MASE on the earlier window at 5/15/30/60 min: best two 0.736/0.753/0.771/
0.788, best one 0.741/0.756/0.773/0.787, confidence set (1.5 s.e.) 0.747/0.784/0.803/
0.813, all three 0.741/0.756/0.770/0.786 but 0.969 on the trend series (best two 0.852),
where the weekday average lags. The confidence set was the better rule before the day-total
models learned the turn of the month (:data:`forecast.calendar.MONTH_TURN`): then the
8-week weekday average was as good as they were on the earlier window and deserved a share;
now it is clearly worse there, and a noisy 8-fold test lets it in too often.
"""


def blend_fold(res: dict, names: list[str], origin: pd.Timestamp) -> Fold:
    """Equal-weight mean of the members' forecasts at ``origin`` (a forecast combination)."""
    fs = [res[(n, origin)] for n in names]
    label = "+".join(names)
    bad = [f for f in fs if not f.ok]
    if bad:
        return Fold(model=label, origin=origin, error=bad[0].error)
    f0 = fs[0]
    return Fold(model=label, origin=origin, days=f0.days,
                forecast=np.mean([f.forecast for f in fs], axis=0), actual=f0.actual,
                mask=f0.mask, scale=f0.scale, fit_s=sum(f.fit_s for f in fs))


BIAS_TOLERANCE = 0.02
"""A candidate's evidence bias (pooled over the evidence folds, sum(f - y) / sum(y)) counts
as worse than the best baseline's only beyond ``max(|baseline bias|, BIAS_TOLERANCE)``.
Why 2 %: the evidence is 8 weekly folds, and a call centre's week-to-week level noise is
4-5 % (bank data before 2003-08-16, log changes divided by sqrt 2: 3.8 % between whole-week
totals, 5.3 % between the same weekday a week apart), so the pooled bias of any forecast has
a standard error of about 1.4-1.9 % (that noise / sqrt 8); a smaller difference between two
forecasts' biases is noise, not evidence."""


@dataclass(frozen=True)
class AutoChoice:
    """What ``auto`` ships for one series and the evidence behind it (:func:`select_auto`).

    ``members``: the models averaged (one: a single model); ``mase`` / ``bias``: their
    evidence (mean fold MASE, pooled bias) on ``folds`` common folds; ``baseline``: the best
    of :data:`BASELINES` on those folds, with its ``baseline_mase`` / ``baseline_bias``
    (None / NaN when no baseline is a candidate or there is no evidence); ``rejected``: the
    options passed over, each with its reason.
    """

    members: list[str]
    mase: float = float("nan")
    bias: float = float("nan")
    baseline: str | None = None
    baseline_mase: float = float("nan")
    baseline_bias: float = float("nan")
    folds: int = 0
    rejected: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "+".join(self.members)

    @property
    def gain(self) -> float:
        """Share by which the shipped MASE is below the best baseline's (0.3 = 30 % lower)."""
        return 1.0 - self.mase / self.baseline_mase if self.baseline_mase > 0 else float("nan")

    def summary(self) -> str:
        """One line for the user: which won and by how much."""
        if not self.folds:
            return f"auto uses {self.label} (no backtest evidence)"
        if self.baseline is None:
            return (f"auto chose {self.label}: backtest MASE {self.mase:.3f}, bias "
                    f"{self.bias:+.1%} over {self.folds} weekly origins (no baseline among "
                    "the candidates)")
        if self.members == [self.baseline]:
            why = f" ({'; '.join(self.rejected)})" if self.rejected else ""
            return (f"auto fell back to the baseline {self.baseline}: backtest MASE "
                    f"{self.mase:.3f}, bias {self.bias:+.1%} over {self.folds} weekly "
                    f"origins; no model did better{why}")
        return (f"auto chose {self.label}: backtest MASE {self.mase:.3f} against "
                f"{self.baseline_mase:.3f} for the best baseline {self.baseline} "
                f"({self.gain:.0%} lower), bias {self.bias:+.1%} against "
                f"{self.baseline_bias:+.1%}, over {self.folds} weekly origins")


def evidence_score(res: dict, members: list[str], origins: list[pd.Timestamp],
                   outliers: pd.DatetimeIndex | None = None) -> tuple[float, float]:
    """(mean MASE, pooled bias) of the equal-weight blend of ``members`` over ``origins``
    (every member scored there): bias = sum(f - y) / sum(y) over the scored intervals, less
    the ``outliers`` days (one-day surges, :func:`forecast.models.clean_days`): no forecast
    can know them, and a model that the surges in its own history lift would look unbiased
    by cancelling them."""
    folds = [blend_fold(res, members, o) for o in origins]
    mase = float(np.mean([f.mase for f in folds]))
    err = calls = 0.0
    for f in folds:
        mask = f.mask
        if outliers is not None and len(outliers):
            mask = mask & ~f.days.isin(outliers)[:, None]
        y, fc = f.actual[mask], f.forecast[mask]
        err += float(np.sum(fc - y))
        calls += float(np.sum(y))
    return mase, (err / calls if calls > 0 else float("nan"))


def select_auto(res: dict, names: list[str], origins: list[pd.Timestamp], *,
                can_answer=None, baselines: tuple[str, ...] = BASELINES,
                outliers: pd.DatetimeIndex | None = None) -> AutoChoice:
    """``auto``'s choice from the folds ``res`` at the evidence ``origins`` ("do no harm").

    Options, in order: the blend of the :data:`AUTO_BLEND` best models by mean MASE (see
    :func:`rank_models`), then each model alone in rank order. The first option that is no
    worse than the best baseline on the same folds — MASE at most the baseline's and |bias|
    at most ``max(|baseline bias|, BIAS_TOLERANCE)`` (:data:`BIAS_TOLERANCE`) — is shipped;
    the best baseline itself always passes, so nothing worse than it is ever shipped.
    ``can_answer(name)``: whether a model can forecast where the choice is used (it fitted
    there); models that cannot are passed over. ``outliers``: days left out of the biases
    (:func:`evidence_score`). Without evidence: the first model that can answer.
    """
    can = can_answer or (lambda n: True)
    ranked = [n for n in (rank_models(res, names, origins) if origins else []) if can(n)]
    if not ranked:
        first = next((n for n in names if can(n)), names[0])
        return AutoChoice(members=[first])
    options = ([sorted(ranked[:AUTO_BLEND], key=names.index)] if len(ranked) >= AUTO_BLEND
               else []) + [[n] for n in ranked]
    base = next((n for n in ranked if n in baselines), None)
    rejected = []
    for opt in options:
        group = list(dict.fromkeys(opt + ([base] if base else [])))
        common = [o for o in origins if all(scored(res.get((n, o))) for n in group)]
        if not common:
            continue
        mase, bias = evidence_score(res, opt, common, outliers)
        if base is None:
            return AutoChoice(members=opt, mase=mase, bias=bias, folds=len(common))
        b_mase, b_bias = evidence_score(res, [base], common, outliers)
        label = "+".join(opt)
        if mase > b_mase:
            rejected.append(f"{label}: MASE {mase:.3f} > {b_mase:.3f}")
        elif np.isfinite(bias) and abs(bias) > max(abs(b_bias), BIAS_TOLERANCE):
            rejected.append(f"{label}: bias {bias:+.1%} against {b_bias:+.1%}")
        else:
            return AutoChoice(members=opt, mase=mase, bias=bias, baseline=base,
                              baseline_mase=b_mase, baseline_bias=b_bias, folds=len(common),
                              rejected=tuple(rejected))
    return AutoChoice(members=[ranked[0]], rejected=tuple(rejected))


def auto_choice(res: dict, names: list[str], inner: list[pd.Timestamp],
                origin: pd.Timestamp, outliers: pd.DatetimeIndex | None = None) -> list[str]:
    """Members of ``auto`` at ``origin`` (:func:`select_auto` over the earlier folds
    ``inner``, among the models that also answer at ``origin``); the first model that can
    answer (the baseline) without evidence."""
    return select_auto(res, names, inner, can_answer=lambda n: res[(n, origin)].ok,
                       outliers=outliers).members


@dataclass
class PanelBacktest:
    """The backtest of one panel (one queue): see :func:`backtest`."""

    table: pd.DataFrame                           # one row per model
    folds: pd.DataFrame                           # one row per model x origin
    notes: list[str] = field(default_factory=list)


def staffing_errors(actual: np.ndarray, forecast: np.ndarray, aht_s: float,
                    interval_min: float, staffing: Staffing | None) -> tuple[float, float]:
    """What a forecast error costs in agents: ``staffing`` (:data:`Staffing`) on the actual
    and on the forecast calls of every interval, as offered load ``calls * aht_s /
    (interval_min * 60)`` Erlangs; returns (mean absolute agent error, share of intervals
    where the forecast staffing is below what the actual calls needed). Both NaN without
    ``staffing`` or without intervals."""
    if staffing is None or actual.size == 0:
        return float("nan"), float("nan")
    to_erl = aht_s / (interval_min * 60.0)
    need = np.asarray(staffing(np.maximum(actual, 0) * to_erl, aht_s))
    plan = np.asarray(staffing(np.maximum(forecast, 0) * to_erl, aht_s))
    return float(np.abs(plan - need).mean()), float((plan < need).mean())


def backtest(panel: Panel, models: list[Model], *, folds: int = 10, horizon_days: int = 7,
             level: float = 0.8, cal_folds: int = 8, progress=None,
             aht_s: float = 300.0, staffing: Staffing | None = None) -> PanelBacktest:
    """Rolling-origin backtest of ``models`` and of ``auto`` over the last ``folds`` origins.

    ``auto`` at each origin blends the best :data:`AUTO_BLEND` models over the ``cal_folds``
    folds that ended before that origin, and every interval at an origin is
    calibrated on those same earlier folds, so nothing is scored with hindsight.
    ``staffing`` (:data:`Staffing`) with ``aht_s`` (seconds) prices the errors in agents
    (``agents_mae``, ``understaffed``; NaN without it). ``progress(1)`` is called after each
    origin. The notes say which models stepped aside and what their fits warned about.
    """
    all_origins = weekly_origins(panel, folds + cal_folds, horizon_days)
    outer = all_origins[-folds:]
    res = run_folds(panel, models, all_origins, horizon_days, progress=progress)
    names = [m.name for m in models]
    rows, notes = [], []
    for o in outer:
        inner = inner_origins(all_origins, o, horizon_days, cal_folds)
        train = panel.truncate(o)
        outliers = train.days[clean_days(train)[1]]      # what a forecast at o would see
        for name in names + ["auto"]:
            if name == "auto":
                members = auto_choice(res, names, inner, o, outliers)
                f = blend_fold(res, members, o)
                cal_folds_ = [blend_fold(res, members, i) for i in inner]
            else:
                f = res[(name, o)]
                cal_folds_ = [res[(name, i)] for i in inner]
            chosen = f.model
            if not f.ok:
                rows.append(dict(model=name, origin=o, chosen=chosen, error=f.error))
                continue
            y, fc, lo, hi = [], [], [], []
            n_cal = 0
            for w in range((horizon_days + 6) // 7):     # one calibration per forecast week
                yw, fw = f.pairs(week=w)
                cal = calibrate(cal_folds_, level, week=w)
                lw, hw = cal.interval(fw)
                y, fc, lo, hi = y + [yw], fc + [fw], lo + [lw], hi + [hw]
                n_cal = max(n_cal, cal.n_folds)
            y, fc, lo, hi = (np.concatenate(v) for v in (y, fc, lo, hi))
            agents_mae, understaffed = staffing_errors(y, fc, aht_s, panel.interval_min,
                                                       staffing)
            rows.append(dict(model=name, origin=o, chosen=chosen, error=None, mase=f.mase,
                             mae=mae(y, fc), scale=f.scale, abs_err=float(np.abs(y - fc).sum()),
                             sum_err=float((fc - y).sum()), calls=float(y.sum()),
                             coverage=coverage(y, lo, hi), n=int(y.size), fit_s=f.fit_s,
                             cal_folds=n_cal, agents_mae=agents_mae,
                             understaffed=understaffed))
    fold_df = pd.DataFrame(rows) if rows else pd.DataFrame(
        columns=["model", "origin", "chosen", "error"])
    table = summarise(fold_df, level)
    for name in names:
        errs = fold_df.loc[(fold_df.model == name) & fold_df.error.notna(), "error"]
        if len(errs):
            notes.append(f"{name}: stepped aside in {len(errs)} fold(s): {errs.iloc[0]}")
        notes += fit_notes(name, [res[(name, o)].warnings for o in all_origins
                                  if res[(name, o)].ok])
    return PanelBacktest(table, fold_df, notes)


def summarise(fold_df: pd.DataFrame, level: float) -> pd.DataFrame:
    ok = fold_df[fold_df.error.isna()]
    rows = []
    for name, g in ok.groupby("model", sort=False):
        rows.append(dict(model=name, folds=len(g), mase=g.mase.mean(),
                         wape=g.abs_err.sum() / g.calls.sum(), bias=g.sum_err.sum() / g.calls.sum(),
                         coverage=(g.coverage * g.n).sum() / g.n.sum(), level=level,
                         fit_s_median=g.fit_s.median(),
                         agents_mae=(g.agents_mae * g.n).sum(min_count=1) / g.n.sum(),
                         understaffed=(g.understaffed * g.n).sum(min_count=1) / g.n.sum(),
                         chosen=", ".join(sorted(set(g.chosen))) if name == "auto" else name))
    t = pd.DataFrame(rows)
    if len(t):
        # only models scored on every fold compete: a model that stepped aside on the hard
        # early origins would otherwise win on an easier subset
        full = t.folds == t.folds.max()
        t["winner"] = full & (t.mase == t.loc[full, "mase"].min())
    return t


__all__ = ["AUTO_BLEND", "BASELINES", "BIAS_TOLERANCE", "AutoChoice", "Calibration", "Fold",
           "PanelBacktest", "Staffing", "auto_choice", "evidence_score", "select_auto",
           "backtest", "blend_fold", "calibrate", "effective_draws", "inner_origins", "rank_models", "run_fold",
           "run_folds", "staffing_errors", "summarise", "weekly_origins"]
