"""wfm plan estimates chat handle time by concurrency from the history (issue 13).

Expected values: the estimator itself (erlang.chat_history, checked against simulated
exports in test_chat_history.py), called on the same rows; the true list [300, 400, 450] s
the export was simulated with (within 3.5 standard errors)."""

import numpy as np
import pytest
from test_chat_history import simulated_history

import forecast as fc
from erlang.chat_history import estimate_aht_by_concurrency
from wfmcore.config import load_config
from wfmplan.plan import chat_aht_from_history
from wfmplan.scorecard import read_history

TRUE_AHT = [300.0, 400.0, 450.0]


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    frame = simulated_history(TRUE_AHT, days=60)
    frame["channel"] = "chat"
    frame["offered"] = frame["handled"]
    path = tmp_path_factory.mktemp("chat") / "history.csv"
    frame.to_csv(path, index=False)
    return path, frame


def kpi(path):
    return read_history(path).frame


def config(tmp_path, text):
    p = tmp_path / "wfm.toml"
    p.write_text(text)
    return load_config(p)


def test_chat_queue_without_a_list_gets_the_estimate(export, tmp_path):
    path, frame = export
    cfg = config(tmp_path, "[staffing]\nconcurrency = 3\n")
    hist = fc.read_history(path)
    new, notes, found = chat_aht_from_history(kpi(path), hist, cfg, {})
    direct = estimate_aht_by_concurrency(frame.drop(columns=["channel"]), 3)
    assert new.queues["chat"]["aht_s_by_concurrency"] == direct.aht_s_by_concurrency
    assert found == {"chat / chat": list(direct.aht_s_by_concurrency)}
    # and near the truth, within 3.5 of the estimator's standard errors (calibrated in
    # test_chat_history.py; 60 simulated days here)
    assert np.all(np.abs(np.array(found["chat / chat"]) - TRUE_AHT)
                  < 3.5 * np.array(direct.se_s))
    assert len(notes) == 1 and "estimated from the history's mean_concurrency" in notes[0]
    # the target staffing then uses: the chat model with the estimated list
    t = new.service_target("chat").for_channel("chat")
    assert t.model == "chat" and t.aht_s_by_concurrency == direct.aht_s_by_concurrency
    assert cfg.queues == {}                       # the caller's config is left as it was


def test_a_given_list_or_one_chat_at_a_time_is_left_alone(export, tmp_path):
    path, _ = export
    hist = fc.read_history(path)
    given = config(tmp_path, "[queues.chat]\naht_s_by_concurrency = [200, 250, 300]\n")
    assert chat_aht_from_history(kpi(path), hist, given, {})[1:] == ([], {})
    single = config(tmp_path, "[staffing]\nconcurrency = 1\n")
    assert chat_aht_from_history(kpi(path), hist, single, {})[1:] == ([], {})


def test_no_concurrency_column_changes_nothing(export, tmp_path):
    _, frame = export
    path = tmp_path / "plain.csv"
    frame.drop(columns=["mean_concurrency"]).to_csv(path, index=False)
    cfg = config(tmp_path, "[staffing]\nconcurrency = 3\n")
    new, notes, found = chat_aht_from_history(kpi(path), fc.read_history(path), cfg, {})
    assert new is cfg and notes == [] and found == {}
