"""Per-series work as a pure map over worker processes (issue 15).

A forecast, a backtest or a staffing run is a map: one series (queue x channel) in, one typed
result out, with nothing shared between series. :func:`map_ordered` runs such a map in one
process or in ``workers`` processes and returns the results in the order of the tasks, so
the output never depends on how the work was split or in which order it finished.

Worker processes are *spawned* (a fresh interpreter, not a fork of this one) with one BLAS /
OpenMP thread each (:data:`THREAD_VARIABLES`): ``workers`` processes then use ``workers``
cores, not ``workers`` x the BLAS pool, and a fork of a process whose BLAS threads are
running cannot deadlock. A spawned worker costs about a second to start (it imports pandas,
statsmodels and wfm), so :func:`resolve_workers` keeps small maps in this process. Tasks are
submitted a few at a time (:data:`IN_FLIGHT_PER_WORKER`), so memory holds only the tasks in
flight, not every series' result at once beyond what the caller keeps.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from wfmcore import checks

#: environment variables that cap the BLAS / OpenMP threads of each worker process at one
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")
#: below this many tasks, ``workers=None`` runs in this process (a worker costs ~1 s to start)
MIN_PARALLEL_TASKS = 4
#: tasks submitted per worker ahead of the results (bounds the memory in flight)
IN_FLIGHT_PER_WORKER = 2


def resolve_workers(workers: int | None, n_tasks: int) -> int:
    """Processes to use: ``workers`` (a whole number >= 1) capped at the number of tasks;
    None: one per core, and 1 when there are fewer than :data:`MIN_PARALLEL_TASKS` tasks or
    on Windows (the worker start-up costs more than it saves)."""
    if workers is not None:
        return max(1, min(checks.whole(workers, "workers", 1), max(n_tasks, 1)))
    if n_tasks < MIN_PARALLEL_TASKS or os.name == "nt":
        return 1
    return max(1, min(os.cpu_count() or 1, n_tasks))


def _single_threaded_worker() -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def map_ordered(fn: Callable, tasks: Iterable, *, workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> list:
    """``[fn(t) for t in tasks]``, in ``workers`` processes (:func:`resolve_workers`).

    ``fn`` must be a module-level function and tasks and results picklable. Results come in
    the order of ``tasks``; ``progress(1)`` is called as each task finishes. An exception in
    a task is raised here (the first in task order among those that failed before the map
    stopped), with its type and message.
    """
    tasks = list(tasks)
    n = resolve_workers(workers, len(tasks))
    if n <= 1:
        out = []
        for t in tasks:
            out.append(fn(t))
            if progress is not None:
                progress(1)
        return out
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    _single_threaded_worker()           # spawned children inherit this environment
    try:
        ctx = multiprocessing.get_context("spawn")
        results: list = [None] * len(tasks)
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            pending = {}
            queue = iter(enumerate(tasks))
            limit = n * IN_FLIGHT_PER_WORKER
            for i, t in queue:
                pending[pool.submit(fn, t)] = i
                if len(pending) >= limit:
                    break
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in sorted(done, key=pending.get):
                        i = pending.pop(fut)
                        results[i] = fut.result()       # re-raises the task's exception
                        if progress is not None:
                            progress(1)
                    for i, t in queue:
                        pending[pool.submit(fn, t)] = i
                        if len(pending) >= limit:
                            break
            except BaseException:
                for fut in pending:
                    fut.cancel()
                raise
        return results
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
