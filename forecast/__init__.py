"""Interval call-volume forecasting: validated history in, backtested forecasts out.

    >>> import forecast
    >>> history = forecast.read_history("data/bank_calls_5min.csv")     # doctest: +SKIP
    >>> fc = forecast.run_forecast(history, horizon="1w", freq="15min",
    ...                            country="US")                          # doctest: +SKIP
    >>> fc.frame, fc.evidence, fc.notes, fc.interval_min                  # doctest: +SKIP
    >>> bt = forecast.run_backtest(history, folds=10, freq="30min", country="US",
    ...                            staffing=functools.partial(erlang.required_agents)
    ...                            )                                      # doctest: +SKIP

Modules: ``io`` (read and validate history into a :class:`History`), ``calendar`` (open /
closed / missing days), ``panel`` (day x interval grid), ``models`` (candidates),
``backtest`` (rolling origin, calibration, auto: never worse than the best baseline),
``metrics``, ``options`` (the settings, checked once), ``pipeline`` (the two entry points
below and their results), ``intraday`` (the rest-of-day update: ``reforecast``,
``intraday_backtest``), ``synthetic`` (series of known structure, the test bed). This package
imports only :mod:`wfmcore` of wfm's own packages: a staffing model reaches the backtest as
a callable.
"""

from forecast.intraday import IntradayBacktest, ReforecastResult, intraday_backtest, reforecast
from forecast.io import History, aggregate, detect_interval_min, read_history
from forecast.models import MODEL_NAMES
from forecast.options import ForecastOptions
from forecast.pipeline import (
    BacktestResult,
    ForecastResult,
    run_backtest,
    run_forecast,
    write_forecast,
)

__all__ = ["run_forecast", "run_backtest", "write_forecast", "read_history", "aggregate",
           "detect_interval_min", "History", "ForecastOptions", "ForecastResult",
           "BacktestResult", "MODEL_NAMES", "reforecast", "intraday_backtest",
           "ReforecastResult", "IntradayBacktest"]
