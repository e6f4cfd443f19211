"""Scheduling rules: shift types, breaks with windows, opening hours, limits (TOML -> objects).

All times are whole minutes. A shift type is defined by its *paid* length ``paid_min``; its
span on the clock is ``paid_min`` plus its unpaid breaks. Every break has a nominal start
``nominal_start_min`` (minutes after the shift start) and may start anywhere from
``window_min`` minutes earlier to ``window_min`` minutes later.

The break windows of one shift type must follow each other without overlapping (the latest
end of a break is no later than the earliest start of the next one). The scheduling model
(:mod:`shifts.model`) relies on this: it is what makes any combination of break times inside
their windows a valid day for one agent, so the implicit break placement is exact.

Built-in defaults (issue 4), used when no rules file is given:
starts every 15 minutes; opening hours taken from the requirement file;

======  ========  ====================================================================
type    paid      breaks (nominal start after shift start, each window +/- 30 min)
======  ========  ====================================================================
4h      4:00      15 min paid at 2:00
6h      6:00      15 min paid at 2:00; 30 min unpaid lunch at 3:30 (span 6:30)
8h      8:00      15 min paid at 2:00; 60 min unpaid lunch at 4:00; 15 min paid at 6:45
                  (span 9:00)
======  ========  ====================================================================
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wfmcore import InputError, checks, write_atomic
from wfmcore.io import read_toml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _whole_minutes(name: str, value, *, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f"'{name}' must be a whole number of minutes >= {minimum}; "
                         f"got {value!r}")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True, kw_only=True)
class BreakRule:
    """One break of a shift type: ``duration_min`` long, paid or not, starting within
    ``nominal_start_min`` +/- ``window_min`` minutes after the shift start."""

    name: str
    duration_min: int
    paid: bool
    nominal_start_min: int
    window_min: int = 30

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"'name' of a break must be a non-empty string; got {self.name!r}")
        _whole_minutes("duration_min", self.duration_min, minimum=1)
        _whole_minutes("nominal_start_min", self.nominal_start_min, minimum=1)
        _whole_minutes("window_min", self.window_min, minimum=0)
        if not isinstance(self.paid, bool):
            raise InputError(f"'paid' of break {self.name!r} must be true or false; "
                             f"got {self.paid!r}")
        if self.earliest_start_min < 1:
            raise InputError(
                f"break {self.name!r}: window starts at {self.earliest_start_min} min, before "
                f"the shift starts ('nominal_start_min' {self.nominal_start_min} - 'window_min' "
                f"{self.window_min} must be >= 1)")

    @property
    def earliest_start_min(self) -> int:
        return self.nominal_start_min - self.window_min

    @property
    def latest_start_min(self) -> int:
        return self.nominal_start_min + self.window_min

    @property
    def latest_end_min(self) -> int:
        return self.latest_start_min + self.duration_min


@dataclass(frozen=True, kw_only=True)
class ShiftType:
    """A shift type: ``paid_min`` paid minutes, its breaks in order, a cost weight per paid
    hour, and optional limits per day: ``max_per_day`` shifts of this type, and
    ``max_share_of_paid_hours`` (0-1) of the day's paid hours."""

    name: str
    paid_min: int
    breaks: tuple[BreakRule, ...] = ()
    cost_weight: float = 1.0
    max_per_day: int | None = None
    max_share_of_paid_hours: float | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"'name' of a shift type must be a non-empty string; "
                             f"got {self.name!r}")
        _whole_minutes("paid_min", self.paid_min, minimum=1)
        object.__setattr__(self, "breaks", tuple(self.breaks))
        w = self.cost_weight
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w <= 0:
            raise InputError(f"'cost_weight' of shift type {self.name!r} must be a number > 0; "
                             f"got {w!r}")
        if self.max_per_day is not None:
            m = self.max_per_day
            if isinstance(m, bool) or not isinstance(m, int) or m < 0:
                raise InputError(f"'max_per_day' of shift type {self.name!r} must be a whole "
                                 f"number >= 0; got {m!r}")
        if self.max_share_of_paid_hours is not None:
            checks.share(self.max_share_of_paid_hours,
                         f"'max_share_of_paid_hours' of shift type {self.name!r}", "share01")
        for b in self.breaks:
            if not isinstance(b, BreakRule):
                raise InputError(f"breaks of shift type {self.name!r} must be BreakRule objects")
        for prev, nxt in zip(self.breaks, self.breaks[1:], strict=False):
            if prev.latest_end_min > nxt.earliest_start_min:
                raise InputError(
                    f"shift type {self.name!r}: the window of break {prev.name!r} (may end at "
                    f"{_hhmm(prev.latest_end_min)}) overlaps the window of the next break "
                    f"{nxt.name!r} (may start at {_hhmm(nxt.earliest_start_min)}); break "
                    "windows must be in order and must not overlap")
        if self.breaks and self.breaks[-1].latest_end_min >= self.span_min:
            b = self.breaks[-1]
            raise InputError(
                f"shift type {self.name!r}: break {b.name!r} may end at "
                f"{_hhmm(b.latest_end_min)} after the start, not before the shift ends at "
                f"{_hhmm(self.span_min)}; its window must lie inside the shift")

    @property
    def unpaid_min(self) -> int:
        return sum(b.duration_min for b in self.breaks if not b.paid)

    @property
    def span_min(self) -> int:
        """Minutes from the start to the end of the shift, unpaid breaks included."""
        return self.paid_min + self.unpaid_min

    @property
    def paid_hours(self) -> float:
        return self.paid_min / 60.0

    @property
    def cost(self) -> float:
        """Cost of one shift: ``cost_weight`` x paid hours."""
        return self.cost_weight * self.paid_hours

    def cut_to(self, span_min: int) -> ShiftType | None:
        """This type shortened to span ``span_min`` minutes on the clock (a short day): the
        breaks whose window ends before the new end are kept, the others dropped; paid
        minutes = span minus the unpaid breaks kept; the same cost weight, no limits. Named
        ``"<name> short (H:MM)"``. ``None`` when nothing paid is left."""
        breaks = tuple(b for b in self.breaks if b.latest_end_min < span_min)
        paid = span_min - sum(b.duration_min for b in breaks if not b.paid)
        if paid <= 0:
            return None
        return ShiftType(name=f"{self.name} short ({_hhmm(span_min)})", paid_min=paid,
                         breaks=breaks, cost_weight=self.cost_weight)


