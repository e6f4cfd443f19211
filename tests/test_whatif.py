"""`wfm whatif`: scenario grid, scenario files, given headcounts; numbers by hand/textbook."""

from dataclasses import fields

import numpy as np
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
    definitions = pd.read_excel(out, sheet_name="definitions")["definition"]
    assert definitions.str.startswith("FTE = paid hours").any()
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
    # the grid lacks the base (no AHT change): it comes first, the settings given
    assert list(a["scenario"]) == ["base", "AHT -18 s", "volume +20%, AHT -18 s"]
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



def _erlang_c(agents: int, load_erl: float) -> float:
    """P(wait) by the Erlang B recursion, C = B / (1 - rho (1 - B)) (Cooper 1981, ch. 3):
    written here apart from the engine, as the independent source of the expected values."""
    b = 1.0
    for n in range(1, agents + 1):
        b = load_erl * b / (n + load_erl * b)
    rho = load_erl / agents
    return b / (1 - rho * (1 - b))


def test_the_base_is_the_settings_given_even_when_the_grid_lacks_it():
    # issue 12: the base is the settings given (here shrinkage 30 %), never the grid's first
    # combination; scheduled = ceil(agents / (1 - shrinkage)) per interval (hand):
    # 14 agents -> ceil(20.0) = 20 at 30 %, ceil(21.54) = 22 at 35 %, ceil(23.33) = 24 at 40 %
    base = ServiceTarget(shrinkage=0.3)
    scs = grid(base, shrinkage=[0.35, 0.4])
    assert [s.name for s in scs] == ["base", "shrinkage 35%", "shrinkage 40%"]
    table = run_scenarios(FC, scs, base, aht_s=180)
    assert list(table["is_base"]) == [True, False, False]
    assert list(table["scheduled_hours"]) == [20.0, 22.0, 24.0]  # x 2 half-hours x 0.5 h
    assert list(table["scheduled_hours"] - 20.0) == [0.0, 2.0, 4.0]
    assert list(table["fte_vs_base"] * 37.5) == pytest.approx([0.0, 2.0, 4.0])
    # the base value in the grid is the base row, named so; the base in the middle stays there
    assert [s.name for s in grid(base, shrinkage=[0.3, 0.35])] == ["base", "shrinkage 35%"]
    mid = run_scenarios(FC, grid(base, volume=[0.9, 1.0, 1.1]), base, aht_s=180)
    assert list(mid["scenario"]) == ["volume -10%", "base", "volume +10%"]
    assert list(mid["is_base"]) == [False, True, False]
    assert mid["agent_hours_vs_base"].iloc[1] == 0.0
    assert mid["agent_hours_vs_base"].iloc[2] == mid["agent_hours"].iloc[2] - 14.0
    # a list without the base gets it first; a scenario that changes nothing is the base
    lone = run_scenarios(FC, [Scenario(name="90/20", sl_target=0.9)], ServiceTarget(), aht_s=180)
    assert list(lone["scenario"]) == ["base", "90/20"]
    same = run_scenarios(FC, [Scenario(name="now"), Scenario(name="v", volume=1.1)],
                         ServiceTarget(), aht_s=180)
    assert list(same["scenario"]) == ["now", "v"] and same["is_base"].iloc[0]


