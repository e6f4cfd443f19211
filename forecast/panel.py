"""The regular day x interval grid that the models work on.

One queue's history becomes a matrix ``Y`` (open days x slots of the day, calls offered),
with NaN where the centre was closed at that time of day or a row is missing. Models fit on
this matrix and predict rows of it for future days; :meth:`Panel.to_frame` maps predictions
back to ``interval_start`` rows. Day-level facts (weekday, closures around a day, special-day
uplift) come from :func:`forecast.calendar.day_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecast.calendar import Calendar, day_table, open_weekdays, recent_weeks
from wfmcore import schema as S

PROFILE_WEEKS = 8   # opening hours and shapes are learned from the last 8 weeks


@dataclass(frozen=True)
class Panel:
    interval_min: int
    slots: np.ndarray            # minute of day of each slot (left edge), sorted
    days: pd.DatetimeIndex       # history days that have rows (status 'open')
    Y: np.ndarray                # (n_days, n_slots) calls offered; NaN = closed / missing
    slot_open: np.ndarray        # (7, n_slots) bool: slot open on that weekday
    table: pd.DataFrame          # day_table from the first history day to the last target day
    aht: np.ndarray | None = None      # (n_days, n_slots) AHT seconds, NaN if unknown
    weight: np.ndarray | None = None   # (n_days, n_slots) calls behind each AHT value
    calendar: Calendar | None = None   # to extend ``table`` past its end on demand

    @property
    def weekdays(self) -> np.ndarray:
        return self.days.day_of_week.to_numpy()

    def truncate(self, cutoff: pd.Timestamp) -> Panel:
        """The history strictly before ``cutoff`` (a date), opening hours and the day table
        re-learned from it: what the days from ``cutoff`` on will be (open, closed on a
        holiday) is forecast from the truncated history, as :func:`forecast.run_forecast`
        would at that date, not read off the later data (no look-ahead in a backtest)."""
        keep = self.days < cutoff
        days = self.days[keep]
        Y = self.Y[keep]
        table = day_table(days, self.table.index.max(), self.calendar or Calendar()) \
            if len(days) else self.table
        return replace(self, days=days, Y=Y, slot_open=_slot_open(days, Y), table=table,
                       aht=None if self.aht is None else self.aht[keep],
                       weight=None if self.weight is None else self.weight[keep])

    def features(self, days: pd.DatetimeIndex) -> pd.DataFrame:
        """Day-level regressors for ``days`` (the day table is extended if needed)."""
        table = self.table
        if len(days) and days.max() > table.index.max():
            more = day_table(self.days, days.max(), self.calendar or Calendar())
            table = pd.concat([table, more.loc[more.index > table.index.max()]])
        return table.loc[days, ["weekday", "pre_closure", "post_closure1", "post_closure2",
                                "month_turn", "uplift", "status"]]

    def to_frame(self, days: pd.DatetimeIndex, values: dict[str, np.ndarray]) -> pd.DataFrame:
        """Long frame (``interval_start`` + one column per matrix) over the open slots."""
        wd = days.day_of_week.to_numpy()
        mask = self.slot_open[wd]                                   # (n_days, n_slots)
        di, si = np.nonzero(mask)
        starts = days.to_numpy()[di] + (self.slots[si].astype("timedelta64[m]"))
        out = pd.DataFrame({S.INTERVAL_START: starts})
        for col, m in values.items():
            out[col] = m[di, si]
        return out


def _slot_open(days: pd.DatetimeIndex, Y: np.ndarray) -> np.ndarray:
    open_wd = open_weekdays(days) if len(days) else np.zeros(7, bool)
    recent = recent_weeks(days, PROFILE_WEEKS)       # the last 8 weeks that have data
    wd = days.day_of_week.to_numpy()
    out = np.zeros((7, Y.shape[1]), bool)
    for w in range(7):
        sel = (wd == w) & recent
        if open_wd[w] and sel.any():
            out[w] = np.mean(~np.isnan(Y[sel]), axis=0) >= 0.5
    return out


def build_panel(frame: pd.DataFrame, interval_min: int, calendar: Calendar | None = None,
                end: pd.Timestamp | None = None) -> Panel:
    """Grid one queue's history: ``frame`` is the ``frame`` of a
    :class:`forecast.io.History` without a ``queue`` column (or one queue's rows of it),
    ``interval_min`` its interval length. The day table runs from the first history day to
    ``end`` (default: the last history day); ``calendar`` decides closed days (default: no
    holidays, no special days)."""
    calendar = calendar or Calendar()
    step = int(interval_min)
    ts = frame[S.INTERVAL_START]
    day = ts.dt.normalize()
    minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    days = pd.DatetimeIndex(day.unique()).sort_values()
    slots = np.arange(minute.min(), minute.max() + 1, step)
    di = days.get_indexer(day)
    si = (minute - slots[0]) // step
    # Accumulate: with a time zone the repeated autumn hour has two rows per local slot;
    # that one day's slot then holds both intervals' calls.
    Y = np.zeros((len(days), len(slots)))
    seen = np.zeros(Y.shape, bool)
    np.add.at(Y, (di, si), frame[S.OFFERED].to_numpy(float))
    seen[di, si] = True
    Y[~seen] = np.nan
    aht = weight = None
    if S.AHT_S in frame.columns:
        w = frame[S.HANDLED] if S.HANDLED in frame.columns else frame[S.OFFERED]
        w = np.nan_to_num(w.to_numpy(float))
        a = frame[S.AHT_S].to_numpy(float)
        weight = np.zeros_like(Y)
        hs = np.zeros_like(Y)
        np.add.at(weight, (di, si), np.where(np.isnan(a), 0.0, w))
        np.add.at(hs, (di, si), np.nan_to_num(a * w))
        aht = np.where(weight > 0, hs / np.where(weight > 0, weight, 1.0), np.nan)
    table = day_table(days, end, calendar)
    return Panel(interval_min=step, slots=slots, days=days, Y=Y,
                 slot_open=_slot_open(days, Y), table=table, aht=aht, weight=weight,
                 calendar=calendar)
