"""Benchmark: the channel simulator against the Erlang X and Erlang Chat formulas, and its cost.

For every case of a grid the stationary KPIs of :func:`erlang.simulate_channels.simulate_channel`
(one long run per replication: 1 + 10 intervals of 4 hours, the first as warm-up; 30
replications = independent days) are set against the formula (:func:`erlang.erlang_x.kpis`,
:func:`erlang.chat.kpis`) with the simulator's 95 % confidence interval:

* Erlang X: CCmath's example load (4 calls/min, AHT 3 min, 14 agents, T = 20 s) with lines
  15, 20, 30, 100, mean patience 30, 60, 300 s and redial shares 0, 0.25, 0.5 (redial delay
  exponential, mean 300 s); with redials the formula is the exact redial chain at the
  simulated delay (``erlang_x.kpis(..., redial_delay_s=300)``), and the CCmath fixed point
  (``redial_delay_s=None``, no delay) is tallied beside it to show its error;
* Erlang Chat: concurrency c = 1, 2, 3 with AHT rising with the chats held (180, 210, 240 s),
  3, 5, 10, 20 agents at 90 % of the slots' capacity N c / AHT[c], patience 60 s, 100 lines,
  plus CCmath's published example (4 chats/min, AHT 3/3.5/4 min, 5 agents); each simulated
  with the routing of the formula's chain (``balanced``: chats always spread evenly) and with
  plain least-loaded routing (``least_loaded``: chats never move), which is what the chain
  approximates; the least-loaded runs are also set against the exact chain of that routing
  (``chat.kpis(..., routing="least_loaded")``, on the agents' occupancy profile).

Also: the two routings' headcounts and KPIs as the load grows (the evidence for
``routing="even"`` as the many-server limit), CCmath's two published examples with 200
replications (printed value, formula, simulator with both routings), the simulator, the
exact chain and the fixed point at redial delays of 30 s to 30,000 s, and the shortest
delay from which on the fixed point stays within a point of the exact chain (service level,
abandonment, blocking) on every redial case.

A formula value is "in" when it lies inside the simulated 95 % CI; with correct formulas
about 1 comparison in 20 falls outside by chance, so the table also gives z = (simulated -
formula) / standard error, and the report lists every |z| > 4 (not chance: 6e-5 two-sided).

Cost: wall time of whole ``simulate_channel`` calls (draws, kernel, totals, frames) per
simulated contact, kernels compiled; the compile cost in a fresh process with an empty numba
cache.

Run: .venv/bin/python bench/bench_channels.py   (writes section "channels" of RESULTS.md)
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from _results import compile_times, write_section  # noqa: E402
from scipy.special import stdtrit  # noqa: E402

from erlang import chat, erlang_x  # noqa: E402
from erlang.simulate_channels import simulate_channel  # noqa: E402

REPLICATIONS = 30
INTERVAL_MIN = 240
INTERVALS = 11          # the first is warm-up
THRESHOLD_S = 20.0
REDIAL_DELAY_S = 300.0
T_Q = float(stdtrit(REPLICATIONS - 1, 0.975))
Z_FLAG = 4.0

X_LINES = (15, 20, 30, 100)
X_PATIENCE = (30.0, 60.0, 300.0)
X_REDIAL = (0.0, 0.25, 0.5)
CHAT_AHT = (180.0, 210.0, 240.0)
CHAT_AGENTS = (3, 5, 10, 20)


def stationary(calls_per_h, aht, agents, *, seed, **kw):
    """One stationary simulation: 11 four-hour intervals, the first as warm-up."""
    return simulate_channel([calls_per_h * INTERVAL_MIN / 60] * INTERVALS, list(aht), agents,
                            INTERVAL_MIN, sl_threshold_s=THRESHOLD_S, replications=REPLICATIONS,
                            warmup_intervals=1, seed=seed, redial_delay_s=REDIAL_DELAY_S, **kw)


def compare(formula: dict, sim_rows: dict, pairs, offered_total: float) -> list[dict]:
    """One comparison per (label, formula key, convention, simulated column).

    A share the simulation never saw (0 +- 0, e.g. blocking with many lines) is consistent
    with the formula when the formula expects fewer than 3 such events in the whole run
    (Poisson: P(none) > 5 %); z is then reported as 0."""
    out = []
    for label, f_key, conv, s_col in pairs:
        f = float(formula[conv][f_key])
        row = sim_rows[conv]
        s, hw = float(row[s_col].iloc[0]), float(row[f"{s_col}_hw"].iloc[0])
        se = hw / T_Q
        if abs(s - f) < 1e-12:
            z, inside = 0.0, True
        elif se > 0:
            z, inside = (s - f) / se, abs(s - f) <= hw
        elif s == 0.0 and f * offered_total < 3.0:
            z, inside = 0.0, True
        else:
            z, inside = np.inf, False
        out.append({"kpi": label, "formula": f, "sim": s, "hw": hw, "z": z, "inside": inside})
    return out


X_PAIRS = [("SL virtual", "service_level", "virtual", "service_level"),
           ("SL offered", "service_level", "offered", "service_level"),
           ("ASA virtual s", "asa_s", "virtual", "asa_s"),
           ("P(wait)", "p_wait", "offered", "p_wait"),
           ("P(abandon)", "p_abandon", "offered", "p_abandon"),
           ("P(block)", "p_block", "offered", "p_block"),
           ("occupancy", "occupancy", "offered", "occupancy"),
           ("retrial factor", "retrial_factor", "offered", "retrial_factor")]
CHAT_PAIRS = [("SL virtual", "service_level", "virtual", "service_level"),
              ("SL offered", "service_level", "offered", "service_level"),
              ("ASA virtual s", "asa_s", "virtual", "asa_s"),
              ("P(wait)", "p_wait", "offered", "p_wait"),
              ("P(abandon)", "p_abandon", "offered", "p_abandon"),
              ("P(block)", "p_block", "offered", "p_block"),
              ("occupancy (slots)", "occupancy", "offered", "slot_occupancy"),
              ("mean concurrency", "mean_concurrency", "offered", "mean_concurrency")]


def run_erlang_x() -> list[dict]:
    rows = []
    calls_per_h, aht, agents = 240.0, 180.0, 14
    for i, (lines, patience, redial) in enumerate(
            (li, p, r) for li in X_LINES for p in X_PATIENCE for r in X_REDIAL):
        res = stationary(calls_per_h, [aht], agents, seed=100 + i, patience_s=patience,
                         lines=lines, redial_share=redial)
        sims = {c: res.summary_for(c) for c in ("offered", "virtual")}
        case = f"X L={lines} pat={patience:g}s redial={redial:g}"
        total = float(res.summary["offered"].iloc[0]) * REPLICATIONS
        for model, delay in ((("erlang_x", None),) if redial == 0 else
                             (("erlang_x/redials", REDIAL_DELAY_S),
                              ("erlang_x/redials fixed point", None))):
            formula = {c: erlang_x.kpis(agents, calls_per_h * aht / 3600, aht, THRESHOLD_S,
                                        patience, lines=lines, redial_share=redial,
                                        sl_convention=c, redial_delay_s=delay)
                       for c in ("offered", "virtual")}
            for cmp in compare(formula, sims, X_PAIRS, total):
                rows.append({"model": model, "case": case, **cmp})
    return rows


def chat_cases():
    for c in (1, 2, 3):
        for n in CHAT_AGENTS:
            aht = CHAT_AHT[:c]
            per_s = 0.9 * n * c / aht[-1]
            yield f"chat c={c} N={n} {per_s * 60:.2f}/min", per_s, aht, n
    yield "chat CCmath example c=3 N=5 4/min", 4 / 60, CHAT_AHT, 5


def least_loaded_chain(per_s, aht, agents, patience_s, lines, conv):
    """The exact chain of least-loaded routing without moving chats (state: the agents'
    occupancy profile): ``chat.kpis(..., routing="least_loaded")``."""
    return {k: float(v) for k, v in chat.kpis(agents, per_s, list(aht), THRESHOLD_S,
                                              patience_s, lines=lines, sl_convention=conv,
                                              routing="least_loaded").items()}


#: chat loads (per minute) of the headcount comparison of the two routings
GAP_LOADS_PER_MIN = (1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0)


def run_routing_gap() -> list[str]:
    """Even spread against least-loaded routing as the headcount grows (c = 3, AHT 180/210/
    240 s, patience 60 s, no line limit): the agents each routing needs for SL 80 % in 20 s
    (offered: abandons count against), both models' KPIs at the even answer, the cost of one
    least-loaded solve there (the chain's size C(N + 3, 3)) and of the least-loaded
    ``required_agents`` call (the even search, then one-agent steps)."""
    from wfmcore.targets import ServiceTarget

    target = ServiceTarget(sl_target=0.8, sl_threshold_s=THRESHOLD_S, patience_s=60.0)
    out = ["| chats/min | agents even | agents least-loaded | profiles at the even answer | "
           "SL even / least-loaded | gap, points | P(abandon) even / least-loaded | "
           "mean concurrency even / least-loaded | one solve | least-loaded staffing |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for per_min in GAP_LOADS_PER_MIN:
        per_s = per_min / 60
        n_even = chat.required_agents(per_s, list(CHAT_AHT), target)
        t0 = time.perf_counter()
        n_ll = chat.required_agents(per_s, list(CHAT_AHT), target, routing="least_loaded")
        search = time.perf_counter() - t0
        ev = chat.kpis(n_even, per_s, list(CHAT_AHT), THRESHOLD_S, 60.0)
        t0 = time.perf_counter()
        ll = chat.kpis(n_even, per_s, list(CHAT_AHT), THRESHOLD_S, 60.0,
                       routing="least_loaded")
        wall = time.perf_counter() - t0
        out.append(f"| {per_min:g} | {n_even} | {n_ll} | "
                   f"{chat.profile_states(n_even, len(CHAT_AHT)):,} | "
                   f"{float(ev['service_level']):.4f} / {float(ll['service_level']):.4f} | "
                   f"{100 * float(ev['service_level'] - ll['service_level']):.3f} | "
                   f"{float(ev['p_abandon']):.4f} / {float(ll['p_abandon']):.4f} | "
                   f"{float(ev['mean_concurrency']):.4f} / "
                   f"{float(ll['mean_concurrency']):.4f} | {wall:.2f} s | {search:.2f} s |")
    return out


PROFILE_COST_AGENTS = (50, 100, 110, 150)


PROFILE_COST = """
import json, sys, time
import numpy as np
from erlang import chat
n, aht = int(sys.argv[1]), np.array([180.0, 210.0, 240.0])
g = np.concatenate([[0.0], np.arange(1.0, 4.0) / aht])
t0 = time.perf_counter()
chat.least_loaded_law(n, 0.9 * n * 3 / aht[-1], g, 1 / 60.0, n * 3 + 100)
wall = time.perf_counter() - t0
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"wall": wall, "peak_kb": int(hwm.split()[1])}))
"""


def run_profile_cost() -> list[str]:
    """One least-loaded chain (``chat.least_loaded_law``, c = 3, 90 % of the slots' capacity,
    patience 60 s, 100 lines above the slots) by size, each in a fresh process: wall time and
    that process's peak resident memory (VmHWM: ru_maxrss would carry the parent's over
    exec); 150 agents is past MAX_PROFILE_STATES (called
    directly, for the record of why)."""
    out = ["| agents | profiles C(N + 3, 3) | wall time | peak memory of the process |",
           "|---:|---:|---:|---:|"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for n in PROFILE_COST_AGENTS:
        r = subprocess.run([sys.executable, "-c", PROFILE_COST, str(n)], env=env,
                           capture_output=True, text=True, cwd=ROOT, check=True)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        out.append(f"| {n} | {chat.profile_states(n, 3):,} | {res['wall']:.2f} s | "
                   f"{res['peak_kb'] / 1e6:.2f} GB |")
    return out


def run_chat() -> list[dict]:
    rows = []
    for i, (case, per_s, aht, n) in enumerate(chat_cases()):
        formula = {c: chat.kpis(n, per_s, list(aht), THRESHOLD_S, 60.0, lines=100,
                                sl_convention=c) for c in ("offered", "virtual")}
        profile = {c: least_loaded_chain(per_s, aht, n, 60.0, 100, c)
                   for c in ("offered", "virtual")}
        for routing in ("balanced", "least_loaded"):
            res = stationary(per_s * 3600, aht, n, seed=500 + i, patience_s=60.0, lines=100,
                             routing=routing)
            sims = {c: res.summary_for(c) for c in ("offered", "virtual")}
            total = float(res.summary["offered"].iloc[0]) * REPLICATIONS
            for cmp in compare(formula, sims, CHAT_PAIRS, total):
                rows.append({"model": f"chat/{routing}", "case": case, **cmp})
            if routing == "least_loaded":
                for cmp in compare(profile, sims, CHAT_PAIRS, total):
                    rows.append({"model": "chat/least_loaded profile chain", "case": case,
                                 **cmp})
    return rows


def fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) >= 10 else f"{v:.4f}"


def table(rows: list[dict], model: str) -> list[str]:
    """One line per case: each KPI as formula / simulated +- half-width, * when outside."""
    sel = [r for r in rows if r["model"] in model.split("+")]
    kpis = list(dict.fromkeys(r["kpi"] for r in sel))
    lines = ["| case | " + " | ".join(kpis) + " |", "|---|" + "---:|" * len(kpis)]
    for case in dict.fromkeys(r["case"] for r in sel):
        cells = []
        for k in kpis:
            r = next(x for x in sel if x["case"] == case and x["kpi"] == k)
            mark = "" if r["inside"] else (" **OUT**" if abs(r["z"]) > Z_FLAG else " out")
            cells.append(f"{fmt(r['formula'])} / {fmt(r['sim'])} ± {fmt(r['hw'])}{mark}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return lines


def tally(rows: list[dict], model: str) -> str:
    sel = [r for r in rows if r["model"] == model]
    out = sum(not r["inside"] for r in sel)
    big = sum(abs(r["z"]) > Z_FLAG for r in sel)
    return (f"{model}: {len(sel)} comparisons, {out} outside the 95 % CI "
            f"({100 * out / len(sel):.1f} %; ~5 % expected by chance), {big} with |z| > {Z_FLAG:g}")


# --------------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------------

def cost_cases():
    """(label, kwargs of simulate_channel): the brief's grid case and a day-sized workload."""
    t = np.arange(96)
    day = 300.0 * (0.15 + np.exp(-(((t - 48) / 20.0) ** 2)))          # ~15,000 a day
    agents_day = np.ceil(day * 300.0 / 900.0 * 1.1 + 2).astype(int)
    chat_agents = np.ceil(day * 240.0 / 900.0 / 3 * 1.1 + 2).astype(int)
    return [
        ("10 Erlangs, 100 days of one 60-min interval, voice, 13 agents",
         dict(calls_per_interval=[120.0], aht_s_by_concurrency=[300.0], agents=13,
              interval_min=60, replications=100, patience_s=180.0)),
        ("same, Erlang X: 15 lines, redial 0.3",
         dict(calls_per_interval=[120.0], aht_s_by_concurrency=[300.0], agents=13,
              interval_min=60, replications=100, patience_s=180.0, lines=15,
              redial_share=0.3)),
        ("day of 96 x 15 min, voice, patience 300 s, 20 days",
         dict(calls_per_interval=day, aht_s_by_concurrency=[300.0], agents=agents_day,
              interval_min=15, replications=20, patience_s=300.0)),
        ("same day, chat c=3 (AHT 180/210/240 s), least-loaded",
         dict(calls_per_interval=day, aht_s_by_concurrency=list(CHAT_AHT), agents=chat_agents,
              interval_min=15, replications=20, patience_s=300.0)),
        ("same day, chat c=3, balanced",
         dict(calls_per_interval=day, aht_s_by_concurrency=list(CHAT_AHT), agents=chat_agents,
              interval_min=15, replications=20, patience_s=300.0, routing="balanced")),
    ]


