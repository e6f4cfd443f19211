"""Tests of the multi-skill simulator ``erlang.multiskill_sim``.

Expected values come from independent sources only:

* :func:`erlang.simulate.simulate` (the single-queue simulator, its own FCFS kernel): one type
  and one group must reproduce it call by call (same seed, same calls, same answer times);
* the Erlang C and Erlang A closed forms (``erlang.erlang_c.kpis``, ``erlang.erlang_a.kpis``)
  for one queue, for disjoint skills (each type its own queue) and for one all-skilled group
  (pooled: the number in system is that of M/M/N(+M) on the total traffic whatever the
  priority, so P(wait) of every type is the formula's, by PASTA, and so are the pooled
  abandonment and, without abandonment, the pooled mean wait);
* an exact continuous-time Markov chain of a small N-design, written and solved here
  (scipy.sparse), under the routing rule of :mod:`erlang.skills`;
* hand reasoning (common random numbers, overflow delays), written next to each test.

Simulation estimates are compared with exact values through their 95 % confidence interval
plus a small slack (a test fails by chance ~5 % of the time per comparison without it; seeds
are fixed, so every run is identical), and each test also requires the interval to be narrow,
so it cannot pass by being uninformative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve
from scipy.special import stdtrit

from erlang import erlang_a, erlang_c
from erlang.multiskill_sim import simulate_skills, stationary_kpis, stationary_warmup_s
from erlang.simulate import ratio_ci, simulate
from erlang.skills import AgentGroup, CallType, SkillsModel, fully_pooled, single_skill
from wfmcore.errors import InputError


def inside(est, lo, hi, exact, slack, max_width):
    """The exact value lies in the simulation's CI (+ slack) and the CI is informative."""
    assert hi - lo < max_width, f"CI too wide: [{lo}, {hi}]"
    assert lo - slack <= exact <= hi + slack, f"{exact} not in [{lo}, {hi}] (est {est})"


def row(frame, **where):
    sel = frame
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1
    return sel.iloc[0]


# --------------------------------------------------------------------------------------------
# One type, one group: the single-queue simulator and the Erlang formulas
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("patience_s", [None, 90.0])
def test_one_queue_call_by_call_equals_simulate(patience_s):
    # A day with rises and drops in staffing (including 0 agents) and a drain: the count
    # rule of erlang.simulate, replayed by its own FCFS kernel, must give the same calls and
    # the same answer times (both are exact IEEE arithmetic on the same floats).
    calls = np.array([40.0, 120.0, 90.0, 10.0, 150.0, 60.0])
    agents = np.array([3, 12, 5, 0, 14, 2])
    t = CallType("voice", aht_s=240.0, patience_s=patience_s, sl_threshold_s=30.0)
    ms = simulate_skills(single_skill([t]), calls[:, None], agents[:, None], 30,
                         replications=4, seed=11, keep_calls=True)
    ref = simulate(calls, 240.0, agents, 30, sl_threshold_s=30.0, patience_s=patience_s,
                   replications=4, seed=11, keep_calls=True)
    a, b = ms.calls, ref.calls
    assert len(a) == len(b) > 1000
    np.testing.assert_array_equal(a["arrival_s"].to_numpy(), b["arrival_s"].to_numpy())
    np.testing.assert_array_equal(a["start_s"].to_numpy(), b["start_s"].to_numpy())
    np.testing.assert_array_equal(a["outcome"].to_numpy(), b["outcome"].to_numpy())
    # and so the per-interval estimates agree (busy time is summed in another order)
    for col in ("offered", "answered", "abandoned", "service_level", "service_level_lo",
                "asa_s", "p_abandon", "p_wait"):
        np.testing.assert_allclose(ms.by_type[col], ref.intervals[col], rtol=1e-12)
    np.testing.assert_allclose(ms.by_group["occupancy"], ref.intervals["occupancy"],
                               rtol=1e-9)
    assert ms.n_calls == len(a)


