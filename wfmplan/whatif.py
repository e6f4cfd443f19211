"""What-if scenarios: the same forecast under other volumes, handle times, targets, models.

A scenario changes the base in a few named ways (volume x factor, AHT x factor or + seconds,
service-level target and threshold, ASA / abandonment / occupancy targets, shrinkage,
patience, Erlang C or A) and is either *solved* (required agents per interval) or, with a
given headcount per interval, *evaluated* ("what service level do these people give?").
The base is the settings given (command line, wfm.toml with its per-queue tables): the
scenario that changes nothing, always in the table, and every difference is to it.

Period KPIs are call-weighted totals, never averages of interval ratios:
service level = sum(SL_i x offered_i) / sum(offered_i); abandonment likewise;
ASA = sum(ASA_i x answered_i) / sum(answered_i); occupancy = sum(A_i (1 - P_ab,i)) / sum(N_i).
Agent-hours = sum(N_i) x interval hours. FTE = paid hours of the scenario's shifts (when a
scheduler is given) or else scheduled agent-hours, over ``fte_hours`` x weeks. Headcount =
people needed, queue by queue (shifts are planned per queue): at least those hours over
``fte_hours`` x weeks, rounded up, the busiest day's shifts (one shift a day each; when
scheduled) and the most agents scheduled at once, summed over the queues.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

import shifts
from erlang import kpis, offered_load, scheduled_agents
from forecast import ForecastOptions, run_forecast
from wfmcore import checks, reader
from wfmcore import schema as S
from wfmcore.config import Config
from wfmcore.errors import InputError
from wfmcore.excel import write_frame
from wfmcore.io import check_output_path, read_toml, write_atomic
from wfmcore.parallel import key_seed, map_ordered, resolve_workers
from wfmcore.reader import IntervalFile
from wfmcore.readoptions import ReadOptions
from wfmcore.targets import TARGET_FIELDS, ServiceTarget
from wfmplan.capacity import run_capacity
from wfmplan.settings import shift_rules
from wfmplan.staffing import (
    agents_for,
    aht_for,
    horizon_weeks,
    load_to_staff,
    read_forecast,
    row_aht,
    series_tasks,
)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """Changes against the base; ``None`` keeps the base value.

    ``volume`` and ``aht`` are multipliers (1.1 = +10 %); ``aht_delta_s`` adds seconds to
    every interval's AHT after the multiplier (-10 = ten seconds shorter, in each queue's own
    AHT); ``attrition_points`` (long-range plan only, :func:`run_capacity_whatif`) adds to
    the annual attrition (0.05 = five points); ``model`` is "erlang_c" or "erlang_a"
    (Erlang A needs a patience, from the scenario or the base).
    """

    name: str
    volume: float = 1.0
    aht: float = 1.0
    aht_delta_s: float = 0.0
    attrition_points: float = 0.0
    model: str | None = None
    # the ServiceTarget fields (wfmcore.targets), None = the base value
    sl_target: float | None = None
    sl_threshold_s: float | None = None
    asa_target_s: float | None = None
    max_occupancy: float | None = None
    max_abandon: float | None = None
    sl_convention: str | None = None
    patience_s: float | None = None
    min_agents: int | None = None
    staffing_method: str | None = None
    isa_replications: int | None = None
    isa_max_iterations: int | None = None
    isa_damping: float | None = None
    service_risk: float | None = None
    expected_sl: bool | None = None
    sl_period: str | None = None
    sl_floor: float | None = None
    channel: str | None = None
    lines: int | None = None
    redial_share: float | None = None
    redial_delay_s: float | None = None
    concurrency: int | None = None
    aht_s_by_concurrency: tuple[float, ...] | None = None
    chat_routing: str | None = None
    deadline_h: float | None = None
    deadline_share: float | None = None
    shrinkage: float | None = None

    def __post_init__(self):
        for f in ("volume", "aht"):
            v = getattr(self, f)
            if not (isinstance(v, int | float) and v > 0 and np.isfinite(v)):
                raise InputError(f"scenario '{self.name}': {f} must be a multiplier > 0 "
                                 f"(1.1 = +10 %); got {v!r}")
        if not (isinstance(self.attrition_points, int | float)
                and 0 <= self.attrition_points < 1):
            raise InputError(f"scenario '{self.name}': attrition_points must be a share in "
                             f"[0, 1) of a year (0.05 = five points); got "
                             f"{self.attrition_points!r}", param="attrition_points")
        if not (isinstance(self.aht_delta_s, int | float) and np.isfinite(self.aht_delta_s)):
            raise InputError(f"scenario '{self.name}': aht_delta_s must be a number of "
                             f"seconds (-10 = ten seconds shorter); got {self.aht_delta_s!r}")
        if self.model not in (None, "erlang_c", "erlang_a"):
            raise InputError(f"scenario '{self.name}': model must be erlang_c or erlang_a; "
                             f"got {self.model!r}")

    def target(self, base: ServiceTarget) -> ServiceTarget:
        """The base target with this scenario's changes (validated like any target)."""
        changes = {k: v for k, v in asdict(self).items() if k in TARGET_CHANGES and v is not None}
        try:
            t = replace(base, **changes)
        except InputError as exc:
            raise InputError(f"scenario '{self.name}': {exc}") from None
        if self.model == "erlang_c":
            t = replace(t, patience_s=None, max_abandon=None)
        elif self.model == "erlang_a" and t.patience_s is None:
            raise InputError(f"scenario '{self.name}': erlang_a needs patience_s")
        return t


