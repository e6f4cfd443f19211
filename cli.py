"""The ``wfm`` command: a thin typer layer over the library.

Every command is one call into ``forecast``, ``erlang`` or ``shifts`` that a notebook can
make too. Bad input (:class:`wfmcore.errors.InputError`) becomes one line on stderr and exit
code 2, never a traceback. Heavy modules are imported inside the commands so that
``wfm erlang`` answers quickly.
"""

from __future__ import annotations

import os

# The models use small matrices: BLAS threads only add overhead (run_forecast for one 15-min
# series 1.7 s -> 0.7 s on a busy 2-core machine). Set before numpy loads; a user's own
# setting still wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated  # noqa: E402

import typer  # noqa: E402

from wfmcore.errors import InputError  # noqa: E402

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="wfm: contact-centre workforce planning — forecast, staff (Erlang C/A), schedule.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts hold literal [brackets] ([default: 0.8], [[scenario]])
)


@contextlib.contextmanager
def user_errors():
    """Turn InputError into one line on stderr and exit code 2."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"wfm: error: {exc}", err=True)
        raise typer.Exit(2) from None


class _Quiet:
    def update(self, _n=1):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def progress(length: int, label: str):
    """A progress bar on a terminal; nothing when stderr is a file or pipe (scripts get only
    the one error line they are promised)."""
    if sys.stderr.isatty():
        return typer.progressbar(length=length, label=label, file=sys.stderr)
    return _Quiet()


# Options shared by `erlang` and `staff` (one definition, one help text).
AhtOpt = Annotated[float | None, typer.Option("--aht-s", help="Average handle time, seconds.")]
SlTargetOpt = Annotated[float, typer.Option(
    "--sl-target", help="Service-level target as a share (0.8 = 80%); 0 = no target.")]
SlThresholdOpt = Annotated[float, typer.Option(
    "--sl-threshold-s", help="Service-level threshold T, seconds (answered within T).")]
AsaOpt = Annotated[float | None, typer.Option("--asa-target-s", help="Maximum ASA, seconds.")]
OccOpt = Annotated[float | None, typer.Option(
    "--max-occupancy", help="Occupancy cap as a share, e.g. 0.85.")]
PatienceOpt = Annotated[float | None, typer.Option(
    "--patience-s", help="Mean caller patience, seconds; switches to Erlang A.")]
AbandonOpt = Annotated[float | None, typer.Option(
    "--max-abandon", help="Maximum abandonment share (Erlang A, needs --patience-s).")]
ShrinkOpt = Annotated[float, typer.Option(
    "--shrinkage", help="Share of paid time off the phones; scheduled = ceil(agents/(1-s)).")]
ConventionOpt = Annotated[str, typer.Option(
    "--sl-convention",
    help="Service level divided by 'offered' calls (default; abandons count against), "
         "'answered' calls, or 'wait' = P(time in queue <= T).")]


# The same options where a wfm.toml may supply the value: None means "not given here".
SlTargetCfgOpt = Annotated[float | None, typer.Option(
    "--sl-target", help="Service-level target as a share (0.8 = 80%); 0 = no target. "
                        "[default: 0.8]")]
SlThresholdCfgOpt = Annotated[float | None, typer.Option(
    "--sl-threshold-s", help="Service-level threshold T, seconds. [default: 20]")]
ShrinkCfgOpt = Annotated[float | None, typer.Option(
    "--shrinkage", help="Share of paid time off the phones; scheduled = ceil(agents/(1-s)). "
                        "[default: 0]")]
# History options shared by forecast, backtest and plan.
FreqOpt = Annotated[str | None, typer.Option(
    "--freq", help="Aggregate the history first: 15min, 30min or 60min.")]
CountryOpt = Annotated[str | None, typer.Option(
    "--country", help="Public holidays of this country (ISO code, e.g. US) are closed days.")]
SpecialDaysOpt = Annotated[Path | None, typer.Option(
    "--special-days", help="CSV: date, kind (closed|open|event), uplift (0.2 = +20%).")]
TzOpt = Annotated[str | None, typer.Option(
    "--tz", help="Time zone of the local timestamps (e.g. America/New_York): DST days get "
                 "their real intervals and a utc_offset_min column.")]


def _target(sl_target, sl_threshold_s, asa_target_s, max_occupancy, patience_s, max_abandon,
            shrinkage, sl_convention, min_agents=0):
    from erlang.staffing import ServiceTarget

    return ServiceTarget(sl_target=sl_target, sl_threshold_s=sl_threshold_s,
                         asa_target_s=asa_target_s, max_occupancy=max_occupancy,
                         patience_s=patience_s, max_abandon=max_abandon, shrinkage=shrinkage,
                         sl_convention=sl_convention, min_agents=min_agents)


def _json_number(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@app.command()
def erlang(
    traffic_erl: Annotated[float | None, typer.Option(
        "--traffic-erl", help="Offered load in Erlangs (or give --calls and --interval-min).")
    ] = None,
    calls: Annotated[float | None, typer.Option("--calls", help="Calls offered in the interval.")
                     ] = None,
    interval_min: Annotated[float | None, typer.Option(
        "--interval-min", help="Interval length, minutes (with --calls).")] = None,
    aht_s: AhtOpt = None,
    sl_target: SlTargetOpt = 0.8,
    sl_threshold_s: SlThresholdOpt = 20.0,
    asa_target_s: AsaOpt = None,
    max_occupancy: OccOpt = None,
    patience_s: PatienceOpt = None,
    max_abandon: AbandonOpt = None,
    agents: Annotated[int | None, typer.Option(
        "--agents", help="Evaluate this headcount instead of solving.")] = None,
    shrinkage: ShrinkOpt = 0.0,
    max_blocking: Annotated[float | None, typer.Option(
        "--max-blocking", help="Erlang B: lines needed for this blocking probability.")] = None,
    sl_convention: ConventionOpt = "offered",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
):
    """Evaluate or solve one interval: Erlang C, Erlang A (--patience-s) or Erlang B."""
    from erlang import cli_support

    with user_errors():
        result = cli_support.erlang_answer(
            traffic_erl=traffic_erl, calls=calls, interval_min=interval_min, aht_s=aht_s,
            target=None if max_blocking is not None else _target(
                sl_target, sl_threshold_s, asa_target_s, max_occupancy, patience_s,
                max_abandon, shrinkage, sl_convention),
            agents=agents, max_blocking=max_blocking)
        if as_json:
            typer.echo(json.dumps({k: (_json_number(v) if isinstance(v, float) else v)
                                   for k, v in result["answer"].items()}))
        else:
            typer.echo(cli_support.erlang_table(result))


ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="wfm.toml with targets, shrinkage, AHT, patience, queues (options "
                     "given here override it).")]


@app.command()
def staff(
    forecast_csv: Annotated[Path, typer.Argument(help="Interval file: interval_start, offered "
                                                 "[, queue, aht_s].")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Requirements CSV to write.")],
    aht_s: AhtOpt = None,
    interval_min: Annotated[float | None, typer.Option(
        "--interval-min", help="Interval length, minutes (default: from the spacing).")] = None,
    sl_target: SlTargetCfgOpt = None,
    sl_threshold_s: SlThresholdCfgOpt = None,
    asa_target_s: AsaOpt = None,
    max_occupancy: OccOpt = None,
    patience_s: PatienceOpt = None,
    max_abandon: AbandonOpt = None,
    shrinkage: ShrinkCfgOpt = None,
    min_agents: Annotated[int | None, typer.Option(
        "--min-agents", help="Minimum agents in every interval of the file. [default: 0]")
    ] = None,
    sl_convention: Annotated[str | None, typer.Option(
        "--sl-convention", help="Service level divided by 'offered' calls (default), "
                                "'answered' calls, or 'wait' = P(time in queue <= T).")] = None,
    config: ConfigOpt = None,
):
    """Required agents for every interval of a forecast file (writes requirements CSV)."""
    from erlang.table import staff_with_config
    from wfmcore import schema
    from wfmcore.config import load_config
    from wfmcore.io import check_output_path, write_csv_atomic

    with user_errors():
        cfg = load_config(config) if config is not None else None
        check_output_path(out, [forecast_csv] + ([config] if config else []))
        frame = schema.read_table(forecast_csv)
        result = staff_with_config(
            frame, cfg, aht_s=aht_s, interval_min=interval_min, source=str(forecast_csv),
            sl_target=sl_target, sl_threshold_s=sl_threshold_s, asa_target_s=asa_target_s,
            max_occupancy=max_occupancy, patience_s=patience_s, max_abandon=max_abandon,
            shrinkage=shrinkage, min_agents=min_agents, sl_convention=sl_convention)
        write_csv_atomic(result, out, inputs=[forecast_csv])
        n_open = int((result["offered"] > 0).sum())
        model = "erlang_a" if result["p_abandon"].notna().any() else "erlang_c"
        typer.echo(
            f"{len(result)} intervals ({n_open} with calls), {model}: "
            f"peak {int(result['agents'].max())} agents, "
            f"{result['agents'].sum() * result.attrs['interval_min'] / 60:,.1f} agent-hours "
            f"on the phones, peak scheduled {int(result['scheduled_agents'].max())} -> {out}")


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Config file to write.")] = Path("wfm.toml"),
):
    """Write a commented example wfm.toml (targets, shrinkage, AHT, patience, queues)."""
    from wfmcore.config import write_example_config

    with user_errors():
        write_example_config(path)
        typer.echo(f"wrote {path}: edit it, then pass --config {path}")


@app.command()
def kpis(
    history: Annotated[Path, typer.Argument(help="Interval history (CSV/Excel): interval_start, "
                                            "offered [, queue, handled, abandoned, aht_s, "
                                            "answered_in_sl, asa_s, wait_s, staffed_agents].")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Scorecard CSV to write.")
                   ] = None,
    sl_target: Annotated[float | None, typer.Option("--sl-target", help="[default: 0.8]")
                         ] = None,
    asa_target_s: Annotated[float | None, typer.Option("--asa-target-s", help="[default: 20]")
                            ] = None,
    max_abandon: Annotated[float | None, typer.Option("--max-abandon", help="[default: 0.05]")
                           ] = None,
    max_occupancy: Annotated[float | None, typer.Option("--max-occupancy",
                                                        help="[default: 0.9]")] = None,
    short_abandon: Annotated[bool, typer.Option(
        "--short-abandon", help="Leave short abandons (column short_abandoned) out of service "
                                "level and abandonment.")] = False,
    config: ConfigOpt = None,
):
    """Contact-centre KPI scorecard per queue, day and week, with misses flagged, and the
    mean caller patience (for Erlang A) where waits and abandons are recorded."""
    from erlang import scorecard as sc
    from wfmcore import schema
    from wfmcore.config import load_config
    from wfmcore.io import check_output_path, write_csv_atomic

    with user_errors():
        cfg_t = load_config(config).targets if config is not None else {}
        given = {"sl_target": sl_target, "asa_target_s": asa_target_s,
                 "max_abandon": max_abandon, "max_occupancy": max_occupancy}
        kw = {k: v for k, v in cfg_t.items() if k in given or k == "sl_threshold_s"}
        kw.update({k: v for k, v in given.items() if v is not None})
        targets = sc.KpiTargets(**kw)
        if out is not None:
            check_output_path(out, [history])
        hist = sc.read_history(schema.read_table(history), source=str(history))
        card = sc.scorecard(hist, targets, short_abandon=short_abandon)
        if out is not None:
            write_csv_atomic(card, out, inputs=[history])
        typer.echo(sc_report(card, hist))
        if out is not None:
            typer.echo(f"scorecard ({len(card)} rows) -> {out}")


def sc_report(card, hist) -> str:
    """Weekly lines of the scorecard and the patience estimate, for the screen."""
    from erlang import scorecard as sc

    week = card[card["period"] == "week"]
    cols = [c for c in ("offered", "service_level", "asa_s", "abandon_rate", "aht_s",
                        "occupancy") if c in week]
    fmt = {"offered": "{:,.0f}", "service_level": "{:.1%}", "asa_s": "{:.1f}",
           "abandon_rate": "{:.1%}", "aht_s": "{:.0f}", "occupancy": "{:.1%}"}
    lines = ["week of      queue         " + " ".join(f"{c:>13}" for c in cols) + "  misses"]
    for _, r in week.iterrows():
        vals = " ".join(f"{fmt[c].format(r[c]) if r[c] == r[c] else '':>13}" for c in cols)
        lines.append(f"{r['period_start']}  {str(r['queue'])[:12]:<12}  {vals}  {r['misses']}")
    days = card[card["period"] == "day"]
    lines.append(f"{len(days)} queue-days, {int((days['misses'] != '').sum())} with a missed "
                 "target")
    if {"wait_s", "abandoned"} <= set(hist.columns):
        pat = sc.estimate_patience(hist)
        lines.append("mean patience (total wait / abandons): " + ", ".join(
            f"{q} {p:.0f} s ({int(n)} abandons)" for q, p, n in pat.itertuples(index=False)))
        lines.append("for Erlang A, put it in wfm.toml: patience_s = ... under [staffing], "
                     "or per queue under [queues.NAME]")
    return "\n".join(lines)


@app.command("forecast")
def forecast_cmd(
    history: Annotated[Path, typer.Argument(
        help="Interval history: CSV, .xlsx or .parquet with interval_start, offered "
             "[, queue, aht_s, handled, abandoned] (or unique_id, ds, y).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Forecast CSV to write.")] = Path(
        "forecast.csv"),
    horizon: Annotated[str | None, typer.Option(
        "--horizon", help="Forecast every open interval of the next period: 1w, 2w, 10d. "
                          "[default: 1w]")] = None,
    intervals: Annotated[Path | None, typer.Option(
        "--intervals", help="CSV of interval_start values to forecast instead (a given week, "
                            "or to compare with actuals).")] = None,
    freq: FreqOpt = None,
    model: Annotated[str, typer.Option(
        "--model", help="auto (blend of the two best in the backtest), seasonal_naive, "
                        "weekday_avg8, day_profile or svd.")] = "auto",
    level: Annotated[float, typer.Option(
        "--level", help="Prediction-interval coverage as a share: 0.8 -> offered_lo80, "
                        "offered_hi80.")] = 0.8,
    country: CountryOpt = None,
    special_days: SpecialDaysOpt = None,
    tz: TzOpt = None,
    aht_s: AhtOpt = None,
):
    """Forecast calls offered per interval with a backtest-calibrated interval (feeds
    `wfm staff`)."""
    import forecast as fc
    from wfmcore.io import check_output_path

    with user_errors():
        if horizon is not None and intervals is not None:
            raise InputError("--horizon and --intervals exclude each other; give one")
        inputs = [p for p in (history, intervals, special_days) if p is not None]
        check_output_path(out, inputs)
        result = fc.run_forecast(history, horizon=horizon or "1w", intervals=intervals,
                                 freq=freq, model=model, level=level, country=country,
                                 special_days=special_days, aht_s=aht_s, tz=tz)
        fc.write_forecast(result, out, inputs=inputs)
    for note in result.attrs["notes"]:
        typer.echo(f"wfm: note: {note}", err=True)
    ev = result.attrs["evidence"]
    if len(ev):
        by_q = ev.groupby("queue", sort=False) if "queue" in ev.columns else [(None, ev)]
        for q, e in by_q:
            typer.echo(("backtest MASE on the last weeks of the history"
                        + (f" (queue {q})" if q is not None else "") + ": ")
                       + ", ".join(f"{r.model} {r.mase:.3f}" for r in e.itertuples()), err=True)
    if "queue" in result.columns:
        models = "; ".join(f"{q}: {g['model'].iloc[0]}"
                           for q, g in result.groupby("queue", sort=False))
    else:
        models = str(result["model"].iloc[0])
    typer.echo(f"{len(result)} intervals, {result['offered'].sum():,.0f} calls, model "
               f"{models} -> {out}")


@app.command("backtest")
def backtest_cmd(
    history: Annotated[Path, typer.Argument(help="Interval history (as for `wfm forecast`).")],
    folds: Annotated[int, typer.Option("--folds", help="Weekly origins scored: the last N "
                                                       "weeks.")] = 10,
    horizon: Annotated[str, typer.Option("--horizon", help="Horizon per origin: 1w, 2w, 10d.")
                       ] = "1w",
    freq: FreqOpt = None,
    level: Annotated[float, typer.Option("--level", help="Prediction-interval coverage as a "
                                                         "share.")] = 0.8,
    country: CountryOpt = None,
    special_days: SpecialDaysOpt = None,
    tz: TzOpt = None,
    aht_s: Annotated[float | None, typer.Option(
        "--aht-s", help="AHT that prices forecast errors in agents (default: the history's, "
                        "else 300 s).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Also write the table (.json or .csv).")] = None,
):
    """Rolling-origin backtest: MASE, WAPE, bias, interval coverage and the staffing
    consequence per model; marks the winner. Each origin uses only the weeks before it."""

    import forecast as fc
    from wfmcore.io import check_output_path, write_atomic

    with user_errors():
        if out is not None:
            check_output_path(out, [history])
        with progress(folds + 8, "backtest") as bar:
            table = fc.run_backtest(history, folds=folds, horizon=horizon, freq=freq,
                                    level=level, country=country, special_days=special_days,
                                    tz=tz, progress=bar.update, aht_s=aht_s)
        if out is not None:
            if out.suffix.lower() == ".json":
                write_atomic(out, lambda p: table.to_json(p, orient="records", indent=2),
                             inputs=[history])
            else:
                write_atomic(out, lambda p: table.to_csv(p, index=False), inputs=[history])
    for note in table.attrs["notes"]:
        typer.echo(f"wfm: note: {note}", err=True)
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
    else:
        cols = [c for c in ("queue", "model", "folds", "mase", "wape", "bias", "coverage",
                            "agents_mae", "understaffed", "chosen", "winner")
                if c in table.columns]
        typer.echo(table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))


@app.command()
def schedule(
    requirements_csv: Annotated[Path | None, typer.Argument(
        help="Required agents per interval: the output of `wfm staff` (interval_start, "
             "optional queue, scheduled_agents or agents).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Output folder (created if needed).", show_default=False)] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Rules TOML (shift types, breaks, opening hours, limits, [tours]); "
                        "default: built-in rules.", show_default=False)] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", help="Agents CSV (agent, min_hours, max_hours per week, availability "
                         "mon..sun as HH:MM-HH:MM or off): assign the shifts to named agents "
                         "and write fairness.csv.", show_default=False)] = None,
    time_limit_s: Annotated[float, typer.Option(
        "--time-limit-s", help="Solver time budget for all days together, seconds.")] = 60.0,
    gap: Annotated[float, typer.Option(
        "--gap", help="Relative MIP gap at which a day stops (share: 0.005 = 0.5 %).")] = 0.005,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes solving days in parallel [default: one per core from "
                          "three days on].", show_default=False)] = None,
    replications: Annotated[int, typer.Option(
        "--replications", help="Simulated replications of each day for the service check.")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    no_simulate: Annotated[bool, typer.Option(
        "--no-simulate", help="Skip the simulation (Erlang service level only).")] = False,
    sl_threshold_s: Annotated[float, typer.Option(
        "--sl-threshold-s", help="Service-level threshold T for the check, seconds.")] = 20.0,
    patience_s: Annotated[float | None, typer.Option(
        "--patience-s", help="Mean caller patience, seconds: check with Erlang A and "
                             "abandonment in the simulation.", show_default=False)] = None,
    shrinkage: Annotated[float | None, typer.Option(
        "--shrinkage", help="Share of scheduled time off the phones for the check [default: "
                            "inferred from agents and scheduled_agents].",
        show_default=False)] = None,
    init_rules: Annotated[Path | None, typer.Option(
        "--init-rules", help="Write a commented example rules file (the built-in defaults) "
                             "and exit.", show_default=False)] = None,
):
    """Cost-optimal shifts with breaks covering the required agents (integer programme,
    HiGHS), checked by the Erlang formulas and by simulation. Writes shifts.csv,
    coverage.csv, coverage.png and schedule.xlsx (tours.csv with [tours], fairness.csv with
    --roster) into OUTDIR."""
    import shifts
    from erlang import ServiceTarget

    with user_errors():
        if init_rules is not None:
            typer.echo(f"wrote {shifts.write_example_rules(init_rules)}")
            return
        if requirements_csv is None or out is None:
            raise InputError("give REQUIREMENTS.csv and -o OUTDIR (or --init-rules FILE)")
        rule_set = shifts.load_rules(rules) if rules is not None else None
        agents = shifts.read_roster(roster) if roster is not None else None
        target = ServiceTarget(sl_threshold_s=sl_threshold_s, patience_s=patience_s)
        result = shifts.schedule(shifts.read_requirements(requirements_csv), rule_set,
                                 time_limit_s=time_limit_s, gap=gap,
                                 source=str(requirements_csv), target=target,
                                 shrinkage=shrinkage, simulate=not no_simulate,
                                 replications=replications, seed=seed, workers=workers,
                                 roster=agents)
        inputs = [requirements_csv] + [p for p in (rules, roster) if p is not None]
        written = shifts.write_outputs(result, out, inputs=inputs)
        typer.echo("\n".join(shifts.summary_lines(result.summary)))
        typer.echo(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
def plan(
    history: Annotated[Path, typer.Argument(help="Interval history (as for `wfm forecast`).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (created if needed).")],
    horizon: Annotated[str | None, typer.Option(
        "--horizon", help="How far ahead: 1w, 2w, 10d. [default: 1w]")] = None,
    config: ConfigOpt = None,
    freq: Annotated[str | None, typer.Option(
        "--freq", help="Plan at 15min, 30min or 60min (aggregates the history).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Forecast model [default: auto]")
                     ] = None,
    country: CountryOpt = None,
    aht_s: AhtOpt = None,
    sl_target: SlTargetCfgOpt = None,
    sl_threshold_s: SlThresholdCfgOpt = None,
    asa_target_s: AsaOpt = None,
    max_occupancy: OccOpt = None,
    patience_s: PatienceOpt = None,
    max_abandon: AbandonOpt = None,
    shrinkage: ShrinkCfgOpt = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Shift rules TOML (else [shifts] of the config, else built-in).")
    ] = None,
    time_limit_s: Annotated[float, typer.Option("--time-limit-s")] = 60.0,
    gap: Annotated[float, typer.Option("--gap")] = 0.005,
    replications: Annotated[int, typer.Option(
        "--replications", help="Simulation replications per day.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
):
    """Forecast -> staff -> schedule in one go: forecast.csv, requirements.csv, shifts.csv,
    coverage.csv, plan.xlsx and a self-contained report.html."""
    import shifts
    from wfmcore.config import load_config
    from wfmcore.plan import STEPS, run_plan, summary_lines

    with user_errors():
        cfg = load_config(config) if config is not None else None
        rule_set = shifts.load_rules(rules) if rules is not None else None
        with progress(len(STEPS), "plan") as bar:
            result = run_plan(
                history, out, config=cfg, horizon=horizon, freq=freq, model=model,
                country=country, aht_s=aht_s, time_limit_s=time_limit_s, gap=gap,
                replications=replications, seed=seed, rules=rule_set,
                progress=lambda _name: bar.update(1),
                sl_target=sl_target, sl_threshold_s=sl_threshold_s, asa_target_s=asa_target_s,
                max_occupancy=max_occupancy, patience_s=patience_s, max_abandon=max_abandon,
                shrinkage=shrinkage)
    for note in result.notes:
        typer.echo(f"wfm: note: {note}", err=True)
    typer.echo("\n".join(summary_lines(result.summary)))
    typer.echo(f"outputs in {out}/: " + ", ".join(sorted(p.name for p in result.files)))


def _floats(text: str | None, flag: str) -> list[float]:
    if text is None:
        return []
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{flag} takes numbers separated by commas; got {text!r}") from None


@app.command()
def whatif(
    forecast_csv: Annotated[Path, typer.Argument(help="Forecast file (interval_start, offered "
                                                 "[, queue, aht_s]), or a history with "
                                                 "--from-history.")],
    volume: Annotated[str | None, typer.Option(
        "--volume", help="Volume multipliers, e.g. 0.9,1,1.1.")] = None,
    aht: Annotated[str | None, typer.Option("--aht", help="AHT multipliers, e.g. 1,1.05.")
                   ] = None,
    sl_target: Annotated[str | None, typer.Option(
        "--sl-target", help="Service-level targets, e.g. 0.8,0.9.")] = None,
    sl_threshold_s: Annotated[str | None, typer.Option(
        "--sl-threshold-s", help="Thresholds in seconds, e.g. 20,30.")] = None,
    shrinkage: Annotated[str | None, typer.Option("--shrinkage", help="e.g. 0.3,0.35.")] = None,
    patience_s: Annotated[str | None, typer.Option(
        "--patience-s", help="Mean patience values (Erlang A), e.g. 60,120.")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="erlang_c and/or erlang_a, e.g. erlang_c,erlang_a.")] = None,
    scenarios: Annotated[Path | None, typer.Option(
        "--scenarios", help="TOML file with [[scenario]] tables (instead of the grid).")] = None,
    headcount: Annotated[Path | None, typer.Option(
        "--headcount", help="CSV of agents per interval (interval_start [, queue], agents): "
                            "evaluate it instead of solving.")] = None,
    aht_s: AhtOpt = None,
    fte_hours: Annotated[float, typer.Option("--fte-hours", help="Paid hours of one FTE "
                                             "a week.")] = 37.5,
    paid_hours: Annotated[bool, typer.Option(
        "--paid-hours/--no-paid-hours", help="Schedule every scenario's shifts (default "
                                             "rules) to report paid hours.")] = True,
    from_history: Annotated[bool, typer.Option(
        "--from-history", help="The file is an interval history: forecast it first (auto "
                               "model) and run the scenarios on that forecast.")] = False,
    horizon: Annotated[str, typer.Option(
        "--horizon", help="With --from-history: how far ahead to forecast.")] = "1w",
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Comparison table: .csv or .xlsx.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="PNG chart to write.")] = None,
    config: ConfigOpt = None,
):
    """Compare scenarios side by side: volume, AHT, targets, shrinkage, patience, model, or a
    given headcount per interval."""
    import pandas as pd

    from erlang import whatif as wi
    from erlang.staffing import ServiceTarget
    from wfmcore import schema
    from wfmcore.config import load_config
    from wfmcore.io import check_output_path, write_atomic

    with user_errors():
        cfg = load_config(config) if config is not None else None
        inputs = [p for p in (forecast_csv, scenarios, headcount, config) if p is not None]
        for p in (out, chart):
            if p is not None:
                check_output_path(p, inputs)
                if not p.parent.exists() if str(p.parent) else False:
                    raise InputError(f"{p}: folder {p.parent} does not exist")
        base = ServiceTarget(**(cfg.target_kwargs() if cfg else {}))
        if aht_s is None and cfg is not None:
            aht_s = cfg.staffing.get("aht_s")
        if scenarios is not None:
            scs = wi.load_scenarios(scenarios)
            if scs[0].name != "base":
                scs = [wi.Scenario(name="base")] + scs
        else:
            models = [m.strip() for m in model.split(",")] if model else []
            scs = wi.grid(volume=_floats(volume, "--volume"), aht=_floats(aht, "--aht"),
                          sl_target=_floats(sl_target, "--sl-target"),
                          sl_threshold_s=_floats(sl_threshold_s, "--sl-threshold-s"),
                          shrinkage=_floats(shrinkage, "--shrinkage"),
                          patience_s=_floats(patience_s, "--patience-s"), model=models)
        frame = schema.read_table(forecast_csv)
        if from_history:
            import forecast as fc

            predicted = fc.run_forecast(forecast_csv, horizon=horizon, aht_s=aht_s)
            frame = predicted.assign(interval_start=pd.to_datetime(
                predicted["interval_start"]).dt.strftime("%Y-%m-%d %H:%M"))
        counts = None
        if headcount is not None:
            counts = wi_headcount(frame, schema.read_table(headcount), str(headcount))
        pricer = None
        if paid_hours:
            import shifts

            rule_set = (shifts.rules_from_dict(cfg.shifts, source=f"{cfg.path}: [shifts]")
                        if cfg is not None and cfg.shifts else None)

            def pricer(req):
                return shifts.schedule(req, rule_set, time_limit_s=30,
                                       simulate=False).summary["paid_hours"]

        with progress(len(scs), "scenarios") as bar:
            table = wi.run_scenarios(frame, scs, base, aht_s=aht_s, headcount=counts,
                                     fte_hours=fte_hours, source=str(forecast_csv),
                                     paid_hours=pricer, progress=lambda: bar.update(1))
        typer.echo(whatif_report(table))
        if out is not None:
            if out.suffix.lower() == ".xlsx":
                write_atomic(out, lambda p: table.to_excel(p, index=False, sheet_name="whatif"),
                             inputs=inputs)
            else:
                write_atomic(out, lambda p: table.to_csv(p, index=False), inputs=inputs)
            typer.echo(f"table -> {out}")
        if chart is not None:
            write_atomic(chart, lambda p: wi.plot_scenarios(table, p), inputs=inputs)
            typer.echo(f"chart -> {chart}")


def wi_headcount(frame, counts, source):
    """Agents per forecast row from a headcount file, matched on (queue,) interval_start."""
    import numpy as np

    from wfmcore import schema

    schema.require_columns(counts, ("interval_start", "agents"), source)
    key = ["interval_start"] + (["queue"] if "queue" in frame.columns else [])
    left = frame[key].copy()
    left["interval_start"] = schema.parse_times(frame, "interval_start", "forecast")
    right = counts[key].copy()
    right["interval_start"] = schema.parse_times(counts, "interval_start", source)
    right["agents"] = schema.numeric_column(counts, "agents", source)
    merged = left.merge(right, on=key, how="left")
    if merged["agents"].isna().any():
        i = int(np.argmax(merged["agents"].isna().to_numpy()))
        raise InputError(f"{source}: no agents given for interval "
                         f"{frame['interval_start'].iloc[i]} (forecast row {i + 2})")
    if (merged["agents"] != np.floor(merged["agents"])).any():
        raise InputError(f"{source}: column 'agents' must hold whole numbers")
    return merged["agents"].to_numpy()


def whatif_report(table) -> str:
    cols = [("agent_hours", "{:,.0f}"), ("paid_hours", "{:,.0f}"), ("fte", "{:,.1f}"),
            ("service_level", "{:.1%}"), ("asa_s", "{:.1f}"), ("abandon_rate", "{:.2%}"),
            ("occupancy", "{:.1%}")]
    width = max(8, table["scenario"].str.len().max())
    head = f"{'scenario':<{width}} " + " ".join(f"{c:>13}" for c, _ in cols) + "  ΔFTE"
    lines = [head]
    for _, r in table.iterrows():
        vals = " ".join(f"{f.format(r[c]) if r[c] == r[c] else '-':>13}" for c, f in cols)
        lines.append(f"{r['scenario']:<{width}} {vals}  {r['fte_vs_base']:+.1f}")
    return "\n".join(lines)


def main() -> None:
    """Console entry point: usage errors as one line too, numpy's warnings kept quiet."""
    import warnings

    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("wfm: aborted", err=True)
        sys.exit(1)
    except Exception as exc:
        # click's (or typer's vendored click's) UsageError / BadParameter family
        if not hasattr(exc, "format_message"):
            raise
        message = exc.format_message().strip()
        if type(exc).__name__ == "NoArgsIsHelpError" or message.startswith("Usage:"):
            if message:  # `wfm` alone: show the help, as `wfm --help` does
                typer.echo(message)
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        path = getattr(ctx, "command_path", "wfm") or "wfm"
        typer.echo(f"wfm: error: {exc.format_message()} (see: {path} --help)", err=True)
        sys.exit(getattr(exc, "exit_code", 2) or 2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