@pytest.mark.parametrize("patience_s", [None, 150.0])
def test_one_queue_stationary_equals_erlang(patience_s):
    # 20 Erlangs (400 calls/h x 180 s) on 22 agents, T = 20 s: Erlang C / Erlang A.
    t = CallType("voice", aht_s=180.0, patience_s=patience_s, sl_threshold_s=20.0)
    res = stationary_kpis(single_skill([t]), [400.0], [22], hours=20.0, replications=20,
                          seed=5)
    if patience_s is None:
        f = erlang_c.kpis(22, 20.0, 180.0, 20.0)
    else:
        f = erlang_a.kpis(22, 20.0, 180.0, 20.0, patience_s)
    r = res.by_type.iloc[0]
    for kpi, slack, width in (("service_level", 0.004, 0.05), ("p_wait", 0.004, 0.06),
                              ("asa_s", 0.3, 0.25 * float(f["asa_s"]) + 1.0),
                              ("p_abandon", 0.001, 0.02)):
        inside(r[kpi], r[f"{kpi}_lo"], r[f"{kpi}_hi"], float(f[kpi]), slack, width)
    g = res.by_group.iloc[0]
    occ = float(f["occupancy"])     # Erlang A: (A - abandon rate x AHT) / N
    inside(g["occupancy"], g["occupancy_lo"], g["occupancy_hi"], occ, 0.002, 0.02)


def test_all_skilled_group_equals_pooled_erlang():
    # One group with both skills and the same AHT (180 s): the number of busy agents and
    # calls waiting is the M/M/N(+M) chain of the total traffic whatever the priority between
    # the types, so by PASTA each type waits with the formula's P(wait), and the pooled
    # abandonment (Erlang A) and the pooled mean wait (Erlang C, all answered) are the
    # formula's. 200 + 160 calls/h = 18 Erlangs on 22 agents; 20 replications of 40 h.
    for patience_s in (None, 150.0):
        types = [CallType("gold", 180.0, patience_s), CallType("std", 180.0, patience_s)]
        res = simulate_skills(fully_pooled(types), [[200.0 * 40, 160.0 * 40]] * 2, [[22]], 2400,
                              replications=20, seed=8, warmup_intervals=1)
        f = (erlang_c.kpis(22, 18.0, 180.0, 20.0) if patience_s is None
             else erlang_a.kpis(22, 18.0, 180.0, 20.0, patience_s))
        for typ in ("gold", "std"):
            r = row(res.type_totals, type=typ)
            inside(r["p_wait"], r["p_wait_lo"], r["p_wait_hi"], float(f["p_wait"]), 0.004,
                   0.06)
        per = res.per_replication.groupby("replication").sum(numeric_only=True)
        t_q = float(stdtrit(19, 0.975))
        if patience_s is None:
            num, den, exact, slack, width = ("wait_answered_s", "answered", f["asa_s"], 0.3,
                                             0.25 * float(f["asa_s"]) + 1.0)
        else:
            num, den, exact, slack, width = "abandoned", "offered", f["p_abandon"], 0.001, 0.02
        est, lo, hi = ratio_ci(per[num].to_numpy(), per[den].to_numpy(), t_q, False)
        inside(est, lo, hi, float(exact), slack, width)
        # static priority does separate the types: gold (first in the skill list) waits less
        gold, std = row(res.type_totals, type="gold"), row(res.type_totals, type="std")
        assert gold["asa_s_hi"] < std["asa_s_lo"]


