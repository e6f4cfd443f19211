"""The ``wfm`` command: option parsing and printing over the application layer (``wfmplan``).

Every command is one call into ``wfmplan`` that a notebook can make too. Bad input
(:class:`wfmcore.errors.InputError`) becomes one line on stderr naming the flag and exit code
2, never a traceback; an internal error (:class:`wfmcore.errors.InternalError`) exits 1 with a
line asking for a bug report.
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
import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated  # noqa: E402

import typer  # noqa: E402

from wfmcore.errors import InputError, InternalError  # noqa: E402
from wfmplan import VERSION as wfm_version  # noqa: E402
from wfmplan import (  # noqa: E402
    calculator,
    capacity,
    forecasting,
    importing,
    multiskill,
    reforecasting,
    scheduling,
    scorecard,
    settings,
    staffing,
    text,
)
from wfmplan import plan as planning  # noqa: E402
from wfmplan import whatif as whatifs  # noqa: E402
from wfmplan.settings import (  # noqa: E402
    TARGET_FIELDS,
    ForecastOptions,
    ScheduleOptions,
    ServiceTarget,
)

#: the commands in the order of a planner's work, for ``wfm --help``
WORKFLOW = ("import", "forecast", "backtest", "reforecast", "staff", "schedule", "plan",
            "whatif", "capacity", "kpis", "erlang", "init")


class _WorkflowOrder(typer.core.TyperGroup):
    """Lists the commands in :data:`WORKFLOW` order (then any others)."""

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        return [n for n in WORKFLOW if n in names] + [n for n in names if n not in WORKFLOW]

    def format_commands(self, ctx, formatter):
        """Each command with its whole first sentence, wrapped (click cuts it at ~45
        characters with '...')."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=_WorkflowOrder,
    add_completion=False,
    no_args_is_help=True,
    help="wfm: contact-centre workforce planning — forecast, staff (Erlang C/A), schedule.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts hold literal [brackets] ([default: 0.8], [[scenario]])
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wfm {wfm_version}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """wfm: contact-centre workforce planning — forecast, staff (Erlang C/A), schedule."""

#: library parameter -> command-line flag, for messages (the one place that knows both)
FLAGS = {name: "--" + name.replace("_", "-") for name in (
    "sl_target", "sl_threshold_s", "asa_target_s", "max_occupancy", "max_abandon",
    "sl_convention", "patience_s", "min_agents", "shrinkage", "aht_s", "traffic_erl", "calls",
    "interval_min", "agents", "fte_hours", "time_limit_s", "gap", "workers", "replications",
    "seed", "level", "horizon", "intervals", "freq", "model", "country", "tz", "folds",
    "max_blocking", "late_end", "staffing_method", "repair", "repair_rounds",
    "repair_max_cost", "repair_replications", "repair_confidence", "input_tz", "columns",
    "date_format", "sheet", "filter", "layout",
    "sl_period", "sl_floor", "isa_max_iterations", "isa_replications", "service_risk",
    "expected_sl", "staffing_rule", "as_of", "method", "lines", "redial_share", "concurrency",
    "aht_s_by_concurrency", "deadline_h", "deadline_share", "channel", "p_meet", "events",
    "paths", "short_weeks", "scheduling_efficiency", "volume_cv", "attrition_points",
    "scheduler", "partitioned", "redial_delay_s", "groups", "skills", "chat_routing",
    "per_interval_deferred")}
FLAGS["capacity_plan"] = "--capacity"

#: ``--per-interval-deferred`` of schedule and plan
PerIntervalDeferredOpt = Annotated[bool, typer.Option(
    "--per-interval-deferred", help="Cover deferred work (email, back office) per interval "
    "as staffed, instead of anywhere inside its deadline window where that holds its target "
    "for fewer paid hours.")]


def flag_message(exc: InputError) -> str:
    """The message with the parameter it is about followed by its flag, where the message
    names that parameter as a word (``sl_target must be ...`` -> ``sl_target (--sl-target)
    must be ...``)."""
    message = str(exc)
    flag = FLAGS.get(exc.param or "")
    if flag is None:
        return message
    return re.sub(rf"(^|(?<= )){exc.param}(?=[ ,:;)]|$)", f"{exc.param} ({flag})", message,
                  count=1)


@contextlib.contextmanager
def user_errors():
    """InputError -> one line on stderr, exit 2; InternalError -> a bug-report line, exit 1."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"wfm: error: {flag_message(exc)}", err=True)
        raise typer.Exit(2) from None
    except InternalError as exc:
        typer.echo(f"wfm: internal error: {exc} (a bug in wfm, not in your input: please "
                   "report it with the command you ran)", err=True)
        raise typer.Exit(1) from None


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


class _SeriesProgress:
    """A progress bar counting series (queue x channel) or intervals, opened once the
    command knows how many there are (``start(n)``); nothing when stderr is not a
    terminal."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def start(self, n: int) -> None:
        if sys.stderr.isatty() and n > 0 and self.bar is None:
            self.bar = typer.progressbar(length=n, label=self.label, file=sys.stderr)
            self.bar.__enter__()

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def notes(lines) -> None:
    for note in lines:
        typer.echo(f"wfm: note: {note}", err=True)


def _help(key: str) -> str:
    """Help text of a target key, from the one vocabulary (wfmcore.targets)."""
    text_ = TARGET_FIELDS[key].metadata["help"]
    return text_[0].upper() + text_[1:] + "."


# Options of every command that works series by series (issue 15).
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Processes working on series (queue x channel) in parallel [default: "
                      "one per core from four series on]; the output is the same for any "
                      "number.", show_default=False)]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", envvar="WFM_DASK_SCHEDULER",
    help="Dask scheduler address (tcp://host:8786, or the WFM_DASK_SCHEDULER variable): the "
         "series run as tasks of that cluster (pip install 'wfm-toolkit[dask]'); the same "
         "output.", show_default=False)]

# Options shared by `erlang` and `staff` (one definition, one help text).
AhtOpt = Annotated[float | None, typer.Option("--aht-s", help="Average handle time, seconds.")]
SlTargetOpt = Annotated[float, typer.Option("--sl-target", help=_help("sl_target"))]
SlThresholdOpt = Annotated[float, typer.Option("--sl-threshold-s",
                                               help=_help("sl_threshold_s"))]
