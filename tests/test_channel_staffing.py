"""Every channel staffed by its own model (issue 13): the vocabulary (wfm.toml keys, one-line
errors), the engine's dispatch by channel, `wfm staff` on a file with a channel column and
`wfm erlang --model`. The formulas themselves are checked in test_erlang_x.py / test_chat.py."""

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from typer.testing import CliRunner

from cli import app
from erlang import chat, erlang_a, erlang_x, kpis, required_agents
from erlang.erlang_c import agents_for_deadline, p_response_gt
from erlang.erlang_c import kpis as erlang_c_kpis
from wfmcore.config import load_config
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget
from wfmplan.staffing import read_forecast, staff, staff_with_config

runner = CliRunner()

# CCmath's published Erlang X example: 4 calls/min, AHT 3 min, patience 1 min, 100 lines,
# 14 agents; CCmath enters the 20 s threshold as 0.333 min (see test_erlang_x.py)
CCMATH_X = dict(sl_threshold_s=0.333 * 60, patience_s=60.0, lines=100,
                sl_convention="virtual")


def test_model_follows_the_channel_and_the_settings():
    assert ServiceTarget().model == "erlang_c"
    assert ServiceTarget(patience_s=60).model == "erlang_a"
    assert ServiceTarget(lines=20).model == "erlang_x"
    assert ServiceTarget(redial_share=0.3, patience_s=60).model == "erlang_x"
    assert ServiceTarget(channel="chat").model == "chat"
    assert ServiceTarget(channel="message").model == "chat"
    for ch in ("email", "callback", "backoffice", "deferred"):
        assert ServiceTarget(channel=ch).model == "deferred"
    # a file's channel applies only when the target names none; unknown channels are voice
    assert ServiceTarget().for_channel("chat").model == "chat"
    assert ServiceTarget(channel="voice").for_channel("chat").model == "erlang_c"
    assert ServiceTarget().for_channel("social").model == "erlang_c"
    assert ServiceTarget(aht_s_by_concurrency=[180, 210]).concurrency == 2


@pytest.mark.parametrize("kw, message", [
    (dict(concurrency=0), "concurrency must be a whole number >= 1"),
    (dict(concurrency=3, aht_s_by_concurrency=[180, 200]),
     r"aht_s_by_concurrency has 2 value\(s\) but concurrency is 3"),
    (dict(aht_s_by_concurrency=[]), "aht_s_by_concurrency must list at least one"),
    (dict(aht_s_by_concurrency=[180, -1]), r"aht_s_by_concurrency\[1\] must be > 0 seconds"),
    (dict(aht_s_by_concurrency="180"), "aht_s_by_concurrency must be a list of seconds"),
    (dict(redial_share=1.0), r"redial_share must be a share in \[0, 1\)"),
    (dict(lines=0), "lines must be a whole number >= 1"),
    (dict(deadline_h=0), "deadline_h must be > 0"),
    (dict(deadline_share=0), r"deadline_share must be a share in \(0, 1\]"),
    (dict(channel="fax"), "channel must be one of voice, chat"),
    (dict(channel="chat", redial_share=0.2), "redial_share is a voice setting"),
    (dict(redial_delay_s=60), "redial_delay_s needs redial_share > 0"),
    (dict(redial_share=0.2, redial_delay_s=0), "redial_delay_s must be > 0 seconds"),
])
def test_bad_channel_settings_are_one_line_errors(kw, message):
    with pytest.raises(InputError, match=message) as exc:
        ServiceTarget(**kw)
    assert "\n" not in str(exc.value)


def test_wfm_toml_channel_keys_per_queue(tmp_path):
    cfg = tmp_path / "wfm.toml"
    cfg.write_text('[queues.web]\nchannel = "chat"\naht_s_by_concurrency = [180, 210, 240]\n'
                   'patience_s = 60\n[queues.mail]\nchannel = "email"\ndeadline_h = 8\n'
                   'deadline_share = 0.9\n')
    c = load_config(cfg)
    web = c.service_target("web")
    assert web.model == "chat" and web.concurrency == 3
    assert web.aht_s_by_concurrency == (180.0, 210.0, 240.0)
    mail = c.service_target("mail")
    assert (mail.model, mail.deadline_h, mail.deadline_share) == ("deferred", 8.0, 0.9)
    cfg.write_text('[queues.web]\nconcurrency = 0\n')
    with pytest.raises(InputError, match=r"wfm.toml: key 'queues.web.concurrency' must be a "
                                         "whole number >= 1"):
        load_config(cfg)


