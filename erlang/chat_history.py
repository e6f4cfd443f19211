"""Chat handle time by concurrency, estimated from interval history.

The chat model (:mod:`erlang.chat`) takes ``AHT[k]``, the mean handle time of a chat while
its agent holds ``k`` chats, k = 1..c. Interval exports give, per interval, the chats handled
``H``, their mean handle time ``aht_s`` and the mean number of chats an agent held while it
held at least one (``mean_concurrency``, :data:`wfmcore.schema.MEAN_CONCURRENCY`: chat-seconds
in service / agent-seconds holding >= 1, the ``mean_concurrency`` of :mod:`erlang.chat` and
:mod:`erlang.simulate_channels`). So each interval gives two totals: the handle time
``T = H x aht_s`` (chat-seconds) and the busy agent time ``B = T / mean_concurrency``.

Model
-----
An agent holding k chats works each at rate f(k) and so completes chats at rate
g(k) = k f(k) = k / AHT[k] (the chat model's). Over an interval the number of completions
has compensator sum_k g(k) B_k, where B_k is the agent time spent holding k chats. The
export gives only B = sum_k B_k and T = sum_k k B_k, not the B_k; the one family of g for
which these two totals are enough, whatever the spread of concurrency inside the interval,
is the affine one,

    g(k) = alpha + beta k,   i.e.   f(k) = beta + alpha / k,   AHT[k] = k / (alpha + beta k),

for which E[H] = alpha B + beta T exactly (a linear moment equation; AHT at the interval's
mean concurrency m is then m / (alpha + beta m)). alpha > 0 makes AHT grow with k, towards
1 / beta; alpha = 0 is a flat AHT. It is the first-order form of the throughput curve of
the chat models in which an agent's service rate depends on how many chats it holds
(limited processor sharing: Luo & Zhang 2013, "Staffing and control of instant messaging
contact centers", Oper. Res. 61(2):328-343; Tezcan & Zhang 2014, "Routing and staffing in
customer service chat systems with impatient customers", Oper. Res. 62(4):943-956). Any
other g would need the spread B_k, which interval
data do not have; for a list outside the family the fit is the family's best approximation
over the observed range (measured on the simulated export of tests/test_chat_history.py:
the linear list AHT = 300, 390, 480 s comes out as 292, 408, 469 s, within 5 %; the
in-family list 300, 400, 450 s as 301, 400, 450 s, standard errors 2 to 4 s).

Why grouped
-----------
Regressing interval by interval is biased: a chat that happens to be long keeps its agent
at a higher concurrency, so intervals with long chats also show high concurrency, and the
fit reads chance as a concurrency effect (measured on that simulated export, row by row: AHT[1]
10 % too low, AHT[3] 13 % too high; the [24]7 note "Chat and the Concurrency Myth" makes the
same point: "a single 'bad' chat with a high handle time can easily push your concurrency
up by a point"). The estimate therefore sums the totals within groups defined by what
drives concurrency from outside -- staffing and load, planned by weekday and time of day --
and fits between the groups (Wald's grouping estimator, i.e. two-stage least squares with
the groups as instruments): by default the groups are the weekday x time of day of
``interval_start``; ``groups`` gives others. Within a group the chance part of the
concurrency averages out, so its bias falls with the group size (measured, 8 groups of
simulated hours: AHT[3] about 5 % high with 2 rows per group, 2 % with 4, 1 % with 8; a
note says when the groups are smaller than :data:`SMALL_GROUP` rows).

Fit: weighted least squares of the group's handled H_g on (B_g, T_g), weights 1 / H_g (a
Poisson count's variance), alpha and beta constrained >= 0 (non-negative least squares,
:func:`scipy.optimize.nnls`): a fit in which AHT falls with concurrency is clipped to a
flat AHT (alpha = 0), one in which an agent completes fewer chats the more it holds is
clipped to beta = 0 (AHT[k] = k AHT[1]), each with a note. Standard errors: the delta method
on the covariance phi (X' W X)^-1, phi = the Pearson dispersion of the group counts (at least
1, Poisson). Levels more than ``max_extrapolation`` chats outside the range of the groups'
mean concurrency are refused (InputError); levels outside it but within the limit are
extrapolated with a note. Too few rows or groups, or no variation in concurrency between
groups (weighted standard deviation below :data:`MIN_SPREAD`): one flat AHT, the
handled-weighted mean, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from wfmcore import schema as S
from wfmcore.errors import InputError

__all__ = ["MIN_GROUPS", "MIN_ROWS", "MIN_SPREAD", "SMALL_GROUP", "Estimate",
           "estimate_aht_by_concurrency"]

#: fewest usable rows (intervals with chats handled) for a fit by concurrency
MIN_ROWS = 3
#: fewest groups (distinct weekday x time of day, or ``groups`` labels) for a fit
MIN_GROUPS = 2
#: least handled-weighted standard deviation of the groups' mean concurrency, chats
MIN_SPREAD = 0.05
#: groups of fewer rows (median) leave some chance variation in: a note says so
SMALL_GROUP = 4
#: mean concurrency below 1 by more than this is not the measure we read (rounding allowed)
_ROUNDING = 0.005


@dataclass(frozen=True)
class Estimate:
    """What :func:`estimate_aht_by_concurrency` returns.

    ``aht_s_by_concurrency``: AHT[k], seconds, k = 1..c (ready for
    :class:`wfmcore.targets.ServiceTarget`'s ``aht_s_by_concurrency``); ``se_s``: their
    standard errors, seconds (NaN when the data cannot give one); ``residual_sd_s``: the
    handled-weighted RMS difference, seconds, between each group's AHT and the fit at its
    mean concurrency; ``rows``: intervals used; ``groups``: groups fitted;
    ``concurrency_range``: least and most mean concurrency of the groups (the range the fit
    saw); ``row_concurrency_range``: the same over the rows; ``alpha_per_s``, ``beta_per_s``:
    g(k) = alpha + beta k, chats completed per agent-second (None for a flat AHT);
    ``extrapolated``: the levels k outside ``concurrency_range``; ``method``:
    ``"affine_throughput"`` or ``"flat"``; ``notes``: what was assumed or clipped."""

    aht_s_by_concurrency: tuple[float, ...]
    se_s: tuple[float, ...]
    residual_sd_s: float
    rows: int
    groups: int
    concurrency_range: tuple[float, float]
    row_concurrency_range: tuple[float, float]
    alpha_per_s: float | None
    beta_per_s: float | None
    extrapolated: tuple[int, ...]
    method: str
    notes: tuple[str, ...]


def _where(frame: pd.DataFrame, i: int) -> str:
    """'line 7' (a file read by wfmcore.reader) or 'data row 6'."""
    if "_line" in frame.columns:
        return f"line {int(frame['_line'].iloc[i])}"
    return f"data row {i + 1}"


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats (NaN = empty); InputError naming the column and the first bad row
    for text that is no number, negative or infinite values."""
    if column not in frame.columns:
        raise InputError(f"the history has no {column!r} column (columns are "
                         f"{', '.join(map(repr, map(str, frame.columns)))}); the handle time "
                         "by concurrency is estimated from handled, aht_s and "
                         f"{S.MEAN_CONCURRENCY} per interval", param=column)
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    blank = raw.isna().to_numpy() | raw.astype(str).str.strip().isin(("", "nan", "NaN"))
    bad = np.isnan(values) & ~blank
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"column {column!r} is {raw.iloc[i]!r} at {_where(frame, i)}: not a "
                         f"number ({int(bad.sum())} rows like this)", param=column)
    with np.errstate(invalid="ignore"):
        wrong = (values < 0) | np.isinf(values)
    if wrong.any():
        i = int(np.argmax(wrong))
        raise InputError(f"column {column!r} is {values[i]:g} at {_where(frame, i)}: must be a "
                         f"finite number >= 0 ({int(wrong.sum())} rows like this)", param=column)
    return values


