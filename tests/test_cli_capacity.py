"""`wfm capacity` and `wfm whatif --capacity` (issue 16): files, the [capacity] table, errors.
The numbers of the plan are checked in test_capacity.py; here the command-line contract."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from forecast.synthetic import poisson_history

runner = CliRunner()


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    d = tmp_path_factory.mktemp("cap")
    f, _ = poisson_history(20, 5, calls_per_day=600, open_hours=(8, 16))
    f.assign(aht_s=300.0).to_csv(d / "h.csv", index=False)
    (d / "wfm.toml").write_text("[capacity]\nlead_time_weeks = 1\ntraining_weeks = 2\n"
                                "ramp_weeks = 2\n[[capacity.staff]]\nheadcount = 9\n"
                                "tenure_weeks = 100\n")
    return d


def test_capacity_writes_the_plan(centre):
    out = centre / "cap"
    res = runner.invoke(app, ["capacity", str(centre / "h.csv"), "--horizon", "6w",
                              "--config", str(centre / "wfm.toml"), "--paths", "200",
                              "--p-meet", "0.9", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} == {"capacity.csv", "capacity.xlsx", "capacity.png",
                                             "capacity.html"}
    t = pd.read_csv(out / "capacity.csv")
    assert len(t) == 6
    assert {"week_start", "required_fte", "available_fte", "gap_fte", "hires", "attrition",
            "overtime_fte", "outsourced_fte", "p_meet"} <= set(t.columns)
    assert "6 weeks: required" in res.stdout


def test_capacity_errors_are_one_line(centre):
    bad = centre / "bad.toml"
    bad.write_text("[capacity]\nbogus = 1\n")
    res = runner.invoke(app, ["capacity", str(centre / "h.csv"), "--config", str(bad)])
    assert res.exit_code == 2
    assert "unknown key 'capacity.bogus'" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["capacity", str(centre / "h.csv"), "--horizon", "10d"])
    assert res.exit_code == 2 and "horizon (--horizon) must be whole weeks" in res.output


def test_whatif_capacity_compares_plans(centre):
    out = centre / "w.csv"
    res = runner.invoke(app, ["whatif", str(centre / "h.csv"), "--capacity", "--horizon",
                              "6w", "--config", str(centre / "wfm.toml"), "--volume",
                              "+15%", "--attrition-points", "5", "-o", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert list(t["scenario"]) == ["base", "volume +15%, attrition +5 points"]
    # more calls need more FTE (the same chain, 15 % more volume)
    assert t["required_fte_mean"].iloc[1] > t["required_fte_mean"].iloc[0]
    assert t["cost_vs_first"].iloc[0] == 0
    res = runner.invoke(app, ["whatif", str(centre / "h.csv"), "--capacity", "--aht", "1.1"])
    assert res.exit_code == 2 and "aht_delta_s), not as a multiplier" in res.output