def test_dispatch_reproduces_ccmath_erlang_x_and_chat():
    # Erlang X: SL 87.97 %, ASA 0.10 min, abandonment 7.43 %, occupancy 79.34 % (CCmath)
    k = kpis(14, 12.0, 180.0, ServiceTarget(**CCMATH_X))
    assert round(float(k["service_level"]), 4) == 0.8797
    assert round(float(k["asa_s"]) / 60, 2) == 0.10
    assert round(float(k["p_abandon"]), 4) == 0.0743
    assert round(float(k["occupancy"]), 4) == 0.7934
    # Erlang Chat: 4 chats/min, AHT 3/3.5/4 min, 5 agents: abandonment 15.44 %, occupancy
    # 86.78 %, ASA 0.22 min (CCmath); the load passed is chats x AHT of a chat alone
    chat = ServiceTarget(channel="chat", aht_s_by_concurrency=[180, 210, 240], **CCMATH_X)
    k = kpis(5, 4 / 60 * 180, 180.0, chat)
    assert round(float(k["p_abandon"]), 4) == 0.1544
    assert round(float(k["occupancy"]), 4) == 0.8678
    assert round(float(k["asa_s"]) / 60, 2) == 0.22


def test_chat_with_one_handle_time_is_n_times_c_servers():
    # the same AHT at every concurrency: death rate min(n, N c) / AHT, Erlang C with N c
    # servers; so the agents are ceil(servers / c) and the KPIs those of N c servers
    loads = np.array([0.4, 3.0, 12.0, 47.5, 180.0])
    target = ServiceTarget(channel="chat", concurrency=3)
    servers = required_agents(loads, 240.0, ServiceTarget())
    assert (required_agents(loads, 240.0, target) == np.ceil(servers / 3)).all()
    k = kpis(7, 12.0, 240.0, target)
    ref = erlang_c_kpis(21, 12.0, 240.0, 20.0)
    assert float(k["service_level"]) == pytest.approx(float(ref["service_level"]), rel=1e-12)
    assert float(k["occupancy"]) == pytest.approx(12.0 / 21, rel=1e-12)
    # with patience: Erlang A with N c servers
    ta = ServiceTarget(channel="chat", concurrency=2, patience_s=90.0, max_abandon=0.05)
    ref = erlang_a.kpis(16, 12.0, 240.0, 20.0, 90.0)
    assert float(kpis(8, 12.0, 240.0, ta)["p_abandon"]) == pytest.approx(
        float(ref["p_abandon"]), rel=1e-12)


def test_erlang_x_dispatch_equals_the_module():
    target = ServiceTarget(patience_s=120.0, lines=30, redial_share=0.4)
    loads = np.array([5.0, 15.0, 22.0])
    assert (required_agents(loads, 200.0, target)
            == erlang_x.required_agents(loads, 200.0, target, lines=30,
                                        redial_share=0.4)).all()
    k = kpis(20, 15.0, 200.0, target)
    ref = erlang_x.kpis(20, 15.0, 200.0, 20.0, 120.0, lines=30, redial_share=0.4)
    assert float(k["p_block"]) == float(ref["p_block"]) > 0
    # with a redial delay the engine uses the exact retrial chain of the module
    delayed = replace(target, redial_delay_s=30.0)
    assert (required_agents(loads, 200.0, delayed)
            == erlang_x.required_agents(loads, 200.0, delayed, lines=30, redial_share=0.4,
                                        redial_delay_s=30.0)).all()
    k = kpis(20, 15.0, 200.0, delayed)
    ref = erlang_x.kpis(20, 15.0, 200.0, 20.0, 120.0, lines=30, redial_share=0.4,
                        redial_delay_s=30.0)
    assert float(k["service_level"]) == float(ref["service_level"])
    assert float(k["service_level"]) != float(kpis(20, 15.0, 200.0, target)["service_level"])


