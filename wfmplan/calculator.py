"""One interval, solved or evaluated: the answers behind ``wfm erlang``, and a readable table.

The load is given as Erlangs or as calls in an interval: A = calls x aht_s / (interval_min x
60). Erlang B gives the lines for a blocking target; Erlang C (Erlang A with patience) the
agents for a :class:`~wfmcore.targets.ServiceTarget`, with the KPIs of the headcounts around
the answer computed in one vectorised call.
"""

from __future__ import annotations

import math

import numpy as np

from erlang import blocking, kpis, lines_for_blocking, required_agents, scheduled_agents
from wfmcore import checks
from wfmcore.errors import InputError
from wfmcore.targets import ServiceTarget


def _load(traffic_erl, calls, interval_min, aht_s, need_aht: bool) -> float:
    if traffic_erl is not None and calls is not None:
        raise InputError("give either traffic_erl or calls with interval_min, not both",
                         param="traffic_erl")
    if traffic_erl is None and calls is None:
        raise InputError("give the load: traffic_erl, or calls with interval_min",
                         param="traffic_erl")
    if aht_s is not None:
        aht_s = checks.seconds(aht_s, "aht_s", allow_zero=True)
    if calls is not None:
        calls = checks.number(calls, "calls")
        if calls < 0:
            raise InputError(f"calls must be a number >= 0; got {calls:g}", param="calls")
        if interval_min is None:
            raise InputError("calls needs interval_min (the interval length in minutes)",
                             param="calls")
        interval_min = checks.positive(interval_min, "interval_min")
        if aht_s is None:
            raise InputError("calls needs aht_s (average handle time in seconds)",
                             param="calls")
        if aht_s == 0 and calls > 0:
            raise InputError("aht_s must be > 0 seconds when calls are offered", param="aht_s")
        return calls * aht_s / (interval_min * 60.0)
    traffic_erl = checks.number(traffic_erl, "traffic_erl")
    if traffic_erl < 0:
        raise InputError(f"traffic_erl must be a finite number >= 0; got {traffic_erl:g}",
                         param="traffic_erl")
    if need_aht:
        if aht_s is None:
            raise InputError("aht_s is needed (service level and ASA depend on handle time)",
                             param="aht_s")
        if aht_s == 0 and traffic_erl > 0:
            raise InputError("aht_s must be > 0 seconds when there is traffic", param="aht_s")
    return float(traffic_erl)


def erlang_answer(*, traffic_erl=None, calls=None, interval_min=None, aht_s=None,
                  target: ServiceTarget | None, agents=None, max_blocking=None) -> dict:
    """Solve (or evaluate ``agents``) for one interval; returns the JSON answer and a few
    neighbouring headcounts for the readable table."""
    if max_blocking is not None:
        load = _load(traffic_erl, calls, interval_min, aht_s, need_aht=False)
        if agents is not None:
            lines = checks.whole(agents, "agents")
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
        n = checks.whole(agents, "agents")
    else:
        n = int(required_agents(load, aht, target))
    lo = max(0, n - 3)
    rows = _kpi_records(list(range(lo, n + 4)), load, aht, target)
    answer = {"model": target.model, "traffic_erl": load,
              **next(r for r in rows if r["agents"] == n)}
    return {"answer": answer, "rows": rows, "solved": agents is None, "target": target}


def _kpi_records(ns, load, aht, target):
    """KPIs for several headcounts in one vectorised call."""
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
