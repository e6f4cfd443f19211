"""Daily or weekly service-level targets: the fewest agents meeting a period's SL.

Many centres contract the service level of a day or a week, not of every interval: the
calls-weighted service level over the period must reach the target,

    sum_i calls_i SL_i(N_i) >= sl_target x sum_i calls_i        (i in the period),

optionally with a floor ``SL_i(N_i) >= sl_floor`` in every interval with calls, while the
other targets of :class:`~wfmcore.targets.ServiceTarget` (ASA, occupancy, abandonment,
``min_agents``) hold per interval as in :func:`erlang.required_agents`. ``SL_i(N)`` is the
stationary formula of the target (Erlang C, or Erlang A with ``patience_s``, in the target's
``sl_convention``) at the interval's load ``traffic_erl`` (the load it is staffed for, e.g.
the modified offered load of :mod:`erlang.timevarying`).

:func:`period_staffing` minimises the agent-intervals ``sum_i N_i`` of each period. With
``v_i(N) = calls_i SL_i(N)`` concave in ``N``, the largest value reachable with ``k`` agents
added to the per-interval minima is the sum of the ``k`` largest marginal gains
``v_i(N + 1) - v_i(N)``, taken in order within each interval; so adding agents one at a time
where the gain is largest until the period target holds is optimal (Koole & van der Sluis
2003, "Optimal shift scheduling with a global service level constraint", IIE Transactions
35(11):1049-1055, show this greedy / local search is exact under concavity). Here the gains
are sorted once (the greedy in one pass) and the tables of gains are extended until no gain
left out could have been chosen.

Where ``SL_i`` is not concave. Erlang C's service level is 0 up to the offered load and
concave from the first stable headcount ``floor(A) + 1`` on (checked numerically for every
interval: the start is moved up past any rise in the gains). Erlang A's is convex for the
first few agents (a rise in the gains: the second agent helps more than the first) and
concave above. Each interval therefore starts at the larger of its per-interval minimum and
the point from which its gains no longer rise, and the optimum is over staffing vectors
above those starts: plans that leave an interval with calls unstable (Erlang C: its queue
grows without bound, and spills into the next intervals, which the per-interval formula
does not describe) or on the convex start (where one more agent pays more than the one
before: an interval nearly given up) are not considered. A floor keeps every interval's
service level up anyway.

The tolerance is the engine's (:data:`erlang.staffing.TARGET_RTOL`): a target counts as met
when it holds to 1e-12 relative.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from erlang.staffing import TARGET_RTOL, check_load_inputs, kpis, required_agents
from wfmcore import checks
from wfmcore.errors import InputError
from wfmcore.targets import SL_PERIODS, ServiceTarget

__all__ = ["SL_PERIODS", "interval_minimum", "period_report", "period_staffing",
           "period_top_up"]

#: a rise in the marginal gains smaller than this (service-level units) is float noise
_CONCAVE_TOL = 1e-12


def _check_inputs(traffic_erl, aht_s, calls, target, period_ids, sl_floor):
    if not isinstance(target, ServiceTarget):
        raise InputError(f"target must be a ServiceTarget; got {type(target).__name__}")
    a = np.asarray(traffic_erl, dtype=float)
    if a.ndim != 1:
        raise InputError("traffic_erl must be one value per interval (a 1-d sequence)")
    n = a.size
    aht = np.asarray(aht_s, dtype=float)
    if aht.ndim == 0:
        aht = np.full(n, float(aht))
    if aht.shape != (n,):
        raise InputError(f"aht_s has {aht.size} values for {n} intervals; give one per "
                         "interval or a single value")
    check_load_inputs(a, aht)
    c = np.asarray(calls, dtype=float)
    if c.shape != (n,):
        raise InputError(f"calls has {c.size} values for {n} intervals")
    if not np.isfinite(c).all() or (c < 0).any():
        raise InputError("calls must be finite and >= 0 in every interval")
    periods = pd.Series(period_ids) if not isinstance(period_ids, pd.Series) else period_ids
    if len(periods) != n:
        raise InputError(f"period_ids has {len(periods)} values for {n} intervals; give the "
                         "period (day or week) of every interval", param="period_ids")
    if periods.isna().any():
        i = int(np.flatnonzero(periods.isna().to_numpy())[0])
        raise InputError(f"period_ids is missing at interval {i}; every interval needs its "
                         "period", param="period_ids")
    if sl_floor is not None:
        sl_floor = checks.share(sl_floor, "sl_floor")
        if sl_floor > target.sl_target:
            raise InputError(f"sl_floor ({sl_floor:g}) is above the period's sl_target "
                             f"({target.sl_target:g}): every interval would have to beat the "
                             "period target; lower sl_floor or staff per interval",
                             param="sl_floor")
    aht = np.where(aht > 0, aht, 1.0)          # AHT plays no role where nobody calls
    return a, aht, c, pd.factorize(periods.to_numpy())[0], sl_floor


def _has_interval_target(target: ServiceTarget) -> bool:
    return (target.sl_target > 0 or target.asa_target_s is not None
            or target.max_occupancy is not None or target.max_abandon is not None)


def interval_minimum(traffic_erl, aht_s, target: ServiceTarget, sl_floor=None) -> np.ndarray:
    """Per-interval minimum headcount under a period target: the floor as the interval's
    service level (none if ``sl_floor`` is None or 0) with the target's ASA, occupancy,
    abandonment and ``min_agents`` (:func:`erlang.required_agents`)."""
    floor_target = replace(target, sl_target=0.0 if sl_floor is None else float(sl_floor))
    if not _has_interval_target(floor_target):
        return np.full(np.shape(traffic_erl), target.min_agents, dtype=np.int64)
    return np.asarray(required_agents(traffic_erl, aht_s, floor_target), dtype=np.int64)


def _sl_table(a, aht, target, lower, width):
    """SL_i(lower_i + j), j = 0..width_i, as a ragged table: (flat SL, row of each entry,
    offsets of the rows)."""
    width = width.astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(width + 1)))
    row = np.repeat(np.arange(a.size), width + 1)
    j = np.arange(offsets[-1]) - offsets[row]
    with np.errstate(all="ignore"):
        sl = np.asarray(kpis(lower[row] + j, a[row], aht[row], target)["service_level"],
                        dtype=float)
    return sl, row, offsets


def _solve_period(a, aht, c, target: ServiceTarget, minimum) -> np.ndarray:
    """The fewest agents (per interval, all with calls) meeting the period's SL target."""
    needed = target.sl_target * c.sum() * (1.0 - TARGET_RTOL)
    lower = minimum.astype(np.int64)
    if target.patience_s is None:                        # Erlang C: stable intervals only
        lower = np.maximum(lower, np.floor(a).astype(np.int64) + 1)
    else:
        lower = np.maximum(lower, 1)
    per_interval = np.asarray(required_agents(a, aht, target), dtype=np.int64)
    width = np.maximum(per_interval - lower, 0) + np.ceil(2.0 * np.sqrt(a)).astype(np.int64) + 8
    ceiling = np.ceil(a + 60.0 * np.sqrt(a) + 1000.0)      # the engine's search ceiling
    while True:
        sl, row, offsets = _sl_table(a, aht, target, lower, width)
        gain_all = c[row] * np.diff(sl, append=np.nan)  # last entry of each row: no gain
        last = offsets[1:] - 1
        # the start: past the last rise of the gains in each row (concave from there on)
        rise = np.zeros(sl.size, dtype=bool)
        rise[1:] = (gain_all[1:] > gain_all[:-1] + c[row[1:]] * _CONCAVE_TOL) \
            & (row[1:] == row[:-1])
        rise[last] = False
        start_j = np.zeros(a.size, dtype=np.int64)
        hit = np.flatnonzero(rise)
        np.maximum.at(start_j, row[hit], hit - offsets[row[hit]])
        start = lower + start_j
        base = float((c * sl[offsets[:-1] + start_j]).sum())
        if base >= needed:
            return start
        entry = np.ones(sl.size, dtype=bool)
        entry[last] = False
        entry &= (np.arange(sl.size) - offsets[row]) >= start_j[row]
        idx = np.flatnonzero(entry)
        gain = gain_all[idx]
        order = np.lexsort((idx, -gain))         # largest first; in N order within a row
        reached = base + np.cumsum(gain[order]) >= needed
        k = int(np.argmax(reached)) if reached.any() else order.size   # first reaching it
        if k < order.size:
            smallest = gain[order[k]]
            # a row whose table ends on a gain >= the smallest taken may have more beyond
            end_gain = gain_all[np.maximum(last - 1, offsets[:-1])]
            short = (end_gain >= smallest) | (start_j >= width)
            if not short.any():
                taken = np.bincount(row[idx[order[:k + 1]]], minlength=a.size)
                return start + taken
        else:
            short = np.ones(a.size, dtype=bool)      # not reachable yet: widen every row
        if (lower + width >= ceiling)[short].all():
            raise InputError("sl_target: the period's service level cannot be reached by any "
                             f"reasonable headcount (over {int(ceiling.max())} agents in an "
                             "interval); relax the targets", param="sl_target")
        width = np.where(short, np.minimum(2 * width + 8, ceiling - lower), width)