@dataclass(frozen=True, kw_only=True)
class Tours:
    """Weekly tours: every agent works exactly ``days_on`` days of each calendar week
    (Monday to Sunday), one shift a day, with the days off in one block (cyclically, so
    Sunday + Monday is a block) when ``consecutive_days_off``; ``max_agents`` caps the
    agents on tours per week (no cap when ``None``)."""

    days_on: int = 5
    consecutive_days_off: bool = True
    max_agents: int | None = None

    def __post_init__(self):
        d = self.days_on
        if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7:
            raise InputError(f"'days_on' of [tours] must be a whole number of days from 1 to 7; "
                             f"got {d!r}")
        if not isinstance(self.consecutive_days_off, bool):
            raise InputError(f"'consecutive_days_off' of [tours] must be true or false; "
                             f"got {self.consecutive_days_off!r}")
        m = self.max_agents
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or m < 0):
            raise InputError(f"'max_agents' of [tours] must be a whole number >= 0; got {m!r}")

    def patterns(self) -> list[tuple[int, ...]]:
        """Allowed weeks as tuples of working weekdays (0 = Monday ... 6 = Sunday)."""
        off = 7 - self.days_on
        if self.consecutive_days_off and 0 < off < 7:
            pats = {tuple(sorted(set(range(7)) - {(s + k) % 7 for k in range(off)}))
                    for s in range(7)}
        else:
            pats = set(itertools.combinations(range(7), self.days_on))
        return sorted(pats)


