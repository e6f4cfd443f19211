"""The settings of a forecast or backtest, checked once: :class:`ForecastOptions`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.io import check_tz, parse_freq
from forecast.models import Model, make_model
from wfmcore import InputError, checks


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


def _check_model(model: str | list) -> None:
    """'auto', a name of :data:`forecast.models.MODEL_NAMES`, or a list of names / models."""
    given = model if isinstance(model, list) else [] if model == "auto" else [model]
    for m in given:
        if not isinstance(m, Model):
            make_model(m)          # the one message for an unknown name


@dataclass(frozen=True, kw_only=True)
class ForecastOptions:
    """What to forecast and how; every field is checked when the object is made.

    horizon : '1w', '2w', '10d' or a number of calendar days after the history
        (:attr:`horizon_days`); in a backtest, the span each origin forecasts.
    freq : '15min', '30min', '60min' (or minutes): aggregate the history to this interval
        length first (:attr:`freq_min`; a multiple of the history's). None: as read.
    model : 'auto' (the mean of the two best models of the backtest, see
        :data:`forecast.backtest.AUTO_BLEND`, or the best single model, never one that did
        worse than the best baseline: :func:`forecast.backtest.select_auto`), one of
        :data:`forecast.models.MODEL_NAMES`, or a list of names or
        :class:`forecast.models.Model` objects (the candidates).
    level : central coverage of [offered_loNN, offered_hiNN], a share in (0, 1)
        (0.8 -> offered_lo80 / offered_hi80).
    country, special_days : public-holiday calendar (ISO code, e.g. 'US') and a
        special-days file or frame (see :func:`forecast.calendar.read_special_days`).
    tz : IANA time zone of the naive local timestamps, e.g. 'America/New_York' (see
        :mod:`forecast.io`). A :class:`~forecast.io.History` keeps the one it was read
        with; a different one here is an error.
    cal_folds : weekly origins (>= 1) whose errors rank the models and calibrate the
        intervals.
    column_map : input column name -> wfm column name, for headers the aliases miss;
        applied when a file or frame is read (a History is used as it was read).
    aht_s : constant AHT in seconds (> 0): the ``aht_s`` column of a forecast when the
        history has none; in a backtest, the AHT that prices errors in agents.
    """

    horizon: str | int = "1w"
    freq: str | int | None = None
    model: str | list = "auto"
    level: float = 0.8
    country: str | None = None
    special_days: str | Path | pd.DataFrame | None = None
    tz: str | None = None
    cal_folds: int = 8
    column_map: Mapping[str, str] | None = None
    aht_s: float | None = None

    def __post_init__(self):
        parse_horizon(self.horizon)
        parse_freq(self.freq)
        object.__setattr__(self, "level", checks.share(self.level, "level", "share"))
        if self.aht_s is not None:
            checks.seconds(self.aht_s, "aht_s")
        _check_model(self.model)
        if not isinstance(self.cal_folds, int | np.integer) or self.cal_folds < 1:
            raise InputError(f"cal_folds must be a whole number >= 1; got {self.cal_folds!r}")
        if self.tz is not None:
            check_tz(self.tz)

    @property
    def horizon_days(self) -> int:
        """``horizon`` in calendar days."""
        return parse_horizon(self.horizon)

    @property
    def freq_min(self) -> int | None:
        """``freq`` in minutes (None: the history's own interval length)."""
        return parse_freq(self.freq)
