"""wfm.toml: validation messages, compounding shrinkage, precedence CLI > queue > file."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from erlang import ServiceTarget
from wfmcore.config import EXAMPLE, load_config
from wfmcore.errors import InputError

runner = CliRunner()


def write(tmp_path, text, name="wfm.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_example_loads_and_shrinkage_compounds(tmp_path):
    cfg = load_config(write(tmp_path, EXAMPLE))
    # hand: 1 - (1 - 0.08)(1 - 0.05)(1 - 0.03) = 1 - 0.92 x 0.95 x 0.97 = 0.15222
    assert cfg.shrinkage == pytest.approx(0.15222, abs=1e-12)
    kw = cfg.target_kwargs()
    assert kw["sl_target"] == 0.8 and kw["sl_threshold_s"] == 20
    ServiceTarget(**kw)  # the example is a valid target


@pytest.mark.parametrize(("text", "match"), [
    ("[targets]\nsl_targt = 0.8\n", "unknown key 'targets.sl_targt'"),
    ("[target]\nsl_target = 0.8\n", "unknown section or key 'target'"),
    ("[targets]\nsl_target = 80\n", "key 'targets.sl_target' must be a share in \\[0, 1\\) "
     "\\(0 = no target\\); got 80 \\(80% is 0.8\\)"),
    ("[targets]\nsl_target = \"0.8\"\n", "key 'targets.sl_target' must be a number"),
    ("[staffing]\naht_s = -3\n", "key 'staffing.aht_s' must be > 0 seconds"),
    ("[staffing]\nmin_agents = 1.5\n", "key 'staffing.min_agents' must be a whole number"),
    ("[shrinkage]\nabsence = 30\n", "key 'shrinkage.absence' must be a share"),
    ("[targets]\nmax_abandon = 0.05\n", "needs 'staffing.patience_s'"),
    ("[queues.sales]\naht = 300\n", "unknown key 'queues.sales.aht'"),
    ("[targets\n", "not valid TOML"),
    ("[targets]\nsl_convention = \"x\"\n", "sl_convention"),
    ("[groups.bi]\naht_factor = { en = 1.1 }\n", "\\[groups.bi\\] needs 'skills'"),
    ("[groups.bi]\nskills = \"en\"\n", "'groups.bi.skills' must be a list of call types"),
    ("[groups.bi]\nskills = [\"en\"]\nprio = 1\n", "unknown key 'groups.bi.prio'"),
    ("[groups.bi]\nskills = [\"en\"]\naht_factor = { en = 0 }\n",
     "'groups.bi.aht_factor'.en must be > 0"),
    ("[groups.bi]\nskills = [\"en\"]\noverflow_delay_s = 20\n",
     "'groups.bi.overflow_delay_s' must be a table"),
])
def test_bad_config_names_file_and_key(tmp_path, text, match):
    p = write(tmp_path, text)
    with pytest.raises(InputError, match=match) as err:
        load_config(p)
    assert str(p) in str(err.value)


def test_groups_are_read_in_priority_order(tmp_path):
    cfg = load_config(write(tmp_path, "[groups.bilingual]\nskills = [\"es\", \"en\"]\n"
                                      "aht_factor = { en = 1.1 }\n"
                                      "overflow_delay_s = { en = 20 }\n"
                                      "[groups.english]\nskills = [\"en\"]\n"))
    assert cfg.groups == {"bilingual": {"skills": ("es", "en"), "aht_factor": {"en": 1.1},
                                        "overflow_delay_s": {"en": 20.0}},
                          "english": {"skills": ("en",)}}


def test_bad_config_on_the_command_line_is_one_line_exit_2(tmp_path):
    p = write(tmp_path, "[targets]\nsl_target = 80\n")
    fc = tmp_path / "f.csv"
    pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:30"],
                  "offered": [100, 100]}).to_csv(fc, index=False)
    res = runner.invoke(app, ["staff", str(fc), "-o", str(tmp_path / "r.csv"),
                              "--config", str(p), "--aht-s", "180"])
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "targets.sl_target" in res.stderr


def test_precedence_cli_over_queue_over_file(tmp_path):
    cfg = write(tmp_path, """
[targets]
sl_target = 0.8
sl_threshold_s = 20
[staffing]
aht_s = 180
[queues.vip]
sl_target = 0.95
""")
    fc = tmp_path / "f.csv"
    pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:30"] * 2,
                  "queue": ["std", "std", "vip", "vip"],
                  "offered": [100, 100, 100, 100]}).to_csv(fc, index=False)
    out = tmp_path / "r.csv"
    res = runner.invoke(app, ["staff", str(fc), "-o", str(out), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    # 100 calls / 30 min at 180 s = 10 Erl: 80/20 -> 14 (textbook); 95/20 -> 16
    # (15 agents give 94.15 %, 16 give 97.06 %: tests/test_erlang_formulas.py values)
    assert list(req["agents"]) == [14, 14, 16, 16]
    res = runner.invoke(app, ["staff", str(fc), "-o", str(out), "--config", str(cfg),
                              "--sl-target", "0.7"])
    assert list(pd.read_csv(out)["agents"]) == [13, 13, 13, 13]  # CLI wins: 79.6 % at 13


def test_init_writes_example_and_refuses_to_overwrite(tmp_path):
    p = tmp_path / "wfm.toml"
    assert runner.invoke(app, ["init", str(p)]).exit_code == 0
    assert p.read_text() == EXAMPLE
    res = runner.invoke(app, ["init", str(p)])
    assert res.exit_code == 2 and "already exists" in res.stderr


def test_one_occupancy_policy_for_staffing_and_the_scorecard(tmp_path):
    # issue 12: staffing's default cap is the scorecard's 90 % (one constant), overridable;
    # the engine's own ServiceTarget keeps no cap (formula results stay the textbook's)
    from wfmcore.config import Config
    from wfmcore.targets import MAX_OCCUPANCY, KpiTargets
    from wfmplan.staffing import read_forecast, staff_with_config

    assert MAX_OCCUPANCY == 0.90 == KpiTargets().max_occupancy
    assert Config().service_target().max_occupancy == MAX_OCCUPANCY
    assert ServiceTarget().max_occupancy is None
    cfg = load_config(write(tmp_path, "[targets]\nmax_occupancy = 0.95\n"))
    assert cfg.service_target().max_occupancy == 0.95
    assert Config().service_target(max_occupancy=1.0).max_occupancy == 1.0
    # 1000 calls in 30 min at 180 s = 100 Erlangs: 80/20 alone needs fewer than 112 agents,
    # at > 90 % occupancy; the cap needs ceil(100 / 0.9) = 112 (hand: 100/111 = 0.9009)
    fc = read_forecast(pd.DataFrame({"interval_start": ["2026-03-02 08:00"],
                                     "offered": [1000.0]}), interval_min=30)
    capped = staff_with_config(fc, Config(), aht_s=180, staffing_method="sipp").frame
    free = staff_with_config(fc, Config(), aht_s=180, staffing_method="sipp",
                             max_occupancy=1.0).frame
    assert int(capped["agents"].iloc[0]) == 112
    assert 100 / int(free["agents"].iloc[0]) > 0.9
