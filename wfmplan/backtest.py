"""The forecast backtest with its staffing consequence priced by the queueing engine.

:func:`forecast.run_backtest` scores forecasts; the forecast stage does not know about
agents, so the application passes it the staffing rule: Erlang C at the default target
(80 % answered in 20 s), :func:`erlang.required_agents`.
"""

from __future__ import annotations

import numpy as np

import forecast as fc
from erlang import required_agents
from wfmcore.targets import ServiceTarget

DEFAULT_TARGET = ServiceTarget()


def erlang_c_agents(traffic_erl: np.ndarray, aht_s: float) -> np.ndarray:
    """Required agents per interval, Erlang C at 80/20 (the backtest's staffing rule)."""
    return required_agents(traffic_erl, aht_s, DEFAULT_TARGET)


def run_backtest(history, **options) -> fc.BacktestResult:
    """:func:`forecast.run_backtest` with ``agents_mae`` / ``understaffed`` priced by
    :func:`erlang_c_agents`."""
    return fc.run_backtest(history, staffing=erlang_c_agents, **options)
