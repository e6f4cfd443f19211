"""``wfm.toml``: one file for targets, shrinkage, handle time, patience, queues, shift rules.

Every key is checked when the file is read: an unknown key, a wrong type or a share written
as a percentage (80 instead of 0.8) is an :class:`InputError` naming the file and the key.
Command-line options override the file; the file overrides the built-in defaults.

Shrinkage is given as components that compound (each applies to the time the previous
ones left): s = 1 - prod(1 - s_i)   (e.g. absence 0.08, training 0.05 -> 0.126).

Call blending (a ``[queues.NAME]`` table of a deferred queue: email, callback, back office)::

    [queues.email]
    channel = "email"
    deadline_h = 8
    blend_with = "sales"          # the voice queue whose agents do email in their idle time
    blend_max_occupancy = 0.9     # calls + email, at most (default 0.9)
    blend_max_sl_drop = 0.01      # voice service level at most one point below unblended

The voice agents take a deferred item when more than a threshold of them are idle (Bhulai &
Koole 2003, :mod:`erlang.blending`); per interval the smallest threshold that keeps the
voice service level within ``blend_max_sl_drop`` of its level without blending (and at its
target where it met it) and the occupancy at most ``blend_max_occupancy``. The voice team's
deferred Erlangs under that rule are free capacity for the deferred plan; only the rest
becomes the queue's own requirement (:func:`wfmplan.staffing.staff_blended`). With a
``channel`` column the queue may name itself: its deferred channel blends with its voice
rows. One deferred series per voice queue (two would share the same idle time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfmcore import checks
from wfmcore.errors import InputError
from wfmcore.io import read_toml, write_atomic
from wfmcore.targets import MAX_OCCUPANCY, TARGET_FIELDS, ServiceTarget, check_key

# key -> (kind, description). The target keys come from the fields of ServiceTarget
# (wfmcore.targets), so wfm.toml, scenarios and the engine share one vocabulary and one check.
TARGET_KEYS = {k: (f.metadata["kind"], f.metadata["help"]) for k, f in TARGET_FIELDS.items()
               if f.metadata["section"] == "targets"}
STAFFING_KEYS = {
    "aht_s": ("seconds", "average handle time when the history has none, seconds"),
    **{k: (f.metadata["kind"], f.metadata["help"]) for k, f in TARGET_FIELDS.items()
       if f.metadata["section"] == "staffing"},
}
FORECAST_KEYS = {
    "horizon": ("text", "how far ahead, e.g. 1w, 2w, 10d"),
    "freq": ("text", "15min | 30min | 60min"),
    "model": ("text", "auto or a model name"),
    "level": ("share", "prediction-interval level, e.g. 0.8"),
    "country": ("text", "public-holiday calendar, e.g. US"),
    "special_days": ("text", "CSV of special days (closures, campaigns)"),
}
#: how history files are read (:class:`wfmcore.readoptions.ReadOptions`; the same flags on
#: every command that reads history)
INPUT_KEYS = {
    "tz": ("text", "the centre's IANA time zone, e.g. Europe/Paris"),
    "input_tz": ("text", "zone of naive timestamps that are not site-local, e.g. UTC"),
    "columns": ("text", "column map, e.g. 'offered=Calls In,queue=Skill'"),
    "date_format": ("text", "strftime format of the dates, e.g. '%d/%m/%Y'"),
    "sheet": ("text", "Excel sheet name"),
    "filter": ("text", "rows to keep, e.g. 'channel=voice'"),
    "layout": ("text", "force an export layout by name (wfm import lists what it found)"),
}
#: call blending: keys of a deferred queue's [queues.NAME] table (module docstring)
BLEND_KEYS = {
    "blend_with": ("text", "deferred queue: the voice queue whose agents do its work in "
                           "their idle time (call blending, Bhulai & Koole 2003); only the "
                           "rest gets agents of its own"),
    "blend_max_occupancy": ("share1", "blending: most occupancy (calls + deferred work) of "
                                      "the voice agents; default 0.9"),
    "blend_max_sl_drop": ("share0", "blending: how far the voice service level may fall "
                                    "below its level without blending; default 0.01 (one "
                                    "point)"),
}
#: defaults of the blending keys other than blend_with
BLEND_DEFAULTS = {"blend_max_occupancy": 0.9, "blend_max_sl_drop": 0.01}
QUEUE_KEYS = {**TARGET_KEYS, **STAFFING_KEYS, **BLEND_KEYS}
SECTIONS = ("targets", "staffing", "shrinkage", "forecast", "input", "queues", "shifts",
            "capacity", "groups")
#: keys of a [groups.NAME] table: agents with the same skills (:mod:`erlang.skills`); the
#: skills are the call types, named as the forecast's series ("sales", or "sales / chat"
#: where the file has a channel column)
GROUP_KEYS = {
    "skills": ("text_list", "call types the group answers, in priority order (first = "
                            "primary)"),
    "aht_factor": ("table_positive", "handle-time multiplier per skill (proficiency: 1.2 = "
                                     "20 % slower), e.g. { sales = 1.2 }"),
    "overflow_delay_s": ("table_seconds0", "seconds a call of that type waits before the "
                                           "group may take it, e.g. { sales = 20 }"),
}
#: keys of [staffing] and [queues.NAME] that are ServiceTarget fields
_TARGET_STAFFING = tuple(k for k in STAFFING_KEYS if k in TARGET_FIELDS)


@dataclass
class Config:
    """The parsed file: plain values; ``None`` where the file is silent."""

    path: Path | None = None
    targets: dict[str, Any] = field(default_factory=dict)
    staffing: dict[str, Any] = field(default_factory=dict)
    shrinkage_components: dict[str, float] = field(default_factory=dict)
    forecast: dict[str, Any] = field(default_factory=dict)
    input: dict[str, Any] = field(default_factory=dict)
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    shifts: dict[str, Any] = field(default_factory=dict)
    #: the long-range plan's workforce and costs (checked by wfmplan.capacity, which owns
    #: its keys, as shifts.rules_from_dict checks [shifts])
    capacity: dict[str, Any] = field(default_factory=dict)
    #: agent groups of a multi-skill centre: name -> {skills, aht_factor, overflow_delay_s}
    #: (:data:`GROUP_KEYS`); empty: every series has its own agents
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def shrinkage(self) -> float:
        """Total shrinkage s = 1 - prod(1 - s_i) over the components."""
        keep = 1.0
        for s in self.shrinkage_components.values():
            keep *= 1.0 - s
        return 1.0 - keep

    def target_kwargs(self, queue: str | None = None, **overrides) -> dict[str, Any]:
        """Keyword arguments for :class:`ServiceTarget`: the application's defaults (the
        occupancy cap :data:`wfmcore.targets.MAX_OCCUPANCY`, the KPI scorecard's), file
        values, then the queue's own section, then ``overrides`` that are not None
        (command-line options)."""
        out: dict[str, Any] = {"max_occupancy": MAX_OCCUPANCY}
        out.update(self.targets)
        out.update({k: v for k, v in self.staffing.items() if k in _TARGET_STAFFING})
        if self.shrinkage_components:
            out["shrinkage"] = self.shrinkage
        if queue is not None and queue in self.queues:
            q = self.queues[queue]
            out.update({k: v for k, v in q.items() if k in TARGET_FIELDS})
        out.update({k: v for k, v in overrides.items() if v is not None})
        return out

    def blending(self) -> dict[str, dict[str, Any]]:
        """The blended deferred queues: queue -> {blend_with, blend_max_occupancy,
        blend_max_sl_drop} (defaults filled in; module docstring)."""
        return {name: {**BLEND_DEFAULTS, **{k: v for k, v in q.items() if k in BLEND_KEYS}}
                for name, q in self.queues.items() if "blend_with" in q}

    def service_target(self, queue: str | None = None, **overrides) -> ServiceTarget:
        """The :class:`ServiceTarget` of ``queue`` (see :meth:`target_kwargs`)."""
        return ServiceTarget(**self.target_kwargs(queue, **overrides))


def _check_value(path: Path, key: str, value: Any, kind: str) -> Any:
    where = f"{path}: key '{key}'"
    name = key.rsplit(".", 1)[-1]
    if name in TARGET_FIELDS and kind == TARGET_FIELDS[name].metadata["kind"]:
        return check_key(name, value, where)
    return checks.check(kind, value, where)


def _group_value(path: Path, key: str, value: Any, kind: str) -> Any:
    where = f"{path}: key '{key}'"
    if kind == "text_list":
        if isinstance(value, str) or not isinstance(value, list) or not value:
            raise InputError(f"{where} must be a list of call types, e.g. [\"sales\", "
                             f"\"service\"]; got {value!r}")
        return tuple(checks.text(v, f"{where}[{i}]") for i, v in enumerate(value))
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a table of call type = number, e.g. "
                         f"{{ sales = 1.2 }}; got {value!r}")
    inner = "positive" if kind == "table_positive" else "seconds0"
    return {k: checks.check(inner, v, f"{where}.{k}") for k, v in value.items()}


def _groups(path: Path, raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: [groups] must hold one [groups.NAME] table per agent group")
    out = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise InputError(f"{path}: [groups.{name}] must be a table of keys")
        for key in table:
            if key not in GROUP_KEYS:
                raise InputError(f"{path}: unknown key 'groups.{name}.{key}' (known: "
                                 f"{', '.join(GROUP_KEYS)})")
        if "skills" not in table:
            raise InputError(f"{path}: [groups.{name}] needs 'skills', the call types it "
                             "answers in priority order")
        out[name] = {k: _group_value(path, f"groups.{name}.{k}", v, GROUP_KEYS[k][0])
                     for k, v in table.items()}
    return out


def _section(path: Path, name: str, table: Any, keys: dict[str, tuple[str, str]]) -> dict:
    if not isinstance(table, dict):
        raise InputError(f"{path}: [{name}] must be a table of keys")
    out = {}
    for key, value in table.items():
        if key not in keys:
            raise InputError(f"{path}: unknown key '{name}.{key}' (known in [{name}]: "
                             f"{', '.join(keys)})")
        out[key] = _check_value(path, f"{name}.{key}", value, keys[key][0])
    return out


def load_config(path: Path | str) -> Config:
    """Read and validate a ``wfm.toml``."""
    p = Path(path)
    raw = read_toml(p, "config")
    for key in raw:
        if key not in SECTIONS:
            raise InputError(f"{p}: unknown section or key '{key}' (known sections: "
                             f"{', '.join(SECTIONS)})")
    cfg = Config(path=p)
    cfg.targets = _section(p, "targets", raw.get("targets", {}), TARGET_KEYS)
    cfg.staffing = _section(p, "staffing", raw.get("staffing", {}), STAFFING_KEYS)
    shrink = raw.get("shrinkage", {})
    if not isinstance(shrink, dict):
        raise InputError(f"{p}: [shrinkage] must be a table of named components")
    cfg.shrinkage_components = {k: _check_value(p, f"shrinkage.{k}", v, "share0")
                                for k, v in shrink.items()}
    if cfg.shrinkage >= 1:
        raise InputError(f"{p}: [shrinkage] components add up to 100 %")
    cfg.forecast = _section(p, "forecast", raw.get("forecast", {}), FORECAST_KEYS)
    cfg.input = _section(p, "input", raw.get("input", {}), INPUT_KEYS)
    queues = raw.get("queues", {})
    if not isinstance(queues, dict):
        raise InputError(f"{p}: [queues] must hold one [queues.NAME] table per queue")
    for name, table in queues.items():
        cfg.queues[name] = _section(p, f"queues.{name}", table, QUEUE_KEYS)
        loose = [k for k in BLEND_DEFAULTS if k in cfg.queues[name]]
        if loose and "blend_with" not in cfg.queues[name]:
            raise InputError(f"{p}: key 'queues.{name}.{loose[0]}' needs "
                             f"'queues.{name}.blend_with' (the voice queue to blend with)")
    shifts = raw.get("shifts", {})
    if not isinstance(shifts, dict):
        raise InputError(f"{p}: [shifts] must be a table")
    cfg.shifts = shifts
    capacity = raw.get("capacity", {})
    if not isinstance(capacity, dict):
        raise InputError(f"{p}: [capacity] must be a table")
    cfg.capacity = capacity
    cfg.groups = _groups(p, raw.get("groups", {}))
    every_queue_patient = bool(cfg.queues) and all("patience_s" in q
                                                   for q in cfg.queues.values())
    if ("max_abandon" in cfg.targets and "patience_s" not in cfg.staffing
            and not every_queue_patient):
        raise InputError(f"{p}: key 'targets.max_abandon' needs 'staffing.patience_s' "
                         "(abandonment is modelled by Erlang A)")
    return cfg


EXAMPLE = """\
# wfm.toml - settings for wfm staff / plan / whatif. Command-line options override these.
# Shares are written 0-1 (0.8 = 80 %), times in seconds.