def _check_concurrency(concurrency) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int | np.integer) \
            or concurrency < 1:
        raise InputError(f"concurrency must be a whole number >= 1 (the most chats an agent "
                         f"holds at once); got {concurrency!r}", param="concurrency")
    return int(concurrency)


def _default_groups(frame: pd.DataFrame, n: int) -> tuple[np.ndarray, str | None]:
    """Weekday x time of day of ``interval_start``; each row its own group without it."""
    if S.INTERVAL_START not in frame.columns:
        return np.arange(n), (f"the history has no {S.INTERVAL_START!r} column, so rows were "
                              "not grouped by weekday and time of day: a long chat raises "
                              "its interval's concurrency too, and a row-by-row fit reads "
                              "that as a concurrency effect (AHT growth overstated)")
    times = pd.to_datetime(frame[S.INTERVAL_START], errors="coerce")
    if times.isna().any():
        i = int(np.argmax(times.isna().to_numpy()))
        raise InputError(f"column {S.INTERVAL_START!r} is {frame[S.INTERVAL_START].iloc[i]!r} "
                         f"at {_where(frame, i)}: not a timestamp", param=S.INTERVAL_START)
    slot = (times.dt.day_of_week * 1440 + times.dt.hour * 60 + times.dt.minute).to_numpy()
    return slot, None


