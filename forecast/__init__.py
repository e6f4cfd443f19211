"""Interval call-volume forecasting: validated history in, backtested forecasts out.

    >>> import forecast
    >>> fc = forecast.run_forecast("data/bank_calls_5min.csv", horizon="1w", freq="15min",
    ...                            country="US")                          # doctest: +SKIP
    >>> bt = forecast.run_backtest("data/bank_calls_5min.csv", folds=10, freq="30min",
    ...                            country="US")                          # doctest: +SKIP

Modules: ``io`` (read and validate history), ``calendar`` (open / closed / missing days),
``panel`` (day x interval grid), ``models`` (candidates), ``backtest`` (rolling origin,
calibration, auto), ``metrics``, ``pipeline`` (the two entry points below).
"""

from forecast.io import aggregate, detect_interval_min, read_history
from forecast.models import MODEL_NAMES
from forecast.pipeline import run_backtest, run_forecast, write_forecast

__all__ = ["run_forecast", "run_backtest", "write_forecast", "read_history", "aggregate",
           "detect_interval_min", "MODEL_NAMES"]