AsaOpt = Annotated[float | None, typer.Option("--asa-target-s", help=_help("asa_target_s"))]
OccOpt = Annotated[float | None, typer.Option("--max-occupancy", help=_help("max_occupancy"))]
PatienceOpt = Annotated[float | None, typer.Option("--patience-s", help=_help("patience_s"))]
AbandonOpt = Annotated[float | None, typer.Option("--max-abandon", help=_help("max_abandon"))]
ShrinkOpt = Annotated[float, typer.Option("--shrinkage", help=_help("shrinkage"))]
ConventionOpt = Annotated[str, typer.Option("--sl-convention", help=_help("sl_convention"))]
LinesOpt = Annotated[int | None, typer.Option("--lines", help=_help("lines"))]
RedialOpt = Annotated[float | None, typer.Option("--redial-share", help=_help("redial_share"))]
RedialDelayOpt = Annotated[float | None, typer.Option("--redial-delay-s",
                                                      help=_help("redial_delay_s"))]
ChatRoutingOpt = Annotated[str | None, typer.Option("--chat-routing",
                                                    help=_help("chat_routing"))]
ConcurrencyOpt = Annotated[int | None, typer.Option("--concurrency", help=_help("concurrency"))]
AhtListOpt = Annotated[str | None, typer.Option(
    "--aht-s-by-concurrency", help="Chat: handle time of a chat, seconds, when its agent holds "
                                   "1, 2, ... chats, comma-separated, e.g. 180,210,240.")]
DeadlineOpt = Annotated[float | None, typer.Option("--deadline-h", help=_help("deadline_h"))]
DeadlineShareOpt = Annotated[float | None, typer.Option("--deadline-share",
                                                        help=_help("deadline_share"))]

# The same options where a wfm.toml may supply the value: None means "not given here".
SlTargetCfgOpt = Annotated[float | None, typer.Option(
    "--sl-target", help=_help("sl_target") + " [default: 0.8]")]
SlThresholdCfgOpt = Annotated[float | None, typer.Option(
    "--sl-threshold-s", help=_help("sl_threshold_s") + " [default: 20]")]
ShrinkCfgOpt = Annotated[float | None, typer.Option(
    "--shrinkage", help=_help("shrinkage") + " [default: 0]")]
StaffingMethodOpt = Annotated[str | None, typer.Option(
    "--staffing-method", help=_help("staffing_method") + " [default: mol]")]
SlPeriodOpt = Annotated[str | None, typer.Option(
    "--sl-period", help=_help("sl_period") + " [default: interval]")]
SlFloorOpt = Annotated[float | None, typer.Option("--sl-floor", help=_help("sl_floor"))]
RiskOpt = Annotated[float | None, typer.Option("--service-risk", help=_help("service_risk"))]
ExpectedSlOpt = Annotated[bool | None, typer.Option(
    "--expected-sl/--no-expected-sl", help=_help("expected_sl"), show_default=False)]
IsaIterOpt = Annotated[int | None, typer.Option(
    "--isa-max-iterations", help=_help("isa_max_iterations") + " [default: 20]")]
# History options shared by forecast, backtest and plan.
FreqOpt = Annotated[str | None, typer.Option(
    "--freq", help="Aggregate the history first: 15min, 30min or 60min.")]
CountryOpt = Annotated[str | None, typer.Option(
    "--country", help="Public holidays of this country (ISO code, e.g. US) are closed days.")]
SpecialDaysOpt = Annotated[Path | None, typer.Option(
    "--special-days", help="CSV: date, kind (closed|open|event), uplift (0.2 = +20%).")]
TzOpt = Annotated[str | None, typer.Option(
    "--tz", help="The centre's time zone (e.g. America/New_York): DST days get their real "
                 "intervals and a utc_offset_min column; timestamps with offsets (or Z) are "
                 "converted to it.")]
# How the history is read (the same keys under [input] in wfm.toml).
InputTzOpt = Annotated[str | None, typer.Option(
    "--input-tz", help="Zone of naive timestamps that are not site-local (e.g. UTC); they are "
                       "converted to --tz.")]
ColumnsOpt = Annotated[str | None, typer.Option(
    "--columns", help="Map columns the known layouts miss: 'offered=Calls In,queue=Skill'.")]
DateFormatOpt = Annotated[str | None, typer.Option(
    "--date-format", help="Date format when day and month cannot be told apart, e.g. "
                          "'%d/%m/%Y'.")]
SheetOpt = Annotated[str | None, typer.Option(
    "--sheet", help="Excel sheet (name or 0-based number) [default: the one with data].")]
FilterOpt = Annotated[str | None, typer.Option(
    "--filter", help="Keep only these rows: 'channel=voice', 'queue=Sales|Service'.")]
LayoutOpt = Annotated[str | None, typer.Option(
    "--layout", help="Force an export layout (genesys_cloud, nice_cxone, avaya_cms, "
                     "cisco_uccx, amazon_connect, five9, talkdesk, zendesk, wfm, generic) "
                     "[default: recognised from the header].")]
RepairOpt = Annotated[bool, typer.Option(
    "--repair", help="Simulate the schedule, raise the requirement where the simulated "
                     "service level falls short of the target and solve again (see "
                     "--repair-rounds, --repair-max-cost).")]
RepairRoundsOpt = Annotated[int, typer.Option(
    "--repair-rounds", help="With --repair: at most this many rounds of simulate, raise, "
                            "re-solve.")]
RepairCostOpt = Annotated[float, typer.Option(
    "--repair-max-cost", help="With --repair: stop before the paid hours exceed the first "
                              "schedule's by this share (0.05 = 5 %).")]
RepairReplicationsOpt = Annotated[int | None, typer.Option(
    "--repair-replications", help="With --repair: simulated days per round, on the repair's "
                                  "own seeds (default: 200, more where days are cheap: as "
                                  "many as 100 million simulated calls allow, at most "
                                  "2,000).")]
RepairConfidenceOpt = Annotated[float, typer.Option(
    "--repair-confidence", help="With --repair: an interval is short while the lower limit of "
                                "its simulated service level's confidence interval at this "
                                "level is below the target (0: while the mean is).")]
