"""Open, closed and missing days; opening hours learned from history; special days.

A contact centre's history has no rows when the centre is *closed* (weekends of a weekday
centre, public holidays) and sometimes no rows because data is *missing* (an export gap).
The two must not be confused: a closed day is not forecast and the day after a closure
carries the calls that could not be made (the Tuesday after Labor Day 2003 had +34 % calls
in the bank data), whereas a missing day is simply unknown.

Rules, in order, for a weekday on which the centre normally opens (see :func:`open_weekdays`):
1. a special-days file entry ``closed`` / ``open`` decides;
2. a public holiday of ``country`` (``holidays`` package) inside the history is closed when
   it has no rows (the data shows it), open when it has;
3. a public holiday after the history is forecast the way the history last saw the centre on
   that holiday (same name, "(observed)" ignored): closed if it had no rows then, open if it
   had. A holiday the history has never seen is forecast **open** (``unseen_holiday``; the
   forecast's notes name it): a day forecast closed that is open is left unstaffed, while
   the opposite error is visible at a glance and costs only the day's staffing (the bank was
   open on Columbus Day 2003-10-13, which its history had never seen). A special-days entry
   ``closed`` closes it;
4. otherwise, a day without rows in the history is *missing* - or, when no calendar speaks
   for the history (no ``country``, and no special day inside the history's span), *closed*
   (we cannot tell; closures are far more common). A special-days file about future dates
   only does not change how the past is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfmcore import InputError

SPECIAL_KINDS = ("closed", "open", "event")
_OBSERVED = re.compile(r"\s*\((observed|estimated)\)", re.IGNORECASE)


def holiday_key(name: str) -> str:
    """A holiday's name without the 'observed' / 'estimated' marks of the ``holidays``
    package, so that 'Christmas Day (observed)' and 'Christmas Day' are the same holiday."""
    return _OBSERVED.sub("", name).strip()


def read_special_days(source) -> pd.DataFrame:
    """Read a special-days CSV: ``date`` (YYYY-MM-DD), ``kind`` (closed|open|event, default
    closed) and optional ``uplift`` (share of extra calls, e.g. 0.2 for +20 %)."""
    if isinstance(source, pd.DataFrame):
        raw, name, off = source.copy(), "<special days>", 1
    else:
        name = str(source)
        if not Path(source).exists():
            raise InputError(f"{name}: file not found")
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
        off = 2
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if "date" not in raw.columns:
        raise InputError(f"{name}: no column 'date' (columns: {', '.join(raw.columns)})")
    out = pd.DataFrame(index=raw.index)
    dates = pd.to_datetime(raw["date"].astype(str).str.strip(), errors="coerce", format="ISO8601")
    for i in np.flatnonzero(dates.isna().to_numpy()):
        raise InputError(f"{name}: line {i + off}: column 'date' is {raw['date'].iloc[i]!r}; "
                         "not a date (expected YYYY-MM-DD)")
    out["date"] = dates.dt.normalize()
    kind = raw["kind"].str.strip().str.lower() if "kind" in raw else pd.Series("closed",
                                                                              index=raw.index)
    kind = kind.replace("", "closed")
    for i in np.flatnonzero(~kind.isin(SPECIAL_KINDS).to_numpy()):
        raise InputError(f"{name}: line {i + off}: column 'kind' is {kind.iloc[i]!r}; "
                         f"expected one of {', '.join(SPECIAL_KINDS)}")
    out["kind"] = kind
    if "uplift" in raw:
        text = raw["uplift"].astype(str).str.strip()
        up = pd.to_numeric(text.replace("", "0"), errors="coerce")
        for i in np.flatnonzero((up.isna() | (up <= -1)).to_numpy()):
            raise InputError(f"{name}: line {i + off}: column 'uplift' is {text.iloc[i]!r}; "
                             "expected a share > -1 (0.2 means +20 % calls)")
        out["uplift"] = up.astype(float)
    else:
        out["uplift"] = 0.0
    return out.reset_index(drop=True)


@dataclass
class Calendar:
    """Public holidays of ``country`` (ISO code, e.g. 'US', optional ``subdiv``) + special days."""

    country: str | None = None
    subdiv: str | None = None
    special_days: pd.DataFrame | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.special_days is not None:       # a path or a frame: checked the same way
            self.special_days = read_special_days(self.special_days)
        if self.country is not None:
            try:
                import holidays
            except ImportError:
                raise InputError("a holiday calendar needs the 'holidays' package "
                                 "(pip install holidays)") from None
            try:
                self._hol = holidays.country_holidays(self.country, subdiv=self.subdiv)
            except NotImplementedError:
                raise InputError(f"country must be an ISO 3166 code known to the 'holidays' "
                                 f"package, e.g. 'US'; got {self.country!r}") from None

    def with_open(self, days) -> Calendar:
        """The same calendar with ``days`` added as special days of kind ``open`` (no
        uplift); days the special-days file already lists keep their entry."""
        extra = pd.DataFrame({"date": pd.DatetimeIndex(days).normalize().strftime("%Y-%m-%d"),
                              "kind": "open", "uplift": 0.0})
        if self.special_days is not None:
            known = self.special_days.assign(date=self.special_days["date"].dt.strftime("%Y-%m-%d"))
            extra = pd.concat([known, extra[~extra["date"].isin(known["date"])]],
                              ignore_index=True)
        return Calendar(country=self.country, subdiv=self.subdiv, special_days=extra)

    def holiday(self, day: pd.Timestamp) -> str | None:
        if self.country is None:
            return None
        names = self._cache.setdefault("holiday", {})
        if day not in names:
            names[day] = self._hol.get(day.date())
        return names[day]

    def special(self, day: pd.Timestamp) -> tuple[str, float] | None:
        if self.special_days is None:
            return None
        if "map" not in self._cache:
            self._cache["map"] = {r.date: (r.kind, float(r.uplift))
                                  for r in self.special_days.itertuples()}
        return self._cache["map"].get(day)


def recent_weeks(days: pd.DatetimeIndex, weeks: int = 8) -> np.ndarray:
    """Boolean per day of ``days``: in one of the last ``weeks`` calendar weeks (Monday to
    Sunday) that have data. Weeks without any data (an export gap) are skipped, so right
    after a gap of a month the window still holds 8 weeks of evidence, not one."""
    days = pd.DatetimeIndex(days)
    if not len(days):
        return np.zeros(0, bool)
    week = _week_starts(days)
    kept = np.unique(week)[-weeks:]
    return np.isin(week, kept)


def _week_starts(days: pd.DatetimeIndex) -> np.ndarray:
    """The Monday of each day's week, as day numbers (numpy: the pandas field accessors cost
    milliseconds a call, and run_forecast calls this per evidence origin)."""
    d = _day_numbers(days)
    return d - (d + 3) % 7                      # 1970-01-01 was a Thursday (Monday = 0)


def _day_numbers(days: pd.DatetimeIndex) -> np.ndarray:
    """Local calendar date of each day as days since 1970-01-01."""
    if days.tz is not None:
        days = days.tz_localize(None)           # the local wall-clock dates
    return days.to_numpy().astype("datetime64[D]").astype(np.int64)


def open_weekdays(days: pd.DatetimeIndex, weeks: int = 8) -> np.ndarray:
    """Boolean[7] (Monday=0): weekdays with rows in at least half of the last ``weeks``
    weeks that have data (:func:`recent_weeks`)."""
    days = pd.DatetimeIndex(days)
    if not len(days):
        return np.bincount(np.zeros(0, np.int64), minlength=7) >= 1
    week = _week_starts(days)
    recent = np.isin(week, np.unique(week)[-weeks:])          # recent_weeks(days, weeks)
    n_weeks = max(1, len(np.unique(week[recent])))
    counts = np.bincount((_day_numbers(days)[recent] + 3) % 7, minlength=7)
    return counts >= max(1, n_weeks / 2)


def day_table(history_days: pd.DatetimeIndex, end: pd.Timestamp | None,
              calendar: Calendar) -> pd.DataFrame:
    """One row per calendar day from the first history day to ``end`` (inclusive).

    Columns: ``weekday``, ``in_history`` (has rows), ``status`` ('open', 'closed', 'missing',
    'off' = weekday on which the centre never opens), ``holiday`` (name or ''), ``uplift``,
    ``unseen_holiday`` (a future public holiday the history has never seen: forecast open),
    and the closure flags ``pre_closure`` (the next calendar day is closed),
    ``post_closure1`` / ``post_closure2`` (the previous / the one before that calendar day
    was closed, the day in between open), and ``month_turn`` (:data:`MONTH_TURN`).
    Future days (after the history) are 'open' unless closed by the calendar.
    """
    history_days = pd.DatetimeIndex(history_days).normalize().unique().sort_values()
    last_hist = history_days.max()
    end = max(end, last_hist) if end is not None else last_hist
    all_days = pd.date_range(history_days.min(), end, freq="D")
    open_wd = open_weekdays(history_days)
    special = calendar.special_days["date"] if calendar.special_days is not None else None
    speaks_for_history = calendar.country is not None or (
        special is not None
        and bool(((special >= history_days.min()) & (special <= last_hist)).any()))
    n = len(all_days)
    wd = all_days.day_of_week.to_numpy()
    present = all_days.isin(history_days)
    future = np.asarray(all_days > last_hist)
    hol = np.array([calendar.holiday(d) or "" for d in all_days] if calendar.country
                   else [""] * n, dtype=object)
    kind = np.full(n, "", dtype=object)
    uplift = np.zeros(n)
    if calendar.special_days is not None:
        sd = calendar.special_days.drop_duplicates("date", keep="first")
        pos = all_days.get_indexer(sd["date"])
        ok = pos >= 0
        kind[pos[ok]] = sd["kind"].to_numpy()[ok]
        uplift[pos[ok]] = sd["uplift"].to_numpy(float)[ok]
    # how the history last saw each holiday on a weekday the centre opens: 'open' / 'closed'
    seen: dict[str, str] = {}
    for i in np.flatnonzero((hol != "") & ~future & open_wd[wd]):
        seen[holiday_key(hol[i])] = "open" if present[i] else "closed"
    key = np.array([holiday_key(h) if h else "" for h in hol], dtype=object)
    seen_closed = np.array([seen.get(k) == "closed" for k in key], bool)
    is_hol = hol != ""
    spec_open, spec_closed = kind == "open", kind == "closed"
    status = np.select(
        [present, spec_closed, ~open_wd[wd] & ~spec_open,
         future & is_hol & seen_closed & ~spec_open, future,
         is_hol | (not speaks_for_history)],
        ["open", "closed", "off", "closed", "open", "closed"], default="missing")
    unseen = future & is_hol & (kind == "") & ~np.array([k in seen for k in key], bool) & \
        (status == "open")
    t = pd.DataFrame({"weekday": wd, "in_history": present, "status": status, "holiday": hol,
                      "uplift": uplift, "unseen_holiday": unseen},
                     index=pd.DatetimeIndex(all_days, name="date"))
    # Flags use calendar adjacency: a closure right before/after the day. A Friday holiday
    # is followed by the weekend, so the Monday after it is *not* flagged (bank 2003: Mon
    # 2003-07-07 after Fri 07-04 had ordinary volume; Tue 2003-05-27 after Memorial Day
    # had +26 %, Tue 2003-09-02 after Labor Day +34 %).
    closed = (t["status"] == "closed").to_numpy()
    is_open = (t["status"] == "open").to_numpy()
    prev1 = np.r_[False, closed[:-1]]
    prev2 = np.r_[False, False, closed[:-2]]
    nxt = np.r_[closed[1:], False]
    t["pre_closure"] = is_open & nxt
    t["post_closure1"] = is_open & prev1
    t["post_closure2"] = is_open & prev2 & ~prev1
    t["month_turn"] = is_open & _month_turn(t, calendar, open_wd, seen)
    return t


MONTH_TURN = (1, 3)
"""Turn of the month: the last ``MONTH_TURN[0]`` and the first ``MONTH_TURN[1]`` business
days of each month, one day-level effect (``month_turn``) in the day-total models.

