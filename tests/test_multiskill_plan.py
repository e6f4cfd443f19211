"""Multi-skill staffing of a forecast file (wfmplan/multiskill.py, issue 14).

Expected values: the single-queue Erlang requirement (erlang.staffing.required_agents, a
published formula) where groups are disjoint; an independent simulation (fresh seeds) of the
staffing found; the file's own rows for the bookkeeping.
"""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from erlang import ServiceTarget, required_agents
from erlang.multiskill_sim import stationary_kpis
from erlang.multiskill_staffing import simulation_oracle, staff_skills
from erlang.skills import single_skill
from wfmcore.config import load_config
from wfmcore.errors import InputError
from wfmplan.multiskill import SkillOptions, staff_skills_file, staff_skills_forecast
from wfmplan.staffing import read_forecast

GROUPS_N = """
[groups.english]
skills = ["en"]
[groups.bilingual]
skills = ["es", "en"]
"""
GROUPS_DISJOINT = """
[groups.english]
skills = ["en"]
[groups.spanish]
skills = ["es"]
"""


def forecast_file(tmp_path, en=(12, 18), es=(6, 9), channel=None):
    rows = []
    for i, (a, b) in enumerate(zip(en, es, strict=True)):
        t = f"2026-03-02 08:{30 * i:02d}"
        rows.append({"interval_start": t, "queue": "en", "offered": a, "aht_s": 300})
        rows.append({"interval_start": t, "queue": "es", "offered": b, "aht_s": 240})
    frame = pd.DataFrame(rows)
    if channel is not None:
        frame["channel"] = channel
    path = tmp_path / "forecast.csv"
    frame.to_csv(path, index=False)
    return path


def config(tmp_path, groups, extra=""):
    p = tmp_path / "wfm.toml"
    p.write_text(extra + groups)
    return load_config(p)


def test_disjoint_groups_need_the_single_queue_erlang_answer(tmp_path):
    # each group serves one type alone: the exact oracle's least staffing is the Erlang C
    # requirement of that queue (sipp: each interval at its own load)
    cfg = config(tmp_path, GROUPS_DISJOINT, "[staffing]\nstaffing_method = \"sipp\"\n")
    res = staff_skills_forecast(read_forecast(forecast_file(tmp_path)), cfg,
                                options=SkillOptions(oracle="exact"))
    target = ServiceTarget()
    for when, calls_en, calls_es in (("2026-03-02 08:00", 12, 6), ("2026-03-02 08:30", 18, 9)):
        g = res.groups[res.groups["interval_start"] == when].set_index("queue")["agents"]
        # load in Erlangs = calls x AHT / 1800 s
        assert g["english"] == required_agents(calls_en * 300 / 1800, 300, target)
        assert g["spanish"] == required_agents(calls_es * 240 / 1800, 240, target)
        i = res.intervals.set_index("interval_start").loc[when]
        assert i["agents"] == i["single_skill_agents"] == g.sum()
    assert res.types["met"].all()


def test_n_design_meets_every_target_in_a_fresh_simulation(tmp_path):
    cfg = config(tmp_path, GROUPS_N, "[queues.en]\npatience_s = 180\n"
                                      "[queues.es]\npatience_s = 180\n")
    fc = forecast_file(tmp_path, en=(120, 150), es=(40, 50))
    out = tmp_path / "requirements.csv"
    res = staff_skills_file(fc, out, config=cfg)
    assert out.exists() and (tmp_path / "requirements_by_type.csv").exists()
    written = pd.read_csv(out)
    assert list(written["queue"].unique()) == ["english", "bilingual"]
    assert (written["staffing_model"] == "multiskill").all()
    for when in res.intervals["interval_start"]:
        types = res.types[res.types["interval_start"] == when]
        agents = res.groups[res.groups["interval_start"] == when]["agents"].to_numpy()
        model = res.model
        model = type(model)(tuple(replace(t, aht_s=a) for t, a in
                                  zip(model.types, types["aht_s"], strict=True)), model.groups)
        # fresh seeds, longer runs: the check (lower bound >= target - 1 point)
        check = stationary_kpis(model, types["calls_per_hour"].to_numpy(), agents,
                                hours=20, replications=10, seed=987_654)
        assert (check.by_type["service_level_lo"].to_numpy() >= 0.80 - 0.01).all()
        i = res.intervals.set_index("interval_start").loc[when]
        # the skills can only help: never more agents than dedicated groups staffed by the
        # same search and criterion (the simulator's lower bound; single_skill_agents is the
        # formula at the point target, which can be lower); full pooling is a floor
        cph = types["calls_per_hour"].to_numpy()
        dedicated = single_skill(model.types)
        alone = staff_skills(dedicated, cph, oracle=simulation_oracle(
            dedicated, cph, seed=1)).total_agents
        assert i["pooled_agents"] <= i["agents"] <= alone


def test_same_answer_for_equal_intervals_and_any_split(tmp_path):
    cfg = config(tmp_path, GROUPS_N)
    fc = read_forecast(forecast_file(tmp_path, en=(30, 30), es=(10, 10)))
    one = staff_skills_forecast(fc, cfg, options=SkillOptions(hours=4, replications=4),
                                workers=1)
    two = staff_skills_forecast(fc, cfg, options=SkillOptions(hours=4, replications=4),
                                workers=2)
    pd.testing.assert_frame_equal(one.groups, two.groups)
    pd.testing.assert_frame_equal(one.types, two.types)
    # both intervals carry the same load from a steady state (MOL): the same staffing
    a, b = (one.groups[one.groups["interval_start"] == t]["agents"].to_numpy()
            for t in ("2026-03-02 08:00", "2026-03-02 08:30"))
    np.testing.assert_array_equal(a, b)


def test_zero_volume_interval_needs_nobody(tmp_path):
    cfg = config(tmp_path, GROUPS_N)
    res = staff_skills_forecast(read_forecast(forecast_file(tmp_path, en=(0, 12),
                                                            es=(0, 4))), cfg)
    first = res.groups[res.groups["interval_start"] == "2026-03-02 08:00"]
    assert (first["agents"] == 0).all()


@pytest.mark.parametrize("groups, extra, channel, message", [
    ("", "", None, "no agent groups"),
    ("[groups.g]\nskills = [\"en\", \"fr\"]\n", "", None,
     r"wfm.toml: \[groups\]: group g: skill 'fr' is not a call type"),
    ("[groups.g]\nskills = [\"en\"]\n", "", None, "call type 'es' has no group"),
    (GROUPS_N.replace('"en"', '"en / chat"').replace('"es"', '"es / chat"'), "", "chat",
     "staffed by the chat model"),
])
def test_bad_groups_are_one_line_errors(tmp_path, groups, extra, channel, message):
    cfg = config(tmp_path, groups, extra)
    with pytest.raises(InputError, match=message) as err:
        staff_skills_forecast(read_forecast(forecast_file(tmp_path, channel=channel)), cfg)
    assert "\n" not in str(err.value)