StaffingRuleOpt = Annotated[str, typer.Option(
    "--staffing-rule", help="What the simulated check (and --repair) does where the agents on "
                            "the phones change: count (scheduled capacity only), designated "
                            "(leavers finish their call), agents (replay of the shifts and "
                            "breaks).")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="wfm.toml with targets, shrinkage, AHT, patience, queues (options "
                     "given here override it).")]


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
    model: Annotated[str, typer.Option(
        "--model", help="auto (Erlang C, Erlang A with --patience-s, Erlang B with "
                        "--max-blocking, Erlang X with --lines or --redial-share), x (Erlang "
                        "X), chat (agents hold several chats: --concurrency, "
                        "--aht-s-by-concurrency) or deferred (email, back office: "
                        "--deadline-h, --deadline-share).")] = "auto",
    lines: LinesOpt = None,
    redial_share: RedialOpt = None,
    redial_delay_s: RedialDelayOpt = None,
    concurrency: ConcurrencyOpt = None,
    chat_routing: ChatRoutingOpt = None,
    aht_s_by_concurrency: AhtListOpt = None,
    deadline_h: DeadlineOpt = None,
    deadline_share: DeadlineShareOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
):
    """Evaluate or solve one interval: Erlang C, A (--patience-s), B (--max-blocking), X
    (--lines, --redial-share), chat (--model chat) or deferred work (--model deferred)."""
    with user_errors():
        channel = calculator.channel_for(model)
        extra = {k: v for k, v in dict(
            lines=lines, redial_share=redial_share, redial_delay_s=redial_delay_s,
            concurrency=concurrency, chat_routing=chat_routing,
            aht_s_by_concurrency=calculator.seconds_list(aht_s_by_concurrency,
                                                         "aht_s_by_concurrency"),
            deadline_h=deadline_h, deadline_share=deadline_share).items() if v is not None}
        target = None if max_blocking is not None else ServiceTarget(
            sl_target=sl_target, sl_threshold_s=sl_threshold_s, asa_target_s=asa_target_s,
            max_occupancy=max_occupancy, patience_s=patience_s, max_abandon=max_abandon,
            shrinkage=shrinkage, sl_convention=sl_convention, channel=channel, **extra)
        result = calculator.erlang_answer(
            traffic_erl=traffic_erl, calls=calls, interval_min=interval_min, aht_s=aht_s,
            target=target, agents=agents, max_blocking=max_blocking)
        if as_json:
            typer.echo(json.dumps({k: (_json_number(v) if isinstance(v, float) else v)
                                   for k, v in result["answer"].items()}))
        else:
            typer.echo(calculator.erlang_table(result))


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
    staffing_method: StaffingMethodOpt = None,
    sl_period: SlPeriodOpt = None,
    sl_floor: SlFloorOpt = None,
    isa_max_iterations: IsaIterOpt = None,
    service_risk: RiskOpt = None,
    expected_sl: ExpectedSlOpt = None,
    config: ConfigOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    partitioned: Annotated[bool, typer.Option(
        "--partitioned", help="FORECAST_CSV is a Parquet dataset partitioned by queue "
                              "(queue=NAME/*.parquet), each queue read and staffed by a "
                              "worker; with -o a folder, the requirements are written the "
                              "same way.")] = False,
    skills: Annotated[bool, typer.Option(
        "--skills", help="Multi-skill centre: staff the agent groups of --config's "
                         "[groups.NAME] tables (skills in priority order) interval by "
                         "interval, checked by simulation; writes one row per group and "
                         "interval, and OUT_by_type.csv with each call type's service.")
    ] = False,
):
    """Required agents for every interval of a forecast file (writes requirements CSV)."""
    if skills:
        with user_errors(), _SeriesProgress("staff by skills") as bar:
            if partitioned:
                raise InputError("--partitioned is not used with --skills yet (the agent "
                                 "groups are staffed interval by interval across queues)",
                                 param="partitioned")
            if scheduler is not None:
                raise InputError("--skills runs on this machine's cores (--workers); a Dask "
                                 "scheduler (--scheduler or WFM_DASK_SCHEDULER) is not used "
                                 "with it yet", param="scheduler")
            unused = {"asa_target_s": asa_target_s,
                      "max_occupancy": max_occupancy, "max_abandon": max_abandon,
                      "min_agents": min_agents, "sl_convention": sl_convention,
                      "sl_period": sl_period, "sl_floor": sl_floor,
                      "isa_max_iterations": isa_max_iterations, "service_risk": service_risk,
                      "expected_sl": expected_sl, "interval_min": interval_min}
            given = [k for k, v in unused.items() if v is not None]
            if given:
                raise InputError(f"{FLAGS.get(given[0], given[0])} is not used with --skills "
                                 "(multi-skill staffing meets each call type's service "
                                 "level target; give targets per queue in wfm.toml)")
            result = multiskill.staff_skills_file(
                forecast_csv, out, config=settings.load_settings(config), aht_s=aht_s,
                workers=workers, progress=bar.update, on_intervals=bar.start,
                sl_target=sl_target, sl_threshold_s=sl_threshold_s,
                patience_s=patience_s, shrinkage=shrinkage, staffing_method=staffing_method)
        notes(result.notes)
        typer.echo(text.skills_line(result, out))
        return
    with user_errors(), _SeriesProgress("staff") as bar:
        requirements = staffing.staff_file(
            forecast_csv, out, config=settings.load_settings(config), aht_s=aht_s,
            workers=workers, scheduler=scheduler, progress=bar.update, on_series=bar.start,
            interval_min=interval_min, sl_target=sl_target, sl_threshold_s=sl_threshold_s,
            asa_target_s=asa_target_s, max_occupancy=max_occupancy, patience_s=patience_s,
            max_abandon=max_abandon, shrinkage=shrinkage, min_agents=min_agents,
            sl_convention=sl_convention, staffing_method=staffing_method, sl_period=sl_period,
            sl_floor=sl_floor, isa_max_iterations=isa_max_iterations,
            service_risk=service_risk, expected_sl=expected_sl, partitioned=partitioned)
    notes(requirements.notes)
    typer.echo(text.staff_line(requirements, out))