def run_cost(repeats: int = 5) -> list[dict]:
    out = []
    for label, kw in cost_cases():
        simulate_channel(**kw)                                  # compiled and cached
        best, res = np.inf, None
        for _ in range(repeats):
            t0 = time.perf_counter()
            res = simulate_channel(**kw)
            best = min(best, time.perf_counter() - t0)
        contacts = float(res.summary["offered"].iloc[0]) * kw["replications"]
        out.append({"case": label, "wall_s": best, "contacts": contacts,
                    "us_per_contact": best / contacts * 1e6})
    return out


def chain_cost_cases():
    """(label, kpis kwargs) for the cost of the exact redial chain."""
    base = dict(sl_threshold_s=THRESHOLD_S, aht_s=180.0, redial_share=0.5)
    return [
        ("grid case: 14 agents, 12 Erl, 20 lines, patience 60 s, delay 300 s",
         dict(agents=14, traffic_erl=12.0, patience_s=60.0, lines=20, redial_delay_s=300.0)),
        ("same, delay 30,000 s", dict(agents=14, traffic_erl=12.0, patience_s=60.0, lines=20,
                                      redial_delay_s=30000.0)),
        ("100 agents, 110 Erl, 130 lines, patience 120 s, delay 600 s",
         dict(agents=100, traffic_erl=110.0, patience_s=120.0, lines=130,
              redial_delay_s=600.0)),
        ("500 agents, 480 Erl, 1000 lines, patience 120 s, delay 300 s",
         dict(agents=500, traffic_erl=480.0, patience_s=120.0, lines=1000,
              redial_delay_s=300.0)),
        ("500 agents, 600 Erl, 550 lines, patience 120 s, delay 600 s",
         dict(agents=500, traffic_erl=600.0, patience_s=120.0, lines=550,
              redial_delay_s=600.0)),
    ], base