#: keys of a scenario: its name, the two multipliers, the model, then every target key
SCENARIO_KEYS = tuple(f.name for f in fields(Scenario))
#: the target keys of a scenario: the ServiceTarget fields (one vocabulary; a test checks
#: that Scenario lists every one of them)
TARGET_CHANGES = tuple(k for k in SCENARIO_KEYS if k in TARGET_FIELDS)


def load_scenarios(path: Path | str) -> list[Scenario]:
    """Scenarios from a TOML file: one ``[[scenario]]`` table each, keys as in Scenario."""
    p = Path(path)
    raw = read_toml(p, "scenario")
    extra = set(raw) - {"scenario"}
    if extra:
        raise InputError(f"{p}: unknown key '{sorted(extra)[0]}' (write one [[scenario]] table "
                         "per scenario)")
    tables = raw.get("scenario", [])
    if not tables:
        raise InputError(f"{p}: no [[scenario]] tables")
    out = []
    for i, t in enumerate(tables, start=1):
        unknown = set(t) - set(SCENARIO_KEYS)
        if unknown:
            raise InputError(f"{p}: scenario {i}: unknown key '{sorted(unknown)[0]}' "
                             f"(known: {', '.join(SCENARIO_KEYS)})")
        kw = dict(t)
        kw.setdefault("name", f"scenario {i}")
        try:
            out.append(Scenario(**kw))
        except TypeError as exc:
            raise InputError(f"{p}: scenario {i}: {exc}") from None
        except InputError as exc:
            raise InputError(f"{p}: {exc}") from None
    return out


def is_base(scenario: Scenario) -> bool:
    """True for a scenario that changes nothing: the settings given (command line, wfm.toml)."""
    return (scenario.volume == 1.0 and scenario.aht == 1.0 and scenario.aht_delta_s == 0
            and scenario.attrition_points == 0 and scenario.model is None
            and all(getattr(scenario, k) is None for k in TARGET_CHANGES))


def grid(base: ServiceTarget | None = None, **axes) -> list[Scenario]:
    """The Cartesian product of value lists, e.g. grid(base, volume=[1, 1.1], sl_target=[.8,
    .9]), as changes against ``base`` (the settings given; default: ``ServiceTarget()``).

    A value equal to the base's (volume and AHT x 1, 0 s, the base's target value or model)
    is no change, so each scenario is named by and changes only what differs from the base;
    the combination with no change is the scenario "base". When the grid lacks it, "base"
    comes first: differences are always to the settings given, never to an unasked value.
    """
    base = ServiceTarget() if base is None else base
    axes = {k: list(v) for k, v in axes.items() if v}
    names = list(axes)
    out = []
    for combo in itertools.product(*(axes[n] for n in names)):
        kw = {k: v for k, v in zip(names, combo, strict=True) if not _is_base_value(k, v, base)}
        label = ", ".join(_label(k, v) for k, v in kw.items())
        out.append(Scenario(name=label or "base", **kw))
    if not any(is_base(sc) for sc in out):
        out.insert(0, Scenario(name="base"))
    return out


