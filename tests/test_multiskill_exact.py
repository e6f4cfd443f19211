"""The exact multi-skill chain (erlang.multiskill_exact) against independent answers.

Independent sources: the closed forms of Erlang C and Erlang A (erlang.erlang_c /
erlang.erlang_a, themselves checked against published tables in test_erlang_formulas.py),
balance equations written out by hand for a 1 + 1 agent N-design, and Little's law (the
tagged-call absorption gives the waits; the stationary queue lengths give them again).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_multiskill_sim import n_design_chain  # an independent chain (its own code)

from erlang import erlang_a, erlang_c
from erlang.multiskill_exact import UnstableError, exact_distribution, exact_kpis
from erlang.skills import AgentGroup, CallType, SkillsModel, fully_pooled, single_skill
from wfmcore.errors import InputError

TOL = 1e-10


def _n_design(patience=(300.0, 200.0), factor=1.2):
    """Group A answers type a only; group F answers b first, then a (with a proficiency)."""
    types = (CallType("a", aht_s=200, patience_s=patience[0]),
             CallType("b", aht_s=150, patience_s=patience[1]))
    return SkillsModel(types, (AgentGroup("A", ("a",)),
                               AgentGroup("F", ("b", "a"), aht_factor={"a": factor})))


@pytest.mark.parametrize("agents,calls_per_hour", [(4, 60.0), (5, 60.0), (8, 60.0),
                                                   (12, 200.0)])
def test_one_group_one_type_is_erlang_c(agents, calls_per_hour):
    # expected: erlang_c.kpis, the M/M/N closed form
    t = CallType("a", aht_s=180, sl_threshold_s=20)
    r = exact_kpis(single_skill([t]), [calls_per_hour], [agents])
    a = calls_per_hour * 180 / 3600
    e = erlang_c.kpis(agents, a, 180, 20)
    for key in ("service_level", "p_wait", "occupancy", "p_abandon"):
        got = r.occupancy[0] if key == "occupancy" else getattr(r, key)[0]
        assert got == pytest.approx(float(e[key]), abs=TOL), key
    assert r.asa_s[0] == pytest.approx(float(e["asa_s"]), rel=TOL)
    # no abandonment: mean wait of all calls = ASA
    assert r.mean_wait_s[0] == pytest.approx(float(e["asa_s"]), rel=TOL)
    assert r.tail_mass <= 1e-12


@pytest.mark.parametrize("agents,patience_s,threshold_s", [(1, 120.0, 20.0), (3, 120.0, 20.0),
                                                           (5, 60.0, 30.0), (8, 600.0, 10.0),
                                                           (2, 30.0, 0.0)])
def test_one_group_one_type_is_erlang_a(agents, patience_s, threshold_s):
    # expected: erlang_a.kpis (offered convention: answered within T / offered)
    t = CallType("a", aht_s=180, patience_s=patience_s, sl_threshold_s=threshold_s)
    r = exact_kpis(single_skill([t]), [60.0], [agents])
    e = erlang_a.kpis(agents, 3.0, 180, threshold_s, patience_s)
    for key in ("service_level", "p_wait", "p_abandon"):
        assert getattr(r, key)[0] == pytest.approx(float(e[key]), abs=TOL), key
    assert r.occupancy[0] == pytest.approx(float(e["occupancy"]), abs=TOL)
    assert r.asa_s[0] == pytest.approx(float(e["asa_s"]), rel=1e-9)


def test_one_all_skilled_group_equal_aht_is_pooled_erlang_c():
    # Equal AHT and one group: the number of calls in the system is the M/M/N birth-death
    # chain of the total load whatever the priority between types, so (Erlang C of the total):
    # every type's P(wait) = C (PASTA: all see the same agents), the call-weighted mean wait
    # = ASA (the priority only reorders the queue), occupancy = A / N.
    types = [CallType("a", aht_s=180), CallType("c", aht_s=180, sl_threshold_s=0)]
    lam = np.array([40.0, 30.0])
    n = 6
    r = exact_kpis(fully_pooled(types), lam, [n])
    a = lam.sum() * 180 / 3600
    e = erlang_c.kpis(n, a, 180, 20)
    np.testing.assert_allclose(r.p_wait, float(e["p_wait"]), atol=TOL)
    assert lam @ r.mean_wait_s / lam.sum() == pytest.approx(float(e["asa_s"]), rel=TOL)
    assert r.occupancy[0] == pytest.approx(a / n, abs=TOL)
    # threshold 0: answered without waiting = 1 - C for the lowest-priority type too
    assert r.service_level[1] == pytest.approx(1 - float(e["p_wait"]), abs=TOL)
    # the first type in the skill list waits less than the pooled FCFS queue, the last more
    assert r.mean_wait_s[0] < float(e["asa_s"]) < r.mean_wait_s[1]


def test_one_all_skilled_group_equal_patience_is_pooled_erlang_a():
    # As above with abandonment at one patience for all: the total is Erlang A's chain, so
    # P(wait) per type and the call-weighted abandonment are Erlang A's of the total load.
    types = [CallType("a", aht_s=240, patience_s=90), CallType("b", aht_s=240, patience_s=90)]
    lam = np.array([50.0, 25.0])
    n = 4
    r = exact_kpis(fully_pooled(types), lam, [n])
    a = lam.sum() * 240 / 3600
    e = erlang_a.kpis(n, a, 240, 20, 90)
    np.testing.assert_allclose(r.p_wait, float(e["p_wait"]), atol=TOL)
    assert lam @ r.p_abandon / lam.sum() == pytest.approx(float(e["p_abandon"]), abs=TOL)
    assert r.occupancy[0] == pytest.approx(float(e["occupancy"]), abs=TOL)


def test_disjoint_skills_are_separate_single_queues():
    # expected: each type its own Erlang C / A queue (its group serves nobody else)
    # (two types: the chain does not decompose, so every extra queue multiplies its states)
    types = [CallType("a", aht_s=180), CallType("b", aht_s=300, patience_s=120,
                                                  sl_threshold_s=30)]
    lam = np.array([50.0, 20.0])
    agents = np.array([4, 3])
    r = exact_kpis(single_skill(types), lam, agents)
    for k, t in enumerate(types):
        a = lam[k] * t.aht_s / 3600
        if t.patience_s is None:
            e = erlang_c.kpis(agents[k], a, t.aht_s, t.sl_threshold_s)
        else:
            e = erlang_a.kpis(agents[k], a, t.aht_s, t.sl_threshold_s, t.patience_s)
        assert r.service_level[k] == pytest.approx(float(e["service_level"]), abs=TOL)
        assert r.p_wait[k] == pytest.approx(float(e["p_wait"]), abs=TOL)
        assert r.p_abandon[k] == pytest.approx(float(e["p_abandon"]), abs=TOL)
        assert r.occupancy[k] == pytest.approx(float(e["occupancy"]), abs=TOL)
        assert r.asa_s[k] == pytest.approx(float(e["asa_s"]), rel=1e-9)


def test_one_plus_one_n_design_balance_equations_by_hand():
    # 1 agent in A (skill a), 1 in F (skills b, a; a at 1.2 x AHT). States written as
    # (A busy with a, F busy with b, F busy with a, queue a, queue b). Rates per second.
    m = _n_design()
    cph = np.array([30.0, 20.0])
    d = exact_distribution(m, cph, [1, 1])
    la, lb = cph / 3600
    mu_aa, mu_fb, mu_fa = 1 / 200, 1 / 150, 1 / 240
    th_b = 1 / 200   # (type a's patience, 300 s, enters none of the equations below)
    cols = ["busy[A,a]", "busy[F,b]", "busy[F,a]", "queue[a]", "queue[b]"]
    p = {tuple(int(v) for v in row[cols]): row["p"] for _, row in d.iterrows()}

    def pr(*s):
        return p.get(s, 0.0)

    assert sum(p.values()) == pytest.approx(1.0, abs=1e-14)
    # every state keeps the routing's invariant: a queue only where its groups are busy
    for (aa, fb, fa, qa, qb) in p:
        assert qa == 0 or (aa == 1 and fb + fa == 1)
        assert qb == 0 or fb + fa == 1
    # empty: out (la + lb); in: any of the three completions with nothing waiting
    assert (la + lb) * pr(0, 0, 0, 0, 0) == pytest.approx(
        mu_aa * pr(1, 0, 0, 0, 0) + mu_fb * pr(0, 1, 0, 0, 0) + mu_fa * pr(0, 0, 1, 0, 0),
        rel=1e-10)
    # A busy with a, F idle: an a-arrival from empty goes to A (its primary); F's completions
    # with nothing waiting lead here
    assert (la + lb + mu_aa) * pr(1, 0, 0, 0, 0) == pytest.approx(
        la * pr(0, 0, 0, 0, 0) + mu_fb * pr(1, 1, 0, 0, 0) + mu_fa * pr(1, 0, 1, 0, 0),
        rel=1e-10)
    # F busy with a, A idle: reached when A finishes while F is on a, or when a b waiting
    # behind F's a-call hangs up (an a-arrival never goes to F while A is idle); out:
    # a-arrival to A, b-arrival waits, F finishes
    assert (la + lb + mu_fa) * pr(0, 0, 1, 0, 0) == pytest.approx(
        mu_aa * pr(1, 0, 1, 0, 0) + th_b * pr(0, 0, 1, 0, 1), rel=1e-10)
    # F busy with b, A idle, one b waiting. In: a b-arrival to (0,1,0,0,0); A finishing with
    # nothing of a waiting; one of two waiting b's hanging up; F finishing (on b or on a)
    # with two b's waiting and taking one. Out: a-arrival (to A), b-arrival (queue 2), F
    # finishing (takes the waiting b), the waiting b hanging up.
    assert (la + lb + mu_fb + th_b) * pr(0, 1, 0, 0, 1) == pytest.approx(
        lb * pr(0, 1, 0, 0, 0) + mu_aa * pr(1, 1, 0, 0, 1) + 2 * th_b * pr(0, 1, 0, 0, 2)
        + mu_fb * pr(0, 1, 0, 0, 2) + mu_fa * pr(0, 0, 1, 0, 2), rel=1e-10)
    # both busy, one a and one b waiting: F finishing takes b (its first skill)
    assert pr(1, 0, 1, 1, 1) > 0
    r = exact_kpis(m, cph, [1, 1])
    # type b waits iff F is busy; type a iff both are (PASTA)
    p_f_busy = sum(v for s, v in p.items() if s[1] + s[2] == 1)
    p_both = sum(v for s, v in p.items() if s[0] == 1 and s[1] + s[2] == 1)
    assert r.p_wait[1] == pytest.approx(p_f_busy, abs=1e-12)
    assert r.p_wait[0] == pytest.approx(p_both, abs=1e-12)
    assert r.occupancy[0] == pytest.approx(sum(v for s, v in p.items() if s[0]), abs=1e-12)


@pytest.mark.parametrize("agents", [[1, 1], [2, 3], [3, 1]])
def test_tagged_call_agrees_with_littles_law(agents):
    # The waits come from the tagged call's absorption; Little's law gives them from the
    # stationary queue: lambda_k E[time in queue] = E[q_k], lambda_k P(abandon) = theta E[q_k]
    m = _n_design()
    cph = np.array([60.0, 40.0])
    r = exact_kpis(m, cph, agents)
    lam = cph / 3600
    np.testing.assert_allclose(lam * r.mean_wait_s, r.mean_queue, rtol=1e-9)
    np.testing.assert_allclose(lam * r.p_abandon, r.mean_queue / np.array([300.0, 200.0]),
                               rtol=1e-9)
    # service level: between answered at once and answered at all
    assert np.all(1 - r.p_wait <= r.service_level)
    assert np.all(r.service_level <= 1 - r.p_abandon)


def test_service_level_tends_to_answered_share_for_long_thresholds():
    # P(answered within T) -> P(answered) = 1 - P(abandon) as T grows (here T = 1e5 s,
    # 500 x the patience: the remaining waits are e^-500 unlikely)
    m = _n_design()
    types = tuple(CallType(t.name, t.aht_s, t.patience_s, sl_threshold_s=1e5) for t in m.types)
    long = SkillsModel(types, m.groups)
    r = exact_kpis(long, [60.0, 40.0], [2, 3])
    np.testing.assert_allclose(r.service_level, 1 - r.p_abandon, atol=1e-10)


def test_zero_calls_and_idle_groups():
    # no calls: nobody waits, service level 1 (nothing missed), agents idle
    r = exact_kpis(_n_design(), [0.0, 0.0], [2, 1])
    np.testing.assert_array_equal(r.p_wait, 0.0)
    np.testing.assert_array_equal(r.service_level, 1.0)
    np.testing.assert_array_equal(r.occupancy, 0.0)
    # a group with 0 agents is never idle: b then queues for F alone = Erlang A for b
    m = _n_design()
    r = exact_kpis(m, [0.0, 40.0], [0, 2])
    e = erlang_a.kpis(2, 40 * 150 / 3600, 150, 20, 200)
    assert r.service_level[1] == pytest.approx(float(e["service_level"]), abs=TOL)


def test_refusals():
    m = _n_design()
    delayed = SkillsModel(m.types, (m.groups[0], AgentGroup("F", ("b", "a"),
                                                             overflow_delay_s={"a": 10})))
    with pytest.raises(InputError, match="overflow delays of 0") as e:
        exact_kpis(delayed, [60, 40], [2, 2])
    assert e.value.param == "overflow_delay_s"
    with pytest.raises(InputError, match="states"):
        exact_kpis(m, [600, 400], [40, 40], max_states=10_000)
    impatient = single_skill([CallType("a", aht_s=180)])
    with pytest.raises(UnstableError, match="without bound"):
        exact_kpis(impatient, [60.0], [3])        # 3 Erlangs on 3 agents: null recurrent
    with pytest.raises(InputError, match="one column per group"):
        exact_kpis(m, [60, 40], [2, 2, 2])


def test_n_design_equals_an_independently_written_chain():
    # issue 14: "a 2-type N-design small enough for an exact Markov chain matches it to
    # 1e-6". Expected values: the chain written state by state in test_multiskill_sim.py
    # (n_design_chain, its own enumeration of (a1, b1, b2, q1, q2) and its own solve), which
    # shares no code with erlang.multiskill_exact. 2 + 2 agents, 40 and 30 calls an hour.
    types = (CallType("t1", 200.0, 180.0), CallType("t2", 150.0, 120.0))
    model = SkillsModel(types, (AgentGroup("A", ("t1",)),
                                AgentGroup("B", ("t2", "t1"), aht_factor={"t1": 1.2})))
    ref = n_design_chain(40 / 3600, 30 / 3600, 2, 2, 1 / 200, 1 / 240, 1 / 150, 1 / 180,
                         1 / 120)
    got = exact_kpis(model, [40.0, 30.0], [2, 2])
    for k in (0, 1):
        assert got.p_wait[k] == pytest.approx(ref[f"p_wait_{k + 1}"], abs=1e-6)
        assert got.p_abandon[k] == pytest.approx(ref[f"p_abandon_{k + 1}"], abs=1e-6)
    assert got.occupancy[0] == pytest.approx(ref["occ_a"], abs=1e-6)
    assert got.occupancy[1] == pytest.approx(ref["occ_b"], abs=1e-6)


def test_a_type_nobody_on_duty_may_take_is_unstable_or_abandons():
    # no agent for es, callers who never hang up: no stationary law (the staffing search
    # takes it as every target missed); with patience the es callers all hang up
    types = (CallType("en", aht_s=300), CallType("es", aht_s=240))
    model = single_skill(types)
    with pytest.raises(UnstableError, match="call type es has calls and no agent on duty"):
        exact_kpis(model, [16.0, 3.5], [2, 0])
    patient = single_skill((types[0], CallType("es", aht_s=240, patience_s=60.0)))
    r = exact_kpis(patient, [16.0, 3.5], [2, 0])
    assert r.p_abandon[1] == pytest.approx(1.0, abs=1e-12)   # nobody answers: all hang up
    # en is then its own Erlang C queue with 2 agents (the closed form)
    e = erlang_c.kpis(2, 16 * 300 / 3600, 300, 20)
    assert r.service_level[0] == pytest.approx(float(e["service_level"]), abs=1e-10)
