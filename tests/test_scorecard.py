"""`wfm kpis`: KPI definitions on a hand-checkable history, and patience estimation."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from wfmcore.errors import InputError
from wfmplan.scorecard import KpiTargets, estimate_patience, read_history, scorecard

runner = CliRunner()

HAND = pd.DataFrame({
    "interval_start": ["2026-03-02 08:00", "2026-03-02 08:30", "2026-03-03 08:00"],
    "offered": [100, 50, 10], "handled": [90, 50, 10], "abandoned": [10, 0, 0],
    "aht_s": [300, 240, 200], "answered_in_sl": [70, 45, 10], "asa_s": [30, 10, 0],
    "wait_s": [3700, 500, 0], "staffed_agents": [20, 10, 2], "short_abandoned": [4, 0, 0]})


def test_kpi_definitions_by_hand():
    card = scorecard(read_history(HAND), periods=("day",))
    day1 = card.iloc[0]
    # hand, Monday: SL = (70 + 45) / 150 = 0.76667; ASA = (90x30 + 50x10) / 140 = 22.857 s
    assert day1["service_level"] == pytest.approx(115 / 150)
    assert day1["asa_s"] == pytest.approx(3200 / 140)
    # abandonment 10 / 150; AHT (90x300 + 50x240) / 140 = 278.57 s
    assert day1["abandon_rate"] == pytest.approx(10 / 150)
    assert day1["aht_s"] == pytest.approx(39000 / 140)
    # occupancy = 39000 s of work / ((20 + 10) agents x 1800 s) = 0.7222
    assert day1["occupancy"] == pytest.approx(39000 / 54000)
    # calls per agent-hour = 140 / (30 x 0.5 h) = 9.333 ; peak interval 100 calls
    assert day1["calls_per_agent_hour"] == pytest.approx(140 / 15)
    assert day1["peak_interval_offered"] == 100
    # misses vs 80/20, ASA 20, abandon 5 %, occupancy 90 %: SL, ASA and abandonment missed
    assert day1["misses"] == "service level; ASA; abandonment"
    assert card.iloc[1]["misses"] == ""


def test_short_abandons_leave_the_denominator():
    card = scorecard(read_history(HAND), periods=("day",), short_abandon=True)
    # hand: SL = 115 / (150 - 4); abandonment = (10 - 4) / (150 - 4)
    assert card.iloc[0]["service_level"] == pytest.approx(115 / 146)
    assert card.iloc[0]["abandon_rate"] == pytest.approx(6 / 146)


def test_weekly_rollup_sums_days():
    card = scorecard(read_history(HAND), periods=("week",))
    assert len(card) == 1 and card.iloc[0]["offered"] == 160
    assert card.iloc[0]["period_start"] == "2026-03-02"  # Monday
    assert card.iloc[0]["service_level"] == pytest.approx(125 / 160)


def test_patience_estimate_recovers_the_synthetic_truth():
    # data/make_synthetic_calls.py draws patience with means 120 / 150 / 240 s; the MLE
    # total wait / abandons should land within ~5 % on thousands of abandons.
    hist = read_history(pd.read_csv("data/synthetic_calls.csv"))
    est = estimate_patience(hist).set_index("queue")["patience_s"]
    assert est["after_hours"] == pytest.approx(120, rel=0.05)
    assert est["sales"] == pytest.approx(150, rel=0.05)
    assert est["service"] == pytest.approx(240, rel=0.05)


def test_bad_history_and_targets():
    bad = HAND.copy()
    bad.loc[1, "handled"] = 60
    with pytest.raises(InputError, match="data row 2: column 'handled' is 60; more calls than offered"):
        read_history(bad)
    with pytest.raises(InputError, match="80% is 0.8"):
        KpiTargets(sl_target=80)


def test_cli_kpis(tmp_path):
    src = tmp_path / "h.csv"
    HAND.to_csv(src, index=False)
    out = tmp_path / "sc.csv"
    res = runner.invoke(app, ["kpis", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "mean patience" in res.stdout and "420 s" in res.stdout  # hand: 4200 s / 10
    assert len(pd.read_csv(out)) == 3  # two days + one week
    res = runner.invoke(app, ["kpis", str(src), "--sl-target", "80"])
    assert res.exit_code == 2 and "80% is 0.8" in res.stderr
