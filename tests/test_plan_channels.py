"""`wfm plan` checks each channel by its own model (issue 13) and runs with any number of
worker processes: a mixed queue (voice + chat + email) built from synthetic Poisson history
(forecast.synthetic.poisson_history)."""

import json

import numpy as np
import pandas as pd
import pytest
from html_tables import rows_after

from erlang import ServiceTarget, chat, kpis
from forecast.synthetic import poisson_history
from wfmcore.config import load_config
from wfmplan.plan import plan_options, run_plan

# chat: two chats per agent, 300 s a chat alone, 360 s each with two; email: 90 % within 8
# business hours (deferred work); voice: Erlang C 80/20 (the defaults)
CONFIG = ("[staffing]\naht_s_by_concurrency = [300, 360]\ndeadline_h = 8\n"
          "deadline_share = 0.9\n")
CHANNELS = (("voice", 1, 900.0, 240.0), ("chat", 2, 700.0, 300.0), ("email", 3, 300.0, 360.0))


def _history(root, channels, name, queues=None):
    """Six weeks Mon-Fri 08-18 at 60 minutes, one series per (queue,) channel."""
    parts = []
    for i, (ch, seed, per_day, aht) in enumerate(channels):
        f, _ = poisson_history(6, seed, open_hours=(8, 18), interval_min=60,
                               calls_per_day=per_day)
        f = f.assign(channel=ch, aht_s=aht)
        if queues:
            f = f.assign(queue=queues[i]).drop(columns="channel")
        parts.append(f)
    h = pd.concat(parts, ignore_index=True)
    h["interval_start"] = pd.to_datetime(h["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")
    path = root / f"{name}.csv"
    h.to_csv(path, index=False)
    return path


def html_table_after(text: str, marker: str) -> pd.DataFrame:
    """The first table after ``marker`` in an HTML page, as text cells."""
    head, *rows = rows_after(text, marker)
    return pd.DataFrame(rows, columns=head)


def _plan(root, history, name, config=None, workers=1, horizon="3d", replications=4):
    options = plan_options(config, model="weekday_avg4", horizon=horizon, workers=workers,
                           schedule={"replications": replications})
    return run_plan(history, root / name, options, config=config)


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    root = tmp_path_factory.mktemp("channels")
    (root / "wfm.toml").write_text(CONFIG)
    cfg = load_config(root / "wfm.toml")
    mixed = _plan(root, _history(root, CHANNELS, "mixed"), "mixed", cfg)
    voice = _plan(root, _history(root, CHANNELS[:1], "voice"), "voice", cfg)
    return mixed, voice


def test_chat_is_checked_by_erlang_chat(plans):
    mixed, _ = plans
    s = mixed.summary
    assert s["staffing_model_by_channel"] == {"voice": "erlang_c", "chat": "chat",
                                              "email": "deferred"}
    cov = mixed.coverage
    rows = cov[cov["channel"] == "chat"]
    # Erlang Chat (erlang.chat.kpis, the birth-death chain) at the agents the schedule puts
    # on the phones, at the load each interval was staffed for (arrival rate = load / the
    # AHT of a chat alone), calls-weighted: the plan's chat service level
    rate = rows["staffing_erl"].to_numpy() / 300.0
    k = chat.kpis(rows["on_phone_agents"].to_numpy(float), rate, [300.0, 360.0], 20.0, None)
    want = float(np.average(k["service_level"], weights=rows["offered"]))
    assert s["service_level_by_channel"]["chat"] == pytest.approx(want, rel=1e-9)
    assert s["service_level_by_channel"]["chat"] >= 0.8        # staffed to 80/20
    # the old check took each chat agent for one voice agent: far below the target
    voice_like = kpis(rows["on_phone_agents"].to_numpy(float), rows["staffing_erl"].to_numpy(),
                      300.0, ServiceTarget())["service_level"]
    assert float(np.average(voice_like, weights=rows["offered"])) < 0.5
    # the channel simulator (agents holding two chats) is near the formula: its routing
    # error is below a point (bench/RESULTS.md), the rest is carry-over and 4 replications
    assert s["sim_service_level_by_channel"]["chat"] == pytest.approx(want, abs=0.05)


def test_email_meets_its_deadline_share_and_stays_out_of_the_call_figures(plans):
    mixed, _ = plans
    s = mixed.summary
    assert s["deadline_by_channel"] == {"email": "90% within 8 business hours"}
    assert s["deferred_share_on_time"] >= 0.9
    assert s["share_on_time_by_channel"]["email"] == pytest.approx(
        s["deferred_share_on_time"])
    email = mixed.coverage[mixed.coverage["channel"] == "email"]
    assert email["service_level"].isna().all() and email["share_on_time"].notna().any()
    # the headline service level pools voice and chat only, by their calls
    calls = s["calls_by_channel"]
    by = s["service_level_by_channel"]
    pooled = (by["voice"] * calls["voice"] + by["chat"] * calls["chat"]) / (
        calls["voice"] + calls["chat"])
    assert s["service_level"] == pytest.approx(pooled, rel=1e-9)
    assert s["deferred_items"] == pytest.approx(calls["email"])


def test_email_rows_carry_their_deadline_window_and_the_schedule_says_how_it_was_used(plans):
    # wfm staff writes the window (8 one-hour intervals = 8 business hours) and the target on
    # the deferred rows only; the schedule names how the email unit was covered
    mixed, _ = plans
    req = mixed.requirements.frame
    email = req["channel"] == "email"
    assert (req.loc[email, "window_intervals"] == 8).all()
    assert (req.loc[email, "deadline_h"] == 8).all()
    assert (req.loc[email, "deadline_share"] == 0.9).all()
    assert (req.loc[email, "deferred_work_scale"] >= 1).all()
    for col in ("window_intervals", "deadline_h", "deadline_share", "deferred_work_scale"):
        assert req.loc[~email, col].isna().all()
    how = mixed.summary["deferred_by_unit"]
    assert list(how) == [u for u in how if "email" in u] and len(how) == 1
    assert how[next(iter(how))].startswith(("inside its deadline window",
                                            "covered per interval"))


def test_voice_figures_unchanged_by_the_other_channels(plans):
    # the same voice rows planned alone: the same forecast, staffing, shifts and check
    mixed, voice = plans
    s, v = mixed.summary, voice.summary
    assert s["service_level_by_channel"]["voice"] == pytest.approx(v["service_level"],
                                                                  rel=1e-12)
    assert s["sim_service_level_by_channel"]["voice"] == v["sim_service_level"]
    assert v["sim_service_level_by_channel"] == {"voice": v["sim_service_level"]}
    assert np.isnan(v["deferred_share_on_time"]) and v["share_on_time_by_channel"] == {}


def test_summary_json_report_and_workbook_show_the_channels(plans):
    mixed, _ = plans
    out = mixed.files[0].parent
    data = json.loads((out / "plan_summary.json").read_text())
    assert data["share_on_time_by_channel"]["email"] == pytest.approx(
        mixed.summary["share_on_time_by_channel"]["email"])
    assert data["service_level_by_channel"]["chat"] == pytest.approx(
        mixed.summary["service_level_by_channel"]["chat"])
    text = (out / "report.html").read_text()
    assert "Service by channel" in text and "90% within 8 business hours" in text
    table = html_table_after(text, "Service by channel")
    row = table.set_index("channel").loc["email"]
    assert row["share_on_time"] == f"{mixed.summary['deferred_share_on_time']:.1%}"
    book = pd.read_excel(out / "plan.xlsx", sheet_name="summary")
    values = dict(zip(book["quantity"], book["value"], strict=False))
    assert float(values["service_level_by_channel[chat]"]) == pytest.approx(
        mixed.summary["service_level_by_channel"]["chat"])


def test_results_do_not_depend_on_workers(tmp_path):
    # two voice queues planned with one worker process and with two: the same files
    hist = _history(tmp_path, [("voice", 4, 500.0, 240.0), ("voice", 5, 400.0, 200.0)],
                    "two", queues=["sales", "service"])
    one = _plan(tmp_path, hist, "one", workers=1, horizon="3d", replications=2)
    two = _plan(tmp_path, hist, "two_workers", workers=2, horizon="3d", replications=2)
    for name in ("forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv"):
        assert (tmp_path / "one" / name).read_bytes() == \
            (tmp_path / "two_workers" / name).read_bytes(), name
    timing = {"solve_time_s"}

    def untimed(path):
        # wall-clock solve times differ between runs; everything else must not
        summary = json.loads(path.read_text())
        summary["units"] = [{k: v for k, v in u.items() if k not in timing}
                            for u in summary.get("units", [])]
        return {k: v for k, v in summary.items() if k not in timing}

    a = untimed(tmp_path / "one" / "plan_summary.json")
    b = untimed(tmp_path / "two_workers" / "plan_summary.json")
    assert a == b
    assert one.summary["sim_service_level"] == two.summary["sim_service_level"]


def test_workers_option_is_checked():
    from wfmcore.errors import InputError
    from wfmplan.plan import PlanOptions
    assert PlanOptions(workers=2).workers == 2 and PlanOptions().workers is None
    with pytest.raises(InputError, match="workers must be a whole number >= 1"):
        PlanOptions(workers=0)
