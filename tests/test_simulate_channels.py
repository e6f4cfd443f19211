"""Tests of the channel simulator ``erlang.simulate_channels`` (finite lines, redials, chat).

Expected values come from (a) the project's voice formulas where the brief asks for them
(``erlang.erlang_a``, ``erlang.erlang_c``, ``erlang.erlang_b``), (b) the exact stationary
distribution of the Markov chain each case describes, solved here (birth-death chain on the
number of chats for the balanced routing, the per-agent-count chain for least-loaded routing,
the server x orbit chain of the M/M/1/1 retrial queue), with the waits of a tagged contact
from its own absorbing chain, (c) hand calculations written next to the test, and (d)
:func:`erlang.simulate.simulate`, which the one-slot case must reproduce call by call.

Simulation estimates are compared with the exact value through their confidence interval
(plus a small slack for the 5 % of intervals that miss), and each test also requires the
interval to be narrow, so it cannot pass by being uninformative. Seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm, null_space

from erlang import _kernels, erlang_a, erlang_b, erlang_c
from erlang.simulate import simulate
from erlang.simulate_channels import channel_kernel, simulate_channel
from wfmcore.errors import InputError

# --------------------------------------------------------------------------------------------
# Exact values of the chains (independent of the code under test)
# --------------------------------------------------------------------------------------------


def balanced_rate(s: int, agents: int, aht_s: list[float]) -> float:
    """Completion rate with ``s`` chats in service spread evenly over ``agents``:
    s = q N + r, r agents hold q + 1 and N - r hold q, each chat of an agent holding k
    finishing at rate 1 / AHT[k]."""
    if s == 0:
        return 0.0
    q, r = divmod(s, agents)
    rate = r * (q + 1) / aht_s[q] if r else 0.0
    return rate + ((agents - r) * q / aht_s[q - 1] if q else 0.0)


def tagged_waits(n_ahead_max: int, full_rate: float, theta: float, threshold_s: float):
    """Waits of a tagged contact that finds j = 0..n_ahead_max waiting ahead of it, all slots
    full. It has m = j + 1 stages to go; in stage m it moves on at rate full + (m - 1) theta
    (a slot frees or someone ahead hangs up) and, if it is impatient, hangs up at rate theta.

    Returns per j: P(V <= T) (V = virtual wait, never hanging up), P(answered within T),
    P(answered), E[V] and E[wait; answered]. The CDFs are the absorption probabilities of
    the pure-death chain (matrix exponential); the moments follow from the Laplace transform
    phi_m(s) = prod_i r_i / (s + r_i + theta), -phi'(0) = phi(0) sum_i 1 / (r_i + theta).
    """
    m = np.arange(1, n_ahead_max + 2)
    r = full_rate + (m - 1) * theta
    size = n_ahead_max + 2                       # states 0 (answered) .. n_ahead_max + 1
    q_virtual = np.zeros((size, size))
    q_patient = np.zeros((size, size))
    for i, rate in zip(m, r, strict=True):
        q_virtual[i, i - 1] = rate
        q_virtual[i, i] = -rate
        q_patient[i, i - 1] = rate
        q_patient[i, i] = -(rate + theta)     # the rest leaks away: hung up
    p_v = expm(q_virtual * threshold_s)[1:, 0]
    p_served_within = expm(q_patient * threshold_s)[1:, 0]
    p_served = np.cumprod(r / (r + theta))
    mean_v = np.cumsum(1 / r)
    mean_served = p_served * np.cumsum(1 / (r + theta))
    return p_v, p_served_within, p_served, mean_v, mean_served


def chat_chain(arrivals_per_s, aht_s, agents, threshold_s, patience_s=None, lines=None,
               queue_max=400):
    """KPIs of the birth-death chain of Erlang Chat with balanced routing (the formulas'
    model), by PASTA: state n = chats in system, birth lambda while n < lines, death
    balanced_rate(min(n, Nc)) + theta (n - Nc)+. p_block is a share of offered chats, the
    other shares of accepted chats (the simulator's denominators)."""
    c = len(aht_s)
    slots = agents * c
    top = lines if lines is not None else slots + queue_max
    theta = 0.0 if patience_s is None else 1.0 / patience_s
    log_p = np.zeros(top + 1)
    for n in range(1, top + 1):
        death = balanced_rate(min(n, slots), agents, aht_s) + theta * max(n - slots, 0)
        log_p[n] = log_p[n - 1] + math.log(arrivals_per_s / death)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    n = np.arange(top + 1)
    in_service = np.minimum(n, slots)
    queue = np.maximum(n - slots, 0)
    p_block = p[top] if lines is not None else 0.0
    enter = p.copy()
    if lines is not None:
        enter[top] = 0.0                        # arrivals seeing a full system are blocked
    waits = enter[slots:]                       # arrivals that find every slot full
    p_v, p_sw, p_s, mean_v, mean_s = tagged_waits(waits.size - 1, slots / aht_s[c - 1] if c
                                                  else 0.0, theta, threshold_s)
    p_no_wait = enter[:slots].sum()
    answered = p_no_wait + (waits * p_s).sum()
    busy_agents = np.minimum(in_service, agents)
    accepted = 1 - p_block                      # shares below are of accepted chats
    return {
        "p_block": p_block,
        "p_wait": waits.sum() / accepted,
        "p_abandon": theta * (queue * p).sum() / arrivals_per_s / accepted,
        "occupancy": (busy_agents * p).sum() / agents,
        "slot_occupancy": (in_service * p).sum() / slots,
        "sl_virtual": (p_no_wait + (waits * p_v).sum()) / accepted,
        "sl_offered": (p_no_wait + (waits * p_sw).sum()) / accepted,
        "asa_virtual": (waits * mean_v).sum() / accepted,
        "asa_answered": (waits * mean_s).sum() / answered,
    }


def inside(sim_row, name, exact, slack):
    """The exact value is inside the simulated CI (widened by ``slack``)."""
    est, hw = float(sim_row[name].iloc[0]), float(sim_row[f"{name}_hw"].iloc[0])
    assert abs(est - exact) <= hw + slack, f"{name}: simulated {est:.5f} +- {hw:.5f}, exact {exact:.5f}"
    return hw


# --------------------------------------------------------------------------------------------
# One slot per agent: voice, against the simulator of erlang.simulate and the voice formulas
# --------------------------------------------------------------------------------------------


def test_one_slot_is_call_by_call_the_voice_simulator():
    # Same seed -> the same fresh calls (arrival, handling, patience) as erlang.simulate, and
    # with one slot, infinite lines and no redials the same queue under the same count rule:
    # answer times must agree call by call, including over drops and rises in staffing.
    calls = [30, 80, 120, 60, 20]
    agents = [4, 9, 12, 5, 3]
    kw = dict(sl_threshold_s=20.0, patience_s=[200, 150, 120, 200, 300], replications=4, seed=7)
    ours = simulate_channel(calls, [240.0], agents, 15, keep_calls=True, **kw)
    ref = simulate(calls, 240.0, agents, 15, keep_calls=True, **kw)
    assert len(ours.calls) == len(ref.calls) > 1000
    np.testing.assert_array_equal(ours.calls["arrival_s"], ref.calls["arrival_s"])
    np.testing.assert_array_equal(ours.calls["start_s"], ref.calls["start_s"])
    for col in ("offered", "answered", "abandoned", "answered_within_threshold",
                "service_level", "p_wait", "asa_s", "occupancy", "p_abandon"):
        np.testing.assert_allclose(ours.intervals[col], ref.intervals[col], rtol=1e-12,
                                   err_msg=col)


@pytest.mark.parametrize("agents, patience_s", [(14, 60.0), (11, 180.0)])
def test_stationary_voice_agrees_with_erlang_a(agents, patience_s):
    # CCmath's Erlang X example without lines (4 calls/min, AHT 3 min, patience 1 min, 14
    # agents, T = 20 s) and an overloaded variant; 8 intervals of 4 hours, the first as
    # warm-up, 12 replications. Expected: erlang.erlang_a.kpis, and for the virtual wait
    # (which erlang_a may not offer yet) the tagged-contact chain above.
    calls_per_h = 240.0
    res = simulate_channel([calls_per_h * 4] * 8, [180.0], agents, 240, patience_s=patience_s,
                           replications=12, warmup_intervals=1, seed=3).summary
    ref = erlang_a.kpis(agents, 12.0, 180.0, 20.0, patience_s)
    slack = 0.002
    widths = [inside(res, "service_level", float(ref["service_level"]), slack),
              inside(res, "p_abandon", float(ref["p_abandon"]), slack),
              inside(res, "p_wait", float(ref["p_wait"]), slack),
              inside(res, "occupancy", float(ref["occupancy"]), slack)]
    assert max(widths) < 0.02
    assert abs(res["asa_s"].iloc[0] - float(ref["asa_s"])) <= res["asa_s_hw"].iloc[0] + 0.2
    chain = chat_chain(4 / 60, [180.0], agents, 20.0, patience_s)
    assert chain["p_abandon"] == pytest.approx(float(ref["p_abandon"]), rel=1e-6)
    assert chain["sl_offered"] == pytest.approx(float(ref["service_level"]), rel=1e-6)
    virtual = simulate_channel([calls_per_h * 4] * 8, [180.0], agents, 240,
                               patience_s=patience_s, replications=12, warmup_intervals=1,
                               seed=3, sl_convention="virtual").summary
    inside(virtual, "service_level", chain["sl_virtual"], slack)
    assert abs(virtual["asa_s"].iloc[0] - chain["asa_virtual"]) <= \
        virtual["asa_s_hw"].iloc[0] + 0.3
    wait = simulate_channel([calls_per_h * 4] * 8, [180.0], agents, 240,
                            patience_s=patience_s, replications=12, warmup_intervals=1,
                            seed=3, sl_convention="wait").summary
    ref_wait = erlang_a.kpis(agents, 12.0, 180.0, 20.0, patience_s, sl_convention="wait")
    inside(wait, "service_level", float(ref_wait["service_level"]), slack)


def test_stationary_voice_agrees_with_erlang_c():
    # M/M/N without abandonment: 10 Erlangs (120 calls/h x 300 s), 12 agents, T = 20 s.
    res = simulate_channel([120.0 * 4] * 11, [300.0], 12, 240, replications=40,
                           warmup_intervals=1, seed=11).summary
    ref = erlang_c.kpis(12, 10.0, 300.0, 20.0)
    widths = [inside(res, "service_level", float(ref["service_level"]), 0.003),
              inside(res, "p_wait", float(ref["p_wait"]), 0.003),
              inside(res, "occupancy", float(ref["occupancy"]), 0.003)]
    assert max(widths) < 0.03
    assert abs(res["asa_s"].iloc[0] - float(ref["asa_s"])) <= res["asa_s_hw"].iloc[0] + 0.5


# --------------------------------------------------------------------------------------------
# Finite lines: Erlang B and M/M/1/1
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("agents, traffic_erl", [(5, 4.0), (15, 12.0), (30, 20.0)])
def test_lines_equal_to_agents_block_as_erlang_b(agents, traffic_erl):
    # lines = agents and nobody waits long enough to matter (no queue is possible): the
    # loss system M/M/N/N, whose blocking is Erlang B(N, A) (erlang.erlang_b.blocking).
    aht_s = 180.0
    calls = traffic_erl * 3600 / aht_s * 4
    res = simulate_channel([calls] * 6, [aht_s], agents, 240, lines=agents, replications=20,
                           warmup_intervals=1, seed=5).summary
    want = float(erlang_b.blocking(agents, traffic_erl))
    assert inside(res, "p_block", want, 0.002) < 0.01
    # nobody waits in a loss system; carried load A (1 - B) over N agents is the occupancy
    assert res["p_wait"].iloc[0] == 0.0
    inside(res, "occupancy", traffic_erl * (1 - want) / agents, 0.003)


def test_one_agent_one_line_blocks_a_over_one_plus_a():
    # M/M/1/1 by hand: the agent is busy a share a / (1 + a) of the time (balance
    # lambda p0 = mu p1), and by PASTA that share of the arrivals is blocked. a = 0.5 Erlang:
    # 1/3. Occupancy = carried load = a (1 - B) = 1/3 too.
    res = simulate_channel([30.0 * 10] * 4, [60.0], 1, 600, lines=1, replications=20,
                           warmup_intervals=1, seed=2).summary
    assert inside(res, "p_block", 1 / 3, 0.002) < 0.01
    inside(res, "occupancy", 1 / 3, 0.002)


# --------------------------------------------------------------------------------------------
# Chat: balanced routing is the birth-death chain; least-loaded its own Markov chain
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("convention, per_min, lines", [("offered", 4.0, 100),
                                                       ("virtual", 4.0, 100),
                                                       ("offered", 5.0, 17),
                                                       ("wait", 5.0, 17)])
def test_balanced_chat_agrees_with_the_birth_death_chain(convention, per_min, lines):
    # CCmath's Erlang Chat example (4 chats/min, AHT [3, 3.5, 4] min for 1-3 chats, 5
    # agents, patience 1 min, 100 lines), and a busier one with 17 lines (15 slots, so at
    # most 2 wait and ~10 % are blocked), against the chain solved in chat_chain().
    aht = [180.0, 210.0, 240.0]
    res = simulate_channel([per_min * 60 * 4] * 6, aht, 5, 240, patience_s=60.0, lines=lines,
                           routing="balanced", replications=12, warmup_intervals=1, seed=9,
                           sl_convention=convention).summary
    chain = chat_chain(per_min / 60, aht, 5, 20.0, 60.0, lines=lines)
    if convention == "wait":     # P(min(V, patience) <= T) = 1 - P(V > T) e^{-T/patience}
        chain["sl_wait"] = 1 - (1 - chain["sl_virtual"]) * math.exp(-20.0 / 60.0)
    inside(res, "p_block", chain["p_block"], 0.003)
    slack = 0.003
    widths = [inside(res, "p_abandon", chain["p_abandon"], slack),
              inside(res, "p_wait", chain["p_wait"], slack),
              inside(res, "occupancy", chain["occupancy"], slack),
              inside(res, "slot_occupancy", chain["slot_occupancy"], slack),
              inside(res, "service_level", chain[f"sl_{convention}"], slack)]
    assert max(widths) < 0.03
    asa = chain["asa_virtual" if convention == "virtual" else "asa_answered"]
    assert (chain["p_block"] > 0.05) == (lines == 17)
    assert abs(res["asa_s"].iloc[0] - asa) <= res["asa_s_hw"].iloc[0] + 0.3


def least_loaded_chain(arrivals_per_s, aht_s, lines):
    """Exact stationary KPIs of two agents with two slots each under least-loaded routing
    without moving chats: state (n1, n2, q) = agents holding 1 chat, holding 2, chats
    waiting (only when both hold 2). An arrival goes to an idle agent if any, else to one
    holding 1, else waits (blocked at ``lines`` in system); an agent holding 1 finishes at
    rate 1/AHT[1], one holding 2 at 2/AHT[2], and then takes the head of the queue."""
    states = [(n1, n2, 0) for n1 in range(3) for n2 in range(3) if n1 + n2 <= 2]
    states += [(0, 2, q) for q in range(1, lines - 4 + 1)]
    index = {s: i for i, s in enumerate(states)}
    gen = np.zeros((len(states), len(states)))

    def add(frm, to, rate):
        gen[index[frm], index[to]] += rate
        gen[index[frm], index[frm]] -= rate

    for n1, n2, q in states:
        n0 = 2 - n1 - n2
        if n0 > 0:
            add((n1, n2, q), (n1 + 1, n2, q), arrivals_per_s)
        elif n1 > 0:
            add((n1, n2, q), (n1 - 1, n2 + 1, q), arrivals_per_s)
        elif 4 + q < lines:
            add((n1, n2, q), (n1, n2, q + 1), arrivals_per_s)
        if n1 > 0:
            add((n1, n2, q), (n1 - 1, n2, q), n1 / aht_s[0])
        if n2 > 0:
            to = (n1, n2, q - 1) if q > 0 else (n1 + 1, n2 - 1, 0)
            add((n1, n2, q), to, n2 * 2 / aht_s[1])
    p = null_space(gen.T)[:, 0]
    p = p / p.sum()
    busy = np.array([(n1 + n2) / 2 for n1, n2, _ in states])
    slots = np.array([(n1 + 2 * n2) / 4 for n1, n2, _ in states])
    full = np.array([n2 == 2 and 4 + q >= lines for n1, n2, q in states])
    return {"p_block": p[full].sum(), "occupancy": (busy * p).sum(),
            "slot_occupancy": (slots * p).sum()}


def test_least_loaded_chat_agrees_with_its_markov_chain_and_differs_from_balanced():
    # 2 agents x 2 slots, AHT 60 s alone and 200 s each when holding 2 (an agent holding 2
    # completes at 2/200 per s, slower than one holding 1), 7 lines, 1 chat a minute.
    aht = [60.0, 200.0]
    lam = 1.0 / 60
    kw = dict(lines=7, replications=30, warmup_intervals=1, seed=4)
    least = simulate_channel([lam * 3600 * 4] * 11, aht, 2, 240, **kw).summary
    exact = least_loaded_chain(lam, aht, 7)
    widths = [inside(least, "p_block", exact["p_block"], 0.002),
              inside(least, "occupancy", exact["occupancy"], 0.002),
              inside(least, "slot_occupancy", exact["slot_occupancy"], 0.002)]
    assert max(widths) < 0.01
    # The balanced chain differs: with 2 chats it keeps one on each agent (rate 2/60) where
    # least-loaded routing may leave both on one agent (rate 2/200), so it has fewer chats
    # in progress (slot occupancy 0.426 against 0.480 in the exact chains).
    balanced = simulate_channel([lam * 3600 * 4] * 11, aht, 2, 240, routing="balanced",
                                **kw).summary
    chain = chat_chain(lam, aht, 2, 20.0, None, lines=7)
    inside(balanced, "p_block", chain["p_block"], 0.002)
    inside(balanced, "slot_occupancy", chain["slot_occupancy"], 0.002)
    assert exact["slot_occupancy"] - chain["slot_occupancy"] > 0.05
    assert least["slot_occupancy"].iloc[0] - least["slot_occupancy_hw"].iloc[0] > \
        chain["slot_occupancy"]


# --------------------------------------------------------------------------------------------
# Redials
# --------------------------------------------------------------------------------------------


def retrial_chain(arrivals_per_s, aht_s, redial_share, redial_delay_s, orbit_max=120):
    """M/M/1/1 with redials: state (s, k) = agent busy, contacts due to redial. A fresh
    arrival (rate lambda) or a redial (rate k / delay) finding the agent free is answered;
    one finding it busy redials again later with probability p (fresh: k -> k+1; redial: k
    stays) or gives up (redial: k -> k-1). Blocked share of attempts = (lambda P(busy) +
    gamma E[k; busy]) / (lambda + gamma E[k]), retrial factor = (lambda + gamma E[k]) /
    lambda (rate conservation), gamma = 1 / delay."""
    lam, mu, g, p = arrivals_per_s, 1 / aht_s, 1 / redial_delay_s, redial_share
    size = 2 * (orbit_max + 1)
    gen = np.zeros((size, size))

    def i(s, k):
        return s * (orbit_max + 1) + k

    for k in range(orbit_max + 1):
        for frm, to, rate in [((0, k), (1, k), lam), ((0, k), (1, k - 1), k * g),
                              ((1, k), (0, k), mu), ((1, k), (1, k + 1), lam * p),
                              ((1, k), (1, k - 1), k * g * (1 - p))]:
            if rate > 0 and 0 <= to[1] <= orbit_max:
                gen[i(*frm), i(*to)] += rate
                gen[i(*frm), i(*frm)] -= rate
    pi = null_space(gen.T)[:, 0]
    pi = (pi / pi.sum()).reshape(2, orbit_max + 1)
    assert pi[:, -5:].sum() < 1e-12           # truncation harmless
    k = np.arange(orbit_max + 1)
    attempts = lam + g * (k * pi.sum(axis=0)).sum()
    return {"p_block": (lam * pi[1].sum() + g * (k * pi[1]).sum()) / attempts,
            "retrial_factor": attempts / lam, "occupancy": pi[1].sum()}


def test_redials_agree_with_the_retrial_queue():
    # One agent, one line, load 0.6 Erlang, 60 % of the blocked redial after 90 s on average.
    lam, aht = 0.6 / 120, 120.0
    res = simulate_channel([lam * 3600 * 4] * 11, [aht], 1, 240, lines=1, redial_share=0.6,
                           redial_delay_s=90.0, replications=30, warmup_intervals=1,
                           seed=8).summary
    exact = retrial_chain(lam, aht, 0.6, 90.0)
    widths = [inside(res, "p_block", exact["p_block"], 0.002),
              inside(res, "retrial_factor", exact["retrial_factor"], 0.003),
              inside(res, "occupancy", exact["occupancy"], 0.002)]
    assert max(widths) < 0.02
    # offered = fresh + redials, and redials are a share of the failed attempts
    s = res.iloc[0]
    assert s["offered"] == pytest.approx(s["fresh"] + s["redials"], rel=1e-12)


def test_redials_are_the_redial_share_of_failures():
    # Expected redials = p x (blocked + abandoned) (each failure redials with probability
    # p); a short delay and a 2-interval tail keep the redials after the horizon negligible.
    calls = [400.0] * 6 + [0.0, 0.0]
    res = simulate_channel(calls, [200.0], 15, 60, patience_s=90.0, lines=20,
                           redial_share=0.4, redial_delay_s=60.0, replications=20,
                           seed=1)
    tot = res.replications.groupby("replication")[["redials", "blocked", "abandoned"]].sum()
    ratio = tot["redials"].sum() / (tot["blocked"] + tot["abandoned"]).sum()
    failures = (tot["blocked"] + tot["abandoned"]).sum()
    # binomial: sd of the ratio ~ sqrt(p (1 - p) / failures)
    assert failures > 2000
    assert abs(ratio - 0.4) < 3 * math.sqrt(0.24 / failures)


# --------------------------------------------------------------------------------------------
# Determinism, common random numbers, bad input
# --------------------------------------------------------------------------------------------


def test_same_seed_same_result_and_common_fresh_calls():
    kw = dict(patience_s=120.0, lines=25, redial_share=0.3, replications=3)
    a = simulate_channel([200, 300], [180.0, 220.0], 8, 30, seed=5, **kw)
    b = simulate_channel([200, 300], [180.0, 220.0], 8, 30, seed=5, **kw)
    assert a.intervals.equals(b.intervals) and a.replications.equals(b.replications)
    other = simulate_channel([200, 300], [180.0, 220.0], 8, 30, seed=6, **kw)
    assert not other.replications["fresh"].equals(a.replications["fresh"])
    # fresh arrivals do not depend on staffing or lines: common random numbers
    more = simulate_channel([200, 300], [180.0, 220.0], 12, 30, seed=5,
                            **{**kw, "lines": 40})
    assert more.replications["fresh"].equals(a.replications["fresh"])


@pytest.mark.parametrize("change, match", [
    ({"aht_s_by_concurrency": []}, "aht_s_by_concurrency"),
    ({"aht_s_by_concurrency": [180.0, -5.0]}, "for 2 chat"),
    ({"aht_s_by_concurrency": "180"}, "aht_s_by_concurrency"),
    ({"lines": 3}, "lines"),
    ({"lines": 2.5}, "lines"),
    ({"redial_share": 1.0}, "redial_share"),
    ({"redial_share": -0.1}, "redial_share"),
    ({"redial_delay_s": 0}, "redial_delay_s"),
    ({"agents": -1}, "agents"),
    ({"patience_s": 0}, "patience_s"),
    ({"sl_convention": "abandon"}, "sl_convention"),
    ({"routing": "random"}, "routing"),
    ({"replications": 0}, "replications"),
])
def test_bad_input_raises_one_line_input_error(change, match):
    kw = dict(calls_per_interval=[100.0, 120.0], aht_s_by_concurrency=[180.0, 200.0],
              agents=5, interval_min=30, lines=10)
    kw.update(change)
    with pytest.raises(InputError, match=match) as info:
        simulate_channel(**kw)
    assert "\n" not in str(info.value)


def test_summary_for_another_convention_is_that_simulation():
    # The same contacts summarised in another convention equal a run in that convention
    # (same seed): the raw totals carry every convention.
    kw = dict(patience_s=90.0, lines=30, redial_share=0.2, replications=4, seed=12)
    offered = simulate_channel([300.0, 500.0], [200.0, 260.0], 9, 60, **kw)
    for conv in ("virtual", "wait", "answered", "offered"):
        direct = simulate_channel([300.0, 500.0], [200.0, 260.0], 9, 60, sl_convention=conv,
                                  **kw).summary
        again = offered.summary_for(conv)
        for col in ("service_level", "service_level_hw", "asa_s", "p_abandon", "p_block"):
            assert again[col].iloc[0] == pytest.approx(direct[col].iloc[0], rel=1e-12), col


# --------------------------------------------------------------------------------------------
# The kernel on hand-built traces, and compiled = interpreted
# --------------------------------------------------------------------------------------------


def run_kernel(arrival_s, work, cap, aht_s, *, interval_s=100.0, patience_s=None, lines=-1,
               balanced=False, compiled=True):
    """The kernel on given fresh contacts (no redials); returns (start, status, end of the
    virtual wait) per contact."""
    n = len(arrival_s)
    n_int = len(cap) - 1
    ends = np.arange(1, n_int + 1) * interval_s
    arrival = np.asarray(arrival_s, float)
    pat = np.full(n, np.inf) if patience_s is None else np.asarray(patience_s, float)
    fn = _kernels.compiled(channel_kernel) if compiled else channel_kernel
    out = fn(arrival, (arrival // interval_s).astype(np.int64), np.asarray(work, float), pat,
             np.zeros(0), np.zeros(0), np.ones(n), np.ones(n), ends,
             np.asarray(cap, np.int64), np.full(n_int, np.inf), np.asarray(aht_s, float),
             lines, 0.0, 1.0, balanced, int(max(cap)))
    return out[4][:n], out[3][:n], out[5][:n]


@pytest.mark.parametrize("balanced", [False, True])
@pytest.mark.parametrize("compiled", [True, False])
def test_staffing_drop_with_chats_by_hand(balanced, compiled):
    # 2 agents x 2 slots, AHT 100 s holding 1 chat and 200 s each holding 2 (work in units of
    # AHT: a chat progresses 1/100 per s alone, 1/200 per s beside another); staffing 2 in
    # [0, 100) s, then 1. By hand:
    #   t=10 chat 0 (work 1.2) -> agent 0;  t=20 chat 1 (work 1.5) -> agent 1 (fewest chats);
    #   t=30 chat 2 (work 2.0) -> agent 0 (both hold 1; agent 0's holding changed longest
    #        ago); chat 0 has 1.2 - 20/100 = 1.0 left, now at 1/200 per s: ends at 230;
    #   t=100 staffing 1 with 2 agents busy: no chat is assigned (count rule);
    #   t=110 chat 3 (work 0.5) waits although agent 1 holds only one chat;
    #   t=170 agent 1 ends chat 1 (20 + 150) and leaves (above the schedule);
    #   t=230 agent 0 ends chat 0; chat 2 has 2.0 - 200/200 = 1.0 left: chat 3 starts, 230.
    start, status, _ = run_kernel([10.0, 20.0, 30.0, 110.0], [1.2, 1.5, 2.0, 0.5], [2, 1, 1],
                               [100.0, 200.0], balanced=balanced, compiled=compiled)
    np.testing.assert_allclose(start, [10.0, 20.0, 30.0, 230.0], rtol=1e-12)
    assert (status == 2).all()
    # the same with staffing 3 from t=200: two idle agents come on duty, chat 3 starts at 200
    start, _, _ = run_kernel([10.0, 20.0, 30.0, 110.0], [1.2, 1.5, 2.0, 0.5], [2, 1, 3, 3],
                          [100.0, 200.0], balanced=balanced, compiled=compiled)
    np.testing.assert_allclose(start, [10.0, 20.0, 30.0, 200.0], rtol=1e-12)


def test_lines_and_patience_by_hand():
    # 1 agent x 2 slots, 3 lines, AHT 100 s whatever the holding (a chat of work w lasts
    # 100 w s). Chats at 1 and 2 s (work 5: 500 s each) take both slots; the chat at 3 s
    # waits (3 in the system now); the one at 4 s is blocked (status 5); the one at 3 s hangs
    # up at 3 + 50 = 53 s (status 4); the one at 60 s waits and is answered when the first
    # chat ends, at 1 + 500 = 501 s.
    start, status, virt = run_kernel([1.0, 2.0, 3.0, 4.0, 60.0], [5.0, 5.0, 1.0, 1.0, 1.0],
                                     [1, 1], [100.0, 100.0], interval_s=1000.0,
                                     patience_s=[np.inf, np.inf, 50.0, np.inf, np.inf], lines=3)
    np.testing.assert_array_equal(status, [2, 2, 4, 5, 2])
    np.testing.assert_allclose(start[[0, 1, 4]], [1.0, 2.0, 501.0], rtol=1e-12)
    # the one that hung up would have been answered at 501 s, ahead of the one from 60 s:
    # virtual wait 498 s
    assert virt[2] == 501.0 and np.isnan(virt[3])


@pytest.mark.parametrize("seed", range(4))
def test_compiled_kernel_matches_pure_python(seed):
    # Random small days with staffing changes, lines, patience and redials, both routings:
    # numba's machine code and the interpreted source give identical results.
    rng = np.random.default_rng(seed)
    n_int = 4
    calls = rng.uniform(10, 40, n_int)
    agents = rng.integers(1, 5, n_int)
    lines = int(agents.max()) + int(rng.integers(0, 6))
    aht = sorted(rng.uniform(60, 200, int(rng.integers(1, 4))))
    interval_s = 600.0
    ends = np.arange(1, n_int + 1) * interval_s
    cap = np.append(agents, agents[-1]).astype(np.int64)
    counts = rng.poisson(calls)
    idx = np.repeat(np.arange(n_int), counts)
    arrival = np.sort(idx + rng.random(idx.size)) * interval_s
    n = arrival.size
    args = (arrival, idx.astype(np.int64), rng.exponential(1, n), rng.exponential(120, n),
            rng.exponential(1, 400), rng.exponential(1, 400), rng.random(n + 400),
            rng.exponential(1, n + 400), ends, cap, np.full(n_int, 120.0), np.asarray(aht),
            lines, 0.4, 90.0)
    for balanced in (False, True):
        fast = _kernels.compiled(channel_kernel)(*args, balanced, int(cap.max()))
        slow = channel_kernel(*args, balanced, int(cap.max()))
        assert fast[0] == slow[0] > n
        for a, b in zip(fast[1:], slow[1:], strict=True):
            np.testing.assert_array_equal(a, b)
