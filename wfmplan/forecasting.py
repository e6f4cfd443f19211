"""``wfm forecast`` and ``wfm backtest`` as file-in, file-out calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

import forecast as fc
from wfmcore.errors import InputError
from wfmcore.io import check_output_path, write_atomic
from wfmcore.readoptions import ReadOptions
from wfmplan.backtest import run_backtest

MODEL_HELP = ("auto (the blend of the two best in the backtest, or the best single model, "
              "never worse than the best baseline: " + ", ".join(fc.models.BASELINES) + "), or "
              "one of " + ", ".join(fc.models.MODEL_NAMES) + ".")
"""The ``--model`` help of ``wfm forecast``, from the model registry (never out of date)."""


def forecast_file(history: Path, out: Path, options: fc.ForecastOptions, *,
                  intervals: Path | None = None, read: ReadOptions | None = None,
                  inputs=(), workers: int | None = None) -> fc.ForecastResult:
    """Forecast ``history`` (read as ``read`` says; over ``options.horizon``, or the
    ``intervals`` file) into the forecast CSV ``out`` (never over an input); ``workers``
    processes forecast the series in parallel (:func:`forecast.run_forecast`)."""
    inputs = [p for p in (history, intervals, options.special_days, *inputs) if p is not None]
    check_output_path(out, inputs)
    result = fc.run_forecast(history, options=options, intervals=intervals, read=read,
                             workers=workers)
    fc.write_forecast(result, out, inputs=inputs)
    return result


def backtest_file(history: Path, out: Path | None = None, *,
                  progress: Callable[[int], None] | None = None, read: ReadOptions | None = None,
                  inputs=(), **options) -> fc.BacktestResult:
    """Backtest ``history`` (read as ``read`` says; :func:`wfmplan.backtest.run_backtest`);
    the table also goes to ``out`` (.json or .csv) when given."""
    inputs = [p for p in (history, options.get("special_days"), *inputs) if p is not None]
    if out is not None:
        check_output_path(out, inputs)
    result = run_backtest(history, progress=progress, read=read, **options)
    if out is not None:
        write_table(result.table, out, inputs)
    return result


def write_table(table: pd.DataFrame, out: Path, inputs=()) -> Path:
    """A backtest table as JSON records (``.json``) or CSV, atomically."""
    if out.suffix.lower() == ".json":
        return write_atomic(out, lambda p: table.to_json(p, orient="records", indent=2),
                            inputs=inputs)
    return write_atomic(out, lambda p: table.to_csv(p, index=False), inputs=inputs)


def exclusive(horizon, intervals) -> None:
    """--horizon and --intervals exclude each other."""
    if horizon is not None and intervals is not None:
        raise InputError("horizon and intervals exclude each other; give one",
                         param="horizon")