def run_chain_cost() -> list[dict]:
    """Wall time of one erlang_x.kpis call on the exact redial chain (best of 2), its size,
    and a staffing search: required_agents over 24 intervals of 5-40 Erlangs."""
    cases, base = chain_cost_cases()
    out = []
    for label, kw in cases:
        sizes = []
        orig = erlang_x.retrial_chain

        def spy(*args, orig=orig, sizes=sizes):
            pi = orig(*args)
            sizes.append(pi.size)
            return pi

        erlang_x.retrial_chain = spy
        try:
            best = np.inf
            for _ in range(2):
                sizes.clear()
                t0 = time.perf_counter()
                erlang_x.kpis(**kw, **base)
                best = min(best, time.perf_counter() - t0)
        finally:
            erlang_x.retrial_chain = orig
        out.append({"case": label, "wall_s": best, "states": max(sizes), "solves": len(sizes)})
    from wfmcore.targets import ServiceTarget

    loads = np.linspace(5.0, 40.0, 24)
    target = ServiceTarget(sl_target=0.8, sl_threshold_s=THRESHOLD_S, patience_s=60.0)
    t0 = time.perf_counter()
    erlang_x.required_agents(loads, 180.0, target, lines=60, redial_share=0.5,
                             redial_delay_s=300.0)
    out.append({"case": "required_agents, 24 intervals of 5-40 Erl, 60 lines, delay 300 s",
                "wall_s": time.perf_counter() - t0, "states": np.nan, "solves": np.nan})
    return out