@app.command("capacity")
def capacity_cmd(
    history: Annotated[Path, typer.Argument(help="Interval history (as for `wfm forecast`).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (created if needed): "
                                      "capacity.csv, capacity.xlsx, capacity.png, capacity.html.")
                   ] = Path("capacity"),
    horizon: Annotated[str | None, typer.Option(
        "--horizon", help="Weeks to plan: 52w, 26w, 364d. [default: 52w, or "
                          "capacity.horizon_weeks]", show_default=False)] = None,
    config: ConfigOpt = None,
    p_meet: Annotated[float | None, typer.Option(
        "--p-meet", help="Plan to meet each week's requirement with this probability (0.9); "
                         "default: the expected-value plan.", show_default=False)] = None,
    events: Annotated[Path | None, typer.Option(
        "--events", help="CSV of planned events: week_start, week_end [, queue], "
                         "volume_factor, aht_delta_s.")] = None,
    fte_hours: Annotated[float | None, typer.Option(
        "--fte-hours", help="Paid hours of one FTE a week [default: 37.5].",
        show_default=False)] = None,
    short_weeks: Annotated[int | None, typer.Option(
        "--short-weeks", help="Weeks forecast interval by interval (as wfm plan) before the "
                              "weekly volume index takes over [default: 1].",
        show_default=False)] = None,
    scheduling_efficiency: Annotated[float | None, typer.Option(
        "--scheduling-efficiency", help="Paid hours per scheduled agent-hour [default: "
                                        "measured on the short range's schedule].",
        show_default=False)] = None,
    volume_cv: Annotated[float | None, typer.Option(
        "--volume-cv", help="Coefficient of variation of a week's volume for the Monte Carlo "
                            "[default: the volume index's prediction error].",
        show_default=False)] = None,
    paths: Annotated[int | None, typer.Option(
        "--paths", help="Monte Carlo paths [default: 2000].", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Monte Carlo seed [default: 0].", show_default=False)] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
):
    """The long-range plan: weekly required FTE a year out, a hiring plan by integer
    programme (classes, ramp, attrition, overtime, outsourcing) and its chance of meeting
    each week."""
    with user_errors(), _SeriesProgress("capacity") as bar:
        cfg = settings.load_settings(config)
        result = capacity.run_capacity(
            history, horizon, cfg, out, events=events, workers=workers, scheduler=scheduler,
            progress=bar.update, on_series=bar.start,
            options={"p_meet": p_meet, "fte_hours": fte_hours, "short_weeks": short_weeks,
                     "scheduling_efficiency": scheduling_efficiency, "volume_cv": volume_cv,
                     "paths": paths, "seed": seed})
    notes(result.notes)
    typer.echo(text.capacity_line(result, out))


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Config file to write.")] = Path("wfm.toml"),
):
    """Write a commented example wfm.toml (targets, shrinkage, AHT, patience, queues)."""
    with user_errors():
        settings.write_example_config(path)
        typer.echo(f"wrote {path}: edit it, then pass --config {path}")


@app.command()
def kpis(
    history: Annotated[Path, typer.Argument(help="Interval history (CSV/Excel): interval_start, "
                                            "offered [, queue, handled, abandoned, aht_s, "
                                            "answered_in_sl, asa_s, wait_s, staffed_agents].")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Scorecard CSV to write.")
                   ] = None,
    sl_target: Annotated[float | None, typer.Option(
        "--sl-target", help=_help("sl_target") + " [default: 0.8]")] = None,
    asa_target_s: Annotated[float | None, typer.Option(
        "--asa-target-s", help=_help("asa_target_s") + " [default: 20]")] = None,
    max_abandon: Annotated[float | None, typer.Option(
        "--max-abandon", help="Maximum share of calls abandoned. [default: 0.05]")] = None,
    max_occupancy: Annotated[float | None, typer.Option(
        "--max-occupancy", help=_help("max_occupancy") + " [default: 0.9]")] = None,
    short_abandon: Annotated[bool, typer.Option(
        "--short-abandon", help="Leave short abandons (column short_abandoned) out of service "
                                "level and abandonment.")] = False,
    tz: TzOpt = None,
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    config: ConfigOpt = None,
):
    """Contact-centre KPI scorecard per queue, day and week, with misses flagged, and the
    mean caller patience (for Erlang A) where waits and abandons are recorded."""
    with user_errors():
        cfg = settings.load_settings(config)
        targets = planning.kpi_targets(cfg, {
            "sl_target": sl_target, "asa_target_s": asa_target_s, "max_abandon": max_abandon,
            "max_occupancy": max_occupancy})
        read = settings.read_options(cfg, tz=tz, input_tz=input_tz, columns=columns,
                                     date_format=date_format, sheet=sheet, filter=filter_rows,
                                     layout=layout)
        card, hist = scorecard.run_kpis(history, out, targets=targets,
                                        short_abandon=short_abandon,
                                        inputs=[config] if config else [], read=read)
        typer.echo(text.scorecard_report(card, hist))
        if out is not None:
            typer.echo(f"scorecard ({len(card)} rows) -> {out}")


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
        "--model", help=forecasting.MODEL_HELP)] = "auto",
    level: Annotated[float, typer.Option(
        "--level", help="Prediction-interval coverage as a share: 0.8 -> offered_lo80, "
                        "offered_hi80.")] = 0.8,
    country: CountryOpt = None,
    special_days: SpecialDaysOpt = None,
    tz: TzOpt = None,
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    aht_s: AhtOpt = None,
    config: ConfigOpt = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes forecasting queues in parallel [default: one per core "
                          "from four queues on]; the forecast is the same for any number.",
        show_default=False)] = None,
    scheduler: SchedulerOpt = None,
    partitioned: Annotated[bool, typer.Option(
        "--partitioned", help="HISTORY is a Parquet dataset partitioned by queue "
                              "(queue=NAME/*.parquet), read one queue at a time; with -o a "
                              "folder, the forecast is written the same way.")] = False,
):
    """Forecast calls offered per interval with a backtest-calibrated interval (feeds
    `wfm staff`)."""
    with user_errors(), _SeriesProgress("forecast") as bar:
        forecasting.exclusive(horizon, intervals)
        cfg = settings.load_settings(config)
        read = settings.read_options(cfg, tz=tz, input_tz=input_tz, columns=columns,
                                     date_format=date_format, sheet=sheet, filter=filter_rows,
                                     layout=layout)
        options = ForecastOptions(
            horizon=horizon or "1w", freq=freq, model=model, level=level, country=country,
            special_days=special_days, aht_s=aht_s)
        result = forecasting.forecast_file(history, out, options, intervals=intervals,
                                           read=read, inputs=[config], workers=workers,
                                           scheduler=scheduler, partitioned=partitioned,
                                           progress=bar.update, on_series=bar.start)
    notes(result.notes)
    for line in text.evidence_lines(result):
        typer.echo(line, err=True)
    typer.echo(text.forecast_line(result, out))


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
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    config: ConfigOpt = None,
    aht_s: Annotated[float | None, typer.Option(
        "--aht-s", help="AHT that prices forecast errors in agents (default: the history's, "
                        "else 300 s).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Also write the table (.json or .csv).")] = None,
    intraday: Annotated[bool, typer.Option(
        "--intraday", help="Score the intraday reforecast instead: rest-of-day MASE of no "
                           "update, ratio and svd_update at the 10:00 and 13:00 cut-offs, "
                           "updating the auto forecast made at each weekly origin.")] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
):
    """Rolling-origin backtest: MASE, WAPE, bias, interval coverage and the staffing
    consequence per model; marks the winner. Each origin uses only the weeks before it."""
    if intraday:
        with user_errors(), progress(folds, "intraday backtest") as bar:
            read = settings.read_options(settings.load_settings(config), tz=tz,
                                         input_tz=input_tz, columns=columns,
                                         date_format=date_format, sheet=sheet,
                                         filter=filter_rows, layout=layout)
            result = reforecasting.intraday_backtest_file(
                history, out, progress=bar.update, read=read, inputs=[config], folds=folds,
                horizon=horizon, freq=freq, level=level, country=country,
                special_days=special_days)
        notes(result.notes)
        if as_json:
            typer.echo(result.table.to_json(orient="records", indent=2))
        else:
            typer.echo(reforecasting.intraday_table(result.table))
        return
    with user_errors(), _SeriesProgress("backtest") as bar:
        read = settings.read_options(settings.load_settings(config), tz=tz, input_tz=input_tz,
                                     columns=columns, date_format=date_format, sheet=sheet,
                                     filter=filter_rows, layout=layout)
        result = forecasting.backtest_file(
            history, out, progress=bar.update, on_series=bar.start, workers=workers,
            scheduler=scheduler, read=read, inputs=[config], folds=folds,
            horizon=horizon, freq=freq, level=level, country=country,
            special_days=special_days, aht_s=aht_s)
    notes(result.notes)
    if as_json:
        typer.echo(result.table.to_json(orient="records", indent=2))
    else:
        typer.echo(text.backtest_table(result.table))