def test_disjoint_skills_each_its_own_queue_and_common_random_numbers():
    # Two types, each with its own group: each is its own M/M/N+M queue (Erlang A).
    types = [CallType("sales", 240.0, 120.0), CallType("care", 150.0, None)]
    model = single_skill(types)
    res = stationary_kpis(model, [300.0, 480.0], [23, 22], hours=40.0, replications=20, seed=2)
    fa = erlang_a.kpis(23, 20.0, 240.0, 20.0, 120.0)
    fc = erlang_c.kpis(22, 20.0, 150.0, 20.0)
    for typ, f in (("sales", fa), ("care", fc)):
        r = row(res.by_type, type=typ)
        for kpi, slack, width in (("service_level", 0.004, 0.05), ("p_abandon", 0.001, 0.02)):
            inside(r[kpi], r[f"{kpi}_lo"], r[f"{kpi}_hi"], float(f[kpi]), slack, width)
    # common random numbers: another staffing of care's group leaves sales' calls as they
    # were, call by call (same arrivals, same answer times), and the care calls are the same
    # calls (same arrivals) with other answer times
    calls = [[150.0, 240.0], [100.0, 260.0]]
    one = simulate_skills(model, calls, [[12, 11], [9, 12]], 30, replications=3, seed=4,
                          keep_calls=True).calls
    two = simulate_skills(model, calls, [[12, 7], [9, 16]], 30, replications=3, seed=4,
                          keep_calls=True).calls
    s1, s2 = one[one["type"] == "sales"], two[two["type"] == "sales"]
    np.testing.assert_array_equal(s1["start_s"].to_numpy(), s2["start_s"].to_numpy())
    np.testing.assert_array_equal(one["arrival_s"].to_numpy(), two["arrival_s"].to_numpy())
    c1, c2 = one[one["type"] == "care"], two[two["type"] == "care"]
    assert not np.array_equal(c1["start_s"].to_numpy(), c2["start_s"].to_numpy())


# --------------------------------------------------------------------------------------------
# N-design against its exact Markov chain
# --------------------------------------------------------------------------------------------


def n_design_chain(lam1, lam2, n_a, n_b, mu_a1, mu_b1, mu_b2, th1, th2, q_max=30):
    """Stationary KPIs of the N-design under the routing of erlang.skills, exactly.

    Group A has skill 1 only; group B has skills (2, 1): primary 2, secondary 1. State
    (a1, b1, b2, q1, q2): A agents on type 1, B agents on 1 and on 2, calls waiting.
    Arriving 1: an idle A agent (the specialist), else an idle B agent, else waits.
    Arriving 2: an idle B agent, else waits. A freed A agent takes a waiting 1; a freed B
    agent takes a waiting 2 first, then a waiting 1. Waiting callers hang up at rate theta.
    Queues truncated at q_max (the mass there is < 1e-12 with these rates: checked).

    Returns P(wait) per type (PASTA: an arrival finds no agent it may take), P(abandon)
    per type (theta E[q] / lambda, Little), the occupancy of A and B, and the truncation mass.
    """
    states = {}
    for a1 in range(n_a + 1):
        for b1 in range(n_b + 1):
            for b2 in range(n_b + 1 - b1):
                full_b = b1 + b2 == n_b
                for q1 in range(q_max + 1 if (a1 == n_a and full_b) else 1):
                    for q2 in range(q_max + 1 if full_b else 1):
                        states[(a1, b1, b2, q1, q2)] = len(states)
    rows, cols, vals = [], [], []

    def add(s, target, rate):
        if rate > 0 and target in states:
            rows.append(states[s])
            cols.append(states[target])
            vals.append(rate)

    for s in states:
        a1, b1, b2, q1, q2 = s
        # arrivals
        if a1 < n_a:
            add(s, (a1 + 1, b1, b2, q1, q2), lam1)
        elif b1 + b2 < n_b:
            add(s, (a1, b1 + 1, b2, q1, q2), lam1)
        else:
            add(s, (a1, b1, b2, q1 + 1, q2), lam1)
        if b1 + b2 < n_b:
            add(s, (a1, b1, b2 + 1, q1, q2), lam2)
        else:
            add(s, (a1, b1, b2, q1, q2 + 1), lam2)
        # service ends
        add(s, (a1, b1, b2, q1 - 1, q2) if q1 > 0 else (a1 - 1, b1, b2, q1, q2), a1 * mu_a1)
        for rate, nb1, nb2 in ((b1 * mu_b1, b1 - 1, b2), (b2 * mu_b2, b1, b2 - 1)):
            if q2 > 0:
                target = (a1, nb1, nb2 + 1, q1, q2 - 1)
            elif q1 > 0:
                target = (a1, nb1 + 1, nb2, q1 - 1, q2)
            else:
                target = (a1, nb1, nb2, q1, q2)
            add(s, target, rate)
        # hang-ups
        add(s, (a1, b1, b2, q1 - 1, q2), q1 * th1)
        add(s, (a1, b1, b2, q1, q2 - 1), q2 * th2)
    n = len(states)
    gen = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    gen = gen - sp.diags(np.asarray(gen.sum(axis=1)).ravel())
    a = gen.T.tolil()
    a[0, :] = 1.0                                  # normalisation replaces one equation
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = spsolve(a.tocsc(), rhs)
    s = np.array(list(states), dtype=float)
    a1, b1, b2, q1, q2 = s.T
    full_b = b1 + b2 == n_b
    return {
        "p_wait_1": pi[(a1 == n_a) & full_b].sum(),
        "p_wait_2": pi[full_b].sum(),
        "p_abandon_1": th1 * (pi * q1).sum() / lam1,
        "p_abandon_2": th2 * (pi * q2).sum() / lam2,
        "occ_a": (pi * a1).sum() / n_a,
        "occ_b": (pi * (b1 + b2)).sum() / n_b,
        "edge_mass": pi[(q1 == q_max) | (q2 == q_max)].sum(),
    }