COLD = """
import time, json
t0 = time.perf_counter()
from erlang.simulate_channels import simulate_channel
t1 = time.perf_counter()
simulate_channel([100.0], [300.0], 10, 60, replications=2)
t2 = time.perf_counter()
simulate_channel([100.0], [300.0], 10, 60, replications=2)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "second": t3 - t2}))
"""


#: CCmath's published examples (www.ccmath.com Erlang X and Erlang Chat pages, as quoted in
#: issue 13): KPI -> (printed value, the simulated column, its scale to the printed unit)
PUBLISHED = {
    "Erlang X: 4 calls/min, AHT 3 min, patience 1 min, 100 lines, 14 agents": (
        dict(calls_per_h=240.0, aht=[180.0], agents=14),
        {"SL (virtual, 20 s) %": (87.97, "service_level", 100), "ASA min": (0.10, "asa_s", 1 / 60),
         "abandonment %": (7.43, "p_abandon", 100), "occupancy %": (79.34, "occupancy", 100)}),
    "Erlang Chat: 4 chats/min, AHT 3/3.5/4 min, patience 1 min, 100 lines, 5 agents": (
        dict(calls_per_h=240.0, aht=list(CHAT_AHT), agents=5),
        {"SL (virtual, 20 s) % (printed 75.44)": (75.44, "service_level", 100),
         "ASA min": (0.22, "asa_s", 1 / 60), "abandonment %": (15.44, "p_abandon", 100),
         "occupancy % (busy slots)": (86.78, "slot_occupancy", 100)}),
}
PUBLISHED_REPLICATIONS = 200