def _is_base_value(key, value, base: ServiceTarget) -> bool:
    """Whether ``value`` of grid axis ``key`` is the base's own (no change)."""
    if _is_neutral(key, value):
        return True
    if key == "model":
        return value == base.model
    if key in TARGET_FIELDS:
        try:
            checked = getattr(replace(base, **{key: value}), key)
        except InputError:
            return False                    # an invalid value: Scenario.target says why
        own = getattr(base, key)
        if isinstance(own, float) and isinstance(checked, float):
            # wfm.toml's compounded shrinkage 1 - (1 - 0.3) is 0.30000000000000004
            return math.isclose(checked, own, rel_tol=1e-12, abs_tol=1e-15)
        return checked == own
    return False


def _is_neutral(key, value):
    return (key in ("volume", "aht") and value == 1.0) or (
        key in ("aht_delta_s", "attrition_points") and value == 0)


def _label(key, value):
    if key in ("volume", "aht"):
        return f"{key} {value - 1:+.0%}"
    if key == "aht_delta_s":
        return f"AHT {value:+g} s"
    if key == "attrition_points":
        return f"attrition +{100 * value:g} points"
    if key in ("sl_target", "max_abandon", "max_occupancy", "shrinkage"):
        return f"{key} {value:.0%}"
    return f"{key} {value:g}" if isinstance(value, float | int) else f"{key} {value}"


#: the columns whose difference to the base row of the same queue is kept as ``*_vs_base``
DIFFERENCE_COLUMNS = ("agent_hours", "paid_hours", "fte", "headcount", "service_level",
                      "asa_s", "abandon_rate", "occupancy")
#: the ``queue`` value of the rows that total every queue (and channel) of a scenario
TOTAL = "all"


def definitions(fte_hours: float, weeks: float, priced: bool) -> list[str]:
    """What the columns of the what-if table mean (printed under it, a sheet of the workbook)."""
    hours = "paid hours of the scenario's shifts" if priced else "scheduled agent-hours"
    return [
        f"FTE = {hours} / ({fte_hours:g} h a week x {weeks:g} week(s))",
        f"headcount = people needed per queue, summed over the queues (agents are not shared "
        f"between queues): at least the {hours} / {fte_hours:g} h a week, rounded up, "
        + ("the shifts of the busiest day (one shift a day each) " if priced else "")
        + "and the most agents scheduled at once",
        "scheduled hours = agents / (1 - shrinkage), rounded up per interval; agent-hours "
        "on the phones",
        "service level, abandonment: call-weighted over the period; ASA weighted by answered "
        "calls; occupancy = busy agent time / agent time on the phones",
        "*_vs_base: the scenario minus the base (the settings given: command line, wfm.toml) "
        "in the same queue",
    ]


