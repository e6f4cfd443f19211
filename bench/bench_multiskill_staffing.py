"""Benchmark: multi-skill staffing (erlang.multiskill_staffing), issue 14.

1. A realistic centre: 6 call types (3 languages x sales / service, voice), 9 groups with 1
   or 2 skills (specialists per type, bilingual sales, cross-trained service). Staffed with
   the simulation oracle (:func:`erlang.multiskill_staffing.simulation_oracle`: 20
   replications of 10 hours, seed 0; a type passes when its 95 % lower bound is >= target -
   0.5 point), then checked in an independent
   simulation (fresh seed, 20 replications of 10 hours): every type's 95 % CI lower bound
   must be >= target - 1 point. Agents against the single-skill centre (each type its own
   Erlang A queue) and full pooling (the pooled requirement).
2. Time per interval of 20 types x 30 groups (20 specialist groups, 10 with two skills),
   simulation oracle with 10 replications of 10 hours, one core, and the same independent
   check.
3. The gap to the optimum (exhaustive enumeration) on small N / X / W designs with the exact
   chain as oracle.

Run: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/bench_multiskill_staffing.py
(writes section "multiskill_staffing" of RESULTS.md)
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _results import write_section  # noqa: E402

from erlang.multiskill_staffing import (  # noqa: E402
    exact_oracle,
    exhaustive,
    simulation_oracle,
    staff_skills,
)
from erlang.skills import AgentGroup, CallType, SkillsModel, single_skill  # noqa: E402


def same_oracle_single_skill(model, lam, reps):
    """The single-skill centre staffed by the same search and simulation criterion."""
    alone = single_skill(model.types)
    return staff_skills(alone, lam, oracle=simulation_oracle(alone, lam, hours=10,
                                                             replications=reps, seed=0),
                        sl_tolerance=SEARCH_TOL).total_agents


#: the search's oracle: replications of 10 h, seed 0; a type passes when its 95 % lower
#: bound is >= target - SEARCH_TOL (half a point: the independent check allows one)
SEARCH_REPS = 20
LARGE_REPS = 10
SEARCH_TOL = 0.005


def realistic():
    langs, queues = ("en", "es", "fr"), ("sales", "service")
    calls = {"en": (240.0, 300.0), "es": (60.0, 80.0), "fr": (20.0, 30.0)}
    types, lam = [], []
    for lang in langs:
        for q, aht, pat in (("sales", 240.0, 180.0), ("service", 360.0, 240.0)):
            types.append(CallType(f"{q}_{lang}", aht_s=aht, patience_s=pat, sl_target=0.8,
                                  sl_threshold_s=20.0))
            lam.append(calls[lang][queues.index(q)])
    groups = [AgentGroup(f"{t.name}_only", (t.name,)) for t in types]
    groups += [AgentGroup("sales_en_es", ("sales_es", "sales_en"), aht_factor={"sales_en": 1.1}),
               AgentGroup("sales_en_fr", ("sales_fr", "sales_en"), aht_factor={"sales_en": 1.1}),
               AgentGroup("service_es_fr", ("service_fr", "service_es"))]
    return SkillsModel(tuple(types), tuple(groups)), np.array(lam)


def large(seed: int = 20):
    rng = np.random.default_rng(seed)
    types = tuple(CallType(f"t{k}", aht_s=float(rng.uniform(180, 420)),
                           patience_s=float(rng.uniform(60, 300)), sl_target=0.8,
                           sl_threshold_s=20.0) for k in range(20))
    groups = [AgentGroup(f"g{k}", (f"t{k}",)) for k in range(20)]
    for j in range(10):
        a, b = rng.choice(20, size=2, replace=False)
        groups.append(AgentGroup(f"x{j}", (f"t{a}", f"t{b}"), aht_factor={f"t{b}": 1.15}))
    lam = np.round(rng.uniform(10, 120, 20))
    return SkillsModel(types, tuple(groups)), lam


def main() -> None:
    lines = ["## Multi-skill staffing (bench/bench_multiskill_staffing.py)", "",
             f"Machine: {platform.processor() or platform.machine()}, one BLAS thread, "
             "shared with other jobs.", ""]

    # 1. realistic centre
    model, lam = realistic()
    t0 = time.perf_counter()
    res = staff_skills(model, lam, oracle=simulation_oracle(model, lam, hours=10,
                                                            replications=SEARCH_REPS, seed=0),
                       sl_tolerance=SEARCH_TOL)
    secs = time.perf_counter() - t0
    check = simulation_oracle(model, lam, hours=10, replications=20, seed=987654)(res.agents)
    target = np.array([t.sl_target for t in model.types])
    ok = check.service_level_lo >= target - 0.01
    alone = same_oracle_single_skill(model, lam, SEARCH_REPS)
    lines += ["### A realistic centre: 6 types (3 languages x sales / service), 9 groups", "",
              "| | agents |", "|---|---:|",
              f"| multi-skill (this search) | {res.total_agents} |",
              f"| single-skill, each type its own Erlang A queue (formula, point target) | "
              f"{res.single_skill_agents} |",
              f"| single-skill, staffed by the same simulation search and criterion | "
              f"{alone} |",
              f"| full pooling (pooled requirement) | {res.pooled_agents} |", "",
              f"Saved against single-skill: {alone - res.total_agents} agents (same "
              f"criterion); above full pooling: {res.total_agents - res.pooled_agents}. "
              f"{res.oracle_calls} staffings simulated in {secs:.1f} s "
              f"(iterations {res.iterations}).", "",
              "Independent check (seed 987654, 20 replications of 10 h):", "",
              "| type | calls/h | agents' SL | 95 % lo | target - 1 pt | met |",
              "|---|---:|---:|---:|---:|---|"]
    for k, t in enumerate(model.types):
        lines.append(f"| {t.name} | {lam[k]:.0f} | {check.service_level[k]:.3f} | "
                     f"{check.service_level_lo[k]:.3f} | {t.sl_target - 0.01:.2f} | "
                     f"{'yes' if ok[k] else 'NO'} |")
    lines += ["", "Agents per group: " + ", ".join(
        f"{g} {n}" for g, n in zip(model.group_names, res.agents, strict=True)), ""]
    print("\n".join(lines), flush=True)

    # 2. 20 types x 30 groups
    model, lam = large()
    t0 = time.perf_counter()
    res = staff_skills(model, lam, oracle=simulation_oracle(model, lam, hours=10,
                                                            replications=LARGE_REPS, seed=0),
                       sl_tolerance=SEARCH_TOL)
    secs = time.perf_counter() - t0
    check = simulation_oracle(model, lam, hours=10, replications=20, seed=987654)(res.agents)
    target = np.array([t.sl_target for t in model.types])
    met = int(np.sum(check.service_level_lo >= target - 0.01))
    alone = same_oracle_single_skill(model, lam, LARGE_REPS)
    part2 = ["### 20 types x 30 groups, one interval", "",
             f"{secs:.1f} s on one core (goal <= 60 s), {res.oracle_calls} staffings "
             f"simulated ({LARGE_REPS} replications of 10 h each), iterations "
             f"{res.iterations}; {res.total_agents} agents against {alone} single-skill "
             f"(same search and criterion; {res.single_skill_agents} by the Erlang A formula "
             f"at the point target) and {res.pooled_agents} pooled. Independent check (seed 987654, "
             f"20 x 10 h): {met} of 20 types with 95 % lo >= target - 1 point.", ""]
    print("\n".join(part2), flush=True)
    lines += part2

    # 3. gap to exhaustive, exact chain
    from test_multiskill_staffing import _instance
    part3 = ["### Gap to the optimum (exhaustive enumeration, exact chain as oracle)", "",
             "| design | seed | calls/h | search | without exchanges | exhaustive | gap | "
             "staffings |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    for design, seed in [("N", 1), ("N", 5), ("N", 7), ("N", 11), ("X", 2), ("X", 6),
                         ("X", 8), ("W", 3), ("W", 9)]:
        model, lam = _instance(design, seed)
        res = staff_skills(model, lam)
        before = staff_skills(model, lam, exchange_max_out=1)
        best = exhaustive(model, lam, exact_oracle(model, lam), res.total_agents)
        gap = (res.total_agents - best.sum()) / best.sum()
        part3.append(f"| {design} | {seed} | {lam.astype(int).tolist()} | {res.total_agents} | "
                     f"{before.total_agents} | {int(best.sum())} | {100 * gap:.1f} % | "
                     f"{res.oracle_calls} |")
        print(part3[-1], flush=True)
    part3 += ["", "Four types are beyond the exact chain's state limit at these loads: they "
              "are in the next table, with the simulator as the oracle of both.", ""]
    lines += part3

    # 4. gap to exhaustive with four types: the same simulation oracle (same seed) for the
    # search and the enumeration, so the gap is the search's, not the noise's
    part4 = ["### Four types: gap to exhaustive enumeration, simulator as oracle", "",
             "Types t0-t3 with AHT and patience drawn once (seed 4); calls per hour drawn "
             "per seed; 10 replications of 10 h per staffing, the same seed for the search "
             "and the enumeration. Designs: chain (A: t0; AB: t1, t0; BC: t2, t1; CD: t3, "
             "t2), ring of two-skill groups, four specialists plus one all-skilled flexible "
             "group 10 % slower.", "",
             "Without exchanges: the same search with exchange_max_out=1 (one-for-one and "
             "two-for-one moves only, the search before the exchange moves).", "",
             "| design | seed | calls/h | search | without exchanges | exhaustive | gap | "
             "search s | without s | enumeration s |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    rng = np.random.default_rng(4)
    types = tuple(CallType(f"t{k}", aht_s=float(a), patience_s=float(p)) for k, (a, p) in
                  enumerate(zip(rng.uniform(150, 300, 4).round(),
                                rng.uniform(90, 240, 4).round(), strict=True)))
    slow = {f"t{k}": 1.1 for k in range(4)}
    designs = {
        "chain": (AgentGroup("A", ("t0",)), AgentGroup("AB", ("t1", "t0")),
                  AgentGroup("BC", ("t2", "t1")), AgentGroup("CD", ("t3", "t2"))),
        "ring": (AgentGroup("01", ("t0", "t1")), AgentGroup("12", ("t1", "t2")),
                 AgentGroup("23", ("t2", "t3")), AgentGroup("30", ("t3", "t0"))),
        "specialists+flex": tuple(AgentGroup(f"s{k}", (f"t{k}",)) for k in range(4)) + (
            AgentGroup("flex", tuple(f"t{k}" for k in range(4)), aht_factor=slow),),
    }
    worst = worst_before = 0.0
    for name, groups in designs.items():
        for seed in (1, 2, 3):
            lam = np.random.default_rng(seed).uniform(15, 45, 4).round()
            model = SkillsModel(types, groups)
            oracle = simulation_oracle(model, lam, hours=10, replications=10, seed=seed)
            t0 = time.perf_counter()
            res = staff_skills(model, lam, oracle=oracle)
            t1 = time.perf_counter()
            before = staff_skills(model, lam, oracle=oracle, exchange_max_out=1)
            tb = time.perf_counter()
            best = exhaustive(model, lam, oracle, res.total_agents)
            t2 = time.perf_counter()
            gap = (res.total_agents - best.sum()) / best.sum()
            worst = max(worst, gap)
            worst_before = max(worst_before, (before.total_agents - best.sum()) / best.sum())
            part4.append(f"| {name} | {seed} | {lam.astype(int).tolist()} | "
                         f"{res.total_agents} | {before.total_agents} | {int(best.sum())} | "
                         f"{100 * gap:.1f} % | {t1 - t0:.1f} | {tb - t1:.1f} | "
                         f"{t2 - tb:.1f} |")
            print(part4[-1], flush=True)
    part4 += ["", f"Worst gap {100 * worst:.1f} % (acceptance: within 3 %); without the "
              f"exchanges {100 * worst_before:.1f} %.", ""]
    lines += part4
    write_section("multiskill_staffing", "\n".join(lines))


if __name__ == "__main__":
    main()