@app.command()
def reforecast(
    history: Annotated[Path, typer.Argument(
        help="Interval history (as for `wfm forecast`) up to the as-of time or later.")],
    forecast_csv: Annotated[Path, typer.Option(
        "--forecast", help="The forecast to update, as `wfm forecast` wrote it.")],
    as_of: Annotated[str, typer.Option(
        "--as-of", help="Local time the day has been seen up to, on the forecast's interval "
                        "grid: '2026-03-02 11:00'.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Rest-of-day forecast CSV to write.")
                   ] = Path("rest_of_day.csv"),
    method: Annotated[str, typer.Option(
        "--method", help="svd_update (Shen & Huang 2008 penalised update of the SVD scores) "
                         "or ratio (run rate: actual / forecast so far, shrunk).")
    ] = "svd_update",
    tz: TzOpt = None,
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    config: ConfigOpt = None,
):
    """Update the rest of the day from the intervals seen so far: the forecast's rows of the
    as-of day from the as-of time on, same columns, model = the update method."""
    with user_errors():
        read = settings.read_options(settings.load_settings(config), tz=tz, input_tz=input_tz,
                                     columns=columns, date_format=date_format, sheet=sheet,
                                     filter=filter_rows, layout=layout)
        result = reforecasting.reforecast_file(history, forecast_csv, out, as_of,
                                               method=method, read=read, inputs=[config])
    notes(result.notes)
    typer.echo(reforecasting.reforecast_line(result, out))


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
        "--time-limit-s", help="Solver time budget of each queue and day (of each queue "
                               "and week with tours), seconds.")] = 60.0,
    gap: Annotated[float, typer.Option(
        "--gap", help="Relative MIP gap at which a day stops (share: 0.005 = 0.5 %).")] = 0.005,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes solving days (queue-weeks with weekly tours) in "
                          "parallel [default: one per core from three on].",
        show_default=False)] = None,
    replications: Annotated[int, typer.Option(
        "--replications", help="Simulated replications of each day for the service check.")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    no_simulate: Annotated[bool, typer.Option(
        "--no-simulate", help="Skip the simulation (Erlang service level only).")] = False,
    sl_target: Annotated[float, typer.Option(
        "--sl-target", help="Service-level target the check (and --repair) holds each "
                            "interval to.")] = 0.8,
    sl_threshold_s: Annotated[float, typer.Option(
        "--sl-threshold-s", help="Service-level threshold T for the check, seconds.")] = 20.0,
    patience_s: Annotated[float | None, typer.Option(
        "--patience-s", help="Mean caller patience, seconds: check with Erlang A and "
                             "abandonment in the simulation.", show_default=False)] = None,
    shrinkage: Annotated[float | None, typer.Option(
        "--shrinkage", help="Share of scheduled time off the phones for the check [default: "
                            "inferred from agents and scheduled_agents].",
        show_default=False)] = None,
    sl_period: SlPeriodOpt = None,
    sl_floor: SlFloorOpt = None,
    repair: RepairOpt = False,
    repair_rounds: RepairRoundsOpt = 12,
    repair_max_cost: RepairCostOpt = 0.05,
    repair_replications: RepairReplicationsOpt = None,
    repair_confidence: RepairConfidenceOpt = 0.95,
    staffing_rule: StaffingRuleOpt = "count",
    init_rules: Annotated[Path | None, typer.Option(
        "--init-rules", help="Write a commented example rules file (the built-in defaults) "
                             "and exit.", show_default=False)] = None,
    horizon_days: Annotated[int | None, typer.Option(
        "--horizon-days", help="Days the schedule covers from the first day of the "
                               "requirements; with contracts, its days without requirements "
                               "are closed, e.g. 7 closes the weekend of a Monday-to-Friday "
                               "file [default: through the last day].", show_default=False)
    ] = None,
    fte_hours: Annotated[float, typer.Option(
        "--fte-hours", help="Paid hours of one FTE a week (FTE = paid hours / this / weeks).")
    ] = 37.5,
    per_interval_deferred: PerIntervalDeferredOpt = False,
):
    """Cost-optimal shifts with breaks covering the required agents (integer programme,
    HiGHS), checked by the Erlang formulas and by simulation. Writes shifts.csv,
    coverage.csv, coverage.png and schedule.xlsx (tours.csv with [tours], fairness.csv with
    --roster) into OUTDIR."""
    with user_errors():
        if init_rules is not None:
            typer.echo(f"wrote {settings.write_example_rules(init_rules)}")
            return
        if requirements_csv is None or out is None:
            raise InputError("give REQUIREMENTS.csv and -o OUTDIR (or --init-rules FILE)")
        options = ScheduleOptions(
            time_limit_s=time_limit_s, gap=gap, workers=workers, simulate=not no_simulate,
            replications=replications, seed=seed, shrinkage=shrinkage, repair=repair,
            repair_rounds=repair_rounds, repair_max_cost=repair_max_cost,
            repair_replications=repair_replications, repair_confidence=repair_confidence,
            staffing_rule=staffing_rule, horizon_days=horizon_days, fte_hours=fte_hours,
            deferred_window=not per_interval_deferred)
        target = ServiceTarget(sl_target=sl_target, sl_threshold_s=sl_threshold_s,
                               patience_s=patience_s, sl_period=sl_period or "interval",
                               sl_floor=sl_floor)
        # the repair's simulations: a bar counting them, with the intervals still short
        with (progress(2 * repair_rounds + 2, "repair") if repair else _Quiet()) as bar:
            def repair_step(short: int) -> None:
                if hasattr(bar, "label"):
                    bar.label = f"repair ({short:,} short)"
                bar.update(1)

            result, written = scheduling.schedule_file(requirements_csv, out, rules=rules,
                                                       roster=roster, options=options,
                                                       target=target, progress=repair_step)
        typer.echo("\n".join(scheduling.summary_lines(result.summary)))
        notes(scheduling.under_covered_lines(result.coverage))
        notes(scheduling.roster_shortfall_lines(result.fairness))
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
    model: Annotated[str | None, typer.Option(
        "--model", help="Forecast model [default: auto]: " + forecasting.MODEL_HELP)] = None,
    country: CountryOpt = None,
    tz: TzOpt = None,
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    aht_s: AhtOpt = None,
    sl_target: SlTargetCfgOpt = None,
    sl_threshold_s: SlThresholdCfgOpt = None,
    asa_target_s: AsaOpt = None,
    max_occupancy: OccOpt = None,
    patience_s: PatienceOpt = None,
    max_abandon: AbandonOpt = None,
    shrinkage: ShrinkCfgOpt = None,
    staffing_method: StaffingMethodOpt = None,
    sl_period: SlPeriodOpt = None,
    sl_floor: SlFloorOpt = None,
    isa_max_iterations: IsaIterOpt = None,
    service_risk: RiskOpt = None,
    expected_sl: ExpectedSlOpt = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Shift rules TOML (else [shifts] of the config, else built-in).")
    ] = None,

    roster: Annotated[Path | None, typer.Option(
        "--roster", help="Agents CSV (agent, min_hours, max_hours per week, availability "
                         "...): assign every shift to a named agent (fairness.csv).")] = None,
    special_days: SpecialDaysOpt = None,
    level: Annotated[float | None, typer.Option(
        "--level", help="Prediction-interval coverage as a share [default: 0.8].")] = None,
    fte_hours: Annotated[float, typer.Option(
        "--fte-hours", help="Paid hours of one FTE a week (FTE = paid hours / this / weeks).")
    ] = 37.5,
    time_limit_s: Annotated[float, typer.Option(
        "--time-limit-s", help="Solver time budget of each queue and day (of each queue "
                               "and week with tours), seconds.")] = 60.0,
    gap: Annotated[float, typer.Option(
        "--gap", help="Relative MIP gap at which a day stops (share: 0.005 = 0.5 %).")] = 0.005,
    replications: Annotated[int, typer.Option(
        "--replications", help="Simulation replications per day.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    repair: RepairOpt = False,
    repair_rounds: RepairRoundsOpt = 12,
    repair_max_cost: RepairCostOpt = 0.05,
    repair_replications: RepairReplicationsOpt = None,
    repair_confidence: RepairConfidenceOpt = 0.95,
    staffing_rule: StaffingRuleOpt = "count",
    per_interval_deferred: PerIntervalDeferredOpt = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes for the forecast's series and the schedule's days "
                          "[default: one per core where it pays]; the plan is the same for "
                          "any number.", show_default=False)] = None,
    partitioned: Annotated[bool, typer.Option(
        "--partitioned", help="HISTORY is a Parquet dataset partitioned by queue "
                              "(queue=NAME/*.parquet), read one queue at a time.")] = False,
):
    """Forecast -> staff -> schedule in one go: forecast.csv, requirements.csv, shifts.csv,
    coverage.csv, plan.xlsx and a self-contained report.html."""
    with user_errors():
        cfg = settings.load_settings(config)
        read = settings.read_options(cfg, tz=tz, input_tz=input_tz, columns=columns,
                                     date_format=date_format, sheet=sheet, filter=filter_rows,
                                     layout=layout)
        options = planning.plan_options(
            cfg, horizon=horizon, freq=freq, model=model, country=country, aht_s=aht_s,
            special_days=special_days, level=level, read=read, fte_hours=fte_hours,
            workers=workers,
            schedule={"time_limit_s": time_limit_s, "gap": gap, "replications": replications,
                      "seed": seed, "repair": repair, "repair_rounds": repair_rounds,
                      "repair_max_cost": repair_max_cost,
                      "repair_replications": repair_replications,
                      "repair_confidence": repair_confidence, "staffing_rule": staffing_rule,
                      "fte_hours": fte_hours, "deferred_window": not per_interval_deferred},
            target_overrides={"sl_target": sl_target, "sl_threshold_s": sl_threshold_s,
                              "asa_target_s": asa_target_s, "max_occupancy": max_occupancy,
                              "patience_s": patience_s, "max_abandon": max_abandon,
                              "shrinkage": shrinkage, "staffing_method": staffing_method,
                              "sl_period": sl_period, "sl_floor": sl_floor,
                              "isa_max_iterations": isa_max_iterations,
                              "service_risk": service_risk, "expected_sl": expected_sl})
        rule_set = settings.shift_rules(cfg, rules)
        if rule_set is None:           # no rules file: the contact-centre defaults
            rule_set = scheduling.DEFAULT_RULES
        with progress(len(planning.STEPS), "plan") as bar:
            result = planning.run_plan(history, out, options, config=cfg, rules=rule_set,
                                       roster=roster, progress=lambda _name: bar.update(1),
                                       partitioned=partitioned)
    notes(result.notes)
    typer.echo("\n".join(planning.summary_lines(result.summary)))
    notes(scheduling.roster_shortfall_lines(result.schedule.fairness))
    typer.echo(f"outputs in {out}/: " + ", ".join(sorted(p.name for p in result.files)))