def test_n_design_matches_exact_chain():
    # 2 + 2 agents; type 1 (AHT 200 s, 20 % slower on B: 240 s; patience 180 s) answered
    # by A first, by B when A is busy; type 2 (AHT 150 s, patience 120 s) by B only, which
    # gives it priority. 40 and 30 calls/h.
    types = [CallType("t1", 200.0, 180.0), CallType("t2", 150.0, 120.0)]
    groups = [AgentGroup("A", ("t1",)), AgentGroup("B", ("t2", "t1"), aht_factor={"t1": 1.2})]
    model = SkillsModel(tuple(types), tuple(groups))
    exact = n_design_chain(40 / 3600, 30 / 3600, 2, 2, 1 / 200, 1 / 240, 1 / 150, 1 / 180,
                           1 / 120)
    assert exact["edge_mass"] < 1e-12
    res = stationary_kpis(model, [40.0, 30.0], [2, 2], hours=400.0, replications=20, seed=21)
    for k in (1, 2):
        r = row(res.by_type, type=f"t{k}")
        inside(r["p_wait"], r["p_wait_lo"], r["p_wait_hi"], exact[f"p_wait_{k}"], 0.001, 0.015)
        inside(r["p_abandon"], r["p_abandon_lo"], r["p_abandon_hi"], exact[f"p_abandon_{k}"],
               0.001, 0.01)
    for g in ("A", "B"):
        r = row(res.by_group, group=g)
        inside(r["occupancy"], r["occupancy_lo"], r["occupancy_hi"], exact[f"occ_{g.lower()}"],
               0.001, 0.01)


# --------------------------------------------------------------------------------------------
# Time-varying staffing, overflow delays, edges
# --------------------------------------------------------------------------------------------


def n_design(delay_s=0.0):
    types = [CallType("t1", 200.0, 180.0), CallType("t2", 200.0, 120.0)]
    groups = [AgentGroup("A", ("t1",)),
              AgentGroup("B", ("t2", "t1"), overflow_delay_s={"t1": delay_s})]
    return SkillsModel(tuple(types), tuple(groups))


