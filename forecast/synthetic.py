"""Synthetic interval histories with known structure, for tests and benchmarks.

Calls in each open interval are Poisson with rate ``weekday_level[w] * shape[slot] *
trend ** week``: the "truth" a forecaster should recover within sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfmcore import schema as S


def poisson_rates(open_hours=(8, 20), interval_min: int = 30,
                  weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.0, 0.0),
                  calls_per_day: float = 3000.0) -> tuple[np.ndarray, np.ndarray]:
    """(slot minutes, rates[7, n_slots]): a two-peak day (late morning, early afternoon)."""
    slots = np.arange(open_hours[0] * 60, open_hours[1] * 60, interval_min)
    x = (slots - slots[0]) / (slots[-1] - slots[0] + interval_min)
    shape = 0.3 + np.exp(-((x - 0.25) / 0.12) ** 2) + 0.8 * np.exp(-((x - 0.55) / 0.15) ** 2)
    shape = shape / shape.sum()
    rates = np.outer(np.asarray(weekday_level, float), shape) * calls_per_day
    return slots, rates


def poisson_history(weeks: int, seed: int, start: str = "2024-01-01", *,
                    trend_per_week: float = 1.0, **rate_kw) -> tuple[pd.DataFrame, np.ndarray]:
    """A history frame (interval_start, offered) and the true rates[7, n_slots] of week 0.

    Weekdays with level 0 are closed (no rows). ``start`` should be a Monday.
    """
    rng = np.random.default_rng(seed)
    slots, rates = poisson_rates(**rate_kw)
    rows_t, rows_y = [], []
    for d in pd.date_range(start, periods=7 * weeks, freq="D"):
        lam = rates[d.weekday()] * trend_per_week ** ((d - pd.Timestamp(start)).days / 7)
        if lam.sum() == 0:
            continue
        rows_t.append(d.to_datetime64() + slots.astype("timedelta64[m]"))
        rows_y.append(rng.poisson(lam))
    frame = pd.DataFrame({S.INTERVAL_START: np.concatenate(rows_t),
                          S.OFFERED: np.concatenate(rows_y).astype(float)})
    return frame, rates
