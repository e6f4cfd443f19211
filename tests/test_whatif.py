"""`wfm whatif`: scenario grid, scenario files, given headcounts; numbers by hand/textbook."""

from dataclasses import fields

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from erlang import ServiceTarget
from wfmcore.config import STAFFING_KEYS, TARGET_KEYS
from wfmcore.errors import InputError
from wfmplan.whatif import TARGET_CHANGES, Scenario, grid, load_scenarios, run_scenarios

runner = CliRunner()
# Two half-hours of 100 calls, AHT 180 s: 10 Erlangs each (the textbook example).
FC = pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:30"],
                   "offered": [100.0, 100.0]})


def test_base_and_target_scenarios_match_the_textbook():
    table = run_scenarios(FC, grid(sl_target=[0.8, 0.9]), ServiceTarget(), aht_s=180)
    base, high = table.iloc[0], table.iloc[1]
    # 80/20 -> 14 agents (SL 0.88835); 90/20 -> 15 agents (SL 0.94147): Erlang C tables
    assert base["agent_hours"] == 14.0  # 14 agents x 2 half-hours
    assert base["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert high["agent_hours"] == 15.0
    assert high["service_level"] == pytest.approx(0.94147, abs=5e-5)
    assert high["agent_hours_vs_base"] == 1.0
    assert base["fte"] == pytest.approx(14.0 / 37.5)  # hand: scheduled hours / FTE hours


def test_volume_and_aht_multipliers_equal_scaled_inputs():
    table = run_scenarios(FC, [Scenario(name="base"), Scenario(name="v", volume=1.2),
                               Scenario(name="a", aht=1.2)], ServiceTarget(), aht_s=180)
    scaled = run_scenarios(FC.assign(offered=120.0), [Scenario(name="x")], ServiceTarget(),
                           aht_s=180)
    # +20 % calls and +20 % AHT give the same load (12 Erl) - same agents; SL differs by AHT
    assert table.iloc[1]["agent_hours"] == scaled.iloc[0]["agent_hours"]
    assert table.iloc[2]["agent_hours"] >= table.iloc[0]["agent_hours"]


def test_given_headcount_is_evaluated_not_solved():
    table = run_scenarios(FC, [Scenario(name="base")], ServiceTarget(), aht_s=180,
                          headcount=[13, 13])
    assert table.iloc[0]["service_level"] == pytest.approx(0.79559, abs=5e-6)  # textbook N=13


def test_scenario_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[[scenario]]\nname = "busy"\nvolume = 1.1\n\n[[scenario]]\nname = "A"\n'
                 'model = "erlang_a"\npatience_s = 120\n')
    scs = load_scenarios(p)
    assert [s.name for s in scs] == ["busy", "A"]
    p.write_text('[[scenario]]\nvolum = 1.1\n')
    with pytest.raises(InputError, match="unknown key 'volum'"):
        load_scenarios(p)
    p.write_text('[[scenario]]\nsl_target = 80\n')
    with pytest.raises(InputError, match="80% is 0.8"):
        run_scenarios(FC, load_scenarios(p), ServiceTarget(), aht_s=180)


def test_cli_whatif_writes_table_and_chart(tmp_path):
    src = tmp_path / "fc.csv"
    FC.to_csv(src, index=False)
    out, chart = tmp_path / "w.xlsx", tmp_path / "w.png"
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--volume", "1,1.1",
                              "-o", str(out), "--chart", str(chart)])
    assert res.exit_code == 0, res.output
    table = pd.read_excel(out)
    assert list(table["scenario"]) == ["base", "volume +10%"]
    assert chart.stat().st_size > 10_000
    hc = tmp_path / "hc.csv"
    pd.DataFrame({"interval_start": ["2026-03-02 08:00"], "agents": [13]}).to_csv(hc,
                                                                                  index=False)
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--headcount", str(hc)])
    assert res.exit_code == 2 and "no agents given for interval 2026-03-02 08:30" in res.stderr
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--volume", "x"])
    assert res.exit_code == 2 and "--volume" in res.stderr


def test_cli_whatif_from_history_with_paid_hours(tmp_path):
    # 8 weeks of the real bank data (data/README.md), summed to hours by the forecaster
    d = pd.read_csv("data/bank_calls_5min.csv", parse_dates=["interval_start"])
    d = d[d["interval_start"] >= "2003-08-29"]
    d["interval_start"] = d["interval_start"].dt.floor("60min")
    d = d.groupby("interval_start", as_index=False)["offered"].sum()
    d = d[d["interval_start"].dt.hour < 21]  # whole hours only, 07:00-20:59
    hist = tmp_path / "h.csv"
    d.assign(interval_start=d["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        hist, index=False)
    out = tmp_path / "w.csv"
    res = runner.invoke(app, ["whatif", str(hist), "--from-history", "--aht-s", "300",
                              "--volume", "1,1.2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    # shifts for more calls cost more paid hours; paid hours >= agent-hours on the phones
    assert t["paid_hours"].iloc[1] > t["paid_hours"].iloc[0] >= t["agent_hours"].iloc[0]
    assert t["fte"].iloc[0] == pytest.approx(t["paid_hours"].iloc[0] / 37.5)


def test_scenario_keys_are_the_target_vocabulary():
    # one vocabulary (wfmcore.targets): a scenario can change every ServiceTarget field, and
    # wfm.toml's [targets] / [staffing] keys are those fields too
    target_fields = {f.name for f in fields(ServiceTarget)}
    assert set(TARGET_CHANGES) == target_fields
    assert set(TARGET_KEYS) | set(STAFFING_KEYS) | {"shrinkage"} == target_fields | {"aht_s"}


def test_planner_terms_percentages_and_seconds(tmp_path):
    # --volume +20% is the multiplier 1.2; --aht-delta-s -18 on AHT 180 s is the multiplier
    # 0.9 (162 s): the same rows as the multiplier forms (hand: 180 - 18 = 0.9 x 180)
    src = tmp_path / "fc.csv"
    FC.to_csv(src, index=False)
    out_a, out_b = tmp_path / "a.csv", tmp_path / "b.csv"
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--no-paid-hours",
                              "--volume", "+0%,+20%", "--aht-delta-s", "-18", "-o", str(out_a)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--no-paid-hours",
                              "--volume", "1,1.2", "--aht", "0.9", "-o", str(out_b)])
    assert res.exit_code == 0, res.output
    a, b = pd.read_csv(out_a), pd.read_csv(out_b)
    assert list(a["scenario"]) == ["AHT -18 s", "volume +20%, AHT -18 s"]
    cols = ["agent_hours", "service_level", "asa_s", "occupancy"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # a change written as a bare signed number is refused, not read as a multiplier
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--volume", "+15"])
    assert res.exit_code == 2 and "write it as a percentage (+15%)" in res.stderr
    # an AHT change that leaves no handle time is an error naming the scenario
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--no-paid-hours",
                              "--aht-delta-s", "-200"])
    assert res.exit_code == 2 and "scenario 'AHT -200 s'" in res.stderr


def test_scenario_file_with_a_grid_flag_is_an_error(tmp_path):
    # issue 12: --shrinkage beside --scenarios used to be ignored silently
    src = tmp_path / "fc.csv"
    FC.to_csv(src, index=False)
    p = tmp_path / "s.toml"
    p.write_text('[[scenario]]\nname = "busy"\nvolume = 1.1\n')
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--scenarios", str(p),
                              "--shrinkage", "0.3"])
    assert res.exit_code == 2
    assert "--scenarios and --shrinkage exclude each other" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1