def _weekly_hours(name: str, value, contract: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or not math.isfinite(value) or value < 0):
        raise InputError(f"'{name}' of contract {contract!r} must be a number of hours >= 0; "
                         f"got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Contract:
    """An employment contract: the people on it work weekly tours of ``min_days_on`` to
    ``days_on`` days of each calendar week (Monday to Sunday; ``min_days_on`` defaults to
    ``days_on``), one shift a day of one of its ``shift_types`` (names of the rules' shift
    types), the days off in one block (cyclically) when ``consecutive_days_off``.

    ``min_weekly_hours`` / ``max_weekly_hours``: the band of paid hours a week, held by the
    contract's agents on average in every whole week of the horizon (the tour model counts
    agents per days-off pattern, not named people; :mod:`shifts.roster` gives each person
    their own hours). ``max_share_of_paid_hours`` (0-1): the contract's share of each week's
    paid hours at most (e.g. 0.3 for part-time). ``max_agents``: people on the contract at
    most. ``short_days``: on a day whose opening is shorter than the span of every shift
    type of the contract, its agents may work one shorter shift spanning the opening (the
    shortest type cut to fit, :meth:`ShiftType.cut_to`) when that leaves at least
    ``short_day_min_paid_hours`` paid hours. ``start_band_min``: every agent starts all the
    shifts of a week inside one window ``[b, b + start_band_min)``, ``b`` a multiple of it
    (120: 06:00-08:00, 08:00-10:00, ...; so within +/- 1 h of the window's middle);
    ``None`` (0 in a rules file): no such band.
    """

    name: str
    shift_types: tuple[str, ...]
    days_on: int = 5
    min_days_on: int | None = None
    consecutive_days_off: bool = True
    min_weekly_hours: float | None = None
    max_weekly_hours: float | None = None
    max_share_of_paid_hours: float | None = None
    max_agents: int | None = None
    short_days: bool = True
    short_day_min_paid_hours: float = 4.0
    start_band_min: int | None = 120

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"'name' of a contract must be a non-empty string; "
                             f"got {self.name!r}")
        types = self.shift_types
        if isinstance(types, str) or not all(isinstance(t, str) for t in types) or not types:
            raise InputError(f"'shift_types' of contract {self.name!r} must be a non-empty list "
                             f"of shift type names; got {types!r}")
        object.__setattr__(self, "shift_types", tuple(types))
        if self.min_days_on is None:
            object.__setattr__(self, "min_days_on", self.days_on)
        for key in ("days_on", "min_days_on"):
            d = getattr(self, key)
            if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7:
                raise InputError(f"'{key}' of contract {self.name!r} must be a whole number of "
                                 f"days from 1 to 7; got {d!r}")
        if self.min_days_on > self.days_on:
            raise InputError(f"contract {self.name!r}: 'min_days_on' {self.min_days_on} is more "
                             f"than 'days_on' {self.days_on}")
        if not isinstance(self.consecutive_days_off, bool):
            raise InputError(f"'consecutive_days_off' of contract {self.name!r} must be true or "
                             f"false; got {self.consecutive_days_off!r}")
        _weekly_hours("min_weekly_hours", self.min_weekly_hours, self.name)
        _weekly_hours("max_weekly_hours", self.max_weekly_hours, self.name)
        lo, hi = self.min_weekly_hours, self.max_weekly_hours
        if lo is not None and hi is not None and lo > hi:
            raise InputError(f"contract {self.name!r}: 'min_weekly_hours' {lo:g} is more than "
                             f"'max_weekly_hours' {hi:g}")
        if self.max_share_of_paid_hours is not None:
            checks.share(self.max_share_of_paid_hours,
                         f"'max_share_of_paid_hours' of contract {self.name!r}", "share01")
        m = self.max_agents
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or m < 0):
            raise InputError(f"'max_agents' of contract {self.name!r} must be a whole number "
                             f">= 0; got {m!r}")
        if not isinstance(self.short_days, bool):
            raise InputError(f"'short_days' of contract {self.name!r} must be true or false; "
                             f"got {self.short_days!r}")
        _weekly_hours("short_day_min_paid_hours", self.short_day_min_paid_hours, self.name)
        if self.start_band_min == 0:
            object.__setattr__(self, "start_band_min", None)
        w = self.start_band_min
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1
                              or 1440 % w):
            raise InputError(f"'start_band_min' of contract {self.name!r} must be a whole "
                             f"number of minutes dividing a day, or 0 for no band; got {w!r}")

    def patterns(self) -> list[tuple[int, ...]]:
        """Allowed weeks as tuples of working weekdays (0 = Monday ... 6 = Sunday)."""
        pats = set()
        for days in range(self.min_days_on, self.days_on + 1):
            pats.update(Tours(days_on=days,
                              consecutive_days_off=self.consecutive_days_off).patterns())
        return sorted(pats)


