"""Schedule check: service level of the schedule's coverage, by Erlang formula and simulation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import shifts
from erlang import ServiceTarget, kpis
from shifts import Rules, ShiftType
from shifts.check import CHECK_COLUMNS, check_service, on_phone_share
from shifts.requirements import check_requirements
from wfmcore import InputError

DATA = Path(__file__).parent / "data" / "shifts"
NO_BREAKS = Rules(shift_types=(ShiftType(name="4h", paid_min=240),))


@pytest.fixture(scope="module")
def staffed():
    # `wfm staff` output at shrinkage 0.3 (see tests/data/shifts/README.md)
    return pd.read_csv(DATA / "requirements_staffed.csv")


@pytest.fixture(scope="module")
def result(staffed):
    return shifts.schedule(staffed, replications=4, seed=7)


def test_shrinkage_inferred_from_the_file(staffed):
    # Made with shrinkage 0.3: every row satisfies agents / scheduled <= 1 - 0.3, and the
    # largest such ratio is the share used, so the check never assumes less shrinkage.
    q = on_phone_share(staffed.assign(queue=""))
    assert np.allclose(q, q[0]) and q[0] <= 0.7
    ratio = staffed["agents"] / staffed["scheduled_agents"]
    assert q[0] == pytest.approx(ratio.max())


def test_on_phone_agents_cover_the_erlang_requirement(result, staffed):
    cov = result.coverage
    assert list(cov.columns) == ["interval_start", "required", "scheduled", "over", "under",
                                 *CHECK_COLUMNS]
    assert (cov["under"] == 0).all()
    # covering scheduled_agents puts at least `agents` on the phones in every interval ...
    assert (cov["on_phone_agents"].to_numpy() >= staffed["agents"].to_numpy()).all()
    # ... so the achieved Erlang C service level is at least what `wfm staff` promised
    assert (cov["service_level"].to_numpy() >= staffed["service_level"].to_numpy() - 1e-12).all()
    # and it is Erlang C of those agents, recomputed independently
    k = kpis(cov["on_phone_agents"], staffed["traffic_erl"], staffed["aht_s"], ServiceTarget())
    assert np.allclose(cov["service_level"], k["service_level"])


def test_simulated_levels_and_intervals(result):
    cov, s = result.coverage, result.summary
    sim = cov["sim_service_level"]
    assert sim.between(0, 1).all()
    assert (cov["sim_service_level_lo"] <= sim + 1e-12).all()
    assert (sim <= cov["sim_service_level_hi"] + 1e-12).all()
    assert s["sim_replications"] == 4
    assert s["sim_service_level_lo"] <= s["sim_service_level"] <= s["sim_service_level_hi"]
    # the whole period is one day here: summary and day row agree
    assert result.days["sim_service_level"].iloc[0] == pytest.approx(s["sim_service_level"])
    # calls-weighted Erlang service level
    w = np.average(cov["service_level"], weights=pd.read_csv(
        DATA / "requirements_staffed.csv")["offered"])
    assert s["service_level"] == pytest.approx(w)
    text = "\n".join(shifts.summary_lines(s))
    assert "simulated service level" in text and "95 % CI" in text


def test_simulation_is_seeded(staffed, result):
    req, interval_min = check_requirements(staffed)
    again = check_service(result.coverage, req, interval_min, replications=4, seed=7)[2]
    assert again["sim_service_level"] == result.summary["sim_service_level"]
    other = check_service(result.coverage, req, interval_min, replications=4, seed=8)[2]
    assert other["sim_service_level"] != result.summary["sim_service_level"]


def test_simulation_agrees_with_erlang_on_a_flat_day():
    # Flat 8 h: 160 calls / 15 min at AHT 180 s is A = 32 Erl; 36 agents on the phones give
    # Erlang C SL(20 s) = 0.75066 (the textbook sum C = (A^N/N! N/(N-A)) / (sum_{k<N} A^k/k!
    # + A^N/N! N/(N-A)), SL = 1 - C exp(-(N-A) T/AHT), evaluated directly). Simulated from
    # an empty start, 20 replications: the whole-day estimate is within 0.04 of the formula
    # (start-up transient included).
    t = pd.date_range("2026-03-02 08:00", "2026-03-02 16:00", freq="15min", inclusive="left")
    req = pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"), "offered": 160.0,
                        "aht_s": 180.0, "agents": 36})
    res = shifts.schedule(req, NO_BREAKS, replications=20, seed=1)
    erl = float(kpis(36, 32.0, 180.0, ServiceTarget())["service_level"])
    assert res.summary["service_level"] == pytest.approx(erl)
    assert erl == pytest.approx(0.75066, abs=5e-5)
    assert res.summary["sim_service_level"] == pytest.approx(erl, abs=0.04)


def test_weekly_levels_are_the_ratio_of_each_weeks_totals():
    # three days in two calendar weeks (Fri 6 Mar, Mon 9 and Tue 10 Mar 2026): by_week has one
    # row per week; a week of one day is that day's level, and a week of two days is the
    # ratio of their totals: the calls-weighted mean of the two days' levels (the per-day
    # means per replication, sim_calls, are the weights), with an interval around it
    days = ["2026-03-06", "2026-03-09", "2026-03-10"]
    t = pd.DatetimeIndex([pd.Timestamp(f"{d} 08:00") + pd.Timedelta(minutes=15 * k)
                          for d in days for k in range(16)])
    offered = np.tile(np.r_[np.full(8, 120.0), np.full(8, 60.0)], 3) * np.repeat([1, 1, 1.5], 16)
    req = pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"), "offered": offered,
                        "aht_s": 180.0, "agents": np.ceil(offered / 5.0 + 3).astype(int)})
    res = shifts.schedule(req, NO_BREAKS, replications=2, seed=1)
    checked, interval_min = check_requirements(req)
    _, per_day, overall = check_service(res.coverage, checked, interval_min, replications=40,
                                        seed=3)
    weeks = overall["by_week"]
    assert weeks["week"].astype(str).tolist() == ["2026-03-02", "2026-03-09"]
    assert weeks["sim_service_level"].iloc[0] == pytest.approx(per_day["sim_service_level"].iloc[0])
    assert weeks["sim_service_level_lo"].iloc[0] == pytest.approx(
        per_day["sim_service_level_lo"].iloc[0])
    two = per_day.iloc[1:]
    pooled = np.average(two["sim_service_level"], weights=two["sim_calls"])
    assert weeks["sim_service_level"].iloc[1] == pytest.approx(pooled)
    assert weeks["sim_calls"].iloc[1] == pytest.approx(two["sim_calls"].sum())
    assert (weeks["sim_service_level_lo"] <= weeks["sim_service_level"]).all()
    assert (weeks["sim_service_level"] <= weeks["sim_service_level_hi"]).all()


def test_explicit_shrinkage_and_no_simulation(staffed):
    res = shifts.schedule(staffed, shrinkage=0.5, simulate=False)
    cov = res.coverage
    assert (cov["on_phone_agents"] == np.floor(cov["scheduled"] * 0.5 + 1e-9)).all()
    assert cov["sim_service_level"].isna().all() and res.summary["sim_replications"] == 0
    assert "not simulated" in "\n".join(shifts.summary_lines(res.summary))


def test_without_calls_the_check_is_skipped():
    req = pd.read_csv(DATA / "requirements_small.csv")
    res = shifts.schedule(req[req["interval_start"] < "2026-03-03"])
    assert "'offered'" in res.summary["service_check"]
    assert list(res.coverage.columns) == ["interval_start", "required", "scheduled", "over",
                                          "under"]
    assert "simulated service level  n/a" in "\n".join(shifts.summary_lines(res.summary))


@pytest.mark.parametrize(("kw", "match"), [({"replications": 0}, "replications must be a whole number >= 1"),
                                           ({"shrinkage": 1.0}, "shrinkage must be a share in")],
                         ids=["replications", "shrinkage"])
def test_bad_check_options(staffed, kw, match):
    with pytest.raises(InputError, match=match):
        shifts.schedule(staffed, **kw)


# --- each unit by its own model (issue 13) ---------------------------------------------------

def _unit_frames(unit, times, offered, aht_s, agents):
    """(coverage, checked requirements) of one unit with ``agents`` on the phones."""
    n = len(times)
    cov = pd.DataFrame({"queue": unit, "interval_start": pd.DatetimeIndex(times),
                        "scheduled": np.broadcast_to(agents, n).astype(int)})
    req = cov.rename(columns={"scheduled": "required"}).assign(
        offered=np.broadcast_to(offered, n).astype(float),
        aht_s=np.broadcast_to(aht_s, n).astype(float))
    return cov, req


def test_chat_unit_by_erlang_chat_and_voice_unit_unchanged():
    # A flat 8-hour day of chat: 120 chats / 30 min, AHT 240 s at one chat, 300 s at two;
    # 13 agents holding up to 2 chats (SL 93.4 %). The formula is Erlang Chat (erlang.chat.kpis, the
    # birth-death chain on the number of chats) at those agents; the simulator
    # (erlang.simulate_channels, least-loaded routing, from an empty start) agrees within
    # 0.04 (its documented routing error is below one point; the rest is the start-up and
    # the 20 replications' noise). A voice unit checked beside it keeps exactly the results
    # it has when checked alone (its own streams).
    from erlang import chat
    t = pd.date_range("2026-03-02 08:00", periods=16, freq="30min")
    chat_target = ServiceTarget(channel="chat", aht_s_by_concurrency=[240, 300])
    cov_c, req_c = _unit_frames("web / chat", t, 120.0, 240.0, 13)
    cov_v, req_v = _unit_frames("web / voice", t, 100.0, 180.0, 12)
    cov = pd.concat([cov_c, cov_v], ignore_index=True)
    req = pd.concat([req_c, req_v], ignore_index=True)
    per, _, overall = check_service(cov, req, 30, targets={"web / chat": chat_target},
                                    shrinkage=0.0, replications=20, seed=3)
    want = float(chat.kpis(13, 120.0 / 1800.0, [240, 300], 20.0, None)["service_level"])
    assert want == pytest.approx(0.93442, abs=1e-5)
    got = overall["by_unit"]["web / chat"]
    assert got["model"] == "chat"
    assert got["service_level"] == pytest.approx(want, rel=1e-12)
    assert np.allclose(per["service_level"].to_numpy()[:16], want, rtol=1e-12)
    assert got["sim_service_level"] == pytest.approx(want, abs=0.04)
    # treated as voice (one chat per agent), the same 13 agents could not carry 16 Erlangs
    voice_like = float(kpis(13, 120.0 * 240.0 / 1800.0, 240.0, ServiceTarget())["service_level"])
    assert voice_like < 0.05
    alone = check_service(cov_v, req_v, 30, shrinkage=0.0, replications=20, seed=3)
    assert overall["by_unit"]["web / voice"]["sim_service_level"] == \
        alone[2]["sim_service_level"]
    assert (per["sim_service_level"].to_numpy()[16:]
            == alone[0]["sim_service_level"].to_numpy()).all()
    # the pooled figures weigh the two units by their contacts
    pooled = (120 * 16 * want + 100 * 16 * alone[2]["service_level"]) / (220 * 16)
    assert overall["service_level"] == pytest.approx(pooled, rel=1e-12)


def test_deferred_unit_share_by_the_business_clock():
    # Email open Mon 08-10 and Fri 16-18 (1-hour intervals), deadline 1 business hour.
    # 20 items an hour arrive on Friday only, AHT 60 s (exponential); 400 agents on Monday
    # (no wait), none on Friday. An item of Fri 16:00-17:00 has more than an hour of Friday
    # business time left: late. One arriving at 17:00 + u has 3600 - u left on Friday, so u
    # on Monday: on time iff its handle time S <= u, P = 1 - (60/3600)(1 - e^-60) = 0.98333.
    # The week is repeated 4 times (DEFERRED_PERIODS); the last Friday's 17:00 items are due
    # after the horizon (censored), so the share is 3 x 0.98333 / 7 = 0.42143.
    from shifts.check import DEFERRED_PERIODS
    assert DEFERRED_PERIODS == 4
    t = pd.DatetimeIndex(["2026-03-02 08:00", "2026-03-02 09:00", "2026-03-06 16:00",
                          "2026-03-06 17:00"])
    cov, req = _unit_frames("mail", t, [0.0, 0.0, 20.0, 20.0], 60.0, [400, 400, 0, 0])
    target = ServiceTarget(channel="email", deadline_h=1.0, deadline_share=0.9)
    per, days, overall = check_service(cov, req, 60, targets={"mail": target},
                                       shrinkage=0.0, replications=30, seed=5)
    want = 3 * (1 - (60 / 3600) * (1 - np.exp(-60.0))) / 7
    assert overall["deferred_share_on_time_lo"] <= want <= overall["deferred_share_on_time_hi"]
    assert overall["deferred_share_on_time"] == pytest.approx(want, abs=0.03)
    assert overall["by_unit"]["mail"]["model"] == "deferred"
    # no interval KPI for deferred rows, and no call-weighted figure at all here
    assert per["service_level"].isna().all() and np.isnan(overall["service_level"])
    assert days.empty and np.isnan(overall["sim_service_level"])
    # per arrival interval: Friday 16:00 all late, 17:00 on time (4 periods of which the
    # last is censored: its share is over the 3 due ones)
    share = per["share_on_time"].to_numpy()
    assert share[2] == 0.0 and share[3] == pytest.approx(0.98333, abs=0.02)
    # no agents at all: nothing is done; simulated even without the call simulation
    cov0 = cov.assign(scheduled=0)
    none = check_service(cov0, req, 60, targets={"mail": target}, shrinkage=0.0,
                         simulate=False, replications=0)[2]
    assert none["deferred_share_on_time"] == 0.0
    with pytest.raises(InputError, match="needs deadline_h"):
        check_service(cov, req, 60, targets={"mail": ServiceTarget(channel="email")},
                      shrinkage=0.0)
