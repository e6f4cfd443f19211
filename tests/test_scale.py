"""Many queues (issue 15): every per-series command gives the same output for one process,
two processes and a Dask cluster; Parquet datasets partitioned by queue in and out.

The reference of every comparison is the same call in one process (``workers=1``), the
implementation that the rest of the suite checks against published tables and simulations;
the parallel runs must reproduce it exactly (``assert_frame_equal`` with no tolerance, or the
written bytes).
"""

import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import cli
import forecast as fc
from forecast.pipeline import run_forecast_partitioned, write_forecast_partitioned
from forecast.synthetic import poisson_history
from wfmcore.config import load_config
from wfmcore.errors import InputError
from wfmcore.parallel import key_seed, map_ordered
from wfmcore.targets import ServiceTarget
from wfmplan import staffing
from wfmplan.backtest import run_backtest
from wfmplan.capacity import run_capacity
from wfmplan.whatif import Scenario, run_scenarios

FAST = fc.ForecastOptions(model="weekday_avg4", horizon="1w")   # a baseline: the map is under
                                                                # test, not the model


def _history(queues=("a", "b", "c", "d"), weeks=3, interval=30) -> pd.DataFrame:
    # Poisson calls of Mon-Fri 08-16 centres (forecast.synthetic), one level per queue, AHT
    # 280-340 s so that the queues differ in every column
    parts = []
    for i, q in enumerate(queues):
        f, _ = poisson_history(weeks, seed=40 + i, calls_per_day=150.0 * (i + 1),
                               open_hours=(8, 16), interval_min=interval)
        parts.append(f.assign(queue=q, aht_s=280.0 + 20 * i))
    return pd.concat(parts, ignore_index=True)


def _forecast_file(tmp_path: Path) -> staffing.IntervalFile:
    res = fc.run_forecast(_history(), options=FAST)
    path = tmp_path / "forecast.csv"
    fc.write_forecast(res, path)
    return staffing.read_forecast(path)


# --- the map ------------------------------------------------------------------------------

def test_key_seed_depends_on_the_key_only():
    # the same key in any order of its items, and {} (one series) keeps the seed 0 that
    # a single-series run always had; different keys differ
    assert key_seed({"queue": "a", "channel": "chat"}) == key_seed({"channel": "chat",
                                                                      "queue": "a"})
    assert key_seed({}) == 0
    assert key_seed({"queue": "a"}) != key_seed({"queue": "b"})
    assert 0 <= key_seed({"queue": "a"}) < 2 ** 63


def test_backtest_is_identical_with_one_and_two_workers():
    hist = _history(weeks=4)
    one = run_backtest(hist, folds=2, cal_folds=1, model=["weekday_avg4", "seasonal_naive"],
                       workers=1)
    two = run_backtest(hist, folds=2, cal_folds=1, model=["weekday_avg4", "seasonal_naive"],
                       workers=2)
    # fit_s is a wall-clock time: the one column that differs between any two runs
    pd.testing.assert_frame_equal(one.table.drop(columns="fit_s_median"),
                                  two.table.drop(columns="fit_s_median"))
    pd.testing.assert_frame_equal(one.folds.drop(columns="fit_s"),
                                  two.folds.drop(columns="fit_s"))
    assert one.notes == two.notes
    assert sorted(one.table["queue"].unique()) == ["a", "b", "c", "d"]
    # each queue's rows are that queue backtested alone (the map only splits the work)
    alone = run_backtest(hist[hist.queue == "c"].drop(columns="queue"), folds=2, cal_folds=1,
                         model=["weekday_avg4", "seasonal_naive"])
    pd.testing.assert_frame_equal(
        one.table[one.table.queue == "c"].drop(columns=["queue", "fit_s_median"])
        .reset_index(drop=True), alone.table.drop(columns="fit_s_median"))