def _multipliers(text_: str | None, flag: str) -> list[float]:
    """'+15%,-10%,1.1' -> [1.15, 0.9, 1.1]: a percentage change (with %) or a multiplier."""
    if text_ is None:
        return []
    out = []
    for tok in (t.strip() for t in text_.split(",")):
        if not tok:
            continue
        m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)\s*%", tok)
        try:
            out.append(1.0 + float(m.group(1)) / 100.0 if m else float(tok))
        except ValueError:
            raise InputError(f"{flag} takes percentages (+15%) or multipliers (1.15) "
                             f"separated by commas; got {tok!r}") from None
        if not m and tok[0] in "+-":
            raise InputError(f"{flag}: {tok!r} looks like a change; write it as a percentage "
                             f"({tok}%) or a multiplier")
    return out


def _base_settings(pairs: list[str] | None) -> dict:
    """``--base KEY=VALUE`` (repeatable) -> target settings of the what-if base: the keys of
    wfm.toml's [targets] / [staffing] / shrinkage, values written as in wfm.toml (a bare word
    is text)."""
    import tomllib

    out = {}
    for pair in pairs or []:
        key, sep, value = (t.strip() for t in pair.partition("="))
        if not sep or not key or not value:
            raise InputError(f"--base takes KEY=VALUE (e.g. shrinkage=0.3); got {pair!r}")
        if key not in TARGET_FIELDS:
            raise InputError(f"--base: unknown key {key!r} (known: {', '.join(TARGET_FIELDS)})")
        try:
            out[key] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = value
    return out