def test_response_time_tail_against_a_numeric_convolution():
    # P(W + S > t) = P(S > t) + int_0^t P(W > t - s) f_S(s) ds, P(W > u) = C e^{-theta u}
    for n, a, aht, t in [(12, 10.0, 300.0, 900.0), (11, 10.0, 300.0, 600.0),   # theta = mu
                         (30, 24.5, 420.0, 3600.0), (3, 0.2, 60.0, 30.0)]:
        c = float(erlang_c_kpis(n, a, aht, 0.0)["p_wait"])
        theta, mu = (n - a) / aht, 1 / aht
        num = np.exp(-mu * t) + quad(lambda s, c=c, theta=theta, t=t, mu=mu:
                                     c * np.exp(-theta * (t - s)) * mu * np.exp(-mu * s),
                                     0, t)[0]
        assert float(p_response_gt(n, a, aht, t)) == pytest.approx(num, rel=1e-9)
    assert float(p_response_gt(10, 10.0, 300.0, 600.0)) == 1.0       # unstable: never done


def test_agents_for_deadline_is_the_smallest_meeting_the_share():
    loads = np.array([0.0, 0.3, 4.0, 20.0, 63.2])
    n = agents_for_deadline(loads, 360.0, 8 * 3600.0, 0.95)
    assert n[0] == 0
    for a, m in zip(loads[1:], n[1:], strict=True):
        assert p_response_gt(m, a, 360.0, 8 * 3600.0) <= 0.05
        assert m - 1 <= a or p_response_gt(m - 1, a, 360.0, 8 * 3600.0) > 0.05
    # a deadline of an hour at AHT 30 min: P(S > 1 h) = e^-2 = 13.5 % > 5 %: impossible
    with pytest.raises(InputError, match="deadline_h of 1 h is too short"):
        agents_for_deadline(2.0, 1800.0, 3600.0, 0.95)


def _mixed_forecast(tmp_path):
    times = pd.date_range("2026-03-02 09:00", periods=8, freq="30min").strftime("%Y-%m-%d %H:%M")
    rows = []
    for ch, calls, aht in (("voice", 100.0, 180.0), ("chat", 120.0, 240.0)):
        rows += [dict(interval_start=t, channel=ch, offered=calls, aht_s=aht) for t in times]
    path = tmp_path / "forecast.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_staff_picks_the_model_by_the_file_channel(tmp_path):
    path = _mixed_forecast(tmp_path)
    req = staff(read_forecast(path), ServiceTarget(concurrency=2))
    f = req.frame
    assert f.groupby("channel")["staffing_model"].first().to_dict() == {
        "voice": "erlang_c", "chat": "chat"}
    voice = f[f.channel == "voice"]
    chat = f[f.channel == "chat"]
    # voice: Erlang C at the modified offered load of a flat day = its own load, 10 Erlangs
    assert (voice["agents"] == required_agents(voice["staffing_erl"].to_numpy(), 180.0,
                                               ServiceTarget())).all()
    # chat: 2 slots per agent with the same handle time: ceil(Erlang C servers / 2)
    servers = required_agents(chat["staffing_erl"].to_numpy(), 240.0, ServiceTarget())
    assert (chat["agents"].to_numpy() == np.ceil(servers / 2)).all()
    assert "erlang_c" in req.model and "chat" in req.model
    assert any("chat staffed at 2 chat(s) per agent" in n for n in req.notes)


def test_config_channel_overrides_for_a_queue(tmp_path):
    path = _mixed_forecast(tmp_path)
    cfg = tmp_path / "wfm.toml"
    cfg.write_text("[staffing]\nconcurrency = 3\naht_s_by_concurrency = [240, 270, 300]\n")
    req = staff_with_config(read_forecast(path), load_config(cfg))
    chat = req.frame[req.frame.channel == "chat"]
    from erlang import chat as erlang_chat
    want = erlang_chat.required_agents(chat["staffing_erl"].to_numpy() / 240.0,
                                       [240, 270, 300], ServiceTarget())
    assert (chat["agents"].to_numpy() == want).all()


