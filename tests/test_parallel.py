"""Per-series work as a pure map (issue 15): the same output for any number of workers."""

import os

import numpy as np
import pandas as pd
import pytest

from forecast import run_forecast
from forecast.synthetic import poisson_history
from wfmcore.parallel import map_ordered, resolve_workers, shutdown_pools, start_workers


def _square(x):
    if x == 13:
        raise ValueError("thirteen")
    return x * x


def test_map_ordered_keeps_the_task_order_and_counts_progress():
    ticks = []
    assert map_ordered(_square, range(9), workers=2, progress=ticks.append) == \
        [x * x for x in range(9)]
    assert ticks == [1] * 9


def test_a_failing_task_raises_its_own_error():
    with pytest.raises(ValueError, match="thirteen"):
        map_ordered(_square, range(10, 16), workers=2)


def _pid(_):
    return os.getpid()


def test_the_pool_is_kept_between_maps_until_shut_down():
    # a plan's forecast and staffing start the workers once: two maps of 2 workers run in
    # at most 2 processes, none of them this one; after shutdown_pools, new processes
    first = set(map_ordered(_pid, range(6), workers=2))
    second = set(map_ordered(_pid, range(6), workers=2))
    assert len(first | second) <= 2 and os.getpid() not in first | second
    shutdown_pools()
    assert not set(map_ordered(_pid, range(6), workers=2)) & (first | second)


def test_resolve_workers():
    assert resolve_workers(None, 2) == 1          # too few tasks for a worker's start-up
    assert resolve_workers(8, 3) == 3             # never more processes than tasks
    assert resolve_workers(1, 100) == 1


def test_forecast_is_identical_with_one_and_two_workers():
    parts = []
    for i, calls in enumerate((300.0, 1200.0, 50.0, 4000.0)):
        f, _ = poisson_history(5, seed=20 + i, calls_per_day=calls)
        parts.append(f.assign(queue=f"q{i}"))
    history = pd.concat(parts, ignore_index=True)
    one = run_forecast(history, horizon="1w", workers=1)
    two = run_forecast(history, horizon="1w", workers=2)
    pd.testing.assert_frame_equal(one.frame, two.frame)
    pd.testing.assert_frame_equal(one.evidence, two.evidence)
    pd.testing.assert_frame_equal(one.choices, two.choices)
    assert one.notes == two.notes
    assert np.isfinite(one.frame["offered"]).all()


def test_started_workers_are_the_pool_the_map_uses():
    # wfm staff starts its workers before reading the file: the map that follows runs in
    # the processes started then (the pool's own pids), not in new ones
    from wfmcore import parallel
    shutdown_pools()
    start_workers(2, "os")
    started = set(parallel._POOLS[2]._processes)       # spawned at the submits
    assert len(started) == 2
    assert set(map_ordered(_pid, range(6), workers=2)) <= started
    start_workers(1, "os")                      # nothing to start for one process
    start_workers(None, "os")
    assert set(parallel._POOLS) == {2}
    shutdown_pools()