def _floats(text_: str | None, flag: str) -> list[float]:
    if text_ is None:
        return []
    try:
        return [float(v) for v in text_.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{flag} takes numbers separated by commas; got {text_!r}") from None


@app.command()
def whatif(
    forecast_csv: Annotated[Path, typer.Argument(help="Forecast file (interval_start, offered "
                                                 "[, queue, aht_s]), or a history with "
                                                 "--from-history.")],
    volume: Annotated[str | None, typer.Option(
        "--volume", help="Volume changes: percentages (+15%, -10%) or multipliers "
                         "(0.9,1,1.1).")] = None,
    aht: Annotated[str | None, typer.Option(
        "--aht", help="AHT changes: percentages (+5%) or multipliers (1,1.05).")] = None,
    aht_delta_s: Annotated[str | None, typer.Option(
        "--aht-delta-s", help="AHT changes in seconds, added to each queue's own AHT: "
                              "-10,0,10.")] = None,
    sl_target: Annotated[str | None, typer.Option(
        "--sl-target", help="Service-level targets, e.g. 0.8,0.9.")] = None,
    sl_threshold_s: Annotated[str | None, typer.Option(
        "--sl-threshold-s", help="Thresholds in seconds, e.g. 20,30.")] = None,
    asa_target_s: Annotated[str | None, typer.Option(
        "--asa-target-s", help="ASA targets in seconds, e.g. 15,30.")] = None,
    max_occupancy: Annotated[str | None, typer.Option(
        "--max-occupancy", help="Occupancy caps, e.g. 0.85,0.9,1 (1 = no cap).")] = None,
    max_abandon: Annotated[str | None, typer.Option(
        "--max-abandon", help="Abandonment caps (Erlang A), e.g. 0.03,0.05.")] = None,
    shrinkage: Annotated[str | None, typer.Option("--shrinkage", help="e.g. 0.3,0.35.")] = None,
    patience_s: Annotated[str | None, typer.Option(
        "--patience-s", help="Mean patience values (Erlang A), e.g. 60,120.")] = None,
    base: Annotated[list[str] | None, typer.Option(
        "--base", help="A setting of the base scenario, KEY=VALUE as in wfm.toml (e.g. "
                       "shrinkage=0.3; repeat for more); over --config. Every scenario is "
                       "the base with its changes, and differences are to the base.")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="erlang_c and/or erlang_a, e.g. erlang_c,erlang_a.")] = None,
    staffing_method: Annotated[str | None, typer.Option(
        "--staffing-method", help="Staffing methods to compare, e.g. mol,sipp (see `wfm staff "
                                  "--help`).")] = None,
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
    horizon: Annotated[str | None, typer.Option(
        "--horizon", help="With --from-history: how far ahead to forecast [default: 1w]; with "
                          "--capacity: the weeks to plan [default: 52w].",
        show_default=False)] = None,
    capacity_plan: Annotated[bool, typer.Option(
        "--capacity", help="The file is an interval history: compare long-range plans (wfm "
                           "capacity) under --volume, --aht-delta-s, --attrition-points and "
                           "the target options.")] = False,
    attrition_points: Annotated[str | None, typer.Option(
        "--attrition-points", help="With --capacity: annual attrition points added, e.g. "
                                   "5 (= +5 points a year) or 0,5.")] = None,
    tz: TzOpt = None,
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Comparison table: .csv or .xlsx.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="PNG chart to write.")] = None,
    config: ConfigOpt = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Processes working on the (scenario, series) pairs in parallel, "
                          "each staffed and priced in its own [default: one per core from "
                          "four pairs on; with --capacity: series]; the same table for "
                          "any number.",
        show_default=False)] = None,
    scheduler: SchedulerOpt = None,
):
    """Compare scenarios side by side: volume, AHT, targets, shrinkage, patience, model, or a
    given headcount per interval; with --capacity, long-range hiring plans."""
    with user_errors():
        cfg = settings.load_settings(config)
        if capacity_plan:
            unused = {"--headcount": headcount, "--staffing-method": staffing_method,
                      "--base": base, "--asa-target-s": asa_target_s,
                      "--max-occupancy": max_occupancy, "--max-abandon": max_abandon}
            given = [flag for flag, v in unused.items() if v]
            if given:
                raise InputError(f"--capacity compares long-range plans: {given[0]} does not "
                                 "apply (the base is the config's settings)",
                                 param="capacity_plan")
            _capacity_whatif(forecast_csv, cfg, config, scenarios, volume, aht, aht_delta_s,
                             attrition_points, sl_target, sl_threshold_s, shrinkage,
                             patience_s, model, horizon, out, workers, scheduler)
            return
        inputs = [p for p in (forecast_csv, scenarios, headcount, config) if p is not None]
        whatifs.check_outputs((out, chart), inputs)
        base_settings = _base_settings(base)
        scs = whatifs.scenario_list(
            scenarios, cfg.service_target(**base_settings),
            volume=_multipliers(volume, "--volume"),
            aht=_multipliers(aht, "--aht"), aht_delta_s=_floats(aht_delta_s, "--aht-delta-s"),
            sl_target=_floats(sl_target, "--sl-target"),
            sl_threshold_s=_floats(sl_threshold_s, "--sl-threshold-s"),
            asa_target_s=_floats(asa_target_s, "--asa-target-s"),
            max_occupancy=_floats(max_occupancy, "--max-occupancy"),
            max_abandon=_floats(max_abandon, "--max-abandon"),
            shrinkage=_floats(shrinkage, "--shrinkage"),
            patience_s=_floats(patience_s, "--patience-s"),
            model=[m.strip() for m in model.split(",")] if model else [],
            staffing_method=([m.strip() for m in staffing_method.split(",")]
                             if staffing_method else []))
        read = settings.read_options(cfg, tz=tz, input_tz=input_tz, columns=columns,
                                     date_format=date_format, sheet=sheet, filter=filter_rows,
                                     layout=layout)
        options = whatifs.WhatifOptions(aht_s=aht_s, fte_hours=fte_hours,
                                        paid_hours=paid_hours, from_history=from_history,
                                        horizon=horizon or "1w", read=read)
        with _SeriesProgress("scenarios x series") as bar:
            table = whatifs.run_whatif(forecast_csv, scs, config=cfg, options=options,
                                       headcount=headcount, progress=lambda: bar.update(1),
                                       workers=workers, scheduler=scheduler,
                                       target_overrides=base_settings, on_tasks=bar.start)
        typer.echo(text.whatif_report(table))
        if out is not None:
            whatifs.write_table(table, out, inputs=inputs)
            typer.echo(f"table -> {out}")
        if chart is not None:
            whatifs.write_chart(table, chart, inputs=inputs)
            typer.echo(f"chart -> {chart}")


