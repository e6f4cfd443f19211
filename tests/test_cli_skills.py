"""`wfm staff --skills` (issue 14): the command's contract. The numbers behind it are
checked in test_multiskill_plan.py; here the expected per-group agents come from the
single-queue Erlang C requirement (disjoint groups), a published formula."""

import pandas as pd
from typer.testing import CliRunner

from cli import app
from erlang import ServiceTarget, required_agents

runner = CliRunner()


def files(tmp_path):
    rows = []
    for i, (en, es) in enumerate([(12, 6), (18, 9)]):
        t = f"2026-03-02 08:{30 * i:02d}"
        rows += [{"interval_start": t, "queue": "en", "offered": en, "aht_s": 300},
                 {"interval_start": t, "queue": "es", "offered": es, "aht_s": 240}]
    fc = tmp_path / "forecast.csv"
    pd.DataFrame(rows).to_csv(fc, index=False)
    cfg = tmp_path / "wfm.toml"
    cfg.write_text('[staffing]\nstaffing_method = "sipp"\n'
                   '[groups.english]\nskills = ["en"]\n[groups.spanish]\nskills = ["es"]\n')
    return fc, cfg


def test_staff_skills_writes_groups_and_types(tmp_path):
    fc, cfg = files(tmp_path)
    out = tmp_path / "requirements.csv"
    res = runner.invoke(app, ["staff", str(fc), "-o", str(out), "--config", str(cfg),
                              "--skills", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "2 intervals, 2 call types, 2 groups" in res.stdout
    groups = pd.read_csv(out)
    assert list(groups.columns[:4]) == ["interval_start", "queue", "agents", "scheduled_agents"]
    en = groups[(groups["queue"] == "english")]["agents"].tolist()
    # disjoint groups: each is its own Erlang C queue at 80/20 (load = calls x AHT / 1800 s)
    assert en == [required_agents(c * 300 / 1800, 300, ServiceTarget()) for c in (12, 18)]
    by_type = pd.read_csv(tmp_path / "requirements_by_type.csv")
    assert set(by_type["queue"]) == {"en", "es"} and by_type["met"].all()


def test_staff_skills_refuses_what_it_does_not_use(tmp_path):
    fc, cfg = files(tmp_path)
    res = runner.invoke(app, ["staff", str(fc), "-o", str(tmp_path / "r.csv"), "--config",
                              str(cfg), "--skills", "--service-risk", "0.1"])
    assert res.exit_code == 2
    assert res.stderr.strip() == ("wfm: error: --service-risk is not used with --skills "
                                  "(multi-skill staffing meets each call type's service level "
                                  "target; give targets per queue in wfm.toml)")
    assert not (tmp_path / "r.csv").exists()
    res = runner.invoke(app, ["staff", str(fc), "-o", str(tmp_path / "r.csv"), "--config",
                              str(cfg), "--skills"], env={"WFM_DASK_SCHEDULER": "tcp://x:1"})
    assert res.exit_code == 2 and "is not used with it yet" in res.stderr


def test_staff_skills_without_groups_is_a_one_line_error(tmp_path):
    fc, _ = files(tmp_path)
    res = runner.invoke(app, ["staff", str(fc), "-o", str(tmp_path / "r.csv"), "--skills"])
    assert res.exit_code == 2
    assert "no agent groups" in res.stderr and len(res.stderr.strip().splitlines()) == 1
