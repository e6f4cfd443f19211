"""Erlang B: blocking probability of the M/M/N/N loss system, and lines for a blocking target.

B(N, A) = (A^N / N!) / sum_{k=0..N} A^k / k!   (Erlang 1917)

Evaluated as the Poisson pmf over the Poisson cdf in log space (see ``erlang._special``),
which equals the stable recursion B_k = A B_{k-1} / (k + A B_{k-1}) without its O(N) cost.
"""

from __future__ import annotations

import numpy as np

from erlang._special import log_inv_erlang_b
from wfmcore import checks
from wfmcore.errors import InputError


def _as_float_array(name, value):
    arr = np.asarray(value, dtype=float)
    if np.isnan(arr).any() or np.isinf(arr).any():
        raise InputError(f"{name} must be a finite number")
    return arr


def blocking(lines, traffic_erl):
    """Erlang-B blocking probability B(N, A) for ``lines`` = N servers and load A Erlangs.

    Works on scalars or arrays. B(0, A) = 1 for A > 0; B(N, 0) = 0 (no calls, no blocking).
    """
    n = _as_float_array("lines", lines)
    a = _as_float_array("traffic_erl", traffic_erl)
    if (n < 0).any() or (n != np.floor(n)).any():
        raise InputError("lines must be a whole number >= 0")
    if (a < 0).any():
        raise InputError("traffic_erl must be >= 0")
    n, a = np.broadcast_arrays(n, a)
    out = np.zeros(n.shape)
    out[(n == 0) & (a > 0)] = 1.0  # no lines: every call is blocked (no calls: none is)
    live = (n > 0) & (a > 0)
    log_r, _ = log_inv_erlang_b(n[live], a[live])
    out[live] = np.exp(-log_r)
    return out[()] if out.ndim == 0 else out


def lines_for_blocking(traffic_erl, max_blocking):
    """Smallest N with B(N, A) <= ``max_blocking`` (0 < max_blocking < 1).

    Found with the forward recursion on log(1/B): exact and O(N - A) from N = floor(A).
    """
    a = _as_float_array("traffic_erl", traffic_erl)
    target = checks.share(max_blocking, "max_blocking", "share")
    if (a < 0).any() or (a > 1e8).any():
        raise InputError("traffic_erl must be from 0 to 10^8 Erlangs")
    scalar = a.ndim == 0
    a = np.atleast_1d(a)
    out = np.zeros(a.shape, dtype=np.int64)
    live = a > 0
    if live.any():
        al = a[live]
        # B(N, A) > 1 - N/A for N < A, so no N below A(1 - target) can qualify.
        n = np.maximum(np.floor(al * (1.0 - target)), 0.0)
        log_r, _ = log_inv_erlang_b(n, al)
        log_target_inv = -np.log(target)
        res = np.zeros(al.shape, dtype=np.int64)
        active = np.ones(al.shape, dtype=bool)
        while active.any():
            idx = np.nonzero(active)[0]
            ok = log_r[idx] >= log_target_inv * (1.0 - 1e-12)
            res[idx[ok]] = n[idx[ok]]
            active[idx[ok]] = False
            idx = idx[~ok]
            n[idx] += 1.0
            # log R_k = log(1 + (k/A) R_{k-1})
            log_r[idx] = np.logaddexp(0.0, log_r[idx] + np.log(n[idx] / al[idx]))
        out[live] = res
    return int(out[0]) if scalar else out
