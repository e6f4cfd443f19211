"""Forecast error measures. All take arrays of actual calls ``y`` and forecasts ``f``.

MASE (Hyndman & Koehler 2006, Int. J. Forecasting 22:679-688) = MAE of the forecast / MAE of
the in-sample *weekly* seasonal naive forecast (same slot one week earlier), so 1.0 means
"as good as copying last week" in-sample and it is comparable across interval lengths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def mae(y, f) -> float:
    y, f = np.asarray(y, float), np.asarray(f, float)
    return float(np.mean(np.abs(y - f)))


def wape(y, f) -> float:
    """sum |y - f| / sum y (weighted absolute percentage error, as a share)."""
    y, f = np.asarray(y, float), np.asarray(f, float)
    return float(np.sum(np.abs(y - f)) / np.sum(y))


def bias(y, f) -> float:
    """sum (f - y) / sum y: + means over-forecast, as a share."""
    y, f = np.asarray(y, float), np.asarray(f, float)
    return float(np.sum(f - y) / np.sum(y))


def coverage(y, lo, hi) -> float:
    """Share of actuals inside [lo, hi]."""
    y = np.asarray(y, float)
    return float(np.mean((y >= np.asarray(lo)) & (y <= np.asarray(hi))))


def weekly_naive_scale(days: pd.DatetimeIndex, Y: np.ndarray) -> float:
    """In-sample MAE of the weekly seasonal naive forecast on a days x slots matrix.

    Pairs each day with the day exactly 7 days earlier (when both have rows); NaN cells
    (closed or missing) are skipped.
    """
    d = days.to_numpy().astype("datetime64[D]").astype(np.int64)     # sorted day numbers
    if d.size == 0:
        return float("nan")
    j = np.minimum(np.searchsorted(d, d - 7), d.size - 1)           # the day a week earlier
    ok = d[j] == d - 7
    if not ok.any():
        return float("nan")
    diff = np.abs(Y[ok] - Y[j[ok]])
    return float(np.nanmean(diff))