def run_published() -> list[str]:
    """CCmath's two examples: printed value, our formula, the simulator (200 replications)
    with the formula's balanced routing and with least-loaded routing."""
    lines = ["| example | KPI | CCmath | formula | simulated, balanced | simulated, least-loaded |",
             "|---|---|---:|---:|---:|---:|"]
    for title, (case, kpis) in PUBLISHED.items():
        aht = case["aht"]
        if len(aht) == 1:
            f = erlang_x.kpis(case["agents"], case["calls_per_h"] * aht[0] / 3600, aht[0],
                              THRESHOLD_S, 60.0, lines=100, sl_convention="virtual")
        else:
            f = chat.kpis(case["agents"], case["calls_per_h"] / 3600, aht, THRESHOLD_S, 60.0,
                          lines=100, sl_convention="virtual")
        sims = {}
        for routing in ("balanced", "least_loaded"):
            sims[routing] = simulate_channel(
                [case["calls_per_h"] * INTERVAL_MIN / 60] * INTERVALS, aht, case["agents"],
                INTERVAL_MIN, sl_threshold_s=THRESHOLD_S, patience_s=60.0, lines=100,
                replications=PUBLISHED_REPLICATIONS, warmup_intervals=1, seed=77,
                sl_convention="virtual", routing=routing).summary
        f_keys = {"slot_occupancy": "occupancy"}
        for label, (printed, col, scale) in kpis.items():
            cells = [f"{sims[r][col].iloc[0] * scale:.4g} ± {sims[r][f'{col}_hw'].iloc[0] * scale:.2g}"
                     for r in ("balanced", "least_loaded")]
            lines.append(f"| {title} | {label} | {printed:g} | "
                         f"{float(f[f_keys.get(col, col)]) * scale:.4g} | " + " | ".join(cells) + " |")
    return lines