def _default_shift_types() -> tuple[ShiftType, ...]:
    def brk(minutes):
        return BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=minutes)

    return (
        ShiftType(name="4h", paid_min=240, breaks=(brk(120),)),
        ShiftType(name="6h", paid_min=360, breaks=(
            brk(120),
            BreakRule(name="lunch", duration_min=30, paid=False, nominal_start_min=210))),
        ShiftType(name="8h", paid_min=480, breaks=(
            brk(120),
            BreakRule(name="lunch", duration_min=60, paid=False, nominal_start_min=240),
            brk(405))),
    )


@dataclass(frozen=True, kw_only=True)
class Rules:
    """All scheduling rules.

    ``opening``: ``None`` takes each day's opening hours from the requirement file (from its
    first interval to the end of its last); otherwise a mapping weekday (``"mon"`` ...
    ``"sun"``) -> ``(open_min, close_min)`` minutes after midnight, or ``None`` when closed.
    Weekdays missing from the mapping are closed.
    ``under_penalty_per_agent_hour``: cost of one agent-hour of under-coverage, in the same
    units as shift costs (``cost_weight`` x paid hours); it only matters when the requirement
    cannot be met (closed hours, a headcount cap, limits).
    ``tours``: weekly tours (days on per week, days off consecutive); ``None`` schedules each
    day on its own.
    ``contracts``: employment contracts (:class:`Contract`), each with its own weekly tours,
    shift types, weekly-hours band and share of paid hours; the week of each queue is then
    one programme (:mod:`shifts.tours`). Empty: the shift types alone, each day on its own or
    with ``tours`` (the rules before contracts). :data:`DEFAULT_RULES` has a full-time and a
    part-time contract.
    ``cross_midnight``: in the weekly tour programme, shifts may start late on one day and
    end on the next (a night shift, e.g. 22:00-06:00) where the centre is open across that
    midnight and both days are in the same week's programme (:mod:`shifts.tours`).
    """

    start_step_min: int = 15
    shift_types: tuple[ShiftType, ...] = field(default_factory=_default_shift_types)
    opening: Mapping[str, tuple[int, int] | None] | None = None
    max_agents_per_day: int | None = None
    under_penalty_per_agent_hour: float = 1000.0
    tours: Tours | None = None
    contracts: tuple[Contract, ...] = ()
    cross_midnight: bool = True

    def __post_init__(self):
        if not isinstance(self.cross_midnight, bool):
            raise InputError(f"'cross_midnight' must be true or false; got "
                             f"{self.cross_midnight!r}")
        if self.tours is not None and not isinstance(self.tours, Tours):
            raise InputError(f"'tours' must be a shifts.Tours or None; got {self.tours!r}")
        object.__setattr__(self, "contracts", tuple(self.contracts))
        if self.contracts and self.tours is not None:
            raise InputError("give weekly tours either as [tours] or by [[contract]], not both "
                             "(each contract has its own days on and days off)")
        _whole_minutes("start_step_min", self.start_step_min, minimum=1)
        if 1440 % self.start_step_min:
            raise InputError(f"'start_step_min' must divide a day (1440 min); "
                             f"got {self.start_step_min}")
        object.__setattr__(self, "shift_types", tuple(self.shift_types))
        if not self.shift_types:
            raise InputError("at least one shift type is needed ('shift_type' is empty)")
        names = [t.name for t in self.shift_types]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"shift type names must be unique; {dup[0]!r} appears twice")
        self._check_contracts()
        m = self.max_agents_per_day
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or m < 0):
            raise InputError(f"'max_agents_per_day' must be a whole number >= 0; got {m!r}")
        p = self.under_penalty_per_agent_hour
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or p <= 0:
            raise InputError(f"'under_penalty_per_agent_hour' must be a number > 0; got {p!r}")
        shares = [t.max_share_of_paid_hours for t in self.shift_types]
        if all(s is not None for s in shares) and sum(shares) < 1:
            raise InputError(
                "contradictory limits: every shift type has 'max_share_of_paid_hours' and they "
                f"add up to {sum(shares):g} < 1, so no schedule with paid hours can satisfy them")
        if self.opening is not None:
            opening = {}
            for day, hours in dict(self.opening).items():
                if day not in WEEKDAYS:
                    raise InputError(f"'opening' weekday must be one of {', '.join(WEEKDAYS)}; "
                                     f"got {day!r}")
                if hours is not None:
                    o, c = hours
                    if not (isinstance(o, int) and isinstance(c, int) and 0 <= o < c <= 1440):
                        raise InputError(f"'opening' {day}: need 0 <= open < close <= 24:00 "
                                         f"(minutes); got {hours!r}")
                    hours = (o, c)
                opening[day] = hours
            object.__setattr__(self, "opening", {d: opening.get(d) for d in WEEKDAYS})
            open_days = [(c - o, d) for d, (o, c) in
                         ((d, h) for d, h in self.opening.items() if h)]
            longest_min, longest_day = max(open_days) if open_days else (0, None)
            for t in self.shift_types:
                if t.span_min > longest_min and not self._cut_allowed(t.name):
                    where = (f"the longest opening ({longest_day}) is {_hhmm(longest_min)}"
                             if longest_day else "every day is closed")
                    raise InputError(f"shift type {t.name!r} spans {_hhmm(t.span_min)} but "
                                     f"{where}; it could never be scheduled")

    def _check_contracts(self) -> None:
        by_name = {t.name: t for t in self.shift_types}
        names = [c.name for c in self.contracts]
        for c in self.contracts:
            if not isinstance(c, Contract):
                raise InputError(f"contracts must be shifts.Contract objects; got {c!r}")
            if names.count(c.name) > 1:
                raise InputError(f"contract names must be unique; {c.name!r} appears twice")
            unknown = [n for n in c.shift_types if n not in by_name]
            if unknown:
                raise InputError(f"contract {c.name!r}: shift type {unknown[0]!r} is not one of "
                                 f"the shift types ({', '.join(by_name)})")
            paid = [by_name[n].paid_hours for n in c.shift_types]
            fewest, most = c.min_days_on * min(paid), c.days_on * max(paid)
            if c.max_weekly_hours is not None and fewest > c.max_weekly_hours:
                raise InputError(
                    f"contract {c.name!r}: its shortest week ({c.min_days_on} days of "
                    f"{min(paid):g} h = {fewest:g} h) is more than 'max_weekly_hours' "
                    f"{c.max_weekly_hours:g}")
            if c.min_weekly_hours is not None and most < c.min_weekly_hours:
                raise InputError(
                    f"contract {c.name!r}: its longest week ({c.days_on} days of "
                    f"{max(paid):g} h = {most:g} h) is less than 'min_weekly_hours' "
                    f"{c.min_weekly_hours:g}")
        shares = [c.max_share_of_paid_hours for c in self.contracts]
        if shares and all(v is not None for v in shares) and sum(shares) < 1:
            raise InputError(
                "contradictory limits: every contract has 'max_share_of_paid_hours' and they "
                f"add up to {sum(shares):g} < 1, so no schedule with paid hours can satisfy them")

    def _cut_allowed(self, type_name: str) -> bool:
        """Whether some contract may work type ``type_name`` cut short on a short day."""
        return any(type_name in c.shift_types and c.short_days for c in self.contracts)

    @property
    def grid_min(self) -> int:
        """Greatest common divisor of every minute quantity in the rules."""
        g = self.start_step_min
        for t in self.shift_types:
            g = math.gcd(g, t.span_min)
            for b in t.breaks:
                g = math.gcd(g, b.duration_min, b.earliest_start_min, b.window_min or g)
        if self.opening:
            for h in self.opening.values():
                if h:
                    g = math.gcd(g, h[0], h[1])
        return g