def test_doubling_one_interval_cannot_worsen_any_type():
    # Same seed = same calls (CRN): more agents in interval 2 can only help (the difference
    # per replication is paired; its mean must not be below 0 beyond 3 standard errors), and
    # the interval doubled must improve clearly.
    model = n_design()
    calls = [[60.0, 50.0], [90.0, 70.0], [120.0, 90.0], [80.0, 60.0]]
    base = np.array([[8, 6], [10, 8], [9, 7], [9, 7]])
    more = base.copy()
    more[2] *= 2
    r0 = simulate_skills(model, calls, base, 30, replications=30, seed=9)
    r1 = simulate_skills(model, calls, more, 30, replications=30, seed=9)
    p0, p1 = r0.per_replication, r1.per_replication
    for typ in ("t1", "t2"):
        s0 = p0[p0["type"] == typ]
        s1 = p1[p1["type"] == typ]
        np.testing.assert_array_equal(s0["offered"], s1["offered"])       # the same calls
        d_sl = (s1["answered_within_threshold"].to_numpy()
                - s0["answered_within_threshold"].to_numpy()) / s0["offered"].to_numpy()
        d_ab = (s1["abandoned"].to_numpy() - s0["abandoned"].to_numpy()) / s0["offered"].to_numpy()
        se = lambda d: d.std(ddof=1) / math.sqrt(d.size)  # noqa: E731
        assert d_sl.mean() > -3 * se(d_sl) and d_sl.mean() > 0
        assert d_ab.mean() < 3 * se(d_ab) and d_ab.mean() < 0
        i0, i1 = row(r0.by_type, interval=2, type=typ), row(r1.by_type, interval=2, type=typ)
        assert i1["service_level_lo"] > i0["service_level_hi"]
    # interval 0 is untouched: its calls are all answered or gone long before interval 2
    # (they would have to wait 30 min; mean patience 180 s), so nothing of it has changed
    for col in ("service_level", "asa_s", "p_abandon"):
        np.testing.assert_array_equal(r0.by_type[col][:2], r1.by_type[col][:2])


def test_overflow_delay():
    # Type 1 reaches B only after waiting delay_s. With a delay longer than anybody waits
    # (1e6 s; patience 180 s) B never answers type 1; with no delay it does; with 15 s every
    # type-1 call B answers has waited at least 15 s, and some exactly 15 s: an agent of B
    # idle at that moment takes it then (the overflow event), not at its next completion.
    calls = [[180.0, 40.0]] * 4
    agents = [[5, 6]] * 4
    res = {d: simulate_skills(n_design(d), calls, agents, 30, replications=5, seed=3,
                              keep_calls=True) for d in (0.0, 15.0, 1e6)}
    def b_on_t1(r):
        return row(r.group_totals, group="B")["share_t1"]
    assert b_on_t1(res[1e6]) == 0.0
    assert row(res[1e6].type_totals, type="t1")["answered"] > 0
    assert b_on_t1(res[0.0]) > 0.05
    c = res[15.0].calls
    b1 = c[(c["group"] == "B") & (c["type"] == "t1")]
    assert len(b1) > 50
    assert (b1["wait_s"] >= 15.0 - 1e-9).all()
    assert (np.abs(b1["wait_s"] - 15.0) < 1e-9).sum() >= 5
    # group A (delay 0 for t1) answers calls with no wait at all
    a1 = c[(c["group"] == "A") & (c["type"] == "t1")]
    assert (a1["wait_s"] == 0).sum() > 20


def test_edges_zero_volume_zero_agents_and_no_drain():
    model = n_design()
    # no calls at all: offered 0, ratios NaN, occupancy 0
    res = simulate_skills(model, [[0.0, 0.0]] * 2, [[3, 3]], 15, replications=3)
    assert res.n_calls == 0
    assert (res.by_type["offered"] == 0).all() and res.by_type["service_level"].isna().all()
    assert (res.by_group["occupancy"] == 0).all()
    # nobody on duty, nobody hangs up: every call unserved, counted against service level
    patient = SkillsModel((CallType("x", 100.0),), (AgentGroup("g", ("x",)),))
    res = simulate_skills(patient, [[20.0]], [[0]], 30, replications=3, seed=1)
    r = res.type_totals.iloc[0]
    assert r["unserved"] == r["offered"] > 0 and r["service_level"] == 0.0
    # without the drain, the queue left at the end of the horizon is never answered
    res = simulate_skills(patient, [[200.0]], [[2]], 30, replications=3, seed=1, drain=False)
    r = res.type_totals.iloc[0]
    assert r["unserved"] > 100 and r["answered"] + r["unserved"] == r["offered"]
    res = simulate_skills(patient, [[200.0]], [[2]], 30, replications=3, seed=1)
    assert res.type_totals.iloc[0]["unserved"] == 0


