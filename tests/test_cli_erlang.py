"""The `wfm erlang` and `wfm staff` command-line contracts (flags, JSON keys, columns)."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return runner.invoke(app, list(args))


def test_packages_resolve_to_this_repository():
    # `forecast` is also an unrelated PyPI name: make sure ours is the one imported.
    import erlang
    import forecast
    import shifts
    import wfmcore

    for mod in (forecast, erlang, shifts, wfmcore):
        assert Path(mod.__file__).resolve().parent.parent == ROOT


def test_erlang_json_textbook():
    # 100 calls / 30 min, AHT 180 s, 80/20: 14 agents, SL 0.88835, ASA 7.84 s (textbook)
    res = run("erlang", "--calls", "100", "--interval-min", "30", "--aht-s", "180", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"model", "traffic_erl", "agents", "service_level", "p_wait", "asa_s",
                        "occupancy", "p_abandon", "scheduled_agents"}
    assert out["model"] == "erlang_c"
    assert out["traffic_erl"] == 10.0
    assert out["agents"] == 14
    assert out["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert out["asa_s"] == pytest.approx(7.84, abs=5e-3)
    assert out["p_abandon"] is None
    assert out["scheduled_agents"] == 14
    assert out["occupancy"] == 10 / 14  # full double precision, hand: A / N


def test_erlang_evaluate_headcount_and_shrinkage():
    res = run("erlang", "--traffic-erl", "10", "--aht-s", "180", "--agents", "13",
              "--shrinkage", "0.3", "--json")
    out = json.loads(res.stdout)
    assert out["agents"] == 13
    assert out["service_level"] == pytest.approx(0.79559, abs=5e-6)
    assert out["scheduled_agents"] == 19  # hand: 13 / 0.7 = 18.57 -> 19


def test_erlang_a_json():
    res = run("erlang", "--traffic-erl", "10", "--aht-s", "180", "--patience-s", "120",
              "--max-abandon", "0.03", "--json")
    out = json.loads(res.stdout)
    assert out["model"] == "erlang_a"
    assert 0 < out["p_abandon"] <= 0.03
    assert out["agents"] == 14


def test_erlang_b_json():
    # Erlang B table: 10 Erlangs at 1 % blocking -> 18 lines, blocking 0.7142 %
    res = run("erlang", "--traffic-erl", "10", "--max-blocking", "0.01", "--json")
    out = json.loads(res.stdout)
    assert out == {"model": "erlang_b", "traffic_erl": 10.0, "lines": 18,
                   "blocking": pytest.approx(0.0071424, rel=1e-4)}


def test_erlang_readable_table():
    res = run("erlang", "--traffic-erl", "10", "--aht-s", "180")
    assert res.exit_code == 0
    assert "needs 14 agents" in res.stdout
    assert "88.84%" in res.stdout and "<-" in res.stdout


@pytest.mark.parametrize("args", [
    ["--traffic-erl", "-1", "--aht-s", "180"],
    ["--traffic-erl", "nan", "--aht-s", "180"],
    ["--calls", "-5", "--interval-min", "30", "--aht-s", "180"],
    ["--calls", "100", "--interval-min", "30", "--aht-s", "0"],
    ["--calls", "100", "--interval-min", "30", "--aht-s", "nan"],
    ["--traffic-erl", "10", "--aht-s", "180", "--sl-target", "80"],
    ["--traffic-erl", "10", "--aht-s", "180", "--sl-target", "1"],
    ["--traffic-erl", "10", "--aht-s", "180", "--sl-threshold-s", "-1"],
    ["--traffic-erl", "10", "--aht-s", "180", "--shrinkage", "1"],
    ["--traffic-erl", "10", "--aht-s", "180", "--patience-s", "0"],
    ["--traffic-erl", "10", "--aht-s", "180", "--max-abandon", "0.05"],
    ["--traffic-erl", "10", "--aht-s", "180", "--patience-s", "60", "--max-abandon", "0"],
    ["--traffic-erl", "10"],
    ["--calls", "100", "--aht-s", "180"],
], ids=lambda a: " ".join(a))
def test_erlang_bad_input_one_line_exit_2(args):
    res = run("erlang", *args)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wfm: error:"), res.stderr
    assert "Traceback" not in res.output


def test_console_script_exit_code_and_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "cli", "erlang", "--traffic-erl", "10",
                           "--aht-s", "180", "--sl-target", "80"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "80% is 0.8" in proc.stderr
    assert proc.stdout == ""


# ------------------------------------------------------------------------ staff


def _forecast(tmp_path, rows, name="forecast.csv"):
    p = tmp_path / name
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_staff_writes_same_rows_plus_columns(tmp_path):
    src = _forecast(tmp_path, {
        "interval_start": ["2026-03-02 08:00", "2026-03-02 08:30", "2026-03-02 09:00",
                           "2026-03-02 09:30"],
        "offered": [100, 0, 100, 50.5]})
    out = tmp_path / "req.csv"
    res = run("staff", str(src), "-o", str(out), "--aht-s", "180", "--shrinkage", "0.3")
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    # the requirements contract, plus staffing_erl (added by the time-varying staffing),
    # p_block and staffing_model (added with the channel models, issue 13)
    assert list(req.columns) == ["interval_start", "offered", "traffic_erl", "agents",
                                 "scheduled_agents", "service_level", "p_wait", "asa_s",
                                 "occupancy", "p_abandon", "staffing_erl", "p_block",
                                 "staffing_model"]
    assert list(req["interval_start"]) == ["2026-03-02 08:00", "2026-03-02 08:30",
                                           "2026-03-02 09:00", "2026-03-02 09:30"]
    # 30-min spacing detected: 100 calls x 180 s / 1800 s = 10 Erl -> 14 agents (textbook)
    assert list(req["traffic_erl"]) == [10.0, 0.0, 10.0, 5.05]
    assert list(req["agents"])[:3] == [14, 0, 14]
    assert list(req["scheduled_agents"])[:3] == [20, 0, 20]  # 14 / 0.7 = 20 exactly
    assert req["p_abandon"].isna().all()


def test_staff_per_row_aht_queue_and_erlang_a(tmp_path):
    src = _forecast(tmp_path, {
        "interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"] * 2,
        "queue": ["sales", "sales", "care", "care"],
        "offered": [50, 60, 20, 0], "aht_s": [360, 360, 600, 0]})
    out = tmp_path / "req.csv"
    res = run("staff", str(src), "-o", str(out), "--patience-s", "90")
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    # hand: 50 x 360 / 900 = 20 Erl ; 20 x 600 / 900 = 13.33 Erl
    assert req["traffic_erl"].tolist()[:3] == pytest.approx([20.0, 24.0, 13.3333333333])
    assert req["agents"].iloc[3] == 0
    assert req["p_abandon"].notna().all()


@pytest.mark.parametrize(("rows", "extra", "match"), [
    ({"interval_start": ["2026-03-02 08:00", "garbage"], "offered": [1, 2]}, ["--aht-s", "180"],
     "line 3: column 'interval_start'"),
    ({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"], "offered": [1, -2]},
     ["--aht-s", "180"], "line 3: column 'offered'"),
    ({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"], "offered": [1, "x"]},
     ["--aht-s", "180"], "line 3: column 'offered'"),
    ({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"], "offered": [1, 2]}, [],
     "no 'aht_s' column"),
    ({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"], "offered": [1, 2],
      "aht_s": [100, 0]}, [], "line 3: column 'aht_s' is 0"),
    ({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15", "2026-03-02 08:45"],
      "offered": [1, 2, 3]}, ["--aht-s", "100"], None),  # a gap is fine (closed interval)
    ({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15", "2026-03-02 08:35"],
      "offered": [1, 2, 3]}, ["--aht-s", "100"], "mixed interval lengths"),
    ({"begin": ["2026-03-02 08:00"], "offered": [1]}, ["--aht-s", "100"],
     "no column 'interval_start'"),
])
def test_staff_bad_input(tmp_path, rows, extra, match):
    src = _forecast(tmp_path, rows)
    out = tmp_path / "req.csv"
    res = run("staff", str(src), "-o", str(out), *extra)
    if match is None:
        assert res.exit_code == 0, res.output
        return
    assert res.exit_code == 2, res.output
    assert match in res.stderr and str(src) in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not out.exists()  # no half-written output
    assert [p.name for p in tmp_path.iterdir()] == [src.name]  # no temp file left either


def test_staff_refuses_to_overwrite_its_input(tmp_path):
    src = _forecast(tmp_path, {"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"],
                               "offered": [1, 2]})
    before = src.read_bytes()
    res = run("staff", str(src), "-o", str(src), "--aht-s", "180")
    assert res.exit_code == 2
    assert "overwrite the input" in res.stderr
    assert src.read_bytes() == before


def test_staff_example_forecast_ships_and_runs(tmp_path):
    out = tmp_path / "req.csv"
    res = run("staff", str(ROOT / "data" / "example_forecast.csv"), "--aht-s", "240", "-o",
              str(out))
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    assert len(req) == 285 and (req["service_level"] >= 0.8).all()


@pytest.mark.parametrize("args", [
    ["erlang", "--traffic-erl", "abc", "--aht-s", "3"],
    ["erlang", "--traffic-erl", "10", "--aht-s", "180", "--agents", "1.5"],
    ["staff", "data/example_forecast.csv"],
    ["bogus"],
    ["erlang", "--traffic-erl", "1e308", "--aht-s", "180"],
    ["staff", "data/example_forecast.csv", "--aht-s", "200", "-o", "data"],
], ids=["not-a-number", "not-an-int", "missing-out", "no-command", "huge-load", "out-is-dir"])
def test_usage_errors_are_one_line_too(args):
    # the console entry point (cli.main) turns typer/click usage errors into one line, exit 2
    proc = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("wfm: error:")
    assert "Traceback" not in proc.stderr


def test_outputs_get_the_usual_file_mode(tmp_path):
    import os

    out = tmp_path / "r.csv"
    res = run("staff", str(ROOT / "data" / "example_forecast.csv"), "--aht-s", "240", "-o",
              str(out))
    assert res.exit_code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert (out.stat().st_mode & 0o777) == (0o666 & ~mask)


def test_per_queue_interval_lengths_must_agree(tmp_path):
    # review finding: a 30-min queue next to a 15-min queue used to get twice its load
    src = _forecast(tmp_path, {
        "interval_start": ["2026-03-02 08:00", "2026-03-02 08:15", "2026-03-02 08:00",
                           "2026-03-02 08:30", "2026-03-02 09:00"],
        "offered": [100] * 5, "queue": ["a", "a", "b", "b", "b"]})
    res = run("staff", str(src), "-o", str(tmp_path / "r.csv"), "--aht-s", "180")
    assert res.exit_code == 2 and "different interval lengths" in res.stderr


def test_wfm_alone_shows_the_help():
    proc = subprocess.run([sys.executable, "-m", "cli"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and "Commands" in proc.stdout and proc.stderr == ""