def test_cli_erlang_models():
    # Erlang X through the command line: the CCmath example (JSON keys extend the contract)
    res = runner.invoke(app, ["erlang", "--calls", "240", "--interval-min", "60", "--aht-s",
                              "180", "--patience-s", "60", "--lines", "100", "--sl-threshold-s",
                              "19.98", "--sl-convention", "virtual", "--agents", "14", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["model"] == "erlang_x" and round(out["service_level"], 4) == 0.8797
    assert "p_block" in out
    res = runner.invoke(app, ["erlang", "--model", "chat", "--calls", "240", "--interval-min",
                              "60", "--aht-s-by-concurrency", "180,210,240", "--patience-s",
                              "60", "--lines", "100", "--sl-convention", "virtual", "--agents",
                              "5", "--json"])
    assert res.exit_code == 0, res.output
    assert round(json.loads(res.stdout)["p_abandon"], 4) == 0.1544
    # least-loaded routing staffs 4 where even spread staffs 3 (the case of
    # test_chat_routing_reaches_the_chat_model: 96 chats an hour, AHT 120 / 200 s)
    for routing, agents in (("even", 3), ("least_loaded", 4)):
        res = runner.invoke(app, ["erlang", "--model", "chat", "--calls", "96",
                                  "--interval-min", "60", "--aht-s-by-concurrency", "120,200",
                                  "--patience-s", "60", "--chat-routing", routing, "--json"])
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["agents"] == agents
    # deferred: 200 items an hour x 6 min = 20 Erlangs of work, 95 % within 8 h: 21 agents
    res = runner.invoke(app, ["erlang", "--model", "deferred", "--calls", "200",
                              "--interval-min", "60", "--aht-s", "360", "--deadline-h", "8",
                              "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["model"], out["agents"]) == ("deferred", 21)
    assert out["share_on_time"] >= 0.95
    res = runner.invoke(app, ["erlang", "--model", "deferred", "--calls", "200",
                              "--interval-min", "60", "--aht-s", "360"])
    assert res.exit_code == 2 and "deadline_h (--deadline-h)" in res.output
    res = runner.invoke(app, ["erlang", "--model", "fax", "--traffic-erl", "3", "--aht-s", "60"])
    assert res.exit_code == 2 and "model (--model) must be one of auto, x, chat, deferred" in res.output


def test_staff_deferred_rows_meet_the_deadline_share(tmp_path):
    # two business days 8-18 of email (30-min intervals), 95 % within 4 business hours:
    # the capacity is the deadline programme's (erlang.deferred), the night is closed time
    day = pd.date_range("2026-03-02 08:00", "2026-03-02 17:30", freq="30min")
    times = day.append(day + pd.Timedelta(days=1))
    items = np.where(times.hour < 12, 30.0, 10.0)
    path = tmp_path / "mail.csv"
    pd.DataFrame({"interval_start": times.strftime("%Y-%m-%d %H:%M"), "channel": "email",
                  "offered": items, "aht_s": 360.0}).to_csv(path, index=False)
    with pytest.raises(InputError, match="needs deadline_h"):
        staff(read_forecast(path), ServiceTarget())
    req = staff(read_forecast(path), ServiceTarget(deadline_h=4, deadline_share=0.95))
    f = req.frame
    assert (f["staffing_model"] == "deferred").all()
    assert f["service_level"].isna().all()
    work_agent_h = float((items * 360.0).sum() / 3600.0)
    agent_h = float(f["agents"].sum() * 0.5)
    # cyclic weeks: every item is done (on time or late), so the capacity covers the work;
    # whole agents over 40 intervals of 30 items x 6 min: 72 agent-hours exactly suffice,
    # and a smoothed plan needs well below the peak staffing that following the arrivals
    # would (30 items x 6 min / 30 min = 6 agents)
    assert agent_h >= work_agent_h - 1e-9
    assert agent_h <= work_agent_h + 0.5 * 40 * 0.5
    assert f["agents"].max() < 6
    assert any("deferred work, 95% within 4 business hours" in n for n in req.notes)


def test_chat_routing_reaches_the_chat_model():
    # expected: erlang.chat with the same routing; the case where the routings staff
    # differently (1.6 chats a minute, AHT 120 / 200 s, 2 chats: even 3, least-loaded 4, found
    # by a brute-force scan in test_chat.py)
    even = ServiceTarget(channel="chat", aht_s_by_concurrency=(120.0, 200.0), patience_s=60.0)
    least = replace(even, chat_routing="least_loaded")
    load = np.array([1.6 / 60 * 120.0])           # Erlangs at the one-chat handle time
    for t in (even, least):
        ref = chat.required_agents(1.6 / 60, (120.0, 200.0), replace(t, min_agents=0),
                                   routing=t.chat_routing)
        assert required_agents(load, 120.0, t)[0] == np.asarray(ref).item()
    assert (required_agents(load, 120.0, even)[0], required_agents(load, 120.0, least)[0]) == (
        3, 4)
    with pytest.raises(InputError, match="chat_routing must be one of even, least_loaded"):
        ServiceTarget(chat_routing="random")


def _blend_files(tmp_path, toml: str):
    """Two business days 8-18 of hourly intervals: voice queue sales (Erlang C 80/20, AHT
    300 s) and email (deferred, 60 items an hour of 300 s: the blending chain's closed form,
    the 2-D chain is checked in test_blending.py), with a wfm.toml."""
    day = pd.date_range("2026-03-02 08:00", "2026-03-02 17:00", freq="60min")
    times = day.append(day + pd.Timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    calls = np.tile([75.0, 100, 120, 120, 100, 90, 100, 110, 90, 60], 2)
    frame = pd.concat([
        pd.DataFrame({"interval_start": times, "queue": "sales", "channel": "voice",
                      "offered": calls, "aht_s": 300.0}),
        pd.DataFrame({"interval_start": times, "queue": "email", "channel": "email",
                      "offered": 60.0, "aht_s": 300.0})])
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    (tmp_path / "wfm.toml").write_text(toml)
    return read_forecast(path), load_config(tmp_path / "wfm.toml")


def test_blending_takes_deferred_work_from_voice_idle_time(tmp_path):
    from erlang.blending import best_threshold
    from erlang.erlang_c import kpis as c_kpis
    from wfmplan.staffing import blending_figures, staff_blended
    plain_toml = "[queues.email]\ndeadline_h = 8\n"
    forecast, plain = _blend_files(tmp_path, plain_toml)
    _, blend = _blend_files(tmp_path, plain_toml + 'blend_with = "sales"\n')
    without = staff_blended(forecast, plain).frame
    with_ = staff_blended(forecast, blend).frame
    assert "blend_threshold" not in without.columns
    voice = with_[with_["queue"] == "sales"]
    mail = with_[with_["queue"] == "email"]
    # voice keeps its agents; per interval the threshold is best_threshold's for the floor
    # "one point below Erlang C at those agents, and at least 80 %" with occupancy <= 0.9
    assert (voice["agents"].to_numpy() == without[without["queue"] == "sales"]["agents"]
            .to_numpy()).all()
    for _, row in voice.iloc[[0, 3]].iterrows():
        n, a = int(row["agents"]), float(row["staffing_erl"])
        base = float(c_kpis(n, a, 300.0, 20)["service_level"])
        choice = best_threshold(n, a, 300.0, max(base - 0.01, 0.8), aht_out_s=300.0,
                                max_occupancy=0.9)
        assert row["blend_threshold"] == choice.threshold
        assert row["blend_service_level"] == pytest.approx(choice.kpis["service_level"])
        assert row["blend_service_level_without"] == pytest.approx(base)
    assert (voice["blend_service_level"] >= voice["blend_service_level_without"] - 0.01
            - 1e-12).all()
    # email: own agents + the voice team's idle time cover the work (cyclic: all of it is
    # done), and the own requirement drops by about the idle time used
    work_h = 60 * 300 / 3600 * 20
    used_h = float(mail["blend_used_agents"].sum())
    own_h = float(mail["agents"].sum())
    plain_h = float(without[without["queue"] == "email"]["agents"].sum())
    assert used_h > 0 and own_h + used_h >= work_h - 1e-6
    assert own_h <= plain_h - math.floor(used_h) + 1
    assert (mail["blend_used_agents"] <= mail["blend_free_agents"] + 1e-9).all()
    fig = blending_figures(with_, 60)
    assert fig["blended_agent_h"] == pytest.approx(used_h)
    assert fig["blend_voice_service_level_without"] - fig["blend_voice_service_level"] <= 0.01


@pytest.mark.parametrize("toml, message", [
    ('[queues.email]\ndeadline_h = 4\nblend_with = "support"\n',
     "blend_with' names queue 'support', which is not in"),
    ('[queues.sales]\nblend_with = "sales"\n', "queue sales has no deferred work"),
    ('[queues.email]\ndeadline_h = 4\nblend_with = "email"\n', "which has no voice rows"),
])
def test_blending_settings_are_one_line_errors(tmp_path, toml, message):
    from wfmplan.staffing import staff_blended
    forecast, config = _blend_files(tmp_path, toml)
    with pytest.raises(InputError, match=message) as err:
        staff_blended(forecast, config)
    assert "\n" not in str(err.value)


def test_blend_keys_need_blend_with(tmp_path):
    (tmp_path / "wfm.toml").write_text("[queues.email]\nblend_max_occupancy = 0.8\n")
    with pytest.raises(InputError, match="needs 'queues.email.blend_with'"):
        load_config(tmp_path / "wfm.toml")
    (tmp_path / "wfm.toml").write_text("[queues.email]\nblend_max_occupancy = 80\n")
    with pytest.raises(InputError, match="blend_max_occupancy"):
        load_config(tmp_path / "wfm.toml")


def test_plan_with_blending_reports_it_and_checks_email_with_the_idle_time(tmp_path):
    # wfm plan on three days of voice (queue bank) and email (queue mail, blend_with bank):
    # the summary's blending figures are the requirements' (blending_figures), voice moves
    # by at most a point, and the email check simulates its own agents plus the voice
    # team's idle time (blend_free_agents) and meets the share
    from forecast.synthetic import poisson_history
    from wfmplan.plan import plan_options, run_plan
    from wfmplan.staffing import blending_figures
    parts = []
    for queue, seed, per_day, aht in (("bank", 1, 900.0, 240.0), ("mail", 3, 300.0, 240.0)):
        f, _ = poisson_history(6, seed, open_hours=(8, 18), interval_min=60,
                               calls_per_day=per_day)
        parts.append(f.assign(queue=queue, aht_s=aht))
    h = pd.concat(parts, ignore_index=True)
    h["interval_start"] = pd.to_datetime(h["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")
    h.to_csv(tmp_path / "h.csv", index=False)
    (tmp_path / "wfm.toml").write_text('[queues.mail]\nchannel = "email"\ndeadline_h = 8\n'
                                       'deadline_share = 0.9\nblend_with = "bank"\n')
    cfg = load_config(tmp_path / "wfm.toml")
    options = plan_options(cfg, model="weekday_avg4", horizon="3d", workers=1,
                           schedule={"replications": 2})
    res = run_plan(tmp_path / "h.csv", tmp_path / "out", options, config=cfg)
    s = res.summary
    fig = blending_figures(res.requirements.frame, 60)
    assert s["blended_agent_h"] == pytest.approx(fig["blended_agent_h"]) and fig[
        "blended_agent_h"] > 0
    assert s["blend_voice_service_level_without"] - s["blend_voice_service_level"] <= 0.01
    assert s["deferred_share_on_time"] >= 0.9
    summary = json.loads((tmp_path / "out" / "plan_summary.json").read_text())
    assert summary["blended_agent_h"] == pytest.approx(s["blended_agent_h"])