def run_scenarios(forecast: IntervalFile | pd.DataFrame, scenarios: list[Scenario],
                  base: ServiceTarget | Mapping[str | None, ServiceTarget], *,
                  aht_s: float | Mapping[str | None, float | None] | None = None,
                  headcount: np.ndarray | None = None, fte_hours: float = 37.5,
                  paid_hours: Callable[[pd.DataFrame], float | Mapping] | None = None,
                  progress: Callable[[], None] | None = None, workers: int | None = 1,
                  scheduler: str | None = None,
                  on_tasks: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Rows per scenario: the total (``queue`` = ``"all"``), then each series (queue x
    channel, ``"queue / channel"``) when the forecast has several: agent-hours, scheduled
    and paid hours, FTE, headcount, service level, ASA, abandonment, occupancy, and their
    differences to the base row of the same queue (``*_vs_base``; ``is_base`` marks it).
    The base is the scenario that changes nothing (:func:`is_base`), the settings given; a
    list without one gets one first.

    ``base``: the target of every series, or one per queue (a mapping; the key ``None`` for
    the others). ``aht_s``: the AHT of rows without one, a number or one per queue likewise.
    ``forecast`` is read by :func:`wfmplan.staffing.read_forecast` (a frame is read the same
    way). ``headcount`` (agents per row of ``forecast``) evaluates that staffing instead of
    solving. ``paid_hours(requirements_frame)`` (e.g. :class:`ShiftPricer`) prices one
    series' scheduled agents: paid hours, or a mapping with ``paid_hours`` and
    ``busiest_day_shifts``; FTE and headcount then use them.

    Every (scenario, series) pair is one task of a pure map
    (:func:`wfmcore.parallel.map_ordered`: ``workers`` processes or the Dask cluster at
    ``scheduler``; ``paid_hours`` must then be picklable), the ``isa`` simulation seeded from
    the series key: the same table for any number of workers. ``on_tasks(n)`` is told the
    number of tasks first, ``progress()`` is called as each is done. Period KPIs are
    call-weighted sums over the rows (see the module docstring).
    """
    if not isinstance(forecast, IntervalFile):
        forecast = read_forecast(forecast)
    if fte_hours <= 0:
        raise InputError(f"fte_hours must be > 0; got {fte_hours!r}", param="fte_hours")
    scenarios = list(scenarios)
    if not any(is_base(sc) for sc in scenarios):
        scenarios.insert(0, Scenario(name="base"))
    base_index = next(j for j, sc in enumerate(scenarios) if is_base(sc))
    frame, interval_min = forecast.frame, forecast.interval_min
    times = frame[S.INTERVAL_START]
    calls = frame[S.OFFERED].to_numpy(float)
    series = series_tasks(frame)
    labels = [" / ".join(str(v) for v in key.values()) or TOTAL for key, _ in series]
    aht = np.empty(len(frame))
    series_targets = []
    for key, rows in series:
        queue = key.get(S.QUEUE)
        part = forecast if len(series) == 1 else replace(forecast, frame=frame.iloc[rows])
        aht[rows] = row_aht(part, _for_queue(aht_s, queue))
        series_targets.append(_for_queue(base, queue))
    for sc in scenarios:
        h = aht * sc.aht + sc.aht_delta_s
        if np.any(h[calls > 0] <= 0):
            raise InputError(f"scenario '{sc.name}': the AHT change leaves an interval with an "
                             f"AHT of {float(np.min(h[calls > 0])):g} s; it must stay above 0",
                             param="aht_delta_s")
    targets = [[sc.target(t) for t in series_targets] for sc in scenarios]
    if headcount is not None:
        headcount = np.asarray(headcount, dtype=float)
    stamps = reader.format_times(times).to_numpy()
    tasks = []
    for j, sc in enumerate(scenarios):
        for i, (key, rows) in enumerate(series):
            part = frame if len(series) == 1 else frame.iloc[rows]
            tasks.append(_SeriesTask(
                frame=part, calls=calls[rows] * sc.volume,
                aht=aht[rows] * sc.aht + sc.aht_delta_s, interval_min=interval_min,
                target=targets[j][i], volume=sc.volume, seed=key_seed(key),
                headcount=None if headcount is None else headcount[rows],
                stamps=stamps[rows], pricer=paid_hours))
    n_workers = 1 if scheduler else resolve_workers(workers, len(tasks))
    if paid_hours is not None and (n_workers > 1 or scheduler):
        for t in tasks:                  # one scheduling process per task, not a pool each
            t.schedule_workers = 1
    if on_tasks is not None:
        on_tasks(len(tasks))
    results = map_ordered(_scenario_series, tasks, workers=workers, scheduler=scheduler,
                          progress=None if progress is None else (lambda _n: progress()))
    hours = interval_min / 60.0
    weeks = horizon_weeks(times)
    rows_out = []
    for j, sc in enumerate(scenarios):
        per_series = results[j * len(series):(j + 1) * len(series)]
        groups = [([i], labels[i]) for i in range(len(series))] if len(series) > 1 else []
        for members, label in [(list(range(len(series))), TOTAL)] + groups:
            rows_out.append({"scenario": sc.name, "queue": label,
                             **_group_row([per_series[i] for i in members],
                                          [series[i][1] for i in members], times, hours,
                                          fte_hours * weeks, paid_hours is not None),
                             "is_base": j == base_index})
    table = pd.DataFrame(rows_out)
    base_rows = table[table["is_base"]].set_index("queue")
    for col in DIFFERENCE_COLUMNS:
        table[f"{col}_vs_base"] = (table[col].to_numpy(float)
                                   - base_rows[col].reindex(table["queue"]).to_numpy(float))
    table.attrs["definitions"] = definitions(fte_hours, weeks, paid_hours is not None)
    return table


def _for_queue(value, queue):
    """``value`` itself, or its entry for ``queue`` (else ``None``'s) when it is a mapping."""
    if isinstance(value, Mapping):
        return value.get(queue, value.get(None))
    return value


@dataclass
class _SeriesTask:
    """One series under one scenario (a task of :func:`run_scenarios`' map)."""

    frame: pd.DataFrame
    calls: np.ndarray
    aht: np.ndarray
    interval_min: int
    target: ServiceTarget
    volume: float
    seed: int
    headcount: np.ndarray | None
    stamps: np.ndarray
    pricer: Callable | None
    schedule_workers: int | None = None


def _scenario_series(task: _SeriesTask) -> dict:
    """Agents, KPI sums and paid hours of one series under one scenario (a pure map task)."""
    c, h, target = task.calls, task.aht, task.target
    load = offered_load(c, h, task.interval_min)
    if task.headcount is not None:
        staffed_load = load_to_staff(task.frame, c, h, task.interval_min,
                                     target.staffing_method)
        n = task.headcount
    else:
        n, staffed_load, _ = agents_for(task.frame, c, h, task.interval_min, target,
                                        volume=task.volume, seed=task.seed)
        n = np.asarray(n).astype(np.int64)
    k = kpis(n, np.asarray(staffed_load, dtype=float), h, target)
    sched = scheduled_agents(n, target.shrinkage)
    answered = c * (1 - k["p_abandon"])
    paid, busiest_day = float("nan"), float("nan")
    if task.pricer is not None:
        req = pd.DataFrame({S.INTERVAL_START: task.stamps})
        for col in (S.QUEUE, S.CHANNEL):
            if col in task.frame.columns:
                req[col] = task.frame[col].to_numpy()
        req[S.OFFERED] = c
        req["agents"] = np.asarray(n).astype(int)
        req["scheduled_agents"] = sched.astype(int)
        priced = (task.pricer(req, workers=task.schedule_workers)
                  if isinstance(task.pricer, ShiftPricer) else task.pricer(req))
        if isinstance(priced, Mapping):
            paid = float(priced["paid_hours"])
            busiest_day = float(priced.get("busiest_day_shifts", float("nan")))
        else:
            paid = float(priced)
    return {"model": target.model, "n": np.asarray(n, dtype=float),
            "sched": np.asarray(sched, dtype=float), "calls": float(c.sum()),
            "sl_calls": float((k["service_level"] * c).sum()),
            "answered": float(answered.sum()),
            "asa_answered": float(np.nansum(np.where(answered > 0, k["asa_s"] * answered, 0))),
            "abandoned": float((k["p_abandon"] * c).sum()),
            "busy": float((load * (1 - k["p_abandon"])).sum()),
            "paid_hours": paid, "busiest_day_shifts": busiest_day}


def _group_row(parts: list[dict], rows: list[np.ndarray], times: pd.Series, hours: float,
               fte_week_hours: float, priced: bool) -> dict:
    """The table's numbers for the series ``parts`` (at frame rows ``rows``) together."""
    calls = sum(p["calls"] for p in parts)
    answered = sum(p["answered"] for p in parts)
    agents = sum(p["n"].sum() for p in parts)
    sched_h = sum(p["sched"].sum() for p in parts) * hours
    paid = sum(p["paid_hours"] for p in parts) if priced else float("nan")
    people = 0
    for p in parts:
        own = p["paid_hours"] if priced else p["sched"].sum() * hours
        shifts_a_day = p["busiest_day_shifts"] if priced else 0
        shifts_a_day = 0 if shifts_a_day != shifts_a_day else shifts_a_day
        at_once = p["sched"].max() if p["sched"].size else 0
        own = 0 if own != own else own
        people += max(math.ceil(own / fte_week_hours - 1e-9), int(shifts_a_day), int(at_once))
    at = pd.Series(np.concatenate([p["n"] for p in parts]),
                   index=np.concatenate([times.to_numpy()[r] for r in rows]))
    peak = int(at.groupby(level=0).sum().max()) if len(at) else 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "model": "/".join(sorted({p["model"] for p in parts})),
            "calls": calls,
            "agent_hours": float(agents * hours),
            "scheduled_hours": float(sched_h),
            "paid_hours": float(paid),
            "fte": float((paid if priced else sched_h) / fte_week_hours),
            "headcount": int(people),
            "peak_agents": peak,
            "service_level": float(np.divide(sum(p["sl_calls"] for p in parts), calls)),
            "asa_s": float(np.divide(sum(p["asa_answered"] for p in parts), answered)),
            "abandon_rate": float(np.divide(sum(p["abandoned"] for p in parts), calls)),
            "occupancy": float(np.divide(sum(p["busy"] for p in parts), agents)),
        }


@dataclass(frozen=True)
class ShiftPricer:
    """Prices one series' scheduled agents with :func:`shifts.schedule` (``rules``: None =
    the built-in ones): its paid hours and the shifts of its busiest day. Picklable, so
    scenarios can be priced in worker processes."""

    rules: shifts.Rules | None = None
    time_limit_s: float = 30.0

    def __call__(self, req: pd.DataFrame, workers: int | None = None) -> dict:
        result = shifts.schedule(req, self.rules, options=shifts.ScheduleOptions(
            time_limit_s=self.time_limit_s, simulate=False, workers=workers))
        sh = result.shifts
        per_day = (sh.groupby(pd.to_datetime(sh["start"]).dt.date)["agents"].sum()
                   if len(sh) else pd.Series(dtype=float))
        return {"paid_hours": float(result.summary["paid_hours"]),
                "busiest_day_shifts": float(per_day.max()) if len(per_day) else 0.0}


def match_headcount(forecast: IntervalFile, source) -> np.ndarray:
    """Agents per forecast row from a headcount file (``interval_start`` [, ``queue``],
    ``agents``), matched on queue and interval."""
    counts = reader.read_intervals(source, "headcount", infer_interval=False)
    key = [S.INTERVAL_START] + ([S.QUEUE] if S.QUEUE in forecast.frame.columns else [])
    for col in (S.QUEUE,):
        if (col in counts.frame.columns) != (col in key):
            has, lacks = (counts.source, forecast.source) if col in counts.frame.columns \
                else (forecast.source, counts.source)
            raise InputError(f"{has} has a {col!r} column and {lacks} has none: give both "
                             "or neither")
    reader.check_duplicates(counts.frame, counts.source, counts.file_lines, key)
    merged = forecast.frame[key + [reader.LINE]].merge(counts.frame[key + ["agents"]],
                                                      on=key, how="left")
    missing = merged["agents"].isna().to_numpy()
    if missing.any():
        i = int(np.argmax(missing))
        line = int(merged[reader.LINE].iloc[i])
        raise InputError(f"{counts.source}: no agents given for interval "
                         f"{merged[S.INTERVAL_START].iloc[i]:%Y-%m-%d %H:%M} (forecast "
                         f"{reader.where(forecast.source, line, forecast.file_lines)})")
    agents = merged["agents"].to_numpy()
    if (agents != np.floor(agents)).any():
        raise InputError(f"{counts.source}: column 'agents' must hold whole numbers")
    return agents


def scenario_list(scenario_file: Path | None = None, base: ServiceTarget | None = None,
                  **axes) -> list[Scenario]:
    """The scenarios of a TOML file, or else the grid of ``axes`` against ``base`` (see
    :func:`grid`); either way with the scenario "base" that changes nothing (first, unless
    the file or the grid holds it). A file's scenario named "base" must change nothing: the
    base is the settings given (command line, wfm.toml)."""
    if scenario_file is None:
        return grid(base, **axes)
    given = [k for k, v in axes.items() if v]
    if given:
        raise InputError(f"--scenarios and --{given[0].replace('_', '-')} exclude each other: "
                         f"put the {given[0]} values in the scenario file",
                         param="scenarios")
    scenarios = load_scenarios(scenario_file)
    for sc in scenarios:
        if sc.name == "base" and not is_base(sc):
            raise InputError(f"{scenario_file}: scenario 'base' changes the settings; the base "
                             "is the settings given (command line, wfm.toml): set them there "
                             "or name this scenario otherwise", param="scenarios")
    return scenarios if any(is_base(sc) for sc in scenarios) else [Scenario(name="base")] + scenarios


@dataclass(frozen=True, kw_only=True)
class WhatifOptions:
    """How ``wfm whatif`` runs: AHT for rows without one, FTE hours a week, whether each
    scenario is priced in paid hours by the shift scheduler, and whether the input is a
    history to forecast first (over ``horizon``, read as ``read`` says)."""

    aht_s: float | None = None
    fte_hours: float = 37.5
    paid_hours: bool = True
    from_history: bool = False
    horizon: str = "1w"
    schedule_time_limit_s: float = 30.0
    read: ReadOptions | None = None

    def __post_init__(self):
        if self.aht_s is not None:
            checks.seconds(self.aht_s, "aht_s")
        checks.positive(self.fte_hours, "fte_hours")


def run_whatif(source, scenarios: list[Scenario], *, config: Config | None = None,
               options: WhatifOptions | None = None, headcount=None,
               progress: Callable[[], None] | None = None, workers: int | None = 1,
               scheduler: str | None = None, target_overrides: Mapping | None = None,
               on_tasks: Callable[[int], None] | None = None) -> pd.DataFrame:
    """The what-if table for a forecast file (or a history, forecast first): the base is the
    settings given, ``config`` (with its ``[queues.NAME]`` tables, queue by queue) under
    ``target_overrides`` (command-line settings, None = not given); scenarios against it,
    paid hours through :func:`shifts.schedule` with the config's ``[shifts]`` rules
    (:class:`ShiftPricer`), ``headcount`` (a file) evaluated instead of solved.
    ``workers`` / ``scheduler``: the forecast series by series, then every (scenario,
    series) in that many processes or on that Dask cluster (:func:`run_scenarios`); the
    same table."""
    config = config or Config()
    options = options or WhatifOptions()
    overrides = dict(target_overrides or {})
    aht_s = aht_for(config, None, options.aht_s)
    if options.from_history:
        predicted = run_forecast(source, options=ForecastOptions(horizon=options.horizon,
                                                                 aht_s=aht_s),
                                 read=options.read, workers=workers, scheduler=scheduler)
        forecast = read_forecast(predicted.frame, interval_min=predicted.interval_min)
    else:
        forecast = read_forecast(source)
    base: dict = {None: config.service_target(**overrides)}
    aht: dict = {None: aht_s}
    if S.QUEUE in forecast.frame.columns:
        for queue in config.queues:
            base[queue] = config.service_target(queue, **overrides)
            aht[queue] = aht_for(config, queue, options.aht_s)
    counts = match_headcount(forecast, headcount) if headcount is not None else None
    pricer = (ShiftPricer(shift_rules(config), options.schedule_time_limit_s)
              if options.paid_hours else None)
    return run_scenarios(forecast, scenarios, base, aht_s=aht, headcount=counts,
                         fte_hours=options.fte_hours, paid_hours=pricer, progress=progress,
                         workers=workers, scheduler=scheduler, on_tasks=on_tasks)


def run_capacity_whatif(history, scenarios: list[Scenario], *, config: Config | None = None,
                        horizon=None, options: dict | None = None,
                        progress: Callable[[], None] | None = None, workers: int | None = 1,
                        scheduler: str | None = None) -> pd.DataFrame:
    """The long-range plan (:func:`wfmplan.capacity.run_capacity`) of ``history`` under each
    scenario: volume (a multiplier), AHT in seconds (``aht_delta_s``), annual attrition
    points and any target key; one row per scenario with the plan's required FTE, hires,
    cost (and against the first scenario), its lowest weekly chance of meeting the
    requirement and the FTE-weeks short. ``options``: the run options of ``wfm capacity``;
    ``workers`` / ``scheduler`` as for :func:`wfmplan.capacity.run_capacity`."""
    config = config or Config()
    rows = []
    base_cost = None
    for sc in scenarios:
        if sc.aht != 1.0:
            raise InputError(f"scenario '{sc.name}': the long-range plan takes AHT changes in "
                             "seconds (aht_delta_s), not as a multiplier", param="aht")
        if sc.model is not None:
            raise InputError(f"scenario '{sc.name}': model is not a long-range setting "
                             "(use patience_s)", param="model")
        overrides = {k: v for k, v in asdict(sc).items() if k in TARGET_CHANGES and v is not None}
        res = run_capacity(history, horizon, config, options=options, volume=sc.volume,
                           aht_delta_s=sc.aht_delta_s, attrition_points=sc.attrition_points,
                           target_overrides=overrides, workers=workers, scheduler=scheduler)
        s = res.summary
        base_cost = s["cost"] if base_cost is None else base_cost
        rows.append({"scenario": sc.name, "weeks": s["weeks"],
                     "required_fte_mean": s["required_fte_mean"],
                     "available_fte_mean": s["available_fte_mean"], "hires": s["hires"],
                     "classes": s["classes"], "cost": s["cost"],
                     "cost_vs_first": s["cost"] / base_cost - 1 if base_cost else np.nan,
                     "p_meet_min": s["p_meet_min"],
                     "shortfall_fte_weeks": s["shortfall_fte_weeks"],
                     "annual_attrition_tenured": s["annual_attrition_tenured"]})
        if progress is not None:
            progress()
    return pd.DataFrame(rows)


def check_outputs(paths, inputs) -> None:
    """Refuse output paths that are inputs or whose folder does not exist (before work)."""
    for p in paths:
        if p is None:
            continue
        check_output_path(p, inputs)
        if str(p.parent) and not p.parent.exists():
            raise InputError(f"{p}: folder {p.parent} does not exist")


def write_chart(table: pd.DataFrame, path: Path, inputs=()) -> Path:
    """The scenario chart (:func:`plot_scenarios`) as PNG, atomically."""
    return write_atomic(path, lambda p: plot_scenarios(table, p), inputs=inputs)


def write_table(table: pd.DataFrame, out: Path, inputs=()) -> Path:
    """The comparison table as .xlsx (by suffix) or CSV, atomically."""
    if out.suffix.lower() == ".xlsx":
        def write(p):
            from openpyxl import Workbook  # heavy: loaded only to write a workbook

            wb = Workbook()
            wb.active.title = "whatif"
            write_frame(wb.active, table)      # number formats, frozen header, filter
            notes = table.attrs.get("definitions")
            if notes:
                write_frame(wb.create_sheet("definitions"),
                            pd.DataFrame({"definition": notes}))
            wb.save(p)

        return write_atomic(out, write, inputs=inputs)
    return write_atomic(out, lambda p: table.to_csv(p, index=False), inputs=inputs)


def plot_scenarios(table: pd.DataFrame, path: Path | str) -> None:
    """Bar chart: scheduled FTE per scenario, service level and abandonment on a second axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(table) + 2), 4.5))
    x = np.arange(len(table))
    ax.bar(x, table["fte"], color="#4C72B0", label="FTE (scheduled)")
    ax.set_ylabel("FTE")
    ax.set_xticks(x, table["scenario"], rotation=30, ha="right")
    ax2 = ax.twinx()
    ax2.plot(x, table["service_level"] * 100, "o-", color="#DD8452", label="service level %")
    ax2.plot(x, table["abandon_rate"] * 100, "s--", color="#C44E52", label="abandoned %")
    ax2.set_ylabel("%")
    ax2.set_ylim(0, 105)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="lower right", fontsize=8)
    ax.set_title("What-if scenarios: staff needed and service delivered")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
