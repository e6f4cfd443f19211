"""Multi-skill staffing (erlang.multiskill_staffing) with the exact chain as oracle.

Independent sources: the single-queue requirements of erlang.staffing.required_agents
(Erlang C / A, checked against published tables elsewhere), the exact chain of
erlang.multiskill_exact evaluated afresh at a tighter truncation, and the exhaustive
enumeration of every staffing (the optimum the search is measured against).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from erlang.multiskill_exact import exact_kpis
from erlang.multiskill_staffing import (
    OracleResult,
    as_oracle_result,
    exact_oracle,
    exhaustive,
    fast_start,
    improve,
    pooled_requirement,
    staff_skills,
)
from erlang.skills import AgentGroup, CallType, SkillsModel, fully_pooled, single_skill
from erlang.staffing import required_agents
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget


def _instance(design: str, seed: int):
    """A small N, X or W design with random AHT, patience, targets, proficiency and calls
    (fixed seeds)."""
    rng = np.random.default_rng(seed)
    n_types = {"N": 2, "X": 2, "W": 3}[design]
    names = "abc"[:n_types]
    types = tuple(CallType(names[k], aht_s=float(rng.choice([150, 200, 240])),
                           patience_s=float(rng.choice([60, 120, 180])),
                           sl_target=float(rng.choice([0.7, 0.8])), sl_threshold_s=20.0)
                  for k in range(n_types))
    factor = float(rng.choice([1.0, 1.25]))
    groups = {
        "N": (AgentGroup("A", ("a",)), AgentGroup("F", ("b", "a"), aht_factor={"a": factor})),
        "X": (AgentGroup("AB", ("a", "b"), aht_factor={"b": factor}),
              AgentGroup("BA", ("b", "a"))),
        "W": (AgentGroup("AB", ("a", "b")),
              AgentGroup("CB", ("c", "b"), aht_factor={"b": factor})),
    }[design]
    low, high = (8, 16) if design == "W" else (20, 50)
    return SkillsModel(types, groups), np.round(rng.uniform(low, high, n_types))


@pytest.mark.parametrize("design,seed", [("N", 1), ("X", 2), ("N", 5), ("X", 6), ("N", 7),
                                         ("W", 3)])
def test_meets_targets_and_matches_exhaustive(design, seed):
    model, lam = _instance(design, seed)
    res = staff_skills(model, lam)
    # every type meets its target by the exact chain, evaluated afresh (tighter truncation)
    check = exact_kpis(model, lam, res.agents, tail_tol=1e-12)
    target = np.array([t.sl_target for t in model.types])
    assert np.all(check.service_level >= target - 1e-9), (res.agents, check.service_level)
    assert res.by_type["met"].all()
    # total within 3 % of the least-total staffing found by enumeration
    best = exhaustive(model, lam, exact_oracle(model, lam), res.total_agents)
    assert best.sum() <= res.total_agents <= math.floor(1.03 * best.sum())
    # the comparisons: full pooling needs no more than the single-skill centre
    assert res.pooled_agents <= res.single_skill_agents
    assert res.oracle_calls > 0


def test_single_skill_model_equals_sum_of_single_queue_requirements():
    # each type its own group: the optimum is each type's own Erlang C / A requirement
    types = [CallType("a", aht_s=180, sl_target=0.8), CallType("b", aht_s=300, patience_s=120,
                                                               sl_target=0.7,
                                                               sl_threshold_s=30)]
    lam = np.array([50.0, 30.0])
    res = staff_skills(single_skill(types), lam)
    expected = [required_agents(50 * 180 / 3600, 180, ServiceTarget(sl_target=0.8, sl_threshold_s=20)),
                required_agents(30 * 300 / 3600, 300, ServiceTarget(sl_target=0.7, sl_threshold_s=30, patience_s=120))]
    assert res.agents.tolist() == expected
    assert res.single_skill_agents == sum(expected)


def test_fully_pooled_equals_pooled_requirement():
    # one group with every skill, equal AHT, threshold 0: "answered at once" is 1 - C for
    # every type whatever the priority, so the staffing is the Erlang C requirement of the
    # total load
    types = [CallType("a", aht_s=180, sl_target=0.7, sl_threshold_s=0),
             CallType("b", aht_s=180, sl_target=0.7, sl_threshold_s=0)]
    lam = np.array([40.0, 30.0])
    expected = required_agents(70 * 180 / 3600, 180, ServiceTarget(sl_target=0.7, sl_threshold_s=0))
    res = staff_skills(fully_pooled(types), lam)
    assert res.total_agents == expected == res.pooled_agents


def test_fast_start_by_hand():
    # N-design: pooled Erlang C requirement of the total, split by square-root staffing;
    # a's share to its primary group A, b's (x 1.0) to F (b is F's primary skill)
    types = (CallType("a", aht_s=180), CallType("b", aht_s=180))
    model = SkillsModel(types, (AgentGroup("A", ("a",)), AgentGroup("F", ("b", "a"))))
    lam = np.array([100.0, 40.0])
    a = lam * 180 / 3600                          # 5 and 2 Erlangs
    total = required_agents(a.sum(), 180, ServiceTarget(sl_target=0.8, sl_threshold_s=20))
    beta = (total - a.sum()) / np.sqrt(a).sum()
    share = a + beta * np.sqrt(a)                 # fractional agents per type
    rounded = np.floor(share).astype(int)
    short = int(math.ceil(share.sum() - 1e-9)) - rounded.sum()
    rounded[np.argsort(-(share - rounded))[:short]] += 1
    assert pooled_requirement(model, lam) == total
    assert fast_start(model, lam).tolist() == rounded.tolist()
    assert rounded.sum() == total


def test_unreachable_target_is_an_input_error_not_a_loop():
    model, lam = _instance("N", 1)

    def capped(agents):  # an oracle whose service level never passes 0.7
        sl = np.full(2, 0.7 * (1 - 1 / (2 + np.sum(agents))))
        return OracleResult(sl, sl)

    with pytest.raises(InputError, match="cannot be met") as e:
        improve(model, lam, capped, fast_start(model, lam), max_total=30)
    assert e.value.param == "sl_target"
    # a real target beyond a small headcount: 0.99 answered at once with 4 agents at most
    strict = SkillsModel(tuple(CallType(t.name, t.aht_s, t.patience_s, sl_target=0.99,
                                        sl_threshold_s=0) for t in model.types), model.groups)
    with pytest.raises(InputError, match="cannot be met with 4 agents"):
        staff_skills(strict, lam, max_total=4, start=[1, 1])


def test_inputs_and_edges():
    model, lam = _instance("X", 2)
    with pytest.raises(InputError, match="cost must be") as e:
        staff_skills(model, lam, cost=[1.0])
    assert e.value.param == "cost"
    # no calls: no agents, no oracle call
    res = staff_skills(model, [0.0, 0.0])
    assert res.agents.tolist() == [0, 0] and res.oracle_calls == 0
    # an oracle may answer with a frame (one row per type)
    frame = pd.DataFrame({"service_level": [0.9, 0.8], "service_level_lo": [0.85, 0.75]})
    out = as_oracle_result(frame, 2)
    assert out.service_level_lo.tolist() == [0.85, 0.75]
    with pytest.raises(InputError, match="3 call types"):
        as_oracle_result(frame, 3)
    # deterministic: the same answer twice
    a, b = staff_skills(model, lam), staff_skills(model, lam)
    assert a.agents.tolist() == b.agents.tolist() and a.oracle_calls == b.oracle_calls


def test_costs_move_agents_to_the_cheaper_group():
    # X-design, the same skills both ways: with group AB three times dearer, the cheapest
    # feasible staffing by enumeration of every vector up to the unit-cost total + 2
    model, lam = _instance("X", 2)
    cost = np.array([3.0, 1.0])
    res = staff_skills(model, lam, cost=cost)
    oracle = exact_oracle(model, lam)
    target = np.array([t.sl_target for t in model.types])
    best = math.inf
    for x0 in range(0, 12):
        for x1 in range(0, 12):
            if cost @ [x0, x1] < best and np.all(
                    oracle(np.array([x0, x1])).service_level >= target - 1e-12):
                best = cost @ [x0, x1]
    assert res.cost == best


def test_ring_needs_an_exchange_of_three_agents_for_two():
    # four types on a ring of two-skill groups (bench/bench_multiskill_staffing.py, part 4,
    # seed 3), the simulator as oracle of both the search and the enumeration (same seed:
    # the same calls for every staffing). The optimum by exhaustive enumeration is 11
    # agents ([3, 2, 5, 1]); one-for-one and two-for-one moves stop at 12 ([3, 4, 3, 2]):
    # the load must shift along the ring, three agents out and two in.
    from erlang.multiskill_staffing import simulation_oracle
    rng = np.random.default_rng(4)
    types = tuple(CallType(f"t{k}", aht_s=float(a), patience_s=float(p)) for k, (a, p) in
                  enumerate(zip(rng.uniform(150, 300, 4).round(),
                                rng.uniform(90, 240, 4).round(), strict=True)))
    model = SkillsModel(types, (AgentGroup("01", ("t0", "t1")), AgentGroup("12", ("t1", "t2")),
                                AgentGroup("23", ("t2", "t3")), AgentGroup("30", ("t3", "t0"))))
    lam = np.random.default_rng(3).uniform(15, 45, 4).round()
    oracle = simulation_oracle(model, lam, hours=10, replications=10, seed=3)
    res = staff_skills(model, lam, oracle=oracle)
    best = exhaustive(model, lam, oracle, res.total_agents)
    assert res.total_agents == best.sum()
    assert res.by_type["met"].all() and res.iterations["exchanges"] >= 1
    # without the exchanges the search stays one agent above (the failure mode)
    small, _ = improve(model, lam, oracle, fast_start(model, lam), exchange_max_out=1)
    assert small.sum() == best.sum() + 1
