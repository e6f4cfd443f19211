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
from erlang.erlang_c import agents_for_deadline, p_response_gt
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


#: ``wfm erlang --model`` -> the channel whose model it is (None: from the other options)
MODELS = {"auto": None, "x": "voice", "chat": "chat", "deferred": "deferred"}


def channel_for(model: str) -> str | None:
    """The channel of a ``--model`` name (:data:`MODELS`)."""
    if model not in MODELS:
        raise InputError(f"model must be one of {', '.join(MODELS)}; got {model!r}",
                         param="model")
    return MODELS[model]


def seconds_list(text: str | None, name: str) -> tuple[float, ...] | None:
    """'180,210,240' -> (180.0, 210.0, 240.0) (checked as seconds > 0); None stays None."""
    if text is None:
        return None
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{name} must be seconds separated by commas, e.g. 180,210,240; got "
                         f"{text!r}", param=name) from None
    return checks.seconds_list(values, name)


def _deferred_answer(load, aht, target: ServiceTarget, agents) -> dict:
    """One interval of deferred work: a steady stream at this rate, each item done within
    ``deadline_h`` of arrival with probability ``deadline_share`` (M/M/N response time,
    :func:`erlang.erlang_c.p_response_gt`)."""
    if target.deadline_h is None:
        raise InputError("deferred work needs deadline_h (the deadline, business hours)",
                         param="deadline_h")
    deadline_s = target.deadline_h * 3600.0
    if agents is None:
        n = int(agents_for_deadline(load, aht, deadline_s, target.deadline_share,
                                    target.max_occupancy))
        n = max(n, target.min_agents)
    else:
        n = checks.whole(agents, "agents")
    ns = list(range(max(0, n - 3), n + 4))
    late = p_response_gt(np.array(ns, dtype=float), load, aht, deadline_s)
    rows = [{"agents": m, "share_on_time": float(1.0 - late[i]),
             "occupancy": float(min(load / m, 1.0)) if m else 0.0,
             "scheduled_agents": int(scheduled_agents(m, target.shrinkage))}
            for i, m in enumerate(ns)]
    return {"model": "deferred", "traffic_erl": load, "deadline_h": target.deadline_h,
            "deadline_share": target.deadline_share,
            **next(r for r in rows if r["agents"] == n)}, rows


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
    if aht_s is None and target.aht_s_by_concurrency is not None:
        aht_s = target.aht_s_by_concurrency[0]      # a chat alone: what the load counts
    load = _load(traffic_erl, calls, interval_min, aht_s, need_aht=True)
    aht = float(aht_s) if aht_s else 1.0
    if target.model == "deferred":
        answer, rows = _deferred_answer(load, aht, target, agents)
        return {"answer": answer, "rows": rows, "solved": agents is None, "target": target}
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
    lined = target.lines is not None
    return [{**({"p_block": float(k["p_block"][i])} if lined else {}), **{
        "agents": int(n),
        "service_level": float(k["service_level"][i]),
        "p_wait": float(k["p_wait"][i]),
        "asa_s": float(k["asa_s"][i]),
        "occupancy": float(k["occupancy"][i]),
        "p_abandon": float(k["p_abandon"][i]) if target.patience_s is not None else None,
        "scheduled_agents": int(sched[i]),
    }} for i, n in enumerate(ns)]


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
    if ans["model"] == "deferred":
        return _deferred_table(result)
    model = _model_name(ans["model"], t)
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
    if t.lines is not None:
        cols += f" {'blocked':>8}"
    if t.shrinkage > 0:
        cols += f" {'sched.':>7}"
    out = [head, "", cols]
    for r in result["rows"]:
        asa = f"{r['asa_s']:9.2f}" if math.isfinite(r["asa_s"]) else f"{'inf':>9}"
        line = (f"{r['agents']:>7} {r['service_level']:>8.2%} {r['p_wait']:>8.2%} {asa} "
                f"{r['occupancy']:>7.1%}")
        if t.patience_s is not None:
            line += f" {r['p_abandon']:>8.2%}"
        if t.lines is not None:
            line += f" {r['p_block']:>8.2%}"
        if t.shrinkage > 0:
            line += f" {r['scheduled_agents']:>7}"
        if r["agents"] == ans["agents"]:
            line += "  <-"
        out.append(line)
    return "\n".join(out)


def _model_name(model: str, t: ServiceTarget) -> str:
    """'Erlang C', 'Erlang A (patience 60 s)', 'Erlang X (...)', 'Erlang Chat (...)'."""
    patience = f"patience {t.patience_s:g} s" if t.patience_s is not None else "no abandonment"
    if model == "erlang_c":
        return "Erlang C"
    if model == "erlang_a":
        return f"Erlang A ({patience})"
    lines = f"{t.lines} lines" if t.lines is not None else "unlimited lines"
    if model == "erlang_x":
        return f"Erlang X ({patience}, {lines}, redial share {t.redial_share:g})"
    aht = ("handle time " + "/".join(f"{v:g}" for v in t.aht_s_by_concurrency) + " s"
           if t.aht_s_by_concurrency is not None else "the same handle time at any load")
    return f"Erlang Chat (up to {t.concurrency or 1} chats per agent, {aht}, {patience}, {lines})"


def _deferred_table(result: dict) -> str:
    ans, t = result["answer"], result["target"]
    verb = "needs" if result["solved"] else "evaluated at"
    head = (f"Deferred work, {ans['traffic_erl']:.4g} Erlangs of work arriving steadily, "
            f"{100 * t.deadline_share:g}% done within {t.deadline_h:g} h: {verb} "
            f"{ans['agents']} agents"
            + (f" ({ans['scheduled_agents']} scheduled at {t.shrinkage:.0%} shrinkage)"
               if t.shrinkage > 0 else ""))
    out = [head, "", f"{'agents':>7} {'on time':>8} {'occup.':>7}"]
    for r in result["rows"]:
        line = f"{r['agents']:>7} {r['share_on_time']:>8.2%} {r['occupancy']:>7.1%}"
        out.append(line + ("  <-" if r["agents"] == ans["agents"] else ""))
    out.append("")
    out.append("(a steady stream at this rate, first come first served: M/M/N response time; "
               "a day of intervals is planned by wfm staff / wfm plan)")
    return "\n".join(out)
