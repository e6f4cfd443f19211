"""`wfm schedule` contract: the four files, their columns, the summary, errors."""

import re

import pandas as pd
import pytest
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
    # the built-in rules have contracts, so their weekly tours are written too
    assert names == ["coverage.csv", "coverage.png", "schedule.xlsx", "shifts.csv",
                     "tours.csv"]
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


def test_schedule_checks_service_level(tmp_path):
    # `wfm staff` output (offered, aht_s, traffic_erl, agents, scheduled_agents): coverage.csv
    # gains the Erlang and simulated service level per interval, the summary the period's.
    out = tmp_path / "plan"
    res = runner.invoke(app, ["schedule", "tests/data/shifts/requirements_staffed.csv",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "simulated service level" in res.stdout and "95 % CI" in res.stdout
    cov = pd.read_csv(out / "coverage.csv")
    assert list(cov.columns) == ["interval_start", "required", "scheduled", "over", "under",
                                 "on_phone_agents", "service_level", "sim_service_level",
                                 "sim_service_level_lo", "sim_service_level_hi", "sim_below"]
    assert cov["sim_service_level"].between(0, 1).all()


LUNCH_OUTSIDE = """
[[shift_type]]
name = "4h"
paid_min = 240
[[shift_type.breaks]]
name = "lunch"
duration_min = 30
paid = false
nominal_start_min = 250
window_min = 0
"""
TOO_LONG = """
[opening]
mon = "08:00-12:00"
[[shift_type]]
name = "8h"
paid_min = 480
"""
CONTRADICTORY = """
[[shift_type]]
name = "4h"
paid_min = 240
max_share_of_paid_hours = 0.3
[[shift_type]]
name = "8h"
paid_min = 480
max_share_of_paid_hours = 0.5
"""


@pytest.mark.parametrize(("toml", "match"), [
    (LUNCH_OUTSIDE, "window must lie inside the shift"),
    (TOO_LONG, "spans 8:00 but the longest opening"),
    (CONTRADICTORY, "contradictory limits"),
    ("[tours]\ndays_on = 0\n", "'days_on' of \\[tours\\]"),
], ids=["lunch-outside-shift", "shift-longer-than-opening", "contradictory-limits",
        "tours-days-on"])
def test_infeasible_rules_exit_2_with_one_line(tmp_path, toml, match):
    rules = tmp_path / "rules.toml"
    rules.write_text(toml)
    res = runner.invoke(app, ["schedule", FIXTURE, "-o", str(tmp_path / "o"), "--rules",
                              str(rules)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wfm: error: ")
    assert re.search(match, lines[0]) and str(rules) in lines[0]
    assert not (tmp_path / "o").exists()


def test_zeros_overnight_and_a_closed_day_via_the_cli(tmp_path):
    # 24-hour rows with zeros outside 09:00-13:00 on Monday; Saturday closed by the rules
    # while its file rows ask for agents: nothing scheduled there, the shortfall reported.
    t = pd.date_range("2026-03-02 00:00", "2026-03-03 00:00", freq="15min", inclusive="left")
    mon = pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"),
                        "agents": ((t.hour >= 9) & (t.hour < 13)).astype(int) * 3})
    sat = pd.DataFrame({"interval_start": pd.date_range("2026-03-07 09:00", periods=16,
                                                        freq="15min").strftime(
                                                            "%Y-%m-%d %H:%M"), "agents": 2})
    req = tmp_path / "req.csv"
    pd.concat([mon, sat]).to_csv(req, index=False)
    rules = tmp_path / "rules.toml"
    rules.write_text('[opening]\nmon = "00:00-24:00"\nsat = "closed"\n'
                     '[[shift_type]]\nname = "4h"\npaid_min = 240\n')
    res = runner.invoke(app, ["schedule", str(req), "-o", str(tmp_path / "o"), "--rules",
                              str(rules)])
    assert res.exit_code == 0, res.output
    assert "paid hours               12.00 h" in res.stdout
    assert "under-covered intervals  16 (8.00 agent-hours short)" in res.stdout
    assert "closed all day" in res.stdout
    cov = pd.read_csv(tmp_path / "o" / "coverage.csv")
    assert cov.loc[cov["interval_start"] < "2026-03-03", "under"].eq(0).all()
    # the 16 Saturday intervals, listed by time on screen and on a sheet of the workbook
    # (issue 12: a shortfall named in every output), equal to coverage.csv's under > 0 rows
    short = cov[cov["under"] > 0]
    assert len(short) == 16 and short["interval_start"].iloc[0] == "2026-03-07 09:00"
    assert ("wfm: note: 16 intervals under-covered by the schedule: 2026-03-07 09:00 "
            "(2 short), 2026-03-07 09:15 (2 short)") in res.stderr
    assert "and 6 more" in res.stderr
    sheet = pd.read_excel(tmp_path / "o" / "schedule.xlsx", sheet_name="under-covered")
    assert list(sheet.columns) == ["interval_start", "required", "scheduled", "under"]
    assert list(pd.to_datetime(sheet["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")) == \
        list(short["interval_start"])
    assert list(sheet["under"]) == list(short["under"]) == [2] * 16
def test_schedule_with_roster_and_check_options(tmp_path):
    agents = tmp_path / "agents.csv"
    agents.write_text("agent,min_hours,max_hours,mon\n"
                      + "".join(f"a{i},0,40,08:00-20:00\n" for i in range(40)))
    out = tmp_path / "plan"
    # one Monday: the horizon is that day, the rest of its week free for the tours
    res = runner.invoke(app, ["schedule", "tests/data/shifts/requirements_staffed.csv",
                              "-o", str(out), "--roster", str(agents), "--replications", "3",
                              "--seed", "1", "--sl-threshold-s", "30"])
    assert res.exit_code == 0, res.output
    assert "roster" in res.stdout and "late shifts per agent" in res.stdout
    sh = pd.read_csv(out / "shifts.csv", keep_default_na=False)
    assert (sh["agents"] == 1).all() and sh["agent"].ne("").all()
    assert (out / "fairness.csv").exists()
    res = runner.invoke(app, ["schedule", "tests/data/shifts/requirements_staffed.csv",
                              "-o", str(out), "--replications", "0"])
    assert res.exit_code == 2 and "replications (--replications) must be" in res.stderr
