"""Time-varying demand: the load each interval is staffed for.

The Erlang formulas describe a stationary queue. Staffing a day interval by interval with the
interval's own offered load ``A_i = lambda_i x aht_i`` (SIPP, "stationary independent period
by period") ignores that the number of busy agents lags the arrivals: calls that arrived in
the busy hour are still being handled after it. Green, Kolesar & Soares (2001, "Improving the
SIPP approach for staffing service systems that have cyclic demands", Operations Research
49(4):549-564) show SIPP fails when the load changes fast relative to the handle time; the
remedies, all computed here from piecewise-constant arrival rates (calls spread evenly over
each interval) and exponential handle times with the mean of the call's arrival interval:

``sipp``
    ``A_i`` itself.
``lag-sipp``
    the offered load ``A(t - aht_i)`` one handle time earlier, averaged over interval ``i``
    (Green, Kolesar & Soares 2001, "lag SIPP").
``mol``
    the modified offered load: the mean number of busy servers ``m(t)`` of the
    infinite-server queue M_t/M/inf with the same arrivals, averaged over interval ``i``
    (Jennings, Mandelbaum, Massey & Whitt 1996, "Server staffing to meet time-varying demand",
    Management Science 42(10):1383-1394; ``m(t)`` as in Eick, Massey & Whitt 1993, "The
    physics of the M_t/G/inf queue", Operations Research 41(4):731-742). It is what the
    stationary formula is then inverted with.

Closed form of ``m`` (interval length ``h``, calls of interval ``j`` arriving at rate
``lambda_j`` with mean handle time ``s_j``, ``r_j = s_j / h``, ``e_j = exp(-h / s_j)``): the calls
of interval ``j`` contribute to the average over their own interval
``A_j (1 - r_j (1 - e_j))`` and to interval ``j + k`` (k >= 1)
``A_j r_j (1 - e_j)^2 e_j^(k - 1)``; over all intervals they contribute ``A_j`` interval-lengths
of work, as they must. ``m`` is the sum over earlier intervals of the same run.

A run is a stretch of consecutive intervals of one queue with calls offered in each: a queue
carries over from one day to the next only where the centre is open across midnight. An
interval without calls needs nobody for its own calls (it gets load 0; work carried into it
is finished by the agents already on those calls) and ends the run, so a closed night written
as rows of zero calls and one left out of the file give the same staffing. Each run starts as if its first
interval's arrivals had been going on for ever (``m = A`` at the start), not empty: callers
who waited for the opening make the first minutes busier than an empty start, and a file that
begins mid-day is not understaffed at its start. So with constant arrivals ``mol`` and
``lag-sipp`` equal ``sipp`` exactly.
"""

from __future__ import annotations

import numpy as np

from wfmcore.errors import InputError

#: the load-based staffing methods (``isa``, simulation-based, lives in :mod:`erlang.isa`)
LOAD_METHODS = ("mol", "sipp", "lag-sipp")
#: terms of the MOL sum below this (Erlangs, summed over the rest of the tail) are dropped
_MOL_TAIL_ERL = 1e-12


def _run_index(load: np.ndarray, run_starts) -> np.ndarray:
    """Index of the first interval of the run each interval belongs to: runs start where
    ``run_starts`` says and after every interval without load."""
    n = load.size
    starts = np.zeros(n, dtype=bool) if run_starts is None else np.array(run_starts, dtype=bool)
    if starts.shape != (n,):
        raise InputError(f"run_starts has {starts.size} values for {n} intervals")
    if n:
        starts[0] = True
        starts[1:] |= load[:-1] == 0
    return np.maximum.accumulate(np.where(starts, np.arange(n), 0))


def _loads(calls, aht_s, interval_min):
    calls = np.asarray(calls, dtype=float)
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), calls.shape)
    if calls.ndim != 1:
        raise InputError("calls must be one value per interval (a 1-d sequence)")
    h = float(interval_min) * 60.0
    return calls * aht / h, aht / h


def modified_offered_load(calls, aht_s, interval_min, run_starts=None) -> np.ndarray:
    """MOL per interval, Erlangs: the M_t/M/inf mean number busy, averaged over each interval.

    ``calls``, ``aht_s`` per interval in time order (AHT may be 0 where no calls arrive);
    ``run_starts`` marks where the intervals stop being consecutive (None: never); runs also
    end at intervals without calls, which get 0, and each starts in the steady state of its
    first interval. Exact for
    piecewise-constant rates and exponential handle times (see the module docstring); the
    tail of each interval's contribution is summed until below 1e-12 Erlangs.
    """
    load, r = _loads(calls, aht_s, interval_min)
    n = load.size
    first = _run_index(load, run_starts)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        e = np.where(r > 0, np.exp(-1.0 / np.where(r > 0, r, 1.0)), 0.0)
    out = load * (1.0 - r * (1.0 - e))
    pos = np.arange(n)
    # before the run: the first interval's rate for ever, m = A at the start, decaying
    with np.errstate(under="ignore"):
        out += (load * r * (1.0 - e))[first] * e[first] ** (pos - first)
    carry = load * r * (1.0 - e) ** 2           # contribution to the next interval
    for k in range(1, n):
        live = carry > 0
        if not live.any():
            break
        # what is left of every contribution from here on is at most carry / (1 - e)
        if float(np.max(carry[live] / (1.0 - e[live]))) < _MOL_TAIL_ERL:
            break
        same_run = first[k:] <= pos[:-k]         # interval i - k is in the run of i
        out[k:] += np.where(same_run, carry[:-k], 0.0)
        carry = carry * e
    return np.where(load > 0, out, 0.0)


def lagged_offered_load(calls, aht_s, interval_min, run_starts=None) -> np.ndarray:
    """Lag-SIPP load per interval, Erlangs: the offered load one handle time earlier,
    ``A(t - aht_i)``, averaged over interval ``i`` (Green, Kolesar & Soares 2001); before the
    start of its run, the run's first interval's load."""
    load, r = _loads(calls, aht_s, interval_min)
    n = load.size
    first = _run_index(load, run_starts)
    x = np.arange(n) - r                          # the window starts x intervals in
    k = np.floor(x).astype(np.int64)
    f = x - k
    def at(j):
        return load[np.maximum(j, first)]
    return np.where(load > 0, (1.0 - f) * at(k) + f * at(k + 1), 0.0)


def staffing_load(calls, aht_s, interval_min, method: str = "mol", run_starts=None
                  ) -> np.ndarray:
    """The load each interval is staffed for, Erlangs, by ``method`` (:data:`LOAD_METHODS`)."""
    if method == "sipp":
        return _loads(calls, aht_s, interval_min)[0]
    if method == "mol":
        return modified_offered_load(calls, aht_s, interval_min, run_starts)
    if method == "lag-sipp":
        return lagged_offered_load(calls, aht_s, interval_min, run_starts)
    raise InputError(f"staffing_method must be one of {', '.join(LOAD_METHODS)}; "
                     f"got {method!r}", param="staffing_method")