def test_per_queue_rows_and_the_total():
    # queue a: 100 calls / 30 min at 180 s; queue b: 50 calls at 360 s: 10 Erlangs each.
    # SL = 1 - C(N, A) exp(-(N - A) T / AHT); ASA = C(N, A) AHT / (N - A) (Erlang C):
    # a needs 14 (SL 0.888), b needs 14 too (13 give 0.758 < 0.8 at AHT 360 s)
    fc = pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:30"] * 2,
                       "queue": ["a", "a", "b", "b"], "offered": [100.0, 100.0, 50.0, 50.0],
                       "aht_s": [180.0, 180.0, 360.0, 360.0]})
    table = run_scenarios(fc, [Scenario(name="base"), Scenario(name="v", volume=1.1)],
                          ServiceTarget())
    assert list(table["queue"]) == ["all", "a", "b", "all", "a", "b"]
    c14 = _erlang_c(14, 10.0)
    sl_a, sl_b = 1 - c14 * np.exp(-4 * 20 / 180), 1 - c14 * np.exp(-4 * 20 / 360)
    assert 1 - _erlang_c(13, 10.0) * np.exp(-3 * 20 / 360) < 0.8      # 13 are too few for b
    total, a, b = table.iloc[0], table.iloc[1], table.iloc[2]
    assert a["agent_hours"] == 14.0 and b["agent_hours"] == 14.0 and total["agent_hours"] == 28
    assert a["service_level"] == pytest.approx(sl_a, abs=1e-9)
    assert b["service_level"] == pytest.approx(sl_b, abs=1e-9)
    # the total is call-weighted: (200 SL_a + 100 SL_b) / 300; ASA weighted by answered calls
    assert total["service_level"] == pytest.approx((200 * sl_a + 100 * sl_b) / 300, abs=1e-9)
    asa_a, asa_b = c14 * 180 / 4, c14 * 360 / 4
    assert total["asa_s"] == pytest.approx((200 * asa_a + 100 * asa_b) / 300, rel=1e-9)
    assert total["occupancy"] == pytest.approx(40 / 56)   # busy 4 x 10 Erl over 56 agent-slots
    # headcount without a schedule: at least the most agents at once (14 per queue, queues
    # do not share agents) and at least hours / 37.5 rounded up (1): 14 + 14
    assert (a["headcount"], b["headcount"], total["headcount"]) == (14, 14, 28)
    assert total["peak_agents"] == 28                     # a's 14 and b's 14 at the same time
    # differences are to the base row of the same queue
    v = table[table["scenario"] == "v"].set_index("queue")
    base = table[table["is_base"]].set_index("queue")
    for q in ("all", "a", "b"):
        assert v.loc[q, "agent_hours_vs_base"] == v.loc[q, "agent_hours"] - base.loc[
            q, "agent_hours"]
    assert v.loc["all", "agent_hours"] == v.loc["a", "agent_hours"] + v.loc["b", "agent_hours"]


def test_headcount_from_the_shifts_and_the_progress_count():
    # a pricer saying 100 paid hours and 30 shifts on the busiest day: headcount =
    # max(ceil(100 / 37.5) = 3, 30) = 30; FTE = 100 / 37.5 (the definitions the table states)
    def pricer(req):
        return {"paid_hours": 100.0, "busiest_day_shifts": 30}

    seen, done = [], []
    table = run_scenarios(FC, grid(ServiceTarget(), volume=[1.0, 1.1], sl_target=[0.8, 0.9]),
                          ServiceTarget(), aht_s=180, paid_hours=pricer,
                          on_tasks=seen.append, progress=lambda: done.append(1))
    assert list(table["headcount"]) == [30] * 4
    assert table["fte"].iloc[0] == pytest.approx(100 / 37.5)
    assert any("FTE = paid hours" in line for line in table.attrs["definitions"])
    assert seen == [4] and len(done) == 4                 # 4 scenarios x 1 series


def test_cli_base_settings_and_scenario_file_base(tmp_path):
    src = tmp_path / "fc.csv"
    FC.to_csv(src, index=False)
    out = tmp_path / "w.csv"
    # --base shrinkage=0.3 is the base; the grid's 35 % is a change to it (hand: 20 -> 22 h)
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--no-paid-hours",
                              "--base", "shrinkage=0.3", "--shrinkage", "0.35", "-o", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert list(t["scenario"]) == ["base", "shrinkage 35%"]
    assert list(t["scheduled_hours"]) == [20.0, 22.0] and "* the base" in res.output
    # the same base from wfm.toml
    cfg = tmp_path / "wfm.toml"
    cfg.write_text("[shrinkage]\nall = 0.3\n")
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--no-paid-hours",
                              "--config", str(cfg), "--shrinkage", "0.3,0.35", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert list(pd.read_csv(out)["scheduled_hours"]) == [20.0, 22.0]
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--base", "shrink=0.3"])
    assert res.exit_code == 2 and "--base: unknown key 'shrink'" in res.stderr
    # a scenario file's "base" must change nothing
    p = tmp_path / "s.toml"
    p.write_text('[[scenario]]\nname = "base"\nvolume = 1.1\n')
    res = runner.invoke(app, ["whatif", str(src), "--aht-s", "180", "--scenarios", str(p)])
    assert res.exit_code == 2 and "scenario 'base' changes the settings" in res.stderr
    res = runner.invoke(app, ["whatif", str(src), "--capacity", "--base", "shrinkage=0.3"])
    assert res.exit_code == 2 and "--base does not apply" in res.stderr
