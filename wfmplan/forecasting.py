"""``wfm forecast`` and ``wfm backtest`` as file-in, file-out calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

import forecast as fc
from forecast.pipeline import run_forecast_partitioned, write_forecast_partitioned
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
                  inputs=(), workers: int | None = None, scheduler: str | None = None,
                  partitioned: bool = False, progress: Callable[[int], None] | None = None,
                  on_series: Callable[[int], None] | None = None) -> fc.ForecastResult:
    """Forecast ``history`` (read as ``read`` says; over ``options.horizon``, or the
    ``intervals`` file) into the forecast CSV ``out`` (never over an input); ``workers``
    processes (or the Dask cluster at ``scheduler``) forecast the series in parallel
    (:func:`forecast.run_forecast`). ``partitioned``: ``history`` is a Parquet dataset
    partitioned by queue, read one partition at a time
    (:func:`forecast.pipeline.run_forecast_partitioned`), and ``out`` a folder (no suffix,
    or an existing folder) gets the forecast as such a dataset
    (:func:`forecast.pipeline.write_forecast_partitioned`), else the CSV."""
    inputs = [p for p in (history, intervals, options.special_days, *inputs) if p is not None]
    as_dataset = partitioned and (out.is_dir() or out.suffix == "")
    if not as_dataset:
        check_output_path(out, inputs)
    if partitioned:
        if intervals is not None:
            raise InputError("partitioned forecasts the horizon; --intervals takes one file",
                             param="partitioned")
        result = run_forecast_partitioned(history, options=options, read=read,
                                          workers=workers, scheduler=scheduler,
                                          progress=progress, on_series=on_series)
    else:
        result = fc.run_forecast(history, options=options, intervals=intervals, read=read,
                                 workers=workers, scheduler=scheduler, progress=progress,
                                 on_series=on_series)
    if as_dataset:
        write_forecast_partitioned(result, out, inputs=inputs)
    else:
        fc.write_forecast(result, out, inputs=inputs)
    return result


def backtest_file(history: Path, out: Path | None = None, *,
                  progress: Callable[[int], None] | None = None, read: ReadOptions | None = None,
                  inputs=(), **options) -> fc.BacktestResult:
    """Backtest ``history`` (read as ``read`` says; :func:`wfmplan.backtest.run_backtest`;
    ``options`` may hold ``workers``, ``scheduler`` and ``on_series``: series in parallel,
    :func:`forecast.run_backtest`); the table also goes to ``out`` (.json or .csv) when
    given."""
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