def _default_contracts() -> tuple[Contract, ...]:
    return (
        Contract(name="full-time", shift_types=("8h",), days_on=5, consecutive_days_off=True,
                 min_weekly_hours=36.0, max_weekly_hours=40.0),
        Contract(name="part-time", shift_types=("4h", "6h"), days_on=5, min_days_on=3,
                 consecutive_days_off=False, min_weekly_hours=12.0, max_weekly_hours=30.0,
                 max_share_of_paid_hours=0.3, start_band_min=None),
    )


def default_rules() -> Rules:
    """The built-in rules used when no rules file is given (issue 12, "rules that look like a
    contact centre"): the shift types of :class:`Rules` (4 h, 6 h, 8 h, module docstring) and
    two contracts. Full-time: 5 x 8 h, the 2 days off consecutive, 36-40 paid hours a week
    (short days, below, may take a week under 40), every start of an agent's week in one
    two-hour window (06:00-08:00, 08:00-10:00, ...). Part-time: 3 to 5 shifts of 4 h or
    6 h a week on any days, 12-30 h, at most 30 % of each week's paid hours, starts free
    (a band for them too doubles the bank week's solve time for the same paid hours). Short days: where a
    day opens for less than a contract's shortest shift, its agents may work one shorter
    shift spanning the opening (at least 4 paid hours)."""
    return Rules(contracts=_default_contracts())