def test_backtest_counts_series_for_the_progress_bar():
    told, ticks = [], []
    run_backtest(_history(weeks=3), folds=1, cal_folds=1, model=["weekday_avg4"],
                 on_series=told.append, progress=ticks.append)
    assert told == [4] and ticks == [1] * 4


def test_staff_is_identical_with_one_and_two_workers(tmp_path):
    forecast = _forecast_file(tmp_path)
    one = staffing.staff_with_config(forecast, workers=1)
    two = staffing.staff_with_config(forecast, workers=2)
    pd.testing.assert_frame_equal(one.frame, two.frame)
    assert one.notes == two.notes and one.staffing_method == two.staffing_method
    # every row kept its own load: A = calls x AHT / (30 min x 60 s), by hand
    f = one.frame
    assert f["traffic_erl"].to_numpy() == pytest.approx(
        (f["offered"] * f["aht_s"]).to_numpy() / 1800.0, rel=1e-12)


def _mixed_centre(tmp_path: Path):
    # three queues x voice / chat / email (deferred), two days of 30-minute intervals, rows
    # shuffled so that no series is contiguous in the file; per-queue settings in wfm.toml
    # (queue b 90/20, queue c staffed for a daily service level)
    times = pd.date_range("2026-03-02 08:00", periods=16, freq="30min").append(
        pd.date_range("2026-03-03 08:00", periods=16, freq="30min"))
    rng = np.random.default_rng(7)
    rows = []
    for q, channels in (("a", ("voice", "chat")), ("b", ("voice", "chat")),
                        ("c", ("voice", "email"))):
        for ch in channels:
            calls = rng.uniform(5.0, 80.0, len(times)).round(1)
            rows.append(pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"),
                                      "queue": q, "channel": ch, "offered": calls,
                                      "aht_s": 300.0 if ch == "email" else 200.0}))
    frame = pd.concat(rows, ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    cfg = tmp_path / "wfm.toml"
    cfg.write_text("[staffing]\ndeadline_h = 4\nconcurrency = 2\n"
                   "[queues.b]\nsl_target = 0.9\n[queues.c]\nsl_period = \"day\"\n")
    return staffing.read_forecast(path), load_config(cfg)


def test_staff_tasks_of_any_size_give_the_same_requirements(tmp_path):
    # a task carries whole series up to rows_per_task rows and staffs each series on its
    # own: one series a task (1 row), two or three a task (70 rows), all in one (10**6),
    # in one and in two processes, must give the same frame and notes; the reference is
    # each series staffed alone by staff() with its queue's target
    forecast, config = _mixed_centre(tmp_path)
    runs = {}
    for rows_per_task in (1, 70, 10 ** 6):
        for workers in (1, 2):
            ticks = []
            runs[rows_per_task, workers] = staffing.staff_with_config(
                forecast, config, workers=workers, rows_per_task=rows_per_task,
                progress=ticks.append)
            assert sum(ticks) == 6                          # one unit per series
            if rows_per_task == 1:
                assert ticks == [1] * 6
    first = runs[1, 1]
    for other in runs.values():
        pd.testing.assert_frame_equal(first.frame, other.frame)
        assert first.notes == other.notes and first.staffing_method == other.staffing_method
    f = forecast.frame
    for (q, _channel), rows in f.groupby(["queue", "channel"]).groups.items():
        alone = staffing.staff(replace(forecast, frame=f.loc[rows]), config.service_target(q))
        got = first.frame.loc[rows]
        # a file with deferred series has their window columns, empty on the other rows
        extra = [c for c in got.columns if c not in alone.frame.columns]
        assert set(extra) <= set(staffing.DEFERRED_WINDOW_COLUMNS)
        assert got[extra].isna().all().all()
        pd.testing.assert_frame_equal(got[alone.frame.columns], alone.frame)
    # rows keep the file's order; one hand check: traffic = calls x AHT / 1800 s
    assert (first.frame["queue"].to_numpy() == f["queue"].to_numpy()).all()
    assert first.frame["traffic_erl"].to_numpy() == pytest.approx(
        (f["offered"] * f["aht_s"]).to_numpy() / 1800.0, rel=1e-12)
    assert set(first.frame["staffing_model"]) == {"erlang_c", "chat", "deferred"}
    assert any(n.startswith("queue c: channel voice: sl_period day") for n in first.notes)


def test_series_codes_number_series_in_order_of_appearance():
    # by hand: (b, voice) first, then (a, voice), then (b, chat); a file without series
    # columns is one series {}
    frame = pd.DataFrame({"queue": ["b", "a", "b", "b", "a"],
                          "channel": ["voice", "voice", "chat", "voice", "voice"]})
    codes, keys = staffing.series_codes(frame)
    assert codes.tolist() == [0, 1, 2, 0, 1]
    assert keys == [{"queue": "b", "channel": "voice"}, {"queue": "a", "channel": "voice"},
                    {"queue": "b", "channel": "chat"}]
    assert staffing.series_codes(pd.DataFrame({"offered": [1.0, 2.0]}))[1] == [{}]
    # tasks: whole series, at most 5 rows unless a series alone is longer
    assert staffing.task_bounds(np.array([2, 2, 2, 7, 1]), 5) == [(0, 2), (2, 3), (3, 4),
                                                                 (4, 5)]


def test_isa_seeds_each_queue_from_its_key_not_its_position(tmp_path):
    # the simulation-based staffing draws random numbers: a queue's requirement must not
    # depend on which other queues are in the file or in what order they come
    forecast = _forecast_file(tmp_path)
    frame = forecast.frame
    two_days = frame[pd.to_datetime(frame["interval_start"]).dt.day_of_week < 1]
    small = staffing.read_forecast(two_days[two_days.queue.isin(["a", "b"])]
                                   .drop(columns=["_line"]), interval_min=30)
    flipped = staffing.read_forecast(
        pd.concat([two_days[two_days.queue == "b"], two_days[two_days.queue == "a"]])
        .drop(columns=["_line"]), interval_min=30)
    kw = dict(staffing_method="isa", isa_replications=20, isa_max_iterations=3)
    x = staffing.staff_with_config(small, workers=1, **kw).frame
    y = staffing.staff_with_config(flipped, workers=2, **kw).frame
    for q in ("a", "b"):
        pd.testing.assert_frame_equal(x[x.queue == q].reset_index(drop=True),
                                      y[y.queue == q].reset_index(drop=True))


def test_whatif_is_identical_with_one_and_two_workers(tmp_path):
    forecast = _forecast_file(tmp_path)
    scenarios = [Scenario(name="base"), Scenario(name="+10%", volume=1.1),
                 Scenario(name="90/20", sl_target=0.9)]
    one = run_scenarios(forecast, scenarios, ServiceTarget(), workers=1)
    two = run_scenarios(forecast, scenarios, ServiceTarget(), workers=2)
    pd.testing.assert_frame_equal(one, two)
    # the base scenario's agent-hours are wfm staff's (the same staffing, summed)
    req = staffing.staff_with_config(forecast)
    assert one["agent_hours"].iloc[0] == pytest.approx(req.agent_hours, rel=1e-12)


def test_capacity_is_identical_with_one_and_two_workers():
    hist = _history(weeks=6)
    kw = dict(forecast=FAST, options={"scheduling_efficiency": 1.1, "paths": 200})
    one = run_capacity(hist, 8, workers=1, **kw)
    two = run_capacity(hist, 8, workers=2, **kw)
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.requirement.frame, two.requirement.frame)


