"""CLI polish (issue 12): --version, commands in workflow order with their whole first
sentence, every option with a help text, and wfm plan taking every option its stages take."""

import click
import typer
from typer.testing import CliRunner

from cli import WORKFLOW, app
from wfmplan import VERSION

runner = CliRunner()


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"wfm {VERSION}"
    assert VERSION[0].isdigit()                     # installed: the package's own version


def test_help_lists_commands_in_workflow_order_uncut():
    out = runner.invoke(app, ["--help"]).output
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == list(WORKFLOW)
    assert "..." not in out.split("Commands:")[1]


def test_every_option_has_help():
    group = typer.main.get_command(app)
    missing = [f"{name} {opt.opts[0]}" for name, cmd in group.commands.items()
               for opt in cmd.params if isinstance(opt, click.Option)
               and not (opt.help or "").strip()]
    assert missing == []


def test_plan_takes_every_option_of_its_stages():
    group = typer.main.get_command(app)
    plan = {o for p in group.commands["plan"].params for o in p.opts}
    for flag in ("--tz", "--special-days", "--level", "--fte-hours", "--roster", "--rules",
                 "--country", "--freq", "--model", "--shrinkage", "--staffing-rule"):
        assert flag in plan, flag


def test_plan_with_roster_special_days_and_fte_hours(tmp_path):
    # a small synthetic centre (forecast.synthetic.poisson_history: 600 calls a day): the
    # plan passes --roster to the schedule (shifts.csv names agents, fairness.csv written),
    # --special-days to the forecast (the closed Wednesday is not forecast) and --fte-hours
    # to the summary (FTE = paid hours / 30, one week)
    from forecast.synthetic import poisson_history

    frame, _ = poisson_history(weeks=4, seed=2, calls_per_day=600)
    hist = tmp_path / "history.csv"
    frame.assign(interval_start=frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        hist, index=False)
    roster = tmp_path / "agents.csv"
    roster.write_text("agent,min_hours,max_hours\n" +
                      "".join(f"a{i:02d},0,40\n" for i in range(40)))
    sd = tmp_path / "special.csv"
    sd.write_text("date,kind\n2024-02-07,closed\n")
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(hist), "--aht-s", "300", "--roster", str(roster),
                              "--special-days", str(sd), "--fte-hours", "30",
                              "--replications", "2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    import pandas as pd
    shifts_csv = pd.read_csv(out / "shifts.csv")
    assert "agent" in shifts_csv.columns and (out / "fairness.csv").exists()
    fc = pd.read_csv(out / "forecast.csv", parse_dates=["interval_start"])
    assert "2024-02-07" not in set(fc["interval_start"].dt.strftime("%Y-%m-%d"))
    paid = float((shifts_csv["paid_hours"] * shifts_csv.get("agents", 1)).sum())
    assert f"FTE                      {paid / 30:,.1f} (at 30 h a week)" in res.output


def test_honest_solver_status_and_under_covered_list():
    # issue 12: 'optimal' only when every day was proven optimal; a gap stop says so; a
    # time limit names the day; under-covered intervals are listed by queue and time
    import pandas as pd

    from shifts.schedule import _overall_status
    from wfmplan.plan import under_covered_notes

    assert _overall_status([], ["optimal", "optimal"]) == "optimal"
    assert _overall_status([], ["optimal", "within gap 0.005"]) == "within gap 0.005 (proven)"
    assert _overall_status(["2026-03-03: stopped: time limit reached"],
                           ["optimal", "stopped: time limit reached"]) == \
        "2026-03-03: stopped: time limit reached"
    cov = pd.DataFrame({"queue": ["a", "a", "b"],
                        "interval_start": ["2026-03-02 08:00", "2026-03-02 08:15",
                                           "2026-03-02 08:00"], "under": [0, 2, 1]})
    assert under_covered_notes(cov) == ["2 intervals under-covered by the schedule: "
                                        "a 2026-03-02 08:15 (2 short), b 2026-03-02 08:00 "
                                        "(1 short)"]
    assert under_covered_notes(cov.assign(under=0)) == []
