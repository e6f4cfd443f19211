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