#: The rules the commands use without a rules file (:func:`default_rules`). ``Rules()``
#: alone is the shift types without contracts, each day on its own.
DEFAULT_RULES = default_rules()

# ---------------------------------------------------------------------------------- TOML

_TOP_KEYS = {"start_step_min", "under_penalty_per_agent_hour", "max_agents_per_day",
             "opening", "shift_type", "tours", "contract", "cross_midnight"}
_CONTRACT_KEYS = {"name", "shift_types", "days_on", "min_days_on", "consecutive_days_off",
                  "min_weekly_hours", "max_weekly_hours", "max_share_of_paid_hours",
                  "max_agents", "short_days", "short_day_min_paid_hours", "start_band_min"}
_TOUR_KEYS = {"days_on", "consecutive_days_off", "max_agents"}
_SHIFT_KEYS = {"name", "paid_min", "cost_weight", "max_per_day", "max_share_of_paid_hours",
               "breaks"}
_BREAK_KEYS = {"name", "duration_min", "paid", "nominal_start_min", "window_min"}


def _parse_hours(text, where: str) -> tuple[int, int] | None:
    if isinstance(text, str) and text.strip().lower() == "closed":
        return None
    try:
        o, c = str(text).split("-")
        oh, om = (int(v) for v in o.strip().split(":"))
        ch, cm = (int(v) for v in c.strip().split(":"))
        if not (0 <= om < 60 and 0 <= cm < 60):
            raise ValueError
    except (ValueError, TypeError):
        raise InputError(f"{where} must be \"HH:MM-HH:MM\" or \"closed\"; got {text!r}") from None
    return oh * 60 + om, ch * 60 + cm


def _check_keys(table, known: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise InputError(f"{where} must be a table; got {table!r}")
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known keys: "
                         f"{', '.join(sorted(known))})")