Why: retail-bank call volume rises when statements, salaries and benefit payments land
around the turn of the month. On the bank data *before* the evaluation window (days up to
2003-08-15), log day totals relative to the same weekday in the 3 weeks either side are up
10 %, 6 %, 6 %, 2 % on the 1st-4th business days of the month and 7 % on the last one
(-1 % to +3 % on other days): the last and the first three are about equally raised, so
one shared effect (one parameter) rather than four. The missed turns of June/July and
July/August 2003 were the largest errors of the day-total models in the earlier window.
"""


def _month_turn(t: pd.DataFrame, calendar: Calendar, open_wd: np.ndarray,
                seen: dict[str, str]) -> np.ndarray:
    """Boolean per row of the day table: within the turn of the month (:data:`MONTH_TURN`).

    Business days are the open or missing days of the table; before its first and after its
    last day (to complete the first and last month) they are guessed the way future days
    are: an open weekday that is not a holiday the history last saw the centre closed on
    (``seen``: holiday key -> 'open' / 'closed').
    """
    first, last = t.index.min(), t.index.max()
    span = pd.date_range(first - pd.offsets.MonthBegin(1) if first.day > 1 else first,
                         last + pd.offsets.MonthEnd(0), freq="D")
    # the table's days are consecutive: span = [days before it] + table + [days after it]
    n_before = (first - span[0]).days
    status = t["status"].to_numpy()
    business = np.zeros(len(span), bool)
    business[n_before:n_before + len(t)] = (status == "open") | (status == "missing")
    outside = np.r_[0:n_before, n_before + len(t):len(span)]
    for i in outside:           # guessed only outside the table (at most two months' days)
        d = span[i]
        business[i] = bool(open_wd[d.weekday()]) and not (
            (h := calendar.holiday(d)) and seen.get(holiday_key(h)) == "closed")
    # business days counted from the start and from the end of each month (months are runs
    # of consecutive days in span)
    month = (span.year * 12 + span.month).to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(month)) + 1]
    ends = np.r_[starts[1:], len(span)]
    c = np.cumsum(business)
    before = np.repeat(np.r_[0, c[starts[1:] - 1]], ends - starts)       # count before month
    total = np.repeat(c[ends - 1], ends - starts)                        # count to month end
    from_start = c - before
    from_end = total - c + business
    turn = business & ((from_start <= MONTH_TURN[1]) | (from_end <= MONTH_TURN[0]))
    return turn[n_before:n_before + len(t)]