DELAY_CASES = ((15, 30.0, 0.5), (20, 60.0, 0.5), (100, 300.0, 0.5))
DELAYS_S = (30.0, 300.0, 3000.0, 30000.0)
#: the delay grid on which the fixed point's error against the exact chain is checked
SCAN_DELAYS_S = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, 30000.0)
WITHIN = 0.01           # "within a point": 0.01 on a share


def run_delays() -> list[str]:
    """The simulator, the exact redial chain and the fixed point against redial delays from
    30 s to 30,000 s (8 h 20 min): one interval of 24 h per day so the longest delays mix,
    1 + 10 days, 20 replications."""
    lines = ["| case | KPI | fixed point | " + " | ".join(f"delay {d:g} s: sim / exact"
                                                       for d in DELAYS_S) + " |",
             "|---|---|---:|" + "---:|" * len(DELAYS_S)]
    for li, pat, redial in DELAY_CASES:
        f = erlang_x.kpis(14, 12.0, 180.0, THRESHOLD_S, pat, lines=li, redial_share=redial)
        exact = [erlang_x.kpis(14, 12.0, 180.0, THRESHOLD_S, pat, lines=li,
                               redial_share=redial, redial_delay_s=d) for d in DELAYS_S]
        sims = [simulate_channel([240.0 * 24] * 11, [180.0], 14, 24 * 60, patience_s=pat,
                                 lines=li, redial_share=redial, redial_delay_s=d,
                                 replications=20, warmup_intervals=1, seed=900).summary
                for d in DELAYS_S]
        for label, key in (("P(block)", "p_block"), ("P(abandon)", "p_abandon"),
                           ("SL offered", "service_level"), ("retrial factor", "retrial_factor")):
            cells = []
            for s, e in zip(sims, exact, strict=True):
                est, hw, ex = s[key].iloc[0], s[f"{key}_hw"].iloc[0], float(e[key])
                # a share never seen in the run (0 +- 0) is consistent when fewer than 3
                # such events are expected in it (the rule of compare())
                unseen = est == 0.0 and ex * float(s["offered"].iloc[0]) * 20 < 3.0
                mark = "" if abs(est - ex) <= hw or unseen else " out"
                cells.append(f"{est:.4f} ± {hw:.4f} / {ex:.4f}{mark}")
            lines.append(f"| X L={li} pat={pat:g}s redial={redial:g} | {label} | "
                         f"{float(f[key]):.4f} | " + " | ".join(cells) + " |")
    return lines