def period_staffing(traffic_erl, aht_s, calls, target: ServiceTarget, period_ids,
                    sl_floor=None) -> np.ndarray:
    """Agents per interval meeting ``target.sl_target`` as each period's calls-weighted
    service level, with the fewest agent-intervals per period (module docstring).

    ``traffic_erl`` (Erlangs), ``aht_s`` (s) and ``calls`` (the weights) per interval;
    ``period_ids`` labels each interval's period (a date for a daily target, a week for a
    weekly one); ``sl_floor`` (share, <= ``sl_target``): the least service level of every
    interval with calls. ASA, occupancy, abandonment and ``min_agents`` hold per interval.
    Intervals without calls get their per-interval minimum.
    """
    a, aht, c, period, sl_floor = _check_inputs(traffic_erl, aht_s, calls, target,
                                                period_ids, sl_floor)
    agents = interval_minimum(a, aht, target, sl_floor)
    if target.sl_target == 0:
        return agents
    for p in range(int(period.max()) + 1 if period.size else 0):
        rows = np.flatnonzero((period == p) & (c > 0))
        if rows.size:
            agents[rows] = _solve_period(a[rows], aht[rows], c[rows], target, agents[rows])
    return agents


def period_top_up(traffic_erl, aht_s, calls, target: ServiceTarget, agents,
                  sl_floor=None) -> np.ndarray:
    """Agents per interval, none fewer than ``agents``, meeting ``target.sl_target`` as the
    calls-weighted service level of all the intervals given (one period), with the fewest
    agent-intervals added: the greedy of :func:`period_staffing` (Koole & van der Sluis
    2003) started from ``agents`` (raised to the per-interval minimum of
    :func:`interval_minimum` and, Erlang C, past an unstable load) instead of from the
    per-interval minima. Used to top up a schedule whose day falls short."""
    a, aht, c, _, sl_floor = _check_inputs(traffic_erl, aht_s, calls, target,
                                           np.zeros(np.size(traffic_erl)), sl_floor)
    given = np.asarray(agents, dtype=np.int64)
    if given.shape != a.shape:
        raise InputError(f"agents has {given.size} values for {a.size} intervals")
    start = np.maximum(given, interval_minimum(a, aht, target, sl_floor))
    rows = np.flatnonzero(c > 0)
    if rows.size and target.sl_target > 0:
        start[rows] = _solve_period(a[rows], aht[rows], c[rows], target, start[rows])
    return start


