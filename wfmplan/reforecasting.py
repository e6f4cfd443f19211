"""``wfm reforecast`` and ``wfm backtest --intraday`` as file-in, file-out calls
(:mod:`forecast.intraday`: the Shen & Huang 2008 penalised update and the run-rate ratio)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

import forecast as fc
from wfmcore import schema as S
from wfmcore.io import check_output_path
from wfmcore.readoptions import ReadOptions
from wfmplan.forecasting import write_table


def reforecast_file(history: Path, forecast_csv: Path, out: Path, as_of: str, *,
                    method: str = "svd_update", read: ReadOptions | None = None,
                    inputs=()) -> fc.ReforecastResult:
    """Update the rest of the as-of day of ``forecast_csv`` from ``history`` (read as
    ``read`` says) and write it to ``out`` in the forecast's own columns and format
    (:func:`forecast.write_forecast`); nothing is written when the input is bad."""
    inputs = [p for p in (history, forecast_csv, *inputs) if p is not None]
    check_output_path(out, inputs)
    result = fc.reforecast(history, forecast_csv, as_of, method=method, read=read)
    fc.write_forecast(result.frame, out, inputs=inputs)
    return result


def reforecast_line(result: fc.ReforecastResult, out: Path) -> str:
    """``wfm reforecast``: intervals, calls after and before the update, the method."""
    frame = result.frame
    calls = float(frame[S.OFFERED].sum()) if len(frame) else 0.0
    change = (f" ({calls / result.forecast_calls - 1:+.1%})" if result.forecast_calls > 0
              else "")
    return (f"{len(frame)} intervals for the rest of the day, {calls:,.0f} calls (forecast "
            f"{result.forecast_calls:,.0f}{change}), {result.method} -> {out}")


def intraday_backtest_file(history: Path, out: Path | None = None, *,
                           progress: Callable[[int], None] | None = None,
                           read: ReadOptions | None = None, inputs=(),
                           **options) -> fc.IntradayBacktest:
    """:func:`forecast.intraday_backtest` on ``history``; the table also goes to ``out``
    (.json or .csv) when given."""
    inputs = [p for p in (history, options.get("special_days"), *inputs) if p is not None]
    if out is not None:
        check_output_path(out, inputs)
    result = fc.intraday_backtest(history, progress=progress, read=read, **options)
    if out is not None:
        write_table(result.table, out, inputs)
    return result


def intraday_table(table: pd.DataFrame) -> str:
    """The intraday backtest table, three decimals."""
    cols = [c for c in ("queue", "channel", "cutoff", "method", "folds", "mase",
                        "vs_no_update", "wape", "bias", "coverage") if c in table.columns]
    return table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}")
