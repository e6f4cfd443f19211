"""Staffing engine: Erlang B / C / A formulas, required agents, KPIs, simulation.

Public API (scalars or arrays; see ``erlang.staffing`` for the definitions used everywhere)::

    from erlang import ServiceTarget, required_agents, kpis, offered_load
    a = offered_load(calls=100, aht_s=180, interval_min=30)        # 10.0 Erlangs
    required_agents(a, 180, ServiceTarget(sl_target=0.8, sl_threshold_s=20))   # 14
"""

from erlang.erlang_b import blocking, lines_for_blocking
from erlang.simulate import simulate_intervals
from erlang.staffing import (
    ServiceTarget,
    kpis,
    offered_load,
    required_agents,
    scheduled_agents,
)
from erlang.timevarying import staffing_load

__all__ = [
    "ServiceTarget",
    "blocking",
    "kpis",
    "lines_for_blocking",
    "offered_load",
    "required_agents",
    "scheduled_agents",
    "simulate_intervals",
    "staffing_load",
]