def period_report(agents, traffic_erl, aht_s, calls, target: ServiceTarget, period_ids
                  ) -> pd.DataFrame:
    """One row per period: ``period``, ``calls``, ``service_level`` (the formula's,
    calls-weighted), ``min_interval_sl`` (lowest interval with calls), ``agent_intervals``,
    ``per_interval_agent_intervals`` (what meeting ``target`` in every interval takes,
    :func:`erlang.required_agents`) and ``saved_agent_intervals`` (the difference)."""
    a, aht, c, _, _ = _check_inputs(traffic_erl, aht_s, calls, target, period_ids, None)
    n = np.asarray(agents, dtype=float)
    if n.shape != a.shape:
        raise InputError(f"agents has {n.size} values for {a.size} intervals")
    with np.errstate(all="ignore"):
        sl = np.asarray(kpis(n, a, aht, target)["service_level"], dtype=float)
    per_interval = np.asarray(required_agents(a, aht, target), dtype=float)
    frame = pd.DataFrame({"period": pd.Series(period_ids).to_numpy(), "calls": c,
                          "within": c * sl, "sl_if_calls": np.where(c > 0, sl, np.nan),
                          "agent_intervals": n, "per_interval_agent_intervals": per_interval})
    out = frame.groupby("period", sort=False).agg(
        calls=("calls", "sum"), within=("within", "sum"), min_interval_sl=("sl_if_calls", "min"),
        agent_intervals=("agent_intervals", "sum"),
        per_interval_agent_intervals=("per_interval_agent_intervals", "sum")).reset_index()
    with np.errstate(all="ignore"):
        out.insert(2, "service_level", np.where(out["calls"] > 0,
                                                out["within"] / out["calls"], np.nan))
    out["saved_agent_intervals"] = (out["per_interval_agent_intervals"]
                                    - out["agent_intervals"])
    return out.drop(columns=["within"])
