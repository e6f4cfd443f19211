"""`wfm schedule` contract: the four files, their columns, the summary, errors."""

import pandas as pd
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
FIXTURE = "tests/data/shifts/requirements_small.csv"


def test_schedule_writes_the_promised_files(tmp_path):
    out = tmp_path / "plan"
    res = runner.invoke(app, ["schedule", FIXTURE, "-o", str(out), "--time-limit-s", "60"])
    assert res.exit_code == 0, res.output
    for key in ("paid hours", "under-covered intervals", "LP bound", "gap", "solve time"):
        assert key in res.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["coverage.csv", "coverage.png", "schedule.xlsx", "shifts.csv"]
    sh = pd.read_csv(out / "shifts.csv")
    assert {"start", "end", "paid_hours", "breaks", "agents"} <= set(sh.columns)
    cov = pd.read_csv(out / "coverage.csv")
    assert list(cov.columns)[:5] == ["interval_start", "required", "scheduled", "over", "under"]
    # hand identity: scheduled - required = over - under in every interval
    assert ((cov["scheduled"] - cov["required"]) == (cov["over"] - cov["under"])).all()
    # paid hours on screen = sum over shifts.csv of paid_hours x agents
    total = float((sh["paid_hours"] * sh["agents"]).sum())
    assert f"{total:,.2f} h" in res.stdout


def test_init_rules_and_bad_rules(tmp_path):
    rules = tmp_path / "rules.toml"
    res = runner.invoke(app, ["schedule", "--init-rules", str(rules)])
    assert res.exit_code == 0 and rules.exists()
    res = runner.invoke(app, ["schedule", "--init-rules", str(rules)])
    assert res.exit_code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("start_step_minutes = 15\n")
    res = runner.invoke(app, ["schedule", FIXTURE, "-o", str(tmp_path / "o"), "--rules",
                              str(bad)])
    assert res.exit_code == 2 and str(bad) in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(app, ["schedule", FIXTURE])
    assert res.exit_code == 2 and "-o OUTDIR" in res.stderr