def _flat(handled, handle_s, group_h, group_t, c, rows, n_groups, m_range, row_range,
          notes) -> Estimate:
    """One AHT at every level: the handled-weighted mean, with its ratio-estimator SE."""
    aht = float(handle_s.sum() / handled.sum())
    if n_groups >= 2:
        g_aht = group_t / group_h
        se = float(np.sqrt(np.sum(group_h ** 2 * (g_aht - aht) ** 2)) / group_h.sum())
        resid = float(np.sqrt(np.sum(group_h * (g_aht - aht) ** 2) / group_h.sum()))
    else:
        se, resid = float("nan"), float("nan")
    return Estimate(aht_s_by_concurrency=(aht,) * c, se_s=(se,) * c, residual_sd_s=resid,
                    rows=rows, groups=n_groups, concurrency_range=m_range,
                    row_concurrency_range=row_range, alpha_per_s=None, beta_per_s=None,
                    extrapolated=(), method="flat", notes=tuple(notes))


def estimate_aht_by_concurrency(frame, concurrency: int, *, groups=None,
                                max_extrapolation: float = 1.0) -> Estimate:
    """AHT[k], k = 1..``concurrency``, from interval history (module docstring: the affine
    throughput model g(k) = alpha + beta k fitted between weekday x time-of-day groups).

    ``frame``: a DataFrame (or :class:`wfmcore.reader.IntervalFile`) of one series (one
    queue and channel) with ``handled`` [chats], ``aht_s`` [s per chat] and
    ``mean_concurrency`` [chats held per agent while holding >= 1], and ``interval_start``
    for the default groups. Rows without chats handled are left out. ``groups``: one label
    per row to group by instead (rows of a label share their staffing and load).
    ``max_extrapolation``: how many chats beyond the range of the groups' mean concurrency
    a level may lie (default 1); farther levels are an InputError.
    """
    c = _check_concurrency(concurrency)
    if isinstance(max_extrapolation, bool) or not isinstance(
            max_extrapolation, int | float | np.integer | np.floating) \
            or not np.isfinite(max_extrapolation) or max_extrapolation < 0:
        raise InputError(f"max_extrapolation must be a number of chats >= 0; got "
                         f"{max_extrapolation!r}", param="max_extrapolation")
    frame = getattr(frame, "frame", frame)
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"the history must be a table (DataFrame) of intervals; got "
                         f"{type(frame).__name__}", param="history")
    for key in S.series_keys(frame):
        values = frame[key].dropna().unique()
        if len(values) > 1:
            shown = ", ".join(map(repr, map(str, values[:3])))
            raise InputError(f"the history has {len(values)} values of {key!r} ({shown}, ...): "
                             f"estimate one {key} at a time (filter the rows)", param=key)
    handled = _numbers(frame, S.HANDLED)
    aht = _numbers(frame, S.AHT_S)
    mean_c = _numbers(frame, S.MEAN_CONCURRENCY)
    if groups is None:
        labels, group_note = _default_groups(frame, len(frame))
    else:
        labels = np.asarray(groups, dtype=object)
        if labels.ndim != 1 or labels.size != len(frame):
            raise InputError(f"groups must give one label per row ({len(frame)}); got "
                             f"{labels.size}", param="groups")
        group_note = None
    notes = [group_note] if group_note else []
    worked = np.nan_to_num(handled) > 0
    usable = worked & ~np.isnan(aht) & ~np.isnan(mean_c)
    if (worked & ~usable).any():
        notes.append(f"{int((worked & ~usable).sum())} interval(s) with chats handled but no "
                     f"{S.AHT_S} or {S.MEAN_CONCURRENCY} were left out")
    if not usable.any():
        raise InputError(f"the history has no interval with chats handled and both "
                         f"{S.AHT_S!r} and {S.MEAN_CONCURRENCY!r}", param=S.MEAN_CONCURRENCY)
    zero_aht = usable & (aht <= 0)
    if zero_aht.any():
        i = int(np.argmax(zero_aht))
        raise InputError(f"column {S.AHT_S!r} is 0 at {_where(frame, i)}, where "
                         f"{handled[i]:g} chats were handled: a handle time must be > 0 "
                         "seconds", param=S.AHT_S)
    low = usable & (mean_c < 1.0 - _ROUNDING)
    if low.any():
        i = int(np.argmax(low))
        raise InputError(f"column {S.MEAN_CONCURRENCY!r} is {mean_c[i]:g} at "
                         f"{_where(frame, i)}: the mean number of chats an agent holds while "
                         "holding at least one is >= 1 (a figure per logged-in agent, idle "
                         "time included, is another measure)", param=S.MEAN_CONCURRENCY)
    high = usable & (mean_c > c + _ROUNDING)
    if high.any():
        i = int(np.argmax(high))
        raise InputError(f"column {S.MEAN_CONCURRENCY!r} is {mean_c[i]:g} at "
                         f"{_where(frame, i)}, above concurrency {c} (the most chats an agent "
                         "holds): raise concurrency or check the column", param="concurrency")
    h = handled[usable]
    m = np.clip(mean_c[usable], 1.0, float(c))
    t = h * aht[usable]                        # handle time, chat-seconds
    b = t / m                                  # agent-seconds holding >= 1 chat
    lab = pd.factorize(pd.Series(labels[usable]), use_na_sentinel=False)[0]
    n_groups = int(lab.max()) + 1
    gh = np.bincount(lab, weights=h, minlength=n_groups)
    gt = np.bincount(lab, weights=t, minlength=n_groups)
    gb = np.bincount(lab, weights=b, minlength=n_groups)
    gm = gt / gb
    rows = int(usable.sum())
    m_range = (float(gm.min()), float(gm.max()))
    row_range = (float(m.min()), float(m.max()))
    spread = float(np.sqrt(np.sum(gh * (gm - np.average(gm, weights=gh)) ** 2) / gh.sum()))
    if c == 1 or rows < MIN_ROWS or n_groups < MIN_GROUPS or spread < MIN_SPREAD:
        if c > 1:
            why = (f"only {rows} interval(s) with chats" if rows < MIN_ROWS else
                   f"only {n_groups} group(s) of intervals" if n_groups < MIN_GROUPS else
                   f"the mean concurrency hardly varies ({m_range[0]:.2f} to "
                   f"{m_range[1]:.2f} chats between groups)")
            notes.append(f"{why}: handle time taken as the same at every concurrency "
                         "(the history's handled-weighted AHT); give aht_s_by_concurrency "
                         "when chats take longer as agents hold more")
        return _flat(h, t, gh, gt, c, rows, n_groups, m_range, row_range, notes)
    lo, hi = m_range
    k = np.arange(1, c + 1, dtype=float)
    far = (k < lo - max_extrapolation) | (k > hi + max_extrapolation)
    if far.any():
        above = k[far & (k > hi)]
        level = int(above[0] if above.size else k[far][-1])
        raise InputError(f"concurrency {c} needs the handle time at {level} chat(s), more than "
                         f"{max_extrapolation:g} chat(s) outside what the history shows "
                         f"(mean concurrency {lo:.2f} to {hi:.2f}): give aht_s_by_concurrency "
                         "for this queue (wfm.toml) or lower concurrency",
                         param="concurrency")
    per_group = float(np.median(np.bincount(lab, minlength=n_groups)))
    if groups is not None or group_note is None:
        if per_group < SMALL_GROUP:
            notes.append(f"the groups hold {per_group:g} interval(s) each (median): chance "
                         "variation in concurrency is not fully averaged out, so the growth "
                         "of AHT with concurrency may be overstated by a few percent")
    x = np.column_stack([gb, gt])
    w = 1.0 / gh
    theta, _ = nnls(x * np.sqrt(w)[:, None], gh * np.sqrt(w))
    for _ in range(2):                         # weights 1 / fitted count (Poisson)
        fitted = x @ theta
        if (fitted <= 0).any():
            break
        w = 1.0 / fitted
        theta, _ = nnls(x * np.sqrt(w)[:, None], gh * np.sqrt(w))
    alpha, beta = float(theta[0]), float(theta[1])
    if alpha == 0.0 and beta == 0.0:
        raise InputError("the history's handled chats and handle times are inconsistent (no "
                         "positive completion rate fits them); check handled and aht_s",
                         param=S.AHT_S)
    if alpha == 0.0:
        notes.append("the history shows the handle time falling as agents hold more chats; "
                     "clipped to the same handle time at every concurrency")
    if beta == 0.0:
        notes.append("the history shows agents completing fewer chats the more they hold; "
                     "clipped to no gain from concurrency (AHT[k] = k x AHT[1])")
    g = alpha + beta * k
    aht_k = k / g
    free = [j for j, v in enumerate((alpha, beta)) if v > 0.0]
    fitted = x @ theta
    dof = n_groups - len(free)
    se = np.full(c, np.nan)
    if dof > 0:
        phi = max(1.0, float(np.sum((gh - fitted) ** 2 / fitted) / dof))
        xf = x[:, free]
        cov_f = phi * np.linalg.inv(xf.T @ (xf / fitted[:, None]))
        cov = np.zeros((2, 2))
        cov[np.ix_(free, free)] = cov_f
        jac = np.column_stack([-k / g ** 2, -k ** 2 / g ** 2])   # d AHT[k] / d (alpha, beta)
        se = np.sqrt(np.einsum("ij,jk,ik->i", jac, cov, jac))
    else:
        notes.append(f"{n_groups} groups for {len(free)} free parameter(s): no standard error")
    pred = gm / (alpha + beta * gm)
    resid = float(np.sqrt(np.sum(gh * (gt / gh - pred) ** 2) / gh.sum()))
    outside = tuple(int(v) for v in k[(k < lo) | (k > hi)])
    if outside:
        notes.append(f"handle time at {', '.join(map(str, outside))} chat(s) extrapolated "
                     f"from mean concurrency {lo:.2f} to {hi:.2f} (at most "
                     f"{max_extrapolation:g} chat(s) beyond) by g(k) = alpha + beta k")
    return Estimate(aht_s_by_concurrency=tuple(float(v) for v in aht_k),
                    se_s=tuple(float(v) for v in se), residual_sd_s=resid, rows=rows,
                    groups=n_groups, concurrency_range=m_range,
                    row_concurrency_range=row_range, alpha_per_s=alpha, beta_per_s=beta,
                    extrapolated=outside, method="affine_throughput", notes=tuple(notes))
