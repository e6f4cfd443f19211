"""What-if scenarios: the same forecast under other volumes, handle times, targets, models.

A scenario changes the base in a few named ways (volume x factor, AHT x factor, service-level
target and threshold, ASA / abandonment / occupancy targets, shrinkage, patience, Erlang C or
A) and is either *solved* (required agents per interval) or, with a given headcount per
interval, *evaluated* ("what service level do these people give?").

Period KPIs are call-weighted totals, never averages of interval ratios:
service level = sum(SL_i x offered_i) / sum(offered_i); abandonment likewise;
ASA = sum(ASA_i x answered_i) / sum(answered_i); occupancy = sum(A_i (1 - P_ab,i)) / sum(N_i).
Agent-hours = sum(N_i) x interval hours. FTE = paid hours of the scenario's shifts (when a
scheduler is given) or else scheduled agent-hours, over ``fte_hours`` x weeks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
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
from wfmcore.parallel import key_seed, map_ordered
from wfmcore.reader import IntervalFile
from wfmcore.readoptions import ReadOptions
from wfmcore.targets import TARGET_FIELDS, ServiceTarget
from wfmplan.capacity import run_capacity
from wfmplan.settings import shift_rules
from wfmplan.staffing import (
    agents_for,
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


def grid(**axes) -> list[Scenario]:
    """The Cartesian product of value lists, e.g. grid(volume=[1, 1.1], sl_target=[.8, .9]).

    The first combination of base values is the base scenario named "base"."""
    axes = {k: list(v) for k, v in axes.items() if v}
    if not axes:
        return [Scenario(name="base")]
    names = list(axes)
    out = []
    for combo in itertools.product(*(axes[n] for n in names)):
        kw = dict(zip(names, combo, strict=True))
        label = ", ".join(_label(k, v) for k, v in kw.items() if not _is_neutral(k, v))
        out.append(Scenario(name=label or "base", **kw))
    return out


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


def run_scenarios(forecast: IntervalFile | pd.DataFrame, scenarios: list[Scenario],
                  base: ServiceTarget, *, aht_s: float | None = None,
                  headcount: np.ndarray | None = None, fte_hours: float = 37.5,
                  paid_hours: Callable[[pd.DataFrame], float] | None = None,
                  progress: Callable[[], None] | None = None, workers: int | None = 1,
                  scheduler: str | None = None) -> pd.DataFrame:
    """One row per scenario: agent-hours, FTE, service level, ASA, abandonment, occupancy,
    and their differences to the first scenario (the base).

    ``forecast`` is read by :func:`wfmplan.staffing.read_forecast` (a frame is read the
    same way). ``headcount`` (agents per row of ``forecast``) evaluates that staffing
    instead of solving. ``paid_hours(requirements_frame) -> float`` (e.g. a shift
    scheduler) prices each scenario's scheduled agents in paid hours; FTE then uses paid
    hours. ``progress()`` is called after each scenario.

    The staffing of every scenario is solved series by series (queue x channel) as a pure
    map (:func:`wfmcore.parallel.map_ordered`: ``workers`` processes or the Dask cluster at
    ``scheduler``), the ``isa`` simulation seeded from the series key: the same table for
    any number of workers.
    """
    if not isinstance(forecast, IntervalFile):
        forecast = read_forecast(forecast)
    if fte_hours <= 0:
        raise InputError(f"fte_hours must be > 0; got {fte_hours!r}", param="fte_hours")
    frame, interval_min = forecast.frame, forecast.interval_min
    times = frame[S.INTERVAL_START]
    calls = frame[S.OFFERED].to_numpy(float)
    aht = row_aht(forecast, aht_s)
    hours = interval_min / 60.0
    weeks = horizon_weeks(times)
    rows = []
    targets = [sc.target(base) for sc in scenarios]
    for sc in scenarios:
        c = calls * sc.volume
        h = aht * sc.aht + sc.aht_delta_s
        if np.any(h[c > 0] <= 0):
            raise InputError(f"scenario '{sc.name}': the AHT change leaves an interval with an "
                             f"AHT of {float(np.min(h[c > 0])):g} s; it must stay above 0",
                             param="aht_delta_s")
    solved = None
    if headcount is None:
        series = series_tasks(frame)
        tasks = [(frame.iloc[r] if len(series) > 1 else frame, calls[r], aht[r], interval_min,
                  [(t, sc.volume, sc.aht, sc.aht_delta_s) for t, sc in zip(targets, scenarios,
                                                                           strict=True)],
                  key_seed(key)) for key, r in series]
        solved = (series, map_ordered(_series_scenarios, tasks, workers=workers,
                                      scheduler=scheduler))
    for j, (sc, target) in enumerate(zip(scenarios, targets, strict=True)):
        c = calls * sc.volume
        h = aht * sc.aht + sc.aht_delta_s
        load = offered_load(c, h, interval_min)
        if headcount is not None:
            staffed_load = load_to_staff(frame, c, h, interval_min, target.staffing_method)
            n = np.asarray(headcount, dtype=float)
        else:
            n, staffed_load = np.zeros(len(frame)), np.zeros(len(frame))
            for (_, r), per_scenario in zip(*solved, strict=True):
                n[r], staffed_load[r] = per_scenario[j]
            n = n.astype(np.int64)
        k = kpis(n, staffed_load, h, target)
        sched = scheduled_agents(n, target.shrinkage)
        answered = c * (1 - k["p_abandon"])
        total = c.sum()
        paid = float("nan")
        if paid_hours is not None:
            req = pd.DataFrame({S.INTERVAL_START: reader.format_times(times).to_numpy()})
            if S.QUEUE in frame.columns:
                req[S.QUEUE] = frame[S.QUEUE].to_numpy()
            req[S.OFFERED] = c
            req["agents"] = n.astype(int)
            req["scheduled_agents"] = sched.astype(int)
            paid = float(paid_hours(req))
        with np.errstate(divide="ignore", invalid="ignore"):
            rows.append({
                "scenario": sc.name,
                "model": target.model,
                "calls": total,
                "agent_hours": float(n.sum() * hours),
                "scheduled_hours": float(sched.sum() * hours),
                "paid_hours": paid,
                "fte": float((paid if paid == paid else sched.sum() * hours)
                             / (fte_hours * weeks)),
                "peak_agents": int(n.max()) if n.size else 0,
                "service_level": float((k["service_level"] * c).sum() / total),
                "asa_s": float(np.nansum(np.where(answered > 0, k["asa_s"] * answered, 0))
                               / answered.sum()),
                "abandon_rate": float((k["p_abandon"] * c).sum() / total),
                "occupancy": float((load * (1 - k["p_abandon"])).sum() / n.sum()),
            })
        if progress is not None:
            progress()
    table = pd.DataFrame(rows)
    for col in ("agent_hours", "paid_hours", "fte", "service_level", "asa_s", "abandon_rate",
                "occupancy"):
        table[f"{col}_vs_base"] = table[col] - table[col].iloc[0]
    return table


def _series_scenarios(task) -> list[tuple[np.ndarray, np.ndarray]]:
    """One series' (agents, load staffed for) under every scenario (a pure map task of
    :func:`run_scenarios`)."""
    frame, calls, aht, interval_min, scenarios, seed = task
    out = []
    for target, volume, aht_mult, aht_delta_s in scenarios:
        n, staffed_load, _ = agents_for(frame, calls * volume, aht * aht_mult + aht_delta_s,
                                        interval_min, target, volume=volume, seed=seed)
        out.append((np.asarray(n), np.asarray(staffed_load, dtype=float)))
    return out


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


def scenario_list(scenario_file: Path | None = None, **axes) -> list[Scenario]:
    """The scenarios of a TOML file (a "base" scenario first unless the file starts with
    one), or else the grid of ``axes`` (see :func:`grid`)."""
    if scenario_file is None:
        return grid(**axes)
    given = [k for k, v in axes.items() if v]
    if given:
        raise InputError(f"--scenarios and --{given[0].replace('_', '-')} exclude each other: "
                         f"put the {given[0]} values in the scenario file",
                         param="scenarios")
    scenarios = load_scenarios(scenario_file)
    return scenarios if scenarios[0].name == "base" else [Scenario(name="base")] + scenarios


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
               scheduler: str | None = None) -> pd.DataFrame:
    """The what-if table for a forecast file (or a history, forecast first): the base target
    from ``config``, scenarios against it, paid hours through :func:`shifts.schedule` with
    the config's ``[shifts]`` rules, ``headcount`` (a file) evaluated instead of solved.
    ``workers`` / ``scheduler``: the forecast and the staffing run series by series in that
    many processes or on that Dask cluster (:func:`run_scenarios`); the same table."""
    config = config or Config()
    options = options or WhatifOptions()
    base = config.service_target()
    aht_s = options.aht_s if options.aht_s is not None else config.staffing.get("aht_s")
    if options.from_history:
        predicted = run_forecast(source, options=ForecastOptions(horizon=options.horizon,
                                                                 aht_s=aht_s),
                                 read=options.read, workers=workers, scheduler=scheduler)
        forecast = read_forecast(predicted.frame, interval_min=predicted.interval_min)
    else:
        forecast = read_forecast(source)
    counts = match_headcount(forecast, headcount) if headcount is not None else None
    pricer = None
    if options.paid_hours:
        rules = shift_rules(config)

        def pricer(req: pd.DataFrame) -> float:
            return shifts.schedule(req, rules, options=shifts.ScheduleOptions(
                time_limit_s=options.schedule_time_limit_s, simulate=False)).summary[
                "paid_hours"]

    return run_scenarios(forecast, scenarios, base, aht_s=aht_s, headcount=counts,
                         fte_hours=options.fte_hours, paid_hours=pricer, progress=progress,
                         workers=workers, scheduler=scheduler)


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