# --- Dask ------------------------------------------------------------------------------------

def test_forecast_on_a_dask_local_cluster_is_byte_identical(tmp_path):
    distributed = pytest.importorskip("distributed")
    hist = _history()
    fc.write_forecast(fc.run_forecast(hist, options=FAST, workers=1), tmp_path / "one.csv")
    # threads, not processes (fast to start), but the scheduler on the loopback over TCP, as
    # a real cluster is reached
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        res = fc.run_forecast(hist, options=FAST, scheduler=cluster.scheduler_address)
        st = staffing.staff_with_config(staffing.read_forecast(tmp_path / "one.csv"),
                                        scheduler=cluster.scheduler_address)
    fc.write_forecast(res, tmp_path / "dask.csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    pd.testing.assert_frame_equal(
        st.frame, staffing.staff_with_config(staffing.read_forecast(tmp_path / "one.csv")).frame)


def _unused_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_input_error(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("wfmcore.parallel.CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{_unused_port()}"
    with pytest.raises(InputError, match="cannot reach the Dask scheduler") as err:
        map_ordered(abs, [1, -2], scheduler=address)
    assert err.value.param == "scheduler" and "\n" not in str(err.value)


def test_scheduler_without_distributed_installed_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)     # import distributed fails
    with pytest.raises(InputError, match=r"wfm-toolkit\[dask\]"):
        map_ordered(abs, [1], scheduler="tcp://127.0.0.1:8786")


def test_cli_scheduler_from_the_environment_fails_in_one_line(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("wfmcore.parallel.CONNECT_TIMEOUT_S", 1)
    hist = tmp_path / "h.csv"
    _history(queues=("a",)).to_csv(hist, index=False)
    monkeypatch.setenv("WFM_DASK_SCHEDULER", f"tcp://127.0.0.1:{_unused_port()}")
    res = CliRunner().invoke(cli.app, ["forecast", str(hist), "-o", str(tmp_path / "f.csv"),
                                       "--model", "weekday_avg4"])
    assert res.exit_code == 2
    assert "--scheduler" in res.output and "cannot reach the Dask scheduler" in res.output
    assert not (tmp_path / "f.csv").exists()


# --- Parquet partitioned by queue -------------------------------------------------------------

def _dataset(frame: pd.DataFrame, root: Path) -> Path:
    # a hive dataset as pyarrow writes it (queue=NAME/<uuid>.parquet), the queue column
    # only in the folder names
    frame.to_parquet(root, partition_cols=["queue"], index=False)
    return root


def test_partitioned_forecast_round_trip_equals_the_csv_run(tmp_path):
    hist = _history(queues=("a", "b c", "d/e"))            # names that need escaping
    hist.to_csv(tmp_path / "h.csv", index=False)
    data = _dataset(hist, tmp_path / "hist")
    runner = CliRunner()
    res = runner.invoke(cli.app, ["forecast", str(tmp_path / "h.csv"), "-o",
                                  str(tmp_path / "f.csv"), "--model", "weekday_avg4",
                                  "--workers", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli.app, ["forecast", str(data), "--partitioned", "-o",
                                  str(tmp_path / "out"), "--model", "weekday_avg4",
                                  "--workers", "2"])
    assert res.exit_code == 0, res.output
    parts = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert parts == ["queue=a", "queue=b%20c", "queue=d%2Fe"]
    back = pd.read_parquet(tmp_path / "out")                 # pyarrow reads the dataset
    back["queue"] = back["queue"].astype(str)
    csv = pd.read_csv(tmp_path / "f.csv")
    back = back[csv.columns].sort_values(["queue", "interval_start"]).reset_index(drop=True)
    csv = csv.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, csv, check_dtype=False)
    # a CSV -o writes the same file as the CSV run
    res = runner.invoke(cli.app, ["forecast", str(data), "--partitioned", "-o",
                                  str(tmp_path / "g.csv"), "--model", "weekday_avg4"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "g.csv").read_bytes() == (tmp_path / "f.csv").read_bytes()


def test_partition_is_validated_by_the_one_reader(tmp_path):
    hist = _history(queues=("a", "b"))
    hist.loc[hist.index[hist.queue == "b"][3], "offered"] = -5.0
    data = _dataset(hist, tmp_path / "hist")
    with pytest.raises(InputError) as part_err:
        run_forecast_partitioned(data, options=FAST)
    with pytest.raises(InputError) as frame_err:
        fc.run_forecast(hist[hist.queue == "b"].reset_index(drop=True), options=FAST)
    # the same check and row as for a frame of that queue, named by the partition folder
    part_msg = str(part_err.value)
    assert part_msg.startswith(str(data / "queue=b"))
    assert part_msg.split(":", 1)[1] == str(frame_err.value).split(":", 1)[1]


def test_partitioned_needs_partition_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no queue=NAME partition folders"):
        run_forecast_partitioned(tmp_path / "empty", options=FAST)
    res = fc.run_forecast(_history(queues=("a", "b")), options=FAST)
    write_forecast_partitioned(res, tmp_path / "out")
    with pytest.raises(InputError, match="another run"):
        write_forecast_partitioned(fc.run_forecast(_history(queues=("z",)), options=FAST),
                                   tmp_path / "out")
    assert np.isfinite(res.frame["offered"]).all()


def test_cli_staff_and_backtest_take_workers(tmp_path):
    forecast = _forecast_file(tmp_path)
    runner = CliRunner()
    for n in (1, 2):
        res = runner.invoke(cli.app, ["staff", forecast.source, "-o", str(tmp_path / f"r{n}.csv"),
                                      "--workers", str(n)])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "r1.csv").read_bytes() == (tmp_path / "r2.csv").read_bytes()
    hist = tmp_path / "h.csv"
    _history(weeks=3).to_csv(hist, index=False)
    tables = []
    for n in (1, 2):
        out = tmp_path / f"bt{n}.csv"
        res = runner.invoke(cli.app, ["backtest", str(hist), "--folds", "1", "--workers", str(n),
                                      "-o", str(out)])
        assert res.exit_code == 0, res.output
        tables.append(pd.read_csv(out).drop(columns="fit_s_median"))
    pd.testing.assert_frame_equal(*tables)
    res = runner.invoke(cli.app, ["staff", forecast.source, "-o", str(tmp_path / "x.csv"),
                                  "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output


# --- the plan's planning units ------------------------------------------------------------------

def test_plan_summary_reports_every_unit_and_a_time_limit_as_a_failure(tmp_path):
    # two queues x 5 business days; a 1 ms budget per (queue, day): the units the solver
    # could not finish must each be named with their status and counted, never folded into
    # an overall gap; the per-unit under-coverage is counted by hand from coverage.csv
    parts = []
    for i, q in enumerate(("north", "south")):
        f, _ = poisson_history(4, seed=60 + i, calls_per_day=400.0 + 200 * i,
                               open_hours=(8, 18), interval_min=30)
        parts.append(f.assign(queue=q, aht_s=240.0))
    hist = tmp_path / "h.csv"
    pd.concat(parts).to_csv(hist, index=False)
    out = tmp_path / "plan"
    res = CliRunner().invoke(cli.app, ["plan", str(hist), "-o", str(out), "--replications",
                                       "0", "--time-limit-s", "0.001", "--workers", "1"])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "plan_summary.json").read_text())
    units = s["units"]
    # the default contract rules schedule each queue's calendar week as one programme of
    # weekly tours: one unit per (queue, week), the week of Monday 2024-01-29
    assert [(u["queue"], u["week_start"]) for u in units] == [
        ("north", "2024-01-29"), ("south", "2024-01-29")]
    cov = pd.read_csv(out / "coverage.csv")
    by_hand = (cov["under"] > 0).groupby(cov["queue"]).sum()
    for u in units:
        assert u["under_covered_intervals"] == by_hand.get(u["queue"], 0)
        assert u["under_agent_hours"] == pytest.approx(
            cov.loc[cov.queue == u["queue"], "under"].sum() * 0.5)
        # the week's own gap; a status that claims the gap must have it
        assert 0.0 <= u["gap"] <= 1.0
        if u["status"] == "optimal" or u["status"].startswith("within gap"):
            assert u["gap"] <= 0.005 + 1e-9
    assert sum(u["under_covered_intervals"] for u in units) == s["under_covered_intervals"]
    # every interval left under-covered, by queue and time, as coverage.csv has them
    short = cov[cov["under"] > 0]
    assert [(r["queue"], r["interval_start"], r["under"]) for r in s["under_covered"]] == \
        list(zip(short["queue"], short["interval_start"], short["under"], strict=True))
    failed = [u for u in units
              if u["status"] != "optimal" and not u["status"].startswith("within gap")]
    assert s["units_not_within_gap"] == len(failed) >= 1
    assert all(u["status"] in s["solver_status"] for u in failed)


def test_partitioned_staff_equals_the_csv_run(tmp_path):
    # the forecast of four queues as one CSV and as a queue-partitioned dataset (names that
    # need escaping): staffed partition by partition in two workers, the requirements equal
    # the CSV run's rows queue by queue (rows of a queue in file order), notes included; a
    # folder output is written partitioned the same way
    forecast = _forecast_file(tmp_path)
    frame = forecast.frame.drop(columns="_line")
    frame["queue"] = frame["queue"].map({"a": "a", "b": "b c", "c": "d/e", "d": "f"})
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    frame.to_csv(tmp_path / "f.csv", index=False)
    data = _dataset(frame, tmp_path / "fc")
    cfg = tmp_path / "wfm.toml"
    cfg.write_text("[queues.\"b c\"]\nsl_target = 0.9\nsl_period = \"day\"\n")
    runner = CliRunner()
    res = runner.invoke(cli.app, ["staff", str(tmp_path / "f.csv"), "-o", str(tmp_path / "r.csv"),
                                  "--config", str(cfg), "--workers", "1"])
    assert res.exit_code == 0, res.output
    res_p = runner.invoke(cli.app, ["staff", str(data), "--partitioned", "-o",
                                    str(tmp_path / "p.csv"), "--config", str(cfg),
                                    "--workers", "2"])
    assert res_p.exit_code == 0, res_p.output
    csv = pd.read_csv(tmp_path / "r.csv")
    csv = pd.concat([csv[csv.queue == q] for q in sorted(csv.queue.unique())],
                    ignore_index=True)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv"), csv)
    notes = sorted(ln for ln in res.output.splitlines() if ln.startswith("wfm: note"))
    assert notes and notes == sorted(ln for ln in res_p.output.splitlines()
                                     if ln.startswith("wfm: note"))
    res = runner.invoke(cli.app, ["staff", str(data), "--partitioned", "-o",
                                  str(tmp_path / "out"), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "queue=a", "queue=b%20c", "queue=d%2Fe", "queue=f"]
    back = pd.read_parquet(tmp_path / "out")
    back["queue"] = back["queue"].astype(str)
    back = back[csv.columns].sort_values(["queue", "interval_start"]).reset_index(drop=True)
    # as text: the forecast's kept columns (offered_lo80, ...) stay text, as the reader keeps
    # them, where the CSV reads them back as numbers
    pd.testing.assert_frame_equal(
        back.astype(str),
        csv.sort_values(["queue", "interval_start"]).reset_index(drop=True).astype(str))


def test_partitioned_staff_names_the_partition_of_a_bad_row(tmp_path):
    forecast = _forecast_file(tmp_path)
    frame = forecast.frame.drop(columns="_line")
    frame.loc[frame.index[frame.queue == "c"][2], "aht_s"] = 0.0
    data = _dataset(frame, tmp_path / "fc")
    res = CliRunner().invoke(cli.app, ["staff", str(data), "--partitioned", "-o",
                                       str(tmp_path / "r.csv"), "--workers", "2"])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(data / "queue=c") in lines[0] and "aht_s" in lines[0]
    assert not (tmp_path / "r.csv").exists()


def test_capacity_counts_its_series_for_the_progress_bar():
    # 4 queues: the forecast and the two staffing runs (the elasticity step) each go through
    # every series once: a bar of 3 x 4 steps, filled exactly
    told, ticks = [], []
    run_capacity(_history(weeks=6), 8, forecast=FAST,
                 options={"scheduling_efficiency": 1.1, "paths": 50},
                 on_series=told.append, progress=ticks.append)
    assert told == [12] and sum(ticks) == 12


def test_partitioned_plan_equals_the_csv_run(tmp_path):
    # wfm plan of three queues (names that need escaping) as one CSV and as a
    # queue-partitioned dataset, with handled calls so that the KPI scorecard has work:
    # the same forecast, requirements, shifts, coverage and headline figures; the report's
    # history block names the dataset and the same period
    hist = _history(queues=("a", "b c", "d/e"))
    hist["handled"] = np.floor(hist["offered"] * 0.95)
    hist["interval_start"] = pd.to_datetime(hist["interval_start"]).dt.strftime(
        "%Y-%m-%d %H:%M")
    hist.to_csv(tmp_path / "h.csv", index=False)
    data = _dataset(hist, tmp_path / "hist")
    runner = CliRunner()
    common = ["--model", "weekday_avg4", "--replications", "0", "--time-limit-s", "20",
              "--workers", "1"]
    res = runner.invoke(cli.app, ["plan", str(tmp_path / "h.csv"), "-o", str(tmp_path / "one"),
                                  *common])
    assert res.exit_code == 0, res.output
    res_p = runner.invoke(cli.app, ["plan", str(data), "--partitioned", "-o",
                                    str(tmp_path / "parts"), *common])
    assert res_p.exit_code == 0, res_p.output
    for name in ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "parts" / name).read_bytes(), name
    one = json.loads((tmp_path / "one" / "plan_summary.json").read_text())
    parts = json.loads((tmp_path / "parts" / "plan_summary.json").read_text())
    for key in ("calls", "agent_hours", "paid_hours", "people", "under_covered_intervals"):
        assert one[key] == parts[key], key
    html_one = (tmp_path / "one" / "report.html").read_text()
    html_parts = (tmp_path / "parts" / "report.html").read_text()
    period = re.search(r"h\.csv: (\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d)", html_one).group(1)
    assert f"{data}: {period}" in html_parts
    assert "KPIs of the last weeks of history" in html_one and \
        "KPIs of the last weeks of history" in html_parts


def test_partitioned_plan_refuses_groups(tmp_path):
    data = _dataset(_history(queues=("a",)), tmp_path / "hist")
    cfg = tmp_path / "wfm.toml"
    cfg.write_text('[groups.all]\nskills = ["a"]\n')
    res = CliRunner().invoke(cli.app, ["plan", str(data), "--partitioned", "-o",
                                       str(tmp_path / "out"), "--config", str(cfg)])
    assert res.exit_code == 2 and "--partitioned is not used with [groups]" in res.output


def test_fit_cache_holds_the_current_series_only():
    # a worker forecasting queue after queue keeps the day-level fits of the queue at hand
    # only (forecast.models.fit_cache_scope): another queue's never match its data (and held
    # about 0.4 GiB per worker, bench_scale --memory-cache); the forecasts are unchanged
    from forecast import models
    opts = fc.ForecastOptions(model="day_profile", horizon="1w")
    hist = _history(queues=("a", "b"), weeks=8)
    first = fc.run_forecast(hist[hist.queue == "a"].reset_index(drop=True), options=opts)
    keys_a = set(models._FIT_CACHE)
    assert keys_a
    fc.run_forecast(hist[hist.queue == "b"].reset_index(drop=True), options=opts)
    assert models._FIT_CACHE and not set(models._FIT_CACHE) & keys_a
    again = fc.run_forecast(hist[hist.queue == "a"].reset_index(drop=True), options=opts)
    pd.testing.assert_frame_equal(first.frame, again.frame)
