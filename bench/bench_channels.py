"""Benchmark: the channel simulator against the Erlang X and Erlang Chat formulas, and its cost.

For every case of a grid the stationary KPIs of :func:`erlang.simulate_channels.simulate_channel`
(one long run per replication: 1 + 10 intervals of 4 hours, the first as warm-up; 30
replications = independent days) are set against the formula (:func:`erlang.erlang_x.kpis`,
:func:`erlang.chat.kpis`) with the simulator's 95 % confidence interval:

* Erlang X: CCmath's example load (4 calls/min, AHT 3 min, 14 agents, T = 20 s) with lines
  15, 20, 30, 100, mean patience 30, 60, 300 s and redial shares 0, 0.25, 0.5 (redial delay
  exponential, mean 300 s; the formula's fixed point has no delay);
* Erlang Chat: concurrency c = 1, 2, 3 with AHT rising with the chats held (180, 210, 240 s),
  3, 5, 10, 20 agents at 90 % of the slots' capacity N c / AHT[c], patience 60 s, 100 lines,
  plus CCmath's published example (4 chats/min, AHT 3/3.5/4 min, 5 agents); each simulated
  with the routing of the formula's chain (``balanced``: chats always spread evenly) and with
  plain least-loaded routing (``least_loaded``: chats never move), which is what the chain
  approximates.

Also: CCmath's two published examples with 200 replications (printed value, formula,
simulator with both routings), and the Erlang X redial fixed point against redial delays of
30 s to 30,000 s (the formula has no delay; the simulator's redials come after one).

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
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from _results import write_section  # noqa: E402
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
        formula = {c: erlang_x.kpis(agents, calls_per_h * aht / 3600, aht, THRESHOLD_S, patience,
                                    lines=lines, redial_share=redial, sl_convention=c)
                   for c in ("offered", "virtual")}
        case = f"X L={lines} pat={patience:g}s redial={redial:g}"
        total = float(res.summary["offered"].iloc[0]) * REPLICATIONS
        for cmp in compare(formula, sims, X_PAIRS, total):
            rows.append({"model": "erlang_x" if redial == 0 else "erlang_x/redials",
                         "case": case, **cmp})
    return rows


def chat_cases():
    for c in (1, 2, 3):
        for n in CHAT_AGENTS:
            aht = CHAT_AHT[:c]
            per_s = 0.9 * n * c / aht[-1]
            yield f"chat c={c} N={n} {per_s * 60:.2f}/min", per_s, aht, n
    yield "chat CCmath example c=3 N=5 4/min", 4 / 60, CHAT_AHT, 5


def run_chat() -> list[dict]:
    rows = []
    for i, (case, per_s, aht, n) in enumerate(chat_cases()):
        formula = {c: chat.kpis(n, per_s, list(aht), THRESHOLD_S, 60.0, lines=100,
                                sl_convention=c) for c in ("offered", "virtual")}
        for routing in ("balanced", "least_loaded"):
            res = stationary(per_s * 3600, aht, n, seed=500 + i, patience_s=60.0, lines=100,
                             routing=routing)
            sims = {c: res.summary_for(c) for c in ("offered", "virtual")}
            total = float(res.summary["offered"].iloc[0]) * REPLICATIONS
            for cmp in compare(formula, sims, CHAT_PAIRS, total):
                rows.append({"model": f"chat/{routing}", "case": case, **cmp})
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


def run_compile() -> dict:
    """First call in a fresh process with an empty numba cache, then with that cache."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        for name in ("cold cache", "warm cache"):
            r = subprocess.run([sys.executable, "-c", COLD], env=env, capture_output=True,
                               text=True, cwd=ROOT, check=True)
            out[name] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


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


def run_delays() -> list[str]:
    """The redial fixed point against redial delays from 30 s to 30,000 s (8 h 20 min): one
    interval of 24 h per day so the longest delays mix, 1 + 10 days, 20 replications."""
    lines = ["| case | KPI | formula | " + " | ".join(f"delay {d:g} s" for d in DELAYS_S) + " |",
             "|---|---|---:|" + "---:|" * len(DELAYS_S)]
    for li, pat, redial in DELAY_CASES:
        f = erlang_x.kpis(14, 12.0, 180.0, THRESHOLD_S, pat, lines=li, redial_share=redial)
        sims = [simulate_channel([240.0 * 24] * 11, [180.0], 14, 24 * 60, patience_s=pat,
                                 lines=li, redial_share=redial, redial_delay_s=d,
                                 replications=20, warmup_intervals=1, seed=900).summary
                for d in DELAYS_S]
        for label, key in (("P(block)", "p_block"), ("P(abandon)", "p_abandon"),
                           ("SL offered", "service_level"), ("retrial factor", "retrial_factor")):
            cells = [f"{s[key].iloc[0]:.4f} ± {s[f'{key}_hw'].iloc[0]:.4f}" for s in sims]
            lines.append(f"| X L={li} pat={pat:g}s redial={redial:g} | {label} | "
                         f"{float(f[key]):.4f} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    t0 = time.perf_counter()
    rows = run_erlang_x() + run_chat()
    delays = run_delays()
    published = run_published()
    t_check = time.perf_counter() - t0
    cost = run_cost()
    compile_cost = run_compile()
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
    for model in ("erlang_x", "erlang_x/redials", "chat/balanced", "chat/least_loaded"):
        text.append(f"- {tally(rows, model)}")
    text.append("")
    flagged = [r for r in rows if abs(r["z"]) > Z_FLAG]
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
                          "never move)")):
        text += [f"### {title}", ""] + table(rows, model) + [""]
    text += ["### CCmath's published examples", "",
             f"Printed value, our formula, and the simulator ({PUBLISHED_REPLICATIONS} "
             "replications of the same 10 x 4 h; balanced = the chain the formulas solve, "
             "least-loaded = chats never move). SL and ASA in the virtual convention:", ""]
    text += published + [""]
    text += ["### Erlang X redials: the fixed point against the redial delay", "",
             "The formula treats redials as part of a Poisson stream (lambda_eff); simulated "
             "redials come a random delay after a failure, so they cluster after congestion. "
             "Same seed in every column:", ""] + delays + [""]
    text += ["### Cost per simulated contact", "",
             "Whole `simulate_channel` calls, best of 5, kernel compiled:", "",
             "| workload | wall time | contacts | us per contact |", "|---|---:|---:|---:|"]
    text += [f"| {c['case']} | {c['wall_s']:.3f} s | {c['contacts']:,.0f} | "
             f"{c['us_per_contact']:.2f} |" for c in cost]
    text += ["", "Compile cost (numba `njit(cache=True)` of `channel_kernel`, fresh process):", "",
             "| numba cache | import | first call | second call |", "|---|---:|---:|---:|"]
    text += [f"| {k} | {v['import']:.2f} s | {v['first']:.2f} s | {v['second']:.3f} s |"
             for k, v in compile_cost.items()]
    out = "\n".join(text)
    print(out)
    write_section("channels", out)


if __name__ == "__main__":
    main()
