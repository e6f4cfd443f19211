"""The application layer of wfm: what the commands do, as library calls a notebook can make.

Modules: ``calculator`` (one interval, ``wfm erlang``), ``staffing`` (a forecast file ->
requirements, ``wfm staff``), ``backtest`` (the forecast backtest priced in agents),
``scorecard`` (KPIs of a history, ``wfm kpis``), ``whatif`` (scenarios), ``plan`` (the whole
chain, ``wfm plan``), ``report`` (plan.xlsx, report.html), ``settings``, ``text`` (what the
commands print). It imports the stages (``forecast``, ``shifts``), the engine (``erlang``)
and the shared core (``wfmcore``); nothing below imports it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("wfm-toolkit")
except PackageNotFoundError:      # run from a source tree that was never installed
    VERSION = "unknown (not installed)"
