"""Per-series work as a pure map over worker processes (issue 15).

A forecast, a backtest or a staffing run is a map: one series (queue x channel) in, one typed
result out, with nothing shared between series. :func:`map_ordered` runs such a map in one
process or in ``workers`` processes and returns the results in the order of the tasks, so
the output never depends on how the work was split or in which order it finished.

Worker processes are *spawned* (a fresh interpreter, not a fork of this one) with one BLAS /
OpenMP thread each (:data:`THREAD_VARIABLES`): ``workers`` processes then use ``workers``
cores, not ``workers`` x the BLAS pool, and a fork of a process whose BLAS threads are
running cannot deadlock. A spawned worker costs about a second to start (it imports pandas,
statsmodels and wfm), so :func:`resolve_workers` keeps small maps in this process, and the
pool of ``workers`` processes is kept for the next map of the same size (a plan's forecast
and staffing, a capacity plan's two staffing runs start the workers once;
:func:`shutdown_pools` ends them, as the interpreter's exit does). Tasks are
submitted a few at a time (:data:`IN_FLIGHT_PER_WORKER`), so memory holds only the tasks in
flight, not every series' result at once beyond what the caller keeps.

The same map runs on a Dask cluster (``scheduler``: a ``tcp://host:8786`` address, the
optional dependency ``pip install 'wfm-toolkit[dask]'``): each task becomes one Dask task of
the same pure function, submitted a bounded number at a time, and the results come back in
task order as here. Work that draws random numbers seeds each series from its key
(:func:`key_seed`), never from its place in the task list, so the output is the same for one
process, ``workers`` processes and a cluster. Start the cluster's workers with one thread
each (``dask worker ADDRESS --nthreads 1``, several workers a machine): a forecast fit records
its warnings with :func:`warnings.catch_warnings`, which is process-wide, so two fits in
threads of one worker could swap their notes (the numbers stay the same).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from wfmcore import checks
from wfmcore.errors import InputError

#: environment variables that cap the BLAS / OpenMP threads of each worker process at one
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")
#: below this many tasks, ``workers=None`` runs in this process (a worker costs ~1 s to start)
MIN_PARALLEL_TASKS = 4
#: tasks submitted per worker ahead of the results (bounds the memory in flight)
IN_FLIGHT_PER_WORKER = 2
#: environment variable naming the Dask scheduler the command line uses without --scheduler
SCHEDULER_VARIABLE = "WFM_DASK_SCHEDULER"
#: seconds to wait for a Dask scheduler to answer before the map gives up
CONNECT_TIMEOUT_S = 10
#: tasks in flight per Dask worker thread (bounds the memory held by the cluster)
DASK_IN_FLIGHT_PER_THREAD = 4


def key_seed(key) -> int:
    """A seed (0 <= seed < 2**63) from a series key ({'queue': 'sales', 'channel': 'chat'}):
    the SHA-256 of its sorted items, so a series draws the same random numbers wherever and
    in whatever order it is computed; {} (a file that is one series) gives 0."""
    if not key:
        return 0
    text = "\x1f".join(f"{k}={v}" for k, v in sorted(dict(key).items()))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def resolve_workers(workers: int | None, n_tasks: int) -> int:
    """Processes to use: ``workers`` (a whole number >= 1) capped at the number of tasks;
    None: one per core, and 1 when there are fewer than :data:`MIN_PARALLEL_TASKS` tasks or
    on Windows (the worker start-up costs more than it saves)."""
    if workers is not None:
        return max(1, min(checks.whole(workers, "workers", 1), max(n_tasks, 1)))
    if n_tasks < MIN_PARALLEL_TASKS or os.name == "nt":
        return 1
    return max(1, min(os.cpu_count() or 1, n_tasks))


#: the pools kept between maps, by number of processes
_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(n: int) -> ProcessPoolExecutor:
    """The kept pool of ``n`` spawned processes (started at its first task, in the
    single-threaded environment :func:`map_ordered` sets around it)."""
    pool = _POOLS.get(n)
    if pool is None:
        pool = _POOLS[n] = ProcessPoolExecutor(max_workers=n,
                                               mp_context=multiprocessing.get_context("spawn"))
    return pool


def _discard_pool(n: int) -> None:
    pool = _POOLS.pop(n, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pools() -> None:
    """End the worker processes kept between maps (they are started again when needed)."""
    for n in list(_POOLS):
        _POOLS.pop(n).shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


def start_workers(workers: int | None, module: str) -> None:
    """Start the kept pool of ``workers`` processes now, each importing ``module``, without
    waiting: a command that reads its input first (``wfm staff``) overlaps the workers'
    start-up (about a second: pandas, scipy, wfm) with the reading. Nothing for None or 1,
    or on Windows; the map that follows uses this pool when it has as many processes."""
    if workers is None or os.name == "nt":
        return
    n = checks.whole(workers, "workers", 1)
    if n <= 1:
        return
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    _single_threaded_worker()
    try:
        pool = _pool(n)
        for _ in range(n):
            pool.submit(importlib.import_module, module)
    finally:
        _restore(saved)


def _restore(saved: dict) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _single_threaded_worker() -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def map_ordered(fn: Callable, tasks: Iterable, *, workers: int | None = None,
                progress: Callable[[int], None] | None = None,
                scheduler: str | None = None,
                progress_units: Sequence[int] | None = None) -> list:
    """``[fn(t) for t in tasks]``, in ``workers`` processes (:func:`resolve_workers`), or as
    tasks of the Dask cluster at ``scheduler`` (``tcp://host:8786``; ``workers`` is then the
    cluster's business).

    ``fn`` must be a module-level function and tasks and results picklable. Results come in
    the order of ``tasks``; ``progress(1)`` is called as each task finishes
    (``progress(progress_units[i])`` with ``progress_units``: a task that carries several
    series counts them all). An exception in a task is raised here (the first in task order
    among those that failed before the map stopped), with its type and message.
    """
    tasks = list(tasks)
    units = None if progress_units is None else list(progress_units)
    if units is not None and len(units) != len(tasks):
        raise ValueError(f"progress_units has {len(units)} entries for {len(tasks)} tasks")
    if progress is not None:
        progress = _Ticker(progress, units)
    if scheduler is not None and str(scheduler).strip():
        return _map_dask(fn, tasks, str(scheduler).strip(), progress)
    n = resolve_workers(workers, len(tasks))
    if n <= 1:
        out = []
        for i, t in enumerate(tasks):
            out.append(fn(t))
            if progress is not None:
                progress(i)
        return out
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    _single_threaded_worker()           # spawned children inherit this environment
    try:
        results: list = [None] * len(tasks)
        pool = _pool(n)
        pending = {}
        queue = iter(enumerate(tasks))
        limit = n * IN_FLIGHT_PER_WORKER
        try:
            for i, t in queue:
                pending[pool.submit(fn, t)] = i
                if len(pending) >= limit:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=pending.get):
                    i = pending.pop(fut)
                    results[i] = fut.result()       # re-raises the task's exception
                    if progress is not None:
                        progress(i)
                for i, t in queue:
                    pending[pool.submit(fn, t)] = i
                    if len(pending) >= limit:
                        break
        except (BrokenProcessPool, KeyboardInterrupt):
            _discard_pool(n)                        # a worker died, or the user stopped us
            raise
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
        return results
    finally:
        _restore(saved)


class _Ticker:
    """``progress`` told the units of task ``i`` (1 each without ``units``) as it finishes."""

    def __init__(self, progress: Callable[[int], None], units: list[int] | None):
        self.progress, self.units = progress, units

    def __call__(self, i: int) -> None:
        self.progress(1 if self.units is None else self.units[i])


def _client(address: str):
    """A ``distributed.Client`` on ``address``; an :class:`InputError` naming ``scheduler``
    when distributed is not installed or the scheduler does not answer."""
    try:
        import distributed
    except ImportError:
        raise InputError("scheduler needs the Dask distributed package, which is not "
                         "installed: pip install 'wfm-toolkit[dask]'",
                         param="scheduler") from None
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"scheduler {address!r}: cannot reach the Dask scheduler ({reason})",
                         param="scheduler") from None


def _map_dask(fn: Callable, tasks: list, address: str, progress) -> list:
    """:func:`map_ordered` on a Dask cluster: each task one Dask task (``pure=False``: never
    merged with an equal-looking one), a bounded number in flight, results in task order."""
    results: list = [None] * len(tasks)
    if not tasks:
        return results
    client = _client(address)
    from distributed import as_completed  # importable: _client imported distributed

    try:
        threads = sum(client.nthreads().values()) or 1
        limit = max(2, threads * DASK_IN_FLIGHT_PER_THREAD)
        queue = iter(enumerate(tasks))
        index, live = {}, {}

        def submit(i, t):
            fut = client.submit(fn, t, pure=False)      # a fresh key: never shared
            index[fut.key], live[fut.key] = i, fut
            return fut

        first = []
        for i, t in queue:
            first.append(submit(i, t))
            if len(first) >= limit:
                break
        running = as_completed(first, loop=client.loop)
        try:
            for fut in running:
                i = index.pop(fut.key)
                live.pop(fut.key)
                results[i] = fut.result()           # re-raises the task's exception
                fut.release()
                if progress is not None:
                    progress(i)
                for j, t in queue:
                    running.add(submit(j, t))
                    break
        except BaseException:
            if live:
                client.cancel(list(live.values()))
            raise
        return results
    finally:
        client.close()
