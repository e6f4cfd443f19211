"""Staffing engine: Erlang B / C / A formulas, required agents, KPIs, simulation.

Public API (scalars or arrays; see ``erlang.staffing`` for the definitions used everywhere)::

    from erlang import ServiceTarget, required_agents, kpis, offered_load
    a = offered_load(calls=100, aht_s=180, interval_min=30)        # 10.0 Erlangs
    required_agents(a, 180, ServiceTarget(sl_target=0.8, sl_threshold_s=20))   # 14
"""

from erlang.erlang_b import blocking, lines_for_blocking
from erlang.staffing import (
    ServiceTarget,
    kpis,
    offered_load,
    required_agents,
    scheduled_agents,
)


def __getattr__(name):
    # The simulator pulls in pandas and scipy.stats: load it only when asked for, so that
    # `wfm erlang` stays quick.
    # (`erlang.simulate` is the module; its functions are erlang.simulate.simulate etc.)
    if name == "simulate_intervals":
        import importlib

        return importlib.import_module("erlang.simulate").simulate_intervals
    raise AttributeError(f"module 'erlang' has no attribute {name!r}")


__all__ = [
    "ServiceTarget",
    "blocking",
    "kpis",
    "lines_for_blocking",
    "offered_load",
    "required_agents",
    "scheduled_agents",
    "simulate_intervals",
]