def test_stationary_warmup_and_common_calls():
    model = n_design()
    # warm-up = 5 relaxation times tau. Without abandonment tau grows as the load nears the
    # agents: light load: tau = AHT (200 s); 40 + 60 calls/h: type t2 alone on B's 4 agents
    # at 3.33 Erlangs: tau = 200 / (2 - sqrt(3.33))^2 = 6,586 s (the Hall set {B}; the
    # whole centre, 5.56 Erlangs on 8 agents, gives 901 s), capped at the measured hours.
    patient = SkillsModel(tuple(CallType(t.name, t.aht_s) for t in model.types), model.groups)
    light = stationary_warmup_s(patient, np.array([20.0, 20.0]), np.array([5, 5]), 10.0)
    heavy = stationary_warmup_s(patient, np.array([40.0, 60.0]), np.array([4, 4]), 10.0)
    assert light == 5 * 200.0
    assert heavy == pytest.approx(5 * 200.0 / (2 - math.sqrt(60 * 200 / 3600)) ** 2)
    assert stationary_warmup_s(patient, np.array([40.0, 60.0]), np.array([4, 4]), 1.0) == 3600
    # with abandonment every caller leaves at rate >= min(1/AHT, 1/patience): tau <= 200 s
    assert stationary_warmup_s(model, np.array([80.0, 60.0]), np.array([4, 4]), 10.0) == 1000.0
    # the measured calls do not depend on the staffing (nor on its warm-up)
    a = stationary_kpis(patient, [40.0, 60.0], [4, 4], hours=5.0, replications=3, seed=1)
    b = stationary_kpis(patient, [40.0, 60.0], [6, 5], hours=5.0, replications=3, seed=1)
    assert a.warmup_s > b.warmup_s
    np.testing.assert_array_equal(a.by_type["offered"], b.by_type["offered"])
    assert (b.by_type["service_level"] > a.by_type["service_level"]).all()
    # the second call reused the first's drawn calls (a longer warm-up covers a shorter
    # one); drawn afresh, and with the longer warm-up first, the results are the same
    from erlang import multiskill_sim

    def run(agents):
        return stationary_kpis(patient, [40.0, 60.0], agents, hours=5.0, replications=3,
                               seed=1)

    multiskill_sim._DRAWS.clear()
    fresh_b = run([6, 5])                  # b's calls drawn for its own (shorter) warm-up
    fresh_a = run([4, 4])                  # a longer warm-up: the streams read further
    for got, ref in ((fresh_b, b), (fresh_a, a)):
        for frame, ref_frame in ((got.by_type, ref.by_type), (got.by_group, ref.by_group)):
            np.testing.assert_array_equal(frame.to_numpy(), ref_frame.to_numpy())