[targets]
sl_target = 0.8          # share of calls answered within sl_threshold_s (0 = no target)
sl_threshold_s = 20
# asa_target_s = 30      # maximum average speed of answer
max_occupancy = 0.9      # occupancy cap, as the KPI scorecard's standard (1 = no cap)
# max_abandon = 0.05     # maximum share abandoned (needs staffing.patience_s: Erlang A)
sl_convention = "offered"  # divide by offered calls (abandons count against); or answered, wait

[staffing]
aht_s = 300              # average handle time when the history has none
# patience_s = 180       # mean caller patience: switches from Erlang C to Erlang A
min_agents = 0           # minimum agents in every open interval
staffing_method = "mol"  # mol (calls still being handled from earlier intervals count), sipp, lag-sipp

[shrinkage]              # components compound: s = 1 - (1 - 0.08)(1 - 0.05)(1 - 0.03)
absence = 0.08
training = 0.05
meetings = 0.03

[forecast]
horizon = "1w"
freq = "15min"
model = "auto"
level = 0.8
# country = "US"         # public-holiday calendar

[input]                  # how history files are read (the same as the flags --tz, ...)
# tz = "America/New_York"  # the centre's time zone; offsets and UTC exports are converted to it
# input_tz = "UTC"         # naive timestamps that are not site-local
# columns = "offered=Calls In,queue=Skill"   # map columns the layouts do not know
# filter = "channel=voice"

# One table per queue overrides the settings above for that queue:
# [queues.sales]
# aht_s = 360
# patience_s = 150
# sl_target = 0.9

# Deferred work (email, callback, back office) with a deadline; blend_with lets the agents
# of a voice queue do it in their idle time (only the rest gets agents of its own):
# [queues.email]
# channel = "email"
# deadline_h = 8           # business hours
# deadline_share = 0.95
# blend_with = "sales"
# blend_max_occupancy = 0.9
# blend_max_sl_drop = 0.01  # voice service level at most one point below unblended
"""


def write_example_config(path: Path | str) -> Path:
    """Write the commented example above (refuses to overwrite an existing file)."""
    p = Path(path)
    if p.exists():
        raise InputError(f"{p}: already exists; remove it or choose another name")
    return write_atomic(p, lambda tmp: tmp.write_text(EXAMPLE, encoding="utf-8"))
