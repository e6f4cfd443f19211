"""The service-target vocabulary: one definition for the engine, wfm.toml, scenarios, the CLI.

:class:`ServiceTarget` is what an interval must achieve. Its fields, with their kind (see
:mod:`wfmcore.checks`), help text and wfm.toml section in the field metadata, are the single
source of the target keys of ``wfm.toml`` (:mod:`wfmcore.config`), of what-if scenarios and
of the command-line help. :class:`KpiTargets` scores a history against the same names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from wfmcore import checks
from wfmcore.errors import InputError

#: service-level conventions: divide by offered calls (abandons count against), by answered
#: calls, P(time in queue <= T) over all callers, or P(V <= T) for the "virtual" wait V of a
#: caller who would never hang up (CCmath's convention; its ASA is E[V]); identical in Erlang C
SL_CONVENTIONS = ("offered", "answered", "wait", "virtual")
#: how each channel (the canonical names of :data:`wfmcore.schema.CHANNELS`, plus back
#: office) is staffed: voice by Erlang C / A / X; chat and messaging by concurrency (Erlang
#: Chat: an agent holds several at once); email, callbacks and back office as deferred work
#: with a deadline (a linear programme over the open intervals)
CHANNEL_MODELS = {"voice": "voice", "chat": "chat", "message": "chat", "email": "deferred",
                  "callback": "deferred", "backoffice": "deferred", "deferred": "deferred"}
CHANNELS = tuple(CHANNEL_MODELS)
#: how chats reach agents (:mod:`erlang.chat`): spread evenly, or to the least-loaded agent
CHAT_ROUTINGS = ("even", "least_loaded")
#: how a day of intervals is staffed (:mod:`erlang.timevarying`, :mod:`erlang.isa`): the
#: modified offered load, each interval's own load (SIPP), the load one handle time earlier
#: (lag-SIPP), the simulation-based iterative staffing algorithm (ISA)
STAFFING_METHODS = ("mol", "sipp", "lag-sipp", "isa")
#: the period over which the service-level target holds (:mod:`erlang.period`)
SL_PERIODS = ("interval", "day", "week")
#: the occupancy standard of the industry KPI tables (at most 90 % of staffed time busy):
#: one policy for the application's staffing (:meth:`wfmcore.config.Config.service_target`)
#: and the KPI scorecard (:class:`KpiTargets`), overridable by ``max_occupancy`` in wfm.toml
#: or ``--max-occupancy`` (1 = no cap). The engine's :class:`ServiceTarget` keeps no cap by
#: default, so formula results stay the textbook's.
MAX_OCCUPANCY = 0.90


def _key(default, kind: str, section: str, help: str, note: str = "",
         choices: tuple[str, ...] = ()):
    return field(default=default, metadata={"kind": kind, "section": section, "help": help,
                                            "note": note, "choices": choices})


@dataclass(frozen=True, kw_only=True)
class ServiceTarget:
    """What an interval must achieve; ``None`` (or ``sl_target=0``) switches a target off.

    Erlang C is used unless ``patience_s`` is given, which switches to Erlang A.
    """

    sl_target: float = _key(0.80, "share0", "targets", "share of calls answered within "
                            "sl_threshold_s (0.8 = 80%); 0 = no target", note=" (0 = no target)")
    sl_threshold_s: float = _key(20.0, "seconds0", "targets",
                                 "service-level threshold T, seconds (answered within T)")
    asa_target_s: float | None = _key(None, "seconds", "targets",
                                      "maximum average speed of answer, seconds")
    max_occupancy: float | None = _key(None, "share1", "targets", "occupancy cap, share; "
                                       "wfm staff, plan, whatif and capacity default to 0.9 "
                                       "(1 = no cap)")
    max_abandon: float | None = _key(None, "share", "targets", "maximum share of calls "
                                     "abandoned (Erlang A: needs patience_s)")
    sl_convention: str = _key("offered", "text", "targets", "service level divided by "
                              "'offered' calls (abandons count against), 'answered' calls, "
                              "'wait' = P(time in queue <= T), or 'virtual' = P(wait of a "
                              "caller who never hangs up <= T), as CCmath's calculators",
                              choices=SL_CONVENTIONS)
    patience_s: float | None = _key(None, "seconds", "staffing", "mean caller patience, "
                                    "seconds; switches from Erlang C to Erlang A")
    min_agents: int = _key(0, "count", "staffing", "minimum agents in every open interval")
    staffing_method: str = _key("mol", "text", "staffing", "load a day of intervals is "
                                "staffed for: 'mol' (modified offered load: the calls still "
                                "being handled from earlier intervals count), 'sipp' (each "
                                "interval's own load), 'lag-sipp' (the load one handle time "
                                "earlier), 'isa' (simulate, restaff, repeat until stable)",
                                choices=STAFFING_METHODS)
    isa_replications: int = _key(50, "count", "staffing", "isa: simulated days per iteration")
    isa_max_iterations: int = _key(20, "count", "staffing", "isa: most iterations before it "
                                   "stops and says it did not converge")
    isa_damping: float = _key(0.5, "share1", "staffing", "isa: share of each step taken "
                              "(1 = undamped)")
    service_risk: float | None = _key(None, "share", "staffing", "chance an interval misses "
                                      "its targets over the forecast's uncertainty (0.1 = "
                                      "met with probability 0.9; needs offered_loNN/hiNN)")
    expected_sl: bool = _key(False, "bool", "staffing", "staff so the service level expected "
                             "over the forecast's uncertainty (calls-weighted, as reports "
                             "measure it) meets sl_target")
    sl_period: str = _key("interval", "text", "targets", "period the service-level target "
                          "holds over: 'interval' (every interval), 'day' or 'week' (the "
                          "period's calls-weighted service level)", choices=SL_PERIODS)
    sl_floor: float | None = _key(None, "share", "targets", "with sl_period day or week: the "
                                  "least service level of any interval, share")
    channel: str | None = _key(None, "text", "staffing", "how the queue is staffed: 'voice' "
                               "(Erlang C / A / X), 'chat' or 'message' (agents hold several "
                               "at once), 'email', 'callback', 'backoffice' or 'deferred' "
                               "(deferred work with a deadline); default: the file's channel column, else "
                               "voice", choices=CHANNELS)
    lines: int | None = _key(None, "count1", "staffing", "voice and chat: lines (trunks, "
                             "chat slots in the system) at most; a contact finding all busy "
                             "is blocked (Erlang X); at least the agents")
    redial_share: float = _key(0.0, "share0", "staffing", "voice: share of blocked and "
                               "abandoned callers who call again (Erlang X)")
    redial_delay_s: float | None = _key(None, "seconds", "staffing", "voice: mean time before "
                                        "a blocked or abandoned caller calls again, seconds "
                                        "(the exact retrial chain); default: the fixed point "
                                        "of Erlang X, right when redials come long after")
    concurrency: int | None = _key(None, "count1", "staffing", "chat: most chats an agent "
                                   "holds at once")
    aht_s_by_concurrency: tuple[float, ...] | None = _key(
        None, "seconds_list", "staffing", "chat: handle time of a chat, seconds, when its agent "
        "holds 1, 2, ... chats (one value per level up to concurrency)")
    chat_routing: str = _key("even", "text", "staffing", "chat: 'even' (chats spread evenly "
                             "over the agents, CCmath's Erlang Chat) or 'least_loaded' (a "
                             "new chat goes to the agent holding the fewest and chats never "
                             "move: exact up to 250,000 occupancy profiles, about 110 agents "
                             "at 3 chats); matters with aht_s_by_concurrency",
                             choices=CHAT_ROUTINGS)
    deadline_h: float | None = _key(None, "positive", "staffing", "deferred work (email, "
                                    "callback, back office): deadline, business hours")
    deadline_share: float = _key(0.95, "share1", "staffing", "deferred work: share of items "
                                 "done within deadline_h")
    shrinkage: float = _key(0.0, "share0", "shrinkage", "share of paid time off the phones; "
                            "scheduled = ceil(agents / (1 - shrinkage))")

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            object.__setattr__(self, f.name, check_key(f.name, value, f.name))
        if self.sl_floor is not None and self.sl_floor > self.sl_target:
            raise InputError(f"sl_floor of {self.sl_floor:g} is above sl_target "
                             f"{self.sl_target:g}: the floor of an interval must not exceed "
                             "the period's target", param="sl_floor")
        if self.sl_floor is not None and self.sl_period == "interval":
            raise InputError("sl_floor needs sl_period day or week (with a per-interval "
                             "target every interval meets sl_target already)",
                             param="sl_floor")
        if self.service_risk is not None and self.service_risk > 0.5:
            raise InputError(f"service_risk must be in (0, 0.5]; got {self.service_risk!r} "
                             "(the chance of missing the target: 0.1 = met 9 times in 10)",
                             param="service_risk")
        if self.service_risk is not None and self.expected_sl:
            raise InputError("service_risk and expected_sl are two ways to staff for the "
                             "forecast's uncertainty; give one", param="expected_sl")
        if self.isa_replications < 2:
            raise InputError("isa_replications must be >= 2 (the simulation's confidence "
                             "needs two days)", param="isa_replications")
        if self.aht_s_by_concurrency is not None:
            n_levels = len(self.aht_s_by_concurrency)
            if self.concurrency is None:
                object.__setattr__(self, "concurrency", n_levels)
            elif n_levels != self.concurrency:
                raise InputError(f"aht_s_by_concurrency has {n_levels} value(s) but "
                                 f"concurrency is {self.concurrency}: give one handle time per "
                                 f"number of chats an agent holds (1 to {self.concurrency})",
                                 param="aht_s_by_concurrency")
        if self.redial_delay_s is not None and self.redial_share == 0:
            raise InputError("redial_delay_s needs redial_share > 0 (the share of failed "
                             "callers who call again)", param="redial_delay_s")
        if self.redial_share > 0 and self.model == "chat":
            raise InputError("redial_share is a voice setting (Erlang X); chat has none",
                             param="redial_share")
        if self.max_abandon is not None and self.patience_s is None:
            raise InputError("max_abandon needs patience_s: abandonment is only modelled by "
                             "Erlang A", param="max_abandon")

    @property
    def model(self) -> str:
        """The staffing model: 'chat' or 'deferred' by channel, else 'erlang_x' (finite lines
        or redials), 'erlang_a' (patience) or 'erlang_c'."""
        kind = CHANNEL_MODELS[self.channel or "voice"]
        if kind != "voice":
            return kind
        if self.lines is not None or self.redial_share > 0:
            return "erlang_x"
        return "erlang_c" if self.patience_s is None else "erlang_a"

    def for_channel(self, channel: str) -> ServiceTarget:
        """This target for rows of ``channel`` (a file's channel column) when no channel is
        set; a channel wfm does not know is staffed as voice."""
        if self.channel is not None or channel not in CHANNEL_MODELS:
            return self
        return replace(self, channel=channel)


#: key -> dataclass field of ServiceTarget
TARGET_FIELDS = {f.name: f for f in fields(ServiceTarget)}


def check_key(key: str, value, name: str):
    """Check ``value`` for the target key ``key``; messages start with ``name``."""
    meta = TARGET_FIELDS[key].metadata
    if meta["kind"] == "text":
        return checks.text(value, name, meta["choices"])
    if meta["kind"] in checks.SHARE_BOUNDS:
        return checks.share(value, name, meta["kind"], meta["note"])
    return checks.check(meta["kind"], value, name)


@dataclass(frozen=True, kw_only=True)
class KpiTargets:
    """Targets a history is scored against (industry defaults: 80 % in 20 s, ASA <= 20 s,
    abandonment <= 5 %, occupancy <= :data:`MAX_OCCUPANCY`, the cap staffing uses too). The
    same keys and checks as :class:`ServiceTarget`; ``None`` (or ``sl_target=0``) leaves a
    KPI unscored."""

    sl_target: float = 0.80
    sl_threshold_s: float = 20.0
    asa_target_s: float | None = 20.0
    max_abandon: float | None = 0.05
    max_occupancy: float | None = MAX_OCCUPANCY

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                object.__setattr__(self, f.name, check_key(f.name, value, f.name))