def test_bad_input_one_line_input_errors():
    model = n_design()
    cases = [
        (lambda: simulate_skills(model, [[1.0, 2.0, 3.0]], [[1, 1]], 15), "calls_per_interval"),
        (lambda: simulate_skills(model, [[1.0, -2.0]], [[1, 1]], 15), "calls_per_interval"),
        (lambda: simulate_skills(model, [[1.0, 2.0]], [[1, -1]], 15), "agents"),
        (lambda: simulate_skills(model, [[1.0, 2.0]], [[1.5, 1]], 15), "agents"),
        (lambda: simulate_skills(model, [[1.0, 2.0]] * 3, [[1, 1]] * 2, 15), "agents"),
        (lambda: simulate_skills(model, [[1.0, 2.0]], [[1, 1]], 0), "interval_min"),
        (lambda: simulate_skills(model, [[1.0, 2.0]], [[1, 1]], 15, replications=0),
         "replications"),
        (lambda: simulate_skills(model, [[1.0, 2.0]], [[1, 1]], 15, warmup_intervals=1),
         "warmup_intervals"),
        (lambda: simulate_skills(model, [[1.0, 2.0]], [[1, 1]], 15, drain="yes"), "drain"),
        (lambda: simulate_skills("model", [[1.0, 2.0]], [[1, 1]], 15), "model"),
        (lambda: stationary_kpis(model, [1.0], [1, 1]), "calls_per_hour"),
        (lambda: stationary_kpis(model, [1.0, 2.0], [1, 1], hours=-1), "hours"),
        (lambda: stationary_kpis(model, [1.0, 2.0], [[1, 1], [2, 2]]), "agents"),
        (lambda: stationary_kpis(model, [1.0, 2.0], [1, 1], replications=1.5), "replications"),
    ]
    for call, param in cases:
        with pytest.raises(InputError) as err:
            call()
        assert err.value.param == param
        assert "\n" not in str(err.value) and param in str(err.value)


# --------------------------------------------------------------------------------------------
# The routing rule on hand-made calls, and the kernel's reference (interpreted) version
# --------------------------------------------------------------------------------------------


def replay(model, arrival_s, ctype, agents, e_service=None, e_patience=None):
    """The kernel on given calls (one interval of 10 h, the staffing ``agents`` throughout)."""
    from erlang._kernels import compiled
    from erlang._multiskill_kernel import multiskill_kernel
    from erlang.multiskill_sim import _routing

    n = len(arrival_s)
    args = (np.asarray(arrival_s, float), np.asarray(ctype, np.int64), np.zeros(n, np.int64),
            np.ones(n) if e_service is None else np.asarray(e_service, float),
            np.ones(n) if e_patience is None else np.asarray(e_patience, float),
            np.array([36000.0]), np.array([agents, agents], np.int64), *_routing(model).args())
    out = compiled(multiskill_kernel)(*args)
    ref = multiskill_kernel(*args)                   # the same source, interpreted
    for a, b in zip(out, ref, strict=True):
        np.testing.assert_array_equal(a, b)
    return out