def fixed_point_range() -> tuple[list[str], float]:
    """Per redial case of the grid: the largest error of the fixed point against the exact
    chain (service level offered and virtual, P(abandon), P(block)) at a few delays, and the
    delay beyond which it is <= WITHIN: the error falls with the delay on the scan grid
    (checked), and the crossing is bisected in log(delay) to 1 %."""
    out = ["| case | error at 30 s | error at 300 s | error at 3000 s | within a point "
           "from |", "|---|---:|---:|---:|---:|"]
    worst_from = 0.0
    for li in X_LINES:
        for pat in X_PATIENCE:
            for redial in X_REDIAL[1:]:
                kw = dict(lines=li, redial_share=redial)
                ref = {c: erlang_x.kpis(14, 12.0, 180.0, THRESHOLD_S, pat, sl_convention=c, **kw)
                       for c in ("offered", "virtual")}

                def error(d, kw=kw, ref=ref, pat=pat):
                    e = {c: erlang_x.kpis(14, 12.0, 180.0, THRESHOLD_S, pat, sl_convention=c,
                                          redial_delay_s=d, **kw) for c in ref}
                    return max(abs(float(e[c][k] - ref[c][k])) for c in ref
                               for k in ("service_level", "p_abandon", "p_block"))

                errs = [error(d) for d in SCAN_DELAYS_S]
                if any(b > a for a, b in zip(errs, errs[1:], strict=False)):
                    raise RuntimeError(f"the fixed point's error does not fall with the delay "
                                       f"for L={li} pat={pat} redial={redial}: {errs}")
                if errs[0] <= WITHIN:
                    start = f"<= {SCAN_DELAYS_S[0]:g} s"
                    worst_from = max(worst_from, SCAN_DELAYS_S[0])
                else:
                    i = next(i for i, e in enumerate(errs) if e <= WITHIN)
                    lo, hi = np.log(SCAN_DELAYS_S[i - 1]), np.log(SCAN_DELAYS_S[i])
                    while hi - lo > 0.01:
                        mid = 0.5 * (lo + hi)
                        lo, hi = (lo, mid) if error(np.exp(mid)) <= WITHIN else (mid, hi)
                    worst_from = max(worst_from, float(np.exp(hi)))
                    start = f"{np.exp(hi):,.0f} s"
                cells = [f"{errs[SCAN_DELAYS_S.index(d)]:.4f}" for d in (30.0, 300.0, 3000.0)]
                out.append(f"| X L={li} pat={pat:g}s redial={redial:g} | "
                           + " | ".join(cells) + f" | {start} |")
    return out, worst_from


