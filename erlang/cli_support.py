"""One-interval answers for ``wfm erlang``: solve or evaluate, and a readable table."""

from __future__ import annotations

import math

from erlang.erlang_b import blocking, lines_for_blocking
from erlang.staffing import ServiceTarget, kpis, required_agents, scheduled_agents
from wfmcore.errors import InputError


def _load(traffic_erl, calls, interval_min, aht_s, need_aht: bool) -> float:
    if traffic_erl is not None and calls is not None:
        raise InputError("give either --traffic-erl or --calls with --interval-min, not both")
    if traffic_erl is None and calls is None:
        raise InputError("give the load: --traffic-erl A, or --calls N --interval-min M")
    if aht_s is not None and (math.isnan(aht_s) or aht_s < 0):
        raise InputError(f"--aht-s must be > 0 seconds; got {aht_s:g}")
    if calls is not None:
        if not math.isfinite(calls) or calls < 0:
            raise InputError(f"--calls must be a number >= 0; got {calls:g}")
        if interval_min is None:
            raise InputError("--calls needs --interval-min (the interval length in minutes)")
        if not math.isfinite(interval_min) or interval_min <= 0:
            raise InputError(f"--interval-min must be > 0; got {interval_min:g}")
        if aht_s is None:
            raise InputError("--calls needs --aht-s (average handle time in seconds)")
        if aht_s == 0 and calls > 0:
            raise InputError("--aht-s must be > 0 seconds when calls are offered")
        return calls * aht_s / (interval_min * 60.0)
    if math.isnan(traffic_erl) or traffic_erl < 0 or math.isinf(traffic_erl):
        raise InputError(f"--traffic-erl must be a finite number >= 0; got {traffic_erl:g}")
    if need_aht:
        if aht_s is None:
            raise InputError("--aht-s is needed (service level and ASA depend on handle time)")
        if aht_s == 0 and traffic_erl > 0:
            raise InputError("--aht-s must be > 0 seconds when there is traffic")
    return float(traffic_erl)


def erlang_answer(*, traffic_erl=None, calls=None, interval_min=None, aht_s=None,
                  target: ServiceTarget | None, agents=None, max_blocking=None) -> dict:
    """Solve (or evaluate ``agents``) for one interval; returns the JSON answer and a few
    neighbouring headcounts for the readable table."""
    if max_blocking is not None:
        load = _load(traffic_erl, calls, interval_min, aht_s, need_aht=False)
        if agents is not None:
            if agents < 0:
                raise InputError(f"--agents must be >= 0; got {agents}")
            lines = int(agents)
        else:
            lines = lines_for_blocking(load, max_blocking)
        answer = {"model": "erlang_b", "traffic_erl": load, "lines": lines,
                  "blocking": float(blocking(lines, load))}
        rows = [(n, float(blocking(n, load))) for n in range(max(0, lines - 2), lines + 4)]
        return {"answer": answer, "rows": rows, "solved": agents is None}

    target = target or ServiceTarget()
    load = _load(traffic_erl, calls, interval_min, aht_s, need_aht=True)
    aht = float(aht_s) if aht_s else 1.0
    if agents is not None:
        if agents < 0:
            raise InputError(f"--agents must be >= 0; got {agents}")
        n = int(agents)
    else:
        n = int(required_agents(load, aht, target))
    lo = max(0, n - 3)
    rows = _kpi_records(list(range(lo, n + 4)), load, aht, target)
    answer = {"model": target.model, "traffic_erl": load,
              **next(r for r in rows if r["agents"] == n)}
    return {"answer": answer, "rows": rows, "solved": agents is None, "target": target}


def _kpi_records(ns, load, aht, target):
    """KPIs for several headcounts in one vectorised call."""
    import numpy as np

    k = kpis(np.array(ns), load, aht, target)
    sched = scheduled_agents(np.array(ns), target.shrinkage)
    return [{
        "agents": int(n),
        "service_level": float(k["service_level"][i]),
        "p_wait": float(k["p_wait"][i]),
        "asa_s": float(k["asa_s"][i]),
        "occupancy": float(k["occupancy"][i]),
        "p_abandon": float(k["p_abandon"][i]) if target.patience_s is not None else None,
        "scheduled_agents": int(sched[i]),
    } for i, n in enumerate(ns)]


def erlang_table(result: dict) -> str:
    """The readable answer: one headline and the KPIs for headcounts around it."""
    ans = result["answer"]
    if ans["model"] == "erlang_b":
        head = (f"Erlang B, {ans['traffic_erl']:.4g} Erlangs: "
                f"{ans['lines']} lines -> blocking {ans['blocking']:.4%}")
        lines = [head, "", f"{'lines':>7} {'blocking':>10}"]
        for n, b in result["rows"]:
            mark = "  <-" if n == ans["lines"] else ""
            lines.append(f"{n:>7} {b:>10.4%}{mark}")
        return "\n".join(lines)

    t = result["target"]
    model = "Erlang C" if ans["model"] == "erlang_c" else (
        f"Erlang A (patience {t.patience_s:g} s)")
    goals = []
    if t.sl_target > 0:
        goals.append(f"{100 * t.sl_target:g}% in {t.sl_threshold_s:g} s")
    if t.asa_target_s is not None:
        goals.append(f"ASA <= {t.asa_target_s:g} s")
    if t.max_abandon is not None:
        goals.append(f"abandon <= {100 * t.max_abandon:g}%")
    if t.max_occupancy is not None:
        goals.append(f"occupancy <= {100 * t.max_occupancy:g}%")
    verb = "needs" if result["solved"] else "evaluated at"
    head = (f"{model}, {ans['traffic_erl']:.4g} Erlangs, target "
            f"{', '.join(goals) or 'none'}: {verb} {ans['agents']} agents"
            + (f" ({ans['scheduled_agents']} scheduled at {t.shrinkage:.0%} shrinkage)"
               if t.shrinkage > 0 else ""))
    cols = f"{'agents':>7} {'SL':>8} {'P(wait)':>8} {'ASA s':>9} {'occup.':>7}"
    if t.patience_s is not None:
        cols += f" {'abandon':>8}"
    if t.shrinkage > 0:
        cols += f" {'sched.':>7}"
    out = [head, "", cols]
    for r in result["rows"]:
        asa = f"{r['asa_s']:9.2f}" if math.isfinite(r["asa_s"]) else f"{'inf':>9}"
        line = (f"{r['agents']:>7} {r['service_level']:>8.2%} {r['p_wait']:>8.2%} {asa} "
                f"{r['occupancy']:>7.1%}")
        if t.patience_s is not None:
            line += f" {r['p_abandon']:>8.2%}"
        if t.shrinkage > 0:
            line += f" {r['scheduled_agents']:>7}"
        if r["agents"] == ans["agents"]:
            line += "  <-"
        out.append(line)
    return "\n".join(out)