def test_routing_longest_idle_and_specialists_first():
    # Two groups with type x as primary skill, one agent each, AHT 100 s (unit draws 1).
    # 10 s: both idle since 0 -> the lower group number, G0 (busy to 110 s); 20 s: G1 (to
    # 120 s); 130 s: G0 has been idle since 110 s, G1 since 120 s -> G0; 131 s: G1.
    x = CallType("x", 100.0)
    two = SkillsModel((x,), (AgentGroup("G0", ("x",)), AgentGroup("G1", ("x",))))
    _, start, group, *_ = replay(two, [10.0, 20.0, 130.0, 131.0], [0, 0, 0, 0], [1, 1])
    np.testing.assert_array_equal(group, [0, 1, 0, 1])
    np.testing.assert_array_equal(start, [10.0, 20.0, 130.0, 131.0])
    # G0 has y first and x second, G1 has x first. An x call at 130 s goes to G1, the
    # specialist, although G0 has been idle longer; the next x call (131 s) to G0; an x call
    # waiting when G0 frees goes to G0 only if no y call waits (y is G0's priority).
    y = CallType("y", 100.0)
    spec = SkillsModel((x, y), (AgentGroup("G0", ("y", "x")), AgentGroup("G1", ("x",))))
    _, start, group, *_ = replay(spec, [20.0, 130.0, 131.0, 140.0, 150.0, 160.0],
                                 [1, 0, 0, 0, 1, 0], [1, 1])
    # y@20 -> G0 (to 120); x@130 -> G1 (to 230); x@131 -> G0 (to 231); x@140, y@150, x@160
    # wait; at 230 G1 frees and takes x@140 (its only skill); at 231 G0 frees: y@150 first.
    np.testing.assert_array_equal(group, [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(start, [20.0, 130.0, 131.0, 230.0, 231.0, 330.0])


def test_kernel_compiled_equals_interpreted_on_a_random_centre():
    # Three types, three groups with priorities, proficiency, overflow delays and patience;
    # random calls: the compiled kernel and the interpreted source agree call by call.
    types = (CallType("a", 120.0, 60.0), CallType("b", 200.0, None), CallType("c", 90.0, 30.0))
    groups = (AgentGroup("g0", ("a", "b")), AgentGroup("g1", ("b", "c", "a"),
                                                        aht_factor={"a": 1.3},
                                                        overflow_delay_s={"a": 20.0}),
              AgentGroup("g2", ("c",)))
    model = SkillsModel(types, groups)
    rng = np.random.default_rng(0)
    n = 600
    arrival = np.sort(rng.uniform(0, 36000.0 / 10, n))
    status, start, group, *_ = replay(model, arrival, rng.integers(0, 3, n), [2, 2, 1],
                                      rng.exponential(size=n), rng.exponential(size=n))
    assert {2, 3} <= set(status.tolist())           # answered and abandoned calls both
    assert set(group[group >= 0].tolist()) == {0, 1, 2}


def test_busy_time_shares_add_up():
    # Per group and interval the type shares of busy time sum to 1 (or are NaN when idle),
    # the long and wide forms agree, and busy time over the horizon is that of the intervals.
    res = simulate_skills(n_design(), [[60.0, 50.0], [90.0, 70.0]], [[6, 5], [8, 6]], 30,
                          replications=4, seed=2)
    g = res.by_group
    shares = g[["share_t1", "share_t2"]].fillna(0.0).sum(axis=1)
    np.testing.assert_allclose(shares[g["busy_s"] > 0], 1.0)
    assert g.loc[g["group"] == "A", "share_t2"].isna().all()        # A lacks t2
    gt = res.by_group_type
    b = gt[(gt["group"] == "B") & (gt["type"] == "t1")]["busy_share"].to_numpy()
    np.testing.assert_allclose(b, g[g["group"] == "B"]["share_t1"].to_numpy())
    np.testing.assert_allclose(res.group_totals["busy_s"],
                               g.groupby("group", sort=False)["busy_s"].sum().to_numpy())
    # calls answered by the groups add up to the calls answered of the types
    assert res.group_totals["answered"].sum() == pytest.approx(res.type_totals["answered"].sum())


def test_count_rule_per_group_at_staffing_drops():
    # The count convention, group by group: a call starts in group g only while fewer of g's
    # calls are in service than g's staffing at that moment (the drain keeps the last row);
    # calls in service are never cut (end = start + handle time). Checked call by call on
    # a day whose staffing rises and falls in both groups.
    agents = np.array([[6, 5], [2, 8], [7, 1], [0, 4], [5, 5]])
    res = simulate_skills(n_design(), [[60.0, 50.0]] * 5, agents, 30, replications=3, seed=6,
                          keep_calls=True)
    c = res.calls[res.calls["outcome"] == "answered"]
    assert (c["end_s"] > c["start_s"]).all()
    for (_, g), calls in c.groupby(["replication", "group"]):
        col = 0 if g == "A" else 1
        start, end = calls["start_s"].to_numpy(), calls["end_s"].to_numpy()
        iv = np.minimum((start // 1800).astype(int), agents.shape[0] - 1)
        in_service = ((start[None, :] <= start[:, None]) & (end[None, :] > start[:, None])).sum(1)
        assert (in_service <= agents[iv, col]).all()
        assert (agents[iv, col] > 0).all()
    # and the drops did bind: some call of A started after a drop, only once A was back
    # under its new staffing
    assert len(c[(c["group"] == "A") & (c["start_s"] >= 1800) & (c["start_s"] < 3600)]) > 0
