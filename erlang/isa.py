"""ISA: staffing a day by simulation, restaffing each interval until the staffing stops changing.

The simulation-based iterative staffing algorithm of Feldman, Mandelbaum, Massey & Whitt
(2008, "Staffing of time-varying queues to achieve time-stable performance", Management
Science 54(2):324-338): staff, simulate the whole day with that staffing, restaff every
interval from what the simulation shows, repeat until the staffing no longer changes. The
paper restaffs from the simulated distribution of the number in system to a delay
probability. wfm's targets are service levels (answered within T, in the target's
``sl_convention``), ASA, abandonment and occupancy per interval
(:class:`~wfmcore.targets.ServiceTarget`), so each restaffing step here is:

1. Simulate the day with staffing ``N^(k)`` (:func:`erlang.simulate.simulate`, ``count``
   rule), ``replications`` days on the same seeds every iteration (common random numbers:
   a change between iterations is the effect of the staffing, not of new noise).
2. Per interval and per target, the *equivalent load*: the load ``A`` at which the
   stationary formula (Erlang C, or Erlang A with ``patience_s``) with ``N^(k)`` agents
   gives what the simulation measured (bisection; every KPI is monotone in the load). It
   carries what the formula leaves out: the queue carried between intervals and the lag of
   the load behind the arrivals.
3. The raw requirement ``R`` = the fewest agents meeting every target at its equivalent
   load (each KPI is monotone in N, so this is the largest of the per-target minima). An
   interval that does no better than a queue at or past its capacity (Erlang C: an
   equivalent load >= N) says only that its load is at least N; it is staffed for at least
   its modified offered load.
4. Damping: ``N^(k+1) = N^(k) + sign(R - N^(k)) ceil(damping |R - N^(k)|)``: half-way with
   the default 0.5, rounded away from ``N^(k)`` so a change of one agent is always made;
   and where an interval's step turns round (it overshot), its later steps are at most half
   the last one. ``damping=1`` is the undamped ISA. Without abandonment the undamped step
   can swing: an interval's staffing sets the queue its neighbours inherit, and where calls
   are answered within T by the next interval's agents, one restaffing empties an interval
   and the next refills it (``tests/test_isa.py``).

At a fixed point (``R = N^(k)`` in every interval) the simulated level of every interval
meets its target (the formula at the equivalent load reproduces the simulation at
``N^(k)``), and one agent fewer would not meet it at that load: the staffing is exact for
the targets, on the ISA's seeds. The simulation's noise (the same seeds every iteration,
but an interval's noise depends on its neighbours' staffing) keeps requirements moving by
an agent, so the stated stopping rule is: stop (``status="settled"``) when every interval
is within ``tolerance`` agents (default 1) of its requirement, taking the larger of the
two, or is bracketed (its last step of one agent turned round: short at n, over at
n + 1; it takes n + 1). The map from ``N^(k)`` to ``N^(k+1)`` is deterministic, so a
staffing seen before means a cycle for ever: one in which no interval differs by more than
one agent is accepted with the larger value of every interval (``status="cycle"``). A wider
cycle or ``max_iterations`` steps without stopping is *not converged*, stated in the result
(``converged=False``), or an :class:`InputError` naming ``max_iterations`` with
``must_converge=True``.

Start: the MOL staffing (:func:`erlang.timevarying.staffing_load` and
:func:`erlang.required_agents`). Runs: the convention of :mod:`erlang.timevarying` (a run
starts where ``run_starts`` says and after an interval without calls). Each run is
simulated on its own, from an empty centre after a warm-up of ``warmup_ahts`` handle times
(at least one interval) at its first interval's calls and staffing, so the first interval
is neither artificially easy nor empty; calls still waiting at the end of a run are drained
by the run's last staffing (:func:`erlang.simulate.simulate`). Intervals without calls get
``target.min_agents``. Run ``r`` uses the ``r``-th stream spawned from
``numpy.random.SeedSequence(seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from erlang.simulate import simulate
from erlang.staffing import TARGET_RTOL, _check_solvable, kpis, required_agents
from erlang.timevarying import staffing_load
from wfmcore import checks
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget

__all__ = ["IsaResult", "isa_staffing"]

#: bisection steps on the load (relative precision 2^-60 of the search range)
_BISECTION_STEPS = 60


@dataclass(frozen=True)
class IsaResult:
    """What :func:`isa_staffing` returns.

    ``agents``: agents per interval (int); ``converged``: the stopping rule was met (module
    docstring); ``status``: ``"fixed point"``, ``"settled"``, ``"cycle"`` or ``"not
    converged"``; ``iterations``: simulations used to restaff; ``history``: agent-hours of
    ``N^(0)`` (the MOL start), ``N^(1)``, ... up to the last staffing tried; ``max_change``:
    the largest change of an interval's staffing at each iteration; ``start_agents``: the
    MOL staffing; ``service_level``: the simulated service level of ``agents`` per interval
    on the ISA's seeds (NaN without calls); ``equivalent_load``: the service level's
    equivalent load (Erlangs) at the last simulation.
    """

    agents: np.ndarray
    converged: bool
    status: str
    iterations: int
    history: tuple[float, ...]
    max_change: tuple[int, ...]
    start_agents: np.ndarray
    service_level: np.ndarray
    equivalent_load: np.ndarray


def _check_inputs(calls, aht_s, interval_min, target, run_starts, replications, seed,
                  max_iterations, damping, warmup_ahts):
    if not isinstance(target, ServiceTarget):
        raise InputError(f"target must be a ServiceTarget; got {type(target).__name__}")
    _check_solvable(target)
    c = np.asarray(calls, dtype=float)
    if c.ndim != 1 or c.size == 0:
        raise InputError("calls must be one value per interval (a non-empty 1-d sequence)")
    if not np.isfinite(c).all() or (c < 0).any():
        raise InputError("calls must be finite and >= 0 in every interval")
    aht = np.asarray(aht_s, dtype=float)
    aht = np.full(c.size, float(aht)) if aht.ndim == 0 else aht
    if aht.shape != c.shape:
        raise InputError(f"aht_s has {aht.size} values for {c.size} intervals")
    bad = ~np.isfinite(aht) | (aht < 0) | ((aht == 0) & (c > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"aht_s must be > 0 seconds where calls are offered; interval {i} "
                         f"has {aht[i]:g}", param="aht_s")
    interval_min = checks.positive(interval_min, "interval_min")
    checks.whole(replications, "replications", 1)
    checks.whole(max_iterations, "max_iterations", 1)
    damping = checks.share(damping, "damping", "share1")
    checks.number(warmup_ahts, "warmup_ahts")
    if warmup_ahts < 0:
        raise InputError(f"warmup_ahts must be >= 0 handle times; got {warmup_ahts:g}",
                         param="warmup_ahts")
    starts = np.zeros(c.size, dtype=bool) if run_starts is None else np.asarray(run_starts,
                                                                                  dtype=bool)
    if starts.shape != c.shape:
        raise InputError(f"run_starts has {starts.size} values for {c.size} intervals")
    return c, np.where(aht > 0, aht, 1.0), float(interval_min), starts, damping


def _segments(calls: np.ndarray, starts: np.ndarray) -> list[tuple[int, int]]:
    """(first, stop) of each stretch of intervals with calls not crossing a run start."""
    out, first = [], None
    for i, live in enumerate(calls > 0):
        if first is not None and (not live or starts[i]):
            out.append((first, i))
            first = None
        if live and first is None:
            first = i
    if first is not None:
        out.append((first, calls.size))
    return out


#: KPI -> True if the formula's value falls as the load grows (service level), else rises
_KPIS = {"service_level": True, "asa_s": False, "p_abandon": False, "occupancy": False}


def _active(target: ServiceTarget) -> list[str]:
    out = []
    if target.sl_target > 0:
        out.append("service_level")
    if target.asa_target_s is not None:
        out.append("asa_s")
    if target.max_abandon is not None:
        out.append("p_abandon")
    if target.max_occupancy is not None:
        out.append("occupancy")
    return out


def _simulated_kpis(calls, aht, agents, interval_s, target, segments, streams, replications,
                    warmup_ahts) -> dict[str, np.ndarray]:
    """Per interval, ratios of totals over the replications: the service level in the
    target's convention, ASA, P(abandon), occupancy (capped at 1: the formula's range);
    NaN where no call was simulated."""
    n = calls.size
    tot = {k: np.zeros(n) for k in ("offered", "answered", "abandoned", "within",
                                    "wait_answered_s", "busy_s", "staffed_s")}
    wait_convention = target.sl_convention == "wait"
    for (lo, hi), stream in zip(segments, streams, strict=True):
        warm = max(1, math.ceil(warmup_ahts * aht[lo] / interval_s))
        res = simulate(np.concatenate([np.full(warm, calls[lo]), calls[lo:hi]]),
                       np.concatenate([np.full(warm, aht[lo]), aht[lo:hi]]),
                       np.concatenate([np.full(warm, agents[lo]), agents[lo:hi]]),
                       interval_s / 60.0, sl_threshold_s=target.sl_threshold_s,
                       patience_s=target.patience_s, seed=stream, replications=replications,
                       warmup_intervals=warm, keep_calls=wait_convention)
        per = res.replications.groupby("interval").sum(numeric_only=True)
        rows = per.index.to_numpy() - warm + lo
        for key, col in (("offered", "offered"), ("answered", "answered"),
                         ("abandoned", "abandoned"), ("within", "answered_within_threshold"),
                         ("wait_answered_s", "wait_answered_s"), ("busy_s", "busy_s"),
                         ("staffed_s", "staffed_s")):
            tot[key][rows] = per[col].to_numpy()
        if wait_convention:        # P(time in queue <= T) over all callers, short abandons met
            calls_frame = res.calls[res.calls["interval"] >= warm]
            met = calls_frame["wait_s"].to_numpy() <= target.sl_threshold_s
            tot["within"][lo:hi] = np.bincount(calls_frame["interval"].to_numpy() - warm,
                                               weights=met.astype(float), minlength=hi - lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = tot["answered"] if target.sl_convention == "answered" else tot["offered"]
        return {
            "service_level": np.where(den > 0, tot["within"] / den, np.nan),
            "asa_s": np.where(tot["answered"] > 0, tot["wait_answered_s"] / tot["answered"],
                              np.nan),
            "p_abandon": np.where(tot["offered"] > 0, tot["abandoned"] / tot["offered"], np.nan),
            "occupancy": np.where(tot["staffed_s"] > 0,
                                  np.minimum(tot["busy_s"] / tot["staffed_s"], 1.0), np.nan),
            "offered": tot["offered"],
        }


def _formula(kpi, agents, load, aht, target):
    with np.errstate(all="ignore"):
        return np.asarray(kpis(agents, load, aht, target)[kpi], dtype=float)


def _equivalent_load(kpi, agents, simulated, aht, target, ceiling):
    """The load at which the formula with ``agents`` gives the simulated KPI: the boundary
    between the loads doing better and worse (bisection on [0, ceiling]; the ceiling where
    even it does better, e.g. a simulated level of 0 with abandonment)."""
    falls = _KPIS[kpi]
    lo = np.zeros(agents.shape)
    hi = ceiling.copy()
    for _ in range(_BISECTION_STEPS):
        mid = (lo + hi) / 2.0
        f = np.nan_to_num(_formula(kpi, agents, mid, aht, target),
                          nan=0.0 if falls else np.inf)
        better = f > simulated if falls else f < simulated
        lo = np.where(better, mid, lo)
        hi = np.where(better, hi, mid)
    return np.where(np.isnan(simulated), ceiling, hi)   # nothing answered: the worst case


def _meets(kpi, agents, load, aht, target):
    f = _formula(kpi, agents, load, aht, target)
    if kpi == "service_level":
        return f >= target.sl_target - (1.0 - target.sl_target) * TARGET_RTOL
    limit = {"asa_s": target.asa_target_s, "p_abandon": target.max_abandon,
             "occupancy": target.max_occupancy}[kpi]
    return f <= limit * (1.0 + TARGET_RTOL)


def _fewest_meeting(kpi, load, aht, target, ceiling):
    """Smallest N >= 1 whose formula KPI at ``load`` meets the target (bisection on N; the
    KPIs are monotone in N)."""
    lo = np.zeros(load.shape)                  # N = 0 never serves a call
    hi = np.maximum(np.ceil(ceiling), 1.0)
    while True:                                # widen where even hi falls short
        short = ~_meets(kpi, hi, load, aht, target)
        if not short.any():
            break
        lo = np.where(short, hi, lo)
        hi = np.where(short, 2.0 * hi + 8.0, hi)
        if (hi > 1e9).any():
            raise InputError("the service targets cannot be met by any reasonable headcount "
                             "in the simulated intervals; relax them")
    while (hi - lo > 1).any():
        mid = np.floor((lo + hi) / 2.0)
        ok = _meets(kpi, mid, load, aht, target)
        gap = hi - lo > 1
        hi = np.where(gap & ok, mid, hi)
        lo = np.where(gap & ~ok, mid, lo)
    return hi


def _restaff(agents, sim, aht, target, kpis_on, base_load):
    """(raw requirement R per simulated interval, the service level's equivalent load)."""
    ceiling = 2.0 * np.maximum(agents, base_load) + 10.0   # bounds one step
    need = np.full(agents.shape, float(target.min_agents))
    sl_load = np.full(agents.shape, np.nan)
    for kpi in kpis_on:
        load = _equivalent_load(kpi, agents.astype(float), sim[kpi], aht, target, ceiling)
        # no better than a queue at or past its capacity: the load is only known to be at
        # least N; such an interval is staffed for at least its modified offered load
        load = np.where(load >= agents * (1.0 - 1e-9), np.maximum(load, base_load), load)
        if kpi == "service_level":
            sl_load = load
        need = np.maximum(need, _fewest_meeting(kpi, load, aht, target, ceiling))
    return need.astype(np.int64), sl_load


def isa_staffing(calls, aht_s, interval_min, target: ServiceTarget | None = None,
                 run_starts=None, *, replications: int = 50, seed=0, max_iterations: int = 20,
                 damping: float = 0.5, tolerance: int = 1, warmup_ahts: float = 10.0,
                 must_converge: bool = False) -> IsaResult:
    """Agents per interval by the damped simulation-based iterative staffing algorithm.

    ``calls`` (expected calls) and ``aht_s`` (s) per interval in time order; ``target``:
    what every interval's simulated KPIs must meet (default 80/20 Erlang C); ``run_starts``
    as in :func:`erlang.staffing_load`; ``replications`` simulated days per iteration on
    the same seeds (``seed``); ``damping`` in (0, 1] (1 = the undamped ISA). Stops at a
    fixed point, when every interval is within ``tolerance`` agents of its requirement or
    bracketed, at a one-agent cycle, or after ``max_iterations`` restaffing steps (module
    docstring); not converging is stated in the result, or raised as an InputError naming
    ``max_iterations`` with ``must_converge``.
    """
    target = ServiceTarget() if target is None else target
    c, aht, interval_min, starts, damping = _check_inputs(
        calls, aht_s, interval_min, target, run_starts, replications, seed, max_iterations,
        damping, warmup_ahts)
    tolerance = checks.whole(tolerance, "tolerance", 0)
    interval_s = interval_min * 60.0
    base_load = staffing_load(c, aht, interval_min, "mol", starts)
    start = np.asarray(required_agents(base_load, aht, target), dtype=np.int64)
    segments = _segments(c, starts)
    live = np.zeros(c.size, dtype=bool)
    for lo, hi in segments:
        live[lo:hi] = True
    try:
        streams = np.random.SeedSequence(seed).spawn(len(segments))
    except (TypeError, ValueError):
        raise InputError(f"seed must be a non-negative integer; got {seed!r}",
                         param="seed") from None
    kpis_on = _active(target)
    hours = interval_min / 60.0

    def run(agents):
        return _simulated_kpis(c, aht, agents, interval_s, target, segments, streams,
                               replications, warmup_ahts)

    agents = start.copy()
    seen = {agents.tobytes(): 0}
    states = [agents]
    history, changes = [float(agents.sum() * hours)], []
    status, sim, sl_load, iterations = "not converged", None, np.full(c.size, np.nan), 0
    spread = None                                # a cycle's widest interval, agents
    cap = np.full(c.size, np.iinfo(np.int64).max)  # largest step allowed per interval
    last = np.zeros(c.size, dtype=np.int64)      # each interval's previous step
    for k in range(1, max_iterations + 1):
        iterations = k
        sim = run(agents)
        raw = agents.copy()
        informed = live & (sim["offered"] > 0)   # intervals with simulated calls
        sl_load[:] = np.nan
        if informed.any():
            new, load = _restaff(agents[informed], {k: v[informed] for k, v in sim.items()},
                                 aht[informed], target, kpis_on, base_load[informed])
            raw[informed] = new
            sl_load[informed] = load
        delta = raw - agents
        if not delta.any():
            status = "fixed point"
            changes.append(0)
            break
        turned = np.sign(delta) * np.sign(last) < 0          # overshot at the last step
        close = np.abs(delta) <= tolerance
        bracketed = turned & (np.abs(last) == 1)             # short at n, over at n + 1
        if (close | bracketed).all():
            status = "settled"
            agents = agents + np.where(close, np.maximum(delta, 0), delta > 0)
            sim = None
            break
        if damping < 1.0:                # after an overshoot, at most half the last step
            cap = np.where(turned, np.maximum((np.abs(last) + 1) // 2, 1), cap)
        step = np.sign(delta) * np.minimum(np.ceil(damping * np.abs(delta) - 1e-9), cap)
        last = step.astype(np.int64)
        agents = agents + last
        sim = None
        changes.append(int(np.abs(last).max()))
        history.append(float(agents.sum() * hours))
        key = agents.tobytes()
        if key in seen:                         # deterministic map: a cycle for ever
            cycle = np.stack(states[seen[key]:])
            agents = cycle.max(axis=0)
            spread = int((agents - cycle.min(axis=0)).max())
            if spread <= 1:
                status = "cycle"
            break
        seen[key] = len(states)
        states.append(agents)
    converged = status != "not converged"
    if not converged and must_converge:
        why = (f"it cycles between staffings up to {spread} agents apart in an interval"
               if spread is not None else
               f"the last step still changed an interval by {changes[-1]} agents")
        raise InputError(
            f"max_iterations ({max_iterations}): the isa staffing did not converge within "
            f"{iterations} iterations ({why}); raise max_iterations, lower damping or "
            "simulate more replications", param="max_iterations")
    if sim is None:                              # the returned staffing not simulated yet
        sim = run(agents)
    return IsaResult(agents=agents, converged=converged, status=status, iterations=iterations,
                     history=tuple(history), max_change=tuple(changes), start_agents=start,
                     service_level=np.where(live, sim["service_level"], np.nan),
                     equivalent_load=sl_load)