def rules_from_dict(data: dict, source: str = "rules") -> Rules:
    """Build :class:`Rules` from a parsed TOML document; errors name the table and key."""
    _check_keys(data, _TOP_KEYS, source)
    kw = {k: data[k] for k in ("start_step_min", "under_penalty_per_agent_hour",
                               "max_agents_per_day", "cross_midnight") if k in data}
    if "opening" in data:
        _check_keys(data["opening"], set(WEEKDAYS), f"{source}: [opening]")
        kw["opening"] = {d: _parse_hours(v, f"{source}: [opening] key '{d}'")
                         for d, v in data["opening"].items()}
    if "tours" in data:
        _check_keys(data["tours"], _TOUR_KEYS, f"{source}: [tours]")
        try:
            kw["tours"] = Tours(**data["tours"])
        except InputError as e:
            raise InputError(f"{source}: {e}") from None
    if "contract" in data:
        tables = data["contract"]
        if not isinstance(tables, list):
            raise InputError(f"{source}: 'contract' must be an array of tables ([[contract]])")
        contracts = []
        for i, t in enumerate(tables, start=1):
            where = f"{source}: [[contract]] #{i}"
            _check_keys(t, _CONTRACT_KEYS, where)
            missing = sorted({"name", "shift_types"} - set(t))
            if missing:
                raise InputError(f"{where}: missing key {missing[0]!r}")
            try:
                contracts.append(Contract(**t))
            except (InputError, TypeError) as e:
                raise InputError(f"{where}: {e}") from None
        kw["contracts"] = tuple(contracts)
    if "shift_type" in data:
        tables = data["shift_type"]
        if not isinstance(tables, list):
            raise InputError(f"{source}: 'shift_type' must be an array of tables "
                             "([[shift_type]])")
        types = []
        for i, t in enumerate(tables, start=1):
            where = f"{source}: [[shift_type]] #{i}"
            _check_keys(t, _SHIFT_KEYS, where)
            if "name" in t:
                where += f" ({t['name']!r})"
            breaks = []
            brk_tables = t.get("breaks", [])
            if not isinstance(brk_tables, list):
                raise InputError(f"{where}: 'breaks' must be an array of tables "
                                 "([[shift_type.breaks]])")
            for j, b in enumerate(brk_tables, start=1):
                bwhere = f"{where} [[shift_type.breaks]] #{j}"
                _check_keys(b, _BREAK_KEYS, bwhere)
                missing = sorted({"name", "duration_min", "paid", "nominal_start_min"} - set(b))
                if missing:
                    raise InputError(f"{bwhere}: missing key {missing[0]!r}")
                try:
                    breaks.append(BreakRule(**b))
                except InputError as e:
                    raise InputError(f"{bwhere}: {e}") from None
            missing = sorted({"name", "paid_min"} - set(t))
            if missing:
                raise InputError(f"{where}: missing key {missing[0]!r}")
            try:
                types.append(ShiftType(**{**t, "breaks": tuple(breaks)}))
            except InputError as e:
                raise InputError(f"{where}: {e}") from None
        kw["shift_types"] = tuple(types)
    try:
        return Rules(**kw)
    except InputError as e:
        raise InputError(f"{source}: {e}") from None


def load_rules(path: Path | str) -> Rules:
    """Read rules from a TOML file (see :func:`write_example_rules` for the format)."""
    return rules_from_dict(read_toml(path, "rules"), source=str(path))


def _shift_type_toml(st: ShiftType, index: int) -> str:
    """One ``[[shift_type]]`` table with its breaks, as the example rules file writes it
    (the first carries the commented share limit as an example)."""
    lines = ["[[shift_type]]", f'name = "{st.name}"', f"paid_min = {st.paid_min}",
             f"cost_weight = {st.cost_weight}"]
    if index == 0:
        lines.append("# max_share_of_paid_hours = 0.3")
    for b in st.breaks:
        lines += ["", "[[shift_type.breaks]]", f'name = "{b.name}"',
                  f"duration_min = {b.duration_min}", f"paid = {str(b.paid).lower()}",
                  f"nominal_start_min = {b.nominal_start_min}", f"window_min = {b.window_min}"]
    return "\n".join(lines) + "\n"