def main() -> None:
    t0 = time.perf_counter()
    rows = run_erlang_x() + run_chat()
    delays = run_delays()
    fp_range, fp_from = fixed_point_range()
    published = run_published()
    routing_gap = run_routing_gap()
    t_check = time.perf_counter() - t0
    cost = run_cost()
    chain_cost = run_chain_cost()
    profile_cost = run_profile_cost()
    compile_cost = compile_times(COLD)
    import numba

    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}; "
               f"load average {os.getloadavg()[0]:.1f} at the end (shared machine)")
    text = ["## Channel simulator vs the Erlang X and Erlang Chat formulas (bench/bench_channels.py)",
            "",
            f"Machine: {machine}. Each case: {REPLICATIONS} replications of {INTERVALS} intervals "
            f"of {INTERVAL_MIN} min (the first is warm-up), T = {THRESHOLD_S:g} s, redial delay "
            f"exponential with mean {REDIAL_DELAY_S:g} s. Cells: formula / simulated ± 95 % CI "
            f"half-width; `out` = formula outside the CI, `**OUT**` = |z| > {Z_FLAG:g}. Shares "
            "other than P(block) are of the contacts that got a line (both sides). Grid run "
            f"in {t_check:.0f} s.", ""]
    for model in ("erlang_x", "erlang_x/redials", "erlang_x/redials fixed point",
                  "chat/balanced", "chat/least_loaded", "chat/least_loaded profile chain"):
        text.append(f"- {tally(rows, model)}")
    text += ["", "(erlang_x/redials: the exact redial chain at the simulated 300 s delay; "
             "erlang_x/redials fixed point: CCmath's fixed point, the same simulations. The "
             f"fixed point stays within {100 * WITHIN:g} point of the exact chain for every "
             f"redial case of the grid once the mean delay is at least {fp_from:,.0f} s; "
             "table below. chat/least_loaded: the least-loaded simulations against Erlang "
             "Chat's chain, which assumes chats always evenly spread; chat/least_loaded "
             "profile chain: the same simulations against the exact chain of least-loaded "
             "routing on the agents' occupancy profile, "
             "`chat.kpis(..., routing=\"least_loaded\")`.)", ""]
    flagged = [r for r in rows if abs(r["z"]) > Z_FLAG and "fixed point" not in r["model"]
               and r["model"] != "chat/least_loaded"]
    text += [f"Not listed: the {sum(abs(r['z']) > Z_FLAG for r in rows if r['model'] == m)} "
             f"|z| > {Z_FLAG:g} of {m} (the model it is set against is known not to be that "
             "system's)." for m in ("erlang_x/redials fixed point", "chat/least_loaded")]
    text.append("")
    if flagged:
        text += ["Disagreements beyond chance (|z| > 4):", "",
                 "| model | case | KPI | formula | simulated | ± 95 % | z |",
                 "|---|---|---|---:|---:|---:|---:|"]
        text += [f"| {r['model']} | {r['case']} | {r['kpi']} | {r['formula']:.5f} | "
                 f"{r['sim']:.5f} | {r['hw']:.5f} | {r['z']:+.1f} |" for r in flagged]
        text.append("")
    for model, title in (("erlang_x+erlang_x/redials",
                          "Erlang X (14 agents, 4 calls/min, AHT 180 s)"),
                         ("chat/balanced", "Erlang Chat, balanced routing (the chain of the "
                          "formula)"),
                         ("chat/least_loaded", "Erlang Chat, least-loaded routing (chats "
                          "never move)"),
                         ("chat/least_loaded profile chain", "Least-loaded routing against "
                          "the exact chain of its occupancy profile")):
        text += [f"### {title}", ""] + table(rows, model) + [""]
        if model.startswith("erlang_x"):
            text += ["(With redials the formula is the exact chain at the 300 s delay.)", ""]
    text += ["### Even spread against least-loaded routing by headcount", "",
             "Chat c = 3 (AHT 180/210/240 s), patience 60 s, no line limit, target SL 80 % in "
             "20 s (offered: abandons count against): the agents each model needs, both models' "
             "KPIs at the even model's headcount, one least-loaded solve there and the "
             "least-loaded `required_agents` call "
             f"(`chat.kpis(..., routing=\"least_loaded\")`, at most "
             f"{chat.MAX_PROFILE_STATES:,} profiles):", ""] + routing_gap + [""]
    text += ["### CCmath's published examples", "",
             f"Printed value, our formula, and the simulator ({PUBLISHED_REPLICATIONS} "
             "replications of the same 10 x 4 h; balanced = the chain the formulas solve, "
             "least-loaded = chats never move). SL and ASA in the virtual convention:", ""]
    text += published + [""]
    text += ["### Erlang X redials: simulator, exact chain and fixed point against the delay",
             "",
             "The fixed point treats redials as part of a Poisson stream (lambda_eff); simulated "
             "redials come a random (exponential) delay after a failure, so they cluster after "
             "congestion, which the exact chain on (contacts in system, callers waiting to "
             "redial) describes. Cells: simulated ± 95 % / exact chain (`out` = exact outside "
             "the CI); same seed in every column:", ""] + delays + [""]
    text += ["### Where the fixed point is good enough", "",
             "Largest absolute error of the fixed point against the exact chain (service level "
             "offered and virtual, P(abandon), P(block)) at a mean redial delay, and the "
             f"delay beyond which it stays <= {WITHIN:g} (it falls with the delay on a grid "
             f"of {SCAN_DELAYS_S[0]:g} s to {SCAN_DELAYS_S[-1]:,.0f} s, like 1 / delay once "
             "long; the crossing bisected):", ""] + fp_range + [""]
    text += ["### Cost per simulated contact", "",
             "Whole `simulate_channel` calls, best of 5, kernel compiled:", "",
             "| workload | wall time | contacts | us per contact |", "|---|---:|---:|---:|"]
    text += [f"| {c['case']} | {c['wall_s']:.3f} s | {c['contacts']:,.0f} | "
             f"{c['us_per_contact']:.2f} |" for c in cost]
    text += ["", "### Cost of the exact redial chain", "",
             "One `erlang_x.kpis(..., redial_share=0.5, redial_delay_s=...)` call (best of 2; "
             "the orbit is grown until its cut is harmless, so a call may solve the "
             "chain more than once), and a staffing search:", "",
             "| case | wall time | largest chain (states) | solves |", "|---|---:|---:|---:|"]
    text += [f"| {c['case']} | {c['wall_s']:.3f} s | "
             + ("-" if np.isnan(c["states"]) else f"{c['states']:,}") + " | "
             + ("-" if np.isnan(c["solves"]) else f"{c['solves']}") + " |" for c in chain_cost]
    text += ["", "### Cost of the least-loaded chat chain", "",
             "One `chat.least_loaded_law` (sparse LU, c = 3, 90 % load, 100 lines above the "
             f"slots); `routing=\"least_loaded\"` refuses over {chat.MAX_PROFILE_STATES:,} "
             "profiles:", ""] + profile_cost
    text += ["", "Compile cost (numba `njit(cache=True)` of `channel_kernel`, fresh process):", "",
             "| numba cache | import | first call | second call |", "|---|---:|---:|---:|"]
    text += [f"| {k} | {v['import']:.2f} s | {v['first']:.2f} s | {v['second']:.3f} s |"
             for k, v in compile_cost.items()]
    out = "\n".join(text)
    print(out)
    write_section("channels", out)


if __name__ == "__main__":
    main()