def _capacity_whatif(history, cfg, config, scenarios, volume, aht, aht_delta_s,
                     attrition_points, sl_target, sl_threshold_s, shrinkage, patience_s,
                     model, horizon, out, workers=None, scheduler=None) -> None:
    """``wfm whatif --capacity``: the long-range plan under each scenario, base first."""
    inputs = [p for p in (history, config, scenarios) if p is not None]
    whatifs.check_outputs((out,), inputs)
    scs = whatifs.scenario_list(
        scenarios, cfg.service_target(), volume=_multipliers(volume, "--volume"),
        aht=_multipliers(aht, "--aht"),
        model=[m.strip() for m in model.split(",")] if model else [],
        aht_delta_s=_floats(aht_delta_s, "--aht-delta-s"),
        attrition_points=[v / 100.0 for v in _floats(attrition_points, "--attrition-points")],
        sl_target=_floats(sl_target, "--sl-target"),
        sl_threshold_s=_floats(sl_threshold_s, "--sl-threshold-s"),
        shrinkage=_floats(shrinkage, "--shrinkage"), patience_s=_floats(patience_s,
                                                                       "--patience-s"))
    scs = sorted(scs, key=lambda sc: not whatifs.is_base(sc))   # the base first (stable)
    with progress(len(scs), "long-range scenarios") as bar:
        table = whatifs.run_capacity_whatif(history, scs, config=cfg, horizon=horizon,
                                            progress=lambda: bar.update(1), workers=workers,
                                            scheduler=scheduler)
    typer.echo(text.capacity_whatif_report(table))
    if out is not None:
        whatifs.write_table(table, out, inputs=inputs)
        typer.echo(f"table -> {out}")


@app.command("import")
def import_cmd(
    export: Annotated[Path, typer.Argument(help="An ACD export (CSV, .xlsx, .parquet): Genesys "
                                           "Cloud, NICE CXone, Avaya CMS, Cisco UCCX, Amazon "
                                           "Connect, Five9, Talkdesk, Zendesk or any interval "
                                           "file.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Normalised history CSV to write.")],
    tz: TzOpt = None,
    input_tz: InputTzOpt = None,
    columns: ColumnsOpt = None,
    date_format: DateFormatOpt = None,
    sheet: SheetOpt = None,
    filter_rows: FilterOpt = None,
    layout: LayoutOpt = None,
    config: ConfigOpt = None,
):
    """Read an ACD export once and write it in wfm's own history schema; prints what was
    recognised (layout, time zone, interval length, queues x channels, dates, rows filled,
    columns ignored) so the reading can be checked before the history is used."""
    with user_errors():
        read = settings.read_options(settings.load_settings(config), tz=tz, input_tz=input_tz,
                                     columns=columns, date_format=date_format, sheet=sheet,
                                     filter=filter_rows, layout=layout)
        summary = importing.import_history(export, out, read, inputs=[config] if config else [])
    typer.echo("\n".join(importing.summary_lines(summary)))


def main() -> None:
    """Console entry point: usage errors as one line too."""
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