def _contract_toml(c: Contract) -> str:
    """One ``[[contract]]`` table as the example rules file writes it."""
    lines = ["[[contract]]", f'name = "{c.name}"',
             "shift_types = [" + ", ".join(f'"{n}"' for n in c.shift_types) + "]",
             f"days_on = {c.days_on}", f"min_days_on = {c.min_days_on}",
             f"consecutive_days_off = {str(c.consecutive_days_off).lower()}"]
    for key in ("min_weekly_hours", "max_weekly_hours", "max_share_of_paid_hours",
                "max_agents"):
        v = getattr(c, key)
        lines.append(f"{key} = {v!r}" if v is not None else f"# {key} =")
    lines += [f"short_days = {str(c.short_days).lower()}",
              f"short_day_min_paid_hours = {c.short_day_min_paid_hours!r}",
              f"start_band_min = {c.start_band_min or 0}"]
    return "\n".join(lines) + "\n"


EXAMPLE_RULES_TOML = '''\
# Rules for `wfm schedule`. All times are whole minutes; the values below are the built-in
# defaults, used when no rules file is given.

start_step_min = 15                  # shifts may start every 15 minutes (clock time)
under_penalty_per_agent_hour = 1000  # cost of one agent-hour of under-coverage (cost units =
                                     # cost_weight x paid hours); used only when the
                                     # requirement cannot be met
# max_agents_per_day = 120           # headcount cap per day (no cap when absent)
cross_midnight = true                # night shifts (e.g. 22:00-06:00) where the centre is
                                     # open across midnight: weekly tours (contracts or
                                     # [tours]) only, within one Mon-Sun week; a shift's
                                     # hours after midnight cover the next day

# Opening hours per weekday, "HH:MM-HH:MM" or "closed"; weekdays left out are closed.
# Without an [opening] table each day is open from the first to the end of the last
# interval of the requirement file. Shifts lie entirely inside the opening hours.
# [opening]
# mon = "07:00-21:15"
# tue = "07:00-21:15"
# wed = "07:00-21:15"
# thu = "07:00-21:15"
# fri = "07:00-21:15"
# sat = "closed"
# sun = "closed"

# Contracts: who works the shifts. Each agent of a contract works min_days_on to days_on
# days of every calendar week (Mon-Sun), one shift a day of the contract's shift_types, the
# days off in one block when consecutive_days_off (Sun + Mon counts as a block). The band
# min_weekly_hours - max_weekly_hours holds for the contract's agents on average in every
# whole week; max_share_of_paid_hours caps the contract's share of each week's paid hours;
# max_agents caps its people. short_days: where a day opens for less than the span of
# every shift type of the contract, its agents may work one shorter shift spanning the
# opening (the shortest type cut to fit, keeping the breaks that still fit) of at least
# short_day_min_paid_hours paid hours. start_band_min: each agent starts every shift of
# a week inside one window of this many minutes from a multiple of it (120: 06:00-08:00,
# 08:00-10:00, ...: within +/- 1 h of the window's middle; 0: no band).
# Without [[contract]] tables the shift types are scheduled each day on its own, or with
# weekly tours for all of them from a [tours] table (days_on, consecutive_days_off,
# max_agents), as before contracts existed.
# Days of the horizon (from the first to the last day of the requirements, or
# --horizon-days; wfm plan: its forecast horizon) that the requirements do not have are
# closed: no tour works them. Days outside it are free (the tours go on).

''' + "\n".join(_contract_toml(c) for c in _default_contracts()) + '''
# Shift types. paid_min is the paid length; unpaid breaks lengthen the shift on the clock.
# cost_weight multiplies paid hours (e.g. 1.25 for a premium). Optional limits:
# max_per_day (shifts of this type per day), max_share_of_paid_hours (0-1, e.g. 0.3).
# Each break starts between nominal_start_min - window_min and nominal_start_min +
# window_min after the shift start; the windows of one shift type must not overlap.

''' + "\n".join(_shift_type_toml(st, i) for i, st in enumerate(DEFAULT_RULES.shift_types))


def write_example_rules(path: Path | str, overwrite: bool = False) -> Path:
    """Write a commented example rules file that loads back to the built-in defaults.

    An existing file is kept (InputError) unless ``overwrite``.
    """
    if Path(path).exists() and not overwrite:
        raise InputError(f"{path}: already exists; remove it or choose another file name")
    return write_atomic(path, lambda p: Path(p).write_text(EXAMPLE_RULES_TOML, encoding="utf-8"))
